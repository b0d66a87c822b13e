"""Red team: sdists whose build runs their own code although the policy grants them nothing.

Each test publishes an sdist that grants-nothing policy must refuse (its build runs the
package's code or a command it chooses) and asserts the secure behaviour: exit 1 naming
install-hooks (or exit 3), no MARKER written by the attacker's code, nothing installed.
A test that fails is a bypass.

The build backends are stand-ins served from the test index (as in test_build_config.py),
each behaving like the real backend in the one respect the test attacks (the real code is
cited in each stand-in). The policy grants each stand-in backend what a user would
(install-hooks and the rest); the attacker's package is granted nothing.

The attacker's Python payload lives under ``docs/``: permpip does not scan a top-level
``docs/`` directory when no build configuration names it (gate/scan/sdist.py,
``_uninstalled_dirs``), and the configuration names it in a spelling permpip's raw-text
search does not see (a TOML ``\\u`` escape, a setup.cfg ``%(...)s`` interpolation) or in
a file permpip does not read (through a symlink).
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from gate._subprocess import Completed
from tests.builders import build_wheel, metadata_text
from tests.conftest import installed, write_policy
from tests.index import SubIndex

pytestmark = pytest.mark.e2e

Permpip = Callable[..., Completed]
MakeVenv = Callable[..., Path]
BACKENDS = ["pip", "uv"]

# what a user grants a build backend (it runs at build time and does all of these)
BACKEND_GRANT = ["install-hooks", "fs-read", "fs-write", "dynamic-code", "subprocess", "env",
                 "introspection", "threads"]

# -- building hostile sdists --------------------------------------------------------------


def _file(path: str, data: str | bytes, mode: int = 0o644) -> tuple[str, bytes, int, str]:
    return (path, data.encode() if isinstance(data, str) else data, mode, "")


def _symlink(path: str, target: str) -> tuple[str, bytes, int, str]:
    return (path, b"", 0o777, target)


def tar_sdist(dest: Path, name: str, version: str,
              entries: Sequence[tuple[str, bytes, int, str]]) -> Path:
    """``{name}-{version}.tar.gz``: PKG-INFO, then ``entries`` in this order (regular files
    with their mode, or symlinks when the last item names a target)."""
    dest.mkdir(parents=True, exist_ok=True)
    root = f"{name}-{version}"
    path = dest / f"{root}.tar.gz"
    members = [_file("PKG-INFO", metadata_text(name, version)), *entries]
    with tarfile.open(path, "w:gz", format=tarfile.PAX_FORMAT) as tf:
        for rel, data, mode, link in members:
            info = tarfile.TarInfo(f"{root}/{rel}")
            info.mode = mode
            info.mtime = 0
            if link:
                info.type = tarfile.SYMTYPE
                info.linkname = link
                tf.addfile(info)
            else:
                info.size = len(data)
                tf.addfile(info, io.BytesIO(data))
    return path


def tree_files(root: Path, prefix: str) -> list[tuple[str, bytes, int, str]]:
    """Every file under ``root`` as sdist entries under ``prefix`` (modes kept)."""
    return [_file(f"{prefix}/{p.relative_to(root).as_posix()}", p.read_bytes(),
                  0o755 if p.stat().st_mode & 0o111 else 0o644)
            for p in sorted(root.rglob("*")) if p.is_file()]


# -- stand-in backends --------------------------------------------------------------------

WHEEL_WRITER = '''
import base64 as _b64, hashlib as _hl, os as _os, zipfile as _zf


def _write_wheel(wheel_directory, name, version, files):
    dist = name.replace("-", "_")
    info = f"{dist}-{version}.dist-info"
    files = dict(files)
    meta = f"Metadata-Version: 2.1\\nName: {name}\\nVersion: {version}\\n"
    files[f"{info}/METADATA"] = meta.encode()
    files[f"{info}/WHEEL"] = (b"Wheel-Version: 1.0\\nGenerator: t\\nRoot-Is-Purelib: true\\n"
                              b"Tag: py3-none-any\\n")
    record = ""
    for p, d in files.items():
        h = _b64.urlsafe_b64encode(_hl.sha256(d).digest()).rstrip(b"=").decode()
        record += f"{p},sha256={h},{len(d)}\\n"
    filename = f"{dist}-{version}-py3-none-any.whl"
    with _zf.ZipFile(_os.path.join(wheel_directory, filename), "w") as zf:
        for p, d in files.items():
            zf.writestr(p, d)
        zf.writestr(f"{info}/RECORD", record + f"{info}/RECORD,,\\n")
    return filename
'''

SETUPTOOLS_STANDIN = '''\
"""setuptools.build_meta stand-in. What it does is what setuptools does:

