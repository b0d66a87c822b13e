"""Lockfiles read directly, with no resolution step: hashed requirements, pylock.toml, uv.lock.

A hashed requirements file (pip-tools, ``uv pip compile --generate-hashes``) must pin every
entry with ``==`` and at least one ``--hash``; the file each hash names is looked up on the
index's project page (one request per project, concurrently): the best wheel for the target
interpreter, else the sdist. The choice is remembered in the cache next to the file, so a
lockfile whose files are all cached needs no request at all. pylock.toml is read with
``packaging.pylock`` and selected for the target; uv.lock goes through
``uv export --format pylock.toml``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import tempfile
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast
from urllib.parse import unquote, urlsplit

from packaging.markers import Environment
from packaging.requirements import InvalidRequirement, Requirement
from packaging.version import Version

from gate import _subprocess
from gate.cache import Cache, cache_root
from gate.errors import ResolveError, UsageError
from gate.model import Pin, normalize
from gate.options import GateOptions
from gate.resolve.index import IndexClient, IndexFile, client_for, pick_by_hash
from gate.resolve.target import Target


@dataclass(frozen=True, kw_only=True, slots=True)
class HashedEntry:
    req: Requirement
    version: str
    hashes: tuple[str, ...]
    source: str  # "requirements.txt:3"


@dataclass(kw_only=True, slots=True)
class HashedFile:
    entries: list[HashedEntry] = field(default_factory=list)
    unhashed: list[str] = field(default_factory=list)  # "file:line: req has no --hash"
    index_urls: list[str] = field(default_factory=list)
    has_hashes: bool = False


def _display(path: Path, cwd: Path) -> str:
    try:
        return str(path.resolve().relative_to(cwd.resolve()))
    except ValueError:
        return str(path)


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """(first line number, line) with ``\\`` continuations joined and comments removed."""
    buf, start = "", 0
    for no, raw in enumerate(text.splitlines(), 1):
        line = re.sub(r"(^|\s)#.*$", "", raw)
        if not buf:
            start = no
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        buf += line
        if buf.strip():
            yield start, buf.strip()
        buf = ""
    if buf.strip():
        yield start, buf.strip()


_HASH = re.compile(r"--hash[=\s]+(\S+)")
_PASS_OPTIONS = ("--pre", "--prefer-binary", "--require-hashes", "--no-index")


def read_hashed_requirements(path: Path, *, cwd: Path, target: Target,
                             out: HashedFile | None = None, depth: int = 0) -> HashedFile:
    """Parse a requirements file; ``has_hashes`` tells whether it is a hashed lockfile."""
    out = out if out is not None else HashedFile()
    if depth > 10:
        raise UsageError(f"{path}: requirements files nest too deep")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {path}: {one_line(exc)}") from None
    shown = _display(path, cwd)
    for no, line in _logical_lines(text):
        where = f"{shown}:{no}"
        if line.startswith("-"):
            opt, _, value = re.sub(r"\s*=\s*|\s+", " ", line, count=1).partition(" ")
            value = value.strip()
            if opt in ("-r", "--requirement"):
                read_hashed_requirements(path.parent / value, cwd=cwd, target=target,
                                         out=out, depth=depth + 1)
            elif opt in ("-i", "--index-url", "--extra-index-url"):
                out.index_urls.append(value)
            elif opt in ("-c", "--constraint", "-f", "--find-links", "--trusted-host",
                         "--only-binary", "--no-binary", *_PASS_OPTIONS):
                continue
            else:
                raise UsageError(f"{where}: option {opt} is not supported in a requirements "
                                 "file permpip reads")
            continue
        m = re.search(r"(^|\s)--", line)
        spec, opts = (line[: m.start()], line[m.start():]) if m else (line, "")
        hashes = tuple(_HASH.findall(opts))
        add_hashed_entry(out, spec.strip(), hashes, where, target)
    return out


def add_hashed_entry(out: HashedFile, spec: str, hashes: Sequence[str], where: str,
                     target: Target) -> None:
    """One requirement of a hashed requirements file (``hashes``: ``algo:digest``)."""
    sha256 = tuple(h.split(":", 1)[1] for h in hashes if h.startswith("sha256:"))
    if hashes:
        out.has_hashes = True
    try:
        req = Requirement(spec)
    except InvalidRequirement as exc:
        if not sha256 and _names_a_file(spec):  # a path or URL: not a lockfile
            out.unhashed.append(f"{where}: {spec} has no --hash")
            return
        raise invalid_requirement(spec, exc, where) from None
    if req.marker and not req.marker.evaluate(dict(target.environment)):
        return
    if not sha256:
        out.unhashed.append(f"{where}: {spec} has no --hash")
        return
    pins = [s for s in req.specifier if s.operator in ("==", "===") and "*" not in s.version]
    if len(pins) != 1 or req.url:
        raise UsageError(f"{where}: {spec} is not pinned to one version with ==")
    out.entries.append(HashedEntry(req=req, version=pins[0].version, hashes=sha256,
                                   source=where))


def one_line(exc: Exception) -> str:
    """packaging's three-line errors (message, the input, a caret) as their first line."""
    lines = str(exc).strip().splitlines()
    return lines[0].strip() if lines else type(exc).__name__


