"""The scanner with its pre-filter switched off: every identifier of a file is a word it
could use and every line is walked, in both passes. What the soundness tests and
bench/differential.py compare the real (filtered) scan against."""

from __future__ import annotations

import re
from collections.abc import Callable

from gate.scan import python as scanner

_WORD = re.compile(r"[^\W\d]\w*")


def every_word(text: str, *_args: object, **_kwargs: object) -> set[str]:
    return set(_WORD.findall(text)) or {"import"}


def every_line(text: str, _words: object, **_kwargs: object) -> list[int]:
    return list(range(1, text.count("\n") + 2))


# gate.scan.python's names -> their unfiltered stand-ins
REPLACEMENTS: dict[str, Callable[..., object]] = {
    "satisfied": every_word, "_lines_of": every_line, "_assigned_lines": every_line,
}


def switch_off(setattr: Callable[[object, str, object], None] = setattr) -> None:
    """Replace them (``setattr``: a pytest ``MonkeyPatch.setattr`` to undo it after)."""
    for name, replacement in REPLACEMENTS.items():
        setattr(scanner, name, replacement)
