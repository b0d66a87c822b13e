"""Red team of ``permpip run``: a malicious distribution ``evil`` (granted nothing, or only
what each test says) tries to reach the network, write a file, start a process or read an
environment variable without the guard reporting it (report mode) or stopping it
(``--enforce``).

Every test asserts what docs/runtime.md claims. An attempt that succeeds is a bypass and is
marked ``xfail(strict=True, reason="bypass (<class>): <mechanism>")``; plain tests are
attempts the guard stops. The guard runs on Python 3.11 here (``_thread`` wrapper, no
``_posixsubprocess`` event).
"""

from __future__ import annotations

import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.runtime.conftest import RunPermpip, Target, install_fake, policy_toml, read_report

PY = sys.executable
MAIN = "import evil\nevil.go()\n"


@dataclass
class Outcome:
    code: int
    report: dict
    output: str
    marker: Path

    @property
    def used(self) -> list[tuple[str, str]]:
        return [(v["package"], v["capability"]) for v in self.report["violations"]]

    def violation(self, capability: str) -> dict:
        [v] = [v for v in self.report["violations"] if v["capability"] == capability]
        return v


def attack(tmp_path: Path, run_permpip: RunPermpip, evil: str, *, main: str = MAIN,
           grant: str = "[]", enforce: bool = False, files: dict[str, str] | None = None,
           target: Target | None = None, env: dict[str, str] | None = None,
           policy: dict[str, str] | None = None) -> Outcome:
    """``evil`` (its ``__init__.py``; ``@URL@``, ``@PORT@``, ``@MARKER@`` substituted) and
    ``files`` installed with a RECORD; ``main.py`` (the application) run under permpip."""
    marker = tmp_path / "marker"
    url = target.url if target else "http://127.0.0.1:9/beacon"
    port = str(target.port) if target else "9"

    def sub(text: str) -> str:
        return (textwrap.dedent(text).replace("@URL@", url).replace("@PORT@", port)
                .replace("@MARKER@", str(marker)))

    layout = {"evil/__init__.py": sub(evil)}
    layout.update({k: sub(v) for k, v in (files or {}).items()})
    site = install_fake(tmp_path / "site", "evil", "1.0", layout)
    project = tmp_path / "project"
    project.mkdir()
    packages = {"evil": grant, **(policy or {})}
    (project / "pyproject.toml").write_text(policy_toml(packages))
    (project / "main.py").write_text(sub(main))
    out = project / "report.json"
    done = run_permpip("run", *(["--enforce"] if enforce else []), "--format", "json",
                       "--output", str(out), "--", PY, "main.py", cwd=project,
                       extra_path=[site], env={"SECRET": "s3cret-value", **(env or {})})
    return Outcome(done.returncode, read_report(out), done.stdout + done.stderr, marker)


def bypass(klass: str, mechanism: str) -> pytest.MarkDecorator:
    return pytest.mark.xfail(strict=True, reason=f"bypass ({klass}): {mechanism}")


RAW_GET = (
    "import socket\n"
    "def get():\n"
    "    s = socket.socket()\n"
    "    s.connect(('127.0.0.1', @PORT@))\n"
    "    s.sendall(b'GET /beacon HTTP/1.0\\r\\n\\r\\n')\n"
    "    while s.recv(4096):\n"
    "        pass\n"
    "    s.close()\n")

# what the closures of os.environ's replacement reach (no audited attribute on the way)
CELLS = (
    "import os\n"
    "_T = type(os.environ._data)\n"
    "_call = dict(zip(_T.get.__code__.co_freevars, _T.get.__closure__))['call'].cell_contents\n"
    "CELLS = dict(zip(_call.__code__.co_freevars, _call.__closure__))\n")


# -- 1. switching the guard off, reaching its state ---------------------------------------


def test_closure_cell_of_the_environ_wrapper(tmp_path: Path, target: Target,
                                             run_permpip: RunPermpip) -> None:
    o = attack(tmp_path, run_permpip, CELLS + RAW_GET + (
        "CELLS['tuple'].cell_contents = lambda *a: ()\n"
        "def go():\n"
        "    get()\n"
        "    f = open('@MARKER@', 'w'); f.write('x'); f.close()\n"), target=target,
        enforce=True)
    assert target.requests == [] and not o.marker.exists()
    assert ("evil", "network") in o.used and o.code == 1


