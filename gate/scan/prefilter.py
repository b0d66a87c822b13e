"""A sound lexical pre-filter: rule out Python files that cannot use any capability.

Public API:

    might_act(text: str) -> bool
        False only when ``text`` (decoded source) holds none of the words that every use of
        a catalogued name, and every trick that reaches one by a computed name, must spell.
    satisfied(text: str, own: frozenset[str] = frozenset()) -> set[str]
        The target words (leaves) of every requirement the normalised text meets; the
        scanner walks only the statements holding one of them (plus imports and aliases).
        Catalogued names under the module names ``own`` (the scanned distribution's own
        packages, see gate.scan.python) are left out.

Why words suffice: Python binds a name only by spelling it, so a reference to ``a.b.c``
spells each of ``a``, ``b`` and ``c`` somewhere in the file (in an import statement, a star
import's uses, or the attribute chain); the file must hold all three. Reaching a name
without spelling it needs ``getattr``, ``globals``, ``vars``, ``__import__``, ``importlib``,
``__builtins__``, ``__dict__``, ... which are words too (gate.catalog.TRICKS).
And module ``a`` itself is bound in the file by an import statement, which spells ``a`` on
the logical line of its ``import`` keyword (``import a.b``, ``from a import b``,
``import x, a as y``; backslash continuations joined), or by one of those tricks. So,
unless the file holds such a trick, the head word must also be on such a line: ``os`` and
``remove`` in a docstring ("the OS will remove it") do not let a file through.
Identifiers are NFKC-normalised by the parser, so non-ASCII text is normalised before the search.

"Bare" words (builtins such as ``eval``) count only where they are not an attribute:
``re.compile`` and ``self.exec`` do not let a file through.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gate.catalog import HEAD_ALTERNATIVES, Requirement, canonical, catalog, owned, requirements

if TYPE_CHECKING:
    from gate.scan.exports import Exported

_NONE: frozenset[str] = frozenset()

# Every byte that is not an ASCII identifier character becomes a space, so ``split()``
# yields the identifiers (plus numbers). Bytes >= 0x80 are kept: in valid Python a
# non-ASCII character next to a word makes it part of a longer identifier.
_IDENT_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_TO_SPACE = bytes(c if c in _IDENT_BYTES or c >= 0x80 else 0x20 for c in range(256))


@dataclass(frozen=True, kw_only=True, slots=True)
class _Filter:
    words: frozenset[bytes]  # every word some requirement names
    bare_words: frozenset[bytes]
    # word -> (requirement, its anywhere words, its bare words), each requirement filed
    # under one of its words only (the one fewest requirements share): a requirement is met
    # only when all its words are found, so looking it up by any one of them is enough
    by_word: dict[bytes, list[tuple[Requirement, frozenset[bytes], frozenset[bytes]]]]


@functools.lru_cache(maxsize=32)
def _filter(own: frozenset[str] = frozenset(),
            renamed: frozenset[tuple[str, str]] = frozenset(),
            starred: frozenset[tuple[str, str]] = frozenset()) -> _Filter:
    reqs = requirements(own)
    if renamed or starred:
        reqs = reqs + _renamed_requirements(renamed, own) + _renamed_requirements(
            starred, own, star=True)
    anywhere = set().union(*(r.anywhere for r in reqs))
    bare = set().union(*(r.bare for r in reqs))
    shared: dict[str, int] = {}
    for r in reqs:
        for w in r.anywhere | r.bare:
            shared[w] = shared.get(w, 0) + 1
    by_word: dict[bytes, list[tuple[Requirement, frozenset[bytes], frozenset[bytes]]]] = {}
    for r in reqs:
        key = min(r.anywhere | r.bare, key=lambda w: (shared[w], w))
        by_word.setdefault(key.encode(), []).append(
            (r, frozenset(w.encode() for w in r.anywhere), frozenset(w.encode() for w in r.bare)))
    return _Filter(
        words=frozenset(w.encode() for w in anywhere | bare),
        bare_words=frozenset(w.encode() for w in bare),
        by_word=by_word,
    )


def normalize(text: str) -> str:
    """Identifiers as the parser sees them (NFKC); ASCII text is returned unchanged."""
    return text if text.isascii() else unicodedata.normalize("NFKC", text)


def _renamed_requirements(renamed: frozenset[tuple[str, str]], own: frozenset[str], *,
                          star: bool = False) -> list[Requirement]:
    """``N`` stands for ``T`` (a module of the distribution binds ``N`` to ``T``): every
    catalogued name under ``T`` spelled through ``N`` (``sp.run`` for ``subprocess.run``).
    ``star``: ``N`` is the name of an own module that star-imports ``T``; its names are
    spelled bare (``Popen``) and ``N`` must be on an import line (``from .compat import *``).
    """
    cat = catalog()
    names = [n for n, c in cat.exact.items() if c is not None] + list(cat.wildcard)
    out: list[Requirement] = []
    for alias, real in sorted(renamed):
        real = canonical(real)
        for name in names:
            if owned(name, own):
                continue
            if name == real:
                if star and name not in cat.wildcard:
                    continue
                rest: list[str] = []  # star of a ``mod.*`` module: any name may be one
            elif name.startswith(real + "."):
                rest = name[len(real) + 1:].split(".")
            elif real.startswith(name + ".") and name in cat.wildcard:
                rest = []  # ``N`` is a name inside a ``mod.*`` module
            else:
                continue
            if star and not rest and name not in cat.wildcard:
                continue
            spelled = [alias, *rest]
            out.append(Requirement(anywhere=frozenset(spelled), target=spelled[-1],
                                   head=alias))
    return out


def satisfied(text: str, own: frozenset[str] = frozenset(),
              exports: Exported | None = None) -> set[str]:
    """Targets of every requirement ``text`` (normalised) meets; empty: it cannot act.
    ``exports``: what the distribution's own modules bind (gate.scan.exports)."""
    flt = _filter(own, exports.renamed, exports.starred) if exports else _filter(own)
    found = flt.words.intersection(text.encode("utf-8", "surrogatepass").translate(_TO_SPACE)
                                   .split())
    if not found:
        return set()
    found_bare = {w for w in flt.bare_words & found if _bare_occurrence(text, w.decode())}
    by_word = flt.by_word
    met = [r for w in found if w in by_word for r, anywhere, bare in by_word[w]
           if anywhere <= found and bare <= found_bare]
    heads = {r.head for r in met if r.head}
    if heads and not any(r.binds for r in met):
        if "import" not in text:
            return {r.target for r in met if not r.head}
        words = _import_line_words(text)
        imported = {h for h in heads if h in words
                    or _through_attribute(text, h, words, HEAD_ALTERNATIVES)
                    or (exports is not None and _through_attribute(text, h, words,
                                                                   exports.alts))}
        return {r.target for r in met if not r.head or r.head in imported}
    return {r.target for r in met}


