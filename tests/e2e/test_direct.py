"""Requirements that could make pip run package code before permpip approved it.

A local sdist, a direct URL to an sdist (``name @ URL``, ``URL#sha256=``, ``file://``), a
``--no-binary`` option, and format-control lines in requirements files: pip's resolver
would build each of them to learn its metadata. The sdist here (``tests/e2e/test_sdist.py``)
has an in-tree backend that appends to a marker file when it is imported: the marker must
never appear unless the policy grants ``install-hooks``. VCS requirements are refused.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from gate._subprocess import Completed
from tests.builders import build_sdist, build_wheel, wheel_from_project
from tests.conftest import REPO, installed, write_policy
from tests.e2e.test_sdist import GRANT, publish_markpkg
from tests.index import SubIndex

pytestmark = pytest.mark.e2e

Permpip = Callable[..., Completed]
MakeVenv = Callable[..., Path]

SDIST = "markpkg-1.0.tar.gz"
FIX = "  fix: permpip policy allow markpkg fs-write install-hooks"
HOOKS = "  install-hooks (install) not granted:"
VCS = ("VCS requirements are not supported (pip would run their build backend before "
       "permpip could scan them)\nhint: build a wheel first (pip wheel --no-deps URL) and "
       "name the wheel file, or pin a release from the index\n")


@pytest.fixture
def sdist(tmp_path: Path, marker: Path, index: SubIndex) -> Path:
    return publish_markpkg(index, tmp_path / "dist", marker)


def _refused(done: Completed) -> None:
    assert done.returncode == 1, done.stderr + done.stdout
    lines = done.stdout.splitlines()
    assert f"markpkg 1.0 ({SDIST})" in lines
    assert HOOKS in lines and FIX in lines


# -- local sdist files -------------------------------------------------------------------------

def test_local_sdist_refused_on_the_command_line_and_in_requirements_files(
        sdist: Path, marker: Path, project: Path, make_venv: MakeVenv,
        permpip: Permpip) -> None:
    write_policy(project, {})
    py = make_venv()
    done = permpip("install", "--python", str(py), "--no-index", "--no-cache", str(sdist),
                   cwd=project)
    _refused(done)
    # a relative path in a nested requirements file, beside a constraint relative to it
    sub = project / "reqs"
    sub.mkdir()
    (sub / "constraints.txt").write_text("markpkg==1.0\n")
    # (pip reads a path in a requirements file relative to the working directory)
    (sub / "nested.txt").write_text("-c constraints.txt\n./dist/markpkg-1.0.tar.gz\n")
    (project / "requirements.txt").write_text("# top\n-r reqs/nested.txt\n")
    (project.parent / "dist").rename(project / "dist")
    done = permpip("check", "--no-index", "--no-cache", "requirements.txt", cwd=project)
    _refused(done)
    assert installed(py) == {}
    assert not marker.exists()


def test_local_sdist_granted_is_built_and_installed(
        sdist: Path, marker: Path, project: Path, make_venv: MakeVenv,
        permpip: Permpip) -> None:
    write_policy(project, {"markpkg": GRANT})
    py = make_venv()
    done = permpip("install", "--python", str(py), "--no-index", "--no-cache",
                   sdist.as_uri(), cwd=project)
    assert done.returncode == 0, done.stderr + done.stdout
    assert installed(py) == {"markpkg": "1.0"}
    assert marker.read_text().startswith("build backend ran\n")
    # in a nested requirements file: the copy pip reads keeps its -f and -c relative to it
    sub = project / "reqs"
    for version in ("0.1", "0.2"):
        build_wheel(sub / "wheels", "helper", version, {"helper/__init__.py": ""})
    (sub / "constraints.txt").write_text("helper==0.1\n")
    (sub / "nested.txt").write_text(f"-f wheels\n-c constraints.txt\nhelper\n{sdist}\n")
    (project / "requirements.txt").write_text("-r reqs/nested.txt\n")
    py = make_venv("venv2")
    done = permpip("install", "--python", str(py), "--no-index", "--no-cache",
                   "-r", "requirements.txt", cwd=project)
    assert done.returncode == 0, done.stderr + done.stdout
    assert installed(py) == {"markpkg": "1.0", "helper": "0.1"}


# -- direct URLs -------------------------------------------------------------------------------

@pytest.mark.parametrize(("form", "backend"), [
    ("markpkg @ {url}", "pip"),
    ("{url}#sha256={sha}", "pip"),
    ("markpkg @ {url}", "uv"),
])
def test_direct_url_refused_without_grant(form: str, backend: str, sdist: Path, marker: Path,
                                          index: SubIndex, project: Path, make_venv: MakeVenv,
                                          permpip: Permpip) -> None:
    write_policy(project, {})
    py = make_venv()
    spec = form.format(url=index.file_url(SDIST), sha=index.sha256(SDIST))
    done = permpip("install", "--backend", backend, "--python", str(py), "--no-index",
                   "--no-cache", spec, cwd=project)
    _refused(done)
    (project / "requirements.txt").write_text(f"{spec}\n")
    done = permpip("check", "--backend", backend, "--no-index", "--no-cache", cwd=project)
    _refused(done)
    assert installed(py) == {}
    assert not marker.exists()


def test_direct_url_granted_is_built_and_installed(
        sdist: Path, marker: Path, index: SubIndex, project: Path, make_venv: MakeVenv,
        permpip: Permpip) -> None:
    write_policy(project, {"markpkg": GRANT})
    py = make_venv()
    url = f"{index.file_url(SDIST)}#sha256={index.sha256(SDIST)}"
    done = permpip("install", "--python", str(py), "--no-index", "--no-cache", url,
                   cwd=project)
    assert done.returncode == 0, done.stderr + done.stdout
    assert "  markpkg 1.0 (sdist)  fs-write, install-hooks" in done.stdout
    assert installed(py) == {"markpkg": "1.0"}
    assert marker.exists()


def test_direct_url_hash_mismatch(sdist: Path, marker: Path, index: SubIndex, project: Path,
                                  permpip: Permpip) -> None:
    write_policy(project, {"markpkg": GRANT})
    bad = "0" * 64
    (project / "requirements.txt").write_text(f"{index.file_url(SDIST)}#sha256={bad}\n")
    done = permpip("check", "--no-index", "--no-cache", cwd=project)
    assert done.returncode == 3, done.stderr
    assert done.stderr.endswith(
        f"error: hash mismatch for {SDIST}: expected sha256 {bad}, got {index.sha256(SDIST)}\n"
        f"hint: the file at {index.file_url(SDIST)} is not the one pinned; nothing was "
        "installed\n")
    assert not marker.exists()


def test_direct_wheel_is_fetched_verified_and_scanned(
        tmp_path: Path, index: SubIndex, project: Path, make_venv: MakeVenv,
        permpip: Permpip) -> None:
    wheel = build_wheel(tmp_path / "dist", "wpkg", "1.0",
                        {"wpkg/__init__.py": "import subprocess\nsubprocess.run(['true'])\n"})
    index.publish(wheel)
    write_policy(project, {})
    py = make_venv()
    for spec in (str(wheel), f"wpkg @ {index.file_url(wheel.name)}"):
        done = permpip("install", "--python", str(py), "--no-index", "--no-cache", spec,
                       cwd=project)
        assert done.returncode == 1, done.stderr
        lines = done.stdout.splitlines()
        assert f"wpkg 1.0 ({wheel.name})" in lines
        assert "    wpkg/__init__.py:2 subprocess.run" in lines
    assert installed(py) == {}
    write_policy(project, {"wpkg": {"allow": ["subprocess"], "at-import": ["subprocess"]}})
    done = permpip("install", "--python", str(py), "--no-index", "--no-cache",
                   f"{index.file_url(wheel.name)}#sha256={index.sha256(wheel.name)}",
                   cwd=project)
    assert done.returncode == 0, done.stderr
    assert installed(py) == {"wpkg": "1.0"}


# -- VCS ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "lines", "shown"), [
    (["git+https://example.invalid/x.git"], None, "git+https://example.invalid/x.git"),
    (["x @ git+https://example.invalid/x.git@v1"], None,
     "x @ git+https://example.invalid/x.git@v1"),
    (["-r", "requirements.txt"], "helper\nx @ git+ssh://example.invalid/x.git\n",
     "requirements.txt:2: x @ git+ssh://example.invalid/x.git"),
    (["-r", "requirements.txt"], "-e hg+https://example.invalid/x#egg=x\n",
     "requirements.txt:1: hg+https://example.invalid/x#egg=x"),
])
def test_vcs_requirements_refused(args: list[str], lines: str | None, shown: str,
                                  project: Path, permpip: Permpip) -> None:
    write_policy(project, {})
    if lines is not None:
        (project / "requirements.txt").write_text(lines)
    done = permpip("install", "--no-index", "--no-cache", *args, cwd=project)
    assert done.returncode == 2, done.stderr
    assert done.stderr == f"error: {shown}: {VCS}"


# -- --no-binary and format control in requirements files ------------------------------------

@pytest.fixture
def app(tmp_path: Path, sdist: Path, index: SubIndex) -> None:
    """``app`` (a wheel) needs ``markpkg``, which has a wheel and the marker sdist."""
    index.publish(build_wheel(tmp_path / "dist", "markpkg", "1.0", {"markpkg/__init__.py": ""}))
    index.publish(build_wheel(tmp_path / "dist", "app", "1.0", {"app/__init__.py": ""},
                              requires=["markpkg"]))


def test_no_binary_builds_from_the_sdist_only_when_granted(
        app: None, marker: Path, index: SubIndex, project: Path, make_venv: MakeVenv,
        permpip: Permpip) -> None:
    write_policy(project, {})
    py = make_venv()
    args = ("install", "--python", str(py), "--index-url", index.url, "--no-cache", "app")
    _refused(permpip(*args, "--no-binary", "markpkg", cwd=project))
    assert not marker.exists()
    # without --no-binary the wheel is taken: nothing to build
    done = permpip(*args, cwd=project)
    assert done.returncode == 0, done.stderr
    assert installed(py) == {"app": "1.0", "markpkg": "1.0"}
    assert not marker.exists()
    write_policy(project, {"markpkg": GRANT})
    py = make_venv("venv2")
    done = permpip("install", "--python", str(py), "--index-url", index.url, "--no-cache",
                   "app", "--no-binary=:all:", "--only-binary", "app", cwd=project)
    assert done.returncode == 0, done.stderr + done.stdout
    assert "  markpkg 1.0 (sdist)  fs-write, install-hooks" in done.stdout
    assert installed(py) == {"app": "1.0", "markpkg": "1.0"}
    assert marker.read_text().startswith("build backend ran\n")


def test_no_binary_without_an_sdist(app: None, index: SubIndex, project: Path,
                                    permpip: Permpip) -> None:
    write_policy(project, {})
    done = permpip("install", "--index-url", index.url, "--no-cache", "--no-binary", "app",
                   "app", cwd=project)
    assert done.returncode == 3, done.stderr
    assert done.stderr.endswith("error: no sdist found for app==1.0\n")


@pytest.mark.parametrize("line", ["--no-binary :all:", "--no-binary=markpkg",
                                  "--only-binary :none:"])
def test_format_control_in_a_requirements_file(line: str, app: None, marker: Path,
                                               index: SubIndex, project: Path,
                                               permpip: Permpip) -> None:
    """pip applies these lines over the command line's ``--only-binary :all:``."""
    write_policy(project, {})
    (project / "requirements.txt").write_text(f"{line}\nmarkpkg\n")
    done = permpip("check", "--index-url", index.url, "--no-cache", "requirements.txt",
                   cwd=project)
    if line == "--only-binary :none:":
        assert done.returncode == 0, done.stderr  # the wheel, as without the line
    else:
        _refused(done)
    assert not marker.exists()


