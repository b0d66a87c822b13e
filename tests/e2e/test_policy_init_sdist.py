"""``permpip policy init`` over sets with sdist-only packages (issue #12): the sdist is
scanned, never built to learn its dependencies; they are read statically (PEP 643
PKG-INFO, [project], setup.py/setup.cfg literals) or, where they cannot be, init says so
in one line unless the policy it extends grants the package install-hooks.

Every sdist here would write ``marker`` if any of its code ran."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from gate._subprocess import Completed
from gate.model import Capability, normalize
from gate.policy import load_policy
from tests.builders import build_sdist, build_wheel
from tests.conftest import write_policy
from tests.index import SubIndex

pytestmark = pytest.mark.e2e

Permpip = Callable[..., Completed]
C = Capability

SETUP_PY = """\
from setuptools import setup

with open({marker!r}, "w") as f:
    f.write("setup.py ran")

REQUIRES = ["depwheel>=1"]

setup(name="hookpkg", version="1.0", py_modules=["hookpkg"], install_requires=REQUIRES,
      extras_require={{"fast": ["extrawheel"]}})
"""

HOOKPKG = "import subprocess\n\n\ndef run():\n    subprocess.run(['true'])\n"

# an in-tree backend that writes the marker when imported and builds a wheel requiring
# depwheel: what the build declares is only known by running it
BACKEND = '''\
import base64, hashlib, os, zipfile
with open({marker!r}, "a") as f:
    f.write("build backend ran\\n")

META = "Metadata-Version: 2.1\\nName: {name}\\nVersion: 1.0\\nRequires-Dist: depwheel\\n"
WHEEL = "Wheel-Version: 1.0\\nGenerator: t\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"


def get_requires_for_build_wheel(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    files = {{"{name}/__init__.py": b"", "{name}-1.0.dist-info/METADATA": META.encode(),
             "{name}-1.0.dist-info/WHEEL": WHEEL.encode()}}
    record = ""
    for p, d in files.items():
        h = base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b"=").decode()
        record += f"{{p}},sha256={{h}},{{len(d)}}\\n"
    record += "{name}-1.0.dist-info/RECORD,,\\n"
    name = "{name}-1.0-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as zf:
        for p, d in files.items():
            zf.writestr(p, d)
        zf.writestr("{name}-1.0.dist-info/RECORD", record)
    return name
'''

IN_TREE = """\
[build-system]
requires = []
build-backend = "backend"
backend-path = ["."]

