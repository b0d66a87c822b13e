"""Venvs of a given Python minor version from the machine's pyenv interpreters, for the
end-to-end tests that need a 3.12 or 3.13 target; a test skips, saying why, where the
interpreter is absent (pyenv itself may be absent: no error at collection)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest


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
