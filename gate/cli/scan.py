"""``permpip scan [--policy [FILE]] PATH... [--format text|json]``: what artifacts can do.

Exit 0 when every artifact was scanned (and, with ``--policy``, allowed); 1 when the policy
refuses one; 2 for usage or policy errors (no such path, not an artifact, invalid policy);
3 when an archive cannot be read safely (one ``error:`` line).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from gate.errors import UsageError
from gate.model import PackageScan, scans_to_json
from gate.report.scan import format_text
from gate.scan import scan_paths

if TYPE_CHECKING:
    from gate.policy import Policy


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message, hint=USAGE)


USAGE = "permpip scan [--policy [FILE]] [--strict] PATH... [--format text|json]"


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="permpip scan",
                     description="What wheels and sdists can do, with evidence.")
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                        help="a wheel, an sdist (.tar.gz, .zip) or a directory of them")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="text for people (default) or the scan JSON (schema 1)")
    parser.add_argument("--policy", nargs="?", const="", default=None, metavar="FILE",
                        help="evaluate against [tool.permissions] in FILE (default: the "
                             "nearest pyproject.toml); exit 1 when refused")
    parser.add_argument("--strict", action="store_true",
                        help="with --policy: unanalyzed code and stale grants are errors")
    return parser


def run(argv: Sequence[str]) -> int:
    args = _parser().parse_args(list(argv))
    if args.policy and not args.policy.endswith(".toml"):
        # `--policy dist/x.whl`: the optional FILE was an artifact, not a policy file.
        args.paths.insert(0, Path(args.policy))
        args.policy = ""
    if not args.paths:
        raise UsageError("the following arguments are required: PATH", hint=USAGE)
    # Read the policy first: a bad policy fails fast (exit 2) before any scanning.
    policy = None
    if args.policy is not None:
        from gate.policy import load_policy  # tomlkit and the policy checker: ~0.03 s

        policy = load_policy(Path(args.policy) if args.policy else None, cwd=Path.cwd())
    _keep_table()
    scans = scan_paths(args.paths)
    if policy is None:
        if args.format == "json":
            print(json.dumps(scans_to_json(scans), indent=2))
        else:
            print(format_text(scans), end="")
        return 0
    return _verdict(scans, policy, args)


def _keep_table() -> None:
    """The pre-filter's table from permpip's cache (kept there by scanner version), as
    ``permpip install`` reads it."""
    from gate.cache import default_root, scanner_version
    from gate.scan import prefilter

    prefilter.keep_table(default_root() / "prefilter" / f"{scanner_version()}.json")


def _verdict(scans: list[PackageScan], policy: Policy, args: argparse.Namespace) -> int:
    """Evaluate local artifacts against the policy: 0 allowed, 1 refused."""
    from gate.evaluate import evaluate
    from gate.report.verdict import format_text as verdict_text
    from gate.report.verdict import to_json

    verdict = evaluate(scans, policy, strict=args.strict, complete_set=False)
    if args.format == "json":
        print(json.dumps(scans_to_json(scans) | {"verdict": to_json(verdict)}, indent=2))
    else:
        print(format_text(scans), end="")
        print(verdict_text(verdict))
    return verdict.exit_code
