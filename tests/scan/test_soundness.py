"""Soundness red team: programs that use a capability the scanner does not report (or
reports wrongly). Every case pins the SECURE outcome; many are expected to fail until the
scanner is fixed.

Each snippet is a real program that would do the thing when run (payloads are harmless:
``echo pwned``, ``print('pwned')``, files in the working directory). A line ending in
``# <-`` is where the capability is used: when a case has one, the finding must be on that
line (and in the ``import`` phase, as all of them run at module level).

Classes:
  1. builtins reached without naming them (``print.__self__`` is the builtins module)
  2. modules flowing through code (arguments, containers, returns, other files)
  3. literal names the scanner could resolve but does not
  4. exec/eval behind standard-library wrappers
  5. the import system changed (private importers, suffixes, zips on sys.path, hooks)
  6. standard-library (and vendored) capabilities the catalog misses
  7. wrong findings: false alarms and wrong phases
For classes 1-5 a ``dynamic-code`` finding is accepted wherever the brief allows either it
or the real capability (the expected set lists every acceptable capability).
"""

from __future__ import annotations

import io
import textwrap
import zipfile
from pathlib import Path

import pytest

from gate.model import Finding, PackageScan
from gate.scan import scan_artifact
from gate.scan.python import scan_python
from tests.builders import Files, build_wheel

MARK = "# <-"
DYN = "dynamic-code"


