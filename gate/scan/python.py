"""Python source -> findings, on the AST, through an import-alias map.

Public API:

    scan_python(source: bytes, path: str, *, phase: Phase | None = None,
                own: frozenset[str] = frozenset()) -> list[Finding]
        ``source`` is the raw file bytes (decoded as Python would: PEP 263 cookie, BOM).
        ``phase=None``: module/class bodies are ``import``, function bodies ``runtime``.
        ``phase=Phase.INSTALL`` or ``Phase.STARTUP`` forces that phase on every finding
        (setup.py, build backends, sitecustomize, code run by .pth lines).
        ``own``: import names of the distribution being scanned (``{"botocore"}``);
        catalogued names under them are not evidence (see "A distribution's own API").
        Unparseable source that could hold a capability yields an ``unanalyzed`` finding
        plus lexical findings for catalogued names.
    decode_source(source: bytes) -> str
        The text Python would compile; raises SyntaxError (as Python does) when it cannot.

A distribution's own API: the catalog lists the APIs of popular libraries
(``requests.*``, ``urllib3.PoolManager``, ``botocore.endpoint.Endpoint``) so that their
*users* are found. Inside the distribution that defines them, ``botocore.endpoint``
referring to itself is no evidence, and ignoring it is sound: whatever capability that
API has, it is implemented in this same artifact with some other catalogued primitive
(``urllib3.PoolManager``, ``socket.socket``, ``open``, a dynamic trick) or with native
code, and that use is still found where it is. ``own`` must therefore name only modules
whose code is in the scanned artifact and that no other distribution may provide (the
wheel and sdist scanners pass the distribution's own top-level packages, never a stdlib
name). Files run at install or startup (``phase`` forced) ignore ``own``: there, the
phase of a use through the package's own API matters, and only this file shows it.

How it stays cheap: the pre-filter (gate.scan.prefilter) rules most files out with one
regex search; for the rest, only the statements whose lines hold a pre-filter word (or a
name an import bound to a catalogued module) are walked, with plain type checks instead of
a generic visitor.
"""

from __future__ import annotations

import ast
import bisect
import gc
import re
from collections.abc import Callable, Iterable, Mapping, Sequence

from gate.catalog import (
    BUILTIN_NAMES,
    CODE_TRICKS,
    HOLDERS,
    PATH_CLASSES,
    STORE_ONLY,
    Entry,
    canonical,
    match,
    owned,
    reaches,
    receiver_method,
    under_wildcard,
)
from gate.model import Capability, Finding, Phase
from gate.scan import reflect
from gate.scan.exports import Exported
from gate.scan.lexical import (
    absolute,
    decode_source,
    line_numbers,
    normalize,
    value_offsets,
    value_starts,
    word_offsets,
)
from gate.scan.native import SYMBOLS
from gate.scan.prefilter import satisfied
from gate.scan.reflect import ANY_MODULE, REFLECTIVE, SUBCLASSES, namespace_of

_READ = Capability.FS_READ
_WRITE = Capability.FS_WRITE
_DYNAMIC = Capability.DYNAMIC_CODE

# open-like functions: qualified name -> index of the positional ``mode`` argument
_OPENERS = {"open": 1, "io.open": 1, "io.FileIO": 1, "codecs.open": 1,
            "pathlib.Path.open": 0, "gzip.open": 1, "gzip.GzipFile": 1, "bz2.open": 1,
            "bz2.BZ2File": 1, "lzma.open": 1, "lzma.LZMAFile": 1, "tarfile.open": 1,
            "tarfile.TarFile": 1, "tarfile.TarFile.open": 1, "zipfile.ZipFile": 1,
            "zipfile.PyZipFile": 1, "shelve.open": 1, "dbm.open": 1, "dbm.dumb.open": 1}
# openers whose mode argument is called ``flag``, and defaults other than reading
_FLAG_OPENERS = frozenset({"shelve.open", "dbm.open", "dbm.dumb.open"})
_MODE_DEFAULTS = {"shelve.open": "c", "dbm.dumb.open": "c"}
_IMPORTERS = frozenset({"__import__", "importlib.import_module", "importlib.__import__",
                        "importlib._bootstrap._gcd_import", "importlib._bootstrap.__import__",
                        "importlib._bootstrap._find_and_load", "pkgutil.resolve_name",
                        "pydoc.locate"})
# what an annotation string holds only when it is code, not a type (``"list[int] | None"``)
_CODE_NODES = (ast.Call, ast.Lambda, ast.NamedExpr, ast.Await, ast.Yield, ast.YieldFrom,
               ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_IMPORTER_MODULES = frozenset(i.rpartition(".")[0] for i in _IMPORTERS) - {""}
# what stands for ``sys.modules[__name__]`` (the file's own module) and for a ctypes library
_SELF_MODULE = "<this module>"
_LIBRARY = "<ctypes library>"
_LIBRARIES = frozenset({"ctypes.CDLL", "ctypes.PyDLL", "ctypes.WinDLL", "ctypes.OleDLL",
                        "ctypes.LibraryLoader", "_ctypes.dlopen", "ctypes._dlopen"})
_GETTERS = frozenset({"getattr", "inspect.getattr_static"})
# what a platform test reads
_PLATFORM_NAMES = frozenset({"sys.platform", "os.name", "platform.system",
                             "platform.platform", "platform.machine", "sys.implementation"})
_PLATFORM_ATTRS = frozenset(n.rpartition(".")[2] for n in _PLATFORM_NAMES)
# builtins whose first argument is only looked at, not kept or handed on
_CONSUMERS = frozenset({"isinstance", "issubclass", "hasattr", "getattr", "setattr",
                        "delattr", "type", "id", "repr", "str", "print", "callable", "dir",
                        "vars", "hash"})
# ``sys.modules.values()``: every module, by no name
_MODULE_LISTS = frozenset({"values", "items", "copy", "__iter__", "popitem"})
_NAMESPACES = frozenset({"globals", "locals", "vars"})
_SAFE_YAML = frozenset({"yaml.SafeLoader", "yaml.CSafeLoader", "yaml.BaseLoader",
                        "yaml.CBaseLoader", "yaml.loader.SafeLoader",
                        "yaml.cyaml.CSafeLoader"})
_WRITE_FLAGS = frozenset({"O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_APPEND", "O_EXCL",
                          "O_TMPFILE"})
_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)
_COMPUTED = "<computed>"


def scan_python(source: bytes | str, path: str, *, phase: Phase | None = None,
                own: frozenset[str] = frozenset(), module: str | None = None,
                exports: Exported | None = None) -> list[Finding]:
    """Findings of one Python file (see the module docstring); ``source`` is its bytes,
    or its text already decoded by ``decode_source``."""
    if phase is not None:
        own = frozenset()
    if isinstance(source, str):
        text = source
    else:
        try:
            text = decode_source(source)
        except SyntaxError as exc:
            return _unanalyzed(source.decode("latin-1"), path, phase, exc, own)
    norm = normalize(text)
    words = satisfied(norm, own, exports, module=module,
                      package=path.endswith("__init__.py"))
    if not words:
        return []
    # An AST holds no reference cycles (refcounting frees it), but building one allocates
    # enough objects to trigger many cyclic collections, each of which traverses the young
    # tree and the program's whole heap: a fifth of the scan's time. Pause them meanwhile.
    collecting = gc.isenabled()
    gc.disable()
    try:
        try:
            tree = ast.parse(text, filename=path)
        except (SyntaxError, ValueError, OverflowError, RecursionError, MemoryError) as exc:
            return _unanalyzed(norm, path, phase, exc, own)
        try:
            scanner = _Scanner(path, norm, words, phase, own)
            if module is not None:
                scanner.module_name = module
                scanner.package = path.endswith("__init__.py")
            if exports is not None and (exports.table or exports.stars):
                scanner.set_exports(exports)
            return scanner.run(tree)
        except RecursionError as exc:
            return _unanalyzed(norm, path, phase, exc, own)
    finally:
        if collecting:
            gc.enable()


def _reason(exc: BaseException) -> tuple[str, int]:
    if isinstance(exc, SyntaxError):
        line = exc.lineno or 1
        msg = exc.msg if exc.msg else str(exc)
        return f"{type(exc).__name__}: {msg} (line {line})", line
    if isinstance(exc, RecursionError):
        return "RecursionError: too deeply nested to analyse", 1
    return f"{type(exc).__name__}: {exc}", 1


