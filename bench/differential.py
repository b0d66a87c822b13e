"""Soundness check of the pre-filter on real wheels: scan with it and without it, compare.

Run by hand (never by the tests; it needs the wheels bench/scan_bench.py downloads):

    .venv/bin/python bench/differential.py             # all bench wheels
    .venv/bin/python bench/differential.py botocore    # some of them

"Without it" means every file is parsed and every statement and expression walked: the
pre-filter's words (gate.scan.prefilter.satisfied) become every identifier of the file
and the walked lines (for the bindings pass and the uses pass) become all lines. A
finding only the unfiltered scan makes is a file or a line the pre-filter wrongly ruled
out (a miss): exit 1. Findings only the
filtered scan makes would be a bug too (the filter may only remove work). An
``unanalyzed`` RecursionError only the unfiltered scan reports is not a miss: it comes from
walking a huge literal in a file that names nothing catalogued (it is listed, not counted).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.scan_bench import WHEELS, fetch  # noqa: E402
from gate.model import Finding  # noqa: E402
from gate.scan import scan_artifact  # noqa: E402
from tests.scan.unfiltered import switch_off  # noqa: E402


def findings(path: Path, sha256: str) -> set[Finding]:
    return set(scan_artifact(path, sha256=sha256).findings)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("names", nargs="*", help="wheels to check (default: all)")
    args = parser.parse_args(argv)
    wheels = [w for w in WHEELS if not args.names or w.name in args.names]
    paths = [(w, fetch(w)) for w in wheels]
    filtered = {w.name: findings(p, w.sha256) for w, p in paths}
    switch_off()
    bad = 0
    for w, p in paths:
        full = findings(p, w.sha256)
        deep = sorted(f for f in full - filtered[w.name]
                      if f.detail.startswith("RecursionError"))
        missed = sorted(full - filtered[w.name] - set(deep))
        extra = sorted(filtered[w.name] - full)
        print(f"{w.name:<10} {len(filtered[w.name]):>5} findings; missed by the pre-filter: "
              f"{len(missed)}; only with it: {len(extra)}")
        for f in missed[:40]:
            print(f"  MISSED {f.where}  {f.capability}  {f.detail}  ({f.phase})")
        for f in deep:
            print(f"  (deep) {f.where}  {f.detail}")
        for f in extra[:40]:
            print(f"  EXTRA  {f.where}  {f.capability}  {f.detail}  ({f.phase})")
        bad += len(missed) + len(extra)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
