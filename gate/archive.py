"""Wheels and sdists read in memory, with limits against hostile archives.

``read_archive(path)`` checks the whole archive up front (member count, declared sizes,
names, links, duplicates, and for zips that every local header agrees
with the central directory and that no two members overlap) and raises ``ScanError`` for
anything hostile. A zip must also read one way only, whatever reads it (zipfile, pip, uv's
streaming and seeking readers, zipimport): members follow one another from offset 0 to the
central directory (nothing before, between or glued on), the end record ends the file (its
comment holds no binary data), a zip64 end record agrees with the classic one, and every
name is one name (no NUL, no backslash, no Unicode Path extra field, UTF-8 flagged when
not ASCII, a normal path). Nothing is extracted and nothing is written. Member bytes are read
lazily and only on request, in chunks, never past the member's declared size, so a lying
size field cannot blow memory.

Zips (wheels, .zip sdists) are read from the open file by offset. A .tar.gz can only be
read as one stream, so ``read_archive`` keeps the bytes of the members ``keep`` selects
(code, metadata, binaries) while it walks the stream, bounded by ``Limits.max_read``.
A tar link is one more name for a regular file of the archive (a zip link is refused): a
link to a directory, to nothing, or a member below a link (pip would write it through the
link, over what was scanned) is refused.

Bombs: limits on what an archive costs, not on how well it compresses
------------------------------------------------------------------------
What a bomb costs: permpip never extracts; it decompresses members in memory (one member at
most ``max_read`` bytes at once) and pays CPU for every byte it decompresses, skipped ones
included. pip and uv extract every member to disk: pip through ``zipfile``, which stops at
the declared size (``ZipExtFile`` counts down ``file_size``) and checks the CRC there, so pip
writes the declared sizes; uv copies whatever the deflate stream yields to disk and compares
the size only afterwards (uv-extract ``stream.rs``/``sync.rs``), so a member that declares
10 bytes and inflates to gigabytes fills uv's disk before uv refuses it. Hence:

- declared sizes, for the disk: one member at most ``max_member_size``, all members (and
  those of the archives nested in them, counted once) at most ``max_total_size``;
- a ratio only above an absolute size: a member, or the whole archive, that declares more
  than ``ratio_floor`` bytes may not declare more than ``max_ratio`` times its compressed
  size (a member's compressed bytes; the archive's file size). Below the floor a member
  compresses as well as it likes: that costs at most ``ratio_floor`` bytes;
- a budget for what permpip decompresses from one archive in all (``max_inflate``), nested
  archives and re-reads included: decompression stops at the limit, never after it;
- every member's stream must hold exactly its declared size: read to its end, a member is
  checked (declared size, end of the deflate stream where the member ends, CRC); with
  ``verify=True`` (the scan) every member the caller did not read to its end is checked when
  the archive is closed (any failure found reading a member is raised again then), so
  nothing uv would write differs from what was scanned;
- a bomb found while reading (budget, a nested archive's sizes) is sticky: a caller that
  catches the ScanError and goes on (a nested archive reported as ``unanalyzed``) gets it
  again when the archive is closed, so the scan still stops with exit 3.

The figures, measured on the 887 wheels of /opt/pypi/files (2026-12-07; numpy, pandas,
scipy, matplotlib, pillow 11-12, tensorflow-cpu, jaxlib, triton, vtk, cmeel-boost; no torch):

===============================================  ===================================
most members                                     16,235 (cmeel-boost 1.90)
largest member                                   752 MiB (tensorflow-cpu
                                                 libtensorflow_cc.so.2)
largest declared total                           1,213 MiB (tensorflow-cpu 2.21)
highest member ratio, any size                   1015:1 (onnx 1.23, a 2.4 MiB test
                                                 tensor); 320:1 (pooch), 252:1, 235:1
highest member ratio above 1 / 4 / 16 MiB        1015:1 / 36:1 / 6:1
highest member ratio above 64 MiB                6:1 (vtk 9.7)
highest declared total / file size, > 64 MiB     6.7:1 (google-api-python-client)
every member's stream holds its declared size    yes (no trailing data, no short stream)
bytes a scan decompresses / declared total       1.95x (tensorflow-cpu: 2.48 GB; ELF
                                                 tables re-read from the start), 1.78x
                                                 (libtpu), 1.0x for most wheels
===============================================  ===================================

The old rule, 200:1 for any member above 1 MiB, refused onnx 1.23 (two test tensors, 1015:1
and 630:1) and pillow 13.0.0 (not in the set: ``pillow.libs/libXau-*.so``, 2.1 MiB in 9
KiB, 223:1). The floor is now 64 MiB, ``max_read``: what permpip may hold of one member
anyway; 200:1 above it leaves 33x the largest ratio measured there, and 30x for whole
archives. 8 GiB in all is 6.7x the largest total measured (room for the torch wheels the
set lacks); 16 GiB decompressed is twice that, as a scan decompresses up to ~2x what an
archive declares. So a wheel that passes can make pip write at most 8 GiB, and beyond 64
MiB no more than 200 bytes per byte downloaded; it can make permpip decompress at most 16
GiB.
"""

