"""A distribution's own modules as aliases of what they import.

``pkg/compat.py: import subprocess as sp`` makes ``sp`` in ``from pkg.compat import sp``,
``from .compat import sp``, ``from .compat import *`` or ``compat.sp`` another module's name
for ``subprocess``. The table is collected *lexically* from every module of the artifact
(import statements anywhere in the text, ``N = dotted.name`` and ``N = __import__('m')``
assignments), so files the pre-filter rules out still contribute and nothing is parsed twice.
Reading imports anywhere (inside functions, docstrings, comments) over-approximates a
module's namespace: sound, and a wrong entry only matters when another module imports that
very name from it. Bindings the text hides (``globals()[...] =``, ``setattr``, a computed
``__import__``) are themselves dynamic-code findings in the module that makes them.

Public API:

    module_name(rel: str) -> tuple[str, bool] | None
        ``pkg/compat.py`` -> (``pkg.compat``, False); ``pkg/__init__.py`` -> (``pkg``, True).
    collect(sources: Mapping[str, bytes | str], *, own: frozenset[str] = frozenset()) -> Exported
        ``sources``: importable path (site-packages relative) -> file bytes (or its text,
        decoded as Python would).
    Exported.resolve(qualname) -> str
        ``pkg.compat.sp.run`` -> ``subprocess.run`` (unchanged when nothing applies).
"""

from __future__ import annotations

import ast
import functools
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from gate.catalog import (
    PATH_CLASSES,
    attribute_paths,
    canonical,
    match,
    module_prefixes,
    owned,
    reaches,
)
from gate.scan.lexical import (
    absolute,
    assigned_name,
    decode_text,
    import_ranges,
    module_name,
    value_starts,
)
from gate.scan.type_checking import may_write

_FROM = re.compile(r"\bfrom\b[ \t]*([.\w \t]*?)[ \t]*\bimport\b[ \t]*(\([^)]*\)?|[^;#)]*)")
_IMPORT = re.compile(r"(?:^|[;:])[ \t]*import[ \t]+([\w. \t,]+)")
_CHAIN = re.compile(r"[A-Za-z_]\w*(?:[ \t]*\.[ \t]*[A-Za-z_]\w*)*[ \t]*(?:[;#\n]|\Z)")
_DYN = re.compile(r"=[ \t]*(?:importlib[ \t]*\.[ \t]*)?(?:__import__|import_module)"
                  r"[ \t]*\([ \t]*['\"]([\w.]+)['\"]")
_MODULE = re.compile(r"\.*(?:[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)?\Z")
_MAX_HOPS = 8


@dataclass(frozen=True, kw_only=True, slots=True)
class Exported:
    """What the artifact's own modules bind to catalogued modules and names."""

    table: Mapping[str, str] = field(default_factory=dict)  # "pkg.compat.sp" -> "subprocess"
    modules: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # for star imports
    # (N, T): a module binds N to T, spelled differently (``sp`` for ``subprocess``)
    renamed: frozenset[tuple[str, str]] = frozenset()
    # pre-filter: head word -> words that may stand on the import line instead of it
    # (the leaf of a module that exports it: ``from .compat import *`` then ``os.system``)
    alts: Mapping[str, frozenset[str]] = field(default_factory=dict)
    heads: frozenset[str] = frozenset()  # first components of the table's keys
    # module -> modules outside the distribution it star-imports (directly or through
    # its own star imports): ``from subprocess import *`` in compat, ``Popen`` in use.py
    stars: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # pre-filter: (leaf of such a module, the module it star-imports)
    starred: frozenset[tuple[str, str]] = frozenset()
    # own modules (and packages above them) under which the table names something, with
    # the attributes on the way: ``pkg``: {``compat``}, ``pkg.compat``: {``sp``} for
    # ``pkg.compat.sp``; ``*`` for a module that star-imports one
    holders: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # every own module's import name: a value bound to one is a module (gate.scan.reflect)
    own_modules: frozenset[str] = frozenset()
    own_packages: frozenset[str] = frozenset()  # those of them with submodules
    # a module may set ``typing.TYPE_CHECKING`` (gate.scan.type_checking.may_write): no
    # ``if TYPE_CHECKING:`` block of the distribution is then never run
    typing_patched: bool = False
    # own modules another module may rename (``pkg.__name__ = "__main__"``, ``setattr(pkg,
    # "__name__", ...)``): their ``__main__`` blocks may run at import (``name_written``)
    name_written: frozenset[str] = frozenset()
    # module -> the public names its star imports of own modules may bind (``star_names``;
    # None: not known, a computed ``__all__`` or a star import of another distribution's)
    star_bound: Mapping[str, frozenset[str] | None] = field(default_factory=dict)

    def resolve(self, qualname: str) -> str:
        """Rewrite the longest own ``module.name`` prefix of ``qualname`` by the table."""
        if qualname.partition(".")[0] not in self.heads:
            return qualname
        parts = qualname.split(".")
        for i in range(len(parts), 1, -1):
            target = self.table.get(".".join(parts[:i]))
            if target is not None:
                return ".".join([target, *parts[i:]])
        for i in range(len(parts) - 1, 0, -1):
            for star in self.stars.get(".".join(parts[:i]), ()):
                candidate = ".".join([star, *parts[i:]])
                if match(candidate) is not None:
                    return candidate
        return qualname




