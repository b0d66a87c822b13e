"""Scanner one-liners (pyflakes style): source -> capabilities / exact findings."""

from __future__ import annotations

import pytest

from gate.model import Capability, Phase
from gate.scan.lexical import decode_source
from gate.scan.python import scan_python


def findings(src: str | bytes, phase: Phase | None = None) -> list[tuple[str, str, int, str]]:
    data = src.encode() if isinstance(src, str) else src
    return [(str(f.capability), str(f.phase), f.line, f.detail)
            for f in scan_python(data, "pkg/mod.py", phase=phase)]


def caps(src: str | bytes) -> set[str]:
    return {c for c, _, _, _ in findings(src)}


POSITIVE: list[tuple[str, set[str]]] = [
    # subprocess, through every import form
    ("import subprocess\nsubprocess.run([])", {"subprocess"}),
    ("import subprocess as sp\nsp.run([])", {"subprocess"}),
    ("from subprocess import Popen\nPopen([])", {"subprocess"}),
    ("from subprocess import Popen as P\nP([])", {"subprocess"}),
    ("from subprocess import *\ncheck_output([])", {"subprocess"}),
    ("import subprocess\np = subprocess.Popen([])\np.wait()", {"subprocess"}),
    ("import os\nos.system('ls')", {"subprocess"}),
    ("from os import system\nsystem('ls')", {"subprocess"}),
    ("import os\nos.popen('ls')", {"subprocess"}),
    ("import os\nos.execvp('ls', [])", {"subprocess"}),
    ("import os\nos.spawnl(0, 'ls')", {"subprocess"}),
    ("import os\nos.fork()", {"subprocess"}),
    ("import os\nos.posix_spawn('ls', [], {})", {"subprocess"}),
    ("import pty\npty.spawn('sh')", {"fs-write", "subprocess"}),
    ("import posix\nposix.system('ls')", {"subprocess"}),
    ("import os\nmap(os.system, cmds)", {"subprocess"}),
    ("import os\ncallback = os.system", {"subprocess"}),
    ("import asyncio\nasyncio.create_subprocess_exec('ls')", {"fs-write", "network", "subprocess"}),
    ("import sh\nsh.ls()", {"subprocess"}),
    ("import pexpect\npexpect.spawn('ssh')", {"subprocess"}),
    ("from plumbum import local\nlocal['ls']()", {"subprocess"}),
    ("import docker\ndocker.from_env()", {"subprocess"}),
    ("from fabric import Connection\nConnection('h')", {"subprocess"}),
    ("import invoke\ninvoke.run('ls')", {"subprocess"}),
    ("import webbrowser\nwebbrowser.open('http://x')", {"subprocess"}),
    # network
    ("import socket\nsocket.create_connection(('h', 1))", {"network"}),
    ("import socket\ns = socket.socket()", {"network"}),
    ("from socket import socket as S\nS()", {"network"}),
    ("import socket\nsocket.getaddrinfo('h', 1)", {"network"}),
    ("import urllib.request\nurllib.request.urlopen('u')", {"network"}),
    ("from urllib.request import urlopen\nurlopen('u')", {"network"}),
    ("import http.client\nhttp.client.HTTPSConnection('h')", {"network"}),
    ("import ftplib\nftplib.FTP('h')", {"network"}),
    ("import smtplib\nsmtplib.SMTP('h')", {"env", "network"}),
    ("import xmlrpc.client\nxmlrpc.client.ServerProxy('u')", {"fs-read", "fs-write", "network"}),
    ("import asyncio\nasyncio.open_connection('h', 1)", {"network"}),
    ("import asyncio\nasyncio.start_server(cb, 'h', 1)", {"network"}),
    ("async def f(loop):\n    await loop.create_connection(P, 'h', 1)", {"network"}),
    ("import ssl\nctx.wrap_socket(s)", {"network"}),
    ("import requests\nrequests.get('u')", {"network"}),
    ("import requests\nrequests.Session()", {"network"}),
    ("import httpx\nhttpx.AsyncClient()", {"network"}),
    ("import aiohttp\naiohttp.ClientSession()", {"network"}),
    ("import urllib3\nurllib3.PoolManager()", {"network"}),
    ("import websockets\nwebsockets.connect('u')", {"network"}),
    ("import boto3\nboto3.client('s3')", {"network"}),
    ("import botocore.session\nbotocore.session.get_session()", {"network"}),
    ("import paramiko\nparamiko.SSHClient()", {"network"}),
    ("import grpc\ngrpc.insecure_channel('h')", {"network"}),
    ("import pycurl\npycurl.Curl()", {"network"}),
    ("import httplib2\nhttplib2.Http()", {"network"}),
    ("from tornado.httpclient import AsyncHTTPClient\nAsyncHTTPClient()", {"network"}),
    ("import redis\nredis.Redis()", {"network"}),
    ("import pymongo\npymongo.MongoClient()", {"network"}),
    # threads
    ("import threading\nthreading.Thread(target=f).start()", {"threads"}),
    ("from threading import Timer\nTimer(1, f)", {"threads"}),
    ("import _thread\n_thread.start_new_thread(f, ())", {"threads"}),
    ("from concurrent.futures import ThreadPoolExecutor\nThreadPoolExecutor()", {"threads"}),
    ("import concurrent.futures as cf\ncf.ProcessPoolExecutor()", {"subprocess", "threads"}),
    ("import multiprocessing\nmultiprocessing.Process(target=f)", {"subprocess", "threads"}),
    ("from multiprocessing import Pool\nPool(4)", {"subprocess", "threads"}),
    ("import signal\nsignal.signal(signal.SIGTERM, h)", {"threads"}),
    ("async def f(loop):\n    await loop.run_in_executor(None, g)", {"threads"}),
    # env
    ("import os\nos.environ['HOME']", {"env"}),
    ("import os\nos.environ.get('HOME')", {"env"}),
    ("from os import environ\nenviron['X']", {"env"}),
    ("import os\nos.getenv('HOME')", {"env"}),
    ("import os\nos.putenv('A', 'b')", {"env"}),
    ("import getpass\ngetpass.getuser()", {"env"}),
    ("import pwd\npwd.getpwuid(0)", {"env"}),
    ("import platform\nplatform.node()", {"env"}),
    ("import socket\nsocket.gethostname()", {"env"}),
    ("import os.path\nos.path.expanduser('~')", {"env"}),
    # native
    ("import ctypes\nctypes.CDLL('libc.so.6')", {"native"}),
    ("from ctypes import cdll\ncdll.LoadLibrary('x')", {"native"}),
    ("import ctypes.util\nctypes.util.find_library('c')", {"native", "subprocess"}),
    ("from cffi import FFI\nFFI()", {"native"}),
    # dynamic code
    ("exec('x = 1')", {"dynamic-code"}),
    ("eval('1')", {"dynamic-code"}),
    ("compile('1', 'f', 'eval')", {"dynamic-code"}),
    ("import builtins\nbuiltins.exec('1')", {"dynamic-code"}),
    ("import marshal\nmarshal.loads(b'')", {"dynamic-code"}),
    ("import pickle\npickle.loads(b'')", {"dynamic-code"}),
    ("from pickle import load\nload(f)", {"dynamic-code"}),
    ("import importlib\nimportlib.import_module(name)", {"dynamic-code"}),
    ("__import__(name)", {"dynamic-code"}),
    # spelled in the source, only split: resolved
    ("import os\ngetattr(os, 'sys' + 'tem')", {"subprocess"}),
    ("import os\ngetattr(os, 'sys' + t)", {"dynamic-code"}),
    ("import builtins\ngetattr(builtins, name)", {"dynamic-code"}),
    ("globals()[name]", {"dynamic-code"}),
    ("vars()[name]", {"dynamic-code"}),
    ("globals()['__builtins__']", {"dynamic-code"}),
    ("__builtins__['eval']", {"dynamic-code"}),
    ("import builtins\nvars(builtins)", {"dynamic-code"}),
    ("import os\nos.__dict__[name]", {"dynamic-code"}),
    ("import sys\nsys.modules[name]", {"dynamic-code"}),
    ("import operator, os\noperator.attrgetter(n)(os)", {"dynamic-code"}),
    ("import runpy\nrunpy.run_path('x.py')", {"dynamic-code", "fs-read"}),
    ("import yaml\nyaml.load(s)", {"dynamic-code"}),
    ("import yaml\nyaml.unsafe_load(s)", {"dynamic-code"}),
    ("import importlib.util\nimportlib.util.spec_from_file_location('m', p)", {"dynamic-code"}),
    ("import pydoc\npydoc.locate('os.system')", {"subprocess"}),
    # introspection
    # every object there is, modules among them
    ("import gc\ngc.get_objects()", {"introspection", "dynamic-code"}),
    ("import sys\nsys._getframe()", {"introspection"}),
    ("import inspect\ninspect.currentframe()", {"introspection"}),
    ("import inspect\ninspect.stack()", {"introspection"}),
    ("import sys\nsys.settrace(f)", {"introspection"}),
    ("import sys\nsys.setprofile(f)", {"introspection"}),
    # a namespace handed on: what is looked up in it is not followed
    ("def f(frame):\n    return frame.f_globals", {"introspection", "dynamic-code"}),
    ("def f(fn):\n    return fn.__globals__", {"introspection", "dynamic-code"}),
    ("def f(fn):\n    return fn.__globals__['x']", {"introspection"}),
    ("().__class__.__base__.__subclasses__()", {"introspection", "dynamic-code"}),
    # every module holds ``__builtins__``: a computed attribute of any module is dynamic
    ("import json\ngetattr(json, name)", {"dynamic-code"}),
    ("import numpy as np\ngetattr(np, name)", {"dynamic-code"}),
    # files
    ("open('f')", {"fs-read"}),
    ("open('f', 'rb')", {"fs-read"}),
    ("open('f', 'w')", {"fs-write"}),
    ("open('f', 'a')", {"fs-write"}),
    ("open('f', 'x')", {"fs-write"}),
    ("open('f', 'r+')", {"fs-read", "fs-write"}),
    ("open('f', mode='w')", {"fs-write"}),
    ("open('f', mode=m)", {"fs-read", "fs-write"}),
    ("open('f', m)", {"fs-read", "fs-write"}),
    ("open('f', **kw)", {"fs-read", "fs-write"}),
    ("with open('f', 'wb') as fh:\n    fh.write(b'')", {"fs-write"}),
    ("import io\nio.open('f', 'w')", {"fs-write"}),
    ("import codecs\ncodecs.open('f', 'r', 'utf-8')", {"fs-read"}),
    ("import os\nos.open('f', os.O_RDONLY)", {"fs-read"}),
    ("import os\nos.open('f', os.O_WRONLY | os.O_CREAT)", {"fs-write"}),
    ("import os\nos.open('f', flags)", {"fs-read", "fs-write"}),
    ("import os\nos.listdir('.')", {"fs-read"}),
    ("import os\nos.scandir('.')", {"fs-read"}),
    ("import os\nfor r, d, f in os.walk('.'):\n    pass", {"fs-read"}),
    ("import glob\nglob.glob('*')", {"fs-read"}),
    ("import os\nos.remove('f')", {"fs-write"}),
    ("import os\nos.unlink('f')", {"fs-write"}),
    ("import os\nos.rename('a', 'b')", {"fs-write"}),
    ("import os\nos.makedirs('d')", {"fs-write"}),
    ("import os\nos.mkdir('d')", {"fs-write"}),
    ("import os\nos.rmdir('d')", {"fs-write"}),
    ("import os\nos.chmod('f', 0o755)", {"fs-write"}),
    ("import shutil\nshutil.rmtree('d')", {"fs-read", "fs-write"}),
    ("import shutil\nshutil.copyfile('a', 'b')", {"fs-read", "fs-write"}),
    ("import tempfile\ntempfile.mkdtemp()", {"fs-write"}),
    ("import tempfile\ntempfile.NamedTemporaryFile()", {"fs-read", "fs-write"}),
    ("from pathlib import Path\nPath('f').write_text('x')", {"fs-write"}),
    ("from pathlib import Path\nPath('f').unlink()", {"fs-write"}),
    ("from pathlib import Path\nPath('f').read_text()", {"fs-read"}),
    ("import pathlib\npathlib.Path('d').iterdir()", {"fs-read"}),
    ("from pathlib import Path\nPath('f').open('w')", {"fs-write"}),
    ("from pathlib import Path\nPath('f').open()", {"fs-read"}),
    ("def f(p):\n    p.write_bytes(b'')", {"fs-write"}),
    ("def f(p):\n    return p.read_text()", {"fs-read"}),
    # aliases through assignment and literal imports
    ("import importlib\nm = importlib.import_module('subprocess')\nm.Popen([])", {"subprocess"}),
    ("os = __import__('os')\nos.system('x')", {"subprocess"}),
    ("__import__('os').system('x')", {"subprocess"}),
    ("import os\ngetattr(os, 'system')('x')", {"subprocess"}),
    ("from os import system\nglobals()['system']('x')", {"subprocess"}),
    ("import sys\nsys.modules['subprocess'].run([])", {"subprocess"}),
    ("import subprocess\nsp = subprocess\nsp.call([])", {"subprocess"}),
    # re-exported without use
    ("from subprocess import run", {"subprocess"}),
    ("from os import environ as env\n__all__ = ['env']", {"env"}),
    # annotations do not count, but default values do
    ("import socket\ndef f(s=socket.socket()):\n    pass", {"network"}),
    ("import os\n@decorate(os.getenv('X'))\ndef f():\n    pass", {"env"}),
]

