"""Red-team, second wave: code that runs when a package is imported, placed where the scanner
may label it ``runtime`` (gate.scan.reach, reach_modules, reach_graph, reach_refs), in forms
tests/scan/test_reach_redteam.py does not try.

Same contract as that file: each case is a package whose import really runs the capability
(each was checked once by importing it from a directory with a harmless payload such as
``os.system("echo pwned")``; this file does not run them). The scanner must report that
capability, or ``dynamic-code`` / ``unanalyzed``, in phase ``import``. A case it gets wrong
is ``xfail(strict=True)`` with the mechanism in the reason: fixing it turns it into an
XPASS, which fails, so move it to the plain cases.

The precision cases below are the other side: code that CPython does not run on
``import pkg`` must stay ``runtime``. Where the scanner is imprecise on purpose (docs/
scanner.md, "sound rather than precise"), the case is ``xfail(strict=True)`` saying so.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.scan.test_reach_redteam import (
    case,
    fail_unless_at_import,
    fail_unless_runtime,
    scan,
    shown,
    src,
)

X_PAYLOAD = src("""
    import os
    def f():
        os.system("echo pwned")
    """)

# what each bypass has in common (the reasons below go on from these)
DECORATOR = "bypass (decorators): "
UNNAMED = "bypass (classes made without their name): "
DUCK = "bypass (duck protocol): "
XMOD_SPECIAL = ("bypass (across modules, special methods): another module's class runs only its "
                "constructors at import; ")
XMOD_METHOD = "bypass (across modules, methods): "
XMOD_VALUE = "bypass (across modules, values): "
WHICH_FILE = "bypass (which file an import loads): "
MODULE_GETATTR = "bypass (module __getattr__): "

CASES = [
    # ---- decorators: the decorated function runs only through the decorator
    case("decorator_own_named_like_wrapper", "subprocess", src("""
        import os
        def overload(fn):
            fn()
            return fn
        @overload
        def g():
            os.system("echo pwned")
        """)),
    case("decorator_own_cache_name", "subprocess", src("""
        import os
        def cache(fn):
            fn()
            return fn
        @cache
        def g():
            os.system("echo pwned")
        """)),
    case("decorator_method_named_setter", "subprocess", src("""
        import os
        class Reg:
            def setter(self, fn):
                fn()
                return fn
        reg = Reg()
        @reg.setter
        def g():
            os.system("echo pwned")
        """)),
    case("decorator_rebound_ifexp", "subprocess", src("""
        import os
        def deco(fn):
            return fn
        def _run(fn):
            fn()
            return fn
        deco = _run if True else deco
        @deco
        def g():
            os.system("echo pwned")
        """)),
    case("decorator_rebound_tuple", "subprocess", src("""
        import os
        def deco(fn):
            return fn
        def _run(fn):
            fn()
            return fn
        deco, _ = _run, None
        @deco
        def g():
            os.system("echo pwned")
        """)),
    case("decorator_rebound_for", "subprocess", src("""
        import os
        def deco(fn):
            return fn
        def _run(fn):
            fn()
            return fn
        for deco in (_run,):
            pass
        @deco
        def g():
            os.system("echo pwned")
        """)),
    case("decorator_rebound_by_import", "subprocess", {
        "pkg/_x.py": src("""
            def runner(fn):
                fn()
                return fn
            """),
        "pkg/__init__.py": src("""
            import os
            def deco(fn):
                return fn
            from ._x import runner as deco
            @deco
            def g():
                os.system("echo pwned")
            """),
    }),
    case("class_decorator_rebound_instantiates", "subprocess", src("""
        import os
        def deco(cls):
            return cls
        def _make(cls):
            cls()
            return cls
        deco = _make if True else deco
        @deco
        class K:
            def __init__(self):
                os.system("echo pwned")
        """)),
    case("decorator_wraps_then_calls", "subprocess", src("""
        import os, functools
        def deco(fn):
            functools.wraps(fn)(fn)()
            return fn
        @deco
        def g():
            os.system("echo pwned")
        """)),
    # ---- classes made without their name being spelled
    case("class_via_subclasses", "subprocess", src("""
        import os
        class Base: pass
        class Sub(Base):
            def __init__(self):
                os.system("echo pwned")
        for c in Base.__subclasses__():
            c()
        """)),
    case("class_via_init_subclass_registry", "subprocess", src("""
        import os
        class Base:
            registry = []
            def __init_subclass__(cls):
                Base.registry.append(cls)
        class Sub(Base):
            def __init__(self):
                os.system("echo pwned")
        for c in Base.registry:
            c()
        """)),
    case("class_via_metaclass_registry", "subprocess", src("""
        import os
        PLUGINS = []
        class Meta(type):
            def __init__(cls, *a):
                PLUGINS.append(cls)
        class Plugin(metaclass=Meta):
            def __del__(self):
                os.system("echo pwned")
        for p in PLUGINS:
            p()
        """)),
    case("nested_class_via_instance", "subprocess", src("""
        import os
        class O:
            class I:
                def __init__(self):
                    os.system("echo pwned")
        O().I()
        """)),
    case("nested_class_via_alias", "subprocess", src("""
        import os
        class O:
            class I:
                def __init__(self):
                    os.system("echo pwned")
        X = O
        X.I()
        """)),
    case("nested_class_two_levels", "subprocess", src("""
        import os
        class O:
            class I:
                class J:
                    def __init__(self):
                        os.system("echo pwned")
        O.I.J()
        """)),
    # ---- methods called through the class namespace, never spelled
    case("method_via_vars_values", "subprocess", src("""
        import os
        class K:
            def zork(self):
                os.system("echo pwned")
        for v in list(vars(K).values()):
            if callable(v):
                v(None)
        """)),
    case("method_via_class_dict_items", "subprocess", src("""
        import os
        class K:
            def zork(self):
                os.system("echo pwned")
        for n, v in list(K.__dict__.items()):
            if not n.startswith("_"):
                v(None)
        """)),
    case("function_via_globals_values", "subprocess", src("""
        import os
        def _zork():
            os.system("echo pwned")
        for k, v in list(globals().items()):
            if k.startswith("_z"):
                v()
        """)),
    case("doctest_in_docstring", "subprocess", src('''
        """
        >>> _zork()
        """
        import os, sys, doctest
        def _zork():
            os.system("echo pwned")
        doctest.testmod(sys.modules[__name__])
        ''')),
    # ---- duck-typed objects: the standard library calls a method by its name
    case("stdout_replaced_print", "subprocess", src("""
        import os, sys
        class W:
            def write(self, s):
                os.system("echo pwned")
            def flush(self): pass
        _old = sys.stdout
        sys.stdout = W()
        print("x")
        sys.stdout = _old
        """)),
    case("stderr_replaced_warn", "subprocess", src("""
        import os, sys, warnings
        class W:
            def write(self, s):
                os.system("echo pwned")
            def flush(self): pass
        _old = sys.stderr
        sys.stderr = W()
        warnings.warn("x")
        sys.stderr = _old
        """)),
    case("meta_path_extend_list", "subprocess", src("""
        import os, sys
        class F:
            def find_spec(self, name, path, target=None):
                if name == "zz_nope3":
                    os.system("echo pwned")
                return None
        sys.meta_path.extend([F()])
        try:
            import zz_nope3
        except ImportError:
            pass
        """)),
    case("textiowrapper_seekable", "subprocess", src("""
        import os, io
        class B:
            closed = False
            def readable(self):
                return True
            def writable(self):
                return False
            def seekable(self):
                os.system("echo pwned")
                return False
        io.TextIOWrapper(B())
        """)),
    case("bufferedreader_readable", "subprocess", src("""
        import os, io
        class Raw:
            closed = False
            def readable(self):
                os.system("echo pwned")
                return True
            def seekable(self):
                return False
        io.BufferedReader(Raw())
        """)),
    case("hashlib_file_digest_getbuffer", "subprocess", src("""
        import os, hashlib
        class B:
            def getbuffer(self):
                os.system("echo pwned")
                return b""
        hashlib.file_digest(B(), "sha256")
        """)),
    case("logging_basicconfig_handlers_list", "subprocess", src("""
        import os, logging
        class H:
            formatter = None
            level = 0
            def setFormatter(self, fmt):
                os.system("echo pwned")
            def handle(self, record): pass
        logging.basicConfig(handlers=[H()])
        """)),
    case("logging_root_handlers_assigned", "subprocess", src("""
        import os, logging
        class H:
            level = 0
            def handle(self, record):
                os.system("echo pwned")
        logging.root.handlers = [H()]
        logging.warning("x")
        logging.root.handlers = []
        """)),
    case("sqlite_aggregate_step", "subprocess", src("""
        import os, sqlite3
        class Agg:
            def step(self, v):
                os.system("echo pwned")
            def finalize(self):
                return 0
        con = sqlite3.connect(":memory:")
        con.create_aggregate("agg", 1, Agg)
        con.execute("select agg(1)").fetchone()
        """)),
    case("xml_sax_duck_handler", "subprocess", src("""
        import os, xml.sax
        class H:
            def setDocumentLocator(self, loc): pass
            def startDocument(self):
                os.system("echo pwned")
            def endDocument(self): pass
            def startElement(self, name, attrs): pass
            def endElement(self, name): pass
            def characters(self, c): pass
            def processingInstruction(self, target, data): pass
            def ignorableWhitespace(self, ws): pass
            def startPrefixMapping(self, prefix, uri): pass
            def endPrefixMapping(self, prefix): pass
            def skippedEntity(self, name): pass
        xml.sax.parseString(b"<a/>", H())
        """)),
    case("asyncio_protocol_duck", "subprocess", src("""
        import os, asyncio
        class P:
            def connection_made(self, t):
                os.system("echo pwned")
                t.close()
            def connection_lost(self, exc): pass
            def data_received(self, d): pass
            def eof_received(self): pass
        async def main():
            r, w = os.pipe()
            loop = asyncio.get_running_loop()
            await loop.connect_read_pipe(P, os.fdopen(r, "rb"))
            os.close(w)
        asyncio.run(main())
        """)),
    case("mapping_items_via_counter_update", "subprocess", src("""
        import os, collections, collections.abc
        class M:
            def items(self):
                os.system("echo pwned")
                return []
            def __iter__(self): return iter([])
            def __len__(self): return 0
            def __getitem__(self, k): raise KeyError(k)
        collections.abc.Mapping.register(M)
        c = collections.Counter(a=1)
        c.update(M())
        """)),
    case("etree_parser_target", "subprocess", src("""
        import os
        from xml.etree.ElementTree import XMLParser
        class T:
            def start(self, tag, attrs):
                os.system("echo pwned")
            def end(self, tag): pass
            def data(self, d): pass
            def close(self): return None
        p = XMLParser(target=T())
        p.feed("<a/>")
        """)),
    case("linecache_loader_get_source", "subprocess", src("""
        import os, linecache
        class L:
            def get_source(self, name):
                os.system("echo pwned")
                return ""
        linecache.getline("zz_rt2_nofile.py", 1, {"__name__": "zz", "__loader__": L()})
        """)),
    # ---- names the standard library resolves from a string the walker cannot read
    case("dictconfig_factory_computed", "subprocess", src("""
        import os, logging.config
        def make_handler():
            os.system("echo pwned")
            return logging.NullHandler()
        logging.config.dictConfig({"version": 1, "handlers": {
            "h": {"()": __name__ + "." + "reldnah_ekam"[::-1]}}})
        """)),
    case("entry_point_of_own_dist", "subprocess", {
        "pkg/_x.py": X_PAYLOAD,
        "pkg/__init__.py": src("""
            from importlib.metadata import entry_points
            for ep in entry_points(group="pkg.hooks"):
                ep.load()()
            """),
        "pkg-1.0.dist-info/entry_points.txt": "[pkg.hooks]\nboot = pkg._x:f\n",
    }),
    # ---- across modules: another module's class, its special methods run implicitly
    case("xmod_dunder_iter", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class It:
                def __iter__(self):
                    os.system("echo pwned")
                    return iter([])
            """),
        "pkg/__init__.py": "from ._x import It\nfor _ in It():\n    pass\n",
    }),
    case("xmod_dunder_add", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class V:
                def __add__(self, o):
                    os.system("echo pwned")
                    return self
            """),
        "pkg/__init__.py": "from ._x import V\nZERO = V() + 0\n",
    }),
    case("xmod_dunder_del", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class Tmp:
                def __del__(self):
                    os.system("echo pwned")
            """),
        "pkg/__init__.py": "from ._x import Tmp\nTmp()\n",
    }),
    case("xmod_dunder_bool", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class Flag:
                def __bool__(self):
                    os.system("echo pwned")
                    return False
            """),
        "pkg/__init__.py": "from ._x import Flag\nif Flag():\n    pass\n",
    }),
    case("xmod_dunder_format", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class Ver:
                def __format__(self, spec):
                    os.system("echo pwned")
                    return "1"
            """),
        "pkg/__init__.py": 'from ._x import Ver\n__version__ = f"{Ver()}"\n',
    }),
    case("xmod_dunder_str_percent", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class Ver:
                def __str__(self):
                    os.system("echo pwned")
                    return "1"
            """),
        "pkg/__init__.py": 'from ._x import Ver\n__version__ = "%s" % Ver()\n',
    }),
    case("xmod_dunder_hash", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class Key:
                def __hash__(self):
                    os.system("echo pwned")
                    return 1
            """),
        "pkg/__init__.py": "from ._x import Key\nKEYS = {Key()}\n",
    }),
    case("xmod_dunder_eq", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class Key:
                def __eq__(self, o):
                    os.system("echo pwned")
                    return False
                __hash__ = None
            """),
        "pkg/__init__.py": "from ._x import Key\nSAME = Key() == 1\n",
    }),
    case("xmod_dunder_call_instance", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class Hook:
                def __call__(self):
                    os.system("echo pwned")
            hook = Hook()
            """),
        "pkg/__init__.py": "from ._x import hook\nhook()\n",
    }),
    case("xmod_dunder_getitem", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class Table:
                def __getitem__(self, k):
                    os.system("echo pwned")
            """),
        "pkg/__init__.py": 'from ._x import Table\nDEFAULT = Table()["a"]\n',
    }),
    case("xmod_dunder_missing", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class Reg(dict):
                def __missing__(self, k):
                    os.system("echo pwned")
            """),
        "pkg/__init__.py": 'from ._x import Reg\nDEFAULT = Reg()["a"]\n',
    }),
    case("xmod_dunder_len", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class Bag:
                def __len__(self):
                    os.system("echo pwned")
                    return 0
            """),
        "pkg/__init__.py": "from ._x import Bag\nN = len(Bag())\n",
    }),
    case("xmod_dunder_fspath", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class Where:
                def __fspath__(self):
                    os.system("echo pwned")
                    return "/dev/null"
            """),
        "pkg/__init__.py": "import os\nfrom ._x import Where\nos.path.exists(Where())\n",
    }),
    case("xmod_dunder_lt_sorted", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class Ver:
                def __lt__(self, o):
                    os.system("echo pwned")
                    return False
            """),
        "pkg/__init__.py": "from ._x import Ver\nORDER = sorted([Ver(), Ver()])\n",
    }),
    case("xmod_dunder_getattr_instance", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class Lazy:
                def __getattr__(self, n):
                    os.system("echo pwned")
                    return 1
            """),
        "pkg/__init__.py": "from ._x import Lazy\nVALUE = Lazy().anything\n",
    }),
    case("xmod_property", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class Cfg:
                @property
                def home(self):
                    os.system("echo pwned")
                    return "/"
            """),
        "pkg/__init__.py": "from ._x import Cfg\nHOME = Cfg().home\n",
    }),
    case("xmod_descriptor_get", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class Setting:
                def __get__(self, obj, typ=None):
                    os.system("echo pwned")
                    return 1
            """),
        "pkg/__init__.py": src("""
            from ._x import Setting
            class Config:
                debug = Setting()
            DEBUG = Config.debug
            """),
    }),
    case("xmod_metaclass_prepare", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class Meta(type):
                @classmethod
                def __prepare__(mcs, name, bases):
                    os.system("echo pwned")
                    return {}
            """),
        "pkg/__init__.py": "from ._x import Meta\nclass C(metaclass=Meta):\n    pass\n",
    }),
    case("xmod_mro_entries", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class Generic:
                def __mro_entries__(self, bases):
                    os.system("echo pwned")
                    return (object,)
            """),
        "pkg/__init__.py": "from ._x import Generic\nclass C(Generic()):\n    pass\n",
    }),
    case("xmod_instancecheck", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class Meta(type):
                def __instancecheck__(cls, o):
                    os.system("echo pwned")
                    return False
            class Proto(metaclass=Meta): pass
            """),
        "pkg/__init__.py": "from ._x import Proto\nOK = isinstance(1, Proto)\n",
    }),
    case("xmod_metaclass_getitem", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class Meta(type):
                def __getitem__(cls, k):
                    os.system("echo pwned")
                    return cls
            class Vec(metaclass=Meta): pass
            """),
        "pkg/__init__.py": "from ._x import Vec\nIntVec = Vec[int]\n",
    }),
    case("xmod_enum_missing", "subprocess", {
        "pkg/_x.py": src("""
            import os, enum
            class Color(enum.Enum):
                RED = 1
                @classmethod
                def _missing_(cls, v):
                    os.system("echo pwned")
                    return cls.RED
            """),
        "pkg/__init__.py": "from ._x import Color\nDEFAULT = Color(7)\n",
    }),
    case("xmod_enum_generate_next_value", "subprocess", {
        "pkg/_x.py": src("""
            import os, enum
            class AutoName(enum.Enum):
                def _generate_next_value_(name, start, count, last):
                    os.system("echo pwned")
                    return name
            """),
        "pkg/__init__.py": src("""
            import enum
            from ._x import AutoName
            class Mode(AutoName):
                FAST = enum.auto()
            """),
    }),
    case("xmod_copy_dunder", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class Proto:
                def __copy__(self):
                    os.system("echo pwned")
                    return self
            """),
        "pkg/__init__.py": "import copy\nfrom ._x import Proto\nDEFAULT = copy.copy(Proto())\n",
    }),
    case("xmod_aenter", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class Session:
                async def __aenter__(self):
                    os.system("echo pwned")
                    return self
                async def __aexit__(self, *a): pass
            """),
        "pkg/__init__.py": src("""
            import asyncio
            from ._x import Session
            async def _warm():
                async with Session():
                    pass
            asyncio.run(_warm())
            """),
    }),
    # ---- across modules: a non-special method the standard library or a value calls
    case("xmod_thread_subclass_run", "subprocess", {
        "pkg/_x.py": src("""
            import os, threading
            class Worker(threading.Thread):
                def run(self):
                    os.system("echo pwned")
            """),
        "pkg/__init__.py": "from ._x import Worker\nw = Worker()\nw.start()\nw.join()\n",
    }),
    case("xmod_logging_handler_emit", "subprocess", {
        "pkg/_x.py": src("""
            import os, logging
            class Beacon(logging.Handler):
                def emit(self, record):
                    os.system("echo pwned")
            """),
        "pkg/__init__.py": src("""
            import logging
            from ._x import Beacon
            log = logging.getLogger("zz_pkg_rt2")
            log.addHandler(Beacon())
            log.warning("x")
            """),
    }),
    case("xmod_json_encoder_default", "subprocess", {
        "pkg/_x.py": src("""
            import os, json
            class Enc(json.JSONEncoder):
                def default(self, o):
                    os.system("echo pwned")
                    return 0
            """),
        "pkg/__init__.py": "import json\nfrom ._x import Enc\njson.dumps(object(), cls=Enc)\n",
    }),
    case("xmod_duck_handler_handed", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class H:
                level = 0
                def handle(self, record):
                    os.system("echo pwned")
            """),
        "pkg/__init__.py": src("""
            import logging
            from ._x import H
            log = logging.getLogger("zz_pkg_rt2b")
            log.addHandler(H())
            log.warning("x")
            """),
    }),
    case("xmod_closing_close", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class Res:
                def close(self):
                    os.system("echo pwned")
            """),
        "pkg/__init__.py": src("""
            import contextlib
            from ._x import Res
            with contextlib.closing(Res()):
                pass
            """),
    }),
    case("xmod_getattr_literal_on_instance", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class K:
                def go(self):
                    os.system("echo pwned")
            """),
        "pkg/__init__.py": 'from ._x import K\ngetattr(K(), "go")()\n',
    }),
    case("xmod_methodcaller", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class K:
                def go(self):
                    os.system("echo pwned")
            """),
        "pkg/__init__.py": 'import operator\nfrom ._x import K\noperator.methodcaller("go")(K())\n',
    }),
    case("xmod_bound_method_stored", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class K:
                def go(self):
                    os.system("echo pwned")
            """),
        "pkg/__init__.py": "from ._x import K\nrun = K().go\nrun()\n",
    }),
    case("xmod_bound_method_thread_target", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class K:
                def go(self):
                    os.system("echo pwned")
            """),
        "pkg/__init__.py": src("""
            import threading
            from ._x import K
            t = threading.Thread(target=K().go)
            t.start()
            t.join()
            """),
    }),
    case("xmod_instance_via_with_as", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class K:
                def __enter__(self):
                    return self
                def __exit__(self, *a): pass
                def go(self):
                    os.system("echo pwned")
            """),
        "pkg/__init__.py": "from ._x import K\nwith K() as k:\n    k.go()\n",
    }),
    case("xmod_instance_via_for", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class K:
                def go(self):
                    os.system("echo pwned")
            """),
        "pkg/__init__.py": "from ._x import K\nfor k in (K(),):\n    k.go()\n",
    }),
    case("xmod_instance_via_walrus", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class K:
                def go(self):
                    os.system("echo pwned")
            """),
        "pkg/__init__.py": "from ._x import K\n(k := K()).go()\n",
    }),
    case("xmod_instance_alias", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class K:
                def go(self):
                    os.system("echo pwned")
            """),
        "pkg/__init__.py": "from ._x import K\nk = K()\nj = k\nj.go()\n",
    }),
    case("xmod_instance_ifexp", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class K:
                def go(self):
                    os.system("echo pwned")
            """),
        "pkg/__init__.py": "from ._x import K\nk = K() if True else None\nk.go()\n",
    }),
    case("xmod_instance_param", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class K:
                def go(self):
                    os.system("echo pwned")
            """),
        "pkg/__init__.py": "from ._x import K\ndef _boot(obj):\n    obj.go()\n_boot(K())\n",
    }),
    case("xmod_classmethod_factory_cls_call", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class K:
                def __init__(self):
                    os.system("echo pwned")
                @classmethod
                def create(cls):
                    return cls()
            """),
        "pkg/__init__.py": "from ._x import K\nDEFAULT = K.create()\n",
    }),
    case("xmod_class_attr_instance", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class K:
                def go(self):
                    os.system("echo pwned")
            class Holder:
                k = K()
            """),
        "pkg/__init__.py": "from ._x import Holder\nHolder.k.go()\n",
    }),
    case("xmod_dict_of_instances", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class K:
                def go(self):
                    os.system("echo pwned")
            HOOKS = {"boot": K()}
            """),
        "pkg/__init__.py": 'from ._x import HOOKS\nHOOKS["boot"].go()\n',
    }),
    case("xmod_inherited_via_third_module", "subprocess", {
        "pkg/_a.py": src("""
            import os
            class Base:
                def go(self):
                    os.system("echo pwned")
            """),
        "pkg/_b.py": "from ._a import Base\nclass Mid(Base):\n    pass\n",
        "pkg/__init__.py": "from ._b import Mid\nMid().go()\n",
    }),
    case("xmod_reexported_class_method", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class K:
                def go(self):
                    os.system("echo pwned")
            """),
        "pkg/_y.py": "from ._x import K as Kay\n",
        "pkg/__init__.py": "from ._y import Kay\nKay().go()\n",
    }),
    case("xmod_nested_class", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class O:
                class I:
                    def __init__(self):
                        os.system("echo pwned")
            """),
        "pkg/__init__.py": "from ._x import O\nO.I()\n",
    }),
    # ---- across modules: a module reached as a value
    case("xmod_module_in_tuple", "subprocess", {
        "pkg/_x.py": X_PAYLOAD,
        "pkg/__init__.py": "from . import _x\n(_x,)[0].f()\n",
    }),
    case("xmod_module_loop_var", "subprocess", {
        "pkg/_x.py": X_PAYLOAD,
        "pkg/__init__.py": "from . import _x\nfor m in (_x,):\n    m.f()\n",
    }),
    case("xmod_module_param", "subprocess", {
        "pkg/_x.py": X_PAYLOAD,
        "pkg/__init__.py": "from . import _x\ndef _boot(m):\n    m.f()\n_boot(_x)\n",
    }),
    case("xmod_module_ifexp_alias", "subprocess", {
        "pkg/_x.py": X_PAYLOAD,
        "pkg/__init__.py": "from . import _x\nm = _x if True else None\nm.f()\n",
    }),
    case("xmod_sys_modules_get", "subprocess", {
        "pkg/_x.py": X_PAYLOAD,
        "pkg/__init__.py": 'import sys\nfrom . import _x\nsys.modules.get("pkg._x").f()\n',
    }),
    case("xmod_module_dict_get", "subprocess", {
        "pkg/_x.py": X_PAYLOAD,
        "pkg/__init__.py": 'from . import _x\n_x.__dict__.get("f")()\n',
    }),
    case("xmod_attrgetter_literal", "subprocess", {
        "pkg/_x.py": X_PAYLOAD,
        "pkg/__init__.py": 'import operator\nfrom . import _x\noperator.attrgetter("f")(_x)()\n',
    }),
    case("xmod_import_module_package_kw", "subprocess", {
        "pkg/_x.py": X_PAYLOAD,
        "pkg/__init__.py": src("""
            import importlib
            importlib.import_module("._x", package=__name__).f()
            """),
    }),
    case("xmod_dunder_import_level", "subprocess", {
        "pkg/_x.py": X_PAYLOAD,
        "pkg/__init__.py": '__import__("_x", globals(), None, ["f"], 1).f()\n',
    }),
    # ---- across modules: where the import binding stands
    case("xmod_import_in_class_body", "subprocess", {
        "pkg/_x.py": X_PAYLOAD,
        "pkg/__init__.py": "class _Boot:\n    from ._x import f\n    f()\n",
    }),
    case("xmod_import_in_with_block", "subprocess", {
        "pkg/_x.py": X_PAYLOAD,
        "pkg/__init__.py": src("""
            import contextlib
            with contextlib.suppress(ImportError):
                from ._x import f
            f()
            """),
    }),
    case("xmod_global_import_in_function", "subprocess", {
        "pkg/_x.py": X_PAYLOAD,
        "pkg/__init__.py": src("""
            def _load():
                global boot
                from ._x import f as boot
            _load()
            boot()
            """),
    }),
    case("xmod_import_in_for_loop", "subprocess", {
        "pkg/_x.py": X_PAYLOAD,
        "pkg/__init__.py": "for _ in range(1):\n    from ._x import f\nf()\n",
    }),
    # ---- across modules: which file an import loads
    case("package_dunder_rebound", "subprocess", {
        "pkg/_x.py": "def f():\n    pass\n",
        "pkg/sub/__init__.py": "",
        "pkg/sub/_x.py": X_PAYLOAD,
        "pkg/__init__.py": '__package__ = "pkg.sub"\nfrom ._x import f\nf()\n',
    }),
    case("path_insert_shadows_submodule", "subprocess", {
        "pkg/_x.py": "def f():\n    pass\n",
        "pkg/alt/_x.py": X_PAYLOAD,
        "pkg/__init__.py": src("""
            import os
            __path__.insert(0, os.path.join(os.path.dirname(__file__), "alt"))
            from ._x import f
            f()
            """),
    }),
    case("path_reassigned", "subprocess", {
        "pkg/alt/_x.py": X_PAYLOAD,
        "pkg/__init__.py": src("""
            import os
            __path__ = [os.path.join(os.path.dirname(__file__), "alt")]
            from ._x import f
            f()
            """),
    }),
    case("sys_path_insert_shadows_toplevel", "subprocess", {
        "helper13.py": "def f():\n    pass\n",
        "pkg/vendor/helper13.py": X_PAYLOAD,
        "pkg/__init__.py": src("""
            import os, sys
            sys.path.insert(0, os.path.join(os.path.dirname(__file__), "vendor"))
            import helper13
            helper13.f()
            """),
    }),
    # ---- module __getattr__ (PEP 562) while the package is still importing
    case("module_getattr_from_submodule_midimport", "subprocess", {
        "pkg/__init__.py": src("""
            import os
            def __getattr__(name):
                os.system("echo pwned")
                raise AttributeError(name)
            import pkg._z
            """),
        "pkg/_z.py": src("""
            try:
                from . import missing
            except ImportError:
                pass
            """),
    }),
    case("module_getattr_hasattr_from_submodule", "subprocess", {
        "pkg/__init__.py": src("""
            import os
            def __getattr__(name):
                os.system("echo pwned")
                raise AttributeError(name)
            import importlib
            importlib.import_module("pkg._z")
            """),
        "pkg/_z.py": 'import pkg\nHAS = hasattr(pkg, "missing")\n',
    }),
    # ---- a class used at import runs every method (rapid type analysis), across modules
    case("xmod_inherited_special_two_modules", "subprocess", {
        "pkg/_a.py": src("""
            import os
            class Base:
                def __iter__(self):
                    os.system("echo pwned")
                    return iter(())
            """),
        "pkg/_b.py": "from ._a import Base\nclass Mid(Base):\n    pass\n",
        "pkg/__init__.py": "from ._b import Mid\nfor _ in Mid():\n    pass\n",
    }),
    case("xmod_kept_instance_handed_to_stdlib", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class W:
                def write(self, s):
                    os.system("echo pwned")
            w = W()
            """),
        "pkg/__init__.py": "import sys\nfrom ._x import w\nsys.stdout = w\nprint('x')\n",
    }),
    case("kept_instance_assigned_to_stdlib", "subprocess", src("""
        import os, sys
        class W:
            def write(self, s):
                os.system("echo pwned")
        w = W()
        sys.stdout = w
        print("x")
        """)),
    case("kept_instance_init_calls_method", "subprocess", src("""
        import os
        class Settings:
            def __init__(self):
                self.load()
            def load(self):
                os.system("echo pwned")
        settings = Settings()
        """)),
    # ---- other capabilities, same gaps
    case("xmod_env_in_property", "env", {
        "pkg/_x.py": src("""
            import os
            class Cfg:
                @property
                def token(self):
                    print("pwned")
                    return os.environ.get("GITHUB_TOKEN")
            """),
        "pkg/__init__.py": "from ._x import Cfg\nTOKEN = Cfg().token\n",
    }),
    case("xmod_network_in_iter", "network", {
        "pkg/_x.py": src("""
            import urllib.request
            class Mirrors:
                def __iter__(self):
                    print("pwned")
                    try:
                        urllib.request.urlopen("http://127.0.0.1:9/", timeout=0.1)
                    except Exception:
                        pass
                    return iter([])
            """),
        "pkg/__init__.py": "from ._x import Mirrors\nMIRRORS = list(Mirrors())\n",
    }),
    case("xmod_fswrite_in_del", "fs-write", {
        "pkg/_x.py": src("""
            import os, tempfile
            class Tmp:
                def __del__(self):
                    p = os.path.join(tempfile.gettempdir(), "rt2_pwned.txt")
                    with open(p, "w") as fh:
                        fh.write("x")
                    print("pwned")
            """),
        "pkg/__init__.py": "from ._x import Tmp\nTmp()\n",
    }),
    case("decorator_wrapper_name_network", "network", src("""
        import urllib.request
        def final(fn):
            fn()
            return fn
        @final
        def _beacon():
            print("pwned")
            try:
                urllib.request.urlopen("http://127.0.0.1:9/", timeout=0.1)
            except Exception:
                pass
        """)),
    case("stdout_write_env", "env", src("""
        import os, sys
        class W:
            def write(self, s):
                os.write(1, b"pwned " + str(len(os.environ) > 0).encode() + b"\\n")
            def flush(self): pass
        _old = sys.stdout
        sys.stdout = W()
        print("x")
        sys.stdout = _old
        """)),
    # ---- brief's list: forms expected to be caught, kept as regression cases
    case("exec_string_names_function", "subprocess", src("""
        import os
        def _zork():
            os.system("echo pwned")
        exec("_zork()")
        """)),
    case("annotated_metadata_call", "subprocess", src("""
        import os
        from typing import Annotated
        def f():
            os.system("echo pwned")
            return 0
        X: Annotated[int, f()] = 1
        """)),
    case("class_keyword_arg_call", "subprocess", src("""
        import os
        def f():
            os.system("echo pwned")
            return 1
        class B:
            def __init_subclass__(cls, **kw): pass
        class C(B, flag=f()): pass
        """)),
    case("reduce_callback", "subprocess", src("""
        import os, functools
        def f(a, b):
            os.system("echo pwned")
            return a
        functools.reduce(f, [1, 2])
        """)),
    case("re_sub_repl", "subprocess", src("""
        import os, re
        def f(m):
            os.system("echo pwned")
            return ""
        re.sub("x", f, "x")
        """)),
    case("pkgutil_walk_import_own", "subprocess", {
        "pkg/_x.py": X_PAYLOAD,
        "pkg/__init__.py": src("""
            import importlib, pkgutil
            for m in pkgutil.iter_modules(__path__, __name__ + "."):
                importlib.import_module(m.name).f()
            """),
    }),
    case("lambda_default_call", "subprocess", src("""
        import os
        def f():
            os.system("echo pwned")
            return 1
        g = lambda x=f(): x
        """)),
]


