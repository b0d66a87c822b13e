"""Sdists -> findings: what runs at build time, and the tree that would be installed.

Build time (phase ``install``, capability ``install-hooks``): build configuration is code
when building runs the package's own code.
- ``setup.py`` when the backend is setuptools (declared, legacy, or no [build-system]);
- a custom backend, or an in-tree one (``backend-path``: every .py under it is scanned);
- ``cmdclass`` in setup.py / setup.cfg / [tool.setuptools]; hatch custom build and metadata
  hooks (pyproject or hatch.toml), pdm's ``pdm_build.py`` or any ``custom-hook``, poetry
  build scripts, Rust ``build.rs``: each hook file is scanned in the install phase;
- metadata read by importing the package: setuptools ``attr:`` ([tool.setuptools.dynamic],
  setup.cfg) unless setuptools reads the value statically (a literal first top-level
  assignment in the module file it finds; see ``_attr_reason``), flit_core's dynamic
  version/description unless its ast reading succeeds, hatch's ``code`` version source, pdm's
  ``call`` version source and ``version_format``;
- configuration that makes the backend import or run the package's code, or a program or
  file of its choosing: setup.cfg / [tool.distutils] ``command_packages``, other [global]
  options, aliases of build commands, and any option of a command the build runs that is
  not known to only tune it (build_ext ``swig`` and ``compiler``, build_scripts
  ``executable``, a path outside the tree, ...); pbr's setup hooks; compiler and SWIG
  arguments of [tool.setuptools] ext-modules; [tool.setuptools-rust]; hatch build/metadata
  hook and version source plugins (but hatch-vcs, fancy-pypi-readme); pdm-pep517's
  setup-script; setuptools-scm / hatch-vcs / pdm options that steer the version-control
  commands, import a version scheme or write a file from a template (anything but a known
  harmless option); a table ``[tool.<name>]`` of a build requirement permpip does not
  analyse (a setuptools plugin reads it); a .git, .hg (or other version-control)
  directory anywhere in the tree (its configuration runs commands when a plugin asks git
  or hg for the version);
- build files (CMakeLists.txt and *.cmake, meson.build, Makefiles, configure, SCons, Bazel,
  Cargo.toml): always with scikit-build-core, meson-python, sip and maturin, which run them
  (without one, the finding is on ``build-backend``), and whenever any other code of the
  package runs at build time (it can run them too). The evidence is the first construct
  that runs a command (``execute_process``, ``run_command``, a recipe, ...), else the file;
- a build configuration file that does not parse (the build may read it otherwise).
A standard backend building a pure-Python tree from pyproject alone is not the package's
own code: no finding (flit_core, hatchling without hooks, setuptools with static metadata,
pdm-backend, poetry-core, uv_build).

The tree is read as the build reads it once pip has extracted it: a tar link is the file
it leads to (gate.archive refuses any other link), and a name is looked up as a
case-insensitive file system (macOS, Windows) finds it: two members that are one path
there are refused, ``SETUP.PY`` is setup.py. Configuration is read as the backends read
it: TOML with tomllib after universal newlines, setup.cfg with setuptools' configparser
(``key: value``, any case, interpolation). Paths named in configuration are normalised as
the backend joins them (``./docs//hook.py``, backslashes). Which backend version runs is
not known before its requirements are resolved: where versions behave differently, every
version the requirements allow is considered, and the one that runs code decides.

C/C++/Cython/Rust/Fortran/SWIG/assembly sources are ``native`` (compiled at install,
loaded at import).

Everything else is scanned as the code that would be installed (phase from the AST).
That includes ``tests/``: the scanner cannot know what the build will put in the wheel
without running it, and setuptools' ``find_packages()`` does install a top-level ``tests``
package unless told not to, so leaving it out would fail open.

The one exception: files under a top-level ``examples/``, ``docs/``, ``doc/`` or
``benchmarks/`` are not scanned (docopt's ``examples/git/git.py`` runs git, but docopt does
not install it). No common layout installs them: setuptools' automatic discovery excludes
these names, ``find_packages()`` takes only a directory with an ``__init__.py`` (and does
not descend into one without), and hatch, flit, poetry, pdm, uv_build and maturin take
the packages named after the project or named in their configuration. They are scanned
after all when any of these could put them in the wheel:
- the directory has an ``__init__.py`` (``find_packages()`` would take it);
- a configuration file does not parse;
- a key or value of setup.cfg, pyproject.toml or hatch.toml (as parsed: TOML escapes
  decoded, setup.cfg interpolated) or the text of setup.py spells the directory's name
  (``packages=["examples"]``, ``package_dir``, ``include``, ``force-include``, ...), is a
  glob pattern matching it or a file in it, or discovers files at build time
  (``find_namespace``, ``namespaces``, [tool.setuptools.packages.find], ``listdir``,
  ``scandir``, ``iterdir``, ``walk``, ``glob``, ``only-include``, ``bypass-selection``,
  ``sources``);
- the backend is custom or in-tree, or one whose build files (meson.build, CMakeLists.txt)
  may install any file (meson-python, scikit-build-core, sip);
- hatchling finds no package named after the project (older hatchling then ships the
  whole tree).
"""

from __future__ import annotations

import ast
import configparser
import fnmatch
import posixpath
import re
import sys
import tomllib
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import Specifier
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from gate._tomlpos import KeyPath, Positions
from gate.archive import Archive, Member, read_archive
from gate.build import LEGACY_REQUIRES
from gate.errors import ScanError
from gate.model import Capability, Finding, NormalizedName, Phase
from gate.scan.exports import collect, module_name
from gate.scan.wheel import (
    check_metadata,
    decoded,
    own_packages,
    pth_findings,
    read_code,
    scan_python,
    scan_tree_member,
)

STANDARD_BACKENDS = frozenset({
    "setuptools.build_meta", "setuptools.build_meta:__legacy__", "hatchling.build",
    "flit_core.buildapi", "poetry.core.masonry.api", "pdm.backend", "pdm.pep517.api",
    "maturin", "scikit_build_core.build", "mesonpy", "uv_build", "sipbuild.api",
    "pbr.build",
})
_SETUPTOOLS = frozenset({"setuptools.build_meta", "setuptools.build_meta:__legacy__",
                         "pbr.build"})
_LEGACY = "setuptools.build_meta:__legacy__"
_NATIVE_SOURCES = {".c": "C", ".cc": "C++", ".cpp": "C++", ".cxx": "C++", ".c++": "C++",
                   ".m": "Objective-C", ".mm": "Objective-C++", ".pyx": "Cython",
                   ".rs": "Rust", ".f": "Fortran", ".f90": "Fortran", ".f77": "Fortran",
                   ".f95": "Fortran", ".f03": "Fortran", ".f08": "Fortran", ".for": "Fortran",
                   ".cu": "CUDA", ".i": "SWIG", ".swg": "SWIG", ".s": "assembly",
                   ".asm": "assembly", ".go": "Go", ".zig": "Zig"}
_KEEP_SUFFIXES = (".py", ".pyw", ".pth", ".toml", ".cfg", ".zip", ".egg", ".whl",
                  ".pyz", ".so", ".pyd", ".dylib", ".dll")
_KEEP_NAMES = ("pkg-info", "entry_points.txt")
# top-level directories no common layout installs (see the module docstring)
UNINSTALLED_DIRS = ("examples", "docs", "doc", "benchmarks")
_ANY_LAYOUT = frozenset({"mesonpy", "scikit_build_core.build", "sipbuild.api"})
_DISCOVERY = re.compile(r"find_namespace|namespaces|listdir|scandir|iterdir|walk|glob"
                        r"|only-include|bypass-selection|sources", re.IGNORECASE)


def keep(name: str) -> bool:
    """Which tar members' bytes the sdist scanner needs (code, config, build files,
    binaries)."""
    base = name.rsplit("/", 1)[-1].lower()
    return (base.endswith(_KEEP_SUFFIXES) or base in _KEEP_NAMES or ".so." in base
            or _build_file_kind(base) is not None)


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


