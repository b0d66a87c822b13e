"""gate.scan.native: imported symbols of ELF / Mach-O / PE files, and what they reveal."""

from __future__ import annotations

import os
import shutil
import struct
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gate._subprocess import run
from gate.model import Capability, Phase
from gate.scan import native, scan_artifact
from gate.scan.native import binary_findings, binary_kind, imported_symbols
from tests.builders import build_wheel

# (name, binding, section index): binding 1 = GLOBAL, 2 = WEAK, 0 = LOCAL; section 0 = UNDEF
SYMS = [("connect", 1, 0), ("pthread_create", 2, 0), ("PyInit__x", 1, 7),
        ("system", 0, 0), ("memcpy", 1, 0)]


def make_elf(bits: int, endian: str, table: list[tuple[str, int, int]] = SYMS) -> bytes:
    """A minimal ELF shared object: null, .dynstr and .dynsym sections, no code."""
    e = "<" if endian == "little" else ">"
    strtab = b"\0" + b"".join(n.encode() + b"\0" for n, _, _ in table)
    offsets = [strtab.index(b"\0" + n.encode() + b"\0") + 1 for n, _, _ in table]
    if bits == 64:
        sym = struct.Struct(e + "IBBHQQ")
        syms = sym.pack(0, 0, 0, 0, 0, 0) + b"".join(
            sym.pack(off, bind << 4 | 2, 0, shndx, 0, 0)
            for off, (_, bind, shndx) in zip(offsets, table, strict=True))
        header_size, sh = 64, struct.Struct(e + "IIQQQQIIQQ")
    else:
        sym = struct.Struct(e + "IIIBBH")
        syms = sym.pack(0, 0, 0, 0, 0, 0) + b"".join(
            sym.pack(off, 0, 0, bind << 4 | 2, 0, shndx)
            for off, (_, bind, shndx) in zip(offsets, table, strict=True))
        header_size, sh = 52, struct.Struct(e + "IIIIIIIIII")
    str_off = header_size
    sym_off = str_off + len(strtab)
    shoff = sym_off + len(syms)
    sections = (sh.pack(*[0] * 10)
                + sh.pack(0, 3, 0, 0, str_off, len(strtab), 0, 0, 1, 0)  # .dynstr
                + sh.pack(0, 11, 0, 0, sym_off, len(syms), 1, 1, 8, sym.size))  # .dynsym
    ident = b"\x7fELF" + bytes([1 if bits == 32 else 2, 1 if endian == "little" else 2, 1])
    ident += b"\0" * (16 - len(ident))
    if bits == 64:
        header = ident + struct.pack(e + "HHIQQQIHHHHHH", 3, 62, 1, 0, 0, shoff, 0,
                                     header_size, 0, 0, sh.size, 3, 0)
    else:
        header = ident + struct.pack(e + "HHIIIIIHHHHHH", 3, 3, 1, 0, 0, shoff, 0,
                                     header_size, 0, 0, sh.size, 3, 0)
    return header + strtab + syms + sections


def symbols_of(data: bytes) -> frozenset[str]:
    return imported_symbols(lambda off, n: data[off:off + n], len(data))


@pytest.mark.parametrize("bits", [32, 64])
@pytest.mark.parametrize("endian", ["little", "big"])
def test_elf_undefined_global_and_weak_symbols(bits: int, endian: str) -> None:
    assert symbols_of(make_elf(bits, endian)) == {"connect", "pthread_create", "memcpy"}


def make_macho(second: str = "fork") -> bytes:
    strings = b"\0_connect\0_" + second.encode() + b"\0_PyInit_x\0"
    nlist = struct.Struct("<IBBHQ")
    syms = (nlist.pack(1, 0x01, 0, 0, 0)  # _connect: N_UNDF | N_EXT
            + nlist.pack(10, 0x01, 0, 0, 0)  # _fork (or _<second>)
            + nlist.pack(len(strings) - 10, 0x0F, 1, 0, 0x1000))  # _PyInit_x: defined
    symoff = 32 + 24
    stroff = symoff + len(syms)
    header = struct.pack("<IiiIIIII", 0xFEEDFACF, 0x01000007, 3, 6, 1, 24, 0, 0)
    symtab = struct.pack("<IIIIII", 0x2, 24, symoff, 3, stroff, len(strings))
    return header + symtab + syms + strings


def test_macho_undefined_externals() -> None:
    assert symbols_of(make_macho()) == {"connect", "fork"}


def test_macho_fat_binary() -> None:
    thin = make_macho()
    fat = struct.pack(">II", 0xCAFEBABE, 1) + struct.pack(">iiIII", 0x01000007, 3, 4096,
                                                          len(thin), 12)
    data = fat + b"\0" * (4096 - len(fat)) + thin
    # symbol offsets inside the thin file are relative to its start
    assert symbols_of(data) == {"connect", "fork"}


