"""pip's and uv's switches for "no cache" leave nothing of permpip's cache behind (issue #12).

``pip install --no-cache-dir`` is how a Dockerfile keeps its image small; permpip is a
drop-in, so the same switch -- on the command line, in ``PIP_NO_CACHE_DIR``, and for the uv
backend ``UV_NO_CACHE`` -- sends the downloaded files, the scans and the built wheels to a
throwaway directory removed when the run ends: after success, refusal, error or Ctrl-C.
(Which values mean "no cache", as pip and uv read them: ``tests/test_cache.py``.)

Every run here has ``XDG_CACHE_HOME`` (permpip's, pip's and uv's default cache root) and
``TMPDIR`` of its own; the set holds an approved sdist, so a wheel is built too.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from gate._subprocess import Completed
from tests.builders import build_sdist, build_wheel
from tests.conftest import REPO, installed, write_policy
from tests.e2e.test_sdist import GRANT, PYPROJECT, publish_markpkg
from tests.index import SubIndex

pytestmark = pytest.mark.e2e

Permpip = Callable[..., Completed]
MakeVenv = Callable[..., Path]


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if not p.is_dir())


def _leftovers(tmp: Path) -> list[str]:
    return sorted(p.name for p in tmp.iterdir() if p.name.startswith("permpip"))


@pytest.fixture
def env(hermetic_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """The hermetic environment with the default cache locations under ``xdg``."""
    (tmp_path / "xdg").mkdir()
    (tmp_path / "tmp").mkdir()
    out = {k: v for k, v in hermetic_env.items()
           if k not in ("PIP_CACHE_DIR", "UV_CACHE_DIR", "PERMPIP_CACHE_DIR")}
    return out | {"XDG_CACHE_HOME": str(tmp_path / "xdg"), "TMPDIR": str(tmp_path / "tmp")}


@pytest.fixture
def app(index: SubIndex, tmp_path: Path, marker: Path) -> Path:
    """``app`` (a wheel) needs ``markpkg`` (an sdist whose build is granted): the project."""
    publish_markpkg(index, tmp_path / "dist", marker)
    index.publish(build_wheel(tmp_path / "dist", "app", "1.0", {"app/__init__.py": ""},
                              requires=["markpkg"]))
    project = tmp_path / "project"
    write_policy(project, {"markpkg": GRANT})
    return project


@pytest.mark.parametrize(("backend", "switch", "variables"), [
    ("pip", ["--no-cache-dir"], {}),
    ("pip", [], {"PIP_NO_CACHE_DIR": "1"}),
    ("uv", [], {"UV_NO_CACHE": "1"}),
], ids=["--no-cache-dir", "PIP_NO_CACHE_DIR=1", "uv-UV_NO_CACHE=1"])
def test_install_without_cache_leaves_no_file(
        backend: str, switch: list[str], variables: dict[str, str], index: SubIndex, app: Path,
        marker: Path, tmp_path: Path, env: dict[str, str], make_venv: MakeVenv,
        permpip: Permpip) -> None:
    py = make_venv()
    done = permpip("install", "--backend", backend, "--python", str(py), "-i", index.url,
                   "app", *switch, cwd=app, env=env | variables)
    assert done.returncode == 0, done.stdout + done.stderr
    assert installed(py) == {"app": "1.0", "markpkg": "1.0"}
    assert marker.exists()  # the sdist was built, into the throwaway cache
    assert _files(tmp_path / "xdg") == []
    assert _leftovers(tmp_path / "tmp") == []


def test_without_the_switch_the_cache_is_kept(index: SubIndex, app: Path, tmp_path: Path,
                                              env: dict[str, str], make_venv: MakeVenv,
                                              permpip: Permpip) -> None:
    """The control: the same install keeps its files, scans and built wheel."""
    py = make_venv()
    done = permpip("install", "--python", str(py), "-i", index.url, "app", cwd=app, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    kept = {Path(p).parts[0:2] for p in _files(tmp_path / "xdg")}
    assert {("permpip", "files"), ("permpip", "scans"), ("permpip", "builds")} <= kept
    assert _leftovers(tmp_path / "tmp") == []


def test_refusal_and_error_leave_no_file(index: SubIndex, tmp_path: Path, marker: Path,
                                         env: dict[str, str], make_venv: MakeVenv,
                                         permpip: Permpip) -> None:
    publish_markpkg(index, tmp_path / "dist", marker)
    index.publish(build_sdist(tmp_path / "dist", "failpkg", "1.0", {
        "pyproject.toml": PYPROJECT.replace("markpkg", "failpkg"),
        "backend.py": "def build_wheel(*args, **kwargs):\n    raise SystemExit('no wheel')\n"}))
    project = tmp_path / "project"
    write_policy(project, {"failpkg": GRANT})
    py = make_venv()
    refused = permpip("install", "--python", str(py), "-i", index.url, "markpkg",
                      "--no-cache-dir", cwd=project, env=env)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert refused.stdout.splitlines()[-1] == "nothing installed"
    failed = permpip("install", "--python", str(py), "-i", index.url, "failpkg", cwd=project,
                     env=env | {"PIP_NO_CACHE_DIR": "1"})
    assert failed.returncode == 3, failed.stdout + failed.stderr
    assert "error: building failpkg-1.0.tar.gz failed" in failed.stderr.splitlines()
    assert not marker.exists()
    assert installed(py) == {}
    assert _files(tmp_path / "xdg") == []
    assert _leftovers(tmp_path / "tmp") == []


SLOW_BACKEND = '''\
import time
with open({marker!r}, "a") as f:
    f.write("building\\n")
time.sleep(120)
'''


def test_ctrl_c_while_building_leaves_no_file(index: SubIndex, tmp_path: Path, marker: Path,
                                              env: dict[str, str], make_venv: MakeVenv) -> None:
    """Ctrl-C (SIGINT to the whole process group, as a terminal sends it) during the build."""
    index.publish(build_sdist(tmp_path / "dist", "slowpkg", "1.0", {
        "pyproject.toml": PYPROJECT.replace("markpkg", "slowpkg"),
        "backend.py": SLOW_BACKEND.format(marker=str(marker))}))
    project = tmp_path / "project"
    write_policy(project, {"slowpkg": GRANT})
    py = make_venv()
    proc = subprocess.Popen(  # noqa: S603 - a test's own argv
        [sys.executable, "-m", "gate", "install", "--python", str(py), "-i", index.url,
         "slowpkg", "--no-cache-dir"], cwd=project, env=env | {"PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        # as a terminal's foreground job has it: a pytest started in the background by a
        # non-interactive shell ignores SIGINT, and every child would inherit that
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # noqa: PLW1509
    try:
        deadline = time.monotonic() + 240
        while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert marker.exists(), proc.communicate(timeout=60)
        assert _files(tmp_path / "xdg") == []  # no cache while the run goes on either
        assert any(p.startswith("permpip-cache-") for p in _leftovers(tmp_path / "tmp"))
        os.killpg(proc.pid, signal.SIGINT)
        _out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert err.splitlines()[-1] == "error: interrupted; nothing was installed"
    assert installed(py) == {}
    assert _files(tmp_path / "xdg") == []
    assert _leftovers(tmp_path / "tmp") == []
