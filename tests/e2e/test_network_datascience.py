"""The data-science set from PyPI through the gate (#12): numpy, pandas, scikit-learn,
matplotlib and pillow, with what they depend on.

Opt-in (``pytest -m network``): pip downloads the wheels once from PyPI (or the index that
``PERMPIP_TEST_PYPI`` names) for this interpreter; the test serves them from its own index on
127.0.0.1, writes the policy with ``permpip policy init`` as a user would, and installs the
set through the gate with pip and with uv. Skipped, saying why, without ``-m network`` or
when the download fails (offline).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name, parse_wheel_filename

from gate._subprocess import Completed
from gate._subprocess import run as run_process
from tests.conftest import REPO, make_hermetic_env
from tests.index import IndexServer, SubIndex

pytestmark = [pytest.mark.network, pytest.mark.e2e]

DATA_SCIENCE = ("numpy", "pandas", "scikit-learn", "matplotlib", "pillow")


def _opted_in(config: pytest.Config) -> bool:
    expr = str(config.getoption("markexpr") or "")
    return bool(re.search(r"\bnetwork\b", expr)) and not re.search(r"\bnot\s+network\b", expr)


@pytest.fixture(scope="module")
def pypi_set(request: pytest.FixtureRequest, index_server: IndexServer,
             tmp_path_factory: pytest.TempPathFactory) -> tuple[SubIndex, dict[str, str]]:
    """The set's wheels, downloaded once, served from a local index; name -> version."""
    if not _opted_in(request.config):
        pytest.skip("opt-in: pytest -m network (downloads the data-science set from PyPI)")
    where = tmp_path_factory.mktemp("datascience")
    url = os.environ.get("PERMPIP_TEST_PYPI", "https://pypi.org/simple/")
    done = run_process([sys.executable, "-m", "pip", "download", "--only-binary=:all:",
                        "--index-url", url, "--dest", str(where / "wheels"), *DATA_SCIENCE],
                       env=make_hermetic_env(where), timeout=1800)
    if done.returncode != 0:
        pytest.skip(f"could not download the set from {url} (offline?): "
                    f"{done.stderr.strip()[-300:]}")
    index = index_server.new_index("datascience")
    versions: dict[str, str] = {}
    for wheel in sorted((where / "wheels").glob("*.whl")):
        name, version, _, _ = parse_wheel_filename(wheel.name)
        versions[str(name)] = str(version)
        index.publish(wheel)
    assert set(map(canonicalize_name, DATA_SCIENCE)) <= set(versions), versions
    return index, versions


def gate(*args: str, cwd: Path, env: dict[str, str]) -> Completed:
    """``permpip ARGS`` with time for scanning the set's 60 MB of wheels on a busy machine."""
    return run_process([sys.executable, "-m", "gate", *args], cwd=cwd,
                       env={**env, "PYTHONPATH": str(REPO)}, timeout=1800)


@pytest.mark.parametrize("resolver", ["pip", "uv"])
def test_the_data_science_set_installs_through_the_gate(
        pypi_set: tuple[SubIndex, dict[str, str]], tmp_path: Path, resolver: str,
        hermetic_env: dict[str, str], make_venv: Callable[..., Path],
        installed: Callable[[Path], dict[str, str]]) -> None:
    index, versions = pypi_set
    project = tmp_path / "project"
    project.mkdir()
    (project / "requirements.txt").write_text("\n".join(DATA_SCIENCE) + "\n")
    init = gate("policy", "init", "requirements.txt", "--index-url", index.url,
                cwd=project, env=hermetic_env)
    assert init.returncode == 0, init.stderr
    policy = (project / "pyproject.toml").read_text()
    for name in DATA_SCIENCE:  # each uses some capability (a package using none gets no line)
        assert re.search(rf"^{re.escape(name)} = ", policy, re.M), (name, policy)
    # a reviewer's summary of what comes from shipped tests (numpy, pandas ship theirs)
    assert re.search(r"^# [a-z-]+: \d+ lines: .* in shipped tests$", policy, re.M), policy
    python = make_venv()
    done = gate("install", "--backend", resolver, "--python", str(python),
                "-r", "requirements.txt", "--index-url", index.url, cwd=project,
                env=hermetic_env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"allowed: {len(versions)} packages within the policy" in done.stdout + done.stderr
    assert {k: v for k, v in installed(python).items() if k in versions} == versions
