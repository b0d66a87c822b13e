"""One reading of a wheel's install layout: where pip and uv put each member.

``read_layout(filename, names, wheel_metadata)`` maps every file member of a wheel to its
install scheme and, for what lands in site-packages or the scripts directory, to its path
there. It is derived from the installers' own code, not from the wheel specification:

pip (``src/pip/_internal/operations/install/wheel.py``, ``utils/wheel.py``)
    * the ``.dist-info`` directory is the one top-level name (file or directory) ending in
      ``.dist-info``; more than one is an error;
    * ANY top-level name ending in ``.data`` is a data directory
      (``path.split("/", 1)[0].endswith(".data")``); below it, ``<key>/<path>`` with ``key``
      one of SCHEME_KEYS (purelib, platlib, headers, scripts, data), else an error;
    * every path goes through ``os.path.normpath`` and is joined onto its scheme directory:
      on POSIX a ``\\`` is an ordinary character of a file name;
    * root files first, then ``.data`` files, then scripts: a later file replaces an
      earlier one installed at the same place; subdirectories of ``scripts`` are installed.

uv (``crates/uv-install-wheel/src/{wheel,install,linker}.rs``, ``crates/uv-extract``)
    * the whole wheel is unpacked and linked into site-packages as written (no
      normalisation), then only ``{dist_info_prefix}.data`` is moved onto the schemes (any
      other ``*.data`` directory stays a plain directory in site-packages);
    * files are extracted in parallel, so which of two files at one place wins is not
      defined; a directory in ``.data/scripts`` is an error; names with control or other
      invisible characters (``\\p{C}``) are refused.

Wherever the two disagree, or the archive could be read two ways, ``read_layout`` refuses
with a ``ScanError`` naming the member. It also refuses layouts no legitimate wheel has and
that take over the environment rather than add to it: files at the root of the prefix
(``pip.conf``, ``pyvenv.cfg``), pip/uv configuration anywhere, files beside the standard
library, scripts that replace the interpreter or the activation scripts, files the
interpreter reads at startup before any code of it is scanned (CPython's
``Modules/getpath.py``: a ``._pth`` beside the executable or libpython REPLACES sys.path,
``pybuilddir.txt`` and ``Modules/Setup.local`` beside the real executable make it a build
tree, ``pyvenv.cfg`` is read from the prefix and from ``bin/``, ``lib/python3XY.zip`` is the
first sys.path entry; libpython itself), anything in a subdirectory of the scripts directory
(``bin/`` is sys.path[0] of every script run from it: a package there shadows site-packages
and the standard library), and distribution metadata (``*.dist-info``, ``*.egg-info``,
``*.egg-link``) other than the wheel's own, which would make pip and importlib.metadata see
a distribution that is not installed.

``entry_points(filename, data)`` reads ``entry_points.txt`` as pip does (importlib.metadata)
and refuses what uv's ini reader or configparser would read otherwise.
``check_record(filename, names, dist_info, data)`` refuses a RECORD row naming a file the
archive does not hold (pip copies it into the installed RECORD, which then claims it).
``pth_entry(text)`` says where a ``.pth`` path line points, in the areas ``destination``
names.

``pth_lines(data)`` reads a ``.pth`` file as every supported target's ``site.py`` could:
3.13+ (bytes, ``utf-8-sig`` else the locale encoding, ``str.splitlines()``) and 3.11/3.12
(``io.TextIOWrapper(encoding="locale")``, universal newlines), and returns the union.
"""

from __future__ import annotations

import csv
import posixpath
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from email.parser import HeaderParser

from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename

from gate.errors import ScanError

__all__ = ["SCHEME_KEYS", "SCRIPT_GROUPS", "Placed", "WheelLayout", "check_record",
           "destination", "entry_points", "find_dist_info", "pth_entry", "pth_lines",
           "read_layout"]

