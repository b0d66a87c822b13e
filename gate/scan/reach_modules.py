"""Phases across a distribution's own modules: ``from ._sync import sync; sync()``.

gate.scan.reach follows execution within one module. A package's ``__init__`` may as well
call, at import, a function of another of its modules; that function's ``runtime``
findings then run at import too. ``follow_modules`` links them after every file is
scanned, reading only what it must:

1. callees: the module-level functions (and the constructors and class machinery of
   module-level classes) whose bodies hold a ``runtime`` finding, grown within their module
   by name (a function that mentions one of them may call it);
2. callers: the other own modules that spell both the callee module's name and the
   callee's (a set lookup on each module's words); only those are parsed;
3. in each caller, what runs at import (gate.scan.reach) and what it calls or hands on
   outside itself, resolved through its import statements (``from ._sync import sync``,
   ``from . import _sync``, ``import pkg._sync as s``) to an own qualified name;
4. a callee reached so turns its findings into ``import``, saying from where
   (``(via pkg/__init__.py:12 sync())``); a caller's function that mentions a callee is a
   callee in turn, so chains through several modules are followed.

Sound rather than precise, like gate.scan.reach: names decide, not types.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from collections.abc import Mapping

from gate.model import Capability, Finding, Phase
from gate.scan.lexical import absolute, decode_source, import_ranges, module_name, normalize
from gate.scan.python_refs import _FUNCS, _blocks
from gate.scan.reach import moved, reached

_WORD = re.compile(r"[A-Za-z_]\w*")
_EXEMPTABLE = frozenset({Capability.NATIVE, Capability.FS_READ})
_ENTRY_METHODS = ("__init__", "__new__", "__post_init__", "__init_subclass__",
                  "__set_name__", "__class_getitem__")


@dataclasses.dataclass(slots=True)
class _Module:
    name: str
    package: bool
    path: str  # the member's path in the archive (what findings name)
    text: str
    words: frozenset[str]
    tree: ast.Module | None = None
    # top-level name -> line ranges of what runs when it is called
    entries: dict[str, list[tuple[int, int]]] | None = None
    binds: dict[str, str] | None = None  # what its import statements bind
    outside: list[tuple[str, int]] | None = None  # what its import-time code spells
    lines: list[str] | None = None
    imported: frozenset[str] | None = None  # the words of its import statements
    spelled: dict[tuple[tuple[int, int], ...], frozenset[str]] = dataclasses.field(
        default_factory=dict)

    def imports(self, word: str) -> bool:
        """Whether an import statement of the module spells ``word``."""
        if self.imported is None:
            self.imported = frozenset(_WORD.findall(" ".join(
                self.text[a:b] for a, b in import_ranges(self.text)))) if (
                "import" in self.words) else frozenset()
        return word in self.imported

    def mentions(self, ranges: list[tuple[int, int]] | set[tuple[int, int]],
                 names: set[str]) -> bool:
        """Whether the code in ``ranges`` spells one of ``names``."""
        return bool(names) and not names.isdisjoint(self.words_in(ranges))

    def words_in(self, ranges: list[tuple[int, int]] | set[tuple[int, int]]) -> frozenset[str]:
        """The words the code in ``ranges`` spells (read once per set of ranges)."""
        key = tuple(sorted(ranges))
        words = self.spelled.get(key)
        if words is None:
            if self.lines is None:
                self.lines = self.text.split("\n")
            words = self.spelled[key] = frozenset(_WORD.findall("\n".join(
                "\n".join(self.lines[a - 1:b]) for a, b in key)))
        return words

    def summary(self) -> bool:
        """Fill ``entries``/``binds`` (and ``outside`` when known) from what the scanner
        remembered of this file, else from a parse; False if it does not parse."""
        if self.entries is not None:
            return True
        kept = _SUMMARIES.pop((self.path, len(self.text), hash(self.text)), None)
        if kept is not None:
            self.entries, self.binds, self.outside = kept
            return True
        tree = self.parse()
        if tree is None:
            return False
        self.entries, self.binds = _ranges(tree), _bindings(self.name, self.package, tree)
        return True

    def at_import(self) -> list[tuple[str, int]]:
        """What the module's import-time code spells outside itself."""
        if self.outside is None:
            tree = self.parse()
            self.outside = reached(tree).outside if tree is not None else []
        return self.outside

    def parse(self) -> ast.Module | None:
        if self.tree is None:
            try:
                self.tree = ast.parse(self.text)
            except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
                return None
        return self.tree


# what the scanner learnt of a file while its tree was at hand, for ``follow_modules``:
# (member path, len, hash of text) -> (entries, bindings, import-time outside references)
_SUMMARIES: dict[tuple[str, int, int], tuple[dict[str, list[tuple[int, int]]], dict[str, str],
                                             list[tuple[str, int]] | None]] = {}


