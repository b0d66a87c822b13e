"""The parent side of ``permpip run``: a run directory, the command, what the guard saw.

    compile_policy(policy) -> dict                the minimal form the guard reads
    prepare(policy, *, enforce, record) -> RunDir  sitecustomize.py policy.bin events.jsonl written
    guarded_env(env, run_dir) -> dict             PYTHONPATH with the run directory first
    read_events(run_dir) -> Events                what every guarded process appended
    run_guarded(argv, policy, ...) -> Outcome     all of it, the run directory removed after

Nothing on disk outside the run directory (a fresh temporary directory) changes.
"""

from __future__ import annotations

import json
import marshal
import os
import py_compile
import shutil
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from gate.errors import GateError
from gate.policy import Policy

GUARD_SOURCE = Path(__file__).with_name("guard.py")
POLICY_FILE = "policy.bin"
EVENTS_FILE = "events.jsonl"
LOST_DIR = "lost"
WRITTEN_FILE = "written"  # files distributions wrote during the run (the guard's, shared)
GUARD_CAPABILITY = "guard"  # not a grant: what would switch the guard off


class SetupError(GateError):
    """The run directory or the guard's files could not be made (exit 3: the environment,
    not the command, failed)."""


class CommandError(GateError):
    """COMMAND could not start: not found, not executable, not a program (exit 127)."""

    exit_code = 127


@dataclass(frozen=True, slots=True)
class RunDir:
    path: Path


@dataclass(frozen=True, kw_only=True, slots=True)
class Violation:
    package: str
    version: str
    capability: str
    phase: str
    event: str
    detail: str
    where: str
    chain: tuple[str, ...]
    pid: int
    argv: tuple[str, ...]
    denied: bool
    site: str = ""  # the sys.path directory ``where`` is relative to ('' : where is whole)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.package, self.capability, self.phase)

    def to_json(self) -> dict[str, Any]:
        return {"package": self.package, "version": self.version,
                "capability": self.capability, "phase": self.phase, "event": self.event,
                "detail": self.detail, "where": self.where, "chain": list(self.chain),
                "evidence": " -> ".join(self.chain), "pid": self.pid,
                "argv": list(self.argv), "denied": self.denied}


@dataclass(frozen=True, kw_only=True, slots=True)
class Seen:
    """A capability a package used (granted or not), merged over every process: what
    ``--record`` writes. The first use seen (its chain, process) and how many there were."""

    package: str
    version: str
    capability: str
    phase: str
    where: str
    detail: str
    chain: tuple[str, ...]
    site: str  # the sys.path directory holding the distribution ('' if unknown)
    granted: bool
    pid: int
    argv: tuple[str, ...]
    count: int = 1

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.package, self.version, self.capability, self.phase)


@dataclass(kw_only=True, slots=True)
class Events:
    processes: list[tuple[int, tuple[str, ...]]] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)  # first of each key, in order
    seen: list[Seen] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True, slots=True)
class Outcome:
    returncode: int  # the command's
    events: Events
    enforce: bool

    @property
    def exit_code(self) -> int:
        """1 when the policy was broken (or the guard failed), else the command's own."""
        if self.events.violations or self.events.errors:
            return 1
        return self.returncode


def compile_policy(policy: Policy, *, enforce: bool = False, record: bool = False) -> dict:
    """Plain tuples and strings only (marshal): the guard imports nothing to read it."""
    packages: dict[str, tuple[Any, ...]] = {}
    for name, grant in policy.packages.items():
        packages[str(name)] = (grant.versions, tuple(str(c) for c in grant.allow),
                               tuple(str(c) for c in grant.at_import), grant.hosts)
    # the policy's own file: a package changing it (granting itself) is ``guard``
    protect = [str(policy.path)] if policy.path.is_file() else []
    return {"version": 1, "enforce": enforce, "record": record, "protect": protect,
            "default": (tuple(sorted(str(c) for c in policy.default)),
                        tuple(sorted(str(c) for c in policy.default_at_import))),
            "packages": packages}


