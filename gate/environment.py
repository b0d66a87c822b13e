"""environment: what the target already holds, and what installing a set would change there.

Read from the target's files, never by running its code:

* ``install_paths(target, options)``: where pip/uv will put each wheel scheme (the
  target's default scheme, or ``--target``/``--prefix``/``--root``/``--user``).
* ``read_state(paths, target)``: every distribution installed there (``*.dist-info``:
  name, version, RECORD; ``top_level.txt``), who owns each file, which top-level import
  names each provides, which modules the executable lines of the ``.pth`` files there
  import at every start, and what is in the scripts directory.
* ``check_set(wheels, state)``: nothing a wheel installs may overwrite a file another
  distribution owns (its RECORD says so) or that no distribution owns (``bin/python``,
  ``bin/activate``, ``pyvenv.cfg``, virtualenv's ``_virtualenv.py``), nor a file another
  wheel of the same set installs: ``ScanError`` (exit 3) naming both. Installing into a
  package another distribution provides, shadowing its module, providing a module that a
  ``.pth`` file of the target imports at every start, or adding a command to the scripts
  directory over one that is there: ``startup-hooks`` findings, judged by the policy.
* ``mismatched(wheels, state)``: distributions installed at the pinned version whose files
  are not the scanned bytes (pip and uv call them "already satisfied" and skip them): the
  installer reinstalls them from the verified wheel.
* ``snapshot``/``changes``: what an interrupted or failed install changed, exactly.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import io
import os
import sys
import sysconfig
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from gate.archive import Archive, read_archive
from gate.errors import ScanError
from gate.layout import WheelLayout, entry_points, pth_lines, read_layout
from gate.light import name_version
from gate.model import Capability, Finding, NormalizedName, Phase, normalize
from gate.options import GateOptions
from gate.resolve.target import Target

SCHEMES = ("purelib", "platlib", "scripts", "data")
# dist-info files the installer writes or rewrites itself: never compared with the wheel
_WRITTEN = frozenset({"RECORD", "INSTALLER", "REQUESTED", "direct_url.json", "uv_cache.json",
                      "uv_build.json"})


@dataclass(frozen=True, kw_only=True, slots=True)
class InstallPaths:
    purelib: Path
    platlib: Path
    scripts: Path
    data: Path

    def resolved(self) -> InstallPaths:
        """Each directory with its symlinks resolved (a venv's ``lib64`` -> ``lib``), once:
        paths below them are then compared as plain normalised strings."""
        return InstallPaths(**{k: Path(os.path.realpath(getattr(self, k))) for k in SCHEMES})

    def of(self, scheme: str) -> Path:
        return getattr(self, "purelib" if scheme == "headers" else scheme)  # type: ignore[no-any-return]

    @property
    def site_dirs(self) -> tuple[Path, ...]:
        return tuple(dict.fromkeys((self.purelib, self.platlib)))


def install_paths(target: Target, options: GateOptions) -> InstallPaths:
    """Where ``pip install``/``uv pip install`` with ``options`` puts each scheme."""
    paths = {k: Path(v) for k, v in target.paths.items()} if target.paths else {
        k: Path(v) for k, v in sysconfig.get_paths().items() if k in SCHEMES}
    prefix = Path(target.prefix)
    if dirs := options.values("-t", "--target"):
        root = Path(dirs[-1]).expanduser().absolute()
        return InstallPaths(purelib=root, platlib=root, scripts=root / "bin",
                            data=root).resolved()
    if options.flag("--user"):
        user = Path(sysconfig.get_config_var("userbase") or Path.home() / ".local")
        version = target.environment.get("python_version", "")
        site = user / "lib" / f"python{version}" / "site-packages"
        return InstallPaths(purelib=site, platlib=site, scripts=user / "bin",
                            data=user).resolved()
    if prefixes := options.values("--prefix"):
        new = Path(prefixes[-1]).expanduser().absolute()
        paths = {k: new / _relative(v, prefix) for k, v in paths.items()}
    if roots := options.values("--root"):
        root = Path(roots[-1]).expanduser().absolute()
        paths = {k: root / str(v).lstrip("/") for k, v in paths.items()}
    return InstallPaths(**{k: paths[k] for k in SCHEMES}).resolved()


def _relative(path: Path, prefix: Path) -> Path:
    try:
        return path.relative_to(prefix)
    except ValueError:
        return Path(str(path).lstrip("/"))


def _key(path: Path | str) -> str:
    """A path as a comparable string. ``InstallPaths`` are resolved once, and every path
    here is built below them, so normalising is enough (no system call per file)."""
    return os.path.normcase(os.path.normpath(path))


# -- what is installed ---------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True, slots=True)
class Installed:
    name: NormalizedName
    version: str
    dist_info: Path
    files: tuple[Path, ...]  # absolute, from RECORD
    names: ImportNames

    @property
    def shown(self) -> str:
        return f"{self.name} {self.version}"


@dataclass(frozen=True, kw_only=True, slots=True)
class TargetState:
    paths: InstallPaths
    dists: Mapping[NormalizedName, Installed]
    # RECORD rows are claims, not proof (pip copies a wheel's rows as they are): every
    # distribution that claims a file, package, module or namespace directory is kept
    owners: Mapping[str, frozenset[NormalizedName]]  # _key(file) -> claimants
    packages: Mapping[str, frozenset[NormalizedName]]  # regular package "a.b" -> claimants
    modules: Mapping[str, frozenset[NormalizedName]]  # module "a.b" -> claimants
    namespaces: Mapping[str, frozenset[NormalizedName]]  # namespace dir "a" -> claimants
    sources: Mapping[str, frozenset[NormalizedName]]  # "a.b\0a/b.py" -> claimants
    pth_imports: Mapping[str, str]  # module imported by a .pth line -> that .pth file
    stdlib: frozenset[str] = field(default_factory=frozenset)
    raw: RawState | None = None  # the files it was made from

    def owner(self, path: Path | str) -> Installed | None:
        """The one distribution that claims ``path``; None when none or several do."""
        names = self.owners.get(_key(path), frozenset())
        return self.dists.get(next(iter(names))) if len(names) == 1 else None

    def claimants(self, path: Path | str) -> frozenset[NormalizedName]:
        return self.owners.get(_key(path), frozenset())


def _metadata(dist_info: Path, data: bytes | None = None) -> tuple[str, str] | None:
    if data is None:
        try:
            data = (dist_info / "METADATA").read_bytes()
        except OSError:
            return None
    return name_version(data)  # (in gate.light: the warm fast path reads it too)


def _record(dist_info: Path, site: Path, data: bytes | None = None) -> list[Path]:
    if data is None:
        try:
            data = (dist_info / "RECORD").read_bytes()
        except OSError:
            return []
    text = data.decode("utf-8", errors="replace")
    out = []
    for row in csv.reader(io.StringIO(text)):
        if row and row[0]:
            out.append(Path(os.path.normpath(site / row[0])))
    return out


@dataclass(frozen=True, kw_only=True, slots=True)
class ImportNames:
    """What a distribution's files make importable: regular packages (a directory with an
    ``__init__``) and modules (``a/b.py``, ``a/b.cpython-311-x86_64-linux-gnu.so``,
    ``a/b/__init__.py`` are all ``a.b``), dotted. Namespace directories are neither: many
    distributions share ``google/``."""

    packages: frozenset[str] = frozenset()
    modules: frozenset[str] = frozenset()
    namespaces: frozenset[str] = frozenset()  # directories of its modules with no __init__
    sources: frozenset[str] = frozenset()  # "a.b\0a/b.py": which file gives each module

    def __or__(self, other: ImportNames) -> ImportNames:
        return ImportNames(packages=self.packages | other.packages,
                           modules=self.modules | other.modules,
                           namespaces=self.namespaces | other.namespaces,
                           sources=self.sources | other.sources)


_MODULE_SUFFIXES = (".py", ".pyc", ".so", ".pyd", ".pyw")


def import_names(site_paths: Iterable[str]) -> ImportNames:
    """``ImportNames`` of site-packages-relative '/'-separated paths."""
    packages: set[str] = set()
    modules: set[str] = set()
    sources: set[str] = set()
    for rel in site_paths:
        parts = rel.split("/")
        first = parts[0]
        if (first.endswith((".dist-info", ".data", ".egg-info")) or first == "__pycache__"
                or "__pycache__" in parts or (len(parts) == 1 and first.endswith(".pth"))):
            continue
        base = parts[-1]
        if not base.endswith(_MODULE_SUFFIXES):
            continue
        stem = base.split(".", 1)[0]
        if stem == "__init__":
            if len(parts) > 1:
                dotted = ".".join(parts[:-1])
                packages.add(dotted)
                modules.add(dotted)
                sources.add(f"{dotted}\0{rel}")
        elif stem.isidentifier():
            dotted = ".".join([*parts[:-1], stem])
            modules.add(dotted)
            sources.add(f"{dotted}\0{rel}")
    dirs = {".".join(m.split(".")[:i]) for m in modules for i in range(1, m.count(".") + 1)}
    return ImportNames(packages=frozenset(packages), modules=frozenset(modules),
                       namespaces=frozenset(dirs - packages), sources=frozenset(sources))


def _installed_names(files: Iterable[Path], site: Path, top_level: bytes | None) -> ImportNames:
    rels = []
    for f in files:
        try:
            rels.append(f.relative_to(site).as_posix())
        except ValueError:
            continue
    names = import_names(rels)
    if top_level is None:  # editable installs: the names live elsewhere, listed there
        return names
    text = top_level.decode("utf-8", errors="replace")
    tops = {line.strip() for line in text.splitlines() if line.strip().isidentifier()}
    return names | ImportNames(packages=frozenset(tops), modules=frozenset(tops))


def _pth_imports(site: Path, pth: Sequence[tuple[str, bytes]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, data in pth:
        for _no, line, executable in pth_lines(data):
            if not executable:
                continue
            try:
                tree = ast.parse(line.strip())
            except (SyntaxError, ValueError):
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    for alias in node.names:
                        out.setdefault(alias.name.split(".")[0], str(site / name))
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    out.setdefault(node.module.split(".")[0], str(site / name))
    return out


@dataclass(frozen=True, kw_only=True, slots=True)
class DistInfo:
    """The bytes of one ``*.dist-info`` that ``read_state`` reads (None: no such file)."""

    site: Path
    entry: str
    metadata: bytes | None
    record: bytes | None
    top_level: bytes | None


@dataclass(frozen=True, kw_only=True, slots=True)
class RawState:
    """Every file ``read_state`` reads from the site directories, read once: the state, the
    snapshot before installing and the placement cache's key (``gate.placement``) are all
    made from these bytes."""

    paths: InstallPaths
    dist_infos: tuple[DistInfo, ...]
    pth: tuple[tuple[Path, tuple[tuple[str, bytes], ...]], ...]  # site -> (.pth name, bytes)
    entries: frozenset[str] = frozenset()  # every entry of the site directories


def _read_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def read_raw(paths: InstallPaths) -> RawState:
    """The ``*.dist-info`` files (METADATA, RECORD, top_level.txt) and ``.pth`` files of
    the site directories, in directory order (sorted)."""
    infos: list[DistInfo] = []
    pths: list[tuple[Path, tuple[tuple[str, bytes], ...]]] = []
    every: set[str] = set()
    for site in paths.site_dirs:
        try:
            entries = sorted(os.listdir(site))
        except OSError:
            continue
        every.update(str(site / n) for n in entries)
        pth = []
        for entry in entries:
            if entry.endswith(".pth"):
                data = _read_or_none(site / entry)
                if data is not None:
                    pth.append((entry, data))
            elif entry.endswith(".dist-info"):
                d = site / entry
                infos.append(DistInfo(site=site, entry=entry,
                                      metadata=_read_or_none(d / "METADATA"),
                                      record=_read_or_none(d / "RECORD"),
                                      top_level=_read_or_none(d / "top_level.txt")))
        pths.append((site, tuple(pth)))
    return RawState(paths=paths, dist_infos=tuple(infos), pth=tuple(pths),
                    entries=frozenset(every))


def read_state(paths: InstallPaths, target: Target, raw: RawState | None = None, *,
               tables: bool = True) -> TargetState:
    """Everything installed under ``paths`` (read from files; no code runs); ``raw``: the
    files as ``read_raw`` read them already. ``tables=False``: the distributions only
    (name, version, files), no owners, import names or ``.pth`` imports: what installing
    needs once the placement is known (``gate.placement``), not enough for ``check_set``."""
    raw = read_raw(paths) if raw is None else raw
    dists: dict[NormalizedName, Installed] = {}
    owners: dict[str, set[NormalizedName]] = {}
    packages: dict[str, set[NormalizedName]] = {}
    modules: dict[str, set[NormalizedName]] = {}
    namespaces: dict[str, set[NormalizedName]] = {}
    sources: dict[str, set[NormalizedName]] = {}
    pth: dict[str, str] = {}
    for info in raw.dist_infos:
        site, dist_info = info.site, info.site / info.entry
        meta = _metadata(dist_info, info.metadata) if info.metadata is not None else None
        if meta is None:
            continue
        name = normalize(meta[0])
        files = _record(dist_info, site, info.record) if info.record is not None else []
        names = _installed_names(files, site, info.top_level) if tables else ImportNames()
        dists[name] = Installed(name=name, version=meta[1], dist_info=dist_info,
                                files=tuple(files), names=names)
        if not tables:
            continue
        for f in files:
            owners.setdefault(_key(f), set()).add(name)
        for table, keys in ((packages, names.packages), (modules, names.modules),
                            (namespaces, names.namespaces), (sources, names.sources)):
            for key in keys:
                table.setdefault(key, set()).add(name)
    for site, pth_files in raw.pth if tables else ():
        pth.update({k: v for k, v in _pth_imports(site, pth_files).items() if k not in pth})
    return TargetState(paths=paths, dists=dists, owners=_frozen(owners),
                       packages=_frozen(packages), modules=_frozen(modules),
                       namespaces=_frozen(namespaces), sources=_frozen(sources),
                       pth_imports=pth, stdlib=target.stdlib, raw=raw)


def _frozen(table: Mapping[str, set[NormalizedName]]) -> dict[str, frozenset[NormalizedName]]:
    return {k: frozenset(v) for k, v in table.items()}


# -- what a set of wheels would do there ----------------------------------------------------

@dataclass(frozen=True, kw_only=True, slots=True)
class WheelFiles:
    """One wheel of the set: where each of its files (and generated scripts) would go."""

    name: NormalizedName
    version: str
    filename: str
    layout: WheelLayout
    destinations: tuple[tuple[str, Path], ...]  # (member or "entry point NAME", path)
    path: Path | None = None  # the wheel file

    def member_sha256(self, member: str) -> str | None:
        """sha256 of one member's bytes (None: not a member, e.g. an entry point)."""
        if self.path is None:
            return None
        with read_archive(self.path) as ar:
            m = ar.get(member)
            return None if m is None else _sha256(ar.read(m, limit=max(m.size, 0)))


