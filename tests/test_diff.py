"""The diff core on hand-made pins and scans: no network, no archives."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pytest

from gate._subprocess import run as run_process
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
    diff = diff_packages([entry("foo", "1.0")], new, allowed=policy({}, default=["fs-read"]),
                         at_import=policy({}, default=["fs-read"]))
    assert diff.exit_code == 0
    runtime_only = diff_packages([entry("foo", "1.0")], new,
                                 allowed=policy({}, default=["fs-read"]))
    assert runtime_only.exit_code == 1
    assert only(runtime_only, "foo").missing_at_import == (C.FS_READ,)


def test_network_moving_from_runtime_to_import_time_is_a_change() -> None:
    old = [entry("foo", "1.0", [("network", "runtime", "foo/api.py", 7)])]
    new = [entry("foo", "1.1", [("network", "import", "foo/api.py", 2)])]
    diff = diff_packages(old, new, allowed=policy({"foo": ["network"]}))
    pkg = only(diff, "foo")
    assert pairs(pkg.gained) == [("network", "import")]
    assert pkg.lost == ((C.NETWORK, P.RUNTIME),)
    # network is granted at runtime only: the new use at import needs its own grant
    assert pkg.verdict is Verdict.REFUSED and diff.exit_code == 1
    assert pkg.gained[0].missing == (C.NETWORK,) and pkg.gained[0].at_import
    assert pkg.missing_at_import == (C.NETWORK,)
    granted = diff_packages(old, new, allowed=policy({"foo": ["network"]}),
                            at_import=policy({"foo": ["network"]}))
    assert only(granted, "foo").verdict is Verdict.GRANTED and granted.exit_code == 0
    assert diff_packages(old, new, allowed=policy({"foo": ["network"]}),
                         at_import=policy({"foo": ["network"]}), strict=True).exit_code == 1


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
    # import-time gains first, then catalog order
    assert pairs(fresh.gained) == [("env", "import"), ("subprocess", "runtime")]
    assert [f.line for f in fresh.gained[1].evidence] == [3, 5]
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


# -- the CLI, with scan_input replaced by a reader of a tiny test format -------------------
#
# Each line of a fake input: ``name version [capability:phase:path:line ...]``; the sha256
# is the line's text, so an identical line is an unchanged file.


def fake_scan_input(input_path: Path | None, *, cwd: Path, options: object) -> list[Pinned]:
    assert input_path is not None
    scanned.append(input_path.name)
    out = []
    for n, line in enumerate(input_path.read_text().splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        name, version, *caps = line.split()
        findings = [tuple(c.split(":")) for c in caps]
        e = entry(name, version, [(c, ph, p, int(ln)) for c, ph, p, ln in findings],
                  sha=line, source=f"{input_path}:{n}")
        out.append(e)
    return out


scanned: list[str] = []


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    import gate.run

    monkeypatch.setattr(gate.run, "scan_input", fake_scan_input, raising=False)
    monkeypatch.chdir(tmp_path)
    scanned.clear()
    (tmp_path / "pyproject.toml").write_text(
        '[tool.permissions.packages]\nfoo = { allow = ["network"], at-import = ["network"] }\n')
    return tmp_path


def diff_cli(*args: str) -> int:
    from gate.__main__ import main

    return main(["diff", *args])


OLD = "foo 1.0 network:runtime:foo/a.py:3\nbar 2.0\n"
NEW = "foo 1.1 network:import:foo/a.py:1\nbar 2.0\nbaz 0.1 subprocess:runtime:baz/x.py:9\n"


def test_cli_refuses_an_ungranted_gain_and_points_at_the_pin(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "old.txt").write_text(OLD)
    (project / "new.txt").write_text(NEW)
    assert diff_cli("old.txt", "new.txt") == 1
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "permpip diff old.txt -> new.txt"
    assert "FAIL baz 0.1 (added)  [new.txt:3]: not granted: subprocess" in out
    assert "grant with: permpip policy allow baz subprocess" in out
    assert "ok   foo 1.0 -> 1.1 (upgraded)" in out
    assert "bar" not in out


def test_cli_fails_a_new_use_at_import_granted_only_at_runtime(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "pyproject.toml").write_text('[tool.permissions.packages]\nfoo = ["network"]\n')
    (project / "old.txt").write_text(OLD)
    (project / "new.txt").write_text(OLD.replace("runtime", "import").replace("1.0", "1.1"))
    assert diff_cli("old.txt", "new.txt") == 1
    assert capsys.readouterr().out == (
        "permpip diff old.txt -> new.txt\n"
        "FAIL foo 1.0 -> 1.1 (upgraded)  [new.txt:1]: not granted: network at import\n"
        "       + network (import)  NOT GRANTED at import\n"
        "           foo/a.py:3  d:foo/a.py:3\n"
        "       - network (runtime)\n"
        "       grant with: permpip policy allow foo network --at-import\n"
        "1 package changed, 1 unchanged; 1 package gained capabilities the policy does not "
        "grant\n")


def test_cli_pure_bump_exits_0_even_strict(project: Path) -> None:
    (project / "old.txt").write_text(OLD)
    (project / "new.txt").write_text(OLD.replace("bar 2.0", "bar 2.1"))
    assert diff_cli("old.txt", "new.txt", "--strict") == 0


def test_cli_strict_fails_a_granted_gain(project: Path) -> None:
    (project / "old.txt").write_text(OLD)
    (project / "new.txt").write_text(OLD.replace("runtime", "import"))
    assert diff_cli("old.txt", "new.txt") == 0
    assert diff_cli("old.txt", "new.txt", "--strict") == 1


def test_cli_without_policy_exits_2_unless_no_policy(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "pyproject.toml").unlink()
    (project / "old.txt").write_text(OLD)
    (project / "new.txt").write_text(NEW)
    assert diff_cli("old.txt", "new.txt") == 2
    err = capsys.readouterr().err
    assert err.startswith("error: no pyproject.toml with a [tool.permissions] policy in ")
    assert scanned == []  # the policy is checked before anything is fetched
    assert diff_cli("old.txt", "new.txt", "--no-policy", "--format", "json") == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["policy"] is False
    assert [(p["name"], p["verdict"]) for p in doc["packages"]] == [
        ("baz", "unreviewed"), ("foo", "unreviewed")]
    assert diff_cli("old.txt", "new.txt", "--no-policy", "--strict") == 1


@pytest.mark.parametrize(("argv", "message"), [
    (["only.txt"], "error: permpip diff needs OLD and NEW (or --git REV [FILE])"),
    (["a", "b", "c"], "error: permpip diff needs OLD and NEW (or --git REV [FILE])"),
    (["--git", "HEAD", "a", "b"], "error: permpip diff --git REV takes at most one FILE"),
    (["a", "b", "--format", "html"],
     "error: --format must be one of text, json, markdown, sarif, not 'html'"),
    (["a", "b", "--git"], "error: option --git needs a value"),
    (["a", "b", "--strict=yes"], "error: option --strict takes no value"),
    (["a", "b", "--policy", "p.toml", "--no-policy"],
     "error: --policy and --no-policy exclude each other"),
    (["a", "b", "--frobnicate"],
     "error: unknown option --frobnicate (neither a pip install nor a permpip option)"),
    (["missing.txt", "new.txt"], "error: no such input file: missing.txt"),
])
def test_cli_usage_errors_exit_2_with_one_line(
    project: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    (project / "new.txt").write_text(NEW)
    assert diff_cli(*argv) == 2
    assert capsys.readouterr().err.splitlines()[0] == message.format(project=project)


def test_cli_output_file_and_sarif(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "old.txt").write_text(OLD)
    (project / "new.txt").write_text(NEW)
    assert diff_cli("old.txt", "new.txt", "--format=sarif", "-o", "out.sarif") == 1
    assert capsys.readouterr().out == ""
    sarif = json.loads((project / "out.sarif").read_text())
    [result] = sarif["runs"][0]["results"]
    assert result["ruleId"] == "subprocess"
    assert result["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "new.txt"}, "region": {"startLine": 3}}


def git(repo: Path, *args: str) -> None:
    done = run_process(["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c",
                        "commit.gpgsign=false", *args], cwd=repo)
    assert done.returncode == 0, done.stderr


def test_cli_git_reads_old_from_the_revision(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    git(project, "init", "-q", "-b", "main")
    (project / "requirements.txt").write_text(OLD)
    git(project, "add", "requirements.txt")
    git(project, "commit", "-q", "-m", "old")
    (project / "requirements.txt").write_text(NEW)
    assert diff_cli("--git", "main", "--format", "json") == 1
    doc = json.loads(capsys.readouterr().out)
    assert (doc["old"], doc["new"]) == ("requirements.txt@main", "requirements.txt")
    assert doc["refused"] == ["baz"]
    assert scanned == ["requirements.txt", "requirements.txt"]


def test_cli_git_in_a_subdirectory_labels_old_pins_by_revision(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    git(project, "init", "-q", "-b", "main")
    (project / "locks").mkdir()
    (project / "locks" / "prod.txt").write_text(OLD + "gone 1.0 env:import:g.py:1\n")
    git(project, "add", "locks/prod.txt")
    git(project, "commit", "-q", "-m", "old")
    (project / "locks" / "prod.txt").write_text(NEW)
    assert diff_cli("--git", "HEAD", "locks/prod.txt", "--format", "json") == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["old"] == "locks/prod.txt@HEAD"
    [gone] = [p for p in doc["packages"] if p["name"] == "gone"]
    assert (gone["change"], gone["source"]) == ("removed", "locks/prod.txt@HEAD:3")
    assert diff_cli("--git", "HEAD", "locks/prod.txt", "--format", "sarif") == 1
    sarif = json.loads(capsys.readouterr().out)
    assert sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "locks/prod.txt"}, "region": {"startLine": 3}}


def test_cli_git_file_new_at_head_means_everything_added(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    git(project, "init", "-q", "-b", "main")
    git(project, "commit", "-q", "--allow-empty", "-m", "empty")
    (project / "requirements.txt").write_text(NEW)
    assert diff_cli("--git", "main", "--format", "json") == 1
    doc = json.loads(capsys.readouterr().out)
    assert [(p["name"], p["change"]) for p in doc["packages"]] == [
        ("bar", "added"), ("baz", "added"), ("foo", "added")]
    assert doc["refused"] == ["baz"]  # foo is granted network; bar gains nothing


def test_cli_git_errors(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "requirements.txt").write_text(NEW)
    assert diff_cli("--git", "main") == 2
    assert capsys.readouterr().err.splitlines()[0] == (
        f"error: --git needs a git work tree; {project} is not in one")
    git(project, "init", "-q", "-b", "main")
    git(project, "commit", "-q", "--allow-empty", "-m", "empty")
    assert diff_cli("--git", "origin/main") == 2
    assert capsys.readouterr().err.splitlines() == [
        "error: unknown git revision 'origin/main'",
        "hint: in CI, fetch it first (actions/checkout with fetch-depth: 0, or git fetch "
        "origin main)"]
    (project / "requirements.txt").unlink()
    assert diff_cli("--git", "main") == 2
    assert capsys.readouterr().err.splitlines()[0] == (
        f"error: no pylock.toml, uv.lock, requirements.txt or pyproject.toml with a [project] "
        f"table in {project}")


PYLOCK = """\
lock-version = "1.0"
created-by = "test"

