"""fetch: pins -> verified local files, content-addressed in the cache.

permpip downloads every chosen file itself with ``requests``: the user's certificates
(``--cert``, ``PIP_CERT``, pip.conf), client certificate, trusted hosts, proxies
(``--proxy`` and the usual environment variables), netrc and URL credentials (credentials of
an index URL are reused for files on the same host, as pip does); timeouts and retries with
backoff. Every file is checked against its pinned sha256 before anything else sees it.
With ``--cache-url`` a file missing from the local cache is asked of the shared store first
(``Cache.get_shared_file``: the same sha256 check; bytes that fail it are refused and the
file is fetched here) and a file fetched here is sent to it (``gate.shared_cache``).

pip's configuration is read as pip running for the target reads it (``pip_config_items``:
pip's own loader, with ``<target sys.prefix>/pip.conf`` as the site file, as pip run with
``--python TARGET`` runs again under TARGET).
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit, urlunsplit

from gate import _subprocess
from gate.cache import Cache
from gate.errors import FetchError, UsageError
from gate.model import Pin
from gate.options import GateOptions

if TYPE_CHECKING:  # imported when a request is made (~0.1 s): a warm run makes none
    import requests

CHUNK = 1 << 20


def url2pathname(path: str) -> str:
    """``urllib.request.url2pathname``, imported when first needed: ``urllib.request``
    imports ``http.client`` and ``ssl`` (~0.02-0.05 s), which a warm run never uses."""
    import urllib.request

    return urllib.request.url2pathname(path)


@functools.lru_cache(maxsize=16)
def target_prefix(python: str | None) -> str:
    """``sys.prefix`` of the interpreter pip installs into: pip run with ``--python TARGET``
    runs again under TARGET, so TARGET's ``sys.prefix``/pip.conf is its site configuration."""
    if python is None:
        return sys.prefix
    from pip._internal.cli.main_parser import identify_python_interpreter

    found = identify_python_interpreter(python) or python
    done = _subprocess.run([found, "-I", "-c", "import sys; print(sys.prefix)"], timeout=60)
    if done.returncode != 0 or not done.stdout.strip():
        raise UsageError(f"--python {python}: the interpreter did not run")
    return done.stdout.strip()


def _env_var_name(key: str, env: Mapping[str, str]) -> str:
    """The ``PIP_*`` variable behind a normalised configuration key (``no-binary``)."""
    for name in env:
        if name.startswith("PIP_") and name[4:].lower().replace("_", "-") == key:
            return name
    return "PIP_" + key.upper().replace("-", "_")


def pip_config_items(*, isolated: bool = False, python: str | None = None,
                     env: Mapping[str, str] | None = None) -> list[tuple[str, str, str]]:
    """``(key, value, origin)`` of pip's configuration, in the order pip applies them.

    pip's own loader (``pip._internal.configuration.Configuration``) with two changes that
    make it load what pip running under the TARGET loads: the site file is
    ``<TARGET sys.prefix>/pip.conf`` and ``PIP_*``/``PIP_CONFIG_FILE`` come from ``env``
    (default ``os.environ``). Everything else is pip's: ``--isolated`` skips the user file and
    the ``PIP_*`` variables (not the global, site or ``PIP_CONFIG_FILE`` files);
    ``PIP_CONFIG_FILE=os.devnull`` skips every file. The order is
    ``ConfigOptionParser._get_ordered_configuration_items``: ``[global]``, then ``[install]``,
    then the environment, each with the value of the file latest in ``OVERRIDE_ORDER``
    (global < user < site < PIP_CONFIG_FILE); empty values are dropped as pip drops them.
    ``origin``: ``"/etc/pip.conf: [global] index-url"`` or ``"PIP_INDEX_URL (environment)"``.
    """
    from pip._internal.configuration import (
        CONFIG_BASENAME,
        ENV_NAMES_IGNORED,
        OVERRIDE_ORDER,
        Configuration,
        Kind,
        get_configuration_files,
    )

    environ = os.environ if env is None else env
    site_file = os.path.join(target_prefix(python), CONFIG_BASENAME)

    class TargetConfiguration(Configuration):
        def iter_config_files(self) -> Iterator[tuple[Kind, list[str]]]:
            # pip's iter_config_files, with the target's site file and ``environ``
            env_config_file = environ.get("PIP_CONFIG_FILE", None)
            config_files = get_configuration_files()
            yield Kind.GLOBAL, config_files[Kind.GLOBAL]
            if not self.isolated and not (env_config_file
                                          and os.path.exists(env_config_file)):
                yield Kind.USER, config_files[Kind.USER]
            yield Kind.SITE, [site_file]
            yield Kind.ENV, [env_config_file] if env_config_file is not None else []

        def get_environ_vars(self) -> Iterator[tuple[str, str]]:
            for key, val in environ.items():
                if key.startswith("PIP_") and key[4:].lower() not in ENV_NAMES_IGNORED:
                    yield key[4:].lower(), val

    try:
        conf = TargetConfiguration(isolated)
        conf.load()
    except Exception as exc:  # noqa: BLE001 - any pip config problem is a usage problem
        raise UsageError(f"could not read the pip configuration: {exc}") from None
    order = ("global", "install", ":env:")
    sections: dict[str, dict[str, tuple[str, str]]] = {name: {} for name in order}
    for variant in OVERRIDE_ORDER:
        for fname, values in conf.get_values_in_config(variant).items():
            for section_key, val in values.items():
                section, _, key = str(section_key).partition(".")
                if section not in sections or not isinstance(val, str):
                    continue
                origin = (f"{_env_var_name(key, environ)} (environment)" if section == ":env:"
                          else f"{fname}: [{section}] {key}")
                sections[section][key] = (val, origin)
    return [(key, val, origin) for name in order
            for key, (val, origin) in sections[name].items() if val]


