"""The capability catalog: qualified name -> capability, read once from ``data/catalog.txt``.

The table is data, one line per qualified name (see the header of ``catalog.txt``):

    socket.create_connection   network      an exact name (and what is reached through it)
    subprocess.*               subprocess   every name in a module but exception classes
                                            and names marked harmless
    subprocess.PIPE            -            harmless: stops the search for that name
    .write_text                fs-write     a method name distinctive on any receiver
    exec                       dynamic-code a builtin

Public API:

    lookup(qualname) -> Capability | None
    match(qualname) -> Entry | None           which catalogued name matched, and its capability
    receiver_method(attr) -> Capability | None  the ``.attr`` entries
    requirements(own=frozenset()) -> list[Requirement]
        the sets of words a file must spell to use each entry (the pre-filter's input),
        leaving out the entries under the module names ``own`` (see ``owned``)
    owned(qualname, own) -> bool
        whether ``qualname`` lies under one of the module names ``own``
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from typing import cast

from gate.errors import ScanError
from gate.model import Capability

# Module spellings that are the same module as a catalogued one.
MODULE_ALIASES: dict[str, str] = {
    "posix": "os",
    "nt": "os",
    "_socket": "socket",
    "_io": "io",
    "__builtin__": "builtins",
    "_pickle": "pickle",
    "cPickle": "pickle",
    "pathlib._local": "pathlib",
    "_signal": "signal",
    "_sqlite3": "sqlite3",
    "_frozen_importlib": "importlib._bootstrap",
    # the C modules whose objects the public ones re-export (``operator.attrgetter`` is
    # ``_operator.attrgetter``, ``warnings.warn_explicit`` is ``_warnings.warn_explicit``)
    "_operator": "operator",
    "_warnings": "warnings",
    "_frozen_importlib_external": "importlib._bootstrap_external",
    "__spec__.loader": "__loader__",  # the module's own loader (a SourceFileLoader)
    # the import system's suffix lists, under the module that defines them
    **{f"importlib._bootstrap_external.{k}_SUFFIXES": f"importlib.machinery.{k}_SUFFIXES"
       for k in ("SOURCE", "BYTECODE", "EXTENSION")},
}

# Vendored copies of a catalogued distribution are that distribution:
# ``pip._vendor.requests.get`` is ``requests.get``.
_VENDORED = ("pip._vendor.", "setuptools._vendor.", "pkg_resources._vendor.",
             "pkg_resources.extern.", "setuptools.extern.")
_VENDOR_HEADS = frozenset(v.split(".", 1)[0] for v in _VENDORED)


def _data(name: str) -> str:
    return resources.files("gate").joinpath(f"data/{name}").read_text(encoding="utf-8")


def _module_attributes(text: str) -> dict[str, str]:
    """``container: attr attr=module ...`` lines -> ``container.attr``: module."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        container, _, attrs = line.partition(":")
        for item in attrs.split():
            attr, _, real = item.partition("=")
            out[f"{container}.{attr}"] = real or attr
    return out


_STDLIB_TOP = frozenset(sys.stdlib_module_names)
# Modules that hold other modules as attributes (``shutil.os``, ``tempfile._os``):
# ``shutil.os.system`` is ``os.system``. Generated with the standard-library table
# (tools/stdlib_catalog.py): every standard module's attributes that are standard modules
# with catalogued names, over the Python versions it was run on (a superset is harmless).
MODULE_ATTRIBUTES: dict[str, str] = _module_attributes(_data("stdlib_modules.txt"))
# every spelling of a module -> the catalogued module (aliases, then modules' attributes)
_REWRITES: dict[str, str] = {**MODULE_ATTRIBUTES, **MODULE_ALIASES}
_ALIAS_HEADS = frozenset(a.split(".", 1)[0] for a in _REWRITES)


