"""Two sets of pinned, scanned packages -> what each changed package gained or lost.

The unit of change is a ``(capability, phase)`` pair: ``network`` that moves from a
function body (``runtime``) to module top level (``import``) is a gain of
``(network, import)`` and a loss of ``(network, runtime)``. A gain is judged against the
policy for the *new* version: it needs the capability, and in the ``install`` / ``startup``
phase also the hook capability (``model.PHASE_HOOK``), and in the ``import`` phase the
capability granted ``at-import`` (``gate.evaluate.needs_import_grant``): a new import-time use
fails even when the runtime one is granted. Gains are listed import-time first (what runs
merely by importing the package is what a reviewer must read first). Capabilities a package
already had are not judged here; that is ``permpip check``'s job.

Public API:

    diff_packages(old, new, *, allowed=None, at_import=None, policy=None, strict=False)
        -> LockDiff
        ``old`` / ``new``: sequences of ``Entry`` (a Pin and its PackageScan; ``gate.run``'s
        ``Scanned`` fits). ``policy`` judges the gains (``Policy.allowed_for``) and notes a
        version-limited grant that does not cover the new version (the fix then sets
        ``--versions``); ``allowed(name, version) -> frozenset[Capability]`` (and
        ``at_import``, the same for import time; none when not given) judges them without a
        Policy. Neither means no policy: gains are reported but not judged.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from packaging.version import InvalidVersion, Version

from gate.evaluate import needs_import_grant
from gate.model import (
    PHASE_HOOK,
    Capability,
    Finding,
    NormalizedName,
    PackageScan,
    Phase,
    Pin,
)
from gate.policy import Policy

Allowed = Callable[[NormalizedName, str], frozenset[Capability]]
Access = tuple[Capability, Phase]


class Entry(Protocol):
    """One pinned file and what the scanner found in it (``gate.run.Scanned`` fits)."""

    @property
    def pin(self) -> Pin: ...

    @property
    def scan(self) -> PackageScan: ...


@dataclass(frozen=True, kw_only=True, slots=True)
class Pinned:
    """A plain ``Entry`` for callers (and tests) that have no ``Scanned`` at hand."""

    pin: Pin
    scan: PackageScan


class Change(enum.StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    UPGRADED = "upgraded"
    DOWNGRADED = "downgraded"
    REBUILT = "rebuilt"  # same version, different file (another wheel, an sdist, new bytes)
    UNCHANGED = "unchanged"  # the very same files (sha256) on both sides


class Verdict(enum.StrEnum):
    NO_GAIN = "no-gain"  # nothing gained (losses only, or nothing at all)
    GRANTED = "granted"  # every gain is granted by the policy
    REFUSED = "refused"  # at least one gain is not granted
    UNREVIEWED = "unreviewed"  # gains, but no policy to judge them (--no-policy)


@dataclass(frozen=True, kw_only=True, slots=True)
class Gain:
    """A ``(capability, phase)`` pair the new version has and the old one had not."""

    capability: Capability
    phase: Phase
    evidence: tuple[Finding, ...]  # the new version's findings for this pair, sorted
    missing: tuple[Capability, ...] = ()  # capabilities the policy does not grant for it
    judged: bool = True  # False without a policy
    at_import: bool = False  # runs at import: needs ``capability`` granted at-import

    @property
    def missing_at_import(self) -> bool:
        """Is the missing grant for ``capability`` (also) its at-import grant?"""
        return self.at_import and self.capability in self.missing

    @property
    def granted(self) -> bool | None:
        return not self.missing if self.judged else None


@dataclass(frozen=True, kw_only=True, slots=True)
class PackageDiff:
    name: NormalizedName
    change: Change
    old: tuple[Pin, ...] = ()  # the old side's pins (usually one)
    new: tuple[Pin, ...] = ()
    gained: tuple[Gain, ...] = ()
    lost: tuple[Access, ...] = ()
    note: str | None = None  # why the package's grant does not apply to the new version
    fix_versions: str | None = None  # the ``--versions`` a fix must set ("==1.1")

    @property
    def old_version(self) -> str | None:
        return _versions(self.old)

    @property
    def new_version(self) -> str | None:
        return _versions(self.new)

    @property
    def missing(self) -> tuple[Capability, ...]:
        """Every capability a gain needs and the policy does not grant, in catalog order."""
        wanted = {c for g in self.gained for c in g.missing}
        return tuple(c for c in Capability if c in wanted)

    @property
    def missing_at_import(self) -> tuple[Capability, ...]:
        """The capabilities in ``missing`` whose fix is an at-import grant."""
        wanted = {g.capability for g in self.gained if g.missing_at_import}
        return tuple(c for c in Capability if c in wanted)

    @property
    def verdict(self) -> Verdict:
        if not self.gained:
            return Verdict.NO_GAIN
        if not all(g.judged for g in self.gained):
            return Verdict.UNREVIEWED
        return Verdict.REFUSED if self.missing else Verdict.GRANTED

    @property
    def source(self) -> str | None:
        """Where the package is pinned: the new side's ``file:line``, else the old side's."""
        for pin in (*self.new, *self.old):
            if pin.source:
                return pin.source
        return None


@dataclass(frozen=True, kw_only=True, slots=True)
class LockDiff:
    packages: tuple[PackageDiff, ...]  # every package of either side, sorted by name
    strict: bool = False
    judged: bool = True  # a policy was applied
    old_label: str = "old"
    new_label: str = "new"

    @property
    def changed(self) -> tuple[PackageDiff, ...]:
        return tuple(p for p in self.packages if p.change is not Change.UNCHANGED)

    @property
    def refused(self) -> tuple[PackageDiff, ...]:
        """Packages that fail the diff: ungranted gains, or under --strict any gain."""
        if self.strict:
            return tuple(p for p in self.packages if p.gained)
        return tuple(p for p in self.packages if p.verdict is Verdict.REFUSED)

    @property
    def exit_code(self) -> int:
        return 1 if self.refused else 0


def diff_packages(
    old: Iterable[Entry],
    new: Iterable[Entry],
    *,
    allowed: Allowed | None = None,
    at_import: Allowed | None = None,
    policy: Policy | None = None,
    strict: bool = False,
    old_label: str = "old",
    new_label: str = "new",
) -> LockDiff:
    """Compare two sides package by package (PEP 503 names); see the module docstring."""
    if allowed is None and policy is not None:
        allowed = policy.allowed_for
        at_import = policy.allowed_at_import
    old_by = _group(old)
    new_by = _group(new)
    packages = tuple(
        _grant_note(_diff_one(name, old_by.get(name, []), new_by.get(name, []), allowed,
                              at_import), policy)
        for name in sorted(old_by.keys() | new_by.keys())
    )
    return LockDiff(packages=packages, strict=strict, judged=allowed is not None,
                    old_label=old_label, new_label=new_label)


def accesses(scans: Iterable[PackageScan]) -> dict[Access, list[Finding]]:
    """``(capability, phase)`` -> sorted evidence, over one side's scans of a package."""
    out: dict[Access, list[Finding]] = {}
    for f in sorted({f for s in scans for f in s.findings}):
        out.setdefault((f.capability, f.phase), []).append(f)
    return out


