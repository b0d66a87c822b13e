"""gate.archive: hostile archives are refused with one clear line, never read past limits."""

from __future__ import annotations

import functools
import gzip
import io
import re
import struct
import tarfile
import warnings
import zipfile
import zlib
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


# -- bombs: archives built from deflate streams of zeros compressed once (fast to build) -----

MB_OF_ZEROS = bytes(1 << 20)
FLOOR = 64 << 20  # Limits().ratio_floor


@functools.cache
def _deflated_zeros() -> bytes:
    """1 MiB of zeros as deflate blocks that end byte-aligned and refer to nothing before
    them (a full flush): repeated, they inflate to that many MiB of zeros."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(MB_OF_ZEROS) + c.flush(zlib.Z_FULL_FLUSH)


def deflate(*parts: bytes | int) -> tuple[bytes, int, int]:
    """(raw deflate stream, CRC-32, size) of ``parts``: bytes, or an int: so many MiB of
    zeros."""
    out, crc, size = [], 0, 0
    for part in parts:
        if isinstance(part, int):
            out.append(_deflated_zeros() * part)
            for _ in range(part):
                crc = zlib.crc32(MB_OF_ZEROS, crc)
            size += part << 20
        else:
            c = zlib.compressobj(9, zlib.DEFLATED, -15)
            out.append(c.compress(part) + c.flush(zlib.Z_FULL_FLUSH))
            crc = zlib.crc32(part, crc)
            size += len(part)
    return b"".join(out) + b"\x03\x00", crc, size  # the last, empty, final block


def raw_zip(path: Path, members: list[tuple[str, bytes, int, int]]) -> Path:
    """A plain zip of deflated members given as (name, deflate stream, CRC-32, declared
    size): the declared size is whatever the caller says."""
    local, central = bytearray(), bytearray()
    for name, stream, crc, size in members:
        raw = name.encode()
        central += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 0x314, 20, 0, 8, 0, 0x21, crc,
                               len(stream), size, len(raw), 0, 0, 0, 0, 0o100644 << 16,
                               len(local)) + raw
        local += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, len(stream),
                             size, len(raw), 0) + raw + stream
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members),
                      len(central), len(local), 0)
    path.write_bytes(bytes(local + central) + end)
    return path


def zeros_member(name: str, mib: int) -> tuple[str, bytes, int, int]:
    return (name, *deflate(mib))


def gzip_tar_of_zeros(path: Path, name: str, mib: int) -> Path:
    """A .tar.gz holding ``name``: ``mib`` MiB of zeros (one gzip member, built from
    deflate blocks compressed once)."""
    info = tarfile.TarInfo(name)
    info.size = mib << 20
    stream, crc, size = deflate(info.tobuf(format=tarfile.GNU_FORMAT), mib, bytes(1024))
    path.write_bytes(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + stream
                     + struct.pack("<2L", crc, size & 0xFFFFFFFF))
    return path


def test_the_bomb_builders_build_what_zipfile_and_tarfile_read(tmp_path: Path) -> None:
    whl = raw_zip(tmp_path / "z.whl", [zeros_member("z", 3), ("a.py", *deflate(b"x = 1\n"))])
    with zipfile.ZipFile(whl) as zf:
        assert zf.read("z") == bytes(3 << 20) and zf.read("a.py") == b"x = 1\n"
    with tarfile.open(gzip_tar_of_zeros(tmp_path / "t.tar.gz", "t/z", 2)) as tf:
        assert tf.extractfile("t/z").read() == bytes(2 << 20)  # type: ignore[union-attr]


def test_zip_bomb(tmp_path: Path) -> None:
    bomb = raw_zip(tmp_path / "bomb-1.0-py3-none-any.whl", [zeros_member("bomb.txt", 80)])
    info = zipfile.ZipFile(bomb).getinfo("bomb.txt")
    ratio = info.file_size // info.compress_size
    assert ratio > 1000
    assert refused(bomb) == (f"bomb-1.0-py3-none-any.whl: member 'bomb.txt' expands "
                             f"{ratio}:1 to {80 << 20} bytes (limit 200:1 above {FLOOR} "
                             f"bytes), a zip bomb")


def test_a_compressible_member_below_the_floor_is_read(tmp_path: Path) -> None:
    """pillow 13's pillow.libs/libXau-*.so.6.0.0: 2.1 MB stored deflated in 9 KB (223:1)."""
    lib = b"\x7fELF\x02\x01\x01" + bytes(2_100_000) + b"\x01" * 64
    whl = make_zip(tmp_path / "x.whl", {"pillow.libs/libXau-154567c4.so.6.0.0": lib})
    info = zipfile.ZipFile(whl).infolist()[0]
    assert info.file_size // info.compress_size > 223
    with read_archive(whl, verify=True) as ar:
        assert ar.read(ar.members[0]) == lib


