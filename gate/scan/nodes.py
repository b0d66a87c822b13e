"""Walks over a syntax tree that cost less than ``ast.walk``'s generators.

``walk_parents`` gives the nodes in ``ast.walk``'s order (breadth first, fields in order) as a
list, and each node's parent; ``statements`` goes through statement bodies only (never into
expressions), for what only statements hold (``def``, ``if``).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence

_AST = ast.AST
# the fields of statements and of what holds statements (handlers, cases) that hold bodies
_BODIES = ("body", "orelse", "finalbody", "handlers", "cases")


def walk_parents(node: ast.AST) -> tuple[list[ast.AST], dict[int, ast.AST]]:
    """``list(ast.walk(node))`` without the ``Load``/``Store``/``Del`` context objects
    (shared, with no parent of their own), and each node's parent by ``id``."""
    out = [node]
    append = out.append
    parents: dict[int, ast.AST] = {}
    fields = _FIELDS
    i = 0
    while i < len(out):
        n = out[i]
        i += 1
        names = fields.get(type(n))
        if names is None:
            names = fields[type(n)] = tuple(f for f in n._fields if f != "ctx")
        for f in names:
            v = getattr(n, f, None)
            if type(v) is list:
                for c in v:
                    if isinstance(c, _AST):
                        parents[id(c)] = n
                        append(c)
            elif isinstance(v, _AST):
                parents[id(v)] = n
                append(v)
    return out, parents


_FIELDS: dict[type, tuple[str, ...]] = {}  # a node type's fields but ``ctx``


def statements(body: Sequence[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement of ``body`` and of the bodies nested in it (functions, classes,
    branches, handlers, cases), in no particular order."""
    stack: list[ast.AST] = list(body)
    while stack:
        st = stack.pop()
        if isinstance(st, ast.stmt):
            yield st
        for f in _BODIES:
            inner = getattr(st, f, None)
            if inner:
                stack.extend(inner)
