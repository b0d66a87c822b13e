"""Input errors are one line, and requirements naming a file are read without pip.

No network and no pip: ``gate.__main__.main`` fails before resolution, and the parsing
helpers of ``gate.resolve`` are called directly.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from gate.__main__ import main
from gate.build import read_local_project
from gate.cli.options import Step, parse_options
from gate.errors import UsageError
from gate.options import GateOptions
from gate.resolve import FormatControl, _take_direct, direct_ref
from gate.resolve.reqfile import Inputs, read_files, read_settings
from gate.resolve.target import current_target
from tests.builders import sha256_file
from tests.conftest import write_policy

EXPECTED = "Expected semicolon (after name with no version specifier) or end"


@pytest.fixture
def cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for key in [k for k in __import__("os").environ if k.startswith(("PIP_", "UV_"))]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("PIP_CONFIG_FILE", "/dev/null")
    monkeypatch.chdir(tmp_path)
    write_policy(tmp_path, {})
    return tmp_path


@pytest.mark.parametrize(("argv", "files", "message"), [
    (["check", "bad.txt"], {"bad.txt": "requests==\n"},
     f"bad.txt:1: invalid requirement 'requests==': {EXPECTED}"),
    (["check", "bad.txt"], {"bad.txt": "a==1 --hash=sha256:" + "a" * 64 + "\nrequests==\n"},
     f"bad.txt:2: invalid requirement 'requests==': {EXPECTED}"),
    (["install", "--no-index", "-r", "bad.txt", "helper"],
     {"bad.txt": "-r sub/more.txt\n", "sub/more.txt": "# c\n\nrequests== ; os_name=='x'\n"},
     f"sub/more.txt:3: invalid requirement \"requests== ; os_name=='x'\": {EXPECTED}"),
    (["install", "--no-index", "requests=="], {}, f"invalid requirement 'requests==': {EXPECTED}"),
    (["install", "--no-index", "x @ file:///nowhere/x-1.0.tar.gz"], {},
     "x @ file:///nowhere/x-1.0.tar.gz: no such file"),
    (["install", "--no-index", "./x-1.0.tar.gz[extra]"], {}, "./x-1.0.tar.gz: no such file"),
    (["install", "--no-index", "x @ ftp://host/x-1.0.tar.gz"], {},
     "x @ ftp://host/x-1.0.tar.gz: unsupported URL scheme 'ftp'"),
    (["install", "--no-index", "-r", "r.txt"], {"r.txt": "-r sub/more.txt\n",
                                                  "sub/more.txt": "helper\n-r ../r.txt\n"},
     "sub/more.txt:2: r.txt includes itself"),
    (["install", "--no-index", "-r", "r.txt"], {"r.txt": "helper\n-c missing.txt\n"},
     "r.txt:2: could not open constraint file missing.txt: No such file or directory"),
    (["install", "--no-index", "-r", "r.txt"], {"r.txt": "--use-pep517\nhelper\n"},
     "r.txt:1: --use-pep517: no such option: --use-pep517"),
    (["install", "--no-index", "-r", "r.txt"], {"r.txt": "helper -C k=v\n"},
     "r.txt:1: helper -C k=v: --config-settings for one requirement is not supported "
     "(permpip builds approved sdists itself)"),
    (["install", "--no-index", "-r", "pylock.toml", "helper"], {"pylock.toml": ""},
     "-r pylock.toml: a lockfile is read on its own, not together with other requirements"),
    (["check", "pylock.toml"], {"pylock.toml": "[[packages]]\nname = 1\n"},
     "pylock.toml: Missing required value in 'lock-version'"),
])
def test_input_errors_are_one_line(argv: list[str], files: dict[str, str], message: str,
                                   cwd: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name, text in files.items():
        (cwd / name).parent.mkdir(parents=True, exist_ok=True)
        (cwd / name).write_text(text)
    assert main([*argv, "--no-cache"]) == 2
    err = capsys.readouterr().err
    assert err.splitlines()[0] == f"error: {message}"
    assert len(err.splitlines()) == 1 or err.splitlines()[1].startswith("hint: ")


def test_vcs_on_the_command_line(cwd: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["install", "--no-cache", "git+https://example.invalid/x.git#egg=x"]) == 2
    assert capsys.readouterr().err == (
        "error: git+https://example.invalid/x.git#egg=x: VCS requirements are not supported "
        "(pip would run their build backend before permpip could scan them)\n"
        "hint: build a wheel first (pip wheel --no-deps URL) and name the wheel file, "
        "or pin a release from the index\n")


def test_local_project_dependency_error_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "me"\nversion = "1"\ndependencies = ["requests=="]\n')
    with pytest.raises(UsageError) as exc:
        read_local_project(tmp_path, shown=".")
    assert str(exc.value) == (f"./pyproject.toml: [project].dependencies: invalid requirement "
                              f"'requests==': {EXPECTED}")


# -- direct_ref: what names one file -----------------------------------------------------------

def test_direct_ref_forms(tmp_path: Path) -> None:
    sdist = tmp_path / "x-1.0.tar.gz"
    sdist.write_bytes(b"")
    (tmp_path / "proj").mkdir()
    assert direct_ref("requests>=2", cwd=tmp_path) is None
    assert direct_ref("./proj", cwd=tmp_path) is None  # the user's own project
    assert direct_ref(f"me @ {(tmp_path / 'proj').as_uri()}", cwd=tmp_path) is None
    ref = direct_ref("x-1.0.tar.gz", cwd=tmp_path)  # an archive in cwd, as pip reads it
    assert ref is not None and (ref.url, ref.filename, ref.name) == (sdist.as_uri(),
                                                                     "x-1.0.tar.gz", None)
    ref = direct_ref('./x-1.0.tar.gz[a,b] ; os_name == "posix"', cwd=tmp_path,
                     where="r.txt:2")
    assert ref is not None and ref.extras == ("a", "b") and str(ref.marker) == 'os_name == "posix"'
    assert ref.shown() == 'r.txt:2: ./x-1.0.tar.gz[a,b] ; os_name == "posix"'
    ref = direct_ref("X[e] @ https://h/p/x-1.0.tar.gz#sha256=AB&egg=x", cwd=tmp_path)
    assert ref is not None
    assert (ref.url, ref.hashes, ref.name, ref.extras, ref.is_wheel) == (
        "https://h/p/x-1.0.tar.gz", (("sha256", "ab"),), "X", ("e",), False)
    ref = direct_ref("https://h/p/y-2-py3-none-any.whl#md5=00", cwd=tmp_path)
    assert ref is not None and ref.is_wheel and ref.hashes == (("md5", "00"),)


# -- format control: pip's precedence ----------------------------------------------------------

def test_format_control_precedence() -> None:
    fc = FormatControl().add("--no-binary", ":all:").add("--only-binary", "a,B")
    assert [fc.source_only(n) for n in ("x", "a", "b")] == [True, False, False]
    fc = fc.add("--no-binary", "b")
    assert fc.source_only("b")
    fc = fc.add("--only-binary", ":all:")
    assert not fc.source_only("x") and not fc.source_only("b")
    fc = fc.add("--no-binary", "x").add("--only-binary", ":none:")
    assert fc.source_only("x") and not fc.source_only("y")
    assert not FormatControl().add("--no-binary", ":none:").source_only("x")


def _inputs(options: GateOptions, cwd: Path, env: dict[str, str] | None = None) -> Inputs:
    env = {"PIP_CONFIG_FILE": os.devnull} if env is None else env
    settings = read_settings(options, target_python=sys.executable, cwd=cwd, env=env)
    return read_files(settings, cwd=cwd, env=env, target_python_version="3.11.0")


def test_format_control_reads_command_line_then_files(tmp_path: Path) -> None:
    (tmp_path / "r.txt").write_text("-r more.txt\n--only-binary=b\n")
    (tmp_path / "more.txt").write_text("--no-binary :all:\n")
    options = parse_options(["--no-binary", "a", "-r", "r.txt"])
    fc = _inputs(options, tmp_path).format_control
    assert [fc.source_only(n) for n in ("a", "b", "c")] == [True, False, True]


def test_format_control_configuration_then_command_line_then_constraints_then_files(
        tmp_path: Path) -> None:
    """pip's order: configuration, command line, constraint files, requirement files."""
    (tmp_path / "c.txt").write_text("--only-binary d\n")
    (tmp_path / "r.txt").write_text("--no-binary=e\nx --no-binary f\n")  # a requirement's too
    env = {"PIP_CONFIG_FILE": os.devnull, "PIP_NO_BINARY": ":all:", "PIP_ONLY_BINARY": "a,d"}
    options = parse_options(["--no-binary", "a", "-r", "r.txt", "-c", "c.txt"])
    fc = _inputs(options, tmp_path, env).format_control
    assert [fc.source_only(n) for n in "abcdef"] == [True, True, True, False, True, True]


