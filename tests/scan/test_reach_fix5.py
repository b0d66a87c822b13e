"""Import-phase fixes, round 5 (#13): the mechanisms behind red team 4's last bypasses, each
closed for every form it takes, not for the one example.

1. A name the machinery looks up is the hook however it is bound: a module's ``__getattr__``
   and ``__dir__`` (PEP 562) by a ``def``, an import (``from ._x import f as __getattr__``),
   an assignment (``__getattr__ = _x.f``, ``= os.system``, ``= lambda``, annotated), a
   ``:=``, a ``for`` or ``with`` target, ``global`` in a function; a class's special methods
   (``__class_getitem__``, ``__init_subclass__``, ``__set_name__``, ``__enter__``,
   ``__mro_entries__``) bound by an import in the class body or stored there. ``dir(m)`` of
   an own module runs its ``__dir__`` (it was only followed for ``sys.modules[__name__]``).
2. An annotation runs where it is evaluated: a ``def``'s with the ``def``, unless the module
   has ``from __future__ import annotations`` (PEP 563: a string; then it runs where the
   function is handed to whatever evaluates it: ``typing.get_type_hints(g)``,
   ``inspect.signature(g, eval_str=True)``, ``@fun.register`` of ``singledispatch``, another
   module: the function reached counts); a variable's at module or class level (a class a
   function defines too), never in a function body (PEP 526), whatever its target.
3. A string literal that is a dotted path into the package (``"pkg._x.f"``,
   ``"pkg._x:f"``), held by code that runs at import, names that definition: a resolver
   (``pkgutil.resolve_name``, ``pydoc.locate``, ``logging.config``'s factories,
   ``unittest``'s loader, ``importlib.metadata.EntryPoint.load``) gives it, and the call
   runs it; so do pickle's ``find_class(module, name)``, ``operator.attrgetter(path)`` and
   ``methodcaller(name)`` applied to an own module. A computed string is ``dynamic-code``.

It reuses round 3's harness (tests/scan/test_reach_redteam3.py): every case is also *run*
(``test_really_runs_at_import``: ``import pkg`` in a fresh ``python -I`` must print
``pwned``; the precision cases must not), and the scanner must report the capability (or
``dynamic-code`` / ``unanalyzed``) in phase ``import`` (precision: ``runtime`` only).
"""

from __future__ import annotations

from tests.scan.test_reach_redteam3 import (
    MODULE_GETATTR,
    X_PAYLOAD,
    Files,
    round_tests,
)

_RAW: list[tuple[str, str, Files, str | None]] = []


def case(name: str, cap: str, files: Files, *, bypass: str | None = None) -> None:
    _RAW.append((name, cap, files, bypass))


ANY_ARGS = X_PAYLOAD.replace("def f():", "def f(*a):")
RETURNS_LIST = ANY_ARGS.replace('pwned")', 'pwned")\n    return []')
MISSING = "import pkg\npkg.missing\n"  # (a sibling's lookup the module's hook answers)

