"""gate.scan.sdist: what runs at build time, and the tree that would be installed."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from gate.errors import ScanError
from gate.model import PackageScan
from gate.scan import scan_artifact
from gate.scan.sdist import keep
from tests.builders import Files, build_sdist, metadata_text, sdist_from_project

SAMPLES = Path(__file__).resolve().parents[2] / "sample_projects"

SETUPTOOLS = ('[build-system]\nrequires = ["setuptools>=70"]\n'
              'build-backend = "setuptools.build_meta"\n')
HATCHLING = '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
SETUP_PY_RUNS = ("install-hooks", "setup.py", 0, "install", "setup.py runs at install")
CARGO_RUNS = ("cargo runs the build scripts and procedural macros of the crate and its "
              "dependencies at build time")


def scan(tmp_path: Path, files: Files) -> PackageScan:
    return scan_artifact(build_sdist(tmp_path, "foo", "1.0", files))


def where(s: PackageScan) -> set[tuple[str, str, int, str]]:
    return {(str(f.capability), f.path, f.line, str(f.phase)) for f in s.findings}


def evidence(s: PackageScan) -> set[tuple[str, str, int, str, str]]:
    return {(str(f.capability), f.path, f.line, str(f.phase), f.detail) for f in s.findings}


def mine(s: PackageScan) -> set[tuple[str, str, int, str, str]]:
    """Findings the sdist scanner words itself (not those of the Python scanner)."""
    own = ("install-hooks", "native", "unanalyzed", "startup-hooks")
    return {e for e in evidence(s) if e[0] in own}


@pytest.mark.parametrize("pyproject", [HATCHLING, SETUPTOOLS,
                                       SETUPTOOLS.replace("build_meta", "build_meta:__legacy__"),
                                       '[build-system]\nrequires = ["flit_core"]\n'
                                       'build-backend = "flit_core.buildapi"\n'])
def test_pure_python_with_standard_backend_has_no_hooks(tmp_path: Path, pyproject: str) -> None:
    s = scan(tmp_path, {"pyproject.toml": pyproject, "foo/__init__.py": "x = 1\n"})
    assert (s.name, s.version, s.filename) == ("foo", "1.0", "foo-1.0.tar.gz")
    assert s.findings == ()


def test_setup_py_runs_with_setuptools_backend(tmp_path: Path) -> None:
    s = scan(tmp_path, {"pyproject.toml": SETUPTOOLS,
                        "setup.py": "import os\nos.system('id')\nfrom setuptools import setup\n"
                                    "setup()\n"})
    assert mine(s) == {SETUP_PY_RUNS}
    assert ("subprocess", "setup.py", 2, "install") in where(s)


@pytest.mark.parametrize("pyproject", [None, "[project]\nname = 'foo'\n",
                                       '[build-system]\nrequires = ["setuptools"]\n'])
def test_setup_py_runs_without_a_declared_backend(tmp_path: Path, pyproject: str | None) -> None:
    files: dict[str, str] = {"setup.py": "from setuptools import setup\nsetup()\n"}
    if pyproject is not None:
        files["pyproject.toml"] = pyproject
    assert mine(scan(tmp_path, files)) == {SETUP_PY_RUNS}


def test_setup_py_does_not_run_with_another_backend(tmp_path: Path) -> None:
    s = scan(tmp_path, {"pyproject.toml": HATCHLING, "setup.py": "import os\nos.system('id')\n"})
    assert mine(s) == set()
    assert ("subprocess", "setup.py", 2, "import") in where(s)


def test_in_tree_backend(tmp_path: Path) -> None:
    pyproject = ('[build-system]\nrequires = []\nbuild-backend = "backend"\n'
                 'backend-path = ["_build"]\n')
    s = scan(tmp_path, {"pyproject.toml": pyproject,
                        "_build/backend.py": "import subprocess\nsubprocess.run(['id'])\n",
                        "foo/__init__.py": ""})
    assert mine(s) == {("install-hooks", "pyproject.toml", 4, "install",
                        "in-tree build backend backend (backend-path)")}
    assert ("subprocess", "_build/backend.py", 2, "install") in where(s)


def test_custom_backend(tmp_path: Path) -> None:
    pyproject = '[build-system]\nrequires = ["mybackend"]\nbuild-backend = "mybackend.api"\n'
    s = scan(tmp_path, {"pyproject.toml": pyproject, "foo/__init__.py": ""})
    assert mine(s) == {("install-hooks", "pyproject.toml", 3, "install",
                        "custom build backend mybackend.api")}


def test_cmdclass_in_setup_py(tmp_path: Path) -> None:
    setup = ("from setuptools import setup\nfrom build_ext import Build\n\n"
             "setup(\n    name='foo',\n    cmdclass={'build_ext': Build},\n)\n")
    s = scan(tmp_path, {"setup.py": setup})
    assert mine(s) == {SETUP_PY_RUNS, ("install-hooks", "setup.py", 6, "install",
                                       "cmdclass overrides setuptools commands")}


def test_cmdclass_in_setup_cfg_and_pyproject(tmp_path: Path) -> None:
    pyproject = SETUPTOOLS + "\n[tool.setuptools.cmdclass]\nbuild_py = 'foo_build.hooks.Build'\n"
    setup_cfg = "[metadata]\nname = foo\n\n[options]\ncmdclass =\n    sdist = foo_build.Sdist\n"
    s = scan(tmp_path, {"pyproject.toml": pyproject, "setup.cfg": setup_cfg,
                        "foo_build/__init__.py": "import os\nos.system('a')\n",
                        "src/foo_build/hooks.py": "import os\n\nos.system('b')\n"})
    assert mine(s) == {
        ("install-hooks", "pyproject.toml", 5, "install",
         "cmdclass overrides setuptools commands"),
        ("install-hooks", "setup.cfg", 5, "install", "cmdclass overrides setuptools commands"),
    }
    assert {("subprocess", "foo_build/__init__.py", 2, "install"),
            ("subprocess", "src/foo_build/hooks.py", 3, "install")} <= where(s)


def test_hatch_custom_build_and_metadata_hooks(tmp_path: Path) -> None:
    pyproject = (HATCHLING + "\n[tool.hatch.build.hooks.custom]\n\n"
                 "[tool.hatch.metadata.hooks.custom]\npath = 'tools/meta.py'\n")
    s = scan(tmp_path, {"pyproject.toml": pyproject, "foo/__init__.py": "",
                        "hatch_build.py": "import os\nos.system('id')\n",
                        "tools/meta.py": "import os\nx = os.environ['HOME']\n"})
    assert mine(s) == {
        ("install-hooks", "pyproject.toml", 5, "install", "hatch custom build hook hatch_build.py"),
        ("install-hooks", "pyproject.toml", 7, "install",
         "hatch custom metadata hook tools/meta.py"),
    }
    assert {("subprocess", "hatch_build.py", 2, "install"),
            ("env", "tools/meta.py", 2, "install")} <= where(s)


def test_hatch_hook_in_hatch_toml_for_a_target(tmp_path: Path) -> None:
    s = scan(tmp_path, {"pyproject.toml": HATCHLING, "foo/__init__.py": "",
                        "hatch.toml": "[build.targets.wheel.hooks.custom]\npath = 'hook.py'\n",
                        "hook.py": "x = 1\n"})
    assert mine(s) == {("install-hooks", "hatch.toml", 1, "install",
                        "hatch custom build hook hook.py")}


def test_hatch_build_py_without_configuration_is_not_a_hook(tmp_path: Path) -> None:
    s = scan(tmp_path, {"pyproject.toml": HATCHLING, "hatch_build.py": "x = 1\n"})
    assert s.findings == ()


def test_pdm_build_hook(tmp_path: Path) -> None:
    pyproject = '[build-system]\nrequires = ["pdm-backend"]\nbuild-backend = "pdm.backend"\n'
    s = scan(tmp_path, {"pyproject.toml": pyproject, "pdm_build.py": "x = 1\n"})
    assert mine(s) == {("install-hooks", "pdm_build.py", 0, "install",
                        "pdm build hook pdm_build.py runs at install")}


def test_native_sources_and_rust_build_script(tmp_path: Path) -> None:
    s = scan(tmp_path, {"pyproject.toml": HATCHLING, "foo/__init__.py": "",
                        "foo/_speed.c": "int x;", "foo/_fast.pyx": "cdef int x",
                        "Cargo.toml": "[package]\n", "src/lib.rs": "", "build.rs": "fn main(){}"})
    assert mine(s) == {
        ("native", "foo/_speed.c", 0, "import", "C source foo/_speed.c is compiled at install"),
        ("native", "foo/_fast.pyx", 0, "import",
         "Cython source foo/_fast.pyx is compiled at install"),
        ("native", "Cargo.toml", 0, "import", "Rust source Cargo.toml is compiled at install"),
        ("native", "src/lib.rs", 0, "import", "Rust source src/lib.rs is compiled at install"),
        ("native", "build.rs", 0, "import", "Rust source build.rs is compiled at install"),
        ("install-hooks", "build.rs", 0, "install", "Rust build script build.rs runs at install"),
        # build.rs runs, so cargo does: the crate's build files are code of the build
        ("install-hooks", "Cargo.toml", 0, "install", CARGO_RUNS),
    }


def test_tests_are_scanned_as_installed_code(tmp_path: Path) -> None:
    s = scan(tmp_path, {"pyproject.toml": HATCHLING, "foo/__init__.py": "",
                        "tests/test_foo.py": "import subprocess\nsubprocess.run(['id'])\n",
                        "tests/cache.pyc": b"\0" * 16})
    assert evidence(s) == {
        ("unanalyzed", "tests/cache.pyc", 0, "import",
         "compiled bytecode tests/cache.pyc may run instead of any source"),
        ("subprocess", "tests/test_foo.py", 2, "import", "subprocess.run")}


# ---------------------------------------------------------------- directories never installed
RUNS_GIT = "import subprocess\nsubprocess.call(['git'])\n"
DOCOPT_SETUP = "from setuptools import setup\nsetup(name='foo', py_modules=['foo'])\n"
NOISE: Files = {"foo.py": "", "examples/git/git.py": RUNS_GIT, "docs/conf.py": RUNS_GIT,
                "doc/x.py": RUNS_GIT, "benchmarks/b.py": RUNS_GIT, "docs/x.c": "int x;\n",
                "docs/cache.pyc": b"\0" * 16, "examples/a.pth": "import os\n"}


def test_examples_docs_benchmarks_are_not_installed(tmp_path: Path) -> None:
    # docopt 0.6.2: setup.py with py_modules, examples/git/git.py runs git
    s = scan(tmp_path, {"setup.py": DOCOPT_SETUP, **NOISE,
                        "tests/t.py": RUNS_GIT, "src/examples/e.py": RUNS_GIT})
    assert evidence(s) == {SETUP_PY_RUNS,
                           ("subprocess", "src/examples/e.py", 2, "import", "subprocess.call"),
                           ("subprocess", "tests/t.py", 2, "import", "subprocess.call")}
    s = scan(tmp_path / "h", {"pyproject.toml": HATCHLING, **NOISE})
    assert evidence(s) == set()


ALL_NOISE = {("subprocess", f, 2, "import", "subprocess.call") for f in (
    "examples/git/git.py", "docs/conf.py", "doc/x.py", "benchmarks/b.py")}


@pytest.mark.parametrize("files", [
    {"setup.py": DOCOPT_SETUP.replace("py_modules=['foo']",
                                      "packages=['examples', 'docs', 'doc', 'benchmarks']")},
    {"setup.py": DOCOPT_SETUP.replace("py_modules=['foo']",
                                      "packages=find_namespace_packages()")},
    {"setup.py": "import os\nfrom setuptools import setup\nsetup(packages=os.listdir('.'))\n"},
    {"setup.py": DOCOPT_SETUP, "setup.cfg": "[options]\npackages = find_namespace:\n"},
    {"pyproject.toml": HATCHLING + '[tool.hatch.build.targets.wheel]\n'
                                   'only-include = ["foo.py", "examples"]\n'},
    {"pyproject.toml": HATCHLING.replace("foo", "x") + "[tool.hatch.build.targets.wheel."
                       'force-include]\n"docs" = "foo/docs"\n"doc" = "a"\n'
                       '"examples" = "b"\n"benchmarks" = "c"\n'},
    {"pyproject.toml": '[build-system]\nrequires = ["meson-python"]\n'
                       'build-backend = "mesonpy"\n'},
    {"pyproject.toml": '[build-system]\nbuild-backend = "backend"\nbackend-path = ["_b"]\n'},
    {"pyproject.toml": '[build-system]\nbuild-backend = "my.backend"\n'},
])
def test_they_are_scanned_when_the_build_could_install_them(tmp_path: Path,
                                                            files: Files) -> None:
    s = scan(tmp_path, {**NOISE, **files})
    assert {e for e in evidence(s) if e[0] == "subprocess"
            and e[1].split("/")[0] in ("examples", "docs", "doc", "benchmarks")} == ALL_NOISE


def test_a_package_among_them_is_scanned(tmp_path: Path) -> None:
    s = scan(tmp_path, {"setup.py": DOCOPT_SETUP.replace("py_modules=['foo']",
                                                         "packages=find_packages()"),
                        **NOISE, "examples/__init__.py": ""})
    assert {e for e in evidence(s) if e[0] == "subprocess"} == {
        ("subprocess", "examples/git/git.py", 2, "import", "subprocess.call")}


def test_hatchling_without_a_package_named_after_the_project(tmp_path: Path) -> None:
    files = {**NOISE, "pyproject.toml": HATCHLING}
    del files["foo.py"]
    s = scan(tmp_path, files)
    assert {e for e in evidence(s) if e[0] == "subprocess"} == ALL_NOISE


def test_pth_in_an_sdist(tmp_path: Path) -> None:
    s = scan(tmp_path, {"pyproject.toml": HATCHLING, "src/foo.pth": "import foo\n"})
    assert mine(s) == {("startup-hooks", "src/foo.pth", 1, "startup",
                        "executable .pth line runs at every interpreter start")}


def test_unparseable_pyproject(tmp_path: Path) -> None:
    """Not a warning: what the build reads from it is unknown (a newer TOML parser, ...)."""
    s = scan(tmp_path, {"pyproject.toml": "[build-system\n", "foo/__init__.py": ""})
    [f] = s.findings
    assert (str(f.capability), f.path, f.line, str(f.phase)) == (
        "install-hooks", "pyproject.toml", 0, "install")
    assert f.detail.startswith("pyproject.toml does not parse: ")


def with_links(sdist: Path, links: dict[str, str], *, hard: bool = False) -> Path:
    """``sdist`` with ``links`` (path below the root -> link name as written) appended."""
    raw = io.BytesIO()
    with tarfile.open(sdist) as src, tarfile.open(fileobj=raw, mode="w:gz") as dst:
        for info in src.getmembers():
            dst.addfile(info, src.extractfile(info))
        for rel, target in links.items():
            link = tarfile.TarInfo(f"{sdist.name.removesuffix('.tar.gz')}/{rel}")
            link.type, link.linkname = (tarfile.LNKTYPE if hard else tarfile.SYMTYPE), target
            dst.addfile(link)
    sdist.write_bytes(raw.getvalue())
    return sdist


def test_in_tree_file_link_is_read_as_its_target(tmp_path: Path) -> None:
    sdist = build_sdist(tmp_path, "foo", "1.0", {"pyproject.toml": HATCHLING,
                                                 "foo/a.py": RUNS_GIT})
    assert evidence(scan_artifact(with_links(sdist, {"foo/b.py": "a.py"}))) == {
        ("subprocess", f, 2, "import", "subprocess.call") for f in ("foo/a.py", "foo/b.py")}


def test_zip_sdist(tmp_path: Path) -> None:
    path = tmp_path / "foo-1.0.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("foo-1.0/PKG-INFO", metadata_text("foo", "1.0"))
        zf.writestr("foo-1.0/setup.py", "from setuptools import setup\nsetup()\n")
    assert mine(scan_artifact(path)) == {SETUP_PY_RUNS}


def test_pkg_info_must_match(tmp_path: Path) -> None:
    sdist = build_sdist(tmp_path, "foo", "1.0", {"PKG-INFO": metadata_text("bar", "2.0")})
    with pytest.raises(ScanError) as exc:
        scan_artifact(sdist)
    assert str(exc.value) == "foo-1.0.tar.gz: PKG-INFO says bar 2.0, the filename says foo 1.0"


def test_pkg_info_missing(tmp_path: Path) -> None:
    path = tmp_path / "foo-1.0.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("foo-1.0/setup.py", "")
    with pytest.raises(ScanError) as exc:
        scan_artifact(path)
    assert str(exc.value) == "foo-1.0.zip: PKG-INFO is missing"


def test_members_outside_the_root(tmp_path: Path) -> None:
    path = tmp_path / "foo-1.0.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("foo-1.0/PKG-INFO", metadata_text("foo", "1.0"))
        zf.writestr("other/setup.py", "")
    with pytest.raises(ScanError) as exc:
        scan_artifact(path)
    assert str(exc.value) == ("foo-1.0.zip: sdist members are not all under one top-level "
                              "directory")


@pytest.mark.parametrize("project", sorted(p.name for p in SAMPLES.glob("cap-*")) + ["clean-lib"])
def test_sample_project_sdists(tmp_path: Path, project: str) -> None:
    s = scan_artifact(sdist_from_project(SAMPLES / project, tmp_path))
    expected = set() if project == "clean-lib" else {project.removeprefix("cap-")}
    assert {str(c) for c in s.capabilities} == expected


def test_own_api_is_not_evidence_inside_its_sdist(tmp_path: Path) -> None:
    files = {"pyproject.toml": HATCHLING,
             "src/requests/__init__.py": "",
             "src/requests/adapters.py": "import urllib3\ndef send():\n    urllib3.PoolManager()\n",
             "src/requests/sessions.py": ("import requests.adapters\n"
                                          "requests.adapters.HTTPAdapter\n"),
             "tests/test_get.py": "import requests\ndef test():\n    requests.get('u')\n"}
    s = scan_artifact(build_sdist(tmp_path, "requests", "1.0", files))
    assert evidence(s) == {("network", "src/requests/adapters.py", 3, "runtime",
                            "urllib3.PoolManager")}
    # the same tree under another name: its references to requests are evidence
    s = scan_artifact(build_sdist(tmp_path, "other", "1.0", files))
    assert ("network", "tests/test_get.py", 3, "runtime", "requests.get") in evidence(s)


def test_setup_py_using_its_own_api_is_install_phase(tmp_path: Path) -> None:
    files = {"setup.py": "import requests\nrequests.get('u')\n", "requests/__init__.py": ""}
    s = scan_artifact(build_sdist(tmp_path, "requests", "1.0", files))
    assert ("network", "setup.py", 2, "install", "requests.get") in evidence(s)


# ------------------------------------------- build configuration is code (issue #10)
def hook(path: str, line: int, detail: str) -> tuple[str, str, int, str, str]:
    return ("install-hooks", path, line, "install", detail)


def build_system(backend: str, requires: str) -> str:
    return f'[build-system]\nrequires = ["{requires}"]\nbuild-backend = "{backend}"\n'


DYNAMIC = ('\n[project]\nname = "foo"\ndynamic = ["version"]\n\n'
           '[tool.setuptools.dynamic]\nversion = {attr = "foo.__version__"}\n')  # line 10
NOT_LITERAL = "attr: foo.__version__ is not a literal assignment: setuptools imports foo " \
              "while building"


@pytest.mark.parametrize("files", [
    {"foo/__init__.py": "'''Doc.'''\nimport os\n__version__ = '1.0'\n"},
    {"src/foo/__init__.py": "__version__ = ('1', '0')\n"},  # src-layout discovery
    {"foo.py": "__version__ = VERSION = '1.0'\n"},
    {"foo/__init__.py": "__version__: str = '1.0'\n"},  # setuptools >= 62.6
])
def test_setuptools_attr_read_statically(tmp_path: Path, files: Files) -> None:
    s = scan(tmp_path, {"pyproject.toml": SETUPTOOLS + DYNAMIC, **files})
    assert mine(s) == set()


@pytest.mark.parametrize(("files", "reason"), [
    ({"foo/__init__.py": "import os\n__version__ = os.environ['V']\n"},
     "is not a literal assignment"),
    ({"foo/__init__.py": "from ._v import __version__\n", "foo/_v.py": "__version__ = '1'\n"},
     "is not a literal assignment"),
    # the first assignment decides; later literals are not reached
    ({"foo/__init__.py": "__version__ = get()\n__version__ = '1.0'\n"},
     "is not a literal assignment"),
    ({"foo/__init__.py": "if True:\n    __version__ = '1.0'\n"}, "is not a literal assignment"),
    ({"foo/__init__.py": "__version__ = '1.0\n"}, "is not a literal assignment"),  # no parse
    # setuptools versions differ on which of the two they read: both must be literal
    ({"foo.py": "__version__ = '1'\n", "foo/__init__.py": "__version__ = str(1)\n"},
     "is not a literal assignment"),
    # src/ exists, so discovery looks there and not at the root
    ({"foo/__init__.py": "__version__ = '1'\n", "src/other.py": ""},
     "is in no module file of the sdist"),
    ({"foo/__init__.pyc": b"\0" * 16}, "is in no module file of the sdist"),
])
def test_setuptools_attr_imported(tmp_path: Path, files: Files, reason: str) -> None:
    s = scan(tmp_path, {"pyproject.toml": SETUPTOOLS + DYNAMIC, **files})
    assert hook("pyproject.toml", 10, f"attr: foo.__version__ {reason}: setuptools imports "
                                      f"foo while building") in mine(s)


def test_setuptools_attr_as_older_setuptools_read_it(tmp_path: Path) -> None:
    """An sdist may pin the setuptools it is built with: 61 to 62.5 skip annotated
    assignments, 61 to 65.4.0 decode the file with the locale's encoding."""
    pyproject = SETUPTOOLS.replace(">=70", ">=61,<62.6") + DYNAMIC
    s = scan(tmp_path, {"pyproject.toml": pyproject,
                        "foo/__init__.py": "__version__: str = '1.0'\n"})
    assert mine(s) == {hook("pyproject.toml", 10, NOT_LITERAL)}
    non_ascii = {"foo/__init__.py": '"""\u0141\u00f3d\u017a."""\n__version__ = "1.0"\n'}
    s = scan(tmp_path / "b", {"pyproject.toml": pyproject, **non_ascii})
    assert mine(s) == {hook("pyproject.toml", 10, "attr: foo.__version__ is in a file a "
                                                  "setuptools<65.4.1 the sdist allows may "
                                                  "not decode: setuptools imports foo while "
                                                  "building")}
    assert mine(scan(tmp_path / "c", {"pyproject.toml": SETUPTOOLS + DYNAMIC,
                                      **non_ascii})) == set()


