"""``permpip run`` end to end with a real venv: wheels built by tests/builders.py and
installed by pip, a target HTTP server, a grandchild started through a shell, and a pytest
suite with xdist workers. One venv for the module (suite time)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from gate._subprocess import run as run_process
from tests.builders import build_wheel
from tests.conftest import make_hermetic_env
from tests.runtime.conftest import (
    HIDDEN,
    HIDDEN_LINE,
    RunPermpip,
    Target,
    policy_toml,
    read_report,
)

CAPS = ["network", "fs-read", "fs-write", "subprocess", "threads", "env", "native",
        "dynamic-code", "introspection"]
EXCEPT_NETWORK = str([c for c in CAPS if c != "network"]).replace("'", '"')
GRANT = '{ allow = ["env", "dynamic-code"], at-import = ["env", "dynamic-code"] }'
GRANT_NETWORK = ('{ allow = ["env", "dynamic-code", "network"], '
                 'at-import = ["env", "dynamic-code", "network"] }')


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A venv with colorlogx (hidden request at import) and okpkg (the same, granted)."""
    root = tmp_path_factory.mktemp("runtime-venv")
    env = make_hermetic_env(root)
    dist = root / "dist"
    build_wheel(dist, "colorlogx", "1.0", {"colorlogx/__init__.py": HIDDEN})
    build_wheel(dist, "okpkg", "1.0", {"okpkg/__init__.py": HIDDEN})
    done = run_process([sys.executable, "-m", "venv", "--without-pip", str(root / "v")],
                       env=env)
    assert done.returncode == 0, done.stderr
    python = root / "v" / "bin" / "python"
    done = run_process([sys.executable, "-m", "pip", "--python", str(python), "install",
                        "--no-index", "--find-links", str(dist), "colorlogx", "okpkg"],
                       env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    yield python


def _project(tmp_path: Path, grants: dict[str, str], default: str = "[]") -> Path:
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(policy_toml(grants, default))
    (project / "main.py").write_text("import colorlogx\nprint(colorlogx.colour('app ran'))\n")
    (project / "launcher.py").write_text(
        "import subprocess, sys\n"
        "subprocess.run(['/bin/sh', '-c', f'\"{sys.executable}\" main.py'], check=True)\n")
    return project


@pytest.mark.parametrize("enforce", [False, True], ids=["report", "enforce"])
def test_hidden_request_in_a_grandchild_through_a_shell(
        venv: Path, tmp_path: Path, target: Target, run_permpip: RunPermpip,
        enforce: bool) -> None:
    project = _project(tmp_path, {"colorlogx": GRANT})
    out = project / "report.json"
    done = run_permpip("run", *(["--enforce"] if enforce else []), "--format", "json",
                       "--output", str(out), "--", str(venv), "launcher.py", cwd=project,
                       env={"COLORLOGX_URL": target.url})
    assert done.returncode == 1, done.stderr
    report = read_report(out)
    launcher, grandchild = report["processes"]
    assert launcher["argv"][-1] == "launcher.py" and grandchild["argv"][-1] == "main.py"
    [v] = report["violations"]
    assert (v["package"], v["version"], v["capability"], v["phase"], v["pid"]) == (
        "colorlogx", "1.0", "network", "import", grandchild["pid"])
    assert v["evidence"] == (f"colorlogx/__init__.py:{HIDDEN_LINE} (import) -> <exec> -> "
                             f"urllib.request.urlopen -> http.client.connect "
                             f"127.0.0.1:{target.port}")
    if enforce:
        assert target.requests == []
        assert "payload: PermissionError" in done.stdout
        assert v["denied"] is True
    else:
        assert target.requests == ["/beacon"]
        assert "payload: sent" in done.stdout
    assert "app ran" in done.stdout


def test_granted_package_runs_without_violation(venv: Path, tmp_path: Path, target: Target,
                                                run_permpip: RunPermpip) -> None:
    project = _project(tmp_path, {"okpkg": GRANT_NETWORK})
    (project / "main.py").write_text("import okpkg\nprint(okpkg.colour('app ran'))\n")
    done = run_permpip("run", "--enforce", "--", str(venv), "launcher.py", cwd=project,
                       env={"COLORLOGX_URL": target.url})
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[-1] == (
        "permpip run (enforce): 2 processes guarded; nothing used beyond the policy "
        "(pyproject.toml)")
    assert target.requests == ["/beacon"]
    assert "payload: sent" in done.stdout


def test_a_test_suite_with_xdist_workers_is_guarded(
        venv: Path, tmp_path: Path, target: Target, run_permpip: RunPermpip) -> None:
    """pytest -n 2 from permpip's own venv, colorlogx from the test venv: the request made
    at import in a worker is reported with the worker's pid."""
    pytest.importorskip("xdist")
    project = _project(tmp_path, {"colorlogx": GRANT},
                       default=f"{{ allow = {EXCEPT_NETWORK}, at-import = {EXCEPT_NETWORK} }}")
    tests = project / "tests"
    tests.mkdir()
    for i in range(4):
        (tests / f"test_{i}.py").write_text(
            "import colorlogx\n\n\ndef test_colour():\n"
            "    assert colorlogx.colour('x') == 'x'\n")
    site = venv.parent.parent / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    out = project / "report.json"
    done = run_permpip("run", "--format", "json", "--output", str(out), "--", sys.executable,
                       "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2", "tests",
                       cwd=project, extra_path=[site / "site-packages"],
                       env={"COLORLOGX_URL": target.url})
    report = read_report(out)
    assert report["command_exit_code"] == 0, done.stdout + done.stderr
    assert done.returncode == 1
    main_pid = report["processes"][0]["pid"]
    assert len(report["processes"]) >= 3  # pytest and its two workers
    [v] = report["violations"]
    assert (v["package"], v["capability"], v["phase"]) == ("colorlogx", "network", "import")
    assert v["pid"] != main_pid
    assert os.path.basename(report["processes"][0]["argv"][0]).startswith("python")


def test_record_reports_the_scanner_miss_and_grants_what_ran(
        venv: Path, tmp_path: Path, target: Target, run_permpip: RunPermpip) -> None:
    """colorlogx hides its request behind exec(bytes.fromhex(...)): statically it is
    dynamic-code only; the run sees network. --record says so with both pieces of
    evidence, and `policy init --from-run` grants what ran, so the next run is clean."""
    project = _project(tmp_path, {"colorlogx": GRANT})
    env = {"COLORLOGX_URL": target.url}
    done = run_permpip("run", "--", str(venv), "main.py", cwd=project, env=env)
    assert done.returncode == 1 and "scanner miss" not in done.stderr  # only with --record
    done = run_permpip("run", "--record", "run.json", "--", str(venv), "main.py",
                       cwd=project, env=env)
    assert done.returncode == 1, done.stderr
    run = (f"colorlogx/__init__.py:{HIDDEN_LINE} (import) -> <exec> -> "
           f"urllib.request.urlopen -> http.client.connect 127.0.0.1:{target.port}")
    static = (f"static scan: no network finding; nearest: colorlogx/__init__.py:{HIDDEN_LINE} "
              f"dynamic-code (import): exec")
    assert done.stderr.endswith(
        "\nscanner miss: 1 use seen at run time that the static scan of the installed "
        "distribution does not find:\n"
        "  colorlogx 1.0: network at import\n"
        f"    run: {run}\n"
        f"    {static}\n"), done.stderr
    record = json.loads((project / "run.json").read_text())
    assert record["scanner_misses"] == [
        {"package": "colorlogx", "version": "1.0", "capability": "network",
         "phase": "import", "run_evidence": run, "static_evidence": static}]
    assert [(u["package"], u["capability"], u["phase"], u["granted"])
            for u in record["uses"]] == [
        ("colorlogx", "network", "import", False), ("colorlogx", "env", "import", True),
        ("colorlogx", "dynamic-code", "import", True)]

    done = run_permpip("policy", "init", "--from-run", "run.json", "--force", cwd=project)
    assert done.returncode == 0, done.stderr
    assert done.stderr == (f"note: scanner miss: colorlogx 1.0: network at import: run: "
                           f"{run}; {static}\n")
    assert ('colorlogx = {allow = ["network", "env", "dynamic-code"], '
            'at-import = ["network", "env", "dynamic-code"]}\n') in (
        project / "pyproject.toml").read_text()
    done = run_permpip("run", "--enforce", "--", str(venv), "main.py", cwd=project, env=env)
    assert done.returncode == 0, done.stderr
    assert "payload: sent" in done.stdout
