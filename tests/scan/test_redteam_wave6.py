"""Red-team wave 6 (issue #11's six classes, less obvious forms): code that really uses a
capability, and the scanner's answer.

Each case is a wheel (``pkg``) whose import really does what its capability says. Unlike the
earlier waves this file proves it: ``test_payload_really_uses_the_capability`` imports the
package in a child interpreter under an audit hook and checks the event (``os.system``,
``subprocess.Popen``, ``open`` for writing, ...) or, for ``env``, that a variable's value
came out. The payloads are harmless (``echo pwned``, files under the test's own directory,
``RT6_SECRET`` set for the child). Importing ``antigravity`` is how a case shows "a module
imported by a computed name": it opens a browser, which the child's ``BROWSER=echo`` makes
an ``echo`` of the URL.

``test_reaches_capability_with_a_finding`` scans the same wheel. A caught case asserts the
exact capability and evidence line; a silent one is ``xfail(strict=True)`` with the
mechanism, its class and the fix that would close it as the reason, and asserts what a
correct scanner reports (the capability, or ``dynamic-code`` / ``unanalyzed``, anywhere).
The root causes of the silent cases (the reasons start with them):

  class-body-import: (closed) ``import m`` inside a class body (or bound ``nonlocal``)
                     makes the module a class attribute; the import is now a hand-off, as
                     ``class A: m = os`` is
  operator-hand-off: (closed) a comparison, ``in`` or ``isinstance`` hands the module to a
                     dunder of the module's own class (``__eq__``, ``__contains__``,
                     ``__instancecheck__``)
  dunder-call:       (closed) ``f.__call__(...)`` of a reflective builtin or lookup
                     (``getattr``, ``globals``, ``sys.modules.get``) is read as ``f(...)``
  suffix-lists:      (closed) the import system's suffix lists changed by an alias, under
                     their defining module, through ``_get_supported_file_loaders()`` or
                     ``__iadd__``: a data file then imported as code
  computed-import:   (closed) standard-library functions that import a module by a name
                     they are given or keep in a mutable list, not in the table
                     (``help(str)``, ``importlib.resources.files``, ``pkgutil.get_data``,
                     ``xml.sax.make_parser(list)``, ``dbm._names``,
                     ``warnings._processoptions``, ``unittest.main(module=)``)
  network-catalog:   (closed) a standard class that opens URLs missing from the table
                     (``xml.dom.xmlbuilder.DOMEntityResolver``)
  cli:               (closed) the table left out every command-line function (``main``,
                     ``_main``, ``test``...: tools/stdlib_catalog.py ``CLI``); a package can
                     call them (``timeit.main(argv)`` execs, ``zipfile.main`` writes)
  env-catalog:       (closed) environment reads no hand entry named (``wsgiref.handlers
                     .read_environ``, ``BaseHandler.os_environ``, ``locale
                     .getdefaultlocale(envvars)``, ``distutils.util.subst_vars``, a
                     function's ``__defaults__`` holding ``os.environ``, ``/proc/self/environ``)
  reflect-two-hop:   (closed) ``getattr(o, "__getattribute__")(n)``: the bound lookup
                     reached by getattr, then called, is read as ``o.__getattribute__(n)``
  sys.modules:       (closed) `sys.modules.pop(name)` hands out a module unseen
  read-mode:         (closed) the open mode decides read or write, but a shelf opened "r" unpickles
                     (runs code) and an archive opened "r" writes with ``extractall``
  env-to-code:       (closed) an environment variable the interpreter turns into an import
                     (``PYTHONBREAKPOINT`` then ``breakpoint(x)``): only ``env`` is reported
"""

from __future__ import annotations

import dbm.dumb
import importlib.util
import io
import marshal
import os
import socket
import subprocess
import sys
import tarfile
import tempfile
import textwrap
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest

from gate.model import Finding
from gate.scan import scan_artifact
from tests.builders import build_wheel
from tests.scan.test_reach_redteam import CAUGHT_AS, _zip


def _tar() -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        info = tarfile.TarInfo("x.txt")
        info.size = 2
        t.addfile(info, io.BytesIO(b"hi"))
    return buf.getvalue()


