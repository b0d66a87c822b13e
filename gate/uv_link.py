"""uv's unpacked wheels, linked into the target only once they are proven to be the scanned bytes.

uv keeps each wheel it unpacks in its cache (``CACHE/permpip/uv/archive-v0/<id>/``, one
directory per unpacked wheel) and installs by hard-linking those files into the environment:
an installed file is then the cache's file (one inode), so a later write to it (an editor, a
tool that writes in place, a package writing its own files) changes what the next install
would link. docs/security.md ("uv's cache") argues the scheme; in short:

* **Verified once, by the bytes.** After uv unpacked a wheel, every file of its archive
  directory is compared with the member of the exact wheel permpip scanned (sha256 of each;
  the same set of files, regular files and directories only, owned by this user, no group
  or other write bit), and a manifest is kept: ``uv/verified/<aa>/<sha256>.json`` with the
  archive's directory and the ``lstat`` witness of every file and directory in it (device,
  inode, mode, owner, size, mtime and ctime in nanoseconds, link count).
* **Checked every run, by a stat.** Before uv runs, every witness must still hold. A write
  to a file (through any of its links) changes its mtime; a file added, removed or renamed
  changes its directory's. Any difference: the archive is deleted and the wheel handed to
  uv from a new find-links directory (a new "generation": uv keys its unpacked copy by that
  directory's URL), so uv unpacks it again from the verified file.
* **Checked after uv linked, by inode.** Every file uv installed from the archive must be
  the witnessed inode (or hold the same bytes: two wheels may install one identical file);
  else the install failed.

* **The ctime and the link count.** A process that writes a file and sets its mtime back
  (``os.utime``) still moves its ctime, which no unprivileged process can set back. Linking
  and unlinking move the ctime too, but they also change the link count: a ctime that moved
  with the link count as it was or higher is a write (or a ``chmod``, or a link made outside
  a run), and the copy is unpacked again; one that moved with a lower link count (an
  environment removed) is taken as that. After uv linked, the new ctime and link count of
  each file it linked are kept (``gate.uv_verified.settle``).

What a stat cannot see: a write through an environment's file followed by that
environment's removal (the unlink moves the ctime again and changes the link count). Such a
writer, a process of this user, can as well rewrite uv's cache or the scan cache directly,
or write while uv runs; see docs/security.md.

``--no-cache`` runs do not come here: uv then unpacks into a throwaway cache.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import hashlib
import os
import shutil
import stat
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from gate.errors import InstallError, ScanError
from gate.fetch import Fetched
from gate.layout import _root_is_purelib, find_dist_info
from gate.light import file_sha256, write_json
from gate.uv_verified import (
    ARCHIVES,
    SCHEMA,
    check_verified,
    drop,
    hand_over,
    holds,
    links_dir,
    load_manifest,
    manifest_path,
    not_linked,
    same_device,
    settle,
)

if TYPE_CHECKING:
    from gate.environment import InstallPaths


@dataclass(slots=True)
class Wheel:
    """One verified wheel as this run hands it to uv."""

    fetched: Fetched
    sha: str
    gen: str  # the find-links generation
    links: Path  # the find-links directory uv reads it from
    manifest: dict[str, Any] | None  # verified, every witness holding; None: unpacked now
    members: dict[str, str] = field(default_factory=dict)  # name -> sha256 (new wheels)
    dirs: frozenset[str] = frozenset()  # the wheel's directory entries (new wheels)
    dist_info: str = ""  # (new wheels)
    purelib: bool = True  # (new wheels)


def _witness(st: os.stat_result) -> list[int]:
    return [st.st_ino, st.st_mode, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_nlink]


class Linker:
    """The uv part of permpip's cache: ``root`` is ``CACHE/permpip``."""

    def __init__(self, root: Path, *, warn: Callable[[str], None] | None = None) -> None:
        self.uv = root / "uv"
        self.archives = self.uv / ARCHIVES
        self.tmp = root / "tmp"
        self.warn = warn or (lambda _text: None)

    def _manifest_path(self, sha: str) -> Path:
        return manifest_path(self.uv, sha)

    def _links(self, sha: str, gen: str) -> Path:
        return links_dir(self.uv, sha, gen)

    # -- before uv runs ------------------------------------------------------------------

    def prepare(self, files: Sequence[Fetched]) -> list[Wheel]:
        """Each file's find-links directory, and whether its unpacked copy is verified."""
        with contextlib.suppress(OSError):
            self.uv.mkdir(parents=True, exist_ok=True)
        out = []
        for f in files:
            if not f.pin.is_wheel:
                raise InstallError(f"{f.pin.filename}: only wheels are installed (build it "
                                   "first)")
            sha = f.pin.sha256 or ""
            if len(sha) != 64 or not all(c in "0123456789abcdef" for c in sha):
                raise InstallError(f"{f.pin.filename}: no sha256 to key it by")
            manifest = self._load(sha)
            if manifest is not None and not self._holds(manifest):
                self.warn(f"uv's unpacked copy of {f.pin.filename} changed after it was "
                          "verified (was a file installed from it written?): unpacked again")
                drop(self.uv, sha, manifest)
                manifest = None
            gen = manifest["gen"] if manifest is not None else os.urandom(6).hex()
            where = self._links(sha, gen)
            hand_over(f.path, f.pin.filename, where, sha)
            out.append(Wheel(fetched=f, sha=sha, gen=gen, links=where, manifest=manifest))
        return out

    def archives_now(self) -> set[str]:
        try:
            return set(os.listdir(self.archives))
        except OSError:
            return set()

    def _load(self, sha: str) -> dict[str, Any] | None:
        return load_manifest(self.uv, sha)

    def _holds(self, manifest: dict[str, Any]) -> bool:
        return holds(self.archives, manifest)

    # -- after uv ran --------------------------------------------------------------------

    def finish(self, wheels: Sequence[Wheel], *, before: set[str], installed: Iterable[str],
               paths: InstallPaths | None) -> None:
        """Verify what uv unpacked in this run and keep its manifest; check that every file
        uv installed (``installed``: the names it installed now) is the verified copy's.

        ``paths``: the target's schemes, when uv hard-linked (None: it copied; then only the
        archives are verified). Raises InstallError when an installed file is not the
        scanned bytes."""
        now = set(installed)
        fresh = (sorted(self.archives_now() - before)
                 if any(w.manifest is None for w in wheels) else [])
        for w in wheels:
            if w.manifest is None:
                if fresh or w.fetched.pin.name in now:
                    w.manifest = self._adopt(w, fresh)
                else:  # uv unpacked nothing, installed nothing of it: nothing to verify
                    drop(self.uv, w.sha, None, gen=w.gen)
            if w.fetched.pin.name not in now or paths is None:
                continue
            bad = self._check_installed(w, paths)
            if bad is not None:
                drop(self.uv, w.sha, w.manifest, gen=w.gen)
                raise InstallError(f"{w.fetched.pin.filename}: uv installed {bad} from bytes "
                                   "that are not the scanned ones")
        for w in wheels:
            if w.manifest is not None:
                settle(self.uv, w.sha, w.manifest, self.tmp)

    def abandon(self, wheels: Sequence[Wheel]) -> None:
        """uv failed or was interrupted: the new find-links generations go (their wheels are
        unpacked afresh next time); verified copies stay as they are."""
        for w in wheels:
            if w.manifest is None:
                drop(self.uv, w.sha, None, gen=w.gen)

    def _adopt(self, w: Wheel, fresh: Sequence[str]) -> dict[str, Any] | None:
        """The archive uv unpacked ``w`` into in this run, verified against the wheel and
        witnessed; None (and the new generation removed) when there is none to verify."""
        try:
            w.members, w.dirs, w.dist_info, w.purelib = _members(w.fetched.path)
        except (OSError, zipfile.BadZipFile, ValueError, KeyError, ScanError) as exc:
            raise InstallError(f"{w.fetched.pin.filename}: cannot read it again: {exc}") from None
        for name in fresh:
            root = self.archives / name
            if not (root / w.dist_info).is_dir():
                continue
            manifest = _verify(root, w.members, w.dirs, self.tmp)
            if manifest is not None:
                manifest.update(schema=SCHEMA, sha256=w.sha, gen=w.gen, archive=name,
                                dist_info=w.dist_info, purelib=w.purelib)
                write_json(self._manifest_path(w.sha), manifest, tmp=self.tmp)
                return manifest
            shutil.rmtree(root, ignore_errors=True)  # not the wheel's bytes: never reused
        drop(self.uv, w.sha, None, gen=w.gen)  # nothing verified: unpacked again next time
        return None

    def _check_installed(self, w: Wheel, paths: InstallPaths) -> str | None:
        """The first file of ``w`` installed from other bytes, or None."""
        m = w.manifest
        if m is not None:
            return check_verified(self.archives, m,
                                  str(paths.purelib if m["purelib"] else paths.platlib))
        # no verified copy: each installed file against the wheel's member (its bytes, not
        # its RECORD row: uv does not check those, a wrong row is no reason to refuse)
        base = paths.purelib if w.purelib else paths.platlib
        for name, digest in w.members.items():
            if not_linked(name, w.dist_info):
                continue
            try:
                got = file_sha256(base / name)
                if got != digest and got != _member_sha256(w.fetched.path, name):
                    return name
            except (OSError, KeyError, zipfile.BadZipFile):
                return name
        return None


