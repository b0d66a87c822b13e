"""Decorators imported from another module of the package, for gate.scan.reach_modules.

gate.scan.reach reads what a decorator does when the module defines it: one that only
labels, returns or registers the function it is given (``_registry[name] = fn``) does not
run it. A decorator imported from another of the package's own modules (timm's
``from ._registry import register_model``) is read here, in its module: the walker leaves
a record ``@key=spelled`` (``@resnet50=register_model``, ``()`` after a factory) in the
module's import-time references instead of counting the function as run. Then:

- a decorator that may call what it is given (a class: its ``__init__``/``__new__``, or
  ``__call__`` after a factory call), or one that is not the package's own function or
  class (an instance, a name not resolved, another distribution's): the function runs at
  import (``(via timm/models/beit.py:998 @register_model)``);
- one that keeps it in a builtin container of its module (``_model_entrypoints[name] =
  fn``): it runs when that container is read at import, by the decorator's module's own
  import-time code or by a function that reads (not only writes) it and is itself reached
  (``create_model()`` at import), or by another module's import-time code that names it.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from gate.scan.python_refs import _FUNCS
from gate.scan.reach import _reads, container_names, decorator_uses
from gate.scan.reach_graph import _top

if TYPE_CHECKING:
    from gate.scan.reach_modules import _Follow, _Module


def follow_decorations(follow: _Follow) -> None:
    """Each decorated function with a record (whose findings are callees) is reached, or
    linked to the container that keeps it (see the module docstring)."""
    seen = _Seen()
    for mname in sorted({m for m, _ in follow.callees}):
        mod = follow.modules[mname]
        if "@" not in mod.text:
            continue
        for spelled, line in mod.at_import():
            if spelled.startswith("@"):
                key, _, deco = spelled[1:].partition("=")
                if (mod.name, key) in follow.callees:
                    _decoration(follow, seen, mod, key, deco, line)


class _Seen:
    """What one ``follow_decorations`` works out once, however many functions a decorator
    decorates: each tree's entries and containers, what a decorator does with what it is
    given, where a container is read. (Only the ``how`` text is per function.)"""

    def __init__(self) -> None:
        self.entries: dict[int, dict[str, ast.AST]] = {}  # id(tree) -> ``_entry_nodes``
        self.containers: dict[int, set[str]] = {}  # id(tree) -> ``_containers``
        # (id(module), definition, factory) -> ``decorator_uses``, None: not a function
        self.uses: dict[tuple[int, tuple[str, ...], bool], tuple[bool, list[str]] | None] = {}
        # (id(module), container, decorator) -> where the module reads it at import
        self.read_at: dict[tuple[int, str, str], int | None] = {}
        # (id(module), container, decorator) -> its functions that read it
        self.readers: dict[tuple[int, str, str], list[str]] = {}

    def entry_nodes(self, tree: ast.Module) -> dict[str, ast.AST]:
        got = self.entries.get(id(tree))
        if got is None:
            got = self.entries[id(tree)] = _entry_nodes(tree)
        return got

    def decorator_uses(self, holder: _Module, rest: list[str],
                       factory: bool) -> tuple[bool, list[str]] | None:
        """``decorator_uses`` of the function or method ``rest`` of ``holder``, None when
        it is no function of the module's."""
        key = (id(holder), tuple(rest), factory)
        if key in self.uses:
            return self.uses[key]
        tree = holder.parse() if rest else None
        fn = _definition(self.entry_nodes(tree), rest) if tree is not None else None
        got = None
        if fn is not None:
            containers = self.containers.get(id(tree))
            if containers is None:
                containers = self.containers[id(tree)] = _containers(tree)  # type: ignore[arg-type]
            got = decorator_uses(fn, factory, containers, method=len(rest) == 2)
        self.uses[key] = got
        return got


