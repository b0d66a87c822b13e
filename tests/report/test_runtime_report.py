"""``permpip run``'s report on hand-made outcomes: program-controlled text is shown inert,
SARIF is schema-checked and locates files by relative or ``file:`` URIs."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from gate.report.runtime import render, to_sarif
from gate.runtime.misses import Miss
from gate.runtime.session import Events, Outcome, Violation

SCHEMA = json.loads(
    (Path(__file__).resolve().parent.parent / "data" / "sarif-schema-2.1.0.json").read_text())
ESC = "\x1b]0;owned\x07\x1b[2J"  # set the terminal title, clear the screen


def violation(package: str, where: str, site: str, chain: tuple[str, ...],
              argv: tuple[str, ...] = ("/usr/bin/python3", "main.py"),
              phase: str = "import") -> Violation:
    return Violation(package=package, version="1.0", capability="network", phase=phase,
                     event="socket.connect", detail="", where=where, chain=chain, pid=7,
                     argv=argv, denied=False, site=site)


def test_text_shows_program_controlled_text_inert(tmp_path: Path) -> None:
    v = violation("evil", f"evil/{ESC}.py:3", str(tmp_path / "site") + "/",
                  (f"evil/{ESC}.py:3 (import)", f"socket.connect {ESC}host:80"),
                  argv=(f"/bin/py{ESC}", f"arg\n{ESC}"))
    outcome = Outcome(returncode=0, events=Events(processes=[(7, ("py",))], violations=[v],
                                                  errors=[f"the guard failed: {ESC}"]),
                      enforce=False)
    misses = [Miss(package="evil", version="1.0", capability="env", phase="runtime",
                   run=(f"evil/{ESC}.py:9 (runtime)", "os.environ"), static=f"static {ESC}")]
    text = render(outcome, "text", policy="pyproject.toml", misses=misses,
                  unscanned=[f"x: not compared {ESC}"])
    assert "\x1b" not in text and "\x07" not in text
    inert = "\\x1b]0;owned\\x07\\x1b[2J"
    assert text.splitlines()[3:7] == [
        "  network at import not granted:",
        f"    evil/{inert}.py:3 (import) -> socket.connect {inert}host:80",
        f"    [pid 7: 'py{inert}' 'arg\\x0a{inert}']",
        "  fix: permpip policy allow evil network --at-import"]
    assert f"error: the guard failed: {inert}" in text
    assert f"    run: evil/{inert}.py:9 (runtime) -> os.environ" in text
    assert f"note: x: not compared {inert}" in text


def test_sarif_is_valid_with_relative_and_file_uris(tmp_path: Path) -> None:
    site = tmp_path / "venv" / "lib" / "site-packages"
    elsewhere = "/opt/other site/lib"
    violations = [
        violation("colorlogx", "colorlogx/__init__.py:3", str(site) + "/",
                  ("colorlogx/__init__.py:3 (import)", "<exec>", "socket.connect")),
        violation("far", "far/mod.py:12", elsewhere + "/", ("far/mod.py:12 (runtime)",),
                  phase="runtime"),
        violation("<app>", str(tmp_path / "main.py") + ":5", "", ("main.py:5 (runtime)",),
                  phase="runtime"),
        violation("dyn", "<string>:1", str(site) + "/", ("<string>:1 (import)",)),
    ]
    misses = [Miss(package="colorlogx", version="1.0", capability="env", phase="import",
                   run=("colorlogx/util.py:8 (import)", "os.environ"),
                   static="static scan: no env finding", site=str(site) + "/")]
    outcome = Outcome(returncode=0, events=Events(violations=violations), enforce=False)
    sarif = to_sarif(outcome, misses, root=tmp_path)
    jsonschema.Draft4Validator(SCHEMA).validate(sarif)
    assert json.loads(render(outcome, "sarif", policy="p", misses=misses, root=tmp_path)) \
        == sarif
    locations = [r["locations"][0]["physicalLocation"] for r in sarif["runs"][0]["results"]]
    assert locations == [
        {"artifactLocation": {"uri": "venv/lib/site-packages/colorlogx/util.py"},
         "region": {"startLine": 8}},
        {"artifactLocation": {"uri": "venv/lib/site-packages/colorlogx/__init__.py"},
         "region": {"startLine": 3}},
        {"artifactLocation": {"uri": "file:///opt/other%20site/lib/far/mod.py"},
         "region": {"startLine": 12}},
        {"artifactLocation": {"uri": "main.py"}, "region": {"startLine": 5}},
        {"artifactLocation": {"uri": "%3Cstring%3E"}, "region": {"startLine": 1}},
    ]
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == [
        "scanner-miss", "network-at-import", "network", "network", "network-at-import"]
