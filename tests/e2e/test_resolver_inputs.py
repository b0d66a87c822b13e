"""Every input pip or uv reads besides the command line: read by permpip, or refused.

Constraint files (local, by URL, nested in requirement files), ``PIP_*``/``UV_*`` variables,
the target's pip.conf and uv's configuration files could each make the resolver build an
sdist before permpip scanned it. The sdist here (``tests/e2e/test_sdist.py``) has a build
backend that appends to a MARKER file when it runs: it never appears. Each input either
goes through the gate (``--no-binary`` from anywhere is permpip's: the sdist is scanned and
refused for ``install-hooks``, exit 1) or is refused with one line naming it and where it
came from (exit 2). Nothing is installed either way.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from gate._subprocess import Completed
from tests.builders import build_wheel
from tests.conftest import installed, write_policy
from tests.e2e.test_sdist import publish_markpkg
from tests.index import SubIndex

pytestmark = pytest.mark.e2e

Permpip = Callable[..., Completed]
MakeVenv = Callable[..., Path]

SDIST = "markpkg-1.0.tar.gz"
REFUSED = [
    "refused: 1 of 1 package uses capabilities the policy does not grant "
    "(policy: pyproject.toml)",
    "",
    f"markpkg 1.0 ({SDIST})",
]
HOOKS = "  install-hooks (install) not granted:"
FIX = "  fix: permpip policy allow markpkg fs-write install-hooks"
CONSTRAINT = ("a constraint may pin versions or name a wheel, not an sdist, a directory or a "
              "VCS URL (pip would build it before permpip could scan it)")
CONSTRAINT_HINT = ("hint: pin its version instead (markpkg==1.0), or name the file as a "
                   "requirement so permpip scans it first")
UV_SETTING = ("permpip cannot honour this uv setting (it changes what is built or resolved "
              "in a way permpip does not carry over)")


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A directory served over HTTP on 127.0.0.1: (directory, base URL)."""
    root = tmp_path / "served"
    root.mkdir()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0),
                                functools.partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def sdist(tmp_path: Path, marker: Path, index: SubIndex) -> Path:
    """markpkg 1.0 as a wheel (the resolver's pick) and as the marker sdist."""
    path = publish_markpkg(index, tmp_path / "dist", marker)
    index.publish(build_wheel(tmp_path / "dist", "markpkg", "1.0", {"markpkg/__init__.py": ""}))
    index.publish(build_wheel(tmp_path / "dist", "app", "1.0", {"app/__init__.py": ""},
                              requires=["markpkg"]))
    return path


def _gated(done: Completed) -> None:
    """The sdist went through the gate and was refused: exit 1, the verdict, nothing else."""
    assert done.returncode == 1, done.stderr + done.stdout
    lines = done.stdout.splitlines()
    start = lines.index(REFUSED[0])
    assert lines[start:start + 3] == REFUSED
    assert HOOKS in lines and FIX in lines and lines[-1] == "nothing installed"


def _refused(done: Completed, message: str, hint: str | None = None) -> None:
    """Refused before resolution: exit 2, the one line (and its hint)."""
    assert done.returncode == 2, done.stderr + done.stdout
    assert done.stderr.splitlines()[0] == f"error: {message}"
    assert done.stderr.splitlines()[1:] == ([hint] if hint else [])


def _config_env(hermetic_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """pip reads its configuration files: none but the target's (user and global ones point
    at empty directories)."""
    env = {k: v for k, v in hermetic_env.items() if k != "PIP_CONFIG_FILE"}
    for name in ("home", "xdg-config", "xdg-dirs"):
        (tmp_path / name).mkdir(exist_ok=True)
    return env | {"HOME": str(tmp_path / "home"), "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"),
                  "XDG_CONFIG_DIRS": str(tmp_path / "xdg-dirs")}


# -- constraint files ----------------------------------------------------------------------

