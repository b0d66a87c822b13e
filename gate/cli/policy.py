"""``permpip policy init|allow|revoke|show``: write and read ``[tool.permissions]``.

Every subcommand takes ``--policy FILE`` (default: the nearest pyproject.toml). Edits go
through tomlkit, so the rest of the file stays byte for byte as it was. A ``--policy`` file
not named ``*.toml`` is a requirements file holding the policy beside its pins
(``gate.policy_reqfile``): ``init --policy requirements.txt`` writes each grant beside its
pin; without a pyproject.toml, ``allow``/``revoke``/``show`` use ./requirements.txt.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from gate import policy_reqfile
from gate.errors import PolicyError, UsageError
from gate.evaluate import Verdict, needed_at_import, needed_capabilities
from gate.model import Capability, NormalizedName, PackageScan
from gate.policy import (
    CAPABILITY_NAMES,
    INIT_HINT,
    PYPROJECT,
    Policy,
    WriteMode,
    allow,
    display_path,
    find_policy_file,
    has_policy,
    load_policy,
    revoke,
    unknown_capability,
    write_grants,
)
from gate.report import clean
from gate.report.scan import hosts_summary, summary
from gate.report.verdict import format_text, to_json

HELP = f"""\
usage: permpip policy init [INPUT] [--merge | --force] [--policy FILE] [--extra NAME]
                           [--all-extras] [pip options]
       permpip policy init --from-run FILE [--merge | --force] [--policy FILE]
       permpip policy allow NAME CAP... [--at-import] [--versions SPEC] [--policy FILE]
       permpip policy revoke NAME [CAP...] [--at-import] [--policy FILE]
       permpip policy show [--format text|json] [--policy FILE]

  init     scan INPUT (a requirements file, a lockfile, pyproject.toml, or a directory of
           wheels/sdists; default: the lockfile or requirements.txt here, else
           pyproject.toml's [project].dependencies) and write what each package uses as
           the policy; --merge adds what is missing, --force replaces the policy;
           --extra NAME / --all-extras: a pyproject.toml input's optional dependencies too;
           --from-run FILE: grant what `permpip run --record FILE` saw instead of scanning
  allow    grant capabilities to a package at runtime; --at-import also while it is
           being imported; --versions limits the grant to a range
  revoke   take capabilities back, or the whole entry when no CAP is given;
           --at-import takes back only their use at import (all of it without CAP)
  show     the effective policy, per package

capabilities: {", ".join(CAPABILITY_NAMES)}
--policy FILE: the pyproject.toml holding [tool.permissions] (default: the nearest one),
               or a requirements file with the policy beside each pin:
               httpkit==2.0.0 --hash=sha256:... # permissions: network, env; at-import: env
"""

ARTIFACT_SUFFIXES = (".whl", ".tar.gz", ".zip")


class _Parser(argparse.ArgumentParser):
    """argparse that raises UsageError instead of printing usage and exiting."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"permpip policy {self.prog.split()[-1]}: {message}",
                         hint="see `permpip policy --help`")


def _file(value: str) -> Path:
    """A FILE argument: an empty one (``--policy=``) would name the working directory."""
    if not value:
        raise argparse.ArgumentTypeError("needs a file name")
    return Path(value)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="permpip policy", add_help=False)
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    init = sub.add_parser("init", add_help=False)
    init.add_argument("input", nargs="?")
    mode = init.add_mutually_exclusive_group()
    mode.add_argument("--merge", action="store_true")
    mode.add_argument("--force", action="store_true")
    init.add_argument("--from-run", type=_file)
    grant = sub.add_parser("allow", add_help=False)
    grant.add_argument("name")
    grant.add_argument("caps", nargs="+", metavar="CAP")
    grant.add_argument("--versions")
    grant.add_argument("--at-import", action="store_true")
    take = sub.add_parser("revoke", add_help=False)
    take.add_argument("name")
    take.add_argument("caps", nargs="*", metavar="CAP")
    take.add_argument("--at-import", action="store_true")
    show = sub.add_parser("show", add_help=False)
    show.add_argument("--format", choices=("text", "json"), default="text")
    for p in (init, grant, take, show):
        p.add_argument("--policy", type=_file)
    return parser


