"""``permpip run``'s own failures, in-process: usage errors, a command that cannot start, a
guard that cannot be set up. Each is one line with its exit code."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

import gate.runtime.session
from gate.__main__ import main
from tests.conftest import REPO, make_hermetic_env

USAGE = ("hint: permpip run [--enforce] [--policy FILE] [--format text|json|sarif] "
         "[--output FILE] [--record FILE] -- COMMAND [ARGS...]\n")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.permissions]\ndefault = []\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("option", ["--record", "--output", "--policy"])
def test_an_empty_file_option_is_a_usage_error(project: Path, option: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    for args in ([f"{option}="], [option, ""]):
        assert main(["run", *args, "--", "true"]) == 2
        assert capsys.readouterr().err == f"error: option {option} needs a value\n{USAGE}"
    assert not list(project.glob("*.json"))


def test_a_command_that_cannot_start_is_127(project: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--", "no-such-command-14"]) == 127
    assert capsys.readouterr().err == "error: command not found: no-such-command-14\n"
    script = project / "noshebang"
    script.write_text("echo hi\n")
    script.chmod(0o755)  # executable, but no #! line: the kernel cannot run it
    assert main(["run", "--", str(script)]) == 127
    assert capsys.readouterr().err == (
        f"error: command cannot be run: {script} (Exec format error)\n")
    script.chmod(0o644)
    assert main(["run", "--", str(script)]) == 127
    assert capsys.readouterr().err == (
        f"error: command cannot be run: {script} (Permission denied)\n")


def test_a_guard_that_cannot_be_set_up_is_not_a_missing_command(
        project: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    missing = project / "gone" / "guard.py"
    monkeypatch.setattr(gate.runtime.session, "GUARD_SOURCE", missing)
    assert main(["run", "--", "true"]) == 3
    assert capsys.readouterr().err == (
        f"error: cannot set up the guard: {missing}: No such file or directory\n")
    monkeypatch.undo()
    monkeypatch.chdir(project)

    def no_tmp(*_args: object, **_kw: object) -> str:
        raise PermissionError(13, "Permission denied", "/tmp/permpip-run-x")

    monkeypatch.setattr(tempfile, "mkdtemp", no_tmp)
    assert main(["run", "--", "true"]) == 3
    assert capsys.readouterr().err == (
        "error: cannot set up the guard: /tmp/permpip-run-x: Permission denied\n")


def test_ctrl_c_reaches_the_command(project: Path) -> None:
    """The command gets Ctrl-C with Python's default handler (permpip ignores SIGINT only
    while it waits, after the command started: an ignored SIGINT is inherited), and an
    interrupted command's 128 + SIGINT is the run's exit code."""
    env = make_hermetic_env(project)
    env["PYTHONPATH"] = str(REPO)
    code = ("import signal, sys, time\n"
            "print(signal.getsignal(signal.SIGINT) is signal.default_int_handler, flush=True)\n"
            "time.sleep(60)\n")
    proc = subprocess.Popen(  # noqa: S603 - the test's own argv
        [sys.executable, "-m", "gate", "run", "--", sys.executable, "-c", code],
        cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,  # (SIGINT at its default, as a terminal's foreground job)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # noqa: PLW1509
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline() == "True\n"
        time.sleep(0.2)
        os.killpg(proc.pid, signal.SIGINT)  # as a terminal sends it: to the whole group
        _out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 128 + signal.SIGINT, err
    assert "KeyboardInterrupt" in err