def prepare(policy: Policy, *, enforce: bool, record: bool = False) -> RunDir:
    """The run directory; SetupError when it or a file in it cannot be made."""
    try:
        path = Path(tempfile.mkdtemp(prefix="permpip-run-"))
    except OSError as exc:
        raise SetupError(f"cannot set up the guard: {_os_error(exc)}") from None
    try:
        site = path / "sitecustomize.py"
        shutil.copyfile(GUARD_SOURCE, site)
        # compiled once here, so the processes of this interpreter version do not compile it
        py_compile.compile(str(site), doraise=True,
                           invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH)
        (path / POLICY_FILE).write_bytes(marshal.dumps(
            compile_policy(policy, enforce=enforce, record=record)))
        (path / EVENTS_FILE).touch(mode=0o600)
        # made here, before any guard starts: every guard protects it by device and inode
        (path / WRITTEN_FILE).touch(mode=0o600)
        (path / LOST_DIR).mkdir(mode=0o700)  # records the guard could not write (aside)
        for p in (site, path / POLICY_FILE, *path.glob("__pycache__/*")):
            p.chmod(stat.S_IRUSR)
        (path / "__pycache__").chmod(stat.S_IRUSR | stat.S_IXUSR)
        path.chmod(stat.S_IRUSR | stat.S_IXUSR)
    except BaseException as exc:
        cleanup(RunDir(path))
        if isinstance(exc, OSError | py_compile.PyCompileError):
            raise SetupError(f"cannot set up the guard: {_os_error(exc)}") from None
        raise
    return RunDir(path)


def _os_error(exc: BaseException) -> str:
    """``FILE: reason`` of an OSError, one line."""
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.filename}: {exc.strerror}" if exc.filename else exc.strerror
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def cleanup(run_dir: RunDir) -> None:
    def writable(func: Any, p: str, _exc: Any) -> None:
        os.chmod(os.path.dirname(p), stat.S_IRWXU)
        os.chmod(p, stat.S_IRWXU)
        func(p)

    if run_dir.path.exists():
        run_dir.path.chmod(stat.S_IRWXU)
        for d in run_dir.path.glob("*/"):
            d.chmod(stat.S_IRWXU)
        shutil.rmtree(run_dir.path, onexc=writable) if sys.version_info >= (3, 12) else \
            shutil.rmtree(run_dir.path, onerror=writable)


def guarded_env(env: Mapping[str, str], run_dir: RunDir) -> dict[str, str]:
    out = dict(env)
    old = out.get("PYTHONPATH", "")
    out["PYTHONPATH"] = str(run_dir.path) + (os.pathsep + old if old else "")
    return out


def read_events(run_dir: RunDir) -> Events:
    events = Events()
    keys: set[tuple[str, str, str]] = set()
    seen: dict[tuple[str, str, str, str], Seen] = {}
    counts: dict[tuple[str, str, str, str], int] = {}  # summed over processes
    try:
        raw = (run_dir.path / EVENTS_FILE).read_bytes()
    except OSError as exc:
        events.errors.append(f"cannot read what the guard recorded: {exc.strerror}")
        return events

    def record(rec: Any) -> None:
        kind = rec["kind"]
        if kind == "start":
            events.processes.append((int(rec["pid"]), tuple(map(str, rec["argv"]))))
        elif kind == "violation":
            v = Violation(package=str(rec["package"]), version=str(rec["version"]),
                          capability=str(rec["capability"]), phase=str(rec["phase"]),
                          event=str(rec["event"]), detail=str(rec.get("detail", "")),
                          where=str(rec.get("where", "?")),
                          chain=tuple(map(str, rec.get("chain", ()))),
                          pid=int(rec["pid"]), argv=tuple(map(str, rec.get("argv", ()))),
                          denied=bool(rec.get("denied", False)), site=str(rec.get("site", "")))
            if v.key not in keys:
                keys.add(v.key)
                events.violations.append(v)
        elif kind == "seen":
            s = Seen(package=str(rec["package"]), version=str(rec["version"]),
                     capability=str(rec["capability"]), phase=str(rec["phase"]),
                     where=str(rec.get("where", "?")), detail=str(rec.get("detail", "")),
                     chain=tuple(map(str, rec.get("chain", ()))), site=str(rec.get("site", "")),
                     granted=bool(rec.get("granted", False)), pid=int(rec["pid"]),
                     argv=tuple(map(str, rec.get("argv", ()))))
            seen.setdefault(s.key, s)
            counts[s.key] = counts.get(s.key, 0) + 1  # the first use in a process
        elif kind == "counts":
            more = [(tuple(map(str, c[:4])), int(c[4])) for c in rec["counts"]]
            for key, n in more:
                if len(key) != 4 or n < 2:
                    raise ValueError(key)
                counts[key] = counts.get(key, 0) + n - 1  # (its first came as "seen")
        elif kind == "error":
            events.errors.append(f"the guard failed in pid {rec['pid']} on "
                                 f"{rec['event']}: {rec['error']}")
        else:
            raise KeyError(kind)

    # each record starts on a line of its own: an empty line is no record
    for n, line in enumerate(raw.splitlines(), 1):
        if not line:
            continue
        try:
            record(json.loads(line))
        except (ValueError, KeyError, TypeError, IndexError):
            events.errors.append(f"{EVENTS_FILE}:{n}: a record the guard did not write")
    _read_lost(run_dir, record, events)
    events.seen = [replace(s, count=counts[k]) for k, s in seen.items()]
    return events