def _group(entries: Iterable[Entry]) -> dict[NormalizedName, list[Entry]]:
    out: dict[NormalizedName, list[Entry]] = {}
    for e in entries:
        out.setdefault(e.pin.name, []).append(e)
    return out


def _diff_one(
    name: NormalizedName, old: Sequence[Entry], new: Sequence[Entry], allowed: Allowed | None,
    at_import: Allowed | None = None,
) -> PackageDiff:
    old_pins = tuple(sorted((e.pin for e in old), key=_pin_key))
    new_pins = tuple(sorted((e.pin for e in new), key=_pin_key))
    change = _change(old_pins, new_pins)
    if change is Change.UNCHANGED:
        return PackageDiff(name=name, change=change, old=old_pins, new=new_pins)
    before = accesses(e.scan for e in old)
    after = accesses(e.scan for e in new)
    version = _versions(new_pins) or ""
    granted = allowed(name, version) if allowed is not None else None
    late = at_import(name, version) if at_import is not None else frozenset()
    gained = tuple(
        _gain(access, evidence, granted, late)
        for access, evidence in sorted(after.items(), key=_gain_key)
        if access not in before
    )
    lost = tuple(sorted((a for a in before if a not in after), key=_access_order))
    return PackageDiff(name=name, change=change, old=old_pins, new=new_pins,
                       gained=gained, lost=lost)