# A dotted name as text: ``os.system``, ``os . system``.
_LEX_CHAIN = re.compile(r"(?<![\w.])[A-Za-z_]\w*(?:[ \t]*\.[ \t]*[A-Za-z_]\w*)*")


def _unanalyzed(text: str, path: str, phase: Phase | None, exc: BaseException,
                own: frozenset[str] = frozenset()) -> list[Finding]:
    """What an unparseable file could do: ``unanalyzed`` plus catalogued names in its text."""
    norm = normalize(text)
    if not satisfied(norm, own):
        return []
    reason, line = _reason(exc)
    ph = phase or Phase.IMPORT
    out = {Finding(path=path, line=line, capability=Capability.UNANALYZED, phase=ph,
                   detail=reason)}
    starts = _line_starts(norm)
    for m in _LEX_CHAIN.finditer(norm):
        chain = re.sub(r"[ \t]", "", m.group())
        lineno = bisect.bisect_right(starts, m.start())
        entry = match(chain)
        if entry is not None and own and owned(entry.name, own):
            continue
        if entry is not None:
            out.add(Finding(path=path, line=lineno, capability=entry.capability, phase=ph,
                            detail=entry.name))
            continue
        last = chain.rpartition(".")[2]
        cap = receiver_method(last) if "." in chain else None
        if cap is not None:
            out.add(Finding(path=path, line=lineno, capability=cap, phase=ph,
                            detail=f"*.{last}"))
    return sorted(out)


def _line_starts(text: str) -> list[int]:
    starts = [0]
    find = text.find
    i = find("\n")
    while i >= 0:
        starts.append(i + 1)
        i = find("\n", i + 1)
    return starts


def _lines_of(text: str, words: Iterable[str]) -> list[int]:
    """Sorted 1-based line numbers holding any of ``words``."""
    return line_numbers(text, word_offsets(text, words))




def _assigned_lines(text: str, names: Iterable[str], *,
                    chains: Mapping[str, frozenset[str]] | None = None) -> list[int]:
    """Sorted line numbers of the occurrences of ``names`` that may start the value of an
    assignment: after ``=`` (``x = name``, ``x = (name``; keyword arguments ``f(x=name)``
    too, harmlessly), or first on their line (``x = (  # ...`` then ``name)`` below). A
    plain ``Assign`` whose value resolves starts with its root name. ``chains``: only where
    the value is the name alone or a plain attribute chain whose first attribute is one of
    the name's (``_plain_chain``)."""
    offsets = [off for off, _ in value_starts(text, names)
               if chains is None or _plain_chain(text, off, chains)]
    return line_numbers(text, offsets)


_CHAIN_AT = re.compile(r"[^\W\d]\w*(?:[ \t\f]*\.[ \t\f]*[^\W\d]\w*)*[ \t\f]*")


def _plain_chain(text: str, off: int, attrs: Mapping[str, frozenset[str]]) -> bool:
    """Whether the name at ``off`` starts a plain ``a.b.c`` chain, not called or subscripted,
    whose first attribute (if any) is one of ``attrs[a]`` (``x = getopt.os``, not ``x =
    np.zeros(3)`` or ``x = getopt.error``); unsure (a line continuation, a comment, the end
    of the text) counts as yes."""
    m = _CHAIN_AT.match(text, off)
    if m is None:
        return True
    end = m.end()
    if end < len(text) and text[end] in "([":
        return False
    parts = re.sub(r"[ \t\f]", "", m.group()).split(".")
    allowed = attrs.get(parts[0], frozenset())
    return len(parts) == 1 or parts[1] in allowed or "*" in allowed  # (*: a star import)


def _escape_lines(text: str, names: Iterable[str]) -> list[int]:
    """Sorted line numbers where one of ``names`` stands not followed by a dot: where a
    module bound to it may be used as a value (``f(os)``, ``[os]``, ``m = os``)."""
    return line_numbers(text, [start for start, _ in value_offsets(text, names)])


def _literal_str(node: ast.expr | None) -> str | None:
    """A string the source spells: a constant, ``"sys" + "tem"``, ``f"system"``."""
    t = type(node)
    if t is ast.Constant:
        value = node.value  # type: ignore[union-attr]
        return value if isinstance(value, str) else None
    if t is ast.BinOp and type(node.op) is ast.Add:  # type: ignore[union-attr]
        left = _literal_str(node.left)  # type: ignore[union-attr]
        if left is None:
            return None
        right = _literal_str(node.right)  # type: ignore[union-attr]
        return None if right is None else left + right
    if t is ast.JoinedStr:
        parts = [_literal_str(v) for v in node.values]  # type: ignore[union-attr]
        return "".join(parts) if all(p is not None for p in parts) else None  # type: ignore[arg-type]
    return None


def _is_type_checking(test: ast.expr) -> bool:
    return (type(test) is ast.Name and test.id == "TYPE_CHECKING") or (
        type(test) is ast.Attribute and test.attr == "TYPE_CHECKING")


def _arg(call: ast.Call, index: int, keyword: str) -> ast.expr | None:
    if len(call.args) > index and not any(type(a) is ast.Starred for a in call.args[:index + 1]):
        return call.args[index]
    for kw in call.keywords:
        if kw.arg == keyword:
            return kw.value
    return None


def _unknown_args(call: ast.Call, index: int) -> bool:
    """Whether argument ``index`` may come from ``*args``/``**kwargs``."""
    return any(type(a) is ast.Starred for a in call.args[:index + 1]) or any(
        kw.arg is None for kw in call.keywords)


# Pass 1 rounds: each follows the aliases the previous one found one assignment further
# (``a = os``, ``b = a``, ...); after these, one more round reads every line.
_ALIAS_ROUNDS = 8