def _pyc(source: str) -> bytes:
    """An unchecked hash-based .pyc of ``source`` for the running interpreter."""
    code = compile(source, "x", "exec")
    return importlib.util.MAGIC_NUMBER + b"\x01\x00\x00\x00" + b"\x00" * 8 + marshal.dumps(code)


TXT_SUB = {"pkg/sub/__init__.py": "", "pkg/sub/p.txt": "import os\nos.system('echo pwned')\n"}


def _shelf() -> dict[str, str | bytes]:
    """A shelf (dbm.dumb files) whose key ``k`` unpickles to ``os.system('echo pwned')``
    (a protocol-0 pickle written by hand)."""
    with tempfile.TemporaryDirectory() as d:
        db = dbm.dumb.open(os.path.join(d, "s"), "c")
        db[b"k"] = b"cposix\nsystem\n(S'echo pwned'\ntR."
        db.close()
        return {f"pkg/{p.name}": p.read_bytes() for p in Path(d).iterdir()}

# code made from pieces: no literal in the file spells it
CODE = "\"__imp\" + \"ort__('os').system('echo pwned')\""
AG = "\"antigrav\" + \"ity\""  # a module that acts when imported (opens a browser)

SUBPROCESS = ("os.system", "subprocess.Popen", "os.posix_spawn", "os.exec")
WRITE = "open-write"  # an ``open`` audit event whose mode writes
ENV = "out:s3cr3t"  # the variable's value reached the package (printed)
NET = "net"  # the local listener whose port is sys.argv[2] accepted a connection


def _pkg(files: str | dict[str, str | bytes]) -> dict[str, str | bytes]:
    if isinstance(files, str):
        return {"pkg/__init__.py": textwrap.dedent(files).lstrip("\n")}
    return files


def case(name: str, cap: str, files: str | dict[str, str | bytes],
         proof: str | tuple[str, ...], where: tuple[str, int] | None = None, *,
         bypass: str | None = None):
    """``where``: the (capability, line) of ``pkg/__init__.py`` a caught case reports."""
    assert (where is None) == (bypass is not None), name
    marks = [pytest.mark.xfail(strict=True, reason=bypass)] if bypass else []
    return pytest.param(_pkg(files), cap, proof, where, id=name, marks=marks)


