"""The placement cache (issue #15, gate/placement.py): a warm run of a hashed lock into a
target that holds none of the set's files takes ``Gate.place``'s findings from the cache;
anything that could change them changes the key (the installed state, the interpreter, the
scanner and placement code) or sends the run through the full check (a file of the set
already there). A policy edit needs no key: the verdict is evaluated again every run.

A record is shown to be used by planting a finding in it: the next run refuses on it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from gate._subprocess import Completed
from gate.environment import InstallPaths, read_raw
from gate.placement import code_version, key
from gate.resolve.target import current_target
from tests.builders import build_wheel
from tests.conftest import installed, write_policy
from tests.e2e import pyenv
from tests.index import SubIndex

pytestmark = pytest.mark.e2e

Permpip = Callable[..., Completed]
MakeVenv = Callable[..., Path]
PLANTED = "planted by the test"


@pytest.fixture
def locked(index: SubIndex, tmp_path: Path) -> Path:
    index.publish(build_wheel(tmp_path / "dist", "placelib", "1.0", {
        "placelib/__init__.py": "import os\nHOME = os.environ.get('HOME')\n"}))
    project = tmp_path / "project"
    write_policy(project, {"placelib": {"allow": ["env"], "at-import": ["env"]}})
    sha = index.sha256("placelib-1.0-py3-none-any.whl")
    (project / "requirements.txt").write_text(f"placelib==1.0 --hash=sha256:{sha}\n")
    return project


def _install(permpip: Permpip, index: SubIndex, project: Path, py: Path, cache: Path,
             backend: str = "uv", env: dict[str, str] | None = None) -> Completed:
    return permpip("install", "--backend", backend, "--python", str(py), "-i", index.url,
                   "--cache-dir", str(cache), "-r", "requirements.txt", cwd=project, env=env)


def _records(cache: Path) -> list[Path]:
    return sorted((cache / "permpip" / "placements").glob("*.json"))


def _plant(cache: Path) -> None:
    """Add a startup-hooks finding the policy does not grant to every record."""
    for path in _records(cache):
        record = json.loads(path.read_text())
        record["found"]["placelib"] = [{"capability": "startup-hooks", "path": "placelib",
                                        "line": 0, "phase": "startup", "detail": PLANTED}]
        path.write_text(json.dumps(record))


@pytest.mark.parametrize("backend", ["uv", "pip"])
def test_a_fresh_target_takes_the_placement_from_the_cache(
        index: SubIndex, locked: Path, tmp_path: Path, make_venv: MakeVenv,
        permpip: Permpip, backend: str, hermetic_env: dict[str, str]) -> None:
    cache = tmp_path / "cache"
    # the full run (uv's warm path replays a kept verdict: no placement is worked out)
    env = {**hermetic_env, "PERMPIP_NO_WARM": "1"}
    done = _install(permpip, index, locked, make_venv("cold"), cache, backend, env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(_records(cache)) == 1
    again = _install(permpip, index, locked, make_venv("warm"), cache, backend, env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert len(_records(cache)) == 1  # the same key for another fresh environment
    _plant(cache)
    planted = make_venv("planted")
    refused = _install(permpip, index, locked, planted, cache, backend, env)
    assert refused.returncode != 0 and PLANTED in refused.stdout, refused.stdout
    assert installed(planted) == {}


def test_a_policy_edit_is_judged_on_a_warm_run(
        index: SubIndex, locked: Path, tmp_path: Path, make_venv: MakeVenv,
        permpip: Permpip) -> None:
    cache = tmp_path / "cache"
    assert _install(permpip, index, locked, make_venv("cold"), cache).returncode == 0
    write_policy(locked, {"placelib": ["fs-read"]})
    py = make_venv("warm")
    refused = _install(permpip, index, locked, py, cache)
    assert refused.returncode != 0, refused.stdout
    lines = refused.stdout.splitlines()
    assert "  env at import not granted:" in lines and (
        "    placelib/__init__.py:2 os.environ" in lines), refused.stdout
    assert installed(py) == {}


def test_a_newly_installed_package_changes_the_key(
        index: SubIndex, locked: Path, tmp_path: Path, make_venv: MakeVenv,
        permpip: Permpip) -> None:
    cache = tmp_path / "cache"
    assert _install(permpip, index, locked, make_venv("cold"), cache).returncode == 0
    _plant(cache)
    index.publish(build_wheel(tmp_path / "dist", "otherlib", "3.0", {
        "otherlib/__init__.py": "X = 1\n"}))
    py = make_venv("warm")
    other = tmp_path / "other"
    write_policy(other, {})
    sha = index.sha256("otherlib-3.0-py3-none-any.whl")
    (other / "requirements.txt").write_text(f"otherlib==3.0 --hash=sha256:{sha}\n")
    assert _install(permpip, index, other, py, cache).returncode == 0
    done = _install(permpip, index, locked, py, cache)  # the planted record is not this key
    assert done.returncode == 0, done.stdout + done.stderr
    assert installed(py) == {"otherlib": "3.0", "placelib": "1.0"}


def test_a_file_of_the_set_in_the_target_is_checked_in_full(
        index: SubIndex, locked: Path, tmp_path: Path, make_venv: MakeVenv,
        permpip: Permpip) -> None:
    cache = tmp_path / "cache"
    assert _install(permpip, index, locked, make_venv("cold"), cache).returncode == 0
    _plant(cache)
    py = make_venv("warm")
    (pyenv.site_packages(py) / "placelib").mkdir()
    (pyenv.site_packages(py) / "placelib" / "stray.py").write_text("print('not scanned')\n")
    done = _install(permpip, index, locked, py, cache)
    assert done.returncode != 0
    assert "no installed distribution owns it" in done.stdout + done.stderr
    assert PLANTED not in done.stdout


def test_another_interpreter_changes_the_key(
        index: SubIndex, locked: Path, tmp_path: Path, make_venv: MakeVenv,
        permpip: Permpip, hermetic_env: dict[str, str]) -> None:
    cache = tmp_path / "cache"
    assert _install(permpip, index, locked, make_venv("cold"), cache).returncode == 0
    _plant(cache)
    py = pyenv.make_venv(tmp_path, hermetic_env, "3.12", name="py312")
    done = _install(permpip, index, locked, py, cache)
    assert done.returncode == 0, done.stdout + done.stderr
    assert installed(py) == {"placelib": "1.0"}
    assert len(_records(cache)) == 2


def test_every_part_of_the_key_changes_it(tmp_path: Path) -> None:
    """Scanner version (and the placement code it is hashed with), wheels, paths, tags,
    marker environment, stdlib and the installed state each give another key."""
    target = current_target()
    site = tmp_path / "lib" / "site-packages"
    site.mkdir(parents=True)
    paths = InstallPaths(purelib=site, platlib=site, scripts=tmp_path / "bin", data=tmp_path)
    wheels = [("a", "1.0", "a-1.0-py3-none-any.whl", "0" * 64)]

    def k(**over: object) -> str:
        args: dict[str, object] = {"code": code_version("scanner-1"), "wheels": wheels,
                                   "paths": paths, "target": target, "raw": read_raw(paths)}
        args.update(over)
        return key(**args)  # type: ignore[arg-type]

    base = k()
    assert k() == base
    assert k(code=code_version("scanner-2")) != base
    assert k(wheels=[("a", "1.0", "a-1.0-py3-none-any.whl", "1" * 64)]) != base
    assert k(paths=InstallPaths(purelib=site, platlib=site, scripts=tmp_path / "Scripts",
                                data=tmp_path)) != base
    from dataclasses import replace
    assert k(target=replace(target, tags=target.tags[1:])) != base
    assert k(target=replace(target, environment={**target.environment,
                                                 "python_full_version": "3.99.0"})) != base
    assert k(target=replace(target, stdlib=target.stdlib | {"extra"})) != base
    assert k(raw=None) != base
    info = site / "b-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Name: b\nVersion: 1.0\n")
    with_b = k()
    assert with_b != base
    (info / "RECORD").write_text("b/__init__.py,,\n")
    assert k() not in (base, with_b)
    (site / "hook.pth").write_text("import b\n")
    assert k() not in (base, with_b)


def test_no_cache_keeps_no_record_and_reads_none(
        index: SubIndex, locked: Path, tmp_path: Path, make_venv: MakeVenv,
        hermetic_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """``--no-cache``: the run's cache is a throwaway directory, so neither the placement
    nor the probe of ``--python`` is worked out for it (in-process: nothing is computed)."""
    from gate import placement, probe_cache
    from gate.cli.options import parse_options
    from gate.run import run_gate

    def boom(*_a: object, **_k: object) -> None:
        raise AssertionError("computed for a throwaway cache")

    monkeypatch.setattr(placement, "key", boom)
    monkeypatch.setattr(placement.PlacementCache, "put", boom)
    monkeypatch.setattr(probe_cache, "lookup", boom)
    monkeypatch.chdir(locked)
    py = make_venv("v")
    options = parse_options(["--backend", "uv", "--python", str(py), "--no-cache",
                             "-i", index.url, "-r", "requirements.txt"])
    result = run_gate(options, cwd=locked, install=True, env=hermetic_env)
    assert result.installed and result.verdict.allowed
    assert installed(py) == {"placelib": "1.0"}


def test_any_installed_reads_dist_info_names(tmp_path: Path) -> None:
    from gate.placement import any_installed

    site = tmp_path / "site"
    (site / "Place_Lib-1.0.dist-info").mkdir(parents=True)
    (site / "other-2.0.dist-info").mkdir()
    paths = InstallPaths(purelib=site, platlib=site, scripts=tmp_path / "bin", data=tmp_path)
    raw = read_raw(paths)
    assert any_installed(raw, ["place-lib"])
    assert not any_installed(raw, ["placelib", "other-lib"])
