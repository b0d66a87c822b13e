"""The sdist's tree and its build configuration, read as the build reads them.

The tree is read as the build reads it once pip has extracted it: a tar link is the file
it leads to (gate.archive refuses any other link), and a name is looked up as a
case-insensitive file system (macOS, Windows) finds it: two members that are one path
there are refused, ``SETUP.PY`` is setup.py. Configuration is read as the backends read
it: TOML with tomllib after universal newlines, setup.cfg with setuptools' configparser
(``key: value``, any case, interpolation). Paths named in configuration are normalised as
the backend joins them (``./docs//hook.py``, backslashes).

The helpers every check of the sdist scan shares (findings, lookups, line numbers) live
here too.
"""

from __future__ import annotations

import ast
import configparser
import posixpath
import re
import tomllib
import unicodedata
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from gate._tomlpos import KeyPath, Positions
from gate.archive import Archive, Member, read_archive
from gate.errors import ScanError
from gate.model import Capability, Finding, Phase


def _finding(path: str, line: int, cap: Capability, phase: Phase, detail: str) -> Finding:
    return Finding(path=path, line=line, capability=cap, phase=phase, detail=detail)


def _hook(path: str, line: int, detail: str) -> Finding:
    return _finding(path, line, Capability.INSTALL_HOOKS, Phase.INSTALL, detail)


def _line_of(text: str, pattern: str) -> int:
    """1-based line of the first match of ``pattern`` (multiline regex), else 0."""
    m = re.search(pattern, text, re.MULTILINE)
    return text.count("\n", 0, m.start()) + 1 if m else 0


def _dig(data: Mapping[str, Any], *keys: str) -> Any:
    cur: Any = data
    for key in keys:
        if not isinstance(cur, Mapping):
            return None
        cur = cur.get(key)
    return cur


def _fold(path: str) -> str:
    """``path`` as a case-insensitive, normalising file system compares it (macOS: case
    and Unicode normalisation; Windows: case, trailing dots and spaces, and ``name:stream``
    is a stream of ``name``, ``name::$DATA`` the file itself)."""
    parts = []
    for part in path.split("/"):
        part = part.split(":", 1)[0] or part
        folded = unicodedata.normalize("NFC", unicodedata.normalize("NFC", part).casefold())
        parts.append(folded.rstrip(" .") or folded)
    return "/".join(parts)


# a Windows 8.3 short name (PYPROJ~1.TOM): it can name another member's file there
_SHORT_NAME = re.compile(r"[^.~]{1,6}~\d+(\.[^.]{0,3})?", re.ASCII)


def _norm_path(value: str) -> str | None:
    """A path named in configuration, relative to the sdist's root, as the backend joins
    it (``root / value``: ``./`` and ``//`` dropped, ``..`` applied; a backslash is a
    separator on Windows); None when it is absolute or leaves the tree."""
    path = value.strip().replace("\\", "/")
    if not path or path.startswith("/") or re.match(r"[A-Za-z]:", path):
        return None
    path = posixpath.normpath(path)
    if path == ".." or path.startswith("../"):
        return None
    return "" if path == "." else path


