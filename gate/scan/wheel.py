"""Wheels -> findings: where each member installs, and what it does there.

Every member is mapped to its install location by ``gate.layout.read_layout`` (the one
reading of the layout pip and uv share; it refuses wheels they would read differently), and
a RECORD row naming a file the wheel does not hold is refused (``gate.layout.check_record``).

Import roots: site-packages, every directory or archive a ``.pth`` path line puts on
sys.path (site.py adds them BEFORE it imports sitecustomize), and the scripts directory
(sys.path[0] of every script run from it). In each, top-level names are modules:
sitecustomize/usercustomize are ``startup-hooks`` (scanned in the startup phase), stdlib
shadows and other distributions' top-level packages are ``startup-hooks``. ``.py`` is
scanned, binaries are ``native``, pickles are ``dynamic-code``; bytecode the import system
would load (a ``.pyc`` outside ``__pycache__``, a hash-based one inside, any in an archive
on sys.path) is ``unanalyzed`` with a ``BYTECODE_DETAIL`` detail, which the policy refuses
unless ``unanalyzed`` is granted (other shipped ``.pyc`` files only warn). Executable
``.pth`` lines (as any target's site.py reads them: ``gate.layout.pth_lines``) are
``startup-hooks``; a path line that is absolute or leaves site-packages is also
``unanalyzed`` at startup.

Scripts run as the kernel runs them: ``#!python`` (rewritten by pip and uv) and a plain
Python interpreter are scanned as Python, anything else is ``native`` (code outside Python,
like an executable binary there). Scripts and console entry points that shadow common
commands are ``startup-hooks``; ``entry_points.txt`` is read by ``gate.layout.entry_points``.
Data-scheme Python files are scanned; configuration IPython and Jupyter load at their start
(``etc/ipython``, ``etc/jupyter``), kernel specs and prebuilt JupyterLab extensions are
``startup-hooks`` with what they load as evidence.

``scan_tree_member`` (the per-member part) is shared with the sdist scanner.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import importlib.machinery
import json
import re
import sys
import sysconfig
from collections.abc import Iterable, Mapping
from types import MappingProxyType

from packaging.metadata import parse_email
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from gate.archive import Archive, Member
from gate.catalog import match, owned
from gate.errors import ScanError
from gate.layout import (
    SCRIPT_GROUPS,
    Placed,
    WheelLayout,
    check_record,
    destination,
    entry_points,
    find_dist_info,
    pth_entry,
    pth_lines,
    read_layout,
)
from gate.model import Capability, Finding, Label, NormalizedName, Phase
from gate.scan import native, python
from gate.scan.exports import Exported, collect
from gate.scan.labels import labelled, platform_rebound
from gate.scan.lexical import decode_source, module_name
from gate.scan.reach import moved
from gate.scan.reach_modules import follow_modules

# Top-level import names of popular distributions -> the distributions that may ship them.
# Anything else shipping one of these names is planting code in another package.
WELL_KNOWN: Mapping[str, frozenset[str]] = MappingProxyType({
    k: frozenset(v.split()) for k, v in {
        "requests": "requests", "urllib3": "urllib3", "certifi": "certifi", "idna": "idna",
        "charset_normalizer": "charset-normalizer", "chardet": "chardet",
        "setuptools": "setuptools", "pkg_resources": "setuptools",
        "_distutils_hack": "setuptools", "pip": "pip", "wheel": "wheel",
        "packaging": "packaging", "six": "six", "yaml": "pyyaml", "_yaml": "pyyaml",
        "numpy": "numpy", "pandas": "pandas", "scipy": "scipy", "django": "django",
        "flask": "flask", "werkzeug": "werkzeug", "jinja2": "jinja2",
        "markupsafe": "markupsafe", "click": "click", "attr": "attrs", "attrs": "attrs",
        "cryptography": "cryptography", "OpenSSL": "pyopenssl",
        "boto3": "boto3", "botocore": "botocore", "s3transfer": "s3transfer",
        "pytest": "pytest", "_pytest": "pytest", "pluggy": "pluggy",
        "dateutil": "python-dateutil", "pytz": "pytz", "typing_extensions": "typing-extensions",
        "sqlalchemy": "sqlalchemy", "psutil": "psutil", "colorama": "colorama",
        "jwt": "pyjwt jwt", "nacl": "pynacl", "paramiko": "paramiko",
        "aiohttp": "aiohttp", "httpx": "httpx", "httpcore": "httpcore", "h11": "h11",
        "pydantic": "pydantic pydantic-v1", "pydantic_core": "pydantic-core",
        "PIL": "pillow pillow-simd", "cv2": "opencv-python opencv-python-headless "
        "opencv-contrib-python opencv-contrib-python-headless",
        "psycopg2": "psycopg2 psycopg2-binary", "Crypto": "pycryptodome pycrypto",
        "rsa": "rsa", "pyasn1": "pyasn1", "tomli": "tomli", "virtualenv": "virtualenv",
        "pygments": "pygments", "docutils": "docutils", "lxml": "lxml", "grpc": "grpcio",
        "torch": "torch", "sklearn": "scikit-learn", "bs4": "beautifulsoup4", "uv": "uv",
    }.items()
})

# Commands a script must not shadow -> the distribution allowed to ship it (None: nobody).
_COMMAND_FAMILY = re.compile(r"^(python|pip|pypy|pydoc|idle)(\d+(\.\d+)*)?(-config)?$")
COMMANDS: Mapping[str, str | None] = MappingProxyType({
    **dict.fromkeys("sh bash zsh dash fish ksh csh tcsh ls cp mv rm cat ln chmod chown mkdir "
                    "find grep sed awk tar git sudo su doas ssh scp sftp rsync curl wget env "
                    "which make gcc cc ld id whoami ps kill login passwd crontab systemctl "
                    "mount openssl gpg apt apt-get yum dnf apk brew docker kubectl".split()),
    "uv": "uv", "uvx": "uv", "pipx": "pipx",
})

_CODE = (".py", ".pyw")
_NESTED = (".zip", ".egg", ".whl", ".pyz")
_PICKLE = (".pkl", ".pickle")
_BYTECODE = (".pyc", ".pyo")
_METADATA = (".dist-info", ".egg-info", ".egg-link")

# The detail of every finding for bytecode the import system loads from site-packages:
# gate.evaluate refuses these (import or startup phase) unless 'unanalyzed' is granted.
BYTECODE_DETAIL = "bytecode runs at import"

def _finding(path: str, line: int, cap: Capability, phase: Phase, detail: str) -> Finding:
    return Finding(path=path, line=line, capability=cap, phase=phase, detail=detail)


def scan_python(source: bytes | str, path: str, *, phase: Phase | None,
                own: frozenset[str] = frozenset(), module: str | None = None,
                exports: Exported | None = None) -> list[Finding]:
    """``gate.scan.python.scan_python``, failing closed: a crash on hostile source
    (recursion, memory) is an ``unanalyzed`` finding, never a traceback."""
    try:
        return python.scan_python(source, path, phase=phase, own=own, module=module,
                                  exports=exports)
    except (RecursionError, MemoryError, ValueError, SyntaxError, UnicodeError) as exc:
        return [_finding(path, 0, Capability.UNANALYZED, phase or Phase.IMPORT,
                         f"{path} could not be analysed ({type(exc).__name__})")]


def check_metadata(filename: str, data: bytes, what: str, name: NormalizedName,
                   version: str) -> None:
    """METADATA/PKG-INFO must name the same project and version as the filename."""
    raw, _ = parse_email(data)
    meta_name, meta_version = raw.get("name"), raw.get("version")
    if not meta_name or not meta_version:
        raise ScanError(f"{filename}: {what} has no Name or Version")
    try:
        same = (str(canonicalize_name(meta_name)) == str(name)
                and Version(meta_version) == Version(version))
    except InvalidVersion:
        same = False
    if not same:
        raise ScanError(f"{filename}: {what} says {meta_name} {meta_version}, "
                        f"the filename says {name} {version}")


def shadowed_command(script: str) -> str | None:
    """The common command a script name would shadow, if any."""
    base = script.rsplit("/", 1)[-1].lower()
    for suffix in (".exe", ".cmd", ".bat"):
        base = base.removesuffix(suffix)
    if _COMMAND_FAMILY.match(base) or base in COMMANDS:
        return base
    return None


def _command_allowed(command: str, dist: NormalizedName) -> bool:
    family = _COMMAND_FAMILY.match(command)
    if family:
        return family.group(1) == "pip" and dist == "pip"
    return COMMANDS.get(command) == dist


def decoded(code: bytes | Finding) -> bytes | str | Finding:
    """An ASCII source decoded once, for the export table and the scanner to share (its
    NFKC form is itself); anything else stays bytes, decoded where it is scanned."""
    if isinstance(code, bytes) and code.isascii():
        try:
            text = decode_source(code)
        except SyntaxError:
            return code
        return text if text.isascii() else code  # (a codec cookie can make it not)
    return code


def read_code(ar: Archive, member: Member, path: str) -> bytes | Finding:
    """The member's bytes, or an ``unanalyzed`` finding when it is too large to read."""
    if member.link_target is not None:
        return _finding(path, 0, Capability.UNANALYZED, Phase.IMPORT,
                        f"link {path} -> {member.link_target} is not followed")
    if member.size > ar.limits.max_read:
        return _finding(path, 0, Capability.UNANALYZED, Phase.IMPORT,
                        f"{path} is too large to analyse ({member.size} bytes)")
    return ar.read(member)


