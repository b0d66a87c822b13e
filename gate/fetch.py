"""fetch: pins -> verified local files, content-addressed in the cache.

permpip downloads every chosen file itself with ``requests``: the user's certificates
(``--cert``, ``PIP_CERT``, pip.conf), client certificate, trusted hosts, proxies
(``--proxy`` and the usual environment variables), netrc and URL credentials (credentials of
an index URL are reused for files on the same host, as pip does); timeouts and retries with
backoff. Every file is checked against its pinned sha256 before anything else sees it.
"""

from __future__ import annotations

import hashlib
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from gate.cache import Cache
from gate.errors import FetchError
from gate.model import Pin
from gate.options import GateOptions

CHUNK = 1 << 20


def pip_config() -> dict[str, str]:
    """The user's pip configuration (pip.conf files, then ``PIP_*``), later wins.

    Keys without section: ``index-url``, ``cert``, ... Read with pip's own loader so the
    files and precedence are exactly pip's (``PIP_CONFIG_FILE``, ``--isolated`` aside).
    """
    try:
        from pip._internal.configuration import Configuration

        conf = Configuration(isolated=False)
        conf.load()
        out: dict[str, str] = {}
        for _variant, values in conf.items():
            items = values.items() if isinstance(values, Mapping) else [(_variant, values)]
            for key, value in items:
                section, _, name = str(key).partition(".")
                if section in ("global", "install", ":env:") and isinstance(value, str):
                    out[name] = value
        return out
    except Exception as exc:  # noqa: BLE001 - any pip config problem is a usage problem
        raise FetchError(f"could not read the pip configuration: {exc}") from None


@dataclass(frozen=True, kw_only=True, slots=True)
class HttpSettings:
    """How to talk to indexes and file hosts; built from pip options + pip configuration."""

    cert: str | bool = True  # CA bundle path, or True for the default
    client_cert: str | None = None
    trusted_hosts: frozenset[str] = frozenset()
    proxy: str | None = None
    timeout: float = 60.0
    retries: int = 5
    credentials: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # netloc -> auth

    @classmethod
    def from_options(cls, options: GateOptions, index_urls: Sequence[str] = ()) -> HttpSettings:
        conf = {} if options.flag("--isolated") else pip_config()

        def last(opt: str, key: str) -> str | None:
            vals = options.values(opt)
            return vals[-1] if vals else conf.get(key)

        trusted = set(options.values("--trusted-host")) | set(conf.get("trusted-host", "").split())
        creds: dict[str, tuple[str, str]] = {}
        for url in index_urls:
            parts = urlsplit(url)
            if parts.username:
                creds[parts.hostname or ""] = (unquote(parts.username),
                                               unquote(parts.password or ""))
        try:
            timeout = float(last("--timeout", "timeout") or conf.get("default-timeout") or 60)
            retries = int(last("--retries", "retries") or 5)
        except ValueError as exc:
            raise FetchError(f"bad --timeout/--retries value: {exc}") from None
        return cls(cert=last("--cert", "cert") or True, client_cert=last("--client-cert",
                   "client-cert"), trusted_hosts=frozenset(trusted),
                   proxy=last("--proxy", "proxy"), timeout=timeout, retries=retries,
                   credentials=creds)


def make_session(settings: HttpSettings) -> requests.Session:
    session = requests.Session()  # trust_env: proxy variables, netrc, REQUESTS_CA_BUNDLE
    retry = Retry(total=settings.retries, connect=settings.retries, read=settings.retries,
                  backoff_factor=0.25, status_forcelist=(500, 502, 503, 504),
                  allowed_methods=("GET", "HEAD"), raise_on_status=False)
    adapter = HTTPAdapter(max_retries=retry, pool_maxsize=16)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.verify = settings.cert
    if settings.client_cert:
        session.cert = settings.client_cert
    if settings.proxy:
        session.proxies = {"http": settings.proxy, "https": settings.proxy}
    session.headers["User-Agent"] = "permpip (pip-compatible; +https://pypi.org/project/permpip)"
    return session