# where the file is (read by permpip, before and whatever the backend) and which backend
# resolves (after the reading) are independent: each where with pip, and one with uv
@pytest.mark.parametrize(("where", "backend"), [("url", "pip"), ("file", "pip"), ("url", "uv")])
def test_no_binary_in_a_constraints_file(backend: str, where: str, sdist: Path, marker: Path,
                                         index: SubIndex, served: tuple[Path, str],
                                         project: Path, make_venv: MakeVenv,
                                         permpip: Permpip) -> None:
    write_policy(project, {})
    root, base = served
    (root / "constraints.txt").write_text("--no-binary :all:\nmarkpkg<2\n")
    (project / "constraints.txt").write_text("--no-binary :all:\nmarkpkg<2\n")
    constraints = f"{base}/constraints.txt" if where == "url" else "constraints.txt"
    py = make_venv()
    done = permpip("install", "--backend", backend, "--python", str(py), "--index-url",
                   index.url, "--no-cache", "-c", constraints, "markpkg", cwd=project)
    _gated(done)
    assert not marker.exists()
    assert installed(py) == {}


@pytest.mark.parametrize("backend", ["pip", "uv"])
@pytest.mark.parametrize("pin", ["url", "path"])
def test_a_constraint_naming_an_sdist_is_refused(backend: str, pin: str, sdist: Path,
                                                 marker: Path, index: SubIndex, project: Path,
                                                 make_venv: MakeVenv, permpip: Permpip) -> None:
    write_policy(project, {})
    spec = f"markpkg @ {index.file_url(SDIST) if pin == 'url' else sdist.as_uri()}"
    (project / "constraints.txt").write_text(f"# pinned\n{spec}\n")
    py = make_venv()
    done = permpip("install", "--backend", backend, "--python", str(py), "--index-url",
                   index.url, "--no-cache", "-c", "constraints.txt", "app", cwd=project)
    _refused(done, f"constraints.txt:2: {spec}: {CONSTRAINT}", CONSTRAINT_HINT)
    assert not marker.exists()
    assert installed(py) == {}


@pytest.mark.parametrize("backend", ["pip", "uv"])
def test_nested_requirement_and_constraint_files(backend: str, sdist: Path, marker: Path,
                                                 index: SubIndex, project: Path,
                                                 make_venv: MakeVenv, permpip: Permpip) -> None:
    """-r a.txt -> -c sub/b.txt -> --no-binary :all: (pip applies options of every file)."""
    write_policy(project, {})
    (project / "sub").mkdir(parents=True)
    (project / "a.txt").write_text("-c sub/b.txt\nmarkpkg\n")
    (project / "sub" / "b.txt").write_text("--no-binary :all:\n")
    py = make_venv()
    done = permpip("install", "--backend", backend, "--python", str(py), "--index-url",
                   index.url, "--no-cache", "-r", "a.txt", cwd=project)
    _gated(done)
    assert not marker.exists()
    assert installed(py) == {}


def test_a_remote_requirements_file_is_read_with_what_it_includes(
        sdist: Path, marker: Path, index: SubIndex, served: tuple[Path, str], project: Path,
        make_venv: MakeVenv, permpip: Permpip) -> None:
    write_policy(project, {})
    root, base = served
    (root / "reqs").mkdir()
    (root / "reqs" / "r.txt").write_text("app\n-c ../c.txt\n")
    (root / "c.txt").write_text("markpkg==1.0\n")
    py = make_venv()
    done = permpip("install", "--python", str(py), "--index-url", index.url, "--no-cache",
                   "-r", f"{base}/reqs/r.txt", cwd=project)
    assert done.returncode == 0, done.stderr + done.stdout
    assert installed(py) == {"app": "1.0", "markpkg": "1.0"}
    (root / "c.txt").write_text(f"markpkg @ {index.file_url(SDIST)}\n")
    done = permpip("install", "--python", str(py), "--index-url", index.url, "--no-cache",
                   "--force-reinstall", "-r", f"{base}/reqs/r.txt", cwd=project)
    _refused(done, f"{base}/c.txt:1: markpkg @ {index.file_url(SDIST)}: {CONSTRAINT}",
             CONSTRAINT_HINT)
    assert not marker.exists()


# -- PIP_* variables and the target's pip.conf --------------------------------------------

