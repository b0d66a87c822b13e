"""gate.report.verdict: exact text and JSON for allowed and refused verdicts."""

from __future__ import annotations

import json
from pathlib import Path

from gate.evaluate import Verdict, evaluate
from gate.model import Capability, Finding, PackageScan, Phase, normalize
from gate.policy import Policy, load_policy
from gate.report.verdict import format_text, to_json

C, P = Capability, Phase


def f(cap: Capability, phase: Phase, path: str, line: int, detail: str) -> Finding:
    return Finding(path=path, line=line, capability=cap, phase=phase, detail=detail)


def scan(name: str, version: str, *findings: Finding) -> PackageScan:
    return PackageScan(name=normalize(name), version=version,
                       filename=f"{name}-{version}-py3-none-any.whl", sha256="0" * 64,
                       findings=tuple(findings))


def policy(tmp_path: Path) -> Policy:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.permissions]\ndefault = ["fs-read"]\n\n[tool.permissions.packages]\n'
        'requests = { allow = ["network", "env"], at-import = ["env"] }\nidna = ["threads"]\n')
    return load_policy(cwd=tmp_path)


NET = [f(C.NETWORK, P.RUNTIME, f"requests/m{i}.py", i, "socket.create_connection")
       for i in range(1, 6)]


def refused(tmp_path: Path) -> Verdict:
    return evaluate([
        scan("requests", "2.32.3", *NET, f(C.ENV, P.IMPORT, "requests/utils.py", 3,
                                          "os.environ")),
        scan("evil", "0.1", f(C.NETWORK, P.RUNTIME, "evil/__init__.py", 7,
                              "urllib.request.urlopen"),
             f(C.SUBPROCESS, P.INSTALL, "setup.py", 12, "os.system")),
        scan("idna", "3.7"),
    ], policy(tmp_path))


def test_refused_text(tmp_path: Path) -> None:
    assert format_text(refused(tmp_path)) == """\
refused: 1 of 3 packages uses capabilities the policy does not grant (policy: pyproject.toml)

evil 0.1 (evil-0.1-py3-none-any.whl)
  network (runtime) not granted:
    evil/__init__.py:7 urllib.request.urlopen
  subprocess (install) not granted:
    setup.py:12 os.system
  install-hooks (install) not granted:
    setup.py:12 os.system (subprocess, runs at install)
  fix: permpip policy allow evil network subprocess install-hooks
   or: evil = ["network", "subprocess", "install-hooks"]

warning: stale grant: idna is granted threads but does not use it (pyproject.toml:6); \
revoke with: permpip policy revoke idna threads"""


def test_evidence_is_capped_unless_verbose(tmp_path: Path) -> None:
    verdict = evaluate([scan("other", "1", *NET)], policy(tmp_path))
    assert format_text(verdict).splitlines()[3:9] == [
        "  network (runtime) not granted:",
        "    requests/m1.py:1 socket.create_connection",
        "    requests/m2.py:2 socket.create_connection",
        "    requests/m3.py:3 socket.create_connection",
        "    ... and 2 more (--verbose shows all)",
        "  fix: permpip policy allow other network",
    ]
    verbose = format_text(verdict, verbose=True).splitlines()
    assert verbose[4:9] == [f"    requests/m{i}.py:{i} socket.create_connection"
                            for i in range(1, 6)]


def test_allowed_text_and_verbose_lists_packages(tmp_path: Path) -> None:
    verdict = evaluate([scan("requests", "2.32.3", NET[0], f(C.ENV, P.IMPORT, "r.py", 1, "e"))],
                       policy(tmp_path))
    assert format_text(verdict) == (
        "allowed: 1 package within the policy (policy: pyproject.toml)")
    assert format_text(verdict, verbose=True) == (
        "allowed: 1 package within the policy (policy: pyproject.toml)\nok requests 2.32.3")


def test_strict_errors_without_refused_packages(tmp_path: Path) -> None:
    verdict = evaluate([scan("idna", "3.7")], policy(tmp_path), strict=True)
    assert format_text(verdict) == (
        "refused: the policy has problems --strict does not accept (policy: pyproject.toml)\n"
        "\n"
        "error: stale grant: idna is granted threads but does not use it (pyproject.toml:6); "
        "revoke with: permpip policy revoke idna threads")


