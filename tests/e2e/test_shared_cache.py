"""The shared cache (#15) end to end: real permpip runs (real pip and uv, the local index)
against a real nginx with WebDAV as the store (``tests.webdav``; skipped without nginx).

Two "machines" are two empty ``--cache-dir``s and two venvs. The first scans and fetches
and writes back; the second reads everything from the store and scans nothing (its
``scanning`` line, its ``shared cache`` line and nginx's access log all say so). Then an
attacker with write access to the store: forged scans (trusted without a key, ignored with
``PERMPIP_CACHE_KEY`` unless signed with it), a file that is not its hash, malformed JSON;
and a store that is down or read-only. None of them fails a run or changes a verdict the
local rules would not give.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from gate._subprocess import Completed
from gate.model import PackageScan
from gate.run import scanner_version
from gate.shared_cache import scan_record
from tests.builders import build_wheel
from tests.conftest import installed, write_policy
from tests.index import SubIndex
from tests.webdav import Store, free_port, store_fixture, webdav_server  # noqa: F401

pytestmark = pytest.mark.e2e

Permpip = Callable[..., Completed]
MakeVenv = Callable[..., Path]

KEY = "fleet-secret-0123456789abcdef"
FETCH = "import urllib.request\n\n\ndef get(url):\n    return urllib.request.urlopen(url).read()\n"


def stage(done: Completed, name: str) -> str:
    found = [ln for ln in done.stderr.splitlines() if ln.startswith(f"{name}: ")]
    assert len(found) == 1, done.stderr
    return found[0].removeprefix(f"{name}: ")


def warnings(done: Completed) -> list[str]:
    return [ln for ln in done.stderr.splitlines() if ln.startswith("warning: ")]


class Fleet:
    """The set (app -> netpkg, dep), its index, the project, and permpip on N machines."""

    def __init__(self, index: SubIndex, tmp: Path, permpip: Permpip, make_venv: MakeVenv,
                 env: dict[str, str]) -> None:
        dist = tmp / "dist"
        self.wheels = {
            "app": build_wheel(dist, "app", "1.0", {"app/__init__.py": ""},
                               requires=["netpkg", "dep"]),
            "netpkg": build_wheel(dist, "netpkg", "1.0", {"netpkg/__init__.py": "",
                                                          "netpkg/fetch.py": FETCH}),
            "dep": build_wheel(dist, "dep", "1.0", {"dep/__init__.py": "X = 1\n"}),
        }
        for w in self.wheels.values():
            index.publish(w)
        self.index = index
        self.tmp = tmp
        self.project = tmp / "project"
        self.grant(network=True)
        self._permpip = permpip
        self._make_venv = make_venv
        self.env = env

    def grant(self, *, network: bool) -> None:
        write_policy(self.project, {"netpkg": ["network"]} if network else {})

    def sha(self, name: str) -> str:
        return self.index.sha256(self.wheels[name].name)

    def install(self, machine: str, *args: str, backend: str = "pip",
                env: dict[str, str] | None = None) -> tuple[Completed, Path]:
        py = self._make_venv(f"venv-{machine}-{time.monotonic_ns()}")
        done = self._permpip("install", "--backend", backend, "--python", str(py),
                             "--index-url", self.index.url,
                             "--cache-dir", str(self.tmp / f"cache-{machine}"), *args, "app",
                             cwd=self.project, env=self.env | (env or {}))
        assert "Traceback" not in done.stderr, done.stderr
        return done, py

    def wheel_downloads(self) -> int:
        """How many times the index served one of the wheels themselves."""
        return sum(self.index.requests_for(w.name) for w in self.wheels.values())


@pytest.fixture
def fleet(index: SubIndex, tmp_path: Path, permpip: Permpip, make_venv: MakeVenv,
          hermetic_env: dict[str, str]) -> Fleet:
    return Fleet(index, tmp_path, permpip, make_venv, hermetic_env)


def put(store: Store, rel: str, data: bytes) -> None:
    """Write into the store as an attacker with write access does (the files directly)."""
    path = store.dir / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def forged(fleet: Fleet, name: str, *, key: str | None = None, scanner: str | None = None,
           sha: str | None = None) -> bytes:
    """A scan record saying ``name``'s wheel does nothing at all."""
    scan = PackageScan(name=name, version="1.0", filename=fleet.wheels[name].name,
                       sha256=sha or fleet.sha(name))
    return json.dumps(scan_record(scan, scanner or scanner_version(),
                                  key.encode() if key else None)).encode()