# ---- the startup phase: an executable .pth line runs before any import
STARTUP = [
    # site.py execs the ``import`` lines of every .pth file in site-packages at interpreter
    # start: ``f`` runs then, in every process of that environment, before the application
    # imports anything. ``startup-hooks`` is reported for the line, and the body it calls
    # is ``import`` (via the line): granting ``startup-hooks`` and runtime ``subprocess``
    # does not let it run at every start.
    case("pth_line_calls_own_function", "subprocess", {
        "pkg/__init__.py": "",
        "pkg/_x.py": X_PAYLOAD,
        "zz_rt2.pth": "import pkg._x; pkg._x.f()\n",
    }),
    case("pth_line_calls_init_function", "subprocess", {
        "pkg/__init__.py": X_PAYLOAD,
        "zz_rt2.pth": "import pkg; pkg.f()\n",
    }),
]

# ---- precision: what CPython does NOT run on ``import pkg`` stays ``runtime``
# Not here, on purpose: an ``atexit`` handler registered at import runs at interpreter exit,
# in every process that imported the package, whether or not the application ever calls it:
# the import alone arms it, so it needs the import-time grant (``import``, as
# test_reach_redteam.py's ``atexit`` case asserts). The same holds for ``weakref.finalize``
# and ``__del__`` of an object the module keeps: they run at shutdown because of the import.
IMPRECISE = "imprecise (docs/scanner.md: sound rather than precise): "
PRECISION = [
    # the block runs only when the file is run as a script (``python pkg/__init__.py``)
    case("main_guard", "subprocess", src("""
        import os
        def f():
            os.system("echo pwned")
        if __name__ == "__main__":
            f()
        """)),
    case("never_referenced", "subprocess", src("""
        import os
        def f():
            os.system("echo pwned")
        """)),
    # ``g`` is defined, never called: its body (and so ``f``) never runs
    case("referenced_from_uncalled_function", "subprocess", src("""
        import os
        def f():
            os.system("echo pwned")
        def g():
            f()
        """)),
    # a class statement runs its body, not its methods
    case("class_never_used", "subprocess", src("""
        import os
        class K:
            def __init__(self):
                os.system("echo pwned")
            def __del__(self):
                os.system("echo pwned")
        """)),
    # an ``__init_subclass__`` that only labels the subclass keeps it nowhere: defining
    # ``Sub`` runs the hook, never ``Sub``'s constructor
    case("init_subclass_only_labels", "subprocess", src("""
        import os
        class Base:
            def __init_subclass__(cls, **kw):
                cls.tag = cls.__name__.lower()
        class Sub(Base):
            def __init__(self):
                os.system("echo pwned")
        """)),
    # the standard library's wrapper under a version switch is still that wrapper
    case("override_imported_per_version", "subprocess", src("""
        import os, sys
        if sys.version_info >= (3, 12):
            from typing import override
        else:
            from typing_extensions import override
        class Base:
            def go(self):
                pass
        class K(Base):
            @override
            def go(self):
                os.system("echo pwned")
        """)),
    # own module names in a display (PEP 810's ``__lazy_modules__``) are handed to nothing
    case("xmod_module_names_in_a_set", "subprocess", {
        "pkg/_x.py": X_PAYLOAD,
        "pkg/__init__.py": '__lazy_modules__ = {"pkg._x"}\nfrom ._x import f\n',
    }),
    # a type alias keeps its type arguments: typing calls none of their methods
    case("type_alias_names_class", "subprocess", src("""
        import os
        from typing import Optional, Union
        class K:
            def __init__(self):
                os.system("echo pwned")
        MaybeK = Optional[K]
        Many = Union[list[K], tuple[K, ...], None]
        """)),
    case("xmod_type_alias_names_class", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class K:
                def go(self):
                    os.system("echo pwned")
            """),
        "pkg/__init__.py": "import typing\nfrom . import _x\nKLike = typing.Union[_x.K, str]\n",
    }),
    # ``K()`` runs ``__init__`` only; ``go`` is never called (nor spelled at import)
    case("instance_made_method_not_called", "subprocess", src("""
        import os
        class K:
            def go(self):
                os.system("echo pwned")
        k = K()
        """)),
    # a module-level annotation evaluates ``K`` (a name lookup), it does not call it
    case("annotation_names_class", "subprocess", src("""
        import os
        class K:
            def __init__(self):
                os.system("echo pwned")
        default: K
        def use(k: K) -> K:
            return k
        """)),
    # ``class D(K)`` runs K's ``__init_subclass__`` and metaclass, never K's constructor
    case("base_class_named", "subprocess", src("""
        import os
        class K:
            def __init__(self):
                os.system("echo pwned")
        class D(K):
            pass
        """)),
    # the wrapper runs the function when it is called, not when it decorates it
    case("wraps_decorator", "subprocess", src("""
        import os, functools
        def deco(fn):
            @functools.wraps(fn)
            def w(*a, **k):
                return fn(*a, **k)
            return w
        @deco
        def g():
            os.system("echo pwned")
        """)),
    case("lru_cache_not_called", "subprocess", src("""
        import os, functools
        @functools.lru_cache(maxsize=None)
        def g():
            return os.system("echo pwned")
        """)),
    case("contextmanager_not_entered", "subprocess", src("""
        import os, contextlib
        @contextlib.contextmanager
        def cm():
            os.system("echo pwned")
            yield
        """)),
    # a lambda stored in a container no import-time code calls
    case("lambda_in_dict_not_called", "subprocess", src("""
        import os
        T = {"run": lambda: os.system("echo pwned")}
        """)),
    # names only in ``__all__`` and in a docstring are text, not calls
    case("all_and_docstring_only", "subprocess", src('''
        """Call f() to start."""
        import os
        __all__ = ["f"]
        def f():
            os.system("echo pwned")
        ''')),
    # a property of a class that import-time code names but never instantiates
    case("property_class_never_instantiated", "subprocess", src("""
        import os
        class K:
            @property
            def p(self):
                return os.system("echo pwned")
        KINDS = (K,)
        """), bypass=IMPRECISE + "a class named at import has its properties reached"),
    # across modules: an import binds the name, it calls nothing
    case("xmod_import_only", "subprocess", {
        "pkg/_x.py": X_PAYLOAD,
        "pkg/__init__.py": "from ._x import f\nfrom . import _x\n__all__ = ['f']\n",
    }),
    case("xmod_main_guard", "subprocess", {
        "pkg/_x.py": X_PAYLOAD,
        "pkg/__init__.py": "from . import _x\nif __name__ == '__main__':\n    _x.f()\n",
    }),
    # ``python -m pkg`` runs __main__.py; ``import pkg`` does not
    case("xmod_dunder_main_module", "subprocess", {
        "pkg/_x.py": X_PAYLOAD,
        "pkg/__init__.py": "",
        "pkg/__main__.py": "from ._x import f\nf()\n",
    }),
    case("xmod_subclass_of_imported_class", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class K:
                def __init__(self):
                    os.system("echo pwned")
            """),
        "pkg/__init__.py": "from ._x import K\nclass D(K):\n    pass\n",
    }),
    case("xmod_instance_method_not_called", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class K:
                def go(self):
                    os.system("echo pwned")
            """),
        "pkg/__init__.py": "from ._x import K\nDEFAULT = K()\n",
    }),
    # -- imprecise on purpose: the scanner counts these as run at import
    # a registry decorator stores the function; nothing calls it during import
    case("registry_decorator_only_stores", "subprocess", src("""
        import os
        REG = []
        def register(fn):
            REG.append(fn)
            return fn
        @register
        def g():
            os.system("echo pwned")
        """)),  # the registry is never read at import: g does not run
    # a Thread that is never started never runs its target
    case("thread_never_started", "subprocess", src("""
        import os, threading
        def f():
            os.system("echo pwned")
        t = threading.Thread(target=f)
        """), bypass=IMPRECISE + "a callable handed on counts as run at once"),
    # calling a coroutine function makes a coroutine object; its body runs only when awaited
    case("coroutine_never_awaited", "subprocess", src("""
        import os
        async def main():
            os.system("echo pwned")
        c = main()
        c.close()
        """), bypass=IMPRECISE + "a function called at import counts as run, a coroutine "
                     "function too"),
    # likewise a generator function's body runs only when the generator is iterated
    case("generator_never_iterated", "subprocess", src("""
        import os
        def gen():
            os.system("echo pwned")
            yield
        g = gen()
        """), bypass=IMPRECISE + "a function called at import counts as run, a generator "
                     "function too"),
    # a default argument evaluates the reference ``f``, it does not call it
    case("function_as_default_value", "subprocess", src("""
        import os
        def f():
            os.system("echo pwned")
        def run(cb=f):
            return cb
        """), bypass=IMPRECISE + "a function named at import but never called there counts "
                     "as run"),
    # a Thread subclass instantiated but not started: ``run`` never runs
    case("thread_subclass_not_started", "subprocess", src("""
        import os, threading
        class T(threading.Thread):
            def run(self):
                os.system("echo pwned")
        t = T()
        """), bypass=IMPRECISE + "a live class with a base from outside the module has all "
                     "its methods reached"),
    # ``close`` of another object is called at import: K's ``close`` never is
    case("method_named_like_one_called", "subprocess", src("""
        import os, io
        class K:
            def close(self):
                os.system("echo pwned")
        KINDS = (K,)
        io.StringIO().close()
        """), bypass=IMPRECISE + "a method named like one called at import counts as run"),
]


@pytest.mark.parametrize(("files", "cap"), CASES)
def test_runs_at_import_is_import(files: str | dict[str, str | bytes], cap: str,
                                  tmp_path: Path) -> None:
    fail_unless_at_import(files, cap, tmp_path)


@pytest.mark.parametrize(("files", "cap"), STARTUP)
def test_runs_at_startup_is_startup_or_import(files: dict[str, str | bytes], cap: str,
                                              tmp_path: Path) -> None:
    found = scan(files, tmp_path)
    if not [f for f in found if str(f.capability) == cap and str(f.phase) in (
            "startup", "import")]:
        pytest.fail(f"no {cap} finding at startup: {shown(found)}", pytrace=False)


@pytest.mark.parametrize(("files", "cap"), PRECISION)
def test_does_not_run_at_import_stays_runtime(files: str | dict[str, str | bytes], cap: str,
                                              tmp_path: Path) -> None:
    fail_unless_runtime(files, cap, tmp_path)