NEGATIVE: list[str] = [
    "import socket\nx = socket.AF_INET",
    "import socket\ntry:\n    pass\nexcept socket.timeout:\n    pass",
    "import socket\nexcept_ = socket.error",
    "import requests\ntry:\n    pass\nexcept requests.HTTPError:\n    pass",
    "import requests.exceptions\nE = requests.exceptions.ConnectionError",
    "import subprocess\nx = subprocess.PIPE",
    "import subprocess\ntry:\n    pass\nexcept subprocess.CalledProcessError:\n    pass",
    "import subprocess\nsubprocess.TimeoutExpired",
    "import threading\nthreading.Lock()",
    "import threading\nthreading.Event()",
    "import threading\nthreading.local()",
    "import threading\nthreading.RLock()",
    "import os",
    "import subprocess",
    "import os.path\nos.path.join('a', 'b')",
    "import os\nos.sep",
    "x = 'os.system(\"rm -rf /\")'",
    "# os.system('x')\nx = 1",
    "def f():\n    '''Call os.system and exec here.'''",
    "class A:\n    def exec(self):\n        pass\n    def run(self):\n        self.exec()",
    "obj.system('x')",
    "self.exec()",
    "x.eval()",
    "import re\nre.compile('x')",
    "from re import compile\ncompile('x')",
    "def compile(x):\n    pass\ncompile('x')",
    "def f(open):\n    return open(1)",
    "from .compat import open\nopen('f', 'w')",
    "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import socket\n    socket.socket()",
    "import typing\nif typing.TYPE_CHECKING:\n    from subprocess import Popen",
    "import socket\ndef f(s: socket.socket) -> socket.socket:\n    pass",
    "import socket\nx: socket.socket = None",
    "import subprocess\ndef f() -> 'subprocess.Popen':\n    pass",
    "getattr(self, name)",
    "import importlib\nimportlib.import_module('json')",
    "__import__('json')",
    "import sys\nsys.modules[__name__]",
    "import sys\nsys.modules[cls.__module__]",
    "globals()['x'] = 1",
    "globals().update(d)",
    "import yaml\nyaml.load(s, Loader=yaml.SafeLoader)",
    "import yaml\nyaml.safe_load(s)",
    "import os\nos.getpid()",
    "import tempfile\ntempfile.gettempdir()",
    "import multiprocessing\nmultiprocessing.cpu_count()",
    "x = 1\nprint(x)",
    "import ftplib\nftplib.error_perm",
]


