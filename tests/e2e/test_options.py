"""permpip's own options and the pip options it passes on, each end to end.

Real pip (and uv where it matters) against the local index, into fresh venvs; every test
asserts what is installed afterwards, not only the exit code.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from gate._subprocess import Completed
from tests.builders import build_sdist, build_wheel
from tests.conftest import installed, write_policy
from tests.e2e.test_gate import SO, _publish_app
from tests.e2e.test_sdist import BACKEND, PYPROJECT
from tests.index import SubIndex

pytestmark = pytest.mark.e2e

Permpip = Callable[..., Completed]
MakeVenv = Callable[..., Path]

ALL = {"app": "1.0", "netlib": "1.2", "helper": "0.1"}


# -- --strict --------------------------------------------------------------------------------

STALE = ("stale grant: helper is granted network but does not use it "
         "(pyproject.toml:6); revoke with: permpip policy revoke helper network")


def test_strict_refuses_a_stale_grant(index: SubIndex, tmp_path: Path, project: Path,
                                      make_venv: MakeVenv, permpip: Permpip) -> None:
    _publish_app(index, tmp_path / "dist")
    write_policy(project, {"netlib": ["native"], "helper": ["network"]})
    py = make_venv()
    args = ("--python", str(py), "--index-url", index.url, "app", "--no-cache")
    strict = permpip("install", "--strict", *args, cwd=project)
    assert strict.returncode == 1, strict.stderr
    assert ("refused: the policy has problems --strict does not accept "
            "(policy: pyproject.toml)") in strict.stdout
    assert f"error: {STALE}" in strict.stdout
    assert installed(py) == {}
    (project / "requirements.txt").write_text("app\n")
    check = permpip("check", "--strict", "--index-url", index.url, "--no-cache", cwd=project)
    assert check.returncode == 1, check.stderr
    assert f"error: {STALE}" in check.stdout
    # without --strict the same grant is a warning and the install goes ahead
    loose = permpip("install", *args, cwd=project)
    assert loose.returncode == 0, loose.stderr
    assert f"warning: {STALE}" in loose.stdout
    assert installed(py) == ALL


def test_strict_refuses_unanalyzed_code(index: SubIndex, tmp_path: Path, project: Path,
                                        make_venv: MakeVenv, permpip: Permpip) -> None:
    broken = "import subprocess\nx = (\n"  # unparseable, and it names a catalogued module
    index.publish(build_wheel(tmp_path / "dist", "brokenpkg", "1.0",
                              {"brokenpkg/__init__.py": "", "brokenpkg/core.py": broken}))
    write_policy(project, {})
    py = make_venv()
    args = ("--python", str(py), "--index-url", index.url, "brokenpkg", "--no-cache")
    strict = permpip("install", *args, "--strict", cwd=project)
    assert strict.returncode == 1, strict.stderr
    assert strict.stdout.splitlines()[-8:] == [
        "refused: 1 of 1 package uses capabilities the policy does not grant "
        "(policy: pyproject.toml)",
        "",
        "brokenpkg 1.0 (brokenpkg-1.0-py3-none-any.whl)",
        "  unanalyzed at import not granted:",
        "    brokenpkg/core.py:2 SyntaxError: '(' was never closed (line 2)",
        "  fix: permpip policy allow brokenpkg unanalyzed --at-import",
        '   or: brokenpkg = {allow = ["unanalyzed"], at-import = ["unanalyzed"]}',
        "nothing installed",
    ]
    assert installed(py) == {}
    loose = permpip("install", *args, cwd=project)
    assert loose.returncode == 0, loose.stderr
    assert ("warning: brokenpkg 1.0: 1 place could not be analysed and may use any "
            "capability (brokenpkg/core.py:2 SyntaxError: '(' was never closed (line 2)); "
            "grant 'unanalyzed' to accept, or --strict to refuse") in loose.stdout
    assert installed(py) == {"brokenpkg": "1.0"}


def test_sourceless_bytecode_is_refused_without_strict(
        index: SubIndex, tmp_path: Path, project: Path, make_venv: MakeVenv,
        permpip: Permpip) -> None:
    """Bytecode runs at import and cannot be analysed: refused unless granted, not a
    warning (unparseable source only warns: it may be dead code)."""
    pyc = b"\xa7\r\r\n" + b"\0" * 12 + b"\xe3junk"  # bytecode without its source
    index.publish(build_wheel(tmp_path / "dist", "pycpkg", "1.0",
                              {"pycpkg/__init__.py": "", "pycpkg/core.pyc": pyc}))
    write_policy(project, {})
    py = make_venv()
    done = permpip("install", "--python", str(py), "--index-url", index.url, "pycpkg",
                   "--no-cache", cwd=project)
    assert done.returncode == 1, done.stderr
    assert "  unanalyzed at import not granted:" in done.stdout
    assert done.stdout.splitlines()[-1] == "nothing installed"
    assert installed(py) == {}


def test_strict_build_approval_judges_the_sdist_alone(
    index: SubIndex, tmp_path: Path, project: Path, make_venv: MakeVenv, permpip: Permpip,
) -> None:
    """The sdist is approved before the rest is resolved: netlib's grant is not stale then."""
    dist = tmp_path / "dist"
    _publish_app(index, dist)
    marker = tmp_path / "MARKER"
    index.publish(build_sdist(dist, "markpkg", "1.0", {
        "pyproject.toml": PYPROJECT, "backend.py": BACKEND.format(marker=str(marker))}))
    write_policy(project, {"netlib": ["native"],
                           "markpkg": ["install-hooks", "fs-write"]})
    py = make_venv()
    done = permpip("install", "--strict", "--python", str(py), "--index-url", index.url,
                   "app", "markpkg", "--no-cache", cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "warning" not in done.stdout and "error" not in done.stdout
    assert installed(py) == {**ALL, "markpkg": "1.0"}
    assert marker.exists()


# -- pip install options passed on -------------------------------------------------------

def _site(root: Path) -> Path:
    [site] = root.glob("lib/python3*/site-packages")
    return site


def _install(permpip: Permpip, project: Path, py: Path, *args: str) -> Completed:
    done = permpip("install", "--python", str(py), *args, "--no-cache", cwd=project)
    assert done.returncode == 0, done.stderr + done.stdout
    return done


def test_target(index: SubIndex, tmp_path: Path, project: Path, make_venv: MakeVenv,
                permpip: Permpip) -> None:
    _publish_app(index, tmp_path / "dist")
    write_policy(project, {"netlib": ["native"]})
    py = make_venv()
    _install(permpip, project, py, "--index-url", index.url, "--target",
             str(tmp_path / "t"), "app")
    assert sorted(p.name for p in (tmp_path / "t").iterdir()) == [
        "app", "app-1.0.dist-info", "helper", "helper-0.1.dist-info",
        "netlib", "netlib-1.2.dist-info"]
    assert installed(py) == {}


def test_prefix(index: SubIndex, tmp_path: Path, project: Path, make_venv: MakeVenv,
                permpip: Permpip) -> None:
    _publish_app(index, tmp_path / "dist")
    write_policy(project, {"netlib": ["native"]})
    py = make_venv()
    _install(permpip, project, py, "--index-url", index.url, "--prefix",
             str(tmp_path / "p"), "app")
    assert (_site(tmp_path / "p") / "netlib" / "_speedups.abi3.so").is_file()
    assert installed(py) == {}


def test_user(index: SubIndex, tmp_path: Path, project: Path, permpip: Permpip,
              hermetic_env: dict[str, str]) -> None:
    import sys

    from gate._subprocess import run

    _publish_app(index, tmp_path / "dist")
    write_policy(project, {"netlib": ["native"]})
    venv = tmp_path / "sys-venv"  # user site-packages are visible only with system ones
    assert run([sys.executable, "-m", "venv", "--without-pip", "--system-site-packages",
                str(venv)], env=hermetic_env).returncode == 0
    env = {**hermetic_env, "HOME": str(tmp_path / "home"),
           "PYTHONUSERBASE": str(tmp_path / "userbase")}
    done = permpip("install", "--python", str(venv / "bin" / "python"), "--user",
                   "--index-url", index.url, "helper", "--no-cache", cwd=project, env=env)
    assert done.returncode == 0, done.stderr + done.stdout
    assert (_site(tmp_path / "userbase") / "helper" / "__init__.py").is_file()
    assert not list(_site(venv).glob("helper*"))


def test_upgrade_over_an_existing_install(index: SubIndex, tmp_path: Path, project: Path,
                                          make_venv: MakeVenv, permpip: Permpip) -> None:
    _publish_app(index, tmp_path / "dist")
    write_policy(project, {"netlib": ["native"]})
    py = make_venv()
    _install(permpip, project, py, "--index-url", index.url, "app")
    index.publish(build_wheel(tmp_path / "dist", "helper", "0.2", {"helper/__init__.py": ""}))
    _install(permpip, project, py, "--index-url", index.url, "--upgrade", "helper")
    assert installed(py) == {**ALL, "helper": "0.2"}


def test_no_deps(index: SubIndex, tmp_path: Path, project: Path, make_venv: MakeVenv,
                 permpip: Permpip) -> None:
    _publish_app(index, tmp_path / "dist")
    write_policy(project, {"netlib": ["native"]})
    py = make_venv()
    done = _install(permpip, project, py, "--index-url", index.url, "--no-deps", "app")
    assert installed(py) == {"app": "1.0"}
    assert "stale" not in done.stdout  # netlib is not in this set, and need not be


def test_grants_for_packages_outside_the_set_are_stale_only_for_a_whole_set(
        index: SubIndex, tmp_path: Path, project: Path, make_venv: MakeVenv,
        permpip: Permpip) -> None:
    """`permpip install helper` adds to an environment; `-r requirements.txt` is the set."""
    _publish_app(index, tmp_path / "dist")
    write_policy(project, {"netlib": ["native"]})
    py = make_venv()
    named = _install(permpip, project, py, "--index-url", index.url, "helper")
    assert installed(py) == {"helper": "0.1"}
    assert "stale" not in named.stdout
    (project / "requirements.txt").write_text("helper\n")
    whole = _install(permpip, project, py, "--index-url", index.url, "-r", "requirements.txt")
    assert ("warning: stale grant: netlib (pyproject.toml:5) is not in the install set; "
            "remove it with: permpip policy revoke netlib") in whole.stdout


def test_dry_run(index: SubIndex, tmp_path: Path, project: Path, make_venv: MakeVenv,
                 permpip: Permpip) -> None:
    _publish_app(index, tmp_path / "dist")
    write_policy(project, {"netlib": ["native"]})
    py = make_venv()
    done = _install(permpip, project, py, "--index-url", index.url, "--dry-run", "app")
    assert done.stdout.endswith("installed (dry run)\n")
    assert installed(py) == {}


def test_constraints(index: SubIndex, tmp_path: Path, project: Path, make_venv: MakeVenv,
                     permpip: Permpip) -> None:
    _publish_app(index, tmp_path / "dist")
    index.publish(build_wheel(tmp_path / "dist", "helper", "0.2", {"helper/__init__.py": ""}))
    write_policy(project, {"netlib": ["native"]})
    (project / "constraints.txt").write_text("helper<0.2\n")
    py = make_venv()
    _install(permpip, project, py, "--index-url", index.url, "-c", "constraints.txt", "app")
    assert installed(py) == ALL  # helper 0.1, not the newest


def test_extras_and_markers(index: SubIndex, tmp_path: Path, project: Path,
                            make_venv: MakeVenv, permpip: Permpip) -> None:
    from tests.builders import build_wheel_with_extras

    _publish_app(index, tmp_path / "dist")
    index.publish(build_wheel_with_extras(tmp_path / "dist", "tool", "3.0", {"tool/a.py": ""},
                                          requires=["helper"], extras={"fast": ["netlib"]}))
    write_policy(project, {"netlib": ["native"]})
    py = make_venv()
    _install(permpip, project, py, "--index-url", index.url, "tool")
    assert installed(py) == {"tool": "3.0", "helper": "0.1"}
    py2 = make_venv("v2")
    # the marker never matches: "absent" is not even on the index
    _install(permpip, project, py2, "--index-url", index.url, "tool[fast]",
             'absent; python_version < "3"')
    assert installed(py2) == {"tool": "3.0", "helper": "0.1", "netlib": "1.2"}


def test_index_url_and_extra_index_url(index: SubIndex, index_server: object, tmp_path: Path,
                                       project: Path, make_venv: MakeVenv,
                                       permpip: Permpip) -> None:
    from tests.index import IndexServer

    assert isinstance(index_server, IndexServer)
    second = index_server.new_index("second")
    dist = tmp_path / "dist"
    index.publish(build_wheel(dist, "app", "1.0", {"app/__init__.py": ""},
                              requires=["netlib>=1", "helper"]))
    second.publish(build_wheel(dist, "netlib", "1.2", {"netlib/__init__.py": "", SO: b"\x7f"}))
    second.publish(build_wheel(dist, "helper", "0.1", {"helper/__init__.py": ""}))
    write_policy(project, {"netlib": ["native"]})
    py = make_venv()
    _install(permpip, project, py, "--index-url", index.url, "--extra-index-url", second.url,
             "app")
    assert installed(py) == ALL
    assert f"/{second.prefix}/files/netlib-1.2-py3-none-any.whl" in second.requests_seen()


def test_find_links(tmp_path: Path, project: Path, make_venv: MakeVenv,
                    permpip: Permpip) -> None:
    dist = tmp_path / "wheels"
    build_wheel(dist, "app", "1.0", {"app/__init__.py": ""}, requires=["helper"])
    build_wheel(dist, "helper", "0.1", {"helper/__init__.py": ""})
    write_policy(project, {})
    py = make_venv()
    done = _install(permpip, project, py, "--no-index", "--find-links", str(dist), "app")
    assert installed(py) == {"app": "1.0", "helper": "0.1"}
    assert "2 packages scanned" in done.stdout


def test_nested_requirements(index: SubIndex, tmp_path: Path, project: Path,
                             make_venv: MakeVenv, permpip: Permpip) -> None:
    _publish_app(index, tmp_path / "dist")
    write_policy(project, {"netlib": ["native"]})
    (project / "reqs").mkdir()
    (project / "requirements.txt").write_text("-r reqs/base.txt\n")
    (project / "reqs" / "base.txt").write_text("# the app\napp\n-r more.txt\n")
    (project / "reqs" / "more.txt").write_text("helper==0.1\n")
    py = make_venv()
    _install(permpip, project, py, "--index-url", index.url, "-r", "requirements.txt")
    assert installed(py) == ALL


# -- bad input: one line, exit 2, nothing installed --------------------------------------

@pytest.mark.parametrize(("args", "message"), [
    (["--frobnicate", "app"], "error: unknown option --frobnicate (neither a pip install nor "
                              "a permpip option)"),
    (["--backend", "conda", "app"], "error: --backend must be pip or uv, not 'conda'"),
    (["--strict=yes", "app"], "error: option --strict takes no value"),
    (["--target"], "error: option --target needs a value"),
    ([], "error: nothing to install: give requirements, -r FILE or -e PATH"),
])
def test_bad_usage(tmp_path: Path, project: Path, make_venv: MakeVenv, permpip: Permpip,
                   args: list[str], message: str) -> None:
    write_policy(project, {})
    py = make_venv()
    done = permpip("install", "--python", str(py), *args, cwd=project)
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines()[0] == message
    assert "Traceback" not in done.stderr
    assert installed(py) == {}


def test_install_step_ignores_find_links_from_the_users_pip_config(
        index: SubIndex, tmp_path: Path, project: Path, make_venv: MakeVenv,
        permpip: Permpip, hermetic_env: dict[str, str]) -> None:
    """pip.conf's find-links applies to resolution, never to the offline install step."""
    _publish_app(index, tmp_path / "dist")
    rogue = tmp_path / "rogue"  # same filename as the verified helper, other bytes
    build_wheel(rogue, "helper", "0.1", {"helper/__init__.py": "Y = 'rogue'\n"})
    conf = tmp_path / "pip.conf"
    conf.write_text(f"[global]\nfind-links = {rogue}\n")
    write_policy(project, {"netlib": ["native"]})
    py = make_venv()
    env = hermetic_env | {"PIP_CONFIG_FILE": str(conf)}
    done = permpip("install", "-v", "--python", str(py), "--index-url", index.url, "app",
                   "--no-cache", cwd=project, env=env)
    assert done.returncode == 0, done.stderr
    [looking] = [ln for ln in done.stdout.splitlines() if ln.startswith("Looking in links")]
    assert str(rogue) not in looking  # the install step looked only at the verified files
    assert installed(py) == ALL
    site = next(py.parent.parent.glob("lib/python3*/site-packages"))
    assert (site / "helper" / "__init__.py").read_text() == "Y = 2\n"