def test_setuptools_attr_of_a_submodule_and_package_dir(tmp_path: Path) -> None:
    """setuptools >= 61 reads foo/about.py without importing foo."""
    pyproject = (SETUPTOOLS + DYNAMIC.replace("foo.__version__", "foo.about.VERSION")
                 + '\n[tool.setuptools]\npackage-dir = {"" = "lib"}\n')
    s = scan(tmp_path, {"pyproject.toml": pyproject,
                        "lib/foo/__init__.py": "import os\nos.system('id')\n",
                        "lib/foo/about.py": "VERSION = '1.0'\n"})
    assert mine(s) == set()
    s = scan(tmp_path / "b", {"pyproject.toml": pyproject,
                              "lib/foo/__init__.py": "", "lib/foo/about.py": "VERSION = v()\n"})
    assert mine(s) == {hook("pyproject.toml", 10, "attr: foo.about.VERSION is not a literal "
                                                  "assignment: setuptools imports foo.about "
                                                  "while building")}


def test_setuptools_attr_for_other_fields_and_file_directives(tmp_path: Path) -> None:
    pyproject = SETUPTOOLS + (
        '\n[project]\nname = "foo"\ndynamic = ["version", "readme", "dependencies", '
        '"optional-dependencies"]\n\n[tool.setuptools.dynamic]\n'
        'version = {file = "VERSION"}\nreadme = {file = ["README.md"]}\n'
        'dependencies = {attr = "foo.DEPS"}\n'
        '[tool.setuptools.dynamic.optional-dependencies]\ncli = {attr = "foo.CLI"}\n')
    s = scan(tmp_path, {"pyproject.toml": pyproject, "VERSION": "1.0\n",
                        "foo/__init__.py": "DEPS = []\nCLI = list()\n"})
    assert mine(s) == {hook("pyproject.toml", 14, "attr: foo.CLI is not a literal assignment: "
                                                  "setuptools imports foo while building")}


