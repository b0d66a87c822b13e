"""scan: artifact -> findings. Reads archives in memory; never extracts, imports or runs.

Public API (other stages code against these names):

    scan_artifact(path: Path, *, sha256: str | None = None) -> PackageScan
        One wheel or sdist. Raises ScanError (exit 3) for an archive it refuses to read.
    scan_paths(paths: Sequence[Path]) -> list[PackageScan]
        Wheels, sdists, or directories of them (sorted by name, version).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from gate.model import PackageScan


def scan_artifact(path: Path, *, sha256: str | None = None) -> PackageScan:
    raise NotImplementedError  # helper: artifacts


def scan_paths(paths: Sequence[Path]) -> list[PackageScan]:
    raise NotImplementedError  # helper: artifacts
