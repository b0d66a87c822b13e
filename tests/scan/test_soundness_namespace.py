"""The module's namespace and the standard library's import conventions (#11, #13 red team 3).

* a name built from pieces (``"_be" + "acon"``) looked up in a namespace that may be this
  module's (``globals()``, ``f.__globals__``, a frame's ``f_globals``, ``sys.modules[__name__]
  .__dict__``) is a computed lookup: what runs at import is followed by whole strings;
* the module itself, or a module, handed on by a subscript (``f(sys.modules[__name__])``,
  ``f(sys.modules["os"])``) is handed on as through a name bound to it;
* a standard-library package's ``__path__`` changed makes any directory's files its
  modules (a codec lookup imports ``encodings.<name>``);
* ``xml.sax.make_parser(names)`` and ``unittest.main(module=...)`` import by name.

Every expected finding is exact: capability, line, phase, detail.
"""

from __future__ import annotations

import pytest

from tests.scan.test_soundness import findings, prog, shown

DYN = "dynamic-code"
BEACON = prog("""
    import os, sys, inspect
    def _beacon():
        os.system("echo pwned")
    def h(): pass
    """)  # line 5 is the first after it
CHANGED = "(its modules may then be imported from any directory)"


def found(src: str) -> set[tuple[str, int, str, str]]:
    """(capability, line, phase, detail) of every finding but the payload's own."""
    return {(c, line, ph, d) for _, c, line, ph, d in shown(findings(src, "pkg/__init__.py"))
            if not (c == "subprocess" and line == 3) and c != "introspection"}


@pytest.mark.parametrize(("code", "detail"), [
    ('globals()["_be" + "acon"]()', "globals()[<computed>]"),
    ('globals().get("_be" + "acon")()', "<this module>.__dict__[<computed>]"),
    ('globals()[f"_be{\'acon\'}"]()', "globals()[<computed>]"),
    ('h.__globals__["_be" + "acon"]()', "<module>.__dict__[<computed>]"),
    ('(lambda: 0).__globals__.get("_be" + "acon")()', "<module>.__dict__[<computed>]"),
    ('sys._getframe().f_globals["_be" + "acon"]()', "<module>.__dict__[<computed>]"),
    ('inspect.currentframe().f_locals["_be" + "acon"]()', "<module>.__dict__[<computed>]"),
    ('sys.modules[__name__].__dict__["_be" + "acon"]()', "<this module>.__dict__[<computed>]"),
    ("sys.modules[__name__].__dict__[n]()", "<this module>.__dict__[<computed>]"),
])
def test_built_name_in_own_namespace_is_computed(code: str, detail: str) -> None:
    assert found(BEACON + code + "\n") == {(DYN, 5, "import", detail)}


@pytest.mark.parametrize("code", [
    'globals()["_beacon"]()', 'h.__globals__["_beacon"]()', 'globals()[f"_beacon"]()',
    'sys.modules[__name__].__dict__["_beacon"]()'])
def test_literal_name_is_followed_by_reach(code: str) -> None:
    """A whole literal is a name the rule for what runs at import reads: the payload is
    reached at import, no ``dynamic-code``."""
    got = {(c, line, ph) for _, c, line, ph, _d in shown(findings(BEACON + code + "\n"))}
    assert ("subprocess", 3, "import") in got and not any(c == DYN for c, _, _ in got)


def test_built_name_in_a_named_module_is_resolved() -> None:
    assert found('import os\nos.__dict__["sys" + "tem"]("x")\n') == {
        ("subprocess", 2, "import", "os.system")}


@pytest.mark.parametrize(("code", "detail"), [
    ("f(sys.modules[__name__])",
     "sys.modules[__name__] passed on as a value (what is used on it is not followed)"),
    ('f(sys.modules["os"])', "os passed on as a value (what is used on it is not followed)"),
    ("unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])",
     "sys.modules[__name__] passed on as a value (what is used on it is not followed)"),
])
def test_module_handed_on_by_subscript(code: str, detail: str) -> None:
    assert found(BEACON + "import unittest\n" + code + "\n") == {(DYN, 6, "import", detail)}


@pytest.mark.parametrize("code", [
    'x = sys.modules["shutil"]', "isinstance(sys.modules[__name__], type)",
    'setattr(sys.modules[__name__], "x", 1)', "sys.modules[__name__].__class__ = type"])
def test_module_subscript_looked_at_is_quiet(code: str) -> None:
    assert found(BEACON + code + "\n") == set()


def test_getmembers_of_this_module() -> None:
    assert found(BEACON + "inspect.getmembers(sys.modules[__name__], inspect.isfunction)\n"
                 ) == {(DYN, 5, "import", "inspect.getmembers(<this module>)"),
                       (DYN, 5, "import", "sys.modules[__name__] passed on as a value (what "
                        "is used on it is not followed)")}