# pip's SCHEME_KEYS (src/pip/_internal/models/scheme.py); uv knows the same five.
SCHEME_KEYS = ("platlib", "purelib", "headers", "scripts", "data")


@dataclass(frozen=True, slots=True)
class Placed:
    """Where one file member of a wheel installs."""

    member: str  # the archive member name, exactly as in the zip
    scheme: str  # "purelib" | "platlib" | "scripts" | "headers" | "data"
    rel: str  # '/'-separated path below that scheme directory (data: below sys.prefix)
    site: str | None  # site-packages-relative path when it lands in site-packages
    script: str | None  # bin-relative name when it lands in the scripts directory


@dataclass(frozen=True, slots=True)
class WheelLayout:
    dist_info: str  # "name-1.0.dist-info"
    placed: tuple[Placed, ...]  # every file member, in archive order, dist-info included
    root_is_purelib: bool

    @property
    def data_dir(self) -> str:
        """The one ``.data`` directory the installers read: ``name-1.0.data``."""
        return self.dist_info.removesuffix(".dist-info") + ".data"

    def site_files(self) -> dict[str, Placed]:
        """site-packages-relative path -> the member installed there."""
        return {p.site: p for p in self.placed if p.site is not None}


# -- names -------------------------------------------------------------------------------

BACKSLASH = ("has a backslash in its name (a file name character on POSIX, a directory "
             "separator on Windows)")


def _invisible(name: str) -> bool:
    """A control, format, private-use, surrogate or unassigned character (uv's \\p{C})."""
    if name.isascii() and name.isprintable():
        return False  # (the ASCII ones are the controls, which are not printable)
    return any(unicodedata.category(c)[0] == "C" for c in name)


def _check_name(filename: str, name: str) -> str:
    """The name without a directory's trailing '/'; ScanError where readers disagree."""
    if "\\" in name:
        raise ScanError(f"{filename}: member '{name}' {BACKSLASH}")
    if _invisible(name):
        raise ScanError(f"{filename}: member {name!r} has a control or invisible character "
                        f"in its name (uv refuses it, pip installs it)")
    path = name[:-1] if name.endswith("/") else name
    if not path or path.startswith("/") or (len(path) > 1 and path[1] == ":"):
        raise ScanError(f"{filename}: member '{name}' has an empty or absolute path")
    if ".." in path.split("/"):
        raise ScanError(f"{filename}: member '{name}' escapes the archive (path traversal)")
    normal = posixpath.normpath(path)
    if normal != path:
        raise ScanError(f"{filename}: member '{name}' is not a normal path (pip installs it "
                        f"as '{normal}', uv as written)")
    return path


def find_dist_info(filename: str, names: Iterable[str]) -> str:
    """The wheel's one ``.dist-info`` directory, counted as pip counts it: every top-level
    name (file or directory) ending in ``.dist-info``."""
    found = sorted({n.split("/", 1)[0] for n in names if n.split("/", 1)[0]
                    .endswith(".dist-info")})
    if len(found) != 1:
        listed = f" ({', '.join(found)})" if found else ""
        raise ScanError(f"{filename}: expected one .dist-info directory, "
                        f"found {len(found)}{listed}")
    return found[0]


def _check_project(filename: str, dist_info: str) -> None:
    """The .dist-info directory must name the wheel's project: pip refuses one that does
    not, uv installs it, and then importlib.metadata finds the distribution under the
    directory's name while its METADATA says another."""
    try:
        project = parse_wheel_filename(filename)[0]
    except InvalidWheelFilename:
        return  # not named like a wheel (a test's 'x.whl'): nothing to compare with
    stem = dist_info.removesuffix(".dist-info")
    if project not in (canonicalize_name(stem.split("-", 1)[0]),
                       canonicalize_name(stem.rsplit("-", 1)[0])):
        raise ScanError(f"{filename}: {dist_info} is not the metadata of {project} (pip "
                        f"refuses it, uv installs it)")


