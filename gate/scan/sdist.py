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

The tree and its configuration are read as the build reads them (gate.scan.sdist_tree);
where versions of the backend behave differently, every version the requirements allow is
considered (gate.scan.sdist_backend). The checks live by concern: setuptools and setup.cfg
(gate.scan.sdist_setuptools), the other backends' hooks (gate.scan.sdist_hooks), version
control (gate.scan.sdist_vcs), build files (gate.scan.sdist_buildfiles).

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

import fnmatch
import re
from collections.abc import Mapping, Sequence

from gate.archive import Archive
from gate.errors import ScanError
from gate.model import Capability, Finding, NormalizedName, Phase
from gate.scan.exports import collect
from gate.scan.lexical import module_name
from gate.scan.sdist_backend import (
    _LEGACY,
    _SETUPTOOLS,
    STANDARD_BACKENDS,
    _admissible,
    _backend_of,
)
from gate.scan.sdist_buildfiles import _build_file_kind, _build_files
from gate.scan.sdist_hooks import _backend, _build_hooks, _flit, _plugin_tables
from gate.scan.sdist_setuptools import (
    _cmdclass,
    _Layout,
    _legacy_entry_points,
    _legacy_shadows,
    _setuptools,
)
from gate.scan.sdist_tree import _Config, _dig, _finding, _fold, _norm_path, _Tree, read_pyproject
from gate.scan.sdist_vcs import _vcs_metadata, _version_control
from gate.scan.wheel import (
    check_metadata,
    decoded,
    own_packages,
    pth_findings,
    read_code,
    scan_python,
    scan_tree_member,
)

# names used elsewhere (gate.scan, gate.build, tests) that now live in the modules above
__all__ = ["STANDARD_BACKENDS", "UNINSTALLED_DIRS", "_admissible", "keep", "read_pyproject",
           "scan_sdist"]

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
