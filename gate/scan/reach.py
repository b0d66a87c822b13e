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
- a class so named is *live* (used): every method it defines is reached, special or not,
  with its nested classes and its own bases (rapid type analysis: operators, ``with``,
  descriptors, the standard library calling what it is handed, ``sys.stdout = W()``, call
  methods no list names); a class only aliased (``JOB = Job``) is live where the alias is
  read; a kept instance (``k = K()``) has its special methods reached, all once ``k`` is
  read (``k``, ``pkg.k``, ``sys.modules["pkg"].k``...) or a method that runs while nothing
  holds it lets ``self`` escape (``holderless``, ``leaks_self``); a class handed to the
  module's own code when it is made (``__init_subclass__`` or a metaclass that may keep
  it), and with ``__subclasses__`` read, every subclass, is live;
- a decorator runs at import: the decorated function is reached when the decorator is
  anything but the standard library's own wrapper (``functools.cache``, ``typing.overload``,
  resolved through the imports, never by the last name) or a function of the module that
  neither calls nor hands on what it is given (a factory: by what it returns), and its name
  is not bound otherwise as well (``deco = a if c else b``, an import);
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
import functools
import re
import sys
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from gate.model import Finding, Label, Phase
from gate.scan.lexical import absolute
from gate.scan.nodes import _FIELDS, child_fields, statements
from gate.scan.python_refs import _FUNCS, _all_args, _arg, _blocks, _is_main, _literal_str
from gate.scan.reach_graph import _MODULE_HOOKS
from gate.scan.reach_refs import _IMPORT_MODULE, dotted, ref, spell, split_ref
from gate.scan.type_checking import TYPING_MODULES, guards

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# decorators that only wrap or mark what they are given: the standard library's objects
# themselves (resolved through the module's imports: ``functools.cache``, ``from typing
# import overload``), never a decorator by its last name (the module's own ``def cache``,
# ``@mylib.cache``, ``@reg.setter`` of an instance)
_WRAPPERS = frozenset({
    "builtins.property", "builtins.staticmethod", "builtins.classmethod",
    *(f"functools.{n}" for n in ("cached_property", "wraps", "lru_cache", "cache",
                                 "total_ordering", "singledispatch", "singledispatchmethod")),
    "dataclasses.dataclass", "contextlib.contextmanager", "contextlib.asynccontextmanager",
    "abc.abstractmethod", "abc.abstractproperty", "enum.unique", "warnings.deprecated",
    *(f"{m}.{n}" for m in ("typing", "typing_extensions") for n in (
        "overload", "final", "override", "runtime_checkable", "no_type_check",
        "dataclass_transform", "deprecated"))})
_ACCESSORS = frozenset({"setter", "getter", "deleter"})  # ``@p.setter`` of a property ``p``
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
_CONTAINERS = (ast.Dict, ast.List, ast.Tuple, ast.Set)
_IMPORT_SOURCES = frozenset({"enum", "importlib", "builtins", "importlib._bootstrap"})
# calls that look a name up (``getattr(x, n)``...), with the index of the name argument
_NAME_SINKS = {"getattr": 1, "hasattr": 1, "setattr": 1, "delattr": 1, "getattr_static": 1,
               "attrgetter": 0, "methodcaller": 0, "import_module": 0, "__import__": 0,
               "_gcd_import": 0, "resolve_name": 0, "__getattribute__": 0, "eval": 0,
               "exec": 0, "compile": 0}
# calls that may turn a string into an object (a dotted path, code, a pickle's class):
# where one is reached at import, a dotted literal into the package names its definition
_RESOLVERS = frozenset({
    "resolve_name", "locate", "help", "import_module", "__import__", "_gcd_import",
    "find_class", "load", "loads", "Unpickler", "attrgetter", "methodcaller",
    "loadTestsFromName", "loadTestsFromNames", "loadTestsFromModule", "main", "TestProgram",
    "EntryPoint", "load_entry_point", "resolve", "require", "dictConfig", "fileConfig",
    "listen", "configure", "import_string", "import_object", "import_from_string",
    "get_callable", "eval", "exec", "compile", "run_module", "run_path"})
# a string a name-taking API accepts as it is: an identifier, a dotted path, ``mod:attr``
_NAME_SHAPE = re.compile(r"\s*[A-Za-z_]\w*(?:[.:][A-Za-z_]\w*)*\s*")
_FIELD = re.compile(r"\{[^{}]*\}")  # a ``str.format`` field (``{0.query}``: an attribute)
_FIELD_ATTR = re.compile(r"\.([A-Za-z_]\w*)")
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
# what pickle looks a class or function up by on its module (a module ``__getattr__`` is
# asked for it when rebound)
_PICKLE_NAMES = frozenset({"__qualname__", "__module__"})
# what makes a class named by its first argument, of the calling module
_CLASS_MAKERS = frozenset({
    "builtins.type", "types.new_class", "collections.namedtuple", "dataclasses.make_dataclass",
    *(f"{m}.{n}" for m in ("typing", "typing_extensions")
      for n in ("NamedTuple", "TypedDict", "NewType"))})
# data attributes of a class made by ``type``: reading one calls none of its code (but
# ``__doc__`` when the class body binds it other than by a docstring: ``_plain_class``)
_TYPE_DATA = frozenset({"__doc__", "__name__", "__qualname__", "__module__"})
_BUILTIN_TYPES = frozenset({
    "object", "type", "int", "float", "complex", "bool", "str", "bytes", "bytearray",
    "list", "tuple", "dict", "set", "frozenset", "BaseException", "Exception"})
# ways to reach a module's values other than by their names
_GEN_FINDERS = frozenset({"vars", "locals", "__dict__", "modules", "get_objects",
                          "get_referrers", "get_referents", "getmembers", "f_locals",
                          "gi_frame", "__getattr__"})


def name_may_change(tree: ast.Module, module: str | None = None, package: bool = False) -> bool:
    """Whether the module can rebind its own ``__name__`` before a ``__main__`` test: a
    name binding (assignment in any form, ``global``, an import, a ``match`` capture, a
    star import other than of the standard library), a ``"__name__"`` string other than one
    read by ``getattr``/``hasattr``, or a way to its namespace as an object (``globals()``,
    ``sys.modules``, frames, ``import_module``, ``vars()`` or ``locals()`` outside a
    function; ``__dict__``, ``vars(m)`` or a ``setattr`` with a computed name on a module;
    ``__init__`` of the module itself, resolved through the imports, or of
    ``types.ModuleType``, which sets the name: ``import pkg.mod as me;
    me.__init__("__main__")``, on any module where ``module``, the module's import name, is
    not known; not ``textwrap.TextWrapper.__init__(self)``),
    spelled as a name, an attribute or a string. Sound over precise: then the block counts
    as code that runs at import. (Computed ``getattr`` is the scanner's: ``dynamic-code``
    where its object may be a module or a function.)

    One walk of the tree (parents before children); what needs to know which names are
    bound to modules (``module_like``) is decided after it, once every binding is known."""
    imported: set[str] = set()  # names an import binds, and names assigned from them
    quals: dict[str, str | None] = {}  # what an import binds them to (None: not one thing)
    inits: list[ast.expr] = []  # ``x`` of ``x.__init__``, ``getattr(x, "__init__")``
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
            elif attr == "__init__":  # (``me.__init__("__main__")``: it sets the name)
                inits.append(node.value)  # type: ignore[attr-defined]
        elif t is ast.Global or t is ast.Nonlocal:
            if "__name__" in node.names:  # type: ignore[attr-defined]
                return True
            continue
        elif t is ast.Import or t is ast.ImportFrom:
            base = _from_base(node, module, package) if t is ast.ImportFrom else None  # type: ignore[arg-type]
            for a in node.names:  # type: ignore[attr-defined]
                bound = a.asname or a.name.split(".")[0]
                imported.add(bound)
                qual = (a.name if a.asname else bound) if t is ast.Import else (
                    f"{base}.{a.name}" if base else None)
                quals[bound] = qual if quals.get(bound, qual) == qual else None
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
                elif _literal_str(args[1]) == "__init__":
                    inits.append(args[0])
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
    if not maybe and not inits:
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

    def own_module(node: ast.expr) -> bool:
        """Whether ``node`` may be the module itself (or ``types.ModuleType``): rooted at a
        name an import bound, resolved to this module's name where both are known."""
        if not module_like(node):
            return False
        spelled = dotted(node)
        head, _, rest = (spelled or "").partition(".")
        qual = quals.get(head) if spelled is not None and head in quals and (
            head not in assigned_names) else None
        if module is None or qual is None:
            return True  # (not known: it may be)
        full = f"{qual}.{rest}" if rest else qual
        return full in (module, "types.ModuleType")

    assigned_names = {n.id for targets, _ in assigned for x in targets  # type: ignore[attr-defined]
                      for n in ast.walk(x) if type(n) is ast.Name}
    return any(module_like(n) for n in maybe) or any(own_module(n) for n in inits)


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


_GENERIC_BUILTINS = frozenset({"list", "dict", "set", "frozenset", "tuple", "type"})


