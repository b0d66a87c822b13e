"""Red-team wave 7 (issue #11): code that really uses a capability, and the scanner's answer.

Same harness as wave 6 (tests/scan/test_redteam_wave6.py, reused by import): each case is a
wheel whose ``import pkg`` really does what its capability says, proven in a child
interpreter under an audit hook (``test_payload_really_uses_the_capability``: an audit event,
a connection to a local listener, or text only the capability could produce on stdout), and
scanned with a policy that grants nothing (``test_reaches_capability_with_a_finding``). A
caught case asserts the exact (capability, path, line) the scanner reports; a silent one is
``xfail(strict=True)`` whose reason names the mechanism and the fix, and asserts what a
correct scanner reports (the capability, or ``dynamic-code`` / ``unanalyzed``, anywhere).

Silent root causes found in this wave (the reasons start with them). Most are paths
tools/stdlib_catalog.py cuts on purpose (``STOP``: "incidental" reading, validated
templates, the interpreter's own configuration) where the caller, not the standard library,
chooses the input:

  type-checking-guard:  the body of any ``if TYPE_CHECKING:`` (a local ``TYPE_CHECKING =
                        True``, ``typing.TYPE_CHECKING = True``, ``K.TYPE_CHECKING``, a
                        parameter) is skipped, though it runs
  linecache-wrapper:    functions that read a line of a file *they are given*
                        (``warnings.formatwarning`` / ``warn_explicit``,
                        ``traceback.FrameSummary(...).line``, ``traceback.format_list``):
                        ``linecache``, ``FrameSummary`` and ``_formatwarnmsg_impl`` are STOPs
  sysconfig-cut:        ``sysconfig`` is cut whole, yet ``_subst_vars`` formats with
                        ``os.environ``, ``get_path`` does it for a scheme the package adds,
                        ``_parse_makefile`` reads any path, ``_generate_posix_vars`` writes
  argparse-fromfile:    ``parse_args(["@path"])`` of a parser built with
                        ``fromfile_prefix_chars`` reads the file (a STOP)
  builtin-by-name:      a built-in or frozen module (``posix``, ``os``) by a computed name
                        through the import system's lower layer (``_bootstrap
                        ._builtin_from_name``, ``_imp.create_builtin`` / ``init_frozen`` /
                        ``get_frozen_object``, ``BuiltinImporter.create_module``,
                        ``imp.init_builtin`` / ``init_frozen``): no seed
  template-exec:        a name pasted into source the standard library exec()s, after the
                        check (a dataclass ``Field.name`` renamed, then inherited;
                        ``AutoProxy(exposed=)``, reported as ``threads`` only)
  import-system-stop:   ``pydoc.importfile(path)`` runs any file, reported ``fs-read`` only
  enum-convert:         ``enum.Enum._convert_("E", "os", f)`` makes ``os``'s names members
                        (``E.system.value`` is ``os.system``): enum is a STOP
  lookup-helper:        ``pickle._getattribute`` walks a dotted path by ``getattr``
  entry-point-own-attr: a console script ``pkg:webbrowser.main`` (an attribute path that
                        leaves the package's own module) is skipped as own code

Closed since (each case says how): all but ``sysconfig.get_paths(expand=False)``'s live
table (found closing ``get_path`` of a scheme the package adds), which stays a strict xfail
(docs/scanner.md, Known limits).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from gate.scan import scan_artifact
from tests.builders import build_wheel
from tests.scan.test_redteam_wave6 import (
    AG,
    CODE,
    ENV,
    HOOK,
    NET,
    SUBPROCESS,
    WRITE,
    _pyc,
    assert_found,
    assert_proof,
    audit_events,
    lay_out,
    run_payload,
)

TAG = sys.implementation.cache_tag  # the .pyc name CPython looks for under __pycache__
PAY = "import os\nos.system('echo pwned')\n"
READ = "out:root:"  # the first line of /etc/passwd reached stdout
INIT = "pkg/__init__.py"
EP_LINE = ("subprocess", "pkg-1.0.dist-info/entry_points.txt", 2)  # console script go


def _pkg(files: str | dict[str, str | bytes]) -> dict[str, str | bytes]:
    if isinstance(files, str):
        return {INIT: textwrap.dedent(files).lstrip("\n")}
    return files


def case(name: str, cap: str, files: str | dict[str, str | bytes],
         proof: str | tuple[str, ...], where: tuple[str, int] | tuple[str, str, int] | None
         = None, *, bypass: str | None = None, script: tuple[str, list[str]] | None = None):
    """``where``: the (capability, line) of ``pkg/__init__.py``, or (capability, path, line),
    a caught case reports. ``script``: a console script's (target, argv): the wheel declares
    it and the proof runs it as pip's wrapper does."""
    assert (where is None) == (bypass is not None), name
    if where is not None and len(where) == 2:
        where = (where[0], INIT, where[1])
    marks = [pytest.mark.xfail(strict=True, reason=bypass)] if bypass else []
    return pytest.param(_pkg(files), cap, proof, where, script, id=name, marks=marks)


