"""``permpip diff OLD NEW`` and ``permpip diff --git REV [FILE]``.

OLD and NEW are anything ``permpip check`` takes (requirements with hashes, pylock.toml,
uv.lock). Both are fetched, verified and scanned (the scan cache is keyed by sha256, so a
file already scanned is not scanned again); each changed package's gained and lost
``(capability, phase)`` pairs are judged against the policy for its new version.

Exit codes: 0 nothing gained that the policy does not grant (a pure version bump);
1 a gain is not granted (``--strict``: anything gained at all); 2 usage error, or no
policy found (pass ``--no-policy`` to report without one); 3 could not read, fetch,
verify or scan an input.
"""

from __future__ import annotations

import dataclasses
import re
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from gate import _subprocess
from gate.cli.options import GateOptions, parse_options
from gate.diff import Entry, Pinned, diff_packages
from gate.errors import UsageError
from gate.model import normalize
from gate.policy import Policy
from gate.report.diff import FORMATS, render

HELP = """\
usage: permpip diff [options] OLD NEW
       permpip diff [options] --git REV [FILE]

What each changed package gained or lost between two inputs (requirements with
hashes, pylock.toml, uv.lock), as (capability, phase) pairs with evidence.

options:
  --git REV            OLD is FILE as it was at git revision REV (e.g. origin/main);
                       FILE defaults to pylock.toml, uv.lock or requirements.txt in cwd
  --strict             fail (exit 1) on any gained capability, granted or not
  --policy FILE        pyproject.toml holding [tool.permissions] (default: the nearest)
  --no-policy          report without a policy; only --strict can then fail
  --format FORMAT      text (default), json, markdown (pull-request comment), sarif
  -o, --output FILE    write the report to FILE instead of stdout
  --cache-dir DIR, --no-cache, --cache-url URL, --backend pip|uv and pip's
                       index/network options as for `permpip check`

exit codes: 0 nothing gained beyond the policy, 1 an ungranted gain (--strict: any gain),
            2 usage or policy-file error, 3 could not read, fetch, verify or scan
"""

@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class DiffArgs:
    git: str | None = None
    strict: bool = False
    no_policy: bool = False
    format: str = "text"
    output: Path | None = None
    inputs: tuple[str, ...] = ()
    gate: GateOptions = dataclasses.field(default_factory=GateOptions)


def parse_args(argv: Sequence[str]) -> DiffArgs:
    """permpip diff's own options; the rest is parsed like ``permpip check``'s."""
    own: dict[str, str | bool] = {}
    rest: list[str] = []
    args = list(argv)
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "--":
            rest += args[i - 1:]
            break
        name, eq, inline = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if name in ("--strict", "--no-policy"):
            if eq:
                raise UsageError(f"option {name} takes no value")
            own[name] = True
        elif name in ("--git", "--format", "--output", "-o"):
            value = inline
            if not eq and i < len(args):
                value, i = args[i], i + 1
            if not value:
                raise UsageError(f"option {name} needs a value")
            own["--output" if name == "-o" else name] = value
        else:
            rest.append(arg)
    gate = parse_options(rest, command="diff")  # inputs: positionals and -r FILE, in order
    inputs = gate.positional
    gate = dataclasses.replace(gate, requirements=(), positional=())
    fmt = str(own.get("--format", "text"))
    if fmt not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    git = own.get("--git")
    if git is not None:
        if len(inputs) > 1:
            raise UsageError("permpip diff --git REV takes at most one FILE",
                             hint="permpip diff --git origin/main pylock.toml")
    elif len(inputs) != 2:
        raise UsageError("permpip diff needs OLD and NEW (or --git REV [FILE])",
                         hint="permpip diff old/requirements.txt requirements.txt")
    if own.get("--no-policy") and gate.policy is not None:
        raise UsageError("--policy and --no-policy exclude each other")
    output = own.get("--output")
    return DiffArgs(git=str(git) if git is not None else None,
                    strict=bool(own.get("--strict")), no_policy=bool(own.get("--no-policy")),
                    format=fmt, output=Path(str(output)) if output is not None else None,
                    inputs=inputs, gate=gate)