def _type_args(node: ast.expr, generic: Callable[[ast.expr], bool]) -> Iterator[int]:
    """The ids of the names (and dotted names) a generic's subscript holds as type
    arguments: ``A`` and ``m.B`` of ``Union[A, m.B | None]``, of nested generics too."""
    stack = [node]
    while stack:
        n = stack.pop()
        t = type(n)
        if t is ast.Tuple or t is ast.List:
            stack += n.elts  # type: ignore[attr-defined]
        elif t is ast.BinOp and type(n.op) is ast.BitOr:  # type: ignore[attr-defined]
            stack += [n.left, n.right]  # type: ignore[attr-defined]
        elif t is ast.Subscript and generic(n.value):  # type: ignore[attr-defined]
            stack.append(n.slice)  # type: ignore[attr-defined]
        elif t is ast.Name:
            yield id(n)
        elif t is ast.Attribute and dotted(n) is not None:
            yield id(n)
            while type(n) is ast.Attribute:
                n = n.value  # type: ignore[attr-defined]
            yield id(n)


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
                 module: str | None = None, package: bool = False,
                 typing_patched: bool = False,
                 star_bound: frozenset[str] | None = None) -> None:
        # the public names the module's star imports of own modules may bind (None: any)
        self.star_bound = star_bound
        # (a callable: asked only where a ``__main__`` test stands)
        self.main_runs = main_runs if callable(main_runs) else lambda: main_runs
        self.module, self.package = module, package  # its import name, when known
        self.tree = tree
        # a module of the distribution may set ``typing.TYPE_CHECKING``: then ``if
        # TYPE_CHECKING:`` may run (gate.scan.type_checking decides; this module's own
        # writes it reads from the tree either way)
        self.type_checking = typing_patched
        # ``from __future__ import annotations``: a ``def``'s annotations are strings, not
        # evaluated with it (PEP 563); only whoever gets the function may evaluate them
        # (``typing.get_type_hints(g)``, a framework's decorator): ``_walk``
        self.postponed = _postponed(tree)
        self.class_anns: set[int] = set()  # id(AnnAssign) in a class body (evaluated)
        # generator expressions kept under a module-level name whose bodies run only when
        # the name is read (``_lazy_generators``)
        self.lazy: set[int] = set()
        # id(class) -> whether a kept instance of it may escape (``_leaks``): then used
        self.leaky: dict[int, bool] = {}
        self.owner: dict[int, ast.ClassDef] = {}  # id(method) -> its class
        self.nested: dict[str, list[ast.ClassDef]] = {}  # ``O.I`` -> classes in class bodies
        # module-level ``x = K(...)``: x -> what was called (``K``, ``mod.K``)
        self.instances: dict[str, list[str]] = {}
        # references stored for later (``T = {"run": os.system}``, ``h = mod.f``,
        # ``T["k"] = os.system``): by the module-level name that holds them, and by the
        # attribute name (``class C: h = mod.f``, ``X.h = mod.f``); opened (run) when code
        # that runs at import reads that name
        self.stored: dict[str, list[ast.expr]] = {}
        self.stored_attrs: dict[str, list[ast.expr]] = {}
        self.class_stored: dict[int, list[tuple[str, ast.expr]]] = {}  # id(class) -> its own
        self.stored_ids: set[int] = set()  # id(value) of each stored value
        self.aliases: set[int] = set()  # stored values that are ``f = os.system`` aliases
        self.deferred: set[int] = set()  # nodes of stored values: no outside reference yet
        self.opened: set[int] = set()
        self.read: dict[str, str] = {}  # module-level names code run at import reads, how
        # module-level builtin containers (``REG = {}``, ``HOOKS = defaultdict(list)``)
        self.containers: set[str] = set()
        # module-level ``__getattr__``, ``__dir__``: what binds each, by any binding form
        # (a ``def``; an import, ``from ._x import lazy as __getattr__``: its ``ast.alias``;
        # an assignment, ``__getattr__ = _x.f``: the value), first line first (``_hook``)
        self.hooks: dict[str, list[ast.AST]] = {}
        self.import_refs: dict[int, tuple[str, int]] = {}  # id(alias) -> (``=`` ref, line)
        self.enum_names: set[str] = set()  # names bound to enum or anything from it
        # names bound to an import function (``from importlib import import_module as im``)
        self.importers: dict[str, str] = {}
        # a lookup by a computed name runs at import (``getattr(x, n)``): then any word of
        # any string may be the name, and any stored reference what it gives
        self.any_name = False
        # a star import of an own module may rebind any public name the module binds
        self.own_star = False
        # dotted literals into the package, held until code at import may resolve a string
        self.resolves = False
        self.paths: list[tuple[str, int]] = []
        self.prose: list[tuple[str, str, int]] = []  # words of text strings, held back
        self.quiet_strings: set[int] = set()  # strings only used as keys (``_keys``)
        # id(function) -> the inner functions it returns, not yet known to be called
        self.returned: dict[int, list[tuple[ast.AST, str]]] = {}
        self.released: dict[int, str] = {}  # id(function) -> how its result is called
        self.used: dict[int, frozenset[str]] = {}  # (``_inner``)
        # (id(decorator), factory) -> ``decorator_uses``; (id(function), parameter) ->
        # ``_key_only`` (what a function of the module does with what it is given)
        self.deco_uses: dict[tuple[int, bool], tuple[bool, list[str]]] = {}
        self.key_only: dict[tuple[int, str | None], bool] = {}
        # functions called where the result is not kept under a name (``_store``): what
        # they return may reach a call the scanner cannot name
        self.loose: set[int] = set()
        # id(def) -> its name in gate.scan.reach_graph's entries (``f``, ``Class.method``)
        self.keys: dict[int, str] = {}
        # names bound only by imports of the package's own modules (``from ._registry
        # import register_model``): what a decorator so named does is read there
        self.own_names: set[str] = set()
        self.handed: set[int] = set()  # classes whose instances were handed on at import
        self.defs: dict[str, list[ast.AST]] = {}  # functions (and lambdas) by the names bound
        self.classes: dict[str, list[ast.ClassDef]] = {}
        self.methods: dict[int, list[ast.AST]] = {}  # id(class) -> its functions
        self.done: set[int] = set()
        self.words: set[str] = set()  # every name and string word reached code spells
        self.attrs: set[str] = set()  # every attribute it reads
        self.live: list[ast.ClassDef] = []
        self.made: list[ast.ClassDef] = []  # classes of kept instances (``_made_only``)
        self.out = Reached()
        self.todo: list[tuple[ast.AST, str]] = []
        self.stored_values: list[tuple[str, str]] = []
        self.lambdas: list[tuple[ast.Lambda, str | None]] = []
        # names the module binds otherwise than by a def, a class or a plain alias
        # (``deco = a if c else b``, ``for deco in ...``, an import): a decorator so named
        # may be anything; module-level import bindings (local name -> qualified name)
        self.rebound: set[str] = set()
        # ``K`` of a module-level ``k = K()``: the instance is only kept, its ordinary
        # methods run once ``k`` is read at import (``_made_only``)
        self.made_funcs: set[int] = set()
        self.subclasses: str | None = None  # how ``__subclasses__`` is read at import
        # values stored on an attribute of what is not the module's own class or instance
        self.maybe_escapes: list[ast.expr] = []
        self.imported: dict[str, str] = {}
        # names bound otherwise than by an import (an assignment, an alias, ``global``...)
        self.assigned: set[str] = set()
        # ``x: T = field(default_factory=lambda: ...)`` in a class body: (class, call)
        self.fields: list[tuple[ast.ClassDef, ast.Call]] = []
        # id(lambda) of a dataclass field's ``default_factory``: a member of its class
        # (``_factories``), run where an instance is made, not where the class is
        self.factories: set[int] = set()
        self._index(tree.body, None)
        self._alias_values()
        self._rebindings(tree)
        self._escapes()
        self._factories()
        self._lazy_generators(tree)
        # names an import binds to the module itself or a package above it (``import pkg``
        # in ``pkg._x``; ``from pkg import _x as me``): ``pkg._x.k``, ``me.k`` read ``k``
        self.self_heads: dict[str, str] = {
            name: qual for name, qual in self.imported.items() if module and qual and (
                module == qual or module.startswith(f"{qual}."))}

    # ------------------------------------------------------------------ what the module defines
    def _index(self, body: list[ast.stmt], owner: ast.ClassDef | None) -> None:
        for st in body:
            t = type(st)
            if t in _FUNCS:
                self.defs.setdefault(st.name, []).append(st)  # type: ignore[attr-defined]
                if owner is None:
                    self.keys[id(st)] = st.name  # type: ignore[attr-defined]
                elif id(owner) in self.keys:  # (a method of a top-level class)
                    self.keys[id(st)] = f"{owner.name}.{st.name}"  # type: ignore[attr-defined]
                if owner is not None:
                    self.methods.setdefault(id(owner), []).append(st)
                    self.owner[id(st)] = owner
                elif st.name in _MODULE_HOOKS:  # type: ignore[attr-defined]
                    self.hooks.setdefault(st.name, []).append(st)  # type: ignore[attr-defined]
            elif t is ast.ClassDef:
                assert isinstance(st, ast.ClassDef)
                self.classes.setdefault(st.name, []).append(st)
                if owner is not None:
                    self.nested.setdefault(f"{owner.name}.{st.name}", []).append(st)
                else:
                    self.keys[id(st)] = st.name
                self._index(st.body, st)
            elif t is ast.Import or t is ast.ImportFrom:
                self._index_import(st, owner)  # type: ignore[arg-type]
            elif t is ast.Assign or t is ast.AnnAssign:
                value = st.value  # type: ignore[attr-defined]
                targets = st.targets if t is ast.Assign else [st.target]  # type: ignore[attr-defined]
                names = [x.id for x in targets if type(x) is ast.Name]
                if owner is None and value is not None:  # ``__getattr__ = _x.f``, and
                    # ``__getattr__, __dir__, __all__ = attach(...)`` (what the value gives)
                    for x in targets:
                        for n in ast.walk(x):
                            if type(n) is ast.Name and n.id in _MODULE_HOOKS:  # type: ignore[attr-defined]
                                self.hooks.setdefault(n.id, []).append(value)  # type: ignore[attr-defined]
                if type(value) is ast.Lambda:
                    for n in names:
                        self.defs.setdefault(n, []).append(value)
                        if owner is not None:
                            self.methods.setdefault(id(owner), []).append(value)
                elif value is not None and _stored_value(value):
                    if type(value) is ast.Name:  # ``g = f``, ``K = A``, ``__init__ = _impl``
                        self.stored_values += [(n, value.id) for n in names]
                    self._store(targets, value, owner)
                elif type(value) is ast.Call:  # ``client = Client()``, ``int = _field2method()``
                    if owner is not None and value.keywords:
                        self.fields.append((owner, value))  # (``_factories``)
                    made = dotted(value.func)
                    if made is not None and owner is None:
                        for n in names:
                            self.instances.setdefault(n, []).append(made)
                        if type(value.func) is ast.Name and names and len(names) == len(targets):
                            self.made_funcs.add(id(value.func))  # ``k = K()``: ``_made_only``
                    if type(value.func) is ast.Name:  # what it returns, kept under a name
                        self._store(targets, value, owner)
                if owner is None:
                    self.containers.update(container_names(names, value))
            else:
                for block in _blocks(st):
                    self._index(block, owner)

    def _index_import(self, st: ast.Import | ast.ImportFrom, owner: ast.ClassDef | None) -> None:
        """An import binds names like an assignment does: at module level, one binding
        ``__getattr__``/``__dir__`` is the module's hook (``from ._x import lazy as
        __getattr__``); in a class body, each name is an attribute of the class that the
        machinery may call (``from ._x import hook as __class_getitem__``: ``C[int]`` runs
        it), a reference stored in the class (``class C: h = mod.f``), opened like one."""
        for a in st.names:
            if a.name == "*":
                top = (self.module or "").partition(".")[0]
                self.own_star = self.own_star or owner is None and bool(
                    st.level or top and (st.module or "").partition(".")[0] == top)  # type: ignore[union-attr]
                continue
            bound = a.asname or a.name.partition(".")[0]
            if owner is None and bound not in _MODULE_HOOKS:
                continue
            if type(st) is ast.Import:
                qual: str | None = a.name if a.asname else bound
            else:
                base = _from_base(st, self.module, self.package)  # type: ignore[arg-type]
                qual = f"{base}.{a.name}" if base else None
            if qual is not None:
                self.import_refs[id(a)] = ("=" + qual, st.lineno)
            if owner is None:
                self.hooks.setdefault(bound, []).append(a)
            else:
                self.class_stored.setdefault(id(owner), []).append((bound, a))  # type: ignore[arg-type]
                self.stored_attrs.setdefault(bound, []).append(a)  # type: ignore[arg-type]

    def _hook(self, name: str, how: str) -> None:
        """The module's hook ``name`` runs: what each binding of it names (a ``def``; an
        import's target; an assigned value, opened like a stored reference read)."""
        for b in self.hooks.get(name, ()):
            if isinstance(b, _FUNCS):
                self.reach(b, how)
                continue
            if type(b) is not ast.alias and id(b) in self.aliases:  # ``__getattr__ = os.system``:
                # the machinery calls it (an alias's uses are where they stand: there are none)
                self.out.bodies.append((b.lineno, b.end_lineno or b.lineno, how))  # type: ignore[attr-defined]
            self._open(b, how)  # type: ignore[arg-type]

    def _store(self, targets: list[ast.expr], value: ast.expr,
               owner: ast.ClassDef | None) -> None:
        """A reference stored at module level or in a class body (``h = mod.f``,
        ``T["k"] = os.system``, ``X.h = f``, ``class C: h = mod.f``), by what holds it."""
        escapes = False  # ``sys.stdout = w``: handed to another module's object now
        for x in targets:
            for n in ast.walk(x):
                if type(n) is ast.Attribute and type(n.ctx) is ast.Store:  # type: ignore[attr-defined]
                    root = n.value  # type: ignore[attr-defined]
                    while type(root) in (ast.Attribute, ast.Subscript):
                        root = root.value  # type: ignore[attr-defined]
                    if not (type(root) is ast.Name and (root.id in self.classes or (  # type: ignore[attr-defined]
                            root.id in self.instances))):  # type: ignore[attr-defined]
                        escapes = True
        self.stored_ids.add(id(value))
        if escapes:  # (decided once every name is known: ``_escapes``)
            self.maybe_escapes.append(value)
        if owner is None and len(targets) == 1 and type(targets[0]) is ast.Name and type(
                value) in (ast.Name, ast.Attribute):
            self.aliases.add(id(value))  # (gate.scan.python follows it to its uses)
        stack = list(targets)
        while stack:
            x = stack.pop()
            t = type(x)
            if t is ast.Tuple or t is ast.List or t is ast.Starred:
                stack += x.elts if t is not ast.Starred else [x.value]  # type: ignore[attr-defined]
            elif t is ast.Name and owner is not None:
                self.class_stored.setdefault(id(owner), []).append((x.id, value))  # type: ignore[attr-defined]
                self.stored_attrs.setdefault(x.id, []).append(value)  # type: ignore[attr-defined]
            elif t is ast.Name:
                self.stored.setdefault(x.id, []).append(value)  # type: ignore[attr-defined]
            elif t is ast.Attribute:  # ``X.h = f``
                self.stored_attrs.setdefault(x.attr, []).append(value)  # type: ignore[attr-defined]
            elif t is ast.Subscript:  # ``T["k"] = f``: what holds ``T``
                stack.append(x.value)  # type: ignore[attr-defined]

    def _bound_import(self, node: ast.Import | ast.ImportFrom, top: str,
                      other: set[str]) -> None:
        """The names an import binds to the package's own modules (``own_names``; else
        ``other``), to ``enum`` or what it defines, and to an import function."""
        frm = type(node) is ast.ImportFrom
        module = node.module if isinstance(node, ast.ImportFrom) else None
        own = bool(top) and frm and (node.level > 0 or (  # type: ignore[union-attr]
            module or "").partition(".")[0] == top)
        for a in node.names:
            bound = a.asname or a.name.partition(".")[0]
            own_name = own or (not frm and a.name.partition(".")[0] == top)
            (self.own_names if own_name else other).add(bound)
        if not frm:
            for a in node.names:
                if a.name == "enum":
                    self.enum_names.add(a.asname or a.name)
        elif module in _IMPORT_SOURCES:
            for a in node.names:
                if module == "enum":
                    self.enum_names.add(a.asname or a.name)
                elif a.name in _IMPORT_MODULE:
                    self.importers[a.asname or a.name] = a.name

    def _bound_names(self, other: set[str]) -> None:
        """Names bound to ``enum`` or what it defines, and to an import function, by an
        import anywhere in the module (``_bound_import``) or a module-level alias
        (``_E = enum.Enum``); ``own_names`` but those also bound otherwise (``other``)."""
        grown = True
        while grown:  # ``_E = enum.Enum``, ``im = importlib.import_module``, ``im2 = im``
            grown = False
            for name, values in self.stored.items():
                for v in values:
                    spelled = dotted(v) or ""
                    leaf = spelled.rpartition(".")[2]
                    if name not in self.enum_names and spelled.partition(".")[0] in (
                            self.enum_names):
                        self.enum_names.add(name)
                        grown = True
                    got = self.importers.get(spelled) or (leaf if leaf in _IMPORT_MODULE else None)
                    if got is not None and name not in self.importers:
                        self.importers[name] = got
                        grown = True
        # (a name also bound otherwise, or defined here, may be that other thing)
        self.own_names -= other | self.stored.keys() | self.defs.keys() | self.classes.keys()
        self.own_names -= self.instances.keys()

    def _escapes(self) -> None:
        """A value stored on another module's object (``sys.stdout = w``,
        ``logging.root.handlers = [H()]``, ``other.REG[k] = K``) that holds the package's
        own code (a function, class or instance of the module's, a name imported from an own
        module, a lambda) is handed on at once: what holds it may call it now. (A
        reference to another distribution's function so stored stays a stored reference:
        ``W.makefile = socket_cls.makefile``.)"""
        own = self.defs.keys() | self.classes.keys() | self.instances.keys() | self.own_names
        for value in self.maybe_escapes:
            if any(type(n) is ast.Lambda or (type(n) is ast.Name and n.id in own)  # type: ignore[attr-defined]
                   for n in ast.walk(value)):
                self.stored_ids.discard(id(value))

    def _rebindings(self, tree: ast.Module) -> None:
        """``rebound``, ``imported`` and ``assigned`` (see ``__init__``), from every statement
        of the module (a function's ``global`` rebinding included); in the same walk, what
        its imports bind (``_bound_import``, ``_bound_names``)."""
        top = (self.module or "").partition(".")[0]
        other: set[str] = set()  # (names an import binds to what is not the package's)
        for st in statements(tree.body):  # (imports are statements: no expression walk)
            t = type(st)
            if t is ast.Import or t is ast.ImportFrom:
                self._bound_import(st, top, other)  # type: ignore[arg-type]
                for a in st.names:  # type: ignore[attr-defined]
                    if t is ast.Import:
                        bound = a.asname or a.name.partition(".")[0]
                        qual = a.name if a.asname else bound
                    else:
                        bound = a.asname or a.name
                        base = _from_base(st, self.module, self.package)  # type: ignore[arg-type]
                        qual = f"{base}.{a.name}" if base else ""
                    self.rebound.add(bound)
                    if bound not in self.imported:
                        self.imported[bound] = qual
                    elif self.imported[bound] != qual and not (
                            self.imported[bound] in _WRAPPERS and qual in _WRAPPERS and (
                                qual.rpartition(".")[2] == self.imported[bound].rpartition(
                                    ".")[2])):
                        # bound twice: not known (but ``typing.override`` on 3.12+ and
                        # ``typing_extensions.override`` before, the same wrapper)
                        self.imported[bound] = ""
            elif t is ast.Global:
                self.rebound.update(st.names)  # type: ignore[attr-defined]
                self.assigned.update(st.names)  # type: ignore[attr-defined]
            elif t in _FUNCS or t is ast.ClassDef:
                continue
            elif t is ast.Assign and type(st.value) is ast.Name and (  # type: ignore[attr-defined]
                    st.value.id in self.defs or st.value.id in self.classes):  # type: ignore[attr-defined]
                # ``g = f``: an alias, followed (``_alias_values``)
                self.assigned.update(n.id for x in st.targets for n in ast.walk(x)  # type: ignore[attr-defined]
                                     if type(n) is ast.Name)
                continue
            else:
                targets: list[ast.AST] = []
                if t is ast.Assign:
                    targets = list(st.targets)  # type: ignore[attr-defined]
                elif t in (ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor):
                    targets = [st.target]  # type: ignore[attr-defined]
                elif t in (ast.With, ast.AsyncWith):
                    targets = [i.optional_vars for i in st.items if i.optional_vars]  # type: ignore[attr-defined]
                elif t is ast.Try or t is ast.TryStar:
                    self.rebound.update(h.name for h in st.handlers if h.name)  # type: ignore[attr-defined]
                names = [n.id for x in targets for n in ast.walk(x) if type(n) is ast.Name]  # type: ignore[attr-defined]
                self.rebound.update(names)
                self.assigned.update(names)
        walrus = _walrus_targets(tree)  # ``(deco := _run)``
        self.rebound.update(walrus)
        self.assigned.update(walrus)
        self._bound_names(other)
        if self.own_star:
            # ``from ._x import *`` may rebind a name the module trusts (``property``,
            # ``functools``, ``field``): each public name the starred modules may bind
            # (gate.scan.exports.star_names; not known: any) is not what it seems
            may = {n.id for n in ast.walk(tree) if type(n) is ast.Name  # type: ignore[attr-defined]
                   and not n.id.startswith("_")}  # type: ignore[attr-defined]
            if self.star_bound is not None:
                may &= self.star_bound
            self.rebound.update(may)
            self.assigned.update(may)
            for n in may & self.imported.keys():
                self.imported[n] = ""

    def _factories(self) -> None:
        """``x: T = dataclasses.field(default_factory=lambda: ...)`` in a class body: the
        standard library's ``field`` only keeps the callable on the ``Field`` it returns,
        and ``@dataclass`` only writes a call of it into the generated ``__init__``; so
        the lambda runs when an instance is made (or the class's field is read and called),
        never when the class is: it is a member of its class (``methods``), run with the
        class's other methods when the class is used, and with its special ones where an
        instance is made and kept (``_made_only``). ``field`` resolved through the imports
        only, bound by nothing else; a lambda only (a name handed on is read as before)."""
        for owner, call in self.fields:
            spelled = dotted(call.func)
            if spelled is None:
                continue
            head, _, rest = spelled.partition(".")
            qual = self.imported.get(head)
            if not qual or head in self.assigned or head in self.defs or head in (
                    self.classes) or (f"{qual}.{rest}" if rest else qual) != "dataclasses.field":
                continue
            for k in call.keywords:
                if k.arg == "default_factory" and type(k.value) is ast.Lambda:
                    self.factories.add(id(k.value))
                    self.methods.setdefault(id(owner), []).append(k.value)

    def _wrapper(self, target: ast.expr, st: ast.AST) -> bool:
        """Whether decorator ``target`` is the standard library's own wrapper (``_WRAPPERS``,
        resolved through the module's imports; a builtin the module does not rebind), or
        ``@p.setter`` of a property ``p`` the same class defines."""
        spelled = dotted(target)
        if spelled is None:
            return False
        head, _, rest = spelled.partition(".")
        if head in self.imported:
            qual = self.imported[head]
            return bool(qual) and (f"{qual}.{rest}" if rest else qual) in _WRAPPERS
        if not rest:
            return head not in self.rebound and head not in self.defs and (
                head not in self.classes) and f"builtins.{head}" in _WRAPPERS
        cls = self.owner.get(id(st))
        if rest in _ACCESSORS and "." not in rest and cls is not None and head not in self.rebound:
            return any(getattr(m, "name", None) == head and any(
                self._wrapper(d, m) for d in getattr(m, "decorator_list", ()))
                for m in self.methods.get(id(cls), ()))
        return False

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
        if type(node) is ast.Lambda and "__getattr__" in self.hooks:
            # a lambda reached is named, handed on or called: pickle looks one up on its
            # module by its qualname ``<lambda>``, which the module binds to nothing
            self._pickled(how)
        first = node.lineno  # type: ignore[attr-defined]  # (a def's defaults, too)
        last = node.end_lineno or first  # type: ignore[attr-defined]
        self.out.bodies.append((first, last, how))
        self.todo.append((node, how))

    def _word(self, word: str, how: str, line: int, *, local: bool = False,
              opens: bool = True, calls: bool = True, live: bool = True,
              made: bool = False) -> None:
        """A name reached code spells (or a string it holds): the module's function or
        class so named, a method of a live class, what a name or attribute so named
        stores; else a reference for gate.scan.reach_modules (``line``: 0 for none).
        ``local``: a function's own variable, naming nothing of the module's; ``opens``:
        False where the name is itself stored (``U = T``: ``U`` read opens ``T``);
        ``calls``: False for a name only looked up on the way to another (``"f.tag"``);
        ``live``: False for a class only aliased (``JOB = Job``: read when ``JOB`` is);
        ``made``: the class of a kept instance (``k = K()``: ``_made_only``; another
        module's as ``!K``)."""
        if not local:
            found = False
            for d in self.defs.get(word, ()):
                found = True
                if calls:
                    self.reach(d, how)
            for c in self.classes.get(word, ()):
                found = True
                if made:
                    self._made_only(c, how)
                elif live:
                    self._live(c, how)
            if made and not found and line:
                self.out.outside.append((f"!{word}", line))
                line = 0
            if opens:
                self.read.setdefault(word, how)
                for value in self.stored.get(word, ()):  # (it may be imported as well)
                    self._open(value, how)
            if line and (not found or self.own_star and not word.startswith("_")):
                # (``from ._x import *`` after ``def run`` rebinds ``run``: _x's too)
                self.out.outside.append((word, line))
        if word not in self.words:
            self.words.add(word)
            if word not in self.attrs:
                self._by_attr(word, how)

    def _method(self, word: str, how: str) -> None:
        """An attribute read: a method of a live class by that name (the receiver is not
        typed), a reference stored under that attribute name; not a module-level function
        (reached through another module by gate.scan.reach_modules)."""
        if word not in self.attrs:
            self.attrs.add(word)
            if word not in self.words:
                self._by_attr(word, how)

    def _generic(self, value: ast.expr) -> bool:
        """Whether ``value`` is a standard generic that only keeps its type arguments
        (``typing.Union``, ``Optional``, ``list``, ``collections.abc.Callable``; not
        ``Annotated``, whose metadata may be anything), resolved through the imports."""
        spelled = dotted(value)
        if spelled is None:
            return False
        head, _, rest = spelled.partition(".")
        if head in self.imported:
            qual = self.imported[head] + (f".{rest}" if rest else "")
            return qual.startswith(("typing.", "typing_extensions.", "collections.abc.")) and (
                not qual.endswith(".Annotated")) and bool(self.imported[head])
        return not rest and head in _GENERIC_BUILTINS and head not in self.rebound and (
            head not in self.defs) and head not in self.classes

    def _handed_on_creation(self, own: list[ast.ClassDef]) -> bool:
        """Whether making a class hands it to the module's own code, which may keep it and
        make it later without naming it: an own base's ``__init_subclass__``, a metaclass
        of the module's (``own``: the class and its own bases, ``_mro``)."""
        for k in own:
            if k is not own[0] and (any(getattr(m, "name", None) == "__init_subclass__"
                                        and self._keeps_class(m)
                                        for m in self.methods.get(id(k), ())) or any(
                    name == "__init_subclass__" for name, _ in self.class_stored.get(id(k), ()))):
                return True  # (one stored or imported is not read here: it may keep it)
            meta = _keyword(k, "metaclass")
            if meta is None:
                continue
            if type(meta) is ast.Lambda or (_leaf(meta) or "") in self.defs:
                return True
            for mc in self.classes.get(_leaf(meta) or "", ()):
                for m in self.methods.get(id(mc), ()):
                    name = getattr(m, "name", None)
                    if name in (None, "__new__") or (name == "__init__" and self._keeps_class(m)):
                        return True  # (``__new__`` makes the class: where it goes is not read)
        return False

    def _keeps_class(self, hook: ast.AST) -> bool:
        """Whether a hook given the class being made (``__init_subclass__(cls)``, a
        metaclass's ``__init__(cls, ...)``) may call it or keep it anywhere: any use of
        ``cls`` but reading its data, labelling it or keeping it nowhere
        (``decorator_uses``: a call with it, a container, an attribute, a name)."""
        if type(hook) is ast.Lambda:
            return True
        calls, kept = self.deco_uses.get((id(hook), False)) or self.deco_uses.setdefault(
            (id(hook), False), decorator_uses(hook, False, self.containers))
        return calls or bool(kept)

    def _by_attr(self, word: str, how: str) -> None:
        """What a word reached code spells first (as a name or an attribute) names as an
        attribute: methods of live classes, references stored under that name;
        ``__subclasses__``: every class with a base of the module's own is live (it may be
        made without its name being spelled)."""
        if word == "__subclasses__" and self.subclasses is None:
            self.subclasses = how
            for cs in list(self.classes.values()):
                for c in cs:
                    if any(type(b) is ast.Name and b.id in self.classes for b in c.bases):
                        self._live(c, how)
        for c in (*self.live, *self.made):  # (``self.go()`` in a kept instance's method)
            for m in self.methods.get(id(c), ()):
                if getattr(m, "name", None) == word:
                    self.reach(m, how)
            for name, value in self.class_stored.get(id(c), ()):
                if name == word:
                    self._open(value, how)
        for value in self.stored_attrs.get(word, ()):
            self._open(value, how)

    def _open(self, value: ast.expr, how: str) -> None:
        """A stored reference read at import may be called now: its line counts as
        reached (a stored ``os.system``), so do its lambdas, the module's functions it
        names and, for gate.scan.reach_modules, what it names elsewhere."""
        if id(value) in self.opened:
            return
        self.opened.add(id(value))
        if type(value) is ast.alias:  # an import's binding (``_index_import``): its target
            got = self.import_refs.get(id(value))
            if got is not None:
                self.out.outside.append(got)
            return
        if isinstance(value, _FUNCS):  # (a function a decorator kept: ``_hold``)
            self.reach(value, how)
            return
        if type(value) is ast.ClassDef:
            self._live(value, how)  # type: ignore[arg-type]
            return
        if type(value) is ast.GeneratorExp:  # ``G = (f() for x in xs)`` read: it may run
            self.reach(value, how)
            return
        if type(value) is ast.Call:  # ``h = f()`` read: what ``f`` returned may be called
            self._release(self._results(value), how)
            func = value.func  # type: ignore[attr-defined]
            if type(func) is ast.Name:  # ``k = K()`` read: the instance is used
                for c in self.classes.get(func.id, ()):  # type: ignore[attr-defined]
                    self._live(c, how)
                if func.id not in self.classes and func.id not in self.defs:  # type: ignore[attr-defined]
                    self.out.outside.append((func.id, value.lineno))  # type: ignore[attr-defined]
            return
        if id(value) not in self.aliases:  # (an alias's uses are found where they stand)
            self.out.bodies.append((value.lineno, value.end_lineno or value.lineno, how))
        for n in ast.walk(value):
            t = type(n)
            if t is ast.Lambda:
                self.reach(n, how)
            elif t is ast.Name:
                self._word(n.id, how, n.lineno)  # type: ignore[attr-defined]
            elif t is ast.Attribute:
                self._method(n.attr, how)  # type: ignore[attr-defined]
                spelled = ref(n, self.module, self.package, self.importers)  # type: ignore[arg-type]
                if spelled is not None:
                    self.out.outside.append((spelled, n.lineno))  # type: ignore[attr-defined]

    def _computed_name(self, how: str) -> None:
        """A name looked up at import is computed: it may be any word of any string, and
        what it gives any reference the module stored."""
        if self.any_name:
            return
        self.any_name = True
        prose, self.prose = self.prose, []
        for word, at, line in prose:
            self._word(word, at, line)
        for values in (*self.stored.values(), *self.stored_attrs.values()):
            for value in values:
                self._open(value, how)

    def _string(self, node: ast.expr, how: str | None, line: int) -> None:
        """The words of a string reached code holds that may name code: an identifier, the
        last part of a dotted path (``getattr(a, "run")``, ``import_module("pkg.sync")``,
        ``"pkg.mod:main"``: what comes before is only looked up on the way, a function
        there is not called: timm's ``'beit_base_patch16_384.in22k'`` config keys), of
        code (``"go()"``: ``exec`` runs it), attributes of format
        fields (``"{0.query}"``); the words of text (``"Graphviz error"``, ``"no answer
        to {query}"``) only once a name is looked up by a computed value at import (a
        word must be cut out of text to be a name: ``split``, slicing)."""
        text = _literal_str(node)
        if text is None or len(text) >= 200:
            return
        words = _WORD.findall(text)
        if not words:
            return
        direct: list[str] = []
        passed: list[str] = []  # (looked up on a path, not what it gives: ``"f.tag"``)
        top = (self.module or "").partition(".")[0]
        if id(node) in self.quiet_strings:
            pass
        elif _NAME_SHAPE.fullmatch(text):  # (``"f.__call__"`` gives ``f`` back: all)
            direct, passed = (words, []) if words[-1].startswith("__") else (
                words[-1:], words[:-1])
            path = text.strip().replace(":", ".")
            if top and path.startswith(f"{top}."):
                # a dotted path into the package (``pkgutil.resolve_name("pkg._x:f")``,
                # ``pydoc.locate("pkg._x.f")``, a ``dictConfig`` factory, a
                # ``TestLoader().loadTestsFromName``...): what a resolver gives, by its
                # definition (a computed one is the scanner's ``dynamic-code``)
                self._path(f"={path}", line)
        elif "(" in text and _parses(text):
            direct = words
            if top and top in words:  # ``"import pkg._x; pkg._x.f()"``: what it names
                for q in _own_paths(text, top):
                    self._path(f"={q}", line)
        elif "{" in text:
            direct = [w for f in _FIELD.findall(text) for w in _FIELD_ATTR.findall(f)]
        for w in words:
            at = how or f"{w!r} at :{line}"
            if w in direct or self.any_name:
                self._word(w, at, line)
            else:
                if w in passed:  # a function it names is only read (a class: live)
                    self._word(w, at, line, calls=False)
                self.prose.append((w, at, line))

    def _path(self, spelled: str, line: int) -> None:
        """A dotted literal into the package names its definition only where code at import
        may turn a string into an object (``_RESOLVERS``, a name computed at import); until
        then it is held (fsspec's registry of class paths, resolved only when used, is
        inert)."""
        if self.resolves:
            self.out.outside.append((spelled, line))
        else:
            self.paths.append((spelled, line))

    def _resolver(self) -> None:
        """Code at import may resolve a string to an object: the literals held name theirs."""
        if not self.resolves:
            self.resolves = True
            self.out.outside += self.paths
            self.paths = []

    def _live(self, c: ast.ClassDef, how: str) -> None:
        """A class used at import (named by reached code: made, handed on, stored, read,
        a base of a live class): every method it defines may run now, special or not
        (operators, ``with``, descriptors, the standard library calling what it is handed:
        ``sys.stdout = W()`` runs ``W.write``; rapid type analysis, not a list of
        protocols), and so may what its body stores, its nested classes and its own
        bases' methods."""
        if id(c) in self.done:
            return
        self.done.add(id(c))
        self.live.append(c)
        for m in self.methods.get(id(c), ()):
            self.reach(m, how)
        for _, value in self.class_stored.get(id(c), ()):  # ``__init__ = mod.f``
            self._open(value, how)
        for st in statements(c.body):  # ``O().I()``, ``O.I.J()``: nested classes
            if type(st) is ast.ClassDef:
                self._live(st, how)  # type: ignore[arg-type]
        for b in c.bases:  # what the bases define runs for the subclass too
            name = _leaf(b)
            for bc in self.classes.get(name or "", ()):
                self._live(bc, how)
            spelled = dotted(b)
            if spelled is not None and spelled != "object" and not (
                    type(b) is ast.Name and name in self.classes):
                self.out.outside.append((spelled, c.lineno))  # another module's base

    def _made_only(self, c: ast.ClassDef, how: str) -> None:
        """``k = K()`` at module level: the instance is made and kept; its special methods
        may run (construction, ``__del__``...), its ordinary ones once ``k`` is read at
        import (``_open``: then the class is live)."""
        key = -id(c)
        if id(c) in self.done or key in self.done:
            return
        if not all(type(b) is ast.Name and (b.id in self.classes or b.id == "object")
                   for b in c.bases) or c.keywords:
            self._live(c, how)  # (a base or metaclass of elsewhere may call any method)
            return
        if self._leaks(c):
            self._live(c, how)  # (a method it runs lets ``self`` escape: ``_leaks``)
            return
        self.done.add(key)
        self.made.append(c)  # (its methods called by name: ``_by_attr``)
        for m in self.methods.get(id(c), ()):
            name = getattr(m, "name", None) or "_x_"
            if _special(name) or name in self.words or name in self.attrs or (
                    id(m) in self.factories):  # (``__init__`` calls it)
                self.reach(m, how)
        for name, value in self.class_stored.get(id(c), ()):
            if _special(name) or name in self.words or name in self.attrs:
                self._open(value, how)
        for b in c.bases:
            for bc in self.classes.get(_leaf(b) or "", ()):
                self._made_only(bc, how)
            spelled = dotted(b)
            if spelled is not None and spelled != "object" and not (
                    type(b) is ast.Name and _leaf(b) in self.classes):
                self.out.outside.append((spelled, c.lineno))  # another module's base

    def _leaks(self, c: ast.ClassDef) -> bool:
        """Whether making and keeping an instance of ``c`` may hand it to code that does
        not hold it: a method that runs while nothing holds the instance (``holderless``:
        construction, finalization and what they call on ``self``) lets ``self`` escape
        (``leaks_self``); whoever gets it may call any method."""
        got = self.leaky.get(id(c))
        if got is None:
            own = self._mro(c)[0]
            fns = [m for k in own for m in self.methods.get(id(k), ()) if isinstance(m, _FUNCS)]
            runs = holderless(fns, {name for k in own for name, _ in self.class_stored.get(
                id(k), ())} | {name for k in own for st in k.body if type(st) in (
                    ast.Assign, ast.AnnAssign) for name in _targets(st)}, self._trusted,
                any(k.decorator_list for k in own))
            got = self.leaky[id(c)] = runs is None or any(
                leaks_self(m, self._shadowed, self._called, self._bound_methods)
                for m in runs)
        return got

    def _maker(self, func: ast.expr) -> str | None:
        """The last name of the standard library's class maker ``func`` is
        (``_CLASS_MAKERS``, resolved through the imports; ``type`` where not rebound)."""
        spelled = dotted(func)
        if spelled is None:
            return None
        head, _, rest = spelled.partition(".")
        if head in self.imported and head not in self.assigned:
            qual = self.imported[head]
            full = f"{qual}.{rest}" if rest else qual
        elif not rest and head not in self._shadowed:
            full = f"builtins.{head}"
        else:
            return None
        return full.rpartition(".")[2] if full in _CLASS_MAKERS else None

    def _trusted(self, deco: ast.expr, fn: ast.AST) -> bool:
        """Whether a method's decorator is the standard library's own wrapper
        (``_wrapper``): what the class binds is then the method (or a property of it)."""
        return type(deco) in (ast.Name, ast.Attribute) and self._wrapper(deco, fn)

    @functools.cached_property
    def _shadowed(self) -> frozenset[str]:
        """The names the module binds itself (a builtin so named is not the builtin)."""
        return frozenset(self.defs.keys() | self.classes.keys() | self.assigned
                         | self.imported.keys() | self.stored.keys() | self.instances.keys())

    @functools.cached_property
    def _bound_methods(self) -> frozenset[str]:
        """The names of the module's methods that make a bound method when read on an
        instance (not a property: reading one runs it, and gives its value)."""
        return method_names(m for ms in self.methods.values() for m in ms)

    @functools.cached_property
    def _attr_names(self) -> frozenset[str]:
        """Every attribute name the module spells (``self.__enter__()``)."""
        return frozenset(n.attr for n in ast.walk(self.tree) if type(n) is ast.Attribute)  # type: ignore[attr-defined]

    def _called(self) -> frozenset[str]:
        return self._attr_names  # (asked by ``leaks_self`` only where it needs it)

    def _pickled(self, how: str) -> None:
        """A name the module's ``__getattr__`` may be asked for without code spelling it:
        a ``__qualname__``/``__module__`` rebound (pickle looks a class or function up by
        them), a ``__reduce__`` returning a string (pickle looks it up)."""
        self._hook("__getattr__", how)

    def _plain_class(self, name: str) -> bool:
        """Whether ``name`` is only the module's own class (or classes) made by ``type``:
        no metaclass, only own bases (a base of elsewhere may have one), so ``type``'s own
        code serves ``isinstance``, ``issubclass`` and its data attributes."""
        cs = self.classes.get(name)
        if not cs or name in self.defs or name in self._shadowed - self.classes.keys():
            return False
        for c in cs:
            for k in self._mro(c)[0]:
                if k.keywords or not all(
                        type(b) is ast.Name and (b.id in self.classes or (
                            b.id == "object" and "object" not in self._shadowed))
                        for b in k.bases):
                    return False
            if any(getattr(st, "name", None) == "__doc__" or (
                    type(st) in (ast.Assign, ast.AnnAssign, ast.AugAssign) and any(
                        type(x) is ast.Name and x.id == "__doc__"  # type: ignore[attr-defined]
                        for x in (st.targets if type(st) is ast.Assign else [st.target])))  # type: ignore[attr-defined]
                   for st in statements(c.body)):
                return False  # (``__doc__ = D()``: ``K.__doc__`` calls its ``__get__``)
        return True

    def _checked(self, which: str, args: list[ast.expr]) -> list[int]:
        """The ids of the names of the module's plain classes (``_plain_class``) that
        ``isinstance(x, K)``/``issubclass(x, K)`` only checks against (``type``'s
        ``__instancecheck__``/``__subclasscheck__`` call nothing of ``K``'s), and ``K`` of
        ``issubclass(K, C)`` where ``C`` is such a class or a builtin type."""
        def plain(node: ast.expr, builtin: bool) -> list[int] | None:
            items = node.elts if type(node) is ast.Tuple else [node]  # type: ignore[attr-defined]
            out: list[int] = []
            for x in items:
                if type(x) is not ast.Name:
                    return None
                if self._plain_class(x.id):  # type: ignore[attr-defined]
                    out.append(id(x))
                elif not (builtin and x.id in _BUILTIN_TYPES and x.id not in self._shadowed):  # type: ignore[attr-defined]
                    return None
            return out

        got = plain(args[1], True)
        if got is None:
            return []
        if which == "issubclass" and type(args[0]) is ast.Name and self._plain_class(args[0].id):  # type: ignore[attr-defined]
            got.append(id(args[0]))
        return got

    def _own_attr(self, mod: str | None, parts: list[str]) -> str | None:
        """The module-level name a reference (``split_ref``) rooted at the module itself
        reads: ``k`` of ``pkg._x.k`` in ``pkg._x`` (``import pkg._x``), of ``me.k`` (``from
        pkg import _x as me``), of ``sys.modules["pkg._x"].k``, ``import_module("pkg._x").k``."""
        if mod is None:
            base = self.self_heads.get(parts[0])
            if base is None:
                return None
            full = ".".join([base, *parts[1:]])
        else:
            full = ".".join([mod, *parts])
        prefix = f"{self.module}."
        return full[len(prefix):].partition(".")[0] if full.startswith(prefix) else None

    def _never(self, test: ast.expr) -> bool:
        """Whether a test is false whenever the module is imported: a false constant
        (``if False:``, ``if 0:``), typing's ``TYPE_CHECKING`` (the one decision of
        gate.scan.type_checking, which the capability scan asks too)."""
        t = type(test)
        if t is ast.Constant:
            return not test.value  # type: ignore[attr-defined]
        # (only ``TYPE_CHECKING``, ``M.TYPE_CHECKING`` or a name imported from typing's
        # modules may be one: no tree walk for the others)
        if not ((t is ast.Attribute and test.attr == "TYPE_CHECKING") or (  # type: ignore[attr-defined]
                t is ast.Name and (test.id == "TYPE_CHECKING" or (  # type: ignore[attr-defined]
                    self.imported.get(test.id) or ".").partition(".")[0]  # type: ignore[attr-defined]
                    in TYPING_MODULES))):
            return False
        return id(test) in guards(self.tree, self.type_checking)

    def _lazy_generators(self, tree: ast.Module) -> None:
        """``G = (f() for x in xs)`` at module level: a generator expression evaluates its
        first iterable where it is made and runs its body only when iterated, which needs
        the generator: its body runs when ``G`` is read at import (``_open``), or a name is
        looked up by a computed value. Not where the module reaches its namespace otherwise
        (``globals()``, ``vars()``, frames, ``gc``...: ``_NAMESPACE_WORDS``), where the
        value may be iterated without ``G`` being spelled."""
        gens = [st for st in tree.body if type(st) is ast.Assign and len(st.targets) == 1
                and type(st.targets[0]) is ast.Name and type(st.value) is ast.GeneratorExp]
        if not gens:
            return
        for n in ast.walk(tree):
            t = type(n)
            word = n.id if t is ast.Name else n.attr if t is ast.Attribute else (  # type: ignore[attr-defined]
                n.value if t is ast.Constant and type(n.value) is str else None)  # type: ignore[attr-defined]
            if word in _NAMESPACE_WORDS or word in _GEN_FINDERS:
                return
        for st in gens:
            self.lazy.add(id(st.value))
            self.stored.setdefault(st.targets[0].id, []).append(st.value)  # type: ignore[attr-defined]

    def _decorated(self, st: ast.AST, how: str | None) -> None:
        for d in st.decorator_list:  # type: ignore[attr-defined]
            factory = type(d) is ast.Call
            if factory:  # ``@register("vit") def vit``: the name is bound after it runs
                self.quiet_strings.update(id(a) for a in (*d.args, *(k.value for k in d.keywords))  # type: ignore[attr-defined]
                                          if type(a) is ast.Constant and a.value == st.name)  # type: ignore[attr-defined]
            target = d.func if factory else d  # type: ignore[attr-defined]
            name = _leaf(target)
            shown = dotted(target) if type(target) in (ast.Name, ast.Attribute) else None
            at = how or (f"@{shown} at :{d.lineno}" if shown else f"a decorator at :{d.lineno}")
            if type(d) is ast.Lambda:
                self.reach(d, at)  # it runs now, on the function
            holders: list[str] = []
            if type(target) not in (ast.Name, ast.Attribute):
                runs = True  # ``@DECOS[0]``, ``@(a if c else b)``, a lambda
            elif self._wrapper(target, st):
                runs = False
            elif name in self.rebound and (name in self.defs or name in self.classes):
                runs = True  # ``deco = _run if c else deco``, ``from ._x import r as deco``
            elif shown is not None and shown.partition(".")[0] in self.own_names and (
                    how is None and isinstance(st, _FUNCS) and id(st) in self.keys):
                # another module of the package's: gate.scan.reach_decorators reads it
                suffix = "()" if factory else ""
                self.out.outside.append((f"@{self.keys[id(st)]}={shown}{suffix}", d.lineno))
                runs = False
            else:
                mine = [*self.defs.get(name or "", ()), *self.classes.get(name or "", ())]
                runs = not mine
                for fn in mine:
                    if factory and type(fn) is not ast.ClassDef:  # what it returns is called
                        self._release([fn], at)
                    got = self.deco_uses.get((id(fn), factory))
                    if got is None:
                        got = self.deco_uses[id(fn), factory] = decorator_uses(
                            fn, factory, self.containers, method=id(fn) in self.owner)
                    calls, kept = got
                    runs = runs or calls
                    holders += kept
            if runs:
                if isinstance(st, _FUNCS):
                    self.reach(st, at)
                elif type(st) is ast.ClassDef:
                    self._live(st, at)
            else:  # kept in a registry: it runs if code at import reads the registry
                for holder in holders:
                    self._hold(holder, st, at)

    def _hold(self, name: str, st: ast.AST, how: str) -> None:
        """A decorator kept ``st`` in the module's container ``name`` (``REG[k] = fn``): a
        stored reference there, run when code at import reads ``name``."""
        self.stored.setdefault(name, []).append(st)  # type: ignore[arg-type]
        if name in self.read or self.any_name:
            self._open(st, self.read.get(name, how))  # type: ignore[arg-type]

    # ------------------------------------------------------------------ walking reached code
    def _walk(self, root: ast.AST) -> Iterator[ast.AST]:
        """The nodes of ``root`` that run when it does: a function's header and body, not
        ``__main__`` blocks. The module's functions run when reached (their headers run
        with their ``def``); in a reached function, its lambdas and the methods of the
        classes it defines are walked whole (their lines count as reached: ``reach``), its
        inner functions as ``_inner`` decides."""
        inner = type(root) is not ast.Module
        if isinstance(root, _FUNCS):
            stack: list[ast.AST] = [*root.body, root.args, *root.decorator_list]
            if root.returns is not None and self._runs(root.returns, True):
                stack.append(root.returns)
            if self.postponed:  # the function itself is reached: named, handed on, called;
                # what gets it may evaluate its annotations (``typing.get_type_hints(g)``)
                stack += [a.annotation for a in _all_args(root.args)
                          if a.annotation is not None and self._runs(a.annotation, True)]
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
                if node.returns is not None and self._runs(node.returns, False):  # type: ignore[attr-defined]
                    stack.append(node.returns)  # type: ignore[attr-defined]
                continue
            if t is ast.arg:  # a parameter: its annotation only where it runs code
                if node.annotation is not None and self._runs(node.annotation, False):  # type: ignore[attr-defined]
                    stack.append(node.annotation)  # type: ignore[attr-defined]
                continue
            if t is ast.ClassDef:  # its bases by name: ``_bases`` (naming one makes none)
                self.class_anns.update(id(st) for st in _scope_statements(node.body)  # type: ignore[attr-defined]
                                       if type(st) is ast.AnnAssign)
                named = {id(b) for b in node.bases if type(b) in (ast.Name, ast.Attribute)}  # type: ignore[attr-defined]
                stack.extend(c for c in ast.iter_child_nodes(node) if id(c) not in named)
                if inner:  # (a class a reached function defines: not indexed, by name)
                    stack += [b for m in node.body if isinstance(m, _FUNCS) for b in m.body]  # type: ignore[attr-defined]
                continue
            if t is ast.AnnAssign:
                stack.append(node.target)  # type: ignore[attr-defined]
                if node.value is not None:  # type: ignore[attr-defined]
                    stack.append(node.value)  # type: ignore[attr-defined]
                # (a function's own variables' annotations are never evaluated: PEP 526)
                if (not inner or id(node) in self.class_anns) and self._runs(  # type: ignore[attr-defined]
                        node.annotation, True):  # type: ignore[attr-defined]
                    stack.append(node.annotation)  # type: ignore[attr-defined]
                continue
            if t is ast.Lambda:
                stack.append(node.args)  # type: ignore[attr-defined]
                if inner:
                    stack.append(node.body)  # type: ignore[attr-defined]
                continue
            if t is ast.If and ((_is_main(node.test) and not self.main_runs()) or (  # type: ignore[attr-defined]
                    self._never(node.test))):  # type: ignore[attr-defined]
                stack += node.orelse  # type: ignore[attr-defined]
                continue
            if t is ast.If and type(node.test) is ast.UnaryOp and type(  # type: ignore[attr-defined]
                    node.test.op) is ast.Not and self._never(node.test.operand):  # type: ignore[attr-defined]
                stack += node.body  # type: ignore[attr-defined]  # ``if not TYPE_CHECKING:``: its ``else`` never runs
                continue
            if t is ast.GeneratorExp and id(node) in self.lazy and node is not root:
                # made, not run: only its first iterable is evaluated (``_lazy_generators``)
                stack.append(node.generators[0].iter)  # type: ignore[attr-defined]
                continue
            if t is ast.Expr and type(node.value) is ast.Constant:  # type: ignore[attr-defined]
                continue  # a docstring names nothing
            if t is ast.Assign and any(type(x) is ast.Name and x.id == "__all__"  # type: ignore[attr-defined]
                                       for x in node.targets):  # type: ignore[attr-defined]
                continue  # what ``import *`` takes: names, not calls
            stack.extend(ast.iter_child_nodes(node))

    def _runs(self, annotation: ast.expr, evaluated: bool) -> bool:
        """Whether evaluating an annotation runs the module's code: a call, a lambda...,
        or a subscript of the module's own class (``__class_getitem__``). A name in it
        (``connection: HTTPAdapter``, ``resolver: Resolver | None``) is looked up, not
        called: the class it names is not made live by it. ``evaluated``: False for a
        ``def``'s header run with its ``def``, which under ``from __future__ import
        annotations`` evaluates nothing."""
        if self.postponed and not evaluated:
            return False
        for n in ast.walk(annotation):
            t = type(n)
            if t in _RUNS_CODE or (t is ast.Subscript and type(n.value) is ast.Name  # type: ignore[attr-defined]
                                   and n.value.id in self.classes):  # type: ignore[attr-defined]
                return True
        return False

    def scan(self, root: ast.AST, how: str | None) -> None:
        cls = self.owner.get(id(root))  # the class of a method (``super()``)
        if type(root) is ast.FunctionDef and root.name in ("__reduce__", "__reduce_ex__") and any(
                type(n) is ast.Return and type(n.value) is not ast.Tuple  # type: ignore[attr-defined]
                for n in _runs_with(root)):  # (pickle looks a string up on the module)
            self._pickled(how or f"{root.name} at :{root.lineno}")
        local = _locals(root)  # (a function's own variables name nothing elsewhere)
        # names whose attribute or item is written (``f.__doc__ = d``, ``T["k"] = v``): the
        # object is not called (its class's ``__setattr__``/``__setitem__`` run: a class
        # of the module's is live where its instance was made)
        written: set[int] = set()
        receivers: set[int] = set()  # names read only for an attribute (``_x.f``)
        typed: set[int] = set()  # classes only named as type arguments (``Union[A, B]``)
        for node in self._walk(root):
            t = type(node)
            line = getattr(node, "lineno", 0)
            if t is ast.Name:
                if type(node.ctx) is ast.Store and node.id in _PICKLE_NAMES and (  # type: ignore[attr-defined]
                        "__getattr__" in self.hooks):  # ``class K: __qualname__ = "lazy"``
                    self._pickled(how or f"{node.id} at :{line}")  # type: ignore[attr-defined]
                if type(node.ctx) is ast.Del and "__getattr__" in self.hooks and (  # type: ignore[attr-defined]
                        node.id in self.defs or node.id in self.classes):  # type: ignore[attr-defined]
                    # ``del h`` of a function or class: pickle of it asks the module for ``h``
                    self._pickled(how or f"del {node.id} at :{line}")  # type: ignore[attr-defined]
                if type(node.ctx) is not ast.Store and id(node) not in written:  # type: ignore[attr-defined]
                    name = node.id  # type: ignore[attr-defined]
                    if name in self.own_names and id(node) not in receivers and (
                            name not in local) and type(node.ctx) is ast.Load:  # type: ignore[attr-defined]
                        # an own module handed on as a value (not ``del _x``)
                        self.out.outside.append((f"*{name}", line))
                    stored = id(node) in self.deferred or id(node) in typed
                    self._word(name, how or f"{name} at :{line}", 0 if stored else line,
                               local=name in local, opens=not stored,
                               live=id(node) not in self.aliases and id(node) not in typed,
                               made=id(node) in self.made_funcs)
            elif t is ast.Attribute:
                if type(node.value) is ast.Name and node.attr not in (  # type: ignore[attr-defined]
                        "__dict__", "get"):
                    receivers.add(id(node.value))  # type: ignore[attr-defined]  # ``_x.f``
                if type(node.ctx) is not ast.Load:  # type: ignore[attr-defined]  # ``f.__doc__ = d``
                    if type(node.value) is ast.Name:  # type: ignore[attr-defined]
                        written.add(id(node.value))  # type: ignore[attr-defined]
                    if node.attr in _PICKLE_NAMES and "__getattr__" in self.hooks:  # type: ignore[attr-defined]
                        self._pickled(how or f".{node.attr} at :{line}")  # type: ignore[attr-defined]
                    continue  # (a setter runs: a live class's properties are reached)
                if node.attr in _TYPE_DATA and type(node.value) is ast.Name and (  # type: ignore[attr-defined]
                        self._plain_class(node.value.id)):  # type: ignore[attr-defined]
                    typed.add(id(node.value))  # type: ignore[attr-defined]  # ``K.__doc__``
                if id(node) in self.deferred:  # stored: read when it is (``_open``)
                    continue
                self._method(node.attr, how or f".{node.attr} at :{line}")  # type: ignore[attr-defined]
                got = split_ref(node, self.module, self.package, self.importers)  # type: ignore[arg-type]
                if got is not None and (got[0] is not None or self.self_heads):
                    mine = self._own_attr(*got)
                    if mine is not None:  # ``import pkg; pkg.k`` in pkg: ``k`` is read
                        self._word(mine, how or f"{spell(*got).lstrip('=')} at :{line}", 0)
                if got is not None and id(node) not in typed:
                    self.out.outside.append((spell(*got), line))
            elif (t is ast.Assign or t is ast.AnnAssign) and id(node.value) in self.stored_ids and (  # type: ignore[attr-defined]
                    type(node.value) is not ast.Call):  # type: ignore[attr-defined]
                # stored, not called: what it names elsewhere waits for a read (``_open``)
                self.deferred.update(id(n) for n in ast.walk(node.value))  # type: ignore[attr-defined]
            elif t is ast.Dict:
                for k, v in zip(node.keys, node.values, strict=True):  # type: ignore[attr-defined]
                    if k is None:  # ``{**A()}`` calls its ``keys``
                        self._handed(v, how or f"** at :{line}", line)
            elif t is ast.Subscript:
                if type(node.ctx) is not ast.Load and type(node.value) is ast.Name:  # type: ignore[attr-defined]
                    written.add(id(node.value))  # type: ignore[attr-defined]  # ``T["k"] = v``
                elif self._generic(node.value):  # type: ignore[attr-defined]
                    typed.update(_type_args(node.slice, self._generic))  # type: ignore[attr-defined]
                self._subscript(node, how, line)  # type: ignore[arg-type]
            elif t is ast.With or t is ast.AsyncWith:
                for item in node.items:  # type: ignore[attr-defined]
                    self._instance_methods(item.context_expr, ("__enter__", "__exit__"),
                                           how or f"with at :{line}", line, cls)
            elif t is ast.ImportFrom and self.module is not None:
                base = _from_base(node, self.module, self.package)  # type: ignore[arg-type]
                if base is not None and base == self.module:  # ``from . import x``: a lookup
                    for a in node.names:  # type: ignore[attr-defined]
                        if a.name != "*":  # ``from pkg import k as o`` in pkg: ``k`` is read
                            self._word(a.name, how or f"from {base} import {a.name} at :{line}", 0)
                    if "__getattr__" in self.hooks:
                        self._own_lookup(how, line, f"from-import at :{line}", ("__getattr__",))
            elif t is ast.Constant and isinstance(node.value, str):  # type: ignore[attr-defined]
                # ``globals()["f"]``, ``getattr(a, "run")``, ``import_module(".sync")``
                self._string(node, how, line)  # type: ignore[arg-type]
                if node.value in _PICKLE_NAMES and "__getattr__" in self.hooks:  # type: ignore[attr-defined]
                    self._pickled(how or f"{node.value!r} at :{line}")  # type: ignore[attr-defined]
            elif t in _FUNCS:
                self._decorated(node, how)
                if node is not root and isinstance(root, _FUNCS):
                    self._inner(root, node, how, line)
            elif t is ast.ClassDef:
                assert isinstance(node, ast.ClassDef)
                self._decorated(node, how)
                at = how or f"class {node.name} at :{line}"
                if self._enum(node, set()):
                    self._created(node, at, set())
                own, other = self._mro(node)
                self._bases(own, other, at, line)
                for k in own:  # the metaclasses of the class and its bases run to make it
                    self._metaclass(k, at if k is not node else how, line)
                if self._handed_on_creation(own):  # (a registry the class is kept in)
                    self._live(node, at)
                elif self.subclasses is not None and len(own) > 1:
                    self._live(node, self.subclasses)
            elif t is ast.Call:
                func = node.func  # type: ignore[attr-defined]
                if type(func) is ast.Name and func.id in ("isinstance", "issubclass") and (
                        func.id not in self._shadowed) and len(node.args) == 2:  # type: ignore[attr-defined]
                    typed.update(self._checked(func.id, node.args))  # type: ignore[attr-defined]
                elif type(func) is ast.Name and func.id == "super" and len(node.args) == 2 and (  # type: ignore[attr-defined]
                        type(node.args[0]) is ast.Name) and "super" not in self._shadowed:  # type: ignore[attr-defined]
                    # ``super(K, self)``: looks up past ``K`` in ``self``'s class, makes no K
                    typed.add(id(node.args[0]))  # type: ignore[attr-defined]
                maker = self._maker(func) if "__getattr__" in self.hooks else None
                if maker is not None and len(node.args) >= (3 if maker == "type" else 1):  # type: ignore[attr-defined]
                    named = _literal_str(node.args[0])  # type: ignore[attr-defined]
                    if named is None or named not in self._shadowed:
                        # ``type("lazy", (), {})``: a class of this module by a name it
                        # does not bind (pickle looks it up)
                        self._pickled(how or f"{maker}() at :{line}")
                if type(func) is ast.Attribute and func.attr in _ADDERS:  # ``REG[k].append(f)``
                    receiver = _receiver(func.value)
                    if type(receiver) is ast.Name and receiver.id in self.containers:  # type: ignore[attr-defined]
                        written.add(id(receiver))  # adds to the container, calls nothing in it
                self._call(node, how, cls)  # type: ignore[arg-type]
            elif t is ast.Lambda:
                self.lambdas.append((node, how))  # type: ignore[arg-type]

    def _bases(self, own: list[ast.ClassDef], other: list[str], at: str, line: int) -> None:
        """What making a subclass runs of its bases (``own``, ``other``: ``_mro``): their
        ``__init_subclass__`` (not their constructors: ``class Resolver(BaseResolver)``
        makes no ``BaseResolver``); a base of another module's as ``K.__init_subclass__``."""
        for k in own[1:]:
            for m in self.methods.get(id(k), ()):
                if getattr(m, "name", None) == "__init_subclass__":
                    self.reach(m, at)
            for name, value in self.class_stored.get(id(k), ()):  # bound otherwise than by
                if name == "__init_subclass__":  # ``def``: ``from ._x import f as ...``
                    self._open(value, at)
        for spelled in other:
            self.out.outside.append((f"{spelled}.__init_subclass__", line))

    def _metaclass(self, k: ast.ClassDef, how: str | None, line: int) -> None:
        """``metaclass=M`` of a class being made (or of its base): M's methods run (a
        lambda is called); M of another module is a reference for reach_modules."""
        meta = _keyword(k, "metaclass")
        if meta is None:
            return
        at = how or f"metaclass at :{meta.lineno}"
        if type(meta) is ast.Lambda:
            self.reach(meta, at)
        for m in self.classes.get(_leaf(meta) or "", ()):
            self._live(m, at)
        spelled = dotted(meta)
        if spelled is not None and spelled not in self.classes:
            self.out.outside.append((spelled, line))

    def _subscript(self, node: ast.Subscript, how: str | None, line: int) -> None:
        self._lookup(node, how, line)  # ``m.__dict__["f"]``, ``sys.modules[__name__]``
        holder = node.value
        if _leaf(holder) == "modules" and _literal_str(node.slice) is None:
            self._resolver()  # ``sys.modules[name]``: a computed path may name any module
        if (type(holder) is ast.Call and _leaf(holder.func) in ("globals", "vars", "locals")) or (  # type: ignore[attr-defined]
                type(holder) is ast.Attribute and holder.attr == "__dict__"):  # type: ignore[attr-defined]
            if _literal_str(node.slice) is None:  # ``globals()[name]``
                self._computed_name(how or f"a computed lookup at :{line}")

    def _lookup(self, node: ast.expr, how: str | None, line: int) -> None:
        """A module named by a literal (``import_module("pkg._x")``, ``getattr(m, "f")``,
        ``sys.modules["pkg._x"]``): a reference for reach_modules; the module itself
        (``sys.modules[__name__]``): its hooks may run."""
        got = split_ref(node, self.module, self.package, self.importers)
        if got is None or (got[0] is None and len(got[1]) < 2):
            return
        spelled = spell(*got)
        mod = got[0]
        self.out.outside.append((spelled, line))
        if mod is not None and mod == self.module and got[1]:  # ``sys.modules["pkg"].k``
            self._word(got[1][0], how or f"{spelled[1:]} at :{line}", 0)
        if mod is not None and mod == self.module:
            self._own_lookup(how, line, f"{spelled[1:]} at :{line}", ("__getattr__", "__dir__"))

    def _own_lookup(self, how: str | None, line: int, what: str, hooks: Sequence[str]) -> None:
        """The module's own object looked up at import (``from . import x`` in a package:
        ``__getattr__``; ``sys.modules[__name__]``: also ``__dir__``, run by ``dir()`` of
        it): its hook runs, once defined (a lookup above the ``def`` finds none: flask's
        ``from . import json``)."""
        for name in hooks:
            bound = self.hooks.get(name)
            if bound and (how is not None or line > min(_line(b, self.import_refs)
                                                          for b in bound)):
                self._hook(name, how or what)

    def _enum(self, c: ast.ClassDef, seen: set[int]) -> bool:
        """Whether making the class runs enum's metaclass (a base from ``enum``, directly
        or through the module's own classes), which calls its ``__new__``/``__init__`` for
        every member and ``_generate_next_value_`` for ``auto()``."""
        if id(c) in seen:
            return False
        seen.add(id(c))
        meta = _keyword(c, "metaclass")
        for b in (*c.bases, *(() if meta is None else (meta,))):
            if (dotted(b) or "").partition(".")[0] in self.enum_names:  # (``Enum as _E``)
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
        ``close``, ``filter``...). (A lookup in a container of references handed on is a
        read of what it stores: ``_open``.)"""
        own, _ = self._made(value)
        for c in own:
            for k in self._mro(c)[0]:
                if id(k) in self.handed:
                    continue
                self.handed.add(id(k))
                for m in self.methods.get(id(k), ()):
                    if getattr(m, "name", None) in _PROTOCOL:
                        self.reach(m, how)

    def _call(self, call: ast.Call, how: str | None, cls: ast.ClassDef | None = None) -> None:
        func = call.func
        t = type(func)
        line = call.lineno
        leaf = _leaf(func)
        leaf = self.importers.get(leaf, leaf) if t is ast.Name else leaf  # type: ignore[arg-type]
        if leaf in _RESOLVERS:
            self._resolver()
        if leaf in _NAME_SINKS:
            self._lookup(call, how, line)  # ``getattr(m, "f")``, ``import_module("pkg._x")``
            index = _NAME_SINKS[leaf]
            named = _arg(call, index, "name") if index == 0 else (
                call.args[1] if len(call.args) > 1 and not any(
                    type(a) is ast.Starred for a in call.args[:2]) else None)
            if _literal_str(named) is None:  # ``getattr(x, n)``: any name
                self._computed_name(how or f"{leaf}() of a computed name at :{line}")
        self._release(self._results(func), how or f"a result called at :{line}")  # ``f()()``
        if t is ast.Name and id(call) not in self.stored_ids:  # (its result goes elsewhere)
            self.loose.update(id(d) for d in self.defs.get(func.id, ()))  # type: ignore[attr-defined]
        if t is ast.Call and _leaf(func.func) in ("attrgetter", "methodcaller") and len(  # type: ignore[attr-defined]
                call.args) == 1 and (held := ref(call.args[0], self.module, self.package,
                                                 self.importers)) is not None:
            # ``operator.attrgetter("_x.f")(pkg)``: the path below what it is handed
            for a in func.args[:1] if _leaf(func.func) == "methodcaller" else func.args:  # type: ignore[attr-defined]
                path = _literal_str(a)
                if path and _NAME_SHAPE.fullmatch(path):
                    self.out.outside.append((f"{held}.{path.strip()}", line))
        if leaf == "find_class" and len(call.args) == 2 and (  # pickle's (module, name)
                mod := _literal_str(call.args[0])) and (name := _literal_str(call.args[1])):
            self.out.outside.append((f"={mod}.{name}", line))
        if t is ast.Name and func.id == "dir" and len(call.args) == 1 and (  # type: ignore[attr-defined]
                "dir" not in self._shadowed):
            # ``dir(pkg)`` runs the module's ``__dir__`` (PEP 562), an object's its class's
            spelled = ref(call.args[0], self.module, self.package, self.importers)
            if spelled is not None:
                self.out.outside.append((f"{spelled}.__dir__", line))
        if t is ast.Lambda:
            self.reach(func, how or f"lambda called at :{line}")
        elif t is ast.Name or t is ast.Attribute:
            name = leaf or ""
            at = how or (f"{name}() at :{line}" if t is ast.Name else f".{name}() at :{line}")
            if t is ast.Name:
                self._keys(call, self.defs.get(name, ()))
                self._word(name, at, line, made=id(func) in self.made_funcs)
                for c in self.classes.get(name, ()):
                    self._metaclass_call(c, line)
                owner = None
            else:
                self._method(name, at)
                owner = func.value  # type: ignore[attr-defined]
                spelled = dotted(func)
                for c in self.nested.get(spelled or "", ()):  # ``O.I()``
                    self._live(c, how or f"{spelled}() at :{line}")
                self._instance_methods(owner, (name,), at, line, cls)
            if type(owner) in (ast.Subscript, ast.Call):
                self._computed(how or f"a computed callee at :{line}")
            elif type(owner) is ast.Name and any(  # ``C.f(x)`` with ``f = os.system``
                    not any(getattr(m, "name", None) == name for m in self.methods.get(id(c), ()))
                    for c in self.classes.get(owner.id, ())):  # type: ignore[attr-defined]
                self._computed(how or f"{owner.id}.{name}() at :{line}")  # type: ignore[attr-defined]
        else:  # ``T["a"](x)``, ``f()()``: any stored reference
            self._computed(how or f"a computed callee at :{line}")
        if any(type(a) is ast.Starred for a in call.args) or any(
                k.arg is None for k in call.keywords):
            self._computed(how or f"a call with unpacked arguments at :{line}")
        top = (self.module or "").partition(".")[0]
        for a in (*call.args, *(k.value for k in call.keywords)):
            text = _literal_str(a) if top else None
            if text is not None and (text == top or text.startswith(f"{top}.")) and (
                    _NAME_SHAPE.fullmatch(text)):  # an own module named to a call
                self.out.outside.append((f"*={text}", line))  # (``sys.modules.get(...)``)
            self._release(self._results(a.value if type(a) is ast.Starred else a),  # type: ignore[attr-defined]
                          how or f"handed on at :{line}")  # ``Thread(target=make())``
            if type(a) is ast.Lambda:
                if id(a) not in self.factories:  # (a dataclass field's: ``_factories``)
                    self.reach(a, how or f"lambda handed on at :{line}")
            elif type(a) is ast.Starred:
                self._handed(a.value, how or f"handed on at :{line}", line)  # type: ignore[attr-defined]
            else:
                self._handed(a, how or f"handed on at :{line}", line)

    def _keys(self, call: ast.Call, fns: Sequence[ast.AST]) -> None:
        """Strings handed to the module's own function that uses the parameter only as a
        key of a builtin container of the module or in a comparison (alembic's
        ``@register("console_scripts")``: ``_registry[name] = fn``) are no names unless a
        name is looked up by a computed value at import (``_string``)."""
        if not fns or any(not isinstance(fn, _FUNCS) or id(fn) in self.owner for fn in fns):
            return
        for i, a in enumerate(call.args):
            if type(a) is ast.Starred:
                return
            if type(a) is ast.Constant and isinstance(a.value, str) and all(
                    self._key_only(fn, _param(fn, i, None)) for fn in fns):
                self.quiet_strings.add(id(a))
        for k in call.keywords:
            if k.arg is not None and type(k.value) is ast.Constant and isinstance(
                    k.value.value, str) and all(
                    self._key_only(fn, _param(fn, None, k.arg)) for fn in fns):
                self.quiet_strings.add(id(k.value))

    def _key_only(self, fn: ast.AST, param: str | None) -> bool:
        """``_key_only`` of the module's containers, once per function and parameter."""
        got = self.key_only.get((id(fn), param))
        if got is None:
            got = self.key_only[id(fn), param] = _key_only(fn, param, self.containers)
        return got

    def _metaclass_call(self, c: ast.ClassDef, line: int) -> None:
        """``C()`` with a metaclass from another module: its ``__call__`` runs."""
        for k in self._mro(c)[0]:
            meta = _keyword(k, "metaclass")
            spelled = dotted(meta) if meta is not None else None
            if spelled is not None and spelled not in self.classes:
                self.out.outside.append((f"{spelled}.__call__", line))

    def _computed(self, how: str) -> None:
        if self.out.stored is None:
            self.out.stored = how

    def _inner(self, outer: ast.AST, fn: ast.AST, how: str | None, line: int) -> None:
        """A function ``fn`` a reached function defines runs when that one calls it, hands
        it on or keeps it (any use of its name but ``return fn``); a returned one runs
        where the caller calls the result (``_release``: ``@factory(...)``, ``f()()``,
        ``h = f(); h()``, handed on), or when something at import calls what it cannot
        name."""
        name = fn.name  # type: ignore[attr-defined]
        used = self.used.get(id(outer))
        if used is None:  # the names ``outer`` loads, but to return or label them
            nodes = list(ast.walk(outer))
            quiet: set[int] = set()
            for n in nodes:
                t = type(n)
                if t is ast.Return and type(n.value) is ast.Name:  # type: ignore[attr-defined]
                    quiet.add(id(n.value))  # type: ignore[attr-defined]
                elif t is ast.Attribute and (type(n.ctx) is not ast.Load  # type: ignore[attr-defined]
                                             or n.attr in _DATA_ATTRS):  # type: ignore[attr-defined]
                    quiet.add(id(n.value))  # type: ignore[attr-defined]  # ``method.__name__ = m``
                elif t is ast.Call and _leaf(n.func) in ("wraps", "update_wrapper"):  # type: ignore[attr-defined]
                    quiet.update(id(a) for a in n.args)  # type: ignore[attr-defined]
            used = self.used[id(outer)] = frozenset(
                n.id for n in nodes if type(n) is ast.Name and type(n.ctx) is ast.Load  # type: ignore[attr-defined]
                and id(n) not in quiet)
        at = how or f"{name} at :{line}"
        if name in used:
            self.reach(fn, at)
        elif id(outer) in self.released:
            self.reach(fn, self.released[id(outer)])
        else:
            self.returned.setdefault(id(outer), []).append((fn, at))

    def _release(self, fns: Sequence[ast.AST], how: str) -> None:
        """The functions ``fns`` return (``_inner``) are called now."""
        for fn in fns:
            if isinstance(fn, _FUNCS) and id(fn) not in self.released:
                self.released[id(fn)] = how
                for inner, _ in self.returned.pop(id(fn), ()):
                    self.reach(inner, how)

    def _results(self, expr: ast.expr) -> list[ast.AST]:
        """The module's functions whose result ``expr`` is: ``f(...)``, a module-level
        ``h = f(...)``."""
        if type(expr) is ast.Call and type(expr.func) is ast.Name:  # type: ignore[attr-defined]
            return list(self.defs.get(expr.func.id, ()))  # type: ignore[attr-defined]
        if type(expr) is ast.Name:
            return [d for made in self.instances.get(expr.id, ()) for d in self.defs.get(  # type: ignore[attr-defined]
                made, ())]
        return []

    def run(self, tree: ast.Module) -> Reached:
        self.scan(tree, None)
        while True:
            while self.todo:
                node, how = self.todo.pop()
                self.scan(node, how)
            if self.out.stored is None or not (self.lambdas or (
                    self.loose & self.returned.keys())):
                break
            # something at import calls what it cannot name: a lambda stored, a function
            # a reached function returned may be it
            lambdas, self.lambdas = self.lambdas, []
            for lam, how in lambdas:
                self.reach(lam, how or self.out.stored)
            for outer in [k for k in self.returned if k in self.loose]:
                for fn, how in self.returned.pop(outer):
                    self.reach(fn, how)
        return self.out


