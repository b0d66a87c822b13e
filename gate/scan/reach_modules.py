"""Phases across a distribution's own modules: ``from ._sync import sync; sync()``.

gate.scan.reach follows execution within one module. A package's ``__init__`` may as well
call, at import, a function of another of its modules; that function's ``runtime``
findings then run at import too. ``follow_modules`` links them after every file is
scanned, reading only what it must:

1. callees: the module-level functions, module-level classes (their whole body: a class
   used runs every method) and their methods (``Class.method``) whose bodies hold a
   ``runtime`` finding; within their
   module, what spells a callee's name may call it (a method: its name beside its class's,
   one of its instances' or from a method of that class);
2. callers: the other own modules that spell the callee's name and import its module or
   name (or name a module by a literal: ``import_module``, ``sys.modules``); only those
   are parsed;
3. in each caller, what runs at import (gate.scan.reach) and what it calls or hands on
   outside itself, resolved through the module graph (gate.scan.reach_graph: import
   statements, re-exports, ``import *``, ``import_module("pkg._x")``, instances such as
   ``client = Client()``, inherited methods, a module ``__getattr__`` for a missing name)
   to the definition it names;
4. a callee reached so turns its findings into ``import``, saying from where
   (``(via pkg/__init__.py:12 sync())``); a caller's function that mentions a callee is a
   callee in turn, and a module that re-exports one (``from ._x import f as g``) names it
   under another name, so chains through several modules are followed.

Precise where names allow: a method counts only through a known class (``K().go()``,
``client.fetch()``), not because some module spells its name.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import posixpath
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

from gate.layout import pth_lines
from gate.model import Capability, Finding, Phase
from gate.scan.lexical import (
    decode_source,
    import_ranges,
    module_name,
    normalize,
)
from gate.scan.nodes import gc_paused, parse
from gate.scan.python_refs import _FUNCS
from gate.scan.reach import (
    _special,
    _targets,
    holderless,
    leaks_self,
    method_names,
    moved,
    name_may_change,
    reached,
)
from gate.scan.reach_decorators import follow_decorations
from gate.scan.reach_graph import Graph, Summary, summarize
from gate.scan.reach_hooks import follow_class_hooks
from gate.scan.type_checking import may_write

_WORD = re.compile(r"[A-Za-z_]\w*")
_EXEMPTABLE = frozenset({Capability.NATIVE, Capability.FS_READ})
# words beside which a module may be named by a literal rather than imported
_DYNAMIC = frozenset({"import_module", "__import__", "modules", "find_class"})
_STAR = re.compile(r"\bimport\s*\*")
# what changes which file an import loads: ``__package__``/``__path__`` bound or edited,
# ``sys.path`` (or ``path`` from it) edited, ``site.addsitedir``; ``setattr``/``vars`` on a
# module are the scanner's (``dynamic-code``)
_REDIRECT = re.compile(
    r"\b__package__\s*(?:=(?!=)|:)|\b__path__\s*(?:=(?!=)|\+=|\[|:|\.\s*(?:insert|append|"
    r"extend|clear|pop|remove)\b)|\bpath\s*(?:\+=|\[[^\]]*\]\s*=(?!=)|\.\s*(?:insert|"
    r"append|extend)\b)|\baddsitedir\b|\b(?:global|nonlocal)\b[^\n]*\b__(?:path|package)__")

@dataclasses.dataclass(slots=True)
class _Module:
    name: str
    package: bool
    path: str  # the member's path in the archive (what findings name)
    site: str  # its path below site-packages
    text: str
    words: frozenset[str]
    tree: ast.Module | None = None
    sum: Summary | None = None
    read: bool = False  # (``sum`` known, or known not to parse)
    outside: list[tuple[str, int]] | None = None  # what its import-time code spells
    lines: list[str] | None = None
    imported: frozenset[str] | None = None  # the words of its import statements
    spelled: dict[tuple[tuple[int, int], ...], frozenset[str]] = dataclasses.field(
        default_factory=dict)
    index: dict[str, list[str]] | None = None  # word -> the entries whose code spells it
    stars: bool | None = None
    named: dict[str, str] | None = None  # what import-time code names (``_Follow._named``)
    bound: dict[str, list[str]] | None = None  # its import bindings, by what they name
    made: dict[str, list[str]] | None = None  # its instances, by their class
    by_last: dict[str, list[tuple[str, str]]] | None = None  # ``named`` by last word, module
    by_class: dict[str, list[str]] | None = None  # its instances, by the class spelled
    typing: bool = False  # a module of the distribution may set ``typing.TYPE_CHECKING``
    by_entry: dict[str, frozenset[str]] = dataclasses.field(default_factory=dict)

    def instances_of(self, cls: str) -> list[str]:
        """What holds an instance of ``cls`` (as spelled) in the summary: module-level
        instances ``x = cls(...)``, then factories returning one (``def make(): return
        cls()``): ``Summary.instances`` and ``Summary.returns`` reversed once."""
        if self.sum is None:
            return []
        if self.by_class is None:
            self.by_class = {}
            for i, c in self.sum.instances.items():
                self.by_class.setdefault(c, []).append(i)
            for f, ks in self.sum.returns.items():
                for k in ks:
                    self.by_class.setdefault(k, []).append(f)
        return self.by_class.get(cls, [])

    def imports(self, word: str) -> bool:
        """Whether an import statement of the module spells ``word``."""
        if self.imported is None:
            self.imported = frozenset(_WORD.findall(" ".join(
                self.text[a:b] for a, b in import_ranges(self.text)))) if (
                "import" in self.words) else frozenset()
        return word in self.imported

    def star_import(self) -> bool:
        if self.stars is None:
            self.stars = "import" in self.words and _STAR.search(self.text) is not None
        return self.stars

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

    def entry_words(self, entry: str) -> frozenset[str]:
        """The words entry ``entry``'s code spells (``words_in`` of its ranges, by name)."""
        words = self.by_entry.get(entry)
        if words is None:
            assert self.sum is not None
            words = self.by_entry[entry] = self.words_in(self.sum.entries[entry])
        return words

    def spelling(self, word: str) -> list[str]:
        """The entries (functions, classes, ``Class.method``) whose code spells ``word``."""
        if self.index is None:
            self.index = {}
            for entry in (self.sum.entries if self.sum is not None else {}):
                for w in self.entry_words(entry):
                    self.index.setdefault(w, []).append(entry)
        return self.index.get(word, [])

    def summary(self) -> Summary | None:
        """What the scanner remembered of this file, else read from a parse; None if it
        does not parse."""
        if self.read:
            return self.sum
        self.read = True
        memory = _kept.get()
        kept = memory.pop((self.path, self.text), None) if memory is not None else None
        if kept is not None:
            self.sum, outside = kept
            if self.outside is None:
                self.outside = outside
            return self.sum
        tree = self.parse()
        if tree is not None:
            self.sum = summarize(self.name, self.package, tree, self.text)
        return self.sum

    def at_import(self) -> list[tuple[str, int]]:
        """What the module's import-time code spells outside itself (its ``__main__``
        block too where the module may rebind ``__name__``, as the scanner reads it)."""
        if self.outside is None:
            tree = self.parse()
            self.outside = import_time(tree, self.name, self.package, self.typing) if (
                tree is not None) else []
        return self.outside

    def parse(self) -> ast.Module | None:
        if self.tree is None:
            try:
                self.tree = parse(self.text)
            except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
                return None
        return self.tree


