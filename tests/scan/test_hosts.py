"""Literal hosts in code (gate.scan.hosts): one-liners, as the capability scanner's tests."""

from __future__ import annotations

import json
from pathlib import Path

from gate.model import HostSeen, Label, PackageScan
from gate.scan import scan_artifact
from gate.scan.hosts import candidate_lines, literal_hosts, within
from tests.builders import build_wheel


def hosts(source: str, path: str = "pkg/mod.py") -> list[str]:
    lines = candidate_lines(source)
    pruned = literal_hosts(source, path, lines=lines) if lines != [] else []
    assert pruned == literal_hosts(source, path)  # the line filter drops nothing
    return [h.host for h in pruned]


def test_urls_that_are_whole_strings() -> None:
    assert hosts('DSN = "https://k@o1.ingest.sentry.io/5"') == ["o1.ingest.sentry.io"]
    assert hosts("X = 'wss://stream.binance.com:9443/ws'") == ["stream.binance.com"]
    assert hosts('R = "redis://cache.internal.corp:6379/0"') == ["cache.internal.corp"]
    assert hosts('M = "mongodb+srv://u:p@c0.abc.mongodb.net/db"') == ["c0.abc.mongodb.net"]
    assert hosts('B = b"https://API.Example.io./x"') == ["api.example.io"]
    assert hosts('U = "http://localhost:8080/"') == ["localhost"]
    assert hosts('I = "http://[::ffff:10.0.0.1]:80/"') == ["10.0.0.1"]
    assert hosts('C = call(url="https://a.b.io",\n    other="https://c.d.io/")') == [
        "a.b.io", "c.d.io"]


def test_fstrings_only_with_the_host_complete() -> None:
    assert hosts('U = f"https://api.stripe.com/v1/{path}"') == ["api.stripe.com"]
    assert hosts('U = f"https://{region}.amazonaws.com/"') == []
    assert hosts('U = f"https://api.stripe.com{path}"') == []  # the host may go on
    assert hosts('U = f"https://api.stripe.com"') == ["api.stripe.com"]


def test_hosts_handed_to_connecting_calls() -> None:
    assert hosts('import socket\nsocket.create_connection(("events.pd.com", 443))') == [
        "events.pd.com"]
    assert hosts('s.connect(\n    ("10.1.2.3", 22))') == ["10.1.2.3"]
    assert hosts('from http.client import HTTPSConnection as H\nH("api.github.com:443")') \
        == []  # an alias: matched by the called name only
    assert hosts('http.client.HTTPSConnection("api.github.com:443")') == ["api.github.com"]
    assert hosts('smtplib.SMTP(host="smtp.gmail.com")') == ["smtp.gmail.com"]
    assert hosts('db.connect("not-a-host-call")') == []  # connect takes a (host, port) tuple


def test_what_is_not_a_host() -> None:
    assert hosts('"""Docs: https://docs.sentry.io/"""') == []
    assert hosts('def f():\n    """https://in.docstring.io/"""\n    return 1') == []
    assert hosts('"https://a.string.as.comment.io/x"') == []
    assert hosts('M = "see https://docs.python.org/3/ for help"') == []  # prose
    assert hosts('P = "http://host:port/"') == []  # a single label: a placeholder
    assert hosts('E = ["https://example.com/", "http://x.test", "https://www.example.org"]') \
        == []
    assert hosts('E = ["http://192.0.2.1/", "http://[2001:db8::1]/", "http://0.0.0.0:80"]') \
        == []
    assert hosts('X = "ftp://%s/path" % host') == []
    assert hosts("X = 'https://' + host") == []
    assert hosts("this is not python ('https://a.b.io'") == []  # unparseable: nothing


def test_evidence_leaves_credentials_out_and_labels_tests() -> None:
    [seen] = literal_hosts('U = "https://user:secret@api.x.io/v1"', "pkg/tests/test_x.py")
    assert seen == HostSeen(host="api.x.io", path="pkg/tests/test_x.py", line=1,
                            literal="https://***@api.x.io/v1")
    assert seen.label is Label.TESTS
    long = "https://a.b.io/" + "x" * 300
    [seen] = literal_hosts(f'U = "{long}"', "m.py")
    assert len(seen.literal) == 120 and seen.literal.endswith("…")


def test_within_the_policy_rule() -> None:
    assert within("o1.ingest.sentry.io", ["*.ingest.sentry.io"])
    assert within("a.b.ingest.sentry.io", ["*.ingest.sentry.io"])
    assert not within("ingest.sentry.io", ["*.ingest.sentry.io"])
    assert within("API.github.com.", ["api.github.com"])
    assert within("10.0.0.1", ["10.0.0.1"]) and not within("10.0.0.2", ["10.0.0.1"])


def test_a_wheel_scan_carries_its_hosts_in_the_scan_json(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path, "beacon", "1.0", {
        "beacon/__init__.py": 'URL = "https://ingest.beacon.io/v1"\n',
        "beacon/send.py": "import urllib.request\n"
                          "def send():\n"
                          "    urllib.request.urlopen('https://api.beacon.io/x')\n",
        "beacon/tests/test_send.py": "URL = 'http://mock.beacon.io/'\n",
    })
    scan = scan_artifact(wheel)
    assert [(h.host, h.where, h.label) for h in scan.hosts] == [
        ("ingest.beacon.io", "beacon/__init__.py:1", None),
        ("api.beacon.io", "beacon/send.py:3", None),
        ("mock.beacon.io", "beacon/tests/test_send.py:1", Label.TESTS)]
    data = json.loads(json.dumps(scan.to_json()))
    assert data["hosts"][2] == {"host": "mock.beacon.io", "path": "beacon/tests/test_send.py",
                                "line": 1, "literal": "http://mock.beacon.io/",
                                "label": "tests"}
    back = PackageScan._from_dict(data)
    assert back == scan and [h.label for h in back.hosts] == [None, None, Label.TESTS]
    none = scan_artifact(build_wheel(tmp_path / "n", "quiet", "1.0", {"quiet/__init__.py": ""}))
    assert "hosts" not in none.to_json()
