"""Orchestration: the stages in order, no detail (like installer's ``install()``).

Public API used by other subcommands (``policy init``, ``diff``):

    @dataclass(frozen=True, kw_only=True, slots=True)
    class Scanned:
        pin: Pin            # what resolution or the lockfile chose
        path: Path          # the verified local file (in the cache)
        scan: PackageScan   # its findings (cached by sha256)

    scan_input(input_path: Path | None, *, cwd: Path, options: GateOptions) -> list[Scanned]
        Read or resolve INPUT (requirements file, pylock.toml, uv.lock; None: the lockfile
        or requirements.txt in cwd) to pins, fetch and verify every file, scan each.
        No policy involved. Raises GateError subclasses.

    run_gate(options, *, cwd, install, input_path=None, progress=None, env=None) -> GateResult
        ``permpip install`` (install=True) and ``permpip check`` (install=False):
        policy -> resolve -> fetch -> scan -> evaluate -> (build approved sdists -> scan)
        -> install. A refusal returns a verdict that is not allowed and installs nothing.

Counts said on the way agree with what happened: ``resolving`` counts the pins (and the
installed distributions the resolution keeps, "already satisfied", not fetched or scanned:
they were installed before permpip ran); ``scanning`` says how many were scanned in this run
and how many scans came from the cache; a package that is both in the set and a build
requirement is one package (its findings merged, ``merge_scans``), so the summary's rows and
the verdict's count are the same; ``installing`` counts what pip/uv is handed and will
change in the target (not what is installed there at that version already, unless it is
reinstalled), the number of packages pip's "Successfully installed" names.

Build requirements (of an sdist, or of the user's own project) run when the build runs:
each of their findings is judged in the ``install`` phase, and each needs
``install-hooks`` even when the scan found nothing else (``as_build_requirement``), e.g.
``setuptools = ["install-hooks", "fs-read", "fs-write", "subprocess", "env"]``.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from gate import _subprocess, environment, placement, shared_cache
from gate import build as builder
from gate import install as installer
from gate.cache import Cache, cache_root, link_or_copy, scanner_version, with_no_cache
from gate.errors import InstallError, Interrupted, ResolveError, UsageError
from gate.evaluate import Verdict, evaluate
from gate.fetch import Fetched, HttpSettings, fetch_all
from gate.install import LocalInstall
from gate.layout import WheelLayout
from gate.light import count, scanned_text
from gate.model import Capability, Finding, NormalizedName, PackageScan, Phase, Pin
from gate.options import Backend, GateOptions
from gate.policy import Policy, load_policy
from gate.report.progress import Progress
from gate.resolve import (
    LocalProject,
    Resolution,
    SdistHandler,
    build_options,
    find_default_input,
    resolve,
)
from gate.resolve.index import index_urls
from gate.resolve.parsed import ParsedCache
from gate.resolve.reqfile import install_settings, read_settings
from gate.resolve.target import Target, probe_target

if TYPE_CHECKING:
    from gate.scan.sdist_requires import SdistRequires
    from gate.warm import Recorder


@dataclass(frozen=True, kw_only=True, slots=True)
class Scanned:
    pin: Pin
    path: Path
    scan: PackageScan


@dataclass(frozen=True, kw_only=True, slots=True)
class GateResult:
    verdict: Verdict
    scanned: tuple[Scanned, ...]  # the set that was (or would be) installed
    extra: tuple[PackageScan, ...] = ()  # sdists and build requirements behind built wheels
    installed: bool = False
    output: str = ""  # what pip/uv printed while installing
    # installed distributions the resolution kept as they are: (name, version), not scanned
    satisfied: tuple[tuple[str, str], ...] = ()
    changed: tuple[str, ...] = ()  # "name version" that pip/uv installed (or would: dry run)

    @property
    def scans(self) -> list[PackageScan]:
        """Every package judged, once (one row of the summary, one of the verdict)."""
        return merge_scans([s.scan for s in self.scanned] + list(self.extra))


def merge_scans(scans: Sequence[PackageScan]) -> list[PackageScan]:
    """One scan per artifact (name, version, filename): a package that is both in the set
    and a build requirement (or the build requirement of two sdists) has all its findings
    in one scan, in the order first seen."""
    merged: dict[tuple[str, str, str], PackageScan] = {}
    for s in scans:
        key = (s.name, s.version, s.filename)
        seen = merged.get(key)
        merged[key] = s if seen is None else replace(
            seen, findings=tuple(dict.fromkeys((*seen.findings, *s.findings))))
    return list(merged.values())


class Refused(Exception):  # noqa: N818 - control flow: a refusal before resolution ended
    def __init__(self, verdict: Verdict, scans: Sequence[PackageScan]) -> None:
        super().__init__("refused")
        self.verdict = verdict
        self.scans = list(scans)


@contextmanager
def _cache(options: GateOptions) -> Iterator[Cache]:
    if options.no_cache:
        tmp = tempfile.mkdtemp(prefix="permpip-cache-")
        try:
            yield Cache(Path(tmp), throwaway=True)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    else:
        yield Cache(cache_root(options.cache_dir))


@contextmanager
def _gate(options: GateOptions, *, progress: Progress | None,
          policy: Policy | None, env: Mapping[str, str] | None = None) -> Iterator[Gate]:
    """A Gate for one run, with a work directory that is removed when the run ends."""
    options = with_no_cache(options, env=env)  # pip's --no-cache-dir, PIP_NO_CACHE_DIR ...
    with _cache(options) as cache, tempfile.TemporaryDirectory(prefix="permpip-run-") as work:
        lasting = cache.lasting_root
        g = Gate(options, cache=cache,
                 target=probe_target(options.python, cache_dir=None if lasting is None
                                     else lasting / "targets"),
                 progress=progress or Progress.for_stream(sys.stderr, quiet=True),
                 policy=policy, workdir=Path(work), env=env)
        with shared_cache.attached(cache, options, env=env, settings=lambda: g.settings,
                                   progress=g.progress):  # --cache-url
            yield g


def as_build_requirement(scan: PackageScan, *, of: str, where: str, line: int) -> PackageScan:
    """``scan`` judged as build-time code: every finding in the install phase, plus the
    ``install-hooks`` it needs to run at all (evidence: where ``of`` requires it)."""
    hook = Finding(path=where, line=line, capability=Capability.INSTALL_HOOKS,
                   phase=Phase.INSTALL, detail=f"build requirement of {of}: runs when it is built")
    return replace(scan, findings=(hook, *(replace(f, phase=Phase.INSTALL)
                                          for f in scan.findings)))


def keep_prefilter_table(root: Path | None, scanner: str) -> None:
    """The pre-filter's default table from ``root/prefilter/<scanner>.json`` (built and kept
    there when missing; ``gate.scan.prefilter.keep_table``), loaded in this process before
    any scan pool starts: forked workers inherit it instead of each building it.
    ``root`` None (``--no-cache``): built, not kept."""
    from gate.scan import prefilter

    prefilter.keep_table(root / "prefilter" / f"{scanner}.json" if root is not None else None)
    prefilter.default_table()


def _scan_one(path: Path, sha256: str, filename: str) -> PackageScan:
    from gate.scan import scan_artifact  # the scanner: not imported when every scan is cached

    scan = scan_artifact(path, sha256=sha256)
    return replace(scan, filename=filename)


_POOL_BYTES = 4 << 20  # compressed bytes to scan below which one process does it all


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _scan_all(jobs: Sequence[tuple[int, Path, str, str]],
              size: int) -> Iterator[tuple[int, PackageScan]]:
    """(index, scan) for each (index, path, sha256, filename): in a process pool when there
    is more than one artifact, more than one core and enough to scan (``size``, bytes: starting
    workers costs more than scanning a few small wheels), else in this process."""
    workers = min(len(jobs), os.cpu_count() or 1)
    if workers <= 1 or size < _POOL_BYTES:
        for i, path, sha, filename in jobs:
            yield i, _scan_one(path, sha, filename)
        return
    from concurrent.futures import ProcessPoolExecutor  # not needed on a warm run

    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [(i, pool.submit(_scan_one, path, sha, filename))
                   for i, path, sha, filename in jobs]
        for i, fut in futures:
            yield i, fut.result()


class Gate:
    """One run's context: options, target, cache, progress, policy (None for scan_input)."""

    def __init__(self, options: GateOptions, *, cache: Cache, target: Target,
                 progress: Progress, policy: Policy | None, workdir: Path,
                 env: Mapping[str, str] | None = None) -> None:
        self.options = options
        self.cache = cache
        self.target = target
        self.progress = progress
        self.policy = policy
        self.workdir = workdir  # removed when the run ends (built wheels live here)
        self._settings: HttpSettings | None = None  # read when first needed: ``settings``
        self.scanner = scanner_version()
        self.extra: list[PackageScan] = []  # sdists and build requirements we approved
        self.satisfied: tuple[tuple[str, str], ...] = ()  # installed, kept by the resolution
        self.env = env
        self._merged: GateOptions | None = None
        # what resolution hands an sdist without a usable wheel: build it if the policy
        # allows (install, check), or read it without building (scan_input: ``read_sdist``)
        self.on_sdist: SdistHandler = self.build_approved
        self.consent: Policy | None = None  # read_sdist builds what this grants install-hooks
        self.standins: dict[str, Scanned] = {}  # stand-in wheel filename -> the sdist read
        self.memo: ParsedCache | None = None  # the parsed-requirements cache, once resolving

    def use_settings(self, merged: GateOptions) -> None:
        """The run's settings as resolution merged them (requirement files' option lines
        too): every later fetch and build-requirement resolution takes them."""
        self._merged = merged
        self._settings = None

    @property
    def settings(self) -> HttpSettings:
        """How to reach the indexes: from the merged settings once resolution read them,
        else from the options (and pip's configuration). Built on first use."""
        if self._settings is None:
            opts = self._merged if self._merged is not None else self.options
            self._settings = HttpSettings.from_options(opts, index_urls(opts))
        return self._settings

    def merged_options(self) -> GateOptions:
        """The options with pip's (or uv's) configuration and environment read in, once."""
        if self._merged is None:
            self._merged = read_settings(self.options, target_python=self.target.python,
                                         cwd=Path.cwd(),
                                         env=os.environ if self.env is None else self.env
                                         ).options
        return self._merged

    def fetch(self, pins: Sequence[Pin], label: str = "fetching") -> list[tuple[Pin, Path]]:
        fetched = fetch_all(pins, cache=self.cache, settings=self.settings,
                            progress=lambda n, t, b: self.progress.update(label, n, t, b))
        total = sum(f.path.stat().st_size for f in fetched)  # the bytes verified, exactly
        self.progress.finish(label, count(len(pins), "file") + " verified", nbytes=total)
        return [(f.pin, f.path) for f in fetched]

    def scan(self, files: Sequence[tuple[Pin, Path]], label: str = "scanning") -> list[Scanned]:
        out: dict[int, PackageScan] = {}
        todo = []
        for i, (pin, _path) in enumerate(files):
            assert pin.sha256 is not None  # fetch verified it
            cached = self.cache.get_scan(pin.sha256, self.scanner)
            if cached is not None:
                out[i] = replace(cached, filename=pin.filename)
            else:
                todo.append(i)
        self.progress.update(label, len(out), len(files))
        size = {i: _size(files[i][1]) for i in todo}
        todo.sort(key=lambda i: -size[i])  # largest first: even workers
        same: dict[str, list[int]] = {}  # one scan per sha256, however many pins name it
        for i in todo:
            same.setdefault(files[i][0].sha256, []).append(i)  # type: ignore[arg-type]
        jobs = [(i[0], files[i[0]][1], sha, files[i[0]][0].filename) for sha, i in same.items()]
        if jobs:
            keep_prefilter_table(self.cache.lasting_root, self.scanner)
        for first, scan in _scan_all(jobs, sum(size[j[0]] for j in jobs)):
            self.cache.put_scan(scan, self.scanner)
            for i in same[files[first][0].sha256]:  # type: ignore[index]
                out[i] = replace(scan, filename=files[i][0].filename)
            self.progress.update(label, len(out), len(files))
        self.progress.finish(label, scanned_text(len(todo), len(files) - len(todo)))
        return [Scanned(pin=p, path=path, scan=out[i]) for i, (p, path) in enumerate(files)]

    def evaluate(self, scans: Sequence[PackageScan], *, complete_set: bool = True) -> Verdict:
        """``complete_set``: ``scans`` are the whole install set, so a grant for a package
        not among them is stale. Never for a build judged alone, nor with ``--no-deps``, nor
        when the command line names packages (``permpip install rich`` adds to an
        environment: the policy's other grants are for what is already there)."""
        assert self.policy is not None
        whole = not self.options.requirements and not self.options.flag("--no-deps")
        verdict = evaluate(merge_scans(scans), self.policy, strict=self.options.strict,
                           complete_set=complete_set and whole)
        if not (complete_set and whole and self.satisfied):
            return verdict
        # the installed packages the resolution kept are in the set, unscanned: their
        # grants are not stale
        kept = tuple(f"stale grant: {name} (" for name, _version in self.satisfied)
        errors = tuple(e for e in verdict.errors if not e.startswith(kept))
        return replace(verdict, errors=errors,
                       warnings=tuple(w for w in verdict.warnings if not w.startswith(kept)),
                       allowed=all(p.allowed for p in verdict.packages) and not errors)

    def build_approved(self, sdist: Pin) -> Path:
        """Fetch and scan an sdist and its build requirements; build it only if allowed.

        Returns the built wheel under its own name in the run's work directory (the
        resolver's find-links); the bytes are in the cache too.
        """
        _sha, cached = self._build(sdist)
        final = Path(tempfile.mkdtemp(prefix="wheel-", dir=self.workdir)) / cached.name
        link_or_copy(cached, final)
        return final

    def _build(self, sdist: Pin, *, judged: bool = True) -> tuple[str, Path]:
        """``build_approved``'s work: (sha256, cached path) of the wheel built offline.
        ``judged=False``: ``read_sdist``'s build, approved by an install-hooks grant alone
        (what it and its build requirements use is what ``policy init`` writes)."""
        if judged and self.policy is None:
            raise ResolveError(f"{sdist.name} {sdist.version} has no usable wheel; "
                               "building needs a policy that grants it install-hooks")
        [(pin, path)] = self.fetch([sdist], label=f"fetching sdist {sdist.filename}")
        [scanned] = self.scan([(pin, path)], label=f"scanning sdist {sdist.filename}")
        # The sdist first, alone: its refusal should not wait for (or fail on) resolving
        # its build requirements.
        if judged:
            alone = self.evaluate([scanned.scan], complete_set=False)
            if not alone.allowed:
                raise Refused(alone, [scanned.scan])
        deps = self._build_requirements(builder.build_requirements(path),
                                        of=f"{sdist.name} {sdist.version}",
                                        where=f"{sdist.filename}:pyproject.toml", line=1)
        # Judged alone: grants of the rest of the set are not stale here; the final verdict
        # over the whole set (this sdist and its build requirements included) judges them.
        if judged:
            verdict = self.evaluate([scanned.scan, *[d.scan for d in deps]],
                                    complete_set=False)
            if not all(p.allowed for p in verdict.packages):
                raise Refused(verdict, [scanned.scan, *[d.scan for d in deps]])
        self.extra += [scanned.scan, *[d.scan for d in deps]]
        with tempfile.TemporaryDirectory(prefix="permpip-builddeps-") as tmp:
            for d in deps:
                link_or_copy(d.path, Path(tmp) / d.pin.filename)
            self.progress.update(f"building {sdist.filename}")
            sha, wheel, reused = builder.build_cached(self.cache, path, sdist.filename,
                                                      target=self.target, build_deps=Path(tmp))
            self.progress.finish(f"building {sdist.filename}",
                                 wheel.name + (" (built before: from the cache)" if reused
                                               else ""))
            return sha, wheel

    def _build_requirements(self, requires: Sequence[str], *, of: str, where: str,
                            line: int) -> list[Scanned]:
        """Resolve (wheels only), fetch and scan ``requires``; judged as build-time code."""
        if not requires:
            return []
        # the indexes and network settings of the command line, the configuration and the
        # requirement files; never requirement sources (a PIP_REQUIREMENT would join the set)
        opts = replace(build_options(self.merged_options(), requires),
                       config_read=True, installing=False)  # an empty build environment
        res = resolve(opts, self.target, cwd=Path.cwd(), input_path=None,
                      on_sdist=self.on_sdist)
        scanned = self.scan(self.fetch(res.pins, "fetching build requirements"),
                            "scanning build requirements")
        return [replace(d, scan=as_build_requirement(d.scan, of=of, where=where, line=line))
                for d in scanned]

    def read_sdist(self, sdist: Pin) -> Path:
        """``scan_input``'s ``on_sdist``: fetch and scan the sdist, never build it to learn
        its dependencies. They are read statically (``gate.scan.sdist_requires``) into a
        metadata-only wheel that stands in for it while the resolver runs (``standins``:
        ``scan_input`` puts the sdist back in its place). Where they cannot be read, the
        sdist is built only if ``consent`` grants it install-hooks; else ResolveError."""
        from gate.scan.sdist_requires import read_requires  # sdists only

        [(pin, path)] = self.fetch([sdist], label=f"fetching sdist {sdist.filename}")
        [scanned] = self.scan([(pin, path)], label=f"scanning sdist {sdist.filename}")
        found = read_requires(path)
        if found.requires is not None:
            wheel = _standin_wheel(self.workdir, pin, found)
            self.standins[wheel.name] = scanned
            return wheel
        if self.consent is not None and Capability.INSTALL_HOOKS in self.consent.allowed_for(
                pin.name, pin.version):
            _sha, cached = self._build(sdist, judged=False)  # the sdist joins ``extra``
            final = Path(tempfile.mkdtemp(prefix="wheel-", dir=self.workdir)) / cached.name
            link_or_copy(cached, final)
            return final
        raise ResolveError(
            f"{pin.name} {pin.version} (sdist only): its dependencies were not resolved: "
            f"{found.source}",
            hint=f"to let permpip build it to learn them, grant it install-hooks and run "
                 f"init again: permpip policy allow {pin.name} install-hooks && permpip "
                 f"policy init --merge")

    def prepare_local(self, projects: Sequence[LocalProject]) -> list[LocalInstall]:
        """The user's own projects: their build requirements resolved, scanned, judged."""
        out = []
        for p in projects:
            deps = self._build_requirements(p.build_requires, of=p.name, where=p.shown,
                                            line=p.requires_line)
            self.extra += [d.scan for d in deps]
            out.append(LocalInstall(project=p, build_wheels=tuple(_fetched(d) for d in deps)))
        return out

    def place(self, scanned: Sequence[Scanned], *, install: bool) -> Placed:
        """Where each wheel's files would go, checked against each other and (``install``)
        against what the target holds: overwrites refuse (exit 3), shadows become
        ``startup-hooks`` findings of the wheel that shadows."""
        paths = environment.install_paths(self.target, self.options)
        raw = environment.read_raw(paths) if install else None
        on = [s for s in scanned if s.pin.is_wheel]
        # no record with --no-cache (``lasting_root``), nor when a distribution of the set
        # is installed (a rerun: its files are there, so a record could not be used,
        # gate.placement)
        keep = self.cache.lasting_root is not None and not (
            raw is not None and placement.any_installed(raw, [s.pin.name for s in on]))
        key = placement.key(code=placement.code_version(self.scanner), raw=raw, paths=paths,
                            target=self.target,
                            wheels=[(s.pin.name, s.pin.version, s.pin.filename,
                                     s.pin.sha256 or "") for s in on]) if keep else ""
        places = placement.PlacementCache(self.cache.root)
        cached = places.get(key, self.target) if keep else None
        tops: list[tuple[str, str]] = []
        if cached is not None:  # no file of the set is in the target: see gate.placement
            state = environment.read_state(paths, self.target, raw, tables=False) \
                if raw is not None else None
            wheels = [_wheel_files(s, paths, state) for s in on]
            found: dict[NormalizedName, list[Finding]] = {n: list(f)
                                                          for n, f in cached[0].items()}
            tops = cached[1]
        else:
            state = environment.read_state(paths, self.target, raw) if install else None
            wheels = [environment.read_wheel_files(s.path, name=s.pin.name,
                                                   version=s.pin.version, paths=paths)
                      for s in on]
            found = environment.check_set(wheels, state)
            if install or keep:  # (the warm record's claims; the placement record)
                tops = placement.tops(wheels, paths, self.target)
            if keep:
                places.put(key, self.target, tops, found)
        out = tuple(replace(s, scan=replace(s.scan, findings=(
                        *s.scan.findings, *found.get(s.pin.name, ()))))
                    if found.get(s.pin.name) else s for s in scanned)
        return Placed(scanned=out, wheels=tuple(wheels), paths=paths, state=state,
                      tops=tuple(tops))

    def install(self, placed: Placed, local: Sequence[LocalInstall],
                env: Mapping[str, str] | None) -> tuple[_subprocess.Completed, list[str]]:
        """Install the approved set; afterwards every package of it is installed at its
        version, holding the scanned bytes (a copy installed earlier from other bytes is
        reinstalled from the verified wheel). An interrupted or failed install says
        exactly what it changed. Returns what pip/uv printed and ``changing``'s list."""
        dry = self.options.dry_run
        pairs = [(s.path, w) for s, w in zip(
            [s for s in placed.scanned if s.pin.is_wheel], placed.wheels, strict=True)]
        again = [] if dry or placed.state is None else environment.mismatched(pairs,
                                                                               placed.state)
        now = to_install(placed, self.options, again)
        changed = changing(now, local)
        if not dry and placed.state is not None:
            for _path, w in pairs:
                kept = placed.state.dists.get(w.name)
                if kept is not None and kept.version == w.version and w.name not in again:
                    environment.purge_bytecode(w, placed.state)
        before = environment.snapshot(placed.paths,
                                      placed.state.raw if placed.state is not None else None)
        try:
            with self.progress.ticking("installing"):
                done = installer.install(
                    [_fetched(s) for s in placed.scanned], options=self.options,
                    target=self.target, local_projects=local, env=env, reinstall=again,
                    # --no-cache: uv unpacks into a throwaway cache of its own
                    cache_root=self.cache.lasting_root,
                    paths=placed.paths, warn=self.progress.warn,
                    installing={s.pin.name for s in now})
        except KeyboardInterrupt:
            changed = environment.changes(before, environment.snapshot(placed.paths))
            raise Interrupted("interrupted while installing; " + _changed(changed)) from None
        except InstallError as exc:
            changed = environment.changes(before, environment.snapshot(placed.paths))
            raise InstallError(f"{exc.message}; {_changed(changed)}", hint=exc.hint) from None
        if not dry:
            problems = environment.verify_installed(pairs, placed.paths, self.target,
                                                    check_bytes=again)
            if problems:
                changed = environment.changes(before, environment.snapshot(placed.paths))
                raise InstallError(f"after the install, {problems[0]}; {_changed(changed)}")
        return done, changed

    def build_locked_sdists(self, scanned: Sequence[Scanned]) -> list[Scanned]:
        """Lockfile sdists (already allowed with the rest) -> built, scanned wheels."""
        out = []
        for s in scanned:
            if s.pin.is_wheel:
                out.append(s)
                continue
            sha, cached = self._build(s.pin)
            pin = Pin(name=s.pin.name, version=s.pin.version, url=cached.as_uri(),
                      filename=cached.name, sha256=sha, is_wheel=True,
                      requested=s.pin.requested, source=f"built from {s.pin.filename}")
            out += self.scan([(pin, cached)], label=f"scanning {cached.name}")
        return out


