"""Shared fixtures: a local package index, fresh venvs, hermetic pip/uv, running permpip.

Fixtures (use them from any test module):

``index_server`` (session)
    The one threaded HTTP server (``tests.index.IndexServer``) of this test process.

``index`` (function) -> ``tests.index.SubIndex``
    A fresh, empty PEP 503 + PEP 691 simple index for this test only:
    ``index.url`` is the simple root (``http://127.0.0.1:PORT/<prefix>/simple/``),
    ``index.publish(path)`` adds a built wheel/sdist, ``index.replace(filename, new_bytes)``
    changes what is served without changing the advertised sha256,
    ``index.sha256(filename)`` is the advertised hash, ``index.file_url(filename)`` its URL.

``hermetic_env`` (function) -> dict[str, str]
    ``os.environ`` without the machine's ``PIP_*``/``UV_*`` settings, plus
    ``PIP_CONFIG_FILE=/dev/null``, ``UV_NO_CONFIG=1`` and pip/uv/permpip caches under
    ``tmp_path`` (``PERMPIP_CACHE_DIR``: no test reads another's scans, nor ``~/.cache``).
    Pass it as ``env=`` to every pip, uv or permpip process a test starts.

``make_venv`` (function) -> ``make_venv(name="venv") -> Path``
    Creates an empty venv (``--without-pip``) under ``tmp_path`` and returns its python
    (``create_venv(root)`` is the same as a plain function).
    Install into it with ``pip --python <that path>``.

``installed(python) -> dict[str, str]`` (plain function, also a fixture of the same name)
    Normalised name -> version of every distribution installed in that interpreter's venv.

``permpip`` (function) -> ``permpip(*args, cwd=Path, env=None) -> Completed``
    Runs ``python -m gate ARGS`` as a subprocess with ``hermetic_env`` (or ``env``) and
    returns ``gate._subprocess.Completed`` (returncode, stdout, stderr).

``write_policy(project_dir, packages, default=())`` (plain function)
    Writes ``project_dir/pyproject.toml`` with a ``[tool.permissions]`` table.

Build artifacts with ``tests.builders`` (``build_wheel``, ``build_sdist``, ...).
"""

from __future__ import annotations

import compileall
import json
import os
import sys
import venv
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

import pytest

from gate._subprocess import Completed
from gate._subprocess import run as run_process
from tests.index import IndexServer, SubIndex

REPO = Path(__file__).resolve().parent.parent


def pytest_sessionstart(session: pytest.Session) -> None:
    """Byte-compile permpip's own modules once, before any test starts a permpip process:
    those processes run with ``PYTHONDONTWRITEBYTECODE=1`` (``make_hermetic_env``), so a
    module no earlier import had compiled was compiled from source by every one of them
    (and by each of its scan workers), hundreds of times a run. Idempotent (an up-to-date
    ``.pyc`` is left alone) and atomic per file, so each xdist worker may run it."""
    compileall.compile_dir(REPO / "gate", quiet=2)


@pytest.fixture(scope="session")
def index_server() -> Iterator[IndexServer]:
    server = IndexServer().start()
    yield server
    server.stop()


@pytest.fixture
def index(index_server: IndexServer, request: pytest.FixtureRequest) -> SubIndex:
    return index_server.new_index(request.node.name)


def make_hermetic_env(tmp: Path) -> dict[str, str]:
    """The environment for a pip/uv/permpip process in a test (see module docstring)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_"))}
    env.update(
        PIP_CONFIG_FILE=os.devnull,
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIP_NO_INPUT="1",
        PIP_CACHE_DIR=str(tmp / "pip-cache"),
        UV_NO_CONFIG="1",
        UV_CACHE_DIR=str(tmp / "uv-cache"),
        PERMPIP_CACHE_DIR=str(tmp / "permpip-cache"),
        UV_PYTHON_DOWNLOADS="never",
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.pop("VIRTUAL_ENV", None)
    return env


@pytest.fixture
def hermetic_env(tmp_path: Path) -> dict[str, str]:
    return make_hermetic_env(tmp_path)


def create_venv(root: Path) -> Path:
    """An empty venv at ``root`` (what ``python -m venv --without-pip ROOT`` makes: the same
    ``venv.EnvBuilder``, run in this process instead of a new interpreter); its python."""
    venv.EnvBuilder(symlinks=os.name != "nt", with_pip=False).create(root)
    return root / "bin" / "python"


@pytest.fixture
def make_venv(tmp_path: Path) -> Callable[..., Path]:
    def make(name: str = "venv") -> Path:
        return create_venv(tmp_path / name)

    return make


_LIST_DISTS = (
    "import importlib.metadata as m, json, re\n"
    "print(json.dumps({re.sub(r'[-_.]+', '-', d.metadata['Name']).lower(): d.version"
    " for d in m.distributions()}))"
)


def installed(python: Path) -> dict[str, str]:
    """Normalised name -> version of what is installed in ``python``'s environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PIP_"))}
    done = run_process([str(python), "-I", "-c", _LIST_DISTS], env=env)
    assert done.returncode == 0, done.stderr
    result: dict[str, str] = json.loads(done.stdout)
    return result


@pytest.fixture(name="installed")
def installed_fixture() -> Callable[[Path], dict[str, str]]:
    return installed


def run_permpip(
    args: Sequence[str], *, cwd: Path, env: Mapping[str, str]
) -> Completed:
    """``python -m gate ARGS`` in ``cwd`` with ``env`` (hermetic: see ``make_hermetic_env``)."""
    full = dict(env)
    full["PYTHONPATH"] = str(REPO)
    return run_process([sys.executable, "-m", "gate", *args], cwd=cwd, env=full, timeout=300)


@pytest.fixture
def permpip(hermetic_env: dict[str, str]) -> Callable[..., Completed]:
    def call(*args: str, cwd: Path, env: Mapping[str, str] | None = None) -> Completed:
        return run_permpip(args, cwd=cwd, env=hermetic_env if env is None else env)

    return call


def write_policy(
    project_dir: Path, packages: Mapping[str, Sequence[str] | Mapping[str, Sequence[str]]],
    default: Sequence[str] = (),
) -> Path:
    """``project_dir/pyproject.toml`` holding only a ``[tool.permissions]`` policy; a grant
    given as a mapping (``{"allow": [...], "at-import": [...]}``) is an inline table."""
    project_dir.mkdir(parents=True, exist_ok=True)
    lines = ["[tool.permissions]", f"default = {json.dumps(list(default))}", "",
             "[tool.permissions.packages]"]
    lines += [f"{name} = {json.dumps(list(caps))}" if not isinstance(caps, Mapping) else
              f"{name} = {{ " + ", ".join(f"{k} = {json.dumps(list(v))}"
                                          for k, v in caps.items()) + " }"
              for name, caps in packages.items()]
    path = project_dir / "pyproject.toml"
    path.write_text("\n".join(lines) + "\n")
    return path