def scan_sdist(ar: Archive, *, name: NormalizedName, version: str) -> list[Finding]:
    """Every finding of an sdist whose filename said ``name`` ``version``."""
    tree = _Tree(ar)
    pkg_info = tree.files.get("PKG-INFO")
    if pkg_info is None:
        raise ScanError(f"{ar.filename}: PKG-INFO is missing")
    check_metadata(ar.filename, ar.read(pkg_info), "PKG-INFO", name, version)

    out: list[Finding] = []
    install: set[str] = set()  # files scanned in the install phase
    config = _Config(tree)
    out += config.findings
    pyproject, text = config.pyproject, config.pyproject_text
    backend = _backend_of(pyproject)
    layout = _Layout(tree, pyproject, config.cfg)
    out += _backend(tree, pyproject, text, install)
    out += _cmdclass(tree, config, layout, install)
    out += _build_hooks(tree, config, install)
    if backend in _SETUPTOOLS or _dig(pyproject, "tool", "pdm", "build",
                                      "run-setuptools") is not None:
        out += _setuptools(tree, config, layout)
    if backend == "flit_core.buildapi":
        out += _flit(tree, pyproject, text)
    out += _vcs_metadata(tree)
    out += _version_control(config)
    out += _plugin_tables(pyproject, text)
    if backend == _LEGACY:
        out += _legacy_entry_points(tree, config)
        out += _legacy_shadows(tree, pyproject, install)
    code_runs = any(f.capability is Capability.INSTALL_HOOKS for f in out)
    out += _build_files(tree, pyproject, text, backend, install, code_runs=code_runs)

    own = own_packages((rel.removeprefix("src/") for rel in tree.files), name)
    for rel in sorted(install):
        code = read_code(ar, tree.files[rel], rel)
        out += [code] if isinstance(code, Finding) else scan_python(code, rel,
                                                                     phase=Phase.INSTALL)
    skipped = tuple(d + "/" for d in _uninstalled_dirs(tree, config, name))
    # the importable modules: a src/ layout's, else the tree's (sdists have no fixed layout)
    codes = {rel: decoded(read_code(ar, member, rel)) for rel, member in tree.files.items()
             if rel.endswith(".py") and rel not in install and not rel.startswith(skipped)}
    importable = {rel.removeprefix("src/"): c for rel, c in codes.items()
                  if not isinstance(c, Finding)}
    exports = collect(importable, own=own)
    for rel, member in sorted(tree.files.items()):
        if rel in install or rel.startswith(skipped):
            continue
        lower = rel.lower()
        suffix = "." + lower.rsplit(".", 1)[-1] if "." in lower else ""
        if suffix in _NATIVE_SOURCES or lower.rsplit("/", 1)[-1] == "cargo.toml":
            lang = _NATIVE_SOURCES.get(suffix, "Rust")
            out.append(_finding(rel, 0, Capability.NATIVE, Phase.IMPORT,
                                f"{lang} source {rel} is compiled at install"))
        elif lower.endswith(".pth"):
            code = read_code(ar, member, rel)
            out += [code] if isinstance(code, Finding) else pth_findings(code, rel)
        else:
            named = module_name(rel.removeprefix("src/"))
            out += scan_tree_member(ar, member, rel, phase=None, own=own, code=codes.get(rel),
                                    module=named[0] if named else None, exports=exports)
    return out


def _spells(text: str, directory: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(directory)}(?![\w-])", text,
                     re.IGNORECASE) is not None


def _named(directory: str, strings: Sequence[str], tree: _Tree) -> bool:
    """Whether a configuration string could name ``directory`` (a top-level one) or a file
    in it: the word itself, a path ending like one of its files (hatch's gitignore patterns
    match at any depth), or a glob pattern matching one."""
    candidates = [directory, *(_fold(rel) for rel in tree.under(directory))]
    suffixes = {"/".join(parts[i:]) for c in candidates for parts in [c.split("/")]
                for i in range(len(parts))}
    globs: list[str] = []
    for value in strings:
        if _spells(value, directory):
            return True
        norm = _norm_path(value.lstrip("/"))
        if not norm:
            continue
        pattern = _fold(norm)
        if pattern in suffixes:
            return True
        if any(ch in value for ch in "*?["):
            globs += [fnmatch.translate(pattern), fnmatch.translate("*/" + pattern)]
    if not globs:
        return False
    matches = re.compile("|".join(globs)).match
    return any(matches(c) for c in candidates)


def _uninstalled_dirs(tree: _Tree, config: _Config, name: NormalizedName) -> list[str]:
    """The UNINSTALLED_DIRS of this sdist that no build could install (module docstring)."""
    present = [d for d in UNINSTALLED_DIRS if any(rel.startswith(d + "/") for rel in tree.files)]
    if not present or config.errors:
        return []
    pyproject = config.pyproject
    backend = _dig(pyproject, "build-system", "build-backend") if "build-system" in pyproject \
        else None
    if not isinstance(backend, str):
        backend = _LEGACY
    if (backend not in STANDARD_BACKENDS or backend in _ANY_LAYOUT
            or _dig(pyproject, "build-system", "backend-path") is not None):
        return []
    setup_py = tree.find("setup.py")
    setup_text = (tree.text(setup_py) or "") if setup_py else ""
    strings = config.strings()
    if any(_DISCOVERY.search(s) for s in [*strings, setup_text]):
        return []
    if isinstance(_dig(pyproject, "tool", "setuptools", "packages"), Mapping):
        return []  # [tool.setuptools.packages.find]: namespaces by default, docs/ included
    if backend == "hatchling.build":
        module = name.replace("-", "_")
        if not any(tree.find(f"{prefix}{module}{suffix}") for prefix in ("", "src/")
                   for suffix in ("/__init__.py", ".py")):
            return []
    return [d for d in present if not (tree.find(f"{d}/__init__.py") or _spells(setup_text, d)
                                       or _named(d, strings, tree))]


def _backend(tree: _Tree, pyproject: Mapping[str, Any], text: str,
             install: set[str]) -> list[Finding]:
    out: list[Finding] = []
    system = pyproject.get("build-system")
    backend = _dig(pyproject, "build-system", "build-backend") if system else None
    if not isinstance(backend, str):
        backend = _LEGACY
    backend_path = _dig(pyproject, "build-system", "backend-path")
    setup_py = tree.find("setup.py")
    if backend_path is not None:
        line = _line_of(text, r"^[ \t]*backend-path\s*=")
        out.append(_hook("pyproject.toml", line,
                         f"in-tree build backend {backend} (backend-path)"))
        dirs = backend_path if isinstance(backend_path, list) else [str(backend_path)]
        for directory in dirs:
            norm = _norm_path(str(directory))
            if norm is not None:
                install.update(rel for rel in tree.under(norm)
                               if rel.lower().endswith(".py") and rel != setup_py)
    elif backend not in STANDARD_BACKENDS:
        line = _line_of(text, r"^[ \t]*build-backend\s*=")
        out.append(_hook("pyproject.toml", line, f"custom build backend {backend}"))
    if backend in _SETUPTOOLS or backend_path is not None or backend not in STANDARD_BACKENDS:
        if setup_py is not None:
            out.append(_hook(setup_py, 0, "setup.py runs at install"))
            install.add(setup_py)
    return out


def _class_module_files(tree: _Tree, layout: _Layout, qualified: str) -> set[str]:
    """Where setuptools finds the module of a class named in configuration (cmdclass):
    every package_dir candidate, and the top level or src/ besides."""
    module = qualified.strip().rpartition(".")[0]
    if not module:
        return set()
    found = set(tree.module_files(module))
    for package_dir in layout.candidates:
        start = _Layout.path_start(module, package_dir)
        if start is not None:
            found.update(f for f in (tree.find(f"{start}.py"), tree.find(f"{start}/__init__.py"))
                         if f is not None)
    return found


def _cmdclass(tree: _Tree, config: _Config, layout: _Layout,
              install: set[str]) -> list[Finding]:
    out: list[Finding] = []
    setup_py = tree.find("setup.py")
    if setup_py in install:
        source = tree.text(setup_py) or ""
        try:
            nodes = list(ast.walk(ast.parse(source)))
        except (SyntaxError, ValueError):
            nodes = []  # scan_python reports unparseable setup.py
        for node in nodes:
            line = 0
            if isinstance(node, ast.keyword) and node.arg == "cmdclass":
                line = node.value.lineno
            elif isinstance(node, ast.Constant) and node.value == "cmdclass":
                line = node.lineno
            if line:
                out.append(_hook(setup_py, line, "cmdclass overrides setuptools commands"))
    # setup.cfg [options] cmdclass (setupcfg.py _parse_cmdclass: one 'command = module.Class'
    # a line, or comma-separated), in any spelling configparser and setuptools accept
    for section, key, _raw, value in config.cfg_items():
        if _norm_key(section) == "options" and _norm_key(key) == "cmdclass":
            out.append(_hook("setup.cfg", _cfg_line(config.cfg_text, section, key),
                             "cmdclass overrides setuptools commands"))
            for ref in _cfg_dict(value).values():
                install.update(_class_module_files(tree, layout, ref))
            break
    cmdclass = _dig(config.pyproject, "tool", "setuptools", "cmdclass")
    if cmdclass is not None:
        line = _line_of(config.pyproject_text,
                        r"^[ \t]*(\[tool\.setuptools\.cmdclass\]|cmdclass\s*=)") or \
            _toml_line(config.pyproject_text, ("tool", "setuptools", "cmdclass"))
        out.append(_hook("pyproject.toml", line, "cmdclass overrides setuptools commands"))
        if isinstance(cmdclass, Mapping):
            for value in cmdclass.values():
                if isinstance(value, str):
                    install.update(_class_module_files(tree, layout, value))
    return out


