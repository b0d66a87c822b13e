"""Red team: inputs with which an sdist's build backend runs before permpip's verdict.

Each test names one input that makes pip run a build backend permpip has not scanned and
approved (the ``markpkg`` sdist of ``tests/e2e/test_sdist.py`` appends to MARKER when its
backend is imported; ``evilpkg`` below does the same to its own marker). Every test asserts
the secure outcome: the marker is absent, permpip refused (exit 1 policy, 2 usage, 3
resolve) and nothing was installed. The uv backend refuses each of these already (uv
never builds under ``--only-binary :all:``), so the tests run the pip backend.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from gate._subprocess import Completed
from tests.builders import build_sdist, build_wheel
from tests.conftest import installed, write_policy
from tests.e2e.test_sdist import BACKEND, GRANT, PYPROJECT, publish_markpkg
from tests.index import SubIndex

pytestmark = pytest.mark.e2e

Permpip = Callable[..., Completed]
MakeVenv = Callable[..., Path]


def _secure(done: Completed, marker: Path, py: Path) -> None:
    """The attacker's build backend did not run; permpip refused; nothing installed."""
    assert not marker.exists(), "the build backend ran before the verdict:\n" + \
        done.stderr + done.stdout
    assert done.returncode in (1, 2, 3), done.stderr + done.stdout
    assert installed(py) == {}


def _config_env(hermetic_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """pip reads its configuration files again: user and global ones in empty directories."""
    env = {k: v for k, v in hermetic_env.items() if k != "PIP_CONFIG_FILE"}
    for name in ("home", "xdg-config", "xdg-dirs"):
        (tmp_path / name).mkdir(exist_ok=True)
    return env | {"HOME": str(tmp_path / "home"), "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"),
                  "XDG_CONFIG_DIRS": str(tmp_path / "xdg-dirs")}


def _markpkg_tree(root: Path, marker: Path) -> Path:
    """markpkg as a source directory (the marker backend, in tree)."""
    root.mkdir(parents=True)
    (root / "pyproject.toml").write_text(PYPROJECT)
    (root / "backend.py").write_text(BACKEND.format(marker=str(marker)))
    return root


# -- 1. a direct reference in the metadata of a wheel the resolver reads ------------------

@pytest.mark.parametrize("command", ["install", "check"])
@pytest.mark.parametrize("how", ["http-sdist", "file-sdist", "directory"])
def test_direct_url_dependency_of_an_index_wheel(command: str, how: str, index: SubIndex,
                                                 tmp_path: Path, marker: Path, project: Path,
                                                 make_venv: MakeVenv,
                                                 permpip: Permpip) -> None:
    """``app-1.0-py3-none-any.whl`` on the index declares ``Requires-Dist: markpkg @ URL``
    (an sdist by http or file URL, or a source directory). pip's ``--only-binary :all:``
    is format control of the *finder* (index and find-links pages); a direct reference
    does not go through the finder, so pip's resolver (``install --dry-run --report``)
    downloads and builds it to learn its metadata. Only after that does permpip see the
    sdist in the report, scan it and refuse: the backend has already run."""
    write_policy(project, {})
    sdist = publish_markpkg(index, tmp_path / "dist", marker)
    url = {"http-sdist": index.file_url(sdist.name), "file-sdist": sdist.as_uri(),
           "directory": _markpkg_tree(tmp_path / "tree", marker).as_uri()}[how]
    index.publish(build_wheel(tmp_path / "dist", "app", "1.0", {"app/__init__.py": ""},
                              requires=[f"markpkg @ {url}"]))
    py = make_venv()
    (project / "requirements.txt").write_text("app\n")
    args = ["app"] if command == "install" else ["requirements.txt"]
    done = permpip(command, "--python", str(py), "--index-url", index.url, "--no-cache",
                   *args, cwd=project)
    _secure(done, marker, py)


# -- 2. a file: URL without "//" ----------------------------------------------------------

@pytest.mark.parametrize("where", ["command-line", "requirements-file"])
@pytest.mark.parametrize("spec", ["markpkg @ file:{path}#sha256={sha}",
                                  "markpkg @ file:{path}#egg=markpkg",
                                  "file:{path}#egg=markpkg"])
def test_file_url_with_one_slash_and_a_fragment(where: str, spec: str, index: SubIndex,
                                                tmp_path: Path, marker: Path, project: Path,
                                                make_venv: MakeVenv,
                                                permpip: Permpip) -> None:
    """``direct_ref`` takes a location for a URL only when it matches ``scheme://``:
    ``file:/abs/markpkg-1.0.tar.gz`` is taken for a relative path, which does not exist;
    with a fragment it no longer ends in an archive suffix, so ``direct_ref`` returns None
    ("pip says what is wrong with it") and the line goes to the resolver as if it named a
    package. pip reads ``file:/abs/...`` as a file URL (``url_to_path``), sees an sdist and
    builds it (format control does not apply to direct references)."""
    write_policy(project, {})
    sdist = publish_markpkg(index, tmp_path / "dist", marker)
    line = spec.format(path=sdist, sha=index.sha256(sdist.name))
    (project / "requirements.txt").write_text(line + "\n")
    args = [line] if where == "command-line" else ["-r", "requirements.txt"]
    py = make_venv()
    done = permpip("install", "--python", str(py), "--index-url", index.url, "--no-cache",
                   *args, cwd=project)
    _secure(done, marker, py)


# -- 3. a newline in a PEP 723 dependency ------------------------------------------------