- setup.cfg is read by ``configparser.ConfigParser`` (with ``%(name)s`` interpolation,
  ``optionxform = str``; setuptools/dist.py ``_parse_config_files``), so ``key: value``
  is the same option as ``key = value``;
- ``[options] cmdclass`` (setuptools/config/setupcfg.py ``_parse_cmdclass`` ->
  config/expand.py ``cmdclass``/``resolve_class``) loads each class's module from its file;
- ``attr:`` (config/expand.py ``read_attr``) takes a literal first assignment statically,
  else imports the module from its file;
- [tool.setuptools_scm] makes setuptools-scm's finalize hook compute the version;
- build_ext runs SWIG on ``.i`` sources with the ``swig`` option of [build_ext]
  (setup.cfg or [tool.distutils.build_ext]; distutils/command/build_ext.py
  ``swig_sources``: ``spawn([swig, "-python", ..., "-o", target, source])``).
"""
import ast, configparser, importlib.util, os, subprocess, sys, tomllib
''' + WHEEL_WRITER + '''


def _load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _find_module(module):
    base = os.path.join(os.getcwd(), *module.split("."))
    for candidate in (base + ".py", os.path.join(base, "__init__.py")):
        if os.path.isfile(candidate):
            return candidate
    raise ModuleNotFoundError(module)


def _read_attr(desc):
    module, _, attr = desc.strip().rpartition(".")
    path = _find_module(module or "__init__")
    with open(path, "rb") as f:
        tree = ast.parse(f.read())
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == attr for t in statement.targets):
            try:
                return ast.literal_eval(statement.value)
            except Exception:
                break
    return getattr(_load(path, module), attr)


def _config():
    with open("pyproject.toml", "rb") as f:
        pyproject = tomllib.load(f)
    cfg = configparser.ConfigParser()
    cfg.optionxform = str
    if os.path.exists("setup.cfg"):
        with open("setup.cfg", encoding="utf-8") as f:
            cfg.read_file(f)
    return pyproject, cfg


def _metadata(pyproject, cfg):
    project = pyproject.get("project", {})
    tool = pyproject.get("tool", {})
    name = project.get("name") or cfg.get("metadata", "name", fallback=None)
    version = project.get("version")
    dynamic = tool.get("setuptools", {}).get("dynamic", {}).get("version", {})
    if version is None and "attr" in dynamic:
        version = _read_attr(dynamic["attr"])
    if version is None and "setuptools_scm" in tool:
        import setuptools_scm
        version = setuptools_scm.get_version(**tool["setuptools_scm"])
    if version is None and cfg.has_option("metadata", "version"):
        value = cfg.get("metadata", "version")
        version = _read_attr(value[5:]) if value.startswith("attr:") else value
    return name, str(version)


def _commands(pyproject, cfg):
    if cfg.has_option("options", "cmdclass"):
        for line in cfg.get("options", "cmdclass").splitlines():
            _key, sep, ref = line.partition("=")
            if sep:
                module, _, cls = ref.strip().rpartition(".")
                getattr(_load(_find_module(module), module), cls)
    tool = pyproject.get("tool", {})
    build_ext = dict(tool.get("distutils", {}).get("build_ext", {}))
    if cfg.has_section("build_ext"):
        build_ext.update(cfg.items("build_ext"))
    for ext in tool.get("setuptools", {}).get("ext-modules", []):
        for source in ext.get("sources", []):
            if source.endswith(".i"):
                swig = build_ext.get("swig") or "swig"
                subprocess.check_call([swig, "-python", "-o", source[:-2] + "_wrap.c", source])


def get_requires_for_build_wheel(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    pyproject, cfg = _config()
    name, version = _metadata(pyproject, cfg)
    _commands(pyproject, cfg)
    return _write_wheel(wheel_directory, name, version,
                        {f"{name.replace('-', '_')}/__init__.py": b""})
'''

SETUPTOOLS_SCM_STANDIN = '''\
"""setuptools_scm stand-in: ``root`` from [tool.setuptools_scm] is where git runs
(vcs_versioning/_backends/_git.py: ``git --git-dir ROOT/.git rev-parse --show-prefix``,
then ``git describe --dirty --tags --long --match *[0-9]*``)."""
import os, subprocess


def get_version(root=".", **_options):
    repo = os.path.abspath(root)
    git = ["git", "--git-dir", os.path.join(repo, ".git")]
    found = subprocess.run([*git, "rev-parse", "--show-prefix"], cwd=repo,
                           capture_output=True, text=True)
    if found.returncode != 0:
        return "0.0"
    described = subprocess.run([*git, "describe", "--dirty", "--tags", "--long",
                                "--match", "*[0-9]*"], cwd=repo, capture_output=True, text=True)
    tag = described.stdout.strip().split("-")[0] if described.returncode == 0 else "v0.0"
    return tag.lstrip("v")
'''

PDM_STANDIN = '''\
"""pdm.backend stand-in: the custom hook is ``[tool.pdm.build] custom-hook`` (default
``pdm_build.py``), loaded when ``root / custom_hook`` exists (pdm/backend/config.py
``BuildConfig.custom_hook``; base.py ``get_hooks`` -> utils.py ``import_module_at_path``)."""
import importlib.util, os, sys, tomllib
''' + WHEEL_WRITER + '''


def _import_module_at_path(path, context):
    spec = importlib.util.spec_from_file_location("_local", path)
    sys.path.insert(0, context)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.path.pop(0)
    return module


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    root = os.getcwd()
    with open("pyproject.toml", "rb") as f:
        data = tomllib.load(f)
    script = data.get("tool", {}).get("pdm", {}).get("build", {}).get("custom-hook",
                                                                      "pdm_build.py")
    if os.path.exists(os.path.join(root, script)):
        hook = _import_module_at_path(os.path.join(root, script), root)
        if hasattr(hook, "pdm_build_initialize"):
            hook.pdm_build_initialize(None)
    project = data["project"]
    name = project["name"]
    return _write_wheel(wheel_directory, name, project["version"],
                        {f"{name.replace('-', '_')}/__init__.py": b""})
'''


def publish_setuptools(index: SubIndex, dist: Path, version: str = "80.0",
                       *, scm: bool = False) -> dict[str, list[str]]:
    index.publish(build_wheel(dist, "setuptools", version, {
        "setuptools/__init__.py": "", "setuptools/build_meta.py": SETUPTOOLS_STANDIN}))
    grants = {"setuptools": BACKEND_GRANT}
    if scm:
        index.publish(build_wheel(dist, "setuptools-scm", "8.1.0", {
            "setuptools_scm/__init__.py": SETUPTOOLS_SCM_STANDIN}))
        grants["setuptools-scm"] = BACKEND_GRANT
    return grants


def payload(marker: Path, what: str) -> str:
    """Python the attacker wants run: it writes ``marker`` when executed."""
    return (f"with open({str(marker)!r}, 'a') as f:\n"
            f"    f.write({what + chr(10)!r})\n")


def install(permpip: Permpip, backend: str, py: Path, index: SubIndex, project: Path,
            requirement: str) -> Completed:
    return permpip("install", "--backend", backend, "--python", str(py), "-i", index.url,
                   requirement, "--no-cache", cwd=project)


def assert_refused(done: Completed, marker: Path, py: Path) -> None:
    """The secure outcome: the attacker's code did not run, permpip refused (exit 1 naming
    install-hooks, or exit 3), nothing was installed."""
    out = done.stdout + done.stderr
    assert not marker.exists(), (
        f"BYPASS: the sdist's own code ran at build time ({marker.read_text().strip()!r}); "
        f"permpip exited {done.returncode}:\n{out}")
    assert done.returncode in (1, 3), out
    if done.returncode == 1:
        assert "install-hooks" in done.stdout, out
    assert installed(py) == {}


# -- 1. a symlinked pyproject.toml: permpip reads nothing, pip follows the link -----------

IN_TREE_PYPROJECT = """\
[build-system]
requires = []
build-backend = "backend"
backend-path = ["docs"]