# dist-info files installers and importlib.metadata read by name
_METADATA_FILES = {n.casefold(): n for n in ("METADATA", "WHEEL", "RECORD", "entry_points.txt",
                                            "top_level.txt", "INSTALLER", "direct_url.json")}


def _check_metadata_names(filename: str, dist_info: str, names: Iterable[str]) -> None:
    """``Entry_Points.txt`` is not read from the archive (exact names), but IS read once
    installed on a case-insensitive file system (macOS, Windows): by uv, which reads the
    unpacked wheel, and by importlib.metadata (plugin entry points, metadata)."""
    for name in names:
        top, _, base = name.partition("/")
        known = _METADATA_FILES.get(base.casefold()) if top == dist_info else None
        if known is not None and base != known:
            raise ScanError(f"{filename}: member '{name}' is {dist_info}/{known} on a "
                            f"case-insensitive file system (macOS, Windows), not in the "
                            f"archive")


def _root_is_purelib(filename: str, dist_info: str, data: bytes | None) -> bool:
    """pip: ``get("Root-Is-Purelib", "").lower() == "true"``; uv: the first value is exactly
    ``true``. They differ on ``True`` (jsonref 1.1.0 says so): purelib for pip, platlib for
    uv. Both are site-packages (one directory in a venv), so this reading takes pip's."""
    if data is None:
        return False
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ScanError(f"{filename}: {dist_info}/WHEEL is not UTF-8") from None
    value = HeaderParser().parsestr(text).get("Root-Is-Purelib", "")
    return str(value).strip().lower() == "true"


# -- the data scheme -----------------------------------------------------------------------

_SITE = re.compile(r"^lib[^/]*/python[^/]*/(?:site|dist)-packages/(.+)$", re.IGNORECASE)
_WINDOWS_SITE = re.compile(r"^lib/site-packages/(.+)$", re.IGNORECASE)
_STDLIB = re.compile(r"^lib[^/]*/python[^/]*(?:/|$)", re.IGNORECASE)
_WINDOWS_STDLIB = re.compile(r"^(?:lib|dlls)/.*\.(?:py|pyw|pyc|pyo|pyd|pth)$", re.IGNORECASE)
_SCRIPTS = re.compile(r"^(?:bin|scripts)/([^/]+)$", re.IGNORECASE)
_PIP_ETC = re.compile(r"^etc/(?:pip[^/]*|xdg/pip)(?:/|$)", re.IGNORECASE)
_UV_ETC = re.compile(r"^etc/(?:xdg/)?uv(?:/|$)", re.IGNORECASE)
_CONFIG = {
    "pip.conf": ("pip's configuration for this environment", "a pip configuration file"),
    "pip.ini": ("pip's configuration for this environment", "a pip configuration file"),
    "pyvenv.cfg": ("the file that makes it a virtual environment and names its interpreter",
                   "a virtual environment's configuration file"),
    "uv.toml": ("uv's configuration for this environment", "a uv configuration file"),
}


_SCRIPTS_SUBDIR = re.compile(r"^(?:bin|scripts)/[^/]+/", re.IGNORECASE)
_LIBPYTHON = re.compile(r"^lib[^/]*/libpython[^/]*$", re.IGNORECASE)

# Files CPython's getpath (Modules/getpath.py, 3.11+, every platform) reads beside the
# executable it was started as, beside its real executable or beside libpython, before
# anything is imported; a wheel has no business shipping any of them.
_PTH_FILE = ("a ._pth file: beside an interpreter or libpython it REPLACES sys.path before "
             "anything is imported (CPython getpath)")
_BUILDDIR = ("pybuilddir.txt: beside the interpreter it makes it read its standard library "
             "from a build tree (CPython getpath)")