def _import_lines(text: str) -> list[tuple[int, str]]:
    """Each logical line holding the word ``import`` (gate.scan.lexical.import_ranges),
    comments dropped, and the offset where it starts; doctest lines are text, never code."""
    out: list[tuple[int, str]] = []
    for start, end in import_ranges(text):
        line = text[start:end]
        if line.lstrip().startswith(">>>"):
            continue
        out.append((start, "\n".join(part.split("#", 1)[0] for part in line.split("\n"))))
    return out


def _bindings(text: str, module: str, package: bool) -> tuple[dict[str, set[str]], list[str]]:
    """Name -> raw targets the imports of ``text`` may bind; star-imported modules."""
    out: dict[str, set[str]] = {}
    stars: list[str] = []
    local: dict[str, set[str]] = {}  # bound only by imports inside a def or class
    for start, line in _import_lines(text):
        into = out
        if line[:1] in (" ", "\t") and _in_def(text, start):
            into = local
        for m in _FROM.finditer(line):
            source = re.sub(r"\s", "", m.group(1))
            if not source or not _MODULE.match(source):
                continue
            base = absolute(module, package, source)
            if base is None:
                continue
            for item in m.group(2).strip().strip("()").split(","):
                words = item.split()
                if words == ["*"]:
                    stars.append(base)
                elif len(words) == 1 and words[0].isidentifier():
                    into.setdefault(words[0], set()).add(f"{base}.{words[0]}")
                elif len(words) == 3 and words[1] == "as" and words[2].isidentifier():
                    into.setdefault(words[2], set()).add(f"{base}.{words[0]}")
        for m in _IMPORT.finditer(line):
            for item in m.group(1).split(","):
                words = item.split()
                if len(words) >= 3 and words[-2] == "as":
                    into.setdefault(words[-1], set()).add("".join(words[:-2]))
                elif words:
                    head = "".join(words).split(".", 1)[0]
                    if head.isidentifier():
                        into.setdefault(head, set()).add(head)
    if local:
        top = _defined_at_top(text, local)
        for name, targets in local.items():
            if name in out or name not in top:
                out.setdefault(name, set()).update(targets)
    if ("__import__" in text or "import_module" in text) and "=" in text:
        for m in _DYN.finditer(text):
            assigned = assigned_name(text, m.start())
            if assigned:
                out.setdefault(assigned, set()).add(m.group(1))
    return out, stars


_HEADER = re.compile(r"(?:async[ \t]+)?def\b|class\b")
_INDENT = re.compile(r"[ \t]*")