def test_a_member_declaring_gigabytes(tmp_path: Path) -> None:
    stream, crc, _size = deflate(b"x")
    whl = raw_zip(tmp_path / "x.whl", [("big.bin", stream, crc, 0xF000_0000)])
    assert refused(whl) == (f"x.whl: member 'big.bin' expands {0xF000_0000 // len(stream)}:1 "
                            f"to {0xF000_0000} bytes (limit 200:1 above {FLOOR} bytes), a zip "
                            f"bomb")


def test_members_under_the_floor_whose_sum_is_a_bomb(tmp_path: Path) -> None:
    whl = raw_zip(tmp_path / "x.whl", [zeros_member(f"part{i}", 30) for i in range(3)])
    size = whl.stat().st_size
    assert refused(whl) == (f"x.whl: members declare {90 << 20} bytes in all, "
                            f"{(90 << 20) // size}:1 of its {size} bytes, 'part0' the largest "
                            f"(limit 200:1 above {FLOOR} bytes), a zip bomb")


def test_a_member_whose_declared_size_lies_low(tmp_path: Path) -> None:
    """Declares 10 bytes, inflates to 50 MiB: pip writes 10 bytes, uv all 50 MiB (then
    fails). The scan (verify) checks it on close, reading 11 bytes of it."""
    stream, crc, _size = deflate(50)
    whl = raw_zip(tmp_path / "x.whl", [("pkg/data.bin", stream, crc, 10),
                                       ("pkg/__init__.py", *deflate(b""))])
    archive = read_archive(whl, verify=True)
    with pytest.raises(ScanError) as exc:
        with archive:
            pass
    assert str(exc.value) == ("x.whl: member 'pkg/data.bin' holds more data than its declared "
                              "size 10")
    assert archive._budget.inflated == 11


def test_a_lie_found_by_a_partial_reader_that_goes_on_is_raised_on_close(tmp_path: Path) -> None:
    stream, crc, _size = deflate(1)
    whl = raw_zip(tmp_path / "x.whl", [("data.bin", stream, crc, 100)])
    with pytest.raises(ScanError) as exc:
        with read_archive(whl) as ar:
            with pytest.raises(ScanError):
                ar.read_at(ar.members[0], 50, 50)  # to its end: checked there
            assert ar.read_at(ar.members[0], 0, 10) == bytes(10)  # not to its end
    assert str(exc.value) == "x.whl: member 'data.bin' holds more data than its declared size 100"


def test_the_decompression_budget_stops_at_the_limit(tmp_path: Path) -> None:
    whl = raw_zip(tmp_path / "x.whl", [zeros_member("a.bin", 1), zeros_member("b.bin", 1)])
    message = ("x.whl: reading member 'b.bin' decompresses more than 1500000 bytes of the "
               "archive in all (limit 1500000), a zip bomb")
    archive = read_archive(whl, limits=Limits(max_inflate=1_500_000))
    with pytest.raises(ScanError) as exc:
        with archive as ar:
            assert ar.read(ar.members[0]) == MB_OF_ZEROS
            for _ in range(2):  # a caller that catches it and goes on is refused again
                with pytest.raises(ScanError, match=f"^{re.escape(message)}$"):
                    ar.read_at(ar.members[1], 0, 1 << 20)
    assert str(exc.value) == message
    assert archive._budget.inflated == 1_500_001


