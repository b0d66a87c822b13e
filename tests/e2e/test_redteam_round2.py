"""Red-team round 2: hostile wheels granted nothing (``default = []``) that still get code
to run, or take over what another distribution or the venv runs, after ``permpip install``
into a fresh venv with pip and with uv.

Every test asserts the SECURE behaviour (permpip refuses, nothing installed / nothing
replaced); a test that fails is a bypass that works today."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from gate._subprocess import Completed
from tests.builders import build_wheel
from tests.e2e.pyenv import gate_install as _gate
from tests.e2e.pyenv import make_venv as _venv
from tests.e2e.pyenv import refused as _refused
from tests.e2e.pyenv import site_packages as _site
from tests.index import SubIndex

pytestmark = pytest.mark.e2e

Permpip = Callable[..., Completed]
BACKENDS = ["pip", "uv"]


def _user_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PIP_"))}


def _run(*argv: str | Path) -> subprocess.CompletedProcess[str]:
    """Run a command as a user would (no PYTHON* settings)."""
    return subprocess.run([str(a) for a in argv], env=_user_env(), capture_output=True,
                          text=True, timeout=60, check=False)


def _victim(index: SubIndex, tmp_path: Path) -> None:
    """``victim 1.0``: a package and its console script ``victim-cli``."""
    index.publish(build_wheel(tmp_path / "dist", "victim", "1.0", {
        "victim/__init__.py": "def main():\n    import json\n    print('victim ran')\n"},
        entry_points={"console_scripts": {"victim-cli": "victim:main"}}))


# -- 1. a console entry point named like a module -------------------------------------------

@pytest.mark.parametrize("script", ["json.py", "victim.py"])
@pytest.mark.parametrize("backend", BACKENDS)
def test_console_entry_point_named_like_a_module_shadows_it_for_every_script(
        backend: str, script: str, index: SubIndex, tmp_path: Path, permpip: Permpip,
        hermetic_env: dict[str, str]) -> None:
    """The scripts directory is sys.path[0] of every script run from it. A *file*
    ``<scripts>/json.py`` is a ``startup-hooks`` stdlib shadow (gate.scan.wheel.
    _scan_script), but a console ENTRY POINT named ``json.py`` or ``victim.py`` (a plain
    file name to gate.layout.entry_points) is only checked against common command names:
    the wrapper pip and uv generate there is imported as ``json`` (stdlib, which victim
    imports) or ``victim`` (the package ``victim-cli`` imports) by another distribution's
    command, and it imports evilpkg: evilpkg's code runs inside ``victim-cli``."""
    _victim(index, tmp_path)
    index.publish(build_wheel(tmp_path / "dist", "evilpkg", "1.0", {
        "evilpkg/__init__.py": "print('OWNED: evilpkg runs inside victim-cli')\n"
                               "def main():\n    pass\n"},
        entry_points={"console_scripts": {script: "evilpkg:main"}}))
    py = _venv(tmp_path, hermetic_env)
    assert _gate(permpip, index, tmp_path, py, backend, "victim==1.0").returncode == 0
    done = _gate(permpip, index, tmp_path, py, backend, "evilpkg==1.0")
    ran = _run(py.parent / "victim-cli")
    assert "OWNED" not in ran.stdout, f"evilpkg's wrapper {script} ran inside victim-cli"
    _refused(done, py, {"victim": "1.0"})
    assert not (py.parent / script).exists()


# -- 2. a script named like another distribution's package ------------------------------------

