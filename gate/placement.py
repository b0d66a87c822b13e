"""The placement cache: what ``Gate.place`` found in the target, remembered by what it read.

``Gate.place`` reads every wheel's file list (its zip directory and layout) and the target's
installed state, and checks them against each other (``gate.environment.check_set``):
overwrites refuse, shadows become ``startup-hooks`` findings. On a warm run of a hashed lock
that is most of permpip's own work. Its outcome is a pure function of:

* the wheels, by their bytes: (name, version, filename, sha256) of each, in order;
* where they go: the install paths (``--target``, ``--prefix``, ``--user``, ``--root`` or
  the target's scheme), relative to the target's ``sys.prefix`` (so two fresh environments
  made alike give one key), and the target's tags, marker environment and stdlib names;
* the code that decides: the scanner's version (``gate.cache.scanner_version``, which hashes
  every source file of permpip: ``gate/environment.py``, ``gate/layout.py``,
  ``gate/archive.py``, this module), this Python's stdlib names;
* the installed state as ``read_state`` reads it: every ``*.dist-info``'s METADATA,
  RECORD and top_level.txt (their sha256) and every ``.pth`` file (sha256, and its
  absolute path: a finding names it);
* whether anything is already there where the set installs: the first path component
  ("top": ``flask``, ``flask-3.1.3.dist-info``, ``six.py``, a script's name, ``share``) of
  every destination under its scheme directory.

The first four make the key. The last is a condition instead: an outcome is kept only when
no top of the set exists in the target (a fresh environment, or one that holds none of
these packages), and it is used only while that is still so (each top is ``lstat``-ed
again). Then no destination exists, no directory the set installs into holds a stray file,
no installed file's bytes are compared, and everything else ``check_set`` reads is in the
key. A target holding any top of the set (an upgrade, a reinstall, files left behind) is
checked in full every time. Refusals (``ScanError``) are never kept: they are checked again.

What is kept is the findings, not the verdict: the verdict is evaluated again from the
cached scans and the policy of this run (milliseconds), so a policy edit needs no key.
docs/cache.md ("The placement cache") argues why the key is complete.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from gate.cache import read_json, write_json
from gate.environment import InstallPaths, RawState, WheelFiles
from gate.model import Finding, NormalizedName, normalize
from gate.resolve.target import Target

SCHEMA = "placement-1"


@functools.cache
def code_version(scanner: str) -> str:
    """The scanner's version (it covers the placement code: every source file of permpip)
    and this Python's stdlib names (worked out once a process)."""
    digest = hashlib.sha256(f"{SCHEMA}\0{scanner}\0".encode())
    digest.update(",".join(sorted(sys.stdlib_module_names)).encode())
    return digest.hexdigest()


class _Rel:
    """Paths as the key spells them: ``@/lib/python3.11/site-packages`` below the target's
    prefix, absolute elsewhere."""

    def __init__(self, target: Target) -> None:
        self.prefix = os.path.realpath(target.prefix)

    def __call__(self, path: Path | str) -> str:
        p = os.path.normpath(str(path))
        if p == self.prefix:
            return "@"
        if p.startswith(self.prefix + os.sep):
            return "@/" + p[len(self.prefix) + 1:]
        return p

    def back(self, rel: str) -> Path:
        if rel == "@":
            return Path(self.prefix)
        return Path(self.prefix, rel[2:]) if rel.startswith("@/") else Path(rel)


def _sha(data: bytes | None) -> str:
    return "-" if data is None else hashlib.sha256(data).hexdigest()


def key(*, code: str, wheels: Sequence[tuple[str, str, str, str]], paths: InstallPaths,
        target: Target, raw: RawState | None) -> str:
    """``wheels``: (name, version, filename, sha256) in the order placed; ``raw``: the
    target's files (None: ``permpip check``, no target state)."""
    rel = _Rel(target)
    state: list[Any] = []
    if raw is not None:
        state = [[rel(i.site), i.entry, _sha(i.metadata), _sha(i.record), _sha(i.top_level)]
                 for i in raw.dist_infos]
        state += [[str(site), name, _sha(data)] for site, files in raw.pth
                  for name, data in files]
    what = {
        "code": code, "wheels": [list(w) for w in wheels],
        "paths": {k: rel(getattr(paths, k)) for k in ("purelib", "platlib", "scripts",
                                                      "data")},
        "tags": [str(t) for t in target.tags], "env": dict(sorted(target.environment.items())),
        "stdlib": sorted(target.stdlib), "state": state if raw is not None else None,
    }
    return hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()