@pytest.mark.parametrize(("src", "expected"), POSITIVE, ids=[s for s, _ in POSITIVE])
def test_positive(src: str, expected: set[str]) -> None:
    assert caps(src) == expected


@pytest.mark.parametrize("src", NEGATIVE)
def test_negative(src: str) -> None:
    assert findings(src) == []


@pytest.mark.parametrize(("src", "expected"), [
    ("def f():\n    import os\n    os.system('x')", [("subprocess", "runtime", 3, "os.system")]),
    ("import subprocess as sp\nsp.run([])", [("subprocess", "import", 2, "subprocess.run")]),
    ("import os\nclass C:\n    e = os.environ\n    def m(self):\n        return os.getenv('x')",
     [("env", "runtime", 3, "os.environ"), ("env", "runtime", 5, "os.getenv")]),
    ("x = lambda: eval('1')", [("dynamic-code", "runtime", 1, "eval")]),
    ("def outer():\n    def inner():\n        exec('1')", [("dynamic-code", "runtime", 3, "exec")]),
    ("import os\ndef f(x=os.getenv('A')):\n    pass", [("env", "import", 2, "os.getenv")]),
    ("open('f', 'w')", [("fs-write", "import", 1, "open(mode='w')")]),
    ("open('f')", [("fs-read", "import", 1, "open(mode='r')")]),
    ("open(p, mode=m)", [("fs-read", "import", 1, "open(mode=<computed>)"),
                         ("fs-write", "import", 1, "open(mode=<computed>)")]),
    ("import io\nio.open('f', 'a')", [("fs-write", "import", 2, "io.open(mode='a')")]),
    ("import os\nos.open('f', os.O_WRONLY | os.O_CREAT)",
     [("fs-write", "import", 2, "os.open(O_CREAT|O_WRONLY)")]),
    ("import importlib\nimportlib.import_module(name)",
     [("dynamic-code", "import", 2, "importlib.import_module(<computed>)")]),
    ("__import__(n)", [("dynamic-code", "import", 1, "__import__(<computed>)")]),
    ("import os\ngetattr(os, n)", [("dynamic-code", "import", 2, "getattr(os, <computed>)")]),
    ("globals()[n]", [("dynamic-code", "import", 1, "globals()[<computed>]")]),
    ("import sys\nsys.modules[n]", [("dynamic-code", "import", 2, "sys.modules[<computed>]")]),
    ("from pathlib import Path\nPath('f').write_text('x')",
     [("fs-write", "import", 2, "pathlib.Path.write_text")]),
    ("def f(p):\n    p.read_text()", [("fs-read", "runtime", 2, "*.read_text")]),
    ("import os\nos.environ.get('X')", [("env", "import", 2, "os.environ")]),
    ("import requests\n\n\nrequests.post(\n    'u',\n)",
     [("network", "import", 4, "requests.post")]),
    ("from subprocess import run", [("subprocess", "import", 1, "subprocess.run")]),
    ("from subprocess import run\nrun([])", [("subprocess", "import", 2, "subprocess.run")]),
    ("import ctypes\nctypes.windll.kernel32", [("native", "import", 2, "ctypes.windll")]),
    ("import socket\nsocket.socket().connect(a)", [("network", "import", 2, "socket.socket")]),
])
def test_findings(src: str, expected: list[tuple[str, str, int, str]]) -> None:
    assert findings(src) == expected


