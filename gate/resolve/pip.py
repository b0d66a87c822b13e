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

What is installed already: for ``permpip install`` (``GateOptions.installing``) pip resolves
against the target's installed distributions exactly as ``pip install`` would (no
``--ignore-installed`` unless the user gave it or ``--target``, which implies it in pip; the
user's ``-U``, ``--upgrade-strategy``, ``--force-reinstall`` passed on): its report lists only
what it would install. Which installed distributions the resolution kept ("Requirement already
satisfied") is read from pip's resolver result by the same runner (``Resolver.resolve``
wrapped: every resolved project that is installed at the resolved version and that pip does
not install) and comes back in ``Resolved.satisfied``. ``check``, ``scan``, ``diff`` and
build requirements resolve the whole set (``--ignore-installed``).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from packaging.requirements import InvalidRequirement, Requirement

from gate import _subprocess
from gate.cache import file_sha256
from gate.errors import FetchError, ResolveError, UsageError
from gate.fetch import describe, url2pathname
from gate.light import pip_hermetic_env
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
    # (name, version) installed in the target that the resolution keeps as they are
    satisfied: tuple[tuple[str, str], ...] = ()


# pip install options that decide what pip does with what is installed: they apply to the
# resolution of ``permpip install`` too
_KEEP_OR_REPLACE = ("-U", "--upgrade", "--force-reinstall", "-I", "--ignore-installed")


def installed_args(options: GateOptions) -> list[str]:
    """How the resolution treats the target's installed distributions: pip's own rules for
    ``permpip install``, the whole set (``--ignore-installed``) for anything else."""
    if not options.installing or options.flag("-t", "--target"):
        return ["--ignore-installed"]  # pip: --target implies --ignore-installed
    return [a for o in options.pip_options if o.name in _KEEP_OR_REPLACE for a in o.argv()]


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
    for spec in options.requirements:  # after `--` on permpip's line: pip must not see options
        if spec.startswith("-") or len(spec.splitlines()) > 1:
            raise UsageError(f"{spec.splitlines()[0] if spec.strip() else spec!r}: not a "
                             "requirement (it starts with '-' or holds a line break)")
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