def test_sending_to_the_environ_generator_is_still_audited(
        tmp_path: Path, run_permpip: RunPermpip) -> None:
    o = attack(tmp_path, run_permpip, CELLS + (
        "def go():\n"
        "    print('LEAK', CELLS['gens'].cell_contents[0].send(('get', b'SECRET', None)))\n"
        ), enforce=True)
    assert "s3cret-value" not in o.output
    assert o.used == [("evil", "env")]


def test_replacing_sys_audit_and_builtins_changes_nothing(
        tmp_path: Path, target: Target, run_permpip: RunPermpip) -> None:
    o = attack(tmp_path, run_permpip, RAW_GET + (
        "import builtins, sys\n"
        "sys.audit = lambda *a: None\n"
        "builtins.isinstance = lambda *a: False\n"
        "builtins.len = lambda *a: 0\n"
        "def go():\n"
        "    try:\n"
        "        get()\n"
        "    except PermissionError:\n"
        "        print('refused')\n"), target=target, enforce=True)
    assert target.requests == [] and "refused" in o.output
    assert o.used == [("evil", "network")]


def test_sitecustomize_module_holds_nothing(tmp_path: Path, target: Target,
                                            run_permpip: RunPermpip) -> None:
    """The module object of the guard (replaced by the chained one) and its globals."""
    o = attack(tmp_path, run_permpip, RAW_GET + (
        "import sys\n"
        "def go():\n"
        "    m = sys.modules.get('sitecustomize')\n"
        "    print('GLOBALS', sorted(k for k in vars(m) if not k.startswith('__')))\n"
        "    get()\n"), target=target)
    assert "GLOBALS []" in o.output
    assert o.used == [("evil", "network")]


def test_the_real_start_new_thread_from_the_wrappers_defaults(
        tmp_path: Path, run_permpip: RunPermpip) -> None:
    """The 3.11 wrapper held the real function in ``__defaults__``: neither its defaults
    nor its closure reach a builtin any more (the real one lives in generator frames)."""
    o = attack(tmp_path, run_permpip, (
        "import _thread, time\n"
        "def go():\n"
        "    w = _thread.start_new_thread\n"
        "    seen = list(w.__defaults__ or ()) + [c.cell_contents for c in w.__closure__ or ()]\n"
        "    for v in list(seen):\n"
        "        seen += [c.cell_contents for c in getattr(v, '__closure__', None) or ()]\n"
        "    real = [v for v in seen if type(v).__name__ == 'builtin_function_or_method'\n"
        "            and v.__name__ in ('start_new_thread', 'start_new')]\n"
        "    for g in [v for v in seen if isinstance(v, list)]:\n"
        "        for gen in g:\n"
        "            try:\n"
        "                gen.send(((print, ('sent',)), {}))\n"
        "            except Exception as exc:\n"
        "                print('send', type(exc).__name__)\n"
        "    time.sleep(0.5)\n"
        "    print('REAL', len(real))\n"
        "    (real[0] if real else w)(print, ('in thread',))\n"
        "    time.sleep(0.3)\n"))
    assert "REAL 0" in o.output
    assert "in thread" in o.output
    assert o.used == [("evil", "threads")]


# -- 2. report channel --------------------------------------------------------------------


def test_closing_the_events_descriptor(tmp_path: Path, target: Target,
                                       run_permpip: RunPermpip) -> None:
    o = attack(tmp_path, run_permpip, (
        "import os, urllib.request\n"
        "def go():\n"
        "    for fd in range(3, 100):\n"
        "        try:\n"
        "            if os.readlink('/proc/self/fd/%d' % fd).endswith('events.jsonl'):\n"
        "                os.close(fd)\n"
        "                os.dup2(os.open(os.devnull, os.O_WRONLY), fd)\n"
        "        except OSError:\n"
        "            pass\n"
        "    urllib.request.urlopen('@URL@').read()\n"), target=target)
    assert target.requests == ["/beacon"]  # report mode: runs
    assert o.code == 1 and ("evil", "network") in o.used