def _hook_file(tree: _Tree, value: object) -> str | None:
    """The member a hook path in configuration names, found as the backend finds it."""
    norm = _norm_path(str(value))
    return tree.find(norm) if norm else None


def _build_hooks(tree: _Tree, config: _Config, install: set[str]) -> list[Finding]:
    out: list[Finding] = []
    pyproject, text = config.pyproject, config.pyproject_text
    backend = _backend_of(pyproject)
    if backend == "hatchling.build" and "hatch.toml" in config.errors:
        out.append(_hook("hatch.toml", 0, f"hatch.toml does not parse: "
                                          f"{config.errors['hatch.toml']}; the build may read "
                                          f"it otherwise"))
    if backend == "hatchling.build":
        out += _hatch(tree, pyproject, text, install, config.hatch, config.hatch_text)
    if backend.startswith("pdm."):
        out += _pdm(tree, pyproject, text, install)
    for source, doc, txt, prefix in (("pyproject.toml", pyproject, text, ("tool", "hatch")),
                                     ("hatch.toml", config.hatch, config.hatch_text, ())):
        hatch = _dig(doc, *prefix) if prefix else doc
        if not isinstance(hatch, Mapping):
            continue
        tables: list[tuple[str, Any]] = [
            ("build", _dig(hatch, "build", "hooks", "custom")),
            ("metadata", _dig(hatch, "metadata", "hooks", "custom"))]
        targets = _dig(hatch, "build", "targets")
        if isinstance(targets, Mapping):
            tables += [("build", _dig(t, "hooks", "custom")) for t in targets.values()]
        for kind, table in tables:
            if not isinstance(table, Mapping):
                continue
            hook_file = str(table.get("path", "hatch_build.py"))
            line = _line_of(txt, rf"^[ \t]*\[.*{kind}.*hooks\.custom\]") or _line_of(
                txt, r"hooks\.custom")
            out.append(_hook(source, line, f"hatch custom {kind} hook {hook_file}"))
            found = _hook_file(tree, hook_file)
            if found:
                install.add(found)
    # pdm-backend loads root / custom-hook (default pdm_build.py) whenever it exists: any
    # custom-hook at all is the package's code, wherever it points
    pdm_build = _dig(pyproject, "tool", "pdm", "build")
    default_hook = tree.find("pdm_build.py")
    if isinstance(pdm_build, Mapping) and "custom-hook" in pdm_build:
        value = pdm_build["custom-hook"]
        line = _toml_line(text, ("tool", "pdm", "build", "custom-hook"))
        out.append(_hook("pyproject.toml", line, f"pdm custom-hook {value} runs at install"))
        found = _hook_file(tree, value)
        if found:
            install.add(found)
    elif backend.startswith("pdm.") and default_hook:
        out.append(_hook(default_hook, 0, f"pdm build hook {default_hook} runs at install"))
        install.add(default_hook)
    poetry_build = (_dig(pyproject, "tool", "poetry", "build", "script")
                    or _dig(pyproject, "tool", "poetry", "build"))
    if isinstance(poetry_build, str):
        line = _line_of(text, r"^[ \t]*(script|build)\s*=")
        out.append(_hook("pyproject.toml", line, f"poetry build script {poetry_build}"))
        found = _hook_file(tree, poetry_build)
        if found:
            install.add(found)
    for rel in tree.files:
        if _fold(rel.rsplit("/", 1)[-1]) == "build.rs":
            out.append(_hook(rel, 0, f"Rust build script {rel} runs at install"))
    return out


# -- the build's configuration: when reading it runs the package's code ---------------------

def _backend_of(pyproject: Mapping[str, Any]) -> str:
    backend = _dig(pyproject, "build-system", "build-backend") if "build-system" in pyproject \
        else None
    return backend if isinstance(backend, str) else _LEGACY


def _requires(pyproject: Mapping[str, Any]) -> list[str]:
    """``[build-system].requires`` (PEP 517's setuptools default without it)."""
    requires = _dig(pyproject, "build-system", "requires")
    if not isinstance(requires, list):
        return list(LEGACY_REQUIRES)
    return [r for r in requires if isinstance(r, str)]


_Bound = tuple[Version, bool]  # a version and whether it is included


def _next_release(version: Version, length: int) -> Version:
    """The first version after every version whose release starts with ``version``'s
    first ``length`` components (``2.3`` -> ``2.4.dev0``)."""
    release = list(version.release[:length])
    release[-1] += 1
    epoch = f"{version.epoch}!" if version.epoch else ""
    return Version(f"{epoch}{'.'.join(map(str, release))}.dev0")


def _bounds(spec: Specifier) -> tuple[_Bound | None, _Bound | None]:
    """(lower, upper) bounds of the versions ``spec`` admits, pre-releases included (wider
    is sound: a version the specifier excludes only adds a case to consider)."""
    op, raw = spec.operator, spec.version
    try:
        if op in ("==", "===") and raw.endswith(".*"):
            base = Version(raw[:-2])
            return (Version(f"{raw[:-2]}.dev0"), True), (_next_release(base, len(base.release)),
                                                         False)
        version = Version(raw.removesuffix(".*"))
    except InvalidVersion:
        return None, None  # '===' with a non-PEP 440 string, or '!=': anything
    if op in ("==", "==="):
        return (version, True), (version, True)
    if op == ">=":
        return (version, True), None
    if op == ">":
        return (version, False), None
    if op == "<=":
        return None, (version, True)
    if op == "<":
        return None, (version, False)
    if op == "~=":
        return (version, True), (_next_release(version, len(version.release) - 1), False)
    return None, None  # '!='


def _admissible(requires: Sequence[str], dist: str, *, at_least: str | None = None,
                below: str | None = None) -> bool:
    """Whether the build requirements admit a version of ``dist`` in [at_least, below).

    Not the version the resolver will pick: it depends on the index, the target Python and
    what other build requirements pin, none of which the sdist alone tells. Every
    unconditional requirement on ``dist`` narrows the interval; one with a marker may not
    apply, one with a URL may be any version, an invalid one fails the build."""
    low: _Bound | None = (Version(at_least), True) if at_least else None
    high: _Bound | None = (Version(below), False) if below else None
    for spec in requires:
        try:
            req = Requirement(spec)
        except InvalidRequirement:
            continue
        if canonicalize_name(req.name) != dist or req.marker is not None or req.url:
            continue
        for s in req.specifier:
            lo, hi = _bounds(s)
            if lo is not None and (low is None or lo[0] > low[0]
                                   or (lo[0] == low[0] and not lo[1])):
                low = lo
            if hi is not None and (high is None or hi[0] < high[0]
                                   or (hi[0] == high[0] and not hi[1])):
                high = hi
    if low is None or high is None:
        return True
    return low[0] < high[0] or (low[0] == high[0] and low[1] and high[1])


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


# setuptools ``attr:`` (setuptools/config/expand.py ``read_attr``): the module file is found
# on disk (``package_dir`` after package discovery), parsed with ast, and the value taken
# from the first top-level assignment to the name when ``ast.literal_eval`` accepts it;
# otherwise - no file, a .pyc/.so, a parse error, an expression - setuptools imports the
# module. Since 61 the file is located without importing anything; 46.4 to 60 used
# importlib.util.find_spec, which imports the parent package of a dotted module, and
# before 46.4 ``attr:`` always imported. pyproject.toml's [tool.setuptools.dynamic] is read
# by 61 and later only.
_STATIC_ATTR = "61"
_ANNOTATED_ATTR = "62.6"  # AnnAssign read statically (earlier versions skip it)
_BYTES_ATTR = "65.4.1"  # the file is parsed as bytes; before, decoded with the locale's
# encoding (a coding cookie, a BOM or non-ASCII text could fail: then it imports)


