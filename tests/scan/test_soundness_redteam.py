"""Soundness red team, round 2: attacks on the reworked model (gate.scan.reflect, the
pre-filter's lexical shortcuts, the scanner's "safe positions").

The rule under test: against a policy that grants nothing, a package cannot use a
capability without a finding. A callable reached by a way the scanner cannot name yields at
least ``dynamic-code``; one named statically resolves to its real capability; a finding's
phase is ``import`` when the code runs at import.

Every snippet is a real program that does the thing when imported as ``pkg/mod.py`` (the
payloads are harmless: ``echo pwned``, ``print('pwned')``, a file ``pwned.txt`` in the
working directory). A line ending in ``# <-`` is where the capability is used: when a case
has one, the finding must be on that line and in the ``import`` phase.

Classes:
  1. a module, the builtins module or a namespace reaching code the scanner does not follow
  2. computed names
  3. the pre-filter: the filtered scan must report what the unfiltered scan reports
  4. import-time effects reported as ``runtime``
  5. wrong resolution: false alarms
  6. modules held by standard-library modules that the catalog does not list
  7. the same across the files of a wheel
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gate.model import Finding
from gate.scan import scan_artifact
from tests.builders import build_wheel
from tests.scan.test_soundness import findings, marked_line, prog
from tests.scan.unfiltered import switch_off

MARK = "# <-"
DYN = "dynamic-code"
SUB = "subprocess"

CMD = 'CMD = "echo pwned"\n'
SRC = 'SRC = "print(\'pwned\')"\n'
SH = CMD + 'SH = "import os; os.system(CMD)"\n'  # source run by a reached ``exec``


def shown(fs: list[Finding] | tuple[Finding, ...]) -> list[tuple[str, int, str, str]]:
    return [(str(f.capability), f.line, str(f.phase), f.detail) for f in fs]


def assert_reported(src: str, expected: set[str]) -> None:
    """Some finding has a capability in ``expected``; when a line is marked, on it and in
    the ``import`` phase."""
    fs = findings(src)
    line = marked_line(src)
    hits = [f for f in fs if str(f.capability) in expected
            and (line is None or (f.line == line and str(f.phase) == "import"))]
    where = f" at line {line} (import)" if line is not None else ""
    assert hits, f"expected one of {sorted(expected)}{where}; got {shown(fs)}"


# ============================================================ 1. values the scanner does not follow
# A module (every module holds ``__builtins__``), a builtin function (its ``__self__`` is
# a module) or a namespace handed to code the scanner does not follow.

FLOW_CASES = [
    # ---- plain flows (held: pinned so that they stay held)
    pytest.param(CMD + prog("""
        import os
        def run(m):
            return m.system(CMD)
        run(os)
        """), {DYN, SUB}, id="argument"),
    pytest.param(CMD + "import os\nm = os if CMD else None\nm.system(CMD)\n",
                 {DYN, SUB}, id="conditional-expression"),
    pytest.param(CMD + "import os, contextlib\nwith contextlib.nullcontext(os) as m:\n"
                 "    m.system(CMD)\n", {DYN, SUB}, id="with-as"),
    pytest.param(CMD + prog("""
        import os
        try:
            raise Exception(os)
        except Exception as e:
            e.args[0].system(CMD)
        """), {DYN, SUB}, id="raise-except-as"),
    pytest.param(CMD + "import os\nmatch [os]:\n    case [m]:\n        m.system(CMD)\n",
                 {DYN, SUB}, id="match-sequence-capture"),
    pytest.param(CMD + "import os\nclass C:\n    pass\nsetattr(C, 'm', os)\nC.m.system(CMD)\n",
                 {DYN, SUB}, id="setattr-on-a-class"),
    pytest.param(CMD + prog("""
        import os
        def deco(m):
            def wrap(fn):
                return lambda: m.system(CMD)
            return wrap
        @deco(os)
        def g():
            pass
        g()
        """), {DYN, SUB}, id="decorator-argument"),
    pytest.param(CMD + prog("""
        import os
        class B:
            def __init_subclass__(cls, m=None, **kw):
                m.system(CMD)
        class A(B, m=os):
            pass
        """), {DYN, SUB}, id="class-keyword-argument"),
    pytest.param(CMD + "import os\ngetattr(object(), 'x', os).system(CMD)\n", {DYN, SUB},
                 id="getattr-default-returned"),
    pytest.param(CMD + prog("""
        import os
        def isinstance(m, t):
            return m.system(CMD)
        isinstance(os, int)
        """), {DYN, SUB}, id="consumer-isinstance-rebound"),
    pytest.param(CMD + prog("""
        import os
        class D:
            def __get__(self, obj, typ=None):
                return os
        class A:
            m = D()
        A().m.system(CMD)
        """), {DYN, SUB}, id="descriptor-__get__"),
    pytest.param(CMD + prog("""
        import os
        class B:
            m = os
        class A(B):
            def go(self):
                return super().m
        A().go().system(CMD)
        """), {DYN, SUB}, id="super"),
    pytest.param(CMD + "import os\ndef f(*, m=os):\n    pass\nf.__kwdefaults__['m'].system(CMD)\n",
                 {DYN, SUB}, id="__kwdefaults__"),
    pytest.param(CMD + prog("""
        import os
        def outer():
            def inner():
                return os
            return inner
        outer()().system(CMD)
        """), {DYN, SUB}, id="closure-returning-the-global"),
    # ---- sys.modules handed out
    pytest.param(CMD + prog("""
        import sys
        for m in list(sys.modules.values()):
            if getattr(m, "__name__", "") == "os":
                m.system(CMD)
        """), {DYN, SUB}, id="sys.modules.values"),
    pytest.param(CMD + "import sys\ndict(sys.modules)['o' + 's'].system(CMD)\n", {DYN, SUB},
                 id="dict(sys.modules)"),
    pytest.param(CMD + "import sys\nvars(sys)['modules']['os'].system(CMD)\n", {DYN, SUB},
                 id="vars(sys)[modules]"),
    pytest.param(CMD + prog("""
        import os, sys
        class A:
            pass
        sys.modules[type(A()).__module__].os.system(CMD)
        """), {DYN, SUB}, id="sys.modules[type(x).__module__]"),
    # ---- HOLES: a local bound to a module is taken for "a parameter, not the module"
    pytest.param(CMD + prog("""
        import os
        def f():
            m = os
            return m
        f().system(CMD)
        """), {DYN, SUB}, id="local-alias-returned"),
    pytest.param(CMD + prog("""
        import os
        def outer():
            m = None
            def inner():
                nonlocal m
                m = os
            inner()
            return m
        outer().system(CMD)
        """), {DYN, SUB}, id="nonlocal-alias-returned"),
    pytest.param(CMD + prog("""
        import os
        def outer():
            m = os
            def inner():
                return m
            return inner
        outer().__closure__[0].cell_contents.system(CMD)
        """), {DYN, SUB}, id="closure-cell_contents"),
    # ---- HOLES: an attribute of a module the scanner cannot name, that is not a
    # catalogued leaf (``<module>.os``), is taken as harmless
    pytest.param(CMD + prog("""
        import os, sys
        def f():
            pass
        sys.modules[f.__module__].os.system(CMD)  # <-
        """), {DYN, SUB}, id="sys.modules[f.__module__].os"),
    pytest.param(CMD + prog("""
        import os, inspect
        def f():
            pass
        inspect.getmodule(f).os.system(CMD)  # <-
        """), {DYN, SUB}, id="inspect.getmodule(f).os"),
    pytest.param(CMD + "import os, sys\nsys._getframe().f_globals['os'].system(CMD)  # <-\n",
                 {DYN, SUB}, id="f_globals[os]"),
    pytest.param(CMD + prog("""
        import os
        try:
            1 / 0
        except Exception as e:
            e.__traceback__.tb_frame.f_globals["os"].system(CMD)  # <-
        """), {DYN, SUB}, id="tb_frame.f_globals"),
    pytest.param(CMD + prog("""
        import os
        def gen():
            yield 1
        gen().gi_frame.f_globals["os"].system(CMD)  # <-
        """), {DYN, SUB}, id="gi_frame.f_globals"),
    pytest.param(CMD + "import os\ndef f():\n    pass\n"
                 "f.__globals__['o' + 's'].system(CMD)  # <-\n",
                 {DYN, SUB}, id="__globals__[os]"),
    pytest.param(SRC + "import json\njson.dumps.__globals__['codecs'].builtins.exec(SRC)  # <-\n",
                 {DYN}, id="__globals__[codecs].builtins"),
    # ---- HOLES: this module's namespace handed out
    pytest.param(CMD + prog("""
        import os
        for v in list(globals().values()):
            if getattr(v, "__name__", "") == "os":
                v.system(CMD)
        """), {DYN, SUB}, id="globals().values"),
    pytest.param(CMD + prog("""
        import os
        def run(g):
            return g["os"].system(CMD)
        run(globals())
        """), {DYN, SUB}, id="globals()-as-argument"),
    pytest.param(CMD + "import os\nglobals().get('o' + 's').system(CMD)  # <-\n", {DYN, SUB},
                 id="globals().get"),
    pytest.param(CMD + "import os\ng = globals().copy()\ng['o' + 's'].system(CMD)\n", {DYN, SUB},
                 id="globals().copy"),
    pytest.param(CMD + "import os\ng = globals()\n"
                 "[v for k, v in g.items() if k == 'os'][0].system(CMD)\n",
                 {DYN, SUB}, id="globals-alias.items"),
    # ---- HOLES: every object of the interpreter
    pytest.param(CMD + prog("""
        import gc
        for o in gc.get_objects():
            if type(o).__name__ == "module" and o.__name__ == "os":
                o.system(CMD)
        """), {DYN, SUB}, id="gc.get_objects"),
    pytest.param(CMD + prog("""
        import gc, os
        def f():
            pass
        ns = [d for d in gc.get_referents(f) if type(d) is dict][0]
        ns["os"].system(CMD)
        """), {DYN, SUB}, id="gc.get_referents(function)"),
    pytest.param(CMD + "import asyncio\n" + prog("""
        class A:
            pass
        A = object
        for c in A.__subclasses__():  # <-
            if c.__name__ == "Popen":
                c(CMD, shell=True).wait()
        """), {DYN, SUB}, id="own-class-name-rebound-__subclasses__"),
    # ---- (were holes) builtin functions (``__self__``) and functions (``__globals__``) as values
    pytest.param(SRC + prog("""
        def pick(o, n):
            return getattr(o, n)
        pick(len, "__se" + "lf__").exec(SRC)
        """), {DYN},
                 id="builtin-function-argument"),
    pytest.param(SRC + "fs = [print]\nN = '__se' + 'lf__'\ngetattr(fs[0], N).exec(SRC)\n",
                 {DYN},
                 id="builtin-function-in-a-list"),
    pytest.param(SRC + prog("""
        import json
        N = "__glo" + "bals__"
        getattr(json.dumps, N)["__builtins__"]["exec"](SRC)
        """), {DYN}, id="getattr(stdlib-function, computed)"),
    pytest.param(CMD + "import sys\nN = '__se' + 'lf__'\n"
                 "getattr(sys.exit, N).modules['os'].system(CMD)\n",
                 {DYN, SUB}, id="getattr(sys.exit, computed)"),
    pytest.param(CMD + "import os\ndef f():\n    pass\nN = '__glo' + 'bals__'\n"
                 "getattr(f, N)['os'].system(CMD)\n",
                 {DYN, SUB}, id="getattr(own-function, computed)"),
    pytest.param(CMD + prog("""
        import os
        class A:
            def __init__(self):
                pass
            def go(self, n, k):
                return getattr(self.__init__, n)[k]
        A().go("__glo" + "bals__", "os").system(CMD)
        """), {DYN, SUB},
                 id="getattr(self.method, computed)"),
    pytest.param(CMD + "import asyncio\n" + prog("""
        def walk(o, *names):
            for n in names:
                o = getattr(o, n)
            return o
        for c in walk((), "__class__", "__base__", "__subcl" + "asses__")():
            if c.__name__ == "Popen":
                c(CMD, shell=True).wait()
        """), {DYN, SUB},
                 id="getattr-walk-to-__subclasses__"),
    pytest.param(SRC + prog("""
        import string
        b, _ = string.Formatter().get_field("0.__self__", (print,), {})
        b.exec(SRC)
        """), {DYN}, id="Formatter.get_field-__self__"),
    pytest.param(SRC + prog("""
        import string
        b, _ = string.Formatter().get_field("0.__se" + "lf__", (print,), {})
        b.exec(SRC)
        """), {DYN}, id="Formatter.get_field-computed"),
    pytest.param(SRC + prog("""
        import operator
        def f():
            pass
        operator.attrgetter("__buil" + "tins__")(f)["ex" + "ec"](SRC)
        """), {DYN}, id="attrgetter(__builtins__)-subscripted"),
    pytest.param(SRC + prog("""
        def f():
            pass
        object.__getattribute__(f, "__buil" + "tins__")["ex" + "ec"](SRC)
        """), {DYN}, id="object.__getattribute__(__builtins__)-subscripted"),
    pytest.param(SRC + prog("""
        import functools
        def f():
            pass
        g = functools.partial(getattr, f)
        g("__buil" + "tins__")["ex" + "ec"](SRC)
        """), {DYN}, id="partial(getattr)"),
    pytest.param(SRC + prog("""
        def f():
            pass
        ns = list(map(getattr, [f], ["__buil" + "tins__"]))[0]
        ns["ex" + "ec"](SRC)
        """), {DYN}, id="map(getattr)"),
    # ---- HOLES: dict methods on sys.modules / globals() other than get/values/items/copy
    pytest.param(CMD + "import sys\nN = 'o' + 's'\nsys.modules.setdefault(N).system(CMD)  # <-\n",
                 {DYN, SUB}, id="sys.modules.setdefault"),
    pytest.param(CMD + "import sys\nN = 'o' + 's'\nsys.modules.__getitem__(N).system(CMD)  # <-\n",
                 {DYN, SUB}, id="sys.modules.__getitem__"),
    pytest.param(CMD + "import os\nN = 'o' + 's'\nglobals().__getitem__(N).system(CMD)  # <-\n",
                 {DYN, SUB}, id="globals().__getitem__"),
    pytest.param(CMD + "import os\nN = 'o' + 's'\nglobals().setdefault(N).system(CMD)  # <-\n",
                 {DYN, SUB}, id="globals().setdefault"),
    pytest.param(CMD + "import os, operator\nN = 'o' + 's'\n"
                 "operator.getitem(globals(), N).system(CMD)  # <-\n",
                 {DYN, SUB}, id="operator.getitem(globals())"),
    pytest.param(CMD + "import os\nN = 'o' + 's'\nvars().get(N).system(CMD)  # <-\n",
                 {DYN, SUB}, id="vars().get"),
    pytest.param(CMD + "import os\nmatch globals():\n    case {'os': m}:\n        m.system(CMD)\n",
                 {DYN, SUB}, id="match-mapping-globals()"),
    pytest.param(CMD + "import os, inspect\n"
                 "inspect.stack()[0].frame.f_globals['os'].system(CMD)  # <-\n",
                 {DYN, SUB}, id="inspect.stack-frame.f_globals"),
    # (held)
    pytest.param(CMD + "import sys, operator\nN = 'o' + 's'\n"
                 "operator.getitem(sys.modules, N).system(CMD)\n", {DYN, SUB},
                 id="operator.getitem(sys.modules)"),
    pytest.param(CMD + "import os, importlib\nimportlib.reload(os).system(CMD)\n", {DYN, SUB},
                 id="importlib.reload"),
    pytest.param(CMD + "import os\nmatch os:\n    case object(__dict__=d):\n"
                 "        d['sys' + 'tem'](CMD)\n", {DYN, SUB}, id="match-class-__dict__"),
    # ---- (was a hole) modules of other distributions bound by a from-import
    pytest.param(SRC + prog("""
        from _pytest import compat as c
        N = "__buil" + "tins__"
        getattr(c, N)["exec"](SRC)
        """), {DYN},
                 id="from-import-of-another-distribution"),
]


@pytest.mark.parametrize(("src", "expected"), FLOW_CASES)
def test_value_not_followed(src: str, expected: set[str]) -> None:
    assert_reported(src, expected)


# ============================================================ 2. computed names

COMPUTED_CASES = [
    pytest.param(CMD + "import os, inspect\ndict(inspect.getmembers(os))['system'](CMD)\n",
                 {DYN, SUB}, id="inspect.getmembers"),
    pytest.param(CMD + prog("""
        import os, string
        f, _ = string.Formatter().get_field("0.sys" + "tem", (os,), {})
        f(CMD)
        """), {DYN, SUB}, id="Formatter.get_field(os)"),
    pytest.param(CMD + "import os\nfrom operator import attrgetter as ag\n"
                 "ag('sys' + 'tem')(os)(CMD)\n",
                 {SUB}, id="attrgetter-renamed"),
    pytest.param(CMD + "import os, functools, operator\n"
                 "functools.partial(operator.attrgetter, 'sys' + 'tem')()(os)(CMD)\n",
                 {DYN, SUB}, id="partial(attrgetter)"),
    pytest.param(CMD + "import os, operator\n"
                 "g = operator.methodcaller('sys' + 'tem', CMD)\ng(os)\n",
                 {DYN, SUB}, id="methodcaller-stored"),
    pytest.param(CMD + "import os\ngetattr(os, ''.join(['sys', 'tem']))(CMD)\n", {DYN, SUB},
                 id="str.join"),
    pytest.param(CMD + "import os, base64\n"
                 "getattr(os, base64.b64decode('c3lzdGVt').decode())(CMD)\n",
                 {DYN, SUB}, id="base64"),
    pytest.param(CMD + "import os\nvars(os).get('sys' + 'tem')(CMD)\n", {SUB}, id="vars().get"),
    pytest.param(CMD + prog("""
        import os
        for k, v in vars(os).items():
            if k == "sys" + "tem":
                v(CMD)
        """), {DYN, SUB}, id="vars()-loop"),
    pytest.param(CMD + prog("""
        import os
        for n in dir(os):
            if n == "sys" + "tem":
                getattr(os, n)(CMD)
        """), {DYN, SUB}, id="dir()-loop"),
    pytest.param(CMD + "import os, inspect\ninspect.getattr_static(os, 'sys' + 'tem')(CMD)\n",
                 {SUB}, id="getattr_static-folded"),
    pytest.param(CMD + "import os\nN = 'sys' + 'tem'\nobject.__getattribute__(os, N)(CMD)\n",
                 {DYN, SUB}, id="object.__getattribute__-computed"),
    pytest.param(CMD + "import os\nN = 'sys' + 'tem'\ntype(os).__getattribute__(os, N)(CMD)\n",
                 {DYN, SUB}, id="ModuleType.__getattribute__-computed"),
    pytest.param(CMD + "import os\nN = 'sys' + 'tem'\nv = vars\nv(os)[N](CMD)\n", {DYN, SUB},
                 id="vars-renamed"),
    pytest.param(CMD + "import os, builtins as b\nN = 'sys' + 'tem'\nb.getattr(os, N)(CMD)\n",
                 {DYN, SUB}, id="builtins.getattr"),
    pytest.param(CMD + "import os\nfrom operator import methodcaller as mc\nN = 'sys' + 'tem'\n"
                 "mc(N, CMD)(os)\n", {DYN, SUB}, id="methodcaller-renamed"),
    pytest.param(CMD + "import os, functools\nN = 'sys' + 'tem'\n"
                 "functools.partial(getattr, os)(N)(CMD)\n", {DYN, SUB}, id="partial(getattr, os)"),
    pytest.param(CMD + "import os\nM = 'o' + 's'\ngetattr(os.path, M).system(CMD)\n", {DYN, SUB},
                 id="getattr(os.path, computed)"),
    pytest.param('import pickle\npickle.loads(b"cos\\nsystem\\n(S\'echo pwned\'\\ntR.")\n',
                 {DYN, SUB}, id="pickle.loads"),
    # HOLE: an import hook installed through setattr (``sys.meta_path = ...`` is found)
    pytest.param(prog("""
        import sys
        class F:
            def find_spec(self, *a):
                print("pwned")
        setattr(sys, "meta_path", [F()] + sys.meta_path)  # <-
        import colorsys
        """), {DYN}, id="setattr(sys, meta_path)"),
    pytest.param(prog("""
        import sys
        class F:
            def find_spec(self, *a):
                print("pwned")
        N = "meta_" + "path"
        setattr(sys, N, [F()] + sys.meta_path)  # <-
        import colorsys
        """), {DYN}, id="setattr(sys, computed)"),
]


@pytest.mark.parametrize(("src", "expected"), COMPUTED_CASES)
def test_computed_names(src: str, expected: set[str]) -> None:
    assert_reported(src, expected)


# ============================================================ 3. the pre-filter
# The filtered scan must report every capability the unfiltered one does (and the secure
# outcome, at least ``dynamic-code``). Most misses: ``_object_trick_used`` rules a file
# out when ``getattr``'s object is bound to no module, but the scanner reports a folded
# reflective name (``"__glo" + "bals__"``) on any object; ``_LOOKED_AT`` trusts
# ``isinstance(``/``type(``/``id(`` without knowing what they are bound to.

PREFILTER_CASES = [
    pytest.param(SRC + "def f():\n    pass\n"
                 "getattr(f, '__glo' + 'bals__')['__buil' + 'tins__']['ex' + 'ec'](SRC)\n",
                 id="getattr(function, folded __globals__)"),
    pytest.param(SRC + "def f():\n    pass\ngetattr(f, '__buil' + 'tins__')['ex' + 'ec'](SRC)\n",
                 id="getattr(function, folded __builtins__)"),
    pytest.param(SRC + "def f(x):\n    return getattr(x, '__se' + 'lf__')\nf(len).exec(SRC)\n",
                 id="getattr(parameter, folded __self__)"),
    pytest.param(SRC + "def f():\n    x = len\n    return getattr(x, '__se' + 'lf__')\n"
                 "f().exec(SRC)\n",
                 id="getattr(local, folded __self__)"),
    pytest.param(SRC + "a = len\ngetattr(a, '__se' + 'lf__').exec(SRC)\n",
                 id="getattr(alias-of-builtin, folded __self__)"),
    pytest.param(SRC + "a = b = len\ngetattr(a, '__se' + 'lf__').exec(SRC)\n",
                 id="chained-assignment"),
    pytest.param(SRC + "a, b = len, 1\ngetattr(a, '__se' + 'lf__').exec(SRC)\n",
                 id="tuple-assignment"),
    pytest.param(SRC + "def f():\n    pass\ng = lambda: getattr(f, '__buil' + 'tins__')\n"
                 "g()['ex' + 'ec'](SRC)\n", id="lambda"),
    pytest.param(SRC + "def f():\n    pass\ngetattr(f,  # why not\n"
                 "        '__buil' + 'tins__')['ex' + 'ec'](SRC)\n", id="comment-in-arguments"),
    pytest.param(SRC + "def f():\n    pass\n"
                 "\uff47\uff45\uff54\uff41\uff54\uff54\uff52"  # getattr, fullwidth
                 "(f, '__buil' + 'tins__')['ex' + 'ec'](SRC)\n",
                 id="fullwidth-getattr"),
    pytest.param(CMD + "import asyncio\n" + prog("""
        for b in [().__class__.__base__]:
            for c in getattr(b, "__subcl" + "asses__")():
                if c.__name__ == "Popen":
                    c(CMD, shell=True).wait()
        """), id="__subclasses__-folded-loop-target"),
    pytest.param(CMD + "import asyncio\n" + prog("""
        b = (().__class__.__base__)
        for c in getattr(b, "__subcl" + "asses__")():
            if c.__name__ == "Popen":
                c(CMD, shell=True).wait()
        """), id="__subclasses__-folded-parenthesised"),
    pytest.param(CMD + "import asyncio\n" + prog("""
        b: type = ().__class__.__base__
        for c in getattr(b, "__subcl" + "asses__")():
            if c.__name__ == "Popen":
                c(CMD, shell=True).wait()
        """), id="__subclasses__-folded-annotated"),
    pytest.param(CMD + "import asyncio\n" + prog("""
        def find(b, n):
            for c in getattr(b, "__subcl" + "asses__")():
                if c.__name__ == n:
                    return c
        find(object, "Popen")(CMD, shell=True).wait()
        """), id="__subclasses__-folded-parameter"),
    pytest.param(SRC + "from _pytest import compat as c\n"
                 "getattr(c, '__buil' + 'tins__')['ex' + 'ec'](SRC)\n",
                 id="from-import-folded-__builtins__"),
    # ``helpers.type(json)`` is a method of another module, not the builtin
    pytest.param("import json\nfrom . import helpers\nhelpers.type(json)\n",
                 id="attribute-named-type"),
    pytest.param("import json\nfrom . import helpers\nhelpers.isinstance(json, int)\n",
                 id="attribute-named-isinstance"),
    pytest.param("import json\nfrom .compat import type\ntype(json)\n", id="type-from-import"),
    pytest.param("import json\nfrom .compat import id\nid(json)\n", id="id-from-import"),
    pytest.param("import json\nfrom pkg.helpers import hasattr\nhasattr(json, 'x')\n",
                 id="hasattr-from-import"),
]


@pytest.mark.parametrize("src", PREFILTER_CASES)
def test_prefilter_keeps_what_the_scanner_finds(src: str, monkeypatch: pytest.MonkeyPatch) -> None:
    filtered = findings(src)
    with monkeypatch.context() as m:
        switch_off(m.setattr)
        unfiltered = findings(src)
    got = {str(f.capability) for f in filtered}
    want = {str(f.capability) for f in unfiltered}
    assert want <= got, f"filtered {shown(filtered)}; unfiltered {shown(unfiltered)}"
    assert DYN in got or SUB in got, shown(filtered)


# ============================================================ 4. import-time effects
# The marked line runs when the module is imported: its finding must say ``import``.

PHASE_CASES = [
    # ---- held
    pytest.param(CMD + "import os\nif __name__ != 'x':\n    os.system(CMD)  # <-\n", SUB,
                 id="__name__-ne"),
    pytest.param(CMD + "import os\nif __name__ == '__main__' or True:\n    os.system(CMD)  # <-\n",
                 SUB, id="__main__-or-True"),
    pytest.param(CMD + "import os\nif __name__ in ('__main__', 'pkg.mod'):\n"
                 "    os.system(CMD)  # <-\n",
                 SUB, id="__name__-in"),
    pytest.param(CMD + "import os\nif __name__ == '__main__':\n    pass\nelif True:\n"
                 "    os.system(CMD)  # <-\n", SUB, id="__main__-elif"),
    pytest.param(CMD + "import os\ndef f(x=os.system(CMD)):  # <-\n    pass\n", SUB,
                 id="default-argument-call"),
    pytest.param(CMD + prog("""
        import os
        class B:
            def __init_subclass__(cls, **kw):
                pass
        class A(B, x=os.system(CMD)):  # <-
            pass
        """), SUB, id="class-keyword-call"),
    pytest.param(CMD + "import os\ndef deco(f):\n    return f\n@deco(os.system(CMD))  # <-\n"
                 "def g():\n    pass\n", SUB, id="decorator-call"),
    pytest.param(CMD + "import os\n[os.system][0](CMD)  # <-\n", SUB, id="list-display-called"),
    # ---- HOLES: a lambda run at import (called at once, a decorator, a metaclass)
    pytest.param(CMD + "import os\n@(lambda f: os.system(CMD))  # <-\ndef g():\n    pass\n",
                 SUB, id="lambda-decorator"),
    # ---- HOLES: ``__name__`` rebound, the "main" block runs at import
    pytest.param(CMD + "import os\n__name__ = '__main__'\nif __name__ == '__main__':\n"
                 "    os.system(CMD)  # <-\n", SUB, id="__name__-assigned"),
    pytest.param(CMD + "import os\nglobals()['__na' + 'me__'] = '__main__'\n"
                 "if __name__ == '__main__':\n    os.system(CMD)  # <-\n", SUB,
                 id="__name__-assigned-via-globals"),
    pytest.param(CMD + "import os\nfor __name__ in ['__main__']:\n    pass\n"
                 "if __name__ == '__main__':\n    os.system(CMD)  # <-\n", SUB,
                 id="__name__-loop-target"),
    pytest.param(CMD + prog("""
        import os
        def f():
            global __name__
            __name__ = "__main__"
        f()
        if __name__ == "__main__":
            os.system(CMD)  # <-
        """), SUB, id="__name__-global-in-function"),
    pytest.param(CMD + prog("""
        import os
        class S(str):
            def __eq__(self, o):
                return True
            __hash__ = str.__hash__
        __name__ = S(__name__)
        if __name__ == "__main__":
            os.system(CMD)  # <-
        """), SUB, id="__name__-str-subclass"),
    # ---- HOLES: a stored reference called at module level
    pytest.param(CMD + "import os\nT = {'a': os.system}\nT['a'](CMD)  # <-\n", SUB,
                 id="dict-of-functions"),
    pytest.param(CMD + "import os\nFNS = (os.system,)\nFNS[0](CMD)  # <-\n", SUB,
                 id="tuple-of-functions"),
    pytest.param(CMD + "import os\nclass C:\n    f = os.system\nC.f(CMD)  # <-\n", SUB,
                 id="class-attribute-function"),
    pytest.param(CMD + "import os\nclass A:\n    m = os\nA.m.system(CMD)  # <-\n", {DYN, SUB},
                 id="class-attribute-module"),
    pytest.param(CMD + "import os\na, *b = [1, os]\nb[0].system(CMD)  # <-\n", {DYN, SUB},
                 id="starred-target"),
    pytest.param(CMD + "import os, sys\nd = {**sys.modules}\nd['os'].system(CMD)  # <-\n",
                 {DYN, SUB}, id="sys.modules-unpacked-into-a-dict"),
    pytest.param(CMD + "import os\nA = (os, 'sys' + 'tem')\ngetattr(*A)(CMD)  # <-\n", {DYN, SUB},
                 id="getattr-arguments-in-a-tuple"),
    pytest.param("import threading\nclass T(threading.Thread):\n    pass\n"
                 "T(target=print, args=('pwned',)).start()  # <-\n", "threads",
                 id="Thread-subclass-started"),
    pytest.param(CMD + "import os\n(lambda: os.system(CMD))()  # <-\n", SUB,
                 id="lambda-called-at-once"),
    pytest.param(CMD + "import os\nclass A(metaclass=lambda *a: os.system(CMD)):  # <-\n    pass\n",
                 SUB, id="metaclass-lambda"),
    # ---- HOLES: methods the class machinery calls at import
    pytest.param(CMD + prog("""
        import os
        class D:
            def __set_name__(self, owner, name):
                os.system(CMD)  # <-
        class A:
            x = D()
        """), SUB, id="__set_name__"),
    pytest.param(CMD + prog("""
        import os
        class B:
            def __init_subclass__(cls, **kw):
                os.system(CMD)  # <-
        class A(B):
            pass
        """), SUB, id="__init_subclass__"),
    pytest.param(CMD + prog("""
        import os
        class A:
            def __class_getitem__(cls, item):
                return os.system(item)  # <-
        x: A[CMD] = None
        """), SUB, id="__class_getitem__-in-annotation"),
]


@pytest.mark.parametrize(("src", "expected"), PHASE_CASES)
def test_import_time_effects(src: str, expected: str | set[str]) -> None:
    """An ``import`` finding on the marked line, or one that says it is reached from
    there (a reference stored for later, called at import: ``(via T['a']() at :4)``),
    or, for ``dynamic-code``, the module's escape at import that made the call possible."""
    wanted = {expected} if isinstance(expected, str) else expected
    fs = findings(src)
    line = marked_line(src)
    hits = [f for f in fs if str(f.capability) in wanted and str(f.phase) == "import" and (
        f.line == line or f"at :{line})" in f.detail or str(f.capability) == DYN)]
    assert hits, f"expected one of {sorted(wanted)} at import for line {line}; got {shown(fs)}"