def scan_binary(ar: Archive, member: Member, path: str, *, kind: str,
                phase: Phase) -> list[Finding]:
    """``native`` for a binary member, plus what its imported symbols reveal."""
    if member.link_target is not None:
        symbols: frozenset[str] = frozenset()
    elif member.size <= ar.limits.max_read:
        # in one piece: the tables an ELF needs lie at both ends (auditwheel moves .dynstr
        # to the end), and each read_at below decompresses from the start again
        data = ar.read(member)
        symbols = native.imported_symbols(lambda off, n: data[off:off + n], len(data))
    else:
        symbols = native.imported_symbols(lambda off, n: ar.read_at(member, off, n),
                                          member.size)
    return native.binary_findings(path, symbols, kind=kind, phase=phase)


def pth_findings(data: bytes, path: str) -> list[Finding]:
    """Executable lines of a .pth file (what any target's site.py would exec, see
    ``gate.layout.pth_lines``) and the code they run."""
    out: list[Finding] = []
    for lineno, text, executable in pth_lines(data):
        if executable:
            out.append(_finding(path, lineno, Capability.STARTUP_HOOKS, Phase.STARTUP,
                                "executable .pth line runs at every interpreter start"))
            out += scan_python("\n" * (lineno - 1) + text, path, phase=Phase.STARTUP)
    return out


def own_packages(paths: Iterable[str], dist: NormalizedName) -> frozenset[str]:
    """The top-level import names among ``paths`` (site-packages-relative) that are
    ``dist``'s own: a regular package (``name/__init__.py``) or a module (``name.py``)
    named like the distribution (``charset_normalizer`` of charset-normalizer) or listed
    for it in WELL_KNOWN (``yaml`` of pyyaml); never a stdlib name.

    Why only these: ``own`` makes the Python scanner ignore catalogued names under them
    (gate.scan.python, "A distribution's own API"), which is sound only when the code
    behind those names is in this artifact. A distribution's own name cannot belong to
    another project on the index, and a regular package is one directory, so nothing
    else installs modules under it (a distribution that tries is a ``startup-hooks``
    shadow when that one is scanned). Namespace packages (no ``__init__.py``, shared by
    many distributions) and borrowed names are never own.
    """
    out: set[str] = set()
    for rel in paths:
        top, sep, rest = rel.partition("/")
        if sep:
            name = top if rest == "__init__.py" else ""
        else:
            name = top[:-3] if top.endswith(".py") else ""
        if (name.isidentifier() and name not in sys.stdlib_module_names
                and (str(canonicalize_name(name)) == dist or dist in WELL_KNOWN.get(name, ()))):
            out.add(name)
    return frozenset(out)


