"""report/progress.py: one updating line per stage on a terminal, plain lines otherwise."""

from __future__ import annotations

import io
import re
import threading
import time

from gate.report.progress import Progress, human_bytes


class FakeStream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def screen(text: str) -> list[str]:
    """What a terminal shows: ``\\r`` returns to column 0, ``ESC[2K`` erases the line."""
    lines = [""]
    for token in re.split(r"(\r|\n|\x1b\[2K)", text):
        if token == "\n":
            lines.append("")
        elif token == "\x1b[2K":
            lines[-1] = ""
        elif token != "\r":
            lines[-1] += token
    return lines


def _stages(progress: Progress) -> None:
    progress.update("resolving")
    progress.finish("resolving", "3 packages")
    for n in range(4):
        progress.update("fetching", n, 3, 400_000 * n)
    progress.finish("fetching", "3 files verified")
    for n in range(4):
        progress.update("scanning", n, 3)
    progress.finish("scanning", "3 artifacts")
    progress.close()


def test_terminal_one_line_per_stage() -> None:
    stream = FakeStream(tty=True)
    progress = Progress.for_stream(stream)
    assert progress.tty
    _stages(progress)
    assert screen(stream.getvalue()) == [
        "resolving: 3 packages",
        "fetching: 3 files verified (1.2 MB)",
        "scanning: 3 artifacts",
        "",
    ]
    assert "\r\x1b[2Kfetching 2/3 (800.0 kB)" in stream.getvalue()  # it did update in place


def test_not_a_terminal_plain_lines_only() -> None:
    stream = FakeStream(tty=False)
    progress = Progress.for_stream(stream)
    assert not progress.tty
    _stages(progress)
    assert stream.getvalue() == (
        "resolving: 3 packages\nfetching: 3 files verified (1.2 MB)\nscanning: 3 artifacts\n")
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f]", stream.getvalue())


def test_a_stream_without_isatty_is_not_a_terminal() -> None:
    class Bare:
        def __init__(self) -> None:
            self.parts: list[str] = []

        def write(self, s: str) -> int:
            self.parts.append(s)
            return len(s)

        def flush(self) -> None:
            pass

    bare = Bare()
    progress = Progress.for_stream(bare)  # type: ignore[arg-type]
    progress.update("resolving")
    progress.finish("resolving")
    assert bare.parts == ["resolving: done\n"]


def test_quiet_writes_nothing() -> None:
    for tty in (True, False):
        stream = FakeStream(tty=tty)
        progress = Progress.for_stream(stream, quiet=True)
        _stages(progress)
        assert stream.getvalue() == ""


def test_terminal_stage_left_open_then_a_new_one() -> None:
    stream = FakeStream(tty=True)
    progress = Progress(stream, tty=True)
    progress.update("fetching", 1, 2)
    progress.update("building x.tar.gz")  # a nested stage: the open line is kept
    progress.finish("building x.tar.gz", "x-1.0-py3-none-any.whl")
    progress.update("fetching", 2, 2)
    progress.close()  # an interrupted stage still ends its line
    assert screen(stream.getvalue()) == [
        "fetching 1/2",
        "building x.tar.gz: x-1.0-py3-none-any.whl",
        "fetching 2/2",
        "",
    ]


def test_updates_from_threads_keep_lines_whole() -> None:
    stream = FakeStream(tty=True)
    progress = Progress(stream, tty=True)

    def work(k: int) -> None:
        for n in range(200):
            progress.update("fetching", n, 200, 1000 * (n + k))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    progress.finish("fetching", "800 files verified")
    shown = screen(stream.getvalue())
    assert shown[0].startswith("fetching: 800 files verified (")
    assert shown[1:] == [""]
    writes = stream.getvalue().split("\r\x1b[2K")[1:]
    assert all(re.fullmatch(r"fetching \d+/200( \([\d.]+ (kB|MB)\))?", w) for w in writes[:-1])


def test_counts_reported_out_of_order_never_go_backwards() -> None:
    """Worker threads report running totals in whatever order they get the lock (issue
    #12: 5.8, 10.1, 10.3 MB for a 10.59 MB set): the line shows the largest so far, and the
    stage ends with the exact total the caller gives."""
    stream = FakeStream(tty=True)
    progress = Progress(stream, tty=True)
    for done, nbytes in ((1, 5_800_000), (3, 10_300_000), (2, 10_100_000)):
        progress.update("fetching", done, 3, nbytes)
    progress.update("building x.tar.gz")  # a nested stage keeps the outer one's counts
    progress.finish("building x.tar.gz", "x-1.0-py3-none-any.whl")
    progress.update("fetching", 2, 3, 9_000_000)
    progress.finish("fetching", "3 files verified", nbytes=10_590_000)
    writes = [w.rstrip("\n") for w in stream.getvalue().split("\r\x1b[2K")[1:]]
    assert [w for w in writes if w.startswith("fetching ")] == [
        "fetching 1/3 (5.8 MB)", "fetching 3/3 (10.3 MB)", "fetching 3/3 (10.3 MB)",
        "fetching 3/3 (10.3 MB)"]
    assert screen(stream.getvalue())[-2:] == ["fetching: 3 files verified (10.6 MB)", ""]

    plain = FakeStream(tty=False)
    progress = Progress(plain, tty=False)
    progress.update("fetching", 2, 2, 700)
    progress.update("fetching", 1, 2, 300)
    progress.finish("fetching", "2 files verified")  # no exact total: the largest seen
    progress.update("fetching sdist x.tar.gz", 0, 1, 0)
    progress.finish("fetching sdist x.tar.gz", "1 file verified", nbytes=1234)
    assert plain.getvalue() == ("fetching: 2 files verified (700 B)\n"
                                "fetching sdist x.tar.gz: 1 file verified (1.2 kB)\n")


def test_ticking_shows_a_running_install_on_a_terminal_only() -> None:
    stream = FakeStream(tty=True)
    progress = Progress(stream, tty=True)
    with progress.ticking("installing", every=0.01):
        time.sleep(0.2)
    progress.finish("installing", "2 packages")
    ticks = re.findall(r"\r\x1b\[2Kinstalling \((\d+)s\)", stream.getvalue())
    assert len(ticks) >= 3 and ticks[0] == "0"
    assert screen(stream.getvalue()) == ["installing: 2 packages", ""]

    plain = FakeStream(tty=False)
    progress = Progress(plain, tty=False)
    with progress.ticking("installing", every=0.01):
        time.sleep(0.05)
    progress.finish("installing", "2 packages")
    assert plain.getvalue() == "installing: 2 packages\n"


def test_human_bytes() -> None:
    assert [human_bytes(n) for n in (0, 999, 1000, 1_234_567, 5 * 10**9, 7 * 10**12)] == [
        "0 B", "999 B", "1.0 kB", "1.2 MB", "5.0 GB", "7000.0 GB"]
