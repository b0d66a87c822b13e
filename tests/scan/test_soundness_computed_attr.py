"""Soundness red team, round 3: computed attributes of objects the scanner cannot type.

Any Python function, lambda, bound method, class, generator or frame leads, through one
attribute, to a namespace (``__globals__``, ``f_globals``), the builtins (``__builtins__``,
a builtin's ``__self__``) or every class (``__subclasses__``); a computed name can spell
it. The rule (gate.scan.python_calls ``_unknown``): such a lookup is ``dynamic-code`` when
its name may spell an attribute that leads on AND what it gives is looked into further.

Every snippet runs as ``pkg/mod.py`` and does what it claims (payloads are harmless:
``print('pwned')``, ``echo pwned``). The QUIET cases are the shapes real wheels write,
which must stay quiet (precision); each sits next to the attack one step away.
"""

from __future__ import annotations

import pytest

from tests.scan.test_soundness import findings, prog
from tests.scan.test_soundness_redteam import assert_reported, shown

DYN = "dynamic-code"
SUB = "subprocess"
# names spelled so that no literal shows them: ``__globals__``, ``__builtins__``, ``exec``
NAMES = prog("""
    K = bytes([95, 95, 103, 108, 111, 98, 97, 108, 115, 95, 95]).decode()
    B = bytes([95, 95, 98, 117, 105, 108, 116, 105, 110, 115, 95, 95]).decode()
    E = bytes([101, 120, 101, 99]).decode()
    SRC = "print('pwned')"
    """)