def _head_alternatives() -> dict[str, frozenset[str]]:
    """Head word of a requirement -> words that may stand on the import line instead:
    ``import shutil`` binds ``shutil.os``, so ``shutil.os.system`` needs ``os`` and
    ``system`` spelled and ``shutil`` (not ``os``) imported."""
    out: dict[str, set[str]] = {}
    for alias, real in MODULE_ATTRIBUTES.items():
        container, _, leaf = alias.rpartition(".")
        if real == leaf:
            out.setdefault(real, set()).add(container.split(".", 1)[0])
    return {k: frozenset(v - {k}) for k, v in out.items()}


HEAD_ALTERNATIVES: dict[str, frozenset[str]] = _head_alternatives()
def attribute_paths(names: Iterable[str]) -> dict[str, frozenset[str]]:
    """Each proper prefix of the dotted ``names`` -> the components that follow it there
    (``a.b.c`` gives ``a``: {``b``} and ``a.b``: {``c``})."""
    out: dict[str, set[str]] = {}
    for name in names:
        parts = name.split(".")
        for i in range(1, len(parts)):
            out.setdefault(".".join(parts[:i]), set()).add(parts[i])
    return {k: frozenset(v) for k, v in out.items()}


# Modules that hold a catalogued module as an attribute, under any name (``shutil`` for
# ``shutil.os``, ``random`` for ``random._os``, ``email.utils`` for ``email.utils.os``), and
# the packages above them, with their attributes on the way (``getopt``: ``os``; ``email``:
# ``utils``): an alias of one may lead to a catalogued module.
HOLDERS: dict[str, frozenset[str]] = attribute_paths(MODULE_ATTRIBUTES)

# Builtins the scanner resolves by name (``open``, ``__import__``, ``__builtins__`` ...):
# what a bare identifier may stand for when no import or assignment binds it.
BUILTIN_NAMES = frozenset({
    "open", "exec", "eval", "compile", "execfile", "__import__", "getattr", "globals",
    "vars", "locals", "breakpoint", "__builtins__",
    # module globals the import system sets: the module's loader, its spec
    "__loader__", "__spec__",
})


def _head(word: str) -> str:
    """The import a name's first word needs: none for a builtin (``__loader__``)."""
    return "" if word in BUILTIN_NAMES else word


# Spellings whose words differ from the module's (``posix.system``, ``tempfile._os.system``):
# the pre-filter needs requirements spelled their way.
def _spelled() -> tuple[tuple[str, str], ...]:
    """Other spellings of a module (``posix`` for ``os``, ``tempfile._os``), composed over
    up to three renamed hops (``http.cookiejar._threading`` is ``threading``, whose ``_os``
    is ``os``: ``http.cookiejar._threading._os``), as ``canonical`` follows them."""
    base = {alias: real for alias, real in _REWRITES.items()
            if alias in MODULE_ALIASES or real != alias.rpartition(".")[2]}
    # module -> the renamed attributes of that module and of the modules below it
    within: dict[str, list[tuple[str, str]]] = {}
    for other, target in base.items():
        parts = other.split(".")[:-1]
        for i in range(1, len(parts) + 1):
            within.setdefault(".".join(parts[:i]), []).append((other, target))
    out = dict(base)
    frontier = dict(base)
    for _ in range(2):
        grown: dict[str, str] = {}
        for alias, real in frontier.items():
            for other, target in within.get(real, ()):
                longer = alias + other[len(real):]
                if longer not in out:
                    grown[longer] = target
        out.update(grown)
        frontier = grown
    # a spelling holding every word of the module under the same head needs no
    # requirement of its own (``asyncio.base_events.events`` spells ``asyncio.events``)
    return tuple((a, r) for a, r in out.items() if not _covers(a, r))


def _covers(alias: str, real: str) -> bool:
    a, r = alias.split("."), real.split(".")
    return a[0] == r[0] and set(r) <= set(a)


_SPELLED: tuple[tuple[str, str], ...] = _spelled()
# module -> its other spellings (``os``: ``posix``, ``tempfile._os`` ...)
_SPELLED_BY_MODULE: dict[str, tuple[str, ...]] = {}
for _alias, _real in _SPELLED:
    _SPELLED_BY_MODULE[_real] = (*_SPELLED_BY_MODULE.get(_real, ()), _alias)

