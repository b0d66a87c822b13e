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

A requirement that names one file (``./x-1.0.tar.gz``, ``x @ https://.../x-1.0.tar.gz``,
``https://...#sha256=...``, ``file:///...``) on the command line or in a requirements file:
a wheel is resolved by pip like any other (and fetched, verified and scanned from its pin);
an sdist never reaches the resolver (it would build it): permpip reads or downloads it,
checks the URL's ``#sha256=`` (or other hash) fragment, and hands it to ``on_sdist`` before
resolving; the wheel built from it is then resolved as ``name @ file:///built.whl``.
Requirements files holding such lines are read as one flattened copy without them.
VCS requirements (``git+https://...``) are refused: pip would run their build backend.

``--no-binary`` (command line, pip's or uv's configuration and environment, requirement or
constraint files; pip's precedence with ``--only-binary``): every resolved package it names
is rebuilt from its sdist of the same version, each through ``on_sdist`` (scanned, needing
``install-hooks``), and resolution runs again with those wheels. pip and uv themselves
always resolve wheels only.

What pip or uv would read besides the command line (configuration files of the target,
``PIP_*``/``UV_*`` variables, requirement and constraint files at any depth and by URL,
dependency groups, script metadata) is read by permpip (``gate.resolve.reqfile``) or refused
with one line; the resolver then runs hermetically on one flattened requirements file, one
flattened constraints file and explicit options. A constraint may pin versions or a wheel;
one naming an sdist, a directory or a VCS URL is refused (pip would build it).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from packaging.markers import InvalidMarker, Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import InvalidSdistFilename, canonicalize_name, parse_sdist_filename

from gate.build import LocalProject, read_local_project, static_dependencies
from gate.cache import file_sha256
from gate.errors import FetchError, ResolveError, UsageError
from gate.fetch import HttpSettings, http_get, make_session, url2pathname
from gate.model import Pin, normalize
from gate.options import Backend, GateOptions, PipOption, Step
from gate.resolve.index import allows_prereleases, client_for, index_urls, newest_sdist
from gate.resolve.lockfile import (
    HashedFile,
    add_hashed_entry,
    invalid_requirement,
    pins_from_hashed,
    read_pylock,
    read_uv_lock,
)
from gate.resolve.parsed import ParsedCache
from gate.resolve.pip import NoWheel, Resolved, resolve_pip
from gate.resolve.reqfile import (
    FormatControl,
    Inputs,
    ReqLine,
    read_files,
    read_settings,
    write_flat,
)
from gate.resolve.target import Target
from gate.resolve.uv import resolve_uv

SdistHandler = Callable[[Pin], Path]
SettingsHandler = Callable[[GateOptions], None]

__all__ = ["FormatControl", "LocalProject", "Resolution", "SdistHandler", "SettingsHandler",
           "Target", "build_options", "find_default_input", "is_project_input",
           "project_requirements", "resolve", "split_local_projects"]

PYPROJECT = "pyproject.toml"

MAX_BUILDS = 25


@dataclass(frozen=True, kw_only=True, slots=True)
class Resolution:
    pins: tuple[Pin, ...]
    local_projects: tuple[LocalProject, ...] = ()  # the user's own: installed, not gated
    locked: bool = False  # read from a lockfile: the set is complete as pinned
    # installed distributions ``permpip install`` keeps as they are: (name, version), those
    # whose files the indexes no longer serve (unscanned) ...
    satisfied: tuple[tuple[str, str], ...] = ()
    # ... and those pinned with the set: fetched, scanned, compared with the installed copy
    kept: tuple[tuple[str, str], ...] = ()


def find_default_input(cwd: Path) -> Path:
    """The input when none is named: a lockfile, else requirements.txt, else pyproject.toml
    when it has a ``[project]`` table (its dependencies: ``project_requirements``)."""
    for pattern in ("pylock.toml", "pylock.*.toml", "uv.lock", "requirements.txt"):
        found = sorted(cwd.glob(pattern))
        if found:
            return found[0]
    pyproject = cwd / PYPROJECT
    if pyproject.is_file() and isinstance(_read_toml(pyproject, PYPROJECT).get("project"),
                                          dict):
        return pyproject
    raise UsageError(f"no pylock.toml, uv.lock, requirements.txt or pyproject.toml with a "
                     f"[project] table in {cwd}",
                     hint="name the input: permpip check requirements.txt")


def is_project_input(path: Path | None) -> bool:
    """An INPUT named pyproject.toml: the project's dependencies, as ``uv pip install -r
    pyproject.toml`` reads them (not the project itself, nor its build requirements)."""
    return path is not None and path.name == PYPROJECT


def _read_toml(path: Path, shown: str) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"cannot read {shown}: {exc}") from None


def project_requirements(path: Path, options: GateOptions, *, cwd: Path) -> tuple[str, ...]:
    """``[project].dependencies`` of the pyproject.toml at ``path``, with the optional
    dependencies of ``options.extras`` (``--all-extras``: every extra); read statically,
    refused where they are dynamic (``gate.build``'s reader of the user's own project)."""
    shown = _shown(path, cwd).removeprefix("./")
    if not path.is_file():
        raise UsageError(f"no such file: {shown}")
    project = _read_toml(path, shown).get("project")
    if not isinstance(project, dict):
        raise UsageError(f"{shown} has no [project] table to read dependencies from",
                         hint="name a requirements file or lockfile as the input")
    name = project.get("name") if isinstance(project.get("name"), str) else path.parent.name
    extras = list(options.extras)
    if options.all_extras:
        dynamic = project.get("dynamic", [])
        if isinstance(dynamic, list) and "optional-dependencies" in dynamic:
            extras.append("*")  # refused below: the extras are not static
        optional = project.get("optional-dependencies", {})
        extras += [str(e) for e in optional] if isinstance(optional, dict) else []
    return static_dependencies(project, str(name), shown, extras)


def _is_pylock(path: Path) -> bool:
    return path.name == "pylock.toml" or (path.name.startswith("pylock.")
                                          and path.suffix == ".toml")


def _is_lock(name: str) -> bool:
    """A pylock.toml (pip's rule, extras and URLs included) or a uv.lock."""
    if "pylock" not in name and "uv.lock" not in name:
        return False  # neither rule can hold: pip's module (~0.05 s to import) not needed
    from pip._internal.utils.pylock import is_valid_pylock_filename
    from pip._internal.utils.urls import strip_extras

    try:
        bare = strip_extras(name)[0]
    except Exception:  # noqa: BLE001 - not a name with extras pip reads
        bare = name
    return is_valid_pylock_filename(bare) or Path(bare).name == "uv.lock"


def _lockfile(path: Path, target: Target, cwd: Path) -> Resolution:
    """A pylock.toml or uv.lock: the set as locked."""
    if not path.is_file():
        raise UsageError(f"no such file: {path}")
    if _is_pylock(path):
        locked = read_pylock(path, cwd=cwd, target=target)
    else:
        locked = read_uv_lock(path, cwd=cwd, target=target)
    local = tuple(read_local_project(Path(p), shown=_shown(Path(p), cwd), with_dependencies=False)
                  for p in locked.local_projects)
    return Resolution(pins=tuple(locked.pins), local_projects=local, locked=True)


def _hashed(inputs: Inputs, target: Target) -> Resolution:
    """Requirements with ``--hash``: a lockfile, read without resolving (every entry must be
    pinned with ``==`` and hashed, as pip's hash-checking mode wants)."""
    hashed = HashedFile()
    for line in inputs.requirements:
        add_hashed_entry(hashed, line.spec, line.hashes, line.where, target)
    return Resolution(pins=tuple(pins_from_hashed(hashed, options=inputs.options, target=target)),
                      locked=True)


# what only the first resolution reads: the requirements, and pip's rules on what is installed
_NOT_FOR_KEPT = frozenset({"-r", "--requirement", "-c", "--constraint", "-e", "--editable",
                           "-U", "--upgrade", "--upgrade-strategy", "--force-reinstall", "-I",
                           "--ignore-installed", "--no-deps", "--only-deps", "--group",
                           "--requirements-from-script"})


def _pin_kept(resolver: Callable[..., Resolved], options: GateOptions, target: Target,
              env: Mapping[str, str] | None, satisfied: Sequence[tuple[str, str]],
              ) -> tuple[list[Pin], tuple[tuple[str, str], ...]]:
    """The files of what the resolution keeps installed ("already satisfied"), so that the
    gate fetches, scans and compares them like the rest of the set: an installed copy that
    is not the scanned bytes is put back (docs/security.md). One more resolution, of exactly
    those versions, without dependencies; a version the indexes no longer serve stays kept,
    unscanned (returned second)."""
    if not satisfied:
        return [], ()
    opts = replace(options, requirements=tuple(f"{n}=={v}" for n, v in satisfied),
                   pip_options=(*(o for o in options.pip_options if o.name not in _NOT_FOR_KEPT),
                                PipOption(name="--no-deps", value=None, step=Step.RESOLVE)),
                   installing=False, positional=())
    try:
        found = resolver(opts, target, extra_find_links=[], env=env)
    except (ResolveError, NoWheel):
        return [], tuple(satisfied)
    wanted = set(satisfied)
    pins = [replace(p, requested=False) for p in found.pins if (p.name, p.version) in wanted]
    got = {(p.name, p.version) for p in pins}
    return pins, tuple(s for s in satisfied if s not in got)


def resolve(options: GateOptions, target: Target, *, cwd: Path, input_path: Path | None,
            on_sdist: SdistHandler, env: Mapping[str, str] | None = None,
            on_settings: SettingsHandler | None = None,
            memo: ParsedCache | None = None) -> Resolution:
    """``input_path``: ``check``'s INPUT, read as the first ``-r`` of the command line;
    for ``install`` the requirements in ``options``.

    ``env``: the environment pip/uv would run with (default ``os.environ``): its
    ``PIP_*``/``UV_*`` settings are read here; the resolver runs without them.

    ``on_settings(merged)``: called once, before anything is fetched, with the run's settings:
    the command line, pip's (or uv's) configuration and environment, and the option lines of
    every requirements file (``--index-url``, ``--find-links``, ``--trusted-host``, ``--pre``
    ...), merged with pip's precedence (``config_read``; no requirement sources). Every later
    fetch takes them: the sdists ``on_sdist`` downloads, their build requirements
    (``build_options``), the files of the resolved set. Not called for pylock.toml/uv.lock,
    which nothing of that changes.

    ``memo``: the parsed-requirements cache (``gate.resolve.parsed``), or None.
    """
    environ = os.environ if env is None else env
    project_only = False
    if is_project_input(input_path):
        assert input_path is not None
        deps = project_requirements(input_path if input_path.is_absolute() else cwd / input_path,
                                    options, cwd=cwd)
        options = replace(options, requirements=(*options.requirements, *deps))
        input_path, project_only = None, not deps
    elif options.extras or options.all_extras:
        raise UsageError("--extra and --all-extras select optional dependencies of a "
                         "pyproject.toml input", hint="permpip check pyproject.toml --extra NAME")
    for spec in options.requirements:
        direct_ref(spec, cwd=cwd)  # VCS, unparsable or missing files: one clear line
    alone = not (options.requirements or options.editables
                 or options.values("--group", "--requirements-from-script"))
    named = [*([(str(input_path), str(input_path))] if input_path is not None else []),
             *((f"-r {f}", f) for f in options.requirement_files)]
    locks = [Path(f) for _shown, f in named]
    if any(_is_lock(f) for _shown, f in named) and not (
            alone and all(_is_lock(f) for _shown, f in named)):
        shown, lock = next((shown, f) for shown, f in named if _is_lock(f))
        raise UsageError(f"{shown}: a lockfile is read on its own, not together with other "
                         "requirements", hint=f"check it alone: permpip check {lock}")
    if locks and all(_is_lock(str(p)) and "://" not in str(p) for p in locks):
        # pylock.toml and uv.lock are the set as locked: nothing of pip's or uv's
        # configuration changes what they hold
        results = [_lockfile(p if p.is_absolute() else cwd / p, target, cwd) for p in locks]
        return Resolution(pins=tuple(p for r in results for p in r.pins),
                          local_projects=tuple(lp for r in results for lp in r.local_projects),
                          locked=True)
    settings = read_settings(options, target_python=target.python, cwd=cwd, env=environ)
    options = settings.options
    if input_path is not None:
        path = input_path if input_path.is_absolute() else cwd / input_path
        if not path.is_file():
            raise UsageError(f"no such file: {path}")
        options = replace(options, pip_options=_first_requirement_file(options, path))
        settings = replace(settings, options=options)
    sources = [o for o in options.pip_options if o.name in ("-r", "--requirement") and o.value]
    for o in sources:
        if _is_lock(o.value or ""):
            raise UsageError(f"{o.origin or '-r ' + (o.value or '')}: a lockfile is read on its "
                             "own, not together with other requirements",
                             hint=f"check it alone: permpip check {o.value}")
    inputs = read_files(settings, cwd=cwd, env=environ,
                        target_python_version=target.environment["python_full_version"],
                        memo=memo)
    if on_settings is not None:
        on_settings(inputs.options)
    _refuse_local_lines(inputs, cwd)
    for line in inputs.constraints:
        _check_constraint(line, cwd)
    if sources and alone and any(line.hashes for line in inputs.requirements):
        return _hashed(inputs, target)
    options, local = split_local_projects(inputs.options, cwd)
    if project_only and not (inputs.requirements or options.requirements or local):
        return Resolution(pins=())  # a project without dependencies
    if not (sources or inputs.requirements or options.requirements or local):
        raise UsageError("nothing to install: give requirements, -r FILE or -e PATH")
    if not (inputs.requirements or options.requirements):  # only the user's own, or nothing
        return Resolution(pins=(), local_projects=local)
    res = _resolve_with_builds(replace(inputs, options=options), target, cwd=cwd,
                               on_sdist=on_sdist, env=env)
    return replace(res, local_projects=local)


def _first_requirement_file(options: GateOptions, path: Path) -> tuple[PipOption, ...]:
    """``options`` with ``-r path`` before the command line's other ``-r`` (after those of
    the configuration, which pip reads first): ``check INPUT -r more.txt`` reads INPUT first,
    and an ``--index-url`` line in ``more.txt`` replaces INPUT's, as pip would."""
    first = PipOption(name="-r", value=str(path), step=Step.RESOLVE)
    out = list(options.pip_options)
    at = next((i for i, o in enumerate(out) if o.name in ("-r", "--requirement")
               and o.origin is None), len(out))
    return (*out[:at], first, *out[at:])


# pip's build environment installs build requirements with these options of the run
# (``pip._internal.build_env.installer``): the indexes and find-links, release control,
# --prefer-binary, --uploaded-prior-to, --refresh-package, and the network settings
# (``Step.BOTH``). Never the run's requirement sources, constraints or --no-deps.
_BUILD_SCOPE = frozenset("""
    -i --index-url --extra-index-url -f --find-links --no-index --pre --all-releases
    --only-final --prefer-binary --uploaded-prior-to --refresh-package
""".split())


def build_options(merged: GateOptions, requires: Sequence[str]) -> GateOptions:
    """The options that resolve ``requires`` (an sdist's or a local project's build
    requirements): the run's settings as ``on_settings`` gave them (or as ``read_settings``
    merged them), restricted to what pip hands its build environment."""
    keep = [o for o in merged.pip_options if o.step is Step.BOTH or o.name in _BUILD_SCOPE]
    return replace(merged, pip_options=tuple(keep), requirements=tuple(requires),
                   config_read=True, extras=(), all_extras=False)


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
        path = Path(url2pathname(urlsplit(spec).path))
        return (path, []) if path.is_dir() else None
    try:
        req = Requirement(spec)
    except InvalidRequirement:
        req = None
    if req is not None and req.url and req.url.startswith("file:"):
        path = Path(url2pathname(urlsplit(req.url).path))
        return (path, sorted(req.extras)) if path.is_dir() else None
    if req is not None and (req.url or not _looks_like_path(spec)) or _URL.match(spec):
        return None  # a name, or a URL (a file: checked above; others are not directories)
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


def _refuse_local_lines(inputs: Inputs, cwd: Path) -> None:
    """A requirements file naming the user's own project (or a VCS checkout): refused
    before pip could build it."""
    for line in inputs.requirements:
        spec = line.spec
        if spec.lower().startswith(_VCS) or " @ " in spec and \
                spec.partition(" @ ")[2].strip().lower().startswith(_VCS):
            raise _vcs_error(spec, line.where)
        try:
            local = line.editable or _local_dir(spec, cwd) is not None
        except UsageError:
            local = False  # no such directory: pip reports it, building nothing
        if local:
            how = f"-r {Path(line.top).name} " if line.top else ""
            raise UsageError(f"{line.where}: {line.text}: permpip gates your own project only "
                             "when it is named on the command line",
                             hint="take the line out and name the project: permpip install "
                                  f"{how}{'-e ' if line.editable else ''}{spec}")


def _check_constraint(line: ReqLine, cwd: Path) -> None:
    """A constraint pins versions, or a wheel by name; pip would build anything else it names
    (an sdist, a directory, a VCS checkout) before permpip could scan it."""
    if line.editable:
        raise UsageError(f"{line.where}: {line.text}: an editable constraint is not supported "
                         "(pip would build it)")
    try:
        req: Requirement | None = Requirement(line.spec)
    except InvalidRequirement:
        req = None
    if req is not None and req.url is None:
        return
    ref = direct_ref(line.spec, cwd=cwd, where=line.where)  # VCS, bad or missing: one line
    if req is not None and ref is not None and ref.is_wheel:
        return
    hint = "pin its version instead, or name the file as a requirement so permpip scans it first"
    if ref is not None and not ref.is_wheel:
        try:
            name, version = parse_sdist_filename(ref.filename)
            hint = (f"pin its version instead ({canonicalize_name(name)}=={version}), or name "
                    "the file as a requirement so permpip scans it first")
        except InvalidSdistFilename:
            pass
    raise UsageError(f"{line.where}: {line.spec}: a constraint may pin versions or name a "
                     "wheel, not an sdist, a directory or a VCS URL (pip would build it before "
                     "permpip could scan it)", hint=hint)


def _resolve_with_builds(inputs: Inputs, target: Target, *, cwd: Path,
                         on_sdist: SdistHandler,
                         env: Mapping[str, str] | None) -> Resolution:
    resolver = resolve_uv if inputs.options.backend is Backend.UV else resolve_pip
    work = Path(tempfile.mkdtemp(prefix="permpip-resolve-"))
    wheelhouse = work / "built"
    wheelhouse.mkdir()
    built: set[str] = set()
    forced: dict[str, bool] = {}  # built for --no-binary -> requested by the user
    fc = inputs.format_control
    try:
        options, direct = _take_direct(inputs, cwd, target, work)
        if not (direct or options.requirements or options.requirement_files):
            return Resolution(pins=())  # every requirement's marker ruled it out
        added: list[str] = []
        for ref in direct:
            pin = _direct_sdist_pin(ref, options, work)
            wheel = _built(on_sdist(pin), wheelhouse)
            built.add(pin.name)
            added.append(f"{pin.name}{_extras(ref.extras)} @ {wheel.as_uri()}")
        for _ in range(MAX_BUILDS):
            opts = replace(options, requirements=(*options.requirements, *added))
            links = [str(wheelhouse)] if built else []
            try:
                result: Resolved = resolver(opts, target, extra_find_links=links, env=env)
            except NoWheel as missing:
                name = canonicalize_name(missing.requirement.name)
                if name in built:
                    raise ResolveError(f"{name}: the wheel built from its sdist does not fit "
                                       "this interpreter or the requirements",
                                       stderr=missing.stderr) from None
                _built(on_sdist(_find_sdist(missing, options, target)), wheelhouse)
                built.add(name)
                continue
            if result.local_projects:  # fail closed: pip saw a source tree after all
                raise ResolveError(f"{result.local_projects[0]}: a local project reached the "
                                   "resolver; name your own project on the command line")
            todo = [p for p in result.pins if fc.source_only(p.name) and p.name not in built]
            if not todo:
                kept, unseen = _pin_kept(resolver, opts, target, env, result.satisfied)
                return Resolution(pins=tuple(  # "name @ wheel" made it look requested
                    replace(p, requested=forced[p.name]) if p.name in forced else p
                    for p in (*result.pins, *kept)), satisfied=unseen,
                    kept=tuple((p.name, p.version) for p in kept))
            for p in todo:  # --no-binary: the same version, built from its sdist
                sdist = _find_sdist(NoWheel(Requirement(f"{p.name}=={p.version}"), ""),
                                    options, target, why="--no-binary asks for it")
                wheel = _built(on_sdist(sdist), wheelhouse)
                built.add(p.name)
                forced[p.name] = p.requested
                added.append(f"{p.name} @ {wheel.as_uri()}")
        raise ResolveError(f"more than {MAX_BUILDS} packages need building from sdists")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _built(wheel: Path, wheelhouse: Path) -> Path:
    dest = wheelhouse / wheel.name
    shutil.copy2(wheel, dest)
    return dest


def _extras(extras: Sequence[str]) -> str:
    return f"[{','.join(extras)}]" if extras else ""


def _find_sdist(missing: NoWheel, options: GateOptions, target: Target, *,
                why: str = "no usable wheel") -> Pin:
    req = missing.requirement
    client = client_for(options)
    sdist = newest_sdist(client.files(req.name), req, target,
                         pre=allows_prereleases(options, req.name))
    if sdist is None:
        lines = [ln for ln in missing.stderr.strip().splitlines() if ln.strip()]
        what = "no sdist" if missing.stderr == "" else "no wheel and no sdist"
        raise ResolveError(f"{what} found for {req}",
                           stderr=missing.stderr, hint=lines[-1].strip() if lines else None)
    nv = sdist.name_version()
    assert nv is not None  # newest_sdist only returns parsable names
    sha = sdist.sha256
    if not sha and sdist.url.startswith("file:"):  # a find-links directory: hash it now
        sha = file_sha256(Path(url2pathname(urlsplit(sdist.url).path)))
    if not sha:
        raise ResolveError(f"{sdist.filename}: the index gives no sha256 for it")
    return Pin(name=normalize(nv[0]), version=str(nv[1]), url=sdist.url,
               filename=sdist.filename, sha256=sha, is_wheel=False,
               source=f"sdist for {req} ({why})")


# -- requirements naming one file: path or URL -------------------------------------------

_VCS = ("git+", "hg+", "svn+", "bzr+")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_ARCHIVES = (".whl", ".tar.gz", ".zip", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz",
             ".tlz", ".tar.lz", ".tar.lzma", ".tar")
_VCS_HINT = ("build a wheel first (pip wheel --no-deps URL) and name the wheel file, "
             "or pin a release from the index")


@dataclass(frozen=True, kw_only=True, slots=True)
class DirectRef:
    """A requirement that names one file by path or URL instead of a name and versions."""

    spec: str  # as written
    where: str | None  # "requirements.txt:3"; None on the command line
    url: str  # file:// or http(s):// URL, without its fragment
    hashes: tuple[tuple[str, str], ...]  # from the fragment: (("sha256", "ab12..."),)
    filename: str
    name: str | None  # "name @ URL"
    extras: tuple[str, ...]
    marker: Marker | None

    @property
    def is_wheel(self) -> bool:
        return self.filename.endswith(".whl")

    def shown(self) -> str:
        return f"{self.where}: {self.spec}" if self.where else self.spec


def _is_archive(text: str) -> bool:
    return text.lower().endswith(_ARCHIVES)


def _vcs_error(spec: str, where: str | None) -> UsageError:
    prefix = f"{where}: " if where else ""
    return UsageError(f"{prefix}{spec}: VCS requirements are not supported (pip would run "
                      "their build backend before permpip could scan them)", hint=_VCS_HINT)


def _split_marker(text: str, sep: str) -> tuple[str, Marker | None]:
    if sep not in text:
        return text, None
    text, _, marker = text.partition(sep)
    try:
        return text.strip(), Marker(marker.strip())
    except InvalidMarker as exc:
        raise invalid_requirement(text, exc) from None


def direct_ref(spec: str, *, cwd: Path, where: str | None = None) -> DirectRef | None:
    """``spec`` as a requirement on one file (a path, a ``file:``/``http(s):`` URL, or
    ``name @ URL``); None for a name requirement or a directory (the user's own project).
    A VCS or unparsable requirement raises ``UsageError``."""
    text = spec.strip()
    name: str | None = None
    extras: tuple[str, ...] = ()
    marker: Marker | None = None
    try:
        req: Requirement | None = Requirement(text)
    except InvalidRequirement as exc:
        req, error = None, exc
    if req is not None and req.url is not None:
        name, extras, marker, location = req.name, tuple(sorted(req.extras)), req.marker, req.url
    elif req is not None:  # a name; or "x-1.0.tar.gz", a file in cwd (pip's rule)
        m = _EXTRAS.match(text.split(";")[0].strip())
        location = m["path"] if m else text
        if not (_is_archive(location) and (cwd / location).is_file()):
            return None
        extras, marker = tuple(sorted(req.extras)), req.marker
    elif text.lower().startswith(_VCS) or _URL.match(text):
        location, marker = _split_marker(text, "; ")  # pip's separator after a URL
    elif _looks_like_path(text) or _is_archive(text.split(";")[0].strip()):
        location, marker = _split_marker(text, ";")
        m = _EXTRAS.match(location)
        if m is not None and m["extras"] is not None:
            location = m["path"]
            extras = tuple(sorted(e.strip() for e in m["extras"].split(",") if e.strip()))
    else:
        raise invalid_requirement(text, error, where)
    if location.lower().startswith(_VCS):
        raise _vcs_error(text, where)
    parts = urlsplit(location)
    if _URL.match(location):
        if parts.scheme not in ("file", "http", "https"):
            prefix = f"{where}: " if where else ""
            raise UsageError(f"{prefix}{text}: unsupported URL scheme '{parts.scheme}'")
        url = location.partition("#")[0]
        if parts.scheme == "file":
            path = Path(url2pathname(parts.path))
            if path.is_dir():
                return None  # the user's own project
            if not path.is_file():
                raise UsageError(f"{where + ': ' if where else ''}{text}: no such file")
            url = path.resolve().as_uri()
        filename = unquote(parts.path).rstrip("/").rsplit("/", 1)[-1]
        hashes = tuple((k.lower(), v.lower()) for k, _, v in
                       (f.partition("=") for f in parts.fragment.split("&"))
                       if k.lower() in hashlib.algorithms_guaranteed and v)
    else:
        path = Path(location).expanduser()
        path = path if path.is_absolute() else cwd / path
        if path.is_dir():
            return None  # the user's own project
        if not path.is_file():
            if _is_archive(location):
                raise UsageError(f"{where + ': ' if where else ''}{location}: no such file")
            return None  # pip says what is wrong with it
        url, filename, hashes = path.resolve().as_uri(), path.name, ()
    return DirectRef(spec=text, where=where, url=url, hashes=hashes, filename=filename,
                     name=name, extras=extras, marker=marker)


def _applies(ref: DirectRef, target: Target) -> bool:
    return ref.marker is None or ref.marker.evaluate({**target.environment, "extra": ""})


def _take_direct(inputs: Inputs, cwd: Path, target: Target,
                 work: Path) -> tuple[GateOptions, list[DirectRef]]:
    """Direct sdists out of the requirements (command line, files, groups, script); the rest
    into one flattened requirements file and one constraints file the resolver reads."""
    options = inputs.options
    refs: list[DirectRef] = []
    kept: list[str] = []
    for spec in options.requirements:
        ref = direct_ref(spec, cwd=cwd)
        if ref is None or ref.is_wheel:
            kept.append(spec)
        elif _applies(ref, target):
            refs.append(ref)
    lines: list[str] = []
    for line in inputs.requirements:
        ref = direct_ref(line.spec, cwd=cwd, where=line.where)
        if ref is None or ref.is_wheel:
            lines.append(line.line())
        elif _applies(ref, target):
            hashes = tuple((a, d.lower()) for a, _, d in (h.partition(":") for h in line.hashes))
            refs.append(replace(ref, hashes=(*ref.hashes, *hashes)))
    flat: list[PipOption] = []
    if lines:
        path = write_flat(lines, work / "requirements.txt")
        flat.append(PipOption(name="-r", value=str(path), step=Step.RESOLVE))
    if inputs.constraints:
        path = write_flat([c.line() for c in inputs.constraints], work / "constraints.txt")
        flat.append(PipOption(name="-c", value=str(path), step=Step.RESOLVE))
    return replace(options, requirements=tuple(kept),
                   pip_options=(*options.pip_options, *flat)), refs


def _direct_sdist_pin(ref: DirectRef, options: GateOptions, work: Path) -> Pin:
    """Read or download the sdist ``ref`` names, check its URL's hashes: a verified pin."""
    try:
        name, version = parse_sdist_filename(ref.filename)
    except InvalidSdistFilename:
        raise UsageError(f"{ref.shown()}: {ref.filename} is not an sdist permpip can scan "
                         "(NAME-VERSION.tar.gz or NAME-VERSION.zip)", hint=_VCS_HINT) from None
    if ref.name is not None and canonicalize_name(ref.name) != canonicalize_name(name):
        raise UsageError(f"{ref.shown()}: the file is {name} {version}, not {ref.name}")
    url = ref.url
    if url.startswith("file:"):
        local = Path(url2pathname(urlsplit(url).path))
    else:
        local = work / "downloads" / ref.filename
        local.parent.mkdir(exist_ok=True)
        settings = HttpSettings.from_options(options, index_urls(options))
        local.write_bytes(http_get(make_session(settings), settings, url).content)
        url = local.as_uri()
    try:
        digests = {algo: hashlib.new(algo) for algo in {"sha256", *(a for a, _ in ref.hashes)}}
    except ValueError as exc:
        raise UsageError(f"{ref.shown()}: {exc}") from None
    try:
        with local.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                for d in digests.values():
                    d.update(chunk)
    except OSError as exc:
        raise FetchError(f"could not read {local}: {exc.strerror or exc}") from None
    allowed: dict[str, list[str]] = {}  # pip: any listed digest of an algorithm will do
    for algo, expected in ref.hashes:
        allowed.setdefault(algo, []).append(expected)
    for algo, expected_list in allowed.items():
        if digests[algo].hexdigest() not in expected_list:
            raise FetchError(f"hash mismatch for {ref.filename}: expected {algo} "
                             f"{' or '.join(expected_list)}, got {digests[algo].hexdigest()}",
                             hint=f"the file at {ref.url} is not the one pinned; nothing was "
                                  "installed")
    return Pin(name=normalize(name), version=str(version), url=url, filename=ref.filename,
               sha256=digests["sha256"].hexdigest(), is_wheel=False, requested=True,
               source=ref.where)