def scan_tree_member(ar: Archive, member: Member, path: str, *, phase: Phase | None,
                     own: frozenset[str] = frozenset(),
                     code: bytes | str | Finding | None = None,
                     module: str | None = None,
                     exports: Exported | None = None) -> list[Finding]:
    """What one installed file can do: Python, binaries, bytecode, pickles, nested zips.
    ``own``: the distribution's own packages (``own_packages``); ``code``: the member's
    ``read_code`` when already read; ``module``/``exports``: its import name and what the
    distribution's modules bind (gate.scan.exports)."""
    lower = path.lower()
    bin_phase = phase or Phase.IMPORT
    if lower.endswith(_CODE):
        if code is None:
            code = read_code(ar, member, path)
        return [code] if isinstance(code, Finding) else scan_python(
            code, path, phase=phase, own=own, module=module, exports=exports)
    kind = native.binary_kind(path)
    if kind is not None:
        return scan_binary(ar, member, path, kind=kind, phase=bin_phase)
    if lower.endswith(_BYTECODE):
        return [_finding(path, 0, Capability.UNANALYZED, bin_phase,
                         f"compiled bytecode {path} may run instead of any source")]
    if lower.endswith(_PICKLE):
        return [_finding(path, 0, Capability.DYNAMIC_CODE, phase or Phase.RUNTIME,
                         f"pickle data {path} runs code when loaded")]
    if lower.endswith(_NESTED) or _zip_inside(ar, member):
        return _scan_nested(ar, member, path, phase=phase)
    return []


# zipimport finds an archive by its end record, wherever the file name or its first bytes
# say otherwise (``logo.png`` that is a PNG header glued to a zip): a file put on sys.path
# at run time (``sys.path.insert(0, here('data.bin'))``) imports from it
_END_RECORD = b"PK\x05\x06"
_TAIL = 22 + 0xFFFF  # an end record and the longest comment after it


def _zip_inside(ar: Archive, member: Member) -> bool:
    """Whether ``member`` is, or ends in, a zip archive zipimport would read."""
    if member.link_target is not None or member.size < 22:
        return False
    start = max(0, member.size - _TAIL)
    try:
        return _END_RECORD in ar.read_at(member, start, member.size - start)
    except ScanError:  # a tar member the sdist scanner did not keep: not importable as is
        return False


def _scan_nested(ar: Archive, member: Member, path: str, *,
                 phase: Phase | None) -> list[Finding]:
    # no ``own`` inside: a nested zip is importable only from sys.path, as its own tree
    """A zip inside the tree is importable (zipimport): scan the code inside it."""
    try:
        with ar.nested(member) as inner:
            out: list[Finding] = []
            for m in inner.members:
                out += scan_tree_member(inner, m, f"{path}!{m.name}", phase=phase)
            return out
    except ScanError as exc:
        return [_finding(path, 0, Capability.UNANALYZED, phase or Phase.IMPORT,
                         f"archive {path} could not be analysed: {exc}")]


def _top_module(site_path: str) -> str:
    top = site_path.split("/", 1)[0]
    return top.split(".", 1)[0] if "/" not in site_path else top


def _shadow_detail(module: str, dist: NormalizedName) -> str | None:
    owners = WELL_KNOWN.get(module)
    if owners is not None and dist not in owners:
        return f"installs into '{module}', the package of {sorted(owners)[0]}"
    if module in sys.stdlib_module_names:
        return f"shadows stdlib module '{module}'"
    return None


def scan_wheel(ar: Archive, *, name: NormalizedName, version: str) -> list[Finding]:
    """Every finding of a wheel whose filename said ``name`` ``version``."""
    names = [*ar.directories, *(m.name for m in ar.members)]
    distinfo = find_dist_info(ar.filename, names)
    metadata = ar.get(f"{distinfo}/METADATA")
    if metadata is None:
        raise ScanError(f"{ar.filename}: {distinfo}/METADATA is missing")
    wheel = ar.get(f"{distinfo}/WHEEL")
    if wheel is None:
        raise ScanError(f"{ar.filename}: {distinfo}/WHEEL is missing")
    check_metadata(ar.filename, ar.read(metadata), "METADATA", name, version)
    layout = read_layout(ar.filename, names, ar.read(wheel))
    record = ar.get(f"{distinfo}/RECORD")
    if record is not None:
        check_record(ar.filename, names, distinfo, ar.read(record))

    out: list[Finding] = []
    shadowed: set[str] = set()
    placed = sorted(layout.placed, key=lambda p: p.member)
    members = {p.member: ar.get(p.member) for p in placed}
    site = [p for p in placed if p.site is not None]
    own = own_packages((p.site for p in site if p.site is not None), name)
    codes: dict[str, bytes | str | Finding] = {}
    for p in site:
        member = members[p.member]
        if p.site is not None and p.site.endswith(".py") and member is not None:
            codes[p.site] = decoded(read_code(ar, member, member.name))
    exports = collect({rel: c for rel, c in codes.items() if not isinstance(c, Finding)},
                      own=own)
    # .pth files first: the directories and archives their path lines put on sys.path are
    # import roots, and data-scheme files there are code the import system loads
    on_path: dict[str, str] = {}  # member -> its path below such a root (outside site)
    pths = [p for p in placed if p.site is not None and "/" not in p.site
            and p.site.lower().endswith(".pth")]
    pth_code: dict[str, bytes] = {}  # (read once: scanned here, followed below)
    for p in pths:
        member = members[p.member]
        if member is not None:
            data = read_code(ar, member, p.member)
            out += _scan_pth(ar, data, p.member, layout, name, on_path)
            if isinstance(data, bytes):
                pth_code[p.member] = data
    for p in placed:
        member = members[p.member]
        if member is None or p in pths:
            continue
        path = member.name
        if path.startswith(distinfo + "/"):
            if path == f"{distinfo}/entry_points.txt":
                out += _entry_points(ar.filename, ar.read(member), path, name, own, codes)
            continue
        if p.script is not None:
            out += _scan_script(ar, member, path, p.script, name, own,
                                rewritten=p.scheme == "scripts")
        elif p.site is not None:
            out += _scan_site_member(ar, member, path, p.site, name, shadowed, own,
                                     codes.get(p.site), exports)
        elif path in on_path:
            out += _scan_code(ar, member, path, on_path[path], phase=None)
        elif p.scheme == "data":
            out += _scan_data(ar, member, path, p.rel)
    # a function another own module calls at import runs then (gate.scan.reach_modules)
    sources: dict[str, tuple[str, str | bytes]] = {
        p.member: (p.site, c) for p in site if p.site is not None
        and not isinstance(c := codes.get(p.site, b""), Finding) and p.site.endswith(".py")}
    sources.update(_nested_sources(ar, out, {p.member: p.site for p in site}, members))
    # (the own code an executable .pth line calls: reach_modules)
    sources.update((p.member, (p.site or "", pth_code[p.member])) for p in pths
                   if p.member in pth_code)
    out = follow_modules(out, sources)
    # an archive a .pth puts on sys.path is also scanned as a zip in the tree: its bytecode
    # is then both loaded (refused) and merely shipped (a warning); keep the first
    loaded = {f.path for f in out if f.detail.startswith(BYTECODE_DETAIL)}
    out = [f for f in out if not (f.path in loaded and f.capability == Capability.UNANALYZED
                                  and f.detail.startswith("compiled bytecode "))]
    # where the evidence comes from (gate.scan.labels): platform labels mean "not on Linux",
    # so none for a wheel built for another platform or a package rewriting sys.platform
    # (read only when some evidence carries a platform label: nothing else depends on it)
    platform = not any(f.label is Label.PLATFORM for f in out) or (
        _installs_on_linux(ar.filename) and not any(
            platform_rebound(c if isinstance(c, str) else c.decode("latin-1"))
            for c in codes.values() if not isinstance(c, Finding)))
    return labelled(out, platform=platform)