def test_nested_zip_bomb(tmp_path: Path) -> None:
    inner = raw_zip(tmp_path / "inner.zip", [zeros_member("zeros", 80)]).read_bytes()
    whl = make_zip(tmp_path / "x.whl", {"pkg/inner.zip": inner})
    message = (f"x.whl!pkg/inner.zip: member 'zeros' expands "
               f"{(80 << 20) // len(_deflated_zeros() * 80 + bytes(2))}:1 to {80 << 20} bytes "
               f"(limit 200:1 above {FLOOR} bytes), a zip bomb")
    with pytest.raises(ScanError) as exc:
        with read_archive(whl) as ar:
            with pytest.raises(ScanError, match="a zip bomb$"):
                ar.nested(ar.members[0])  # the scan reports it unanalyzed and goes on
    assert str(exc.value) == message


def test_nested_archives_count_against_the_same_total(tmp_path: Path) -> None:
    inner = make_zip(tmp_path / "inner.zip", {"a.py": b"a" * 600}).read_bytes()
    whl = make_zip(tmp_path / "x.whl", {"inner.zip": inner, "b.py": b"b" * 600})
    with pytest.raises(ScanError) as exc:
        with read_archive(whl, limits=Limits(max_total_size=1000)) as ar:
            for _ in range(2):  # counted once
                with pytest.raises(ScanError):
                    ar.nested(ar.members[0])
    assert str(exc.value) == (f"x.whl!inner.zip: members declare 600 bytes, "
                              f"{600 + 600 + len(inner)} in all with the archives around it "
                              f"(limit 1000)")


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


def tar_link(name: str, target: str, *, hard: bool = False) -> tuple[tarfile.TarInfo, None]:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = (tarfile.LNKTYPE if hard else tarfile.SYMTYPE), target
    return info, None


def tar_dir(name: str) -> tuple[tarfile.TarInfo, None]:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    return info, None


@pytest.mark.parametrize("infos", [
    # pip extracts in order: lnk/pyproject.toml is written through lnk, over pyproject.toml
    [tar_file("x-1.0/pyproject.toml", b""), tar_link("x-1.0/lnk", "."),
     tar_file("x-1.0/lnk/pyproject.toml", b"")],
    [tar_file("x-1.0/lnk/pyproject.toml", b""), tar_link("x-1.0/lnk", ".")],
    [tar_link("x-1.0/lnk", "docs"), tar_dir("x-1.0/lnk/sub")],
    [tar_link("x-1.0/lnk", "a.py"), tar_link("x-1.0/lnk/b.py", "../a.py"),
     tar_file("x-1.0/a.py", b"")],
])
def test_tar_member_inside_a_link(tmp_path: Path,
                                  infos: list[tuple[tarfile.TarInfo, bytes | None]]) -> None:
    sdist = make_tar(tmp_path / "x-1.0.tar.gz", infos)
    inside = next(i.name for i, _ in infos if i.name.startswith("x-1.0/lnk/"))
    assert refused(sdist) == (f"x-1.0.tar.gz: member '{inside}' is inside link 'x-1.0/lnk' "
                              f"(extracting it writes through the link)")


@pytest.mark.parametrize(("target", "shown"), [
    (".", "x-1.0"), ("docs", "x-1.0/docs"), ("docs/", "x-1.0/docs"), ("..", "."),
    ("empty", "x-1.0/empty")])
def test_tar_link_to_a_directory(tmp_path: Path, target: str, shown: str) -> None:
    sdist = make_tar(tmp_path / "x-1.0.tar.gz", [
        tar_file("x-1.0/docs/conf.py", b""), tar_dir("x-1.0/empty"),
        tar_link("x-1.0/pkg", target)])
    assert refused(sdist) == f"x-1.0.tar.gz: link 'x-1.0/pkg' points at a directory ('{shown}')"


def test_tar_link_to_nothing_or_a_cycle(tmp_path: Path) -> None:
    sdist = make_tar(tmp_path / "x-1.0.tar.gz", [tar_link("x-1.0/setup.py", "gone.py")])
    assert refused(sdist) == ("x-1.0.tar.gz: link 'x-1.0/setup.py' points at nothing in the "
                              "archive ('x-1.0/gone.py')")
    sdist = make_tar(tmp_path / "y-1.0.tar.gz", [tar_link("y-1.0/a", "b"),
                                                 tar_link("y-1.0/b", "a")])
    assert refused(sdist) == "y-1.0.tar.gz: link 'y-1.0/a' is part of a cycle of links"
    sdist = make_tar(tmp_path / "z-1.0.tar.gz", [tar_link("z-1.0/a", "b"), tar_dir("z-1.0/a")])
    assert refused(sdist) == "z-1.0.tar.gz: member 'z-1.0/a' is both a directory and a link"