def run(argv: list[str]) -> int:
    if any(a in ("-h", "--help") for a in argv):
        print(HELP, end="")
        return 0
    args = parse_args(argv)
    cwd = Path.cwd()
    policy = _load_policy(args, cwd)  # before any download: a missing policy fails fast
    root: Path | None = cwd
    if args.git is not None:
        new_path = cwd / args.inputs[0] if args.inputs else _default_input(cwd)
        root = _git_toplevel(new_path.parent)
        rel = new_path.resolve().relative_to(root.resolve()).as_posix()
        old_label = f"{rel}@{args.git}"
        new_label = args.inputs[0] if args.inputs else new_path.name
        old = _scan_git(args.git, root, rel, new_path.name, label=old_label,
                        cwd=cwd, options=args.gate)
        new = _scan(new_path, cwd=cwd, options=args.gate, label=rel)
    else:
        old_label, new_label = args.inputs
        old = _scan(cwd / old_label, cwd=cwd, options=args.gate, label=old_label)
        new = _scan(cwd / new_label, cwd=cwd, options=args.gate, label=new_label)
    diff = diff_packages(old, new, policy=policy, strict=args.strict,
                         old_label=old_label, new_label=new_label)
    _emit(render(diff, args.format, root=root, cwd=cwd), args.output)
    return diff.exit_code


def _load_policy(args: DiffArgs, cwd: Path) -> Policy | None:
    if args.no_policy:
        return None
    from gate.policy import load_policy

    # without a pyproject.toml policy: the one beside the pins of the new side (#13)
    new = [cwd / args.inputs[-1]] if args.inputs else []
    return load_policy(args.gate.policy, cwd=cwd, inputs=new)


def _scan(path: Path, *, cwd: Path, options: GateOptions, label: str) -> list[Entry]:
    """INPUT scanned; each pin's ``source`` made ``label:line`` (``label``: the input as
    the user named it), finding the line in a lockfile when the reader gave none."""
    from gate.run import scan_input

    if not path.is_file():
        raise UsageError(f"no such input file: {label}")
    scanned = scan_input(path, cwd=cwd, options=options)
    lines = _name_lines(path)
    return [_located(e, label, lines) for e in scanned]


_SOURCE_LINE = re.compile(r"^(?P<path>.+):(?P<line>[1-9][0-9]*)$")
_TOML_NAME = re.compile(r"""^\s*name\s*=\s*["']([^"']+)["']""")


def _name_lines(path: Path) -> dict[str, int]:
    """PEP 503 name -> line of its ``name = "..."`` key in a pylock.toml / uv.lock."""
    if path.suffix not in (".toml", ".lock"):
        return {}
    out: dict[str, int] = {}
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    for n, line in enumerate(text.splitlines(), 1):
        m = _TOML_NAME.match(line)
        if m:
            out.setdefault(normalize(m.group(1)), n)
    return out


def _located(entry: Entry, shown: str, lines: dict[str, int]) -> Entry:
    """``source`` as ``shown:LINE`` (or ``shown``), whatever form the reader gave."""
    pin = entry.pin
    m = _SOURCE_LINE.match(pin.source or "")
    line = int(m.group("line")) if m else lines.get(pin.name)
    source = f"{shown}:{line}" if line else shown
    if source == pin.source:
        return entry
    return Pinned(pin=dataclasses.replace(pin, source=source), scan=entry.scan)


def _default_input(cwd: Path) -> Path:
    from gate.resolve import find_default_input

    return find_default_input(cwd)


def _git(argv: Sequence[str], *, cwd: Path) -> _subprocess.Completed:
    try:
        return _subprocess.run(["git", *argv], cwd=cwd, timeout=120)
    except OSError as exc:
        raise UsageError(f"cannot run git: {exc.strerror or exc}") from None


def _git_toplevel(where: Path) -> Path:
    done = _git(["rev-parse", "--show-toplevel"], cwd=where)
    if done.returncode != 0:
        raise UsageError(f"--git needs a git work tree; {where} is not in one")
    return Path(done.stdout.strip())


def _scan_git(
    rev: str, root: Path, rel: str, filename: str, *, label: str, cwd: Path,
    options: GateOptions,
) -> list[Entry]:
    """FILE as it was at REV, scanned; an empty list when FILE did not exist there."""
    if rev.startswith("-"):
        raise UsageError(f"not a git revision: {rev!r}")
    done = _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], cwd=root)
    if done.returncode != 0:
        raise UsageError(f"unknown git revision {rev!r}",
                         hint="in CI, fetch it first (actions/checkout with fetch-depth: 0, "
                              "or git fetch origin main)")
    commit = done.stdout.strip()
    if _git(["cat-file", "-e", f"{commit}:{rel}"], cwd=root).returncode != 0:
        return []  # the file is new: every package in it is added
    shown = _git(["show", f"{commit}:{rel}"], cwd=root)
    if shown.returncode != 0:
        raise UsageError(f"git show {rev}:{rel} failed: {shown.stderr.strip()}")
    with tempfile.TemporaryDirectory(prefix="permpip-diff-") as tmp:
        old_path = Path(tmp) / filename  # same name: the input kind is told by its name
        old_path.write_text(shown.stdout, encoding="utf-8")
        return _scan(old_path, cwd=cwd, options=options, label=label)


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None