class _Scanner:
    def __init__(self, path: str, text: str, words: set[str], phase: Phase | None,
                 own: frozenset[str]) -> None:
        self.match: Callable[[str], Entry | None] = match
        self.reaches: Callable[[str], bool] = reaches
        self.relevant: Callable[[str], bool] = _relevant
        if own:
            self.match = lambda q: None if (e := match(q)) is None or owned(e.name, own) else e
            self.reaches = lambda q: reaches(q) and not owned(canonical(q), own)
            self.relevant = lambda q: _relevant(q) and not owned(canonical(q), own)
        self.path = path
        self.text = text
        self.words = words
        self.forced = phase
        self.aliases: dict[str, str] = {}  # local name -> qualified name it was bound to
        self.stars: list[str] = []  # modules star-imported
        self.module: Sequence[ast.stmt] = ()
        self.bound: set[str] | None = None  # names (re)bound at module level, when needed
        self.ends: dict[int, list[int]] = {}  # id(body) -> end line of each statement
        self.scopes: list[_LazyLocals] = []  # enclosing function scopes
        self.from_imports: dict[str, tuple[int, Phase, str]] = {}
        self.used: set[str] = set()
        self.found: set[Finding] = set()
        self.lines: list[int] = []
        self.everything = False
        self.module_name: str | None = None  # dotted name of this file, for relative imports
        self.package = False  # an ``__init__.py``
        self.exports: Exported | None = None
        self.code_tricks = not words.isdisjoint(CODE_TRICKS)
        # soundness (gate.scan.reflect): nodes whose value cannot escape where they stand
        # (a call's callee, a comparison, a plain alias), quals bound by ``import``, the
        # nesting that makes an assignment a class attribute, names ``from __future__``
        self.safe: set[int] = set()
        self.lookups: set[int] = set()  # namespaces subscripted where they stand
        self.arguments: set[int] = set()  # arguments of calls
        self.imported: set[str] = set()
        self.class_body = False
        self.future_annotations = False
        self.classes: set[str] | None = None
        self.platform: str | None = None  # ``if sys.platform == ...`` around what is walked

    def _held_attributes(self, qual: str) -> frozenset[str]:
        """The attributes of module ``qual`` that lead to a catalogued module it holds
        (``getopt``: ``os``; an own ``pkg.compat`` that imports ``os``: ``os``); empty
        when it holds none."""
        held = HOLDERS.get(qual, frozenset())
        if self.exports is not None:
            held = held | self.exports.holders.get(qual, frozenset())
        return held

    def set_exports(self, exports: Exported) -> None:
        """Resolve names imported from the distribution's own modules (gate.scan.exports):
        at the import (``from .compat import sp``) and where a chain is built
        (``compat.sp.run``, ``_resolve``/``_chain``)."""
        self.exports = exports

    # ------------------------------------------------------------------ driver
    def run(self, tree: ast.Module) -> list[Finding]:
        # every use spells its target word; imports are walked to learn the aliases, then
        # the lines of aliases whose uses need not spell a target (``sp.run``, ``p = Path()``)
        # Pass 1 (bindings) also reads the lines of names bound to modules (``o = os``).
        self.module = tree.body
        base = _lines_of(self.text, self.words | {"import"})
        self.lines = base
        seen: set[str] = set()
        for rnd in range(_ALIAS_ROUNDS + 1):
            self._collect(tree.body, in_function=False, phase=Phase.IMPORT)
            fresh = [(name, q) for name, q in self.aliases.items()
                     if name not in self.words and name not in seen]
            extra = {name for name, q in fresh if self.relevant(q) or self.reaches(q)}
            # a module that only holds one (``getopt.os``): only ``o = getopt.os`` binds it
            holders = {name: attrs for name, q in fresh if name not in extra
                       and (attrs := self._held_attributes(q))}
            if not extra and not holders:
                break
            seen |= extra | set(holders)
            if rnd + 1 < _ALIAS_ROUNDS:
                # pass 1 learns only assignments (``o = os``, ``p = pathlib.Path(x)``): of
                # the lines naming these aliases, those where one starts an assigned value
                self.lines = sorted(set(self.lines) | set(_assigned_lines(self.text, extra))
                                    | set(_assigned_lines(self.text, holders, chains=holders)))
            else:  # a longer chain: the last round reads every line (in order, as Python)
                self.lines = list(range(1, self.text.count("\n") + 2))
        walk = {name for name in seen if self.relevant(self.aliases[name])}
        self.lines = sorted(set(base) | set(_lines_of(self.text, walk))) if walk else base
        # a module may escape as a value wherever its name is not followed by a dot
        modules = {name for name, q in self.aliases.items() if self._module_value(q)}
        if modules:
            self.lines = sorted(set(self.lines) | set(_escape_lines(self.text, modules)))
        self.future_annotations = any(
            type(st) is ast.ImportFrom and st.module == "__future__"
            and any(a.name == "annotations" for a in st.names)
            for st in tree.body[:8])
        self.everything = any(self.relevant(m) for m in self.stars)
        self._stmts(tree.body, Phase.IMPORT)
        for name, (line, ph, qual) in self.from_imports.items():
            entry = self.match(qual)
            if name not in self.used and entry is not None and entry.name not in STORE_ONLY:
                # imported, only re-exported
                self._add(entry.capability, line, ph, entry.name)
        return sorted(self.found)

    def _overlapping(self, body: Sequence[ast.stmt]) -> Sequence[ast.stmt]:
        """The statements of ``body`` whose lines (decorators included) hold a walked line.

        Goes from walked line to statement (bisect on the statements' end lines), so a long
        body with few walked lines costs a few steps, not one per statement.
        """
        if self.everything or not body:
            return body
        lines = self.lines
        ends = self.ends.get(id(body))
        if ends is None:
            ends = self.ends[id(body)] = [st.end_lineno or st.lineno for st in body]
        n, count, last = len(lines), len(body), ends[-1]
        i = bisect.bisect_left(lines, _start(body[0]))
        k = 0
        out: list[ast.stmt] = []
        while i < n and lines[i] <= last:
            line = lines[i]
            k = bisect.bisect_left(ends, line, k)  # the first statement ending at or after
            st = body[k]
            start = _start(st)
            if start <= line:
                out.append(st)
                k += 1
                if k == count:
                    break
                # the next statement may start on this very line (``a = 1; b = 2``)
                i = bisect.bisect_left(lines, _start(body[k]), i)
            else:
                i = bisect.bisect_left(lines, start, i)
        return out

    def _module_bound(self) -> set[str]:
        """Names (re)bound at module level (defs, classes, assignments, loops, with)."""
        if self.bound is None:
            bound: set[str] = set()
            stack = [self.module]
            while stack:
                for st in stack.pop():
                    bound |= _bound_names(st)
                    t = type(st)
                    if t is ast.If and _is_type_checking(st.test):  # type: ignore[attr-defined]
                        stack.append(st.orelse)  # type: ignore[attr-defined]
                    elif t not in _FUNCS and t is not ast.ClassDef:
                        stack += _blocks(st)
            self.bound = bound
        return self.bound

    def _add(self, cap: Capability, line: int, phase: Phase, detail: str) -> None:
        if self.platform is not None:
            detail = f"{detail} ({self.platform})"
        self.found.add(Finding(path=self.path, line=line, capability=cap,
                               phase=self.forced or phase, detail=detail))

    # ------------------------------------------------------------------ pass 1: bindings
    def _collect(self, body: Sequence[ast.stmt], *, in_function: bool, phase: Phase) -> None:
        for st in self._overlapping(body):
            t = type(st)
            if t is ast.Import or t is ast.ImportFrom:
                self._bind_import(st, phase)  # type: ignore[arg-type]
            elif t is ast.Assign:
                assert isinstance(st, ast.Assign)
                # ``f = os.system``: followed to its uses, where it is called
                value = self._resolve(st.value, import_calls=True)
                if value is not None and len(st.targets) == 1 and type(st.targets[0]) is ast.Name:
                    self.aliases[st.targets[0].id] = value
            if t is ast.If and _is_type_checking(st.test):  # type: ignore[attr-defined]
                self._collect(st.orelse, in_function=in_function, phase=phase)  # type: ignore[attr-defined]
            elif t in _FUNCS:
                self._collect(st.body, in_function=True, phase=Phase.RUNTIME)  # type: ignore[attr-defined]
            elif t is ast.ClassDef:
                self._collect(st.body, in_function=True, phase=phase)  # type: ignore[attr-defined]
            else:
                for block in _blocks(st):
                    self._collect(block, in_function=in_function, phase=phase)

    def _bind_import(self, st: ast.Import | ast.ImportFrom, phase: Phase) -> None:
        if isinstance(st, ast.Import):
            for a in st.names:
                if a.asname:
                    self.aliases[a.asname] = a.name
                    self.imported.add(a.name)
                else:
                    head = a.name.split(".", 1)[0]
                    self.aliases[head] = head
                    self.imported.add(head)
            return
        module: str | None = ("." * st.level) + (st.module or "")
        if st.level and self.module_name is not None:
            module = absolute(self.module_name, self.package, module or "")
        exports = self.exports
        for a in st.names:
            if a.name == "*":
                if module and not module.startswith("."):
                    if exports is not None and module in exports.modules:
                        for name, target in exports.modules[module].items():
                            self.aliases.setdefault(name, target)
                    else:
                        self.stars.append(module)
                    if exports is not None:  # what that module star-imports in turn
                        self.stars += exports.stars.get(module, ())
                continue
            if module is None:
                continue
            local = a.asname or a.name
            qual = f"{module}.{a.name}" if not module.endswith(".") else module + a.name
            if exports is not None:
                qual = exports.resolve(qual)
            self.aliases[local] = qual
            if not qual.startswith(".") and self.match(qual) is not None:
                self.from_imports[local] = (st.lineno, phase, qual)

    # ------------------------------------------------------------------ pass 2: uses
    def _stmts(self, body: Sequence[ast.stmt], phase: Phase) -> None:
        for st in self._overlapping(body):
            self._stmt(st, phase)

    def _stmt(self, st: ast.stmt, phase: Phase) -> None:
        t = type(st)
        if t in _FUNCS:
            assert isinstance(st, ast.FunctionDef | ast.AsyncFunctionDef)
            for d in st.decorator_list:
                self._expr(d, phase)
            self._defaults(st.args, phase)
            # annotations are evaluated with the ``def`` (or later, by get_type_hints)
            when = Phase.RUNTIME if self.future_annotations else phase
            for a in _all_args(st.args):
                self._annotation(a.annotation, when)
            self._annotation(st.returns, when)
            self.scopes.append(_LazyLocals(st))
            in_class, self.class_body = self.class_body, False
            try:
                self._stmts(st.body, Phase.RUNTIME)
            finally:
                self.scopes.pop()
                self.class_body = in_class
        elif t is ast.ClassDef:
            assert isinstance(st, ast.ClassDef)
            # decorators and ``metaclass=`` are called now; bases are only stored
            for e in (*st.decorator_list, *(k.value for k in st.keywords)):
                self._expr(e, phase)
            for e in st.bases:
                self._stored(e, phase)
            in_class, self.class_body = self.class_body, True
            try:
                self._stmts(st.body, phase)
            finally:
                self.class_body = in_class
        elif t is ast.If:
            assert isinstance(st, ast.If)
            outer = self.platform
            where = self._platform_test(st.test)
            try:
                if not _is_type_checking(st.test):
                    self.safe.add(id(st.test))
                    self._expr(st.test, phase)
                    # ``if __name__ == "__main__":`` runs when the file is run, not imported
                    if where is not None:
                        self.platform = f"only if {where}"
                    self._stmts(st.body, Phase.RUNTIME if _is_main(st.test) else phase)
                if where is not None:
                    self.platform = f"unless {where}"
                self._stmts(st.orelse, phase)
            finally:
                self.platform = outer
        elif t is ast.Import or t is ast.ImportFrom:
            return
        elif t is ast.Assign:
            # ``Wrapped.makefile = socket.socket.makefile``, ``f = os.system``: a reference
            # stored, used when called (a plain name is followed to its calls: pass 1)
            assert isinstance(st, ast.Assign)
            for target in st.targets:
                self._expr(target, phase)
            if not self.class_body and len(st.targets) == 1 and type(st.targets[0]) is ast.Name:
                self.safe.add(id(st.value))  # an alias the scanner follows (pass 1)
            self._stored(st.value, phase)
        elif t is ast.AnnAssign:
            assert isinstance(st, ast.AnnAssign)
            if st.value is not None:
                self._expr(st.value, phase)
            if type(st.target) is not ast.Name:
                self._expr(st.target, phase)
            if st.simple and not self.future_annotations:  # evaluated now, at module level
                self._annotation(st.annotation, phase)
            else:
                self._annotation(st.annotation, Phase.RUNTIME)
        elif t is ast.Expr:
            assert isinstance(st, ast.Expr)
            self.safe.add(id(st.value))  # a value computed and dropped
            self._expr(st.value, phase)
        elif t is ast.Match:
            assert isinstance(st, ast.Match)
            self._match(st, phase)
        else:
            self._generic(st, phase)

    def _platform_test(self, test: ast.expr) -> str | None:
        """``sys.platform == "win32"``, ``os.name == "nt"``: the test as written, when it
        asks which platform this is (evidence there holds on that platform only)."""
        if not any(type(n) is ast.Attribute and n.attr in _PLATFORM_ATTRS
                   for n in ast.walk(test)):
            return None
        for n in ast.walk(test):
            if type(n) is ast.Attribute and n.attr in _PLATFORM_ATTRS:
                if canonical(self._resolve(n, import_calls=False) or "") in _PLATFORM_NAMES:
                    text = ast.unparse(test)
                    return text if len(text) <= 60 else text[:57] + "..."
        return None

    def _annotation(self, node: ast.expr | None, phase: Phase) -> None:
        """An annotation: a type named in it is not called (``c: CodeType``), but what it
        computes is (``x: f()``), and ``typing.get_type_hints`` evaluates a string one."""
        if node is None:
            return
        t = type(node)
        if t is ast.Constant:
            value = node.value  # type: ignore[attr-defined]
            if isinstance(value, str) and value.strip():
                try:
                    inner = ast.parse(value.strip(), mode="eval").body
                except (SyntaxError, ValueError, RecursionError, MemoryError):
                    return
                code = False
                for sub in ast.walk(inner):
                    if hasattr(sub, "lineno"):
                        sub.lineno = sub.end_lineno = node.lineno  # type: ignore[attr-defined]
                    code = code or type(sub) in _CODE_NODES
                if code:  # a type is names, subscripts, ``|``: this runs when evaluated
                    self._add(_DYNAMIC, node.lineno, phase,
                              "string annotation holds code (typing.get_type_hints runs it)")
                self._annotation(inner, phase)
        elif t is ast.Name:
            if node.id in self.aliases:  # type: ignore[attr-defined]
                self.used.add(node.id)  # type: ignore[attr-defined]
        elif t is ast.Attribute and _name_rooted(node):
            root = node
            while type(root) is ast.Attribute:
                root = root.value
            if root.id in self.aliases:  # type: ignore[attr-defined]
                self.used.add(root.id)  # type: ignore[attr-defined]
            if not REFLECTIVE.isdisjoint(_attrs(node)):
                self._expr(node, phase)
        elif t is ast.Subscript:
            self._annotation(node.value, phase)  # type: ignore[attr-defined]
            self._annotation(node.slice, phase)  # type: ignore[attr-defined]
        elif t is ast.BinOp:
            self._annotation(node.left, phase)  # type: ignore[attr-defined]
            self._annotation(node.right, phase)  # type: ignore[attr-defined]
        elif t is ast.Tuple or t is ast.List:
            for e in node.elts:  # type: ignore[attr-defined]
                self._annotation(e, phase)
        else:
            self._expr(node, phase)

    def _match(self, st: ast.Match, phase: Phase) -> None:
        """``match os: case object(system=run)``: the subject's attributes are read by
        name; they are resolved where they can be, the subject escapes where not."""
        subject = self._resolve(st.subject) if _chain_or_name(st.subject) else None
        if subject is not None and self._module_value(subject):
            attrs = [a for case in st.cases for p in ast.walk(case.pattern)
                     if type(p) is ast.MatchClass for a in p.kwd_attrs]
            if attrs and all(self.match(f"{subject}.{a}") is not None for a in attrs):
                self.safe.add(id(st.subject))
                for a in attrs:
                    entry = self.match(f"{subject}.{a}")
                    assert entry is not None
                    self._add(entry.capability, st.subject.lineno, phase, entry.name)
        self._generic(st, phase)

    def _generic(self, node: ast.AST, phase: Phase) -> None:
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, list):
                if value and isinstance(value[0], ast.stmt):
                    self._stmts(value, phase)
                    continue
                for item in value:
                    if isinstance(item, ast.expr):
                        self._expr(item, phase)
                    elif isinstance(item, ast.AST):
                        self._generic(item, phase)
            elif isinstance(value, ast.expr):
                self._expr(value, phase)
            elif isinstance(value, ast.AST):
                self._generic(value, phase)

    def _defaults(self, args: ast.arguments, phase: Phase) -> None:
        for d in args.defaults:
            self._stored(d, phase)
        for kd in args.kw_defaults:
            if kd is not None:
                self._stored(kd, phase)

    def _stored(self, node: ast.expr, phase: Phase) -> None:
        """A value kept for later: a default argument, a base class, a monkeypatch.

        A bare reference in it (``opener=urllib.request.urlopen``,
        ``class W(threading.Thread)``) does nothing now; the capability is used when the
        function or class is, so it is ``runtime``. Whatever the value evaluates now (a
        call, a subscript, an operator: ``home=os.environ['HOME']``) stays in ``phase``.
        """
        t = type(node)
        if t is ast.Tuple or t is ast.List or t is ast.Set:
            for e in node.elts:  # type: ignore[attr-defined]
                self._stored(e, phase)
        elif t is ast.Dict:
            assert isinstance(node, ast.Dict)
            for e in (*node.keys, *node.values):
                if e is not None:
                    self._stored(e, phase)
        elif t is ast.Name or (t is ast.Attribute and _name_rooted(node)):
            self._expr(node, Phase.RUNTIME)
        else:
            self._expr(node, phase)

    def _expr(self, node: ast.expr, phase: Phase) -> None:
        # every use spells its target word (or an alias) on a line of its own span
        if not self.everything:
            lines = self.lines
            i = bisect.bisect_left(lines, node.lineno)
            if i == len(lines) or lines[i] > (node.end_lineno or node.lineno):
                return
        t = type(node)
        if t is ast.Name:
            assert isinstance(node, ast.Name)
            if type(node.ctx) is ast.Load:
                self._name(node, phase)
        elif t is ast.Attribute:
            assert isinstance(node, ast.Attribute)
            self._chain(node, phase)
        elif t is ast.Call:
            assert isinstance(node, ast.Call)
            self._call(node, phase)
        elif t is ast.Constant:
            return
        elif t is ast.Subscript:
            assert isinstance(node, ast.Subscript)
            self._subscript(node, phase)
        elif t is ast.Lambda:
            assert isinstance(node, ast.Lambda)
            self._defaults(node.args, phase)
            self.scopes.append(_LazyLocals(node))
            try:
                self._expr(node.body, Phase.RUNTIME)
            finally:
                self.scopes.pop()
        elif t is ast.Compare:
            assert isinstance(node, ast.Compare)
            for side in (node.left, *node.comparators):  # ``m is os``: nothing escapes
                self.safe.add(id(side))
            self._generic(node, phase)
        elif t is ast.FormattedValue:
            self.safe.add(id(node.value))  # type: ignore[attr-defined]
            self._generic(node, phase)
        else:
            self._generic(node, phase)

    # ------------------------------------------------------------------ name resolution
    def _base(self, name: str, *, mark: bool = True) -> str | None:
        """The qualified name a bare identifier stands for, or None."""
        if name in self.aliases:
            if mark:
                self.used.add(name)
            return self.aliases[name]
        if not self.stars and name not in BUILTIN_NAMES:
            return None  # what follows only finds star-imported names and builtins
        for scope in self.scopes:
            if name in scope.names():
                return None
        if name in self._module_bound():
            return None
        for module in self.stars:
            if self.match(f"{module}.{name}") is not None:
                return f"{module}.{name}"
        if name in BUILTIN_NAMES:  # a builtin, when not rebound in the file
            return "builtins" if name == "__builtins__" else name
        return None

    def _builtin(self, name: str) -> bool:
        """Whether the bare ``name`` is the builtin of that name here (not rebound)."""
        if name in self.aliases or self.stars:
            return False
        if any(name in scope.names() for scope in self.scopes):
            return False
        return name not in self._module_bound()

    def _root(self, node: ast.expr, attrs: list[str], *, import_calls: bool) -> str | None:
        """The qualified name of a chain's root (``attrs``, outermost last, may be
        shortened: a reflective attribute replaces what stands before it)."""
        base: str | None
        if type(node) is ast.Name:
            assert isinstance(node, ast.Name)
            base = self._base(node.id, mark=False)
        elif type(node) is ast.Call and import_calls:
            assert isinstance(node, ast.Call)
            base = self._call_value(node)
        elif type(node) is ast.Subscript:
            assert isinstance(node, ast.Subscript)
            base = self._subscript_value(node)
        else:
            base = None
        return self._fold(node, base, attrs)

    def _fold(self, root: ast.expr, base: str | None, attrs: list[str]) -> str | None:
        """Apply the reflective attributes of ``attrs`` (outermost last, edited in place):
        ``print.__self__`` is ``builtins``, ``f.__globals__`` some module's namespace;
        also ``sys.modules[__name__].x`` -> what ``x`` is here."""
        if base == _SELF_MODULE and attrs:
            base = self._base(attrs.pop(0), mark=False)
        last = -1
        for i, attr in enumerate(attrs):
            if attr in REFLECTIVE:
                last = i
        if last < 0:
            return base
        prefix = ".".join([base, *attrs[:last]]) if base is not None else None
        builtin_root = (last == 0 and base is None and type(root) is ast.Name
                        and reflect.builtin_function(root.id)
                        and self._builtin(root.id))
        folded = reflect.fold(prefix, attrs[last], builtin_root=builtin_root)
        del attrs[:last + 1]
        return folded

    def _resolve(self, node: ast.expr, *, import_calls: bool = True) -> str | None:
        """Qualified name of a Name/Attribute chain (``sp.run`` -> ``subprocess.run``)."""
        attrs: list[str] = []
        while type(node) is ast.Attribute:
            assert isinstance(node, ast.Attribute)
            attrs.append(node.attr)
            node = node.value
        attrs.reverse()
        base = self._root(node, attrs, import_calls=import_calls)
        if base is None:
            return None
        qual = ".".join([base, *attrs])
        return qual if self.exports is None else self.exports.resolve(qual)

    def _call_value(self, call: ast.Call) -> str | None:
        """What a call returns, when that is a module, a namespace, a path or a library:
        ``__import__('os')``, ``getattr(print, '__self__')``, ``ctypes.CDLL(None)``."""
        func = self._resolve(call.func, import_calls=False)
        if func is None:
            return None
        func = canonical(func)
        if func in _IMPORTERS:
            name = _literal_str(_arg(call, 0, "name"))
            if name is None or name.startswith("."):
                return None
            if func == "__import__" and not _arg(call, 3, "fromlist"):
                return name.split(".", 1)[0]
            return name.replace(":", ".")
        if func in _GETTERS and len(call.args) >= 2:
            attr = _literal_str(call.args[1])
            if attr is not None:
                return self._attribute_of(call.args[0], attr)
            return None
        if func in ("vars", "inspect.getmodule") and call.args:
            target = self._resolve(call.args[0]) if func == "vars" else None
            return f"{target or ANY_MODULE}.{reflect.NAMESPACE}" if func == "vars" else ANY_MODULE
        if func.endswith(".get") and call.args:  # ``sys.modules.get('os')``, ``ns.get('x')``
            key = _literal_str(call.args[0])
            owner = func[:-4]
            if owner == "sys.modules":
                return key
            ns = namespace_of(owner)
            if ns is not None and key is not None:
                return f"{ns}.{key}" if not ns.startswith(ANY_MODULE) else f"{ANY_MODULE}.{key}"
            return None
        if func.endswith(".__getattribute__") and call.args:
            attr = _literal_str(call.args[-1])
            if attr is None:
                return None
            if len(call.args) == 1:
                return f"{func.rpartition('.')[0]}.{attr}"
            return self._attribute_of(call.args[0], attr)
        if func in _LIBRARIES or func.endswith(".LoadLibrary"):
            return _LIBRARY
        if func in PATH_CLASSES or (func.rpartition(".")[0] in PATH_CLASSES):
            return "pathlib.Path"
        return None

    def _attribute_of(self, target: ast.expr, attr: str) -> str | None:
        """The qualified name of ``<target>.<attr>`` (``getattr(os, 'system')``)."""
        attrs = [*_attrs(target)[::-1], attr] if _chain_or_name(target) else [attr]
        root = target
        while type(root) is ast.Attribute:
            root = root.value
        base = self._root(root, attrs, import_calls=True)
        return ".".join([base, *attrs]) if base is not None else None

    def _subscript_value(self, node: ast.Subscript) -> str | None:
        """``sys.modules['os']`` -> ``os``; ``globals()['system']`` -> what system is;
        ``os.__dict__['system']`` -> ``os.system``; ``sys.modules[x.__module__]`` -> some
        module; ``sys.modules[__name__]`` -> this module."""
        key = _literal_str(node.slice)
        value = node.value
        if type(value) is ast.Call:
            assert isinstance(value, ast.Call)
            if key is not None and not value.args and self._resolve(
                    value.func, import_calls=False) in _NAMESPACES:
                return self._base(key, mark=False)
        owner = self._resolve(value, import_calls=True)
        if owner is None:
            return None
        if owner == "sys.modules":
            if key is not None:
                return key
            own = type(node.slice) is ast.Name and node.slice.id == "__name__"
            return _SELF_MODULE if own else ANY_MODULE
        ns = namespace_of(owner)
        if ns is not None and key is not None:
            return f"{ns}.{key}"
        return None

    # ------------------------------------------------------------------ references
    def _module_value(self, qual: str) -> bool:
        """Whether ``qual`` may be a module (or a module's namespace, or ``sys.modules``)
        whose attributes a computed name could reach: every module has ``__builtins__``."""
        if qual == _SELF_MODULE or qual == "sys.modules" or namespace_of(qual) is not None:
            return True
        if qual in self.imported or reflect.is_module(qual):
            return not reflect.inert(qual)
        return False

    def _escapes(self, node: ast.expr, qual: str, phase: Phase) -> None:
        """``qual`` (a module, namespace, ...) used as a value where it is not followed."""
        if id(node) in self.safe or not self._module_value(qual):
            return
        if type(node) is ast.Name and any(node.id in s.names() for s in self.scopes):
            return  # a parameter or local of that name, not the module
        shown = "sys.modules[__name__]" if qual == _SELF_MODULE else canonical(qual)
        self._add(_DYNAMIC, node.lineno, phase,
                  f"{shown} passed on as a value (what is used on it is not followed)")

    def _report(self, qual: str, line: int, phase: Phase, node: ast.expr | None) -> bool:
        """Report what ``qual`` (a resolved reference) uses; True if it was catalogued."""
        if qual.startswith(ANY_MODULE + "."):  # an attribute of a module not named here
            leaf = qual[len(ANY_MODULE) + 1:].split(".", 1)[0]
            if leaf == reflect.NAMESPACE:
                return False
            hits = reflect.leaf_entries(leaf)
            for name, cap in hits:
                if self.match(name) is not None:
                    self._add(cap, line, phase, f"{ANY_MODULE}.{leaf} ({name}?)")
            return bool(hits)
        qual = _library_symbol(qual)
        if qual.startswith(_LIBRARY + "."):
            symbol = qual[len(_LIBRARY) + 1:].split(".", 1)[0]
            self._add(Capability.NATIVE, line, phase, f"ctypes library .{symbol}")
            held = SYMBOLS.get(symbol)
            if held is not None:
                self._add(held, line, phase, f"ctypes library .{symbol}")
            elif symbol.startswith(("Py", "_Py")):
                self._add(_DYNAMIC, line, phase, f"ctypes library .{symbol} (Python C API)")
            return True
        entry = self.match(qual)
        if entry is not None and entry.name in STORE_ONLY and node is not None and (
                id(node) in self.arguments and id(node) not in self.safe):
            # ``list.insert(sys.meta_path, 0, f)``: handed to code that may change it
            self._add(entry.capability, line, phase, f"{entry.name} handed on")
            return True
        if entry is None or entry.name in STORE_ONLY:
            return False
        if entry.name in _OPENERS:
            self._open_caps(line, phase, entry.name, _COMPUTED)
        else:
            self._add(entry.capability, line, phase, entry.name)
        return True

    def _name(self, node: ast.Name, phase: Phase) -> None:
        qual = self._base(node.id)
        if qual is None:
            return
        if node.id == "__builtins__":
            self._add(_DYNAMIC, node.lineno, phase, "__builtins__")
            return
        if not self._report(qual, node.lineno, phase, node):
            self._escapes(node, qual, phase)

    def _chain(self, node: ast.Attribute, phase: Phase) -> None:
        attrs: list[str] = []
        cur: ast.expr = node
        while type(cur) is ast.Attribute:
            assert isinstance(cur, ast.Attribute)
            attrs.append(cur.attr)
            cur = cur.value
        attrs.reverse()
        base: str | None = None
        line = node.lineno
        written = tuple(attrs)  # (``_fold`` shortens ``attrs``)
        if SUBCLASSES in attrs and not self._own_class(cur, attrs):
            self._add(_DYNAMIC, line, phase, "*.__subclasses__() (reaches every class)")
        if type(cur) is ast.Name:
            assert isinstance(cur, ast.Name)
            base = self._base(cur.id)
            if cur.id == "__builtins__":
                self._add(_DYNAMIC, cur.lineno, phase, "__builtins__")
        elif type(cur) is ast.Call:
            assert isinstance(cur, ast.Call)
            self.safe.add(id(cur))  # its value is the chain's root, not handed on
            base = self._call(cur, phase)
        else:
            self.safe.add(id(cur))
            if type(cur) is ast.Subscript:
                assert isinstance(cur, ast.Subscript)
                base = self._subscript_value(cur)
            self._expr(cur, phase)
        base = self._fold(cur, base, attrs)
        if type(node.ctx) is not ast.Load:
            # ``socket.socket = Evil``, ``sys.excepthook = f``: replacing a capability (or
            # installing a hook) for every user of it; ``f.__code__ = c``: code not compiled
            if attrs and attrs[-1] == "__code__":
                self._add(_DYNAMIC, line, phase, "*.__code__ assigned")
            if base is not None and attrs:
                qual = ".".join([base, *attrs])
                entry = self.match(qual if self.exports is None else self.exports.resolve(qual))
                if entry is not None:
                    self._add(entry.capability, line, phase, entry.name)
            base = None
        if attrs[-1:] == ["__class__"] and self.code_tricks and attrs[-2:-1] == ["__code__"]:
            self._add(_DYNAMIC, line, phase, "*.__code__.__class__")
        if base is not None:
            qual = ".".join([base, *attrs])
            if self.exports is not None:
                qual = self.exports.resolve(qual)
            if self._report(qual, line, phase, node):
                return
            for i, attr in enumerate(attrs):
                if attr in ("__dict__", "__getattribute__"):
                    prefix = ".".join([base, *attrs[:i]])
                    if self.exports is not None:
                        prefix = self.exports.resolve(prefix)
                    prefix = canonical(prefix)
                    if attr == "__dict__" and i == len(attrs) - 1 and id(node) in self.lookups:
                        break  # ``os.__dict__['system']``, ``os.__dict__.get``: resolved there
                    if self.reaches(prefix) or self._module_value(prefix):
                        self._add(_DYNAMIC, line, phase, f"{prefix}.{attr}")
                        return
            self._escapes(node, qual, phase)
        for attr in written:
            cap = receiver_method(attr)
            if cap is not None:
                self._add(cap, line, phase, f"*.{attr}")

    def _own_class(self, root: ast.expr, attrs: list[str]) -> bool:
        """``Base.__subclasses__()`` of a class defined in this file."""
        if type(root) is not ast.Name or attrs.index(SUBCLASSES) != 0:
            return False
        if self.classes is None:
            self.classes = {n.name for n in self.module if type(n) is ast.ClassDef}
        return root.id in self.classes and root.id not in self.aliases

    def _subscript(self, node: ast.Subscript, phase: Phase) -> None:
        value, key = node.value, node.slice
        loading = type(node.ctx) is ast.Load
        if not loading and type(value) is ast.Attribute:
            stored = self._resolve(value, import_calls=False)
            entry = self.match(stored) if stored is not None else None
            if entry is not None and entry.name in STORE_ONLY:  # ``sys.meta_path[:] = ...``
                self._add(entry.capability, node.lineno, phase, entry.name)
        literal = _literal_str(key)
        if loading and type(value) is ast.Call:
            assert isinstance(value, ast.Call)
            func = self._resolve(value.func, import_calls=False)
            if func in _NAMESPACES and not value.args:
                if literal is None:
                    self._add(_DYNAMIC, node.lineno, phase, f"{func}()[{_COMPUTED}]")
                elif literal == "__builtins__":
                    self._add(_DYNAMIC, node.lineno, phase, f"{func}()['__builtins__']")
                else:
                    self._name(ast.Name(id=literal, ctx=ast.Load(), lineno=node.lineno,
                                        col_offset=node.col_offset), phase)
                self.safe.add(id(value))
        if loading:
            owner = self._resolve(value, import_calls=True)
            if owner is not None and owner not in _NAMESPACES:
                self._lookup(owner, literal, key, node.lineno, phase)
                self.safe.add(id(value))
                self.lookups.add(id(value))
        self._expr(value, phase)
        self._expr(key, phase)

    def _lookup(self, owner: str, key: str | None, node: ast.expr, line: int,
                phase: Phase) -> None:
        """``owner[key]`` / ``owner.get(key)`` where ``owner`` is ``sys.modules``, a
        namespace (``os.__dict__``, ``f.__globals__``) or a ctypes library."""
        if owner == "sys.modules":
            if key is not None:
                self._report(key, line, phase, None)
            elif not (type(node) is ast.Name and node.id == "__name__") and not (
                    type(node) is ast.Attribute and node.attr == "__module__"):
                self._add(_DYNAMIC, line, phase, f"sys.modules[{_COMPUTED}]")
            return
        ns = namespace_of(owner)
        if _library_symbol(owner + ".x").startswith(_LIBRARY):
            owner, ns = _LIBRARY, None
        elif ns is None:
            return
        if key is None:
            shown = "ctypes library" if owner == _LIBRARY else canonical(owner)
            self._add(_DYNAMIC, line, phase, f"{shown}[{_COMPUTED}]")
        else:
            self._report(f"{ns or owner}.{key}", line, phase, None)

    # ------------------------------------------------------------------ calls
    def _call(self, call: ast.Call, phase: Phase) -> str | None:
        """Report what the call uses; return what it evaluates to when that is known."""
        if self.code_tricks and _builds_code(call):
            self._add(_DYNAMIC, call.lineno, phase, "code object built or swapped")
        self.safe.add(id(call.func))
        func = self._resolve(call.func, import_calls=True)
        special = False
        root = call.func
        while type(root) is ast.Attribute:
            assert isinstance(root, ast.Attribute)
            root = root.value
        if type(root) is ast.Name:
            assert isinstance(root, ast.Name)
            if root.id in self.aliases:
                self.used.add(root.id)
            if type(call.func) is ast.Name and root.id in _CONSUMERS and self._builtin(root.id):
                for a in call.args[:1]:  # ``isinstance(m, ...)``, ``hasattr(m, 'x')``
                    self.safe.add(id(a))
                if root.id in ("isinstance", "issubclass"):
                    for a in call.args[1:2]:  # a class named is not called
                        self._annotation(a, phase)
                    self._expr(call.args[0], phase) if call.args else None
                    return None
        if func is not None:
            func = canonical(func)
            special = self._special(func, call, phase)
        elif type(call.func) is ast.Call:
            self._applied_getter(call, phase)
        elif (type(call.func) is ast.Attribute and call.args
              and call.func.attr == "__getattribute__"):  # ``object.__getattribute__(m, n)``
            self._getattribute("?.__getattribute__", call, phase)
        if not special:
            self._expr(call.func, phase)
        elif type(call.func) is ast.Attribute:  # still walk the receiver: foo(x).open()
            assert isinstance(call.func, ast.Attribute)
            receiver = call.func.value
            while type(receiver) is ast.Attribute:
                assert isinstance(receiver, ast.Attribute)
                receiver = receiver.value
            if type(receiver) is not ast.Name:
                self._expr(receiver, phase)
        for a in call.args:
            self.arguments.add(id(a))
            self._expr(a, phase)
        for kw in call.keywords:
            self.arguments.add(id(kw.value))
            self._expr(kw.value, phase)
        return self._call_value(call)

    def _special(self, func: str, call: ast.Call, phase: Phase) -> bool:
        """Handle the calls whose arguments decide the capability; True if handled."""
        line = call.lineno
        if func in _OPENERS or (func.startswith("pathlib.Path.") and func.endswith(".open")):
            opener = func if func in _OPENERS else "pathlib.Path.open"
            index = _OPENERS[opener]
            mode_node = _arg(call, index, "flag" if opener in _FLAG_OPENERS else "mode")
            if mode_node is None:
                default = _MODE_DEFAULTS.get(opener, "r")
                mode = _COMPUTED if _unknown_args(call, index) else default
            else:
                literal = _literal_str(mode_node)
                mode = _COMPUTED if literal is None else literal
            self._open_caps(line, phase, opener, mode)
            return True
        if func == "os.open":
            self._os_open(call, phase)
            return True
        if func in _IMPORTERS:
            name = _literal_str(_arg(call, 0, "name"))
            if name is None:
                self._add(_DYNAMIC, line, phase, f"{func}({_COMPUTED})")
            else:
                self._report(name.replace(":", "."), line, phase, None)
            return True
        if func in _GETTERS:
            self._getattr(call, phase)
            return True
        if func in _NAMESPACES:
            target = self._resolve(call.args[0]) if call.args else None
            if target is not None and (self.reaches(target) or self._module_value(target)):
                self._add(_DYNAMIC, line, phase, f"{func}({canonical(target)})")
            if call.args:
                self.safe.add(id(call.args[0]))
            return True
        if func.endswith(".get") and type(call.func) is ast.Attribute and call.args:
            owner = self._resolve(call.func.value)
            if owner is not None and (owner == "sys.modules" or namespace_of(owner)):
                self._lookup(owner, _literal_str(call.args[0]), call.args[0], line, phase)
                self.safe.add(id(call.func.value))
                self.lookups.add(id(call.func.value))
                return False
        if func.startswith("sys.modules.") and func.split(".")[2] in _MODULE_LISTS:
            self._add(_DYNAMIC, line, phase, f"{func}() (hands out every module)")
            return False
        if func.endswith(".__getattribute__") and call.args:
            self._getattribute(func, call, phase)
            return True
        if func in ("yaml.load", "yaml.load_all"):
            loader = _arg(call, 1, "Loader")
            resolved = self._resolve(loader) if loader is not None else None
            if resolved not in _SAFE_YAML:
                self._add(_DYNAMIC, line, phase, func)
            return True
        if func == "inspect.getmembers" and call.args:
            target = self._resolve(call.args[0])
            if target is not None and self.reaches(target):
                self._add(_DYNAMIC, line, phase, f"inspect.getmembers({canonical(target)})")
            return False
        return False

    def _open_caps(self, line: int, phase: Phase, opener: str, mode: str) -> None:
        detail = f"{opener}(mode={mode})" if mode == _COMPUTED else f"{opener}(mode={mode!r})"
        if mode == _COMPUTED:
            reads = writes = True
        else:
            writes = any(c in mode for c in ("wcn" if opener in _FLAG_OPENERS else "wax+"))
            reads = "r" in mode or "+" in mode or not writes
        if reads:
            self._add(_READ, line, phase, detail)
        if writes:
            self._add(_WRITE, line, phase, detail)

    def _os_open(self, call: ast.Call, phase: Phase) -> None:
        flags = _arg(call, 1, "flags")
        names: set[str] = set()
        computed = flags is None
        stack = [flags] if flags is not None else []
        while stack:
            node = stack.pop()
            if type(node) is ast.BinOp:
                assert isinstance(node, ast.BinOp)
                stack += [node.left, node.right]
            elif type(node) in (ast.Name, ast.Attribute):
                qual = self._resolve(node) or ""
                leaf = qual.rpartition(".")[2]
                if leaf.startswith("O_"):
                    names.add(leaf)
                else:
                    computed = True
            else:
                computed = True
        writes = computed or bool(names & _WRITE_FLAGS)
        reads = computed or "O_RDWR" in names or not writes
        shown = _COMPUTED if computed else "|".join(sorted(names))
        if reads:
            self._add(_READ, call.lineno, phase, f"os.open({shown})")
        if writes:
            self._add(_WRITE, call.lineno, phase, f"os.open({shown})")

    def _getattr(self, call: ast.Call, phase: Phase) -> None:
        if len(call.args) < 2:
            return
        self.safe.add(id(call.args[0]))
        attr = _literal_str(call.args[1])
        if attr is not None:  # ``getattr(os, 'system')``, ``getattr(print, '__self__')``
            qual = self._attribute_of(call.args[0], attr)
            if qual is not None:
                if not self._report(qual, call.lineno, phase, None):
                    self._escapes(call, qual, phase)
            if attr == SUBCLASSES:
                self._add(_DYNAMIC, call.lineno, phase, "*.__subclasses__() (reaches every class)")
            return
        self._computed(call.args[0], call, f"getattr({{}}, {_COMPUTED})", phase)

    def _computed(self, target_node: ast.expr, call: ast.Call, shown: str, phase: Phase) -> None:
        """A computed attribute of ``target_node``: ``dynamic-code`` when it may be a module
        (every module holds ``__builtins__``) or a builtin function (``__self__``)."""
        target = self._resolve(target_node)
        if target is None:
            if type(target_node) is ast.Name and reflect.builtin_function(
                    target_node.id) and self._builtin(target_node.id):
                self._add(_DYNAMIC, call.lineno, phase, shown.format(target_node.id))
            return
        target = canonical(target)
        if self.reaches(target) or self._module_value(target) or target == _LIBRARY or (
                "." not in target and reflect.builtin_function(target)):
            shown_target = "sys.modules[__name__]" if target == _SELF_MODULE else target
            self._add(_DYNAMIC, call.lineno, phase, shown.format(shown_target))

    def _getattribute(self, func: str, call: ast.Call, phase: Phase) -> None:
        """``os.__getattribute__('system')``, ``object.__getattribute__(os, name)``."""
        receiver = call.func.value  # type: ignore[attr-defined]
        target = receiver if len(call.args) == 1 else call.args[0]
        attr = _literal_str(call.args[-1])
        if len(call.args) > 1:
            self.safe.add(id(call.args[0]))
        self.safe.add(id(receiver))
        if attr is not None:
            qual = self._attribute_of(target, attr)
            if qual is not None:
                self._report(qual, call.lineno, phase, None)
            return
        self._computed(target, call, f"{{}}.__getattribute__({_COMPUTED})", phase)

    def _applied_getter(self, call: ast.Call, phase: Phase) -> None:
        """``operator.attrgetter('system')(os)``, ``methodcaller('system', c)(os)``, or
        with a computed name: an attribute of a module, named or computed."""
        inner = call.func
        assert isinstance(inner, ast.Call)
        getter = self._resolve(inner.func, import_calls=False)
        if getter not in ("operator.attrgetter", "operator.methodcaller") or not call.args:
            return
        self.safe.add(id(call.args[0]))
        names = [_literal_str(a) for a in (inner.args if getter.endswith("attrgetter")
                                            else inner.args[:1])]
        if names and all(n is not None for n in names) and not _unknown_args(inner, 0):
            for name in names:
                assert name is not None
                attrs = name.split(".")
                qual = self._attribute_of(call.args[0], attrs[0])
                if qual is not None:
                    self._report(".".join([qual, *attrs[1:]]), call.lineno, phase, None)
            return
        self._computed(call.args[0], call, f"{getter}({_COMPUTED})({{}})", phase)


