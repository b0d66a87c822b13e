"""Option splitting and hashed-requirements parsing (no network, no subprocess)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gate.cli.options import Backend, Step, parse_options
from gate.errors import UsageError
from gate.resolve.lockfile import read_hashed_requirements
from gate.resolve.target import current_target


def test_own_options_and_pip_options_split_by_step() -> None:
    o = parse_options(["--backend=uv", "-qq", "-rreqs.txt", "--target", "out", "--pre",
                       "--policy", "p.toml", "--index-url", "http://i/simple/", "x>=1",
                       "--no-cache"])
    assert o.backend is Backend.UV and o.policy == Path("p.toml") and o.no_cache
    assert o.quiet == 2 and o.requirements == ("x>=1",)
    assert o.args_for(Step.RESOLVE) == ["-q", "-q", "-r", "reqs.txt", "--pre",
                                        "--index-url", "http://i/simple/", "--no-cache-dir"]
    assert o.args_for(Step.INSTALL) == ["-q", "-q", "--target", "out"]


def test_unknown_and_ambiguous_options() -> None:
    with pytest.raises(UsageError, match=r"^unknown option --bogus \(neither"):
        parse_options(["--bogus"])
    with pytest.raises(UsageError, match="^option --no is ambiguous"):
        parse_options(["--no"])
    assert parse_options(["--upgrade-s", "eager"]).values("--upgrade-strategy") == ["eager"]
    with pytest.raises(UsageError, match="^--format must be text or json, not 'xml'$"):
        parse_options(["--format", "xml"])


def test_hashed_requirements(tmp_path: Path) -> None:
    (tmp_path / "base.txt").write_text("b==2.0 --hash=sha256:" + "b" * 64 + "\n")
    req = tmp_path / "requirements.txt"
    req.write_text("# comment\n-r base.txt\na==1.0 \\\n  --hash=sha256:" + "a" * 64 + " \\\n"
                   "  --hash=sha256:" + "c" * 64 + "\n"
                   'win==1.0 ; sys_platform == "win32"\n')
    got = read_hashed_requirements(req, cwd=tmp_path, target=current_target())
    assert got.has_hashes and not got.unhashed
    assert [(e.req.name, e.version, e.hashes, e.source) for e in got.entries] == [
        ("b", "2.0", ("b" * 64,), "base.txt:1"),
        ("a", "1.0", ("a" * 64, "c" * 64), "requirements.txt:3"),
    ]


def test_unpinned_hashed_requirement_is_a_usage_error(tmp_path: Path) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("a>=1.0 --hash=sha256:" + "a" * 64 + "\n")
    with pytest.raises(UsageError, match=r"^requirements.txt:1: a>=1.0 is not pinned"):
        read_hashed_requirements(req, cwd=tmp_path, target=current_target())
