"""``permpip run --record FILE``: what each package was seen doing, as a versioned JSON file
(docs/runtime.md "Recording a run").

    to_json(outcome, *, command, policy, misses, unscanned) -> dict
    write(path, data)                  atomic: a temporary file beside it, then renamed
    load(path, *, display) -> Record   (UsageError, one line, for a missing, corrupt or
                                        other-version file)

Format (version 1)::

    {"format": "permpip-run-record", "version": 1, "permpip": "0.1.0",
     "command": ["python", "main.py"], "policy": "pyproject.toml", "mode": "report",
     "exit_code": 1, "processes": 2,
     "uses": [{"package": "colorlogx", "version": "1.0", "capability": "network",
               "phase": "import", "granted": false, "count": 2,
               "where": "colorlogx/__init__.py:3",
               "evidence": ["colorlogx/__init__.py:3 (import)", "<exec>",
                            "urllib.request.urlopen", "http.client.connect 127.0.0.1:8000"],
               "pid": 4121, "argv": ["python", "main.py"], "site": "/venv/.../site-packages/"}],
     "scanner_misses": [{"package": "colorlogx", "version": "1.0", "capability": "network",
                         "phase": "import", "run_evidence": "colorlogx/__init__.py:3 ...",
                         "static_evidence": "static scan: no network finding; nearest: ..."}],
     "not_compared": []}

One entry in ``uses`` per (package, version, capability, phase) over every process of the
run: the first use seen (its evidence chain, process) and how many there were (``count``).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gate import __version__
from gate.errors import UsageError
from gate.model import Capability, NormalizedName, normalize
from gate.runtime.session import Outcome

FORMAT = "permpip-run-record"
VERSION = 1
PHASES = ("import", "runtime")


def to_json(outcome: Outcome, *, command: Sequence[str], policy: str,
            misses: Sequence[Any] = (), unscanned: Sequence[str] = ()) -> dict[str, Any]:
    order = {c.value: i for i, c in enumerate(Capability)}
    uses = sorted(outcome.events.seen, key=lambda s: (
        s.package, s.version, order.get(s.capability, len(order)), s.capability,
        PHASES.index(s.phase) if s.phase in PHASES else 2))
    return {
        "format": FORMAT, "version": VERSION, "permpip": __version__,
        "command": list(command), "policy": policy,
        "mode": "enforce" if outcome.enforce else "report",
        "exit_code": outcome.exit_code, "processes": len(outcome.events.processes),
        "uses": [{"package": s.package, "version": s.version, "capability": s.capability,
                  "phase": s.phase, "granted": s.granted, "count": s.count,
                  "where": s.where, "evidence": list(s.chain), "pid": s.pid,
                  "argv": list(s.argv), "site": s.site} for s in uses],
        "scanner_misses": [m.to_json() for m in misses],
        "not_compared": list(unscanned),
    }


def write(path: Path, data: dict[str, Any]) -> None:
    text = json.dumps(data, indent=2) + "\n"
    directory = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None


@dataclass(frozen=True, kw_only=True, slots=True)
class Use:
    package: NormalizedName
    version: str
    capability: Capability
    phase: str
    count: int
    where: str
    evidence: tuple[str, ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class Record:
    command: tuple[str, ...]
    uses: tuple[Use, ...]
    misses: tuple[dict[str, str], ...]


def load(path: Path, *, display: str) -> Record:
    """A record ``permpip run --record`` wrote; every problem is one line (exit 2)."""
    def bad(why: str) -> UsageError:
        return UsageError(f"{display}: {why}",
                          hint="write it with: permpip run --record FILE -- COMMAND")

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{display}: no such file") from None
    except OSError as exc:
        raise UsageError(f"cannot read {display}: {exc.strerror}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad(f"not a permpip run record (invalid JSON: {exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise bad("not a permpip run record (no \"format\": \"permpip-run-record\")")
    if data.get("version") != VERSION:
        raise UsageError(f"{display}: a run record of version {data.get('version')!r}; "
                         f"this permpip ({__version__}) reads version {VERSION}",
                         hint="record the run again with this permpip")
    uses = []
    raw = data.get("uses")
    if not isinstance(raw, list):
        raise bad("'uses' is not a list")
    for i, u in enumerate(raw):
        try:
            cap = u["capability"]
            if cap not in Capability.__members__.values():
                raise bad(f"uses[{i}].capability: unknown capability {cap!r}")
            if u["phase"] not in PHASES:
                raise bad(f"uses[{i}].phase: {u['phase']!r} is not import or runtime")
            count = u["count"]
            if not isinstance(count, int) or count < 1:
                raise bad(f"uses[{i}].count: {count!r} is not a positive integer")
            uses.append(Use(package=normalize(str(u["package"])), version=str(u["version"]),
                            capability=Capability(cap), phase=u["phase"], count=count,
                            where=str(u["where"]), evidence=tuple(map(str, u["evidence"]))))
        except (KeyError, TypeError) as exc:
            raise bad(f"uses[{i}]: missing or invalid {exc}") from None
    misses = data.get("scanner_misses", [])
    if not isinstance(misses, list) or not all(isinstance(m, dict) for m in misses):
        raise bad("'scanner_misses' is not a list of objects")
    return Record(command=tuple(map(str, data.get("command", []))), uses=tuple(uses),
                  misses=tuple({str(k): str(v) for k, v in m.items()} for m in misses))
