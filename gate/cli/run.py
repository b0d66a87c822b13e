"""``permpip run [--enforce] [--policy FILE] [--format text|json|sarif] [--output FILE]
[--record FILE] -- COMMAND [ARGS...]``: COMMAND with the policy held in every Python process.

Exit: 1 when a package used a capability the policy does not grant (or the guard failed),
else COMMAND's own exit code; 2 for usage or policy errors; 3 when the guard cannot be set
up (its temporary run directory); 127 when COMMAND cannot start.
The report goes to --output FILE, else text to stderr (the command's stdout stays its own)
and JSON/SARIF to stdout.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gate.errors import UsageError
from gate.policy import load_policy

USAGE = ("permpip run [--enforce] [--policy FILE] [--format text|json|sarif] "
         "[--output FILE] [--record FILE] -- COMMAND [ARGS...]")
HELP = f"""usage: {USAGE}

Run COMMAND with the [tool.permissions] policy held at run time in every Python process it
starts (docs/runtime.md).

  --enforce        refuse the call that goes beyond the policy (PermissionError) instead
                   of reporting it at the end
  --policy FILE    the policy (default: the nearest pyproject.toml)
  --format FMT     text (default, to stderr), json or sarif (to stdout)
  --output FILE    write the report to FILE
  --record FILE    write every (package, capability, phase) seen, granted or not, with
                   its first evidence and count (JSON, docs/runtime.md), and report the
                   uses the static scan of the installed distribution does not find
"""


@dataclass
class RunArgs:
    enforce: bool = False
    policy: str | None = None
    format: str = "text"
    output: str | None = None
    record: str | None = None
    command: list[str] = field(default_factory=list)


def _parse(argv: Sequence[str]) -> RunArgs:
    opts = RunArgs()
    args = list(argv)
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "--":
            opts.command = args[i:]
            break
        if not arg.startswith("-"):
            opts.command = args[i - 1:]
            break
        name, eq, value = arg.partition("=")
        if name == "--enforce":
            if eq:
                raise UsageError("option --enforce takes no value", hint=USAGE)
            opts.enforce = True
            continue
        if name not in ("--policy", "--format", "--output", "--record"):
            raise UsageError(f"unknown option {name}", hint=USAGE)
        if not eq:
            if i >= len(args):
                raise UsageError(f"option {name} needs a value", hint=USAGE)
            value = args[i]
            i += 1
        if not value and name != "--format":  # `--record=`: no file (--format says which)
            raise UsageError(f"option {name} needs a value", hint=USAGE)
        setattr(opts, name[2:], value)
    from gate.report.runtime import FORMATS

    if opts.format not in FORMATS:
        raise UsageError(f"--format must be text, json or sarif, not '{opts.format}'",
                         hint=USAGE)
    if not opts.command:
        raise UsageError("no command to run", hint=USAGE)
    return opts


def run(argv: Sequence[str]) -> int:
    if argv and argv[0] in ("-h", "--help"):
        print(HELP, end="")
        return 0
    opts = _parse(argv)
    from gate.report.runtime import render
    from gate.runtime.session import run_guarded

    policy = load_policy(Path(opts.policy) if opts.policy else None, cwd=Path.cwd())
    command = opts.command
    outcome = run_guarded(command, policy, enforce=opts.enforce,
                          record=opts.record is not None)
    misses: list = []
    unscanned: list[str] = []
    if opts.record:
        from gate.runtime.misses import find_misses

        misses, unscanned = find_misses(outcome.events.seen)
    report = render(outcome, opts.format, policy=policy.display, misses=misses,
                    unscanned=unscanned, root=Path.cwd())
    if opts.output:
        _write(Path(opts.output), report)
    elif opts.format == "text":
        print(report, end="", file=sys.stderr)
    else:
        print(report, end="")
    if opts.record:
        from gate.runtime import record

        record.write(Path(opts.record), record.to_json(
            outcome, command=command, policy=policy.display, misses=misses,
            unscanned=unscanned))
    return outcome.exit_code


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None