CASES = [
    # ================================================================ caught
    # ---- class 1: builtins and modules reached without naming them
    case("formatter_get_field_self", "dynamic-code", f"""
        import string
        b = string.Formatter().get_field("0.__self__", [print], {{}})[0]
        b.exec({CODE})
        """, SUBPROCESS, ("dynamic-code", 2)),
    case("reduce_getattr_chain", "dynamic-code", f"""
        import functools
        functools.reduce(getattr, ["__self__", "exec"], print)({CODE})
        """, SUBPROCESS, ("dynamic-code", 2)),
    case("type_of_getattr_call", "dynamic-code", f"""
        type(getattr).__call__(getattr, print, "__s" + "elf__").exec({CODE})
        """, SUBPROCESS, ("dynamic-code", 1)),
    case("function_builtins", "dynamic-code", f"""
        (lambda: 0).__builtins__["ex" + "ec"]({CODE})
        """, SUBPROCESS, ("dynamic-code", 1)),
    case("traceback_frame_builtins", "dynamic-code", f"""
        try:
            1 / 0
        except Exception as e:
            e.__traceback__.tb_frame.f_builtins["ex" + "ec"]({CODE})
        """, SUBPROCESS, ("dynamic-code", 4)),
    case("reduce_ex_function_globals", "dynamic-code", f"""
        class A:
            pass
        f = A().__reduce_ex__(2)[0]
        f.__globals__["__builtins__"]["ex" + "ec"]({CODE})
        """, SUBPROCESS, ("dynamic-code", 4)),
    case("type_subclasses_of_object", "dynamic-code", """
        for c in type.__subclasses__(object):
            if c.__name__ == "_wrap_close":
                c.__init__.__globals__["sys" + "tem"]("echo pwned")
        """, SUBPROCESS, ("dynamic-code", 1)),
    case("sys_exit_self_modules", "subprocess", """
        import sys
        sys.exit.__self__.modules["o" + "s"].system("echo pwned")
        """, SUBPROCESS, ("subprocess", 2)),
    case("import_dunder_call", "dynamic-code", """
        __import__.__call__("o" + "s").system("echo pwned")
        """, SUBPROCESS, ("subprocess", 1)),  # (read as ``__import__("os")``: folded)
    case("sys_modules_getitem_dunder", "dynamic-code", """
        import sys
        sys.modules.__getitem__("o" + "s").system("echo pwned")
        """, SUBPROCESS, ("dynamic-code", 2)),
    case("code_names_replaced", "dynamic-code", """
        def f():
            return a("os").b("echo pwned")
        t = {"a": "__im" + "port__", "b": "sys" + "tem"}
        f.__code__ = f.__code__.replace(co_names=tuple(t[n] for n in f.__code__.co_names))
        f()
        """, SUBPROCESS, ("dynamic-code", 4)),
    case("nfkc_bold_exec", "dynamic-code",
         f"\U0001d41e\U0001d431\U0001d41e\U0001d41c({CODE})\n", SUBPROCESS, ("dynamic-code", 1)),
    case("nfkc_dunder_self", "dynamic-code",
         "print.__\U0001d600\U0001d5f2\U0001d5f9\U0001d5f3__.exec(" + CODE + ")\n",
         SUBPROCESS, ("dynamic-code", 1)),
    # ---- class 2: modules through data and control
    case("walrus_in_comprehension", "dynamic-code", """
        [(m := __import__("subprocess")) for _ in (1,)]
        m.run(["echo", "pwned"])
        """, SUBPROCESS, ("dynamic-code", 1)),
    case("match_mapping_on_sys_modules", "dynamic-code", """
        import sys, subprocess
        match sys.modules:
            case {"subprocess": m}:
                m.run(["echo", "pwned"])
        """, SUBPROCESS, ("dynamic-code", 2)),
    case("frame_locals_literal_key", "subprocess", """
        def g():
            import subprocess
            yield
        it = g()
        next(it)
        it.gi_frame.f_locals["subprocess"].run(["echo", "pwned"])
        """, SUBPROCESS, ("subprocess", 6)),
    case("radd_hand_off", "dynamic-code", """
        import subprocess
        class K:
            def __radd__(self, other):
                return other.run(["echo", "pwned"])
        subprocess + K()
        """, SUBPROCESS, ("dynamic-code", 5)),
    case("getitem_key_hand_off", "dynamic-code", """
        import subprocess
        class K:
            def __getitem__(self, m):
                return m.run(["echo", "pwned"])
        K()[subprocess]
        """, SUBPROCESS, ("dynamic-code", 5)),
    case("descriptor_set_hand_off", "dynamic-code", """
        import subprocess
        class D:
            def __set__(self, obj, v):
                v.run(["echo", "pwned"])
        class K:
            x = D()
        K().x = subprocess
        """, SUBPROCESS, ("dynamic-code", 7)),
    case("class_keyword_hand_off", "dynamic-code", """
        import subprocess
        class B:
            def __init_subclass__(cls, m=None, **kw):
                m.run(["echo", "pwned"])
        class D(B, m=subprocess):
            pass
        """, SUBPROCESS, ("dynamic-code", 5)),
    case("assert_message_hand_off", "dynamic-code", """
        import subprocess
        try:
            assert False, subprocess
        except AssertionError as e:
            e.args[0].run(["echo", "pwned"])
        """, SUBPROCESS, ("dynamic-code", 3)),
    case("generator_send_hand_off", "dynamic-code", """
        import subprocess
        def g():
            m = yield
            m.run(["echo", "pwned"])
            yield
        it = g()
        next(it)
        it.send(subprocess)
        """, SUBPROCESS, ("dynamic-code", 8)),
    # ---- class 3: exec behind standard-library wrappers
    case("inspectloader_get_source", "dynamic-code", f"""
        import importlib.abc, types
        class L(importlib.abc.InspectLoader):
            def get_source(self, name):
                return {CODE}
        L().exec_module(types.ModuleType("m"))
        """, SUBPROCESS, ("dynamic-code", 5)),
    case("entry_point_load_computed", "dynamic-code", """
        from importlib.metadata import EntryPoint
        EntryPoint(name="x", value="o" + "s:sys" + "tem", group="g").load()("echo pwned")
        """, SUBPROCESS, ("dynamic-code", 2)),
    case("logging_configurator_resolve", "dynamic-code", """
        import logging.config
        logging.config.BaseConfigurator({}).resolve("o" + "s.sys" + "tem")("echo pwned")
        """, SUBPROCESS, ("dynamic-code", 2)),
    case("logging_file_config_args", "dynamic-code", {
        "pkg/__init__.py": "import os, logging.config\nlogging.config.fileConfig("
                           "os.path.join(os.path.dirname(__file__), 'log.ini'))\n",
        "pkg/log.ini": "[loggers]\nkeys=root\n[handlers]\nkeys=h\n[formatters]\nkeys=\n"
                       "[logger_root]\nhandlers=h\n[handler_h]\nclass=StreamHandler\n"
                       "args=(__import__('os').system('echo pwned'),)\n",
    }, SUBPROCESS, ("dynamic-code", 2)),
    case("site_addpackage_any_file", "dynamic-code", {
        "pkg/__init__.py": "import os, site\n"
                           "site.addpackage(os.path.dirname(__file__), 'notes.txt', set())\n",
        "pkg/notes.txt": "import os; os.system('echo pwned')\n",
    }, SUBPROCESS, ("dynamic-code", 2)),
    case("own_loader_type_on_a_data_file", "dynamic-code", {
        "pkg/__init__.py": "import os\ntype(__loader__)('m', os.path.join("
                           "os.path.dirname(__file__), 'p.txt')).load_module()\n",
        "pkg/p.txt": "import os\nos.system('echo pwned')\n",
    }, SUBPROCESS, ("dynamic-code", 2)),
    case("dom_registry_import", "dynamic-code", f"""
        import xml.dom
        xml.dom.domreg.well_known_implementations["x"] = {AG}
        try:
            xml.dom.getDOMImplementation("x")
        except Exception:
            pass
        """, SUBPROCESS, ("dynamic-code", 4)),
    case("pydoc_render_doc_import", "dynamic-code", f"""
        import pydoc
        try:
            pydoc.render_doc({AG})
        except Exception:
            pass
        """, SUBPROCESS, ("dynamic-code", 3)),
    case("webbrowser_get_command", "subprocess", """
        import webbrowser
        webbrowser.get("echo pwned %s").open("x")
        """, SUBPROCESS, ("subprocess", 2)),
    # ---- class 6: the file itself
    case("unicode_escape_cookie", "subprocess",
         {"pkg/__init__.py": b"# coding: unicode_escape\n#\\x0aimport os\\x3b "
                             b"os.\\x73ystem('echo pwned')\n"},
         SUBPROCESS, ("subprocess", 3)),

    # ================================================================ bypasses
    # ---- class-body-import (closed: an import in a class body, or binding a `nonlocal`
    # name, hands the module on, gate/scan/python.py _held_import)
    case("class_body_import", "subprocess", """
        class C:
            import subprocess
        C.subprocess.run(["echo", "pwned"])
        """, SUBPROCESS, ("dynamic-code", 2)),
    case("class_body_import_through_self", "subprocess", """
        class C:
            import subprocess as sp
            def go(self):
                self.sp.run(["echo", "pwned"])
        C().go()
        """, SUBPROCESS, ("dynamic-code", 2)),
    case("class_body_import_computed", "subprocess", """
        class C:
            import os
        getattr(C, "o" + "s").system("echo pwned")
        """, SUBPROCESS, ("dynamic-code", 2)),
    case("nested_class_body_import", "subprocess", """
        class A:
            class B:
                import subprocess
        A.B.subprocess.run(["echo", "pwned"])
        """, SUBPROCESS, ("dynamic-code", 3)),
    case("class_body_import_enum_member", "subprocess", """
        import enum
        class E(enum.Enum):
            import subprocess as A
        E.A.value.run(["echo", "pwned"])
        """, SUBPROCESS, ("dynamic-code", 3)),
    case("nonlocal_import", "subprocess", """
        def outer():
            m = None
            def inner():
                nonlocal m
                import subprocess as m
            inner()
            return m.run(["echo", "pwned"])
        outer()
        """, SUBPROCESS, ("dynamic-code", 5)),
    # ---- operator-hand-off (closed: a comparison with anything but a literal or a module,
    # and isinstance of a class that is not plain, hand the module on: python.py
    # _compared_to_code, python_refs.only_looks)
    case("eq_hands_module_to_own_dunder", "subprocess", """
        import subprocess
        class K:
            def __eq__(self, other):
                other.run(["echo", "pwned"])
                return True
        K() == subprocess
        """, SUBPROCESS, ("dynamic-code", 6)),
    case("eq_reflected_to_own_dunder", "subprocess", """
        import subprocess
        class K:
            def __eq__(self, other):
                other.run(["echo", "pwned"])
                return True
        if subprocess == K():
            pass
        """, SUBPROCESS, ("dynamic-code", 6)),
    case("in_hands_module_to_contains", "subprocess", """
        import subprocess
        class K:
            def __contains__(self, other):
                other.run(["echo", "pwned"])
                return True
        subprocess in K()
        """, SUBPROCESS, ("dynamic-code", 6)),
    case("isinstance_hands_module_to_metaclass", "subprocess", """
        import subprocess
        class M(type):
            def __instancecheck__(cls, other):
                other.run(["echo", "pwned"])
                return True
        class K(metaclass=M):
            pass
        isinstance(subprocess, K)
        """, SUBPROCESS, ("dynamic-code", 8)),
    # ---- dunder-call (closed: ``f.__call__(a)`` is read as ``f(a)``, python.py
    # _unwrap_dunder_calls)
    case("getattr_dunder_call", "dynamic-code", f"""
        getattr.__call__(print, "__s" + "elf__").exec({CODE})
        """, SUBPROCESS, ("dynamic-code", 1)),
    case("globals_dunder_call", "dynamic-code", f"""
        globals.__call__()["__builtins__"]["ex" + "ec"]({CODE})
        """, SUBPROCESS, ("dynamic-code", 1)),
    case("sys_modules_get_dunder_call", "dynamic-code", """
        import sys
        sys.modules.get.__call__("o" + "s").system("echo pwned")
        """, SUBPROCESS, ("subprocess", 2)),
    case("getattr_of_getattribute_then_called", "dynamic-code", f"""
        def f(o):
            return getattr(o, "__getattribute__")("__s" + "elf__").exec({CODE})
        f(print)
        """, SUBPROCESS, ("dynamic-code", 2)),
    case("getattr_of_super_getattribute", "dynamic-code", f"""
        s = super(type(print), print)
        getattr(s, "__getattri" + "bute__")("__s" + "elf__").exec({CODE})
        """, SUBPROCESS, ("dynamic-code", 2)),
    case("sys_modules_pop_computed", "dynamic-code", """
        import sys
        m = sys.modules.pop("o" + "s")
        sys.modules["os"] = m
        m.system("echo pwned")
        """, SUBPROCESS, ("dynamic-code", 3)),
    # ---- suffix-lists (closed)
    case("bytecode_suffixes_alias_iadd", "dynamic-code", {
        "pkg/__init__.py": "from importlib import machinery as m\ns = m.BYTECODE_SUFFIXES\n"
                           "s += ['.dat']\nfrom .sub import x\n",
        "pkg/sub/__init__.py": "", "pkg/sub/x.dat": _pyc("import os\nos.system('echo pwned')\n"),
    }, SUBPROCESS, ("dynamic-code", 3)),
    case("source_suffixes_of_bootstrap_external", "dynamic-code", {
        "pkg/__init__.py": "import importlib._bootstrap_external as be\n"
                           "be.SOURCE_SUFFIXES.append('.txt')\nfrom .sub import p\n",
        **TXT_SUB,
    }, SUBPROCESS, ("dynamic-code", 2)),
    case("supported_file_loaders_list", "dynamic-code", {
        "pkg/__init__.py": "import importlib._bootstrap_external as be\n"
                           "be._get_supported_file_loaders()[1][1].append('.txt')\n"
                           "from .sub import p\n",
        **TXT_SUB,
    }, SUBPROCESS, ("dynamic-code", 2)),
    case("source_suffixes_iadd_method", "dynamic-code", {
        "pkg/__init__.py": "import importlib.machinery as m\n"
                           "m.SOURCE_SUFFIXES.__iadd__(['.txt'])\nfrom .sub import p\n",
        **TXT_SUB,
    }, SUBPROCESS, ("dynamic-code", 2)),
    # ---- computed-import (closed)
    case("help_imports_by_name", "dynamic-code", f"""
        help({AG})
        """, SUBPROCESS, ("subprocess", 1)),
    case("resources_files_imports_by_name", "dynamic-code", f"""
        import importlib.resources
        try:
            importlib.resources.files({AG})
        except TypeError:
            pass
        """, SUBPROCESS, ("subprocess", 3)),
    case("pkgutil_get_data_imports_by_name", "dynamic-code", f"""
        import pkgutil
        try:
            pkgutil.get_data({AG}, "x")
        except OSError:
            pass
        """, SUBPROCESS, ("subprocess", 3)),
    case("sax_make_parser_list_imports", "dynamic-code", f"""
        import xml.sax
        try:
            xml.sax.make_parser([{AG}])
        except Exception:
            pass
        """, SUBPROCESS, ("dynamic-code", 3)),
    case("dbm_names_list_imports", "dynamic-code", f"""
        import dbm
        dbm._names.insert(0, {AG})
        try:
            dbm.open("rt6_dbm", "c")
        except Exception:
            pass
        """, SUBPROCESS, ("dynamic-code", 2)),
    case("warnings_options_import", "dynamic-code", f"""
        import warnings
        try:
            warnings._processoptions(["ignore::" + {AG} + ".X"])
        except Exception:
            pass
        """, SUBPROCESS, ("dynamic-code", 3)),
    case("unittest_main_module_by_name", "dynamic-code", f"""
        import unittest
        try:
            unittest.main(module={AG}, argv=["x"], exit=False)
        except Exception:
            pass
        """, SUBPROCESS, ("dynamic-code", 3)),
    case("shelve_open_read_unpickles", "dynamic-code", {
        "pkg/__init__.py": "import os, shelve\ns = shelve.open(os.path.join("
                           "os.path.dirname(__file__), 's'), 'r')\ns['k']\n",
        **_shelf(),
    }, SUBPROCESS, ("dynamic-code", 2)),
    case("zipfile_read_mode_extractall", "fs-write", {
        "pkg/__init__.py": "import os, zipfile\nwith zipfile.ZipFile(os.path.join("
                           "os.path.dirname(__file__), 'a.zip')) as z:\n"
                           "    z.extractall('rt6_ex')\n",
        "pkg/a.zip": _zip({"x.txt": "hi"}),
    }, WRITE, ("fs-write", 3)),
    case("tarfile_read_mode_extract", "fs-write", {
        "pkg/__init__.py": "import os, tarfile\nt = tarfile.open(os.path.join("
                           "os.path.dirname(__file__), 'a.tar'), 'r')\n"
                           "t.extract('x.txt', 'rt6_ex')\n",
        "pkg/a.tar": _tar(),
    }, WRITE, ("fs-write", 3)),
    # ---- network-catalog (closed)
    case("dom_entity_resolver_fetches", "network", """
        import sys, xml.dom.xmlbuilder
        try:
            xml.dom.xmlbuilder.DOMEntityResolver().resolveEntity(
                None, "http://127.0.0.1:%s/" % sys.argv[2])
        except OSError:
            pass
        """, NET, ("network", 3)),
    # ---- cli (closed: the table lists command lines, tools/stdlib_catalog.py CLI)
    case("webbrowser_main_runs_browser", "subprocess", """
        import sys, webbrowser
        sys.argv = ["x", "http://127.0.0.1/"]
        webbrowser.main()
        """, SUBPROCESS, ("subprocess", 3)),
    case("timeit_main_execs", "dynamic-code", f"""
        import timeit
        timeit.main(["-n", "1", "-s", {CODE}, "pass"])
        """, SUBPROCESS, ("dynamic-code", 2)),
    case("cprofile_main_runs_a_data_file", "dynamic-code", {
        "pkg/__init__.py": "import os, sys, cProfile\n"
                           "sys.argv = ['x', os.path.join(os.path.dirname(__file__), "
                           "'notes.txt')]\ntry:\n    cProfile.main()\nexcept SystemExit:\n"
                           "    pass\n",
        "pkg/notes.txt": "import os\nos.system('echo pwned')\n",
    }, SUBPROCESS, ("dynamic-code", 4)),
    case("trace_main_runs_a_data_file", "dynamic-code", {
        "pkg/__init__.py": "import os, sys, trace\n"
                           "sys.argv = ['x', '--count', os.path.join(os.path.dirname("
                           "__file__), 'notes.txt')]\ntry:\n    trace.main()\n"
                           "except SystemExit:\n    pass\n",
        "pkg/notes.txt": "import os\nos.system('echo pwned')\n",
    }, SUBPROCESS, ("dynamic-code", 4)),
    case("inspect_main_imports", "dynamic-code", f"""
        import sys, inspect
        sys.argv = ["x", {AG}]
        try:
            inspect._main()
        except SystemExit:
            pass
        """, SUBPROCESS, ("dynamic-code", 4)),
    case("zipfile_main_extracts", "fs-write", {
        "pkg/__init__.py": "import os, zipfile\nzipfile.main(['-e', os.path.join("
                           "os.path.dirname(__file__), 'a.zip'), 'rt6_zx'])\n",
        "pkg/a.zip": _zip({"x.txt": "hi"}),
    }, WRITE, ("fs-write", 2)),
    case("json_tool_main_writes", "fs-write", {
        "pkg/__init__.py": "import os, sys, json.tool\nsys.argv = ['x', os.path.join("
                           "os.path.dirname(__file__), 'd.json'), 'rt6_json']\n"
                           "json.tool.main()\n",
        "pkg/d.json": "{}",
    }, WRITE, ("fs-write", 3)),
    # ---- env-catalog (closed)
    case("wsgiref_read_environ", "env", """
        import wsgiref.handlers
        print(wsgiref.handlers.read_environ()["RT6_" + "SECRET"])
        """, ENV, ("env", 2)),
    case("wsgiref_handler_os_environ", "env", """
        import wsgiref.handlers
        print(wsgiref.handlers.BaseHandler.os_environ["RT6_" + "SECRET"])
        """, ENV, ("env", 2)),
    case("locale_getdefaultlocale_envvars", "env", """
        import locale, warnings
        warnings.simplefilter("ignore")
        try:
            locale.getdefaultlocale(("RT6_" + "SECRET",))
        except ValueError as e:
            print(e)
        """, ENV, ("env", 4)),
    case("cgi_parse_defaults_environ", "env", """
        import warnings
        warnings.simplefilter("ignore")
        import cgi
        print(cgi.parse.__defaults__[1]["RT6_" + "SECRET"])
        """, ENV, ("env", 4)),
    case("proc_self_environ", "env", """
        data = open("/proc/self/" + "environ", "rb").read()
        print("s3cr3t" if b"RT6_SECRET=s3cr3t" in data else "")
        """, ENV, ("env", 1)),
    # ---- env-to-code (closed)
    case("breakpoint_env_imports", "subprocess", """
        import os
        os.environ["PYTHONBREAKPOINT"] = "o" + "s.sys" + "tem"
        breakpoint("echo pwned")
        """, SUBPROCESS, ("dynamic-code", 3)),
]


