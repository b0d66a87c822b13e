"""Sdists -> findings: what runs at build time, and the tree that would be installed.

Build time (phase ``install``, capability ``install-hooks``): build configuration is code
when building runs the package's own code.
- ``setup.py`` when the backend is setuptools (declared, legacy, or no [build-system]);
- a custom backend, or an in-tree one (``backend-path``: every .py under it is scanned);
- ``cmdclass`` in setup.py / setup.cfg / [tool.setuptools]; hatch custom build and metadata
  hooks (pyproject or hatch.toml), pdm's ``pdm_build.py``, poetry build scripts, Rust
  ``build.rs``: each hook file is scanned in the install phase;
- metadata read by importing the package: setuptools ``attr:`` ([tool.setuptools.dynamic],
  setup.cfg) unless setuptools reads the value statically (a literal first top-level
  assignment in the module file it finds; see ``_attr_reason``), flit_core's dynamic
  version/description unless its ast reading succeeds, hatch's ``code`` version source, pdm's
  ``call`` version source and ``version_format``;
- configuration that makes the backend import or run the package's code: setup.cfg /
  [tool.distutils] ``command_packages`` and aliases of build commands, pbr's setup hooks,
  compiler arguments of [tool.setuptools] ext-modules, [tool.setuptools-rust], hatch
  build/metadata hook and version source plugins (but hatch-vcs, fancy-pypi-readme),
  pdm-pep517's setup-script; a .git or .hg directory (its configuration runs commands when
  a plugin asks git or hg for the version);
- build files (CMakeLists.txt and *.cmake, meson.build, Makefiles, configure, SCons, Bazel,
  Cargo.toml): always with scikit-build-core, meson-python, sip and maturin, which run them
  (without one, the finding is on ``build-backend``), and whenever any other code of the
  package runs at build time (it can run them too). The evidence is the first construct
  that runs a command (``execute_process``, ``run_command``, a recipe, ...), else the file.
A standard backend building a pure-Python tree from pyproject alone is not the package's
own code: no finding (flit_core, hatchling without hooks, setuptools with static metadata,
pdm-backend, poetry-core, uv_build).

C/C++/Cython/Rust/Fortran sources are ``native`` (compiled at install, loaded at import).

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
- setup.py, setup.cfg, pyproject.toml or hatch.toml spells the directory's name
  (``packages=["examples"]``, ``package_dir``, ``include``, ``force-include``, ...) or
  discovers files at build time (``find_namespace``, ``namespaces``, ``listdir``,
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
import posixpath
import re
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from gate._tomlpos import KeyPath, Positions
from gate.archive import Archive, Member
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
                   ".rs": "Rust", ".f": "Fortran", ".f90": "Fortran", ".cu": "CUDA"}
_KEEP_SUFFIXES = (".py", ".pyw", ".pth", ".toml", ".cfg", ".zip", ".egg", ".whl",
                  ".pyz", ".so", ".pyd", ".dylib", ".dll")
_KEEP_NAMES = ("PKG-INFO",)
# top-level directories no common layout installs (see the module docstring)
UNINSTALLED_DIRS = ("examples", "docs", "doc", "benchmarks")
_ANY_LAYOUT = frozenset({"mesonpy", "scikit_build_core.build", "sipbuild.api"})
_DISCOVERY = re.compile(r"find_namespace|namespaces|listdir|scandir|iterdir|walk|glob"
                        r"|only-include|bypass-selection|sources")


def keep(name: str) -> bool:
    """Which tar members' bytes the sdist scanner needs (code, config, build files,
    binaries)."""
    base = name.rsplit("/", 1)[-1]
    return (base.lower().endswith(_KEEP_SUFFIXES) or base in _KEEP_NAMES or ".so." in base
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


class _Tree:
    """The sdist's members keyed by their path below the single top-level directory."""

    def __init__(self, ar: Archive) -> None:
        roots = {m.name.split("/", 1)[0] for m in ar.members}
        if len(roots) != 1 or any("/" not in m.name for m in ar.members):
            raise ScanError(f"{ar.filename}: sdist members are not all under one top-level "
                            f"directory")
        self.ar = ar
        self.files: dict[str, Member] = {m.name.split("/", 1)[1]: m for m in ar.members}

    def text(self, rel: str) -> str | None:
        member = self.files.get(rel)
        if member is None or member.link_target is not None:
            return None
        return self.ar.read(member).decode("utf-8", "replace")

    def under(self, directory: str) -> Iterator[str]:
        prefix = "" if directory in ("", ".") else directory.strip("/") + "/"
        return (rel for rel in sorted(self.files) if rel.startswith(prefix))

    def module_files(self, module: str) -> list[str]:
        """Files that could hold ``module`` (top level or under src/)."""
        base = module.replace(".", "/")
        return [rel for prefix in ("", "src/") for rel in
                (f"{prefix}{base}.py", f"{prefix}{base}/__init__.py") if rel in self.files]