def prog(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def marked_line(src: str) -> int | None:
    for i, line in enumerate(src.splitlines(), 1):
        if line.rstrip().endswith(MARK):
            return i
    return None


def findings(src: str, path: str = "pkg/mod.py") -> list[Finding]:
    return scan_python(src.encode(), path)


def shown(fs: list[Finding] | tuple[Finding, ...]) -> list[tuple[str, str, int, str, str]]:
    return [(f.path, str(f.capability), f.line, str(f.phase), f.detail) for f in fs]


def assert_reported(src: str, expected: set[str], *, phase: str | None = "import") -> None:
    """Some finding has a capability in ``expected``; on the ``# <-`` line (if any) and in
    ``phase`` (when a line is marked)."""
    fs = findings(src)
    line = marked_line(src)
    hits = [f for f in fs if str(f.capability) in expected
            and (line is None or f.line == line)
            and (line is None or phase is None or str(f.phase) == phase)]
    where = f" at line {line} ({phase})" if line is not None else ""
    assert hits, f"expected one of {sorted(expected)}{where}; got {shown(fs)}"


def scan_wheel(tmp_path: Path, files: Files) -> PackageScan:
    return scan_artifact(build_wheel(tmp_path, "foo", "1.0", files))


def zip_bytes(members: dict[str, str], prefix: bytes = b"") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in members.items():
            zf.writestr(name, text)
    return prefix + buf.getvalue()


CMD = 'CMD = "echo pwned"\n'
SRC = 'SRC = "print(\'pwned\')"\n'
H = 'H = "7072696e74282770776e65642729"  # print(\'pwned\')\n'
EVIL = 'import os\nos.system("echo pwned")\n'


# ============================================================ 1. builtins without naming them
# ``f.__self__`` of a builtin function is the builtins module; a module's ``__builtins__``
# attribute and a function's ``__builtins__`` are its dict; other stdlib modules hold it.

BUILTINS_CASES = [
    pytest.param(H + "print.__self__.exec(bytes.fromhex(H).decode())  # <-\n",
                 {DYN}, id="print.__self__.exec"),
    pytest.param(SRC + "b = id.__self__\nb.exec(SRC)\n", {DYN}, id="__self__-renamed"),
    pytest.param(SRC + 'getattr(abs.__self__, "exec")(SRC)  # <-\n', {DYN},
                 id="getattr-on-__self__"),
    pytest.param(SRC + 'print.__self__.__dict__["exec"](SRC)  # <-\n', {DYN},
                 id="__self__.__dict__"),
    pytest.param(SRC + 'import os\nos.__builtins__["exec"](SRC)  # <-\n', {DYN},
                 id="module.__builtins__"),
    pytest.param(SRC + '(lambda: 0).__builtins__["exec"](SRC)  # <-\n', {DYN},
                 id="function.__builtins__"),
    pytest.param(SRC + "import sys\nsys.modules[print.__module__].exec(SRC)  # <-\n", {DYN},
                 id="sys.modules[print.__module__]"),
    pytest.param(SRC + "import inspect\ninspect.getmodule(print).exec(SRC)  # <-\n", {DYN},
                 id="inspect.getmodule(print)"),
    pytest.param(SRC + "import wave\nwave.builtins.exec(SRC)  # <-\n", {DYN},
                 id="wave.builtins"),
    pytest.param(SRC + 'import sys\nsys.modules.get("builtins").exec(SRC)  # <-\n', {DYN},
                 id="sys.modules.get-builtins"),
    pytest.param(SRC + 'import operator\noperator.attrgetter("__self__.exec")(print)(SRC)  # <-\n',
                 {DYN}, id="attrgetter-__self__.exec"),
    pytest.param(CMD + 'print.__self__.__import__("os").system(CMD)  # <-\n',
                 {DYN, "subprocess"}, id="__self__.__import__"),
    pytest.param('print.__self__.open("out.txt", "w").write("pwned")  # <-\n',
                 {"fs-write"}, id="__self__.open-write"),
    pytest.param('import tarfile\ntarfile.bltn_open("out.txt", "w").write("pwned")  # <-\n',
                 {"fs-write"}, id="tarfile.bltn_open-write"),
    pytest.param('import tokenize\ntokenize._builtin_open("/etc/hostname").read()  # <-\n',
                 {"fs-read"}, id="tokenize._builtin_open-read"),
]


@pytest.mark.parametrize(("src", "expected"), BUILTINS_CASES)
def test_builtins_reached_without_naming_them(src: str, expected: set[str]) -> None:
    assert_reported(src, expected)


# ============================================================ 2. modules flowing through code
# The minimum is a dynamic-code finding (where the module escapes, or where it is used);
# the real capability is as good.

FLOW_CASES = [
    pytest.param(prog("""
        import os
        CMD = "echo pwned"
        def pick(m, n):
            return getattr(m, n)
        pick(os, "sys" + "tem")(CMD)
        """), {DYN, "subprocess"}, id="pick-computed"),
    pytest.param(prog("""
        import os
        CMD = "echo pwned"
        def pick(m, n):
            return getattr(m, n)
        pick(os, "system")(CMD)
        """), {DYN, "subprocess"}, id="pick-literal"),
    pytest.param(CMD + "import os\nmods = [os]\nmods[0].system(CMD)\n",
                 {DYN, "subprocess"}, id="list"),
    pytest.param(CMD + "import os\nfor m in [os]:\n    m.system(CMD)\n",
                 {DYN, "subprocess"}, id="loop"),
    pytest.param(CMD + "import os\ndef run(c, m=os):\n    return m.system(c)\nrun(CMD)\n",
                 {DYN, "subprocess"}, id="default-argument"),
    pytest.param(CMD + 'import os\nd = {"m": os}\nd["m"].system(CMD)\n',
                 {DYN, "subprocess"}, id="dict"),
    pytest.param(CMD + "import os\ndef mod():\n    return os\nmod().system(CMD)\n",
                 {DYN, "subprocess"}, id="return-value"),
    pytest.param(CMD + "import os\nclass C:\n    m = os\nC.m.system(CMD)\n",
                 {DYN, "subprocess"}, id="class-attribute"),
    pytest.param(CMD + "import os\nm = lambda: os\nm().system(CMD)\n",
                 {DYN, "subprocess"}, id="lambda"),
    pytest.param(CMD + "import os\nm, _ = os, None\nm.system(CMD)\n",
                 {DYN, "subprocess"}, id="tuple-unpacking"),
    pytest.param(CMD + "import os\n(m := os).system(CMD)\n",
                 {DYN, "subprocess"}, id="walrus"),
    pytest.param(CMD + "import os\nm: object = os\nm.system(CMD)\n",
                 {DYN, "subprocess"}, id="annotated-assignment"),
    pytest.param(CMD + "import os\ndef gen():\n    yield os\nnext(gen()).system(CMD)\n",
                 {DYN, "subprocess"}, id="generator"),
    pytest.param(CMD + prog("""
        import os
        class C:
            def __init__(self):
                self.m = os
        C().m.system(CMD)
        """), {DYN, "subprocess"}, id="instance-attribute"),
    pytest.param(CMD + 'import sys\nsys.modules.get("o" + "s").system(CMD)\n',
                 {DYN, "subprocess"}, id="sys.modules.get-computed"),
    pytest.param(CMD + 'import sys\nsys.modules.get("os").system(CMD)\n',
                 {DYN, "subprocess"}, id="sys.modules.get-literal"),
    pytest.param(prog("""
        import ctypes, sys
        mod = sys.modules[__name__]
        getattr(mod, "ctyp" + "es").CDLL(None)
        """), {DYN, "native"}, id="own-module-getattr-computed"),
    pytest.param(CMD + "import os, sys\nsys.modules[__name__].os.system(CMD)\n",
                 {DYN, "subprocess"}, id="own-module-attribute"),
]


@pytest.mark.parametrize(("src", "expected"), FLOW_CASES)
def test_module_flowing_through_code(src: str, expected: set[str]) -> None:
    assert_reported(src, expected)


# the same between two files of one package: the module is bound in one, used in the other
FLOW_WHEELS = [
    pytest.param({
        "foo/a.py": "def call(m, n, *a):\n    return getattr(m, n)(*a)\n",
        "foo/b.py": 'import os\nfrom .a import call\ncall(os, "system", "echo pwned")\n',
    }, id="getattr-helper-in-a-sibling"),
    pytest.param({
        "foo/a.py": "def run(m):\n    return m.system('echo pwned')\n",
        "foo/b.py": "import os\nfrom .a import run\nrun(os)\n",
    }, id="module-passed-to-a-sibling"),
    pytest.param({
        "foo/a.py": "import os\nMODS = [os]\n",
        "foo/b.py": "from .a import MODS\nMODS[0].system('echo pwned')\n",
    }, id="list-in-a-sibling"),
    pytest.param({
        "foo/a.py": "import os\ndef get():\n    return os\n",
        "foo/b.py": "from .a import get\nget().system('echo pwned')\n",
    }, id="returned-by-a-sibling"),
]


@pytest.mark.parametrize("files", FLOW_WHEELS)
def test_module_flowing_between_files(tmp_path: Path, files: dict[str, str]) -> None:
    s = scan_wheel(tmp_path, {"foo/__init__.py": "from . import b\n", **files})
    got = {str(f.capability) for f in s.findings}
    assert got & {DYN, "subprocess"}, shown(s.findings)


# ============================================================ 3. literal names not resolved
# The attribute is a literal: the precise capability must be reported (dynamic-code alone
# would let a policy that grants it run a subprocess).

LITERAL_CASES = [
    pytest.param(CMD + 'import operator, os\noperator.attrgetter("system")(os)(CMD)  # <-\n',
                 {"subprocess"}, id="attrgetter"),
    pytest.param(CMD + 'import operator, os\noperator.methodcaller("system", CMD)(os)  # <-\n',
                 {"subprocess"}, id="methodcaller"),
    pytest.param(CMD + 'import os\nos.__dict__["system"](CMD)  # <-\n',
                 {"subprocess"}, id="__dict__[literal]"),
    pytest.param(CMD + 'import os\nos.__getattribute__("system")(CMD)  # <-\n',
                 {"subprocess"}, id="__getattribute__(literal)"),
    pytest.param(CMD + 'import os\nobject.__getattribute__(os, "system")(CMD)  # <-\n',
                 {"subprocess"}, id="object.__getattribute__"),
    pytest.param(CMD + 'import inspect, os\ninspect.getattr_static(os, "system")(CMD)  # <-\n',
                 {"subprocess"}, id="inspect.getattr_static"),
    pytest.param(CMD + 'import os\nvars(os)["system"](CMD)  # <-\n',
                 {"subprocess"}, id="vars(os)[literal]"),
    pytest.param(CMD + 'import os\ngetattr(os, f"system")(CMD)  # <-\n',
                 {"subprocess"}, id="getattr-fstring"),
    pytest.param('import os\nos.__dict__["environ"]["HOME"]  # <-\n',
                 {"env"}, id="__dict__[environ]"),
    pytest.param(CMD + prog("""
        import os
        match os:
            case object(system=run):
                run(CMD)
        """), {"subprocess"}, id="match-class-pattern"),
    pytest.param(CMD + prog("""
        import sys
        match sys.modules:
            case {"os": m}:
                m.system(CMD)
        """), {"subprocess", DYN}, id="match-mapping-sys.modules"),
    pytest.param(CMD + 'import pkgutil\npkgutil.resolve_name("os:system")(CMD)  # <-\n',
                 {"subprocess"}, id="pkgutil.resolve_name-literal"),
    pytest.param(CMD + 'import pydoc\npydoc.locate("os.system")(CMD)  # <-\n',
                 {"subprocess"}, id="pydoc.locate-literal"),
    # annotations of a def (params, return), of a module or class body are evaluated at
    # import time (no ``from __future__ import annotations``)
    pytest.param(CMD + "import os\ndef f(x: os.system(CMD)):  # <-\n    pass\n",
                 {"subprocess"}, id="parameter-annotation"),
    pytest.param(CMD + "import os\nx: os.system(CMD) = 0  # <-\n",
                 {"subprocess"}, id="module-annotation"),
    pytest.param(CMD + "import os\nclass C:\n    y: os.system(CMD)  # <-\n",
                 {"subprocess"}, id="class-annotation"),
]


@pytest.mark.parametrize(("src", "expected"), LITERAL_CASES)
def test_literal_names_are_resolved(src: str, expected: set[str]) -> None:
    assert_reported(src, expected)


# ============================================================ 4. exec/eval behind stdlib wrappers

_DOCTEST_FN = prog('''
    def payload():
        """
        >>> print('pwned')
        pwned
        """
    ''')
_FILECONFIG = ("[loggers]\\nkeys=root\\n[handlers]\\nkeys=h\\n[formatters]\\nkeys=\\n"
               "[logger_root]\\nhandlers=h\\n[handler_h]\\nclass=StreamHandler\\n"
               "args=(print('pwned') or sys.stderr,)\\n")

WRAPPER_CASES = [
    pytest.param(SRC + "import cProfile\ncProfile.run(SRC)  # <-\n", {DYN}, id="cProfile.run"),
    pytest.param(SRC + "import profile\nprofile.run(SRC)  # <-\n", {DYN}, id="profile.run"),
    pytest.param(SRC + "import trace\ntrace.Trace(count=0, trace=0).run(SRC)  # <-\n", {DYN},
                 id="trace.Trace.run"),
    pytest.param(SRC + "import runpy\nrunpy._run_code(SRC, {})  # <-\n", {DYN},
                 id="runpy._run_code"),
    pytest.param(_DOCTEST_FN + "import doctest\n"
                 "doctest.run_docstring_examples(payload, {})  # <-\n",
                 {DYN}, id="doctest.run_docstring_examples"),
    pytest.param(prog('''
        import doctest
        T = ">>> print('pwned')\\npwned\\n"
        test = doctest.DocTestParser().get_doctest(T, {}, "t", None, 0)
        doctest.DocTestRunner().run(test)  # <-
        '''), {DYN}, id="doctest.DocTestRunner"),
    pytest.param(prog("""
        import typing
        def f(x: "print('pwned')"):  # <- (the code; it runs where it is evaluated)
            pass
        typing.get_type_hints(f)
        """), {DYN}, id="typing.get_type_hints-function"),
    pytest.param(prog("""
        import inspect
        def f(x: "print('pwned')"):  # <- (the code; it runs where it is evaluated)
            pass
        inspect.get_annotations(f, eval_str=True)
        """), {DYN}, id="inspect.get_annotations-eval_str"),
    pytest.param(prog("""
        import logging.config
        logging.config.dictConfig({"version": 1, "formatters": {  # <-
            "f": {"()": "subprocess.getoutput", "cmd": "echo pwned"}}})
        """), {DYN, "subprocess"}, id="logging.config.dictConfig-factory"),
    pytest.param(f'import configparser, logging.config\nT = "{_FILECONFIG}"\n'
                 "cp = configparser.ConfigParser()\ncp.read_string(T)\n"
                 "logging.config.fileConfig(cp)  # <-\n", {DYN},
                 id="logging.config.fileConfig-eval"),
    pytest.param(CMD + 'import logging.config\n'
                 'logging.config.BaseConfigurator({}).resolve("os.system")(CMD)  # <-\n',
                 {DYN, "subprocess"}, id="logging.config.BaseConfigurator.resolve"),
    pytest.param(SRC + "import timeit\ntimeit.timeit(SRC, number=1)  # <-\n", {DYN},
                 id="timeit.timeit"),
    pytest.param(SRC + "import code\ncode.InteractiveInterpreter().runsource(SRC)  # <-\n",
                 {DYN}, id="code.InteractiveInterpreter.runsource"),
    pytest.param(SRC + 'import io, pdb, sys\nsys.stdin = io.StringIO("c\\n")\n'
                 "pdb.run(SRC)  # <-\n", {DYN}, id="pdb.run"),
    pytest.param(SRC + "import bdb\nbdb.Bdb().run(SRC)  # <-\n", {DYN}, id="bdb.Bdb.run"),
    pytest.param(SRC + prog("""
        import importlib.abc, types
        c = importlib.abc.InspectLoader.source_to_code(SRC)  # <-
        types.FunctionType(c, {})()
        """), {DYN}, id="InspectLoader.source_to_code"),
    pytest.param('import dataclasses\n'
                 'dataclasses._create_fn("f", (), ["print(\'pwned\')"], globals={})()  # <-\n',
                 {DYN}, id="dataclasses._create_fn"),
    pytest.param(CMD + 'import importlib.metadata as md\n'
                 'md.EntryPoint("x", "os:system", "g").load()(CMD)  # <-\n',
                 {DYN, "subprocess"}, id="importlib.metadata.EntryPoint.load"),
]


@pytest.mark.parametrize(("src", "expected"), WRAPPER_CASES)
def test_exec_behind_stdlib_wrappers(src: str, expected: set[str]) -> None:
    assert_reported(src, expected)


# ============================================================ 5. the import system changed

_FINDER = "class Finder:\n    def find_spec(self, *a):\n        return None\n"
_HOOK = "def hook(path):\n    raise ImportError(path)\n"

IMPORT_SYSTEM_CASES = [
    pytest.param('import importlib, sys\nimportlib._bootstrap._gcd_import(sys.argv[1])  # <-\n',
                 {DYN}, id="_gcd_import-computed"),
    # ``"o" + "s"`` is spelled in the source: resolved, importing os does nothing
    pytest.param('import importlib\nimportlib._bootstrap._gcd_import("o" + "s").system("x")'
                 '  # <-\n', {"subprocess"}, id="_gcd_import-folded"),
    pytest.param('import importlib\n'
                 'importlib._bootstrap._gcd_import("subprocess").run(["echo", "pwned"])  # <-\n',
                 {DYN, "subprocess"}, id="_gcd_import-literal"),
    pytest.param('import importlib.machinery\n'
                 'importlib.machinery.SOURCE_SUFFIXES.append(".txt")  # <-\n',
                 {DYN}, id="SOURCE_SUFFIXES.append"),
    pytest.param('import importlib.machinery\n'
                 'importlib.machinery.EXTENSION_SUFFIXES.append(".dat")  # <-\n',
                 {DYN, "native"}, id="EXTENSION_SUFFIXES.append"),
    pytest.param(_HOOK + "import sys\nhooks = sys.path_hooks\nhooks.insert(0, hook)\n",
                 {DYN}, id="path_hooks-renamed"),
    pytest.param(_HOOK + "import sys\nlist.insert(sys.path_hooks, 0, hook)  # <-\n",
                 {DYN}, id="list.insert(path_hooks)"),
    pytest.param(_FINDER + "import sys\nmp = sys.meta_path\nmp.insert(0, Finder())\n",
                 {DYN}, id="meta_path-renamed"),
    pytest.param(_FINDER + "import operator, sys\noperator.iadd(sys.meta_path, [Finder()])  # <-\n",
                 {DYN}, id="operator.iadd(meta_path)"),
    pytest.param(_FINDER + 'import sys\ngetattr(sys, "meta_path").insert(0, Finder())  # <-\n',
                 {DYN}, id="getattr(sys, meta_path)"),
    pytest.param(_FINDER + 'import sys\nsys.path_importer_cache["/tmp/x"] = Finder()  # <-\n',
                 {DYN}, id="path_importer_cache-set"),
    pytest.param('import os, site\nsite.addsitedir(os.path.dirname(__file__))  # <-\n',
                 {DYN}, id="site.addsitedir"),
]


@pytest.mark.parametrize(("src", "expected"), IMPORT_SYSTEM_CASES)
def test_import_system_changed(src: str, expected: set[str]) -> None:
    assert_reported(src, expected)


_HERE = "os.path.join(os.path.dirname(__file__), {!r})"

IMPORT_SYSTEM_WHEELS = [
    pytest.param({
        "foo/__init__.py": f"import os, sys\nsys.path.insert(0, {_HERE.format('data.bin')})\n"
                           "import evil\n",
        "foo/data.bin": zip_bytes({"evil.py": EVIL}),
    }, id="zip-as-data.bin-on-sys.path"),
    pytest.param({
        "foo/__init__.py": f"import os, sys\nsys.path.append({_HERE.format('logo.png')})\n"
                           "__import__('evil')\n",
        "foo/logo.png": zip_bytes({"evil.py": EVIL}, prefix=b"\x89PNG\r\n\x1a\n" + b"\0" * 64),
    }, id="zip-with-png-prefix-on-sys.path"),
    pytest.param({
        "foo/__init__.py": f"import os\n__path__.append({_HERE.format('data.bin')})\n"
                           "from . import evil\n",
        "foo/data.bin": zip_bytes({"evil.py": EVIL}),
    }, id="zip-on-package-__path__"),
    pytest.param({
        "foo/__init__.py": "import importlib.machinery\n"
                           "importlib.machinery.SOURCE_SUFFIXES.append('.txt')\n"
                           "from . import payload\n",
        "foo/payload.txt": EVIL,
    }, id="txt-made-a-source-suffix"),
    pytest.param({
        "foo/__init__.py": f"import os, site\nsite.addsitedir({_HERE.format('plugins')})\n",
        "foo/plugins/evil.pth": 'import os; os.system("echo pwned")\n',
    }, id="pth-in-a-subdirectory-via-addsitedir"),
]


@pytest.mark.parametrize("files", IMPORT_SYSTEM_WHEELS)
def test_import_system_changed_in_a_wheel(tmp_path: Path, files: dict[str, str | bytes]) -> None:
    s = scan_wheel(tmp_path, files)
    got = {str(f.capability) for f in s.findings}
    assert got & {DYN, "subprocess", "unanalyzed", "startup-hooks"}, shown(s.findings)


# ============================================================ 6. capabilities the catalog misses

URL = 'URL = "http://127.0.0.1:9/"\n'
P = 'P = "out.bin"\n'
_EMIT = 'logging.getLogger().addHandler(h)\nlogging.error("pwned")\n'

STDLIB_CASES = [
    # ---- network
    pytest.param('import urllib.request\n'
                 'urllib.request.http.client.HTTPConnection("127.0.0.1", 9).connect()  # <-\n',
                 "network", id="urllib.request.http.client"),
    pytest.param("import socket\n"
                 "socket.SocketType(socket.AF_INET).connect(('127.0.0.1', 9))  # <-\n",
                 "network", id="socket.SocketType"),
    pytest.param('import logging, logging.handlers\n'
                 'h = logging.handlers.HTTPHandler("127.0.0.1:9", "/")  # <-\n' + _EMIT,
                 "network", id="logging.handlers.HTTPHandler"),
    pytest.param('import logging, logging.handlers\n'
                 'h = logging.handlers.SocketHandler("127.0.0.1", 9)  # <-\n' + _EMIT,
                 "network", id="logging.handlers.SocketHandler"),
    pytest.param('import xmlrpc.client\n'
                 'xmlrpc.client.Transport().request("127.0.0.1:9", "/RPC2", b"<x/>")  # <-\n',
                 "network", id="xmlrpc.client.Transport"),
    pytest.param("import logging.config\nt = logging.config.listen(0)  # <-\nt.start()\n",
                 "network", id="logging.config.listen"),
    pytest.param(URL + "from pip._vendor import requests\nrequests.get(URL)  # <-\n",
                 "network", id="pip._vendor.requests"),
    pytest.param(URL + "from pip._vendor.urllib3 import PoolManager\n"
                 'PoolManager().request("GET", URL)  # <-\n',
                 "network", id="pip._vendor.urllib3"),
    # ---- subprocess
    pytest.param('import webbrowser\n'
                 'webbrowser.GenericBrowser(["sh", "-c", "echo pwned"]).open("x")  # <-\n',
                 "subprocess", id="webbrowser.GenericBrowser"),
    pytest.param('import pydoc\npydoc.pipepager("text", "echo pwned")  # <-\n',
                 "subprocess", id="pydoc.pipepager"),
    pytest.param('import ctypes\nctypes.CDLL(None).system(b"echo pwned")  # <-\n',
                 "subprocess", id="ctypes.CDLL(None).system"),
    pytest.param('import imaplib\nimaplib.IMAP4_stream("echo pwned")  # <-\n',
                 "subprocess", id="imaplib.IMAP4_stream"),
    pytest.param('import tkinter\ntkinter.Tcl().eval("exec echo pwned")  # <-\n',
                 "subprocess", id="tkinter.Tcl-exec"),
    # ---- fs-write
    pytest.param(P + 'import gzip\ngzip.open(P, "wb").write(b"pwned")  # <-\n',
                 "fs-write", id="gzip.open-wb"),
    pytest.param(P + "import logging\nlogging.FileHandler(P)  # <-\n",
                 "fs-write", id="logging.FileHandler"),
    pytest.param(P + 'import zipfile\nzipfile.ZipFile(P, "w").writestr("x", "pwned")  # <-\n',
                 "fs-write", id="zipfile.ZipFile-w"),
    pytest.param(P + 'import tarfile\ntarfile.open(P, "w").close()  # <-\n',
                 "fs-write", id="tarfile.open-w"),
    pytest.param('import py_compile\npy_compile.compile(__file__, cfile="out.pyc")  # <-\n',
                 "fs-write", id="py_compile.compile"),
    pytest.param(URL + P + "import urllib.request\nurllib.request.urlretrieve(URL, P)  # <-\n",
                 "fs-write", id="urlretrieve-filename"),
    pytest.param(P + 'import dbm.dumb\ndbm.dumb.open(P, "c")  # <-\n',
                 "fs-write", id="dbm.dumb.open"),
    # ---- fs-read
    pytest.param('import xml.etree.ElementTree as ET\nET.parse("settings.xml")  # <-\n',
                 "fs-read", id="ElementTree.parse"),
    pytest.param('import xml.dom.minidom\nxml.dom.minidom.parse("settings.xml")  # <-\n',
                 "fs-read", id="minidom.parse"),
    pytest.param('import xml.sax\n'
                 'xml.sax.parse("settings.xml", xml.sax.ContentHandler())  # <-\n',
                 "fs-read", id="xml.sax.parse"),
    pytest.param('import configparser\nconfigparser.ConfigParser().read("settings.ini")  # <-\n',
                 "fs-read", id="ConfigParser().read"),
    pytest.param('import io\nio.open_code("/etc/hostname").read()  # <-\n',
                 "fs-read", id="io.open_code"),
    # ---- env, threads, native
    pytest.param("import urllib.request\nurllib.request.getproxies()  # <-\n",
                 "env", id="urllib.request.getproxies"),
    pytest.param("import logging, logging.handlers, queue\n"
                 "logging.handlers.QueueListener(queue.Queue()).start()  # <-\n",
                 "threads", id="QueueListener.start"),
    pytest.param('import _imp, importlib.util\n'
                 'spec = importlib.util.find_spec("_ssl")\n'
                 '_imp.create_dynamic(spec)  # <-\n', "native", id="_imp.create_dynamic"),
]


@pytest.mark.parametrize(("src", "expected"), STDLIB_CASES)
def test_stdlib_capabilities(src: str, expected: str) -> None:
    assert_reported(src, {expected})


# ============================================================ 7. wrong findings

NO_DYNAMIC_CODE = [
    pytest.param("from types import CodeType\n\ndef f(c: CodeType) -> None:\n    ...\n",
                 id="CodeType-parameter-annotation"),
    pytest.param("from types import CodeType\nx: CodeType | None = None\n",
                 id="CodeType-variable-annotation"),
    pytest.param("from types import CodeType\n\nclass A:\n    code: CodeType\n",
                 id="CodeType-class-annotation"),
    pytest.param("from __future__ import annotations\nfrom types import CodeType\n\n"
                 "def f(c: CodeType | None = None) -> None:\n    ...\n",
                 id="CodeType-future-annotations"),
    pytest.param("from types import CodeType\n\ndef f(x):\n    return isinstance(x, CodeType)\n",
                 id="CodeType-isinstance"),
    # precision: getattr on a plain value where no module is ever passed as a value
    pytest.param(prog("""
        import os
        class A:
            def get(self, name):
                return getattr(self, name)
        def where():
            return os.path.join("a", "b")
        """), id="getattr-self"),
    pytest.param(prog("""
        import os, subprocess
        def field(obj, name):
            return getattr(obj, name)
        def sep():
            return os.sep, subprocess.PIPE
        """), id="getattr-parameter"),
    pytest.param(prog("""
        import sys
        def option(obj, name, default=None):
            value = getattr(obj, name, default)
            return value if value is not None else sys.maxsize
        """), id="getattr-parameter-default"),
]


@pytest.mark.parametrize("src", NO_DYNAMIC_CODE)
def test_no_dynamic_code_false_alarm(src: str) -> None:
    fs = findings(src)
    assert not [f for f in fs if str(f.capability) == DYN], shown(fs)


@pytest.mark.parametrize("src", [
    pytest.param('import getpass\npw = getpass.getpass("password: ")\n', id="module"),
    pytest.param('from getpass import getpass\npw = getpass()\n', id="from-import"),
])
def test_getpass_is_not_env(src: str) -> None:
    fs = findings(src)
    assert not [f for f in fs if str(f.capability) == "env"], shown(fs)


@pytest.mark.parametrize("src", [
    pytest.param(CMD + 'import os\nif __name__ == "__main__":\n    os.system(CMD)  # <-\n',
                 id="__name__-first"),
    pytest.param(CMD + "import os\nif '__main__' == __name__:\n    os.system(CMD)  # <-\n",
                 id="__main__-first"),
])
def test_main_block_is_not_import_phase(src: str) -> None:
    fs = [f for f in findings(src) if str(f.capability) == "subprocess"]
    line = marked_line(src)
    assert [f for f in fs if f.line == line], shown(fs)  # still reported
    assert all(str(f.phase) != "import" for f in fs), shown(fs)


def test_main_block_else_branch_is_still_import_phase() -> None:
    src = CMD + prog("""
        import os
        if __name__ == "__main__":
            os.system(CMD)
        else:
            os.system(CMD)
        """)
    got = {(f.line, str(f.phase)) for f in findings(src) if str(f.capability) == "subprocess"}
    assert (6, "import") in got, got
    assert (4, "import") not in got, got


@pytest.mark.parametrize("src", [
    pytest.param(CMD + prog("""
        import os, sys
        if sys.platform != "win32":
            class A:
                def f(self):
                    os.system(CMD)  # <-
        """), id="class-in-if"),
    pytest.param(CMD + prog("""
        import os, sys
        if sys.platform == "win32":
            pass
        else:
            class A:
                def f(self):
                    os.system(CMD)  # <-
        """), id="class-in-else"),
    pytest.param(CMD + prog("""
        import os
        try:
            import _winapi
        except ImportError:
            class A:
                def f(self):
                    os.system(CMD)  # <-
        """), id="class-in-except"),
])
def test_method_of_a_conditional_class_is_runtime(src: str) -> None:
    line = marked_line(src)
    fs = [f for f in findings(src) if str(f.capability) == "subprocess"]
    assert {(f.line, str(f.phase)) for f in fs} == {(line, "runtime")}, shown(fs)


# precision won back on real wheels (httpx, openai, onnx_ir, pyparsing, h11, asyncpg,
# httplib2, redis): each is quiet, and the neighbour an attacker would write next is not
PRECISION_QUIET = [
    pytest.param(prog("""
        from ._api import get
        __all__ = ["get"]
        __locals = locals()
        for __name in __all__:
            if not __name.startswith("__"):
                setattr(__locals[__name], "__module__", "httpx")
        """), id="label-stored-on-any-global-setattr"),
    pytest.param(prog("""
        from ._x import a
        __all__ = ["a"]
        def __set_module():
            global_dict = globals()
            for name in __all__:
                global_dict[name].__module__ = __name__
        __set_module()
        """), id="label-stored-on-any-global-assign"),
    pytest.param(prog("""
        import os
        class C:
            x = 1
            _all_names = [__ for __ in locals() if not __.startswith("_")]
        names = [k for k in globals().keys() if k.isupper()]
        for k in locals():
            print(k)
        """), id="namespace-iterated-for-its-names"),
    pytest.param(prog("""
        import re
        field_content = "x"
        field_value = r"({field_content})?".format(**globals())
        other = "{a}".format_map(globals())
        """), id="literal-format-of-a-namespace"),
    pytest.param(prog("""
        import os
        for n in ("sep", "linesep"):
            print(getattr(os, n))
        for key in {"HOME", "PATH"}:
            print(globals()[key])
        """), id="loop-over-literal-names"),
    pytest.param(prog("""
        import ssl
        def version(name):
            return getattr(ssl.TLSVersion, name)
        """), id="computed-attribute-of-a-stdlib-class"),
    pytest.param(prog("""
        from errno import *
        import fcntl
        if fcntl and hasattr(fcntl, "FICLONE"):
            pass
        """), id="star-import-of-a-builtin-module-binds-no-hasattr"),
    pytest.param(prog("""
        import socks
        class P:
            def isgood(self):
                return socks and (self.proxy_host != None)
        """), id="module-before-and-is-only-tested"),
    pytest.param(prog("""
        import importlib
        import gguf
        importlib.reload(gguf)
        """), id="module-reloaded"),
]


@pytest.mark.parametrize("src", PRECISION_QUIET)
def test_precision_quiet(src: str) -> None:
    fs = findings(src)
    assert not [f for f in fs if str(f.capability) == DYN], shown(fs)


PRECISION_STILL_REPORTED = [
    pytest.param(prog("""
        import os
        for n in ("sep", "system"):
            getattr(os, n)("echo pwned")  # <-
        """), {"subprocess"}, "import", id="loop-over-literal-names-resolved"),
    pytest.param(prog("""
        import os
        for n in ("sep", "x"):
            n = "sys" + "tem"
            getattr(os, n)("echo pwned")  # <-
        """), {DYN, "subprocess"}, "import", id="loop-name-rebound-in-body"),
    pytest.param(prog("""
        import os
        for n in ("sep", "x"):
            f = lambda n: getattr(os, n)  # <-
            f("sys" + "tem")("echo pwned")
        """), {DYN, "subprocess"}, "import", id="loop-name-shadowed-by-lambda"),
    pytest.param(prog("""
        import os
        for n in ("sep", "x"):
            def f(n):
                return getattr(os, n)  # <-
            f("system")("echo pwned")
        """), {DYN, "subprocess"}, "import", id="loop-name-shadowed-by-def"),
    pytest.param(prog("""
        import os
        names = ["sep"]
        names.append("sys" + "tem")
        for n in names:
            getattr(os, n)("echo pwned")  # <-
        """), {DYN, "subprocess"}, "import", id="loop-over-a-list-that-changes"),
    pytest.param(prog("""
        import os
        for k, v in globals().items():  # <-
            if k == "o" + "s":
                v.system("echo pwned")
        """), {DYN}, "import", id="namespace-items-iterated"),
    pytest.param(prog("""
        import os
        for n in ("o" + "s",):
            globals()[n].system("echo pwned")  # <-
        """), {DYN, "subprocess"}, "import", id="loop-key-into-globals"),
    pytest.param(prog("""
        import os
        name = "o" + "s"
        globals()[name].__module__ = "x"
        globals()[name].system("echo pwned")  # <-
        """), {DYN}, "import", id="label-store-does-not-cover-other-lookups"),
    pytest.param(prog("""
        import os
        def fmt(s, **kw):
            return kw["os"].system(s)
        fmt("echo pwned", **globals())  # <-
        """), {DYN}, "import", id="namespace-to-a-function-named-format"),
    pytest.param(prog("""
        import os
        class F:
            def format(self, **kw):
                return kw["os"].system("echo pwned")
        F().format(**globals())  # <-
        """), {DYN}, "import", id="namespace-to-a-format-method-not-a-string"),
    pytest.param(prog("""
        from .helpers import *
        import os
        hasattr(os, "system")  # <-
        """), {DYN}, "import", id="own-star-import-may-bind-hasattr"),
    pytest.param(prog("""
        from os import *
        import socket
        hasattr(socket, "x")  # <-
        """), {DYN}, "import", id="python-stdlib-star-import-is-not-read"),
    pytest.param(prog("""
        import os
        def pick(flag):
            return flag and os  # <-
        pick(True).system("echo pwned")
        """), {DYN}, "import", id="module-last-in-and-is-its-value"),
    pytest.param(prog("""
        import importlib
        import os
        m = importlib.reload(os)
        m.system("echo pwned")  # <-
        """), {"subprocess"}, "import", id="reloaded-module-is-the-module"),
    pytest.param(prog("""
        import importlib
        import os
        handler(importlib.reload(os))  # <-
        """), {DYN}, "import", id="reloaded-module-handed-on"),
]


@pytest.mark.parametrize(("src", "expected", "phase"), PRECISION_STILL_REPORTED)
def test_precision_still_reported(src: str, expected: set[str], phase: str) -> None:
    assert_reported(src, expected, phase=phase)