@pytest.mark.parametrize("phase", [Phase.INSTALL, Phase.STARTUP])
def test_forced_phase(phase: Phase) -> None:
    src = "import os\nos.system('a')\ndef f():\n    os.getenv('x')"
    assert findings(src, phase) == [("subprocess", str(phase), 2, "os.system"),
                                    ("env", str(phase), 4, "os.getenv")]


def test_finding_path() -> None:
    [f] = scan_python(b"eval('1')", "a/b.py")
    assert (f.path, f.capability, f.phase) == ("a/b.py", Capability.DYNAMIC_CODE, Phase.IMPORT)


# ---------------------------------------------------------------- unparseable source
def test_syntax_error_is_unanalyzed_with_lexical_findings() -> None:
    src = "import os\n\ndef f(:\n    os.system('x')\n"
    assert findings(src) == [
        ("unanalyzed", "import", 3, "SyntaxError: invalid syntax (line 3)"),
        ("subprocess", "import", 4, "os.system"),
    ]


def test_python2_code() -> None:
    src = "import os\nprint 'hi'\nexec 'x = 1'\nos.popen('ls')\n"
    got = findings(src)
    assert ("unanalyzed", "import", 2,
            "SyntaxError: Missing parentheses in call to 'print'. Did you mean print(...)? "
            "(line 2)") in got
    assert ("subprocess", "import", 4, "os.popen") in got
    assert ("dynamic-code", "import", 3, "exec") in got


