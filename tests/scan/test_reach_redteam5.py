"""Red-team, fifth wave (#13): code that runs when a package is imported, reached through
the interplay of the package's own modules (a from-import that binds an attribute, not the
submodule the scanner resolves; a submodule or a cycle partner rebinding another module's
global; star imports binding names the module tests: ``__name__``, ``TYPE_CHECKING``, a
builtin), the standard library importing a module the wheel ships under a name it only
tries (``_winapi``), strings the standard library resolves to own callables
(``unittest``'s loader, ``importlib.metadata.EntryPoint``, ``logging.config``), and typing
and class machinery that calls what a class or annotation holds (``singledispatch``
evaluating a string annotation, ``Union`` hashing a class through its metaclass,
``contextmanager`` used as a decorator, a ``Protocol`` check reading a module).

It reuses round 3's harness (tests/scan/test_reach_redteam3.py): every case is also *run*
(``test_really_runs_at_import`` imports the package in a fresh ``python -I`` and the payload
must print ``pwned``; the precision cases must not), and ``test_runs_at_import_is_import``
asks for the capability (or ``dynamic-code`` / ``unanalyzed``) in phase ``import``. A case
the scanner gets wrong is ``xfail(strict=True)`` with reason ``bypass: <mechanism>; fix:
<...>``; a precision case it labels ``import`` is ``imprecise: ...``. Run on Python 3.11.
"""

from __future__ import annotations

from tests.scan.test_reach_redteam import src
from tests.scan.test_reach_redteam3 import (
    X_PAYLOAD,
    Files,
    round_tests,
)

ENV_PAYLOAD = 'import os\ndef f():\n    print(os.environ.get("PKG_PROBE"))\n'
HARMLESS_RUN = "def run():\n    return None\n"
EVIL_TOOLS = src("""
    import os
    class tools:
        @staticmethod
        def run():
            os.system("echo pwned")
    """)

_RAW: list[tuple[str, str, Files, str | None]] = []


def case(name: str, cap: str, files: Files, *, bypass: str | None = None) -> None:
    _RAW.append((name, cap, files, bypass))


# ---- 1. `from . import x` / `import pkg.x as y` bind the package's attribute, not the submodule
case("from_dot_import_attribute_from_star", "subprocess", {
    "pkg/_impl.py": EVIL_TOOLS,
    "pkg/tools.py": HARMLESS_RUN,
    "pkg/__init__.py": "from ._impl import *\nfrom . import tools\ntools.run()\n",
})  # closed by reach6: a public name an own star import may bind is the starred one too
case("from_dot_import_attribute_rebound", "subprocess", {
    "pkg/_impl.py": EVIL_TOOLS,
    "pkg/tools.py": HARMLESS_RUN,
    "pkg/__init__.py": "from ._impl import tools\nfrom . import tools\ntools.run()\n",
})  # closed by reach6: ``from . import x`` gives the attribute a statement above bound
case("import_as_reads_package_attribute", "subprocess", {
    "pkg/_impl.py": EVIL_TOOLS,
    "pkg/tools.py": HARMLESS_RUN,
    "pkg/__init__.py": "from . import tools\nfrom ._impl import tools\nfrom . import _y\n",
    "pkg/_y.py": "import pkg.tools as t\nt.run()\n",
})
case("absolute_chain_reads_rebound_attribute", "subprocess", {
    "pkg/_impl.py": EVIL_TOOLS,
    "pkg/tools.py": HARMLESS_RUN,
    "pkg/__init__.py": "from . import tools\nfrom ._impl import tools\nfrom . import _y\n",
    "pkg/_y.py": "import pkg.tools\npkg.tools.run()\n",
})
case("from_pkg_import_name_shadowing_submodule", "subprocess", {
    "pkg/_impl.py": EVIL_TOOLS,
    "pkg/tools.py": HARMLESS_RUN,
    "pkg/__init__.py": "from ._impl import tools\nfrom . import _y\n",
    "pkg/_y.py": "from pkg import tools\ntools.run()\n",
})

