"""Two permpip runs sharing one cold cache at the same time: both succeed, and the cache
holds only whole, consistent files (content-addressed: each file hashes to its name)."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from gate._subprocess import Completed
from gate.cache import Cache
from gate.model import PackageScan
from tests.builders import build_wheel
from tests.conftest import installed, write_policy
from tests.index import SubIndex

pytestmark = pytest.mark.e2e

NAMES = [f"pkg{i}" for i in range(6)]


def _publish(index: SubIndex, dist: Path) -> None:
    for i, name in enumerate(NAMES):
        blob = hashlib.sha256(name.encode()).digest() * 8000  # ~256 kB, incompressible-ish
        index.publish(build_wheel(dist, name, f"1.{i}", {
            f"{name}/__init__.py": "import os\n\n\ndef where():\n    return os.getcwd()\n",
            f"{name}/data.bin": os.urandom(64) + blob}))
    index.publish(build_wheel(dist, "top", "1.0", {"top/__init__.py": ""}, requires=NAMES))


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