def test_writing_the_events_file_by_name_is_refused(tmp_path: Path,
                                                    run_permpip: RunPermpip) -> None:
    o = attack(tmp_path, run_permpip, (
        "import os, sys\n"
        "def go():\n"
        "    d = os.path.dirname(sys.modules['sitecustomize'].__file__)\n"
        "    for p in sys.path:\n"
        "        if os.path.exists(os.path.join(p, 'events.jsonl')):\n"
        "            d = p\n"
        "    try:\n"
        "        os.truncate(os.path.join(d, 'events.jsonl'), 0)\n"
        "    except PermissionError:\n"
        "        print('refused')\n"), grant='["fs-write", "fs-read"]', enforce=True)
    assert "refused" in o.output
    assert ("evil", "guard") in o.used


# -- 3. misattribution: no frame of evil's on the stack when the standard library acts ----


def test_atexit_partial(tmp_path: Path, target: Target, run_permpip: RunPermpip) -> None:
    o = attack(tmp_path, run_permpip, (
        "import atexit, functools, urllib.request\n"
        "atexit.register(functools.partial(urllib.request.urlopen, '@URL@'))\n"
        "def go():\n"
        "    pass\n"), target=target)
    assert o.used == [("evil", "network")]


def test_atexit_register_keeps_its_api(tmp_path: Path, run_permpip: RunPermpip) -> None:
    """A distribution's callbacks are wrapped: the decorator form still returns the function,
    unregister still finds it, and a callback of its own code runs once."""
    o = attack(tmp_path, run_permpip, (
        "import atexit\n"
        "@atexit.register\n"
        "def _bye():\n"
        "    print('bye')\n"
        "def _never():\n"
        "    print('never')\n"
        "atexit.register(_never)\n"
        "atexit.unregister(_never)\n"
        "def go():\n"
        "    print('name', _bye.__name__)\n"), enforce=True)
    assert o.output.splitlines() == ["name _bye", "bye"]
    assert "never" not in o.output and o.used == [] and o.code == 0


@bypass("misattribution", "weakref.finalize(obj, urllib.request.urlopen, url) runs at exit "
        "with no distribution frame: weakref itself (not the package) registers its _exitfunc "
        "with atexit, so the registrant rule does not apply; finalize stores the callable "
        "where peek() returns it, so it cannot be wrapped without changing its API")
def test_weakref_finalize(tmp_path: Path, target: Target, run_permpip: RunPermpip) -> None:
    o = attack(tmp_path, run_permpip, (
        "import urllib.request, weakref\n"
        "class _T:\n"
        "    pass\n"
        "_keep = _T()\n"
        "weakref.finalize(_keep, urllib.request.urlopen, '@URL@')\n"
        "def go():\n"
        "    pass\n"), target=target)
    assert o.used == [("evil", "network")]


@bypass("misattribution", "the package's API is a functools.partial of a stdlib function: "
        "the application calls it, so the innermost non-stdlib frame is the application's")
def test_an_api_that_is_a_partial(tmp_path: Path, target: Target,
                                  run_permpip: RunPermpip) -> None:
    o = attack(tmp_path, run_permpip, (
        "import functools, urllib.request\n"
        "go = functools.partial(urllib.request.urlopen, '@URL@')\n"), target=target,
        enforce=True)
    assert target.requests == []
    assert o.used == [("evil", "network")]


@bypass("misattribution", "a decorator the application applies returns a partial of a "
        "stdlib function; calling the decorated function is the application's")
def test_a_decorator_the_application_applies(tmp_path: Path, run_permpip: RunPermpip) -> None:
    o = attack(tmp_path, run_permpip, (
        "import functools, pathlib\n"
        "def cached(fn):\n"
        "    return functools.partial(pathlib.Path('@MARKER@').write_text)\n"),
        main="import evil\n@evil.cached\ndef render(text):\n    return text\nrender('x')\n",
        enforce=True)
    assert not o.marker.exists()
    assert o.used == [("evil", "fs-write")]


@bypass("misattribution", "sorted(key=) / map() with a key the package supplies "
        "(operator.methodcaller / a bound stdlib method): called from the application's frame")