def entry_point_scripts(filename: str, data: bytes) -> list[str]:
    """console_scripts and gui_scripts names of an entry_points.txt, read as pip reads it
    (``gate.layout.entry_points``: where uv would read it otherwise, ScanError)."""
    return [name for group, name, _value in entry_points(filename, data)
            if group in ("console_scripts", "gui_scripts")]


def wheel_files(ar: Archive, *, name: NormalizedName, version: str,
                paths: InstallPaths) -> WheelFiles:
    names = [m.name for m in ar.members]
    layout = _layout(ar, names)
    dests: list[tuple[str, Path]] = []
    for placed in layout.placed:
        base = paths.of(placed.scheme)
        dests.append((placed.member, Path(os.path.normpath(base / placed.rel))))
    ep = ar.get(f"{layout.dist_info}/entry_points.txt")
    if ep is not None:
        for script in entry_point_scripts(ar.filename, ar.read(ep)):
            if "/" in script or "\\" in script or script in ("", ".", ".."):
                raise ScanError(f"{ar.filename}: entry point script name {script!r} is not a "
                                f"file name")
            dests.append((f"entry point {script}", paths.scripts / script))
    return WheelFiles(name=name, version=version, filename=ar.filename, layout=layout,
                      destinations=tuple(dests))


def _layout(ar: Archive, names: list[str]) -> WheelLayout:
    infos = {n.split("/", 1)[0] for n in names if n.split("/", 1)[0].endswith(".dist-info")}
    wheel_meta = None
    if len(infos) == 1:
        member = ar.get(f"{next(iter(infos))}/WHEEL")
        wheel_meta = ar.read(member) if member is not None else None
    return read_layout(ar.filename, names, wheel_meta)


