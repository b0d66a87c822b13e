"""Scan results as text for people (JSON is ``gate.model.scans_to_json``). Formatting only."""

from __future__ import annotations

from collections.abc import Sequence

from gate.model import Finding, PackageScan


def format_finding(f: Finding) -> str:
    """``path:line  detail  (phase)``; binaries and whole files (line 0) have no ``:line``."""
    return f"{f.where}  {f.detail}  ({f.phase})"


def format_text(scans: Sequence[PackageScan]) -> str:
    """One block per package: its capabilities, each with its evidence."""
    blocks: list[str] = []
    for scan in scans:
        caps = scan.capabilities
        summary = ", ".join(str(c) for c in caps) if caps else "no capabilities"
        lines = [f"{scan.name} {scan.version}  ({scan.filename}): {summary}"]
        for cap, findings in caps.items():
            lines.append(f"  {cap}")
            lines += [f"    {format_finding(f)}" for f in findings]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + ("\n" if blocks else "")
