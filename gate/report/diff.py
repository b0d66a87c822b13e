"""A ``LockDiff`` as text, JSON, Markdown (pull-request comment) or SARIF 2.1.0.

Formatting only: every decision (what changed, what is granted, what fails) is made in
``gate.diff``. Import-time gains come first: packages that gained a use at import are listed
before the others (text, Markdown, SARIF), and a package's gains are import-time first.
Text taken from packages (archive paths, details) is untrusted: it is escaped for Markdown
and never allowed to break a line or a table row.

Public API:

    render(diff, fmt, *, root=None, cwd=None) -> str     fmt: text | json | markdown | sarif
    diff_to_json(diff) -> dict                           the ``--format json`` document
    diff_to_sarif(diff, *, root=None, cwd=None) -> dict  SARIF 2.1.0, one result per
                                                         ungranted capability of a package
                                                         (rule ``CAP-at-import`` when the
                                                         missing grant is the at-import one)
    grant_command(pkg) -> str | None                     ``permpip policy allow NAME CAP...``
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gate.diff import Change, Gain, LockDiff, PackageDiff, Verdict
from gate.evaluate import allow_command
from gate.model import Capability, Finding, Phase
from gate.report import clean, sarif

FORMATS = ("text", "json", "markdown", "sarif")
EVIDENCE_SHOWN = 5  # evidence lines per gain in text and Markdown; JSON and SARIF have all


def render(
    diff: LockDiff, fmt: str, *, root: Path | None = None, cwd: Path | None = None
) -> str:
    """The report in ``fmt``; ends with a newline."""
    if fmt == "json":
        return json.dumps(diff_to_json(diff), indent=2) + "\n"
    if fmt == "sarif":
        return json.dumps(diff_to_sarif(diff, root=root, cwd=cwd), indent=2) + "\n"
    if fmt == "markdown":
        return format_markdown(diff)
    return format_text(diff)


# -- shared wording ---------------------------------------------------------------------


def grant_command(pkg: PackageDiff) -> str | None:
    """How to grant what ``pkg`` is refused, as one ``permpip policy allow`` line."""
    if not pkg.missing:
        return None
    return allow_command(pkg.name, pkg.missing, pkg.fix_versions,
                         at_import=pkg.missing_at_import)


def _changed(diff: LockDiff) -> list[PackageDiff]:
    """Changed packages, those that gained a use at import first (each group by name)."""
    return sorted(diff.changed, key=lambda p: not any(g.phase is Phase.IMPORT
                                                     for g in p.gained))


def _missing_words(pkg: PackageDiff) -> str:
    late = pkg.missing_at_import
    return ", ".join(f"{c} at import" if c in late else str(c) for c in pkg.missing)


def _versions(pkg: PackageDiff, arrow: str) -> str:
    return clean(_versions_raw(pkg, arrow))


def _versions_raw(pkg: PackageDiff, arrow: str) -> str:
    if pkg.change is Change.ADDED:
        return f"{pkg.new_version} (added)"
    if pkg.change is Change.REMOVED:
        return f"{pkg.old_version} (removed)"
    if pkg.change is Change.REBUILT:
        return f"{pkg.new_version} (rebuilt: other file, same version)"
    return f"{pkg.old_version} {arrow} {pkg.new_version} ({pkg.change})"


def _access(gain: Gain) -> str:
    return f"{gain.capability} ({gain.phase})"


def _fails(diff: LockDiff, pkg: PackageDiff) -> bool:
    return pkg.verdict is Verdict.REFUSED or (diff.strict and bool(pkg.gained))


def _verdict_words(diff: LockDiff, pkg: PackageDiff) -> str:
    v = pkg.verdict
    if v is Verdict.REFUSED:
        return "not granted: " + _missing_words(pkg)
    if v is Verdict.NO_GAIN:
        return "nothing gained"
    if diff.strict:
        return "gained (--strict)"
    return "granted" if v is Verdict.GRANTED else "not reviewed (no policy)"


def _summary(diff: LockDiff) -> str:
    changed = len(diff.changed)
    unchanged = len(diff.packages) - changed
    refused = len(diff.refused)
    head = f"{_n(changed, 'package')} changed, {unchanged} unchanged"
    if refused:
        why = ("gained capabilities (--strict)" if diff.strict
               else "gained capabilities the policy does not grant")
        return f"{head}; {_n(refused, 'package')} {why}"
    return f"{head}; nothing gained that the policy does not grant" if diff.judged else (
        f"{head}; no policy applied (--no-policy)")


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


# -- text -------------------------------------------------------------------------------


def format_text(diff: LockDiff) -> str:
    lines = [f"permpip diff {clean(diff.old_label)} -> {clean(diff.new_label)}"]
    for pkg in _changed(diff):
        mark = "FAIL" if _fails(diff, pkg) else "ok"
        where = f"  [{clean(pkg.source)}]" if pkg.source else ""
        lines.append(f"{mark:<4} {pkg.name} {_versions(pkg, '->')}{where}: "
                     f"{_verdict_words(diff, pkg)}")
        if pkg.note:
            lines.append(f"       note: {clean(pkg.note)}")
        for gain in pkg.gained:
            state = {True: "granted", False: "NOT GRANTED", None: "not reviewed"}[gain.granted]
            if gain.missing_at_import:
                state += " at import"
            if gain.missing and gain.missing != (gain.capability,):  # the phase's hook
                state += f" (needs {', '.join(gain.missing)})"
            lines.append(f"       + {_access(gain)}  {state}")
            lines += [f"           {_finding_text(f)}" for f in gain.evidence[:EVIDENCE_SHOWN]]
            if len(gain.evidence) > EVIDENCE_SHOWN:
                lines.append(f"           ... and {len(gain.evidence) - EVIDENCE_SHOWN} more")
        lines += [f"       - {c} ({p})" for c, p in pkg.lost]
        grant = grant_command(pkg)
        if grant:
            lines.append(f"       grant with: {grant}")
    lines.append(_summary(diff))
    return "\n".join(lines) + "\n"


def _finding_text(f: Finding) -> str:
    return f"{clean(f.where)}  {clean(f.detail)}"


# -- JSON -------------------------------------------------------------------------------


def diff_to_json(diff: LockDiff) -> dict[str, Any]:
    return {
        "schema": 1,
        "old": diff.old_label,
        "new": diff.new_label,
        "strict": diff.strict,
        "policy": diff.judged,
        "refused": [p.name for p in diff.refused],
        "unchanged": len(diff.packages) - len(diff.changed),
        "packages": [_package_json(p) for p in diff.changed],
    }


def _package_json(pkg: PackageDiff) -> dict[str, Any]:
    return {
        "name": pkg.name,
        "change": str(pkg.change),
        "old_version": pkg.old_version,
        "new_version": pkg.new_version,
        "source": pkg.source,
        "verdict": str(pkg.verdict),
        "note": pkg.note,
        "fix": grant_command(pkg),
        "missing_at_import": [str(c) for c in pkg.missing_at_import],
        "gained": [
            {"capability": str(g.capability), "phase": str(g.phase), "granted": g.granted,
             "missing": [str(c) for c in g.missing], "at_import": g.at_import,
             "evidence": [f.to_json() for f in g.evidence]}
            for g in pkg.gained
        ],
        "lost": [{"capability": str(c), "phase": str(p)} for c, p in pkg.lost],
    }


# -- Markdown ---------------------------------------------------------------------------


def format_markdown(diff: LockDiff) -> str:
    """A pull-request comment: one table row per changed package, evidence folded below."""
    refused = diff.refused
    icon = "❌" if refused else "✅"
    out = ["### permpip diff", "", f"{icon} {_summary(diff)}.", ""]
    if not diff.changed:
        return "\n".join(out)
    out += ["| package | version | gained | lost | verdict |", "|---|---|---|---|---|"]
    for pkg in _changed(diff):
        old = _md(pkg.old_version) if pkg.old_version else "—"
        new = _md(pkg.new_version) if pkg.new_version else "—"
        gained = ", ".join(_access(g) for g in pkg.gained) or "—"
        lost = ", ".join(f"{c} ({p})" for c, p in pkg.lost) or "—"
        mark = "❌" if _fails(diff, pkg) else "✅"
        out.append(f"| {_md_code(pkg.name)} | {old} → {new} | {gained} | {lost} | "
                   f"{mark} {_verdict_words(diff, pkg)} |")
    for pkg in _changed(diff):
        if pkg.gained:
            out += ["", *_md_details(diff, pkg)]
    out.append("")
    return "\n".join(out)


def _md_details(diff: LockDiff, pkg: PackageDiff) -> list[str]:
    summary = f"<code>{_html(pkg.name)}</code> {_html(_versions(pkg, '→'))}: evidence"
    out = [f"<details><summary>{summary}</summary>", ""]
    if pkg.source:
        out += [f"Pinned at {_md_code(pkg.source)}.", ""]
    if pkg.note:
        out += [f"Note: {_md(pkg.note)}.", ""]
    for gain in pkg.gained:
        state = {True: "granted", False: "**not granted**", None: "not reviewed"}[gain.granted]
        if gain.missing_at_import:
            state = "**not granted at import**"
        out.append(f"- {_access(gain)}: {state}")
        out += [f"  - {_md_code(f.where)} {_md(f.detail)}"
                for f in gain.evidence[:EVIDENCE_SHOWN]]
        if len(gain.evidence) > EVIDENCE_SHOWN:
            out.append(f"  - … and {len(gain.evidence) - EVIDENCE_SHOWN} more")
    grant = grant_command(pkg)
    if grant:
        out += ["", f"Grant with {_md_code(grant)} after review."]
    out += ["", "</details>"]
    return out


def _md(text: str) -> str:
    """Untrusted text as inert Markdown inside a table cell or list item."""
    text = _html(clean(text))
    return re.sub(r"([\\`*_\[\]|~])", r"\\\1", text)


def _md_code(text: str) -> str:
    """A code span that no backtick in ``text`` can end early (not for table cells)."""
    text = clean(text)
    fence = "`" * (max((len(r) for r in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _html(text: str) -> str:
    return clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# -- SARIF ------------------------------------------------------------------------------


def diff_to_sarif(
    diff: LockDiff, *, root: Path | None = None, cwd: Path | None = None
) -> dict[str, Any]:
    """One ``error`` result per package and capability the policy does not grant (under
    ``--strict`` also a ``warning`` per granted gained capability), located at the line
    that pins the package. ``root``: the repository root URIs are relative to;
    ``cwd``: what relative ``Pin.source`` paths are relative to."""
    results: list[dict[str, Any]] = []
    rule_ids: list[tuple[Capability, bool]] = []
    items = [(pkg, item) for pkg in _changed(diff) for item in _sarif_items(diff, pkg)]
    items.sort(key=lambda pi: not pi[1][3])  # import-time results first (stable)
    for pkg, (cap, level, gains, late) in items:
        if (cap, late) not in rule_ids:
            rule_ids.append((cap, late))
        results.append(_sarif_result(pkg, cap, level, gains, rule_ids.index((cap, late)),
                                     at_import=late, root=root, cwd=cwd))
    return sarif.log([_sarif_rule(c, late) for c, late in rule_ids], results)


def _sarif_rule(cap: Capability, at_import: bool) -> dict[str, Any]:
    if at_import:
        return {
            "id": f"{cap}-at-import", "name": _rule_name(cap) + "AtImport",
            "shortDescription": {"text": f"A dependency gained the {cap} capability at "
                                         f"import time"},
            "fullDescription": {"text": f"A dependency update added code that uses the {cap} "
                                        "capability while the package is being imported "
                                        "(merely importing it runs it), which "
                                        "[tool.permissions] does not grant it at-import."},
            "help": {"text": f"Review the evidence first: this is how compromised releases "
                             f"of trusted packages act. If it is expected, grant it with "
                             f"`permpip policy allow <package> {cap} --at-import`."},
            "defaultConfiguration": {"level": "error"}}
    return {"id": str(cap), "name": _rule_name(cap),
            "shortDescription": {"text": f"A dependency gained the {cap} capability"},
            "fullDescription": {"text": f"A dependency update added code that uses the {cap} "
                                        "capability, which [tool.permissions] does not grant "
                                        "to it."},
            "help": {"text": f"Review the evidence; if it is expected, grant it with "
                             f"`permpip policy allow <package> {cap}`."},
            "defaultConfiguration": {"level": "error"}}


def _sarif_items(
    diff: LockDiff, pkg: PackageDiff
) -> list[tuple[Capability, str, list[Gain], bool]]:
    """(capability, level, its gains, whether the at-import grant is what is missing)."""
    items: list[tuple[Capability, str, list[Gain], bool]] = []
    for cap in pkg.missing:
        items.append((cap, "error", [g for g in pkg.gained if cap in g.missing],
                      cap in pkg.missing_at_import))
    if diff.strict:
        for cap in Capability:
            gains = [g for g in pkg.gained if g.capability is cap]
            if gains and cap not in pkg.missing:
                items.append((cap, "warning", gains,
                              any(g.phase is Phase.IMPORT for g in gains)))
    items.sort(key=lambda item: not item[3])  # import-time first
    return items


def _sarif_result(
    pkg: PackageDiff, cap: Capability, level: str, gains: Sequence[Gain], index: int,
    *, at_import: bool = False, root: Path | None, cwd: Path | None,
) -> dict[str, Any]:
    evidence = [f for g in gains for f in g.evidence]
    where = (f" Evidence: {clean(evidence[0].where)} "
             f"({clean(evidence[0].detail)})" if evidence else "")
    more = f" and {len(evidence) - 1} more." if len(evidence) > 1 else "." if evidence else ""
    pairs = ", ".join(_access(g) for g in gains)
    head = f"{pkg.name} {_versions(pkg, '->')} gains {pairs}"
    if level == "error" and at_import:
        why = f": {cap} at import is not granted by the policy."
        fix = allow_command(pkg.name, [cap], pkg.fix_versions, at_import=[cap])
        note = f" Note: {clean(pkg.note)}." if pkg.note else ""
        text = f"{head}{why}{where}{more}{note} Grant it with: {fix}"
    elif level == "error":
        need = "needs" if len(gains) == 1 else "need"
        why = (f": {cap} is not granted by the policy." if all(g.capability is cap for g in gains)
               else f", which {need} {cap}: not granted by the policy.")
        fix = allow_command(pkg.name, [cap], pkg.fix_versions)
        note = f" Note: {clean(pkg.note)}." if pkg.note else ""
        text = f"{head}{why}{where}{more}{note} Grant it with: {fix}"
    else:
        text = f"{head} (granted; --strict fails on any gain).{where}{more}"
    result: dict[str, Any] = {
        "ruleId": f"{cap}-at-import" if at_import else str(cap),
        "ruleIndex": index,
        "level": level,
        "message": {"text": text},
        "locations": [sarif.location(pkg.source, root=root, cwd=cwd)],
        "partialFingerprints": {"permpipPackageCapability/v1":
                                f"{pkg.name}:{cap}" + ("@import" if at_import else "")},
        "properties": {
            "package": pkg.name,
            "change": str(pkg.change),
            "oldVersion": pkg.old_version,
            "newVersion": pkg.new_version,
            "gained": [{"capability": str(g.capability), "phase": str(g.phase)} for g in gains],
            "evidence": [{"capability": str(f.capability), **f.to_json()} for f in evidence],
        },
    }
    return result


def _rule_name(cap: Capability) -> str:
    return "Gained" + "".join(part.title() for part in str(cap).split("-"))