@pytest.mark.parametrize("backend", ["pip", "uv"])
def test_the_second_machine_takes_scans_and_files_from_the_store(
        backend: str, fleet: Fleet, store: Store) -> None:
    version = scanner_version()
    first, py1 = fleet.install("a", "--cache-url", store.url, backend=backend)
    assert first.returncode == 0, first.stderr
    assert stage(first, "scanning") == "3 artifacts"
    assert stage(first, "shared cache") == (
        f"{store.url}: 0 scans and 0 files read, 3 scans and 3 files written")
    for name, wheel in fleet.wheels.items():  # the store holds exactly the index's bytes
        sha = fleet.sha(name)
        assert (store.dir / "files" / sha).read_bytes() == wheel.read_bytes()
        record = json.loads((store.dir / "scans" / version / f"{sha}.json").read_bytes())
        assert (record["scanner"], record["sha256"], record["scan"]["name"]) == (
            version, sha, name)
    assert "hmac-sha256" not in record  # no key: unsigned
    downloads = fleet.wheel_downloads()
    seen = len(store.log())

    # machine b: an empty cache, the store named by PERMPIP_CACHE_URL
    second, py2 = fleet.install("b", backend=backend, env={"PERMPIP_CACHE_URL": store.url})
    assert second.returncode == 0, second.stderr
    assert stage(second, "scanning") == "3 artifacts (0 scanned now, 3 from the cache)"
    assert stage(second, "shared cache") == (
        f"{store.url}: 3 scans and 3 files read, 0 scans and 0 files written")
    assert warnings(second) == []
    assert sorted(store.log()[seen:]) == sorted(
        [f"GET scans/{version}/{fleet.sha(n)}.json 200" for n in fleet.wheels]
        + [f"GET files/{fleet.sha(n)} 200" for n in fleet.wheels])
    assert fleet.wheel_downloads() == downloads  # no wheel came from the index
    assert installed(py1) == installed(py2) == {"app": "1.0", "netpkg": "1.0", "dep": "1.0"}
    # read-through: machine b keeps what it read (a third run needs neither store nor index)
    local = fleet.tmp / "cache-b" / "permpip"
    assert len(list((local / "scans" / version).glob("*.json"))) == 3
    third, _ = fleet.install("b", backend=backend, env={"PERMPIP_CACHE_URL": store.url})
    assert stage(third, "shared cache") == (
        f"{store.url}: 0 scans and 0 files read, 0 scans and 0 files written")


def test_without_a_key_write_access_to_the_store_is_the_power_to_approve(
        fleet: Fleet, store: Store) -> None:
    """What docs/cache.md says: an unsigned forged scan is believed (the reason for
    PERMPIP_CACHE_KEY). netpkg uses the network and is not granted it."""
    fleet.grant(network=False)
    put(store, f"scans/{scanner_version()}/{fleet.sha('netpkg')}.json", forged(fleet, "netpkg"))
    done, _ = fleet.install("b", "--cache-url", store.url)
    assert done.returncode == 0, done.stdout
    # the same run with the fleet's key: the forgery is ignored, netpkg is scanned, refused
    keyed, py = fleet.install("c", "--cache-url", store.url, env={"PERMPIP_CACHE_KEY": KEY})
    assert keyed.returncode == 1, keyed.stdout + keyed.stderr
    assert "netpkg/fetch.py:5 urllib.request.urlopen" in keyed.stdout
    assert installed(py) == {}


