"""Callables with no frame of the package, at run time (docs/runtime.md, "Callables with no
frame of the package").

1. The evidence against closing the class by replacing ``functools.partial`` with a
   pure-Python class whose call frame names its maker (bench/partial_probe.py measures its
   cost): the same payloads spelled without a partial. ``types.MethodType(shutil.rmtree,
   dir)`` is a C bound method the interpreter itself needs (no guard can replace it), and it
   binds any callable to any first argument, so every partial payload has an equivalent the
   mechanism would not see. Pinned (strict xfail) like the partial payloads.
2. Precision: programs that store partials and callbacks legitimately (a package's partials
   of its own code or of pure functions, callbacks of its own, the application's partials
   run by a package) report nothing.

The static gate's side (``permpip scan`` reports each payload's capability) is
tests/runtime/test_frameless_static.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.runtime.conftest import RunPermpip
from tests.runtime.test_guard_redteam import attack
from tests.runtime.test_guard_redteam5 import _victim, took_effect

METHODTYPE = pytest.mark.xfail(
    strict=True, raises=AssertionError,
    reason="bypass (misattribution): inherent (docs/runtime.md, callables with no frame of "
           "the package): types.MethodType(shutil.rmtree, dir) stores the call with no "
           "wrapper a guard could replace (the interpreter's own bound-method type); "
           "permpip scan reports the package's fs-write (test_frameless_static.py)")


@pytest.mark.parametrize(("evil", "main"), [
    pytest.param("import shutil, types\ngo = types.MethodType(shutil.rmtree, '@VICTIM@')\n",
                 "import evil\nevil.go()\n", id="api"),
    pytest.param("import shutil, types\n"
                 "class Handle:\n"
                 "    def __init__(self):\n"
                 "        self.close = types.MethodType(shutil.rmtree, '@VICTIM@')\n"
                 "    def __del__(self):\n"
                 "        pass\n"
                 "def handle():\n"
                 "    return Handle()\n",
                 "import evil\nh = evil.handle()\nh.close()\n", id="stored-attribute"),
    pytest.param("import json, shutil, types\n"
                 "json.dumps = types.MethodType(shutil.rmtree, '@VICTIM@')\n",
                 "import evil, json\njson.dumps(False)\n", id="monkeypatched-stdlib"),
])
@METHODTYPE
def test_a_bound_method_of_a_stdlib_function(tmp_path: Path, run_permpip: RunPermpip,
                                            evil: str, main: str) -> None:
    victim = _victim(tmp_path)
    o = attack(tmp_path, run_permpip, evil.replace("@VICTIM@", str(victim)), main=main)
    took_effect(not victim.exists(), o)
    assert ("evil", "fs-write") in o.used, o.output


# -- 2. precision: legitimate partials and callbacks --------------------------------------

HELPER = """\
import atexit, functools, gc, json, operator, signal, weakref

def _parse(base, text):
    return int(text, base)

hex_int = functools.partial(_parse, 16)          # its own code, stored as its API
dumps = functools.partial(json.dumps, sort_keys=True)  # a pure stdlib function
by_len = functools.partial(sorted, key=len)
second = operator.itemgetter(1)

def _collected(phase, info):
    pass

gc.callbacks.append(_collected)                   # a callback of its own
atexit.register(functools.partial(print, "helper: bye"))

class Resource:
    def __init__(self):
        self._fin = weakref.finalize(self, print, "helper: finalized")

def run_hooks(hooks):
    return [h() for h in hooks]

def on_alarm():
    signal.signal(signal.SIGALRM, functools.partial(print, "helper: alarm"))
    signal.setitimer(signal.ITIMER_REAL, 0.01)
"""

APP = """\
import gc, time
import evil
print(evil.hex_int("ff"), evil.dumps({"b": 1, "a": 2}), evil.by_len(["ccc", "a"]))
print(sorted([(1, "b"), (0, "a")], key=evil.second))
r = evil.Resource()
del r
gc.collect()
print(evil.run_hooks([lambda: open("@MARKER@", "w").write("app data")]))
evil.on_alarm()
time.sleep(0.1)
"""


@pytest.mark.parametrize("enforce", [False, True], ids=["report", "enforce"])
def test_legitimate_partials_and_callbacks_report_nothing(tmp_path: Path,
                                                         run_permpip: RunPermpip,
                                                         enforce: bool) -> None:
    o = attack(tmp_path, run_permpip, HELPER, main=APP, enforce=enforce)
    assert o.used == [], o.output
    assert o.code == 0, o.output
    assert o.marker.read_text() == "app data"
    lines = o.output.splitlines()
    for line in ("255 {\"a\": 2, \"b\": 1} ['a', 'ccc']", "[(0, 'a'), (1, 'b')]",
                 "helper: finalized", "[8]", "helper: alarm 14 <frame", "helper: bye"):
        assert any(got.startswith(line) for got in lines), o.output


@pytest.mark.xfail(
    strict=True, raises=AssertionError,
    reason="crying wolf (misattribution, the mirror image): the application's own partial "
           "of a standard library function (functools.partial(Path.write_text, ...)) run "
           "by a package's frame (run_hooks) is judged as the package's: the innermost "
           "distribution frame is the package's and the partial carries no frame of its "
           "maker (docs/runtime.md, callables with no frame of the package); the "
           "application's own code there (a lambda, a def) is its own")
def test_the_applications_partial_run_by_a_package(tmp_path: Path,
                                                  run_permpip: RunPermpip) -> None:
    o = attack(tmp_path, run_permpip, HELPER, main=(
        "import functools, pathlib\n"
        "import evil\n"
        "out = pathlib.Path('@MARKER@')\n"
        "evil.run_hooks([functools.partial(out.write_text, 'app data')])\n"))
    assert o.marker.read_text() == "app data"
    assert o.used == [], o.output


# -- 3. what neither the guard nor the static gate covers ----------------------------------

HIDDEN = (
    "import functools, shutil\n"
    "go = functools.partial(shutil.rmtree, '@VICTIM@')\n")


def hidden_payload(victim: Path) -> str:
    """evil, granted dynamic-code only: the stored call built in text it computes."""
    text = HIDDEN.replace("@VICTIM@", str(victim)).encode().hex()
    return f"exec(bytes.fromhex({text!r}).decode())\n"


@pytest.mark.xfail(
    strict=True, raises=AssertionError,
    reason="bypass (misattribution): neither covers it (docs/runtime.md, callables with no "
           "frame of the package): a package granted dynamic-code builds the stored call "
           "in exec'd text; the scan reports the exec (granted), not the fs-write, and the "
           "guard judges the call as the application's")
def test_a_stored_call_hidden_in_granted_dynamic_code(tmp_path: Path,
                                                     run_permpip: RunPermpip) -> None:
    victim = _victim(tmp_path)
    o = attack(tmp_path, run_permpip, hidden_payload(victim), main="import evil\nevil.go()\n",
               grant='["dynamic-code"]')
    took_effect(not victim.exists(), o)
    assert ("evil", "fs-write") in o.used, o.output
