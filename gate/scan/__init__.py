"""scan: artifact -> findings. Reads archives in memory; never extracts, imports or runs.

Public API (other stages code against these names):

    scan_artifact(path: Path, *, sha256: str | None = None) -> PackageScan
        One wheel or sdist. Raises ScanError (exit 3) for an archive it refuses to read.
    scan_paths(paths: Sequence[Path]) -> list[PackageScan]
        Wheels, sdists, or directories of them (sorted by name, version).
        Raises UsageError (exit 2) for a path that does not exist or is not an artifact.

Modules: ``wheel`` (what each installed file does), ``sdist`` (build systems), ``native``
(binaries), ``python`` (source, on the AST); ``gate.archive`` reads the archives and
``gate.layout`` says where pip and uv install each member of a wheel (and refuses wheels
they would install differently).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import Version

from gate.archive import read_archive
from gate.errors import ScanError, UsageError
from gate.model import NormalizedName, PackageScan, normalize
from gate.scan.hosts import collecting

__all__ = ["artifact_name", "is_artifact", "scan_artifact", "scan_paths"]

SUFFIXES = (".whl", ".tar.gz", ".zip")


def is_artifact(path: Path) -> bool:
    """Does the file name look like a wheel or an sdist?"""
    return path.name.endswith(SUFFIXES)


def artifact_name(filename: str) -> tuple[NormalizedName, Version]:
    """Name and version from a wheel or sdist filename; ScanError if it is not one."""
    try:
        if filename.endswith(".whl"):
            name, version, _build, _tags = parse_wheel_filename(filename)
        else:
            name, version = parse_sdist_filename(filename)
    except (InvalidWheelFilename, InvalidSdistFilename) as exc:
        raise ScanError(f"{filename}: not a valid wheel or sdist filename ({exc})") from None
    return normalize(name), version


def scan_artifact(path: Path, *, sha256: str | None = None) -> PackageScan:
    """Every finding of one wheel or sdist. ``sha256`` is trusted when given (fetch checked it)."""
    name, version = artifact_name(path.name)
    if sha256 is None:
        try:
            with path.open("rb") as fh:
                sha256 = hashlib.file_digest(fh, "sha256").hexdigest()
        except OSError as exc:
            raise ScanError(f"{path.name}: cannot read: {exc.strerror or exc}") from None
    with collecting() as hosts:  # literal hosts, noted as each Python file is scanned
        if path.name.endswith(".whl"):  # (the sdist scanner's modules only for an sdist)
            from gate.scan.nodes import gc_paused
            from gate.scan.reach_modules import remembering
            from gate.scan.wheel import scan_wheel

            # what the scanner learns of each file is kept for the cross-module pass; a
            # wheel's scan leaves no reference cycles (trees, tables: freed by reference
            # counts), so the cyclic collector's passes over them are only a cost
            with gc_paused(), read_archive(path, verify=True) as ar, remembering():
                findings = scan_wheel(ar, name=name, version=str(version))
        else:
            from gate.scan.labels import labelled
            from gate.scan.sdist import keep, scan_sdist

            with read_archive(path, keep=keep, verify=True) as ar:
                findings = labelled(scan_sdist(ar, name=name, version=str(version)))
    return PackageScan(name=name, version=str(version), filename=path.name, sha256=sha256,
                       findings=tuple(sorted(set(findings))), hosts=tuple(sorted(set(hosts))))


def scan_paths(paths: Sequence[Path]) -> list[PackageScan]:
    """Scan wheels, sdists and directories of them; sorted by (name, version, filename)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and is_artifact(p))
            if not found:
                raise UsageError(f"{path}: no wheels or sdists in this directory")
            files += found
        elif not path.exists():
            raise UsageError(f"{path}: no such file or directory")
        elif not is_artifact(path):
            raise UsageError(f"{path}: not a wheel or sdist (.whl, .tar.gz, .zip)")
        else:
            files.append(path)
    for path in files:
        try:
            artifact_name(path.name)
        except ScanError as exc:
            raise UsageError(str(exc)) from None
    scans = [scan_artifact(p) for p in files]
    return sorted(scans, key=lambda s: (s.name, Version(s.version), s.filename))
