"""Diff reports on hand-made scans: exact text, Markdown, JSON and SARIF (schema-checked)."""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from gate.diff import LockDiff, Pinned, diff_packages
from gate.model import Capability, Finding, NormalizedName, PackageScan, Phase, Pin, normalize
from gate.report.diff import diff_to_json, diff_to_sarif, format_markdown, render

SCHEMA = json.loads(
    (Path(__file__).resolve().parent.parent / "data" / "sarif-schema-2.1.0.json").read_text())


def entry(
    name: str, version: str, findings: Sequence[tuple[str, str, str, int, str]] = (),
    *, source: str | None = None, filename: str | None = None,
) -> Pinned:
    """``findings``: (capability, phase, path, line, detail)."""
    fname = filename or f"{name}-{version}-py3-none-any.whl"
    pin = Pin(name=normalize(name), version=version, url=f"https://example.invalid/{fname}",
              filename=fname, sha256=f"{name}-{version}", is_wheel=fname.endswith(".whl"),
              source=source)
    scan = PackageScan(
        name=normalize(name), version=version, filename=fname, sha256=f"{name}-{version}",
        findings=tuple(Finding(path=p, line=n, capability=Capability(c), phase=Phase(ph),
                               detail=d) for c, ph, p, n, d in findings))
    return Pinned(pin=pin, scan=scan)


def allow(grants: Mapping[str, Sequence[str]]) -> Any:
    def allowed(name: NormalizedName, version: str) -> frozenset[Capability]:
        return frozenset(Capability(c) for c in grants.get(name, ()))
    return allowed


def sample(*, strict: bool = False) -> LockDiff:
    src = "requirements.txt"
    old = [
        entry("foo", "1.0", [("network", "runtime", "foo/api.py", 7, "urllib.request.urlopen")],
              source=f"{src}:3"),
        entry("gone", "2.0", [("env", "import", "gone/__init__.py", 1, "os.environ")],
              source=f"{src}:9"),
        entry("same", "1.0", source=f"{src}:12"),
        entry("bump", "1.0", [("fs-read", "runtime", "bump/x.py", 4, "open")],
              source=f"{src}:1"),
    ]
    new = [
        entry("foo", "1.1", [("network", "import", "foo/api.py", 2, "urllib.request.urlopen"),
                             ("subprocess", "runtime", "foo/run.py", 5, "subprocess.run")],
              source=f"{src}:3"),
        entry("fresh", "0.1", [("subprocess", "install", "setup.py", 4, "os.system"),
                               ("install-hooks", "install", "setup.py", 1, "setup.py")],
              source=f"{src}:5", filename="fresh-0.1.tar.gz"),
        entry("same", "1.0", source=f"{src}:12"),
        entry("bump", "1.1", [("fs-read", "runtime", "bump/x.py", 6, "open")],
              source=f"{src}:1"),
    ]
    return diff_packages(old, new, allowed=allow({"foo": ["network"], "fresh": ["subprocess"]}),
                         at_import=allow({"foo": ["network"]}), strict=strict,
                         old_label="requirements.txt@origin/main", new_label="requirements.txt")


def test_text() -> None:
    assert render(sample(), "text") == """\
permpip diff requirements.txt@origin/main -> requirements.txt
FAIL foo 1.0 -> 1.1 (upgraded)  [requirements.txt:3]: not granted: subprocess
       + network (import)  granted
           foo/api.py:2  urllib.request.urlopen
       + subprocess (runtime)  NOT GRANTED
           foo/run.py:5  subprocess.run
       - network (runtime)
       grant with: permpip policy allow foo subprocess
ok   bump 1.0 -> 1.1 (upgraded)  [requirements.txt:1]: nothing gained
FAIL fresh 0.1 (added)  [requirements.txt:5]: not granted: install-hooks
       + subprocess (install)  NOT GRANTED (needs install-hooks)
           setup.py:4  os.system
       + install-hooks (install)  NOT GRANTED
           setup.py:1  setup.py
       grant with: permpip policy allow fresh install-hooks
ok   gone 2.0 (removed)  [requirements.txt:9]: nothing gained
       - env (import)
4 packages changed, 1 unchanged; 2 packages gained capabilities the policy does not grant
"""


