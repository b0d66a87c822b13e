"""A sound lexical pre-filter: rule out Python files that cannot use any capability.

Public API:

    might_act(text: str) -> bool
        False only when ``text`` (decoded source) holds none of the words that every use of
        a catalogued name, and every trick that reaches one by a computed name, must spell.
    satisfied(text: str) -> set[str]
        The words of every requirement the (normalised) text meets; the scanner walks only
        the statements holding one of them.

Why words suffice: Python binds a name only by spelling it, so a reference to ``a.b.c``
spells each of ``a``, ``b`` and ``c`` somewhere in the file (in an import statement, a star
import's uses, or the attribute chain); the file must hold all three. Reaching a name
without spelling it needs ``getattr``, ``globals``, ``vars``, ``__import__``, ``importlib``,
``__builtins__``, ``__dict__``, ... which are words too (gate.catalog.TRICKS).
Identifiers are NFKC-normalised by the parser, so non-ASCII text is normalised before the search.

"Bare" words (builtins such as ``eval``) count only where they are not an attribute:
``re.compile`` and ``self.exec`` do not let a file through.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from gate.catalog import Requirement, requirements

_Trie = dict[str, "_Trie"]


def _trie_pattern(words: Iterable[str]) -> str:
    """A regex alternation shaped as a trie: far faster than a flat ``a|b|c`` in ``re``."""
    trie: _Trie = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: _Trie) -> str:
        branches = []
        optional = False
        for ch in sorted(node):
            if ch == "":
                optional = True
                continue
            branches.append(re.escape(ch) + emit(node[ch]))
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if optional:
            body = ("(?:" + body + ")?") if len(branches) == 1 else body + "?"
        return body

    return emit(trie)


# Lookbehinds: a bare word right after ".", ". " or ".  " is an attribute (``re.compile``).
# More blanks, a line break or a comment in between only make the filter let more through.
_NOT_ATTR = r"(?<!\.)(?<!\.[ \t])(?<!\.[ \t][ \t])"


@dataclass(frozen=True, kw_only=True, slots=True)
class _Filter:
    regex: re.Pattern[str]
    by_word: dict[str, list[Requirement]]  # word -> requirements that name it


@functools.cache
def _filter() -> _Filter:
    reqs = requirements()
    anywhere = set().union(*(r.anywhere for r in reqs))
    bare = set().union(*(r.bare for r in reqs))
    # group 1: a bare occurrence of a bare word; group 2: any other occurrence of any word
    regex = re.compile(
        rf"\b(?:{_NOT_ATTR}({_trie_pattern(bare)})\b|({_trie_pattern(anywhere | bare)})\b)"
    )
    by_word: dict[str, list[Requirement]] = {}
    for r in reqs:
        for w in r.anywhere | r.bare:
            by_word.setdefault(w, []).append(r)
    return _Filter(regex=regex, by_word=by_word)


def normalize(text: str) -> str:
    """Identifiers as the parser sees them (NFKC); ASCII text is returned unchanged."""
    return text if text.isascii() else unicodedata.normalize("NFKC", text)


def satisfied(text: str) -> set[str]:
    """Words of every requirement ``text`` (normalised) meets; empty: it cannot act."""
    flt = _filter()
    pairs = flt.regex.findall(text)
    if not pairs:
        return set()
    found_bare = {b for b, _ in pairs if b}
    found = found_bare | {a for _, a in pairs if a}
    words: set[str] = set()
    for w in found:
        for r in flt.by_word.get(w, ()):
            if r.anywhere <= found and r.bare <= found_bare:
                words |= r.anywhere | r.bare
    return words


def might_act(text: str) -> bool:
    """Whether ``text`` could use a capability (sound: never False for one that can)."""
    return bool(satisfied(normalize(text)))


def word_regex(words: Iterable[str]) -> re.Pattern[str]:
    """A regex finding any of ``words`` as whole identifiers (for locating hits)."""
    return re.compile(rf"\b(?:{_trie_pattern(words)})\b")
