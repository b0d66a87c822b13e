"""gate.__main__: dispatch, usage, and errors that must never become tracebacks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gate.__main__ import main
from tests.builders import build_wheel


def test_no_command_prints_usage_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert capsys.readouterr().out.startswith(
        "usage: permpip {install,check,diff,scan,policy,run}")


def test_unknown_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["instal"]) == 2
    assert capsys.readouterr().err.startswith("error: unknown command 'instal'\n")


def test_a_reader_that_leaves_early_is_not_a_traceback(tmp_path: Path) -> None:
    """`permpip scan --format json big.whl | head -1`: no BrokenPipeError traceback."""
    source = "import os\n" + "".join(f"def f{i}():\n    os.system('x')\n" for i in range(3000))
    wheel = build_wheel(tmp_path, "noisy", "1.0", {"noisy/__init__.py": source})
    with subprocess.Popen([sys.executable, "-m", "gate", "scan", "--format", "json",
                           str(wheel)], stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        assert proc.stdout.readline() == b"{\n"
        proc.stdout.close()  # the reader leaves with most of the output unread
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=60) == 1
    assert err == ""


def test_the_command_leaves_without_teardown_but_says_everything(tmp_path: Path) -> None:
    """``permpip`` (``cli``) ends with ``os._exit`` once its output is flushed: the whole
    report reaches a pipe, and the exit status is the command's (a scan 0, a usage error 2)."""
    source = "import os\n" + "".join(f"def f{i}():\n    os.system('x')\n" for i in range(500))
    wheel = build_wheel(tmp_path, "noisy", "1.0", {"noisy/__init__.py": source})
    code = "from gate.__main__ import cli; cli()"
    done = subprocess.run([sys.executable, "-c", code, "scan", "--format", "json", str(wheel)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    import json

    [package] = json.loads(done.stdout)["packages"]
    assert len(package["capabilities"]["subprocess"]) == 500
    bad = subprocess.run([sys.executable, "-c", code, "instal"], capture_output=True,
                         text=True, timeout=120)
    assert bad.returncode == 2
    assert bad.stderr.startswith("error: unknown command 'instal'\n")