# calls that read the object they are given without keeping it or handing it on (the
# builtins themselves: a module binding one of these names is read otherwise)
_READS_ONLY = frozenset({"id", "len", "hash", "repr", "str", "bool", "format"})
# special methods called by whoever already holds the instance (``with k``, ``iter(k)``,
# ``k += x``): returning ``self`` to them hands it to no one new
_HELD = frozenset({"__new__", "__init__", "__del__", "__init_subclass__", "__set_name__",
                   "__post_init__", "__class_getitem__"})


_PROPERTIES = frozenset({"property", "cached_property", "setter", "getter", "deleter"})


def method_names(methods: Iterable[ast.AST]) -> frozenset[str]:
    """The names of ``methods`` that read on an instance give a bound method: not a
    property's (``@property``, ``@functools.cached_property``, ``@p.setter``) unless
    another method has the same name."""
    return frozenset(name for m in methods if (name := getattr(m, "name", None)) is not None
                     and not any(_leaf(d) in _PROPERTIES for d in m.decorator_list))  # type: ignore[attr-defined]


# what runs on an instance while nothing holds it: its making and its finalization
_HOLDERLESS = ("__new__", "__init__", "__post_init__", "__del__")
# the attribute hooks an attribute of ``self`` read, written or deleted may call
_ATTR_HOOKS = {ast.Load: ("__getattr__", "__getattribute__"), ast.Store: ("__setattr__",),
               ast.Del: ("__delattr__",)}


