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
import builtins
import dataclasses
import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence

from gate.catalog import (
    STORE_ONLY,
    canonical,
    match,
    owned,
    receiver_method,
    under_wildcard,
)
from gate.model import Capability, Finding, Label, Phase
from gate.scan import hosts, labels, python_annotations, reflect, stdlib_forms
from gate.scan.exports import Exported
from gate.scan.lexical import (
    absolute,
    chain_values,
    code_annotations,
    decode_fallback,
    decode_source,
    import_spans,
    line_numbers,
    module_name,
    normalize,
    plain_import,
    value_offsets,
    value_starts,
    word_offsets,
)
from gate.scan.nodes import gc_paused, statements
from gate.scan.prefilter import satisfied
from gate.scan.python_calls import _Calls
from gate.scan.python_refs import (
    _DYNAMIC,
    _FUNCS,
    _LABELS,
    _PLATFORM_ATTRS,
    _PLATFORM_NAMES,
    _all_args,
    _attrs,
    _blocks,
    _Bound,
    _bound_names,
    _chain_or_name,
    _is_main,
    _LazyLocals,
    _literal_str,
)
from gate.scan.reach import moved, name_may_change, reached
from gate.scan.reach_modules import remember
from gate.scan.reflect import REFLECTIVE
from gate.scan.type_checking import candidate, guards, may_write, writes


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
        except SyntaxError as exc:  # (where CPython's reading and permpip's may differ too;
            # not with a NUL byte: CPython refuses such a file before decoding it)
            return _unanalyzed(decode_fallback(source), path, phase, exc, own, exports, module,
                               always=b"\0" not in source)
    norm = normalize(text)
    words = satisfied(norm, own, exports, module=module,
                      package=path.endswith("__init__.py"))
    if not words and may_write(norm):  # (a finding of its own: gate.scan.type_checking)
        words = {"TYPE_CHECKING"}
    if words or "import" in norm:  # (a module is bound by an import, or by a trick: words)
        words = _walked_too(norm, set(words))
    if not words:
        hosts.note(text, path)  # literal hosts, whatever the file's capabilities
        return []
    # (an AST holds no cycles: gate.scan.nodes.gc_paused), and the tree is freed before the
    # collector runs again, else its first pass would traverse the whole tree once more
    with gc_paused():
        return _scan_parsed(text, norm, words, path, phase, own, module, exports)


def _scan_parsed(text: str, norm: str, words: set[str], path: str, phase: Phase | None,
                 own: frozenset[str], module: str | None,
                 exports: Exported | None) -> list[Finding]:
    """``scan_python`` of a file the pre-filter let through, once parsed; what it built
    is freed when it returns (reference counts: the scanner's cycles are broken)."""
    try:
        tree = ast.parse(text, filename=path)
    except (SyntaxError, ValueError, OverflowError, RecursionError, MemoryError) as exc:
        # (the pre-filter let ``norm`` through: ``words``)
        return _unanalyzed(norm, path, phase, exc, own, exports, module, always=True)
    hosts.note(text, path, tree)
    if _DUNDER_CALL.search(norm):
        _unwrap_dunder_calls(tree)
    scanner = _Scanner(path, norm, words, phase, own)
    try:
        if module is not None:
            scanner.module_name = module
            scanner.package = path.endswith("__init__.py")
        if exports is not None and (exports.table or exports.stars or exports.own_modules):
            scanner.set_exports(exports)
        # (the distribution's modules, where known, else the file's own)
        scanner.typing_patched = exports.typing_patched if exports is not None else (
            may_write(norm))
        found = scanner.run(tree)
        if phase is None:  # (gate.scan.reach_modules reads it again otherwise)
            remember(path, module, path.endswith("__init__.py"), norm, tree,
                     scanner.outside, scanner.typing_patched)
        return found
    except RecursionError as exc:
        return _unanalyzed(norm, path, phase, exc, own)
    finally:  # (what it caches refers back to it: ``_uses_of`` holds a bound method)
        scanner.__dict__.clear()


# an attribute assigned (``x.n = v``, ``x.n += v``, ``f(...).n = v``; not on ``self``/``cls``),
# for a builtin's name stored on a module
_ATTR_STORE = re.compile(r"\.[ \t]*([A-Za-z_]\w*)[ \t]*(?:[-+*/%@&|^]|//|<<|>>|\*\*)?=(?!=)")
_RECEIVER = re.compile(r"(?<![\w.])(?:self|cls)[ \t]*\Z")
_STORE_WORDS = frozenset({*(n for n in vars(builtins) if not n.startswith("_")), "__class__",
                          # (``b.SOURCE_SUFFIXES += [...]``, b importlib._bootstrap_external)
                          "SOURCE_SUFFIXES", "BYTECODE_SUFFIXES", "EXTENSION_SUFFIXES"})