def test_tar_links_lead_to_the_regular_file(tmp_path: Path) -> None:
    """Chains and hard links resolve to the file; a kept link's target is kept whatever
    its name and wherever it comes in the stream (read again when it came first)."""
    sdist = make_tar(tmp_path / "x-1.0.tar.gz", [
        tar_file("x-1.0/early.txt", b"early\n"),
        tar_link("x-1.0/setup.py", "early.txt"),
        tar_link("x-1.0/a.py", "b.py"), tar_link("x-1.0/b.py", "c.txt"),
        tar_file("x-1.0/c.txt", b"late\n"),
        tar_link("x-1.0/h.py", "x-1.0/c.txt", hard=True)])
    with read_archive(sdist, keep=lambda name: name.endswith(".py")) as ar:
        targets = {m.name: m.link_target for m in ar.members if m.link_target}
        assert targets == {"x-1.0/setup.py": "x-1.0/early.txt", "x-1.0/a.py": "x-1.0/c.txt",
                           "x-1.0/b.py": "x-1.0/c.txt", "x-1.0/h.py": "x-1.0/c.txt"}
        early, late = ar.get("x-1.0/early.txt"), ar.get("x-1.0/c.txt")
        assert early is not None and late is not None
        assert (ar.read(early), ar.read(late)) == (b"early\n", b"late\n")


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


@pytest.mark.parametrize("name", ["a/./b.py", "a//b.py", "./a/b.py", "a/b.py/."])
def test_zip_names_must_be_normal_paths(tmp_path: Path, name: str) -> None:
    # pip normalises (os.path.normpath), uv writes the name as it is
    whl = make_zip(tmp_path / "x.whl", {"a/c.py": b"", name: b""})
    assert refused(whl) == (f"x.whl: member '{name}' is not a normal path (read as "
                            f"'a/b.py' by some, as written by others)")


def test_duplicate_names_tar_after_normalising(tmp_path: Path) -> None:
    sdist = make_tar(tmp_path / "x-1.0.tar.gz", [tar_file("x-1.0/setup.py", b""),
                                                 tar_file("x-1.0/./setup.py", b"import os")])
    assert refused(sdist) == "x-1.0.tar.gz: duplicate member 'x-1.0/setup.py'"


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
    sdist = gzip_tar_of_zeros(tmp_path / "x-1.0.tar.gz", "x-1.0/zeros.py", 100)
    assert sdist.stat().st_size * 200 < FLOOR
    assert refused(sdist) == (f"x-1.0.tar.gz: decompresses to more than {FLOOR + (1 << 20)} "
                              f"bytes, reading member 'x-1.0/zeros.py' (limit 200:1 above "
                              f"{FLOOR} bytes, {8 << 30} in all), a gzip bomb")


def test_a_compressible_sdist_below_the_floor_is_read(tmp_path: Path) -> None:
    sdist = gzip_tar_of_zeros(tmp_path / "x-1.0.tar.gz", "x-1.0/zeros.bin", 8)
    assert sdist.stat().st_size * 200 + (1 << 20) < 8 << 20  # refused before 0.x (#12)
    with read_archive(sdist) as ar:
        assert [m.size for m in ar.members] == [8 << 20]


def test_member_count_limit(tmp_path: Path) -> None:
    whl = make_zip(tmp_path / "x.whl", {f"m{i}.py": b"" for i in range(5)})
    assert refused(whl, Limits(max_members=3)) == "x.whl: 5 members (limit 3)"


def test_total_size_limit(tmp_path: Path) -> None:
    whl = make_zip(tmp_path / "x.whl", {"a.py": b"a" * 60, "b.py": b"b" * 60})
    assert refused(whl, Limits(max_total_size=100)) == ("x.whl: members up to 'b.py' declare "
                                                        "120 bytes in all (limit 100)")


