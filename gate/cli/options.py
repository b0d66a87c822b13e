"""Command-line parsing of the options shared by ``permpip install`` and ``permpip check``
(what they mean: ``gate.options``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from gate.errors import UsageError
from gate.options import (
    _OWN_FLAGS,
    _OWN_VALUE,
    _PIP,
    _SHORT_VALUE,
    Backend,
    GateOptions,
    OutputFormat,
    PipOption,
    Step,
)
from gate.resolve.target import interpreter_path

__all__ = ["HELP", "Backend", "GateOptions", "OutputFormat", "PipOption", "Step",
           "parse_options", "takes_value"]


def _canonical(name: str) -> str:
    """pip accepts unambiguous prefixes of long options (optparse); so do we."""
    if name in _PIP or name in _OWN_VALUE or name in _OWN_FLAGS or not name.startswith("--"):
        return name
    hits = [n for n in (*_PIP, *_OWN_VALUE, *_OWN_FLAGS) if n.startswith(name)]
    if len(hits) == 1:
        return hits[0]
    if hits:
        raise UsageError(f"option {name} is ambiguous: {', '.join(sorted(hits))}")
    return name


def takes_value(arg: str) -> bool:
    """Whether option ``arg`` as written (``--index-url``, ``-i``, ``--python=x``) takes the
    next word as its value."""
    if arg.startswith("--"):
        if "=" in arg:
            return False
        name = _canonical(arg)
        return name in _OWN_VALUE or _PIP.get(name, (False, Step.RESOLVE))[0]
    return len(arg) == 2 and arg in _SHORT_VALUE


def parse_options(argv: Sequence[str], *, command: str = "install") -> GateOptions:
    """Split ``argv`` into permpip's options and the pip options/requirements it passes on.

    ``command``: ``install`` (positionals are requirements), ``check`` (at most one INPUT)
    or ``diff`` (its inputs: positionals and ``-r FILE`` in the order given).
    ``--python`` is made absolute here, as pip finds it (``interpreter_path``).
    """
    own: dict[str, str] = {}
    no_cache = False
    strict = False
    extras: list[str] = []
    all_extras = False
    pip: list[PipOption] = []
    positional: list[str] = []
    args = list(argv)
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "--":
            positional += args[i:]
            break
        if not arg.startswith("-") or arg == "-":
            positional.append(arg)
            continue
        value: str | None = None
        if arg.startswith("--") and "=" in arg:
            arg, value = arg.split("=", 1)
        elif not arg.startswith("--") and len(arg) > 2:
            if arg[:2] in _SHORT_VALUE:  # -rreqs.txt
                arg, value = arg[:2], arg[2:]
            elif set(arg[1:]) <= {"q", "v"}:  # -qq, -vv
                pip += [PipOption(name=f"-{c}", value=None, step=Step.BOTH) for c in arg[1:]]
                continue
        name = _canonical(arg)
        if name == "--strict":
            if value is not None:
                raise UsageError("option --strict takes no value")
            strict = True
            continue
        if name == "--all-extras":
            if value is not None:
                raise UsageError("option --all-extras takes no value")
            all_extras = True
            continue
        if name == "--no-cache":
            no_cache = True
            pip.append(PipOption(name="--no-cache-dir", value=None, step=Step.RESOLVE))
            continue
        if name in _OWN_VALUE:
            if value is None:
                if i >= len(args):
                    raise UsageError(f"option {name} needs a value")
                value = args[i]
                i += 1
            if not value:  # `--policy=`: an empty path would name the working directory
                raise UsageError(f"option {name} needs a value")
            own[name] = value
            if name == "--extra":
                extras.append(value)
            if name == "--cache-dir":
                pip.append(PipOption(name="--cache-dir", value=value, step=Step.RESOLVE))
            continue
        if name not in _PIP:
            raise UsageError(f"unknown option {arg} (neither a pip install nor a permpip option)",
                             hint=f"see `pip install --help` and `permpip {command} --help`")
        takes_value, step = _PIP[name]
        if takes_value and value is None:
            if i >= len(args):
                raise UsageError(f"option {name} needs a value")
            value = args[i]
            i += 1
        elif not takes_value and value is not None:
            raise UsageError(f"option {name} takes no value")
        if command == "diff" and name in ("-r", "--requirement") and value is not None:
            positional.append(value)  # an input of the diff, as if named without -r
            continue
        pip.append(PipOption(name=name, value=value, step=step))
    try:
        backend = Backend(own.get("--backend", "pip"))
    except ValueError:
        raise UsageError(f"--backend must be pip or uv, not {own['--backend']!r}") from None
    try:
        fmt = OutputFormat(own.get("--format", "text"))
    except ValueError:
        raise UsageError(f"--format must be text or json, not {own['--format']!r}") from None
    if (extras or all_extras) and command != "check":
        raise UsageError(f"--extra and --all-extras select optional dependencies of a "
                         f"pyproject.toml input (permpip check, permpip policy init), not "
                         f"of permpip {command}",
                         hint="install your project with its extras: permpip install "
                              "'.[NAME]'" if command == "install" else None)
    if command == "check" and len(positional) > 1:
        raise UsageError("permpip check takes at most one INPUT (a requirements file, "
                         "pylock.toml or uv.lock)")
    return GateOptions(
        policy=Path(own["--policy"]) if "--policy" in own else None,
        backend=backend,
        format=fmt,
        cache_dir=Path(own["--cache-dir"]) if "--cache-dir" in own else None,
        no_cache=no_cache,
        cache_url=own.get("--cache-url") or None,
        python=interpreter_path(own["--python"]) if "--python" in own else None,
        strict=strict,
        extras=tuple(extras),
        all_extras=all_extras,
        pip_options=tuple(pip),
        requirements=tuple(positional) if command == "install" else (),
        positional=tuple(positional) if command in ("check", "diff") else (),
    )


HELP = """\
usage: permpip {command} [permpip options] {what}

permpip options:
  --policy FILE        pyproject.toml holding [tool.permissions] (default: the nearest one)
  --backend pip|uv     resolve and install with pip (default) or uv
  --format text|json   output format; json prints the whole verdict
  --cache-dir DIR      download and scan cache (default: ~/.cache/permpip)
  --no-cache           use a throwaway cache for this run
  --cache-url URL      share scans and verified files through an HTTP store (GET/PUT);
                       default: $PERMPIP_CACHE_URL (docs/cache.md)
  --python PYTHON      target interpreter (default: the one permpip runs in)
  --strict             refuse on stale grants and on code that could not be analysed
  --extra NAME         check, policy init: with a pyproject.toml input, also the optional
                       dependencies of extra NAME (repeatable); --all-extras: every extra

exit codes: 0 allowed, 1 refused by the policy (nothing installed),
            2 usage or policy-file error, 3 could not resolve, fetch, verify or scan
"""
