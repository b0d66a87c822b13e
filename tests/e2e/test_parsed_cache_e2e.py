"""The parsed-requirements cache end to end (issue #15): a warm ``permpip install`` of a
hashed lock takes pip's parse of it from ``CACHE/permpip/reqfiles/``, and what the parse read
changing (an included file, an environment variable it expands) makes the next run parse
again and install what the changed input says. Real pip and uv against the local index."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from gate._subprocess import Completed
from tests.builders import build_wheel
from tests.conftest import installed, write_policy
from tests.index import SubIndex

pytestmark = pytest.mark.e2e

Permpip = Callable[..., Completed]
MakeVenv = Callable[..., Path]


@pytest.fixture
def project(index: SubIndex, tmp_path: Path) -> Path:
    """``requirements.txt`` -> ``-r pins.txt``, whose line names ``${PINVER}``; both versions
    of the package are hashed on it, so either is a valid lock."""
    for version in ("1.0", "2.0"):
        index.publish(build_wheel(tmp_path / "dist", "pinlib", version, {
            "pinlib/__init__.py": f"V = {version!r}\n"}))
    root = tmp_path / "project"
    write_policy(root, {"pinlib": []})
    hashes = " ".join(f"--hash=sha256:{index.sha256(f'pinlib-{v}-py3-none-any.whl')}"
                      for v in ("1.0", "2.0"))
    (root / "requirements.txt").write_text("-r pins.txt\n")
    (root / "pins.txt").write_text(f"pinlib==${{PINVER}} {hashes}\n")
    return root


@pytest.mark.parametrize("backend", ["uv", "pip"])
def test_a_changed_variable_or_included_file_is_read_again(
        index: SubIndex, project: Path, tmp_path: Path, make_venv: MakeVenv,
        permpip: Permpip, hermetic_env: dict[str, str], backend: str) -> None:
    cache = tmp_path / "cache"

    def install(venv: str, version: str) -> Path:
        py = make_venv(venv)
        done = permpip("install", "--backend", backend, "--python", str(py), "-i", index.url,
                       "--cache-dir", str(cache), "-r", "requirements.txt", cwd=project,
                       env={**hermetic_env, "PINVER": version})
        assert done.returncode == 0, done.stdout + done.stderr
        return py

    assert installed(install("a", "1.0"))["pinlib"] == "1.0"
    records = sorted((cache / "permpip" / "reqfiles").glob("*.json"))
    assert len(records) == 1
    written = records[0].stat().st_mtime_ns
    assert installed(install("b", "1.0"))["pinlib"] == "1.0"
    assert records[0].stat().st_mtime_ns == written  # taken from the record
    assert installed(install("c", "2.0"))["pinlib"] == "2.0"  # the variable changed
    (project / "pins.txt").write_text((project / "pins.txt").read_text().replace(
        "${PINVER}", "1.0"))
    assert installed(install("d", "2.0"))["pinlib"] == "1.0"  # the included file changed
