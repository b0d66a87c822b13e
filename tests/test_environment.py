"""gate.environment on hand-made site directories: ownership from RECORD, overwrites,
shadows, modules .pth files import, the installed copy checked against the wheel."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from gate import environment
from gate.errors import ScanError
from gate.model import Capability, Phase, normalize
from gate.options import GateOptions, PipOption, Step
from gate.resolve.target import current_target
from tests.builders import build_wheel


def _paths(root: Path) -> environment.InstallPaths:
    site = root / "lib" / "python3.11" / "site-packages"
    site.mkdir(parents=True, exist_ok=True)
    (root / "bin").mkdir(exist_ok=True)
    return environment.InstallPaths(purelib=site, platlib=site, scripts=root / "bin", data=root)


def _install_fake(paths: environment.InstallPaths, name: str, version: str,
                  files: dict[str, str], top_level: str | None = None) -> None:
    site = paths.purelib
    info = site / f"{name}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    for rel, text in files.items():
        dest = site / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(text)
    rows = [f"{rel},," for rel in files] + [f"{info.name}/METADATA,,", f"{info.name}/RECORD,,"]
    (info / "RECORD").write_text("\n".join(rows) + "\n")
    if top_level is not None:
        (info / "top_level.txt").write_text(top_level)


def _wheel(tmp: Path, paths: environment.InstallPaths, name: str, files: dict[str, str],
           **kw: object) -> tuple[Path, environment.WheelFiles]:
    path = build_wheel(tmp / "dist", name, "1.0", files, **kw)  # type: ignore[arg-type]
    return path, environment.read_wheel_files(path, name=normalize(name), version="1.0",
                                              paths=paths)


def test_read_state_owners_tops_and_pth_imports(tmp_path: Path) -> None:
    paths = _paths(tmp_path)
    _install_fake(paths, "Victim", "2.0", {"victim/__init__.py": "", "helper.py": "",
                                           "../../../bin/victim": "#!/bin/sh\n"})
    _install_fake(paths, "editable", "0.1", {"__editable__.editable-0.1.pth": "/src\n"},
                  top_level="gate\n")
    (paths.purelib / "_virtualenv.pth").write_text("import _virtualenv\n")
    state = environment.read_state(paths, current_target())
    assert set(state.dists) == {"victim", "editable"}
    assert state.owner(paths.purelib / "victim" / "__init__.py").name == "victim"
    assert state.owner(paths.scripts / "victim").name == "victim"
    assert state.owner(paths.purelib / "nothing.py") is None
    assert state.packages == {"victim": {"victim"}, "gate": {"editable"}}
    assert state.modules == {"victim": {"victim"}, "helper": {"victim"}, "gate": {"editable"}}
    assert state.dists[normalize("victim")].names.packages == {"victim"}
    assert state.pth_imports == {"_virtualenv": str(paths.purelib / "_virtualenv.pth")}


def test_overwrite_of_an_owned_file_is_refused(tmp_path: Path) -> None:
    paths = _paths(tmp_path)
    _install_fake(paths, "victim", "2.0", {"victim/__init__.py": ""})
    state = environment.read_state(paths, current_target())
    _, evil = _wheel(tmp_path, paths, "evil", {"victim/__init__.py": "x"})
    with pytest.raises(ScanError) as exc:
        environment.check_set([evil], state)
    assert str(exc.value) == (
        f"evil-1.0-py3-none-any.whl: 'victim/__init__.py' would overwrite "
        f"{paths.purelib / 'victim' / '__init__.py'}, a file of victim 2.0")
    # its own file is fine: an upgrade
    _, again = _wheel(tmp_path, paths, "victim", {"victim/__init__.py": "x"})
    assert environment.check_set([again], state) == {"victim": []}


def test_overwrite_of_an_unowned_file_is_refused(tmp_path: Path) -> None:
    paths = _paths(tmp_path)
    (paths.scripts / "python").write_text("")
    state = environment.read_state(paths, current_target())
    _, evil = _wheel(tmp_path, paths, "evil", {"evil/__init__.py": ""},
                     entry_points={"console_scripts": {"python": "evil:main"}})
    with pytest.raises(ScanError, match=r"'entry point python' would overwrite .*/bin/python, "
                                        r"a file of the environment that no installed "
                                        r"distribution owns$"):
        environment.check_set([evil], state)


def test_shadows_are_startup_hooks_findings(tmp_path: Path) -> None:
    paths = _paths(tmp_path)
    _install_fake(paths, "victim", "2.0", {"victim/__init__.py": "", "single.py": ""})
    (paths.purelib / "hook.pth").write_text("import os; import _hooked\n")
    state = environment.read_state(paths, current_target())
    _, evil = _wheel(tmp_path, paths, "evil", {"victim/plant.py": "", "single/__init__.py": "",
                                               "_hooked.py": ""})
    found = environment.check_set([evil], state)["evil"]
    assert [(f.capability, f.phase, f.path, f.detail) for f in found] == [
        (Capability.STARTUP_HOOKS, Phase.STARTUP, "_hooked.py",
         f"provides '_hooked', which {paths.purelib / 'hook.pth'} imports at every "
         "interpreter start"),
        (Capability.STARTUP_HOOKS, Phase.STARTUP, "single/__init__.py",
         "provides 'single', a module of victim 2.0 (installed) too: one shadows the other"),
        (Capability.STARTUP_HOOKS, Phase.STARTUP, "victim/plant.py",
         "installs into 'victim', the package of victim 2.0 (installed)"),
    ]


def test_two_wheels_installing_one_file_are_refused(tmp_path: Path) -> None:
    paths = _paths(tmp_path)
    _, a = _wheel(tmp_path, paths, "aaa", {"shared/x.py": "a"})
    _, b = _wheel(tmp_path, paths, "bbb", {"shared/x.py": "b"})
    with pytest.raises(ScanError, match="'shared/x.py' and aaa-1.0-py3-none-any.whl: "
                                        "'shared/x.py' both install"):
        environment.check_set([a, b], None)


def test_a_wheel_installing_into_a_package_of_the_set_needs_startup_hooks(
        tmp_path: Path) -> None:
    paths = _paths(tmp_path)
    _, a = _wheel(tmp_path, paths, "aaa", {"shared/__init__.py": "", "shared/a.py": ""})
    _, b = _wheel(tmp_path, paths, "bbb", {"shared/b.py": ""})
    found = environment.check_set([a, b], None)
    assert [(f.path, f.detail) for f in found["aaa"]] == [
        ("shared/__init__.py", "makes 'shared', a namespace bbb of the same set installs "
                               "into, a package of its own: its __init__ runs at every import "
                               "under it")]
    assert [(f.path, f.detail) for f in found["bbb"]] == [
        ("shared/b.py", "installs into 'shared', the package of aaa of the same set")]


def test_namespace_packages_are_shared_silently(tmp_path: Path) -> None:
    """google/ is shared by google-auth, protobuf, googleapis-common-protos ..."""
    paths = _paths(tmp_path)
    _install_fake(paths, "google-auth", "2.0", {"google/auth/__init__.py": ""})
    state = environment.read_state(paths, current_target())
    _, a = _wheel(tmp_path, paths, "protobuf", {"google/protobuf/__init__.py": ""})
    _, b = _wheel(tmp_path, paths, "googleapis-common-protos", {"google/api/__init__.py": ""})
    assert environment.check_set([a, b], state) == {"protobuf": [],
                                                   "googleapis-common-protos": []}
    _, evil = _wheel(tmp_path, paths, "evil", {"google/auth/transport.py": ""})
    assert [f.detail for f in environment.check_set([evil], state)["evil"]] == [
        "installs into 'google.auth', the package of google-auth 2.0 (installed)"]


def test_mismatched_finds_a_changed_an_extra_and_a_missing_file(tmp_path: Path) -> None:
    paths = _paths(tmp_path)
    files = {"lib/__init__.py": "OK\n", "lib/util.py": "U\n"}
    path, w = _wheel(tmp_path, paths, "lib", files)
    target = current_target()

    def install(changes: dict[str, str | None], extra: dict[str, str] | None = None) -> None:
        for child in list(paths.purelib.iterdir()):
            import shutil
            shutil.rmtree(child) if child.is_dir() else child.unlink()
        import zipfile
        with zipfile.ZipFile(path) as zf:
            zf.extractall(paths.purelib)
        for rel, text in changes.items():
            if text is None:
                (paths.purelib / rel).unlink()
            else:
                (paths.purelib / rel).write_text(text)
        if extra:
            record = next(paths.purelib.glob("*.dist-info")) / "RECORD"
            for rel, text in extra.items():
                (paths.purelib / rel).write_text(text)
                record.write_text(record.read_text() + f"{rel},,\n")

    install({})
    assert environment.mismatched([(path, w)], environment.read_state(paths, target)) == []
    install({"lib/util.py": "import os\n"})
    assert environment.mismatched([(path, w)], environment.read_state(paths, target)) == ["lib"]
    install({"lib/util.py": None})
    assert environment.mismatched([(path, w)], environment.read_state(paths, target)) == ["lib"]
    install({}, extra={"evil.pth": "import os\n"})
    assert environment.mismatched([(path, w)], environment.read_state(paths, target)) == ["lib"]


def test_changes_say_exactly_what_changed(tmp_path: Path) -> None:
    paths = _paths(tmp_path)
    _install_fake(paths, "a", "1.0", {"a/__init__.py": ""})
    _install_fake(paths, "b", "2.0", {"b/__init__.py": ""})
    _install_fake(paths, "c", "3.0", {"c/__init__.py": ""})
    before = environment.snapshot(paths)
    assert environment.changes(before, before) == []
    import shutil
    site = paths.purelib
    shutil.rmtree(site / "a-1.0.dist-info")
    _install_fake(paths, "a", "1.1", {"a/__init__.py": ""})
    (site / "b-2.0.dist-info" / "RECORD").write_text("b/__init__.py,,\n")
    shutil.rmtree(site / "c-3.0.dist-info")
    _install_fake(paths, "d", "0.1", {"d/__init__.py": ""})
    (site / "half").mkdir()  # a package whose install was cut short: no dist-info yet
    (site / "half" / "__init__.py").write_text("")
    assert environment.changes(before, environment.snapshot(paths)) == [
        "a 1.1 (was 1.0)", "b 2.0 (reinstalled)", "c 3.0 (removed)", "d 0.1 (installed)",
        f"{site / 'half'} (partly written)"]


def test_install_paths_follow_target_prefix_and_root(tmp_path: Path) -> None:
    target = current_target()

    def opts(*pairs: tuple[str, str]) -> GateOptions:
        return GateOptions(pip_options=tuple(PipOption(name=n, value=v, step=Step.INSTALL)
                                             for n, v in pairs))

    t = environment.install_paths(target, opts(("--target", str(tmp_path / "t"))))
    assert (t.purelib, t.scripts) == (tmp_path / "t", tmp_path / "t" / "bin")
    default = environment.install_paths(target, opts())
    p = environment.install_paths(target, opts(("--prefix", str(tmp_path / "p"))))
    rel = default.purelib.relative_to(target.prefix)
    assert p.purelib == tmp_path / "p" / rel
    r = environment.install_paths(target, opts(("--root", str(tmp_path / "r"))))
    assert r.purelib == tmp_path / "r" / str(default.purelib).lstrip("/")
    assert dataclasses.asdict(default)["purelib"] == Path(target.paths["purelib"])


def test_an_init_over_an_installed_namespace_needs_startup_hooks(tmp_path: Path) -> None:
    paths = _paths(tmp_path)
    _install_fake(paths, "nsx-victim", "1.0", {"nsx/victim/__init__.py": ""})
    state = environment.read_state(paths, current_target())
    assert state.namespaces == {"nsx": {"nsx-victim"}}
    _, evil = _wheel(tmp_path, paths, "evil", {"nsx/__init__.py": "import os\n"})
    assert [(f.path, f.detail) for f in environment.check_set([evil], state)["evil"]] == [
        ("nsx/__init__.py", "makes 'nsx', a namespace nsx-victim 1.0 (installed) installs "
                            "into, a package of its own: its __init__ runs at every import "
                            "under it")]


def test_a_file_two_distributions_claim_belongs_to_neither(tmp_path: Path) -> None:
    """RECORD rows are claims: a forged row in another wheel's RECORD does not make the
    file its own to replace."""
    paths = _paths(tmp_path)
    _install_fake(paths, "victim", "1.0", {"victim/__init__.py": "X = 1\n"})
    _install_fake(paths, "aaa-evil", "1.0", {"victim/__init__.py": "X = 1\n"})
    state = environment.read_state(paths, current_target())
    assert state.owner(paths.purelib / "victim" / "__init__.py") is None
    _, evil = _wheel(tmp_path, paths, "aaa-evil", {"victim/__init__.py": "X = 2\n"})
    with pytest.raises(ScanError, match="a file that several installed distributions claim: "
                                        "aaa-evil, victim$"):
        environment.check_set([evil], state)


def test_the_same_bytes_are_not_an_overwrite(tmp_path: Path) -> None:
    """backports.tarfile and other backports.* wheels ship one identical __init__.py."""
    paths = _paths(tmp_path)
    _install_fake(paths, "backports-a", "1.0", {"backports/__init__.py": "", "backports/a.py": ""})
    state = environment.read_state(paths, current_target())
    _, b = _wheel(tmp_path, paths, "backports-b", {"backports/__init__.py": "",
                                                   "backports/b.py": ""})
    _, c = _wheel(tmp_path, paths, "backports-c", {"backports/__init__.py": "",
                                                   "backports/c.py": ""})
    assert environment.check_set([b, c], state) == {"backports-b": [], "backports-c": []}
    _, d = _wheel(tmp_path, paths, "backports-d", {"backports/__init__.py": "import os\n"})
    with pytest.raises(ScanError, match="would overwrite .*, a file of backports-a 1.0$"):
        environment.check_set([d], state)


def test_target_installs_refuse_importable_data_files(tmp_path: Path) -> None:
    root = tmp_path / "t"
    paths = environment.InstallPaths(purelib=root, platlib=root, scripts=root / "bin",
                                     data=root)
    state = environment.read_state(paths, current_target())
    _, w = _wheel(tmp_path, paths, "evil", {"evil/__init__.py": "",
                                            "evil-1.0.data/data/evil_impl/__init__.py": ""})
    with pytest.raises(ScanError, match=r"'evil-1.0.data/data/evil_impl/__init__.py' would "
                                        r"install into .*/t/evil_impl/__init__.py, on the "
                                        r"import path \(--target puts the data scheme "
                                        r"there\), unscanned$"):
        environment.check_set([w], state)


def test_purge_bytecode_of_a_kept_distribution(tmp_path: Path) -> None:
    paths = _paths(tmp_path)
    path, w = _wheel(tmp_path, paths, "lib", {"lib/__init__.py": "OK\n", "lib/data.txt": ""})
    import zipfile
    with zipfile.ZipFile(path) as zf:
        zf.extractall(paths.purelib)
    cache = paths.purelib / "lib" / "__pycache__"
    cache.mkdir()
    for n in ("__init__.cpython-311.pyc", "__init__.cpython-312.pyc", "other.cpython-311.pyc"):
        (cache / n).write_bytes(b"x")
    state = environment.read_state(paths, current_target())
    removed = environment.purge_bytecode(w, state)
    assert sorted(p.name for p in removed) == ["__init__.cpython-311.pyc",
                                               "__init__.cpython-312.pyc"]
    assert sorted(p.name for p in cache.iterdir()) == ["other.cpython-311.pyc"]


@pytest.mark.parametrize("data", [
    b"Metadata-Version: 2.1\nName: a\nVersion: 1\nSummary: x\n  y\n\nbody\n",
    b"name: a\nversion: 1\n\nName: b\n", b"Name: a\nVersion:  1 \n", b"Name:a\nVersion:1",
    b"Name: a\nbad line\nVersion: 1\n", b"Name: a\n folded\nVersion: 1\n",
    b"Version: 1\nName: a\nName: b\n", b"Name: a\r\nVersion: 1\r\n", b"Name: \nVersion: 1\n",
    b"\nName: a\nVersion: 1\n", b"Name: a\nVersion: 1\t\n", b"X: z\nName: a\nVersion: 1\nFrom x\n",
    b"Name: a\nVersion: 1\n \n", b"Name: \xc3\xa9\nVersion: 1\n", b"", b"Name: a",
    b"Name: a\nAuthor: Jos\xc3\xa9\nVersion: 1\n", b"Author: \xe9\n \xff\nName: a\nVersion: 1\n",
    b"Name: a\nVersion: 1\xc2\x85\n", b"Name: a\n\xc3\xa9: x\nVersion: 1\n",
    b"Name: a\nX: \x85Version: 2\nVersion: 1\n", b"Name: a\xe2\x80\xa8\nVersion: 1\n",
    b"Name: a\nVersion: 1\n\r\nbody\r\n\r\n", b"Name: a\r\nVersion: 1\n",
    b"Name: a\n\rVersion: 1\n",
    b"Name: a\n\r\nVersion: 1\n", b"Name: a\nVersion: 1\r", b"Name: a\nVersion: 1",
    b"Name: a\r\nVersion: 1\r\n\r\nbody\r\n", b"Name: a\r\r\nVersion: 1\r\n",
    b"Name: a\r\n folded\r\nVersion: 1\r\n", b"Name: a \r\nVersion: 1\t\r\n\r\n",
])
def test_name_and_version_are_read_as_the_email_parser_reads_them(data: bytes) -> None:
    from email.parser import BytesHeaderParser

    msg = BytesHeaderParser().parsebytes(data)
    name, version = msg.get("Name"), msg.get("Version")
    expected = (str(name), str(version)) if name and version else None
    assert environment._metadata(Path("x.dist-info"), data) == expected