def _members(wheel: Path) -> tuple[dict[str, str], frozenset[str], str, bool]:
    """(file member -> sha256 of its bytes, the directory entries, the ``.dist-info``
    directory, Root-Is-Purelib) of the wheel, read again from the verified file; the last
    two as the scanner's layout reads them (``gate.layout``).

    A member's sha256 is the one its RECORD row states where there is one (no need to
    inflate the wheel again), else that of its bytes. A row that lies (not the member's
    sha256) cannot let other bytes through: uv's copy of the member holds the member's
    bytes, which do not match it, so that copy is never verified (the wheel is unpacked
    again on every run); only a writer of the cache could make a copy match the lie, and
    such a writer can forge a manifest outright (docs/security.md, "uv's cache")."""
    out: dict[str, str] = {}
    with zipfile.ZipFile(wheel) as zf:
        infos = zf.infolist()
        files = [i for i in infos if not i.is_dir()]
        dirs = {i.filename.rstrip("/") for i in infos if i.is_dir()}
        dist_info = find_dist_info(wheel.name, (i.filename for i in infos))
        stated = _record_sha256(zf.read(f"{dist_info}/RECORD"))
        names = {i.filename for i in files}
        for info in files:
            known = stated.get(info.filename)
            if known is not None:
                out[info.filename] = known
                continue
            with zf.open(info) as member:
                out[info.filename] = _sha256(member)
        if len(names) != len(files):
            raise ValueError("a member is in the archive twice")
        purelib = _root_is_purelib(wheel.name, dist_info, zf.read(f"{dist_info}/WHEEL"))
    return out, frozenset(dirs), dist_info, purelib


