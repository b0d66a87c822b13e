"""Command-line entry point: ``permpip`` and ``python -m gate``.

Each subcommand lives in ``gate/cli/<name>.py`` and exposes ``run(argv) -> int``.
This module dispatches, and is the one place that turns a ``GateError`` into
``error: ...`` / ``hint: ...`` and an exit code.

pip's general options may come before the command, as in ``pip --python X install ...``
(pip's main parser: ``--python``, ``-q``/``-v``, ``--isolated``, ``--timeout``, ``--cert``
...): for the commands that take pip's options (install, check, diff) they are read as if
they followed the command, as pip reads them. Any other option before the command, or a
general option before a command that takes no pip options (scan, policy), is refused with
one line.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence

from gate import __version__
from gate.errors import GateError, PolicyError, UsageError

COMMANDS = {
    "install": "like pip install, but refuses what the policy does not grant",
    "check": "resolve, fetch and scan an input against the policy; install nothing",
    "diff": "what each changed package gained or lost between two lockfiles",
    "scan": "what wheels and sdists can do, with evidence",
    "policy": "init, allow, revoke, show the [tool.permissions] policy",
    "run": "run a command with the policy held at run time, in every Python process",
}

USAGE = "usage: permpip {" + ",".join(COMMANDS) + "} ...\n\n" + "\n".join(
    f"  {name:<8} {text}" for name, text in COMMANDS.items()
) + ("\n\npip's general options (--python, -q, -v, --isolated, --timeout, --cert ...) may "
     "also come\nbefore install, check and diff: permpip --python .venv install -r "
     "requirements.txt")

# pip's general options (``pip._internal.cli.cmdoptions.general_group``): pip takes them
# before the command too. option -> takes a value.
_GENERAL: dict[str, bool] = {
    **dict.fromkeys("""--python --log --keyring-provider --proxy --retries --timeout
        --exists-action --trusted-host --cert --client-cert --cache-dir --use-feature
        --use-deprecated --resume-retries""".split(), True),
    **dict.fromkeys("""--debug --isolated --require-virtualenv -v --verbose -q --quiet
        --no-input --no-proxy-env --no-cache-dir --disable-pip-version-check --no-color
        --no-python-version-warning""".split(), False),
}
_TAKE_PIP_OPTIONS = ("install", "check", "diff")


def _general(arg: str) -> str:
    """The general option ``arg`` names (optparse: an unambiguous prefix of a long one)."""
    if arg in _GENERAL:
        return arg
    if arg.startswith("-") and not arg.startswith("--") and len(arg) > 2 \
            and set(arg[1:]) <= {"q", "v"}:
        return arg  # -qq, -vv
    hits = [n for n in _GENERAL if arg.startswith("--") and n.startswith(arg)]
    if len(hits) == 1:
        return hits[0]
    if hits:
        raise UsageError(f"option {arg} is ambiguous: {', '.join(sorted(hits))}")
    raise UsageError(f"option {arg} before the command is not one of pip's general options",
                     hint=f"put it after the command: permpip COMMAND {arg} ...")


def split_general(args: Sequence[str]) -> tuple[list[str], list[str]]:
    """(general options before the command, the command and what follows it)."""
    before: list[str] = []
    i = 0
    while i < len(args) and args[i].startswith("-") and args[i] not in (
            "-", "--", "-h", "--help", "--version"):
        arg = args[i]
        i += 1
        name, eq, value = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        name = _general(name)
        takes_value = _GENERAL.get(name, False)
        if eq and not takes_value:
            raise UsageError(f"option {name} takes no value")
        if eq:
            before.append(f"{name}={value}")
        elif takes_value:
            if i >= len(args):
                raise UsageError(f"option {name} needs a value")
            before += [name, args[i]]
            i += 1
        else:
            before.append(name)
    return before, list(args[i:])


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(list(sys.argv[1:] if argv is None else argv))
    except GateError as exc:
        print(f"error: {exc}", file=sys.stderr)
        if exc.hint:
            print(f"hint: {exc.hint}", file=sys.stderr)
        return exc.exit_code


def _main(args: list[str]) -> int:
    general, args = split_general(args)
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
    if general and command not in _TAKE_PIP_OPTIONS:
        raise UsageError(f"option {general[0].partition('=')[0]} before '{command}': "
                         f"permpip {command} takes no pip options",
                         hint="pip's general options go with install, check and diff")
    module = importlib.import_module(f"gate.cli.{command}")
    try:
        code: int = module.run([*general, *args[1:]])
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


def cli() -> None:
    """The ``permpip`` command: ``main()``, then out without tearing the interpreter down
    (freeing every object a scan built, the collector's last passes: ~0.05-0.1 s) once what
    it printed is flushed. Every file permpip writes is closed, every pool and temporary
    directory is gone by then (context managers); nothing is left to an exit handler."""
    args = sys.argv[1:]
    code = None
    if args[:1] == ["install"]:  # a warm install by its record first (gate.warm)
        from gate import warm

        code = warm.run(args[1:])
    if code is None:
        code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed or broken stream: the ordinary exit says so
        sys.exit(code)
    os._exit(code)


if __name__ == "__main__":
    cli()
