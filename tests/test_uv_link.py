"""gate.uv_link's verification of an unpacked copy against the wheel's members (unit)."""

from __future__ import annotations

import hashlib
import os
import stat
import zipfile
from pathlib import Path

import pytest

from gate.uv_link import _members, _verify


def _wheel(tmp_path: Path, *, dir_entry: bool = False) -> Path:
    path = tmp_path / "demo-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("demo/__init__.py", "X = 1\n")
        if dir_entry:
            zf.writestr("demo/empty/", "")
        zf.writestr("demo-1.0.dist-info/METADATA", "Name: demo\nVersion: 1.0\n")
        zf.writestr("demo-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\n")
        zf.writestr("demo-1.0.dist-info/RECORD", "")
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
    import base64

    def row(name: str, data: bytes) -> str:
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
        return f"{name},sha256={digest.decode()},{len(data)}\n"

    path = tmp_path / "demo-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("demo/__init__.py", "X = 1\n")
        zf.writestr("demo-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\n")
        zf.writestr("demo-1.0.dist-info/RECORD",
                    row("demo/__init__.py", b"import os; os.system('x')\n")  # a lie
                    + "demo-1.0.dist-info/RECORD,,\n")
    files, dirs, _info, _pure = _members(path)
    assert files["demo/__init__.py"] == hashlib.sha256(b"import os; os.system('x')\n").hexdigest()
    root = tmp_path / "a"
    _unpack(path, root)
    assert _verify(root, files, dirs, tmp) is None
