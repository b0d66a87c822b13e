"""Command-line options shared by ``permpip install`` and ``permpip check``.

permpip's own options are few and never collide with pip's:

    --policy FILE        the pyproject.toml holding [tool.permissions] (default: nearest)
    --backend pip|uv     resolver and installer (default: pip)
    --format text|json   output (json: the whole verdict on stdout)
    --cache-dir DIR      permpip's download/scan cache (pip's option of the same name and
                         meaning: it is also handed to pip for resolution)
    --no-cache           use a throwaway cache (pip's --no-cache-dir is handed to pip too)
    --python PYTHON      the target interpreter (pip's --python, same meaning)
    --strict             stale grants and ``unanalyzed`` findings are errors, not warnings

Everything else is a ``pip install`` option or requirement (VCS requirements are refused,
and an sdist named by path or URL is scanned and approved before it is built: see
``gate.resolve``). Each pip option is known here
with its arity and the step it applies to: resolution (requirements, indexes, ``--pre``),
installation (``--target``, ``--user``, ``--upgrade``, ``--dry-run``), or both (``-q``,
``-v``, network settings). An option pip does not know is a usage error.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gate.errors import UsageError


class Backend(enum.StrEnum):
    PIP = "pip"
    UV = "uv"


class OutputFormat(enum.StrEnum):
    TEXT = "text"
    JSON = "json"


class Step(enum.Enum):
    RESOLVE = "resolve"
    INSTALL = "install"
    BOTH = "both"
    IGNORED = "ignored"  # permpip decides these itself (format control, hashes, reports)


# pip install option -> (takes a value, where it applies). Long and short spellings.
_PIP: dict[str, tuple[bool, Step]] = {}


def _opt(names: str, takes_value: bool, step: Step) -> None:
    for name in names.split():
        _PIP[name] = (takes_value, step)


_opt("-r --requirement -c --constraint --build-constraint -e --editable", True, Step.RESOLVE)
_opt("-i --index-url --extra-index-url -f --find-links --group", True, Step.RESOLVE)
_opt("--platform --python-version --implementation --abi --upgrade-strategy", True, Step.RESOLVE)
_opt("--src --uploaded-prior-to --all-releases --only-final --requirements-from-script",
     True, Step.RESOLVE)
_opt("--refresh-package", True, Step.RESOLVE)
_opt("--no-index --pre --no-deps --prefer-binary --only-deps", False, Step.RESOLVE)
_opt("-t --target --root --prefix --root-user-action --progress-bar --exists-action",
     True, Step.INSTALL)
_opt("-C --config-settings", True, Step.INSTALL)
_opt("--user -U --upgrade --force-reinstall -I --ignore-installed --compile --no-compile",
     False, Step.INSTALL)
_opt("--no-warn-script-location --no-warn-conflicts --break-system-packages --dry-run",
     False, Step.INSTALL)
_opt("--no-clean --no-build-isolation --check-build-dependencies", False, Step.INSTALL)
_opt("--log --keyring-provider --proxy --retries --timeout --trusted-host --cert",
     True, Step.BOTH)
_opt("--client-cert --use-feature --use-deprecated --resume-retries", True, Step.BOTH)
_opt("-q --quiet -v --verbose --isolated --no-input --no-proxy-env --no-cache-dir",
     False, Step.BOTH)
_opt("--disable-pip-version-check --no-color --require-virtualenv --debug "
     "--ignore-requires-python", False, Step.BOTH)
# permpip always resolves wheels only, pins by hash and writes its own report. pip never
# sees --no-binary/--only-binary: gate.resolve reads them (and such lines in requirements
# files) and builds what --no-binary names from its sdist, scanned and approved first.
_opt("--no-binary --only-binary --report", True, Step.IGNORED)
_opt("--require-hashes --no-require-hashes", False, Step.IGNORED)

_OWN_VALUE = ("--policy", "--backend", "--format", "--cache-dir", "--python")
_OWN_FLAGS = ("--no-cache", "--strict")
_SHORT_VALUE = {n for n, (v, _) in _PIP.items() if v and len(n) == 2}


@dataclass(frozen=True, kw_only=True, slots=True)
class PipOption:
    name: str  # as spelled by pip: "--index-url"
    value: str | None
    step: Step

    def argv(self) -> list[str]:
        return [self.name] if self.value is None else [self.name, self.value]


@dataclass(frozen=True, kw_only=True, slots=True)
class GateOptions:
    """permpip's own options plus the user's pip options, split by the step they apply to."""

    policy: Path | None = None
    backend: Backend = Backend.PIP
    format: OutputFormat = OutputFormat.TEXT
    cache_dir: Path | None = None
    no_cache: bool = False
    python: str | None = None
    strict: bool = False  # stale grants and unanalyzed findings refuse
    pip_options: tuple[PipOption, ...] = ()
    requirements: tuple[str, ...] = ()  # positional requirement specifiers / paths
    positional: tuple[str, ...] = field(default=())  # ``check``: [INPUT]

    def values(self, *names: str) -> list[str]:
        return [o.value for o in self.pip_options if o.name in names and o.value is not None]

    def flag(self, *names: str) -> bool:
        return any(o.name in names for o in self.pip_options)

    @property
    def quiet(self) -> int:
        return sum(1 for o in self.pip_options if o.name in ("-q", "--quiet"))

    @property
    def dry_run(self) -> bool:
        return self.flag("--dry-run")

    @property
    def requirement_files(self) -> list[str]:
        return self.values("-r", "--requirement")

    @property
    def editables(self) -> list[str]:
        return self.values("-e", "--editable")

    def args_for(self, step: Step) -> list[str]:
        """The user's pip options for ``step`` (``BOTH`` options are in each), in order."""
        out: list[str] = []
        for o in self.pip_options:
            if o.step is step or (o.step is Step.BOTH and step is not Step.IGNORED):
                out += o.argv()
        return out


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


