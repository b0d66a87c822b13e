"""The rules that closed red-team wave 8 (issue #11), at their edges: the spellings beside
the pinned cases that must be findings, and the common code beside them that must not."""

from __future__ import annotations

from pathlib import Path

import pytest

from gate.scan import scan_artifact
from tests.builders import build_wheel

DYN = "dynamic-code"
H = "def h(m, n):\n    return True\n"
USE = "import os\nfrom . import a\nhasattr(os, 'x')\n"


def found(tmp_path: Path, files: dict[str, str]) -> set[tuple[str, str, int]]:
    art = build_wheel(tmp_path, "pkg", "1.0", files)
    return {(str(f.capability), f.path, f.line) for f in scan_artifact(art).findings}


@pytest.mark.parametrize(("files", "where"), [
    # a builtin's name written where every module (or the package's module) finds it
    ({"pkg/__init__.py": USE, "pkg/a.py": "import builtins\n" + H
      + "setattr(builtins, 'hasattr', h)\n"}, (DYN, "pkg/a.py", 4)),
    ({"pkg/__init__.py": USE, "pkg/a.py": "import pkg\n" + H + "setattr(pkg, 'hasattr', h)\n"},
     (DYN, "pkg/a.py", 4)),
    ({"pkg/__init__.py": USE, "pkg/a.py": "import builtins\n" + H
      + "setattr(builtins, 'has' + 'attr', h)\n"}, (DYN, "pkg/a.py", 4)),
    ({"pkg/__init__.py": USE, "pkg/a.py": "import builtins\n" + H + "del builtins.hasattr\n"},
     (DYN, "pkg/a.py", 4)),
    # annotations evaluated with the module, the class or the def
    ({"pkg/__init__.py": "import os\ndef f() -> os.path:\n    pass\n"},
     (DYN, "pkg/__init__.py", 2)),
    # a standard object's class, called
    ({"pkg/__init__.py": "import threading\nt = threading.current_thread()\n"
      "type(t)(target=print).start()\n"}, (DYN, "pkg/__init__.py", 3)),
    ({"pkg/__init__.py": "import sys\nk = sys.stdout.__class__.__base__\nk(1)\n"},
     (DYN, "pkg/__init__.py", 2)),
    # a key log file the package chose (a default of its own for $SSLKEYLOGFILE)
    ({"pkg/__init__.py": "import os\ndef f(c, p):\n    k = os.environ.get('SSLKEYLOGFILE', p)\n"
      "    c.keylog_filename = k\n"}, ("fs-write", "pkg/__init__.py", 4)),
    # the environment read through a listing of /proc/<pid>; /proc/self/mem
    ({"pkg/__init__.py": "import os\nos.listdir('/proc/%d/task' % os.getpid())\n"},
     ("env", "pkg/__init__.py", 2)),
    ({"pkg/__init__.py": "import os\nos.close(os.open('/proc/self/mem', os.O_RDWR))\n"},
     ("native", "pkg/__init__.py", 2)),
])
def test_reported(tmp_path: Path, files: dict[str, str], where: tuple[str, str, int]) -> None:
    got = found(tmp_path, files)
    assert where in got, got


@pytest.mark.parametrize("source", [
    "import builtins\nbuiltins._ = 1\nbuiltins.NEW_NAME = 2\n",  # no builtin the scanner trusts
    "import os\ndef f():\n    x: os = 1\n    return x\n",  # a local annotation: never evaluated
    "import os\nclass A:\n    def c(self, x):\n        return (type(self)(x), self.__class__(x), "
    "type(x)(1), type(x).__name__, self.__class__.__name__)\n",
    "import os\nclass Meta(type):\n    @classmethod\n    def __prepare__(mcs, name, bases):\n"
    "        return {}\n",
    "import os\ntry:\n    pass\nexcept ValueError as e:\n    print(e.args)\n",
    "import os\nclass K:\n    def f(self):\n        self.open = 1\n        self.type = 2\n",
    "import os, glob\nos.listdir('/proc/sys/net')\nglob.glob('/proc/cpuinfo')\n",
    "import os\nprint(os.__class__.__name__)\n",

    # ``T = type(x)`` for isinstance checks (overrides' ``type(typing.List)``): a binding of
    # type(...) is not followed (docs/scanner.md: open)
    "import sys, typing\nT = type(typing.List)\nF = type(sys.stdout)\n",
])
def test_quiet(tmp_path: Path, source: str) -> None:
    got = found(tmp_path, {"pkg/__init__.py": source})
    assert not {g for g in got if g[0] in (DYN, "env", "native")}, got


def test_keylog_file_the_user_chose_is_quiet(tmp_path: Path) -> None:
    """$SSLKEYLOGFILE as the user set it (urllib3's create_urllib3_context): what
    ssl.create_default_context does itself; only the environment read is reported."""
    source = ("import os\ndef f(c):\n    if 'SSLKEYLOGFILE' in os.environ:\n"
              "        k = os.path.expandvars(os.environ.get('SSLKEYLOGFILE'))\n    else:\n"
              "        k = None\n    if k:\n        c.keylog_filename = k\n")
    assert {g[0] for g in found(tmp_path, {"pkg/__init__.py": source})} == {"env"}