[project]
name = "{name}"
version = "1.0"
"""

IN_TREE_BACKEND = '''\
@PAYLOAD@
''' + WHEEL_WRITER + '''


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    return _write_wheel(wheel_directory, "@NAME@", "1.0", {"@MODULE@/__init__.py": b""})
'''


def in_tree_backend(marker: Path, name: str) -> str:
    return (IN_TREE_BACKEND.replace("@PAYLOAD@", payload(marker, "in-tree backend ran"))
            .replace("@NAME@", name).replace("@MODULE@", name.replace("-", "_")))


@pytest.mark.parametrize("backend", BACKENDS)
def test_symlinked_pyproject_hides_an_in_tree_backend(
        backend: str, index: SubIndex, tmp_path: Path, marker: Path, project: Path,
        make_venv: MakeVenv, permpip: Permpip) -> None:
    """pyproject.toml is a symlink to docs/build.toml. permpip does not follow links: it
    reads no [build-system] (so: setuptools, no setup.py, nothing runs) and only warns
    ``unanalyzed``; pip extracts the link and reads the in-tree backend through it."""
    dist = tmp_path / "dist"
    grants = publish_setuptools(index, dist)  # the PEP 517 default permpip falls back to
    index.publish(tar_sdist(dist, "linkpkg", "1.0", [
        _file("docs/build.toml", IN_TREE_PYPROJECT.format(name="linkpkg")),
        _file("docs/backend.py", in_tree_backend(marker, "linkpkg")),
        _symlink("pyproject.toml", "docs/build.toml"),
    ]))
    write_policy(project, grants)
    py = make_venv()
    done = install(permpip, backend, py, index, project, "linkpkg==1.0")
    assert_refused(done, marker, py)


@pytest.mark.parametrize("backend", BACKENDS)
def test_directory_symlink_overwrites_pyproject_when_pip_extracts(
        backend: str, index: SubIndex, tmp_path: Path, marker: Path, project: Path,
        make_venv: MakeVenv, permpip: Permpip) -> None:
    """Members in this order: a pure pyproject.toml (what permpip scans and reads the build
    requirements from), ``lnk -> .``, then ``lnk/pyproject.toml``: tarfile's data filter
    lets pip write it through the link, over the first one (the real path stays inside the
    tree). permpip sees two different files and only warns that ``lnk`` is a link."""
    dist = tmp_path / "dist"
    pure = ('[build-system]\nrequires = []\nbuild-backend = "flit_core.buildapi"\n\n'
            '[project]\nname = "overpkg"\nversion = "1.0"\n')
    index.publish(tar_sdist(dist, "overpkg", "1.0", [
        _file("pyproject.toml", pure),
        _file("overpkg/__init__.py", ""),
        _file("docs/backend.py", in_tree_backend(marker, "overpkg")),
        _symlink("lnk", "."),
        _file("lnk/pyproject.toml", IN_TREE_PYPROJECT.format(name="overpkg")),
    ]))
    write_policy(project, {})
    py = make_venv()
    done = install(permpip, backend, py, index, project, "overpkg==1.0")
    assert_refused(done, marker, py)


# -- 2. setup.cfg: ``cmdclass:`` (configparser's other delimiter) -------------------------

COLON_CFG = """\
[metadata]
name = colonpkg
version = 1.0

