"""Import-phase fixes, round 6 (#13): the mechanisms behind red team 5's bypasses, and the
precision reach5's dotted literals cost.

0. A string literal that is a dotted path into the package (``"pkg._x.f"``) names that
   definition only where code the module runs at import may turn a string into an object
   (a resolver reached at import: ``pkgutil.resolve_name``, ``pydoc.locate``,
   ``import_module``/``__import__``, ``EntryPoint.load``, ``logging.config``,
   ``unittest``'s loader, ``find_class``, ``attrgetter``/``methodcaller``,
   ``sys.modules[name]``...), with that literal or a computed one. A registry of class paths
   read at import and resolved only when used (fsspec's ``known_implementations``) is inert.

1. Making a class runs its own bases' ``__init_subclass__`` and its metaclass's
   ``__new__``/``__init__``/``__prepare__`` wherever the package defines them (another
   module, a chain of modules): where that hook may call or keep the class, the class is used
   at import (its methods run: ``cls.setup()``, a registry walked at import). A hook that
   only reads the class's data (``cls.__name__``) uses nothing.

It reuses round 3's harness (tests/scan/test_reach_redteam3.py): every case is also *run*
(``import pkg`` in a fresh ``python -I`` must print ``pwned``; the precision cases must
not), and the scanner must report the capability (or ``dynamic-code`` / ``unanalyzed``) in
phase ``import`` (precision: ``runtime`` only).
"""

from __future__ import annotations

from tests.scan.test_reach_redteam import src
from tests.scan.test_reach_redteam3 import (
    X_PAYLOAD,
    Files,
    round_tests,
)

_RAW: list[tuple[str, str, Files, str | None]] = []


def case(name: str, cap: str, files: Files, *, bypass: str | None = None) -> None:
    _RAW.append((name, cap, files, bypass))


EVIL_CLASS = src("""
    import os
    class LocalFS:
        def __init__(self):
            os.system("echo pwned")
    """)
HARMLESS = "def run():\n    return None\n"
MAIN_BLOCK = src("""
    import os
    from . import _y
    def f():
        os.system("echo pwned")
    if __name__ == "__main__":
        f()
    """)
# fsspec's shape: a registry of class paths read at import, resolved only when asked
REGISTRY = src("""
    import importlib
    known = {"file": {"class": "pkg.impl.local.LocalFS"}}
    assert list(known) == sorted(known)
    def get_class(protocol):
        mod, _, name = known[protocol]["class"].rpartition(".")
        return getattr(importlib.import_module(mod), name)
    """)

# ---- 0. a dotted literal names its definition where a resolver runs at import
case("registry_resolved_at_import_by_computed_path", "subprocess", {
    "pkg/impl/__init__.py": "",
    "pkg/impl/local.py": EVIL_CLASS,
    "pkg/registry.py": REGISTRY,
    "pkg/__init__.py": "from .registry import get_class\nget_class('file')()\n",
})
case("registry_resolved_in_its_module", "subprocess", {
    "pkg/impl/__init__.py": "",
    "pkg/impl/local.py": EVIL_CLASS,
    "pkg/registry.py": REGISTRY + "DEFAULT = get_class('file')()\n",
    "pkg/__init__.py": "from . import registry\n",
})
case("literal_resolved_through_sys_modules", "subprocess", {
    "pkg/_x.py": X_PAYLOAD,
    "pkg/__init__.py": src("""
        import sys
        from . import _x
        P = "pkg._x.f"
        m, _, n = P.rpartition(".")
        getattr(sys.modules[m], n)()
        """),
})
case("literal_resolved_by_pydoc_locate_later", "subprocess", {
    "pkg/_x.py": X_PAYLOAD,
    "pkg/__init__.py": "import pydoc\nT = {'a': 'pkg._x.f'}\npydoc.locate(T['a'])()\n",
})