def _inert(value: ast.expr) -> bool:
    """Whether a value is built of literals only (``1024 * 1024``, ``("a", "b")``,
    ``f"{1}"``): no descriptor, no callable."""
    for n in ast.walk(value):
        if type(n) not in _INERT:
            return False
    return True


_INERT = frozenset({ast.Constant, ast.BinOp, ast.UnaryOp, ast.List, ast.Tuple, ast.Set,
                    ast.Dict, ast.JoinedStr, ast.FormattedValue, ast.Load, ast.Add, ast.Sub,
                    ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.LShift,
                    ast.RShift, ast.BitOr, ast.BitAnd, ast.BitXor, ast.USub, ast.UAdd,
                    ast.Invert, ast.Not})


def _targets(st: ast.stmt) -> list[str]:
    """The names an assignment in a class body binds to anything but literals."""
    value = st.value  # type: ignore[attr-defined]
    if value is None or _inert(value):
        return []
    targets = st.targets if type(st) is ast.Assign else [st.target]  # type: ignore[attr-defined]
    return [n.id for x in targets for n in ast.walk(x) if type(n) is ast.Name]  # type: ignore[attr-defined]


def holderless(methods: Sequence[ast.AST], stored: Container[str] = frozenset(),
               trusted: Callable[[ast.expr, ast.AST], bool] = lambda d, m: False,
               decorated: bool = False) -> list[ast.AST] | None:
    """The methods of a class (``methods``: its own and its own bases') that may run while
    no code holds the instance: ``__new__``, ``__init__``, ``__post_init__``, ``__del__``,
    and, from those, the methods they name on ``self`` (``self.setup()``, a property read)
    with the attribute hooks (``self.x`` read: ``__getattr__``, ``__getattribute__``;
    written: ``__setattr__``...), and every special method where they use ``self``
    otherwise (``str(self)``, ``self + 1``, ``with self``). Any other method runs only when
    called by code that holds the instance already. None where they name on ``self`` what
    the class body binds otherwise than by a ``def`` (``stored``: ``m = make_method()``,
    a descriptor) or a ``def`` with a decorator other than the standard library's own
    wrappers (``trusted``): what runs then is not read. A decorated class (``decorated``:
    ``@dataclass`` writes an ``__init__`` that sets attributes, calls ``__post_init__``...):
    every special method may run while it is made."""
    by_name: dict[str, list[ast.AST]] = {}
    for m in methods:
        by_name.setdefault(m.name, []).append(m)  # type: ignore[attr-defined]
    todo = [m for n in _HOLDERLESS for m in by_name.get(n, ())] if not decorated else [
        f for name, fs in by_name.items() if _special(name) for f in fs]
    out: list[ast.AST] = []
    seen: set[int] = set()
    while todo:
        m = todo.pop()
        if id(m) in seen:
            continue
        seen.add(id(m))
        out.append(m)
        a = m.args  # type: ignore[attr-defined]
        params = [x.arg for x in (*a.posonlyargs, *a.args)]
        if not params:
            continue
        me = params[0]
        attrs: set[int] = set()
        for n in ast.walk(m):
            if type(n) is ast.Attribute and type(n.value) is ast.Name and n.value.id == me:  # type: ignore[attr-defined]
                attrs.add(id(n.value))  # type: ignore[attr-defined]
                named = by_name.get(n.attr, ())  # type: ignore[attr-defined]
                if n.attr in stored or any(not trusted(d, f) for f in named  # type: ignore[attr-defined]
                                           for d in f.decorator_list):  # type: ignore[attr-defined]
                    return None
                todo += named
                todo += [h for name in _ATTR_HOOKS[type(n.ctx)] for h in by_name.get(name, ())]  # type: ignore[attr-defined]
        if any(type(n) is ast.Name and n.id == me and id(n) not in attrs  # type: ignore[attr-defined]
               and type(n.ctx) is ast.Load for n in ast.walk(m)):  # type: ignore[attr-defined]
            todo += [f for name, fs in by_name.items() if _special(name) for f in fs]
    return out


