"""Red-team wave 8 (issue #11): code that really uses a capability, and the scanner's answer.

Same harness as waves 6 and 7 (reused by import): each case is a wheel whose ``import pkg``
really does what its capability says, proven in a child interpreter under an audit hook
(``test_payload_really_uses_the_capability``: an audit event, a connection to a local
listener, or text only the capability could produce on stdout), and scanned with a policy
that grants nothing (``test_reaches_capability_with_a_finding``). A caught case asserts the
exact (capability, path, line) the scanner reports; a silent one is ``xfail(strict=True)``
whose reason names the mechanism and the fix, and asserts what a correct scanner reports
(the capability, or ``dynamic-code`` / ``unanalyzed``, anywhere).

This wave went where the earlier ones did not: how names are spelled (NFKC identifiers,
``_operator`` / ``_functools`` / ``_frozen_importlib`` for their public faces), the
places a value goes without a call (annotations, exceptions, operators' reflected
methods, attribute and item stores, ``__prepare__`` namespaces, a module's ``__class__``),
attributes whose *setter* does I/O, C-level effects no audit event shows, and data that is
code (metadata found by ``importlib.metadata`` outside the wheel's own ``.dist-info``).

Silent root causes found (the reasons start with them):

  annotation-holds-module: an annotation expression naming a module (``x: os``,
                           ``class C: m: os``, ``def f(a: os)``) stores the module in an
                           ``__annotations__`` dict; read back, it is a module the scanner
                           no longer knows (a computed ``getattr`` of it is quiet)
  exception-holds-module:  ``os.nope`` raises an ``AttributeError`` whose ``.obj`` is the
                           module
  module-class-assigned:   ``os.__class__ = M`` (a ``ModuleType`` subclass of the
                           package's own) makes every later ``os.x`` call ``M``'s hooks
                           with ``self`` the module
  prepare-namespace:       a metaclass's ``__prepare__`` returns the class body's namespace:
                           a bare ``hasattr`` there is whatever it holds
  builtin-rebound-unseen:  a bare ``hasattr``/``isinstance`` is trusted to only look at a
                           module, but is rebound where the scanner does not look: the
                           builtins module by ``import_module("builtins")`` or
                           ``__import__("builtins")``, or by a sibling module; a module's
                           global by a store on its own name (``pkg.hasattr = h``) from itself,
                           a submodule or ``sys.modules["pkg"]``
  private-twin:            ``_operator.attrgetter`` is ``operator.attrgetter`` and
                           ``_warnings.warn_explicit`` is ``warnings.warn_explicit``: the C
                           module's spelling of a catalogued or reflective name is unread
  stdlib-loader:           a standard module's ``__loader__`` (``json.__loader__``,
                           ``json.__spec__.loader``, ``find_spec("json").loader``) is a
                           SourceFileLoader: ``get_data`` reads any path
  setter-io:               an attribute whose setter writes (``SSLContext.keylog_filename``,
                           ``sys.pycache_prefix``), a function that sets one from the
                           environment (``ssl.create_default_context`` and $SSLKEYLOGFILE),
                           or a module attribute that chooses what a STOPped reader reads
                           (``mimetypes.knownfiles``)
  c-no-event:              C code that opens files with no audit event and no hand entry
                           (``_multiprocessing.SemLock`` / ``sem_unlink`` in /dev/shm,
                           ``SSLContext.load_dh_params``), or a search path the package
                           sets (``zoneinfo.reset_tzpath``) for a module the table stops;
                           introspection from C (``_lsprof.Profiler().enable()``,
                           ``sys.set_coroutine_origin_tracking_depth``)
  suffix-lists:            ``importlib._bootstrap_external.SOURCE_SUFFIXES += [...]`` (and
                           ``BYTECODE_SUFFIXES``): the augmented store through that module is
                           not read as a change (machinery's spelling and ``.append`` are)
  proc-environ:            the environment read as a file by a path no literal spells whole
                           (a glob under /proc/self/task, the /proc/self/root loop)
  misread:                 ``ctypes.macholib.dyld.dyld_env`` reads ``os.environ`` and is
                           reported as ``native`` only (ctypes' import)
  class-of-an-instance:    a standard object the scanner does not type (a running thread,
                           sys.stdout, a file opened for reading, the loop's self-pipe) leads
                           by ``__class__`` / ``type()`` / ``__base__`` / ``__mro__`` to a
                           class that acts when made (Thread, FileIO, socket)
  sax-url:                 ``xml.sax.parse(url)`` fetches it, reported as fs-read only
  proc-self-mem:           writing ``/proc/self/mem`` rewrites the interpreter's memory:
                           reported as file I/O, not ``native``
  metadata-entry-point:    an ``entry_points.txt`` inside the package (a nested
                           ``.dist-info`` found by ``importlib.metadata.distributions(path=)``),
                           whose entry point ``.load()`` imports and returns any name
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.scan.test_redteam_wave6 import CODE, ENV, NET, SUBPROCESS, WRITE, _pyc
from tests.scan.test_redteam_wave7 import INIT, READ, case, check_finding, check_payload

# the payload's own code, where a module has reached it unseen: a computed name on an
# untyped value, which the scanner keeps quiet (docs/scanner.md: no module can flow there
# without a finding where it was handed on)
GO = "getattr(m, 'sys' + 'tem')('echo pwned')"
PAY = "import os\nos.system('echo pwned')\n"
# a profiler installed (3.12+: through sys.monitoring)
PROFILE = ("sys.setprofile", "sys.monitoring.register_callback")
HERE = "import os\np = os.path.join(os.path.dirname(__file__), 'out')\n"


# a stand-in for a builtin: handed a module where the scanner sees only a look at it
H = f"def h(m, n):\n    {GO}\n    return True\n"
USE = "import os\nfrom . import a\nhasattr(os, 'x')\n"  # pkg/__init__.py after a rebinds


def hook(method: str, body: str = GO) -> str:
    """A class ``K`` whose ``method`` receives a module as ``m`` and uses it unseen."""
    return f"import os\nclass K:\n    def {method}:\n        {body}\n        return self\n"


CASES = [
    # ================================================================ caught
    # ---- how names are spelled: CPython reads identifiers NFKC-normalised (PEP 3131)
    case("nfkc_fullwidth_attribute", "subprocess",
         "import os\nｏｓ.ｓｙｓｔｅｍ('echo pwned')\n", SUBPROCESS, ("subprocess", 2)),
    case("nfkc_math_bold_import", "subprocess",
         "import 𝐨𝐬\n𝐨𝐬.𝐬𝐲𝐬𝐭𝐞𝐦('echo pwned')\n", SUBPROCESS, ("subprocess", 2)),
    case("nfkc_fullwidth_from_import", "subprocess",
         "from ｏｓ import ｓｙｓｔｅｍ as s\ns('echo pwned')\n", SUBPROCESS, ("subprocess", 2)),
    case("nfkc_ligature_alias", "subprocess",
         "import subprocess as ﬀ\nﬀ.run(['echo', 'pwned'])\n", SUBPROCESS, ("subprocess", 2)),
    case("nfkc_builtins_subscript", "dynamic-code",
         f"__ｂｕｉｌｔｉｎｓ__['ex' + 'ec']({CODE})\n", SUBPROCESS, ("dynamic-code", 1)),
    # ---- private twins and frozen faces of public modules
    case("functools_private_reduce_getattr", "dynamic-code",
         f"import _functools\n_functools.reduce(getattr, ['__self__', 'exec'], print)({CODE})\n",
         SUBPROCESS, ("dynamic-code", 2)),
    case("operator_private_methodcaller", "subprocess",
         "import os, _operator\n_operator.methodcaller('sys' + 'tem', 'echo pwned')(os)\n",
         SUBPROCESS, ("subprocess", 2)),
    case("frozen_importlib_gcd_import", "dynamic-code",
         "import _frozen_importlib as b\nb._gcd_import('o' + 's').system('echo pwned')\n",
         SUBPROCESS, ("subprocess", 2)),
    # ---- values that go somewhere without a call
    case("generic_alias_args", "subprocess",
         f"import os\nm = list[os].__args__[0]\n{GO}\n", SUBPROCESS, ("dynamic-code", 2)),
    case("annotated_metadata", "subprocess",
         f"import os, typing\nm = typing.Annotated[int, os].__metadata__[0]\n{GO}\n",
         SUBPROCESS, ("dynamic-code", 2)),
    case("literal_args", "subprocess",
         f"import os, typing\nm = typing.Literal[os].__args__[0]\n{GO}\n",
         SUBPROCESS, ("dynamic-code", 2)),
    case("reflected_or", "subprocess", hook("__ror__(self, m)") + "os | K()\n",
         SUBPROCESS, ("dynamic-code", 6)),
    case("inplace_add", "subprocess", hook("__iadd__(self, m)") + "k = K()\nk += os\n",
         SUBPROCESS, ("dynamic-code", 7)),
    case("setattr_hook", "subprocess", hook("__setattr__(self, n, m)") + "K().x = os\n",
         SUBPROCESS, ("dynamic-code", 6)),
    case("setitem_hook", "subprocess", hook("__setitem__(self, k, m)") + "K()[0] = os\n",
         SUBPROCESS, ("dynamic-code", 6)),
    case("delitem_key", "subprocess", hook("__delitem__(self, m)") + "k = K()\ndel k[os]\n",
         SUBPROCESS, ("dynamic-code", 7)),
    case("metaclass_setattr", "subprocess", f"""
        import os
        class Meta(type):
            def __setattr__(cls, n, m):
                {GO}
        class K(metaclass=Meta):
            pass
        K.x = os
        """, SUBPROCESS, ("dynamic-code", 7)),
    case("keyerror_args", "subprocess", f"""
        import os
        try:
            {{}}[os]
        except KeyError as e:
            m = e.args[0]
        {GO}
        """, SUBPROCESS, ("dynamic-code", 3)),
    case("exception_notes", "subprocess", f"""
        import os
        e = ValueError()
        e.__notes__ = [os]
        m = e.__notes__[0]
        {GO}
        """, SUBPROCESS, ("dynamic-code", 3)),
    case("match_capture", "subprocess", f"""
        import os
        match os:
            case m:
                {GO}
        """, SUBPROCESS, ("dynamic-code", 2)),
    case("match_class_pattern_metaclass", "subprocess", f"""
        import os
        class Meta(type):
            def __instancecheck__(cls, m):
                {GO}
                return False
        class K(metaclass=Meta):
            pass
        match os:
            case K():
                pass
        """, SUBPROCESS, ("dynamic-code", 8)),
    # ---- builtins rebound where the scanner reads a bare name
    case("class_body_locals_write", "subprocess", f"""
        import os
        def h(m, n):
            {GO}
            return True
        class C:
            locals()["hasattr"] = h
            hasattr(os, "x")
        """, SUBPROCESS, ("dynamic-code", 7)),
    case("builtins_name_rebound", "subprocess", f"""
        import os
        def h(m, n):
            {GO}
            return True
        __builtins__ = dict(__builtins__, hasattr=h)
        def f():
            hasattr(os, "x")
        f()
        """, SUBPROCESS, ("dynamic-code", 7)),
    case("builtins_dunder_item_store", "subprocess",
         "import os\n" + H + "__builtins__['hasattr'] = h\nhasattr(os, 'x')\n", SUBPROCESS,
         ("dynamic-code", 6)),
    case("sys_modules_builtins_attribute_store", "subprocess",
         "import os, sys\n" + H + "sys.modules['builtins'].hasattr = h\nhasattr(os, 'x')\n",
         SUBPROCESS, ("dynamic-code", 6)),
    case("globals_setdefault", "subprocess",
         "import os\n" + H + "globals().setdefault('hasattr', h)\nhasattr(os, 'x')\n",
         SUBPROCESS, ("dynamic-code", 6)),
    case("class_body_vars_write", "subprocess",
         "import os\n" + H + "class C:\n    vars()['isinstance'] = h\n    isinstance(os, str)\n",
         SUBPROCESS, ("dynamic-code", 7)),
    # ---- data that is code
    case("trace_coverage_results_unpickles", "subprocess", {
        INIT: "import os, trace\ntrace.CoverageResults(infile=os.path.join("
              "os.path.dirname(__file__), 'cov.dat'))\n",
        "pkg/cov.dat": b"cposix\nsystem\n(S'echo pwned'\ntR.",
    }, SUBPROCESS, ("dynamic-code", 2)),
    # ---- standard library reached by other spellings
    case("ntpath_expandvars_on_posix", "env",
         "import ntpath\nprint(ntpath.expandvars('%RT6_SECRET%'))\n", ENV, ("env", 2)),
    case("open_mode_plus_first", "fs-write", HERE + "open(p, '+r')\n", WRITE,
         ("fs-write", 3)),
    case("open_mode_by_keyword_splat", "fs-write", HERE + "open(p, **{'mode': 'w'})\n",
         WRITE, ("fs-write", 3)),
    case("tarfile_taropen_classmethod", "fs-write",
         HERE + "import tarfile\ntarfile.TarFile.taropen(p, 'w').close()\n", WRITE,
         ("fs-write", 4)),
    case("os_open_creat_read_only", "fs-write",
         HERE + "os.close(os.open(p, os.O_CREAT))\nprint('made' if os.path.exists(p) else 0)\n",
         "out:made", ("fs-write", 3)),
    case("star_import_of_posix", "subprocess", "from posix import *\nsystem('echo pwned')\n",
         SUBPROCESS, ("subprocess", 2)),
    case("sys_modules_store_then_import", "subprocess",
         "import os, sys\nsys.modules['zz8'] = os\nimport zz8\nzz8.system('echo pwned')\n",
         SUBPROCESS, ("dynamic-code", 2)),
    case("builtins_attribute_store", "subprocess",
         "import builtins, os\nbuiltins.zz8 = os\nzz8.system('echo pwned')\n",
         SUBPROCESS, ("dynamic-code", 2)),
    case("keyword_only_default", "subprocess", f"import os\ndef f(*, m=os):\n    {GO}\nf()\n",
         SUBPROCESS, ("dynamic-code", 2)),
    case("generator_expression_next", "subprocess",
         f"import os\nm = next(os for _ in 'x')\n{GO}\n", SUBPROCESS, ("dynamic-code", 2)),
    case("logging_brace_format_walks_globals", "env", """
        import logging, os
        class K:
            def __init__(self):
                pass
        f = logging.Formatter("{msg.__init__.__globals__[os].environ[RT6_SECRET]}", style="{")
        print(f.format(logging.LogRecord("n", 20, "p", 1, K(), None, None)))
        """, ENV, ("dynamic-code", 5)),
    case("machinery_source_suffixes_augmented", "dynamic-code", {
        INIT: "import importlib.machinery as m\nm.SOURCE_SUFFIXES += ['.txt']\n"
              "from . import payload\n",
        "pkg/payload.txt": PAY,
    }, SUBPROCESS, ("dynamic-code", 2)),
    case("frozen_external_bytecode_suffixes_append", "dynamic-code", {
        INIT: "import _frozen_importlib_external as b\nb.BYTECODE_SUFFIXES.append('.dat')\n"
              "from . import payload\n",
        "pkg/payload.dat": _pyc(PAY),
    }, SUBPROCESS, ("dynamic-code", 2)),
    case("source_loader_subclass_exec_module", "dynamic-code", """
        import importlib.abc, types
        class L(importlib.abc.SourceLoader):
            def get_data(self, p):
                return ("__imp" + "ort__('os').sys" + "tem('echo pwned')").encode()
            def get_filename(self, n):
                return "x.py"
        L().exec_module(types.ModuleType("x"))
        """, SUBPROCESS, ("dynamic-code", 2)),
    case("cprofile_enable", "introspection",
         "import cProfile\np = cProfile.Profile()\np.enable()\nimport colorsys\np.disable()\n",
         PROFILE, ("dynamic-code", 2)),
    case("audit_hook_sees_later_code", "introspection",
         "import sys\nsys.addaudithook(lambda e, a: e == 'exec' and print(a[0].co_filename))\n"
         "import colorsys\n", "out:colorsys.py", ("introspection", 2)),
    case("traceback_extract_stack", "introspection",
         "import traceback\nprint(traceback.extract_stack()[0])\n", "out:FrameSummary",
         ("introspection", 2)),
    case("email_make_msgid_resolves_the_host", "network",
         "import email.utils\nemail.utils.make_msgid()\n", ("socket.gethostbyaddr",),
         ("network", 2)),
    case("proc_pid_environ", "env",
         "import os\nprint(open('/proc/%d/environ' % os.getpid()).read().count('s3cr3t') "
         "and 's3cr3t')\n", ENV, ("env", 2)),
    case("proc_thread_self_environ", "env",
         "print(open('/proc/thread-self/' + 'environ').read().count('s3cr3t') and 's3cr3t')\n",
         ENV, ("env", 1)),
    case("zipfile_subclass_write_mode", "fs-write",
         HERE + "import zipfile\nclass Z(zipfile.ZipFile):\n    pass\nZ(p, 'w').close()\n",
         WRITE, ("fs-write", 4)),
    case("fileio_made_by_type_write_mode", "fs-write",
         HERE + "import io\ntype('F', (io.FileIO,), {})(p, 'w').close()\n", WRITE,
         ("fs-write", 4)),
    case("partial_of_zipfile_write_mode", "fs-write",
         HERE + "import functools, zipfile\n"
         "functools.partial(zipfile.ZipFile, mode='w')(p).close()\n", WRITE, ("fs-write", 4)),
    case("builtin_importer_as_sys_loader", "dynamic-code",
         "import sys, warnings\nwarnings.simplefilter('ignore')\n"
         "sys.__loader__.load_module('p' + 'osix').system('echo pwned')\n", SUBPROCESS,
         ("dynamic-code", 3)),
    case("stdlib_module_builtins_subscript", "dynamic-code",
         f"import json\njson.__builtins__['ex' + 'ec']({CODE})\n", SUBPROCESS,
         ("dynamic-code", 2)),
    case("operator_private_itemgetter_of_builtins", "dynamic-code",
         f"import json, _operator\n_operator.itemgetter('ex' + 'ec')(json.__builtins__)({CODE})\n",
         SUBPROCESS, ("dynamic-code", 2)),
    case("importlib_dunder_import_computed", "dynamic-code",
         "import importlib\nimportlib.__import__('o' + 's').system('echo pwned')\n",
         SUBPROCESS, ("subprocess", 2)),
    case("loop_parameter_subprocess_shell", "subprocess", """
        import asyncio
        async def go(loop):
            t, p = await loop.subprocess_shell(asyncio.SubprocessProtocol, "echo pwned")
            await asyncio.sleep(0.3)
            t.close()
        async def top():
            await go(asyncio.get_running_loop())
        asyncio.run(top())
        """, ("subprocess.Popen",), ("subprocess", 3)),
    case("loop_parameter_sock_connect", "network", """
        import asyncio, socket, sys
        async def go(loop):
            s = socket.socket()
            s.setblocking(False)
            await loop.sock_connect(s, ("127.0.0.1", int(sys.argv[2])))
        async def top():
            await go(asyncio.get_running_loop())
        asyncio.run(top())
        """, NET, ("network", 5)),
    case("loop_parameter_run_in_executor", "threads", """
        import asyncio
        async def go(loop):
            await loop.run_in_executor(None, print, "pwned")
        async def top():
            await go(asyncio.get_running_loop())
        asyncio.run(top())
        """, "out:pwned", ("threads", 3)),
    case("rmtree_onerror_gets_a_posix_function", "subprocess", """
        import shutil
        def f(func, p, e):
            getattr(func.__self__, "sys" + "tem")("echo pwned")
        shutil.rmtree("/nonexistent-rt8", onerror=f)
        """, SUBPROCESS, ("subprocess", 3)),
    case("logging_dictconfig_ext_environ", "env", """
        import logging, logging.config
        def h(**kw):
            print(kw["e"].get("RT6_SECRET"))
            return logging.NullHandler()
        logging.config.dictConfig({"version": 1, "handlers": {"h": {"()": h, "e": "ext://os.environ"}}})
        """, ENV, ("dynamic-code", 5)),
    case("proc_environ_in_pieces", "env",
         "print(open('/proc/self/' + 'env' + 'iron').read().count('s3cr3t') and 's3cr3t')\n",
         ENV, ("env", 1)),
    case("globals_of_a_running_thread_method", "threads",
         "import threading\nthreading.current_thread().run.__globals__['Thread'](target=print, "
         "args=('pwned',)).start()\n", "out:pwned", ("threads", 2)),
    case("resource_sharer_starts_a_listener_thread", "threads",
         "import os, multiprocessing.resource_sharer as r\n"
         "r.DupFd(os.open(os.devnull, os.O_RDONLY))\n", ("socket.bind",), ("threads", 2)),

    # ================================================================ silent
    # ---- annotation-holds-module
    case("annotation_module_level_holds_a_module", "subprocess",
         f"import os\nx: os\nm = __annotations__['x']\n{GO}\n", SUBPROCESS,
         ("dynamic-code", 2)),
    case("annotation_class_level_holds_a_module", "subprocess",
         f"import os\nclass C:\n    m: os\nm = C.__annotations__['m']\n{GO}\n", SUBPROCESS,
         ("dynamic-code", 3)),
    case("annotation_parameter_holds_a_module", "subprocess",
         f"import os\ndef f(a: os): pass\nm = f.__annotations__['a']\n{GO}\n", SUBPROCESS,
         ("dynamic-code", 2)),
    # ---- exception-holds-module
    case("attribute_error_obj_is_the_module", "subprocess", f"""
        import os
        try:
            os.nope
        except AttributeError as e:
            m = e.obj
        {GO}
        """, SUBPROCESS, ("dynamic-code", 5)),
    # ---- module-class-assigned
    case("module_class_assigned_to_an_own_subclass", "subprocess", """
        import os, types
        class M(types.ModuleType):
            def __getattr__(self, n):
                return types.ModuleType.__getattribute__(self, "sys" + "tem")
        os.__class__ = M
        os.anything("echo pwned")
        """, SUBPROCESS, ("dynamic-code", 5)),
    # ---- prepare-namespace
    case("prepare_namespace_rebinds_hasattr", "subprocess", f"""
        import os
        def h(m, n):
            {GO}
            return True
        class Meta(type):
            @classmethod
            def __prepare__(mcs, name, bases):
                return {{"hasattr": h}}
        class C(metaclass=Meta):
            hasattr(os, "x")
        """, SUBPROCESS, ("dynamic-code", 7)),
    # ---- builtin-rebound-unseen: a bare builtin that takes a module only to look at it
    # (hasattr, isinstance, ...) is trusted where nothing rebinds it; these rebind it
    case("builtins_by_import_module_attribute_store", "subprocess",
         "import os, importlib\n" + H + "importlib.import_module('builtins').hasattr = h\n"
         "hasattr(os, 'x')\n", SUBPROCESS,
         ("dynamic-code", 5)),
    case("builtins_by_dunder_import_attribute_store", "subprocess",
         "import os\n" + H + "__import__('builtins').hasattr = h\nhasattr(os, 'x')\n",
         SUBPROCESS, ("dynamic-code", 5)),
    case("builtins_rebound_by_a_sibling_module", "subprocess", {
        INIT: USE, "pkg/a.py": "import builtins\n" + H + "builtins.hasattr = h\n",
    }, SUBPROCESS, ("dynamic-code", "pkg/a.py", 5)),
    case("module_global_rebound_through_its_own_name", "subprocess",
         "import os\n" + H + "import pkg\npkg.hasattr = h\nhasattr(os, 'x')\n", SUBPROCESS,
         ("dynamic-code", 6)),
    case("module_global_rebound_by_a_submodule", "subprocess", {
        INIT: USE, "pkg/a.py": "import pkg\n" + H + "pkg.hasattr = h\n",
    }, SUBPROCESS, ("dynamic-code", "pkg/a.py", 5)),
    case("module_global_rebound_through_sys_modules", "subprocess", {
        INIT: USE, "pkg/a.py": "import sys\n" + H + "sys.modules['pkg'].hasattr = h\n",
    }, SUBPROCESS, ("dynamic-code", "pkg/a.py", 5)),
    # ---- private-twin
    case("operator_private_attrgetter", "dynamic-code",
         f"import _operator\n_operator.attrgetter('__self__.exec')(print)({CODE})\n",
         SUBPROCESS, ("dynamic-code", 2)),
    # ---- stdlib-loader
    case("stdlib_module_loader_get_data", "fs-read",
         "import json\nprint(json.__loader__.get_data('/etc/' + 'passwd')[:10])\n", READ,
         ("fs-read", 2)),
    case("stdlib_module_spec_loader_get_data", "fs-read",
         "import json\nprint(json.__spec__.loader.get_data('/etc/' + 'passwd')[:10])\n", READ,
         ("fs-read", 2)),
    case("find_spec_loader_get_data", "fs-read",
         "import importlib.util\n"
         "print(importlib.util.find_spec('json').loader.get_data('/etc/' + 'passwd')[:10])\n",
         READ, ("fs-read", 2)),
    case("private_warnings_warn_explicit_reads_a_line", "fs-read", """
        import sys, _warnings
        sys.stderr = sys.stdout
        _warnings.warn_explicit("x", UserWarning, "/etc/" + "passwd", 1)
        """, READ, ("fs-read", 3)),
    # ---- setter-io
    case("ssl_keylog_filename_setter_writes", "fs-write",
         HERE + "import ssl\nssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).keylog_filename = p\n",
         WRITE, ("fs-write", 4)),
    case("ssl_default_context_keylog_from_env", "fs-write",
         "import os, ssl\nos.environ['SSLKEYLOGFILE'] = os.path.join(os.path.dirname("
         "__file__), 'k')\nssl.create_default_context()\n", WRITE,
         ("fs-write", 2)),
    case("sys_pycache_prefix_redirects_bytecode_writes", "fs-write", """
        import os, sys
        sys.dont_write_bytecode = False
        sys.pycache_prefix = os.path.join(os.path.dirname(__file__), "pc")
        import colorsys
        """, WRITE, ("fs-write", 3)),
    # ---- c-no-event
    case("mimetypes_knownfiles_chosen_then_guess_type", "fs-read", """
        import mimetypes
        mimetypes.knownfiles = ["/etc/" + "hosts"]
        print(mimetypes.guess_type("x.localhost"))
        """, "out:127.0.0.1", ("fs-read", 2)),
    case("multiprocessing_semlock_makes_a_file_in_dev_shm", "fs-write", """
        import os, _multiprocessing
        n = "/rt8w%d" % os.getpid()
        _multiprocessing.SemLock(1, 1, 1, n, False)
        print("made" if os.path.exists("/dev/shm/sem." + n[1:]) else 0)
        _multiprocessing.sem_unlink(n)
        """, "out:made", ("fs-write", 3)),
    case("ssl_load_dh_params_reads_a_file", "fs-read", """
        import ssl
        c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        try:
            c.load_dh_params("/etc/" + "passwd")
        except Exception as e:
            print(type(e).__name__)  # SSLError: read and parsed; a missing file is OSError
        """, "out:SSLError", ("fs-read", 4)),
    case("zoneinfo_reset_tzpath_reads_any_directory", "fs-read", """
        import zoneinfo
        zoneinfo.reset_tzpath(to=["/etc"])
        try:
            zoneinfo.ZoneInfo("passwd")
        except ValueError as e:
            print(e)
        """, "out:magic not found", ("fs-read", 2)),
    # ---- metadata-entry-point
    case("metadata_nested_dist_info_entry_point", "subprocess", {
        INIT: "import os, importlib.metadata as md\n"
              "for d in md.distributions(path=[os.path.dirname(__file__)]):\n"
              "    for ep in d.entry_points:\n        ep.load()('echo pwned')\n",
        "pkg/zzz-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: zzz\nVersion: 1.0\n",
        "pkg/zzz-1.0.dist-info/entry_points.txt": "[pkg.plugins]\nx = os:system\n",
    }, SUBPROCESS, ("dynamic-code", 2)),
    # ---- suffix lists changed through importlib._bootstrap_external by '+=' (the
    # machinery spelling and .append are read; this one is not)
    case("bootstrap_external_source_suffixes_augmented", "dynamic-code", {
        INIT: "import importlib._bootstrap_external as b\nb.SOURCE_SUFFIXES += ['.txt']\n"
              "from . import payload\n",
        "pkg/payload.txt": PAY,
    }, SUBPROCESS, ("dynamic-code", 2)),
    case("bootstrap_external_bytecode_suffixes_augmented", "dynamic-code", {
        INIT: "import importlib._bootstrap_external as b\nb.BYTECODE_SUFFIXES += ['.dat']\n"
              "from . import payload\n",
        "pkg/payload.dat": _pyc(PAY),
    }, SUBPROCESS, ("dynamic-code", 2)),
    # ---- introspection with no event the table seeds
    case("lsprof_profiler_enable", "introspection", """
        import _lsprof
        p = _lsprof.Profiler()
        p.enable()
        import colorsys
        p.disable()
        """, PROFILE, ("introspection", 2)),
    case("coroutine_origin_tracking", "introspection", """
        import sys
        sys.set_coroutine_origin_tracking_depth(8)
        async def c():
            pass
        x = c()
        print(x.cr_origin)
        x.close()
        """, "out:_call_with_frames_removed", ("introspection", 2)),
    # ---- proc-environ: the environment read as a file by a path no literal spells
    case("proc_environ_found_by_glob", "env",
         "import glob\nprint(open(glob.glob('/proc/self/task/*/en*')[0]).read().count("
         "'s3cr3t') and 's3cr3t')\n", ENV,
         ("env", 2)),
    case("proc_environ_through_the_root_link", "env",
         "print(open('/proc/self/root/proc/self/environ').read().count('s3cr3t') and "
         "'s3cr3t')\n", ENV,
         ("env", 1)),
    case("macholib_dyld_env_reads_the_environment", "env",
         "from ctypes.macholib import dyld\nprint(dyld.dyld_env(None, 'RT6_SECRET'))\n", ENV,
         ("env", 2)),
    # ---- class-of-an-instance: a standard object the scanner does not type leads, by
    # __class__ / type() / __base__ / __mro__, to a class that acts when made
    case("thread_class_of_the_current_thread", "threads",
         "import threading\nthreading.current_thread().__class__.__base__(target=print, "
         "args=('pwned',)).start()\n", "out:pwned",
         ("dynamic-code", 2)),
    case("thread_class_by_mro_of_the_main_thread", "threads",
         "import threading\ntype(threading.main_thread()).__mro__[1](target=print, "
         "args=('pwned',)).start()\n", "out:pwned",
         ("dynamic-code", 2)),
    case("fileio_class_of_stdout", "fs-write",
         HERE + "import sys\nsys.stdout.buffer.raw.__class__(p, 'w').close()\n", WRITE,
         ("dynamic-code", 4)),
    case("fileio_class_of_a_file_opened_for_reading", "fs-write",
         HERE + "f = open(__file__)\ntype(f.buffer.raw)(p, 'w').close()\n", WRITE,
         ("dynamic-code", 4)),
    case("socket_class_of_the_loop_self_pipe", "network", """
        import asyncio, socket, sys
        async def top():
            c = asyncio.get_running_loop()._ssock.__class__
            c(socket.AF_INET, socket.SOCK_STREAM).connect(("127.0.0.1", int(sys.argv[2])))
        asyncio.run(top())
        """, NET, ("dynamic-code", 3)),
    # ---- sax-url
    case("sax_parse_of_a_url", "network", """
        import sys, xml.sax
        try:
            xml.sax.parse("http://127.0.0.1:%s/" % sys.argv[2], xml.sax.ContentHandler())
        except Exception:
            pass
        """, NET, ("network", 3)),
    # ---- native through the file system
    case("proc_self_mem_write", "native", """
        b = bytes(range(65, 81))
        with open("/proc/self/mem", "r+b", buffering=0) as f:
            f.seek(id(b) + 32)
            f.write(b"pwned!")
        print(b)
        """, "out:pwned!GHI", ("native", 2)),
]


@pytest.mark.parametrize(("files", "cap", "proof", "where", "script"),
                         [pytest.param(*p.values, id=p.id) for p in CASES])
def test_payload_really_uses_the_capability(files: dict[str, str | bytes], cap: str,
                                            proof: str | tuple[str, ...],
                                            where: tuple[str, str, int] | None,
                                            script: None, tmp_path: Path) -> None:
    check_payload(files, proof, script, tmp_path)


@pytest.mark.parametrize(("files", "cap", "proof", "where", "script"), CASES)
def test_reaches_capability_with_a_finding(files: dict[str, str | bytes], cap: str,
                                           proof: str | tuple[str, ...],
                                           where: tuple[str, str, int] | None,
                                           script: None, tmp_path: Path) -> None:
    check_finding(files, cap, where, script, tmp_path)


def test_cases_are_distinct() -> None:
    ids = [p.id for p in CASES]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