def remember(path: str, module: str | None, package: bool, text: str, tree: ast.Module,
             outside: list[tuple[str, int]] | None) -> None:
    """Keep what ``follow_modules`` needs of a file the scanner parsed (no second parse)."""
    if module is None:
        return
    if len(_SUMMARIES) > 20_000:  # (scans whose wheel never asked for them)
        _SUMMARIES.clear()
    _SUMMARIES[(path, len(text), hash(text))] = (_ranges(tree), _bindings(module, package, tree),
                                                 outside)


def _ranges(tree: ast.Module) -> dict[str, list[tuple[int, int]]]:
    """Top-level name -> the line ranges a call of it runs (a class: its constructors)."""
    out: dict[str, list[tuple[int, int]]] = {}
    aliases: list[tuple[str, str]] = []
    for st in _top(tree.body):
        if isinstance(st, (ast.Assign, ast.AnnAssign)) and st.value is not None:
            names = [t.id for t in (st.targets if isinstance(st, ast.Assign) else [st.target])
                     if isinstance(t, ast.Name)]
            if isinstance(st.value, ast.Lambda):  # ``f = lambda: ...``
                for n in names:
                    end = st.value.end_lineno or st.lineno
                    out.setdefault(n, []).append((st.value.lineno, end))
            elif isinstance(st.value, ast.Name):  # ``f = _impl``
                aliases += [(n, st.value.id) for n in names]
        if isinstance(st, _FUNCS):
            out.setdefault(st.name, []).append((st.lineno, st.end_lineno or st.lineno))
        elif isinstance(st, ast.ClassDef):
            for item in st.body:
                if isinstance(item, _FUNCS) and item.name in _ENTRY_METHODS:
                    out.setdefault(st.name, []).append(
                        (item.lineno, item.end_lineno or item.lineno))
    for alias, target in aliases:
        out.setdefault(alias, []).extend(out.get(target, ()))
    return out


def _top(body: list[ast.stmt]) -> list[ast.stmt]:
    """Module-level statements, looking into ``if``/``try``/``with`` blocks."""
    out: list[ast.stmt] = []
    for st in body:
        out.append(st)
        for field in ("body", "orelse", "finalbody"):
            if not isinstance(st, (*_FUNCS, ast.ClassDef)) and isinstance(
                    getattr(st, field, None), list):
                out += _top(getattr(st, field))
        for h in getattr(st, "handlers", ()):
            out += _top(h.body)
    return out


def _bindings(name: str, package: bool, tree: ast.Module) -> dict[str, str]:
    """Local name -> absolute qualified name, from module ``name``'s import statements."""
    out: dict[str, str] = {}
    stack = [tree.body]  # every statement, in every block (imports are statements)
    while stack:
        body = stack.pop()
        stack += [b for st in body for b in _blocks(st)]
        out.update(_bound_by_import(name, package, body))
    return out


def _bound_by_import(name: str, package: bool, body: list[ast.stmt]) -> dict[str, str]:
    out: dict[str, str] = {}
    for st in body:
        if isinstance(st, ast.Import):
            for a in st.names:
                if a.asname:
                    out[a.asname] = a.name
                else:
                    head = a.name.split(".", 1)[0]
                    out[head] = head
        elif isinstance(st, ast.ImportFrom):
            base = absolute(name, package, "." * st.level + (st.module or ""))
            if base is None:
                continue
            for a in st.names:
                if a.name != "*":
                    out[a.asname or a.name] = f"{base}.{a.name}" if base else a.name
    return out


def follow_modules(findings: list[Finding],
                   sources: Mapping[str, tuple[str, str | bytes]]) -> list[Finding]:
    try:
        return _follow(findings, sources)
    finally:  # what the scanner kept of these files is not needed again
        for key in [k for k in _SUMMARIES if k[0] in sources]:
            _SUMMARIES.pop(key, None)