# ============================================================ 5. false alarms

QUIET_CASES = [
    # ---- held
    pytest.param("import json\ndef f(json):\n    return json\n", DYN, id="parameter-returned"),
    pytest.param(prog("""
        import os
        class A:
            def get(self, name):
                return getattr(self, name)
            def cwd(self):
                return os.getcwd()
        """), DYN, id="getattr(self)"),
    pytest.param('"""Pass f(os) here."""\nimport os\ndef f():\n    return os.sep\n', DYN,
                 id="module-in-a-docstring"),
    pytest.param("import os, types\ndef f():\n    return isinstance(os, types.ModuleType)\n",
                 DYN, id="isinstance(os)"),
    pytest.param("import os\ntry:\n    pass\nexcept Exception as os:\n    print(os)\n", DYN,
                 id="except-as-shadows"),
    # ---- HOLES: names shadowed by a parameter, a local or a comprehension variable
    pytest.param("import os\ndef f(os, name):\n    return getattr(os, name)\n", DYN,
                 id="getattr(parameter-named-os)"),
    pytest.param("import os\ndef f(name):\n    os = object()\n    return getattr(os, name)\n",
                 DYN, id="getattr(local-named-os)"),
    pytest.param("import os\nnames = [os for os in ['a', 'b']]\n", DYN,
                 id="comprehension-variable-named-os"),
    pytest.param("import os\nm = os\ndef f(m):\n    return getattr(m, 'system')\n", SUB,
                 id="parameter-shadows-an-alias"),
    pytest.param("import subprocess as sp\ndef f(sp):\n    return sp.run()\n", SUB,
                 id="parameter-shadows-a-module-alias"),
    pytest.param("from os import system\ndef f(system):\n    return system('x')\n", SUB,
                 id="parameter-shadows-a-from-import"),
]