def read_wheel_files(path: Path, *, name: NormalizedName, version: str,
                     paths: InstallPaths) -> WheelFiles:
    with read_archive(path) as ar:
        return replace(wheel_files(ar, name=name, version=version, paths=paths), path=path)


def _finding(member: str, detail: str) -> Finding:
    return Finding(path=member, line=0, capability=Capability.STARTUP_HOOKS,
                   phase=Phase.STARTUP, detail=detail)


def check_set(wheels: Sequence[WheelFiles],
              state: TargetState | None) -> dict[NormalizedName, list[Finding]]:
    """Overwrites refuse (``ScanError``); shadows are ``startup-hooks`` findings per wheel.

    ``state`` None: only the set itself is checked (``permpip check``: no target).
    """
    placed: dict[str, tuple[WheelFiles, str]] = {}
    for w in wheels:
        for member, dest in w.destinations:
            key = _key(dest)
            other = placed.get(key)
            if other is not None and other[0].name != w.name and not _same_member(
                    w, member, other[0], other[1]):
                raise ScanError(f"{w.filename}: '{member}' and {other[0].filename}: "
                                f"'{other[1]}' both install {dest}")
            placed[key] = (w, member)
    out: dict[NormalizedName, list[Finding]] = {w.name: [] for w in wheels}
    tables: tuple[dict[str, set[NormalizedName]], ...] = ({}, {}, {}, {})
    for w in wheels:
        names = _wheel_names(w)
        for table, keys in zip(tables, (names.packages, names.modules, names.namespaces,
                                        names.sources), strict=True):
            for key in keys:
                table.setdefault(key, set()).add(w.name)
    packages, modules, namespaces, sources = (_frozen(t) for t in tables)
    every: dict[str, frozenset[NormalizedName]] = dict(modules)
    if state is not None:
        for mod, claimants in state.modules.items():
            every[mod] = every.get(mod, frozenset()) | claimants
    for w in wheels:
        out[w.name] += _intrusions(w, packages, modules, namespaces, sources,
                                   lambda n: f"{n} of the same set")
        out[w.name] += _script_shadows(w, state, every)
        if state is not None:
            out[w.name] += _against_target(w, state)
    return {name: sorted(set(found)) for name, found in out.items()}