def make_pe(name: str = "CreateProcessW") -> bytes:
    section = bytearray(0x100)
    struct.pack_into("<IIIII", section, 0x00, 0x1028, 0, 0, 0x1070, 0x1028)  # descriptor
    struct.pack_into("<QQQ", section, 0x28, 0x1040, (1 << 63) | 5, 0)  # ILT
    struct.pack_into("<H15s", section, 0x40, 0, name.encode()[:14] + b"\0")
    section[0x70:0x7D] = b"KERNEL32.dll\0"
    dos = bytearray(64)
    dos[:2] = b"MZ"
    struct.pack_into("<I", dos, 0x3C, 64)
    opt = bytearray(128)
    struct.pack_into("<H", opt, 0, 0x20B)
    struct.pack_into("<I", opt, 108, 2)
    struct.pack_into("<II", opt, 120, 0x1000, 40)
    coff = b"PE\0\0" + struct.pack("<HHIIIHH", 0x8664, 1, 0, 0, 0, len(opt), 0x2022)
    table = struct.pack("<8sIIIIIIHHI", b".idata", 0x100, 0x1000, 0x100, 0x200, 0, 0, 0, 0, 0)
    head = bytes(dos) + coff + bytes(opt) + table
    return head + b"\0" * (0x200 - len(head)) + bytes(section)


def test_pe_imports_by_name() -> None:
    assert symbols_of(make_pe()) == {"CreateProcessW"}


@pytest.mark.parametrize("data", [b"", b"\x7fELF", b"\x7fELF\x02\x01" + b"\xff" * 80,
                                  b"MZ" + b"\xff" * 100, b"\xca\xfe\xba\xbe\0\0\0\x40",
                                  b"hello world"])
def test_malformed_binaries_yield_no_symbols(data: bytes) -> None:
    assert symbols_of(data) == frozenset()


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([make_elf(64, "little"), make_elf(32, "big"), make_macho(),
                        make_pe()]),
       st.lists(st.tuples(st.integers(0, 4000), st.integers(1, 255)), max_size=8))
def test_mutated_binaries_never_crash(data: bytes, flips: list[tuple[int, int]]) -> None:
    raw = bytearray(data)
    for pos, xor in flips:
        raw[pos % len(raw)] ^= xor
    assert isinstance(symbols_of(bytes(raw)), frozenset)


@pytest.mark.parametrize(("path", "kind"), [
    ("a/_x.cpython-311-x86_64-linux-gnu.so", "compiled extension"),
    ("a/_x.abi3.so", "compiled extension"), ("a/_x.cp311-win_amd64.pyd", "compiled extension"),
    ("a.libs/libssl-1a2b.so.3", "shared library"), ("a/libz.so.1.2.13", "shared library"),
    ("a/.dylibs/libz.1.dylib", "shared library"), ("a/zlib.DLL", "shared library"),
    ("a/so.py", None), ("a/notes.sol", None), ("a/x.so.txt", None),
])
def test_binary_kind(path: str, kind: str | None) -> None:
    assert binary_kind(path) == kind


RESOLVES = ("resolves functions by name at run time ({}): its imported symbols do not "
            "bound what it calls")
LOADS = "loads libraries at run time ({}): their code runs, and is not bounded by its " \
        "imported symbols"


def test_binary_findings_report_catalogued_symbols_only() -> None:
    # the file is native when imported; what it imports is only known to be callable
    found = binary_findings("a/_x.so", frozenset({"connect", "memcpy", "dlopen"}),
                            kind="compiled extension", phase=Phase.IMPORT)
    assert [(f.capability, f.detail, f.line, f.phase) for f in found] == [
        (Capability.NATIVE, "compiled extension a/_x.so", 0, Phase.IMPORT),
        (Capability.DYNAMIC_CODE, LOADS.format("dlopen"), 0, Phase.RUNTIME),
        (Capability.NETWORK, "imports connect (native code may call it)", 0, Phase.RUNTIME),
    ]


def test_one_dynamic_code_finding_names_every_resolver() -> None:
    symbols = frozenset({"dlsym", "dlopen", "dlvsym", "GetProcAddress", "LoadLibraryW",
                         "system", "dladdr", "dl_iterate_phdr"})
    found = binary_findings("a/_x.so", symbols, kind="compiled extension", phase=Phase.IMPORT)
    assert [(f.capability, f.detail, f.phase) for f in found] == [
        (Capability.NATIVE, "compiled extension a/_x.so", Phase.IMPORT),
        (Capability.DYNAMIC_CODE,
         RESOLVES.format("GetProcAddress, LoadLibraryW, dlopen, dlsym, dlvsym"), Phase.RUNTIME),
        (Capability.SUBPROCESS, "imports system (native code may call it)", Phase.RUNTIME),
    ]


