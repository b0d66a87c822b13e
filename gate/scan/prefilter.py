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

import bisect
import builtins
import contextlib
import functools
import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from gate.catalog import (
    BARE_MODULE_TRICKS,
    BUILTIN_NAMES,
    FORMS,
    HEAD_ALTERNATIVES,
    MODULE_TRICKS,
    Requirement,
    canonical,
    catalog,
    owned,
    reaches,
    requirements,
)
from gate.scan import reflect
from gate.scan.lexical import (
    assigned_values,
    chain_values,
    code_annotations,
    import_ranges,
    normalize,
    plain_import,
    value_offsets,
    word_offsets,
)

if TYPE_CHECKING:
    from gate.scan.exports import Exported

_NONE: frozenset[str] = frozenset()

# Every byte that is not an ASCII identifier character becomes a space, so ``split()``
# yields the identifiers (plus numbers). Bytes >= 0x80 are kept: in valid Python a
# non-ASCII character next to a word makes it part of a longer identifier.
_IDENT_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_TO_SPACE = bytes(c if c in _IDENT_BYTES or c >= 0x80 else 0x20 for c in range(256))


class _Met(NamedTuple):
    """What ``_satisfied`` reads of a requirement it finds met (a table read from the
    cache holds these instead of the catalog's ``Requirement``\\ s)."""

    head: str
    target: str
    binds: bool


# a requirement, its anywhere words and its bare words (as bytes)
_Entry = tuple[Requirement | _Met, frozenset[bytes], frozenset[bytes]]


@dataclass(frozen=True, kw_only=True, slots=True)
class _Filter:
    words: frozenset[bytes]  # every word some requirement names
    bare_words: frozenset[bytes]
    # word -> (requirement, its anywhere words, its bare words), each requirement filed
    # under one of its words only (the one fewest requirements share): a requirement is met
    # only when all its words are found, so looking it up by any one of them is enough
    by_word: dict[bytes, list[_Entry]]


@functools.cache
def _always() -> list[Requirement]:
    """Requirements beyond the catalog's, for every file."""
    # reflection that leads to a module or a namespace (gate.scan.reflect): no import needed
    reqs = [Requirement(anywhere=frozenset({w}), target=w, binds=True)
            for w in sorted(reflect.WORDS)]
    # ``getattr(print, n)``: a builtin function's ``__self__`` (see _object_trick_used)
    reqs.append(Requirement(bare=frozenset({"getattr"}), target="getattr"))
    reqs.append(Requirement(anywhere=frozenset({"__dict__"}), target="__dict__"))
    # a dataclass's fields replaced (gate/scan/python.py _field_renamed)
    reqs.append(Requirement(anywhere=frozenset({"__dataclass_fields__"}),
                            target="__dataclass_fields__"))
    # calls whose arguments decide (``typing.ForwardRef("f" + "()")``): no entry of theirs
    for name in sorted(FORMS):
        parts = name.split(".")
        reqs.append(Requirement(anywhere=frozenset(parts), target=parts[-1], head=parts[0]))
    return reqs


@functools.cache
def _shared() -> dict[str, int]:
    """Word -> how many of the catalog's requirements (and ``_always``) spell it."""
    shared: dict[str, int] = {}
    for r in requirements() + _always():
        for w in r.anywhere | r.bare:
            shared[w] = shared.get(w, 0) + 1
    return shared


def _entry(r: Requirement, shared: dict[str, int]) -> tuple[bytes, _Entry]:
    """``r`` filed under the word of it the fewest requirements share (any of its words
    would do: it is met only when all are found), with its words as bytes."""
    key = min(r.anywhere | r.bare, key=lambda w: (shared.get(w, 0), w))
    return key.encode(), (r, frozenset(w.encode() for w in r.anywhere),
                          frozenset(w.encode() for w in r.bare))


@functools.cache
def _entries() -> dict[Requirement, tuple[bytes, _Entry]]:
    """``_entry`` of every requirement of the catalog (and ``_always``), once; from the
    kept table when there is one (its rows are in this order) and it agrees with the
    catalog's requirements, one by one."""
    reqs = requirements() + _always()
    kept = _kept()
    if kept is not None:
        rows = kept[0]
        if len(rows) == len(reqs) and all(
                m.head == r.head and m.target == r.target and m.binds == r.binds
                for r, (_key, m, _a, _b) in zip(reqs, rows, strict=True)):
            return {r: (key, (r, a, b)) for r, (key, _m, a, b) in zip(reqs, rows, strict=True)}
    shared = _shared()
    return {r: _entry(r, shared) for r in reqs}