class _Layout:
    """Where setuptools looks for a module: the package_dir candidates after discovery."""

    def __init__(self, tree: _Tree, pyproject: Mapping[str, Any],
                 cfg: configparser.ConfigParser | None) -> None:
        explicit: dict[str, str] = {}
        where: list[str] | None = None
        listed = False
        if cfg is not None and cfg.has_section("options"):
            options = {_norm_key(k): v for k, v in cfg.items("options", raw=True)}
            if "package_dir" in options:
                explicit.update(_cfg_dict(options["package_dir"]))
            packages = options.get("packages", "").strip()
            if packages.startswith(("find:", "find_namespace:")):
                found = (cfg.get("options.packages.find", "where", raw=True, fallback="")
                         if cfg.has_section("options.packages.find") else "")
                where = _cfg_list(found)[:1]
            elif packages or options.get("py_modules", "").strip():
                listed = True
        st = _dig(pyproject, "tool", "setuptools")
        if isinstance(st, Mapping):
            package_dir = st.get("package-dir")
            if isinstance(package_dir, Mapping):
                explicit.update({str(k): str(v) for k, v in package_dir.items()})
            listing = st.get("packages")
            find = _dig(st, "packages", "find")
            if listing is not None or st.get("py-modules") is not None:
                where, listed = None, False  # pyproject.toml's packages replace setup.cfg's
            if isinstance(listing, Mapping) and isinstance(find, Mapping):
                found = find.get("where", ["."])
                where = [str(w) for w in found] if isinstance(found, list) else ["."]
            elif listing is not None or st.get("py-modules") is not None:
                listed = True
        self.candidates: list[dict[str, str]] = []
        if where is not None and where not in ([], ["."], [""]):
            for w in where:  # several: each package maps to the one it is found in
                self.candidates.append({**explicit, "": w} if len(where) > 1
                                       else {**explicit, "": explicit.get("", w)})
        elif listed or where is not None or set(explicit) - {""}:
            self.candidates.append(explicit)
        elif "" not in explicit and _dir_exists(tree, "src"):
            self.candidates.append({**explicit, "": "src"})  # src-layout discovery
        else:
            self.candidates.append(explicit)

    @staticmethod
    def path_start(module: str, package_dir: Mapping[str, str]) -> str | None:
        """setuptools.discovery.find_package_path, relative to the sdist's root."""
        parts = module.split(".")
        for i in range(len(parts), 0, -1):
            prefix = ".".join(parts[:i])
            if prefix in package_dir:
                path = posixpath.join(package_dir[prefix], *parts[i:])
                break
        else:
            path = posixpath.join(package_dir.get("", "") or ".", *parts)
        norm = _norm_path(path)
        return None if norm is None else norm or "."


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


def _first_binding(module: ast.Module, name: str) -> ast.Assign | ast.AnnAssign | None:
    """The first top-level assignment to ``name`` (setuptools' ``StaticModule``)."""
    for stmt in module.body:
        if isinstance(stmt, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == name for t in stmt.targets):
            return stmt
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) \
                and stmt.target.id == name:
            return stmt
    return None


def _literal(module: ast.Module | None, name: str, *, annotated: bool) -> bool:
    """Whether setuptools reads ``name`` from ``module`` without importing it."""
    stmt = _first_binding(module, name) if module is not None else None
    if stmt is None or stmt.value is None:
        return False
    if isinstance(stmt, ast.AnnAssign) and not annotated:
        return False
    try:
        ast.literal_eval(stmt.value)
    except Exception:  # noqa: BLE001 - as setuptools: any failure means it imports
        return False
    return True


def _attr_reason(tree: _Tree, layout: _Layout, desc: str, *, requires: Sequence[str],
                 setup_cfg: bool) -> str | None:
    """None when every setuptools the requirements allow reads ``attr: desc`` statically
    (or not at all), else why one imports."""
    parts = desc.strip().split(".")
    name = parts.pop()
    module = ".".join(parts) or "__init__"
    if setup_cfg and _admissible(requires, "setuptools", below=_STATIC_ATTR):
        # setup.cfg's attr: is imported (before 46.4) or found by importing the parent
        # package (46.4 to 60); pyproject's table is not read at all before 61
        return "is read by a setuptools<61 the sdist allows"
    if not _admissible(requires, "setuptools", at_least=_STATIC_ATTR):
        return None
    annotated = not _admissible(requires, "setuptools", at_least=_STATIC_ATTR,
                                below=_ANNOTATED_ATTR)
    as_bytes = not _admissible(requires, "setuptools", at_least=_STATIC_ATTR,
                               below=_BYTES_ATTR)
    found = False
    for package_dir in layout.candidates:
        start = _Layout.path_start(module, package_dir)
        if start is None:
            return "is outside the sdist"
        files = [f for f in (tree.find(f"{start}.py"), tree.find(f"{start}/__init__.py"))
                 if f is not None]
        found = found or bool(files)
        if not files and len(layout.candidates) == 1:
            break
        for rel in files:
            source = _source(tree, rel)
            if not as_bytes and source is not None and not source.isascii():
                return "is in a file a setuptools<65.4.1 the sdist allows may not decode"
            if not _literal(_parse(source), name, annotated=annotated):
                return "is not a literal assignment"
    return None if found else "is in no module file of the sdist"


def _attr_finding(path: str, line: int, desc: str, reason: str) -> Finding:
    module = ".".join(desc.strip().split(".")[:-1]) or "__init__"
    return _hook(path, line, f"attr: {desc.strip()} {reason}: setuptools imports {module} "
                             f"while building")


def _setuptools(tree: _Tree, config: _Config, layout: _Layout) -> list[Finding]:
    """setup.cfg and [tool.setuptools]/[tool.distutils] settings that run the package's
    code or a program of its choosing: ``attr:`` that is not a literal, command packages,
    aliases and options, compiler and SWIG arguments, Rust extensions."""
    out: list[Finding] = []
    pyproject, text = config.pyproject, config.pyproject_text
    requires = _requires(pyproject)
    if "setup.cfg" in config.errors:
        out.append(_hook("setup.cfg", 0, f"setup.cfg does not parse: "
                                         f"{config.errors['setup.cfg']}; the build may read it "
                                         f"otherwise"))
    dynamic = _dig(pyproject, "tool", "setuptools", "dynamic")
    if isinstance(dynamic, Mapping):
        for field, directive in dynamic.items():
            groups = directive.items() if field == "optional-dependencies" and isinstance(
                directive, Mapping) and "attr" not in directive else [(None, directive)]
            for group, d in groups:
                if not isinstance(d, Mapping) or "attr" not in d or "file" in d:
                    continue
                desc = str(d["attr"])
                path: KeyPath = ("tool", "setuptools", "dynamic", str(field),
                                 *((str(group),) if group is not None else ()), "attr")
                reason = _attr_reason(tree, layout, desc, requires=requires, setup_cfg=False)
                if reason:
                    out.append(_attr_finding("pyproject.toml", _toml_line(text, path), desc,
                                             reason))
    out += _setup_cfg(tree, config, layout, requires)
    distutils = _dig(pyproject, "tool", "distutils")
    for section, values in distutils.items() if isinstance(distutils, Mapping) else ():
        for key, value in values.items() if isinstance(values, Mapping) else ():
            detail = _command_option(str(section), str(key), value)
            if detail:
                line = _toml_line(text, ("tool", "distutils", str(section), str(key)))
                out.append(_hook("pyproject.toml", line, detail))
    ext_modules = _dig(pyproject, "tool", "setuptools", "ext-modules")
    for i, ext in enumerate(ext_modules if isinstance(ext_modules, list) else []):
        for key in ("extra-compile-args", "extra-link-args", "swig-opts"):
            if isinstance(ext, Mapping) and ext.get(key):
                line = _toml_line(text, ("tool", "setuptools", "ext-modules", i, key))
                what = "SWIG" if key == "swig-opts" else "the compiler"
                out.append(_hook("pyproject.toml", line,
                                 f"ext-modules {key} can make {what} run programs"))
    if isinstance(_dig(pyproject, "tool", "setuptools-rust"), Mapping):
        line = _toml_line(text, ("tool", "setuptools-rust"))
        out.append(_hook("pyproject.toml", line,
                         "setuptools-rust builds the Rust crates with cargo: their build "
                         "scripts and procedural macros run at build time"))
    return out


# setup.cfg [global] options that make setuptools (or pbr) import the package's code, and
# aliases of the commands a PEP 517 build runs (an alias can name any command)
_GLOBAL_HOOKS = {"command_packages": "command_packages makes setuptools import commands "
                                     "from the package",
                 "setup_hooks": "pbr setup_hooks run at build time",
                 "commands": "pbr commands are imported at build time"}
_GLOBAL_OPTIONS = frozenset({"verbose", "quiet", "dry_run", "no_user_cfg", "help"})
_BUILD_COMMANDS = frozenset({"bdist_wheel", "dist_info", "egg_info", "sdist", "build",
                             "editable_wheel", "build_py", "build_ext", "install"})
# the commands a wheel build runs (bdist_wheel and its sub-commands, egg_info and dist_info
# for the metadata, editable_wheel, numpy.distutils' and setuptools-rust's additions) ...
_BUILD_RUNS = frozenset({"bdist_wheel", "wheel", "build", "build_py", "build_ext",
                         "build_clib", "build_scripts", "build_src", "build_rust", "config_fc",
                         "install", "install_lib", "install_headers", "install_scripts",
                         "install_data", "install_egg_info", "egg_info", "dist_info",
                         "editable_wheel", "develop", "bdist_egg"})
# ... and their options that only tune the build. Any other may name a program the build
# runs (build_ext swig and compiler, build_scripts executable, config_fc f77exec), objects
# to link, or set an attribute of the command (an unknown option fails the build).
_TUNING = frozenset({
    "debug", "force", "parallel", "plat_name", "compile", "optimize", "skip_build",
    "keep_temp", "inplace", "define", "undef", "libraries", "include_dirs", "library_dirs",
    "rpath", "py_limited_api", "swig_cpp", "tag_build", "tag_date", "tag_svn_revision",
    "no_date", "no_svn_revision", "universal", "python_tag", "build_number", "compression",
    "relative", "owner", "group", "keep_egg_info", "mode", "release", "qbuild",
    "single_version_externally_managed", "old_and_unmanageable", "warn_dir",
    "no_compile", "exclude_source_files", "strict"})
