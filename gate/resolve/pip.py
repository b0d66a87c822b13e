"""Resolution with pip's own resolver, running no package code.

``pip install --dry-run --ignore-installed --report FILE --only-binary :all:`` with the
user's requirements and options, for the target interpreter (``--python``), honouring the
user's pip configuration. ``--only-binary :all:`` keeps pip from running any sdist's build
backend (pip builds every sdist it considers to learn its metadata).

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
import re
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


def resolution_args(options: GateOptions) -> list[str]:
    """The user's requirement and resolution options, without verbosity (permpip's own)."""
    args = [a for a in options.args_for(Step.RESOLVE)
            if a not in ("-q", "--quiet", "-v", "--verbose")]
    return args + list(options.requirements)


def pip_argv(target: Target, *rest: str) -> list[str]:
    return [sys.executable, "-m", "pip", "--python", target.python, *rest]


def resolve_pip(options: GateOptions, target: Target, *, extra_find_links: list[str],
                env: Mapping[str, str] | None = None) -> Resolved:
    with tempfile.TemporaryDirectory(prefix="permpip-resolve-") as tmp:
        report = Path(tmp) / "report.json"
        argv = pip_argv(
            target, "install",
            "--dry-run", "--ignore-installed",  # the whole set, whatever is installed
            "--report", str(report), "--quiet", "--no-input",
            "--only-binary", ":all:",  # never run an sdist's build backend
            *resolution_args(options),
            *(a for link in extra_find_links for a in ("--find-links", link)),
            *_last_word(options, Path(tmp)),
        )
        done = _subprocess.run(argv, env=env, timeout=1800)
        if done.returncode != 0 or not report.exists():
            raise _failure(done.stderr)
        try:
            data = json.loads(report.read_text())
        except ValueError as exc:
            raise ResolveError(f"pip wrote an unreadable report: {exc}") from None
    return pins_from_report(data)


def _last_word(options: GateOptions, tmp: Path) -> list[str]:
    """A requirements file's ``--no-binary``/``--only-binary :none:`` line overrides the
    command line's ``--only-binary :all:`` (pip applies file options as it reads them) and
    would let pip build sdists: a last requirements file says ``:all:`` again."""
    if not options.requirement_files:
        return []
    last = tmp / "only-binary.txt"
    last.write_text("--only-binary :all:\n")
    return ["-r", str(last)]


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
