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

# what each bypass has in common (the reasons below go on from these)
KEPT_READ = ("bypass (kept instance read by another name): `k = K()` runs only K's special "
             "methods until `k` is spelled at import; ")
KEPT_LEAK = ("bypass (kept instance leaks self): `k = K()` runs K's special methods, and one "
             "of them hands `self` on or keeps it where import-time code reads it, so the "
             "standard library calls an ordinary method no code spells; ")
GETATTR = "bypass (module __getattr__): "
XMOD = "bypass (across modules): "
IMPRECISE = "imprecise: "

_FIX_KEPT_READ = (" Fix: resolve the package's own absolute names (`pkg`, `pkg._x`, "
                  "`sys.modules['pkg']`, `import_module('pkg._x')`) to the module they name, "
                  "so reading `pkg.k` reads `k`.")
_FIX_LEAK = (" Fix: a kept instance's class is live (all methods) when one of its special "
             "methods lets `self` escape: stores it anywhere but an attribute of self, hands "
             "it to a call, returns it, or looks an attribute of self up by a computed name.")

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
    """), bypass=KEPT_READ + "`import pkg; pkg.w` in pkg itself reads it." + _FIX_KEPT_READ)
case("kept_instance_from_self_import", "subprocess", W_PAYLOAD + src("""
    w = W()
    from pkg import w as out
    print("hi", file=out)
    """), bypass=KEPT_READ + "`from pkg import w as out` in pkg itself." + _FIX_KEPT_READ)
case("kept_instance_sys_modules_literal", "subprocess", W_PAYLOAD + src("""
    import sys
    w = W()
    print("hi", file=sys.modules["pkg"].w)
    """), bypass=KEPT_READ + "`sys.modules['pkg'].w` (the literal names pkg itself; "
             "`sys.modules[__name__]` is read)." + _FIX_KEPT_READ)
case("kept_instance_other_module_reads_pkg_attr", "subprocess", {
    "pkg/__init__.py": W_PAYLOAD + "w = W()\nfrom . import _y\n",
    "pkg/_y.py": "import pkg\nprint('hi', file=pkg.w)\n",
}, bypass=KEPT_READ + "another module reads `pkg.w` after `import pkg`." + _FIX_KEPT_READ)
case("xmod_kept_abs_attr", "subprocess", {
    "pkg/_x.py": W_PAYLOAD + "k = W()\n",
    "pkg/__init__.py": "import pkg._x\nprint('hi', file=pkg._x.k)\n",
}, bypass=KEPT_READ + "`import pkg._x; pkg._x.k` (`from pkg._x import k` is read)."
   + _FIX_KEPT_READ)
case("xmod_kept_import_module_attr", "subprocess", {
    "pkg/_x.py": W_PAYLOAD + "k = W()\n",
    "pkg/__init__.py": "import importlib\nprint('hi', file=importlib.import_module('pkg._x').k)\n",
}, bypass=KEPT_READ + "`importlib.import_module('pkg._x').k`." + _FIX_KEPT_READ)
case("xmod_factory_kept_instance_returned", "subprocess", {
    "pkg/_x.py": W_PAYLOAD + "k = W()\ndef get():\n    return k\n",
    "pkg/__init__.py": "from ._x import get\nprint('hi', file=get())\n",
}, bypass=KEPT_READ + "another module's function reached at import returns `k` (`return k` "
   "spells it, but in code reached from another module). Fix: a kept instance spelled by "
   "any reached code, whichever module reached it, is read.")
case("xmod_pkg_attr_chain", "subprocess", {
    "pkg/__init__.py": "from . import _x\nfrom . import _y\n",
    "pkg/_x.py": X_PAYLOAD,
    "pkg/_y.py": "import pkg\npkg._x.f()\n",
}, bypass=XMOD + "`import pkg; pkg._x.f()` in a submodule: the package's attribute chain to "
   "another submodule is not resolved." + _FIX_KEPT_READ)
# caught: the kept instance's name is spelled, or it is made where it is handed on
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
    """), bypass=KEPT_LEAK + "`__init__` does `REG.append(self)`, import-time code prints to "
             "`REG[...]`: `W.write` runs." + _FIX_LEAK)
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
    """), bypass=KEPT_LEAK + "`__init__` does `LIVE.add(self)` (a WeakSet)." + _FIX_LEAK)
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
    """), bypass=KEPT_LEAK + "`__init__` rebinds a global to self (`global CURRENT; "
             "CURRENT = self`)." + _FIX_LEAK)
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
    """), bypass=KEPT_LEAK + "`__init__` does `logging.getLogger(...).addHandler(self)`, a "
             "warning at import calls `H.handle` (the singleton-that-registers-itself "
             "pattern; `(object)` counts as no base of elsewhere)." + _FIX_LEAK)
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
    """), bypass=KEPT_LEAK + "`__init__` appends self to another object's list." + _FIX_LEAK)