def invalid_requirement(spec: str, exc: Exception, where: str | None = None) -> UsageError:
    """``bad.txt:1: invalid requirement 'requests==': Expected ...`` (one line)."""
    prefix = f"{where}: " if where else ""
    return UsageError(f"{prefix}invalid requirement {spec!r}: {one_line(exc)}")


def _names_a_file(spec: str) -> bool:
    return "://" in spec or spec.startswith((".", "/", "~")) or "/" in spec.split(";")[0] \
        or spec.split(";")[0].strip().lower().endswith((".whl", ".tar.gz", ".zip"))


def pins_from_hashed(hashed: HashedFile, *, options: GateOptions, target: Target) -> list[Pin]:
    if hashed.unhashed:
        raise UsageError(hashed.unhashed[0],
                         hint="a hashed requirements file must pin every entry with --hash "
                              "(pip-compile --generate-hashes, uv pip compile --generate-hashes)")
    client = client_for(options, extra_indexes=hashed.index_urls)
    memo = _Choices.open(options, client, target)
    chosen = {i: f for i, e in enumerate(hashed.entries) if (f := memo.get(e)) is not None}
    todo = [e for i, e in enumerate(hashed.entries) if i not in chosen]
    pages = client.files_many(e.req.name for e in todo) if todo else {}
    pins = []
    for i, e in enumerate(hashed.entries):
        f = chosen.get(i)
        if f is None:
            f = pick_by_hash(pages[normalize(e.req.name)], e.req.name, e.version, e.hashes,
                             target)
            if f is None:
                raise ResolveError(f"{e.source}: no file of {e.req.name} {e.version} on the "
                                   "index matches a pinned hash and this interpreter")
            memo.put(e, f)
        sha = f.sha256 or e.hashes[0]
        pins.append(Pin(name=normalize(e.req.name), version=e.version, url=f.url,
                        filename=f.filename, sha256=sha, is_wheel=f.is_wheel, requested=True,
                        source=e.source))
    return pins


class _Choices:
    """Which file of a hashed entry was chosen, remembered in the cache with its bytes.

    The choice depends only on the pinned hashes, the indexes and the target's tags, so
    when it is remembered and its file is in the cache the index need not be asked again
    (no request at all for a hashed lockfile whose files are cached). The file is still
    verified against its pinned sha256 when it is read from the cache.
    """

    def __init__(self, cache: Cache | None, base: str) -> None:
        self.cache = cache
        self.base = base

    @classmethod
    def open(cls, options: GateOptions, client: IndexClient, target: Target) -> _Choices:
        if options.no_cache:
            return cls(None, "")
        try:
            cache = Cache(cache_root(options.cache_dir))
        except OSError:
            return cls(None, "")
        base = json.dumps([client.urls, client.links, [str(t) for t in target.tags]])
        return cls(cache, base)

    def _key(self, e: HashedEntry) -> str:
        what = json.dumps([self.base, normalize(e.req.name), e.version,
                           sorted(h.lower() for h in e.hashes)])
        return hashlib.sha256(what.encode()).hexdigest()

    def get(self, e: HashedEntry) -> IndexFile | None:
        if self.cache is None:
            return None
        got = self.cache.get_choice(self._key(e))
        if got is None or not {"filename", "url", "sha256"} <= got.keys():
            return None
        f = IndexFile(filename=got["filename"], url=got["url"], sha256=got["sha256"].lower())
        nv = f.name_version()
        if (f.sha256 not in {h.lower() for h in e.hashes} or nv is None
                or nv != (normalize(e.req.name), Version(e.version))
                or not self.cache.has_file(f.sha256 or "", f.filename)):
            return None
        return f

    def put(self, e: HashedEntry, f: IndexFile) -> None:
        if self.cache is None or not f.sha256:
            return
        with contextlib.suppress(OSError):
            self.cache.put_choice(self._key(e), {"filename": f.filename, "url": f.url,
                                                 "sha256": f.sha256.lower()})