def _nested_sources(ar: Archive, found: list[Finding], sites: Mapping[str, str | None],
                    members: Mapping[str, Member | None]) -> dict[str, tuple[str, str | bytes]]:
    """The ``.py`` modules of a zip in the tree that hold a ``runtime`` finding
    (``pkg/lib.zip!hidden.py``), below the zip's own path (``pkg/lib.zip/hidden.py``): a
    module that puts the zip on ``sys.path`` at import names them from there
    (gate.scan.reach_modules)."""
    zips = sorted({f.path.split("!", 1)[0] for f in found if f.phase is Phase.RUNTIME
                   and f.path.count("!") == 1 and f.path.endswith(".py")})
    out: dict[str, tuple[str, str | bytes]] = {}
    for zpath in zips:
        member, site = members.get(zpath), sites.get(zpath)
        if member is None or site is None:
            continue
        try:
            with ar.nested(member) as inner:
                for m in inner.members:
                    if m.name.endswith(".py"):
                        code = read_code(inner, m, f"{zpath}!{m.name}")
                        if not isinstance(code, Finding):
                            out[f"{zpath}!{m.name}"] = (f"{site}/{m.name}", code)
        except ScanError:
            continue
    return out


def _installs_on_linux(filename: str) -> bool:
    try:
        tags = parse_wheel_filename(filename)[3]
    except InvalidWheelFilename:
        return True
    return any(t.platform == "any" or "linux" in t.platform for t in tags)


# -- .pth files and the import roots their path lines add -----------------------------------

def _scan_pth(ar: Archive, data: bytes | Finding, path: str, layout: WheelLayout,
              dist: NormalizedName, on_path: dict[str, str]) -> list[Finding]:
    """A top-level .pth file: its executable lines, and what its path lines put on
    sys.path. site.py appends each path that exists (relative to site-packages) BEFORE it
    imports sitecustomize and usercustomize: every such directory or archive is an import
    root, whose top-level names are modules (``_scan_root``). A path line that leaves
    site-packages, or is absolute, is also ``unanalyzed``: what is there is not the
    wheel's alone. ``data``: its bytes, read by ``read_code``."""
    if isinstance(data, Finding):
        return [data]
    out = pth_findings(data, path)
    dests: dict[tuple[str, str], Placed] = {}
    for p in layout.placed:
        area, where = destination(p)
        dests[area, where.casefold()] = p
    for lineno, text, executable in pth_lines(data):
        if executable:
            continue
        entries = pth_entry(text)
        if entries is None or not entries or any(a != "site-packages" for a, _ in entries):
            shown = "".join(c if c.isprintable() else c.encode("unicode_escape").decode()
                            for c in text)
            out.append(_finding(path, lineno, Capability.UNANALYZED, Phase.STARTUP,
                                f"adds {shown} to sys.path at every start"))
        for area, root in entries or ():
            if (area, root) != ("site-packages", ""):  # site-packages: on sys.path anyway
                out += _scan_root(ar, path, lineno, area, root, dests, dist, on_path)
    return out


def _scan_root(ar: Archive, pth: str, lineno: int, area: str, root: str,
               dests: dict[tuple[str, str], Placed], dist: NormalizedName,
               on_path: dict[str, str]) -> list[Finding]:
    """What the wheel installs at ``area``/``root``, a sys.path entry a .pth path line adds:
    an archive zipimport reads whatever its name, or a directory; in both, top-level names
    are modules: ``sitecustomize``/``usercustomize`` run at every start, stdlib and
    well-known names are shadows (``_root_level``). Files of a directory outside
    site-packages are registered in ``on_path`` to be scanned as import-time code."""
    where = f"on sys.path through {pth}:{lineno}"
    shown = area + (f"/{root}" if root else "")
    folded = root.casefold()
    target = dests.get((area, folded))
    if target is not None:
        archive = ar.get(target.member)
        if archive is None:
            return []
        return _scan_root_archive(ar, archive, pth, lineno, shown, dist, where)
    prefix = folded + "/" if folded else ""
    entries: list[tuple[str, Placed]] = []
    for (a, key), p in sorted(dests.items()):
        if a == area and key.startswith(prefix):
            entries.append((destination(p)[1][len(prefix):], p))
    if not entries:
        # nothing of this wheel there: site.py appends it only if it exists, at the end of
        # sys.path; what is there belongs to another distribution, scanned on its own
        return []
    _refuse_metadata_on_path(ar.filename, pth, lineno, shown,
                             {rel.split("/", 1)[0] for rel, _ in entries})
    files: list[tuple[str, Member, str]] = []
    for rel, p in entries:
        member = ar.get(p.member)
        if member is None:
            continue
        files.append((rel, member, p.member))
        if p.site is None and p.script is None:
            on_path[p.member] = rel
    return _root_level(ar, files, dist, where)


