"""gate.layout: one reading of a wheel's install layout, as pip and uv read it; refusals
where they would differ; .pth lines as any target's site.py reads them."""

from __future__ import annotations

import pytest

from gate.errors import ScanError
from gate.layout import (
    Placed,
    WheelLayout,
    check_record,
    entry_points,
    find_dist_info,
    pth_entry,
    pth_lines,
    read_layout,
)
from tests.builders import build_wheel

WHL = "foo-1.0-py3-none-any.whl"
DI = "foo-1.0.dist-info"
PURE = b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
PLAT = b"Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: cp311-cp311-linux_x86_64\n"


def layout(*names: str, wheel: bytes | None = PURE) -> WheelLayout:
    return read_layout(WHL, [f"{DI}/METADATA", f"{DI}/WHEEL", *names], wheel)


def placed(name: str, wheel: bytes | None = PURE) -> Placed:
    [p] = [p for p in layout(name, wheel=wheel).placed if p.member == name]
    return p


def refusal(*names: str, wheel: bytes | None = PURE) -> str:
    with pytest.raises(ScanError) as exc:
        layout(*names, wheel=wheel)
    return str(exc.value).removeprefix(f"{WHL}: ")


# ---------------------------------------------------------------- placement
@pytest.mark.parametrize(("name", "wheel", "expected"), [
    ("foo/__init__.py", PURE, Placed("foo/__init__.py", "purelib", "foo/__init__.py",
                                     "foo/__init__.py", None)),
    ("foo/_x.so", PLAT, Placed("foo/_x.so", "platlib", "foo/_x.so", "foo/_x.so", None)),
    ("foo/a.py", None, Placed("foo/a.py", "platlib", "foo/a.py", "foo/a.py", None)),
    ("foo-1.0.data/purelib/foo/b.py", PLAT,
     Placed("foo-1.0.data/purelib/foo/b.py", "purelib", "foo/b.py", "foo/b.py", None)),
    ("foo-1.0.data/platlib/foo/c.so", PURE,
     Placed("foo-1.0.data/platlib/foo/c.so", "platlib", "foo/c.so", "foo/c.so", None)),
    ("foo-1.0.data/scripts/foo-tool", PURE,
     Placed("foo-1.0.data/scripts/foo-tool", "scripts", "foo-tool", None, "foo-tool")),
    ("foo-1.0.data/headers/foo.h", PURE,
     Placed("foo-1.0.data/headers/foo.h", "headers", "foo.h", None, None)),
    ("foo-1.0.data/data/share/foo/x.txt", PURE,
     Placed("foo-1.0.data/data/share/foo/x.txt", "data", "share/foo/x.txt", None, None)),
    ("foo-1.0.data/data/bin/foo-cli", PURE,
     Placed("foo-1.0.data/data/bin/foo-cli", "data", "bin/foo-cli", None, "foo-cli")),
    ("foo-1.0.data/data/Scripts/foo.exe", PURE,
     Placed("foo-1.0.data/data/Scripts/foo.exe", "data", "Scripts/foo.exe", None, "foo.exe")),
    ("foo-1.0.data/data/lib/python3.11/site-packages/evil.pth", PURE,
     Placed("foo-1.0.data/data/lib/python3.11/site-packages/evil.pth", "data",
            "lib/python3.11/site-packages/evil.pth", "evil.pth", None)),
    ("foo-1.0.data/data/lib64/python3.13t/site-packages/foo/x.py", PURE,
     Placed("foo-1.0.data/data/lib64/python3.13t/site-packages/foo/x.py", "data",
            "lib64/python3.13t/site-packages/foo/x.py", "foo/x.py", None)),
    ("foo-1.0.data/data/lib/python3/dist-packages/x.pth", PURE,  # Debian
     Placed("foo-1.0.data/data/lib/python3/dist-packages/x.pth", "data",
            "lib/python3/dist-packages/x.pth", "x.pth", None)),
    ("foo-1.0.data/data/Lib/site-packages/x.pth", PURE,  # Windows
     Placed("foo-1.0.data/data/Lib/site-packages/x.pth", "data", "Lib/site-packages/x.pth",
            "x.pth", None)),
    ("foo-1.0.data/data/lib/libfoo.so.1", PURE,  # shared libraries in <prefix>/lib: fine
     Placed("foo-1.0.data/data/lib/libfoo.so.1", "data", "lib/libfoo.so.1", None, None)),
    ("foo-1.0.data/data/etc/jupyter/nbconfig/foo.json", PURE,
     Placed("foo-1.0.data/data/etc/jupyter/nbconfig/foo.json", "data",
            "etc/jupyter/nbconfig/foo.json", None, None)),
])
def test_placement(name: str, wheel: bytes | None, expected: Placed) -> None:
    assert placed(name, wheel) == expected


