"""A requirements file's own options apply to every fetch permpip does (issue #12).

pip applies ``--index-url``, ``--extra-index-url``, ``--find-links``, ``--no-index``,
``--pre`` and ``--trusted-host`` lines of a requirements file to its whole run: permpip must
too, for the resolution, the sdist it looks up when a requirement has no wheel, the files a
hashed requirements file pins, and the build requirements of an approved sdist. Each test
serves the packages only where the file says, so a lookup that ignored the file finds nothing.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gate._subprocess import Completed
from gate._subprocess import run as run_process
from tests.builders import build_sdist, build_wheel, sha256_file
from tests.conftest import installed, write_policy
from tests.index import IndexServer, SubIndex

pytestmark = pytest.mark.e2e

Permpip = Callable[..., Completed]
MakeVenv = Callable[..., Path]

# An in-tree build backend that needs nothing and builds NAME-VERSION's wheel.
BACKEND = '''\
import base64, hashlib, os, zipfile
NAME, VERSION = {name!r}, {version!r}
META = f"Metadata-Version: 2.1\\nName: {{NAME}}\\nVersion: {{VERSION}}\\n"
WHEEL = "Wheel-Version: 1.0\\nGenerator: t\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"


def get_requires_for_build_wheel(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    info = f"{{NAME}}-{{VERSION}}.dist-info"
    files = {{f"{{NAME}}/__init__.py": b"", f"{{info}}/METADATA": META.encode(),
             f"{{info}}/WHEEL": WHEEL.encode()}}
    record = ""
    for p, d in files.items():
        h = base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b"=").decode()
        record += f"{{p}},sha256={{h}},{{len(d)}}\\n"
    record += f"{{info}}/RECORD,,\\n"
    name = f"{{NAME}}-{{VERSION}}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as zf:
        for p, d in files.items():
            zf.writestr(p, d)
        zf.writestr(f"{{info}}/RECORD", record)
    return name
'''

PYPROJECT = """\
[build-system]
requires = {requires}
build-backend = "backend"
backend-path = ["."]

