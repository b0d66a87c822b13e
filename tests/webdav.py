"""A real nginx with WebDAV (PUT, create_full_put_path) on 127.0.0.1: the shared store of
``--cache-url`` (issue #15). Tests that use it are skipped where nginx is not installed
(Debian: ``apt-get install nginx``; ``.ci/run`` tries to install it).

Fixtures (import ``webdav_server`` and ``store_fixture`` into a test module):

``webdav_server`` (session) -> ``WebDav``
    One nginx for the session (no root needed: a high port, every path under a temp dir).
    ``/<p>/...`` reads and writes ``root/<p>/...``; ``/ro/<p>/...`` is the same tree,
    read-only (PUT answers 403): a job given no write access.

``store`` (function; ``store_fixture``) -> ``Store``
    An empty store of this test's own: ``store.url`` (``http://127.0.0.1:PORT/<p>/``),
    ``store.read_only_url``, ``store.dir`` (its files, as an attacker with write access
    sees them), ``store.log()`` (nginx's access log lines for it: "METHOD /path STATUS").
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

CONF = """\
{user}
worker_processes 1;
error_log {prefix}/error.log;
pid {prefix}/nginx.pid;
events {{ worker_connections 128; }}
http {{
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    client_max_body_size 0;
    server {{
        listen 127.0.0.1:{port};
        root {prefix}/store;
        location /ro/ {{
            alias {prefix}/store/;
            limit_except GET {{ deny all; }}
        }}
        location / {{
            dav_methods PUT DELETE MKCOL;
            create_full_put_path on;
            dav_access user:rw group:rw all:r;
        }}
    }}
}}
"""


def find_nginx() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None)


@dataclass
class WebDav:
    prefix: Path
    port: int
    process: subprocess.Popen[bytes]

    def log(self) -> list[str]:
        """Access log lines as "METHOD /path STATUS"."""
        path = self.prefix / "access.log"
        if not path.exists():
            return []
        out = []
        for line in path.read_text().splitlines():
            m = re.search(r'"(\w+) (\S+) HTTP/[\d.]+" (\d+)', line)
            if m:
                out.append(f"{m.group(1)} {m.group(2)} {m.group(3)}")
        return out


@dataclass
class Store:
    server: WebDav
    name: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}/{self.name}/"

    @property
    def read_only_url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}/ro/{self.name}/"

    @property
    def dir(self) -> Path:
        return self.server.prefix / "store" / self.name

    def log(self) -> list[str]:
        """This store's access log lines ("GET /files/<sha> 200"), paths relative to it."""
        out = []
        for line in self.server.log():
            method, path, status = line.split()
            for base in (f"/{self.name}/", f"/ro/{self.name}/"):
                if path.startswith(base):
                    out.append(f"{method} {path.removeprefix(base)} {status}")
        return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_nginx(prefix: Path) -> WebDav:
    nginx = find_nginx()
    if nginx is None:
        pytest.skip("nginx is not installed (Debian: apt-get install nginx): the shared "
                    "cache tests need a real WebDAV server")
    for sub in ("store", "tmp"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    port = free_port()
    user = "user root root;" if os.geteuid() == 0 else ""  # workers write as the test does
    conf = prefix / "nginx.conf"
    conf.write_text(CONF.format(prefix=prefix, port=port, user=user))
    with (prefix / "stderr.log").open("wb") as err:
        proc = subprocess.Popen([nginx, "-p", str(prefix), "-c", str(conf), "-e",
                                 str(prefix / "error.log"), "-g", "daemon off;"],
                                stdout=subprocess.DEVNULL, stderr=err)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            said = (prefix / "stderr.log").read_text() + (prefix / "error.log").read_text()
            pytest.fail(f"nginx did not start: {said}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return WebDav(prefix=prefix, port=port, process=proc)
        except OSError:
            time.sleep(0.05)
    proc.kill()
    pytest.fail("nginx did not listen within 15 s")


@pytest.fixture(scope="session")
def webdav_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDav]:
    server = start_nginx(tmp_path_factory.mktemp("nginx"))
    yield server
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()


@pytest.fixture(name="store")
def store_fixture(webdav_server: WebDav, request: pytest.FixtureRequest) -> Store:
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", request.node.name)[:60] + f"-{time.monotonic_ns()}"
    (webdav_server.prefix / "store" / name).mkdir()
    return Store(server=webdav_server, name=name)