# paths the build writes to: harmless inside the tree
_PATHS = frozenset({
    "build_base", "build_lib", "build_purelib", "build_platlib", "build_temp",
    "build_scripts", "build_clib", "build_dir", "build_src", "egg_base", "bdist_dir",
    "dist_dir", "output_dir", "prefix", "exec_prefix", "home", "root", "install_base",
    "install_platbase", "install_purelib", "install_platlib", "install_headers",
    "install_lib", "install_scripts", "install_data", "install_dir", "script_dir",
    "record"})
_PROGRAMS = frozenset({"swig", "swig_opts", "compiler", "executable", "fcompiler", "f77exec",
                       "f90exec", "link_objects", "cargo"})


def _inside(value: object) -> bool:
    """Whether a path option's value (a string or list of them) stays in the tree."""
    items = value if isinstance(value, list) else [value]
    paths = [line.strip() for item in items for line in str(item).splitlines()]
    return all(_norm_path(path) is not None for path in paths if path)


def _command_option(section: str, key: str, value: object) -> str | None:
    """Why a setup.cfg option (or a [tool.distutils] one) runs code or a program of the
    package's choosing, else None."""
    command, option = _norm_key(section), _norm_key(key)
    if command == "global":
        if option in _GLOBAL_HOOKS:
            return _GLOBAL_HOOKS[option]
        if option in _GLOBAL_OPTIONS:
            return None
        return f"[global] {option} sets an attribute of the setuptools Distribution"
    if command == "aliases":
        return f"alias {option} replaces a command the build runs" \
            if option in _BUILD_COMMANDS else None
    if command not in _BUILD_RUNS or option in _TUNING:
        return None
    if option in _PATHS:
        return None if _inside(value) else \
            f"[{command}] {option} makes the build write outside the sdist's tree"
    if option in _PROGRAMS:
        return f"[{command}] {option} names a program or objects the build runs"
    return (f"[{command}] {option} is not an option known to only tune the build (it can "
            f"name a program or file the build runs)")


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


def _setup_cfg(tree: _Tree, config: _Config, layout: _Layout,
               requires: Sequence[str]) -> list[Finding]:
    out: list[Finding] = []
    for section, key, _raw, value in config.cfg_items():
        sect = _norm_key(section)
        detail = _command_option(section, key, value)
        if detail:
            out.append(_hook("setup.cfg", _cfg_line(config.cfg_text, section, key), detail))
        elif (sect in ("metadata", "options") or sect.startswith("options.")) \
                and value.strip().startswith("attr:"):
            desc = value.strip().removeprefix("attr:")
            reason = _attr_reason(tree, layout, desc, requires=requires, setup_cfg=True)
            if reason:
                out.append(_attr_finding("setup.cfg", _cfg_line(config.cfg_text, section, key),
                                         desc, reason))
    return out


# flit_core reads ``__version__`` and the docstring of the module with ast and imports it
# when that fails (flit_core/common.py ``get_info_from_module``): the first top-level
# assignment of a constant to __version__ (flit_core 3.12 takes annotated ones too; a
# non-string or empty one means an import) and, since 3.9, version.py, _version.py and
# __version__.py of a package before its __init__.py.
_FLIT_VERSION_FILES = "3.9"


def _flit_version(module: ast.Module) -> bool | None:
    """True/False: the file's __version__ is/is not read statically; None: it has none."""
    for stmt in module.body:
        if isinstance(stmt, ast.Assign | ast.AnnAssign) and isinstance(stmt.value, ast.Constant):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            if any(isinstance(t, ast.Name) and t.id == "__version__" for t in targets):
                value = stmt.value.value
                return isinstance(stmt, ast.Assign) and isinstance(value, str) and value != ""
    return None


def _flit(tree: _Tree, pyproject: Mapping[str, Any], text: str) -> list[Finding]:
    flit = _dig(pyproject, "tool", "flit")
    project = pyproject.get("project")
    if isinstance(_dig(flit, "metadata"), Mapping):  # flit_core < 4: both from the module
        fields = ["version", "description"]
        module = str(_dig(flit, "metadata", "module") or "")
        line = _toml_line(text, ("tool", "flit", "metadata"))
    elif isinstance(project, Mapping) and isinstance(project.get("dynamic"), list):
        fields = [f for f in ("version", "description") if f in project["dynamic"]]
        name = str(project.get("name", ""))
        default = (name[:-6].replace("-", "_") + "-stubs" if name.endswith("-stubs")
                   else name.replace("-", "_"))
        module = str(_dig(flit, "module", "name") or default)
        line = _toml_line(text, ("project", "dynamic"))
    else:
        return []
    if not fields or not module:
        return []
    base = module.replace(".", "/")
    requires = _requires(pyproject)
    # every flit_core the requirements allow: older ones read __init__.py only
    modes = [modern for modern, allowed in (
        (False, _admissible(requires, "flit-core", below=_FLIT_VERSION_FILES)),
        (True, _admissible(requires, "flit-core", at_least=_FLIT_VERSION_FILES))) if allowed]
    out: list[Finding] = []
    for prefix in ("", "src/"):  # flit refuses more than one of these; check every one
        candidates: list[list[str]] = []
        if _dir_exists(tree, prefix + base):
            init = tree.find(f"{prefix}{base}/__init__.py") or f"{prefix}{base}/__init__.py"
            for modern in modes:
                extra = [found for f in ("__version__.py", "_version.py", "version.py")
                         if modern and (found := tree.find(f"{prefix}{base}/{f}"))]
                candidates.append([*extra, init])
        if found := tree.find(f"{prefix}{base}.py"):
            candidates.append([found])
        for files in candidates:
            main = files[-1]
            reason = _flit_reason(tree, files, fields)
            if reason:
                out.append(_hook("pyproject.toml", line,
                                 f"dynamic {reason[0]}: {main} {reason[1]}: flit_core imports "
                                 f"{module} while building"))
    return out


def _flit_reason(tree: _Tree, files: list[str], fields: list[str]) -> tuple[str, str] | None:
    version: bool | None = None
    docstring: str | None = None
    for rel in files:
        if rel not in tree.files:
            return None  # a package without __init__.py: flit stops with an error
        module = _parse(_source(tree, rel))
        if module is None:
            return ("version", "cannot be read statically") if "version" in fields \
                else ("description", "cannot be read statically")
        found = _flit_version(module)
        version = version if found is None else found
        docstring = ast.get_docstring(module)
    if "version" in fields and not version:
        return "version", "has no literal __version__ string"
    if "description" in fields and not docstring:
        return "description", "has no docstring"
    return None


# hatchling: a version source or build/metadata hook other than these is a plugin, or code
# of the package (source "code" runs the file; "custom" hooks are handled above)
_HATCH_SOURCES = frozenset({"regex", "env", "vcs"})
_HATCH_HOOKS = {"build": frozenset({"custom", "version", "vcs"}),
                "metadata": frozenset({"custom", "vcs", "fancy-pypi-readme"})}


def _hatch(tree: _Tree, pyproject: Mapping[str, Any], text: str, install: set[str],
           hatch_toml: Mapping[str, Any], hatch_text: str) -> list[Finding]:
    out: list[Finding] = []
    for source, doc, txt, prefix in (("pyproject.toml", pyproject, text, ("tool", "hatch")),
                                     ("hatch.toml", hatch_toml, hatch_text, ())):
        hatch = _dig(doc, *prefix) if prefix else doc
        if not isinstance(hatch, Mapping):
            continue
        version = _dig(hatch, "version")
        kind = version.get("source", "regex") if isinstance(version, Mapping) else "regex"
        line = _toml_line(txt, (*prefix, "version", "source"), (*prefix, "version"))
        if kind == "code":
            code = str(version.get("path", "")) if isinstance(version, Mapping) else ""
            out.append(_hook(source, line, f'hatch version source "code" runs {code} while '
                                           f"building"))
            found = _hook_file(tree, code)
            if found:
                install.add(found)
        elif kind not in _HATCH_SOURCES:
            out.append(_hook(source, line, f'hatch version source plugin "{kind}" runs while '
                                           f"building, configured by the package"))
        tables: list[tuple[str, KeyPath, Any]] = [
            ("build", (*prefix, "build", "hooks"), _dig(hatch, "build", "hooks")),
            ("metadata", (*prefix, "metadata", "hooks"), _dig(hatch, "metadata", "hooks"))]
        targets = _dig(hatch, "build", "targets")
        if isinstance(targets, Mapping):
            tables += [("build", (*prefix, "build", "targets", str(t), "hooks"),
                        _dig(v, "hooks")) for t, v in targets.items()]
        for what, path, hooks in tables:
            for name in hooks if isinstance(hooks, Mapping) else ():
                if name not in _HATCH_HOOKS[what]:
                    out.append(_hook(source, _toml_line(txt, (*path, str(name))),
                                     f"hatch {what} hook plugin {name} runs at build time, "
                                     f"configured by the package"))
    return out