# ---- 1. a hook of another own module gets the class being made
case("init_subclass_hands_cls_to_function", "subprocess", {
    "pkg/_a.py": "def _prep(c):\n    c.go()\nclass A:\n    def __init_subclass__(cls):\n"
                 "        _prep(cls)\n",
    "pkg/_c.py": "import os\nfrom ._a import A\nclass C(A):\n    @classmethod\n"
                 "    def go(cls):\n        os.system('echo pwned')\n",
    "pkg/__init__.py": "from . import _c\n",
})
case("metaclass_new_in_other_module_absolute_import", "subprocess", {
    "pkg/_m.py": src("""
        class Meta(type):
            def __new__(mcs, name, bases, ns):
                k = super().__new__(mcs, name, bases, ns)
                k.boot()
                return k
        """),
    "pkg/_c.py": src("""
        import os
        import pkg._m
        class C(metaclass=pkg._m.Meta):
            @classmethod
            def boot(cls):
                os.system("echo pwned")
        """),
    "pkg/__init__.py": "from . import _c\n",
})
case("metaclass_base_of_metaclass_other_module", "subprocess", {
    "pkg/_m.py": "class M0(type):\n    def __init__(cls, *a):\n        super().__init__(*a)\n"
                 "        cls.hook()\nclass M1(M0):\n    pass\n",
    "pkg/_c.py": "import os\nfrom ._m import M1\nclass C(metaclass=M1):\n"
                 "    @classmethod\n    def hook(cls):\n        os.system('echo pwned')\n",
    "pkg/__init__.py": "from . import _c\n",
})

# ---- 2. a star import of an own module rebinds any public name bound before it
case("star_import_rebinds_from_import", "subprocess", {
    "pkg/_x.py": "import os\ndef run():\n    os.system('echo pwned')\n",
    "pkg/_y.py": HARMLESS,
    "pkg/__init__.py": "from ._y import run\nfrom ._x import *\nrun()\n",
})
case("star_import_rebinds_local_class", "subprocess", {
    "pkg/_x.py": "import os\nclass K:\n    def __init__(self):\n        os.system('echo pwned')\n",
    "pkg/__init__.py": "class K:\n    pass\nfrom ._x import *\nK()\n",
})
case("absolute_star_import_rebinds_local_def", "subprocess", {
    "pkg/_x.py": "import os\ndef run():\n    os.system('echo pwned')\n",
    "pkg/__init__.py": HARMLESS + "from pkg._x import *\nrun()\n",
})

# ---- 4. another module writes an own module's __name__
case("sibling_setattr_package_dunder_name", "subprocess", {
    "pkg/_y.py": "import pkg\nsetattr(pkg, '__name__', '__main__')\n",
    "pkg/__init__.py": MAIN_BLOCK,
})
case("sibling_writes_aliased_package_dunder_name", "subprocess", {
    "pkg/_y.py": "import pkg as p\np.__name__ = '__main__'\n",
    "pkg/__init__.py": MAIN_BLOCK,
})

# ---- 5. a top-level module named like a standard-library module this platform lacks
case("stdlib_optional_module_winreg_shadowed", "subprocess", {
    "winreg.py": "import os\nHKEY_CLASSES_ROOT = 0\ndef OpenKey(*a):\n"
                 "    os.system('echo pwned')\n    raise OSError\n",
    "pkg/__init__.py": "import mimetypes\ntry:\n    mimetypes.init()\nexcept OSError:\n"
                       "    pass\n",
})

# ---- 3. `from . import x` gives the package's attribute; loading pkg.x sets it
case("absolute_submodule_import_rebinds_package_global", "subprocess", {
    "pkg/_x.py": "class tools:\n    @staticmethod\n    def run():\n        pass\n",
    "pkg/tools.py": "import os\ndef run():\n    os.system('echo pwned')\n",
    "pkg/__init__.py": "from ._x import tools\nimport pkg.tools\ntools.run()\n",
})
case("from_submodule_import_same_name", "subprocess", {
    "pkg/tools.py": "import os\ndef tools():\n    os.system('echo pwned')\n",
    "pkg/__init__.py": "from .tools import tools\ntools()\n",
})
case("from_dot_import_attribute_bound_as_alias", "subprocess", {
    "pkg/_impl.py": "import os\nclass tools:\n    @staticmethod\n    def run():\n"
                    "        os.system('echo pwned')\n",
    "pkg/tools.py": HARMLESS,
    "pkg/__init__.py": "from ._impl import tools\nfrom . import tools as t\nt.run()\n",
})

