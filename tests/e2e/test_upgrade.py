"""``permpip install`` and what the target has installed already (issue #12).

Without ``-U`` a requirement the installed version satisfies stays as it is (not fetched,
scanned or reinstalled: "already satisfied", like pip), and so do its dependencies unless
the new set needs another version; ``-U`` upgrades as pip does (``--upgrade-strategy
only-if-needed`` by default, ``eager``) and as uv does (``--upgrade``: every package);
``--force-reinstall`` reinstalls; a hashed lockfile pins exactly. Each case is checked
against what real pip or uv says it would do on the same environment (``--dry-run``) and
against the venv's contents afterwards.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from gate._subprocess import Completed
from gate._subprocess import run as run_process
from gate.resolve.uv import uv_bin
from tests.builders import build_wheel
from tests.conftest import installed, write_policy
from tests.index import SubIndex

Permpip = Callable[..., Completed]
KEPT = "already satisfied (scanned; the installed copy stays if it is these bytes)"


def publish(index: SubIndex, dist: Path) -> None:
    """lib 1.0 and 1.1; dep 1.0 and 2.0; app 1.0 requiring dep>=1.0."""
    for v in ("1.0", "1.1"):
        index.publish(build_wheel(dist, "lib", v, {"lib/__init__.py": f"V = {v!r}\n"}))
    for v in ("1.0", "2.0"):
        index.publish(build_wheel(dist, "dep", v, {"dep/__init__.py": f"V = {v!r}\n"}))
    index.publish(build_wheel(dist, "app", "1.0", {"app/__init__.py": ""},
                              requires=["dep>=1.0"]))


def preinstall(py: Path, index: SubIndex, env: dict[str, str], *reqs: str) -> None:
    """Install ``reqs`` with plain pip: what was there before permpip ran."""
    done = run_process([sys.executable, "-m", "pip", "--python", str(py), "install",
                        "--no-cache-dir", "--index-url", index.url, *reqs], env=env)
    assert done.returncode == 0, done.stderr


def would_install(backend: str, py: Path, index: SubIndex, env: dict[str, str],
                  *args: str) -> set[str]:
    """``name==version`` of what real pip or uv says ``install ARGS`` would install."""
    if backend == "pip":
        done = run_process([sys.executable, "-m", "pip", "--python", str(py), "install",
                            "--dry-run", "--no-cache-dir", "--index-url", index.url, *args],
                           env=env)
        assert done.returncode == 0, done.stderr
        line = next((ln for ln in done.stdout.splitlines() if ln.startswith("Would install ")),
                    "Would install ")
        return {"==".join(item.rsplit("-", 1)) for item in line.split()[2:]}
    uv_args = ["--reinstall" if a == "--force-reinstall" else a for a in args]
    done = run_process([uv_bin(), "pip", "install", "--dry-run", "--python", str(py),
                        "--index-url", index.url, *uv_args], env=env)
    assert done.returncode == 0, done.stderr
    return set(re.findall(r"^ \+ (\S+==\S+)$", done.stderr, re.MULTILINE))


def gate(permpip: Permpip, project: Path, backend: str, py: Path, index: SubIndex,
         *args: str) -> Completed:
    done = permpip("install", "--backend", backend, "--python", str(py), "--index-url",
                   index.url, *args, cwd=project)
    assert done.returncode == 0, (done.stdout, done.stderr)
    return done


def stage(done: Completed, name: str) -> str:
    """The plain progress line of ``name`` on stderr (not a terminal)."""
    found = [ln for ln in done.stderr.splitlines() if ln.startswith(f"{name}: ")]
    assert len(found) == 1, done.stderr
    return found[0].removeprefix(f"{name}: ")


@pytest.mark.parametrize("backend", ["pip", "uv"])
def test_installed_version_stays_without_upgrade(
        backend: str, index: SubIndex, tmp_path: Path, make_venv: Callable[..., Path],
        hermetic_env: dict[str, str], permpip: Permpip) -> None:
    publish(index, tmp_path / "dist")
    project = tmp_path / "project"
    write_policy(project, {})
    py = make_venv()
    preinstall(py, index, hermetic_env, "lib==1.0")
    assert would_install(backend, py, index, hermetic_env, "lib") == set()

    done = gate(permpip, project, backend, py, index, "lib")
    assert installed(py) == {"lib": "1.0"}
    assert stage(done, "resolving") == f"1 package; 1 {KEPT}"
    # kept, yet fetched, scanned and compared: the installed copy is the scanned bytes
    assert stage(done, "installing") == "0 packages, 1 installed at that version already"
    assert "1 package scanned" in done.stdout and "lib 1.1" not in done.stdout

    # -U: what pip and uv would upgrade, permpip upgrades (fetched, scanned, installed)
    assert would_install(backend, py, index, hermetic_env, "-U", "lib") == {"lib==1.1"}
    up = gate(permpip, project, backend, py, index, "-U", "lib")
    assert installed(py) == {"lib": "1.1"}
    assert stage(up, "resolving") == "1 package"
    assert stage(up, "installing") == "1 package"
    assert "1 package scanned" in up.stdout and "  lib 1.1  -" in up.stdout
    assert KEPT not in up.stdout


@pytest.mark.parametrize("backend", ["pip", "uv"])
def test_dependencies_stay_unless_the_upgrade_strategy_says(
        backend: str, index: SubIndex, tmp_path: Path, make_venv: Callable[..., Path],
        hermetic_env: dict[str, str], permpip: Permpip) -> None:
    publish(index, tmp_path / "dist")
    project = tmp_path / "project"
    write_policy(project, {})
    py = make_venv()
    preinstall(py, index, hermetic_env, "dep==1.0")

    # pip -U: only-if-needed keeps dep 1.0; uv --upgrade upgrades every package
    expected = {"app==1.0"} if backend == "pip" else {"app==1.0", "dep==2.0"}
    assert would_install(backend, py, index, hermetic_env, "-U", "app") == expected
    done = gate(permpip, project, backend, py, index, "-U", "app")
    assert {f"{k}=={v}" for k, v in installed(py).items()} - {"dep==1.0"} >= expected - {
        "dep==1.0"}
    if backend == "pip":
        assert installed(py) == {"app": "1.0", "dep": "1.0"}
        assert stage(done, "resolving") == f"2 packages; 1 {KEPT}"
        # eager: the dependencies too; app is kept (installed at the newest version)
        assert would_install(backend, py, index, hermetic_env, "-U", "--upgrade-strategy",
                             "eager", "app") == {"dep==2.0"}
        eager = gate(permpip, project, backend, py, index, "-U", "--upgrade-strategy",
                     "eager", "app")
        assert installed(py) == {"app": "1.0", "dep": "2.0"}
        assert stage(eager, "installing") == "1 package, 1 installed at that version already"
        assert stage(eager, "resolving") == f"2 packages; 1 {KEPT}"
    else:
        assert installed(py) == {"app": "1.0", "dep": "2.0"}
        assert stage(done, "installing") == "2 packages"
        assert KEPT not in done.stdout


@pytest.mark.parametrize("backend", ["pip", "uv"])
def test_without_upgrade_an_installed_dependency_is_kept(
        backend: str, index: SubIndex, tmp_path: Path, make_venv: Callable[..., Path],
        hermetic_env: dict[str, str], permpip: Permpip) -> None:
    publish(index, tmp_path / "dist")
    project = tmp_path / "project"
    write_policy(project, {})
    py = make_venv()
    preinstall(py, index, hermetic_env, "dep==1.0")
    assert would_install(backend, py, index, hermetic_env, "app") == {"app==1.0"}
    done = gate(permpip, project, backend, py, index, "app")
    assert installed(py) == {"app": "1.0", "dep": "1.0"}
    assert stage(done, "resolving") == f"2 packages; 1 {KEPT}"
    assert stage(done, "scanning") == "2 artifacts"
    assert stage(done, "installing") == "1 package, 1 installed at that version already"
    assert "allowed: 2 packages within the policy" in done.stdout


@pytest.mark.parametrize("backend", ["pip", "uv"])
def test_force_reinstall_reinstalls_what_is_installed(
        backend: str, index: SubIndex, tmp_path: Path, make_venv: Callable[..., Path],
        hermetic_env: dict[str, str], permpip: Permpip) -> None:
    publish(index, tmp_path / "dist")
    project = tmp_path / "project"
    write_policy(project, {})
    py = make_venv()
    preinstall(py, index, hermetic_env, "app==1.0", "dep==1.0")
    expected = {"app==1.0", "dep==2.0"}  # the index's newest, whatever is installed
    assert would_install(backend, py, index, hermetic_env, "--force-reinstall",
                         "app") == expected
    done = gate(permpip, project, backend, py, index, "--force-reinstall", "app")
    assert installed(py) == {"app": "1.0", "dep": "2.0"}
    assert stage(done, "resolving") == "2 packages"
    assert stage(done, "installing") == "2 packages"
    assert KEPT not in done.stdout


@pytest.mark.parametrize("backend", ["pip", "uv"])
def test_a_hashed_lockfile_pins_exactly(
        backend: str, index: SubIndex, tmp_path: Path, make_venv: Callable[..., Path],
        hermetic_env: dict[str, str], permpip: Permpip) -> None:
    publish(index, tmp_path / "dist")
    project = tmp_path / "project"
    write_policy(project, {})
    py = make_venv()
    preinstall(py, index, hermetic_env, "lib==1.1", "dep==1.0")
    lock = project / "requirements.txt"
    lock.write_text("".join(
        f"{n}=={v} --hash=sha256:{index.sha256(f'{n}-{v}-py3-none-any.whl')}\n"
        for n, v in (("lib", "1.0"), ("dep", "1.0"))))
    done = gate(permpip, project, backend, py, index, "-r", "requirements.txt")
    assert installed(py) == {"lib": "1.0", "dep": "1.0"}  # the locked version, downgraded
    assert stage(done, "resolving") == "2 packages (from the lockfile)"
    assert stage(done, "scanning") == "2 artifacts"  # the lock's set is judged whole
    assert stage(done, "installing") == "1 package, 1 installed at that version already"
    assert KEPT not in done.stdout
