"""The test index itself: real pip and real uv install from it into fresh venvs."""

from __future__ import annotations

import json
import sys
import urllib.request
from pathlib import Path

import pytest

from gate._subprocess import run
from tests.builders import build_sdist, build_wheel
from tests.conftest import installed
from tests.index import JSON_TYPE, SubIndex

pytestmark = pytest.mark.e2e


def _publish_pair(index: SubIndex, tmp_path: Path) -> None:
    index.publish(build_wheel(tmp_path / "d", "Alpha_Pkg", "1.0", {"alpha_pkg/__init__.py": ""},
                              requires=["beta>=2"]))
    index.publish(build_wheel(tmp_path / "d", "beta", "2.0", {"beta/__init__.py": ""}))
    index.publish(build_sdist(tmp_path / "d", "beta", "2.1", {"setup.py": ""}))


def test_pep691_json_and_pep503_html(index: SubIndex, tmp_path: Path) -> None:
    _publish_pair(index, tmp_path)
    req = urllib.request.Request(index.url + "beta/", headers={"Accept": JSON_TYPE})
    with urllib.request.urlopen(req) as resp:
        page = json.load(resp)
    assert [f["filename"] for f in page["files"]] == ["beta-2.0-py3-none-any.whl",
                                                       "beta-2.1.tar.gz"]
    assert page["files"][0]["hashes"] == {"sha256": index.sha256("beta-2.0-py3-none-any.whl")}
    with urllib.request.urlopen(index.url) as resp:
        assert resp.read().decode().count("<a ") == 2
    index.replace("beta-2.0-py3-none-any.whl", b"changed")
    with urllib.request.urlopen(index.file_url("beta-2.0-py3-none-any.whl")) as resp:
        assert resp.read() == b"changed"


def test_real_pip_and_uv_install_from_index(
    index: SubIndex, tmp_path: Path, make_venv, hermetic_env  # type: ignore[no-untyped-def]
) -> None:
    _publish_pair(index, tmp_path)
    py = make_venv("pipvenv")
    done = run([sys.executable, "-m", "pip", "--python", str(py), "install", "--isolated",
                "--only-binary", ":all:", "--index-url", index.url, "alpha-pkg"],
               env=hermetic_env)
    assert done.returncode == 0, done.stderr
    assert installed(py) == {"alpha-pkg": "1.0", "beta": "2.0"}
    py2 = make_venv("uvvenv")
    done = run([sys.executable, "-m", "uv", "pip", "install", "--no-config", "--python",
                str(py2), "--only-binary", ":all:", "--index-url", index.url, "alpha-pkg"],
               env=hermetic_env)
    assert done.returncode == 0, done.stderr
    assert installed(py2) == {"alpha-pkg": "1.0", "beta": "2.0"}
