"""Native binaries -> findings: the file itself is ``native``; its imported symbols say more.

The symbols an ELF (undefined symbols of .dynsym, and of the PT_DYNAMIC tables the dynamic
linker reads: section headers are optional at run time), Mach-O (LC_SYMTAB undefined
externals) or PE (import directory) file imports are read with ``struct`` from bounded
reads (a table above 64 MiB in windows, never skipped): a binary that does not parse still
counts as ``native``, it only yields no further evidence.

Phases: the ``native`` finding has the phase the caller gives (an extension's init runs
when it is imported); what its imported symbols reveal is only known to be callable, so
it is ``runtime`` unless the caller forces ``install`` or ``startup`` (a binary run then:
everything it does happens then).

A binary that imports a run-time resolver (``dlsym``, ``GetProcAddress``, ...) can call
any function by name (``dlsym(RTLD_DEFAULT, "sys" "tem")``): its imported symbols do not
bound it, and it gets one ``dynamic-code`` finding naming every resolver it imports. A
library loader alone (``dlopen``, ``LoadLibrary*``) is ``dynamic-code`` too (the library's
initialisers run), with its own wording (how often each occurs: see RESOLVERS).

An executable script that is not Python (a shell script, a ``#!`` line naming another
interpreter, no ``#!`` line at all) is ``native`` too (``script_finding``): code that runs
outside the Python interpreter, which the scan cannot read, exactly like an executable
binary in the scripts directory.
"""

from __future__ import annotations

import array
import re
import struct
import sys
from bisect import bisect_left
from collections.abc import Callable, Iterator, Mapping
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

# imported symbol -> capability (one table, one line per group)
SYMBOLS: Mapping[str, Capability] = MappingProxyType({
    **dict.fromkeys(_NETWORK, Capability.NETWORK),
    **dict.fromkeys(_SUBPROCESS, Capability.SUBPROCESS),
    **dict.fromkeys(_THREADS, Capability.THREADS),
    **dict.fromkeys(_ENV, Capability.ENV),
})

# Run-time symbol resolvers: a function's address from its name (a string the binary may
# build at run time). Over the 4210 binaries in 887 real wheels (numpy, tensorflow,
# cryptography, lxml, PyQt5, ...): dlsym 199, dlvsym 1, GetProcAddress 15, the others 0;
# 214 binaries in 86 wheels import one.
# Not here: dladdr (address -> name, 113 binaries, backtraces) and dl_iterate_phdr (108,
# libgcc's unwinder): both are everywhere and name nothing to call.
_RESOLVE = ("dlsym", "dlvsym", "__libc_dlsym", "__libc_dlvsym", "GetProcAddress",
            "LdrGetProcedureAddress", "LdrGetProcedureAddressEx",
            "LdrGetProcedureAddressForCaller", "NSAddressOfSymbol", "NSLookupSymbolInImage",
            "NSLookupSymbolInModule", "NSLookupAndBindSymbol", "NSLookupAndBindSymbolWithHint")
# Library loaders: load code by path or name and run its initialisers. dlopen 167,
# dlmopen 11, LoadLibraryA 9, LoadLibraryW 9, LoadLibraryExW 6; all but 2 of the 182
# binaries importing one also import a resolver.
_LOAD = ("dlopen", "dlmopen", "__libc_dlopen_mode", "LoadLibraryA", "LoadLibraryW",
         "LoadLibraryExA", "LoadLibraryExW", "LdrLoadDll", "NSAddImage", "NSLinkModule",
         "NSCreateObjectFileImageFromFile", "NSCreateObjectFileImageFromMemory")
RESOLVERS: frozenset[str] = frozenset(_RESOLVE)
LOADERS: frozenset[str] = frozenset(_LOAD)

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
    """``native`` for the file in ``phase``; one ``dynamic-code`` finding when it imports
    a resolver or loader; one finding per catalogued imported symbol. The last two are
    ``runtime`` unless ``phase`` is ``install`` or ``startup`` (forced: kept)."""
    out = [Finding(path=path, line=0, capability=Capability.NATIVE, phase=phase,
                   detail=f"{kind} {path}")]
    called = phase if phase in (Phase.INSTALL, Phase.STARTUP) else Phase.RUNTIME
    if dynamic := dynamic_detail(symbols):
        out.append(Finding(path=path, line=0, capability=Capability.DYNAMIC_CODE,
                           phase=called, detail=dynamic))
    for sym in sorted(symbols):
        cap = SYMBOLS.get(sym)
        if cap is not None:
            out.append(Finding(path=path, line=0, capability=cap, phase=called,
                               detail=f"imports {sym} (native code may call it)"))
    return out


def dynamic_detail(symbols: frozenset[str]) -> str | None:
    """What a binary importing ``symbols`` can reach past its imports, or None."""
    names = ", ".join(sorted(symbols & (RESOLVERS | LOADERS)))
    if symbols & RESOLVERS:
        return (f"resolves functions by name at run time ({names}): its imported symbols "
                f"do not bound what it calls")
    if names:
        return (f"loads libraries at run time ({names}): their code runs, and is not "
                f"bounded by its imported symbols")
    return None


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


