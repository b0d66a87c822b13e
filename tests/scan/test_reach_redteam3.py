"""Red-team, third wave (#13): code that runs when a package is imported, placed where the
scanner's rapid-type-analysis rule (a class used at import runs all its methods; a kept
instance ``k = K()`` only its special ones until ``k`` is read; decorators trusted only as the
standard library's own wrappers; an own module handed on as a value reaches all its code) may
still label it ``runtime``.

Unlike tests/scan/test_reach_redteam.py and test_reach_redteam2.py, every case here is also
*run*: ``test_really_runs_at_import`` writes the package to a directory and imports it in a
fresh interpreter (``python -I``), and the payload (``os.system("echo pwned")``, or a print
after a network or environment use) must show on its stdout; the precision cases must not
print it. So a case is a package whose ``import pkg`` really uses the capability.

``test_runs_at_import_is_import`` then asks what a correct scanner reports: the capability
(or ``dynamic-code`` / ``unanalyzed``) in phase ``import``. A case it gets wrong is
``xfail(strict=True)`` naming the mechanism and the fix that would close it: fixing one turns
it into an XPASS, which fails, so move it to the plain cases.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.scan.test_reach_redteam import (
    fail_unless_at_import,
    fail_unless_runtime,
    src,
)

# (every bypass this file pinned is closed; a new one is pinned as
# ``case(..., bypass="...")``: an ``xfail(strict=True)`` naming the mechanism and the fix)

W_PAYLOAD = src("""
    import os
    class W:
        def write(self, s):
            os.system("echo pwned")
    """)
X_PAYLOAD = src("""
    import os
    def f():
        os.system("echo pwned")
    """)
SAX_DRIVER = src("""
    import os, xml.sax.expatreader
    def create_parser():
        os.system("echo pwned")
        return xml.sax.expatreader.create_parser()
    """)
CODEC = src("""
    import codecs, os
    def getregentry():
        os.system("echo pwned")
        return codecs.lookup("utf-8")
    """)
MODULE_GETATTR = src("""
    import os
    def __getattr__(name):
        if name == "lazy":
            os.system("echo pwned")
            return 1
        raise AttributeError(name)
    """)

Files = str | dict[str, str | bytes]
_RAW: list[tuple[str, str, Files, str | None]] = []


def case(name: str, cap: str, files: Files, *, bypass: str | None = None) -> None:
    _RAW.append((name, cap, files, bypass))


# ---- 1. kept instances read by another name than their own
case("kept_instance_self_import", "subprocess", W_PAYLOAD + src("""
    w = W()
    import pkg
    print("hi", file=pkg.w)
    """))
case("kept_instance_from_self_import", "subprocess", W_PAYLOAD + src("""
    w = W()
    from pkg import w as out
    print("hi", file=out)
    """))
case("kept_instance_sys_modules_literal", "subprocess", W_PAYLOAD + src("""
    import sys
    w = W()
    print("hi", file=sys.modules["pkg"].w)
    """))
case("kept_instance_other_module_reads_pkg_attr", "subprocess", {
    "pkg/__init__.py": W_PAYLOAD + "w = W()\nfrom . import _y\n",
    "pkg/_y.py": "import pkg\nprint('hi', file=pkg.w)\n",
})
case("xmod_kept_abs_attr", "subprocess", {
    "pkg/_x.py": W_PAYLOAD + "k = W()\n",
    "pkg/__init__.py": "import pkg._x\nprint('hi', file=pkg._x.k)\n",
})
case("xmod_kept_import_module_attr", "subprocess", {
    "pkg/_x.py": W_PAYLOAD + "k = W()\n",
    "pkg/__init__.py": "import importlib\nprint('hi', file=importlib.import_module('pkg._x').k)\n",
})
case("xmod_factory_kept_instance_returned", "subprocess", {
    "pkg/_x.py": W_PAYLOAD + "k = W()\ndef get():\n    return k\n",
    "pkg/__init__.py": "from ._x import get\nprint('hi', file=get())\n",
})
case("xmod_pkg_attr_chain", "subprocess", {
    "pkg/__init__.py": "from . import _x\nfrom . import _y\n",
    "pkg/_x.py": X_PAYLOAD,
    "pkg/_y.py": "import pkg\npkg._x.f()\n",
})
# (caught before: the kept instance's name is spelled, or it is made where it is handed on)
case("default_arg_instance_print_file", "subprocess", W_PAYLOAD + src("""
    def g(out=W()):
        print("hi", file=out)
    g()
    """))
case("kwdefault_instance_print_file", "subprocess", W_PAYLOAD + src("""
    def g(*, out=W()):
        print("hi", file=out)
    g()
    """))
case("lambda_default_instance", "subprocess", W_PAYLOAD + src("""
    (lambda out=W(): print("hi", file=out))()
    """))
case("instance_in_dict_display", "subprocess", W_PAYLOAD + src("""
    CFG = {"out": W()}
    print("hi", file=CFG["out"])
    """))
case("instance_chain_assign", "subprocess", W_PAYLOAD + src("""
    a = b = W()
    print("hi", file=b)
    """))
case("instance_class_attr", "subprocess", W_PAYLOAD + src("""
    class C:
        out = W()
    print("hi", file=C.out)
    """))
case("instance_attr_of_kept", "subprocess", W_PAYLOAD + src("""
    class C:
        def __init__(self):
            self.out = W()
    c = C()
    print("hi", file=c.out)
    """))
case("kept_instance_vars_noarg", "subprocess", W_PAYLOAD + src("""
    w = W()
    print("hi", file=vars()["w"])
    """))
case("kept_instance_func_globals_literal", "subprocess", W_PAYLOAD + src("""
    x = W()
    def h(): pass
    print("hi", file=h.__globals__["x"])
    """))
case("xmod_kept_abs_from", "subprocess", {
    "pkg/_x.py": W_PAYLOAD + "k = W()\n",
    "pkg/__init__.py": "from pkg._x import k\nprint('hi', file=k)\n",
})
case("xmod_kept_via_star", "subprocess", {
    "pkg/_x.py": W_PAYLOAD + "k = W()\n",
    "pkg/__init__.py": "from ._x import *\nprint('hi', file=k)\n",
})
case("xmod_factory_local_var", "subprocess", {
    "pkg/_x.py": W_PAYLOAD + "def make():\n    w = W()\n    return w\n",
    "pkg/__init__.py": "from ._x import make\nprint('hi', file=make())\n",
})
case("xmod_factory_module_dict", "subprocess", {
    "pkg/_x.py": W_PAYLOAD + "_I = {'w': W()}\ndef make():\n    return _I['w']\n",
    "pkg/__init__.py": "from ._x import make\nprint('hi', file=make())\n",
})
case("xmod_factory_alias_cls", "subprocess", {
    "pkg/_x.py": W_PAYLOAD + "_CLS = W\ndef make():\n    return _CLS()\n",
    "pkg/__init__.py": "from ._x import make\nprint('hi', file=make())\n",
})
case("xmod_default_arg_instance", "subprocess", {
    "pkg/_x.py": W_PAYLOAD + "def g(out=W()):\n    print('hi', file=out)\n",
    "pkg/__init__.py": "from ._x import g\ng()\n",
})

# ---- 2. a kept instance's special method lets self escape
case("init_self_registry_print", "subprocess", src("""
    import os
    REG = []
    class W:
        def __init__(self):
            REG.append(self)
        def write(self, s):
            os.system("echo pwned")
    w = W()
    for r in REG:
        print("hi", file=r)
    """))
case("init_self_weakset", "subprocess", src("""
    import os, weakref
    LIVE = weakref.WeakSet()
    class W:
        def __init__(self):
            LIVE.add(self)
        def write(self, s):
            os.system("echo pwned")
    w = W()
    for r in list(LIVE):
        print("hi", file=r)
    """))
case("init_self_global", "subprocess", src("""
    import os
    CURRENT = None
    class W:
        def __init__(self):
            global CURRENT
            CURRENT = self
        def write(self, s):
            os.system("echo pwned")
    w = W()
    print("hi", file=CURRENT)
    """))
case("kept_init_add_handler_self", "subprocess", src("""
    import os, logging
    class H(object):
        level = 0
        def __init__(self):
            logging.getLogger("pkgx").addHandler(self)
        def handle(self, record):
            os.system("echo pwned")
    h = H()
    logging.getLogger("pkgx").warning("x")
    """))
case("kept_init_handlers_append_self", "subprocess", src("""
    import os, logging
    class H:
        level = 0
        def __init__(self):
            logging.getLogger("pkgx").handlers.append(self)
        def handle(self, record):
            os.system("echo pwned")
    h = H()
    logging.getLogger("pkgx").warning("x")
    """))
case("kept_del_computed_self_getattr", "subprocess", src("""
    import os
    class K:
        def __del__(self):
            getattr(self, "_" + "go")()
        def _go(self):
            os.system("echo pwned")
    k = K()
    """))
case("xmod_init_registry", "subprocess", {
    "pkg/_x.py": src("""
        import os
        REG = []
        class W:
            def __init__(self):
                REG.append(self)
            def write(self, s):
                os.system("echo pwned")
        w = W()
        """),
    "pkg/__init__.py": "from ._x import REG\nprint('hi', file=REG[0])\n",
})
# caught
case("init_atexit_self_method", "subprocess", src("""
    import os, atexit
    class W:
        def __init__(self):
            atexit.register(self.close)
        def close(self):
            os.system("echo pwned")
    w = W()
    """))
case("kept_init_sets_stdout_attr_network", "network", src("""
    import socket, sys
    class W:
        def __init__(self):
            self.old, sys.stdout = sys.stdout, self
        def write(self, s):
            try:
                socket.create_connection(("127.0.0.1", 9), timeout=0.2).close()
            except OSError:
                pass
            return self.old.write(s.replace("x", "pwned"))
        def flush(self):
            pass
    w = W()
    print("x")
    sys.stdout = w.old
    """))

# ---- 3. the module's namespace by another spelling than globals()
case("func_globals_call", "subprocess", src("""
    import os
    def _beacon():
        os.system("echo pwned")
    def h(): pass
    h.__globals__["_be" + "acon"]()
    """))
case("lambda_globals_get", "subprocess", src("""
    import os
    def _beacon():
        os.system("echo pwned")
    (lambda: 0).__globals__.get("_be" + "acon")()
    """))
case("class_method_globals", "subprocess", src("""
    import os
    def _beacon():
        os.system("echo pwned")
    class K:
        def m(self): pass
    K.m.__globals__["_be" + "acon"]()
    """))
case("sys_getframe_globals", "subprocess", src("""
    import os, sys
    def _beacon():
        os.system("echo pwned")
    sys._getframe().f_globals["_be" + "acon"]()
    """))
case("inspect_currentframe_globals", "subprocess", src("""
    import os, inspect
    def _beacon():
        os.system("echo pwned")
    inspect.currentframe().f_globals["_be" + "acon"]()
    """))
case("exc_tb_frame_globals", "subprocess", src("""
    import os, sys
    def _beacon():
        os.system("echo pwned")
    try:
        1 / 0
    except ZeroDivisionError:
        sys.exc_info()[2].tb_frame.f_globals["_be" + "acon"]()
    """))
# caught
case("gc_get_objects_func", "subprocess", src("""
    import os, gc
    def _beacon():
        os.system("echo pwned")
    for o in gc.get_objects():
        if getattr(o, "__qualname__", None) == "_be" + "acon":
            o()
            break
    """))
case("dunder_import_self_dict", "subprocess", src("""
    import os
    def _beacon():
        os.system("echo pwned")
    __import__(__name__).__dict__["_be" + "acon"]()
    """))
case("vars_self_module_values", "subprocess", src("""
    import os, sys
    def _beacon():
        os.system("echo pwned")
    for n, fn in list(vars(sys.modules[__name__]).items()):
        if n.startswith("_b"):
            fn()
    """))

# ---- 4. the module itself handed to the standard library, which finds its code
case("unittest_main_module_name", "subprocess", src("""
    import os, unittest
    class T(unittest.TestCase):
        def test_x(self):
            os.system("echo pwned")
    unittest.main(module=__name__, exit=False, argv=["x"])
    """))
case("unittest_setupmodule_name", "subprocess", src("""
    import os, unittest
    def setUpModule():
        os.system("echo pwned")
    class T(unittest.TestCase):
        def test_x(self):
            pass
    unittest.main(module=__name__, exit=False, argv=["x"])
    """))
case("load_tests_protocol", "subprocess", src("""
    import os, sys, unittest
    def load_tests(loader, tests, pattern):
        os.system("echo pwned")
        return tests
    unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    """))
case("inspect_getmembers_self", "subprocess", src("""
    import os, sys, inspect
    def _beacon():
        os.system("echo pwned")
    for n, fn in inspect.getmembers(sys.modules[__name__], inspect.isfunction):
        if n.startswith("_b"):
            fn()
    """))
# caught
case("logging_dictconfig_name_factory", "subprocess", src("""
    import os, logging.config
    def make():
        os.system("echo pwned")
        return logging.NullHandler()
    logging.config.dictConfig({"version": 1, "handlers": {"h": {"()": __name__ + ".make"}}})
    """))
case("unittest_load_from_name", "subprocess", src("""
    import os, unittest
    class T(unittest.TestCase):
        def test_x(self):
            os.system("echo pwned")
    unittest.TextTestRunner(stream=open(os.devnull, "w")).run(
        unittest.defaultTestLoader.loadTestsFromName(__name__))
    """))
case("doctest_testmod_self", "subprocess", src('''
    import doctest, sys
    def g():
        """
        >>> import os; os.system("echo pwned") and None
        """
    doctest.testmod(sys.modules[__name__])
    '''))

# ---- 5. the standard library imports an own module by convention and calls it
case("encodings_path_codec", "subprocess", {
    "pkg/__init__.py": src("""
        import encodings, os
        encodings.__path__.append(os.path.dirname(__file__))
        "x".encode("pkgcodec")
        """),
    "pkg/pkgcodec.py": CODEC,
})
case("encodings_literal_name_in_init", "subprocess", {
    "pkg/__init__.py": src("""
        import codecs, encodings, os
        encodings.__path__.insert(0, os.path.dirname(__file__))
        codecs.lookup("pkgcodec")
        """),
    "pkg/pkgcodec.py": CODEC,
})
case("xml_sax_make_parser_literal", "subprocess", {
    "pkg/__init__.py": "import xml.sax\nxml.sax.make_parser(['pkg._p'])\n",
    "pkg/_p.py": SAX_DRIVER,
})
case("xml_sax_make_parser_var", "subprocess", {
    "pkg/__init__.py": "import xml.sax\nPARSERS = ['pkg._p']\nxml.sax.make_parser(PARSERS)\n",
    "pkg/_p.py": SAX_DRIVER,
})
case("xml_sax_make_parser_computed", "subprocess", {
    "pkg/__init__.py": "import xml.sax\nxml.sax.make_parser([__name__ + '._p'])\n",
    "pkg/_p.py": SAX_DRIVER,
})
# caught
case("logging_fileconfig_data", "subprocess", {
    "pkg/__init__.py": src("""
        import logging.config, os
        logging.config.fileConfig(os.path.join(os.path.dirname(__file__), "log.ini"))
        """),
    "pkg/log.ini": src("""
        [loggers]
        keys=root
        [handlers]
        keys=h
        [formatters]
        keys=
        [logger_root]
        handlers=h
        [handler_h]
        class=pkg._h.H
        args=()
        """),
    "pkg/_h.py": src("""
        import logging, os
        class H(logging.Handler):
            def __init__(self):
                super().__init__()
                os.system("echo pwned")
        """),
})
case("dictconfig_json_data", "subprocess", {
    "pkg/__init__.py": src("""
        import json, logging.config, os
        with open(os.path.join(os.path.dirname(__file__), "log.json")) as fh:
            logging.config.dictConfig(json.load(fh))
        """),
    "pkg/log.json": '{"version": 1, "handlers": {"h": {"()": "pkg._h.make"}}}',
    "pkg/_h.py": src("""
        import logging, os
        def make():
            os.system("echo pwned")
            return logging.NullHandler()
        """),
})
case("addsitedir_pth_calls_own", "subprocess", {
    "pkg/__init__.py": src("""
        import os, site
        site.addsitedir(os.path.join(os.path.dirname(__file__), "d"))
        """),
    "pkg/_x.py": X_PAYLOAD,
    "pkg/d/zz.pth": "import pkg._x; pkg._x.f()\n",
})
case("copyreg_dispatch_table_setitem", "subprocess", src("""
    import copy, copyreg, os
    class K:
        pass
    def _red(o):
        os.system("echo pwned")
        return (K, ())
    copyreg.dispatch_table[K] = _red
    copy.copy(K())
    """))

# ---- 6. a module's __getattr__ reached by a lookup nothing spells
case("star_import_all_missing_getattr", "subprocess", {
    "pkg/__init__.py": "from ._x import *\n",
    "pkg/_x.py": "__all__ = ['lazy']\n" + MODULE_GETATTR,
})
case("pickle_class_qualname_module_getattr", "subprocess", MODULE_GETATTR + src("""
    import pickle
    class K:
        pass
    K.__qualname__ = "la" + "zy"
    try:
        pickle.dumps(K)
    except Exception:
        pass
    """))
case("reduce_string_module_getattr", "subprocess", MODULE_GETATTR + src("""
    import pickle
    class K:
        def __reduce__(self):
            return "lazy"
    try:
        pickle.dumps(K())
    except Exception:
        pass
    """))

# ---- 7. which code runs: __main__ guards and __main__.py (all caught)
case("main_guard_else", "subprocess", src("""
    import os
    def f():
        os.system("echo pwned")
    if __name__ == "__main__":
        pass
    else:
        f()
    """))
case("main_guard_ne", "subprocess", src("""
    import os
    def f():
        os.system("echo pwned")
    if __name__ != "__main__":
        f()
    """))
case("main_guard_not_eq", "subprocess", src("""
    import os
    def f():
        os.system("echo pwned")
    if not __name__ == "__main__":
        f()
    """))
case("main_guard_reversed_eq_else", "subprocess", src("""
    import os
    if "__main__" == __name__:
        pass
    else:
        os.system("echo pwned")
    """))
case("dunder_main_via_star_all", "subprocess", {
    "pkg/__init__.py": "__all__ = ['__main__']\nfrom . import *\n",
    "pkg/__main__.py": "import os\nos.system('echo pwned')\n",
})
case("dunder_main_via_submodule_star", "subprocess", {
    "pkg/__init__.py": "__all__ = ['__main__']\nfrom . import _y\n",
    "pkg/_y.py": "from pkg import *\n",
    "pkg/__main__.py": "import os\nos.system('echo pwned')\n",
})
case("dunder_main_computed_import", "subprocess", {
    "pkg/__init__.py": "import importlib\nimportlib.import_module(__name__ + '.__ma' + 'in__')\n",
    "pkg/__main__.py": "import os\nos.system('echo pwned')\n",
})
case("package_shadows_module", "subprocess", {
    "pkg/__init__.py": "from ._x import f\nf()\n",
    "pkg/_x.py": "def f():\n    pass\n",
    "pkg/_x/__init__.py": X_PAYLOAD,
})
case("from_import_prefers_attribute", "subprocess", {
    "pkg/__init__.py": "import os\ndef _x():\n    os.system('echo pwned')\nfrom . import sub\n",
    "pkg/_x.py": "def g():\n    pass\n",
    "pkg/sub.py": "from . import _x\n_x()\n",
})
case("module_replaces_itself", "subprocess", {
    "pkg/__init__.py": "from ._x import f\nf()\n",
    "pkg/_x.py": "import sys\nfrom . import _z\nsys.modules[__name__] = _z\ndef f():\n    pass\n",
    "pkg/_z.py": X_PAYLOAD,
})
case("globals_update_reexport", "subprocess", {
    "pkg/__init__.py": "from ._x import f\nf()\n",
    "pkg/_x.py": "from . import _z\nglobals().update(vars(_z))\n",
    "pkg/_z.py": X_PAYLOAD,
})
case("globals_setitem_export", "subprocess", {
    "pkg/__init__.py": "from ._x import run\nrun()\n",
    "pkg/_x.py": src("""
        import os
        def _impl():
            os.system("echo pwned")
        globals()["r" + "un"] = _impl
        """),
})

# ---- 8. callables without a class (caught)
case("closure_in_list_called", "subprocess", src("""
    import os
    def outer():
        def inner():
            os.system("echo pwned")
        return [inner]
    outer()[0]()
    """))
case("closure_on_func_attr", "subprocess", src("""
    import os
    def outer():
        def inner():
            os.system("echo pwned")
        outer.cb = inner
    outer()
    outer.cb()
    """))
case("closure_namespace_attr", "subprocess", src("""
    import os, types
    def outer():
        def inner():
            os.system("echo pwned")
        return types.SimpleNamespace(go=inner)
    outer().go()
    """))
case("inner_class_del", "subprocess", src("""
    import os
    def outer():
        class K:
            def __del__(self):
                os.system("echo pwned")
        return K()
    outer()
    """))
case("reduce_partial_env", "env", src("""
    import functools, os
    def _beacon(a, b):
        print(os.environ.get("PKG_PROBE", "none"))
        return a
    VAL = functools.reduce(_beacon, [1, 2])
    """))

# ---- 9. a module resets its own ``__name__`` (``ModuleType.__init__``): its ``__main__``
# block runs at import
case("module_init_resets_name", "subprocess", {
    "pkg/__init__.py": "from . import mod\n",
    "pkg/mod.py": src("""
        import os
        import pkg.mod as me
        me.__init__("__main__")
        if __name__ == "__main__":
            os.system("echo pwned")
        """),
})
case("module_init_by_getattr", "subprocess", {
    "pkg/__init__.py": "from . import mod\n",
    "pkg/mod.py": src("""
        import os
        from pkg import mod as me
        getattr(me, "__init__")("__main__")
        if __name__ == "__main__":
            os.system("echo pwned")
        """),
})

# ---- 10. what the narrowings of the precision cases below must still catch
case("type_checking_patched_here", "subprocess", src("""
    import os, typing
    from typing import TYPE_CHECKING
    def f():
        os.system("echo pwned")
    typing.TYPE_CHECKING = True
    if typing.TYPE_CHECKING:
        f()
    """))
case("type_checking_patched_setattr", "subprocess", src("""
    import os, typing
    setattr(typing, "TYPE_CHECKING", True)
    from typing import TYPE_CHECKING
    def f():
        os.system("echo pwned")
    if TYPE_CHECKING:
        f()
    """))
case("type_checking_patched_other_module", "subprocess", {
    "pkg/__init__.py": src("""
        from . import _a
        from ._b import go
        """),
    "pkg/_a.py": "import typing\ntyping.TYPE_CHECKING = True\n",
    "pkg/_b.py": src("""
        import os
        from typing import TYPE_CHECKING
        def go():
            os.system("echo pwned")
        if TYPE_CHECKING:
            go()
        """),
})
case("type_checking_own_name", "subprocess", src("""
    import os
    TYPE_CHECKING = True
    def f():
        os.system("echo pwned")
    if TYPE_CHECKING:
        f()
    """))
case("type_checking_not_else", "subprocess", src("""
    import os
    from typing import TYPE_CHECKING
    def f():
        os.system("echo pwned")
    if not TYPE_CHECKING:
        f()
    """))
case("genexp_consumed", "subprocess", src("""
    import os
    def f():
        os.system("echo pwned")
    G = (f() for _ in range(1))
    list(G)
    """))
case("genexp_consumed_by_function", "subprocess", src("""
    import os
    def f():
        os.system("echo pwned")
    G = (f() for _ in range(1))
    def drain():
        for _ in G:
            pass
    drain()
    """))
case("genexp_consumed_via_globals", "subprocess", src("""
    import os, types
    def f():
        os.system("echo pwned")
    G = (f() for _ in range(1))
    for v in list(globals().values()):
        if isinstance(v, types.GeneratorType):
            list(v)
    """))
case("genexp_consumed_other_module", "subprocess", {
    "pkg/__init__.py": "from ._x import G\nlist(G)\n",
    "pkg/_x.py": X_PAYLOAD + "G = (f() for _ in range(1))\n",
})
case("genexp_found_by_gc_elsewhere", "subprocess", {
    "pkg/__init__.py": X_PAYLOAD + "G = (f() for _ in range(1))\nfrom . import _y\n",
    "pkg/_y.py": src("""
        import gc, types
        for o in gc.get_objects():
            if isinstance(o, types.GeneratorType) and o.gi_code.co_name == "<genexpr>":
                list(o)
        """),
})
case("genexp_found_by_caller_frame", "subprocess", {
    "pkg/__init__.py": X_PAYLOAD + "G = (f() for _ in range(1))\nfrom ._y import drain\ndrain()\n",
    "pkg/_y.py": src("""
        import sys
        def drain():
            for v in list(sys._getframe(1).f_globals.values()):
                if type(v).__name__ == "generator":
                    list(v)
        """),
})
case("isinstance_abc_subclasshook", "subprocess", src("""
    import abc, os
    class K(abc.ABC):
        @classmethod
        def __subclasshook__(cls, c):
            os.system("echo pwned")
            return NotImplemented
    isinstance(1, K)
    """))
case("isinstance_own_metaclass", "subprocess", src("""
    import os
    class M(type):
        def __instancecheck__(cls, x):
            os.system("echo pwned")
            return False
    class K(metaclass=M):
        pass
    isinstance(1, K)
    """))
case("issubclass_foreign_check", "subprocess", src("""
    import abc, os
    class Base(abc.ABC):
        @classmethod
        def __subclasshook__(cls, c):
            c().go()
            return True
    class K:
        def go(self):
            os.system("echo pwned")
    issubclass(K, Base)
    """))
case("class_doc_descriptor", "subprocess", src("""
    import os
    class D:
        def __get__(self, obj, cls):
            os.system("echo pwned")
            return "d"
    class K:
        __doc__ = D()
    __doc__ = K.__doc__
    """))

# ---- 11. ``self`` escaping otherwise than the cases above
case("leak_through_returned_self", "subprocess", src("""
    import os
    REG = []
    class W:
        def __init__(self):
            REG.append(self.me())
        def me(self):
            return self
        def write(self, s):
            os.system("echo pwned")
    w = W()
    print("hi", file=REG[0])
    """))
case("leak_through_enter_called_by_name", "subprocess", src("""
    import os
    REG = []
    class W:
        def __init__(self):
            REG.append(self.__enter__())
        def __enter__(self):
            return self
        def write(self, s):
            os.system("echo pwned")
    w = W()
    print("hi", file=REG[0])
    """))
case("leak_from_new", "subprocess", src("""
    import os
    REG = []
    class W:
        def __new__(cls):
            inst = super().__new__(cls)
            REG.append(inst)
            return inst
        def write(self, s):
            os.system("echo pwned")
    w = W()
    print("hi", file=REG[0])
    """))
case("leak_class_of_self", "subprocess", src("""
    import os
    REG = []
    class W:
        def __init__(self):
            REG.append(self.__class__)
        def write(self, s):
            os.system("echo pwned")
    w = W()
    print("hi", file=REG[0]())
    """))
case("leak_in_base_init", "subprocess", src("""
    import os
    REG = []
    class B:
        def __init__(self):
            REG.append(self)
    class W(B):
        def write(self, s):
            os.system("echo pwned")
    w = W()
    print("hi", file=REG[0])
    """))
case("leak_bound_method_self", "subprocess", src("""
    import os
    REG = []
    class W:
        def __init__(self):
            REG.append(self.helper)
        def helper(self):
            pass
        def write(self, s):
            os.system("echo pwned")
    w = W()
    print("hi", file=REG[0].__self__)
    """))
case("leak_through_class_body_method", "subprocess", src("""
    import os
    REG = []
    def make():
        def keep(self):
            REG.append(self)
        return keep
    class W:
        keep = make()
        def __init__(self):
            self.keep()
        def write(self, s):
            os.system("echo pwned")
    w = W()
    print("hi", file=REG[0])
    """))
case("leak_through_descriptor", "subprocess", src("""
    import os
    REG = []
    class D:
        def __get__(self, obj, owner):
            REG.append(obj)
            return 1
    class W:
        d = D()
        def __init__(self):
            self.n = self.d
        def write(self, s):
            os.system("echo pwned")
    w = W()
    print("hi", file=REG[0])
    """))
case("leak_through_property_lambda", "subprocess", src("""
    import os
    REG = []
    class W:
        y = property(lambda s: REG.append(s))
        def __init__(self):
            self.y
        def write(self, s):
            os.system("echo pwned")
    w = W()
    print("hi", file=REG[0])
    """))
case("leak_through_getattr_hook", "subprocess", src("""
    import os
    REG = []
    class W:
        def __init__(self):
            self.missing
        def __getattr__(self, name):
            REG.append(self)
        def write(self, s):
            os.system("echo pwned")
    w = W()
    print("hi", file=REG[0])
    """))
case("leak_in_del", "subprocess", src("""
    import atexit, os
    class W:
        def __del__(self):
            atexit.register(self.write, "x")
        def write(self, s):
            os.system("echo pwned")
    w = W()
    w = None
    """))
case("leak_through_decorated_method", "subprocess", src("""
    import functools, os
    REG = []
    def keeps(fn):
        @functools.wraps(fn)
        def wrapper(self, *a):
            REG.append(self)
            return fn(self, *a)
        return wrapper
    class W:
        def __init__(self):
            self.setup()
        @keeps
        def setup(self):
            pass
        def write(self, s):
            os.system("echo pwned")
    w = W()
    print("hi", file=REG[0])
    """))
case("leak_dataclass_setattr", "subprocess", src("""
    import dataclasses, os
    REG = []
    @dataclasses.dataclass
    class W:
        x: int = 0
        def __setattr__(self, name, value):
            REG.append(self)
            object.__setattr__(self, name, value)
        def write(self, s):
            os.system("echo pwned")
    w = W()
    print("hi", file=REG[0])
    """))
case("leak_shadowed_builtin", "subprocess", src("""
    import os
    REG = []
    def repr(o):
        REG.append(o)
    class W:
        def __init__(self):
            repr(self)
        def write(self, s):
            os.system("echo pwned")
    w = W()
    print("hi", file=REG[0])
    """))
case("leak_across_modules_class", "subprocess", {
    "pkg/__init__.py": "from ._x import W, REG\nw = W()\nprint('hi', file=REG[0])\n",
    "pkg/_x.py": src("""
        import os
        REG = []
        class W:
            def __init__(self):
                REG.append(self)
            def write(self, s):
                os.system("echo pwned")
        """),
})

# ---- 12. a module ``__getattr__`` asked by a star import or pickle otherwise
case("star_import_all_computed", "subprocess", {
    "pkg/__init__.py": "from ._x import *\n",
    "pkg/_x.py": "__all__ = ['la' + 'zy']\n" + MODULE_GETATTR,
})
# ``from m import x`` asks a module (not a package) for ``__path__`` first, and a star import
# asks for ``__all__``: a module ``__getattr__`` runs although every name is bound
case("from_import_asks_path", "subprocess", {
    "pkg/__init__.py": "from ._x import f\n",
    "pkg/_x.py": X_PAYLOAD + src("""
        def __getattr__(name):
            f()
            raise AttributeError(name)
        """),
})
case("star_import_all_bound_asks_path", "subprocess", {
    "pkg/__init__.py": "from ._x import *\n",
    "pkg/_x.py": "__all__ = ['f']\n" + X_PAYLOAD + src("""
        def __getattr__(name):
            f()
            raise AttributeError(name)
        """),
})
case("star_import_package_asks_all", "subprocess", {
    "pkg/__init__.py": "from .sub import *\n",
    "pkg/sub/__init__.py": X_PAYLOAD + src("""
        def __getattr__(name):
            f()
            raise AttributeError(name)
        """),
})
case("pickle_lambda_module_getattr", "subprocess", MODULE_GETATTR.replace(
    '"lazy"', '"<lambda>"') + src("""
    import pickle
    try:
        pickle.dumps(lambda: 0)
    except Exception:
        pass
    """))
case("pickle_type_made_class_module_getattr", "subprocess", MODULE_GETATTR + src("""
    import pickle
    K = type("la" + "zy", (), {})
    try:
        pickle.dumps(K)
    except Exception:
        pass
    """))
case("pickle_setattr_qualname", "subprocess", MODULE_GETATTR + src("""
    import pickle
    class K:
        pass
    setattr(K, "__qualname__", "la" + "zy")
    try:
        pickle.dumps(K)
    except Exception:
        pass
    """))
case("pickle_qualname_in_class_body", "subprocess", MODULE_GETATTR + src("""
    import pickle
    class K:
        __qualname__ = "lazy"
    try:
        pickle.dumps(K)
    except Exception:
        pass
    """))

# ---- precision: CPython does not run these on ``import pkg``; they must stay ``runtime``
_PRECISION: list[tuple[str, str, Files, str | None]] = [
    ("isinstance_only", "subprocess", src("""
        import os
        class K:
            def go(self):
                os.system("echo pwned")
        isinstance(1, K)
        """), None),
    ("issubclass_only", "subprocess", src("""
        import os
        class K:
            def go(self):
                os.system("echo pwned")
        assert issubclass(K, object)
        """), None),
    ("class_doc_read", "subprocess", src("""
        import os
        class K:
            "doc"
            def go(self):
                os.system("echo pwned")
        __doc__ = K.__doc__
        """), None),
    ("genexp_never_consumed", "subprocess", src("""
        import os
        def f():
            os.system("echo pwned")
        G = (f() for _ in range(1))
        """), None),
    ("if_false_block", "subprocess", src("""
        import os
        def f():
            os.system("echo pwned")
        if False:
            f()
        """), None),
    ("type_checking_block", "subprocess", src("""
        import os
        from typing import TYPE_CHECKING
        def f():
            os.system("echo pwned")
        if TYPE_CHECKING:
            f()
        """), None),
    ("lambda_default_never_called", "subprocess", src("""
        import os
        def g(cb=lambda: os.system("echo pwned")):
            return cb
        """), None),
    ("type_checking_else", "subprocess", src("""
        import os
        from typing import TYPE_CHECKING
        def f():
            os.system("echo pwned")
        if not TYPE_CHECKING:
            pass
        else:
            f()
        """), None),
    ("type_checking_attribute", "subprocess", src("""
        import os
        import typing as t
        def f():
            os.system("echo pwned")
        if t.TYPE_CHECKING:
            f()
        """), None),
    ("isinstance_tuple", "subprocess", src("""
        import os
        class K:
            def go(self):
                os.system("echo pwned")
        class L(K):
            pass
        isinstance(1, (K, L, int))
        """), None),
    ("kept_instance_super_and_protocols", "subprocess", src("""
        import os
        class B:
            def __init__(self):
                self.items = []
        class K(B):
            def __init__(self):
                super(K, self).__init__()
                self.n = len(self.items)
            def __enter__(self):
                return self
            def __iter__(self):
                return iter(self.items)
            def __eq__(self, other):
                return self is other
            def go(self):
                os.system("echo pwned")
        k = K()
        """), None),
    ("star_import_package_all_bound", "subprocess", {
        "pkg/__init__.py": "from .sub import *\n",
        "pkg/sub/__init__.py": "__all__ = ['f']\n" + X_PAYLOAD + src("""
            def __getattr__(name):
                f()
                raise AttributeError(name)
            """),
    }, None),
    ("kept_instance_leaks_only_when_held", "subprocess", src("""
        import os
        REG = []
        class Cursor:
            def __init__(self, owner):
                REG.append(owner)
        class K:
            def __init__(self):
                self.items = []
            def __getattr__(self, name):
                REG.append(self)
                raise AttributeError(name)
            def cursor(self):
                return Cursor(self)
            def go(self):
                os.system("echo pwned")
        k = K()
        """), None),
    ("kept_instance_only_in_all", "subprocess", src("""
        import os
        class K:
            def go(self):
                os.system("echo pwned")
        k = K()
        __all__ = ["k"]
        """), None),
]


def _param(name: str, cap: str, files: Files, reason: str | None, *, marks: bool) -> object:
    mark = [pytest.mark.xfail(strict=True, reason=reason)] if marks and reason else []
    return pytest.param(files, cap, id=name, marks=mark)


def _import(files: Files, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """``import pkg`` in a fresh isolated interpreter with the package's directory as a
    site directory (so a ``.pth`` file in it is processed as it would be once installed)."""
    if isinstance(files, str):
        files = {"pkg/__init__.py": files}
    root = tmp_path / "site"
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text if isinstance(text, bytes) else text.encode())
    code = f"import site; site.addsitedir({str(root)!r}); import pkg"
    return subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True,
                          cwd=tmp_path, timeout=60, env={"PATH": os.environ.get("PATH", ""),
                                                        "PKG_PROBE": "pwned"})


def assert_runs_at_import(files: Files, tmp_path: Path) -> None:
    done = _import(files, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "pwned" in done.stdout.split(), (done.stdout, done.stderr)


def assert_does_not_run_at_import(files: Files, tmp_path: Path) -> None:
    done = _import(files, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "pwned" not in done.stdout, done.stdout


def round_tests(raw: list[tuple[str, str, Files, str | None]],
                precision: list[tuple[str, str, Files, str | None]]) -> tuple[object, ...]:
    """The four tests of a round, parametrised by its cases, for the round's module to bind
    under their names (``test_really_runs_at_import, ... = round_tests(_RAW, _PRECISION)``):
    the scanner checks carry the ``xfail`` marks, the run checks do not (a bypass still runs
    its payload)."""
    cases = [_param(*r, marks=True) for r in raw]
    kept = [_param(*r, marks=True) for r in precision]
    run = [_param(*r, marks=False) for r in raw]
    not_run = [_param(*r, marks=False) for r in precision]

    @pytest.mark.parametrize(("files", "cap"), run)
    def test_really_runs_at_import(files: Files, cap: str, tmp_path: Path) -> None:
        assert_runs_at_import(files, tmp_path)

    @pytest.mark.parametrize(("files", "cap"), not_run)
    def test_precision_cases_do_not_run_at_import(files: Files, cap: str,
                                                  tmp_path: Path) -> None:
        assert_does_not_run_at_import(files, tmp_path)

    @pytest.mark.parametrize(("files", "cap"), cases)
    def test_runs_at_import_is_import(files: Files, cap: str, tmp_path: Path) -> None:
        fail_unless_at_import(files, cap, tmp_path)

    @pytest.mark.parametrize(("files", "cap"), kept)
    def test_does_not_run_at_import_stays_runtime(files: Files, cap: str,
                                                  tmp_path: Path) -> None:
        fail_unless_runtime(files, cap, tmp_path)

    return (test_really_runs_at_import, test_precision_cases_do_not_run_at_import,
            test_runs_at_import_is_import, test_does_not_run_at_import_stays_runtime)


(test_really_runs_at_import, test_precision_cases_do_not_run_at_import,
 test_runs_at_import_is_import, test_does_not_run_at_import_stays_runtime) = round_tests(
    _RAW, _PRECISION)