def scan_sdist(ar: Archive, *, name: NormalizedName, version: str) -> list[Finding]:
    """Every finding of an sdist whose filename said ``name`` ``version``."""
    tree = _Tree(ar)
    pkg_info = tree.files.get("PKG-INFO")
    if pkg_info is None:
        raise ScanError(f"{ar.filename}: PKG-INFO is missing")
    check_metadata(ar.filename, ar.read(pkg_info), "PKG-INFO", name, version)

    out: list[Finding] = []
    install: set[str] = set()  # files scanned in the install phase
    pyproject: dict[str, Any] = {}
    pyproject_text = tree.text("pyproject.toml") or ""
    if "pyproject.toml" in tree.files:
        try:
            pyproject = tomllib.loads(pyproject_text)
        except tomllib.TOMLDecodeError as exc:
            out.append(_finding("pyproject.toml", 0, Capability.UNANALYZED, Phase.INSTALL,
                                f"pyproject.toml does not parse: {exc}"))
    backend = _backend_of(pyproject)
    out += _backend(tree, pyproject, pyproject_text, install)
    out += _cmdclass(tree, pyproject, pyproject_text, install)
    out += _build_hooks(tree, pyproject, pyproject_text, install)
    if backend in _SETUPTOOLS:
        out += _setuptools(tree, pyproject, pyproject_text)
    if backend == "flit_core.buildapi":
        out += _flit(tree, pyproject, pyproject_text)
    out += _vcs_metadata(tree)
    code_runs = any(f.capability is Capability.INSTALL_HOOKS for f in out)
    out += _build_files(tree, pyproject, pyproject_text, backend, install, code_runs=code_runs)

    own = own_packages((rel.removeprefix("src/") for rel in tree.files), name)
    for rel in sorted(install):
        code = read_code(ar, tree.files[rel], rel)
        out += [code] if isinstance(code, Finding) else scan_python(code, rel,
                                                                     phase=Phase.INSTALL)
    skipped = tuple(d + "/" for d in _uninstalled_dirs(tree, pyproject, name))
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
        elif member.link_target is not None:
            out.append(_finding(rel, 0, Capability.UNANALYZED, Phase.IMPORT,
                                f"link {rel} -> {member.link_target} is not followed"))
        else:
            named = module_name(rel.removeprefix("src/"))
            out += scan_tree_member(ar, member, rel, phase=None, own=own, code=codes.get(rel),
                                    module=named[0] if named else None, exports=exports)
    return out


def _uninstalled_dirs(tree: _Tree, pyproject: Mapping[str, Any],
                      name: NormalizedName) -> list[str]:
    """The UNINSTALLED_DIRS of this sdist that no build could install (module docstring)."""
    present = [d for d in UNINSTALLED_DIRS if any(rel.startswith(d + "/") for rel in tree.files)]
    if not present:
        return []
    backend = _dig(pyproject, "build-system", "build-backend") if "build-system" in pyproject \
        else None
    if not isinstance(backend, str):
        backend = _LEGACY
    if (backend not in STANDARD_BACKENDS or backend in _ANY_LAYOUT
            or _dig(pyproject, "build-system", "backend-path") is not None):
        return []
    config = "\n".join(tree.text(f) or "" for f in ("setup.py", "setup.cfg", "pyproject.toml",
                                                    "hatch.toml"))
    if _DISCOVERY.search(config):
        return []
    if backend == "hatchling.build":
        module = name.replace("-", "_")
        if not any(f"{prefix}{module}{suffix}" in tree.files for prefix in ("", "src/")
                   for suffix in ("/__init__.py", ".py")):
            return []
    return [d for d in present if f"{d}/__init__.py" not in tree.files
            and not re.search(rf"(?<![\w-]){d}(?![\w-])", config)]


