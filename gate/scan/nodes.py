"""Walks over a syntax tree that cost less than ``ast.walk``'s generators.

``walk_parents`` gives the nodes in ``ast.walk``'s order (breadth first, fields in order) as a
list, and each node's parent; ``statements`` goes through statement bodies only (never into
expressions), for what only statements hold (``def``, ``if``). ``parse`` and ``gc_paused``:
``ast.parse`` without the cyclic collector's passes, for every reader of the scanner.
"""

from __future__ import annotations

import ast
import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

_AST = ast.AST


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector paused while the block runs. An AST holds no reference
    cycles (refcounting frees it), but building one allocates enough objects to trigger
    many cyclic collections, each of which traverses the young tree and the program's whole
    heap: about a fifth of a parse. Nested blocks leave it to the outermost."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def parse(text: str, filename: str = "<unknown>") -> ast.Module:
    """``ast.parse(text)`` with the cyclic collector paused (``gc_paused``)."""
    with gc_paused():
        return ast.parse(text, filename=filename)
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
        names = fields.get(type(n)) or child_fields(type(n))
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


def child_fields(t: type) -> tuple[str, ...]:
    """The fields of node type ``t`` that may hold nodes, but ``ctx`` (a shared
    ``Load``/``Store``/``Del`` object), for walks that look a type up once per node."""
    names = _FIELDS.get(t)
    if names is None:
        names = _FIELDS[t] = tuple(f for f in t._fields if f != "ctx")  # type: ignore[attr-defined]
    return names


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