SETUP_CFG_ATTR = "[metadata]\nname = foo\nversion = attr: foo.__version__\n"


def test_setup_cfg_attr(tmp_path: Path) -> None:
    literal = {"foo/__init__.py": "__version__ = '1.0'\n"}
    assert mine(scan(tmp_path, {"pyproject.toml": SETUPTOOLS, "setup.cfg": SETUP_CFG_ATTR,
                                **literal})) == set()
    s = scan(tmp_path / "b", {"pyproject.toml": SETUPTOOLS, "setup.cfg": SETUP_CFG_ATTR,
                              "foo/__init__.py": "__version__ = '1' + '.0'\n"})
    assert mine(s) == {hook("setup.cfg", 3, NOT_LITERAL)}
    # setuptools < 61 finds the module by importing its parent, < 46.4 always imports; any
    # such version the requirements allow may be the one the build gets (PEP 517's default
    # setuptools>=40.8.0 without a [build-system])
    old = hook("setup.cfg", 3, "attr: foo.__version__ is read by a setuptools<61 the sdist "
                               "allows: setuptools imports foo while building")
    for i, pyproject in enumerate([SETUPTOOLS.replace(">=70", "<60"), None,
                                   SETUPTOOLS.replace(">=70", ">=40,!=60.*")]):
        files = {"setup.cfg": SETUP_CFG_ATTR, **literal}
        if pyproject is not None:
            files["pyproject.toml"] = pyproject
        assert mine(scan(tmp_path / f"c{i}", files)) == {old}
    # ... while they do not read pyproject.toml's [tool.setuptools.dynamic] at all
    s = scan(tmp_path / "d", {"pyproject.toml": SETUPTOOLS.replace(">=70", "<60") + DYNAMIC,
                              "foo/__init__.py": "__version__ = str(1)\n"})
    assert mine(s) == set()