# ---- 2b. a star import of an own module may rebind a name the scanner trusts
case("star_import_chain_rebinds_staticmethod", "subprocess", {
    "pkg/_y.py": "def staticmethod(fn):\n    fn()\n    return fn\n",
    "pkg/_x.py": "from ._y import *\n",
    "pkg/__init__.py": src("""
        import os
        from ._x import *
        class C:
            @staticmethod
            def go():
                os.system("echo pwned")
        """),
})
case("star_import_computed_all_rebinds_property", "subprocess", {
    "pkg/_x.py": "def property(fn):\n    fn(None)\n    return fn\n"
                 "__all__ = [n for n in dir() if not n.startswith('_')]\n",
    "pkg/__init__.py": src("""
        import os
        from ._x import *
        class C:
            @property
            def go(self):
                os.system("echo pwned")
        """),
})

_PRECISION: list[tuple[str, str, Files, str | None]] = [
    ("registry_of_class_paths_never_resolved_at_import", "subprocess", {
        "pkg/impl/__init__.py": "",
        "pkg/impl/local.py": EVIL_CLASS,
        "pkg/registry.py": REGISTRY,
        "pkg/__init__.py": "from .registry import get_class, known\n",
    }, None),
    ("registry_read_by_a_computed_getattr_only", "subprocess", {
        "pkg/impl/__init__.py": "",
        "pkg/impl/local.py": EVIL_CLASS,
        "pkg/registry.py": REGISTRY + "class Cfg:\n    file = 1\n"
                           "for k in known:\n    getattr(Cfg, k)\n",
        "pkg/__init__.py": "from . import registry\n",
    }, None),
    ("init_subclass_in_other_module_reads_data_only", "subprocess", {
        "pkg/_a.py": "NAMES = []\nclass A:\n    def __init_subclass__(cls):\n"
                     "        NAMES.append(cls.__name__)\n",
        "pkg/_c.py": "import os\nfrom ._a import A\nclass C(A):\n    def go(self):\n"
                     "        os.system('echo pwned')\n",
        "pkg/__init__.py": "from . import _c\n",
    }, None),
    ("base_in_other_module_without_hook", "subprocess", {
        "pkg/_a.py": "class A:\n    def setup(self):\n        pass\n",
        "pkg/_c.py": "import os\nfrom ._a import A\nclass C(A):\n    def setup(self):\n"
                     "        os.system('echo pwned')\n",
        "pkg/__init__.py": "from . import _c\n",
    }, None),
    ("star_import_cannot_rebind_private_name", "subprocess", {
        "pkg/_x.py": "import os\ndef _run():\n    os.system('echo pwned')\n",
        "pkg/__init__.py": "def _run():\n    pass\nfrom ._x import *\n_run()\n",
    }, None),
    ("decorator_writes_function_dunder_name", "subprocess", {
        "pkg/_y.py": "def deco(fn):\n    def w():\n        return fn()\n"
                     "    w.__name__ = fn.__name__\n    return w\n",
        "pkg/__init__.py": MAIN_BLOCK,
    }, None),
    ("stdlib_module_the_platform_has_never_loaded", "subprocess", {
        "colorsys.py": "import os\ndef rgb_to_hsv(*a):\n    os.system('echo pwned')\n",
        "pkg/__init__.py": "import json\n",
    }, None),
    ("star_import_of_module_not_binding_property", "subprocess", {
        "pkg/_x.py": "def helper():\n    return 1\n__all__ = ['helper']\n"
                     "def property(fn):\n    fn(None)\n    return fn\n",
        "pkg/__init__.py": src("""
            import os
            from ._x import *
            class C:
                @property
                def go(self):
                    os.system("echo pwned")
            """),
    }, None),
]


(test_really_runs_at_import, test_precision_cases_do_not_run_at_import,
 test_runs_at_import_is_import, test_does_not_run_at_import_stays_runtime) = round_tests(
    _RAW, _PRECISION)
