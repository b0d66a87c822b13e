"""Build configuration is code: an sdist whose build runs its own code needs install-hooks.

Two ways past a gate that only looks for setup.py and custom backends (issue #10):

- setuptools' ``[tool.setuptools.dynamic] version = {attr = "pkg.VERSION"}`` where VERSION is
  not a literal: setuptools imports ``pkg`` while building, running its top-level code;
- a scikit-build-core sdist: CMake runs CMakeLists.txt at configure time, and
  ``execute_process`` runs any command.

The build backends here are stand-ins served from the test index (no network, no real
setuptools or scikit-build-core): the setuptools one reads ``attr:`` the way setuptools falls
back to when the value is not a literal (it imports the module), the scikit-build-core one
writes the marker when it is imported. The policy grants each stand-in what it needs, and
the sdist nothing: the refusal is the sdist's, and comes before any build.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from gate._subprocess import Completed
from tests.builders import build_sdist, build_wheel
from tests.conftest import installed, write_policy
from tests.index import SubIndex

pytestmark = pytest.mark.e2e

Permpip = Callable[..., Completed]
MakeVenv = Callable[..., Path]

# -- setuptools attr: ---------------------------------------------------------------------

SETUPTOOLS_STANDIN = '''\
"""setuptools.build_meta stand-in: the version comes from ``attr:``, read by importing the
module (what setuptools does when the attribute is not a literal assignment)."""
import base64, hashlib, importlib, os, sys, tomllib, zipfile


def get_requires_for_build_wheel(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    with open("pyproject.toml", "rb") as f:
        data = tomllib.load(f)
    name = data["project"]["name"]
    module, _, attr = data["tool"]["setuptools"]["dynamic"]["version"]["attr"].rpartition(".")
    sys.path.insert(0, os.getcwd())
    version = str(getattr(importlib.import_module(module), attr))
    meta = f"Metadata-Version: 2.1\\nName: {name}\\nVersion: {version}\\n"
    wheel = "Wheel-Version: 1.0\\nGenerator: t\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"
    info = f"{name}-{version}.dist-info"
    files = {f"{name}/__init__.py": b"", f"{info}/METADATA": meta.encode(),
             f"{info}/WHEEL": wheel.encode()}
    record = ""
    for p, d in files.items():
        h = base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b"=").decode()
        record += f"{p},sha256={h},{len(d)}\\n"
    filename = f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w") as zf:
        for p, d in files.items():
            zf.writestr(p, d)
        zf.writestr(f"{info}/RECORD", record + f"{info}/RECORD,,\\n")
    return filename
'''

ATTR_PYPROJECT = """\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "attrpkg"
dynamic = ["version"]

[tool.setuptools.dynamic]
version = {attr = "attrpkg.VERSION"}
"""

ATTR_INIT = """\
with open({marker!r}, "a") as f:
    f.write("attrpkg imported while building\\n")
VERSION = ".".join(["1", "0"])
"""

ATTR_EVIDENCE = ("    pyproject.toml:10 attr: attrpkg.VERSION is not a literal assignment: "
                 "setuptools imports attrpkg while building")
SETUPTOOLS_GRANT = ["install-hooks", "fs-read", "fs-write", "dynamic-code"]


def publish_attrpkg(index: SubIndex, dist: Path, marker: Path) -> None:
    index.publish(build_wheel(dist, "setuptools", "80.0",
                              {"setuptools/__init__.py": "",
                               "setuptools/build_meta.py": SETUPTOOLS_STANDIN}))
    index.publish(build_sdist(dist, "attrpkg", "1.0", {
        "pyproject.toml": ATTR_PYPROJECT,
        "attrpkg/__init__.py": ATTR_INIT.format(marker=str(marker))}))


def refusal(done: Completed, package: str) -> list[str]:
    """The refusal block of ``package`` in a permpip report."""
    lines = done.stdout.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith(f"{package} 1.0 (")]
    assert starts, done.stdout + done.stderr
    start = starts[0]
    end = next((i for i in range(start + 1, len(lines)) if not lines[i].startswith(" ")),
               len(lines))
    return lines[start:end]


@pytest.mark.parametrize("backend", ["pip", "uv"])
def test_attr_that_is_not_a_literal_needs_install_hooks(
        backend: str, index: SubIndex, tmp_path: Path, marker: Path, make_venv: MakeVenv,
        permpip: Permpip) -> None:
    """Granted what its code does when imported (fs-write), not to run it while building."""
    publish_attrpkg(index, tmp_path / "dist", marker)
    project = tmp_path / "project"
    write_policy(project, {"setuptools": SETUPTOOLS_GRANT,
                           "attrpkg": {"allow": ["fs-write"], "at-import": ["fs-write"]}})
    py = make_venv()
    done = permpip("install", "--backend", backend, "--python", str(py), "-i", index.url,
                   "attrpkg", "--no-cache", cwd=project)
    assert done.returncode == 1, done.stdout + done.stderr
    assert refusal(done, "attrpkg") == [
        "attrpkg 1.0 (attrpkg-1.0.tar.gz)",
        "  install-hooks (install) not granted:",
        ATTR_EVIDENCE,
        "  fix: permpip policy allow attrpkg install-hooks",
        '   or: attrpkg = {allow = ["fs-write", "install-hooks"], at-import = ["fs-write"]}',
    ]
    assert done.stdout.splitlines()[-1] == "nothing installed"
    assert not marker.exists()
    assert installed(py) == {}


def test_attr_refused_with_nothing_granted(index: SubIndex, tmp_path: Path, marker: Path,
                                           make_venv: MakeVenv, permpip: Permpip) -> None:
    publish_attrpkg(index, tmp_path / "dist", marker)
    project = tmp_path / "project"
    write_policy(project, {"setuptools": SETUPTOOLS_GRANT})
    py = make_venv()
    done = permpip("install", "--python", str(py), "-i", index.url, "attrpkg", "--no-cache",
                   cwd=project)
    assert done.returncode == 1, done.stdout + done.stderr
    block = refusal(done, "attrpkg")
    assert block[block.index("  install-hooks (install) not granted:") + 1] == ATTR_EVIDENCE
    assert not marker.exists()
    assert installed(py) == {}


def test_attr_granted_builds_and_imports(index: SubIndex, tmp_path: Path, marker: Path,
                                         make_venv: MakeVenv, permpip: Permpip) -> None:
    """The same sdist with install-hooks granted: the build imports it (the marker shows
    the stand-in behaves as the refusal says setuptools would)."""
    publish_attrpkg(index, tmp_path / "dist", marker)
    project = tmp_path / "project"
    write_policy(project, {"setuptools": SETUPTOOLS_GRANT,
                           "attrpkg": {"allow": ["install-hooks", "fs-write"],
                                       "at-import": ["fs-write"]}})
    py = make_venv()
    done = permpip("install", "--python", str(py), "-i", index.url, "attrpkg", "--no-cache",
                   cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr
    assert marker.read_text() == "attrpkg imported while building\n"
    assert installed(py) == {"attrpkg": "1.0"}


# -- scikit-build-core: CMakeLists.txt ---------------------------------------------------

CMAKE_PYPROJECT = """\
[build-system]
requires = ["scikit-build-core"]
build-backend = "scikit_build_core.build"

