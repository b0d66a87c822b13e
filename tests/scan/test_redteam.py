"""Red team: what a malicious package author would try, and what the scanner must report.

Each case is a wheel built by hand (tests.builders) and scanned with scan_artifact, or a
one-liner through scan_python. Cases the scanner cannot close say so in a comment and pin
today's behaviour, so a change is noticed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gate.model import PackageScan
from gate.scan import scan_artifact
from gate.scan.exports import collect
from gate.scan.prefilter import might_act, satisfied
from gate.scan.python import scan_python
from tests.builders import Files, build_sdist, build_wheel


def scan(tmp_path: Path, files: Files, *, name: str = "foo",
         entry_points: dict[str, dict[str, str]] | None = None) -> PackageScan:
    whl = build_wheel(tmp_path, name, "1.0", files, entry_points=entry_points)
    return scan_artifact(whl)


def where(s: PackageScan) -> set[tuple[str, str, int, str]]:
    """(capability, path, line, phase) of every finding."""
    return {(str(f.capability), f.path, f.line, str(f.phase)) for f in s.findings}


def caps(src: str | bytes) -> set[str]:
    data = src.encode() if isinstance(src, str) else src
    return {str(f.capability) for f in scan_python(data, "pkg/mod.py")}


# ---------------------------------------------------------------- cross-module aliasing

COMPAT = "import subprocess as sp\nfrom os import system as run_it\n"


@pytest.mark.parametrize("use", [
    "from foo.compat import sp\n\ndef f():\n    sp.run([])\n",
    "from .compat import sp\n\ndef f():\n    sp.run([])\n",
    "from .compat import *\n\ndef f():\n    sp.run([])\n",
    "from . import compat\n\ndef f():\n    compat.sp.run([])\n",
    "import foo.compat as c\n\ndef f():\n    c.sp.run([])\n",
    "import foo.compat\n\ndef f():\n    foo.compat.sp.run([])\n",
    "from .compat import sp as p2\n\ndef f():\n    p2.Popen([])\n",
])
def test_module_imported_from_a_sibling(tmp_path: Path, use: str) -> None:
    s = scan(tmp_path, {"foo/__init__.py": "", "foo/compat.py": COMPAT, "foo/use.py": use})
    assert ("subprocess", "foo/use.py", 4, "runtime") in where(s)


def test_helper_reexporting_a_function_is_reported_at_the_import_and_the_use(
        tmp_path: Path) -> None:
    s = scan(tmp_path, {"foo/__init__.py": "", "foo/compat.py": COMPAT,
                        "foo/use.py": "from .compat import run_it\nrun_it('id')\n"})
    assert {x for x in where(s) if x[0] == "subprocess"} == {
        ("subprocess", "foo/compat.py", 2, "import"),
        ("subprocess", "foo/use.py", 2, "import"),
    }


def test_chains_of_reexports_and_assignments(tmp_path: Path) -> None:
    s = scan(tmp_path, {
        "foo/__init__.py": "",
        "foo/a.py": "import socket as _s\nnet = _s\n",
        "foo/b.py": "from .a import net as n\n",
        "foo/sub/__init__.py": "",
        "foo/sub/c.py": "from ..b import n\n\ndef f():\n    return n.create_connection(('h', 1))\n",
    })
    assert ("network", "foo/sub/c.py", 4, "runtime") in where(s)


def test_package_init_exports_through_relative_star(tmp_path: Path) -> None:
    s = scan(tmp_path, {
        "foo/__init__.py": "import ctypes as _c\n",
        "foo/x.py": "from . import *\n_c.CDLL('libc.so.6')\n",
    })
    assert ("native", "foo/x.py", 2, "import") in where(s)


def test_dynamic_import_bound_in_a_sibling(tmp_path: Path) -> None:
    s = scan(tmp_path, {
        "foo/__init__.py": "",
        "foo/h.py": "proc = __import__('subprocess')\n",
        "foo/u.py": "from .h import proc\nproc.check_output(['id'])\n",
    })
    assert ("subprocess", "foo/u.py", 2, "import") in where(s)


def test_same_name_from_an_unrelated_module_is_not_a_capability(tmp_path: Path) -> None:
    s = scan(tmp_path, {
        "foo/__init__.py": "",
        "foo/compat.py": "def run(x):\n    return x\nsp = None\n",
        "foo/use.py": "from .compat import run, sp\nrun(1)\nsp.run([])\n",
    })
    assert s.findings == ()


# ---------------------------------------------------------------- a module through another

@pytest.mark.parametrize(("src", "line"), [
    ("import shutil\nshutil.os.system('x')", 2),
    ("import posixpath\nposixpath.os.system('x')", 2),
    ("import os.path as p\np.os.system('x')", 2),
    ("from shutil import os as o\no.system('x')", 2),
    ("import tempfile\ntempfile._os.system('x')", 2),
    ("import logging\nlogging.os.popen('x')", 2),
    ("import http.server\nhttp.server.os.system('x')", 2),
])
def test_module_attribute_chains(src: str, line: int) -> None:
    assert might_act(src)
    assert {(str(f.capability), f.line) for f in scan_python(src.encode(), "m.py")} == {
        ("subprocess", line)}


def test_module_attribute_chains_other_capabilities() -> None:
    assert caps("import subprocess\nsubprocess.os.environ['X']") == {"env"}
    assert caps("import smtplib\nsmtplib.socket.gethostname()") == {"env"}
    assert caps("import ssl\nssl.socket(fd=3)") == {"network"}  # ssl.socket is socket.socket
    assert caps("import glob\nglob.sys._getframe(1)") == {"introspection"}


# ---------------------------------------------------------------- dynamic tricks

@pytest.mark.parametrize(("src", "expected"), [
    ("getattr(__import__('o'+'s'), 'sys'+'tem')('x')", {"subprocess"}),
    ("getattr(__import__('o'+s), 'sys'+'tem')('x')", {"dynamic-code"}),
    ("__import__('os').system('x')", {"subprocess"}),
    ("import importlib\nimportlib.import_module('o' 's').system('x')", {"subprocess"}),
    ("import importlib\nm = importlib.import_module('os')\nm.system('x')", {"subprocess"}),
    ("vars(__builtins__)['exec']('x')", {"dynamic-code"}),
    ("__builtins__.__dict__['eval']('x')", {"dynamic-code"}),
    ("import builtins\nbuiltins.exec('x')", {"dynamic-code"}),
    ("import sys\nsys.modules['os'].system('x')", {"subprocess"}),
    ("().__class__.__base__.__subclasses__()", {"introspection", "dynamic-code"}),
    ("f.__globals__['os']", {"introspection"}),
    ("import runpy\nrunpy.run_path('x')", {"dynamic-code", "fs-read"}),
    ("import runpy\nrunpy.run_module('x')", {"dynamic-code"}),
    ("import importlib.util\ns = importlib.util.spec_from_file_location('m', 'p')\n"
     "s.loader.exec_module(importlib.util.module_from_spec(s))", {"dynamic-code"}),
    ("import zipimport\nzipimport.zipimporter('x.zip')", {"dynamic-code", "fs-read"}),
    ("import pkgutil\npkgutil.resolve_name('os:system')", {"subprocess"}),
    ("import code\ncode.interact()", {"dynamic-code"}),
    ("c = compile(s, 'f', 'exec')\ne = exec\ne(c)", {"dynamic-code"}),
    ("import codecs\nexec(codecs.decode(s, 'rot13'))", {"dynamic-code"}),
    ("import base64\nexec(base64.b64decode(s))", {"dynamic-code"}),
    ("import marshal\nexec(marshal.loads(b))", {"dynamic-code"}),
    ("import os\nf = lambda: os.system('x')", {"subprocess"}),
    ("import os\nif (s := os.system): s('x')", {"subprocess"}),
    ("import os\n@os.system\ndef f(): pass", {"subprocess"}),
    ("import os\nmatch x:\n    case 1:\n        os.system('x')", {"subprocess"}),
    ("import asyncio\nasync def f():\n    await asyncio.create_subprocess_exec('ls')",
     {"fs-write", "network", "subprocess"}),
    # code objects built or swapped without compile()
    ("import types\ntypes.CodeType(*args)", {"dynamic-code"}),
    ("def f(): pass\nf.__code__ = g.__code__.replace(co_code=b'd\\x00S\\x00')",
     {"dynamic-code"}),
    ("def f(): pass\nf.__code__ = other", {"dynamic-code"}),
    ("type(f.__code__)(*args)", {"dynamic-code"}),
    ("setattr(f, '__code__', c)", {"dynamic-code"}),
])
def test_dynamic_tricks(src: str, expected: set[str]) -> None:
    assert might_act(src)
    assert caps(src) == expected


def test_encodings_and_homoglyphs() -> None:
    utf7 = b"# coding: utf-7\nimport os+AAo-os.system('x')\n"
    assert {(str(f.capability), f.line) for f in scan_python(utf7, "m.py")} == {
        ("subprocess", 3)}
    assert caps("import os\nos.\uff53\uff59\uff53\uff54\uff45\uff4d('x')") == {"subprocess"}
    assert caps("import \uff4f\uff53\n\uff4f\uff53.system('x')") == {"subprocess"}
    assert caps("\ufeffimport os\nos.system('x')".encode()) == {"subprocess"}


# ---------------------------------------------------------------- the catalog's reach

@pytest.mark.parametrize(("src", "expected"), [
    ("import webbrowser\nwebbrowser.open('x')", {"subprocess"}),
    ("import os\nos.posix_spawn('x', [], {})", {"subprocess"}),
    ("import pty\npty.spawn('sh')", {"fs-write", "subprocess"}),
    ("import os\nos.fork()", {"subprocess"}),
    ("import os\nos.kill(1, 9)", {"subprocess"}),
    ("import ctypes\nctypes.CDLL(None).system(b'x')", {"native", "subprocess"}),
    ("import cffi\ncffi.FFI()", {"native"}),
    ("import socketserver\nsocketserver.TCPServer(('', 1), H)", {"network"}),
    ("import http.server\nhttp.server.HTTPServer(('', 1), H)", {"env", "network"}),
    ("import xmlrpc.client\nxmlrpc.client.ServerProxy('u')", {"fs-read", "fs-write", "network"}),
    ("import smtplib\nsmtplib.SMTP('h')", {"env", "network"}),
    ("import ftplib\nftplib.FTP('h')", {"network"}),
    ("import telnetlib\ntelnetlib.Telnet('h')", {"network", "threads"}),
    ("import urllib.request\nurllib.request.urlretrieve('u')", {"fs-write", "network"}),
    ("import ssl\nssl.wrap_socket(s)", {"network"}),
    ("import asyncio\nasyncio.open_connection('h', 1)", {"network"}),
    ("async def f(loop):\n    await loop.create_connection(P, 'h', 1)", {"network"}),
    ("import multiprocessing\nmultiprocessing.Process(target=f)", {"subprocess", "threads"}),
    ("import signal\nsignal.signal(1, f)", {"threads"}),
    ("import sys\nsys.settrace(f)", {"introspection"}),
    ("import sys\nsys.setprofile(f)", {"introspection"}),
    ("import sys\nsys.addaudithook(f)", {"introspection"}),
    ("import threading\nthreading.settrace(f)", {"introspection"}),
    ("import atexit, os\natexit.register(os.system, 'x')", {"subprocess"}),
    ("import threading\nthreading.excepthook = f", {"introspection"}),
    ("import sys\nsys.excepthook = f", {"introspection"}),
    ("import sys\nsys.meta_path.insert(0, Finder())", {"dynamic-code"}),
    ("import socket\nsocket.socket = Evil", {"network"}),
    ("import gc\ngc.get_referrers(x)", {"introspection", "dynamic-code"}),
    ("import inspect\ninspect.stack()[1].frame.f_locals", {"introspection"}),
    ("import sys\nsys._getframe(1).f_globals", {"introspection"}),
    ("import os\nos.environb", {"env"}),
    ("import os\nos.getenvb(b'x')", {"env"}),
    ("import os\nos.putenv('a', 'b')", {"env"}),
    ("import platform\nplatform.node()", {"env"}),
    ("import getpass\ngetpass.getuser()", {"env"}),
    ("import pwd\npwd.getpwuid(0)", {"env"}),
    ("import socket\nsocket.gethostname()", {"env"}),
])
def test_catalogued_capabilities(src: str, expected: set[str]) -> None:
    assert might_act(src)
    assert caps(src) == expected


@pytest.mark.parametrize("src", [
    # not capabilities on their own: the code object / memory has to come from somewhere
    "import types\ntypes.FunctionType(f.__code__, {})",  # the code is this package's own
    "import mmap\nmmap.mmap(-1, 4096)",  # anonymous memory; a file needs open() first
    "type(x).__dict__",  # the class's own attributes
    "print(f.__code__.co_varnames)",  # reading a code object is not running one
    "import atexit\n@atexit.register\ndef bye(): pass",
])
def test_not_capabilities_alone(src: str) -> None:
    assert caps(src) == set()


# ---------------------------------------------------------------- negatives: no crying wolf

@pytest.mark.parametrize("src", [
    "self.exec()",
    "obj.system",
    "obj.system = 1",
    "def eval(x): pass\neval(1)",
    "import re\nre.compile('x')",
    "import socket\nsocket.AF_INET",
    "import subprocess\nsubprocess.PIPE",
    "import socket\ntry: pass\nexcept socket.timeout: pass",
    "import threading\nthreading.Lock()",
    "import os\ndef f(x: os.PathLike) -> None: pass",
    '"""Call os.system and subprocess.run, eval() and exec()."""',
    "# import os; os.system('x')\n",
    "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import subprocess",
    "from __future__ import annotations",
    "import shutil\nshutil.os.sep",
    "import sys\nprint(sys.excepthook is sys.__excepthook__)",
])
def test_negatives(src: str) -> None:
    assert caps(src) == set()


# ---------------------------------------------------------------- startup and layout

def test_pth_executable_line(tmp_path: Path) -> None:
    s = scan(tmp_path, {"foo/__init__.py": "", "evil.pth": "import os; os.system('id')\n"})
    assert where(s) == {("startup-hooks", "evil.pth", 1, "startup"),
                        ("subprocess", "evil.pth", 1, "startup")}


def test_pth_with_tab_after_import(tmp_path: Path) -> None:
    s = scan(tmp_path, {"foo/__init__.py": "", "evil.pth": "x\nimport\tos;os.system('id')\n"})
    assert where(s) == {("startup-hooks", "evil.pth", 2, "startup"),
                        ("subprocess", "evil.pth", 2, "startup")}


def test_pth_with_leading_whitespace_is_a_path_for_site(tmp_path: Path) -> None:
    # site.py execs only lines starting with "import " or "import\t"; " import os" is a
    # (nonexistent) directory name, so nothing runs.
    s = scan(tmp_path, {"foo/__init__.py": "", "x.pth": " import os; os.system('id')\n"})
    assert s.findings == ()


@pytest.mark.parametrize("member", [
    "foo-1.0.data/purelib/evil.pth", "foo-1.0.data/platlib/evil.pth",
])
def test_pth_through_data_dirs(tmp_path: Path, member: str) -> None:
    s = scan(tmp_path, {"foo/__init__.py": "", member: "import os;os.system('id')\n"})
    assert where(s) == {("startup-hooks", member, 1, "startup"),
                        ("subprocess", member, 1, "startup")}


@pytest.mark.parametrize(("member", "module"), [
    ("foo-1.0.data/platlib/sitecustomize.py", "sitecustomize"),
    ("usercustomize.py", "usercustomize"),
    ("foo-1.0.data/purelib/usercustomize/__init__.py", "usercustomize"),
])
def test_customize_modules(tmp_path: Path, member: str, module: str) -> None:
    s = scan(tmp_path, {"foo/__init__.py": "", member: "import os\nos.system('id')\n"})
    assert where(s) == {("startup-hooks", member, 0, "startup"),
                        ("subprocess", member, 2, "startup")}


def test_distutils_precedence_style_pth(tmp_path: Path) -> None:
    # setuptools' distutils-precedence.pth idiom, shipped by someone else
    line = ("import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, "
            "'local') == 'local'; enabled and __import__('_distutils_hack').add_shim();\n")
    s = scan(tmp_path, {"foo/__init__.py": "", "distutils-precedence.pth": line})
    # a literal __import__ is an import, not dynamic code
    assert where(s) == {("startup-hooks", "distutils-precedence.pth", 1, "startup"),
                        ("env", "distutils-precedence.pth", 1, "startup")}


def test_console_scripts_shadowing_interpreters(tmp_path: Path) -> None:
    s = scan(tmp_path, {"foo/__init__.py": "def main(): pass\n"},
             entry_points={"console_scripts": {"pip3": "foo:main", "python3.11": "foo:main",
                                               "foo": "foo:main"}})
    assert {(f.detail, f.line) for f in s.findings} == {
        ("console script 'pip3' shadows the pip3 command", 2),
        ("console script 'python3.11' shadows the python3.11 command", 3),
    }


def test_wheel_planting_another_distributions_package(tmp_path: Path) -> None:
    s = scan(tmp_path, {"foo/__init__.py": "", "requests/__init__.py": "x = 1\n"})
    assert where(s) == {("startup-hooks", "requests/__init__.py", 0, "startup")}


# ---------------------------------------------------------------- native code in disguise

ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 57


def test_binary_with_a_py_name_does_not_crash(tmp_path: Path) -> None:
    # Python cannot import it (null bytes); it is only a capability if its text could be
    s = scan(tmp_path, {"foo/__init__.py": "", "foo/evil.py": ELF + b"\x00\xff\xfe",
                        "foo/evil2.py": ELF + b"\nimport os\nos.system('x')\n"})
    assert {(str(f.capability), f.path, f.line) for f in s.findings} == {
        ("unanalyzed", "foo/evil2.py", 1), ("subprocess", "foo/evil2.py", 3)}


@pytest.mark.parametrize("member", [
    "foo-1.0.data/scripts/helper", "foo/_lib.so.1", "foo/_ext.pyd", "foo/_ext.cpython-311.so",
])
def test_native_binaries_anywhere(tmp_path: Path, member: str) -> None:
    s = scan(tmp_path, {"foo/__init__.py": "", member: ELF})
    assert "native" in {str(f.capability) for f in s.findings if f.path == member}


# ---------------------------------------------------------------- the pre-filter stays sound

def test_prefilter_lets_through_names_bound_by_own_modules() -> None:
    own = frozenset({"foo"})
    exported = collect({"foo/__init__.py": b"", "foo/compat.py": COMPAT.encode(),
                        "foo/x.py": b"from . import compat\n"}, own=own)
    assert exported.table == {"foo.compat.sp": "subprocess", "foo.compat.run_it": "os.system"}
    for use in ["from .compat import sp\nsp.run([])", "from .compat import *\nsp.run([])",
                "import foo.compat as c\nc.sp.run([])", "from .compat import run_it\nrun_it()",
                "from .compat import *\nrun_it()"]:
        assert not satisfied(use, own), use  # nothing catalogued is spelled
        assert satisfied(use, own, exported), use
    assert not satisfied("from .compat import thing\nthing.run()", own, exported)


def test_sdist_module_imported_from_a_sibling(tmp_path: Path) -> None:
    sdist = build_sdist(tmp_path, "foo", "1.0", {
        "pyproject.toml": '[build-system]\nrequires = ["flit_core"]\n'
                          'build-backend = "flit_core.buildapi"\n'
                          '[project]\nname = "foo"\nversion = "1.0"\n',
        "src/foo/__init__.py": "", "src/foo/compat.py": COMPAT,
        "src/foo/use.py": "from .compat import sp\n\ndef f():\n    sp.run([])\n"})
    s = scan_artifact(sdist)
    assert ("subprocess", "src/foo/use.py", 4, "runtime") in where(s)


@pytest.mark.parametrize("use", [
    "from .compat import *\nPopen([])\n",
    "from .compat import Popen\nPopen([])\n",
    "from .inner import *\nPopen([])\n",
])
def test_star_import_of_another_module_passed_on(tmp_path: Path, use: str) -> None:
    s = scan(tmp_path, {"foo/__init__.py": "", "foo/compat.py": "from subprocess import *\n",
                        "foo/inner.py": "from .compat import *\n", "foo/use.py": use})
    assert ("subprocess", "foo/use.py", 2, "import") in where(s)


# ---------------------------------------------------------------- own names vs local imports

@pytest.mark.parametrize("lib", [
    "def import_module(name):\n    return name\n\ndef g():\n"
    "    from importlib import import_module\n",
    "def g():\n    from importlib import import_module\n\n"
    "def import_module(name):\n    return name\n",
    "class import_module:\n    pass\n\nclass C:\n    def m(self):\n        if 1:\n"
    "            from importlib import import_module\n",
    "import_module = None\n\nasync def g():\n    import importlib.import_module as import_module\n",
])
def test_own_top_level_name_is_not_rebound_by_an_import_inside_a_function(
        tmp_path: Path, lib: str) -> None:
    s = scan(tmp_path, {"foo/__init__.py": "", "foo/lib.py": lib,
                        "foo/use.py": "from .lib import import_module\nimport_module(x)\n"})
    assert {x for x in where(s) if x[1] == "foo/use.py"} == set()


@pytest.mark.parametrize("lib", [
    "def import_module(name):\n    return name\n\ntry:\n    from importlib import import_module\n"
    "except ImportError:\n    pass\n",
    "def import_module(name):\n    return name\n\nif True:\n"
    "    from importlib import import_module\n",
    "def import_module(name):\n    return name\n\ndef g():\n    global import_module\n"
    "    from importlib import import_module\n",
    "def import_module(name):\n    return name\n\ndef g():\n    s = '''\n'''\n"
    "    from importlib import import_module\n",
    "def g():\n    from importlib import import_module\n",
    "def import_module(name):\n    return name\nfrom importlib import import_module\n",
])
def test_an_import_that_may_rebind_an_own_top_level_name_still_counts(
        tmp_path: Path, lib: str) -> None:
    s = scan(tmp_path, {"foo/__init__.py": "", "foo/lib.py": lib,
                        "foo/use.py": "from .lib import import_module\nimport_module(x)\n"})
    assert ("dynamic-code", "foo/use.py", 2, "import") in where(s)


# ---------------------------------------------------------------- pre-filter blind spots
# Found by bench/differential.py (scan with and without the pre-filter, compare).

@pytest.mark.parametrize("src", [
    # names listed in parentheses over several lines, a comment holding ``)`` among them
    "from shutil import (\n    os,\n)\nos.system('id')\n",
    "from shutil import (  # (see)\n    Error,  # two)\n    os\n)\nos.system('id')\n",
    "from shutil import \\\n    (Error,\n     os)\nos.system('id')\n",
])
def test_module_named_in_a_parenthesised_import_list(src: str) -> None:
    assert [(f.line, f.detail) for f in scan_python(src.encode(), "pkg/mod.py")] == [
        (src.count("\n"), "os.system")]


@pytest.mark.parametrize("src,line", [
    # sympy/testing/runtests_pytest.py:155: a path bound from ``pathlib.Path(...)`` in one
    # statement, asked about in the next; neither spells ``pathlib`` nor ``Path`` twice
    ("import pathlib\ndef f(fp):\n    path = pathlib.Path(fp)\n    if not path.is_file():\n"
     "        pass\n", 4),
    ("import pathlib as pl\np = pl.PurePosixPath('x')\nq = pl.Path('y')\nq.exists()\n", 4),
])
def test_path_bound_through_the_pathlib_module(src: str, line: int) -> None:
    found = [(f.line, str(f.capability)) for f in scan_python(src.encode(), "pkg/mod.py")]
    assert found == [(line, "fs-read")]


def test_own_module_reexport_listed_in_parentheses(tmp_path: Path) -> None:
    s = scan(tmp_path, {"foo/__init__.py": "",
                        "foo/compat.py": "from subprocess import (  # (x)\n    call,  # y)\n"
                                         "    Popen,\n)\n",
                        "foo/use.py": "from .compat import Popen\n\ndef f():\n    Popen([])\n"})
    assert ("subprocess", "foo/use.py", 4, "runtime") in where(s)


@pytest.mark.parametrize("src,line", [
    # the module bound under another name, the value on a line of its own after a comment
    ("import os\nx = (  # see below)\n    os)\ndef f():\n    x.system('id')\n", 5),
    ("import os\nx = \\\n    os\ndef f():\n    x.system('id')\n", 5),
    # a chain of names, bound after the function that uses the last one
    ("import os\ndef f():\n    o2.system('id')\no1 = os\no2 = o1\n", 3),
])
def test_module_renamed_by_assignment(src: str, line: int) -> None:
    assert [(f.line, f.detail) for f in scan_python(src.encode(), "pkg/mod.py")] == [
        (line, "os.system")]


def test_builtins_module_under_another_name() -> None:
    src = b"import builtins\nb = builtins\n\ndef f(c):\n    b.exec(c)\n"
    assert [(f.line, f.detail) for f in scan_python(src, "pkg/mod.py")] == [(5, "exec")]