# ---- 2. another own module rebinds a module's global before it is called
case("submodule_rebinds_package_global", "subprocess", {
    "pkg/_x.py": HARMLESS_RUN,
    "pkg/_y.py": "import os\nimport pkg\ndef run():\n    os.system('echo pwned')\npkg.run = run\n",
    "pkg/__init__.py": "from ._x import run\nfrom . import _y\nrun()\n",
})
case("submodule_import_rebinds_package_global", "subprocess", {
    "pkg/_x.py": "class tools:\n    @staticmethod\n    def run():\n        pass\n",
    "pkg/tools.py": "import os\nX = 1\ndef run():\n    os.system('echo pwned')\n",
    "pkg/__init__.py": "from ._x import tools\nfrom .tools import X\ntools.run()\n",
})  # closed by reach6: loading pkg.tools rebinds __init__'s global tools
case("submodule_setattr_sys_modules_package", "subprocess", {
    "pkg/_x.py": HARMLESS_RUN,
    "pkg/_y.py": src("""
        import os, sys
        def run():
            os.system("echo pwned")
        setattr(sys.modules[__package__], "run", run)
        """),
    "pkg/__init__.py": "from ._x import run\nfrom . import _y\nrun()\n",
})
case("cycle_partner_rebinds_partial_module_global", "subprocess", {
    "pkg/__init__.py": "from . import _a\n",
    "pkg/_a.py": HARMLESS_RUN + "from . import _b\nrun()\n",
    "pkg/_b.py": src("""
        import os
        from . import _a
        def evil():
            os.system("echo pwned")
        _a.run = evil
        """),
})
case("vars_update_of_package", "subprocess", {
    "pkg/_x.py": HARMLESS_RUN,
    "pkg/_y.py": src("""
        import os
        import pkg
        def run():
            os.system("echo pwned")
        vars(pkg).update(run=run)
        """),
    "pkg/__init__.py": "from ._x import run\nfrom . import _y\nrun()\n",
})
case("submodule_replaces_own_sys_modules_entry", "subprocess", {
    "pkg/_x.py": HARMLESS_RUN + src("""
        import os, sys
        class _Impl:
            @staticmethod
            def run():
                os.system("echo pwned")
        sys.modules[__name__] = _Impl
        """),
    "pkg/__init__.py": "from ._x import run\nrun()\n",
})
case("sibling_writes_package_dunder_name", "subprocess", {
    "pkg/_y.py": "import pkg\npkg.__name__ = '__main__'\n",
    "pkg/__init__.py": src("""
        import os
        from . import _y
        def f():
            os.system("echo pwned")
        if __name__ == "__main__":
            f()
        """),
})  # closed by reach6: a write of an own module's __name__ by any module (exports)

# ---- 3. star imports bind the names a module tests or trusts
case("star_import_overrides_local_def", "subprocess", {
    "pkg/_x.py": "import os\ndef run():\n    os.system('echo pwned')\n",
    "pkg/__init__.py": HARMLESS_RUN + "from ._x import *\nrun()\n",
})  # closed by reach6: a public name an own star import may rebind is the starred one too
case("star_import_dynamic_all_underscore", "subprocess", {
    "pkg/_x.py": src("""
        import os
        def _run():
            os.system("echo pwned")
        __all__ = [n for n in list(globals()) if n.startswith("_r")]
        """),
    "pkg/__init__.py": "def _run():\n    pass\nfrom ._x import *\n_run()\n",
})
case("star_import_rebinds_dunder_name", "subprocess", {
    "pkg/_x.py": "__all__ = ['__name__']\n__name__ = '__main__'\n",
    "pkg/__init__.py": src("""
        import os
        from ._x import *
        def f():
            os.system("echo pwned")
        if __name__ == "__main__":
            f()
        """),
})
case("star_import_rebinds_type_checking", "subprocess", {
    "pkg/_x.py": "TYPE_CHECKING = True\n",
    "pkg/__init__.py": src("""
        import os
        from typing import TYPE_CHECKING
        from ._x import *
        def f():
            os.system("echo pwned")
        if TYPE_CHECKING:
            f()
        """),
})  # closed by scan12: a star import makes the TYPE_CHECKING guard read
case("star_import_rebinds_typing_alias", "subprocess", {
    "pkg/_x.py": "class _T:\n    TYPE_CHECKING = True\nt = _T()\n",
    "pkg/__init__.py": src("""
        import os
        import typing as t
        from ._x import *
        def f():
            os.system("echo pwned")
        if t.TYPE_CHECKING:
            f()
        """),
})  # closed by scan12: a star import makes the TYPE_CHECKING guard read
case("star_import_rebinds_property", "subprocess", {
    "pkg/_x.py": "def property(fn):\n    fn(None)\n    return fn\n",
    "pkg/__init__.py": src("""
        import os
        from ._x import *
        class C:
            @property
            def go(self):
                os.system("echo pwned")
        """),
})  # closed by reach6: names own star imports may bind are not trusted
case("star_import_rebinds_functools", "subprocess", {
    "pkg/_x.py": "class functools:\n    @staticmethod\n    def cache(fn):\n        fn()\n"
                 "        return fn\n",
    "pkg/__init__.py": src("""
        import os, functools
        from ._x import *
        @functools.cache
        def go():
            os.system("echo pwned")
        """),
})  # closed by reach6: names own star imports may bind are not trusted
case("star_import_rebinds_dataclasses_field", "subprocess", {
    "pkg/_x.py": "def field(default_factory):\n    return default_factory()\n",
    "pkg/__init__.py": src("""
        import os
        from dataclasses import dataclass, field
        from ._x import *
        @dataclass
        class C:
            xs: tuple = field(default_factory=lambda: os.system("echo pwned") or ())
        """),
})  # closed by reach6: names own star imports may bind are not trusted
case("star_import_shadows_builtin", "subprocess", {
    "pkg/_x.py": "import os\ndef isinstance(a, b):\n    os.system('echo pwned')\n    return True\n",
    "pkg/__init__.py": "from ._x import *\nisinstance(1, int)\n",
})