def _in_def(text: str, start: int) -> bool:
    """Whether the indented line at ``start`` lies, lexically, inside a ``def`` or
    ``class``: the nearest line above it with less indentation (not blank, not a comment)
    opens one, or opens a block inside one. Conservative: a string quoted over several
    lines in between, or tabs in the indentation, and the answer is no."""
    indent = _INDENT.match(text, start).end() - start  # type: ignore[union-attr]
    if "\t" in text[start:start + indent]:
        return False
    end = start
    while end > 0:
        begin = text.rfind("\n", 0, end - 1) + 1
        line = text[begin:end]
        end = begin
        if '"""' in line or "'''" in line:
            return False
        body = line.lstrip(" ")
        if not body.strip() or body.startswith("#"):
            continue
        if body[0] == "\t" or body[0] == "\f":
            return False
        width = len(line) - len(body)
        if width >= indent:
            continue
        if _HEADER.match(body):
            return True
        if width == 0:
            return False
        indent = width
    return False


_GLOBAL = re.compile(r"\bglobal\b([^\n;]*)")


def _defined_at_top(text: str, names: Iterable[str]) -> set[str]:
    """Those of ``names`` that ``text`` binds at top level with ``def``, ``class`` or an
    assignment (an import inside a function or class does not rebind them: ``def
    import_module`` in one module, ``from importlib import import_module`` inside one of its
    functions), less every name a ``global`` statement declares. Looked up by name: a
    spelling this misses (``def  f``) only keeps an import, which is the safe side."""
    top = set()
    for name in names:
        for start in ("def ", "async def ", "class "):
            if f"\n{start}{name}(" in text or f"\n{start}{name}:" in text or (
                    text.startswith(f"{start}{name}")):
                top.add(name)
                break
        else:
            if (f"\n{name}" in text or text.startswith(name)) and _top_assign(name).search(text):
                top.add(name)
    if top and "global" in text:
        for m in _GLOBAL.finditer(text):
            top.difference_update(w.strip() for w in m.group(1).split(","))
    return top


@functools.lru_cache(maxsize=1024)
def _top_assign(name: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(name)}[ \t]*(?::[^\n=]*)?=(?!=)", re.M)


def _assignments(text: str, module: str, bound: str) -> dict[str, str]:
    """``N = bound`` / ``N = bound.attr`` anywhere in ``text``: N -> ``module.bound.attr``."""
    out: dict[str, str] = {}
    for off, eq in value_starts(text, (bound,)):
        name = assigned_name(text, eq) if eq >= 0 else None
        chain = _CHAIN.match(text, off)
        if name and chain and name != bound:
            out[name] = f"{module}." + re.sub(r"[\s;#]", "", chain.group())
    return out


_NAME_WRITE = re.compile(
    r"(?<![\w.])([A-Za-z_]\w*(?:\s*\.\s*[A-Za-z_]\w*)*)\s*\.\s*__name__\s*(?:=(?!=)|:=)"
    r"|setattr\s*\(\s*([A-Za-z_][\w.]*)\s*,\s*['\"]__name__['\"]")


def star_names(starring: Mapping[str, list[str]],
               texts: Mapping[str, str]) -> dict[str, frozenset[str] | None]:
    """For each module with a star import of an own module, the public names those may
    bind: a literal ``__all__``'s, else the names bound at top level (through their own
    star imports of own modules); None where not known (a computed ``__all__``, a star
    import of another distribution's module, a module that does not parse). A star import
    of the standard library is read elsewhere (a builtin it may rebind: gate.scan.reach)."""
    from gate.scan.reach_graph import _all_names, _bound, _top  # (it imports this module)

    memo: dict[str, frozenset[str] | None] = {}

    def exported(mod: str, depth: int) -> frozenset[str] | None:
        if mod in memo:
            return memo[mod]
        memo[mod] = frozenset()  # (a cycle of star imports adds nothing)
        text = texts.get(mod)
        got: frozenset[str] | None = None
        if text is not None and depth < 20:
            try:
                tree = ast.parse(text)
            except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
                tree = None
            if tree is not None:
                top = _top(tree.body)
                got = _all_names(top, text)
                if got is None and "__all__" not in text:
                    names: set[str] | None = {n for st in top for n in _bound(st)
                                              if not n.startswith("_")}
                    for star in starring.get(mod, ()):
                        inner = exported(star, depth + 1) if star in texts else (
                            frozenset() if star.partition(".")[0] in sys.stdlib_module_names
                            else None)
                        if inner is None or names is None:
                            names = None
                        else:
                            names |= inner
                    got = frozenset(names) if names is not None else None
        memo[mod] = got
        return got

    out: dict[str, frozenset[str] | None] = {}
    for mod, stars in starring.items():
        own = [st for st in stars if st in texts]
        if not own:
            continue
        acc: set[str] | None = set()
        for st in own:
            got = exported(st, 0)
            acc = None if got is None or acc is None else acc | got
        out[mod] = frozenset(acc) if acc is not None else None
    return out