def test_sorted_key_supplied_by_the_package(tmp_path: Path, run_permpip: RunPermpip) -> None:
    o = attack(tmp_path, run_permpip, (
        "import pathlib\n"
        "key = pathlib.Path('@MARKER@').write_text\n"),
        main="import evil\nprint(sorted(['b', 'a'], key=evil.key))\n", enforce=True)
    assert not o.marker.exists()
    assert o.used == [("evil", "fs-write")]


@bypass("misattribution", "json.dumps replaced by a partial of Path.write_text: the "
        "application's own json.dumps call writes")
def test_monkeypatched_stdlib_function(tmp_path: Path, run_permpip: RunPermpip) -> None:
    o = attack(tmp_path, run_permpip, (
        "import functools, json, pathlib\n"
        "json.dumps = functools.partial(pathlib.Path('@MARKER@').write_text)\n"
        "def go():\n"
        "    pass\n"), main="import evil, json\nevil.go()\njson.dumps('pwned')\n",
        enforce=True)
    assert not o.marker.exists()
    assert o.used == [("evil", "fs-write")]


def test_thread_target_is_a_stdlib_function(tmp_path: Path, target: Target,
                                            run_permpip: RunPermpip) -> None:
    o = attack(tmp_path, run_permpip, (
        "import threading, urllib.request\n"
        "def go():\n"
        "    t = threading.Thread(target=urllib.request.urlopen, args=('@URL@',))\n"
        "    t.start(); t.join()\n"), grant='["threads"]', target=target, enforce=True)
    assert target.requests == []
    assert o.used == [("evil", "network")]


def test_a_thread_running_the_packages_function_is_the_package(
        tmp_path: Path, target: Target, run_permpip: RunPermpip) -> None:
    o = attack(tmp_path, run_permpip, (
        "import threading, urllib.request\n"
        "def _p():\n"
        "    try:\n"
        "        urllib.request.urlopen('@URL@')\n"
        "    except OSError as exc:\n"
        "        print('refused', type(exc.reason).__name__)\n"
        "def go():\n"
        "    t = threading.Thread(target=_p)\n"
        "    t.start(); t.join()\n"), grant='["threads"]', target=target, enforce=True)
    assert target.requests == [] and "refused PermissionError" in o.output
    assert o.used == [("evil", "network")]


def test_del_run_by_the_applications_gc_is_the_package(
        tmp_path: Path, run_permpip: RunPermpip) -> None:
    o = attack(tmp_path, run_permpip, (
        "class _Writer:\n"
        "    def __del__(self):\n"
        "        try:\n"
        "            open('@MARKER@', 'w').write('x')\n"
        "        except PermissionError:\n"
        "            print('refused')\n"
        "_w = _Writer()\n"
        "_w.cycle = _w\n"
        "del _w\n"
        "def go():\n"
        "    pass\n"), main="import evil, gc\ngc.collect()\n", enforce=True)
    assert not o.marker.exists() and "refused" in o.output
    assert o.used == [("evil", "fs-write")]


def test_del_at_shutdown_is_still_enforced(tmp_path: Path, run_permpip: RunPermpip) -> None:
    o = attack(tmp_path, run_permpip, (
        "import builtins\n"
        "class _Writer:\n"
        "    def __del__(self, open=open):  # builtins are gone by then\n"
        "        open('@MARKER@', 'w').write('x')\n"
        "builtins._keep = _Writer()\n"
        "def go():\n"
        "    pass\n"), enforce=True)
    assert not o.marker.exists()
    assert o.used == [("evil", "fs-write")]


def test_code_replace_with_the_applications_file_name(tmp_path: Path,
                                                       run_permpip: RunPermpip) -> None:
    o = attack(tmp_path, run_permpip, (
        "import os, types\n"
        "def _p():\n"
        "    open('@MARKER@', 'w').write('x')\n"
        "def go():\n"
        "    code = _p.__code__.replace(co_filename=os.path.abspath('main.py'))\n"
        "    types.FunctionType(code, globals())()\n"), grant='["dynamic-code"]', enforce=True)
    assert not o.marker.exists()
    assert ("evil", "fs-write") in o.used


