"""What ``permpip run`` saw, as text, JSON or SARIF. Formatting only (gate.runtime.session
collects it). Everything the guarded programs control (paths, hosts, argv, package names) is
shown through ``gate.report.clean``: a file name holding a terminal escape sequence prints as
``\x1b[...``, never as the sequence. SARIF locations are relative to ``root`` (the working
directory) when inside it, else ``file:`` URIs (``gate.report.sarif``).

Text, one block per package, each (capability, phase) once with its evidence chain::

    colorlogx 1.0
      network at import not granted (stopped):
        colorlogx/__init__.py:3 (import) -> <exec> -> urllib.request.urlopen -> socket.connect
        127.0.0.1:8000   [pid 4121: python main.py]
      fix: permpip policy allow colorlogx network --at-import
"""

from __future__ import annotations

import json
import os
import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gate.evaluate import allow_command
from gate.model import Capability
from gate.report import clean, sarif
from gate.runtime.misses import Miss
from gate.runtime.session import GUARD_CAPABILITY, Outcome, Violation

FORMATS = ("text", "json", "sarif")
APP = "<app>"


def render(outcome: Outcome, fmt: str, *, policy: str, misses: Sequence[Miss] = (),
           unscanned: Sequence[str] = (), root: Path | None = None) -> str:
    if fmt == "json":
        data = to_json(outcome, policy=policy)
        data["scanner_misses"] = [m.to_json() for m in misses]
        data["not_compared"] = list(unscanned)
        return json.dumps(data, indent=2) + "\n"
    if fmt == "sarif":
        return json.dumps(to_sarif(outcome, misses, root=root), indent=2) + "\n"
    return format_text(outcome, policy=policy) + format_misses(misses, unscanned)


def format_misses(misses: Sequence[Miss], unscanned: Sequence[str] = ()) -> str:
    """``--record``: the uses the static scan of the installed distribution did not find."""
    if not misses and not unscanned:
        return ""
    lines = [""]
    if misses:
        n = len(misses)
        lines.append(f"scanner miss{'es' if n > 1 else ''}: {n} use{'s' if n > 1 else ''} seen "
                     f"at run time that the static scan of the installed distribution does "
                     f"not find:")
    for m in misses:
        at = "at import" if m.phase == "import" else "at run time"
        lines += [clean(f"  {m.package} {m.version}: {m.capability} {at}"),
                  clean(f"    run: {' -> '.join(m.run)}"),
                  clean(f"    {m.static}")]
    lines += [f"note: {clean(u)}" for u in unscanned]
    return "\n".join(lines) + "\n"


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 'es' if noun.endswith('s') else 's'}"


def _who(v: Violation) -> str:
    return "the application" if v.package == APP else clean(f"{v.package} {v.version}")


def _argv(argv: tuple[str, ...]) -> str:
    words = [a.rpartition("/")[2] if i == 0 else a for i, a in enumerate(argv[:4])]
    return clean(shlex.join(words) + (" ..." if len(argv) > 4 else ""))


def format_text(outcome: Outcome, *, policy: str) -> str:
    ev = outcome.events
    mode = "enforce" if outcome.enforce else "report"
    procs = _n(len(ev.processes), "process")
    packages = list(dict.fromkeys(v.package for v in ev.violations))
    if not ev.violations:
        head = (f"permpip run ({mode}): {procs} guarded; nothing used beyond the policy "
                f"({clean(policy)})")
    else:
        verb = "stopped" if outcome.enforce else "reported"
        head = (f"permpip run ({mode}): {procs} guarded; {len(packages)} package"
                f"{'' if len(packages) == 1 else 's'} used capabilities the policy "
                f"({clean(policy)}) does not grant ({verb})")
    lines = [head]
    for name in packages:
        mine = [v for v in ev.violations if v.package == name]
        lines += ["", _who(mine[0])]
        for v in mine:
            if v.capability == GUARD_CAPABILITY:
                what = "  switched the guard off"
            elif v.phase == "import":
                what = f"  {v.capability} at import not granted"
            else:
                what = f"  {v.capability} ({v.phase}) not granted"
            lines.append(what + (" (stopped):" if v.denied else ":"))
            lines.append(f"    {clean(' -> '.join(v.chain))}")
            lines.append(f"    [pid {v.pid}: {_argv(v.argv)}]")
        fix = fix_command(mine)
        if fix:
            lines.append(f"  fix: {clean(fix)}")
        if any(v.capability == GUARD_CAPABILITY for v in mine):
            lines.append("  note: no grant allows this: a child without the guard is "
                         "unchecked (docs/runtime.md)")
    lines += [f"error: {clean(e)}" for e in ev.errors]
    return "\n".join(lines) + "\n"


