"""What ``permpip run`` saw, as text, JSON or SARIF. Formatting only (gate.runtime.session
collects it).

Text, one block per package, each (capability, phase) once with its evidence chain::

    colorlogx 1.0
      network at import not granted (stopped):
        colorlogx/__init__.py:3 (import) -> <exec> -> urllib.request.urlopen -> socket.connect
        127.0.0.1:8000   [pid 4121: python main.py]
      fix: permpip policy allow colorlogx network --at-import
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Sequence
from typing import Any

from gate import __version__
from gate.evaluate import allow_command
from gate.model import Capability
from gate.runtime.misses import Miss
from gate.runtime.session import GUARD_CAPABILITY, Outcome, Violation

FORMATS = ("text", "json", "sarif")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
APP = "<app>"


def render(outcome: Outcome, fmt: str, *, policy: str, misses: Sequence[Miss] = (),
           unscanned: Sequence[str] = ()) -> str:
    if fmt == "json":
        data = to_json(outcome, policy=policy)
        data["scanner_misses"] = [m.to_json() for m in misses]
        data["not_compared"] = list(unscanned)
        return json.dumps(data, indent=2) + "\n"
    if fmt == "sarif":
        return json.dumps(to_sarif(outcome, misses), indent=2) + "\n"
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
        lines += [f"  {m.package} {m.version}: {m.capability} {at}",
                  f"    run: {' -> '.join(m.run)}",
                  f"    {m.static}"]
    lines += [f"note: {u}" for u in unscanned]
    return "\n".join(lines) + "\n"


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 'es' if noun.endswith('s') else 's'}"


def _who(v: Violation) -> str:
    return "the application" if v.package == APP else f"{v.package} {v.version}"


def _argv(argv: tuple[str, ...]) -> str:
    words = [a.rpartition("/")[2] if i == 0 else a for i, a in enumerate(argv[:4])]
    return shlex.join(words) + (" ..." if len(argv) > 4 else "")


def format_text(outcome: Outcome, *, policy: str) -> str:
    ev = outcome.events
    mode = "enforce" if outcome.enforce else "report"
    procs = _n(len(ev.processes), "process")
    packages = list(dict.fromkeys(v.package for v in ev.violations))
    if not ev.violations:
        head = (f"permpip run ({mode}): {procs} guarded; nothing used beyond the policy "
                f"({policy})")
    else:
        verb = "stopped" if outcome.enforce else "reported"
        head = (f"permpip run ({mode}): {procs} guarded; {len(packages)} package"
                f"{'' if len(packages) == 1 else 's'} used capabilities the policy "
                f"({policy}) does not grant ({verb})")
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
            lines.append(f"    {' -> '.join(v.chain)}")
            lines.append(f"    [pid {v.pid}: {_argv(v.argv)}]")
        fix = fix_command(mine)
        if fix:
            lines.append(f"  fix: {fix}")
        if any(v.capability == GUARD_CAPABILITY for v in mine):
            lines.append("  note: no grant allows this: a child without the guard is "
                         "unchecked (docs/runtime.md)")
    lines += [f"error: {e}" for e in ev.errors]
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


def to_sarif(outcome: Outcome, misses: Sequence[Miss] = ()) -> dict[str, Any]:
    rules: list[str] = []
    results = []
    for m in misses:
        if "scanner-miss" not in rules:
            rules.append("scanner-miss")
        path, _, line = (m.run[0].partition(" (")[0] if m.run else "").rpartition(":")
        location: dict[str, Any] = {"artifactLocation": {"uri": path or m.package}}
        if line.isdigit():
            location["region"] = {"startLine": int(line)}
        results.append({
            "ruleId": "scanner-miss", "ruleIndex": rules.index("scanner-miss"),
            "level": "warning",
            "message": {"text": f"{m.package} {m.version} used {m.capability} at {m.phase}, "
                                f"which the static scan does not find: run: "
                                f"{' -> '.join(m.run)}; {m.static}"},
            "locations": [{"physicalLocation": location}],
            "properties": {"package": m.package, "version": m.version, "phase": m.phase},
        })
    for v in outcome.events.violations:
        rule = v.capability + ("-at-import" if v.phase == "import" else "")
        if rule not in rules:
            rules.append(rule)
        path, _, line = v.where.rpartition(":")
        location: dict[str, Any] = {"artifactLocation": {"uri": path or v.where}}
        if line.isdigit():
            location["region"] = {"startLine": int(line)}
        results.append({
            "ruleId": rule, "ruleIndex": rules.index(rule), "level": "error",
            "message": {"text": f"{_who(v)} used {v.capability} at {v.phase} without a "
                                f"grant: {' -> '.join(v.chain)}"},
            "locations": [{"physicalLocation": location}],
            "properties": {"package": v.package, "version": v.version, "phase": v.phase,
                           "pid": v.pid, "denied": v.denied},
        })
    return {
        "$schema": SARIF_SCHEMA, "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "permpip", "version": __version__, "rules": [
            {"id": r, "shortDescription": {"text": _rule_text(r)}}
            for r in rules]}}, "results": results}],
    }


def _rule_text(rule: str) -> str:
    if rule == "scanner-miss":
        return "used at run time, not found by the static scan"
    return f"used {rule} at run time without a grant"
