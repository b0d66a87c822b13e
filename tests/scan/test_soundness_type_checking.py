"""``if TYPE_CHECKING:``: one decision (gate/scan/type_checking.py) for the capability scan
and the phase analysis. The body is skipped only where the test is typing's constant (a
name imported from typing / typing_extensions and bound by nothing else, or ``M.
TYPE_CHECKING`` of ``import typing``) and nothing writes ``TYPE_CHECKING`` (a write is
itself a dynamic-code finding)."""

from __future__ import annotations

import ast
import sys
import textwrap
from pathlib import Path

import pytest

from gate.scan import scan_artifact
from gate.scan.type_checking import guards, may_write, writes
from tests.builders import build_wheel

BODY = "    import subprocess\n    subprocess.run(['true'])\n"
WRITE = ("dynamic-code", "writes TYPE_CHECKING on a module: every `if TYPE_CHECKING:` of the "
         "interpreter may then run")


def _found(tmp_path: Path, files: dict[str, str]) -> set[tuple[str, str, int, str]]:
    found = scan_artifact(build_wheel(tmp_path, "pkg", "1.0", files)).findings
    return {(str(f.capability), f.path, f.line, str(f.phase)) for f in found}


SKIPPED = {
    "from_typing": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n",
    "from_typing_extensions": "from typing_extensions import TYPE_CHECKING\nif TYPE_CHECKING:\n",
    "alias": "from typing import TYPE_CHECKING as TC\nif TC:\n",
    "module": "import typing\nif typing.TYPE_CHECKING:\n",
    "module_alias": "import typing_extensions as t\nif t.TYPE_CHECKING:\n",
    "read_by_getattr": "import typing\nX = getattr(typing, 'TYPE_CHECKING')\n"
                       "__all__ = ['TYPE_CHECKING']\nif typing.TYPE_CHECKING:\n",
}


@pytest.mark.parametrize("head", SKIPPED.values(), ids=SKIPPED.keys())
def test_typing_constant_guard_is_skipped(head: str, tmp_path: Path) -> None:
    assert _found(tmp_path, {"pkg/__init__.py": head + BODY}) == set()


READ = {  # the name is rebound somewhere: the body is read
    "assigned": "TYPE_CHECKING = True\nif TYPE_CHECKING:\n",
    "assigned_after_import": "from typing import TYPE_CHECKING\nTYPE_CHECKING = 1\n"
                             "if TYPE_CHECKING:\n",
    "own_class_attribute": "class K:\n    TYPE_CHECKING = True\nif K.TYPE_CHECKING:\n",
    "other_module_attribute": "import os as typing\nif typing.TYPE_CHECKING:\n",
    "other_import": "from typing import TYPE_CHECKING\nfrom os import sep as TYPE_CHECKING\n"
                    "if TYPE_CHECKING:\n",
    "for_target": "from typing import TYPE_CHECKING\nfor TYPE_CHECKING in [1]: pass\n"
                  "if TYPE_CHECKING:\n",
    "with_target": "import contextlib\nfrom typing import TYPE_CHECKING\n"
                   "with contextlib.nullcontext(1) as TYPE_CHECKING: pass\nif TYPE_CHECKING:\n",
    "walrus": "from typing import TYPE_CHECKING\n[(TYPE_CHECKING := 1) for _ in '1']\n"
              "if TYPE_CHECKING:\n",
    "except_target": "from typing import TYPE_CHECKING\ntry:\n    1/0\n"
                     "except Exception as TYPE_CHECKING:\n    pass\nif TYPE_CHECKING:\n",
    "global_in_function": "from typing import TYPE_CHECKING\ndef f():\n"
                          "    global TYPE_CHECKING\n    TYPE_CHECKING = 1\nf()\n"
                          "if TYPE_CHECKING:\n",
    "deleted": "from typing import TYPE_CHECKING\ndel TYPE_CHECKING\nTYPE_CHECKING = 1\n"
               "if TYPE_CHECKING:\n",
    "match_capture": "from typing import TYPE_CHECKING\nmatch 1:\n"
                     "    case TYPE_CHECKING:\n        pass\nif TYPE_CHECKING:\n",
    "star_import": "from typing import TYPE_CHECKING\nfrom pkg.k import *\nif TYPE_CHECKING:\n",
    "by_globals": "from typing import TYPE_CHECKING\nglobals()['TYPE_CHECKING'] = 1\n"
                  "if TYPE_CHECKING:\n",
    "alias_by_globals": "from typing import TYPE_CHECKING as TC\nglobals()['TC'] = 1\nif TC:\n",
    "unbound": "if TYPE_CHECKING:\n",  # (builtins.TYPE_CHECKING, set elsewhere)
}


@pytest.mark.parametrize("head", READ.values(), ids=READ.keys())
def test_rebound_guard_is_read(head: str, tmp_path: Path) -> None:
    line = head.count("\n") + 2
    found = _found(tmp_path, {"pkg/__init__.py": head + BODY,
                              "pkg/k.py": "TYPE_CHECKING = 1\n"})
    assert ("subprocess", "pkg/__init__.py", line, "import") in found, found


