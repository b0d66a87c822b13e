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

    def scan_all(jobs: Sequence[tuple[int, Path, str, str]]) -> Iterator[tuple[int, PackageScan]]:
        jobs_seen.append(list(jobs))
        return real(jobs)

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
