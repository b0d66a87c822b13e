"""``permpip check [INPUT] [-r FILE ...]``: everything up to the verdict; nothing is installed.

INPUT is a requirements file, pylock.toml, uv.lock or pyproject.toml (its
``[project].dependencies``, with ``--extra NAME``/``--all-extras``; default: the lockfile or
requirements.txt in the working directory, else pyproject.toml with a ``[project]``
table). ``-r FILE`` names it as for ``permpip install`` (``check -r requirements.txt`` is
``check requirements.txt``); more ``-r`` files are read after it, in order, as pip reads
them. pip index options (``--index-url`` ...) and
permpip's own options apply as for ``permpip install``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from gate.cli.install import run_and_report
from gate.cli.options import HELP, parse_options


def run(argv: Sequence[str]) -> int:
    if any(a in ("-h", "--help") for a in argv):
        print(HELP.format(command="check", what="[INPUT | -r FILE ...] [pip index options]"))
        return 0
    options = parse_options(argv, command="check")
    input_path = Path(options.positional[0]) if options.positional else None
    files = [o for o in options.pip_options if o.name in ("-r", "--requirement")]
    if input_path is None and files:
        # the first -r is the INPUT (no default input is looked for); the others follow it
        input_path = Path(files[0].value or "")
        options = replace(options, pip_options=tuple(o for o in options.pip_options
                                                     if o is not files[0]))
    return run_and_report(options, install=False, input_path=input_path)
