"""Network faults with unpinned requirements end with one line naming the file or URL.

Real pip and uv resolve against the local index (``tests.index``), whose fault modes make one
file or one project page misbehave; whichever stage meets the fault (pip's resolver, uv's,
permpip's own fetch), permpip exits 3 with its last line naming what failed, installs
nothing, and asks no index twice.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from gate._subprocess import Completed
from tests.builders import build_wheel
from tests.conftest import create_venv, installed, write_policy
from tests.index import SubIndex

pytestmark = pytest.mark.e2e

Permpip = Callable[..., Completed]
DEP = "dep-1.0-py3-none-any.whl"
FAST = ("--retries", "0", "--timeout", "1", "--resume-retries", "0")


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One empty venv for the module: every fault must leave it empty."""
    return create_venv(tmp_path_factory.mktemp("faults") / "venv")


def _publish(index: SubIndex, dist: Path) -> int:
    """app -> dep; returns the size of dep's wheel."""
    index.publish(build_wheel(dist, "app", "1.0", {"app/__init__.py": ""}, requires=["dep"]))
    wheel = build_wheel(dist, "dep", "1.0", {"dep/__init__.py": ""})
    index.publish(wheel)
    return wheel.stat().st_size


def _install(permpip: Permpip, project: Path, venv: Path, index: SubIndex, backend: str,
             *extra: str) -> Completed:
    write_policy(project, {})
    return permpip("install", "--backend", backend, "--python", str(venv), "--index-url",
                   index.url, "--no-cache", *extra, "app", cwd=project)


def _last_line(done: Completed) -> str:
    return done.stderr.rstrip("\n").splitlines()[-1]


def _fetch_line(index: SubIndex, why: str) -> str:
    return f"error: could not fetch {DEP} from {index.file_url(DEP)}: {why}"


# -- faults on a file the resolver does not download (its PEP 658 metadata is served): met
# by permpip's own fetch, for either backend. The fetch (gate.fetch.fetch_all) takes the
# resolved pins and the settings merged before either backend ran, and knows no backend:
# every fault with pip, and one with uv (its pins reach the same fetch, its --timeout too)

@pytest.mark.parametrize(("fault", "backend"), [
    ("truncate", "pip"), ("reset", "pip"), ("stall", "pip"), ("redirect-loop", "pip"),
    ("stall", "uv"),
])
def test_fault_met_by_permpips_fetch(fault: str, backend: str, index: SubIndex, tmp_path: Path,
                                     project: Path, venv: Path, permpip: Permpip) -> None:
    size = _publish(index, tmp_path / "dist")
    index.fault(DEP, fault)
    done = _install(permpip, project, venv, index, backend, *FAST)
    assert done.returncode == 3, done.stderr
    why = {"truncate": f"truncated: the connection closed after {size // 2} bytes, "
                       f"{size - size // 2} more were expected",
           "reset": "connection reset by the server",
           "stall": "timed out (no data within the timeout)",
           "redirect-loop": "too many redirects (a redirect loop)"}[fault]
    assert _last_line(done) == _fetch_line(index, why)
    assert installed(venv) == {}


@pytest.mark.parametrize("backend", ["pip", "uv"])
def test_bytes_not_matching_the_page_hash(backend: str, index: SubIndex, tmp_path: Path,
                                          project: Path, venv: Path, permpip: Permpip) -> None:
    _publish(index, tmp_path / "dist")
    expected = index.sha256(DEP)
    index.replace(DEP, b"PK\x05\x06" + b"\0" * 18)
    done = _install(permpip, project, venv, index, backend, *FAST)
    assert done.returncode == 3, done.stderr
    assert done.stderr.splitlines()[-2].startswith(
        f"error: hash mismatch for {DEP}: expected sha256 {expected}, got ")
    assert _last_line(done) == (f"hint: the file at {index.file_url(DEP)} is not the one "
                                "pinned; nothing was installed")
    assert installed(venv) == {}


# -- faults on a file the resolver downloads to read its metadata (none served) ---------

def _resolver_file_line(backend: str, fault: str, url: str, size: int) -> str:
    if backend == "pip":
        why = {"truncate": f"incomplete download ({size // 2} bytes/{size} bytes received)",
               "reset": "Failed to connect to 127.0.0.1 (the connection was closed without a "
                        "reply from the server.)",
               "stall": f"incomplete download (0 bytes/{size} bytes received)",
               "redirect-loop": "too many redirects (a redirect loop)"}[fault]
        return f"error: pip could not fetch {url}: {why}"
    return f"error: uv could not fetch {url}: connection reset by the server"


