"""A content-addressed cache: downloaded files by sha256, scan results by sha256 + scanner.

Layout under the root (default ``$XDG_CACHE_HOME/permpip`` or ``~/.cache/permpip``)::

    files/<aa>/<sha256>/<filename>         the verified bytes (scanners read the name)
    scans/<scanner-version>/<sha256>.json  PackageScan.to_json()
    choices/<key>.json                     which file of a hashed lockfile entry was chosen
    builds/<key>.json                      the wheel built from an approved sdist (gate.build)
    tmp/                                   partial downloads (same filesystem: atomic rename)

With a shared store (``--cache-url``, ``gate.shared_cache``) attached as ``Cache.shared``,
a scan missing here is asked of the store (``get_scan``), a scan made here is sent to it
(``put_scan``), and ``gate.fetch`` does the same for files (``get_shared_file``,
``share_file``); what the store answers is checked before it is kept here.

Writes go to a unique temp file and are renamed into place, so two permpip runs sharing
the cache never see a partial file. A cached file is re-hashed when read; one that does
not match its name is dropped and downloaded (or built) again.

No cache at all (``with_no_cache``): permpip's ``--no-cache``, and pip's switches as pip
reads them (``--no-cache-dir``, ``PIP_NO_CACHE_DIR``, ``no-cache-dir`` in a pip
configuration file) or uv's (``--no-cache``, ``UV_NO_CACHE``) for the uv backend. The run
then keeps everything in a throwaway directory removed when it ends (``gate.run``).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import IO, TYPE_CHECKING

from gate.errors import UsageError

# re-exported: in gate.light, which the warm fast path imports without this module
from gate.light import cache_root as cache_root
from gate.light import default_root as default_root
from gate.light import file_sha256 as file_sha256
from gate.light import framed as framed
from gate.light import link_or_copy as link_or_copy
from gate.light import private_root as private_root
from gate.light import read_json as read_json
from gate.light import write_json as write_json
from gate.model import PackageScan
from gate.options import Backend, GateOptions

if TYPE_CHECKING:
    from gate.shared_cache import SharedStore


def with_no_cache(options: GateOptions, *,
                  env: Mapping[str, str] | None = None) -> GateOptions:
    """``options`` with ``no_cache`` set when pip (or uv) would run without a cache.

    pip (``cli/parser.py`` ``_update_defaults``, ``cmdoptions._handle_no_cache_dir``): a
    configured ``no-cache-dir`` (file or ``PIP_NO_CACHE_DIR``) turns the cache off whatever
    its value -- ``0``, ``false`` and ``no`` too, for historical reasons -- as long as it is
    one of strtobool's words, and wins over a configured ``cache-dir``; on the command line
    the later of ``--no-cache-dir`` and ``--cache-dir`` wins. ``--isolated`` reads no
    ``PIP_*`` variables. uv (``Cache::from_settings``): ``--no-cache`` or ``UV_NO_CACHE``
    (a boolean) wins over any cache directory. uv's configuration files are read with the
    rest of its settings, after the cache is chosen: their ``no-cache`` reaches uv only.
    """
    if options.no_cache:
        return options
    environ = os.environ if env is None else env
    mine = [o for o in options.pip_options if o.origin is None]  # the command line's
    if options.backend is Backend.UV:
        off = any(o.name == "--no-cache-dir" for o in options.pip_options)
        value = environ.get("UV_NO_CACHE", "").strip().lower()
        if value not in (*_TRUE, *_FALSE, ""):
            raise UsageError(f"UV_NO_CACHE (environment): {environ['UV_NO_CACHE']!r} is not "
                             "a boolean")
        return replace(options, no_cache=True) if off or value in _TRUE else options
    if options.config_read:  # merged already: the configured ones carry their origin
        off = any(o.name == "--no-cache-dir" for o in options.pip_options if o.origin)
    else:
        from gate.fetch import pip_config_items  # gate.fetch imports this module

        off = False
        for key, val, origin in pip_config_items(isolated=options.flag("--isolated"),
                                                 python=options.python, env=environ):
            if key == "no-cache-dir":
                if val.lower() not in (*_TRUE, *_FALSE):
                    raise UsageError(f"{origin}: {val!r} is not a valid value for "
                                     "no-cache-dir (pip takes yes/no, true/false or 1/0)")
                off = True
    for o in mine:
        if o.name == "--no-cache-dir":
            off = True
        elif o.name == "--cache-dir":
            off = False
    return replace(options, no_cache=True) if off else options


_TRUE = ("y", "yes", "t", "true", "on", "1")  # pip's strtobool and uv's boolish values
_FALSE = ("n", "no", "f", "false", "off", "0")


def scanner_version() -> str:
    """Changes whenever the scanner, its catalog or any code it imports changes: the key of
    cached scans (local and ``--cache-url``). Every source and data file of the gate package
    is hashed: what ``gate.scan`` imports reaches most of it (``gate.build``, ``gate.model``,
    which serialises a scan), and a list kept by hand would miss the next import."""
    import gate

    root = Path(gate.__file__).parent
    digest = hashlib.sha256(gate.__version__.encode())
    for path in sorted(p for p in root.rglob("*")
                       if p.suffix in (".py", ".txt") and "__pycache__" not in p.parts):
        digest.update(framed(path.relative_to(root).as_posix(), path.read_bytes()))
    return digest.hexdigest()[:16]












class Cache:
    def __init__(self, root: Path, *, throwaway: bool = False) -> None:
        self.root = root
        self.throwaway = throwaway  # --no-cache: removed when the run ends
        self.shared: SharedStore | None = None  # gate.shared_cache.attached sets it
        if not throwaway:
            why = private_root(root)
            if why is not None:
                raise UsageError(f"the cache: {why}")
        for sub in ("files", "scans", "tmp"):
            (root / sub).mkdir(parents=True, exist_ok=True)

    @property
    def lasting_root(self) -> Path | None:
        """The root, where what is kept outlives the run; None for ``--no-cache``'s
        throwaway cache (no record worth working out: the placement, the probe of
        ``--python``, uv's verified copies)."""
        return None if self.throwaway else self.root

    def _file(self, sha256: str, filename: str) -> Path:
        if "/" in filename or "\\" in filename or filename in ("", ".", ".."):
            raise ValueError(f"not a file name: {filename!r}")
        return self.root / "files" / sha256[:2] / sha256 / filename

    def get_file(self, sha256: str, filename: str) -> Path | None:
        path = self._file(sha256, filename)
        if not path.is_file():
            return None
        if file_sha256(path) != sha256:
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        return path

    @contextlib.contextmanager
    def writer(self) -> Iterator[tuple[Path, IO[bytes]]]:
        """A temp file in the cache; removed on error unless ``put_file`` took it."""
        fd, name = tempfile.mkstemp(dir=self.root / "tmp", prefix="dl-")
        tmp = Path(name)
        try:
            with os.fdopen(fd, "wb") as handle:
                yield tmp, handle
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise

    def put_file(self, sha256: str, filename: str, tmp: Path) -> Path:
        dest = self._file(sha256, filename)
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, dest)
        return dest

    def add_file(self, path: Path) -> tuple[str, Path]:
        """Copy a local file (a wheel permpip built) in; returns (sha256, cached path)."""
        with self.writer() as (tmp, handle):
            digest = hashlib.sha256()
            with path.open("rb") as src:
                while chunk := src.read(1 << 20):
                    digest.update(chunk)
                    handle.write(chunk)
        sha = digest.hexdigest()
        return sha, self.put_file(sha, path.name, tmp)

    def get_choice(self, key: str) -> dict[str, str] | None:
        """A small JSON object remembered under ``key`` (a hex digest), or None."""
        return self._get_record("choices", key)

    def put_choice(self, key: str, value: dict[str, str]) -> None:
        self._put_record("choices", key, value)

    def get_build(self, key: str) -> tuple[str, Path] | None:
        """(sha256, path) of the wheel built under ``key`` (``gate.build.build_key``), its
        bytes verified against the sha256 recorded when it was built; None when there is
        none, or when they no longer match (the file is dropped: build it again)."""
        record = self._get_record("builds", key)
        if record is None or not {"sha256", "filename"} <= record.keys():
            return None
        sha, filename = record["sha256"], record["filename"]
        if len(sha) != 64 or not filename.endswith(".whl"):
            return None
        try:
            path = self.get_file(sha, filename)
        except ValueError:  # not a file name
            return None
        return (sha, path) if path is not None else None

    def put_build(self, key: str, wheel: Path) -> tuple[str, Path]:
        """Keep the wheel built under ``key``; returns (sha256, cached path)."""
        sha, cached = self.add_file(wheel)
        self._put_record("builds", key, {"sha256": sha, "filename": cached.name})
        return sha, cached

    def _get_record(self, kind: str, key: str) -> dict[str, str] | None:
        data = read_json(self.root / kind / f"{key}.json")
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            return None
        return data

    def _put_record(self, kind: str, key: str, value: dict[str, str]) -> None:
        write_json(self.root / kind / f"{key}.json", value, tmp=self.root / "tmp")

    def has_file(self, sha256: str, filename: str) -> bool:
        """Is the file there? (Not re-hashed: ``get_file`` does that when it is read.)"""
        try:
            return self._file(sha256, filename).is_file()
        except ValueError:
            return False

    def _scan(self, sha256: str, scanner: str) -> Path:
        return self.root / "scans" / scanner / f"{sha256}.json"

    def get_scan(self, sha256: str, scanner: str) -> PackageScan | None:
        """The scan kept here, else the shared store's (checked, then kept here)."""
        data = read_json(self._scan(sha256, scanner))
        if data is not None:
            with contextlib.suppress(ValueError, KeyError, TypeError, AttributeError):
                kept = PackageScan._from_dict(data)
                if kept.sha256 == sha256:  # (a record of another artifact: scanned again)
                    return kept
        scan = self.shared.get_scan(sha256, scanner) if self.shared is not None else None
        if scan is not None:
            self._keep_scan(scan, scanner)
        return scan

    def put_scan(self, scan: PackageScan, scanner: str) -> None:
        """Keep a scan made in this run; send it to the shared store (in the background)."""
        self._keep_scan(scan, scanner)
        if self.shared is not None:
            self.shared.put_scan(scan, scanner)

    def get_shared_file(self, sha256: str, filename: str) -> Path | None:
        """The file from the shared store, its bytes verified, kept here; else None."""
        if self.shared is None:
            return None
        return self.shared.get_file(self, sha256, filename)

    def share_file(self, sha256: str, path: Path) -> None:
        """Send a file verified in this run to the shared store (in the background)."""
        if self.shared is not None:
            self.shared.put_file(sha256, path)

    def _keep_scan(self, scan: PackageScan, scanner: str) -> None:
        write_json(self._scan(scan.sha256, scanner), scan.to_json(), tmp=self.root / "tmp")
