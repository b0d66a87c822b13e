"""Resolution with pip's own resolver, running no package code.

``pip install --dry-run --ignore-installed --report FILE --only-binary :all:`` with the
user's requirements and options, for the target interpreter (``--python``). The user's pip
configuration and ``PIP_*`` variables were read by ``gate.resolve.reqfile`` and arrive as
explicit options, requirement and constraint files as one flattened file each holding no
option lines; pip runs hermetically (``--isolated``, ``PIP_CONFIG_FILE=os.devnull``, no
``PIP_*``/``_PIP_*`` variables), so nothing it reads on its own can lift
``--only-binary :all:``, which keeps it from running any sdist's build backend (pip builds
every sdist it considers to learn its metadata).

Which requirement lacks a wheel: pip writes its JSON report only on success. On failure,
pip's last error line ``No matching distribution found for REQ`` is the one place that names
it (stable wording since pip 1.x); permpip parses REQ with ``packaging``, looks its sdists
up on the index itself and hands the newest matching one to the caller (``NoWheel``).
Anything else that fails is a ``ResolveError`` carrying pip's stderr: fail closed.
The user's own project (``.``, ``-e .``, a local directory) is resolved by pip as usual;
its dependencies are gated, it is not.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import sys
import tempfile
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from packaging.requirements import InvalidRequirement, Requirement

from gate import _subprocess
from gate.cache import file_sha256
from gate.errors import ResolveError
from gate.model import Pin, normalize
from gate.options import GateOptions, Step
from gate.resolve.target import Target

_NO_MATCH = re.compile(r"No matching distribution found for (.+?)(?:\s+\(from [^)]*\))?\s*$",
                       re.MULTILINE)


class NoWheel(Exception):  # noqa: N818 - a signal to the caller, not an error
    """The resolver found no usable wheel for ``requirement``."""

    def __init__(self, requirement: Requirement, stderr: str) -> None:
        super().__init__(str(requirement))
        self.requirement = requirement
        self.stderr = stderr


@dataclass(frozen=True, kw_only=True, slots=True)
class Resolved:
    pins: list[Pin]
    local_projects: list[str]  # URLs of the user's own projects (not gated)


_SCOPE = ("-i", "--index-url", "--extra-index-url", "--no-index", "-f", "--find-links")


def _in_file(options: GateOptions) -> bool:
    """Indexes go in a requirements file, except with ``--only-deps`` (pip takes no ``-r``
    with it)."""
    return not options.flag("--only-deps")


def resolution_args(options: GateOptions) -> list[str]:
    """The user's requirement and resolution options, without verbosity (permpip's own) and
    without the indexes and find-links (``index_file``)."""
    args: list[str] = []
    for o in options.pip_options:
        if (o.step is Step.RESOLVE or o.step is Step.BOTH) and \
                not (o.name in _SCOPE and _in_file(options)) and \
                o.name not in ("-q", "--quiet", "-v", "--verbose"):
            args += o.argv()
    return args + list(options.requirements)


def index_file(options: GateOptions, directory: Path, *, pip: bool = True) -> Path | None:
    """The indexes and find-links of ``options`` as option lines of a requirements file the
    resolver reads, so that credentials in index URLs (often from pip.conf) stay out of its
    command line, which other users can read. Written so that pip's and uv's handling of such
    lines gives the command line's meaning: the main index first (a file's ``--index-url``
    replaces every index before it), then the extra ones; local find-links made absolute."""
    if pip and not _in_file(options):
        return None
    lines = ["--no-index"] if options.flag("--no-index") else []
    main = options.values("-i", "--index-url")
    if main:
        lines.append(f"--index-url {shlex.quote(main[-1])}")
    lines += [f"--extra-index-url {shlex.quote(u)}" for u in options.values("--extra-index-url")]
    lines += [f"--find-links {shlex.quote(f if '://' in f else os.path.abspath(f))}"
              for f in options.values("-f", "--find-links")]
    if not lines:
        return None
    path = directory / "indexes.txt"
    path.write_text("".join(f"{ln}\n" for ln in lines), encoding="utf-8")
    return path


def pip_argv(target: Target, *rest: str) -> list[str]:
    return [sys.executable, "-m", "pip", "--python", target.python, *rest]


def hermetic_env(env: Mapping[str, str] | None) -> dict[str, str]:
    """``env`` (default ``os.environ``) without anything pip reads as configuration: no
    ``PIP_*`` settings, no ``_PIP_*`` internals, and no configuration files."""
    base = os.environ if env is None else env
    out = {k: v for k, v in base.items() if not k.startswith(("PIP_", "_PIP_"))}
    out["PIP_CONFIG_FILE"] = os.devnull
    return out


def resolve_pip(options: GateOptions, target: Target, *, extra_find_links: list[str],
                env: Mapping[str, str] | None = None) -> Resolved:
    with tempfile.TemporaryDirectory(prefix="permpip-resolve-") as tmp:
        report = Path(tmp) / "report.json"
        argv = pip_argv(
            target, "install",
            "--isolated",  # no user configuration, no PIP_* variables
            "--dry-run", "--ignore-installed",  # the whole set, whatever is installed
            "--report", str(report), "--quiet", "--no-input",
            "--only-binary", ":all:",  # never run an sdist's build backend
            *resolution_args(options),
            *(["-r", str(found)] if (found := index_file(options, Path(tmp))) else []),
            *(a for link in extra_find_links for a in ("--find-links", link)),
        )
        done = _subprocess.run(argv, env=hermetic_env(env), timeout=1800)
        if done.returncode != 0 or not report.exists():
            raise _failure(done.stderr)
        try:
            data = json.loads(report.read_text())
        except ValueError as exc:
            raise ResolveError(f"pip wrote an unreadable report: {exc}") from None
    return pins_from_report(data)


def _failure(stderr: str) -> Exception:
    matches = _NO_MATCH.findall(stderr)
    if matches:
        try:
            return NoWheel(Requirement(matches[-1].strip()), stderr)
        except InvalidRequirement:
            pass
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    last = next((ln for ln in reversed(lines) if ln.startswith("ERROR:")),
                lines[-1] if lines else "no output")
    return ResolveError(f"pip could not resolve the requirements: {last.removeprefix('ERROR: ')}",
                        stderr=stderr)


def pins_from_report(data: Mapping[str, Any]) -> Resolved:
    pins, local = [], []
    try:
        for item in data["install"]:
            info = item["download_info"]
            url = info["url"]
            meta = item["metadata"]
            if "dir_info" in info or "vcs_info" in info:
                if "vcs_info" in info:
                    raise ResolveError(f"{meta['name']}: VCS requirements are not supported "
                                       f"({url}); pin a released file instead")
                local.append(url)
                continue
            hashes = info.get("archive_info", {}).get("hashes", {})
            sha = hashes.get("sha256")
            filename = unquote(urlsplit(url).path).rsplit("/", 1)[-1]
            if sha is None and url.startswith("file:"):
                sha = file_sha256(Path(urllib.request.url2pathname(urlsplit(url).path)))
            if sha is None:
                raise ResolveError(f"{filename}: the index gives no sha256 for it",
                                   hint="use an index that publishes hashes (PEP 503 #sha256=)")
            pins.append(Pin(name=normalize(meta["name"]), version=str(meta["version"]),
                            url=url, filename=filename, sha256=sha,
                            is_wheel=filename.endswith(".whl"),
                            requested=bool(item.get("requested"))))
    except (KeyError, TypeError) as exc:
        raise ResolveError(f"unexpected pip report: missing {exc}") from None
    return Resolved(pins=pins, local_projects=local)