def pip_config(*, isolated: bool = False, python: str | None = None,
               env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The user's pip configuration as pip reads it (``pip_config_items``), later wins.

    Keys without section: ``index-url``, ``cert``, ...
    """
    return {key: val for key, val, _origin in pip_config_items(isolated=isolated, python=python,
                                                               env=env)}


def pip_config_for(options: GateOptions) -> dict[str, str]:
    """pip's configuration for ``options``; nothing when it is merged into them already."""
    if options.config_read:
        return {}
    return pip_config(isolated=options.flag("--isolated"), python=options.python)


@dataclass(frozen=True, kw_only=True, slots=True)
class HttpSettings:
    """How to talk to indexes and file hosts; built from pip options + pip configuration."""

    cert: str | bool = True  # CA bundle path, or True for the default
    client_cert: str | None = None
    trusted_hosts: frozenset[str] = frozenset()
    proxy: str | None = None
    timeout: float = 15.0  # pip's default --timeout
    retries: int = 5
    credentials: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # netloc -> auth

    @classmethod
    def from_options(cls, options: GateOptions, index_urls: Sequence[str] = ()) -> HttpSettings:
        conf = pip_config_for(options)

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
            timeout = float(last("--timeout", "timeout") or conf.get("default-timeout") or 15)
            retries = int(last("--retries", "retries") or 5)
        except ValueError as exc:
            raise FetchError(f"bad --timeout/--retries value: {exc}") from None
        return cls(cert=last("--cert", "cert") or True, client_cert=last("--client-cert",
                   "client-cert"), trusted_hosts=frozenset(trusted),
                   proxy=last("--proxy", "proxy"), timeout=timeout, retries=retries,
                   credentials=creds)


def make_session(settings: HttpSettings) -> requests.Session:
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

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
    import requests

    try:
        resp = session.get(url, headers=dict(headers or {}), **_request_kwargs(settings, url))
    except requests.RequestException as exc:
        raise FetchError(f"could not fetch {_redact(url)}: {_reason(exc)}") from None
    if resp.status_code >= 400:
        raise FetchError(f"could not fetch {_redact(url)}: HTTP {resp.status_code}")
    return resp


def redact(url: str) -> str:
    """``url`` with its password replaced by ``****``."""
    return _redact(url)


def _redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = f"{parts.username}:****@{parts.hostname}" + (
            f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


_INCOMPLETE = re.compile(r"IncompleteRead\((\d+) bytes read, (\d+) more expected\)")
_NOT_ENOUGH = re.compile(r"not enough bytes were received \(([^)]*)\)")
# (what a network library's message holds, what permpip says), first match wins
_NETWORK = (
    ("certificate verify failed", "certificate verify failed"),
    ("Connection refused", "connection refused"),
    ("Connection reset by peer", "connection reset by the server"),
    ("ConnectionResetError", "connection reset by the server"),
    ("RemoteDisconnected", "the server closed the connection without a response"),
    ("Name or service not known", "host name not found"),
    ("Temporary failure in name resolution", "host name not found"),
    ("nodename nor servname", "host name not found"),
    ("No route to host", "no route to host"),
    ("Network is unreachable", "network is unreachable"),
    ("end of file before message length reached",
     "truncated: the connection closed before the whole body arrived"),
    ("Exceeded ", "too many redirects (a redirect loop)"),
    ("TooManyRedirects", "too many redirects (a redirect loop)"),
    ("timed out", "timed out (no data within the timeout)"),
    ("UnicodeDecodeError", "the page is not valid UTF-8"),
    ("JSONDecodeError", "the page is not valid JSON"),
)


def describe(text: str) -> str:
    """One short phrase for a network failure as requests, urllib3 or pip word it
    (``('Connection broken: IncompleteRead(412 bytes read, 413 more expected)', ...)``
    -> ``truncated: the connection closed after 412 bytes, 413 more were expected``)."""
    if m := _INCOMPLETE.search(text):
        return (f"truncated: the connection closed after {m.group(1)} bytes, {m.group(2)} "
                "more were expected")
    if m := _NOT_ENOUGH.search(text):
        return f"incomplete download ({m.group(1)} received)"
    for marker, said in _NETWORK:
        if marker in text:
            return said
    first = text.strip().splitlines()[0] if text.strip() else "unknown error"
    return first[:300].rstrip(".")


def _reason(exc: Exception) -> str:
    return describe(f"{type(exc).__name__}: {exc}")


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
    session = _LazySession(settings)
    done = [0, 0]  # files, bytes

    def one(pin: Pin) -> Fetched:
        path = fetch_one(pin, cache=cache, session=session,  # type: ignore[arg-type]
                         settings=settings)
        done[0] += 1
        done[1] += path.stat().st_size
        if progress:
            progress(done[0], len(pins), done[1])
        return Fetched(pin=pin, path=path)

    if progress:
        progress(0, len(pins), 0)
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(pins)))) as pool:
        return list(pool.map(one, pins))


