"""The warm fast path (issue #15, ``gate.warm``): a second ``permpip install --backend uv -r
LOCK`` into a fresh venv replays the verdict the first one kept, without importing the gate,
and prints what the full run prints; any part of its key changed, any cached file that is
not its bytes, any copy of uv's that changed, any option it does not know, sends the
command to the full run, which judges it afresh. Real uv, real venvs, the local index."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from gate._subprocess import Completed
from tests.builders import build_wheel
from tests.conftest import REPO, installed, run_process, write_policy
from tests.e2e.pyenv import site_packages as _site
from tests.index import SubIndex

pytestmark = pytest.mark.e2e

Permpip = Callable[..., Completed]
MakeVenv = Callable[..., Path]
TAKEN = "permpip: warm path taken"
WRITTEN = "permpip: warm record written"
WARMLIB = "warmlib-1.0-py3-none-any.whl"


@pytest.fixture
def locked(index: SubIndex, tmp_path: Path) -> Path:
    """A project with a hashed lock of two wheels and a policy granting what they use."""
    index.publish(build_wheel(tmp_path / "dist", "warmlib", "1.0", {
        "warmlib/__init__.py": "import os\nHOME = os.environ.get('HOME')\n",
        "warmlib/data.txt": "original\n"}))
    index.publish(build_wheel(tmp_path / "dist", "warmdep", "2.0", {
        "warmdep/__init__.py": "X = 1\n"}))
    project = tmp_path / "project"
    write_policy(project, {"warmlib": {"allow": ["env"], "at-import": ["env"]}})
    (project / "requirements.txt").write_text("".join(
        f"{n}=={v} --hash=sha256:{index.sha256(f'{n}-{v}-py3-none-any.whl')}\n"
        for n, v in (("warmlib", "1.0"), ("warmdep", "2.0"))))
    return project


@pytest.fixture
def traced(hermetic_env: dict[str, str]) -> dict[str, str]:
    return {**hermetic_env, "PERMPIP_WARM_TRACE": "1"}


def _install(permpip: Permpip, index: SubIndex, project: Path, py: Path, cache: Path,
             env: dict[str, str], *extra: str, code: int = 0) -> Completed:
    args = ["install", "--backend", "uv", "--python", str(py), "-i", index.url,
            "--cache-dir", str(cache), "-r", "requirements.txt", *extra]
    if "PYTHONPATH" in env:  # permpip from another copy of gate
        done = run_process([sys.executable, "-m", "gate", *args], cwd=project, env=env,
                           timeout=300)
    else:
        done = permpip(*args, cwd=project, env=env)
    assert done.returncode == code, done.stdout + done.stderr
    return done


def _warm(permpip: Permpip, index: SubIndex, project: Path, make_venv: MakeVenv,
          cache: Path, env: dict[str, str]) -> Completed:
    """A full run that keeps the record, then a run that takes the warm path."""
    first = _install(permpip, index, project, make_venv("first"), cache, env)
    assert WRITTEN in first.stderr, first.stderr
    second = _install(permpip, index, project, make_venv("second"), cache, env)
    assert TAKEN in second.stderr, second.stderr
    return second


def _not_taken(done: Completed) -> str:
    """Why the run did not take the warm path (it must say it did not)."""
    assert TAKEN not in done.stderr, done.stderr
    found = re.search(r"^permpip: warm path not taken: (.*)$", done.stderr, re.M)
    assert found, done.stderr
    return found.group(1)


def _lines(text: str) -> list[str]:
    """Output lines but the trace and uv's timing ("Installed 2 packages in 3ms")."""
    return [re.sub(r" in [0-9.]+m?s$", "", ln) for ln in text.splitlines()
            if not ln.startswith("permpip: ")]