def test_total_size_limit_tar(tmp_path: Path) -> None:
    sdist = make_tar(tmp_path / "x-1.0.tar.gz", [tar_file("x-1.0/a.py", b"a" * 60),
                                                 tar_file("x-1.0/b.py", b"b" * 60)])
    assert refused(sdist, Limits(max_total_size=100)) == (
        "x-1.0.tar.gz: members up to 'x-1.0/b.py' declare 120 bytes in all (limit 100)")


@pytest.mark.parametrize("whole", [True, False])
def test_bytes_after_the_end_of_a_deflate_stream(tmp_path: Path, whole: bool) -> None:
    """zipfile (pip) stops at the end of the stream; uv counts the compressed bytes it read
    and refuses: one reading only."""
    stream, crc, size = deflate(b"x = 1\n" * 100)
    whl = raw_zip(tmp_path / "x.whl", [("a.py", stream + b"junk", crc, size)])
    with pytest.raises(ScanError) as exc:
        with read_archive(whl, verify=True) as ar:
            if whole:
                ar.read(ar.members[0])
    assert str(exc.value) == ("x.whl: member 'a.py' has 4 compressed bytes after the end of "
                              "its deflate stream")


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
    with pytest.raises(ScanError, match=r"^x.whl: cannot read 'a.py': "):
        with read_archive(whl) as ar:
            ar.read(ar.members[0])


def test_altered_member_fails_its_crc_check(tmp_path: Path) -> None:
    whl = make_zip(tmp_path / "x.whl", {"a.py": b"x = 1\n"}, method=zipfile.ZIP_STORED)
    data = bytearray(whl.read_bytes())
    data[30 + len(b"a.py")] = ord("y")  # stored bytes changed, CRC in the headers kept
    whl.write_bytes(bytes(data))
    with pytest.raises(ScanError) as exc:
        with read_archive(whl) as ar:
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
    with pytest.raises(ScanError) as exc:
        with read_archive(whl) as ar:
            ar.read(ar.members[0])
    assert str(exc.value) == "x.whl: member 'a.py' holds more data than its declared size 10"


def test_member_smaller_than_declared_is_refused_on_read(tmp_path: Path) -> None:
    whl = make_zip(tmp_path / "x.whl", {"a.py": b"import os\n" * 20})
    data = bytearray(whl.read_bytes())
    _declare_size(data, b"a.py", 500)
    whl.write_bytes(bytes(data))
    with pytest.raises(ScanError) as exc:
        with read_archive(whl) as ar:
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
        if n.startswith(("/", "\\")) or (len(n) > 1 and n[1] == ":") or "\\" in n:
            return None
        parts = [p for p in n.split("/") if p not in ("", ".")]
        return None if ".." in parts else "/".join(parts)

    try:
        got: str | None = check_name("x.whl", name)
    except ScanError:
        got = None
    assert got == full_rule(name)


# ---------------------------------------------------------------- names readers disagree on
def test_backslash_in_a_zip_name(tmp_path: Path) -> None:
    # pip and uv write 'pkg\evil.pth' as one top-level file of that name on POSIX
    whl = make_zip(tmp_path / "x.whl", {"pkg/__init__.py": b"", "pkg\\evil.pth": b"import os"})
    assert refused(whl) == ("x.whl: member 'pkg\\evil.pth' has a backslash in its name (a file "
                            "name character on POSIX, a directory separator on Windows)")


def test_backslash_in_a_tar_name(tmp_path: Path) -> None:
    sdist = make_tar(tmp_path / "x-1.0.tar.gz", [tar_file("x-1.0/a\\b.py", b"")])
    assert refused(sdist) == ("x-1.0.tar.gz: member 'x-1.0/a\\b.py' has a backslash in its "
                              "name (a file name character on POSIX, a directory separator "
                              "on Windows)")


def test_backslash_in_a_tar_link_target(tmp_path: Path) -> None:
    link = tarfile.TarInfo("x-1.0/b.py")
    link.type, link.linkname = tarfile.SYMTYPE, "a\\b.py"
    sdist = make_tar(tmp_path / "x-1.0.tar.gz", [(link, None)])
    assert refused(sdist) == ("x-1.0.tar.gz: link 'x-1.0/b.py' has a backslash in its target "
                              "('a\\b.py')")


def _patch_names(path: Path, old: bytes, new: bytes) -> None:
    """Rename a member in its local header and central directory entry (same length)."""
    assert len(old) == len(new)
    path.write_bytes(path.read_bytes().replace(old, new))


