"""install: exactly the verified files -> pip or uv, offline, no second resolution.

A throwaway directory holds one link per verified file (under its real filename) and a
generated ``requirements.txt`` of ``name==version --hash=sha256:...``; pip (>= 26.1, from
permpip's own environment, ``--python TARGET``) or uv installs from it with no index, no
dependencies and hashes required. The user's install options (``--target``, ``--prefix``,
``--user``, ``--upgrade``, ``-q``/``-v``, ``--dry-run`` ...) apply. The user's own project
(``.``/``-e .``) is installed afterwards with ``--no-deps`` (its dependencies are the
verified set), ``--no-index`` and ``--find-links`` to a directory holding only its verified
build requirements, with no pip/uv configuration or environment settings: build isolation
can take nothing else.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.version import Version

from gate import _subprocess, uv_link
from gate.build import LocalProject
from gate.environment import InstallPaths
from gate.errors import InstallError, UsageError
from gate.fetch import Fetched
from gate.light import link_or_copy, offline_env, uv_install_argv
from gate.options import Backend, GateOptions, Step
from gate.resolve.target import Target
from gate.resolve.uv import uv_bin

MIN_PIP = Version("26.1")

# pip install option -> uv pip install option (None: same spelling; absent: unsupported)
_UV_INSTALL: dict[str, str | None] = {
    "-t": "--target", "--target": None, "--prefix": None, "-U": "--upgrade",
    "--upgrade": None, "--force-reinstall": "--reinstall", "--dry-run": None,
    "-q": "--quiet", "--quiet": None, "-v": "--verbose", "--verbose": None,
    "--break-system-packages": None, "--compile": "--compile-bytecode",
    "--no-compile": None, "-I": None, "--ignore-installed": None,
    "--no-warn-script-location": None, "--no-warn-conflicts": None,
}


@dataclass(frozen=True, kw_only=True, slots=True)
class LocalInstall:
    """The user's own project and the verified wheels its build may use."""

    project: LocalProject
    build_wheels: tuple[Fetched, ...] = ()


def check_pip() -> None:
    import importlib.metadata  # the pip backend only

    version = Version(importlib.metadata.version("pip"))
    if version < MIN_PIP:
        raise InstallError(f"pip {version} in permpip's environment is too old (needs >= "
                           f"{MIN_PIP}: older pip runs code at install)",
                           hint=f"{sys.executable} -m pip install 'pip>={MIN_PIP}'")


def _stage(files: Sequence[Fetched], where: Path) -> Path:
    links = where / "verified"
    links.mkdir()
    _link_all(files, links)
    _write_requirements(files, where)
    return links


def _write_requirements(files: Sequence[Fetched], where: Path) -> None:
    lines = [f"{f.pin.name}=={f.pin.version} --hash=sha256:{f.pin.sha256}\n" for f in files]
    (where / "requirements.txt").write_text("".join(lines))


def _link_all(files: Sequence[Fetched], links: Path) -> None:
    for f in files:
        if not f.pin.is_wheel:
            raise InstallError(f"{f.pin.filename}: only wheels are installed (build it first)")
        dest = links / f.pin.filename
        if dest.exists():
            continue
        link_or_copy(f.path, dest)


def install(files: Sequence[Fetched], *, options: GateOptions, target: Target,
            local_projects: Sequence[LocalInstall] = (),
            env: Mapping[str, str] | None = None,
            reinstall: Sequence[str] = (),
            cache_root: Path | None = None,
            paths: InstallPaths | None = None,
            installing: Iterable[str] = (),
            warn: Callable[[str], None] | None = None) -> _subprocess.Completed:
    """Install ``files`` (all verified wheels); returns what pip/uv printed.

    ``reinstall``: names installed at the pinned version from other bytes; pip and uv
    would call them "already satisfied", so they are reinstalled from the verified wheel.
    ``cache_root``: permpip's cache; uv then keeps its own cache under it (``CACHE/uv``,
    private to permpip) and links its unpacked copies into the target once they are
    verified (``gate.uv_link``; ``paths``: where the target's schemes are, ``installing``:
    the names uv installs now, whose installed files are checked afterwards). Without it
    uv runs with ``--no-cache`` (a throwaway cache) from a throwaway directory."""
    with tempfile.TemporaryDirectory(prefix="permpip-install-") as tmp:
        where = Path(tmp)
        reqs = str(where / "requirements.txt")
        linker: uv_link.Linker | None = None
        wheels: list[uv_link.Wheel] = []
        before: set[str] = set()
        hard = False
        if options.backend is Backend.UV:
            if cache_root is not None:
                _write_requirements(files, where)
                links = where
                linker = uv_link.Linker(cache_root, warn=warn)
                wheels = linker.prepare(files)
                # hard links from uv's cache into the target: only where the target is on
                # the cache's file system (else uv would fall back to copying, with a warning)
                hard = paths is not None and all(uv_link.same_device(d, linker.uv)
                                                 for d in (paths.purelib, paths.platlib))
                before = linker.archives_now()
                source = [*(a for w in wheels for a in ("--find-links", str(w.links))),
                          "--cache-dir", str(linker.uv),  # permpip's own (gate.uv_link)
                          "--link-mode", "hardlink" if hard else "copy"]
            else:
                links = _stage(files, where)
                source = ["--find-links", str(links), "--no-cache"]
            argv = uv_install_argv(uv_bin(), target.python, source, reqs,
                                   _uv_install_args(options))
        else:
            links = _stage(files, where)
            check_pip()
            argv = [sys.executable, "-m", "pip", "--python", target.python, "install",
                    "--isolated",  # configuration was read by permpip: passed on explicitly
                    "--no-index", "--find-links", str(links),  # exactly the verified files
                    "--no-deps",  # the set is complete: no second resolution
                    "--require-hashes", "--no-cache-dir", "--no-input",
                    "--only-binary", ":all:",  # approved sdists were built already
                    "-r", reqs, *options.args_for(Step.INSTALL)]
        try:
            done = _run(argv, links, env, files, reinstall, options, where)
        except BaseException:
            if linker is not None:
                linker.abandon(wheels)
            raise
        if linker is not None and done is not None:
            linker.finish(wheels, before=before, paths=paths if hard else None,
                          installed=() if options.dry_run else installing)
        out = done or _subprocess.Completed(argv=(), returncode=0, stdout="", stderr="")
        for project in local_projects:
            more = _install_local(project, options=options, target=target, env=env,
                                  where=where)
            out = _subprocess.Completed(argv=out.argv, returncode=0,
                                        stdout=out.stdout + more.stdout,
                                        stderr=out.stderr + more.stderr)
        return out