def _builds_code(call: ast.Call) -> bool:
    """``c.replace(co_code=...)``, ``type(f.__code__)(...)``, ``setattr(f, '__code__', c)``:
    bytecode that no ``compile`` shows."""
    if any(kw.arg == "co_code" for kw in call.keywords):
        return True
    func = call.func
    if type(func) is ast.Call:
        assert isinstance(func, ast.Call)
        inner = func.func
        return (type(inner) is ast.Name and inner.id == "type"
                and len(func.args) == 1 and type(func.args[0]) is ast.Attribute
                and func.args[0].attr == "__code__")
    return (type(func) is ast.Name and func.id == "setattr"
            and len(call.args) >= 2 and _literal_str(call.args[1]) == "__code__")


_LOADERS = frozenset({"cdll", "pydll", "windll", "oledll"})


def _library_symbol(qual: str) -> str:
    """``ctypes.pythonapi.PyRun_SimpleString``, ``ctypes.cdll.libc.system``: a symbol of a
    ctypes library, spelled ``<ctypes library>.<symbol>``; anything else unchanged."""
    if not qual.startswith("ctypes."):
        return qual
    parts = qual.split(".")
    if parts[1] == "pythonapi" and len(parts) > 2:
        return f"{_LIBRARY}.{parts[2]}"
    if parts[1] in _LOADERS and len(parts) > 3 and parts[2] != "LoadLibrary":
        return f"{_LIBRARY}.{parts[3]}"
    return qual


