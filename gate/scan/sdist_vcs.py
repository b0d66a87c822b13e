"""Version control at build time: metadata directories (.git, .hg, ...) anywhere in the
tree, and the setuptools-scm / hatch-vcs / hatch version hook / pdm scm options that steer
the version-control commands, import code or write a file from a template."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from packaging.utils import canonicalize_name

from gate._tomlpos import KeyPath
from gate.model import Finding
from gate.scan.sdist_tree import _Config, _dig, _fold, _hook, _inside, _norm_key, _toml_line, _Tree

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