def test_setup_cfg_attr_with_package_dir(tmp_path: Path) -> None:
    cfg = SETUP_CFG_ATTR + "\n[options]\npackage_dir =\n    = lib\npackages = find:\n" \
                           "\n[options.packages.find]\nwhere = lib\n"
    s = scan(tmp_path, {"pyproject.toml": SETUPTOOLS, "setup.cfg": cfg,
                        "lib/foo/__init__.py": "__version__ = '1.0'\n"})
    assert mine(s) == set()
    s = scan(tmp_path / "b", {"pyproject.toml": SETUPTOOLS, "setup.cfg": cfg,
                              "lib/foo/__init__.py": "import x\n",
                              "foo/__init__.py": "__version__ = '1.0'\n"})
    assert mine(s) == {hook("setup.cfg", 3, NOT_LITERAL)}


def test_setup_cfg_and_tool_distutils_commands(tmp_path: Path) -> None:
    cfg = ("[global]\ncommand_packages = foo.commands\nsetup-hooks = foo.hooks.run\n\n"
           "[aliases]\nbdist_wheel = mycommand bdist_wheel\ntest = pytest\n")
    pyproject = SETUPTOOLS + ('\n[tool.distutils.global]\ncommand-packages = "foo.cmds"\n\n'
                              '[tool.distutils.aliases]\negg_info = "mycommand egg_info"\n')
    s = scan(tmp_path, {"pyproject.toml": pyproject, "setup.cfg": cfg, "foo/__init__.py": ""})
    imports = "command_packages makes setuptools import commands from the package"
    assert mine(s) == {
        hook("setup.cfg", 2, imports),
        hook("setup.cfg", 3, "pbr setup_hooks run at build time"),
        hook("setup.cfg", 6, "alias bdist_wheel replaces a command the build runs"),
        hook("pyproject.toml", 6, imports),
        hook("pyproject.toml", 9, "alias egg_info replaces a command the build runs"),
    }


def test_setup_cfg_that_does_not_parse(tmp_path: Path) -> None:
    s = scan(tmp_path, {"pyproject.toml": SETUPTOOLS, "setup.cfg": "[metadata\nname = foo\n"})
    assert mine(s) == {hook("setup.cfg", 0, "setup.cfg does not parse: File contains no "
                                            "section headers.; the build may read it otherwise")}


def test_setuptools_compiler_arguments_and_rust(tmp_path: Path) -> None:
    pyproject = SETUPTOOLS + (
        '\n[[tool.setuptools.ext-modules]]\nname = "foo._a"\nsources = ["a.c"]\n\n'
        '[[tool.setuptools.ext-modules]]\nname = "foo._b"\nsources = ["b.c"]\n'
        'extra-link-args = ["-Wl,-plugin,./p.so"]\n\n'
        '[[tool.setuptools-rust.ext-modules]]\ntarget = "foo._rs"\n')
    s = scan(tmp_path, {"pyproject.toml": pyproject, "Cargo.toml": "[package]\nname = 'x'\n"})
    assert {e for e in mine(s) if e[0] == "install-hooks"} == {
        hook("pyproject.toml", 12, "ext-modules extra-link-args can make the compiler run "
                                   "programs"),
        hook("pyproject.toml", 14, "setuptools-rust builds the Rust crates with cargo: their "
                                   "build scripts and procedural macros run at build time"),
        hook("Cargo.toml", 0, CARGO_RUNS),
    }


FLIT = build_system("flit_core.buildapi", "flit_core >=3.2,<4") + \
    '\n[project]\nname = "foo"\ndynamic = ["version", "description"]\n'  # line 7


@pytest.mark.parametrize("files", [
    {"foo/__init__.py": '"""Doc."""\nimport os\n__version__ = "1.0"\n'},
    {"src/foo.py": '"""Doc."""\n__version__ = "1.0"\n'},
])
def test_flit_dynamic_metadata_read_statically(tmp_path: Path, files: Files) -> None:
    assert mine(scan(tmp_path, {"pyproject.toml": FLIT, **files})) == set()


def test_flit_version_files_when_every_allowed_flit_core_reads_them(tmp_path: Path) -> None:
    """flit_core >= 3.9 reads version.py, _version.py and __version__.py first; older ones
    import __init__.py for it, and ``>=3.2,<4`` allows them."""
    files = {"foo/__init__.py": '"""Doc."""\nfrom ._version import __version__\n',
             "foo/_version.py": '__version__ = "1.0"\n'}
    modern = FLIT.replace(">=3.2,<4", ">=3.9,<4")
    assert mine(scan(tmp_path, {"pyproject.toml": modern, **files})) == set()
    assert mine(scan(tmp_path / "b", {"pyproject.toml": FLIT, **files})) == {
        hook("pyproject.toml", 7, "dynamic version: foo/__init__.py has no literal "
                                  "__version__ string: flit_core imports foo while building")}


@pytest.mark.parametrize(("pyproject", "files", "detail"), [
    (FLIT, {"foo/__init__.py": '"""Doc."""\n__version__ = str(1)\n'},
     "dynamic version: foo/__init__.py has no literal __version__ string"),
    (FLIT, {"foo/__init__.py": '"""Doc."""\n__version__ = None\n__version__ = "1"\n'},
     "dynamic version: foo/__init__.py has no literal __version__ string"),
    (FLIT, {"foo/__init__.py": '__version__ = "1.0"\n'},
     "dynamic description: foo/__init__.py has no docstring"),
    (FLIT.replace(">=3.2,<4", "<3.9"),
     {"foo/__init__.py": '"""Doc."""\nfrom ._version import __version__\n',
      "foo/_version.py": '__version__ = "1.0"\n'},
     "dynamic version: foo/__init__.py has no literal __version__ string"),
    (FLIT + '\n[tool.flit.module]\nname = "bar"\n', {"src/bar.py": '"""D."""\nv = 1\n'},
     "dynamic version: src/bar.py has no literal __version__ string"),
])
def test_flit_dynamic_metadata_imported(tmp_path: Path, pyproject: str, files: Files,
                                        detail: str) -> None:
    module = "bar" if "src/bar.py" in files else "foo"
    s = scan(tmp_path, {"pyproject.toml": pyproject, **files})
    assert mine(s) == {hook("pyproject.toml", 7,
                            f"{detail}: flit_core imports {module} while building")}


def test_flit_static_metadata_reads_no_module(tmp_path: Path) -> None:
    pyproject = FLIT.replace('dynamic = ["version", "description"]',
                             'version = "1.0"\ndescription = "d"')
    assert mine(scan(tmp_path, {"pyproject.toml": pyproject,
                                "foo/__init__.py": "x = compute()\n"})) == set()


HATCH_DYNAMIC = HATCHLING + '\n[project]\nname = "foo"\ndynamic = ["version"]\n'


def test_hatch_version_sources_and_plugin_hooks(tmp_path: Path) -> None:
    pyproject = HATCH_DYNAMIC + (
        '\n[tool.hatch.version]\nsource = "code"\npath = "foo/v.py"\n\n'  # line 10
        '[tool.hatch.build.hooks.vcs]\nversion-file = "foo/_v.py"\n\n'
        '[tool.hatch.metadata.hooks.fancy-pypi-readme]\ncontent-type = "text/markdown"\n\n'
        '[tool.hatch.build.targets.wheel.hooks.mypyc]\ndependencies = ["hatch-mypyc"]\n\n'
        '[tool.hatch.build.hooks.jupyter-builder]\nbuild-function = "x.y"\n')
    s = scan(tmp_path, {"pyproject.toml": pyproject, "foo/__init__.py": "",
                        "foo/v.py": "import os\nos.system('x')\n__version__ = '1'\n"})
    assert mine(s) == {
        hook("pyproject.toml", 10, 'hatch version source "code" runs foo/v.py while building'),
        hook("pyproject.toml", 19, "hatch build hook plugin mypyc runs at build time, "
                                   "configured by the package"),
        hook("pyproject.toml", 22, "hatch build hook plugin jupyter-builder runs at build "
                                   "time, configured by the package"),
    }
    assert ("subprocess", "foo/v.py", 2, "install") in where(s)