def _pdm(tree: _Tree, pyproject: Mapping[str, Any], text: str,
         install: set[str]) -> list[Finding]:
    """pdm-backend's version from a call, or formatted by the package's function; pdm-pep517's
    setup-script."""
    out: list[Finding] = []
    version = _dig(pyproject, "tool", "pdm", "version")
    if isinstance(version, Mapping):
        for key in ("getter", "version_format"):
            ref = version.get(key)
            if ref and (key == "version_format" or version.get("source") == "call"):
                line = _toml_line(text, ("tool", "pdm", "version", key),
                                  ("tool", "pdm", "version"))
                out.append(_hook("pyproject.toml", line,
                                 f"pdm {key} {ref} is imported while building"))
    script = _dig(pyproject, "tool", "pdm", "build", "setup-script")
    if isinstance(script, str):
        line = _toml_line(text, ("tool", "pdm", "build", "setup-script"))
        out.append(_hook("pyproject.toml", line, f"pdm setup-script {script} runs at install"))
        found = _hook_file(tree, script)
        if found:
            install.add(found)
    return out


# version-control metadata directories, anywhere in the tree: a build plugin may be sent
# to any of them (setuptools-scm ``root``, hatch-vcs ``raw-options``), and git, hg and the
# others run commands from their configuration (fsmonitor, hooks, pagers, extensions)
_VCS_DIRS = {".git": "git", ".hg": "hg", ".svn": "svn", ".bzr": "bzr", "_darcs": "darcs",
             ".fossil": "fossil", "_fossil_": "fossil", ".fslckout": "fossil",
             ".pijul": "pijul", ".jj": "jj"}
_VCS_CONFIG = {"git": "config", "hg": "hgrc"}


def _vcs_metadata(tree: _Tree) -> list[Finding]:
    """A .git or .hg directory (or file: a gitdir pointer) anywhere in the tree."""
    found: dict[str, tuple[str, list[str]]] = {}  # the directory -> (vcs, its members)
    for rel in sorted(tree.files):
        parts = rel.split("/")
        for i, part in enumerate(parts):
            vcs = _VCS_DIRS.get(_fold(part))
            if vcs is not None:
                top = "/".join(parts[:i + 1])
                found.setdefault(top, (vcs, []))[1].append(rel)
                break
    out: list[Finding] = []
    for top, (vcs, members) in found.items():
        config = f"{top}/{_VCS_CONFIG.get(vcs, '')}"
        rel = next((m for m in members if _fold(m) == _fold(config)), members[0])
        out.append(_hook(rel, 0, f"version-control metadata {top}: its configuration can "
                                 f"run commands when the build asks {vcs} for the version"))
    return out


# setuptools-scm (and vcs-versioning, hatch-vcs' raw-options): the options that only
# choose how a version is spelled. Anything else steers the version-control commands
# (root, relative_to, search_parent_directories, describe_command, parse), imports code
# (version_cls; a scheme that is no built-in is loaded as ``module:function``) or writes a
# file from a template the scan did not see.
_SCM_OPTIONS = frozenset({"version_scheme", "local_scheme", "tag_regex", "fallback_version",
                          "normalize", "dist_name", "write_to", "version_file",
                          "parentdir_prefix_version", "write_to_source", "tag", "scm"})
_SCM_SCHEMES = frozenset({
    "guess-next-dev", "post-release", "python-simplified-semver", "release-branch-semver",
    "no-guess-dev", "only-version", "calver-by-date", "towncrier-fragments",
    "semver-pep440", "semver-pep440-release-branch", "node-and-date", "node-and-timestamp",
    "dirty-tag", "no-local-version", "no-local-version-strict",
    "fail-on-uncommitted-changes"})


def _scm_option(key: str, value: object) -> str | None:
    """Why a setuptools-scm option runs code or commands of the package's choosing."""
    option = _norm_key(key)
    if option not in _SCM_OPTIONS:
        return f"setuptools-scm option {key} steers the version-control commands, imports " \
               f"code or writes a file the scan did not see"
    if option in ("version_scheme", "local_scheme"):
        schemes = value if isinstance(value, list) else [value]
        if not all(isinstance(s, str) and s in _SCM_SCHEMES for s in schemes):
            return f"setuptools-scm {key} {value} is no built-in scheme: it is imported"
    if option in ("write_to", "version_file") and not _inside(value):
        return f"setuptools-scm {key} {value} writes outside the sdist's tree"
    if option == "tag" and isinstance(value, Mapping) and set(value) - {"prefix", "strict",
                                                                        "regex"}:
        return f"setuptools-scm option {key} holds options permpip does not know"
    if option == "scm" and isinstance(value, Mapping):
        git = value.get("git")
        if set(value) - {"git"} or not isinstance(git, Mapping) or set(git) - {"pre_parse"}:
            return "setuptools-scm [scm] options can set the version-control commands"
    return None


def _version_control(config: _Config) -> list[Finding]:
    """setuptools-scm, hatch-vcs, hatch's version hook and pdm's scm source: options that
    steer the version-control commands, import code, or write a file from a template."""
    out: list[Finding] = []
    pyproject, text = config.pyproject, config.pyproject_text

    def check(source: str, txt: str, path: KeyPath, table: object) -> None:
        for key, value in table.items() if isinstance(table, Mapping) else ():
            detail = _scm_option(str(key), value)
            if detail:
                out.append(_hook(source, _toml_line(txt, (*path, str(key)), path), detail))

    tool = pyproject.get("tool")
    for name, table in tool.items() if isinstance(tool, Mapping) else ():
        if canonicalize_name(str(name)) in ("setuptools-scm", "vcs-versioning"):
            check("pyproject.toml", text, ("tool", str(name)), table)
    for source, doc, txt, prefix in (("pyproject.toml", pyproject, text, ("tool", "hatch")),
                                     ("hatch.toml", config.hatch, config.hatch_text, ())):
        hatch = _dig(doc, *prefix) if prefix else doc
        if not isinstance(hatch, Mapping):
            continue
        version = hatch.get("version")
        if isinstance(version, Mapping) and version.get("source") == "vcs":
            check(source, txt, (*prefix, "version", "raw-options"), version.get("raw-options"))
        hooks: list[tuple[KeyPath, Any]] = [((*prefix, "build", "hooks"),
                                             _dig(hatch, "build", "hooks"))]
        targets = _dig(hatch, "build", "targets")
        if isinstance(targets, Mapping):
            hooks += [((*prefix, "build", "targets", str(t), "hooks"), _dig(v, "hooks"))
                      for t, v in targets.items()]
        for path, table in hooks:
            for hook, file_key in (("vcs", "version-file"), ("version", "path")):
                options = _dig(table, hook) if isinstance(table, Mapping) else None
                if not isinstance(options, Mapping):
                    continue
                where = (*path, hook)
                if "template" in options:
                    out.append(_hook(source, _toml_line(txt, (*where, "template"), where),
                                     f"hatch {hook} build hook writes its template, code the "
                                     f"scan did not see, into the package"))
                if file_key in options and not _inside(options[file_key]):
                    out.append(_hook(source, _toml_line(txt, (*where, file_key), where),
                                     f"hatch {hook} build hook writes outside the sdist's "
                                     f"tree"))
    version = _dig(pyproject, "tool", "pdm", "version")
    if isinstance(version, Mapping) and version.get("source") == "scm":
        where = ("tool", "pdm", "version")
        if "write_template" in version:
            out.append(_hook("pyproject.toml", _toml_line(text, (*where, "write_template")),
                             "pdm write_template writes code the scan did not see into the "
                             "package"))
        if "write_to" in version and not _inside(version["write_to"]):
            out.append(_hook("pyproject.toml", _toml_line(text, (*where, "write_to")),
                             "pdm write_to writes outside the sdist's tree"))
    return out


# setuptools' legacy backend (``build_meta:__legacy__``: no [build-system], or no
# build-backend in it) puts the source tree on sys.path before it runs setup(): setuptools
# then loads the entry points of any .egg-info/.dist-info/.egg there (the sdist's own, or
# the one the previous hook wrote from its configuration): finalize_distribution_options,
# distutils.commands and setup_keywords, egg_info.writers, file finders, plugin groups.
_SCRIPT_GROUPS = frozenset({"console_scripts", "gui_scripts"})
_GROUP_HEADER = re.compile(r"^[ \t]*\[([^\]\n]+)\]", re.MULTILINE)
_METADATA_DIRS = (".egg-info", ".dist-info", ".egg")


