"""The shared cache (#15): scans and verified files a fleet shares through a plain HTTP store.

``--cache-url URL`` (or ``PERMPIP_CACHE_URL``) names a directory on a server that answers
GET and PUT: nginx with WebDAV, a generic artifact server, an S3-compatible gateway. Under
it::

    scans/<scanner-version>/<sha256>.json   a scan record (below)
    files/<sha256>                          the bytes whose sha256 is the name

Read-through: a local miss asks the store; what it answers is checked, kept in the local
cache and used. Write-back: a file fetched from an index and a scan made in this run are
PUT in background threads while the run goes on; the run waits for them only when it ends.

What permpip trusts (docs/cache.md):

* a file only when its bytes hash to the pinned sha256 (the same check as for an index
  download); otherwise it is refused, never used, and fetched from the index instead;
* a scan record only when it names this scanner version and this sha256 (the path, and
  again inside the record) and, when ``PERMPIP_CACHE_KEY`` is set, carries the HMAC-SHA256
  of its content under that key. Anything else -- another version, another hash, no or a
  wrong signature, malformed JSON, a record over 16 MiB -- is ignored with one warning and
  the artifact is scanned here. A scan holds findings, never a verdict: the local policy
  judges it.

A store that cannot be reached (or answers reads with an error other than 403/404/410)
is given up for the rest of the run after one warning; a store that refuses a write is
not written again in that run. Neither ever fails the run.

Scan record (JSON)::

    {"permpip-scan": 1, "scanner": "<scanner-version>", "sha256": "<sha256>",
     "scan": <PackageScan.to_json()>, "hmac-sha256": "<hex>"}   # hmac: with a key only

The MAC is HMAC-SHA256(key, b"permpip shared scan\\n" + the record without ``hmac-sha256``
as JSON with sorted keys, no spaces, ASCII).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from gate.errors import UsageError
from gate.fetch import CHUNK, HttpSettings, _reason, _request_kwargs, make_session, redact
from gate.model import PackageScan
from gate.options import GateOptions

if TYPE_CHECKING:
    import requests

    from gate.cache import Cache
    from gate.report.progress import Progress

SCAN_FORMAT = 1
MAX_SCAN_BYTES = 16 << 20
MIN_KEY_BYTES = 16
_MAC_DOMAIN = b"permpip shared scan\n"
_SHA256 = re.compile(r"[0-9a-f]{64}")
_SCANNER = re.compile(r"[0-9A-Za-z._-]{1,64}")
_MISSING = (403, 404, 410)  # S3 answers 403 for a missing key when listing is not allowed
_WRITTEN = (200, 201, 204)


class _Ignored(Exception):  # noqa: N818 - what the store answered is not used
    pass


def scan_record(scan: PackageScan, scanner: str, key: bytes | None) -> dict[str, Any]:
    """The JSON object stored at ``scans/<scanner>/<sha256>.json`` (signed with ``key``)."""
    record: dict[str, Any] = {"permpip-scan": SCAN_FORMAT, "scanner": scanner,
                              "sha256": scan.sha256, "scan": scan.to_json()}
    if key is not None:
        record["hmac-sha256"] = record_mac(record, key)
    return record


def record_mac(record: Mapping[str, Any], key: bytes) -> str:
    signed = {k: record[k] for k in ("permpip-scan", "scanner", "sha256", "scan")}
    canonical = json.dumps(signed, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hmac.new(key, _MAC_DOMAIN + canonical.encode(), hashlib.sha256).hexdigest()


def read_record(body: bytes, *, sha256: str, scanner: str, key: bytes | None) -> PackageScan:
    """The scan in ``body`` if it may be trusted for ``sha256`` under ``scanner``; raises
    ``_Ignored`` (or any parsing error: malformed) otherwise."""
    data = json.loads(body)
    if not isinstance(data, dict) or data.get("permpip-scan") != SCAN_FORMAT:
        raise _Ignored("not a permpip scan record (format 1)")
    if data.get("scanner") != scanner:
        raise _Ignored("made by another scanner version")
    if data.get("sha256") != sha256:
        raise _Ignored("for another artifact (sha256)")
    if key is not None:
        mac = data.get("hmac-sha256")
        if not isinstance(mac, str) or not hmac.compare_digest(
                mac.encode(), record_mac(data, key).encode()):
            raise _Ignored("not signed with PERMPIP_CACHE_KEY" if mac is None
                           else "its signature does not match PERMPIP_CACHE_KEY")
    scan = PackageScan._from_dict(data["scan"])
    if scan.sha256 != sha256:
        raise _Ignored("for another artifact (sha256)")
    return scan


class SharedStore:
    """One run's view of the store: thread-safe, best effort, never raises on I/O."""

    def __init__(self, url: str, *, settings: Callable[[], HttpSettings],
                 key: bytes | None = None, warn: Callable[[str], None] = lambda _t: None,
                 workers: int = 4) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UsageError(f"--cache-url {redact(url)}: not an http:// or https:// URL")
        self.url = url
        self.shown = redact(url)
        self.key = key
        self._settings = settings
        self._warn = warn
        self._workers = workers
        self._lock = threading.Lock()
        self._made: tuple[requests.Session, HttpSettings] | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._pending: list[Future[None]] = []
        self._warned: set[str] = set()
        self.down = False  # no more requests this run
        self.read_only = False  # a write was refused: no more writes this run
        self.counts = dict.fromkeys(("scans read", "files read", "scans written",
                                     "files written", "ignored"), 0)

    # -- plumbing --------------------------------------------------------------------

    def _url(self, rel: str) -> str:
        parts = urlsplit(self.url)
        path = parts.path if parts.path.endswith("/") else parts.path + "/"
        return urlunsplit(parts._replace(path=path + rel))  # a query (a token) is kept

    def _session(self) -> tuple[requests.Session, HttpSettings]:
        """A session with the run's TLS, proxy and timeout settings as they are now
        (resolution may add some from requirement files): one retry, not pip's five."""
        settings = self._settings()
        with self._lock:
            if self._made is None or self._made[1] is not settings:
                self._made = (make_session(replace(settings, retries=min(settings.retries, 1))),
                              settings)
            return self._made

    def _count(self, what: str) -> None:
        with self._lock:
            self.counts[what] += 1

    def _say_once(self, kind: str, text: str) -> None:
        with self._lock:
            if kind in self._warned:
                return
            self._warned.add(kind)
        self._warn(f"shared cache {self.shown}: {text}")

    def _give_up(self, what: str) -> None:
        with self._lock:
            if self.down:
                return
            self.down = True
        self._say_once("down", f"{what}; going on without it for this run")

    def _ignore(self, rel: str, why: str) -> None:
        self._count("ignored")
        self._say_once(f"ignored {why}", f"{rel} ignored: {why}")

    def _get(self, rel: str) -> requests.Response | None:
        if self.down:
            return None
        session, settings = self._session()
        url = self._url(rel)
        try:
            resp = session.get(url, stream=True, **_request_kwargs(settings, url))
        except _http_error() as exc:
            self._give_up(f"GET {rel}: {_reason(exc)}")
            return None
        if resp.status_code == 200:
            return resp
        resp.close()
        if resp.status_code not in _MISSING:
            self._give_up(f"GET {rel}: HTTP {resp.status_code}")
        return None

    # -- scans -----------------------------------------------------------------------

    def get_scan(self, sha256: str, scanner: str) -> PackageScan | None:
        if not (_SHA256.fullmatch(sha256) and _SCANNER.fullmatch(scanner)):
            return None
        rel = f"scans/{scanner}/{sha256}.json"
        resp = self._get(rel)
        if resp is None:
            return None
        try:
            body = bytearray()
            for chunk in resp.iter_content(1 << 16):
                body += chunk
                if len(body) > MAX_SCAN_BYTES:
                    raise _Ignored(f"larger than {MAX_SCAN_BYTES >> 20} MiB")
        except _http_error() as exc:
            self._give_up(f"GET {rel}: {_reason(exc)}")
            return None
        except _Ignored as exc:
            self._ignore(rel, str(exc))
            return None
        finally:
            resp.close()
        try:
            scan = read_record(bytes(body), sha256=sha256, scanner=scanner, key=self.key)
        except _Ignored as exc:
            self._ignore(rel, str(exc))
            return None
        except Exception:  # noqa: BLE001 - any malformed record is ignored, never a traceback
            self._ignore(rel, "malformed (not a valid scan record)")
            return None
        self._count("scans read")
        return scan

    def put_scan(self, scan: PackageScan, scanner: str) -> None:
        if not (_SHA256.fullmatch(scan.sha256) and _SCANNER.fullmatch(scanner)):
            return
        body = json.dumps(scan_record(scan, scanner, self.key)).encode()
        self._submit(f"scans/{scanner}/{scan.sha256}.json", "scans written",
                     lambda: body, "application/json")

    # -- files -----------------------------------------------------------------------

    def get_file(self, cache: Cache, sha256: str, filename: str) -> Path | None:
        """The file from the store, verified and kept in ``cache``; None when it is not
        there, or its bytes are not ``sha256`` (refused: the caller fetches it elsewhere)."""
        if not _SHA256.fullmatch(sha256):
            return None
        rel = f"files/{sha256}"
        resp = self._get(rel)
        if resp is None:
            return None
        try:
            with resp, cache.writer() as (tmp, handle):
                digest = hashlib.sha256()
                try:
                    for chunk in resp.iter_content(CHUNK):
                        digest.update(chunk)
                        handle.write(chunk)
                except _http_error() as exc:
                    self._give_up(f"GET {rel}: {_reason(exc)}")
                    raise _Ignored from None
                if digest.hexdigest() != sha256:
                    self._ignore(rel, "its bytes do not hash to its name (refused; "
                                      "fetched from the index instead)")
                    raise _Ignored
        except _Ignored:
            return None
        path = cache.put_file(sha256, filename, tmp)
        self._count("files read")
        return path

    def put_file(self, sha256: str, path: Path) -> None:
        if _SHA256.fullmatch(sha256):
            self._submit(f"files/{sha256}", "files written", lambda: path.open("rb"),
                         "application/octet-stream")

    # -- writes in the background ------------------------------------------------------

    def _submit(self, rel: str, what: str, body: Callable[[], Any], ctype: str) -> None:
        if self.down or self.read_only:
            return
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=self._workers,
                                                thread_name_prefix="permpip-share")
            self._pending.append(self._pool.submit(self._put, rel, what, body, ctype))

    def _put(self, rel: str, what: str, body: Callable[[], Any], ctype: str) -> None:
        if self.down or self.read_only:
            return
        session, settings = self._session()
        url = self._url(rel)
        try:
            data = body()
            with data if hasattr(data, "close") else contextlib.nullcontext():
                resp = session.put(url, data=data, headers={"Content-Type": ctype},
                                   **_request_kwargs(settings, url))
            resp.close()
        except OSError as exc:  # the local file went away: nothing to share
            if isinstance(exc, _http_error()):
                self._give_up(f"PUT {rel}: {_reason(exc)}")
            return
        if resp.status_code in _WRITTEN:
            self._count(what)
            return
        with self._lock:
            self.read_only = True
        self._say_once("write", f"PUT {rel}: HTTP {resp.status_code}; this run's results "
                                "are not shared")

    def close(self, *, wait: bool = True) -> None:
        """Wait for the writes in flight (``wait=False``: drop those not started)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=wait, cancel_futures=not wait)

    def summary(self) -> str:
        c = self.counts
        text = (f"{self.shown}: {c['scans read']} scans and {c['files read']} files read, "
                f"{c['scans written']} scans and {c['files written']} files written")
        if c["ignored"]:
            text += f", {c['ignored']} ignored"
        if self.down:
            text += " (unavailable)"
        return text


def _http_error() -> type[Exception]:
    """requests' error class, imported when a store is in use only (as gate.fetch loads
    requests: a run without ``--cache-url`` does not pay for it)."""
    import requests

    exc: type[Exception] = requests.RequestException
    return exc


def store_url(options: GateOptions, env: Mapping[str, str] | None = None) -> str | None:
    """``--cache-url``, else ``PERMPIP_CACHE_URL``, else None."""
    environ = os.environ if env is None else env
    return options.cache_url or environ.get("PERMPIP_CACHE_URL", "").strip() or None


def store_key(env: Mapping[str, str] | None = None) -> bytes | None:
    """``PERMPIP_CACHE_KEY`` (UTF-8), at least 16 bytes; None when unset or empty."""
    raw = (os.environ if env is None else env).get("PERMPIP_CACHE_KEY", "")
    if not raw:
        return None
    key = raw.encode()
    if len(key) < MIN_KEY_BYTES:
        raise UsageError(f"PERMPIP_CACHE_KEY is {len(key)} bytes; a key must have at least "
                         f"{MIN_KEY_BYTES}",
                         hint="make one with: python -c 'import secrets; "
                              "print(secrets.token_hex(32))'")
    return key


@contextlib.contextmanager
def attached(cache: Cache, options: GateOptions, *, env: Mapping[str, str] | None,
             settings: Callable[[], HttpSettings], progress: Progress) -> Iterator[None]:
    """While the block runs, ``cache`` reads through and writes back to the store the
    options name (if any); at the end the writes in flight are awaited and one
    ``shared cache:`` line says what was read and written."""
    url = store_url(options, env)
    if url is None:
        yield
        return
    if options.no_cache:
        progress.warn(f"shared cache {redact(url)} not used: this run uses no cache")
        yield
        return
    store = SharedStore(url, settings=settings, key=store_key(env), warn=progress.warn)
    cache.shared = store
    try:
        yield
    except BaseException:
        cache.shared = None
        store.close(wait=False)
        raise
    cache.shared = None
    store.close()
    progress.finish("shared cache", store.summary())