# pip's resolver under the target interpreter (what ``pip --python`` does: the target runs
# permpip's pip, found through a finder that serves only ``pip``, as pip's own
# __pip-runner__.py does), with one guard: preparing an sdist or a source tree (the step that
# runs its build backend to read its metadata) fails instead. ``--only-binary :all:`` keeps
# pip from choosing sdists on an index, but not from building a direct reference that the
# metadata of a wheel names (``Requires-Dist: x @ https://.../x-1.0.tar.gz``): nothing of
# such a package may run before permpip has scanned it.
_GUARDED = """\
import functools, json, sys
from importlib.machinery import PathFinder
ROOT = sys.argv[1]
class _OnlyPip:
    @classmethod
    def find_spec(cls, fullname, path=None, target=None):
        return PathFinder.find_spec(fullname, [ROOT], target) if fullname == "pip" else None
sys.meta_path.insert(0, _OnlyPip())
from pip._internal.distributions import sdist
from pip._internal.exceptions import DiagnosticPipError, InstallationError
from pip._internal.req import req_install
def _refuse(self, *args, **kwargs):
    req = getattr(self, "req", self)
    link = getattr(req, "link", None)
    where = link.url_without_fragment if link is not None else str(req)
    raise InstallationError("permpip-would-build: " + where)
sdist.SourceDistribution.prepare_distribution_metadata = _refuse
req_install.InstallRequirement.prepare_metadata = _refuse
def _event(**fields):
    with open(sys.argv[3], "a", encoding="utf-8") as fh:
        fh.write(json.dumps(fields) + "\\n")
def _plain(text):
    from pip._vendor.rich.text import Text
    return text.plain if isinstance(text, Text) else Text.from_markup(str(text)).plain
def _why(exc):
    if type(exc).__name__ == "HashMismatch" and "sha256" in getattr(exc, "gots", {}):
        return ("hash mismatch: expected sha256 " + " or ".join(exc.allowed.get("sha256", []))
                + ", got " + exc.gots["sha256"].hexdigest())
    if isinstance(exc, DiagnosticPipError):
        context = _plain(exc.context or "").strip().splitlines()
        return _plain(exc.message) + (" (" + context[-1].strip() + ")" if context else "")
    return (type(exc).__name__ + ": " + str(exc)).strip()
def _url(link):
    return getattr(link, "redacted_url", None) or str(link)
def _telling(kind, where):
    def wrap(fn):
        @functools.wraps(fn)
        def inner(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except Exception as exc:
                if not getattr(exc, "_permpip_told", False):
                    try:
                        exc._permpip_told = True
                    except Exception:
                        pass
                    _event(kind=kind, url=where(*args), reason=_why(exc))
                raise
        return inner
    return wrap
from pip._internal.operations import prepare as _prep
for _name in ("prepare_linked_requirement", "_prepare_linked_requirement"):
    setattr(_prep.RequirementPreparer, _name, _telling(
        "file", lambda self, req, *a: _url(req.link).split("#")[0])(
        getattr(_prep.RequirementPreparer, _name)))
from pip._internal.index import package_finder as _finder
_finder.PackageFinder.process_project_url = _telling(
    "page", lambda self, link, *a: _url(link))(_finder.PackageFinder.process_project_url)
from pip._internal.index import collector as _collector
_skip = _collector._handle_get_simple_fail
def _skipped(link, reason, meth=None):
    _event(kind="page-skipped", url=_url(link), reason=str(reason))
    return _skip(link, reason, meth)
_collector._handle_get_simple_fail = _skipped
from pip._internal.network import session as _session
_secure = _session.PipSession.is_secure_origin
def _secure_or_tell(self, location):
    ok = _secure(self, location)
    if not ok:
        from urllib.parse import urlsplit
        _event(kind="insecure", url=_url(location), host=urlsplit(str(location)).hostname)
    return ok
_session.PipSession.is_secure_origin = _secure_or_tell
from pip._internal.resolution.resolvelib import resolver as _rl
_resolve = _rl.Resolver.resolve
def _resolve_and_tell(self, *args, **kwargs):
    req_set = _resolve(self, *args, **kwargs)
    installed = getattr(self.factory, "_installed_dists", {})
    kept = []
    for c in self._result.mapping.values():
        dist = installed.get(c.project_name) if c.name == c.project_name else None
        if dist is not None and c.project_name not in req_set.requirements \\
                and str(dist.version) == str(c.version):
            kept.append([str(c.project_name), str(dist.version)])
    with open(sys.argv[2], "w", encoding="utf-8") as fh:
        json.dump(sorted(kept), fh)
    return req_set
_rl.Resolver.resolve = _resolve_and_tell
from pip._internal.cli.main import main
sys.exit(main(sys.argv[4:]))
"""
_WOULD_BUILD = re.compile(r"permpip-would-build: (\S+)")


def pip_argv(target: Target, *rest: str, satisfied: Path | None = None,
             events: Path | None = None) -> list[str]:
    """The guarded pip runner; ``satisfied``: where it writes the installed distributions
    the resolution keeps (JSON ``[[name, version], ...]``); ``events``: where it appends
    what went wrong, as pip met it (JSON lines, ``read_events``)."""
    import pip

    root = str(Path(pip.__file__).resolve().parent.parent)
    return [target.python, "-I", "-c", _GUARDED, root, str(satisfied or os.devnull),
            str(events or os.devnull), *rest]


hermetic_env = pip_hermetic_env  # (in gate.light: the warm fast path uses it too)


