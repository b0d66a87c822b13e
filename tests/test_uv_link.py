"""gate.uv_link's verification of an unpacked copy against the wheel's members (unit)."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import zipfile
from pathlib import Path

import pytest

from gate.fetch import Fetched
from gate.model import Pin
from gate.uv_link import Linker, _members, _verify
from tests.builders import _record_hash


def _wheel(tmp_path: Path, *, dir_entry: bool = False, metadata: bool = True,
           purelib: str = "Root-Is-Purelib: true\n", record: str = "") -> Path:
    path = tmp_path / "demo-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("demo/__init__.py", "X = 1\n")
        if dir_entry:
            zf.writestr("demo/empty/", "")
        if metadata:
            zf.writestr("demo-1.0.dist-info/METADATA", "Name: demo\nVersion: 1.0\n")
        zf.writestr("demo-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\n" + purelib)
        zf.writestr("demo-1.0.dist-info/RECORD", record)
    return path


def _unpack(wheel: Path, root: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(root)


@pytest.fixture
def tmp(tmp_path: Path) -> Path:
    (tmp_path / "tmp").mkdir()
    return tmp_path / "tmp"


def test_an_exact_copy_is_witnessed(tmp_path: Path, tmp: Path) -> None:
    wheel = _wheel(tmp_path, dir_entry=True)
    files, dirs, dist_info, purelib = _members(wheel)
    assert files["demo/__init__.py"] == hashlib.sha256(b"X = 1\n").hexdigest()
    assert dirs == {"demo/empty"} and dist_info == "demo-1.0.dist-info" and purelib
    root = tmp_path / "a"
    _unpack(wheel, root)
    (root / "demo" / "__init__.py").chmod(0o666)  # a write bit for group and other
    got = _verify(root, files, dirs, tmp)
    assert got is not None
    names = [e[0] for e in got["entries"]]
    assert names == ["", "demo", "demo-1.0.dist-info", "demo/empty",
                     "demo-1.0.dist-info/METADATA", "demo-1.0.dist-info/RECORD",
                     "demo-1.0.dist-info/WHEEL", "demo/__init__.py"]
    assert stat.S_IMODE((root / "demo" / "__init__.py").stat().st_mode) == 0o644  # removed
    assert got["uid"] == os.geteuid()


@pytest.mark.parametrize("change", ["bytes", "extra file", "extra dir", "missing", "symlink"])
def test_anything_but_the_wheel_is_refused(tmp_path: Path, tmp: Path, change: str) -> None:
    wheel = _wheel(tmp_path)
    files, dirs, _info, _pure = _members(wheel)
    root = tmp_path / "a"
    _unpack(wheel, root)
    init = root / "demo" / "__init__.py"
    if change == "bytes":
        init.write_text("X = 2\n")
    elif change == "extra file":
        (root / "evil.pth").write_text("import os\n")
    elif change == "extra dir":
        (root / "evil").mkdir()
    elif change == "missing":
        init.unlink()
    else:
        init.unlink()
        init.symlink_to(tmp_path / "elsewhere.py")
    assert _verify(root, files, dirs, tmp) is None


def test_record_hashes_are_used_and_a_lie_never_verifies(tmp_path: Path, tmp: Path) -> None:
    """A RECORD row's sha256 stands for the member (no second inflate); one that is not the
    member's bytes makes uv's faithful copy fail verification: never linked."""
    def row(name: str, data: bytes) -> str:
        return f"{name},{_record_hash(data)},{len(data)}\n"

    path = _wheel(tmp_path, metadata=False,
                  record=row("demo/__init__.py", b"import os; os.system('x')\n")  # a lie
                  + "demo-1.0.dist-info/RECORD,,\n")
    files, dirs, _info, _pure = _members(path)
    assert files["demo/__init__.py"] == hashlib.sha256(b"import os; os.system('x')\n").hexdigest()
    root = tmp_path / "a"
    _unpack(path, root)
    assert _verify(root, files, dirs, tmp) is None


def test_root_is_purelib_is_its_first_value(tmp_path: Path) -> None:
    """A duplicated Root-Is-Purelib header is read as pip, uv and the scanner's layout read
    it (gate.layout): the first value."""
    path = _wheel(tmp_path, metadata=False,
                  purelib="Root-Is-Purelib: false\nRoot-Is-Purelib: true\n")
    *_rest, purelib = _members(path)
    assert purelib is False


@pytest.mark.parametrize("missing", ["dev", "uid", "dist_info", "purelib"])
def test_a_malformed_manifest_is_no_manifest(tmp_path: Path, missing: str) -> None:
    """A manifest without a field ``finish`` reads is not used (and no traceback): the
    wheel is handed to uv from a new generation, to be unpacked and verified again."""
    wheel = _wheel(tmp_path)
    sha = hashlib.sha256(wheel.read_bytes()).hexdigest()
    linker = Linker(tmp_path / "cache")
    manifest = {"schema": "uv-link-2", "sha256": sha, "gen": "g0", "archive": "a0",
                "entries": [], "dev": os.stat(tmp_path).st_dev, "uid": os.geteuid(),
                "dist_info": "demo-1.0.dist-info", "purelib": True}
    where = linker.uv / "verified" / sha[:2] / f"{sha}.json"
    where.parent.mkdir(parents=True)
    where.write_text(json.dumps(manifest))
    pin = Pin(name="demo", version="1.0", url=wheel.as_uri(), filename=wheel.name,
              sha256=sha, is_wheel=True)
    [kept] = linker.prepare([Fetched(pin=pin, path=wheel)])
    assert kept.manifest == manifest and kept.gen == "g0"  # (the whole one is used)
    del manifest[missing]
    where.write_text(json.dumps(manifest))
    [w] = linker.prepare([Fetched(pin=pin, path=wheel)])
    assert w.manifest is None and w.gen != "g0"