class _LazySession:
    """``make_session`` on the first request: files all in the cache need none."""

    def __init__(self, settings: HttpSettings) -> None:
        self._settings = settings
        self._session: requests.Session | None = None
        self._lock = threading.Lock()

    def get(self, url: str, **kwargs: Any) -> requests.Response:  # noqa: ANN401
        with self._lock:
            if self._session is None:
                self._session = make_session(self._settings)
        return self._session.get(url, **kwargs)


def fetch_one(pin: Pin, *, cache: Cache, session: requests.Session,
              settings: HttpSettings) -> Path:
    if not pin.sha256:
        raise FetchError(f"{pin.filename}: no sha256 to verify against; refusing to fetch")
    expected = pin.sha256  # (lower case: Pin)
    cached = cache.get_file(expected, pin.filename) or cache.get_shared_file(expected,
                                                                           pin.filename)
    if cached is not None:
        return cached
    with cache.writer() as (tmp, handle):
        digest = hashlib.sha256()
        if pin.url.startswith("file:"):
            _copy_local(pin.url, handle, digest)
        else:
            import requests

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
                             hint=f"the file at {_redact(pin.url)} is not the one pinned; "
                                  "nothing was installed")
        # No fsync: a file torn by a crash fails the sha256 check when it is read from the
        # cache (Cache.get_file re-hashes) and is fetched again.
    path = cache.put_file(expected, pin.filename, tmp)
    cache.share_file(expected, path)  # --cache-url: sent in the background
    return path


def _copy_local(url: str, handle: Any, digest: Any) -> None:  # noqa: ANN401
    path = Path(url2pathname(urlsplit(url).path))
    try:
        with path.open("rb") as src:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                handle.write(chunk)
    except OSError as exc:
        raise FetchError(f"could not read {path}: {exc.strerror}") from None
