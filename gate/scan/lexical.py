"""The one lexical layer of the scanner: source text as Python reads it, before any parse.

The pre-filter (gate.scan.prefilter), the export table (gate.scan.exports) and the scanner
(gate.scan.python) read the same things from a file's text: its decoding, its identifiers,
its import statements and its assignments. They read them here, so a soundness fix to any
of these readings lands once.

Public API:

    decode_source(source) -> str      the text Python compiles (BOM, PEP 263 cookie; CRLF
                                      and CR become LF); SyntaxError as Python raises it
    decode_text(data) -> str | None   the same, NFKC-normalised, continuations joined, for
                                      the lexical readers; None when Python cannot decode it
    normalize(text) -> str            identifiers as the parser sees them (NFKC), form feeds
    word_offsets(text, words)         where whole identifiers occur
    line_numbers(text, offsets)       their 1-based lines
    import_ranges(text), import_spans(text)
                                      the logical lines that hold ``import`` (continuations
                                      and parenthesised name lists joined)
    plain_import(span, module, package)
                                      (bound name, target) of a plain import statement
    module_name(rel), absolute(module, package, target)
                                      import names of files and of relative imports
    assigned_name(text, eq)           the plain name the ``=`` at ``eq`` assigns
    value_starts(text, names)         where one of ``names`` may start an assigned value
    assigned_values(text, name)       the first names of the values assigned to ``name``
    code_annotations(text)            offsets of string annotations that may hold code
    value_offsets(text, names)        where a name may be used as a value (not ``x.``,
                                      not a target, not prose)
    chain_values(text, roots)         ``pd.io.clipboard``-like chains used as values
"""

from __future__ import annotations

import functools
import keyword
import re
import unicodedata
from collections.abc import Iterable

# a character before ``=`` that makes it a comparison, an augmented assignment or a walrus
NOT_ASSIGN = frozenset("=!<>:+-*/%&|^@~")
# what may stand between ``=`` and the start of the value it assigns
_BEFORE_VALUE = frozenset(" \t\f\\(")
_KEYWORDS = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | {"print", "exec"}
_PLAIN_FROM = re.compile(r"[ \t]*from[ \t]+(\.*[^\W\d][\w.]*|\.+)[ \t]+import[ \t]+"
                         r"(?:\(([\w \t\n,]*)\)|([\w \t,]*))[ \t\n]*")
_PLAIN_IMPORT = re.compile(r"[ \t]*import[ \t]+([\w. \t,]+)[ \t\n]*")


_BOM = b"\xef\xbb\xbf"
# PEP 263 as CPython's tokenizer reads it (Parser/tokenizer: get_coding_spec): in a line
# that holds only blanks before ``#``, the first ``coding`` followed by ``:`` or ``=``,
# blanks and a name (ASCII letters, digits, ``-_.``)
_COOKIE = re.compile(rb"[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)", re.ASCII)
_COMMENT_OR_BLANK = re.compile(rb"[ \t\f]*(?:#|\Z)")


def _normal_name(name: str) -> str:
    """Parser/tokenizer get_normal_name: the spellings of UTF-8 and Latin-1."""
    enc = name[:12].lower().replace("_", "-")
    if enc == "utf-8" or enc.startswith("utf-8-"):
        return "utf-8"
    if enc in ("latin-1", "iso-8859-1", "iso-latin-1") or enc.startswith(
            ("latin-1-", "iso-8859-1-", "iso-latin-1-")):
        return "iso-8859-1"
    return name