def _follow(findings: list[Finding],
            sources: Mapping[str, tuple[str, str | bytes]]) -> list[Finding]:
    """``findings`` with the ``runtime`` ones that another own module's import-time code
    reaches turned ``import``. ``sources``: member path -> (site-relative path, text) of
    every own ``.py`` module."""
    # a capability the package already uses at import gains nothing for the verdict by
    # one more import finding; the two a policy may let import use without a grant
    # (its own extension, its own data files: docs/policy.md) are followed all the same
    at_import = {f.capability for f in findings if f.phase is Phase.IMPORT} - _EXEMPTABLE
    runtime = [f for f in findings if f.phase is Phase.RUNTIME and f.path in sources
               and f.capability not in at_import]
    if not runtime:
        return findings
    modules: dict[str, _Module] = {}
    by_path: dict[str, _Module] = {}
    for path, (rel, code) in sources.items():
        named = module_name(rel)
        if named is None:
            continue
        try:
            text = code if isinstance(code, str) else normalize(decode_source(code))
        except (SyntaxError, UnicodeError, ValueError):
            continue
        mod = _Module(name=named[0], package=named[1], path=path, text=text,
                      words=frozenset(_WORD.findall(text)))
        modules[mod.name] = mod
        by_path[path] = mod
    lines: dict[str, list[int]] = {}
    for f in runtime:
        lines.setdefault(f.path, []).append(f.line)
    # 1. callees: name -> (module, the ranges of findings it reaches)
    callees: dict[tuple[str, str], list[tuple[int, int]]] = {}
    todo: list[_Module] = [by_path[p] for p in lines if p in by_path]
    for mod in todo:
        if not mod.summary():
            continue
        assert mod.entries is not None
        hit = {name for name, rs in mod.entries.items()
               if any(a <= ln <= b for a, b in rs for ln in lines[mod.path])}
        _grow(mod, hit, callees)
    if not callees:
        return findings
    # 2-4. callers, to a fixed point
    reached_via: dict[tuple[str, str], str] = {}
    edges: dict[tuple[str, str], set[tuple[str, str]]] = {}  # callee -> callees it names
    done: set[tuple[str, str, str]] = set()
    queue = list(callees)
    queued = set(queue)
    while queue:
        target_mod, target = queue.pop()
        leaf = target_mod.rpartition(".")[2]
        qual = f"{target_mod}.{target}"
        for caller in modules.values():
            if caller.name == target_mod or target not in caller.words or not (
                    caller.imports(leaf) or caller.imports(target)):
                continue  # (it cannot name the callee without importing it or its module)
            key = (caller.name, target_mod, target)
            if key in done:
                continue
            done.add(key)
            if not caller.summary():
                continue
            binds = caller.binds or {}
            for dotted, line in caller.at_import():
                head, _, rest = dotted.partition(".")
                base = binds.get(head)
                if base is not None and (f"{base}.{rest}" if rest else base) == qual:
                    reached_via.setdefault((target_mod, target),
                                           f"{caller.path}:{line} {dotted}()")
            # a function of the caller that names the callee may call it: a callee too
            assert caller.entries is not None
            local = {n for n, b in binds.items() if b == qual or qual.startswith(b + ".")}
            mentions = {name for name, rs in caller.entries.items()
                        if caller.mentions(rs, local)}
            for name in sorted(mentions):
                edges.setdefault((caller.name, name), set()).add((target_mod, target))
                if (caller.name, name) not in queued:
                    _grow(caller, {name}, callees)
                    callees.setdefault((caller.name, name), [])
            fresh = [k for k in callees if k not in queued]  # (what ``_grow`` added too)
            queued.update(fresh)
            queue += fresh
    if not reached_via:
        return findings
    # what a reached callee names is reached too, from the same place
    work = list(reached_via)
    while work:
        k = work.pop()
        for nxt in sorted(edges.get(k, ())):
            if nxt not in reached_via:
                reached_via[nxt] = reached_via[k]
                work.append(nxt)
    spans: dict[str, list[tuple[int, int, str]]] = {}
    for (mname, name), how in reached_via.items():
        mod = modules[mname]
        for a, b in callees.get((mname, name), ()):
            spans.setdefault(mod.path, []).append((a, b, how))
    out: list[Finding] = []
    for f in findings:
        how = None
        if f.phase is Phase.RUNTIME:
            for a, b, h in spans.get(f.path, ()):
                if a <= f.line <= b:
                    how = h
                    break
        out.append(f if how is None else moved(f, how))
    return out


def _grow(mod: _Module, names: set[str],
          callees: dict[tuple[str, str], list[tuple[int, int]]]) -> None:
    """Within ``mod``: each of ``names`` is a callee; a top-level name whose code mentions
    a callee may call it, so it is one too, running that callee's ranges as well."""
    entries = mod.entries or {}
    reach = {n: set(entries.get(n, ())) for n in sorted(names)}
    grew = True
    while grew:
        grew = False
        for other, rs in entries.items():
            for n in list(reach):
                if n == other or not mod.mentions(rs, {n}):
                    continue
                fresh = other not in reach
                have = reach.setdefault(other, set(rs))
                if fresh or not reach[n] <= have:
                    have |= reach[n]
                    grew = True
    for n, rs in reach.items():  # (merged: several seeds may reach one name)
        if rs:
            callees[(mod.name, n)] = sorted(rs.union(callees.get((mod.name, n), ())))