def test_code_type_constructor(tmp_path: Path, run_permpip: RunPermpip) -> None:
    o = attack(tmp_path, run_permpip, (
        "import os, types\n"
        "def _p():\n"
        "    open('@MARKER@', 'w').write('x')\n"
        "def go():\n"
        "    c = _p.__code__\n"
        "    c2 = types.CodeType(c.co_argcount, c.co_posonlyargcount, c.co_kwonlyargcount,\n"
        "        c.co_nlocals, c.co_stacksize, c.co_flags, c.co_code, c.co_consts,\n"
        "        c.co_names, c.co_varnames, os.path.abspath('main.py'), c.co_name,\n"
        "        c.co_qualname, c.co_firstlineno, c.co_linetable, c.co_exceptiontable)\n"
        "    types.FunctionType(c2, globals())()\n"), grant='["dynamic-code"]', enforce=True)
    assert not o.marker.exists()
    assert ("evil", "fs-write") in o.used


def test_compile_under_the_applications_name_is_still_the_package(
        tmp_path: Path, run_permpip: RunPermpip) -> None:
    o = attack(tmp_path, run_permpip, (
        "import os\n"
        "def go():\n"
        "    app = os.path.abspath('main.py')\n"
        "    exec(compile(\"open('@MARKER@', 'w').write('x')\", app, 'exec'),\n"
        "         {'__file__': app})\n"))
    assert o.marker.exists()  # report mode
    assert ("evil", "dynamic-code") in o.used and ("evil", "fs-write") in o.used


def test_compile_under_the_applications_name_with_dynamic_code(
        tmp_path: Path, run_permpip: RunPermpip) -> None:
    o = attack(tmp_path, run_permpip, (
        "import os\n"
        "def go():\n"
        "    app = os.path.abspath('main.py')\n"
        "    exec(compile(\"open('@MARKER@', 'w').write('x')\", app, 'exec'))\n"),
        grant='["dynamic-code"]', enforce=True)
    assert not o.marker.exists()
    assert o.used == [("evil", "fs-write")]


def test_a_fake_dist_info_on_sys_path_does_not_reown_its_files(
        tmp_path: Path, target: Target, run_permpip: RunPermpip) -> None:
    """evil puts a directory with friendly-1.0.dist-info (RECORD naming evil's payload)
    first on sys.path: the first claim (evil's own RECORD) wins."""
    o = attack(tmp_path, run_permpip, (
        "import os, sys\n"
        "sys.path.insert(0, os.path.join(os.path.dirname(__file__), '_meta'))\n"
        "from evil.payload import go\n"), files={
            "evil/payload.py": ("import urllib.request\n"
                                "def go():\n"
                                "    urllib.request.urlopen('@URL@').read()\n"),
            "evil/_meta/friendly-1.0.dist-info/RECORD": "../../payload.py,,\n"},
        policy={"friendly": '["network"]'}, target=target, enforce=True)
    assert target.requests == []
    assert o.used == [("evil", "network")]


# -- 4. phase: import vs run time ---------------------------------------------------------


def test_a_runtime_grant_used_at_import(tmp_path: Path, target: Target,
                                        run_permpip: RunPermpip) -> None:
    o = attack(tmp_path, run_permpip, (
        "import functools, urllib.request\n"
        "functools.partial(urllib.request.urlopen, '@URL@')()\n"
        "def go():\n"
        "    pass\n"), grant='["network"]', target=target, enforce=True)
    assert target.requests == []
    v = o.violation("network")
    assert (v["package"], v["phase"]) == ("evil", "import")


def test_import_time_use_from_a_thread(tmp_path: Path, target: Target,
                                       run_permpip: RunPermpip) -> None:
    o = attack(tmp_path, run_permpip, (
        "import _thread, urllib.request\n"
        "_lock = _thread.allocate_lock()\n"
        "_lock.acquire()\n"
        "def _p():\n"
        "    try:\n"
        "        urllib.request.urlopen('@URL@').read()\n"
        "    finally:\n"
        "        _lock.release()\n"
        "_thread.start_new_thread(_p, ())\n"
        "_lock.acquire()\n"
        "def go():\n"
        "    pass\n"), grant='{ allow = ["network", "threads"], at-import = ["threads"] }',
        target=target, enforce=True)
    assert target.requests == []
    assert o.violation("network")["phase"] == "import"


