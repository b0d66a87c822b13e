"""``permpip policy init|allow|revoke|show``, in-process through gate.__main__.main."""

from __future__ import annotations

import json
import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

import gate.run
import gate.scan
from gate.__main__ import main
from gate.cli.policy import report_verdict
from gate.evaluate import evaluate
from gate.model import Capability, Finding, PackageScan, Phase, normalize
from gate.policy import load_policy

C, P = Capability, Phase


def scan(name: str, version: str, *findings: tuple[Capability, Phase]) -> PackageScan:
    return PackageScan(
        name=normalize(name), version=version, filename=f"{name}-{version}.tar.gz",
        sha256="0" * 64,
        findings=tuple(Finding(path="x.py", line=i + 1, capability=c, phase=p, detail="d")
                       for i, (c, p) in enumerate(findings)))


SCANS = [
    scan("requests", "2.32.3", (C.NETWORK, P.RUNTIME), (C.ENV, P.IMPORT)),
    scan("hooky", "0.1", (C.SUBPROCESS, P.INSTALL)),
    scan("quiet", "1.0"),
    scan("Zope.Interface", "7.0", (C.NATIVE, P.IMPORT), (C.FS_READ, P.STARTUP)),
]

INIT_TEXT = """\
[tool.permissions]
# Written by `permpip policy init dist`: the capabilities each dependency was seen to use.
# Anything not granted here is denied. Review each grant before committing it;
# at-import lists what runs while the package is being imported: read those first.
default = []

[tool.permissions.packages]
hooky = ["subprocess", "install-hooks"]
requests = {allow = ["network", "env"], at-import = ["env"]}
zope-interface = {allow = ["fs-read", "native", "startup-hooks"], at-import = ["native"]}
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def scanned_dir(project: Path, monkeypatch: pytest.MonkeyPatch) -> list[list[Path]]:
    (project / "dist").mkdir()
    calls: list[list[Path]] = []

    def fake_scan_paths(paths: Sequence[Path]) -> list[PackageScan]:
        calls.append(list(paths))
        return SCANS

    monkeypatch.setattr(gate.scan, "scan_paths", fake_scan_paths)
    return calls


def out_err(capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    captured = capsys.readouterr()
    return captured.out, captured.err


def test_init_from_a_directory_writes_what_is_used_including_hooks(
    project: Path, scanned_dir: list[list[Path]], capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["policy", "init", "dist"]) == 0
    assert out_err(capsys) == ("pyproject.toml: wrote grants for 3 of 4 packages scanned\n", "")
    assert scanned_dir == [[project / "dist"]]
    assert (project / "pyproject.toml").read_text() == INIT_TEXT
    verdict = evaluate(SCANS, load_policy(cwd=project), strict=True, complete_set=True)
    assert verdict.allowed and verdict.warnings == () and verdict.errors == ()


def test_init_refuses_an_existing_policy_then_merge_and_force(
    project: Path, scanned_dir: list[list[Path]], capsys: pytest.CaptureFixture[str],
) -> None:
    existing = ('[project]\nname = "x"  # keep\n\n[tool.permissions]\ndefault = ["env"]\n\n'
                '[tool.permissions.packages]\nrequests = ["network"]  # reviewed\n')
    (project / "pyproject.toml").write_text(existing)
    assert main(["policy", "init", "dist"]) == 2
    assert out_err(capsys) == ("", (
        "error: pyproject.toml already has a [tool.permissions] policy\n"
        "hint: pass --merge to add what is missing, or --force to replace it\n"))
    assert scanned_dir == []  # refused before scanning anything

    assert main(["policy", "init", "dist", "--merge"]) == 0
    assert out_err(capsys)[0] == (
        "pyproject.toml: added capabilities for 3 of 4 packages scanned\n")
    # requests reads env at import: the default grants env at runtime only, so the merge
    # adds the at-import grant (and env to allow: an at-import grant is also in allow)
    assert (project / "pyproject.toml").read_text() == existing.replace(
        'requests = ["network"]  # reviewed',
        'requests = {allow = ["network", "env"], at-import = ["env"]}  # reviewed') + (
        'hooky = ["subprocess", "install-hooks"]\n'
        'zope-interface = {allow = ["fs-read", "native", "startup-hooks"], '
        'at-import = ["native"]}\n')

    assert main(["policy", "init", "dist", "--force"]) == 0
    assert (project / "pyproject.toml").read_text() == (
        '[project]\nname = "x"  # keep\n\n' + INIT_TEXT)
    assert main(["policy", "init", "dist", "--force", "--merge"]) == 2
    assert out_err(capsys)[1].startswith(
        "error: permpip policy init: argument --merge: not allowed with argument --force\n")


def test_init_force_replaces_an_invalid_policy(
    project: Path, scanned_dir: list[list[Path]], capsys: pytest.CaptureFixture[str],
) -> None:
    """--force is how an invalid policy is replaced: it is not read (nor handed on as
    consent to build sdists); --merge still needs a valid one to merge into."""
    broken = '[project]\nname = "x"\n\n[tool.permissions]\ndefault = ["netwrok"]\n'
    (project / "pyproject.toml").write_text(broken)
    assert main(["policy", "init", "dist", "--merge"]) == 2
    assert out_err(capsys)[1].splitlines()[-1] == (
        "error: invalid policy in pyproject.toml (1 problem)")
    assert main(["policy", "init", "dist", "--force"]) == 0
    assert out_err(capsys) == ("pyproject.toml: wrote grants for 3 of 4 packages scanned\n", "")
    assert (project / "pyproject.toml").read_text() == '[project]\nname = "x"\n\n' + INIT_TEXT


def test_init_from_a_requirements_file_goes_through_scan_for_policy(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    calls: list[tuple[Any, ...]] = []

    def fake(path: Path | None, *, cwd: Path, options: Any, consent: Any) -> list[PackageScan]:
        calls.append((path, cwd, options.values("--index-url", "-i"), options.extras,
                      consent and sorted(consent.packages)))
        return SCANS[:1]

    monkeypatch.setattr(gate.run, "scan_for_policy", fake)
    (project / "requirements.txt").write_text("requests\n")
    (project / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert main(["policy", "init", "requirements.txt", "--index-url", "http://i/simple"]) == 0
    assert out_err(capsys)[0] == "pyproject.toml: wrote grants for 1 of 1 package scanned\n"
    assert calls == [(project / "requirements.txt", project, ["http://i/simple"], (), None)]
    assert load_policy(cwd=project).packages[normalize("requests")].allow == (C.NETWORK, C.ENV)
    # no INPUT: the default is found later; an option's value is not taken for INPUT; the
    # policy being replaced is handed on (an sdist it grants install-hooks may be built)
    assert main(["policy", "init", "--force", "--index-url", "http://i/simple",
                 "--extra", "cli"]) == 0
    assert calls[-1] == (None, project, ["http://i/simple"], ("cli",), ["requests"])
    assert main(["policy", "init", "-i", "http://j/simple", "--merge"]) == 0
    assert calls[-1][:3] == (None, project, ["http://j/simple"])


def test_init_usage_errors(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", "init", "missing.txt"]) == 2
    assert out_err(capsys) == ("", "error: no such file or directory: missing.txt\n")
    (project / "dist").mkdir()
    assert main(["policy", "init", "dist", "--index-url", "x"]) == 2
    assert out_err(capsys) == ("", "error: unrecognized arguments: --index-url x\n")


def test_allow_revoke_show_round_trip(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = '# top\n[project]\nname = "x"\n\n[tool.permissions]\ndefault = ["fs-read"]\n'
    (project / "pyproject.toml").write_text(text)
    assert main(["policy", "allow", "Requests", "network", "env", "network"]) == 0
    assert main(["policy", "allow", "setuptools", "install-hooks", "--versions", ">=70,<81"]) == 0
    assert out_err(capsys) == (
        "pyproject.toml:9: requests: network, env\n"
        "pyproject.toml:10: setuptools (versions >=70,<81): install-hooks\n", "")
    assert main(["policy", "show"]) == 0
    assert out_err(capsys)[0] == (
        "policy: pyproject.toml\n"
        "default (every package): fs-read\n"
        "requests: network, fs-read, env\n"
        "setuptools (versions >=70,<81): fs-read, install-hooks\n")
    assert main(["policy", "show", "--format", "json"]) == 0
    assert json.loads(out_err(capsys)[0]) == {
        "policy": "pyproject.toml",
        "default": ["fs-read"],
        "default_at_import": [],
        "packages": {
            "requests": {"allow": ["network", "env"], "at_import": [], "versions": None,
                         "hosts": None,
                         "effective": ["network", "fs-read", "env"],
                         "effective_at_import": [], "line": 9},
            "setuptools": {"allow": ["install-hooks"], "at_import": [], "versions": ">=70,<81",
                           "hosts": None,
                           "effective": ["fs-read", "install-hooks"],
                           "effective_at_import": [], "line": 10},
        },
    }
    assert main(["policy", "revoke", "requests", "env"]) == 0
    assert main(["policy", "revoke", "setuptools"]) == 0
    assert out_err(capsys) == ("pyproject.toml:9: requests: network\n"
                               "pyproject.toml: removed the grant for setuptools\n", "")
    assert (project / "pyproject.toml").read_text() == (
        text + '\n[tool.permissions.packages]\nrequests = ["network"]\n')


def test_policy_option_and_nearest_file_from_a_subdirectory(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    (project / "pyproject.toml").write_text("[tool.permissions]\n")
    (project / "other.toml").write_text("[tool.permissions]\n")
    sub = project / "src" / "pkg"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    assert main(["policy", "allow", "a", "env"]) == 0
    assert main(["policy", "allow", "--policy", str(project / "other.toml"), "b", "env"]) == 0
    out = out_err(capsys)[0].splitlines()
    assert out == [f"{project / 'pyproject.toml'}:4: a: env",
                   f"{project / 'other.toml'}:4: b: env"]
    assert (project / "other.toml").read_text() == (
        '[tool.permissions]\n\n[tool.permissions.packages]\nb = ["env"]\n')
    assert main(["policy", "show", "--policy", "../../other.toml"]) == 0
    assert out_err(capsys)[0].splitlines()[2] == "b: env"


def test_allow_and_revoke_at_import(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = ('[tool.permissions]\ndefault = ["fs-read"]\n\n[tool.permissions.packages]\n'
            'httpkit = ["network", "env"]  # reviewed 2024-05\n'
            '[tool.permissions.packages.mlkit]\nallow = ["threads"]\n')
    (project / "pyproject.toml").write_text(text)
    assert main(["policy", "allow", "httpkit", "env", "--at-import"]) == 0
    assert main(["policy", "allow", "mlkit", "network", "--at-import"]) == 0
    assert out_err(capsys) == ("pyproject.toml:5: httpkit: network, env; at import: env\n"
                               "pyproject.toml:6: mlkit: threads, network; at import: network\n",
                               "")
    assert (project / "pyproject.toml").read_text() == text.replace(
        'httpkit = ["network", "env"]',
        'httpkit = {allow = ["network", "env"], at-import = ["env"]}').replace(
        'allow = ["threads"]\n', 'allow = ["threads", "network"]\nat-import = ["network"]\n')
    assert main(["policy", "show"]) == 0
    assert out_err(capsys)[0].splitlines()[2:] == [
        "httpkit: network, fs-read, env; at import: env",
        "mlkit: network, fs-read, threads; at import: network"]
    assert main(["policy", "revoke", "httpkit", "network", "--at-import"]) == 2
    assert out_err(capsys)[1] == (
        "error: httpkit is not granted 'network' at import in pyproject.toml\n")
    assert main(["policy", "revoke", "httpkit", "env", "--at-import"]) == 0
    assert main(["policy", "revoke", "mlkit", "network"]) == 0  # from allow and at-import
    assert out_err(capsys) == ("pyproject.toml:5: httpkit: network, env\n"
                               "pyproject.toml:6: mlkit: threads\n", "")
    assert (project / "pyproject.toml").read_text() == text  # back to the short form


@pytest.mark.parametrize(("argv", "err"), [
    (["policy", "allow", "requests", "netwrk"],
     "error: unknown capability 'netwrk' (did you mean 'network'?)\n"),
    (["policy", "allow", "requests"],
     "error: permpip policy allow: the following arguments are required: CAP\n"
     "hint: see `permpip policy --help`\n"),
    (["policy", "allow", "a b", "env"],
     "error: invalid package name 'a b'\n"
     "hint: use the project name as on PyPI, e.g. 'requests'\n"),
    (["policy", "allow", "a", "env", "--versions", "=>1"],
     "error: invalid version specifier '=>1'\n"
     "hint: use a PEP 440 specifier such as '>=70,<81'\n"),
    (["policy", "revoke", "reqests"],
     "error: reqests has no grant in pyproject.toml\nhint: did you mean 'requests'?\n"),
    (["policy", "revoke", "requests", "env"],
     "error: requests is not granted 'env' in pyproject.toml\n"),
    (["policy", "show", "--format", "xml"],
     "error: permpip policy show: argument --format: invalid choice: 'xml' "
     "(choose from 'text', 'json')\nhint: see `permpip policy --help`\n"),
    (["policy", "frobnicate"],
     "error: unknown policy command 'frobnicate'\nhint: permpip policy init|allow|revoke|show\n"),
])
def test_usage_errors_exit_2_with_one_line(
    project: Path, capsys: pytest.CaptureFixture[str], argv: list[str], err: str,
) -> None:
    (project / "pyproject.toml").write_text('[tool.permissions.packages]\nrequests = ["network"]\n')
    assert main(argv) == 2
    assert out_err(capsys) == ("", err)
    assert (project / "pyproject.toml").read_text() == (
        '[tool.permissions.packages]\nrequests = ["network"]\n')


def test_no_pyproject_for_allow_and_show(
    project: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    hint = "hint: run `permpip policy init` to write one from what your dependencies use today\n"
    assert main(["policy", "allow", "a", "env"]) == 2
    assert out_err(capsys) == ("", f"error: no pyproject.toml in {project} or its parents\n"
                                   + hint)
    assert main(["policy", "show"]) == 2
    assert out_err(capsys) == ("", "error: no pyproject.toml with a [tool.permissions] policy "
                                   f"in {project} or its parents\n" + hint)


def test_invalid_policy_prints_every_problem_then_the_error(
    project: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.permissions]\ndefault = ["envv"]\n[tool.permissions.packages]\na = 1\n')
    assert main(["policy", "show"]) == 2
    assert out_err(capsys) == ("", (
        "pyproject.toml:2: tool.permissions.default[0]: unknown capability 'envv' "
        "(did you mean 'env'?)\n"
        "pyproject.toml:4: tool.permissions.packages.a: expected an array of capabilities or "
        "a table with 'allow', got integer\n"
        "error: invalid policy in pyproject.toml (2 problems)\n"))


def test_help_and_bare_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", "--help"]) == 0
    assert out_err(capsys)[0].startswith("usage: permpip policy init [INPUT]")
    assert main(["policy"]) == 2


def test_report_verdict_prints_and_returns_the_exit_code(
    project: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    (project / "pyproject.toml").write_text("[tool.permissions]\n")
    verdict = evaluate(SCANS[:1], load_policy(cwd=project))
    assert report_verdict(verdict, fmt="json") == 1
    assert json.loads(out_err(capsys)[0])["packages"][0]["fix"] == (
        "permpip policy allow requests network && "
        "permpip policy allow requests env --at-import")
    assert report_verdict(verdict) == 1
    assert out_err(capsys)[0].startswith("refused: 1 of 1 package uses capabilities")


@pytest.mark.parametrize("body", [
    "[tool.permissions]\n",
    '[tool.permissions.packages]\nhooky = ["subprocess"]\n',
    '[tool.permissions.packages]\nhooky = { allow = ["subprocess"], versions = "<0.1" }\n',
    '[tool.permissions]\npackages = { hooky = ["subprocess"] }\n',
    '[tool.permissions.packages.Hooky]\nallow = ["env"]\nversions = ">=1"\n',
])
def test_every_printed_fix_command_works_when_pasted(
    project: Path, capsys: pytest.CaptureFixture[str], body: str,
) -> None:
    (project / "pyproject.toml").write_text(body)
    scans = [scan("hooky", "0.1", (C.SUBPROCESS, P.INSTALL), (C.ENV, P.RUNTIME))]
    verdict = evaluate(scans, load_policy(cwd=project))
    assert not verdict.allowed
    fix = verdict.packages[0].fix_command
    assert fix is not None
    argv = shlex.split(fix)  # as a shell would read the pasted line
    assert argv[0] == "permpip"
    assert main(argv[1:]) == 0
    after = evaluate(scans, load_policy(cwd=project))
    assert after.allowed and after.warnings == ()
    capsys.readouterr()


def test_the_printed_revoke_command_for_a_stale_grant_works_when_pasted(
    project: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.permissions.packages]\nhooky = ["env", "network", "threads"]\ngone = []\n')
    scans = [scan("hooky", "0.1", (C.ENV, P.RUNTIME))]
    verdict = evaluate(scans, load_policy(cwd=project), complete_set=True)
    commands = [w.rpartition("with: ")[2] for w in verdict.warnings]
    assert commands == ["permpip policy revoke hooky network threads",
                        "permpip policy revoke gone"]
    for command in commands:
        assert main(shlex.split(command)[1:]) == 0
    assert evaluate(scans, load_policy(cwd=project), complete_set=True).warnings == ()
    assert (project / "pyproject.toml").read_text() == (
        '[tool.permissions.packages]\nhooky = ["env"]\n')
    capsys.readouterr()


def test_init_comments_say_where_labelled_evidence_comes_from(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    """A grant whose evidence is partly or wholly labelled gets a comment per capability;
    the grant itself is unchanged (labels never remove evidence)."""
    from gate.model import Label

    def found(path: str, cap: Capability, phase: Phase, label: Label | None) -> Finding:
        return Finding(path=path, line=0 if label is Label.BUNDLED else 4, capability=cap,
                       phase=phase, detail="d", label=label)

    libs = "psycopg2_binary.libs/"
    scans = [
        PackageScan(name=normalize("psycopg2-binary"), version="2.9.13",
                    filename="psycopg2_binary-2.9.13-cp311-cp311-manylinux2014_x86_64.whl",
                    sha256="0" * 64, findings=(
                        found(libs + "libcrypto-fb8d5b21.so.3", C.NETWORK, P.RUNTIME,
                              Label.BUNDLED),
                        found(libs + "libkrb5-fcafa220.so.3.3", C.NETWORK, P.RUNTIME,
                              Label.BUNDLED),
                        found("psycopg2/_psycopg.so", C.NATIVE, P.IMPORT, None),
                        found(libs + "libpq-a17e3caa.so.5.17", C.NATIVE, P.RUNTIME,
                              Label.BUNDLED))),
        PackageScan(name=normalize("click"), version="8.5.1", filename="click-8.5.1.whl",
                    sha256="0" * 64, findings=(
                        found("click/_winconsole.py", C.NATIVE, P.IMPORT, Label.PLATFORM),
                        found("click/utils.py", C.ENV, P.IMPORT, None))),
        scan("quiet", "1.0", (C.ENV, P.RUNTIME)),
    ]
    (project / "dist").mkdir()
    monkeypatch.setattr(gate.scan, "scan_paths", lambda paths: scans)
    assert main(["policy", "init", "dist"]) == 0
    text = (project / "pyproject.toml").read_text()
    assert text.split("[tool.permissions.packages]\n")[1] == (
        "# native: 1 line, all in platform-only code (click/_winconsole.py)\n"
        'click = {allow = ["env", "native"], at-import = ["env", "native"]}\n'
        "\n"
        "# network: 2 lines, all in bundled libraries (libcrypto-fb8d5b21.so.3, "
        "libkrb5-fcafa220.so.3.3)\n"
        "# native: 2 lines: 1 in the package's code (first psycopg2/_psycopg.so:4, import), "
        "1 in bundled libraries\n"
        'psycopg2-binary = {allow = ["network", "native"], at-import = ["native"]}\n'
        'quiet = ["env"]\n')
    verdict = evaluate(scans, load_policy(cwd=project), strict=True, complete_set=True)
    assert verdict.allowed


def test_hosts_are_validated_and_shown(project: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.permissions]\n[tool.permissions.packages]\n'
        'sentry-sdk = { allow = ["network"], hosts = ["*.ingest.sentry.io", "API.x.io.", '
        '"::ffff:10.0.0.1"] }\n')
    assert main(["policy", "show"]) == 0
    assert out_err(capsys)[0].splitlines()[-1] == (
        "sentry-sdk: network; network only to *.ingest.sentry.io, api.x.io, 10.0.0.1")
    assert main(["policy", "show", "--format", "json"]) == 0
    assert json.loads(out_err(capsys)[0])["packages"]["sentry-sdk"]["hosts"] == [
        "*.ingest.sentry.io", "api.x.io", "10.0.0.1"]
    (project / "pyproject.toml").write_text(
        '[tool.permissions]\n[tool.permissions.packages]\n'
        'a = { allow = ["network"], hosts = ["*.*.x.io", "ok.io", 3] }\n'
        'b = { allow = ["env"], hosts = ["b.io"] }\n'
        'c = { allow = ["network"], hosts = "c.io" }\n')
    assert main(["policy", "show"]) == 2
    assert out_err(capsys) == ("", (
        "pyproject.toml:3: tool.permissions.packages.a.hosts[0]: invalid host '*.*.x.io' (a "
        "name such as 'api.example.com', '*.example.com' for the names below it, or an IP "
        "address)\n"
        "pyproject.toml:3: tool.permissions.packages.a.hosts[2]: expected a host name "
        "string, got integer\n"
        "pyproject.toml:4: tool.permissions.packages.b.hosts: 'hosts' limits 'network', "
        "which 'allow' does not grant\n"
        "pyproject.toml:5: tool.permissions.packages.c.hosts: expected an array of host "
        "names, got string\n"
        "error: invalid policy in pyproject.toml (4 problems)\n"))


def test_init_names_the_hosts_beside_a_network_grant(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    from dataclasses import replace

    from gate.model import HostSeen

    def seen(host: str, line: int) -> HostSeen:
        return HostSeen(host=host, path="beacon/a.py", line=line, literal=f"https://{host}/")

    scans = [replace(scan("beacon", "1.0", (C.NETWORK, P.RUNTIME)),
                     hosts=(seen("o1.ingest.beacon.io", 3), seen("api.beacon.io", 5))),
             replace(scan("docsy", "1.0", (C.ENV, P.RUNTIME)), hosts=(seen("docs.io", 1),))]
    (project / "dist").mkdir()
    monkeypatch.setattr(gate.scan, "scan_paths", lambda paths: scans)
    assert main(["policy", "init", "dist"]) == 0
    assert (project / "pyproject.toml").read_text().split("[tool.permissions.packages]\n")[1] \
        == ("# network: hosts named in code: o1.ingest.beacon.io, api.beacon.io (2 hosts; "
            "`permpip scan` shows where)\n"
            'beacon = ["network"]\n'
            'docsy = ["env"]\n')  # no network grant: its hosts are no concern of the policy