def _filter(own: frozenset[str] = frozenset(),
            renamed: frozenset[tuple[str, str]] = frozenset(),
            starred: frozenset[tuple[str, str]] = frozenset()) -> _Filter:
    """The table of a distribution whose module names are ``own``: built once per process
    for all the distributions none of whose names the catalog holds (most of them), not
    once per distribution (~20-45 ms each)."""
    if own and not renamed and not starred and not catalog().names_under(own):
        own = frozenset()
    if not (own or renamed or starred):
        return _default()[0]
    return _build_filter(own, renamed, starred)


# -- the default table, kept in permpip's cache by scanner version --------------------------

_TABLE_FORMAT = "prefilter-3"
_TABLE_FILE: list[Path] = []  # where the default table is kept (``keep_table``), if anywhere


def keep_table(path: Path | None) -> None:
    """Keep the default table in ``path`` (``CACHE/prefilter/<scanner version>.json``; the
    scanner version hashes the catalog and this code): read from there when it is a record
    this code wrote and whose digest holds, else built and written there. None: build."""
    _TABLE_FILE[:] = [path] if path is not None else []
    for cached in (_kept, _default, _build_filter, _entries):
        cached.cache_clear()


def default_table() -> None:
    """Read (or build) the default table now (before a pool forks its workers)."""
    _default()


_Row = tuple[bytes, _Met, frozenset[bytes], frozenset[bytes]]  # key, requirement, words


@functools.cache
def _kept() -> tuple[list[_Row], dict[str, int]] | None:
    """The kept table's rows (one per requirement of the catalog and ``_always``, in that
    order) and word counts, when there is a kept table and it reads back whole."""
    return _read_table(_TABLE_FILE[0]) if _TABLE_FILE else None


@functools.cache
def _default() -> tuple[_Filter, dict[str, int]]:
    """The table of a distribution none of whose names the catalog holds, and how many
    requirements spell each word (``_shared``, for the entries of renamed names)."""
    kept = _kept()
    if kept is not None:
        rows, shared = kept
        return _table_of([(key, (m, a, b)) for key, m, a, b in rows]), shared
    filed = _default_entries()
    built = _table_of(filed), _shared()
    if _TABLE_FILE:
        _write_table(_TABLE_FILE[0], filed, built[1])
    return built


def _table_body(filed: list[tuple[bytes, _Entry]], shared: dict[str, int]) -> bytes:
    """The rows as JSON: the words once, each set of words once (as word numbers), the
    (head, target, binds) of each requirement once, and a flat list of numbers (JSON reads
    numbers fastest), four per row: key word, requirement, anywhere set, bare set."""
    words: dict[bytes, int] = {}
    sets: dict[frozenset[bytes], int] = {}
    mets: dict[tuple[str, str, bool], int] = {}
    flat: list[int] = []
    for key, (r, anywhere, bare) in filed:
        flat += [words.setdefault(key, len(words)),
                 mets.setdefault((r.head, r.target, r.binds), len(mets)),
                 sets.setdefault(anywhere, len(sets)), sets.setdefault(bare, len(sets))]
    numbered = [sorted(words.setdefault(w, len(words)) for w in ws) for ws in sets]
    return json.dumps({"words": [w.decode("utf-8", "surrogatepass") for w in words],
                       "sets": numbered, "mets": [list(m) for m in mets], "entries": flat,
                       "shared": shared},
                      separators=(",", ":")).encode()


