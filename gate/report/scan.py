"""Scan results as text for people (JSON is ``gate.model.scans_to_json``). Formatting only.

Evidence is listed in review order (``gate.model.review_key``): the package's own code first,
what runs at import before what runs later, public modules before private ones; labelled
evidence (shipped tests, platform-only code, ``__main__`` blocks, bundled libraries) last,
each line saying its label. A capability with labelled evidence gets a one-line summary,
the same text ``permpip policy init`` writes as a comment above each grant. The hosts the
code names as literals (``gate.scan.hosts``) follow, one line each, most often named first.
"""

from __future__ import annotations

from collections.abc import Sequence

from gate.model import Capability, Finding, HostSeen, Label, PackageScan, review_key
from gate.report import clean

# how a summary names the evidence of each label
LABEL_TEXT = {
    Label.PLATFORM: "platform-only code",
    Label.MAIN: "__main__ blocks",
    Label.TESTS: "shipped tests",
    Label.BUNDLED: "bundled libraries",
}
_SOURCES = 2  # places named in "all in ... (a, b, …)"


def format_finding(f: Finding) -> str:
    """``path:line  detail  (phase)``, then ``[label]`` when it has one; binaries and whole
    files (line 0) have no ``:line``."""
    label = f"  [{f.label}]" if f.label is not None else ""
    return f"{f.where}  {f.detail}  ({f.phase}){label}"


def summary(cap: Capability, findings: Sequence[Finding]) -> str:
    """One line on where ``cap``'s evidence comes from:
    ``network: 33 lines, all in bundled libraries (libcrypto-fb8d5b21.so.3)``,
    ``fs-write: 373 lines: 196 in the package's code (first numpy/...:12, import),
    177 in shipped tests``."""
    ordered = sorted(set(findings), key=review_key)
    n = len(ordered)
    head = f"{cap}: {n} line{'' if n == 1 else 's'}"
    own = [f for f in ordered if f.label is None]
    groups = {label: [f for f in ordered if f.label is label] for label in Label}
    groups = {label: fs for label, fs in groups.items() if fs}
    if not groups:
        return f"{head}, all in the package's code (first {_first(own[0])})"
    if not own and len(groups) == 1:
        (label, fs), = groups.items()
        return f"{head}, all in {LABEL_TEXT[label]} ({_sources(label, fs)})"
    parts = [f"{len(own)} in the package's code (first {_first(own[0])})"] if own else []
    parts += [f"{len(fs)} in {LABEL_TEXT[label]}" for label, fs in groups.items()]
    return f"{head}: {', '.join(parts)}"


def _first(f: Finding) -> str:
    return f"{f.where}, {f.phase}"


def _sources(label: Label, findings: Sequence[Finding]) -> str:
    """The first few places the evidence comes from: a bundled library by its file name, a
    test package by its directory, anything else by its file."""
    names: list[str] = []
    for f in findings:
        parts = f.path.split("/")
        if label is Label.BUNDLED:
            name = parts[-1]
        elif label is Label.TESTS:
            tests = [i for i, p in enumerate(parts[:-1]) if p in ("tests", "test", "testing")]
            name = "/".join(parts[:tests[0] + 1]) + "/" if tests else f.path
        else:
            name = f.path
        if name not in names:
            names.append(name)
    shown = ", ".join(names[:_SOURCES])
    return shown + (", …" if len(names) > _SOURCES else "")


HOSTS_LISTED = 10  # hosts per package in the text report (JSON has every place)
HOSTS_NAMED = 6  # hosts named in policy init's comment


def _own_hosts(scan: PackageScan) -> tuple[list[tuple[str, list[HostSeen]]], int]:
    """(host, its places outside shipped tests) for the hosts the package's own code names,
    most often named first; and how many hosts only shipped tests name."""
    own, tests = [], 0
    for host, places in scan.hosts_named.items():
        mine = [p for p in places if p.label is None]
        if mine:
            own.append((host, mine))
        else:
            tests += 1
    own.sort(key=lambda hp: -len(hp[1]))  # (stable: first named first among equals)
    return own, tests


def hosts_lines(scan: PackageScan) -> list[str]:
    """``hosts named in code: N`` and a line per host with its first place."""
    own, tests = _own_hosts(scan)
    if not own and not tests:
        return []
    also = f" ({tests} more only in shipped tests)" if tests else ""
    lines = [f"  hosts named in code: {len(own)}{also}"]
    for host, places in own[:HOSTS_LISTED]:
        more = f" (+{len(places) - 1} more)" if len(places) > 1 else ""
        lines.append(f"    {host}  {clean(places[0].where)}{more}")
    if len(own) > HOSTS_LISTED:
        lines.append(f"    ... and {len(own) - HOSTS_LISTED} more (--format json lists all)")
    return lines


def hosts_summary(scan: PackageScan) -> str | None:
    """policy init's comment beside a network grant: the hosts the code names, for a
    reviewer writing ``hosts`` (``hosts named in code: api.x.io, … (9 hosts; ...)``)."""
    own, _tests = _own_hosts(scan)
    if not own:
        return None
    names = ", ".join(host for host, _ in own[:HOSTS_NAMED])
    rest = ", …" if len(own) > HOSTS_NAMED else ""
    n = len(own)
    return (f"network: hosts named in code: {names}{rest} ({n} host{'' if n == 1 else 's'}; "
            f"`permpip scan` shows where)")


def format_text(scans: Sequence[PackageScan]) -> str:
    """One block per package: its capabilities, each with its evidence in review order."""
    blocks: list[str] = []
    for scan in scans:
        caps = scan.capabilities
        summary_line = ", ".join(str(c) for c in caps) if caps else "no capabilities"
        lines = [f"{scan.name} {scan.version}  ({scan.filename}): {summary_line}"]
        for cap, findings in caps.items():
            labelled = any(f.label is not None for f in findings)
            lines.append(f"  {summary(cap, findings) if labelled else cap}")
            lines += [f"    {format_finding(f)}" for f in sorted(findings, key=review_key)]
        lines += hosts_lines(scan)
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + ("\n" if blocks else "")