# pathlib classes: a call of one of these yields a path (``Path(p).write_text``).
PATH_CLASSES = frozenset(
    f"pathlib.{c}" for c in ("Path", "PurePath", "PosixPath", "WindowsPath", "PurePosixPath",
                             "PureWindowsPath")
)

# A standard module's command line and self-test (``json.tool.main``, ``base64.test``;
# tools/stdlib_catalog.py CLI): the generated table lists what each does (a package may
# call ``timeit.main(argv)``, an entry point may name ``json.tool:main``), but such a name
# does not make its module one holding capabilities (``Catalog.parents``,
# ``module_prefixes``): ``json`` and ``base64`` would then be a computed attribute's, the
# pre-filter's and alias tracking's concern in every file that imports them. A name is
# still resolved through any import of its module (``from json import tool as t;
# t.main()``): every use spells the leaf, and imports are always read.
STDLIB_CLI = frozenset({"main", "_main", "test", "_test", "demo", "_demo", "testall",
                        "_script"})

_HARMLESS = "-"
_EXCEPTION = re.compile(r".*(?:Error|Exception|Warning|Exit|Interrupt)\Z")

# Ways to reach a name without spelling it (the scanner's special forms): each is a set of
# words that lets a file through the pre-filter.
TRICKS: tuple[tuple[str, ...], ...] = (
    ("__import__",), ("importlib",), ("__builtins__",), ("builtins",), ("__builtin__",),
    ("sys", "modules"),
)
BARE_TRICKS = ("globals", "vars", "locals")
# Tricks that act on a module object (``getattr(os, name)``, ``os.__dict__``): they need
# the word and the spelled name of a module that holds catalogued names.
MODULE_TRICKS = ("__dict__", "__getattribute__", "attrgetter", "methodcaller", "getmembers")
BARE_MODULE_TRICKS = ("getattr",)
# Code objects swapped or built without compile(): ``f.__code__ = c``,
# ``c.replace(co_code=...)``, ``type(f.__code__)(...)``.
CODE_TRICKS = ("__code__", "co_code")
# Calls whose arguments decide what they do (gate/scan/stdlib_forms.py) while their own
# entry is harmless or absent: the pre-filter walks the lines spelling them, and the lines
# of names bound to them (``from typing import ForwardRef as F``).
FORMS = frozenset({"typing.ForwardRef", "importlib.util.find_spec", "pkgutil.get_loader",
                   "pkgutil.find_loader", "importlib.find_loader", "pkgutil.get_data",
                   "locale.getdefaultlocale",
                   # (a Field renamed: ``dataclasses.fields(B)[0].name = s``)
                   "dataclasses.fields",
                   "argparse.ArgumentParser",  # (fromfile_prefix_chars)
                   *(f"importlib.resources.{f}" for f in (
                       "files", "read_text", "read_binary", "open_text", "open_binary",
                       "contents", "is_resource", "path"))})
# Catalogued names that count only when assigned (hooks), not when read.
STORE_ONLY = frozenset({"sys.meta_path", "sys.path_hooks", "sys.excepthook",
                        "sys.unraisablehook", "threading.excepthook", "sys.path_importer_cache",
                        "importlib.machinery.SOURCE_SUFFIXES",
                        "importlib.machinery.BYTECODE_SUFFIXES",
                        "importlib.machinery.EXTENSION_SUFFIXES",
                        "xml.sax.default_parser_list", "dbm._names",
                        # (setters whose value decides what is later written or read)
                        "sys.pycache_prefix", "mimetypes.knownfiles"})