def _run(argv: list[str], links: Path, env: Mapping[str, str] | None,
         files: Sequence[Fetched], reinstall: Sequence[str], options: GateOptions,
         where: Path) -> _subprocess.Completed | None:
    """pip or uv with ``argv``, then again with ``--force-reinstall``/``--reinstall`` for
    ``reinstall``; what they printed (None: no files)."""
    done = _subprocess.run(argv, env=offline_env(env, links), timeout=3600) if files else None
    if done is not None and done.returncode != 0:
        raise _failure(done)
    if reinstall and done is not None:
        again = where / "reinstall.txt"
        again.write_text("".join(f"{f.pin.name}=={f.pin.version} --hash=sha256:"
                                 f"{f.pin.sha256}\n" for f in files
                                 if f.pin.name in reinstall))
        force = ["--reinstall"] if options.backend is Backend.UV else ["--force-reinstall"]
        argv2 = [*argv[:argv.index("-r")], *force, "-r", str(again),
                 *argv[argv.index("-r") + 2:]]
        more = _subprocess.run(argv2, env=offline_env(env, links), timeout=3600)
        if more.returncode != 0:
            raise _failure(more)
        done = _subprocess.Completed(argv=done.argv, returncode=0,
                                     stdout=done.stdout + more.stdout,
                                     stderr=done.stderr + more.stderr)
    return done


def _install_local(local: LocalInstall, *, options: GateOptions, target: Target,
                   env: Mapping[str, str] | None, where: Path) -> _subprocess.Completed:
    project = local.project
    links = where / f"build-{len(list(where.glob('build-*')))}"
    links.mkdir()
    _link_all(local.build_wheels, links)
    editable = ["-e"] if project.editable else []
    # No configuration, no PIP_*/UV_* settings: an index or find-links from either would
    # let build isolation take files permpip did not verify.
    clean = {k: v for k, v in (os.environ if env is None else env).items()
             if not k.startswith(("PIP_", "UV_")) or k in ("UV_CACHE_DIR", "PIP_CACHE_DIR")}
    if options.backend is Backend.UV:
        clean["UV_NO_CONFIG"] = "1"
        argv = [uv_bin(), "pip", "install", "--python", target.python, "--no-deps",
                "--offline", "--no-index", "--find-links", str(links), "--no-cache",
                "--no-sources",  # [tool.uv.sources] would swap in unscanned paths
                *_uv_install_args(options), *editable, str(project.path)]
    else:
        clean.update(PIP_CONFIG_FILE=os.devnull, PIP_NO_INPUT="1")
        argv = [sys.executable, "-m", "pip", "--python", target.python, "install",
                "--isolated",  # no user configuration or PIP_* environment
                "--no-deps",  # its dependencies are the verified set installed above
                "--no-index", "--find-links", str(links),  # its verified build requirements
                "--no-cache-dir", "--no-input",
                *options.args_for(Step.INSTALL), *editable, str(project.path)]
    done = _subprocess.run(argv, env=clean, timeout=3600)
    if done.returncode != 0:
        raise _failure(done)
    return done


def _uv_install_args(options: GateOptions) -> list[str]:
    args: list[str] = []
    for o in options.pip_options:
        if o.step not in (Step.INSTALL, Step.BOTH) or o.name in ("--no-cache-dir",):
            continue
        if o.name not in _UV_INSTALL:
            if o.step is Step.INSTALL:
                raise UsageError(f"--backend uv: {o.name} has no uv equivalent")
            continue  # network options: the install is offline
        args += [_UV_INSTALL[o.name] or o.name, *([o.value] if o.value is not None else [])]
    return args


def _failure(done: _subprocess.Completed) -> InstallError:
    lines = [ln.strip() for ln in done.stderr.splitlines() if ln.strip()]
    last = next((ln for ln in reversed(lines) if ln.lower().startswith(("error", "×"))),
                lines[-1] if lines else f"exit status {done.returncode}")
    tool = "uv" if "uv" in Path(done.argv[0]).name else "pip"
    return InstallError(f"{tool} install failed: {last.removeprefix('ERROR: ')}")