def import_time(tree: ast.Module, module: str, package: bool,
                typing_patched: bool = False) -> list[tuple[str, int]]:
    """What ``tree``'s import-time code spells outside itself (``Reached.outside``), its
    ``__main__`` block counted where ``__name__`` may be rebound (``name_may_change``, read
    only where such a block stands): the same answer whether the scanner computed it or
    ``follow_modules`` does."""
    @functools.cache
    def main_runs() -> bool:
        return name_may_change(tree, module, package)

    return reached(tree, main_runs=main_runs, module=module, package=package,
                   typing_patched=typing_patched).outside


# what the scanner learnt of each file while its tree was at hand, for ``follow_modules``,
# kept only while a wheel is scanned (``remembering``): (member path, text) -> (summary,
# import-time outside references, None where the scanner did not compute them)
_kept: ContextVar[dict[tuple[str, str], tuple[Summary, list[tuple[str, int]] | None]] | None] = (
    ContextVar("permpip_reach_kept", default=None))


@contextmanager
def remembering() -> Iterator[None]:
    """While the block runs (one wheel's scan), ``remember`` keeps what it is given."""
    token = _kept.set({})
    try:
        yield
    finally:
        _kept.reset(token)


def remember(path: str, module: str | None, package: bool, text: str, tree: ast.Module,
             outside: list[tuple[str, int]] | None, typing_patched: bool = False) -> None:
    """Keep what ``follow_modules`` needs of a file the scanner parsed (no second parse),
    inside a wheel's scan (``remembering``); elsewhere (an sdist, a file alone) nothing."""
    memory = _kept.get()
    if module is None or memory is None:
        return
    if outside is None:  # (the scanner had no ``runtime`` finding to place)
        outside = import_time(tree, module, package, typing_patched)
    memory[(path, text)] = (summarize(module, package, tree, text), outside)


