"""The README demo stays allowed (sample_projects/demo), without the network: its pure-Python
wheels are vendored under tests/data/wheels (the exact files requirements.txt pins), scanned
and evaluated against the demo's ``[tool.permissions]``.

The reverted by-name import phase (#13) refused this demo: requests got ``network`` at import
through a method named ``patch`` and certifi ``fs-write``. Phases across modules must stay
precise enough for these four packages."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from gate.evaluate import evaluate
from gate.policy import parse_policy
from gate.scan import scan_artifact

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "sample_projects" / "demo"
WHEELS = ROOT / "tests" / "data" / "wheels"
FILES = ["requests-2.32.3-py3-none-any.whl", "urllib3-2.8.0-py3-none-any.whl",
         "certifi-2026.10.19.post1-py3-none-any.whl", "idna-3.20-py3-none-any.whl"]


def _pinned() -> dict[str, set[str]]:
    """requirements.txt: project name -> its pinned sha256 hashes."""
    pins: dict[str, set[str]] = {}
    name = ""
    for line in (DEMO / "requirements.txt").read_text().splitlines():
        m = re.match(r"([A-Za-z0-9_.-]+)==", line)
        if m:
            name = m.group(1).lower().replace("_", "-")
        for h in re.findall(r"--hash=sha256:([0-9a-f]{64})", line):
            pins.setdefault(name, set()).add(h)
    return pins


@pytest.fixture(scope="module")
def scans():
    pins = _pinned()
    out = []
    for f in FILES:
        path = WHEELS / f
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        project = f.split("-")[0].lower().replace("_", "-")
        assert digest in pins[project], f"{f} is not the file requirements.txt pins"
        out.append(scan_artifact(path, sha256=digest))
    return out


def test_demo_wheels_are_allowed_by_the_demo_policy(scans) -> None:
    text = (DEMO / "pyproject.toml").read_text()
    policy = parse_policy(text, path=DEMO / "pyproject.toml", display="pyproject.toml")
    assert policy is not None
    verdict = evaluate(scans, policy)
    refused = {v.name: [(str(d.capability), d.at_import, [f"{e.where} {e.detail}"
                                                          for e in d.evidence[:3]])
                        for d in v.denials]
               for v in verdict.packages if not v.allowed}
    assert not refused, refused
    assert verdict.allowed, verdict.errors


def test_demo_requests_uses_no_network_at_import(scans) -> None:
    """requests opens no connection when imported (its ``patch`` method is no import-time
    call); certifi writes nothing at import."""
    by_name = {s.name: s for s in scans}
    at_import = {(s.name, str(f.capability)) for s in scans for f in s.findings
                 if str(f.phase) == "import"}
    assert ("requests", "network") not in at_import, [
        f.detail for f in by_name["requests"].findings
        if str(f.phase) == "import" and str(f.capability) == "network"]
    assert ("certifi", "fs-write") not in at_import