def test_markdown() -> None:
    assert format_markdown(sample()) == """\
### permpip diff

❌ 4 packages changed, 1 unchanged; 2 packages gained capabilities the policy does not grant.

| package | version | gained | lost | verdict |
|---|---|---|---|---|
| `foo` | 1.0 → 1.1 | network (import), subprocess (runtime) | network (runtime) | ❌ not granted: subprocess |
| `bump` | 1.0 → 1.1 | — | — | ✅ nothing gained |
| `fresh` | — → 0.1 | subprocess (install), install-hooks (install) | — | ❌ not granted: install-hooks |
| `gone` | 2.0 → — | — | env (import) | ✅ nothing gained |

<details><summary><code>foo</code> 1.0 → 1.1 (upgraded): evidence</summary>

Pinned at `requirements.txt:3`.

- network (import): granted
  - `foo/api.py:2` urllib.request.urlopen
- subprocess (runtime): **not granted**
  - `foo/run.py:5` subprocess.run

Grant with `permpip policy allow foo subprocess` after review.

</details>

<details><summary><code>fresh</code> 0.1 (added): evidence</summary>

Pinned at `requirements.txt:5`.

- subprocess (install): **not granted**
  - `setup.py:4` os.system
- install-hooks (install): **not granted**
  - `setup.py:1` setup.py

Grant with `permpip policy allow fresh install-hooks` after review.

</details>
"""  # noqa: E501


def test_markdown_strict_and_nothing_changed() -> None:
    md = format_markdown(sample(strict=True))
    assert md.splitlines()[2] == (
        "❌ 4 packages changed, 1 unchanged; 2 packages gained capabilities (--strict).")
    assert "| `foo` | 1.0 → 1.1 | network (import), subprocess (runtime) | network (runtime) | " \
           "❌ not granted: subprocess |" in md
    same = [entry("same", "1.0")]
    assert format_markdown(diff_packages(same, same, allowed=allow({}))) == (
        "### permpip diff\n\n"
        "✅ 0 packages changed, 1 unchanged; nothing gained that the policy does not grant.\n")


def test_markdown_escapes_what_packages_control() -> None:
    hostile = entry("evil", "1.0", [
        ("network", "import", "evil/`x`|<img src=x>.py", 3, "a*b_[c](http://x)\n| injected |"),
    ], source="requirements.txt:2")
    md = format_markdown(diff_packages([], [hostile], allowed=allow({})))
    assert ("  - ``evil/`x`|<img src=x>.py:3`` a\\*b\\_\\[c\\](http://x)\\\\x0a\\| injected \\|\n"
            in md)
    assert md.count("<img") == 1  # inside the code span only
    assert "\n| injected" not in md


def test_text_evidence_is_capped_and_control_characters_escaped() -> None:
    findings = [("env", "import", f"m{i}.py", i, "os.environ") for i in range(1, 8)]
    findings.append(("env", "import", "z\x1b[31m.py", 9, "os.environ"))
    out = render(diff_packages([], [entry("many", "1.0", findings)], allowed=allow({})), "text")
    assert "x1b" not in out  # the 8th is beyond the 5 shown
    assert "           ... and 3 more\n" in out
    out = render(diff_packages([], [entry("one", "1.0", [findings[-1]])], allowed=allow({})),
                 "text")
    assert "           z\\x1b[31m.py:9  os.environ\n" in out