def _backend(tree: _Tree, pyproject: Mapping[str, Any], text: str,
             install: set[str]) -> list[Finding]:
    out: list[Finding] = []
    system = pyproject.get("build-system")
    backend = _dig(pyproject, "build-system", "build-backend") if system else None
    if not isinstance(backend, str):
        backend = _LEGACY
    backend_path = _dig(pyproject, "build-system", "backend-path")
    if backend_path is not None:
        line = _line_of(text, r"^[ \t]*backend-path\s*=")
        out.append(_hook("pyproject.toml", line,
                         f"in-tree build backend {backend} (backend-path)"))
        dirs = backend_path if isinstance(backend_path, list) else [str(backend_path)]
        for directory in dirs:
            install.update(rel for rel in tree.under(str(directory))
                           if rel.endswith(".py") and rel != "setup.py")
    elif backend not in STANDARD_BACKENDS:
        line = _line_of(text, r"^[ \t]*build-backend\s*=")
        out.append(_hook("pyproject.toml", line, f"custom build backend {backend}"))
    if backend in _SETUPTOOLS or backend_path is not None or backend not in STANDARD_BACKENDS:
        if "setup.py" in tree.files:
            out.append(_hook("setup.py", 0, "setup.py runs at install"))
            install.add("setup.py")
    return out


def _cmdclass(tree: _Tree, pyproject: Mapping[str, Any], text: str,
              install: set[str]) -> list[Finding]:
    out: list[Finding] = []
    if "setup.py" in install:
        source = tree.text("setup.py") or ""
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
                out.append(_hook("setup.py", line, "cmdclass overrides setuptools commands"))
    setup_cfg = tree.text("setup.cfg")
    if setup_cfg and (line := _line_of(setup_cfg, r"^[ \t]*cmdclass\s*=")):
        out.append(_hook("setup.cfg", line, "cmdclass overrides setuptools commands"))
        for value in re.findall(r"=\s*([\w.]+)\.\w+\s*$", setup_cfg, re.MULTILINE):
            install.update(tree.module_files(value))
    cmdclass = _dig(pyproject, "tool", "setuptools", "cmdclass")
    if cmdclass:
        line = _line_of(text, r"^[ \t]*(\[tool\.setuptools\.cmdclass\]|cmdclass\s*=)")
        out.append(_hook("pyproject.toml", line, "cmdclass overrides setuptools commands"))
        if isinstance(cmdclass, Mapping):
            for value in cmdclass.values():
                if isinstance(value, str) and "." in value:
                    install.update(tree.module_files(value.rsplit(".", 1)[0]))
    return out


def _build_hooks(tree: _Tree, pyproject: Mapping[str, Any], text: str,
                 install: set[str]) -> list[Finding]:
    out: list[Finding] = []
    hatch_toml_text = tree.text("hatch.toml")
    hatch_toml: dict[str, Any] = {}
    if hatch_toml_text:
        try:
            hatch_toml = tomllib.loads(hatch_toml_text)
        except tomllib.TOMLDecodeError:
            out.append(_finding("hatch.toml", 0, Capability.UNANALYZED, Phase.INSTALL,
                                "hatch.toml does not parse"))
    backend = _backend_of(pyproject)
    if backend == "hatchling.build":
        out += _hatch(tree, pyproject, text, install, hatch_toml, hatch_toml_text or "")
    if backend.startswith("pdm."):
        out += _pdm(tree, pyproject, text, install)
    for source, doc, txt, prefix in (("pyproject.toml", pyproject, text, ("tool", "hatch")),
                                     ("hatch.toml", hatch_toml, hatch_toml_text or "", ())):
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
            if hook_file in tree.files:
                install.add(hook_file)
    pdm_hook = _dig(pyproject, "tool", "pdm", "build", "custom-hook") or "pdm_build.py"
    if backend == "pdm.backend" and isinstance(pdm_hook, str) and pdm_hook in tree.files:
        out.append(_hook(pdm_hook, 0, f"pdm build hook {pdm_hook} runs at install"))
        install.add(pdm_hook)
    poetry_build = (_dig(pyproject, "tool", "poetry", "build", "script")
                    or _dig(pyproject, "tool", "poetry", "build"))
    if isinstance(poetry_build, str):
        line = _line_of(text, r"^[ \t]*(script|build)\s*=")
        out.append(_hook("pyproject.toml", line, f"poetry build script {poetry_build}"))
        if poetry_build in tree.files:
            install.add(poetry_build)
    for rel in tree.files:
        if rel.rsplit("/", 1)[-1] == "build.rs":
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