@pytest.mark.parametrize("phase", [Phase.INSTALL, Phase.STARTUP, Phase.RUNTIME])
def test_a_forced_phase_holds_for_everything(phase: Phase) -> None:
    # a binary run at install or startup does all it does then; an executable runs at runtime
    found = binary_findings("bin/x", frozenset({"dlsym", "fork"}), kind="executable",
                            phase=phase)
    assert [(f.capability, f.phase) for f in found] == [
        (Capability.NATIVE, phase), (Capability.DYNAMIC_CODE, phase),
        (Capability.SUBPROCESS, phase)]


@pytest.mark.parametrize("data", [
    make_elf(64, "little", [("dlsym", 1, 0), ("memcpy", 1, 0)]),
    make_elf(32, "big", [("dlsym", 2, 0), ("memcpy", 1, 0)]),
    make_macho("dlsym"),  # _dlsym: Mach-O's leading underscore
])
def test_synthetic_resolver_in_a_wheel(tmp_path: Path, data: bytes) -> None:
    so = "ext/_x.abi3.so"
    whl = build_wheel(tmp_path, "ext", "1.0", {"ext/__init__.py": "", so: data})
    found = {(f.path, f.line, f.capability, f.phase, f.detail)
             for f in scan_artifact(whl).findings}
    resolves = RESOLVES.format("dlsym")
    assert found == {(so, 0, Capability.NATIVE, Phase.IMPORT, f"compiled extension {so}"),
                     (so, 0, Capability.DYNAMIC_CODE, Phase.RUNTIME, resolves)} | (
        {(so, 0, Capability.NETWORK, Phase.RUNTIME, "imports connect (native code may call it)")}
        if data.startswith(b"\xcf\xfa") else set())


def test_pe_get_proc_address() -> None:
    symbols = symbols_of(make_pe("GetProcAddress"))
    assert symbols == {"GetProcAddress"}
    assert [(f.capability, f.detail) for f in binary_findings(
        "a/x.dll", symbols, kind="shared library", phase=Phase.IMPORT)][1:] == [
        (Capability.DYNAMIC_CODE, RESOLVES.format("GetProcAddress"))]


def test_large_tables_are_read_in_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    # a table past the bound is read in windows, not given up: padding .dynstr or .dynsym
    # past 64 MiB must not hide what they list
    names = [(f"{'x' * 40}{i}", 1, 0) for i in range(30)] + [("dlsym", 1, 0), ("system", 1, 0)]
    data = make_elf(64, "little", names)
    whole = symbols_of(data)
    assert {"dlsym", "system"} < whole and len(whole) == 32
    monkeypatch.setattr(native, "_MAX_TABLE", 200)  # the section table fits
    monkeypatch.setattr(native, "_NAME_MAX", 48)
    assert symbols_of(data) == whole


C_SOURCE = r"""
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static void *work(void *arg) { return arg; }

int probe(void) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    connect(s, 0, 0);
    if (getenv("PROBE")) execve("/bin/true", 0, 0);
    pthread_t t;
    pthread_create(&t, 0, work, 0);
    dlopen("libm.so.6", RTLD_NOW);
    return s;
}
"""

# The attack from the issue: granted only ``native``, it calls system() by a name it
# builds at run time; ``system`` is nowhere in its imported symbols.
RESOLVER_SOURCE = r"""
#define _GNU_SOURCE
#include <dlfcn.h>

int probe(const char *command) {
    int (*run)(const char *) = (int (*)(const char *))dlsym(RTLD_DEFAULT, "sys" "tem");
    return run ? run(command) : -1;
}
"""


def _compile(tmp: Path, source: str) -> bytes:
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("no C compiler (cc or gcc) on PATH to build a real ELF")
    (tmp / "probe.c").write_text(source)
    out = tmp / "probe.so"
    done = run([compiler, "-shared", "-fPIC", "-O0", "-o", str(out), str(tmp / "probe.c"),
                "-lpthread", "-ldl"])
    assert done.returncode == 0, done.stderr
    return out.read_bytes()