[project]
name = "{name}"
version = "1.0"
dynamic = ["dependencies"]
"""


def _wheels(index: SubIndex, dist: Path) -> None:
    """depwheel (network), extrawheel (env) and a setuptools stand-in (env) as wheels."""
    index.publish(build_wheel(dist, "depwheel", "1.0", {"depwheel/__init__.py": (
        "import socket\n\n\ndef get():\n    return socket.create_connection(('h', 1))\n")}))
    index.publish(build_wheel(dist, "extrawheel", "1.0", {"extrawheel/__init__.py": (
        "import os\n\n\ndef home():\n    return os.environ['HOME']\n")}))
    index.publish(build_wheel(dist, "setuptools", "70.0", {"setuptools/__init__.py": (
        "import os\n\n\ndef setup(**kw):\n    return os.environ.get('X')\n")}))


def _in_tree(index: SubIndex, dist: Path, marker: Path, name: str, pkg_info: str) -> Path:
    path = build_sdist(dist, name, "1.0", {
        "pyproject.toml": IN_TREE.format(name=name),
        "backend.py": BACKEND.format(marker=str(marker), name=name),
        "PKG-INFO": pkg_info})
    index.publish(path)
    return path


def _grants(project: Path) -> dict[str, tuple[str, ...]]:
    policy = load_policy(cwd=project)
    return {name: tuple(c.value for c in g.allow) for name, g in policy.packages.items()}


def test_init_reads_a_setup_py_sdist_without_building_it(
    index: SubIndex, tmp_path: Path, project: Path, marker: Path, permpip: Permpip,
) -> None:
    dist = tmp_path / "dist"
    _wheels(index, dist)
    index.publish(build_sdist(dist, "hookpkg", "1.0", {
        "setup.py": SETUP_PY.format(marker=str(marker)), "hookpkg.py": HOOKPKG}))
    project.mkdir()
    (project / "requirements.txt").write_text("hookpkg\n")
    done = permpip("policy", "init", "requirements.txt", "--index-url", index.url,
                   "--no-cache", cwd=project)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "pyproject.toml: wrote grants for 3 of 3 packages scanned\n"
    assert not marker.exists()  # nothing of the sdist ran
    # the sdist's own grants (setup.py writes a file at build time: install-hooks), the
    # dependency its setup() declares, and the build requirement (legacy: setuptools)
    assert _grants(project) == {
        "depwheel": ("network",),
        "hookpkg": ("fs-write", "subprocess", "install-hooks"),
        "setuptools": ("env", "install-hooks"),
    }
    # an extra the requirement asks for is read from extras_require
    (project / "requirements.txt").write_text("hookpkg[fast]\n")
    done = permpip("policy", "init", "requirements.txt", "--force", "--index-url", index.url,
                   "--no-cache", cwd=project)
    assert done.returncode == 0, done.stderr
    assert _grants(project)["extrawheel"] == ("env",)
    assert not marker.exists()


def test_init_takes_pep_643_requires_dist_as_authoritative(
    index: SubIndex, tmp_path: Path, project: Path, marker: Path, permpip: Permpip,
) -> None:
    dist = tmp_path / "dist"
    _wheels(index, dist)
    # [project] says the build computes the dependencies; PKG-INFO 2.2 does not list
    # Requires-Dist as Dynamic, so the build must produce exactly these
    _in_tree(index, dist, marker, "metapkg", "Metadata-Version: 2.2\nName: metapkg\n"
             "Version: 1.0\nDynamic: Summary\nRequires-Dist: depwheel>=1.0\n\n")
    project.mkdir()
    (project / "requirements.txt").write_text("metapkg==1.0\n")
    done = permpip("policy", "init", "--index-url", index.url, "--no-cache", cwd=project)
    assert done.returncode == 0, done.stderr
    assert not marker.exists()
    grants = _grants(project)
    assert grants["depwheel"] == ("network",)
    assert C.INSTALL_HOOKS.value in grants["metapkg"]  # its in-tree backend runs when built
    assert "setuptools" not in grants  # requires = []: nothing else runs


def test_init_says_when_dependencies_need_the_build_then_honours_install_hooks(
    index: SubIndex, tmp_path: Path, project: Path, marker: Path, permpip: Permpip,
) -> None:
    dist = tmp_path / "dist"
    _wheels(index, dist)
    _in_tree(index, dist, marker, "dynpkg", "Metadata-Version: 2.1\nName: dynpkg\n"
             "Version: 1.0\n\n")
    project.mkdir()
    (project / "requirements.txt").write_text("dynpkg\n")
    done = permpip("policy", "init", "--index-url", index.url, "--no-cache", cwd=project)
    assert (done.returncode, done.stdout) == (3, "")
    assert done.stderr == (
        "error: dynpkg 1.0 (sdist only): its dependencies were not resolved: pyproject.toml "
        "lists dependencies in [project].dynamic: the build computes them\n"
        "hint: to let permpip build it to learn them, grant it install-hooks and run init "
        "again: permpip policy allow dynpkg install-hooks && permpip policy init --merge\n")
    assert not (project / "pyproject.toml").exists()
    assert not marker.exists()

    write_policy(project, {"dynpkg": ["install-hooks"]})
    done = permpip("policy", "init", "--merge", "--index-url", index.url, "--no-cache",
                   cwd=project)
    assert done.returncode == 0, done.stderr
    assert marker.read_text().startswith("build backend ran\n")  # built, under the grant
    grants = _grants(project)
    assert grants["depwheel"] == ("network",)  # what the built wheel declares
    assert set(grants["dynpkg"]) >= {"install-hooks", "fs-write"}
    assert load_policy(cwd=project).packages[normalize("dynpkg")].line > 0


# -- no requirements file or lockfile: pyproject.toml's [project].dependencies -----------

PROJECT = """\
[project]
name = "myapp"
version = "0.1"
dependencies = ["depwheel"]

[project.optional-dependencies]
cli = ["extrawheel"]

[dependency-groups]
dev = ["setuptools"]
"""


def test_init_and_check_read_the_project_dependencies_without_an_input(
    index: SubIndex, tmp_path: Path, project: Path, permpip: Permpip,
) -> None:
    _wheels(index, tmp_path / "dist")
    project.mkdir()
    (project / "pyproject.toml").write_text(PROJECT)
    url = ("--index-url", index.url)
    done = permpip("policy", "init", *url, cwd=project)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "pyproject.toml: wrote grants for 1 of 1 package scanned\n"
    assert _grants(project) == {"depwheel": ("network",)}  # no extra asked for
    assert (project / "pyproject.toml").read_text().startswith(PROJECT)

    done = permpip("policy", "init", "--force", "--extra", "cli", *url, cwd=project)
    assert done.returncode == 0, done.stderr
    assert _grants(project) == {"depwheel": ("network",), "extrawheel": ("env",)}
    done = permpip("policy", "init", "--force", "--all-extras", "--group", "dev", *url,
                   cwd=project)
    assert done.returncode == 0, done.stderr
    assert _grants(project) == {"depwheel": ("network",), "extrawheel": ("env",),
                                "setuptools": ("env",)}

    done = permpip("check", "--all-extras", "--group", "dev", *url, cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "allowed: 3 packages within the policy (policy: pyproject.toml)" in done.stdout
    done = permpip("check", "--extra", "nope", *url, cwd=project)
    assert (done.returncode, done.stderr) == (
        2, "error: myapp has no extra 'nope' (its extras: cli)\n")
    done = permpip("install", "--extra", "cli", *url, cwd=project)
    assert (done.returncode, done.stderr) == (2, (
        "error: --extra and --all-extras select optional dependencies of a pyproject.toml "
        "input (permpip check, permpip policy init), not of permpip install\n"
        "hint: install your project with its extras: permpip install '.[NAME]'\n"))
    done = permpip("check", "--extra", "cli", "requirements.txt", *url, cwd=project)
    assert (done.returncode, done.stderr) == (2, (
        "error: --extra and --all-extras select optional dependencies of a pyproject.toml "
        "input\nhint: permpip check pyproject.toml --extra NAME\n"))
