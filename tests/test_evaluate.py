"""gate.evaluate: every rule, with exact denials, fixes and warnings."""

from __future__ import annotations

from pathlib import Path

import pytest

from gate.evaluate import Denial, PackageVerdict, evaluate, needed_capabilities
from gate.model import Capability, Finding, PackageScan, Phase, normalize
from gate.policy import Policy, load_policy

C, P = Capability, Phase


def f(cap: Capability, phase: Phase = P.RUNTIME, path: str = "pkg/a.py", line: int = 1,
      detail: str = "x") -> Finding:
    return Finding(path=path, line=line, capability=cap, phase=phase, detail=detail)


def scan(name: str, version: str = "1.0", *findings: Finding) -> PackageScan:
    return PackageScan(name=normalize(name), version=version,
                       filename=f"{name}-{version}-py3-none-any.whl", sha256="0" * 64,
                       findings=tuple(findings))


def policy(tmp_path: Path, body: str) -> Policy:
    (tmp_path / "pyproject.toml").write_text(body)
    return load_policy(cwd=tmp_path)


BASIC = """\
[tool.permissions]
default = ["fs-read"]

[tool.permissions.packages]
requests = ["network", "env"]
setuptools = { allow = ["install-hooks", "fs-write"], versions = ">=70,<81" }
"""


BASIC_AT_IMPORT = BASIC.replace('requests = ["network", "env"]',
                                'requests = { allow = ["network", "env"], at-import = ["env"] }')


def test_granted_and_default_capabilities_are_allowed(tmp_path: Path) -> None:
    pol = policy(tmp_path, BASIC_AT_IMPORT)
    verdict = evaluate([scan("requests", "2.32.3", f(C.NETWORK), f(C.ENV, P.IMPORT),
                             f(C.FS_READ))], pol)
    assert verdict.allowed and verdict.exit_code == 0
    assert verdict.packages == (PackageVerdict(
        name=normalize("requests"), version="2.32.3",
        filename="requests-2.32.3-py3-none-any.whl", allowed=True),)
    assert verdict.warnings == () and verdict.errors == ()
    assert verdict.policy == "pyproject.toml"


def test_a_denial_names_capability_phase_evidence_and_fix(tmp_path: Path) -> None:
    pol = policy(tmp_path, BASIC)
    evidence = [f(C.SUBPROCESS, P.RUNTIME, "requests/b.py", 9, "subprocess.run"),
                f(C.SUBPROCESS, P.IMPORT, "requests/a.py", 3, "os.system")]
    verdict = evaluate([scan("requests", "2.32.3", f(C.NETWORK), *evidence,
                             f(C.THREADS, P.RUNTIME, "requests/c.py", 1, "threading.Thread"))],
                       pol)
    assert not verdict.allowed and verdict.exit_code == 1
    (pkg,) = verdict.packages
    assert pkg.denials == (
        Denial(capability=C.SUBPROCESS, phase=P.IMPORT,
               evidence=(evidence[1], evidence[0]),  # earliest phase first
               fix_command="permpip policy allow requests subprocess --at-import",
               toml_line='requests = {allow = ["network", "env", "subprocess"], '
                         'at-import = ["subprocess"]}',
               at_import=True),
        Denial(capability=C.THREADS, phase=P.RUNTIME,
               evidence=(f(C.THREADS, P.RUNTIME, "requests/c.py", 1, "threading.Thread"),),
               fix_command="permpip policy allow requests threads",
               toml_line='requests = ["network", "env", "threads"]'),
    )
    assert pkg.fix_command == ("permpip policy allow requests threads && "
                               "permpip policy allow requests subprocess --at-import")
    assert pkg.toml_line == ('requests = {allow = ["network", "env", "subprocess", "threads"], '
                             'at-import = ["subprocess"]}')
    assert pkg.note is None


def test_ungranted_package_gets_only_the_default(tmp_path: Path) -> None:
    pol = policy(tmp_path, BASIC)
    verdict = evaluate([scan("Left_Pad", "1.0", f(C.FS_READ), f(C.NETWORK))], pol)
    (pkg,) = verdict.packages
    assert [d.capability for d in pkg.denials] == [C.NETWORK]
    assert pkg.fix_command == "permpip policy allow left-pad network"
    assert pkg.toml_line == 'left-pad = ["network"]'