@pytest.mark.parametrize(("extra", "expected"), [
    ('\n[tool.hatch.version]\npath = "foo/__init__.py"\n', set()),
    ('\n[tool.hatch.version]\nsource = "vcs"\n', set()),
    ('\n[tool.hatch.version]\nsource = "nodejs"\n',
     {hook("pyproject.toml", 10, 'hatch version source plugin "nodejs" runs while building, '
                                 "configured by the package")}),
])
def test_hatch_version_source_plugins(tmp_path: Path, extra: str,
                                      expected: set[tuple[str, str, int, str, str]]) -> None:
    s = scan(tmp_path, {"pyproject.toml": HATCH_DYNAMIC + extra,
                        "foo/__init__.py": "__version__ = '1'\n"})
    assert mine(s) == expected


PDM_DYNAMIC = build_system("pdm.backend", "pdm-backend") + \
    '\n[project]\nname = "foo"\ndynamic = ["version"]\n\n[tool.pdm.version]\n'


@pytest.mark.parametrize(("extra", "expected"), [
    ('source = "file"\npath = "foo/__init__.py"\n', set()),
    ('source = "scm"\n', set()),
    ('source = "call"\ngetter = "foo.v:get"\n',
     {hook("pyproject.toml", 11, "pdm getter foo.v:get is imported while building")}),
    ('source = "scm"\nversion_format = "foo.v:fmt"\n',
     {hook("pyproject.toml", 11, "pdm version_format foo.v:fmt is imported while building")}),
])
def test_pdm_version_sources(tmp_path: Path, extra: str,
                             expected: set[tuple[str, str, int, str, str]]) -> None:
    s = scan(tmp_path, {"pyproject.toml": PDM_DYNAMIC + extra, "foo/__init__.py": ""})
    assert mine(s) == expected


def test_vcs_metadata_in_an_sdist(tmp_path: Path) -> None:
    s = scan(tmp_path, {"pyproject.toml": HATCHLING, "foo/__init__.py": "", ".gitignore": "",
                        ".github/workflows/ci.yml": "", ".git/HEAD": "ref: refs/heads/main\n",
                        ".git/config": "[core]\n\tfsmonitor = ./run.sh\n"})
    assert mine(s) == {hook(".git/config", 0, "version-control metadata .git: its "
                                              "configuration can run commands when the build "
                                              "asks git for the version")}


SKBUILD = build_system("scikit_build_core.build", "scikit-build-core")
CMAKELISTS = """\
cmake_minimum_required(VERSION 3.15)
#[[ a bracket comment:
execute_process(COMMAND a)
]]
message("execute_process(COMMAND b)")  # execute_process(
set(x [=[
add_custom_command(OUTPUT c)
]=])
Add_Custom_Target(gen ALL COMMAND echo hi)
"""


def test_scikit_build_core_runs_cmake(tmp_path: Path) -> None:
    s = scan(tmp_path, {"pyproject.toml": SKBUILD, "CMakeLists.txt": CMAKELISTS,
                        "cmake/Helpers.cmake": 'function(f)\n  install(CODE "message(x)")\n'
                                               "endfunction()\n",
                        "third_party/CMakeLists.txt": "project(t)\nadd_library(t t.c)\n",
                        "src/foo/__init__.py": ""})
    assert mine(s) == {
        hook("CMakeLists.txt", 9, "add_custom_target runs a command at build time"),
        hook("cmake/Helpers.cmake", 2, "install(CODE) runs CMake code at install time"),
        hook("third_party/CMakeLists.txt", 0, "CMake build files run at build time"),
    }


@pytest.mark.parametrize(("line", "expected"), [
    ("execute_process(COMMAND git describe)",
     "execute_process runs a command at configure time"),
    ("  EXEC_PROGRAM(uname)", "exec_program runs a command at configure time"),
    ("try_run(r c ${CMAKE_BINARY_DIR} t.c)", "try_run runs a program it builds at configure time"),
    ("ExternalProject_Add(zlib SOURCE_DIR z)", "ExternalProject_Add runs another project's "
                                               "build at build time"),
    ("FetchContent_MakeAvailable(fmt)", "FetchContent_MakeAvailable adds another project's "
                                        "build files at configure time"),
    ("cmake_language(EVAL CODE ${code})", "cmake_language runs CMake code it computes"),
    ("set(CMAKE_CXX_COMPILER_LAUNCHER ${CMAKE_SOURCE_DIR}/cc.sh)",
     "CMAKE_CXX_COMPILER_LAUNCHER runs a program at build time"),
])
def test_cmake_commands(tmp_path: Path, line: str, expected: str) -> None:
    s = scan(tmp_path, {"pyproject.toml": SKBUILD,
                        "CMakeLists.txt": f"project(foo)\n\n{line}\n"})
    assert mine(s) == {hook("CMakeLists.txt", 3, expected)}


MESONPY = build_system("mesonpy", "meson-python")
MESON_BUILD = """\
project('foo', 'c')
# run_command('x') in a comment
message('run_command(\\'y\\')')
conf = configuration_data()
configure_file(input: files('a.in'),
  output: 'a.h',
  command: ['gen.sh', '@INPUT@'])
r = run_command('git', 'describe', check: false)
"""


def test_meson_python_runs_meson(tmp_path: Path) -> None:
    s = scan(tmp_path, {"pyproject.toml": MESONPY, "meson.build": MESON_BUILD,
                        "meson.options": "option('x', type: 'boolean')\n",
                        "foo/meson.build": "py.install_sources('a.py')\n", "foo/a.py": ""})
    assert mine(s) == {
        hook("meson.build", 5, "configure_file(command:) runs a command at configure time"),
        hook("meson.options", 0, "Meson build files run at build time"),
        hook("foo/meson.build", 0, "Meson build files run at build time"),
    }


@pytest.mark.parametrize(("line", "expected"), [
    ("configure_file(output: 'c.h', configuration: conf)", None),
    ("custom_target('gen', output: 'g.c', command: [prog])",
     "custom_target runs a command at build time"),
    ("run_target('x', command: 'x.sh')", "run_target runs a command when it is built"),
    ("gen = generator(prog, output: '@BASENAME@.c', arguments: ['@INPUT@'])",
     "generator runs a command at build time"),
    ("meson.add_install_script('post.sh')", "meson.add_install_script runs a script at "
                                            "install time"),
    ("vcs_tag(input: 'v.in', output: 'v.h')", "vcs_tag runs a command at build time"),
])
def test_meson_commands(tmp_path: Path, line: str, expected: str | None) -> None:
    s = scan(tmp_path, {"pyproject.toml": MESONPY, "meson.build": f"project('foo')\n{line}\n"})
    assert mine(s) == {hook("meson.build", 2, expected) if expected
                       else hook("meson.build", 0, "Meson build files run at build time")}


MATURIN = build_system("maturin", "maturin>=1,<2")


def test_maturin_sip_and_backends_without_build_files(tmp_path: Path) -> None:
    s = scan(tmp_path, {"pyproject.toml": MATURIN, "Cargo.toml": "[package]\nname = 'foo'\n",
                        "src/lib.rs": ""})
    assert mine(s) - {e for e in mine(s) if e[0] == "native"} == {
        hook("Cargo.toml", 0, CARGO_RUNS)}
    s = scan(tmp_path / "b", {"pyproject.toml": MATURIN,
                              "Cargo.toml": "[package]\nname = 'foo'\nbuild = 'tools/gen.rs'\n"})
    assert hook("Cargo.toml", 3, "build script tools/gen.rs runs at build time") in mine(s)
    s = scan(tmp_path / "c", {"pyproject.toml": build_system("sipbuild.api", "sip"),
                              "project.py": "import subprocess\nsubprocess.run(['qmake'])\n"})
    assert mine(s) == {hook("project.py", 0, "sip runs project.py at build time")}
    assert ("subprocess", "project.py", 2, "install") in where(s)
    for i, (backend, kind) in enumerate([("scikit_build_core.build", "CMake"),
                                         ("mesonpy", "Meson"), ("sipbuild.api", "sip"),
                                         ("maturin", "Cargo")]):
        s = scan(tmp_path / str(i), {"pyproject.toml": build_system(backend, "x"),
                                     "src/foo/__init__.py": ""})
        assert mine(s) == {hook("pyproject.toml", 3, f"build backend {backend} runs the "
                                                     f"package's {kind} build configuration "
                                                     f"at build time")}