def _same_member(a: WheelFiles, a_member: str, b: WheelFiles, b_member: str) -> bool:
    """Two wheels installing one file with the same bytes (``backports/__init__.py``):
    which one the installer writes last makes no difference."""
    digest = a.member_sha256(a_member)
    return digest is not None and digest == b.member_sha256(b_member)


def _site_files(w: WheelFiles) -> list[tuple[str, str]]:
    """(member, site-packages path) of the wheel's importable files (not its dist-info)."""
    return [(p.member, p.site) for p in w.layout.placed
            if p.site is not None and not p.site.startswith(w.layout.dist_info + "/")]


def _wheel_names(w: WheelFiles) -> ImportNames:
    return import_names(site for _member, site in _site_files(w))


Claims = Mapping[str, frozenset[NormalizedName]]


def _intrusions(w: WheelFiles, packages: Claims, modules: Claims, namespaces: Claims,
                sources: Claims, shown: Callable[[NormalizedName], str]) -> list[Finding]:
    """A file inside a regular package another distribution provides; a module another
    distribution's module of the same name would be shadowed by (or shadow); an
    ``__init__`` that turns another distribution's namespace directory into a regular
    package of its own (which then runs at every import under it)."""
    out: list[Finding] = []
    seen: set[str] = set()

    def others(table: Claims, key: str) -> list[NormalizedName]:
        return sorted(n for n in table.get(key, ()) if n != w.name)

    own = _wheel_names(w).packages  # a package it ships itself: the same __init__ or a clash
    for member, site in _site_files(w):
        parts = site.split("/")
        for i in range(1, len(parts)):
            pkg = ".".join(parts[:i])
            owner = others(packages, pkg) if pkg not in own else []
            if owner and pkg not in seen:
                seen.add(pkg)
                out.append(_finding(member, f"installs into '{pkg}', the package of "
                                            f"{shown(owner[0])}"))
        names = import_names([site])
        for mod in names.modules:
            # the same file: the same bytes (allowed) or an overwrite (refused) elsewhere
            same = set(others(sources, f"{mod}\0{site}"))
            owner = [n for n in others(modules, mod) if n not in same]
            if owner and mod not in seen:
                seen.add(mod)
                out.append(_finding(member, f"provides '{mod}', a module of {shown(owner[0])} "
                                            f"too: one shadows the other"))
            owner = others(namespaces, mod) if mod in names.packages else []
            if owner and mod not in seen:
                seen.add(mod)
                out.append(_finding(member, f"makes '{mod}', a namespace {shown(owner[0])} "
                                            f"installs into, a package of its own: its "
                                            f"__init__ runs at every import under it"))
    return out


