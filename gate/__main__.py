"""Command-line entry point: ``permpip`` and ``python -m gate``.

Each subcommand lives in ``gate/cli/<name>.py`` and exposes ``run(argv) -> int``.
This module dispatches, and is the one place that turns a ``GateError`` into
``error: ...`` / ``hint: ...`` and an exit code.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence

from gate import __version__
from gate.errors import GateError, PolicyError

COMMANDS = {
    "install": "like pip install, but refuses what the policy does not grant",
    "check": "resolve, fetch and scan an input against the policy; install nothing",
    "diff": "what each changed package gained or lost between two lockfiles",
    "scan": "what wheels and sdists can do, with evidence",
    "policy": "init, allow, revoke, show the [tool.permissions] policy",
}

USAGE = "usage: permpip {" + ",".join(COMMANDS) + "} ...\n\n" + "\n".join(
    f"  {name:<8} {text}" for name, text in COMMANDS.items()
)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if args else 2
    if args[0] == "--version":
        print(f"permpip {__version__}")
        return 0
    command = args[0]
    if command not in COMMANDS:
        print(f"error: unknown command '{command}'", file=sys.stderr)
        print(USAGE, file=sys.stderr)
        return 2
    module = importlib.import_module(f"gate.cli.{command}")
    try:
        code: int = module.run(args[1:])
        return code
    except GateError as exc:
        if isinstance(exc, PolicyError) and exc.problems:
            for problem in exc.problems:
                print(problem, file=sys.stderr)
        print(f"error: {exc}", file=sys.stderr)
        if exc.hint:
            print(f"hint: {exc.hint}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("error: interrupted; nothing was installed", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `permpip policy show --format json | head`: the reader left; say nothing more.
        # Python flushes stdout again at exit, so point it at /dev/null first.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
