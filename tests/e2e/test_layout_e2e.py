"""Layout differentials end to end, with pip (and uv once): a wheel that pip, uv or the
target's site.py would read otherwise than the scanner is refused, and nothing is installed
(issue #10)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from gate._subprocess import Completed
from tests.builders import build_wheel, hash_pyc
from tests.conftest import installed, write_policy
from tests.index import SubIndex

pytestmark = pytest.mark.e2e

Permpip = Callable[..., Completed]
MakeVenv = Callable[..., Path]
WHL = "pkg-1.0-py3-none-any.whl"
BACKSLASH = ("has a backslash in its name (a file name character on POSIX, a directory "
             "separator on Windows)")


def _site(py: Path) -> Path:
    return next((py.parent.parent / "lib").glob("python3*/site-packages"))


def _install(permpip: Permpip, index: SubIndex, tmp_path: Path, py: Path, backend: str,
             files: dict[str, str | bytes]) -> Completed:
    index.publish(build_wheel(tmp_path / "dist", "pkg", "1.0",
                              {"pkg/__init__.py": "", **files}))
    project = tmp_path / "project"
    write_policy(project, {})
    return permpip("install", "--backend", backend, "--python", str(py), "-i", index.url,
                   "pkg==1.0", "--no-cache", cwd=project)


SCAN_REFUSALS = {
    # pip installs any top-level *.data as data (site-packages/x.pth, run at every start)
    "other-data-dir": ({"zzz.data/purelib/x.pth": "import os\n"},
                       "member 'zzz.data/purelib/x.pth' is in zzz.data, a .data directory "
                       "other than pkg-1.0.data (pip installs it as data, uv as a directory "
                       "of that name)"),
    # pip and uv write a top-level file 'pkg\evil.pth' on POSIX: site.py runs it
    "backslash": ({"pkg\\evil.pth": "import os\n"}, f"member 'pkg\\evil.pth' {BACKSLASH}"),
    # <prefix>/pip.conf is pip's site configuration: the next resolution is steered
    "pip-conf": ({"pkg-1.0.data/data/pip.conf": "[global]\nindex-url = http://evil/\n"},
                 "pkg-1.0.data/data/pip.conf would install as <prefix>/pip.conf, pip's "
                 "configuration for this environment"),
    "activate": ({"pkg-1.0.data/data/bin/activate": "echo owned\n"},
                 "pkg-1.0.data/data/bin/activate would install as <scripts>/activate, "
                 "replacing the environment's activation script"),
    # getpath reads bin/python3._pth (the name the interpreter is started as): its lines
    # replace sys.path before anything is imported
    "pth-beside-interpreter": ({"pkg-1.0.data/scripts/python3._pth": "#!python\nevil\n"},
                               "pkg-1.0.data/scripts/python3._pth would install as "
                               "<scripts>/python3._pth, a ._pth file: beside an interpreter "
                               "or libpython it REPLACES sys.path before anything is "
                               "imported (CPython getpath)"),
    # bin/ is sys.path[0] of every console script: bin/json/ replaces the stdlib's json
    "bin-subdirectory": ({"pkg-1.0.data/data/bin/json/__init__.py": "import os\n"},
                         "pkg-1.0.data/data/bin/json/__init__.py would install as "
                         "<prefix>/bin/json/__init__.py, in a subdirectory of the scripts "
                         "directory, which is sys.path[0] of every script run from it (a "
                         "package there shadows site-packages and the standard library)"),
}


# Every case here is refused by permpip's own reading of the resolved wheel (gate.layout,
# one reading for pip's and uv's install rules, and the scanner) before any installer runs:
# the backend only resolved ``pkg==1.0``. Each case with pip; uv's resolution reaching that
# reading, once.
@pytest.mark.parametrize(("case", "backend"), [
    *((case, "pip") for case in SCAN_REFUSALS), ("other-data-dir", "uv")])
def test_layout_refused_at_scan(case: str, backend: str, index: SubIndex, tmp_path: Path,
                                make_venv: MakeVenv, permpip: Permpip) -> None:
    files, message = SCAN_REFUSALS[case]
    py = make_venv()
    venv = py.parent.parent
    activate = (venv / "bin" / "activate").read_bytes()
    done = _install(permpip, index, tmp_path, py, backend, files)
    assert done.returncode == 3, done.stderr
    assert done.stderr.splitlines()[-1] == f"error: {WHL}: {message}"
    assert installed(py) == {}
    assert not list(_site(py).iterdir())
    assert not (venv / "pip.conf").exists()
    assert (venv / "bin" / "activate").read_bytes() == activate


@pytest.mark.parametrize("backend", ["pip"])  # scanned before any installer runs
def test_import_line_after_a_form_feed_is_a_startup_hook(
        backend: str, index: SubIndex, tmp_path: Path, make_venv: MakeVenv,
        permpip: Permpip) -> None:
    # 3.11's site.py reads one path line; 3.13's splits at \f and runs the import
    py = make_venv()
    done = _install(permpip, index, tmp_path, py, backend,
                    {"pkg.pth": "pkg\fimport os; os.system('touch /tmp/owned')\n"})
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    start = lines.index(f"pkg 1.0 ({WHL})")
    assert lines[start:start + 8] == [
        f"pkg 1.0 ({WHL})",
        "  subprocess (startup) not granted:",
        "    pkg.pth:2 os.system",
        "  startup-hooks (startup) not granted:",
        "    pkg.pth:2 executable .pth line runs at every interpreter start",
        "    pkg.pth:2 os.system (subprocess, runs at startup)",
        "  fix: permpip policy allow pkg subprocess startup-hooks",
        '   or: pkg = ["subprocess", "startup-hooks"]',
    ]
    assert lines[-1] == "nothing installed"
    assert installed(py) == {}
    assert not list(_site(py).iterdir())


@pytest.mark.parametrize("backend", ["pip"])  # scanned before any installer runs
def test_preseeded_bytecode_is_refused(backend: str, index: SubIndex, tmp_path: Path,
                                       make_venv: MakeVenv, permpip: Permpip) -> None:
    # an unchecked hash-based .pyc is imported in place of the clean m.py beside it
    pyc = f"pkg/__pycache__/m.{sys.implementation.cache_tag}.pyc"
    py = make_venv()
    done = _install(permpip, index, tmp_path, py, backend, {
        "pkg/m.py": "X = 1\n", pyc: hash_pyc("import os\nos.system('touch /tmp/owned')\n")})
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    start = lines.index(f"pkg 1.0 ({WHL})")
    assert lines[start:start + 5] == [
        f"pkg 1.0 ({WHL})",
        "  unanalyzed at import not granted:",
        f"    {pyc} bytecode runs at import: {pyc} is hash-based, loaded in place of its "
        f"source",
        "  fix: permpip policy allow pkg unanalyzed --at-import",
        '   or: pkg = {allow = ["unanalyzed"], at-import = ["unanalyzed"]}',
    ]
    assert installed(py) == {}
    assert not list(_site(py).iterdir())