# ---- 1. a module hook bound by any binding form, asked by another module of the package
# (``import pkg._y`` asks ``pkg`` for nothing: only the sibling's lookup runs the hook)
case("getattr_import_bound_sibling_from_import", "subprocess", {
    "pkg/_x.py": ANY_ARGS,
    "pkg/__init__.py": "from ._x import f as __getattr__\nimport pkg._y\n",
    "pkg/_y.py": "from pkg import anything\n",
})
case("getattr_import_bound_absolute", "subprocess", {
    "pkg/_x.py": ANY_ARGS,
    "pkg/__init__.py": "from pkg._x import f as __getattr__\nimport pkg._y\n",
    "pkg/_y.py": MISSING,
})
case("getattr_assigned_local_alias", "subprocess", {
    "pkg/__init__.py": ANY_ARGS + "__getattr__ = f\nimport pkg._y\n",
    "pkg/_y.py": MISSING,
})
case("getattr_assigned_lambda", "subprocess", {
    "pkg/__init__.py": "import os\n__getattr__ = lambda n: os.system('echo pwned')\n"
                       "import pkg._y\n",
    "pkg/_y.py": MISSING,
})
case("getattr_assigned_stdlib_function_own_lookup", "env", {
    # (``from . import X`` asks the hook first: ``hasattr``)
    "pkg/__init__.py": "import os\n__getattr__ = os.getenv\nfrom . import PKG_PROBE\n"
                       "print(PKG_PROBE)\n",
})
case("getattr_assigned_stdlib_function_sibling", "env", {
    "pkg/__init__.py": "import os\n__getattr__ = os.getenv\nimport pkg._y\n",
    "pkg/_y.py": "import pkg\nprint(pkg.PKG_PROBE)\n",
})
case("getattr_annotated_assignment", "subprocess", {
    "pkg/_x.py": ANY_ARGS,
    "pkg/__init__.py": "from . import _x\n__getattr__: object = _x.f\nimport pkg._y\n",
    "pkg/_y.py": MISSING,
})
case("getattr_walrus", "subprocess", {
    "pkg/_x.py": ANY_ARGS,
    "pkg/__init__.py": "from . import _x\n(__getattr__ := _x.f)\nimport pkg._y\n",
    "pkg/_y.py": MISSING,
})
case("getattr_for_target", "subprocess", {
    "pkg/_x.py": ANY_ARGS,
    "pkg/__init__.py": "from . import _x\nfor __getattr__ in (_x.f,):\n    pass\n"
                       "import pkg._y\n",
    "pkg/_y.py": MISSING,
})
case("getattr_with_target", "subprocess", {
    "pkg/_x.py": ANY_ARGS,
    "pkg/__init__.py": "import contextlib\nfrom . import _x\n"
                       "with contextlib.nullcontext(_x.f) as __getattr__:\n    pass\n"
                       "import pkg._y\n",
    "pkg/_y.py": MISSING,
})
case("getattr_global_in_function", "subprocess", {
    "pkg/_x.py": ANY_ARGS,
    "pkg/__init__.py": "from . import _x\ndef _install():\n    global __getattr__\n"
                       "    __getattr__ = _x.f\n_install()\nimport pkg._y\n",
    "pkg/_y.py": MISSING,
})
case("getattr_tuple_target_from_own_factory", "subprocess", {
    "pkg/_x.py": ANY_ARGS + "def attach():\n    return f, list\n",
    "pkg/__init__.py": "from . import _x\n__getattr__, __dir__ = _x.attach()\nimport pkg._y\n",
    "pkg/_y.py": MISSING,
})
case("dir_import_bound_sibling_dir", "subprocess", {
    "pkg/_x.py": RETURNS_LIST,
    "pkg/__init__.py": "from ._x import f as __dir__\nimport pkg._y\n",
    "pkg/_y.py": "import pkg\ndir(pkg)\n",
})
case("dir_def_sibling_dir", "subprocess", {
    "pkg/__init__.py": RETURNS_LIST.replace("def f(*a):", "def __dir__():") + "import pkg._y\n",
    "pkg/_y.py": "import pkg\ndir(pkg)\n",
})
case("dir_def_other_module_dir", "subprocess", {
    "pkg/_x.py": RETURNS_LIST.replace("def f(*a):", "def __dir__():"),
    "pkg/__init__.py": "from . import _x\ndir(_x)\n",
})

# ---- 2. a class's special method bound by an import in its body, or stored there
case("init_subclass_imported_in_class_body", "subprocess", {
    "pkg/_x.py": ANY_ARGS,
    "pkg/__init__.py": "class C:\n    from ._x import f as __init_subclass__\n"
                       "class D(C):\n    pass\n",
})
case("init_subclass_stored_in_class_body", "subprocess", {
    "pkg/_x.py": ANY_ARGS,
    "pkg/__init__.py": "from . import _x\nclass C:\n    __init_subclass__ = _x.f\n"
                       "class D(C):\n    pass\n",
})
case("set_name_imported_in_class_body", "subprocess", {
    "pkg/_x.py": ANY_ARGS,
    "pkg/__init__.py": "class D:\n    from ._x import f as __set_name__\nclass C:\n    d = D()\n",
})
case("enter_imported_in_class_body", "subprocess", {
    "pkg/_x.py": X_PAYLOAD.replace("def f():", "def f(self):").replace(
        'pwned")', 'pwned")\n    return self'),
    "pkg/__init__.py": "class Ctx:\n    from ._x import f as __enter__\n"
                       "    def __exit__(self, *a):\n        return False\n"
                       "with Ctx():\n    pass\n",
})
case("class_getitem_imported_absolute", "subprocess", {
    "pkg/_x.py": ANY_ARGS,
    "pkg/__init__.py": "class C:\n    from pkg._x import f as __class_getitem__\nC[int]\n",
})
case("mro_entries_imported_in_class_body", "subprocess", {
    "pkg/_x.py": X_PAYLOAD.replace("def f():", "def f(self, bases):").replace(
        'pwned")', 'pwned")\n    return ()'),
    "pkg/__init__.py": "class B:\n    from ._x import f as __mro_entries__\n"
                       "class C(B()):\n    pass\n",
})
case("class_getitem_for_target_in_class_body", "subprocess", {
    "pkg/_x.py": ANY_ARGS,
    "pkg/__init__.py": "from . import _x\nclass C:\n    for __class_getitem__ in "
                       "(classmethod(_x.f),):\n        pass\nC[int]\n",
})
case("getattr_of_instance_imported_in_class_body", "subprocess", {
    "pkg/_x.py": ANY_ARGS,
    "pkg/__init__.py": "class C:\n    from ._x import f as __getattr__\nC().missing\n",
})
case("class_getitem_imported_from_stdlib", "subprocess",
     "class C:\n    from os import system as __class_getitem__\nC['echo pwned']\n")

