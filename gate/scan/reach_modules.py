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
from gate.scan.reach import _PROPERTIES, _PROTOCOL, Reached, _leaf, _special, moved, reached

_WORD = re.compile(r"[A-Za-z_]\w*")
_STAR = re.compile(r"\bimport\s*\(?\s*\*")
_EXEMPTABLE = frozenset({Capability.NATIVE, Capability.FS_READ})
# a module-level ``__getattr__``/``__dir__``: runs for a missing name another module looks
# up on the module (``_x.anything``, ``from ._x import nothing``): keyed apart from methods
_MODULE_HOOK = "<module __getattr__>"
# words of an import by a computed or spelled-out name (``import_module("._x")``,
# ``sys.modules["pkg._x"]``): a module that spells one names modules in strings too
_DYNAMIC = frozenset({"import_module", "__import__", "modules", "resolve_name", "_gcd_import",
                      "reload", "spec_from_file_location", "SourceFileLoader", "load_module",
                      "exec_module", "run_module", "run_path", "zipimporter"})


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
    reach: Reached | None = None  # what its import-time code spells
    lines: list[str] | None = None
    imported: frozenset[str] | None = None  # the words of its import statements
    star: bool | None = None
    users_of: dict[str, list[str]] | None = None
    qual_at: dict[str, str] | None = None
    into_of: dict[str, set[str]] | None = None
    exact_of: dict[str, list[str]] | None = None
    spelled: dict[tuple[tuple[int, int], ...], frozenset[str]] = dataclasses.field(
        default_factory=dict)

    def imports(self, word: str) -> bool:
        """Whether an import statement of the module spells ``word``."""
        if self.imported is None:
            self.imported = frozenset(_WORD.findall(" ".join(
                self.text[a:b] for a, b in import_ranges(self.text)))) if (
                "import" in self.words) else frozenset()
        return word in self.imported

    def users(self) -> dict[str, list[str]]:
        """Word -> the entries (top-level names, methods) whose code spells it."""
        if self.users_of is None:
            self.users_of = {}
            for n, rs in (self.entries or {}).items():
                for w in self.words_in(rs):
                    if w != n:
                        self.users_of.setdefault(w, []).append(n)
        return self.users_of

    def resolved(self) -> dict[str, str]:
        """Qualified name -> where import-time code first spells it (``path:line dotted``),
        from what it spells outside itself and the module's imports."""
        if self.qual_at is None:
            self.qual_at = {}
            binds = self.binds or {}
            for dotted, line in self.at_import().outside:
                head, _, rest = dotted.partition(".")
                base = binds.get(head)
                if base is not None:
                    self.qual_at.setdefault(f"{base}.{rest}" if rest else base,
                                            f"{line} {dotted}")
            self.qual_at = {q: f"{self.path}:{v}" for q, v in self.qual_at.items()}
        return self.qual_at

    def bound_into(self) -> dict[str, set[str]]:
        """Module (and every prefix of a bound name) -> the local names bound into it."""
        if self.into_of is None:
            self.into_of = {}
            for n, b in (self.binds or {}).items():
                parts = b.split(".")
                for i in range(1, len(parts) + 1):
                    self.into_of.setdefault(".".join(parts[:i]), set()).add(n)
        return self.into_of

    def bound_to(self) -> dict[str, list[str]]:
        """Qualified name -> the local names bound to exactly it."""
        if self.exact_of is None:
            self.exact_of = {}
            for n, b in (self.binds or {}).items():
                self.exact_of.setdefault(b, []).append(n)
        return self.exact_of

    def names_method(self, ranges: list[tuple[int, int]], name: str) -> bool:
        """Whether the code in ``ranges`` spells ``name`` as an attribute or in a string."""
        if self.lines is None:
            self.lines = self.text.split("\n")
        text = "\n".join("\n".join(self.lines[a - 1:b]) for a, b in ranges)
        return re.search(rf"\.\s*{name}\b|[\"'][^\"'\n]*\b{name}\b", text) is not None

    def star_import(self) -> bool:
        """Whether the module has a ``from x import *`` (it may re-export any name)."""
        if self.star is None:
            self.star = bool(_STAR.search(self.text))
        return self.star

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
            self.entries, self.binds, self.reach = kept
            return True
        tree = self.parse()
        if tree is None:
            return False
        self.entries, self.binds = _ranges(tree), _bindings(self.name, self.package, tree)
        return True

    def at_import(self) -> Reached:
        """What the module's import-time code spells (outside itself, and every word)."""
        if self.reach is None:
            tree = self.parse()
            self.reach = reached(tree, module=self.name, package=self.package) if (
                tree is not None) else Reached()
        return self.reach

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
                                             Reached | None]] = {}