def test_scikit_build_core_in_tree_metadata_provider(tmp_path: Path) -> None:
    pyproject = SKBUILD + ('\n[tool.scikit-build.metadata.version]\n'
                           'provider = "my_provider"\nprovider-path = "_build"\n')
    s = scan(tmp_path, {"pyproject.toml": pyproject, "CMakeLists.txt": "project(x)\n",
                        "_build/my_provider.py": "import os\nos.system('x')\n"})
    assert hook("pyproject.toml", 7, "in-tree metadata provider in _build runs while "
                                     "building") in mine(s)
    assert ("subprocess", "_build/my_provider.py", 2, "install") in where(s)


MAKEFILE = """\
CC ?= gcc
SRCS = a.c \\
\tb.c
VERSION := $(shell git describe)
all: lib

\t$(CC) -o x $(SRCS)
"""


def test_build_files_run_when_setup_py_does(tmp_path: Path) -> None:
    s = scan(tmp_path, {"setup.py": "from setuptools import setup\nsetup()\n",
                        "Makefile": MAKEFILE, "docs/Makefile": "html:\n\tsphinx-build . b\n",
                        "GNUmakefile": "a: b ; touch a\n", "deps.mk": "ARCH != uname -m\n",
                        "configure": "#!/bin/sh\necho hi\n", "configure.ac": "AC_INIT\n",
                        "SConstruct": "import os\nos.system('x')\n",
                        "BUILD.bazel": "genrule(\n    name = 'x',\n    cmd = 'echo',\n)\n",
                        "rules.bzl": "def _impl(ctx):\n    ctx.actions.run_shell(command='x')\n"})
    assert mine(s) == {
        SETUP_PY_RUNS,
        hook("Makefile", 4, "$(shell) runs a command when make reads the file"),
        hook("docs/Makefile", 2, "recipe runs a shell command at build time"),
        hook("GNUmakefile", 1, "recipe runs a shell command at build time"),
        hook("deps.mk", 1, "!= runs a command when make reads the file"),
        hook("configure", 0, "configure scripts run at build time"),
        hook("configure.ac", 0, "configure scripts run at build time"),
        hook("SConstruct", 0, "SCons build files are Python run at build time"),
        hook("BUILD.bazel", 1, "genrule runs a command at build time"),
        hook("rules.bzl", 2, "actions.run_shell runs a command at build time"),
    }
    assert ("subprocess", "SConstruct", 2, "install") in where(s)


def test_makefile_recipe_after_a_continued_variable(tmp_path: Path) -> None:
    makefile = MAKEFILE.replace("$(shell git describe)", "1.0")
    s = scan(tmp_path, {"setup.py": "", "Makefile": makefile})
    assert hook("Makefile", 7, "recipe runs a shell command at build time") in mine(s)


@pytest.mark.parametrize("pyproject", [
    HATCHLING, SETUPTOOLS, build_system("flit_core.buildapi", "flit_core"),
    build_system("pdm.backend", "pdm-backend"), build_system("uv_build", "uv_build"),
    build_system("poetry.core.masonry.api", "poetry-core")])
def test_build_files_do_not_run_with_a_pure_backend(tmp_path: Path, pyproject: str) -> None:
    """Nothing of the package runs, so nothing runs its Makefile, CMakeLists.txt, ..."""
    s = scan(tmp_path, {"pyproject.toml": pyproject, "foo/__init__.py": "",
                        "Makefile": "all:\n\ttouch x\n", "CMakeLists.txt": "execute_process()\n",
                        "meson.build": "run_command('x')\n", "configure": "echo\n",
                        "docs/Makefile": "html:\n\tsphinx-build . b\n", "setup.cfg":
                        "[metadata]\nname = foo\n\n[flake8]\nmax-line-length = 100\n"})
    assert mine(s) == set()


def test_build_files_are_kept_from_the_tar_stream() -> None:
    assert all(keep(f"foo-1.0/{name}") for name in (
        "CMakeLists.txt", "cmake/x.cmake", "meson.build", "meson.options", "meson_options.txt",
        "Makefile", "GNUmakefile", "a/b.mk", "configure", "SConstruct", "BUILD.bazel",
        "WORKSPACE", "defs.bzl", "Cargo.toml"))
    assert not keep("foo-1.0/README.md")


# ------------------------------------- the tree and configuration as the build reads them
IN_TREE = ('[build-system]\nrequires = []\nbuild-backend = "backend"\n'
           'backend-path = ["docs"]\n')
BACKEND_RUNS = hook("pyproject.toml", 4, "in-tree build backend backend (backend-path)")


@pytest.mark.parametrize("target", ["docs/build.toml", "docs/build.txt"])
def test_linked_build_configuration_is_read_as_its_target(tmp_path: Path, target: str) -> None:
    """pip extracts the link and the backend reads the file it leads to (a name the scan
    does not otherwise keep from the tar stream too)."""
    sdist = build_sdist(tmp_path, "foo", "1.0", {target: IN_TREE, "foo/__init__.py": "",
                                                 "docs/backend.py": RUNS_GIT})
    s = scan_artifact(with_links(sdist, {"pyproject.toml": target}))
    assert mine(s) == {BACKEND_RUNS}
    assert ("subprocess", "docs/backend.py", 2, "install") in where(s)


def test_build_requirements_follow_the_link(tmp_path: Path) -> None:
    from gate.build import build_requirements
    pyproject = '[build-system]\nrequires = ["hatchling>=1"]\nbuild-backend = "hatchling.build"\n'
    sdist = build_sdist(tmp_path, "foo", "1.0", {"conf/p.toml": pyproject})
    assert build_requirements(with_links(sdist, {"pyproject.toml": "conf/p.toml"})) == [
        "hatchling>=1"]


def test_hard_link_is_read_as_its_target(tmp_path: Path) -> None:
    cfg = "[options]\ncmdclass =\n    build_py = tools.cmd.Build\n"
    sdist = build_sdist(tmp_path, "foo", "1.0", {"pyproject.toml": SETUPTOOLS, "cfg/x": cfg,
                                                 "tools/cmd.py": RUNS_GIT})
    s = scan_artifact(with_links(sdist, {"setup.cfg": "foo-1.0/cfg/x"}, hard=True))
    assert mine(s) == {hook("setup.cfg", 2, "cmdclass overrides setuptools commands")}
    assert ("subprocess", "tools/cmd.py", 2, "install") in where(s)


@pytest.mark.parametrize(("files", "message"), [
    ({"pyproject.toml": HATCHLING, "PyProject.toml": SETUPTOOLS},
     "members 'PyProject.toml' and 'pyproject.toml' are one path on a case-insensitive file "
     "system (extracting one overwrites the other)"),
    ({"Docs/a.py": "", "docs/b.py": ""},
     "members 'Docs' and 'docs' are one path on a case-insensitive file system (extracting one "
     "overwrites the other)"),
    ({"setup.py": "", "setup.py. ": ""},
     "members 'setup.py' and 'setup.py. ' are one path on a case-insensitive file system "
     "(extracting one overwrites the other)"),
    ({"pyproject.toml": HATCHLING, "pyproject.toml::$DATA": SETUPTOOLS},
     "members 'pyproject.toml' and 'pyproject.toml::$DATA' are one path on a case-insensitive "
     "file system (extracting one overwrites the other)"),
    # pip reads it on macOS and Windows, builds the legacy way on Linux
    ({"PYPROJECT.TOML": HATCHLING, "setup.py": ""},
     "member 'PYPROJECT.TOML' is pyproject.toml on a case-insensitive file system only"),
    ({"pyproject.toml": HATCHLING, "PYPROJ~1.TOM": SETUPTOOLS},
     "member 'PYPROJ~1.TOM' has a Windows short name (it can be another member's file there)"),
])
def test_members_that_are_one_file_elsewhere(tmp_path: Path, files: Files,
                                             message: str) -> None:
    with pytest.raises(ScanError) as exc:
        scan(tmp_path, files)
    assert str(exc.value) == f"foo-1.0.tar.gz: {message}"