def resolve_pip(options: GateOptions, target: Target, *, extra_find_links: list[str],
                env: Mapping[str, str] | None = None) -> Resolved:
    with tempfile.TemporaryDirectory(prefix="permpip-resolve-") as tmp:
        report = Path(tmp) / "report.json"
        kept = Path(tmp) / "satisfied.json"
        events = Path(tmp) / "events.jsonl"
        argv = pip_argv(
            target, "install",
            "--isolated",  # no user configuration, no PIP_* variables
            "--dry-run",
            *installed_args(options),  # pip install's rules on what is installed, or none
            "--report", str(report), "--quiet", "--no-input",
            "--only-binary", ":all:",  # never run an sdist's build backend
            *resolution_args(options),
            *(["-r", str(found)] if (found := index_file(options, Path(tmp))) else []),
            *(a for link in extra_find_links for a in ("--find-links", link)),
            satisfied=kept, events=events,
        )
        done = _subprocess.run(argv, env=hermetic_env(env), timeout=1800)
        if done.returncode != 0 or not report.exists():
            raise _failure(done.stderr, read_events(events))
        try:
            data = json.loads(report.read_text())
            satisfied = json.loads(kept.read_text()) if kept.exists() else []
        except ValueError as exc:
            raise ResolveError(f"pip wrote an unreadable report: {exc}") from None
    resolved = pins_from_report(data)
    try:
        pairs = tuple((normalize(str(n)), str(v)) for n, v in satisfied)
    except (TypeError, ValueError):
        raise ResolveError("pip's resolver wrote an unreadable list of installed "
                           "distributions") from None
    return Resolved(pins=resolved.pins, local_projects=resolved.local_projects,
                    satisfied=pairs)


def read_events(path: Path) -> list[dict[str, str]]:
    """What the guarded runner recorded as pip met it, in order: ``{"kind": "file" | "page" |
    "page-skipped" | "insecure", "url": ..., "reason": ..., "host": ...}``."""
    out = []
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    for line in text.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict):
            out.append({str(k): str(v) for k, v in event.items()})
    return out


# pip skips an index page it could not fetch ("Could not fetch URL ...: REASON - skipping");
# a page a project does not have there (404, or another client error) is no fault
_ABSENT = re.compile(r"^(?:4\d\d) Client Error|^HTTP error 4\d\d")


def _fault(events: list[dict[str, str]], missing: str | None) -> Exception | None:
    """The one line for what pip met on the network, or None: a file it could not download
    or read, a page it could not read, else (when nothing matched ``missing``, the project
    pip found no distribution for) a page it skipped, or an index it ignored as insecure."""
    for e in events:
        if e.get("kind") == "file" and not e.get("reason", "").startswith(
                "InstallationError: permpip-would-build"):
            reason = e["reason"].replace(f" while fetching {e['url']}", "")
            return FetchError(f"pip could not fetch {e['url']}: {describe(reason)}")
    for e in events:
        if e.get("kind") == "page":
            return FetchError(f"pip could not read the index page {e['url']}: "
                              f"{describe(e['reason'])}")
    if missing is None:
        return None
    for e in events:
        if e.get("kind") == "page-skipped" and not _ABSENT.match(e.get("reason", "")) \
                and not e.get("reason", "").startswith("Skipping page"):
            return FetchError(f"pip could not fetch the index page {e['url']}: "
                              f"{describe(e['reason'])}; no distribution found for {missing}")
    for e in events:
        if e.get("kind") == "insecure":
            host = e.get("host", "")
            return FetchError(f"pip ignored the index {e['url']}: {host} is not a trusted or "
                              f"secure host (plain http), so no distribution was found for "
                              f"{missing}; use https, or allow it with --trusted-host {host}")
    return None


def _failure(stderr: str, events: list[dict[str, str]] | None = None) -> Exception:
    if m := _WOULD_BUILD.search(stderr):
        return ResolveError(f"pip's resolver would build {m.group(1)} to read its metadata "
                            "(a direct reference to an sdist or a source tree, named by a "
                            "requirement or by a dependency's metadata); refused before any of "
                            "its code ran",
                            stderr=stderr,
                            hint="pin a released version from the index, or name the file on "
                                 "permpip's command line so that it is scanned first")
    matches = _NO_MATCH.findall(stderr)
    fault = _fault(events or [], matches[-1].strip() if matches else None)
    if fault is not None:
        return fault
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
                sha = file_sha256(Path(url2pathname(urlsplit(url).path)))
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
