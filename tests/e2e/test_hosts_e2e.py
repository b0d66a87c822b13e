"""A network grant's ``hosts`` against the literal hosts in the code, end to end: ``check``
and ``install`` note a host outside them with file:line and still allow (a note, never a
refusal); ``scan`` lists the hosts; ``policy init`` names them beside the network grant."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from gate._subprocess import Completed
from tests.builders import build_wheel
from tests.conftest import installed
from tests.index import SubIndex

pytestmark = pytest.mark.e2e

Permpip = Callable[..., Completed]

BEACON = {
    "beacon/__init__.py": 'INGEST = "https://o1.ingest.beacon.io/api/"\n'
                          'METRICS = "https://metrics.beacon-stats.com/v1"\n',
    "beacon/send.py": "import urllib.request\n"
                      "def send(data):\n"
                      "    return urllib.request.urlopen('https://o1.ingest.beacon.io/x', data)\n",
}
NOTE = ("note: beacon 1.0: code names 1 host outside its hosts (*.ingest.beacon.io): "
        "metrics.beacon-stats.com (beacon/__init__.py:2)")


def test_hosts_outside_the_grant_are_noted(index: SubIndex, tmp_path: Path, project: Path,  # type: ignore[no-untyped-def]
                                           make_venv, permpip: Permpip) -> None:
    wheel = build_wheel(tmp_path / "dist", "beacon", "1.0", BEACON)
    index.publish(wheel)
    project.mkdir()
    (project / "requirements.txt").write_text("beacon\n")
    py = make_venv()
    cache = ["--cache-dir", str(tmp_path / "cache")]
    done = permpip("policy", "init", "requirements.txt", "--index-url", index.url, *cache,
                   cwd=project)
    assert done.returncode == 0, done.stderr
    text = (project / "pyproject.toml").read_text()
    assert ("# network: hosts named in code: o1.ingest.beacon.io, metrics.beacon-stats.com "
            "(2 hosts; `permpip scan` shows where)\nbeacon = [\"network\"]\n") in text
    (project / "pyproject.toml").write_text(text.replace(
        'beacon = ["network"]', 'beacon = { allow = ["network"], hosts = ["*.ingest.beacon.io"] }'))
    for command in ("check", "install"):
        done = permpip(command, "--python", str(py), "-r", "requirements.txt", "--index-url",
                       index.url, *cache, cwd=project)
        assert done.returncode == 0, done.stderr
        assert NOTE in done.stdout.splitlines(), done.stdout
    assert installed(py) == {"beacon": "1.0"}
    done = permpip("check", "--python", str(py), "-r", "requirements.txt", "--index-url",
                   index.url, "--format", "json", *cache, cwd=project)
    assert json.loads(done.stdout)["notes"] == [NOTE.removeprefix("note: ")]
    done = permpip("scan", str(wheel), "--format", "json", cwd=project)
    assert [(h["host"], h["line"]) for h in json.loads(done.stdout)["packages"][0]["hosts"]] \
        == [("o1.ingest.beacon.io", 1), ("metrics.beacon-stats.com", 2),
            ("o1.ingest.beacon.io", 3)]
