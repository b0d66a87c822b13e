"""Sdists -> findings: what runs at build time, and the tree that would be installed.

Build time (phase ``install``, capability ``install-hooks``):
- ``setup.py`` when the backend is setuptools (declared, legacy, or no [build-system]);
- a custom backend, or an in-tree one (``backend-path``: every .py under it is scanned);
- ``cmdclass`` in setup.py / setup.cfg / [tool.setuptools]; hatch custom build and metadata
  hooks (pyproject or hatch.toml), pdm's ``pdm_build.py``, poetry build scripts, Rust
  ``build.rs``: each hook file is scanned in the install phase.
A standard backend building a pure-Python tree from pyproject alone is not the package's
own code: no finding.

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
import re
import tomllib
from collections.abc import Iterator, Mapping
from typing import Any

from gate.archive import Archive, Member
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
    """Which tar members' bytes the sdist scanner needs (code, config, binaries)."""
    base = name.rsplit("/", 1)[-1]
    return base.lower().endswith(_KEEP_SUFFIXES) or base in _KEEP_NAMES or ".so." in base


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
    out += _backend(tree, pyproject, pyproject_text, install)
    out += _cmdclass(tree, pyproject, pyproject_text, install)
    out += _build_hooks(tree, pyproject, pyproject_text, install)

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
    backend = _dig(pyproject, "build-system", "build-backend")
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