@dataclass(frozen=True, kw_only=True, slots=True)
class LockedSet:
    pins: list[Pin]
    local_projects: list[str]  # directories (the user's own project): not gated


def _url_of(dist: Any, base: Path) -> str:  # noqa: ANN401 - a pylock dist
    if dist.url:
        return str(dist.url)
    return (base / str(dist.path)).resolve().as_uri()


def read_pylock(path: Path, *, cwd: Path, target: Target, shown: str | None = None,
                base: Path | None = None) -> LockedSet:
    from packaging.pylock import (  # pylock.toml only (~0.01-0.02 s to import)
        PackageArchive,
        PackageDirectory,
        PackageSdist,
        PackageWheel,
        Pylock,
        PylockSelectError,
        PylockValidationError,
    )

    shown = shown or _display(path, cwd)
    base = base or path.parent
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        lock = Pylock.from_dict(data)
        selected = list(lock.select(environment=cast(Environment, target.environment),
                                    tags=list(target.tags)))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"cannot read {shown}: {one_line(exc)}") from None
    except (PylockValidationError, PylockSelectError) as exc:
        raise UsageError(f"{shown}: {one_line(exc)}") from None
    pins, local = [], []
    for pkg, dist in selected:
        label = f"{pkg.name} {pkg.version or ''}".strip()
        if isinstance(dist, PackageDirectory):
            local.append(str((base / dist.path).resolve()))
            continue
        if not isinstance(dist, PackageWheel | PackageSdist | PackageArchive):
            raise UsageError(f"{shown}: {label}: VCS packages are not supported")
        sha = dist.hashes.get("sha256")
        if not sha:
            raise UsageError(f"{shown}: {label} has no sha256 hash")
        url = _url_of(dist, base)
        filename = (dist.filename if not isinstance(dist, PackageArchive)
                    else unquote(urlsplit(url).path).rsplit("/", 1)[-1])
        pins.append(Pin(name=normalize(pkg.name), version=str(pkg.version or ""), url=url,
                        filename=filename, sha256=sha, is_wheel=filename.endswith(".whl"),
                        requested=True, source=f"{shown} ({label})"))
    return LockedSet(pins=pins, local_projects=local)


def read_uv_lock(path: Path, *, cwd: Path, target: Target) -> LockedSet:
    """uv.lock -> ``uv export --format pylock.toml`` (no resolution) -> pins."""
    from gate.resolve.uv import hermetic_env, uv_bin

    shown = _display(path, cwd)
    with tempfile.TemporaryDirectory(prefix="permpip-uvlock-") as tmp:
        out = Path(tmp) / "pylock.toml"
        done = _subprocess.run(
            [uv_bin(), "export", "--format", "pylock.toml", "--no-config",
             "--frozen",  # read uv.lock as it is: no resolution, no update
             "--no-emit-project",  # the user's own project is not gated
             "--no-header", "--quiet", "--output-file", str(out)],
            cwd=path.parent, env=hermetic_env(None), timeout=300)  # no UV_PROJECT & co.
        if done.returncode != 0 or not out.exists():
            raise ResolveError(f"uv export could not read {shown}",
                               stderr=done.stderr, hint=_last_line(done.stderr))
        return read_pylock(out, cwd=cwd, target=target, shown=shown, base=path.parent)


def _last_line(text: str) -> str | None:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1].strip() if lines else None
