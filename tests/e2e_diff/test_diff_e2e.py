"""``permpip diff`` end to end: artifacts built in tmp_path, served by the local test index,
pinned by real lockfiles (pylock.toml, requirements with hashes), diffed by the real CLI.

One upgrade scenario covers every case of issue 5 (a network call added inside a function,
a ``.pth`` added, a setup.py added, a removed package, a pure version bump, a new
transitive dependency the policy does not grant) in one run of each report format.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from gate._subprocess import Completed
from gate._subprocess import run as run_process
from tests.builders import build_sdist, build_wheel, sha256_file
from tests.conftest import write_policy
from tests.index import SubIndex

pytestmark = pytest.mark.e2e

SCHEMA = json.loads(
    (Path(__file__).resolve().parent.parent / "data" / "sarif-schema-2.1.0.json").read_text())

Permpip = Callable[..., Completed]

NET_FUNC = "import urllib.request\n\n\ndef fetch(url):\n    return urllib.request.urlopen(url)\n"
PLAIN = "def add(a, b):\n    return a + b\n"
SETUP_PY = "from setuptools import setup\n\nsetup(name='hooked', version='1.1')\n"
PYPROJECT = ('[build-system]\nrequires = ["setuptools"]\n'
             'build-backend = "setuptools.build_meta"\n')


def artifacts(dest: Path) -> dict[str, dict[str, Path]]:
    """side -> name -> artifact."""
    old = {
        "netfunc": build_wheel(dest, "netfunc", "1.0", {"netfunc/__init__.py": PLAIN}),
        "pthpkg": build_wheel(dest, "pthpkg", "1.0", {"pthpkg/__init__.py": PLAIN}),
        "hooked": build_wheel(dest, "hooked", "1.0", {"hooked/__init__.py": PLAIN}),
        "gone": build_wheel(dest, "gone", "1.0", {"gone/__init__.py": PLAIN,
                                                  "gone.pth": "import gone\n"}),
        "bumped": build_wheel(dest, "bumped", "1.0", {"bumped/__init__.py": PLAIN}),
        "steady": build_wheel(dest, "steady", "1.0", {"steady/__init__.py": PLAIN}),
    }
    new = {
        "netfunc": build_wheel(dest, "netfunc", "1.1", {"netfunc/__init__.py": NET_FUNC}),
        "pthpkg": build_wheel(dest, "pthpkg", "1.1", {"pthpkg/__init__.py": PLAIN,
                                                      "pthpkg-init.pth": "import pthpkg\n"}),
        "hooked": build_sdist(dest, "hooked", "1.1", {"setup.py": SETUP_PY,
                                                      "pyproject.toml": PYPROJECT,
                                                      "hooked/__init__.py": PLAIN}),
        "bumped": build_wheel(dest, "bumped", "1.1", {"bumped/__init__.py": PLAIN + "\n"},
                              requires=["transdep"]),
        "transdep": build_wheel(dest, "transdep", "0.1", {"transdep/__init__.py": PLAIN,
                                                          "transdep.pth": "import transdep\n"}),
        "steady": old["steady"],
    }
    return {"old": old, "new": new}


def write_pylock(path: Path, index: SubIndex, files: Mapping[str, Path]) -> Path:
    """A PEP 751 pylock.toml pinning ``files`` by URL on ``index`` and sha256."""
    lines = ['lock-version = "1.0"', 'created-by = "permpip-tests"', ""]
    for name, art in sorted(files.items()):
        version = art.name.split("-")[1].removesuffix(".tar.gz")
        lines += ["[[packages]]", f'name = "{name}"', f'version = "{version}"']
        entry = (f'url = "{index.file_url(art.name)}"\n'
                 f'hashes = {{ sha256 = "{sha256_file(art)}" }}')
        if art.name.endswith(".whl"):
            lines += ["[[packages.wheels]]", f'name = "{art.name}"', entry]
        else:
            lines += ["[packages.sdist]", f'name = "{art.name}"', entry]
        lines.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))
    return path


def write_hashed(path: Path, files: Mapping[str, Path]) -> Path:
    lines = [f"{name}=={art.name.split('-')[1].removesuffix('.tar.gz')} "
             f"--hash=sha256:{sha256_file(art)}" for name, art in sorted(files.items())]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def scenario(tmp_path: Path, index: SubIndex) -> dict[str, dict[str, Path]]:
    arts = artifacts(tmp_path / "dist")
    for side in arts.values():
        for art in side.values():
            index.publish(art)
    project = tmp_path / "project"
    write_pylock(project / "old" / "pylock.toml", index, arts["old"])
    write_pylock(project / "pylock.toml", index, arts["new"])
    write_policy(project, {"bumped": ["fs-read"]})
    return arts


def line_of(path: Path, text: str) -> int:
    return path.read_text().splitlines().index(text) + 1


def diff(permpip: Permpip, project: Path, *args: str) -> Completed:
    done = permpip("diff", *args, "--cache-dir", str(project.parent / "cache"), cwd=project)
    assert not done.stderr.startswith("Traceback"), done.stderr
    return done


def test_markdown_report_of_an_upgrade(
    permpip: Permpip, tmp_path: Path, scenario: dict[str, dict[str, Path]]
) -> None:
    project = tmp_path / "project"
    done = diff(permpip, project, "old/pylock.toml", "pylock.toml", "--format", "markdown")
    assert done.returncode == 1, done.stderr
    table = [line for line in done.stdout.splitlines() if line.startswith("| ")]
    assert table == [
        "| package | version | gained | lost | verdict |",
        "| `bumped` | 1.0 → 1.1 | — | — | ✅ nothing gained |",
        "| `gone` | 1.0 → — | — | startup-hooks (startup) | ✅ nothing gained |",
        "| `hooked` | 1.0 → 1.1 | install-hooks (install) | — | "
        "❌ not granted: install-hooks |",
        "| `netfunc` | 1.0 → 1.1 | network (runtime) | — | ❌ not granted: network |",
        "| `pthpkg` | 1.0 → 1.1 | startup-hooks (startup) | — | "
        "❌ not granted: startup-hooks |",
        "| `transdep` | — → 0.1 | startup-hooks (startup) | — | "
        "❌ not granted: startup-hooks |",
    ]
    assert done.stdout.splitlines()[2] == (
        "❌ 6 packages changed, 1 unchanged; "
        "4 packages gained capabilities the policy does not grant.")
    pylock = project / "pylock.toml"
    for name in ("hooked", "netfunc", "pthpkg", "transdep"):
        line = line_of(pylock, f'name = "{name}"')
        assert f"Pinned at `pylock.toml:{line}`." in done.stdout
    assert "  - `netfunc/__init__.py:5` " in done.stdout
    assert "  - `pthpkg-init.pth:1` " in done.stdout
    assert "Grant with `permpip policy allow netfunc network` after review." in done.stdout


def test_sarif_report_of_an_upgrade_is_valid_and_points_at_the_lockfile(
    permpip: Permpip, tmp_path: Path, scenario: dict[str, dict[str, Path]]
) -> None:
    project = tmp_path / "project"
    done = diff(permpip, project, "old/pylock.toml", "pylock.toml", "--format", "sarif")
    assert done.returncode == 1, done.stderr
    sarif = json.loads(done.stdout)
    jsonschema.Draft4Validator(SCHEMA).validate(sarif)
    pylock = project / "pylock.toml"
    got = [(r["ruleId"], r["level"], r["properties"]["package"],
            r["locations"][0]["physicalLocation"]) for r in sarif["runs"][0]["results"]]

    def at(name: str) -> dict[str, Any]:
        return {"artifactLocation": {"uri": "pylock.toml"},
                "region": {"startLine": line_of(pylock, f'name = "{name}"')}}

    assert got == [
        ("install-hooks", "error", "hooked", at("hooked")),
        ("network", "error", "netfunc", at("netfunc")),
        ("startup-hooks", "error", "pthpkg", at("pthpkg")),
        ("startup-hooks", "error", "transdep", at("transdep")),
    ]
    [net] = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "network"]
    assert net["message"]["text"].startswith(
        "netfunc 1.0 -> 1.1 (upgraded) gains network (runtime): network is not granted by the "
        "policy. Evidence: netfunc/__init__.py:5 (")
    assert net["message"]["text"].endswith("Grant it with: permpip policy allow netfunc network")


def test_pure_bump_and_removal_exit_0_and_grants_let_gains_through(
    permpip: Permpip, tmp_path: Path, index: SubIndex
) -> None:
    dist, project = tmp_path / "dist", tmp_path / "project"
    old = {"bumped": build_wheel(dist, "bumped", "1.0", {"bumped/__init__.py": NET_FUNC}),
           "gone": build_wheel(dist, "gone", "1.0", {"gone/__init__.py": NET_FUNC})}
    new = {"bumped": build_wheel(dist, "bumped", "2.0", {"bumped/__init__.py": "\n" + NET_FUNC})}
    for art in (*old.values(), *new.values()):
        index.publish(art)
    write_hashed(project / "old.txt", old)
    write_hashed(project / "new.txt", new)
    write_policy(project, {})
    done = diff(permpip, project, "old.txt", "new.txt", "--strict", "--index-url", index.url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "permpip diff old.txt -> new.txt",
        "ok   bumped 1.0 -> 2.0 (upgraded)  [new.txt:1]: nothing gained",
        "ok   gone 1.0 (removed)  [old.txt:2]: nothing gained",
        "       - network (runtime)",
        "2 packages changed, 0 unchanged; nothing gained that the policy does not grant",
    ]


def test_git_mode_against_the_base_branch(
    permpip: Permpip, tmp_path: Path, scenario: dict[str, dict[str, Path]],
    hermetic_env: dict[str, str],
) -> None:
    project = tmp_path / "project"

    def git(*args: str) -> None:
        done = run_process(["git", "-c", "user.name=t", "-c", "user.email=t@t",
                            "-c", "commit.gpgsign=false", *args], cwd=project, env=hermetic_env)
        assert done.returncode == 0, done.stderr

    new_text = (project / "pylock.toml").read_text()
    (project / "pylock.toml").write_text((project / "old" / "pylock.toml").read_text())
    git("init", "-q", "-b", "main")
    git("add", "pylock.toml", "pyproject.toml")
    git("commit", "-q", "-m", "base")
    (project / "pylock.toml").write_text(new_text)
    done = diff(permpip, project, "--git", "main", "--format", "json")
    assert done.returncode == 1, done.stderr
    doc = json.loads(done.stdout)
    assert (doc["old"], doc["new"]) == ("pylock.toml@main", "pylock.toml")
    assert doc["refused"] == ["hooked", "netfunc", "pthpkg", "transdep"]
    [gone] = [p for p in doc["packages"] if p["name"] == "gone"]
    old_line = line_of(project / "old" / "pylock.toml", 'name = "gone"')
    assert gone["source"] == f"pylock.toml@main:{old_line}"
    grant = ["policy", "allow"]
    for name, caps in (("hooked", ["install-hooks"]), ("netfunc", ["network"]),
                       ("pthpkg", ["startup-hooks"]), ("transdep", ["startup-hooks"])):
        assert permpip(*grant, name, *caps, cwd=project).returncode == 0
    done = diff(permpip, project, "--git", "main")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1] == (
        "6 packages changed, 1 unchanged; nothing gained that the policy does not grant")
    assert diff(permpip, project, "--git", "main", "--strict").returncode == 1
