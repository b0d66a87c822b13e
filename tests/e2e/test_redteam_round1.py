"""Red-team round 1: hostile wheels that get code to run (or take over files) past a
policy that grants nothing, installed with pip and with uv into a fresh venv.

Every test asserts the SECURE behaviour (permpip refuses, nothing installed); a test that
fails is a bypass that works today."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from gate._subprocess import Completed
from tests.builders import build_wheel
from tests.e2e.pyenv import gate_install as _gate
from tests.e2e.pyenv import make_venv as _venv
from tests.e2e.pyenv import refused as _refused
from tests.e2e.pyenv import site_packages as _site
from tests.index import SubIndex

pytestmark = pytest.mark.e2e

Permpip = Callable[..., Completed]
BACKENDS = ["pip", "uv"]


def _run_python(py: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Start the target interpreter as a user would (no PYTHON* settings)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PIP_"))}
    return subprocess.run([str(py), *args], env=env, capture_output=True, text=True,
                          timeout=60, check=False)


# -- 1. a ._pth file beside the interpreter -------------------------------------------------

@pytest.mark.parametrize("minor", ["3.11", "3.12", "3.13"])
@pytest.mark.parametrize("backend", BACKENDS)
def test_pth_file_beside_the_interpreter_replaces_sys_path(
        backend: str, minor: str, index: SubIndex, tmp_path: Path, permpip: Permpip,
        hermetic_env: dict[str, str]) -> None:
    """getpath (3.11+, every platform) reads ``<executable>._pth`` beside ``bin/python``:
    its lines REPLACE sys.path before anything is imported. A data-scheme script
    ``bin/python._pth`` whose text is also valid Python (``#!python`` / ``evil``) passes
    the script scan; ``evil`` names ``bin/evil``, where unscanned data-scheme files provide
    ``encodings``: it runs before site.py at every start of the venv's interpreter."""
    marker = tmp_path / "MARKER"
    pth = "#!python\nevil\n"
    encodings = (f"import posix\nposix.close(posix.open({str(marker)!r}, "
                 f"posix.O_CREAT | posix.O_WRONLY, 0o644))\n")
    files: dict[str, str | bytes] = {"evilpkg/__init__.py": ""}
    for exe in ("python", "python3", f"python{minor}"):
        files[f"evilpkg-1.0.data/scripts/{exe}._pth"] = pth
    files["evilpkg-1.0.data/data/bin/evil/encodings/__init__.py"] = encodings
    index.publish(build_wheel(tmp_path / "dist", "evilpkg", "1.0", files))
    py = _venv(tmp_path, hermetic_env, minor)
    done = _gate(permpip, index, tmp_path, py, backend, "evilpkg==1.0")
    _run_python(py, "-c", "pass")
    assert not marker.exists(), "evil encodings ran at interpreter start"
    _refused(done, py)
    assert not list(py.parent.glob("*._pth"))


# -- 2. sitecustomize on a sys.path entry that a .pth path line adds ------------------------

@pytest.mark.parametrize("minor", ["3.11", "3.13"])
@pytest.mark.parametrize("backend", BACKENDS)
def test_sitecustomize_in_a_directory_a_pth_path_line_adds(
        backend: str, minor: str, index: SubIndex, tmp_path: Path, permpip: Permpip,
        hermetic_env: dict[str, str]) -> None:
    """site.py processes every .pth path line, THEN imports sitecustomize: a plain path
    line ``evilpkg/hooks`` puts a sitecustomize.py of the wheel on sys.path, and it runs at
    every start. The scanner scans it as ordinary import-time code of evilpkg."""
    index.publish(build_wheel(tmp_path / "dist", "evilpkg", "1.0", {
        "evilpkg/__init__.py": "",
        "evilpkg/hooks/sitecustomize.py": "print('OWNED: sitecustomize at startup')\n",
        "evilpkg.pth": "evilpkg/hooks\n",
    }))
    py = _venv(tmp_path, hermetic_env, minor)
    done = _gate(permpip, index, tmp_path, py, backend, "evilpkg==1.0")
    started = _run_python(py, "-c", "pass")
    assert "OWNED" not in started.stdout, "sitecustomize from a .pth directory ran"
    _refused(done, py)


@pytest.mark.parametrize("backend", BACKENDS)
def test_sitecustomize_in_a_zip_a_pth_path_line_adds(
        backend: str, index: SubIndex, tmp_path: Path, permpip: Permpip,
        hermetic_env: dict[str, str]) -> None:
    """The same through zipimport: the .pth path line names a zip of the wheel, which the
    scanner opens and scans as ordinary code; its sitecustomize.py runs at every start."""
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("sitecustomize.py", "print('OWNED: sitecustomize from a zip')\n")
    index.publish(build_wheel(tmp_path / "dist", "evilpkg", "1.0", {
        "evilpkg/__init__.py": "", "evilpkg/hooks.zip": buf.getvalue(),
        "evilpkg.pth": "evilpkg/hooks.zip\n"}))
    py = _venv(tmp_path, hermetic_env)
    done = _gate(permpip, index, tmp_path, py, backend, "evilpkg==1.0")
    assert "OWNED" not in _run_python(py, "-c", "pass").stdout
    _refused(done, py)


# -- 2b. a regular package's __init__ over another distribution's namespace package ---------

@pytest.mark.parametrize("backend", BACKENDS)
def test_init_over_another_distributions_namespace_package(
        backend: str, index: SubIndex, tmp_path: Path, permpip: Permpip,
        hermetic_env: dict[str, str]) -> None:
    """``nsvictim`` installs ``nsx/victim/`` into the namespace ``nsx`` (no __init__.py).
    ``evilpkg`` ships ``nsx/__init__.py``: nothing is overwritten and no regular package
    of another distribution is entered, so nothing is found (installed in one set, the
    same pair is caught: only an installed namespace is missed); but ``nsx`` is now evilpkg's
    regular package and its __init__ runs at every ``import nsx.victim`` (the
    ``google/__init__.py`` over protobuf's ``google.protobuf`` case)."""
    dist = tmp_path / "dist"
    index.publish(build_wheel(dist, "nsvictim", "1.0", {"nsx/victim/__init__.py": "X = 1\n"}))
    index.publish(build_wheel(dist, "evilpkg", "1.0", {
        "evilpkg/__init__.py": "",
        "nsx/__init__.py": "print('OWNED: runs at import of nsx.victim')\n"}))
    py = _venv(tmp_path, hermetic_env)
    assert _gate(permpip, index, tmp_path, py, backend, "nsvictim==1.0").returncode == 0
    done = _gate(permpip, index, tmp_path, py, backend, "evilpkg==1.0")
    assert "OWNED" not in _run_python(py, "-c", "import nsx.victim").stdout
    _refused(done, py, {"nsvictim": "1.0"})


# -- 2c. a script the scanner reads as Python and the kernel runs as shell ------------------

@pytest.mark.parametrize("backend", BACKENDS)
def test_shell_script_with_python_in_its_shebang_line(
        backend: str, index: SubIndex, tmp_path: Path, permpip: Permpip,
        hermetic_env: dict[str, str]) -> None:
    """A script whose first line merely contains ``python`` is scanned as Python; neither
    pip nor uv rewrites a shebang other than ``#!python``. ``#!/usr/bin/env -S sh -c '.
    "$1"' python`` runs it with sh, and a sh/Python polyglot (the shell part is a Python
    string) runs any command when the user runs ``evil-tool``."""
    marker = tmp_path / "MARKER"
    script = (f"#!/usr/bin/env -S sh -c '. \"$1\"' python\n"
              f"''':'\ntouch {marker}\nexit 0\n'''\n")
    whl = build_wheel(tmp_path / "dist", "evilpkg", "1.0", {
        "evilpkg/__init__.py": "", "evilpkg-1.0.data/scripts/evil-tool": script})
    _patch_member(whl, "evilpkg-1.0.data/scripts/evil-tool", script.encode(), mode=0o100755)
    index.publish(whl)
    py = _venv(tmp_path, hermetic_env)
    done = _gate(permpip, index, tmp_path, py, backend, "evilpkg==1.0")
    tool = py.parent / "evil-tool"
    if tool.exists():
        subprocess.run([str(tool)], capture_output=True, timeout=60, check=False)
    assert not marker.exists(), "the shell part of the script ran"
    _refused(done, py)


# -- 3. entry points pip/uv read that the overwrite check does not --------------------------

@pytest.mark.parametrize("backend", ["pip"])  # uv's ini reader sees the continuation too
def test_entry_point_on_a_continuation_line_overwrites_activate(
        backend: str, index: SubIndex, tmp_path: Path, permpip: Permpip,
        hermetic_env: dict[str, str]) -> None:
    """configparser (gate.environment.entry_point_scripts) reads an indented line as the
    continuation of the previous value; importlib.metadata (pip) and uv's ini reader read
    it as one more entry point. ``activate`` then replaces bin/activate, a file of the
    environment, which a plain ``activate`` entry point is refused for (exit 3)."""
    dist = tmp_path / "dist"
    whl = build_wheel(dist, "evilpkg", "1.0", {"evilpkg/__init__.py": "def main(): pass\n"},
                      entry_points={"console_scripts": {"evil-tool": "evilpkg:main"}})
    _patch_member(whl, "evilpkg-1.0.dist-info/entry_points.txt",
                  b"[console_scripts]\nevil-tool = evilpkg:main\n    activate = evilpkg:main\n")
    index.publish(whl)
    py = _venv(tmp_path, hermetic_env)
    activate = py.parent / "activate"
    before = activate.read_bytes()
    done = _gate(permpip, index, tmp_path, py, backend, "evilpkg==1.0")
    assert activate.read_bytes() == before, "bin/activate was replaced"
    _refused(done, py)


# -- 4. a forged RECORD claims another distribution's files ---------------------------------

@pytest.mark.parametrize("backend", ["pip"])  # uv writes RECORD from the files it installed
def test_forged_record_claims_another_distributions_module(
        backend: str, index: SubIndex, tmp_path: Path, permpip: Permpip,
        hermetic_env: dict[str, str]) -> None:
    """permpip never reads a wheel's RECORD; pip and uv copy its rows for files the wheel
    does not hold into the installed RECORD. ``aaa-evil 1.0`` lists ``victim/__init__.py``;
    permpip's target reading (first dist-info in sorted order owns a file) then counts it
    as aaa-evil's file and aaa-evil's package, so ``aaa-evil 2.0`` may "upgrade" it: the
    overwrite check and the shadow finding both pass, and victim's module is replaced."""
    dist = tmp_path / "dist"
    index.publish(build_wheel(dist, "victim", "1.0", {"victim/__init__.py": "X = 1\n"}))
    one = build_wheel(dist, "aaa-evil", "1.0", {"aaa_evil/__init__.py": ""})
    _add_record_rows(one, ["victim/__init__.py,,\n"])
    index.publish(one)
    index.publish(build_wheel(dist, "aaa-evil", "2.0", {
        "aaa_evil/__init__.py": "",
        "victim/__init__.py": "print('OWNED: victim replaced')\nX = 1\n"}))
    py = _venv(tmp_path, hermetic_env)
    assert _gate(permpip, index, tmp_path, py, backend, "victim==1.0").returncode == 0
    first = _gate(permpip, index, tmp_path, py, backend, "aaa-evil==1.0")
    module = _site(py) / "victim" / "__init__.py"
    if first.returncode == 0:
        second = _gate(permpip, index, tmp_path, py, backend, "aaa-evil==2.0")
        assert module.read_text() == "X = 1\n", "victim/__init__.py was replaced"
        assert second.returncode in (1, 3), second.stderr
    assert module.read_text() == "X = 1\n"


# -- 5. already satisfied: bytecode is not compared ----------------------------------------

@pytest.mark.parametrize("backend", BACKENDS)
def test_already_satisfied_copy_with_planted_bytecode_is_kept(
        backend: str, index: SubIndex, tmp_path: Path, permpip: Permpip,
        hermetic_env: dict[str, str]) -> None:
    """docs/security.md: a distribution installed at the pinned version from other bytes
    is reinstalled from the scanned wheel. The comparison skips every ``.pyc`` its RECORD
    lists: an unchecked hash-based ``__pycache__/__init__.cpython-3XX.pyc`` planted in
    the installed copy (listed in RECORD, as an installer that compiled it lists it) is
    "the same bytes", permpip does nothing, and the planted bytecode runs at import."""
    index.publish(build_wheel(tmp_path / "dist", "lib", "1.0", {"lib/__init__.py": "X = 1\n"}))
    py = _venv(tmp_path, hermetic_env)
    assert _gate(permpip, index, tmp_path, py, backend, "lib==1.0").returncode == 0
    tag = _run_python(py, "-c", "import sys; print(sys.implementation.cache_tag)").stdout
    pyc = _site(py) / "lib" / "__pycache__" / f"__init__.{tag.strip()}.pyc"
    pyc.parent.mkdir(exist_ok=True)
    pyc.write_bytes(_hash_pyc_for(py, "print('OWNED: planted bytecode')\nX = 1\n"))
    record = next(_site(py).glob("lib-1.0.dist-info")) / "RECORD"
    record.write_text(record.read_text() + f"lib/__pycache__/{pyc.name},,\n")
    assert "OWNED" in _run_python(py, "-c", "import lib").stdout  # the planted state
    done = _gate(permpip, index, tmp_path, py, backend, "lib==1.0")
    assert done.returncode in (0, 1, 3), done.stderr
    assert "OWNED" not in _run_python(py, "-c", "import lib").stdout, (
        "permpip left bytecode that is not the scanned bytes in the installed copy")


# -- 6. --target: data-scheme files land on the import path unscanned ----------------------

@pytest.mark.parametrize("backend", BACKENDS)
def test_target_install_puts_unscanned_data_files_on_the_import_path(
        backend: str, index: SubIndex, tmp_path: Path, permpip: Permpip,
        hermetic_env: dict[str, str]) -> None:
    """With ``--target DIR`` pip and uv install the data scheme into DIR itself, the
    directory that is put on sys.path. The scanner scans site-packages members only; a
    ``.data/data/evil_impl/__init__.py`` is never scanned, yet ``import evilpkg`` (clean:
    ``import evil_impl``) runs it."""
    marker = tmp_path / "MARKER"
    index.publish(build_wheel(tmp_path / "dist", "evilpkg", "1.0", {
        "evilpkg/__init__.py": "import evil_impl\n",
        "evilpkg-1.0.data/data/evil_impl/__init__.py":
            f"import os\nos.system('touch {marker}')\n",
    }))
    py = _venv(tmp_path, hermetic_env)
    target = tmp_path / "target"
    done = _gate(permpip, index, tmp_path, py, backend, "--target", str(target),
                 "evilpkg==1.0")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PIP_"))}
    subprocess.run([str(py), "-c", "import evilpkg"], env={**env, "PYTHONPATH": str(target)},
                   capture_output=True, timeout=60, check=False)
    assert not marker.exists(), "unscanned data-scheme code ran at import"
    assert done.returncode in (1, 3), (done.stdout[-2000:], done.stderr)
    assert not (target / "evil_impl").exists()


# -- helpers --------------------------------------------------------------------------------

def _hash_pyc_for(py: Path, source: str) -> bytes:
    """An unchecked hash-based .pyc of ``source`` compiled by the target interpreter."""
    code = ("import importlib.util as u, marshal, sys\n"
            "c = compile(sys.stdin.read(), '<x>', 'exec')\n"
            "sys.stdout.buffer.write(u.MAGIC_NUMBER + (1).to_bytes(4, 'little')"
            " + u.source_hash(b'') + marshal.dumps(c))\n")
    return subprocess.run([str(py), "-c", code], input=source.encode(), capture_output=True,
                          check=True).stdout


def _add_record_rows(whl: Path, rows: list[str]) -> None:
    """Append rows to a wheel's RECORD (files the wheel does not hold)."""
    import zipfile

    with zipfile.ZipFile(whl) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    record = next(n for n in members if n.endswith(".dist-info/RECORD"))
    members[record] = members[record] + "".join(rows).encode()
    with zipfile.ZipFile(whl, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, d in members.items():
            zf.writestr(n, d)


def _patch_member(whl: Path, name: str, data: bytes, mode: int | None = None) -> None:
    """Replace one member of a built wheel and rewrite its RECORD."""
    import base64
    import hashlib
    import zipfile

    with zipfile.ZipFile(whl) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    members[name] = data
    record = next(n for n in members if n.endswith(".dist-info/RECORD"))
    del members[record]
    lines = []
    for n, d in members.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b"=").decode()
        lines.append(f"{n},sha256={digest},{len(d)}\n")
    members[record] = ("".join(lines) + f"{record},,\n").encode()
    with zipfile.ZipFile(whl, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, d in members.items():
            info = zipfile.ZipInfo(n, (2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (mode if n == name and mode else 0o100644) << 16
            zf.writestr(info, d)