@pytest.mark.parametrize("fault", ["truncate", "reset", "stall", "redirect-loop"])
def test_fault_met_by_pips_resolver(fault: str, index: SubIndex, tmp_path: Path,
                                    project: Path, venv: Path, permpip: Permpip) -> None:
    size = _publish(index, tmp_path / "dist")
    index.fault(DEP, "no-metadata")
    index.fault(DEP, fault)
    done = _install(permpip, project, venv, index, "pip", *FAST)
    assert done.returncode == 3, done.stderr
    assert _last_line(done) == _resolver_file_line("pip", fault, index.file_url(DEP), size)
    assert installed(venv) == {}


def test_hash_mismatch_met_by_pips_resolver(index: SubIndex, tmp_path: Path, project: Path,
                                            venv: Path, permpip: Permpip) -> None:
    _publish(index, tmp_path / "dist")
    expected = index.sha256(DEP)
    index.fault(DEP, "no-metadata")
    index.replace(DEP, b"PK\x05\x06" + b"\0" * 18)
    done = _install(permpip, project, venv, index, "pip", *FAST)
    assert done.returncode == 3, done.stderr
    assert _last_line(done).startswith(f"error: pip could not fetch {index.file_url(DEP)}: "
                                       f"hash mismatch: expected sha256 {expected}, got ")
    assert installed(venv) == {}


def test_reset_met_by_uvs_resolver(index: SubIndex, tmp_path: Path, project: Path,
                                   venv: Path, permpip: Permpip) -> None:
    _publish(index, tmp_path / "dist")
    index.fault(DEP, "no-metadata")
    index.fault(DEP, "reset")
    done = _install(permpip, project, venv, index, "uv", *FAST)
    assert done.returncode == 3, done.stderr
    assert _last_line(done).startswith(
        f"error: uv could not fetch {index.file_url(DEP)}: connection reset by the server")
    assert installed(venv) == {}


# -- faults on a project page: met by the resolver ---------------------------------------

@pytest.mark.parametrize("fault", ["truncate", "reset", "stall", "redirect-loop", "not-utf8"])
def test_page_fault_pip(fault: str, index: SubIndex, tmp_path: Path, project: Path,
                        venv: Path, permpip: Permpip) -> None:
    _publish(index, tmp_path / "dist")
    index.fault("dep", fault)
    done = _install(permpip, project, venv, index, "pip", *FAST)
    assert done.returncode == 3, done.stderr
    page = index.url + "dep/"
    expected = {
        "truncate": f"error: pip could not read the index page {page}: truncated: the "
                    "connection closed after 192 bytes, 192 more were expected",
        "reset": f"error: pip could not fetch the index page {page}: connection error: the "
                 "connection was closed without a reply from the server; no distribution "
                 "found for dep",
        "stall": f"error: pip could not fetch the index page {page}: 127.0.0.1 didn't "
                 "respond within 1.0 seconds; no distribution found for dep",
        "redirect-loop": f"error: pip could not read the index page {page}: too many "
                         "redirects (a redirect loop)",
        "not-utf8": f"error: pip could not read the index page {page}: the page is not "
                    "valid UTF-8",
    }[fault]
    assert _last_line(done) == expected
    assert installed(venv) == {}


@pytest.mark.parametrize("fault", ["truncate", "reset", "stall", "redirect-loop"])
def test_page_fault_uv(fault: str, index: SubIndex, tmp_path: Path, project: Path,
                       venv: Path, permpip: Permpip) -> None:
    _publish(index, tmp_path / "dist")
    index.fault("dep", fault)
    done = _install(permpip, project, venv, index, "uv", *FAST)
    assert done.returncode == 3, done.stderr
    page = index.url + "dep/"
    expected = {
        "truncate": f"error: uv could not fetch {page}: truncated: the connection closed "
                    "before the whole body arrived",
        "reset": f"error: uv could not fetch {page}: connection reset by the server",
        "stall": f"error: uv could not fetch {page}: timed out (no data within the timeout)",
        "redirect-loop": f"error: uv could not resolve the requirements: Missing "
                         f"`Content-Type` header for `{page}`",
    }[fault]
    assert _last_line(done).startswith(expected)
    assert installed(venv) == {}


def test_page_not_utf8_uv_reads_it(index: SubIndex, tmp_path: Path, project: Path,
                                   make_venv: Callable[..., Path], permpip: Permpip) -> None:
    """uv reads a JSON page with a stray Latin-1 byte in a key it ignores; permpip does not
    read that page: the install goes ahead."""
    _publish(index, tmp_path / "dist")
    index.fault("dep", "not-utf8")
    py = make_venv()
    done = _install(permpip, project, py, index, "uv", *FAST)
    assert done.returncode == 0, done.stderr
    assert installed(py) == {"app": "1.0", "dep": "1.0"}