def test_every_file_member_is_placed_in_archive_order_directories_excluded() -> None:
    got = layout("foo/", "foo/__init__.py", "foo-1.0.data/", "foo-1.0.data/scripts/",
                 "foo-1.0.data/scripts/run")
    assert got.dist_info == DI and got.root_is_purelib and got.data_dir == "foo-1.0.data"
    assert [p.member for p in got.placed] == [f"{DI}/METADATA", f"{DI}/WHEEL",
                                              "foo/__init__.py", "foo-1.0.data/scripts/run"]
    assert got.placed[0] == Placed(f"{DI}/METADATA", "purelib", f"{DI}/METADATA",
                                   f"{DI}/METADATA", None)
    assert set(got.site_files()) == {f"{DI}/METADATA", f"{DI}/WHEEL", "foo/__init__.py"}


@pytest.mark.parametrize(("wheel", "purelib"), [
    (PURE, True), (PLAT, False), (None, False), (b"Wheel-Version: 1.0\n", False),
    (b"Wheel-Version: 1.0\nRoot-Is-Purelib: True\n", True),  # jsonref 1.1.0: pip's reading
])
def test_root_is_purelib(wheel: bytes | None, purelib: bool) -> None:
    assert layout("foo/a.py", wheel=wheel).root_is_purelib is purelib


def test_wheel_file_must_be_utf8() -> None:
    assert refusal("foo/a.py", wheel=b"Root-Is-Purelib: \xff\n") == f"{DI}/WHEEL is not UTF-8"


def test_read_from_a_built_wheel(tmp_path: object) -> None:
    import zipfile
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    whl = build_wheel(tmp_path, "foo", "1.0", {"foo/__init__.py": "",
                                                "foo-1.0.data/scripts/run": "#!python\n"})
    with zipfile.ZipFile(whl) as zf:
        got = read_layout(whl.name, zf.namelist(), zf.read(f"{DI}/WHEEL"))
    assert {p.member: (p.site, p.script) for p in got.placed} == {
        "foo/__init__.py": ("foo/__init__.py", None),
        "foo-1.0.data/scripts/run": (None, "run"),
        f"{DI}/METADATA": (f"{DI}/METADATA", None), f"{DI}/WHEEL": (f"{DI}/WHEEL", None),
        f"{DI}/RECORD": (f"{DI}/RECORD", None)}


# ---------------------------------------------------------------- names
BACKSLASH = ("has a backslash in its name (a file name character on POSIX, a directory "
             "separator on Windows)")


@pytest.mark.parametrize(("name", "message"), [
    ("pkg\\evil.pth", f"member 'pkg\\evil.pth' {BACKSLASH}"),
    ("foo\\", f"member 'foo\\' {BACKSLASH}"),
    ("foo/a\x1b.py", "member 'foo/a\\x1b.py' has a control or invisible character in its "
                     "name (uv refuses it, pip installs it)"),
    ("foo/\u200bos.py", "member 'foo/\\u200bos.py' has a control or invisible character in "
                        "its name (uv refuses it, pip installs it)"),
    ("a/./b.py", "member 'a/./b.py' is not a normal path (pip installs it as 'a/b.py', uv "
                 "as written)"),
    ("a//b.py", "member 'a//b.py' is not a normal path (pip installs it as 'a/b.py', uv as "
                "written)"),
    ("./a.py", "member './a.py' is not a normal path (pip installs it as 'a.py', uv as "
               "written)"),
    ("a/../b.py", "member 'a/../b.py' escapes the archive (path traversal)"),
    ("/etc/x", "member '/etc/x' has an empty or absolute path"),
    ("C:/x.py", "member 'C:/x.py' has an empty or absolute path"),
    ("a/.//", "member 'a/.//' is not a normal path (pip installs it as 'a', uv as written)"),
])
def test_names_readers_disagree_on(name: str, message: str) -> None:
    assert refusal("foo/__init__.py", name) == message


