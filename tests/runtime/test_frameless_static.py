"""The static gate covers what the guard cannot see: callables with no frame of the package.

Every payload the runtime red-team rounds pin as a strict xfail because the package stores a
callable (a ``functools.partial``, a bound method, a reduce value, ``types.MethodType``) that
the application or the interpreter calls later, with no frame of the package on the stack
(docs/runtime.md, "Callables with no frame of the package"), is scanned here by
``permpip scan`` as the wheel it would be installed from. The scan must name the capability
the guard misses, at the payload's line, with the standard library function as evidence;
``permpip scan --policy`` with a policy granting nothing must refuse it. A payload the
scanner misses is pinned here as a strict xfail (a scanner bug or limit, named).

The payload texts are the rounds' own where they are module constants (rounds 5 and 6),
copied verbatim otherwise (rounds 1, 3 and 8 write them inline).
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from gate.__main__ import main
from tests.builders import build_wheel
from tests.runtime import test_guard_redteam5 as round5
from tests.runtime import test_guard_redteam6 as round6

URL = "http://127.0.0.1:9/beacon"
VICTIM = "/tmp/victim"  # noqa: S108 - only scanned, never run
MARKER = "/tmp/marker"  # noqa: S108 - only scanned, never run


def _sub(text: str) -> str:
    return (textwrap.dedent(text).replace("@URL@", URL).replace("@VICTIM@", VICTIM)
            .replace("@MARKER@", MARKER))


def _inline(source: str) -> dict[str, str]:
    return {"evil/__init__.py": _sub(source)}


def _module(name: str, evil: dict[str, str]) -> dict[str, str]:
    return {"evil/__init__.py": "", f"evil/{name}.py": textwrap.dedent(evil[f"evil/{name}.py"])}


# (id, files, path, needle: the text of the line that stores the callable, capability,
#  evidence detail, phase)
CASES: list[tuple[str, dict[str, str], str, str, str, str, str]] = [
    # tests/runtime/test_guard_redteam.py
    ("r1-weakref-finalize", _inline(
        "import urllib.request, weakref\n"
        "class _T:\n"
        "    pass\n"
        "_keep = _T()\n"
        "weakref.finalize(_keep, urllib.request.urlopen, '@URL@')\n"
        "def go():\n"
        "    pass\n"), "evil/__init__.py", "weakref.finalize(", "network",
     "urllib.request.urlopen", "import"),
    ("r1-api-partial", _inline(
        "import functools, urllib.request\n"
        "go = functools.partial(urllib.request.urlopen, '@URL@')\n"),
     "evil/__init__.py", "go = ", "network", "urllib.request.urlopen", "import"),
    ("r1-decorator-partial", _inline(
        "import functools, pathlib\n"
        "def cached(fn):\n"
        "    return functools.partial(pathlib.Path('@MARKER@').write_text)\n"),
     "evil/__init__.py", "return functools.partial", "fs-write", "pathlib.Path.write_text",
     "runtime"),
    ("r1-sorted-key-bound-method", _inline(
        "import pathlib\n"
        "key = pathlib.Path('@MARKER@').write_text\n"),
     "evil/__init__.py", "key = ", "fs-write", "pathlib.Path.write_text", "import"),
    ("r1-monkeypatched-stdlib", _inline(
        "import functools, json, pathlib\n"
        "json.dumps = functools.partial(pathlib.Path('@MARKER@').write_text)\n"
        "def go():\n"
        "    pass\n"), "evil/__init__.py", "json.dumps = ", "fs-write",
     "pathlib.Path.write_text", "import"),
    # tests/runtime/test_guard_redteam3.py
    ("r3-deputy-partial", _inline(
        "import functools, urllib.request\n"
        "import good\n"
        "def go():\n"
        "    good.run_hooks([functools.partial(urllib.request.urlopen, '@URL@')])\n"),
     "evil/__init__.py", "good.run_hooks(", "network", "urllib.request.urlopen", "runtime"),
    ("r3-threading-register-atexit", _inline(
        "import functools, multiprocessing.util, threading, urllib.request\n"
        "def go():\n"
        "    threading._register_atexit(functools.partial(urllib.request.urlopen, '@URL@'))\n"),
     "evil/__init__.py", "threading._register_atexit(", "network", "urllib.request.urlopen",
     "runtime"),
    ("r3-multiprocessing-finalize", _inline(
        "import functools, multiprocessing.util, threading, urllib.request\n"
        "def go():\n"
        "    multiprocessing.util.Finalize(None, urllib.request.urlopen, args=('@URL@',), "
        "exitpriority=1)\n"),
     "evil/__init__.py", "multiprocessing.util.Finalize(", "network",
     "urllib.request.urlopen", "runtime"),
    # tests/runtime/test_guard_redteam5.py (its EVIL modules, verbatim)
    *[(f"r5-{fn}", _module("regs", round5.EVIL), "evil/regs.py", needle, "fs-write",
       "shutil.rmtree", "runtime")
      for fn, needle in [("gc-callbacks", "gc.callbacks.append("),
                         ("path-hooks", "sys.path_hooks.insert("),
                         ("unraisablehook", "sys.unraisablehook = "),
                         ("threading-excepthook", "threading.excepthook = ")]],
    # tests/runtime/test_guard_redteam6.py (its EVIL module, verbatim)
    *[(f"r6-{fn}", _module("queue", round6.EVIL), "evil/queue.py", needle, "fs-write",
       "shutil.rmtree", "runtime")
      for fn, needle in [("application-executor", "ex.submit(shutil.rmtree, path)  #"),
                         ("application-event-loop", ".call_soon(shutil.rmtree"),
                         ("weakref-callback", "t.ref = weakref.ref(t, functools.partial("),
                         ("copyreg-reducer", "copyreg.pickle(Token")]],
    # tests/runtime/test_guard_redteam8.py
    *[(f"r8-{slot}", _inline(
        "import functools, shutil\n"
        f"class {cls}:\n"
        f"    {slot} = functools.partial(shutil.rmtree, '@VICTIM@')\n"),
       "evil/__init__.py", f"{slot} = ", "fs-write", "shutil.rmtree", "import")
      for cls, slot in (("Handle", "__del__"), ("Field", "__set_name__"),
                        ("Model", "__class_getitem__"))],
    ("r8-reduce-ex", _inline(
        "import shutil\n"
        "class Config:\n"
        "    def __reduce_ex__(self, protocol):\n"
        "        return (shutil.rmtree, ('@VICTIM@',))\n"),
     "evil/__init__.py", "return (shutil.rmtree", "fs-write", "shutil.rmtree", "runtime"),
    ("r8-encodings-cache", _inline(
        "import codecs, encodings, functools, shutil\n"
        "def arm():\n"
        "    rm = functools.partial(shutil.rmtree, '@VICTIM@')\n"
        "    encodings._cache['koi8_u'] = codecs.CodecInfo(rm, rm, name='koi8_u')\n"),
     "evil/__init__.py", "rm = functools.partial", "fs-write", "shutil.rmtree", "runtime"),
    # tests/runtime/test_frameless_runtime.py: no partial at all
    ("methodtype-api", _inline(
        "import shutil, types\ngo = types.MethodType(shutil.rmtree, '@VICTIM@')\n"),
     "evil/__init__.py", "go = ", "fs-write", "shutil.rmtree", "import"),
    ("methodtype-stored-attribute", _inline(
        "import shutil, types\n"
        "class Handle:\n"
        "    def __init__(self):\n"
        "        self.close = types.MethodType(shutil.rmtree, '@VICTIM@')\n"
        "    def __del__(self):\n"
        "        pass\n"
        "def handle():\n"
        "    return Handle()\n"),
     "evil/__init__.py", "self.close = ", "fs-write", "shutil.rmtree", "runtime"),
    # the same stored call with the name hidden from the scanner: the hiding is dynamic-code
    ("hidden-computed-import", _inline(
        "import types\n"
        "n = bytes([115, 104, 117, 116, 105, 108]).decode()\n"
        "rm = getattr(__import__(n), bytes([114, 109, 116, 114, 101, 101]).decode())\n"
        "go = types.MethodType(rm, '@VICTIM@')\n"),
     "evil/__init__.py", "rm = getattr(", "dynamic-code", "__import__(<computed>)", "import"),
    ("hidden-names-in-a-data-file", {**_inline(
        "import functools, importlib, pathlib\n"
        "mod, fn = (pathlib.Path(__file__).parent / 'names.txt').read_text().split()\n"
        "go = functools.partial(getattr(importlib.import_module(mod), fn), '@VICTIM@')\n"),
        "evil/names.txt": "shutil rmtree\n"},
     "evil/__init__.py", "go = ", "dynamic-code", "importlib.import_module(<computed>)",
     "import"),
    ("hidden-attribute-of-a-known-module", _inline(
        "import functools, pathlib, shutil\n"
        "name = (pathlib.Path(__file__).parent / 'n.txt').read_text()\n"
        "go = functools.partial(getattr(shutil, name), '@VICTIM@')\n"),
     "evil/__init__.py", "go = ", "dynamic-code", "getattr(shutil, <computed>)", "import"),
    ("hidden-search-of-loaded-modules", _inline(
        "import functools, sys\n"
        "for m in list(sys.modules.values()):\n"
        "    f = getattr(m, 'rm' + 'tree', None)\n"
        "    if f:\n"
        "        go = functools.partial(f, '@VICTIM@')\n"
        "        break\n"),
     "evil/__init__.py", "for m in", "dynamic-code", "sys.modules.values() (hands out modules)",
     "import"),
    ("methodtype-monkeypatched", _inline(
        "import json, shutil, types\n"
        "json.dumps = types.MethodType(shutil.rmtree, '@VICTIM@')\n"),
     "evil/__init__.py", "json.dumps = ", "fs-write", "shutil.rmtree", "import"),
]


def _scan(tmp_path: Path, files: dict[str, str], capsys: pytest.CaptureFixture[str]) -> dict:
    whl = build_wheel(tmp_path / "dist", "evil", "1.0", files)
    assert main(["scan", "--format", "json", str(whl)]) == 0
    [package] = json.loads(capsys.readouterr().out)["packages"]
    return package["capabilities"]


@pytest.mark.parametrize(("files", "path", "needle", "capability", "detail", "phase"),
                         [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_the_scan_reports_what_the_guard_cannot_attribute(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], files: dict[str, str], path: str,
        needle: str, capability: str, detail: str, phase: str) -> None:
    [line] = [n for n, text in enumerate(files[path].splitlines(), 1) if needle in text]
    found = _scan(tmp_path, files, capsys)
    assert {"path": path, "line": line, "phase": phase, "detail": detail} in \
        found.get(capability, []), found


def test_a_policy_granting_nothing_refuses_every_payload(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """``permpip scan --policy`` (nothing granted) over each payload's wheel: exit 1, each
    refused for its capability."""
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "app"\nversion = "0"\n\n[tool.permissions]\ndefault = []\n')
    monkeypatch.chdir(tmp_path)
    for case_id, files, _path, _needle, capability, _detail, _phase in CASES:
        whl = build_wheel(tmp_path / case_id, "evil", "1.0", files)
        assert main(["scan", "--policy", "--format", "json", str(whl)]) == 1, case_id
        out = capsys.readouterr().out
        assert capability in out, (case_id, out)


@pytest.mark.xfail(
    strict=True,
    reason="scanner limit (cross-distribution): a package granted nothing that calls a "
           "granted package's API (good.fetch(url), tests/runtime/test_guard_redteam3.py's "
           "deputy) has no capability of its own in its code; the scan of evil alone "
           "cannot know what good.fetch does (the deputy case, not a frameless callable: "
           "evil's frame is on the stack, the guard judges good, the innermost)")
def test_the_deputy_call_is_not_evils_capability_statically(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    found = _scan(tmp_path, _inline(
        "import functools, urllib.request\n"
        "import good\n"
        "def go():\n"
        "    good.fetch('@URL@')\n"), capsys)
    assert "network" in found, found


def test_a_stored_call_hidden_in_exec_is_only_dynamic_code(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """What neither covers (test_frameless_runtime.py pins the guard's side): the scan
    reports the exec, and nothing else, so a package granted dynamic-code passes the gate
    with the fs-write it hides."""
    from tests.runtime.test_frameless_runtime import hidden_payload

    found = _scan(tmp_path, {"evil/__init__.py": hidden_payload(Path(VICTIM))}, capsys)
    assert sorted(found) == ["dynamic-code"], found
    assert [f["line"] for f in found["dynamic-code"]] == [1]