def _legacy_entry_points(tree: _Tree, config: _Config) -> list[Finding]:
    """Entry points setuptools' legacy backend would find on sys.path while building."""
    found: list[tuple[str, int, str]] = []  # (file, line, group)
    for section, key, _raw, value in config.cfg_items():
        sect = _norm_key(section)
        if sect == "options.entry_points" and key not in _SCRIPT_GROUPS:
            found.append(("setup.cfg", _cfg_line(config.cfg_text, section, key), key))
        elif sect == "options" and _norm_key(key) == "entry_points":
            line = _cfg_line(config.cfg_text, section, key)
            texts = [value]
            if value.strip().startswith("file:"):  # setupcfg.py _parse_file: files in root
                texts = [tree.text(norm) or "[?]" if (norm := _norm_path(f)) else "[?]"
                         for f in _cfg_list(value.strip().removeprefix("file:"))]
            found += [("setup.cfg", line, g) for t in texts for g in _GROUP_HEADER.findall(t)
                      if g.strip() not in _SCRIPT_GROUPS]
    groups = _dig(config.pyproject, "project", "entry-points")
    for group in groups if isinstance(groups, Mapping) else ():
        found.append(("pyproject.toml", _toml_line(config.pyproject_text,
                                                   ("project", "entry-points", str(group))),
                      str(group)))
    for rel in sorted(tree.files):
        parts = rel.split("/")
        top = parts[0].lower()
        if len(parts) == 1 and top.endswith(".egg"):  # a zipped egg: pkg_resources reads it
            found.append((rel, 0, "?"))
        if len(parts) > 1 and top.endswith(_METADATA_DIRS) \
                and _fold(parts[-1]) == "entry_points.txt":
            text = tree.text(rel) or ""
            for m in _GROUP_HEADER.finditer(text):
                if m.group(1).strip() not in _SCRIPT_GROUPS:
                    found.append((rel, text.count("\n", 0, m.start()) + 1, m.group(1).strip()))
    return [_hook(path, line, f"entry point group {group} of the package: setuptools' legacy "
                              f"backend puts the source tree on sys.path and loads it while "
                              f"building") for path, line, group in found]


# ... and the modules the build imports after that are looked up there first: a module of
# the standard library or of the build's own packages the tree shadows is the package's code
_BUILD_MODULES = frozenset({
    "setuptools", "pkg_resources", "_distutils_hack", "distutils", "wheel", "packaging",
    "pyparsing", "more_itertools", "jaraco", "importlib_metadata", "importlib_resources",
    "zipp", "tomli", "tomllib", "typing_extensions", "platformdirs", "backports",
    "autocommand", "inflect", "typeguard", "ordered_set", "setuptools_scm", "vcs_versioning",
    "pip", "imp", "asynchat", "asyncore", "smtpd", "cgi", "cgitb", "crypt", "nntplib",
    "telnetlib", "pipes", "nis", "spwd", "audioop", "chunk", "imghdr", "mailcap",
    "msilib", "ossaudiodev", "sndhdr", "sunau", "uu", "xdrlib", "lib2to3"})
_MODULE_SUFFIXES = (".py", ".pyc", ".pyw", ".so", ".pyd")


def _legacy_shadows(tree: _Tree, pyproject: Mapping[str, Any],
                    install: set[str]) -> list[Finding]:
    """Top-level modules of the tree named like one the legacy build may import."""
    names = set(_BUILD_MODULES) | set(sys.stdlib_module_names)
    for spec in _requires(pyproject):
        try:
            names.add(canonicalize_name(Requirement(spec).name).replace("-", "_"))
        except InvalidRequirement:
            continue
    out: list[Finding] = []
    for rel in sorted(tree.files):
        parts = rel.split("/")
        base = parts[-1].lower()
        if len(parts) == 1 and base.endswith(_MODULE_SUFFIXES):
            name = parts[0].split(".", 1)[0]
        elif len(parts) == 2 and base.startswith("__init__.") and base.endswith(_MODULE_SUFFIXES):
            name = parts[0]
        else:
            continue
        if name in names or name.lower() in names:
            out.append(_hook(rel, 0, f"{rel} shadows the module {name} the build may import: "
                                     f"setuptools' legacy backend puts the source tree first "
                                     f"on sys.path"))
            if base.endswith((".py", ".pyw")):
                install.add(rel)
    return out


# build requirements whose [tool.<name>] table permpip reads itself (or that run the
# package's build files anyway)
_ANALYSED_TOOLS = frozenset({
    "setuptools", "setuptools-scm", "vcs-versioning", "setuptools-rust", "hatchling",
    "hatch-vcs", "flit-core", "poetry-core", "pdm-backend", "pdm-pep517", "maturin",
    "scikit-build-core", "meson-python", "sip", "uv-build", "pbr", "wheel"})


def _plugin_tables(pyproject: Mapping[str, Any], text: str) -> list[Finding]:
    """A build requirement that reads its own [tool.<name>] table: a setuptools plugin
    (versioningit, setuptools-git-versioning, ...) can import the module or run the
    command that table names."""
    tool = pyproject.get("tool")
    if not isinstance(tool, Mapping):
        return []
    tables = {canonicalize_name(str(k)): str(k) for k in tool}
    out: list[Finding] = []
    for spec in _requires(pyproject):
        try:
            dist = canonicalize_name(Requirement(spec).name)
        except InvalidRequirement:
            continue
        if dist in tables and dist not in _ANALYSED_TOOLS:
            table = tables.pop(dist)
            out.append(_hook("pyproject.toml", _toml_line(text, ("tool", table)),
                             f"build requirement {dist} reads [tool.{table}], configured by "
                             f"the package: it can import or run what that names"))
    return out


# -- build files: CMake, Meson, Make, autoconf, SCons, Bazel, Cargo ------------------------

_BUILD_FILE_NAMES = {
    "CMakeLists.txt": "CMake", "meson.build": "Meson", "meson.options": "Meson",
    "meson_options.txt": "Meson", "Makefile": "Make", "makefile": "Make",
    "GNUmakefile": "Make", "Makefile.in": "Make", "Makefile.am": "Make",
    "configure": "configure", "configure.ac": "configure", "configure.in": "configure",
    "SConstruct": "SCons", "Sconstruct": "SCons", "sconstruct": "SCons",
    "SConscript": "SCons", "BUILD": "Bazel", "BUILD.bazel": "Bazel", "WORKSPACE": "Bazel",
    "WORKSPACE.bazel": "Bazel", "MODULE.bazel": "Bazel", "Cargo.toml": "Cargo"}
_BUILD_FILE_SUFFIXES = {".cmake": "CMake", ".mk": "Make", ".bzl": "Bazel"}
_BUILD_FILES_FOLDED = {k.lower(): v for k, v in _BUILD_FILE_NAMES.items()}
_BUILD_FILE_DETAIL = {
    "CMake": "CMake build files run at build time",
    "Meson": "Meson build files run at build time",
    "Make": "Make build files run at build time",
    "configure": "configure scripts run at build time",
    "SCons": "SCons build files are Python run at build time",
    "Bazel": "Bazel build files run at build time",
    "Cargo": "cargo runs the build scripts and procedural macros of the crate and its "
             "dependencies at build time"}
# backends that always run the package's build files (CMakeLists.txt, meson.build,
# project.py/.sip, Cargo.toml): never "a standard backend building from pyproject alone"
_BUILD_FILE_BACKENDS = {"scikit_build_core.build": "CMake", "mesonpy": "Meson",
                       "sipbuild.api": "sip", "maturin": "Cargo"}


def _build_file_kind(base: str) -> str | None:
    """The build system whose file ``base`` (a file name) is, if any (in any case: a
    case-insensitive file system finds ``cmakelists.txt`` too)."""
    kind = _BUILD_FILES_FOLDED.get(base.lower())
    if kind is None and "." in base:
        kind = _BUILD_FILE_SUFFIXES.get(base[base.rindex("."):].lower())
    return kind


def _blank(text: str) -> str:
    return re.sub(r"[^\n]", " ", text)


_CMAKE_TOKEN = re.compile(r'#\[(=*)\[|\[(=*)\[|#|"')
_CMAKE_QUOTED = re.compile(r'(?:\\.|[^"\\])*"?', re.DOTALL)


def _cmake_code(text: str) -> str:
    """CMake source with comments, quoted and bracket arguments blanked (lines kept)."""
    parts: list[str] = []
    i = 0
    while m := _CMAKE_TOKEN.search(text, i):
        parts.append(text[i:m.start()])
        token = m.group(0)
        if token == "#":
            end = text.find("\n", m.end())
        elif token == '"':
            q = _CMAKE_QUOTED.match(text, m.end())
            end = q.end() if q else len(text)
        else:
            close = "]" + (m.group(1) if m.group(1) is not None else m.group(2) or "") + "]"
            end = text.find(close, m.end())
            end = end + len(close) if end >= 0 else -1
        end = len(text) if end < 0 else end
        parts.append(_blank(text[m.start():end]))
        i = end
    parts.append(text[i:])
    return "".join(parts)