@dataclass(frozen=True, kw_only=True, slots=True)
class Requirement:
    """Words a file must spell to use one catalogued name.

    A reference to ``a.b.c`` spells each of ``a``, ``b`` and ``c`` somewhere in the file
    (in the import statement, a star import's uses, or the attribute chain): Python binds
    a name only by spelling it. Reaching a name without spelling it takes one of TRICKS.
    ``bare`` words count only where they are not an attribute (``x.eval`` is not eval).
    """

    anywhere: frozenset[str] = frozenset()
    bare: frozenset[str] = frozenset()
    # the module the name lies in (``os`` of ``os.system``): the scanner resolves a name
    # only through a binding, and a module is bound by an import statement that spells it
    # (or by a trick, itself a requirement), so this word must be on an import line
    head: str = ""
    # a trick that may bind a module without an import statement (``__import__('os')``)
    binds: bool = False
    # the word every use spells at the use itself (the leaf: ``system`` of ``os.system``);
    # the scanner walks only the lines holding it, the imports, and bound aliases
    target: str = ""


_Parts = tuple[frozenset[Requirement], dict[str, frozenset[Requirement]],
               tuple[tuple[str, frozenset[Requirement]], ...], tuple[Requirement, ...]]


@dataclass(frozen=True, kw_only=True, slots=True)
class Entry:
    """A catalogued name that matched, e.g. ``name="os.environ"``."""

    name: str
    capability: Capability
    also: tuple[Capability, ...] = ()  # what else the name does (the generated table)

    @property
    def capabilities(self) -> tuple[Capability, ...]:
        """The primary capability, then ``also``."""
        return (self.capability, *self.also)


