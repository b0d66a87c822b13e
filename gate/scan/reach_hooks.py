"""Class hooks across modules (#13): making a class runs its own bases'
``__init_subclass__`` and its metaclass's ``__new__``/``__init__``/``__prepare__``, wherever
the package defines them. gate.scan.reach follows a hook of the class's own module
(``_handed_on_creation``); here a class whose base or metaclass (transitively, through the
module graph: ``class C(B)`` in ``_c``, ``class B(A)`` in ``_b``, ``A.__init_subclass__``
in ``_a``) is another own module's, and whose hook may call or keep the class (any use of
``cls`` but reading its data: ``decorator_uses``), is used at import: its callee methods
and constructors are reached (``cls.setup()``, a registry a function walks at import)."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from gate.scan.python_refs import _FUNCS
from gate.scan.reach import _keyword, decorator_uses, dotted
from gate.scan.reach_decorators import _containers

if TYPE_CHECKING:
    from gate.scan.reach_modules import _Follow, _Module

_META_HOOKS = frozenset({"__new__", "__init__", "__prepare__"})


def follow_class_hooks(follow: _Follow) -> None:
    """Each top-level class with callees (a method or constructor with a ``runtime``
    finding) whose creation hands it to another own module's hook is reached."""
    by_mod: dict[str, list[str]] = {}
    for mname, name in follow.callees:
        by_mod.setdefault(mname, []).append(name)
    memo: dict[tuple[str, str, str], str | None] = {}
    for mname in sorted(by_mod):
        mod = follow.modules[mname]
        s = mod.summary()
        if s is None or not s.classes:
            continue
        for cls in sorted({n.partition(".")[0] for n in by_mod[mname]} & s.classes.keys()):
            hook = _hooked(follow, mod, cls, memo, 0)
            if hook is None:
                continue
            how = f"class {cls} made at import ({hook} gets it)"
            for name in by_mod[mname]:
                if name == cls or name.startswith(cls + "."):
                    follow.reached_via.setdefault((mname, name), how)


def _classdef(mod: _Module, cls: str) -> ast.ClassDef | None:
    tree = mod.parse()
    if tree is None:
        return None
    for st in tree.body:
        if type(st) is ast.ClassDef and st.name == cls:
            return st
    return None


def _uses_cls(mod: _Module, fn: ast.AST) -> bool:
    tree = mod.parse()
    calls, kept = decorator_uses(fn, False, _containers(tree) if tree is not None else set())
    return calls or bool(kept)


def _own(follow: _Follow, mod: _Module, spelled: str) -> tuple[_Module, str] | None:
    """The own top-level class ``spelled`` names in ``mod`` (module, class name)."""
    where = follow.graph.local(mod, spelled)
    if where is None:
        return None
    found = follow.graph.module_of(follow.canon(where))
    if found is None or len(found[2]) != 1:
        return None
    return found[0], found[2][0]  # type: ignore[return-value]


def _hooked(follow: _Follow, mod: _Module, cls: str,
            memo: dict[tuple[str, str, str], str | None], depth: int,
            home: str | None = None) -> str | None:
    """Which hook of another own module than ``home`` (the class's own) making a subclass
    of ``mod``'s class ``cls`` (itself included for its metaclass) hands it to."""
    home = home or mod.name
    key = (home, mod.name, cls)
    if key in memo:
        return memo[key]
    memo[key] = None  # (a cycle of bases)
    got: str | None = None
    node = _classdef(mod, cls) if depth <= 12 else None
    if node is not None:
        meta = _keyword(node, "metaclass")
        spelled = dotted(meta) if meta is not None else None
        target = _own(follow, mod, spelled) if spelled is not None else None
        if target is not None and target[0].name != home:
            got = _meta_hook(follow, *target, 0)
        for b in node.bases if got is None else ():
            spelled = dotted(b)
            base = _own(follow, mod, spelled) if spelled not in (None, "object") else None
            if base is None:
                continue
            bmod, bcls = base
            bnode = _classdef(bmod, bcls)
            if bnode is not None and bmod.name != home and any(
                    isinstance(m, _FUNCS) and m.name == "__init_subclass__"
                    and _uses_cls(bmod, m) for m in bnode.body):
                got = f"{bmod.name}.{bcls}.__init_subclass__"
                break
            got = _hooked(follow, bmod, bcls, memo, depth + 1, home)
            if got is not None:
                break
    memo[key] = got
    return got


def _meta_hook(follow: _Follow, mod: _Module, meta: str, depth: int) -> str | None:
    """The hook of own metaclass ``meta`` (or of its own bases) run on a class it makes."""
    node = _classdef(mod, meta)
    if node is None or depth > 12:
        return None
    for m in node.body:
        if isinstance(m, _FUNCS) and m.name in _META_HOOKS and (
                m.name == "__new__" or _uses_cls(mod, m)):
            return f"{mod.name}.{meta}.{m.name}"
    for b in node.bases:
        spelled = dotted(b)
        base = _own(follow, mod, spelled) if spelled is not None else None
        if base is not None:
            got = _meta_hook(follow, *base, depth + 1)
            if got is not None:
                return got
    return None