_IMPORTABLE = (".py", ".pyw", ".pyc", ".so", ".pyd", ".pth", "._pth", ".zip", ".egg", ".whl",
               ".pyz")


def _refuse_strays(w: WheelFiles, state: TargetState) -> None:
    """A file no distribution claims inside a package directory the wheel installs into
    (``lib/impl/__init__.py`` planted beside ``lib/impl.py``: a package is imported before
    a module of the same name) would run as part of the scanned package: refused.
    Bytecode caches are not looked at (a kept distribution's are removed)."""
    roots = {_key(d) for d in state.paths.site_dirs}
    ours = {_key(d) for _m, d in w.destinations}
    dirs = {Path(os.path.dirname(d)) for _m, d in w.destinations
            if any(_key(d).startswith(r + os.sep) for r in roots)}
    dirs = {d for d in dirs if _key(d) not in roots}
    for top in sorted(dirs):
        for where, subdirs, files in os.walk(top):
            subdirs[:] = [s for s in subdirs if s != "__pycache__"]
            for name in files:
                f = Path(where) / name
                if _key(f) in ours or state.claimants(f):
                    continue
                raise ScanError(f"{w.filename}: {f} is in a directory it installs into, and "
                                f"no installed distribution owns it (remove it, or install "
                                f"into a fresh environment)")