@dataclass(frozen=True, kw_only=True, slots=True)
class Catalog:
    exact: dict[str, Capability | None]  # None: harmless
    wildcard: dict[str, Capability]  # module -> capability of its public names
    receiver: dict[str, Capability]  # ".attr" entries without the dot
    also: dict[str, tuple[Capability, ...]]  # exact names with further capabilities
    # ``name =target`` lines (a re-export: the same object): pending while parsing, then
    # resolved to the target's entry, whose name the match reports (``tarfile.bltn_open``
    # is ``io.open``)
    aliases: dict[str, str]
    renamed: dict[str, str]
    # names of the generated table that are a standard module's command line (STDLIB_CLI):
    # matched like any name, no parent of their module
    commands: frozenset[str] = frozenset()
    memo: dict[str, object] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def parse(cls, text: str, *, source: str = "catalog.txt", base: Catalog | None = None,
              resolve: bool = True, base_also: bool = True,
              commands: bool = False) -> Catalog:
        """The table in ``text``; its lines override those of ``base`` (the generated
        standard-library table under the hand catalog). ``base_also=False``: only this
        text's lines give a name further capabilities. ``commands``: the text is the
        generated table, whose ``mod.main``-like names are command lines (STDLIB_CLI); a
        line of another text naming one makes it an ordinary name."""
        exact: dict[str, Capability | None] = dict(base.exact) if base else {}
        wildcard: dict[str, Capability] = dict(base.wildcard) if base else {}
        receiver: dict[str, Capability] = dict(base.receiver) if base else {}
        also: dict[str, tuple[Capability, ...]] = dict(base.also) if base and base_also else {}
        aliases: dict[str, str] = dict(base.aliases) if base else {}
        cli: set[str] = set(base.commands) if base else set()
        for number, raw in enumerate(text.splitlines(), 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            parts = line.split()
            if len(parts) != 2:
                raise ScanError(f"{source}:{number}: expected '<name> <capability>': {raw!r}")
            name, cap_text = parts
            if commands and "." in name and name.rpartition(".")[2] in STDLIB_CLI:
                cli.add(name)
            else:
                cli.discard(name)
            if cap_text.startswith("="):
                aliases[name] = cap_text[1:]
                continue
            try:
                caps = [None if c == _HARMLESS else Capability(c) for c in cap_text.split(",")]
            except ValueError:
                raise ScanError(f"{source}:{number}: unknown capability {cap_text!r}") from None
            cap = caps[0]
            if name.startswith("."):
                if cap is None:
                    raise ScanError(f"{source}:{number}: a '.attr' entry cannot be harmless")
                receiver[name[1:]] = cap
            elif name.endswith(".*"):
                if cap is None:
                    raise ScanError(f"{source}:{number}: a 'mod.*' entry cannot be harmless")
                wildcard[name[:-2]] = cap
                if len(caps) > 1 and None not in caps:  # (kept under ``mod.*``)
                    also[name] = tuple(c for c in caps[1:] if c is not None)
            else:
                exact[name] = cap
                aliases.pop(name, None)
                if len(caps) > 1 and None not in caps:
                    also[name] = tuple(c for c in caps[1:] if c is not None)
                else:
                    also.pop(name, None)
        cat = cls(exact=exact, wildcard=wildcard, receiver=receiver, also=also,
                  aliases=aliases, renamed={}, commands=frozenset(cli))
        return cat._resolved() if resolve else cat

    def _resolved(self) -> Catalog:
        """Each alias takes its target's entry (after every override)."""
        for alias, target in self.aliases.items():
            entry = self.match(target)
            self.exact[alias] = None if entry is None else entry.capability
            if entry is not None:
                self.renamed[alias] = entry.name
                if entry.also:
                    self.also[alias] = entry.also
        self.aliases.clear()
        return self

    def match(self, qualname: str) -> Entry | None:
        """The longest catalogued prefix of ``qualname`` (``os.environ.get`` -> os.environ)."""
        name = canonical(qualname)
        while True:
            if name in self.exact:
                cap = self.exact[name]
                if cap is None:
                    return None
                return Entry(name=self.renamed.get(name, name), capability=cap,
                             also=self.also.get(name, ()))
            parent, dot, leaf = name.rpartition(".")
            if not dot:
                return None
            wild = self.wildcard.get(parent)
            if wild is not None and not _EXCEPTION.match(leaf):
                return Entry(name=name, capability=wild, also=self.also.get(parent + ".*", ()))
            name = parent

    def parents(self) -> frozenset[str]:
        """Modules with a catalogued name right inside (``os``, ``ctypes``, ``builtins``);
        not for a command line alone (``json.tool`` of ``json.tool.main``: STDLIB_CLI)."""
        if "parents" not in self.memo:
            out = {"builtins"} | set(self.wildcard)
            out |= {n.rpartition(".")[0] for n, c in self.exact.items()
                    if c is not None and n not in self.commands}
            self.memo["parents"] = frozenset(out - {""})
        return cast(frozenset[str], self.memo["parents"])

    def reaches(self, qualname: str) -> bool:
        """Whether a computed attribute of module ``qualname`` may be catalogued."""
        if qualname in self.parents():
            return True
        return any(qualname.startswith(w + ".") for w in self.wildcard)

    def under_wildcard(self, qualname: str) -> bool:
        """Whether ``qualname`` is a ``mod.*`` module or lies inside one."""
        name = qualname
        while name:
            if name in self.wildcard:
                return True
            name = name.rpartition(".")[0]
        return False

    def names_under(self, own: frozenset[str]) -> bool:
        """Whether any catalogued name (or module holding one) is one of the module names
        ``own`` or lies under one: when none is, ``requirements(own)`` is
        ``requirements()`` (most distributions: their own names are not catalogued)."""
        if "prefixes" not in self.memo:
            names = [*(n for n, c in self.exact.items() if c is not None), *self.wildcard,
                     *self.parents()]
            self.memo["prefixes"] = frozenset(
                ".".join(parts[:i]) for n in names
                for parts in [n.split(".")] for i in range(1, len(parts) + 1))
        prefixes = cast(frozenset[str], self.memo["prefixes"])
        return any(o in prefixes for o in own)

    def requirements(self, exclude: frozenset[str] = frozenset()) -> list[Requirement]:
        """What a file must spell to use each entry (see ``Requirement``), leaving out the
        entries under the module names ``exclude``."""
        fixed, by_head, by_name, ordered = self._requirement_parts()
        if not exclude:
            return list(ordered)
        allowed = set(fixed)
        for head in {p.split(".", 1)[0] for p in self.parents() if not owned(p, exclude)}:
            allowed.update(by_head.get(head, ()))
        for name, reqs in by_name:
            if not owned(name, exclude):
                allowed.update(reqs)
        return [r for r in ordered if r in allowed]

    def _requirement_parts(self) -> _Parts:
        """The requirements once: those always needed, those of each module head (its
        tricks), those of each entry, and all of them in order."""
        if "parts" in self.memo:
            return cast(_Parts, self.memo["parts"])
        # a trick through a module (``importlib``, ``builtins``, ``sys.modules``) needs that
        # module imported like any other; ``__import__`` and ``__builtins__`` need nothing
        fixed: set[Requirement] = {Requirement(anywhere=frozenset(w), target=w[-1], binds=True,
                                               head=_head(w[0]))
                                   for w in TRICKS}
        fixed |= {Requirement(bare=frozenset({w}), target=w, binds=True) for w in BARE_TRICKS}
        fixed |= {Requirement(anywhere=frozenset({attr}), target=attr) for attr in self.receiver}
        fixed |= {Requirement(anywhere=frozenset({w}), target=w) for w in CODE_TRICKS}
        # the builtins module under another spelling (``enum.bltns.exec``): every use
        # spells its name, whose lines are walked
        for alias, real in _SPELLED:
            if real == "builtins" and "." in alias:
                parts = alias.split(".")
                fixed.add(Requirement(anywhere=frozenset(parts), target=parts[-1],
                                      head=parts[0], binds=True))
        # a module with catalogued names, under any spelling, reached by a computed name
        via: dict[str, set[tuple[str, frozenset[str]]]] = {}
        for alias, real in _SPELLED:
            via.setdefault(real.split(".", 1)[0], set()).add(
                (alias.split(".", 1)[0], frozenset(alias.split("."))))
        by_head: dict[str, frozenset[Requirement]] = {}
        for head in {p.split(".", 1)[0] for p in self.parents()}:
            reqs: set[Requirement] = set()
            for first, words in {*via.get(head, ()), (head, frozenset({head}))}:
                reqs |= {Requirement(anywhere=words | {w}, target=w, head=first)
                         for w in MODULE_TRICKS}
                reqs |= {Requirement(anywhere=words, bare=frozenset({w}), target=w, head=first)
                         for w in BARE_MODULE_TRICKS}
            by_head[head] = frozenset(reqs)
        by_name: list[tuple[str, frozenset[Requirement]]] = []
        for name in [n for n, c in self.exact.items() if c is not None] + list(self.wildcard):
            parts = name.split(".")
            if len(parts) == 1 and name not in self.wildcard:
                by_name.append((name, frozenset({Requirement(bare=frozenset(parts),
                                                             target=name)})))  # a builtin
                continue
            reqs = {Requirement(anywhere=frozenset(parts), target=parts[-1], head=_head(parts[0]))}
            for i in range(1, len(parts)):
                for alias in _SPELLED_BY_MODULE.get(".".join(parts[:i]), ()):
                    spelled = alias.split(".") + parts[i:]
                    reqs.add(Requirement(anywhere=frozenset(spelled), target=spelled[-1],
                                         head=_head(spelled[0])))
            by_name.append((name, frozenset(reqs)))
        every = set(fixed).union(*by_head.values(), *(r for _, r in by_name))
        ordered = tuple(sorted(every, key=_order))
        parts_ = (frozenset(fixed), by_head, tuple(by_name), ordered)
        self.memo["parts"] = parts_
        return parts_


def _order(r: Requirement) -> str:
    """The order of ``(sorted(r.anywhere), sorted(r.bare))`` as one string, compared in C
    (~3x faster over the catalog's 12.5k requirements): each word ends with ``\x01`` and
    the two lists are joined by ``\x00``, both below any character a word holds, so a word
    or list that is a prefix of another sorts first, as lists do."""
    return "".join(w + "\x01" for w in sorted(r.anywhere)) + "\x00" + "".join(
        w + "\x01" for w in sorted(r.bare))


def owned(qualname: str, own: frozenset[str]) -> bool:
    """Whether ``qualname`` is one of the module names ``own`` or lies under one."""
    if not own:
        return False
    for root in own:
        if qualname.startswith(root) and (len(qualname) == len(root)
                                          or qualname[len(root)] == "."):
            return True
    return False


@functools.lru_cache(maxsize=16384)
def canonical(qualname: str) -> str:
    """Map module spellings to the catalogued one: ``posix.system`` -> ``os.system``,
    ``shutil.os.system`` -> ``os.system`` (a module reached as another module's attribute),
    ``pip._vendor.requests.get`` -> ``requests.get`` (a vendored copy)."""
    head, dot, rest = qualname.partition(".")
    if head == "<module>" and rest.partition(".")[0] in _STDLIB_TOP:
        # an unknown module's ``sys`` (``exit.__call__.__globals__["sys"]``): a module is
        # held under the name of a standard one only as that module
        qualname = rest
        head, dot, rest = qualname.partition(".")
    if head in _VENDOR_HEADS:
        for prefix in _VENDORED:
            if qualname.startswith(prefix) and len(qualname) > len(prefix):
                qualname = qualname[len(prefix):]
                head, dot, rest = qualname.partition(".")
                break
    for _ in range(4):
        if head not in _ALIAS_HEADS:
            break
        parts = qualname.split(".")
        for i in range(len(parts), 0, -1):
            real = _REWRITES.get(".".join(parts[:i]))
            if real is not None:
                qualname = ".".join([real, *parts[i:]])
                break
        else:
            break
        head, dot, rest = qualname.partition(".")
    if head == "builtins" and dot:
        return rest
    return qualname


@functools.cache
def catalog() -> Catalog:
    """The shipped catalog, parsed once: the generated standard-library table
    (``data/stdlib.txt``) under the hand catalog (``data/catalog.txt``)."""
    stdlib = Catalog.parse(_data("stdlib.txt"), source="stdlib.txt", resolve=False,
                           commands=True)
    return Catalog.parse(_data("catalog.txt"), base=stdlib)


@functools.lru_cache(maxsize=8192)
def match(qualname: str) -> Entry | None:
    """See ``Catalog.match`` (cached)."""
    return catalog().match(qualname)


def lookup(qualname: str) -> Capability | None:
    """The capability a reference to ``qualname`` uses, or None."""
    entry = catalog().match(qualname)
    return None if entry is None else entry.capability


def receiver_method(attr: str) -> Capability | None:
    """Capability of ``<anything>.attr`` for the few names distinctive on any receiver."""
    return catalog().receiver.get(attr)


def under_wildcard(qualname: str) -> bool:
    """See ``Catalog.under_wildcard``."""
    return catalog().under_wildcard(canonical(qualname))


@functools.cache
def _parents() -> frozenset[str]:
    return catalog().parents()


@functools.lru_cache(maxsize=8192)
def reaches(qualname: str) -> bool:
    """See ``Catalog.reaches`` (cached)."""
    name = canonical(qualname)
    return name in _parents() or catalog().under_wildcard(name)


@functools.cache
def module_prefixes() -> frozenset[str]:
    """Names under which some entry lies (``os``, ``os.path``, ``ctypes``, ``builtins``):
    reaching into one of these by a computed attribute name may reach a capability."""
    cat = catalog()
    names = [n for n, c in cat.exact.items() if c is not None and n not in cat.commands] + [
        w + ".x" for w in cat.wildcard]
    out = {"builtins"}
    for name in names:
        parts = name.split(".")
        out.update(".".join(parts[:i]) for i in range(1, len(parts)))
    return frozenset(out)


def requirements(own: frozenset[str] = frozenset()) -> list[Requirement]:
    """See ``Catalog.requirements`` (``own``: the module names left out)."""
    return catalog().requirements(own)


@functools.cache
def stdlib_modules() -> frozenset[str]:
    """Top-level names of the standard library, over the Python versions the table was
    generated on (``sys.stdlib_module_names`` of this one, the heads of ``stdlib.txt``)."""
    heads = {line.split(None, 1)[0].split(".", 1)[0] for line in _data("stdlib.txt").splitlines()
             if line.strip() and not line.startswith("#")}
    return _STDLIB_TOP | heads