# -- 5. children without the guard --------------------------------------------------------

CHILD = "open('@MARKER@', 'w').write('x')"


def _child(tmp_path: Path, run_permpip: RunPermpip, start: str,
           files: dict[str, str] | None = None) -> Outcome:
    """evil, granted subprocess, starts a child that writes the marker (application code in
    the child, so only a child without the guard is a problem)."""
    return attack(tmp_path, run_permpip, (
        "import os, subprocess, sys\n"
        f"CHILD = {CHILD!r}\n"
        "def go():\n"
        f"    {start}\n"), grant='["subprocess"]', enforce=True, files=files)


@pytest.mark.parametrize("start", [
    "subprocess.run([sys.executable, '-I', '-c', CHILD])",
    "os.waitpid(__import__('multiprocessing.util').util.spawnv_passfds(sys.executable, "
    "[sys.executable, '-I', '-c', CHILD], ()), 0)",
    "subprocess.run([sys.executable, '-uIs', '-c', CHILD])",
    "subprocess.run([sys.executable, '-c', CHILD], env={})",
    "subprocess.run([sys.executable, '-c', CHILD], env={'PYTHONPATH': '/nowhere'})",
    "os.posix_spawn(sys.executable, [sys.executable, '-S', '-c', CHILD], "
    "{'PYTHONPATH': sys.path[1]})",
    "os.system(sys.executable + ' -E -c \"' + CHILD + '\"')",
    "subprocess.run(sys.executable + ' -I -c \"' + CHILD + '\"', shell=True)",
    "subprocess.run([sys.executable, '-Wignore', '-Xdev', '-u', '-E', '-c', CHILD])",
    "subprocess.run([sys.executable, '-W', 'ignore', '-bX', 'utf8', '-S', '-c', CHILD])",
    "subprocess.run([sys.executable, '--check-hash-based-pycs', 'never', '-I', '-c', CHILD])",
    "os.spawnv(os.P_WAIT, sys.executable, ['x', '-I', '-c', CHILD])",
])
def test_children_without_the_guard_are_refused(tmp_path: Path, run_permpip: RunPermpip,
                                                start: str) -> None:
    o = _child(tmp_path, run_permpip, start)
    assert not o.marker.exists()
    assert ("evil", "guard") in o.used


def test_isolated_after_an_option_with_a_value(tmp_path: Path,
                                               run_permpip: RunPermpip) -> None:
    o = _child(tmp_path, run_permpip,
               "subprocess.run([sys.executable, '-X', 'utf8', '-I', '-c', CHILD])")
    assert not o.marker.exists()
    assert ("evil", "guard") in o.used


def test_isolated_with_executable_and_a_foreign_argv0(tmp_path: Path,
                                                     run_permpip: RunPermpip) -> None:
    o = _child(tmp_path, run_permpip,
               "subprocess.run(['x', '-I', '-c', CHILD], executable=sys.executable)")
    assert not o.marker.exists()
    assert ("evil", "guard") in o.used


def test_isolated_through_proc_self_exe(tmp_path: Path, run_permpip: RunPermpip) -> None:
    o = _child(tmp_path, run_permpip, "subprocess.run(['/proc/self/exe', '-I', '-c', CHILD])")
    assert not o.marker.exists()
    assert ("evil", "guard") in o.used


def test_a_sitecustomize_of_the_package_ahead_of_the_guard(
        tmp_path: Path, run_permpip: RunPermpip) -> None:
    o = _child(tmp_path, run_permpip, (
        "subprocess.run([sys.executable, '-c', CHILD], env={'PYTHONPATH': os.pathsep.join("
        "[os.path.join(os.path.dirname(__file__), '_boot'), sys.path[1]])})"),
        files={"evil/_boot/sitecustomize.py": "# not the guard\n"})
    assert not o.marker.exists()
    assert ("evil", "guard") in o.used


