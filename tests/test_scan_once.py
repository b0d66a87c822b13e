"""A run scans each file once (issue #15): pins that name the same bytes share one scan,
and a file scanned earlier in the run comes from the cache."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from gate import run as run_mod
from gate.cache import Cache
from gate.cli.options import parse_options
from gate.model import PackageScan, Pin, normalize
from gate.report.progress import Progress
from gate.resolve.target import current_target
from tests.builders import build_wheel


def test_one_scan_per_sha256(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wheel = build_wheel(tmp_path / "dist", "once", "1.0", {"once/__init__.py": "X = 1\n"})
    sha = hashlib.sha256(wheel.read_bytes()).hexdigest()
    jobs_seen: list[Sequence[tuple[int, Path, str, str]]] = []
    real = run_mod._scan_all

    def scan_all(jobs: Sequence[tuple[int, Path, str, str]],
                 size: int) -> Iterator[tuple[int, PackageScan]]:
        jobs_seen.append(list(jobs))
        return real(jobs, size)

    monkeypatch.setattr(run_mod, "_scan_all", scan_all)
    g = run_mod.Gate(parse_options(["x"]), cache=Cache(tmp_path / "cache"),
                     target=current_target(),
                     progress=Progress.for_stream(io.StringIO(), quiet=True), policy=None,
                     workdir=tmp_path)
    pin = Pin(name=normalize("once"), version="1.0", url=wheel.as_uri(), filename=wheel.name,
              sha256=sha, is_wheel=True)
    done = g.scan([(pin, wheel), (pin, wheel)])
    assert [len(j) for j in jobs_seen] == [1]
    assert done[0].scan == done[1].scan
    g.scan([(pin, wheel)])  # later in the run: from the cache
    assert [len(j) for j in jobs_seen] == [1, 0]


@pytest.mark.parametrize("pool_bytes", [0, 1 << 40], ids=["pool", "one-process"])
def test_scans_in_a_pool_and_in_one_process_agree(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pool_bytes: int) -> None:
    """Small sets are scanned in this process (workers cost more than the scan); larger
    ones in a process pool: the same scans either way, in the jobs' order."""
    monkeypatch.setattr(run_mod, "_POOL_BYTES", pool_bytes)
    monkeypatch.setattr(run_mod.os, "cpu_count", lambda: 2)
    a = build_wheel(tmp_path / "dist", "a", "1.0", {"a/__init__.py": "import os\nos.system('x')\n"})
    b = build_wheel(tmp_path / "dist", "b", "1.0", {
        "b/__init__.py": "import socket\ndef f():\n    socket.create_connection(('h', 1))\n"})
    jobs = [(i, w, hashlib.sha256(w.read_bytes()).hexdigest(), w.name)
            for i, w in enumerate([a, b])]
    got = dict(run_mod._scan_all(jobs, a.stat().st_size + b.stat().st_size))
    assert sorted(got) == [0, 1]
    assert [(str(f.capability), str(f.phase), f.line) for f in got[0].findings] == [
        ("subprocess", "import", 2)]
    assert [(str(f.capability), str(f.phase), f.line) for f in got[1].findings] == [
        ("network", "runtime", 3)]
