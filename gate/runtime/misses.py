"""Scanner misses: a capability ``permpip run`` saw a package use that the static scan of
the installed distribution does not find (in that phase).

    installed_scan(site, name, version) -> PackageScan       (ScanError when it cannot)
    find_misses(seen) -> (misses, unscanned)

The installed distribution is the ``*.dist-info`` in the directory the guard found the
package in; its files are those its RECORD lists inside that directory (scripts and data
files installed elsewhere are not read). They are put back into a wheel in memory, with the
distribution's own METADATA and WHEEL, and scanned by the wheel scanner: the same scan
``permpip install`` makes. Bytecode the installer compiled (``__pycache__/*.pyc`` of a
listed ``.py``) is left out, as it is not in a wheel.

A use at import is a miss when no static finding of its capability is in the import (or
startup) phase; a use at run time, when there is no static finding of it at all (an
import-phase finding needs the grant at run time too). The static side of the evidence is
``static scan: no network finding`` or ``static scan: network only at runtime (...)``,
and the static finding nearest to where the run saw it (the same file; ``dynamic-code``
first, as that is what hides code from a scanner).
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name

from gate.errors import GateError, ScanError
from gate.model import Capability, Finding, PackageScan, Phase
from gate.runtime.session import Seen

_SKIP_INFO = frozenset({"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"})


@dataclass(frozen=True, kw_only=True, slots=True)
class Miss:
    package: str
    version: str
    capability: str
    phase: str
    run: tuple[str, ...]  # the run's first evidence chain
    static: str  # "static scan: ..."
    site: str = ""  # the sys.path directory the chain's first path is relative to

    def to_json(self) -> dict[str, object]:
        return {"package": self.package, "version": self.version,
                "capability": self.capability, "phase": self.phase,
                "run_evidence": " -> ".join(self.run), "static_evidence": self.static}


def _dist_info(site: Path, name: str, version: str) -> Path:
    for entry in sorted(site.glob("*.dist-info")):
        stem = entry.name.removesuffix(".dist-info")
        dist, _, ver = stem.rpartition("-")
        if canonicalize_name(dist) == canonicalize_name(name) and ver == version:
            return entry
    raise ScanError(f"no {name}-{version}.dist-info in {site}")


def installed_scan(site: Path, name: str, version: str) -> PackageScan:
    """The wheel scan of ``name`` ``version`` as installed in ``site``."""
    from gate.scan import scan_artifact

    info = _dist_info(site, name, version)
    try:
        rows = list(csv.reader(io.StringIO((info / "RECORD").read_text(encoding="utf-8"))))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ScanError(f"cannot read {info.name}/RECORD: {exc}") from None
    listed = {r[0] for r in rows if r}
    members: list[str] = []
    for rel in sorted(listed):
        parts = rel.split("/")
        if os.path.isabs(rel) or ".." in parts or not rel:
            continue  # installed outside the directory (scripts, data): not read
        if parts[0] == info.name and parts[-1] in _SKIP_INFO:
            continue
        if "__pycache__" in parts and rel.endswith(".pyc"):
            source = "/".join(parts[:-2] + [parts[-1].split(".")[0] + ".py"])
            if source in listed:
                continue  # compiled by the installer from a listed source
        if (site / rel).is_file():
            members.append(rel)
    with tempfile.TemporaryDirectory(prefix="permpip-installed-") as tmp:
        stem = canonicalize_name(name).replace("-", "_")
        wheel = Path(tmp) / f"{stem}-{version}-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as zf:
            for rel in members:
                zf.write(site / rel, rel)
            if f"{info.name}/WHEEL" not in members:  # (installers write it; not all)
                zf.writestr(f"{info.name}/WHEEL", "Wheel-Version: 1.0\nGenerator: permpip "
                            "(installed files)\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        return scan_artifact(wheel)


def _static(use: Seen, findings: Sequence[Finding]) -> str | None:
    """The static side of a miss, or None when the static scan found the use."""
    cap = Capability(use.capability)
    mine = sorted(f for f in findings if f.capability == cap)
    if use.phase == "import":
        if any(f.phase in (Phase.IMPORT, Phase.STARTUP) for f in mine):
            return None
    elif mine:
        return None
    if mine:
        first = mine[0]
        text = (f"static scan: {cap} only at {first.phase} ({first.where} {first.detail}; "
                f"{len(mine)} finding{'s' if len(mine) > 1 else ''})")
    else:
        text = f"static scan: no {cap} finding"
    path, _, line = use.where.rpartition(":")
    here = [f for f in findings if f.path == path]
    if here and line.isdigit():
        n = int(line)
        near = min(here, key=lambda f: (f.capability != Capability.DYNAMIC_CODE,
                                        abs(f.line - n), f.line))
        text += f"; nearest: {near.where} {near.capability} ({near.phase}): {near.detail}"
    return text


def find_misses(seen: Sequence[Seen]) -> tuple[list[Miss], list[str]]:
    """(misses, why some packages could not be compared): one static scan a package."""
    scans: dict[tuple[str, str, str], PackageScan | str] = {}
    misses: list[Miss] = []
    for use in seen:
        if use.capability not in Capability.__members__.values():
            continue
        key = (use.package, use.version, use.site)
        if key not in scans:
            if use.version == "?" or not use.site:
                scans[key] = (f"{use.package}: not compared with a static scan (no "
                              f"RECORD lists its files)")
            else:
                try:
                    scans[key] = installed_scan(Path(use.site), use.package, use.version)
                except GateError as exc:
                    scans[key] = (f"{use.package} {use.version}: not compared with a static "
                                  f"scan ({exc.message})")
        scan = scans[key]
        if isinstance(scan, str):
            continue
        static = _static(use, scan.findings)
        if static is not None:
            misses.append(Miss(package=use.package, version=use.version,
                               capability=use.capability, phase=use.phase, run=use.chain,
                               static=static, site=use.site))
    return misses, [s for s in scans.values() if isinstance(s, str)]