def test_a_process_through_posixsubprocess(tmp_path: Path, run_permpip: RunPermpip) -> None:
    o = attack(tmp_path, run_permpip, (
        "import multiprocessing.util, os\n"
        "def go():\n"
        "    pid = multiprocessing.util.spawnv_passfds(\n"
        "        b'/bin/touch', [b'/bin/touch', b'@MARKER@'], ())\n"
        "    os.waitpid(pid, 0)\n"), enforce=True)
    assert not o.marker.exists()
    assert o.used == [("evil", "subprocess")]


# -- 6. standard library functions and events -----------------------------------------------


@pytest.mark.parametrize("write", [
    "os.close(os.open('@MARKER@', os.O_RDONLY | os.O_CREAT))",
    "os.symlink('/etc/hostname', '@MARKER@')",
    "os.link(__file__, '@MARKER@')",
    "shutil.copyfile(__file__, '@MARKER@')",
    "sqlite3.connect('@MARKER@').execute('create table t (x)')",
    "pathlib.Path('@MARKER@').touch()",
    "os.rename(tempfile.mkstemp()[1], '@MARKER@')",
    "logging.FileHandler('@MARKER@').emit(logging.makeLogRecord({}))",
])
def test_file_writes_are_refused(tmp_path: Path, run_permpip: RunPermpip, write: str) -> None:
    o = attack(tmp_path, run_permpip, (
        "import logging, os, pathlib, shutil, sqlite3, tempfile\n"
        "def go():\n"
        "    try:\n"
        f"        {write}\n"
        "    except PermissionError:\n"
        "        print('refused')\n"), grant='["fs-read"]', enforce=True)
    assert not o.marker.exists() and "refused" in o.output
    assert o.used == [("evil", "fs-write")]


def test_mkfifo(tmp_path: Path, run_permpip: RunPermpip) -> None:
    o = attack(tmp_path, run_permpip, "import os\ndef go():\n    os.mkfifo('@MARKER@')\n",
               enforce=True)
    assert not o.marker.exists()
    assert o.used == [("evil", "fs-write")]


def test_mknod(tmp_path: Path, run_permpip: RunPermpip) -> None:
    o = attack(tmp_path, run_permpip, (
        "import os, stat\n"
        "def go():\n"
        "    os.mknod('@MARKER@', stat.S_IFREG | 0o600)\n"), enforce=True)
    assert not o.marker.exists()
    assert o.used == [("evil", "fs-write")]


@pytest.mark.parametrize("send", [
    "get()",
    "socket.create_connection(('127.0.0.1', @PORT@)).close()",
    "socket.socket().connect_ex(('127.0.0.1', @PORT@))",
    "socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('127.0.0.1', @PORT@))",
    "__import__('http.client').client.HTTPConnection('127.0.0.1', @PORT@).request('GET', '/')",
    "__import__('asyncio').run(__import__('asyncio').open_connection('127.0.0.1', @PORT@))",
    "__import__('ftplib').FTP('127.0.0.1', timeout=5)",
    "__import__('smtplib').SMTP('127.0.0.1', @PORT@, timeout=5)",
])
def test_network_uses_are_refused(tmp_path: Path, target: Target, run_permpip: RunPermpip,
                                  send: str) -> None:
    o = attack(tmp_path, run_permpip, RAW_GET + (
        "def go():\n"
        "    try:\n"
        f"        {send}\n"
        "    except PermissionError:\n"
        "        print('refused')\n"
        "    except OSError as exc:\n"
        "        print('refused' if isinstance(getattr(exc, 'reason', None), "
        "PermissionError) else exc)\n"), target=target, enforce=True)
    assert target.requests == [] and "refused" in o.output
    assert o.used == [("evil", "network")]


def test_ctypes_is_native(tmp_path: Path, run_permpip: RunPermpip) -> None:
    o = attack(tmp_path, run_permpip, (
        "def go():\n"
        "    try:\n"
        "        import ctypes\n"
        "        ctypes.CDLL(None).getenv(b'SECRET')\n"
        "    except PermissionError:\n"
        "        print('refused')\n"), enforce=True)
    assert "refused" in o.output
    assert ("evil", "native") in o.used


# -- 7. environment reads ------------------------------------------------------------------