def _resolve(g: Gate, input_path: Path | None, cwd: Path,
             env: Mapping[str, str] | None) -> Resolution:
    g.progress.update("resolving")
    lasting = g.cache.lasting_root
    memo = g.memo = ParsedCache(lasting, code=g.scanner) if lasting is not None else None
    res = resolve(g.options, g.target, cwd=cwd, input_path=input_path,
                  on_sdist=g.on_sdist, env=env, on_settings=g.use_settings, memo=memo)
    g.satisfied = res.satisfied
    kept = f"; {satisfied_line(res.satisfied)}" if res.satisfied else ""
    if res.kept:
        kept = f"; {len(res.kept)} {KEPT_SCANNED}{kept}"
    g.progress.finish("resolving", count(len(res.pins), "package")
                      + (" (from the lockfile)" if res.locked else "") + kept)
    return res


# installed at the version the resolution keeps, and still fetched, scanned and compared:
# the installed copy stays only if it is the scanned bytes (docs/security.md)
KEPT_SCANNED = "already satisfied (scanned; the installed copy stays if it is these bytes)"


def satisfied_line(satisfied: Sequence[tuple[str, str]]) -> str:
    return f"{len(satisfied)} already satisfied (not scanned: installed before permpip ran)"


def to_install(placed: Placed, options: GateOptions, again: Sequence[str]) -> list[Scanned]:
    """Each package of the set pip/uv installs (or would): every one, but for one
    installed at its version already that pip/uv calls "already satisfied" and that
    permpip does not reinstall (``again``: its bytes are not the scanned ones).
    ``--force-reinstall`` and ``-I`` install all, as ``--target`` with pip does."""
    every = (options.flag("--force-reinstall", "-I", "--ignore-installed")
             or (options.backend is not Backend.UV and options.flag("-t", "--target")))
    out = []
    for s in placed.scanned:
        have = placed.state.dists.get(s.pin.name) if placed.state is not None else None
        if every or have is None or have.version != s.pin.version or s.pin.name in again:
            out.append(s)
    return out


