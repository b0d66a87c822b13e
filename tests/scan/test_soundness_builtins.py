"""What a bare name is when the module does not bind it, and the builtins that only look.

* ``_typed`` (annotations stored as data, gate/scan/python_annotations.py) read a name the
  module binds nowhere as the builtin of that name, whatever the name: ``s`` bound by
  ``globals()["s"] = code``, by ``builtins.s = code`` or by another module was "a type".
  Now only a name that is a builtin (``int``) counts, and only when nothing may rebind it
  unseen (``surely_builtin``): a ``global`` declaration, a namespace of this module or the
  builtins module written as an object, a literal-key write of that name
  (``globals()["int"] = v``, ``builtins.int = v``, ``setattr(builtins, "int", v)``).
* The two ``LOOKERS`` sets (gate/scan/python_refs.py and gate/scan/python_calls.py) are one:
  the first lacked ``issubclass``, ``int`` and ``float`` (a closure's cell given to them
  counted as used: a false alarm, not a hole); both held ``isinstance``, and the second
  ``issubclass``, which are not looks when their second argument's metaclass is the
  package's: it is handed the first (``__instancecheck__``/``__subclasscheck__``), a hole
  for a module (wave 6) and for a namespace reached by a computed name.
* A comparison hands a module to the other side's dunder (``K() == m``, ``m == K()``,
  ``m in K()``) unless that side is a literal or a module.

Exact findings; the filtered scan must report what the unfiltered one does.
"""

from __future__ import annotations

import pytest

from gate.scan.python import scan_python
from tests.scan.unfiltered import switch_off

CODE = "'__import__(\"os\").system(\"x\")'"
ANN = ("f.__annotations__: annotations stored, '{}' may be a string (evaluated as code by "
       "typing.get_type_hints; keys compiled by dataclasses)")
HANDED = "{} passed on as a value (what is used on it is not followed)"


def found(src: str) -> set[tuple[str, int, str, str]]:
    return {(str(f.capability), f.line, str(f.phase), f.detail)
            for f in scan_python(src.encode(), "pkg/__init__.py", module="pkg")}


def both(src: str, monkeypatch: pytest.MonkeyPatch) -> set[tuple[str, int, str, str]]:
    filtered = found(src)
    switch_off(monkeypatch.setattr)
    assert found(src) == filtered
    return filtered