def follow_modules(findings: list[Finding],
                   sources: Mapping[str, tuple[str, str | bytes]]) -> list[Finding]:
    try:
        with gc_paused():  # (trees and summaries: no cycles, gate.scan.nodes.gc_paused)
            return _Follow(findings, sources).run()
    finally:  # what the scanner kept of these files is not needed again
        memory = _kept.get()
        if memory is not None:
            for key in [k for k in memory if k[0] in sources]:
                memory.pop(key, None)


Key = tuple[str, str]  # (module, entry: ``f``, ``Class``, ``Class.method``, ``__getattr__``)


@dataclasses.dataclass(slots=True)
class _Target:
    """A callee's names, as ``_caller`` reads them in each module that may name it."""
    qual: str  # ``mod.name``
    want: str  # the definition it names (``Graph.canon``)
    hook: bool  # a module ``__getattr__``
    method: bool  # ``Class.method``
    # per spelling (``qual``, ``want``): its prefixes, longest first, with whether whole;
    # and what an instance holding it is of
    spells: list[tuple[list[tuple[str, bool]], str]]
    last: str  # the last word of the last spelling read
    prefixes: frozenset[str]  # every prefix of either spelling


class _Follow:
    """``findings`` with the ``runtime`` ones that another own module's import-time code
    reaches turned ``import``. ``sources``: member path -> (site-relative path, text) of
    every own ``.py`` module."""

    def __init__(self, findings: list[Finding],
                 sources: Mapping[str, tuple[str, str | bytes]]) -> None:
        self.findings = findings
        self.sources = sources
        self.modules: dict[str, _Module] = {}  # by import name (and names paths give them)
        self.by_path: dict[str, _Module] = {}
        self.graph = Graph(self.modules, lambda m: m.summary())  # type: ignore[attr-defined]
        self.callees: dict[Key, list[tuple[int, int]]] = {}
        self.edges: dict[Key, set[Key]] = {}  # callee -> callees it may call
        self.reached_via: dict[Key, str] = {}
        self.canons: dict[str, str] = {}
        # (each callee is popped from ``pending`` once: ``_candidates`` reads each caller of
        # it once, the first module of a name where two files have one)
        self.twins = False  # two of ``mods`` share a name
        self.index: dict[str, list[_Module]] | None = None  # word -> the modules spelling it
        self.ctx: tuple[Key, _Target] | None = None  # (``_caller``: the callee's names, once)
        self.pending: list[Key] = []  # callees whose callers are still to be read
        self.mods: list[_Module] = []  # the modules that may call (not a ``__main__``)
        self.spellers: dict[str, list[_Module]] = {}  # word -> the modules spelling it
        self.starrers: list[_Module] | None = None  # the modules with an ``import *``
        self.redirects: bool | None = None  # (``_namesakes``)
        self.leaves: dict[str, list[str]] | None = None  # last name -> own modules
        self.naming: dict[tuple[str, str], bool] = {}  # (``_names_module``)
        self.leaky: dict[tuple[int, str], bool] = {}  # (id(module), class): ``_leaky``

    def canon(self, qual: str) -> str:
        got = self.canons.get(qual)
        if got is None:
            got = self.canons[qual] = self.graph.canon(qual)
        return got

    def run(self) -> list[Finding]:
        findings = self.findings
        # a capability the package already uses at import gains nothing for the verdict by
        # one more import finding; the two a policy may let import use without a grant
        # (its own extension, its own data files: docs/policy.md) are followed all the same
        at_import = {f.capability for f in findings if f.phase is Phase.IMPORT} - _EXEMPTABLE
        runtime = [f for f in findings if f.phase is Phase.RUNTIME and f.path in self.sources
                   and f.capability not in at_import]
        if not runtime:
            return findings
        for path, (rel, code) in self.sources.items():
            if rel.lower().endswith(".pth"):  # its executable lines run at every start
                if not isinstance(code, bytes):
                    continue
                lines = {n: t for n, t, executable in pth_lines(code) if executable}
                code = "\n".join(lines.get(n, "") for n in range(1, max(lines, default=0) + 1))
                named = ("!pth!" + rel[:-4].replace(".", "!"), False)
            else:
                named = module_name(rel)
            if named is None and "!" in path:  # in a zip: named by a sys.path addition only
                named = ("!" + rel[:-3].replace(".", "!"), False)  # (no dots: one name)
            if named is None:
                continue
            try:
                text = code if isinstance(code, str) else normalize(decode_source(code))
            except (SyntaxError, UnicodeError, ValueError):
                continue
            mod = _Module(name=named[0], package=named[1], path=path, site=rel, text=text,
                          words=frozenset(_WORD.findall(text)))
            self.modules[mod.name] = mod
            self.by_path[path] = mod
        patched = any(may_write(m.text) for m in self.by_path.values())
        for m in self.by_path.values():
            m.typing = patched
        self._path_names()
        lines: dict[str, list[int]] = {}
        for f in runtime:
            lines.setdefault(f.path, []).append(f.line)
        # 1. callees
        for path, at in lines.items():
            mod = self.by_path.get(path)
            s = mod.summary() if mod is not None else None
            if mod is None or s is None:
                continue
            hit = {name for name, rs in s.entries.items()
                   if any(a <= ln <= b for a, b in rs for ln in at)}
            self._grow(mod, hit)
        if not self.callees:
            return findings
        # 2-4. callers, to a fixed point (``_grow`` and ``_alias`` add to ``pending``)
        # a package's ``__main__`` runs under ``python -m``, not on import (unless imported)
        mods = [m for m in self.by_path.values() if m.name.rpartition(".")[2] != "__main__"]
        if any("__main__" in m.words and m.imports("__main__") for m in mods):
            mods = list(self.by_path.values())
        self.mods = mods
        self.twins = len({m.name for m in mods}) < len(mods)
        follow_decorations(self)  # (``@register_model`` of another own module)
        follow_class_hooks(self)  # (a base's ``__init_subclass__`` of another one)
        while self.pending:
            target = self.pending.pop()
            for caller in self._candidates(target):
                if caller.summary() is not None:
                    self._caller(caller, target)
        if not self.reached_via:
            return findings
        # what a reached callee may call is reached too, from the same place
        work = list(self.reached_via)
        while work:
            k = work.pop()
            for nxt in sorted(self.edges.get(k, ())):
                if nxt not in self.reached_via:
                    self.reached_via[nxt] = self.reached_via[k]
                    work.append(nxt)
        spans: dict[str, list[tuple[int, int, str]]] = {}
        for (mname, name), how in self.reached_via.items():
            mod = self.modules[mname]
            for a, b in self.callees.get((mname, name), ()):
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

    def _path_names(self) -> None:
        """``sys.path.insert(0, join(dirname(__file__), "vendor"))`` makes the modules
        below ``vendor`` importable by their names there (``import hidden_mod``);
        ``__path__.append(join(dirname(__file__), "extra"))`` makes those below ``extra``
        submodules of the package."""
        for mod in list(self.by_path.values()):
            if ("__file__" not in mod.words and "__path__" not in mod.words) or not any(
                    w in mod.text for w in ("insert(", "append(", "extend(", "addsitedir(",
                                            "path +=", "path[", "path =")):
                continue
            s = mod.summary()
            here = posixpath.dirname(mod.site)
            for in_package, rel in (s.path_dirs if s is not None else ()):
                # (``*``: a directory not worked out, any of the package's below the file's)
                roots = {posixpath.normpath(posixpath.join(here, rel))} if rel != "*" else {
                    posixpath.dirname(o.site) for o in self.by_path.values()
                    if o.site.startswith(f"{here}/")}
                for root, other in ((r, o) for r in sorted(roots) if not r.startswith("..")
                                    for o in list(self.by_path.values())):
                    if not other.site.startswith(root + "/"):
                        continue
                    named = module_name(other.site[len(root) + 1:])
                    if named is None or (other.name.startswith("!") and in_package):
                        continue
                    alias = f"{mod.name}.{named[0]}" if in_package and mod.package else named[0]
                    self.modules.setdefault(alias, other)

    def _grow(self, mod: _Module, names: set[str]) -> None:
        """Within ``mod``: each of ``names`` is a callee; an entry whose code spells a callee
        may call it (a method ``C.m``: spelling ``m`` beside ``C``, an instance of ``C``, or
        as a method of ``C``), so it is one too."""
        s = mod.summary()
        if s is None:
            return
        work = sorted(names)
        for n in work:
            self._add((mod.name, n), s.entries.get(n, ()))
        while work:
            n = work.pop()
            cls, _, meth = n.rpartition(".")
            holders = {cls, *mod.instances_of(cls)} if cls else None
            # a class: what spells an instance kept of it reads it (``def get(): return k``)
            kept = [i for i in mod.instances_of(n) if i in s.instances] if (
                not cls and n in s.classes) else []
            for other in (*mod.spelling(meth), *(e for i in kept for e in mod.spelling(i))):
                if other == n:
                    continue
                if holders is not None and not (
                        other == cls or other.startswith(cls + ".")
                        or not holders.isdisjoint(mod.entry_words(other))):
                    continue
                self.edges.setdefault((mod.name, other), set()).add((mod.name, n))
                if (mod.name, other) not in self.callees:
                    self._add((mod.name, other), s.entries.get(other, ()))
                    work.append(other)

    def _add(self, key: Key, ranges: Iterable[tuple[int, int]]) -> None:
        have = self.callees.get(key)
        if have is None:
            self.callees[key] = list(ranges)
            self.pending.append(key)
        else:
            have += [r for r in ranges if r not in have]

    def _spellers(self, word: str) -> list[_Module]:
        """The modules of ``mods`` that spell ``word``, in their order (an index of every
        word once many are asked)."""
        found = self.spellers.get(word)
        if found is None:
            if self.index is None and len(self.spellers) >= 64:
                self.index = {}
                for m in self.mods:
                    for w in m.words:
                        self.index.setdefault(w, []).append(m)
            found = self.spellers[word] = self.index.get(word, []) if (
                self.index is not None) else [m for m in self.mods if word in m.words]
        return found

    def _candidates(self, target: Key) -> list[_Module]:
        """The modules that can name ``target`` at all: they spell its name (a method: its
        own, a special method: its class's; a module ``__getattr__``: the module's) and
        import its module or its name, or name modules by literals; or re-export its
        module with ``import *``."""
        tmod, name = target
        leaf = tmod.rpartition(".")[2].rpartition("/")[2]
        cls, _, meth = name.rpartition(".")
        word = leaf if name == "__getattr__" else "dir" if name == "__dir__" else cls if (
            cls and meth.startswith("__")) else meth  # (``dir(pkg)`` runs ``__dir__``)
        holders: tuple[str, ...] = ()
        if cls:
            holders = (cls.partition(".")[0], *self.modules[tmod].instances_of(cls))
        found = self._spellers(word)
        tsum = self.modules[tmod].summary() if not cls else None
        kept: list[str] = []
        if tsum is not None and name in tsum.classes:  # a class: through its instances too
            kept = [i for i in self.modules[tmod].instances_of(name) if i in tsum.instances]
            if kept:  # (``from ._x import k``, ``import pkg._x; pkg._x.k``)
                ids = {id(m) for m in found}
                found = [*found, *(m for m in self.mods if id(m) not in ids and any(
                    i in m.words and (m.imports(i) or self._names_module(m, tmod))
                    for i in kept))]
        if self.starrers is None:
            self.starrers = [m for m in self.mods if m.star_import()]
        out: list[_Module] = []
        if name == "__getattr__":  # its submodules look it up relatively (``from . import x``)
            ids = {id(m) for m in found}
            found = [*found, *(m for m in self.mods if id(m) not in ids and m.name.startswith(
                tmod + ".") and "import" in m.words)]
        elif cls and not self.twins:  # (only a module spelling a holder may pass below)
            spell = {id(m) for h in holders for m in self._spellers(h)}
            found = [m for m in found if id(m) in spell]
        seen: set[str] = set()
        for caller in (*found, *self.starrers):
            if caller.name == tmod or caller.name in seen:
                continue
            seen.add(caller.name)
            if name == "__getattr__" and caller.name.startswith(tmod + "."):
                out.append(caller)
                continue
            if cls:  # a method: through its class, or an instance of it, imported
                words = caller.words
                for h in holders:
                    if h in words and (caller.imports(h) or self._names_module(caller, tmod)):
                        out.append(caller)
                        break
            elif caller.imports(leaf) or (caller.imports(word) and word in caller.words) or (
                    (word in caller.words or any(i in caller.words for i in kept))
                    and self._names_module(caller, tmod)):
                out.append(caller)
        return out

    def _names_module(self, caller: _Module, tmod: str) -> bool:
        """Whether ``caller`` may name module ``tmod``: it imports it by its last name, or a
        package above it and spells that name (``import pkg; pkg._x.f()``), or names
        modules by literals (``import_module("pkg._x")``, ``sys.modules["pkg._x"]``)."""
        key = (caller.name, tmod)
        got = self.naming.get(key)
        if got is None:
            got = self.naming[key] = self._naming(caller, tmod)
        return got

    @staticmethod
    def _naming(caller: _Module, tmod: str) -> bool:
        leaf = tmod.rpartition(".")[2].rpartition("/")[2]
        if caller.imports(leaf) or _literal_module(caller, leaf):
            return True
        if _found(caller.text, tmod, rf"(?<![\w.]){re.escape(tmod)}[.:][A-Za-z_]"):
            return True  # (``pydoc.locate("pkg._x.f")``, ``resolve_name("pkg._x:f")``)
        parts = tmod.split(".")
        if len(parts) < 2 or leaf not in caller.words or not any(
                caller.imports(p) for p in parts[:-1]):
            return False
        return _found(caller.text, parts[-2],  # (``pkg._x`` spelled)
                      rf"\b{re.escape(parts[-2])}\s*\.\s*{re.escape(leaf)}\b")

    def _target(self, target: Key) -> _Target:
        """What ``_caller`` reads of ``target`` whoever the caller (worked out once)."""
        if self.ctx is not None and self.ctx[0] == target:
            return self.ctx[1]
        qual = f"{target[0]}.{target[1]}"
        want = self.canon(qual)  # (a re-export: what it names)
        spells: list[tuple[list[tuple[str, bool]], str]] = []
        last = ""
        for spelled in {qual, want}:  # (a re-export is followed by its own alias, hop by hop)
            parts = spelled.split(".")
            spells.append(([(".".join(parts[:i]), i == len(parts))
                            for i in range(len(parts), 0, -1)], spelled.rpartition(".")[0]))
            last = parts[-1]
        got = _Target(qual, want, target[1] == "__getattr__", bool(target[1].rpartition(".")[0]),
                      spells, last, frozenset(p for ps, _ in spells for p, _ in ps))
        self.ctx = (target, got)
        return got

    def _caller(self, caller: _Module, target: Key) -> None:
        s = caller.sum
        assert s is not None
        t = self._target(target)
        qual, want = t.qual, t.want
        # (an ancestor's hook counts: a submodule imported after its package, by the
        # application or another module, finds it defined)
        hook = t.hook
        reached = target in self.reached_via  # (then where else it is named adds nothing)
        if not reached:
            how = self._named_how(caller, s, target, qual, want)
            if how is not None:
                self.reached_via.setdefault(target, how)
        if hook:
            if reached:
                return
            tmod = self.modules[target[0]]
            for base, name, line in s.lookups:  # ``from ._x import missing``
                # (``from ._x import f`` asks a module that is no package for ``__path__``)
                if self.canon(f"{base}.{name}") == want or (
                        base == target[0] and not tmod.package):
                    self.reached_via.setdefault(
                        target, f"{caller.path}:{line} from {base} import {name}")
            tsum = tmod.summary()
            if target[0] in s.stars and tsum is not None and (
                    not tmod.package or tsum.all_names is None
                    or not tsum.all_names <= tsum.defined):
                # ``from ._x import *`` asks a module for ``__path__`` (no package),
                # ``__all__`` (none bound), each name of ``__all__`` (one not bound, or not
                # a literal): its ``__getattr__`` is asked
                self.reached_via.setdefault(
                    target, f"{caller.path} from {target[0]} import *")
            return
        # names bound to the callee, and to what holds it (its class, its module)
        cls = t.method
        direct: set[str] = set()
        holders: set[str] = set()
        bound = self._bound(caller, s)
        binds = not bound.keys().isdisjoint(t.prefixes)
        for prefixes, held in t.spells:
            for prefix, whole in prefixes if binds else ():
                names = bound.get(prefix)
                if names:
                    (direct if whole else holders).update(names)
            if cls:  # ``client = Client()``: ``client.fetch``
                holders.update(self._instances(caller, s).get(held, ()))
        # a re-export names a function or class under another name, or module
        for name in direct:
            self._alias(caller, name, target)
        if s.stars and not target[1].startswith("_") and any(
                star == target[0] for star in s.stars):
            self._alias(caller, target[1], target)
        if not direct and not holders:
            return
        # a function of the caller that names the callee may call it: a callee too
        last = t.last
        mentions = {e for w in direct for e in caller.spelling(w)}
        spell = caller.spelling(last)  # (what spells the callee's name and a holder's)
        if len(spell) <= sum(len(caller.spelling(w)) for w in holders):
            mentions.update(e for e in spell if e not in mentions
                            and not holders.isdisjoint(caller.entry_words(e)))
        else:
            mentions.update(e for w in holders for e in caller.spelling(w)
                            if e not in mentions and last in caller.entry_words(e))
        for name in sorted(mentions):
            self.edges.setdefault((caller.name, name), set()).add(target)
            if (caller.name, name) not in self.callees:
                self._grow(caller, {name})

    def _alias(self, caller: _Module, name: str, target: Key) -> None:
        """``name`` in ``caller`` names ``target`` (a re-export): a callee under that name."""
        key = (caller.name, name)
        if key == target:
            return
        self.edges.setdefault(key, set()).add(target)
        self._add(key, ())

    def _bound(self, caller: _Module, s: Summary) -> dict[str, list[str]]:
        """What ``caller``'s imports bind, by the definition each names."""
        if caller.bound is None:
            caller.bound = {}
            for name, value in s.binds.items():
                caller.bound.setdefault(value, []).append(name)
        return caller.bound

    def _instances(self, caller: _Module, s: Summary) -> dict[str, list[str]]:
        """``caller``'s module-level instances, by the class each was made from."""
        if caller.made is None:
            caller.made = {}
            for name, made in s.instances.items():
                where = self.graph.local(caller, made)
                if where is not None:
                    caller.made.setdefault(where, []).append(name)
        return caller.made

    def _named(self, caller: _Module, s: Summary) -> dict[str, str]:
        """What ``caller``'s import-time code names of the package (canonical qualified
        name -> where: ``pkg/__init__.py:12 sync()``), resolved once per caller."""
        if caller.named is None:
            caller.named = {}
            for spelled, line in caller.at_import():
                made = spelled.startswith("!")  # ``k = K()`` kept: ``_made_only``
                escapes = spelled.startswith("*")  # an own module handed on as a value
                spelled = spelled.lstrip("!*")
                for q in () if spelled.startswith("@") else self._resolve(caller, s, spelled):
                    found = self.graph.module_of(q)
                    if found is None:
                        continue
                    how = f"{caller.path}:{line} {spelled.lstrip('=')}()"
                    if escapes:
                        if not found[2]:  # (any of its names may be looked up and called)
                            caller.named.setdefault(f"{found[1]}.*", f"{caller.path}:{line} "
                                                    f"{spelled.lstrip('=')} handed on")
                        continue
                    for got in self._made_only(q) if made else (q, *self._instance_class(q)):
                        caller.named.setdefault(got, how)
                        for other in self._namesakes(got):
                            caller.named.setdefault(other, how)
        return caller.named

    def _namesakes(self, q: str) -> list[str]:
        """Where a module of the package changes which file an import loads (``__path__``
        changed, ``__package__`` rebound, ``sys.path`` added to), ``q`` in every own
        module of the same last name (``pkg._x.f``: ``pkg.alt._x.f``); else none."""
        if self.redirects is None:
            self.redirects = any(_REDIRECT.search(m.text) is not None for m in self.mods if (
                "__path__" in m.words or "__package__" in m.words or "path" in m.words))
        if not self.redirects:
            return []
        if self.leaves is None:
            self.leaves = {}
            for m in self.by_path.values():
                self.leaves.setdefault(m.name.rpartition(".")[2], []).append(m.name)
        parts = q.split(".")
        out: list[str] = []
        for i, leaf in enumerate(parts):  # (``pkg._x.f`` with no pkg/_x.py: ``_x`` too)
            rest = ".".join(parts[i + 1:])
            out += [f"{m}.{rest}" if rest else m for m in self.leaves.get(leaf, ())
                    if m != ".".join(parts[:i + 1])]
        return out

    def _instance_class(self, q: str) -> list[str]:
        """The class of a module-level instance ``q`` names (``pkg._x.client`` of
        ``client = Client()``), read or handed on at import: it is used (all its methods)."""
        found = self.graph.module_of(self.canon(q))
        if found is None or len(found[2]) != 1:
            return []
        mod, _, rest = found
        s = mod.summary()  # type: ignore[attr-defined]
        made = s.instances.get(rest[0]) if s is not None else None
        where = self.graph.local(mod, made) if made is not None else None
        return [self.canon(where)] if where is not None else []

    def _made_only(self, q: str, depth: int = 0) -> list[str]:
        """What making and keeping an instance of class ``q`` runs (``k = K()``): its special
        methods and its own bases' (``K.__init__``...); the whole class where a base or
        metaclass is not the package's own (it may call any method)."""
        want = self.canon(q)
        found = self.graph.module_of(want)
        if found is None or len(found[2]) != 1 or depth > 12:
            return [q]
        mod, name, rest = found
        s = mod.summary()  # type: ignore[attr-defined]
        cls = rest[0]
        if s is None or cls not in s.classes:
            return [q]  # (a function: what it returns is another matter)
        leaky = self.leaky.get((id(mod), cls))
        if leaky is None:
            leaky = self.leaky[(id(mod), cls)] = _leaky(mod, cls)  # type: ignore[arg-type]
        if leaky:
            return [want]  # a method lets ``self`` escape: any may be called
        out = [f"{name}.{e}" for e in s.entries
               if e.startswith(cls + ".") and _special(e[len(cls) + 1:])]
        for base in s.classes[cls]:
            where = self.graph.local(mod, base) if base != "object" else None
            if base == "object":
                continue
            if where is None or self.graph.module_of(where) is None:
                return [want]  # another distribution's base: all its methods
            got = self._made_only(where, depth + 1)
            if self.canon(where) in got:  # (a base used whole, or leaking ``self``)
                return [want]
            out += got
        return out

    def _named_how(self, caller: _Module, s: Summary, target: Key, qual: str,
                   want: str) -> str | None:
        """Where ``caller``'s import-time code names ``target``: as spelled (``qual``, or the
        definition ``want`` it re-exports), else through the graph (an instance, an
        inherited method, a re-export, a missing name's ``__getattr__``), following only
        the references that end in the callee's name or point into its module (a module
        is parsed only when a chain leads through it)."""
        named = self._named(caller, s)
        how = named.get(qual) or named.get(want) or named.get(f"{target[0]}.*")
        if how is not None:
            return how
        if caller.by_last is None:
            caller.by_last = {}
            for q, h in named.items():
                found = self.graph.module_of(q)
                caller.by_last.setdefault(q.rpartition(".")[2], []).append((q, h))
                if found is not None and found[2]:
                    caller.by_last.setdefault("@" + found[1], []).append((q, h))
        key = "@" + target[0] if target[1] == "__getattr__" else target[1].rpartition(".")[2]
        for q, h in caller.by_last.get(key, ()):
            if self.canon(q) == want:
                return h
        return None

    def _resolve(self, caller: _Module, s: Summary, spelled: str) -> list[str]:
        """The qualified names a reference spelled in ``caller`` may stand for."""
        if spelled.startswith("="):  # a module a literal names
            return [spelled[1:]]
        head, _, rest = spelled.partition(".")
        bound = s.binds.get(head)
        if bound is not None:
            return [f"{bound}.{rest}" if rest else bound, *(
                f"{star}.{spelled}" for star in s.stars if not head.startswith("_"))]
        if (head in s.entries or head in s.defined) and head.startswith("_"):
            return []  # (a public name a star import may rebind: the starred module's too)
        return [f"{star}.{spelled}" for star in s.stars]


