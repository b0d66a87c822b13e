"""Wheels -> findings: where each member installs, and what it does there.

Every member is mapped to its install location by ``gate.layout.read_layout`` (the one
reading of the layout pip and uv share; it refuses wheels they would read differently).
In site-packages: ``.py`` is scanned, binaries are ``native``, pickles are ``dynamic-code``;
bytecode the import system would load (a ``.pyc`` outside ``__pycache__``, or a hash-based
one inside) is ``unanalyzed`` with a ``BYTECODE_DETAIL`` detail, which the policy refuses
unless ``unanalyzed`` is granted (other shipped ``.pyc`` files only warn); executable
``.pth`` lines (as any target's site.py reads them: ``gate.layout.pth_lines``),
sitecustomize/usercustomize, stdlib shadows and other distributions' top-level packages are
``startup-hooks``. A ``.pth`` path line that puts one of the wheel's files on sys.path has
that file scanned as the zip archive zipimport would read; one naming an absolute path or
a path outside site-packages is ``unanalyzed`` at startup. Scripts that shadow common
commands are ``startup-hooks`` too.

``scan_tree_member`` (the per-member part) is shared with the sdist scanner.
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
import sys
from collections.abc import Iterable, Mapping
from types import MappingProxyType

from packaging.metadata import parse_email
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from gate.archive import Archive, Member
from gate.errors import ScanError
from gate.layout import Placed, WheelLayout, find_dist_info, pth_lines, read_layout
from gate.model import Capability, Finding, NormalizedName, Phase
from gate.scan import native, python
from gate.scan.exports import Exported, collect, module_name

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
_ABSOLUTE = re.compile(r"^(?:[/\\]|[A-Za-z]:)")  # POSIX, UNC or drive (site.py expands no ~)

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
            text = python.decode_source(code)
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
    if lower.endswith(_NESTED):
        return _scan_nested(ar, member, path, phase=phase)
    return []


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
    for p in placed:
        member = members[p.member]
        if member is None:
            continue
        path = member.name
        if path.startswith(distinfo + "/"):
            if path == f"{distinfo}/entry_points.txt":
                out += _entry_points(ar.read(member), path, name)
            continue
        if p.script is not None:
            out += _scan_script(ar, member, path, p.script, name, own)
        elif p.site is not None and "/" not in p.site and p.site.lower().endswith(".pth"):
            out += _scan_pth(ar, member, path, layout)
        elif p.site is not None:
            out += _scan_site_member(ar, member, path, p.site, name, shadowed, own,
                                     codes.get(p.site), exports)
    # an archive a .pth puts on sys.path is also scanned as a zip in the tree: its bytecode
    # is then both loaded (refused) and merely shipped (a warning); keep the first
    loaded = {f.path for f in out if f.detail.startswith(BYTECODE_DETAIL)}
    return [f for f in out if not (f.path in loaded and f.capability == Capability.UNANALYZED
                                   and f.detail.startswith("compiled bytecode "))]


def _scan_pth(ar: Archive, member: Member, path: str, layout: WheelLayout) -> list[Finding]:
    """A top-level .pth file: its executable lines, and what its path lines put on
    sys.path (site.py appends each path that exists, relative to site-packages)."""
    data = read_code(ar, member, path)
    if isinstance(data, Finding):
        return [data]
    out = pth_findings(data, path)
    files = {site.casefold(): p for site, p in layout.site_files().items()}
    for lineno, text, executable in pth_lines(data):
        if executable:
            continue
        entry = _sys_path_entry(text)
        if entry == "":
            continue  # site-packages itself: already on sys.path
        key = entry.casefold() if entry is not None else ""
        if entry is not None and key in files:
            # an archive on sys.path: zipimport reads it whatever its name
            target = ar.get(files[key].member)
            if target is not None:
                _refuse_metadata_on_path(ar, path, lineno, entry, target, None)
                out += [_on_sys_path(f) for f in _scan_nested(ar, target, target.name,
                                                               phase=None)]
            continue
        if entry is not None and any(k.startswith(key + "/") for k in files):
            _refuse_metadata_on_path(ar, path, lineno, entry, None, files)
            continue  # a directory of this wheel: its files are scanned where they are
        if entry is not None:
            # inside site-packages but nothing of this wheel: site.py appends it only if it
            # exists, at the end of sys.path (it shadows nothing); what is there belongs to
            # another distribution, scanned on its own
            continue
        shown = "".join(c if c.isprintable() else c.encode("unicode_escape").decode()
                        for c in text)
        out.append(_finding(path, lineno, Capability.UNANALYZED, Phase.STARTUP,
                            f"adds {shown} to sys.path at every start"))
    return out


def _on_sys_path(finding: Finding) -> Finding:
    """A finding inside an archive a .pth line puts on sys.path: zipimport imports its
    bytecode (a ``.pyc`` without source, or one in place of its source)."""
    if (finding.capability == Capability.UNANALYZED
            and finding.detail.startswith("compiled bytecode ")):
        return dataclasses.replace(finding, detail=f"{BYTECODE_DETAIL}: {finding.path} is "
                                                   f"imported from an archive on sys.path")
    return finding


def _sys_path_entry(text: str) -> str | None:
    """The site-packages-relative path a .pth path line names ('' for site-packages
    itself), or None for an absolute path or one outside site-packages."""
    if _ABSOLUTE.match(text):
        return None
    entry = posixpath.normpath(text)
    if entry == ".":
        return ""
    if entry == ".." or entry.startswith("../"):
        return None
    return entry


def _refuse_metadata_on_path(ar: Archive, path: str, lineno: int, entry: str,
                             archive: Member | None,
                             files: dict[str, Placed] | None) -> None:
    """A sys.path entry holding distribution metadata makes a distribution pip and
    importlib.metadata see as installed: refuse it like read_layout refuses it in
    site-packages."""
    tops: set[str] = set()
    if archive is not None:
        try:
            with ar.nested(archive) as inner:
                tops = {m.name.split("/", 1)[0] for m in inner.members}
        except ScanError:
            return  # unreadable: _scan_nested reports it
    elif files is not None:
        depth, folded = entry.count("/") + 1, entry.casefold()
        for p in files.values():
            parts = (p.site or "").split("/")
            if len(parts) > depth and "/".join(parts[:depth]).casefold() == folded:
                tops.add(parts[depth])
    found = sorted(t for t in tops if t.lower().endswith(_METADATA) or t == "EGG-INFO")
    if entry.lower().endswith(".egg"):
        found.insert(0, entry)
    if found:
        raise ScanError(f"{ar.filename}: {path}:{lineno} adds site-packages/{entry} to "
                        f"sys.path, where {found[0]} is distribution metadata other than "
                        f"the wheel's own")


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


def _scan_site_member(ar: Archive, member: Member, path: str, rel: str,
                      dist: NormalizedName, shadowed: set[str],
                      own: frozenset[str], code: bytes | str | Finding | None = None,
                      exports: Exported | None = None) -> list[Finding]:
    out: list[Finding] = []
    module = _top_module(rel)
    startup = module in ("sitecustomize", "usercustomize")
    if startup:
        out.append(_finding(path, 0, Capability.STARTUP_HOOKS, Phase.STARTUP,
                            f"{module} runs at every interpreter start"))
    elif module not in shadowed and (detail := _shadow_detail(module, dist)):
        shadowed.add(module)
        out.append(_finding(path, 0, Capability.STARTUP_HOOKS, Phase.STARTUP, detail))
    phase = Phase.STARTUP if startup else None
    if rel.lower().endswith(_BYTECODE) and member.link_target is None:
        return [*out, _bytecode(ar, member, path, rel, phase or Phase.IMPORT)]
    named = module_name(rel)
    return out + scan_tree_member(ar, member, path, phase=phase, own=own, code=code,
                                  module=named[0] if named else None, exports=exports)


def _scan_script(ar: Archive, member: Member, path: str, script: str,
                 dist: NormalizedName, own: frozenset[str]) -> list[Finding]:
    out: list[Finding] = []
    command = shadowed_command(script)
    if command and not _command_allowed(command, dist):
        out.append(_finding(path, 0, Capability.STARTUP_HOOKS, Phase.STARTUP,
                            f"script '{script}' shadows the {command} command"))
    if native.binary_kind(path):
        return out + scan_tree_member(ar, member, path, phase=None)
    data = read_code(ar, member, path)
    if isinstance(data, Finding):
        return [*out, data]
    first = data.split(b"\n", 1)[0]
    if path.lower().endswith(_CODE) or (first.startswith(b"#!") and b"python" in first):
        return out + scan_python(data, path, phase=None, own=own)
    if native.is_binary(data[:4]):
        return out + scan_binary(ar, member, path, kind="executable", phase=Phase.RUNTIME)
    return [*out, _finding(path, 0, Capability.UNANALYZED, Phase.RUNTIME,
                           f"script {script} is not Python")]


def _entry_points(data: bytes, path: str, dist: NormalizedName) -> list[Finding]:
    out: list[Finding] = []
    section = ""
    for lineno, raw in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
        line = raw.strip()
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
        elif section in ("console_scripts", "gui_scripts") and "=" in line:
            script = line.split("=", 1)[0].strip()
            command = shadowed_command(script)
            if command and not _command_allowed(command, dist):
                out.append(_finding(path, lineno, Capability.STARTUP_HOOKS, Phase.STARTUP,
                                    f"console script '{script}' shadows the {command} "
                                    f"command"))
    return out
