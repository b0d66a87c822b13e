"""Approved sdist builds: only for a package whose policy grants ``install-hooks``.

The sdist has been fetched, verified, scanned and allowed; its build requirements have been
resolved (wheels only), fetched, scanned and allowed too. The build runs pip's PEP 517
frontend on exactly those files (``--no-index --find-links``), in a throwaway directory
(cwd, HOME and TMPDIR), and on Linux without network: in new user and network namespaces
(``unshare -rn``). If the namespaces cannot be made the build is refused: fail closed.

``build_cached`` keeps the built wheel in permpip's cache (``Cache.put_build``) under a key
of everything that makes the build's result (``build_key``): the sdist's sha256 and name, the
name and sha256 of every build requirement file the build can use, the target's tags,
marker environment and base prefix, and this builder's version (this module and the pip
that runs the build). Builds take no config settings (permpip passes none), so none are in
the key. Like pip's wheel cache, the key does not hold the environment variables a backend
may read (``CFLAGS`` ...): ``--no-cache`` builds afresh. A wheel read back from the cache is
verified against the sha256 recorded when it was built; one that does not match is dropped
and the sdist built again. Either way the wheel is scanned and judged like any other before
it is installed (``gate.run``).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import sys
import tempfile
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from gate import _subprocess
from gate.cache import Cache, file_sha256
from gate.errors import GateError, ResolveError, ScanError, UsageError

if TYPE_CHECKING:  # gate.resolve imports this module
    from gate.resolve.target import Target

LEGACY_REQUIRES = ["setuptools>=40.8.0"]  # PEP 517's default for a tree without [build-system]
MAX_PYPROJECT = 1 << 20


class BuildError(GateError):
    """An approved sdist could not be built (exit 3)."""


def build_requirements(sdist: Path) -> list[str]:
    """``[build-system].requires`` of the sdist (PEP 517's setuptools default without it),
    from pyproject.toml as the scan read it and pip will: a link followed to the file it
    leads to, the name found as a case-insensitive file system finds it, universal
    newlines (gate.scan.sdist.read_pyproject)."""
    from gate.scan.sdist import read_pyproject  # gate.scan.sdist imports this module

    try:
        text = read_pyproject(sdist)
    except ScanError as exc:
        raise BuildError(f"unreadable sdist: {exc}") from None
    if text is None:
        return list(LEGACY_REQUIRES)
    if len(text) > MAX_PYPROJECT:
        raise BuildError(f"{sdist.name}: pyproject.toml is larger than {MAX_PYPROJECT} bytes")
    try:
        table = tomllib.loads(text).get("build-system")
    except tomllib.TOMLDecodeError as exc:
        raise BuildError(f"{sdist.name}: unreadable pyproject.toml: {exc}") from None
    if not isinstance(table, dict):
        return list(LEGACY_REQUIRES)
    requires = table.get("requires", LEGACY_REQUIRES)
    if not isinstance(requires, list) or not all(isinstance(r, str) for r in requires):
        raise BuildError(f"{sdist.name}: [build-system].requires is not a list of strings")
    return list(requires)


def _isolation() -> list[str]:
    if not sys.platform.startswith("linux"):
        return []
    unshare = shutil.which("unshare")
    if unshare:
        done = _subprocess.run([unshare, "-rn", "true"], timeout=30)
        if done.returncode == 0:
            return [unshare, "-rn"]  # -r: map us to root in a user ns; -n: no network
    raise BuildError("cannot build without network: `unshare -rn` is not available",
                     hint="allow unprivileged user namespaces, or install a wheel instead")


def build_wheel(sdist: Path, filename: str, *, target: Target, build_deps: Path,
                out_dir: Path) -> Path:
    """Build ``sdist`` (cached bytes, named ``filename``) into one wheel in ``out_dir``."""
    with tempfile.TemporaryDirectory(prefix="permpip-build-") as tmp:
        work = Path(tmp)
        src = work / filename
        shutil.copyfile(sdist, src)
        wheels = work / "wheels"
        # No pip configuration anywhere: --isolated alone still reads the site file
        # (<target>/pip.conf), the global ones (XDG_CONFIG_DIRS, /etc) and PIP_CONFIG_FILE,
        # and pip's build-dependency subprocess is not isolated at all. PIP_CONFIG_FILE set
        # to os.devnull makes pip (and the subprocess, which inherits it) read none.
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("PIP_", "_PIP_", "PYTHON", "XDG_", "UV_"))}
        env.update(HOME=str(work), TMPDIR=str(work), PIP_NO_INPUT="1",
                   PIP_CONFIG_FILE=os.devnull, XDG_CONFIG_HOME=str(work / ".config"),
                   XDG_CONFIG_DIRS=str(work / ".config-dirs"))
        argv = [*_isolation(), sys.executable, "-m", "pip", "--python", target.python,
                "wheel", "--isolated",  # only the files below: no user index or config
                "--no-index", "--find-links", str(build_deps),  # the verified build deps
                "--no-deps", "--no-cache-dir", "--disable-pip-version-check",
                "--wheel-dir", str(wheels), str(src)]
        done = _subprocess.run(argv, env=env, cwd=work, timeout=3600)
        built = sorted(wheels.glob("*.whl")) if wheels.is_dir() else []
        if done.returncode != 0 or len(built) != 1:
            raise BuildError(f"building {filename} failed", hint=failure_hint(done.stderr))
        out_dir.mkdir(parents=True, exist_ok=True)
        dest = out_dir / built[0].name
        shutil.copyfile(built[0], dest)
        return dest


@functools.cache
def builder_version() -> str:
    """Changes when the way permpip builds changes: this module, or the pip that builds."""
    from pip import __version__ as pip_version

    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(pip_version.encode())
    return digest.hexdigest()[:16]


def build_key(sdist: Path, filename: str, *, target: Target, build_deps: Path) -> str:
    """What the wheel built from ``sdist`` with ``build_deps`` for ``target`` depends on."""
    deps = sorted((p.name, file_sha256(p)) for p in build_deps.iterdir() if p.is_file())
    what = json.dumps({"builder": builder_version(), "sdist": [filename, file_sha256(sdist)],
                       "requires": deps, "tags": [str(t) for t in target.tags],
                       "environment": target.environment, "base_prefix": target.base_prefix},
                      sort_keys=True)
    return hashlib.sha256(what.encode()).hexdigest()


def build_cached(cache: Cache, sdist: Path, filename: str, *, target: Target,
                 build_deps: Path) -> tuple[str, Path, bool]:
    """(sha256, cached path, reused) of the wheel built from ``sdist``: the one built
    earlier under the same ``build_key`` when the cache holds it intact, else a new build."""
    key = build_key(sdist, filename, target=target, build_deps=build_deps)
    if (hit := cache.get_build(key)) is not None:
        return (*hit, True)
    with tempfile.TemporaryDirectory(prefix="permpip-built-") as out:
        wheel = build_wheel(sdist, filename, target=target, build_deps=build_deps,
                            out_dir=Path(out))
        return (*cache.put_build(key, wheel), False)


def failure_hint(stderr: str) -> str | None:
    """Why pip's build failed, in one line: the backend's last line of output (pip frames
    it between ``[N lines of output]`` and ``[end of output]``), else pip's last line that
    is not one of its generic notes (``hint: See above for details.``)."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    ends = [i for i, ln in enumerate(lines) if ln == "[end of output]"]
    if ends and ends[-1] > 0 and not lines[ends[-1] - 1].endswith("lines of output]"):
        return lines[ends[-1] - 1]
    generic = [ln for ln in lines if not ln.lower().startswith(("hint:", "note:"))]
    return generic[-1] if generic else (lines[-1] if lines else None)


# -- the user's own project: read statically, never built to learn what it needs ----------

@dataclass(frozen=True, kw_only=True, slots=True)
class LocalProject:
    """The user's own project (``.``, ``-e .``, ``./path``): installed as it is, not gated.

    What it needs from others is gated: ``build_requires`` (run when pip builds it) and
    ``dependencies`` (with the requested extras), both read from pyproject.toml without
    running anything.
    """

    path: Path
    name: str
    editable: bool = False
    shown: str  # its pyproject.toml (or setup.py) as messages show it
    requires_line: int  # where [build-system].requires is written (1 when defaulted)
    build_requires: tuple[str, ...]
    dependencies: tuple[str, ...] = ()


def _dynamic_error(name: str, shown: str, what: str) -> GateError:
    return ResolveError(
        f"{name}: [project].{what} is not static in {shown}; permpip cannot gate what it "
        "needs without running its build backend",
        hint="list them in [project] of pyproject.toml, or put them in a requirements file "
             "for `permpip install -r` and install the project alone with "
             "`pip install --no-deps --no-build-isolation .`")


def read_local_project(path: Path, *, shown: str, extras: Sequence[str] = (),
                       editable: bool = False, with_dependencies: bool = True) -> LocalProject:
    """Read ``path``'s pyproject.toml (PEP 517/518/621) statically; fail closed."""
    if not path.is_dir():
        raise UsageError(f"{shown}: no such project directory")
    pyproject = path / "pyproject.toml"
    if not pyproject.is_file():
        if not (path / "setup.py").is_file():
            raise UsageError(f"{shown}: not a Python project (no pyproject.toml or setup.py)")
        if with_dependencies:
            raise _dynamic_error(path.name, f"{shown}/setup.py", "dependencies")
        return LocalProject(path=path, name=path.name, editable=editable,
                            shown=f"{shown}/setup.py", requires_line=1,
                            build_requires=tuple(LEGACY_REQUIRES))
    where = f"{shown}/pyproject.toml"
    try:
        text = pyproject.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"cannot read {where}: {exc}") from None
    build = data.get("build-system", {})
    requires = build.get("requires", LEGACY_REQUIRES) if isinstance(build, dict) else None
    if not isinstance(requires, list) or not all(isinstance(r, str) for r in requires):
        raise UsageError(f"{where}: [build-system].requires is not a list of strings")
    project = data.get("project")
    name = project.get("name") if isinstance(project, dict) else None
    name = name if isinstance(name, str) else path.name
    deps: tuple[str, ...] = ()
    if with_dependencies:
        deps = static_dependencies(project, name, where, extras)
    return LocalProject(path=path, name=name, editable=editable, shown=where,
                        requires_line=_requires_line(text), build_requires=tuple(requires),
                        dependencies=deps)