# -- an index that cannot be reached: asked as often as pip asks, no more ---------------

@pytest.mark.parametrize("backend", ["pip", "uv"])
def test_unreachable_page_is_asked_retries_plus_one_times(
        backend: str, index: SubIndex, tmp_path: Path, project: Path, venv: Path,
        permpip: Permpip) -> None:
    _publish(index, tmp_path / "dist")
    index.fault("dep", "reset")
    done = _install(permpip, project, venv, index, backend, "--retries", "2", "--timeout", "1")
    assert done.returncode == 3, done.stderr
    assert index.url + "dep/" in _last_line(done)
    assert index.requests_for("dep") == 3  # pip's (or uv's) first try and 2 retries; no more
    assert installed(venv) == {}


@pytest.mark.parametrize("backend", ["pip", "uv"])
def test_closed_port(backend: str, project: Path, venv: Path, permpip: Permpip) -> None:
    write_policy(project, {})
    url = "http://127.0.0.1:9/simple/"
    done = permpip("install", "--backend", backend, "--python", str(venv), "--index-url", url,
                   "--no-cache", "--retries", "0", "--timeout", "1", "app", cwd=project)
    assert done.returncode == 3, done.stderr
    tool = "pip could not fetch the index page" if backend == "pip" else "uv could not fetch"
    assert _last_line(done).startswith(f"error: {tool} {url}app/: connection refused")
    assert installed(venv) == {}


def test_permpips_fetch_honours_retries(index: SubIndex, tmp_path: Path, project: Path,
                                        venv: Path, permpip: Permpip) -> None:
    _publish(index, tmp_path / "dist")
    index.fault(DEP, "reset")
    done = _install(permpip, project, venv, index, "pip", "--retries", "2", "--timeout", "1")
    assert done.returncode == 3, done.stderr
    assert _last_line(done) == _fetch_line(index, "connection reset by the server")
    assert index.requests_for(DEP) == 3


# -- a plain-http index pip does not trust -----------------------------------------------

def test_insecure_index_is_named_with_the_fix(index: SubIndex, tmp_path: Path, project: Path,
                                              venv: Path, make_venv: Callable[..., Path],
                                              permpip: Permpip) -> None:
    """``127.1`` reaches 127.0.0.1, but pip compares names: it is not ``localhost`` nor an
    address of 127.0.0.0/8 (``ipaddress`` does not read it), so pip ignores the index."""
    _publish(index, tmp_path / "dist")
    url = index.url.replace("127.0.0.1", "127.1")
    write_policy(project, {})
    done = permpip("install", "--python", str(venv), "--index-url", url, "--no-cache", "app",
                   cwd=project)
    assert done.returncode == 3, done.stderr
    assert _last_line(done) == (
        f"error: pip ignored the index {url}app/: 127.1 is not a trusted or secure host "
        "(plain http), so no distribution was found for app; use https, or allow it with "
        "--trusted-host 127.1")
    assert index.requests_seen() == []  # neither pip nor permpip asked it
    assert installed(venv) == {}
    py = make_venv()
    done = permpip("install", "--python", str(py), "--index-url", url, "--trusted-host",
                   "127.1", "--no-cache", "app", cwd=project)
    assert done.returncode == 0, done.stderr
    assert installed(py) == {"app": "1.0", "dep": "1.0"}


# -- uv's reasons for no solution are kept -----------------------------------------------

def test_uv_no_solution_keeps_its_reasons(index: SubIndex, tmp_path: Path, project: Path,
                                          venv: Path, permpip: Permpip) -> None:
    index.publish(build_wheel(tmp_path / "dist", "app", "1.0", {"app/__init__.py": ""},
                              requires=["dep>=2"]))
    index.publish(build_wheel(tmp_path / "dist", "dep", "1.0", {"dep/__init__.py": ""}))
    done = _install(permpip, project, venv, index, "uv")
    assert done.returncode == 3, done.stderr
    assert done.stderr.splitlines()[-3:] == [
        "error: uv could not resolve the requirements: No solution found when resolving "
        "dependencies:",
        "  Because only dep==1.0 is available and all versions of app depend on dep>=2, we can "
        "conclude that all versions of app cannot be used.",
        "  And because you require app, we can conclude that your requirements are "
        "unsatisfiable.",
    ]
    assert installed(venv) == {}