# ---------------------------------------------------------------- .dist-info and .data
@pytest.mark.parametrize(("names", "message"), [
    ([], "expected one .dist-info directory, found 0"),
    ([f"{DI}/METADATA", "bar-1.0.dist-info/METADATA"],
     "expected one .dist-info directory, found 2 (bar-1.0.dist-info, foo-1.0.dist-info)"),
    ([f"{DI}/METADATA", "bar-1.0.dist-info/"],  # an empty directory counts for pip and uv
     "expected one .dist-info directory, found 2 (bar-1.0.dist-info, foo-1.0.dist-info)"),
    ([f"{DI}/METADATA", "bar.dist-info"],  # pip counts a file too
     "expected one .dist-info directory, found 2 (bar.dist-info, foo-1.0.dist-info)"),
    ([DI], "foo-1.0.dist-info is not a directory"),
    (["bar-1.0.dist-info/METADATA"],
     "bar-1.0.dist-info is not the metadata of foo (pip refuses it, uv installs it)"),
])
def test_dist_info(names: list[str], message: str) -> None:
    with pytest.raises(ScanError) as exc:
        read_layout(WHL, ["foo/__init__.py", *names], PURE)
    assert str(exc.value) == f"{WHL}: {message}"


def test_dist_info_named_like_the_project_in_another_spelling() -> None:
    got = read_layout("zope.interface-7.0-cp311-cp311-linux_x86_64.whl",
                      ["zope/interface/__init__.py", "zope.interface-7.0.dist-info/METADATA"],
                      PLAT)
    assert got.dist_info == "zope.interface-7.0.dist-info"
    assert find_dist_info("x.whl", ["a/b", "Foo_Bar-1.dist-info/RECORD"]) == \
        "Foo_Bar-1.dist-info"


@pytest.mark.parametrize("name", ["zzz.data/purelib/x.pth", "foo-1.0.DATA/purelib/x.pth",
                                  "Foo-1.0.data/purelib/x.pth", "foo-2.0.data/scripts/x",
                                  "x.data", "other.data/"])
def test_other_data_directories(name: str) -> None:
    # pip installs ANY top-level '*.data' as data (zzz.data/purelib/x.pth runs at every
    # start); uv only '{dist-info prefix}.data', the rest stays an inert directory
    top = name.split("/")[0]
    assert refusal("foo/__init__.py", name) == (
        f"member '{name}' is in {top}, a .data directory other than foo-1.0.data (pip "
        f"installs it as data, uv as a directory of that name)")


@pytest.mark.parametrize(("name", "message"), [
    ("foo-1.0.data/x.py", "member 'foo-1.0.data/x.py' is not in a scheme directory of "
                          "foo-1.0.data (expected foo-1.0.data/<scheme>/<path>)"),
    ("foo-1.0.data/purelib", "member 'foo-1.0.data/purelib' is not in a scheme directory of "
                             "foo-1.0.data (expected foo-1.0.data/<scheme>/<path>)"),
    ("foo-1.0.data", "member 'foo-1.0.data' is not in a scheme directory of foo-1.0.data "
                     "(expected foo-1.0.data/<scheme>/<path>)"),
    ("foo-1.0.data/elsewhere/x.py", "member 'foo-1.0.data/elsewhere/x.py' uses 'elsewhere', "
                                    "not a wheel scheme (data, headers, platlib, purelib, "
                                    "scripts)"),
    ("foo-1.0.data/PURELIB/x.py", "member 'foo-1.0.data/PURELIB/x.py' uses 'PURELIB', not a "
                                  "wheel scheme (data, headers, platlib, purelib, scripts)"),
    ("foo-1.0.data/scripts/sub/tool", "member 'foo-1.0.data/scripts/sub/tool' is in a "
                                      "subdirectory of foo-1.0.data/scripts (uv refuses it, "
                                      "pip installs it)"),
])
def test_data_scheme_keys(name: str, message: str) -> None:
    assert refusal("foo/__init__.py", name) == message


# ---------------------------------------------------------------- collisions
@pytest.mark.parametrize(("first", "second", "where"), [
    ("foo/a.py", "foo-1.0.data/purelib/foo/a.py", "site-packages/foo/a.py"),
    ("foo/a.py", "foo-1.0.data/platlib/foo/a.py", "site-packages/foo/a.py"),
    ("foo-1.0.data/purelib/x.pth", "foo-1.0.data/data/lib/python3.11/site-packages/x.pth",
     "site-packages/x.pth"),
    ("foo/A.py", "foo/a.py", "site-packages/foo/a.py"),  # one file on macOS and Windows
    ("foo-1.0.data/scripts/tool", "foo-1.0.data/data/bin/tool", "<scripts>/tool"),
    ("foo-1.0.data/data/share/x", "foo-1.0.data/data/share/X", "<prefix>/share/X"),
])
def test_two_members_at_one_destination(first: str, second: str, where: str) -> None:
    assert refusal(first, second) == (f"members '{first}' and '{second}' both install as "
                                      f"{where} (one would replace the other)")


