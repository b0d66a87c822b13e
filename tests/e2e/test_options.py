"""permpip's own options and the pip options it passes on, each end to end.

Real pip (and uv where it matters) against the local index, into fresh venvs; every test
asserts what is installed afterwards, not only the exit code.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from gate._subprocess import Completed
from tests.builders import build_sdist, build_wheel
from tests.conftest import installed, write_policy
from tests.e2e.test_sdist import BACKEND, PYPROJECT
from tests.index import SubIndex

pytestmark = pytest.mark.e2e

Permpip = Callable[..., Completed]
MakeVenv = Callable[..., Path]

SO = "netlib/_speedups.abi3.so"
ALL = {"app": "1.0", "netlib": "1.2", "helper": "0.1"}


def _publish_app(index: SubIndex, dist: Path) -> None:
    """app 1.0 -> netlib (native code) and helper (pure)."""
    index.publish(build_wheel(dist, "app", "1.0", {"app/__init__.py": "X = 1\n"},
                              requires=["netlib>=1", "helper"]))
    index.publish(build_wheel(dist, "netlib", "1.2", {"netlib/__init__.py": "", SO: b"\x7fELF"}))
    index.publish(build_wheel(dist, "helper", "0.1", {"helper/__init__.py": "Y = 2\n"}))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return tmp_path / "project"


# -- --strict --------------------------------------------------------------------------------

STALE = ("stale grant: helper is granted network but does not use it "
         "(pyproject.toml:6); revoke with: permpip policy revoke helper network")


def test_strict_refuses_a_stale_grant(index: SubIndex, tmp_path: Path, project: Path,
                                      make_venv: MakeVenv, permpip: Permpip) -> None:
    _publish_app(index, tmp_path / "dist")
    write_policy(project, {"netlib": ["native"], "helper": ["network"]})
    py = make_venv()
    args = ("--python", str(py), "--index-url", index.url, "app", "--no-cache")
    strict = permpip("install", "--strict", *args, cwd=project)
    assert strict.returncode == 1, strict.stderr
    assert ("refused: the policy has problems --strict does not accept "
            "(policy: pyproject.toml)") in strict.stdout
    assert f"error: {STALE}" in strict.stdout
    assert installed(py) == {}
    (project / "requirements.txt").write_text("app\n")
    check = permpip("check", "--strict", "--index-url", index.url, "--no-cache", cwd=project)
    assert check.returncode == 1, check.stderr
    assert f"error: {STALE}" in check.stdout
    # without --strict the same grant is a warning and the install goes ahead
    loose = permpip("install", *args, cwd=project)
    assert loose.returncode == 0, loose.stderr
    assert f"warning: {STALE}" in loose.stdout
    assert installed(py) == ALL


def test_strict_refuses_unanalyzed_code(index: SubIndex, tmp_path: Path, project: Path,
                                        make_venv: MakeVenv, permpip: Permpip) -> None:
    pyc = b"\xa7\r\r\n" + b"\0" * 12 + b"\xe3junk"  # bytecode without its source
    index.publish(build_wheel(tmp_path / "dist", "pycpkg", "1.0",
                              {"pycpkg/__init__.py": "", "pycpkg/core.pyc": pyc}))
    write_policy(project, {})
    py = make_venv()
    args = ("--python", str(py), "--index-url", index.url, "pycpkg", "--no-cache")
    strict = permpip("install", *args, "--strict", cwd=project)
    assert strict.returncode == 1, strict.stderr
    assert strict.stdout.splitlines()[-7:] == [
        "refused: 1 of 1 package use capabilities the policy does not grant "
        "(policy: pyproject.toml)",
        "",
        "pycpkg 1.0 (pycpkg-1.0-py3-none-any.whl)",
        "  unanalyzed (import) not granted:",
        "    pycpkg/core.pyc:0 compiled bytecode pycpkg/core.pyc may run instead of any source",
        "  fix: permpip policy allow pycpkg unanalyzed",
        '   or: pycpkg = ["unanalyzed"]',
    ]
    assert installed(py) == {}
    loose = permpip("install", *args, cwd=project)
    assert loose.returncode == 0, loose.stderr
    assert ("warning: pycpkg 1.0: 1 place could not be analysed and may use any capability "
            "(pycpkg/core.pyc:0 compiled bytecode pycpkg/core.pyc may run instead of any "
            "source); grant 'unanalyzed' to accept, or --strict to refuse") in loose.stdout
    assert installed(py) == {"pycpkg": "1.0"}


def test_strict_build_approval_judges_the_sdist_alone(
    index: SubIndex, tmp_path: Path, project: Path, make_venv: MakeVenv, permpip: Permpip,
) -> None:
    """The sdist is approved before the rest is resolved: netlib's grant is not stale then."""
    dist = tmp_path / "dist"
    _publish_app(index, dist)
    marker = tmp_path / "MARKER"
    index.publish(build_sdist(dist, "markpkg", "1.0", {
        "pyproject.toml": PYPROJECT, "backend.py": BACKEND.format(marker=str(marker))}))
    write_policy(project, {"netlib": ["native"],
                           "markpkg": ["install-hooks", "fs-read", "fs-write"]})
    py = make_venv()
    done = permpip("install", "--strict", "--python", str(py), "--index-url", index.url,
                   "app", "markpkg", "--no-cache", cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "warning" not in done.stdout and "error" not in done.stdout
    assert installed(py) == {**ALL, "markpkg": "1.0"}
    assert marker.exists()