@pytest.mark.parametrize("variable", ["PIP_CONSTRAINT", "PIP_REQUIREMENT"])
def test_constraint_and_requirement_files_from_the_environment(
        variable: str, sdist: Path, marker: Path, index: SubIndex, tmp_path: Path,
        project: Path, make_venv: MakeVenv, permpip: Permpip,
        hermetic_env: dict[str, str]) -> None:
    write_policy(project, {})
    listed = tmp_path / "listed.txt"
    listed.write_text("--no-binary :all:\nmarkpkg\n")
    py = make_venv()
    env = hermetic_env | {variable: str(listed)}
    args = ["install", "--python", str(py), "--index-url", index.url, "--no-cache"]
    done = permpip(*args, *(["markpkg"] if variable == "PIP_CONSTRAINT" else []),
                   cwd=project, env=env)
    _gated(done)
    listed.write_text(f"markpkg @ {index.file_url(SDIST)}\n")
    done = permpip(*args, "app", cwd=project, env=env)
    if variable == "PIP_CONSTRAINT":
        _refused(done, f"{listed}:1: markpkg @ {index.file_url(SDIST)}: {CONSTRAINT}",
                 CONSTRAINT_HINT)
    else:  # a direct reference to an sdist: scanned first, then refused by the policy
        _gated(done)
    assert not marker.exists()
    assert installed(py) == {}


@pytest.mark.parametrize(("variable", "value", "message", "hint"), [
    ("PIP_EDITABLE", ".", "PIP_EDITABLE (environment): editable requirements are taken from "
     "the command line only", "hint: name the project: permpip install -e DIR"),
    ("PIP_CONFIG_SETTINGS", "k=v", "PIP_CONFIG_SETTINGS (environment): build settings from "
     "pip's configuration are not supported (permpip builds approved sdists itself)",
     "hint: unset it"),
    ("PIP_NO_BUILD_ISOLATION", "0", "PIP_NO_BUILD_ISOLATION (environment) = 0: pip would "
     "build without isolation; permpip builds every approved sdist in isolation, with only "
     "scanned build requirements", "hint: unset it"),
    ("PIP_PYTHON", "/usr/bin/python3", "PIP_PYTHON (environment) = /usr/bin/python3: pip "
     "would install into that interpreter, not {py}",
     "hint: pass --python /usr/bin/python3 to permpip, or unset it"),
])
def test_pip_settings_permpip_cannot_honour_are_refused(
        variable: str, value: str, message: str, hint: str, sdist: Path, index: SubIndex,
        project: Path, make_venv: MakeVenv, permpip: Permpip,
        hermetic_env: dict[str, str]) -> None:
    write_policy(project, {})
    py = make_venv()
    done = permpip("install", "--python", str(py), "--index-url", index.url, "--no-cache",
                   "app", cwd=project, env=hermetic_env | {variable: value})
    _refused(done, message.format(py=py), hint)
    assert installed(py) == {}
    # --isolated: pip reads no PIP_* variable, and neither does permpip
    done = permpip("install", "--isolated", "--python", str(py), "--index-url", index.url,
                   "--no-cache", "app", cwd=project, env=hermetic_env | {variable: value})
    assert done.returncode == 0, done.stderr + done.stdout
    assert installed(py) == {"app": "1.0", "markpkg": "1.0"}


def test_no_binary_in_the_targets_pip_conf(sdist: Path, marker: Path, index: SubIndex,
                                           tmp_path: Path, project: Path, make_venv: MakeVenv,
                                           permpip: Permpip,
                                           hermetic_env: dict[str, str]) -> None:
    """pip run with --python TARGET reads TARGET's <sys.prefix>/pip.conf: so does permpip."""
    write_policy(project, {})
    py = make_venv()
    (py.parent.parent / "pip.conf").write_text("[global]\nno-binary = :all:\n")
    done = permpip("install", "--python", str(py), "--index-url", index.url, "--no-cache",
                   "markpkg", cwd=project, env=_config_env(hermetic_env, tmp_path))
    _gated(done)
    assert not marker.exists()
    assert installed(py) == {}
    (py.parent.parent / "pip.conf").write_text("[install]\nconfig-settings = k=v\n")
    done = permpip("install", "--python", str(py), "--index-url", index.url, "--no-cache",
                   "markpkg", cwd=project, env=_config_env(hermetic_env, tmp_path))
    _refused(done, f"{py.parent.parent / 'pip.conf'}: [install] config-settings: build "
             "settings from pip's configuration are not supported (permpip builds approved "
             "sdists itself)", "hint: unset it")
    assert installed(py) == {}