# ---- 4. the standard library imports a module by a name it only tries, and calls it
case("stdlib_optional_module_winapi_shadowed", "subprocess", {
    "_winapi.py": "import os\ndef _mimetypes_read_windows_registry(add):\n"
                  "    os.system('echo pwned')\n",
    "pkg/__init__.py": "import mimetypes\nmimetypes.guess_type('a.txt')\n",
})  # closed by reach6: a module the stdlib only tries is reached at import (wheel.py)

# ---- 5. strings the standard library resolves to own callables
case("unittest_loader_calls_named_function", "subprocess", {
    "pkg/_x.py": "import os, unittest\ndef f():\n    os.system('echo pwned')\n"
                 "    return unittest.TestSuite()\n",
    "pkg/__init__.py": "import unittest\nunittest.defaultTestLoader.loadTestsFromName("
                       "'pkg._x.f')\n",
})
case("metadata_entrypoint_literal_load", "subprocess", {
    "pkg/_x.py": X_PAYLOAD,
    "pkg/__init__.py": src("""
        from importlib.metadata import EntryPoint
        EntryPoint(name="x", value="pkg._x:f", group="g").load()()
        """),
})
case("dictconfig_filter_factory_literal", "subprocess", {
    "pkg/_x.py": X_PAYLOAD.replace("def f():", "def f():\n    import logging").replace(
        '"echo pwned")', '"echo pwned")\n    return logging.Filter()'),
    "pkg/__init__.py": src("""
        import logging.config
        logging.config.dictConfig({"version": 1, "filters": {"x": {"()": "pkg._x.f"}}})
        """),
})

