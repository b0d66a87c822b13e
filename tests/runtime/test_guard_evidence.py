"""Evidence of ``permpip run``: what a violation names, read without running the package's
code (path objects, a thread's trace function), and files the guard protects by path
(``dir_fd``)."""

from __future__ import annotations

from pathlib import Path

from tests.runtime.conftest import RunPermpip
from tests.runtime.test_guard_redteam import attack


def test_a_path_object_is_shown_as_its_path(tmp_path: Path, run_permpip: RunPermpip) -> None:
    """``open`` and ``os.*`` events carry a path object converted (CPython calls
    ``__fspath__`` first); the standard library's own events carry it as given: the guard
    shows the path it stands for, read from its slots."""
    o = attack(tmp_path, run_permpip, (
        "import pathlib, shutil\n"
        "def go():\n"
        "    shutil.rmtree(pathlib.Path('@MARKER@', 'sub'))\n"),
        main="import os\nos.makedirs('@MARKER@/sub')\nimport evil\nevil.go()\n")
    v = o.violation("fs-write")
    assert not (o.marker / "sub").exists()  # report mode
    assert v["detail"] == f"{o.marker}/sub"
    assert v["chain"] == ["evil/__init__.py:3 (runtime)", "shutil.rmtree",
                          f"shutil.rmtree {o.marker}/sub"]


def test_reading_a_path_object_runs_none_of_its_code(tmp_path: Path,
                                                     run_permpip: RunPermpip) -> None:
    """A path-like of the package's whose slots are properties: none is read (their code
    would run in the guard); the evidence names its type."""
    o = attack(tmp_path, run_permpip, (
        "import shutil\n"
        "_seen = property(lambda self: print('PROPERTY') or '/elsewhere')\n"
        "class _Q:\n"
        "    _str = _drv = _root = _parts = _raw_paths = _seen\n"
        "    def __fspath__(self):\n"
        "        return '@MARKER@'\n"
        "def go():\n"
        "    shutil.rmtree(_Q())\n"),
        main="import os\nos.mkdir('@MARKER@')\nimport evil\nevil.go()\n")
    assert "PROPERTY" not in o.output and not o.marker.exists()
    assert o.violation("fs-write")["chain"][-1] == "shutil.rmtree <_Q>"


def test_a_threads_profile_function_names_its_file_without_exec(
        tmp_path: Path, run_permpip: RunPermpip) -> None:
    """``threading.setprofile`` by a package, judged when a thread starts: its evidence is
    where the function is, with no ``<exec>`` (nothing was exec'd)."""
    o = attack(tmp_path, run_permpip, (
        "import threading\n"
        "def _prof(frame, event, arg):\n"
        "    pass\n"
        "def go():\n"
        "    threading.setprofile(_prof)\n"), main=(
        "import threading\n"
        "import evil\n"
        "evil.go()\n"
        "t = threading.Thread(target=print, args=('in thread',))\n"
        "t.start()\n"
        "t.join()\n"))
    v = o.violation("introspection")
    assert (v["package"], v["phase"], v["event"], v["where"]) == (
        "evil", "runtime", "threading.setprofile", "evil/__init__.py:2")
    assert v["chain"] == ["evil/__init__.py:2 (runtime)", "threading.setprofile"]
