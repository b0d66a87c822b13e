"""Resolution with uv's resolver: ``uv pip compile --format pylock.toml --only-binary :all:``.

The same contract as the pip backend: wheels only (no build backend runs), for the target
interpreter. The user's uv configuration files and ``UV_*`` variables were read by
``gate.resolve.reqfile`` and arrive as explicit options (``GateOptions.uv_args`` for uv-only
ones), requirement and constraint files as one flattened file each; uv runs hermetically
(``--no-config``, no ``UV_*`` variables but the cache, TLS, network tuning and index
credentials). uv writes a pylock.toml that is read like any other lockfile. A requirement
with no usable wheel is recognised from uv's error (``NAME==VERSION has no usable wheels``
/ ``Wheels are required for `NAME```) and handed to the caller as ``NoWheel``; anything
else fails closed.

What is installed already (``permpip install``, ``GateOptions.installing``): ``uv pip
install`` prefers an installed version that satisfies the requirements, for every package
(uv's ``CandidateSelector``: "Using installed X that satisfies ..."), unless ``--upgrade``
or ``--reinstall``; and it leaves a distribution installed at the resolved version as it is
unless ``--reinstall``. ``uv pip compile`` knows nothing of the target, but it prefers the
versions of an existing output file (uv's ``read_pylock_toml_requirements``): the target's
distributions (``uv pip list``, with the user's ``--target``/``--prefix``) are written
there as preferences, and the pins installed at their resolved version come back in
``Resolved.satisfied`` instead of the pins.
"""

from __future__ import annotations

import json
import math
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.version import InvalidVersion, Version

from gate import _subprocess
from gate.errors import FetchError, ResolveError, UsageError
from gate.fetch import describe
from gate.light import uv_bin as uv_bin  # re-exported (gate.install, tests)
from gate.light import uv_hermetic_env
from gate.model import normalize
from gate.options import GateOptions
from gate.resolve.lockfile import read_pylock
from gate.resolve.pip import NoWheel, Resolved, index_file
from gate.resolve.target import Target

_NO_WHEELS = re.compile(r"([A-Za-z0-9._-]+)==(\S+) has no usable wheels")
_REQUIRED = re.compile(r"Wheels are required for `([A-Za-z0-9._-]+)`")

# pip option -> uv pip compile option (None: same spelling). Indexes and find-links go in a
# requirements file (``gate.resolve.pip.index_file``).
_COMPILE: dict[str, str | None] = {
    "-c": "--constraint", "--constraint": None, "--no-deps": None, "--python-version": None,
    "--cache-dir": None, "--no-cache-dir": "--no-cache", "--build-constraint": None,
    "--trusted-host": "--allow-insecure-host", "--keyring-provider": None,
}

hermetic_env = uv_hermetic_env  # (in gate.light: the warm fast path uses it too)


def network_env(options: GateOptions, env: dict[str, str]) -> dict[str, str]:
    """``env`` with pip's ``--timeout``/``--retries`` as uv reads them: uv takes no such
    options, only ``UV_HTTP_TIMEOUT`` (whole seconds) and ``UV_HTTP_RETRIES``; without them
    uv waits 30 s and retries 3 times, not pip's 15 s and 5 times."""
    out = dict(env)
    out.pop("COLUMNS", None)  # uv wraps its messages at COLUMNS: permpip reads them whole
    timeout = options.values("--timeout")
    retries = options.values("--retries")
    try:
        if timeout:
            out["UV_HTTP_TIMEOUT"] = str(max(1, math.ceil(float(timeout[-1]))))
        if retries:
            out["UV_HTTP_RETRIES"] = str(max(0, int(retries[-1])))
    except ValueError:
        raise UsageError(f"--timeout {timeout[-1] if timeout else ''} / --retries "
                         f"{retries[-1] if retries else ''}: not a number") from None
    return out


def compile_args(options: GateOptions, workdir: Path) -> list[str]:
    args: list[str] = []
    for o in options.pip_options:
        if o.name in ("-r", "--requirement"):
            args.append(str(Path(o.value or "").resolve()))
        elif o.name == "--pre":
            args += ["--prerelease", "allow"]
        elif o.name in _COMPILE:
            args += [_COMPILE[o.name] or o.name, *([o.value] if o.value is not None else [])]
        elif o.name in ("-e", "--editable"):
            raise UsageError("--backend uv: editable requirements are not supported; "
                             "use the pip backend")
    if options.requirements:
        from gate.resolve.reqfile import write_flat

        extra = write_flat(options.requirements, workdir / "requirements.in")
        args.append(str(extra))
    indexes = index_file(options, workdir, pip=False)
    return [*args, *([str(indexes)] if indexes else []), *options.uv_args]


def installed_dists(options: GateOptions, target: Target,
                    env: Mapping[str, str] | None) -> dict[str, str]:
    """Normalised name -> version of what ``uv pip install`` would see installed: the
    target's environment, or the user's ``--target``/``--prefix`` directory."""
    where = [a for o in options.pip_options if o.name in ("-t", "--target", "--prefix")
             for a in ("--target" if o.name == "-t" else o.name, o.value or "")]
    argv = [uv_bin(), "pip", "list", "--no-config", "--no-cache", "--format", "json", "--offline",
            "--python", target.python, *where[-2:]]
    done = _subprocess.run(argv, env=hermetic_env(env), timeout=600)
    if done.returncode != 0:
        lines = [ln.strip() for ln in done.stderr.splitlines() if ln.strip()]
        raise ResolveError("uv could not list the installed packages: "
                           f"{lines[0].removeprefix('error: ') if lines else 'no output'}",
                           stderr=done.stderr)
    try:
        return {normalize(str(d["name"])): str(d["version"])
                for d in json.loads(done.stdout or "[]")}
    except (ValueError, KeyError, TypeError):
        raise ResolveError("uv listed the installed packages unreadably") from None