def _read_lost(run_dir: RunDir, record: Callable[[Any], None], events: Events) -> None:
    """The records a guard could not write to events.jsonl and kept aside (symbolic links in
    ``lost``, target ``why\\nrecord``): read back, and the run fails naming each."""
    try:
        names = sorted(os.listdir(run_dir.path / LOST_DIR))
    except OSError:
        return
    for name in names:
        pid = name.partition(".")[0]
        try:
            why, _, line = os.readlink(run_dir.path / LOST_DIR / name).partition("\n")
            rec = json.loads(line)
            what = " ".join(str(rec.get(k)) for k in ("kind", "package", "capability",
                                                       "phase") if rec.get(k) is not None)
            record(rec)
        except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
            events.errors.append(f"pid {pid}: the guard could not write a record, and what "
                                 f"it kept aside cannot be read ({LOST_DIR}/{name})")
            continue
        events.errors.append(f"pid {pid}: the guard could not write a record to "
                             f"{EVENTS_FILE} ({why}): {what}")


def run_guarded(argv: Sequence[str], policy: Policy, *, enforce: bool, record: bool = False,
                env: Mapping[str, str] | None = None) -> Outcome:
    """Run ``argv`` with the guard in every Python process it starts; wait for it."""
    from gate._subprocess import run_passthrough

    run_dir = prepare(policy, enforce=enforce, record=record)
    try:
        full = guarded_env(os.environ if env is None else env, run_dir)
        try:  # (the command gets Ctrl-C; permpip ignores it while it waits)
            code = run_passthrough(argv, env=full)
        except FileNotFoundError:
            raise CommandError(f"command not found: {argv[0]}") from None
        except OSError as exc:  # not executable, not a program (ENOEXEC), ...
            raise CommandError(f"command cannot be run: {argv[0]} "
                               f"({exc.strerror or type(exc).__name__})") from None
        running = still_running(run_dir)
        events = read_events(run_dir)
        for pid, what in running:
            events.errors.append(f"pid {pid} ({what}) was still running when the command "
                                 "ended: what it does from now on is not seen, and the "
                                 "programs it starts have no guard")
        return Outcome(returncode=code, events=events, enforce=enforce)
    finally:
        cleanup(run_dir)


def still_running(run_dir: RunDir, *, grace: float = 1.0) -> list[tuple[int, str]]:
    """The processes of the run still alive once its command has ended (a daemon it
    detached, a forked child left behind): those whose environment (as they were started,
    ``/proc/PID/environ``) has the run directory first on PYTHONPATH, after ``grace``
    seconds for the ones that are ending. (pid, command line), sorted; [] where ``/proc``
    cannot be read."""
    needle = b"\0PYTHONPATH=" + os.fsencode(run_dir.path)
    deadline = time.monotonic() + grace
    while True:
        found = []
        try:
            pids = [int(n) for n in os.listdir("/proc") if n.isdigit()]
        except OSError:
            return []
        for pid in pids:
            if pid == os.getpid():
                continue
            try:
                with open(f"/proc/{pid}/environ", "rb") as f:
                    env = b"\0" + f.read()
            except OSError:
                continue  # gone, or not ours
            i = env.find(needle)
            if i < 0 or env[i + len(needle):i + len(needle) + 1] not in (b"\0", b":", b""):
                continue
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    cmd = f.read().replace(b"\0", b" ").strip()
            except OSError:
                continue
            found.append((pid, os.fsdecode(cmd)[:120] or "?"))
        if not found or time.monotonic() >= deadline:
            return sorted(found)
        time.sleep(0.1)
