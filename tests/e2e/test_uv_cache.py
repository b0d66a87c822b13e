"""The uv backend's warm path (issue #15): uv keeps its unpacked wheels in a cache private to
permpip (``CACHE/permpip/uv``) and reads each verified file from a find-links directory
keyed by its sha256 (``CACHE/permpip/uv/links/<aa>/<sha256>/``), so a second install links
uv's unpacked copy instead of unzipping again. It must install exactly what the cold run
installed, never share an inode with uv's cache (a write to an installed file would change
the next install), and never hand uv bytes other than the verified ones."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from gate._subprocess import Completed
from tests.builders import build_wheel
from tests.conftest import installed, write_policy
from tests.index import SubIndex

pytestmark = pytest.mark.e2e

Permpip = Callable[..., Completed]
MakeVenv = Callable[..., Path]


def _tree(python: Path) -> dict[str, bytes]:
    site = next(python.parent.parent.glob("lib/python*/site-packages"))
    return {str(p.relative_to(site)): p.read_bytes() for p in sorted(site.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts}


@pytest.fixture
def locked(index: SubIndex, tmp_path: Path) -> Path:
    """A project with a hashed lock of two wheels and a policy granting what they use."""
    index.publish(build_wheel(tmp_path / "dist", "warmlib", "1.0", {
        "warmlib/__init__.py": "import os\nHOME = os.environ.get('HOME')\n",
        "warmlib/data.txt": "original\n"}))
    index.publish(build_wheel(tmp_path / "dist", "warmdep", "2.0", {
        "warmdep/__init__.py": "X = 1\n"}))
    project = tmp_path / "project"
    write_policy(project, {"warmlib": {"allow": ["env"], "at-import": ["env"]}})
    (project / "requirements.txt").write_text("".join(
        f"{n}=={v} --hash=sha256:{index.sha256(f'{n}-{v}-py3-none-any.whl')}\n"
        for n, v in (("warmlib", "1.0"), ("warmdep", "2.0"))))
    return project


def _install(permpip: Permpip, index: SubIndex, project: Path, py: Path,
             cache: Path) -> Completed:
    done = permpip("install", "--backend", "uv", "--python", str(py), "-i", index.url,
                   "--cache-dir", str(cache), "-r", "requirements.txt", cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def test_warm_install_is_the_cold_install_from_a_private_cache(
        index: SubIndex, locked: Path, tmp_path: Path, make_venv: MakeVenv,
        permpip: Permpip) -> None:
    cache = tmp_path / "cache"
    cold, warm = make_venv("cold"), make_venv("warm")
    _install(permpip, index, locked, cold, cache)
    uv_cache = cache / "permpip" / "uv"
    archives = sorted(p.name for p in (uv_cache / "archive-v0").iterdir())
    assert len(archives) == 2  # uv unpacked both wheels into permpip's cache
    sha = index.sha256("warmlib-1.0-py3-none-any.whl")
    link = uv_cache / "links" / sha[:2] / sha / "warmlib-1.0-py3-none-any.whl"
    assert os.path.samefile(link, next((cache / "permpip" / "files").rglob(link.name)))
    _install(permpip, index, locked, warm, cache)
    assert sorted(p.name for p in (uv_cache / "archive-v0").iterdir()) == archives  # reused
    assert installed(warm) == installed(cold) == {"warmlib": "1.0", "warmdep": "2.0"}
    assert _tree(warm) == _tree(cold)
    # copies, not hard links into uv's cache
    site = next(warm.parent.parent.glob("lib/python*/site-packages"))
    assert (site / "warmlib" / "data.txt").stat().st_nlink == 1


def test_a_write_to_an_installed_file_does_not_reach_the_next_install(
        index: SubIndex, locked: Path, tmp_path: Path, make_venv: MakeVenv,
        permpip: Permpip) -> None:
    cache = tmp_path / "cache"
    first, second = make_venv("first"), make_venv("second")
    _install(permpip, index, locked, first, cache)
    site = next(first.parent.parent.glob("lib/python*/site-packages"))
    with (site / "warmlib" / "data.txt").open("r+b") as f:  # in place: the same inode
        f.write(b"tampered")
    _install(permpip, index, locked, second, cache)
    site2 = next(second.parent.parent.glob("lib/python*/site-packages"))
    assert (site2 / "warmlib" / "data.txt").read_bytes() == b"original\n"


def test_tampered_files_in_the_cache_are_not_installed(
        index: SubIndex, locked: Path, tmp_path: Path, make_venv: MakeVenv,
        permpip: Permpip) -> None:
    """permpip's cached file is re-hashed (a changed one is fetched again); the find-links
    entry handed to uv is checked to be that verified file and replaced when it is not."""
    cache = tmp_path / "cache"
    _install(permpip, index, locked, make_venv("first"), cache)
    name = "warmlib-1.0-py3-none-any.whl"
    sha = index.sha256(name)
    evil = build_wheel(tmp_path / "evil", "warmlib", "1.0", {
        "warmlib/__init__.py": "import os\nos.system('echo pwned')\n",
        "warmlib/data.txt": "evil\n"})
    cached = next((cache / "permpip" / "files").rglob(name))
    cached.write_bytes(evil.read_bytes())  # in place: the link shares the inode
    link = cache / "permpip" / "uv" / "links" / sha[:2] / sha / name
    py = make_venv("second")
    _install(permpip, index, locked, py, cache)
    site = next(py.parent.parent.glob("lib/python*/site-packages"))
    assert (site / "warmlib" / "data.txt").read_bytes() == b"original\n"
    # the link was replaced by a new one to the verified file (not an edited copy)
    link.unlink()
    link.write_bytes(evil.read_bytes())
    st = cached.stat()
    os.utime(link, ns=(st.st_atime_ns, st.st_mtime_ns))  # the mtime uv keys by
    py3 = make_venv("third")
    _install(permpip, index, locked, py3, cache)
    assert os.path.samefile(link, next((cache / "permpip" / "files").rglob(name)))
    site3 = next(py3.parent.parent.glob("lib/python*/site-packages"))
    assert (site3 / "warmlib" / "data.txt").read_bytes() == b"original\n"