def test_json() -> None:
    doc = diff_to_json(sample())
    assert json.loads(render(sample(), "json")) == doc
    assert {k: v for k, v in doc.items() if k != "packages"} == {
        "schema": 1, "old": "requirements.txt@origin/main", "new": "requirements.txt",
        "strict": False, "policy": True, "refused": ["foo", "fresh"], "unchanged": 1}
    assert [p["name"] for p in doc["packages"]] == ["bump", "foo", "fresh", "gone"]
    assert doc["packages"][1] == {
        "name": "foo", "change": "upgraded", "old_version": "1.0", "new_version": "1.1",
        "source": "requirements.txt:3", "verdict": "refused", "note": None,
        "fix": "permpip policy allow foo subprocess", "missing_at_import": [],
        "gained": [
            {"capability": "network", "phase": "import", "granted": True, "missing": [],
             "at_import": True,
             "evidence": [{"path": "foo/api.py", "line": 2, "phase": "import",
                           "detail": "urllib.request.urlopen"}]},
            {"capability": "subprocess", "phase": "runtime", "granted": False,
             "missing": ["subprocess"], "at_import": False,
             "evidence": [{"path": "foo/run.py", "line": 5, "phase": "runtime",
                           "detail": "subprocess.run"}]}],
        "lost": [{"capability": "network", "phase": "runtime"}]}
    assert doc["packages"][3]["verdict"] == "no-gain"


def test_sarif_exact_and_valid(tmp_path: Path) -> None:
    sarif = diff_to_sarif(sample(), root=tmp_path, cwd=tmp_path)
    jsonschema.Draft4Validator(SCHEMA).validate(sarif)
    assert json.loads(render(sample(), "sarif", root=tmp_path, cwd=tmp_path)) == sarif
    run = sarif["runs"][0]
    assert sarif["version"] == "2.1.0"
    assert run["tool"]["driver"]["name"] == "permpip"
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["subprocess", "install-hooks"]
    assert run["results"] == [
        {"ruleId": "subprocess", "ruleIndex": 0, "level": "error",
         "message": {"text": "foo 1.0 -> 1.1 (upgraded) gains subprocess (runtime): subprocess "
                             "is not granted by the policy. Evidence: foo/run.py:5 "
                             "(subprocess.run). Grant it with: permpip policy allow foo "
                             "subprocess"},
         "locations": [{"physicalLocation": {"artifactLocation": {"uri": "requirements.txt"},
                                             "region": {"startLine": 3}}}],
         "partialFingerprints": {"permpipPackageCapability/v1": "foo:subprocess"},
         "properties": {"package": "foo", "change": "upgraded", "oldVersion": "1.0",
                        "newVersion": "1.1",
                        "gained": [{"capability": "subprocess", "phase": "runtime"}],
                        "evidence": [{"capability": "subprocess", "path": "foo/run.py",
                                      "line": 5, "phase": "runtime",
                                      "detail": "subprocess.run"}]}},
        {"ruleId": "install-hooks", "ruleIndex": 1, "level": "error",
         "message": {"text": "fresh 0.1 (added) gains subprocess (install), install-hooks "
                             "(install), which need install-hooks: not granted by the policy. "
                             "Evidence: setup.py:4 (os.system) and 1 more. Grant it with: "
                             "permpip policy allow fresh install-hooks"},
         "locations": [{"physicalLocation": {"artifactLocation": {"uri": "requirements.txt"},
                                             "region": {"startLine": 5}}}],
         "partialFingerprints": {"permpipPackageCapability/v1": "fresh:install-hooks"},
         "properties": {"package": "fresh", "change": "added", "oldVersion": None,
                        "newVersion": "0.1",
                        "gained": [{"capability": "subprocess", "phase": "install"},
                                   {"capability": "install-hooks", "phase": "install"}],
                        "evidence": [{"capability": "subprocess", "path": "setup.py",
                                      "line": 4, "phase": "install", "detail": "os.system"},
                                     {"capability": "install-hooks", "path": "setup.py",
                                      "line": 1, "phase": "install", "detail": "setup.py"}]}},
    ]


def test_sarif_strict_adds_warnings_for_granted_gains(tmp_path: Path) -> None:
    sarif = diff_to_sarif(sample(strict=True), root=tmp_path, cwd=tmp_path)
    jsonschema.Draft4Validator(SCHEMA).validate(sarif)
    got = [(r["ruleId"], r["level"], r["properties"]["package"])
           for r in sarif["runs"][0]["results"]]
    assert got == [("network-at-import", "warning", "foo"), ("subprocess", "error", "foo"),
                   ("install-hooks", "error", "fresh"), ("subprocess", "warning", "fresh")]
    assert [r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]] == [
        "network-at-import", "subprocess", "install-hooks"]


