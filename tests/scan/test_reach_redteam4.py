"""Red-team, fourth wave (#13): code that runs when a package is imported although no line
of it spells the call: special methods *assigned* (not defined) in a class, annotations
evaluated at definition time, descriptors and hashes the standard library reads while it
builds a class (``dataclass``, ``Enum``, ``ABCMeta``), callables named only by a string the
standard library resolves (``pkgutil.resolve_name``, a pickle's GLOBAL opcode, an
``eval_str`` annotation), and module hooks bound by import.

It reuses round 3's harness (tests/scan/test_reach_redteam3.py): every case is also *run*
(``test_really_runs_at_import`` imports the package in a fresh ``python -I`` and the payload
must print ``pwned``; the precision cases must not), and ``test_runs_at_import_is_import``
asks for the capability (or ``dynamic-code`` / ``unanalyzed``) in phase ``import``. A case
the scanner gets wrong is ``xfail(strict=True)`` with reason ``bypass: <mechanism>; fix:
<...>``; a precision case it labels ``import`` is ``imprecise: ...``.

The annotation cases (section 2) hold on Python 3.11 to 3.13 (this was run on 3.11);
under PEP 649 (3.14) such annotations are no longer evaluated at definition time.
"""

from __future__ import annotations

from tests.scan.test_reach_redteam import src
from tests.scan.test_reach_redteam3 import (
    X_PAYLOAD,
    Files,
    round_tests,
)

GETATTR_PAYLOAD = X_PAYLOAD.replace("def f():", "def __getattr__(name):")

_RAW: list[tuple[str, str, Files, str | None]] = []


def case(name: str, cap: str, files: Files, *, bypass: str | None = None) -> None:
    _RAW.append((name, cap, files, bypass))


# ---- 1. special methods bound by assignment, not by ``def``
case("class_getitem_assigned_from_module", "subprocess", {
    "pkg/_x.py": "import os\ndef hook(cls, item):\n    os.system('echo pwned')\n    return cls\n",
    "pkg/__init__.py": src("""
        from ._x import hook
        class C:
            __class_getitem__ = classmethod(hook)
        C[int]
        """),
})
case("init_subclass_assigned_from_module", "subprocess", {
    "pkg/_x.py": "import os\ndef hook(cls, **kw):\n    os.system('echo pwned')\n",
    "pkg/__init__.py": src("""
        from ._x import hook
        class Base:
            __init_subclass__ = classmethod(hook)
        class Child(Base):
            pass
        """),
})
case("set_name_assigned_from_module", "subprocess", {
    "pkg/_x.py": "import os\ndef hook(self, owner, name):\n    os.system('echo pwned')\n",
    "pkg/__init__.py": src("""
        from ._x import hook
        class D:
            __set_name__ = hook
        class C:
            d = D()
        """),
})
case("hash_assigned_lambda_set", "subprocess", src("""
    import os
    class K:
        __hash__ = lambda self: os.system("echo pwned") or 1
    S = {K()}
    """))
case("module_getattr_reexported", "subprocess", {
    "pkg/_x.py": src("""
        import os
        def lazy(name):
            os.system("echo pwned")
            return 1
        """),
    "pkg/__init__.py": "from ._x import lazy as __getattr__\nfrom . import _y\n",
    "pkg/_y.py": "from pkg import anything\n",
})
case("module_getattr_assigned_attr", "subprocess", {
    "pkg/_x.py": X_PAYLOAD.replace("def f():", "def f(name):"),
    "pkg/__init__.py": "from . import _x\n__getattr__ = _x.f\nfrom . import _y\n",
    "pkg/_y.py": "import pkg\npkg.missing\n",
})
case("enter_assigned_from_contextmanager_helper", "subprocess", {
    "pkg/_x.py": "import os\ndef enter(self):\n    os.system('echo pwned')\n    return self\n",
    "pkg/__init__.py": src("""
        from ._x import enter
        class Ctx:
            __enter__ = enter
            def __exit__(self, *a):
                return False
        with Ctx():
            pass
        """),
})

# ---- 2. annotations evaluated where they are written (Python < 3.14, no __future__)
case("return_annotation_call", "subprocess", {
    "pkg/_x.py": X_PAYLOAD,
    "pkg/__init__.py": "from ._x import f\ndef g() -> f():\n    pass\n",
})
case("param_annotation_call", "subprocess", {
    "pkg/_x.py": X_PAYLOAD,
    "pkg/__init__.py": "from ._x import f\ndef g(a: f()):\n    pass\n",
})
case("module_annassign_class_getitem", "subprocess", src("""
    import os
    class K:
        def __class_getitem__(cls, item):
            os.system("echo pwned")
            return cls
    x: K[int]
    """))
