"""gate.warm's pieces in-process: which command lines are eligible, how uv is run and how a
failure after it started is told (the e2e tests in tests/e2e/test_warm_path.py run it
whole)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gate import warm
from gate.errors import InstallError


@pytest.mark.parametrize(("argv", "reqs", "python", "key"), [
    (["--backend", "uv", "-r", "lock.txt"], ["lock.txt"], None,
     ["--backend", "uv", "-r", "lock.txt"]),
    (["--backend=uv", "--requirement=lock.txt", "--python", "py", "--policy=p.toml",
      "--cache-dir", "c", "-i", "u", "--extra-index-url", "v", "-f", "w", "--strict",
      "--disable-pip-version-check", "-r", "more.txt"], ["lock.txt", "more.txt"], "py",
     ["--backend", "uv", "--requirement", "lock.txt", "--python", "\0target", "--policy",
      "p.toml", "--cache-dir", "c", "-i", "u", "--extra-index-url", "v", "-f", "w",
      "--strict", "--disable-pip-version-check", "-r", "more.txt"]),
])
def test_eligible_command_lines(argv: list[str], reqs: list[str], python: str | None,
                                key: list[str]) -> None:
    """Each requirement file, the target, and the command line as the key holds it (one
    spelling per option; the target by its probe, not its path)."""
    plan = warm.Plan(argv, {}, "/somewhere")
    assert plan.reqs == reqs
    assert plan.python == python
    assert plan.argv == key


@pytest.mark.parametrize(("argv", "why"), [
    (["-r", "lock.txt"], "not --backend uv"),
    (["--backend", "pip", "-r", "lock.txt"], "not --backend uv"),
    (["--backend", "uv"], "no -r FILE"),
    (["--backend", "uv", "-r", "a", "-q"], "option -q"),
    (["--backend", "uv", "-r", "a", "--backen", "uv"], "option --backen"),
    (["--backend", "uv", "-ra"], "option -ra"),
    (["--backend", "uv", "-r", "a", "requests"], "option requests"),
    (["--backend", "uv", "-r", "a", "--python", "x", "--python", "y"], "--python twice"),
    (["--backend", "uv", "-r"], "-r without a value"),
    (["--backend", "uv", "-r", "a", "--strict=1"], "option --strict=1"),
])
def test_command_lines_the_warm_path_leaves_to_the_full_run(argv: list[str], why: str) -> None:
    with pytest.raises(warm.NotEligible, match=f"^{why}$"):
        warm.Plan(argv, {}, "/somewhere")


def test_the_key_does_not_hold_the_trace_switch(tmp_path: Path) -> None:
    (tmp_path / "lock.txt").write_text("x==1\n")
    plan = warm.Plan(["--backend", "uv", "-r", "lock.txt"], {"A": "1"}, str(tmp_path))
    same = warm.Plan(["--backend", "uv", "-r", "lock.txt"], {"A": "1", warm.TRACE: "1",
                                                            "OLDPWD": "/x"}, str(tmp_path))
    other = warm.Plan(["--backend", "uv", "-r", "lock.txt"], {"A": "2"}, str(tmp_path))
    assert warm.static_key(plan) == warm.static_key(same) != warm.static_key(other)
    key = warm.static_key(plan)
    (tmp_path / "lock.txt").write_text("x==2\n")
    assert warm.static_key(plan) != key


def test_uv_runs_with_its_output_in_files(tmp_path: Path) -> None:
    done = warm._run(["/bin/sh", "-c", "printf 'out\\r\\n'; echo err >&2; exit 3"],
                     dict(os.environ), tmp_path, None)  # type: ignore[arg-type]
    assert (done.returncode, done.stdout, done.stderr) == (3, "out\n", "err\n")


class _Target:
    def __init__(self, site: Path, listing: list[str]) -> None:
        self.paths = {"purelib": str(site), "platlib": str(site), "scripts": str(site.parent),
                      "data": str(site.parent)}
        self.listing = {str(site): listing}


def test_a_failure_after_uv_started_says_what_it_changed(tmp_path: Path) -> None:
    site = tmp_path / "site-packages"
    site.mkdir()
    (site / "old.pth").write_text("\n")
    target = _Target(site, ["old.pth"])
    exc = warm._with_changes(InstallError("uv install failed: boom"), target)
    assert str(exc) == "uv install failed: boom; nothing was installed"
    info = site / "pkg-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Name: pkg\nVersion: 1.0\n")
    (site / "half").mkdir()
    exc = warm._with_changes(InstallError("uv install failed: boom"), target)
    assert isinstance(exc, InstallError)
    assert str(exc) == ("uv install failed: boom; this run changed: pkg 1.0 (installed), "
                        f"{site / 'half'} (partly written)")