def test_a_file_where_another_member_needs_a_directory() -> None:
    assert refusal("foo/a.py", "foo-1.0.data/purelib/foo/a.py/b.py") == (
        "member 'foo-1.0.data/purelib/foo/a.py/b.py' installs below site-packages/foo/a.py, "
        "which member 'foo/a.py' installs as a file")


# ---------------------------------------------------------------- planted metadata
@pytest.mark.parametrize("name", [
    "bar-1.0.DIST-INFO/METADATA",  # importlib.metadata matches case-insensitively
    "bar.egg-info/PKG-INFO", "bar.egg-info", "Bar.Egg-Info/PKG-INFO", "bar.egg-link",
    "foo-1.0.data/purelib/bar-1.0.dist-info/METADATA",
    "foo-1.0.data/data/lib/python3.11/site-packages/bar.egg-info/PKG-INFO",
])
def test_planted_distribution_metadata(name: str) -> None:
    site = name.split("site-packages/")[-1].removeprefix("foo-1.0.data/purelib/")
    assert refusal("foo/__init__.py", name) == (
        f"member '{name}' would install as site-packages/{site}, distribution metadata other "
        f"than the wheel's own {DI}")


def test_metadata_into_the_own_dist_info_from_data() -> None:
    assert refusal("foo/__init__.py", f"foo-1.0.data/purelib/{DI}/entry_points.txt") == (
        f"member 'foo-1.0.data/purelib/{DI}/entry_points.txt' would install into {DI} from "
        f"foo-1.0.data; only the wheel's root {DI} holds its metadata")


def test_vendored_metadata_below_the_top_level_is_fine() -> None:
    # setuptools ships setuptools/_vendor/*.dist-info
    got = layout("setuptools/_vendor/packaging-24.2.dist-info/METADATA")
    assert got.placed[-1].site == "setuptools/_vendor/packaging-24.2.dist-info/METADATA"


# ---------------------------------------------------------------- the environment itself
@pytest.mark.parametrize(("rel", "what"), [
    ("pip.conf", "pip's configuration for this environment"),
    ("pip.ini", "pip's configuration for this environment"),
    ("PIP.CONF", "pip's configuration for this environment"),
    ("pyvenv.cfg", "the file that makes it a virtual environment and names its interpreter"),
    ("uv.toml", "uv's configuration for this environment"),
    ("share/foo/pip.conf", "a pip configuration file"),
    ("etc/pip.conf", "a pip configuration file"),
    ("etc/xdg/uv/uv.toml", "a uv configuration file"),
    ("evil.pth", "at the root of the environment"),
    ("README", "at the root of the environment"),
    ("etc/pip/extra.conf", "where pip reads its configuration"),
    ("etc/xdg/pip/x", "where pip reads its configuration"),
    ("etc/uv/x", "where uv reads its configuration"),
    ("lib/python3.11/os.py", "beside the standard library"),
    ("lib/python3.11/encodings/evil.py", "beside the standard library"),
    ("lib64/python3.12/x.pth", "beside the standard library"),
    ("Lib/os.py", "beside the standard library on Windows"),
    ("DLLs/_socket.pyd", "beside the standard library on Windows"),
])
def test_files_that_take_over_the_environment(rel: str, what: str) -> None:
    member = f"foo-1.0.data/data/{rel}"
    assert refusal("foo/__init__.py", member) == f"{member} would install as <prefix>/{rel}, {what}"


@pytest.mark.parametrize(("member", "script", "what"), [
    ("foo-1.0.data/data/bin/activate", "activate", "activation script"),
    ("foo-1.0.data/data/bin/activate.fish", "activate.fish", "activation script"),
    ("foo-1.0.data/data/Scripts/Activate.ps1", "Activate.ps1", "activation script"),
    ("foo-1.0.data/scripts/activate_this.py", "activate_this.py", "activation script"),
    ("foo-1.0.data/scripts/python", "python",
     "Python interpreter (uv refuses it, pip installs it)"),
    ("foo-1.0.data/scripts/python3.12", "python3.12",
     "Python interpreter (uv refuses it, pip installs it)"),
    ("foo-1.0.data/data/bin/python3.13t", "python3.13t",
     "Python interpreter (uv refuses it, pip installs it)"),
    ("foo-1.0.data/data/Scripts/python.exe", "python.exe",
     "Python interpreter (uv refuses it, pip installs it)"),
])
def test_scripts_that_replace_the_environments_own(member: str, script: str,
                                                    what: str) -> None:
    assert refusal("foo/__init__.py", member) == (
        f"{member} would install as <scripts>/{script}, replacing the environment's {what}")