@pytest.mark.parametrize(("phase", "hook"), [(P.INSTALL, C.INSTALL_HOOKS),
                                             (P.STARTUP, C.STARTUP_HOOKS)])
def test_install_and_startup_findings_need_the_hook_too(
    tmp_path: Path, phase: Phase, hook: Capability,
) -> None:
    pol = policy(tmp_path, '[tool.permissions.packages]\na = ["subprocess"]\n'
                           f'b = ["subprocess", "{hook}"]\nc = ["{hook}"]\n')
    finding = f(C.SUBPROCESS, phase, "setup.py", 4, "subprocess.check_call")
    verdict = evaluate([scan("a", "1", finding), scan("b", "1", finding),
                        scan("c", "1", finding)], pol)
    a, b, c = verdict.packages
    assert a.denials == (Denial(capability=hook, phase=phase, evidence=(finding,),
                                fix_command=f"permpip policy allow a {hook}",
                                toml_line=f'a = ["subprocess", "{hook}"]'),)
    assert b.allowed
    assert [(d.capability, d.phase) for d in c.denials] == [(C.SUBPROCESS, phase)]


def test_hook_capability_found_directly_is_enough_on_its_own(tmp_path: Path) -> None:
    pol = policy(tmp_path, '[tool.permissions.packages]\na = ["install-hooks"]\n')
    verdict = evaluate([scan("a", "1", f(C.INSTALL_HOOKS, P.INSTALL, "setup.py", 1,
                                         "setup.py"))], pol)
    assert verdict.allowed


def test_version_limited_grant(tmp_path: Path) -> None:
    pol = policy(tmp_path, BASIC)
    finding = f(C.INSTALL_HOOKS, P.INSTALL, "setup.py", 1, "setup.py")
    inside = evaluate([scan("setuptools", "80.9.0", finding)], pol)
    assert inside.allowed and inside.warnings == ("stale grant: setuptools is granted fs-write "
                                                  "but does not use it (pyproject.toml:6); "
                                                  "revoke with: permpip policy revoke "
                                                  "setuptools fs-write",)
    outside = evaluate([scan("setuptools", "81.0.0", finding)], pol)
    (pkg,) = outside.packages
    assert not pkg.allowed
    assert pkg.note == "the grant at pyproject.toml:6 covers versions '>=70,<81', not 81.0.0"
    assert pkg.fix_command == (
        "permpip policy allow setuptools install-hooks --versions '==81.0.0'")
    assert pkg.toml_line == ('setuptools = {allow = ["install-hooks", "fs-write"], '
                             'versions = "==81.0.0"}')
    assert outside.warnings == ()  # the note explains it; no stale warning on top


def test_version_limited_grant_unused_outside_its_range_is_stale(tmp_path: Path) -> None:
    pol = policy(tmp_path, BASIC)
    verdict = evaluate([scan("setuptools", "82.0", f(C.FS_READ))], pol)
    assert verdict.allowed
    assert verdict.warnings == ("stale grant: setuptools (pyproject.toml:6) covers versions "
                                "'>=70,<81', not 82.0; it is unused",)


def test_stale_grants_warn_and_strict_makes_them_errors(tmp_path: Path) -> None:
    pol = policy(tmp_path, BASIC)
    scans = [scan("requests", "2", f(C.NETWORK), f(C.FS_READ))]
    lenient = evaluate(scans, pol)
    message = ("stale grant: requests is granted env but does not use it (pyproject.toml:5); "
               "revoke with: permpip policy revoke requests env")
    assert lenient.allowed and lenient.warnings == (message,) and lenient.errors == ()
    strict = evaluate(scans, pol, strict=True)
    assert not strict.allowed and strict.exit_code == 1
    assert strict.errors == (message,) and strict.warnings == ()
    assert all(p.allowed for p in strict.packages)