def _grant_note(pkg: PackageDiff, policy: Policy | None) -> PackageDiff:
    """Say so when the package's version-limited grant does not cover its new version."""
    grant = policy.grant(pkg.name) if policy is not None else None
    if policy is None or grant is None or pkg.change in (Change.UNCHANGED, Change.REMOVED):
        return pkg
    versions = [p.version for p in pkg.new]
    outside = [v for v in dict.fromkeys(versions) if not grant.applies_to(v)]
    if not outside:
        return pkg
    note = (f"the grant at {policy.display}:{grant.line} covers versions "
            f"'{grant.versions}', not {', '.join(outside)}")
    fix = f"=={outside[0]}" if len(outside) == 1 else None
    return dataclasses.replace(pkg, note=note, fix_versions=fix)


def _gain(
    access: Access, evidence: list[Finding], granted: frozenset[Capability] | None,
    late: frozenset[Capability] = frozenset(),
) -> Gain:
    capability, phase = access
    at_import = any(needs_import_grant(f) for f in evidence)
    if granted is None:
        return Gain(capability=capability, phase=phase, evidence=tuple(evidence), judged=False,
                    at_import=at_import)
    needed = {capability}
    if phase in PHASE_HOOK:
        needed.add(PHASE_HOOK[phase])
    missing = tuple(c for c in Capability if c in needed and (
        c not in granted or (at_import and c == capability and c not in late)))
    return Gain(capability=capability, phase=phase, evidence=tuple(evidence), missing=missing,
                at_import=at_import)


def _change(old: tuple[Pin, ...], new: tuple[Pin, ...]) -> Change:
    if not old:
        return Change.ADDED
    if not new:
        return Change.REMOVED
    if _identity(old) == _identity(new):
        return Change.UNCHANGED
    before, after = _newest(old), _newest(new)
    if after > before:
        return Change.UPGRADED
    if after < before:
        return Change.DOWNGRADED
    return Change.REBUILT


def _identity(pins: tuple[Pin, ...]) -> frozenset[tuple[str, str]] | None:
    """The files a side pins; ``None`` (never equal) when a hash is unknown."""
    if any(p.sha256 is None for p in pins):
        return None
    return frozenset((p.version, p.sha256 or "") for p in pins)


def _newest(pins: tuple[Pin, ...]) -> tuple[int, Version, str]:
    """Sort key of a side's newest version: PEP 440, an invalid one before every valid one."""
    return max(_version_key(p.version) for p in pins)


def _version_key(text: str) -> tuple[int, Version, str]:
    try:
        return (1, Version(text), "")
    except InvalidVersion:
        return (0, Version("0"), text)


def _versions(pins: tuple[Pin, ...]) -> str | None:
    if not pins:
        return None
    return ", ".join(dict.fromkeys(p.version for p in pins))


def _pin_key(pin: Pin) -> tuple[str, str]:
    return (pin.version, pin.filename)


_CAP_INDEX = {c: i for i, c in enumerate(Capability)}
_PHASE_INDEX = {p: i for i, p in enumerate(Phase)}


def _access_order(access: Access) -> tuple[int, int]:
    return (_CAP_INDEX[access[0]], _PHASE_INDEX[access[1]])


def _gain_key(item: tuple[Access, list[Finding]]) -> tuple[bool, int, int]:
    """Import-time gains first, then catalog order."""
    return (item[0][1] is not Phase.IMPORT, *_access_order(item[0]))