def _scan_root_archive(ar: Archive, archive: Member, pth: str, lineno: int, shown: str,
                       dist: NormalizedName, where: str) -> list[Finding]:
    """An archive a .pth path line puts on sys.path: zipimport imports its code, its
    bytecode (``_on_sys_path``) and its top-level modules (``_root_level``)."""
    out = [_on_sys_path(f) for f in _scan_nested(ar, archive, archive.name, phase=None)]
    try:
        with ar.nested(archive) as inner:
            tops = {m.name.split("/", 1)[0] for m in inner.members}
            files = [(m.name, m, f"{archive.name}!{m.name}") for m in inner.members]
            level = _root_level(inner, files, dist, where)
    except ScanError:
        return out  # unreadable: _scan_nested reports it
    _refuse_metadata_on_path(ar.filename, pth, lineno, shown, tops,
                             egg=archive.name.lower().endswith(".egg"))
    return out + [_on_sys_path(f) for f in level]


_STARTUP_MODULES = ("sitecustomize", "usercustomize")


def _root_level(ar: Archive, files: list[tuple[str, Member, str]], dist: NormalizedName,
                where: str) -> list[Finding]:
    """Top-level names of an import root other than site-packages: ``(path below the root,
    member, path shown)`` each. sitecustomize/usercustomize run at every start (scanned
    in the startup phase), stdlib and well-known names shadow what others import."""
    out: list[Finding] = []
    shadowed: set[str] = set()
    for rel, member, path in files:
        module = _top_module(rel)
        if module in _STARTUP_MODULES:
            out.append(_finding(path, 0, Capability.STARTUP_HOOKS, Phase.STARTUP,
                                f"{module} runs at every interpreter start ({where})"))
            out += _scan_code(ar, member, path, rel, phase=Phase.STARTUP)
        elif module not in shadowed and (detail := _shadow_detail(module, dist)):
            shadowed.add(module)
            out.append(_finding(path, 0, Capability.STARTUP_HOOKS, Phase.STARTUP,
                                f"{detail} ({where})"))
    return out


def _on_sys_path(finding: Finding) -> Finding:
    """A finding inside an archive a .pth line puts on sys.path: zipimport imports its
    bytecode (a ``.pyc`` without source, or one in place of its source)."""
    if finding.capability == Capability.UNANALYZED and finding.detail.startswith(
            ("compiled bytecode ", BYTECODE_DETAIL)):  # the latter: _root_level's words
        return dataclasses.replace(finding, detail=f"{BYTECODE_DETAIL}: {finding.path} is "
                                                   f"imported from an archive on sys.path")
    return finding


def _refuse_metadata_on_path(filename: str, pth: str, lineno: int, shown: str,
                             tops: set[str], *, egg: bool = False) -> None:
    """A sys.path entry holding distribution metadata makes a distribution pip and
    importlib.metadata see as installed: refuse it like read_layout refuses it in
    site-packages."""
    found = sorted(t for t in tops if t.lower().endswith(_METADATA) or t == "EGG-INFO")
    if egg:
        found.insert(0, shown.rsplit("/", 1)[-1])
    if found:
        raise ScanError(f"{filename}: {pth}:{lineno} adds {shown} to sys.path, where "
                        f"{found[0]} is distribution metadata other than the wheel's own")


# -- site-packages ---------------------------------------------------------------------------

def _bytecode(ar: Archive, member: Member, path: str, rel: str, phase: Phase) -> Finding:
    """Bytecode in site-packages. The import system loads a ``.pyc`` outside
    ``__pycache__`` as a module without source, and one inside ``__pycache__`` in place of
    its source when it is hash-based (PEP 552: unchecked ones are never compared with the
    source). A timestamp-based one in ``__pycache__`` is loaded only when the source's
    mtime matches, and neither pip nor uv keeps the wheel's mtimes: numpy and PySide6
    wheels ship such files. Those stay a warning."""
    if rel.rsplit("/", 2)[-2:-1] != ["__pycache__"]:
        return _finding(path, 0, Capability.UNANALYZED, phase,
                        f"{BYTECODE_DETAIL}: {path} is imported without any source")
    head = ar.read_at(member, 0, 16)
    if len(head) == 16 and int.from_bytes(head[4:8], "little") & 0b1:
        return _finding(path, 0, Capability.UNANALYZED, phase,
                        f"{BYTECODE_DETAIL}: {path} is hash-based, loaded in place of its "
                        f"source")
    return _finding(path, 0, Capability.UNANALYZED, phase,
                    f"compiled bytecode {path} may run instead of any source")


def _scan_code(ar: Archive, member: Member, path: str, rel: str, *, phase: Phase | None,
               own: frozenset[str] = frozenset(), code: bytes | str | Finding | None = None,
               exports: Exported | None = None) -> list[Finding]:
    """A file below an import root (``rel``: its path there): bytecode the import system
    loads, or what ``scan_tree_member`` finds."""
    if rel.lower().endswith(_BYTECODE) and member.link_target is None:
        return [_bytecode(ar, member, path, rel, phase or Phase.IMPORT)]
    named = module_name(rel)
    return scan_tree_member(ar, member, path, phase=phase, own=own, code=code,
                            module=named[0] if named else None, exports=exports)


def _scan_site_member(ar: Archive, member: Member, path: str, rel: str,
                      dist: NormalizedName, shadowed: set[str],
                      own: frozenset[str], code: bytes | str | Finding | None = None,
                      exports: Exported | None = None) -> list[Finding]:
    out: list[Finding] = []
    module = _top_module(rel)
    startup = module in _STARTUP_MODULES
    if startup:
        out.append(_finding(path, 0, Capability.STARTUP_HOOKS, Phase.STARTUP,
                            f"{module} runs at every interpreter start"))
    elif module not in shadowed and (detail := _shadow_detail(module, dist)):
        shadowed.add(module)
        out.append(_finding(path, 0, Capability.STARTUP_HOOKS, Phase.STARTUP, detail))
    phase = Phase.STARTUP if startup else None
    found = _scan_code(ar, member, path, rel, phase=phase, own=own, code=code,
                       exports=exports)
    if not startup and _stdlib_lacks(module):
        # ``_winapi.py`` on Linux: ``import mimetypes`` tries the name, imports the wheel's
        # module and calls its functions (``_mimetypes_read_windows_registry``): any of
        # them may run when the standard library is used, at the import of any package
        how = f"the standard library imports '{module}', which this platform lacks"
        found = [moved(f, how) if f.phase is Phase.RUNTIME else f for f in found]
    return out + found