def _decoration(follow: _Follow, seen: _Seen, mod: _Module, key: str, deco: str,
                line: int) -> None:
    factory = deco.endswith("()")
    name = deco.removesuffix("()")
    target = (mod.name, key)
    how = f"{mod.path}:{line} @{name}"
    s = mod.summary()
    quals = follow._resolve(mod, s, name) if s is not None else []
    if not quals:
        follow.reached_via.setdefault(target, how)
        return
    for q in quals:
        canon = follow.canon(q)
        found = follow.graph.module_of(canon)
        got = seen.decorator_uses(found[0], found[2], factory) if (  # type: ignore[arg-type]
            found is not None) else None
        if got is None:  # not a function of the package's: it may call what it is given
            follow.reached_via.setdefault(target, how if found is not None else (
                f"{how}, {canon} of another distribution: may call it"))
            return
        calls, holders = got
        if calls:
            follow.reached_via.setdefault(target, how)
            return
        for holder in holders:
            _kept(follow, seen, found[0], ".".join(found[2]), holder, target, how)  # type: ignore[arg-type, index]


def _kept(follow: _Follow, seen: _Seen, rmod: _Module, deco: str, holder: str,
          target: tuple[str, str], how: str) -> None:
    """``target`` is kept in ``rmod``'s container ``holder``: it runs where that is read."""
    key = (id(rmod), holder, deco)
    if key in seen.read_at:
        at = seen.read_at[key]
    else:  # the container's module reads it at import
        at = seen.read_at[key] = next(
            (line for spelled, line in rmod.at_import() if spelled == holder), None)
    if at is not None:
        follow.reached_via.setdefault(target, f"{how} (kept in {holder}, read at "
                                              f"{rmod.path}:{at})")
        return
    box = (rmod.name, holder)  # another module naming it at import: a callee of its own
    follow.edges.setdefault(box, set()).add(target)
    follow._add(box, ())
    readers = seen.readers.get(key)
    if readers is None:
        readers = seen.readers[key] = _readers(seen, rmod, deco, holder)
    for entry in readers:
        follow.edges.setdefault((rmod.name, entry), set()).add(box)
        if (rmod.name, entry) not in follow.callees:
            follow._grow(rmod, {entry})


def _readers(seen: _Seen, rmod: _Module, deco: str, holder: str) -> list[str]:
    """``rmod``'s functions (but the decorator ``deco``) that read the container ``holder``
    (not only add to it)."""
    s = rmod.summary()
    tree = rmod.parse()
    if s is None or tree is None:
        return []
    nodes = seen.entry_nodes(tree)
    return [entry for entry in rmod.spelling(holder)
            if entry != deco and (node := nodes.get(entry)) is not None and _reads(node, holder)]


def _definition(nodes: dict[str, ast.AST], rest: list[str]) -> ast.AST | None:
    """The top-level function ``rest`` = [f] or method [Class, m] of a tree whose
    ``_entry_nodes`` are ``nodes``."""
    return nodes.get(".".join(rest)) if len(rest) in (1, 2) else None


def _entry_nodes(tree: ast.Module) -> dict[str, ast.AST]:
    """Top-level functions and classes, methods of top-level classes (reach_graph's
    entries)."""
    out: dict[str, ast.AST] = {}
    for st in _top(tree.body):
        if isinstance(st, _FUNCS):
            out.setdefault(st.name, st)
        elif isinstance(st, ast.ClassDef):
            out.setdefault(st.name, st)
            for item in st.body:
                if isinstance(item, _FUNCS):
                    out.setdefault(f"{st.name}.{item.name}", item)
    return out


def _containers(tree: ast.Module) -> set[str]:
    """The module's builtin containers (``REG = {}``; ``X[]`` for a ``defaultdict(list)``)."""
    out: set[str] = set()
    for st in _top(tree.body):
        if isinstance(st, (ast.Assign, ast.AnnAssign)):
            targets = st.targets if isinstance(st, ast.Assign) else [st.target]
            out.update(container_names([x.id for x in targets if type(x) is ast.Name],
                                       st.value))
    return out
