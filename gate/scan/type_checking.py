"""The one decision on ``if TYPE_CHECKING:``: which tests are ``typing.TYPE_CHECKING``, a
constant False when the code runs, so that the body of an ``if`` on one never runs.

Both the capability scan (gate.scan.python) and the phase analysis (gate.scan.reach) ask
here, so they never disagree on which bodies are read.

Public API:

    guards(tree, patched) -> frozenset[int]
        The ids of the expressions of ``tree`` that are typing's ``TYPE_CHECKING``: a name
        (``TYPE_CHECKING``, or ``TC`` of ``from typing import TYPE_CHECKING as TC``) whose
        every binding in the module, in any scope, is ``from typing import TYPE_CHECKING``
        or ``from typing_extensions import TYPE_CHECKING``; or ``M.TYPE_CHECKING`` where
        every binding of ``M`` is ``import typing`` / ``import typing_extensions``. Any
        other binding of the name (an assignment, a parameter, ``global``/``nonlocal``,
        another import, ``del``, a ``for``/``with``/walrus/``match``/``except`` target, a
        ``def``/``class``, a type parameter), a star import of another module, or a write
        of ``TYPE_CHECKING`` (``writes``) by this module or, where ``patched``, by another
        module of its distribution: none (every guarded body is read).
    writes(tree) -> list[tuple[int, bool]]
        The (line, inside a function) of each place ``tree`` may set ``TYPE_CHECKING`` on a
        module or namespace: an attribute so named stored or deleted (``typing.TYPE_CHECKING
        = True``), the name as a string anywhere but a read (``setattr(typing,
        "TYPE_CHECKING", 1)``, ``vars(typing)["TYPE_CHECKING"] = 1``, ``__dict__``), a
        keyword so named (``vars(typing).update(TYPE_CHECKING=1)``). Each is a
        ``dynamic-code`` finding (gate.scan.python): it makes every ``if TYPE_CHECKING:``
        of the interpreter run, another distribution's included.
    may_write(text) -> bool
        ``writes`` of a module's source, for the modules of a distribution not parsed
        otherwise (gate.scan.exports, gate.scan.reach_modules): a lexical over-approximation
        decides which to parse, then ``writes`` decides (a source that does not parse: True).

Reads that are no write: ``getattr(m, "TYPE_CHECKING")`` / ``hasattr``, a comparison with
the string (or with a set, list or tuple display holding it), an entry of ``__all__``, a
subscript read. Not seen (docs/scanner.md, Known
limits): a name computed otherwise (``"TYPE_" + "CHECKING"`` handed to ``setattr``), which
is the general hole of a computed attribute name.
"""

from __future__ import annotations

import ast
import re

TYPING_MODULES = frozenset({"typing", "typing_extensions"})
NAME = "TYPE_CHECKING"
_CACHE = "_permpip_type_checking"  # (an AST node holds a __dict__: the answer is kept there)

# a superset of the sources ``writes`` finds anything in (then parsed): ``.TYPE_CHECKING``
# but before a line end (or ``:`` and a line end) or a boolean or comparison operator,
# ``del`` or ``as`` before it on its line (``with ... as m.TYPE_CHECKING:``), a string
# starting ``TYPE_`` or ending ``CHECKING``, a keyword ``TYPE_CHECKING=``
_CANDIDATE = re.compile(
    r"\.\s*TYPE_CHECKING\b(?!\s*(?::[ \t]*(?:#[^\n]*)?(?:\n|\Z)|\n|\Z|#|==|!=|\bis\b|\bor\b"
    r"|\band\b|\bif\b|\belse\b))"
    r"|\bdel\b[^\n]*TYPE_CHECKING|\bas\b[^\n:]*\.\s*TYPE_CHECKING"
    r"|['\"]TYPE_|CHECKING['\"]"
    r"|[(,]\s*TYPE_CHECKING\s*=(?!=)")