@functools.cache
def _stdlib_lacks(module: str) -> bool:
    """Whether ``module`` is a standard-library name this interpreter has no module for
    (``_winapi``, ``winreg``, ``msvcrt`` on Linux; ``_scproxy`` off macOS): the standard
    library only tries it, so one a wheel installs is the one imported. (A name the
    interpreter has is found in the standard library first: the wheel's is never loaded.)"""
    if module not in sys.stdlib_module_names or module in sys.builtin_module_names:
        return False
    try:
        return importlib.machinery.PathFinder.find_spec(module, _STDLIB_DIRS) is None
    except (ImportError, ValueError):
        return False


_STDLIB_DIRS = sorted({sysconfig.get_path("stdlib"), sysconfig.get_path("platstdlib"),
                       *(p for p in sys.path if p.endswith("lib-dynload"))})


# -- scripts ---------------------------------------------------------------------------------

# The first line pip (``fix_script``: ``firstline.startswith(b"#!python")``, the whole line
# up to its \n replaced) and uv (``install_script``: the first 8 bytes are ``#!python``, the
# line up to its \r or \n replaced) rewrite to run the environment's interpreter.
_REWRITTEN = b"#!python"
# A plain Python interpreter, no argument: what the kernel runs is the file, as Python.
_PLAIN_PYTHON = re.compile(rb"#![ \t]*(?:/usr/bin/env[ \t]+|/(?:usr/(?:local/)?)?bin/)"
                           rb"python(?:\d+(?:\.\d+)*)?[ \t]*\r?")
_SCRIPTS_ROOT = "<scripts> is sys.path[0] of every script run from it"


def _scan_script(ar: Archive, member: Member, path: str, script: str,
                 dist: NormalizedName, own: frozenset[str], *,
                 rewritten: bool = True) -> list[Finding]:
    """A file in the scripts directory: a command on PATH, and a top-level module of
    every script run from there (Python puts a script's directory first on sys.path).
    ``rewritten``: installed from the scripts scheme, whose ``#!python`` line pip and uv
    rewrite (a data-scheme ``bin/`` file is copied as it is)."""
    out: list[Finding] = []
    command = shadowed_command(script)
    if command and not _command_allowed(command, dist):
        out.append(_finding(path, 0, Capability.STARTUP_HOOKS, Phase.STARTUP,
                            f"script '{script}' shadows the {command} command"))
    lower = script.lower()
    if lower.endswith(_SCRIPT_MODULES) or native.binary_kind(path) == "compiled extension":
        module = script.split(".", 1)[0]
        if detail := _shadow_detail(module, dist):
            out.append(_finding(path, 0, Capability.STARTUP_HOOKS, Phase.STARTUP,
                                f"{detail} ({_SCRIPTS_ROOT})"))
    if lower.endswith(_BYTECODE):
        return [*out, _finding(path, 0, Capability.UNANALYZED, Phase.IMPORT,
                               f"{BYTECODE_DETAIL}: {path} is imported without any source "
                               f"({_SCRIPTS_ROOT})")]
    if native.binary_kind(path):
        return out + scan_tree_member(ar, member, path, phase=None)
    data = read_code(ar, member, path)
    if isinstance(data, Finding):
        return out + _unread_script(ar, member, path, data, rewritten=rewritten)
    return out + _script_code(ar.filename, ar, member, path, data, own, rewritten=rewritten)


def _unread_script(ar: Archive, member: Member, path: str, unread: Finding, *,
                   rewritten: bool) -> list[Finding]:
    """A script too large to read: Python (by its first line) stays ``unanalyzed`` like
    any unread source; anything else is what its first line or magic says."""
    if member.link_target is not None:
        return [unread]
    head = ar.read_at(member, 0, 512)
    if native.is_binary(head[:4]):
        return scan_binary(ar, member, path, kind="executable", phase=Phase.RUNTIME)
    if (rewritten and head.startswith(_REWRITTEN)) or _PLAIN_PYTHON.fullmatch(
            head.split(b"\n", 1)[0]):
        return [unread]
    return [unread, native.script_finding(path, "what its first line names (too large to "
                                                "read)")]


_SCRIPT_MODULES = (".py", ".pyc")
_ZIP_END = b"PK\x05\x06"  # zipimport looks for it in the last 64 KiB + 22 bytes


def _python_script(filename: str, path: str, data: bytes, own: frozenset[str]) -> list[Finding]:
    """A script Python runs: its text, unless it is a zip archive behind its ``#!`` line,
    which Python runs as one (``__main__.py`` inside: zipapp, pex), not as the text."""
    if _ZIP_END in data[-(0xFFFF + 22):]:
        raise ScanError(f"{filename}: {path} is a zip archive behind its #! line (Python runs "
                        f"the __main__.py inside it, not the text the scan reads)")
    return scan_python(data, path, phase=None, own=own)