@pytest.mark.parametrize("read", [
    "os.environ['SECRET']",
    "os.getenv('SECRET')",
    "os.getenvb(b'SECRET')",
    "os.environ._data[b'SECRET']",
    "__import__('posix').environ[b'SECRET']",
    "os.environ.copy()['SECRET']",
    "dict(os.environ)['SECRET']",
    "'{SECRET}'.format_map(os.environ)",
    "__import__('operator').itemgetter('SECRET')(os.environ)",
])
def test_environment_reads_are_refused(tmp_path: Path, run_permpip: RunPermpip,
                                       read: str) -> None:
    o = attack(tmp_path, run_permpip, (
        "import os\n"
        "def go():\n"
        "    try:\n"
        f"        print('LEAK', {read})\n"
        "    except PermissionError:\n"
        "        print('refused')\n"), enforce=True)
    assert "s3cret-value" not in o.output and "refused" in o.output
    assert o.used == [("evil", "env")]


def test_environ_data_pop(tmp_path: Path, run_permpip: RunPermpip) -> None:
    o = attack(tmp_path, run_permpip, (
        "import os\n"
        "def go():\n"
        "    d = os.environ._data\n"
        "    v = d.pop(b'SECRET'); d[b'SECRET'] = v\n"
        "    print('LEAK', v)\n"), main="import evil, os\nevil.go()\n", enforce=True)
    assert "s3cret-value" not in o.output
    assert o.used == [("evil", "env")]


@pytest.mark.parametrize("read", [
    "os.path.expandvars('$SECRET')",
    "__import__('collections').ChainMap(os.environ)['SECRET']",
    "__import__('string').Template('$SECRET').substitute(os.environ)",
    "__import__('configparser').ConfigParser(os.environ, interpolation=None)"
    ".defaults()['secret']",
])
def test_environment_read_by_a_stdlib_helper(tmp_path: Path, run_permpip: RunPermpip,
                                             read: str) -> None:
    o = attack(tmp_path, run_permpip, (
        "import os\n"
        "def go():\n"
        "    try:\n"
        f"        print('LEAK', {read})\n"
        "    except PermissionError:\n"
        "        print('refused')\n"), enforce=True)
    assert "s3cret-value" not in o.output
    assert o.used == [("evil", "env")]


def test_the_standard_librarys_own_environment_reads_stay_its_own(
        tmp_path: Path, run_permpip: RunPermpip) -> None:
    """A stdlib module that reads the environment for itself (urllib's proxy settings) is
    not a helper reading it for its caller: no env use for the package that calls it."""
    o = attack(tmp_path, run_permpip, (
        "import urllib.request\n"
        "def go():\n"
        "    print('proxies', sorted(urllib.request.getproxies()))\n"), enforce=True)
    assert "proxies" in o.output and o.used == []


def test_proc_self_environ_is_fs_read(tmp_path: Path, run_permpip: RunPermpip) -> None:
    """Documented: /proc/self/environ is fs-read, not env (a package with fs-read reads
    the environment)."""
    o = attack(tmp_path, run_permpip, (
        "def go():\n"
        "    try:\n"
        "        print('LEAK', b's3cret' in open('/proc/self/environ', 'rb').read())\n"
        "    except PermissionError:\n"
        "        print('refused')\n"), enforce=True)
    assert "refused" in o.output
    assert o.used == [("evil", "fs-read")]


# -- 8. races: threads started before the hook ---------------------------------------------


def test_a_thread_started_at_import_is_still_guarded(
        tmp_path: Path, target: Target, run_permpip: RunPermpip) -> None:
    o = attack(tmp_path, run_permpip, RAW_GET + (
        "import threading, time\n"
        "def _later():\n"
        "    time.sleep(0.5)\n"
        "    try:\n"
        "        get()\n"
        "    except PermissionError:\n"
        "        print('refused')\n"
        "_t = threading.Thread(target=_later)\n"
        "_t.start()\n"
        "def go():\n"
        "    _t.join()\n"), grant='{ allow = ["threads"], at-import = ["threads"] }',
        target=target, enforce=True)
    assert target.requests == [] and "refused" in o.output
    assert o.used == [("evil", "network")]
