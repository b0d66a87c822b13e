"""Wheels and sdists read in memory, with limits against hostile archives.

``read_archive(path)`` checks the whole archive up front (member count, declared sizes,
compression ratio, names, links, duplicates, and for zips that every local header agrees
with the central directory and that no two members overlap) and raises ``ScanError`` for
anything hostile. Nothing is extracted and nothing is written. Member bytes are read
lazily and only on request, in chunks, never past the member's declared size, so a lying
size field cannot blow memory.

Zips (wheels, .zip sdists) are read from the open file by offset. A .tar.gz can only be
read as one stream, so ``read_archive`` keeps the bytes of the members ``keep`` selects
(code, metadata, binaries) while it walks the stream, bounded by ``Limits.max_read``.
"""

from __future__ import annotations

import gzip
import io
import posixpath
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

from gate.errors import ScanError

MiB = 1024 * 1024
GiB = 1024 * MiB


@dataclass(frozen=True, kw_only=True, slots=True)
class Limits:
    """What an archive may declare before permpip refuses to read it."""

    max_members: int = 100_000
    max_total_size: int = 8 * GiB  # sum of declared uncompressed sizes
    max_member_size: int = 4 * GiB  # one member's declared uncompressed size
    max_ratio: int = 200  # uncompressed / compressed, for members above ratio_floor
    ratio_floor: int = 1 * MiB
    max_read: int = 64 * MiB  # bytes permpip decompresses from one member
    max_depth: int = 2  # archives inside archives
    max_kept: int = 512 * MiB  # bytes kept in memory while a .tar.gz stream is read


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True, kw_only=True, slots=True)
class Member:
    """One regular file (or in-tree link) of an archive; directories are not members."""

    name: str  # '/'-separated, as in the archive
    size: int  # declared uncompressed size
    compressed_size: int
    executable: bool = False
    link_target: str | None = None  # a tar symlink/hardlink that stays inside the archive


class _Backend(Protocol):
    def open(self, member: Member) -> IO[bytes]: ...

    def read_whole(self, member: Member) -> bytes | None: ...

    def close(self) -> None: ...


class Archive:
    """An archive's members, with bounded lazy reads. Use as a context manager."""

    def __init__(self, filename: str, members: list[Member], backend: _Backend,
                 limits: Limits, depth: int) -> None:
        self.filename = filename
        self.members: tuple[Member, ...] = tuple(members)
        self.limits = limits
        self.depth = depth
        self._by_name = {m.name: m for m in members}
        self._backend = backend

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._backend.close()

    def __iter__(self) -> Iterator[Member]:
        return iter(self.members)

    def get(self, name: str) -> Member | None:
        return self._by_name.get(name)

    def read(self, member: Member, *, limit: int | None = None) -> bytes:
        """All of ``member``; ScanError if it is larger than ``limit`` (default max_read)."""
        bound = self.limits.max_read if limit is None else limit
        if member.size > bound:
            raise ScanError(f"{self.filename}: member '{member.name}' is too large to read "
                            f"({member.size} bytes, limit {bound})")
        return self.read_at(member, 0, member.size)

    def read_at(self, member: Member, offset: int, length: int) -> bytes:
        """``length`` bytes at ``offset`` (fewer at the end), decompressing in chunks."""
        if offset < 0 or length < 0 or length > self.limits.max_read:
            raise ScanError(f"{self.filename}: refusing to read {length} bytes at {offset} "
                            f"of '{member.name}'")
        end = min(member.size, offset + length)
        if offset >= end:
            return b""
        try:
            if offset == 0 and end == member.size:
                whole = self._backend.read_whole(member)
                if whole is not None:
                    return whole
            with self._backend.open(member) as stream:
                _skip(stream, offset)
                data = _read_bounded(stream, end - offset)
                if end == member.size and stream.read(1):
                    raise ScanError(f"{self.filename}: member '{member.name}' holds more "
                                    f"data than its declared size {member.size}")
        except ScanError:
            raise
        except (OSError, EOFError, zipfile.BadZipFile, zlib.error, NotImplementedError,
                RuntimeError, ValueError) as exc:
            raise ScanError(f"{self.filename}: cannot read '{member.name}': {exc}") from None
        return data

    def nested(self, member: Member) -> Archive:
        """A zip inside this archive, read in memory with the same limits, one level deeper."""
        if self.depth + 1 > self.limits.max_depth:
            raise ScanError(f"{self.filename}: archive '{member.name}' is nested more than "
                            f"{self.limits.max_depth} levels deep")
        data = self.read(member)
        return _open_zip(io.BytesIO(data), f"{self.filename}!{member.name}", self.limits,
                         self.depth + 1)