# ---- 2b. annotations: run where something evaluates them (precision cases below)
FUTURE = "from __future__ import annotations\n"
case("future_annotation_get_type_hints", "subprocess", {
    "pkg/_x.py": ANY_ARGS,
    "pkg/__init__.py": FUTURE + "import typing\nfrom ._x import f\ndef g(a: f()):\n    pass\n"
                       "typing.get_type_hints(g)\n",
})
case("future_annotation_signature_eval_str", "subprocess", {
    "pkg/_x.py": ANY_ARGS,
    "pkg/__init__.py": FUTURE + "import inspect\nfrom ._x import f\ndef g() -> f():\n    pass\n"
                       "inspect.signature(g, eval_str=True)\n",
})
case("future_annotation_evaluated_by_sibling", "subprocess", {
    "pkg/_x.py": ANY_ARGS,
    "pkg/__init__.py": FUTURE + "from ._x import f\ndef g(a: f()):\n    pass\nimport pkg._y\n",
    "pkg/_y.py": "import typing, pkg\ntyping.get_type_hints(pkg.g)\n",
})
case("future_annotation_singledispatch_register", "subprocess", {
    "pkg/_x.py": X_PAYLOAD.replace('pwned")', 'pwned")\n    return int'),
    "pkg/__init__.py": FUTURE + "import functools\nfrom ._x import f\n"
                       "@functools.singledispatch\ndef fun(a):\n    pass\n"
                       "@fun.register\ndef _(a: f()):\n    pass\n",
})
case("class_in_function_annotation", "subprocess", {
    "pkg/_x.py": ANY_ARGS,
    "pkg/__init__.py": "from ._x import f\ndef g():\n    class K:\n        a: f()\ng()\n",
})
case("module_complex_target_annotation", "subprocess", {
    "pkg/_x.py": ANY_ARGS,
    "pkg/__init__.py": "import types\nfrom ._x import f\nns = types.SimpleNamespace()\n"
                       "ns.a: f()\n",
})

# ---- 3. a dotted string a standard-library resolver turns into the package's own callable
case("pkgutil_resolve_name_dotted", "subprocess", {
    "pkg/_x.py": X_PAYLOAD,
    "pkg/__init__.py": "import pkgutil\npkgutil.resolve_name('pkg._x.f')()\n",
})
case("pkgutil_resolve_name_constant", "subprocess", {
    "pkg/_x.py": X_PAYLOAD,
    "pkg/__init__.py": "import pkgutil\nNAME = 'pkg._x:f'\npkgutil.resolve_name(NAME)()\n",
})
case("pydoc_locate_method", "subprocess", {
    "pkg/_x.py": "import os\nclass K:\n    @staticmethod\n    def go():\n"
                 "        os.system('echo pwned')\n",
    "pkg/__init__.py": "import pydoc\npydoc.locate('pkg._x.K.go')()\n",
})
case("pickle_find_class_literals", "subprocess", {
    "pkg/_x.py": X_PAYLOAD,
    "pkg/__init__.py": "import io, pickle\n"
                       "pickle.Unpickler(io.BytesIO()).find_class('pkg._x', 'f')()\n",
})
case("logging_dictconfig_factory", "subprocess", {
    "pkg/_x.py": X_PAYLOAD.replace("def f():", "def f(**kw):").replace(
        'pwned")', 'pwned")\n    import logging\n    return logging.NullHandler()'),
    "pkg/__init__.py": "import logging.config\nlogging.config.dictConfig({'version': 1, "
                       "'handlers': {'h': {'()': 'pkg._x.f'}}})\n",
})
case("unittest_load_tests_from_name", "subprocess", {
    "pkg/_x.py": X_PAYLOAD.replace('pwned")', 'pwned")\n    import unittest\n'
                                   '    return unittest.TestSuite()'),
    "pkg/__init__.py": "import unittest\nunittest.TestLoader().loadTestsFromName('pkg._x.f')\n",
})
case("importlib_metadata_entry_point_load", "subprocess", {
    "pkg/_x.py": X_PAYLOAD,
    "pkg/__init__.py": "from importlib.metadata import EntryPoint\n"
                       "EntryPoint(name='x', value='pkg._x:f', group='g').load()()\n",
})
case("operator_attrgetter_path_on_own_module", "subprocess", {
    "pkg/_x.py": X_PAYLOAD,
    "pkg/__init__.py": "import operator, pkg._x\noperator.attrgetter('_x.f')(pkg)()\n",
})
case("operator_methodcaller_on_own_module", "subprocess", {
    "pkg/_x.py": X_PAYLOAD,
    "pkg/__init__.py": "import operator\nfrom . import _x\noperator.methodcaller('f')(_x)\n",
})
case("exec_code_string_own_path", "subprocess", {
    "pkg/_x.py": X_PAYLOAD,
    "pkg/__init__.py": "exec('import pkg._x; pkg._x.f()')\n",
})

