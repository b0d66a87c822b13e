"""Build files: CMake, Meson, Make, autoconf, SCons, Bazel, Cargo; the evidence is the
first construct that runs a command, else the file."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from typing import Any

from gate.model import Finding
from gate.scan.sdist_tree import _dig, _hook, _norm_path, _source, _toml_line, _Tree

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