def read_archive(path: Path, *, limits: Limits = DEFAULT_LIMITS,
                 keep: Callable[[str], bool] | None = None) -> Archive:
    """Open a wheel, .zip or .tar.gz sdist; ScanError (exit 3) for a hostile or broken one.

    ``keep`` (tar only) selects the members whose bytes are kept while the stream is read;
    by default every member up to ``limits.max_read``.
    """
    name = path.name
    try:
        if name.endswith((".tar.gz", ".tgz")):
            return _open_tar(path, name, limits, keep or (lambda _: True))
        fh = path.open("rb")
    except OSError as exc:
        raise ScanError(f"{name}: cannot open: {exc.strerror or exc}") from None
    try:
        return _open_zip(fh, name, limits, 0)
    except BaseException:
        fh.close()
        raise


# -- names -------------------------------------------------------------------------------

def check_name(filename: str, name: str) -> str:
    """The member name with './' removed; ScanError for absolute, '..' or odd names."""
    if not name or "\x00" in name:
        raise ScanError(f"{filename}: member with an empty or NUL-containing name")
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        raise ScanError(f"{filename}: member '{name}' has an absolute path")
    if ("\\" not in name and "./" not in name and "//" not in name
            and not name.endswith(("/", "/.", "/..")) and name not in (".", "..")):
        return name  # already plain: no empty, '.' or '..' part
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".")]
    if ".." in parts:
        raise ScanError(f"{filename}: member '{name}' escapes the archive (path traversal)")
    return "/".join(parts)


def _check_totals(filename: str, members: list[Member], limits: Limits) -> None:
    total = 0
    for m in members:
        if m.size > limits.max_member_size:
            raise ScanError(f"{filename}: member '{m.name}' declares {m.size} bytes "
                            f"(limit {limits.max_member_size})")
        if m.size > limits.ratio_floor and m.size > m.compressed_size * limits.max_ratio:
            ratio = m.size // max(m.compressed_size, 1)
            raise ScanError(f"{filename}: member '{m.name}' expands {ratio}:1 "
                            f"(limit {limits.max_ratio}:1), a zip bomb")
        total += m.size
    if total > limits.max_total_size:
        raise ScanError(f"{filename}: members declare {total} bytes in all "
                        f"(limit {limits.max_total_size})")


def _skip(stream: IO[bytes], n: int) -> None:
    while n > 0:
        chunk = stream.read(min(n, MiB))
        if not chunk:
            return
        n -= len(chunk)


def _read_bounded(stream: IO[bytes], n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = stream.read(min(n - len(buf), MiB))
        if not chunk:
            break
        buf += chunk
    return bytes(buf)


# -- zip ---------------------------------------------------------------------------------

_LOCAL = struct.Struct("<4sHHHHHIIIHH")


class _ZipBackend:
    def __init__(self, zf: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo],
                 fh: IO[bytes], data_offsets: dict[str, int], filename: str) -> None:
        self._zf = zf
        self._infos = infos
        self._fh = fh
        self._data = data_offsets  # member name -> offset of its compressed bytes
        self._filename = filename

    def open(self, member: Member) -> IO[bytes]:
        return self._zf.open(self._infos[member.name])

    def read_whole(self, member: Member) -> bytes | None:
        """A stored or deflated member in one piece, straight from the offset its (checked)
        local header gave: no second look at the header, no chunking. CRC-checked, and
        never more than the declared size comes out. None: let zipfile read it."""
        info = self._infos[member.name]
        method = info.compress_type
        if method not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            return None
        where = f"{self._filename}: member '{member.name}'"
        self._fh.seek(self._data[member.name])
        raw = self._fh.read(info.compress_size)
        if len(raw) != info.compress_size:
            raise ScanError(f"{self._filename}: cannot read '{member.name}': truncated")
        if method == zipfile.ZIP_STORED:
            data = raw
        else:
            inflate = zlib.decompressobj(-15)
            data = inflate.decompress(raw, info.file_size + 1)
            if len(data) > info.file_size:
                raise ScanError(f"{where} holds more data than its declared size "
                                f"{info.file_size}")
        if len(data) != info.file_size:
            raise ScanError(f"{where} holds {len(data)} bytes, not its declared size "
                            f"{info.file_size}")
        if zlib.crc32(data) != info.CRC:
            raise ScanError(f"{self._filename}: cannot read '{member.name}': CRC-32 "
                            f"mismatch (corrupt or altered data)")
        return data

    def close(self) -> None:
        self._zf.close()
        self._fh.close()


