"""The diff core on hand-made pins and scans: no network, no archives."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import pytest

from gate.diff import (
    Change,
    Gain,
    LockDiff,
    PackageDiff,
    Pinned,
    Verdict,
    accesses,
    diff_packages,
)
from gate.model import Capability, Finding, PackageScan, Phase, Pin, normalize

C = Capability
P = Phase


def entry(
    name: str, version: str, findings: Sequence[tuple[str, str, str, int]] = (),
    *, sha: str | None = None, source: str | None = None, filename: str | None = None,
) -> Pinned:
    """``findings``: (capability, phase, path, line); detail is ``"d:<path>:<line>"``."""
    fname = filename or f"{name}-{version}-py3-none-any.whl"
    digest = sha if sha is not None else f"{name}-{version}-sha"
    pin = Pin(name=normalize(name), version=version, url=f"https://example.invalid/{fname}",
              filename=fname, sha256=digest, is_wheel=fname.endswith(".whl"), source=source)
    scan = PackageScan(
        name=normalize(name), version=version, filename=fname, sha256=digest,
        findings=tuple(Finding(path=path, line=line, capability=C(cap), phase=P(phase),
                               detail=f"d:{path}:{line}")
                       for cap, phase, path, line in findings))
    return Pinned(pin=pin, scan=scan)


def policy(
    grants: Mapping[str, Sequence[str]], default: Sequence[str] = ()
) -> Callable[[str, str], frozenset[Capability]]:
    def allowed(name: str, version: str) -> frozenset[Capability]:
        return frozenset(C(c) for c in (*default, *grants.get(name, ())))
    return allowed


def only(diff: LockDiff, name: str) -> PackageDiff:
    [pkg] = [p for p in diff.packages if p.name == name]
    return pkg


def pairs(gains: Sequence[Gain]) -> list[tuple[str, str]]:
    return [(str(g.capability), str(g.phase)) for g in gains]


def test_network_added_inside_a_function_is_a_runtime_gain_refused_without_a_grant() -> None:
    old = [entry("foo", "1.0")]
    new = [entry("foo", "1.1", [("network", "runtime", "foo/api.py", 7)], source="req.txt:3")]
    diff = diff_packages(old, new, allowed=policy({}))
    pkg = only(diff, "foo")
    assert pkg.change is Change.UPGRADED
    assert (pkg.old_version, pkg.new_version) == ("1.0", "1.1")
    assert pairs(pkg.gained) == [("network", "runtime")]
    assert [(f.path, f.line) for f in pkg.gained[0].evidence] == [("foo/api.py", 7)]
    assert pkg.gained[0].missing == (C.NETWORK,)
    assert pkg.gained[0].granted is False
    assert pkg.verdict is Verdict.REFUSED
    assert pkg.source == "req.txt:3"
    assert [p.name for p in diff.refused] == ["foo"]
    assert diff.exit_code == 1


def test_a_granted_gain_passes_but_strict_fails_it() -> None:
    old = [entry("foo", "1.0")]
    new = [entry("foo", "1.1", [("network", "runtime", "foo/api.py", 7)])]
    diff = diff_packages(old, new, allowed=policy({"foo": ["network"]}))
    assert only(diff, "foo").verdict is Verdict.GRANTED
    assert only(diff, "foo").gained[0].granted is True
    assert diff.exit_code == 0
    strict = diff_packages(old, new, allowed=policy({"foo": ["network"]}), strict=True)
    assert [p.name for p in strict.refused] == ["foo"]
    assert strict.exit_code == 1


def test_default_grants_count() -> None:
    new = [entry("foo", "1.1", [("fs-read", "import", "foo/a.py", 1)])]
    diff = diff_packages([entry("foo", "1.0")], new, allowed=policy({}, default=["fs-read"]))
    assert diff.exit_code == 0


def test_network_moving_from_runtime_to_import_time_is_a_change() -> None:
    old = [entry("foo", "1.0", [("network", "runtime", "foo/api.py", 7)])]
    new = [entry("foo", "1.1", [("network", "import", "foo/api.py", 2)])]
    diff = diff_packages(old, new, allowed=policy({"foo": ["network"]}))
    pkg = only(diff, "foo")
    assert pairs(pkg.gained) == [("network", "import")]
    assert pkg.lost == ((C.NETWORK, P.RUNTIME),)
    assert pkg.verdict is Verdict.GRANTED  # network is granted whatever the phase
    assert diff.exit_code == 0
    assert diff_packages(old, new, allowed=policy({"foo": ["network"]}),
                         strict=True).exit_code == 1


def test_a_pure_version_bump_gains_nothing_and_exits_0_even_strict() -> None:
    f = [("network", "runtime", "foo/api.py", 7)]
    old = [entry("foo", "1.0", f)]
    new = [entry("foo", "1.1", [("network", "runtime", "foo/api.py", 9)])]  # line moved
    diff = diff_packages(old, new, allowed=policy({}), strict=True)
    pkg = only(diff, "foo")
    assert pkg.change is Change.UPGRADED
    assert (pkg.gained, pkg.lost) == ((), ())
    assert pkg.verdict is Verdict.NO_GAIN
    assert diff.exit_code == 0  # an ungranted capability it already had is check's business


def test_install_phase_gain_needs_install_hooks_as_well() -> None:
    old = [entry("foo", "1.0")]
    new = [entry("foo", "1.1", [("subprocess", "install", "setup.py", 4),
                                ("install-hooks", "install", "setup.py", 1)],
                 filename="foo-1.1.tar.gz")]
    diff = diff_packages(old, new, allowed=policy({"foo": ["subprocess"]}))
    pkg = only(diff, "foo")
    assert pairs(pkg.gained) == [("subprocess", "install"), ("install-hooks", "install")]
    assert [g.missing for g in pkg.gained] == [(C.INSTALL_HOOKS,), (C.INSTALL_HOOKS,)]
    assert pkg.missing == (C.INSTALL_HOOKS,)
    granted = diff_packages(old, new, allowed=policy({"foo": ["subprocess", "install-hooks"]}))
    assert granted.exit_code == 0


def test_startup_phase_gain_needs_startup_hooks() -> None:
    new = [entry("foo", "1.1", [("startup-hooks", "startup", "foo.pth", 1),
                                ("env", "startup", "foo.pth", 1)])]
    diff = diff_packages([entry("foo", "1.0")], new, allowed=policy({"foo": ["env"]}))
    assert only(diff, "foo").missing == (C.STARTUP_HOOKS,)
    assert diff_packages([entry("foo", "1.0")], new,
                         allowed=policy({"foo": ["startup-hooks", "env"]})).exit_code == 0


def test_added_package_gains_everything_and_removed_package_loses_everything() -> None:
    old = [entry("gone", "2.0", [("env", "import", "gone/__init__.py", 1)])]
    new = [entry("fresh", "0.1", [("subprocess", "runtime", "fresh/x.py", 5),
                                  ("subprocess", "runtime", "fresh/x.py", 3),
                                  ("env", "import", "fresh/x.py", 1)])]
    diff = diff_packages(old, new, allowed=policy({}))
    fresh, gone = only(diff, "fresh"), only(diff, "gone")
    assert fresh.change is Change.ADDED and fresh.old_version is None
    assert pairs(fresh.gained) == [("subprocess", "runtime"), ("env", "import")]  # catalog order
    assert [f.line for f in fresh.gained[0].evidence] == [3, 5]
    assert fresh.missing == (C.SUBPROCESS, C.ENV)
    assert gone.change is Change.REMOVED and gone.new_version is None
    assert gone.lost == ((C.ENV, P.IMPORT),)
    assert gone.verdict is Verdict.NO_GAIN
    assert [p.name for p in diff.refused] == ["fresh"]


def test_unchanged_files_are_not_compared_and_downgrades_and_rebuilds_are_named() -> None:
    same = entry("same", "1.0", [("network", "import", "s.py", 1)])
    old = [same, entry("down", "2.0"), entry("re", "1.0", sha="aaa")]
    new = [same, entry("down", "1.9"), entry("re", "1.0", sha="bbb")]
    diff = diff_packages(old, new, allowed=policy({}))
    assert {p.name: p.change for p in diff.packages} == {
        "down": Change.DOWNGRADED, "re": Change.REBUILT, "same": Change.UNCHANGED}
    assert [p.name for p in diff.changed] == ["down", "re"]


def test_versions_compare_by_pep_440_not_as_text() -> None:
    diff = diff_packages([entry("foo", "1.9")], [entry("foo", "1.10")], allowed=policy({}))
    assert only(diff, "foo").change is Change.UPGRADED
    diff = diff_packages([entry("foo", "1.0")], [entry("foo", "1.0rc1")], allowed=policy({}))
    assert only(diff, "foo").change is Change.DOWNGRADED


def test_names_match_across_spellings() -> None:
    diff = diff_packages([entry("Foo_Bar", "1.0")], [entry("foo.bar", "1.1")],
                         allowed=policy({}))
    assert [(p.name, p.change) for p in diff.packages] == [("foo-bar", Change.UPGRADED)]


def test_without_a_policy_gains_are_unreviewed_and_only_strict_fails() -> None:
    new = [entry("foo", "1.1", [("network", "runtime", "foo/api.py", 7)])]
    diff = diff_packages([entry("foo", "1.0")], new, allowed=None)
    pkg = only(diff, "foo")
    assert pkg.verdict is Verdict.UNREVIEWED
    assert pkg.gained[0].granted is None
    assert diff.judged is False
    assert diff.exit_code == 0
    assert diff_packages([entry("foo", "1.0")], new, allowed=None, strict=True).exit_code == 1


def test_policy_is_asked_about_the_new_version() -> None:
    asked: list[tuple[str, str]] = []

    def allowed(name: str, version: str) -> frozenset[Capability]:
        asked.append((name, version))
        return frozenset()

    new = [entry("foo", "1.1", [("env", "import", "f.py", 1)])]
    diff_packages([entry("foo", "1.0")], new, allowed=allowed)
    assert asked == [("foo", "1.1")]


def test_several_files_of_one_package_are_one_package() -> None:
    new = [entry("foo", "1.1", [("native", "import", "foo/_x.so", 0)],
                 filename="foo-1.1-cp311-cp311-manylinux_2_17_x86_64.whl", sha="w1"),
           entry("foo", "1.1", [("env", "import", "foo/a.py", 1)],
                 filename="foo-1.1-cp312-cp312-manylinux_2_17_x86_64.whl", sha="w2")]
    diff = diff_packages([entry("foo", "1.0")], new, allowed=policy({}))
    pkg = only(diff, "foo")
    assert pkg.new_version == "1.1"
    assert len(pkg.new) == 2
    assert pairs(pkg.gained) == [("env", "import"), ("native", "import")]


def test_accesses_groups_evidence_by_capability_and_phase() -> None:
    scan = entry("foo", "1.0", [("env", "import", "b.py", 2), ("env", "import", "a.py", 9),
                                ("env", "runtime", "a.py", 1)]).scan
    got = accesses([scan])
    assert {k: [(f.path, f.line) for f in v] for k, v in got.items()} == {
        (C.ENV, P.IMPORT): [("a.py", 9), ("b.py", 2)], (C.ENV, P.RUNTIME): [("a.py", 1)]}


@pytest.mark.parametrize(("old", "new", "change"), [
    ("1.0", "1.0.post1", Change.UPGRADED), ("2!1.0", "3.0", Change.DOWNGRADED),
    ("not-a-version", "1.0", Change.UPGRADED)])
def test_change_kinds(old: str, new: str, change: Change) -> None:
    diff = diff_packages([entry("foo", old)], [entry("foo", new)], allowed=policy({}))
    assert only(diff, "foo").change is change
