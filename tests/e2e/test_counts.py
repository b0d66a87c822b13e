"""Every count ``permpip install`` prints agrees with what happened (issue #12).

``resolving: N packages`` (and the installed ones kept), ``fetching: N files verified (the
exact bytes)``, ``scanning: N artifacts`` (scanned now, or from the cache), the summary's
"N packages scanned", its rows and the verdict's "allowed: N packages", ``installing: N
packages``: compared with pip's own "Successfully installed", uv's "Installed N packages"
and the venv's contents (real pip, real uv, the local index).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from gate._subprocess import Completed
from gate._subprocess import run as run_process
from gate.report.progress import human_bytes
from tests.builders import build_sdist, build_wheel
from tests.conftest import installed, write_policy
from tests.e2e.test_sdist import BACKEND, GRANT
from tests.index import SubIndex

Permpip = Callable[..., Completed]
KEPT = "already satisfied (scanned; the installed copy stays if it is these bytes)"


def stage(done: Completed, name: str) -> str:
    found = [ln for ln in done.stderr.splitlines() if ln.startswith(f"{name}: ")]
    assert len(found) == 1, done.stderr
    return found[0].removeprefix(f"{name}: ")


def rows(stdout: str) -> list[str]:
    """The summary table's rows: the lines after its head, up to the blank line."""
    lines = stdout.splitlines()
    head = next(i for i, ln in enumerate(lines) if ln.endswith("capabilities by package:"))
    out = []
    for ln in lines[head + 1:]:
        if not ln.startswith("  "):
            break
        out.append(ln.split()[0] + " " + ln.split()[1])
    return out


def said_installed(backend: str, stdout: str) -> int:
    """How many packages pip ("Successfully installed a-1 b-2") or uv ("Installed 2
    packages") says it installed; 0 when it says nothing of the kind."""
    if backend == "pip":
        found = [ln for ln in stdout.splitlines() if ln.startswith("Successfully installed ")]
        return sum(len(ln.split()) - 2 for ln in found)
    return sum(int(n) for n in re.findall(r"^Installed (\d+) packages?", stdout, re.MULTILINE))


@pytest.mark.parametrize("backend", ["pip", "uv"])
def test_counts_agree_with_the_installer_and_the_venv(
        backend: str, index: SubIndex, tmp_path: Path, make_venv: Callable[..., Path],
        hermetic_env: dict[str, str], permpip: Permpip) -> None:
    dist = tmp_path / "dist"
    wheels = [build_wheel(dist, "app", "1.0", {"app/__init__.py": ""}, requires=["dep"]),
              build_wheel(dist, "dep", "1.0", {"dep/__init__.py": "X = 1\n" * 2000}),
              build_wheel(dist, "lib", "1.0", {"lib/__init__.py": "Y = 2\n" * 3000})]
    for w in wheels:
        index.publish(w)
    project = tmp_path / "project"
    write_policy(project, {})
    cache = str(tmp_path / "cache")
    args = ("install", "--backend", backend, "--index-url", index.url, "--cache-dir", cache,
            "app", "lib")

    py = make_venv("first")
    done = permpip(*args, "--python", str(py), cwd=project)
    assert done.returncode == 0, done.stderr
    assert installed(py) == {"app": "1.0", "dep": "1.0", "lib": "1.0"}
    assert stage(done, "resolving") == "3 packages"
    size = sum(w.stat().st_size for w in wheels)
    assert stage(done, "fetching") == f"3 files verified ({human_bytes(size)})"
    assert stage(done, "scanning") == "3 artifacts"
    assert stage(done, "installing") == "3 packages"
    assert said_installed(backend, done.stdout) == 3
    assert "3 packages scanned; capabilities by package:" in done.stdout
    assert rows(done.stdout) == ["app 1.0", "dep 1.0", "lib 1.0"]
    assert "allowed: 3 packages within the policy" in done.stdout

    # another venv holding dep already; the scans of the first run are in the cache
    py2 = make_venv("second")
    done = run_process([sys.executable, "-m", "pip", "--python", str(py2), "install",
                        "--no-cache-dir", "--index-url", index.url, "dep==1.0"],
                       env=hermetic_env)
    assert done.returncode == 0, done.stderr
    done = permpip(*args, "--python", str(py2), cwd=project)
    assert done.returncode == 0, done.stderr
    assert installed(py2) == {"app": "1.0", "dep": "1.0", "lib": "1.0"}
    assert stage(done, "resolving") == f"3 packages; 1 {KEPT}"
    assert stage(done, "scanning") == "3 artifacts (0 scanned now, 3 from the cache)"
    assert stage(done, "installing") == "2 packages, 1 installed at that version already"
    assert said_installed(backend, done.stdout) == 2
    assert rows(done.stdout) == ["app 1.0", "dep 1.0", "lib 1.0"]
    assert "allowed: 3 packages within the policy" in done.stdout