def test_unparseable_without_catalogued_names_is_skipped() -> None:
    assert findings("def f(:\n    return 1\n") == []


def test_bad_encoding_is_unanalyzed() -> None:
    got = findings(b"import os\nos.system('\xff')\n")
    assert got[0] == ("subprocess", "import", 2, "os.system")
    assert got[1][:3] == ("unanalyzed", "import", 2)
    assert got[1][3].startswith("SyntaxError: (unicode error) 'utf-8' codec can't decode")


def test_unparseable_forced_phase() -> None:
    got = findings("import os\nos.system(\n", Phase.INSTALL)
    assert {p for _, p, _, _ in got} == {"install"}
    assert {c for c, _, _, _ in got} == {"unanalyzed", "subprocess"}


def test_null_bytes_are_unanalyzed() -> None:
    got = findings(b"import os\x00\nos.system('x')")
    assert {c for c, _, _, _ in got} == {"unanalyzed", "subprocess"}


def test_deep_nesting_does_not_crash() -> None:
    src = "import os\nx = " + "(" * 300 + "os.system" + ")" * 300
    got = findings(src)
    assert "unanalyzed" in {c for c, _, _, _ in got} or got == [
        ("subprocess", "import", 2, "os.system")]


# ---------------------------------------------------------------- decoding
def test_decode_pep263_cookie() -> None:
    src = "# -*- coding: latin-1 -*-\nimport os\nos.system('\xe9')\n".encode("latin-1")
    assert decode_source(src).endswith("os.system('\xe9')\n")
    assert findings(src) == [("subprocess", "import", 3, "os.system")]