def source_encoding(data: bytes) -> tuple[str | None, bytes]:
    """(cookie, body) as CPython's import reads a file: ``compile()`` of its bytes
    (Parser/tokenizer decode_str, the same in 3.11-3.13). Newlines are translated first
    (CRLF and CR become LF), a UTF-8 BOM is stripped, then the cookie is looked for on
    line 1, and on line 2 only when line 1 holds nothing but a comment or blanks. Unlike
    ``tokenize.detect_encoding``, line 1 need not be UTF-8 (``#\\xff`` then ``# coding:
    shift_jis`` is read). ``cookie`` is the normalised name, None without one; ``body``
    the bytes to decode (translated, without the BOM). SyntaxError for a BOM with another
    cookie, as CPython raises it."""
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    bom = data.startswith(_BOM)
    if bom:
        data = data[3:]
    cookie = None
    end = data.find(b"\n")
    first = data if end < 0 else data[:end]
    m = _COOKIE.match(first)
    if m is not None:
        cookie = _normal_name(m.group(1).decode("ascii"))
    elif end >= 0 and _COMMENT_OR_BLANK.match(first):
        stop = data.find(b"\n", end + 1)
        m = _COOKIE.match(data, end + 1, len(data) if stop < 0 else stop)
        if m is not None:
            cookie = _normal_name(m.group(1).decode("ascii"))
    if bom and cookie not in (None, "utf-8"):
        raise SyntaxError(f"encoding problem: {cookie} with BOM")
    return cookie, data


def decode_source(source: bytes) -> str:
    """Decode ``source`` as CPython's import does (``source_encoding``); newlines are
    ``\\n``. Without a cookie, or with one that names ``utf-8``, the text is UTF-8; any
    other cookie decodes the whole file with its codec, as CPython does. SyntaxError where
    CPython refuses the file, and where the two readings could differ: bytes that are not
    UTF-8 (CPython's tokenizer skips them unread in a comment and refuses them anywhere
    else), and a codec that yields a carriage return or a NUL (CPython keeps the first
    inside its line, 3.11 ending a comment there, and stops at the second; ``ast.parse``
    of the text does neither). The scanner makes such a file ``unanalyzed``."""
    cookie, data = source_encoding(source)
    try:
        text = data.decode(cookie or "utf-8")
    except UnicodeDecodeError as exc:
        err = SyntaxError(f"(unicode error) {exc}")
        err.lineno = data.count(b"\n", 0, exc.start) + 1
        raise err from None
    except Exception as exc:  # an unknown codec, or one that does not decode bytes to text
        raise SyntaxError(f"encoding problem: {cookie}: {exc}") from None
    if cookie is None or cookie == "utf-8":
        return text
    for char, what in (("\r", "a carriage return"), ("\0", "a NUL")):
        if char in text and (char == "\r" or b"\0" not in data):  # (NUL bytes: refused)
            err = SyntaxError(f"encoding problem: {cookie} decodes {what}, which CPython's "
                              "tokenizer and permpip read differently")
            err.lineno = text.count("\n", 0, text.index(char)) + 1
            raise err
    return text


def decode_fallback(source: bytes) -> str:
    """Text for the lexical reading of a file ``decode_source`` refuses: its cookie's codec
    (or UTF-8) with what does not decode replaced, newlines as ``\\n``."""
    try:
        cookie, data = source_encoding(source)
    except SyntaxError:
        cookie, data = None, source.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    try:
        text = data.decode(cookie or "utf-8", "replace")
    except Exception:  # an unknown codec
        text = data.decode("utf-8", "replace")
    return text.replace("\r", "\n").replace("\0", " ")


def line_numbers(text: str, offsets: list[int]) -> list[int]:
    """Sorted, distinct 1-based line numbers of sorted ``offsets``."""
    lines: list[int] = []
    line, pos = 1, 0
    for off in offsets:
        line += text.count("\n", pos, off)
        pos = off
        if not lines or lines[-1] != line:
            lines.append(line)
    return lines