def test_sarif_locations_are_relative_to_the_repository_root(tmp_path: Path) -> None:
    (tmp_path / "sub dir").mkdir()
    new = [entry("foo", "1.0", [("env", "import", "f.py", 1, "os.environ")],
                 source="lock/pylock.toml:30")]
    sarif = diff_to_sarif(diff_packages([], new, allowed=allow({})), root=tmp_path,
                          cwd=tmp_path / "sub dir")
    jsonschema.Draft4Validator(SCHEMA).validate(sarif)
    [loc] = sarif["runs"][0]["results"][0]["locations"]
    assert loc == {"physicalLocation": {"artifactLocation": {"uri": "sub%20dir/lock/pylock.toml"},
                                        "region": {"startLine": 30}}}
    nosource = [entry("bar", "1.0", [("env", "import", "f.py", 1, "os.environ")])]
    sarif = diff_to_sarif(diff_packages([], nosource, allowed=allow({})), root=tmp_path,
                          cwd=tmp_path)
    jsonschema.Draft4Validator(SCHEMA).validate(sarif)
    assert sarif["runs"][0]["results"][0]["locations"] == [
        {"physicalLocation": {"artifactLocation": {"uri": "."}}}]


def test_sarif_without_results_is_valid() -> None:
    same = [entry("same", "1.0")]
    sarif = diff_to_sarif(diff_packages(same, same, allowed=allow({})))
    jsonschema.Draft4Validator(SCHEMA).validate(sarif)
    assert sarif["runs"][0]["results"] == []
    assert sarif["runs"][0]["tool"]["driver"]["rules"] == []


def test_a_version_limited_grant_that_misses_the_new_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from gate.__main__ import main
    from gate.policy import load_policy

    (tmp_path / "pyproject.toml").write_text(
        '[tool.permissions.packages]\nfoo = { allow = ["network"], versions = "<1.1" }\n'
        'bar = { allow = ["env"], versions = "<2" }\n')
    monkeypatch.chdir(tmp_path)
    old = [entry("foo", "1.0", [(Capability.NETWORK, Phase.RUNTIME, "foo/a.py", 3, "socket")]),
           entry("bar", "1.0", [(Capability.ENV, Phase.IMPORT, "bar/a.py", 1, "os.environ")])]
    new = [entry("foo", "1.1", [(Capability.NETWORK, Phase.RUNTIME, "foo/a.py", 3, "socket"),
                                (Capability.ENV, Phase.IMPORT, "foo/b.py", 2, "os.environ")]),
           entry("bar", "2.0", [(Capability.ENV, Phase.IMPORT, "bar/a.py", 1, "os.environ")])]
    diff = diff_packages(old, new, policy=load_policy(cwd=tmp_path))
    assert render(diff, "text") == """\
permpip diff old -> new
FAIL foo 1.0 -> 1.1 (upgraded): not granted: env at import
       note: the grant at pyproject.toml:2 covers versions '<1.1', not 1.1
       + env (import)  NOT GRANTED at import
           foo/b.py:2  os.environ
       grant with: permpip policy allow foo env --at-import --versions '==1.1'
ok   bar 1.0 -> 2.0 (upgraded): nothing gained
       note: the grant at pyproject.toml:3 covers versions '<2', not 2.0
2 packages changed, 0 unchanged; 1 package gained capabilities the policy does not grant
"""
    [foo] = [p for p in diff.packages if p.name == "foo"]
    assert foo.fix_versions == "==1.1"
    assert diff_to_json(diff)["packages"][1]["fix"] == (
        "permpip policy allow foo env --at-import --versions '==1.1'")
    sarif = diff_to_sarif(diff)["runs"][0]["results"]
    assert sarif[0]["message"]["text"].endswith(
        "Note: the grant at pyproject.toml:2 covers versions '<1.1', not 1.1. "
        "Grant it with: permpip policy allow foo env --at-import --versions '==1.1'")
    assert "Note: the grant at pyproject.toml:2 covers versions '&lt;1.1', not 1.1." in (
        format_markdown(diff))
    # pasted, the printed command makes the new version pass
    fix = diff_to_json(diff)["packages"][1]["fix"]
    assert main(shlex.split(fix)[1:]) == 0
    again = diff_packages(old, new, policy=load_policy(cwd=tmp_path))
    assert again.exit_code == 0
    assert [p.note for p in again.packages] == [
        "the grant at pyproject.toml:3 covers versions '<2', not 2.0", None]


