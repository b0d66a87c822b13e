"""A local PEP 503 (HTML) + PEP 691 (JSON) simple index served over HTTP on 127.0.0.1.

One threaded server per test session; each test gets its own sub-index under a distinct
URL prefix (``http://127.0.0.1:PORT/<prefix>/simple/``), so tests stay independent and can
run in parallel (pytest-xdist starts one server per worker).

Layout served for a sub-index ``p``::

    /p/simple/                      project list (HTML, or JSON with the PEP 691 Accept)
    /p/simple/<project>/            files of one project, each with #sha256=...
    /p/files/<filename>             the file bytes
    /p/files/<filename>.metadata    PEP 658 metadata of a wheel (served, advertised)

The sha256 advertised for a file is computed when it is published; ``replace`` changes the
bytes served afterwards but not the advertised hash (a file changed on the index between
resolution and fetch).

``fault(name, mode)`` makes one path misbehave from then on (``name``: a filename under
``files/``, or a project name for its page under ``simple/``); see ``FAULTS``.
"""

from __future__ import annotations

import hashlib
import html
import json
import socket
import struct
import threading
import zipfile
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)

JSON_TYPE = "application/vnd.pypi.simple.v1+json"

# fault mode -> what the server does for a path with that fault
FAULTS = {
    "truncate": "promises the whole body (Content-Length), sends half, closes the connection",
    "reset": "reads the request, then resets the connection (RST) before any response",
    "stall": "sends the headers and half the body, then nothing (until the server stops)",
    "redirect-loop": "answers 302 to the same URL, for ever",
    "not-utf8": "a project page whose bytes are not UTF-8 though it says charset=utf-8",
    "no-metadata": "a wheel whose PEP 658 metadata is neither advertised nor served (the "
                   "resolver downloads the wheel itself to read it)",
}


def project_of(filename: str) -> str:
    """The normalised project name of a wheel or sdist filename."""
    try:
        if filename.endswith(".whl"):
            return canonicalize_name(parse_wheel_filename(filename)[0])
        return canonicalize_name(parse_sdist_filename(filename)[0])
    except (InvalidWheelFilename, InvalidSdistFilename) as exc:
        raise ValueError(f"not a wheel or sdist filename: {filename}") from exc


def _wheel_metadata(data: bytes) -> bytes | None:
    import io

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in zf.namelist():
            parts = name.split("/")
            if len(parts) == 2 and parts[0].endswith(".dist-info") and parts[1] == "METADATA":
                return zf.read(name)
    return None


@dataclass
class _File:
    filename: str
    data: bytes
    sha256: str  # advertised; fixed at publish time
    metadata: bytes | None
    requires_python: str | None = None
    faults: set[str] = field(default_factory=set)


@dataclass
class SubIndex:
    """One test's index. ``url`` is the simple root and ends in ``/simple/``."""

    server: IndexServer
    prefix: str
    files: dict[str, _File] = field(default_factory=dict)
    page_faults: dict[str, set[str]] = field(default_factory=dict)  # project -> modes

    @property
    def root_url(self) -> str:
        return f"{self.server.base_url}/{self.prefix}"

    @property
    def url(self) -> str:
        return f"{self.root_url}/simple/"

    def file_url(self, filename: str) -> str:
        return f"{self.root_url}/files/{filename}"

    def publish(self, path: Path, *, requires_python: str | None = None) -> None:
        """Add a built artifact (wheel or sdist) to this index."""
        data = path.read_bytes()
        project_of(path.name)  # refuse what is not a distribution filename
        meta = _wheel_metadata(data) if path.name.endswith(".whl") else None
        with self.server.lock:
            self.files[path.name] = _File(
                filename=path.name, data=data, sha256=hashlib.sha256(data).hexdigest(),
                metadata=meta, requires_python=requires_python,
            )

    def replace(self, filename: str, new_bytes: bytes) -> None:
        """Serve ``new_bytes`` for ``filename`` from now on; the advertised hash stays."""
        with self.server.lock:
            self.files[filename].data = new_bytes

    def fault(self, name: str, mode: str) -> None:
        """From now on serve ``name`` (a published filename, or a project name for its
        page) with the fault ``mode`` (``FAULTS``)."""
        if mode not in FAULTS:
            raise ValueError(f"unknown fault {mode!r}")
        with self.server.lock:
            if name in self.files:
                self.files[name].faults.add(mode)
            else:
                self.page_faults.setdefault(canonicalize_name(name), set()).add(mode)

    def requests_for(self, name: str) -> int:
        """How many requests reached ``name`` (a filename, or a project's page)."""
        path = (f"/{self.prefix}/files/{name}" if name in self.files
                else f"/{self.prefix}/simple/{canonicalize_name(name)}/")
        with self.server.lock:
            return sum(1 for p in self.server.log if p == path)

    def sha256(self, filename: str) -> str:
        return self.files[filename].sha256

    def requests_seen(self) -> list[str]:
        """Paths requested under this sub-index, in order (for "no request made" tests)."""
        with self.server.lock:
            return [p for p in self.server.log if p.startswith(f"/{self.prefix}/")]


