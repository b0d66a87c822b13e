"""``permpip scan PATH... [--format text|json]``: what wheels and sdists can do, with evidence.

Exit 0 when every artifact was scanned; 2 for usage errors (no such path, not an
artifact); 3 when an archive cannot be read safely (one ``error:`` line).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from gate.errors import UsageError
from gate.model import PackageScan, scans_to_json
from gate.report.scan import format_text
from gate.scan import scan_paths


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message, hint="permpip scan PATH... [--format text|json]")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="permpip scan",
                     description="What wheels and sdists can do, with evidence.")
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                        help="a wheel, an sdist (.tar.gz, .zip) or a directory of them")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="text for people (default) or the scan JSON (schema 1)")
    # --policy [FILE] is added here by the policy stage (see _verdict below).
    return parser


def run(argv: Sequence[str]) -> int:
    args = _parser().parse_args(list(argv))
    scans = scan_paths(args.paths)
    if args.format == "json":
        print(json.dumps(scans_to_json(scans), indent=2))
    else:
        print(format_text(scans), end="")
    return _verdict(scans, args)


def _verdict(scans: list[PackageScan], args: argparse.Namespace) -> int:
    """Where ``--policy`` plugs in: evaluate ``scans`` and return 1 on refusal.

    Without a policy, scanning is the whole job: exit 0.
    """
    return 0