def remember(path: str, module: str | None, package: bool, text: str, tree: ast.Module,
             outside: Reached | None) -> None:
    """Keep what ``follow_modules`` needs of a file the scanner parsed (no second parse)."""
    if module is None:
        return
    if len(_SUMMARIES) > 20_000:  # (scans whose wheel never asked for them)
        _SUMMARIES.clear()
    _SUMMARIES[(path, len(text), hash(text))] = (_ranges(tree), _bindings(module, package, tree),
                                                 outside)


def _ranges(tree: ast.Module) -> dict[str, list[tuple[int, int]]]:
    """Top-level name -> the line ranges a call of it runs; a class: what runs when another
    module names it (its special methods, protocol methods and properties, as
    gate.scan.reach makes a live class's; all its methods when a base is not the module's
    own); a method's name: every method by that name (another module may call it on an
    instance or a class it names)."""
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
            if st.name in ("__getattr__", "__dir__"):
                out.setdefault(_MODULE_HOOK, []).append((st.lineno, st.end_lineno or st.lineno))
        elif isinstance(st, ast.ClassDef):
            _class_ranges(st, out, {c.name for c in _top(tree.body)
                                    if isinstance(c, ast.ClassDef)})
    for alias, target in aliases:
        out.setdefault(alias, []).extend(out.get(target, ()))
    return out