# ---- 4. pickle asks a module's ``__getattr__`` for a name its code binds to nothing: a
# lambda's ``<lambda>`` (any lambda reached: named, handed on, called), a ``del``'d name
LAMBDA_HOOK = MODULE_GETATTR.replace('"lazy"', '"<lambda>"')
TRY_PICKLE = "try:\n    pickle.dumps({})\nexcept Exception:\n    pass\n"
case("pickle_stored_lambda", "subprocess",
     LAMBDA_HOOK + "import pickle\nh = lambda: 0\n" + TRY_PICKLE.format("h"))
case("pickle_lambda_handed_to_own_function", "subprocess", LAMBDA_HOOK + (
    "import pickle\ndef go(fn):\n    try:\n        pickle.dumps(fn)\n"
    "    except Exception:\n        pass\ngo(lambda: 0)\n"))
case("pickle_function_whose_name_is_deleted", "subprocess", MODULE_GETATTR + (
    "import pickle\ndef lazy():\n    pass\nk = lazy\ndel lazy\n") + TRY_PICKLE.format("k"))
case("pickle_lambda_of_another_module", "subprocess", {
    "pkg/_x.py": LAMBDA_HOOK + "h = lambda: 0\n",
    "pkg/__init__.py": "import pickle\nfrom . import _x\n" + TRY_PICKLE.format("_x.h"),
})

# ---- precision: CPython does not run these on ``import pkg``; they must stay ``runtime``
_PRECISION: list[tuple[str, str, Files, str | None]] = [
    ("getattr_import_bound_never_asked", "subprocess", {
        "pkg/_x.py": ANY_ARGS,
        "pkg/__init__.py": "from ._x import f as __getattr__\nA = 1\n",
    }, None),
    ("getattr_assigned_lookup_above_binding", "subprocess", {
        # (flask's shape: the lookup stands above the binding, which it does not find)
        "pkg/_x.py": ANY_ARGS,
        "pkg/__init__.py": "from . import _x\nfrom . import _y\n__getattr__ = _x.f\n",
        "pkg/_y.py": "A = 1\n",
    }, None),
    ("class_body_import_class_never_used", "subprocess", {
        "pkg/_x.py": ANY_ARGS,
        "pkg/__init__.py": "class C:\n    from ._x import f as __class_getitem__\n",
    }, None),
    ("resolver_literal_in_function_never_called", "subprocess", {
        "pkg/_x.py": X_PAYLOAD,
        "pkg/__init__.py": "import pydoc\ndef later():\n    return pydoc.locate('pkg._x.f')()\n",
    }, None),
    ("dotted_literal_of_another_distribution", "subprocess", {
        "pkg/_x.py": X_PAYLOAD,
        "pkg/__init__.py": "import pydoc\nfrom . import _x\npydoc.locate('os.path.f')\n",
    }, None),
    ("future_annotation_method_of_unused_class", "subprocess", {
        "pkg/_x.py": ANY_ARGS,
        "pkg/__init__.py": FUTURE + "from ._x import f\nclass K:\n    def m(self) -> f():\n"
                           "        pass\n",
    }, None),
    ("future_annotation_called_function_never_evaluated_elsewhere", "subprocess", {
        # (sound rather than precise: a function reached may be handed to an evaluator)
        "pkg/_x.py": ANY_ARGS,
        "pkg/__init__.py": FUTURE + "from ._x import f\ndef g(a: f()):\n    pass\n"
                           "A = 1\n",
    }, None),
    ("function_body_complex_target_annotation", "subprocess", {
        "pkg/_x.py": ANY_ARGS,
        "pkg/__init__.py": "from ._x import f\nclass K:\n    pass\ndef g(k):\n    k.a: f() = 1\n"
                           "g(K())\n",
    }, None),
    ("function_body_annotation_in_nested_block", "subprocess", {
        "pkg/_x.py": ANY_ARGS,
        "pkg/__init__.py": "from ._x import f\ndef g():\n    if True:\n        x: f()\n"
                           "    for i in ():\n        y: f()\ng()\n",
    }, None),
    ("lambda_never_reached_in_module_with_getattr", "subprocess",
     MODULE_GETATTR.replace('"lazy"', '"<lambda>"') + "h = lambda: 0\n", None),
]


(test_really_runs_at_import, test_precision_cases_do_not_run_at_import,
 test_runs_at_import_is_import, test_does_not_run_at_import_stays_runtime) = round_tests(
    _RAW, _PRECISION)