HOOK = """
import os, sys
def hook(event, args):
    if event == "open" and args[1] is not None and any(c in args[1] for c in "wax+"):
        event = "open-write"
    elif event == "open" and isinstance(args[2], int) and args[2] & (os.O_WRONLY | os.O_RDWR):
        event = "open-write"
    print("AUDIT", event, file=sys.__stderr__)
sys.addaudithook(hook)
sys.path.insert(0, sys.argv[1])
import pkg
"""


def _listen() -> tuple[socket.socket, threading.Event, threading.Event, threading.Thread]:
    """A listener on 127.0.0.1 that accepts connections and closes them (so an HTTP client
    fails at once), setting ``hit``, until ``stop`` is set."""
    srv = socket.create_server(("127.0.0.1", 0))
    srv.settimeout(0.1)
    hit, stop = threading.Event(), threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            hit.set()
            conn.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    return srv, hit, stop, t


def lay_out(files: dict[str, str | bytes], tmp_path: Path) -> tuple[Path, Path]:
    """Writes ``files`` under ``tmp_path/site`` and makes an empty working directory:
    (site, work)."""
    site = tmp_path / "site"
    for name, data in files.items():
        p = site / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data.encode() if isinstance(data, str) else data)
    work = tmp_path / "work"
    work.mkdir()
    return site, work