def test_decode_bom() -> None:
    src = b"\xef\xbb\xbfimport os\nos.system('x')\n"
    assert decode_source(src).startswith("import os")
    assert findings(src) == [("subprocess", "import", 2, "os.system")]


def test_decode_crlf_and_cr_lines() -> None:
    assert findings(b"import os\r\n\r\nos.system('x')") == [
        ("subprocess", "import", 3, "os.system")]
    assert decode_source(b"a\rb\r\n") == "a\nb\n"


def test_decode_failure_raises_syntax_error() -> None:
    with pytest.raises(SyntaxError, match="unicode error"):
        decode_source(b"x = 1\ny = 2\nz = '\xff'\n")
    with pytest.raises(SyntaxError, match="unicode error"):  # (line 1, as CPython reads it)
        decode_source(b"x = '\xff'\n")
    with pytest.raises(SyntaxError, match="encoding problem"):
        decode_source(b"# coding: no-such-codec\nx = 1\n")


def test_unicode_escape_cookie_is_decoded_like_python() -> None:
    # the raw bytes never spell "system"; Python decodes \u0073... before parsing
    src = b"# coding: unicode_escape\nimport os\nos.\\u0073ystem('x')\n"
    assert findings(src) == [("subprocess", "import", 3, "os.system")]