CASES = [
    # ---- the lead's four
    pytest.param(NAMES + prog("""
        f = lambda: 0
        g = getattr(f, "".join(map(chr, [95, 95, 103, 108, 111, 98, 97, 108, 115, 95, 95])))
        g[B][E](SRC)
        """), id="lambda-__globals__-computed"),
    pytest.param(NAMES + prog("""
        class A:
            def go(self):
                pass
            def f(self, n):
                return getattr(self.go, n)
        A().f(K)[B][E](SRC)
        """), id="bound-method-__globals__"),
    pytest.param(NAMES + prog("""
        def h(o, n):
            return getattr(o, n)
        def go():
            pass
        h(go, K)[B][E](SRC)
        """), id="function-handed-to-a-parameter"),
    pytest.param(NAMES + prog("""
        class A:
            def f(self, n):
                return getattr(self, n)
        def go():
            pass
        A.f(go, K)[B][E](SRC)
        """), id="unbound-method-function-as-self"),
    # ---- what an attacker writes next
    pytest.param(NAMES + prog("""
        import operator
        def go():
            pass
        def h(o, n):
            return operator.attrgetter(n)(o)
        h(go, K)[B][E](SRC)
        """), id="attrgetter(n)(obj)"),
    pytest.param(NAMES + prog("""
        def go():
            pass
        def h(o, n):
            return object.__getattribute__(o, n)
        h(go, K)[B][E](SRC)
        """), id="object.__getattribute__(obj, n)"),
    pytest.param(NAMES + prog("""
        class P:
            def __init__(self, o):
                self.o = o
            def __getattr__(self, n):
                return getattr(self.o, n)
        def go():
            pass
        def h(p, n):
            return p.__getattr__(n)
        h(P(go), K)[B][E](SRC)
        """), id="explicit-__getattr__(n)"),
    pytest.param(NAMES + prog("""
        import functools
        def go():
            pass
        functools.partial(getattr, go)(K)[B][E](SRC)
        """), id="functools.partial(getattr, obj)"),
    pytest.param(NAMES + prog("""
        def go():
            pass
        def h(o, n):
            return vars(type(o))[n].__get__(o)
        h(go, K)[B][E](SRC)
        """), id="vars(type(obj))[n]-descriptor"),
    pytest.param(NAMES + prog("""
        def go():
            pass
        def h(o, n):
            return type(o).__dict__[n].__get__(o)
        h(go, K)[B][E](SRC)
        """), id="type(obj).__dict__[n]-descriptor"),
    pytest.param(NAMES + prog("""
        def go():
            pass
        def h(o, n):
            return type(o).__dict__.get(n).__get__(o)
        h(go, K)[B][E](SRC)
        """), id="type(obj).__dict__.get(n)-descriptor"),
    pytest.param(NAMES + prog("""
        class A:
            def go(self):
                pass
        def h(o, a, b):
            return getattr(getattr(o, a), b)
        h(A(), "go", K)[B][E](SRC)
        """), id="chain-getattr(getattr(x, a), b)"),
    pytest.param(NAMES + prog("""
        def go():
            pass
        def h(o, n, b, e):
            g = getattr(o, n)
            ns = g
            return ns[b][e]
        h(go, K, B, E)(SRC)
        """), id="local-alias-then-computed-subscript"),
    pytest.param(NAMES + prog("""
        def go():
            pass
        def h(o, n, b):
            if (g := getattr(o, n)) is not None:
                return g.get(b)
        h(go, K, B)[E](SRC)
        """), id="walrus-then-.get"),
    pytest.param(NAMES + prog("""
        import operator
        def go():
            pass
        def h(o, n, b):
            return operator.getitem(getattr(o, n), b)
        h(go, K, B)[E](SRC)
        """), id="handed-to-operator.getitem"),
    pytest.param(NAMES + prog("""
        def go():
            pass
        h = lambda o, n: getattr(o, n)
        h(go, K)[B][E](SRC)
        """), id="returned-by-a-lambda"),
    pytest.param(NAMES + prog("""
        def h(o, n, e):
            return getattr(o, n).exec(e)
        h(print, "__se" + "lf__".strip(), SRC)
        """), id="builtin-__self__-then-.exec"),
    pytest.param(NAMES + prog("""
        def h(o, a, b):
            return getattr(getattr(o, "gi_" + a), "f_" + b)
        g = (i for i in [1])
        h(g, "frame", "globals")[B][E](SRC)
        """), id="generator-gi_frame-f_globals-prefix"),
    pytest.param(NAMES + prog("""
        import sys
        def h(a, b):
            try:
                1 / 0
            except ZeroDivisionError:
                tb = sys.exc_info()[2]
            return getattr(getattr(tb, "tb_" + a), b)
        h("frame", "f_globals")[B][E](SRC)
        """), id="traceback-tb_frame-prefix"),
    pytest.param('CMD = "echo pwned"\n' + prog("""
        def h(o, n):
            for c in getattr(o, n)():
                if c.__name__ == "Popen":
                    c(CMD, shell=True).wait()
        import subprocess
        h(object, "__subcl" + "asses__".lower())
        """), id="iterated-__subclasses__()-of-object"),
    pytest.param(NAMES + prog("""
        import ssl
        def go():
            pass
        def h(n):
            return getattr(ssl.TLSVersion, n)
        h("mro")()[-1]
        d = getattr(go, K)
        d[B][E](SRC)
        """), id="module-level-local"),
    pytest.param(NAMES + prog("""
        def go():
            pass
        def h(o, n):
            return getattr(o, f"__{n}__")
        h(go, "globals")[B][E](SRC)
        """), id="f-string-dunder-shape"),
    pytest.param(NAMES + prog("""
        def go():
            pass
        def h(o, n):
            return getattr(o, "__%s__" % n)
        h(go, "globals")[B][E](SRC)
        """), id="percent-format-dunder-shape"),
    pytest.param(NAMES + prog("""
        def go():
            pass
        def outer(o, n):
            g = None
            def inner():
                nonlocal g
                g = getattr(o, n)
            inner()
            return g[B]
        outer(go, K)[E](SRC)
        """), id="nonlocal-store"),
]