def _request_kwargs(settings: HttpSettings, url: str) -> dict[str, Any]:
    parts = urlsplit(url)
    kwargs: dict[str, Any] = {"timeout": settings.timeout}
    host = parts.hostname or ""
    if host in settings.trusted_hosts or parts.netloc in settings.trusted_hosts:
        kwargs["verify"] = False
    if not parts.username and host in settings.credentials:
        kwargs["auth"] = settings.credentials[host]
    return kwargs


def http_get(session: requests.Session, settings: HttpSettings, url: str,
             headers: Mapping[str, str] | None = None) -> requests.Response:
    """GET with the settings; raises FetchError for connection problems and HTTP errors."""
    try:
        resp = session.get(url, headers=dict(headers or {}), **_request_kwargs(settings, url))
    except requests.RequestException as exc:
        raise FetchError(f"could not fetch {_redact(url)}: {_reason(exc)}") from None
    if resp.status_code >= 400:
        raise FetchError(f"could not fetch {_redact(url)}: HTTP {resp.status_code}")
    return resp


def _redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = f"{parts.username}:****@{parts.hostname}" + (
            f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def _reason(exc: Exception) -> str:
    text = str(exc)
    for marker in ("Connection refused", "Name or service not known", "timed out",
                   "certificate verify failed"):
        if marker in text:
            return marker
    return text.splitlines()[0][:200] if text else type(exc).__name__


ProgressFn = Callable[[int, int, int], None]  # files done, files total, bytes so far


@dataclass(frozen=True, kw_only=True, slots=True)
class Fetched:
    pin: Pin
    path: Path  # verified file in the cache (named by its sha256)


def fetch_all(
    pins: Sequence[Pin], *, cache: Cache, settings: HttpSettings,
    progress: ProgressFn | None = None, workers: int = 8,
) -> list[Fetched]:
    """Download (or take from the cache) and verify every pin, concurrently, in pin order."""
    session = make_session(settings)
    done = [0, 0]  # files, bytes

    def one(pin: Pin) -> Fetched:
        path = fetch_one(pin, cache=cache, session=session, settings=settings)
        done[0] += 1
        done[1] += path.stat().st_size
        if progress:
            progress(done[0], len(pins), done[1])
        return Fetched(pin=pin, path=path)

    if progress:
        progress(0, len(pins), 0)
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(pins)))) as pool:
        return list(pool.map(one, pins))


def fetch_one(pin: Pin, *, cache: Cache, session: requests.Session,
              settings: HttpSettings) -> Path:
    if not pin.sha256:
        raise FetchError(f"{pin.filename}: no sha256 to verify against; refusing to fetch")
    expected = pin.sha256.lower()
    cached = cache.get_file(expected, pin.filename)
    if cached is not None:
        return cached
    with cache.writer() as (tmp, handle):
        digest = hashlib.sha256()
        if pin.url.startswith("file:"):
            _copy_local(pin.url, handle, digest)
        else:
            try:
                resp = session.get(pin.url, stream=True, **_request_kwargs(settings, pin.url))
                if resp.status_code >= 400:
                    raise FetchError(f"could not fetch {pin.filename} from {_redact(pin.url)}: "
                                     f"HTTP {resp.status_code}")
                for chunk in resp.iter_content(CHUNK):
                    digest.update(chunk)
                    handle.write(chunk)
            except requests.RequestException as exc:
                raise FetchError(f"could not fetch {pin.filename} from {_redact(pin.url)}: "
                                 f"{_reason(exc)}") from None
        actual = digest.hexdigest()
        if actual != expected:
            raise FetchError(f"hash mismatch for {pin.filename}: expected sha256 {expected}, "
                             f"got {actual}",
                             hint="the file changed after it was pinned; nothing was installed")
        # No fsync: a file torn by a crash fails the sha256 check when it is read from the
        # cache (Cache.get_file re-hashes) and is fetched again.
    return cache.put_file(expected, pin.filename, tmp)


def _copy_local(url: str, handle: Any, digest: Any) -> None:  # noqa: ANN401
    path = Path(urllib.request.url2pathname(urlsplit(url).path))
    try:
        with path.open("rb") as src:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                handle.write(chunk)
    except OSError as exc:
        raise FetchError(f"could not read {path}: {exc.strerror}") from None
