"""The summary after ``permpip install``/``check``: packages, capabilities, the verdict.

Formatting only: the verdict itself comes from ``gate.evaluate`` and is printed with
``gate.report.verdict``. Every count agrees with the rest: the head counts the table's rows
(one per package judged: the verdict's count), the installed distributions the resolution
kept are one line ("N already satisfied (not scanned: installed before permpip ran)");
what pip/uv installed is counted by its own output and by the ``installing`` progress line
(JSON: ``changed``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gate.model import Capability, PackageScan


def _merged(scans: Sequence[PackageScan]) -> dict[tuple[str, str, str], set[Capability]]:
    merged: dict[tuple[str, str, str], set[Capability]] = {}
    for s in scans:  # a package can be both a dependency and a build requirement: one row
        merged.setdefault((s.name, s.version, s.filename), set()).update(s.capabilities)
    return merged


def capabilities_table(scans: Sequence[PackageScan]) -> str:
    """``name version  cap, cap`` per package (``-`` when it uses none)."""
    merged = _merged(scans)
    rows = []
    for (name, version, filename), found in sorted(merged.items()):
        caps = ", ".join(str(c) for c in Capability if c in found) or "-"
        kind = "" if filename.endswith(".whl") else " (sdist)"
        rows.append((f"{name} {version}{kind}", caps))
    width = max((len(r[0]) for r in rows), default=0)
    return "\n".join(f"  {left:<{width}}  {right}" for left, right in rows)


def satisfied_text(satisfied: Sequence[tuple[str, str]]) -> str:
    """One line for the installed distributions the resolution kept, as pip says it."""
    n = len(satisfied)
    names = ", ".join(f"{name} {version}" for name, version in sorted(satisfied))
    return f"{n} already satisfied (not scanned: installed before permpip ran): {names}"


def format_summary(scans: Sequence[PackageScan], verdict_text: str, *, installed: bool,
                   dry_run: bool = False, satisfied: Sequence[tuple[str, str]] = ()) -> str:
    """The head counts the table's rows: one per package judged, each scanned (in this run
    or, from the cache, before), the count the verdict says too."""
    n = len(_merged(scans))
    head = f"{n} package{'s' if n != 1 else ''} scanned; capabilities by package:"
    parts = [head, capabilities_table(scans)]
    if satisfied:
        parts.append(satisfied_text(satisfied))
    parts += ["", verdict_text.rstrip()]
    if installed:
        parts.append("installed (dry run)" if dry_run else "installed")
    return "\n".join(parts) + "\n"


def summary_json(scans: Sequence[PackageScan], verdict_json: dict[str, Any], *,
                 installed: bool, satisfied: Sequence[tuple[str, str]] = (),
                 changed: Sequence[str] | None = None) -> dict[str, Any]:
    out = dict(verdict_json)
    out.setdefault("schema", 1)
    out["installed"] = installed
    out["scans"] = [s.to_json() for s in scans]
    out["already_satisfied"] = [{"name": name, "version": version}
                                for name, version in sorted(satisfied)]
    if changed is not None:
        out["changed"] = list(changed)
    return out
