"""Which code of a module runs when it is imported: phases follow execution, not indentation.

The walker (gate.scan.python) labels a finding ``import`` when it stands in module-level code
and ``runtime`` when it stands in a function body or in a reference only stored for later.
Code in a function runs at import too when module-level code can reach it, and Python has
more ways to call code than a reader can list (operators, ``with``, ``for``, f-strings,
descriptors, metaclasses, ``__del__``, library callbacks...). So the rule is by *name*, not
by mechanism: ``reached(tree)`` grows the code that may run at import from the module-level
statements (not an ``if __name__ == "__main__":`` block):

- every word reached code spells (a name, an attribute, an identifier in a string:
  ``globals()["f"]``, ``getattr(a, "run")``) that names a function of the module makes that
  function's body reached (called, aliased, handed to a thread, a decorator, a registry);
- a class so named is *live*: all its special methods (``__init__``, ``__enter__``,
  ``__iter__``, ``__del__``, ``__eq__``, ``__format__``, ``__get__``, ``_missing_``... any
  ``__x__`` or ``_x_``) and properties are reached, and so is every method whose name reached
  code spells; a live class with a base from outside the module (``threading.Thread``,
  ``logging.Handler``) has all its methods reached, since the base may call any of them;
- a decorator runs at import: the decorated function is reached when the decorator is
  anything but a known wrapper (``property``, ``functools.wraps``...) or a function of the
  module that neither calls nor hands on what it is given (a factory: by what it returns);
- a function's header (defaults, annotations) runs with its ``def``; a reached function's
  default references (``runner=os.system``) run when it runs;
- a call at import of something unnamed (``T["a"](x)``, ``f()()``, ``*args``) may call any
  reference the module stored at module level: those ``runtime`` findings count as run.

What reached code spells but the module does not define is kept (``outside``) for
gate.scan.reach_modules, which follows it into the package's other modules. Sound rather
than precise: a function named at import but never called there counts as run.
"""

from __future__ import annotations

import ast
import dataclasses
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from gate.model import Finding, Label, Phase
from gate.scan.lexical import absolute
from gate.scan.nodes import _FIELDS, child_fields
from gate.scan.python_refs import _FUNCS, _all_args, _blocks, _is_main, _literal_str
from gate.scan.reach_refs import dotted, ref

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# decorators that only wrap or mark what they are given (the standard library's)
_WRAPPERS = frozenset({
    "property", "staticmethod", "classmethod", "cached_property", "wraps", "lru_cache", "cache",
    "total_ordering", "singledispatch", "singledispatchmethod", "dataclass", "contextmanager",
    "asynccontextmanager", "abstractmethod", "overload", "final", "override", "setter",
    "getter", "deleter", "runtime_checkable", "unique", "no_type_check", "deprecated",
    "dataclass_transform", "abstractproperty"})
_PROPERTIES = frozenset({"property", "cached_property", "setter", "getter", "deleter",
                         "abstractproperty"})
# methods the standard library calls by name on an object it is handed (duck typing):
# ``dict(**a)`` ``keys``, ``contextlib.closing(a)`` ``close``, a logger's filter or handler
# ``filter``/``emit``/``handle``/``format``, ``print(file=a)`` ``write``/``flush``,
# ``json.load(a)`` ``read``, an importer on ``sys.meta_path`` ``find_spec``... Only for an
# instance made at import (``A()``) and handed on there: not for every class named.
_PROTOCOL = frozenset({
    "keys", "close", "read", "readline", "readlines", "readinto", "write", "writelines",
    "flush", "fileno", "seek", "tell", "filter", "emit", "handle", "format", "formatTime",
    "formatException", "formatMessage", "send", "throw", "find_spec", "find_module",
    "load_module", "create_module", "exec_module", "get_data", "get_source", "get_code"})