@pytest.mark.parametrize(("src", "cap"), QUIET_CASES)
def test_no_false_alarm(src: str, cap: str) -> None:
    fs = findings(src)
    assert not [f for f in fs if str(f.capability) == cap], shown(fs)


# ============================================================ 6. modules held by modules
# ``fnmatch.os`` is ``os``: a chain through a standard-library module's attribute that the
# catalog's list of holders misses is not resolved at all (found by importing every stdlib
# module and trying each module-valued attribute).

HELD_CASES = [
    pytest.param(CMD + "import fnmatch\nfnmatch.os.system(CMD)  # <-\n", id="fnmatch.os"),
    pytest.param(CMD + "import tabnanny\ntabnanny.os.system(CMD)  # <-\n", id="tabnanny.os"),
    pytest.param(CMD + "import plistlib\nplistlib.os.system(CMD)  # <-\n", id="plistlib.os"),
    pytest.param(CMD + "import logging.config\nlogging.config.os.system(CMD)  # <-\n",
                 id="logging.config.os"),
    pytest.param(CMD + "import logging.handlers\nlogging.handlers.os.system(CMD)  # <-\n",
                 id="logging.handlers.os"),
    pytest.param(CMD + "import pathlib\npathlib.fnmatch.os.system(CMD)  # <-\n",
                 id="pathlib.fnmatch.os"),
    pytest.param(CMD + "import zipfile\nzipfile.pathlib.os.system(CMD)  # <-\n",
                 id="zipfile.pathlib.os"),
    pytest.param(CMD + "import urllib.request\nurllib.request.contextlib.os.system(CMD)  # <-\n",
                 id="urllib.request.contextlib.os"),
    pytest.param(SH + "import json\njson.codecs.builtins.exec(SH)  # <-\n",
                 id="json.codecs.builtins"),
    pytest.param(SH + "import re\nre.enum.bltns.exec(SH)  # <-\n", id="re.enum.bltns"),
]