@pytest.mark.parametrize("member", ["foo-1.0.data/scripts/python-foo",
                                    "foo-1.0.data/scripts/activator",
                                    "foo-1.0.data/data/bin/pythonic"])
def test_scripts_named_like_them_are_fine(member: str) -> None:
    assert placed(member).script == member.rsplit("/", 1)[-1]


# ---------------------------------------------------------------- files the interpreter reads
PTH_FILE = ("a ._pth file: beside an interpreter or libpython it REPLACES sys.path before "
            "anything is imported (CPython getpath)")
BUILDDIR = ("pybuilddir.txt: beside the interpreter it makes it read its standard library "
            "from a build tree (CPython getpath)")
ZIP = ("the standard library archive the interpreter beside it puts first on sys.path "
       "(CPython getpath)")
DLL = "a DLL the interpreter beside it loads before anything else (Windows)"
BIN_SUBDIR = ("in a subdirectory of the scripts directory, which is sys.path[0] of every "
              "script run from it (a package there shadows site-packages and the standard "
              "library)")


@pytest.mark.parametrize(("script", "what"), [
    # getpath reads <executable>._pth for the name the interpreter was started as
    ("python._pth", PTH_FILE), ("python3._pth", PTH_FILE), ("python3.12._pth", PTH_FILE),
    ("pythonw._pth", PTH_FILE), ("anything._PTH", PTH_FILE),
    ("pyvenv.cfg", "a virtual environment's configuration file"),  # bin/pyvenv.cfg is read
    ("pybuilddir.txt", BUILDDIR), ("PyBuildDir.txt", BUILDDIR),
    ("python312.zip", ZIP), ("python3.13t.zip", ZIP),
    ("python312.dll", DLL), ("python3.dll", DLL), ("vcruntime140.dll", DLL),
])
def test_scripts_the_interpreter_reads_at_startup(script: str, what: str) -> None:
    member = f"foo-1.0.data/scripts/{script}"
    assert refusal("foo/__init__.py", member) == (
        f"{member} would install as <scripts>/{script}, {what}")
    for rel in (f"bin/{script}", f"Scripts/{script}"):  # the data scheme's own words
        member = f"foo-1.0.data/data/{rel}"
        assert refusal("foo/__init__.py", member) in (
            f"{member} would install as <scripts>/{script}, {what}",
            f"{member} would install as <prefix>/{rel}, {what}")


@pytest.mark.parametrize(("rel", "what"), [
    ("bin/python._pth", PTH_FILE), ("lib/libpython3.12.so._pth", PTH_FILE),
    ("share/foo/x._pth", PTH_FILE), ("python312._pth", PTH_FILE),
    ("bin/pybuilddir.txt", BUILDDIR), ("pybuilddir.txt", BUILDDIR),
    ("lib/python312.zip", "beside the standard library"),  # getpath's ZIP_LANDMARK
    ("lib64/python313t.zip", "beside the standard library"),
    ("lib/libpython3.12.so.1.0", "where the interpreter's shared library libpython is "
                                 "loaded from"),
    ("lib64/libpython3.so", "where the interpreter's shared library libpython is loaded "
                            "from"),
    # bin/ is sys.path[0] of every script run from it; getpath reads bin/Modules/Setup.local
    ("bin/evil/encodings/__init__.py", BIN_SUBDIR), ("bin/Modules/Setup.local", BIN_SUBDIR),
    ("bin/sub/x", BIN_SUBDIR), ("Scripts/sub/x.exe", BIN_SUBDIR),
    ("bin/__pycache__/tool.cpython-312.pyc", BIN_SUBDIR),
])
def test_data_files_the_interpreter_reads_at_startup(rel: str, what: str) -> None:
    member = f"foo-1.0.data/data/{rel}"
    assert refusal("foo/__init__.py", member) == (
        f"{member} would install as <prefix>/{rel}, {what}")


@pytest.mark.parametrize("member", [
    "foo/x._pth",  # in site-packages: nothing reads it
    "foo-1.0.data/data/lib/libfoo.so.1", "foo-1.0.data/data/lib/gmsh.jl",
    "foo-1.0.data/scripts/python-zip-tool", "foo-1.0.data/data/share/foo/pybuilddir.md",
])
def test_names_like_them_elsewhere_are_fine(member: str) -> None:
    assert placed(member).member == member