def _script_shadows(w: WheelFiles, state: TargetState | None,
                    modules: Claims) -> list[Finding]:
    """The scripts directory is the first import root of every script run from it: a
    script or entry point named like a module (``json.py``, ``victim.py``) shadows it."""
    out = []
    scripts = {}
    for member, dest in w.destinations:
        if state is not None and dest.parent != state.paths.scripts:
            continue
        if state is None and not member.startswith("entry point ") and \
                not any(p.member == member and p.script is not None for p in w.layout.placed):
            continue
        scripts[dest.name] = member
    stdlib = state.stdlib if state is not None else frozenset(sys.stdlib_module_names)
    for name, member in sorted(scripts.items()):
        if not name.lower().endswith(_MODULE_SUFFIXES):
            continue
        stem = name.split(".", 1)[0]
        owners = sorted(n for n in modules.get(stem, ()) if n != w.name)
        if owners or stem in stdlib:
            what = f"the module of {owners[0]}" if owners else "a standard-library module"
            out.append(_finding(member, f"script '{name}' shadows '{stem}', {what}, for every "
                                        f"script of the environment (the scripts directory "
                                        f"comes first on their import path)"))
    return out


def _against_target(w: WheelFiles, state: TargetState) -> list[Finding]:
    for member, dest in w.destinations:
        if not os.path.lexists(dest):
            continue
        claimants = state.claimants(dest)
        if claimants == {w.name}:
            continue  # its own file: an upgrade or a reinstall
        digest = w.member_sha256(member)
        if digest is not None and _file_hash(dest, digest) == digest:
            continue  # the same bytes: nothing changes (a shared backports/__init__.py)
        if len(claimants) > 1:
            what = ("a file that several installed distributions claim: "
                    + ", ".join(sorted(claimants)))
        elif claimants:
            owner = state.dists[next(iter(claimants))]
            what = f"a file of {owner.shown}"
        else:
            what = "a file of the environment that no installed distribution owns"
        raise ScanError(f"{w.filename}: '{member}' would overwrite {dest}, {what}")
    _refuse_strays(w, state)
    importable = {_key(d) for d in state.paths.site_dirs}
    if _key(state.paths.data) in importable:  # --target: the data scheme is on sys.path
        for placed in w.layout.placed:
            if placed.scheme == "data" and placed.site is None \
                    and placed.rel.lower().endswith(_IMPORTABLE):
                raise ScanError(f"{w.filename}: '{placed.member}' would install into "
                                f"{state.paths.data / placed.rel}, on the import path "
                                f"(--target puts the data scheme there), unscanned")

    def shown(name: NormalizedName) -> str:
        return f"{state.dists[name].shown} (installed)"

    findings = _intrusions(w, state.packages, state.modules, state.namespaces, state.sources,
                           shown)
    tops: set[str] = set()
    for member, site in _site_files(w):
        top = site.split("/", 1)[0].split(".", 1)[0]
        if top in tops:
            continue
        tops.add(top)
        if top in state.pth_imports:
            findings.append(_finding(member, f"provides '{top}', which "
                                             f"{state.pth_imports[top]} imports at every "
                                             f"interpreter start"))
        elif top in state.stdlib and top not in sys.stdlib_module_names:
            findings.append(_finding(member, f"shadows the target's stdlib module '{top}'"))
    return findings


