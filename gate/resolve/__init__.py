"""resolve: the input -> pins (name, version, URL, sha256, wheel or sdist).

    resolve(options, target, *, cwd, input_path=None, on_sdist) -> Resolution

Lockfiles need no resolution step: a hashed requirements file, pylock.toml, uv.lock.
Anything else is resolved by pip (``resolve/pip.py``) or uv (``resolve/uv.py``), wheels
only. When a requirement has no usable wheel, its newest matching sdist is looked up on the
index and handed to ``on_sdist(pin) -> Path``, which must fetch, scan and approve it (or
raise) and return the wheel it built; resolution then continues with that wheel on a
find-links directory.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from packaging.utils import canonicalize_name

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

__all__ = ["Resolution", "SdistHandler", "Target", "find_default_input", "resolve"]

MAX_BUILDS = 25


@dataclass(frozen=True, kw_only=True, slots=True)
class Resolution:
    pins: tuple[Pin, ...]
    local_projects: tuple[str, ...] = ()  # the user's own projects: installed, not gated
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
    return Resolution(pins=tuple(locked.pins), local_projects=tuple(locked.local_projects),
                      locked=True)


def resolve(options: GateOptions, target: Target, *, cwd: Path, input_path: Path | None,
            on_sdist: SdistHandler, env: Mapping[str, str] | None = None) -> Resolution:
    """``input_path``: ``check``'s INPUT; for ``install`` the requirements in ``options``."""
    if input_path is not None:
        path = input_path if input_path.is_absolute() else cwd / input_path
        locked = _lockfile(path, options, target, cwd)
        if locked is not None:
            return locked
        options = replace(options, pip_options=(
            *options.pip_options, PipOption(name="-r", value=str(path), step=Step.RESOLVE)))
    else:
        files = options.requirement_files
        if files and not options.requirements and not options.editables:
            results = [_lockfile(cwd / f, options, target, cwd) for f in files]
            if all(r is not None for r in results):
                return Resolution(
                    pins=tuple(p for r in results if r for p in r.pins),
                    local_projects=tuple(lp for r in results if r for lp in r.local_projects),
                    locked=True)
        if not (files or options.requirements or options.editables):
            raise UsageError("nothing to install: give requirements, -r FILE or -e PATH")
    return _resolve_with_builds(options, target, on_sdist=on_sdist, env=env)


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
            return Resolution(pins=tuple(result.pins),
                              local_projects=tuple(result.local_projects))
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