def _script_code(filename: str, ar: Archive, member: Member, path: str, data: bytes,
                 own: frozenset[str], *, rewritten: bool = True) -> list[Finding]:
    """What a script runs, read as the kernel runs it: its ``#!`` line names the program.

    * ``#!python...`` in the scripts scheme: pip and uv rewrite the line to the
      environment's interpreter; the rest is scanned as installed (the first line
      replaced, so no coding cookie there counts). A \\r inside that line: pip and uv would
      install different files, refused. (In the data scheme the line stays: the kernel
      looks for ``python`` in the current directory.)
    * a plain Python interpreter with no argument (``#!/usr/bin/env python3``,
      ``#!/usr/bin/python3``): scanned as Python.
    * an executable binary: ``native``, with its imported symbols.
    * anything else (``#!/bin/sh``, ``#!/usr/bin/env -S sh -c ... python``, ``#!/usr/bin/
      python -c ...``, no ``#!`` line, which a shell runs as a shell script): ``native``
      (``gate.scan.native.script_finding``); when the line names Python or the file ends
      in .py its text is scanned as Python too.

    A script Python runs that is a zip archive (zipapp) is refused (``_python_script``).
    """
    first = data.split(b"\n", 1)[0]
    if rewritten and data.startswith(_REWRITTEN):
        if b"\r" in first.removesuffix(b"\r"):
            raise ScanError(f"{filename}: {path} has a carriage return inside its #!python "
                            f"line (pip rewrites the line up to its \\n, uv up to the \\r: "
                            f"they install different scripts)")
        rest = data[len(first) + 1:]
        return _python_script(filename, path, _REWRITTEN + b"\n" + rest, own)
    if _PLAIN_PYTHON.fullmatch(first):
        return _python_script(filename, path, data, own)
    if native.is_binary(data[:4]):
        return scan_binary(ar, member, path, kind="executable", phase=Phase.RUNTIME)
    if first.startswith(b"#!"):
        line = first[2:].strip().decode("utf-8", "replace")
        shown = "".join(c if c.isprintable() else c.encode("unicode_escape").decode()
                        for c in line[:120])
        out = [native.script_finding(path, f"'{shown}'")]
    else:
        out = [native.script_finding(path, "a shell (no #! line)")]
    if b"python" in first.lower() or path.lower().endswith(_CODE):
        out += _python_script(filename, path, data, own)
    return out


# -- entry points ----------------------------------------------------------------------------

def _entry_points(filename: str, data: bytes, path: str, dist: NormalizedName,
                  own: frozenset[str],
                  codes: Mapping[str, bytes | str | Finding]) -> list[Finding]:
    """Console and GUI scripts that shadow common commands (``gate.layout.entry_points``
    reads the file as pip does, refusing what uv or configparser would read otherwise),
    and what each entry point's target does (``_entry_point_target``)."""
    out: list[Finding] = []
    read = entry_points(filename, data)  # first: it refuses what the lines below misread
    lines = {(g, n): i for i, (g, n) in _entry_point_lines(data)}
    for group, script, value in read:
        line = lines.get((group, script), 0)
        out += _entry_point_target(path, line, group, script, value, own, codes)
        if group not in SCRIPT_GROUPS:
            continue
        command = shadowed_command(script)
        if command and not _command_allowed(command, dist):
            out.append(_finding(path, line, Capability.STARTUP_HOOKS,
                                Phase.STARTUP, f"console script '{script}' shadows the "
                                               f"{command} command"))
    return out


def _entry_point_target(path: str, line: int, group: str, name: str, value: str,
                        own: frozenset[str],
                        codes: Mapping[str, bytes | str | Finding]) -> list[Finding]:
    """What the object an entry point names does: its module is imported and, for a
    script, the object called (pip writes ``sys.exit(test())`` for ``http.server:test``);
    a plugin group's module is imported when its host starts (``pytest11``). The target is
    read as code naming it would be: catalogued (``http.server.test`` is ``network``,
    ``antigravity`` acts when imported); a target in the package's own modules is scanned
    where it is (a re-export there is a reference on its own line). A standard module's
    command line is in the table as any function is (``json.tool:main`` writes the file
    its arguments name). An attribute path through an own module (``pkg:webbrowser.main``,
    ``pkg.sub:w.main``) is resolved through that module's imports (``_own_attr_path``): what
    it leaves the package for is read as a target of its own; a path that cannot be
    resolved is ``unanalyzed``."""
    target = value.split("[", 1)[0]
    module, _, attr = (part.strip() for part in target.partition(":"))
    if not module:
        return []
    resolved = f"{module}.{attr}" if attr else module
    phase = Phase.RUNTIME if group in SCRIPT_GROUPS else Phase.IMPORT
    where = f"entry point [{group}] {name} = {target.strip()}"
    if module.split(".")[0] in own:
        # the package's own code (re-exports included): its findings are where it is, unless
        # the attribute path leaves the package through a module the own module holds
        left = _own_attr_path(module, attr, codes, own)
        if left is None:
            return [_finding(path, line, Capability.UNANALYZED, phase,
                             f"{where}: the attribute path through {module} is not resolved")]
        if not left or left.split(".")[0] in own:
            return []
        module = resolved = left  # (the own module imports what holds it: read the path)
    out: list[Finding] = []
    for qual in dict.fromkeys((module, resolved)):
        entry = match(qual)
        if entry is not None and not owned(entry.name, own):
            out += [_finding(path, line, cap, phase, f"{where} ({entry.name})")
                    for cap in entry.capabilities]
    return out


def _own_attr_path(module: str, attr: str, codes: Mapping[str, bytes | str | Finding],
                   own: frozenset[str]) -> str | None:
    """Where the attribute path ``attr`` of the own module ``module`` leads: ``""`` for the
    package's own code (a plain name, a function or class of the module, a submodule), the
    dotted name an import binds its first part to followed by the rest (``webbrowser.main``
    for ``pkg:webbrowser.main`` with ``import webbrowser`` in ``pkg``), None when it cannot
    be told (the module unread, the name bound by no statement, or to another name)."""
    first, dot, rest = attr.partition(".")
    if not dot:
        return ""
    base = module.replace(".", "/")
    if f"{base}/{first}.py" in codes or f"{base}/{first}/__init__.py" in codes:
        return ""  # a submodule (``from pkg import sub`` imports it)
    src = codes.get(f"{base}.py", codes.get(f"{base}/__init__.py"))
    if src is None or isinstance(src, Finding):
        return None
    try:
        tree = ast.parse(src)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.asname == first:
                    found.append(a.name)
                elif a.asname is None and a.name.split(".")[0] == first:
                    found.append(first)
        elif isinstance(node, ast.ImportFrom):
            for a in node.names:
                if (a.asname or a.name) == first:
                    found.append("" if node.level else f"{node.module}.{a.name}")
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) \
                and node.name == first:
            found.append("")
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.NamedExpr)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == first for t in targets):
                value = node.value
                if value is None or isinstance(value, (ast.Name, ast.Attribute,
                                                       ast.Subscript)) or (
                        isinstance(value, ast.Call) and _imports_by_call(value)):
                    return None  # another name (or a module imported by a call) under it
                found.append("")  # (what an own call returns: ``_Dist = _unpatched(D)``)
    leaves = sorted({f for f in found if f and f.split(".")[0] not in own})
    if len(leaves) > 1:
        return None
    if leaves:
        return f"{leaves[0]}.{rest}"
    return "" if found else None