class IndexServer:
    """The threaded HTTP server behind every ``SubIndex``."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.indexes: dict[str, SubIndex] = {}
        self.log: list[str] = []
        self._counter = 0
        handler = _make_handler(self)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.stopping = threading.Event()  # releases stalled responses
        self.port = self.httpd.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self) -> IndexServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def new_index(self, name: str = "t") -> SubIndex:
        with self.lock:
            self._counter += 1
            safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in name)[:60]
            prefix = f"{self._counter}-{safe}"
            sub = SubIndex(server=self, prefix=prefix)
            self.indexes[prefix] = sub
            return sub


def _make_handler(server: IndexServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass  # quiet: tests read server.log instead

        def _send(self, code: int, body: bytes, ctype: str = "text/plain") -> None:
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _fault(self, modes: set[str], body: bytes, ctype: str) -> bool:
            """Serve ``body`` with the first fault of ``modes``; False: none applies."""
            if "reset" in modes:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
                self.close_connection = True
                self.connection.close()
                return True
            if "redirect-loop" in modes:
                self.send_response(302)
                self.send_header("Location", self.path)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return True
            if "truncate" in modes or "stall" in modes:
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                if "stall" in modes:
                    server.stopping.wait(120)
                self.close_connection = True
                return True
            return False

        def do_HEAD(self) -> None:  # noqa: N802
            self.do_GET()

        def do_GET(self) -> None:  # noqa: N802
            path = unquote(urlsplit(self.path).path)
            with server.lock:
                server.log.append(path)
            parts = [p for p in path.split("/") if p]
            sub = server.indexes.get(parts[0]) if parts else None
            if sub is None or len(parts) < 2:
                self._send(404, b"not found")
                return
            want_json = JSON_TYPE in self.headers.get("Accept", "")
            with server.lock:
                files = dict(sub.files)
            if parts[1] == "simple" and len(parts) == 2:
                self._project_list(sub, files, want_json)
            elif parts[1] == "simple" and len(parts) == 3:
                self._project_page(sub, files, canonicalize_name(parts[2]), want_json)
            elif parts[1] == "files" and len(parts) == 3:
                name = parts[2]
                if name.endswith(".metadata") and name[: -len(".metadata")] in files:
                    of = files[name[: -len(".metadata")]]
                    if of.metadata is None or "no-metadata" in of.faults:
                        self._send(404, b"no metadata")
                    else:
                        self._send(200, of.metadata)
                elif name in files:
                    ctype = "application/octet-stream"
                    if not self._fault(files[name].faults, files[name].data, ctype):
                        self._send(200, files[name].data, ctype)
                else:
                    self._send(404, b"no such file")
            else:
                self._send(404, b"not found")

        def _project_list(self, sub: SubIndex, files: dict[str, _File], as_json: bool) -> None:
            names = sorted({project_of(f) for f in files})
            if as_json:
                body = json.dumps({"meta": {"api-version": "1.0"},
                                   "projects": [{"name": n} for n in names]}).encode()
                self._send(200, body, JSON_TYPE)
                return
            links = "".join(f'<a href="{n}/">{n}</a>\n' for n in names)
            self._send(200, f"<!DOCTYPE html><html><body>\n{links}</body></html>".encode(),
                       "text/html")

        def _project_page(
            self, sub: SubIndex, files: dict[str, _File], project: str, as_json: bool
        ) -> None:
            mine = [f for n, f in sorted(files.items()) if project_of(n) == project]
            with server.lock:
                faults = set(sub.page_faults.get(project, ()))
            if faults - {"not-utf8"} and self._fault(faults, b"<html>" * 64, "text/html"):
                return
            if not mine:
                self._send(404, b"no such project")
                return
            if as_json:
                entries = []
                for f in mine:
                    entry: dict[str, object] = {
                        "filename": f.filename, "url": sub.file_url(f.filename),
                        "hashes": {"sha256": f.sha256},
                    }
                    if f.requires_python:
                        entry["requires-python"] = f.requires_python
                    if f.metadata is not None and "no-metadata" not in f.faults:
                        entry["core-metadata"] = {
                            "sha256": hashlib.sha256(f.metadata).hexdigest()}
                    entries.append(entry)
                body = json.dumps({"meta": {"api-version": "1.0"}, "name": project,
                                   "files": entries}).encode()
                if "not-utf8" in faults:  # a Latin-1 byte in a JSON string
                    body = body.replace(b'"name"', b'"note": "\xe9t\xe9", "name"', 1)
                self._send(200, body, JSON_TYPE)
                return
            links = []
            for f in mine:
                attrs = f'href="{sub.file_url(f.filename)}#sha256={f.sha256}"'
                if f.requires_python:
                    attrs += f' data-requires-python="{html.escape(f.requires_python)}"'
                if f.metadata is not None and "no-metadata" not in f.faults:
                    digest = hashlib.sha256(f.metadata).hexdigest()
                    attrs += f' data-core-metadata="sha256={digest}"'
                links.append(f"<a {attrs}>{f.filename}</a>\n")
            body = "<!DOCTYPE html><html><body>\n" + "".join(links) + "</body></html>"
            if "not-utf8" in faults:  # a Latin-1 byte where UTF-8 cannot have it
                self._send(200, body.replace("<body>", "<body>\xe9t\xe9").encode("latin-1"),
                           "text/html; charset=utf-8")
                return
            self._send(200, body.encode(), "text/html")

    return Handler
