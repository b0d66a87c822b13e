"""Red-team: code that runs when a package is imported, placed where the scanner may label it
``runtime`` (gate.scan.reach, gate.scan.reach_modules).

Each case is a package whose import really runs the capability (each was checked once by
importing it with a harmless payload such as ``os.system("echo pwned")``; this file does not
run them). The scanner must report that capability, or ``dynamic-code`` / ``unanalyzed``, in
phase ``import``. Cases it gets wrong are ``xfail(strict=True)`` with the mechanism in the
reason: fixing one turns it into an XPASS, which fails, so move it to the plain cases.
"""

from __future__ import annotations

import io
import textwrap
import zipfile
from pathlib import Path

import pytest

from gate.model import Finding
from gate.scan import scan_artifact
from gate.scan.python import scan_python
from tests.builders import build_wheel, hash_pyc

CAUGHT_AS = ("dynamic-code", "unanalyzed")


def src(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def case(name: str, cap: str, files: str | dict[str, str | bytes], *, bypass: str | None = None):
    marks = [pytest.mark.xfail(strict=True, reason=bypass)] if bypass else []
    return pytest.param(files, cap, id=name, marks=marks)


def at_import(findings: list[Finding] | tuple[Finding, ...], cap: str) -> list[Finding]:
    return [f for f in findings
            if str(f.phase) == "import" and str(f.capability) in (cap, *CAUGHT_AS)]


def scan(files: str | dict[str, str | bytes], tmp_path: Path) -> list[Finding]:
    if isinstance(files, str):  # one module: the walker alone
        return list(scan_python(files.encode(), "pkg/__init__.py"))
    wheel = build_wheel(tmp_path, "pkg", "1.0", files)
    return list(scan_artifact(wheel).findings)


def shown(found: list[Finding]) -> list[tuple[str, str, str, int, str]]:
    return [(str(f.capability), str(f.phase), f.path, f.line, f.detail) for f in found]


def fail_unless_at_import(files: str | dict[str, str | bytes], cap: str,
                          tmp_path: Path) -> None:
    """Fails the test unless scanning ``files`` reports ``cap`` (or ``CAUGHT_AS``) at
    import, with what was found."""
    found = scan(files, tmp_path)
    if not at_import(found, cap):  # (no traceback: formatting one per xfail is slow)
        pytest.fail(f"no {cap} finding at import: {shown(found)}", pytrace=False)


def fail_unless_runtime(files: str | dict[str, str | bytes], cap: str, tmp_path: Path) -> None:
    """Fails the test unless scanning ``files`` reports ``cap`` at all, and at run time
    only, with what was found."""
    found = scan(files, tmp_path)
    payload = [f for f in found if str(f.capability) == cap]
    assert payload, shown(found)  # the payload is found at all
    if any(str(f.phase) != "runtime" for f in payload):
        pytest.fail(f"{cap} labelled import: {shown(payload)}", pytrace=False)


PAYLOAD_MODULE = 'import os\ndef f():\n    os.system("echo pwned")\n'


def _zip(members: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in members.items():
            zf.writestr(name, text)
    return buf.getvalue()


CASES = [
    # ---- caught
    case("decorator_own", "subprocess", src("""
        import os
        def deco(fn):
            os.system("echo pwned")
            return fn
        @deco
        def g(): pass
        """)),
    case("init_subclass", "subprocess", src("""
        import os
        class B:
            def __init_subclass__(cls, **kw):
                os.system("echo pwned")
        class D(B): pass
        """)),
    case("set_name", "subprocess", src("""
        import os
        class Desc:
            def __set_name__(self, owner, name):
                os.system("echo pwned")
        class C:
            x = Desc()
        """)),
    case("class_getitem", "subprocess", src("""
        import os
        class G:
            def __class_getitem__(cls, item):
                os.system("echo pwned")
                return cls
        X = G[int]
        """)),
    case("default_arg_call", "subprocess", src("""
        import os
        def f():
            os.system("echo pwned")
        def g(x=f()): pass
        """)),
    case("lambda_call", "subprocess", src("""
        import os
        h = lambda: os.system("echo pwned")
        h()
        """)),
    case("nested_returned", "subprocess", src("""
        import os
        def outer():
            def inner():
                os.system("echo pwned")
            return inner
        outer()()
        """)),
    case("generator_consumed", "subprocess", src("""
        import os
        def gen():
            os.system("echo pwned")
            yield 1
        list(gen())
        """)),
    case("asyncio_run", "subprocess", src("""
        import os, asyncio
        async def a():
            os.system("echo pwned")
        asyncio.run(a())
        """)),
    case("map_consumed", "subprocess", src("""
        import os
        def f(x):
            os.system("echo pwned")
        list(map(f, [1]))
        """)),
    case("sorted_key", "subprocess", src("""
        import os
        def f(x):
            os.system("echo pwned")
            return 0
        sorted([1, 2], key=f)
        """)),
    case("super_method", "subprocess", src("""
        import os
        class B:
            def __init__(self):
                os.system("echo pwned")
        class D(B):
            def __init__(self):
                super().__init__()
        D()
        """)),
    case("classmethod_call", "subprocess", src("""
        import os
        class B:
            @classmethod
            def make(cls):
                os.system("echo pwned")
        B.make()
        """)),
    case("staticmethod_via_attr", "subprocess", src("""
        import os
        class B:
            @staticmethod
            def make():
                os.system("echo pwned")
        B.make()
        """)),
    case("functools_partial", "subprocess", src("""
        import os, functools
        def f(x):
            os.system("echo pwned")
        functools.partial(f, 1)()
        """)),
    case("weakref_finalize", "subprocess", src("""
        import os, weakref
        def f():
            os.system("echo pwned")
        class A: pass
        a = A()
        weakref.finalize(a, f)
        del a
        """)),
    case("atexit", "subprocess", src("""
        import os, atexit
        def f():
            os.system("echo pwned")
        atexit.register(f)
        """)),
    case("settrace", "subprocess", src("""
        import os, sys
        def f(*a):
            os.system("echo pwned")
            sys.settrace(None)
        sys.settrace(f)
        def z(): pass
        z()
        """)),
    case("init_via_dict_dispatch", "subprocess", src("""
        import os
        def f():
            os.system("echo pwned")
        D = {"a": f}
        D["a"]()
        """)),
    case("metaclass_call", "subprocess", src("""
        import os
        class M(type):
            def __call__(cls, *a):
                os.system("echo pwned")
        class C(metaclass=M): pass
        C()
        """)),
    case("metaclass_inherited", "subprocess", src("""
        import os
        class M(type):
            def __init__(cls, *a):
                os.system("echo pwned")
        class Base(metaclass=M): pass
        class C(Base): pass
        """)),
    case("type_call_3arg", "subprocess", src("""
        import os
        class M(type):
            def __init__(cls, *a):
                os.system("echo pwned")
        C = M("C", (), {})
        """)),
    case("mro_entries", "subprocess", src("""
        import os
        class X:
            def __mro_entries__(self, bases):
                os.system("echo pwned")
                return (object,)
        class C(X()): pass
        """)),
    case("codecs_register", "subprocess", src("""
        import os, codecs
        def search(name):
            os.system("echo pwned")
            return None
        codecs.register(search)
        "x".encode("nonexistent_codec_zz") if False else None
        try:
            codecs.lookup("zz_nonexistent")
        except LookupError:
            pass
        """)),
    case("audithook", "subprocess", src("""
        import os, sys
        def hook(ev, args):
            if ev == "zz.ev":
                os.system("echo pwned")
        sys.addaudithook(hook)
        sys.audit("zz.ev")
        """)),
    case("executor_submit", "subprocess", src("""
        import os
        from concurrent.futures import ThreadPoolExecutor
        def f():
            os.system("echo pwned")
        with ThreadPoolExecutor() as ex:
            ex.submit(f)
        """)),
    case("meta_path_hook", "subprocess", src("""
        import os, sys
        class Finder:
            def find_spec(self, name, path, target=None):
                if name == "zz_nope":
                    os.system("echo pwned")
                return None
        sys.meta_path.insert(0, Finder())
        try:
            import zz_nope
        except ImportError:
            pass
        """)),
    case("xmod_from_import_call", "subprocess", {
        "pkg/_x.py": src("""
            import os
            def f():
                os.system("echo pwned")
            """),
        "pkg/__init__.py": src("""
            from ._x import f
            f()
            """),
    }),
    case("xmod_module_attr", "subprocess", {
        "pkg/_x.py": src("""
            import os
            def f():
                os.system("echo pwned")
            """),
        "pkg/__init__.py": src("""
            from . import _x
            _x.f()
            """),
    }),
    case("xmod_abs_import", "subprocess", {
        "pkg/_x.py": src("""
            import os
            def f():
                os.system("echo pwned")
            """),
        "pkg/__init__.py": src("""
            import pkg._x
            pkg._x.f()
            """),
    }),
    case("xmod_abs_from", "subprocess", {
        "pkg/_x.py": src("""
            import os
            def f():
                os.system("echo pwned")
            """),
        "pkg/__init__.py": src("""
            from pkg._x import f as g
            g()
            """),
    }),
    case("xmod_level2_rel", "subprocess", {
        "pkg/_x.py": src("""
            import os
            def f():
                os.system("echo pwned")
            """),
        "pkg/sub/__init__.py": src("""
            from .._x import f
            f()
            """),
        "pkg/__init__.py": src("""
            from . import sub
            """),
    }),
    case("xmod_import_side_effect_in_submodule", "subprocess", {
        "pkg/_x.py": src("""
            import os
            def f():
                os.system("echo pwned")
            f()
            """),
        "pkg/__init__.py": src("""
            from . import _x
            """),
    }),
    case("xmod_class_inst", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class K:
                def __init__(self):
                    os.system("echo pwned")
            """),
        "pkg/__init__.py": src("""
            from ._x import K
            K()
            """),
    }),
    case("xmod_decorator", "subprocess", {
        "pkg/_x.py": src("""
            import os
            def deco(fn):
                os.system("echo pwned")
                return fn
            """),
        "pkg/__init__.py": src("""
            from ._x import deco
            @deco
            def g(): pass
            """),
    }),
    case("xmod_thread_target", "subprocess", {
        "pkg/_x.py": src("""
            import os
            def f():
                os.system("echo pwned")
            """),
        "pkg/__init__.py": src("""
            import threading
            from ._x import f
            t = threading.Thread(target=f); t.start(); t.join()
            """),
    }),
    case("xmod_handed_map", "subprocess", {
        "pkg/_x.py": src("""
            import os
            def f(x):
                os.system("echo pwned")
            """),
        "pkg/__init__.py": src("""
            from ._x import f
            list(map(f, [1]))
            """),
    }),
    case("xmod_callback_in_other", "subprocess", {
        "pkg/_x.py": src("""
            import os
            def f():
                os.system("echo pwned")
            def runner(cb):
                cb()
            """),
        "pkg/__init__.py": src("""
            from ._x import runner
            from ._x import f
            runner(f)
            """),
    }),
    case("xmod_callback_runner_other_mod", "subprocess", {
        "pkg/_x.py": src("""
            def runner(cb):
                cb()
            """),
        "pkg/_z.py": src("""
            import os
            def f():
                os.system("echo pwned")
            """),
        "pkg/__init__.py": src("""
            from ._x import runner
            from ._z import f
            runner(f)
            """),
    }),
    case("xmod_runner_calls_own_lambda", "subprocess", {
        "pkg/_x.py": src("""
            def runner(cb):
                cb()
            """),
        "pkg/__init__.py": src("""
            import os
            from ._x import runner
            runner(lambda: os.system("echo pwned"))
            """),
    }),
    case("xmod_runner_own_func", "subprocess", {
        "pkg/_x.py": src("""
            def runner(cb):
                cb()
            """),
        "pkg/__init__.py": src("""
            import os
            from ._x import runner
            def f():
                os.system("echo pwned")
            runner(f)
            """),
    }),
    case("xmod_vars_dict", "subprocess", {
        "pkg/_x.py": src("""
            import os
            def f():
                os.system("echo pwned")
            """),
        "pkg/__init__.py": src("""
            from . import _x
            vars(_x)["f"]()
            """),
    }),
    case("xmod_with_cm", "subprocess", {
        "pkg/_x.py": src("""
            import os
            import contextlib
            @contextlib.contextmanager
            def cm():
                os.system("echo pwned")
                yield
            """),
        "pkg/__init__.py": src("""
            from ._x import cm
            with cm():
                pass
            """),
    }),
    case("alias_tuple_unpack", "subprocess", src("""
        import os
        def f():
            os.system("echo pwned")
        g, h = f, None
        g()
        """)),
    case("alias_tuple_index", "subprocess", src("""
        import os
        def f():
            os.system("echo pwned")
        (f,)[0]()
        """)),
    case("alias_ifexp", "subprocess", src("""
        import os
        def f():
            os.system("echo pwned")
        (f if True else None)()
        """)),
    case("identity_lambda", "subprocess", src("""
        import os
        def f():
            os.system("echo pwned")
        (lambda x: x)(f)()
        """)),
    case("next_iter", "subprocess", src("""
        import os
        def f():
            os.system("echo pwned")
        next(iter([f]))()
        """)),
    case("code_swap", "subprocess", src("""
        import os
        def f():
            os.system("echo pwned")
        def g(): pass
        g.__code__ = f.__code__
        g()
        """)),
    case("get_type_hints_eval", "subprocess", src("""
        import os, typing
        def f():
            os.system("echo pwned")
        def g(x: "f()"): pass
        typing.get_type_hints(g)
        """)),
    case("builtins_override", "subprocess", src("""
        import os, builtins
        def f(*a):
            os.system("echo pwned")
            return 0
        _old = builtins.len
        builtins.len = f
        len([])
        builtins.len = _old
        """)),
    case("gc_callbacks_aug", "subprocess", src("""
        import os, gc
        def f(phase, info):
            if phase == "start":
                os.system("echo pwned")
                gc.callbacks.remove(f)
        gc.callbacks += [f]
        gc.collect()
        """)),
    case("meta_path_aug", "subprocess", src("""
        import os, sys
        class Finder:
            @classmethod
            def find_spec(cls, name, path, target=None):
                if name == "zz_nope2":
                    os.system("echo pwned")
                return None
        sys.meta_path[0:0] = [Finder]
        try:
            import zz_nope2
        except ImportError:
            pass
        """)),
    case("warnings_showwarning", "subprocess", src("""
        import os, warnings
        def f(*a, **k):
            os.system("echo pwned")
        warnings.showwarning = f
        warnings.warn("x")
        """)),
    case("json_default", "subprocess", src("""
        import os, json
        class A: pass
        def enc(o):
            os.system("echo pwned")
            return 0
        json.dumps(A(), default=enc)
        """)),
    case("dataclass_post_init", "subprocess", src("""
        import os, dataclasses
        @dataclasses.dataclass
        class A:
            x: int = 0
            def __post_init__(self):
                os.system("echo pwned")
        A()
        """)),
    case("dataclass_default_factory", "subprocess", src("""
        import os, dataclasses
        def f():
            os.system("echo pwned")
            return 0
        @dataclasses.dataclass
        class A:
            x: int = dataclasses.field(default_factory=f)
        A()
        """)),
    case("exitstack_callback", "subprocess", src("""
        import os, contextlib
        def f():
            os.system("echo pwned")
        with contextlib.ExitStack() as s:
            s.callback(f)
        """)),
    case("setattr_dunder_on_class", "subprocess", src("""
        import os
        def f(s, o):
            os.system("echo pwned")
        class A: pass
        A.__add__ = f
        A() + 1
        """)),
    case("try_finally_func_in_except", "subprocess", src("""
        import os
        def f():
            os.system("echo pwned")
        try:
            import zz_nonexistent
        except ImportError:
            f()
        """)),
    case("type_checking_else", "subprocess", src("""
        import os
        from typing import TYPE_CHECKING
        def f():
            os.system("echo pwned")
        if TYPE_CHECKING:
            pass
        else:
            f()
        """)),
    case("xmod_callee_in_init", "subprocess", {
        "pkg/__init__.py": src("""
            import os
            def f():
                os.system("echo pwned")
            from . import _z
            """),
        "pkg/_z.py": src("""
            from . import f
            f()
            """),
    }),
    case("xmod_partial_in_callee", "subprocess", {
        "pkg/_x.py": src("""
            import os, functools
            def _impl(a):
                os.system("echo pwned")
            f = functools.partial(_impl, 1)
            """),
        "pkg/__init__.py": src("""
            from ._x import f
            f()
            """),
    }),
    case("xmod_set_name", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class K:
                def __set_name__(self, o, n):
                    os.system("echo pwned")
            """),
        "pkg/__init__.py": src("""
            from ._x import K
            class A:
                k = K()
            """),
    }),
    case("xmod_paren_import", "subprocess", {
        "pkg/_x.py": src("""
            import os
            def f():
                os.system("echo pwned")
            """),
        "pkg/__init__.py": src("""
            from . import (
                _x,
            )
            _x.f()
            """),
    }),
    case("xmod_backslash_import", "subprocess", {
        "pkg/_x.py": src("""
            import os
            def f():
                os.system("echo pwned")
            """),
        "pkg/__init__.py": ('from . \\\n'
            '    import _x\n'
            '_x.f()\n'),
    }),
    case("xmod_semicolon_import", "subprocess", {
        "pkg/_x.py": src("""
            import os
            def f():
                os.system("echo pwned")
            """),
        "pkg/__init__.py": src("""
            x = 1; from ._x import f
            f()
            """),
    }),
    case("xmod_fullwidth_name", "subprocess", {
        "pkg/_x.py": src("""
            import os
            def f():
                os.system("echo pwned")
            """),
        "pkg/__init__.py": ('from ._x import \uff46\n'
            '\uff46()\n'),
    }),
    case("xmod_fullwidth_module", "subprocess", {
        "pkg/_x.py": src("""
            import os
            def f():
                os.system("echo pwned")
            """),
        "pkg/__init__.py": ('from . import _\uff58\n'
            '_\uff58.f()\n'),
    }),
    case("xmod_other_toplevel", "subprocess", {
        "helperpkg/__init__.py": src("""
            import os
            def f():
                os.system("echo pwned")
            """),
        "pkg/__init__.py": src("""
            from helperpkg import f
            f()
            """),
    }),
    case("xmod_sibling_toplevel_module", "subprocess", {
        "_pkg_helper.py": src("""
            import os
            def f():
                os.system("echo pwned")
            """),
        "pkg/__init__.py": src("""
            import _pkg_helper
            _pkg_helper.f()
            """),
    }),
    case("xmod_import_in_function", "subprocess", {
        "pkg/_x.py": src("""
            import os
            def f():
                os.system("echo pwned")
            """),
        "pkg/__init__.py": src("""
            def go():
                from ._x import f
                f()
            go()
            """),
    }),
    case("xmod_global_instance_attr_call", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class Client:
                def __init__(self):
                    self.cb = _boot
            def _boot():
                os.system("echo pwned")
            """),
        "pkg/__init__.py": src("""
            from ._x import Client
            Client().cb()
            """),
    }),
    case("xmod_callee_via_class_attr", "subprocess", {
        "pkg/_x.py": src("""
            import os
            def _boot():
                os.system("echo pwned")
            class Cfg:
                hook = staticmethod(_boot)
            """),
        "pkg/__init__.py": src("""
            from ._x import Cfg
            Cfg.hook()
            """),
    }),
    case("xmod_handed_module_attr_sub", "subprocess", {
        "pkg/_x.py": src("""
            import os
            def f():
                os.system("echo pwned")
            """),
        "pkg/__init__.py": src("""
            from . import _x
            import threading
            t = threading.Thread(target=vars(_x)['f']); t.start(); t.join()
            """),
    }),
    case("xmod_cond_import_name", "subprocess", {
        "pkg/_x.py": src("""
            import os
            def f():
                os.system("echo pwned")
            """),
        "pkg/__init__.py": src("""
            try:
                from ._x import f as g
            except ImportError:
                g = None
            g()
            """),
    }),
    case("xmod_level3_rel", "subprocess", {
        "pkg/_x.py": src("""
            import os
            def f():
                os.system("echo pwned")
            """),
        "pkg/a/__init__.py": src("""
            """),
        "pkg/a/b/__init__.py": src("""
            from ..._x import f
            f()
            """),
        "pkg/__init__.py": src("""
            from .a import b
            """),
    }),
    case("xmod_getattr_computed_name", "subprocess", {
        "pkg/_x.py": src("""
            import os
            def f():
                os.system("echo pwned")
            """),
        "pkg/__init__.py": src("""
            from . import _x
            n = "f"
            getattr(_x, n)()
            """),
    }),
    case("main_walrus", "subprocess", src("""
        import os
        (__name__ := "__main__")

        if __name__ == "__main__":
            os.system("echo pwned")
        """)),
    case("main_star_target", "subprocess", src("""
        import os
        *__name__, = ["__main__"]
        __name__ = __name__[0] if False else "__main__"

        if __name__ == "__main__":
            os.system("echo pwned")
        """)),
    case("functiontype_code", "subprocess", src("""
        import os, types
        def f():
            os.system("echo pwned")
        g = types.FunctionType(f.__code__, globals())
        g()
        """)),
    case("env_caught_plain", "env", src("""
        import os
        def f():
            print("pwned", os.environ.get("HOME"))
        f()
        """)),
    case("subscript_base_init_subclass", "subprocess", src("""
        import os
        class B:
            def __init_subclass__(cls):
                os.system("echo pwned")
        BASES = [B]
        class C(BASES[0]): pass
        """)),
    case("method_decorator_in_class", "subprocess", src("""
        import os
        def deco(fn):
            os.system("echo pwned")
            return fn
        class A:
            @deco
            def m(self): pass
        """)),
    case("loader_exec_module", "subprocess", src("""
        import os, sys, importlib.abc, importlib.util
        class Loader(importlib.abc.Loader):
            def create_module(self, spec):
                return None
            def exec_module(self, module):
                os.system("echo pwned")
        class Finder:
            def find_spec(self, name, path, target=None):
                if name == "zz_virtual":
                    return importlib.util.spec_from_loader(name, Loader())
                return None
        sys.meta_path.insert(0, Finder())
        import zz_virtual
        """)),
    case("path_hook_finder", "subprocess", src("""
        import os, sys
        class Hook:
            def __init__(self, path):
                if path != "zz-hook-path":
                    raise ImportError
            def find_spec(self, name, target=None):
                os.system("echo pwned")
                return None
        sys.path_hooks.insert(0, Hook)
        sys.path.insert(0, "zz-hook-path")
        try:
            import zz_not_there
        except ImportError:
            pass
        """)),
    case("stored_ref_getitem", "subprocess", src("""
        import os
        class A:
            __getitem__ = staticmethod(os.system)
        A()["echo pwned"]
        """)),
    case("stored_ref_missing", "subprocess", src("""
        import os
        class D(dict):
            __missing__ = staticmethod(os.system)
        D()["echo pwned"]
        """)),
    case("stored_ref_contains", "subprocess", src("""
        import os
        class A:
            __contains__ = staticmethod(os.system)
        "echo pwned" in A()
        """)),
    case("stored_ref_map", "subprocess", src("""
        import os
        list(map(os.system, ["echo pwned"]))
        """)),
    case("stored_ref_class_call", "subprocess", src("""
        import os
        class A:
            __call__ = staticmethod(os.system)
        A()("echo pwned")
        """)),
    case("stored_ref_alias_name", "subprocess", src("""
        import os
        run_cmd = os.system
        list(map(run_cmd, ["echo pwned"]))
        """)),
    case("signal_handler", "subprocess", src("""
        import os, signal
        def h(*a):
            os.system("echo pwned")
        signal.signal(signal.SIGUSR1, h)
        signal.raise_signal(signal.SIGUSR1)
        """)),
    case("filter_consumed", "subprocess", src("""
        import os
        def f(x):
            os.system("echo pwned")
        list(filter(f, [1]))
        """)),
    case("stored_ref_dataclass_default_factory_lambda", "subprocess", src("""
        import os, dataclasses
        @dataclasses.dataclass
        class A:
            x: int = dataclasses.field(default_factory=lambda: os.system("echo pwned"))
        A()
        """)),
    case("xmod_stored_ref_alias", "subprocess", {
        "pkg/_compat.py": src("""
            import os
            run_cmd = os.system
            """),
        "pkg/__init__.py": src("""
            from ._compat import run_cmd
            run_cmd("echo pwned")
            """),
    }),
    case("xmod_stored_ref_class_attr", "subprocess", {
        "pkg/_compat.py": src("""
            import os
            class Shell:
                run = staticmethod(os.system)
            """),
        "pkg/__init__.py": src("""
            from ._compat import Shell
            Shell.run("echo pwned")
            """),
    }),
    case("xmod_stored_ref_module_attr", "subprocess", {
        "pkg/_compat.py": src("""
            import os
            run_cmd = os.system
            """),
        "pkg/__init__.py": src("""
            from . import _compat
            _compat.run_cmd("echo pwned")
            """),
    }),
    case("xmod_stored_ref_network", "network", {
        "pkg/_compat.py": src("""
            import urllib.request
            fetch = urllib.request.urlopen
            """),
        "pkg/__init__.py": src("""
            print("pwned")
            from ._compat import fetch
            try:
                fetch("http://127.0.0.1:9/", timeout=0.1)
            except Exception:
                pass
            """),
    }),
    case("stored_ref_class_attr_self_call", "subprocess", src("""
        import os
        class Shell:
            runner = staticmethod(os.system)
            def go(self):
                self.runner("echo pwned")
        Shell().go()
        """)),
    case("spec_from_file_location_hyphen", "subprocess", {
        "pkg/_x-impl.py": src("""
            import os
            def f():
                os.system("echo pwned")
            """),
        "pkg/__init__.py": src("""
            import importlib.util, os
            _p = os.path.join(os.path.dirname(__file__), "_x-impl.py")
            _spec = importlib.util.spec_from_file_location("pkg._impl", _p)
            _m = importlib.util.module_from_spec(_spec)
            _spec.loader.exec_module(_m)
            _m.f()
            """),
    }),
    case("sourcefileloader_txt", "subprocess", {
        "pkg/impl.txt": src("""
            import os
            def f():
                os.system("echo pwned")
            """),
        "pkg/__init__.py": src("""
            import importlib.machinery, os
            _p = os.path.join(os.path.dirname(__file__), "impl.txt")
            _m = importlib.machinery.SourceFileLoader("pkg._impl", _p).load_module()
            _m.f()
            """),
    }),
    case("runpy_run_path", "subprocess", {
        "pkg/_x-impl.py": src("""
            import os
            def f():
                os.system("echo pwned")
            """),
        "pkg/__init__.py": src("""
            import runpy, os
            ns = runpy.run_path(os.path.join(os.path.dirname(__file__), "_x-impl.py"))
            ns["f"]()
            """),
    }),
    # ---- metaclasses and class creation
    case("metaclass_init_calls_f", "subprocess", src("""
        import os
        def f():
            os.system("echo pwned")
        class M(type):
            def __init__(cls, *a):
                f()
        class C(metaclass=M): pass
        """)),
    case("metaclass_init_direct", "subprocess", src("""
        import os
        class M(type):
            def __init__(cls, *a):
                os.system("echo pwned")
        class C(metaclass=M): pass
        """)),
    case("metaclass_new", "subprocess", src("""
        import os
        class M(type):
            def __new__(mcs, name, bases, ns):
                os.system("echo pwned")
                return super().__new__(mcs, name, bases, ns)
        class C(metaclass=M): pass
        """)),
    case("metaclass_prepare", "subprocess", src("""
        import os
        class M(type):
            @classmethod
            def __prepare__(mcs, name, bases):
                os.system("echo pwned")
                return {}
        class C(metaclass=M): pass
        """)),
    case("metaclass_getitem", "subprocess", src("""
        import os
        class M(type):
            def __getitem__(cls, k):
                os.system("echo pwned")
        class C(metaclass=M): pass
        C[1]
        """)),
    case("metaclass_function", "subprocess", src("""
        import os
        def meta(name, bases, ns):
            os.system("echo pwned")
            return type(name, bases, ns)
        class C(metaclass=meta): pass
        """)),
    case("enum_member_init", "subprocess", src("""
        import os, enum
        class E(enum.Enum):
            A = 1
            def __init__(self, v):
                os.system("echo pwned")
        """)),
    case("enum_missing", "subprocess", src("""
        import os, enum
        class E(enum.Enum):
            A = 1
            @classmethod
            def _missing_(cls, v):
                os.system("echo pwned")
        try:
            E(5)
        except ValueError:
            pass
        """)),
    case("enum_generate_next", "subprocess", src("""
        import os, enum
        class E(enum.Enum):
            def _generate_next_value_(name, start, count, last):
                os.system("echo pwned")
                return count
            A = enum.auto()
        """)),
    case("class_if_init", "subprocess", src("""
        import os
        class A:
            if True:
                def __init__(self):
                    os.system("echo pwned")
        A()
        """)),
    case("class_try_init_subclass", "subprocess", src("""
        import os
        class B:
            try:
                def __init_subclass__(cls):
                    os.system("echo pwned")
            except Exception:
                pass
        class D(B): pass
        """)),
    case("class_body_helper_call", "subprocess", src("""
        import os
        class A:
            def helper():
                os.system("echo pwned")
                return 1
            x = helper()
        """)),
    case("metaclass_kw_never_named_new", "subprocess", src("""
        import os
        class M(type):
            def __init__(cls, *a):
                os.system("echo pwned")
        class C(metaclass=M): pass
        """)),
    case("init_assigned_from_func", "subprocess", src("""
        import os
        def _impl(self):
            os.system("echo pwned")
        class A:
            __init__ = _impl
        A()
        """)),
    case("env_metaclass", "env", src("""
        import os
        class M(type):
            def __init__(cls, *a):
                print("pwned", len(os.environ) >= 0)
        class C(metaclass=M): pass
        """)),
    case("nested_class_init", "subprocess", src("""
        import os
        class O:
            class I:
                def __init__(self):
                    os.system("echo pwned")
        O.I()
        """)),
    # ---- dunder protocol
    case("with_enter", "subprocess", src("""
        import os
        class CM:
            def __enter__(self):
                os.system("echo pwned")
            def __exit__(self, *a): pass
        with CM():
            pass
        """)),
    case("with_exit", "subprocess", src("""
        import os
        class CM:
            def __enter__(self): return self
            def __exit__(self, *a):
                os.system("echo pwned")
        with CM():
            pass
        """)),
    case("for_iter", "subprocess", src("""
        import os
        class It:
            def __iter__(self):
                os.system("echo pwned")
                return iter([])
        for x in It():
            pass
        """)),
    case("for_next", "subprocess", src("""
        import os
        class It:
            def __iter__(self): return self
            def __next__(self):
                os.system("echo pwned")
                raise StopIteration
        for x in It():
            pass
        """)),
    case("add_op", "subprocess", src("""
        import os
        class A:
            def __add__(self, o):
                os.system("echo pwned")
                return 1
        y = A() + 1
        """)),
    case("radd_op", "subprocess", src("""
        import os
        class A:
            def __radd__(self, o):
                os.system("echo pwned")
                return 1
        y = 1 + A()
        """)),
    case("hash_in_set", "subprocess", src("""
        import os
        class A:
            def __hash__(self):
                os.system("echo pwned")
                return 1
        s = {A()}
        """)),
    case("eq_compare", "subprocess", src("""
        import os
        class A:
            def __eq__(self, o):
                os.system("echo pwned")
                return True
            __hash__ = object.__hash__
        b = A() == 1
        """)),
    case("fstring_format", "subprocess", src("""
        import os
        class A:
            def __format__(self, spec):
                os.system("echo pwned")
                return ""
        s = f"{A()}"
        """)),
    case("str_call", "subprocess", src("""
        import os
        class A:
            def __str__(self):
                os.system("echo pwned")
                return ""
        s = str(A())
        """)),
    case("repr_fstring", "subprocess", src("""
        import os
        class A:
            def __repr__(self):
                os.system("echo pwned")
                return ""
        s = f"{A()!r}"
        """)),
    case("del_refcount", "subprocess", src("""
        import os
        class A:
            def __del__(self):
                os.system("echo pwned")
        A()
        """)),
    case("del_stmt", "subprocess", src("""
        import os
        class A:
            def __del__(self):
                os.system("echo pwned")
        a = A()
        del a
        """)),
    case("bool_if", "subprocess", src("""
        import os
        class A:
            def __bool__(self):
                os.system("echo pwned")
                return True
        if A():
            pass
        """)),
    case("getattr_dunder", "subprocess", src("""
        import os
        class A:
            def __getattr__(self, n):
                os.system("echo pwned")
        A().zzz
        """)),
    case("contains_in", "subprocess", src("""
        import os
        class A:
            def __contains__(self, x):
                os.system("echo pwned")
                return True
        1 in A()
        """)),
    case("getitem_sub", "subprocess", src("""
        import os
        class A:
            def __getitem__(self, x):
                os.system("echo pwned")
        A()[0]
        """)),
    case("len_call", "subprocess", src("""
        import os
        class A:
            def __len__(self):
                os.system("echo pwned")
                return 0
        len(A())
        """)),
    case("call_dunder", "subprocess", src("""
        import os
        class A:
            def __call__(self):
                os.system("echo pwned")
        a = A()
        a()
        """)),
    case("index_op", "subprocess", src("""
        import os
        class A:
            def __index__(self):
                os.system("echo pwned")
                return 0
        [1][A()]
        """)),
    case("setattr_dunder", "subprocess", src("""
        import os
        class A:
            def __setattr__(self, k, v):
                os.system("echo pwned")
        a = A()
        a.q = 1
        """)),
    case("setitem_dunder", "subprocess", src("""
        import os
        class A:
            def __setitem__(self, k, v):
                os.system("echo pwned")
        a = A()
        a[1] = 2
        """)),
    case("delitem", "subprocess", src("""
        import os
        class A:
            def __delitem__(self, k):
                os.system("echo pwned")
        a = A()
        del a[1]
        """)),
    case("aug_iadd", "subprocess", src("""
        import os
        class A:
            def __iadd__(self, o):
                os.system("echo pwned")
                return self
        a = A()
        a += 1
        """)),
    case("unpack_iter", "subprocess", src("""
        import os
        class A:
            def __iter__(self):
                os.system("echo pwned")
                return iter([1, 2])
        x, y = A()
        """)),
    case("star_args_iter", "subprocess", src("""
        import os
        class A:
            def __iter__(self):
                os.system("echo pwned")
                return iter([])
        print(*A())
        """)),
    case("kwargs_keys", "subprocess", src("""
        import os
        class A:
            def keys(self):
                os.system("echo pwned")
                return []
            def __getitem__(self, k): pass
        dict(**A())
        """)),
    case("comprehension_iter", "subprocess", src("""
        import os
        class A:
            def __iter__(self):
                os.system("echo pwned")
                return iter([])
        L = [x for x in A()]
        """)),
    case("lt_sorted", "subprocess", src("""
        import os
        class A:
            def __lt__(self, o):
                os.system("echo pwned")
                return True
        sorted([A(), A()])
        """)),
    case("int_conv", "subprocess", src("""
        import os
        class A:
            def __int__(self):
                os.system("echo pwned")
                return 0
        int(A())
        """)),
    case("percent_format", "subprocess", src("""
        import os
        class A:
            def __str__(self):
                os.system("echo pwned")
                return ""
        "%s" % A()
        """)),
    case("print_str", "subprocess", src("""
        import os
        class A:
            def __str__(self):
                os.system("echo pwned")
                return ""
        print(A(), end="")
        """)),
    case("str_join_map", "subprocess", src("""
        import os
        class A:
            def __str__(self):
                os.system("echo pwned")
                return ""
        "".join(map(str, [A()]))
        """)),
    case("not_bool", "subprocess", src("""
        import os
        class A:
            def __len__(self):
                os.system("echo pwned")
                return 0
        x = not A()
        """)),
    case("while_bool", "subprocess", src("""
        import os
        class A:
            def __bool__(self):
                os.system("echo pwned")
                return False
        while A():
            pass
        """)),
    case("assert_bool", "subprocess", src("""
        import os
        class A:
            def __bool__(self):
                os.system("echo pwned")
                return True
        assert A()
        """)),
    case("match_eq", "subprocess", src("""
        import os
        class A:
            def __eq__(self, o):
                os.system("echo pwned")
                return False
            __hash__ = None
        class K:
            v = A()
        match 1:
            case K.v:
                pass
        """)),
    case("dict_key_eq", "subprocess", src("""
        import os
        class K:
            def __hash__(self):
                return 1
            def __eq__(self, o):
                os.system("echo pwned")
                return True
        d = {K(): 1, K(): 2}
        """)),
    case("instancecheck", "subprocess", src("""
        import os
        class M(type):
            def __instancecheck__(cls, o):
                os.system("echo pwned")
                return False
        class C(metaclass=M): pass
        isinstance(1, C)
        """)),
    case("subclasshook", "subprocess", src("""
        import os, abc
        class A(abc.ABC):
            @classmethod
            def __subclasshook__(cls, c):
                os.system("echo pwned")
                return NotImplemented
        isinstance(1, A)
        """)),
    case("fspath_open", "subprocess", src("""
        import os
        class Pth:
            def __fspath__(self):
                os.system("echo pwned")
                return "/dev/null"
        open(Pth()).close()
        """)),
    case("abs_neg", "subprocess", src("""
        import os
        class A:
            def __neg__(self):
                os.system("echo pwned")
        -A()
        """)),
    case("reversed", "subprocess", src("""
        import os
        class A:
            def __reversed__(self):
                os.system("echo pwned")
                return iter([])
        reversed(A())
        """)),
    case("missing_dict", "subprocess", src("""
        import os
        class D(dict):
            def __missing__(self, k):
                os.system("echo pwned")
        D()["x"]
        """)),
    case("enter_context", "subprocess", src("""
        import os, contextlib
        class CM:
            def __enter__(self):
                os.system("echo pwned")
            def __exit__(self, *a): pass
        with contextlib.ExitStack() as s:
            s.enter_context(CM())
        """)),
    case("copy_reduce", "subprocess", src("""
        import os, copy
        class A:
            def __copy__(self):
                os.system("echo pwned")
        copy.copy(A())
        """)),
    case("pickle_reduce", "subprocess", src("""
        import os, pickle
        class A:
            def __reduce__(self):
                os.system("echo pwned")
                return (int, ())
        pickle.dumps(A())
        """)),
    case("await_dunder", "subprocess", src("""
        import os, asyncio
        class W:
            def __await__(self):
                os.system("echo pwned")
                yield from []
        async def main():
            await W()
        asyncio.run(main())
        """)),
    case("aenter", "subprocess", src("""
        import os, asyncio
        class W:
            async def __aenter__(self):
                os.system("echo pwned")
            async def __aexit__(self, *a): pass
        async def main():
            async with W():
                pass
        asyncio.run(main())
        """)),
    case("aiter", "subprocess", src("""
        import os, asyncio
        class W:
            def __aiter__(self):
                os.system("echo pwned")
                return self
            async def __anext__(self):
                raise StopAsyncIteration
        async def main():
            async for x in W():
                pass
        asyncio.run(main())
        """)),
    case("class_body_lambda_dunder", "subprocess", src("""
        import os
        class A:
            __add__ = lambda s, o: os.system("echo pwned")
        A() + 1
        """)),
    case("env_in_enter", "env", src("""
        import os
        class CM:
            def __enter__(self):
                print("pwned" if os.environ.get("HOME") is not None or True else "")
            def __exit__(self, *a): pass
        with CM():
            pass
        """)),
    case("fswrite_in_del", "fs-write", src("""
        import os, tempfile
        class A:
            def __del__(self):
                p = os.path.join(tempfile.gettempdir(), "rt_pwned.txt")
                with open(p, "w") as fh:
                    fh.write("x")
                print("pwned")
        A()
        """)),
    case("threads_in_iter", "threads", src("""
        import threading
        class It:
            def __iter__(self):
                t = threading.Thread(target=print, args=("pwned",))
                t.start(); t.join()
                return iter([])
        for _ in It():
            pass
        """)),
    case("deepcopy", "subprocess", src("""
        import os, copy
        class A:
            def __deepcopy__(self, memo):
                os.system("echo pwned")
        copy.deepcopy(A())
        """)),
    case("closing_close", "subprocess", src("""
        import os, contextlib
        class A:
            def close(self):
                os.system("echo pwned")
        with contextlib.closing(A()):
            pass
        """)),
    case("getattribute", "subprocess", src("""
        import os
        class A:
            def __getattribute__(self, n):
                os.system("echo pwned")
                return 1
        A().x
        """)),
    # ---- descriptors and properties
    case("property_at_import", "subprocess", src("""
        import os
        class A:
            @property
            def p(self):
                os.system("echo pwned")
                return 1
        v = A().p
        """)),
    case("property_via_getattr_builtin", "subprocess", src("""
        import os
        class A:
            @property
            def p(self):
                os.system("echo pwned")
        getattr(A(), "p")
        """)),
    case("cached_property", "subprocess", src("""
        import os, functools
        class A:
            @functools.cached_property
            def p(self):
                os.system("echo pwned")
        A().p
        """)),
    case("descriptor_get", "subprocess", src("""
        import os
        class D:
            def __get__(self, obj, typ):
                os.system("echo pwned")
        class A:
            x = D()
        A.x
        """)),
    case("descriptor_set", "subprocess", src("""
        import os
        class D:
            def __set__(self, obj, v):
                os.system("echo pwned")
        class A:
            x = D()
        a = A()
        a.x = 1
        """)),
    case("str_format_attr", "subprocess", src("""
        import os
        class A:
            @property
            def q(self):
                os.system("echo pwned")
                return 1
        "{0.q}".format(A())
        """)),
    case("network_in_property", "network", src("""
        import urllib.request
        class A:
            @property
            def p(self):
                print("pwned")
                try:
                    urllib.request.urlopen("http://127.0.0.1:9/", timeout=0.1)
                except Exception:
                    pass
        A().p
        """)),
    # ---- aliases and indirect calls
    case("annotation_eval", "subprocess", src("""
        import os
        def f():
            os.system("echo pwned")
        def g(x: f()): pass
        """)),
    case("alias_rebind", "subprocess", src("""
        import os
        def f():
            os.system("echo pwned")
        def g(): pass
        g = f
        g()
        """)),
    case("alias_walrus", "subprocess", src("""
        import os
        def f():
            os.system("echo pwned")
        (g := f)
        g()
        """)),
    case("globals_lookup", "subprocess", src("""
        import os
        def f():
            os.system("echo pwned")
        globals()["f"]()
        """)),
    case("dunder_call_attr", "subprocess", src("""
        import os
        def f():
            os.system("echo pwned")
        f.__call__()
        """)),
    case("getattr_const_method", "subprocess", src("""
        import os
        class A:
            def zork(self):
                os.system("echo pwned")
        getattr(A(), "zork")()
        """)),
    case("methodcaller", "subprocess", src("""
        import os, operator
        class A:
            def zork(self):
                os.system("echo pwned")
        operator.methodcaller("zork")(A())
        """)),
    case("alias_new_name", "subprocess", src("""
        import os
        def f():
            os.system("echo pwned")
        h = f
        h()
        """)),
    case("match_def", "subprocess", src("""
        import os
        match 1:
            case 1:
                def f():
                    os.system("echo pwned")
        f()
        """)),
    case("annassign_lambda", "subprocess", src("""
        import os
        h: object = lambda: os.system("echo pwned")
        h()
        """)),
    case("subscript_handed", "subprocess", src("""
        import os
        def f(x):
            os.system("echo pwned")
        FNS = [f]
        list(map(FNS[0], [1]))
        """)),
    case("bound_get", "subprocess", src("""
        import os
        def f(self):
            os.system("echo pwned")
        h = f.__get__(1)
        h()
        """)),
    case("alias_dunder_call_attr", "subprocess", src("""
        import os
        def f():
            os.system("echo pwned")
        h = f.__call__
        h()
        """)),
    case("network_alias_rebind", "network", src("""
        import urllib.request
        def beacon():
            print("pwned")
            try:
                urllib.request.urlopen("http://127.0.0.1:9/", timeout=0.1)
            except Exception:
                pass
        def noop(): pass
        noop = beacon
        noop()
        """)),
    case("class_dict_method", "subprocess", src("""
        import os
        class A:
            def zork(self):
                os.system("echo pwned")
        A.__dict__["zork"](None)
        """)),
    # ---- constructors and callbacks through inheritance
    case("exception_str_raise_caught", "subprocess", src("""
        import os
        class E(Exception):
            def __init__(self):
                os.system("echo pwned")
        try:
            raise E
        except E:
            pass
        """)),
    case("inherit_init", "subprocess", src("""
        import os
        class B:
            def __init__(self):
                os.system("echo pwned")
        class D(B): pass
        D()
        """)),
    case("thread_subclass_run", "subprocess", src("""
        import os, threading
        class T(threading.Thread):
            def run(self):
                os.system("echo pwned")
        t = T()
        t.start(); t.join()
        """)),
    case("logging_handler_emit", "subprocess", src("""
        import os, logging
        class H(logging.Handler):
            def emit(self, record):
                os.system("echo pwned")
        log = logging.getLogger("zzpkg")
        log.addHandler(H())
        log.warning("x")
        """)),
    case("logging_filter", "subprocess", src("""
        import os, logging
        class F:
            def filter(self, record):
                os.system("echo pwned")
                return False
        log = logging.getLogger("zzpkg2")
        log.addFilter(F())
        log.warning("x")
        """)),
    case("json_encoder_subclass", "subprocess", src("""
        import os, json
        class Enc(json.JSONEncoder):
            def default(self, o):
                os.system("echo pwned")
                return 0
        json.dumps(object(), cls=Enc)
        """)),
    case("singledispatch", "subprocess", src("""
        import os, functools
        @functools.singledispatch
        def h(x): pass
        @h.register
        def _(x: int):
            os.system("echo pwned")
        h(1)
        """)),
    case("class_alias_instantiate", "subprocess", src("""
        import os
        class A:
            def __init__(self):
                os.system("echo pwned")
        K = A
        K()
        """)),
    case("class_map", "subprocess", src("""
        import os
        class A:
            def __init__(self, x):
                os.system("echo pwned")
        list(map(A, [1]))
        """)),
    case("class_thread_target", "subprocess", src("""
        import os, threading
        class A:
            def __init__(self):
                os.system("echo pwned")
        t = threading.Thread(target=A); t.start(); t.join()
        """)),
    case("type_call_class", "subprocess", src("""
        import os
        class A:
            def __init__(self):
                os.system("echo pwned")
        type.__call__(A)
        """)),
    # ---- module __getattr__
    case("module_getattr_from_import", "subprocess", src("""
        import os
        def __getattr__(name):
            os.system("echo pwned")
            raise AttributeError(name)
        try:
            from pkg import nothing
        except ImportError:
            pass
        """)),
    case("module_getattr_hasattr", "subprocess", src("""
        import os, sys
        def __getattr__(name):
            os.system("echo pwned")
            raise AttributeError(name)
        hasattr(sys.modules[__name__], "zz")
        """)),
    case("module_class_swap", "subprocess", src("""
        import os, sys, types
        class M(types.ModuleType):
            def __getattr__(self, n):
                os.system("echo pwned")
                raise AttributeError(n)
        sys.modules[__name__].__class__ = M
        try:
            from pkg import nothing
        except ImportError:
            pass
        """)),
    # ---- across modules
    case("xmod_module_alias_getattr", "subprocess", {
        "pkg/_x.py": src("""
            import os
            def f():
                os.system("echo pwned")
            """),
        "pkg/__init__.py": src("""
            from . import _x as m
            getattr(m, "f")()
            """),
    }),
    case("xmod_star", "subprocess", {
        "pkg/_x.py": src("""
            import os
            def f():
                os.system("echo pwned")
            """),
        "pkg/__init__.py": src("""
            from ._x import *
            f()
            """),
    }),
    case("xmod_importlib", "subprocess", {
        "pkg/_x.py": src("""
            import os
            def f():
                os.system("echo pwned")
            """),
        "pkg/__init__.py": src("""
            import importlib
            m = importlib.import_module("._x", __name__)
            m.f()
            """),
    }),
    case("xmod_importlib_abs", "subprocess", {
        "pkg/_x.py": src("""
            import os
            def f():
                os.system("echo pwned")
            """),
        "pkg/__init__.py": src("""
            import importlib
            importlib.import_module("pkg._x").f()
            """),
    }),
    case("xmod_dunder_import", "subprocess", {
        "pkg/_x.py": src("""
            import os
            def f():
                os.system("echo pwned")
            """),
        "pkg/__init__.py": src("""
            __import__("pkg._x", fromlist=["f"]).f()
            """),
    }),
    case("xmod_reexport_chain", "subprocess", {
        "pkg/_x.py": src("""
            import os
            def f():
                os.system("echo pwned")
            """),
        "pkg/_y.py": src("""
            from ._x import f as g
            """),
        "pkg/__init__.py": src("""
            from ._y import g
            g()
            """),
    }),
    case("xmod_subpkg_level2", "subprocess", {
        "pkg/sub/_x.py": src("""
            import os
            def f():
                os.system("echo pwned")
            """),
        "pkg/sub/__init__.py": src("""
            """),
        "pkg/sub/b.py": src("""
            from .._y import go
            """),
        "pkg/_y.py": src("""
            def go():
                from .sub._x import f
                f()
            """),
        "pkg/__init__.py": src("""
            from .sub.b import go
            go()
            """),
    }),
    case("xmod_class_inherit_init", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class K:
                def __init__(self):
                    os.system("echo pwned")
            """),
        "pkg/__init__.py": src("""
            from ._x import K
            class D(K): pass
            D()
            """),
    }),
    case("xmod_init_subclass", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class K:
                def __init_subclass__(cls):
                    os.system("echo pwned")
            """),
        "pkg/__init__.py": src("""
            from ._x import K
            class D(K): pass
            """),
    }),
    case("xmod_metaclass", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class M(type):
                def __call__(cls):
                    os.system("echo pwned")
            """),
        "pkg/__init__.py": src("""
            from ._x import M
            class D(metaclass=M): pass
            D()
            """),
    }),
    case("xmod_super", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class K:
                def setup(self):
                    os.system("echo pwned")
            """),
        "pkg/__init__.py": src("""
            from ._x import K
            class D(K):
                def setup(self):
                    super().setup()
            D().setup()
            """),
    }),
    case("xmod_method_call", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class K:
                def go(self):
                    os.system("echo pwned")
            """),
        "pkg/__init__.py": src("""
            from ._x import K
            K().go()
            """),
    }),
    case("xmod_sys_modules", "subprocess", {
        "pkg/_x.py": src("""
            import os
            def f():
                os.system("echo pwned")
            """),
        "pkg/__init__.py": src("""
            import sys
            from . import _x
            sys.modules["pkg._x"].f()
            """),
    }),
    case("xmod_dict_attr", "subprocess", {
        "pkg/_x.py": src("""
            import os
            def f():
                os.system("echo pwned")
            """),
        "pkg/__init__.py": src("""
            from . import _x
            _x.__dict__["f"]()
            """),
    }),
    case("xmod_global_rebinding", "subprocess", {
        "pkg/_x.py": src("""
            import os
            def f():
                os.system("echo pwned")
            """),
        "pkg/__init__.py": src("""
            from . import _x as m
            h = m.f
            h()
            """),
    }),
    case("xmod_list_of_funcs", "subprocess", {
        "pkg/_x.py": src("""
            import os
            def f():
                os.system("echo pwned")
            """),
        "pkg/__init__.py": src("""
            from ._x import f
            L = [f]
            L[0]()
            """),
    }),
    case("xmod_module_getattr_in_other", "subprocess", {
        "pkg/_x.py": src("""
            import os
            def __getattr__(n):
                os.system("echo pwned")
                raise AttributeError(n)
            """),
        "pkg/__init__.py": src("""
            from . import _x
            try:
                _x.anything
            except AttributeError:
                pass
            """),
    }),
    case("xmod_reexport_via_init", "subprocess", {
        "pkg/_x.py": src("""
            import os
            def f():
                os.system("echo pwned")
            """),
        "pkg/__init__.py": src("""
            from ._x import f
            from . import _z
            """),
        "pkg/_z.py": src("""
            from . import f
            f()
            """),
    }),
    case("xmod_lambda_callee", "subprocess", {
        "pkg/_x.py": src("""
            import os
            f = lambda: os.system("echo pwned")
            """),
        "pkg/__init__.py": src("""
            from ._x import f
            f()
            """),
    }),
    case("xmod_alias_in_callee", "subprocess", {
        "pkg/_x.py": src("""
            import os
            def _impl():
                os.system("echo pwned")
            f = _impl
            """),
        "pkg/__init__.py": src("""
            from ._x import f
            f()
            """),
    }),
    case("xmod_instance_method", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class Client:
                def fetch(self):
                    os.system("echo pwned")
            client = Client()
            """),
        "pkg/__init__.py": src("""
            from ._x import client
            client.fetch()
            """),
    }),
    case("xmod_class_getitem", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class K:
                def __class_getitem__(cls, i):
                    os.system("echo pwned")
            """),
        "pkg/__init__.py": src("""
            from ._x import K
            K[int]
            """),
    }),
    case("xmod_super_init", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class K:
                def __init__(self):
                    os.system("echo pwned")
            """),
        "pkg/__init__.py": src("""
            from ._x import K
            class D(K):
                def __init__(self):
                    super().__init__()
            D()
            """),
    }),
    case("xmod_decorator_calls_fn", "subprocess", {
        "pkg/_x.py": src("""
            def deco(fn):
                fn()
                return fn
            """),
        "pkg/__init__.py": src("""
            import os
            from ._x import deco
            @deco
            def g():
                os.system("echo pwned")
            """),
    }),
    case("xmod_dict_registry", "subprocess", {
        "pkg/_x.py": src("""
            import os
            def _boot():
                os.system("echo pwned")
            HOOKS = {"boot": _boot}
            """),
        "pkg/__init__.py": src("""
            from ._x import HOOKS
            HOOKS['boot']()
            """),
    }),
    case("xmod_enter", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class CM:
                def __enter__(self):
                    os.system("echo pwned")
                def __exit__(self, *a): pass
            """),
        "pkg/__init__.py": src("""
            from ._x import CM
            with CM():
                pass
            """),
    }),
    case("xmod_two_level_pkg", "subprocess", {
        "pkg/a/b/_x.py": src("""
            import os
            def f():
                os.system("echo pwned")
            """),
        "pkg/a/__init__.py": src("""
            """),
        "pkg/a/b/__init__.py": src("""
            from ._x import f
            """),
        "pkg/__init__.py": src("""
            from .a.b import f
            f()
            """),
    }),
    case("sys_path_subdir_import", "subprocess", {
        "pkg/vendor/hidden_mod.py": src("""
            import os
            def f():
                os.system("echo pwned")
            """),
        "pkg/__init__.py": src("""
            import os, sys
            sys.path.insert(0, os.path.join(os.path.dirname(__file__), "vendor"))
            import hidden_mod
            hidden_mod.f()
            """),
    }),
    case("path_extend_subpkg", "subprocess", {
        "pkg/extra/_x.py": src("""
            import os
            def f():
                os.system("echo pwned")
            """),
        "pkg/__init__.py": src("""
            import os
            __path__.append(os.path.join(os.path.dirname(__file__), "extra"))
            from ._x import f
            f()
            """),
    }),
    # ---- decorators
    case("class_decorator_instantiates", "subprocess", src("""
        import os
        def register(cls):
            cls()
            return cls
        @register
        class X:
            def __init__(self):
                os.system("echo pwned")
        """)),
    case("decorator_instance_call", "subprocess", src("""
        import os
        class Deco:
            def __call__(self, fn):
                os.system("echo pwned")
                return fn
        @Deco()
        def g(): pass
        """)),
    case("attr_decorator_own_method", "subprocess", src("""
        import os
        class Reg:
            def add(self, fn):
                fn()
                return fn
        reg = Reg()
        @reg.add
        def g():
            os.system("echo pwned")
        """)),
    case("attr_decorator_method_body", "subprocess", src("""
        import os
        class Reg:
            def add(self, fn):
                os.system("echo pwned")
                return fn
        reg = Reg()
        @reg.add
        def g(): pass
        """)),
    case("class_decorator_calls_fn", "subprocess", src("""
        import os
        class Deco:
            def __init__(self, fn):
                fn()
        @Deco
        def g():
            os.system("echo pwned")
        """)),
    case("decorator_calls_via_dunder_call", "subprocess", src("""
        import os
        def deco(fn):
            fn.__call__()
            return fn
        @deco
        def g():
            os.system("echo pwned")
        """)),
    case("decorator_calls_via_alias", "subprocess", src("""
        import os
        def deco(fn):
            x = fn
            x()
            return fn
        @deco
        def g():
            os.system("echo pwned")
        """)),
    case("decorator_register_named_runner", "subprocess", src("""
        import os
        def register(cb):
            cb()
        def deco(fn):
            register(fn)
            return fn
        @deco
        def g():
            os.system("echo pwned")
        """)),
    case("decorator_second_param", "subprocess", src("""
        import os
        def deco(*, fn=None):
            return fn
        def apply(tag, fn):
            fn()
            return fn
        import functools
        @functools.partial(apply, "t")
        def g():
            os.system("echo pwned")
        """)),
    case("decorator_calls_param_in_list", "subprocess", src("""
        import os
        def deco(fn):
            for h in [fn]:
                h()
            return fn
        @deco
        def g():
            os.system("echo pwned")
        """)),
    case("decorator_factory_attr", "subprocess", src("""
        import os
        class App:
            def route(self, p):
                def wrap(fn):
                    fn()
                    return fn
                return wrap
        app = App()
        @app.route("/")
        def g():
            os.system("echo pwned")
        """)),
    case("subscript_decorator", "subprocess", src("""
        import os
        def deco(fn):
            os.system("echo pwned")
            return fn
        DECOS = [deco]
        @DECOS[0]
        def g(): pass
        """)),
    case("ifexp_decorator", "subprocess", src("""
        import os
        def deco(fn):
            os.system("echo pwned")
            return fn
        @(deco if True else None)
        def g(): pass
        """)),
    case("dunder_call_decorator", "subprocess", src("""
        import os
        def deco(fn):
            os.system("echo pwned")
            return fn
        @deco.__call__
        def g(): pass
        """)),
    case("walrus_decorator", "subprocess", src("""
        import os
        def deco(fn):
            os.system("echo pwned")
            return fn
        @(d := deco)
        def g(): pass
        """)),
    # ---- __main__ guard with __name__ rebound
    case("main_from___main___import", "subprocess", src("""
        import os
        from __main__ import __name__

        if __name__ == "__main__":
            os.system("echo pwned")
        """)),
    case("main_vars_subscript", "subprocess", src("""
        import os
        vars()["__name__"] = "__main__"

        if __name__ == "__main__":
            os.system("echo pwned")
        """)),
    case("main_locals_subscript", "subprocess", src("""
        import os
        locals()["__name__"] = "__main__"

        if __name__ == "__main__":
            os.system("echo pwned")
        """)),
    case("main_sysmodules_dict", "subprocess", src("""
        import os, sys
        sys.modules[__name__].__dict__["__name__"] = "__main__"

        if __name__ == "__main__":
            os.system("echo pwned")
        """)),
    case("main_setattr_module", "subprocess", src("""
        import os, sys
        setattr(sys.modules[__name__], "__name__", "__main__")

        if __name__ == "__main__":
            os.system("echo pwned")
        """)),
    case("main_paren_target", "subprocess", src("""
        import os
        (__name__) = "__main__"

        if __name__ == "__main__":
            os.system("echo pwned")
        """)),
    case("main_list_target", "subprocess", src("""
        import os
        [__name__] = ["__main__"]

        if __name__ == "__main__":
            os.system("echo pwned")
        """)),
    case("main_backslash", "subprocess", ('import os\n'
        '__name__ \\\n'
        '= "__main__"\n'
        '\n'
        'if __name__ == "__main__":\n'
        '    os.system("echo pwned")\n')),
    case("main_match_capture", "subprocess", src("""
        import os
        match "__main__":
            case __name__:
                pass

        if __name__ == "__main__":
            os.system("echo pwned")
        """)),
    case("main_func_in_block", "subprocess", src("""
        import os
        from __main__ import __name__
        def f():
            os.system("echo pwned")
        if __name__ == "__main__":
            f()
        """)),
    # (the lead's variants: a module alias, a computed name, other binding forms)
    case("main_module_dict_alias", "subprocess", src("""
        import os
        import pkg as me
        me.__dict__["__na" + "me__"] = "__main__"

        if __name__ == "__main__":
            os.system("echo pwned")
        """)),
    case("main_setattr_computed_alias", "subprocess", src("""
        import os
        import sys
        m = sys.modules[__package__]
        k = chr(95) * 2 + "name" + chr(95) * 2
        setattr(m, k, "__main__")

        if __name__ == "__main__":
            os.system("echo pwned")
        """)),
    case("main_setattr_import_alias", "subprocess", src("""
        import os
        import pkg as me
        k = chr(95) * 2 + "name" + chr(95) * 2
        setattr(me, k, "__main__")

        if __name__ == "__main__":
            os.system("echo pwned")
        """)),
    case("main_vars_of_module", "subprocess", src("""
        import os
        import pkg as me
        k = chr(95) * 2 + "name" + chr(95) * 2
        vars(me)[k] = "__main__"

        if __name__ == "__main__":
            os.system("echo pwned")
        """)),
    case("main_sys_alias_modules", "subprocess", src("""
        import os
        import sys
        m = sys
        k = chr(95) * 2 + "name" + chr(95) * 2
        m.modules[__package__].__setattr__(k, "__main__")

        if __name__ == "__main__":
            os.system("echo pwned")
        """)),
    case("main_sys_alias_chain", "subprocess", src("""
        import os
        import sys
        a = sys
        b = a
        k = chr(95) * 2 + "name" + chr(95) * 2
        setattr(b.modules[__package__], k, "__main__")

        if __name__ == "__main__":
            os.system("echo pwned")
        """)),
    case("main_currentframe_import", "subprocess", src("""
        import os
        from inspect import currentframe as cf
        k = chr(95) * 2 + "name" + chr(95) * 2
        cf().f_globals[k] = "__main__"

        if __name__ == "__main__":
            os.system("echo pwned")
        """)),
    case("main_locals_returned", "subprocess", src("""
        import os
        def ns():
            return locals
        k = chr(95) * 2 + "name" + chr(95) * 2
        ns()()[k] = "__main__"

        if __name__ == "__main__":
            os.system("echo pwned")
        """)),
    case("main_vars_module_scope", "subprocess", src("""
        import os
        k = chr(95) * 2 + "name" + chr(95) * 2
        vars()[k] = "__main__"

        if __name__ == "__main__":
            os.system("echo pwned")
        """)),
    case("main_exec_rebinds", "subprocess", src("""
        import os
        exec(bytes([95, 95, 110, 97, 109, 101, 95, 95, 61, 39,
                    95, 95, 109, 97, 105, 110, 95, 95, 39]).decode())

        if __name__ == "__main__":
            os.system("echo pwned")
        """)),
    case("main_walrus_in_if", "subprocess", src("""
        import os
        if (__name__ := "__main__"):
            pass

        if __name__ == "__main__":
            os.system("echo pwned")
        """)),
    case("main_for_target", "subprocess", src("""
        import os
        for __name__ in ["__main__"]:
            pass

        if __name__ == "__main__":
            os.system("echo pwned")
        """)),
    case("main_with_target", "subprocess", src("""
        import os, contextlib
        with contextlib.nullcontext("__main__") as __name__:
            pass

        if __name__ == "__main__":
            os.system("echo pwned")
        """)),
    case("main_del_global_in_func", "subprocess", src("""
        import os
        def f():
            global __name__
            __name__ = "__main__"
        f()

        if __name__ == "__main__":
            os.system("echo pwned")
        """)),
    case("main_star_own_module", "subprocess", {
        "pkg/__init__.py": src("""
            import os
            from ._n import *

            if __name__ == "__main__":
                os.system("echo pwned")
            """),
        "pkg/_n.py": src("""
            __all__ = ["__name__"]
            __name__ = "__main__"
            """),
    }),
    case("main_class_named", "subprocess", src("""
        import os
        class M(type):
            def __eq__(cls, other):
                return True
            __hash__ = type.__hash__
        class __name__(metaclass=M):
            pass

        if __name__ == "__main__":
            os.system("echo pwned")
        """)),
    # ---- stored references
    case("stored_ref_subscript_handed", "subprocess", src("""
        import os
        T = {"run": os.system}
        list(map(T["run"], ["echo pwned"]))
        """)),
    case("stored_ref_sorted_key_subscript", "subprocess", src("""
        import os
        KEYS = [os.system]
        sorted(["echo pwned"], key=KEYS[0])
        """)),
    case("xmod_stored_ref_default_arg", "subprocess", {
        "pkg/_compat.py": src("""
            import os
            def run(cmd, runner=os.system):
                return runner(cmd)
            """),
        "pkg/__init__.py": src("""
            from ._compat import run
            run("echo pwned")
            """),
    }),
    case("stored_ref_default_arg", "subprocess", src("""
        import os
        def run(cmd, runner=os.system):
            return runner(cmd)
        run("echo pwned")
        """)),
    case("stored_ref_kwdefault_opener", "network", src("""
        import urllib.request
        def get(url, *, opener=urllib.request.urlopen):
            print("pwned")
            try:
                return opener(url, timeout=0.1)
            except Exception:
                pass
        get("http://127.0.0.1:9/")
        """)),
    case("class_attr_func_handed", "subprocess", src("""
        import os
        def f():
            os.system("echo pwned")
        class Cfg:
            hook = f
        list(map(lambda h: h(), [Cfg.hook]))
        """)),
    case("class_attr_func_thread", "subprocess", src("""
        import os, threading
        def f():
            os.system("echo pwned")
        class Cfg:
            hook = f
        t = threading.Thread(target=Cfg.hook); t.start(); t.join()
        """)),
    case("lambda_in_dict_handed", "subprocess", src("""
        import os, threading
        T = {"boot": lambda: os.system("echo pwned")}
        t = threading.Thread(target=T["boot"]); t.start(); t.join()
        """)),
    # ---- cases of the reverted by-name rule (reach13), kept when the module graph took its
    # place: each really runs at import
    case("enum_member_new", "subprocess", src("""
        import os, enum
        class E(enum.Enum):
            def __new__(cls, v):
                os.system("echo pwned")
                obj = object.__new__(cls)
                obj._value_ = v
                return obj
            A = 1
        """)),
    case("enum_own_base_init", "subprocess", src("""
        import os
        from enum import Enum as _E
        class Base(_E):
            def __init__(self, v):
                os.system("echo pwned")
        class E(Base):
            A = 1
        """)),
    case("enum_aliased_module", "subprocess", src("""
        import os
        import enum as e
        class E(e.IntFlag):
            def _generate_next_value_(name, start, count, last):
                os.system("echo pwned")
                return 1 << count
            A = e.auto()
        """)),
    case("nested_class_getattr", "subprocess", src("""
        import os
        class O:
            class I:
                def __init__(self):
                    os.system("echo pwned")
        getattr(O, "I")()
        """)),
    case("dict_display_unpack_keys", "subprocess", src("""
        import os
        class A:
            def keys(self):
                os.system("echo pwned")
                return []
        d = {**A()}
        """)),
    case("print_file_write", "subprocess", src("""
        import os
        class W:
            def write(self, s):
                os.system("echo pwned")
        print("x", file=W())
        """)),
    case("logging_duck_handler", "subprocess", src("""
        import os, logging
        class H:
            level = 0
            def handle(self, record):
                os.system("echo pwned")
        log = logging.getLogger("zzpkg3")
        log.addHandler(H())
        log.warning("x")
        """)),
    case("module_getattr_relative_from", "subprocess", {
        "pkg/__init__.py": src("""
            import os
            def __getattr__(name):
                os.system("echo pwned")
                raise AttributeError(name)
            try:
                from . import nothing
            except ImportError:
                pass
            """),
    }),
    case("module_dir_hook", "subprocess", src("""
        import os, sys
        def __dir__():
            os.system("echo pwned")
            return []
        dir(sys.modules[__name__])
        """)),
    case("attr_decorator_registry_append", "subprocess", src("""
        import os
        class Registry:
            def __init__(self):
                self.items = []
            def register(self, fn):
                self.items.append(fn)
                fn()
                return fn
        REG = Registry()
        @REG.register
        def g():
            os.system("echo pwned")
        """)),
    case("stored_ref_tuple_loop", "subprocess", src("""
        import os
        HOOKS = (os.system,)
        for h in HOOKS:
            h("echo pwned")
        """)),
    case("stored_ref_dict_call", "subprocess", src("""
        import os
        T = dict(run=os.system)
        list(map(T["run"], ["echo pwned"]))
        """)),
    case("stored_ref_subscript_assigned", "subprocess", src("""
        import os
        T = {}
        T["run"] = os.system
        list(map(T["run"], ["echo pwned"]))
        """)),
    case("stored_ref_appended", "subprocess", src("""
        import os
        L = []
        L.append(os.system)
        sorted(["echo pwned"], key=L[0])
        """)),
    case("stored_ref_namespace", "subprocess", src("""
        import os, types
        NS = types.SimpleNamespace(run=os.system)
        NS.run("echo pwned")
        """)),
    case("class_attr_container_lambda", "subprocess", src("""
        import os, threading
        class C:
            T = {"boot": lambda: os.system("echo pwned")}
        t = threading.Thread(target=C.T["boot"]); t.start(); t.join()
        """)),
    case("xmod_star_chain", "subprocess", {
        "pkg/_x.py": PAYLOAD_MODULE,
        "pkg/_y.py": "from ._x import *\n",
        "pkg/__init__.py": "from ._y import *\nf()\n",
    }),
    case("xmod_importlib_alias", "subprocess", {
        "pkg/_x.py": PAYLOAD_MODULE,
        "pkg/__init__.py": src("""
            from importlib import import_module as im
            im("pkg._x").f()
            """),
    }),
    case("xmod_method_on_factory_result", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class K:
                def go(self):
                    os.system("echo pwned")
            def make():
                return K()
            """),
        "pkg/__init__.py": "from ._x import make\nmake().go()\n",
    }),
    case("xmod_enter_module_attr", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class CM:
                def __enter__(self):
                    os.system("echo pwned")
                def __exit__(self, *a): pass
            """),
        "pkg/__init__.py": "from . import _x\nwith _x.CM():\n    pass\n",
    }),
    case("xmod_module_getattr_from_import", "subprocess", {
        "pkg/_x.py": src("""
            import os
            def __getattr__(n):
                os.system("echo pwned")
                raise AttributeError(n)
            """),
        "pkg/__init__.py": src("""
            try:
                from ._x import anything
            except ImportError:
                pass
            """),
    }),
    case("xmod_super_module_attr", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class K:
                def setup(self):
                    os.system("echo pwned")
            """),
        "pkg/__init__.py": src("""
            from . import _x
            class D(_x.K):
                pass
            D().setup()
            """),
    }),
    case("xmod_enum_imported_base", "subprocess", {
        "pkg/_x.py": src("""
            import os, enum
            class BaseEnum(enum.Enum):
                def __init__(self, v):
                    os.system("echo pwned")
            """),
        "pkg/__init__.py": src("""
            from ._x import BaseEnum
            class E(BaseEnum):
                A = 1
            """),
    }),
    case("sys_path_append_from_import", "subprocess", {
        "pkg/vendor/hidden_mod.py": PAYLOAD_MODULE,
        "pkg/__init__.py": src("""
            import os, sys
            sys.path.append(os.path.dirname(__file__) + "/vendor")
            from hidden_mod import f
            f()
            """),
    }),
    case("nested_zip_from_import", "subprocess", {
        "pkg/lib.zip": _zip({"hidden.py": PAYLOAD_MODULE}),
        "pkg/__init__.py": src("""
            import os, sys
            sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib.zip"))
            from hidden import f as go
            go()
            """),
    }),
]

# variants of the mechanisms above (#13 review): each runs at import
CASES += [
    case("enum_module_level_alias", "subprocess", src("""
        import os, enum
        _E = enum.Enum
        class Base(_E):
            def __init__(self, v):
                os.system("echo pwned")
        class E(Base):
            A = 1
        """)),
    case("dict_display_unpack_instance", "subprocess", src("""
        import os
        class A:
            def keys(self):
                os.system("echo pwned")
                return []
        a = A()
        d = {"x": 1, **a}
        """)),
    case("module_dir_import_module", "subprocess", src("""
        import importlib, os
        def __dir__():
            os.system("echo pwned")
            return []
        dir(importlib.import_module(__name__))
        """)),
    case("stored_ref_unpacked", "subprocess", src("""
        import os
        run, other = os.system, print
        run("echo pwned")
        """)),
    case("stored_ref_attribute_store", "subprocess", src("""
        import os, types
        NS = types.SimpleNamespace()
        NS.run = os.system
        NS.run("echo pwned")
        """)),
    case("stored_ref_read_in_a_function", "subprocess", src("""
        import os
        T = {"run": os.system}
        def go():
            f = T["run"]
            f("echo pwned")
        go()
        """)),
    case("stored_ref_class_attr_instance", "subprocess", src("""
        import os
        class C:
            run = os.system
        c = C()
        type(c).run("echo pwned")
        """)),
    case("stored_ref_computed_getattr", "subprocess", src("""
        import os
        class C:
            run = os.system
        getattr(C, "r" + "un".strip())("echo pwned")
        """)),
    case("text_word_cut_out", "subprocess", src("""
        import os
        class A:
            def query(self):
                os.system("echo pwned")
        getattr(A(), "run the query".split()[2])()
        """)),
    case("xmod_stored_attr_alias_called", "subprocess", {
        "pkg/_base.py": PAYLOAD_MODULE,
        "pkg/_lang.py": "from . import _base\nrun_hook = _base.f\n",
        "pkg/__init__.py": "from . import _lang\n_lang.run_hook()\n",
    }),
    case("xmod_class_attr_alias_called", "subprocess", {
        "pkg/_base.py": PAYLOAD_MODULE,
        "pkg/_lang.py": "from . import _base\nclass L:\n    run_hook = _base.f\n",
        "pkg/__init__.py": "from ._lang import L\nL.run_hook()\n",
    }),
    case("xmod_stored_alias_read_then_called", "subprocess", {
        "pkg/_base.py": PAYLOAD_MODULE,
        "pkg/__init__.py": "from . import _base\nrun_hook = _base.f\nrun_hook()\n",
    }),
    case("xmod_import_module_package_kw", "subprocess", {
        "pkg/_x.py": PAYLOAD_MODULE,
        "pkg/__init__.py": src("""
            import importlib
            importlib.import_module("._x", package=__name__).f()
            """),
    }),
    case("xmod_import_module_assigned_alias", "subprocess", {
        "pkg/_x.py": PAYLOAD_MODULE,
        "pkg/__init__.py": src("""
            import importlib
            load = importlib.import_module
            load("pkg._x").f()
            """),
    }),
    case("xmod_dunder_import_level", "subprocess", {
        "pkg/_x.py": PAYLOAD_MODULE,
        "pkg/__init__.py": '__import__("_x", globals(), None, ["f"], 1).f()\n',
    }),
    case("xmod_factory_result_assigned", "subprocess", {
        "pkg/_x.py": src("""
            import os
            class K:
                def go(self):
                    os.system("echo pwned")
            def make():
                return K()
            """),
        "pkg/__init__.py": "from . import _x\nk = _x.make()\nk.go()\n",
    }),
    case("decorator_factory_inner_calls_helper", "subprocess", src("""
        import os
        def helper():
            os.system("echo pwned")
        def register(name):
            def decorate(fn):
                helper()
                return fn
            return decorate
        @register("a")
        def f():
            pass
        """)),
    case("closure_returned_and_called", "subprocess", src("""
        import os
        def helper():
            os.system("echo pwned")
        def outer():
            def inner():
                helper()
            return inner
        outer()()
        """)),
    case("registry_read_through_alias", "subprocess", src("""
        import os
        REG = {}
        def register(fn):
            REG[fn.__name__] = fn
            return fn
        @register
        def hook():
            os.system("echo pwned")
        table = REG
        table["hook"]()
        """)),
    case("xmod_decorator_method_of_instance", "subprocess", {
        "pkg/_reg.py": src("""
            class Registry:
                def add(self, fn):
                    fn()
                    return fn
            REG = Registry()
            """),
        "pkg/__init__.py": src("""
            import os
            from ._reg import REG
            @REG.add
            def hook():
                os.system("echo pwned")
            """),
    }),
    case("xmod_decorator_class", "subprocess", {
        "pkg/_reg.py": src("""
            class Deco:
                def __init__(self, fn):
                    fn()
            """),
        "pkg/__init__.py": src("""
            import os
            from . import _reg as r
            @r.Deco
            def hook():
                os.system("echo pwned")
            """),
    }),
    case("xmod_decorator_keeps_in_an_own_class", "subprocess", {
        "pkg/_reg.py": src("""
            class Table:
                def __setitem__(self, k, fn):
                    fn()
            TABLE = Table()
            def register(fn):
                TABLE[fn.__name__] = fn
                return fn
            """),
        "pkg/__init__.py": src("""
            import os
            from ._reg import register
            @register
            def hook():
                os.system("echo pwned")
            """),
    }),
    case("xmod_decorator_reexported", "subprocess", {
        "pkg/_impl.py": "def deco(fn):\n    fn()\n    return fn\n",
        "pkg/_api.py": "from ._impl import deco as register\n",
        "pkg/__init__.py": src("""
            import os
            from ._api import register
            @register
            def hook():
                os.system("echo pwned")
            """),
    }),
    case("class_decorator_instance_calls", "subprocess", src("""
        import os
        class Deco:
            def __call__(self, fn):
                fn()
                return fn
        @Deco()
        def hook():
            os.system("echo pwned")
        """)),
    case("class_decorator_with_a_base", "subprocess", src("""
        import os
        class Base:
            def __init__(self, fn):
                fn()
        class Deco(Base):
            pass
        @Deco
        def hook():
            os.system("echo pwned")
        """)),
    case("sys_path_pathlib", "subprocess", {
        "pkg/vendor/hidden_mod.py": PAYLOAD_MODULE,
        "pkg/__init__.py": src("""
            import sys
            from pathlib import Path
            sys.path.insert(0, str(Path(__file__).parent / "vendor"))
            import hidden_mod
            hidden_mod.f()
            """),
    }),
    case("sys_path_addsitedir", "subprocess", {
        "pkg/vendor/hidden_mod.py": PAYLOAD_MODULE,
        "pkg/__init__.py": src("""
            import os, site
            site.addsitedir(os.path.join(os.path.dirname(__file__), "vendor"))
            from hidden_mod import f
            f()
            """),
    }),
    case("sys_path_not_worked_out", "subprocess", {
        "pkg/vendor/hidden_mod.py": PAYLOAD_MODULE,
        "pkg/__init__.py": src("""
            import os, sys
            def _where(f):
                return os.path.join(os.path.dirname(f), "ven" + "dor".lower())
            sys.path += [_where(__file__)]
            from hidden_mod import f
            f()
            """),
    }),
]

# code the scanner cannot read as source, loaded at import
CASES += [
    case("sourceless_pyc", "subprocess", {
        "pkg/_x.pyc": hash_pyc(PAYLOAD_MODULE),
        "pkg/__init__.py": "from ._x import f\nf()\n",
    }),
    case("pycache_pyc_in_place_of_source", "subprocess", {
        "pkg/__pycache__/_x.cpython-311.pyc": hash_pyc(PAYLOAD_MODULE),
        "pkg/_x.py": "def f():\n    pass\n",
        "pkg/__init__.py": "from ._x import f\nf()\n",
    }),
    case("nested_zip", "subprocess", {
        "pkg/lib.zip": _zip({"hidden.py": PAYLOAD_MODULE}),
        "pkg/__init__.py": src("""
            import os, sys
            sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib.zip"))
            import hidden
            hidden.f()
            """),
    }),
]


@pytest.mark.parametrize(("files", "cap"), CASES)
def test_runs_at_import_is_import(files: str | dict[str, str | bytes], cap: str,
                                  tmp_path: Path) -> None:
    fail_unless_at_import(files, cap, tmp_path)