def changing(wheels: Sequence[Scanned], local: Sequence[LocalInstall]) -> list[str]:
    """``name version`` of each of ``wheels`` (``to_install``'s) and of the local projects:
    what pip/uv installs (or would)."""
    return ([f"{s.pin.name} {s.pin.version}" for s in wheels]
            + [f"{lp.project.name} (your project)" for lp in local])


def scan_input(input_path: Path | None, *, cwd: Path, options: GateOptions,
               progress: Progress | None = None) -> list[Scanned]:
    path = input_path if input_path is not None else find_default_input(cwd)
    with _gate(options, progress=progress, policy=None) as g:
        return _scan_set(g, path, cwd)


def scan_for_policy(input_path: Path | None, *, cwd: Path, options: GateOptions,
                    consent: Policy | None = None,
                    progress: Progress | None = None) -> list[PackageScan]:
    """``policy init``: what ``permpip install`` would judge, nothing built to learn it.
    The set as ``scan_input`` reads it (an sdist scanned in place of its wheel), and the
    build requirements of every sdist in it (as build-time code, ``as_build_requirement``).
    An sdist whose dependencies cannot be read statically is built when ``consent`` (the
    policy being extended) grants it install-hooks: then its wheel, its build requirements
    and the sdist are all in the answer."""
    path = input_path if input_path is not None else find_default_input(cwd)
    with _gate(options, progress=progress, policy=None) as g:
        g.consent = consent
        scanned = _scan_set(g, path, cwd)
        for s in scanned:
            if not s.pin.is_wheel:
                g.extra += [d.scan for d in g._build_requirements(
                    builder.build_requirements(s.path), of=f"{s.pin.name} {s.pin.version}",
                    where=f"{s.pin.filename}:pyproject.toml", line=1)]
        return merge_scans([s.scan for s in scanned] + g.extra)


