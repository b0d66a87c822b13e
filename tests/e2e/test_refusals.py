"""Refusals of pure-Python capabilities end to end: the report names package, version,
capability, phase, file:line and the exact fix; nothing is installed."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from gate._subprocess import Completed
from tests.builders import build_wheel
from tests.conftest import installed, write_policy
from tests.index import SubIndex

pytestmark = pytest.mark.e2e

Permpip = Callable[..., Completed]
MakeVenv = Callable[..., Path]

FETCH = """\
import urllib.request


def get(url):
    return urllib.request.urlopen(url).read()
"""


def test_network_in_a_function_is_refused(index: SubIndex, tmp_path: Path,
                                          make_venv: MakeVenv, permpip: Permpip) -> None:
    index.publish(build_wheel(tmp_path / "dist", "netpkg", "2.1",
                              {"netpkg/__init__.py": "", "netpkg/fetch.py": FETCH}))
    project = tmp_path / "project"
    write_policy(project, {}, default=["fs-read"])
    py = make_venv()
    done = permpip("install", "--python", str(py), "--index-url", index.url, "netpkg",
                   "--no-cache", cwd=project)
    assert done.returncode == 1, done.stderr
    assert done.stdout.splitlines()[-8:] == [
        "refused: 1 of 1 package uses capabilities the policy does not grant "
        "(policy: pyproject.toml)",
        "",
        "netpkg 2.1 (netpkg-2.1-py3-none-any.whl)",
        "  network (runtime) not granted:",
        "    netpkg/fetch.py:5 urllib.request.urlopen",
        "  fix: permpip policy allow netpkg network",
        '   or: netpkg = ["network"]',
        "nothing installed",
    ]
    assert installed(py) == {}
    # not a terminal: one plain line per stage on stderr, no control characters
    assert re.fullmatch(r"resolving: 1 package\nfetching: 1 file verified \([\d.]+ k?B\)\n"
                        r"scanning: 1 artifact\n", done.stderr), done.stderr
    # the fix it prints, run as printed, makes the same install pass
    fix = permpip("policy", "allow", "netpkg", "network", cwd=project)
    assert fix.returncode == 0, fix.stderr
    again = permpip("install", "--python", str(py), "--index-url", index.url, "netpkg",
                    "--no-cache", cwd=project)
    assert again.returncode == 0, again.stderr
    assert installed(py) == {"netpkg": "2.1"}


def test_network_refused_with_the_uv_backend_too(index: SubIndex, tmp_path: Path,
                                                 make_venv: MakeVenv, permpip: Permpip) -> None:
    index.publish(build_wheel(tmp_path / "dist", "netpkg", "2.1",
                              {"netpkg/__init__.py": "", "netpkg/fetch.py": FETCH}))
    project = tmp_path / "project"
    write_policy(project, {})
    py = make_venv()
    done = permpip("install", "--backend", "uv", "--python", str(py), "--index-url",
                   index.url, "netpkg", "--no-cache", cwd=project)
    assert done.returncode == 1, done.stderr
    assert "    netpkg/fetch.py:5 urllib.request.urlopen" in done.stdout
    assert installed(py) == {}


def test_pth_startup_hook_is_refused(index: SubIndex, tmp_path: Path,
                                     make_venv: MakeVenv, permpip: Permpip) -> None:
    index.publish(build_wheel(tmp_path / "dist", "hookpkg", "1.0", {
        "hookpkg/__init__.py": "", "hookpkg_init.pth": "import hookpkg\n"}))
    index.publish(build_wheel(tmp_path / "dist", "plain", "1.0", {"plain/__init__.py": ""}))
    project = tmp_path / "project"
    write_policy(project, {})
    py = make_venv()
    done = permpip("install", "--python", str(py), "--index-url", index.url, "plain",
                   "hookpkg", "--no-cache", cwd=project)
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    start = lines.index("refused: 1 of 2 packages uses capabilities the policy does not grant "
                        "(policy: pyproject.toml)")
    assert lines[start + 1:start + 5] == [
        "",
        "hookpkg 1.0 (hookpkg-1.0-py3-none-any.whl)",
        "  startup-hooks (startup) not granted:",
        "    hookpkg_init.pth:1 executable .pth line runs at every interpreter start",
    ]
    assert lines[-3:] == ["  fix: permpip policy allow hookpkg startup-hooks",
                          '   or: hookpkg = ["startup-hooks"]', "nothing installed"]
    assert installed(py) == {}  # not even the allowed package
    assert not list(py.parent.parent.glob("lib/python*/site-packages/*.pth"))
    write_policy(project, {"hookpkg": ["startup-hooks"]})
    again = permpip("install", "-q", "--python", str(py), "--index-url", index.url, "plain",
                    "hookpkg", "--no-cache", cwd=project)
    assert (again.returncode, again.stdout, again.stderr) == (0, "", "")
    assert installed(py) == {"plain": "1.0", "hookpkg": "1.0"}


def test_json_names_the_evidence(index: SubIndex, tmp_path: Path, make_venv: MakeVenv,
                                 permpip: Permpip) -> None:
    import json

    index.publish(build_wheel(tmp_path / "dist", "netpkg", "2.1",
                              {"netpkg/__init__.py": "", "netpkg/fetch.py": FETCH}))
    project = tmp_path / "project"
    write_policy(project, {})
    py = make_venv()
    done = permpip("check", "--format", "json", "--python", str(py), "--index-url",
                   index.url, "--no-cache", str(_requirements(project, "netpkg")), cwd=project)
    assert done.returncode == 1, done.stderr
    data = json.loads(done.stdout)
    [package] = data["packages"]
    assert (package["name"], package["version"], package["allowed"]) == ("netpkg", "2.1", False)
    [denial] = package["denials"]
    assert denial["capability"] == "network" and denial["phase"] == "runtime"
    assert denial["fix"] == "permpip policy allow netpkg network"
    assert [(e["path"], e["line"]) for e in denial["evidence"]] == [("netpkg/fetch.py", 5)]
    assert data["installed"] is False


def _requirements(project: Path, *lines: str) -> Path:
    path = project / "requirements.txt"
    path.write_text("".join(f"{ln}\n" for ln in lines))
    return path