def _open_zip(fh: IO[bytes], filename: str, limits: Limits, depth: int) -> Archive:
    try:
        zf = zipfile.ZipFile(fh)
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, struct.error,
            NotImplementedError, RuntimeError, KeyError, IndexError) as exc:
        raise ScanError(f"{filename}: not a readable zip archive ({exc})") from None
    if len(infos) > limits.max_members:
        raise ScanError(f"{filename}: {len(infos)} members (limit {limits.max_members})")
    members: list[Member] = []
    by_name: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        name = check_name(filename, info.filename)
        if name in by_name or (name + "/") in by_name:
            raise ScanError(f"{filename}: duplicate member '{name}'")
        if info.flag_bits & 0x1:
            raise ScanError(f"{filename}: member '{name}' is encrypted")
        mode = info.external_attr >> 16
        if info.create_system == 3 and (mode & 0o170000) == 0o120000:
            raise ScanError(f"{filename}: member '{name}' is a symlink")
        if info.is_dir():
            by_name[name + "/"] = info
            continue
        by_name[name] = info
        members.append(Member(name=name, size=info.file_size,
                              compressed_size=info.compress_size,
                              executable=bool(mode & 0o111)))
    _check_totals(filename, members, limits)
    offsets = _check_local_headers(fh, filename, zf, infos)
    files = {m.name: by_name[m.name] for m in members}
    data = {m.name: offsets[id(files[m.name])] for m in members}
    return Archive(filename, members, _ZipBackend(zf, files, fh, data, filename), limits, depth)


def _check_local_headers(fh: IO[bytes], filename: str, zf: zipfile.ZipFile,
                         infos: list[zipfile.ZipInfo]) -> dict[int, int]:
    """Every local header must agree with the central directory; members must not overlap.
    Returns id(info) -> offset of the member's compressed bytes."""
    start_dir: int = getattr(zf, "start_dir", 1 << 62)
    offsets: dict[int, int] = {}
    previous_end, previous = 0, ""
    seek, read, unpack, size = fh.seek, fh.read, _LOCAL.unpack, _LOCAL.size
    for info in sorted(infos, key=lambda i: i.header_offset):
        start = info.header_offset
        if start < previous_end:
            raise ScanError(f"{filename}: member '{info.filename}' overlaps '{previous}' "
                            f"(overlapping zip members)")
        seek(start)
        header = read(size)
        if len(header) != size:
            raise ScanError(f"{filename}: member '{info.filename}': truncated local header")
        (sig, _ver, flags, method, _t, _d, _crc, csize, usize, nlen,
         elen) = unpack(header)
        rest = read(nlen + elen)
        name = info.orig_filename
        central_name = (name.encode("ascii") if name.isascii()
                        else name.encode("utf-8" if info.flag_bits & 0x800 else "cp437"))
        if (sig != b"PK\x03\x04" or rest[:nlen] != central_name
                or method != info.compress_type or (not flags & 0x8 and (
                    csize != info.compress_size or usize != info.file_size))):
            _header_mismatch(filename, info, header, rest)
        offsets[id(info)] = data = start + size + nlen + elen
        previous_end = data + info.compress_size
        previous = info.filename
        if previous_end > start_dir:
            raise ScanError(f"{filename}: member '{info.filename}' runs into the central "
                            f"directory")
    return offsets


def _header_mismatch(filename: str, info: zipfile.ZipInfo, header: bytes,
                     rest: bytes) -> None:
    """Raise the ScanError for a local header that disagrees with the central directory
    (returns when the only difference is zip64 sizes that turn out to agree)."""
    where = f"{filename}: member '{info.filename}'"
    (sig, _ver, flags, method, _t, _d, _crc, csize, usize, nlen,
     elen) = _LOCAL.unpack(header)
    if sig != b"PK\x03\x04":
        raise ScanError(f"{where}: bad local header signature")
    raw_name, extra = rest[:nlen], rest[nlen:]
    central_name = info.orig_filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437")
    if raw_name != central_name:
        raise ScanError(f"{where}: local header names it "
                        f"'{raw_name.decode('utf-8', 'replace')}' (central directory "
                        f"and local headers disagree)")
    if method != info.compress_type:
        raise ScanError(f"{where}: compression method differs between central directory "
                        f"and local header")
    if not flags & 0x8:  # sizes are in the header, not in a trailing data descriptor
        if csize == 0xFFFFFFFF or usize == 0xFFFFFFFF:
            usize, csize = _zip64_sizes(extra, usize, csize)
        if (csize, usize) != (info.compress_size, info.file_size):
            raise ScanError(f"{where}: sizes differ between central directory "
                            f"({info.compress_size}/{info.file_size}) and local header "
                            f"({csize}/{usize})")