def leaks_self(fn: ast.AST, shadowed: Container[str], called: Callable[[], Container[str]],
               methods: Container[str]) -> bool:
    """Whether method ``fn`` lets the instance escape: ``self`` (its first parameter; in
    ``__new__`` also what ``__new__`` made) stored anywhere (``REG.append(self)``,
    ``global CUR; CUR = self``, ``other.items.append(self)``, ``sys.stdout = self``),
    handed to a call (``addHandler(self)``, ``getattr(self, "_" + n)``: a computed name
    may be any method), returned or yielded (but by a special method that whoever holds
    the instance calls, ``__enter__``, ``__iter__``..., unless the module spells that
    method as an attribute: ``called``), its class handed on (``self.__class__``), in its
    inner functions and lambdas too. Reading its attributes, indexing or calling it,
    operators on it, ``with self``, ``for x in self``, ``self is x``, ``x in self``, and
    ``super(K, self)``, ``getattr(self, "name")``, ``id``/``len``/``hash``/``repr``/``str``/
    ``bool``/``format`` of it (builtins the module does not rebind: ``shadowed``) hand it to
    no one. A bound method (``self.m`` not called at once, ``m`` one of the module's
    ``methods``) carries the instance (``__self__``): handed on as well."""
    if type(fn) is ast.Lambda:
        return True
    a = fn.args  # type: ignore[attr-defined]
    params = [x.arg for x in (*a.posonlyargs, *a.args)]
    name = fn.name  # type: ignore[attr-defined]
    if "staticmethod" in {_leaf(d) for d in fn.decorator_list} and name != "__new__":  # type: ignore[attr-defined]
        return False  # (no instance; the module's names it reads are read as such)
    if not params:
        return bool(a.vararg)  # ``def m(*args)``: the instance is ``args[0]``
    me = {params[0]}
    parent: dict[int, ast.AST] = {}
    nodes: list[ast.AST] = []
    stack: list[ast.AST] = list(fn.body)  # type: ignore[attr-defined]
    while stack:
        node = stack.pop()
        nodes.append(node)
        for child in ast.iter_child_nodes(node):
            parent[id(child)] = node
            stack.append(child)
    if name == "__new__":  # ``inst = super().__new__(cls)``: the instance
        for n in nodes:
            if type(n) is ast.Assign and type(n.value) is ast.Call and (  # type: ignore[attr-defined]
                    _leaf(n.value.func) == "__new__"):  # type: ignore[attr-defined]
                me.update(x.id for t in n.targets for x in ast.walk(t) if type(x) is ast.Name)  # type: ignore[attr-defined]
    returns_ok = name == "__new__" or (_special(name) and name not in _HELD and (
        name not in called()))
    for n in nodes:
        if type(n) is not ast.Name or n.id not in me or type(n.ctx) is not ast.Load:  # type: ignore[attr-defined]
            continue
        p = parent.get(id(n))
        t = type(p)
        if t is ast.Attribute:
            up = parent.get(id(p))
            if type(up) is ast.Call and up.func is p:  # type: ignore[attr-defined]
                continue  # ``self.go()``
            if p.attr == "__class__":  # type: ignore[union-attr]
                if type(up) is ast.Attribute:
                    continue  # ``self.__class__.__name__`` (not the class itself)
            elif p.attr not in methods or type(p.ctx) is not ast.Load:  # type: ignore[union-attr]
                continue  # ``self.x`` (data); ``REG.append(self.go)``: its ``__self__``
        elif t is ast.Subscript and p.value is n:  # type: ignore[union-attr]
            continue
        elif t is ast.Call:
            func = p.func  # type: ignore[union-attr]
            fname = func.id if type(func) is ast.Name else None  # type: ignore[attr-defined]
            args = p.args  # type: ignore[union-attr]
            if func is n:
                continue  # ``self(...)``: its ``__call__``
            if fname is not None and fname not in shadowed and not p.keywords and (  # type: ignore[union-attr]
                    (fname in _READS_ONLY and len(args) == 1)
                    or (fname == "super" and len(args) == 2 and args[1] is n)
                    or (fname in ("getattr", "hasattr") and len(args) in (2, 3)
                        and args[0] is n and type(args[1]) is ast.Constant)):
                continue
        elif t in (ast.UnaryOp, ast.Expr, ast.FormattedValue, ast.Await, ast.withitem,
                   ast.Delete):
            continue
        elif t is ast.Compare:
            ops = p.ops  # type: ignore[union-attr]
            sides = [p.left, *p.comparators]  # type: ignore[union-attr]
            i = next(k for k, x in enumerate(sides) if x is n)
            if all(type(o) in (ast.Is, ast.IsNot) for o in ops) or (
                    i > 0 and type(ops[i - 1]) in (ast.In, ast.NotIn) and (
                        i == len(ops) or type(ops[i]) in (ast.Is, ast.IsNot))):
                continue  # ``self is x``; ``x in self`` (its ``__contains__``)
        elif t is ast.For or t is ast.AsyncFor or t is ast.comprehension:
            if p.iter is n:  # type: ignore[union-attr]
                continue
        elif t is ast.Return or t is ast.Yield:
            if returns_ok:
                continue
        return True
    return False


