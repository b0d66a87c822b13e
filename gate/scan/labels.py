"""Labels on evidence (``gate.model.Label``): where it comes from, so a reviewer can judge a
big package quickly. A label annotates and orders; it never removes evidence or changes a
verdict (docs/scanner.md "Labels").

- ``tests``: a file of a shipped test package (a ``tests/``, ``test/`` or ``testing/``
  directory) or a test module (``test_*.py``, ``*_test.py``, ``conftest.py``);
- ``bundled``: a native library bundled beside the package's own extensions (under a
  ``<name>.libs/`` directory as auditwheel and delvewheel write it, under ``.dylibs/`` as
  delocate does, or a file no import can load: ``libx.so.3``, ``.dylib``, ``.dll``);
- ``platform``: code that runs only on a platform other than Linux: under a platform test
  that is false on Linux (``if sys.platform == "win32":``), or after a module-level import
  that fails on Linux (``import msvcrt``: nothing after it in that file runs there);
- ``main``: code in an ``if __name__ == "__main__":`` block (set by gate.scan.python, which
  reads that test with the one reader gate.scan.reach uses too).

No label on ``install`` or ``startup`` evidence: that runs whatever the file is.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from collections.abc import Callable, Iterable, Sequence

from gate.model import Finding, Label, Phase
from gate.scan.native import binary_kind

_TEST_DIRS = frozenset({"tests", "test", "testing"})
_UNLABELLED = (Phase.INSTALL, Phase.STARTUP)

# What a platform test reads, as it holds on Linux.
_LINUX = {"sys.platform": "linux", "os.name": "posix", "platform.system": "Linux"}
# Modules that exist only on Windows: a module-level import of one fails on Linux.
_WINDOWS_MODULES = frozenset({"msvcrt", "winreg", "_winreg", "winsound", "_winapi", "nt",
                              "_overlapped", "msilib", "_msi", "_wmi"})
_CTYPES_WINDOWS = frozenset({"windll", "oledll", "WinDLL", "OleDLL", "WINFUNCTYPE",
                             "WinError", "FormatError", "get_last_error", "set_last_error"})
# A package that writes what platform tests read (or the import system a failing import
# goes through) may make a "non-Linux" branch run on Linux: no platform label then.
# (three patterns, each looked for only where a word it needs stands: one pattern of all
# three costs ~0.5 s of CPU on django's 900 files, its first branch tried at every line)
_ASSIGNED = re.compile(
    r"(?:^|;)[ \t]*(?:[\w.]*\.\s*platform|os\s*\.\s*name)\s*(?:=(?!=)|:[^=\n]*=)",
    re.MULTILINE)
_ASSIGNED_END = re.compile(r"(?:platform|name)\s*(?:=(?!=)|:[^=\n]*=)")
_SETATTR = re.compile(
    r"\bsetattr\s*\(\s*(?:sys|os|platform)\s*,\s*(?:[\"'](?:platform|name|system)[\"']|"
    r"[^\"'\s])")
_MODULES = re.compile(
    r"\bsys\s*\.\s*modules\s*(?:\[\s*[\"'](?:msvcrt|winreg|_winreg|winsound|_winapi|nt|"
    r"_overlapped|msilib|_msi|_wmi|ctypes)\b|\.\s*(?:update|setdefault)\s*\(\s*[\"'{])")

Resolve = Callable[[ast.expr], str | None]


def path_label(path: str) -> Label | None:
    """``bundled`` or ``tests`` when the file's path says so, else None."""
    parts = path.split("/")
    base = parts[-1]
    kind = binary_kind(path)
    if kind is not None and (kind == "shared library" or ".dylibs" in parts[:-1]
                             or any(p.endswith(".libs") for p in parts[:-1])):
        return Label.BUNDLED
    if any(p in _TEST_DIRS for p in parts[:-1]) or base == "conftest.py" or (
            base.endswith(".py") and (base.startswith("test_") or base.endswith("_test.py"))):
        return Label.TESTS
    return None


def labelled(findings: Iterable[Finding], *, platform: bool = True) -> list[Finding]:
    """``findings`` with path labels set (they win over the code's own: the file says more
    than the branch); ``platform=False`` drops platform labels (a package that rewrites
    ``sys.platform``, a wheel built for another platform). Install and startup evidence
    keeps no label."""
    out: list[Finding] = []
    for f in findings:
        label = None if f.phase in _UNLABELLED else path_label(f.path) or f.label
        if label is Label.PLATFORM and not platform:
            label = None
        out.append(f if label is f.label else dataclasses.replace(f, label=label))
    return out