def _scan_set(g: Gate, path: Path, cwd: Path) -> list[Scanned]:
    """The set resolved (sdists read, not built: ``Gate.read_sdist``), fetched, scanned;
    each stand-in wheel replaced by the sdist it stands for."""
    g.on_sdist = g.read_sdist
    res = _resolve(g, path, cwd, None)
    wheels = [p for p in res.pins if p.filename not in g.standins]
    done = iter(g.scan(g.fetch(wheels)))
    return [next(done) if p.filename not in g.standins else
            replace(g.standins[p.filename], pin=replace(g.standins[p.filename].pin,
                                                        requested=p.requested))
            for p in res.pins]


def _target_named(options: GateOptions) -> bool:
    """``--python``, ``--target``, ``--prefix`` or ``--root`` says where to install."""
    return options.python is not None or options.flag("-t", "--target", "--prefix", "--root")


def choose_target(options: GateOptions, env: Mapping[str, str] | None) -> GateOptions:
    """The environment to install into: ``--python``, else an activated virtualenv that is
    not permpip's own (as uv does), else permpip's own (refused at install time)."""
    if _target_named(options):
        return options
    venv = (os.environ if env is None else env).get("VIRTUAL_ENV")
    if venv and Path(venv).is_dir() and not _same_dir(Path(venv), Path(sys.prefix)):
        return replace(options, python=venv)
    return options


