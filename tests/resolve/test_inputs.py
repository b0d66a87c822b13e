"""What pip and uv read besides the command line, read by permpip (no resolver runs here).

pip's configuration as pip under the target loads it, ``PIP_*``/``UV_*`` variables, uv's
configuration files, requirement and constraint files: each becomes an explicit option, a
requirement line or a format-control entry, or is refused with one line naming its origin.
The resolver's own process gets none of it (``hermetic_env``, ``--isolated``, ``--no-config``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import gate.fetch
from gate import _subprocess
from gate.cli.options import Step, parse_options
from gate.errors import UsageError
from gate.fetch import pip_config_items
from gate.options import GateOptions
from gate.resolve import pip as resolve_pip_module
from gate.resolve import uv as resolve_uv_module
from gate.resolve.reqfile import Inputs, read_files, read_settings
from gate.resolve.target import current_target

DEVNULL = {"PIP_CONFIG_FILE": os.devnull}


@pytest.fixture
def conf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Path]]:
    """pip's global and user files, and the target's site file, all under tmp_path."""
    from pip._internal import configuration

    files = {name: tmp_path / f"{name}.conf" for name in ("global", "user", "site", "env")}
    monkeypatch.setattr(configuration, "get_configuration_files", lambda: {
        configuration.Kind.GLOBAL: [str(files["global"])],
        configuration.Kind.USER: [str(tmp_path / "legacy.conf"), str(files["user"])],
        configuration.Kind.SITE: ["/nowhere/pip.conf"]})
    site = tmp_path / "venv"
    site.mkdir()
    files["site"] = site / "pip.conf"
    monkeypatch.setattr(gate.fetch, "target_prefix", lambda python: str(site))
    yield files


def _settings(argv: list[str], env: dict[str, str], cwd: Path) -> GateOptions:
    return read_settings(parse_options(argv), target_python=sys.executable, cwd=cwd,
                         env=env).options


def _inputs(argv: list[str], env: dict[str, str], cwd: Path) -> Inputs:
    settings = read_settings(parse_options(argv), target_python=sys.executable, cwd=cwd, env=env)
    return read_files(settings, cwd=cwd, env=env, target_python_version="3.11.0")


# -- pip's configuration, as pip under the target loads it ---------------------------------

def test_pip_configuration_order_and_origins(conf: dict[str, Path]) -> None:
    """[global] < [install] < environment; within each, global < user < site files."""
    conf["global"].write_text("[global]\nindex-url = G\ntimeout = 1\n[install]\npre = yes\n")
    conf["user"].write_text("[global]\nindex-url = U\n[install]\ntimeout = 2\n")
    conf["site"].write_text("[global]\nindex-url = S\nno-binary =\n")
    items = pip_config_items(env={"PIP_TIMEOUT": "3", "HOME": "/x"})
    assert items == [
        ("index-url", "S", f"{conf['site']}: [global] index-url"),
        ("timeout", "1", f"{conf['global']}: [global] timeout"),
        ("pre", "yes", f"{conf['global']}: [install] pre"),
        ("timeout", "2", f"{conf['user']}: [install] timeout"),
        ("timeout", "3", "PIP_TIMEOUT (environment)"),
    ]  # the empty no-binary is dropped, as pip drops it


@pytest.mark.parametrize("isolated", [False, True])
def test_same_as_pips_own_parser_when_the_target_is_permpips_interpreter(isolated: bool) -> None:
    """For permpip's own interpreter the site file is pip's: the items are exactly what pip's
    ConfigOptionParser applies (this machine's real configuration, whatever it holds)."""
    from pip._internal.commands import create_command

    parser = create_command("install", isolated=isolated).parser
    parser.config.load()
    expected = list(parser._get_ordered_configuration_items())
    assert [(k, v) for k, v, _ in pip_config_items(isolated=isolated)] == expected


def test_pip_config_file_replaces_the_user_file_and_isolated_keeps_global_and_site(
        conf: dict[str, Path]) -> None:
    conf["global"].write_text("[global]\nretries = 1\n")
    conf["user"].write_text("[global]\nretries = 2\n")
    conf["site"].write_text("[global]\ncert = site.pem\n")
    conf["env"].write_text("[global]\nproxy = p\n")
    env = {"PIP_CONFIG_FILE": str(conf["env"]), "PIP_RETRIES": "9"}
    assert [(k, v) for k, v, _ in pip_config_items(env=env)] == [
        ("retries", "1"), ("cert", "site.pem"), ("proxy", "p"),
        ("config-file", str(conf["env"])), ("retries", "9")]  # pip reads it as a key too
    # pip --isolated: no user file, no PIP_* variables; global, site, PIP_CONFIG_FILE stay
    assert [(k, v) for k, v, _ in pip_config_items(isolated=True, env=env)] == [
        ("retries", "1"), ("cert", "site.pem"), ("proxy", "p")]
    assert pip_config_items(env={**env, "PIP_CONFIG_FILE": os.devnull}) == [
        ("config-file", os.devnull, "PIP_CONFIG_FILE (environment)"),
        ("retries", "9", "PIP_RETRIES (environment)")]


def test_configuration_becomes_options_before_the_command_line(conf: dict[str, Path],
                                                               tmp_path: Path) -> None:
    conf["site"].write_text("[global]\nindex-url = https://site/simple\npre = yes\n"
                            "find-links = a b\nverbose = 2\ntarget = /t\n"
                            "[install]\npre = no\nfind-links = c\nno-binary = :all:\n"
                            "constraint = c.txt\n")
    options = _settings(["--index-url", "https://cli/simple", "x"],
                        {"PIP_ONLY_BINARY": "x", "PIP_REQUIREMENT": "r1.txt r2.txt"}, tmp_path)
    assert options.config_read
    assert [(o.name, o.value, o.origin) for o in options.pip_options] == [
        ("--index-url", "https://site/simple", f"{conf['site']}: [global] index-url"),
        ("--find-links", "c", f"{conf['site']}: [install] find-links"),  # replaces a b
        ("--constraint", "c.txt", f"{conf['site']}: [install] constraint"),
        ("--requirement", "r1.txt", "PIP_REQUIREMENT (environment)"),
        ("--requirement", "r2.txt", "PIP_REQUIREMENT (environment)"),
        ("--no-binary", ":all:", f"{conf['site']}: [install] no-binary"),
        ("--only-binary", "x", "PIP_ONLY_BINARY (environment)"),
        ("--index-url", "https://cli/simple", None),  # the command line wins
    ]  # pre = no in [install] undoes [global]'s; verbose and target are not resolution's


@pytest.mark.parametrize(("env", "site", "message"), [
    ({"PIP_EDITABLE": "."}, "", "PIP_EDITABLE (environment): editable requirements are taken "
     "from the command line only"),
    ({}, "[install]\nconfig-settings = k=v\n", "{site}: [install] config-settings: build "
     "settings from pip's configuration are not supported (permpip builds approved sdists "
     "itself)"),
    ({}, "[global]\nno-build-isolation = off\n", "{site}: [global] no-build-isolation = off: "
     "pip would build without isolation; permpip builds every approved sdist in isolation, "
     "with only scanned build requirements"),
    ({"PIP_PYTHON": "/elsewhere/python"}, "", "PIP_PYTHON (environment) = /elsewhere/python: "
     "pip would install into that interpreter, not {python}"),
    ({"PIP_PRE": "maybe"}, "", "PIP_PRE (environment): 'maybe' is not a valid value for pre "
     "(pip takes yes/no, true/false or 1/0)"),
    ({"_PIP_IN_BUILD_IGNORE_CONSTRAINTS": "1"}, "", "_PIP_IN_BUILD_IGNORE_CONSTRAINTS "
     "(environment): pip's internal variable makes pip ignore your constraints; unset it"),
])
def test_pip_settings_permpip_cannot_honour(env: dict[str, str], site: str, message: str,
                                            conf: dict[str, Path], tmp_path: Path) -> None:
    conf["site"].write_text(site)
    with pytest.raises(UsageError) as exc:
        _settings(["x"], env, tmp_path)
    assert str(exc.value) == message.format(site=conf["site"], python=sys.executable)


def test_no_build_isolation_that_keeps_isolation_and_unknown_keys_are_fine(
        conf: dict[str, Path], tmp_path: Path) -> None:
    conf["site"].write_text("[global]\nno-build-isolation = yes\nnot-an-option = 1\n"
                            "[freeze]\nall = yes\n")
    assert _settings(["x"], {}, tmp_path).pip_options == ()


# -- uv: UV_* variables and its configuration files ------------------------------------------

def _uv(argv: list[str], env: dict[str, str], cwd: Path) -> GateOptions:
    return _settings(["--backend", "uv", *argv], env, cwd)


def test_uv_config_file_and_environment(tmp_path: Path) -> None:
    config = tmp_path / "conf" / "uv.toml"
    config.parent.mkdir()
    config.write_text('index-url = "https://top/simple"\nno-binary-package = ["a"]\n'
                      'find-links = ["wheels"]\nresolution = "lowest-direct"\n'
                      'python-preference = "only-system"\n'
                      '[[index]]\nurl = "https://extra/simple"\n'
                      '[[index]]\nurl = "https://named/simple"\nexplicit = true\n'
                      '[pip]\nonly-binary = ["b"]\nindex-url = "https://pip/simple"\n')
    env = {"UV_CONFIG_FILE": str(config), "UV_NO_CONFIG": "1", "UV_NO_BUILD": "1",
           "UV_INDEX": "inner=https://inner/simple", "UV_PRERELEASE": "allow",
           "UV_PYTHON_DOWNLOADS": "never"}
    options = _uv(["x"], env, tmp_path)
    assert [(o.name, o.value) for o in options.pip_options] == [
        ("--index-url", "https://top/simple"), ("--no-binary", "a"),
        ("--find-links", str(tmp_path / "conf" / "wheels")),
        ("--extra-index-url", "https://extra/simple"),
        ("--only-binary", "b"), ("--index-url", "https://pip/simple"),  # [pip] wins
        ("--extra-index-url", "https://inner/simple"), ("--only-binary", ":all:"),
        ("--pre", None)]
    assert options.uv_args == ("--resolution", "lowest-direct")
    assert options.pip_options[0].origin == f"{config}: index-url"
    assert options.pip_options[4].origin == f"{config}: [pip] only-binary"


def test_uv_project_configuration_is_found_upwards_unless_disabled(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.uv]\nconstraint-dependencies = ["a<2"]\ndev-dependencies = ["b"]\n'
        '[tool.uv.pip]\nno-binary = [":all:"]\n')
    cwd = tmp_path / "sub"
    cwd.mkdir()
    env = {"XDG_CONFIG_HOME": str(tmp_path / "nothing"), "UV_NO_SYSTEM_CONFIG": "1"}
    settings = read_settings(parse_options(["--backend", "uv", "x"]),
                             target_python=sys.executable, cwd=cwd, env=env)
    assert [(o.name, o.value, o.origin) for o in settings.options.pip_options] == [
        ("--no-binary", ":all:", f"{tmp_path / 'pyproject.toml'}: [tool.uv.pip] no-binary")]
    assert [(c.spec, c.where) for c in settings.constraints] == [
        ("a<2", f"{tmp_path / 'pyproject.toml'}: [tool.uv] constraint-dependencies")]
    for off in ({"UV_NO_CONFIG": "true"}, {"UV_ISOLATED": "1"}):
        assert _uv(["x"], env | off, cwd).pip_options == ()
    assert _uv(["--isolated", "x"], env, cwd).pip_options == (
        parse_options(["--isolated"]).pip_options)