@pytest.mark.parametrize(("code", "line", "phase", "package"), [
    ("encodings.__path__.append(os.path.dirname(__file__))", 2, "import", "encodings"),
    ("encodings.__path__.insert(0, d)", 2, "import", "encodings"),
    ("encodings.__path__ = [d]", 2, "import", "encodings"),
    ("encodings.__path__ += [d]", 2, "import", "encodings"),
    ("encodings.__path__[:] = [d]", 2, "import", "encodings"),
    ("del encodings.__path__", 2, "import", "encodings"),
    ("p = encodings.__path__\np.append(d)", 2, "import", "encodings"),
    ("f(xml.__path__)", 2, "import", "xml"),
    ('sys.modules["encodings"].__path__.append(d)', 2, "import", "encodings"),
    ('importlib.import_module("encodings").__path__.append(d)', 2, "import", "encodings"),
    ('getattr(encodings, "__path__").append(d)', 2, "import", "encodings"),
    ('setattr(encodings, "__path__", [d])', 2, "import", "encodings"),
    ("import email.mime\nemail.mime.__path__.extend(ds)", 3, "import", "email.mime"),
    ("def f():\n    encodings.__path__.append(d)", 3, "runtime", "encodings"),
])
def test_stdlib_package_path_changed(code: str, line: int, phase: str, package: str) -> None:
    src = "import encodings, importlib, os, sys, xml\n" + code + "\n"
    assert found(src) == {(DYN, line, phase, f"{package}.__path__ changed {CHANGED}")}


@pytest.mark.parametrize("code", [
    "x = encodings.__path__[0]", "for p in encodings.__path__: pass",
    "print(len(encodings.__path__))", "list(encodings.__path__)",
    'os.path.join(encodings.__path__[0], "x")', "d in encodings.__path__",
    "encodings.__path__.index(d)",
    "__path__.append(d)",  # the package's own
    "__path__ = __import__('pkgutil').extend_path(__path__, __name__)",
])
def test_stdlib_package_path_read_is_quiet(code: str) -> None:
    assert not any(c == DYN and "__path__" in d for c, _, _, d in found(
        "import encodings, os\n" + code + "\n"))


@pytest.mark.parametrize("code", [
    "xml.sax.make_parser(['pkg._p'])", "P = ['pkg._p']\nxml.sax.make_parser(P)",
    "xml.sax.make_parser([__name__ + '._p'])", "xml.sax.make_parser(parser_list=names)"])
def test_sax_parser_list_imports(code: str) -> None:
    line = code.count("\n") + 2
    dyn = {f for f in found("import xml.sax\n" + code + "\n") if f[0] == DYN}
    assert dyn == {(DYN, line, "import", "xml.sax.make_parser(<modules>) imports each module it "
                    "names and calls its create_parser()")}


@pytest.mark.parametrize("code", ["xml.sax.make_parser()", "xml.sax.make_parser([])"])
def test_sax_default_parser(code: str) -> None:
    assert not any(f[0] == DYN for f in found("import xml.sax\n" + code + "\n"))


@pytest.mark.parametrize(("code", "hit"), [
    ("unittest.main(module=__name__, exit=False)", True),
    ("unittest.main(__name__)", True),
    ('unittest.main(defaultTest="suite")', True),
    ('from unittest import main\nmain(module="pkg.tests")', True),
    ("unittest.TestProgram(module=name)", True),
    ("unittest.main()", False),
    ("unittest.main(module=None)", False),
    ('unittest.main(module="__main__")', False),
    ('if __name__ == "__main__":\n    unittest.main()', False),
])
def test_unittest_main_imports_the_module_it_names(code: str, hit: bool) -> None:
    line = code.count("\n") + 2
    func = "unittest.main" if "TestProgram" not in code else "unittest.TestProgram"
    want = {(DYN, line, "import", f"{func}(module=...) imports the module or tests it names "
             "and runs them")} if hit else set()
    assert found("import unittest\n" + code + "\n") == want


@pytest.mark.parametrize(("code", "detail"), [
    ('xml.sax.default_parser_list.insert(0, "pkg._p")', "xml.sax.default_parser_list.insert"),
    ('xml.sax.default_parser_list = ["pkg._p"]', "xml.sax.default_parser_list"),
    ('xml.sax.default_parser_list[:0] = ["pkg._p"]', "xml.sax.default_parser_list"),
    ('dbm._names.insert(0, "pkg._db")', "dbm._names.insert"),
])
def test_stdlib_module_name_lists_changed(code: str, detail: str) -> None:
    """``make_parser()`` and ``dbm.open`` import each module these lists name."""
    assert found("import xml.sax, dbm\n" + code + "\n") == {(DYN, 2, "import", detail)}


def test_stdlib_module_name_list_read_is_quiet() -> None:
    assert found("import xml.sax\nx = xml.sax.default_parser_list[0]\n") == set()


def test_a_list_method_on_an_unnamed_module_is_no_catalogued_container() -> None:
    """``<module>.append`` is an attribute of a module: never the ``append`` of a catalogued
    list (``sys.meta_path``, ``dbm._names``; joblib's ``module = inspect.getmodule(f)`` then
    ``module = module.split(".")``, ``module.append(...)``)."""
    assert found(BEACON + 'module = inspect.getmodule(h)\nmodule.append("x")\n'
                 'module.extend(["y"])\n') == set()
    # the containers themselves stay findings, named
    assert ("dynamic-code", 5, "import", "sys.meta_path.append") in found(
        BEACON + "sys.meta_path.append(None)\n")