def test_nul_in_a_zip_name(tmp_path: Path) -> None:
    # zipfile cuts the name at the NUL ('a.py'); other readers keep 'a.py\0.txt'
    whl = make_zip(tmp_path / "x.whl", {"a.pyX.txt": b""})
    _patch_names(whl, b"a.pyX.txt", b"a.py\0.txt")
    assert refused(whl) == ("x.whl: member 'a.py\\x00.txt' has a NUL in its name (zipfile "
                            "reads it as 'a.py', other readers do not)")


def _unicode_path_extra(raw_name: bytes, unicode_name: str) -> bytes:
    body = struct.pack("<BL", 1, zlib.crc32(raw_name)) + unicode_name.encode()
    return struct.pack("<HH", 0x7075, len(body)) + body


def test_unicode_path_extra_field_in_the_central_directory(tmp_path: Path) -> None:
    # Python 3.12+ zipfile names this member 'evil.pth', 3.11 'a.py'
    path = tmp_path / "x.whl"
    with zipfile.ZipFile(path, "w") as zf:
        info = zipfile.ZipInfo("a.py")
        info.extra = _unicode_path_extra(b"a.py", "evil.pth")
        zf.writestr(info, b"import os\n")
    assert refused(path) == ("x.whl: member 'a.py' has a second, Unicode Path name (zip "
                             "readers disagree on its name)")


def test_unicode_path_extra_field_in_a_local_header(tmp_path: Path) -> None:
    whl = make_zip(tmp_path / "x.whl", {"a.py": b"x = 1\n"}, method=zipfile.ZIP_STORED)
    data = whl.read_bytes()
    extra = _unicode_path_extra(b"a.py", "b.py")
    # the local header gains the extra field; every later offset moves by its length
    local = bytearray(data[:30 + 4]) + extra + data[30 + 4:]
    struct.pack_into("<H", local, 28, len(extra))
    cd = local.index(b"PK\x01\x02")
    eocd = local.index(b"PK\x05\x06")
    struct.pack_into("<L", local, eocd + 16, cd)
    whl.write_bytes(bytes(local))
    assert refused(whl) == ("x.whl: member 'a.py' has a second, Unicode Path name in its local "
                            "header (zip readers disagree on its name)")


def test_non_ascii_name_not_marked_utf8(tmp_path: Path) -> None:
    # zipfile decodes it as cp437 ('caf├⌐.py'), uv as UTF-8 ('café.py')
    whl = make_zip(tmp_path / "x.whl", {"café.py": b""})
    data = bytearray(whl.read_bytes())
    data[7] &= ~0x08 & 0xFF  # local header: general purpose flag bit 11 (0x800) cleared
    cd = data.index(b"PK\x01\x02")
    data[cd + 9] &= ~0x08 & 0xFF
    whl.write_bytes(bytes(data))
    assert refused(whl) == ("x.whl: member 'caf├⌐.py' has a non-ASCII name not marked UTF-8 "
                            "(zip readers decode it differently)")


def test_utf8_names_are_read(tmp_path: Path) -> None:
    whl = make_zip(tmp_path / "x.whl", {"café/__init__.py": b"x = 1\n"})
    with read_archive(whl) as ar:
        assert [m.name for m in ar.members] == ["café/__init__.py"]


def test_directories_are_listed(tmp_path: Path) -> None:
    path = tmp_path / "x.whl"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("a/", b"")
        zf.writestr("a/b.py", b"")
    with read_archive(path) as ar:
        assert ar.directories == ("a/",)
        assert [m.name for m in ar.members] == ["a/b.py"]


# ---------------------------------------------------------------- the archive's structure
def _two_member_zip(path: Path) -> Path:
    return make_zip(path, {"a.py": b"x = 1\n", "b.py": b"y = 2\n"}, method=zipfile.ZIP_STORED)


def _eocd(data: bytes | bytearray) -> int:
    return data.rindex(b"PK\x05\x06")


def test_a_plain_archive_passes_every_structure_check(tmp_path: Path) -> None:
    whl = _two_member_zip(tmp_path / "x.whl")
    with read_archive(whl) as ar:
        assert [m.name for m in ar.members] == ["a.py", "b.py"]