@pytest.mark.parametrize("forgery", ["unsigned", "wrong key", "another artifact's record",
                                     "another scanner version", "signed, then edited"])
def test_with_a_key_a_forged_scan_is_ignored_and_the_package_scanned(
        forgery: str, fleet: Fleet, store: Store) -> None:
    fleet.grant(network=False)
    sha = fleet.sha("netpkg")
    if forgery == "unsigned":
        body = forged(fleet, "netpkg")
    elif forgery == "wrong key":
        body = forged(fleet, "netpkg", key="not-the-fleet-key-42424242")
    elif forgery == "another artifact's record":  # dep's honest, signed scan, replayed
        body = forged(fleet, "dep", key=KEY)
    elif forgery == "another scanner version":  # honest once, under an older scanner
        body = forged(fleet, "netpkg", key=KEY, scanner="0123456789abcdef")
    else:
        record = json.loads(forged(fleet, "netpkg", key=KEY))
        record["scan"]["version"] = "1.0.post0"
        body = json.dumps(record).encode()
    put(store, f"scans/{scanner_version()}/{sha}.json", body)
    done, py = fleet.install("b", "--cache-url", store.url, env={"PERMPIP_CACHE_KEY": KEY})
    assert done.returncode == 1, done.stdout + done.stderr
    assert "netpkg 1.0 (netpkg-1.0-py3-none-any.whl)" in done.stdout
    assert "  network (runtime) not granted:" in done.stdout
    assert installed(py) == {}
    [warning] = warnings(done)
    assert warning.startswith(f"warning: shared cache {store.url}: scans/"), warning
    assert stage(done, "scanning") == "3 artifacts"  # all three scanned here
    assert stage(done, "shared cache").endswith(", 1 ignored")
    # the honest, signed scan replaced the forgery in the store
    record = json.loads((store.dir / "scans" / scanner_version() / f"{sha}.json").read_bytes())
    assert record["scan"]["capabilities"]["network"]
    assert "hmac-sha256" in record


def test_with_a_key_the_fleet_shares_signed_scans(fleet: Fleet, store: Store) -> None:
    key = {"PERMPIP_CACHE_KEY": KEY}
    first, _ = fleet.install("a", "--cache-url", store.url, env=key)
    assert first.returncode == 0, first.stderr
    second, _ = fleet.install("b", "--cache-url", store.url, env=key)
    assert second.returncode == 0, second.stderr
    assert stage(second, "scanning") == "3 artifacts (0 scanned now, 3 from the cache)"


def test_a_file_that_is_not_its_hash_is_refused_and_fetched_from_the_index(
        fleet: Fleet, store: Store, tmp_path: Path) -> None:
    evil = build_wheel(tmp_path / "evil", "dep", "1.0", {"dep/__init__.py": "import os\n"
                                                         "os.system('touch /tmp/pwned')\n"})
    sha = fleet.sha("dep")
    put(store, f"files/{sha}", evil.read_bytes())
    done, py = fleet.install("b", "--cache-url", store.url)
    assert done.returncode == 0, done.stderr
    assert warnings(done) == [
        f"warning: shared cache {store.url}: files/{sha} ignored: its bytes do not hash to "
        "its name (refused; fetched from the index instead)"]
    assert fleet.index.requests_for(fleet.wheels["dep"].name) == 1
    site = next(py.parent.parent.glob("lib/python*/site-packages"))
    assert (site / "dep" / "__init__.py").read_text() == "X = 1\n"
    # the index's verified bytes replaced the bad copy in the store
    assert (store.dir / "files" / sha).read_bytes() == fleet.wheels["dep"].read_bytes()