_STARTUP_FILES = {
    "pyvenv.cfg": _CONFIG["pyvenv.cfg"][1],
    "pybuilddir.txt": _BUILDDIR,
}
# ... and, in the scripts directory (where the interpreter of a venv or of a --prefix/--user
# install lives), the standard library archive (getpath's ZIP_LANDMARK, on Windows beside
# the executable) and the DLLs python.exe loads from its own directory first
_SCRIPT_STARTUP = re.compile(r"^(?:(?P<zip>python[^/]*\.zip)|(?P<dll>(?:python|vcruntime)[^/]*"
                             r"\.dll))$", re.IGNORECASE)


def _startup_file(base: str) -> str | None:
    """What the interpreter does with a file of this (lower-case) name beside it."""
    if base.endswith("._pth"):
        return _PTH_FILE
    return _STARTUP_FILES.get(base)


def _data_site(sub: str) -> str | None:
    m = _SITE.match(sub) or _WINDOWS_SITE.match(sub)
    return m.group(1) if m else None


def _refuse_data(filename: str, member: str, sub: str) -> None:
    """ScanError for a data file that takes over the environment instead of adding to it."""
    base = sub.rsplit("/", 1)[-1].lower()
    what: str | None = None
    if base in _CONFIG:
        what = _CONFIG[base][0 if "/" not in sub else 1]
    elif (startup := _startup_file(base)) is not None:
        what = startup
    elif "/" not in sub:
        what = "at the root of the environment"
    elif _SCRIPTS_SUBDIR.match(sub):
        what = ("in a subdirectory of the scripts directory, which is sys.path[0] of every "
                "script run from it (a package there shadows site-packages and the standard "
                "library)")
    elif _LIBPYTHON.match(sub):
        what = "where the interpreter's shared library libpython is loaded from"
    elif _PIP_ETC.match(sub):
        what = "where pip reads its configuration"
    elif _UV_ETC.match(sub):
        what = "where uv reads its configuration"
    elif _STDLIB.match(sub):
        what = "beside the standard library"
    elif _WINDOWS_STDLIB.match(sub):
        what = "beside the standard library on Windows"
    if what is not None:
        raise ScanError(f"{filename}: {member} would install as <prefix>/{sub}, {what}")


# -- scripts -------------------------------------------------------------------------------

_INTERPRETER = re.compile(r"^(?:python|pythonw|python3|graalpy|pypy|pypy2|pypy3"
                          r"|python3\.\d+t?|pythonw3\.\d+t)$")
_ACTIVATION = re.compile(r"^(?:activate|activate\.[a-z0-9]+|activate_this|deactivate"
                         r"|deactivate\.[a-z0-9]+)$")


def _refuse_script(filename: str, member: str, script: str) -> None:
    lower = script.lower()
    name = lower.removesuffix(".exe").removesuffix(".py")
    if _INTERPRETER.match(name):
        what = "replacing the environment's Python interpreter (uv refuses it, pip installs it)"
    elif _ACTIVATION.match(name):
        what = "replacing the environment's activation script"
    elif (startup := _startup_file(lower)) is not None:
        what = startup
    elif m := _SCRIPT_STARTUP.match(lower):
        what = ("the standard library archive the interpreter beside it puts first on "
                "sys.path (CPython getpath)" if m.group("zip") else
                "a DLL the interpreter beside it loads before anything else (Windows)")
    else:
        return
    raise ScanError(f"{filename}: {member} would install as <scripts>/{script}, {what}")


# -- the layout ------------------------------------------------------------------------------

_METADATA = (".dist-info", ".egg-info", ".egg-link")