@pytest.mark.parametrize("injected", ["--no-binary markpkg #/", "-e {tree}"])
def test_newline_in_a_script_dependency_injects_a_line(injected: str, index: SubIndex,
                                                       tmp_path: Path, marker: Path,
                                                       project: Path, make_venv: MakeVenv,
                                                       permpip: Permpip) -> None:
    """PEP 723 ``dependencies`` are TOML strings, and ``"app\\n-e /dir"`` holds a newline.
    pip's ``pep723_metadata`` does not validate them; ``direct_ref`` takes a string with a
    ``/`` it cannot parse for a missing path (None) and ``_local_dir``'s regex does not
    match across the newline, so ``write_flat`` writes it as two lines into the flattened
    requirements file. pip obeys the second: ``--no-binary markpkg`` (it builds markpkg's
    sdist from the index) or ``-e DIR`` (it builds the editable tree's metadata)."""
    write_policy(project, {})
    publish_markpkg(index, tmp_path / "dist", marker)
    index.publish(build_wheel(tmp_path / "dist", "markpkg", "1.0", {"markpkg/__init__.py": ""}))
    index.publish(build_wheel(tmp_path / "dist", "app", "1.0", {"app/__init__.py": ""},
                              requires=["markpkg"]))
    tree = _markpkg_tree(tmp_path / "tree", marker)
    dep = "app\n" + injected.format(tree=tree)
    (project / "script.py").write_text(
        "# /// script\n"
        f"# dependencies = [{json.dumps(dep)}]\n"
        "# ///\n"
        "print('hi')\n")
    py = make_venv()
    done = permpip("install", "--python", str(py), "--index-url", index.url, "--no-cache",
                   "--requirements-from-script", "script.py", cwd=project)
    _secure(done, marker, py)


# -- 4. a requirement after "--" that pip reads as an option -------------------------------

def test_positional_after_double_dash_reaches_pip_as_an_option(index: SubIndex,
                                                                tmp_path: Path,
                                                                marker: Path, project: Path,
                                                                make_venv: MakeVenv,
                                                                permpip: Permpip) -> None:
    """After ``--`` permpip takes every argument for a requirement; ``resolve_pip``
    appends the requirements to pip's argv with no ``--`` of its own, so pip (optparse,
    interspersed arguments) reads one that starts with ``-`` as an option. With a ``/`` and
    a newline it is neither an invalid requirement to ``direct_ref`` nor a missing directory
    to ``_local_dir``: ``--no-binary=:all:,<newline>/`` lifts ``--only-binary :all:`` and
    pip builds markpkg's sdist while resolving."""
    write_policy(project, {})
    publish_markpkg(index, tmp_path / "dist", marker)
    index.publish(build_wheel(tmp_path / "dist", "markpkg", "1.0", {"markpkg/__init__.py": ""}))
    py = make_venv()
    done = permpip("install", "--python", str(py), "--index-url", index.url, "--no-cache",
                   "--", "markpkg", "--no-binary=:all:,\n/", cwd=project)
    _secure(done, marker, py)


# -- 5. pip's configuration read again by the approved build ------------------------------

EVIL_BACKEND = '''\
with open({marker!r}, "a") as f:
    f.write("evilpkg build backend ran\\n")


def get_requires_for_build_wheel(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    raise RuntimeError("never built")


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    raise RuntimeError("never built")
'''

EVIL_PYPROJECT = """\
[build-system]
requires = []
build-backend = "backend"
backend-path = ["."]

[project]
name = "evilpkg"
version = "1.0"
"""


@pytest.mark.parametrize("section", ["wheel", "global"])
@pytest.mark.parametrize("where", ["target-pip-conf", "xdg-config-dirs"])
def test_pip_conf_requirement_joins_an_approved_build(section: str, where: str,
                                                      index: SubIndex, tmp_path: Path,
                                                      marker: Path, project: Path,
                                                      make_venv: MakeVenv, permpip: Permpip,
                                                      hermetic_env: dict[str, str]) -> None:
    """markpkg is granted install-hooks; evilpkg is granted nothing. ``gate.build`` runs
    ``pip wheel --isolated`` without ``PIP_CONFIG_FILE=os.devnull``: ``--isolated`` skips
    only the user file and ``PIP_*``, so pip still loads the global files (XDG_CONFIG_DIRS,
    /etc) and the site file (``<target>/pip.conf``, pip runs under the target), sections
    ``[global]`` and ``[wheel]``. ``requirement = evil.txt`` there makes the approved build
    of markpkg build evilpkg too. permpip never reads ``[wheel]``; ``[global]`` it reads
    for resolution, but the command line's sdist is built before the file's is scanned."""
    write_policy(project, {"markpkg": GRANT})
    sdist = publish_markpkg(index, tmp_path / "dist", marker)
    evil_marker = tmp_path / "EVIL-MARKER"
    evil = build_sdist(tmp_path / "evil", "evilpkg", "1.0", {
        "pyproject.toml": EVIL_PYPROJECT,
        "backend.py": EVIL_BACKEND.format(marker=str(evil_marker))})
    (tmp_path / "evil.txt").write_text(f"{evil}\n")
    conf = f"[{section}]\nrequirement = {tmp_path / 'evil.txt'}\n"
    py = make_venv()
    env = _config_env(hermetic_env, tmp_path)
    if where == "target-pip-conf":
        (py.parent.parent / "pip.conf").write_text(conf)
    else:
        (tmp_path / "xdg-dirs" / "pip").mkdir()
        (tmp_path / "xdg-dirs" / "pip" / "pip.conf").write_text(conf)
    done = permpip("install", "--python", str(py), "--index-url", index.url, "--no-cache",
                   str(sdist), cwd=project, env=env)
    assert not evil_marker.exists(), "evilpkg's build backend ran, never scanned:\n" + \
        done.stderr + done.stdout
    if section == "global":  # permpip reads it: evilpkg is gated, and refused
        _secure(done, evil_marker, py)