case("kept_del_computed_self_getattr", "subprocess", src("""
    import os
    class K:
        def __del__(self):
            getattr(self, "_" + "go")()
        def _go(self):
            os.system("echo pwned")
    k = K()
    """), bypass=KEPT_LEAK + "`__del__` (at interpreter exit) calls `getattr(self, '_' + "
             "'go')()`: a computed lookup on self may name any method." + _FIX_LEAK)
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
}, bypass=KEPT_LEAK + "across modules: `_x`'s `__init__` keeps self in `REG`, `__init__.py` "
   "prints to `REG[0]`." + _FIX_LEAK)
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
}, bypass=GETATTR + "`from ._x import *` looks up each name of `_x.__all__`; `lazy` is not "
   "bound, so `_x.__getattr__('lazy')` runs. Fix: a star import from a module with a "
   "`__getattr__` reaches it when its `__all__` is not all bound names (or always).")
case("pickle_class_qualname_module_getattr", "subprocess", MODULE_GETATTR + src("""
    import pickle
    class K:
        pass
    K.__qualname__ = "la" + "zy"
    try:
        pickle.dumps(K)
    except Exception:
        pass
    """), bypass=GETATTR + "pickling a class looks its `__qualname__` up on its module "
             "(`getattr(module, 'lazy')`). Fix: the module's `__getattr__` is reached when a "
             "class or function of the module is handed to pickle/copy at import, or "
             "whenever a `__qualname__`/`__module__` of its own is assigned.")
case("reduce_string_module_getattr", "subprocess", MODULE_GETATTR + src("""
    import pickle
    class K:
        def __reduce__(self):
            return "lazy"
    try:
        pickle.dumps(K())
    except Exception:
        pass
    """), bypass=GETATTR + "a `__reduce__` returning a string makes pickle look it up on the "
             "object's module. Fix: a reached `__reduce__`/`__reduce_ex__` returning a str "
             "reaches its module's `__getattr__`.")

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

# ---- precision: CPython does not run these on ``import pkg``; they must stay ``runtime``
_PRECISION: list[tuple[str, str, Files, str | None]] = [
    ("isinstance_only", "subprocess", src("""
        import os
        class K:
            def go(self):
                os.system("echo pwned")
        isinstance(1, K)
        """), IMPRECISE + "a class named only in `isinstance` is used: every method counts "
     "as run (isinstance calls the metaclass's `__instancecheck__`, none of K's own)"),
    ("issubclass_only", "subprocess", src("""
        import os
        class K:
            def go(self):
                os.system("echo pwned")
        assert issubclass(K, object)
        """), IMPRECISE + "a class named only in `issubclass` is used"),
    ("class_doc_read", "subprocess", src("""
        import os
        class K:
            "doc"
            def go(self):
                os.system("echo pwned")
        __doc__ = K.__doc__
        """), IMPRECISE + "reading `K.__doc__` makes K used (a data attribute of the type "
     "calls nothing of K's)"),
    ("genexp_never_consumed", "subprocess", src("""
        import os
        def f():
            os.system("echo pwned")
        G = (f() for _ in range(1))
        """), IMPRECISE + "a generator expression's body counts as run where it is made; only "
     "its first iterable is"),
    ("if_false_block", "subprocess", src("""
        import os
        def f():
            os.system("echo pwned")
        if False:
            f()
        """), IMPRECISE + "a constant-false test is read like any test"),
    ("type_checking_block", "subprocess", src("""
        import os
        from typing import TYPE_CHECKING
        def f():
            os.system("echo pwned")
        if TYPE_CHECKING:
            f()
        """), IMPRECISE + "`if TYPE_CHECKING:` (typing's own constant, False at run time) is "
     "read like any test"),
    ("lambda_default_never_called", "subprocess", src("""
        import os
        def g(cb=lambda: os.system("echo pwned")):
            return cb
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


CASES = [_param(*r, marks=True) for r in _RAW]
PRECISION = [_param(*r, marks=True) for r in _PRECISION]
RUN = [_param(*r, marks=False) for r in _RAW]
NOT_RUN = [_param(*r, marks=False) for r in _PRECISION]


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


@pytest.mark.parametrize(("files", "cap"), RUN)
def test_really_runs_at_import(files: Files, cap: str, tmp_path: Path) -> None:
    done = _import(files, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "pwned" in done.stdout.split(), (done.stdout, done.stderr)


@pytest.mark.parametrize(("files", "cap"), NOT_RUN)
def test_precision_cases_do_not_run_at_import(files: Files, cap: str, tmp_path: Path) -> None:
    done = _import(files, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "pwned" not in done.stdout, done.stdout


@pytest.mark.parametrize(("files", "cap"), CASES)
def test_runs_at_import_is_import(files: Files, cap: str, tmp_path: Path) -> None:
    fail_unless_at_import(files, cap, tmp_path)


@pytest.mark.parametrize(("files", "cap"), PRECISION)
def test_does_not_run_at_import_stays_runtime(files: Files, cap: str, tmp_path: Path) -> None:
    fail_unless_runtime(files, cap, tmp_path)