def test_parameter_guard_is_read(tmp_path: Path) -> None:
    src = "def f(TYPE_CHECKING=True):\n    if TYPE_CHECKING:\n        import os\n" \
          "        os.system('x')\nf()\n"
    assert ("subprocess", "pkg/__init__.py", 4, "import") in _found(
        tmp_path, {"pkg/__init__.py": src})


WRITES = {
    "attribute": ("import typing\ntyping.TYPE_CHECKING = True\n", 2),
    "annotated_attribute": ("import typing\ntyping.TYPE_CHECKING: bool = True\n", 2),
    "deleted_attribute": ("import typing\ndel typing.TYPE_CHECKING\n", 2),
    "setattr": ("import typing\nsetattr(typing, 'TYPE_CHECKING', True)\n", 2),
    "vars": ("import typing\nvars(typing)['TYPE_CHECKING'] = True\n", 2),
    "dict_update": ("import typing\ntyping.__dict__.update(TYPE_CHECKING=True)\n", 2),
    "split_string": ("import typing\nsetattr(typing, 'TYPE_' 'CHECKING', 1)\n", 2),
    "with_target": ("import contextlib, typing\n"
                    "with contextlib.nullcontext(1) as typing.TYPE_CHECKING:\n    pass\n", 2),
    "parenthesized": ("import typing\n(typing.TYPE_CHECKING) = 1\n", 2),
    "del_parenthesized": ("import typing\ndel (\n    typing.TYPE_CHECKING)\n", 3),
}


@pytest.mark.parametrize(("src", "line"), WRITES.values(), ids=WRITES.keys())
def test_write_is_a_finding_and_unguards_the_distribution(src: str, line: int,
                                                          tmp_path: Path) -> None:
    """The writer (a module with no other capability) is a finding; the guard of another
    module of the distribution is read."""
    init = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n" + BODY
    found = _found(tmp_path, {"pkg/__init__.py": init, "pkg/w.py": src})
    assert (WRITE[0], "pkg/w.py", line, "import") in found, found
    assert ("subprocess", "pkg/__init__.py", 4, "import") in found, found
    assert may_write(src)


def test_write_in_a_function_is_runtime(tmp_path: Path) -> None:
    src = "import typing\ndef f():\n    typing.TYPE_CHECKING = 1\n"
    assert (WRITE[0], "pkg/__init__.py", 3, "runtime") in _found(
        tmp_path, {"pkg/__init__.py": src})


def test_guard_written_into_typing_is_read(tmp_path: Path) -> None:
    src = "import typing\ntyping.TYPE_CHECKING = True\nfrom typing import TYPE_CHECKING\n" \
          "if TYPE_CHECKING:\n" + BODY
    assert {("dynamic-code", "pkg/__init__.py", 2, "import"),
            ("subprocess", "pkg/__init__.py", 6, "import")} <= _found(
        tmp_path, {"pkg/__init__.py": src})


NO_WRITE = [
    "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    pass\n",
    "import typing\nif typing.TYPE_CHECKING: pass\n",
    "import typing\nif not typing.TYPE_CHECKING or x:\n    pass\n",
    "import typing\nx = getattr(typing, 'TYPE_CHECKING', False)\n",
    "__all__ = ['TYPE_CHECKING']\n",
    "def g(name):\n    return name == 'TYPE_CHECKING'\n",
    "def g(c):\n    return str(c) in {'typing.TYPE_CHECKING', 'TYPE_CHECKING'}\n",  # griffe
]


@pytest.mark.parametrize("src", NO_WRITE)
def test_reads_are_no_write(src: str) -> None:
    assert writes(ast.parse(src)) == []
    assert not may_write(src)


def test_one_decision_for_scan_and_reach() -> None:
    """The phase analysis asks the same ``guards`` (gate.scan.reach ``_never``)."""
    from gate.scan.reach import reached
    src = textwrap.dedent("""
        from typing import TYPE_CHECKING
        import os
        def f():
            os.system("x")
        if TYPE_CHECKING:
            f()
        K = 1
        if K:
            pass
    """)
    tree = ast.parse(src)
    test = tree.body[3].test  # type: ignore[attr-defined]
    assert id(test) in guards(tree)
    assert guards(tree, patched=True) == frozenset()
    assert not reached(tree, main_runs=False).bodies
    assert reached(ast.parse(src), main_runs=False, typing_patched=True).bodies


@pytest.mark.skipif(sys.version_info < (3, 12), reason="type parameters: 3.12+")
def test_type_parameter_rebinds() -> None:
    src = "from typing import TYPE_CHECKING\ndef f[TYPE_CHECKING](): pass\nif TYPE_CHECKING:\n" \
          "    pass\n"
    assert guards(ast.parse(src)) == frozenset()
