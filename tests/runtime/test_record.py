"""``permpip run --record FILE``: the record's format, merged over every process of the run
(children and forked children), counts, the first evidence chain; written atomically."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.runtime.conftest import RunPermpip, install_fake, policy_toml

TALLY = (
    "import os\n"
    "\n"
    "def read(n):\n"
    "    for _ in range(n):\n"
    "        os.environ.get('TALLY')\n"
)
MAIN = (
    "import os, subprocess, sys\n"
    "import tally\n"
    "tally.read(3)\n"
    "subprocess.run([sys.executable, '-c', 'import tally; tally.read(2)'], check=True)\n"
    "pid = os.fork()\n"
    "if pid == 0:\n"
    "    tally.read(4)\n"  # a forked child counts its own uses, not its parent's again
    "    sys.exit(0)\n"
    "os.waitpid(pid, 0)\n"
)


def test_record_merges_every_process_with_counts_and_the_first_chain(
        tmp_path: Path, run_permpip: RunPermpip) -> None:
    site = install_fake(tmp_path / "site", "tally", "1.0", {"tally/__init__.py": TALLY})
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(policy_toml({"tally": '["env"]'}))
    (project / "main.py").write_text(MAIN)
    record = project / "run.json"
    done = run_permpip("run", "--record", "run.json", "--", sys.executable, "main.py",
                       cwd=project, extra_path=[site])
    assert done.returncode == 0, done.stderr
    data = json.loads(record.read_text())
    assert [p.name for p in project.iterdir() if p.name.startswith(".run.json")] == []
    [use] = data.pop("uses")
    assert use.pop("pid") > 0 and use.pop("argv")[-1] == "main.py"
    assert use == {"package": "tally", "version": "1.0", "capability": "env",
                   "phase": "runtime", "granted": True, "count": 3 + 2 + 4,
                   "where": "tally/__init__.py:5",
                   "evidence": ["tally/__init__.py:5 (runtime)",
                                "collections.abc.Mapping.get", "os.environ TALLY"],
                   "site": f"{site}/"}
    assert data.pop("command") == [sys.executable, "main.py"]
    assert data == {"format": "permpip-run-record", "version": 1, "permpip": "0.1.0",
                    "policy": "pyproject.toml", "mode": "report", "exit_code": 0,
                    "processes": 2, "scanner_misses": [], "not_compared": []}


def test_record_of_an_ungranted_use_and_a_use_at_import(tmp_path: Path,
                                                        run_permpip: RunPermpip) -> None:
    """What the run refused is recorded too (granted false), each phase apart."""
    site = install_fake(tmp_path / "site", "tally", "1.0", {
        "tally/__init__.py": TALLY + "read(1)\n"})
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(policy_toml({"tally": '["env"]'}))
    (project / "main.py").write_text("import tally\ntally.read(2)\n")
    done = run_permpip("run", "--record", "run.json", "--", sys.executable, "main.py",
                       cwd=project, extra_path=[site])
    assert done.returncode == 1, done.stderr
    uses = json.loads((project / "run.json").read_text())["uses"]
    assert [(u["capability"], u["phase"], u["granted"], u["count"], u["evidence"][0])
            for u in uses] == [
        ("env", "import", False, 1, "tally/__init__.py:5 (import)"),
        ("env", "runtime", True, 2, "tally/__init__.py:5 (runtime)"),
    ]


def test_record_file_that_cannot_be_written_is_one_line(tmp_path: Path,
                                                         run_permpip: RunPermpip) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(policy_toml({}))
    done = run_permpip("run", "--record", "no/such/dir/run.json", "--", sys.executable,
                       "-c", "pass", cwd=project)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines()[-1] == (
        "error: cannot write no/such/dir/run.json: No such file or directory")