def test_build_files_found_in_any_case(tmp_path: Path) -> None:
    s = scan(tmp_path, {"SETUP.PY": "import os\nos.system('x')\n", "Pdm_Build.py": "",
                        "pyproject.toml": build_system("pdm.backend", "pdm-backend")})
    assert mine(s) == {hook("Pdm_Build.py", 0, "pdm build hook Pdm_Build.py runs at install")}
    s = scan(tmp_path / "b", {"SETUP.PY": "import os\nos.system('x')\n"})
    assert mine(s) == {hook("SETUP.PY", 0, "setup.py runs at install")}
    assert ("subprocess", "SETUP.PY", 2, "install") in where(s)


CMDCLASS = hook("setup.cfg", 0, "cmdclass overrides setuptools commands")


@pytest.mark.parametrize(("cfg", "line"), [
    ("[options]\ncmdclass: build_py = tools.cmd.Build\n", 2),
    ("[options]\nCmdClass = build_py = tools.cmd.Build\n", 2),
    ("[options]\n  cmdclass = build_py = tools.cmd.Build\n", 2),
    ("[options]\np = tools\ncmdclass = build_py = %(p)s.cmd.Build\n", 3),
    ("[DEFAULT]\ncmdclass = build_py = tools.cmd.Build\n\n[options]\nzip_safe = 0\n", 2),
    ("[metadata]\nname = foo\r[options]\rcmdclass = build_py = tools.cmd.Build\r", 4),
    ("[options]\ncmdclass =\n  sdist = x.Y,\n  build_py = tools.cmd.Build\n", 2),
])
def test_setup_cfg_cmdclass_in_any_spelling(tmp_path: Path, cfg: str, line: int) -> None:
    """setup.cfg is read by configparser as setuptools reads it: ':' delimiters, any case
    (setuptools lowercases), [DEFAULT], interpolation, universal newlines."""
    s = scan(tmp_path, {"pyproject.toml": SETUPTOOLS, "setup.cfg": cfg,
                        "tools/cmd.py": RUNS_GIT})
    found = {(e[0], e[1], e[4]) for e in mine(s)}
    assert (CMDCLASS[0], CMDCLASS[1], CMDCLASS[4]) in found
    assert ("subprocess", "tools/cmd.py", 2, "install") in where(s)
    if "[DEFAULT]" not in cfg:
        assert hook("setup.cfg", line, CMDCLASS[4]) in mine(s)


def test_distutils_options_that_name_programs_or_paths(tmp_path: Path) -> None:
    cfg = ("[build_ext]\nswig = ./tools/swig\nCompiler: unix\ninplace = 1\n\n"
           "[build_scripts]\nexecutable = /bin/sh\n\n"
           "[build]\nbuild_lib = ../../site-packages\nbuild-base = build\n\n"
           "[egg_info]\ntag_build =\ntag_date = 0\n\n[bdist_wheel]\nuniversal = 1\n\n"
           "[sdist]\nformats = zip\n\n[flake8]\nmax-line-length = 100\n\n"
           "[global]\nverbose = 1\npackages = docs\n")
    pyproject = SETUPTOOLS + ('\n[tool.distutils.build_ext]\nswig = "./tools/swig"\n'
                              'swig-opts = ["-outdir", "/tmp"]\nparallel = 2\n\n'
                              '[tool.distutils.build-py]\nbuild-lib = "/home/u/site"\n')
    s = scan(tmp_path, {"pyproject.toml": pyproject, "setup.cfg": cfg, "foo/__init__.py": ""})
    program = "names a program or objects the build runs"
    assert mine(s) == {
        hook("setup.cfg", 2, f"[build_ext] swig {program}"),
        hook("setup.cfg", 3, f"[build_ext] compiler {program}"),
        hook("setup.cfg", 7, f"[build_scripts] executable {program}"),
        hook("setup.cfg", 10, "[build] build_lib makes the build write outside the sdist's "
                              "tree"),
        hook("setup.cfg", 28, "[global] packages sets an attribute of the setuptools "
                              "Distribution"),
        hook("pyproject.toml", 6, f"[build_ext] swig {program}"),
        hook("pyproject.toml", 7, f"[build_ext] swig_opts {program}"),
        hook("pyproject.toml", 11, "[build_py] build_lib makes the build write outside the "
                                   "sdist's tree"),
    }


def test_swig_interface_and_swig_arguments(tmp_path: Path) -> None:
    pyproject = SETUPTOOLS + ('\n[[tool.setuptools.ext-modules]]\nname = "foo._w"\n'
                              'sources = ["foo/w.i"]\nswig-opts = ["-c++"]\n')
    s = scan(tmp_path, {"pyproject.toml": pyproject, "foo/__init__.py": "",
                        "foo/w.i": "%module w\n"})
    assert mine(s) == {
        ("native", "foo/w.i", 0, "import", "SWIG source foo/w.i is compiled at install"),
        hook("pyproject.toml", 8, "ext-modules swig-opts can make SWIG run programs")}


def test_vcs_metadata_anywhere_in_the_tree(tmp_path: Path) -> None:
    s = scan(tmp_path, {"pyproject.toml": HATCHLING, "foo/__init__.py": "",
                        "vendor/up/.git/config": "[core]\n", "vendor/up/.git/HEAD": "",
                        "third/.Hg/store/x": "", "lib/.git": "gitdir: ../..\n"})
    assert mine(s) == {
        hook(rel, 0, f"version-control metadata {top}: its configuration can run commands "
                     f"when the build asks {vcs} for the version")
        for rel, top, vcs in (("vendor/up/.git/config", "vendor/up/.git", "git"),
                              ("third/.Hg/store/x", "third/.Hg", "hg"),
                              ("lib/.git", "lib/.git", "git"))}


SCM = build_system("setuptools.build_meta", "setuptools>=70") + \
    '\n[project]\nname = "foo"\ndynamic = ["version"]\n\n[tool.setuptools_scm]\n'  # line 9


@pytest.mark.parametrize(("options", "detail"), [
    ('version_scheme = "no-guess-dev"\nlocal_scheme = ["dirty-tag", "node-and-date"]\n'
     'fallback_version = "0.0"\nwrite_to = "foo/_v.py"\nversion_file = "./foo/_v.py"\n'
     'tag_regex = "^v(.*)$"\n[tool.setuptools_scm.scm.git]\npre_parse = "fail_on_shallow"\n',
     None),
    ('root = "vendor/upstream"\n', "setuptools-scm option root steers"),
    ('relative_to = "docs/x"\n', "setuptools-scm option relative_to steers"),
    ('search_parent_directories = true\n', "setuptools-scm option search_parent_directories"),
    ('git_describe_command = "sh -c id"\n', "setuptools-scm option git_describe_command"),
    ('[tool.setuptools_scm.scm.git]\ndescribe_command = ["sh", "-c", "id"]\n',
     "setuptools-scm [scm] options can set the version-control commands"),
    ('version_scheme = "docs.scheme:next"\n',
     "setuptools-scm version_scheme docs.scheme:next is no built-in scheme: it is imported"),
    ('local_scheme = "docs"\n', "setuptools-scm local_scheme docs is no built-in scheme"),
    ('version_cls = "docs.v.V"\n', "setuptools-scm option version_cls"),
    ('version_file = "../../x.py"\n', "setuptools-scm version_file ../../x.py writes outside"),
    ('version_file = "setup.py"\nversion_file_template = "import os"\n',
     "setuptools-scm option version_file_template"),
])
def test_setuptools_scm_options(tmp_path: Path, options: str, detail: str | None) -> None:
    s = scan(tmp_path, {"pyproject.toml": SCM + options, "foo/__init__.py": ""})
    details = {e[4] for e in mine(s)}
    if detail is None:
        assert details == set()
    else:
        assert [d for d in details if d.startswith(detail)], details


@pytest.mark.parametrize(("extra", "detail"), [
    ('[tool.hatch.version]\nsource = "vcs"\nraw-options = { root = ".." }\n',
     "setuptools-scm option root steers"),
    ('[tool.hatch.version]\nsource = "vcs"\nraw-options = { local_scheme = "no-local-version" }'
     '\n\n[tool.hatch.build.hooks.vcs]\nversion-file = "foo/_v.py"\n', None),
    ('[tool.hatch.build.hooks.vcs]\nversion-file = "foo/_v.py"\ntemplate = "import os"\n',
     "hatch vcs build hook writes its template"),
    ('[tool.hatch.build.targets.wheel.hooks.version]\npath = "/tmp/x.pth"\n',
     "hatch version build hook writes outside the sdist's tree"),
    ('[tool.pdm.version]\nsource = "scm"\nwrite_to = "foo/_v.py"\nwrite_template = "{}"\n',
     "pdm write_template writes code"),
])
def test_hatch_and_pdm_version_control_options(tmp_path: Path, extra: str,
                                               detail: str | None) -> None:
    s = scan(tmp_path, {"pyproject.toml": HATCH_DYNAMIC + "\n" + extra, "foo/__init__.py": ""})
    details = {e[4] for e in mine(s)}
    if detail is None:
        assert details == set()
    else:
        assert [d for d in details if d.startswith(detail)], details