def name_written(texts: Mapping[str, str], own: frozenset[str]) -> frozenset[str]:
    """The own modules whose ``__name__`` another module may write (``pkg.__name__ =
    "__main__"``, ``_a.__name__ = ...``, ``setattr(pkg, "__name__", ...)``, ``import pkg.x
    as m; m.__name__ = ...``): by the written name's last part, or the module it aliases."""
    out: set[str] = set()
    leaves: dict[str, list[str]] = {}
    for m in own:
        leaves.setdefault(m.rpartition(".")[2], []).append(m)
    for text in texts.values():
        if "__name__" not in text:
            continue
        for m in _NAME_WRITE.finditer(text):
            spelled = re.sub(r"\s", "", m.group(1) or m.group(2))
            leaf = spelled.rpartition(".")[2]
            out.update(leaves.get(leaf, ()))
            for a in re.finditer(rf"import\s+([\w.]+)\s+as\s+{re.escape(leaf)}\b", text):
                out.update(leaves.get(a.group(1).rpartition(".")[2], ()))
    return frozenset(out)


def _relevant(qual: str, own: frozenset[str]) -> bool:
    q = canonical(qual)
    if owned(q, own):
        return False
    return (match(q) is not None or reaches(q) or q in module_prefixes()
            or q in PATH_CLASSES)


