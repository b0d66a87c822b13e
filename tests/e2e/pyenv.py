"""Venvs of a given Python minor version from the machine's pyenv interpreters, for the
end-to-end tests that need a 3.12 or 3.13 target; a test skips, saying why, where the
interpreter is absent (pyenv itself may be absent: no error at collection); and the
install-and-refuse helpers the red-team rounds share."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from gate._subprocess import Completed
from tests.conftest import installed, write_policy
from tests.index import SubIndex


def _versions() -> Path:
    root = os.environ.get("PYENV_ROOT")
    if not root and shutil.which("pyenv"):
        root = subprocess.run(["pyenv", "root"], capture_output=True, text=True,
                              check=False).stdout.strip()
    return Path(root or Path.home() / ".pyenv") / "versions"


PYENV = _versions()


def interpreter(minor: str) -> Path:
    found = sorted(PYENV.glob(f"{minor}.*/bin/python{minor}"))
    if not found:
        pytest.skip(f"no Python {minor} under {PYENV}")
    return found[-1]


def make_venv(tmp_path: Path, env: dict[str, str], minor: str = "3.12",
              name: str = "venv") -> Path:
    root = tmp_path / name
    subprocess.run([str(interpreter(minor)), "-m", "venv", "--without-pip", str(root)],
                   env=env, check=True)
    return root / "bin" / "python"


def site_packages(py: Path) -> Path:
    return next((py.parent.parent / "lib").glob("python3*/site-packages"))


Permpip = Callable[..., Completed]


def gate_install(permpip: Permpip, index: SubIndex, tmp_path: Path, py: Path, backend: str,
                 *reqs: str) -> Completed:
    """``permpip install`` of ``reqs`` into ``py`` under an empty policy (the red-team rounds)."""
    project = tmp_path / "project"
    if not (project / "pyproject.toml").exists():
        write_policy(project, {})
    return permpip("install", "--backend", backend, "--python", str(py), "-i", index.url,
                   *reqs, "--no-cache", cwd=project)


def refused(done: Completed, py: Path, before: dict[str, str] | None = None) -> None:
    """The secure outcome: exit 1 (policy) or 3 (hostile layout), nothing installed."""
    assert done.returncode in (1, 3), (done.returncode, done.stdout[-2000:], done.stderr)
    assert installed(py) == (before or {})