from __future__ import annotations

import functools
import gzip
import io
import posixpath
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

from gate.errors import ScanError
from gate.layout import BACKSLASH

MiB = 1024 * 1024
GiB = 1024 * MiB


@dataclass(frozen=True, kw_only=True, slots=True)
class Limits:
    """What an archive may declare and cost before permpip refuses it (see the module
    docstring for the figures these come from)."""

    max_members: int = 100_000
    max_total_size: int = 8 * GiB  # declared, all members (nested archives' included)
    max_member_size: int = 4 * GiB  # one member's declared uncompressed size
    max_ratio: int = 200  # declared / compressed, for members or archives above ratio_floor
    ratio_floor: int = 64 * MiB
    max_read: int = 64 * MiB  # bytes permpip decompresses from one member at once
    max_inflate: int = 16 * GiB  # bytes permpip decompresses from one archive in all
    max_depth: int = 2  # archives inside archives
    max_kept: int = 512 * MiB  # bytes kept in memory while a .tar.gz stream is read


DEFAULT_LIMITS = Limits()


class _Budget:
    """What one archive and the archives nested in it have declared and cost so far, shared
    by all of them; ``failure``: the first bomb found, raised again on close."""

    __slots__ = ("limits", "declared", "inflated", "failure", "counted")

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.declared = 0
        self.inflated = 0
        self.failure: str | None = None
        self.counted: set[str] = set()  # nested archives whose sizes are in ``declared``

    def bomb(self, message: str) -> ScanError:
        if self.failure is None:
            self.failure = message
        return ScanError(message)

    def room(self, filename: str, member: str) -> int:
        """Bytes that may still be decompressed; ScanError once none are left."""
        left = self.limits.max_inflate - self.inflated
        if left < 0 or self.failure is not None:
            raise ScanError(self.failure or self._spent(filename, member))
        return left

    def spend(self, filename: str, member: str, n: int) -> None:
        self.inflated += n
        if self.inflated > self.limits.max_inflate:
            raise self.bomb(self._spent(filename, member))

    def _spent(self, filename: str, member: str) -> str:
        return (f"{filename}: reading member '{member}' decompresses more than "
                f"{self.limits.max_inflate} bytes of the archive in all (limit "
                f"{self.limits.max_inflate}), a zip bomb")

    def declare(self, filename: str, members: list[Member], size: int, *,
                nested: bool) -> None:
        """Declared sizes against the limits (see the module docstring): ``size`` is the
        archive's own size; a nested archive's members also count against the budget of
        the archive it is in (once, however often it is opened)."""
        limits = self.limits
        fail = self.bomb if nested else ScanError
        total = 0
        for m in members:
            if m.size > limits.max_member_size:
                raise fail(f"{filename}: member '{m.name}' declares {m.size} bytes "
                           f"(limit {limits.max_member_size})")
            if m.size > limits.ratio_floor and m.size > m.compressed_size * limits.max_ratio:
                raise fail(f"{filename}: member '{m.name}' expands "
                           f"{m.size // max(m.compressed_size, 1)}:1 to {m.size} bytes "
                           f"(limit {limits.max_ratio}:1 above {limits.ratio_floor} "
                           f"bytes), a zip bomb")
            total += m.size
            if total > limits.max_total_size:
                raise fail(f"{filename}: members up to '{m.name}' declare {total} bytes "
                           f"in all (limit {limits.max_total_size})")
        if total > limits.ratio_floor and total > size * limits.max_ratio:
            biggest = max(members, key=lambda m: m.size)
            raise fail(f"{filename}: members declare {total} bytes in all, "
                       f"{total // max(size, 1)}:1 of its {size} bytes, '{biggest.name}' "
                       f"the largest (limit {limits.max_ratio}:1 above "
                       f"{limits.ratio_floor} bytes), a zip bomb")
        if not nested:
            self.declared = total
        elif filename not in self.counted:
            self.counted.add(filename)
            self.declared += total
            if self.declared > limits.max_total_size:
                raise fail(f"{filename}: members declare {total} bytes, "
                           f"{self.declared} in all with the archives around it "
                           f"(limit {limits.max_total_size})")


@dataclass(frozen=True, kw_only=True, slots=True)
class Member:
    """One regular file (or in-tree link) of an archive; directories are not members."""

    name: str  # '/'-separated, as in the archive
    size: int  # declared uncompressed size
    compressed_size: int
    executable: bool = False
    # a tar symlink/hardlink: the regular file of the archive it reads (links that lead
    # anywhere else are refused, see _resolve_links)
    link_target: str | None = None


class _Backend(Protocol):
    def chunks(self, member: Member, budget: _Budget) -> Generator[bytes]: ...

    def read_whole(self, member: Member, budget: _Budget) -> bytes | None: ...

    def close(self) -> None: ...


_READ_ERRORS = (OSError, EOFError, zipfile.BadZipFile, zlib.error, NotImplementedError,
                RuntimeError, ValueError)