def collect(sources: Mapping[str, bytes | str], *,
            own: frozenset[str] = frozenset()) -> Exported:
    """The table of every own module's bindings to catalogued modules and names."""
    raw: dict[str, dict[str, set[str]]] = {}
    texts: dict[str, str] = {}
    packages: set[str] = set()
    relative_star = False
    own_modules = frozenset(n[0] for rel in sources if (n := module_name(rel)) is not None)
    own_packages = frozenset(m.rpartition(".")[0] for m in own_modules if "." in m)
    patched = False
    every: dict[str, str] = {}  # (every own module's text: what a star import binds)
    starring: dict[str, list[str]] = {}
    for rel, data in sources.items():
        named = module_name(rel)
        if named is None:
            continue
        module, package = named
        text = every[module] = decode_text(data) or ""
        if "import" not in text:
            continue
        patched = patched or may_write(text)
        texts[module] = text
        if package:
            packages.add(module)
        bindings, stars = _bindings(text, module, package)
        into = raw.setdefault(module, {})
        for name, targets in bindings.items():
            into.setdefault(name, set()).update(targets)
        starring[module] = stars
        for star in stars:
            into.setdefault("*", set()).add(star)
            relative_star = relative_star or star in packages or star == module.rpartition(".")[0]
    written = name_written(texts, own_modules)
    star_bound = star_names(starring, every)
    if not raw:
        return Exported(own_modules=own_modules, own_packages=own_packages,
                        typing_patched=patched, name_written=written, star_bound=star_bound)

    # Propagate from the seeds (names bound to catalogued things) along the own-module
    # bindings that refer to them: ``B.n -> A.x.rest`` and ``from A import *`` in B.
    meaning: dict[tuple[str, str], set[str]] = {}
    deps: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
    star_deps: dict[str, list[str]] = {}
    external: dict[str, set[str]] = {}
    queue: list[tuple[str, str, str]] = []

    def bind(module: str, name: str, target: str) -> None:
        parts = target.split(".")
        for i in range(len(parts) - 1, 0, -1):
            if ".".join(parts[:i]) in raw:
                rest = ".".join(parts[i + 1:])
                deps.setdefault((".".join(parts[:i]), parts[i]), []).append(
                    (module, name, rest))
                for star in external.get(".".join(parts[:i]), ()):
                    t = ".".join([star, *parts[i:]])
                    if _relevant(t, own):
                        queue.append((module, name, t))
                for t in meaning.get((".".join(parts[:i]), parts[i]), ()):
                    queue.append((module, name, f"{t}.{rest}" if rest else t))
                return
        if target.split(".", 1)[0] not in raw and _relevant(target, own):
            queue.append((module, name, target))

    def propagate() -> set[tuple[str, str]]:
        new: set[tuple[str, str]] = set()
        while queue:
            module, name, target = queue.pop()
            have = meaning.setdefault((module, name), set())
            if target in have or target.count(".") > 8:
                continue
            have.add(target)
            new.add((module, name))
            for b, n, rest in deps.get((module, name), ()):
                queue.append((b, n, f"{target}.{rest}" if rest else target))
            for b in star_deps.get(module, ()):
                queue.append((b, name, target))
        return new

    for module, bindings in raw.items():
        for star in bindings.pop("*", ()):
            if star in raw:
                star_deps.setdefault(star, []).append(module)
            elif _relevant(star, own):
                external.setdefault(module, set()).add(star)
    for _ in range(_MAX_HOPS):  # through own star imports of those modules
        grown = False
        for imported, users in star_deps.items():
            for user in users:
                if not external.get(imported, set()) <= external.get(user, set()):
                    external.setdefault(user, set()).update(external[imported])
                    grown = True
        if not grown:
            break
    for module, bindings in raw.items():
        for name, targets in bindings.items():
            for target in targets:
                bind(module, name, target)
    fresh = propagate()
    # ``sp = subprocess`` (a renamed module): two rounds follow such names further
    for _ in range(2):
        for module, name in sorted(fresh):
            source = texts.get(module)
            if source is None:
                continue
            for new, target in _assignments(source, module, name).items():
                if target not in raw[module].setdefault(new, set()):
                    raw[module][new].add(target)
                    bind(module, new, target)
        fresh = propagate()
        if not fresh:
            break

    table: dict[str, str] = {}
    modules: dict[str, dict[str, str]] = {}
    for (module, name), found in sorted(meaning.items()):
        # one meaning per name: the one the catalog says most about
        target = min(found, key=lambda t: (match(t) is None, t))
        table[f"{module}.{name}"] = target
        modules.setdefault(module, {})[name] = target
    renamed = frozenset((n, t) for m in modules.values() for n, t in m.items() if n != t)
    alts: dict[str, set[str]] = {}
    for module in raw:  # an own module is its package's attribute: ``pkg.compat.sp``
        parent, _, leaf = module.rpartition(".")
        if parent:
            alts.setdefault(leaf, set()).add(parent.rpartition(".")[2])
    for module, names in modules.items():
        words = {module.rpartition(".")[2]}
        if relative_star and module in packages:
            words.add("from")
        for name in names:
            alts.setdefault(name, set()).update(words)
    return Exported(table=table, modules=modules, renamed=renamed, own_modules=own_modules,
                    own_packages=own_packages, name_written=written, star_bound=star_bound,
                    holders=attribute_paths([*table, *(f"{m}.*" for m in external)]),
                    alts={k: frozenset(v) for k, v in alts.items()},
                    heads=frozenset(k.partition(".")[0] for k in [*table, *external]),
                    stars={m: frozenset(v) for m, v in external.items()},
                    starred=frozenset((m.rpartition(".")[2], s) for m, v in external.items()
                                      for s in v), typing_patched=patched)