# -- after the verdict: already-installed copies, interrupted installs ------------------------

def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def member_hashes(ar: Archive, w: WheelFiles) -> dict[str, str]:
    """sha256 of each member the installer copies verbatim (scripts with a ``#!python``
    line are rewritten by the installer: their hash covers the bytes after that line)."""
    out = {}
    for placed in w.layout.placed:
        if placed.site is not None and placed.site.startswith(w.layout.dist_info + "/") \
                and placed.site.rsplit("/", 1)[-1] in _WRITTEN:
            continue
        member = ar.get(placed.member)
        if member is None:
            continue
        data = ar.read(member, limit=max(member.size, 0))
        if placed.script is not None and data.startswith(b"#!python"):
            data = data.split(b"\n", 1)[1] if b"\n" in data else b""
            out[placed.member] = "script:" + _sha256(data)
        else:
            out[placed.member] = _sha256(data)
    return out


def _file_hash(path: Path, expected: str) -> str | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if expected.startswith("script:"):
        data = data.split(b"\n", 1)[1] if b"\n" in data else b""
        return "script:" + _sha256(data)
    return _sha256(data)


def mismatched(wheels: Sequence[tuple[Path, WheelFiles]], state: TargetState) -> list[str]:
    """Names of the wheels whose distribution is installed at the same version from other
    bytes (a changed, missing or extra file): "already satisfied" for pip and uv."""
    out: list[str] = []
    for path, w in wheels:
        installed = state.dists.get(w.name)
        if installed is None or installed.version != w.version:
            continue
        generated = any(m.startswith("entry point ") for m, _d in w.destinations)
        if generated or not _same_bytes(path, w, state):
            # the wrappers pip and uv generate from entry points cannot be compared with
            # the wheel: a distribution that has them is reinstalled, not kept
            out.append(w.name)
    return out


def _same_bytes(path: Path, w: WheelFiles, state: TargetState) -> bool:
    with read_archive(path) as ar:
        hashes = member_hashes(ar, w)
    dests = dict(w.destinations)
    for member, digest in hashes.items():
        dest = dests.get(member)
        if dest is None or _file_hash(dest, digest) != digest:
            return False
    # a file its RECORD lists that the wheel does not install (bytecode and the files the
    # installer writes aside) is not the scanned wheel either
    ours = {_key(d) for d in dests.values()}
    installed = state.dists[w.name]
    for f in installed.files:
        if _key(f) in ours or f.suffix == ".pyc" or (
                f.parent == installed.dist_info and f.name in _WRITTEN):
            continue
        return False
    return True


def purge_bytecode(w: WheelFiles, state: TargetState) -> list[Path]:
    """Delete the bytecode caches of a distribution kept as "already satisfied": its
    sources are the scanned bytes, but a ``.pyc`` beside them (listed in its RECORD or
    not, hash-based ones unchecked) could run instead. Python writes them again from the
    verified sources. Returns what was deleted."""
    installed = state.dists.get(w.name)
    doomed: set[Path] = set()
    if installed is not None:
        doomed |= {f for f in installed.files if f.suffix in (".pyc", ".pyo")}
    for _member, dest in w.destinations:
        if dest.suffix not in (".py", ".pyw"):
            continue
        cache = dest.parent / "__pycache__"
        try:
            names = os.listdir(cache)
        except OSError:
            continue
        doomed |= {cache / n for n in names
                   if n.split(".", 1)[0] == dest.stem and n.endswith((".pyc", ".pyo"))}
    removed = []
    for f in sorted(doomed):
        try:
            f.unlink()
            removed.append(f)
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise ScanError(f"{w.name} {w.version}: cannot remove the bytecode cache {f}: "
                            f"{exc.strerror or exc}") from None
    return removed