class Archive:
    """An archive's members, with bounded lazy reads. Use as a context manager: leaving it
    raises the first bomb or corrupt member a caller caught and went on from, and with
    ``verify`` checks every member not yet read to its end."""

    def __init__(self, filename: str, members: list[Member], backend: _Backend,
                 limits: Limits, depth: int, directories: tuple[str, ...] = (), *,
                 budget: _Budget | None = None, verify: bool = False) -> None:
        self.filename = filename
        self.members: tuple[Member, ...] = tuple(members)
        # zip directory entries, as named in the archive ('pkg/'): they are no members,
        # but installers create them, and pip counts them when it looks for .dist-info
        self.directories = directories
        self.limits = limits
        self.depth = depth
        self._by_name = {m.name: m for m in members}
        self._backend = backend
        self._budget = budget or _Budget(limits)
        self._verify = verify
        self._verified: set[str] = set()  # members read to their end, and checked there
        self._failure: str | None = None  # the first member found corrupt or lying

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        try:
            if exc_type is None:
                self._finish()
        finally:
            self.close()

    def close(self) -> None:
        self._backend.close()

    def _finish(self) -> None:
        failure = self._budget.failure or self._failure
        if failure is not None:
            raise ScanError(failure)
        if self._verify:
            for m in self.members:
                if m.link_target is None and m.name not in self._verified:
                    self._guarded(m, functools.partial(self._drain, m))
                    self._verified.add(m.name)

    def _drain(self, member: Member) -> None:
        for _ in self._backend.chunks(member, self._budget):
            pass

    def _guarded(self, member: Member, read: Callable[[], object]) -> object:
        """``read()``, its failures one ScanError, remembered for ``__exit__``."""
        try:
            return read()
        except _NotKept:
            raise
        except ScanError as exc:
            if self._failure is None:
                self._failure = str(exc)
            raise
        except _READ_ERRORS as exc:
            message = f"{self.filename}: cannot read '{member.name}': {exc}"
            if self._failure is None:
                self._failure = message
            raise ScanError(message) from None

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
        return self._read(member, 0, member.size)

    def read_at(self, member: Member, offset: int, length: int) -> bytes:
        """``length`` bytes at ``offset`` (fewer at the end), decompressing in chunks."""
        if offset < 0 or length < 0 or length > self.limits.max_read:
            raise ScanError(f"{self.filename}: refusing to read {length} bytes at {offset} "
                            f"of '{member.name}'")
        return self._read(member, offset, length)

    def _read(self, member: Member, offset: int, length: int) -> bytes:
        end = min(member.size, offset + length)
        if offset >= end:
            return b""
        if offset == 0 and end == member.size:
            whole = self._guarded(member, lambda: self._backend.read_whole(member,
                                                                           self._budget))
            if isinstance(whole, bytes):
                self._verified.add(member.name)
                return whole
        data = self._guarded(member, lambda: self._slice(member, offset, end))
        if end == member.size:
            self._verified.add(member.name)
        assert isinstance(data, bytes)
        return data

    def _slice(self, member: Member, offset: int, end: int) -> bytes:
        """Bytes ``offset:end`` of the member; read to the member's end, its stream is
        checked there (declared size, CRC); otherwise reading stops at ``end``."""
        buf = bytearray()
        pos = 0
        chunks = self._backend.chunks(member, self._budget)
        try:
            for chunk in chunks:
                if pos + len(chunk) > offset and pos < end:
                    buf += chunk[max(offset - pos, 0):end - pos]
                pos += len(chunk)
                if pos >= end and end < member.size:
                    break
        finally:
            chunks.close()
        return bytes(buf)

    def nested(self, member: Member) -> Archive:
        """A zip inside this archive, read in memory with the same limits and budget, one
        level deeper."""
        if self.depth + 1 > self.limits.max_depth:
            raise ScanError(f"{self.filename}: archive '{member.name}' is nested more than "
                            f"{self.limits.max_depth} levels deep")
        data = self.read(member)
        return _open_zip(io.BytesIO(data), f"{self.filename}!{member.name}", self.limits,
                         self.depth + 1, self._budget, self._verify)


def read_archive(path: Path, *, limits: Limits = DEFAULT_LIMITS,
                 keep: Callable[[str], bool] | None = None, verify: bool = False) -> Archive:
    """Open a wheel, .zip or .tar.gz sdist; ScanError (exit 3) for a hostile or broken one.

    ``keep`` (tar only) selects the members whose bytes are kept while the stream is read;
    by default every member up to ``limits.max_read``. ``verify`` (zip; what the scan
    uses): leaving the ``with`` block checks every member not read to its end, so that
    what pip and uv would write is what was read (a full decompression of the archive,
    within ``max_inflate``).
    """
    name = path.name
    try:
        if name.endswith((".tar.gz", ".tgz")):
            return _open_tar(path, name, limits, keep or (lambda _: True))
        fh = path.open("rb")
    except OSError as exc:
        raise ScanError(f"{name}: cannot open: {exc.strerror or exc}") from None
    try:
        return _open_zip(fh, name, limits, 0, _Budget(limits), verify)
    except BaseException:
        fh.close()
        raise


# -- names -------------------------------------------------------------------------------

