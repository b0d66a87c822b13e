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
    for mname in sorted({m for m, _ in follow.callees}):
        mod = follow.modules[mname]
        if "@" not in mod.text:
            continue
        for spelled, line in mod.at_import():
            if spelled.startswith("@"):
                key, _, deco = spelled[1:].partition("=")
                if (mod.name, key) in follow.callees:
                    _decoration(follow, mod, key, deco, line)


def _decoration(follow: _Follow, mod: _Module, key: str, deco: str, line: int) -> None:
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
        tree = found[0].parse() if found is not None and found[2] else None  # type: ignore[attr-defined]
        fn = _definition(tree, found[2]) if tree is not None and found is not None else None
        if fn is None:  # not a function of the package's: it may call what it is given
            follow.reached_via.setdefault(target, how if found is not None else (
                f"{how}, {canon} of another distribution: may call it"))
            return
        holder_mod = found[0]  # type: ignore[union-attr]
        containers = _containers(tree)  # type: ignore[arg-type]
        calls, holders = decorator_uses(fn, factory, containers, method=len(found[2]) == 2)  # type: ignore[union-attr]
        if calls:
            follow.reached_via.setdefault(target, how)
            return
        for holder in holders:
            _kept(follow, holder_mod, ".".join(found[2]), holder, target, how)  # type: ignore[arg-type, union-attr]


def _kept(follow: _Follow, rmod: _Module, deco: str, holder: str, target: tuple[str, str],
          how: str) -> None:
    """``target`` is kept in ``rmod``'s container ``holder``: it runs where that is read."""
    for spelled, line in rmod.at_import():  # the container's module reads it at import
        if spelled == holder:
            follow.reached_via.setdefault(target, f"{how} (kept in {holder}, read at "
                                                  f"{rmod.path}:{line})")
            return
    box = (rmod.name, holder)  # another module naming it at import: a callee of its own
    follow.edges.setdefault(box, set()).add(target)
    follow._add(box, ())
    s = rmod.summary()
    tree = rmod.parse()
    if s is None or tree is None:
        return
    nodes = _entry_nodes(tree)
    for entry in rmod.spelling(holder):  # its functions that read it (not only add to it)
        node = nodes.get(entry)
        if entry == deco or node is None or not _reads(node, holder):
            continue
        follow.edges.setdefault((rmod.name, entry), set()).add(box)
        if (rmod.name, entry) not in follow.callees:
            follow._grow(rmod, {entry})


def _definition(tree: ast.Module, rest: list[str]) -> ast.AST | None:
    """The top-level function ``rest`` = [f] or method [Class, m] of ``tree``."""
    return _entry_nodes(tree).get(".".join(rest)) if len(rest) in (1, 2) else None


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
