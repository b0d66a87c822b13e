"""Bomb limits that real wheels pass (issue #12): ``permpip scan`` reads a wheel built like
pillow 13's and the real wheels the old per-member ratio refused, and still refuses hostile
archives with exit 3 and one line naming the file, the member and the limit."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from gate.__main__ import main
from gate.archive import read_archive
from tests.builders import build_wheel
from tests.test_archive import (
    FLOOR,
    _deflated_zeros,
    deflate,
    gzip_tar_of_zeros,
    raw_zip,
    zeros_member,
)

PYPI = Path("/opt/pypi/files")  # the real wheels the figures in gate/archive.py come from
PILLOW_LIB = "pillow.libs/libXau-154567c4.so.6.0.0"


def scan_refuses(path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """The one line ``permpip scan`` prints for ``path``, asserting exit 3 and no output."""
    assert main(["scan", str(path)]) == 3
    out, err = capsys.readouterr()
    assert out == "" and err.endswith("\n") and err.count("\n") == 1
    return err.removeprefix("error: ").removesuffix("\n")


def rewrap(whl: Path, *extra: tuple[str, bytes, int, int]) -> Path:
    """``whl`` rewritten member by member with ``raw_zip``, plus ``extra`` raw members."""
    with zipfile.ZipFile(whl) as zf:
        members = [(i.filename, *deflate(zf.read(i))) for i in zf.infolist()]
    return raw_zip(whl, [*members[:-1], *extra, members[-1]])  # RECORD stays last


def test_a_wheel_built_like_pillow_13_scans(tmp_path: Path) -> None:
    """pillow 13.0.0's libXau: 2.1 MB of mostly zeros deflated to 9 KB (223:1), refused as
    a zip bomb by the old 200:1 ratio above 1 MiB."""
    lib = b"\x7fELF\x02\x01\x01" + bytes(2_200_000) + b"\x01" * 64
    whl = build_wheel(tmp_path, "pillow", "13.0.0", {"PIL/__init__.py": "", PILLOW_LIB: lib},
                      tag="cp311-cp311-manylinux_2_28_x86_64")
    info = zipfile.ZipFile(whl).getinfo(PILLOW_LIB)
    assert info.file_size > 2 << 20 and info.file_size // info.compress_size > 223
    proc = subprocess.run([sys.executable, "-m", "gate", "scan", str(whl)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout == (
        "pillow 13.0.0  (pillow-13.0.0-cp311-cp311-manylinux_2_28_x86_64.whl): native\n"
        "  native: 1 line, all in bundled libraries (libXau-154567c4.so.6.0.0)\n"
        f"    {PILLOW_LIB}  shared library {PILLOW_LIB}  (import)  [bundled]\n")


@pytest.mark.parametrize(("wheel", "member", "ratio"), [
    # 2.4 MiB at 1015:1: the highest ratio of the 887 wheels, refused before
    ("onnx-1.23.1-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl",
     "onnx/backend/test/data/pytorch-operator/test_operator_conv/test_data_set_0/input_0.pb",
     1016),
    ("pooch-1.9.0-py3-none-any.whl", "pooch/tests/data/large-data.txt", 321),
    ("pillow-12.3.0-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl", None, 0),
])
def test_real_wheels_read_and_verify(wheel: str, member: str | None, ratio: int) -> None:
    path = PYPI / wheel
    if not path.exists():
        pytest.skip(f"{path} is not on this machine")
    with read_archive(path, verify=True) as ar:  # every member inflated and checked on close
        if member is not None:
            m = ar.get(member)
            assert m is not None and round(m.size / m.compressed_size) == ratio
            assert len(ar.read(m)) == m.size


def test_a_real_wheel_the_old_ratio_refused_scans(capsys: pytest.CaptureFixture[str]) -> None:
    path = PYPI / "onnx-1.23.1-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl"
    if not path.exists():
        pytest.skip(f"{path} is not on this machine")
    assert main(["scan", str(path)]) == 0
    assert capsys.readouterr().err == ""


def test_a_member_that_expands_past_the_floor(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    whl = raw_zip(tmp_path / "bomb-1.0-py3-none-any.whl", [zeros_member("bomb/zeros.bin", 80)])
    ratio = (80 << 20) // len(_deflated_zeros() * 80 + bytes(2))
    assert scan_refuses(whl, capsys) == (
        f"bomb-1.0-py3-none-any.whl: member 'bomb/zeros.bin' expands {ratio}:1 to {80 << 20} "
        f"bytes (limit 200:1 above {FLOOR} bytes), a zip bomb")


def test_a_member_declaring_gigabytes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stream, crc, _size = deflate(b"x")
    whl = raw_zip(tmp_path / "bomb-1.0-py3-none-any.whl",
                  [("bomb/big.bin", stream, crc, 0xFFFF_FFFE)])
    assert scan_refuses(whl, capsys) == (
        f"bomb-1.0-py3-none-any.whl: member 'bomb/big.bin' expands "
        f"{0xFFFF_FFFE // len(stream)}:1 to {0xFFFF_FFFE} bytes (limit 200:1 above {FLOOR} "
        f"bytes), a zip bomb")


def test_many_members_under_the_floor(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    whl = raw_zip(tmp_path / "bomb-1.0-py3-none-any.whl",
                  [zeros_member(f"bomb/part{i}.bin", 20) for i in range(4)])
    size = whl.stat().st_size
    assert scan_refuses(whl, capsys) == (
        f"bomb-1.0-py3-none-any.whl: members declare {80 << 20} bytes in all, "
        f"{(80 << 20) // size}:1 of its {size} bytes, 'bomb/part0.bin' the largest "
        f"(limit 200:1 above {FLOOR} bytes), a zip bomb")


def test_a_gzip_bomb(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sdist = gzip_tar_of_zeros(tmp_path / "bomb-1.0.tar.gz", "bomb-1.0/setup.py", 100)
    assert scan_refuses(sdist, capsys) == (
        f"bomb-1.0.tar.gz: decompresses to more than {FLOOR + (1 << 20)} bytes, reading "
        f"member 'bomb-1.0/setup.py' (limit 200:1 above {FLOOR} bytes, {8 << 30} in all), "
        f"a gzip bomb")


def test_a_nested_zip_bomb(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The scan reports a nested archive it cannot read as ``unanalyzed`` and goes on; a
    bomb inside one still stops it."""
    inner = raw_zip(tmp_path / "inner.zip", [zeros_member("zeros.py", 80)]).read_bytes()
    whl = build_wheel(tmp_path, "bomb", "1.0", {"bomb/__init__.py": "",
                                                "bomb/vendor.zip": inner})
    ratio = (80 << 20) // len(_deflated_zeros() * 80 + bytes(2))
    assert scan_refuses(whl, capsys) == (
        f"bomb-1.0-py3-none-any.whl!bomb/vendor.zip: member 'zeros.py' expands {ratio}:1 "
        f"to {80 << 20} bytes (limit 200:1 above {FLOOR} bytes), a zip bomb")


@pytest.mark.parametrize("name", ["bomb/data.bin", "bomb/tiny.dat", "bomb/mod.py"])
def test_a_member_whose_declared_size_lies_low(tmp_path: Path, name: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """Declares 10 bytes, inflates to 40 MiB: pip would write 10 bytes, uv all 40 MiB before
    it compares sizes. Whether the scan reads the member (code) or not (data; under 22 bytes
    it cannot end in a zip), it is refused."""
    stream, crc, _size = deflate(b"import os\n", 40)
    whl = build_wheel(tmp_path, "bomb", "1.0", {"bomb/__init__.py": ""})
    rewrap(whl, (name, stream, crc, 10))
    assert scan_refuses(whl, capsys) == (
        f"bomb-1.0-py3-none-any.whl: member '{name}' holds more data than its declared "
        f"size 10")
