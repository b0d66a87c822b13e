"""uv's verified unpacked wheels, as a warm run checks them: standard modules only.

``gate.uv_link`` verifies what uv unpacks and keeps a manifest per wheel
(``uv/verified/<aa>/<sha256>.json``: the archive's directory and the ``lstat`` witness of
every file and directory in it); the checks a run makes before and after uv links from a
verified copy are here, shared with the warm fast path (``gate.warm``), which must not
import the verification (``zipfile``, ``gate.layout``). docs/security.md, "uv's cache".
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from gate.errors import InstallError
from gate.light import file_sha256, link_or_copy, read_json, write_json

TYPE_CHECKING = False  # (not typing's: importing typing costs the warm path ~1-2 ms)
if TYPE_CHECKING:
    from typing import Any

SCHEMA = "uv-link-2"  # entries: [rel, ino, mode, size, mtime, ctime, nlink]
ARCHIVES = "archive-v0"  # uv's bucket of unpacked wheels (uv-cache ``CacheBucket::Archive``)


def manifest_path(uv: Path, sha: str) -> Path:
    return uv / "verified" / sha[:2] / f"{sha}.json"


def links_dir(uv: Path, sha: str, gen: str) -> Path:
    """The find-links directory of generation ``gen`` of the wheel ``sha``."""
    return uv / "links" / sha[:2] / sha / gen


def plain(value: object) -> bool:
    """A single path component permpip wrote (an archive id, a generation)."""
    return (isinstance(value, str) and value not in ("", ".", "..") and "/" not in value
            and "\0" not in value)


def load_manifest(uv: Path, sha: str) -> dict[str, Any] | None:
    """The manifest of ``sha``'s verified copy, when it is one this code wrote."""
    data = read_json(manifest_path(uv, sha))
    ok = (isinstance(data, dict) and data.get("schema") == SCHEMA
          and data.get("sha256") == sha and isinstance(data.get("entries"), list)
          and plain(data.get("archive")) and plain(data.get("gen"))
          and isinstance(data.get("dev"), int) and isinstance(data.get("uid"), int)
          and isinstance(data.get("dist_info"), str)
          and isinstance(data.get("purelib"), bool))
    return data if ok else None


def drop(uv: Path, sha: str, manifest: dict[str, Any] | None, *,
         gen: str | None = None) -> None:
    """Forget a wheel's unpacked copy: its manifest, find-links generation and archive."""
    import shutil

    archive = None
    if manifest is not None:
        gen, archive = manifest.get("gen"), manifest.get("archive")
        try:
            manifest_path(uv, sha).unlink()
        except OSError:
            pass
    if plain(gen):
        shutil.rmtree(links_dir(uv, sha, str(gen)), ignore_errors=True)
    if plain(archive):
        shutil.rmtree(uv / ARCHIVES / str(archive), ignore_errors=True)


def _same(st: os.stat_result, ino: int, mode: int, size: int, mtime: int) -> bool:
    """The witnessed inode, unchanged but for its ctime and link count."""
    return (st.st_ino == ino and st.st_mtime_ns == mtime and st.st_size == size
            and st.st_mode == mode)


def holds(archives: Path, manifest: dict[str, Any]) -> bool:
    """Every witness of the archive still holds (one ``lstat`` per file and directory;
    plain strings: a few thousand of them on every run).

    A write moves the ctime whatever it does to the mtime (``os.utime`` puts an mtime back,
    never a ctime); so do a link or an unlink, which also change the link count. A ctime
    that moved with the link count as it was, or higher (a link made outside a run: uv's
    own are kept by ``settle``), or on a directory, is a write: False. A file's ctime that
    moved with a lower link count is an environment removed: its new ctime and link count
    are taken into ``manifest`` (marked ``"moved"`` for ``settle`` to keep).
    docs/security.md, "uv's cache", says what that leaves."""
    base = f"{archives}{os.sep}{manifest['archive']}"
    dev, uid = manifest["dev"], manifest["uid"]
    lstat, isreg = os.lstat, stat.S_ISREG
    try:
        for entry in manifest["entries"]:
            rel, ino, mode, size, mtime, ctime, nlink = entry
            st = lstat(f"{base}{os.sep}{rel}" if rel else base)
            if not _same(st, ino, mode, size, mtime) or st.st_dev != dev or st.st_uid != uid:
                return False
            if st.st_ctime_ns != ctime:
                if st.st_nlink >= nlink or not isreg(mode):
                    # written (or chmod'ed) with its mtime put back; or linked anew outside
                    # a run (``settle`` keeps uv's own links): a write may hide behind it
                    return False
                entry[5], entry[6] = st.st_ctime_ns, st.st_nlink
                manifest["moved"] = True
    except (OSError, TypeError, ValueError):
        return False
    return True