_LEAVES = (ast.Name, ast.Constant)  # (no node under them)


def _walrus_targets(tree: ast.Module) -> frozenset[str]:
    """The names ``:=`` binds anywhere in ``tree``, kept on the tree (``reached`` reads one
    module more than once): one walk over the fields that may hold nodes (``child_fields``:
    not ``ctx``), not ``ast.walk``'s generic one, which was most of this rule's cost."""
    got = tree.__dict__.get("_permpip_walrus")
    if got is not None:
        return got  # type: ignore[no-any-return]
    out: set[str] = set()
    stack: list[ast.AST] = [tree]
    pop, push, fields = stack.pop, stack.append, _FIELDS
    leaves = _LEAVES
    while stack:
        node = pop()
        t = type(node)
        if t is ast.NamedExpr:
            out.add(node.target.id)  # type: ignore[attr-defined]
        for f in fields.get(t) or child_fields(t):
            v = getattr(node, f, None)
            if type(v) is list:
                for child in v:
                    if isinstance(child, ast.AST) and type(child) not in leaves:
                        push(child)
            elif isinstance(v, ast.AST) and type(v) not in leaves:
                push(v)
    got = tree.__dict__["_permpip_walrus"] = frozenset(out)
    return got


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


# attributes of a function that are data: reading one runs none of its code
_DATA_ATTRS = frozenset({"__name__", "__qualname__", "__module__", "__doc__", "__annotations__",
                         "__defaults__", "__kwdefaults__", "__type_params__"})
