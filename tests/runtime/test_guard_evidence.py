"""Evidence of ``permpip run``: what a violation names, read without running the package's
code (path objects, a thread's trace function), and files the guard protects by path
(``dir_fd``)."""

from __future__ import annotations

from pathlib import Path

import pytest

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


GUARD_DIR = (
    "import os, sys\n"
    "def _guard_dir():\n"
    "    for p in sys.path:\n"
    "        if p and os.path.exists(os.path.join(p, 'events.jsonl')):\n"
    "            return p\n")


@pytest.mark.parametrize("change", [
    "os.open('events.jsonl', os.O_WRONLY | os.O_TRUNC, dir_fd=fd)",
    "os.open(path='policy.bin', flags=os.O_RDWR, dir_fd=fd)",
    "open('events.jsonl', 'w', opener=lambda p, f: os.open(p, f, dir_fd=fd))",
    "os.remove('events.jsonl', dir_fd=fd)",
    "os.rename('policy.bin', '../moved', src_dir_fd=fd, dst_dir_fd=fd)",
    "os.chmod('sitecustomize.py', 0o777, dir_fd=fd)",
    "os.mkdir('__pycache__', dir_fd=fd)",
    "os.mkfifo('fifo', dir_fd=fd)",
    "os.symlink('/etc/passwd', 'link', dir_fd=fd)",
    "os.utime('events.jsonl', dir_fd=fd)",
])
def test_writing_the_guards_files_relative_to_a_directory_descriptor(
        tmp_path: Path, run_permpip: RunPermpip, change: str) -> None:
    """A package granted fs-write names the guard's files relative to a descriptor of its
    directory (``dir_fd=``): resolved through the descriptor, refused for everyone."""
    o = attack(tmp_path, run_permpip, GUARD_DIR + (
        "def go():\n"
        "    fd = os.open(_guard_dir(), os.O_RDONLY)\n"
        "    try:\n"
        f"        {change}\n"
        "        print('changed')\n"
        "    except PermissionError:\n"
        "        print('refused')\n"), grant='["fs-write", "fs-read"]', enforce=True)
    assert o.output.splitlines() == ["refused"], o.output
    assert o.used == [("evil", "guard")]


def test_writes_relative_to_other_directories_are_judged_as_usual(
        tmp_path: Path, run_permpip: RunPermpip) -> None:
    """The other side: the same calls on a directory of the package's own run, and
    shutil.rmtree (which removes through directory descriptors) still works."""
    o = attack(tmp_path, run_permpip, (
        "import os, shutil\n"
        "def go():\n"
        "    os.makedirs('@MARKER@/d')\n"
        "    fd = os.open('@MARKER@', os.O_RDONLY)\n"
        "    os.close(os.open('f', os.O_WRONLY | os.O_CREAT, dir_fd=fd))\n"
        "    os.rename('f', 'g', src_dir_fd=fd, dst_dir_fd=fd)\n"
        "    os.mkfifo('fifo', dir_fd=fd)\n"
        "    print(sorted(os.listdir('@MARKER@')), shutil._use_fd_functions)\n"
        "    shutil.rmtree('@MARKER@')\n"
        "    print(os.path.exists('@MARKER@'))\n"), grant='["fs-write", "fs-read"]',
        enforce=True)
    assert o.output.splitlines() == ["['d', 'fifo', 'g'] True", "False"], o.output
    assert o.used == [] and o.code == 0


def test_the_real_functions_are_not_left_in_os_supports_sets(
        tmp_path: Path, run_permpip: RunPermpip) -> None:
    """os.supports_dir_fd held the real os.mkfifo (no event: an fs-write nobody sees) and
    os.open (no dir_fd check): the guard's replacements stand in their place."""
    o = attack(tmp_path, run_permpip, (
        "import os\n"
        "def go():\n"
        "    real = [f for f in os.supports_dir_fd\n"
        "            if type(f).__name__ == 'builtin_function_or_method'\n"
        "            and f.__name__ in ('mkfifo', 'mknod', 'open')]\n"
        "    print('REAL', len(real), os.open in os.supports_dir_fd)\n"), enforce=True)
    assert o.output.splitlines() == ["REAL 0 True"], o.output