def _tree(python: Path) -> dict[str, bytes]:
    site = _site(python)
    return {str(p.relative_to(site)): p.read_bytes() for p in sorted(site.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts and p.name != "RECORD"}


def _record(cache: Path) -> Path:
    found = list((cache / "permpip" / "warm").glob("*.json"))
    assert len(found) == 1, found
    return found[0]


def test_the_warm_path_installs_the_same_bytes_and_says_the_same(
        index: SubIndex, locked: Path, tmp_path: Path, make_venv: MakeVenv,
        permpip: Permpip, traced: dict[str, str]) -> None:
    cache = tmp_path / "cache"
    first = _install(permpip, index, locked, make_venv("first"), cache, traced)
    assert "warm path not taken: the target's probe is not in the cache" in first.stderr
    assert WRITTEN in first.stderr
    fast_py = make_venv("fast")
    fast = _install(permpip, index, locked, fast_py, cache, traced)
    assert TAKEN in fast.stderr
    # the full run of the same warm command, with the warm path switched off
    full_py = make_venv("full")
    full = _install(permpip, index, locked, full_py, cache,
                    {**traced, "PERMPIP_NO_WARM": "1"})
    assert TAKEN not in full.stderr
    assert _lines(fast.stdout) == _lines(full.stdout)
    assert _lines(fast.stderr) == _lines(full.stderr) == [
        "resolving: 2 packages (from the lockfile)",
        f"fetching: 2 files verified ({_human(tmp_path / 'dist')})",
        "scanning: 2 artifacts (0 scanned now, 2 from the cache)",
        "installing: 2 packages"]
    assert "allowed: 2 packages within the policy" in fast.stdout
    assert installed(fast_py) == installed(full_py) == {"warmlib": "1.0", "warmdep": "2.0"}
    assert _tree(fast_py) == _tree(full_py)
    wheel = next((tmp_path / "dist").glob(WARMLIB))
    with zipfile.ZipFile(wheel) as zf:
        for name in zf.namelist():
            if not name.endswith(("/", "RECORD")):
                assert (_site(fast_py) / name).read_bytes() == zf.read(name), name


def _human(dist: Path) -> str:
    from gate.report.progress import human_bytes

    return human_bytes(sum(p.stat().st_size for p in dist.glob("*.whl")))


def test_the_warm_path_imports_nothing_of_the_full_run(
        index: SubIndex, locked: Path, tmp_path: Path, make_venv: MakeVenv,
        permpip: Permpip, traced: dict[str, str]) -> None:
    cache = tmp_path / "cache"
    _warm(permpip, index, locked, make_venv, cache, traced)
    py = make_venv("third")
    argv = ["--backend", "uv", "--python", str(py), "-i", index.url, "--cache-dir",
            str(cache), "-r", "requirements.txt"]
    code = ("import json, sys\nfrom gate import warm\n"
            f"code = warm.run({argv!r})\n"
            "print(json.dumps([code, sorted(sys.modules)]), file=sys.stderr)\n")
    done = run_process([sys.executable, "-c", code], cwd=locked,
                       env={**traced, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr
    result, modules = json.loads(done.stderr.strip().splitlines()[-1])
    assert result == 0
    gate = sorted(m for m in modules if m.startswith("gate"))
    assert gate == ["gate", "gate.errors", "gate.light", "gate.probe_cache", "gate.uv_verified",
                    "gate.warm"]
    for heavy in ("pip", "packaging.tags", "requests", "tomlkit", "dataclasses", "zipfile",
                  "email.parser", "typing", "subprocess", "threading", "tempfile", "shutil"):
        assert heavy not in modules, heavy
    assert installed(py) == {"warmlib": "1.0", "warmdep": "2.0"}


KEY_PARTS = ["lock", "policy", "environment", "pyproject-above", "uv-toml", "cwd", "argv",
             "included", "stray-script", "stray-pth", "code"]


@pytest.mark.parametrize("part", KEY_PARTS)
def test_each_part_of_the_key_changed_takes_the_full_run(
        index: SubIndex, locked: Path, tmp_path: Path, make_venv: MakeVenv,
        permpip: Permpip, traced: dict[str, str], part: str) -> None:
    cache = tmp_path / "cache"
    _warm(permpip, index, locked, make_venv, cache, traced)
    env, project, extra = dict(traced), locked, ()
    py = make_venv("changed")
    lock = locked / "requirements.txt"
    if part == "lock":
        lock.write_text("# a comment\n" + lock.read_text())
    elif part == "policy":
        (locked / "pyproject.toml").write_text((locked / "pyproject.toml").read_text()
                                               + "\n# edited\n")
    elif part == "environment":
        env["SOME_SETTING"] = "1"
    elif part == "pyproject-above":
        (locked.parent / "pyproject.toml").write_text("[tool.other]\n")
    elif part == "uv-toml":
        (locked / "uv.toml").write_text("# uv's project configuration\n")
    elif part == "cwd":
        project = tmp_path / "elsewhere"
        shutil.copytree(locked, project)
    elif part == "argv":
        extra = ("--strict",)
    elif part == "included":  # a file the lock includes: checked from the record
        inner = locked / "inner.txt"
        lock.write_text(lock.read_text() + "-r inner.txt\n")
        inner.write_text("")
        _install(permpip, index, locked, make_venv("with-inner"), cache, env)
        assert TAKEN in _install(permpip, index, locked, make_venv("again"), cache,
                                 env).stderr
        inner.write_text("# changed\n")
    elif part == "stray-script":  # the target's state: where the set's scripts go
        (py.parent / "flask").write_text("#!/bin/sh\n")
    elif part == "stray-pth":  # the top of its site-packages (the probe's key holds it too)
        (_site(py) / "stray.pth").write_text("\n")
    elif part == "code":  # permpip's own code: a copy of gate, one file of it edited
        copy = tmp_path / "src"
        shutil.copytree(REPO / "gate", copy / "gate",
                        ignore=shutil.ignore_patterns("__pycache__"))
        env["PYTHONPATH"] = str(copy)
        _install(permpip, index, locked, make_venv("copy"), cache, env)
        assert TAKEN in _install(permpip, index, locked, make_venv("copy2"), cache,
                                 env).stderr
        catalog = copy / "gate" / "data" / "catalog.txt"
        catalog.write_text(catalog.read_text() + "\n")
    done = _install(permpip, index, project, py, cache, env, *extra)
    why = _not_taken(done)
    assert why == {"included": f"{lock.parent / 'inner.txt'} changed since the record",
                   "stray-pth": "the target's probe is not in the cache"}.get(
                       part, "no record for this key")
    assert installed(py) == {"warmlib": "1.0", "warmdep": "2.0"}
    # the full run kept a record for the new key: the same change is warm next time
    again = _install(permpip, index, project, make_venv("next"), cache, env, *extra)
    assert TAKEN in again.stderr


def test_a_policy_that_no_longer_grants_refuses_and_installs_nothing(
        index: SubIndex, locked: Path, tmp_path: Path, make_venv: MakeVenv,
        permpip: Permpip, traced: dict[str, str]) -> None:
    cache = tmp_path / "cache"
    _warm(permpip, index, locked, make_venv, cache, traced)
    write_policy(locked, {})  # warmlib's env grant revoked
    py = make_venv("revoked")
    done = _install(permpip, index, locked, py, cache, traced, code=1)
    _not_taken(done)
    assert "nothing installed" in done.stdout
    assert installed(py) == {}
    assert not list((cache / "permpip" / "warm").glob("*.json"))[1:]  # no record of it


def test_a_target_with_a_distribution_takes_the_full_run(
        index: SubIndex, locked: Path, tmp_path: Path, make_venv: MakeVenv,
        permpip: Permpip, traced: dict[str, str]) -> None:
    cache = tmp_path / "cache"
    _warm(permpip, index, locked, make_venv, cache, traced)
    py = make_venv("rerun")
    _install(permpip, index, locked, py, cache, traced)
    done = _install(permpip, index, locked, py, cache, traced)  # into the same venv again
    assert _not_taken(done) in ("the target's probe is not in the cache",
                                "a distribution is installed in the target: "
                                "warmdep-2.0.dist-info")
    assert "no warm record: a distribution is installed in the target" in done.stderr


@pytest.mark.parametrize("option", [("-q",), ("--dry-run",), ("--format", "json"),
                                    ("--no-cache",), ("--reinstall",), ("--polic", "x")])
def test_an_option_the_warm_path_does_not_know_takes_the_full_run(
        index: SubIndex, locked: Path, tmp_path: Path, make_venv: MakeVenv,
        permpip: Permpip, traced: dict[str, str], option: tuple[str, ...]) -> None:
    cache = tmp_path / "cache"
    _warm(permpip, index, locked, make_venv, cache, traced)
    done = permpip("install", "--backend", "uv", "--python", str(make_venv("other")), "-i",
                   index.url, "--cache-dir", str(cache), "-r", "requirements.txt", *option,
                   cwd=locked, env=traced)
    assert f"warm path not taken: option {option[0]}" in done.stderr


def test_a_tampered_cached_wheel_is_fetched_again_by_the_full_run(
        index: SubIndex, locked: Path, tmp_path: Path, make_venv: MakeVenv,
        permpip: Permpip, traced: dict[str, str]) -> None:
    cache = tmp_path / "cache"
    _warm(permpip, index, locked, make_venv, cache, traced)
    cached = next((cache / "permpip" / "files").rglob(WARMLIB))
    good = cached.read_bytes()
    os.unlink(cached)  # (the cached file is a link of uv's find-links entry: a new inode)
    cached.write_bytes(good[:-4] + b"XXXX")
    py = make_venv("tampered")
    done = _install(permpip, index, locked, py, cache, traced)
    assert f"{WARMLIB} in the cache is not its sha256" in _not_taken(done)
    assert cached.read_bytes() == good  # dropped and fetched again
    assert (_site(py) / "warmlib" / "data.txt").read_text() == "original\n"
    assert TAKEN in _install(permpip, index, locked, make_venv("after"), cache,
                             traced).stderr


def test_a_missing_scan_takes_the_full_run(
        index: SubIndex, locked: Path, tmp_path: Path, make_venv: MakeVenv,
        permpip: Permpip, traced: dict[str, str]) -> None:
    cache = tmp_path / "cache"
    _warm(permpip, index, locked, make_venv, cache, traced)
    sha = index.sha256(WARMLIB)
    scan = next((cache / "permpip" / "scans").rglob(f"{sha}.json"))
    scan.unlink()
    done = _install(permpip, index, locked, make_venv("unscanned"), cache, traced)
    assert f"the scan of {WARMLIB} is not in the cache" in _not_taken(done)
    assert "1 scanned now, 1 from the cache" in done.stderr
    assert scan.is_file()


def test_a_changed_copy_in_uvs_cache_takes_the_full_run(
        index: SubIndex, locked: Path, tmp_path: Path, make_venv: MakeVenv,
        permpip: Permpip, traced: dict[str, str]) -> None:
    cache = tmp_path / "cache"
    _warm(permpip, index, locked, make_venv, cache, traced)
    sha = index.sha256(WARMLIB)
    manifest = json.loads((cache / "permpip" / "uv" / "verified" / sha[:2]
                           / f"{sha}.json").read_text())
    archive = cache / "permpip" / "uv" / "archive-v0" / manifest["archive"]
    with (archive / "warmlib" / "data.txt").open("r+b") as f:
        f.write(b"tampered")
    py = make_venv("tampered")
    done = _install(permpip, index, locked, py, cache, traced)
    assert f"uv's copy of {WARMLIB} is not verified or changed" in _not_taken(done)
    assert f"warning: uv's unpacked copy of {WARMLIB} changed" in done.stderr
    assert (_site(py) / "warmlib" / "data.txt").read_text() == "original\n"


@pytest.mark.parametrize("damage", ["torn", "other-wheel", "bad-name"])
def test_a_damaged_record_takes_the_full_run_and_is_written_again(
        index: SubIndex, locked: Path, tmp_path: Path, make_venv: MakeVenv,
        permpip: Permpip, traced: dict[str, str], damage: str) -> None:
    cache = tmp_path / "cache"
    _warm(permpip, index, locked, make_venv, cache, traced)
    path = _record(cache)
    good = path.read_bytes()
    record = json.loads(good)
    if damage == "torn":
        path.write_text(path.read_text()[:50])
    elif damage == "other-wheel":  # a wheel the cache does not hold
        record["wheels"][0][3] = "0" * 64
        path.write_text(json.dumps(record))
    else:
        record["wheels"][0][2] = "../../x.whl"
        path.write_text(json.dumps(record))
    done = _install(permpip, index, locked, make_venv("damaged"), cache, traced)
    _not_taken(done)
    assert WRITTEN in done.stderr
    assert json.loads(path.read_bytes()) == json.loads(good)
    assert TAKEN in _install(permpip, index, locked, make_venv("next"), cache,
                             traced).stderr