_PY_TOKEN = re.compile(r"'''|\"\"\"|'|\"|#")
_PY_CLOSE = {q: re.compile(rf"(?:\\.|[^\\])*?{q}") for q in ("'''", '"""')} | {
    q: re.compile(rf"(?:\\.|[^{q}\\\n])*{q}?") for q in ("'", '"')}


def _script_code(text: str, quotes: str = "'\"") -> str:
    """Meson/Starlark source with comments and strings blanked (lines kept)."""
    parts: list[str] = []
    i = 0
    while m := _PY_TOKEN.search(text, i):
        token = m.group(0)
        if token != "#" and token[0] not in quotes:
            parts.append(text[i:m.end()])
            i = m.end()
            continue
        parts.append(text[i:m.start()])
        if token == "#":
            end = text.find("\n", m.end())
            end = len(text) if end < 0 else end
        else:
            q = _PY_CLOSE[token].match(text, m.end())
            end = q.end() if q else len(text)
        parts.append(_blank(text[m.start():end]))
        i = end
    parts.append(text[i:])
    return "".join(parts)


def _first(code: str, patterns: Sequence[tuple[re.Pattern[str], str]]) -> tuple[int, str] | None:
    """(line, detail) of the earliest match of any pattern in ``code``."""
    best: tuple[int, str] | None = None
    start = len(code) + 1
    for pattern, detail in patterns:
        m = pattern.search(code)
        if m and m.start() < start:
            start = m.start()
            best = (code.count("\n", 0, m.start()) + 1,
                    detail.format(*(g or "" for g in m.groups())))
    return best


def _command(name: str, flags: int = re.IGNORECASE) -> re.Pattern[str]:
    return re.compile(rf"^[ \t]*({name})[ \t]*\(", re.MULTILINE | flags)


_CMAKE = [
    (_command("execute_process"), "execute_process runs a command at configure time"),
    (_command("exec_program"), "exec_program runs a command at configure time"),
    (_command("add_custom_command"), "add_custom_command runs a command at build time"),
    (_command("add_custom_target"), "add_custom_target runs a command at build time"),
    (_command("try_run"), "try_run runs a program it builds at configure time"),
    (_command("ExternalProject_Add(?:_Step)?"), "{0} runs another project's build at build "
                                                "time"),
    (_command("FetchContent_(?:MakeAvailable|Populate)"),
     "{0} adds another project's build files at configure time"),
    (_command("cmake_language"), "cmake_language runs CMake code it computes"),
    (_command("variable_watch"), "variable_watch runs a command when a variable is used"),
    (re.compile(r"^[ \t]*install[ \t]*\([^)]*?\b(CODE|SCRIPT)\b", re.MULTILINE | re.IGNORECASE),
     "install({0}) runs CMake code at install time"),
    (re.compile(r"\b(\w*(?:_COMPILER_LAUNCHER|_LINKER_LAUNCHER|_CLANG_TIDY|_CPPLINT|_CPPCHECK"
                r"|_INCLUDE_WHAT_YOU_USE)|RULE_LAUNCH_\w+)\b"),
     "{0} runs a program at build time"),
]
_MESON = [
    (re.compile(r"(?<![\w.])(run_command)\s*\("), "run_command runs a command at configure time"),
    (re.compile(r"(?<![\w.])(custom_target)\s*\("), "custom_target runs a command at build time"),
    (re.compile(r"(?<![\w.])(run_target)\s*\("), "run_target runs a command when it is built"),
    (re.compile(r"(?<![\w.])(generator)\s*\("), "generator runs a command at build time"),
    (re.compile(r"(?<![\w.])(vcs_tag)\s*\("), "vcs_tag runs a command at build time"),
    (re.compile(r"(?<![\w.])configure_file\s*\((?:[^()]|\([^()]*\))*?\b(command)\s*:"),
     "configure_file(command:) runs a command at configure time"),
    (re.compile(r"\.\s*(add_install_script)\s*\("),
     "meson.add_install_script runs a script at install time"),
    (re.compile(r"\.\s*(add_postconf_script)\s*\("),
     "meson.add_postconf_script runs a script at configure time"),
    (re.compile(r"\.\s*(add_dist_script)\s*\("), "meson.add_dist_script runs a script"),
    (re.compile(r"\.\s*(add_project)\s*\("),
     "external_project add_project runs another project's build at build time"),
]
_BAZEL = [
    (re.compile(r"(?<![\w.])(genrule)\s*\("), "genrule runs a command at build time"),
    (re.compile(r"\.(execute)\s*\("), "repository rule runs a command when it is fetched"),
    (re.compile(r"\.actions\.(run_shell|run)\s*\("), "actions.{0} runs a command at build time"),
]


_MAKE_RULE = re.compile(r"[^\t#=:][^#=:]*(?:::|:)(?![=:])[^;]*(;[ \t]*\S)?")


def _make_first(text: str) -> tuple[int, str] | None:
    """The first line of a Makefile that runs a command: a recipe, $(shell), or !=."""
    in_rule = continued = False
    for no, line in enumerate(text.splitlines(), 1):
        was_continued, continued = continued, line.endswith("\\")
        if in_rule and line.startswith("\t") and not was_continued:
            if line.strip():
                return no, "recipe runs a shell command at build time"
            continue
        code = re.sub(r"(?<!\\)#.*", "", line)
        if re.search(r"\$[({]shell[ \t]", code):
            return no, "$(shell) runs a command when make reads the file"
        if was_continued:
            continue
        if re.match(r"[ \t]*[^\s#=:]+[ \t]*!=", code):
            return no, "!= runs a command when make reads the file"
        rule = _MAKE_RULE.match(code)
        if rule:
            if rule.group(1):
                return no, "recipe runs a shell command at build time"
            in_rule = True
        elif code.strip() and not line.startswith("\t"):
            in_rule = False  # a variable or directive ends the rule
    return None


def _cargo_first(text: str) -> tuple[int, str] | None:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None
    build = _dig(data, "package", "build")
    if isinstance(build, str):
        return (_toml_line(text, ("package", "build")),
                f"build script {build} runs at build time")
    if _dig(data, "lib", "proc-macro") is True:
        return _toml_line(text, ("lib", "proc-macro")), "procedural macro runs at build time"
    return None


def _build_file_evidence(tree: _Tree, rel: str, kind: str) -> Finding:
    source = _source(tree, rel)
    text = source.decode("utf-8", "replace") if source is not None else ""
    first: tuple[int, str] | None = None
    if kind == "CMake":
        first = _first(_cmake_code(text), _CMAKE)
    elif kind == "Meson":
        first = _first(_script_code(text, "'"), _MESON)
    elif kind == "Make":
        first = _make_first(text)
    elif kind == "Bazel":
        first = _first(_script_code(text), _BAZEL)
    elif kind == "Cargo":
        first = _cargo_first(text)
    line, detail = first or (0, _BUILD_FILE_DETAIL[kind])
    return _hook(rel, line, detail)


def _build_files(tree: _Tree, pyproject: Mapping[str, Any], text: str, backend: str,
                 install: set[str], *, code_runs: bool) -> list[Finding]:
    """The package's build files, as code of the build: when the backend runs them, or when
    any code of the package runs at build time (it can run them too)."""
    if backend not in _BUILD_FILE_BACKENDS and not code_runs:
        return []
    out: list[Finding] = []
    for rel in sorted(tree.files):
        kind = _build_file_kind(rel.rsplit("/", 1)[-1])
        if kind is not None:
            out.append(_build_file_evidence(tree, rel, kind))
            if kind == "SCons":
                install.add(rel)
    project_py = tree.find("project.py")
    if backend == "sipbuild.api" and project_py:
        out.append(_hook(project_py, 0, "sip runs project.py at build time"))
        install.add(project_py)
    providers = _dig(pyproject, "tool", "scikit-build", "metadata")
    for field, provider in providers.items() if isinstance(providers, Mapping) else ():
        path = _dig(provider, "provider-path")
        if isinstance(path, str):
            line = _toml_line(text, ("tool", "scikit-build", "metadata", str(field),
                                     "provider-path"))
            out.append(_hook("pyproject.toml", line,
                             f"in-tree metadata provider in {path} runs while building"))
            norm = _norm_path(path)
            if norm is not None:
                install.update(rel for rel in tree.under(norm) if rel.lower().endswith(".py"))
    if backend in _BUILD_FILE_BACKENDS and not out:
        line = _toml_line(text, ("build-system", "build-backend"))
        out.append(_hook("pyproject.toml", line,
                         f"build backend {backend} runs the package's "
                         f"{_BUILD_FILE_BACKENDS[backend]} build configuration at build time"))
    return out