[project]
name = "cmakepkg"
version = "1.0"
"""

CMAKELISTS = """\
cmake_minimum_required(VERSION 3.15)
project(cmakepkg LANGUAGES C)
# a comment naming execute_process( is not a command
set(TOOL "${{CMAKE_CURRENT_SOURCE_DIR}}/tool.sh")
execute_process(COMMAND touch {marker})
"""

SKBUILD_STANDIN = """\
with open({marker!r}, "a") as f:
    f.write("scikit_build_core.build imported\\n")


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    raise RuntimeError("stand-in: CMake would configure the project here")
"""


def publish_cmakepkg(index: SubIndex, dist: Path, marker: Path) -> None:
    index.publish(build_wheel(dist, "scikit-build-core", "0.11.0", {
        "scikit_build_core/__init__.py": "",
        "scikit_build_core/build.py": SKBUILD_STANDIN.format(marker=str(marker))}))
    index.publish(build_sdist(dist, "cmakepkg", "1.0", {
        "pyproject.toml": CMAKE_PYPROJECT,
        "CMakeLists.txt": CMAKELISTS.format(marker=marker),
        "src/cmakepkg/__init__.py": ""}))


@pytest.mark.parametrize("backend", ["pip", "uv"])
def test_cmake_execute_process_needs_install_hooks(
        backend: str, index: SubIndex, tmp_path: Path, marker: Path, make_venv: MakeVenv,
        permpip: Permpip) -> None:
    publish_cmakepkg(index, tmp_path / "dist", marker)
    project = tmp_path / "project"
    write_policy(project, {"scikit-build-core": ["install-hooks", "fs-write"]})
    py = make_venv()
    done = permpip("install", "--backend", backend, "--python", str(py), "-i", index.url,
                   "cmakepkg", "--no-cache", cwd=project)
    assert done.returncode == 1, done.stdout + done.stderr
    assert refusal(done, "cmakepkg") == [
        "cmakepkg 1.0 (cmakepkg-1.0.tar.gz)",
        "  install-hooks (install) not granted:",
        "    CMakeLists.txt:5 execute_process runs a command at configure time",
        "  fix: permpip policy allow cmakepkg install-hooks",
        '   or: cmakepkg = ["install-hooks"]',
    ]
    assert not marker.exists()
    assert installed(py) == {}


def test_cmake_granted_build_runs_and_its_failure_is_named(
        index: SubIndex, tmp_path: Path, marker: Path, make_venv: MakeVenv,
        permpip: Permpip) -> None:
    """Granted, the build does run (the stand-in backend writes the marker); when it fails,
    the hint is the backend's own last line, not pip's "See above for details"."""
    publish_cmakepkg(index, tmp_path / "dist", marker)
    project = tmp_path / "project"
    write_policy(project, {"scikit-build-core": ["install-hooks", "fs-write"],
                           "cmakepkg": ["install-hooks"]})
    py = make_venv()
    done = permpip("install", "--python", str(py), "-i", index.url, "cmakepkg", "--no-cache",
                   cwd=project)
    assert done.returncode == 3, done.stdout + done.stderr
    assert done.stderr.splitlines()[-2:] == [
        "error: building cmakepkg-1.0.tar.gz failed",
        "hint: RuntimeError: stand-in: CMake would configure the project here"]
    assert marker.read_text().startswith("scikit_build_core.build imported\n")
    assert installed(py) == {}
