"""A policy verdict as text (for people) or JSON (for machines). Formatting only."""

from __future__ import annotations

from typing import Any

from gate.evaluate import Denial, PackageVerdict, Verdict
from gate.report import clean

EVIDENCE_LINES = 3  # per denied capability, unless verbose


def format_text(verdict: Verdict, *, verbose: bool = False) -> str:
    """``allowed: ...`` or ``refused: ...`` then each refused package with evidence and fix."""
    total = len(verdict.packages)
    refused = [p for p in verdict.packages if not p.allowed]
    where = f" (policy: {verdict.policy})" if verdict.policy else ""
    plural = "" if total == 1 else "s"
    if verdict.allowed:
        lines = [f"allowed: {total} package{plural} within the policy{where}"]
    elif refused:
        verb = "uses" if len(refused) == 1 else "use"
        lines = [f"refused: {len(refused)} of {total} package{plural} {verb} capabilities "
                 f"the policy does not grant{where}"]
    else:
        lines = [f"refused: the policy has problems --strict does not accept{where}"]
    for package in verdict.packages:
        if not package.allowed:
            lines += ["", *_package(package, verbose=verbose)]
        elif verbose:
            lines.append(f"ok {package.name} {package.version}")
    if verdict.errors or verdict.warnings or verdict.notes:
        lines.append("")
    lines += [f"error: {e}" for e in verdict.errors]
    lines += [f"warning: {w}" for w in verdict.warnings]
    lines += [f"note: {clean(n)}" for n in verdict.notes]
    return "\n".join(lines)


def _package(package: PackageVerdict, *, verbose: bool) -> list[str]:
    lines = [f"{package.name} {package.version} ({package.filename})"]
    if package.note:
        lines.append(f"  note: {package.note}")
    for denial in package.denials:
        lines += _denial(denial, verbose=verbose)
    if package.fix_command:
        lines.append(f"  fix: {package.fix_command}")
        lines.append(f"   or: {package.toml_line}")
    return lines


def _denial(denial: Denial, *, verbose: bool) -> list[str]:
    if denial.at_import:  # use while being imported needs a grant of its own (at-import)
        lines = [f"  {denial.capability} at import not granted:"]
    else:
        lines = [f"  {denial.capability} ({denial.phase}) not granted:"]
    shown = denial.evidence if verbose else denial.evidence[:EVIDENCE_LINES]
    for f in shown:
        # evidence for a hook: what runs at install/startup, and the capability it uses
        via = "" if f.capability == denial.capability else f" ({f.capability}, runs at {f.phase})"
        lines.append(f"    {f.where} {f.detail}{via}")
    hidden = len(denial.evidence) - len(shown)
    if hidden:
        lines.append(f"    ... and {hidden} more (--verbose shows all)")
    return lines


def to_json(verdict: Verdict) -> dict[str, Any]:
    return {
        "schema": 1,
        "allowed": verdict.allowed,
        "exit_code": verdict.exit_code,
        "policy": verdict.policy,
        "packages": [_package_json(p) for p in verdict.packages],
        "warnings": list(verdict.warnings),
        "errors": list(verdict.errors),
        "notes": list(verdict.notes),
    }


def _package_json(package: PackageVerdict) -> dict[str, Any]:
    return {
        "name": package.name,
        "version": package.version,
        "filename": package.filename,
        "allowed": package.allowed,
        "note": package.note,
        "denials": [
            {
                "capability": str(d.capability),
                "phase": str(d.phase),
                "evidence": [{"capability": str(f.capability), **f.to_json()}
                             for f in d.evidence],
                "at_import": d.at_import,
                "fix": d.fix_command,
                "toml": d.toml_line,
            }
            for d in package.denials
        ],
        "fix": package.fix_command,
        "toml": package.toml_line,
    }