def check_name(filename: str, name: str) -> str:
    """The member name with './' removed; ScanError for absolute, '..' or odd names.

    A backslash is refused: pip and uv write ``pkg\\evil.pth`` as one top-level file of
    that name on POSIX (where site.py runs it), a directory on Windows; no reading is safe.
    """
    if not name or "\x00" in name:
        raise ScanError(f"{filename}: member with an empty or NUL-containing name")
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        raise ScanError(f"{filename}: member '{name}' has an absolute path")
    if "\\" in name:
        raise ScanError(f"{filename}: member '{name}' {BACKSLASH}")
    if ("./" not in name and "//" not in name
            and not name.endswith(("/", "/.", "/..")) and name not in (".", "..")):
        return name  # already plain: no empty, '.' or '..' part
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise ScanError(f"{filename}: member '{name}' escapes the archive (path traversal)")
    return "/".join(parts)


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

    def chunks(self, member: Member, budget: _Budget) -> Generator[bytes]:
        """The member's bytes in chunks of at most 1 MiB, from the offset its (checked)
        local header gave, never more than its declared size plus one byte, nor past the
        budget plus one byte. Read to its end, the member must hold exactly its declared
        size, its deflate stream must end where its compressed bytes do, and the CRC-32
        must match: what uv writes (the whole stream) is then what pip writes (the
        declared size) and what was read."""
        info = self._infos[member.name]
        name, filename = member.name, self._filename
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            # bzip2, lzma: zipfile stops at the declared size and checks the CRC there;
            # uv does not install these methods
            with self._zf.open(info) as stream:
                while chunk := stream.read(min(MiB, budget.room(filename, name) + 1)):
                    budget.spend(filename, name, len(chunk))
                    yield chunk
            return
        where = f"{filename}: member '{name}'"
        inflate = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
        at, left, size = self._data[name], info.compress_size, info.file_size
        out = crc = 0
        pending = b""
        while inflate is None or not inflate.eof:
            if not pending:
                if not left:
                    break
                self._fh.seek(at)
                pending = self._fh.read(min(left, MiB))
                if not pending:
                    raise ScanError(f"{filename}: cannot read '{name}': truncated")
                at, left = at + len(pending), left - len(pending)
            want = min(MiB, size - out, budget.room(filename, name)) + 1
            if inflate is None:
                data, pending = pending[:want], pending[want:]
            else:
                before = len(pending)
                data = inflate.decompress(pending, want)
                pending = inflate.unconsumed_tail
                if not data and len(pending) == before and not inflate.eof:
                    raise ScanError(f"{filename}: cannot read '{name}': its deflate stream "
                                    f"makes no progress")
            budget.spend(filename, name, len(data))
            out += len(data)
            if out > size:
                raise ScanError(f"{where} holds more data than its declared size {size}")
            if data:
                crc = zlib.crc32(data, crc)
                yield data
        if inflate is not None:
            if not inflate.eof:
                raise ScanError(f"{filename}: cannot read '{name}': its deflate stream is "
                                f"truncated")
            extra = len(inflate.unused_data) + len(pending) + left
            if extra:
                raise ScanError(f"{where} has {extra} compressed bytes after the end of its "
                                f"deflate stream")
        _check_read(where, filename, info, out, crc)

    def read_whole(self, member: Member, budget: _Budget) -> bytes | None:
        """A stored or deflated member in one piece, checked as ``chunks`` checks it to
        its end. None: let ``chunks`` read it."""
        info = self._infos[member.name]
        method = info.compress_type
        if method not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            return None
        filename = self._filename
        where = f"{filename}: member '{member.name}'"
        room = budget.room(filename, member.name)
        self._fh.seek(self._data[member.name])
        raw = self._fh.read(info.compress_size)
        if len(raw) != info.compress_size:
            raise ScanError(f"{filename}: cannot read '{member.name}': truncated")
        if method == zipfile.ZIP_STORED:
            data = raw[:min(info.file_size, room) + 1]
            budget.spend(filename, member.name, len(data))
        else:
            inflate = zlib.decompressobj(-15)
            data = inflate.decompress(raw, min(info.file_size, room) + 1)
            budget.spend(filename, member.name, len(data))
        if len(data) > info.file_size:
            raise ScanError(f"{where} holds more data than its declared size "
                            f"{info.file_size}")
        if method == zipfile.ZIP_DEFLATED and len(data) == info.file_size:
            if not inflate.eof:
                raise ScanError(f"{filename}: cannot read '{member.name}': its deflate "
                                f"stream is truncated")
            if inflate.unused_data:
                raise ScanError(f"{where} has {len(inflate.unused_data)} compressed bytes "
                                f"after the end of its deflate stream")
        _check_read(where, filename, info, len(data), zlib.crc32(data))
        return data

    def close(self) -> None:
        self._zf.close()
        self._fh.close()


def _check_read(where: str, filename: str, info: zipfile.ZipInfo, size: int,
                crc: int) -> None:
    if size != info.file_size:
        raise ScanError(f"{where} holds {size} bytes, not its declared size "
                        f"{info.file_size}")
    if crc != info.CRC:
        raise ScanError(f"{filename}: cannot read '{info.orig_filename}': CRC-32 mismatch "
                        f"(corrupt or altered data)")