def platform_rebound(text: str) -> bool:
    """Does the source write what platform tests read (``sys.platform = ...``)?"""
    for m in _ASSIGNED_END.finditer(text):  # each ``...platform =``: is it a statement's?
        if _ASSIGNED.search(text, text.rfind("\n", 0, m.start()) + 1, m.end()):
            return True
    return ("setattr" in text and _SETATTR.search(text) is not None) or (
        "modules" in text and _MODULES.search(text) is not None)


# -- platform tests, as they hold on Linux ---------------------------------------------------

def on_linux(test: ast.expr, resolve: Resolve) -> bool | None:
    """Whether ``test`` holds on Linux: True, False, or None when it cannot say."""
    t = type(test)
    if t is ast.BoolOp:
        values = [on_linux(v, resolve) for v in test.values]  # type: ignore[attr-defined]
        if type(test.op) is ast.And:  # type: ignore[attr-defined]
            return False if False in values else True if all(values) else None
        return True if True in values else False if values and all(
            v is False for v in values) else None
    if t is ast.UnaryOp and type(test.op) is ast.Not:  # type: ignore[attr-defined]
        inner = on_linux(test.operand, resolve)  # type: ignore[attr-defined]
        return None if inner is None else not inner
    if t is ast.Compare and len(test.ops) == 1:  # type: ignore[attr-defined]
        left = _value(test.left, resolve)  # type: ignore[attr-defined]
        right = _value(test.comparators[0], resolve)  # type: ignore[attr-defined]
        if left is None or right is None or not (isinstance(left, str)
                                                 or isinstance(right, str)):
            return None
        op = type(test.ops[0])  # type: ignore[attr-defined]
        try:
            if op is ast.Eq:
                return left == right
            if op is ast.NotEq:
                return left != right
            if op is ast.In:
                return left in right  # type: ignore[operator]
            if op is ast.NotIn:
                return left not in right  # type: ignore[operator]
        except TypeError:
            return None
        return None
    if t is ast.Call and type(test.func) is ast.Attribute and (  # type: ignore[attr-defined]
            test.func.attr in ("startswith", "endswith")  # type: ignore[attr-defined]
            and len(test.args) == 1 and not test.keywords):  # type: ignore[attr-defined]
        subject = _platform_value(test.func.value, resolve)  # type: ignore[attr-defined]
        arg = _value(test.args[0], resolve)  # type: ignore[attr-defined]
        if subject is None or arg is None or (isinstance(arg, tuple) and not arg):
            return None
        return getattr(subject, test.func.attr)(arg)  # type: ignore[attr-defined, no-any-return]
    return None


def _platform_value(node: ast.expr, resolve: Resolve) -> str | None:
    if type(node) is ast.Call and not node.args and not node.keywords:  # type: ignore[attr-defined]
        qual = resolve(node.func)  # type: ignore[attr-defined]
        return _LINUX.get(qual) if qual == "platform.system" else None
    if type(node) is ast.Attribute:
        qual = resolve(node)
        return _LINUX.get(qual) if qual in ("sys.platform", "os.name") else None
    return None


def _value(node: ast.expr, resolve: Resolve) -> str | tuple[str, ...] | None:
    if type(node) is ast.Constant:
        v = node.value  # type: ignore[attr-defined]
        return v if isinstance(v, str) else None
    if type(node) in (ast.Tuple, ast.List, ast.Set):
        items = [_value(e, resolve) for e in node.elts]  # type: ignore[attr-defined]
        return tuple(items) if all(isinstance(i, str) for i in items) else None  # type: ignore[arg-type]
    return _platform_value(node, resolve)


def fails_on_linux(body: Sequence[ast.stmt], resolve: Resolve) -> int | None:
    """The last line of the first module-level statement that always raises on Linux (an
    import of a Windows-only module, ``if not windows: raise ImportError``): nothing after it
    in the file runs there. None when there is none."""
    for st in body:
        t = type(st)
        if t is ast.Import and any(a.name.partition(".")[0] in _WINDOWS_MODULES
                                   for a in st.names):  # type: ignore[attr-defined]
            return st.end_lineno or st.lineno
        if t is ast.ImportFrom and not st.level and st.module:  # type: ignore[attr-defined]
            root = st.module.partition(".")[0]  # type: ignore[attr-defined]
            if root in _WINDOWS_MODULES or (st.module == "ctypes" and any(  # type: ignore[attr-defined]
                    a.name in _CTYPES_WINDOWS for a in st.names)):  # type: ignore[attr-defined]
                return st.end_lineno or st.lineno
        if t is ast.If:
            holds = on_linux(st.test, resolve)  # type: ignore[attr-defined]
            branch = st.body if holds is True else st.orelse if holds is False else None  # type: ignore[attr-defined]
            if branch and type(branch[-1]) is ast.Raise:
                return st.end_lineno or st.lineno
    return None