def parse_options(argv: Sequence[str], *, command: str = "install") -> GateOptions:
    """Split ``argv`` into permpip's options and the pip options/requirements it passes on."""
    own: dict[str, str] = {}
    no_cache = False
    strict = False
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
            own[name] = value
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
        pip.append(PipOption(name=name, value=value, step=step))
    try:
        backend = Backend(own.get("--backend", "pip"))
    except ValueError:
        raise UsageError(f"--backend must be pip or uv, not {own['--backend']!r}") from None
    try:
        fmt = OutputFormat(own.get("--format", "text"))
    except ValueError:
        raise UsageError(f"--format must be text or json, not {own['--format']!r}") from None
    if command == "check" and len(positional) > 1:
        raise UsageError("permpip check takes at most one INPUT (a requirements file, "
                         "pylock.toml or uv.lock)")
    return GateOptions(
        policy=Path(own["--policy"]) if "--policy" in own else None,
        backend=backend,
        format=fmt,
        cache_dir=Path(own["--cache-dir"]) if "--cache-dir" in own else None,
        no_cache=no_cache,
        python=own.get("--python"),
        strict=strict,
        pip_options=tuple(pip),
        requirements=tuple(positional) if command == "install" else (),
        positional=tuple(positional) if command == "check" else (),
    )


HELP = """\
usage: permpip {command} [permpip options] {what}

permpip options:
  --policy FILE        pyproject.toml holding [tool.permissions] (default: the nearest one)
  --backend pip|uv     resolve and install with pip (default) or uv
  --format text|json   output format; json prints the whole verdict
  --cache-dir DIR      download and scan cache (default: ~/.cache/permpip)
  --no-cache           use a throwaway cache for this run
  --python PYTHON      target interpreter (default: the one permpip runs in)
  --strict             refuse on stale grants and on code that could not be analysed

exit codes: 0 allowed, 1 refused by the policy (nothing installed),
            2 usage or policy-file error, 3 could not resolve, fetch, verify or scan
"""
