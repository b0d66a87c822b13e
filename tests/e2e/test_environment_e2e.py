"""The target environment end to end, with pip and with uv (see ``PLACE``): nothing
installed overwrites a file another distribution (or the environment itself) owns, shadows
are judged, a copy installed earlier from other bytes is replaced by the scanned bytes, a
failed install says exactly what it changed, and permpip does not install into its own
environment unasked."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from gate._subprocess import Completed, run
from tests.builders import build_wheel
from tests.conftest import installed, write_policy
from tests.index import SubIndex

pytestmark = pytest.mark.e2e

Permpip = Callable[..., Completed]
MakeVenv = Callable[..., Path]
BACKENDS = ["pip", "uv"]
# what is refused before the install step (``gate.run.Gate.place``: the wheels' layout against
# each other and the target) is judged on the resolved, scanned wheels whichever backend
# resolved them; uv's resolution reaching it is shown once (the overwritten file), every
# hazard with pip, and the install step itself with both
PLACE = ["pip"]


def _site(py: Path) -> Path:
    return next((py.parent.parent / "lib").glob("python3*/site-packages"))


def _install(permpip: Permpip, py: Path, index: SubIndex, project: Path, backend: str,
             *reqs: str) -> Completed:
    return permpip("install", "--backend", backend, "--python", str(py), "--index-url",
                   index.url, *reqs, "--no-cache", cwd=project)


@pytest.fixture
def victim_venv(index: SubIndex, tmp_path: Path, make_venv: MakeVenv,
                hermetic_env: dict[str, str]) -> tuple[Path, Path]:
    """A venv holding ``victim 1.0`` (a package and a console script), installed before
    permpip runs, by plain pip (what permpip's own install of it does is tested elsewhere)."""
    wheel = build_wheel(tmp_path / "dist", "victim", "1.0", {"victim/__init__.py": "X = 1\n"},
                        entry_points={"console_scripts": {"victim": "victim:main"}})
    index.publish(wheel)
    project = tmp_path / "project"
    write_policy(project, {})
    py = make_venv()
    done = run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-index",
                "--no-deps", "--no-cache-dir", str(wheel)], env=hermetic_env)
    assert done.returncode == 0, done.stderr
    assert installed(py) == {"victim": "1.0"}
    return py, project


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_file_of_another_distribution_is_not_overwritten(
        backend: str, index: SubIndex, tmp_path: Path, victim_venv: tuple[Path, Path],
        permpip: Permpip) -> None:
    py, project = victim_venv
    index.publish(build_wheel(tmp_path / "dist", "evil", "1.0",
                              {"victim/__init__.py": "X = 2\n", "evil/__init__.py": ""}))
    done = _install(permpip, py, index, project, backend, "evil==1.0")
    assert done.returncode == 3, done.stderr
    target = _site(py) / "victim" / "__init__.py"
    assert done.stderr.splitlines()[-1] == (
        f"error: evil-1.0-py3-none-any.whl: 'victim/__init__.py' would overwrite {target}, "
        "a file of victim 1.0")
    assert installed(py) == {"victim": "1.0"}
    assert target.read_text() == "X = 1\n"


@pytest.mark.parametrize("backend", PLACE)
def test_a_console_script_of_another_distribution_is_not_overwritten(
        backend: str, index: SubIndex, tmp_path: Path, victim_venv: tuple[Path, Path],
        permpip: Permpip) -> None:
    py, project = victim_venv
    index.publish(build_wheel(tmp_path / "dist", "evil", "1.0", {"evil/__init__.py": ""},
                              entry_points={"console_scripts": {"victim": "evil:main"}}))
    done = _install(permpip, py, index, project, backend, "evil==1.0")
    assert done.returncode == 3, done.stderr
    assert done.stderr.splitlines()[-1] == (
        f"error: evil-1.0-py3-none-any.whl: 'entry point victim' would overwrite "
        f"{py.parent / 'victim'}, a file of victim 1.0")
    assert installed(py) == {"victim": "1.0"}
    assert "victim" in (py.parent / "victim").read_text()