CASES = [
    # ================================================================ caught
    # ---- names bound where the scanner might not look
    case("global_import_in_a_function", "subprocess", """
        def f():
            global sp
            import subprocess as sp
        f()
        sp.run(["echo", "pwned"])
        """, SUBPROCESS, ("subprocess", 5)),
    case("module_getattr_pep562_hands_a_module", "subprocess", {
        INIT: "from .a import anything\nanything.run(['echo', 'pwned'])\n",
        "pkg/a.py": "import subprocess as _s\ndef __getattr__(n):\n    return _s\n",
    }, SUBPROCESS, ("dynamic-code", "pkg/a.py", 3)),
    case("main_module_builtins", "dynamic-code", f"""
        import __main__
        __main__.__builtins__.exec({CODE})
        """, SUBPROCESS, ("dynamic-code", 2)),
    # ---- the source as CPython reads it
    case("raw_unicode_escape_cookie", "subprocess",
         {INIT: b"# coding: raw_unicode_escape\n#\\u000aimport os\\u003b "
                b"os.system('echo pwned')\n"}, SUBPROCESS, ("subprocess", 3)),
    case("escaped_string_names", "subprocess",
         'getattr(__import__("\\x6fs"), "\\x73ystem")("echo pwned")\n',
         SUBPROCESS, ("subprocess", 1)),
    # ---- compiled files
    case("pycache_unchecked_pyc_beside_a_harmless_source", "subprocess",
         {INIT: "", f"pkg/__pycache__/__init__.{TAG}.pyc": _pyc(PAY)},
         SUBPROCESS, ("unanalyzed", f"pkg/__pycache__/__init__.{TAG}.pyc", 0)),
    case("pycache_unchecked_pyc_of_a_submodule", "subprocess",
         {INIT: "from . import m\n", "pkg/m.py": "", f"pkg/__pycache__/m.{TAG}.pyc": _pyc(PAY)},
         SUBPROCESS, ("unanalyzed", f"pkg/__pycache__/m.{TAG}.pyc", 0)),
    case("sourceless_pyc_submodule", "subprocess",
         {INIT: "from . import m\n", "pkg/m.pyc": _pyc(PAY)},
         SUBPROCESS, ("unanalyzed", "pkg/m.pyc", 0)),
    case("imp_load_compiled_of_a_data_file", "dynamic-code", {
        INIT: "import os, warnings\nwarnings.simplefilter('ignore')\nimport imp\n"
              "imp.load_compiled('m', os.path.join(os.path.dirname(__file__), 'x.dat'))\n",
        "pkg/x.dat": _pyc(PAY),
    }, SUBPROCESS, ("dynamic-code", 4)),
    case("sourceless_loader_on_a_data_file", "dynamic-code", {
        INIT: "import os, importlib.machinery as m\nm.SourcelessFileLoader('m', os.path.join("
              "os.path.dirname(__file__), 'x.dat')).load_module()\n",
        "pkg/x.dat": _pyc(PAY),
    }, SUBPROCESS, ("dynamic-code", 2)),
    # ---- code objects and imports by computed name
    case("dis_codeobj_replaced_then_functiontype", "dynamic-code", """
        import dis, types
        def f():
            return a("os").b("echo pwned")
        t = {"a": "__im" + "port__", "b": "sys" + "tem"}
        c = dis.Bytecode(f).codeobj
        types.FunctionType(c.replace(co_names=tuple(t[n] for n in c.co_names)), globals())()
        """, SUBPROCESS, ("dynamic-code", 6)),
    case("type_of_function_called_on_a_codeobj", "dynamic-code", """
        import dis
        def f():
            return a("os").b("echo pwned")
        t = {"a": "__im" + "port__", "b": "sys" + "tem"}
        c = dis.Bytecode(f).codeobj
        type(f)(c.replace(co_names=tuple(t[n] for n in c.co_names)), globals())()
        """, SUBPROCESS, ("dynamic-code", 6)),
    case("bootstrap_gcd_import_computed", "dynamic-code", """
        import importlib._bootstrap as b
        b._gcd_import("o" + "s").system("echo pwned")
        """, SUBPROCESS, ("subprocess", 2)),
    case("bootstrap_find_and_load_computed", "dynamic-code", """
        import importlib._bootstrap as b
        b._find_and_load("o" + "s", __import__).system("echo pwned")
        """, SUBPROCESS, ("dynamic-code", 2)),
    case("pickle_getattribute_of_a_module", "subprocess", """
        import pickle, tempfile
        pickle._getattribute(tempfile, "_os.system")[0]("echo pwned")
        """, SUBPROCESS, ("dynamic-code", 2)),
    case("inspect_signature_eval_str", "dynamic-code", """
        import inspect
        def f(x: "__import__('os').system('echo pwned')"): pass
        inspect.signature(f, eval_str=True)
        """, SUBPROCESS, ("dynamic-code", 2)),
    # ---- standard classes that do I/O
    case("elementinclude_reads_a_file", "fs-read", """
        import xml.etree.ElementTree as ET
        from xml.etree import ElementInclude
        r = ET.fromstring('<r xmlns:xi="http://www.w3.org/2001/XInclude">'
                          '<xi:include href="/etc/passwd" parse="text"/></r>')
        ElementInclude.include(r)
        print(r.text)
        """, READ, ("fs-read", 5)),
    case("opener_director_with_a_handler", "network", """
        import sys, urllib.request as u
        o = u.OpenerDirector()
        o.add_handler(u.HTTPHandler())
        try:
            o.open("http://127.0.0.1:%s/" % sys.argv[2])
        except Exception:
            pass
        """, NET, ("network", 2)),
    case("dis_bytecode_of_a_source_string", "dynamic-code", f"""
        import dis, types
        types.FunctionType(dis.Bytecode({CODE}).codeobj, globals())()
        """, SUBPROCESS, ("dynamic-code", 2)),
    case("dis_get_code_object_of_a_source_string", "dynamic-code", f"""
        import dis, types
        types.FunctionType(dis._get_code_object({CODE}), globals())()
        """, SUBPROCESS, ("dynamic-code", 2)),
    case("builtin_importer_load_module_computed", "dynamic-code", """
        import warnings
        warnings.simplefilter("ignore")
        import importlib.machinery as m
        m.BuiltinImporter.load_module("p" + "osix").system("echo pwned")
        """, SUBPROCESS, ("dynamic-code", 4)),
    case("frozen_importer_load_module_computed", "dynamic-code", """
        import warnings
        warnings.simplefilter("ignore")
        import importlib.machinery as m
        m.FrozenImporter.load_module("o" + "s").system("echo pwned")
        """, SUBPROCESS, ("dynamic-code", 4)),
    case("meta_path_frozen_importer_load_module", "dynamic-code", """
        import sys, warnings
        warnings.simplefilter("ignore")
        sys.meta_path[1].load_module("o" + "s").system("echo pwned")
        """, SUBPROCESS, ("dynamic-code", 3)),
    case("imp_load_module_c_builtin_computed", "dynamic-code", """
        import warnings
        warnings.simplefilter("ignore")
        import imp
        imp.load_module("p" + "osix", None, "", ("", "", imp.C_BUILTIN)).system("echo pwned")
        """, SUBPROCESS, ("dynamic-code", 4)),
    case("mock_patch_dict_computed_target", "dynamic-code", f"""
        import unittest.mock as um
        try:
            with um.patch.dict({AG}, {{}}):
                pass
        except Exception:
            pass
        """, SUBPROCESS, ("dynamic-code", 3)),
    case("dataclass_field_name_injected_literal", "dynamic-code", """
        import dataclasses
        @dataclasses.dataclass(init=False, repr=False)
        class C:
            __annotations__ = {"a,)==(0,)if[__import__('os').system('echo pwned')]else(0": int}
        try:
            C() == C()
        except AttributeError:
            pass
        """, SUBPROCESS, ("dynamic-code", 4)),
    case("dataclass_field_name_injected_computed", "dynamic-code", """
        import dataclasses
        n = "a,)==(0,)if[__imp" + "ort__('os').sys" + "tem('echo pwned')]else(0"
        dc = dataclasses.dataclass(init=False, repr=False)
        C = dc(type("C", (), {"__annotations__": {n: int}}))
        try:
            C() == C()
        except AttributeError:
            pass
        """, SUBPROCESS, ("dynamic-code", 4)),
    case("tempfile_wrapper_deletes_the_name_it_is_given", "fs-write", {
        INIT: "import os, tempfile\nv = os.path.join(os.path.dirname(__file__), 'victim')\n"
              "tempfile._TemporaryFileWrapper(open(os.devnull), v).close()\n"
              "print('gone' if not os.path.exists(v) else 'kept')\n",
        "pkg/victim": "x",
    }, ("os.remove",), ("fs-write", 3)),
    # ---- entry points
    case("entry_point_standard_target", "subprocess", {INIT: ""}, SUBPROCESS,
         ("subprocess", "pkg-1.0.dist-info/entry_points.txt", 2),
         script=("webbrowser:main", ["go", "http://127.0.0.1/"])),
    # ---- guards whose test the scanner reads
    case("name_main_rebound_then_guarded", "subprocess", """
        __name__ = "__main__"
        if __name__ == "__main__":
            import subprocess
            subprocess.run(["echo", "pwned"])
        """, SUBPROCESS, ("subprocess", 4)),
    case("name_main_set_through_sys_modules", "subprocess", """
        import sys
        sys.modules[__name__].__name__ = "__main__"
        if __name__ == "__main__":
            import subprocess
            subprocess.run(["echo", "pwned"])
        """, SUBPROCESS, ("subprocess", 5)),
    case("if_not_debug_else_branch", "subprocess", """
        if not __debug__:
            pass
        else:
            import subprocess
            subprocess.run(["echo", "pwned"])
        """, SUBPROCESS, ("subprocess", 5)),
    case("class_attribute_shadows_a_global_module", "subprocess", """
        import subprocess as run_mod
        class C:
            run_mod = None
            def go(self):
                return run_mod.run(["echo", "pwned"])
        C().go()
        """, SUBPROCESS, ("subprocess", 5)),
    case("global_declared_in_a_class_body_import", "subprocess", """
        class C:
            global sp
            import subprocess as sp
        sp.run(["echo", "pwned"])
        """, SUBPROCESS, ("subprocess", 4)),
    case("except_star_group_hands_a_module", "subprocess", """
        try:
            raise ExceptionGroup("g", [ValueError(__import__("subprocess"))])
        except* ValueError as eg:
            eg.exceptions[0].args[0].run(["echo", "pwned"])
        """, SUBPROCESS, ("dynamic-code", 2)),
    # ---- introspection
    case("logging_currentframe", "introspection", """
        import logging
        print(logging.currentframe().f_globals["__name__"])
        """, "out:pkg", ("introspection", 2)),
    case("traceback_walk_stack", "introspection", """
        import traceback
        for fr, _ in traceback.walk_stack(None):
            print(fr.f_globals["__name__"])
        """, "out:importlib", ("introspection", 2)),

    # ================================================================ silent
    # ---- type-checking-guard: any ``if TYPE_CHECKING:`` / ``if x.TYPE_CHECKING:`` body is
    # skipped (gate/scan/python_refs.py _is_type_checking tested the spelling only), whatever
    # the name is bound to
    # (closed: gate/scan/type_checking.py, typing's name never rebound, no write of it)
    case("type_checking_bound_true_locally", "subprocess", """
        TYPE_CHECKING = True
        if TYPE_CHECKING:
            import subprocess
            subprocess.run(["echo", "pwned"])
        """, SUBPROCESS, ("subprocess", 4)),
    case("type_checking_written_into_typing", "subprocess", """
        import typing
        typing.TYPE_CHECKING = True
        from typing import TYPE_CHECKING
        if TYPE_CHECKING:
            import subprocess
            subprocess.run(["echo", "pwned"])
        """, SUBPROCESS, ("dynamic-code", 2)),  # (and subprocess at 6: test_type_checking)
    case("type_checking_attribute_of_an_own_class", "subprocess", """
        class K:
            TYPE_CHECKING = True
        if K.TYPE_CHECKING:
            import subprocess
            subprocess.run(["echo", "pwned"])
        """, SUBPROCESS, ("subprocess", 5)),
    case("type_checking_parameter", "subprocess", """
        def f(TYPE_CHECKING=True):
            if TYPE_CHECKING:
                import subprocess
                subprocess.run(["echo", "pwned"])
        f()
        """, SUBPROCESS, ("subprocess", 4)),
    # ---- builtin-by-name: a built-in or frozen module (posix, os) made by a computed name
    # through the import system's lower layer, which no seed names (EXTRA's
    # <computed import> lists __import__, import_module, _gcd_import, _find_and_load only)
    # (closed: <computed import> seed)
    case("bootstrap_builtin_from_name_computed", "dynamic-code", """
        import importlib._bootstrap as b
        b._builtin_from_name("p" + "osix").system("echo pwned")
        """, SUBPROCESS, ("dynamic-code", 2)),
    # (closed: <computed import> seed)
    case("imp_create_builtin_computed", "dynamic-code", """
        import _imp, types
        _imp.create_builtin(types.SimpleNamespace(name="p" + "osix")).system("echo pwned")
        """, SUBPROCESS, ("dynamic-code", 2)),
    # (closed: catalog.txt)
    case("builtin_importer_create_module_computed", "dynamic-code", """
        import types, importlib.machinery as m
        m.BuiltinImporter.create_module(types.SimpleNamespace(name="p" + "osix")).system(
            "echo pwned")
        """, SUBPROCESS, ("dynamic-code", 2)),
    # (closed: <computed import> seed)
    case("imp_init_builtin_computed", "dynamic-code", """
        import warnings
        warnings.simplefilter("ignore")
        import imp
        imp.init_builtin("p" + "osix").system("echo pwned")
        """, SUBPROCESS, ("dynamic-code", 4)),
    # (closed: <computed import> seed)
    case("imp_init_frozen_computed", "dynamic-code", """
        import warnings
        warnings.simplefilter("ignore")
        import imp
        imp.init_frozen("o" + "s").system("echo pwned")
        """, SUBPROCESS, ("dynamic-code", 4)),
    # (closed: <computed import> seed)
    case("imp_init_frozen_private_computed", "dynamic-code", """
        import _imp
        _imp.init_frozen("o" + "s").system("echo pwned")
        """, SUBPROCESS, ("dynamic-code", 2)),
    # (closed: <computed import> seed)
    case("imp_get_frozen_object_run_as_a_function", "dynamic-code", """
        import _imp, types
        g = {"__name__": "x"}
        types.FunctionType(_imp.get_frozen_object("o" + "s"), g)()
        g["system"]("echo pwned")
        """, SUBPROCESS, ("dynamic-code", 3)),
    # ---- import-system-stop, misread: pydoc.importfile loads any file as a module
    # (importlib._bootstrap._load, a STOP: its dynamic-code does not reach pydoc)
    # (closed: catalog.txt)
    case("pydoc_importfile_of_a_data_file", "dynamic-code", {
        INIT: "import os, pydoc\npydoc.importfile(os.path.join(os.path.dirname(__file__), "
              "'notes.txt'))\n",
        "pkg/notes.txt": PAY,
    }, SUBPROCESS, ("dynamic-code", 2)),
    # ---- sysconfig-cut: tools/stdlib_catalog.py STOP cuts the whole of sysconfig ("the
    # interpreter's own build configuration"), but its helpers take names and paths
    # (closed: catalog.txt)
    case("sysconfig_subst_vars_reads_env", "env", """
        import sysconfig
        print(sysconfig._subst_vars("{RT6_" + "SECRET}", {}))
        """, ENV, ("env", 2)),
    case("sysconfig_get_path_of_an_own_scheme_reads_env", "env", """
        import sysconfig
        sysconfig._INSTALL_SCHEMES["x"] = {"data": "{RT6_" + "SECRET}"}
        print(sysconfig.get_path("data", "x"))
        """, ENV, ("env", 2)),  # (closed: catalog.txt, sysconfig._INSTALL_SCHEMES)
    case("sysconfig_get_paths_unexpanded_table_reads_env", "env", """
        import sysconfig
        sysconfig.get_paths("posix_prefix", expand=False)["data"] = "{RT6_" + "SECRET}"
        print(sysconfig.get_path("data", "posix_prefix"))
        """, ENV, bypass="silent: sysconfig-cut, get_paths(expand=False) hands out the live "
         "scheme dict, and get_path expands a value changed there with the environment "
         "(_subst_vars); fix: get_path/get_paths given expand (not a literal True) is env, "
         "a gate/scan/stdlib_forms.py rule (0 of 966 wheels pass expand)"),
    # (closed: STOP take)
    case("sysconfig_parse_makefile_reads_a_file", "fs-read", {
        INIT: "import os, sysconfig\nprint(sysconfig._parse_makefile(os.path.join("
              "os.path.dirname(__file__), 'notes.txt')))\n",
        "pkg/notes.txt": "RT7=s3cr3t\n",
    }, "out:s3cr3t", ("fs-read", 2)),
    # (closed: STOP take)
    case("sysconfig_generate_posix_vars_writes", "fs-write", """
        import sysconfig
        sysconfig._generate_posix_vars()
        """, WRITE, ("fs-write", 2)),
    # ---- argparse-fromfile (a STOP: "only for a parser built with fromfile_prefix_chars")
    # (closed: gate/scan/stdlib_forms.py, the keyword at construction)
    case("argparse_fromfile_prefix_reads_a_file", "fs-read", """
        import argparse
        p = argparse.ArgumentParser(fromfile_prefix_chars="@")
        print(p.parse_known_args(["@/etc/" + "passwd"])[1][:1])
        """, READ, ("fs-read", 2)),
    # ---- template-exec: a dataclass's field name is pasted into the source dataclasses
    # exec()s; the names are checked when read from annotations, not when inherited
    # (closed: gate/scan/python.py _field_renamed)
    case("dataclass_inherited_field_renamed", "dynamic-code", """
        import dataclasses
        @dataclasses.dataclass
        class B:
            a: int = 0
        dataclasses.fields(B)[0].name = ("a,)==(0,)if[__imp" + "ort__('os').sys"
                                          + "tem('echo pwned')]else(0")
        @dataclasses.dataclass(init=False, repr=False)
        class D(B):
            pass
        D() == D()
        """, SUBPROCESS, ("dynamic-code", 5)),
    # ---- entry-point-own-attr: a console script's target in the package's own module whose
    # attribute path leaves it (gate/scan/wheel.py _entry_point_target returns [] for an own
    # module: "its findings are where it is"; a plain ``import webbrowser`` there is none)
    # (closed: gate/scan/wheel.py _own_attr_path resolves the attribute path through the
    # own module's imports; a path it cannot resolve is unanalyzed)
    case("entry_point_own_module_held_module", "subprocess", {INIT: "import webbrowser\n"},
         SUBPROCESS, EP_LINE, script=("pkg:webbrowser.main", ["go", "http://127.0.0.1/"])),
    case("entry_point_own_submodule_alias", "subprocess",
         {INIT: "", "pkg/sub.py": "import webbrowser as w\n"},
         SUBPROCESS, EP_LINE, script=("pkg.sub:w.main", ["go", "http://127.0.0.1/"])),
    case("entry_point_own_module_os_fork", "subprocess", {INIT: "import os\n"},
         ("os.fork",), EP_LINE, script=("pkg:os.fork", ["go"])),
    # ---- template-exec, misread: not silent (a ``threads`` finding), but the exec is unseen
    # (closed: catalog.txt)
    case("autoproxy_exposed_method_name_exec", "dynamic-code", """
        from multiprocessing import managers as mm
        m = "f(self): pass\\n__imp" + "ort__('os').sys" + "tem('echo pwned')\\ndef g"
        mm.AutoProxy(mm.Token("t", ("127.0.0.1", 1), "i"), "pickle", exposed=[m],
                     incref=False, authkey=b"k")
        """, SUBPROCESS, ("dynamic-code", 3)),
    # ---- enum-convert: Enum._convert_(name, module, filter) reads sys.modules[module]
    # .__dict__ and makes the names filter keeps members whose values are the module's
    # objects (a builtin function is no descriptor, so it becomes a member); enum is a STOP
    # ("the caller's frame names an enum's module") and _convert_ is read as no lookup
    # (closed: catalog.txt ._convert_)
    case("enum_convert_of_a_module_literal", "subprocess", """
        import enum
        E = enum.Enum._convert_("E", "os", lambda n: n == "system")
        E.system.value("echo pwned")
        """, SUBPROCESS, ("dynamic-code", 2)),
    # (closed: catalog.txt ._convert_)
    case("enum_convert_of_a_module_computed", "subprocess", """
        import enum
        E = enum.Enum._convert_("E", "o" + "s", lambda n: n == "sys" + "tem")
        E["sys" + "tem"].value("echo pwned")
        """, SUBPROCESS, ("dynamic-code", 2)),
    # ---- lookup-helper
    # (closed: catalog.txt)
    case("pickle_getattribute_of_print_self", "dynamic-code", f"""
        import pickle
        pickle._getattribute(print, "__self__.exec")[0]({CODE})
        """, SUBPROCESS, ("dynamic-code", 2)),
    # ---- linecache-wrapper
    # (closed: STOP take)
    case("warnings_formatwarning_reads_a_file", "fs-read", """
        import warnings
        print(warnings.formatwarning("x", UserWarning, "/etc/" + "passwd", 1))
        """, READ, ("fs-read", 2)),
    # (closed: catalog.txt (a C function))
    case("warnings_warn_explicit_reads_a_file", "fs-read", """
        import sys, warnings
        sys.stderr = sys.stdout
        warnings.warn_explicit("x", UserWarning, "/etc/" + "passwd", 1)
        """, READ, ("fs-read", 3)),
    # (closed: STOP take)
    case("traceback_frame_summary_line", "fs-read", """
        import traceback
        print(traceback.FrameSummary("/etc/" + "passwd", 1, "x").line)
        """, READ, ("fs-read", 2)),
    # (closed: tools/stdlib_catalog.py STOP_INPUT, generated)
    case("traceback_format_list", "fs-read", """
        import traceback
        print(traceback.format_list([("/etc/" + "passwd", 1, "x", None)])[0])
        """, READ, ("fs-read", 2)),
    case("traceback_print_list", "fs-read", """
        import sys, traceback
        traceback.print_list([("/etc/" + "passwd", 1, "x", None)], file=sys.stdout)
        """, READ, ("fs-read", 2)),
]