# ---- 6. typing and class machinery call what a class or annotation holds
case("singledispatch_register_string_annotation", "subprocess", {
    "pkg/_x.py": X_PAYLOAD.replace('"echo pwned")', '"echo pwned")\n    return int'),
    "pkg/__init__.py": src("""
        import functools
        from ._x import f
        @functools.singledispatch
        def h(x):
            return x
        @h.register
        def _(x: "f()"):
            return x
        """),
})
case("union_hashes_class_through_metaclass", "subprocess", {
    "pkg/_x.py": src("""
        import os
        class Meta(type):
            def __hash__(cls):
                os.system("echo pwned")
                return id(cls)
        class K(metaclass=Meta):
            pass
        """),
    "pkg/__init__.py": "import typing\nfrom ._x import K\nT = typing.Union[K, int]\n",
})
case("namedtuple_annotation_metaclass_eq", "subprocess", {
    "pkg/_x.py": src("""
        import os
        class Meta(type):
            def __eq__(cls, other):
                os.system("echo pwned")
                return False
            __hash__ = type.__hash__
        class K(metaclass=Meta):
            pass
        """),
    "pkg/__init__.py": "import typing\nfrom ._x import K\nclass P(typing.NamedTuple):\n"
                       "    a: K\n",
})
case("contextmanager_used_as_decorator", "subprocess", {
    "pkg/_x.py": src("""
        import contextlib, os
        @contextlib.contextmanager
        def cm():
            os.system("echo pwned")
            yield
        """),
    "pkg/__init__.py": "from ._x import cm\n@cm()\ndef g():\n    pass\ng()\n",
})
case("protocol_isinstance_reads_module_getattr", "subprocess", {
    "pkg/_x.py": X_PAYLOAD.replace("def f():", "def __getattr__(name):"),
    "pkg/__init__.py": src("""
        import typing
        from . import _x
        @typing.runtime_checkable
        class P(typing.Protocol):
            def go(self): ...
        isinstance(_x, P)
        """),
})
case("metaclass_in_other_module_calls_override", "subprocess", {
    "pkg/_m.py": src("""
        class Meta(type):
            def __init__(cls, name, bases, ns):
                super().__init__(name, bases, ns)
                cls.on_define()
        class Base(metaclass=Meta):
            @classmethod
            def on_define(cls):
                pass
        """),
    "pkg/_plug.py": src("""
        import os
        from ._m import Base
        class Plug(Base):
            @classmethod
            def on_define(cls):
                os.system("echo pwned")
        """),
    "pkg/__init__.py": "from . import _plug\n",
})  # closed by reach6: a hook of another own module (gate.scan.reach_hooks)
case("enum_missing_from_mixin_module", "subprocess", {
    "pkg/_x.py": src("""
        import os
        class M:
            @classmethod
            def _missing_(cls, v):
                os.system("echo pwned")
                return None
        """),
    "pkg/__init__.py": "import enum\nfrom ._x import M\nclass E(M, enum.Enum):\n    A = 1\n"
                       "try:\n    E(2)\nexcept ValueError:\n    pass\n",
})
case("metaclass_chain_three_modules", "subprocess", {
    "pkg/_m.py": src("""
        class Meta(type):
            def __init__(cls, name, bases, ns):
                super().__init__(name, bases, ns)
                cls.on_define()
        """),
    "pkg/_base.py": "from ._m import Meta\nclass Base(metaclass=Meta):\n"
                    "    @classmethod\n    def on_define(cls):\n        pass\n",
    "pkg/_plug.py": src("""
        import os
        from ._base import Base
        class Plug(Base):
            @classmethod
            def on_define(cls):
                os.system("echo pwned")
        """),
    "pkg/__init__.py": "from . import _plug\n",
})  # closed by reach6: a hook of another own module (gate.scan.reach_hooks)
case("init_subclass_in_other_module_calls_override", "subprocess", {
    "pkg/_a.py": "class A:\n    def __init_subclass__(cls, **kw):\n        cls.setup()\n"
                 "    @classmethod\n    def setup(cls):\n        pass\n",
    "pkg/_c.py": src("""
        import os
        from ._a import A
        class C(A):
            @classmethod
            def setup(cls):
                os.system("echo pwned")
        """),
    "pkg/__init__.py": "from . import _c\n",
})  # closed by reach6: a hook of another own module (gate.scan.reach_hooks)
case("init_subclass_chain_three_modules_env", "env", {
    "pkg/_a.py": "class A:\n    def __init_subclass__(cls, **kw):\n"
                 "        super().__init_subclass__(**kw)\n        cls.setup()\n",
    "pkg/_b.py": "from ._a import A\nclass B(A):\n    @classmethod\n    def setup(cls):\n"
                 "        pass\n",
    "pkg/_c.py": src("""
        import os
        from ._b import B
        class C(B):
            @classmethod
            def setup(cls):
                print(os.environ.get("PKG_PROBE"))
        """),
    "pkg/__init__.py": "from ._c import C\n",
})  # closed by reach6: a hook of another own module (gate.scan.reach_hooks)
case("init_subclass_registry_in_other_module", "subprocess", {
    "pkg/_a.py": src("""
        REG = []
        class A:
            def __init_subclass__(cls, **kw):
                REG.append(cls)
        def boot():
            for c in REG:
                c.setup()
        """),
    "pkg/_c.py": src("""
        import os
        from ._a import A
        class C(A):
            @classmethod
            def setup(cls):
                os.system("echo pwned")
        """),
    "pkg/__init__.py": "from . import _c\nfrom ._a import boot\nboot()\n",
})  # closed by reach6: a hook of another own module (gate.scan.reach_hooks)
case("set_name_descriptor_from_factory_module", "env", {
    "pkg/_x.py": src("""
        class _D:
            def __init__(self, fn):
                self.fn = fn
            def __set_name__(self, owner, name):
                self.fn()
        def hook(fn):
            return _D(fn)
        """),
    "pkg/__init__.py": src("""
        import os
        from ._x import hook
        class C:
            @hook
            def go():
                print(os.environ.get("PKG_PROBE"))
        """),
})
case("import_hook_path_importer_cache", "subprocess", {
    "pkg/_h.py": src("""
        import os
        class Finder:
            def find_spec(self, name, target=None):
                os.system("echo pwned")
                return None
            def invalidate_caches(self):
                pass
        """),
    "pkg/__init__.py": src("""
        import sys
        from ._h import Finder
        sys.path_importer_cache[__path__[0]] = Finder()
        try:
            from . import _missing
        except ImportError:
            pass
        """),
})
case("warnings_category_init_from_module", "env", {
    "pkg/_x.py": "import os\nclass W(UserWarning):\n    def __init__(self, *a):\n"
                 "        super().__init__(*a)\n        print(os.environ.get('PKG_PROBE'))\n",
    "pkg/__init__.py": "import warnings\nfrom . import _x\nwarnings.warn('x', _x.W)\n",
})
case("exception_str_logged_from_other_module", "env", {
    "pkg/_x.py": src("""
        import os
        class E(Exception):
            def __str__(self):
                print(os.environ.get("PKG_PROBE"))
                return "e"
        def boom():
            raise E()
        """),
    "pkg/__init__.py": src("""
        import logging
        from ._x import boom
        try:
            boom()
        except Exception as e:
            logging.getLogger("pkg").warning("failed: %s", e)
        """),
})