_OBJ_READ = re.compile(r"\.[ \t]*obj\b")
# ``setattr(pkg, "hasattr", h)``, ``setattr(builtins, n, h)``: not on ``self``/``cls``
# (``s(?<!\ws)etattr`` is ``\bsetattr`` led by a literal the regex engine skips ahead to,
# as ``t(?<!\wt)ype`` is ``\btype`` below: read in every file with an import, 13 and 3
# times faster so)
_SETATTR = re.compile(r"s(?<!\ws)etattr[ \t]*\([ \t]*(?!(?:self|cls)\b)")
# a class called, or bound, as reached from an object (gate.scan.python_calls:
# ``_class_reached``; python_refs: ``c = X.__class__``)
_CLASS_CALL = re.compile(r"__(?:base|bases|mro)__[ \t]*(?:\(|\[[^\]\n]*\][ \t]*\(|\n|$)|"
                         r"__class__[ \t]*(?:\(|\.[ \t]*__base|\n|$)|"
                         r"t(?<!\wt)ype[ \t]*\((?:[^()\n]|\([^()\n]*\))*\)[ \t]*(?:\(|\.[ \t]*__)",
                         re.MULTILINE)


def _walked_too(norm: str, words: set[str]) -> set[str]:
    """``words`` with those of the lines the wave-8 rules read (each a finding of its own
    where it stands, even in a file that spells nothing else): a builtin's name (or
    ``__class__``, a suffix list) stored on an object (``pkg.hasattr = h``), ``e.obj``,
    ``setattr``, ``__prepare__``, a class reached from an object."""
    if "=" in norm:
        for m in _ATTR_STORE.finditer(norm):
            name = m.group(1)
            if name in _STORE_WORDS and name not in words and not _RECEIVER.search(
                    norm, max(0, m.start() - 8), m.start()):
                words.add(name)
    if "except" in norm and _OBJ_READ.search(norm):
        words.add("obj")
    if "setattr" in norm and _SETATTR.search(norm):
        words.add("setattr")
    if "__prepare__" in norm:
        words.add("__prepare__")
    if ("__" in norm or "type" in norm) and _CLASS_CALL.search(norm):
        words.update(w for w in ("__base__", "__bases__", "__mro__", "__class__", "type")
                     if w in norm)
    return words