# methods of the builtin containers that keep what they are given (and call nothing of it)
_KEEPERS = frozenset({"append", "add", "insert", "appendleft", "setdefault"})
_ADDERS = _KEEPERS | {"extend", "update", "extendleft"}
_CONTAINER_CALLS = frozenset({"list", "dict", "set", "defaultdict", "OrderedDict", "deque",
                              "WeakValueDictionary", "WeakSet"})


def _container(value: ast.expr | None) -> bool:
    """Whether a value is a builtin container (a display, ``dict()``, ``defaultdict(list)``)."""
    t = type(value)
    if t in _CONTAINERS or t is ast.ListComp or t is ast.DictComp or t is ast.SetComp:
        return True
    return t is ast.Call and _leaf(value.func) in _CONTAINER_CALLS  # type: ignore[union-attr]


def container_names(names: Sequence[str], value: ast.expr | None) -> list[str]:
    """``names`` when ``value`` is a builtin container, with ``X[]`` for a
    ``defaultdict(list)`` (its values are lists too); else none."""
    if not _container(value):
        return []
    if type(value) is ast.Call and _leaf(value.func) == "defaultdict" and (  # type: ignore[union-attr]
            value.args and _leaf(value.args[0]) in ("list", "set")):  # type: ignore[union-attr]
        return [*names, *(f"{n}[]" for n in names)]
    return list(names)