[options]
p = do
cmdclass: build_py = %(p)scs.commands.Build
"""


@pytest.mark.parametrize("backend", BACKENDS)
def test_setup_cfg_cmdclass_with_colon_delimiter(
        backend: str, index: SubIndex, tmp_path: Path, marker: Path, project: Path,
        make_venv: MakeVenv, permpip: Permpip) -> None:
    """permpip looks for ``^cmdclass\\s*=`` in setup.cfg; configparser (and so setuptools)
    also takes ``cmdclass: ...``. The class's module is ``docs.commands``, spelled
    ``%(p)scs.commands`` (setuptools interpolates; permpip's search for the word ``docs``
    in the configuration does not), so docs/ is not scanned either. Checked against the
    real setuptools 65.5 too: it imports docs/commands.py."""
    dist = tmp_path / "dist"
    grants = publish_setuptools(index, dist)
    index.publish(tar_sdist(dist, "colonpkg", "1.0", [
        _file("pyproject.toml", '[build-system]\nrequires = ["setuptools>=61"]\n'
                                'build-backend = "setuptools.build_meta"\n'),
        _file("setup.cfg", COLON_CFG),
        _file("colonpkg/__init__.py", ""),
        _file("docs/commands.py", payload(marker, "cmdclass module imported")
              + "class Build:\n    pass\n"),
    ]))
    write_policy(project, grants)
    py = make_venv()
    done = install(permpip, backend, py, index, project, "colonpkg==1.0")
    assert_refused(done, marker, py)


# -- 3. [tool.distutils.build_ext] swig: a command of the package's choosing --------------

SWIG_PYPROJECT = """\
[build-system]
requires = ["setuptools>=69"]
build-backend = "setuptools.build_meta"