def _is_main(test: ast.expr) -> bool:
    """``__name__ == "__main__"`` (either way round)."""
    if type(test) is not ast.Compare or len(test.ops) != 1 or type(test.ops[0]) is not ast.Eq:
        return False
    sides = [test.left, *test.comparators]
    return any(type(x) is ast.Name and x.id == "__name__" for x in sides) and any(
        _literal_str(x) == "__main__" for x in sides)


def _attrs(node: ast.expr) -> list[str]:
    out: list[str] = []
    while type(node) is ast.Attribute:
        out.append(node.attr)
        node = node.value
    return out


def _chain_or_name(node: ast.expr) -> bool:
    return type(node) is ast.Name or type(node) is ast.Attribute


def _relevant(qual: str) -> bool:
    """Whether a use through a name bound to ``qual`` may not spell its target word.

    ``np.ctypeslib.load_library`` spells ``load_library`` wherever ``np`` is bound, but
    ``sp.run`` (``sp`` = subprocess, a ``subprocess.*`` entry) or ``s()`` (``s`` =
    os.system) spell nothing the pre-filter targeted: their lines are walked too.
    """
    if qual.startswith("<") or namespace_of(qual) is not None or qual in _IMPORTER_MODULES:
        return True  # a module, namespace or library only reflection names; an importer
    qual = canonical(qual)
    return (match(qual) is not None or under_wildcard(qual) or qual in PATH_CLASSES
            or qual in _PATH_MODULES or qual in _SPECIAL_CALLS or qual == "builtins")