def test_nfkc_identifiers() -> None:
    src = "import os\nos.\uff53ystem('x')\n"  # fullwidth s: Python reads "system"
    assert findings(src) == [("subprocess", "import", 2, "os.system")]


# ---------------------------------------------------------------- targeting
TARGETED = '''\
import subprocess as sp, os
from ctypes import c_int, CDLL
from pathlib import Path

p = Path(__file__)
q = p.with_suffix(".txt")
o = os


class K:
    kind = c_int

    def go(self, cmd):
        sp.run(cmd)
        if q.exists():
            o.system(cmd)
        return CDLL(
            "libc.so.6",
        )
'''


def test_targeted_walk_finds_what_a_full_walk_finds(monkeypatch: pytest.MonkeyPatch) -> None:
    import gate.scan.python as scanner

    targeted = findings(TARGETED)
    monkeypatch.setattr(scanner, "_lines_of",
                        lambda text, words: list(range(1, text.count("\n") + 2)))
    assert findings(TARGETED) == targeted == [
        ("native", "runtime", 11, "ctypes.c_int"),
        ("subprocess", "runtime", 14, "subprocess.run"),
        ("fs-read", "runtime", 15, "pathlib.Path.exists"),
        ("subprocess", "runtime", 16, "os.system"),
        ("native", "runtime", 17, "ctypes.CDLL"),
    ]


# ---------------------------------------------------------------- phases of stored references
# A reference kept for later (a base class, a default, a monkeypatch) does nothing at import:
# the capability is used when the class or function is. Calls and reads stay ``import``.
@pytest.mark.parametrize(("src", "expected"), [
    ("import http.client\nclass Conn(http.client.HTTPConnection):\n    pass",
     [("network", "runtime", 2, "http.client.HTTPConnection")]),
    ("import threading\nclass Worker(threading.Thread):\n    pass",
     [("threads", "runtime", 2, "threading.Thread")]),
    ("import socket\nclass S(socket.socket):\n    pass",
     [("network", "runtime", 2, "socket.socket")]),
    ("from threading import Thread\n\nclass M(Thread):\n    pass",
     [("threads", "runtime", 3, "threading.Thread")]),
    ("import threading\nclass A:\n    class W(threading.Thread):\n        pass",
     [("threads", "runtime", 3, "threading.Thread")]),
    ("import socket, abc\nclass S(abc.ABC, socket.socket, metaclass=abc.ABCMeta):\n    pass",
     [("network", "runtime", 2, "socket.socket")]),
    ("import os\nclass C(wrap(os.system)):\n    pass", [("subprocess", "import", 2, "os.system")]),
    ("import urllib.request\ndef f(opener=urllib.request.urlopen):\n    pass",
     [("network", "runtime", 2, "urllib.request.urlopen")]),
    ("import os\ndef f(*, run=os.system):\n    pass", [("subprocess", "runtime", 2, "os.system")]),
    ("import os\ndef f(cmds=(os.system, [os.popen]), d={'k': os.execv}):\n    pass",
     [("subprocess", "runtime", 2, "os.execv"), ("subprocess", "runtime", 2, "os.popen"),
      ("subprocess", "runtime", 2, "os.system")]),
    ("import os\nf = lambda run=os.system: run('x')", [("subprocess", "runtime", 2, "os.system")]),
    ("def f(o=open):\n    pass", [("fs-read", "runtime", 1, "open(mode=<computed>)"),
                                  ("fs-write", "runtime", 1, "open(mode=<computed>)")]),
    ("import os\ndef f(home=os.environ['HOME']):\n    pass", [("env", "import", 2, "os.environ")]),
    ("import os\ndef f(env=os.environ | {}):\n    pass", [("env", "import", 2, "os.environ")]),
    ("import os\ndef f(x=os.getenv('A')):\n    pass", [("env", "import", 2, "os.getenv")]),
    ("import sys\n@sys.settrace\ndef tracer(frame, event, arg):\n    pass",
     [("introspection", "import", 2, "sys.settrace")]),
    ("from socket import socket as socket_cls\nW.makefile = socket_cls.makefile",
     [("network", "runtime", 2, "socket.socket")]),
    ("import os\nos.environ['A'] = '1'", [("env", "import", 2, "os.environ")]),
    ("import os\nHOME = os.environ['HOME']", [("env", "import", 2, "os.environ")]),
    ("import os\ncallback = os.system", [("subprocess", "runtime", 2, "os.system")]),
    # followed to its call, which is where it runs
    ("import os\ncallback = os.system\ncallback('x')",
     [("subprocess", "runtime", 2, "os.system"), ("subprocess", "import", 3, "os.system")]),
    ("import os\nregistry['run'] = os.system", [("subprocess", "runtime", 2, "os.system")]),
])
def test_stored_reference_phase(src: str, expected: list[tuple[str, str, int, str]]) -> None:
    assert findings(src) == expected


