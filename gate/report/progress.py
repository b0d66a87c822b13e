"""Per-stage progress: one updating line per stage on a terminal, plain lines otherwise.

On a TTY each stage (resolving, fetching n/N with bytes, scanning n/N) rewrites its own
line with ``\\r`` and ends it with a newline. Not a terminal (CI, docker build): one plain
line per stage when it ends (``fetching: 3 files verified (1.2 MB)``), no control
characters. Quiet: nothing.
"""

from __future__ import annotations

import threading
from typing import TextIO


def human_bytes(n: int) -> str:
    size = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{n} B"  # pragma: no cover


class Progress:
    def __init__(self, stream: TextIO, *, tty: bool, quiet: bool = False) -> None:
        self.stream = stream
        self.tty = tty
        self.quiet = quiet
        self._open: str | None = None
        self._bytes = 0
        self._lock = threading.Lock()

    @classmethod
    def for_stream(cls, stream: TextIO, *, quiet: bool = False) -> Progress:
        isatty = getattr(stream, "isatty", None)
        return cls(stream, tty=bool(isatty and isatty()), quiet=quiet)

    def _line(self, stage: str, done: int | None, total: int | None, nbytes: int | None) -> str:
        text = stage
        if total is not None:
            text += f" {done}/{total}"
        if nbytes:
            text += f" ({human_bytes(nbytes)})"
        return text

    def update(self, stage: str, done: int | None = None, total: int | None = None,
               nbytes: int | None = None) -> None:
        """Stage ``stage`` is at ``done``/``total``; a new stage ends the previous one."""
        if self.quiet:
            return
        with self._lock:
            if nbytes is not None:
                self._bytes = nbytes
            if not self.tty:
                return
            text = self._line(stage, done, total, nbytes)
            if self._open is not None and self._open != stage:
                self.stream.write("\n")
            self.stream.write("\r\x1b[2K" + text)
            self._open = stage
            self.stream.flush()

    def finish(self, stage: str, summary: str = "") -> None:
        """End ``stage``'s line (plain mode: ``stage ... done summary``)."""
        if self.quiet:
            return
        with self._lock:
            text = f"{stage}: {summary or 'done'}"
            if self._bytes:
                text += f" ({human_bytes(self._bytes)})"
                self._bytes = 0
            if self.tty:
                if self._open is not None and self._open != stage:
                    self.stream.write("\n")
                self.stream.write("\r\x1b[2K")
            self.stream.write(text + "\n")
            self._open = None
            self.stream.flush()

    def close(self) -> None:
        if self._open is not None and not self.quiet and self.tty:
            with self._lock:
                self.stream.write("\n")
                self._open = None
