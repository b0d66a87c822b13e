"""gate.archive: hostile archives are refused with one clear line, never read past limits."""

from __future__ import annotations

import gzip
import io
import struct
import tarfile
import warnings
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gate.archive import Limits, read_archive
from gate.errors import ScanError
from gate.scan import scan_artifact
from tests.builders import build_sdist, build_wheel


def make_zip(path: Path, files: dict[str, bytes],
             method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", method) as zf:
        for name, data in files.items():
            zf.writestr(zipfile.ZipInfo(name), data, compress_type=method)
    return path


def make_tar(path: Path, infos: list[tuple[tarfile.TarInfo, bytes | None]]) -> Path:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tf:
        for info, data in infos:
            tf.addfile(info, io.BytesIO(data) if data is not None else None)
    path.write_bytes(gzip.compress(raw.getvalue()))
    return path


def tar_file(name: str, data: bytes) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def refused(path: Path, limits: Limits | None = None) -> str:
    with pytest.raises(ScanError) as exc:
        read_archive(path, limits=limits or Limits())
    return str(exc.value)


def test_reads_members_lazily(tmp_path: Path) -> None:
    whl = make_zip(tmp_path / "a.whl", {"a/__init__.py": b"x = 1\n", "a/data.bin": b"\0" * 10})
    with read_archive(whl) as ar:
        assert [(m.name, m.size) for m in ar.members] == [("a/__init__.py", 6),
                                                         ("a/data.bin", 10)]
        member = ar.get("a/__init__.py")
        assert member is not None
        assert ar.read(member) == b"x = 1\n"
        assert ar.read_at(member, 2, 3) == b"= 1"
        assert ar.read_at(member, 5, 100) == b"\n"


def test_zip_bomb(tmp_path: Path) -> None:
    bomb = make_zip(tmp_path / "bomb-1.0-py3-none-any.whl", {"bomb.txt": b"\0" * (20 << 20)})
    info = zipfile.ZipFile(bomb).getinfo("bomb.txt")
    ratio = info.file_size // info.compress_size
    assert refused(bomb) == (f"bomb-1.0-py3-none-any.whl: member 'bomb.txt' expands "
                             f"{ratio}:1 (limit 200:1), a zip bomb")


def test_path_traversal(tmp_path: Path) -> None:
    whl = make_zip(tmp_path / "x.whl", {"../evil.py": b"import os\n"})
    assert refused(whl) == "x.whl: member '../evil.py' escapes the archive (path traversal)"


def test_nested_traversal_after_dot_parts(tmp_path: Path) -> None:
    whl = make_zip(tmp_path / "x.whl", {"a/./../../evil.py": b""})
    assert refused(whl) == ("x.whl: member 'a/./../../evil.py' escapes the archive "
                            "(path traversal)")


@pytest.mark.parametrize("name", ["/etc/evil.py", "C:/evil.py", "\\evil.py"])
def test_absolute_path_zip(tmp_path: Path, name: str) -> None:
    whl = make_zip(tmp_path / "x.whl", {name: b""})
    assert refused(whl) == f"x.whl: member '{name}' has an absolute path"


def test_absolute_path_tar(tmp_path: Path) -> None:
    sdist = make_tar(tmp_path / "x-1.0.tar.gz", [tar_file("/etc/cron.d/x", b"")])
    assert refused(sdist) == "x-1.0.tar.gz: member '/etc/cron.d/x' has an absolute path"


def test_tar_symlink_outside(tmp_path: Path) -> None:
    link = tarfile.TarInfo("x-1.0/setup.py")
    link.type, link.linkname = tarfile.SYMTYPE, "../../../etc/passwd"
    sdist = make_tar(tmp_path / "x-1.0.tar.gz", [(link, None)])
    assert refused(sdist) == ("x-1.0.tar.gz: link 'x-1.0/setup.py' points outside the "
                              "archive ('../../../etc/passwd')")


def test_tar_symlink_inside_is_a_member_with_target(tmp_path: Path) -> None:
    link = tarfile.TarInfo("x-1.0/b.py")
    link.type, link.linkname = tarfile.SYMTYPE, "a.py"
    sdist = make_tar(tmp_path / "x-1.0.tar.gz", [tar_file("x-1.0/a.py", b"x = 1\n"),
                                                 (link, None)])
    with read_archive(sdist) as ar:
        b = ar.get("x-1.0/b.py")
        assert b is not None and b.link_target == "x-1.0/a.py"


def test_zip_symlink(tmp_path: Path) -> None:
    path = tmp_path / "x.whl"
    with zipfile.ZipFile(path, "w") as zf:
        info = zipfile.ZipInfo("a/link.py")
        info.create_system = 3
        info.external_attr = (0o120777 << 16)
        zf.writestr(info, "/etc/passwd")
    assert refused(path) == "x.whl: member 'a/link.py' is a symlink"


def test_tar_device_file(tmp_path: Path) -> None:
    dev = tarfile.TarInfo("x-1.0/null")
    dev.type = tarfile.CHRTYPE
    sdist = make_tar(tmp_path / "x-1.0.tar.gz", [(dev, None)])
    assert refused(sdist) == "x-1.0.tar.gz: member 'x-1.0/null' is a device or special file"


def test_duplicate_names_zip(tmp_path: Path) -> None:
    path = tmp_path / "x.whl"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("a/__init__.py", "x = 1\n")
            zf.writestr("a/__init__.py", "import os\n")
    assert refused(path) == "x.whl: duplicate member 'a/__init__.py'"


def test_duplicate_names_zip_after_normalising(tmp_path: Path) -> None:
    whl = make_zip(tmp_path / "x.whl", {"a/b.py": b"", "a/./b.py": b""})
    assert refused(whl) == "x.whl: duplicate member 'a/b.py'"


def test_duplicate_names_tar(tmp_path: Path) -> None:
    sdist = make_tar(tmp_path / "x-1.0.tar.gz", [tar_file("x-1.0/setup.py", b""),
                                                 tar_file("x-1.0/setup.py", b"import os")])
    assert refused(sdist) == "x-1.0.tar.gz: duplicate member 'x-1.0/setup.py'"


def test_central_directory_name_differs_from_local_header(tmp_path: Path) -> None:
    whl = make_zip(tmp_path / "x.whl", {"a/good.py": b"x = 1\n"})
    data = whl.read_bytes()
    whl.write_bytes(data.replace(b"a/good.py", b"a/evil.py", 1))  # the local header only
    assert refused(whl) == ("x.whl: member 'a/good.py': local header names it 'a/evil.py' "
                            "(central directory and local headers disagree)")


def test_central_directory_sizes_differ_from_local_header(tmp_path: Path) -> None:
    whl = make_zip(tmp_path / "x.whl", {"a.py": b"x = 1\n"}, method=zipfile.ZIP_STORED)
    data = bytearray(whl.read_bytes())
    struct.pack_into("<I", data, 22, 5000)  # local header: uncompressed size
    whl.write_bytes(bytes(data))
    assert refused(whl) == ("x.whl: member 'a.py': sizes differ between central directory "
                            "(6/6) and local header (6/5000)")


def test_overlapping_members(tmp_path: Path) -> None:
    whl = make_zip(tmp_path / "x.whl", {"a.py": b"x" * 100, "b.py": b"y" * 100},
                   method=zipfile.ZIP_STORED)
    data = bytearray(whl.read_bytes())
    cd = data.index(b"PK\x01\x02", data.index(b"PK\x01\x02") + 4)  # b.py's central entry
    struct.pack_into("<I", data, cd + 42, 0)  # points at a.py's local header
    whl.write_bytes(bytes(data))
    message = refused(whl)
    assert message.startswith("x.whl: member ")
    assert "disagree" in message or "overlaps" in message


def test_tar_huge_declared_member(tmp_path: Path) -> None:
    huge = tarfile.TarInfo("x-1.0/huge.py")
    huge.size = 10 << 30
    sdist = make_tar(tmp_path / "x-1.0.tar.gz", [(huge, None)])
    assert refused(sdist) == (f"x-1.0.tar.gz: member 'x-1.0/huge.py' declares {10 << 30} "
                              f"bytes (limit {4 << 30})")


def test_gzip_bomb(tmp_path: Path) -> None:
    sdist = make_tar(tmp_path / "x-1.0.tar.gz", [tar_file("x-1.0/zeros.py", b"\0" * (30 << 20))])
    bound = sdist.stat().st_size * 200 + (1 << 20)
    assert refused(sdist) == (f"x-1.0.tar.gz: decompresses to more than {bound} bytes "
                              f"(limit 200:1), a gzip bomb")


def test_member_count_limit(tmp_path: Path) -> None:
    whl = make_zip(tmp_path / "x.whl", {f"m{i}.py": b"" for i in range(5)})
    assert refused(whl, Limits(max_members=3)) == "x.whl: 5 members (limit 3)"


def test_total_size_limit(tmp_path: Path) -> None:
    whl = make_zip(tmp_path / "x.whl", {"a.py": b"a" * 60, "b.py": b"b" * 60})
    assert refused(whl, Limits(max_total_size=100)) == ("x.whl: members declare 120 bytes in "
                                                        "all (limit 100)")


def test_read_limit(tmp_path: Path) -> None:
    whl = make_zip(tmp_path / "x.whl", {"a.py": b"a" * 100})
    with read_archive(whl) as ar:
        member = ar.members[0]
        with pytest.raises(ScanError, match=r"^x.whl: member 'a.py' is too large to read "
                                            r"\(100 bytes, limit 10\)$"):
            ar.read(member, limit=10)


def test_nested_depth(tmp_path: Path) -> None:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("deep.zip", make_zip(tmp_path / "deep.zip", {"x.py": b""}).read_bytes())
    whl = make_zip(tmp_path / "x.whl", {"inner.zip": inner.getvalue()})
    with read_archive(whl, limits=Limits(max_depth=1)) as ar:
        with ar.nested(ar.members[0]) as level1:
            assert [m.name for m in level1.members] == ["deep.zip"]
            with pytest.raises(ScanError) as exc:
                level1.nested(level1.members[0])
    assert str(exc.value) == ("x.whl!inner.zip: archive 'deep.zip' is nested more than "
                              "1 levels deep")


def test_truncated_zip(tmp_path: Path) -> None:
    whl = build_wheel(tmp_path, "x", "1.0", {"x/__init__.py": "import os\n" * 100})
    whl.write_bytes(whl.read_bytes()[:200])
    assert refused(whl).startswith("x-1.0-py3-none-any.whl: not a readable zip archive (")


def test_truncated_tar(tmp_path: Path) -> None:
    sdist = build_sdist(tmp_path, "x", "1.0", {"setup.py": "import os\n" * 1000})
    sdist.write_bytes(sdist.read_bytes()[:100])
    assert refused(sdist).startswith("x-1.0.tar.gz: not a readable .tar.gz archive (")


def test_not_gzip(tmp_path: Path) -> None:
    sdist = tmp_path / "x-1.0.tar.gz"
    sdist.write_bytes(b"hello")
    assert refused(sdist).startswith("x-1.0.tar.gz: not a readable .tar.gz archive (")


def test_corrupt_member_data_fails_on_read(tmp_path: Path) -> None:
    whl = make_zip(tmp_path / "x.whl", {"a.py": b"x = 1\n" * 50})
    data = bytearray(whl.read_bytes())
    start = 30 + len(b"a.py")
    data[start + 5] ^= 0xFF  # corrupt the deflate stream, headers intact
    whl.write_bytes(bytes(data))
    with read_archive(whl) as ar:
        with pytest.raises(ScanError, match=r"^x.whl: cannot read 'a.py': "):
            ar.read(ar.members[0])


def test_altered_member_fails_its_crc_check(tmp_path: Path) -> None:
    whl = make_zip(tmp_path / "x.whl", {"a.py": b"x = 1\n"}, method=zipfile.ZIP_STORED)
    data = bytearray(whl.read_bytes())
    data[30 + len(b"a.py")] = ord("y")  # stored bytes changed, CRC in the headers kept
    whl.write_bytes(bytes(data))
    with read_archive(whl) as ar:
        with pytest.raises(ScanError) as exc:
            ar.read(ar.members[0])
    assert str(exc.value) == ("x.whl: cannot read 'a.py': CRC-32 mismatch "
                              "(corrupt or altered data)")


def _declare_size(data: bytearray, name: bytes, size: int) -> None:
    """Set a member's uncompressed size in its local header and central directory entry."""
    struct.pack_into("<I", data, 22, size)
    cd = data.index(b"PK\x01\x02")
    assert data[cd + 46:cd + 46 + len(name)] == name
    struct.pack_into("<I", data, cd + 24, size)


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
def test_member_larger_than_declared_is_refused_on_read(tmp_path: Path, method: int) -> None:
    whl = make_zip(tmp_path / "x.whl", {"a.py": b"import os\n" * 20}, method=method)
    data = bytearray(whl.read_bytes())
    _declare_size(data, b"a.py", 10)  # 200 bytes inside, 10 declared
    whl.write_bytes(bytes(data))
    with read_archive(whl) as ar:
        with pytest.raises(ScanError) as exc:
            ar.read(ar.members[0])
    assert str(exc.value) == (
        "x.whl: member 'a.py' holds more data than its declared size 10"
        if method == zipfile.ZIP_DEFLATED
        else "x.whl: member 'a.py' holds 200 bytes, not its declared size 10")


def test_member_smaller_than_declared_is_refused_on_read(tmp_path: Path) -> None:
    whl = make_zip(tmp_path / "x.whl", {"a.py": b"import os\n" * 20})
    data = bytearray(whl.read_bytes())
    _declare_size(data, b"a.py", 500)
    whl.write_bytes(bytes(data))
    with read_archive(whl) as ar:
        with pytest.raises(ScanError) as exc:
            ar.read(ar.members[0])
    assert str(exc.value) == "x.whl: member 'a.py' holds 200 bytes, not its declared size 500"


def test_encrypted_member(tmp_path: Path) -> None:
    whl = make_zip(tmp_path / "x.whl", {"a.py": b"x"}, method=zipfile.ZIP_STORED)
    data = bytearray(whl.read_bytes())
    cd = data.index(b"PK\x01\x02")
    data[cd + 8] |= 1
    data[6] |= 1
    whl.write_bytes(bytes(data))
    assert refused(whl) == "x.whl: member 'a.py' is encrypted"


def test_no_such_file(tmp_path: Path) -> None:
    assert refused(tmp_path / "gone.whl") == "gone.whl: cannot open: No such file or directory"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=400), flips=st.lists(st.tuples(st.integers(0, 10_000),
                                                               st.integers(1, 255)),
                                                     max_size=6))