def _class_ranges(c: ast.ClassDef, out: dict[str, list[tuple[int, int]]],
                  own: set[str]) -> None:
    foreign = not all(isinstance(b, ast.Name) and (b.id in own or b.id == "object")
                      for b in c.bases)
    for item in _top(c.body):
        if isinstance(item, _FUNCS):
            span = (item.lineno, item.end_lineno or item.lineno)
            # by its name on anything (``.go``: an attribute or a string names a method)
            out.setdefault("." + item.name, []).append(span)
            deco = {_leaf(d) for d in item.decorator_list}
            if foreign or _special(item.name) or item.name in _PROTOCOL or (
                    deco & _PROPERTIES):
                out.setdefault(c.name, []).append(span)
        elif isinstance(item, ast.ClassDef):  # ``O.I()``
            _class_ranges(item, out, own)


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
                elif base:
                    out[f"*{base}"] = base  # (not a name: what it binds is not listed)
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
    ordered = sorted(modules.values(), key=lambda m: m.name)
    by_word: dict[str, list[int]] = {}  # word -> the modules (in ``ordered``) that spell it
    for i, m in enumerate(ordered):
        for w in m.words:
            by_word.setdefault(w, []).append(i)
    while queue:
        callee = queue.pop()
        target_mod, target = callee
        leaf = target_mod.rpartition(".")[2]
        qual = f"{target_mod}.{target}"
        hook = target == _MODULE_HOOK  # runs for any missing name looked up on the module
        method = target.startswith(".")  # a method: named by an attribute or a string
        if method:
            target = target[1:]
        # (a caller spells the callee's module or imports the callee by name)
        for i in sorted({*by_word.get(leaf, ()), *by_word.get(target, ())}):
            caller = ordered[i]
            if caller.name == target_mod or not (
                    caller.imports(leaf) or caller.imports(target) or (
                        leaf in caller.words and not caller.words.isdisjoint(_DYNAMIC))) or not (
                    hook or target in caller.words or caller.star_import()):
                continue  # (it cannot name the callee without spelling it or its module)
            key = (caller.name, *callee)
            if key in done:
                continue
            done.add(key)
            if not caller.summary():
                continue
            binds = caller.binds or {}
            at_import = caller.at_import()
            spelled = caller.resolved().get(qual)
            if spelled is not None:
                reached_via.setdefault(callee, f"{spelled}()")
            # by name: the module's import-time code spells the callee (``getattr(m, "f")``,
            # ``K().go()``, ``import_module("._x").f()``, after ``from ._x import *``) and
            # names its module (a name bound into it, its name, a star import of it)
            into = caller.bound_into().get(target_mod, set())
            star = f"*{target_mod}" in binds
            words = at_import.words
            spells = at_import.attrs if method else words
            if (hook or target in spells) and (star or leaf in words or caller.imports(leaf)
                                                or not into.isdisjoint(words)):
                line = words.get(target) or min(
                    [words[w] for w in (*into, leaf) if w in words] or [1])
                reached_via.setdefault(callee, f"{caller.path}:{line} " + (
                    f"{leaf}.__getattr__" if hook else target))
            # a function of the caller that names the callee may call it: a callee too
            assert caller.entries is not None
            exact = caller.bound_to()
            parts = qual.split(".")
            local = {n for i in range(1, len(parts) + 1)
                     for n in exact.get(".".join(parts[:i]), ())}
            named = into | {leaf}
            users = caller.users()
            entries = caller.entries
            mentions = {n for w in sorted(local) for n in users.get(w, ())}
            candidates = ({n for w in sorted(named) for n in users.get(w, ())} if hook
                          else users.get(target, ()))
            mentions |= {n for n in candidates if n in entries and (
                star or caller.mentions(entries[n], named)) and (
                not method or caller.names_method(entries[n], target))}
            # a re-export (``from ._x import f as g``, a package ``__init__``) is the callee
            # under another name
            mentions |= {n for n, b in binds.items() if b == qual and not n.startswith("*")}
            if star and not method:  # ``from ._x import *``: the caller's namespace has it
                mentions.add(target)
            for name in sorted(mentions):
                edges.setdefault((caller.name, name), set()).add(callee)
                if (caller.name, name) not in queued:
                    fresh = _grow(caller, {name}, callees)
                    callees.setdefault((caller.name, name), [])
                    fresh.append((caller.name, name))
                    fresh = [k for k in fresh if k not in queued]
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
          callees: dict[tuple[str, str], list[tuple[int, int]]]) -> list[tuple[str, str]]:
    """Within ``mod``: each of ``names`` is a callee; a top-level name whose code mentions
    a callee may call it, so it is one too, running that callee's ranges as well. Returns
    the callees it added."""
    entries = mod.entries or {}
    users = mod.users()
    closure = set(names)
    stack = sorted(names)
    while stack:  # who mentions a callee, transitively
        n = stack.pop()
        for other in users.get(n.lstrip("."), ()):
            if other not in closure:
                closure.add(other)
                stack.append(other)
    added: list[tuple[str, str]] = []
    # what each runs: its own ranges and those of the callees it mentions, to a fixed point
    # (in the order found, from the seeds: usually two passes)
    order = sorted(closure)
    bare: dict[str, list[str]] = {}  # (a method's key is ``.name``)
    for x in order:
        bare.setdefault(x.lstrip("."), []).append(x)
    near = {x: [z for w in sorted(mod.words_in(entries[x]) & bare.keys()) for z in bare[w]
                if z != x] if x in entries else [] for x in order}
    runs = {x: set(entries.get(x, ())) for x in order}
    grew = True
    while grew:
        grew = False
        for x in order:
            have = runs[x]
            size = len(have)
            for z in near[x]:
                have |= runs[z]
            grew = grew or len(have) != size
    for x in order:
        rs = runs[x]
        key = (mod.name, x)
        if rs:
            if key not in callees:
                added.append(key)
            callees[key] = sorted(rs.union(callees.get(key, ())))
    return added