@pytest.mark.parametrize(("src", "name"), [
    (f"globals()['s'] = {CODE}\n", "s"),
    (f"vars()['s'] = {CODE}\n", "s"),
    (f"globals().update(s={CODE})\n", "s"),
    (f"import builtins\nbuiltins.s = {CODE}\n", "s"),
    (f"import builtins as b\nb.int = {CODE}\n", "int"),
    (f"import builtins\nsetattr(builtins, 's', {CODE})\n", "s"),
    (f"import builtins\nbuiltins.int = {CODE}\n", "int"),
    (f"from builtins import __dict__ as d\nd['int'] = {CODE}\n", "int"),
    (f"globals()['int'] = {CODE}\n", "int"),
    (f"def g():\n    global int\n    int = {CODE}\ng()\n", "int"),
    ("", "s"),  # bound by no one here: another module's ``pkg.s = code``
])
def test_a_name_bound_unseen_is_no_type(src: str, name: str,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    src = "def f(x): pass\n" + src
    line = src.count("\n") + 1
    src += f"f.__annotations__ = {{'x': {name}}}\n"
    got = {f for f in both(src, monkeypatch) if f[3].startswith("f.__annotations__")}
    assert got == {("dynamic-code", line, "import", ANN.format(name))}


@pytest.mark.parametrize("src", [
    "f.__annotations__ = {'x': int, 'y': str}\n",
    "globals()['s'] = 1\nf.__annotations__ = {'x': int}\n",  # (another name written)
    "import builtins\nbuiltins._ = None\nf.__annotations__ = {'x': int}\n",
    "d = {}\nd['int'] = 1\nf.__annotations__ = {'x': int}\n",  # (a dict's item)
])
def test_a_builtin_type_is_a_type(src: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert both("def f(x): pass\n" + src, monkeypatch) == set()


@pytest.mark.parametrize(("src", "line"), [
    # isinstance/issubclass hand the first argument to the second's metaclass
    ("import subprocess\nclass M(type):\n    def __instancecheck__(cls, o):\n"
     "        return o.run\nclass K(metaclass=M):\n    pass\nisinstance(subprocess, K)\n", 7),
    ("import os, abc\nclass A(abc.ABC):\n    @classmethod\n    def __subclasshook__(cls, c):\n"
     "        return c.system\nissubclass(os, A)\n", 6),
    ("import os\ndef f(k):\n    return isinstance(os, k)\n", 3),
    ("import os\nclass K(Base):\n    pass\nisinstance(os, K)\n", 4),  # (Base's metaclass)
    # the builtin rebound unseen
    ("import os\nglobals()['isinstance'] = print\nisinstance(os, str)\n", 3),
    ("import os\ndef f():\n    global hasattr\n    hasattr = print\nhasattr(os, 'x')\n", 5),
    ("import os, builtins\nbuiltins.hasattr = print\nhasattr(os, 'x')\n", 3),
    ("import os\nstr = print\nisinstance(os, str)\n", 3),
    # comparisons: the other side's dunder is handed the module
    ("import os\nclass K:\n    def __eq__(self, o):\n        return o.system\nK() == os\n", 5),
    ("import os\nif os == k:\n    pass\n", 2),
    ("import os\nos != k\n", 2),
    ("import os\nos in k\n", 2),
    ("import os\nos in [k]\n", 2),  # (each element's ``__eq__``)
    ("import os\nk < os\n", 2),
])
def test_handed_to_the_package_s_code(src: str, line: int,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    module = "subprocess" if "subprocess" in src else "os"
    phase = "runtime" if "return isinstance" in src else "import"
    assert ("dynamic-code", line, phase, HANDED.format(module)) in both(src, monkeypatch)


@pytest.mark.parametrize("src", [
    "import os\nisinstance(os, str)\n",
    "import os, types\nisinstance(os, (str, types.ModuleType))\n",
    "import os\nclass P:\n    pass\nisinstance(os, P)\n",
    "import os, abc\nclass A(abc.ABC):\n    pass\nisinstance(os, A)\n",
    "import os, abc\nclass A(abc.ABC):\n    pass\nissubclass(os, A)\n",  # (no hook of its own)
    "import os\nhasattr(os, 'x')\n",
    "import os, builtins\nbuiltins._ = None\nhasattr(os, 'x')\n",
    "import os\nglobals()['x'] = 1\nhasattr(os, 'x')\n",
    "import os, sys\nos is k\n",
    "import os, sys\nos == sys\n",
    "import os\nos == 'x'\n",
    "import os\nos in ('a', 'b')\n",
    "import os\nk in os\n",
    # a closure's cell only looked at (was a false alarm: int/issubclass were no lookers)
    "def f(g):\n    return int(g.__closure__[0].cell_contents)\n",
    "def f(g):\n    return issubclass(g.__closure__[0].cell_contents, int)\n",
    "def f(g):\n    return isinstance(g.__closure__[0].cell_contents, str)\n",
])
def test_only_looked_at(src: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert both(src, monkeypatch) == set()


def test_one_lookers_set() -> None:
    from gate.scan import python_calls, python_refs

    assert python_calls.LOOKERS is python_refs.LOOKERS
    assert not hasattr(python_calls, "_LOOKERS") and not hasattr(python_refs, "_LOOKERS")


@pytest.mark.parametrize(("src", "line"), [
    ("import os\nf(os.path)\n", 2),
    ("from os import path\nf(path)\n", 2),
    ("import os\nclass A:\n    m = os.path\nA.m.os.system('x')\n", 3),
])
def test_os_path_is_a_module(src: str, line: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """``os.path`` (posixpath, ``sys.modules["os.path"]``) handed on is a module handed on:
    ``os.path.os`` is ``os``, and it holds ``__builtins__``."""
    assert ("dynamic-code", line, "import", HANDED.format("os.path")) in both(src, monkeypatch)


def test_os_path_used_is_no_hand_off(monkeypatch: pytest.MonkeyPatch) -> None:
    assert both("import os\nx = os.path.join(a, b)\np = os.path\nq = p.join(a)\n",
                monkeypatch) == set()
