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
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

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
}

# Modules that hold other modules as attributes (``shutil.os``, ``tempfile._os``):
# ``shutil.os.system`` is ``os.system``. ``container: attr`` (the attribute is the module of
# that name) or ``attr=module``; read from CPython 3.11-3.14, a superset is harmless.
_MODULE_ATTRIBUTES = """
    argparse: _os=os _sys=sys
    ast: sys
    asyncio: sys
    asyncio.base_events: os socket subprocess sys threading
    asyncio.events: os socket subprocess sys threading
    asyncio.streams: socket sys
    asyncio.subprocess: subprocess
    asyncio.unix_events: os signal socket subprocess sys threading
    bz2: os
    calendar: sys
    cmd: sys
    code: sys
    codecs: builtins sys
    collections: _sys=sys
    compileall: importlib os sys
    concurrent.futures.process: os sys threading
    concurrent.futures.thread: os threading
    configparser: os sys
    contextlib: os sys
    ctypes: _os=os _sys=sys
    ctypes.util: os shutil subprocess sys tempfile
    dataclasses: _thread builtins inspect sys
    datetime: sys
    dbm: os sys
    dis: sys
    doctest: inspect os sys
    email.utils: os socket
    ensurepip: os subprocess sys tempfile
    enum: bltns=builtins sys
    filecmp: os
    fileinput: os sys
    fractions: sys
    ftplib: socket sys
    getopt: os
    getpass: os sys
    gettext: os sys
    glob: os sys
    gzip: builtins os sys
    http.client: socket sys
    http.cookiejar: _threading=threading os
    http.server: os posixpath=os.path shutil socket sys
    imaplib: socket subprocess sys
    importlib: sys
    importlib.util: sys
    inspect: builtins importlib os sys
    linecache: os sys
    locale: sys
    logging: os sys threading
    lzma: builtins os
    mailbox: os socket
    mimetypes: os posixpath=os.path sys
    modulefinder: importlib marshal os sys
    multiprocessing: os sys
    multiprocessing.util: os sys threading
    netrc: os
    ntpath: os sys
    optparse: os sys
    os: sys
    os.path: os sys
    pathlib: os posixpath=os.path sys
    pdb: glob inspect os signal sys
    pickle: sys
    pkgutil: importlib os sys
    platform: os subprocess sys
    poplib: socket sys
    posixpath: os sys
    pprint: _sys=sys
    profile: marshal sys
    pstats: marshal os sys
    pty: os sys
    py_compile: importlib os sys
    pydoc: builtins importlib inspect os sys
    queue: threading
    random: _os=os
    reprlib: builtins
    rlcompleter: builtins inspect
    runpy: importlib os sys
    sched: threading
    selectors: sys
    shlex: os sys
    shutil: os posix=os sys
    site: builtins os sys
    smtplib: socket sys
    socket: _socket=socket os sys
    socketserver: os socket sys threading
    ssl: _socket=socket os sys
    statistics: sys
    subprocess: builtins os signal sys threading
    sysconfig: os sys
    tarfile: os shutil sys
    tempfile: _os=os _shutil=shutil _sys=sys _thread
    threading: _os=os _sys=sys
    timeit: gc sys
    tokenize: sys
    trace: gc inspect os pickle sys threading
    traceback: sys
    tracemalloc: os pickle
    typing: sys
    unittest.mock: builtins inspect sys
    urllib.parse: sys
    urllib.request: os posixpath=os.path socket sys tempfile
    uuid: os sys
    venv: os shutil subprocess sys
    warnings: sys
    weakref: sys
    webbrowser: os shutil subprocess sys threading
    wsgiref.simple_server: sys
    xml.etree.ElementTree: sys
    xmlrpc.client: sys
    xmlrpc.server: os sys
    zipapp: os shutil sys
    zipfile: importlib os posixpath=os.path shutil sys threading
    zipimport: marshal sys
"""