def run_script(files: dict[str, str | bytes], target: str, argv: list[str],
               tmp_path: Path) -> tuple[set[str], str]:
    """Runs the console script ``target`` (``module:attr.path``) with ``argv`` as the
    wrapper pip writes does (``from module import attr; sys.exit(attr.path())``), under
    wave 6's hook and environment (its child imports ``pkg`` last: the wrapper follows)."""
    module, attr = target.split(":")
    wrapper = (f"sys.argv = {argv!r}\nfrom {module} import {attr.split('.')[0]}\n"
               f"sys.exit({attr}())\n")
    site, work = lay_out(files, tmp_path)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "BROWSER": "echo",
           "PYTHONDONTWRITEBYTECODE": "1"}
    r = subprocess.run([sys.executable, "-c", HOOK + wrapper, str(site), "0"], cwd=work,
                       env=env, capture_output=True, text=True, timeout=60, check=False)
    return audit_events(r.stderr), r.stdout


def check_payload(files: dict[str, str | bytes], proof: str | tuple[str, ...],
                  script: tuple[str, list[str]] | None, tmp_path: Path) -> None:
    """Imports ``pkg`` (or runs the console script ``script``) in a child interpreter and
    asserts ``proof`` (wave 6's ``assert_proof``)."""
    if sys.version_info >= (3, 12) and any(
            isinstance(v, str) and "import imp\n" in v for v in files.values()):
        pytest.skip("imp was removed in 3.12")
    if script is not None:
        events, out = run_script(files, *script, tmp_path)
    else:
        events, out = run_payload(files, tmp_path)
    assert_proof(events, out, proof)