def test_malformed_scans_in_the_store_are_ignored_with_a_warning(
        fleet: Fleet, store: Store) -> None:
    version = scanner_version()
    bad_capability = json.loads(forged(fleet, "dep"))
    bad_capability["scan"]["capabilities"] = {"telepathy": [{"path": "x", "line": 1,
                                                             "phase": "runtime",
                                                             "detail": "x"}]}
    put(store, f"scans/{version}/{fleet.sha('app')}.json", b"{not json")
    put(store, f"scans/{version}/{fleet.sha('netpkg')}.json", b"[1, 2]")
    put(store, f"scans/{version}/{fleet.sha('dep')}.json", json.dumps(bad_capability).encode())
    done, _ = fleet.install("b", "--cache-url", store.url)
    assert done.returncode == 0, done.stderr
    assert stage(done, "scanning") == "3 artifacts"
    assert stage(done, "shared cache").endswith(", 3 ignored")
    said = warnings(done)
    assert len(said) == 2, said  # one per kind: malformed (twice), not a scan record
    assert any("malformed" in w for w in said) and any("not a permpip scan record" in w
                                                       for w in said)


def test_a_store_that_is_down_costs_one_warning(fleet: Fleet) -> None:
    url = f"http://127.0.0.1:{free_port()}/cache/"  # nothing listens there
    start = time.monotonic()
    done, py = fleet.install("b", "--cache-url", url)
    assert done.returncode == 0, done.stderr
    assert len(warnings(done)) == 1, done.stderr
    assert warnings(done)[0].startswith(f"warning: shared cache {url}: GET ")
    assert "connection refused; going on without it for this run" in warnings(done)[0]
    assert stage(done, "shared cache").endswith("(unavailable)")
    assert installed(py) == {"app": "1.0", "netpkg": "1.0", "dep": "1.0"}
    assert time.monotonic() - start < 60


def test_a_read_only_store_is_read_and_not_written(fleet: Fleet, store: Store) -> None:
    first, _ = fleet.install("a", "--cache-url", store.read_only_url)
    assert first.returncode == 0, first.stderr
    [warning] = warnings(first)
    assert re.fullmatch(rf"warning: shared cache {re.escape(store.read_only_url)}: PUT "
                        r"\S+: HTTP 403; this run's results are not shared", warning)
    assert not list(store.dir.rglob("*.json"))
    # filled by a job that may write (machine a's local cache is warm: it would write
    # nothing; a new machine w does), the store serves the read-only one
    fleet.install("w", "--cache-url", store.url)
    second, _ = fleet.install("b", "--cache-url", store.read_only_url)
    assert stage(second, "scanning") == "3 artifacts (0 scanned now, 3 from the cache)"
    assert warnings(second) == []


def test_no_cache_uses_no_shared_cache_either(fleet: Fleet, store: Store) -> None:
    done, _ = fleet.install("b", "--no-cache", "--cache-url", store.url)
    assert done.returncode == 0, done.stderr
    assert warnings(done) == [
        f"warning: shared cache {store.url} not used: this run uses no cache"]
    assert store.log() == []


@pytest.mark.parametrize("command", ["diff", "policy-init"])
def test_diff_and_policy_init_say_the_store_is_down(fleet: Fleet, tmp_path: Path,
                                                    command: str) -> None:
    """The commands that scan without installing warn as install does (they printed nothing:
    their progress went nowhere, warnings included)."""
    url = f"http://127.0.0.1:{free_port()}/cache/"
    lock = fleet.project / "requirements.txt"
    lock.write_text("".join(f"{n}==1.0 --hash=sha256:{fleet.sha(n)}\n" for n in fleet.wheels))
    common = ("--index-url", fleet.index.url, "--cache-dir", str(tmp_path / "cache-d"),
              "--cache-url", url)
    if command == "diff":
        done = fleet._permpip("diff", *common, "requirements.txt", "requirements.txt",
                              cwd=fleet.project, env=fleet.env)
    else:
        done = fleet._permpip("policy", "init", "requirements.txt", "--policy",
                              str(tmp_path / "new.toml"), *common, cwd=fleet.project,
                              env=fleet.env)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    [warning] = warnings(done)
    assert warning.startswith(f"warning: shared cache {url}: GET "), done.stderr
    assert "connection refused; going on without it for this run" in warning
