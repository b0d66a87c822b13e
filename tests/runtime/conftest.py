"""Fixtures of the runtime guard tests: a target HTTP server that counts what it receives,
packages laid out as an installer leaves them (RECORD included), running ``permpip run``."""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from gate._subprocess import Completed
from gate._subprocess import run as run_process
from tests.conftest import REPO, make_hermetic_env

# What a hostile release hides at import: no name a scanner would see reaches exec, and the
# code it runs makes an HTTP request to the URL in COLORLOGX_URL.
PAYLOAD = (
    "import urllib.request\n"
    "try:\n"
    "    urllib.request.urlopen(_url, timeout=10).read()\n"
    "    print('payload: sent')\n"
    "except OSError as exc:\n"
    "    print('payload:', type(getattr(exc, 'reason', exc)).__name__)\n"
)
HIDDEN = (
    "import os\n"
    "_url = os.environ.get('COLORLOGX_URL', '')\n"
    f"print.__self__.exec(bytes.fromhex('{PAYLOAD.encode().hex()}').decode())\n"
    "def colour(text):\n"
    "    return text\n"
)
HIDDEN_LINE = 3  # the line of the exec


class Target:
    """An HTTP server on 127.0.0.1 that records every request it receives."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.requests: list[str] = []
        target = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                target.requests.append(self.path)
                target.answer(self)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/beacon"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", "2")
        handler.end_headers()
        handler.wfile.write(b"ok")

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def target() -> Iterator[Target]:
    t = Target()
    yield t
    t.stop()


def install_fake(site: Path, name: str, version: str, files: Mapping[str, str]) -> Path:
    """``files`` laid out in ``site`` with a dist-info and RECORD, as an installer leaves
    them (for the fast tests; tests/runtime/test_run_e2e.py installs real wheels with pip)."""
    site.mkdir(parents=True, exist_ok=True)
    info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    for rel, text in files.items():
        path = site / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    record = [f"{rel},," for rel in files] + [f"{info.name}/METADATA,,",
                                               f"{info.name}/RECORD,,"]
    (info / "RECORD").write_text("\n".join(record) + "\n")
    return site


def policy_toml(packages: Mapping[str, str], default: str = "[]") -> str:
    lines = ["[tool.permissions]", f"default = {default}", "", "[tool.permissions.packages]"]
    lines += [f"{name} = {grant}" for name, grant in packages.items()]
    return "\n".join(lines) + "\n"


RunPermpip = Callable[..., Completed]


@pytest.fixture
def run_permpip(tmp_path: Path) -> RunPermpip:
    """``permpip ARGS`` in ``cwd`` with ``extra_path`` on PYTHONPATH after permpip's own
    source, and ``env`` added to a hermetic environment."""
    base = make_hermetic_env(tmp_path)

    def call(*args: str, cwd: Path, extra_path: list[Path] = (),  # type: ignore[assignment]
             env: Mapping[str, str] | None = None) -> Completed:
        full = dict(base)
        full.update(env or {})
        full["PYTHONPATH"] = os.pathsep.join([str(REPO), *map(str, extra_path)])
        return run_process([sys.executable, "-m", "gate", *args], cwd=cwd, env=full,
                           timeout=300)

    return call


def read_report(path: Path) -> dict:
    """The JSON report ``permpip run --format json --output PATH`` wrote."""
    data: dict = json.loads(path.read_text())
    return data