def _requires_line(text: str) -> int:
    """The line of ``requires`` in ``[build-system]`` (1 when it is not written)."""
    table = ""
    for no, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("["):
            table = stripped.strip("[] \t")
        elif table == "build-system" and stripped.split("=")[0].strip() == "requires":
            return no
    return 1


def static_dependencies(project: object, name: str, where: str,
                         extras: Sequence[str]) -> tuple[str, ...]:
    if not isinstance(project, dict):
        raise _dynamic_error(name, where, "dependencies")
    dynamic = project.get("dynamic", [])
    if "dependencies" in dynamic:
        raise _dynamic_error(name, where, "dependencies")
    optional = project.get("optional-dependencies", {})
    if extras and "optional-dependencies" in dynamic:
        raise _dynamic_error(name, where, "optional-dependencies")
    if not isinstance(optional, dict):
        raise UsageError(f"{where}: [project].optional-dependencies is not a table")
    groups = {canonicalize_name(k): v for k, v in optional.items()}
    out: list[str] = []
    todo: list[tuple[str, object]] = [("dependencies", project.get("dependencies", []))]
    seen: set[str] = set()
    for extra in extras:
        group = canonicalize_name(extra)
        if group not in groups:
            known = ", ".join(sorted(groups)) or "none"
            raise UsageError(f"{name} has no extra '{extra}' (its extras: {known})")
        todo.append((f"optional-dependencies.{extra}", groups[group]))
        seen.add(group)
    while todo:
        key, value = todo.pop(0)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise UsageError(f"{where}: [project].{key} is not a list of strings")
        for spec in value:
            try:
                req = Requirement(spec)
            except InvalidRequirement as exc:
                first = (str(exc).strip().splitlines() or ["invalid"])[0]  # no caret lines
                raise UsageError(f"{where}: [project].{key}: invalid requirement {spec!r}: "
                                 f"{first}") from None
            if canonicalize_name(req.name) == canonicalize_name(name):  # name[extra]: itself
                for extra in sorted(canonicalize_name(e) for e in req.extras):
                    if extra in groups and extra not in seen:
                        seen.add(extra)
                        todo.append((f"optional-dependencies.{extra}", groups[extra]))
                continue
            if req.url and not req.url.split("#")[0].endswith(".whl"):
                raise UsageError(f"{where}: [project].{key}: {spec}: only a wheel URL can be "
                                 "gated (a source tree or sdist would be built to resolve it)")
            out.append(spec)
    return tuple(dict.fromkeys(out))