# -- an approved build: offline, in a throwaway directory, with verified build requirements --

OFFLINE_BACKEND = '''\
import os, socket
import tinybackend

with open({marker!r}, "a") as f:
    try:
        socket.create_connection(("127.0.0.1", {port}), timeout=5).close()
        f.write("network: open\\n")
    except OSError:
        f.write("network: blocked\\n")
    f.write(f"cwd: {{os.getcwd()}}\\nhome: {{os.environ['HOME']}}\\n")
    f.write(f"backend: {{tinybackend.__file__}}\\n")

get_requires_for_build_wheel = tinybackend.get_requires_for_build_wheel
build_wheel = tinybackend.build_wheel
'''

OFFLINE_PYPROJECT = """\
[build-system]
requires = ["tinybackend>=1"]
build-backend = "backend"
backend-path = ["."]

[project]
name = "offpkg"
version = "2.0"
"""


def test_approved_build_is_offline_in_a_throwaway_dir_with_verified_backend(
        tmp_path: Path, marker: Path, index: SubIndex, project: Path, make_venv: MakeVenv,
        permpip: Permpip) -> None:
    index.publish(wheel_from_project(REPO / "sample_projects" / "e2e-tinybackend",
                                     tmp_path / "dist"))
    path = build_sdist(tmp_path / "dist", "offpkg", "2.0", {
        "pyproject.toml": OFFLINE_PYPROJECT, "offpkg/__init__.py": "",
        "backend.py": OFFLINE_BACKEND.format(marker=str(marker), port=index.server.port)})
    grant = ["install-hooks", "network", "fs-read", "fs-write", "env"]
    write_policy(project, {"offpkg": grant})
    py = make_venv()
    args = ("install", "--python", str(py), "--index-url", index.url, "--no-cache",
            f"offpkg @ {path.as_uri()}")
    done = permpip(*args, cwd=project)
    assert done.returncode == 1, done.stderr  # the backend is build-time code too
    lines = done.stdout.splitlines()
    assert "tinybackend 1.0 (tinybackend-1.0-py3-none-any.whl)" in lines
    assert "  fix: permpip policy allow tinybackend fs-read fs-write install-hooks" in lines
    assert not marker.exists()
    write_policy(project, {"offpkg": grant,
                           "tinybackend": ["install-hooks", "fs-read", "fs-write"]})
    done = permpip(*args, cwd=project)
    assert done.returncode == 0, done.stderr + done.stdout
    assert installed(py) == {"offpkg": "2.0"}
    report = dict(line.split(": ", 1) for line in marker.read_text().splitlines())
    assert report["network"] == "blocked"
    home = Path(report["home"])
    assert home.name.startswith("permpip-build-")
    assert Path(report["cwd"]).is_relative_to(home)
    assert not home.exists()  # thrown away
    assert "pip-build-env-" in report["backend"]  # installed from the verified wheel
    assert [p for p in index.requests_seen() if p.endswith("tinybackend-1.0-py3-none-any.whl")]
