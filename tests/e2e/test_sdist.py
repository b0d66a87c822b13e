"""An sdist whose build writes a marker file: the marker appears only with install-hooks.

The sdist uses an in-tree build backend (``backend-path``, ``requires = []``) so a granted
build needs nothing from the network; the backend writes the marker when imported.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from gate._subprocess import Completed
from tests.builders import build_sdist, build_wheel
from tests.conftest import installed, write_policy
from tests.index import SubIndex

pytestmark = pytest.mark.e2e

Permpip = Callable[..., Completed]

BACKEND = '''\
import base64, hashlib, os, zipfile
with open({marker!r}, "a") as f:
    f.write("build backend ran\\n")

META = "Metadata-Version: 2.1\\nName: markpkg\\nVersion: 1.0\\n"
WHEEL = "Wheel-Version: 1.0\\nGenerator: t\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"


def get_requires_for_build_wheel(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    files = {{"markpkg/__init__.py": b"", "markpkg-1.0.dist-info/METADATA": META.encode(),
             "markpkg-1.0.dist-info/WHEEL": WHEEL.encode()}}
    record = ""
    for p, d in files.items():
        h = base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b"=").decode()
        record += f"{{p}},sha256={{h}},{{len(d)}}\\n"
    record += "markpkg-1.0.dist-info/RECORD,,\\n"
    name = "markpkg-1.0-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as zf:
        for p, d in files.items():
            zf.writestr(p, d)
        zf.writestr("markpkg-1.0.dist-info/RECORD", record)
    return name
'''

PYPROJECT = """\
[build-system]
requires = []
build-backend = "backend"
backend-path = ["."]

[project]
name = "markpkg"
version = "1.0"
"""

GRANT = ["install-hooks", "fs-write", "fs-read", "env"]


def publish_markpkg(index: SubIndex, dist: Path, marker: Path) -> Path:
    """``markpkg-1.0.tar.gz`` (in-tree backend writing ``marker``), served and on disk."""
    path = build_sdist(dist, "markpkg", "1.0", {"pyproject.toml": PYPROJECT,
                                                "backend.py": BACKEND.format(marker=str(marker))})
    index.publish(path)
    return path


@pytest.fixture
def sdist(tmp_path: Path, marker: Path, index: SubIndex) -> Path:
    path = publish_markpkg(index, tmp_path / "dist", marker)
    index.publish(build_wheel(tmp_path / "dist", "app", "1.0", {"app/__init__.py": ""},
                              requires=["markpkg"]))
    return path


def test_refused_without_grant_through_install_and_check(
    index: SubIndex, sdist: Path, marker: Path, tmp_path: Path, make_venv,  # type: ignore[no-untyped-def]
    permpip: Permpip,
) -> None:
    project = tmp_path / "project"
    write_policy(project, {})
    py = make_venv()
    done = permpip("install", "--python", str(py), "--index-url", index.url, "app",
                   "--no-cache", cwd=project)
    assert done.returncode == 1, done.stderr
    out = done.stdout + done.stderr
    assert "install-hooks" in out and "markpkg" in out
    assert "permpip policy allow markpkg" in out
    assert installed(py) == {}
    (project / "requirements.txt").write_text("app\n")
    done = permpip("check", "--python", str(py), "--index-url", index.url, "--no-cache",
                   cwd=project)
    assert done.returncode == 1, done.stderr
    # a hashed lockfile pinning only the sdist: refused the same way
    sha = hashlib.sha256(sdist.read_bytes()).hexdigest()
    (project / "requirements.txt").write_text(f"markpkg==1.0 --hash=sha256:{sha}\n")
    done = permpip("install", "--python", str(py), "-r", "requirements.txt", "--index-url",
                   index.url, "--no-cache", cwd=project)
    assert done.returncode == 1, done.stderr
    assert installed(py) == {}
    assert not marker.exists()


def test_granted_build_runs_offline_and_installs(
    index: SubIndex, sdist: Path, marker: Path, tmp_path: Path, make_venv,  # type: ignore[no-untyped-def]
    permpip: Permpip, hermetic_env: dict[str, str],
) -> None:
    project = tmp_path / "project"
    write_policy(project, {"markpkg": GRANT})
    py = make_venv()
    tmp = tmp_path / "tmp"  # permpip's temporary directories: none may be left behind
    tmp.mkdir()
    done = permpip("install", "--python", str(py), "--index-url", index.url, "app",
                   "--no-cache", cwd=project, env=hermetic_env | {"TMPDIR": str(tmp)})
    assert done.returncode == 0, done.stderr + done.stdout
    assert installed(py) == {"app": "1.0", "markpkg": "1.0"}
    assert marker.read_text().startswith("build backend ran\n")
    assert sorted(p.name for p in tmp.iterdir() if p.name.startswith("permpip")) == []


def test_granted_build_from_hashed_lockfile(
    index: SubIndex, sdist: Path, marker: Path, tmp_path: Path, make_venv,  # type: ignore[no-untyped-def]
    permpip: Permpip,
) -> None:
    project = tmp_path / "project"
    write_policy(project, {"markpkg": GRANT})
    sha = hashlib.sha256(sdist.read_bytes()).hexdigest()
    (project / "requirements.txt").write_text(f"markpkg==1.0 --hash=sha256:{sha}\n")
    py = make_venv()
    done = permpip("install", "--python", str(py), "-r", "requirements.txt", "--index-url",
                   index.url, "--no-cache", cwd=project)
    assert done.returncode == 0, done.stderr + done.stdout
    assert installed(py) == {"markpkg": "1.0"}
    assert marker.exists()