def _open_zip(fh: IO[bytes], filename: str, limits: Limits, depth: int, budget: _Budget,
              verify: bool) -> Archive:
    try:
        zf = zipfile.ZipFile(fh)
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, struct.error,
            NotImplementedError, RuntimeError, KeyError, IndexError) as exc:
        raise ScanError(f"{filename}: not a readable zip archive ({exc})") from None
    if len(infos) > limits.max_members:
        raise ScanError(f"{filename}: {len(infos)} members (limit {limits.max_members})")
    start_dir = _check_end_records(fh, filename, zf, infos)
    members: list[Member] = []
    directories: list[str] = []
    by_name: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        _check_zip_name(filename, info)
        name = check_name(filename, info.filename)
        if name != info.filename.removesuffix("/"):
            raise ScanError(f"{filename}: member '{info.filename}' is not a normal path "
                            f"(read as '{name}' by some, as written by others)")
        if name in by_name or (name + "/") in by_name:
            raise ScanError(f"{filename}: duplicate member '{name}'")
        if info.flag_bits & 0x1:
            raise ScanError(f"{filename}: member '{name}' is encrypted")
        mode = info.external_attr >> 16
        if info.create_system == 3 and (mode & 0o170000) == 0o120000:
            raise ScanError(f"{filename}: member '{name}' is a symlink")
        if info.is_dir():
            by_name[name + "/"] = info
            directories.append(name + "/")
            continue
        by_name[name] = info
        members.append(Member(name=name, size=info.file_size,
                              compressed_size=info.compress_size,
                              executable=bool(mode & 0o111)))
    budget.declare(filename, members, fh.seek(0, 2), nested=depth > 0)
    offsets = _check_local_headers(fh, filename, start_dir, infos)
    files = {m.name: by_name[m.name] for m in members}
    data = {m.name: offsets[id(files[m.name])] for m in members}
    return Archive(filename, members, _ZipBackend(zf, files, fh, data, filename), limits, depth,
                   tuple(directories), budget=budget, verify=verify)


_UNICODE_PATH = 0x7075  # Info-ZIP Unicode Path extra field: a second name for the member


def _extra_tags(extra: bytes) -> list[int]:
    tags, pos = [], 0
    while pos + 4 <= len(extra):
        tag, size = struct.unpack_from("<HH", extra, pos)
        tags.append(tag)
        pos += 4 + size
    return tags


def _check_zip_name(filename: str, info: zipfile.ZipInfo) -> None:
    """One name for the member, whichever reader reads it: zipfile cuts a name at a NUL
    (others do not), reads a Unicode Path extra field from Python 3.12 on (3.11 does not),
    and decodes a name not flagged UTF-8 as cp437 (uv as UTF-8)."""
    raw = info.orig_filename
    if "\x00" in raw:
        raise ScanError(f"{filename}: member {raw!r} has a NUL in its name (zipfile reads "
                        f"it as '{info.filename}', other readers do not)")
    if "\\" in raw:
        check_name(filename, raw)  # absolute, or a backslash: refused with its own words
    if _UNICODE_PATH in _extra_tags(info.extra) or raw != info.filename:
        raise ScanError(f"{filename}: member '{raw}' has a second, Unicode Path name (zip "
                        f"readers disagree on its name)")
    if not raw.isascii() and not info.flag_bits & 0x800:
        raise ScanError(f"{filename}: member '{raw}' has a non-ASCII name not marked UTF-8 "
                        f"(zip readers decode it differently)")


_EOCD = struct.Struct("<4s4H2LH")  # signature, disk, disk of the directory, entries here,
#                                   entries in all, directory size, its offset, comment size
_EOCD64_LOCATOR = struct.Struct("<4sLQL")  # signature, disk, record offset, disks
_EOCD64 = struct.Struct("<4sQ2H2L4Q")  # signature, record size (44), made by, needed,
#                                        disk, directory disk, entries here, in all, size, offset


