"""Red-team wave 3: code that really reaches a capability while the scanner reports neither
that capability nor ``dynamic-code`` / ``unanalyzed``.

Each case is a package whose import (or call) really does what its capability says; each
was run once with a harmless payload (``echo pwned``, a socket bound to 127.0.0.1 port 0, a
file under /tmp, ``print('pwned')``) under an audit hook on CPython 3.11 (this file does not
run them). A case passes when the scan reports its capability, ``dynamic-code`` or
``unanalyzed``, in any phase. Cases the scanner misses are ``xfail(strict=True)`` with the
mechanism as the reason: fixing one turns it into an XPASS, which fails, so move it to the
caught cases. Root causes (the reasons start with them):

  catalog:  a standard-library module or function whose effect the generated table does not
            see (no audit event on the path, a lazy attribute, a module outside the table)
  dunder:   module globals the interpreter sets (``__loader__``, ``__spec__``) are untyped
  reflect:  reflection on a standard-library object hands out a module namespace, rated
            ``introspection`` or nothing (``inspect.getmembers``, ``inspect.getmodule`` of a
            class, ``Cls.__module__``, ``method.__globals__``, ``getclosurevars``)
  held-sys: ``sys`` held by another module (``importlib.sys``): the special forms of
            ``sys.modules`` are not applied to it

Issue #11 closed all 35 (they are among the caught cases now); QUIET holds their
neighbours real packages write, which must stay quiet.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.scan.test_reach_redteam import CAUGHT_AS, case, scan, shown, src

CASES = [
    # ================================================================ caught
    case("importlib_bootstrap_external_os", "subprocess",
         'import importlib._bootstrap_external as b\nb._os.system("echo pwned")\n'),
    case("frozen_importlib_external_os", "subprocess",
         'import _frozen_importlib_external as b\nb._os.system("echo pwned")\n'),
    case("posix_system", "subprocess", 'import posix\nposix.system("echo pwned")\n'),
    case("os_path_expandvars", "env", 'import os\nx = os.path.expandvars("$HOME")\n'),
    case("posixpath_expandvars", "env", 'import posixpath\nx = posixpath.expandvars("$HOME")\n'),
    case("getpass_getuser", "env", "import getpass\nx = getpass.getuser()\n"),
    case("webbrowser_get", "subprocess", "import webbrowser\nwebbrowser.get()\n"),
    case("uuid_ip_getnode", "subprocess", "import uuid\nuuid._ip_getnode()\n"),
    case("linecache_getline", "fs-read",
         'import linecache\nlinecache.getline("/etc/hostname", 1)\n'),
    case("elementtree_write", "fs-write", src("""
        import xml.etree.ElementTree as ET
        ET.ElementTree(ET.Element("a")).write("/tmp/rt11_x.xml")
        """)),
    case("logging_basicconfig_filename", "fs-write",
         'import logging\nlogging.basicConfig(filename="/tmp/rt11_log")\n'),
    case("cprofile_dump_stats", "fs-write",
         'import cProfile\ncProfile.Profile().dump_stats("/tmp/rt11_prof")\n'),
    case("sqlite3_connect", "fs-write",
         'import sqlite3\nsqlite3.connect("/tmp/rt11.db").execute("create table t(x)")\n'),
    case("private_sqlite3_connect", "fs-write",
         'import _sqlite3\n_sqlite3.connect("/tmp/rt11_b.db")\n'),
    case("mailbox_mbox", "fs-write",
         'import mailbox\nm = mailbox.mbox("/tmp/rt11.mbox")\nm.add("x")\nm.flush()\n'),
    case("robotparser_read", "network", src("""
        import urllib.robotparser
        r = urllib.robotparser.RobotFileParser("http://127.0.0.1:9/robots.txt")
        r.read()
        """)),
    case("syslog_handler_udp", "network",
         'import logging.handlers\nlogging.handlers.SysLogHandler(address=("127.0.0.1", 9))\n'),
    case("multiprocessing_connection_client", "network",
         'import multiprocessing.connection as c\nc.Client(("127.0.0.1", 9))\n'),
    case("private_socket", "network",
         'import _socket\n_socket.socket().connect(("127.0.0.1", 9))\n'),
    case("private_io_open_w", "fs-write", 'import _io\n_io.open("/tmp/rt11_x", "w").write("x")\n'),
    case("private_io_fileio_w", "fs-write",
         'import _io\n_io.FileIO("/tmp/rt11_x", "w").write(b"x")\n'),
    case("os_open_flags_int", "fs-write",
         'import os\nos.write(os.open("/tmp/rt11_x", 577), b"x")\n'),
    case("private_ctypes_dlopen", "native", "import _ctypes\n_ctypes.dlopen(None)\n"),
    case("private_pickle_loads", "dynamic-code",
         "import _pickle\n_pickle.loads(b\"cos\\nsystem\\n(S'echo pwned'\\ntR.\")\n"),
    case("pickle_private_unpickler", "dynamic-code",
         'import io, pickle\npickle._Unpickler(io.BytesIO(b"x")).load()\n'),
    case("pickle_find_class_computed", "dynamic-code", src("""
        import pickle
        u = pickle._Unpickler(None)
        pickle._Unpickler.find_class(u, "o" + "s", "sys" + "tem")("echo pwned")
        """)),
    case("threading_timer", "threads", "import threading\nthreading.Timer(0, print).start()\n"),
    case("multiprocessing_dummy_pool", "threads",
         "import multiprocessing.dummy\nmultiprocessing.dummy.Pool(1)\n"),
    case("run_in_executor_default", "threads", src("""
        import asyncio
        async def m():
            await asyncio.get_running_loop().run_in_executor(None, print)
        asyncio.run(m())
        """)),
    case("loop_create_connection", "network", src("""
        import asyncio
        async def m():
            loop = asyncio.get_running_loop()
            await loop.create_connection(asyncio.Protocol, "127.0.0.1", 9)
        asyncio.run(m())
        """)),
    case("os_posix_spawnp", "subprocess",
         'import os\nos.posix_spawnp("echo", ["echo", "pwned"], {})\n'),
    case("pty_spawn", "subprocess", 'import pty\npty.spawn(["echo", "pwned"])\n'),
    case("distutils_spawn", "subprocess",
         'from distutils.spawn import spawn\nspawn(["echo", "pwned"])\n'),
    case("type_subclasses_of_object", "dynamic-code", src("""
        for c in type.__subclasses__(object):
            if c.__name__ == "_wrap_close":
                c.__init__.__globals__["system"]("echo pwned")
        """)),
    case("getattr_type_subclasses_computed", "dynamic-code",
         'sc = getattr(type, "__subcl" + "asses__")(object)\n'),
    case("gc_get_referents_of_print", "dynamic-code", src("""
        import gc
        b = gc.get_referents(print)[0]
        getattr(b, "exec")("print('pwned')")
        """)),
    case("gc_get_objects_module", "dynamic-code", src("""
        import gc
        for o in gc.get_objects():
            if type(o).__name__ == "module" and o.__name__ == "posix":
                o.system("echo pwned")
                break
        """)),
    case("sys_dict_modules", "subprocess",
         'import sys\nsys.__dict__["modules"]["os"].system("echo pwned")\n'),
    case("vars_builtins_at_module_level", "dynamic-code",
         'vars()["__builtins__"]["exec"]("print(\'pwned\')")\n'),
    case("globals_copy_builtins", "dynamic-code",
         'g = dict(globals())\ng["__builtins__"]["exec"]("print(\'pwned\')")\n'),
    case("traceback_frame_builtins", "dynamic-code", src("""
        try:
            1 / 0
        except Exception as e:
            e.__traceback__.tb_frame.f_builtins["exec"]("print('pwned')")
        """)),
    case("itemgetter_of_builtins", "dynamic-code",
         'import operator\noperator.itemgetter("exec")(__builtins__)("print(\'pwned\')")\n'),
    case("reduce_ex_getmodule_builtins", "dynamic-code", src("""
        import inspect
        class A: pass
        m = inspect.getmodule(A().__reduce_ex__(2)[0])
        m.__builtins__["exec"]("print('pwned')")
        """)),
    case("os_wrap_close_init_globals", "subprocess",
         'import os\nos._wrap_close.__init__.__globals__["system"]("echo pwned")\n'),
    case("stdlib_function_globals_literal", "subprocess",
         'import shutil\nshutil.copy.__globals__["os"].system("echo pwned")\n'),
    case("stdlib_class_init_globals", "subprocess",
         'import logging\nlogging.Handler.__init__.__globals__["os"].system("echo pwned")\n'),
    case("inspect_getmodule_of_function", "subprocess",
         'import inspect, shutil\ninspect.getmodule(shutil.copy).os.system("echo pwned")\n'),
    case("sys_modules_of_function_module", "subprocess",
         'import shutil, sys\nsys.modules[shutil.copy.__module__].os.system("echo pwned")\n'),
    case("inspect_getmembers_of_module", "subprocess",
         'import inspect, tempfile\n'
         'dict(inspect.getmembers(tempfile))["_os"].system("echo pwned")\n'),
    case("codeop_compile_command", "dynamic-code",
         'import codeop\ncodeop.compile_command("print(\'pwned\')")\n'),
    case("pydoc_locate_computed", "dynamic-code", "import pydoc, sys\npydoc.locate(sys.argv[0])\n"),
    case("pydoc_safeimport_computed", "dynamic-code",
         'import pydoc\npydoc.safeimport("o" + "s").system("echo pwned")\n'),
    case("doctest_normalize_module_computed", "dynamic-code",
         'import doctest\ndoctest._normalize_module("o" + "s").system("echo pwned")\n'),
    case("unittest_loader_from_name", "subprocess",
         'import unittest\nunittest.TestLoader().loadTestsFromName("os.system")\n'),
    case("mock_get_target_computed", "dynamic-code",
         'from unittest import mock\nmock._get_target("o" + "s.x")[0]().system("echo pwned")\n'),
    case("sourcefileloader_source_to_code_unbound", "dynamic-code", src("""
        import importlib.machinery as m, types
        c = m.SourceFileLoader.source_to_code(None, b"print('pwned')", "x")
        types.FunctionType(c, {})()
        """)),
    case("sourceloader_source_to_code_bootstrap", "dynamic-code", src("""
        import importlib._bootstrap_external as b, types
        types.FunctionType(b.SourceLoader.source_to_code(None, b"print('pwned')", "x"), {})()
        """)),
    case("sourcefileloader_on_a_txt", "dynamic-code", src("""
        import importlib.machinery as m, os
        p = os.path.join(os.path.dirname(__file__), "x.txt")
        m.SourceFileLoader("evil", p).load_module()
        """)),
    case("loader_class_of_own_loader", "dynamic-code",
         'type(__loader__)("evil", "/tmp/rt11_evil.py").load_module("evil")\n'),
    case("spec_loader_class_exec_module", "dynamic-code", src("""
        import types
        m = types.ModuleType("evil")
        m.__file__ = "/tmp/rt11_evil.py"
        type(__spec__.loader)("evil", "/tmp/rt11_evil.py").exec_module(m)
        """)),
    case("sys_modules_get_through_importlib_sys", "subprocess",
         'import importlib\nimportlib.sys.modules.get("os").system("echo pwned")\n'),
    case("utf7_coding_cookie", "subprocess", {
        "pkg/__init__.py": b"# coding: utf-7\n"
                           b"# +AAo-import os+ADs-os.system(+ACI-echo pwned+ACI-)\n",
    }),
    case("getmodule_of_stdlib_exception", "subprocess", src("""
        import inspect, subprocess
        inspect.getmodule(subprocess.CalledProcessError).os.system("echo pwned")
        """)),  # caught: the neighbour of getmodule_of_stdlib_class (a class with no capability)
    case("mimetypes_read_mime_types", "fs-read",
         'import mimetypes\nmimetypes.read_mime_types("/etc/hostname")\n'),
    case("cookiejar_save", "fs-write",
         'import http.cookiejar\nhttp.cookiejar.MozillaCookieJar("/tmp/rt11_ck").save()\n'),
    case("os_mkfifo", "fs-write", 'import os\nos.mkfifo("/tmp/rt11_fifo")\n'),
    case("pathlib_hardlink_to", "fs-write",
         'import pathlib\npathlib.Path("/tmp/rt11_h").hardlink_to("/tmp/rt11_x")\n'),
    case("codecs_open_w", "fs-write",
         'import codecs\ncodecs.open("/tmp/rt11_x", "w").write("x")\n'),
    case("trace_write_results", "fs-write",
         'import trace\ntrace.CoverageResults().write_results(coverdir="/tmp/rt11_cov")\n'),
    case("breakpoint_builtin", "introspection", "breakpoint()\n"),

    case("loader_get_data", "fs-read", '__loader__.get_data("/etc/hostname")\n'),
    case("spec_loader_get_data", "fs-read", '__spec__.loader.get_data("/etc/hostname")\n'),
    case("loader_source_to_code", "dynamic-code", src("""
        import types
        types.FunctionType(__loader__.source_to_code("print('pwned')", "x"), {})()
        """)),
    case("importlib_sys_modules_subscript", "subprocess",
         'import importlib\nimportlib.sys.modules["os"].system("echo pwned")\n'),
    case("shutil_sys_modules_subscript", "subprocess",
         'import shutil\nshutil.sys.modules["os"].system("echo pwned")\n'),
    case("warnings_sys_modules_subscript", "subprocess",
         'import warnings\nwarnings.sys.modules["os"].system("echo pwned")\n'),
    case("held_sys_modules_alias", "subprocess", src("""
        import importlib as il
        m = il.sys.modules
        m["os"].system("echo pwned")
        """)),

    case("getmembers_of_print_dict", "dynamic-code", src("""
        import inspect
        b = dict(inspect.getmembers(print))["__self__"]
        getattr(b, "exec")("print('pwned')")
        """)),
    case("getmembers_of_print_loop", "dynamic-code", src("""
        import inspect
        for k, v in inspect.getmembers(print):
            if k.endswith("self__"):
                v.exec("print('pwned')")
        """)),
    case("getmodule_of_stdlib_class", "subprocess", src("""
        import inspect, tempfile
        inspect.getmodule(tempfile.TemporaryDirectory)._os.system("echo pwned")
        """)),
    case("sys_modules_of_class_module", "subprocess", src("""
        import sys, tempfile
        sys.modules[tempfile.TemporaryDirectory.__module__]._os.system("echo pwned")
        """)),
    case("sys_modules_of_instance_type_module", "subprocess", src("""
        import sys, tempfile
        t = tempfile.TemporaryDirectory()
        sys.modules[type(t).__module__]._os.system("echo pwned")
        """)),
    case("stdlib_method_globals", "subprocess", src("""
        import tempfile
        g = tempfile.TemporaryDirectory.cleanup.__globals__
        g["_os"].system("echo pwned")
        """)),
    case("stdlib_bound_method_func_globals", "subprocess", src("""
        import tempfile
        t = tempfile.TemporaryDirectory()
        t.cleanup.__func__.__globals__["_os"].system("echo pwned")
        """)),
    case("getclosurevars_globals", "subprocess", src("""
        import inspect, shutil
        inspect.getclosurevars(shutil.copy).globals["os"].system("echo pwned")
        """)),
    case("getclosurevars_private_alias", "subprocess", src("""
        import inspect, tempfile
        inspect.getclosurevars(tempfile.mkdtemp).globals["_os"].system("echo pwned")
        """)),

    case("platform_processor", "subprocess", "import platform\nplatform.processor()\n"),
    case("platform_uname_processor", "subprocess",
         "import platform\nplatform.uname().processor\n"),
    case("platform_architecture", "subprocess",
         'import platform\nplatform.architecture("/bin/ls")\n'),
    case("xxsubinterpreters_run_string", "subprocess", src("""
        import _xxsubinterpreters as s
        s.run_string(s.create(), "import os; os.system('echo pwned')")
        """)),
    case("testcapi_run_in_subinterp", "subprocess",
         "import _testcapi\n_testcapi.run_in_subinterp(\"import os; os.system('echo pwned')\")\n"),
    case("import_antigravity", "subprocess", "import antigravity\n"),
    case("idlelib_executive_runcode", "dynamic-code", src("""
        from idlelib import run
        run.Executive(None).runcode("print('pwned')")
        """)),
    case("idlelib_rpc_client_listens", "network", src("""
        from idlelib import rpc
        c = rpc.RPCClient(("127.0.0.1", 0))
        """)),
    case("lib2to3_write_file", "fs-write", src("""
        from lib2to3 import refactor
        refactor.RefactoringTool([]).write_file("x = 1\\n", "/tmp/rt11_l2t.py", None)
        """)),
    case("posixshmem_shm_open", "fs-write", src("""
        import _posixshmem, os
        fd = _posixshmem.shm_open("/rt11", os.O_CREAT | os.O_RDWR, 0o600)
        os.write(fd, b"pwned")
        """)),
    case("faulthandler_watchdog_thread", "threads",
         "import faulthandler\nfaulthandler.dump_traceback_later(60)\n"),
    case("readline_write_history_file", "fs-write",
         'import readline\nreadline.write_history_file("/tmp/rt11_hist")\n'),
    case("private_tkinter_exec", "subprocess", src("""
        import _tkinter
        t = _tkinter.create(None, "x", "Tk", False, True, False, False, None)
        t.call("exec", "echo", "pwned")
        """)),
    case("test_support_script_helper", "subprocess", src("""
        from test.support import script_helper
        script_helper.run_python_until_end("-c", "import os; os.system('echo pwned')")
        """)),
    case("test_support_import_module_computed", "dynamic-code", src("""
        from test.support import import_helper
        import_helper.import_module("o" + "s").system("echo pwned")
        """)),
    case("mock_patch_getter_computed", "dynamic-code", src("""
        from unittest import mock
        mock.patch("o" + "s.x", create=True).getter().system("echo pwned")
        """)),
    case("tracemalloc_snapshot_dump", "fs-write", src("""
        import tracemalloc
        tracemalloc.start()
        tracemalloc.take_snapshot().dump("/tmp/rt11_tm")
        """)),
    case("fileinput_inplace", "fs-write", src("""
        import fileinput
        for line in fileinput.input("/tmp/rt11_x", inplace=True):
            print(line, end="")
        """)),
    case("os_get_exec_path", "env", "import os\nx = os.get_exec_path()\n"),
]


# Neighbours of the fixed cases that must stay quiet (no dynamic-code, no new capability):
# what real packages write next to them.
QUIET = [
    pytest.param('from unittest import mock\nmock.patch("os.system")\n', "dynamic-code",
                 id="mock_patch_literal"),
    pytest.param('from unittest import mock\nmock.patch(f"{__name__}.x")\n', "dynamic-code",
                 id="mock_patch_this_module"),
    pytest.param('import os\nfrom unittest import mock\nmock.patch.dict(os.environ, {})\n',
                 "dynamic-code", id="mock_patch_dict_mapping"),
    pytest.param('from unittest import mock\nmock.patch.object(int, "x")\n', "dynamic-code",
                 id="mock_patch_object"),
    pytest.param('import fileinput\nfor line in fileinput.input("x"):\n    pass\n',
                 "fs-write", id="fileinput_read_only"),
    pytest.param('import fileinput\nfileinput.input("x", inplace=False)\n', "fs-write",
                 id="fileinput_inplace_false"),
    pytest.param("import tkinter.ttk\n", "dynamic-code", id="import_under_a_wildcard"),
    pytest.param("import platform\nx = platform.system(), platform.machine()\n",
                 "subprocess", id="platform_system"),
    pytest.param("import threading\nt = threading.current_thread().name\n", "threads",
                 id="current_thread"),
    pytest.param("import sys\nm = sys.modules[type(self).__module__].__name__\n",
                 "dynamic-code", id="module_of_a_class_named"),
    pytest.param("x = __spec__.name, __spec__.parent\n", "fs-read", id="spec_fields"),
    pytest.param('import inspect\ninspect.getmembers(object())\n', "dynamic-code",
                 id="getmembers_of_an_instance"),
    pytest.param('from unittest import mock\nmock.patch(f"")\n', "dynamic-code",
                 id="mock_patch_empty_fstring"),  # (it stopped the scan: IndexError)
]


@pytest.mark.parametrize(("source", "cap"), QUIET)
def test_neighbours_stay_quiet(source: str, cap: str) -> None:
    found = [(str(f.capability), f.detail) for f in scan(source, Path())]
    assert not [f for f in found if f[0] == cap], found


def fail_unless_found(files: str | dict[str, str | bytes], cap: str, tmp_path: Path) -> None:
    """Fails the test unless scanning ``files`` reports ``cap`` (or ``CAUGHT_AS``) in any
    phase, with what was found (the check of the red-team waves 3 to 5)."""
    found = scan(files, tmp_path)
    if not [f for f in found if str(f.capability) in (cap, *CAUGHT_AS)]:
        pytest.fail(f"no {cap} (nor dynamic-code/unanalyzed) finding: {shown(found)}",
                    pytrace=False)


@pytest.mark.parametrize(("files", "cap"), CASES)
def test_reaches_capability_with_a_finding(files: str | dict[str, str | bytes], cap: str,
                                           tmp_path: Path) -> None:
    fail_unless_found(files, cap, tmp_path)
