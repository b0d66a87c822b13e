"""resolve: the input -> pins (name, version, URL, sha256, wheel or sdist).

    resolve(options, target, *, cwd, input_path=None, on_sdist) -> Resolution

Lockfiles need no resolution step: a hashed requirements file, pylock.toml, uv.lock.
Anything else is resolved by pip (``resolve/pip.py``) or uv (``resolve/uv.py``), wheels
only. When a requirement has no usable wheel, its newest matching sdist is looked up on the
index and handed to ``on_sdist(pin) -> Path``, which must fetch, scan and approve it (or
raise) and return the wheel it built; resolution then continues with that wheel on a
find-links directory.

The user's own projects (``.``, ``./path[extra]``, ``-e .``, ``file:///dir``) never reach
pip's resolver (it would build them, running build requirements fetched unscanned): their
pyproject.toml is read statically (``gate.build.read_local_project``), their dependencies
are resolved as ordinary requirements and they come back in ``Resolution.local_projects``
with their build requirements, which the caller resolves, scans and approves before
installing them. A requirements file that names a local project is refused: name it on the
command line instead.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from gate.build import LocalProject, read_local_project
from gate.cli.options import Backend, GateOptions, PipOption, Step
from gate.errors import ResolveError, UsageError
from gate.model import Pin, normalize
from gate.resolve.index import client_for, newest_sdist
from gate.resolve.lockfile import (
    pins_from_hashed,
    read_hashed_requirements,
    read_pylock,
    read_uv_lock,
)
from gate.resolve.pip import NoWheel, Resolved, resolve_pip
from gate.resolve.target import Target
from gate.resolve.uv import resolve_uv

SdistHandler = Callable[[Pin], Path]

__all__ = ["LocalProject", "Resolution", "SdistHandler", "Target", "find_default_input",
           "resolve", "split_local_projects"]

MAX_BUILDS = 25


@dataclass(frozen=True, kw_only=True, slots=True)
class Resolution:
    pins: tuple[Pin, ...]
    local_projects: tuple[LocalProject, ...] = ()  # the user's own: installed, not gated
    locked: bool = False  # read from a lockfile: the set is complete as pinned


def find_default_input(cwd: Path) -> Path:
    for pattern in ("pylock.toml", "pylock.*.toml", "uv.lock", "requirements.txt"):
        found = sorted(cwd.glob(pattern))
        if found:
            return found[0]
    raise UsageError(f"no pylock.toml, uv.lock or requirements.txt in {cwd}",
                     hint="name the input: permpip check requirements.txt")


def _is_pylock(path: Path) -> bool:
    return path.name == "pylock.toml" or (path.name.startswith("pylock.")
                                          and path.suffix == ".toml")


def _lockfile(path: Path, options: GateOptions, target: Target, cwd: Path) -> Resolution | None:
    if not path.is_file():
        raise UsageError(f"no such file: {path}")
    if _is_pylock(path):
        locked = read_pylock(path, cwd=cwd, target=target)
    elif path.name == "uv.lock":
        locked = read_uv_lock(path, cwd=cwd, target=target)
    else:
        hashed = read_hashed_requirements(path, cwd=cwd, target=target)
        if not hashed.has_hashes:
            return None
        return Resolution(pins=tuple(pins_from_hashed(hashed, options=options, target=target)),
                          locked=True)
    local = tuple(read_local_project(Path(p), shown=_shown(Path(p), cwd), with_dependencies=False)
                  for p in locked.local_projects)
    return Resolution(pins=tuple(locked.pins), local_projects=local, locked=True)


def resolve(options: GateOptions, target: Target, *, cwd: Path, input_path: Path | None,
            on_sdist: SdistHandler, env: Mapping[str, str] | None = None) -> Resolution:
    """``input_path``: ``check``'s INPUT; for ``install`` the requirements in ``options``."""
    for file in ([input_path] if input_path is not None
                 else [Path(f) for f in options.requirement_files]):
        _refuse_local_lines(file if file.is_absolute() else cwd / file, cwd)
    options, local = split_local_projects(options, cwd)
    if input_path is not None:
        path = input_path if input_path.is_absolute() else cwd / input_path
        locked = _lockfile(path, options, target, cwd)
        if locked is not None:
            return locked
        options = replace(options, pip_options=(
            *options.pip_options, PipOption(name="-r", value=str(path), step=Step.RESOLVE)))
    else:
        files = options.requirement_files
        if files and not options.requirements and not local:
            results = [_lockfile(cwd / f, options, target, cwd) for f in files]
            if all(r is not None for r in results):
                return Resolution(
                    pins=tuple(p for r in results if r for p in r.pins),
                    local_projects=tuple(lp for r in results if r for lp in r.local_projects),
                    locked=True)
        if not (files or options.requirements or local):
            raise UsageError("nothing to install: give requirements, -r FILE or -e PATH")
        if not (files or options.requirements):  # only the user's own, needing nothing
            return Resolution(pins=(), local_projects=local)
    res = _resolve_with_builds(options, target, on_sdist=on_sdist, env=env)
    return replace(res, local_projects=local)