def _check_end_records(fh: IO[bytes], filename: str, zf: zipfile.ZipFile,
                       infos: list[zipfile.ZipInfo]) -> int:
    """The end of the archive must be read one way only: the end record is the last thing
    in the file (after it, its comment only: no trailing data, no archive hidden in the
    comment), a zip64 end record sits where its locator says and agrees with the classic
    record, the central directory ends where the end record(s) begin, holds exactly the
    entries counted and starts where zipfile started reading it. Returns its offset."""
    fh.seek(0, 2)
    size = fh.tell()
    tail_start = max(0, size - (0xFFFF + _EOCD.size))
    fh.seek(tail_start)
    tail = fh.read()
    pos = tail.rfind(b"PK\x05\x06")
    if pos < 0 or len(tail) - pos < _EOCD.size:
        raise ScanError(f"{filename}: not a readable zip archive (no end record)")
    (_sig, disk, cd_disk, entries_here, entries, cd_size, cd_offset,
     comment_size) = _EOCD.unpack_from(tail, pos)
    eocd = tail_start + pos
    trailing = size - (eocd + _EOCD.size + comment_size)
    if trailing:
        raise ScanError(f"{filename}: {trailing} bytes after the end of the zip archive"
                        if trailing > 0 else
                        f"{filename}: the zip comment runs past the end of the file")
    if any(1 <= b <= 8 for b in tail[pos + _EOCD.size:]):
        raise ScanError(f"{filename}: the zip comment holds binary data (an archive hidden "
                        f"in the comment?)")
    if disk or cd_disk or entries_here != entries:
        raise ScanError(f"{filename}: a multi-disk zip archive")
    cd_end = eocd
    if eocd >= _EOCD64_LOCATOR.size:
        fh.seek(eocd - _EOCD64_LOCATOR.size)
        locator = fh.read(_EOCD64_LOCATOR.size)
        if locator[:4] == b"PK\x06\x07":
            cd_end, entries, cd_size, cd_offset = _check_zip64(
                fh, filename, eocd, locator, (entries_here, entries, cd_size, cd_offset))
    if cd_offset + cd_size != cd_end or cd_offset != getattr(zf, "start_dir", cd_offset):
        raise ScanError(f"{filename}: the central directory does not end where the end "
                        f"record begins (data before the first member, or archives glued "
                        f"together)")
    if entries != len(infos):
        raise ScanError(f"{filename}: the end record counts {entries} members, the central "
                        f"directory holds {len(infos)}")
    held = sum(46 + len(_raw_name(i)) + len(i.extra) + len(i.comment) for i in infos)
    if held != cd_size:
        raise ScanError(f"{filename}: the central directory is {cd_size} bytes, its entries "
                        f"{held}")
    return int(cd_offset)