def audit_events(stderr: str) -> set[str]:
    """The audit events the child's HOOK printed."""
    return {line.split()[1] for line in stderr.splitlines() if line.startswith("AUDIT ")}


def run_payload(files: dict[str, str | bytes], tmp_path: Path) -> tuple[set[str], str]:
    """Imports ``pkg`` from ``files`` in a child interpreter: (audit events seen, stdout);
    ``net`` among the events when the child connected to the listener of ``sys.argv[2]``."""
    site, work = lay_out(files, tmp_path)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "RT6_SECRET": "s3cr3t",
           "BROWSER": "echo", "PYTHONDONTWRITEBYTECODE": "1"}
    srv, hit, stop, t = _listen()
    try:
        r = subprocess.run([sys.executable, "-c", HOOK, str(site), str(srv.getsockname()[1])],
                           cwd=work, env=env, capture_output=True, text=True, timeout=60,
                           check=False)
    finally:
        stop.set()
        t.join(5)
        srv.close()
    return audit_events(r.stderr) | ({NET} if hit.is_set() else set()), r.stdout


def assert_proof(events: set[str], out: str, proof: str | tuple[str, ...]) -> None:
    """The payload really did it: one of the events of a tuple ``proof``, the text after
    ``out:`` on its stdout, or the one event ``proof`` names."""
    if isinstance(proof, tuple):
        assert events & set(proof), (sorted(events), out)
    elif proof.startswith("out:"):
        assert proof[4:] in out, out
    else:
        assert proof in events, sorted(events)


