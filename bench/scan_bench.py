"""Scanner benchmark: scan time vs merely ``ast.parse``-ing every .py file of large wheels.

Run by hand (never by the tests):

    .venv/bin/python bench/scan_bench.py            # all wheels
    .venv/bin/python bench/scan_bench.py numpy      # some of them

Wheels are downloaded once to bench/.cache/ (pinned by URL and sha256). Each wheel is
measured in its own child process (so peak RSS is that wheel's): CPU time of the scan
(gate.scan.scan_artifact when it is implemented, else scan_python over every .py member)
and of ``ast.parse`` over the same members, each the best of its runs (taking turns, at
least ``--repeat`` runs and ``--min-time`` CPU seconds each); both read every .py member
from the zip the same way.

``--process`` measures what a user runs instead: per wheel, the whole ``permpip scan
<wheel>`` command (the console script, a fresh process, an empty cache directory each run)
against a fresh ``python -c`` process that reads every .py member from the zip and
``ast.parse``s it; wall time and the child's CPU (user + system, from ``os.wait4``), best of
``--repeat`` runs taken in turn.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
FILES = "https://files.pythonhosted.org/packages/"


@dataclass(frozen=True, kw_only=True, slots=True)
class Wheel:
    name: str
    path: str  # under FILES
    sha256: str
    local: Path | None = None  # a wheel file named on the command line

    @property
    def filename(self) -> str:
        return self.path.rsplit("/", 1)[1]


WHEELS = [
    Wheel(name="django", sha256="a0530e3fdac55d34ccc5893c36f6c57d7a7083064f3d414537e51473648b3290",
          path="77/f2/adbe0352c6673f7b608724be5f69962c80ba1d06f8ed60fa4bfbec258b08/"
               "django-6.1.3-py3-none-any.whl"),
    Wheel(name="sympy", sha256="e091cc3e99d2141a0ba2847328f5479b05d94a6635cb96148ccb3f34671bd8f5",
          path="a2/09/77d55d46fd61b4a135c444fc97158ef34a095e5681d0a6c10b75bf356191/"
               "sympy-1.14.0-py3-none-any.whl"),
    Wheel(name="pandas", sha256="4f1602f614bb83f443381dbcbb94c4ac764b2e50c8d6c965614c5cd83e328c47",
          path="3a/a9/0770e9316611d45b9eb7bc5d1266a327b21d3c237fb288aa679ce419296e/"
               "pandas-3.1.1-cp311-cp311-manylinux_2_24_x86_64.manylinux_2_28_x86_64.whl"),
    Wheel(name="numpy", sha256="8cba086a43d54ca804ce711b2a940b16e452807acebe7852ff327f1ecd49b0d4",
          path="65/fb/2b23769462b34398d9326081fad5655198fcf18966fcb1f1e49db44fbf31/"
               "numpy-2.3.5-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl"),
    Wheel(name="botocore",
          sha256="76342a76c338701db80dcb8afe1c9bd079283d6fffbb9d881442abb02a215043",
          path="2f/17/07eed244563fb67782ea5ed3ec8646390d9baccb8a02b0d8bc42a6cdd064/"
               "botocore-1.44.8-py3-none-any.whl"),
]


def fetch(wheel: Wheel) -> Path:
    import requests

    if wheel.local is not None:
        return wheel.local
    dest = CACHE / wheel.filename
    if dest.exists() and hashlib.sha256(dest.read_bytes()).hexdigest() == wheel.sha256:
        return dest
    CACHE.mkdir(parents=True, exist_ok=True)
    print(f"downloading {wheel.filename} ...", file=sys.stderr)
    resp = requests.get(FILES + wheel.path, timeout=120)
    resp.raise_for_status()
    if hashlib.sha256(resp.content).hexdigest() != wheel.sha256:
        raise SystemExit(f"sha256 mismatch for {wheel.filename}")
    dest.write_bytes(resp.content)
    return dest


def _py_members(zf: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    return [i for i in zf.infolist() if i.filename.endswith(".py")]


def _parse_only(path: Path) -> tuple[float, int, int]:
    start = time.process_time()
    size = files = 0
    with zipfile.ZipFile(path) as zf:
        for info in _py_members(zf):
            data = zf.read(info)
            size += len(data)
            files += 1
            try:
                ast.parse(data)
            except (SyntaxError, ValueError):
                pass
    return time.process_time() - start, size, files


def _scan(path: Path, python_only: bool, sha256: str) -> tuple[float, int, str]:
    from gate.scan import scan_artifact
    from gate.scan.python import scan_python

    start = time.process_time()
    try:
        if python_only:
            raise NotImplementedError
        scan = scan_artifact(path, sha256=sha256)  # as in permpip install: fetch checked it
        findings = len(scan.findings)
        how = "scan_artifact"
    except NotImplementedError:
        findings = 0
        with zipfile.ZipFile(path) as zf:
            for info in _py_members(zf):
                findings += len(scan_python(zf.read(info), info.filename))
        how = "scan_python loop"
    return time.process_time() - start, findings, how


def measure(path: Path, repeat: int, python_only: bool,
            min_time: float = 0.0) -> dict[str, object]:
    """In the child: best-of CPU times (at least ``repeat`` runs of each, and more, in
    turn, until each has had ``min_time`` seconds: small wheels are measured often enough
    for the minimum to settle on a noisy machine) and this process's peak RSS."""
    sha256 = next((w.sha256 for w in WHEELS if w.filename == path.name), None)
    if sha256 is None:
        sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    _scan(path, python_only, sha256)  # warm up: catalog, regexes, imports
    parse_t, scan_t = float("inf"), float("inf")
    size = files = findings = 0
    how = ""
    runs = spent = 0.0
    while runs < repeat or spent < 2 * min_time:
        t, size, files = _parse_only(path)
        parse_t = min(parse_t, t)
        spent += t
        t, findings, how = _scan(path, python_only, sha256)
        scan_t = min(scan_t, t)
        spent += t
        runs += 1
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"parse": parse_t, "scan": scan_t, "size": size, "files": files, "runs": runs,
            "findings": findings, "how": how, "peak_mb": peak_mb}