def _check_zip64(fh: IO[bytes], filename: str, eocd: int, locator: bytes,
                 classic: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    """(record offset, entries, directory size, directory offset) of the zip64 end record,
    which must sit right before its locator (zipfile assumes it does, others follow the
    locator), carry no extensible data, and agree with the classic record wherever that
    one does not say 'see zip64' (0xFFFF / 0xFFFFFFFF)."""
    _sig, disk, record_at, disks = _EOCD64_LOCATOR.unpack(locator)
    expected_at = eocd - _EOCD64_LOCATOR.size - _EOCD64.size
    fh.seek(max(expected_at, 0))
    record = fh.read(_EOCD64.size)
    if (disk or disks > 1 or expected_at < 0 or record_at != expected_at
            or len(record) != _EOCD64.size or record[:4] != b"PK\x06\x06"):
        raise ScanError(f"{filename}: the zip64 end record is not where its locator says "
                        f"(zip readers disagree on the central directory)")
    (_sig, record_size, _made, _needed, disk, cd_disk, entries_here, entries, cd_size,
     cd_offset) = _EOCD64.unpack(record)
    if record_size != _EOCD64.size - 12 or disk or cd_disk:
        raise ScanError(f"{filename}: the zip64 end record holds extensible data or spans "
                        f"disks")
    wide = (entries_here, entries, cd_size, cd_offset)
    sentinels = (0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF)
    if any(c != w and c != s for c, w, s in zip(classic, wide, sentinels, strict=True)):
        raise ScanError(f"{filename}: the zip64 end record disagrees with the classic one "
                        f"(entries, central directory size or offset)")
    return expected_at, entries, cd_size, cd_offset


def _raw_name(info: zipfile.ZipInfo) -> bytes:
    name = info.orig_filename
    return name.encode("utf-8" if info.flag_bits & 0x800 else "cp437")


def _check_local_headers(fh: IO[bytes], filename: str, start_dir: int,
                         infos: list[zipfile.ZipInfo]) -> dict[int, int]:
    """Every local header must agree with the central directory, and the members must
    follow one another from offset 0 up to the central directory: no overlap, and no byte
    that belongs to no member (data before the first member, or between two: a streaming
    reader, which reads local headers in order, would find other members there).
    Returns id(info) -> offset of the member's compressed bytes."""
    offsets: dict[int, int] = {}
    expected, previous = 0, ""
    seek, read, unpack, size = fh.seek, fh.read, _LOCAL.unpack, _LOCAL.size
    for info in sorted(infos, key=lambda i: i.header_offset):
        start = info.header_offset
        if start < expected:
            raise ScanError(f"{filename}: member '{info.filename}' overlaps '{previous}' "
                            f"(overlapping zip members)")
        if start > expected:
            raise ScanError(f"{filename}: {start - expected} bytes before member "
                            f"'{info.filename}' belong to no member (data before the first "
                            f"member, or archives glued together)")
        seek(start)
        header = read(size)
        if len(header) != size:
            raise ScanError(f"{filename}: member '{info.filename}': truncated local header")
        (sig, _ver, flags, method, _t, _d, _crc, csize, usize, nlen,
         elen) = unpack(header)
        rest = read(nlen + elen)
        if (sig != b"PK\x03\x04" or rest[:nlen] != _raw_name(info)
                or method != info.compress_type or (not flags & 0x8 and (
                    csize != info.compress_size or usize != info.file_size))):
            _header_mismatch(filename, info, header, rest)
        if _UNICODE_PATH in _extra_tags(rest[nlen:]):
            raise ScanError(f"{filename}: member '{info.filename}' has a second, Unicode "
                            f"Path name in its local header (zip readers disagree on its "
                            f"name)")
        offsets[id(info)] = data = start + size + nlen + elen
        expected = data + info.compress_size
        previous = info.filename
        if expected > start_dir:
            raise ScanError(f"{filename}: member '{info.filename}' runs into the central "
                            f"directory")
        if flags & 0x8:
            expected += _descriptor_size(fh, filename, info, expected, start_dir)
    if expected != start_dir:
        raise ScanError(f"{filename}: {start_dir - expected} bytes between the last member "
                        f"and the central directory belong to no member")
    return offsets


def _descriptor_size(fh: IO[bytes], filename: str, info: zipfile.ZipInfo, at: int,
                     start_dir: int) -> int:
    """The length of the data descriptor at ``at`` (optional signature, CRC-32, sizes of 4
    or 8 bytes), which must repeat the central directory's CRC and sizes and be followed by
    the next local header or the central directory."""
    fh.seek(at)
    raw = fh.read(24)
    for length in (12, 16, 20, 24):
        body = raw[4:length] if length in (16, 24) else raw[:length]
        if len(body) != length - (4 if length in (16, 24) else 0):
            continue
        if length in (16, 24) and raw[:4] != b"PK\x07\x08":
            continue
        wide = len(body) == 20
        crc, csize, usize = struct.unpack("<LQQ" if wide else "<LLL", body)
        if (crc, csize, usize) != (info.CRC, info.compress_size, info.file_size):
            continue
        after = at + length
        if after == start_dir:
            return length
        fh.seek(after)
        if fh.read(4) == b"PK\x03\x04":
            return length
    raise ScanError(f"{filename}: member '{info.filename}': its data descriptor disagrees "
                    f"with the central directory")


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
    if raw_name != _raw_name(info):
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
    """A decompressed stream that fails once more than ``limit`` bytes come out of it,
    asking for no more than one byte past the limit."""

    def __init__(self, inner: _Readable, limit: int, message: Callable[[], str]) -> None:
        self._inner = inner
        self._left = limit
        self._message = message

    def readable(self) -> bool:
        return True

    def readinto(self, buf: memoryview) -> int:  # type: ignore[override]
        data = self._inner.read(min(len(buf), self._left + 1))
        self._left -= len(data)
        if self._left < 0:
            raise ScanError(self._message())
        buf[: len(data)] = data
        return len(data)


class _NotKept(ScanError):
    """A tar member the caller did not ask to keep: no fault of the archive."""


class _TarBackend:
    def __init__(self, kept: dict[str, bytes]) -> None:
        self._kept = kept

    def read_whole(self, member: Member, budget: _Budget) -> bytes | None:
        return None

    def chunks(self, member: Member, budget: _Budget) -> Generator[bytes]:
        if member.name not in self._kept:
            raise _NotKept(f"'{member.name}' was not kept while reading the tar stream")
        yield self._kept[member.name]

    def close(self) -> None:
        self._kept.clear()


def _walk_tar(path: Path, filename: str, limits: Limits,
              visit: Callable[[tarfile.TarFile, tarfile.TarInfo], None]) -> None:
    """Read the .tar.gz stream once, calling ``visit`` for every header in order."""
    compressed = path.stat().st_size
    # the ratio applies above the floor only; tar headers and padding cost 512-byte blocks
    # on top of the declared sizes
    bound = min(limits.max_total_size,
                max(limits.ratio_floor, compressed * limits.max_ratio)) + MiB
    current = [""]

    def message() -> str:
        at = f", reading member '{current[0]}'" if current[0] else ""
        return (f"{filename}: decompresses to more than {bound} bytes{at} (limit "
                f"{limits.max_ratio}:1 above {limits.ratio_floor} bytes, "
                f"{limits.max_total_size} in all), a gzip bomb")

    try:
        with path.open("rb") as raw, gzip.GzipFile(fileobj=raw, mode="rb") as gz:
            stream = io.BufferedReader(_Bounded(gz, bound, message), MiB)
            with tarfile.open(fileobj=stream, mode="r|") as tf:
                for info in tf:
                    current[0] = info.name
                    visit(tf, info)
    except ScanError:
        raise
    except (OSError, EOFError, tarfile.TarError, zlib.error, ValueError) as exc:
        raise ScanError(f"{filename}: not a readable .tar.gz archive ({exc})") from None


def _open_tar(path: Path, filename: str, limits: Limits, keep: Callable[[str], bool]) -> Archive:
    members: list[Member] = []
    kept: dict[str, bytes] = {}
    seen: set[str] = set()
    directories: set[str] = set()
    wanted: set[str] = set()  # targets of kept links: keep their bytes when they come
    total = kept_total = 0

    def keep_bytes(tf: tarfile.TarFile, info: tarfile.TarInfo, name: str) -> None:
        nonlocal kept_total
        kept_total += info.size
        if kept_total > limits.max_kept:
            raise ScanError(f"{filename}: code members hold more than {limits.max_kept} "
                            f"bytes")
        fobj = tf.extractfile(info)
        kept[name] = _read_bounded(fobj, info.size) if fobj else b""

    def visit(tf: tarfile.TarFile, info: tarfile.TarInfo) -> None:
        nonlocal total
        if len(seen) >= limits.max_members:
            raise ScanError(f"{filename}: more than {limits.max_members} members")
        name = check_name(filename, info.name)
        if info.isdir():
            directories.add(name)
            return
        if name in seen:
            raise ScanError(f"{filename}: duplicate member '{name}'")
        seen.add(name)
        if info.isdev() or info.isfifo() or not (info.isfile() or info.issym()
                                                  or info.islnk()):
            raise ScanError(f"{filename}: member '{name}' is a device or special file")
        if info.issym() or info.islnk():
            target = _link_target(filename, name, info)
            members.append(Member(name=name, size=0, compressed_size=0, link_target=target))
            if keep(name) or name in wanted:
                wanted.add(target)
            return
        if info.size > limits.max_member_size:
            raise ScanError(f"{filename}: member '{name}' declares {info.size} bytes "
                            f"(limit {limits.max_member_size})")
        total += info.size
        if total > limits.max_total_size:
            raise ScanError(f"{filename}: members up to '{name}' declare {total} bytes in "
                            f"all (limit {limits.max_total_size})")
        members.append(Member(name=name, size=info.size, compressed_size=info.size,
                              executable=bool(info.mode & 0o111)))
        if info.size <= limits.max_read and (keep(name) or name in wanted):
            keep_bytes(tf, info, name)

    _walk_tar(path, filename, limits, visit)
    members = _resolve_links(filename, members, directories)
    # a kept link whose target came before it, unkept: read the stream once more for those
    sizes = {m.name: m.size for m in members if m.link_target is None}
    missing = {m.link_target for m in members if m.link_target is not None and keep(m.name)
               and m.link_target not in kept and sizes[m.link_target] <= limits.max_read}
    if missing:
        def again(tf: tarfile.TarFile, info: tarfile.TarInfo) -> None:
            name = check_name(filename, info.name)
            if name in missing and info.isfile():
                keep_bytes(tf, info, name)

        _walk_tar(path, filename, limits, again)
    return Archive(filename, members, _TarBackend(kept), limits, 0)


def _resolve_links(filename: str, members: list[Member],
                   directories: set[str]) -> list[Member]:
    """Links as pip extracts them (tarfile's data filter, members in order), refused
    unless each is one more name for a regular file of the archive:

    - a member (file, link or directory) below a link: pip writes it through the link,
      over the file the link leads to (``lnk -> .`` then ``lnk/pyproject.toml``);
    - a link to a directory: the tree then holds the directory's files under a second
      path (a package, a build file) that nothing here reads;
    - a link to nothing in the archive, or a cycle: what it reads is not in the archive.

    Returns the members with each link's ``link_target`` the regular file it reads."""
    files = {m.name for m in members if m.link_target is None}
    links = {m.name: m.link_target for m in members if m.link_target is not None}
    parents: set[str] = set(directories)
    for name in sorted({*files, *links, *directories}):
        parts = name.split("/")
        for i in range(1, len(parts)):
            prefix = "/".join(parts[:i])
            if prefix in links:
                raise ScanError(f"{filename}: member '{name}' is inside link '{prefix}' "
                                f"(extracting it writes through the link)")
            parents.add(prefix)
    both = sorted(directories & links.keys())
    if both:
        raise ScanError(f"{filename}: member '{both[0]}' is both a directory and a link")
    resolved: dict[str, str] = {}
    for name, target in links.items():
        chain = [name]
        while target in links:
            if target in chain:
                raise ScanError(f"{filename}: link '{name}' is part of a cycle of links")
            chain.append(target)
            target = links[target]
        if target in files:
            resolved[name] = target
        elif target == "" or target in parents:
            raise ScanError(f"{filename}: link '{name}' points at a directory "
                            f"('{target or '.'}')")
        else:
            raise ScanError(f"{filename}: link '{name}' points at nothing in the archive "
                            f"('{target}')")
    return [Member(name=m.name, size=m.size, compressed_size=m.compressed_size,
                   executable=m.executable, link_target=resolved[m.name])
            if m.link_target is not None else m for m in members]


def _link_target(filename: str, name: str, info: tarfile.TarInfo) -> str:
    target = info.linkname
    if "\\" in target:
        raise ScanError(f"{filename}: link '{name}' has a backslash in its target "
                        f"('{target}')")
    if info.issym() and not target.startswith("/"):
        base = name.rsplit("/", 1)[0] if "/" in name else ""
        target = posixpath.normpath(f"{base}/{target}" if base else target)
    try:
        return check_name(filename, target)
    except ScanError:
        raise ScanError(f"{filename}: link '{name}' points outside the archive "
                        f"('{info.linkname}')") from None
