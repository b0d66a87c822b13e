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
from tests.builders import Files, build_sdist, metadata_text, sdist_from_project

SAMPLES = Path(__file__).resolve().parents[2] / "sample_projects"

SETUPTOOLS = ('[build-system]\nrequires = ["setuptools>=70"]\n'
              'build-backend = "setuptools.build_meta"\n')
HATCHLING = '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
SETUP_PY_RUNS = ("install-hooks", "setup.py", 0, "install", "setup.py runs at install")


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
    s = scan(tmp_path, {"pyproject.toml": "[build-system\n", "foo/__init__.py": ""})
    [f] = s.findings
    assert (str(f.capability), f.path, f.line, str(f.phase)) == (
        "unanalyzed", "pyproject.toml", 0, "install")
    assert f.detail.startswith("pyproject.toml does not parse: ")


def test_in_tree_symlink_is_unanalyzed(tmp_path: Path) -> None:
    sdist = build_sdist(tmp_path, "foo", "1.0", {"pyproject.toml": HATCHLING, "foo/a.py": ""})
    raw = io.BytesIO()
    with tarfile.open(sdist) as src, tarfile.open(fileobj=raw, mode="w:gz") as dst:
        for info in src.getmembers():
            dst.addfile(info, src.extractfile(info))
        link = tarfile.TarInfo("foo-1.0/foo/b.py")
        link.type, link.linkname = tarfile.SYMTYPE, "a.py"
        dst.addfile(link)
    sdist.write_bytes(raw.getvalue())
    assert evidence(scan_artifact(sdist)) == {
        ("unanalyzed", "foo/b.py", 0, "import",
         "link foo/b.py -> foo-1.0/foo/a.py is not followed")}


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