def verify_installed(wheels: Sequence[tuple[Path, WheelFiles]], paths: InstallPaths,
                     target: Target, *, check_bytes: Iterable[str] = ()) -> list[str]:
    """Problems with the installed set: each wheel's distribution at its version, and those
    named in ``check_bytes`` holding exactly the scanned bytes. Empty when all is well."""
    raw = read_raw(paths)  # the distributions' files: their tables only when compared
    again = set(check_bytes)
    state = read_state(paths, target, raw) if again else None
    versions = _versions(raw)
    problems = []
    for path, w in wheels:
        version = versions.get(w.name)
        if version is None:
            problems.append(f"{w.name} {w.version} is not installed")
        elif version != w.version:
            problems.append(f"{w.name} is installed at {version}, not {w.version}")
        elif state is not None and w.name in again and not _same_bytes(path, w, state):
            problems.append(f"{w.name} {w.version}: the installed files are not the "
                            f"scanned bytes of {w.filename}")
    return problems


@dataclass(frozen=True, kw_only=True, slots=True)
class Snapshot:
    """The distributions in the site directories (name -> version, sha256 of RECORD) and
    every top-level entry there, to tell what an interrupted install changed."""

    dists: Mapping[NormalizedName, tuple[str, str]]
    entries: frozenset[str]


def _named(raw: RawState) -> Iterator[tuple[DistInfo, NormalizedName, str]]:
    """(dist-info, name, version) of each distribution whose METADATA names one."""
    for info in raw.dist_infos:
        meta = _metadata(info.site / info.entry, info.metadata) \
            if info.metadata is not None else None
        if meta is not None:
            yield info, normalize(meta[0]), meta[1]


def _versions(raw: RawState) -> dict[NormalizedName, str]:
    """name -> version of each distribution (the last read wins, as in ``read_state``)."""
    return {name: version for _info, name, version in _named(raw)}


def snapshot(paths: InstallPaths, raw: RawState | None = None) -> Snapshot:
    """``raw``: the site directories as ``read_raw`` read them (no second read)."""
    if raw is None or raw.paths != paths:
        raw = read_raw(paths)
    return Snapshot(dists={name: (version, hashlib.sha256(info.record).hexdigest()
                                  if info.record is not None else "")
                           for info, name, version in _named(raw)},
                    entries=raw.entries)


def changes(before: Snapshot, after: Snapshot) -> list[str]:
    """What changed between two snapshots, one phrase each: distributions by name, then
    files left by a distribution whose install did not finish."""
    out = []
    for name in sorted(set(before.dists) | set(after.dists)):
        old, new = before.dists.get(name), after.dists.get(name)
        if old == new:
            continue
        if old is None and new is not None:
            out.append(f"{name} {new[0]} (installed)")
        elif new is None and old is not None:
            out.append(f"{name} {old[0]} (removed)")
        elif old is not None and new is not None and old[0] != new[0]:
            out.append(f"{name} {new[0]} (was {old[0]})")
        elif new is not None:
            out.append(f"{name} {new[0]} (reinstalled)")
    new_entries = sorted(after.entries - before.entries)
    if new_entries:
        owned = _owned_tops(after, new_entries)
        out += [f"{e} (partly written)" for e in new_entries
                if e not in owned and not e.endswith(".dist-info")]
    return out


def _owned_tops(after: Snapshot, entries: Sequence[str]) -> set[str]:
    """Which of ``entries`` belong to a distribution that finished installing."""
    owned: set[str] = set()
    wanted = set(entries)
    for entry in entries:
        if not entry.endswith(".dist-info"):
            continue
        site = Path(entry).parent
        for f in _record(Path(entry), site):
            try:
                top = site / f.relative_to(site).parts[0]
            except (ValueError, IndexError):
                continue
            if str(top) in wanted:
                owned.add(str(top))
    return owned


__all__ = ["DistInfo", "InstallPaths", "Installed", "RawState", "TargetState", "WheelFiles",
           "changes", "check_set", "entry_point_scripts", "install_paths", "member_hashes",
           "mismatched", "purge_bytecode", "read_raw", "read_state", "read_wheel_files",
           "snapshot", "verify_installed", "wheel_files"]
