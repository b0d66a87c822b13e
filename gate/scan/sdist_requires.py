"""What an sdist needs at run time (its Requires-Dist), read without building it.

``permpip policy init`` (and ``diff``) meet sdists no policy lets them build yet: the
resolver still needs their dependencies. Read in this order, the first that can answer:

1. PKG-INFO with Metadata-Version 2.2 or later whose ``Dynamic`` does not name
   Requires-Dist (PEP 643): the build must produce exactly these; authoritative.
2. pyproject.toml ``[project]`` without ``dependencies`` in ``dynamic`` (PEP 621: a backend
   may not add to a field that is not dynamic), with ``optional-dependencies`` as extras.
3. For setuptools (declared, or no ``[build-system]``): setup.cfg ``[options]
   install_requires`` / ``[options.extras_require]`` and the keywords of the one
   ``setup(...)`` call of setup.py, where each is a literal (or a name assigned a literal
   once at the top level and used nowhere else); setup.py's keywords win, as in setuptools.

Anything else (``dynamic`` dependencies of another backend, ``file:`` directives, a computed
``install_requires``, ``setup(**kwargs)``, a setup.py that does not parse) is not read: the
answer is ``None`` with the reason, and the caller says so instead of guessing.

What setup.py imports from the tree runs when it is built and could still change what the
build declares: reading 3 is the declared answer, not a proof. The install judges the wheel
the build makes (its own Requires-Dist resolved, fetched, scanned and judged), so a
dependency the build adds is refused there by default, never installed unjudged.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.markers import Marker
from packaging.metadata import parse_email
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from gate.archive import read_archive
from gate.scan.sdist_backend import _SETUPTOOLS, _backend_of
from gate.scan.sdist_tree import _cfg_line, _Config, _dig, _fold, _Tree

_FILES = frozenset({"pkg-info", "pyproject.toml", "setup.py", "setup.cfg"})


@dataclass(frozen=True, kw_only=True, slots=True)
class SdistRequires:
    """``requires``: Requires-Dist lines (extras as ``extra == "name"`` markers), or None
    when they cannot be read soundly; ``source`` says where they came from, or why not."""

    requires: tuple[str, ...] | None
    extras: tuple[str, ...] = ()
    requires_python: str | None = None
    source: str


def read_requires(path: Path) -> SdistRequires:
    """The dependencies the sdist at ``path`` declares, read statically (module docstring).
    ScanError for an sdist the scan refuses."""
    def wanted(name: str) -> bool:
        return _fold(name.split("/", 1)[-1]) in _FILES

    with read_archive(path, keep=wanted) as ar:
        tree = _Tree(ar)
        pkg_info = tree.text("PKG-INFO") or ""
        found = _from_pkg_info(pkg_info)
        if found is not None:
            return found
        python = parse_email(pkg_info)[0].get("requires_python")
        return _from_config(tree, _Config(tree), python)


def _from_pkg_info(text: str) -> SdistRequires | None:
    raw, _ = parse_email(text)
    try:
        version = Version(raw.get("metadata_version", "1.0"))
    except InvalidVersion:
        return None
    dynamic = {d.strip().lower() for d in raw.get("dynamic", [])}
    if version < Version("2.2") or "requires-dist" in dynamic:
        return None
    return SdistRequires(requires=tuple(raw.get("requires_dist", [])),
                         extras=tuple(raw.get("provides_extra", [])),
                         requires_python=raw.get("requires_python"),
                         source=f"PKG-INFO (Metadata-Version {version}, PEP 643)")


def _not_read(why: str) -> SdistRequires:
    return SdistRequires(requires=None, source=why)


def _from_config(tree: _Tree, config: _Config, python: str | None) -> SdistRequires:
    pyproject = config.pyproject
    if config.errors:
        name = sorted(config.errors)[0]
        return _not_read(f"{name} does not parse")
    backend = _backend_of(pyproject)
    project = pyproject.get("project")
    if isinstance(project, Mapping):
        dynamic = project.get("dynamic", [])
        dynamic = dynamic if isinstance(dynamic, list) else []
        python = project.get("requires-python", python)
        python = python if isinstance(python, str) else None
        computed = [f for f in ("dependencies", "optional-dependencies") if f in dynamic]
        if not computed:
            return _requirements(project.get("dependencies", []),
                                 project.get("optional-dependencies", {}),
                                 "pyproject.toml [project]", python)
        # setuptools takes a dynamic field from [tool.setuptools.dynamic], else setup.py
        if backend not in _SETUPTOOLS or any(
                _dig(pyproject, "tool", "setuptools", "dynamic", f) is not None
                for f in computed):
            return _not_read(f"pyproject.toml lists {computed[0]} in [project].dynamic: "
                             f"the build computes them")
    elif backend not in _SETUPTOOLS:
        return _not_read(f"its build backend {backend} declares dependencies in a way "
                         f"permpip does not read")
    return _setuptools(tree, config, python)


def _requirements(requires: object, optional: object, source: str,
                  python: str | None) -> SdistRequires:
    """Requires-Dist lines of ``requires`` plus each extra's, or not read when a value is
    not a list of valid requirement strings."""
    if not isinstance(requires, list) or not _strings(requires) or not isinstance(
            optional, Mapping):
        return _not_read(f"{source}: the dependencies are not a list of strings")
    out = [str(r) for r in requires]
    extras: list[str] = []
    for key, reqs in optional.items():
        group, _, marker = str(key).partition(":")  # setuptools: "extra:marker"
        if not _strings(reqs):
            return _not_read(f"{source}: extra {group!r} is not a list of strings")
        extras.append(str(canonicalize_name(group.strip())))
        for spec in reqs:
            try:
                req = Requirement(spec)
                extra = f'extra == "{extras[-1]}"'
                both = [f"({m})" for m in (str(req.marker) if req.marker else "",
                                           marker.strip()) if m]
                req.marker = Marker(" and ".join([*both, extra]))
            except (InvalidRequirement, ValueError) as exc:
                return _not_read(f"{source}: invalid requirement {spec!r}: {exc}")
            out.append(str(req))
    for spec in out:
        try:
            Requirement(spec)
        except InvalidRequirement as exc:
            return _not_read(f"{source}: invalid requirement {spec!r}: {exc}")
    return SdistRequires(requires=tuple(out), extras=tuple(dict.fromkeys(extras)),
                         requires_python=python, source=source)


def _strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _setuptools(tree: _Tree, config: _Config, python: str | None) -> SdistRequires:
    """setup.cfg's [options], then setup.py's literal keywords over them."""
    requires: list[str] = []
    optional: dict[str, list[str]] = {}
    sources: list[str] = []
    if config.cfg is not None:
        if config.cfg.has_option("options", "install_requires"):
            value = config.cfg.get("options", "install_requires", raw=True)
            if value.strip().startswith(("file:", "attr:")):
                line = _cfg_line(config.cfg_text, "options", "install_requires")
                return _not_read(f"setup.cfg:{line}: install_requires is read from "
                                 f"{value.strip().split(':')[0]}:")
            requires = _cfg_requirements(value)
        if config.cfg.has_section("options.extras_require"):
            for key, value in config.cfg.items("options.extras_require", raw=True):
                optional[key] = _cfg_requirements(value)
        sources.append("setup.cfg")
    setup_py = tree.find("setup.py")
    if setup_py is not None:
        text = tree.text(setup_py) or ""
        found = _setup_keywords(text)
        if isinstance(found, str):
            return _not_read(f"setup.py: {found}")
        if "install_requires" in found:
            value = found["install_requires"]
            requires = _lines(value) if isinstance(value, str) else value
        if "extras_require" in found:
            value = found["extras_require"]
            if not isinstance(value, Mapping):
                return _not_read("setup.py: extras_require is not a dict")
            optional = {str(k): _lines(v) if isinstance(v, str) else v
                        for k, v in value.items()}
        sources.append("setup.py")
    if not sources:
        return _not_read("it has no setup.py, setup.cfg or [project] table")
    return _requirements(requires, optional, " and ".join(sources), python)


def _cfg_requirements(value: str) -> list[str]:
    """setuptools' ``_parse_requirements_list``: one a line (else ``;``-separated), comment
    lines dropped."""
    items = value.splitlines() if "\n" in value else value.split(";")
    return [i.strip() for i in items if i.strip() and not i.strip().startswith("#")]


def _lines(value: str) -> list[str]:
    """A requirements string as setuptools reads it: one a line, comments dropped."""
    out = [line.split(" #")[0].strip() for line in value.splitlines()]
    return [line for line in out if line and not line.startswith("#")]


_KEYWORDS = ("install_requires", "extras_require")


def _setup_keywords(text: str) -> dict[str, Any] | str:
    """The literal install_requires/extras_require of setup.py's one ``setup()`` call, or
    why they cannot be read."""
    try:
        module = ast.parse(text)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return "it does not parse"
    setup_names = _setup_names(module)
    calls = [n for n in ast.walk(module) if isinstance(n, ast.Call) and _is_setup(n, setup_names)]
    if len(calls) != 1:
        return (f"{len(calls)} calls of setuptools' setup()" if calls
                else "no call of setuptools' setup() that permpip can read")
    [call] = calls
    if any(isinstance(a, ast.Starred) for a in call.args) or any(
            k.arg is None for k in call.keywords):
        return f"setup() at line {call.lineno} takes *args or **kwargs"
    literals = _top_level_literals(module)
    out: dict[str, Any] = {}
    for k in call.keywords:
        if k.arg not in _KEYWORDS:
            continue
        value = k.value
        if isinstance(value, ast.Name) and value.id in literals:
            out[k.arg] = literals[value.id]
            continue
        try:
            out[k.arg] = ast.literal_eval(value)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return f"{k.arg} at line {value.lineno} is computed"
    return out


def _setup_names(module: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(module):
        if isinstance(node, ast.ImportFrom) and node.module in ("setuptools", "distutils.core"):
            names.update(a.asname or a.name for a in node.names if a.name == "setup")
    return names


def _is_setup(call: ast.Call, names: set[str]) -> bool:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id in names
    return (isinstance(func, ast.Attribute) and func.attr == "setup"
            and isinstance(func.value, ast.Name) and func.value.id in ("setuptools",))


def _top_level_literals(module: ast.Module) -> dict[str, Any]:
    """Names assigned a literal once at the top level and used once more (as a keyword of
    setup(), the caller's case): never appended to, changed or reassigned."""
    uses: dict[str, int] = {}
    for node in ast.walk(module):
        if isinstance(node, ast.Name):
            uses[node.id] = uses.get(node.id, 0) + 1
    out: dict[str, Any] = {}
    for stmt in module.body:
        if (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name) and uses[stmt.targets[0].id] == 2):
            try:
                out[stmt.targets[0].id] = ast.literal_eval(stmt.value)
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                continue
    return out


def standin_metadata(name: str, version: str, found: SdistRequires) -> str:
    """METADATA of the wheel that stands in for the sdist while the resolver runs."""
    assert found.requires is not None
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    if found.requires_python:
        lines.append(f"Requires-Python: {found.requires_python}")
    lines += [f"Provides-Extra: {e}" for e in found.extras]
    lines += [f"Requires-Dist: {r}" for r in found.requires]
    return "\n".join(lines) + "\n\n"


__all__ = ["SdistRequires", "read_requires", "standin_metadata"]
