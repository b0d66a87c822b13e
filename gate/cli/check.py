"""``permpip check [INPUT]``: everything up to the verdict; nothing is installed.

INPUT is a requirements file, pylock.toml or uv.lock (default: the lockfile or
requirements.txt in the working directory). pip index options (``--index-url`` ...) and
permpip's own options apply as for ``permpip install``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from gate.cli.install import run_and_report
from gate.cli.options import HELP, parse_options


def run(argv: Sequence[str]) -> int:
    if any(a in ("-h", "--help") for a in argv):
        print(HELP.format(command="check", what="[INPUT] [pip index options]"))
        return 0
    options = parse_options(argv, command="check")
    input_path = Path(options.positional[0]) if options.positional else None
    return run_and_report(options, install=False, input_path=input_path)
