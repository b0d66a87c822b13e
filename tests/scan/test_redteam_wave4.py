"""Red-team wave 4: code that really reaches a capability while the scanner reports neither
that capability nor ``dynamic-code`` / ``unanalyzed``.

Each case is a package whose import (or, for entry points, whose command) really does what
its capability says; each bypass was run once with a harmless payload (``echo pwned``,
``print('pwned')``, a file under /tmp, a connection to a listener on 127.0.0.1) under an
audit hook, on the CPython versions its name or reason gives (3.11.7, 3.12.1, 3.13.0 from
pyenv; Debian's 3.11.2 for sqlite's extension loading). This file does not run them. A case
passes when the scan reports its capability, ``dynamic-code`` or ``unanalyzed``, in any
phase. Cases the scanner misses are ``xfail(strict=True)`` with the mechanism as the reason:
fixing one turns it into an XPASS, which fails, so move it to the caught cases. The root
causes of those left (the reasons start with them):

  env/fixed:  (low) standard-library helpers that return environment variables or read
              fixed system files, rated harmless by hand

Closed since (their cases caught, in place): ``reflect``, a standard-library instance
attribute holding a module (``catch_warnings()._module``: the table reads what methods
store on ``self``); ``code-data``, annotations stored as data
(gate/scan/python_annotations.py) and a ForwardRef evaluated on another line
(``._evaluate`` on any receiver). Wave 5 (test_redteam_wave5.py) pins what is left of them.

The wave's other root causes are closed, their cases caught: the source's encoding, 3.12+
syntax, other reflective spellings, ``__subclasses__`` of an own class rebound unseen, loop
names rebound unseen, imports the standard library makes, the table's gaps, entry points
into the standard library.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gate.scan import scan_artifact
from tests.builders import build_wheel
from tests.scan.test_reach_redteam import CAUGHT_AS, _zip, case, scan, src
from tests.scan.test_redteam_wave3 import fail_unless_found

# a first line that is not UTF-8 (``tokenize`` refuses it), the cookie on line 2 (CPython
# reads it: its tokenizer only asks that line 1 be a comment)
LATIN1 = b"#\xff\n# coding: latin-1\n"
SJIS = b"#\xa1\n# coding: shift_jis\n"  # \xa1 is a half-width katakana in shift_jis
PTH = "import os; os.system('echo pwned')\n"
# ``import os; os.system(...)`` with every letter of ``os`` and ``system`` fullwidth
FULLWIDTH_OS_SYSTEM = ("import \uff4f\uff53\n\uff4f\uff53.\uff53\uff59\uff53\uff54\uff45\uff4d"
                       '("echo pwned")\n')
POPEN = '        if c.__name__ == "Popen":\n            c(["echo", "pwned"]).wait()\n'


def _zip_name_mismatch() -> bytes:
    """A zip whose local header names ``nice.py`` and central directory ``evil.py``
    (zipimport reads the central directory only; zipfile refuses the member)."""
    data = bytearray(_zip({"evil.py": "import os\nos.system('echo pwned')\n"}))
    i = data.find(b"evil.py")
    data[i:i + 7] = b"nice.py"
    return bytes(data)


CASES = [
    # ================================================================ caught
    # ---- builtins and modules through objects
    case("reduce_getattr_print_self", "dynamic-code", src("""
        import functools
        functools.reduce(getattr, ["__self__", "exec"], print)("print('pwned')")
        """)),
    case("builtinfunctiontype_getattribute", "dynamic-code", src("""
        import types
        types.BuiltinFunctionType.__getattribute__(print, "__se" + "lf__").exec("print('pwned')")
        """)),
    case("attrgetter_dotted_print", "dynamic-code",
         'import operator\noperator.attrgetter("__self__.exec")(print)("print(\'pwned\')")\n'),
    case("starmap_getattr_print", "dynamic-code", src("""
        import itertools
        b = next(itertools.starmap(getattr, [(print, "__self__")]))
        b.exec("print('pwned')")
        """)),
    case("classmethod_getattr_print", "dynamic-code",
         'b = classmethod(getattr).__get__(None, print)("__self__")\nb.exec("print(\'pwned\')")\n'),
    case("methodtype_getattr_print", "dynamic-code",
         'import types\nb = types.MethodType(getattr, print)("__self__")\n'
         'b.exec("print(\'pwned\')")\n'),
    case("partial_getattr_print_literal", "dynamic-code",
         'import functools\n'
         'functools.partial(getattr, print, "__self__")().exec("print(\'pwned\')")\n'),
    case("lambda_builtins_attr", "dynamic-code",
         '(lambda: 0).__builtins__["exec"]("print(\'pwned\')")\n'),
    case("reduce_ex_newobj_globals", "dynamic-code", src("""
        f = object().__reduce_ex__(2)[0]
        f.__globals__["__builtins__"]["exec"]("print('pwned')")
        """)),
    case("currentframe_f_builtins", "dynamic-code",
         'import inspect\ninspect.currentframe().f_builtins["exec"]("print(\'pwned\')")\n'),
    case("asyncgen_ag_frame", "dynamic-code", src("""
        async def g():
            yield 1
        g().ag_frame.f_builtins["exec"]("print('pwned')")
        """)),
    case("exc_info_tb_frame_builtins", "dynamic-code", src("""
        import sys
        try:
            1 / 0
        except Exception:
            sys.exc_info()[2].tb_frame.f_builtins["exec"]("print('pwned')")
        """)),
    case("getmodule_of_print", "dynamic-code",
         'import inspect\ninspect.getmodule(print).exec("print(\'pwned\')")\n'),
    case("sys_modules_of_print_module", "dynamic-code",
         'import sys\nsys.modules[print.__module__].exec("print(\'pwned\')")\n'),
    case("sys_modules_of_int_module", "dynamic-code",
         'import sys\nsys.modules[int.__module__].exec("print(\'pwned\')")\n'),
    case("import_module_of_len_module", "dynamic-code",
         'import importlib\nimportlib.import_module(len.__module__).exec("print(\'pwned\')")\n'),
    case("dunder_import_object_module", "dynamic-code",
         '__import__(object.__module__).exec("print(\'pwned\')")\n'),
    case("open_self_fileio", "fs-write", 'open.__self__.FileIO("/tmp/rt_w4o", "w").write(b"x")\n'),
    case("loader_class_init_globals", "subprocess",
         '__loader__.__class__.__init__.__globals__["_os"].system("echo pwned")\n'),
    case("loader_get_data_func_globals", "subprocess",
         '__loader__.get_data.__func__.__globals__["_os"].system("echo pwned")\n'),
    case("third_party_function_globals", "subprocess",
         'from pip._internal.utils import misc\nmisc.ask.__globals__["os"].system("echo pwned")\n'),
    case("getattr_static_module_folded", "subprocess",
         'import inspect, os\ninspect.getattr_static(os, "sys" + "tem")("echo pwned")\n'),
    case("getattr_static_module_computed", "dynamic-code",
         'import inspect, os\ninspect.getattr_static(os, "metsys"[::-1])("echo pwned")\n'),
    case("super_of_module_type", "dynamic-code",
         'import os, types\n'
         'super(types.ModuleType, os).__getattribute__("metsys"[::-1])("echo pwned")\n'),
    case("moduletype_dict_descriptor", "dynamic-code",
         'import os, types\ntypes.ModuleType.__dict__["__dict__"].__get__(os)'
         '["metsys"[::-1]]("echo pwned")\n'),
    case("dir_then_getattr_module", "dynamic-code",
         'import os\nfor k in dir(os):\n    if k == "metsys"[::-1]:\n'
         '        getattr(os, k)("echo pwned")\n'),
    case("vars_module_values", "dynamic-code",
         'import os\n[v for v in vars(os).values() if getattr(v, "__name__", "") == '
         '"metsys"[::-1]][0]("echo pwned")\n'),
    case("sorted_module_items", "dynamic-code",
         'import os\ndict(sorted(os.__dict__.items()))["metsys"[::-1]]("echo pwned")\n'),
    # ---- namespaces and modules through containers and operators
    case("globals_union", "dynamic-code",
         'import os\n(globals() | {})["so"[::-1]].system("echo pwned")\n'),
    case("chainmap_globals", "dynamic-code",
         'import os, collections\n'
         'collections.ChainMap(globals())["so"[::-1]].system("echo pwned")\n'),
    case("mappingproxy_sys_modules", "dynamic-code",
         'import sys, types\n'
         'types.MappingProxyType(sys.modules)["so"[::-1]].system("echo pwned")\n'),
    case("dict_get_unbound_sys_modules", "dynamic-code",
         'import sys\ndict.get(sys.modules, "so"[::-1]).system("echo pwned")\n'),
    case("dict_getitem_unbound_globals", "dynamic-code",
         'import os\ndict.__getitem__(globals(), "so"[::-1]).system("echo pwned")\n'),
    case("copy_copy_globals", "dynamic-code",
         'import os, copy\ncopy.copy(globals())["so"[::-1]].system("echo pwned")\n'),
    case("sys_modules_union", "dynamic-code",
         'import sys\n(sys.modules | {})["so"[::-1]].system("echo pwned")\n'),
    case("or_module_value", "subprocess", 'import os\n(0 or os).system("echo pwned")\n'),
    case("module_or_default_computed", "dynamic-code",
         'import os\ngetattr(os or None, "metsys"[::-1])("echo pwned")\n'),
    case("ifexp_module_computed", "dynamic-code",
         'import os, sys\ngetattr(os if 1 else sys, "metsys"[::-1])("echo pwned")\n'),
    case("walrus_module_computed", "dynamic-code",
         'import os\ngetattr((m := os), "metsys"[::-1])("echo pwned")\n'),
    case("module_in_set_pop", "dynamic-code",
         'import os\ngetattr({os}.pop(), "metsys"[::-1])("echo pwned")\n'),
    # ---- __subclasses__ of an own class whose name was rebound (caught forms)
    case("own_class_mro_last", "dynamic-code",
         "import asyncio\nclass A:\n    pass\nfor c in A.mro()[-1].__subclasses__():\n" + POPEN),
    case("own_class_bases", "dynamic-code",
         "import asyncio\nclass A:\n    pass\nfor c in A.__bases__[0].__subclasses__():\n" + POPEN),
    case("own_class_class_subclasses", "dynamic-code",
         "import asyncio\nclass A:\n    pass\nfor c in A.__class__.__subclasses__(object):\n"
         + POPEN),
    case("own_class_rebound_by_global_func", "dynamic-code",
         "import asyncio\nclass A:\n    pass\ndef g():\n    global A\n    A = object\ng()\n"
         "for c in A.__subclasses__():\n" + POPEN),
    case("own_class_rebound_via_for", "dynamic-code",
         "import asyncio\nclass A:\n    pass\nfor A in (object,):\n    pass\n"
         "for c in A.__subclasses__():\n" + POPEN),
    case("own_class_rebound_via_import", "dynamic-code",
         "import asyncio\nclass A:\n    pass\nfrom builtins import object as A\n"
         "for c in A.__subclasses__():\n" + POPEN),
    case("own_class_rebound_via_with", "dynamic-code",
         "import asyncio, contextlib\nclass A:\n    pass\n"
         "with contextlib.nullcontext(object) as A:\n    pass\n"
         "for c in A.__subclasses__():\n" + POPEN),
    case("own_class_walrus", "dynamic-code",
         "import asyncio\nclass A:\n    pass\nif (A := object):\n    pass\n"
         "for c in A.__subclasses__():\n" + POPEN),
    # ---- loop over literal names, rebound in the body (caught forms)
    case("loop_name_rebound_by_comprehension_walrus", "subprocess", src("""
        import os
        for n in ("sep",):
            [(n := "sys" "tem") for _ in "x"]
            getattr(os, n)("echo pwned")
        """)),
    case("loop_name_rebound_by_match_capture", "subprocess", src("""
        import os
        for n in ("sep",):
            match "system":
                case n:
                    pass
            getattr(os, n)("echo pwned")
        """)),
    case("loop_name_rebound_by_import_as", "dynamic-code", src("""
        import os
        for n in ("sep",):
            from string import ascii_letters as n
            getattr(os, n[18] + "ystem")("echo pwned")
        """)),
    case("loop_name_rebound_in_with", "dynamic-code", src("""
        import os, contextlib
        for n in ("sep",):
            with contextlib.nullcontext("metsys"[::-1]) as n:
                getattr(os, n)("echo pwned")
        """)),
    case("loop_name_rebound_by_inner_loop", "dynamic-code", src("""
        import os
        for n in ("sep",):
            for n in ["metsys"[::-1]]:
                pass
            getattr(os, n)("echo pwned")
        """)),
    # ---- the import system
    case("importlib_dunder_import_computed", "dynamic-code",
         'import importlib\nimportlib.__import__("so"[::-1]).system("echo pwned")\n'),
    case("importlib_dunder_import_folded", "subprocess",
         'import importlib\nimportlib.__import__("o" + "s").system("echo pwned")\n'),
    case("site_addsitedir_pth", "dynamic-code", {
        "pkg/__init__.py": "import os, site\nsite.addsitedir(os.path.dirname(__file__))\n",
        "pkg/evil.pth": PTH}),
    case("data_scheme_site_packages_pth", "startup-hooks", {
        "pkg/__init__.py": "", "pkg-1.0.data/data/lib/python3.11/site-packages/evil.pth": PTH}),
    case("data_scheme_lib64_pth", "startup-hooks", {
        "pkg/__init__.py": "",
        "pkg-1.0.data/data/lib64/python3.11/site-packages/evil.pth": PTH}),
    case("data_scheme_dist_packages_pth", "startup-hooks", {
        "pkg/__init__.py": "", "pkg-1.0.data/data/lib/python3/dist-packages/evil.pth": PTH}),
    case("path_importer_cache_filefinder", "dynamic-code", {
        "pkg/__init__.py": src("""
            import sys, importlib.machinery as m
            d = __path__[0]
            sys.path_importer_cache[d] = m.FileFinder(d, (m.SourceFileLoader, [".txt"]))
            from . import payload
            """),
        "pkg/payload.txt": "import os\nos.system('echo pwned')\n"}),
    case("imp_load_source", "dynamic-code",
         'import imp\nimp.load_source("evil", "/tmp/evil.py")\n'),
    case("imp_create_dynamic", "native", src("""
        import _imp, importlib.util
        _imp.create_dynamic(importlib.util.spec_from_file_location("x", "/tmp/x.so"))
        """)),
    case("imp_load_dynamic", "native", 'import imp\nimp.load_dynamic("x", "/tmp/x.so")\n'),
    case("extension_file_loader", "native", src("""
        import importlib.machinery as m, importlib.util as u
        loader = m.ExtensionFileLoader("x", "/tmp/x.so")
        loader.create_module(u.spec_from_loader("x", loader))
        """)),
    case("pkgutil_walk_packages", "dynamic-code",
         'import pkgutil\nfor _ in pkgutil.walk_packages(["/tmp/rt_w4"]):\n    pass\n'),
    case("zip_local_header_name_mismatch", "subprocess", {
        "pkg/__init__.py": src("""
            import os, sys
            sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib.zip"))
            import evil
            """),
        "pkg/lib.zip": _zip_name_mismatch()}),
    # ---- the source's encoding and syntax (caught forms)
    case("latin1_cookie_line2_direct", "subprocess",
         {"pkg/__init__.py": LATIN1 + b'import os\nos.system("echo pwned")\n'}),
    case("latin1_cookie_line2_in_the_exporting_module", "subprocess", {
        "pkg/__init__.py": b"", "pkg/compat.py": LATIN1 + b"import subprocess as sp\n",
        "pkg/use.py": b'from .compat import sp\nsp.run(["echo", "pwned"])\n'}),
    case("utf7_cookie_after_a_long_first_line", "subprocess", {
        "pkg/__init__.py": "",
        "pkg/compat.py": "#" + "x" * 420 + " coding: utf-7\n# +AAo-import subprocess as sp\n",
        "pkg/use.py": 'from .compat import sp\nsp.run(["echo", "pwned"])\n'}),
    case("utf7_cookie_line2_after_a_long_first_line", "subprocess", {
        "pkg/__init__.py": "",
        "pkg/compat.py": "#" + "x" * 420 + "\n# coding: utf-7\n# +AAo-import subprocess as sp\n",
        "pkg/use.py": 'from .compat import sp\nsp.run(["echo", "pwned"])\n'}),
    case("py312_type_params_default", "subprocess",
         'import os\ndef f[T](x: T = os.system("echo pwned")): pass\n'),
    case("py312_type_alias_value", "subprocess",
         'import os\ntype X = os.system("echo pwned")\nX.__value__\n'),
    case("py312_fstring_nested_quotes", "subprocess",
         'import os\nx = f"{os.system("echo pwned")}"\n'),
    # ---- code in data
    case("future_annotations_get_type_hints", "subprocess", src("""
        from __future__ import annotations
        import typing
        def f(x: __import__("os").system("echo pwned")): pass
        typing.get_type_hints(f)
        """)),
    case("timeit_stmt", "dynamic-code",
         'import timeit\ntimeit.timeit("__imp" + "ort__(\'os\')", number=1)\n'),
    case("pdb_runeval", "dynamic-code", 'import pdb\npdb.Pdb().runeval("1+1")\n'),
    case("bdb_run", "dynamic-code", 'import bdb\nbdb.Bdb().run("print(1)")\n'),
    case("code_interactive_runsource", "dynamic-code",
         'import code\ncode.InteractiveInterpreter().runsource("print(1)")\n'),
    case("shelve_shelf_over_a_dict", "dynamic-code", src("""
        import shelve
        s = shelve.Shelf({"k": b"cos\\nsystem\\n(S'echo pwned'\\ntR."})
        s["k"]
        """)),
    case("logging_fileconfig", "dynamic-code",
         'import logging.config\nlogging.config.fileConfig("/tmp/x.ini")\n'),
    case("logging_dictconfig_handler_class", "fs-write",
         'import logging.config\nlogging.config.dictConfig({"version": 1, "handlers": {"h": '
         '{"class": "logging.FileHandler", "filename": "/tmp/rt_w4log"}}, '
         '"root": {"handlers": ["h"]}})\n'),
    case("doctest_testfile", "dynamic-code", {
        "pkg/__init__.py": 'import doctest\ndoctest.testfile("payload.txt")\n',
        "pkg/payload.txt": ">>> __import__('os').system('echo pwned')\n0\n"}),
    case("pickle_roundtrip_reduce", "subprocess", src("""
        import pickle, os
        class A:
            def __reduce__(self):
                return (os.system, ("echo pwned",))
        pickle.loads(pickle.dumps(A()))
        """)),
    case("weakref_finalize", "subprocess",
         'import weakref, os\n'
         'class A: pass\na = A()\nweakref.finalize(a, os.system, "echo pwned")\n'),
    case("operator_call", "subprocess",
         'import operator, os\noperator.call(os.system, "echo pwned")\n'),
    # ---- standard-library capabilities
    case("sqlite_memory_attach", "fs-write", src("""
        import sqlite3
        c = sqlite3.connect(":memory:")
        c.execute("ATTACH DATABASE '/tmp/rt_w4.db' AS x")
        c.execute("create table x.t(a)")
        """)),
    case("sqlite_vacuum_into", "fs-write",
         'import sqlite3\nsqlite3.connect(":memory:").execute("VACUUM INTO \'/tmp/rt_w4b.db\'")\n'),
    case("resources_files_write_text", "fs-write",
         'import importlib.resources\n'
         'importlib.resources.files("pkg").joinpath("x.txt").write_text("pwned")\n'),
    case("metadata_locate_file_write", "fs-write",
         'import importlib.metadata\n'
         'importlib.metadata.distribution("pip").locate_file("x.txt").write_text("pwned")\n'),
    case("path_home_joinpath_write", "fs-write",
         'import pathlib\npathlib.Path.home().joinpath("rt_w4").write_text("pwned")\n'),
    case("pathlib_write_bytes_unbound", "fs-write",
         'import pathlib\npathlib.Path.write_bytes(pathlib.Path("/tmp/rt_w4u"), b"x")\n'),
    case("importlib_resources_as_file", "fs-write",
         'import importlib.resources as r\nwith r.as_file(r.files("pkg") / "x") as p:\n    pass\n'),
    case("zipfile_path_write", "fs-write",
         'import zipfile\nzipfile.Path(zipfile.ZipFile("/tmp/rt_w4.zip", "a"))'
         '.joinpath("x").open("w").write("p")\n'),
    case("tempfile_spooled_rollover", "fs-write",
         'import tempfile\nt = tempfile.SpooledTemporaryFile(1)\nt.write(b"xx")\n'),
    case("os_fdopen_flags", "fs-write",
         'import os\nos.fdopen(os.open("/tmp/rt_w4", os.O_WRONLY | os.O_CREAT), "w").write("x")\n'),
    case("io_open_code", "fs-read", 'import io\nio.open_code("/etc/hostname").read()\n'),
    case("os_memfd_exec", "subprocess",
         'import os\nfd = os.memfd_create("x")\nos.write(fd, b"#!/bin/sh\\necho pwned\\n")\n'
         'os.execv(f"/proc/self/fd/{fd}", ["x"])\n'),
    case("shutil_unpack_archive", "fs-write",
         'import shutil\nshutil.unpack_archive("/tmp/a.tar", "/tmp/rt_w4_out")\n'),
    case("shutil_copyfile", "fs-write",
         'import shutil\nshutil.copyfile("/etc/hostname", "/tmp/rt_w4cp")\n'),
    case("os_scandir_entry_unlink", "fs-write",
         'import os\nfor e in os.scandir("/tmp/rt_w4d"):\n    os.unlink(e)\n'),
    case("http_server_cgi_handler", "subprocess",
         'import http.server\nhttp.server.test(http.server.CGIHTTPRequestHandler, port=0)\n'),
    case("socketserver_unix", "network",
         'import socketserver\n'
         'socketserver.UnixStreamServer("/tmp/rt_w4.sock", socketserver.BaseRequestHandler)\n'),
    case("asyncio_start_unix_server", "network",
         'import asyncio\nasync def m():\n'
         '    await asyncio.start_unix_server(lambda r, w: None, "/tmp/rt_w4b.sock")\n'
         'asyncio.run(m())\n'),
    case("smtp_ssl", "network", 'import smtplib\nsmtplib.SMTP_SSL("127.0.0.1", 9)\n'),
    case("imaplib_stream", "subprocess", 'import imaplib\nimaplib.IMAP4_stream("echo pwned")\n'),
    case("poplib_pop3", "network", 'import poplib\npoplib.POP3("127.0.0.1", 9)\n'),
    case("dom_xmlbuilder_parseuri", "network",
         'from xml.dom import xmlbuilder\n'
         'xmlbuilder.DOMBuilder().parseURI("http://127.0.0.1:9/x")\n'),
    case("dbm_dumb_open", "fs-write",
         'import dbm.dumb\ndbm.dumb.open("/tmp/rt_w4db", "c")["k"] = "v"\n'),
    case("mailbox_maildir", "fs-write",
         'import mailbox\nmailbox.Maildir("/tmp/rt_w4md", create=True).add("x")\n'),
    case("zipapp_create", "fs-write",
         'import zipapp\nzipapp.create_archive("/tmp/rt_w4src", "/tmp/rt_w4.pyz")\n'),
    case("compileall_dir", "fs-write",
         'import compileall\ncompileall.compile_dir("/tmp/rt_w4src")\n'),
    case("wave_open_w", "fs-write", 'import wave\nw = wave.open("/tmp/rt_w4.wav", "wb")\n'),
    case("sunau_open_w", "fs-write", 'import sunau\nsunau.open("/tmp/rt_w4.au", "w")\n'),
    case("bz2_file_w", "fs-write", 'import bz2\nbz2.BZ2File("/tmp/rt_w4.bz2", "w").write(b"x")\n'),
    case("lzma_open_w", "fs-write", 'import lzma\nlzma.open("/tmp/rt_w4.xz", "wb").write(b"x")\n'),
    case("netrc_read", "fs-read", "import netrc\nnetrc.netrc()\n"),
    case("configparser_read", "fs-read",
         'import configparser\nconfigparser.ConfigParser().read("/etc/hostname")\n'),
    case("sitebuiltins_printer_reads", "fs-read",
         'import _sitebuiltins\nrepr(_sitebuiltins._Printer("x", "", ["/etc/hostname"], [""]))\n'),
    case("tkinter_tcl_eval", "subprocess",
         'import tkinter\ntkinter.Tcl().eval("exec echo pwned")\n'),
    case("venv_create_with_pip", "subprocess",
         'import venv\nvenv.create("/tmp/rt_w4_venv", with_pip=True)\n'),
    case("ensurepip_bootstrap", "subprocess",
         'import ensurepip\nensurepip.bootstrap(root="/tmp/rt_w4")\n'),
    case("bootsubprocess_check_output", "subprocess",
         'import _bootsubprocess\n_bootsubprocess.check_output(["echo", "pwned"])\n'),
    case("osx_support_read_output", "subprocess",
         'import _osx_support\n_osx_support._read_output("echo pwned")\n'),
    case("aix_support_bos_rte", "subprocess", "import _aix_support\n_aix_support._aix_bos_rte()\n"),
    case("testinternalcapi_subinterp", "dynamic-code",
         "import _testinternalcapi as t\n"
         "t.run_in_subinterp_with_config(\"import os; os.system('echo pwned')\")\n"),
    case("resource_tracker_ensure_running", "subprocess",
         "from multiprocessing import resource_tracker\nresource_tracker.ensure_running()\n"),
    case("forkserver_ensure_running", "subprocess",
         "from multiprocessing import forkserver\nforkserver.ensure_running()\n"),
    case("mp_util_spawnv_passfds", "subprocess",
         'from multiprocessing import util\n'
         'util.spawnv_passfds("/bin/echo", ["echo", "pwned"], [])\n'),
    case("posixsubprocess_fork_exec", "subprocess",
         "import _posixsubprocess\nf = _posixsubprocess.fork_exec\n"),
    case("os_killpg", "subprocess", "import os\nos.killpg(os.getpgid(0), 0)\n"),
    case("ctypes_util_find_library", "subprocess",
         'import ctypes.util\nctypes.util.find_library("c")\n'),
    case("ctypes_pydll_none", "native",
         'import ctypes\nctypes.PyDLL(None).system(b"echo pwned")\n'),
    case("ctypes_cast_funcptr", "native",
         "import ctypes\nctypes.cast(0, ctypes.CFUNCTYPE(None))\n"),
    case("ctypes_memmove", "native", "import ctypes\nctypes.memmove(0, 0, 0)\n"),
    case("ctypes_pythonapi", "dynamic-code",
         'import ctypes\nctypes.pythonapi.PyRun_SimpleString(b"print(1)")\n'),
    case("signal_setitimer", "threads", "import signal\nsignal.setitimer(signal.ITIMER_REAL, 1)\n"),
    case("thread_start_new_thread", "threads",
         'import _thread\n_thread.start_new_thread(print, ("pwned",))\n'),
    case("asyncio_to_thread", "threads",
         "import asyncio\nasync def m():\n    await asyncio.to_thread(print)\nasyncio.run(m())\n"),
    case("queue_listener_start", "threads",
         "import logging.handlers, queue\nlogging.handlers.QueueListener(queue.Queue()).start()\n"),
    case("multiprocessing_threadpool", "threads",
         "import multiprocessing.pool\nmultiprocessing.pool.ThreadPool(1)\n"),
    case("sys_monitoring_callback_312", "introspection",
         'import sys\n'
         'sys.monitoring.use_tool_id(3, "x")\nsys.monitoring.register_callback(3, 1, print)\n'),
    case("threading_setprofile_all_312", "introspection",
         "import threading\nthreading.setprofile_all_threads(print)\n"),
    case("sys_current_frames", "introspection", "import sys\nsys._current_frames()\n"),
    case("getproxies_env", "env", "import urllib.request\nx = urllib.request.getproxies()\n"),
    case("expanduser_env", "env", 'import os\nx = os.path.expanduser("~")\n'),
    case("posix_environ", "env", 'import posix\nx = posix.environ[b"HOME"]\n'),
    # ---- wave-4 bypasses, closed: the source decoded as CPython's import decodes it (line
    # 1 need not be UTF-8); an unparseable file read with the package's own aliases
    case("shift_jis_fullwidth_names_line1_not_utf8", "subprocess", {
        "pkg/__init__.py": SJIS + FULLWIDTH_OS_SYSTEM.encode("shift_jis")}),
    case("latin1_cookie_line2_in_the_using_module", "subprocess", {
        "pkg/__init__.py": b"", "pkg/compat.py": b"import subprocess as sp\n",
        "pkg/use.py": LATIN1 + b'from .compat import sp\nsp.run(["echo", "pwned"])\n'}),
    case("py312_syntax_with_an_own_alias", "subprocess", {
        "pkg/__init__.py": "", "pkg/compat.py": "import subprocess as sp\n",
        "pkg/use.py": 'from .compat import sp\ntype Alias = int\nsp.run(["echo", "pwned"])\n'}),
    case("py312_syntax_with_an_own_module_attribute", "subprocess", {
        "pkg/__init__.py": "", "pkg/compat.py": "import os\n",
        "pkg/use.py": 'from . import compat\ndef f[T](x: T) -> T:\n    return x\n'
                      'compat.os.system("echo pwned")\n'}),
    # ---- wave-4 bypasses, closed: reflection (descriptors bound by __get__, a literal
    # __getattribute__, class patterns, site builtins' namespaces, classes holding modules),
    # own classes and loop names rebound unseen, imports the standard library makes
    # (find_spec's parent, _bootstrap._load, test discovery), ForwardRef, the table's gaps
    # and 3.12/3.13 names
    case("getattr_static_print_self", "dynamic-code", src("""
        import inspect
        inspect.getattr_static(print, "__self__").__get__(print).exec("print('pwned')")
        """)),
    case("print_getattribute_literal", "dynamic-code",
         'print.__getattribute__("__self__").exec("print(\'pwned\')")\n'),
    case("match_class_pattern_self", "dynamic-code", src("""
        match print:
            case object(__self__=b):
                b.exec("print('pwned')")
        """)),
    case("type_of_print_self_descriptor", "dynamic-code",
         'type(print).__self__.__get__(print).exec("print(\'pwned\')")\n'),
    case("exit_call_globals_sys", "subprocess",
         'exit.__call__.__globals__["sys"].modules["os"].system("echo pwned")\n'),
    case("copyright_repr_globals_sys", "subprocess",
         'copyright.__repr__.__globals__["sys"].modules["os"].system("echo pwned")\n'),
    case("pathlib_flavour_pathmod_311", "subprocess",
         'import pathlib\npathlib._PosixFlavour.pathmod.os.system("echo pwned")\n'),
    case("pathlib_flavour_312", "subprocess",
         'import pathlib\npathlib.PurePath._flavour.os.system("echo pwned")\n'),
    case("pathlib_parser_313", "subprocess",
         'import pathlib\npathlib.Path.parser.os.system("echo pwned")\n'),
    case("pathlib_instance_parser_313", "subprocess",
         'import pathlib\npathlib.Path(".").parser.os.system("echo pwned")\n'),
    case("pathlib_class_computed_attribute_313", "dynamic-code",
         'import pathlib\ngetattr(pathlib.Path, "resrap"[::-1]).os.system("echo pwned")\n'),
    case("own_class_replaced_by_its_decorator", "dynamic-code",
         "import asyncio\n@lambda c: object\nclass A:\n    pass\n"
         "for c in A.__subclasses__():\n" + POPEN),
    case("own_class_replaced_by_its_metaclass", "dynamic-code",
         "import asyncio\nclass A(metaclass=lambda *a: object):\n    pass\n"
         "for c in A.__subclasses__():\n" + POPEN),
    case("own_class_rebound_via_globals_item", "dynamic-code",
         'import asyncio\nclass A:\n    pass\nglobals()["A"] = object\n'
         "for c in A.__subclasses__():\n" + POPEN),
    case("own_class_rebound_via_match_capture", "dynamic-code",
         "import asyncio\nclass A:\n    pass\nmatch object:\n    case A:\n        pass\n"
         "for c in A.__subclasses__():\n" + POPEN),
    case("loop_name_rebound_by_a_global_in_a_called_function", "subprocess", src("""
        import os
        def g():
            global n
            n = "system"
        for n in ("sep",):
            g()
            getattr(os, n)("echo pwned")
        """)),
    case("loop_name_rebound_by_globals_update", "dynamic-code", src("""
        import os
        for n in ("sep",):
            globals().update(n="metsys"[::-1])
            getattr(os, n)("echo pwned")
        """)),
    case("loop_name_rebound_by_setattr_on_the_module", "dynamic-code", src("""
        import os, sys
        for n in ("sep",):
            setattr(sys.modules[__name__], "n", "metsys"[::-1])
            getattr(os, n)("echo pwned")
        """)),
    case("forwardref_evaluate_311", "dynamic-code", src("""
        import typing
        ref = typing.ForwardRef("__imp" + "ort__('os').system('echo pwned')")
        ref._evaluate({}, {}, frozenset())
        """)),  # (``._evaluate`` on any receiver)
    case("typing_eval_type", "dynamic-code",
         'import typing\n'
         'typing._eval_type(typing.ForwardRef("__imp" + "ort__(\'os\')"), {}, {})\n'),
    case("find_spec_imports_the_parent", "subprocess",
         'import importlib.util\ntry:\n    importlib.util.find_spec("antigravity.x")\n'
         'except ImportError:\n    pass\n'),
    case("find_spec_imports_a_computed_parent", "dynamic-code",
         'import importlib.util\ntry:\n    importlib.util.find_spec("ytivargitna"[::-1] + ".x")\n'
         'except ImportError:\n    pass\n'),
    case("pkgutil_get_loader_imports_the_parent", "subprocess",
         'import pkgutil\ntry:\n    pkgutil.get_loader("antigravity.x")\nexcept ImportError:\n'
         '    pass\n'),
    case("bootstrap_load_of_a_spec", "dynamic-code",
         'import importlib.util, importlib._bootstrap as b\n'
         'b._load(importlib.util.find_spec("so"[::-1])).system("echo pwned")\n'),
    case("unittest_discover_imports_by_path", "dynamic-code",
         'import unittest\nunittest.defaultTestLoader.discover("/tmp/rt_w4_tests")\n'),
    case("multiprocessing_spawn_process", "subprocess",
         'import multiprocessing\n'
         'multiprocessing.get_context("spawn").Process(target=print).start()\n'),
    case("multiprocessing_forkserver_process", "subprocess",
         'import multiprocessing\n'
         'multiprocessing.get_context("forkserver").Process(target=print).start()\n'),
    case("process_pool_executor", "subprocess",
         "import concurrent.futures\n"
         "concurrent.futures.ProcessPoolExecutor(1).submit(print).result()\n"),
    case("sqlite_load_extension", "native",
         'import sqlite3\nc = sqlite3.connect(":memory:")\nc.enable_load_extension(True)\n'
         'c.load_extension("/tmp/evil")\n'),
    case("sqlite_load_extension_in_sql", "native",
         'import sqlite3\nc = sqlite3.connect(":memory:")\nc.enable_load_extension(True)\n'
         'c.execute("select load_extension(\'/tmp/evil\')")\n'),
    case("pyio_open_w", "fs-write", 'import _pyio\n_pyio.open("/tmp/rt_w4p", "w").write("x")\n'),
    case("loop_getaddrinfo", "network",
         'import asyncio\nasync def m():\n'
         '    await asyncio.get_running_loop().getaddrinfo("localhost", 80)\nasyncio.run(m())\n'),
    case("pidfd_send_signal", "subprocess",
         "import signal, os\nsignal.pidfd_send_signal(os.pidfd_open(1), 0)\n"),
    case("sax_external_entity_fetch", "network", src("""
        import io, xml.sax, xml.sax.handler
        p = xml.sax.make_parser()
        p.setFeature(xml.sax.handler.feature_external_ges, True)
        p.parse(io.StringIO('<!DOCTYPE a [<!ENTITY e SYSTEM "http://127.0.0.1:9/x">]><a>&e;</a>'))
        """)),
    case("path_class_through_type", "fs-write",
         'import pathlib\np = pathlib.PurePath("/tmp/rt_w4v")\ntype(pathlib.Path())(p).touch()\n'),
    case("pyrepl_pipe_pager_313", "subprocess",
         'import _pyrepl.pager as p\np.pipe_pager("x", "echo pwned")\n'),
    case("pyrepl_interactive_console_313", "dynamic-code",
         "from _pyrepl import main\nmain.interactive_console()\n"),
    case("interpreters_run_string_313", "subprocess",
         "import _interpreters as i\n"
         "i.run_string(i.create(), \"import os; os.system('echo pwned')\")\n"),
    case("stack_trampoline_perf_map_312", "fs-write",
         'import sys\nsys.activate_stack_trampoline("perf")\n'),
    case("thread_start_joinable_313", "threads",
         "import _thread\n_thread.start_joinable_thread(print).join()\n"),

    # ======================================= bypasses (some closed since, in place)
    # ---- reflect (closed: instance attributes from the table)
    case("catch_warnings_module_attribute", "subprocess",
         'import warnings\n'
         'warnings.catch_warnings()._module.sys.modules["os"].system("echo pwned")\n'),
    # ---- code-data: annotations stored as data (gate/scan/python_annotations.py)
    case("dataclass_field_name_injection", "subprocess", src("""
        import dataclasses
        class A:
            __annotations__ = {"__class__,__import__('os').system('echo pwned')": int}
        B = dataclasses.dataclass(init=False, repr=False)(A)
        B() == B()
        """)),  # (dataclasses compiles __eq__ from the keys, unchecked, 3.11-3.13)
    case("get_type_hints_of_computed_annotations", "dynamic-code", src("""
        import typing
        def f(x): pass
        f.__annotations__ = {"x": "__imp" + "ort__('os').system('echo pwned')"}
        typing.get_type_hints(f)
        """)),
    case("inspect_get_annotations_eval_str", "dynamic-code", src("""
        import inspect
        class C: pass
        C.__annotations__ = {"x": "__imp" + "ort__('os').system('echo pwned')"}
        inspect.get_annotations(C, eval_str=True)
        """)),
    # ---- env/fixed (low: a fixed variable or system file, rated harmless by hand)
    case("tempfile_gettempdir_env", "env", "import tempfile\nx = tempfile.gettempdir()\n",
         bypass="bypass (env/fixed): tempfile.gettempdir returns $TMPDIR/$TEMP/$TMP"),
    case("site_getuserbase_env", "env", "import site\nx = site.getuserbase()\n",
         bypass="bypass (env/fixed): site.getuserbase returns $PYTHONUSERBASE or uses $HOME"),
    case("sysconfig_userbase_env", "env",
         'import sysconfig\nx = sysconfig.get_config_var("userbase")\n',
         bypass="bypass (env/fixed): sysconfig's userbase reads $PYTHONUSERBASE/$HOME"),
    case("ssl_default_verify_paths_env", "env", "import ssl\nx = ssl.get_default_verify_paths()\n",
         bypass="bypass (env/fixed): ssl.get_default_verify_paths returns $SSL_CERT_FILE/DIR"),
    case("locale_getdefaultlocale_env", "env", "import locale\nx = locale.getdefaultlocale()\n",
         bypass="bypass (env/fixed): locale.getdefaultlocale reads $LC_ALL/$LC_CTYPE/$LANG"),
    case("terminal_size_env", "env", "import shutil\nx = shutil.get_terminal_size()\n",
         bypass="bypass (env/fixed): shutil.get_terminal_size reads $COLUMNS/$LINES"),
    case("gettext_find_env", "env", 'import gettext\nx = gettext.find("x")\n',
         bypass="bypass (env/fixed): gettext.find reads $LANGUAGE/$LC_ALL/$LC_MESSAGES/$LANG"),
    case("mimetypes_guess_type_reads", "fs-read",
         'import mimetypes\nmimetypes.guess_type("x.txt")\n',
         bypass="bypass (env/fixed): mimetypes.guess_type reads /etc/mime.types and others"),
    case("zoneinfo_reads", "fs-read", 'import zoneinfo\nzoneinfo.ZoneInfo("Europe/Paris")\n',
         bypass="bypass (env/fixed): zoneinfo.ZoneInfo reads the tz database files"),
]


@pytest.mark.parametrize(("files", "cap"), CASES)
def test_reaches_capability_with_a_finding(files: str | dict[str, str | bytes], cap: str,
                                           tmp_path: Path) -> None:
    fail_unless_found(files, cap, tmp_path)


# ---- entry points whose target is the standard library: the command or the plugin loader
# runs it (pip writes ``pkg-serve`` as ``sys.exit(http.server.test())``: a server on every
# interface, port 8000; pytest imports each ``pytest11`` module at its start).
ENTRY_POINTS = [
    pytest.param({"console_scripts": {"pkg-serve": "http.server:test"}}, "network",
                 id="console_script_http_server_test"),
    pytest.param({"gui_scripts": {"pkg-gui": "code:interact"}}, "dynamic-code",
                 id="gui_script_code_interact"),
    pytest.param({"pytest11": {"pkg": "antigravity"}}, "subprocess",
                 id="pytest11_plugin_is_a_stdlib_module"),
]


@pytest.mark.parametrize(("entry_points", "cap"), ENTRY_POINTS)
def test_entry_point_targets_are_read(entry_points: dict[str, dict[str, str]], cap: str,
                                      tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path, "pkg", "1.0", {"pkg/__init__.py": ""},
                        entry_points=entry_points)
    found = scan_artifact(wheel).findings
    assert [f for f in found if str(f.capability) in (cap, *CAUGHT_AS)], [
        (str(f.capability), str(f.phase), f.path, f.detail) for f in found]


# ---- what the wave-4 rules leave quiet: the neighbour a package really writes
QUIET = [
    pytest.param("import asyncio\nclass A:\n    pass\nfor c in A.__subclasses__():\n    print(c)\n",
                 id="own_class_subclasses"),  # (``introspection`` only: no dynamic-code)
    pytest.param("import os\ndef g():\n    global other\n    other = 1\n"
                 "for n in ('sep', 'linesep'):\n    g()\n    print(getattr(os, n))\n",
                 id="loop_names_with_a_global_of_another_name"),
    pytest.param("import importlib.util\nimportlib.util.find_spec('numpy')\n"
                 "importlib.util.find_spec('json.decoder')\n", id="find_spec_literal_harmless"),
    pytest.param("import typing\nref = typing.ForwardRef('list[Node] | None')\n",
                 id="forward_ref_of_a_type"),
    pytest.param("import multiprocessing\nn = multiprocessing.cpu_count()\n", id="cpu_count"),
    pytest.param("class A:\n    def m(self):\n        return self.m.__self__\n", id="bound_self"),
]


@pytest.mark.parametrize("source", QUIET)
def test_neighbours_stay_quiet(source: str, tmp_path: Path) -> None:
    assert [(str(f.capability), f.line, f.detail) for f in scan(source, tmp_path)
            if str(f.capability) != "introspection"] == []