@pytest.mark.parametrize("src", CASES)
def test_computed_attribute_of_untyped_object(src: str) -> None:
    assert_reported(src, {DYN, SUB})


QUIET = [
    pytest.param(prog("""
        class V:
            def visit(self, node):
                return getattr(self, "visit_" + type(node).__name__)(node)
        """), id="visitor-prefix"),
    pytest.param(prog("""
        class V:
            def handle(self, kind, x):
                return getattr(self, f"handle_{kind}")(x)
        """), id="f-string-prefix"),
    pytest.param(prog("""
        class V:
            def cached(self, name):
                return getattr(self, "_%s_cache" % name)[0]
        """), id="percent-format-prefix"),
    pytest.param(prog("""
        def run(obj, name, *args):
            getattr(obj, name)(*args)
        """), id="called-and-dropped"),
    pytest.param(prog("""
        def has(obj, name):
            if getattr(obj, name, None) is None:
                return False
            return callable(getattr(obj, name))
        """), id="compared-and-tested"),
    pytest.param(prog("""
        def show(obj, fields):
            out = []
            for f in fields:
                v = getattr(obj, f)
                out.append(f"{f}={v!r}")
            return ", ".join(out)
        """), id="formatted"),
    pytest.param(prog("""
        def same(a, b, names):
            return all(getattr(a, n) == getattr(b, n) for n in names)
        """), id="compared-in-a-generator"),
    pytest.param(prog("""
        import os
        for n in ("sep", "linesep"):
            print(getattr(os, n))
        """), id="literal-loop-keys-of-a-module"),
]


@pytest.mark.parametrize("src", QUIET)
def test_quiet_where_nothing_is_looked_into(src: str) -> None:
    fs = [f for f in findings(src) if str(f.capability) == DYN]
    assert not fs, shown(fs)


@pytest.mark.parametrize(("src", "detail"), [
    pytest.param(NAMES + "def h(o, n):\n    return getattr(o, n)\nh(h, K)[B]\n",
                 "getattr(o, <computed>), returned, then subscripted", id="returned"),
    pytest.param(NAMES + "def h(o, n, k):\n    return getattr(o, n)[k]\n",
                 "getattr(o, <computed>), subscripted", id="subscripted"),
])
def test_evidence_says_why(src: str, detail: str) -> None:
    details = [f.detail for f in findings(src)]
    assert any(d.startswith(detail) for d in details), details


LIMIT = pytest.mark.xfail(strict=True, reason=(
    "known limit (docs/scanner.md): followed within the module only"))


@pytest.mark.parametrize("files", [
    pytest.param({"foo/__init__.py": NAMES + "from .util import h\ndef go():\n    pass\n"
                                     "h(go, K)[B][E](SRC)\n",
                  "foo/util.py": "def h(o, n):\n    return getattr(o, n)\n"},
                 marks=LIMIT, id="returned-to-another-module"),
])
def test_across_modules(tmp_path: object, files: dict[str, str]) -> None:
    from pathlib import Path

    from gate.scan import scan_artifact
    from tests.builders import build_wheel
    assert isinstance(tmp_path, Path)
    scan = scan_artifact(build_wheel(tmp_path, "foo", "1.0", files))
    assert any(str(f.capability) == DYN for f in scan.findings), shown(scan.findings)


@pytest.mark.parametrize("src", [
    pytest.param(NAMES + prog("""
        def go():
            pass
        for d in type(go).__dict__.values():
            if getattr(d, "__name__", "") == K:
                d.__get__(go)[B][E](SRC)
        """), id="class-namespace-values-descriptor"),
    pytest.param(prog("""
        def outer():
            import os
            def inner():
                return os.sep
            return inner
        outer().__closure__[0].cell_contents.system("echo pwned")
        """), id="closure-cell_contents-static"),
])
def test_former_limits(src: str) -> None:  # (a class namespace by value, a cell read)
    assert_reported(src, {DYN, SUB})