def _place(filename: str, name: str, dist_info: str, data_dir: str, root: str) -> Placed:
    top, _, rest = name.partition("/")
    if top != data_dir:
        return Placed(member=name, scheme=root, rel=name, site=name, script=None)
    key, _, sub = rest.partition("/")
    if not sub:
        raise ScanError(f"{filename}: member '{name}' is not in a scheme directory of "
                        f"{data_dir} (expected {data_dir}/<scheme>/<path>)")
    if key not in SCHEME_KEYS:
        raise ScanError(f"{filename}: member '{name}' uses '{key}', not a wheel scheme "
                        f"({', '.join(sorted(SCHEME_KEYS))})")
    if key in ("purelib", "platlib"):
        return Placed(member=name, scheme=key, rel=sub, site=sub, script=None)
    if key == "scripts":
        if "/" in sub:
            raise ScanError(f"{filename}: member '{name}' is in a subdirectory of "
                            f"{data_dir}/scripts (uv refuses it, pip installs it)")
        return Placed(member=name, scheme=key, rel=sub, site=None, script=sub)
    if key == "headers":
        return Placed(member=name, scheme=key, rel=sub, site=None, script=None)
    site = _data_site(sub)
    if site is not None:
        return Placed(member=name, scheme=key, rel=sub, site=site, script=None)
    _refuse_data(filename, name, sub)
    m = _SCRIPTS.match(sub)
    return Placed(member=name, scheme=key, rel=sub, site=None,
                  script=m.group(1) if m else None)


def _refuse_metadata(filename: str, p: Placed, dist_info: str, data_dir: str) -> None:
    """Only the wheel's own root ``.dist-info`` may hold distribution metadata: anything
    else named like metadata in site-packages is a distribution pip and importlib.metadata
    would see (they match these suffixes case-insensitively)."""
    assert p.site is not None
    top = p.site.split("/", 1)[0]
    if not top.lower().endswith(_METADATA):
        return
    if top == dist_info:
        if p.member == p.site:
            return
        raise ScanError(f"{filename}: member '{p.member}' would install into {dist_info} "
                        f"from {data_dir}; only the wheel's root {dist_info} holds its "
                        f"metadata")
    raise ScanError(f"{filename}: member '{p.member}' would install as site-packages/"
                    f"{p.site}, distribution metadata other than the wheel's own {dist_info}")


def destination(p: Placed) -> tuple[str, str]:
    """(area, path) of where ``p`` lands: ``site-packages``, ``<scripts>``, ``<prefix>``
    (the data scheme) or ``<headers>``. purelib and platlib are one area (one directory in
    a venv), and so are the scripts scheme and data/bin."""
    if p.site is not None:
        return "site-packages", p.site
    if p.script is not None:
        return "<scripts>", p.script
    return ("<prefix>" if p.scheme == "data" else f"<{p.scheme}>"), p.rel


def read_layout(filename: str, names: Iterable[str],
                wheel_metadata: bytes | None) -> WheelLayout:
    """Where every file member of the wheel ``filename`` installs.

    ``names``: every member name as in the zip, directories (``name/``) included;
    ``wheel_metadata``: the bytes of ``<dist-info>/WHEEL`` (None: absent). Raises
    ``ScanError`` (exit 3) naming the member where pip and uv would differ, the archive is
    ambiguous, or the wheel would take over the environment (module docstring).
    """
    names = list(names)
    for name in names:
        _check_name(filename, name)
    dist_info = find_dist_info(filename, names)
    if not any(n.startswith(dist_info + "/") for n in names):
        raise ScanError(f"{filename}: {dist_info} is not a directory")
    _check_project(filename, dist_info)
    _check_metadata_names(filename, dist_info, names)
    data_dir = dist_info.removesuffix(".dist-info") + ".data"
    for name in names:
        top = name.split("/", 1)[0]
        if top.lower().endswith(".data") and top != data_dir:
            raise ScanError(f"{filename}: member '{name}' is in {top}, a .data directory "
                            f"other than {data_dir} (pip installs it as data, uv as a "
                            f"directory of that name)")
    root_is_purelib = _root_is_purelib(filename, dist_info, wheel_metadata)
    root = "purelib" if root_is_purelib else "platlib"

    placed: list[Placed] = []
    taken: dict[tuple[str, str], tuple[str, str]] = {}  # (area, folded path) -> (member, path)
    for name in names:
        if name.endswith("/"):
            continue
        p = _place(filename, name, dist_info, data_dir, root)
        if p.site is not None:
            _refuse_metadata(filename, p, dist_info, data_dir)
        if p.script is not None:
            _refuse_script(filename, name, p.script)
        area, where = destination(p)
        key = (area, where.casefold())
        if key in taken:
            raise ScanError(f"{filename}: members '{taken[key][0]}' and '{name}' both "
                            f"install as {area}/{where} (one would replace the other)")
        taken[key] = (name, where)
        placed.append(p)
    for (area, folded), (name, where) in taken.items():
        while "/" in folded:
            folded, where = folded.rsplit("/", 1)[0], where.rsplit("/", 1)[0]
            if (area, folded) in taken:
                raise ScanError(f"{filename}: member '{name}' installs below {area}/{where}, "
                                f"which member '{taken[area, folded][0]}' installs as a file")
    return WheelLayout(dist_info=dist_info, placed=tuple(placed),
                       root_is_purelib=root_is_purelib)