def test_an_index_url_in_the_targets_pip_conf_still_works(
        sdist: Path, marker: Path, index: SubIndex, tmp_path: Path, project: Path,
        make_venv: MakeVenv, permpip: Permpip, hermetic_env: dict[str, str]) -> None:
    write_policy(project, {})
    py = make_venv()
    (py.parent.parent / "pip.conf").write_text(f"[global]\nindex-url = {index.url}\n")
    done = permpip("install", "--python", str(py), "--no-cache", "app", cwd=project,
                   env=_config_env(hermetic_env, tmp_path))
    assert done.returncode == 0, done.stderr + done.stdout
    assert installed(py) == {"app": "1.0", "markpkg": "1.0"}
    assert not marker.exists()


# -- uv: UV_* variables and uv.toml ---------------------------------------------------------

def test_uv_constraint_from_the_environment(sdist: Path, marker: Path, index: SubIndex,
                                            tmp_path: Path, project: Path, make_venv: MakeVenv,
                                            permpip: Permpip,
                                            hermetic_env: dict[str, str]) -> None:
    write_policy(project, {})
    listed = tmp_path / "uv-constraints.txt"
    listed.write_text("--no-binary :all:\n")
    py = make_venv()
    args = ("install", "--backend", "uv", "--python", str(py), "--index-url", index.url,
            "--no-cache", "markpkg")
    _gated(permpip(*args, cwd=project, env=hermetic_env | {"UV_CONSTRAINT": str(listed)}))
    listed.write_text(f"markpkg @ {index.file_url(SDIST)}\n")
    done = permpip(*args, cwd=project, env=hermetic_env | {"UV_CONSTRAINT": str(listed)})
    _refused(done, f"{listed}:1: markpkg @ {index.file_url(SDIST)}: {CONSTRAINT}",
             CONSTRAINT_HINT)
    done = permpip(*args, cwd=project, env=hermetic_env | {"UV_OVERRIDE": str(listed)})
    _refused(done, "UV_OVERRIDE (environment): permpip cannot honour it (overrides replace "
             "what packages ask for; permpip resolves with pip's semantics, which have no "
             "overrides)", "hint: unset it, or use --backend pip")
    assert not marker.exists()
    assert installed(py) == {}


@pytest.mark.parametrize(("setting", "refused"), [
    ("no-binary = true", None),
    ("no-binary-package = ['markpkg']", None),
    ("[pip]\nno-binary = ['markpkg']", None),
    ("no-build-isolation = true", "no-build-isolation"),
    ("override-dependencies = ['markpkg<2']", "override-dependencies"),
    ("[pip]\ndependency-metadata = [{name = 'markpkg', version = '1.0'}]",
     "[pip] dependency-metadata"),
])
def test_uv_toml_from_uv_config_file(setting: str, refused: str | None, sdist: Path,
                                     marker: Path, index: SubIndex, tmp_path: Path,
                                     project: Path, make_venv: MakeVenv, permpip: Permpip,
                                     hermetic_env: dict[str, str]) -> None:
    """UV_CONFIG_FILE is read even with UV_NO_CONFIG=1 (uv's precedence)."""
    write_policy(project, {})
    config = tmp_path / "uv.toml"
    config.write_text(setting + "\n")
    py = make_venv()
    done = permpip("install", "--backend", "uv", "--python", str(py), "--index-url", index.url,
                   "--no-cache", "markpkg", cwd=project,
                   env=hermetic_env | {"UV_CONFIG_FILE": str(config)})
    if refused is None:
        _gated(done)
    else:
        _refused(done, f"{config}: {refused}: {UV_SETTING}",
                 "hint: remove it, or use --backend pip")
    assert not marker.exists()
    assert installed(py) == {}


def test_uv_index_url_in_uv_toml_still_works(sdist: Path, marker: Path, index: SubIndex,
                                             tmp_path: Path, project: Path,
                                             make_venv: MakeVenv, permpip: Permpip,
                                             hermetic_env: dict[str, str]) -> None:
    write_policy(project, {})
    config = tmp_path / "uv.toml"
    config.write_text(f'[[index]]\nurl = "{index.url}"\ndefault = true\n')
    py = make_venv()
    done = permpip("install", "--backend", "uv", "--python", str(py), "--no-cache", "app",
                   cwd=project, env=hermetic_env | {"UV_CONFIG_FILE": str(config)})
    assert done.returncode == 0, done.stderr + done.stdout
    assert installed(py) == {"app": "1.0", "markpkg": "1.0"}
    assert not marker.exists()