@pytest.mark.parametrize("src", HELD_CASES)
def test_modules_held_by_stdlib_modules(src: str) -> None:
    assert_reported(src, {DYN, SUB})


# ============================================================ 7. across the files of a wheel

PAYLOAD = "\"import os; os.system('echo pwned')\""

WHEELS = [
    # ---- held
    pytest.param({"foo/__init__.py": "from . import sub\nsub.os.system('echo pwned')\n",
                  "foo/sub.py": "import os\n"}, {SUB}, id="own-module.os"),
    pytest.param({"foo/__init__.py": "from . import sub\nsub.m.system('echo pwned')\n",
                  "foo/sub.py": "import os\nm = os\n"}, {SUB}, id="own-module-alias"),
    pytest.param({"foo/__init__.py": "from .sub import P\nP.__self__.exec(" + PAYLOAD + ")\n",
                  "foo/sub.py": "P = print\n"}, {DYN}, id="own-module-builtin-function"),
    # ---- HOLES
    pytest.param({"foo/__init__.py": "from . import sub\nN = '__buil' + 'tins__'\n"
                                     "getattr(sub, N)['exec'](" + PAYLOAD + ")\n",
                  "foo/sub.py": "X = 1\n"}, {DYN}, id="getattr(own-module, computed)"),
    pytest.param({"foo/__init__.py": "from . import sub\nfrom .a import pick\n"
                                     "pick(sub, 'o' + 's').system('echo pwned')\n",
                  "foo/a.py": "def pick(m, n):\n    return getattr(m, n)\n",
                  "foo/sub.py": "import os\n"}, {DYN, SUB}, id="own-module-passed-on"),
    pytest.param({"foo/__init__.py": "from .sub import P\nN = '__se' + 'lf__'\n"
                                     "getattr(P, N).exec(" + PAYLOAD + ")\n",
                  "foo/sub.py": "P = print\n"}, {DYN},
                 id="own-builtin-function-getattr"),
    pytest.param({"foo/__init__.py": "import os\nfrom .helpers import *\n"
                                     "isinstance(os, 'echo pwned')\n",
                  "foo/helpers.py": "def isinstance(m, n):\n    return m.system(n)\n"},
                 {DYN, SUB}, id="isinstance-star-imported"),
    pytest.param({"foo/__init__.py": "import os\nfrom .helpers import hasattr\n"
                                     "hasattr(os, 'echo pwned')\n",
                  "foo/helpers.py": "def hasattr(m, n):\n    return m.system(n)\n"},
                 {DYN, SUB}, id="hasattr-from-imported"),
    pytest.param({"foo/__init__.py": "import json\nfrom . import helpers\n"
                                     "helpers.type(json, '__buil' + 'tins__')"
                                     "['exec'](" + PAYLOAD + ")\n",
                  "foo/helpers.py": "def type(m, n):\n    return getattr(m, n)\n"},
                 {DYN, SUB}, id="type-as-an-attribute"),
]


@pytest.mark.parametrize(("files", "expected"), WHEELS)
def test_across_files(tmp_path: Path, files: dict[str, str], expected: set[str]) -> None:
    s = scan_artifact(build_wheel(tmp_path, "foo", "1.0", files))
    got = {str(f.capability) for f in s.findings}
    assert got & expected, [(f.path, *x) for f, x in zip(s.findings, shown(s.findings),
                                                          strict=True)]


def test_module_in_a_list_of_another_file_is_import_phase(tmp_path: Path) -> None:
    """``MODS = [os]`` at module level escapes at import; the use is at import too."""
    s = scan_artifact(build_wheel(tmp_path, "foo", "1.0", {
        "foo/__init__.py": "from . import sub\nsub.MODS[0].system('echo pwned')\n",
        "foo/sub.py": "import os\nMODS = [os]\n",
    }))
    hits = [f for f in s.findings if str(f.capability) in (DYN, SUB)]
    assert any(str(f.phase) == "import" for f in hits), shown(s.findings)