[[packages]]
name = "Foo_Bar"
version = "1.0"
wheels = [{ url = "https://example.invalid/f-1.0-py3-none-any.whl", hashes = { sha256 = "0" } }]

[[packages]]
name = 'baz'
version = "2.0"
"""


def test_sources_without_a_line_are_located_in_the_lockfile(tmp_path: Path) -> None:
    from gate.cli.diff import _located, _name_lines

    lock = tmp_path / "pylock.toml"
    lock.write_text(PYLOCK)
    lines = _name_lines(lock)
    assert lines == {"foo-bar": 5, "baz": 10}
    e = entry("foo-bar", "1.0", source=f"{lock} (foo-bar 1.0)")
    assert _located(e, "pylock.toml", lines).pin.source == "pylock.toml:5"
    e = entry("other", "1.0", source="pylock.toml (other 1.0)")
    assert _located(e, "pylock.toml", lines).pin.source == "pylock.toml"
    e = entry("baz", "2.0", source="/tmp/x/requirements.txt:12")
    assert _located(e, "requirements.txt@main", {}).pin.source == "requirements.txt@main:12"
    assert _name_lines(tmp_path / "requirements.txt") == {}


def test_pre_commit_hooks_run_on_lockfiles_and_the_policy_only() -> None:
    import re

    text = (Path(__file__).resolve().parent.parent / ".pre-commit-hooks.yaml").read_text()
    ids = re.findall(r"^- id: (\S+)$", text, re.M)
    files = re.findall(r"^  files: '(.+)'$", text, re.M)
    entries = re.findall(r"^  entry: (.+)$", text, re.M)
    assert ids == ["permpip-check", "permpip-diff"]
    assert entries == ["permpip check", "permpip diff --git HEAD"]
    for pattern in files:
        for path in ("pylock.toml", "sub/pylock.prod.toml", "uv.lock", "requirements.txt",
                     "req/requirements-dev.txt", "pyproject.toml"):
            assert re.search(pattern, path), (pattern, path)
        for path in ("src/app.py", "README.md", "mypylock.toml", "uv.lock.bak"):
            assert not re.search(pattern, path), (pattern, path)