# what ``enum``'s metaclass calls on the class being made, for each member
_ENUM_HOOKS = frozenset({"__new__", "__init__", "_generate_next_value_", "__set_name__"})
_ENUM_BASES = frozenset({"Enum", "IntEnum", "StrEnum", "Flag", "IntFlag", "ReprEnum"})
_CONTAINERS = (ast.Dict, ast.List, ast.Tuple, ast.Set)
# what in an annotation runs code when it is evaluated
_RUNS_CODE = (ast.Call, ast.Lambda, ast.NamedExpr, ast.Await, ast.Yield, ast.YieldFrom,
              ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


@dataclass(slots=True)
class Reached:
    """Function bodies (first line, last line) that run at import, each with how."""

    bodies: list[tuple[int, int, str]] = field(default_factory=list)
    stored: str | None = None  # how a stored reference may be called at import
    # names the reached code calls or hands on that the module does not define
    # (``sync()``, ``helpers.sync()``), with the line: other modules' code that runs now
    outside: list[tuple[str, int]] = field(default_factory=list)

    def via(self, line: int) -> str | None:
        """How the code at ``line`` is reached at import (innermost body), or None."""
        best: tuple[int, str] | None = None
        for start, end, how in self.bodies:
            if start <= line <= end and (best is None or start > best[0]):
                best = (start, how)
        return best[1] if best else None


def moved(f: Finding, how: str) -> Finding:
    """A ``runtime`` finding that code run at import reaches, saying how (it no longer runs
    only as a script: no ``main`` label)."""
    return dataclasses.replace(f, phase=Phase.IMPORT, detail=f"{f.detail} (via {how})",
                               label=None if f.label is Label.MAIN else f.label)



# names that reach the module's namespace as an object wherever they stand (exec and eval
# are not here: they are ``dynamic-code`` where they run, which covers what they rebind)
_NAMESPACE_WORDS = frozenset({
    "globals", "__globals__", "f_globals", "_getframe", "currentframe", "import_module",
    "__import__", "__setattr__", "__getattribute__", "__builtins__", "attrgetter",
    "methodcaller"})
# attributes, and calls with the object first, that reach the namespace of the object they
# are given: the module's own when that object is a module (a name an import bound;
# anything else a module reaches only by escaping as a value, which is ``dynamic-code``)
_OBJECT_WORDS = frozenset({"__dict__", "modules"})
_OBJECT_CALLS = frozenset({"setattr", "vars"})
_READERS = frozenset({"getattr", "hasattr"})  # read the attribute their 2nd argument names
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


def name_may_change(tree: ast.Module) -> bool:
    """Whether the module can rebind its own ``__name__`` before a ``__main__`` test: a
    name binding (assignment in any form, ``global``, an import, a ``match`` capture, a
    star import other than of the standard library), a ``"__name__"`` string other than one
    read by ``getattr``/``hasattr``, or a way to its namespace as an object (``globals()``,
    ``sys.modules``, frames, ``import_module``, ``vars()`` or ``locals()`` outside a
    function; ``__dict__``, ``vars(m)`` or a ``setattr`` with a computed name on a module),
    spelled as a name, an attribute or a string. Sound over precise: then the block counts
    as code that runs at import. (Computed ``getattr`` is the scanner's: ``dynamic-code``
    where its object may be a module or a function.)

    One walk of the tree (parents before children); what needs to know which names are
    bound to modules (``module_like``) is decided after it, once every binding is known."""
    imported: set[str] = set()  # names an import binds, and names assigned from them
    assigned: list[tuple[list[ast.expr], ast.expr]] = []
    maybe: list[ast.expr] = []  # a namespace reached if this may be a module
    read_names: set[int] = set()  # the names ``getattr``/``hasattr`` read
    # ``vars``/``locals`` called with an argument, or without one inside a function
    in_function: set[int] = set()
    literals: dict[int, str | None] = {}  # (short string literals: ``_short_literal``)
    stack: list[tuple[ast.AST, bool]] = [(tree, False)]  # (node, inside a function)
    pop, push = stack.pop, stack.append
    while stack:
        node, inside = pop()
        t = type(node)
        if t is ast.Name:
            name = node.id  # type: ignore[attr-defined]
            if name == "__name__" and type(node.ctx) is not ast.Load:  # type: ignore[attr-defined]
                return True
            if name in _NAMESPACE_WORDS or (
                    name in ("vars", "locals") and id(node) not in in_function):
                return True
            continue  # (no children but its ``ctx``)
        if t is ast.Attribute:
            attr = node.attr  # type: ignore[attr-defined]
            if attr in _NAMESPACE_WORDS:
                return True
            if attr in _OBJECT_WORDS or (
                    attr == "__name__" and type(node.ctx) is not ast.Load):  # type: ignore[attr-defined]
                maybe.append(node.value)  # type: ignore[attr-defined]
        elif t is ast.Global or t is ast.Nonlocal:
            if "__name__" in node.names:  # type: ignore[attr-defined]
                return True
            continue
        elif t is ast.Import or t is ast.ImportFrom:
            for a in node.names:  # type: ignore[attr-defined]
                bound = a.asname or a.name.split(".")[0]
                imported.add(bound)
                if bound == "__name__" or (
                        a.name in _NAMESPACE_WORDS or a.name in _OBJECT_WORDS):
                    return True
                if a.name == "*" and (node.level or (node.module or "").partition(  # type: ignore[attr-defined]
                        ".")[0] not in sys.stdlib_module_names):
                    return True
            if t is ast.ImportFrom and node.module in ("__main__", "builtins"):  # type: ignore[attr-defined]
                return True
        elif getattr(node, "name", None) == "__name__":
            return True  # a def, a class, ``except ... as``, a ``match`` capture
        elif t is ast.MatchMapping:
            if node.rest == "__name__":  # type: ignore[attr-defined]
                return True
        elif t is ast.Call:
            func = node.func  # type: ignore[attr-defined]
            args = node.args  # type: ignore[attr-defined]
            if type(func) is ast.Name and (
                    args or (inside and func.id in ("vars", "locals"))):  # type: ignore[attr-defined]
                in_function.add(id(func))  # ``vars(x)``: below
            fname = func.id if type(func) is ast.Name else (  # type: ignore[attr-defined]
                func.attr if type(func) is ast.Attribute else None)  # type: ignore[attr-defined]
            if fname in _READERS and len(args) >= 2:
                read_names.add(id(args[1]))
                if _literal_str(args[1]) in _OBJECT_WORDS:
                    maybe.append(args[0])  # ``getattr(sys, "modules")``
            elif fname in _OBJECT_CALLS and args and (
                    fname == "vars" or len(args) < 2 or _literal_str(args[1]) is None):
                maybe.append(args[0])
        elif t is ast.Assign:
            assigned.append((node.targets, node.value))  # type: ignore[attr-defined]
        elif (t is ast.AnnAssign or t is ast.NamedExpr) and node.value is not None:  # type: ignore[attr-defined]
            assigned.append(([node.target], node.value))  # type: ignore[attr-defined]
        if t is ast.Constant or t is ast.BinOp or t is ast.JoinedStr:
            text = _short_literal(node, literals)  # type: ignore[arg-type]
            if text in _NAMESPACE_WORDS or (text == "__name__" and id(node) not in read_names):
                return True
            if t is ast.Constant:
                continue
        if t in _SCOPES:  # only the body runs in the function's own scope
            body = node.body  # type: ignore[attr-defined]
            for child in (body if type(body) is list else (body,)):
                push((child, True))
            fields = _HEADER.get(t) or _HEADER.setdefault(
                t, tuple(f for f in child_fields(t) if f != "body"))
        else:
            fields = _FIELDS.get(t) or child_fields(t)
        for f in fields:
            v = getattr(node, f, None)
            if type(v) is list:
                for child in v:
                    if isinstance(child, ast.AST):
                        push((child, inside))
            elif isinstance(v, ast.AST):
                push((v, inside))
    if not maybe:
        return False
    grown = True
    while grown:  # ``m = sys``, ``n = m``: bound to a module as well
        grown = False
        for targets, value in assigned:
            root = value
            while type(root) is ast.Attribute:
                root = root.value  # type: ignore[attr-defined]
            if type(root) is ast.Name and root.id in imported:  # type: ignore[attr-defined]
                for target in targets:
                    for n in ast.walk(target):
                        if type(n) is ast.Name and n.id not in imported:  # type: ignore[attr-defined]
                            imported.add(n.id)  # type: ignore[attr-defined]
                            grown = True

    def module_like(node: ast.expr) -> bool:
        """Whether ``node`` may be a module: rooted at a name an import bound (``os.path``,
        ``m.sub[0]``, ``m.load()``); any other value holds one only if a module escaped
        into it, which the scanner reports as ``dynamic-code``."""
        while type(node) in (ast.Attribute, ast.Subscript, ast.Call, ast.Starred):
            node = node.func if type(node) is ast.Call else node.value  # type: ignore[attr-defined]
        return type(node) is ast.Name and node.id in imported  # type: ignore[attr-defined]

    return any(module_like(n) for n in maybe)


_HEADER: dict[type, tuple[str, ...]] = {}  # a scope's fields but its body

# the longest string ``name_may_change`` looks for: a longer literal matches none
_LONGEST = max(len(w) for w in (*_NAMESPACE_WORDS, "__name__"))


def _short_literal(node: ast.expr, memo: dict[int, str | None]) -> str | None:
    """``_literal_str(node)`` when it is at most ``_LONGEST`` characters long, else None;
    each part of a ``+`` chain computed once (``memo``, by node), so that reading every
    node of a long chain costs its length, not its square."""
    got = memo.get(id(node), memo)
    if got is not memo:
        return got  # type: ignore[return-value]
    t = type(node)
    out: str | None = None
    if t is ast.Constant:
        value = node.value  # type: ignore[attr-defined]
        out = value if type(value) is str and len(value) <= _LONGEST else None
    elif t is ast.BinOp and type(node.op) is ast.Add:  # type: ignore[attr-defined]
        spine: list[ast.BinOp] = []  # ``a + b + c`` nests on the left: walked, not recursed
        n: ast.expr = node
        while type(n) is ast.BinOp and type(n.op) is ast.Add and id(n) not in memo:  # type: ignore[attr-defined]
            spine.append(n)  # type: ignore[arg-type]
            n = n.left  # type: ignore[attr-defined]
        out = _short_literal(n, memo)
        for b in reversed(spine):
            right = _short_literal(b.right, memo) if out is not None else None
            out = out + right if out is not None and right is not None and (
                len(out) + len(right) <= _LONGEST) else None
            memo[id(b)] = out
        return out
    elif t is ast.JoinedStr:
        parts = [_short_literal(v, memo) for v in node.values]  # type: ignore[attr-defined]
        joined = "".join(parts) if all(p is not None for p in parts) else None  # type: ignore[arg-type]
        out = joined if joined is not None and len(joined) <= _LONGEST else None
    memo[id(node)] = out
    return out


def _special(name: str) -> bool:
    return (name.startswith("__") and name.endswith("__")) or (
        len(name) > 2 and name[0] == name[-1] == "_" and name[1] != "_")


_N = TypeVar("_N", bound=ast.AST)


def _close(table: dict[str, list[_N]], aliases: Sequence[tuple[str, str]]) -> None:
    """``table[alias]`` gains what ``table[target]`` holds, to a fixed point, no duplicates."""
    changed = True
    while changed:
        changed = False
        for alias, target in aliases:
            have = table.setdefault(alias, [])
            seen = {id(n) for n in have}
            for node in table.get(target, ()):
                if id(node) not in seen:
                    seen.add(id(node))
                    have.append(node)
                    changed = True


class _Reach:
    def __init__(self, tree: ast.Module, *, main_runs: bool | Callable[[], bool],
                 module: str | None = None, package: bool = False) -> None:
        # (a callable: asked only where a ``__main__`` test stands)
        self.main_runs = main_runs if callable(main_runs) else lambda: main_runs
        self.module, self.package = module, package  # its import name, when known
        self.owner: dict[int, ast.ClassDef] = {}  # id(method) -> its class
        self.nested: dict[str, list[ast.ClassDef]] = {}  # ``O.I`` -> classes in class bodies
        # module-level ``x = K(...)``: x -> what was called (``K``, ``mod.K``)
        self.instances: dict[str, list[str]] = {}
        # module-level containers of references (``T = {"run": os.system}``)
        self.containers: dict[str, list[ast.expr]] = {}
        self.opened: set[str] = set()
        self.getattr_def: ast.AST | None = None  # a module-level ``def __getattr__``
        self.enum_names: set[str] = set()  # names an import binds to enum or its classes
        self.handed: set[int] = set()  # classes whose instances were handed on at import
        self.defs: dict[str, list[ast.AST]] = {}  # functions (and lambdas) by the names bound
        self.classes: dict[str, list[ast.ClassDef]] = {}
        self.methods: dict[int, list[ast.AST]] = {}  # id(class) -> its functions
        self.done: set[int] = set()
        self.words: set[str] = set()  # every name and string word reached code spells
        self.attrs: set[str] = set()  # every attribute it reads
        self.live: list[ast.ClassDef] = []
        self.out = Reached()
        self.todo: list[tuple[ast.AST, str]] = []
        self.stored_values: list[tuple[str, str]] = []
        self.lambdas: list[tuple[ast.Lambda, str | None]] = []
        self._index(tree.body, None)
        self._alias_values()

    # ------------------------------------------------------------------ what the module defines
    def _index(self, body: list[ast.stmt], owner: ast.ClassDef | None) -> None:
        for st in body:
            t = type(st)
            if t in _FUNCS:
                self.defs.setdefault(st.name, []).append(st)  # type: ignore[attr-defined]
                if owner is not None:
                    self.methods.setdefault(id(owner), []).append(st)
                    self.owner[id(st)] = owner
                elif st.name == "__getattr__" and self.getattr_def is None:  # type: ignore[attr-defined]
                    self.getattr_def = st
            elif t is ast.ClassDef:
                assert isinstance(st, ast.ClassDef)
                self.classes.setdefault(st.name, []).append(st)
                if owner is not None:
                    self.nested.setdefault(f"{owner.name}.{st.name}", []).append(st)
                self._index(st.body, st)
            elif t is ast.ImportFrom:
                if st.module == "enum":  # type: ignore[attr-defined]
                    self.enum_names.update(a.asname or a.name for a in st.names)  # type: ignore[attr-defined]
            elif t is ast.Import:
                self.enum_names.update(a.asname or a.name for a in st.names  # type: ignore[attr-defined]
                                       if a.name == "enum")
            elif t is ast.Assign or t is ast.AnnAssign:
                value = st.value  # type: ignore[attr-defined]
                targets = st.targets if t is ast.Assign else [st.target]  # type: ignore[attr-defined]
                names = [x.id for x in targets if type(x) is ast.Name]
                if type(value) is ast.Lambda:
                    for n in names:
                        self.defs.setdefault(n, []).append(value)
                        if owner is not None:
                            self.methods.setdefault(id(owner), []).append(value)
                elif type(value) is ast.Name:  # ``g = f``, ``K = A``, ``__init__ = _impl``
                    for n in names:
                        self.stored_values.append((n, value.id))
                elif owner is None and type(value) is ast.Call:  # ``client = Client()``
                    made = dotted(value.func)
                    if made is not None:
                        for n in names:
                            self.instances.setdefault(n, []).append(made)
                elif owner is None and type(value) in _CONTAINERS and any(
                        type(n) in (ast.Name, ast.Attribute, ast.Lambda)
                        for n in ast.walk(value)):
                    for n in names:
                        self.containers.setdefault(n, []).append(value)
            else:
                for block in _blocks(st):
                    self._index(block, owner)

    def _alias_values(self) -> None:
        """``g = f``: ``g`` names what ``f`` names, to a fixed point (an alias of an alias,
        in any order); each function or class once per name, however the names cycle
        (``a = b; b = a``). Once per module: run for every nested block, the copies doubled
        each time (2^blocks entries, tens of GB on a real wheel)."""
        _close(self.defs, self.stored_values)
        _close(self.classes, self.stored_values)

    # ------------------------------------------------------------------ reaching
    def reach(self, node: ast.AST, how: str) -> None:
        if id(node) in self.done:
            return
        self.done.add(id(node))
        first = node.lineno  # type: ignore[attr-defined]  # (a def's defaults, too)
        last = node.end_lineno or first  # type: ignore[attr-defined]
        self.out.bodies.append((first, last, how))
        self.todo.append((node, how))

    def _word(self, word: str, how: str, line: int) -> None:
        fresh = word not in self.words
        self.words.add(word)
        found = False
        for d in self.defs.get(word, ()):
            found = True
            self.reach(d, how)
        for c in self.classes.get(word, ()):
            found = True
            self._live(c, how)
        if fresh:
            for c in self.live:
                for m in self.methods.get(id(c), ()):
                    if getattr(m, "name", None) == word:
                        self.reach(m, how)
        if not found and line:
            self.out.outside.append((word, line))

    def _method(self, word: str, how: str) -> None:
        """An attribute read: a method of a live class by that name (the receiver is not
        typed), not a module-level function (reached through another module by
        gate.scan.reach_modules)."""
        if word in self.attrs:
            return
        self.attrs.add(word)
        for c in self.live:
            for m in self.methods.get(id(c), ()):
                if getattr(m, "name", None) == word:
                    self.reach(m, how)

    def _live(self, c: ast.ClassDef, how: str) -> None:
        if id(c) in self.done:
            return
        self.done.add(id(c))
        self.live.append(c)
        own_bases = all(type(b) is ast.Name and (b.id in self.classes or b.id == "object")
                        for b in c.bases)
        for m in self.methods.get(id(c), ()):
            name = getattr(m, "name", None)
            deco = {_leaf(d) for d in getattr(m, "decorator_list", ())}
            if (not own_bases or name is None or _special(name) or name in self.words
                    or name in self.attrs or deco & _PROPERTIES):
                self.reach(m, how)
        for b in c.bases:  # what the bases define runs for the subclass too
            name = _leaf(b)
            for bc in self.classes.get(name or "", ()):
                self._live(bc, how)
            spelled = dotted(b)
            if spelled is not None and spelled != "object" and not (
                    type(b) is ast.Name and name in self.classes):
                self.out.outside.append((spelled, c.lineno))  # another module's base

    def _calls_param(self, fn: ast.AST) -> bool:
        """Whether a decorator calls, or hands on, the function it is given (in its own
        body: a wrapper it defines runs later). Labelling it (``f.__doc__ = d``),
        returning it and ``functools.wraps(f)`` do not; ``*args`` and lambdas are not
        followed."""
        args = fn.args.posonlyargs + fn.args.args  # type: ignore[attr-defined]
        if id(fn) in self.owner and "staticmethod" not in {  # ``@reg.add``: after ``self``
                _leaf(d) for d in fn.decorator_list}:  # type: ignore[attr-defined]
            args = args[1:]
        if not args or type(fn) is ast.Lambda:
            return True
        param = args[0].arg
        quiet: set[int] = set()
        nodes = list(self._walk(fn))
        for n in nodes:
            t = type(n)
            if t is ast.Call and _leaf(n.func) in ("wraps", "update_wrapper"):  # type: ignore[attr-defined]
                quiet.update(id(a) for a in n.args)  # type: ignore[attr-defined]
            elif t is ast.Attribute and type(n.ctx) is ast.Store:  # type: ignore[attr-defined]
                quiet.add(id(n.value))  # type: ignore[attr-defined]
            elif t is ast.Return and n.value is not None:  # type: ignore[attr-defined]
                quiet.add(id(n.value))  # type: ignore[attr-defined]
        return any(type(n) is ast.Name and n.id == param and type(n.ctx) is ast.Load  # type: ignore[attr-defined]
                   and id(n) not in quiet for n in nodes)

    def _factory_calls(self, fn: ast.AST) -> bool:
        """Whether what a decorator factory returns calls the function it is given."""
        if type(fn) is ast.Lambda:
            return True
        inner = {st.name: st for st in fn.body if isinstance(st, _FUNCS)}  # type: ignore[attr-defined]
        for r in (n for n in self._walk(fn) if type(n) is ast.Return):
            v = r.value  # type: ignore[attr-defined]
            if not (type(v) is ast.Name and v.id in inner and not self._calls_param(  # type: ignore[attr-defined]
                    inner[v.id])):  # type: ignore[attr-defined]
                return True
        return False

    def _decorated(self, st: ast.AST, how: str | None) -> None:
        for d in st.decorator_list:  # type: ignore[attr-defined]
            factory = type(d) is ast.Call
            target = d.func if factory else d  # type: ignore[attr-defined]
            name = _leaf(target)
            shown = dotted(target) if type(target) in (ast.Name, ast.Attribute) else None
            at = how or (f"@{shown} at :{d.lineno}" if shown else f"a decorator at :{d.lineno}")
            if type(d) is ast.Lambda:
                self.reach(d, at)  # it runs now, on the function
            if type(target) not in (ast.Name, ast.Attribute):
                runs = True  # ``@DECOS[0]``, ``@(a if c else b)``, a lambda
            elif name in _WRAPPERS:
                runs = False
            else:
                mine = [*self.defs.get(name or "", ()), *self.classes.get(name or "", ())]
                runs = not mine or any(
                    type(fn) is ast.ClassDef or (self._factory_calls(fn) if factory
                                                 else self._calls_param(fn))
                    for fn in mine)
            if runs:
                if isinstance(st, _FUNCS):
                    self.reach(st, at)
                elif type(st) is ast.ClassDef:
                    self._live(st, at)

    # ------------------------------------------------------------------ walking reached code
    def _walk(self, root: ast.AST) -> Iterator[ast.AST]:
        """The nodes of ``root`` that run when it does: a function's header and body, not
        the bodies of functions it defines (their headers do run), not ``__main__`` blocks."""
        if isinstance(root, _FUNCS):
            stack: list[ast.AST] = [*root.body, root.args, *root.decorator_list]
            if root.returns is not None and self._runs(root.returns):
                stack.append(root.returns)
        elif type(root) is ast.Lambda:
            stack = [root.body, root.args]  # type: ignore[attr-defined]
        else:
            stack = [root]
        while stack:
            node = stack.pop()
            yield node
            t = type(node)
            if t in _FUNCS:
                stack += node.decorator_list  # type: ignore[attr-defined]
                stack.append(node.args)  # type: ignore[attr-defined]
                if node.returns is not None and self._runs(node.returns):  # type: ignore[attr-defined]
                    stack.append(node.returns)  # type: ignore[attr-defined]
                continue
            if t is ast.arg:  # a parameter: its annotation only where it runs code
                if node.annotation is not None and self._runs(node.annotation):  # type: ignore[attr-defined]
                    stack.append(node.annotation)  # type: ignore[attr-defined]
                continue
            if t is ast.ClassDef:  # its bases by name: ``_bases`` (naming one makes none)
                named = {id(b) for b in node.bases if type(b) in (ast.Name, ast.Attribute)}  # type: ignore[attr-defined]
                stack.extend(c for c in ast.iter_child_nodes(node) if id(c) not in named)
                continue
            if t is ast.AnnAssign:
                stack.append(node.target)  # type: ignore[attr-defined]
                if node.value is not None:  # type: ignore[attr-defined]
                    stack.append(node.value)  # type: ignore[attr-defined]
                if self._runs(node.annotation):  # type: ignore[attr-defined]
                    stack.append(node.annotation)  # type: ignore[attr-defined]
                continue
            if t is ast.Lambda:
                stack.append(node.args)  # type: ignore[attr-defined]
                continue
            if t is ast.If and _is_main(node.test) and not self.main_runs():  # type: ignore[attr-defined]
                stack += node.orelse  # type: ignore[attr-defined]
                continue
            if t is ast.Expr and type(node.value) is ast.Constant:  # type: ignore[attr-defined]
                continue  # a docstring names nothing
            if t is ast.Assign and any(type(x) is ast.Name and x.id == "__all__"  # type: ignore[attr-defined]
                                       for x in node.targets):  # type: ignore[attr-defined]
                continue  # what ``import *`` takes: names, not calls
            stack.extend(ast.iter_child_nodes(node))

    def _runs(self, annotation: ast.expr) -> bool:
        """Whether evaluating an annotation runs the module's code: a call, a lambda...,
        or a subscript of the module's own class (``__class_getitem__``). A name in it
        (``connection: HTTPAdapter``, ``resolver: Resolver | None``) is looked up, not
        called: the class it names is not made live by it."""
        for n in ast.walk(annotation):
            t = type(n)
            if t in _RUNS_CODE or (t is ast.Subscript and type(n.value) is ast.Name  # type: ignore[attr-defined]
                                   and n.value.id in self.classes):  # type: ignore[attr-defined]
                return True
        return False

    def scan(self, root: ast.AST, how: str | None) -> None:
        cls = self.owner.get(id(root))  # the class of a method (``super()``)
        local = _locals(root)  # (a function's own variables name nothing elsewhere)
        for node in self._walk(root):
            t = type(node)
            line = getattr(node, "lineno", 0)
            if t is ast.Name:
                if type(node.ctx) is not ast.Store:  # type: ignore[attr-defined]
                    self._word(node.id, how or f"{node.id} at :{line}",  # type: ignore[attr-defined]
                               0 if node.id in local else line)  # type: ignore[attr-defined]
            elif t is ast.Attribute:
                self._method(node.attr, how or f".{node.attr} at :{line}")  # type: ignore[attr-defined]
                spelled = ref(node, self.module, self.package)  # type: ignore[arg-type]
                if spelled is not None:
                    self.out.outside.append((spelled, line))
            elif t is ast.Subscript:
                self._subscript(node, how, line)  # type: ignore[arg-type]
            elif t is ast.With or t is ast.AsyncWith:
                for item in node.items:  # type: ignore[attr-defined]
                    self._instance_methods(item.context_expr, ("__enter__", "__exit__"),
                                           how or f"with at :{line}", line, cls)
            elif t is ast.ImportFrom and self.getattr_def is not None:
                base = absolute(self.module, self.package, "." * node.level + (  # type: ignore[attr-defined]
                    node.module or "")) if self.module is not None else None  # type: ignore[attr-defined]
                if base is not None and base == self.module:  # ``from . import x``: a lookup
                    self._own_lookup(how, line, f"from-import at :{line}")
            elif t is ast.Constant and isinstance(node.value, str) and (  # type: ignore[attr-defined]
                    len(node.value) < 200):  # type: ignore[attr-defined]
                # ``globals()["f"]``, ``getattr(a, "run")``, ``import_module(".sync")``
                for w in _WORD.findall(node.value):  # type: ignore[attr-defined]
                    self._word(w, how or f"{w!r} at :{line}", line)
            elif t in _FUNCS or t is ast.ClassDef:
                self._decorated(node, how)
                if t is ast.ClassDef and self._enum(node, set()):  # type: ignore[arg-type]
                    self._created(node, how or f"class {node.name} at :{line}", set())  # type: ignore[attr-defined, arg-type]
                if t is ast.ClassDef:
                    self._bases(node, how, line)  # type: ignore[arg-type]
                    for kw in node.keywords:  # type: ignore[attr-defined]
                        if kw.arg == "metaclass":  # its methods run to make the class
                            if type(kw.value) is ast.Lambda:
                                self.reach(kw.value, how or f"metaclass at :{kw.value.lineno}")
                            for m in self.classes.get(_leaf(kw.value) or "", ()):
                                self._live(m, how or f"metaclass at :{kw.value.lineno}")
            elif t is ast.Call:
                self._call(node, how, cls)  # type: ignore[arg-type]
            elif t is ast.Lambda:
                self.lambdas.append((node, how))  # type: ignore[arg-type]

    def _bases(self, c: ast.ClassDef, how: str | None, line: int) -> None:
        """What making a subclass runs of its bases: their ``__init_subclass__`` and their
        metaclasses (not their constructors: ``class Resolver(BaseResolver)`` makes no
        ``BaseResolver``); a base of another module's as ``K.__init_subclass__``."""
        own, other = self._mro(c)
        at = how or f"class {c.name} at :{line}"
        for k in own[1:]:
            for m in self.methods.get(id(k), ()):
                if getattr(m, "name", None) == "__init_subclass__":
                    self.reach(m, at)
            for kw in k.keywords:
                if kw.arg != "metaclass":
                    continue
                if type(kw.value) is ast.Lambda:
                    self.reach(kw.value, at)
                for meta in self.classes.get(_leaf(kw.value) or "", ()):
                    self._live(meta, at)
                spelled = dotted(kw.value)
                if spelled is not None and spelled not in self.classes:
                    self.out.outside.append((spelled, line))
        for spelled in other:
            self.out.outside.append((f"{spelled}.__init_subclass__", line))

    def _subscript(self, node: ast.Subscript, how: str | None, line: int) -> None:
        spelled = ref(node, self.module, self.package)  # ``m.__dict__["f"]``
        if spelled is not None:
            self.out.outside.append((spelled, line))
            if spelled == f"={self.module}":  # ``sys.modules[__name__]``
                self._own_lookup(how, line, f"{spelled[1:]} at :{line}")

    def _own_lookup(self, how: str | None, line: int, what: str) -> None:
        """The module's own object looked up at import (``from . import x`` in a package,
        ``sys.modules[__name__].x``): its ``__getattr__`` runs for a missing name, once
        defined (a lookup above the ``def`` finds none: flask's ``from . import json``)."""
        hook = self.getattr_def
        if hook is not None and (how is not None or line > hook.lineno):  # type: ignore[attr-defined]
            self.reach(hook, how or what)

    def _enum(self, c: ast.ClassDef, seen: set[int]) -> bool:
        """Whether making the class runs enum's metaclass (a base from ``enum``, directly
        or through the module's own classes), which calls its ``__new__``/``__init__`` for
        every member and ``_generate_next_value_`` for ``auto()``."""
        if id(c) in seen:
            return False
        seen.add(id(c))
        for b in c.bases:
            spelled = dotted(b) or ""
            if spelled.partition(".")[0] in self.enum_names and (
                    spelled.rpartition(".")[2] in _ENUM_BASES or "." in spelled):
                return True
            if any(self._enum(bc, seen) for bc in self.classes.get(_leaf(b) or "", ())):
                return True
        return False

    def _created(self, c: ast.ClassDef, how: str, seen: set[int]) -> None:
        if id(c) in seen:
            return
        seen.add(id(c))
        for m in self.methods.get(id(c), ()):
            if getattr(m, "name", None) in _ENUM_HOOKS:
                self.reach(m, how)
        for b in c.bases:
            for bc in self.classes.get(_leaf(b) or "", ()):
                self._created(bc, how, seen)

    def _made(self, expr: ast.expr) -> tuple[list[ast.ClassDef], list[str]]:
        """The classes whose instance ``expr`` is, when known: ``K()``, a module-level
        ``k = K()``; the module's own classes, and the spellings of others (``K``,
        ``mod.K``: gate.scan.reach_modules resolves them)."""
        made: list[str] = []
        if type(expr) is ast.Call:
            spelled = dotted(expr.func)  # type: ignore[attr-defined]
            if spelled is not None:
                made.append(spelled)
        elif type(expr) is ast.Name:
            made += self.instances.get(expr.id, ())  # type: ignore[attr-defined]
        own: list[ast.ClassDef] = []
        other: list[str] = []
        for spelled in made:
            mine = self.nested.get(spelled) or self.classes.get(spelled)  # (no dot in a class's)
            if mine:
                own += mine
            elif spelled not in self.defs:
                other.append(spelled)
        return own, other

    def _mro(self, c: ast.ClassDef) -> tuple[list[ast.ClassDef], list[str]]:
        """``c`` and its own bases, and the spellings of its bases from elsewhere."""
        own: list[ast.ClassDef] = []
        other: list[str] = []
        stack = [c]
        while stack:
            k = stack.pop()
            if any(k is o for o in own):
                continue
            own.append(k)
            for b in k.bases:
                mine = self.classes.get(_leaf(b) or "") if type(b) is ast.Name else None
                if mine:
                    stack += mine
                elif (spelled := dotted(b)) is not None and spelled != "object":
                    other.append(spelled)
        return own, other

    def _instance_methods(self, expr: ast.expr, names: Sequence[str], how: str, line: int,
                          cls: ast.ClassDef | None) -> None:
        """Methods ``names`` called on the instance ``expr`` (``K().go()``, ``with CM():``,
        ``super().setup()`` in a method of ``cls``) of a class of another module: ``K.go``
        in ``outside`` (the module's own classes are live by name: ``_live``)."""
        if type(expr) is ast.Call and type(expr.func) is ast.Name and (  # type: ignore[attr-defined]
                expr.func.id == "super"):  # type: ignore[attr-defined]
            own, other = ([], []) if cls is None else self._mro(cls)
            own = own[1:]
        else:
            own, other = self._made(expr)
        for c in own:
            other += self._mro(c)[1]
        for spelled in other:
            for name in names:
                self.out.outside.append((f"{spelled}.{name}", line))

    def _handed(self, value: ast.expr, how: str, line: int) -> None:
        """A value handed on at import (an argument, ``**``): an instance of the module's
        own class made now has its protocol methods called by the callee (``keys``,
        ``close``, ``filter``...); a lookup in a container of references may be called."""
        if type(value) is ast.Subscript:
            holder = value.value  # type: ignore[attr-defined]
            if type(holder) is ast.Name and holder.id in self.containers:  # type: ignore[attr-defined]
                self._contents(holder.id, how)  # type: ignore[attr-defined]
            return
        own, _ = self._made(value)
        for c in own:
            for k in self._mro(c)[0]:
                if id(k) in self.handed:
                    continue
                self.handed.add(id(k))
                for m in self.methods.get(id(k), ()):
                    if getattr(m, "name", None) in _PROTOCOL:
                        self.reach(m, how)

    def _contents(self, name: str, how: str) -> None:
        """What a module-level container holds may be called now (``map(T["run"], xs)``,
        ``Thread(target=T["boot"])``): its lines count as reached (a stored ``os.system``
        in it), and so do its lambdas."""
        if name in self.opened:
            return
        self.opened.add(name)
        for value in self.containers.get(name, ()):
            self.out.bodies.append((value.lineno, value.end_lineno or value.lineno, how))
            for n in ast.walk(value):
                if type(n) is ast.Lambda:
                    self.reach(n, how)

    def _call(self, call: ast.Call, how: str | None, cls: ast.ClassDef | None = None) -> None:
        func = call.func
        t = type(func)
        line = call.lineno
        if t is ast.Name and func.id in ("getattr", "vars", "import_module", "__import__"):  # type: ignore[attr-defined]
            spelled = ref(call, self.module, self.package)  # ``getattr(m, "f")``
            if spelled is not None:
                self.out.outside.append((spelled, line))
                if spelled.partition(".")[0] == f"={self.module}":
                    self._own_lookup(how, line, f"{spelled[1:]} at :{line}")
        elif t is ast.Attribute and func.attr == "import_module" and (  # type: ignore[attr-defined]
                spelled := ref(call, self.module, self.package)) is not None:
            self.out.outside.append((spelled, line))
            if spelled == f"={self.module}":
                self._own_lookup(how, line, f"{spelled[1:]} at :{line}")
        if t is ast.Lambda:
            self.reach(func, how or f"lambda called at :{line}")
        elif t is ast.Name:
            self._word(func.id, how or f"{func.id}() at :{line}", line)  # type: ignore[attr-defined]
            for c in self.classes.get(func.id, ()):  # type: ignore[attr-defined]
                self._metaclass_call(c, line)
        elif t is ast.Attribute:
            self._method(func.attr, how or f".{func.attr}() at :{line}")  # type: ignore[attr-defined]
            owner = func.value  # type: ignore[attr-defined]
            spelled = dotted(func)  # type: ignore[arg-type]
            for c in self.nested.get(spelled or "", ()):  # ``O.I()``
                self._live(c, how or f"{spelled}() at :{line}")
            self._instance_methods(owner, (func.attr,), how or f".{func.attr}() at :{line}",  # type: ignore[attr-defined]
                                   line, cls)
            if type(owner) in (ast.Subscript, ast.Call):
                self._computed(how or f"a computed callee at :{line}")
            elif type(owner) is ast.Name and any(  # ``C.f(x)`` with ``f = os.system``
                    not any(getattr(m, "name", None) == func.attr  # type: ignore[attr-defined]
                            for m in self.methods.get(id(c), ()))
                    for c in self.classes.get(owner.id, ())):  # type: ignore[attr-defined]
                self._computed(how or f"{owner.id}.{func.attr}() at :{line}")  # type: ignore[attr-defined]
        elif t is not ast.Name:  # ``T["a"](x)``, ``f()()``: any stored reference
            self._computed(how or f"a computed callee at :{line}")
        if any(type(a) is ast.Starred for a in call.args) or any(
                k.arg is None for k in call.keywords):
            self._computed(how or f"a call with unpacked arguments at :{line}")
        for a in (*call.args, *(k.value for k in call.keywords)):
            if type(a) is ast.Lambda:
                self.reach(a, how or f"lambda handed on at :{line}")
            elif type(a) is ast.Starred:
                self._handed(a.value, how or f"handed on at :{line}", line)  # type: ignore[attr-defined]
            else:
                self._handed(a, how or f"handed on at :{line}", line)

    def _metaclass_call(self, c: ast.ClassDef, line: int) -> None:
        """``C()`` with a metaclass from another module: its ``__call__`` runs."""
        for k in self._mro(c)[0]:
            for kw in k.keywords:
                spelled = dotted(kw.value) if kw.arg == "metaclass" else None
                if spelled is not None and spelled not in self.classes:
                    self.out.outside.append((f"{spelled}.__call__", line))

    def _computed(self, how: str) -> None:
        if self.out.stored is None:
            self.out.stored = how

    def run(self, tree: ast.Module) -> Reached:
        self.scan(tree, None)
        while True:
            while self.todo:
                node, how = self.todo.pop()
                self.scan(node, how)
            if self.out.stored is None or not self.lambdas:
                break
            # something at import calls what it cannot name: a lambda stored may be it
            lambdas, self.lambdas = self.lambdas, []
            for lam, how in lambdas:
                self.reach(lam, how or self.out.stored)
        return self.out


def _locals(fn: ast.AST) -> frozenset[str]:
    """The parameters and assigned variables of a function (not its imports, not what it
    declares ``global``): ``patch`` in requests' ``major, minor, patch = ...`` is no
    reference to the module-level ``patch`` another module defines."""
    if not isinstance(fn, (*_FUNCS, ast.Lambda)):
        return frozenset()
    out = {x.arg for x in _all_args(fn.args)}
    if type(fn) is ast.Lambda:
        return frozenset(out)
    declared: set[str] = set()
    stack: list[ast.AST] = list(fn.body)  # type: ignore[attr-defined]
    push, fields = stack.append, _FIELDS
    while stack:
        node = stack.pop()
        t = type(node)
        if t is ast.Name:
            if type(node.ctx) is not ast.Load:  # type: ignore[attr-defined]
                out.add(node.id)  # type: ignore[attr-defined]
            continue  # (no children but its ``ctx``)
        if t is ast.Constant:
            continue
        if t is ast.Global or t is ast.Nonlocal:
            declared.update(node.names)  # type: ignore[attr-defined]
            continue
        if t in _FUNCS or t is ast.ClassDef:
            out.add(node.name)  # type: ignore[attr-defined]
            continue  # (its body is its own scope)
        if t is ast.Lambda:
            continue
        if t is ast.ExceptHandler and node.name:  # type: ignore[attr-defined]
            out.add(node.name)  # type: ignore[attr-defined]
        for f in fields.get(t) or child_fields(t):
            v = getattr(node, f, None)
            if type(v) is list:
                for child in v:
                    if isinstance(child, ast.AST):
                        push(child)
            elif isinstance(v, ast.AST):
                push(v)
    return frozenset(out - declared)


def _leaf(node: ast.expr) -> str | None:
    if type(node) is ast.Name:
        return node.id  # type: ignore[attr-defined]
    if type(node) is ast.Attribute:
        return node.attr  # type: ignore[attr-defined]
    return None


def reached(tree: ast.Module, *, main_runs: bool | Callable[[], bool] = False,
            module: str | None = None, package: bool = False) -> Reached:
    """What of ``tree`` runs when the module is imported (``main_runs``: its ``__main__``
    block does too, because ``__name__`` may be rebound; ``module``: its import name, when
    known, and ``package``: whether it is a package's ``__init__``)."""
    return _Reach(tree, main_runs=main_runs, module=module, package=package).run(tree)