def candidate(text: str) -> bool:
    """False only where the module ``text`` writes no ``TYPE_CHECKING`` (``writes`` is
    then empty): a lexical pre-filter, so most modules are not walked for it. ``_CANDIDATE``
    is tried around each ``CHECKING`` only: from the start of its line, or before the
    blanks that precede it (``(typing.`` and a line break), to the end of its line."""
    i = text.find("CHECKING")
    n = len(text)
    while i != -1:
        j = i - 6  # (before ``TYPE_``)
        while j >= 0 and text[j].isspace():
            j -= 1
        start = max(0, min(j - 1, text.rfind("\n", 0, i)))
        end = text.find("\n", i)
        end = n if end == -1 else end + 1
        if _CANDIDATE.search(text, start, end) is not None:
            return True
        i = text.find("CHECKING", end)
    return False


def may_write(text: str) -> bool:
    """Whether the module ``text`` may set ``TYPE_CHECKING`` on a module (``writes``)."""
    if not candidate(text):
        return False
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, OverflowError, RecursionError, MemoryError):
        return True
    return bool(writes(tree))


def _str(node: ast.AST) -> str | None:
    return node.value if type(node) is ast.Constant and type(node.value) is str else None  # type: ignore[attr-defined]


def _reads(tree: ast.Module) -> set[int]:
    """ids of the string constants of ``tree`` that are reads of a name: the second
    argument of ``getattr``/``hasattr``, an operand of a comparison, an entry of
    ``__all__``, the key of a subscript read."""
    out: set[int] = set()
    for n in ast.walk(tree):
        t = type(n)
        if t is ast.Call:
            f = n.func  # type: ignore[attr-defined]
            name = f.id if type(f) is ast.Name else f.attr if type(f) is ast.Attribute else None
            if name in ("getattr", "hasattr") and len(n.args) >= 2:  # type: ignore[attr-defined]
                out.add(id(n.args[1]))  # type: ignore[attr-defined]
            if type(f) is ast.Attribute and f.attr in ("append", "extend", "__add__") and type(
                    f.value) is ast.Name and f.value.id == "__all__":
                out.update(id(e) for a in n.args for e in ast.walk(a))  # type: ignore[attr-defined]
        elif t is ast.Compare:  # (``name in {"TYPE_CHECKING", ...}``: a display's items)
            for x in (n.left, *n.comparators):  # type: ignore[attr-defined]
                out.add(id(x))
                if type(x) in (ast.Set, ast.List, ast.Tuple):
                    out.update(id(e) for e in x.elts)  # type: ignore[attr-defined]
        elif t in (ast.Assign, ast.AugAssign, ast.AnnAssign):
            targets = n.targets if t is ast.Assign else [n.target]  # type: ignore[attr-defined]
            if n.value is not None and any(  # type: ignore[attr-defined]
                    type(x) is ast.Name and x.id == "__all__" for x in targets):
                out.update(id(e) for e in ast.walk(n.value))  # type: ignore[attr-defined]
        elif t is ast.Subscript and type(n.ctx) is ast.Load:  # type: ignore[attr-defined]
            out.add(id(n.slice))  # type: ignore[attr-defined]
    return out


def writes(tree: ast.Module, names: frozenset[str] = frozenset({NAME})) -> list[tuple[int, bool]]:
    """(line, inside a function) of each place ``tree`` may write one of ``names``
    (``TYPE_CHECKING``, and its aliases) on a module or a namespace (module docstring)."""
    cached = tree.__dict__.get(_CACHE + "_writes")
    if cached is not None and cached[0] == names:
        return cached[1]
    out: list[tuple[int, bool]] = []
    reads: set[int] | None = None
    stack: list[tuple[ast.AST, bool]] = [(tree, False)]
    while stack:
        n, inside = stack.pop()
        t = type(n)
        hit = False
        if t is ast.Attribute:
            hit = n.attr in names and type(n.ctx) is not ast.Load  # type: ignore[attr-defined]
        elif t is ast.Constant:
            if _str(n) in names:
                if reads is None:
                    reads = _reads(tree)
                hit = id(n) not in reads
        elif t is ast.keyword:
            hit = n.arg in names  # type: ignore[attr-defined]
        if hit:
            out.append((getattr(n, "lineno", 0) or 0, inside))
        deeper = inside or t in (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
        stack += [(c, deeper) for c in ast.iter_child_nodes(n)]
    out.sort()
    tree.__dict__[_CACHE + "_writes"] = (names, out)
    return out


_TYPE_PARAMS = tuple(getattr(ast, n) for n in ("TypeVar", "ParamSpec", "TypeVarTuple")
                     if hasattr(ast, n))
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, *_TYPE_PARAMS)
_CAPTURES = (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)
# what a binding binds a name to: typing's constant, typing's module, anything else
_CONST, _MODULE, _OTHER = 0, 1, 2