def test_a_lockfile_counts_only_what_changes(
        index: SubIndex, tmp_path: Path, make_venv: Callable[..., Path],
        hermetic_env: dict[str, str], permpip: Permpip) -> None:
    dist = tmp_path / "dist"
    for name in ("aaa", "bbb", "ccc"):
        index.publish(build_wheel(dist, name, "1.0", {f"{name}/__init__.py": ""}))
    project = tmp_path / "project"
    write_policy(project, {})
    (project / "requirements.txt").write_text("".join(
        f"{n}==1.0 --hash=sha256:{index.sha256(f'{n}-1.0-py3-none-any.whl')}\n"
        for n in ("aaa", "bbb", "ccc")))
    py = make_venv()
    first = permpip("install", "--python", str(py), "--index-url", index.url, "--no-cache",
                    "aaa==1.0", cwd=project)
    assert first.returncode == 0, first.stderr
    done = permpip("install", "--python", str(py), "--index-url", index.url, "--no-cache",
                   "-r", "requirements.txt", cwd=project)
    assert done.returncode == 0, done.stderr
    assert installed(py) == {"aaa": "1.0", "bbb": "1.0", "ccc": "1.0"}
    assert stage(done, "scanning") == "3 artifacts"
    assert rows(done.stdout) == ["aaa 1.0", "bbb 1.0", "ccc 1.0"]
    assert "allowed: 3 packages within the policy" in done.stdout
    assert stage(done, "installing") == "2 packages, 1 installed at that version already"
    assert "Successfully installed bbb-1.0 ccc-1.0\n" in done.stdout


PYPROJECT = """\
[build-system]
requires = ["helper"]
build-backend = "backend"
backend-path = ["."]

[project]
name = "markpkg"
version = "1.0"
"""


def test_a_build_requirement_in_the_set_is_one_package(
        index: SubIndex, tmp_path: Path, make_venv: Callable[..., Path], marker: Path,
        permpip: Permpip) -> None:
    """helper is a dependency of app and the build requirement of markpkg's sdist: one row,
    one package of the verdict, its findings from both roles judged together."""
    dist = tmp_path / "dist"
    index.publish(build_sdist(dist, "markpkg", "1.0", {
        "pyproject.toml": PYPROJECT, "backend.py": BACKEND.format(marker=str(marker))}))
    index.publish(build_wheel(dist, "helper", "1.0", {"helper/__init__.py": ""}))
    index.publish(build_wheel(dist, "app", "1.0", {"app/__init__.py": ""},
                              requires=["markpkg", "helper"]))
    project = tmp_path / "project"
    write_policy(project, {"markpkg": GRANT, "helper": ["install-hooks"]})
    py = make_venv()
    done = permpip("install", "--python", str(py), "--index-url", index.url, "--no-cache",
                   "app", cwd=project)
    assert done.returncode == 0, (done.stdout, done.stderr)
    assert installed(py) == {"app": "1.0", "helper": "1.0", "markpkg": "1.0"}
    assert rows(done.stdout) == ["app 1.0", "helper 1.0", "markpkg 1.0", "markpkg 1.0"]
    assert "  markpkg 1.0 (sdist)" in done.stdout
    assert "4 packages scanned; capabilities by package:" in done.stdout
    assert "allowed: 4 packages within the policy" in done.stdout
    assert stage(done, "installing") == "3 packages"
    assert said_installed("pip", done.stdout) == 3
    assert "stale grant: helper" not in done.stdout  # its install-hooks grant is used