# -- a requirements file with a direct sdist: read as a flattened copy without it --------------

def test_take_direct_flattens_requirements_files(tmp_path: Path) -> None:
    sdist = tmp_path / "x-1.0.tar.gz"
    sdist.write_bytes(b"sdist")
    (tmp_path / "z-1.0.tar.gz").write_bytes(b"")  # for Windows only: left out
    sub = tmp_path / "sub"
    (sub / "wheels").mkdir(parents=True)
    (sub / "c.txt").write_text("helper<2 ; python_version >= '3'\n")
    (sub / "more.txt").write_text("-c c.txt\n-f wheels\n-f https://h/links/\n"
                                  "./x-1.0.tar.gz\nhelper  # comment\n"
                                  "--no-binary :all:\nz-1.0.tar.gz ; os_name == 'nt'\n"
                                  "pkg==1 --hash=sha256:ab --hash sha256:cd\n")
    (tmp_path / "r.txt").write_text("-r sub/more.txt\n--index-url https://i/simple\n"
                                    "--extra-index-url https://e/simple\n")
    (tmp_path / "plain.txt").write_text("helper\n")
    work = tmp_path / "work"
    work.mkdir()
    options = parse_options(["-r", "r.txt", "-r", "plain.txt", "./x-1.0.tar.gz", "pkg",
                             "./y-1-py3-none-any.whl", "--extra-index-url", "https://x/simple"])
    (tmp_path / "y-1-py3-none-any.whl").write_bytes(b"")
    inputs = _inputs(options, tmp_path)
    out, refs = _take_direct(inputs, tmp_path, current_target(), work)
    assert out.requirements == ("pkg", "./y-1-py3-none-any.whl")
    assert out.requirement_files == [str(work / "requirements.txt")]
    assert (work / "requirements.txt").read_text() == (
        "helper\npkg==1 --hash=sha256:ab --hash=sha256:cd\nhelper\n")
    assert (work / "constraints.txt").read_text() == "helper<2 ; python_version >= '3'\n"
    # the file's --index-url replaces every index so far, the command line's too (pip's rule)
    assert out.args_for(Step.RESOLVE) == [
        "--index-url", "https://i/simple", "--extra-index-url", "https://e/simple",
        "--find-links", str(sub / "wheels"), "--find-links", "https://h/links/",
        "-r", str(work / "requirements.txt"), "-c", str(work / "constraints.txt")]
    assert inputs.format_control.source_only("anything")
    assert [(r.where, r.url) for r in refs] == [(None, sdist.as_uri()),
                                                ("sub/more.txt:4", sdist.as_uri())]
    assert sha256_file(sdist)  # untouched