_MAX_TABLE = 64 * 1024 * 1024  # bytes of one table read at once
_NAME_MAX = 4096


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


def _records(read_at: ReadAt, offset: int, length: int, size: int,
             entry: int) -> Iterator[tuple[bytes, int]]:
    """A table of ``entry``-byte records, in windows of at most _MAX_TABLE bytes: (window,
    records in it). A table above the bound is still read whole, never skipped: padding
    it past 64 MiB must not hide what it lists (libtensorflow_cc.so.2's .dynstr is 82 MB)."""
    if offset < 0 or length < 0 or offset + length > size:
        raise _Malformed
    count = length // entry
    per = max(_MAX_TABLE // entry, 1)
    for first in range(0, count, per):
        n = min(per, count - first)
        yield _read(read_at, offset + first * entry, n * entry, size), n


def _names(read_at: ReadAt, offset: int, length: int, size: int,
           wanted: set[int]) -> set[str]:
    """The strings at the ``wanted`` offsets of a string table, read in bounded windows
    (a name running past a window's overlap is cut there: every catalogued name is far
    shorter than _NAME_MAX)."""
    if offset < 0 or length < 0 or offset + length > size:
        raise _Malformed
    out: set[str] = set()
    todo = sorted(o for o in wanted if o < length)
    step = _MAX_TABLE - _NAME_MAX
    i = 0
    while i < len(todo):
        start = todo[i]  # windows start at a wanted offset: none are read for nothing
        window = _read(read_at, offset + start, min(step + _NAME_MAX, length - start), size)
        while i < len(todo) and todo[i] < start + step:
            out.add(_cstr(window, todo[i] - start))
            i += 1
    return out


# -- ELF ---------------------------------------------------------------------------------

def _elf(read_at: ReadAt, head: bytes, size: int) -> frozenset[str]:
    """The undefined symbols of .dynsym (section headers) and those the dynamic linker
    binds (``_elf_dynamic``): each read on its own, so that breaking one leaves the other."""
    _need(head, 52)
    bits = {1: 32, 2: 64}.get(head[4])
    end = {1: "<", 2: ">"}.get(head[5])
    if bits is None or end is None:
        raise _Malformed
    names: set[str] = set()
    for part in (_elf_sections, _elf_dynamic):
        try:
            names |= part(read_at, head, size, bits, end)
        except (struct.error, IndexError, ValueError, _Malformed):
            pass
    return frozenset(names)


def _elf_symbol(bits: int, end: str) -> struct.Struct:
    return struct.Struct(end + ("IBBHQQ" if bits == 64 else "IIIBBH"))


def _undefined(fields: tuple[int, ...], bits: int) -> int:
    """st_name of an undefined GLOBAL/WEAK symbol, else 0."""
    if bits == 64:
        st_name, st_info, st_shndx = fields[0], fields[1], fields[3]
    else:
        st_name, st_info, st_shndx = fields[0], fields[3], fields[5]
    return st_name if st_shndx == 0 and (st_info >> 4) in (1, 2) else 0


def _elf_sections(read_at: ReadAt, head: bytes, size: int, bits: int,
                  end: str) -> set[str]:
    if bits == 64:
        shoff, = struct.unpack_from(end + "Q", head, 0x28)
        shentsize, shnum = struct.unpack_from(end + "HH", head, 0x3A)
        sh = struct.Struct(end + "IIQQQQIIQQ")
    else:
        shoff, = struct.unpack_from(end + "I", head, 0x20)
        shentsize, shnum = struct.unpack_from(end + "HH", head, 0x2E)
        sh = struct.Struct(end + "IIIIIIIIII")
    sym = _elf_symbol(bits, end)
    if shoff == 0 or shnum == 0 or shentsize < sh.size:
        return set()
    table = _read(read_at, shoff, shnum * shentsize, size)
    sections = [sh.unpack_from(table, i * shentsize) for i in range(shnum)]
    names: set[str] = set()
    for s in sections:
        if s[1] != 11:  # SHT_DYNSYM
            continue
        offset, length, link = s[4], s[5], s[6]
        if link >= len(sections):
            raise _Malformed
        wanted: set[int] = set()
        for syms, count in _records(read_at, offset, length, size, sym.size):
            for fields in sym.iter_unpack(syms[:count * sym.size]):
                wanted.add(_undefined(fields, bits))
        wanted.discard(0)
        names |= _names(read_at, sections[link][4], sections[link][5], size, wanted)
    return names


def _symbol_indices(raw: bytes, entry: struct.Struct, bits: int, end: str,
                    shift: int) -> set[int]:
    """The symbol indices (r_info >> shift) of a run of REL/RELA entries."""
    if bits == 64:  # r_info's high half, one 32-bit word per entry: fast on 10^5 entries
        words = array.array("I", raw)
        if (end == "<") != (sys.byteorder == "little"):
            words.byteswap()
        return set(words[(3 if end == "<" else 2)::entry.size // 4])
    return {r[1] >> shift for r in entry.iter_unpack(raw)}


# d_tag values the dynamic linker reads (glibc keeps the last entry of each)
_DT_PLTRELSZ, _DT_STRTAB, _DT_SYMTAB, _DT_RELA, _DT_RELASZ = 2, 5, 6, 7, 8
_DT_STRSZ, _DT_SYMENT, _DT_REL, _DT_RELSZ, _DT_PLTREL, _DT_JMPREL = 10, 11, 17, 18, 20, 23


def _elf_dynamic(read_at: ReadAt, head: bytes, size: int, bits: int,
                 end: str) -> set[str]:
    """The undefined symbols the dynamic linker binds: those the relocations of PT_DYNAMIC
    name, in its DT_SYMTAB / DT_STRTAB. Section headers play no part in loading a binary:
    one stripped of them, or with a decoy .dynsym, runs all the same."""
    if bits == 64:
        phoff, = struct.unpack_from(end + "Q", head, 0x20)
        phentsize, phnum = struct.unpack_from(end + "HH", head, 0x36)
        ph, dyn = struct.Struct(end + "IIQQQQQQ"), struct.Struct(end + "qQ")
        rel, rela, shift = struct.Struct(end + "QQ"), struct.Struct(end + "QQq"), 32
    else:
        phoff, = struct.unpack_from(end + "I", head, 0x1C)
        phentsize, phnum = struct.unpack_from(end + "HH", head, 0x2A)
        ph, dyn = struct.Struct(end + "IIIIIIII"), struct.Struct(end + "iI")
        rel, rela, shift = struct.Struct(end + "II"), struct.Struct(end + "IIi"), 8
    if phoff == 0 or phnum == 0 or phentsize < ph.size:
        return set()
    table = _read(read_at, phoff, phnum * phentsize, size)
    loads: list[tuple[int, int, int]] = []  # (p_vaddr, p_offset, p_filesz)
    dynamic: tuple[int, int] | None = None
    for i in range(phnum):
        f = ph.unpack_from(table, i * phentsize)
        kind, offset, vaddr, filesz = (f[0], f[2], f[3], f[5]) if bits == 64 else f[:3] + f[4:5]
        if kind == 1:  # PT_LOAD
            loads.append((vaddr, offset, filesz))
        elif kind == 2:  # PT_DYNAMIC
            dynamic = (offset, filesz)
    if dynamic is None:
        return set()
    tags: dict[int, int] = {}
    for raw, count in _records(read_at, dynamic[0], dynamic[1], size, dyn.size):
        for tag, value in dyn.iter_unpack(raw[:count * dyn.size]):
            if tag == 0:  # DT_NULL ends the table
                break
            tags[tag] = value
        else:
            continue
        break

    def at(vaddr: int) -> int:
        for start, offset, filesz in loads:
            if start <= vaddr < start + filesz:
                return offset + vaddr - start
        raise _Malformed

    if _DT_SYMTAB not in tags or _DT_STRTAB not in tags:
        return set()
    indices: set[int] = set()
    plt = rela if tags.get(_DT_PLTREL) == _DT_RELA else rel
    # every relocation, R_*_RELATIVE ones too: glibc skips DT_RELACOUNT of them unread, but
    # musl reads each entry's type and binds whatever symbol a non-relative one names
    for entry, where, length in ((rela, _DT_RELA, _DT_RELASZ), (rel, _DT_REL, _DT_RELSZ),
                                 (plt, _DT_JMPREL, _DT_PLTRELSZ)):
        if tags.get(where) and tags.get(length):
            for raw, count in _records(read_at, at(tags[where]), tags[length], size,
                                       entry.size):
                indices |= _symbol_indices(raw[:count * entry.size], entry, bits, end, shift)
    indices.discard(0)
    if not indices:
        return set()
    sym = _elf_symbol(bits, end)
    syment = tags.get(_DT_SYMENT, sym.size)
    if syment < sym.size:
        raise _Malformed
    order = sorted(indices)
    wanted: set[int] = set()
    first = 0
    for raw, count in _records(read_at, at(tags[_DT_SYMTAB]), (order[-1] + 1) * syment,
                               size, syment):
        for i in order[bisect_left(order, first):bisect_left(order, first + count)]:
            wanted.add(_undefined(sym.unpack_from(raw, (i - first) * syment), bits))
        first += count
    wanted.discard(0)
    strtab = at(tags[_DT_STRTAB])
    # DT_STRSZ is only a claim (the linker reads names up to their NUL): the file bounds it
    return _names(read_at, strtab, min(tags.get(_DT_STRSZ, size), size - strtab), size, wanted)


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
            wanted: set[int] = set()
            for syms, count in _records(read_at, base + symoff, nsyms * nlist.size, size,
                                        nlist.size):
                for strx, ntype, *_ in nlist.iter_unpack(syms[:count * nlist.size]):
                    if ntype & 0xE0 == 0 and ntype & 0x0E == 0 and ntype & 0x01:  # N_UNDF|N_EXT
                        wanted.add(strx)
            return frozenset(name[1:] if name.startswith("_") else name  # C names: _system
                             for name in _names(read_at, base + stroff, strsize, size, wanted))
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