def test_garbage_and_mutated_archives_only_raise_scan_error(
        tmp_path_factory: pytest.TempPathFactory, data: bytes,
        flips: list[tuple[int, int]]) -> None:
    tmp = tmp_path_factory.mktemp("fuzz")
    whl = build_wheel(tmp, "fz", "1.0", {"fz/__init__.py": "import os\nos.getcwd()\n",
                                         "fz/x.pth": "import os\n"})
    sdist = build_sdist(tmp, "fz", "1.0", {"setup.py": "import os\n", "fz/a.py": "x = 1\n"})
    for artifact in (whl, sdist):
        raw = bytearray(artifact.read_bytes())
        for pos, xor in flips:
            raw[pos % len(raw)] ^= xor
        artifact.write_bytes(bytes(raw))
        try:
            scan_artifact(artifact)
        except ScanError:
            pass
    junk = tmp / "junk-1.0-py3-none-any.whl"
    junk.write_bytes(data)
    with pytest.raises(ScanError):
        scan_artifact(junk)


@settings(max_examples=400, deadline=None)
@given(name=st.text(alphabet="a./\\:", min_size=1, max_size=9))
def test_check_name_fast_path_agrees_with_the_full_rule(name: str) -> None:
    """Plain names skip the split; the answer must be the one the full rule gives."""
    from gate.archive import check_name

    def full_rule(n: str) -> str | None:
        if n.startswith(("/", "\\")) or (len(n) > 1 and n[1] == ":"):
            return None
        parts = [p for p in n.replace("\\", "/").split("/") if p not in ("", ".")]
        return None if ".." in parts else "/".join(parts)

    try:
        got: str | None = check_name("x.whl", name)
    except ScanError:
        got = None
    assert got == full_rule(name)