def test_json(tmp_path: Path) -> None:
    data = to_json(refused(tmp_path))
    json.dumps(data)  # serialisable as it is
    assert data["schema"] == 1 and data["allowed"] is False and data["exit_code"] == 1
    assert data["policy"] == "pyproject.toml"
    assert [p["name"] for p in data["packages"]] == ["requests", "evil", "idna"]
    assert [p["allowed"] for p in data["packages"]] == [True, False, True]
    evil = data["packages"][1]
    assert evil["fix"] == "permpip policy allow evil network subprocess install-hooks"
    assert evil["toml"] == 'evil = ["network", "subprocess", "install-hooks"]'
    assert evil["note"] is None
    assert evil["denials"][2] == {
        "capability": "install-hooks",
        "phase": "install",
        "evidence": [{"capability": "subprocess", "path": "setup.py", "line": 12,
                      "phase": "install", "detail": "os.system"}],
        "at_import": False,
        "fix": "permpip policy allow evil install-hooks",
        "toml": 'evil = ["install-hooks"]',
    }
    assert data["warnings"] == [
        "stale grant: idna is granted threads but does not use it (pyproject.toml:6); "
        "revoke with: permpip policy revoke idna threads"]
    assert data["errors"] == []


def test_a_pth_line_is_evidence_for_startup_hooks_once(tmp_path: Path) -> None:
    hook = f(C.STARTUP_HOOKS, P.STARTUP, "beta.pth", 1,
             "executable .pth line runs at every interpreter start")
    system = f(C.SUBPROCESS, P.STARTUP, "beta.pth", 1, "os.system")
    verdict = evaluate([scan("beta", "1.0", hook, system)], policy(tmp_path))
    (pkg,) = verdict.packages
    assert [(d.capability, d.evidence) for d in pkg.denials] == [
        (C.SUBPROCESS, (system,)), (C.STARTUP_HOOKS, (hook, system))]
    assert format_text(verdict).splitlines()[2:] == [
        "beta 1.0 (beta-1.0-py3-none-any.whl)",
        "  subprocess (startup) not granted:",
        "    beta.pth:1 os.system",
        "  startup-hooks (startup) not granted:",
        "    beta.pth:1 executable .pth line runs at every interpreter start",
        "    beta.pth:1 os.system (subprocess, runs at startup)",
        "  fix: permpip policy allow beta subprocess startup-hooks",
        '   or: beta = ["subprocess", "startup-hooks"]',
    ]


def test_the_toml_line_for_a_grant_written_as_a_table_names_the_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.permissions.packages."zope.interface"]\nallow = ["env"]\nversions = "<6"\n')
    verdict = evaluate([scan("zope.interface", "6.0", f(C.ENV, P.IMPORT, "z.py", 1, "os.environ"))],
                       load_policy(cwd=tmp_path))
    assert format_text(verdict).splitlines()[2:] == [
        "zope-interface 6.0 (zope.interface-6.0-py3-none-any.whl)",
        "  note: the grant at pyproject.toml:1 covers versions '<6', not 6.0",
        "  env at import not granted:",
        "    z.py:1 os.environ",
        "  fix: permpip policy allow zope-interface env --at-import --versions '==6.0'",
        '   or: allow = ["env"]  # and at-import = ["env"], and versions = "==6.0", in '
        '[tool.permissions.packages."zope.interface"]',
    ]


def test_a_use_at_import_granted_only_at_runtime_names_the_phase_and_the_fix(
    tmp_path: Path,
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.permissions.packages]\nhttpkit = ["network", "env"]\n')
    beacon = f(C.NETWORK, P.IMPORT, "httpkit/__init__.py", 38, "urllib.request.urlopen")
    verdict = evaluate([scan("httpkit", "2.0.1", beacon,
                             f(C.NETWORK, P.RUNTIME, "httpkit/api.py", 9, "socket.socket"),
                             f(C.ENV, P.RUNTIME, "httpkit/api.py", 3, "os.environ"))],
                       load_policy(cwd=tmp_path))
    assert format_text(verdict).splitlines()[2:] == [
        "httpkit 2.0.1 (httpkit-2.0.1-py3-none-any.whl)",
        "  network at import not granted:",
        "    httpkit/__init__.py:38 urllib.request.urlopen",
        "  fix: permpip policy allow httpkit network --at-import",
        '   or: httpkit = {allow = ["network", "env"], at-import = ["network"]}',
    ]