def normalize(text: str) -> str:
    """Identifiers as the parser sees them (NFKC), and form feeds as spaces (whitespace to
    the tokenizer, so every lexical search may treat them as a space). Same length and
    lines when ASCII; returned unchanged when there is nothing to do."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return text.replace("\f", " ") if "\f" in text else text


def import_spans(text: str) -> list[str]:
    """Every logical line holding the word ``import`` (continuations and parenthesised
    name lists joined)."""
    return [text[a:b] for a, b in import_ranges(text)]


def import_ranges(text: str) -> list[tuple[int, int]]:
    """Where each of ``import_spans`` starts and ends, in order."""
    spans: list[tuple[int, int]] = []
    end = -1
    for i in word_offsets(text, ("import",)):
        if i < end:
            continue
        start = text.rfind("\n", 0, i) + 1
        while start >= 2 and text[start - 2] == "\\":  # a continued line before it
            start = text.rfind("\n", 0, start - 2) + 1
        end = text.find("\n", i)
        while end > 0 and text[end - 1] == "\\":  # continued after it
            end = text.find("\n", end + 1)
        if end < 0:
            end = len(text)
        tail = text[i:end].split("#", 1)[0]
        if tail.rfind("(") > tail.rfind(")"):  # ``from m import (`` a list over lines
            end = closing_line(text, end)  # (the last of several on the line, too)
        spans.append((start, end))
    return spans


def closing_line(text: str, pos: int) -> int:
    """End of the line, from ``pos`` on, where a parenthesised import list that opened
    before ``pos`` closes: its code (before any ``#``; an import statement holds no
    strings) holds ``)`` and opens no other list after it. The end of ``text`` if none."""
    n = len(text)
    while pos < n:
        end = text.find("\n", pos + 1)
        if end < 0:
            end = n
        code = text[pos:end].split("#", 1)[0]
        if ")" in code and code.rfind("(") < code.rfind(")"):
            return end
        pos = end
    return n


# The offsets of each word in the last text searched: the pre-filter and the scanner read
# one file after the other and look for many of the same words (``import``, the module
# names, the targets). Replaced as a whole, so a reader always sees one text's table.
_LAST: tuple[str, dict[str, list[int]]] = ("", {})


def word_offsets(text: str, words: Iterable[str]) -> list[int]:
    """Sorted offsets where any of ``words`` occurs as a whole identifier."""
    global _LAST
    last = _LAST
    if last[0] is not text:
        last = _LAST = (text, {})
    memo = last[1]
    out: list[int] = []
    for word in words:
        found = memo.get(word)
        if found is None:
            found = memo[word] = _word_offsets(text, word)
        out += found
    out.sort()
    return out


def _word_offsets(text: str, word: str) -> list[int]:
    size = len(word)
    if not size:
        return [m.start() for m in _word_end(word).finditer(text)
                if not m.start() or not (text[m.start() - 1].isalnum()
                                         or text[m.start() - 1] == "_")]
    # a literal search (no pattern to compile per word: a fresh process meets hundreds),
    # visiting the occurrences ``word(?!\w)`` would match, in the same order
    out: list[int] = []
    find = text.find
    n = len(text)
    i = find(word)
    while i >= 0:
        end = i + size
        if end < n and (text[end].isalnum() or text[end] == "_"):
            i = find(word, i + 1)  # a longer word: no match here
            continue
        if not i or not (text[i - 1].isalnum() or text[i - 1] == "_"):
            out.append(i)
        i = find(word, end)
    return out


@functools.lru_cache(maxsize=4096)
def _word_end(word: str) -> re.Pattern[str]:
    return re.compile(re.escape(word) + r"(?!\w)")


def value_offsets(text: str, names: Iterable[str]) -> list[tuple[int, str]]:
    """(offset, name) where one of ``names`` may be used as a value: not before a dot or
    ``=``, not an attribute or after a quote, and not next to another word as only prose
    has it (``a copy of``; code puts a keyword there: ``return os``, ``os if c else x``)."""
    out: list[tuple[int, str]] = []
    n = len(text)
    for name in names:
        for start in word_offsets(text, (name,)):
            j = start - 1
            while j >= 0 and text[j] in " \t":
                j -= 1
            if j >= 0:
                c = text[j]
                if c == "." or ((c == "'" or c == '"') and j == start - 1):
                    continue  # an attribute, or inside a string
                if (c.isalnum() or c == "_") and j < start - 1:
                    k = j
                    while k >= 0 and (text[k].isalnum() or text[k] == "_"):
                        k -= 1
                    if text[k + 1:j + 1] not in _KEYWORDS:
                        continue  # ``a copy``
            k = start + len(name)
            while k < n and text[k] in " \t":
                k += 1
            if k < n:
                c = text[k]
                if c == "." or (c == "=" and text[k + 1:k + 2] != "="):
                    continue  # an attribute read, a target, a keyword argument's name
                if (c.isalpha() or c == "_") and k > start + len(name):
                    e = k
                    while e < n and (text[e].isalnum() or text[e] == "_"):
                        e += 1
                    if text[k:e] not in _KEYWORDS:
                        continue  # ``json strings``
            out.append((start, name))
    out.sort()
    return out


def plain_import(span: str, module: str | None,
                  package: bool) -> list[tuple[str, str]] | None:
    """(bound name, what it is bound to) for each name a plain import statement binds;
    None for anything else."""
    if "\\" in span or ";" in span or len(span) > 20_000:  # (an unclosed list: to the end)
        return None
    code = "\n".join(line.split("#", 1)[0] for line in span.split("\n"))
    out: list[tuple[str, str]] = []
    if m := _PLAIN_FROM.fullmatch(code):
        source = m.group(1)
        if source.startswith("."):
            if module is None:
                return None
            base = absolute(module, package, source)
            if base is None:
                return None
        else:
            base = source
        items = (m.group(2) if m.group(2) is not None else m.group(3)).split(",")
        if items and not items[-1].strip() and m.group(2) is not None:
            items.pop()  # ``(a, b,)``
        for item in items:
            words = item.split()
            if len(words) == 1 and words[0].isidentifier():
                out.append((words[0], f"{base}.{words[0]}"))
            elif len(words) == 3 and words[1] == "as" and words[0].isidentifier() \
                    and words[2].isidentifier():
                out.append((words[2], f"{base}.{words[0]}"))
            else:
                return None
        return out
    if m := _PLAIN_IMPORT.fullmatch(code):
        for item in m.group(1).split(","):
            words = item.split()
            dotted = words[0] if words else ""
            if not dotted or not all(p.isidentifier() for p in dotted.split(".")):
                return None
            if len(words) == 1:
                out.append((dotted.split(".", 1)[0], dotted.split(".", 1)[0]))
            elif len(words) == 3 and words[1] == "as" and words[2].isidentifier():
                out.append((words[2], dotted))
            else:
                return None
        return out
    return None


def module_name(rel: str) -> tuple[str, bool] | None:
    """Import name of a site-packages-relative ``.py`` path, and whether it is a package."""
    if not rel.endswith(".py"):
        return None
    parts = rel[:-3].split("/")
    package = parts[-1] == "__init__"
    if package:
        parts.pop()
    if not parts or not all(p.isidentifier() for p in parts):
        return None
    return ".".join(parts), package


def absolute(module: str, package: bool, target: str) -> str | None:
    """``from .x import y`` in ``module``: the absolute name of ``.x`` (None: above the top)."""
    level = len(target) - len(target.lstrip("."))
    if not level:
        return target
    base = module.split(".") if package else module.split(".")[:-1]
    keep = len(base) - (level - 1)
    if keep < 1:
        return None  # beyond the top-level package: an ImportError
    rest = target[level:]
    return ".".join([*base[:keep], rest] if rest else base[:keep])


def assigned_name(text: str, eq: int) -> str | None:
    """The plain name assigned by the ``=`` at ``eq`` (``x = ...``, ``a; x = ...``)."""
    start = text.rfind("\n", 0, eq) + 1
    lhs = text[start:eq].rsplit(";", 1)[-1].strip()
    return lhs if lhs.isidentifier() else None


def decode_text(data: bytes | str) -> str | None:
    decoded = data if isinstance(data, str) else _decode_quick(data)  # str: decoded, ASCII
    if decoded is None:
        return None
    text = decoded.replace("\f", " ") if "\f" in decoded else decoded
    if "\\\n" in text or "\\\r" in text:
        text = re.sub(r"\\\r?\n", " ", text)
    return text


def _decode_quick(data: bytes) -> str | None:
    end = data.find(b"\n")
    end = data.find(b"\n", end + 1) if end >= 0 else -1
    if data.isascii() and b"coding" not in (data if end < 0 else data[:end]):
        text = data.decode("ascii")  # (a cookie is read on lines 1 and 2 only)
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        return text
    try:
        text = decode_source(data)
    except SyntaxError:  # undecodable: it cannot be imported, so it binds nothing
        return None
    return unicodedata.normalize("NFKC", text) if not text.isascii() else text


def value_starts(text: str, names: Iterable[str]) -> list[tuple[int, int]]:
    """(offset, offset of its ``=`` or -1) of each occurrence of ``names`` that may start
    the value of an assignment: after ``=`` (``x = name``, ``x = (name``; keyword
    arguments ``f(x=name)`` too, harmlessly), or first on its line (``x = (  # ...`` then
    ``name)`` below: -1)."""
    out: list[tuple[int, int]] = []
    for off in word_offsets(text, names):
        j = off - 1
        while j >= 0 and text[j] in _BEFORE_VALUE:
            j -= 1
        if j < 0 or text[j] == "\n":
            out.append((off, -1))
        elif text[j] == "=" and (j == 0 or text[j - 1] not in NOT_ASSIGN):
            out.append((off, j))
    return out


def assigned_values(text: str, name: str) -> list[str]:
    """The first names of the values assigned to ``name`` (``name = value``, ``(name) =
    value``, over a line continuation or a comment); a value that starts with no name (a
    literal, a display, a string) is not listed."""
    out: list[str] = []
    for m in _assignment(name).finditer(text):  # the name first: a fast literal search
        before = text[m.start() - 1] if m.start() else " "
        if not (before.isalnum() or before == "_" or before == "."):
            out.append(m.group(1))
    return out


@functools.lru_cache(maxsize=1024)
def _assignment(name: str) -> re.Pattern[str]:
    return re.compile(rf"{re.escape(name)}(?:[ \t)]|\\\n)*=(?!=)"
                      rf"(?:[ \t\\\n(]|#[^\n]*\n)*([^\W\d]\w*)")  # (a comment ends a line)


# ``x: "f(y)"``, ``-> "g()"``: a string annotation with a call in it (or anything after a
# colon that looks like one: a dict value, a lambda; the scanner tells them apart)
_CODE_ANNOTATION = re.compile(r"""(?::|->)[ \t]*[rRbBuU]?(?:'[^'\n]*\(|"[^"\n]*\()""")


def code_annotations(text: str) -> list[int]:
    """Offsets where a string annotation may hold code (``typing.get_type_hints`` runs it)."""
    return [m.start() for m in _CODE_ANNOTATION.finditer(text)]


_CHAIN_REST = re.compile(r"(?:[ \t]*\.[ \t]*[^\W\d]\w*)+")


def chain_values(text: str, roots: Iterable[str]) -> list[tuple[int, str]]:
    """(offset, ``root.a.b`` without spaces) of each attribute chain from one of ``roots``
    that is used as a value: not called, subscripted, assigned to or read further (what
    follows it is none of ``( [ . =``); the caller decides which chains are modules."""
    out: list[tuple[int, str]] = []
    n = len(text)
    for root in roots:
        for start in word_offsets(text, (root,)):
            if start and text[start - 1] == ".":
                continue
            m = _CHAIN_REST.match(text, start + len(root))
            if m is None:
                continue
            k = m.end()
            while k < n and text[k] in " \t":
                k += 1
            if k < n and (text[k] in "([." or (text[k] == "=" and text[k + 1:k + 2] != "=")):
                continue
            out.append((start, root + re.sub(r"[ \t]", "", m.group())))
    out.sort()
    return out