def test_several_unused_capabilities_in_one_warning(tmp_path: Path) -> None:
    pol = policy(tmp_path, BASIC)
    verdict = evaluate([scan("requests", "2")], pol)
    assert verdict.warnings == (
        "stale grant: requests is granted network, env but does not use them "
        "(pyproject.toml:5); revoke with: permpip policy revoke requests network env",)


def test_default_capabilities_are_never_stale(tmp_path: Path) -> None:
    pol = policy(tmp_path, '[tool.permissions]\ndefault = ["fs-read", "env"]\n'
                           '[tool.permissions.packages]\na = ["env", "network"]\n')
    verdict = evaluate([scan("a", "1", f(C.NETWORK)), scan("b", "1")], pol, strict=True)
    assert verdict.allowed and verdict.warnings == () and verdict.errors == ()


def test_grant_for_a_package_not_scanned_only_counts_for_a_complete_set(
    tmp_path: Path,
) -> None:
    pol = policy(tmp_path, BASIC)
    scans = [scan("requests", "2", f(C.NETWORK), f(C.ENV))]
    assert evaluate(scans, pol).warnings == ()
    message = ("stale grant: setuptools (pyproject.toml:6) is not in the install set; "
               "remove it with: permpip policy revoke setuptools")
    assert evaluate(scans, pol, complete_set=True).warnings == (message,)
    strict = evaluate(scans, pol, complete_set=True, strict=True)
    assert strict.errors == (message,) and not strict.allowed


def test_unanalyzed_is_a_warning_unless_strict_or_granted(tmp_path: Path) -> None:
    pol = policy(tmp_path, '[tool.permissions.packages]\nb = ["unanalyzed"]\n')
    u1 = f(C.UNANALYZED, P.IMPORT, "a/x.py", 3, "unparseable source")
    u2 = f(C.UNANALYZED, P.IMPORT, "a/y.pyc", 0, "bytecode without source")
    lenient = evaluate([scan("a", "1", u1, u2)], pol)
    assert lenient.allowed
    assert lenient.warnings == (
        "a 1: 2 places could not be analysed and may use any capability "
        "(a/x.py:3 unparseable source); grant 'unanalyzed' to accept, or --strict to refuse",)
    strict = evaluate([scan("a", "1", u1, u2)], pol, strict=True)
    assert [d.capability for d in strict.packages[0].denials] == [C.UNANALYZED]
    assert strict.packages[0].fix_command == "permpip policy allow a unanalyzed --at-import"
    # whole files the scanner could not read may run at import: granted only at runtime,
    # they are still a warning (a refusal with --strict)
    runtime_only = evaluate([scan("b", "1", u1)], pol, strict=True)
    assert not runtime_only.allowed
    assert runtime_only.packages[0].fix_command == (
        "permpip policy allow b unanalyzed --at-import")
    pol = policy(tmp_path, '[tool.permissions.packages]\n'
                           'b = { allow = ["unanalyzed"], at-import = ["unanalyzed"] }\n')
    granted = evaluate([scan("b", "1", u1)], pol, strict=True)
    assert granted.allowed and granted.warnings == ()


def test_loaded_bytecode_is_refused_unless_granted(tmp_path: Path) -> None:
    from gate.scan.wheel import BYTECODE_DETAIL

    pol = policy(tmp_path, '[tool.permissions.packages]\n'
                           'b = { allow = ["unanalyzed"], at-import = ["unanalyzed"] }\n')
    pyc = f(C.UNANALYZED, P.IMPORT, "a/y.pyc", 0,
            f"{BYTECODE_DETAIL}: a/y.pyc is imported without any source")
    source = f(C.UNANALYZED, P.IMPORT, "a/x.py", 3, "unparseable source")
    verdict = evaluate([scan("a", "1", source, pyc)], pol)
    assert not verdict.allowed and verdict.warnings == ()
    [denial] = verdict.packages[0].denials
    assert (denial.capability, denial.phase) == (C.UNANALYZED, P.IMPORT)
    assert denial.evidence == (source, pyc)
    assert denial.fix_command == "permpip policy allow a unanalyzed --at-import"
    assert evaluate([scan("b", "1", pyc)], pol).allowed  # granted
    # only what the scanner marks, and only where it runs at import or startup
    unmarked = f(C.UNANALYZED, P.IMPORT, "a/y.pyc", 0, "compiled bytecode a/y.pyc may run")
    elsewhere = f(C.UNANALYZED, P.RUNTIME, "a/y.pyc", 0, f"{BYTECODE_DETAIL}: a/y.pyc")
    for finding in (unmarked, elsewhere):
        lenient = evaluate([scan("a", "1", finding)], pol)
        assert lenient.allowed and len(lenient.warnings) == 1