def httpkit_diff(*, strict: bool = False) -> LockDiff:
    """httpkit 2.0.0 -> 2.0.1 adds a beacon at import; network and env are granted at runtime,
    env at import. aaa (named first) gains a runtime use only."""
    old = [entry("aaa", "1.0", source="req.txt:1"),
           entry("httpkit", "2.0.0", [("network", "runtime", "httpkit/api.py", 9, "socket"),
                                      ("env", "import", "httpkit/__init__.py", 3, "os.environ")],
                 source="req.txt:2")]
    new = [entry("aaa", "1.1", [("threads", "runtime", "aaa/x.py", 4, "threading.Thread")],
                 source="req.txt:1"),
           entry("httpkit", "2.0.1", [
               ("network", "runtime", "httpkit/api.py", 9, "socket"),
               ("env", "import", "httpkit/__init__.py", 3, "os.environ"),
               ("network", "import", "httpkit/__init__.py", 38, "urllib.request.urlopen"),
               ("env", "runtime", "httpkit/__init__.py", 31, "os.environ")],
                 source="req.txt:2")]
    return diff_packages(old, new, allowed=allow({"httpkit": ["network", "env"]}),
                         at_import=allow({"httpkit": ["env"]}), strict=strict)


def test_an_import_time_gain_fails_and_comes_first_in_every_format(tmp_path: Path) -> None:
    diff = httpkit_diff()
    assert render(diff, "text") == """\
permpip diff old -> new
FAIL httpkit 2.0.0 -> 2.0.1 (upgraded)  [req.txt:2]: not granted: network at import
       + network (import)  NOT GRANTED at import
           httpkit/__init__.py:38  urllib.request.urlopen
       + env (runtime)  granted
           httpkit/__init__.py:31  os.environ
       grant with: permpip policy allow httpkit network --at-import
FAIL aaa 1.0 -> 1.1 (upgraded)  [req.txt:1]: not granted: threads
       + threads (runtime)  NOT GRANTED
           aaa/x.py:4  threading.Thread
       grant with: permpip policy allow aaa threads
2 packages changed, 0 unchanged; 2 packages gained capabilities the policy does not grant
"""
    md = format_markdown(diff)
    assert md.index("| `httpkit` |") < md.index("| `aaa` |")
    assert ("| `httpkit` | 2.0.0 → 2.0.1 | network (import), env (runtime) | — | "
            "❌ not granted: network at import |") in md
    assert "- network (import): **not granted at import**" in md
    assert "Grant with `permpip policy allow httpkit network --at-import` after review." in md
    doc = diff_to_json(diff)
    [httpkit] = [p for p in doc["packages"] if p["name"] == "httpkit"]
    assert httpkit["missing_at_import"] == ["network"]
    assert httpkit["fix"] == "permpip policy allow httpkit network --at-import"
    sarif = diff_to_sarif(diff, root=tmp_path, cwd=tmp_path)
    jsonschema.Draft4Validator(SCHEMA).validate(sarif)
    results = sarif["runs"][0]["results"]
    assert [(r["ruleId"], r["properties"]["package"]) for r in results] == [
        ("network-at-import", "httpkit"), ("threads", "aaa")]
    assert results[0]["message"]["text"] == (
        "httpkit 2.0.0 -> 2.0.1 (upgraded) gains network (import): network at import is not "
        "granted by the policy. Evidence: httpkit/__init__.py:38 (urllib.request.urlopen). "
        "Grant it with: permpip policy allow httpkit network --at-import")
    assert results[0]["partialFingerprints"] == {
        "permpipPackageCapability/v1": "httpkit:network@import"}
    assert sarif["runs"][0]["tool"]["driver"]["rules"][0]["name"] == "GainedNetworkAtImport"