# ``import pathlib``: ``p = pathlib.Path(x)`` binds a path whose uses (``p.exists()``) spell
# neither ``pathlib`` nor ``Path``, so the lines naming the module are walked for the binding.
_PATH_MODULES = frozenset(c.rpartition(".")[0] for c in PATH_CLASSES)
# Not catalogued, but their calls are inspected (``_special``, ``_applied_getter``): a name
# bound to one (``g = getattr``, ``ag = operator.attrgetter``) is followed to its calls.
_SPECIAL_CALLS = frozenset({"getattr", "inspect.getattr_static", "globals", "locals", "vars",
                            "inspect.getmembers", "operator.attrgetter", "operator.methodcaller",
                            "sys.modules"})  # (subscripted, not called: ``mods['os']``)


def _start(st: ast.stmt) -> int:
    """First line of a statement, its decorators included."""
    decorators = getattr(st, "decorator_list", None)
    return decorators[0].lineno if decorators else st.lineno


def _name_rooted(node: ast.expr) -> bool:
    """Whether an attribute chain starts at a plain name (``a.b.c``, not ``f().c``)."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return type(node) is ast.Name


def _all_args(args: ast.arguments) -> list[ast.arg]:
    out = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    if args.vararg:
        out.append(args.vararg)
    if args.kwarg:
        out.append(args.kwarg)
    return out


def _blocks(st: ast.stmt) -> list[list[ast.stmt]]:
    """The statement lists nested in a compound statement (not functions or classes)."""
    out: list[list[ast.stmt]] = []
    for name in ("body", "orelse", "finalbody"):
        block = getattr(st, name, None)
        if isinstance(block, list):
            out.append(block)
    for handler in getattr(st, "handlers", ()):
        out.append(handler.body)
    for case in getattr(st, "cases", ()):
        out.append(case.body)
    return out


def _bound_names(st: ast.stmt) -> set[str]:
    """Names a statement binds in its own scope (defs, classes, assignment targets)."""
    t = type(st)
    if t in _FUNCS or t is ast.ClassDef:
        return {st.name}  # type: ignore[attr-defined]
    targets: list[ast.expr] = []
    if t is ast.Assign:
        targets = list(st.targets)  # type: ignore[attr-defined]
    elif t in (ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor):
        targets = [st.target]  # type: ignore[attr-defined]
    elif t in (ast.With, ast.AsyncWith):
        targets = [i.optional_vars for i in st.items if i.optional_vars]  # type: ignore[attr-defined]
    out: set[str] = set()
    for target in targets:
        if type(target) is ast.Name:
            out.add(target.id)
        elif type(target) in (ast.Tuple, ast.List):
            out.update(e.id for e in target.elts if type(e) is ast.Name)  # type: ignore[attr-defined]
    return out


class _LazyLocals:
    """The names a function or lambda binds, computed on first need (most never need it)."""

    __slots__ = ("fn", "_names")

    def __init__(self, fn: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        self.fn = fn
        self._names: set[str] | None = None

    def names(self) -> set[str]:
        if self._names is None:
            fn = self.fn
            if isinstance(fn, ast.Lambda):
                self._names = {a.arg for a in _all_args(fn.args)}
            else:
                self._names = _function_locals(fn)
        return self._names


def _function_locals(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """Parameters and names the function body binds (not looking into nested defs)."""
    names = {a.arg for a in _all_args(fn.args)}
    stack: list[ast.stmt] = list(fn.body)
    while stack:
        st = stack.pop()
        if type(st) is ast.Global or type(st) is ast.Nonlocal:
            names.difference_update(st.names)
            continue
        names |= _bound_names(st)
        if type(st) not in _FUNCS and type(st) is not ast.ClassDef:
            for block in _blocks(st):
                stack.extend(block)
    return names