# -- the user's own projects --------------------------------------------------------------

_EXTRAS = re.compile(r"^(?P<path>.+?)(?:\[(?P<extras>[^\]]*)\])?$")


def _shown(path: Path, cwd: Path) -> str:
    try:
        rel = path.resolve().relative_to(cwd.resolve())
    except ValueError:
        return str(path)
    return "." if str(rel) == "." else f"./{rel}"


def _looks_like_path(spec: str) -> bool:
    """pip's rule: a path has a separator or starts with a dot (``.``, ``./x``, ``../x``)."""
    return spec.startswith(".") or "/" in spec or (os.altsep or "/") in spec or os.sep in spec


def _local_dir(spec: str, cwd: Path) -> tuple[Path, list[str]] | None:
    """(directory, extras) when ``spec`` names a local source tree, else None."""
    spec = spec.strip()
    if spec.startswith("file:"):
        path = Path(urllib.request.url2pathname(urlsplit(spec).path))
        return (path, []) if path.is_dir() else None
    try:
        req = Requirement(spec)
    except InvalidRequirement:
        req = None
    if req is not None and req.url and req.url.startswith("file:"):
        path = Path(urllib.request.url2pathname(urlsplit(req.url).path))
        return (path, sorted(req.extras)) if path.is_dir() else None
    if req is not None and not _looks_like_path(spec):
        return None
    m = _EXTRAS.match(spec)
    if m is None or not _looks_like_path(m["path"]):
        return None
    path = Path(m["path"]).expanduser()
    path = path if path.is_absolute() else cwd / path
    if path.is_file():
        return None  # a wheel or sdist file: pip reads it, permpip gates it like any other
    if not path.is_dir():
        raise UsageError(f"{m['path']}: no such project directory")
    extras = [e.strip() for e in (m["extras"] or "").split(",") if e.strip()]
    return path, extras


def split_local_projects(options: GateOptions,
                         cwd: Path) -> tuple[GateOptions, tuple[LocalProject, ...]]:
    """Take the user's own projects out of ``options``; their static dependencies go in."""
    local: list[LocalProject] = []
    requirements: list[str] = []
    with_deps = not options.flag("--no-deps")
    for spec in options.requirements:
        found = _local_dir(spec, cwd)
        if found is None:
            requirements.append(spec)
            continue
        local.append(read_local_project(found[0], shown=_shown(found[0], cwd),
                                        extras=found[1], with_dependencies=with_deps))
    kept: list[PipOption] = []
    for o in options.pip_options:
        if o.name not in ("-e", "--editable"):
            kept.append(o)
            continue
        value = o.value or ""
        found = _local_dir(value, cwd) if "://" not in value or value.startswith("file:") \
            else None
        if found is None:
            raise UsageError(f"-e {value}: only a local project directory can be installed "
                             "editable (VCS and URL requirements are not supported)")
        local.append(read_local_project(found[0], shown=_shown(found[0], cwd),
                                        extras=found[1], editable=True,
                                        with_dependencies=with_deps))
    if not local:
        return options, ()
    requirements += [d for p in local for d in p.dependencies]
    return replace(options, pip_options=tuple(kept),
                   requirements=tuple(dict.fromkeys(requirements))), tuple(local)