# -- .pth files ------------------------------------------------------------------------------

def _site313(text: str) -> list[tuple[int, str, bool]]:
    """3.13+: ``for n, line in enumerate(text.splitlines(), 1)``."""
    return [_line(n, line) for n, line in enumerate(text.splitlines(), 1) if _counts(line)]


def _site311(text: str) -> list[tuple[int, str, bool]]:
    """3.11/3.12: iterating a TextIOWrapper, universal newlines (\\n, \\r, \\r\\n)."""
    lines = re.split(r"\r\n|\r|\n", text)
    if lines and lines[-1] == "":
        lines.pop()
    return [_line(n, line) for n, line in enumerate(lines, 1) if _counts(line)]


def _counts(line: str) -> bool:
    return not line.startswith("#") and line.strip() != ""


def _line(n: int, line: str) -> tuple[int, str, bool]:
    if line.startswith(("import ", "import\t")):
        return n, line, True
    return n, line.rstrip(), False


def pth_lines(data: bytes) -> list[tuple[int, str, bool]]:
    """The lines of a ``.pth`` file that do something, as ANY supported target's site.py
    could read them: (line number, text, executable). Comments and blank lines are left
    out; an executable line is exec'd as ``text``, any other is a path site.py appends to
    sys.path (relative to the site directory) when it exists.

    Readings (their union, sorted, each distinct line once):
      * 3.13+: ``utf-8-sig`` (a BOM is dropped), else the locale encoding; split with
        ``str.splitlines()`` (\\v, \\f, \\x1c-\\x1e, \\x85, \\u2028, \\u2029 end lines too);
      * 3.11/3.12: the locale encoding with universal newlines (a BOM stays, as U+FEFF).
    A UTF-8 file is read as UTF-8 by 3.11/3.12 too (a UTF-8 locale; any other locale
    reads the same lines, differing only in non-ASCII characters). Any other file is read
    in the locale encodings latin-1 and cp1252 (and, by 3.11/3.12 in a UTF-8 locale, as
    far as it decodes: modelled with replacement characters).
    """
    readings: list[list[tuple[int, str, bool]]] = []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        for locale in ("latin-1", "cp1252"):
            fallback = data.decode(locale, "replace")
            readings += [_site313(fallback), _site311(fallback)]
        readings.append(_site311(data.decode("utf-8", "replace")))
    else:
        readings += [_site313(text.removeprefix("\ufeff")), _site311(text)]
    out: set[tuple[int, str, bool]] = set()
    for reading in readings:
        out.update(reading)
    return sorted(out)


# -- .pth path lines -------------------------------------------------------------------------