@pytest.mark.parametrize("backend", BACKENDS)
def test_script_named_like_an_installed_package_shadows_it_for_its_commands(
        backend: str, index: SubIndex, tmp_path: Path, permpip: Permpip,
        hermetic_env: dict[str, str]) -> None:
    """``<scripts>/victim.py`` (a ``#!python`` script, scanned, no capability): sys.path[0]
    of ``victim-cli`` is the scripts directory, so its ``from victim import main`` imports
    evilpkg's file instead of victim's package. In site-packages that is a ``startup-hooks``
    shadow ("provides 'victim', a module of victim 1.0 (installed)"); in the scripts
    directory only stdlib and WELL_KNOWN names are checked."""
    _victim(index, tmp_path)
    index.publish(build_wheel(tmp_path / "dist", "evilpkg", "1.0", {
        "evilpkg/__init__.py": "",
        "evilpkg-1.0.data/scripts/victim.py":
            "#!python\nprint('OWNED: evilpkg took over victim')\n"
            "def main():\n    pass\n"}))
    py = _venv(tmp_path, hermetic_env)
    assert _gate(permpip, index, tmp_path, py, backend, "victim==1.0").returncode == 0
    done = _gate(permpip, index, tmp_path, py, backend, "evilpkg==1.0")
    ran = _run(py.parent / "victim-cli")
    assert "OWNED" not in ran.stdout, "victim-cli imported evilpkg's victim.py"
    _refused(done, py, {"victim": "1.0"})


# -- 3. already satisfied: a file its RECORD does not list -----------------------------------

@pytest.mark.parametrize("backend", BACKENDS)
def test_already_satisfied_copy_with_an_unrecorded_package_over_a_module(
        backend: str, index: SubIndex, tmp_path: Path, permpip: Permpip,
        hermetic_env: dict[str, str]) -> None:
    """docs/security.md: "The target holds exactly the scanned bytes". The comparison
    (environment._same_bytes) covers the wheel's files and the files the installed RECORD
    lists, nothing else. A directory ``lib/impl/`` with an ``__init__.py`` that no RECORD
    lists, planted beside ``lib/impl.py``, wins the import (FileFinder tries the package
    before the module): permpip calls the copy the scanned bytes, pip/uv say "already
    satisfied", and the planted code runs at ``import lib``."""
    index.publish(build_wheel(tmp_path / "dist", "lib", "1.0", {
        "lib/__init__.py": "from lib.impl import X\n", "lib/impl.py": "X = 1\n"}))
    py = _venv(tmp_path, hermetic_env)
    assert _gate(permpip, index, tmp_path, py, backend, "lib==1.0").returncode == 0
    planted = _site(py) / "lib" / "impl" / "__init__.py"
    planted.parent.mkdir()
    planted.write_text("print('OWNED: planted package')\nX = 1\n")
    assert "OWNED" in _run(py, "-c", "import lib").stdout  # the planted state
    done = _gate(permpip, index, tmp_path, py, backend, "lib==1.0")
    # permpip does not delete a file it cannot account for: it refuses, naming it (the
    # environment was changed before this run; nothing of this run is installed over it)
    assert done.returncode == 3, done.stderr
    assert done.stderr.splitlines()[-1] == (
        f"error: lib-1.0-py3-none-any.whl: {planted} is in a directory it installs into, and "
        "no installed distribution owns it (remove it, or install into a fresh environment)")


# -- 4. already satisfied: the console scripts are not compared ------------------------------

@pytest.mark.parametrize("backend", BACKENDS)
def test_already_satisfied_copy_with_a_changed_console_script_is_kept(
        backend: str, index: SubIndex, tmp_path: Path, permpip: Permpip,
        hermetic_env: dict[str, str]) -> None:
    """environment.member_hashes covers the wheel's members only; the wrapper scripts of
    its console entry points (listed in RECORD, so not "extra" either) are never compared.
    An installed ``victim 1.0`` whose ``bin/victim-cli`` runs other code is "the scanned
    bytes": pip and uv skip it as already satisfied and the changed command stays."""
    _victim(index, tmp_path)
    py = _venv(tmp_path, hermetic_env)
    assert _gate(permpip, index, tmp_path, py, backend, "victim==1.0").returncode == 0
    cli = py.parent / "victim-cli"
    first, _, rest = cli.read_text().partition("\n")
    cli.write_text(f"{first}\nprint('OWNED: changed console script')\n{rest}")
    assert "OWNED" in _run(cli).stdout  # the planted state
    done = _gate(permpip, index, tmp_path, py, backend, "victim==1.0")
    assert done.returncode in (0, 1, 3), done.stderr
    assert "OWNED" not in _run(cli).stdout, (
        "permpip kept a console script that is not what the scanned wheel generates")