# decorators of a method that bind the method itself (or a property of it), by name where
# the module does not rebind it (a kept instance's class: ``_leaky``)
_ACCESSORS = frozenset({"setter", "getter", "deleter"})
_TRUSTED = frozenset({"property", "cached_property", "staticmethod", "classmethod",
                      "abstractmethod", "override", "final", "overload", *_ACCESSORS})


def _leaky(mod: _Module, cls: str) -> bool:
    """Whether a method of ``mod``'s top-level class ``cls`` lets ``self`` escape
    (gate.scan.reach.leaks_self): a kept instance of it is used whole. (Read where
    another module keeps an instance of the class: the tree parsed again if need be.)"""
    tree = mod.parse()
    if tree is None:
        return True
    classes = {st.name: st for st in tree.body if type(st) is ast.ClassDef}
    shadowed = mod.sum.defined if mod.sum is not None else frozenset()
    methods = method_names(m for c in classes.values() for m in c.body if isinstance(m, _FUNCS))

    @functools.cache
    def called() -> frozenset[str]:
        return frozenset(n.attr for n in ast.walk(tree) if type(n) is ast.Attribute)  # type: ignore[attr-defined]

    own: list[ast.ClassDef] = []  # the class and its bases of the module
    stack = [classes[cls]] if cls in classes else []
    other = False  # a base of another module: its methods are not read here
    while stack:
        c = stack.pop()
        if any(c is o for o in own):
            continue
        own.append(c)
        for b in c.bases:
            if type(b) is ast.Name and b.id in classes:
                stack.append(classes[b.id])
            elif not (type(b) is ast.Name and b.id == "object"):
                other = True
    fns = [m for c in own for m in c.body if isinstance(m, _FUNCS)]
    def trusted(deco: ast.expr, fn: ast.AST) -> bool:  # (by name, not rebound)
        leaf = deco.id if type(deco) is ast.Name else deco.attr if (  # type: ignore[attr-defined]
            type(deco) is ast.Attribute) else None
        return leaf in _TRUSTED and (leaf not in shadowed or leaf in _ACCESSORS)

    runs = None if other else holderless(fns, {n for c in own for st in c.body if type(st) in (
        ast.Assign, ast.AnnAssign) for n in _targets(st)}, trusted,
        any(c.decorator_list for c in own))
    return any(leaks_self(m, shadowed, called, methods) for m in (fns if runs is None else runs))


def _found(text: str, head: str, pattern: str) -> bool:
    """Whether ``pattern``, which matches only where the literal ``head`` starts, matches
    in ``text``: tried at each place ``head`` stands (the whole text is not searched)."""
    at = text.find(head)
    if at < 0:
        return False
    match = re.compile(pattern).match
    while at >= 0:
        if match(text, at) is not None:
            return True
        at = text.find(head, at + 1)
    return False


def _literal_module(caller: _Module, leaf: str) -> bool:
    """Whether ``caller`` may name module ``leaf`` by a literal (``import_module("._x",
    __name__)``, ``sys.modules["pkg._x"]``, ``__import__("pkg._x")``): a string ending in
    its name beside such a lookup."""
    return not _DYNAMIC.isdisjoint(caller.words) and (
        f'{leaf}"' in caller.text or f"{leaf}'" in caller.text)
