"""The options of one run: permpip's own and the user's pip options, by the step they apply to.

Parsed from the command line by ``gate.cli.options``; read by every stage (lower stages
never import the CLI package).

permpip's own options are few and never collide with pip's:

    --policy FILE        the pyproject.toml holding [tool.permissions] (default: nearest)
    --backend pip|uv     resolver and installer (default: pip)
    --format text|json   output (json: the whole verdict on stdout)
    --cache-dir DIR      permpip's download/scan cache (pip's option of the same name and
                         meaning: it is also handed to pip for resolution)
    --no-cache           use a throwaway cache (pip's --no-cache-dir is handed to pip too)
    --cache-url URL      a store shared by a fleet (HTTP GET/PUT, ``gate.shared_cache``);
                         default: ``PERMPIP_CACHE_URL``
    --python PYTHON      the target interpreter (pip's --python, same meaning: a file, or
                         a venv directory); absolute from the moment it is parsed
    --strict             stale grants and ``unanalyzed`` findings are errors, not warnings
    --extra NAME         (check, policy init) with a pyproject.toml input: also the
                         optional dependencies of extra NAME (repeatable), as uv's
                         ``--extra``; ``--all-extras`` takes every extra

Everything else is a ``pip install`` option or requirement (VCS requirements are refused,
and an sdist named by path or URL is scanned and approved before it is built: see
``gate.resolve``). Each pip option is known here
with its arity and the step it applies to: resolution (requirements, indexes, ``--pre``),
installation (``--target``, ``--user``, ``--upgrade``, ``--dry-run``), or both (``-q``,
``-v``, network settings). An option pip does not know is a usage error.

pip's (or uv's) configuration files and ``PIP_*``/``UV_*`` variables are read for resolution
by ``gate.resolve.reqfile.read_settings``: it puts them into ``pip_options`` ahead of the
command line's (each with its ``origin``) and sets ``config_read``, after which nothing reads
the configuration again and the resolver runs without it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path


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

_OWN_VALUE = ("--policy", "--backend", "--format", "--cache-dir", "--cache-url", "--python",
              "--extra")
_OWN_FLAGS = ("--no-cache", "--strict", "--all-extras")
_SHORT_VALUE = {n for n, (v, _) in _PIP.items() if v and len(n) == 2}


@dataclass(frozen=True, kw_only=True, slots=True)
class PipOption:
    name: str  # as spelled by pip: "--index-url"
    value: str | None
    step: Step
    origin: str | None = None  # where it came from when not the command line: "PIP_X (environment)"

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
    cache_url: str | None = None  # --cache-url (PERMPIP_CACHE_URL is read where it is used)
    python: str | None = None  # absolute path of the interpreter (``interpreter_path``)
    strict: bool = False  # stale grants and unanalyzed findings refuse
    extras: tuple[str, ...] = ()  # --extra NAME: of a pyproject.toml input (check, init)
    all_extras: bool = False  # --all-extras
    pip_options: tuple[PipOption, ...] = ()
    requirements: tuple[str, ...] = ()  # positional requirement specifiers / paths
    positional: tuple[str, ...] = field(default=())  # ``check``: [INPUT]
    # Set by ``gate.resolve.reqfile.read_settings``: pip's (or uv's) configuration and
    # environment are merged into ``pip_options`` (each with its ``origin``), so nothing reads
    # them again; ``uv_args`` holds uv-only settings read from uv's configuration.
    config_read: bool = False
    # Set by ``gate.run`` for ``permpip install``: resolution keeps what the target has
    # installed, as ``pip install`` does (``check``/``scan``/``diff`` judge the whole set).
    installing: bool = False
    uv_args: tuple[str, ...] = ()

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