def _module_attributes(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in text.strip().splitlines():
        container, _, attrs = line.strip().partition(":")
        for item in attrs.split():
            attr, _, real = item.partition("=")
            out[f"{container}.{attr}"] = real or attr
    return out


MODULE_ATTRIBUTES: dict[str, str] = _module_attributes(_MODULE_ATTRIBUTES)
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
})
# Spellings whose words differ from the module's (``posix.system``, ``tempfile._os.system``):
# the pre-filter needs requirements spelled their way.
def _spelled() -> tuple[tuple[str, str], ...]:
    """Other spellings of a module (``posix`` for ``os``, ``tempfile._os``), composed over
    up to three renamed hops (``http.cookiejar._threading`` is ``threading``, whose ``_os``
    is ``os``: ``http.cookiejar._threading._os``), as ``canonical`` follows them."""
    base = {alias: real for alias, real in _REWRITES.items()
            if alias in MODULE_ALIASES or real != alias.rpartition(".")[2]}
    out = dict(base)
    frontier = dict(base)
    for _ in range(2):
        grown: dict[str, str] = {}
        for alias, real in frontier.items():
            for other, target in base.items():
                if other.startswith(real + "."):
                    longer = alias + other[len(real):]
                    if longer not in out:
                        grown[longer] = target
        out.update(grown)
        frontier = grown
    return tuple(out.items())


_SPELLED: tuple[tuple[str, str], ...] = _spelled()

# pathlib classes: a call of one of these yields a path (``Path(p).write_text``).
PATH_CLASSES = frozenset(
    f"pathlib.{c}" for c in ("Path", "PurePath", "PosixPath", "WindowsPath", "PurePosixPath",
                             "PureWindowsPath")
)

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
# Catalogued names that count only when assigned (hooks), not when read.
STORE_ONLY = frozenset({"sys.meta_path", "sys.path_hooks", "sys.excepthook",
                        "sys.unraisablehook", "threading.excepthook"})


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


@dataclass(frozen=True, kw_only=True, slots=True)
class Entry:
    """A catalogued name that matched, e.g. ``name="os.environ"``."""

    name: str
    capability: Capability


