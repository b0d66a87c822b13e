"""``permpip policy init --from-run FILE``: grants from what ``permpip run --record`` saw, in
both policy forms, fresh and merged; bad records are one line (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gate.__main__ import main
from gate.model import Capability
from gate.policy import load_policy

HIDDEN_CHAIN = ["colorlogx/__init__.py:3 (import)", "<exec>", "urllib.request.urlopen",
                "http.client.connect 127.0.0.1:8000"]


def use(package: str, capability: str, phase: str, where: str, count: int = 1,
        evidence: list[str] | None = None) -> dict[str, Any]:
    return {"package": package, "version": "1.0", "capability": capability, "phase": phase,
            "granted": False, "count": count, "where": where,
            "evidence": evidence or [f"{where} ({phase})", f"event of {capability}"],
            "pid": 7, "argv": ["python", "main.py"], "site": "/site/"}


RECORD = {
    "format": "permpip-run-record", "version": 1, "permpip": "0.1.0",
    "command": ["python", "main.py"], "policy": "pyproject.toml", "mode": "report",
    "exit_code": 1, "processes": 2,
    "uses": [
        use("colorlogx", "network", "import", "colorlogx/__init__.py:3", 6, HIDDEN_CHAIN),
        use("colorlogx", "env", "import", "colorlogx/__init__.py:2", 2),
        use("colorlogx", "env", "runtime", "colorlogx/__init__.py:9"),
        use("Tally_Pkg", "fs-write", "runtime", "tally_pkg/io.py:4", 3),
    ],
    "scanner_misses": [{
        "package": "colorlogx", "version": "1.0", "capability": "network", "phase": "import",
        "run_evidence": " -> ".join(HIDDEN_CHAIN),
        "static_evidence": "static scan: no network finding; nearest: "
                           "colorlogx/__init__.py:3 dynamic-code (import): exec"}],
    "not_compared": [],
}
COLORLOGX_NOTE = ("seen at run time: network at import (colorlogx/__init__.py:3, 6 uses), "
                  "env at import (colorlogx/__init__.py:2, 2 uses), "
                  "env (colorlogx/__init__.py:9, 1 use)")
TALLY_NOTE = "seen at run time: fs-write (tally_pkg/io.py:4, 3 uses)"
MISS_NOTE = ("note: scanner miss: colorlogx 1.0: network at import: run: "
             "colorlogx/__init__.py:3 (import) -> <exec> -> urllib.request.urlopen -> "
             "http.client.connect 127.0.0.1:8000; static scan: no network finding; nearest: "
             "colorlogx/__init__.py:3 dynamic-code (import): exec\n")

FRESH = f"""\
[tool.permissions]
# Written by `permpip policy init --from-run run.json`: what each dependency was seen to use
# in that run (only the code it reached). Anything not granted here is denied.
# Review each grant before committing it; at-import lists what ran while the
# package was being imported: read those first.
default = []

[tool.permissions.packages]
# {COLORLOGX_NOTE}
colorlogx = {{allow = ["network", "env"], at-import = ["network", "env"]}}

# {TALLY_NOTE}
tally-pkg = ["fs-write"]
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "run.json").write_text(json.dumps(RECORD))
    return tmp_path