def settle(uv: Path, sha: str, manifest: dict[str, Any], tmp: Path) -> None:
    """After uv linked from the archive: keep the ctime and link count of each file whose
    link count grew (uv's links; nothing else about it changed), and whatever ``holds``
    took in, so that the next run's check starts from them. A file whose ctime moved with
    its link count as it was keeps its old witness: the next run sees the write."""
    base = f"{uv}{os.sep}{ARCHIVES}{os.sep}{manifest['archive']}"
    moved = bool(manifest.pop("moved", False))
    for entry in manifest["entries"]:
        rel, ino, mode, size, mtime, ctime, nlink = entry
        try:
            st = os.lstat(f"{base}{os.sep}{rel}" if rel else base)
        except OSError:
            continue
        if st.st_ctime_ns != ctime and st.st_nlink > nlink and _same(st, ino, mode, size, mtime):
            entry[5], entry[6] = st.st_ctime_ns, st.st_nlink
            moved = True
    if moved:
        write_json(manifest_path(uv, sha), manifest, tmp=tmp)


def not_linked(rel: str, dist_info: str) -> bool:
    """Files uv does not install as the archive holds them: the ``.data`` tree (moved to
    its scheme, scripts rewritten) and RECORD (copied, then rewritten)."""
    top = rel.split("/", 1)[0]
    return top.endswith(".data") or rel == f"{dist_info}/RECORD"


def check_verified(archives: Path, manifest: dict[str, Any], into: str) -> str | None:
    """The first file of the verified copy ``manifest`` that uv installed under ``into``
    (the target's purelib or platlib, as the wheel says) from other bytes, or None: each is
    the witnessed inode, unchanged, or holds the same bytes (two wheels may install one
    identical file)."""
    root = archives / str(manifest["archive"])
    dev, dist_info = manifest["dev"], manifest["dist_info"]
    rel: str
    lstat, isreg = os.lstat, stat.S_ISREG
    for rel, ino, mode, size, mtime, *_rest in manifest["entries"]:
        if not isreg(mode) or not_linked(rel, dist_info):
            continue  # not installed as the archive holds it
        try:
            st = lstat(f"{into}{os.sep}{rel}")
        except OSError:
            return str(rel)
        if st.st_ino == ino and st.st_dev == dev and st.st_size == size \
                and st.st_mtime_ns == mtime:
            continue  # the verified inode, unchanged
        if not same_bytes(Path(into, rel), root / rel):
            return str(rel)
    return None


def hand_over(path: Path, filename: str, where: Path, sha: str) -> None:
    """``where/<filename>``: a hard link to the cached file ``path`` verified in this run
    (the same inode: checked, and replaced when not)."""
    dest = where / filename
    if same_file(dest, path):
        return
    where.mkdir(parents=True, exist_ok=True)
    tmp = where / f".{filename}.{os.getpid()}.tmp"
    tmp.unlink(missing_ok=True)
    link_or_copy(path, tmp)
    if not same_file(tmp, path) and file_sha256(tmp) != sha:
        tmp.unlink(missing_ok=True)
        raise InstallError(f"{filename}: the copy handed to uv is not the verified bytes")
    os.replace(tmp, dest)


def same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def same_bytes(a: Path, b: Path) -> bool:
    try:
        with a.open("rb") as fa, b.open("rb") as fb:
            while True:
                x, y = fa.read(1 << 20), fb.read(1 << 20)
                if x != y:
                    return False
                if not x:
                    return True
    except OSError:
        return False


def same_device(a: Path, b: Path) -> bool:
    """Whether ``a`` (or the nearest directory above it that exists) is on ``b``'s device."""
    try:
        dev = os.stat(b).st_dev
    except OSError:
        return False
    for p in (a, *a.parents):
        try:
            return os.stat(p).st_dev == dev
        except OSError:
            continue
    return False


__all__ = ["ARCHIVES", "SCHEMA", "check_verified", "drop", "hand_over", "holds", "links_dir",
           "load_manifest", "manifest_path", "not_linked", "same_device", "settle"]