# ---------------------------------------------------------------- .pth lines
@pytest.mark.parametrize(("data", "expected"), [
    (b"", []),
    (b"# comment\n\n   \n", []),
    (b"import os\n", [(1, "import os", True)]),
    (b"import\tos\n", [(1, "import\tos", True)]),
    (b"  import os\n", [(1, "  import os", False)]),  # not exec'd: a (missing) path
    (b"importos\n", [(1, "importos", False)]),
    (b"./src  \n", [(1, "./src", False)]),  # site.py rstrips path lines
    (b"import os  \n", [(1, "import os  ", True)]),
    (b"#import os\nimport sys", [(2, "import sys", True)]),
    # 3.11/3.12 universal newlines and 3.13 splitlines agree on \r and \r\n
    (b"a\rimport os\r\nb", [(1, "a", False), (2, "import os", True), (3, "b", False)]),
    # 3.13 splits on \f (and \v, \x1c-\x1e): the import runs there; 3.11 reads one path
    (b"foo\x0cimport os\n", [(1, "foo", False), (1, "foo\x0cimport os", False),
                             (2, "import os", True)]),
    (b"foo\x0bimport os\n", [(1, "foo", False), (1, "foo\x0bimport os", False),
                             (2, "import os", True)]),
    (b"foo\x1dimport os", [(1, "foo", False), (1, "foo\x1dimport os", False),
                           (2, "import os", True)]),
    # U+2028 and U+0085 in UTF-8 end a line for 3.13
    ("foo\u2028import os".encode(), [(1, "foo", False), (1, "foo\u2028import os", False),
                                    (2, "import os", True)]),
    ("foo\x85import os".encode(), [(1, "foo", False), (1, "foo\x85import os", False),
                                  (2, "import os", True)]),
    # a UTF-8 BOM: dropped by 3.13 (utf-8-sig), kept by 3.11/3.12 (not an import there)
    (b"\xef\xbb\xbfimport os\n", [(1, "import os", True), (1, "\ufeffimport os", False)]),
    # not UTF-8: the locale encoding; latin-1's \x85 is NEL, a line end for 3.13
    (b"x\xe9\x85import os\n", [(1, "x\xe9", False), (1, "x\xe9\x85import os", False),
                               (1, "x\xe9\u2026import os", False),
                               (1, "x\ufffdimport os", False), (2, "import os", True)]),
    (b"import os # \xff\n", [(1, "import os # \xff", True), (1, "import os # \ufffd", True)]),
])
def test_pth_lines(data: bytes, expected: list[tuple[int, str, bool]]) -> None:
    assert pth_lines(data) == expected


# ---------------------------------------------------------------- .pth path lines
@pytest.mark.parametrize(("text", "expected"), [
    (".", [("site-packages", "")]),
    ("./foo/vendor", [("site-packages", "foo/vendor")]),
    ("foo/hooks.zip", [("site-packages", "foo/hooks.zip")]),
    # leaving site-packages: POSIX lib/pythonX.Y/site-packages, Windows Lib/site-packages
    ("../../../share/evil", [("<prefix>", "share/evil")]),
    ("../../share/evil", [("<prefix>", "lib/share/evil"), ("<prefix>", "share/evil")]),
    ("../../../bin", [("<scripts>", "")]),
    ("../../../Scripts/x", [("<scripts>", "x")]),
    ("../../../lib/python3.12/site-packages/foo", [("site-packages", "foo")]),
    ("../../..", [("<prefix>", "")]),
    ("../../../..", []),  # above the prefix: nothing a wheel installs
    ("/usr/lib/python3/dist-packages", None), ("C:/x", None), ("\\\\server\\x", None),
])
def test_pth_entry(text: str, expected: list[tuple[str, str]] | None) -> None:
    assert pth_entry(text) == expected


# ---------------------------------------------------------------- entry_points.txt
EP_WHL = "x.whl"


def ep_refusal(text: str | bytes) -> str:
    with pytest.raises(ScanError) as exc:
        entry_points(EP_WHL, text.encode() if isinstance(text, str) else text)
    return str(exc.value).removeprefix(f"{EP_WHL}: entry_points.txt ")


def test_entry_points_as_pip_reads_them() -> None:
    text = ("# a comment\n[console_scripts]\nfoo = foo.cli:main\nfoo-bar=foo:main [extra]\r\n"
            "\n  # an indented comment\n[gui_scripts]\nfoo-gui = foo:gui\n"
            "[pytest11]\nfoo = foo.plugin\n[foo.plugins]\nx y = foo:X\n")
    assert entry_points(EP_WHL, text.encode()) == [
        ("console_scripts", "foo", "foo.cli:main"),
        ("console_scripts", "foo-bar", "foo:main [extra]"),
        ("gui_scripts", "foo-gui", "foo:gui"),
        ("pytest11", "foo", "foo.plugin"),
        ("foo.plugins", "x y", "foo:X"),
    ]