def run(argv: list[str]) -> int:
    if not argv or any(a in ("-h", "--help") for a in argv):
        print(HELP, end="")
        return 0 if argv else 2
    if argv[0] not in COMMANDS:
        raise UsageError(f"unknown policy command '{argv[0]}'",
                         hint="permpip policy init|allow|revoke|show")
    parser = _parser()
    if argv[0] == "init":
        mine, rest = _split_init(argv[1:])
        args = parser.parse_args(["init", *mine])
    else:
        args, rest = parser.parse_args(argv), []
    cwd = Path.cwd()
    return COMMANDS[argv[0]](args, rest, cwd)


def _split_init(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """init's own arguments (INPUT, --merge, --force, --policy FILE) apart from the pip and
    permpip options for resolving INPUT: ``init --index-url URL`` takes URL as the
    option's value, not as INPUT."""
    from gate.cli.options import takes_value

    mine: list[str] = []
    rest: list[str] = []
    have_input = False
    i = 0
    while i < len(argv):
        arg = argv[i]
        i += 1
        name = arg.split("=", 1)[0]
        if name in ("--merge", "--force", "--policy", "--from-run"):
            mine.append(arg)
            if name in ("--policy", "--from-run") and "=" not in arg and i < len(argv):
                mine.append(argv[i])
                i += 1
        elif arg.startswith("-") and arg != "-":
            rest.append(arg)
            if takes_value(arg) and i < len(argv):
                rest.append(argv[i])
                i += 1
        elif not have_input:
            mine.append(arg)
            have_input = True
        else:
            rest.append(arg)
    return mine, rest


def _capabilities(words: Sequence[str]) -> list[Capability]:
    bad = [w for w in words if w not in CAPABILITY_NAMES]
    if bad:
        raise UsageError(unknown_capability(bad[0]))
    return [Capability(w) for w in dict.fromkeys(words)]


def _target(args: argparse.Namespace, cwd: Path, *, create: bool = False) -> Path:
    """The file to edit: --policy FILE, else the nearest pyproject.toml (init: else a new one)."""
    if args.policy is not None:
        path: Path = args.policy if args.policy.is_absolute() else cwd / args.policy
        return path
    found = find_policy_file(cwd)
    if found is not None:
        return found
    if create:
        return cwd / PYPROJECT
    if (cwd / "requirements.txt").is_file():  # the policy beside its pins
        return cwd / "requirements.txt"
    raise PolicyError(f"no {PYPROJECT} in {cwd} or its parents", hint=INIT_HINT)


def _init(args: argparse.Namespace, rest: list[str], cwd: Path) -> int:
    path = _target(args, cwd, create=True)
    mode = WriteMode.MERGE if args.merge else WriteMode.FORCE if args.force else WriteMode.CREATE
    label = display_path(path, cwd)
    reqfile = policy_reqfile.is_requirements_policy(path)
    if mode is WriteMode.CREATE and not reqfile:
        _refuse_existing(path, label)  # before scanning anything
    if mode is WriteMode.CREATE and reqfile and policy_reqfile.has_grants(path):
        raise UsageError(f"{label} already has permissions comments",
                         hint="pass --merge to add what is missing, or --force to replace them")
    if args.from_run is not None:
        return _init_from_run(args, rest, cwd, path, mode)
    scans = _scan(args.input, rest, cwd, consent=_existing(path, label, mode))
    grants: dict[NormalizedName, set[Capability]] = {}
    late: dict[NormalizedName, set[Capability]] = {}
    notes: dict[NormalizedName, list[str]] = {}
    for scan in scans:
        grants.setdefault(scan.name, set()).update(needed_capabilities(scan))
        late.setdefault(scan.name, set()).update(needed_at_import(scan))
        notes.setdefault(scan.name, []).extend(_notes(scan))
    source = shlex.join(["permpip", "policy", "init", *([args.input] if args.input else [])])
    header = [
        f"Written by `{source}`: the capabilities each dependency was seen to use.",
        "Anything not granted here is denied. Review each grant before committing it;",
        "at-import lists what runs while the package is being imported: read those first.",
    ]
    scanned = f"{len(grants)} package{'' if len(grants) == 1 else 's'} scanned"
    if reqfile:
        changed, unpinned = policy_reqfile.write_grants(path, grants, late, mode,
                                                        display=label)
        print(f"{label}: wrote grants beside {changed} pins of {scanned}")
        for name in unpinned:
            print(f"warning: {name} uses {', '.join(sorted(grants[name]))} but has no line in "
                  f"{label}: pin it there to grant it", file=sys.stderr)
        return 0
    changed = write_grants(path, grants, mode, header=header, at_import=late, cwd=cwd,
                           notes=notes)
    if mode is WriteMode.MERGE:
        print(f"{label}: added capabilities for {changed} of {scanned}")
    else:
        print(f"{label}: wrote grants for {changed} of {scanned}")
    return 0


def _init_from_run(args: argparse.Namespace, rest: list[str], cwd: Path, path: Path,
                   mode: WriteMode) -> int:
    """``init --from-run FILE``: grant what ``permpip run --record FILE`` saw each package
    use (import-phase uses also as ``at-import``), each with a ``# seen at run time:``
    comment; the scanner misses the record holds are printed as notes."""
    from gate.runtime import record

    if args.input is not None or rest:
        raise UsageError("--from-run takes no INPUT or pip options: the record is the input",
                         hint="run `permpip policy init` for the static scan, then "
                              "`permpip policy init --from-run FILE --merge`")
    label = display_path(path, cwd)
    shown = str(args.from_run)
    run = record.load(args.from_run if args.from_run.is_absolute() else cwd / args.from_run,
                      display=shown)
    grants: dict[NormalizedName, set[Capability]] = {}
    late: dict[NormalizedName, set[Capability]] = {}
    for use in run.uses:
        grants.setdefault(use.package, set()).add(use.capability)
        if use.phase == "import":
            late.setdefault(use.package, set()).add(use.capability)
    notes = {name: run_note([u for u in run.uses if u.package == name]) for name in grants}
    source = shlex.join(["permpip", "policy", "init", "--from-run", shown])
    header = [
        f"Written by `{source}`: what each dependency was seen to use",
        "in that run (only the code it reached). Anything not granted here is denied.",
        "Review each grant before committing it; at-import lists what ran while the",
        "package was being imported: read those first.",
    ]
    seen = f"{len(grants)} package{'' if len(grants) == 1 else 's'} seen at run time"
    if policy_reqfile.is_requirements_policy(path):
        changed, unpinned = policy_reqfile.write_grants(
            path, grants, late, mode, display=label, notes=notes)
        print(f"{label}: wrote grants beside {changed} pins of {seen}")
        for name in unpinned:
            print(f"warning: {name} uses {', '.join(sorted(grants[name]))} but has no line in "
                  f"{label}: pin it there to grant it", file=sys.stderr)
    else:
        changed = write_grants(path, grants, mode, header=header, at_import=late, cwd=cwd,
                               notes={n: [t] for n, t in notes.items()}, merge_notes=True)
        verb = "added capabilities for" if mode is WriteMode.MERGE else "wrote grants for"
        print(f"{label}: {verb} {changed} of {seen}")
    for m in run.misses:  # the record is the run's programs' words: shown inert
        print(clean(f"note: scanner miss: {m.get('package')} {m.get('version')}: "
                    f"{m.get('capability')} at {m.get('phase')}: run: "
                    f"{m.get('run_evidence')}; {m.get('static_evidence')}"), file=sys.stderr)
    return 0


def run_note(uses: Sequence[Any]) -> str:
    """``seen at run time: network at import (colorlogx/__init__.py:3, 2 uses), ...``."""
    order = list(Capability)
    parts = []
    for u in sorted(uses, key=lambda u: (order.index(u.capability), u.phase != "import")):
        at = " at import" if u.phase == "import" else ""
        n = f"{u.count} use{'' if u.count == 1 else 's'}"
        parts.append(f"{u.capability.value}{at} ({u.where}, {n})")
    return "seen at run time: " + ", ".join(parts)


def _notes(scan: PackageScan) -> list[str]:
    """The comment above a grant: for each capability with labelled evidence (shipped tests,
    platform-only code, ``__main__`` blocks, bundled libraries), where its evidence is
    (``network: 33 lines, all in bundled libraries (libcrypto-fb8d5b21.so.3)``); for a
    network grant, the hosts its code names (what a reviewer may limit it to with
    ``hosts``)."""
    notes = [summary(cap, found) for cap, found in scan.capabilities.items()
             if any(f.label is not None for f in found)]
    if Capability.NETWORK in needed_capabilities(scan) and (hosts := hosts_summary(scan)):
        notes.append(hosts)
    return notes


def _refuse_existing(path: Path, label: str) -> None:
    if path.is_file() and has_policy(path, display=label):
        raise UsageError(f"{label} already has a [tool.permissions] policy",
                         hint="pass --merge to add what is missing, or --force to replace it")


def _existing(path: Path, label: str, mode: WriteMode) -> Policy | None:
    """The policy init extends (--merge, --force), if any: an sdist whose dependencies
    cannot be read without building it is built when this grants it install-hooks. An
    invalid one is an error for --merge (nothing to merge into) and no consent for --force,
    which replaces it."""
    try:
        if policy_reqfile.is_requirements_policy(path):
            return policy_reqfile.load(path, display=label) \
                if policy_reqfile.has_grants(path) else None
        if path.is_file() and has_policy(path, display=label):
            return load_policy(path, cwd=path.parent)
    except PolicyError:
        if mode is not WriteMode.FORCE:
            raise
    return None


def _scan(input_arg: str | None, rest: list[str], cwd: Path, *,
          consent: Policy | None = None) -> list[PackageScan]:
    target = cwd / input_arg if input_arg is not None else None
    if target is not None and (target.is_dir() or target.name.endswith(ARTIFACT_SUFFIXES)):
        if rest:
            raise UsageError(f"unrecognized arguments: {' '.join(rest)}")
        if not target.exists():
            raise UsageError(f"no such file or directory: {input_arg}")
        from gate.scan import scan_paths

        return list(scan_paths([target]))
    if target is not None and not target.is_file():
        raise UsageError(f"no such file or directory: {input_arg}")
    from gate.cli.options import parse_options
    from gate.run import scan_for_policy

    options = parse_options(rest, command="check")
    if options.positional:
        raise UsageError(f"unrecognized arguments: {' '.join(options.positional)}")
    return scan_for_policy(target, cwd=cwd, options=options, consent=consent)


def _allow(args: argparse.Namespace, rest: list[str], cwd: Path) -> int:
    caps = _capabilities(args.caps)
    path = _target(args, cwd)
    label = display_path(path, cwd)
    if policy_reqfile.is_requirements_policy(path):
        if args.versions is not None:
            raise UsageError(f"{label} holds no version ranges: the grant is for the pin "
                             f"beside it", hint="change the pin, or use pyproject.toml")
        edited = policy_reqfile.edit(path, args.name, add=[] if args.at_import else caps,
                                     add_at_import=caps if args.at_import else [],
                                     display=label)
        assert edited is not None
        print(f"{label}:{edited.line}: {edited.name}: {', '.join(edited.allow)}"
              f"{_at_import(edited.at_import)}")
        return 0
    grant = allow(path, args.name, caps, versions=args.versions, at_import=args.at_import,
                  cwd=cwd)
    versions = f" (versions {grant.versions})" if grant.versions is not None else ""
    print(f"{label}:{grant.line}: {grant.name}{versions}: {', '.join(grant.allow)}"
          f"{_at_import(grant.at_import)}")
    return 0


def _at_import(caps: Sequence[Capability] | frozenset[Capability]) -> str:
    listed = [c.value for c in Capability if c in caps]
    return f"; at import: {', '.join(listed)}" if listed else ""


def _revoke(args: argparse.Namespace, rest: list[str], cwd: Path) -> int:
    caps = _capabilities(args.caps)
    path = _target(args, cwd)
    label = display_path(path, cwd)
    if policy_reqfile.is_requirements_policy(path):
        grant = policy_reqfile.edit(
            path, args.name, remove=[] if args.at_import else caps,
            remove_at_import=caps if args.at_import else None,
            drop=not caps and not args.at_import, display=label)
    else:
        grant = revoke(path, args.name, caps, at_import=args.at_import, cwd=cwd)
    if grant is None:
        print(f"{label}: removed the grant for {args.name}")
    else:
        allowed = ", ".join(grant.allow) or "nothing beyond the default"
        print(f"{label}:{grant.line}: {grant.name}: {allowed}{_at_import(grant.at_import)}")
    return 0


def _show(args: argparse.Namespace, rest: list[str], cwd: Path) -> int:
    default = cwd / "requirements.txt"
    policy = load_policy(args.policy, cwd=cwd, inputs=[default] if default.is_file() else [])
    if args.format == "json":
        print(json.dumps(policy_json(policy), indent=2))
    else:
        print(policy_text(policy))
    return 0


def _ordered(caps: frozenset[Capability]) -> list[str]:
    return [c.value for c in Capability if c in caps]


def policy_json(policy: Policy) -> dict[str, Any]:
    return {
        "policy": policy.display,
        "default": _ordered(policy.default),
        "default_at_import": _ordered(policy.default_at_import),
        "packages": {
            name: {
                "allow": [c.value for c in grant.allow],
                "at_import": [c.value for c in grant.at_import],
                "versions": grant.versions,
                "hosts": list(grant.hosts) if grant.hosts is not None else None,
                "effective": _ordered(policy.default | frozenset(grant.allow)),
                "effective_at_import": _ordered(policy.default_at_import
                                                | frozenset(grant.at_import)),
                "line": grant.line,
            }
            for name, grant in sorted(policy.packages.items())
        },
    }


def policy_text(policy: Policy) -> str:
    def listing(caps: frozenset[Capability]) -> str:
        return ", ".join(_ordered(caps)) or "nothing"

    lines = [f"policy: {policy.display}", f"default (every package): {listing(policy.default)}"
             f"{_at_import(policy.default_at_import)}"]
    for name, grant in sorted(policy.packages.items()):
        versions = f" (versions {grant.versions})" if grant.versions is not None else ""
        late = policy.default_at_import | frozenset(grant.at_import)
        hosts = f"; network only to {', '.join(grant.hosts)}" if grant.hosts is not None \
            else ""
        lines.append(f"{name}{versions}: {listing(policy.default | frozenset(grant.allow))}"
                     f"{_at_import(late)}{hosts}")
    return "\n".join(lines)


def report_verdict(verdict: Verdict, *, fmt: str = "text", verbose: bool = False) -> int:
    """Print a verdict (text or json) on stdout and return its exit code (0/1)."""
    if fmt == "json":
        print(json.dumps(to_json(verdict), indent=2))
    else:
        print(format_text(verdict, verbose=verbose))
    return verdict.exit_code


COMMANDS: dict[str, Callable[[argparse.Namespace, list[str], Path], int]] = {
    "init": _init,
    "allow": _allow,
    "revoke": _revoke,
    "show": _show,
}