def check_finding(files: dict[str, str | bytes], cap: str,
                  where: tuple[str, str, int] | None, script: tuple[str, list[str]] | None,
                  tmp_path: Path) -> None:
    """Scans the wheel (declaring ``script`` as the console script ``go``) and asserts
    ``where``, or ``cap`` anywhere (wave 6's ``assert_found``)."""
    eps = {"console_scripts": {"go": script[0]}} if script else None
    found = scan_artifact(build_wheel(tmp_path, "pkg", "1.0", files, entry_points=eps)).findings
    assert_found(found, cap, where)


@pytest.mark.parametrize(("files", "cap", "proof", "where", "script"),
                         [pytest.param(*p.values, id=p.id) for p in CASES])
def test_payload_really_uses_the_capability(files: dict[str, str | bytes], cap: str,
                                            proof: str | tuple[str, ...],
                                            where: tuple[str, str, int] | None,
                                            script: tuple[str, list[str]] | None,
                                            tmp_path: Path) -> None:
    check_payload(files, proof, script, tmp_path)


@pytest.mark.parametrize(("files", "cap", "proof", "where", "script"), CASES)
def test_reaches_capability_with_a_finding(files: dict[str, str | bytes], cap: str,
                                           proof: str | tuple[str, ...],
                                           where: tuple[str, str, int] | None,
                                           script: tuple[str, list[str]] | None,
                                           tmp_path: Path) -> None:
    check_finding(files, cap, where, script, tmp_path)
