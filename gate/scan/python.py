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
import io
import re
import tokenize
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
from gate.scan.exports import Exported, absolute
from gate.scan.prefilter import normalize, satisfied, word_offsets

_READ = Capability.FS_READ
_WRITE = Capability.FS_WRITE
_DYNAMIC = Capability.DYNAMIC_CODE

# open-like functions: qualified name -> index of the positional ``mode`` argument
_OPENERS = {"open": 1, "io.open": 1, "io.FileIO": 1, "codecs.open": 1,
            "pathlib.Path.open": 0}
_IMPORTERS = frozenset({"__import__", "importlib.import_module", "importlib.__import__"})
_NAMESPACES = frozenset({"globals", "locals", "vars"})
_SAFE_YAML = frozenset({"yaml.SafeLoader", "yaml.CSafeLoader", "yaml.BaseLoader",
                        "yaml.CBaseLoader", "yaml.loader.SafeLoader",
                        "yaml.cyaml.CSafeLoader"})
_WRITE_FLAGS = frozenset({"O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_APPEND", "O_EXCL",
                          "O_TMPFILE"})
_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)
_COMPUTED = "<computed>"


def decode_source(source: bytes) -> str:
    """Decode ``source`` as Python would (BOM, PEP 263 cookie); newlines become ``\\n``."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
    except SyntaxError as exc:
        raise SyntaxError(f"encoding problem: {exc}") from None
    try:
        text = source.decode(encoding)
    except UnicodeDecodeError as exc:
        line = source.count(b"\n", 0, exc.start) + 1
        err = SyntaxError(f"(unicode error) {exc}")
        err.lineno = line
        raise err from None
    except Exception as exc:  # a cookie naming a codec that does not decode bytes
        raise SyntaxError(f"encoding problem: {encoding}: {exc}") from None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


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
    return _line_numbers(text, word_offsets(text, words))


# what may stand between ``=`` and the start of the value it assigns
_BEFORE_VALUE = frozenset(" \t\f\\(")
# a character before ``=`` that makes it a comparison, an augmented assignment or a walrus
_NOT_ASSIGN = frozenset("=!<>:+-*/%&|^@~")


def _assigned_lines(text: str, names: Iterable[str], *,
                    chains: Mapping[str, frozenset[str]] | None = None) -> list[int]:
    """Sorted line numbers of the occurrences of ``names`` that may start the value of an
    assignment: after ``=`` (``x = name``, ``x = (name``; keyword arguments ``f(x=name)``
    too, harmlessly), or first on their line (``x = (  # ...`` then ``name)`` below). A
    plain ``Assign`` whose value resolves starts with its root name. ``chains``: only where
    the value is the name alone or a plain attribute chain whose first attribute is one of
    the name's (``_plain_chain``)."""
    offsets: list[int] = []
    for off in word_offsets(text, names):
        j = off - 1
        while j >= 0 and text[j] in _BEFORE_VALUE:
            j -= 1
        if j < 0 or text[j] == "\n" or (
                text[j] == "=" and (j == 0 or text[j - 1] not in _NOT_ASSIGN)):
            if chains is None or _plain_chain(text, off, chains):
                offsets.append(off)
    return _line_numbers(text, offsets)


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


def _line_numbers(text: str, offsets: list[int]) -> list[int]:
    """Sorted, distinct 1-based line numbers of sorted ``offsets``."""
    lines: list[int] = []
    line, pos = 1, 0
    for off in offsets:
        line += text.count("\n", pos, off)
        pos = off
        if not lines or lines[-1] != line:
            lines.append(line)
    return lines


def _literal_str(node: ast.expr | None) -> str | None:
    if type(node) is ast.Constant and isinstance(node.value, str):
        return node.value
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
                value = self._resolve(st.value, import_calls=True)
                if value is not None and self.match(value) is not None:
                    value = None  # ``f = os.system``: reported here; not followed further
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
                else:
                    head = a.name.split(".", 1)[0]
                    self.aliases[head] = head
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
            self.scopes.append(_LazyLocals(st))
            try:
                self._stmts(st.body, Phase.RUNTIME)
            finally:
                self.scopes.pop()
        elif t is ast.ClassDef:
            assert isinstance(st, ast.ClassDef)
            # decorators and ``metaclass=`` are called now; bases are only stored
            for e in (*st.decorator_list, *(k.value for k in st.keywords)):
                self._expr(e, phase)
            for e in st.bases:
                self._stored(e, phase)
            self._stmts(st.body, phase)
        elif t is ast.If:
            assert isinstance(st, ast.If)
            if not _is_type_checking(st.test):
                self._expr(st.test, phase)
                self._stmts(st.body, phase)
            self._stmts(st.orelse, phase)
        elif t is ast.Import or t is ast.ImportFrom:
            return
        elif t is ast.Assign and not any(type(x) is ast.Name for x in st.targets):  # type: ignore[attr-defined]
            # ``Wrapped.makefile = socket.socket.makefile``: stored, used when called.
            # A plain name target stays in ``phase``: the scanner does not follow such an
            # alias (``f = os.system; f()``), so its call may be right here.
            assert isinstance(st, ast.Assign)
            for target in st.targets:
                self._expr(target, phase)
            self._stored(st.value, phase)
        elif t is ast.AnnAssign:
            assert isinstance(st, ast.AnnAssign)
            if st.value is not None:
                self._expr(st.value, phase)
            if type(st.target) is not ast.Name:
                self._expr(st.target, phase)
        else:
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

    def _resolve(self, node: ast.expr, *, import_calls: bool = True) -> str | None:
        """Qualified name of a Name/Attribute chain (``sp.run`` -> ``subprocess.run``)."""
        attrs: list[str] = []
        while type(node) is ast.Attribute:
            assert isinstance(node, ast.Attribute)
            attrs.append(node.attr)
            node = node.value
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
        if base is None:
            return None
        qual = ".".join([base, *reversed(attrs)])
        return qual if self.exports is None else self.exports.resolve(qual)

    def _call_value(self, call: ast.Call) -> str | None:
        """What a call returns, when that is a module or a path: ``__import__('os')``."""
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
            return name
        if func in PATH_CLASSES or (func.rpartition(".")[0] in PATH_CLASSES):
            return "pathlib.Path"
        return None

    def _subscript_value(self, node: ast.Subscript) -> str | None:
        """``sys.modules['os']`` -> ``os``; ``globals()['system']`` -> what system is."""
        key = _literal_str(node.slice)
        if key is None:
            return None
        value = node.value
        if type(value) is ast.Call:
            assert isinstance(value, ast.Call)
            if not value.args and self._resolve(value.func, import_calls=False) in _NAMESPACES:
                return self._base(key, mark=False)
            return None
        if self._resolve(value, import_calls=False) == "sys.modules":
            return key
        return None

    # ------------------------------------------------------------------ references
    def _name(self, node: ast.Name, phase: Phase) -> None:
        qual = self._base(node.id)
        if qual is None:
            return
        if node.id == "__builtins__":
            self._add(_DYNAMIC, node.lineno, phase, "__builtins__")
            return
        entry = self.match(qual)
        if entry is None or entry.name in STORE_ONLY:
            return
        if entry.name in _OPENERS:
            self._open_caps(node.lineno, phase, entry.name, _COMPUTED)
        else:
            self._add(entry.capability, node.lineno, phase, entry.name)

    def _chain(self, node: ast.Attribute, phase: Phase) -> None:
        attrs: list[str] = []
        cur: ast.expr = node
        while type(cur) is ast.Attribute:
            assert isinstance(cur, ast.Attribute)
            attrs.append(cur.attr)
            cur = cur.value
        attrs.reverse()
        base: str | None = None
        if type(cur) is ast.Name:
            assert isinstance(cur, ast.Name)
            base = self._base(cur.id)
            if cur.id == "__builtins__":
                self._add(_DYNAMIC, cur.lineno, phase, "__builtins__")
        elif type(cur) is ast.Call:
            assert isinstance(cur, ast.Call)
            base = self._call(cur, phase)
        else:
            if type(cur) is ast.Subscript:
                assert isinstance(cur, ast.Subscript)
                base = self._subscript_value(cur)
            self._expr(cur, phase)
        line = node.lineno
        if type(node.ctx) is not ast.Load:
            # ``socket.socket = Evil``, ``sys.excepthook = f``: replacing a capability (or
            # installing a hook) for every user of it; ``f.__code__ = c``: code not compiled
            if attrs[-1] == "__code__":
                self._add(_DYNAMIC, line, phase, "*.__code__ assigned")
            if base is not None:
                qual = ".".join([base, *attrs])
                entry = self.match(qual if self.exports is None else self.exports.resolve(qual))
                if entry is not None:
                    self._add(entry.capability, line, phase, entry.name)
            base = None
        if attrs[-1] == "__class__" and self.code_tricks and attrs[-2:-1] == ["__code__"]:
            self._add(_DYNAMIC, line, phase, "*.__code__.__class__")
        if base is not None:
            qual = ".".join([base, *attrs])
            if self.exports is not None:
                qual = self.exports.resolve(qual)
            entry = self.match(qual)
            if entry is not None and entry.name in STORE_ONLY:
                entry = None
            if entry is not None:
                if entry.name in _OPENERS:
                    self._open_caps(line, phase, entry.name, _COMPUTED)
                else:
                    self._add(entry.capability, line, phase, entry.name)
                return
            for i, attr in enumerate(attrs):
                if attr in ("__dict__", "__getattribute__"):
                    prefix = ".".join([base, *attrs[:i]])
                    if self.exports is not None:
                        prefix = self.exports.resolve(prefix)
                    prefix = canonical(prefix)
                    if self.reaches(prefix):
                        self._add(_DYNAMIC, line, phase, f"{prefix}.{attr}")
                        return
        for attr in attrs:
            cap = receiver_method(attr)
            if cap is not None:
                self._add(cap, line, phase, f"*.{attr}")

    def _subscript(self, node: ast.Subscript, phase: Phase) -> None:
        value, key = node.value, node.slice
        loading = type(node.ctx) is ast.Load
        if not loading and type(value) is ast.Attribute:
            stored = self._resolve(value, import_calls=False)
            entry = self.match(stored) if stored is not None else None
            if entry is not None and entry.name in STORE_ONLY:  # ``sys.meta_path[:] = ...``
                self._add(entry.capability, node.lineno, phase, entry.name)
        if loading and type(value) is ast.Call:
            assert isinstance(value, ast.Call)
            func = self._resolve(value.func, import_calls=False)
            if func in _NAMESPACES:
                literal = _literal_str(key)
                if literal is None:
                    self._add(_DYNAMIC, node.lineno, phase, f"{func}()[{_COMPUTED}]")
                elif literal == "__builtins__":
                    self._add(_DYNAMIC, node.lineno, phase, f"{func}()['__builtins__']")
                else:
                    self._name(ast.Name(id=literal, ctx=ast.Load(), lineno=node.lineno,
                                        col_offset=node.col_offset), phase)
        elif loading and type(value) is ast.Attribute:
            if self._resolve(value, import_calls=False) == "sys.modules":
                literal = _literal_str(key)
                if literal is not None:
                    entry = self.match(literal)
                    if entry is not None:
                        self._add(entry.capability, node.lineno, phase, entry.name)
                elif not _own_module(key):
                    self._add(_DYNAMIC, node.lineno, phase, f"sys.modules[{_COMPUTED}]")
        self._expr(value, phase)
        self._expr(key, phase)

    # ------------------------------------------------------------------ calls
    def _call(self, call: ast.Call, phase: Phase) -> str | None:
        """Report what the call uses; return what it evaluates to when that is known."""
        if self.code_tricks and _builds_code(call):
            self._add(_DYNAMIC, call.lineno, phase, "code object built or swapped")
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
        if func is not None:
            func = canonical(func)
            special = self._special(func, call, phase)
        elif type(call.func) is ast.Call:
            self._applied_getter(call, phase)
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
            self._expr(a, phase)
        for kw in call.keywords:
            self._expr(kw.value, phase)
        return self._call_value(call)

    def _special(self, func: str, call: ast.Call, phase: Phase) -> bool:
        """Handle the calls whose arguments decide the capability; True if handled."""
        line = call.lineno
        if func in _OPENERS or (func.startswith("pathlib.Path.") and func.endswith(".open")):
            opener = func if func in _OPENERS else "pathlib.Path.open"
            index = _OPENERS[opener]
            mode_node = _arg(call, index, "mode")
            if mode_node is None:
                mode = _COMPUTED if _unknown_args(call, index) else "r"
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
                entry = self.match(name)
                if entry is not None:
                    self._add(entry.capability, line, phase, entry.name)
            return True
        if func == "getattr":
            self._getattr(call, phase)
            return True
        if func in _NAMESPACES:
            target = self._resolve(call.args[0]) if call.args else None
            if target is not None and self.reaches(target):
                self._add(_DYNAMIC, line, phase, f"{func}({canonical(target)})")
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
            writes = any(c in mode for c in "wax+")
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
        target = self._resolve(call.args[0])
        if target is None:
            return
        target = canonical(target)
        attr = _literal_str(call.args[1])
        if attr is None:
            if self.reaches(target):
                self._add(_DYNAMIC, call.lineno, phase, f"getattr({target}, {_COMPUTED})")
            return
        entry = self.match(f"{target}.{attr}")
        if entry is not None:
            self._add(entry.capability, call.lineno, phase, entry.name)

    def _applied_getter(self, call: ast.Call, phase: Phase) -> None:
        """``operator.attrgetter(<computed>)(os)``: a computed attribute of a module."""
        inner = call.func
        assert isinstance(inner, ast.Call)
        getter = self._resolve(inner.func, import_calls=False)
        if getter not in ("operator.attrgetter", "operator.methodcaller") or not call.args:
            return
        if inner.args and _literal_str(inner.args[0]) is not None:
            return
        target = self._resolve(call.args[0])
        if target is not None and self.reaches(target):
            self._add(_DYNAMIC, call.lineno, phase,
                      f"{getter}({_COMPUTED})({canonical(target)})")


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


def _relevant(qual: str) -> bool:
    """Whether a use through a name bound to ``qual`` may not spell its target word.

    ``np.ctypeslib.load_library`` spells ``load_library`` wherever ``np`` is bound, but
    ``sp.run`` (``sp`` = subprocess, a ``subprocess.*`` entry) or ``s()`` (``s`` =
    os.system) spell nothing the pre-filter targeted: their lines are walked too.
    """
    qual = canonical(qual)
    return (match(qual) is not None or under_wildcard(qual) or qual in PATH_CLASSES
            or qual in _PATH_MODULES or qual in _SPECIAL_CALLS or qual == "builtins")


# ``import pathlib``: ``p = pathlib.Path(x)`` binds a path whose uses (``p.exists()``) spell
# neither ``pathlib`` nor ``Path``, so the lines naming the module are walked for the binding.
_PATH_MODULES = frozenset(c.rpartition(".")[0] for c in PATH_CLASSES)
# Not catalogued, but their calls are inspected (``_special``, ``_applied_getter``): a name
# bound to one (``g = getattr``, ``ag = operator.attrgetter``) is followed to its calls.
_SPECIAL_CALLS = frozenset({"getattr", "globals", "locals", "vars", "inspect.getmembers",
                            "operator.attrgetter", "operator.methodcaller",
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


def _own_module(key: ast.expr) -> bool:
    """``sys.modules[__name__]`` and ``sys.modules[cls.__module__]`` name loaded modules."""
    return (type(key) is ast.Name and key.id == "__name__") or (
        type(key) is ast.Attribute and key.attr == "__module__")


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