@pytest.mark.parametrize("backend", PLACE)
def test_a_file_of_the_environment_is_not_overwritten(
        backend: str, index: SubIndex, tmp_path: Path, make_venv: MakeVenv,
        permpip: Permpip) -> None:
    """``bin/activate`` and ``bin/python`` belong to no distribution: still not replaced."""
    index.publish(build_wheel(tmp_path / "dist", "evil", "1.0", {"evil/__init__.py": ""},
                              entry_points={"console_scripts": {"activate": "evil:main"}}))
    project = tmp_path / "project"
    write_policy(project, {})
    py = make_venv()
    activate = py.parent / "activate"
    before = activate.read_bytes()
    done = _install(permpip, py, index, project, backend, "evil==1.0")
    assert done.returncode == 3, done.stderr
    assert done.stderr.splitlines()[-1] == (
        f"error: evil-1.0-py3-none-any.whl: 'entry point activate' would overwrite "
        f"{activate}, a file of the environment that no installed distribution owns")
    assert activate.read_bytes() == before
    assert installed(py) == {}


@pytest.mark.parametrize("backend", PLACE)
def test_installing_into_another_package_needs_startup_hooks(
        backend: str, index: SubIndex, tmp_path: Path, victim_venv: tuple[Path, Path],
        permpip: Permpip) -> None:
    py, project = victim_venv
    index.publish(build_wheel(tmp_path / "dist", "evil", "1.0",
                              {"victim/extra.py": "", "evil/__init__.py": ""}))
    done = _install(permpip, py, index, project, backend, "evil==1.0")
    assert done.returncode == 1, done.stderr
    assert "  startup-hooks (startup) not granted:" in done.stdout
    assert ("    victim/extra.py installs into 'victim', the package of victim 1.0 "
            "(installed)") in done.stdout
    assert done.stdout.splitlines()[-1] == "nothing installed"
    assert not (_site(py) / "victim" / "extra.py").exists()
    assert installed(py) == {"victim": "1.0"}


@pytest.mark.parametrize("backend", PLACE)
def test_a_module_a_pth_file_imports_needs_startup_hooks(
        backend: str, index: SubIndex, tmp_path: Path, make_venv: MakeVenv,
        permpip: Permpip) -> None:
    """virtualenv's ``_virtualenv.pth`` imports ``_virtualenv`` at every start: a package
    that provides such a module runs at every start."""
    py = make_venv()
    (_site(py) / "_hooked.pth").write_text("import _hooked\n")
    index.publish(build_wheel(tmp_path / "dist", "evil", "1.0", {"_hooked.py": "X = 1\n"}))
    project = tmp_path / "project"
    write_policy(project, {})
    done = _install(permpip, py, index, project, backend, "evil==1.0")
    assert done.returncode == 1, done.stderr
    assert (f"    _hooked.py provides '_hooked', which {_site(py) / '_hooked.pth'} imports "
            "at every interpreter start") in done.stdout
    assert not (_site(py) / "_hooked.py").exists()


@pytest.mark.parametrize("backend", PLACE)
def test_two_wheels_of_one_set_installing_the_same_file_are_refused(
        backend: str, index: SubIndex, tmp_path: Path, make_venv: MakeVenv,
        permpip: Permpip) -> None:
    index.publish(build_wheel(tmp_path / "dist", "aaa", "1.0", {"shared/__init__.py": "A"}))
    index.publish(build_wheel(tmp_path / "dist", "bbb", "1.0", {"shared/__init__.py": "B"}))
    project = tmp_path / "project"
    write_policy(project, {})
    py = make_venv()
    done = _install(permpip, py, index, project, backend, "aaa==1.0", "bbb==1.0")
    assert done.returncode == 3, done.stderr
    assert done.stderr.splitlines()[-1] == (
        f"error: bbb-1.0-py3-none-any.whl: 'shared/__init__.py' and "
        f"aaa-1.0-py3-none-any.whl: 'shared/__init__.py' both install "
        f"{_site(py) / 'shared' / '__init__.py'}")
    assert installed(py) == {}


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_installed_copy_from_other_bytes_is_replaced_by_the_scanned_bytes(
        backend: str, index: SubIndex, tmp_path: Path, make_venv: MakeVenv,
        permpip: Permpip, hermetic_env: dict[str, str]) -> None:
    """pip and uv call a distribution at the pinned version "already satisfied"; permpip
    checks its files against the scanned wheel and reinstalls it from the verified file.
    (A lockfile's packages are all in the set; unpinned input keeps what is installed, as
    pip does: docs/upgrades.md.)"""
    index.publish(build_wheel(tmp_path / "dist", "lib", "1.0", {"lib/__init__.py": "OK\n"}))
    project = tmp_path / "project"
    write_policy(project, {})
    py = make_venv()
    assert _install(permpip, py, index, project, backend, "lib==1.0").returncode == 0
    module = _site(py) / "lib" / "__init__.py"
    module.write_text("import os; os.system('touch /tmp/pwned')\n")
    lock = project / "requirements.txt"
    lock.write_text(f"lib==1.0 --hash=sha256:{index.sha256('lib-1.0-py3-none-any.whl')}\n")
    done = _install(permpip, py, index, project, backend, "-r", str(lock))
    assert done.returncode == 0, done.stderr
    assert module.read_text() == "OK\n"
    assert installed(py) == {"lib": "1.0"}


