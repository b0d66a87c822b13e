"""What a pure-Python ``functools.partial`` would cost (docs/runtime.md, "Callables with no
frame of the package"): the mechanism a guard could install before package code runs so a
stored partial, when called, has a frame that attribution can read its maker from.

    python -m bench.partial_probe [--repeat N] [--n N]

Each variant runs in a fresh interpreter (``-I``): ``c`` is today's ``_functools.partial``;
``pure`` installs functools.py's own pure-Python class as ``functools.partial`` and
``_functools.partial`` (so pickle, ``inspect.signature``, ``isinstance`` and
``partialmethod`` keep working; not ``partial[int]``: functools.py's class has no
``__class_getitem__``, and hypothesis subscripts it at import, so pytest with hypothesis
does not start); ``pure+maker`` adds ``__class_getitem__`` and records, at construction, the code
object of the frame that made it (the least attribution could keep; the guard would still
have to map it to a distribution when the partial's capability is judged). The workload is
partial-heavy on purpose: construction and calls of partials, partials as ``sorted`` keys
and in ``map``, ``partialmethod``, nothing else. CPU time is the minimum of N runs.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import textwrap

INSTALL = textwrap.dedent('''
    import importlib, sys, _functools, functools
    real = sys.modules.pop("functools")
    sys.modules["_functools"] = None  # functools.py falls back to its pure-Python classes
    pure = importlib.import_module("functools").partial
    sys.modules["_functools"] = _functools
    sys.modules["functools"] = real
    if MAKER:
        class partial(pure):
            __slots__ = ("_maker",)
            # functools.py's class lacks it: hypothesis's `partial[Any]` fails at import
            __class_getitem__ = classmethod(__import__("types").GenericAlias)
            def __new__(cls, func, /, *args, **keywords):
                self = super().__new__(cls, func, *args, **keywords)
                self._maker = sys._getframe(1).f_code
                return self
        partial.__module__ = "functools"
        pure = partial
    real.partial = _functools.partial = pure
''')

WORKLOAD = textwrap.dedent('''
    import functools, operator, time
    def add(a, b, c=0):
        return a + b + c
    class K:
        def m(self, a, b):
            return a * b
        pm = functools.partialmethod(m, 3)
    t = time.process_time()
    total = 0
    k = K()
    for i in range(N):
        p = functools.partial(add, i, c=1)         # construction
        total += p(2) + p(3)                        # calls
        total += k.pm(2)
        if i % 100 == 0:
            key = functools.partial(add, 0)
            total += sum(map(key, range(50)))
            total += len(sorted(range(50), key=functools.partial(operator.sub, 25)))
    print(time.process_time() - t)
''')


def run(variant: str, n: int) -> float:
    install = "" if variant == "c" else INSTALL.replace("MAKER", str(variant == "pure+maker"))
    src = install + f"N = {n}\n" + WORKLOAD  # (runtime_bench: N a parameter)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-I", "-c", src], check=True,  # noqa: S603
                   stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--n", type=int, default=300_000)
    args = parser.parse_args()
    times: dict[str, list[float]] = {"c": [], "pure": [], "pure+maker": []}
    for _ in range(args.repeat):  # interleaved: the machine's load hits all alike
        for variant in times:
            times[variant].append(run(variant, args.n))
    base = min(times["c"])
    for variant, ts in times.items():
        print(f"{variant:<11} {min(ts):7.3f}s CPU ({min(ts) / base:.2f}x)  (min of {args.repeat})")


if __name__ == "__main__":
    main()
