"""The summary after ``permpip install``/``check``: packages, capabilities, the verdict.

Formatting only: the verdict itself comes from ``gate.evaluate`` and is printed with
``gate.report.verdict``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gate.model import Capability, PackageScan


def capabilities_table(scans: Sequence[PackageScan]) -> str:
    """``name version  cap, cap`` per package (``-`` when it uses none)."""
    merged: dict[tuple[str, str, str], set[Capability]] = {}
    for s in scans:  # a package can be both a dependency and a build requirement: one row
        merged.setdefault((s.name, s.version, s.filename), set()).update(s.capabilities)
    rows = []
    for (name, version, filename), found in sorted(merged.items()):
        caps = ", ".join(str(c) for c in Capability if c in found) or "-"
        kind = "" if filename.endswith(".whl") else " (sdist)"
        rows.append((f"{name} {version}{kind}", caps))
    width = max((len(r[0]) for r in rows), default=0)
    return "\n".join(f"  {left:<{width}}  {right}" for left, right in rows)


def format_summary(scans: Sequence[PackageScan], verdict_text: str, *, installed: bool,
                   dry_run: bool = False) -> str:
    n = len({(s.name, s.version) for s in scans})
    head = f"{n} package{'s' if n != 1 else ''} scanned; capabilities by package:"
    parts = [head, capabilities_table(scans), "", verdict_text.rstrip()]
    if installed:
        parts.append("installed (dry run)" if dry_run else "installed")
    return "\n".join(parts) + "\n"


def summary_json(scans: Sequence[PackageScan], verdict_json: dict[str, Any], *,
                 installed: bool) -> dict[str, Any]:
    out = dict(verdict_json)
    out.setdefault("schema", 1)
    out["installed"] = installed
    out["scans"] = [s.to_json() for s in scans]
    return out