def test_permpip_does_not_install_into_its_own_environment_unasked(
        index: SubIndex, tmp_path: Path, permpip: Permpip) -> None:
    index.publish(build_wheel(tmp_path / "dist", "lib", "1.0", {"lib/__init__.py": ""}))
    project = tmp_path / "project"
    write_policy(project, {})
    done = permpip("install", "--index-url", index.url, "lib==1.0", "--no-cache",
                   cwd=project)
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines()[-2] == (
        "error: permpip installs into the environment it runs in only when --python names it")
    assert done.stderr.splitlines()[-1].startswith(
        "hint: install into your application's environment: permpip install --python ")
    assert "lib" not in installed(Path(sys.executable))


def test_an_activated_virtualenv_is_the_target(
        index: SubIndex, tmp_path: Path, make_venv: MakeVenv, permpip: Permpip,
        hermetic_env: dict[str, str]) -> None:
    index.publish(build_wheel(tmp_path / "dist", "lib", "1.0", {"lib/__init__.py": ""}))
    project = tmp_path / "project"
    write_policy(project, {})
    py = make_venv()
    env = {**hermetic_env, "VIRTUAL_ENV": str(py.parent.parent)}
    done = permpip("install", "--index-url", index.url, "lib==1.0", "--no-cache",
                   cwd=project, env=env)
    assert done.returncode == 0, done.stderr
    assert installed(py) == {"lib": "1.0"}


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_failed_install_says_exactly_what_it_changed(
        backend: str, index: SubIndex, tmp_path: Path, make_venv: MakeVenv,
        permpip: Permpip) -> None:
    """The second package cannot be written (a plain file stands where its directory goes):
    the first is installed by then, and the error says so instead of "nothing installed"."""
    index.publish(build_wheel(tmp_path / "dist", "aaa", "1.0", {"aaa/__init__.py": ""}))
    index.publish(build_wheel(tmp_path / "dist", "zzz", "1.0", {"zzz/__init__.py": ""},
                              requires=["aaa==1.0"]))
    project = tmp_path / "project"
    write_policy(project, {})
    py = make_venv()
    (_site(py) / "zzz").write_text("in the way\n")
    done = _install(permpip, py, index, project, backend, "zzz==1.0")
    assert done.returncode == 3, done.stderr
    last = done.stderr.splitlines()[-1]
    assert last.startswith(f"error: {backend} install failed: "), last
    if "aaa" in installed(py):
        assert last.endswith("; this run changed: aaa 1.0 (installed)"), last
    else:
        assert last.endswith("; nothing was installed"), last
    assert "nothing installed" not in done.stdout or "aaa" not in installed(py)


def test_pip_settings_in_the_environment_reach_the_install_step_only_through_permpip(
        index: SubIndex, tmp_path: Path, make_venv: MakeVenv, permpip: Permpip,
        hermetic_env: dict[str, str]) -> None:
    """``PIP_REQUIREMENT`` is read once (by permpip, for resolution): the install step runs
    ``--isolated`` and does not read it again; ``PIP_DRY_RUN`` makes permpip's own run a
    dry run, so it does not claim an install that did not happen."""
    index.publish(build_wheel(tmp_path / "dist", "lib", "1.0", {"lib/__init__.py": ""}))
    index.publish(build_wheel(tmp_path / "dist", "app", "1.0", {"app/__init__.py": ""}))
    project = tmp_path / "project"
    write_policy(project, {})
    py = make_venv()
    listed = tmp_path / "listed.txt"
    listed.write_text("lib==1.0\n")
    args = ("install", "--python", str(py), "--index-url", index.url, "app", "--no-cache")
    dry = permpip(*args, cwd=project, env={**hermetic_env, "PIP_REQUIREMENT": str(listed),
                                           "PIP_DRY_RUN": "1"})
    assert dry.returncode == 0, dry.stderr
    assert "Would install app-1.0 lib-1.0" in dry.stdout
    assert installed(py) == {}
    done = permpip(*args, cwd=project, env={**hermetic_env, "PIP_REQUIREMENT": str(listed)})
    assert done.returncode == 0, done.stderr
    assert installed(py) == {"app": "1.0", "lib": "1.0"}