@pytest.fixture(scope="session")
def compiled_extension(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return _compile(tmp_path_factory.mktemp("cext"), C_SOURCE)


@pytest.fixture(scope="session")
def compiled_resolver(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return _compile(tmp_path_factory.mktemp("rext"), RESOLVER_SOURCE)


def strip_section_headers(elf: bytes) -> bytes:
    """The same ELF with e_shoff/e_shnum zeroed: it loads and runs as before (the dynamic
    linker reads program headers only), but has no .dynsym to read."""
    raw = bytearray(elf)
    assert raw[4] == 2 and raw[5] == 1  # ELF64 little-endian: what cc builds here
    struct.pack_into("<Q", raw, 0x28, 0)
    struct.pack_into("<HHH", raw, 0x3A, 0, 0, 0)
    return bytes(raw)


def test_real_elf_extension_in_a_wheel(tmp_path: Path, compiled_extension: bytes) -> None:
    so = "cext/_probe.cpython-311-x86_64-linux-gnu.so"
    whl = build_wheel(tmp_path, "cext", "1.0", {"cext/__init__.py": "", so: compiled_extension},
                      tag="cp311-cp311-linux_x86_64")
    found = scan_artifact(whl).findings
    assert sorted((f.capability, f.phase, f.detail) for f in found) == sorted([
        (Capability.NATIVE, Phase.IMPORT, f"compiled extension {so}"),
        (Capability.NETWORK, Phase.RUNTIME, "imports connect (native code may call it)"),
        (Capability.NETWORK, Phase.RUNTIME, "imports socket (native code may call it)"),
        (Capability.SUBPROCESS, Phase.RUNTIME, "imports execve (native code may call it)"),
        (Capability.THREADS, Phase.RUNTIME,
         "imports pthread_create (native code may call it)"),
        (Capability.ENV, Phase.RUNTIME, "imports getenv (native code may call it)"),
        (Capability.DYNAMIC_CODE, Phase.RUNTIME, LOADS.format("dlopen")),
    ])
    assert {(f.path, f.line) for f in found} == {(so, 0)}


@pytest.mark.parametrize("stripped", [False, True])
def test_real_elf_resolving_system_by_name(tmp_path: Path, compiled_resolver: bytes,
                                           stripped: bool) -> None:
    data = strip_section_headers(compiled_resolver) if stripped else compiled_resolver
    symbols = symbols_of(data)
    # glibc versions it (readelf: dlsym@GLIBC_2.34 or @GLIBC_2.2.5); the table holds the name
    assert "dlsym" in symbols and "system" not in symbols
    assert not any("@" in s for s in symbols)
    so = "rext/_probe.abi3.so"
    whl = build_wheel(tmp_path, "rext", "1.0", {"rext/__init__.py": "", so: data})
    assert {(f.path, f.line, f.capability, f.phase, f.detail)
            for f in scan_artifact(whl).findings} == {
        (so, 0, Capability.NATIVE, Phase.IMPORT, f"compiled extension {so}"),
        (so, 0, Capability.DYNAMIC_CODE, Phase.RUNTIME, RESOLVES.format("dlsym")),
    }


def test_stripped_section_headers_hide_nothing(compiled_extension: bytes) -> None:
    # PT_DYNAMIC and its relocations are what the dynamic linker binds; a broken section
    # table (pointing past the end) leaves them readable too
    assert symbols_of(strip_section_headers(compiled_extension)) == symbols_of(
        compiled_extension)
    raw = bytearray(compiled_extension)
    struct.pack_into("<Q", raw, 0x28, len(raw) + 4096)
    assert symbols_of(bytes(raw)) == symbols_of(compiled_extension)


def test_startup_binary_keeps_its_phase(tmp_path: Path, compiled_resolver: bytes) -> None:
    # a top-level sitecustomize extension runs at every interpreter start: all of it is startup
    so = "sitecustomize.cpython-311-x86_64-linux-gnu.so"
    whl = build_wheel(tmp_path, "hook", "1.0", {so: compiled_resolver},
                      tag="cp311-cp311-linux_x86_64")
    found = [f for f in scan_artifact(whl).findings if f.path == so]
    assert {(f.capability, f.phase) for f in found} >= {
        (Capability.NATIVE, Phase.STARTUP), (Capability.DYNAMIC_CODE, Phase.STARTUP)}
    assert {f.phase for f in found} == {Phase.STARTUP}


def test_large_binary_is_read_by_ranges(tmp_path: Path, compiled_extension: bytes) -> None:
    # Above 16 MiB the scanner seeks instead of reading the whole member.
    padded = compiled_extension + os.urandom(1 << 16) * 272  # 17 MiB, incompressible
    whl = build_wheel(tmp_path, "big", "1.0", {"big/_x.so": padded})
    caps = {f.capability for f in scan_artifact(whl).findings}
    assert caps == {Capability.NATIVE, Capability.NETWORK, Capability.SUBPROCESS,
                    Capability.THREADS, Capability.ENV, Capability.DYNAMIC_CODE}