PARSE_ONLY = """
import ast, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as zf:
    for info in zf.infolist():
        if info.filename.endswith(".py"):
            try:
                ast.parse(zf.read(info))
            except (SyntaxError, ValueError):
                pass
"""


def _timed(argv: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system, children it waited for included) and
    peak RSS (MB) of one process running ``argv``; its output is discarded."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,  # noqa: S603
                                stdout=subprocess.DEVNULL, stderr=err)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            raise SystemExit(f"{' '.join(argv[:1] + argv[-2:])} exited {proc.returncode}:\n"
                             f"{err.read().decode(errors='replace')[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def measure_process(path: Path, repeat: int) -> dict[str, float]:
    """Best of ``repeat`` runs each of ``permpip scan path`` and of the parse-only process,
    in turn; each scan with a cache directory of its own (nothing reused between runs)."""
    permpip = Path(sys.executable).with_name("permpip")
    scan_argv = ([str(permpip)] if permpip.exists() else [sys.executable, "-m", "gate"])
    # Bytecode as an installed permpip has it (pip compiles at install): written by the
    # warm-up run below even where PYTHONDONTWRITEBYTECODE is set, else every run would
    # compile gate's sources (~0.2 s)
    base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    parse_argv = [sys.executable, "-c", PARSE_ONLY, str(path)]
    best = {"parse_wall": float("inf"), "parse_cpu": float("inf"),
            "scan_wall": float("inf"), "scan_cpu": float("inf"), "peak_mb": 0.0,
            "before_cpu": float("inf")}

    kept = tempfile.TemporaryDirectory(prefix="scan-bench-kept-")  # --keep-cache

    def scan(src: Path | None = None) -> tuple[float, float, float]:
        with tempfile.TemporaryDirectory(prefix="scan-bench-") as tmp:  # no cache reused
            if KEEP_CACHE:  # one per side, the warm-up's: what a user's second scan reads
                tmp = f"{kept.name}/{'before' if src is not None else 'after'}"
            env = dict(base, PERMPIP_CACHE_DIR=f"{tmp}/permpip", XDG_CACHE_HOME=tmp)
            if src is not None:  # --before: gate from that tree, ahead of the installed one
                env["PYTHONPATH"] = str(src)
            return _timed([*scan_argv, "scan", str(path)], env)

    _timed(parse_argv, base)  # warm-up: bytecode written, files in the page cache
    scan()
    if BEFORE:
        scan(BEFORE[0])
    for _ in range(repeat):
        wall, cpu, _peak = _timed(parse_argv, base)
        best["parse_wall"] = min(best["parse_wall"], wall)
        best["parse_cpu"] = min(best["parse_cpu"], cpu)
        if BEFORE:
            _wall, cpu, _peak = scan(BEFORE[0])
            best["before_cpu"] = min(best["before_cpu"], cpu)
        wall, cpu, peak = scan()
        best["scan_wall"] = min(best["scan_wall"], wall)
        best["scan_cpu"] = min(best["scan_cpu"], cpu)
        best["peak_mb"] = max(best["peak_mb"], peak)
    kept.cleanup()
    return best


BEFORE: list[Path] = []  # --before SRC: a third side, `permpip scan` with gate from SRC
KEEP_CACHE: list[bool] = []  # --keep-cache: each side keeps one cache dir over its runs


def main_process(wanted: list[Wheel], repeat: int) -> int:
    header = (f"{'wheel':<10} {'parse wall':>10} {'parse CPU':>9} {'scan wall':>9} "
              f"{'scan CPU':>8} {'CPU ratio':>9} {'wall ratio':>10} {'scan peak MB':>12}")
    rows = [header, "-" * len(header)]
    for wheel in wanted:
        r = measure_process(fetch(wheel), repeat)
        rows.append(f"{wheel.name:<10} {r['parse_wall']:>10.2f} {r['parse_cpu']:>9.2f} "
                    f"{r['scan_wall']:>9.2f} {r['scan_cpu']:>8.2f} "
                    f"{r['scan_cpu'] / r['parse_cpu']:>8.2f}x "
                    f"{r['scan_wall'] / r['parse_wall']:>9.2f}x {r['peak_mb']:>12.0f}"
                    + (f" | before CPU {r['before_cpu']:.2f} "
                       f"{r['before_cpu'] / r['parse_cpu']:.2f}x" if BEFORE else ""))
        print(rows[-1], file=sys.stderr)
    cache = "cache dir kept from the warm-up" if KEEP_CACHE else "fresh cache dir"
    print(f"whole processes: `permpip scan WHEEL` ({cache}) vs `python -c` reading "
          f"and ast.parse-ing every .py member; seconds, best of {repeat} runs each")
    print("\n".join(rows))
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("names", nargs="*", help="wheels to measure (default: all)")
    parser.add_argument("--repeat", type=int, default=3, help="runs at least (default 3)")
    parser.add_argument("--min-time", type=float, default=3.0,
                        help="and more runs until parse and scan had this many CPU seconds "
                             "each (default 3)")
    parser.add_argument("--python-only", action="store_true",
                        help="time scan_python over the .py members, not scan_artifact")
    parser.add_argument("--process", action="store_true",
                        help="time the whole `permpip scan WHEEL` process against a process "
                             "that only parses (best of --repeat runs; --min-time unused)")
    parser.add_argument("--before", type=Path,
                        help="also measure gate from this tree (a snapshot of the previous "
                             "gate/), interleaved: with --process a third process in each "
                             "round, else the in-process child run in turn (--rounds)")
    parser.add_argument("--rounds", type=int, default=2,
                        help="with --before, in-process: children run per side, in turn "
                             "(default 2)")
    parser.add_argument("--keep-cache", action="store_true",
                        help="with --process: each side keeps the cache directory of its "
                             "warm-up run over its timed runs (the pre-filter table it "
                             "wrote), as a user's second `permpip scan` finds it")
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.keep_cache:
        KEEP_CACHE.append(True)
    if args.before:
        BEFORE.append(args.before.resolve())
    if args.one:
        print(json.dumps(measure(args.one, args.repeat, args.python_only, args.min_time)))
        return 0

    sys.path.insert(0, str(HERE.parent))
    from gate._subprocess import run

    # a name ending in .whl is a local wheel (e.g. requests, jinja2 and urllib3 from
    # bench/.cache/gate/wheels/small/, as issue #15 measured them)
    local = [Path(n) for n in args.names if n.endswith(".whl")]
    wanted = [w for w in WHEELS if not args.names or w.name in args.names] + [
        Wheel(name=p.name.split("-", 1)[0], path=f"local/{p.name}", local=p.resolve(),
              sha256=hashlib.sha256(p.read_bytes()).hexdigest()) for p in local]
    if args.process:
        return main_process(wanted, args.repeat)
    header = (f"{'wheel':<10} {'files':>6} {'.py MB':>7} {'parse s':>8} {'scan s':>8} "
              f"{'ratio':>6} {'scan MB/s':>9} {'peak MB':>8} {'findings':>8} {'runs':>5}")
    if BEFORE:
        header += f" {'before: parse s':>15} {'scan s':>7} {'ratio':>6} {'findings':>8}"
    rows = [header, "-" * len(header)]
    how = ""
    for wheel in wanted:
        path = fetch(wheel)
        argv = [sys.executable, __file__, "--one", str(path), "--repeat", str(args.repeat),
                "--min-time", str(args.min_time)]
        argv += ["--python-only"] if args.python_only else []
        # --before: the same child with gate from that tree first on sys.path, run in
        # turn with this tree's child (``--rounds`` times each, best of each side kept)
        sides = [("after", None), *(("before", str(b)) for b in BEFORE)]
        best: dict[str, dict[str, float]] = {}
        for _ in range(args.rounds if BEFORE else 1):
            for side, src in sides:
                env = None if src is None else dict(
                    os.environ, PYTHONPATH=os.pathsep.join(
                        [src, *filter(None, [os.environ.get("PYTHONPATH")])]))
                done = run(argv, timeout=1800, env=env)
                if done.returncode != 0:
                    print(done.stderr, file=sys.stderr)
                    return 1
                r = json.loads(done.stdout)
                have = best.setdefault(side, r)
                for k in ("parse", "scan"):
                    have[k] = min(have[k], r[k])
                have["peak_mb"] = max(have["peak_mb"], r["peak_mb"])
        r = best["after"]
        mb = r["size"] / 1e6
        how = r["how"]
        rows.append(
            f"{wheel.name:<10} {r['files']:>6} {mb:>7.1f} {r['parse']:>8.2f} {r['scan']:>8.2f} "
            f"{r['scan'] / r['parse']:>5.2f}x {mb / max(r['scan'], 1e-9):>9.1f} "
            f"{r['peak_mb']:>8.0f} {r['findings']:>8} {r['runs']:>5.0f}"
        )
        if BEFORE:
            b = best["before"]
            rows[-1] += (f" {b['parse']:>15.2f} {b['scan']:>7.2f} {b['scan'] / b['parse']:>5.2f}x "
                         f"{b['findings']:>8}")
        print(rows[-1], file=sys.stderr)
    print(f"scan = {how}; CPU seconds, best of the runs (at least {args.repeat}, and "
          f"{args.min_time:g} s of each)")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