def _through_attribute(text: str, head: str, words: set[str],
                       alternatives: Mapping[str, frozenset[str]]) -> bool:
    """Whether module ``head`` may be bound as an attribute of another module: one that
    holds it (``shutil`` for ``os``; an own ``compat`` that imports it) is on an import
    line, and the file star-imports (``from .compat import *``) or spells ``head`` as an
    attribute (``shutil.os``, ``compat.sp``)."""
    alts = alternatives.get(head)
    if alts is None or alts.isdisjoint(words):
        return False
    return "*" in words or re.search(rf"\.[ \t]*{re.escape(head)}\b", text) is not None


def _import_line_words(text: str) -> set[str]:
    """The words on every logical line holding the word ``import``."""
    spans: list[str] = []
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
        if "(" in (tail := text[i:end].split("#", 1)[0]) and ")" not in tail:
            end = closing_line(text, end)  # ``from m import (`` a list over lines
        spans.append(text[start:end])
    joined = " ".join(spans)
    star = "*" in joined
    words = {w.decode() for w in joined.encode("utf-8", "surrogatepass").translate(_TO_SPACE)
             .split()}
    if star:
        words.add("*")  # a star import: any name may be bound by it
    return words


def closing_line(text: str, pos: int) -> int:
    """End of the line, from ``pos`` on, whose code (before any ``#``) holds ``)``: where a
    parenthesised import list that opened before ``pos`` closes (an import statement holds
    no strings, so ``#`` starts a comment there). The end of ``text`` if none does."""
    n = len(text)
    while pos < n:
        end = text.find("\n", pos + 1)
        if end < 0:
            end = n
        if ")" in text[pos:end].split("#", 1)[0]:
            return end
        pos = end
    return n


def _bare_occurrence(text: str, word: str) -> bool:
    """Whether ``word`` occurs in ``text`` as a whole identifier that is not an attribute."""
    for i in word_offsets(text, (word,)):
        j = i - 1
        while j >= 0 and text[j] in " \t":
            j -= 1
        if j < 0 or text[j] != ".":
            return True
    return False


def might_act(text: str) -> bool:
    """Whether ``text`` could use a capability (sound: never False for one that can)."""
    return bool(satisfied(normalize(text)))


def word_offsets(text: str, words: Iterable[str]) -> list[int]:
    """Sorted offsets where any of ``words`` occurs as a whole identifier."""
    out: list[int] = []
    find = text.find
    for word in words:
        n = len(word)
        i = find(word)
        while i >= 0:
            before = text[i - 1] if i else " "
            after = text[i + n] if i + n < len(text) else " "
            if not (before.isalnum() or before == "_" or after.isalnum() or after == "_"):
                out.append(i)
            i = find(word, i + n)
    out.sort()
    return out
