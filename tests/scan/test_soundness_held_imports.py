"""An import that binds a module where the scanner does not follow it as a name: in a
class body (a class attribute: ``C.subprocess.run``, ``self.sp``, ``getattr(C, n)``) and
through ``nonlocal`` (a name of the enclosing function). Either hands the module on, as
``class A: m = os`` does (gate/scan/python.py ``_held_import``); the pre-filter finds them
lexically (gate/scan/prefilter.py ``_held_imports``). Exact findings; the filtered scan
must report what the unfiltered one does (the lexical traps: a ``def`` spelled in a
string between the class and the import)."""

from __future__ import annotations

import pytest

from gate.scan.python import scan_python
from tests.scan.unfiltered import switch_off

HELD = "imported in a class body: a class attribute, passed on as a value (what is used on " \
       "it is not followed)"
OUTER = "bound to an enclosing function's name, passed on as a value (what is used on it " \
        "is not followed)"


def found(src: str) -> set[tuple[str, int, str, str]]:
    return {(str(f.capability), f.line, str(f.phase), f.detail)
            for f in scan_python(src.encode(), "pkg/__init__.py", module="pkg")}


@pytest.mark.parametrize(("src", "want"), [
    ("class C:\n    import subprocess\n", {("dynamic-code", 2, "import", f"subprocess {HELD}")}),
    ("class C: import os\n", {("dynamic-code", 1, "import", f"os {HELD}")}),
    ("class C:\n    import os.path as p\n", {("dynamic-code", 2, "import", f"os.path {HELD}")}),
    ("class C:\n    if 1:\n        import json as j\n",
     {("dynamic-code", 3, "import", f"json {HELD}")}),
    ("class C:\n    try:\n        from xml import sax\n    except ImportError:\n        pass\n",
     {("dynamic-code", 3, "import", f"xml.sax {HELD}")}),
    ("def f():\n    class C:\n        import shutil\n",
     {("dynamic-code", 3, "runtime", f"shutil {HELD}")}),
    # a def header spelled inside a string between the class and the import
    ("class C:\n    x = '''\n  def g():\n    '''\n    import os\n",
     {("dynamic-code", 5, "import", f"os {HELD}")}),
    ("class C:\n    x = '''\nif 1:\n    '''\n    import os\n",
     {("dynamic-code", 5, "import", f"os {HELD}")}),
    ("class C:\n    x = 'a\\\ndef g():'\n    import os\n",
     {("dynamic-code", 4, "import", f"os {HELD}")}),
    ("class C:\n    x = 1; \\\n    import os\n", {("dynamic-code", 3, "import", f"os {HELD}")}),
    ("def outer():\n    m = None\n    def inner():\n        nonlocal m\n"
     "        import subprocess as m\n    inner()\n    return m\n",
     {("dynamic-code", 5, "runtime", f"subprocess {OUTER}")}),
    # quiet: a method's local import, a name (its own line is the evidence), a module-level
    # import under a header, a local import that is not the nonlocal name
    ("class C:\n    def f(self):\n        import os\n        return os.getcwd()\n", set()),
    ("class C:\n    from os import system\n",
     {("subprocess", 2, "import", "os.system")}),
    ("if True:\n    import json\ntry:\n    import os\nexcept ImportError:\n    pass\n", set()),
    ("def outer():\n    m = None\n    def inner():\n        nonlocal m\n        import json\n"
     "        m = json.dumps(1)\n", set()),
])
def test_held_imports(src: str, want: set[tuple[str, int, str, str]],
                      monkeypatch: pytest.MonkeyPatch) -> None:
    assert found(src) == want
    switch_off(monkeypatch.setattr)
    assert found(src) == want
