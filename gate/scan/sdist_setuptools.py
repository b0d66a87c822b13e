"""setuptools (and pbr): settings of setup.py, setup.cfg, [tool.setuptools] and
[tool.distutils] that run the package's code or a program of its choosing while building
(cmdclass, ``attr:`` that is not read statically, command packages, aliases and options,
compiler and SWIG arguments, Rust extensions), and what the legacy backend loads from the
source tree it puts on sys.path (entry points, shadowing modules)."""

from __future__ import annotations

import ast
import configparser
import posixpath
import re
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from gate._tomlpos import KeyPath
from gate.model import Finding
from gate.scan.sdist_backend import _admissible, _requires
from gate.scan.sdist_tree import (
    _cfg_dict,
    _cfg_line,
    _cfg_list,
    _Config,
    _dig,
    _dir_exists,
    _fold,
    _hook,
    _inside,
    _line_of,
    _norm_key,
    _norm_path,
    _parse,
    _source,
    _toml_line,
    _Tree,
)


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