[project]
name = "swigpkg"
version = "1.0"

[tool.setuptools]
packages = ["swigpkg"]
ext-modules = [{name = "swigpkg._wrap", sources = ["swigpkg/wrap.i"]}]

[tool.distutils.build_ext]
swig = "./tools/swig"
"""


@pytest.mark.parametrize("backend", BACKENDS)
def test_distutils_build_ext_swig_runs_a_shipped_script(
        backend: str, index: SubIndex, tmp_path: Path, marker: Path, project: Path,
        make_venv: MakeVenv, permpip: Permpip) -> None:
    """A SWIG interface (``.i``, not a native source to permpip) in [tool.setuptools]
    ext-modules, and build_ext's ``swig`` option pointing at an executable shell script in
    the sdist: setuptools' build_ext spawns it. permpip flags [tool.distutils] ``global``
    and ``aliases`` only, and does not read shell scripts."""
    dist = tmp_path / "dist"
    grants = publish_setuptools(index, dist)
    index.publish(tar_sdist(dist, "swigpkg", "1.0", [
        _file("pyproject.toml", SWIG_PYPROJECT),
        _file("swigpkg/__init__.py", ""),
        _file("swigpkg/wrap.i", "%module wrap\n"),
        _file("tools/swig", f"#!/bin/sh\necho 'swig option ran' >> '{marker}'\n", 0o755),
    ]))
    write_policy(project, grants)
    py = make_venv()
    done = install(permpip, backend, py, index, project, "swigpkg==1.0")
    assert_refused(done, marker, py)


# -- 4. a .git below the top level, made the version root ---------------------------------

SCM_PYPROJECT = """\
[build-system]
requires = ["setuptools>=64", "setuptools-scm>=8"]
build-backend = "setuptools.build_meta"

[project]
name = "scmpkg"
dynamic = ["version"]

[tool.setuptools_scm]
root = "vendor/upstream"
"""


def git_repo(where: Path, fsmonitor: str) -> Path:
    """A real git repository (one commit, tag v1.0) whose config runs ``fsmonitor``."""
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(where.parent), "GIT_CONFIG_NOSYSTEM": "1"}
    where.mkdir(parents=True)

    def run(*args: str) -> None:
        subprocess.run([git, "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=where,
                       env=env, check=True, capture_output=True)

    run("init", "-q")
    (where / "README").write_text("upstream\n")
    run("add", "README")
    run("commit", "-qm", "upstream")
    run("tag", "v1.0")
    shutil.rmtree(where / ".git" / "hooks", ignore_errors=True)
    run("config", "core.fsmonitor", fsmonitor)
    return where


@pytest.mark.parametrize("backend", BACKENDS)
def test_nested_git_config_runs_through_setuptools_scm_root(
        backend: str, index: SubIndex, tmp_path: Path, marker: Path, project: Path,
        make_venv: MakeVenv, permpip: Permpip) -> None:
    """permpip flags a top-level .git/.hg only. ``[tool.setuptools_scm] root`` (also
    hatch-vcs ``raw-options``) sends git to vendor/upstream, whose .git/config sets
    ``core.fsmonitor``: ``git describe --dirty`` runs it."""
    dist = tmp_path / "dist"
    grants = publish_setuptools(index, dist, scm=True)
    repo = git_repo(tmp_path / "repo" / "upstream",
                    f"echo 'git fsmonitor ran' >> '{marker}'; true")
    index.publish(tar_sdist(dist, "scmpkg", "1.0", [
        _file("pyproject.toml", SCM_PYPROJECT),
        _file("scmpkg/__init__.py", ""),
        *tree_files(repo, "vendor/upstream"),
    ]))
    write_policy(project, grants)
    py = make_venv()
    done = install(permpip, backend, py, index, project, "scmpkg==1.0")
    assert_refused(done, marker, py)


# -- 5. pdm-backend's custom hook spelled with ./ -----------------------------------------

PDM_PYPROJECT = """\
[build-system]
requires = ["pdm-backend"]
build-backend = "pdm.backend"

