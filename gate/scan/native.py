"""Native binaries -> findings: the file itself is ``native``; its imported symbols say more.

The symbols an ELF (.dynsym undefined symbols), Mach-O (LC_SYMTAB undefined externals) or
PE (import directory) file imports are read with ``struct`` from bounded reads: a binary
that does not parse still counts as ``native``, it only yields no further evidence.

An executable script that is not Python (a shell script, a ``#!`` line naming another
interpreter, no ``#!`` line at all) is ``native`` too (``script_finding``): code that runs
outside the Python interpreter, which the scan cannot read, exactly like an executable
binary in the scripts directory.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable, Mapping
from types import MappingProxyType

from gate.errors import ScanError
from gate.model import Capability, Finding, Phase

ReadAt = Callable[[int, int], bytes]

_NETWORK = ("connect", "socket", "getaddrinfo", "gethostbyname", "gethostbyname2",
            "gethostbyname_r", "gethostbyaddr", "getnameinfo", "bind", "listen", "accept",
            "accept4", "sendto", "recvfrom", "sendmsg", "recvmsg", "WSAStartup",
            "WSAConnect", "InternetOpenA", "InternetOpenW", "WinHttpOpen", "URLDownloadToFileA",
            "URLDownloadToFileW")
_SUBPROCESS = ("execve", "execv", "execvp", "execvpe", "execl", "execlp", "execle", "fexecve",
               "fork", "vfork", "posix_spawn", "posix_spawnp", "system", "popen",
               "CreateProcessA", "CreateProcessW", "CreateProcessAsUserW", "ShellExecuteA",
               "ShellExecuteW", "ShellExecuteExW", "WinExec", "_wsystem", "_popen", "_wpopen")
_THREADS = ("pthread_create", "thrd_create", "CreateThread", "_beginthread", "_beginthreadex")
_ENV = ("getenv", "secure_getenv", "__secure_getenv", "GetEnvironmentVariableA",
        "GetEnvironmentVariableW", "_wgetenv", "getpwuid", "getpwnam", "gethostname",
        "GetUserNameA", "GetUserNameW")
_DYNAMIC = ("dlopen", "dlmopen", "LoadLibraryA", "LoadLibraryW", "LoadLibraryExA",
            "LoadLibraryExW")

# imported symbol -> capability (one table, one line per group)
SYMBOLS: Mapping[str, Capability] = MappingProxyType({
    **dict.fromkeys(_NETWORK, Capability.NETWORK),
    **dict.fromkeys(_SUBPROCESS, Capability.SUBPROCESS),
    **dict.fromkeys(_THREADS, Capability.THREADS),
    **dict.fromkeys(_ENV, Capability.ENV),
    **dict.fromkeys(_DYNAMIC, Capability.DYNAMIC_CODE),
})

_EXTENSION = re.compile(r"\.(?:so|pyd)$")
_LIBRARY = re.compile(r"\.(?:so(?:\.\d+)+|dylib|dll)$")

MAGICS = (b"\x7fELF", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe",
          b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"\xca\xfe\xba\xbf", b"MZ")


def binary_kind(path: str) -> str | None:
    """'compiled extension' (.so, .pyd), 'shared library' (.so.N, .dylib, .dll) or None."""
    base = path.rsplit("/", 1)[-1].lower()
    if ".so" not in base and not base.endswith((".pyd", ".dylib", ".dll")):
        return None  # what both patterns need, checked without a regex
    if _EXTENSION.search(base):
        return "compiled extension"
    if _LIBRARY.search(base):
        return "shared library"
    return None


def is_binary(head: bytes) -> bool:
    """Does ``head`` (the first bytes of a file) start like an ELF, Mach-O or PE binary?"""
    return head.startswith(MAGICS)


def binary_findings(path: str, symbols: frozenset[str], *, kind: str,
                    phase: Phase) -> list[Finding]:
    """``native`` for the file, plus one finding per catalogued imported symbol."""
    out = [Finding(path=path, line=0, capability=Capability.NATIVE, phase=phase,
                   detail=f"{kind} {path}")]
    for sym in sorted(symbols):
        cap = SYMBOLS.get(sym)
        if cap is not None:
            out.append(Finding(path=path, line=0, capability=cap, phase=phase,
                               detail=f"imports {sym}"))
    return out


def script_finding(path: str, runs: str, *, phase: Phase = Phase.RUNTIME) -> Finding:
    """``native`` for an executable script that is not Python: ``runs`` says what runs it
    (``"'/bin/sh'"``, ``"a shell (no #! line)"``)."""
    return Finding(path=path, line=0, capability=Capability.NATIVE, phase=phase,
                   detail=f"executable script {path} runs under {runs}, not Python: not "
                          f"analysed")


def imported_symbols(read_at: ReadAt, size: int) -> frozenset[str]:
    """Undefined/imported symbol names of an ELF, Mach-O or PE file; empty if unknown."""
    head = read_at(0, 64)
    try:
        if head.startswith(b"\x7fELF"):
            return _elf(read_at, head, size)
        if head[:4] in (b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe",
                        b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"\xca\xfe\xba\xbf"):
            return _macho(read_at, 0, size, fat_ok=True)
        if head.startswith(b"MZ"):
            return _pe(read_at, size)
    except (struct.error, IndexError, ValueError, _Malformed):
        return frozenset()
    return frozenset()


class _Malformed(Exception):
    pass


_MAX_TABLE = 64 * 1024 * 1024


def _need(data: bytes, n: int) -> bytes:
    if len(data) < n:
        raise _Malformed
    return data


def _read(read_at: ReadAt, offset: int, length: int, size: int) -> bytes:
    if offset < 0 or length < 0 or length > _MAX_TABLE or offset + length > size:
        raise _Malformed
    try:
        return _need(read_at(offset, length), length)
    except ScanError:
        raise _Malformed from None


def _cstr(table: bytes, offset: int) -> str:
    end = table.find(b"\x00", offset)
    return table[offset:end if end >= 0 else len(table)].decode("ascii", "replace")


# -- ELF ---------------------------------------------------------------------------------

def _elf(read_at: ReadAt, head: bytes, size: int) -> frozenset[str]:
    _need(head, 52)
    bits = {1: 32, 2: 64}.get(head[4])
    end = {1: "<", 2: ">"}.get(head[5])
    if bits is None or end is None:
        raise _Malformed
    if bits == 64:
        shoff, = struct.unpack_from(end + "Q", head, 0x28)
        shentsize, shnum = struct.unpack_from(end + "HH", head, 0x3A)
        sh, sym = struct.Struct(end + "IIQQQQIIQQ"), struct.Struct(end + "IBBHQQ")
    else:
        shoff, = struct.unpack_from(end + "I", head, 0x20)
        shentsize, shnum = struct.unpack_from(end + "HH", head, 0x2E)
        sh, sym = struct.Struct(end + "IIIIIIIIII"), struct.Struct(end + "IIIBBH")
    if shoff == 0 or shnum == 0 or shentsize < sh.size:
        return frozenset()
    table = _read(read_at, shoff, shnum * shentsize, size)
    sections = [sh.unpack_from(table, i * shentsize) for i in range(shnum)]
    names: set[str] = set()
    for s in sections:
        if s[1] != 11:  # SHT_DYNSYM
            continue
        offset, length, link = s[4], s[5], s[6]
        if link >= len(sections):
            raise _Malformed
        strs = _read(read_at, sections[link][4], sections[link][5], size)
        syms = _read(read_at, offset, length, size)
        for i in range(length // sym.size):
            fields = sym.unpack_from(syms, i * sym.size)
            if bits == 64:
                st_name, st_info, st_shndx = fields[0], fields[1], fields[3]
            else:
                st_name, st_info, st_shndx = fields[0], fields[3], fields[5]
            if st_name and st_shndx == 0 and (st_info >> 4) in (1, 2):  # UNDEF GLOBAL/WEAK
                names.add(_cstr(strs, st_name))
    return frozenset(names)


# -- Mach-O ------------------------------------------------------------------------------

def _macho(read_at: ReadAt, base: int, size: int, *, fat_ok: bool) -> frozenset[str]:
    head = _read(read_at, base, 32, size)
    magic = head[:4]
    if magic in (b"\xca\xfe\xba\xbe", b"\xca\xfe\xba\xbf") and fat_ok:
        nfat, = struct.unpack_from(">I", head, 4)
        if not 0 < nfat <= 32:  # 0xcafebabe is also a Java class file
            raise _Malformed
        wide = magic == b"\xca\xfe\xba\xbf"
        entry = struct.Struct(">iiQQII" if wide else ">iiIII")
        archs = _read(read_at, base + 8, nfat * entry.size, size)
        names: set[str] = set()
        for i in range(nfat):
            offset = entry.unpack_from(archs, i * entry.size)[2]
            names |= _macho(read_at, offset, size, fat_ok=False)
        return frozenset(names)
    if magic in (b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf"):
        end = ">"
    elif magic in (b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe"):
        end = "<"
    else:
        raise _Malformed
    wide = magic in (b"\xfe\xed\xfa\xcf", b"\xcf\xfa\xed\xfe")
    ncmds, sizeofcmds = struct.unpack_from(end + "II", head, 16)
    header = 32 if wide else 28
    cmds = _read(read_at, base + header, sizeofcmds, size)
    pos = 0
    for _ in range(ncmds):
        cmd, cmdsize = struct.unpack_from(end + "II", cmds, pos)
        if cmd == 0x2:  # LC_SYMTAB
            symoff, nsyms, stroff, strsize = struct.unpack_from(end + "IIII", cmds, pos + 8)
            nlist = struct.Struct(end + ("IBBHQ" if wide else "IBBHI"))
            syms = _read(read_at, base + symoff, nsyms * nlist.size, size)
            strs = _read(read_at, base + stroff, strsize, size)
            out: set[str] = set()
            for i in range(nsyms):
                strx, ntype = nlist.unpack_from(syms, i * nlist.size)[:2]
                if ntype & 0xE0 == 0 and ntype & 0x0E == 0 and ntype & 0x01:  # N_UNDF|N_EXT
                    name = _cstr(strs, strx)
                    out.add(name[1:] if name.startswith("_") else name)
            return frozenset(out)
        if cmdsize < 8:
            raise _Malformed
        pos += cmdsize
    return frozenset()


# -- PE ----------------------------------------------------------------------------------

_MAX_PE_NAMES = 20_000


def _pe(read_at: ReadAt, size: int) -> frozenset[str]:
    dos = _read(read_at, 0, 64, size)
    lfanew, = struct.unpack_from("<I", dos, 0x3C)
    coff = _read(read_at, lfanew, 24, size)
    if coff[:4] != b"PE\x00\x00":
        raise _Malformed
    nsections, = struct.unpack_from("<H", coff, 6)
    optsize, = struct.unpack_from("<H", coff, 20)
    opt = _read(read_at, lfanew + 24, optsize, size)
    magic, = struct.unpack_from("<H", opt, 0)
    plus = magic == 0x20B
    dirs = 112 if plus else 96
    if struct.unpack_from("<I", opt, dirs - 4)[0] < 2:
        return frozenset()
    import_rva, _import_size = struct.unpack_from("<II", opt, dirs + 8)
    sections = _read(read_at, lfanew + 24 + optsize, nsections * 40, size)
    spans = [struct.unpack_from("<IIII", sections, i * 40 + 8) for i in range(nsections)]
    image = _PEImage(read_at, size, spans)
    names: set[str] = set()
    thunk = struct.Struct("<Q" if plus else "<I")
    ordinal_bit = 1 << (63 if plus else 31)
    for i in range(4096):
        desc = image.read(import_rva + 20 * i, 20)
        original, _ts, _fwd, _name, first = struct.unpack("<IIIII", desc)
        if not (original or first):
            break
        lookup = original or first
        for j in range(_MAX_PE_NAMES):
            value, = thunk.unpack(image.read(lookup + j * thunk.size, thunk.size))
            if value == 0:
                break
            if not value & ordinal_bit:
                names.add(image.cstr((value & 0x7FFFFFFF) + 2))
            if len(names) > _MAX_PE_NAMES:
                return frozenset(names)
    return frozenset(names)


class _PEImage:
    """RVA reads through the section table, with one cached window per section."""

    def __init__(self, read_at: ReadAt, size: int, spans: list[tuple[int, ...]]) -> None:
        self._read_at = read_at
        self._size = size
        self._spans = spans
        self._cache: dict[int, bytes] = {}

    def _section(self, rva: int) -> tuple[int, bytes]:
        for vsize, va, rawsize, rawptr in self._spans:
            if va <= rva < va + max(vsize, rawsize):
                if va not in self._cache:
                    length = min(rawsize, max(self._size - rawptr, 0))
                    self._cache[va] = _read(self._read_at, rawptr, length, self._size)
                return va, self._cache[va]
        raise _Malformed

    def read(self, rva: int, n: int) -> bytes:
        va, data = self._section(rva)
        return _need(data[rva - va:rva - va + n], n)

    def cstr(self, rva: int) -> str:
        va, data = self._section(rva)
        return _cstr(data, rva - va)