def _member_sha256(wheel: Path, name: str) -> str:
    with zipfile.ZipFile(wheel) as zf, zf.open(name) as member:
        return _sha256(member)


def _sha256(member: IO[bytes]) -> str:
    """The sha256 of a zip member's bytes (a ``ZipExtFile``: it has the ``readinto`` that
    typeshed's ``IO[bytes]`` does not promise)."""
    return hashlib.file_digest(member, "sha256").hexdigest()  # type: ignore[arg-type]


def _record_sha256(record: bytes) -> dict[str, str]:
    """path -> sha256 (hex) of each RECORD row stating one (``sha256=<urlsafe base64>``)."""
    out: dict[str, str] = {}
    try:
        rows = csv.reader(record.decode("utf-8").splitlines())
        for row in rows:
            if len(row) >= 2 and row[1].startswith("sha256="):
                raw = base64.urlsafe_b64decode(row[1][7:] + "=" * (-len(row[1][7:]) % 4))
                if len(raw) == 32:
                    out.setdefault(row[0], raw.hex())
    except (UnicodeDecodeError, csv.Error, ValueError):
        return {}
    return out


def _walk(root: Path) -> tuple[dict[str, os.stat_result], dict[str, os.stat_result]] | None:
    """(files, directories) below ``root`` by relative name ("" is ``root``); None when
    anything is neither (a symlink, a fifo)."""
    files: dict[str, os.stat_result] = {}
    dirs: dict[str, os.stat_result] = {"": os.lstat(root)}
    todo = [("", root)]
    while todo:
        rel, path = todo.pop()
        with os.scandir(path) as it:
            for e in it:
                name = f"{rel}/{e.name}" if rel else e.name
                st = e.stat(follow_symlinks=False)
                if stat.S_ISDIR(st.st_mode):
                    dirs[name] = st
                    todo.append((name, Path(e.path)))
                elif stat.S_ISREG(st.st_mode):
                    files[name] = st
                else:
                    return None
    return files, dirs


