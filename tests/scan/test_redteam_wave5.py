"""Red-team wave 5 (issue #11's classes, against the closing of wave 4's code-data and
reflect cases): code that really reaches a capability, and the scanner's answer.

Each case is a package whose import really does what its capability says (checked once on
CPython 3.11.7 with a harmless payload under an audit hook; this file does not run them).
A case passes when the scan reports its capability, ``dynamic-code`` or ``unanalyzed``, in
any phase. Cases the scanner misses are ``xfail(strict=True)`` with the mechanism as the
reason (docs/scanner.md, "Known limits", gives what closing each would cost):

  annotation-value: an annotation *expression* (not a string literal, not a store of
                    ``__annotations__``) whose value is a string made elsewhere: a name,
                    a subscript argument, a ``NamedTuple``/``TypedDict`` field type, a
                    ``ForwardRef`` of a variable; ``get_type_hints`` evaluates it
  annotation-alias: (closed) the annotations dict bound to another name, then filled
  computed-store:   (closed) ``setattr`` with a name made from pieces on an untyped object
                    (the pre-filter needs the attribute's word spelled)
  search-path:      the import system's search path extended (``sys.path``, a package's
                    ``__path__``), then a module imported from there: code the scan
                    never saw
  platform:         ``uuid.uuid1()`` runs ``ifconfig`` only where libuuid is missing
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.scan.test_reach_redteam import case, scan, src
from tests.scan.test_redteam_wave3 import fail_unless_found

CODE = "\"__imp\" + \"ort__('os').system('echo pwned')\""

CASES = [
    # ================================================================ caught
    # ---- annotations stored as data
    case("type_namespace_annotations", "dynamic-code", src(f"""
        import typing
        s = {CODE}
        C = type("C", (), {{"__annotations__": {{"x": s}}}})
        typing.get_type_hints(C)
        """)),
    case("make_dataclass_namespace_annotations", "dynamic-code", src(f"""
        import dataclasses, typing
        s = {CODE}
        C = dataclasses.make_dataclass("C", [], namespace={{"__annotations__": {{"x": s}}}})
        typing.get_type_hints(C)
        """)),
    case("annotations_setitem_call", "dynamic-code", src(f"""
        import typing
        s = {CODE}
        def f(): pass
        f.__annotations__.__setitem__("x", s)
        typing.get_type_hints(f)
        """)),
    case("annotations_update", "dynamic-code", src(f"""
        import typing
        def f(): pass
        f.__annotations__.update(x={CODE})
        typing.get_type_hints(f)
        """)),
    case("annotations_ior", "dynamic-code", src(f"""
        import typing
        def f(): pass
        f.__annotations__ |= {{"x": {CODE}}}
        typing.get_type_hints(f)
        """)),
    case("module_annotations_item", "dynamic-code", src(f"""
        import sys, typing
        x: int
        __annotations__["x"] = {CODE}
        typing.get_type_hints(sys.modules[__name__])
        """)),
    case("setattr_annotations_literal", "dynamic-code", src(f"""
        import typing
        def f(): pass
        setattr(f, "__annotations__", {{"x": {CODE}}})
        typing.get_type_hints(f)
        """)),
    case("annotation_key_no_identifier", "subprocess", src("""
        import dataclasses
        class A:
            pass
        A.__annotations__ = {"__class__,__import__('os').system('echo pwned')": int}
        B = dataclasses.dataclass(init=False, repr=False)(A)
        B() == B()
        """)),
    # ---- ForwardRef evaluated away from where it is made
    case("forwardref_evaluate_on_another_module_object", "dynamic-code", src("""
        import typing_extensions
        def ev(ref):
            return ref._evaluate({}, {}, frozenset())
        """)),
    case("forwardref_code_read", "dynamic-code",
         "def run(ref, g):\n    return eval(ref.__forward_code__, g)\n"),
    # ---- reflect
    case("descriptor_of_builtin_self", "dynamic-code",
         "vars(type(print))['__self__'].__get__(print).exec(\"print('pwned')\")\n"),
    case("cell_contents_handed_on", "dynamic-code", src("""
        def outer():
            import os
            def inner():
                return os.sep
            return inner
        m = outer().__closure__[0].cell_contents
        m.system("echo pwned")
        """)),
    # ---- catalog gaps: pip, setuptools, receivers
    case("pip_internal_main", "network",
         "from pip._internal.cli.main import main\nmain(['download', 'x'])\n"),
    case("pip_internal_call_subprocess", "subprocess",
         "from pip._internal.utils.subprocess import call_subprocess\n"
         "call_subprocess(['echo', 'pwned'])\n"),
    case("pip_main", "subprocess", "import pip\npip.main(['download', 'x'])\n"),
    case("setuptools_sandbox_run_setup", "dynamic-code",
         "from setuptools import sandbox\nsandbox.run_setup('/tmp/rt_w5/setup.py', [])\n"),
    case("ssl_context_reads_cert_files", "fs-read",
         "import ssl\nssl.create_default_context().load_cert_chain('/tmp/rt_w5.pem')\n"),
    case("ssl_context_reads_ca_files", "fs-read",
         "import ssl\nssl.create_default_context().load_verify_locations('/tmp/rt_w5.pem')\n"),
    case("path_class_alias_touch", "fs-write",
         "import pathlib\nP = type(pathlib.Path())\nP('/tmp/rt_w5t').touch()\n"),

    # ================================================================ bypasses
    # ---- annotation-value
    case("annotation_name_holding_code", "dynamic-code", src(f"""
        import typing
        s = {CODE}
        def f(x: s): pass
        typing.get_type_hints(f)
        """), bypass="bypass (annotation-value): a name in an annotation whose value is a "
                     "string made elsewhere; get_type_hints evaluates it"),
    case("class_annotation_name_holding_code", "dynamic-code", src(f"""
        import typing
        s = {CODE}
        class C:
            x: s
        typing.get_type_hints(C)
        """), bypass="bypass (annotation-value): a class body's annotation naming a string"),
    case("annotation_subscript_of_a_name", "dynamic-code", src(f"""
        import typing
        s = {CODE}
        def f(x: typing.List[s]): pass
        typing.get_type_hints(f)
        """), bypass="bypass (annotation-value): typing makes List[s] hold ForwardRef(s)"),
    case("namedtuple_field_type", "dynamic-code", src(f"""
        import typing
        s = {CODE}
        N = typing.NamedTuple("N", [("a", s)])
        typing.get_type_hints(N)
        """), bypass="bypass (annotation-value): NamedTuple's field types become "
                     "__annotations__"),
    case("typeddict_field_type", "dynamic-code", src(f"""
        import typing
        s = {CODE}
        T = typing.TypedDict("T", {{"a": s}})
        typing.get_type_hints(T)
        """), bypass="bypass (annotation-value): TypedDict's field types become ForwardRefs"),
    case("forwardref_of_a_variable_in_an_annotation", "dynamic-code", src(f"""
        import typing
        s = {CODE}
        r = typing.ForwardRef(s)
        def f(x: r): pass
        typing.get_type_hints(f)
        """), bypass="bypass (annotation-value): ForwardRef(s) of a variable is not read "
                     "(typing libraries do it for their users' annotations)"),
    # ---- annotation-alias
    case("annotations_dict_aliased_then_filled", "dynamic-code", src(f"""
        import typing
        s = {CODE}
        def f(): pass
        a = f.__annotations__
        a["x"] = s
        typing.get_type_hints(f)
        """)),  # (closed: the binding of a dict the module then fills is the finding)
    # ---- computed-store
    case("setattr_annotations_name_in_pieces", "dynamic-code", src(f"""
        import typing
        s = {CODE}
        def f(): pass
        setattr(f, "__annot" + "ations__", {{"x": s}})
        typing.get_type_hints(f)
        """)),  # (closed: a setattr name in pieces is folded; the pre-filter reads the call)
    # ---- search-path
    case("sys_path_then_import", "dynamic-code",
         "import sys\nsys.path.insert(0, '/tmp/rt_w5')\nimport rt_w5_payload\n",
         bypass="bypass (search-path): a module imported from a directory put on sys.path"),
    case("package_path_then_import", "dynamic-code",
         {"pkg/__init__.py": "__path__.append('/tmp/rt_w5')\nfrom . import payload\n"},
         bypass="bypass (search-path): a package's __path__ extended, then a submodule "
                "that is not in the wheel imported"),
    case("spec_search_locations_then_import", "dynamic-code",
         {"pkg/__init__.py": "__spec__.submodule_search_locations.append('/tmp/rt_w5')\n"
                             "from . import payload\n"},
         bypass="bypass (search-path): __spec__.submodule_search_locations is __path__"),
    # ---- platform
    case("uuid1_ifconfig", "subprocess", "import uuid\nuuid.uuid1()\n",
         bypass="bypass (platform): uuid.getnode runs ifconfig/ip only where libuuid is "
                "missing; the table is generated where it is present"),
]


@pytest.mark.parametrize(("files", "cap"), CASES)
def test_reaches_capability_with_a_finding(files: str | dict[str, str | bytes], cap: str,
                                           tmp_path: Path) -> None:
    fail_unless_found(files, cap, tmp_path)


# ---- the evidence names the construct
EVIDENCE = [
    pytest.param(src(f"""
        import typing
        def f(): pass
        f.__annotations__ = {{"x": {CODE}}}
        """), 3, "f.__annotations__: annotations stored, a string made from pieces "
                 "(evaluated as code by typing.get_type_hints; keys compiled by dataclasses)",
        id="computed-string"),
    pytest.param("class A:\n    __annotations__ = {'a b': int}\n", 2,
                 "__annotations__: annotations stored, a key that is no identifier "
                 "(evaluated as code by typing.get_type_hints; keys compiled by dataclasses)",
                 id="key-no-identifier"),
    pytest.param("def f(g, t):\n    g.__annotations__['x'] = t\n", 2,
                 "g.__annotations__['x']: annotations stored, 't' may be a string "
                 "(evaluated as code by typing.get_type_hints; keys compiled by dataclasses)",
                 id="value-handed-in"),
    pytest.param("def ev(ref):\n    return ref._evaluate({}, {}, frozenset())\n", 2,
                 "*._evaluate", id="forwardref-evaluate"),
    pytest.param("def f(c):\n    return c.cell_contents\n", 2,
                 "*.cell_contents (what a closure captured, a module too: not followed)",
                 id="cell-returned"),
    pytest.param("def f(d, o):\n    return d.__get__(o)['x']\n", 2,
                 "d.__get__(...), subscripted (a descriptor bound by hand: a class "
                 "namespace's hands out __globals__)", id="descriptor-subscripted"),
]


@pytest.mark.parametrize(("source", "line", "detail"), EVIDENCE)
def test_evidence_names_the_construct(source: str, line: int, detail: str,
                                      tmp_path: Path) -> None:
    found = [(f.line, str(f.capability), f.detail) for f in scan(source, tmp_path)]
    assert (line, "dynamic-code", detail) in found, found


# ---- the neighbours real wheels write stay quiet (each measured on the real set)
QUIET = [
    pytest.param("def wrap(f, g):\n    g.__annotations__ = f.__annotations__\n"
                 "    g.__annotations__ = getattr(f, '__annotations__', {})\n"
                 "    g.__annotations__ = dict(f.__annotations__)\n"
                 "    g.__annotations__ = f.__annotations__.copy()\n"
                 "    g.__annotations__ = {k: v for k, v in f.__annotations__.items() "
                 "if k != 'self'}\n", id="annotations-copied"),
    pytest.param("import typing\nclass K:\n    pass\n"
                 "def f(g):\n    g.__annotations__ = {'a': int, 'b': 'list[K] | None', "
                 "'c': typing.Optional[K], 'return': None}\n"
                 "    g.__annotations__['d'] = K\n", id="annotations-of-types"),
    pytest.param("def f(cls):\n    anns = cls.__annotations__\n    return list(anns)\n",
                 id="annotations-read"),
    pytest.param("def f(fn, target):\n    for cell in fn.__closure__ or ():\n"
                 "        if cell.cell_contents is target:\n            return True\n"
                 "        if isinstance(cell.cell_contents, str):\n            return False\n",
                 id="cell-compared"),
    pytest.param("class D:\n    def __init__(self, f):\n        self.f = f\n"
                 "    def __get__(self, obj, cls=None):\n"
                 "        return self.f.__get__(obj, cls)\n"
                 "def call(m, o):\n    return m.__get__(o)(1)\n",
                 id="descriptor-bound-and-called"),
    pytest.param("def doc(m, o):\n    return m.__get__(o).__doc__\n", id="descriptor-shown"),
]


@pytest.mark.parametrize("source", QUIET)
def test_neighbours_stay_quiet(source: str, tmp_path: Path) -> None:
    assert [(str(f.capability), f.line, f.detail) for f in scan(source, tmp_path)
            if str(f.capability) != "introspection"] == []
