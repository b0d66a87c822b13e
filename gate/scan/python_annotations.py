"""Annotations stored as data (gate.scan.python's walker): where code hides in them.

The standard library evaluates what an object's ``__annotations__`` holds:
``typing.get_type_hints`` and ``inspect.get_annotations(eval_str=True)`` ``eval`` each
string value (and the strings inside ``List["..."]``, made ``ForwardRef``s), and
``dataclasses`` compiles the keys of a class's ``__annotations__`` into the source of the
methods it makes (``__eq__``, ``__init__``), unchecked. Annotations written in the source
are read where they are written (``def f(x: "code")``); these are the ones stored as data:

* ``f.__annotations__ = v``, ``f.__annotations__[k] = v``, ``f.__annotations__ |= v``,
  ``f.__annotations__.update(v)`` / ``.setdefault(k, v)``, ``setattr(f, "__annotations__",
  v)``, a class body's or the module's ``__annotations__ = v`` / ``__annotations__[k] =
  v``, and a dict display holding the key ``"__annotations__"`` (a namespace given to
  ``type(name, bases, ns)``).

Such a store is ``dynamic-code`` unless what it stores is known to hold no code: a dict
display (or ``dict(...)``) whose keys are identifiers spelled as literals and whose values
are types (``int``, ``typing.Any``, a class or function this module defines, an imported
name, subscripts of those), literal strings that parse as a type without a call (the
check of ``def f(x: "...")``), or non-strings; or a copy of another object's
``__annotations__`` (what those hold was read where it was written or stored). A value
handed in by a variable may be any string: it is a finding (docs/scanner.md gives the
count on real wheels).

Public API: ANNOTATIONS; stored(target, value, typed) -> why or None; called(call, typed)
-> why or None (the ``update``/``setdefault``/``setattr`` forms); namespace(node, typed)
-> why or None (a dict display with the key ``"__annotations__"``). ``typed(name)``:
whether the bare ``name`` is a class, function, module or builtin here (never a string).
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from gate.scan.python_refs import _literal_str
from gate.scan.stdlib_forms import annotation

ANNOTATIONS = "__annotations__"
_COPIERS = frozenset({"copy", "__copy__"})
FILLERS = frozenset({"update", "setdefault", "__setitem__", "__ior__", "__or__"})

Typed = Callable[[str], bool]


def _is_annotations(node: ast.expr) -> bool:
    """``x.__annotations__`` or the bare ``__annotations__``."""
    t = type(node)
    return (t is ast.Attribute and node.attr == ANNOTATIONS) or (  # type: ignore[attr-defined]
        t is ast.Name and node.id == ANNOTATIONS)  # type: ignore[attr-defined]


def _copy(node: ast.expr) -> bool:
    """Another object's annotations, as they are: ``g.__annotations__``, ``getattr(g,
    "__annotations__", {})``, ``dict(g.__annotations__)``, ``g.__annotations__.copy()``."""
    if _is_annotations(node):
        return True
    if type(node) is not ast.Call:
        return False
    assert isinstance(node, ast.Call)
    func = node.func
    if type(func) is ast.Attribute and func.attr in _COPIERS and not node.args:
        return _copy(func.value)
    if type(func) is ast.Name and func.id == "getattr" and len(node.args) >= 2 and (
            _literal_str(node.args[1]) == ANNOTATIONS):
        return True  # (its default is checked by ``_dict_why``)
    return False


def is_dict_of(node: ast.expr) -> bool:
    """Whether ``node`` is an object's annotations dict itself (``f.__annotations__``,
    ``getattr(f, "__annotations__")``), not a copy of it."""
    if _is_annotations(node):
        return True
    return type(node) is ast.Call and type(node.func) is ast.Name and (  # type: ignore[attr-defined]
        node.func.id == "getattr") and len(node.args) >= 2 and (  # type: ignore[attr-defined]
        _literal_str(node.args[1]) == ANNOTATIONS)  # type: ignore[attr-defined]


def _filtered_copy(node: ast.expr) -> bool:
    """``{k: v for k, v in g.__annotations__.items() if ...}``: some of another object's
    annotations, as they are."""
    if type(node) is not ast.DictComp or len(node.generators) != 1:
        return False
    assert isinstance(node, ast.DictComp)
    gen = node.generators[0]
    target, it = gen.target, gen.iter
    if type(target) is not ast.Tuple or len(target.elts) != 2 or not all(
            type(e) is ast.Name for e in target.elts):
        return False
    if type(it) is not ast.Call or it.args or type(it.func) is not ast.Attribute or (
            it.func.attr != "items" or not _copy(it.func.value)):
        return False
    k, v = (e.id for e in target.elts)  # type: ignore[attr-defined]
    return (type(node.key) is ast.Name and node.key.id == k and type(node.value) is ast.Name
            and node.value.id == v)


def _type_why(node: ast.expr, typed: Typed) -> str | None:
    """Why the annotation value ``node`` may hold code (None: it cannot)."""
    t = type(node)
    if t is ast.Constant:
        value = node.value  # type: ignore[attr-defined]
        if not isinstance(value, str):
            return None
        return "a string holding code" if annotation(value)[1] else None
    if t is ast.Name:
        return None if typed(node.id) else f"{node.id!r} may be a string"  # type: ignore[attr-defined]
    if t is ast.Attribute:
        root: ast.expr = node
        while type(root) is ast.Attribute:
            root = root.value
        if type(root) is ast.Name and typed(root.id):
            return None  # ``typing.Any``, ``np.ndarray``: a type of a module
        return f"{ast.unparse(node)[:30]!r} may be a string"
    if t is ast.Subscript:
        return _type_why(node.value, typed) or _type_why(node.slice, typed)  # type: ignore[attr-defined]
    if t is ast.Tuple or t is ast.List:
        return next((w for e in node.elts if (w := _type_why(e, typed))), None)  # type: ignore[attr-defined]
    if t is ast.BinOp and type(node.op) is ast.BitOr:  # type: ignore[attr-defined]
        return _type_why(node.left, typed) or _type_why(node.right, typed)  # type: ignore[attr-defined]
    if t is ast.JoinedStr or (t is ast.BinOp and type(node.op) in (ast.Add, ast.Mod)):  # type: ignore[attr-defined]
        return "a string made from pieces"
    return f"a value the scanner does not read ({ast.unparse(node)[:30]})"


def _key_why(node: ast.expr | None) -> str | None:
    key = _literal_str(node)
    if key is None:
        return "a computed key"
    return None if key.isidentifier() else "a key that is no identifier"


def _dict_why(node: ast.expr, typed: Typed) -> str | None:
    """Why the annotations dict ``node`` may hold code (None: it cannot)."""
    t = type(node)
    if t is ast.Constant and node.value is None:  # type: ignore[attr-defined]
        return None
    if t is ast.Dict:
        assert isinstance(node, ast.Dict)
        for k, v in zip(node.keys, node.values, strict=True):
            why = (_dict_why(v, typed) if k is None
                   else _key_why(k) or _type_why(v, typed))
            if why is not None:
                return why
        return None
    if t is ast.Call:
        assert isinstance(node, ast.Call)
        if type(node.func) is ast.Name and node.func.id == "dict" and typed("dict"):
            for a in node.args:
                why = _dict_why(a, typed)
                if why is not None:
                    return why
            for kw in node.keywords:
                why = (_dict_why(kw.value, typed) if kw.arg is None
                       else _type_why(kw.value, typed))
                if why is not None:
                    return why
            return None
        if _copy(node):
            return _dict_why(node.args[2], typed) if len(node.args) > 2 and type(
                node.func) is ast.Name else None
    if _copy(node) or _filtered_copy(node):
        return None
    if t is ast.BinOp and type(node.op) is ast.BitOr:  # type: ignore[attr-defined]
        return _dict_why(node.left, typed) or _dict_why(node.right, typed)  # type: ignore[attr-defined]
    return f"a value the scanner does not read ({ast.unparse(node)[:30]})"


def stored(target: ast.expr, value: ast.expr, typed: Typed, *,
           augmented: bool = False) -> str | None:
    """``target = value`` (``|=`` when ``augmented``): why it may store code as annotations
    (None: it stores none, or stores no annotations)."""
    if _is_annotations(target):
        return _dict_why(value, typed)
    if type(target) is ast.Subscript and _is_annotations(target.value):
        if augmented:
            return "a value the scanner does not read (augmented)"
        return _key_why(target.slice) or _type_why(value, typed)
    return None


def called(call: ast.Call, typed: Typed) -> str | None:
    """``x.__annotations__.update(v)`` / ``.setdefault(k, v)``, ``setattr(x,
    "__annotations__", v)``: why it may store code as annotations (None: it cannot)."""
    func = call.func
    if type(func) is ast.Attribute and func.attr in FILLERS and _is_annotations(
            func.value):
        if func.attr in ("setdefault", "__setitem__"):
            if len(call.args) != 2 or call.keywords:
                return "a value the scanner does not read"
            return _key_why(call.args[0]) or _type_why(call.args[1], typed)
        return next((w for a in call.args if (w := _dict_why(a, typed))), None) or next(
            (w for kw in call.keywords if (w := _type_why(kw.value, typed) if kw.arg
                                           else _dict_why(kw.value, typed))), None)
    if type(func) is ast.Name and func.id == "setattr" and len(call.args) == 3:
        name = _literal_str(call.args[1])
        if name == ANNOTATIONS:
            return _dict_why(call.args[2], typed)
    return None


def namespace(node: ast.Dict, typed: Typed) -> str | None:
    """A dict display holding the key ``"__annotations__"`` (a class namespace for
    ``type(...)``): why its value may hold code (None: it cannot, or no such key)."""
    for k, v in zip(node.keys, node.values, strict=True):
        if k is not None and _literal_str(k) == ANNOTATIONS:
            return _dict_why(v, typed)
    return None