def assert_found(found: Sequence[Finding], cap: str,
                 where: tuple[str, str, int] | None) -> None:
    """The scan reports ``where`` (capability, path, line); or, with none, ``cap`` (or what
    CAUGHT_AS stands for) anywhere."""
    shown = [(str(f.capability), f.path, f.line, f.detail) for f in found]
    if where is not None:
        assert where in {s[:3] for s in shown}, shown
    elif not [f for f in found if str(f.capability) in (cap, *CAUGHT_AS)]:
        pytest.fail(f"no {cap} (nor dynamic-code/unanalyzed) finding: {shown}", pytrace=False)


@pytest.mark.parametrize(("files", "cap", "proof", "where"),
                         [pytest.param(*p.values, id=p.id) for p in CASES])
def test_payload_really_uses_the_capability(files: dict[str, str | bytes], cap: str,
                                            proof: str | tuple[str, ...],
                                            where: tuple[str, int] | None,
                                            tmp_path: Path) -> None:
    assert_proof(*run_payload(files, tmp_path), proof)


@pytest.mark.parametrize(("files", "cap", "proof", "where"), CASES)
def test_reaches_capability_with_a_finding(files: dict[str, str | bytes], cap: str,
                                           proof: str | tuple[str, ...],
                                           where: tuple[str, int] | None,
                                           tmp_path: Path) -> None:
    found = scan_artifact(build_wheel(tmp_path, "pkg", "1.0", files)).findings
    assert_found(found, cap, None if where is None else (where[0], "pkg/__init__.py", where[1]))
