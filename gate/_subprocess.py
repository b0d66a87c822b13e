"""The functions that run other programs (pip, uv, the command of ``permpip run``): the
only ``import subprocess`` in permpip.

Unit tests patch ``run`` to assert argv; everything else runs it for real.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True, slots=True)
class Completed:
    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


def run(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    timeout: float | None = None,
    capture: bool = True,
) -> Completed:
    """Run ``argv`` (a list, never a shell string) and return what it printed."""
    proc = subprocess.run(  # noqa: S603 - argv is a list built by permpip
        list(argv),
        env=dict(env) if env is not None else None,
        cwd=cwd,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        capture_output=capture,
        text=True,
        check=False,
    )
    return Completed(argv=tuple(argv), returncode=proc.returncode,
                     stdout=proc.stdout or "", stderr=proc.stderr or "")


def run_passthrough(argv: Sequence[str], *, env: Mapping[str, str] | None = None) -> int:
    """Run ``argv`` with permpip's stdin, stdout and stderr (``permpip run``); its exit code,
    128 + N when signal N ended it. FileNotFoundError/PermissionError when it cannot start."""
    # Ctrl-C reaches the command (it shares the terminal's process group): permpip ignores it
    # while it waits, but only once the command has started, so the command does not inherit
    # an ignored SIGINT (a Python program under ``permpip run`` could not be interrupted)
    proc = subprocess.Popen(list(argv), env=dict(env) if env is not None else None)  # noqa: S603
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        code = proc.wait()
    finally:
        signal.signal(signal.SIGINT, previous)
    return 128 - code if code < 0 else code