def _admits(requires: Sequence[str], dist: str, minimum: str) -> bool:
    """Whether the build gets ``dist`` >= ``minimum``: no requirement on ``dist`` caps it
    below. Build requirements resolve to the newest version they allow, so the backend's
    behaviour is that of a version at least ``minimum`` unless the sdist pins an older one
    (which it may do on purpose)."""
    floor = Version(minimum)
    for spec in requires:
        try:
            req = Requirement(spec)
        except InvalidRequirement:
            continue  # the build fails: nothing runs
        if canonicalize_name(req.name) != dist:
            continue
        if req.url:
            return False  # any version at all
        candidates = {floor, Version("99999")}
        for s in req.specifier:
            try:
                candidates.add(Version(s.version.removesuffix(".*")))
            except InvalidVersion:
                pass
        if not any(v >= floor and req.specifier.contains(v, prereleases=True)
                   for v in candidates):
            return False
    return True


def _source(tree: _Tree, rel: str) -> bytes | None:
    """The bytes of a regular member small enough to read, else None."""
    member = tree.files.get(rel)
    if member is None or member.link_target is not None or member.size > tree.ar.limits.max_read:
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
    return any(f.startswith(rel + "/") for f in tree.files)


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
            options = {k.replace("-", "_"): v for k, v in cfg.items("options", raw=True)}
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
        path = posixpath.normpath(path)
        return None if path.startswith(("../", "/")) or path == ".." else path


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
    """None when setuptools reads ``attr: desc`` statically, else why it imports."""
    parts = desc.strip().split(".")
    name = parts.pop()
    module = ".".join(parts) or "__init__"
    if not _admits(requires, "setuptools", _STATIC_ATTR):
        # before 61 pyproject's table is not read at all; setup.cfg's attr: is imported
        # (before 46.4) or found by importing the parent package (46.4 to 60)
        return "is read by the setuptools<61 the sdist requires" if setup_cfg else None
    annotated = _admits(requires, "setuptools", _ANNOTATED_ATTR)
    as_bytes = _admits(requires, "setuptools", _BYTES_ATTR)
    found = False
    for package_dir in layout.candidates:
        start = _Layout.path_start(module, package_dir)
        if start is None:
            return "is outside the sdist"
        files = [rel for rel in (f"{start}.py", f"{start}/__init__.py") if rel in tree.files]
        found = found or bool(files)
        if not files and len(layout.candidates) == 1:
            break
        for rel in files:
            source = _source(tree, rel)
            if not as_bytes and source is not None and not source.isascii():
                return "is in a file the setuptools<65.4.1 the sdist requires may not decode"
            if not _literal(_parse(source), name, annotated=annotated):
                return "is not a literal assignment"
    return None if found else "is in no module file of the sdist"


def _attr_finding(path: str, line: int, desc: str, reason: str) -> Finding:
    module = ".".join(desc.strip().split(".")[:-1]) or "__init__"
    return _hook(path, line, f"attr: {desc.strip()} {reason}: setuptools imports {module} "
                             f"while building")


def _setuptools(tree: _Tree, pyproject: Mapping[str, Any], text: str) -> list[Finding]:
    """setup.cfg and [tool.setuptools]/[tool.distutils] settings that run the package's
    code: ``attr:`` that is not a literal, command packages and aliases, compiler
    arguments, Rust extensions."""
    out: list[Finding] = []
    requires = _requires(pyproject)
    cfg_text = tree.text("setup.cfg")
    cfg: configparser.ConfigParser | None = None
    if cfg_text is not None:
        cfg = configparser.ConfigParser()
        cfg.optionxform = str  # type: ignore[assignment,method-assign]
        try:
            cfg.read_string(cfg_text)
        except configparser.Error as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            out.append(_finding("setup.cfg", 0, Capability.UNANALYZED, Phase.INSTALL,
                                f"setup.cfg does not parse: {first}"))
            cfg = None
    layout = _Layout(tree, pyproject, cfg)
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
    if cfg is not None and cfg_text is not None:
        out += _setup_cfg(tree, cfg, cfg_text, layout, requires)
    for table in ("global", "aliases"):
        values = _dig(pyproject, "tool", "distutils", table)
        if isinstance(values, Mapping):
            for key in values:
                detail = _distutils_option(table, str(key).replace("-", "_"))
                if detail:
                    line = _toml_line(text, ("tool", "distutils", table, str(key)))
                    out.append(_hook("pyproject.toml", line, detail))
    ext_modules = _dig(pyproject, "tool", "setuptools", "ext-modules")
    for i, ext in enumerate(ext_modules if isinstance(ext_modules, list) else []):
        for key in ("extra-compile-args", "extra-link-args"):
            if isinstance(ext, Mapping) and ext.get(key):
                line = _toml_line(text, ("tool", "setuptools", "ext-modules", i, key))
                out.append(_hook("pyproject.toml", line,
                                 f"ext-modules {key} can make the compiler run programs"))
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
_BUILD_COMMANDS = frozenset({"bdist_wheel", "dist_info", "egg_info", "sdist", "build",
                             "editable_wheel", "build_py", "build_ext", "install"})