@pytest.mark.parametrize(("text", "message"), [
    # configparser reads a continuation of 'evil-tool', pip and uv an entry point
    ("[console_scripts]\nevil-tool = evilpkg:main\n    activate = evilpkg:main\n",
     "line 3 is indented (configparser continues the value before with it, pip and uv "
     "read an entry point)"),
    ("[console_scripts]\n\tactivate = x:y\n",
     "line 2 is indented (configparser continues the value before with it, pip and uv "
     "read an entry point)"),
    # str.splitlines (pip) ends a line where uv's reader does not
    ("[console_scripts]\nfoo = x:y\ractivate = x:y\n",
     "line 2 has '\\r', a line break for pip (str.splitlines), not for uv"),
    ("[console_scripts]\nfoo = x:y\x0bactivate = x:y\n",
     "line 2 has '\\x0b', a line break for pip (str.splitlines), not for uv"),
    ("[console_scripts]\nfoo = x:y\x1cactivate = x:y\n",
     "line 2 has '\\x1c', a line break for pip (str.splitlines), not for uv"),
    ("[console_scripts]\nfoo = x:y\u2028activate = x:y\n",
     "line 2 has '\\u2028', a line break for pip (str.splitlines), not for uv"),
    ("[console_scripts]\nfoo = x:y\x85activate = x:y\n",
     "line 2 has '\\x85', a line break for pip (str.splitlines), not for uv"),
    # Python and Rust strip different characters
    ("[console_scripts]\n\x1ffoo = x:y\n", "line 2 has '\\x1f', a control, invisible or "
     "non-ASCII space character readers strip differently"),
    ("[console_scripts]\n\xa0activate = x:y\n", "line 2 has '\\xa0', a control, invisible or "
     "non-ASCII space character readers strip differently"),
    ("\ufeff[console_scripts]\nfoo = x:y\n", "line 1 has '\\ufeff', a control, invisible or "
     "non-ASCII space character readers strip differently"),
    # uv's reader: ';' starts a comment, '#' and ';' also inline
    ("[console_scripts]\n;activate = x:y\n",
     "line 2 has '#' or ';' (uv reads a comment from there, pip does not)"),
    ("[console_scripts]\nfoo # = x:y\n",
     "line 2 has '#' or ';' (uv reads a comment from there, pip does not)"),
    ("[console_scripts] # scripts\nactivate = x:y\n",
     "line 1 has '#' or ';' (uv reads a comment from there, pip does not)"),
    # headers: uv trims, pip does not; pip strips every bracket, uv one
    ("[ console_scripts ]\nactivate = x:y\n",
     "line 1 '[ console_scripts ]' is a group header pip and uv (or configparser) read "
     "differently"),
    ("[[console_scripts]]\nactivate = x:y\n",
     "line 1 '[[console_scripts]]' is a group header pip and uv (or configparser) read "
     "differently"),
    ("[console_scripts] x\nactivate = x:y\n",
     "line 1 '[console_scripts] x' is a group header pip and uv (or configparser) read "
     "differently"),
    ("[]\nactivate = x:y\n",
     "line 1 '[]' is a group header pip and uv (or configparser) read differently"),
    ("[DEFAULT]\nactivate = x:y\n[console_scripts]\nfoo = x:y\n",  # configparser inherits it
     "line 1 '[DEFAULT]' is a group header pip and uv (or configparser) read differently"),
    ("activate = x:y\n[console_scripts]\n",
     "line 1 comes before any [group] (pip ignores it, uv and configparser do not)"),
    ("[console_scripts]\nactivate\n",
     "line 2 is not 'name = value' (pip fails on it, uv reads a key without a value)"),
    ("[console_scripts]\n= x:y\n",
     "line 2 is not 'name = value' (pip fails on it, uv reads a key without a value)"),
    ("[console_scripts]\nfoo = x:y\nfoo = x:z\n", "line 3 repeats 'foo' of [console_scripts] "
     "(line 2)"),
    ("[console_scripts]\nfoo = x:y\n[gui_scripts]\nFOO = x:z\n", "line 4 script 'FOO' installs "
     "where line 2's 'foo' does (one replaces the other)"),
    # pip (distlib) installs the last word of a name with a space; a name with a path
    # separator is written outside the scripts directory
    ("[console_scripts]\nmy activate = x:y\n", "line 2 names a script 'my activate', not one "
     "plain file name"),
    ("[console_scripts]\n../lib/python3.12/site-packages/x.pth = x:y\n",
     "line 2 names a script '../lib/python3.12/site-packages/x.pth', not one plain file name"),
    ("[gui_scripts]\n..\\x = x:y\n", "line 2 names a script '..\\\\x', not one plain file name"),
    ("[console_scripts]\n.. = x:y\n", "line 2 names a script '..', not one plain file name"),
    ("[console_scripts]\n-rf = x:y\n", "line 2 names a script '-rf', not one plain file name"),
    # pip writes its launcher there: getpath reads it as sys.path (a broken interpreter)
    ("[console_scripts]\npython3._pth = x:y\n", f"line 2 names a script 'python3._pth', a "
     f"file the interpreter beside it reads at startup ({PTH_FILE})"),
    ("[gui_scripts]\npybuilddir.txt = x:y\n", f"line 2 names a script 'pybuilddir.txt', a file "
     f"the interpreter beside it reads at startup ({BUILDDIR})"),
    ("[console_scripts]\npython312.zip = x:y\n", "line 2 names a script 'python312.zip', a "
     "file the interpreter beside it reads at startup (CPython getpath, Windows)"),
    # pip searches its pattern and ignores the rest, uv anchors it
    ("[console_scripts]\nfoo = x:y=z\n", "line 2 has a script value 'x:y=z' pip and uv read "
     "differently"),
    ("[console_scripts]\nfoo = x y:z\n", "line 2 has a script value 'x y:z' pip and uv read "
     "differently"),
    ("[console_scripts]\nfoo = x\n", "line 2 has a script value 'x' pip and uv read "
     "differently"),
])
def test_entry_points_read_differently(text: str, message: str) -> None:
    assert ep_refusal(text) == message