[project]
name = "{name}"
version = "{version}"
"""

GRANT = ["install-hooks", "fs-write", "fs-read", "env"]


def sdist_only(dist: Path, version: str = "1.0", requires: tuple[str, ...] = ()) -> Path:
    """``srcpkg-VERSION.tar.gz``: no wheel anywhere, built by an in-tree backend."""
    return build_sdist(dist, "srcpkg", version, {
        "pyproject.toml": PYPROJECT.format(requires=list(requires), name="srcpkg",
                                           version=version),
        "backend.py": BACKEND.format(name="srcpkg", version=version)})


@pytest.fixture
def elsewhere(index_server: IndexServer) -> SubIndex:
    """An index only the requirements file names."""
    return index_server.new_index("elsewhere")


def _check(permpip: Permpip, project: Path, py: Path, *args: str,
           backend: str = "pip") -> None:
    done = permpip("check", "--backend", backend, "--python", str(py), "--no-cache", *args,
                   cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr
    assert installed(py) == {}


@pytest.mark.parametrize("backend", ["pip", "uv"])
def test_index_url_of_the_file_finds_the_sdist(
        backend: str, index: SubIndex, elsewhere: SubIndex, tmp_path: Path, project: Path,
        make_venv: MakeVenv, permpip: Permpip) -> None:
    """The issue's case: ``--index-url`` in the file, a requirement with only an sdist: the
    command line's index is replaced by the file's, as in pip; ``check -r FILE`` reads FILE
    (and not the requirements.txt it would default to)."""
    elsewhere.publish(sdist_only(tmp_path / "dist"))
    write_policy(project, {"srcpkg": GRANT})
    (project / "req.txt").write_text(f"--index-url {elsewhere.url}\nsrcpkg==1.0\n")
    (project / "requirements.txt").write_text("not-served-anywhere\n")
    py = make_venv()
    _check(permpip, project, py, "-r", "req.txt", "--index-url", index.url, backend=backend)
    if backend == "pip":
        done = permpip("install", "--python", str(py), "--no-cache", "--index-url", index.url,
                       "-r", "req.txt", cwd=project)
        assert done.returncode == 0, done.stdout + done.stderr
        assert installed(py) == {"srcpkg": "1.0"}
    assert index.requests_seen() == []


def test_build_requirements_come_from_the_files_index(
        index: SubIndex, elsewhere: SubIndex, tmp_path: Path, project: Path,
        make_venv: MakeVenv, permpip: Permpip) -> None:
    dist = tmp_path / "dist"
    elsewhere.publish(sdist_only(dist, requires=("buildhelp",)))
    elsewhere.publish(build_wheel(dist, "buildhelp", "1.0", {"buildhelp/__init__.py": ""}))
    write_policy(project, {"srcpkg": GRANT, "buildhelp": ["install-hooks"]})
    (project / "req.txt").write_text(f"--index-url {elsewhere.url}\nsrcpkg==1.0\n")
    _check(permpip, project, make_venv(), "req.txt", "--index-url", index.url)
    assert f"/{elsewhere.prefix}/files/buildhelp-1.0-py3-none-any.whl" in \
        elsewhere.requests_seen()
    assert index.requests_seen() == []


def test_all_releases_in_the_file_finds_a_prerelease_sdist(
        index: SubIndex, tmp_path: Path, project: Path, make_venv: MakeVenv,
        permpip: Permpip) -> None:
    """The sdist lookup allows pre-releases as pip does: not by default (when a final release
    matches), and for the packages ``--all-releases`` (or ``--pre``) names."""
    index.publish(sdist_only(tmp_path / "dist", version="1.0"))
    index.publish(sdist_only(tmp_path / "dist", version="2.0rc1"))
    write_policy(project, {"srcpkg": GRANT})
    py = make_venv()
    for lines, version in (("", "1.0"), ("--all-releases srcpkg\n", "2.0rc1")):
        (project / "req.txt").write_text(f"{lines}srcpkg\n")
        done = permpip("check", "--python", str(py), "--no-cache", "--format", "json",
                       "--index-url", index.url, "req.txt", cwd=project)
        assert done.returncode == 0, done.stdout + done.stderr
        versions = {p["version"] for p in json.loads(done.stdout)["packages"]}
        assert versions == {version}


def test_nested_extra_index_and_relative_find_links(
        index: SubIndex, elsewhere: SubIndex, tmp_path: Path, project: Path,
        make_venv: MakeVenv, permpip: Permpip) -> None:
    elsewhere.publish(sdist_only(tmp_path / "dist"))
    build_wheel(project / "reqs" / "links", "helper", "0.1", {"helper/__init__.py": ""})
    (project / "reqs" / "more.txt").write_text(
        f"--extra-index-url {elsewhere.url}\n--find-links links\nhelper\n")
    (project / "req.txt").write_text("-r reqs/more.txt\nsrcpkg==1.0\n")
    write_policy(project, {"srcpkg": GRANT})
    _check(permpip, project, make_venv(), "req.txt", "--index-url", index.url)
    assert f"/{elsewhere.prefix}/files/srcpkg-1.0.tar.gz" in elsewhere.requests_seen()


def test_no_index_in_the_file_keeps_every_lookup_off_the_index(
        index: SubIndex, tmp_path: Path, project: Path, make_venv: MakeVenv,
        permpip: Permpip) -> None:
    links = tmp_path / "links"
    sdist_only(links)
    index.publish(sdist_only(tmp_path / "dist"))
    write_policy(project, {"srcpkg": GRANT})
    (project / "req.txt").write_text(f"--no-index\n--find-links {links}\nsrcpkg==1.0\n")
    _check(permpip, project, make_venv(), "req.txt", "--index-url", index.url)
    assert index.requests_seen() == []


def test_hashed_file_looks_its_files_up_on_the_files_index(
        index: SubIndex, elsewhere: SubIndex, tmp_path: Path, project: Path,
        make_venv: MakeVenv, permpip: Permpip) -> None:
    path = sdist_only(tmp_path / "dist")
    elsewhere.publish(path)
    write_policy(project, {"srcpkg": GRANT})
    (project / "req.txt").write_text(
        f"--index-url {elsewhere.url}\nsrcpkg==1.0 --hash=sha256:{sha256_file(path)}\n")
    _check(permpip, project, make_venv(), "req.txt", "--index-url", index.url)
    assert index.requests_seen() == []


# -- --trusted-host in the file: the files permpip downloads itself, over HTTPS ----------------

@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IndexServer]:
    """An index server on https://127.0.0.1 with a self-signed certificate."""
    tmp = tmp_path_factory.mktemp("tls")
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    done = run_process(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days",
                        "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", str(key), "-out", str(cert)])
    if done.returncode != 0:
        pytest.skip(f"openssl cannot make a certificate: {done.stderr.strip()}")
    server = IndexServer()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.httpd.socket = context.wrap_socket(server.httpd.socket, server_side=True)
    server.base_url = f"https://127.0.0.1:{server.port}"
    server.start()
    yield server
    server.stop()


def test_trusted_host_of_the_file_applies_to_permpips_own_downloads(
        tls_server: IndexServer, tmp_path: Path, project: Path, make_venv: MakeVenv,
        permpip: Permpip) -> None:
    secure = tls_server.new_index("tls")
    secure.publish(build_wheel(tmp_path / "dist", "helper", "0.1", {"helper/__init__.py": ""}))
    write_policy(project, {})
    host = f"127.0.0.1:{tls_server.port}"
    (project / "req.txt").write_text(f"--index-url {secure.url}\nhelper\n")
    py = make_venv()
    untrusted = permpip("check", "--python", str(py), "--no-cache", "req.txt", cwd=project)
    assert untrusted.returncode == 3, untrusted.stdout + untrusted.stderr
    (project / "req.txt").write_text(f"--index-url {secure.url}\n--trusted-host {host}\n"
                                     "helper\n")
    _check(permpip, project, py, "req.txt")
    assert f"/{secure.prefix}/files/helper-0.1-py3-none-any.whl" in secure.requests_seen()