def refuse_own_environment(options: GateOptions) -> None:
    """permpip's own environment is a target only when ``--python`` names it: a package
    installed there could replace permpip itself (its modules, its command, its
    dependencies) before the next run."""
    if _target_named(options):
        return
    raise UsageError("permpip installs into the environment it runs in only when --python "
                     "names it",
                     hint="install into your application's environment: permpip install "
                          "--python /path/to/venv/bin/python ... (or activate that venv); "
                          f"--python {sys.executable} to install into permpip's own")


def _same_dir(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def run_gate(options: GateOptions, *, cwd: Path, install: bool, input_path: Path | None = None,
             progress: Progress | None = None,
             env: Mapping[str, str] | None = None,
             recorder: Recorder | None = None) -> GateResult:
    """``recorder``: told what an eligible ``install`` did, for the warm path's record
    (``gate.warm``)."""
    if install:
        options = choose_target(options, env)
        options = install_settings(options, target_python=options.python or sys.executable,
                                   env=os.environ if env is None else env)
        options = replace(options, installing=True)  # pip install's rules on what is there
    # the requirements files read: where a policy beside each pin may stand (no pyproject)
    inputs = [*([input_path] if input_path is not None else []),
              *(Path(f) for f in options.requirement_files if "://" not in f)]
    if input_path is None and not install:
        try:
            inputs.append(find_default_input(cwd))
        except UsageError:
            pass  # (said below, after the policy's own errors)
    policy = load_policy(options.policy, cwd=cwd, inputs=[
        p for p in inputs if not p.name.endswith((".toml", ".lock"))])
    if input_path is None and not install:
        input_path = find_default_input(cwd)
    with _gate(options, progress=progress, policy=policy, env=env) as g:
        if recorder is not None:  # the target is probed, its state not read yet: the key
            recorder.target_known(g.cache.lasting_root)
        try:
            res = _resolve(g, input_path, cwd, env)
            scanned = g.scan(g.fetch(res.pins))
            local = g.prepare_local(res.local_projects)
            placed = g.place(scanned, install=install)
            verdict = g.evaluate([s.scan for s in placed.scanned] + g.extra)
            if verdict.allowed and any(not s.pin.is_wheel for s in scanned):
                placed = g.place(g.build_locked_sdists(scanned), install=install)
                verdict = g.evaluate([s.scan for s in placed.scanned] + g.extra)
        except Refused as refused:
            return GateResult(verdict=refused.verdict, scanned=(), extra=tuple(refused.scans),
                              satisfied=g.satisfied)
        scanned = list(placed.scanned)
        result = GateResult(verdict=verdict, scanned=tuple(scanned), extra=tuple(g.extra),
                            satisfied=g.satisfied)
        if not (install and verdict.allowed):
            return result
        if not options.dry_run:
            refuse_own_environment(options)
        done, changed = g.install(placed, local, env)
        kept = len(scanned) + len(local) - len(changed)
        g.progress.finish("installing", count(len(changed), "package")
                          + (f", {kept} installed at that version already" if kept else "")
                          + (" (dry run)" if options.dry_run else ""))
        said = done.stdout + (done.stderr if options.backend is Backend.UV else "")  # uv: stderr
        if recorder is not None:
            _tell(recorder, g, res, placed, local, verdict, changed)
        return replace(result, installed=True, output=said, changed=tuple(changed))


def _tell(recorder: Recorder, g: Gate, res: Resolution, placed: Placed,
          local: Sequence[LocalInstall], verdict: Verdict, changed: Sequence[str]) -> None:
    """What the warm path's record needs of an install that ended well: the wheels handed to
    uv, in order, when they are all the run did (no sdist, no build requirement, no project
    of the user's, nothing kept from the target) and uv installed every one, and the set is
    the input's own (a lock: every pin ``==`` and hashed; a resolution depends on what the
    indexes offer now, which no key holds)."""
    recorder.parse = g.memo.witnessed if g.memo is not None else None
    pins = [s.pin for s in placed.scanned]
    if (res.locked and verdict.allowed and g.options.backend is Backend.UV
            and not g.options.dry_run
            and not local and not g.satisfied and not res.kept and not g.extra
            and all(p.is_wheel and p.sha256 for p in pins)
            and list(changed) == [f"{p.name} {p.version}" for p in pins]):
        recorder.wheels = [[p.name, p.version, p.filename, p.sha256 or ""] for p in pins]
        recorder.claims = placement.claims(placed.tops, placed.paths, g.target)
        recorder.uv_args = installer._uv_install_args(g.options)
        recorder.scanner = g.scanner
        recorder.done = True


@dataclass(frozen=True, kw_only=True, slots=True)
class Placed:
    """The set with the target's findings added, and where each wheel's files go."""

    scanned: tuple[Scanned, ...]
    wheels: tuple[environment.WheelFiles, ...]
    paths: environment.InstallPaths
    state: environment.TargetState | None
    tops: tuple[tuple[str, str], ...] = ()  # placement.tops: where the set installs


def _wheel_files(s: Scanned, paths: environment.InstallPaths,
                 state: environment.TargetState | None) -> environment.WheelFiles:
    """The wheel's files where installing needs them: when its distribution is installed
    at its version (compared with the scanned bytes, its bytecode purged); else its name
    and version are all that is read (``mismatched``, ``verify_installed``)."""
    have = state.dists.get(s.pin.name) if state is not None else None
    if have is not None and have.version == s.pin.version:
        return environment.read_wheel_files(s.path, name=s.pin.name, version=s.pin.version,
                                            paths=paths)
    return environment.WheelFiles(name=s.pin.name, version=s.pin.version,
                                  filename=s.pin.filename, destinations=(), path=s.path,
                                  layout=WheelLayout(dist_info="", placed=(),
                                                     root_is_purelib=True))


def _fetched(s: Scanned) -> Fetched:
    return Fetched(pin=s.pin, path=s.path)


def _changed(changed: Sequence[str]) -> str:
    if not changed:
        return "nothing was installed"
    return "this run changed: " + ", ".join(changed)


def _standin_wheel(workdir: Path, sdist: Pin, found: SdistRequires) -> Path:
    """A wheel holding only the metadata ``found`` read from ``sdist``: what the resolver
    reads in place of the wheel a build would make. Never installed: nothing in it runs."""
    from gate.scan.sdist_requires import standin_metadata
    dist = sdist.name.replace("-", "_")
    info = f"{dist}-{sdist.version}.dist-info"
    members = {f"{info}/METADATA": standin_metadata(sdist.name, sdist.version, found).encode(),
               f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: permpip (stand-in)\n"
                                b"Root-Is-Purelib: true\nTag: py3-none-any\n"}
    record = "".join(
        f"{p},sha256={base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b'=').decode()}"
        f",{len(d)}\n" for p, d in members.items()) + f"{info}/RECORD,,\n"
    path = Path(tempfile.mkdtemp(prefix="standin-", dir=workdir)) / (
        f"{dist}-{sdist.version}-py3-none-any.whl")
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        zf.writestr(f"{info}/RECORD", record)
    return path


__all__ = ["GateResult", "Refused", "Scanned", "merge_scans", "run_gate", "satisfied_line",
           "scan_for_policy", "scan_input"]