_ABSOLUTE = re.compile(r"^(?:[/\\]|[A-Za-z]:)")  # POSIX, UNC or drive (site.py expands no ~)
_SCRIPTS_DIR = re.compile(r"^(?:bin|scripts)(?:/(.*))?$", re.IGNORECASE)
# site-packages below the prefix, POSIX (lib/pythonX.Y/site-packages) and Windows
_SITE_DIRS = ("lib/python3/site-packages", "Lib/site-packages")


def pth_entry(text: str) -> list[tuple[str, str]] | None:
    """Where the ``.pth`` path line ``text`` points (site.py appends ``os.path.join(sitedir,
    line)`` to sys.path when it exists): (area, path) as ``destination`` names them, with
    ``("site-packages", "")`` for site-packages itself. A line that leaves site-packages is
    resolved for the POSIX and the Windows layout both (it may point two places); a line
    that leaves the prefix points nowhere a wheel installs ([]); None: an absolute path."""
    if _ABSOLUTE.match(text):
        return None
    out: list[tuple[str, str]] = []
    for site in _SITE_DIRS:
        joined = posixpath.normpath(f"{site}/{text}")
        if joined == site or joined.startswith(site + "/"):
            where = ("site-packages", joined[len(site) + 1:])
        elif joined == ".." or joined.startswith("../"):
            continue
        elif (inside := _data_site(joined)) is not None:
            where = ("site-packages", inside)
        elif m := _SCRIPTS_DIR.match(joined):
            where = ("<scripts>", m.group(1) or "")
        else:
            where = ("<prefix>", "" if joined == "." else joined)
        if where not in out:
            out.append(where)
    return out


# -- entry_points.txt ------------------------------------------------------------------------

SCRIPT_GROUPS = ("console_scripts", "gui_scripts")
# A script name every reader takes as one plain file name (every name of ~900 real wheels).
_SCRIPT_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+-]*")
# uv's reading of a script's value (crates/uv-install-wheel/src/script.rs), anchored; pip's
# (distlib's ENTRY_RE) is searched and ignores what follows, uv refuses it
_SCRIPT_VALUE = re.compile(r"[\w\-.]+\s*:\s*[\w\-.]+(?:\s*\[\s*(?:[^,\]]+,?\s*)+\])?\s*")
_HEADER = re.compile(r"\[([^\[\]\s](?:[^\[\]]*[^\[\]\s])?)\]")


def _ep_error(filename: str, lineno: int, what: str) -> ScanError:
    return ScanError(f"{filename}: entry_points.txt line {lineno} {what}")


