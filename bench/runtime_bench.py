"""CPU cost of the runtime guard (``permpip run``): the same command with and without it.

    python -m bench.runtime_bench [--repeat N] [--files N] [--only files|suite|imports]
                                  [--baseline GUARD_PY]

Three workloads, each run unguarded and guarded N times (the minimum CPU time of each is
kept; CPU time = user + system of the command and its children, from getrusage):

* ``files``: a package (installed with a RECORD, as pip leaves it) that at run time opens
  and reads N small files, lists directories and compiles nothing; its grant covers it at
  run time only, so every event is attributed and its phase found (the guard's slow path).
* ``suite``: a real test suite run offline: permpip's own fast unit tests under pytest
  (pytest, pluggy, hypothesis ... are distributions; every event of theirs is judged).
* ``partials``: a package (installed with a RECORD) whose code makes and calls
  ``functools.partial`` objects (bench/partial_probe.py's workload): no event of its own, so
  what it measures is what the guard adds to such code (today nothing; a guard that installs
  a pure-Python partial to attribute stored partials to their maker, passed as
  ``--baseline``, the cost of that: docs/runtime.md, "Callables with no frame of the
  package").
* ``imports``: a fresh interpreter importing ~100 standard library modules (~300 in all):
  every event is the import system's (grants at run time only).

The policy grants every capability (``files``: at run time only, so each event's phase is
looked for on the whole stack; ``suite``: also at import), so nothing is reported: what is
measured is the cost of judging, not of writing violations. permpip's
own start (reading the policy) is not counted: the guard is set up as ``permpip run`` does
(``gate.runtime.session``) and the command is timed alone.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from gate.model import Capability
from gate.policy import Policy
from gate.runtime.session import cleanup, guarded_env, prepare

REPO = Path(__file__).resolve().parent.parent
SUITE = ["tests/test_tomlpos.py", "tests/test_policy.py", "tests/scan/test_python.py",
         "tests/test_diff.py"]
ALL = frozenset(c for c in Capability)

WORKLOAD = '''
import os

def run(root, n):
    total = 0
    for i in range(n):
        with open(os.path.join(root, f"f{i % 500}.txt"), encoding="utf-8") as f:
            total += len(f.read())
        if i % 50 == 0:
            total += len(os.listdir(root))
    return total
'''


# ``imports``: a fresh interpreter importing these (about 300 modules in all): every event is
# the import system's (the guard walks its frames and reads each module's loader)
IMPORTS = (
    "argparse asyncio base64 bisect calendar cmd codecs collections concurrent.futures "
    "configparser contextlib copy csv dataclasses datetime decimal difflib email.message "
    "email.parser enum fnmatch fractions ftplib functools getopt gettext glob gzip hashlib "
    "heapq hmac html.parser http.client http.cookies http.server imaplib inspect ipaddress "
    "json logging logging.handlers lzma mailbox mimetypes multiprocessing numbers optparse "
    "pathlib pickle pkgutil platform plistlib poplib pprint queue quopri random re sched "
    "secrets selectors shelve shlex shutil smtplib socket socketserver sqlite3 ssl "
    "statistics string struct subprocess tarfile tempfile textwrap threading timeit "
    "tokenize tomllib trace traceback typing unittest urllib.parse urllib.request uuid "
    "warnings weakref xml.dom.minidom xml.etree.ElementTree zipfile zoneinfo").split()


def _cpu(argv: list[str], env: dict[str, str], cwd: Path) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL,  # noqa: S603
                          stderr=subprocess.PIPE, text=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{argv} failed: {done.stderr[-2000:]}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _measure(name: str, argv: list[str], env: dict[str, str], cwd: Path,
             repeat: int, *, at_import: bool, baseline: Path | None = None) -> None:
    """Unguarded, guarded and (with ``baseline``, another guard.py) guarded by it,
    interleaved: the machine's load hits all alike."""
    from gate.runtime import session

    policy = Policy(path=cwd / "pyproject.toml", display="bench", default=ALL,
                    default_at_import=ALL if at_import else frozenset())
    run_dirs = {"guarded": prepare(policy, enforce=False)}
    if baseline is not None:
        current, session.GUARD_SOURCE = session.GUARD_SOURCE, baseline
        try:
            run_dirs["baseline"] = prepare(policy, enforce=False)
        finally:
            session.GUARD_SOURCE = current
    try:
        times: dict[str, list[float]] = {"unguarded": [], **{k: [] for k in run_dirs}}
        for _ in range(repeat):
            times["unguarded"].append(_cpu(argv, env, cwd))
            for key, run_dir in run_dirs.items():
                times[key].append(_cpu(argv, guarded_env(env, run_dir), cwd))
        starts = 0
        for run_dir in run_dirs.values():
            events = (run_dir.path / "events.jsonl").read_text().splitlines()
            assert not [e for e in events if '"violation"' in e or '"error"' in e], events[:5]
            starts = sum('"kind":"start"' in e for e in events) // (repeat or 1)
    finally:
        for run_dir in run_dirs.values():
            cleanup(run_dir)
    p = min(times["unguarded"])
    line = f"{name:<6} unguarded {p:7.3f}s"
    for key in run_dirs:
        g = min(times[key])
        line += f"  {key} {g:7.3f}s ({g / p:.3f}x)"
    print(f"{line}  (min of {repeat}; processes guarded per run: {starts})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--files", type=int, default=200_000)
    parser.add_argument("--partials", type=int, default=300_000)
    parser.add_argument("--only", choices=("files", "suite", "imports", "partials"),
                        help="one workload")
    parser.add_argument("--baseline", type=Path, metavar="GUARD_PY",
                        help="also measure this guard.py (e.g. from `git show`), interleaved")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PIP_"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    with tempfile.TemporaryDirectory(prefix="permpip-bench-") as tmp:
        root = Path(tmp)
        site, data = root / "site", root / "data"
        (site / "fsload").mkdir(parents=True)
        (site / "fsload" / "__init__.py").write_text(WORKLOAD)
        info = site / "fsload-1.0.dist-info"
        info.mkdir()
        (info / "RECORD").write_text("fsload/__init__.py,,\nfsload-1.0.dist-info/RECORD,,\n")
        data.mkdir()
        for i in range(500):
            (data / f"f{i}.txt").write_text("x" * 200)
        files_env = dict(env, PYTHONPATH=str(site))
        if args.only in (None, "files"):
            _measure("files", [sys.executable, "-c",
                               f"import fsload; fsload.run({str(data)!r}, {args.files})"],
                     files_env, root, args.repeat, at_import=False,
                     baseline=args.baseline)
        if args.only in (None, "partials"):
            from bench.partial_probe import WORKLOAD as PARTIALS

            (site / "plload").mkdir()
            (site / "plload" / "__init__.py").write_text(
                "def run(N):\n" + textwrap.indent(PARTIALS, "    "))
            (site / "plload-1.0.dist-info").mkdir()
            (site / "plload-1.0.dist-info" / "RECORD").write_text(
                "plload/__init__.py,,\nplload-1.0.dist-info/RECORD,,\n")
            _measure("partials", [sys.executable, "-c",
                                  f"import plload; plload.run({args.partials})"],
                     files_env, root, args.repeat, at_import=False,
                     baseline=args.baseline)
        if args.only in (None, "imports"):
            _measure("imports", [sys.executable, "-c", "import " + ", ".join(IMPORTS)], env,
                     root, args.repeat, at_import=False, baseline=args.baseline)
        suite_env = dict(env, PYTHONPATH=str(REPO))
        if args.only in (None, "suite"):
            _measure("suite", [sys.executable, "-m", "pytest", "-q", "-p",
                               "no:cacheprovider", "-x", *SUITE], suite_env, REPO,
                     args.repeat, at_import=True, baseline=args.baseline)


if __name__ == "__main__":
    main()