PDM = build_system("pdm.backend", "pdm-backend") + '\n[project]\nname = "foo"\nversion = "1"\n'


@pytest.mark.parametrize("path", ["./docs/hook.py", "docs//hook.py", "docs\\\\hook.py",
                                  "docs/../docs/hook.py", "Docs/Hook.py", "d\\u006fcs/hook.py"])
def test_pdm_custom_hook_path_normalised(tmp_path: Path, path: str) -> None:
    pyproject = PDM + f'\n[tool.pdm.build]\ncustom-hook = "{path}"\n'  # line 10
    s = scan(tmp_path, {"pyproject.toml": pyproject, "foo/__init__.py": "",
                        "docs/hook.py": RUNS_GIT})
    assert [e for e in mine(s) if e[:4] == ("install-hooks", "pyproject.toml", 10, "install")]
    assert ("subprocess", "docs/hook.py", 2, "install") in where(s)


@pytest.mark.parametrize("path", ["/opt/hook.py", "../hook.py", "missing.py"])
def test_pdm_custom_hook_anywhere_is_a_hook(tmp_path: Path, path: str) -> None:
    pyproject = PDM + f'\n[tool.pdm.build]\ncustom-hook = "{path}"\n'
    s = scan(tmp_path, {"pyproject.toml": pyproject, "foo/__init__.py": ""})
    assert mine(s) == {hook("pyproject.toml", 10, f"pdm custom-hook {path} runs at install")}


def test_hatch_hook_and_backend_paths_normalised(tmp_path: Path) -> None:
    pyproject = HATCHLING + "\n[tool.hatch.build.hooks.custom]\npath = './tools//hook.py'\n"
    s = scan(tmp_path, {"pyproject.toml": pyproject, "foo/__init__.py": "",
                        "tools/hook.py": RUNS_GIT})
    assert ("subprocess", "tools/hook.py", 2, "install") in where(s)
    pyproject = IN_TREE.replace('["docs"]', '["./_b/"]')
    s = scan(tmp_path / "b", {"pyproject.toml": pyproject, "_b/backend.py": RUNS_GIT})
    assert ("subprocess", "_b/backend.py", 2, "install") in where(s)


@pytest.mark.parametrize(("requires", "at_least_61", "below_61"), [
    ([">61,<62"], True, False),
    ([">=61,<61.0.1"], True, False),
    (["<61.0.1,>61"], True, False),
    (["~=61.0"], True, False),
    (["~=60.1"], False, True),
    (["==61.*"], True, True),  # 61.0.dev0 too
    (["===61.2"], True, False),
    (["==60.2", ">=61"], False, False),
    ([">=40", "!=60.*"], True, True),
    ([" @ https://example.org/setuptools.whl"], True, True),
    (['<60; python_version < "3"'], True, True),
    (["<60", "invalid requirement !"], False, True),
    ([], True, True),
])
def test_admissible_setuptools_versions(requires: list[str], at_least_61: bool,
                                        below_61: bool) -> None:
    """Any version the requirements allow may be the one the build gets."""
    from gate.scan.sdist import _admissible
    specs = [r if r.startswith("invalid") else f"setuptools{r}" for r in requires]
    assert _admissible(specs, "setuptools", at_least="61") is at_least_61
    assert _admissible(specs, "setuptools", below="61") is below_61


@pytest.mark.parametrize("files", [
    {"pyproject.toml": HATCHLING + '\n[tool.hatch.build.targets.wheel]\n'
                                   'packages = ["foo", "d\\u006fcs"]\n'},
    {"pyproject.toml": HATCHLING + '\n[tool.hatch.build.targets.wheel]\ninclude = ["d?cs"]\n'},
    {"pyproject.toml": HATCHLING + '\n[tool.hatch.build.targets.wheel]\ninclude = ["conf.py"]\n'},
    {"pyproject.toml": HATCHLING + '\n[tool.hatch.build.targets.wheel.force-include]\n'
                                   '"./DOCS//" = "foo/d"\n'},
    {"pyproject.toml": SETUPTOOLS + '\n[tool.setuptools.packages.find]\nwhere = ["."]\n'},
    {"pyproject.toml": SETUPTOOLS, "setup.cfg": "[options]\np = do\npackages = %(p)scs\n"},
    {"pyproject.toml": SETUPTOOLS, "setup.cfg": "[options]\npackages = foo\n  d*\n"},
    {"pyproject.toml": HATCHLING + "\n[tool.hatch\n"},
])
def test_a_directory_named_in_decoded_configuration_is_scanned(tmp_path: Path,
                                                               files: Files) -> None:
    s = scan(tmp_path, {**NOISE, **files})
    assert ("subprocess", "docs/conf.py", 2, "import", "subprocess.call") in evidence(s)


def test_universal_newlines_in_pyproject(tmp_path: Path) -> None:
    s = scan(tmp_path, {"pyproject.toml": IN_TREE.replace("\n", "\r"),
                        "docs/backend.py": RUNS_GIT})
    assert BACKEND_RUNS in mine(s)


def test_build_requirement_reading_its_own_table(tmp_path: Path) -> None:
    pyproject = (SETUPTOOLS.replace('"setuptools>=70"', '"setuptools>=70", "versioningit"')
                 + '\n[tool.versioningit.format]\nmethod = {module = "docs.v", value = "f"}\n'
                 + '\n[tool.black]\nline-length = 100\n')
    s = scan(tmp_path, {"pyproject.toml": pyproject, "foo/__init__.py": ""})
    assert mine(s) == {hook("pyproject.toml", 5, "build requirement versioningit reads "
                                                 "[tool.versioningit], configured by the "
                                                 "package: it can import or run what that "
                                                 "names")}


ENTRY_POINT = ("entry point group {} of the package: setuptools' legacy backend puts the "
               "source tree on sys.path and loads it while building")
FINALIZE = "setuptools.finalize_distribution_options"


def test_entry_points_setuptools_loads_with_the_legacy_backend(tmp_path: Path) -> None:
    """Checked against setuptools 65.5: ``build_meta:__legacy__`` puts the tree on sys.path,
    and the next hook (or this one, for an .egg-info the sdist ships) loads the package's
    finalize_distribution_options entry point."""
    cfg = (f"[metadata]\nname = foo\n\n[options]\npy_modules = foo\n\n[options.entry_points]\n"
           f"console_scripts =\n    foo = foo:main\n{FINALIZE} =\n    x = docs.evil:hook\n")
    legacy = '[build-system]\nrequires = ["setuptools>=61"]\n\n[project]\nname = "foo"\n' \
             f'version = "1"\n\n[project.entry-points."{FINALIZE}"]\nx = "docs.evil:hook"\n'
    files = {"foo.py": "", "docs/evil.py": RUNS_GIT,
             "zzz.egg-info/entry_points.txt": f"[console_scripts]\na = b:c\n\n[{FINALIZE}]\n"
                                              f"x = docs.evil:hook\n"}
    s = scan(tmp_path, {"setup.cfg": cfg, **files})
    assert mine(s) == {hook("setup.cfg", 10, ENTRY_POINT.format(FINALIZE)),
                       hook("zzz.egg-info/entry_points.txt", 4, ENTRY_POINT.format(FINALIZE))}
    s = scan(tmp_path / "b", {"pyproject.toml": legacy, "foo.py": ""})
    assert mine(s) == {hook("pyproject.toml", 8, ENTRY_POINT.format(FINALIZE))}
    # build_meta proper does not put the tree on sys.path
    s = scan(tmp_path / "c", {"pyproject.toml": SETUPTOOLS, "setup.cfg": cfg, **files})
    assert mine(s) == set()


def test_modules_the_legacy_backend_would_import_from_the_tree(tmp_path: Path) -> None:
    files = {"setup.cfg": "[metadata]\nname = foo\n", "foo.py": "", "wheel.py": RUNS_GIT,
             "csv/__init__.py": "", "packaging/__init__.py": "", "docs/zipfile.py": ""}
    s = scan(tmp_path, files)
    assert {e[1] for e in mine(s)} == {"wheel.py", "csv/__init__.py", "packaging/__init__.py"}
    assert hook("wheel.py", 0, "wheel.py shadows the module wheel the build may import: "
                               "setuptools' legacy backend puts the source tree first on "
                               "sys.path") in mine(s)
    assert mine(scan(tmp_path / "b", {**files, "pyproject.toml": SETUPTOOLS})) == set()