# ---------------------------------------------------------------- a distribution's own API
REQUESTS = frozenset({"requests"})


def own_findings(src: str, own: frozenset[str] = REQUESTS,
                 phase: Phase | None = None) -> list[tuple[str, str, int, str]]:
    return [(str(f.capability), str(f.phase), f.line, f.detail)
            for f in scan_python(src.encode(), "requests/mod.py", phase=phase, own=own)]


@pytest.mark.parametrize(("src", "expected"), [
    ("import requests\nrequests.get('u')", []),
    ("from requests.adapters import HTTPAdapter\nHTTPAdapter()", []),
    ("from requests.adapters import HTTPAdapter", []),
    ("import requests.api as a\na.request('GET', 'u')", []),
    ("from requests import *\nget('u')", []),
    ("import requests\ngetattr(requests, name)",
     [("dynamic-code", "import", 2, "getattr(requests, <computed>)")]),
    # other catalogued names are still found inside the distribution
    ("import urllib3\ndef send():\n    urllib3.PoolManager()",
     [("network", "runtime", 3, "urllib3.PoolManager")]),
    ("import requests, socket\nrequests.get(socket.socket())",
     [("network", "import", 2, "socket.socket")]),
    ("import os\ngetattr(os, name)", [("dynamic-code", "import", 2, "getattr(os, <computed>)")]),
    # a name that only starts like the own one is not under it
    ("import requests_oauth\nimport httpx\nhttpx.get('u')",
     [("network", "import", 3, "httpx.get")]),
    # unparseable, but it spells nothing else catalogued: it cannot act (pre-filter)
    ("import requests\nrequests.get(\n", []),
    ("import requests, os\nos.system(\n", [
        ("subprocess", "import", 2, "os.system"),
        ("unanalyzed", "import", 2, "SyntaxError: '(' was never closed (line 2)")]),
])
def test_own_api_is_not_evidence(src: str, expected: list[tuple[str, str, int, str]]) -> None:
    assert own_findings(src) == expected


def test_own_api_of_another_distribution_is_evidence() -> None:
    assert own_findings("import requests\nrequests.get('u')", own=frozenset({"botocore"})) == [
        ("network", "import", 2, "requests.get")]
    assert own_findings("import requests\nrequests.get('u')", own=frozenset()) == [
        ("network", "import", 2, "requests.get")]


def test_own_is_ignored_in_forced_phases() -> None:
    # setup.py calling the package's own API runs it at install: that must show
    assert own_findings("import requests\nrequests.get('u')", phase=Phase.INSTALL) == [
        ("network", "install", 2, "requests.get")]


def test_own_dotted_root() -> None:
    src = "import google.cloud.storage as s\nimport google.auth.transport as t\ns.Client()\n"
    cat_src = "import botocore.session\nbotocore.session.get_session()\n"
    assert own_findings(cat_src, own=frozenset({"botocore.session"})) == []
    assert own_findings(cat_src, own=frozenset({"botocore.client"})) == [
        ("network", "import", 2, "botocore.session.get_session")]
    assert own_findings(src, own=frozenset({"google.auth"})) == own_findings(src, own=frozenset())