def _reads(fn: ast.AST, name: str) -> bool:
    """Whether ``fn`` (with the functions it defines) reads what the container ``name``
    holds: any use but writing an item (``name[k] = v``) or adding (``name.append(v)``,
    ``name.setdefault(k, []).append(v)``)."""
    quiet: set[int] = set()
    for n in ast.walk(fn):
        t = type(n)
        if (t is ast.Subscript or t is ast.Attribute) and type(n.ctx) is not ast.Load and (  # type: ignore[attr-defined]
                type(n.value) is ast.Name):  # type: ignore[attr-defined]
            quiet.add(id(n.value))  # type: ignore[attr-defined]
        elif t is ast.Call and type(n.func) is ast.Attribute and n.func.attr in _ADDERS:  # type: ignore[attr-defined]
            quiet.add(id(_receiver(n.func.value)))  # type: ignore[attr-defined]
    return any(type(n) is ast.Name and n.id == name and id(n) not in quiet  # type: ignore[attr-defined]
               for n in ast.walk(fn))


def _receiver(node: ast.expr) -> ast.expr:
    """The container an adder is called on: ``X`` of ``X[k].append``,
    ``X.setdefault(k, []).append``."""
    while type(node) is ast.Subscript or (
            type(node) is ast.Call and _leaf(node.func) == "setdefault"):  # type: ignore[attr-defined]
        node = node.value if type(node) is ast.Subscript else node.func.value  # type: ignore[attr-defined]
    return node


def _runs_with(fn: ast.AST) -> Iterator[ast.AST]:
    """The nodes of a function that run when it does (the headers of the functions it
    defines, not their bodies)."""
    stack: list[ast.AST] = [*fn.body, fn.args]  # type: ignore[attr-defined]
    while stack:
        node = stack.pop()
        yield node
        t = type(node)
        if t in _FUNCS:
            stack += [*node.decorator_list, node.args]  # type: ignore[attr-defined]
        elif t is ast.Lambda:
            stack.append(node.args)  # type: ignore[attr-defined]
        else:
            stack.extend(ast.iter_child_nodes(node))


def decorator_uses(fn: ast.AST, factory: bool, containers: set[str] | frozenset[str], *,
                   method: bool = False) -> tuple[bool, list[str]]:
    """What a decorator does with the function it is given (``factory``: what the
    factory returns does): (whether it may call it, where it keeps it). Calling it, handing
    it to a call (what takes it may call it), binding it to a variable count as calls;
    labelling it (``f.__doc__ = d``), reading its data (``f.__name__``), returning it,
    ``functools.wraps(f)`` do not, nor keeping it in a builtin container of the module
    (``REG[name] = f``, ``HOOKS.append(f)``): the second element names those containers.
    ``*args`` and lambdas count as calls."""
    if type(fn) is ast.Lambda:
        return True, []
    if type(fn) is ast.ClassDef:  # ``@K``: ``K(f)``; ``@K(...)``: ``K(...).__call__(f)``
        if any(dotted(b) != "object" for b in fn.bases) or fn.keywords:  # type: ignore[attr-defined]
            return True, []  # (a base's or metaclass's methods may get it)
        methods = {st.name: st for st in fn.body if isinstance(st, _FUNCS)}  # type: ignore[attr-defined]
        holders: list[str] = []
        for name in ("__call__",) if factory else ("__new__", "__init__"):
            if name in methods:
                calls, kept = decorator_uses(methods[name], False, containers,
                                             method=True)
                if calls:
                    return True, []
                holders += kept
        return False, holders
    if factory:
        inner = {st.name: st for st in fn.body if isinstance(st, _FUNCS)}  # type: ignore[attr-defined]
        holders = []
        for r in (n for n in _runs_with(fn) if type(n) is ast.Return):
            v = r.value  # type: ignore[attr-defined]
            if not (type(v) is ast.Name and v.id in inner):  # type: ignore[attr-defined]
                return True, []
            calls, kept = decorator_uses(inner[v.id], False, containers)  # type: ignore[attr-defined]
            if calls:
                return True, []
            holders += kept
        return False, holders
    args = fn.args.posonlyargs + fn.args.args  # type: ignore[attr-defined]
    if method and "staticmethod" not in {_leaf(d) for d in fn.decorator_list}:  # type: ignore[attr-defined]
        args = args[1:]  # ``@reg.add``: after ``self``
    if not args:
        return True, []
    param = args[0].arg
    quiet: set[int] = set()
    holders = []
    nodes = list(_runs_with(fn))
    for n in nodes:
        t = type(n)
        if t is ast.Call:
            func = n.func  # type: ignore[attr-defined]
            if _leaf(func) in ("wraps", "update_wrapper"):
                quiet.update(id(a) for a in n.args)  # type: ignore[attr-defined]
            elif type(func) is ast.Attribute and func.attr in _KEEPERS and (
                    kept := _kept_in(func.value, containers)) is not None:  # ``HOOKS.append(f)``
                mine = [a for a in n.args if type(a) is ast.Name and a.id == param]  # type: ignore[attr-defined]
                if mine:
                    quiet.update(id(a) for a in mine)
                    holders.append(kept)
        elif t is ast.Attribute:
            if type(n.ctx) is ast.Store or n.attr in _DATA_ATTRS:  # type: ignore[attr-defined]
                quiet.add(id(n.value))  # type: ignore[attr-defined]  # ``f.__doc__ = d``
        elif t is ast.Return and n.value is not None:  # type: ignore[attr-defined]
            quiet.add(id(n.value))  # type: ignore[attr-defined]
        elif t is ast.Assign and type(n.value) is ast.Name and n.value.id == param and all(  # type: ignore[attr-defined]
                type(x) is ast.Subscript and _kept_in(x.value, containers) is not None  # type: ignore[attr-defined]
                for x in n.targets):  # type: ignore[attr-defined]  # ``REG[k] = f``
            quiet.add(id(n.value))  # type: ignore[attr-defined]
            holders += [_kept_in(x.value, containers) for x in n.targets]  # type: ignore[attr-defined, misc]
    calls = any(type(n) is ast.Name and n.id == param and type(n.ctx) is ast.Load  # type: ignore[attr-defined]
                and id(n) not in quiet for n in nodes)
    return calls, [] if calls else holders


def _kept_in(holder: ast.expr, containers: set[str] | frozenset[str]) -> str | None:
    """The module-level builtin container ``holder`` is (``REG``) or holds a container of
    (``REG.setdefault(k, [])``, ``REG[k]`` of a ``defaultdict``), else None: another
    object's ``__setitem__``, ``__setattr__`` or ``append`` may call what it is given."""
    t = type(holder)
    if t is ast.Name:
        return holder.id if holder.id in containers else None  # type: ignore[attr-defined]
    if t is ast.Call and type(holder.func) is ast.Attribute and (  # type: ignore[attr-defined]
            holder.func.attr == "setdefault") and len(holder.args) == 2 and _container(  # type: ignore[attr-defined]
            holder.args[1]):  # type: ignore[attr-defined]
        return _kept_in(holder.func.value, containers)  # type: ignore[attr-defined]
    if t is ast.Subscript and type(holder.value) is ast.Name and (  # type: ignore[attr-defined]
            f"{holder.value.id}[]" in containers):  # type: ignore[attr-defined]
        return holder.value.id  # type: ignore[attr-defined]
    return None


def _param(fn: ast.AST, index: int | None, keyword: str | None) -> str | None:
    """The parameter of ``fn`` an argument binds (positional ``index`` or ``keyword``)."""
    a = fn.args  # type: ignore[attr-defined]
    positional = [x.arg for x in (*a.posonlyargs, *a.args)]
    if index is not None:
        return positional[index] if index < len(positional) else None
    named = [x.arg for x in (*a.args, *a.kwonlyargs)]
    return keyword if keyword in named else None


def _key_only(fn: ast.AST, param: str | None, containers: set[str]) -> bool:
    """Whether ``fn`` (and the functions it defines) uses ``param`` only as a key of one of
    the module's builtin containers (``REG[param] = f``, ``REG.get(param)``) or in a
    comparison, and never rebinds it."""
    if param is None:
        return False
    used: set[int] = set()
    nodes = list(ast.walk(fn))
    a = fn.args  # type: ignore[attr-defined]
    own = (*a.posonlyargs, *a.args, *a.kwonlyargs)  # (its named ones: ``param`` is)
    for n in nodes:
        t = type(n)
        if t is ast.Subscript and type(n.value) is ast.Name and n.value.id in containers:  # type: ignore[attr-defined]
            used.add(id(n.slice))  # type: ignore[attr-defined]
        elif t is ast.Compare:
            used.update(id(x) for x in (n.left, *n.comparators))  # type: ignore[attr-defined]
        elif t is ast.Call and type(n.func) is ast.Attribute and n.func.attr in (  # type: ignore[attr-defined]
                "get", "pop", "setdefault") and type(n.func.value) is ast.Name and (  # type: ignore[attr-defined]
                n.func.value.id in containers) and n.args:  # type: ignore[attr-defined]
            used.add(id(n.args[0]))  # type: ignore[attr-defined]
        elif t is ast.arg and n.arg == param and not any(n is x for x in own):  # type: ignore[attr-defined]
            return False  # (a function it defines has a parameter of that name)
    return all(id(n) in used for n in nodes
               if type(n) is ast.Name and n.id == param)  # type: ignore[attr-defined]


def _keyword(c: ast.ClassDef, name: str) -> ast.expr | None:
    for kw in c.keywords:
        if kw.arg == name:
            return kw.value
    return None


def _stored_value(value: ast.expr) -> bool:
    """Whether an assigned value only holds references (``mod.f``, ``f``, ``(os.system,)``,
    ``{"run": os.system}``): nothing in it is called when it is stored."""
    t = type(value)
    if t is ast.Name or t is ast.Lambda:
        return True
    if t is ast.Attribute:
        return dotted(value) is not None
    if t is ast.Dict:
        keys, values = value.keys, value.values  # type: ignore[attr-defined]
    elif t in (ast.List, ast.Tuple, ast.Set):
        keys, values = [], value.elts  # type: ignore[attr-defined]
    else:
        return False
    return all(k is None or type(k) is ast.Constant for k in keys) and all(
        type(v) is ast.Constant or _stored_value(v) for v in values) and any(
        type(v) is not ast.Constant for v in values)


def _postponed(tree: ast.Module) -> bool:
    """Whether the module has ``from __future__ import annotations`` (among its leading
    statements, where a future import must stand)."""
    for st in tree.body:
        if type(st) is ast.ImportFrom and st.module == "__future__":
            if any(a.name == "annotations" for a in st.names):
                return True
        elif not (type(st) is ast.Expr and type(st.value) is ast.Constant):  # (a docstring)
            return False
    return False


def _scope_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements of one scope: ``body`` and its blocks, not nested functions or
    classes."""
    stack = list(body)
    while stack:
        st = stack.pop()
        yield st
        if not isinstance(st, (*_FUNCS, ast.ClassDef)):
            for block in _blocks(st):
                stack += block


def _own_paths(code: str, top: str) -> list[str]:
    """The package's own dotted paths code names (``pkg._x.f``, ``from pkg._x import f``)."""
    out: list[str] = []
    for n in ast.walk(ast.parse(code)):
        if type(n) is ast.Attribute and (spelled := dotted(n)) and spelled.startswith(  # type: ignore[arg-type]
                f"{top}."):
            out.append(spelled)
        elif type(n) is ast.ImportFrom and not n.level and (n.module or "").partition(  # type: ignore[attr-defined]
                ".")[0] == top:
            out += [f"{n.module}.{a.name}" for a in n.names if a.name != "*"]  # type: ignore[attr-defined]
    return out


@functools.lru_cache(maxsize=4096)
def _parses(text: str) -> bool:
    """Whether ``text`` is Python code (``"go()"``: ``exec``/``eval`` may run it)."""
    try:
        ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _from_base(st: ast.ImportFrom, module: str | None, package: bool) -> str | None:
    """The absolute name of the module a from-import reads (``module``: the importing
    module's name; None: a relative import where that is not known, or above the top)."""
    if not st.level:
        return st.module
    if module is None:
        return None
    return absolute(module, package, "." * st.level + (st.module or ""))


def _line(node: ast.AST, refs: dict[int, tuple[str, int]]) -> int:
    """Where a binding stands (an import's ``ast.alias``: its statement's line)."""
    got = refs.get(id(node))
    return got[1] if got is not None else getattr(node, "lineno", 0)


def _leaf(node: ast.expr) -> str | None:
    if type(node) is ast.Name:
        return node.id  # type: ignore[attr-defined]
    if type(node) is ast.Attribute:
        return node.attr  # type: ignore[attr-defined]
    return None


def reached(tree: ast.Module, *, main_runs: bool | Callable[[], bool] = False,
            module: str | None = None, package: bool = False,
            typing_patched: bool = False,
            star_bound: frozenset[str] | None = None) -> Reached:
    """What of ``tree`` runs when the module is imported (``main_runs``: its ``__main__``
    block does too, because ``__name__`` may be rebound; ``module``: its import name, when
    known, and ``package``: whether it is a package's ``__init__``; ``typing_patched``:
    whether a module of the distribution, this one included, may set
    ``typing.TYPE_CHECKING`` (this module's own writes are read from its tree either
    way); ``star_bound``: the public names its star imports of own modules may bind,
    None: any)."""
    return _Reach(tree, main_runs=main_runs, module=module, package=package,
                  typing_patched=typing_patched, star_bound=star_bound).run(tree)
