"""The run's one merged settings object (issue #12): what the sdist lookup, the build
requirements and the order of requirement files take from it. No resolver runs here."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from gate.cli.options import parse_options
from gate.errors import UsageError
from gate.options import GateOptions, PipOption, Step
from gate.resolve import _first_requirement_file, build_options, resolve
from gate.resolve.index import IndexFile, allows_prereleases, newest_sdist
from gate.resolve.reqfile import read_files, read_settings
from gate.resolve.target import current_target

DEVNULL = {"PIP_CONFIG_FILE": os.devnull}


def _merged(argv: list[str], cwd: Path) -> GateOptions:
    options = parse_options(argv)
    settings = read_settings(options, target_python="python", cwd=cwd, env=DEVNULL)
    return read_files(settings, cwd=cwd, env=DEVNULL, target_python_version="3.11.0").options


@pytest.mark.parametrize(("argv", "lines", "expected"), [
    ([], "", None),
    (["--pre"], "", True),
    ([], "--pre\n", True),
    ([], "--all-releases srcpkg\n", True),
    ([], "--all-releases other\n", None),
    (["--all-releases", ":all:"], "--only-final srcpkg\n", False),
    (["--only-final", ":all:"], "--all-releases srcpkg\n", True),
    (["--all-releases", "srcpkg", "--all-releases", ":none:"], "", None),
])
def test_prereleases_as_pip_allows_them(argv: list[str], lines: str, expected: bool | None,
                                        tmp_path: Path) -> None:
    (tmp_path / "r.txt").write_text(lines + "srcpkg\n")
    merged = _merged([*argv, "-r", str(tmp_path / "r.txt")], tmp_path)
    assert allows_prereleases(merged, "SrcPkg") is expected


def _sdist(version: str) -> IndexFile:
    return IndexFile(filename=f"srcpkg-{version}.tar.gz", url=f"https://x/srcpkg-{version}",
                     sha256="0" * 64)


@pytest.mark.parametrize(("files", "spec", "pre", "expected"), [
    (["1.0", "2.0rc1"], "srcpkg", None, "1.0"),
    (["1.0", "2.0rc1"], "srcpkg", True, "2.0rc1"),
    (["2.0rc1"], "srcpkg", None, "2.0rc1"),  # pip: pre-releases when nothing else matches
    (["2.0rc1"], "srcpkg", False, None),  # --only-final
    (["1.0", "2.0rc1"], "srcpkg>=2.0rc1", None, "2.0rc1"),  # the specifier names one
])
def test_newest_sdist_filters_as_pip(files: list[str], spec: str, pre: bool | None,
                                     expected: str | None) -> None:
    found = newest_sdist([_sdist(v) for v in files], Requirement(spec), current_target(),
                         pre=pre)
    assert (found.filename if found else None) == (
        f"srcpkg-{expected}.tar.gz" if expected else None)


def test_build_requirements_take_the_files_indexes_and_release_control(tmp_path: Path) -> None:
    (tmp_path / "r.txt").write_text("--index-url https://files.example/simple\n--pre\n"
                                    "--trusted-host files.example\n--prefer-binary\nsrcpkg\n")
    (tmp_path / "c.txt").write_text("setuptools<70\n")
    merged = _merged(["--index-url", "https://cli.example/simple", "--no-deps", "--user",
                      "-c", str(tmp_path / "c.txt"), "-r", str(tmp_path / "r.txt"),
                      "--timeout", "7", "app"], tmp_path)
    opts = build_options(merged, ["setuptools>=61"])
    assert [o.argv() for o in opts.pip_options] == [
        ["--timeout", "7"], ["--index-url", "https://files.example/simple"],
        ["--pre"], ["--trusted-host", "files.example"], ["--prefer-binary"]]
    assert opts.requirements == ("setuptools>=61",)
    assert opts.config_read


def test_the_input_is_read_before_the_other_requirement_files() -> None:
    conf = PipOption(name="-r", value="conf.txt", step=Step.RESOLVE,
                     origin="PIP_REQUIREMENT (environment)")
    cli = PipOption(name="-r", value="more.txt", step=Step.RESOLVE)
    options = GateOptions(pip_options=(conf, PipOption(name="--pre", value=None,
                                                       step=Step.RESOLVE), cli))
    assert [o.value for o in _first_requirement_file(options, Path("/in.txt"))] == [
        "conf.txt", None, "/in.txt", "more.txt"]


@pytest.mark.parametrize(("argv", "input_path", "message"), [
    (["-r", "more.txt"], "pylock.toml",
     "pylock.toml: a lockfile is read on its own, not together with other requirements"),
    (["-r", "uv.lock"], "r.txt",
     "-r uv.lock: a lockfile is read on its own, not together with other requirements"),
    (["--group", "dev"], "pylock.toml",
     "pylock.toml: a lockfile is read on its own, not together with other requirements"),
])
def test_a_lockfile_input_with_other_requirements_is_refused(
        argv: list[str], input_path: str, message: str, tmp_path: Path) -> None:
    with pytest.raises(UsageError) as exc:
        resolve(parse_options(argv, command="check"), current_target(), cwd=tmp_path,
                input_path=Path(input_path), on_sdist=lambda pin: Path(), env=DEVNULL)
    assert str(exc.value) == message
