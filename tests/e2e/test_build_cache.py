"""Approved sdist builds are cached: a second ``permpip check`` of the same set does not
build again and gives the same verdict (permpip issue #12).

The sdists' build backends write a marker line each time they are imported, so the marker
counts the builds. The cache key holds the sdist's sha256, the build requirement files'
sha256 and the target (``gate.build.build_key``): a new build requirement builds again. A
cached wheel whose bytes changed is dropped and built again; the wheel installed is always
the one scanned.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from gate._subprocess import Completed
from tests.builders import build_wheel
from tests.conftest import installed, write_policy
from tests.e2e.test_build_config import SETUPTOOLS_GRANT, SETUPTOOLS_STANDIN, publish_attrpkg
from tests.e2e.test_sdist import GRANT, publish_markpkg
from tests.index import SubIndex

pytestmark = pytest.mark.e2e

Permpip = Callable[..., Completed]
MakeVenv = Callable[..., Path]
CACHED = "building markpkg-1.0.tar.gz: markpkg-1.0-py3-none-any.whl (built before: from the cache)"
BUILT = "building markpkg-1.0.tar.gz: markpkg-1.0-py3-none-any.whl"


def _lines(marker: Path) -> int:
    return len(marker.read_text().splitlines()) if marker.exists() else 0


def _build_records(cache: Path) -> list[dict[str, str]]:
    return [json.loads(p.read_text()) for p in sorted((cache / "permpip" / "builds").glob("*"))]


def _cached_wheel(cache: Path, record: dict[str, str]) -> Path:
    sha = record["sha256"]
    return cache / "permpip" / "files" / sha[:2] / sha / record["filename"]


@pytest.fixture
def markpkg_app(index: SubIndex, tmp_path: Path, marker: Path) -> Path:
    """``app`` (a wheel) needs ``markpkg`` (an sdist whose build is granted): the project."""
    publish_markpkg(index, tmp_path / "dist", marker)
    index.publish(build_wheel(tmp_path / "dist", "app", "1.0", {"app/__init__.py": ""},
                              requires=["markpkg"]))
    project = tmp_path / "project"
    write_policy(project, {"markpkg": GRANT})
    (project / "requirements.txt").write_text("app\n")
    return project


def test_second_check_does_not_build(index: SubIndex, markpkg_app: Path, marker: Path,
                                     tmp_path: Path, make_venv: MakeVenv,
                                     permpip: Permpip) -> None:
    """The second check takes the wheel built by the first. Then the cached wheel is
    tampered with. Decision: a cached built wheel that no longer hashes to the sha256
    recorded when it was built is dropped and the sdist built again (as a cached download
    that fails its hash is fetched again)."""
    cache = tmp_path / "cache"
    args = ("--index-url", index.url, "--cache-dir", str(cache))
    first = permpip("check", *args, cwd=markpkg_app)
    assert first.returncode == 0, first.stdout + first.stderr
    assert BUILT in first.stderr.splitlines()
    builds = _lines(marker)
    assert builds >= 1  # pip imports the backend once per hook it calls
    [record] = _build_records(cache)
    assert record["filename"] == "markpkg-1.0-py3-none-any.whl"

    second = permpip("check", *args, cwd=markpkg_app)
    assert second.returncode == 0, second.stdout + second.stderr
    assert _lines(marker) == builds  # the backend did not run
    assert CACHED in second.stderr.splitlines()
    assert second.stdout == first.stdout
    assert "markpkg 1.0" in second.stdout  # the built wheel is in the scanned set
    assert _build_records(cache) == [record]

    wheel = _cached_wheel(cache, record)
    evil = build_wheel(tmp_path / "evil", "markpkg", "1.0", {
        "markpkg/__init__.py": "import socket\nsocket.create_connection(('example.org', 80))\n"})
    wheel.unlink()  # a hard link may share the bytes with the run's copies: replace it
    wheel.write_bytes(evil.read_bytes())
    py = make_venv()
    third = permpip("install", "--python", str(py), "-r", "requirements.txt", *args,
                    cwd=markpkg_app)
    assert third.returncode == 0, third.stdout + third.stderr
    assert _lines(marker) == 2 * builds  # built again
    assert BUILT in third.stderr.splitlines()
    assert "network" not in third.stdout
    assert installed(py) == {"app": "1.0", "markpkg": "1.0"}
    site = next(py.parent.parent.glob("lib/python*/site-packages"))
    assert (site / "markpkg" / "__init__.py").read_text() == ""
    [rebuilt] = _build_records(cache)
    assert hashlib.sha256(_cached_wheel(cache, rebuilt).read_bytes()).hexdigest() == \
        rebuilt["sha256"]


def test_hashed_lockfile_sdist_is_built_once(index: SubIndex, tmp_path: Path, marker: Path,
                                             permpip: Permpip) -> None:
    """The lockfile path (``build_locked_sdists``) uses the same cache."""
    sdist = publish_markpkg(index, tmp_path / "dist", marker)
    project = tmp_path / "project"
    write_policy(project, {"markpkg": GRANT})
    sha = hashlib.sha256(sdist.read_bytes()).hexdigest()
    (project / "requirements.txt").write_text(f"markpkg==1.0 --hash=sha256:{sha}\n")
    args = ("check", "requirements.txt", "--index-url", index.url, "--cache-dir",
            str(tmp_path / "cache"))
    first = permpip(*args, cwd=project)
    assert first.returncode == 0, first.stdout + first.stderr
    builds = _lines(marker)
    assert builds >= 1
    second = permpip(*args, cwd=project)
    assert second.returncode == 0, second.stdout + second.stderr
    assert _lines(marker) == builds
    assert CACHED in second.stderr.splitlines()
    assert second.stdout == first.stdout


def test_new_build_requirement_builds_again(index: SubIndex, tmp_path: Path, marker: Path,
                                            permpip: Permpip) -> None:
    """The key holds the build requirements' files: another setuptools, another build."""
    dist = tmp_path / "dist"
    publish_attrpkg(index, dist, marker)
    project = tmp_path / "project"
    write_policy(project, {"setuptools": SETUPTOOLS_GRANT,
                           "attrpkg": {"allow": ["install-hooks", "fs-write"],
                                       "at-import": ["fs-write"]}})
    (project / "requirements.txt").write_text("attrpkg\n")
    args = ("check", "--index-url", index.url, "--cache-dir", str(tmp_path / "cache"))
    first = permpip(*args, cwd=project)
    assert first.returncode == 0, first.stdout + first.stderr
    assert _lines(marker) == 1
    index.publish(build_wheel(dist / "new", "setuptools", "80.1",
                              {"setuptools/__init__.py": "",
                               "setuptools/build_meta.py": SETUPTOOLS_STANDIN}))
    second = permpip(*args, cwd=project)
    assert second.returncode == 0, second.stdout + second.stderr
    assert _lines(marker) == 2
    assert second.stdout != first.stdout  # setuptools 80.1 is judged, not 80.0
    assert "building attrpkg-1.0.tar.gz: attrpkg-1.0-py3-none-any.whl" in \
        second.stderr.splitlines()
    assert len(_build_records(tmp_path / "cache")) == 2