def _distutils_option(section: str, key: str) -> str | None:
    if section == "global":
        return _GLOBAL_HOOKS.get(key)
    if section == "aliases" and key in _BUILD_COMMANDS:
        return f"alias {key} replaces a command the build runs"
    return None


def _cfg_line(text: str, section: str, key: str) -> int:
    """The line of ``key`` (dashes or underscores, any case) in ``[section]``, else 0."""
    current = None
    want = key.replace("-", "_").lower()
    for no, line in enumerate(text.splitlines(), 1):
        header = re.match(r"\s*\[([^\]]+)\]", line)
        if header:
            current = header.group(1).strip()
        elif current == section and line[:1] not in (" ", "\t", "#", ";"):
            m = re.match(r"([^=:]+?)\s*[=:]", line)
            if m and m.group(1).replace("-", "_").lower() == want:
                return no
    return 0


def _setup_cfg(tree: _Tree, cfg: configparser.ConfigParser, text: str, layout: _Layout,
               requires: Sequence[str]) -> list[Finding]:
    out: list[Finding] = []
    for section in cfg.sections():
        for key, raw in cfg.items(section, raw=True):
            try:
                value = cfg.get(section, key)
            except configparser.Error:
                value = raw
            norm = key.replace("-", "_")
            detail = _distutils_option(section, norm)
            if detail:
                out.append(_hook("setup.cfg", _cfg_line(text, section, key), detail))
            elif (section in ("metadata", "options") or section.startswith("options.")) \
                    and value.strip().startswith("attr:"):
                desc = value.strip().removeprefix("attr:")
                reason = _attr_reason(tree, layout, desc, requires=requires, setup_cfg=True)
                if reason:
                    out.append(_attr_finding("setup.cfg", _cfg_line(text, section, key),
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
    modern = _admits(_requires(pyproject), "flit-core", _FLIT_VERSION_FILES)
    out: list[Finding] = []
    for prefix in ("", "src/"):  # flit refuses more than one of these; check every one
        candidates: list[list[str]] = []
        if _dir_exists(tree, prefix + base):
            extra = [f"{prefix}{base}/{f}" for f in ("__version__.py", "_version.py",
                                                     "version.py")
                     if modern and f"{prefix}{base}/{f}" in tree.files]
            candidates.append([*extra, f"{prefix}{base}/__init__.py"])
        if f"{prefix}{base}.py" in tree.files:
            candidates.append([f"{prefix}{base}.py"])
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
            if code in tree.files:
                install.add(code)
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
        if script in tree.files:
            install.add(script)
    return out


def _vcs_metadata(tree: _Tree) -> list[Finding]:
    """A .git or .hg directory: git and hg run commands from its configuration (fsmonitor,
    hooks, pagers, extensions) when a build plugin (setuptools-scm, hatch-vcs, pbr, ...)
    asks them for the version."""
    for top, config in ((".git", ".git/config"), (".hg", ".hg/hgrc")):
        members = [rel for rel in tree.files if rel == top or rel.startswith(top + "/")]
        if members:
            rel = config if config in members else min(members)
            return [_hook(rel, 0, f"version-control metadata {top}: its configuration can run "
                                  f"commands when the build asks {top[1:]} for the version")]
    return []


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
    """The build system whose file ``base`` (a file name) is, if any."""
    kind = _BUILD_FILE_NAMES.get(base)
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
    if backend == "sipbuild.api" and "project.py" in tree.files:
        out.append(_hook("project.py", 0, "sip runs project.py at build time"))
        install.add("project.py")
    providers = _dig(pyproject, "tool", "scikit-build", "metadata")
    for field, provider in providers.items() if isinstance(providers, Mapping) else ():
        path = _dig(provider, "provider-path")
        if isinstance(path, str):
            line = _toml_line(text, ("tool", "scikit-build", "metadata", str(field),
                                     "provider-path"))
            out.append(_hook("pyproject.toml", line,
                             f"in-tree metadata provider in {path} runs while building"))
            install.update(rel for rel in tree.under(path) if rel.endswith(".py"))
    if backend in _BUILD_FILE_BACKENDS and not out:
        line = _toml_line(text, ("build-system", "build-backend"))
        out.append(_hook("pyproject.toml", line,
                         f"build backend {backend} runs the package's "
                         f"{_BUILD_FILE_BACKENDS[backend]} build configuration at build time"))
    return out
