"""Findings x policy -> verdict: allowed, or denied with evidence and the exact fix.

Rules (docs/policy.md):
  * allowed = ``default`` | the package's grant (when its ``versions`` range covers the version);
  * a finding needs its capability, and in the install/startup phase also
    ``install-hooks``/``startup-hooks`` (``gate.model.PHASE_HOOK``);
  * a finding in the import phase also needs its capability granted ``at-import``
    (``needs_import_grant``), except the package loading its own compiled extensions and
    shared libraries (``IMPORT_FREE``): every import of a binary package does that;
  * an ungranted ``unanalyzed`` finding is a warning, a denial with ``strict``; bytecode the
    import system loads from site-packages (a detail starting with
    ``gate.scan.wheel.BYTECODE_DETAIL``, in the import or startup phase) is always a denial:
    it runs at import and nothing of it was analysed;
  * grants nothing uses are warnings (errors with ``strict``); a grant for a package not
    scanned at all is one only when the scans are a whole install set (``complete_set``).
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from gate.model import (
    PHASE_HOOK,
    Capability,
    Finding,
    NormalizedName,
    PackageScan,
    Phase,
    review_key,
)
from gate.policy import Grant, Policy, toml_line

PHASE_ORDER = (Phase.INSTALL, Phase.STARTUP, Phase.IMPORT, Phase.RUNTIME)


@dataclass(frozen=True, kw_only=True, slots=True)
class Denial:
    """One capability a package uses without a grant."""

    capability: Capability
    phase: Phase  # the earliest phase it is used in (install < startup < import < runtime)
    evidence: tuple[Finding, ...]  # every finding that needs it, earliest phase first
    fix_command: str  # permpip policy allow NAME CAP [--at-import]
    toml_line: str  # the line that command would leave in the policy
    at_import: bool = False  # the missing grant is (also) the at-import one


@dataclass(frozen=True, kw_only=True, slots=True)
class PackageVerdict:
    name: NormalizedName
    version: str
    filename: str
    allowed: bool
    denials: tuple[Denial, ...] = ()
    fix_command: str | None = None  # one command granting every denial at once
    toml_line: str | None = None
    note: str | None = None  # why a grant did not apply (its version range)


@dataclass(frozen=True, kw_only=True, slots=True)
class Verdict:
    allowed: bool
    packages: tuple[PackageVerdict, ...]
    warnings: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()  # with strict: stale grants
    policy: str = ""  # the policy file, as messages show it
    notes: tuple[str, ...] = ()  # for a reviewer, never a refusal: hosts outside `hosts`

    @property
    def exit_code(self) -> int:
        return 0 if self.allowed else 1


def needs(finding: Finding) -> tuple[Capability, ...]:
    """What a finding needs granted: its capability, plus the hook of its phase.

    A hook capability found in its own phase (a ``.pth`` line: ``startup-hooks`` in the
    startup phase) needs just itself, once.
    """
    hook = PHASE_HOOK.get(finding.phase)
    if hook is None or hook == finding.capability:
        return (finding.capability,)
    return (finding.capability, hook)


# Import-time uses that need no at-import grant (docs/policy.md has the figures): the
# import system loading a compiled extension or shared library the distribution ships
# (gate.scan.native.binary_findings' detail names the file itself). Its ``native`` grant
# is still needed; what the binary calls is labelled runtime by the scanner.
IMPORT_FREE = ("compiled extension ", "shared library ")


def needs_import_grant(finding: Finding) -> bool:
    """Does ``finding`` need its capability granted ``at-import`` as well?"""
    if finding.phase is not Phase.IMPORT or finding.capability in PHASE_HOOK.values():
        return False
    if finding.capability is Capability.NATIVE and any(
            finding.detail == f"{kind}{finding.path}" for kind in IMPORT_FREE):
        return False
    return True


def needed_capabilities(scan: PackageScan) -> frozenset[Capability]:
    """Everything ``scan`` needs granted; ``policy init`` writes exactly this."""
    return frozenset(c for f in scan.findings for c in needs(f))


def needed_at_import(scan: PackageScan) -> frozenset[Capability]:
    """What ``scan`` needs granted ``at-import``; ``policy init`` writes exactly this."""
    return frozenset(f.capability for f in scan.findings if needs_import_grant(f))


def _evidence(findings: Iterable[Finding]) -> dict[Capability, list[Finding]]:
    out: dict[Capability, list[Finding]] = {}
    # earliest phase first (a denial's phase is its first evidence's); within a phase the
    # package's own code and public modules before labelled evidence (gate.model.review_key)
    for f in sorted(set(findings), key=lambda f: (PHASE_ORDER.index(f.phase), review_key(f))):
        for cap in needs(f):
            out.setdefault(cap, []).append(f)
    return out


def allow_command(name: str, caps: Sequence[Capability], versions: str | None = None,
                  *, at_import: Sequence[Capability] = ()) -> str:
    """``permpip policy allow NAME CAP...``; capabilities in ``at_import`` are granted
    ``--at-import`` by a second command (joined with ``&&``) unless all of them are."""
    late = [c for c in caps if c in at_import]
    plain = [c for c in caps if c not in at_import]
    commands = []
    for group, flag in ((plain, []), (late, ["--at-import"])):
        if not group:
            continue
        command = shlex.join(["permpip", "policy", "allow", name, *group, *flag])
        if versions is not None:
            # quoted even where bash would not need it: zsh expands a leading '='
            command += " --versions '" + versions.replace("'", "'\\''") + "'"
        commands.append(command)
    return " && ".join(commands)


def evaluate(
    scans: Sequence[PackageScan],
    policy: Policy,
    *,
    strict: bool = False,
    complete_set: bool = False,
) -> Verdict:
    verdicts: list[PackageVerdict] = []
    warnings: list[str] = []
    notes: list[str] = []
    used: dict[NormalizedName, set[Capability]] = {}  # by scans a grant applies to
    used_late: dict[NormalizedName, set[Capability]] = {}  # ... at import
    refused: set[NormalizedName] = set()
    for scan in scans:
        verdict, scan_warnings = _package(scan, policy, strict=strict)
        verdicts.append(verdict)
        warnings += scan_warnings
        grant = policy.grant(scan.name)
        if grant is not None and grant.applies_to(scan.version):
            used.setdefault(scan.name, set()).update(needed_capabilities(scan))
            used_late.setdefault(scan.name, set()).update(needed_at_import(scan))
            if grant.hosts is not None and (note := hosts_note(scan, grant.hosts)):
                notes.append(note)
        if not verdict.allowed:
            refused.add(scan.name)
    scanned = {s.name: s for s in scans}
    stale = [
        message
        for grant in policy.packages.values()
        if (message := _stale(grant, policy, scanned.get(grant.name), used, refused,
                              complete_set=complete_set, used_late=used_late))
    ]
    errors = tuple(stale) if strict else ()
    if not strict:
        warnings += stale
    allowed = all(v.allowed for v in verdicts) and not errors
    return Verdict(allowed=allowed, packages=tuple(verdicts), warnings=tuple(warnings),
                   errors=errors, policy=policy.display, notes=tuple(notes))


HOSTS_SHOWN = 3  # hosts a note names, with where


def hosts_note(scan: PackageScan, patterns: Sequence[str]) -> str | None:
    """A grant limited to ``hosts`` whose package's code names a literal host outside them
    (shipped tests aside): a note with the first places, never a refusal (a literal may be
    a default the project overrides, an identifier, or code the project never calls;
    ``permpip run`` holds ``hosts`` on the address actually used)."""
    from gate.scan.hosts import within  # the scanner is loaded only when needed

    outside: dict[str, str] = {}
    for h in scan.hosts:
        if h.label is None and not within(h.host, patterns):
            outside.setdefault(h.host, h.where)
    if not outside:
        return None
    n = len(outside)
    shown = ", ".join(f"{host} ({where})" for host, where in list(outside.items())[:HOSTS_SHOWN])
    more = f" and {n - HOSTS_SHOWN} more (permpip scan lists them)" if n > HOSTS_SHOWN else ""
    return (f"{scan.name} {scan.version}: code names {n} host{'' if n == 1 else 's'} outside "
            f"its hosts ({', '.join(patterns)}): {shown}{more}")


def _package(
    scan: PackageScan, policy: Policy, *, strict: bool
) -> tuple[PackageVerdict, list[str]]:
    allowed = policy.allowed_for(scan.name, scan.version)
    allowed_late = policy.allowed_at_import(scan.name, scan.version)
    evidence = _evidence(scan.findings)
    late_evidence = {  # what is used at import without its at-import grant
        cap: [f for f in found if f.capability == cap and needs_import_grant(f)]
        for cap, found in evidence.items() if cap not in allowed_late
    }
    late = [c for c in Capability if late_evidence.get(c)]
    denied = [c for c in Capability if c in evidence and (c not in allowed or c in late)]
    for cap in denied:
        if cap in allowed:  # only the at-import grant is missing: show just that evidence
            evidence[cap] = late_evidence[cap]
    warnings: list[str] = []
    if (Capability.UNANALYZED in denied and not strict
            and not any(_runs_bytecode(f) for f in evidence[Capability.UNANALYZED])):
        denied.remove(Capability.UNANALYZED)
        first = evidence[Capability.UNANALYZED][0]
        n = len(evidence[Capability.UNANALYZED])
        warnings.append(
            f"{scan.name} {scan.version}: {n} place{'s' if n > 1 else ''} could not be "
            f"analysed and may use any capability ({first.where} {first.detail}); "
            f"grant 'unanalyzed' to accept, or --strict to refuse"
        )
    grant = policy.grant(scan.name)
    note = None
    versions = None
    if grant is not None and not grant.applies_to(scan.version):
        note = (f"the grant at {policy.display}:{grant.line} covers versions "
                f"'{grant.versions}', not {scan.version}")
        versions = f"=={scan.version}"  # re-review: the approval is for this version
    denials = tuple(
        Denial(
            capability=cap,
            phase=evidence[cap][0].phase,
            evidence=tuple(evidence[cap]),
            fix_command=allow_command(scan.name, [cap], versions, at_import=late),
            toml_line=toml_line(policy, scan.name, [cap], versions=versions,
                                at_import=[cap] if cap in late else []),
            at_import=cap in late,
        )
        for cap in denied
    )
    if not denials:
        return PackageVerdict(name=scan.name, version=scan.version, filename=scan.filename,
                              allowed=True, note=note), warnings
    return PackageVerdict(
        name=scan.name,
        version=scan.version,
        filename=scan.filename,
        allowed=False,
        denials=denials,
        fix_command=allow_command(scan.name, denied, versions, at_import=late),
        toml_line=toml_line(policy, scan.name, denied, versions=versions,
                            at_import=[c for c in denied if c in late]),
        note=note,
    ), warnings


def _runs_bytecode(finding: Finding) -> bool:
    """Bytecode the import system loads (gate.scan.wheel marks it): refused, not warned."""
    from gate.scan.wheel import BYTECODE_DETAIL  # the scanner is loaded only when needed

    return (finding.capability == Capability.UNANALYZED
            and finding.phase in (Phase.IMPORT, Phase.STARTUP)
            and finding.detail.startswith(BYTECODE_DETAIL))


def _stale(
    grant: Grant,
    policy: Policy,
    scan: PackageScan | None,
    used: dict[NormalizedName, set[Capability]],
    refused: set[NormalizedName],
    *,
    complete_set: bool,
    used_late: dict[NormalizedName, set[Capability]],
) -> str | None:
    where = f"{policy.display}:{grant.line}"
    name = grant.name
    if scan is None:
        if not complete_set:
            return None
        return (f"stale grant: {name} ({where}) is not in the install set; "
                f"remove it with: permpip policy revoke {name}")
    extra = [c for c in grant.allow if c not in policy.default]
    if name not in used:
        if name in refused or not extra:
            return None  # the refusal's note already explains the version range
        return (f"stale grant: {name} ({where}) covers versions '{grant.versions}', "
                f"not {scan.version}; it is unused")
    unused = [c for c in extra if c not in used[name]]
    unused_late = [c for c in grant.at_import
                   if c not in policy.default_at_import and c not in unused
                   and c not in used_late.get(name, set())]
    if not unused and unused_late:
        caps = " ".join(unused_late)
        word = "it" if len(unused_late) == 1 else "them"
        return (f"stale grant: {name} is granted {', '.join(unused_late)} at import but does "
                f"not use {word} at import ({where}); revoke with: "
                f"permpip policy revoke {name} {caps} --at-import")
    if not unused:
        return None
    caps = " ".join(unused)
    word = "it" if len(unused) == 1 else "them"
    return (f"stale grant: {name} is granted {', '.join(unused)} but does not use {word} "
            f"({where}); revoke with: permpip policy revoke {name} {caps}")
