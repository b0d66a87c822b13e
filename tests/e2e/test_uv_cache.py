"""The uv backend's warm path (issue #15): uv keeps its unpacked wheels in a cache private to
permpip (``CACHE/permpip/uv``), reads each verified file from a find-links directory keyed by
its sha256 and a generation (``CACHE/permpip/uv/links/<aa>/<sha256>/<gen>/``), and links its
unpacked copy into the target by hard links once permpip has compared every file of that copy
with the scanned wheel (``gate.uv_link``). It must install exactly the scanned bytes: a write
to an installed file (the cache's inode) or to the cache itself is detected before uv links
again, and the wheel is unpacked again from the verified file."""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from gate._subprocess import Completed
from tests.builders import build_wheel
from tests.conftest import installed, write_policy
from tests.e2e import test_warm_path as warm
from tests.e2e.pyenv import site_packages as _site
from tests.index import SubIndex

pytestmark = pytest.mark.e2e

Permpip = Callable[..., Completed]
MakeVenv = Callable[..., Path]
WARMLIB = "warmlib-1.0-py3-none-any.whl"
locked = warm.locked  # the fixture of tests/e2e/test_warm_path.py, shared


def _tree(python: Path) -> dict[str, bytes]:
    site = _site(python)
    return {str(p.relative_to(site)): p.read_bytes() for p in sorted(site.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts}


def _members(wheel: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(wheel) as zf:
        return {n: zf.read(n) for n in zf.namelist() if not n.endswith("/")}


def _install(permpip: Permpip, index: SubIndex, project: Path, py: Path, cache: Path,
             *extra: str) -> Completed:
    done = permpip("install", "--backend", "uv", "--python", str(py), "-i", index.url,
                   "--cache-dir", str(cache), "-r", "requirements.txt", *extra, cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def _manifest(cache: Path, sha: str) -> dict:
    path = cache / "permpip" / "uv" / "verified" / sha[:2] / f"{sha}.json"
    return json.loads(path.read_text())


def _archive(cache: Path, sha: str) -> Path:
    return cache / "permpip" / "uv" / "archive-v0" / _manifest(cache, sha)["archive"]


def _link(cache: Path, sha: str) -> Path:
    """The find-links entry of the verified copy's generation."""
    gen = _manifest(cache, sha)["gen"]
    return cache / "permpip" / "uv" / "links" / sha[:2] / sha / gen / WARMLIB


def _expected(tmp_path: Path) -> dict[str, bytes]:
    """What the wheel's files are, byte for byte (RECORD aside: the installer rewrites it)."""
    wheel = next((tmp_path / "dist").glob(WARMLIB))
    return {n: b for n, b in _members(wheel).items() if not n.endswith("/RECORD")}


def test_warm_install_links_the_verified_copy_byte_for_byte(
        index: SubIndex, locked: Path, tmp_path: Path, make_venv: MakeVenv,
        permpip: Permpip) -> None:
    cache = tmp_path / "cache"
    cold, warm = make_venv("cold"), make_venv("warm")
    _install(permpip, index, locked, cold, cache)
    uv_cache = cache / "permpip" / "uv"
    archives = sorted(p.name for p in (uv_cache / "archive-v0").iterdir())
    assert len(archives) == 2  # uv unpacked both wheels into permpip's cache
    sha = index.sha256(WARMLIB)
    manifest = _manifest(cache, sha)
    assert manifest["archive"] in archives
    link = _link(cache, sha)
    assert os.path.samefile(link, next((cache / "permpip" / "files").rglob(WARMLIB)))
    _install(permpip, index, locked, warm, cache)
    assert sorted(p.name for p in (uv_cache / "archive-v0").iterdir()) == archives  # reused
    again = _manifest(cache, sha)
    # nothing re-verified: the same copy, each file's witness but for the ctime and the link
    # count, which the new venv's links moved (kept after uv linked: uv_verified.settle)
    assert {k: v for k, v in again.items() if k != "entries"} == {
        k: v for k, v in manifest.items() if k != "entries"}
    assert [e[:5] for e in again["entries"]] == [
        e[:5] for e in manifest["entries"]]
    links = {e[0]: e[6] for e in manifest["entries"] if e[0].startswith("warmlib/")}
    assert links and all(e[6] == links[e[0]] + 1 for e in again["entries"] if e[0] in links)
    assert installed(warm) == installed(cold) == {"warmlib": "1.0", "warmdep": "2.0"}
    assert _tree(warm) == _tree(cold)
    tree = _tree(warm)
    for name, data in _expected(tmp_path).items():
        assert tree[name] == data, name
    # hard links to the verified copy, RECORD aside (uv copies it and rewrites it)
    archive = _archive(cache, sha)
    site = _site(warm)
    assert os.path.samefile(site / "warmlib" / "data.txt", archive / "warmlib" / "data.txt")
    assert os.path.samefile(site / "warmlib" / "data.txt", _site(cold) / "warmlib" / "data.txt")
    assert not os.path.samefile(site / "warmlib-1.0.dist-info" / "RECORD",
                                archive / "warmlib-1.0.dist-info" / "RECORD")


def test_a_write_to_an_installed_file_is_detected_and_not_installed_again(
        index: SubIndex, locked: Path, tmp_path: Path, make_venv: MakeVenv,
        permpip: Permpip) -> None:
    cache = tmp_path / "cache"
    first, second = make_venv("first"), make_venv("second")
    _install(permpip, index, locked, first, cache)
    sha = index.sha256(WARMLIB)
    old = _archive(cache, sha)
    data = _site(first) / "warmlib" / "data.txt"
    assert os.path.samefile(data, old / "warmlib" / "data.txt")
    with data.open("r+b") as f:  # in place: the cache's inode
        f.write(b"tampered")
    assert (old / "warmlib" / "data.txt").read_bytes() == b"tampered\n"
    done = _install(permpip, index, locked, second, cache)
    assert (f"warning: uv's unpacked copy of {WARMLIB} changed after it was verified "
            "(was a file installed from it written?): unpacked again") in done.stderr
    assert (_site(second) / "warmlib" / "data.txt").read_bytes() == b"original\n"
    assert not old.exists()  # the written copy is gone
    new = _archive(cache, sha)
    assert os.path.samefile(_site(second) / "warmlib" / "data.txt", new / "warmlib" / "data.txt")
    # warmdep's copy was not touched: still the first one, not unpacked again
    assert "warmdep" not in done.stderr


@pytest.mark.parametrize("how", ["write", "plant", "replace", "chmod"])
def test_a_tampered_copy_in_uvs_cache_is_never_installed(
        index: SubIndex, locked: Path, tmp_path: Path, make_venv: MakeVenv,
        permpip: Permpip, how: str) -> None:
    cache = tmp_path / "cache"
    _install(permpip, index, locked, make_venv("first"), cache)
    sha = index.sha256(WARMLIB)
    archive = _archive(cache, sha)
    target = archive / "warmlib" / "__init__.py"
    if how == "write":  # same size, same inode
        with target.open("r+b") as f:
            f.write(b"#mport")
    elif how == "plant":  # a new file in a directory uv links whole
        (archive / "warmlib" / "evil.py").write_text("import os\nos.system('echo pwned')\n")
    elif how == "replace":  # another inode under the name, mtime set back
        st = target.stat()
        tmp = archive / "warmlib" / "x.tmp"
        tmp.write_bytes(b"import os\nos.system('echo pwned')\n"[:st.st_size].ljust(st.st_size))
        os.utime(tmp, ns=(st.st_atime_ns, st.st_mtime_ns))
        os.replace(tmp, target)
    else:  # writable by the group: another user could write it
        target.chmod(0o664)
    py = make_venv("second")
    done = _install(permpip, index, locked, py, cache)
    assert f"uv's unpacked copy of {WARMLIB} changed after it was verified" in done.stderr
    tree = _tree(py)
    assert "warmlib/evil.py" not in tree
    for name, data in _expected(tmp_path).items():
        assert tree[name] == data, name
    assert not archive.exists()


def test_a_file_uv_did_not_link_from_the_verified_copy_fails_the_install(
        index: SubIndex, locked: Path, tmp_path: Path, make_venv: MakeVenv,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The check after uv ran: every file uv installed is the verified inode (or the same
    bytes). Here the installed file is replaced by other bytes after the check before uv
    ran passed and uv linked the verified copy; the install fails, naming the file."""
    from gate import install as installer
    from gate.environment import install_paths
    from gate.errors import InstallError
    from gate.fetch import Fetched
    from gate.model import Pin
    from gate.options import Backend, GateOptions
    from gate.resolve.target import probe_target
    from gate.uv_link import Linker, Wheel

    cache = tmp_path / "cache" / "permpip"
    (cache / "tmp").mkdir(parents=True)
    wheel = next((tmp_path / "dist").glob(WARMLIB))
    sha = index.sha256(WARMLIB)
    pin = Pin(name="warmlib", version="1.0", url=wheel.as_uri(), filename=WARMLIB,
              sha256=sha, is_wheel=True)
    options = GateOptions(backend=Backend.UV)
    env = {k: v for k, v in os.environ.items() if not k.startswith("UV_")}
    verified = cache / "uv" / "verified" / sha[:2] / f"{sha}.json"

    def install(py: Path) -> None:
        target = probe_target(str(py))
        installer.install([Fetched(pin=pin, path=wheel)], options=options, target=target,
                          env=env, cache_root=cache, paths=install_paths(target, options),
                          installing={"warmlib"})

    install(make_venv("v"))
    assert verified.is_file()  # verified, and the install checked
    py = make_venv("w")
    finish = Linker.finish

    def tampered(self: Linker, wheels: list[Wheel], **kwargs: object) -> None:
        assert wheels[0].manifest is not None  # the verified copy, linked by uv
        # after the check before uv ran: the installed file replaced by other bytes
        data = _site(py) / "warmlib" / "data.txt"
        data.unlink()
        data.write_text("evil\n")
        finish(self, wheels, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Linker, "finish", tampered)
    with pytest.raises(InstallError, match=r"warmlib-1.0-py3-none-any.whl: uv installed "
                                           r"warmlib/data.txt from bytes that are not the "
                                           r"scanned ones"):
        install(py)
    # forgotten: the next run unpacks it again
    assert not verified.exists()


def test_a_wheel_uv_neither_unpacked_nor_installed_is_not_read_again(
        index: SubIndex, locked: Path, tmp_path: Path, make_venv: MakeVenv,
        permpip: Permpip, hermetic_env: dict[str, str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Installed by pip, then ``--backend uv`` into the same target: uv installs nothing and
    unpacks nothing, so there is no copy to verify: the wheels are not read again (the
    whole archive) and their new find-links generations are removed."""
    from gate import uv_link
    from gate.cli.options import parse_options
    from gate.run import run_gate

    cache = tmp_path / "cache"
    py = make_venv("v")
    done = permpip("install", "--backend", "pip", "--python", str(py), "-i", index.url,
                   "--cache-dir", str(cache), "-r", "requirements.txt", cwd=locked)
    assert done.returncode == 0, done.stdout + done.stderr

    def boom(*_a: object) -> None:
        raise AssertionError("the wheel was read again")

    monkeypatch.setattr(uv_link, "_members", boom)
    monkeypatch.chdir(locked)
    options = parse_options(["--backend", "uv", "--python", str(py), "--cache-dir",
                             str(cache), "-i", index.url, "-r", "requirements.txt"])
    result = run_gate(options, cwd=locked, install=True, env=hermetic_env)
    assert result.installed and result.changed == ()
    assert installed(py) == {"warmlib": "1.0", "warmdep": "2.0"}
    uv = cache / "permpip" / "uv"
    assert not list((uv / "verified").rglob("*.json"))
    assert not (uv / "archive-v0").exists()  # uv unpacked nothing
    for wheel in (WARMLIB, "warmdep-2.0-py3-none-any.whl"):
        sha = index.sha256(wheel)
        assert not list((uv / "links" / sha[:2] / sha).iterdir())  # no generation left


def test_tampered_files_in_the_cache_are_not_installed(
        index: SubIndex, locked: Path, tmp_path: Path, make_venv: MakeVenv,
        permpip: Permpip) -> None:
    """permpip's cached file is re-hashed (a changed one is fetched again); the find-links
    entry handed to uv is checked to be that verified file and replaced when it is not."""
    cache = tmp_path / "cache"
    _install(permpip, index, locked, make_venv("first"), cache)
    sha = index.sha256(WARMLIB)
    evil = build_wheel(tmp_path / "evil", "warmlib", "1.0", {
        "warmlib/__init__.py": "import os\nos.system('echo pwned')\n",
        "warmlib/data.txt": "evil\n"})
    cached = next((cache / "permpip" / "files").rglob(WARMLIB))
    cached.write_bytes(evil.read_bytes())  # in place: the link shares the inode
    py = make_venv("second")
    _install(permpip, index, locked, py, cache)
    assert (_site(py) / "warmlib" / "data.txt").read_bytes() == b"original\n"
    # the link was replaced by a new one to the verified file (not an edited copy)
    link = _link(cache, sha)
    link.unlink()
    link.write_bytes(evil.read_bytes())
    st = cached.stat()
    os.utime(link, ns=(st.st_atime_ns, st.st_mtime_ns))  # the mtime uv keys by
    py3 = make_venv("third")
    _install(permpip, index, locked, py3, cache)
    assert os.path.samefile(link, next((cache / "permpip" / "files").rglob(WARMLIB)))
    assert (_site(py3) / "warmlib" / "data.txt").read_bytes() == b"original\n"


def test_no_cache_leaves_nothing_linked_to_a_cache(
        index: SubIndex, locked: Path, tmp_path: Path, make_venv: MakeVenv,
        permpip: Permpip) -> None:
    cache = tmp_path / "cache"
    py = make_venv("v")
    _install(permpip, index, locked, py, cache, "--no-cache")
    assert not (cache / "permpip").exists()  # neither uv's cache nor permpip's
    data = _site(py) / "warmlib" / "data.txt"
    assert data.read_bytes() == b"original\n"
    assert data.stat().st_nlink == 1  # uv's throwaway cache is gone


@pytest.mark.skipif(not Path("/dev/shm").is_dir() or
                    os.stat("/dev/shm").st_dev == os.stat("/tmp").st_dev,
                    reason="needs /dev/shm on a file system of its own")
def test_a_target_on_another_file_system_gets_copies(
        index: SubIndex, locked: Path, tmp_path: Path, make_venv: MakeVenv,
        permpip: Permpip) -> None:
    import shutil
    import tempfile
    cache = tmp_path / "cache"
    target = Path(tempfile.mkdtemp(dir="/dev/shm", prefix="permpip-test-"))
    try:
        done = _install(permpip, index, locked, make_venv("v"), cache, "--target",
                        str(target))
        assert "hardlink" not in done.stderr.lower()  # no fallback warning from uv
        data = target / "warmlib" / "data.txt"
        assert data.read_bytes() == b"original\n"
        assert data.stat().st_nlink == 1
        assert _manifest(cache, index.sha256(WARMLIB))["archive"]  # verified all the same
    finally:
        shutil.rmtree(target, ignore_errors=True)


def test_a_wheel_whose_record_lies_is_unpacked_afresh_each_run(
        index: SubIndex, tmp_path: Path, make_venv: MakeVenv, permpip: Permpip) -> None:
    """A RECORD row whose sha256 is not its member's: uv's copy never verifies, so it is
    never kept to be linked again (deleted: no garbage), and every install gets the
    member's real bytes, checked after uv ran (no refusal: uv does not check RECORD)."""
    built = build_wheel(tmp_path / "dist", "liar", "1.0", {"liar/__init__.py": "X = 1\n"})
    fixed = tmp_path / "fixed" / built.name
    fixed.parent.mkdir()
    with zipfile.ZipFile(built) as src, zipfile.ZipFile(fixed, "w") as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("/RECORD"):
                data = b"".join(
                    (b"liar/__init__.py,sha256=" + b"A" * 43 + b",6\n")
                    if ln.startswith(b"liar/__init__.py,") else ln + b"\n"
                    for ln in data.splitlines())
            out.writestr(info, data)
    index.publish(fixed)
    project = tmp_path / "project"
    write_policy(project, {})
    (project / "requirements.txt").write_text(
        f"liar==1.0 --hash=sha256:{index.sha256(built.name)}\n")
    cache = tmp_path / "cache"
    for name in ("first", "second"):
        py = make_venv(name)
        _install(permpip, index, project, py, cache)
        assert (_site(py) / "liar" / "__init__.py").read_text() == "X = 1\n"
        assert not list((cache / "permpip" / "uv" / "verified").rglob("*.json"))
        assert not list((cache / "permpip" / "uv" / "archive-v0").iterdir())