def test_unanalyzed_in_install_phase_still_needs_install_hooks(tmp_path: Path) -> None:
    pol = policy(tmp_path, "[tool.permissions]\n")
    verdict = evaluate([scan("a", "1", f(C.UNANALYZED, P.INSTALL, "setup.py", 1, "?"))], pol)
    assert [d.capability for d in verdict.packages[0].denials] == [C.INSTALL_HOOKS]
    assert len(verdict.warnings) == 1


def test_one_refused_package_refuses_the_set(tmp_path: Path) -> None:
    pol = policy(tmp_path, BASIC)
    verdict = evaluate([scan("requests", "2", f(C.NETWORK), f(C.ENV)),
                        scan("evil", "1", f(C.NETWORK))], pol)
    assert not verdict.allowed
    assert [p.allowed for p in verdict.packages] == [True, False]


def test_needed_capabilities_include_hooks() -> None:
    s = scan("a", "1", f(C.NETWORK, P.STARTUP), f(C.ENV, P.INSTALL), f(C.FS_READ))
    assert needed_capabilities(s) == {C.NETWORK, C.ENV, C.FS_READ, C.STARTUP_HOOKS,
                                      C.INSTALL_HOOKS}


def test_fix_command_quotes_what_a_shell_would_misread(tmp_path: Path) -> None:
    pol = policy(tmp_path, '[tool.permissions.packages]\na = {allow = [], versions = "<1"}\n')
    verdict = evaluate([scan("a", "1.0", f(C.NETWORK))], pol)
    assert verdict.packages[0].fix_command == (
        "permpip policy allow a network --versions '==1.0'")


def test_a_hook_found_in_its_own_phase_is_needed_once() -> None:
    from gate.evaluate import needs

    assert needs(f(C.STARTUP_HOOKS, P.STARTUP)) == (C.STARTUP_HOOKS,)
    assert needs(f(C.INSTALL_HOOKS, P.INSTALL)) == (C.INSTALL_HOOKS,)
    assert needs(f(C.NETWORK, P.STARTUP)) == (C.NETWORK, C.STARTUP_HOOKS)
    assert needs(f(C.STARTUP_HOOKS, P.INSTALL)) == (C.STARTUP_HOOKS, C.INSTALL_HOOKS)


# -- import-time grants (issue #13) ------------------------------------------------------


def test_a_runtime_grant_does_not_cover_use_at_import(tmp_path: Path) -> None:
    pol = policy(tmp_path, BASIC)
    beacon = f(C.NETWORK, P.IMPORT, "requests/__init__.py", 38, "urllib.request.urlopen")
    verdict = evaluate([scan("requests", "2.32.4", f(C.NETWORK), f(C.ENV), beacon)], pol)
    assert not verdict.allowed and verdict.exit_code == 1
    (pkg,) = verdict.packages
    assert pkg.denials == (Denial(
        capability=C.NETWORK, phase=P.IMPORT, evidence=(beacon,),  # only the import-time use
        fix_command="permpip policy allow requests network --at-import",
        toml_line='requests = {allow = ["network", "env"], at-import = ["network"]}',
        at_import=True),)
    assert pkg.fix_command == "permpip policy allow requests network --at-import"


