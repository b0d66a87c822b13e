"""The generated standard-library table (gate/data/stdlib.txt, tools/stdlib_catalog.py).

Always: the script's seed table covers the audit events of the docs and of the running
standard library's sources, every seed is catalogued, the issue's gaps are closed, and, in a
child ``python -I`` with an audit hook, a sample of catalogued functions per capability
really raises the event the catalog predicts (the hook raises at that event, so nothing
happens). With PERMPIP_STDLIB_CATALOG=1 (minutes): the checked-in files are what the
script generates on this interpreter, merged with the versions its header names (found
through pyenv).
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import re
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

from gate.catalog import MODULE_ATTRIBUTES, canonical, match
from gate.model import Capability

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tools" / "stdlib_catalog.py"
DATA = ROOT / "gate" / "data"


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    spec = importlib.util.spec_from_file_location("stdlib_catalog", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def caps_of(name: str) -> set[str]:
    entry = match(name)
    return set() if entry is None else {str(entry.capability), *map(str, entry.also)}


# ---------------------------------------------------------------- the seed table
def test_seeds_cover_the_documented_audit_events(gen: ModuleType) -> None:
    missing = gen.docs_events() - set(gen.SEEDS)
    assert not missing, f"audit events of the docs without a seed entry: {sorted(missing)}"


def test_seeds_cover_the_events_the_stdlib_sources_raise(gen: ModuleType) -> None:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    raised: set[str] = set()
    call = re.compile(r"""\bsys\.audit\(\s*["']([^"']+)["']""")
    for path in stdlib.rglob("*.py"):
        rel = path.relative_to(stdlib).parts
        if rel[0] in ("site-packages", "test", "idlelib", "lib2to3") or "tests" in rel:
            continue
        raised.update(call.findall(path.read_text(encoding="utf-8", errors="replace")))
    assert raised, "no sys.audit call found: the search is broken"
    assert not raised - set(gen.SEEDS), sorted(raised - set(gen.SEEDS))


def test_every_seed_says_what_it_is(gen: ModuleType) -> None:
    for event, seed in {**gen.SEEDS, **gen.EXTRA}.items():
        assert seed.cap is None or seed.cap in gen.PRIORITY, event
        assert seed.cap is not None or seed.why, f"{event}: not a capability, but no reason"
    for key, (kind, why) in gen.STOP.items():
        assert kind.partition(":")[0] in ("stop", "cut", "take") and why, key


def _importable(path: str) -> bool:
    module, _, _ = path.partition(".")
    return importlib.util.find_spec(module) is not None


def test_every_c_seed_is_catalogued(gen: ModuleType) -> None:
    """Each C callable raising a capability's event is catalogued with that capability (the
    openers are the scanner's special forms: it reads their mode)."""
    special = {"open", "os.open"}
    for event, seed in {**gen.SEEDS, **gen.EXTRA}.items():
        if seed.cap is None:
            continue
        for target in seed.targets:
            if not _importable(target) or gen.dotted(target) is gen.MISSING:
                continue  # another platform's (winreg, _winapi, os.startfile)
            name = canonical(target.removeprefix("builtins."))
            assert match(name) is not None, f"{event}: {name} is not catalogued"
            if event not in special:
                want = seed.cap.rstrip(gen.WEAK)
                assert want in caps_of(name), f"{event}: {name} is {caps_of(name)}"


def _raisers() -> dict[str, set[str]]:
    """event -> ``module.qualname`` of the standard library's functions calling
    ``sys.audit(event, ...)``."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    out: dict[str, set[str]] = {}
    for path in stdlib.rglob("*.py"):
        rel = path.relative_to(stdlib)
        if rel.parts[0] in ("site-packages", "test", "idlelib", "lib2to3") or "tests" in rel.parts:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if "sys.audit(" not in text:
            continue
        module = ".".join(rel.with_suffix("").parts).removesuffix(".__init__")
        stack: list[tuple[ast.AST, str]] = [(ast.parse(text), module)]
        while stack:
            node, qual = stack.pop()
            for child in ast.iter_child_nodes(node):
                name = getattr(child, "name", None)
                inner = f"{qual}.{name}" if isinstance(
                    child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) else qual
                if (isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute)
                        and child.func.attr == "audit" and child.args
                        and isinstance(child.args[0], ast.Constant)):
                    out.setdefault(child.args[0].value, set()).add(qual)
                stack.append((child, inner))
    return out


def test_every_python_seed_is_catalogued(gen: ModuleType) -> None:
    """Each event the standard library's Python code raises is catalogued with its
    capability at (at least) one function raising it."""
    for event, quals in _raisers().items():
        seed = gen.SEEDS[event]
        if seed.cap is None:
            continue
        quals = {q for q in quals if _importable(q) and "." in q}
        if not quals:
            continue  # a module missing on this platform
        want = seed.cap.rstrip(gen.WEAK)
        assert any(want in caps_of(q) for q in quals), (
            f"{event} ({want}): {[(q, caps_of(q)) for q in sorted(quals)]}")


# ---------------------------------------------------------------- the gaps
@pytest.mark.parametrize(("name", "cap"), [
    ("urllib.request.http.client.HTTPConnection", "network"),
    ("socket.SocketType", "network"),
    ("logging.handlers.HTTPHandler", "network"),
    ("logging.handlers.SocketHandler", "network"),
    ("logging.handlers.DatagramHandler", "network"),
    ("logging.handlers.SysLogHandler", "network"),
    ("logging.handlers.SMTPHandler", "network"),
    ("xmlrpc.client.Transport", "network"),
    ("xmlrpc.client.ServerProxy", "network"),
    ("logging.config.listen", "network"),
    ("webbrowser.GenericBrowser", "subprocess"),
    ("webbrowser.BackgroundBrowser", "subprocess"),
    ("webbrowser.open", "subprocess"),
    ("pydoc.pipepager", "subprocess"),
    ("pydoc.pager", "subprocess"),
    ("pydoc.tempfilepager", "subprocess"),
    ("logging.FileHandler", "fs-write"),
    ("logging.handlers.RotatingFileHandler", "fs-write"),
    ("logging.basicConfig", "fs-write"),
    ("py_compile.compile", "fs-write"),
    ("compileall.compile_dir", "fs-write"),
    ("compileall.compile_file", "fs-write"),
    ("urllib.request.urlretrieve", "network"),
    ("urllib.request.urlretrieve", "fs-write"),
    ("xml.etree.ElementTree.parse", "fs-read"),
    ("xml.etree.ElementTree.iterparse", "fs-read"),
    ("xml.etree.ElementTree.ElementTree.parse", "fs-read"),
    ("xml.dom.minidom.parse", "fs-read"),
    ("xml.dom.pulldom.parse", "fs-read"),
    ("xml.sax.parse", "fs-read"),
    ("cProfile.run", "dynamic-code"),
    ("cProfile.runctx", "dynamic-code"),
    ("cProfile.Profile.run", "dynamic-code"),
    ("profile.run", "dynamic-code"),
    ("profile.Profile.runctx", "dynamic-code"),
    ("trace.Trace.run", "dynamic-code"),
    ("trace.Trace.runfunc", "introspection"),
    ("runpy._run_code", "dynamic-code"),
    ("runpy._run_module_code", "dynamic-code"),
    ("runpy.run_path", "dynamic-code"),
    ("runpy.run_module", "dynamic-code"),
    ("doctest.testmod", "dynamic-code"),
    ("doctest.testfile", "dynamic-code"),
    ("doctest.run_docstring_examples", "dynamic-code"),
    ("doctest.DocTestRunner.run", "dynamic-code"),
    ("pdb.run", "dynamic-code"),
    ("pdb.runeval", "dynamic-code"),
    ("pdb.runcall", "dynamic-code"),
    ("code.InteractiveInterpreter.runsource", "dynamic-code"),
    ("code.InteractiveInterpreter.runcode", "dynamic-code"),
    ("code.interact", "dynamic-code"),
    ("timeit.timeit", "dynamic-code"),
    ("timeit.repeat", "dynamic-code"),
    ("timeit.Timer", "dynamic-code"),
    ("logging.config.dictConfig", "dynamic-code"),
    ("logging.config.fileConfig", "dynamic-code"),
    ("pydoc.locate", "dynamic-code"),
    ("pkgutil.resolve_name", "dynamic-code"),
    ("importlib._bootstrap._gcd_import", "dynamic-code"),
    ("importlib._bootstrap._find_and_load", "dynamic-code"),
    ("importlib.machinery.SOURCE_SUFFIXES.append", "dynamic-code"),
    ("importlib.machinery.EXTENSION_SUFFIXES.append", "native"),
    ("zipimport.zipimporter", "dynamic-code"),
    ("dataclasses._create_fn", "dynamic-code"),
    ("getpass.getuser", "env"),
    # issue #11: modules not walked before, effects without an event (hand-marked), what a
    # function returns, C modules that are a whole other interpreter
    ("platform.processor", "subprocess"),
    ("platform.uname", "subprocess"),
    ("platform.architecture", "subprocess"),
    ("tracemalloc.take_snapshot", "fs-write"),
    ("idlelib.run.Executive.runcode", "dynamic-code"),
    ("idlelib.rpc.RPCClient", "network"),
    ("lib2to3.refactor.RefactoringTool.write_file", "fs-write"),
    ("test.support.script_helper.run_python_until_end", "subprocess"),
    ("test.support.import_helper.import_module", "dynamic-code"),
    ("test.test_os", "unanalyzed"),
    ("test.test_asyncio.test_events", "unanalyzed"),
    ("antigravity", "subprocess"),
    ("venv.__main__", "unanalyzed"),
    ("faulthandler.dump_traceback_later", "threads"),
    ("_posixshmem.shm_open", "fs-write"),
    ("multiprocessing.shared_memory.SharedMemory", "fs-write"),
    ("readline.write_history_file", "fs-write"),
    ("readline.read_history_file", "fs-read"),
    ("_xxsubinterpreters.run_string", "dynamic-code"),
    ("_xxsubinterpreters.create", "dynamic-code"),
    ("_testcapi.run_in_subinterp", "dynamic-code"),
    ("_tkinter.create", "subprocess"),
    ("os.get_exec_path", "env"),
    # red-team wave 4: a staticmethod at module level (``_pyio.open``), the parser
    # ``make_parser`` returns, names of 3.12/3.13 (tables merged), hand-marked effects
    ("_pyio.open", "fs-write"),
    ("xml.sax.make_parser", "network"),
    ("_pyrepl.pager.pipe_pager", "subprocess"),
    ("_pyrepl.main.interactive_console", "dynamic-code"),
    ("_interpreters.run_string", "dynamic-code"),
    ("_thread.start_joinable_thread", "threads"),
    ("sys.activate_stack_trampoline", "fs-write"),
    ("multiprocessing.get_context", "subprocess"),
    ("multiprocessing.Process", "subprocess"),
    ("multiprocessing.Pool", "subprocess"),
    ("concurrent.futures.ProcessPoolExecutor", "subprocess"),
    ("sqlite3.Connection.load_extension", "native"),
    ("signal.pidfd_send_signal", "subprocess"),
    # red-team wave 7: STOPs whose input is the caller's ("take"), built-in and frozen
    # modules by a computed name, lookups that hand out a module's names
    ("sysconfig._parse_makefile", "fs-read"),
    ("sysconfig._generate_posix_vars", "fs-write"),
    ("sysconfig._subst_vars", "env"),
    ("warnings.formatwarning", "fs-read"),
    ("warnings.warn_explicit", "fs-read"),
    ("traceback.FrameSummary", "fs-read"),
    ("_imp.create_builtin", "dynamic-code"),
    ("_imp.init_frozen", "dynamic-code"),
    ("_imp.get_frozen_object", "dynamic-code"),
    ("imp.init_builtin", "dynamic-code"),
    ("imp.init_frozen", "dynamic-code"),
    ("importlib._bootstrap._builtin_from_name", "dynamic-code"),
    ("importlib.machinery.BuiltinImporter.create_module", "dynamic-code"),
    ("pydoc.importfile", "dynamic-code"),
    ("pickle._getattribute", "dynamic-code"),
    # (``._convert_`` is an attribute entry: tests/scan/test_redteam_wave7.py)
    ("multiprocessing.managers.AutoProxy", "dynamic-code"),
])
def test_gap_is_closed(name: str, cap: str) -> None:
    assert cap in caps_of(name), f"{name}: {caps_of(name)}"


def test_every_c_module_is_classified_or_unanalyzed(gen: ModuleType) -> None:
    """A C module no one has classified (a new version's) is ``mod.* unanalyzed``, and the
    hand-marked lists say why for each entry."""
    hand = gen.HAND_MARKED
    for module in gen.c_modules():
        if module not in hand.C_MODULES:
            assert caps_of(f"{module}.anything") == {"unanalyzed"}, module
    for module, (kind, why) in hand.C_MODULES.items():
        assert kind in ("pure", "accounted", "dangerous") and why, module
        if kind == "dangerous" and gen.dotted(module) is not gen.MISSING:
            assert "dynamic-code" in caps_of(f"{module}.anything"), module
    for event, (cap, targets, why, _) in hand.NO_EVENT.items():
        assert cap in gen.PRIORITY and targets and why, event
    for module, (cap, why) in hand.AT_IMPORT.items():
        assert cap in caps_of(module) and why, module


def test_running_objects_pass_no_class_capabilities() -> None:
    """A function returning an object that already runs (the current thread) does not get
    its class's capabilities (starting it again is an error, not a thread)."""
    assert match("threading.current_thread") is None
    assert match("threading.main_thread") is None


@pytest.mark.parametrize("name", [
    "typing.get_type_hints", "dataclasses.make_dataclass", "dataclasses.dataclass",
    "collections.namedtuple", "getpass.getpass", "enum.Enum", "logging.getLogger",
    "logging.Logger.info", "logging.warning", "inspect.signature", "platform.system",
    "warnings.warn", "traceback.format_exc", "json.dumps", "re.compile", "functools.wraps",
    "importlib.util.find_spec", "sysconfig.get_config_var", "urllib.error.HTTPError",
    "xml.etree.ElementTree.tostring", "unittest.mock.Mock", "pathlib.Path",
    "threading.Lock", "mimetypes.guess_type", "gettext.gettext", "argparse.ArgumentParser",
    # (wave 7: the warnings machinery's own paths stay stops)
    "logging.captureWarnings", "warnings.showwarning", "traceback.print_exc",
    "traceback.extract_tb", "sysconfig.get_paths", "sysconfig.get_path",
])
def test_no_false_alarm(name: str) -> None:
    """Names every library uses whose incidental paths the generator stops."""
    assert match(name) is None, f"{name}: {caps_of(name)}"


# ---------------------------------------------------------------- open modes
def test_what_a_function_returns_counts() -> None:
    """``ET.parse(p)`` reads; the ElementTree it returns writes (``.write(q)``), which the
    scanner does not follow: the function's entry holds both, as a class's does."""
    assert caps_of("xml.etree.ElementTree.parse") == {"fs-read", "fs-write"}


@pytest.mark.parametrize("name", [
    "xml.etree.ElementTree.iterparse",
    "xml.dom.minidom.parse", "configparser.ConfigParser.read",
    "mimetypes.read_mime_types", "gettext.translation", "tokenize.open", "netrc.netrc",
    "filecmp.cmp", "linecache.getline",
    # the mode an argument of the function opening: what these callers pass ("rb", "r")
    "xmlrpc.client.gzip_decode", "xmlrpc.client.GzipDecodedResponse", "zipfile.Path",
    "importlib.resources.readers.ZipReader",
])
def test_reader_only_reads(name: str) -> None:
    """An open in read mode (a literal, or the caller's argument) is fs-read only."""
    assert caps_of(name) == {"fs-read"}, f"{name}: {caps_of(name)}"


def test_sax_parse_of_a_url_is_network() -> None:
    """``xml.sax.parse(source)`` opens a system id that is a URL with urllib
    (saxutils.prepare_input_source): network as well as fs-read (wave 8's sax_parse_of_a_url)."""
    assert caps_of("xml.sax.parse") == {"fs-read", "network"}


@pytest.mark.parametrize("name", [
    "tempfile.NamedTemporaryFile", "tempfile.mkstemp", "shutil.copyfile", "gzip.open",
    "gzip.GzipFile", "zipfile.ZipFile", "tarfile.open", "bz2.open", "lzma.open",
    "xmlrpc.client.gzip_encode", "cgitb.Hook",
])
def test_writer_writes(name: str) -> None:
    """A writing mode (or one the caller chooses: ``gzip.open(f, "wb")``) is fs-write,
    the primary capability."""
    entry = match(name)
    assert entry is not None and entry.capability is Capability.FS_WRITE, caps_of(name)


_MODES = '''
import os

def lit(p):
    return open(p, "rb")

def param(p, mode="r"):
    return open(p, mode)

def reader(p):
    return param(p)

def writer(p):
    return param(p, "w")

def through(p, m):
    return param(p, mode=m)

def through_reader(p):
    return through(p, "rb")

def local(p, binary):
    mode = "rb" if binary else "r"
    return open(p, mode)

def later(p, mode=None):
    f = open(p, mode or "rb")
    mode = getattr(f, "mode", "w")
    return f

def later_reader(p):
    return later(p)

def star(p, *a):
    return open(p, *a)

def flags(p):
    return os.open(p, os.O_RDONLY)

def flags_w(p):
    return os.open(p, os.O_WRONLY | os.O_CREAT)

def table(p, mode="r"):
    return open(p, {"r": "rb", "w": "wb"}[mode])

def table_reader(p):
    return table(p)

class K:
    def __init__(self, p, mode="r"):
        self.f = open(p, mode)

def k_reader(p):
    return K(p)

def k_writer(p):
    return K(p, "w")

def callback(ps):
    return list(map(param, ps))

def loop(p):
    mode = "r"
    for _ in range(2):
        f = open(p, mode)
        mode = "w"
    return f

def handler(p):
    try:
        pass
    except Exception as mode:
        return open(p, mode)

def outer(p, mode="r"):
    def inner(mode):
        return open(p, mode)
    return inner("w")

def augmented(p, mode="r"):
    mode += "+"
    return open(p, mode)

def augmented_reader(p):
    return augmented(p)
'''


@pytest.mark.parametrize(("fn", "want"), [
    ("lit", {"fs-read"}), ("param", {"fs-read", "fs-write"}), ("reader", {"fs-read"}),
    ("writer", {"fs-write"}), ("through", {"fs-read", "fs-write"}),
    ("through_reader", {"fs-read"}), ("local", {"fs-read"}),
    ("later", {"fs-read", "fs-write"}), ("later_reader", {"fs-read"}),
    ("star", {"fs-read", "fs-write"}), ("flags", {"fs-read"}), ("flags_w", {"fs-write"}),
    ("table", {"fs-read", "fs-write"}), ("table_reader", {"fs-read"}),
    ("k_reader", {"fs-read"}), ("k_writer", {"fs-write"}),
    ("callback", {"fs-read", "fs-write"}), ("loop", {"fs-read", "fs-write"}),
    ("handler", {"fs-read", "fs-write"}), ("outer", {"fs-read", "fs-write"}),
    ("augmented_reader", {"fs-read", "fs-write"}),
])
def test_open_mode_is_read_where_the_call_is(
        gen: ModuleType, modes: ModuleType, fn: str, want: set[str]) -> None:
    """A literal mode, a local set to literals, a parameter: what each caller passes (a
    caller outside the standard library passes any mode); unknown: both (sound)."""
    graph = gen.Graph({})
    graph.add_seeds()
    nodes = {name: graph.node(None, obj, "function") for name, obj in vars(modes).items()
             if callable(obj) and getattr(obj, "__module__", None) == modes.__name__
             and not isinstance(obj, type)}
    result = gen.propagate(graph, list(nodes.values()))
    caps = set(graph.concrete_caps(result.caps.get(nodes[fn], {})))
    assert caps == want, fn


@pytest.fixture(scope="module")
def modes(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    path = tmp_path_factory.mktemp("modes") / "permpip_open_modes.py"
    path.write_text(_MODES)
    spec = importlib.util.spec_from_file_location("permpip_open_modes", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_re_exports_are_the_original() -> None:
    entry = match("tarfile.bltn_open")  # io.open: the scanner reads its mode argument
    assert entry is not None and entry.name == "io.open"
    assert match("json.tool.Path") is None  # pathlib.Path, harmless by hand
    entry = match("asyncio.open_connection")
    assert entry is not None and entry.capability is Capability.NETWORK


def test_modules_held_by_modules() -> None:
    for held, real in [("urllib.request.http", "http"), ("shutil.os", "os"),
                       ("tempfile._os", "os"), ("enum.bltns", "builtins"),
                       ("pathlib.fnmatch", "fnmatch"), ("zipfile.posixpath", "os.path")]:
        assert MODULE_ATTRIBUTES.get(held) == real, held


def test_modules_held_by_classes() -> None:
    # a class attribute (own or inherited) holding a module, over the versions merged
    assert MODULE_ATTRIBUTES.get("pathlib.PurePath._flavour") == "os.path"  # 3.12
    assert MODULE_ATTRIBUTES.get("pathlib.Path.parser") == "os.path"  # 3.13
    assert MODULE_ATTRIBUTES.get("pathlib._PosixFlavour.pathmod") == "os.path"  # 3.11
    assert match("pathlib.Path.parser.os.system") is not None


def test_modules_stored_by_methods() -> None:
    # what a method stores on ``self`` from a global naming a module (or sys.modules[...]);
    # a parameter of the same name is not that module
    assert MODULE_ATTRIBUTES.get("warnings.catch_warnings._module") == "warnings"
    assert "unittest.runner.TextTestRunner.warnings" not in MODULE_ATTRIBUTES
    assert "logging.handlers.QueueHandler.queue" not in MODULE_ATTRIBUTES


def test_tables_of_other_versions_are_merged(gen: ModuleType) -> None:
    mine = ["a.f fs-read  # open", "a.g =a.f", "b.h env  # x"]
    others = {"3.13": ["a.f fs-write,fs-read  # open os.remove", "a.g =a.f",
                       "c.k subprocess  # subprocess.Popen", "b.h env  # x"]}
    assert gen.merge_tables(mine, others) == [
        "a.f fs-write,fs-read  # open (3.13) os.remove", "a.g =a.f", "b.h env  # x",
        "c.k subprocess  # (3.13) subprocess.Popen"]
    first = (DATA / "stdlib.txt").read_text(encoding="utf-8").splitlines()[0]
    assert ", merged with 3.12, 3.13:" in first


def test_command_line_names_agree_with_the_scanner(gen: ModuleType) -> None:
    # the table lists a standard module's ``main``; the catalog keeps those names from
    # making their module a parent (gate.catalog.STDLIB_CLI): the two copies must agree
    from gate.catalog import STDLIB_CLI

    assert gen.CLI == STDLIB_CLI


def test_defaults_holding_the_environment_are_env() -> None:
    """A standard function whose defaults hold ``os.environ`` hands it out as data
    (``cgi.parse.__defaults__[1]``): its ``__defaults__``/``__kwdefaults__`` are ``env``."""
    code = textwrap.dedent("""
        import importlib, json, os, pkgutil, sys, types, warnings
        warnings.simplefilter("ignore")
        skip = ("test", "idlelib", "tkinter", "turtle", "turtledemo", "lib2to3", "antigravity",
                "this", "__main__")
        out = set()
        for top in sorted(sys.stdlib_module_names):
            if top in skip:
                continue
            try:
                mods = [importlib.import_module(top)]
            except Exception:
                continue
            for info in pkgutil.walk_packages(getattr(mods[0], "__path__", []), top + "."):
                if any(s in info.name for s in ("test", "__main__", "idlelib")):
                    continue
                try:
                    mods.append(importlib.import_module(info.name))
                except Exception:
                    pass
            for mod in mods:
                for k, v in list(vars(mod).items()):
                    objs = [(k, v)]
                    if isinstance(v, type) and v.__module__ == mod.__name__:
                        objs += [(f"{k}.{a}", b) for a, b in vars(v).items()]
                    for name, f in objs:
                        if isinstance(f, types.FunctionType) and f.__module__ == mod.__name__:
                            for attr in ("__defaults__", "__kwdefaults__"):
                                d = getattr(f, attr) or ()
                                if any(x is os.environ or x is os.environb
                                       for x in (d.values() if isinstance(d, dict) else d)):
                                    out.add(f"{mod.__name__}.{name}.{attr}")
        print(json.dumps(sorted(out)))
        """)
    proc = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True,
                          timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    found = json.loads(proc.stdout)
    assert sys.version_info >= (3, 13) or "cgi.parse.__defaults__" in found
    assert {n for n in found if "env" not in caps_of(n)} == set()


def test_vendored_copies_are_the_distribution() -> None:
    assert canonical("pip._vendor.requests.get") == "requests.get"
    assert canonical("pip._vendor.urllib3.PoolManager") == "urllib3.PoolManager"
    assert canonical("setuptools._vendor.packaging.version") == "packaging.version"
    assert canonical("pkg_resources.extern.jaraco") == "jaraco"
    assert canonical("pip._vendor") == "pip._vendor"
    from gate.scan.python import scan_python

    src = b"from pip._vendor import requests\ndef f():\n    requests.get('u')\n"
    assert {str(f.capability) for f in scan_python(src, "m.py")} == {"network"}


# ---------------------------------------------------------------- the events, for real
# (capability, catalogued name, setup, call): the call must raise an event of that
# capability; the child's hook raises at it (network: 127.0.0.1 only; files: the tmp dir)
SAMPLES = [
    ("network", "socket.create_connection", "import socket",
     "socket.create_connection(('127.0.0.1', 9), timeout=1)"),
    ("network", "http.client.HTTPConnection", "import http.client",
     "http.client.HTTPConnection('127.0.0.1', 9, timeout=1).connect()"),
    ("network", "smtplib.SMTP", "import smtplib", "smtplib.SMTP('127.0.0.1', 9, timeout=1)"),
    ("network", "logging.handlers.SocketHandler", "import logging.handlers",
     "logging.handlers.SocketHandler('127.0.0.1', 9).makeSocket()"),
    ("network", "urllib.request.urlopen", "import urllib.request",
     "urllib.request.urlopen('http://127.0.0.1:9/', timeout=1)"),
    ("network", "xmlrpc.client.ServerProxy", "import xmlrpc.client",
     "xmlrpc.client.ServerProxy('http://127.0.0.1:9/').ping()"),
    ("fs-read", "xml.etree.ElementTree.parse", "import xml.etree.ElementTree as ET",
     "ET.parse('in.xml')"),
    ("fs-read", "glob.glob", "import glob", "glob.glob('*.xml')"),
    ("fs-read", "configparser.ConfigParser", "import configparser",
     "configparser.ConfigParser().read('in.ini')"),
    ("fs-read", "tokenize.open", "import tokenize", "tokenize.open('in.py')"),
    ("fs-read", "os.walk", "import os", "list(os.walk('.'))"),
    ("fs-write", "gzip.open", "import gzip", "gzip.open('out.gz', 'wb')"),
    ("fs-write", "logging.FileHandler", "import logging", "logging.FileHandler('out.log')"),
    ("fs-write", "shutil.copyfile", "import shutil", "shutil.copyfile('in.py', 'out.py')"),
    ("fs-write", "tempfile.mkstemp", "import tempfile", "tempfile.mkstemp(dir='.')"),
    ("fs-write", "py_compile.compile", "import py_compile",
     "py_compile.compile('in.py', cfile='out.pyc', doraise=True)"),
    ("fs-write", "os.makedirs", "import os", "os.makedirs('a/b')"),
    ("subprocess", "subprocess.run", "import subprocess", "subprocess.run(['true'])"),
    ("subprocess", "os.system", "import os", "os.system('true')"),
    ("subprocess", "webbrowser.GenericBrowser", "import webbrowser",
     "webbrowser.GenericBrowser('true').open('http://127.0.0.1:9/')"),
    ("subprocess", "pydoc.pipepager", "import pydoc", "pydoc.pipepager('x', 'true')"),
    ("subprocess", "os.popen", "import os", "os.popen('true')"),
    ("dynamic-code", "cProfile.run", "import cProfile", "cProfile.run('1')"),
    ("dynamic-code", "timeit.timeit", "import timeit", "timeit.timeit('1', number=1)"),
    ("dynamic-code", "runpy.run_path", "import runpy", "runpy.run_path('in.py')"),
    ("dynamic-code", "pickle.loads", "import pickle, collections\n"
     "data = pickle.dumps(collections.OrderedDict())", "pickle.loads(data)"),
    ("dynamic-code", "code.InteractiveInterpreter", "import code",
     "code.InteractiveInterpreter().runsource('1')"),
    ("dynamic-code", "marshal.loads", "import marshal\ndata = marshal.dumps(1)",
     "marshal.loads(data)"),
    ("native", "ctypes.CDLL", "import ctypes", "ctypes.CDLL(None)"),
    ("native", "ctypes.create_string_buffer", "import ctypes", "ctypes.create_string_buffer(4)"),
    ("native", "ctypes.addressof", "import ctypes\nbuf = ctypes.c_int(1)",
     "ctypes.addressof(buf)"),
    ("introspection", "sys._getframe", "import sys", "sys._getframe()"),
    ("introspection", "inspect.stack", "import inspect", "inspect.stack(0)"),
    ("introspection", "gc.get_objects", "import gc", "gc.get_objects()"),
    ("introspection", "traceback.extract_stack", "import traceback", "traceback.extract_stack()"),
    # issue #11: a lazy property, a command on a path, a method of what a function returns,
    # modules not walked before
    ("subprocess", "platform.processor", "import platform", "platform.processor()"),
    ("subprocess", "platform.uname", "import platform, functools\n"
     "platform._uname_cache = None", "platform.uname().processor"),
    ("subprocess", "platform.architecture", "import platform", "platform.architecture('in.py')"),
    ("fs-write", "tracemalloc.take_snapshot", "import tracemalloc\ntracemalloc.start()",
     "tracemalloc.take_snapshot().dump('out.tm')"),
    ("fs-write", "fileinput.FileInput", "import fileinput",
     "list(fileinput.FileInput('in.py', inplace=True))"),
    ("fs-write", "lib2to3.refactor.RefactoringTool", "from lib2to3 import refactor",
     "refactor.RefactoringTool([]).write_file('x = 1\\n', 'out.py', None)"),
    ("network", "idlelib.rpc.RPCClient", "from idlelib import rpc",
     "rpc.RPCClient(('127.0.0.1', 0))"),
    ("subprocess", "test.support.script_helper.run_python_until_end",
     "from test.support import script_helper",
     "script_helper.run_python_until_end('-c', 'pass')"),
]

_CHILD = textwrap.dedent('''
    import json, os, sys
    CAPS = json.loads(sys.argv[1])
    SAMPLES = json.loads(sys.argv[2])
    DANGER = {"network", "subprocess", "fs-write", "native"}

    def cap_of(event, args):
        if event == "open":
            path, mode, flags = args
            if isinstance(path, int) or path == os.devnull:
                return None  # a descriptor already open (a pipe); the null device
            if isinstance(mode, str):
                return "fs-write" if any(c in mode for c in "wax+") else "fs-read"
            writes = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
            return "fs-write" if flags & writes else "fs-read"
        return CAPS.get(event)

    class Stop(BaseException):
        pass

    state = {"armed": False, "want": None, "seen": [], "own": None}

    def hook(event, args):
        if not state["armed"] or (event == "exec" and args[0] is state["own"]):
            return
        cap = cap_of(event, args)
        if cap is None:
            return
        state["seen"].append([event, cap])
        if cap == state["want"] or cap in DANGER:
            state["armed"] = False
            raise Stop(event)

    sys.addaudithook(hook)
    real_stdout, sys.stdout = sys.stdout, open(os.devnull, "w")
    out = {}
    for i, (want, setup, call) in enumerate(SAMPLES):
        ns = {}
        exec(setup, ns)
        own = compile(call, "<sample>", "exec")
        state.update(armed=True, want=want, seen=[], own=own)
        error = None
        try:
            exec(own, ns)
        except Stop:
            pass
        except Exception as exc:
            error = repr(exc)
        state["armed"] = False
        out[i] = {"seen": state["seen"], "error": error}
    real_stdout.write(json.dumps(out))
''')


@pytest.fixture(scope="module")
def raised(gen: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    work = tmp_path_factory.mktemp("audit")
    (work / "in.xml").write_text("<a/>")
    (work / "in.ini").write_text("[s]\nk = v\n")
    (work / "in.py").write_text("x = 1\n")
    caps = {e: (s.cap.rstrip(gen.WEAK) if s.cap else None) for e, s in gen.SEEDS.items()}
    samples = [(cap, setup, call) for cap, _, setup, call in SAMPLES]
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    env["BROWSER"] = ""
    proc = subprocess.run([sys.executable, "-I", "-c", _CHILD, json.dumps(caps),
                           json.dumps(samples)], cwd=work, capture_output=True, text=True,
                          timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    out: dict[str, dict] = json.loads(proc.stdout)
    return out


def test_samples_cover_every_capability() -> None:
    per: dict[str, int] = {}
    for cap, *_ in SAMPLES:
        per[cap] = per.get(cap, 0) + 1
    assert all(per.get(c, 0) >= 3 for c in ("network", "fs-read", "fs-write", "subprocess",
                                             "dynamic-code", "native", "introspection"))


@pytest.mark.parametrize(("index", "sample"), list(enumerate(SAMPLES)),
                         ids=[f"{s[0]}-{s[1]}" for s in SAMPLES])
def test_catalogued_call_raises_the_predicted_event(
        raised: dict[str, dict], index: int, sample: tuple[str, str, str, str]) -> None:
    cap, name, _, call = sample
    assert cap in caps_of(name), f"the catalog says {name} is {caps_of(name)}"
    result = raised[str(index)]
    caps_seen = [c for _, c in result["seen"]]
    assert caps_seen and caps_seen[-1] == cap, (
        f"{call}: events {result['seen']}, error {result['error']}")


# ---------------------------------------------------------------- regeneration
def test_header_names_the_generating_interpreter() -> None:
    for name in ("stdlib.txt", "stdlib_modules.txt"):
        first = (DATA / name).read_text(encoding="utf-8").splitlines()[0]
        assert re.match(r"# GENERATED by tools/stdlib_catalog.py on Python \d+\.\d+ ", first)


def test_table_lines_are_well_formed() -> None:
    lines = [ln.split("#", 1)[0].split() for ln in
             (DATA / "stdlib.txt").read_text(encoding="utf-8").splitlines()]
    names = [ln[0] for ln in lines if ln]
    assert len(names) == len(set(names)), "duplicate names"
    targets = {ln[1][1:] for ln in lines if ln and ln[1].startswith("=")}
    assert targets <= set(names), sorted(targets - set(names))


@pytest.mark.skipif(not os.environ.get("PERMPIP_STDLIB_CATALOG"),
                    reason="regenerates the table on 3.11, 3.12 and 3.13 (minutes): "
                           "PERMPIP_STDLIB_CATALOG=1")
def test_checked_in_table_is_what_the_script_generates() -> None:
    first = (DATA / "stdlib.txt").read_text(encoding="utf-8").splitlines()[0]
    version = ".".join(map(str, sys.version_info[:2]))
    if f"on Python {version} " not in first:
        pytest.skip(f"generated on another Python ({first}); this is {version}")
    proc = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True,
                          text=True, timeout=3600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