def out_err(capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    captured = capsys.readouterr()
    return captured.out, captured.err


def test_init_from_run_writes_runtime_and_import_grants_with_a_comment_each(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", "init", "--from-run", "run.json"]) == 0
    assert out_err(capsys) == (
        "pyproject.toml: wrote grants for 2 of 2 packages seen at run time\n", MISS_NOTE)
    assert (project / "pyproject.toml").read_text() == FRESH
    grant = load_policy(cwd=project).packages["colorlogx"]  # type: ignore[index]
    assert grant.at_import == (Capability.NETWORK, Capability.ENV)


def test_init_from_run_merges_onto_an_existing_policy(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    existing = ('[project]\nname = "x"\n\n[tool.permissions]\ndefault = []\n\n'
                '[tool.permissions.packages]\n'
                'colorlogx = ["env"]  # reviewed\n'
                'requests = ["network"]\n')
    (project / "pyproject.toml").write_text(existing)
    assert main(["policy", "init", "--from-run", "run.json"]) == 2
    assert out_err(capsys)[1] == (
        "error: pyproject.toml already has a [tool.permissions] policy\n"
        "hint: pass --merge to add what is missing, or --force to replace it\n")
    assert main(["policy", "init", "--from-run", "run.json", "--merge"]) == 0
    assert out_err(capsys)[0] == (
        "pyproject.toml: added capabilities for 2 of 2 packages seen at run time\n")
    assert (project / "pyproject.toml").read_text() == (
        '[project]\nname = "x"\n\n[tool.permissions]\ndefault = []\n\n'
        '[tool.permissions.packages]\n'
        'colorlogx = {allow = ["env", "network"], at-import = ["network", "env"]}'
        f'  # reviewed  # {COLORLOGX_NOTE}\n'
        'requests = ["network"]\n'
        '\n'
        f'# {TALLY_NOTE}\n'
        'tally-pkg = ["fs-write"]\n')
    before = (project / "pyproject.toml").read_text()
    assert main(["policy", "init", "--from-run", "run.json", "--merge"]) == 0
    assert out_err(capsys)[0] == (
        "pyproject.toml: added capabilities for 0 of 2 packages seen at run time\n")
    assert (project / "pyproject.toml").read_text() == before  # nothing new: no new note


def test_init_from_run_beside_the_pins_of_a_requirements_file(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    req = project / "requirements.txt"
    req.write_text("colorlogx==1.0 \\\n    --hash=sha256:abc\nrequests==2.0  # permissions: "
                   "network  # reviewed\ntally-pkg==1.0\n")
    assert main(["policy", "init", "--from-run", "run.json", "--policy",
                 "requirements.txt"]) == 2
    assert main(["policy", "init", "--from-run", "run.json", "--policy", "requirements.txt",
                 "--merge"]) == 0
    assert out_err(capsys)[0] == (
        "requirements.txt: wrote grants beside 2 pins of 2 packages seen at run time\n")
    assert req.read_text() == (
        "colorlogx==1.0 \\\n    --hash=sha256:abc  # permissions: network, env; at-import: "
        f"network, env  # {COLORLOGX_NOTE}\n"
        "requests==2.0  # permissions: network  # reviewed\n"
        f"tally-pkg==1.0  # permissions: fs-write  # {TALLY_NOTE}\n")
    # a later run that saw more replaces the note, not adds a second one
    more = dict(RECORD, uses=[*RECORD["uses"],  # type: ignore[list-item]
                              use("tally-pkg", "subprocess", "runtime", "tally_pkg/io.py:8")])
    (project / "run.json").write_text(json.dumps(more))
    assert main(["policy", "init", "--from-run", "run.json", "--policy", "requirements.txt",
                 "--merge"]) == 0
    assert req.read_text().splitlines()[-1] == (
        "tally-pkg==1.0  # permissions: fs-write, subprocess  # seen at run time: fs-write "
        "(tally_pkg/io.py:4, 3 uses), subprocess (tally_pkg/io.py:8, 1 use)")


@pytest.mark.parametrize(("content", "err"), [
    (None, "error: missing.json: no such file\n"),
    ("{not json", "error: missing.json: not a permpip run record (invalid JSON: Expecting "
                  "property name enclosed in double quotes: line 1 column 2 (char 1))\n"
                  "hint: write it with: permpip run --record FILE -- COMMAND\n"),
    ('{"schema": 1, "packages": []}',
     "error: missing.json: not a permpip run record (no \"format\": \"permpip-run-record\")\n"
     "hint: write it with: permpip run --record FILE -- COMMAND\n"),
    ('{"format": "permpip-run-record", "version": 2, "uses": []}',
     "error: missing.json: a run record of version 2; this permpip (0.1.0) reads version 1\n"
     "hint: record the run again with this permpip\n"),
    ('{"format": "permpip-run-record", "version": 1, "uses": [{"package": "a", "version": '
     '"1", "capability": "netwrk", "phase": "import", "count": 1}]}',
     "error: missing.json: uses[0].capability: unknown capability 'netwrk'\n"
     "hint: write it with: permpip run --record FILE -- COMMAND\n"),
    ('{"format": "permpip-run-record", "version": 1, "uses": [{"package": "a"}]}',
     "error: missing.json: uses[0]: missing or invalid 'capability'\n"
     "hint: write it with: permpip run --record FILE -- COMMAND\n"),
])
def test_a_bad_record_is_one_line_and_writes_nothing(
        project: Path, capsys: pytest.CaptureFixture[str], content: str | None,
        err: str) -> None:
    if content is not None:
        (project / "missing.json").write_text(content)
    assert main(["policy", "init", "--from-run", "missing.json"]) == 2
    assert out_err(capsys) == ("", err)
    assert not (project / "pyproject.toml").exists()


def test_from_run_takes_no_input(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", "init", "requirements.txt", "--from-run", "run.json"]) == 2
    assert out_err(capsys)[1].startswith(
        "error: --from-run takes no INPUT or pip options: the record is the input\n")