def guards(tree: ast.Module, patched: bool = False, text: str | None = None) -> frozenset[int]:
    """ids of the expressions of ``tree`` that are typing's ``TYPE_CHECKING`` (module
    docstring); none where ``patched`` (another module of the distribution writes it).
    ``text``: the module's source, when known (``candidate`` then spares the walk for
    writes)."""
    cached = tree.__dict__.get(_CACHE)
    if cached is not None and cached[0] == patched:
        return cached[1]
    out: frozenset[int] = frozenset()
    if not patched:
        out = _guards(tree, text is None or candidate(text))
    tree.__dict__[_CACHE] = (patched, out)
    return out


def _guards(tree: ast.Module, may_write: bool) -> frozenset[int]:
    """One walk: every binding of every name, in any scope (name -> the kinds of what it
    is bound to), and the loads that may be typing's constant."""
    bound: dict[str, set[int]] = {}
    loads: list[ast.Name | ast.Attribute] = []
    star = False

    def bind(name: str | None, kind: int = _OTHER) -> None:
        if name:
            bound.setdefault(name, set()).add(kind)

    for n in ast.walk(tree):
        t = type(n)
        if t is ast.Name:
            if type(n.ctx) is ast.Load:  # type: ignore[attr-defined]
                loads.append(n)  # type: ignore[arg-type]
            else:
                bind(n.id)  # type: ignore[attr-defined]
        elif t is ast.Attribute:
            if n.attr == NAME and type(n.value) is ast.Name:  # type: ignore[attr-defined]
                loads.append(n)  # type: ignore[arg-type]
        elif t is ast.arg:
            bind(n.arg)  # type: ignore[attr-defined]
        elif t in _DEFS or t in _CAPTURES:
            bind(n.name)  # type: ignore[attr-defined]
        elif t is ast.Import:
            for a in n.names:  # type: ignore[attr-defined]
                bind(a.asname or a.name.partition(".")[0],
                     _MODULE if a.name in TYPING_MODULES else _OTHER)
        elif t is ast.ImportFrom:
            typing = n.level == 0 and n.module in TYPING_MODULES  # type: ignore[attr-defined]
            for a in n.names:  # type: ignore[attr-defined]
                if a.name == "*":
                    star = star or not typing
                else:
                    bind(a.asname or a.name, _CONST if typing and a.name == NAME else _OTHER)
        elif t is ast.MatchMapping:
            bind(n.rest)  # type: ignore[attr-defined]
        elif t is ast.Global or t is ast.Nonlocal:
            for name in n.names:  # type: ignore[attr-defined]
                bind(name)
    if star:
        return frozenset()
    consts = {name for name, kinds in bound.items() if kinds == {_CONST}}
    modules = {name for name, kinds in bound.items() if kinds == {_MODULE}}
    if not consts and not modules:
        return frozenset()
    # (an alias, ``as TC``, may be written as the string "TC", which ``candidate`` misses)
    if (may_write or consts - {NAME}) and writes(tree, frozenset({NAME, *consts})):
        return frozenset()
    return frozenset(id(x) for x in loads if (
        type(x) is ast.Name and x.id in consts) or (
        type(x) is ast.Attribute and x.value.id in modules))  # type: ignore[union-attr]