case("class_body_annotation_call", "subprocess", {
    "pkg/_x.py": X_PAYLOAD,
    "pkg/__init__.py": "from . import _x\nclass C:\n    a: _x.f()\n",
})
case("inspect_get_annotations_eval_str", "subprocess", src("""
    import inspect
    def g(a: "__import__('os').system('echo pwned')"):
        pass
    inspect.get_annotations(g, eval_str=True)
    """))
case("inspect_signature_eval_str", "subprocess", src("""
    import inspect
    def g(a: "__import__('os').system('echo pwned')"):
        pass
    inspect.signature(g, eval_str=True)
    """))
case("forwardref_evaluate", "subprocess", src("""
    import typing
    typing.ForwardRef("__import__('os').system('echo pwned')")._evaluate(
        {}, {}, frozenset())
    """))

# ---- 3. the standard library reads the class while it builds it
case("dataclass_descriptor_default", "subprocess", src("""
    import os
    from dataclasses import dataclass
    class D:
        def __get__(self, obj, owner=None):
            os.system("echo pwned")
            return 0
        def __set__(self, obj, value):
            pass
    @dataclass
    class C:
        x: int = D()
    """))
case("enum_value_hash", "subprocess", src("""
    import enum, os
    class V:
        def __hash__(self):
            os.system("echo pwned")
            return 1
    class E(enum.Enum):
        A = V()
    """))
case("abc_isabstractmethod_property", "subprocess", src("""
    import abc, os
    class P:
        @property
        def __isabstractmethod__(self):
            os.system("echo pwned")
            return False
    class C(abc.ABC):
        x = P()
    """))
case("isinstance_reads_class_property", "subprocess", src("""
    import os
    class K:
        @property
        def __class__(self):
            os.system("echo pwned")
            return K
    isinstance(K(), int)
    """))
case("namedtuple_defaults_factory_call", "subprocess", {
    "pkg/_x.py": X_PAYLOAD,
    "pkg/__init__.py": src("""
        import typing
        from ._x import f
        class P(typing.NamedTuple):
            a: int = f()
        """),
})
case("types_new_class_exec_body", "subprocess", {
    "pkg/_x.py": X_PAYLOAD.replace("def f():", "def f(ns):"),
    "pkg/__init__.py": "import types\nfrom ._x import f\nC = types.new_class('C', (), {}, f)\n",
})
case("make_dataclass_namespace_post_init", "subprocess", {
    "pkg/_x.py": X_PAYLOAD.replace("def f():", "def f(self):"),
    "pkg/__init__.py": src("""
        import dataclasses
        from ._x import f
        C = dataclasses.make_dataclass("C", ["a"], namespace={"__post_init__": f})
        C(1)
        """),
})

# ---- 4. a callable named by a string the standard library resolves, or hooked where it calls
case("pkgutil_resolve_name", "subprocess", {
    "pkg/_x.py": X_PAYLOAD,
    "pkg/__init__.py": "import pkgutil\npkgutil.resolve_name('pkg._x:f')()\n",
})
case("pickle_global_opcode_own_function", "subprocess", {
    "pkg/_x.py": X_PAYLOAD,
    "pkg/__init__.py": "import pickle\npickle.loads(b'cpkg._x\\nf\\n)R.')\n",
})
case("runpy_run_module_own", "subprocess", {
    "pkg/_x.py": X_PAYLOAD + "f()\n",
    "pkg/__init__.py": "import runpy\nrunpy.run_module('pkg._x')\n",
})
case("mock_patch_string_new_callable", "subprocess", {
    "pkg/_x.py": X_PAYLOAD + "def g():\n    return 1\n",
    "pkg/__init__.py": src("""
        from unittest import mock
        from ._x import f
        with mock.patch("pkg._x.g", new_callable=f):
            pass
        """),
})
case("codecs_register_error_handler", "subprocess", {
    "pkg/_x.py": X_PAYLOAD.replace("def f():", "def f(exc):").replace(
        "os.system(\"echo pwned\")", "os.system(\"echo pwned\")\n    return ('?', exc.end)"),
    "pkg/__init__.py": src("""
        import codecs
        from ._x import f
        codecs.register_error("pkg-x", f)
        "\\xe9".encode("ascii", "pkg-x")
        """),
})
case("logging_record_factory", "subprocess", {
    "pkg/_x.py": src("""
        import logging, os
        _old = logging.getLogRecordFactory()
        def factory(*a, **kw):
            os.system("echo pwned")
            return _old(*a, **kw)
        """),
    "pkg/__init__.py": src("""
        import logging
        from ._x import factory
        logging.setLogRecordFactory(factory)
        logging.getLogger("pkg").error("x")
        """),
})
case("sys_setprofile_own", "subprocess", {
    "pkg/_x.py": src("""
        import os, sys
        def prof(frame, event, arg):
            sys.setprofile(None)
            os.system("echo pwned")
        """),
    "pkg/__init__.py": "import sys\nfrom ._x import prof\nsys.setprofile(prof)\nlen('a')\n",
})
case("sys_breakpointhook", "subprocess", {
    "pkg/_x.py": X_PAYLOAD,
    "pkg/__init__.py": "import sys\nfrom ._x import f\nsys.breakpointhook = f\nbreakpoint()\n",
})
case("sys_unraisablehook_from_del", "subprocess", {
    "pkg/_x.py": X_PAYLOAD.replace("def f():", "def f(u):"),
    "pkg/__init__.py": src("""
        import sys
        from ._x import f
        sys.unraisablehook = f
        class K:
            def __del__(self):
                raise ValueError
        K()
        """),
})