def fix_command(violations: list[Violation]) -> str | None:
    if not violations or violations[0].package == APP:
        return None
    caps = [Capability(v.capability) for v in violations if v.capability in
            Capability.__members__.values()]
    late = [Capability(v.capability) for v in violations
            if v.phase == "import" and v.capability in Capability.__members__.values()]
    caps = list(dict.fromkeys(caps))
    if not caps:
        return None
    return allow_command(violations[0].package, caps, at_import=list(dict.fromkeys(late)))


def to_json(outcome: Outcome, *, policy: str) -> dict[str, Any]:
    ev = outcome.events
    return {
        "schema": 1,
        "mode": "enforce" if outcome.enforce else "report",
        "policy": policy,
        "command_exit_code": outcome.returncode,
        "exit_code": outcome.exit_code,
        "processes": [{"pid": pid, "argv": list(argv)} for pid, argv in ev.processes],
        "violations": [v.to_json() for v in ev.violations],
        "errors": list(ev.errors),
    }


def to_sarif(outcome: Outcome, misses: Sequence[Miss] = (), *,
             root: Path | None = None) -> dict[str, Any]:
    """One result per violation (rule ``CAP`` or ``CAP-at-import``, error) and per scanner
    miss (``scanner-miss``, warning), located at the file and line of the first frame."""
    cwd = Path.cwd() if root is None else root
    rules: list[str] = []
    results = []

    def result(rule: str, level: str, text: str, where: str, site: str,
               properties: dict[str, Any]) -> None:
        if rule not in rules:
            rules.append(rule)
        path, line = sarif.split_source(where)
        # a package's path is below the sys.path directory it was found in; the
        # application's is its file as run; "<string>" and the like are no file
        full = os.path.join(site, path) if site and path != "." and not path.startswith("<") \
            else path
        loc = sarif.location(full + (f":{line}" if line else ""), root=cwd, cwd=cwd)
        results.append({"ruleId": rule, "ruleIndex": rules.index(rule), "level": level,
                        "message": {"text": clean(text)}, "locations": [loc],
                        "properties": properties})

    for m in misses:
        result("scanner-miss", "warning",
               f"{m.package} {m.version} used {m.capability} at {m.phase}, which the static "
               f"scan does not find: run: {' -> '.join(m.run)}; {m.static}",
               m.run[0].partition(" (")[0] if m.run else m.package, m.site,
               {"package": m.package, "version": m.version, "phase": m.phase})
    for v in outcome.events.violations:
        result(v.capability + ("-at-import" if v.phase == "import" else ""), "error",
               f"{_who(v)} used {v.capability} at {v.phase} without a grant: "
               f"{' -> '.join(v.chain)}", v.where, v.site,
               {"package": v.package, "version": v.version, "phase": v.phase,
                "pid": v.pid, "denied": v.denied})
    return sarif.log([{"id": r, "shortDescription": {"text": _rule_text(r)}} for r in rules],
                     results)


def _rule_text(rule: str) -> str:
    if rule == "scanner-miss":
        return "used at run time, not found by the static scan"
    return f"used {rule} at run time without a grant"
