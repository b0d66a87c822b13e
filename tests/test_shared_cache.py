"""The shared cache's rules, in-process (#15): what a scan record must be to be trusted, the
options and variables that name the store and its key, the run's TLS/proxy settings on the
store's session, and the local cache reading through and writing back. End to end against
a real nginx: tests/e2e/test_shared_cache.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gate.cache import Cache
from gate.cli.options import parse_options
from gate.errors import UsageError
from gate.fetch import HttpSettings, _request_kwargs
from gate.model import Capability, Finding, PackageScan, Phase
from gate.shared_cache import (
    SharedStore,
    _Ignored,
    read_record,
    record_mac,
    scan_record,
    store_key,
    store_url,
)

SHA = "ab" * 32
OTHER = "cd" * 32
VERSION = "0123456789abcdef"
KEY = b"k" * 32


def a_scan(sha: str = SHA) -> PackageScan:
    return PackageScan(name="netpkg", version="1.0", filename="netpkg-1.0-py3-none-any.whl",
                       sha256=sha, findings=(Finding(path="netpkg/fetch.py", line=5,
                                                     capability=Capability.NETWORK,
                                                     phase=Phase.RUNTIME,
                                                     detail="urllib.request.urlopen"),))


def body(record: dict[str, object]) -> bytes:
    return json.dumps(record).encode()


@pytest.mark.parametrize("key", [None, KEY], ids=["unsigned", "signed"])
def test_a_record_round_trips(key: bytes | None) -> None:
    record = scan_record(a_scan(), VERSION, key)
    assert ("hmac-sha256" in record) is (key is not None)
    assert read_record(body(record), sha256=SHA, scanner=VERSION, key=key) == a_scan()


def test_the_signature_covers_every_field() -> None:
    record = scan_record(a_scan(), VERSION, KEY)
    for field, value in [("scanner", "f" * 16), ("sha256", OTHER), ("permpip-scan", 2),
                         ("scan", {**record["scan"], "capabilities": {}})]:
        assert record_mac({**record, field: value}, KEY) != record["hmac-sha256"], field


def _edited(record: dict[str, object]) -> dict[str, object]:
    scan = dict(record["scan"])  # type: ignore[call-overload]
    scan["capabilities"] = {}
    return {**record, "scan": scan}


@pytest.mark.parametrize(("make", "why"), [
    (lambda: scan_record(a_scan(), VERSION, None), "not signed with PERMPIP_CACHE_KEY"),
    (lambda: scan_record(a_scan(), VERSION, b"x" * 32),
     "its signature does not match PERMPIP_CACHE_KEY"),
    (lambda: _edited(scan_record(a_scan(), VERSION, KEY)),
     "its signature does not match PERMPIP_CACHE_KEY"),
    (lambda: scan_record(a_scan(), "fedcba9876543210", KEY), "made by another scanner version"),
    (lambda: scan_record(a_scan(OTHER), VERSION, KEY), "for another artifact (sha256)"),
    # the envelope names SHA, the scan inside another artifact: signed, still refused
    (lambda: {**scan_record(a_scan(OTHER), VERSION, None), "sha256": SHA},
     "for another artifact (sha256)"),
    (lambda: {"scan": a_scan().to_json()}, "not a permpip scan record (format 1)"),
    (lambda: [1, 2], "not a permpip scan record (format 1)"),
], ids=["unsigned", "wrong key", "edited", "other scanner", "other sha", "inner sha",
        "bare scan", "a list"])
def test_a_record_that_may_not_be_trusted_is_ignored(make: object, why: str) -> None:
    record = make()  # type: ignore[operator]
    if isinstance(record, dict) and why == "for another artifact (sha256)" \
            and "hmac-sha256" not in record:
        record["hmac-sha256"] = record_mac(record, KEY)  # signed by the fleet, all the same
    with pytest.raises(_Ignored, match=why.replace("(", r"\(").replace(")", r"\)")):
        read_record(json.dumps(record).encode(), sha256=SHA, scanner=VERSION, key=KEY)


@pytest.mark.parametrize("raw", [b"{not json", b"\xff\xfe", b'{"permpip-scan": 1, "scanner": '
                                 b'"0123456789abcdef", "sha256": "' + SHA.encode() + b'"}'])
def test_malformed_records_raise_for_the_store_to_ignore(raw: bytes) -> None:
    with pytest.raises(Exception):  # noqa: B017, PT011 - SharedStore ignores any of them
        read_record(raw, sha256=SHA, scanner=VERSION, key=None)


def test_cache_url_option_and_variable() -> None:
    opts = parse_options(["--cache-url", "https://store/permpip/", "x"])
    assert opts.cache_url == "https://store/permpip/"
    assert not any(o.name == "--cache-url" for o in opts.pip_options)  # not pip's
    env = {"PERMPIP_CACHE_URL": "http://from-env/"}
    assert store_url(opts, env) == "https://store/permpip/"
    assert store_url(parse_options(["x"]), env) == "http://from-env/"
    assert store_url(parse_options(["x"]), {"PERMPIP_CACHE_URL": " "}) is None


def test_the_key_must_be_long_enough() -> None:
    assert store_key({}) is None
    assert store_key({"PERMPIP_CACHE_KEY": "k" * 16}) == b"k" * 16
    with pytest.raises(UsageError, match="at least 16"):
        store_key({"PERMPIP_CACHE_KEY": "short"})


@pytest.mark.parametrize("url", ["ftp://store/x/", "file:///srv/cache", "store/cache", "http://"])
def test_only_http_stores(url: str) -> None:
    with pytest.raises(UsageError, match="not an http"):
        SharedStore(url, settings=HttpSettings)


def test_urls_keep_the_base_path_and_query() -> None:
    store = SharedStore("https://u:pw@gw.example/bucket/permpip?token=t0k", settings=HttpSettings)
    assert store._url(f"files/{SHA}") == f"https://u:pw@gw.example/bucket/permpip/files/{SHA}?token=t0k"
    assert store.shown == "https://u:****@gw.example/bucket/permpip?token=t0k"


def test_the_store_uses_the_runs_tls_and_proxy_settings() -> None:
    current = [HttpSettings(cert="/etc/ca.pem", client_cert="/etc/me.pem",
                            proxy="http://proxy:3128", timeout=7.0,
                            trusted_hosts=frozenset({"plain.example"}))]
    store = SharedStore("https://store.example/c/", settings=lambda: current[0])
    session, settings = store._session()
    assert (session.verify, session.cert, session.proxies["https"]) == (
        "/etc/ca.pem", "/etc/me.pem", "http://proxy:3128")
    assert session.get_adapter("https://store.example/").max_retries.total == 1
    assert _request_kwargs(settings, store._url("x"))["timeout"] == 7.0
    assert _request_kwargs(settings, "https://plain.example/x")["verify"] is False
    # resolution merged a requirement file's --cert: the next request takes it
    current[0] = HttpSettings(cert="/etc/other-ca.pem")
    assert store._session()[0].verify == "/etc/other-ca.pem"


class _FakeStore:
    """Stands for SharedStore in the wiring test (what the Cache asks of it)."""

    def __init__(self, scans: dict[str, PackageScan]) -> None:
        self.scans = scans
        self.asked: list[str] = []
        self.sent: list[str] = []

    def get_scan(self, sha256: str, scanner: str) -> PackageScan | None:
        self.asked.append(sha256)
        return self.scans.get(sha256)

    def put_scan(self, scan: PackageScan, scanner: str) -> None:
        self.sent.append(scan.sha256)


def test_the_local_cache_reads_through_and_writes_back(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    fake = _FakeStore({SHA: a_scan()})
    cache.shared = fake  # type: ignore[assignment]
    assert cache.get_scan(SHA, VERSION) == a_scan()  # from the store, kept here
    assert cache.get_scan(OTHER, VERSION) is None
    cache.shared = None
    assert cache.get_scan(SHA, VERSION) == a_scan()  # kept locally
    cache.shared = fake  # type: ignore[assignment]
    assert cache.get_scan(SHA, VERSION) == a_scan()
    assert fake.asked == [SHA, OTHER]  # a local hit does not ask the store
    cache.put_scan(a_scan(OTHER), VERSION)
    assert fake.sent == [OTHER]
    assert cache.get_scan(OTHER, VERSION) == a_scan(OTHER)