def _zip64_sizes(extra: bytes, usize: int, csize: int) -> tuple[int, int]:
    pos = 0
    while pos + 4 <= len(extra):
        tag, size = struct.unpack_from("<HH", extra, pos)
        if tag == 0x0001:
            values = extra[pos + 4:pos + 4 + size]
            fields = [struct.unpack_from("<Q", values, i)[0] for i in range(0, len(values) - 7, 8)]
            if usize == 0xFFFFFFFF and fields:
                usize = fields.pop(0)
            if csize == 0xFFFFFFFF and fields:
                csize = fields.pop(0)
            break
        pos += 4 + size
    return usize, csize


# -- tar ---------------------------------------------------------------------------------

class _Readable(Protocol):
    def read(self, n: int, /) -> bytes: ...


class _Bounded(io.RawIOBase):
    """A decompressed stream that fails once more than ``limit`` bytes come out of it."""

    def __init__(self, inner: _Readable, limit: int, message: str) -> None:
        self._inner = inner
        self._left = limit
        self._message = message

    def readable(self) -> bool:
        return True

    def readinto(self, buf: memoryview) -> int:  # type: ignore[override]
        data = self._inner.read(len(buf))
        self._left -= len(data)
        if self._left < 0:
            raise ScanError(self._message)
        buf[: len(data)] = data
        return len(data)


class _TarBackend:
    def __init__(self, kept: dict[str, bytes]) -> None:
        self._kept = kept

    def read_whole(self, member: Member) -> bytes | None:
        return None

    def open(self, member: Member) -> IO[bytes]:
        if member.name not in self._kept:
            raise ScanError(f"'{member.name}' was not kept while reading the tar stream")
        return io.BytesIO(self._kept[member.name])

    def close(self) -> None:
        self._kept.clear()


def _open_tar(path: Path, filename: str, limits: Limits, keep: Callable[[str], bool]) -> Archive:
    members: list[Member] = []
    kept: dict[str, bytes] = {}
    seen: set[str] = set()
    total = kept_total = 0
    compressed = path.stat().st_size
    # tar headers and padding cost 512-byte blocks on top of the declared sizes
    bound = min(limits.max_total_size, max(compressed, 1) * limits.max_ratio) + 1024 * 1024
    try:
        with path.open("rb") as raw, gzip.GzipFile(fileobj=raw, mode="rb") as gz:
            message = (f"{filename}: decompresses to more than {bound} bytes "
                       f"(limit {limits.max_ratio}:1), a gzip bomb")
            stream = io.BufferedReader(_Bounded(gz, bound, message), 1024 * 1024)
            with tarfile.open(fileobj=stream, mode="r|") as tf:
                for info in tf:
                    if len(seen) >= limits.max_members:
                        raise ScanError(f"{filename}: more than {limits.max_members} members")
                    name = check_name(filename, info.name)
                    if info.isdir():
                        continue
                    if name in seen:
                        raise ScanError(f"{filename}: duplicate member '{name}'")
                    seen.add(name)
                    if info.isdev() or info.isfifo() or not (info.isfile() or info.issym()
                                                              or info.islnk()):
                        raise ScanError(f"{filename}: member '{name}' is a device or "
                                        f"special file")
                    if info.issym() or info.islnk():
                        target = _link_target(filename, name, info)
                        members.append(Member(name=name, size=0, compressed_size=0,
                                              link_target=target))
                        continue
                    if info.size > limits.max_member_size:
                        raise ScanError(f"{filename}: member '{name}' declares {info.size} "
                                        f"bytes (limit {limits.max_member_size})")
                    total += info.size
                    if total > limits.max_total_size:
                        raise ScanError(f"{filename}: members declare more than "
                                        f"{limits.max_total_size} bytes in all")
                    members.append(Member(name=name, size=info.size, compressed_size=info.size,
                                          executable=bool(info.mode & 0o111)))
                    if info.size <= limits.max_read and keep(name):
                        kept_total += info.size
                        if kept_total > limits.max_kept:
                            raise ScanError(f"{filename}: code members hold more than "
                                            f"{limits.max_kept} bytes")
                        fobj = tf.extractfile(info)
                        kept[name] = _read_bounded(fobj, info.size) if fobj else b""
    except ScanError:
        raise
    except (OSError, EOFError, tarfile.TarError, zlib.error, ValueError) as exc:
        raise ScanError(f"{filename}: not a readable .tar.gz archive ({exc})") from None
    return Archive(filename, members, _TarBackend(kept), limits, 0)


def _link_target(filename: str, name: str, info: tarfile.TarInfo) -> str:
    target = info.linkname
    if info.issym() and not target.startswith("/"):
        base = name.rsplit("/", 1)[0] if "/" in name else ""
        target = posixpath.normpath(f"{base}/{target}" if base else target)
    try:
        return check_name(filename, target)
    except ScanError:
        raise ScanError(f"{filename}: link '{name}' points outside the archive "
                        f"('{info.linkname}')") from None
