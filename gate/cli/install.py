"""``permpip install [pip install options and requirements]``.

Like ``pip install``, but every dependency is resolved (wheels only), fetched, verified,
scanned and checked against ``[tool.permissions]`` before anything is installed; a refusal
installs nothing. See ``gate.cli.options`` for permpip's own options.

Output: progress lines on stderr (updating on a terminal, plain otherwise), then the summary
(packages, capabilities by package, the verdict) on stdout; ``-q``: only errors and
refusals; ``--format json``: the whole verdict as JSON on stdout.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from gate.cli.options import HELP, GateOptions, OutputFormat, parse_options
from gate.light import installer_output
from gate.report.gate import format_summary, summary_json
from gate.report.progress import Progress
from gate.report.verdict import format_text, to_json
from gate.run import run_gate

if TYPE_CHECKING:
    from gate.warm import Recorder


def run(argv: Sequence[str]) -> int:
    if any(a in ("-h", "--help") for a in argv):
        print(HELP.format(command="install", what="[pip install options] REQUIREMENTS"))
        return 0
    options = parse_options(argv, command="install")
    from gate import warm

    recorder = warm.Recorder.start(argv, os.environ, os.getcwd())
    return run_and_report(options, install=True, input_path=None, recorder=recorder)


def run_and_report(options: GateOptions, *, install: bool, input_path: Path | None,
                   recorder: Recorder | None = None) -> int:
    """Run the gate and print its result; shared by ``install`` and ``check``.
    ``recorder``: keeps the warm path's record of an eligible install (``gate.warm``)."""
    as_json = options.format is OutputFormat.JSON
    quiet = options.quiet > 0 or as_json
    progress = Progress.for_stream(sys.stderr, quiet=quiet)
    try:
        result = run_gate(options, cwd=Path.cwd(), install=install, input_path=input_path,
                          progress=progress, env=os.environ, recorder=recorder)
    finally:
        progress.close()
    verdict = result.verdict
    if as_json:
        print(json.dumps(summary_json(result.scans, to_json(verdict),
                                      installed=result.installed, satisfied=result.satisfied,
                                      changed=result.changed if result.installed else None),
                         indent=2))
        if result.output:
            print(result.output, end="", file=sys.stderr)
        return verdict.exit_code
    if result.output and not quiet:
        print(installer_output(result.output, verbose=options.flag("-v", "--verbose")),
              end="")
    text = format_text(verdict)
    if quiet:
        if not verdict.allowed:
            print(text, end="" if text.endswith("\n") else "\n", file=sys.stderr)
        return verdict.exit_code
    summary = format_summary(result.scans, text, installed=result.installed,
                             dry_run=options.dry_run, satisfied=result.satisfied)
    print(summary, end="")
    if install and not verdict.allowed:
        print("nothing installed")
    elif recorder is not None and result.installed:
        recorder.finish(progress, summary, verdict.exit_code)
    return verdict.exit_code