# ---- precision: CPython does not run these on ``import pkg``; they must stay ``runtime``
_PRECISION: list[tuple[str, str, Files, str | None]] = [
    ("from_dot_import_attribute_submodule_never_loaded", "subprocess", {
        "pkg/_impl.py": "class tools:\n    @staticmethod\n    def run():\n        return None\n",
        "pkg/tools.py": "import os\ndef run():\n    os.system('echo pwned')\n",
        "pkg/__init__.py": "from ._impl import tools\nfrom . import tools\ntools.run()\n",
    }, None),  # closed by reach6
    ("generic_subscript_runs_no_method", "subprocess", src("""
        import os, typing
        T = typing.TypeVar("T")
        class Box(typing.Generic[T]):
            def go(self):
                os.system("echo pwned")
        IntBox = Box[int]
        """), "imprecise: `Box[int]` of a `typing.Generic` subclass makes an "
       "alias through Generic's __class_getitem__ and calls none of Box's methods, yet Box "
       "counts as used and go() is labelled import; fix: a subscript of an own class that "
       "defines no __class_getitem__ and has no own metaclass or base hook does not use it "
       "(as a type argument already does not)"),
    ("protocol_isinstance_runs_no_method", "subprocess", src("""
        import os, typing
        @typing.runtime_checkable
        class P(typing.Protocol):
            def go(self):
                os.system("echo pwned")
        isinstance(1, P)
        """), "imprecise: `isinstance(1, P)` with a runtime_checkable Protocol "
       "only looks the member names up on 1 (hasattr), calling none of P's methods, yet P "
       "counts as used; fix: extend the isinstance/issubclass narrowing to a class whose "
       "only foreign base is typing.Protocol (no own metaclass, no __subclasshook__)"),
    ("logging_debug_below_level_not_formatted", "subprocess", src("""
        import logging, os
        class K:
            def __str__(self):
                os.system("echo pwned")
                return "k"
        logging.getLogger("pkg").debug("%s", K())
        """), "imprecise: `debug(\"%s\", K())` under the default WARNING "
       "level is dropped before formatting, so K.__str__ never runs, yet it is labelled "
       "import (K() makes K used); fix: none that stays sound (a level may be set anywhere, "
       "by config or environment): pinned as the known cost of the rule"),
    ("python2_only_branch", "subprocess", src("""
        import os, sys
        def f():
            os.system("echo pwned")
        if sys.version_info[0] == 2:
            f()
        """), "imprecise: `if sys.version_info[0] == 2:` is never true on the "
       "Pythons a py3 wheel (Requires-Python >= 3) runs on, yet f() in it is labelled "
       "import; fix: treat a `sys.version_info` test no supported Python satisfies like "
       "`if False:`"),
    ("dataclass_default_factory_function_never_instantiated", "subprocess", {
        "pkg/_x.py": X_PAYLOAD.replace('"echo pwned")', '"echo pwned")\n    return []'),
        "pkg/__init__.py": src("""
            import dataclasses
            from ._x import f
            @dataclasses.dataclass
            class C:
                xs: list = dataclasses.field(default_factory=f)
            """),
    }, "imprecise: a function handed as `dataclasses.field(default_factory=f)` in a class "
       "body runs only where an instance is made, as the lambda the scanner already "
       "narrows does, yet f is labelled import with no instance made; fix: extend the "
       "default_factory narrowing from a lambda to a named function (def'd or imported) "
       "bound by nothing else"),
]


(test_really_runs_at_import, test_precision_cases_do_not_run_at_import,
 test_runs_at_import_is_import, test_does_not_run_at_import_stays_runtime) = round_tests(
    _RAW, _PRECISION)
