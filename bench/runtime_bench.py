"""CPU cost of the runtime guard (``permpip run``): the same command with and without it.

    python -m bench.runtime_bench [--repeat N] [--files N]

Two workloads, each run unguarded and guarded N times (the minimum CPU time of each is
kept; CPU time = user + system of the command and its children, from getrusage):

* ``files``: a package (installed with a RECORD, as pip leaves it) that at run time opens
  and reads N small files, lists directories and compiles nothing; its grant covers it at
  run time only, so every event is attributed and its phase found (the guard's slow path).
* ``suite``: a real test suite run offline: permpip's own fast unit tests under pytest
  (pytest, pluggy, hypothesis ... are distributions; every event of theirs is judged).

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


def _cpu(argv: list[str], env: dict[str, str], cwd: Path) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL,  # noqa: S603
                          stderr=subprocess.PIPE, text=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{argv} failed: {done.stderr[-2000:]}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _measure(name: str, argv: list[str], env: dict[str, str], cwd: Path,
             repeat: int, *, at_import: bool) -> tuple[float, float]:
    policy = Policy(path=cwd / "pyproject.toml", display="bench", default=ALL,
                    default_at_import=ALL if at_import else frozenset())
    run_dir = prepare(policy, enforce=False)
    try:
        plain, guarded = [], []
        for _ in range(repeat):  # interleaved: the machine's load hits both alike
            plain.append(_cpu(argv, env, cwd))
            guarded.append(_cpu(argv, guarded_env(env, run_dir), cwd))
        events = (run_dir.path / "events.jsonl").read_text().splitlines()
        assert not [e for e in events if '"violation"' in e or '"error"' in e], events[:5]
    finally:
        cleanup(run_dir)
    p, g = min(plain), min(guarded)
    starts = sum('"kind":"start"' in e for e in events) // (repeat or 1)
    print(f"{name:<6} unguarded {p:7.3f}s  guarded {g:7.3f}s  ratio {g / p:.3f}x  "
          f"(min of {repeat}; processes guarded per run: "
          f"{starts})")
    return p, g


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--files", type=int, default=200_000)
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
        _measure("files", [sys.executable, "-c",
                           f"import fsload; fsload.run({str(data)!r}, {args.files})"],
                 files_env, root, args.repeat, at_import=False)
        suite_env = dict(env, PYTHONPATH=str(REPO))
        _measure("suite", [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "-x", *SUITE], suite_env, REPO, args.repeat, at_import=True)


if __name__ == "__main__":
    main()
