"""The user's own project (``permpip install .``, ``-e .``, ``./path[extra]``).

Its own code is trusted (not gated); what it takes from others is: its build requirements
(here ``tinybackend``, a build backend served on the local index) and its static
dependencies. pip never builds it during resolution: its pyproject.toml is read statically,
and when pip builds it at the end, build isolation gets only the verified backend wheel.
The backend appends to ``BUILT-BY-TINYBACKEND`` in the source tree whenever it runs.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from gate._subprocess import Completed
from tests.builders import build_wheel, wheel_from_project
from tests.conftest import REPO, installed, write_policy
from tests.index import SubIndex

pytestmark = pytest.mark.e2e

Permpip = Callable[..., Completed]
MakeVenv = Callable[..., Path]

SAMPLES = REPO / "sample_projects"
FETCH = "import urllib.request\n\n\ndef get(url):\n    return urllib.request.urlopen(url)\n"
MARKER = "BUILT-BY-TINYBACKEND"


@pytest.fixture
def project(tmp_path: Path, index: SubIndex) -> Path:
    """A copy of sample_projects/e2e-local-project; its backend and dependencies served."""
    dist = tmp_path / "dist"
    index.publish(wheel_from_project(SAMPLES / "e2e-tinybackend", dist))
    index.publish(build_wheel(dist, "helper", "0.1", {"helper/__init__.py": ""}))
    index.publish(build_wheel(dist, "netpkg", "2.1",
                              {"netpkg/__init__.py": "", "netpkg/fetch.py": FETCH}))
    return Path(shutil.copytree(SAMPLES / "e2e-local-project", tmp_path / "localapp"))


def test_install_dot(index: SubIndex, project: Path, make_venv: MakeVenv,
                     permpip: Permpip) -> None:
    py = make_venv()
    done = permpip("install", "--python", str(py), "--index-url", index.url, ".",
                   "--no-cache", cwd=project)
    assert done.returncode == 0, done.stderr + done.stdout
    assert installed(py) == {"localapp": "0.3", "helper": "0.1"}  # the backend: build only
    assert (project / MARKER).read_text() == "localapp-0.3-py3-none-any.whl\n"
    assert "  tinybackend 1.0  fs-read, fs-write, install-hooks" in done.stdout
    assert "allowed: 2 packages within the policy (policy: pyproject.toml)" in done.stdout
    seen = index.requests_seen()
    assert f"/{index.prefix}/simple/setuptools/" not in seen  # pip asked the index nothing


def test_build_requirement_needs_install_hooks(index: SubIndex, project: Path,
                                               make_venv: MakeVenv, permpip: Permpip) -> None:
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace(
        'tinybackend = ["install-hooks", "fs-read", "fs-write"]', ""))
    py = make_venv()
    done = permpip("install", "--python", str(py), "--index-url", index.url, ".",
                   "--no-cache", cwd=project)
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert "tinybackend 1.0 (tinybackend-1.0-py3-none-any.whl)" in lines
    start = lines.index("  install-hooks (install) not granted:")
    assert lines[start + 1] == (
        "    ./pyproject.toml:4 build requirement of localapp: runs when it is built")
    assert "  fs-write (install) not granted:" in lines
    assert "    tinybackend/__init__.py:36 open(mode='a')" in lines
    assert "  fix: permpip policy allow tinybackend fs-read fs-write install-hooks" in lines
    assert installed(py) == {}
    assert not (project / MARKER).exists()  # the backend never ran


def test_editable_with_extra_from_elsewhere(index: SubIndex, project: Path, tmp_path: Path,
                                            make_venv: MakeVenv, permpip: Permpip) -> None:
    py = make_venv()
    done = permpip("install", "--policy", str(project / "pyproject.toml"), "--python", str(py),
                   "--index-url", index.url, "-e", "./localapp[net]", "--no-cache",
                   cwd=tmp_path)
    assert done.returncode == 0, done.stderr + done.stdout
    assert installed(py) == {"localapp": "0.3", "helper": "0.1", "netpkg": "2.1"}
    [pth] = py.parent.parent.glob("lib/python*/site-packages/_localapp_editable.pth")
    assert pth.read_text() == f"{project}\n"  # editable: points at the source tree
    assert (project / MARKER).read_text() == "localapp-0.3-py3-none-any.whl\n"


def test_dependency_of_the_project_refused(index: SubIndex, project: Path,
                                           make_venv: MakeVenv, permpip: Permpip) -> None:
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('netpkg = ["network"]', ""))
    py = make_venv()
    done = permpip("install", "--python", str(py), "--index-url", index.url, ".[net]",
                   "--no-cache", cwd=project)
    assert done.returncode == 1, done.stderr
    assert "    netpkg/fetch.py:5 urllib.request.urlopen" in done.stdout
    assert "  fix: permpip policy allow netpkg network" in done.stdout
    assert installed(py) == {}
    assert not (project / MARKER).exists()


def test_in_tree_backend_needs_nothing(index: SubIndex, project: Path,
                                       make_venv: MakeVenv, permpip: Permpip) -> None:
    shutil.copyfile(SAMPLES / "e2e-tinybackend" / "tinybackend" / "__init__.py",
                    project / "tinybackend.py")
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace(
        'requires = ["tinybackend>=1"]', 'requires = []\nbackend-path = ["."]').replace(
        'tinybackend = ["install-hooks", "fs-read", "fs-write"]', ""))
    py = make_venv()
    done = permpip("install", "--python", str(py), "--index-url", index.url, ".",
                   "--no-cache", cwd=project)
    assert done.returncode == 0, done.stderr + done.stdout
    assert installed(py) == {"localapp": "0.3", "helper": "0.1"}
    assert "tinybackend" not in done.stdout
    assert not [p for p in index.requests_seen() if "tinybackend" in p]


def test_uv_backend(index: SubIndex, project: Path, make_venv: MakeVenv,
                    permpip: Permpip) -> None:
    py = make_venv()
    done = permpip("install", "--backend", "uv", "--python", str(py), "--index-url",
                   index.url, ".[net]", "--no-cache", cwd=project)
    assert done.returncode == 0, done.stderr + done.stdout
    assert installed(py) == {"localapp": "0.3", "helper": "0.1", "netpkg": "2.1"}
    assert (project / MARKER).exists()


def test_dynamic_dependencies_refused(project: Path, permpip: Permpip) -> None:
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace(
        'dependencies = ["helper"]', 'dynamic = ["dependencies"]'))
    done = permpip("install", ".", "--no-cache", cwd=project)
    assert done.returncode == 3
    assert done.stderr.splitlines() == [
        "error: localapp: [project].dependencies is not static in ./pyproject.toml; "
        "permpip cannot gate what it needs without running its build backend",
        "hint: list them in [project] of pyproject.toml, or put them in a requirements file "
        "for `permpip install -r` and install the project alone with "
        "`pip install --no-deps --no-build-isolation .`",
    ]
    assert not (project / MARKER).exists()


def test_setup_py_only_project_refused(tmp_path: Path, permpip: Permpip) -> None:
    project = tmp_path / "legacy"
    write_policy(tmp_path, {})
    project.mkdir()
    (project / "setup.py").write_text("raise SystemExit('setup.py must not run')\n")
    done = permpip("install", "./legacy", "--no-cache", cwd=tmp_path)
    assert done.returncode == 3
    assert done.stderr.splitlines()[0] == (
        "error: legacy: [project].dependencies is not static in ./legacy/setup.py; "
        "permpip cannot gate what it needs without running its build backend")


def test_local_project_in_requirements_file_refused(project: Path, permpip: Permpip) -> None:
    (project / "requirements.txt").write_text("helper\n-e .\n")
    done = permpip("install", "-r", "requirements.txt", "--no-cache", cwd=project)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "error: requirements.txt:2: -e .: permpip gates your own project only when it is "
        "named on the command line",
        "hint: take the line out and name the project: permpip install -r requirements.txt "
        "-e .",
    ]
    (project / "requirements.txt").write_text("-r more.txt\n")
    (project / "more.txt").write_text("helper\n.[net]  # the project itself\n")
    done = permpip("install", "helper", "-r", "requirements.txt", "--no-cache", cwd=project)
    assert done.returncode == 2
    assert done.stderr.splitlines()[0] == (
        "error: more.txt:2: .[net]: permpip gates your own project only when it is named on "
        "the command line")


@pytest.mark.parametrize(("args", "message"), [
    (["./missing"], "error: ./missing: no such project directory"),
    ([".[nope]"], "error: localapp has no extra 'nope' (its extras: net)"),
    (["-e", "git+https://example.invalid/x.git#egg=x"],
     "error: -e git+https://example.invalid/x.git#egg=x: only a local project directory can "
     "be installed editable (VCS and URL requirements are not supported)"),
])
def test_bad_local_input(project: Path, permpip: Permpip, args: list[str], message: str) -> None:
    done = permpip("install", *args, "--no-cache", cwd=project)
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines()[0] == message


def test_summary_merges_a_package_scanned_twice() -> None:
    """A dependency that is also a build requirement is one row with both uses."""
    from gate.model import Capability, Finding, PackageScan, Phase, normalize
    from gate.report.gate import capabilities_table
    from gate.run import as_build_requirement

    found = Finding(path="h/__init__.py", line=3, capability=Capability.SUBPROCESS,
                    phase=Phase.RUNTIME, detail="os.system")
    scan = PackageScan(name=normalize("Helper"), version="0.1", sha256="0" * 64,
                       filename="helper-0.1-py3-none-any.whl", findings=(found,))
    build = as_build_requirement(scan, of="localapp", where="./pyproject.toml", line=4)
    assert sorted((f.capability, f.phase, f.path, f.line) for f in build.findings) == [
        (Capability.INSTALL_HOOKS, Phase.INSTALL, "./pyproject.toml", 4),
        (Capability.SUBPROCESS, Phase.INSTALL, "h/__init__.py", 3),
    ]
    assert capabilities_table([scan, build]) == "  helper 0.1  subprocess, install-hooks"
