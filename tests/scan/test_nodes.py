"""gate.scan.nodes (walks cheaper than ast.walk) and labels.platform_rebound's patterns."""

from __future__ import annotations

import ast
import textwrap

import pytest

from gate.scan import nodes
from gate.scan.labels import platform_rebound

SOURCE = textwrap.dedent("""
    import os
    class K:
        def m(self, a=lambda: os.system("x")):
            global G
            if a:
                for i in range(3):
                    try:
                        pass
                    except OSError as e:
                        def inner(): return e
                    finally:
                        del i
            match a:
                case {"k": v}:
                    async def g(): await v
    x = [y for y in os.environ if y]
""")


def test_walk_parents_gives_each_node_its_parent() -> None:
    tree = ast.parse(SOURCE)
    every, parents = nodes.walk_parents(tree)
    assert every == [n for n in ast.walk(tree) if not isinstance(n, ast.expr_context)]
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, ast.expr_context):  # (shared objects)
                assert parents[id(child)] is node


def test_statements_reaches_every_nested_body_and_no_expression() -> None:
    tree = ast.parse(SOURCE)
    got = sorted((type(s).__name__, s.lineno) for s in nodes.statements(tree.body))
    want = sorted((type(s).__name__, s.lineno) for s in ast.walk(tree)
                  if isinstance(s, ast.stmt))
    assert got == want
    assert ("AsyncFunctionDef", 16) in got and ("FunctionDef", 11) in got


@pytest.mark.parametrize(("text", "rebound"), [
    ("import sys\nsys.platform = 'win32'\n", True),
    ("import sys\nx = 1; sys.platform = 'win32'\n", True),
    ("import sys\nsys.platform: str = 'win32'\n", True),
    ("import os\nos.name = 'nt'\n", True),
    ("import os\nos . name='nt'\n", True),
    ("setattr(sys, 'platform', 'win32')\n", True),
    ("setattr(os, attr, 'nt')\n", True),
    ("sys.modules['msvcrt'] = fake\n", True),
    ("sys.modules.update({'winreg': fake})\n", True),
    # reads and comparisons, names that only end in "platform"
    ("if sys.platform == 'win32':\n    pass\n", False),
    ("name = 'x'\nplatform = 'y'\n", False),
    ("x = f(sys.platform)\n", False),
    ("self.name = name\n", False),
    ("setattr(obj, 'platform', 'x')\n", False),
    ("sys.modules['json']\n", False),
])
def test_platform_rebound(text: str, rebound: bool) -> None:
    assert platform_rebound(text) is rebound