def _marker(tmp: Path) -> int:
    """The file system's clock now: the mtime of a file made and removed."""
    fd, name = tempfile.mkstemp(dir=tmp, prefix="uv-clock-")
    try:
        return os.fstat(fd).st_mtime_ns
    finally:
        os.close(fd)
        os.unlink(name)


def _verify(root: Path, members: dict[str, str], wheel_dirs: frozenset[str],
            tmp: Path) -> dict[str, Any] | None:
    """The witnesses of the archive at ``root`` when it holds exactly ``members`` (name ->
    sha256) and no directory but theirs and the wheel's own (``wheel_dirs``), regular files
    and directories owned by this user without group or other write bits (removed here);
    else None."""
    uid = os.geteuid()
    try:
        walked = _walk(root)
        if walked is None:
            return None
        files, dirs = walked
        if set(files) != set(members):
            return None
        parents = {"/".join(n.split("/")[:i]) for n in [*members, *(f"{d}/" for d in wheel_dirs)]
                   for i in range(n.count("/") + 1)}
        if not set(dirs) <= parents:
            return None  # a directory no member is in
        for rel, st in [*files.items(), *dirs.items()]:
            if st.st_uid != uid:
                return None
            if st.st_mode & 0o022:
                os.chmod(root / rel if rel else root, stat.S_IMODE(st.st_mode) & ~0o022)
        # A write after the clock reading moves an mtime past it. Wait until the clock has
        # moved past every mtime, so that a write after our reading cannot leave one equal.
        for _ in range(50):
            clock = _marker(tmp)
            again = _walk(root)
            if again is None:
                return None
            files, dirs = again
            if all(st.st_mtime_ns < clock for st in [*files.values(), *dirs.values()]):
                break
            time.sleep(0.004)
        else:
            return None
        for rel, digest in members.items():
            if file_sha256(root / rel) != digest:
                return None
        after = _walk(root)
    except OSError:
        return None
    if after is None or {k: _witness(v) for k, v in after[0].items()} != {
            k: _witness(v) for k, v in files.items()} or {
            k: _witness(v) for k, v in after[1].items()} != {
            k: _witness(v) for k, v in dirs.items()}:
        return None  # changed while it was read
    devs = {st.st_dev for st in [*files.values(), *dirs.values()]}
    if len(devs) != 1:
        return None
    entries = [[rel, *_witness(st)] for rel, st in sorted(dirs.items())]
    entries += [[rel, *_witness(st)] for rel, st in sorted(files.items())]
    return {"dev": devs.pop(), "uid": uid, "entries": entries}

__all__ = ["Linker", "Wheel", "same_device"]
