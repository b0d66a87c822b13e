"""An option given an empty value (``--policy=``) is a usage error naming the option, in every
command: an empty path would otherwise name the working directory ("cannot read .: Is a
directory") or, for ``--cache-dir=``, silently put the cache there."""

from __future__ import annotations

from pathlib import Path

import pytest

from gate.__main__ import main

CASES = [
    (["install", "--policy=", "-r", "r.txt"], "error: option --policy needs a value"),
    (["install", "--cache-dir=", "-r", "r.txt"], "error: option --cache-dir needs a value"),
    (["install", "--cache-url=", "-r", "r.txt"], "error: option --cache-url needs a value"),
    (["install", "--python=", "-r", "r.txt"], "error: option --python needs a value"),
    (["check", "--extra=", "pyproject.toml"], "error: option --extra needs a value"),
    (["check", "--policy", "", "r.txt"], "error: option --policy needs a value"),
    (["diff", "--policy=", "a.txt", "b.txt"], "error: option --policy needs a value"),
    (["diff", "--output=", "a.txt", "b.txt"], "error: option --output needs a value"),
    (["diff", "--git=", "r.txt"], "error: option --git needs a value"),
    (["policy", "allow", "--policy=", "six", "network"],
     "error: permpip policy allow: argument --policy: needs a file name"),
    (["policy", "show", "--policy="],
     "error: permpip policy show: argument --policy: needs a file name"),
    (["policy", "init", "--from-run="],
     "error: permpip policy init: argument --from-run: needs a file name"),
]


@pytest.mark.parametrize(("argv", "line"), CASES, ids=[" ".join(a) for a, _ in CASES])
def test_an_empty_value_is_a_usage_error(argv: list[str], line: str, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "r.txt").write_text("six==1.16.0\n")
    assert main(argv) == 2
    out = capsys.readouterr()
    assert out.err.splitlines()[0] == line
    assert "Traceback" not in out.err and out.out == ""