@dataclass(frozen=True, kw_only=True, slots=True)
class Catalog:
    exact: dict[str, Capability | None]  # None: harmless
    wildcard: dict[str, Capability]  # module -> capability of its public names
    receiver: dict[str, Capability]  # ".attr" entries without the dot

    @classmethod
    def parse(cls, text: str, *, source: str = "catalog.txt") -> Catalog:
        exact: dict[str, Capability | None] = {}
        wildcard: dict[str, Capability] = {}
        receiver: dict[str, Capability] = {}
        for number, raw in enumerate(text.splitlines(), 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            parts = line.split()
            if len(parts) != 2:
                raise ScanError(f"{source}:{number}: expected '<name> <capability>': {raw!r}")
            name, cap_text = parts
            try:
                cap = None if cap_text == _HARMLESS else Capability(cap_text)
            except ValueError:
                raise ScanError(f"{source}:{number}: unknown capability {cap_text!r}") from None
            if name.startswith("."):
                if cap is None:
                    raise ScanError(f"{source}:{number}: a '.attr' entry cannot be harmless")
                receiver[name[1:]] = cap
            elif name.endswith(".*"):
                if cap is None:
                    raise ScanError(f"{source}:{number}: a 'mod.*' entry cannot be harmless")
                wildcard[name[:-2]] = cap
            else:
                exact[name] = cap
        return cls(exact=exact, wildcard=wildcard, receiver=receiver)

    def match(self, qualname: str) -> Entry | None:
        """The longest catalogued prefix of ``qualname`` (``os.environ.get`` -> os.environ)."""
        name = canonical(qualname)
        while True:
            if name in self.exact:
                cap = self.exact[name]
                return None if cap is None else Entry(name=name, capability=cap)
            parent, dot, leaf = name.rpartition(".")
            if not dot:
                return None
            wild = self.wildcard.get(parent)
            if wild is not None and not _EXCEPTION.match(leaf):
                return Entry(name=name, capability=wild)
            name = parent

    def parents(self) -> frozenset[str]:
        """Modules with a catalogued name right inside (``os``, ``ctypes``, ``builtins``)."""
        out = {"builtins"} | set(self.wildcard)
        out |= {n.rpartition(".")[0] for n, c in self.exact.items() if c is not None}
        return frozenset(out - {""})

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

    def requirements(self, exclude: frozenset[str] = frozenset()) -> list[Requirement]:
        """What a file must spell to use each entry (see ``Requirement``), leaving out the
        entries under the module names ``exclude``."""
        # a trick through a module (``importlib``, ``builtins``, ``sys.modules``) needs that
        # module imported like any other; ``__import__`` and ``__builtins__`` need nothing
        reqs: set[Requirement] = {Requirement(anywhere=frozenset(w), target=w[-1], binds=True,
                                              head="" if w[0] in BUILTIN_NAMES else w[0])
                                  for w in TRICKS}
        reqs |= {Requirement(bare=frozenset({w}), target=w, binds=True) for w in BARE_TRICKS}
        heads = {p.split(".", 1)[0] for p in self.parents() if not owned(p, exclude)}
        via = {(a.split(".", 1)[0], frozenset(a.split("."))) for a, real in _SPELLED
                   if real.split(".", 1)[0] in heads}
        via |= {(head, frozenset({head})) for head in heads}
        for head, words in via:
            reqs |= {Requirement(anywhere=words | {w}, target=w, head=head)
                     for w in MODULE_TRICKS}
            reqs |= {Requirement(anywhere=words, bare=frozenset({w}), target=w, head=head)
                     for w in BARE_MODULE_TRICKS}
        names = [n for n, c in self.exact.items() if c is not None] + list(self.wildcard)
        for name in names:
            if exclude and owned(name, exclude):
                continue
            parts = name.split(".")
            if len(parts) == 1 and name not in self.wildcard:
                reqs.add(Requirement(bare=frozenset(parts), target=name))  # a builtin
                continue
            reqs.add(Requirement(anywhere=frozenset(parts), target=parts[-1], head=parts[0]))
            for alias, real in _SPELLED:
                if name.startswith(real + "."):
                    spelled = alias.split(".") + name[len(real) + 1:].split(".")
                    reqs.add(Requirement(anywhere=frozenset(spelled), target=spelled[-1],
                                         head=spelled[0]))
        reqs |= {Requirement(anywhere=frozenset({attr}), target=attr) for attr in self.receiver}
        reqs |= {Requirement(anywhere=frozenset({w}), target=w) for w in CODE_TRICKS}
        # the builtins module under another spelling (``enum.bltns.exec``): every use
        # spells its name, whose lines are walked
        for alias, real in _SPELLED:
            if real == "builtins" and "." in alias:
                parts = alias.split(".")
                reqs.add(Requirement(anywhere=frozenset(parts), target=parts[-1],
                                     head=parts[0], binds=True))
        return sorted(reqs, key=lambda r: (sorted(r.anywhere), sorted(r.bare)))


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
    ``shutil.os.system`` -> ``os.system`` (a module reached as another module's attribute)."""
    head, dot, rest = qualname.partition(".")
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
    """The shipped catalog, parsed once."""
    text = resources.files("gate").joinpath("data/catalog.txt").read_text(encoding="utf-8")
    return Catalog.parse(text)


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
    names = [n for n, c in cat.exact.items() if c is not None] + [w + ".x" for w in cat.wildcard]
    out = {"builtins"}
    for name in names:
        parts = name.split(".")
        out.update(".".join(parts[:i]) for i in range(1, len(parts)))
    return frozenset(out)


def requirements(own: frozenset[str] = frozenset()) -> list[Requirement]:
    """See ``Catalog.requirements`` (``own``: the module names left out)."""
    return catalog().requirements(own)
