"""Line numbers for the keys, table headers and array items of a TOML document.

tomllib gives values without positions; :class:`Positions` walks the text once more and
records the line of every key path, so validation messages can say ``file:line: key``.
It is only ever run on text tomllib has already accepted.

    Positions(text).line_of(("tool", "permissions", "packages", "requests", 0)) -> int
    Positions(text).inline -> key paths whose value is an inline table
"""

from __future__ import annotations

import bisect
import re
import tomllib
from collections.abc import Sequence

KeyPath = tuple[str | int, ...]  # ("tool", "permissions", "default", 1)



class _Stop(Exception):
    """The position finder met something it does not understand: keep what it has."""


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_SCALAR = re.compile(r"[^,\]}\n#]*")


class Positions:
    """The line of every key, table header and array item of a valid TOML document.

    tomllib has already accepted the text, so this only needs to tell strings, comments,
    arrays and inline tables apart; anything unexpected stops it and keeps what it found.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.newlines = [m.start() for m in re.finditer("\n", text)]
        self.lines: dict[KeyPath, int] = {}
        self.inline: set[KeyPath] = set()
        self.aot: dict[KeyPath, int] = {}  # array-of-tables path -> its last index
        try:
            self._document()
        except (_Stop, IndexError, RecursionError):
            pass

    def line_of(self, path: KeyPath) -> int:
        """The line of ``path``, else of its nearest recorded parent, else 1."""
        for end in range(len(path), 0, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return 1

    def _line(self, index: int) -> int:
        return bisect.bisect_left(self.newlines, index) + 1

    def _record(self, path: KeyPath, index: int) -> None:
        self.lines.setdefault(path, self._line(index))

    def _document(self) -> None:
        text = self.text
        table: KeyPath = ()
        while True:
            self._skip(newlines=True)
            if self.i >= len(text):
                return
            start = self.i
            if text.startswith("[[", start):
                self.i += 2
                keys = self._key()
                self._expect("]]")
                parent = self._resolve(keys[:-1])
                full = (*parent, keys[-1])
                self.aot[full] = self.aot.get(full, -1) + 1
                self._record(full, start)
                table = (*full, self.aot[full])
                self._record(table, start)
            elif text[start] == "[":
                self.i += 1
                keys = self._key()
                self._expect("]")
                table = self._resolve(keys)
                for end in range(1, len(table) + 1):
                    self._record(table[:end], start)
            else:
                self._keyval(table)

    def _resolve(self, keys: Sequence[str]) -> KeyPath:
        path: KeyPath = ()
        for key in keys:
            path = (*path, key)
            if path in self.aot:
                path = (*path, self.aot[path])
        return path

    def _keyval(self, table: KeyPath) -> None:
        start = self.i
        keys = self._key()
        for end in range(1, len(keys) + 1):
            self._record((*table, *keys[:end]), start)
        self._skip()
        self._expect("=")
        self._skip()
        self._value((*table, *keys))

    def _key(self) -> list[str]:
        text = self.text
        keys: list[str] = []
        while True:
            self._skip()
            start = self.i
            if text[start] == '"':
                end = self._basic_string_end(start + 1)
                keys.append(tomllib.loads(f"k = {text[start:end]}")["k"])
                self.i = end
            elif text[start] == "'":
                end = text.index("'", start + 1)
                keys.append(text[start + 1 : end])
                self.i = end + 1
            else:
                match = _BARE_KEY.match(text, start)
                if not match:
                    raise _Stop
                keys.append(match.group())
                self.i = match.end()
            self._skip()
            if self.i < len(text) and text[self.i] == ".":
                self.i += 1
                continue
            return keys

    def _value(self, path: KeyPath) -> None:
        text = self.text
        start = self.i
        if text.startswith('"""', start):
            self.i = self._multiline_end(start + 3, '"')
        elif text.startswith("'''", start):
            self.i = self._multiline_end(start + 3, "'")
        elif text[start] == '"':
            self.i = self._basic_string_end(start + 1)
        elif text[start] == "'":
            self.i = text.index("'", start + 1) + 1
        elif text[start] == "[":
            self.i += 1
            self._items(path, "]")
        elif text[start] == "{":
            self.inline.add(path)
            self.i += 1
            self._items(path, "}")
        else:
            match = _SCALAR.match(text, start)
            if not match or match.end() == start:
                raise _Stop
            self.i = match.end()

    def _items(self, path: KeyPath, close: str) -> None:
        index = 0
        while True:
            self._skip(newlines=True)
            if self.text[self.i] == close:
                self.i += 1
                return
            before = self.i
            if close == "]":
                self._record((*path, index), before)
                self._value((*path, index))
            else:
                self._keyval(path)
            self._skip(newlines=True)
            if self.text[self.i] == ",":
                self.i += 1
            elif self.text[self.i] != close:
                raise _Stop
            index += 1

    def _basic_string_end(self, i: int) -> int:
        text = self.text
        while text[i] != '"':
            if text[i] == "\n":
                raise _Stop
            i += 2 if text[i] == "\\" else 1
        return i + 1

    def _multiline_end(self, i: int, quote: str) -> int:
        text = self.text
        triple = quote * 3
        while not text.startswith(triple, i):
            if i >= len(text):
                raise _Stop
            i += 2 if quote == '"' and text[i] == "\\" else 1
        end = i + 3
        while end < len(text) and text[end] == quote and end - i < 5:
            end += 1  # up to two quotes of content may precede the closing delimiter
        return end

    def _skip(self, *, newlines: bool = False) -> None:
        text = self.text
        while self.i < len(text):
            c = text[self.i]
            if c in " \t" or (newlines and c in "\r\n"):
                self.i += 1
            elif c == "#":
                end = text.find("\n", self.i)
                self.i = len(text) if end < 0 else end
            else:
                return

    def _expect(self, token: str) -> None:
        self._skip()
        if not self.text.startswith(token, self.i):
            raise _Stop
        self.i += len(token)
