"""What import-time code names precisely, for gate.scan.reach and gate.scan.reach_modules.

gate.scan.reach follows names within one module. Some spellings name a definition exactly
although no plain name or attribute chain says it: a module looked up by a literal
(``importlib.import_module("pkg._x")``, ``__import__("pkg._x", fromlist=["f"])``,
``sys.modules["pkg._x"]``), an attribute read by a literal (``getattr(m, "f")``,
``m.__dict__["f"]``, ``vars(m)["f"]``), a method of an instance whose class is known
(``K().go()``). ``ref`` turns such an expression into a dotted reference: a local name
first (``m.f``), or ``=`` and an absolute module name (``=pkg._x.f``), which
gate.scan.reach_modules resolves through the package's module graph. Nothing here matches
by name alone: an expression whose target is computed gives None (the walker reports a
computed lookup as ``dynamic-code`` where it stands).
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from types import MappingProxyType

from gate.scan.lexical import absolute
from gate.scan.python_refs import _arg, _literal_str

# calls that return a module named by their first argument (a literal)
_IMPORT_MODULE = frozenset({"import_module", "__import__", "_gcd_import"})
_NONE: Mapping[str, str] = MappingProxyType({})


def dotted(node: ast.expr) -> str | None:
    parts: list[str] = []
    while type(node) is ast.Attribute:
        parts.append(node.attr)  # type: ignore[attr-defined]
        node = node.value  # type: ignore[attr-defined]
    if type(node) is not ast.Name:
        return None
    parts.append(node.id)  # type: ignore[attr-defined]
    return ".".join(reversed(parts))


def _anchor(node: ast.expr | None, module: str | None, package: bool) -> str | None:
    """The package a relative ``import_module`` resolves against: ``__name__`` (the module
    itself), ``__package__`` (its package), a literal."""
    if node is None or module is None:
        return None
    if type(node) is ast.Name and node.id == "__name__":  # type: ignore[attr-defined]
        return module
    if type(node) is ast.Name and node.id == "__package__":  # type: ignore[attr-defined]
        return module if package else module.rpartition(".")[0] or None
    return _literal_str(node)


def module_expr(node: ast.expr, module: str | None, package: bool,
                importers: Mapping[str, str] = _NONE) -> str | None:
    """The absolute name of the module an expression evaluates to, when a literal says it:
    ``import_module("pkg._x")``, ``import_module("._x", __name__)`` (or ``package=``),
    ``__import__("pkg._x", fromlist=["f"])`` (``pkg`` without a fromlist; ``level=1``:
    relative), ``sys.modules["pkg._x"]``, ``sys.modules[__name__]`` (this module).
    ``importers``: names the module bound to an import function, by the function's name
    (``from importlib import import_module as im``: ``{"im": "import_module"}``)."""
    t = type(node)
    if t is ast.Call:
        assert isinstance(node, ast.Call)
        func = node.func
        leaf = func.id if type(func) is ast.Name else (  # type: ignore[attr-defined]
            func.attr if type(func) is ast.Attribute else None)  # type: ignore[attr-defined]
        leaf = importers.get(leaf, leaf) if leaf is not None else None
        if leaf not in _IMPORT_MODULE:
            return None
        first = _arg(node, 0, "name")
        name = _literal_str(first)
        if name is None and module is not None and type(first) is ast.Name and (
                first.id == "__name__"):  # type: ignore[attr-defined]
            name = module
        if not name:
            return None
        if leaf == "__import__":
            level = _arg(node, 4, "level")
            if level is not None:
                n = level.value if type(level) is ast.Constant else None  # type: ignore[attr-defined]
                if type(n) is not int or n < 0 or module is None:
                    return None
                name = absolute(module, package, "." * n + name) if n else name
                if name is None:
                    return None
            fromlist = _arg(node, 3, "fromlist")
            if name.startswith("."):
                return None
            empty = fromlist is None or (type(fromlist) in (ast.List, ast.Tuple) and not (
                fromlist.elts)) or (type(fromlist) is ast.Constant and not fromlist.value)  # type: ignore[attr-defined]
            return name.partition(".")[0] if empty else name
        if name.startswith("."):
            anchor = _anchor(_arg(node, 1, "package"), module, package)
            if anchor is None:
                return None
            return absolute(anchor, True, name)
        return name
    if t is ast.Subscript:
        holder = dotted(node.value)  # type: ignore[attr-defined]
        if holder not in ("sys.modules", "modules"):  # (``from sys import modules``)
            return None
        key = node.slice  # type: ignore[attr-defined]
        if type(key) is ast.Name and key.id == "__name__":  # type: ignore[attr-defined]
            return module
        return _literal_str(key)
    return None


def split_ref(node: ast.expr, module: str | None, package: bool,
              importers: Mapping[str, str] = _NONE) -> tuple[str | None, list[str]] | None:
    """``node`` as (the module a literal names, or None; the names below it, outermost
    first): ``a.b.c`` -> (None, [a, b, c]); ``getattr(sys.modules["pkg._x"], "f")`` ->
    ("pkg._x", [f]). None when a part is computed."""
    parts: list[str] = []
    while True:
        t = type(node)
        if t is ast.Attribute:
            parts.append(node.attr)  # type: ignore[attr-defined]
            node = node.value  # type: ignore[attr-defined]
            continue
        if t is ast.Name:
            parts.append(node.id)  # type: ignore[attr-defined]
            return None, parts[::-1]
        attr = literal_attr(node)
        if attr is not None:
            parts.append(attr[1])
            node = attr[0]
            continue
        mod = module_expr(node, module, package, importers)
        return None if mod is None else (mod, parts[::-1])


def ref(node: ast.expr, module: str | None, package: bool,
        importers: Mapping[str, str] = _NONE) -> str | None:
    """A dotted reference for ``node``: ``a.b.c`` for a name and its attributes, ``=mod.c``
    when it is rooted at a module a literal names (``module_expr``), an attribute a literal
    names (``getattr(x, "f")``, ``x.__dict__["f"]``, ``vars(x)["f"]``) appended."""
    got = split_ref(node, module, package, importers)
    return None if got is None else spell(*got)


def spell(mod: str | None, parts: list[str]) -> str:
    """A reference ``split_ref`` gave, dotted: ``a.b.c``, or ``=mod.c`` below a module a
    literal names."""
    return ".".join(parts) if mod is None else ".".join(["=" + mod, *parts])


def literal_attr(node: ast.expr) -> tuple[ast.expr, str] | None:
    """``getattr(x, "f")``, ``x.__dict__["f"]``, ``vars(x)["f"]``: (x, "f")."""
    t = type(node)
    if t is ast.Call and type(node.func) is ast.Name and node.func.id == "getattr" and len(  # type: ignore[attr-defined]
            node.args) >= 2:  # type: ignore[attr-defined]
        name = _literal_str(node.args[1])  # type: ignore[attr-defined]
        return (node.args[0], name) if name and name.isidentifier() else None  # type: ignore[attr-defined]
    if t is ast.Subscript:
        name = _literal_str(node.slice)  # type: ignore[attr-defined]
        if not name or not name.isidentifier():
            return None
        holder = node.value  # type: ignore[attr-defined]
        if type(holder) is ast.Attribute and holder.attr == "__dict__":  # type: ignore[attr-defined]
            return holder.value, name  # type: ignore[attr-defined]
        if type(holder) is ast.Call and type(holder.func) is ast.Name and (  # type: ignore[attr-defined]
                holder.func.id == "vars") and len(holder.args) == 1:  # type: ignore[attr-defined]
            return holder.args[0], name  # type: ignore[attr-defined]
    return None
