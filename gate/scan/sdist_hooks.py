"""Build hooks of the backends: an in-tree or custom backend and setup.py, hatch custom
hooks, plugins and ``code`` version source, pdm's custom-hook, version getter and
setup-script, poetry build scripts, Rust ``build.rs``, flit_core's dynamic metadata, and
the [tool.<name>] tables of build requirements permpip does not analyse."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from gate._tomlpos import KeyPath
from gate.model import Finding
from gate.scan.sdist_backend import (
    _LEGACY,
    _SETUPTOOLS,
    STANDARD_BACKENDS,
    _admissible,
    _backend_of,
    _requires,
)
from gate.scan.sdist_tree import (
    _Config,
    _dig,
    _dir_exists,
    _fold,
    _hook,
    _hook_file,
    _line_of,
    _norm_path,
    _parse,
    _source,
    _toml_line,
    _Tree,
)


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
