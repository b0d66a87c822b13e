"""The pre-filter must be sound: every file the scanner would report passes it."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gate.catalog import STORE_ONLY, catalog
from gate.scan.prefilter import might_act, satisfied
from gate.scan.python import scan_python
from gate.scan.reflect import is_module
from tests.scan.test_python import POSITIVE


@pytest.mark.parametrize("src", [s for s, _ in POSITIVE])
def test_every_positive_one_liner_passes(src: str) -> None:
    assert might_act(src)


def _catalogued_names() -> list[str]:
    cat = catalog()
    names = [n for n, c in cat.exact.items() if c is not None]
    names += [f"{w}.anything" for w in cat.wildcard]
    return sorted(names)


@pytest.mark.parametrize("name", _catalogued_names())
def test_every_catalogued_name_passes_in_every_import_form(name: str) -> None:
    """Soundness against the whole catalog: import it any way, reference it, the file passes
    and the scanner reports it."""
    if "." not in name and is_module(name):  # a module acting when imported (antigravity)
        forms = [f"import {name}", f"import {name} as _m"]
    elif "." not in name:
        forms = [f"{name}(x)", f"f = {name}"]
    elif name in STORE_ONLY:  # hooks count when assigned, not when read
        module, _, leaf = name.rpartition(".")
        forms = [f"import {module}\n{name} = x", f"import {module} as _m\n_m.{leaf} = x",
                 f"import {module}\n{name}[:] = x"]
        for src in forms:
            assert might_act(src), src
            assert scan_python(src.encode(), "m.py"), src
        assert not scan_python(f"import {module}\nprint({name})".encode(), "m.py")
        return
    else:
        module, _, leaf = name.rpartition(".")
        top = name.split(".", 1)[0]
        forms = [
            f"import {module}\n{name}(x)",
            f"import {module} as _m\n_m.{leaf}(x)",
            f"from {module} import {leaf} as _x\n_x(x)",
            f"from {module} import *\n{leaf}(x)",
            f"import {top}\ncb = {name}",
        ]
    for src in forms:
        assert might_act(src), src
        assert scan_python(src.encode(), "m.py"), src


@pytest.mark.parametrize("src", [
    "x = 1\n",
    "def f(a, b):\n    return a + b\n",
    "import re\nre.compile('x')\n",
    "s.replace('a', 'b')\n",
    "self.exec()\nobj.eval()\n",
    "import json\njson.dumps({})\n",
    "import os\n",
    "def f(obj):\n    return getattr(obj, 'name')\n",
])
def test_rules_out_files_that_cannot_act(src: str) -> None:
    assert not might_act(src)


def test_importing_alone_may_pass_but_reports_nothing() -> None:
    assert might_act("import subprocess\n")
    assert scan_python(b"import subprocess\n", "m.py") == []


def test_words_inside_strings_still_pass() -> None:
    # lexical: the filter cannot tell strings from code; the scanner then reports nothing
    src = "import subprocess\nx = 'subprocess.run'\n"
    assert might_act(src)
    assert scan_python(src.encode(), "m.py") == []


@pytest.mark.parametrize(("src", "expected"), [
    # the module of a catalogued name must be on an import line ...
    ("x = 'subprocess.run'\n", set()),
    ('"""The OS will remove it."""\n', set()),
    ('"""Call os.system."""\nimport json\n', set()),
    ("import json\n# getattr(os, 'name')\ngetattr(obj, 'name')\n", set()),
    # ... but a computed attribute of any object may lead on (``__globals__``): read
    ("import json\n# getattr(os, name)\ngetattr(obj, name)\n", {"getattr"}),
    ('"""os.remove"""\nimport os\n', {"remove"}),
    ("import json, os as o\no.remove(p)\n", {"remove"}),
    ("from os import (\n    remove,\n)\nremove(p)\n", {"remove"}),
    ("import json, \\\n    os\nos.remove(p)\n", {"remove"}),
    ("from os \\\n  import remove\n", {"remove"}),
    ("if x: import os\nos.remove(p)\n", {"remove"}),
    ("x = 1; import os.path\nos.remove(p)\n", {"remove"}),
    ("import json\ngetattr(os, name)\nimport os\n", {"getattr"}),
    # ... unless a trick could bind it without one
    ("o = __import__('os')\no.remove(p)\n", {"__import__", "remove"}),
    ("import importlib\no = importlib.import_module('os')\no.remove(p)\n",
     {"importlib", "import_module", "remove"}),
    ("import sys\no = sys.modules['os']\no.remove(p)\n", {"modules", "remove"}),
    ("import builtins\nb = builtins\nb.exec(p)\n", {"builtins"}),
    # ... which a trick through a module can do only when that module is imported
    ("o = importlib.import_module('os')\no.remove(p)\n", set()),
    ("o = sys.modules['os']\no.remove(p)\n", set()),
    ("builtins = {'region': 1}\nx = builtins.get('region')\nos.remove(p)\n", set()),
    ("o = globals()['os']\no.remove(p)\n", {"globals", "remove"}),
])
def test_the_module_must_be_imported(src: str, expected: set[str]) -> None:
    assert satisfied(src) == expected


def test_bare_words_after_a_dot_do_not_count() -> None:
    assert not might_act("x.eval\nre.compile\ny.  exec\n")
    assert might_act("x.eval\ncompile('1', 'f', 'exec')\n")
    assert might_act("x.\\\n  eval\n")  # a line break in between: let it through


def test_needs_every_component() -> None:
    assert not might_act("s.replace('a', 'b')\n")
    assert might_act("import os\nos.replace('a', 'b')\n")
    assert satisfied("import os\nos.replace('a', 'b')\n") == {"replace"}  # the leaf


def test_non_ascii_identifiers_are_normalised() -> None:
    assert might_act("import os\nos.\uff53ystem('x')\n")
    assert might_act("\uff45val('1')\n")  # fullwidth e
    assert not might_act("\u00e9eval = 1\n")  # a different identifier


# Property: wrap a positive one-liner in arbitrary surrounding code; it still passes,
# and so does any file the scanner reports something for.
_filler = st.sampled_from([
    "", "x = 1\n", "# comment eval os system\n", "def g():\n    return 2\n",
    "'''doc string'''\n", "class K:\n    pass\n", "y = [i for i in range(3)]\n",
])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(before=_filler, after=_filler, case=st.sampled_from([s for s, _ in POSITIVE]))
def test_property_positive_cases_pass_in_context(before: str, after: str, case: str) -> None:
    src = before + case + "\n" + after
    assert might_act(src)


_tokens = st.sampled_from([
    "import os", "import subprocess as sp", "from os import system", "os.system(1)",
    "sp.run(1)", "system(1)", "eval(x)", "x.eval(1)", "open(p, 'w')", "getattr(os, n)",
    "y = 1", "def f():\n    pass", "import json", "json.loads(s)", "exec", "re.compile(1)",
    "globals()[n]", "__import__(n)", "Path(p).write_text(s)", "from pathlib import Path",
])


@settings(max_examples=500, deadline=None)
@given(st.lists(_tokens, max_size=6))
def test_property_scanner_findings_imply_might_act(lines: list[str]) -> None:
    src = "\n".join(lines) + "\n"
    if scan_python(src.encode(), "m.py"):
        assert might_act(src)


# ---------------------------------------------------------------- a distribution's own API
REQUESTS = frozenset({"requests"})


@pytest.mark.parametrize(("src", "plain", "own"), [
    ("import requests\nrequests.get('u')", {"get"}, set()),
    # a computed attribute of any module, its own too, may be ``__builtins__``
    ("import requests\ngetattr(requests, n)", {"getattr"}, {"getattr"}),
    ("from requests.adapters import HTTPAdapter", {"HTTPAdapter"}, set()),
    ("import requests, urllib3\nurllib3.PoolManager()", {"PoolManager"}, {"PoolManager"}),
    ("import requests\nrequests.get(sys.version)", {"get"}, set()),
    ("import requests, os\nrequests.get(os.system)", {"get", "system"}, {"system"}),
])
def test_own_names_do_not_let_a_file_through(src: str, plain: set[str], own: set[str]) -> None:
    assert satisfied(src) == plain
    assert satisfied(src, REQUESTS) == own


def test_own_leaves_every_other_catalogued_name() -> None:
    """Soundness with ``own``: a name not under the own roots still lets its file through."""
    missed = []
    for name in _catalogued_names():
        if name.split(".", 1)[0] == "requests":
            continue
        module, _, leaf = name.rpartition(".")
        src = f"import {module}\n{name}(x)" if module else f"{name}(x)"
        if not module and is_module(name):
            src = f"import {name}"
        if name in STORE_ONLY:
            src = f"import {module}\n{name} = x"
        if not satisfied(src, REQUESTS) or not scan_python(src.encode(), "m.py",
                                                           own=REQUESTS):
            missed.append(name)
    assert missed == []


# ---------------------------------------------------------------- getattr / __dict__
# A file whose only reason to be parsed is ``getattr(m, n)`` or ``m.__dict__`` is ruled out
# when no binding the scanner follows can make ``m`` a module with catalogued names.

def _unfiltered(src: str, monkeypatch: pytest.MonkeyPatch, path: str = "pkg/mod.py",
                **kwargs: object) -> set[tuple[int, str]]:
    """What the scanner reports with the pre-filter switched off (bench/differential.py)."""
    from tests.scan.unfiltered import switch_off

    with monkeypatch.context() as m:
        switch_off(m.setattr)
        return {(f.line, f.detail) for f in scan_python(src.encode(), path, **kwargs)}


@pytest.mark.parametrize("src", [
    "import os\ndef f(n):\n    return getattr(os, n)\n",
    "import os\nm = os\ndef f(n):\n    return getattr(m, n)\n",
    "import os\nm = (  # see (below)\n    os)\ndef f(n):\n    return getattr(m, n)\n",
    "import os\n(m) = os\ndef f(n):\n    return getattr(m, n)\n",
    "import os\nm \\\n    = os\ndef f(n):\n    return getattr(m, n)\n",
    "import os\na = os\nb = a\nc = b\ndef f(n):\n    return getattr(c, n)\n",
    "from os import path as p\ndef f(n):\n    return getattr(p, n)\n",
    "import os\ndef f(n):\n    return getattr(\n        os, n)\n",
    "import os\ndef f(n):\n    return getattr(os.path, n)\n",
    "import os\ng = getattr\ndef f(n):\n    return g(os, n)\n",
    "import sys\ndef f(n):\n    return getattr(__builtins__, n)\n",
    "import sys\nm = __import__('os')\ndef f(n):\n    return getattr(m, n)\n",
    # an import inside a function binds the name module-wide, a top-level def or not
    "def os():\n    pass\ndef g(n):\n    import os\n    return getattr(os, n)\n",
    "import os\nx = os\nclass A:\n    def f(self, n):\n        return x.__dict__[n]\n",
    "import os\ndef f(n):\n    return os.path.__dict__[n]\n",
    "import os\ndef f(n):\n    return os .__dict__[n]\n",
    "import sys\ndef f(n):\n    return sys.modules['os'].__dict__[n]\n",
    "import os\ng = getattr\nh = g\ndef f(n):\n    return h(os, n)\n",
    "import operator, os\nag = operator.attrgetter\ndef f(n):\n    return ag(n)(os)\n",
    "import inspect, os\ngm = inspect.getmembers\ndef f():\n    return gm(os)\n",
    "import os\na = os\nb = a\nc = b\nd = c\ne = d\ndef f(n):\n    return getattr(e, n)\n",
])
def test_getattr_and_dict_on_a_module_are_found_as_without_the_filter(
        src: str, monkeypatch: pytest.MonkeyPatch) -> None:
    found = {(f.line, f.detail) for f in scan_python(src.encode(), "pkg/mod.py")}
    assert found, src
    assert found == _unfiltered(src, monkeypatch)


@pytest.mark.parametrize("src", [
    "import sys\nclass A:\n    def f(self):\n        return getattr(self, 'n')\n",
    "import sys\ndef f(obj):\n    return getattr(obj, 'n', None)\n",
    "import sys\nfrom django.conf import settings\nX = getattr(settings, 'X', 1)\n",
    "import sys\nclass A:\n    def f(self):\n        return self.__dict__.copy()\n",
    "import sys\ndef f(cls):\n    return [k for k in cls.__dict__]\n",
    # assigned, but from nothing that can be a module
    "import sys\nobj = None\nobj = make()\ndef f():\n    return getattr(obj, 'n')\n",
    "import sys\nfunc = getattr(A, 'x')\ndef f():\n    return getattr(func, 'n')\n",
])
def test_getattr_and_dict_on_other_objects_rule_the_file_out(src: str) -> None:
    assert satisfied(src, module="pkg.mod") == set()
    assert scan_python(src.encode(), "pkg/mod.py") == []


@pytest.mark.parametrize("src", [
    "import sys\nclass A:\n    def f(self, n):\n        return getattr(self, n)\n",
    "import sys\ndef f(obj, n):\n    return getattr(obj, n, None)\n",
    "import sys\nobj = None\nobj = make()\ndef f(n):\n    return getattr(obj, n)\n",
    "import sys\nfunc = getattr(A, 'x')\ndef f(n):\n    return getattr(func, n)\n",
])
def test_a_computed_getattr_of_any_object_is_read(src: str) -> None:
    # it may lead on (``getattr(f, n)`` of a function: ``__globals__``); the scanner's rule
    # (python_calls ``_unknown``) keeps these quiet: nothing looks into what they give
    assert satisfied(src, module="pkg.mod") == {"getattr"}
    assert scan_python(src.encode(), "pkg/mod.py") == []
    assert scan_python((src + "f(f, 'x')['y']\n").encode(), "pkg/mod.py") != []


def test_a_star_import_keeps_every_getattr() -> None:
    # ``from m import *`` may bind any name to a module: nothing is ruled out
    assert satisfied("import sys\nfrom x import *\ndef f(n):\n    return getattr(obj, n)\n",
                     module="pkg.mod") == {"getattr"}


def test_own_module_reached_through_an_attribute_keeps_the_file(tmp_path: Path) -> None:
    from gate.scan import scan_artifact
    from tests.builders import build_wheel

    files = {"pkg/__init__.py": "", "pkg/compat.py": "import os\n",
             "pkg/use.py": "import sys\nfrom . import compat\n\ndef f(n):\n"
                           "    return getattr(compat.os, n)\n\ndef g(n):\n"
                           "    return compat.os.__dict__[n]\n"}
    scan = scan_artifact(build_wheel(tmp_path, "pkg", "1.0", files))
    found = {(f.path, f.line, f.detail) for f in scan.findings if f.path == "pkg/use.py"}
    assert found == {("pkg/use.py", 5, "getattr(os, <computed>)"),
                     ("pkg/use.py", 8, "os.__dict__[<computed>]")}


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet="ab_ .é1\n(", max_size=40),
       words=st.lists(st.sampled_from(["ab", "a", "b_", "é"]), min_size=1, max_size=3))
def test_word_offsets_finds_whole_identifiers(text: str, words: list[str]) -> None:
    from gate.scan.lexical import word_offsets

    def whole(i: int, n: int) -> bool:
        before = text[i - 1] if i else " "
        after = text[i + n] if i + n < len(text) else " "
        return not (before.isalnum() or before == "_" or after.isalnum() or after == "_")

    expected = sorted(i for w in set(words) for i in range(len(text))
                      if text.startswith(w, i) and whole(i, len(w)))
    assert sorted(set(word_offsets(text, list(dict.fromkeys(words))))) == expected


@pytest.mark.parametrize("src", [
    # a dot, then a long run of '#': each '#' could start a comment (the regex must not
    # try every split; found on sympy's banner comments)
    "import shutil\nx = 1 ." + "#" * 64 + "\nprint(os.system(1))\n",
    "import sys\nm = " + "# " * 64 + "\n1\ndef f(n):\n    return getattr(m, n)\n",
])
def test_comment_runs_do_not_make_the_searches_backtrack(src: str) -> None:
    satisfied(src, module="pkg.mod")  # returns at once (it did not, for 2**64 splits)


def test_a_computed_attribute_of_an_own_module_keeps_the_file(tmp_path: Path) -> None:
    """Found by bench/differential.py on django (``getattr(checks, options[...])``): every
    module holds ``__builtins__``, an own one too, so the file must be parsed."""
    from gate.scan import scan_artifact
    from tests.builders import build_wheel

    files = {"pkg/__init__.py": "", "pkg/checks/__init__.py": "X = 1\n",
             "pkg/use.py": "from pkg import checks\n\ndef f(n):\n"
                           "    return getattr(checks, n)\n"}
    scan = scan_artifact(build_wheel(tmp_path, "pkg", "1.0", files))
    found = {(f.path, f.line, str(f.capability), f.detail) for f in scan.findings}
    assert found == {("pkg/use.py", 4, "dynamic-code", "getattr(pkg.checks, <computed>)")}


def test_any_modules_namespace_lets_the_file_through() -> None:
    """``json`` holds ``__builtins__`` like every module: its namespace is no plain dict."""
    from gate.scan.prefilter import might_act

    assert might_act("import json\nx = json.__dict__\n")


def test_an_own_module_imported_by_name_keeps_what_it_star_imports(tmp_path: Path) -> None:
    """cffi's ``from . import _imp_emulation as imp`` (which star-imports ``imp``): the name
    is bound to an own module, whose attributes are ``imp``'s (a refinement of the
    pre-filter that ruled such files out was caught on cffi by the 782-wheel check)."""
    from gate.scan import scan_artifact
    from tests.builders import build_wheel

    files = {"pkg/__init__.py": "",
             "pkg/_emu.py": "try:\n    from imp import *\nexcept ImportError:\n"
             "    pass\n",
             "pkg/use.py": "from . import _emu as imp\n\ndef f(n, p):\n"
                           "    return imp.find_module(n, p)\n"}
    scan = scan_artifact(build_wheel(tmp_path, "pkg", "1.0", files))
    found = {(f.path, f.line, f.detail) for f in scan.findings if f.path == "pkg/use.py"}
    assert ("pkg/use.py", 4, "imp.find_module") in found


@pytest.mark.parametrize("own", ["jinja2", "flask", "pandas", "six", "requests", "numpy",
                                 "os", "os.path", "xml", "ctypes", "jinja2,requests"])
def test_a_distribution_the_catalog_does_not_name_shares_the_base_table(own: str) -> None:
    """The pre-filter's table is built once per process for every distribution none of
    whose module names the catalog holds, and is then the same table as its own."""
    from gate.scan.prefilter import _build_filter, _filter

    names = frozenset(own.split(","))
    shared, alone = _filter(names), _build_filter(names, frozenset(), frozenset())
    assert shared.words == alone.words and shared.bare_words == alone.bare_words
    assert {k: sorted(map(repr, v)) for k, v in shared.by_word.items()} == {
        k: sorted(map(repr, v)) for k, v in alone.by_word.items()}
    if own in ("jinja2", "flask", "pandas", "six"):
        assert shared is _filter()