def any_installed(raw: RawState, names: Sequence[str]) -> bool:
    """Whether a distribution of one of ``names`` (normalised) has a ``*.dist-info`` in the
    target: then the set's files are there (its package, its dist-info's top) and no record
    can be used. Read from the directory names only (``name-version.dist-info``): a test of
    cost, not of soundness (a record is used only after its tops are checked)."""
    want = set(names)
    return any(normalize(i.entry[:-len(".dist-info")].rsplit("-", 1)[0]) in want
               for i in raw.dist_infos)


def tops(wheels: Sequence[WheelFiles], paths: InstallPaths,
         target: Target) -> list[tuple[str, str]]:
    """(scheme directory, first component) of every destination of ``wheels``."""
    rel = _Rel(target)
    roots = sorted({os.path.normpath(str(getattr(paths, k))) for k in ("purelib", "platlib",
                                                                       "scripts", "data")},
                   key=len, reverse=True)  # the deepest first: site-packages inside data
    out: set[tuple[str, str]] = set()
    for w in wheels:
        for _member, dest in w.destinations:
            d = os.path.normpath(str(dest))
            for root in roots:
                if d.startswith(root + os.sep):
                    out.add((rel(root), d[len(root) + 1:].split(os.sep, 1)[0]))
                    break
            else:
                out.add((rel(os.path.dirname(d)), os.path.basename(d)))
    return sorted(out)


def _any_exists(found: Sequence[tuple[str, str]], rel: _Rel) -> bool:
    return any(os.path.lexists(rel.back(root) / top) for root, top in found)


class PlacementCache:
    """``CACHE/placements/<key>.json``: {"tops": [[root, top]...], "found": {name: [...]}}."""

    def __init__(self, root: Path) -> None:
        self.dir = root / "placements"
        self.tmp = root / "tmp"

    def get(self, k: str, target: Target) -> tuple[dict[NormalizedName, tuple[Finding, ...]],
                                                   list[tuple[str, str]]] | None:
        """The findings kept under ``k`` and the set's tops, when no top exists now."""
        data = read_json(self.dir / f"{k}.json")
        try:
            found = [(str(root), str(top)) for root, top in data["tops"]]
            out = {NormalizedName(name): tuple(Finding._from_dict(f["capability"], f)
                                               for f in fs)
                   for name, fs in data["found"].items()}
        except (ValueError, KeyError, TypeError, AttributeError):
            return None
        if _any_exists(found, _Rel(target)):
            return None  # something is there now: checked in full
        return out, found

    def put(self, k: str, target: Target, found: Sequence[tuple[str, str]],
            findings: Mapping[NormalizedName, Sequence[Finding]]) -> bool:
        """Keep the outcome when no top of the set exists in the target; True if kept."""
        if _any_exists(found, _Rel(target)):
            return False
        record = {"tops": [list(t) for t in found],
                  "found": {name: [{"capability": str(f.capability), **f.to_json()}
                                   for f in fs] for name, fs in findings.items()}}
        return write_json(self.dir / f"{k}.json", record, tmp=self.tmp)


def claims(found: Sequence[tuple[str, str]], paths: InstallPaths,
           target: Target) -> list[list[str]]:
    """``tops`` (``found``) as (scheme, name), for the warm path to find absent before it
    replays the verdict (a package directory that exists may hold a planted module, a data
    directory a file the set would overwrite; the full run refuses what no distribution
    owns there); outside every scheme: ("absolute", path), never warm."""
    rel = _Rel(target)
    bases = {rel(os.path.normpath(str(getattr(paths, k)))): k
             for k in ("purelib", "platlib", "scripts", "data")}
    out: dict[tuple[str, str], None] = {}
    for root, top in found:
        scheme = bases.get(root)
        out[(scheme, top) if scheme else ("absolute", str(rel.back(root) / top))] = None
    return [list(k) for k in out]


__all__ = ["PlacementCache", "any_installed", "claims", "code_version", "key", "tops"]