def test_entry_points_not_utf8() -> None:
    assert ep_refusal(b"[console_scripts]\nfoo = x:y # \xff\n") == (
        "is not UTF-8 (pip and uv cannot read it)")


# ---------------------------------------------------------------- RECORD
def test_record_rows_for_files_the_wheel_holds() -> None:
    names = [f"{DI}/METADATA", f"{DI}/RECORD", "foo/", "foo/__init__.py"]
    record = (f"{DI}/METADATA,sha256=x,1\r\nfoo/__init__.py,,\n\"foo/\",,\n{DI}/RECORD,,\n"
              f"{DI}/RECORD.jws,,\n{DI}/RECORD.p7s,,\n").encode()
    check_record(WHL, names, DI, record)
    check_record(WHL, names, DI, b"")  # omissions are fine


@pytest.mark.parametrize(("row", "path"), [
    ("victim/__init__.py,,", "victim/__init__.py"),
    ("../../../bin/python,,", "../../../bin/python"),
    ("foo,,", "foo"),  # the directory is 'foo/'
    ("Foo/__init__.py,,", "Foo/__init__.py"),
    ("bar-1.0.dist-info/RECORD.jws,,", "bar-1.0.dist-info/RECORD.jws"),
    (",,", ""),
    ('"foo/__init__.py\nvictim.py",,', "foo/__init__.pyvictim.py"),  # split lines, rejoined
])
def test_record_rows_for_files_it_does_not_hold(row: str, path: str) -> None:
    names = [f"{DI}/METADATA", f"{DI}/RECORD", "foo/", "foo/__init__.py"]
    with pytest.raises(ScanError) as exc:
        check_record(WHL, names, DI, f"foo/__init__.py,,\n{row}\n".encode())
    assert str(exc.value) == (f"{WHL}: {DI}/RECORD lists {path!r}, which the wheel does not "
                              f"hold (pip would record it as this distribution's file)")


def test_record_not_utf8() -> None:
    with pytest.raises(ScanError) as exc:
        check_record(WHL, [], DI, b"\xff,,\n")
    assert str(exc.value) == f"{WHL}: {DI}/RECORD is not UTF-8"


# ---------------------------------------------------------------- metadata names by case
@pytest.mark.parametrize(("base", "known"), [
    ("Entry_Points.txt", "entry_points.txt"), ("ENTRY_POINTS.TXT", "entry_points.txt"),
    ("metadata", "METADATA"), ("Record", "RECORD"), ("Top_Level.txt", "top_level.txt"),
])
def test_metadata_named_in_another_case(base: str, known: str) -> None:
    # read from the archive by exact name, from a macOS or Windows file system by any case
    with pytest.raises(ScanError) as exc:
        read_layout(WHL, [f"{DI}/METADATA", f"{DI}/{base}", "foo/__init__.py"], PURE)
    assert str(exc.value) == (f"{WHL}: member '{DI}/{base}' is {DI}/{known} on a "
                              f"case-insensitive file system (macOS, Windows), not in the "
                              f"archive")
