"""The cache: two permpip runs sharing one cold cache at the same time both succeed, and
the cache holds only whole, consistent files (content-addressed: each file hashes to its
name); built wheels are kept under their build's key and verified when read back; pip's and
uv's "no cache" switches are read as pip and uv read them."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from gate import build
from gate._subprocess import Completed
from gate.cache import Cache, with_no_cache
from gate.cli.options import parse_options
from gate.errors import UsageError
from gate.model import PackageScan
from gate.resolve.target import current_target
from tests.builders import build_wheel
from tests.conftest import installed, write_policy
from tests.index import SubIndex

NAMES = [f"pkg{i}" for i in range(6)]


def _publish(index: SubIndex, dist: Path) -> None:
    for i, name in enumerate(NAMES):
        blob = hashlib.sha256(name.encode()).digest() * 8000  # ~256 kB, incompressible-ish
        index.publish(build_wheel(dist, name, f"1.{i}", {
            f"{name}/__init__.py": "import os\n\n\ndef where():\n    return os.getcwd()\n",
            f"{name}/data.bin": os.urandom(64) + blob}))
    index.publish(build_wheel(dist, "top", "1.0", {"top/__init__.py": ""}, requires=NAMES))


@pytest.mark.e2e
def test_two_runs_share_a_cold_cache(index: SubIndex, tmp_path: Path,
                                     make_venv: Callable[..., Path],
                                     permpip: Callable[..., Completed]) -> None:
    _publish(index, tmp_path / "dist")
    project = tmp_path / "project"
    write_policy(project, {})
    cache = tmp_path / "cache"
    venvs = [make_venv("a"), make_venv("b")]

    def run(py: Path) -> Completed:
        return permpip("install", "--python", str(py), "--index-url", index.url, "top",
                       "--cache-dir", str(cache), cwd=project)

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(run, venvs))
    expected = {"top": "1.0", **{n: f"1.{i}" for i, n in enumerate(NAMES)}}
    for done, py in zip(results, venvs, strict=True):
        assert done.returncode == 0, done.stderr + done.stdout
        assert installed(py) == expected

    root = cache / "permpip"
    files = sorted(p for p in (root / "files").rglob("*") if p.is_file())
    assert len(files) == len(expected)  # one copy of each file, whoever fetched it
    for path in files:
        sha = path.parent.name
        assert path.parent.parent.name == sha[:2]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == sha, path
    assert list((root / "tmp").iterdir()) == []  # no partial download left behind
    scans = sorted((root / "scans").rglob("*.json"))
    assert {p.stem for p in scans} == {p.parent.name for p in files}
    for path in scans:
        scan = PackageScan._from_dict(json.loads(path.read_text()))
        assert scan.sha256 == path.stem
    # a third run finds everything in the cache: no wheel is downloaded again
    def downloads() -> list[str]:
        return [p for p in index.requests_seen() if p.endswith(".whl")]

    before = downloads()
    assert len(expected) <= len(before) <= 2 * len(expected)  # each run fetched what it lacked
    again = permpip("install", "-q", "--python", str(make_venv("c")), "--index-url",
                    index.url, "top", "--cache-dir", str(cache), cwd=project)
    assert (again.returncode, again.stdout, again.stderr) == (0, "", "")
    assert downloads() == before
    assert Cache(root).get_file(files[0].parent.name, files[0].name) == files[0]


# -- "no cache": pip's rules (cli/parser.py _update_defaults, cmdoptions._handle_no_cache_dir)

def _no_cache(argv: list[str], env: dict[str, str]) -> bool:
    options = parse_options([*argv, "pkg"], command="install")
    return with_no_cache(options, env={"PIP_CONFIG_FILE": os.devnull} | env).no_cache


@pytest.mark.parametrize("value", ["1", "true", "yes", "on", "0", "false", "no", "off", "N"])
def test_pip_no_cache_dir_any_boolean_means_no_cache(value: str) -> None:
    """pip: PIP_NO_CACHE_DIR=0/false/no disable the cache too (kept for compatibility)."""
    assert _no_cache([], {"PIP_NO_CACHE_DIR": value}) is True


def test_pip_switches_as_pip_reads_them(tmp_path: Path) -> None:
    assert _no_cache([], {}) is False
    assert _no_cache([], {"PIP_NO_CACHE_DIR": ""}) is False  # pip drops empty values
    assert _no_cache(["--no-cache-dir"], {}) is True
    assert _no_cache(["--no-cache"], {}) is True  # permpip's own
    assert _no_cache(["--no-cache-dir", "--cache-dir", "c"], {}) is False  # the later wins
    assert _no_cache(["--cache-dir", "c", "--no-cache-dir"], {}) is True
    # configured: no-cache-dir wins over a configured cache-dir; the command line over both
    assert _no_cache([], {"PIP_NO_CACHE_DIR": "1", "PIP_CACHE_DIR": "c"}) is True
    assert _no_cache(["--cache-dir", "c"], {"PIP_NO_CACHE_DIR": "1"}) is False
    assert _no_cache(["--isolated"], {"PIP_NO_CACHE_DIR": "1"}) is False  # no PIP_* then
    conf = tmp_path / "pip.conf"
    conf.write_text("[install]\nno-cache-dir = false\n")
    assert _no_cache([], {"PIP_CONFIG_FILE": str(conf)}) is True
    conf.write_text("[global]\nno-cache-dir = maybe\n")
    with pytest.raises(UsageError) as err:
        _no_cache([], {"PIP_CONFIG_FILE": str(conf)})
    assert str(err.value) == (f"{conf}: [global] no-cache-dir: 'maybe' is not a valid value "
                              "for no-cache-dir (pip takes yes/no, true/false or 1/0)")
    with pytest.raises(UsageError) as err:
        _no_cache([], {"PIP_NO_CACHE_DIR": "maybe"})
    assert str(err.value) == ("PIP_NO_CACHE_DIR (environment): 'maybe' is not a valid value "
                              "for no-cache-dir (pip takes yes/no, true/false or 1/0)")


def test_uv_switches_as_uv_reads_them() -> None:
    uv = ["--backend", "uv"]
    assert _no_cache(uv, {"UV_NO_CACHE": "1"}) is True
    assert _no_cache(uv, {"UV_NO_CACHE": "true"}) is True
    assert _no_cache(uv, {"UV_NO_CACHE": "0"}) is False  # uv reads a boolean
    assert _no_cache(uv, {"PIP_NO_CACHE_DIR": "1"}) is False  # uv does not read pip's
    assert _no_cache([*uv, "--no-cache-dir", "--cache-dir", "c"], {}) is True  # uv: it wins
    with pytest.raises(UsageError) as err:
        _no_cache(uv, {"UV_NO_CACHE": "maybe"})
    assert str(err.value) == "UV_NO_CACHE (environment): 'maybe' is not a boolean"


# -- built wheels --------------------------------------------------------------------------

def test_built_wheel_is_verified_when_read_back(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache")
    wheel = build_wheel(tmp_path / "out", "pkg", "1.0", {"pkg/__init__.py": ""})
    key = "ab" * 32
    assert cache.get_build(key) is None
    sha, cached = cache.put_build(key, wheel)
    assert sha == hashlib.sha256(wheel.read_bytes()).hexdigest()
    assert cache.get_build(key) == (sha, cached)
    cached.write_bytes(cached.read_bytes() + b"x")  # tampered with: dropped, build again
    assert cache.get_build(key) is None
    assert not cached.exists()
    record = cache.root / "builds" / f"{key}.json"
    bad: object
    for bad in ({"sha256": sha, "filename": "../../x.whl"}, {"sha256": sha},
                {"sha256": "0" * 64, "filename": "pkg-1.0-py3-none-any.whl"}, []):
        record.write_text(json.dumps(bad))
        assert cache.get_build(key) is None


def test_build_key_holds_what_changes_the_wheel(tmp_path: Path) -> None:
    sdist, deps = tmp_path / "pkg-1.0.tar.gz", tmp_path / "deps"
    deps.mkdir()
    sdist.write_bytes(b"sdist")
    (deps / "setuptools-80.0-py3-none-any.whl").write_bytes(b"one")
    target = current_target()

    def key(name: str = sdist.name, **changes: Any) -> str:  # noqa: ANN401
        return build.build_key(sdist, name, target=replace(target, **changes),
                               build_deps=deps)

    first = key()
    assert key() == first
    assert key("other-1.0.tar.gz") != first
    assert key(tags=target.tags[1:]) != first
    assert key(environment={**target.environment, "python_full_version": "3.99.0"}) != first
    (deps / "setuptools-80.0-py3-none-any.whl").write_bytes(b"two")
    second = key()
    assert second != first
    (deps / "wheel-0.45-py3-none-any.whl").write_bytes(b"")
    assert key() != second
    (deps / "wheel-0.45-py3-none-any.whl").unlink()
    sdist.write_bytes(b"sdist 2")
    assert key() != second


def test_a_new_cache_is_private_whatever_the_umask(tmp_path: Path) -> None:
    """Under ``umask 002`` a cache group members could write would let them forge a scan or
    point uv at their own unpacked copy: permpip's root is made 0700."""
    old = os.umask(0o002)
    try:
        Cache(tmp_path / "deep" / "permpip")
    finally:
        os.umask(old)
    assert (tmp_path / "deep" / "permpip").stat().st_mode & 0o777 == 0o700


def test_a_cache_others_may_write_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "permpip"
    root.mkdir()
    root.chmod(0o775)
    with pytest.raises(UsageError) as err:
        Cache(root)
    assert str(err.value) == (
        f"the cache: {root} is writable by other users (mode 0775): what it holds cannot be "
        f"trusted; remove it, or make it private (chmod -R go-w {root}) if no one else wrote "
        "to it")
    root.chmod(0o755)  # readable by others is no risk to what permpip trusts
    Cache(root)


def test_a_scan_record_of_another_artifact_is_not_believed(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "permpip")
    scan = PackageScan(name="a", version="1", filename="a-1-py3-none-any.whl",
                       sha256="a" * 64)
    cache.put_scan(scan, "v1")
    (cache.root / "scans" / "v1" / f"{'a' * 64}.json").replace(
        cache.root / "scans" / "v1" / f"{'b' * 64}.json")
    assert cache.get_scan("b" * 64, "v1") is None
    cache.put_scan(scan, "v1")
    assert cache.get_scan("a" * 64, "v1") == scan