def _same_version(installed: str | None, pinned: str) -> bool:
    if installed is None:
        return False
    try:
        return Version(installed) == Version(pinned)
    except InvalidVersion:
        return installed == pinned


def _reinstalls(options: GateOptions) -> bool:
    return options.flag("--force-reinstall", "-I", "--ignore-installed")


def _preferences(installed: Mapping[str, str], path: Path) -> None:
    """A pylock.toml holding only names and versions: what uv pip compile prefers."""
    rows = "".join(f'\n[[packages]]\nname = {json.dumps(n)}\nversion = {json.dumps(v)}\n'
                   for n, v in sorted(installed.items()))
    path.write_text('lock-version = "1.0"\ncreated-by = "permpip"\n' + rows,
                    encoding="utf-8")


def resolve_uv(options: GateOptions, target: Target, *, extra_find_links: list[str],
               env: Mapping[str, str] | None = None) -> Resolved:
    installed = installed_dists(options, target, env) if options.installing else {}
    with tempfile.TemporaryDirectory(prefix="permpip-uv-") as tmp:
        out = Path(tmp) / "pylock.toml"
        if installed and not _reinstalls(options) and not options.flag("-U", "--upgrade"):
            _preferences(installed, out)  # uv pip install prefers installed versions
        argv = [uv_bin(), "pip", "compile", "--quiet",
                "--no-config",  # its configuration was read by permpip: explicit below
                "--format", "pylock.toml", "--output-file", str(out),
                "--only-binary", ":all:",  # never run an sdist's build backend
                "--python", target.python,
                *compile_args(options, Path(tmp)),
                *(a for link in extra_find_links for a in ("--find-links", link))]
        done = _subprocess.run(argv, env=network_env(options, hermetic_env(env)),
                               timeout=1800)
        if done.returncode != 0 or not out.exists():
            raise _failure(done.stderr)
        locked = read_pylock(out, cwd=Path(tmp), target=target, shown="uv pip compile output")
    if _reinstalls(options):
        return Resolved(pins=locked.pins, local_projects=locked.local_projects)
    kept = tuple((p.name, p.version) for p in locked.pins
                 if _same_version(installed.get(p.name), p.version))
    return Resolved(pins=[p for p in locked.pins if (p.name, p.version) not in kept],
                    local_projects=locked.local_projects, satisfied=kept)


def _blocks(stderr: str) -> list[tuple[str, str, list[str]]]:
    """uv's diagnostics: ``(level, header, causes)`` for each ``error:``/``hint:``/
    ``warning:`` line, its ``cause:`` lines (continuation lines joined with a line break)."""
    out: list[tuple[str, str, list[str]]] = []
    for raw in stderr.splitlines():
        line = raw.strip()
        if not line:
            continue
        level, sep, rest = line.partition(": ")
        if sep and not raw.startswith(" ") and level in ("error", "hint", "warning"):
            out.append((level, rest.strip(), []))
        elif out and line.startswith("cause: "):
            out[-1][2].append(line.removeprefix("cause: "))
        elif out and out[-1][2]:
            out[-1][2][-1] += "\n" + line
        elif out:
            out[-1] = (out[-1][0], f"{out[-1][1]} {line}", out[-1][2])
    return out


_FETCH = re.compile(r"^Failed to (?:fetch|download|read)[^:]*: `?(\S+?)`?$")


def _failure(stderr: str) -> Exception:
    try:
        if m := _NO_WHEELS.search(stderr):
            return NoWheel(Requirement(f"{m.group(1)}=={m.group(2)}"), stderr)
        if m := _REQUIRED.search(stderr):
            return NoWheel(Requirement(m.group(1)), stderr)
    except InvalidRequirement:
        pass
    blocks = _blocks(stderr)
    error = next((b for b in blocks if b[0] == "error"), None)
    if error is None:
        lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
        return ResolveError(f"uv could not resolve the requirements: "
                            f"{lines[-1] if lines else 'no output'}", stderr=stderr)
    _level, header, causes = error
    hints = [h + "".join(f": {c}" for c in cs) for lvl, h, cs in blocks if lvl == "hint"]
    hint = " ".join(hints).replace("\n", " ") or None
    fetch = next((m.group(1) for text in (header, *causes)
                  if (m := _FETCH.match(text.splitlines()[0]))), None)
    if fetch is not None:  # a page or file uv could not get: where, and why
        why = describe(causes[-1] if causes else header)
        retried = f" ({header[0].lower()}{header[1:]})" if header.startswith(
            "Request failed after") else ""
        return FetchError(f"uv could not fetch {fetch}: {why}{retried}", hint=hint)
    if header.startswith("No solution found"):  # uv's reasons, as uv words them
        why = "".join(f"\n  {ln}" for c in causes for ln in c.splitlines())
        return ResolveError(f"uv could not resolve the requirements: {header.rstrip(':')}:"
                            f"{why}", stderr=stderr, hint=hint)
    tail = f": {causes[-1]}" if causes else ""
    return ResolveError(f"uv could not resolve the requirements: {header}{tail}",
                        stderr=stderr, hint=hint)