def _plain_prepare(st: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether a ``__prepare__`` returns only an empty ``{}`` / ``dict()`` (or nothing
    but ``super().__prepare__(...)``): then the class body's names are its own."""
    for node in ast.walk(st):
        if type(node) is ast.Return:
            v = node.value
            if type(v) is ast.Dict and not v.keys:
                continue
            if type(v) is ast.Call and not v.args and not v.keywords and (
                    type(v.func) is ast.Name and v.func.id in ("dict", "OrderedDict")):
                continue
            if type(v) is ast.Call and type(v.func) is ast.Attribute and (
                    v.func.attr == "__prepare__" and type(v.func.value) is ast.Call
                    and type(v.func.value.func) is ast.Name
                    and v.func.value.func.id == "super"):
                continue
            return False
    return True


# what a ``with`` statement's target is bound to: the object itself
_SELF_ENTERING = frozenset({"pathlib.Path", "zipfile.ZipFile()", "tarfile.TarFile()"})
_DUNDER_CALL = re.compile(r"\.\s*__call__\s*\(")


def _unwrap_dunder_calls(tree: ast.Module) -> None:
    """``f.__call__(a)`` is ``f(a)`` (``getattr.__call__(print, n)``, ``globals.__call__()``,
    ``sys.modules.get.__call__(n)``): rewritten so, before any rule reads the tree. Not
    ``type(f).__call__(f, a)`` (the type's slot, given the object: ``f(a)`` too, read by
    the rules on ``type(...)``)."""
    for node in ast.walk(tree):
        if type(node) is not ast.Call:
            continue
        func = node.func
        while type(func) is ast.Attribute and func.attr == "__call__" and not (
                type(func.value) is ast.Call and type(func.value.func) is ast.Name
                and func.value.func.id == "type"):
            func = func.value
        node.func = func


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
                own: frozenset[str] = frozenset(), exports: Exported | None = None,
                module: str | None = None, *, always: bool = False) -> list[Finding]:
    """What an unparseable file could do: ``unanalyzed`` plus catalogued names in its text.
    Quiet when its text (read with the package's own aliases, ``exports``) could not act,
    unless ``always``: a file ``decode_source`` refuses is a finding whatever it spells,
    and one the pre-filter already let through need not be asked again."""
    norm = normalize(text)
    if not always and not satisfied(norm, own, exports, module=module,
                                    package=path.endswith("__init__.py")):
        return []
    reason, line = _reason(exc)
    ph = phase or Phase.IMPORT
    out = {Finding(path=path, line=line, capability=Capability.UNANALYZED, phase=ph,
                   detail=reason)}
    starts = _line_starts(norm)
    aliases = {bound: target for span in (import_spans(norm) if "import" in norm else ())
               for bound, target in plain_import(span, module, path.endswith("__init__.py"))
               or ()}  # (``from .compat import sp``, ``import subprocess as sp``)
    for m in _LEX_CHAIN.finditer(norm):
        chain = re.sub(r"[ \t]", "", m.group())
        lineno = bisect.bisect_right(starts, m.start())
        head, dot, rest = chain.partition(".")
        if head in aliases:
            chain = aliases[head] + dot + rest
            chain = exports.resolve(chain) if exports is not None else chain
        entry = match(chain)
        if entry is not None and own and owned(entry.name, own):
            continue
        if entry is not None:
            for cap in entry.capabilities:
                out.add(Finding(path=path, line=lineno, capability=cap, phase=ph,
                                detail=entry.name))
            continue
        last = chain.rpartition(".")[2]
        receiver = receiver_method(last) if "." in chain else None
        if receiver is not None:
            out.add(Finding(path=path, line=lineno, capability=receiver, phase=ph,
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


# Pass 1 rounds: each follows the aliases the previous one found one assignment further
# (``a = os``, ``b = a``, ...); after these, one more round reads every line.
_ALIAS_ROUNDS = 8


class _Scanner(_Calls):
    unkept_annotation = False  # (an AnnAssign in a function: its annotation is not evaluated)
    # ------------------------------------------------------------------ driver
    def run(self, tree: ast.Module) -> list[Finding]:
        # every use spells its target word; imports are walked to learn the aliases, then
        # the lines of aliases whose uses need not spell a target (``sp.run``, ``p = Path()``)
        # Pass 1 (bindings) also reads the lines of names bound to modules (``o = os``).
        self.module = tree.body
        self.tree = tree
        if "TYPE_CHECKING" in self.text:  # (spelled by every guard: gate.scan.type_checking)
            self.guards = guards(tree, self.typing_patched, self.text)
        for line, inside in writes(tree) if candidate(self.text) else ():
            self._add(_DYNAMIC, line, Phase.RUNTIME if inside else Phase.IMPORT,
                      "writes TYPE_CHECKING on a module: every `if TYPE_CHECKING:` of the "
                      "interpreter may then run")
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
        roots = {name for name, q in self.aliases.items()
                 if (q in self.imported or q in self._own_modules()) and self._package(q)}
        chains = [start for start, chain in chain_values(self.text, roots)
                  if self._module_value(self._chain_qual(chain))] if roots else []
        if chains:  # ``f(numpy._globals)``: a submodule handed on
            self.lines = sorted(set(self.lines) | set(line_numbers(self.text, chains)))
        if "<annotation>" in self.words:
            at = line_numbers(self.text, code_annotations(self.text))
            self.lines = sorted(set(self.lines) | set(at))
        self.future_annotations = any(
            type(st) is ast.ImportFrom and st.module == "__future__"
            and any(a.name == "annotations" for a in st.names)
            for st in tree.body[:8])
        self.everything = any(self.relevant(m) for m in self.stars)
        self._stmts(tree.body, Phase.IMPORT)
        self.outside: list[tuple[str, int]] | None = None
        if self.forced is None and any(f.phase is Phase.RUNTIME for f in self.found):
            self._follow_execution(tree)
        for name, (line, ph, qual) in self.from_imports.items():
            entry = self.match(qual)
            if name not in self.used and entry is not None and entry.name not in STORE_ONLY:
                # imported, only re-exported
                self._add_entry(entry, line, ph, entry.name)
        if self.forced is None and self.found and not self.rebound:
            # after ``import msvcrt`` at module level nothing in the file runs on Linux
            fails = labels.fails_on_linux(tree.body, self._platform_qual)
            if fails is not None:
                self.found = {f if f.line <= fails or f.label is not None else
                              dataclasses.replace(f, label=Label.PLATFORM) for f in self.found}
        return sorted(self.found)

    @functools.cached_property
    def rebound(self) -> bool:
        """Whether the file writes what platform tests read: no platform labels then."""
        return labels.platform_rebound(self.text)

    @functools.cached_property
    def named(self) -> tuple[str | None, bool]:
        """The module's name and whether it is a package; a file scanned alone: from its
        path."""
        if self.module_name is not None:
            return self.module_name, self.package
        named = module_name(self.path) if self.path.endswith(".py") else None
        return named if named is not None else (None, False)

    @functools.cached_property
    def main_runs(self) -> bool:
        """Whether a ``__main__`` block may run at import (gate.scan.reach.name_may_change),
        read once per module, only when one is met."""
        if self.exports is not None and self.named[0] in self.exports.name_written:
            return True  # (another module writes ``pkg.__name__``)
        return name_may_change(self.tree, *self.named)

    def _follow_execution(self, tree: ast.Module) -> None:
        """``runtime`` findings in code that runs at import become ``import``, saying how
        it is reached (gate.scan.reach): ``(via _sync_settings() at :45)``."""
        def main_runs() -> bool:  # (read only where a ``__main__`` test stands)
            return self.main_runs

        module, package = self.named
        reach = reached(tree, main_runs=main_runs, module=module, package=package,
                        typing_patched=self.typing_patched, star_bound=self.exports.star_bound.get(
                            module or "") if self.exports is not None else None)
        self.outside = reach.outside
        if not reach.bodies and reach.stored is None:
            return
        outside: list[tuple[int, int]] | None = None
        if reach.stored is not None:
            outside = _deferred_ranges(tree, main_runs=main_runs)
        replaced: dict[Finding, Finding] = {}
        for f in self.found:
            if f.phase is not Phase.RUNTIME:
                continue
            how = reach.via(f.line)
            if how is None and outside is not None and not any(
                    a <= f.line <= b for a, b in outside):
                how = reach.stored  # a reference stored at module level, called now
            if how is not None:
                replaced[f] = moved(f, how)
        self.found = (self.found - replaced.keys()) | set(replaced.values())

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
                    if t is ast.If and id(st.test) in self.guards:  # type: ignore[attr-defined]
                        stack.append(st.orelse)  # type: ignore[attr-defined]
                    elif t not in _FUNCS and t is not ast.ClassDef:
                        stack += _blocks(st)
            self.bound = bound
        return self.bound

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
            elif t is ast.With or t is ast.AsyncWith:
                # ``with zipfile.ZipFile(p) as z``: an archive's (a path's) ``__enter__``
                # gives the object itself
                for item in st.items:  # type: ignore[attr-defined]
                    if type(item.optional_vars) is ast.Name and type(
                            item.context_expr) is ast.Call:
                        value = self._resolve(item.context_expr, import_calls=True)
                        if value in _SELF_ENTERING:
                            self.aliases[item.optional_vars.id] = value
            if t is ast.If and id(st.test) in self.guards:  # type: ignore[attr-defined]
                self._collect(st.orelse, in_function=in_function, phase=phase)  # type: ignore[attr-defined]
            elif t in _FUNCS:
                self.scopes.append(self._scope(st))  # type: ignore[arg-type]
                try:  # (an alias of a parameter is no alias of the module: ``engine = pa``)
                    self._collect(st.body, in_function=True, phase=Phase.RUNTIME)  # type: ignore[attr-defined]
                finally:
                    self.scopes.pop()
            elif t is ast.ClassDef:
                self._collect(st.body, in_function=True, phase=phase)  # type: ignore[attr-defined]
            else:
                for block in _blocks(st):
                    self._collect(block, in_function=in_function, phase=phase)

    def _bind_import(self, st: ast.Import | ast.ImportFrom, phase: Phase) -> None:
        self.import_names.update((a.asname or a.name).split(".", 1)[0] for a in st.names)
        if isinstance(st, ast.Import):
            for a in st.names:
                if a.asname:
                    self.aliases[a.asname] = a.name
                    self.imported.add(a.name)
                else:
                    head = a.name.split(".", 1)[0]
                    self.aliases[head] = head
                    parts = a.name.split(".")  # ``import a.b.c``: a, a.b, a.b.c are modules
                    self.imported.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
                entry = self.match(a.name)  # ``import antigravity``: acts when imported
                if entry is not None and not under_wildcard(a.name):
                    self._add_entry(entry, st.lineno, phase, f"import {a.name}")
            return
        module: str | None = ("." * st.level) + (st.module or "")
        if st.level and self.module_name is not None:
            module = absolute(self.module_name, self.package, module or "")
        exports = self.exports
        for a in st.names:
            if a.name == "*":
                self.star_imported = True
                self.star_modules.append(module if module and not module.startswith(".")
                                         else None)
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
                self.safe.add(id(d))  # called with the function, not handed on
                self._expr(d, phase)
            self._defaults(st.args, phase)
            # annotations are evaluated with the ``def`` (or later, by get_type_hints)
            when = Phase.RUNTIME if self.future_annotations else phase
            for a in _all_args(st.args):
                self._annotation(a.annotation, when)
            self._annotation(st.returns, when)
            if st.name == "__prepare__" and self.class_body and not _plain_prepare(st):
                # a metaclass's class-body namespace: the body's bare names (``hasattr``)
                # are looked up there first, so none is surely the builtin
                self._add(_DYNAMIC, st.lineno, phase, "__prepare__ returns a class body's "
                          "namespace (its bare names may be anything)")
            self.scopes.append(self._scope(st))
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
                if e in st.decorator_list or any(k.arg == "metaclass" and k.value is e
                                                 for k in st.keywords):
                    self.safe.add(id(e))  # (other keywords go to ``__init_subclass__``)
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
            outer, outer_label = self.platform, self.label
            where = self._platform_test(st.test)
            # a branch that runs only on another platform than Linux is labelled so
            linux = (labels.on_linux(st.test, self._platform_qual)
                     if where is not None and not self.rebound else None)
            try:
                if id(st.test) not in self.guards:
                    self._tested(st.test)
                    self._expr(st.test, phase)
                    # ``if __name__ == "__main__":`` runs when the file is run, not imported
                    if where is not None:
                        self.platform = f"only if {where}"
                    main = _is_main(st.test) and not self.main_runs
                    if main or linux is False:
                        self.label = outer_label or (Label.MAIN if main else Label.PLATFORM)
                    self._stmts(st.body, Phase.RUNTIME if main else phase)
                if where is not None:
                    self.platform = f"unless {where}"
                self.label = outer_label or (Label.PLATFORM if linux is True else None)
                self._stmts(st.orelse, phase)
            finally:
                self.platform, self.label = outer, outer_label
        elif t is ast.Import or t is ast.ImportFrom:
            assert isinstance(st, ast.Import | ast.ImportFrom)
            if self.class_body:
                self._held_import(st, phase, "imported in a class body: a class attribute")
            elif self.scopes and (outer := self._nonlocal_names()):
                self._held_import(st, phase, "bound to an enclosing function's name",
                                  only=outer)
            return
        elif t is ast.Assign:
            # ``Wrapped.makefile = socket.socket.makefile``, ``f = os.system``: a reference
            # stored, used when called (a plain name is followed to its calls: pass 1)
            assert isinstance(st, ast.Assign)
            for target in st.targets:
                if type(target) is ast.Attribute and target.attr in _LABELS and type(
                        target.value) is ast.Subscript:  # ``globals()[n].__module__ = m``
                    self.labelled.add(id(target.value))
                self._field_renamed(target, phase)
                self._keylog_set(target, phase)
                self._expr(target, phase)
                self._annotations_stored(target, st.value, phase)
            if not self.class_body and len(st.targets) == 1 and type(st.targets[0]) is ast.Name:
                self.safe.add(id(st.value))  # an alias the scanner follows (pass 1)
            self._stored(st.value, phase)
        elif t is ast.AnnAssign:
            assert isinstance(st, ast.AnnAssign)
            if st.value is not None:
                self._expr(st.value, phase)
                self._annotations_stored(st.target, st.value, phase)
            if type(st.target) is not ast.Name:
                self._expr(st.target, phase)
            # (a function's local annotations are never evaluated: no module is kept there)
            self.unkept_annotation = bool(self.scopes) and not self.class_body
            try:
                if st.simple and not self.future_annotations:  # evaluated now, at module level
                    self._annotation(st.annotation, phase)
                else:
                    self._annotation(st.annotation, Phase.RUNTIME)
            finally:
                self.unkept_annotation = False
        elif t is ast.For or t is ast.AsyncFor:
            assert isinstance(st, ast.For | ast.AsyncFor)
            self._keys_only(st.iter)
            target = st.target
            keys = _literal_strs(st.iter)
            if keys is None or type(target) is not ast.Name \
                    or self._rebinds(st.body, target.id):
                self._generic(st, phase)
                return
            name = target.id
            outer = self.loop_keys.get(name)
            self._expr(st.iter, phase)
            self.loop_keys[name] = (keys, len(self.scopes))
            try:
                self._stmts(st.body, phase)
            finally:
                if outer is None:
                    del self.loop_keys[name]
                else:
                    self.loop_keys[name] = outer
            self._stmts(st.orelse, phase)
        elif t is ast.While or t is ast.Assert:
            self._tested(st.test)  # type: ignore[attr-defined]
            self._generic(st, phase)
        elif t is ast.Expr:
            assert isinstance(st, ast.Expr)
            if type(st.value) is ast.Constant:
                return  # a docstring
            self.safe.add(id(st.value))  # a value computed and dropped
            self._expr(st.value, phase)
        elif t is ast.Match:
            assert isinstance(st, ast.Match)
            self._match(st, phase)
        else:
            if t is ast.AugAssign:
                assert isinstance(st, ast.AugAssign)
                self._annotations_stored(st.target, st.value, phase, augmented=True)
                self._hook_list_changed(st.target, phase)
            self._generic(st, phase)

    def _keylog_set(self, target: ast.expr, phase: Phase) -> None:
        """``os.environ["SSLKEYLOGFILE"] = p``: every SSL context made by
        ``ssl.create_default_context`` (the standard library's and other packages' clients)
        then appends its session keys to ``p``: fs-write, where the variable is set."""
        if type(target) is ast.Subscript and _literal_str(target.slice) == "SSLKEYLOGFILE" and (  # type: ignore[attr-defined]
                self._resolve(target.value, import_calls=False) == "os.environ"):  # type: ignore[attr-defined]
            self._add(Capability.FS_WRITE, target.lineno, phase, "os.environ['SSLKEYLOGFILE'] "
                      "set (ssl.create_default_context appends TLS keys to that file)")

    def _field_renamed(self, target: ast.expr, phase: Phase) -> None:
        """``dataclasses.fields(B)[0].name = s``, ``B.__dataclass_fields__[k] = f``: a
        dataclass's fields are checked when read from annotations, not when inherited; a
        subclass's ``@dataclass`` pastes their names into the source it exec()s."""
        t = type(target)
        if t is ast.Attribute and target.attr in ("name", "_field_type"):  # type: ignore[union-attr]
            value = target.value  # type: ignore[union-attr]
        elif t is ast.Subscript:
            value = target  # (``...__dataclass_fields__[k] = f``)
        else:
            return
        for node in ast.walk(value):
            if type(node) is ast.Attribute and node.attr == "__dataclass_fields__" or (
                    type(node) is ast.Call and self._resolve(
                        node.func, import_calls=False) == "dataclasses.fields"):  # type: ignore[attr-defined]
                self._add(_DYNAMIC, target.lineno, phase, "a dataclass field renamed or "
                          "replaced: its name is pasted into the source a subclass's "
                          "@dataclass exec()s")
                return

    def _hook_list_changed(self, target: ast.expr, phase: Phase) -> None:
        """``s += [".txt"]`` where ``s`` is a hook list under another name (``s =
        importlib.machinery.SOURCE_SUFFIXES``): a list's ``+=`` changes it in place."""
        if type(target) is not ast.Name:
            return  # (``m.SOURCE_SUFFIXES += ...`` is an assignment of the name itself)
        qual = self._resolve(target, import_calls=False)
        entry = self.match(qual) if qual is not None else None
        if entry is not None and entry.name in STORE_ONLY and canonical(qual) == entry.name:
            self._add_entry(entry, target.lineno, phase, f"{entry.name} += ...")

    def _compared_to_code(self, sides: list[ast.expr], ops: list[ast.cmpop], i: int) -> bool:
        """Whether comparing ``sides[i]`` may hand it to a method of the package's: ``x ==
        m`` (and ``m == x``: a module's ``__eq__`` gives NotImplemented, then ``x``'s is
        called), ``<``..., ``m in x`` (``x.__contains__``, or each element's ``__eq__``).
        Not ``is``/``is not``, ``x in m`` (a module has no ``__contains__``), nor a
        comparison with a literal, a module or a display of literals."""
        for j, op in ((i - 1, ops[i - 1] if i else None), (i + 1, ops[i] if i < len(ops)
                                                          else None)):
            if op is None or type(op) in (ast.Is, ast.IsNot):
                continue
            other = sides[j]
            if type(op) in (ast.In, ast.NotIn):
                if j < i:
                    continue  # (the container here: the other is the item)
                if not self._literal_side(other, display=True):
                    return True
            elif not self._literal_side(other, display=False):
                return True
        return False

    def _literal_side(self, node: ast.expr, *, display: bool) -> bool:
        t = type(node)
        if t is ast.Constant or t is ast.JoinedStr:
            return True
        if display and t in (ast.List, ast.Tuple, ast.Set):
            return all(type(e) is ast.Constant for e in node.elts)  # type: ignore[attr-defined]
        if display and t is ast.Dict:
            return all(k is not None and type(k) is ast.Constant
                       for k in node.keys)  # type: ignore[attr-defined]
        if t in (ast.Name, ast.Attribute, ast.Subscript):
            qual = self._resolve(node, import_calls=False)
            return qual is not None and (qual == "sys.modules" or self._module_value(qual))
        return False

    def _held_import(self, st: ast.Import | ast.ImportFrom, phase: Phase, how: str, *,
                     only: frozenset[str] | None = None) -> None:
        """A module an import binds where the scanner does not follow it as a name: in a
        class body it is an attribute of the class (``class C: import subprocess`` then
        ``C.subprocess.run``, ``self.subprocess``, ``getattr(C, n)``), through ``nonlocal``
        a name of the enclosing function: handed on, as ``class A: m = os`` is. ``only``:
        the names that count (those declared ``nonlocal``)."""
        for a in st.names:
            local = a.asname or a.name.split(".", 1)[0]
            if a.name == "*" or (only is not None and local not in only):
                continue
            if isinstance(st, ast.Import):
                qual = a.name if a.asname else local
            else:
                module: str | None = ("." * st.level) + (st.module or "")
                if st.level and self.module_name is not None:
                    module = absolute(self.module_name, self.package, module or "")
                if not module or module.startswith("."):
                    continue
                qual = f"{module}.{a.name}"
                if self.exports is not None:
                    qual = self.exports.resolve(qual)
                if not (reflect.is_module(qual) or (
                        self.exports is not None and qual in self.exports.own_modules)):
                    continue  # a name, not a module (``from os import system``: its line)
            if self._module_value(qual):
                self._add(_DYNAMIC, st.lineno, phase, f"{canonical(qual)} {how}, passed on "
                          "as a value (what is used on it is not followed)")

    def _nonlocal_names(self) -> frozenset[str]:
        """The names the innermost function declares ``nonlocal`` (not in nested defs)."""
        scope = self.scopes[-1]
        fn = getattr(scope, "fn", None)
        if fn is None or isinstance(fn, ast.Lambda):
            return frozenset()
        key = id(fn)
        if key not in self.nonlocals:
            names: set[str] = set()
            stack: list[ast.stmt] = list(fn.body)
            while stack:
                st = stack.pop()
                if type(st) is ast.Nonlocal:
                    names.update(st.names)  # type: ignore[attr-defined]
                elif type(st) not in _FUNCS and type(st) is not ast.ClassDef:
                    for block in _blocks(st):
                        stack.extend(block)
            self.nonlocals[key] = frozenset(names)
        return self.nonlocals[key]

    def _annotations_stored(self, target: ast.expr, value: ast.expr, phase: Phase, *,
                            augmented: bool = False) -> None:
        """``f.__annotations__ = {...}`` and its forms (gate.scan.python_annotations)."""
        if python_annotations.ANNOTATIONS not in self.words:
            return
        named = target.value if type(target) is ast.Subscript else target  # type: ignore[attr-defined]
        if type(target) is ast.Name and target.id != python_annotations.ANNOTATIONS:
            if not augmented and python_annotations.is_dict_of(value):
                self._annotations_alias(target, phase)
            return
        if type(named) is ast.Name and self.scopes and not self.class_body:
            return  # a local named ``__annotations__`` (or an item of it)
        why = python_annotations.stored(target, value, self._typed, augmented=augmented)
        if why is not None:
            self._annotations_found(target, why, phase)

    def _annotations_alias(self, name: ast.Name, phase: Phase) -> None:
        """``a = f.__annotations__`` then ``a["x"] = s`` (``a.update(...)``, ``a |= d``):
        annotations stored through another name (its writes are not read: any is a
        finding at the binding)."""
        uses = self._uses()
        scope = uses._scope(name)  # (the name's reads in the same function or module)
        written = any(type(n) is ast.AugAssign and type(n.target) is ast.Name
                      and n.target.id == name.id and uses._scope(n) is scope
                      for n in statements(self.module))
        for read in uses.names.get(name.id, ()):
            if uses._scope(read) is not scope:
                continue
            parent = uses.parents.get(id(read))
            if type(parent) is ast.Subscript and type(parent.ctx) is not ast.Load:
                written = True
            elif type(parent) is ast.Attribute and parent.attr in python_annotations.FILLERS \
                    and type(uses.parents.get(id(parent))) is ast.Call:
                written = True
        if written:
            self._annotations_found(name, "filled through another name", phase)

    def _annotations_found(self, node: ast.expr, why: str, phase: Phase) -> None:
        shown = ast.unparse(node)
        shown = shown if len(shown) <= 40 else shown[:37] + "..."
        self._add(_DYNAMIC, node.lineno, phase,
                  f"{shown}: annotations stored, {why} (evaluated as code by "
                  "typing.get_type_hints; keys compiled by dataclasses)")

    def _typed(self, name: str) -> bool:
        """Whether the bare ``name`` is a class, function, module or builtin here (never a
        string): an import binds it, a ``def``/``class`` at module level and nothing else,
        or it is the builtin."""
        if any(name in scope.names() for scope in self.scopes):
            return False
        if name in self.aliases or name in self.import_names:
            return True
        defined = self.__dict__.get("_defined_once")
        if defined is None:
            counts: dict[str, int] = {}
            for st in self.module:
                for bound in _bound_names(st):
                    counts[bound] = counts.get(bound, 0) + 1
            defs = [st for st in self.module if isinstance(st, (*_FUNCS, ast.ClassDef))]
            defined = self.__dict__["_defined_once"] = {
                st.name for st in defs if counts.get(st.name) == 1}
        if name in defined:
            return True
        # a name bound nowhere in the module is the builtin only if there is one by that
        # name; any other is bound unseen (``globals()[n] = v``, a star import, another
        # module's ``pkg.n = v``)
        return hasattr(builtins, name) and self.surely_builtin(name)

    def _scope(self, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> _LazyLocals:
        """One scope per function for both passes (its names are computed once)."""
        scope = self.functions.get(id(fn))
        if scope is None:
            scope = self.functions[id(fn)] = _LazyLocals(fn)
        return scope

    def _own_modules(self) -> frozenset[str]:
        return self.exports.own_modules if self.exports is not None else frozenset()

    def _package(self, qual: str) -> bool:
        """Whether ``qual`` has submodules (of the standard library or of this package)."""
        return reflect.is_package(qual) or (
            self.exports is not None and qual in self.exports.own_packages)

    def _chain_qual(self, chain: str) -> str:
        head, _, rest = chain.partition(".")
        qual = f"{self.aliases[head]}.{rest}"
        return qual if self.exports is None else self.exports.resolve(qual)

    def _tested(self, test: ast.expr) -> None:
        """A condition only looks at its values (``if posix and hasattr(posix, 'x')``)."""
        self.safe.add(id(test))
        if type(test) is ast.BoolOp:
            for v in test.values:
                self._tested(v)
        elif type(test) is ast.UnaryOp and type(test.op) is ast.Not:
            self._tested(test.operand)

    def _platform_qual(self, node: ast.expr) -> str | None:
        """What a platform test reads, canonical (``sys.platform``), or None."""
        return canonical(self._resolve(node, import_calls=False) or "") or None

    def _platform_test(self, test: ast.expr) -> str | None:
        """``sys.platform == "win32"``, ``os.name == "nt"``: the test as written, when it
        asks which platform this is (evidence there holds on that platform only)."""
        for n in ast.walk(test):
            if type(n) is ast.Attribute and n.attr in _PLATFORM_ATTRS and (
                    self._platform_qual(n) in _PLATFORM_NAMES):
                text = ast.unparse(test)
                return text if len(text) <= 60 else text[:57] + "..."
        return None

    def _module_annotation(self, node: ast.expr, phase: Phase) -> None:
        """``x: os``, ``def f(a: os)``, a class body's ``m: os`` (or ``"os"``, evaluated by
        ``get_type_hints``): the annotation is stored in an ``__annotations__`` dict,
        where anyone reads the module back unseen: a module handed on."""
        if self.unkept_annotation:
            return
        qual = self._resolve(node, import_calls=False)
        if qual is not None and self._module_value(qual):
            self._add(_DYNAMIC, node.lineno, phase,
                      f"{qual} named as an annotation (the module kept in __annotations__: "
                      "handed on)")

    def _annotation(self, node: ast.expr | None, phase: Phase) -> None:
        """An annotation: a type named in it is not called (``c: CodeType``), but what it
        computes is (``x: f()``), and ``typing.get_type_hints`` evaluates a string one."""
        if node is None:
            return
        t = type(node)
        if t is ast.Constant:
            value = node.value  # type: ignore[attr-defined]
            if isinstance(value, str) and value.strip():
                inner, code = stdlib_forms.annotation(value.strip(), node.lineno)
                if inner is None:
                    return
                if code:  # a type is names, subscripts, ``|``: this runs when evaluated
                    self._add(_DYNAMIC, node.lineno, phase,
                              "string annotation holds code (typing.get_type_hints runs it)")
                self._annotation(inner, phase)
        elif t is ast.Name:
            if node.id in self.aliases:  # type: ignore[attr-defined]
                self.used.add(node.id)  # type: ignore[attr-defined]
            self._module_annotation(node, phase)
        elif t is ast.Attribute and _name_rooted(node):
            root = node
            while type(root) is ast.Attribute:
                root = root.value
            if root.id in self.aliases:  # type: ignore[attr-defined]
                self.used.add(root.id)  # type: ignore[attr-defined]
            self._module_annotation(node, phase)
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
        classes = [p for case in st.cases for p in ast.walk(case.pattern)
                   if isinstance(p, ast.MatchClass)]
        for p in classes:
            leading = [a for a in p.kwd_attrs if a in reflect.REFLECTIVE]
            if leading:  # ``match print: case object(__self__=b)``: the builtins module
                self._add(_DYNAMIC, p.lineno, phase, f"a class pattern reads {leading[0]} "
                          "(an object's module, namespace or builtins)")
        if subject is not None and self._module_value(subject):
            attrs = [a for p in classes for a in p.kwd_attrs]
            if attrs and all(self.match(f"{subject}.{a}") is not None for a in attrs):
                self.safe.add(id(st.subject))
                for a in attrs:
                    entry = self.match(f"{subject}.{a}")
                    assert entry is not None
                    self._add_entry(entry, st.subject.lineno, phase, entry.name)
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
            # a module stored is handed on now: what takes it may use it at once
            qual = self._resolve(node, import_calls=False)
            module = qual is not None and self.match(qual) is None and self._module_value(qual)
            # (``p = encodings.__path__``: a package's search path handed on now)
            path = t is ast.Attribute and node.attr == reflect.PATH  # type: ignore[union-attr]
            self._expr(node, phase if module or path else Phase.RUNTIME)
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
            value = self._call(node, phase)
            if value is not None:  # ``f(globals())``, ``[__import__('os')]``
                self._escapes(node, value, phase)
        elif t is ast.Constant or (t is ast.BinOp and _literal_str(node) is not None):
            value = _literal_str(node)
            if value is not None and _FIELD_PATH.search(value):
                # ``"{0.__self__}".format(f)``, ``Formatter().get_field("0.__globals__", ...)``
                self._add(_DYNAMIC, node.lineno, phase,
                          f"string names a reflective attribute path: {value[:40]!r}")
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
            sides = [node.left, *node.comparators]
            for i, side in enumerate(sides):  # ``m is os``, ``m == "x"``: nothing escapes
                if not self._compared_to_code(sides, node.ops, i):
                    self.safe.add(id(side))
            self._generic(node, phase)
        elif t in _COMPREHENSIONS:
            targets = {n.id for g in node.generators  # type: ignore[attr-defined]
                       for n in ast.walk(g.target) if type(n) is ast.Name}
            for g in node.generators:  # type: ignore[attr-defined]
                self._keys_only(g.iter)
            self.scopes.append(_Bound(targets))
            try:
                self._generic(node, phase)
            finally:
                self.scopes.pop()
        elif t is ast.BinOp and type(node.op) is ast.Mod and (  # type: ignore[attr-defined]
                type(node.left) is ast.Constant):  # type: ignore[attr-defined]
            # ``"%(x)s" % locals()``: a format reads the keys it names, and calls nothing
            self.safe.add(id(node.right))  # type: ignore[attr-defined]
            self._generic(node, phase)
        elif t is ast.IfExp:
            self._tested(node.test)  # type: ignore[attr-defined]
            self._generic(node, phase)
        elif t is ast.BoolOp and type(node.op) is ast.And:  # type: ignore[attr-defined]
            # ``socks and x``: a module is always true, so it is never what ``and`` gives
            for v in node.values[:-1]:  # type: ignore[attr-defined]
                self._tested(v)
            self._generic(node, phase)
        elif t is ast.FormattedValue:
            self.safe.add(id(node.value))  # type: ignore[attr-defined]
            self._generic(node, phase)
        else:
            if t is ast.Dict and python_annotations.ANNOTATIONS in self.words:
                assert isinstance(node, ast.Dict)
                why = python_annotations.namespace(node, self._typed)
                if why is not None:
                    self._annotations_found(node, why, phase)
            self._generic(node, phase)


_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _literal_strs(node: ast.expr) -> tuple[str, ...] | None:
    """The strings of a literal tuple, list or set of strings (``("path", "sep")``)."""
    if type(node) not in (ast.Tuple, ast.List, ast.Set):
        return None
    out = tuple(_literal_str(e) for e in node.elts)  # type: ignore[attr-defined]
    return out if out and None not in out else None  # type: ignore[return-value]


# a string that reads a reflective attribute by path (a format field, ``get_field``)
_FIELD_PATH = re.compile(r"[.\[](?:__self__|__globals__|__builtins__|f_globals|f_builtins|"
                         r"f_locals|__subclasses__)\b")


def _deferred_ranges(tree: ast.Module, *,
                     main_runs: Callable[[], bool]) -> list[tuple[int, int]]:
    """Line ranges whose code does not run at import by itself: function bodies and
    ``__main__`` blocks."""
    out: list[tuple[int, int]] = []
    for node in statements(tree.body):
        t = type(node)
        if t in _FUNCS:
            body = node.body  # type: ignore[attr-defined]
            out.append((body[0].lineno, node.end_lineno or body[0].lineno))  # type: ignore[attr-defined]
        elif t is ast.If and _is_main(node.test) and not main_runs():  # type: ignore[attr-defined]
            body = node.body  # type: ignore[attr-defined]
            out.append((body[0].lineno, body[-1].end_lineno or body[-1].lineno))
    return out


def _start(st: ast.stmt) -> int:
    """First line of a statement, its decorators included."""
    decorators = getattr(st, "decorator_list", None)
    return decorators[0].lineno if decorators else st.lineno


def _name_rooted(node: ast.expr) -> bool:
    """Whether an attribute chain starts at a plain name (``a.b.c``, not ``f().c``)."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return type(node) is ast.Name