# ---- 5. the import machinery
case("sys_modules_instance_getattr", "subprocess", {
    "pkg/_x.py": src("""
        import os
        class Lazy:
            def __getattr__(self, name):
                os.system("echo pwned")
                return 1
        """),
    "pkg/__init__.py": src("""
        import sys
        from ._x import Lazy
        sys.modules["pkg._lazy"] = Lazy()
        from pkg._lazy import thing
        """),
})
case("circular_import_partial_module", "subprocess", {
    "pkg/__init__.py": "from ._a import A\n",
    "pkg/_a.py": "from . import _b\nA = 1\n",
    "pkg/_b.py": "import os\nfrom . import _a\ndef f():\n    os.system('echo pwned')\nf()\n",
})
case("importlib_reload_own", "subprocess", {
    "pkg/_x.py": "import os\nif 'n' in globals():\n    os.system('echo pwned')\nn = 1\n",
    "pkg/__init__.py": "import importlib\nfrom . import _x\nimportlib.reload(_x)\n",
})
# ---- 6. special methods the standard library calls for you
case("str_translate_table_getitem", "subprocess", src("""
    import os
    class T:
        def __getitem__(self, c):
            os.system("echo pwned")
            raise LookupError
    "a".translate(T())
    """))

# ---- 7. more strings the standard library resolves to own code
case("pydoc_locate", "subprocess", {
    "pkg/_x.py": X_PAYLOAD,
    "pkg/__init__.py": "import pydoc\npydoc.locate('pkg._x.f')()\n",
})
case("logging_configurator_resolve", "subprocess", {
    "pkg/_x.py": X_PAYLOAD,
    "pkg/__init__.py": "import logging.config\n"
                       "logging.config.BaseConfigurator({}).resolve('pkg._x.f')()\n",
})
case("mock_patch_imports_target_module", "subprocess", {
    "pkg/_x.py": X_PAYLOAD + "f()\ndef g():\n    pass\n",
    "pkg/__init__.py": "from unittest import mock\nwith mock.patch('pkg._x.g'):\n    pass\n",
})

# ---- 8. names bound by import where the machinery looks them up
case("class_body_import_binds_class_getitem", "subprocess", {
    "pkg/_x.py": "import os\ndef hook(cls, item):\n    os.system('echo pwned')\n    return cls\n",
    "pkg/__init__.py": "class C:\n    from ._x import hook as __class_getitem__\nC[int]\n",
})
case("module_getattr_via_star_all", "subprocess", {
    "pkg/_x.py": "__all__ = ['__getattr__']\n" + GETATTR_PAYLOAD,
    "pkg/__init__.py": "from ._x import *\nfrom . import _y\n",
    "pkg/_y.py": "from pkg import anything\n",
})
case("fromlist_hasattr_runs_module_getattr", "subprocess", {
    "pkg/__init__.py": GETATTR_PAYLOAD + "from . import _y\n",
    "pkg/_y.py": "A = 1\n",
})

# ---- precision: CPython does not run these on ``import pkg``; they must stay ``runtime``
_PRECISION: list[tuple[str, str, Files, str | None]] = [
    ("future_annotations_not_evaluated", "subprocess", {
        "pkg/_x.py": X_PAYLOAD,
        "pkg/__init__.py": "from __future__ import annotations\nfrom ._x import f\n"
                           "def g() -> f():\n    pass\n",
    }, None),
    ("string_annotation_not_evaluated", "subprocess", src("""
        import os
        def f():
            os.system("echo pwned")
        def g(a: "f()"):
            pass
        """), None),
    ("function_body_annotation_not_evaluated", "subprocess", src("""
        import os
        def f():
            os.system("echo pwned")
        def g():
            x: f()
        g()
        """), None),
    ("class_getitem_never_subscripted", "subprocess", src("""
        import os
        class K:
            def __class_getitem__(cls, item):
                os.system("echo pwned")
        K.__name__
        """), None),
    ("module_getattr_names_all_bound", "subprocess", {
        "pkg/_x.py": X_PAYLOAD.replace("def f():", "def f(name):"),
        "pkg/__init__.py": "from ._x import f as __getattr__\nA = 1\n",
    }, None),
]


(test_really_runs_at_import, test_precision_cases_do_not_run_at_import,
 test_runs_at_import_is_import, test_does_not_run_at_import_stays_runtime) = round_tests(
    _RAW, _PRECISION)