def _write_table(path: Path, filed: list[tuple[bytes, _Entry]],
                 shared: dict[str, int]) -> None:
    """A header line (format, sha256 of the body), then the body."""
    body = _table_body(filed, shared)
    head = json.dumps({"format": _TABLE_FORMAT, "sha256": hashlib.sha256(body).hexdigest()})
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=".table-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(head.encode() + b"\n" + body)
            os.replace(name, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(name)
            raise


def _read_table(path: Path) -> tuple[list[_Row], dict[str, int]] | None:
    """The table in ``path``; None when missing, torn, of another format, of the wrong shape
    or when its body does not match its digest (rebuilt then)."""
    try:
        head, _, body = path.read_bytes().partition(b"\n")
        record = json.loads(head)
        if record["format"] != _TABLE_FORMAT or \
                hashlib.sha256(body).hexdigest() != record["sha256"]:
            return None
        return _table_from(json.loads(body))
    except (OSError, ValueError, TypeError, KeyError, IndexError, AttributeError):
        return None


def _table_from(table: Any) -> tuple[list[_Row], dict[str, int]]:  # noqa: ANN401 - JSON
    names, sets_in, mets_in, flat = table["words"], table["sets"], table["mets"], table["entries"]
    shared = table["shared"]
    if not (isinstance(shared, dict) and all(type(v) is int for v in shared.values())):
        raise ValueError("not a table of word counts")
    if not (isinstance(names, list) and isinstance(sets_in, list) and isinstance(mets_in, list)
            and isinstance(flat, list) and flat and len(flat) % 4 == 0
            and {type(i) for i in flat} == {int} and min(flat) >= 0):
        raise ValueError("not a table")
    words = [w.encode("utf-8", "surrogatepass") for w in names if isinstance(w, str) and w]
    if len(words) != len(names):
        raise ValueError("not a word")
    sets = []
    for ws in sets_in:
        if not (isinstance(ws, list) and all(type(i) is int and i >= 0 for i in ws)):
            raise ValueError("not a set of words")
        sets.append(frozenset(words[i] for i in ws))
    mets = []
    for head, target, binds in mets_in:
        if not (isinstance(head, str) and isinstance(target, str) and isinstance(binds, bool)):
            raise ValueError("not a requirement")
        mets.append(_Met(head, target, binds))
    rows: list[_Row] = []
    for i in range(0, len(flat), 4):
        a, b = sets[flat[i + 2]], sets[flat[i + 3]]
        if not (a or b):
            raise ValueError("an entry that needs no word")
        rows.append((words[flat[i]], mets[flat[i + 1]], a, b))
    return rows, shared


@functools.lru_cache(maxsize=32)
def _build_filter(own: frozenset[str], renamed: frozenset[tuple[str, str]],
                  starred: frozenset[tuple[str, str]]) -> _Filter:
    """The catalog's requirements (less those under ``own``'s names), then those of the
    names ``renamed``/``starred`` stand for. When the catalog lists no name under ``own``
    the first part is the default table's (``_default``: from permpip's cache when kept)."""
    base: _Filter | None = None
    if own and catalog().names_under(own):
        entries = _entries()
        filed = [entries[r] for r in requirements(own) + _always()]
        shared = _shared() if renamed or starred else {}
    elif not (renamed or starred):
        return _table_of(_default_entries())
    else:  # requirements(own) is requirements(): the default table's entries
        base, shared = _default()
        filed = []
    if renamed or starred:
        filed += [_entry(r, shared) for r in _renamed_requirements(renamed, own)
                  + _renamed_requirements(starred, own, star=True)]
    return _table_of(filed, base)


def _default_entries() -> list[tuple[bytes, _Entry]]:
    """The default table's entries: every requirement of the catalog and ``_always``."""
    entries = _entries()
    return [entries[r] for r in requirements() + _always()]


def _table_of(filed: list[tuple[bytes, _Entry]], base: _Filter | None = None) -> _Filter:
    """The table of the entries ``filed``, added to those of ``base`` when given."""
    by_word: dict[bytes, list[_Entry]] = {} if base is None else {
        k: list(v) for k, v in base.by_word.items()}
    anywhere: set[bytes] = set()
    bare: set[bytes] = set()
    for key, entry in filed:
        by_word.setdefault(key, []).append(entry)
        anywhere.update(entry[1])
        bare.update(entry[2])
    words, bare_words = frozenset(anywhere | bare), frozenset(bare)
    if base is not None:
        words, bare_words = base.words | words, base.bare_words | bare_words
    return _Filter(words=words, bare_words=bare_words, by_word=by_word)


def _held() -> dict[str, frozenset[str]]:
    """Module -> the catalogued modules it holds under their own name (``shutil``:
    ``os``), from HEAD_ALTERNATIVES."""
    out: dict[str, set[str]] = {}
    for head, holders in HEAD_ALTERNATIVES.items():
        for holder in holders:
            out.setdefault(holder, set()).add(head)
    return {k: frozenset(v) for k, v in out.items()}


_HELD = _held()


def _renamed_requirements(renamed: frozenset[tuple[str, str]], own: frozenset[str], *,
                          star: bool = False) -> list[Requirement]:
    """``N`` stands for ``T`` (a module of the distribution binds ``N`` to ``T``): every
    catalogued name under ``T`` spelled through ``N`` (``sp.run`` for ``subprocess.run``).
    ``star``: ``N`` is the name of an own module that star-imports ``T``; its names are
    spelled bare (``Popen``) and ``N`` must be on an import line (``from .compat import *``).
    """
    cat = catalog()
    count, under, by_head = _names_index()
    out: list[Requirement] = []
    for alias, real in sorted(renamed):
        real = canonical(real)
        # the catalogued names that are ``T``, lie under it, or are a ``mod.*`` module
        # holding it (each as often as the catalog lists it)
        parts = real.split(".")
        prefixes = [".".join(parts[:i]) for i in range(1, len(parts))]
        candidates = [real] * count.get(real, 0) + [
            p for p in prefixes if p in cat.wildcard for _ in range(count.get(p, 0))
        ] + under.get(real, [])
        for name in candidates:
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
        if star or owned(real, own):
            continue
        # the tricks through ``T`` itself, spelled through ``N``: ``b.exec`` (``b`` the
        # builtins module), ``s.modules[n]`` (``s`` = sys), ``getattr(m, n)`` / ``m.__dict__``
        # (``m`` a module with catalogued names)
        if real in ("builtins", "__builtin__"):
            # ``b.exec``, ``b.getattr(os, n)``, ``b.vars(os)``: every use spells ``b``
            out.append(Requirement(anywhere=frozenset({alias}), target=alias, head=alias,
                                   binds=True))
        for held in _HELD.get(real, ()):  # ``hh.os.system`` (``hh`` = shutil)
            out += [Requirement(anywhere=frozenset({alias, held, *name.split(".")[1:]}),
                                target=name.rpartition(".")[2], head=alias)
                    for name in by_head.get(held, ())]
        if real == "sys":
            out.append(Requirement(anywhere=frozenset({alias, "modules"}), target="modules",
                                   head=alias, binds=True))
        if reaches(real):
            out += [Requirement(anywhere=frozenset({alias, w}), target=w, head=alias)
                    for w in MODULE_TRICKS]
            out += [Requirement(anywhere=frozenset({alias}), bare=frozenset({w}), target=w,
                                head=alias) for w in BARE_MODULE_TRICKS]
    return out


@functools.cache
def _names_index() -> tuple[dict[str, int], dict[str, list[str]], dict[str, list[str]]]:
    """The catalogued names (exact ones that are not harmless, then ``mod.*`` modules), as
    ``_renamed_requirements`` looks them up: how often each is listed, the names under
    each dotted prefix, the dotted names by their first component."""
    cat = catalog()
    names = [n for n, c in cat.exact.items() if c is not None] + list(cat.wildcard)
    count: dict[str, int] = {}
    under: dict[str, list[str]] = {}
    by_head: dict[str, list[str]] = {}
    for name in names:
        count[name] = count.get(name, 0) + 1
        parts = name.split(".")
        for i in range(1, len(parts)):
            under.setdefault(".".join(parts[:i]), []).append(name)
        if len(parts) > 1:
            by_head.setdefault(parts[0], []).append(name)
    return count, under, by_head


def satisfied(text: str, own: frozenset[str] = frozenset(),
              exports: Exported | None = None, *, module: str | None = None,
              package: bool = False) -> set[str]:
    """Targets of every requirement ``text`` (normalised) meets; empty: it cannot act.
    ``exports``: what the distribution's own modules bind (gate.scan.exports);
    ``module``/``package``: the file's import name (for its relative imports)."""
    flt = _filter(own, exports.renamed, exports.starred) if exports else _filter(own)
    found = flt.words.intersection(text.encode("utf-8", "surrogatepass").translate(_TO_SPACE)
                                   .split())
    ranges = import_ranges(text) if "import" in text else []
    spans = [text[a:b] for a, b in ranges]
    words = _words(spans)
    # each import statement read once: (bound name, target) pairs, None where unread
    reads = [plain_import(span, module, package) for span in spans]
    # a module used as a value, code in an annotation: the scanner reads them too
    escaped = _escaped_modules(text, spans, ranges, words, module, package,
                               exports, reads) if spans else set()
    if ("'" in text or '"' in text) and code_annotations(text):
        escaped.add("<annotation>")  # a string annotation may hold code
    if spans:
        escaped |= _held_imports(text, ranges, spans, reads)
    if "help" in text and _HELP_CALL.search(text):
        escaped.add("help")  # ``help("x")`` imports what it names
    if "setattr" in text and _SETATTR_PIECES.search(text):
        escaped.add("setattr")  # ``setattr(f, "__annot" + "ations__", d)``: a name in pieces
    return _satisfied(text, found, flt, spans, words, own, exports, module, package,
                      reads) | escaped


def _satisfied(text: str, found: frozenset[bytes], flt: _Filter, spans: list[str],
               words: set[str], own: frozenset[str], exports: Exported | None,
               module: str | None, package: bool,
               reads: list[list[tuple[str, str]] | None]) -> set[str]:
    if not found:
        return set()
    found_bare = {w for w in flt.bare_words & found if _bare_occurrence(text, w.decode())}
    by_word = flt.by_word
    met = [r for w in found if w in by_word for r, anywhere, bare in by_word[w]
           if anywhere <= found and bare <= found_bare]
    heads = {r.head for r in met if r.head}
    if not heads:
        targets = {r.target for r in met}
        if targets and targets <= _OBJECT_TRICKS and not _object_trick_used(
                text, targets, spans, words, own, exports, module, package, reads):
            return set()
        return targets
    attributes: list[set[str]] = []  # the words spelled as attributes, read once if needed
    imported = {h for h in heads
                if h in words or _through_attribute(text, h, words, exports, attributes)}
    live = [r for r in met if not r.head or r.head in imported]
    if any(r.binds for r in live):  # a trick that binds modules unimported: any head counts
        return {r.target for r in met}
    targets = {r.target for r in live}
    if targets and targets <= _OBJECT_TRICKS and not _object_trick_used(
            text, targets, spans, words, own, exports, module, package, reads):
        return set()
    return targets


def _builtin_call(text: str, start: int, before: str, bound: set[str]) -> bool:
    """Whether the call whose first argument starts at ``start`` (``before`` the text
    just before it) is of the builtin itself: spelled bare, not bound in the file."""
    name = next(n for n in _LOOKED_AT if before.endswith(n))[:-1]
    j = start - len(name) - 2
    if j >= 0 and (text[j].isalnum() or text[j] in "._"):
        return False  # ``helpers.type(json)``, ``mytype(json)``
    return name not in bound and "*" not in bound and f"def {name}" not in text and not re.search(
        rf"(?<![\w.]){name}[ \t]*=(?!=)", text)


def _escaped_modules(text: str, spans: list[str], ranges: list[tuple[int, int]],
                     names_bound: set[str], module: str | None, package: bool,
                     exports: Exported | None,
                     reads: list[list[tuple[str, str]] | None]) -> set[str]:
    """Names an import binds to a module (``import os``; ``from os import path``, a
    standard-library module) that the text spells other than before a dot, on a line
    that is not an import: where the module may be handed on as a value (``f(os)``,
    ``[os]``, ``m = os``; gate.scan.reflect). A statement this reader does not vouch for
    counts with all its words."""
    names: set[str] = set()
    roots: set[tuple[str, str]] = set()  # (name, module) bound by an import
    own = exports.own_modules if exports is not None else frozenset()
    for span, bound in zip(spans, reads, strict=False):
        if bound is None:
            if not _RELATIVE.match(span) and _STATEMENT.search(span):
                # (prose holding "import" binds nothing; an own module is not followed)
                names |= _words([span]) - {"import", "from", "as", "*"}
            continue
        plain = span.lstrip().startswith("import")
        names.update(local for local, target in bound
                     if (plain or reflect.is_module(target) or target in own)
                     and not reflect.inert(target))
        roots.update((local, target) for local, target in bound if plain or target in own)
    # a submodule reached through its package and handed on: ``f(numpy._globals)``,
    # ``m.setattr(pd.io.clipboard, ...)``
    targets = dict(roots)
    chained: set[str] = set()
    for start, chain in chain_values(text, targets) if targets else ():
        head, _, rest = chain.partition(".")
        qual = f"{targets[head]}.{rest}"
        if (reflect.is_module(qual) or qual in own) and not _on_import(ranges, start):
            chained.add(head)
    if not names:
        return chained
    out: set[str] = set()
    starts = [a for a, _ in ranges]
    for start, name in value_offsets(text, names):
        i = bisect.bisect_right(starts, start) - 1
        if i >= 0 and start < ranges[i][1]:
            continue  # on the import statement itself
        before = text[max(0, start - 12):start]
        if before.endswith(_LOOKED_AT) and _builtin_call(text, start, before, names_bound) \
                and (not before.endswith("isinstance(") or _plain_types(
                    text, start + len(name), names_bound)):
            continue  # ``getattr(os, n)``, ``isinstance(os, str)``: looked at, not handed on
        out.add(name)
    return out | chained


_HELP_CALL = re.compile(r"(?<![\w.])help[ \t]*\(")
# ``setattr(o, <a string made from pieces>, v)``: the attribute's word is never spelled
_SETATTR_PIECES = re.compile(
    r"setattr\s*\([^,]*,[\s(]*(?:(?:[rRbBuU]?)(['\"])[^'\"\n]*\1\s*"
    r"(?:[+%]|\.format|\.join|[rRbBuUfF]{0,2}['\"])|[fF][rR]?['\"]|[rR][fF]['\"])")
_IMPORT_KEYWORDS = frozenset({"import", "from", "as", "*"})
_CLASS = re.compile(r"class(?!\w)")
_DEF = re.compile(r"(?:async[ \t]+)?def(?!\w)")
_HEADER = re.compile(r"(?:if|elif|else|try|except|finally|for|while|with|match|case|async)(?!\w)")
_STRING_OR_JOIN = re.compile(r"\"\"\"|'''|\\\r?\n")


def _held_imports(text: str, ranges: list[tuple[int, int]], spans: list[str],
                  reads: list[list[tuple[str, str]] | None]) -> set[str]:
    """Names an import binds where the scanner reads the module as handed on
    (gate/scan/python.py ``_held_import``): in a class body (a class attribute), and,
    when the file spells ``nonlocal``, in any nested block (a name of an enclosing
    function). Lexical and sound: an import counts unless a ``def`` header (or the module
    level) is found to enclose it with no string or joined line on the way."""
    out: set[str] = set()
    local = "nonlocal" in text
    for (start, _end), span, bound in zip(ranges, spans, reads, strict=False):
        first = span.split("\n", 1)[0]
        if (local and first[:1] in " \t") or _in_class_body(text, start, first):
            out |= ({name for name, _ in bound} if bound is not None
                    else _words([span]) - _IMPORT_KEYWORDS)
    return out


def _width(line: str) -> tuple[int, str]:
    """The indentation of ``line`` (tabs to multiples of 8, as the tokenizer), its code."""
    body = line.lstrip(" \t\f")
    return len(line[:len(line) - len(body)].rpartition("\f")[2].expandtabs(8)), body


def _in_class_body(text: str, start: int, first: str) -> bool:
    """Whether the statement on the line at ``start`` may lie in a class body."""
    cur, body = _width(first)
    if _CLASS.match(body):
        return True  # ``class C: import os``
    if cur == 0:
        return False
    pos = start
    while pos > 0:
        prev = text.rfind("\n", 0, pos - 1) + 1
        line = text[prev:pos - 1]
        pos = prev
        width, code = _width(line)
        if not code or code.startswith("#") or width >= cur:
            continue
        if _CLASS.match(code):
            return True
        if not (_DEF.match(code) or _HEADER.match(code)):
            return True  # a continued line, a string: not read further
        if _STRING_OR_JOIN.search(text, max(0, prev - 2), start):
            return True  # (a header spelled inside a string, or joined to the line above)
        if _DEF.match(code):
            return False
        cur = width
        if cur == 0:
            return False
    return True


_BUILTIN_TYPES = frozenset(n for n, v in vars(builtins).items() if isinstance(v, type))


def _plain_types(text: str, at: int, bound: set[str]) -> bool:
    """Whether ``isinstance(m`` is followed, at ``at``, by ``, T)`` or ``, (T, U))`` of
    builtin types the file does not rebind: a class of the package's may have a metaclass
    whose ``__instancecheck__`` is handed ``m``."""
    end = text.find("\n", at)
    rest = text[at:end if end >= 0 else len(text)].lstrip(" \t")
    if not rest.startswith(","):
        return False
    close = rest.find(")")
    if close < 0:
        return False
    inner = rest[1:close].strip(" \t")
    if inner.startswith("("):
        if rest[close + 1:].lstrip(" \t")[:1] != ")":
            return False
        inner = inner[1:]
    names = [n.strip(" \t") for n in inner.split(",")]
    if names and not names[-1]:
        names.pop()
    return bool(names) and all(
        n in _BUILTIN_TYPES and n not in bound and f"def {n}" not in text
        and f"class {n}" not in text and not re.search(rf"(?<![\w.]){n}[ \t]*=(?!=)", text)
        for n in names)


def _on_import(ranges: list[tuple[int, int]], offset: int) -> bool:
    i = bisect.bisect_right(ranges, (offset, 1 << 62)) - 1
    return i >= 0 and offset < ranges[i][1]




_RELATIVE = re.compile(r"\s*from\s*\.")
# an import statement starts a logical line, or follows ``;`` or ``:`` (``else: import x``)
_STATEMENT = re.compile(r"(?:^|[;:])[ \t\\\n]*(?:import|from)(?!\w)")
_LOOKED_AT = ("getattr(", "hasattr(", "setattr(", "delattr(", "isinstance(", "vars(", "dir(",
              "type(", "id(")


# ``getattr(m, name)`` and ``m.__dict__`` act only when ``m`` is a module that holds
# catalogued names. A file whose only reason to be parsed is one of them is ruled out when
# every use names, as ``m``, something no binding can make such a module.
_OBJECT_TRICKS = frozenset({"getattr", "__dict__"})
# builtins whose value (``__import__('os')``, ``globals()['os']``, ``__builtins__``) may
# be a module when assigned (``m = __import__('os')``); the rest (``g = getattr``) are not
_MODULE_VALUES = frozenset({"__import__", "__builtins__", "globals", "locals", "vars"})
_GETATTR = re.compile(r"getattr(?!\w)")  # (what stands before is checked by hand: faster)
_FIRST_ARG = re.compile(r"[ \t]*\([ \t\n\\]*([^\W\d]\w*)")
_DICT = re.compile(r"__dict__(?!\w)")


def _chain_root(text: str, dot: int) -> tuple[str | None, int]:
    """The first name of the ``a . b . c`` chain whose last ``.`` is at ``dot``, and how
    many dots it has; None when the chain does not start with a plain name on this line
    (``f(x).c``, ``a[0].c``, or it may go on from the line before)."""
    dots, j = 0, dot
    while True:
        dots += 1
        j -= 1
        while j >= 0 and text[j] in " \t":
            j -= 1
        end = j + 1
        while j >= 0 and (text[j].isalnum() or text[j] == "_"):
            j -= 1
        name = text[j + 1:end]
        if not name.isidentifier():
            return None, dots
        k = j
        while k >= 0 and text[k] in " \t":
            k -= 1
        if k >= 0 and text[k] in "\\\n":
            return None, dots  # ``os.\`` or ``(os.`` on the line before: not followed
        if k < 0 or text[k] != ".":
            return name, dots
        j = k


def _before_word(text: str, start: int) -> int | None:
    """Offset of what stands before the word at ``start``, past spaces and tabs (-1: the
    start of the text); None when the word is the end of a longer name."""
    j = start - 1
    if j >= 0 and (text[j].isalnum() or text[j] == "_"):
        return None
    while j >= 0 and text[j] in " \t":
        j -= 1
    return j


def _object_trick_used(text: str, targets: set[str], spans: list[str], words: set[str],
                       own: frozenset[str], exports: Exported | None,
                       module: str | None, package: bool,
                       reads: list[list[tuple[str, str]] | None]) -> bool:
    """Whether some use of ``getattr``/``__dict__`` (the ``targets``) may be applied to a
    module that holds catalogued names. Sound, lexically: a use counts unless its object
    is a plain name chain whose first name (``m`` of ``getattr(m.x, n)``, ``m.x.__dict__``)
    is bound, by the bindings the scanner follows (imports, ``N = value`` assignments), to
    nothing of the kind. A star import binds anything: then every use counts."""
    if "*" in words:
        return True
    roots: list[tuple[str, bool]] = []  # (first name, attributes follow it)
    if "getattr" in targets:
        for m in _GETATTR.finditer(text):
            j = _before_word(text, m.start())
            if j is None or (j >= 0 and text[j] == "."):
                continue  # part of a longer name, or ``x.getattr``: not the builtin
            arg = _FIRST_ARG.match(text, m.end())
            if arg is None:
                return True  # ``g = getattr``, ``getattr((m), n)``, ``getattr(*a)``, ...
            k = arg.end()
            while k < len(text) and text[k] in " \t":
                k += 1
            comma = _TO_COMMA.match(text, k)
            if comma is None or not _inert_name(text, comma.end()):
                return True  # ``getattr(f, '__glo' + 'bals__')``, ``getattr(self, n)``: a
                # name the scanner folds, or one computed (it may lead on from any object)
            roots.append((arg.group(1), text[k:k + 1] != ","))  # not ``getattr(m, ...``
    if "__dict__" in targets:
        for m in _DICT.finditer(text):
            j = _before_word(text, m.start())
            if j is None:
                continue  # part of a longer name
            if j < 0 or text[j] != ".":
                return True  # a string (``getattr(m, '__dict__')``), a class body, ...
            root, dots = _chain_root(text, j)
            if root is None:
                return True  # ``f(x).__dict__``, ``a[0].__dict__``, ...
            roots.append((root, dots > 1))
    if not roots:
        return False
    bound = _ModuleNames(text, spans, words, own, exports, reads)
    return any(bound.may_be_module(r, chain) for r, chain in dict.fromkeys(roots))


# the rest of a first argument that is a plain chain (``self.x.y``), to its comma
_TO_COMMA = re.compile(r"(?:[ \t]*\.[ \t]*[^\W\d]\w*)*[ \t]*,")
_PLAIN_NAME = re.compile(r"""[ \t]*(?:'([A-Za-z_]\w*)'|"([A-Za-z_]\w*)")[ \t]*[,)]""")


def _inert_name(text: str, start: int) -> bool:
    """Whether getattr's second argument, from ``start``, is one plain string literal that
    names no attribute that leads on (a dunder, ``f_globals``): only a module's attribute
    by that name is a finding then."""
    plain = _PLAIN_NAME.match(text, start)
    if plain is None:
        return False
    name = plain.group(1) or plain.group(2)
    return not name.startswith("__") and name not in reflect.LEADING


class _ModuleNames:
    """Which names of a file the scanner may resolve to a module that holds catalogued
    names, following the bindings it follows: imports, and ``N = value`` assignments
    (gate.scan.python ``_collect``); parameters, loop and ``with`` targets bind nothing."""

    _LIMIT = 12  # names followed through assignments before giving up (then: yes)

    def __init__(self, text: str, spans: list[str], words: set[str], own: frozenset[str],
                 exports: Exported | None,
                 reads: list[list[tuple[str, str]] | None]) -> None:
        self.text = text
        self.spans = spans  # its import statements (gate.scan.prefilter.import_spans)
        self.words = words  # their words
        self.own = own
        self.exports = exports
        self.reads = reads  # plain_import of each span
        self._imports: dict[str, set[str]] | None = None
        self._unsure: set[str] = set()
        self._modules: set[str] = set()  # bound by a plain ``import``

    def may_be_module(self, name: str, chain: bool) -> bool:
        """``chain``: attributes follow the name (``m.x.__dict__``); they may lead from
        any module (an own module's table, ``shutil.os``), so any import will do."""
        if name in BUILTIN_NAMES or reflect.builtin_function(name) or self._imported(
                name, chain) or f"def {name}(" in self.text:
            return True  # (a builtin's ``__self__`` is the builtins module; a function's
            # ``__globals__`` a module's namespace)
        # every name reachable through assignments (``n = a.b(..)`` -> ``a``) with the
        # first names of its assigned values; then a fixpoint from the values that may be
        # modules (an import binds them: attributes may follow, so any import will do)
        values: dict[str, list[str]] = {}
        todo = [name]
        while todo:
            n = todo.pop()
            if n in values:
                continue
            if len(values) >= self._LIMIT:
                return True
            values[n] = found = self._assigned_values(n)
            todo += found
        capable = {n for n, found in values.items()
                   if any(v in _MODULE_VALUES or self._imported(v, True) for v in found)}
        grown = True
        while grown and name not in capable:
            grown = False
            for n, found in values.items():
                if n not in capable and not capable.isdisjoint(found):
                    capable.add(n)
                    grown = True
        return name in capable

    def _imported(self, name: str, chain: bool) -> bool:
        if name not in self.words:
            return False  # every import that binds ``name`` spells it on its line
        if chain:
            return True
        if self._imports is None:
            self._imports = self._read_imports()
        targets = self._imports.get(name)
        if name in self._unsure or not targets:
            return True  # on an import line this reader does not vouch for: assume bound
        if name in self._modules:
            return True  # ``import x``: a module, and every module holds ``__builtins__``
        for target in targets:
            qual = self.exports.resolve(target) if self.exports is not None else target
            qual = canonical(qual)
            if reflect.is_module(qual) or (self.exports is not None
                                           and target in self.exports.own_modules):
                return True  # a module: every module holds ``__builtins__``
            if reaches(qual) and not owned(qual, self.own):
                return True
        return False

    def _read_imports(self) -> dict[str, set[str]]:
        """Read the plain import statements (``import a.b as c``, ``from .m import (x,
        y as z)``, comments allowed); every word of any other line holding ``import``
        (continued, after ``;``, in a docstring, ...) is unsure: it may be bound there."""
        imports: dict[str, set[str]] = {}
        for span, bound in zip(self.spans, self.reads, strict=False):
            if bound is None:
                self._unsure |= _words([span])
                continue
            plain = span.lstrip().startswith("import")
            for local, target in bound:
                imports.setdefault(local, set()).add(target)
                if plain and not reflect.inert(target):
                    self._modules.add(local)
        return imports

    def _assigned_values(self, name: str) -> list[str]:
        """The first names of the values assigned to ``name`` (``name = value``,
        ``(name) = value``, over a line continuation or a comment); a value that starts
        with no name (a literal, a display, a string) is never a module."""
        return assigned_values(self.text, name)




def _through_attribute(text: str, head: str, words: set[str], exports: Exported | None,
                       attributes: list[set[str]]) -> bool:
    """Whether module ``head`` may be bound as an attribute of another module: one that
    holds it (``shutil`` for ``os``; an own ``compat`` that imports it), or holds one that
    does (``rlcompleter.inspect.os``), is on an import line, and the file star-imports
    (``from .compat import *``) or spells ``head`` as an attribute (``shutil.os``,
    ``compat.sp``, ``shutil.\\`` then ``os`` on the next line). ``attributes``: a one-item
    cache of the words spelled as attributes."""
    seen, frontier = {head}, [head]
    for _ in range(4):  # as many hops as gate.catalog.canonical follows
        found: list[str] = []
        for h in frontier:
            alts = HEAD_ALTERNATIVES.get(h, frozenset())
            if exports is not None:
                alts = alts | exports.alts.get(h, frozenset())
            found += alts
        if not words.isdisjoint(found):
            break
        frontier = [a for a in dict.fromkeys(found) if a not in seen]
        seen.update(frontier)
        if not frontier:
            return False
    else:
        return False
    if "*" in words:
        return True
    if not attributes:
        attributes.append(set(_ATTRIBUTE.findall(text)))
    return head in attributes[0]


# a name spelled as an attribute: after a dot, over spaces, continuations and comments
_ATTRIBUTE = re.compile(r"\.(?:[\s\\]|#[^\n]*\n)*([^\W\d]\w*)")


def _words(spans: list[str]) -> set[str]:
    """The words of import spans; ``*`` too when one star-imports (any name may be bound)."""
    joined = " ".join(spans)
    words = {w.decode() for w in joined.encode("utf-8", "surrogatepass").translate(_TO_SPACE)
             .split()}
    if "*" in joined:
        words.add("*")
    return words


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