def test_at_import_grants_and_their_staleness(tmp_path: Path) -> None:
    pol = policy(tmp_path, BASIC_AT_IMPORT)
    assert evaluate([scan("requests", "2", f(C.NETWORK), f(C.ENV, P.IMPORT))], pol).warnings == ()
    runtime_env = evaluate([scan("requests", "2", f(C.NETWORK), f(C.ENV))], pol)
    assert runtime_env.allowed
    assert runtime_env.warnings == (
        "stale grant: requests is granted env at import but does not use it at import "
        "(pyproject.toml:5); revoke with: permpip policy revoke requests env --at-import",)


def test_default_at_import_and_own_binaries_need_no_at_import_grant(tmp_path: Path) -> None:
    pol = policy(tmp_path, '[tool.permissions]\n'
                           'default = { allow = ["fs-read"], at-import = ["fs-read"] }\n'
                           '[tool.permissions.packages]\nfast = ["native"]\n')
    own = f(C.NATIVE, P.IMPORT, "fast/_speedups.cpython-311-x86_64-linux-gnu.so", 0,
            "compiled extension fast/_speedups.cpython-311-x86_64-linux-gnu.so")
    lib = f(C.NATIVE, P.IMPORT, "fast.libs/libz-1a2b.so.1", 0,
            "shared library fast.libs/libz-1a2b.so.1")
    verdict = evaluate([scan("fast", "1", own, lib, f(C.FS_READ, P.IMPORT))], pol,
                       strict=True)
    assert verdict.allowed and verdict.warnings == () and verdict.errors == ()
    ctypes = f(C.NATIVE, P.IMPORT, "fast/__init__.py", 4, "ctypes.CDLL")
    refused = evaluate([scan("fast", "1", own, ctypes)], pol)
    assert [(d.capability, d.evidence, d.at_import)
            for d in refused.packages[0].denials] == [(C.NATIVE, (ctypes,), True)]


def _hosts_scan(version: str = "2.0") -> PackageScan:
    from dataclasses import replace

    from gate.model import HostSeen, Label

    def h(host: str, path: str, line: int, label: Label | None = None) -> HostSeen:
        return HostSeen(host=host, path=path, line=line, literal=f"https://{host}/",
                        label=label)

    return replace(scan("beacon", version, f(C.NETWORK)), hosts=(
        h("o1.ingest.beacon.io", "beacon/a.py", 3), h("api.beacon.io", "beacon/a.py", 9),
        h("api.beacon.io", "beacon/b.py", 1), h("mock.beacon.io", "beacon/tests/t.py", 2,
                                                Label.TESTS),
        h("10.0.0.1", "beacon/c.py", 4), h("x.io", "beacon/c.py", 5),
        h("y.io", "beacon/c.py", 6)))


def test_hosts_outside_a_grant_are_a_note_not_a_refusal(tmp_path: Path) -> None:
    from gate.report.verdict import format_text, to_json

    pol = policy(tmp_path, '[tool.permissions]\n[tool.permissions.packages]\n'
                           'beacon = { allow = ["network"], hosts = ["*.ingest.beacon.io"] }\n')
    verdict = evaluate([_hosts_scan()], pol, strict=True)
    assert verdict.allowed and verdict.warnings == () and verdict.errors == ()
    note = ("beacon 2.0: code names 4 hosts outside its hosts (*.ingest.beacon.io): "
            "api.beacon.io (beacon/a.py:9), 10.0.0.1 (beacon/c.py:4), x.io (beacon/c.py:5) "
            "and 1 more (permpip scan lists them)")
    assert verdict.notes == (note,)  # shipped tests aside
    assert format_text(verdict).splitlines() == [
        "allowed: 1 package within the policy (policy: pyproject.toml)", "", f"note: {note}"]
    assert to_json(verdict)["notes"] == [note]
    # no hosts in the grant, every host within them, or a grant that does not apply: no note
    for grant in ('["network"]',
                  '{ allow = ["network"], hosts = ["*.beacon.io", "10.0.0.1", "x.io", "y.io"] }',
                  '{ allow = ["network"], hosts = ["x.io"], versions = "<2" }'):
        pol = policy(tmp_path, f'[tool.permissions]\ndefault = ["network"]\n'
                               f'[tool.permissions.packages]\nbeacon = {grant}\n')
        assert evaluate([_hosts_scan()], pol).notes == ()