@pytest.mark.parametrize(("text", "env", "message"), [
    ("[tool.uv.sources]\na = { git = 'https://g/a' }\n", {},
     "{path}: [tool.uv] sources: permpip cannot honour this uv setting"),
    ("[tool.uv]\nno-build-isolation-package = ['a']\n", {},
     "{path}: [tool.uv] no-build-isolation-package: permpip cannot honour this uv setting"),
    ("[tool.uv.pip]\nconfig-settings = { a = 'b' }\n", {},
     "{path}: [tool.uv.pip] config-settings: permpip cannot honour this uv setting"),
    ("", {"UV_OVERRIDE": "o.txt"}, "UV_OVERRIDE (environment): permpip cannot honour it"),
    ("", {"UV_NO_BUILD_ISOLATION": "yes"}, "UV_NO_BUILD_ISOLATION (environment): permpip "
     "builds every approved sdist in isolation"),
    ("", {"UV_NO_BINARY": "sometimes"}, "UV_NO_BINARY (environment): 'sometimes' is not a "
     "boolean"),
])
def test_uv_settings_permpip_cannot_honour(text: str, env: dict[str, str], message: str,
                                           tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(text)
    env = {"XDG_CONFIG_HOME": str(tmp_path / "nothing"), "UV_NO_SYSTEM_CONFIG": "1", **env}
    with pytest.raises(UsageError) as exc:
        _uv(["x"], env, tmp_path)
    assert str(exc.value).startswith(message.format(path=tmp_path / "pyproject.toml"))


# -- requirement and constraint files ---------------------------------------------------------

def test_option_lines_as_pip_handles_them(tmp_path: Path) -> None:
    """--index-url in a file replaces every index so far; -f is relative to its file when
    that exists; ${VAR} is expanded from the environment; constraints come first."""
    (tmp_path / "sub" / "wheels").mkdir(parents=True)
    (tmp_path / "sub" / "c.txt").write_text("--extra-index-url https://c/simple\n"
                                            "--only-binary :all:\na<2\n")
    (tmp_path / "sub" / "r.txt").write_text(
        "-c c.txt\n--index-url ${INDEX}\n-f wheels\n-f elsewhere\n--trusted-host h\n"
        "--pre\nb ; python_version >= '3' \\\n  --hash=sha256:00  # pinned\n-e ./proj\n")
    inputs = _inputs(["--extra-index-url", "https://cli/simple", "-r", "sub/r.txt", "x"],
                     {**DEVNULL, "INDEX": "https://file/simple"}, tmp_path)
    assert [(r.spec, r.where, r.hashes, r.editable) for r in inputs.requirements] == [
        ("b ; python_version >= '3'", "sub/r.txt:7", ("sha256:00",), False),
        ("./proj", "sub/r.txt:9", (), True)]
    assert [(c.spec, c.where) for c in inputs.constraints] == [("a<2", "sub/c.txt:3")]
    assert inputs.options.args_for(Step.RESOLVE) == [
        "--index-url", "https://file/simple", "--find-links", str(tmp_path / "sub" / "wheels"),
        "--find-links", "elsewhere", "--trusted-host", "h", "--pre"]
    assert inputs.options.requirements == ("x",)
    assert not inputs.format_control.source_only("a")


@pytest.mark.parametrize(("files", "message"), [
    ({"r.txt": "-r r.txt\n"}, "r.txt:1: r.txt includes itself"),
    ({"r.txt": "--no-binary\n"}, "r.txt:1: --no-binary: --no-binary option requires 1 "
     "argument"),
    ({"r.txt": "x --hash=md5:00\n"}, "r.txt:1: x --hash=md5:00: Allowed hash algorithms for "
     "--hash are sha256, sha384, sha512."),
    ({"r.txt": "--global-option=x\n"}, "r.txt:1: --global-option=x: no such option: "
     "--global-option"),
    ({"r.txt": "x @ ${SELF}\n"}, "r.txt:1: x @ ${SELF}: holds ${SELF} after expanding "
     "environment variables; it would be expanded twice"),
])
def test_file_errors_are_one_line(files: dict[str, str], message: str, tmp_path: Path) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    with pytest.raises(UsageError) as exc:
        _inputs(["-r", "r.txt"], {**DEVNULL, "SELF": "${SELF}"}, tmp_path)
    assert str(exc.value) == message


def test_files_by_url_nest_by_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    served = {"https://h/reqs/r.txt": "-r more.txt\n-c /abs/c.txt\n",
              "https://h/reqs/more.txt": "a\n", "https://h/abs/c.txt": "--no-binary b\n"}
    seen: list[str] = []

    class Response:
        def __init__(self, text: str) -> None:
            self.text = text

    def get(session: Any, settings: Any, url: str, headers: Any = None) -> Response:  # noqa: ANN401
        seen.append(url)
        return Response(served[url])

    monkeypatch.setattr("gate.resolve.reqfile.http_get", get)
    inputs = _inputs(["-r", "https://h/reqs/r.txt"], DEVNULL, tmp_path)
    assert seen == ["https://h/reqs/r.txt", "https://h/reqs/more.txt", "https://h/abs/c.txt"]
    assert [(r.spec, r.where) for r in inputs.requirements] == [("a", "https://h/reqs/more.txt:1")]
    assert inputs.format_control.source_only("b") and inputs.remote


def test_dependency_groups_and_script_metadata(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[dependency-groups]\ndev = ["a>=1", {include-group = "more"}]\nmore = ["b"]\n')
    (tmp_path / "tool.py").write_text(
        '# /// script\n# requires-python = ">=3.8"\n# dependencies = ["c @ https://h/c-1.tar.gz"]'
        "\n# ///\n")
    inputs = _inputs(["--group", "dev", "--requirements-from-script", "tool.py"], DEVNULL,
                     tmp_path)
    assert [(r.spec, r.where) for r in inputs.requirements] == [
        ("a>=1", "pyproject.toml [dependency-groups] dev"),
        ("b", "pyproject.toml [dependency-groups] dev"),
        ("c @ https://h/c-1.tar.gz", "tool.py (script metadata)")]
    assert inputs.options.pip_options == ()
    (tmp_path / "tool.py").write_text('# /// script\n# requires-python = "<3"\n# ///\n')
    with pytest.raises(UsageError, match="the script requires a different Python: 3.11.0"):
        _inputs(["--requirements-from-script", "tool.py"], DEVNULL, tmp_path)


# -- the resolver runs hermetically ------------------------------------------------------------

def test_resolvers_get_no_configuration(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No PIP_*/UV_* settings, no configuration files; indexes (credentials and all) in a
    requirements file, not on the command line."""
    calls: list[tuple[tuple[str, ...], dict[str, str], str]] = []

    def run(argv: list[str], *, env: dict[str, str], **kw: Any) -> _subprocess.Completed:  # noqa: ANN401
        files = [a for a in argv if a.endswith("indexes.txt")]
        calls.append((tuple(argv), dict(env), Path(files[0]).read_text() if files else ""))
        return _subprocess.Completed(argv=tuple(argv), returncode=1, stdout="", stderr="boom")

    monkeypatch.setattr(_subprocess, "run", run)
    env = {"PIP_INDEX_URL": "x", "_PIP_RUNNING_IN_SUBPROCESS": "1", "UV_INDEX_URL": "y",
           "UV_CACHE_DIR": "/c", "UV_INDEX_CORP_PASSWORD": "p", "PATH": "/bin"}
    options = parse_options(["x", "--extra-index-url", "https://e/simple", "--index-url",
                             "https://u:secret@h/simple", "-f", "wheels", "--pre"])
    with pytest.raises(Exception, match="boom"):
        resolve_pip_module.resolve_pip(options, current_target(), extra_find_links=[], env=env)
    with pytest.raises(Exception, match="boom"):
        resolve_uv_module.resolve_uv(options, current_target(), extra_find_links=[], env=env)
    (pip_argv, pip_env, pip_indexes), (uv_argv, uv_env, uv_indexes) = calls
    assert "--isolated" in pip_argv and "--only-binary" in pip_argv and "--pre" in pip_argv
    assert {k for k in pip_env if "PIP" in k} == {"PIP_CONFIG_FILE"}
    assert pip_env["PIP_CONFIG_FILE"] == os.devnull and "UV_INDEX_URL" in pip_env
    assert "--no-config" in uv_argv
    assert {k for k in uv_env if k.startswith("UV_")} == {"UV_CACHE_DIR", "UV_INDEX_CORP_PASSWORD"}
    for argv in (pip_argv, uv_argv):
        assert not any("secret" in a or "https://e/" in a for a in argv)
    assert pip_indexes == uv_indexes == (
        "--index-url https://u:secret@h/simple\n--extra-index-url https://e/simple\n"
        f"--find-links {Path('wheels').absolute()}\n")