def _universal(text: str) -> str:
    """Text as Python's text mode reads it (universal newlines): pip, hatchling and
    setuptools open their configuration that way."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


class _Tree:
    """The sdist's members keyed by their path below the single top-level directory; a
    link is keyed by its own path and holds the regular member it leads to."""

    def __init__(self, ar: Archive) -> None:
        roots = {m.name.split("/", 1)[0] for m in ar.members}
        if len(roots) != 1 or any("/" not in m.name for m in ar.members):
            raise ScanError(f"{ar.filename}: sdist members are not all under one top-level "
                            f"directory")
        [root] = roots
        self.ar = ar
        self.files: dict[str, Member] = {}
        for m in ar.members:
            rel = m.name.split("/", 1)[1]
            if m.link_target is None:
                self.files[rel] = m
                continue
            target = ar.get(m.link_target)
            if target is None or not m.link_target.startswith(root + "/"):
                raise ScanError(f"{ar.filename}: link '{m.name}' leads outside the sdist's "
                                f"directory ('{m.link_target}')")
            self.files[rel] = target
        self._fold_of = {rel: _fold(rel) for rel in self.files}
        self._folded: dict[str, str] = {}  # folded file path -> its member path
        self._dirs: dict[str, str] = {}  # folded directory path -> as spelled
        for rel in sorted(self.files):
            parts = rel.split("/")
            for i in range(1, len(parts) + 1):
                path = "/".join(parts[:i])
                table = self._folded if i == len(parts) else self._dirs
                other = self._dirs.get(_fold(path)) or self._folded.get(_fold(path))
                if other is not None and other != path:
                    raise ScanError(f"{ar.filename}: members '{other}' and '{path}' are one "
                                    f"path on a case-insensitive file system (extracting one "
                                    f"overwrites the other)")
                table[_fold(path)] = path
                if _SHORT_NAME.fullmatch(parts[i - 1]):
                    raise ScanError(f"{ar.filename}: member '{path}' has a Windows short "
                                    f"name (it can be another member's file there)")
        found = self.find("pyproject.toml")
        if found is not None and found != "pyproject.toml":
            # pip finds it on macOS and Windows, not on Linux: two builds in one sdist
            raise ScanError(f"{ar.filename}: member '{found}' is pyproject.toml on a "
                            f"case-insensitive file system only")

    def find(self, rel: str) -> str | None:
        """The member at ``rel`` (a normalised path) as the file system finds it."""
        return rel if rel in self.files else self._folded.get(_fold(rel))

    def has_dir(self, rel: str) -> bool:
        return _fold(rel) in self._dirs

    def text(self, rel: str) -> str | None:
        found = self.find(rel)
        if found is None:
            return None
        return self.ar.read(self.files[found]).decode("utf-8", "replace")

    def under(self, directory: str) -> Iterator[str]:
        prefix = "" if directory in ("", ".") else _fold(directory.strip("/")) + "/"
        return (rel for rel in sorted(self.files) if self._fold_of[rel].startswith(prefix))

    def module_files(self, module: str) -> list[str]:
        """Files that could hold ``module`` (top level or under src/)."""
        base = module.replace(".", "/")
        found = [self.find(f"{prefix}{base}{suffix}") for prefix in ("", "src/")
                 for suffix in (".py", "/__init__.py")]
        return [rel for rel in found if rel is not None]


def read_pyproject(path: Path) -> str | None:
    """The sdist's pyproject.toml as the scan reads it (see the module docstring), or
    None without one; ScanError for an sdist the scan refuses."""
    def wanted(name: str) -> bool:
        return _fold(name.split("/", 1)[-1]) == "pyproject.toml"

    with read_archive(path, keep=wanted) as ar:
        text = _Tree(ar).text("pyproject.toml")
    return _universal(text) if text is not None else None


class _Config:
    """The build configuration files, parsed as the backends parse them."""

    def __init__(self, tree: _Tree) -> None:
        self.findings: list[Finding] = []
        self.errors: dict[str, str] = {}  # file -> why it does not parse
        self.pyproject, self.pyproject_text = self._toml(tree, "pyproject.toml")
        self.hatch, self.hatch_text = self._toml(tree, "hatch.toml")
        self.cfg: configparser.ConfigParser | None = None
        cfg_text = tree.text("setup.cfg")
        self.cfg_text = _universal(cfg_text) if cfg_text is not None else ""
        if cfg_text is not None:
            # setuptools' Distribution._parse_config_files: ConfigParser() (basic
            # interpolation, '=' and ':'), optionxform = str, the file in text mode
            cfg = configparser.ConfigParser()
            cfg.optionxform = str  # type: ignore[assignment,method-assign]
            try:
                cfg.read_string(self.cfg_text, "setup.cfg")
                self.cfg = cfg
            except configparser.Error as exc:
                first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                self.errors["setup.cfg"] = first

    def _toml(self, tree: _Tree, name: str) -> tuple[dict[str, Any], str]:
        text = tree.text(name)
        if text is None:
            return {}, ""
        text = _universal(text)
        try:
            return tomllib.loads(text), text
        except tomllib.TOMLDecodeError as exc:
            self.errors[name] = str(exc)
            if name == "pyproject.toml":
                self.findings.append(_hook(name, 0, f"{name} does not parse: {exc}; the build "
                                                    f"may read it otherwise"))
            return {}, text

    def cfg_items(self) -> Iterator[tuple[str, str, str, str]]:
        """(section, key, raw value, interpolated value) of setup.cfg, [DEFAULT]'s keys in
        every section as configparser gives them."""
        if self.cfg is None:
            return
        for section in self.cfg.sections():
            for key, raw in self.cfg.items(section, raw=True):
                try:
                    value = self.cfg.get(section, key)
                except (configparser.Error, ValueError):
                    value = raw  # setuptools fails on it
                yield section, key, raw, value

    def strings(self) -> list[str]:
        """Every key and string value of the configuration, decoded."""
        out: list[str] = []

        def walk(value: object) -> None:
            if isinstance(value, str):
                out.append(value)
            elif isinstance(value, Mapping):
                for k, v in value.items():
                    out.append(str(k))
                    walk(v)
            elif isinstance(value, list):
                for v in value:
                    walk(v)

        walk(self.pyproject)
        walk(self.hatch)
        if self.cfg is not None:
            out += self.cfg.sections()
            for _section, key, raw, value in self.cfg_items():
                out += [key, raw, value]
                for item in {*_cfg_list(raw), *_cfg_list(value)}:  # one a line, or a, b
                    out += [item, *(part.strip() for part in item.split("="))]
        return out


def _norm_key(key: object) -> str:
    """A setup.cfg / [tool.distutils] option or section name as setuptools matches it
    (any case, dashes or underscores; sections compared the same way, which only adds)."""
    return str(key).strip().lower().replace("-", "_")


def _hook_file(tree: _Tree, value: object) -> str | None:
    """The member a hook path in configuration names, found as the backend finds it."""
    norm = _norm_path(str(value))
    return tree.find(norm) if norm else None


def _source(tree: _Tree, rel: str) -> bytes | None:
    """The bytes of a member small enough to read, else None."""
    found = tree.find(rel)
    member = tree.files.get(found) if found is not None else None
    if member is None or member.size > tree.ar.limits.max_read:
        return None
    return tree.ar.read(member)


def _parse(source: bytes | None) -> ast.Module | None:
    if source is None:
        return None
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None


def _dir_exists(tree: _Tree, rel: str) -> bool:
    return tree.has_dir(rel)


def _toml_line(text: str, *paths: KeyPath) -> int:
    """The line of the first of ``paths`` written in ``text`` (or of the first key below
    it); 1 when none is."""
    lines = Positions(text).lines
    for path in paths:
        below = [line for p, line in lines.items() if p[:len(path)] == path]
        if below:
            return min(below)
    return 1


def _cfg_list(value: str) -> list[str]:
    """setuptools' ``_parse_list``: one item a line, else comma-separated."""
    items = value.splitlines() if "\n" in value else value.split(",")
    return [item.strip() for item in items if item.strip()]


def _cfg_dict(value: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in _cfg_list(value):
        key, sep, val = item.partition("=")
        if sep:
            out[key.strip()] = val.strip()
    return out


def _inside(value: object) -> bool:
    """Whether a path option's value (a string or list of them) stays in the tree."""
    items = value if isinstance(value, list) else [value]
    paths = [line.strip() for item in items for line in str(item).splitlines()]
    return all(_norm_path(path) is not None for path in paths if path)


def _cfg_line(text: str, section: str, key: str) -> int:
    """The line of ``key`` (dashes or underscores, any case) in ``[section]``, else 0."""
    current = None
    want = _norm_key(key)
    indent: int | None = None  # of the option being read: deeper lines continue its value
    for no, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        depth = len(line) - len(line.lstrip())
        if not stripped or stripped[0] in "#;" or (indent is not None and depth > indent):
            continue
        header = re.match(r"\[(.+)\]", stripped)
        if header:
            current, indent = header.group(1), None
            continue
        m = re.match(r"([^=:]+?)\s*[=:]", stripped)
        indent = depth if m else None
        if m and current == section and _norm_key(m.group(1)) == want:
            return no
    return 0