[project]
name = "pdmpkg"
version = "1.0"

[tool.pdm.build]
custom-hook = "./d\\u006fcs/hook.py"
"""


@pytest.mark.parametrize("backend", BACKENDS)
def test_pdm_custom_hook_path_not_spelled_as_the_member(
        backend: str, index: SubIndex, tmp_path: Path, marker: Path, project: Path,
        make_venv: MakeVenv, permpip: Permpip) -> None:
    """permpip flags pdm's custom hook only when the configured path is literally a member
    name; pdm-backend loads ``root / custom_hook`` whenever it exists, so ``./docs/hook.py``
    runs. (``\\u006f`` is an ``o``: the raw text never says ``docs``, so docs/ is not
    scanned.)"""
    dist = tmp_path / "dist"
    index.publish(build_wheel(dist, "pdm-backend", "2.4.3",
                              {"pdm/backend/__init__.py": PDM_STANDIN}))
    index.publish(tar_sdist(dist, "pdmpkg", "1.0", [
        _file("pyproject.toml", PDM_PYPROJECT),
        _file("pdmpkg/__init__.py", ""),
        _file("docs/hook.py", payload(marker, "pdm custom hook ran")),
    ]))
    write_policy(project, {"pdm-backend": BACKEND_GRANT})
    py = make_venv()
    done = install(permpip, backend, py, index, project, "pdmpkg==1.0")
    assert_refused(done, marker, py)


# -- 6. setuptools>61,<62: permpip concludes "older than 61" ------------------------------

ATTR_PYPROJECT = """\
[build-system]
requires = ["setuptools>61,<62"]
build-backend = "setuptools.build_meta"

[project]
name = "oldattrpkg"
dynamic = ["version"]

[tool.setuptools.dynamic]
version = {attr = "d\\u006fcs.about.VERSION"}
"""


@pytest.mark.parametrize("backend", BACKENDS)
def test_attr_with_exclusive_lower_bound_on_setuptools(
        backend: str, index: SubIndex, tmp_path: Path, marker: Path, project: Path,
        make_venv: MakeVenv, permpip: Permpip) -> None:
    """``_admits`` tries only 61, 99999 and the specifiers' own versions: none is in
    ``>61,<62``, so permpip decides setuptools<61 (which ignores [tool.setuptools.dynamic])
    and reports nothing; 61.1.0 .. 61.3.1 satisfy it and import the module for a
    non-literal ``attr:``."""
    dist = tmp_path / "dist"
    grants = publish_setuptools(index, dist, version="61.3.0")
    index.publish(tar_sdist(dist, "oldattrpkg", "1.0", [
        _file("pyproject.toml", ATTR_PYPROJECT),
        _file("oldattrpkg/__init__.py", ""),
        _file("docs/about.py", payload(marker, "attr module imported")
              + 'VERSION = ".".join(["1", "0"])\n'),
    ]))
    write_policy(project, grants)
    py = make_venv()
    done = install(permpip, backend, py, index, project, "oldattrpkg==1.0")
    assert_refused(done, marker, py)


def test_check_runs_the_same_build(index: SubIndex, tmp_path: Path, marker: Path,
                                   project: Path, make_venv: MakeVenv,
                                   permpip: Permpip) -> None:
    """``permpip check`` (CI, installs nothing) builds approved sdists too: the pdm hook of
    test 5 runs there as well."""
    dist = tmp_path / "dist"
    index.publish(build_wheel(dist, "pdm-backend", "2.4.3",
                              {"pdm/backend/__init__.py": PDM_STANDIN}))
    index.publish(tar_sdist(dist, "pdmpkg", "1.0", [
        _file("pyproject.toml", PDM_PYPROJECT),
        _file("pdmpkg/__init__.py", ""),
        _file("docs/hook.py", payload(marker, "pdm custom hook ran")),
    ]))
    write_policy(project, {"pdm-backend": BACKEND_GRANT})
    (project / "requirements.txt").write_text("pdmpkg==1.0\n")
    py = make_venv()
    done = permpip("check", "--python", str(py), "-i", index.url, "--no-cache", cwd=project)
    assert_refused(done, marker, py)