def _requirement_lines(path: Path, depth: int = 0) -> Iterator[tuple[Path, int, str]]:
    """(file, line number, logical line) of a requirements file and the ones it includes."""
    if depth > 10 or not path.is_file():
        return  # the reader that follows reports it
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        no, line = i + 1, re.sub(r"(^|\s)#.*$", "", lines[i]).strip()
        while line.endswith("\\") and i + 1 < len(lines):
            i += 1
            line = line[:-1] + " " + re.sub(r"(^|\s)#.*$", "", lines[i]).strip()
        i += 1
        m = re.match(r"^(-r|--requirement)(?:\s*=\s*|\s+)(\S+)", line)
        if m:
            yield from _requirement_lines(path.parent / m.group(2), depth + 1)
        elif line:
            yield path, no, line


def _refuse_local_lines(path: Path, cwd: Path) -> None:
    """A requirements file naming the user's own project: refused before pip could build it."""
    if _is_pylock(path) or path.name == "uv.lock":
        return
    for file, no, line in _requirement_lines(path):
        m = re.match(r"^(-e|--editable)(?:\s*=\s*|\s+)(\S+)", line)
        spec = m.group(2) if m else None if line.startswith("-") else line.split(" --")[0]
        if spec is None:
            continue
        try:
            local = m is not None or _local_dir(spec, file.parent) is not None
        except UsageError:
            local = False  # no such directory: pip reports it, building nothing
        if local:
            raise UsageError(f"{_shown(file, cwd).removeprefix('./')}:{no}: {line}: permpip "
                             "gates your own project only when it is named on the command line",
                             hint="take the line out and name the project: permpip install "
                                  f"-r {path.name} {'-e ' if m else ''}{spec}")


def _resolve_with_builds(options: GateOptions, target: Target, *, on_sdist: SdistHandler,
                         env: Mapping[str, str] | None) -> Resolution:
    resolver = resolve_uv if options.backend is Backend.UV else resolve_pip
    wheelhouse = Path(tempfile.mkdtemp(prefix="permpip-built-"))
    built: set[str] = set()
    try:
        for _ in range(MAX_BUILDS):
            links = [str(wheelhouse)] if built else []
            try:
                result: Resolved = resolver(options, target, extra_find_links=links, env=env)
            except NoWheel as missing:
                name = canonicalize_name(missing.requirement.name)
                if name in built:
                    raise ResolveError(f"{name}: the wheel built from its sdist does not fit "
                                       "this interpreter or the requirements",
                                       stderr=missing.stderr) from None
                sdist = _find_sdist(missing, options, target)
                wheel = on_sdist(sdist)
                shutil.copy2(wheel, wheelhouse / wheel.name)
                built.add(name)
                continue
            if result.local_projects:  # fail closed: pip saw a source tree after all
                raise ResolveError(f"{result.local_projects[0]}: a local project reached the "
                                   "resolver; name your own project on the command line")
            return Resolution(pins=tuple(result.pins))
        raise ResolveError(f"more than {MAX_BUILDS} packages need building from sdists")
    finally:
        shutil.rmtree(wheelhouse, ignore_errors=True)


def _find_sdist(missing: NoWheel, options: GateOptions, target: Target) -> Pin:
    req = missing.requirement
    client = client_for(options)
    sdist = newest_sdist(client.files(req.name), req, target, pre=options.flag("--pre"))
    if sdist is None:
        lines = [ln for ln in missing.stderr.strip().splitlines() if ln.strip()]
        raise ResolveError(f"no wheel and no sdist found for {req}",
                           stderr=missing.stderr, hint=lines[-1].strip() if lines else None)
    nv = sdist.name_version()
    assert nv is not None  # newest_sdist only returns parsable names
    if not sdist.sha256:
        raise ResolveError(f"{sdist.filename}: the index gives no sha256 for it")
    return Pin(name=normalize(nv[0]), version=str(nv[1]), url=sdist.url,
               filename=sdist.filename, sha256=sdist.sha256, is_wheel=False,
               source=f"sdist for {req} (no usable wheel)")
