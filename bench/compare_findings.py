"""Findings of two scanner trees on the same real wheels, and what differs.

    .venv/bin/python bench/compare_findings.py --before /tmp/old-tree --sample 150 --seed 7
    .venv/bin/python bench/compare_findings.py --before /tmp/old-tree --wheels a.whl b.whl
    .venv/bin/python bench/compare_findings.py --before /tmp/old-tree --import-only

Each tree (a directory holding ``gate/``; ``--after`` defaults to this checkout) scans the
wheels in its own child process (``scan_artifact``, as ``permpip install`` calls it) and
prints one line per finding: path, line, capability, phase, detail (with its phase apart, for
``--import-only``). The report lists, per
wheel, the findings only one tree makes, then the totals and each tree's scan CPU seconds.
``--import-only`` compares only import-phase findings (issue #13's precision question: which
wheels gain an import-time capability). The sample is drawn from /opt/pypi/files and
/opt/pypi-more/files (wheels under ``--max-mb``), seeded, so two runs draw the same wheels.
Exit status 1 when anything differs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
DIRS = ("/opt/pypi/files", "/opt/pypi-more/files")

_CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from gate.scan import scan_artifact
out, cpu = {}, 0.0
for f in sys.argv[2:]:
    t0 = time.process_time()
    try:
        s = scan_artifact(Path(f))
        rows = sorted({(f"{x.path}:{x.line} {x.capability} {x.phase} {x.detail}", x.phase)
                       for x in s.findings})
    except Exception as e:  # a crash is a difference worth seeing (in every phase)
        rows = [(f"<crash {type(e).__name__}: {e}>", None)]
    cpu += time.process_time() - t0
    out[Path(f).name] = rows
print(json.dumps({"cpu": cpu, "out": out}))
"""


def sample(n: int, seed: int, max_mb: float) -> list[str]:
    files = sorted(
        os.path.join(d, f)
        for d in DIRS
        if os.path.isdir(d)
        for f in os.listdir(d)
        if f.endswith(".whl") and os.path.getsize(os.path.join(d, f)) < max_mb * 1e6
    )
    random.seed(seed)
    return files if n >= len(files) else random.sample(files, n)


def run(tree: str, wheels: list[str]) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PERMPIP_"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    proc = subprocess.run([sys.executable, "-c", _CHILD, tree, *wheels], capture_output=True,
                          text=True, env=env, check=False)
    if proc.returncode:
        sys.exit(f"compare_findings: the scan under {tree} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--before", required=True, help="tree holding the old gate/")
    ap.add_argument("--after", default=str(HERE), help="tree holding the new gate/ (this one)")
    ap.add_argument("--wheels", nargs="*", help="wheel files (instead of a sample)")
    ap.add_argument("--sample", type=int, default=150)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--max-mb", type=float, default=6.0)
    ap.add_argument("--import-only", action="store_true", help="only import-phase findings")
    args = ap.parse_args(argv)
    wheels = args.wheels or sample(args.sample, args.seed, args.max_mb)
    before, after = run(args.before, wheels), run(args.after, wheels)
    differ = 0
    gained: dict[str, int] = {}
    for name in sorted(after["out"]):
        old, new = [[r for r, phase in side["out"].get(name, [])
                     if not args.import_only or phase in ("import", None)]
                    for side in (before, after)]
        only_old, only_new = sorted(set(old) - set(new)), sorted(set(new) - set(old))
        if not (only_old or only_new):
            continue
        differ += 1
        gained[name] = len(only_new)
        print(f"== {name}")
        for r in only_old:
            print(f"  - {r}")
        for r in only_new:
            print(f"  + {r}")
    total = lambda d: sum(len(v) for v in d["out"].values())  # noqa: E731
    print(f"\n{len(wheels)} wheels, {differ} differ; findings before {total(before)}, after "
          f"{total(after)}; scan CPU before {before['cpu']:.1f} s, after {after['cpu']:.1f} s")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