def test_data_before_the_first_member(tmp_path: Path) -> None:
    # zipfile shifts every offset by the prefix ('concat') and reads the archive anyway
    whl = _two_member_zip(tmp_path / "x.whl")
    whl.write_bytes(b"#!/bin/sh\nexit 0\n" + whl.read_bytes())
    assert refused(whl) == ("x.whl: the central directory does not end where the end record "
                            "begins (data before the first member, or archives glued "
                            "together)")


def test_two_archives_glued_together(tmp_path: Path) -> None:
    first = make_zip(tmp_path / "first.zip", {"evil.pth": b"import os\n"})
    second = _two_member_zip(tmp_path / "x.whl")
    second.write_bytes(first.read_bytes() + second.read_bytes())
    assert "archives glued together" in refused(second)


def test_prefixed_archive_with_absolute_offsets(tmp_path: Path) -> None:
    # the offsets say where the members are in the whole file: zipfile's 'concat' is 0,
    # but the prefix belongs to no member (a streaming reader would read it as one)
    first = make_zip(tmp_path / "first.zip", {"evil.pth": b"import os\n"},
                     method=zipfile.ZIP_STORED)
    prefix = first.read_bytes()[:_eocd(first.read_bytes())]
    prefix = prefix[:prefix.index(b"PK\x01\x02")]  # its member only
    whl = _two_member_zip(tmp_path / "x.whl")
    data = bytearray(whl.read_bytes())
    eocd = _eocd(data)
    cd = struct.unpack_from("<L", data, eocd + 16)[0]
    pos = cd
    while data[pos:pos + 4] == b"PK\x01\x02":
        struct.pack_into("<L", data, pos + 42,
                         struct.unpack_from("<L", data, pos + 42)[0] + len(prefix))
        pos += 46 + sum(struct.unpack_from("<3H", data, pos + 28))
    struct.pack_into("<L", data, eocd + 16, cd + len(prefix))
    whl.write_bytes(prefix + bytes(data))
    assert refused(whl) == (f"x.whl: {len(prefix)} bytes before member 'a.py' belong to no "
                            f"member (data before the first member, or archives glued "
                            f"together)")


def test_bytes_between_members(tmp_path: Path) -> None:
    whl = _two_member_zip(tmp_path / "x.whl")
    data = bytearray(whl.read_bytes())
    b_local = data.index(b"PK\x03\x04", 4)
    hidden = b"PK\x03\x04 hidden member"
    data[b_local:b_local] = hidden
    eocd = _eocd(data)
    cd = struct.unpack_from("<L", data, eocd + 16)[0] + len(hidden)
    struct.pack_into("<L", data, eocd + 16, cd)
    second_cd = data.index(b"PK\x01\x02", cd + 4)
    struct.pack_into("<L", data, second_cd + 42, b_local + len(hidden))
    whl.write_bytes(bytes(data))
    assert refused(whl) == (f"x.whl: {len(hidden)} bytes before member 'b.py' belong to no "
                            f"member (data before the first member, or archives glued "
                            f"together)")


def test_trailing_bytes_after_the_end_record(tmp_path: Path) -> None:
    whl = _two_member_zip(tmp_path / "x.whl")
    whl.write_bytes(whl.read_bytes() + b"\0\0\0\0")
    assert refused(whl) == "x.whl: 4 bytes after the end of the zip archive"


def test_an_archive_in_the_comment(tmp_path: Path) -> None:
    whl = _two_member_zip(tmp_path / "x.whl")
    inner = make_zip(tmp_path / "inner.zip", {"evil.pth": b"import os\n"}).read_bytes()
    with zipfile.ZipFile(whl, "a") as zf:
        zf.comment = inner[:200].replace(b"PK\x05\x06", b"")
    assert refused(whl) == ("x.whl: the zip comment holds binary data (an archive hidden in "
                            "the comment?)")


def test_a_text_comment_is_fine(tmp_path: Path) -> None:
    whl = _two_member_zip(tmp_path / "x.whl")
    with zipfile.ZipFile(whl, "a") as zf:
        zf.comment = b"built by hand\n"
    with read_archive(whl) as ar:
        assert len(ar.members) == 2


