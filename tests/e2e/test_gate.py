"""permpip install / check end to end: real pip and uv, the local index, fresh venvs."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from gate._subprocess import Completed, run
from tests.builders import build_wheel
from tests.conftest import installed, write_policy
from tests.index import SubIndex

pytestmark = pytest.mark.e2e

Permpip = Callable[..., Completed]

SO = "netlib/_speedups.abi3.so"  # a compiled extension: the scanner reports native


def _publish_app(index: SubIndex, dist: Path) -> None:
    """netlib (native code) <- app (requires netlib), plus a pure helper."""
    index.publish(build_wheel(dist, "app", "1.0", {"app/__init__.py": "X = 1\n"},
                              requires=["netlib>=1", "helper"]))
    index.publish(build_wheel(dist, "netlib", "1.2", {"netlib/__init__.py": "", SO: b"\x7fELF"}))
    index.publish(build_wheel(dist, "helper", "0.1", {"helper/__init__.py": "Y = 2\n"}))


def test_install_allowed(index: SubIndex, tmp_path: Path, project: Path, make_venv,  # type: ignore[no-untyped-def]
                         permpip: Permpip) -> None:
    _publish_app(index, tmp_path / "dist")
    write_policy(project, {"netlib": ["native"]})
    py = make_venv()
    done = permpip("install", "--python", str(py), "--index-url", index.url, "app",
                   "--cache-dir", str(tmp_path / "cache"), cwd=project)
    assert done.returncode == 0, done.stderr + done.stdout
    assert installed(py) == {"app": "1.0", "netlib": "1.2", "helper": "0.1"}
    assert "netlib 1.2  native" in done.stdout
    assert "\x1b" not in done.stderr and "\r" not in done.stderr  # not a terminal: plain
    # warm cache: same result; -q prints nothing on success
    py2 = make_venv("venv2")
    again = permpip("install", "-q", "--python", str(py2), "--index-url", index.url, "app",
                    "--cache-dir", str(tmp_path / "cache"), cwd=project)
    assert (again.returncode, again.stdout, again.stderr) == (0, "", "")
    assert installed(py2) == {"app": "1.0", "netlib": "1.2", "helper": "0.1"}


def test_refusal_installs_nothing(index: SubIndex, tmp_path: Path, project: Path, make_venv,  # type: ignore[no-untyped-def]
                                  permpip: Permpip) -> None:
    _publish_app(index, tmp_path / "dist")
    write_policy(project, {})
    py = make_venv()
    done = permpip("install", "--python", str(py), "--index-url", index.url, "app",
                   "--no-cache", cwd=project)
    assert done.returncode == 1, done.stderr
    out = done.stdout + done.stderr
    assert "native" in out and SO in out
    assert "permpip policy allow netlib native" in out
    assert installed(py) == {}
    # --format json: the whole verdict, machine-readable
    js = permpip("install", "--format", "json", "--python", str(py), "--index-url",
                 index.url, "app", "--no-cache", cwd=project)
    assert js.returncode == 1
    data = json.loads(js.stdout)
    assert data["allowed"] is False and data["installed"] is False
    assert installed(py) == {}


def test_check_installs_nothing_and_dry_run(index: SubIndex, tmp_path: Path, project: Path,  # type: ignore[no-untyped-def]
                                            make_venv, permpip: Permpip) -> None:
    _publish_app(index, tmp_path / "dist")
    write_policy(project, {"netlib": ["native"]})
    (project / "requirements.txt").write_text("app\n")
    py = make_venv()
    done = permpip("check", "--python", str(py), "--index-url", index.url, "--no-cache",
                   cwd=project)
    assert done.returncode == 0, done.stderr
    assert "3 packages scanned" in done.stdout
    assert installed(py) == {}


def test_file_changed_on_index_exit_3(index: SubIndex, tmp_path: Path, project: Path,  # type: ignore[no-untyped-def]
                                      make_venv, permpip: Permpip) -> None:
    _publish_app(index, tmp_path / "dist")
    write_policy(project, {"netlib": ["native"]})
    name = "netlib-1.2-py3-none-any.whl"
    expected = index.sha256(name)
    index.replace(name, b"PK\x05\x06" + b"\0" * 18)  # bytes differ from the advertised hash
    py = make_venv()
    done = permpip("install", "--python", str(py), "--index-url", index.url, "app",
                   "--no-cache", cwd=project)
    assert done.returncode == 3, done.stderr
    assert f"error: hash mismatch for {name}: expected sha256 {expected}, got " in done.stderr
    assert installed(py) == {}


def test_index_down_exit_3(tmp_path: Path, project: Path, make_venv, permpip: Permpip,  # type: ignore[no-untyped-def]
                           index: SubIndex) -> None:
    write_policy(project, {})
    wheel = build_wheel(tmp_path / "dist", "helper", "0.1", {"helper/__init__.py": ""})
    sha = index.sha256(wheel.name) if False else __import__("hashlib").sha256(
        wheel.read_bytes()).hexdigest()
    (project / "requirements.txt").write_text(f"helper==0.1 --hash=sha256:{sha}\n")
    py = make_venv()
    done = permpip("install", "--python", str(py), "-r", "requirements.txt", "--retries", "0",
                   "--index-url", "http://127.0.0.1:9/simple/", "--no-cache", cwd=project)
    assert done.returncode == 3, done.stderr
    assert done.stderr.startswith("error: could not fetch http://127.0.0.1:9/simple/helper/")
    assert installed(py) == {}


def test_hashed_requirements_missing_hash_exit_2(tmp_path: Path, project: Path,
                                                 permpip: Permpip) -> None:
    write_policy(project, {})
    (project / "requirements.txt").write_text(
        "# locked\nhelper==0.1 \\\n    --hash=sha256:" + "a" * 64 + "\nidna==3.7\n")
    done = permpip("check", "requirements.txt", "--no-cache", cwd=project)
    assert done.returncode == 2
    assert done.stderr.splitlines()[0] == "error: requirements.txt:4: idna==3.7 has no --hash"


def _lock_all(index: SubIndex, dist: Path) -> dict[str, tuple[str, str]]:
    _publish_app(index, dist)
    return {n: (f, index.sha256(f)) for n, f in (
        ("app", "app-1.0-py3-none-any.whl"), ("netlib", "netlib-1.2-py3-none-any.whl"),
        ("helper", "helper-0.1-py3-none-any.whl"))}


def test_hashed_requirements_no_resolution(index: SubIndex, tmp_path: Path, project: Path,  # type: ignore[no-untyped-def]
                                           make_venv, permpip: Permpip) -> None:
    files = _lock_all(index, tmp_path / "dist")
    write_policy(project, {"netlib": ["native"]})
    versions = {"app": "1.0", "netlib": "1.2", "helper": "0.1"}
    (project / "requirements.txt").write_text("".join(
        f"{n}=={versions[n]} --hash=sha256:{sha}\n" for n, (_f, sha) in files.items()))
    py = make_venv()
    done = permpip("install", "--python", str(py), "-r", "requirements.txt",
                   "--index-url", index.url, "--no-cache", cwd=project)
    assert done.returncode == 0, done.stderr
    assert installed(py) == versions
    # one project page per package, then the files: no resolver asked for metadata
    pages = [p for p in index.requests_seen() if "/simple/" in p]
    assert sorted(pages) == sorted(f"/{index.prefix}/simple/{n}/" for n in versions)


def test_pylock(index: SubIndex, tmp_path: Path, project: Path, make_venv,  # type: ignore[no-untyped-def]
                permpip: Permpip) -> None:
    files = _lock_all(index, tmp_path / "dist")
    write_policy(project, {"netlib": ["native"]})
    versions = {"app": "1.0", "netlib": "1.2", "helper": "0.1"}
    body = ['lock-version = "1.0"', 'created-by = "test"', ""]
    for n, (f, sha) in files.items():
        body += ["[[packages]]", f'name = "{n}"', f'version = "{versions[n]}"',
                 f'wheels = [{{ url = "{index.file_url(f)}", hashes = {{ sha256 = "{sha}" }} }}]',
                 ""]
    (project / "pylock.toml").write_text("\n".join(body))
    py = make_venv()
    done = permpip("check", "--python", str(py), "--no-cache", cwd=project)  # default input
    assert done.returncode == 0, done.stderr
    done = permpip("install", "--python", str(py), "-r", "pylock.toml", "--no-cache",
                   cwd=project)
    assert done.returncode == 0, done.stderr
    assert installed(py) == versions
    assert not [p for p in index.requests_seen() if "/simple/" in p]


def test_uv_lock(index: SubIndex, tmp_path: Path, project: Path, make_venv,  # type: ignore[no-untyped-def]
                 permpip: Permpip, hermetic_env: dict[str, str]) -> None:
    _publish_app(index, tmp_path / "dist")
    write_policy(project, {"netlib": ["native"]})
    with (project / "pyproject.toml").open("a") as f:
        f.write('\n[project]\nname = "myapp"\nversion = "0"\nrequires-python = ">=3.11"\n'
                'dependencies = ["app"]\n')
    done = run([sys.executable, "-m", "uv", "lock", "--no-config", "--default-index",
                index.url], cwd=project, env=hermetic_env)
    assert done.returncode == 0, done.stderr
    py = make_venv()
    done = permpip("check", "uv.lock", "--python", str(py), "--no-cache", cwd=project)
    assert done.returncode == 0, done.stderr
    assert "3 packages scanned" in done.stdout
    write_policy_text = (project / "pyproject.toml").read_text().replace(
        'netlib = ["native"]', "")
    (project / "pyproject.toml").write_text(write_policy_text)
    done = permpip("check", "uv.lock", "--python", str(py), "--no-cache", cwd=project)
    assert done.returncode == 1


def test_uv_backend(index: SubIndex, tmp_path: Path, project: Path, make_venv,  # type: ignore[no-untyped-def]
                    permpip: Permpip) -> None:
    _publish_app(index, tmp_path / "dist")
    write_policy(project, {"netlib": ["native"]})
    py = make_venv()
    done = permpip("install", "--backend", "uv", "--python", str(py), "--index-url",
                   index.url, "app", "--no-cache", cwd=project)
    assert done.returncode == 0, done.stderr
    assert installed(py) == {"app": "1.0", "netlib": "1.2", "helper": "0.1"}
    write_policy(project, {})
    py2 = make_venv("v2")
    done = permpip("install", "--backend", "uv", "--python", str(py2), "--index-url",
                   index.url, "app", "--no-cache", cwd=project)
    assert done.returncode == 1
    assert installed(py2) == {}
