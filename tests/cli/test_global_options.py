"""``--python`` as pip takes it (relative to the working directory, or a venv directory), pip's
general options before the command (``permpip --python X install ...``), and ``-r FILE`` as
the input of ``check`` and ``diff``."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from gate.__main__ import main
from gate._subprocess import Completed
from gate.cli.diff import parse_args
from gate.cli.options import parse_options
from gate.errors import UsageError
from tests.builders import build_wheel
from tests.conftest import installed, write_policy
from tests.e2e.test_reqfile_options import GRANT, sdist_only
from tests.index import SubIndex

Permpip = Callable[..., Completed]
MakeVenv = Callable[..., Path]


def _venv_dir(root: Path) -> Path:
    """A directory that looks like a venv to pip's ``identify_python_interpreter``."""
    (root / "bin").mkdir(parents=True)
    os.symlink(sys.executable, root / "bin" / "python")
    return root


def test_python_is_made_absolute_as_pip_finds_it(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    venv = _venv_dir(tmp_path / "app")
    monkeypatch.chdir(tmp_path)
    assert parse_options(["--python", "app"]).python == str(venv / "bin" / "python")
    assert parse_options(["--python=app/bin/python"]).python == str(venv / "bin" / "python")
    assert parse_options(["--python", str(venv / "bin" / "python")]).python == \
        str(venv / "bin" / "python")  # a symlink stays itself: not resolved out of the venv
    with pytest.raises(UsageError) as exc:
        parse_options(["--python", "nowhere/bin/python"])
    assert str(exc.value) == "--python nowhere/bin/python: no such interpreter"
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError) as exc:
        parse_options(["--python", "empty"])
    assert str(exc.value) == ("--python empty: no Python interpreter in that directory "
                              "(bin/python or Scripts/python.exe)")


def test_diff_takes_its_inputs_from_r_too() -> None:
    assert parse_args(["-r", "old.txt", "new.txt"]).inputs == ("old.txt", "new.txt")
    assert parse_args(["old.txt", "--requirement=new.txt"]).inputs == ("old.txt", "new.txt")
    assert parse_args(["--git", "HEAD", "-r", "pylock.toml"]).inputs == ("pylock.toml",)
    assert parse_args(["-r", "a.txt", "b.txt"]).gate.requirement_files == []


@pytest.mark.parametrize(("argv", "message"), [
    (["--policy", "p.toml", "install", "x"],
     ["error: option --policy before the command is not one of pip's general options",
      "hint: put it after the command: permpip COMMAND --policy ..."]),
    (["--index-url", "http://x/", "check"],
     ["error: option --index-url before the command is not one of pip's general options",
      "hint: put it after the command: permpip COMMAND --index-url ..."]),
    (["-q", "scan", "x.whl"],
     ["error: option -q before 'scan': permpip scan takes no pip options",
      "hint: pip's general options go with install, check and diff"]),
    (["--isolated", "policy", "show"],
     ["error: option --isolated before 'policy': permpip policy takes no pip options",
      "hint: pip's general options go with install, check and diff"]),
    (["--timeout"], ["error: option --timeout needs a value"]),
    (["--no-input=1", "install"], ["error: option --no-input takes no value"]),
    (["--no-c", "install"],
     ["error: option --no-c is ambiguous: --no-cache-dir, --no-color"]),
    (["--python", "nowhere", "install", "x"], ["error: --python nowhere: no such interpreter"]),
])
def test_options_before_the_command_that_are_refused(
        argv: list[str], message: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err.splitlines() == message
    assert captured.out == ""


def test_general_options_before_the_command_are_the_commands(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Read as if they followed the command (pip's ``parse_command``): the same error."""
    monkeypatch.chdir(tmp_path)
    _venv_dir(tmp_path / "app")
    write_policy(tmp_path, {})
    assert main(["--pyth", "app", "-q", "check", "--no-cache", "missing.txt"]) == 2
    assert capsys.readouterr().err.splitlines()[0] == \
        f"error: no such file: {tmp_path / 'missing.txt'}"


@pytest.mark.e2e
def test_python_before_install_installs_into_that_venv(
        index: SubIndex, tmp_path: Path, make_venv: MakeVenv, permpip: Permpip) -> None:
    index.publish(build_wheel(tmp_path / "dist", "helper", "0.1", {"helper/__init__.py": ""}))
    write_policy(tmp_path, {})
    make_venv("app")
    done = permpip("--python", "app", "-q", "install", "--index-url", index.url, "helper",
                   "--no-cache", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout == ""  # -q before the command is install's -q
    assert installed(tmp_path / "app" / "bin" / "python") == {"helper": "0.1"}


@pytest.mark.e2e
def test_relative_python_builds_an_sdist(index: SubIndex, tmp_path: Path, make_venv: MakeVenv,
                                         permpip: Permpip) -> None:
    index.publish(sdist_only(tmp_path / "dist"))
    write_policy(tmp_path, {"srcpkg": GRANT})
    make_venv("app")
    done = permpip("install", "--python", "app/bin/python", "--index-url", index.url,
                   "srcpkg", "--no-cache", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert installed(tmp_path / "app" / "bin" / "python") == {"srcpkg": "1.0"}