def test_end_record_count_differs_from_the_central_directory(tmp_path: Path) -> None:
    # zipfile reads entries until the directory's size is used up; uv counts them
    whl = _two_member_zip(tmp_path / "x.whl")
    data = bytearray(whl.read_bytes())
    eocd = _eocd(data)
    struct.pack_into("<HH", data, eocd + 8, 1, 1)
    whl.write_bytes(bytes(data))
    assert refused(whl) == ("x.whl: the end record counts 1 members, the central directory "
                            "holds 2")


def _with_zip64(data: bytes, *, entries: int, cd_size: int, cd_offset: int,
                locator_at: int | None = None, classic: tuple[int, int, int] | None = None,
                ) -> bytes:
    """``data`` with a zip64 end record and locator put before its classic end record
    (optionally with the classic record's entries/size/offset replaced)."""
    eocd = _eocd(data)
    record = struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, entries, entries,
                         cd_size, cd_offset)
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0,
                          eocd if locator_at is None else locator_at, 1)
    end = bytearray(data[eocd:])
    if classic is not None:
        struct.pack_into("<HHLL", end, 8, classic[0], classic[0], classic[1], classic[2])
    return data[:eocd] + record + locator + bytes(end)


def _classic(data: bytes) -> tuple[int, int, int]:
    eocd = _eocd(data)
    entries, size, offset = struct.unpack_from("<2xHLL", data, eocd + 8)
    return entries, size, offset


def test_zip64_end_record_that_agrees_is_read(tmp_path: Path) -> None:
    whl = _two_member_zip(tmp_path / "x.whl")
    data = whl.read_bytes()
    entries, size, offset = _classic(data)
    whl.write_bytes(_with_zip64(data, entries=entries, cd_size=size, cd_offset=offset,
                                classic=(0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF)))
    with read_archive(whl) as ar:
        assert [m.name for m in ar.members] == ["a.py", "b.py"]


@pytest.mark.parametrize("field", [0, 1, 2])
def test_zip64_end_record_that_disagrees(tmp_path: Path, field: int) -> None:
    # zipfile takes the zip64 values; a reader that trusts the classic record where it
    # does not say 'see zip64' reads another directory
    whl = _two_member_zip(tmp_path / "x.whl")
    data = whl.read_bytes()
    entries, size, offset = _classic(data)
    classic = [entries, size, offset]
    classic[field] -= 1
    whl.write_bytes(_with_zip64(data, entries=entries, cd_size=size, cd_offset=offset,
                                classic=(classic[0], classic[1], classic[2])))
    assert refused(whl) == ("x.whl: the zip64 end record disagrees with the classic one "
                            "(entries, central directory size or offset)")


def test_zip64_locator_pointing_elsewhere(tmp_path: Path) -> None:
    # zipfile reads the record right before the locator; other readers follow the locator
    whl = _two_member_zip(tmp_path / "x.whl")
    data = whl.read_bytes()
    entries, size, offset = _classic(data)
    whl.write_bytes(_with_zip64(data, entries=entries, cd_size=size, cd_offset=offset,
                                locator_at=0))
    assert refused(whl) == ("x.whl: the zip64 end record is not where its locator says (zip "
                            "readers disagree on the central directory)")


class _Unseekable(io.RawIOBase):
    def __init__(self) -> None:
        self.buf = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b: bytes) -> int:  # type: ignore[override]
        self.buf += b
        return len(b)


def test_data_descriptors_are_read(tmp_path: Path) -> None:
    # written to a stream: sizes and CRC follow each member in a data descriptor
    out = _Unseekable()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.py", b"x = 1\n" * 10)
        zf.writestr("b.py", b"")
    path = tmp_path / "x.whl"
    path.write_bytes(bytes(out.buf))
    with read_archive(path) as ar:
        assert ar.read(ar.members[0]) == b"x = 1\n" * 10


def test_data_descriptor_that_disagrees(tmp_path: Path) -> None:
    out = _Unseekable()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("a.py", b"x = 1\n")
    data = bytearray(out.buf)
    descriptor = data.index(b"PK\x07\x08")
    struct.pack_into("<L", data, descriptor + 8, 99)  # its compressed size
    path = tmp_path / "x.whl"
    path.write_bytes(bytes(data))
    assert refused(path) == ("x.whl: member 'a.py': its data descriptor disagrees with the "
                             "central directory")
