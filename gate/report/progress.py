"""Per-stage progress: one updating line per stage on a terminal, plain lines otherwise.

On a TTY each stage (resolving, fetching n/N with bytes, scanning n/N) rewrites its own
line with ``\\r`` and ends it with a newline. Not a terminal (CI, docker build): one plain
line per stage when it ends (``fetching: 3 files verified (1.2 MB)``), no control
characters. Quiet: nothing.

Counters only go forward within a stage: worker threads (``gate.fetch``) report their
running totals in whatever order they get the lock, so a stage's line shows the largest
count and byte total reported so far; ``finish(nbytes=)`` gives the exact total at the end.
``ticking(stage)`` shows that a stage without counts (pip or uv installing) is alive: on a
terminal its line says how long it has been running, updated every half second.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from gate.light import human_bytes as human_bytes  # (the warm path writes these lines too)
from gate.light import stage_line

TYPE_CHECKING = False  # (not typing's: importing typing costs the warm path ~1-2 ms)
if TYPE_CHECKING:
    from typing import TextIO





class Progress:
    def __init__(self, stream: TextIO, *, tty: bool, quiet: bool = False) -> None:
        self.stream = stream
        self.tty = tty
        self.quiet = quiet
        self._open: str | None = None
        self._counts: dict[str, tuple[int, int]] = {}  # stage -> largest (done, bytes) seen
        self._lock = threading.Lock()
        self.said: dict[str, str] = {}  # stage -> its summary (the warm path's record)
        self.warned = False

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
            seen_done, seen_bytes = self._counts.get(stage, (0, 0))
            if done is not None:
                done = max(seen_done, done)
            if nbytes is not None:
                nbytes = max(seen_bytes, nbytes)
            self._counts[stage] = (done or seen_done, nbytes or seen_bytes)
            if not self.tty:
                return
            text = self._line(stage, done, total, nbytes)
            if self._open is not None and self._open != stage:
                self.stream.write("\n")
            self.stream.write("\r\x1b[2K" + text)
            self._open = stage
            self.stream.flush()

    def finish(self, stage: str, summary: str = "", nbytes: int | None = None) -> None:
        """End ``stage``'s line (plain mode: ``stage ... done summary``); ``nbytes``: the
        stage's exact byte total (else the largest reported)."""
        self.said[stage] = summary
        if self.quiet:
            return
        with self._lock:
            seen = self._counts.pop(stage, (0, 0))[1]
            text = stage_line(stage, summary, seen if nbytes is None else nbytes)
            if self.tty:
                if self._open is not None and self._open != stage:
                    self.stream.write("\n")
                self.stream.write("\r\x1b[2K")
            self.stream.write(text + "\n")
            self._open = None
            self.stream.flush()

    @contextmanager
    def ticking(self, stage: str, every: float = 0.5) -> Iterator[None]:
        """While the block runs, ``stage``'s line says for how long (terminal only)."""
        self.update(stage)
        if self.quiet or not self.tty:
            yield
            return
        stop = threading.Event()
        start = time.monotonic()

        def tick() -> None:
            while not stop.wait(every):
                with self._lock:
                    if self._open != stage:
                        return  # another stage took the line
                    self.stream.write(f"\r\x1b[2K{stage} ({time.monotonic() - start:.0f}s)")
                    self.stream.flush()

        thread = threading.Thread(target=tick, name="permpip-progress", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()

    def warn(self, text: str) -> None:
        """A ``warning: text`` line, shown even when quiet (pip shows warnings with -q)."""
        self.warned = True
        with self._lock:
            if self.tty and self._open is not None:
                self.stream.write("\n")
                self._open = None
            self.stream.write(f"warning: {text}\n")
            self.stream.flush()

    def close(self) -> None:
        if self._open is not None and not self.quiet and self.tty:
            with self._lock:
                self.stream.write("\n")
                self._open = None