def _imports_by_call(call: ast.Call) -> bool:
    """``import_module(...)``, ``__import__(...)``, ``importlib.import_module(...)``: a
    module bound by a call (other calls are taken for the package's own objects)."""
    f = call.func
    name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
    return name in ("import_module", "__import__", "reload", "getattr", "load_module")


def _entry_point_lines(data: bytes) -> list[tuple[int, tuple[str, str]]]:
    """(line number, (group, name)) of the entry points of a file ``entry_points`` read."""
    out: list[tuple[int, tuple[str, str]]] = []
    group = ""
    for n, line in enumerate(data.decode("utf-8").split("\n"), 1):
        stripped = line.strip()
        if stripped.startswith("["):
            group = stripped[1:-1]
        elif "=" in stripped and not stripped.startswith("#"):
            out.append((n, (group, stripped.split("=", 1)[0].strip())))
    return out


# -- the data scheme -------------------------------------------------------------------------

_CONDA = re.compile(r"^etc/conda/(?:de)?activate\.d/", re.IGNORECASE)
_IPYTHON = re.compile(r"^etc/ipython/.+\.(?:py|json)$", re.IGNORECASE)
_JUPYTER = re.compile(r"^etc/jupyter/.+\.(?:py|json)$", re.IGNORECASE)
_KERNEL = re.compile(r"^share/jupyter/kernels/([^/]+)/kernel\.(json|js)$", re.IGNORECASE)
_LABEXTENSION = re.compile(r"^share/jupyter/labextensions/((?:@[^/]+/)?[^/@][^/]*)/"
                           r"package\.json$", re.IGNORECASE)
# keys of Jupyter/IPython configuration that load extensions or run code
_EXTENSION_MAPS = frozenset({"jpserver_extensions", "nbserver_extensions", "load_extensions"})
_EXTENSION_LISTS = frozenset({"extensions", "server_extensions", "exec_files"})
_CODE_KEYS = frozenset({"exec_lines", "code_to_run"})


def _scan_data(ar: Archive, member: Member, path: str, rel: str) -> list[Finding]:
    """A data-scheme file (``<prefix>/rel``): nothing imports it, but programs other than
    Python run some of these at their start: IPython its configuration in
    ``<prefix>/etc/ipython``, Jupyter its configuration in ``<prefix>/etc/jupyter``
    (server and notebook extensions to load), kernel specs in ``share/jupyter/kernels``
    (the command a kernel runs) and prebuilt JupyterLab extensions in
    ``share/jupyter/labextensions``; conda sources ``etc/conda/activate.d`` scripts in the
    shell that activates the environment. Those are ``startup-hooks`` with what they load
    as evidence; Python files are scanned (phase startup there, runtime elsewhere)."""
    hook = _data_hook(ar, member, path, rel)
    out = list(hook)
    if rel.lower().endswith(_CODE):
        code = read_code(ar, member, path)
        out += [code] if isinstance(code, Finding) else scan_python(
            code, path, phase=Phase.STARTUP if hook else Phase.RUNTIME)
    return out


def _data_hook(ar: Archive, member: Member, path: str, rel: str) -> list[Finding]:
    def hook(detail: str) -> list[Finding]:
        return [_finding(path, 0, Capability.STARTUP_HOOKS, Phase.STARTUP, detail)]

    lower = rel.lower()
    if _CONDA.match(rel):
        return [*hook(f"conda runs <prefix>/{rel} at every (de)activation of the "
                      f"environment"),
                native.script_finding(path, "the shell that activates a conda environment",
                                      phase=Phase.STARTUP)]
    if m := _LABEXTENSION.match(rel):
        return hook(f"JupyterLab loads prebuilt extension '{m.group(1)}' (code in the "
                    f"browser) at every start")
    if m := _KERNEL.match(rel):
        if m.group(2).lower() == "js":
            return hook(f"the notebook runs kernel.js of Jupyter kernel '{m.group(1)}' in "
                        f"the browser")
        argv = _json(ar, member, path)
        shown = argv.get("argv") if isinstance(argv, dict) else None
        return hook(f"Jupyter kernel '{m.group(1)}' runs {_short(shown)} when it starts")
    app = "IPython" if _IPYTHON.match(rel) else "Jupyter" if _JUPYTER.match(rel) else None
    if app is None:
        return []
    if lower.endswith(".py"):
        return hook(f"{app} runs <prefix>/{rel} at every start")
    loads, code = _config_loads(_json(ar, member, path))
    out = hook(f"{app} reads <prefix>/{rel} at every start"
               + (f": loads {', '.join(loads[:5])}" if loads else ""))
    if code:
        out += scan_python("\n".join(code), path, phase=Phase.STARTUP)
    return out


def _json(ar: Archive, member: Member, path: str) -> object:
    data = read_code(ar, member, path)
    if isinstance(data, Finding):
        return None
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        return None


def _short(value: object) -> str:
    text = json.dumps(value) if value is not None else "a command it does not say"
    return text if len(text) <= 200 else text[:197] + "..."


def _config_loads(config: object) -> tuple[list[str], list[str]]:
    """(extensions and files a Jupyter/IPython JSON configuration loads, code it runs)."""
    loads: list[str] = []
    code: list[str] = []
    stack: list[object] = [config]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack += node
            continue
        if not isinstance(node, dict):
            continue
        for key, value in node.items():
            if key in _EXTENSION_MAPS and isinstance(value, dict):
                loads += [str(k) for k, on in value.items() if on]
            elif key in _EXTENSION_LISTS and isinstance(value, list):
                loads += [str(v) for v in value]
            elif key in _CODE_KEYS:
                code += [value] if isinstance(value, str) else [
                    str(v) for v in value if isinstance(v, str)] if isinstance(
                    value, list) else []
            else:
                stack.append(value)
    return sorted(set(loads)), code
