"""A sha256 written in upper case is the same hash: pip lower-cases every ``--hash`` value
(``pip._internal.utils.hashes.Hashes``), and so does permpip, from the lockfile to the install
step (pip and uv)."""

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


def _lock(index: SubIndex, project: Path, wheel: Path, form: str) -> str:
    """``form``'s lockfile naming ``wheel`` with its sha256 in upper case; its file name."""
    sha = index.sha256(wheel.name).upper()
    if form == "requirements":
        (project / "requirements.txt").write_text(f"helper==0.1 --hash=sha256:{sha}\n")
        return "requirements.txt"
    (project / "pylock.toml").write_text(
        'lock-version = "1.0"\ncreated-by = "test"\n\n[[packages]]\nname = "helper"\n'
        'version = "0.1"\n'
        f'wheels = [{{ url = "{index.file_url(wheel.name)}", hashes = {{ sha256 = "{sha}" }} }}]'
        "\n")
    return "pylock.toml"


@pytest.mark.parametrize("backend", ["pip", "uv"])
@pytest.mark.parametrize("form", ["requirements", "pylock"])
def test_upper_case_hash_installs(index: SubIndex, tmp_path: Path, project: Path,  # type: ignore[no-untyped-def]
                                  make_venv, permpip: Permpip, backend: str, form: str) -> None:
    """Each backend into a fresh target (the install step itself takes the hash)."""
    wheel = build_wheel(tmp_path / "dist", "helper", "0.1", {"helper/__init__.py": "Y = 2\n"})
    index.publish(wheel)
    write_policy(project, {})
    lock = _lock(index, project, wheel, form)
    py = make_venv()
    done = permpip("install", "--backend", backend, "--python", str(py), "-r", lock,
                   "--index-url", index.url, "--cache-dir", str(tmp_path / "cache"), cwd=project)
    assert done.returncode == 0, done.stderr + done.stdout
    assert installed(py) == {"helper": "0.1"}