def _ep_text(filename: str, data: bytes) -> list[str]:
    """The lines, when every reader splits them alike: importlib.metadata (pip) splits with
    ``str.splitlines`` (\\r, \\v, \\f, \\x1c-\\x1e, \\x85, \\u2028, \\u2029 end lines),
    uv's reader on \\n and \\r\\n only; Python and Rust also strip different whitespace."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ScanError(f"{filename}: entry_points.txt is not UTF-8 (pip and uv cannot read "
                        f"it)") from None
    lines = text.split("\n")
    for n, line in enumerate(lines, 1):
        line = lines[n - 1] = line.removesuffix("\r")
        for c in line:
            if not (c.isprintable() or c == "\t"):
                kind = ("a line break for pip (str.splitlines), not for uv"
                        if len(f"a{c}b".splitlines()) == 2 else
                        "a control, invisible or non-ASCII space character readers strip "
                        "differently")
                raise _ep_error(filename, n, f"has {c!r}, {kind}")
    return lines


def entry_points(filename: str, data: bytes) -> list[tuple[str, str, str]]:
    """(group, name, value) of every entry point of an ``entry_points.txt``, as pip reads it
    (``importlib.metadata``: every stripped line that is neither blank nor a ``#`` comment,
    ``[group]`` headers, ``name = value`` split on the first ``=``).

    Raises ``ScanError`` (exit 3, one line) wherever uv's reader (the ``configparser``
    crate: ``#`` and ``;`` start comments, also inline; headers are trimmed) or Python's
    ``configparser`` (indented lines continue the value before; ``[DEFAULT]`` is
    inherited) would read the file otherwise, and for console/GUI script names that are
    not one plain file name, values pip and uv would read differently, and duplicates.
    """
    out: list[tuple[str, str, str]] = []
    group: str | None = None
    seen: dict[tuple[str, str], int] = {}
    scripts: dict[str, tuple[int, str]] = {}  # casefolded script name -> (line, name)
    for n, line in enumerate(_ep_text(filename, data), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if line[0] in " \t":
            raise _ep_error(filename, n, "is indented (configparser continues the value "
                                         "before with it, pip and uv read an entry point)")
        if "#" in stripped or ";" in stripped:
            raise _ep_error(filename, n, "has '#' or ';' (uv reads a comment from there, "
                                         "pip does not)")
        if stripped.startswith("["):
            m = _HEADER.fullmatch(stripped)
            if m is None or m.group(1) == "DEFAULT":
                raise _ep_error(filename, n, f"{stripped!r} is a group header pip and uv "
                                             f"(or configparser) read differently")
            group = m.group(1)
            continue
        if group is None:
            raise _ep_error(filename, n, "comes before any [group] (pip ignores it, uv and "
                                         "configparser do not)")
        name, eq, value = stripped.partition("=")
        name, value = name.strip(), value.strip()
        if not eq or not name:
            raise _ep_error(filename, n, "is not 'name = value' (pip fails on it, uv reads "
                                         "a key without a value)")
        if (group, name) in seen:
            raise _ep_error(filename, n, f"repeats {name!r} of [{group}] (line "
                                         f"{seen[group, name]})")
        seen[group, name] = n
        if group in SCRIPT_GROUPS:
            if not _SCRIPT_NAME.fullmatch(name):
                raise _ep_error(filename, n, f"names a script {name!r}, not one plain file "
                                             f"name")
            if (startup := _startup_file(name.lower())) is not None or \
                    _SCRIPT_STARTUP.match(name):
                raise _ep_error(filename, n, f"names a script {name!r}, a file the "
                                             f"interpreter beside it reads at startup "
                                             f"({startup or 'CPython getpath, Windows'})")
            if not _SCRIPT_VALUE.fullmatch(value):
                raise _ep_error(filename, n, f"has a script value {value!r} pip and uv read "
                                             f"differently")
            folded = name.casefold()
            if folded in scripts:
                raise _ep_error(filename, n, f"script {name!r} installs where line "
                                             f"{scripts[folded][0]}'s {scripts[folded][1]!r} "
                                             f"does (one replaces the other)")
            scripts[folded] = (n, name)
        out.append((group, name, value))
    return out


# -- RECORD ----------------------------------------------------------------------------------

_SIGNATURES = ("RECORD.jws", "RECORD.p7s")


def check_record(filename: str, names: Iterable[str], dist_info: str,
                 data: bytes) -> None:
    """ScanError for a row of the wheel's RECORD naming a path the archive does not hold
    (its signature files aside). pip reads RECORD with ``csv.reader(text.splitlines())`` and
    copies every row it installed nothing for into the installed RECORD as it is: the
    distribution then claims another's file (uninstalled with it, counted as its own by
    every reader of RECORD). Rows missing for members are fine."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ScanError(f"{filename}: {dist_info}/RECORD is not UTF-8") from None
    members = set(names)
    own = {f"{dist_info}/RECORD", *(f"{dist_info}/{s}" for s in _SIGNATURES)}
    try:
        for row in csv.reader(text.splitlines()):
            if row and row[0] not in members and row[0] not in own:
                raise ScanError(f"{filename}: {dist_info}/RECORD lists {row[0]!r}, which the "
                                f"wheel does not hold (pip would record it as this "
                                f"distribution's file)")
    except csv.Error as exc:
        raise ScanError(f"{filename}: {dist_info}/RECORD cannot be read: {exc}") from None
