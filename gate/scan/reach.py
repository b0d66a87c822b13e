"""Which code of a module runs when it is imported: phases follow execution, not indentation.

The walker (gate.scan.python) labels a finding ``import`` when it stands in module-level code
and ``runtime`` when it stands in a function body or in a reference only stored for later.
Code in a function runs at import too when module-level code can reach it. ``reached(tree)``
answers, for one module, which function bodies (and lambdas) run at import and how:

- roots: module-level statements and class bodies, decorators, default arguments, base
  classes and class keywords, but not an ``if __name__ == "__main__":`` block;
- a function called from reached code (``_sync()``), a class instantiated (its ``__init__``,
  ``__new__``, ``__post_init__``), a method called by its name on anything
  (``obj.start()`` reaches every method of the module named ``start``);
- a callable handed on from reached code, to anything (``Thread(target=_warm_up)``,
  ``atexit.register(f)``, ``signal.signal(s, f)``, ``sys.excepthook = f``, ``map(f, xs)``):
  what receives it may run it at once, so it counts as run;
- a decorator that is a function of the module or a lambda (it runs at import; a decorator
  that calls the function it is given runs that too), or one that registers
  (``@atexit.register``);
- the class machinery: ``__init_subclass__``, ``__set_name__``, ``__class_getitem__``,
  ``__mro_entries__`` of a class reached code names, and the methods of a metaclass;
- a lambda called at once, used as a decorator or metaclass, or handed to a call;
- a call of something the walker cannot name from reached code (``T["a"](x)``,
  ``FNS[0](x)``, ``getattr(*a)(x)``): any reference the module stored for later may be what
  it calls, so those ``runtime`` findings at module level count as run too.

All of it within one module. Sound rather than precise: a function named like a method of
the module, or handed to a callback registry that only stores it, counts as run at import.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field

_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)
_INIT = ("__init__", "__new__", "__post_init__")
_CLASS_MACHINERY = ("__init_subclass__", "__set_name__", "__class_getitem__", "__mro_entries__")
_META = ("__new__", "__init__", "__call__", "__prepare__")
# decorators that only wrap or mark what they are given (the standard library's)
_WRAPPERS = frozenset({
    "property", "staticmethod", "classmethod", "cached_property", "wraps", "lru_cache", "cache",
    "total_ordering", "singledispatch", "singledispatchmethod", "dataclass", "contextmanager",
    "asynccontextmanager", "abstractmethod", "overload", "final", "override", "setter",
    "getter", "deleter", "runtime_checkable", "unique", "no_type_check", "deprecated",
    "dataclass_transform", "partialmethod", "register"})
# decorators that register the function with something that runs it
_RUNNERS = frozenset({"atexit.register"})


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


def _is_main(test: ast.expr) -> bool:
    """``__name__ == "__main__"`` (either way round)."""
    if type(test) is not ast.Compare or len(test.ops) != 1 or type(test.ops[0]) is not ast.Eq:
        return False
    sides = [test.left, *test.comparators]
    return any(type(x) is ast.Name and x.id == "__name__" for x in sides) and any(
        type(x) is ast.Constant and x.value == "__main__" for x in sides)


def _dotted(node: ast.expr) -> str | None:
    parts: list[str] = []
    while type(node) is ast.Attribute:
        parts.append(node.attr)  # type: ignore[attr-defined]
        node = node.value  # type: ignore[attr-defined]
    if type(node) is not ast.Name:
        return None
    parts.append(node.id)  # type: ignore[attr-defined]
    return ".".join(reversed(parts))


class _Reach:
    def __init__(self, tree: ast.Module, *, main_runs: bool) -> None:
        self.main_runs = main_runs
        self.defs: dict[str, list[ast.AST]] = {}  # module-level defs (and lambdas bound)
        self.classes: dict[str, list[ast.ClassDef]] = {}
        self.methods: dict[str, list[ast.AST]] = {}  # method name -> every such method
        self.done: set[int] = set()
        self.out = Reached()
        self.todo: list[tuple[ast.AST, str]] = []
        self.values: list[tuple[str, int, str | None]] = []  # names read as values
        self.lambdas: list[tuple[ast.Lambda, str | None]] = []  # lambdas stored
        self._index(tree.body)

    # ------------------------------------------------------------------ what the module defines
    def _index(self, body: list[ast.stmt]) -> None:
        for st in body:
            t = type(st)
            if t in _FUNCS:
                self.defs.setdefault(st.name, []).append(st)  # type: ignore[attr-defined]
            elif t is ast.ClassDef:
                assert isinstance(st, ast.ClassDef)
                self.classes.setdefault(st.name, []).append(st)
                for item in st.body:
                    if type(item) in _FUNCS:
                        self.methods.setdefault(item.name, []).append(item)  # type: ignore[attr-defined]
                    elif type(item) is ast.ClassDef:
                        self._index([item])
            elif t is ast.Assign and type(st.value) is ast.Lambda:  # type: ignore[attr-defined]
                for target in st.targets:  # type: ignore[attr-defined]
                    if type(target) is ast.Name:
                        self.defs.setdefault(target.id, []).append(st.value)  # type: ignore[attr-defined]
            elif t in (ast.If, ast.Try, ast.With, ast.For, ast.While, ast.TryStar):
                for name in ("body", "orelse", "finalbody"):
                    self._index(getattr(st, name, []))
                for h in getattr(st, "handlers", []):
                    self._index(h.body)

    # ------------------------------------------------------------------ reaching
    def reach(self, node: ast.AST, how: str) -> None:
        if id(node) in self.done:
            return
        self.done.add(id(node))
        if isinstance(node, _FUNCS) or type(node) is ast.Lambda:
            body = node.body if type(node) is ast.Lambda else node.body  # type: ignore[attr-defined]
            first = body.lineno if type(node) is ast.Lambda else node.body[0].lineno  # type: ignore[attr-defined]
            last = node.end_lineno or first  # type: ignore[attr-defined]
            self.out.bodies.append((first, last, how))
            self.todo.append((node, how))

    def _name(self, name: str, how: str, *, called: bool, line: int = 0) -> None:
        found = False
        for d in self.defs.get(name, ()):
            found = True
            self.reach(d, how)
        for c in self.classes.get(name, ()):
            found = True
            self._class(c, how, instantiated=called)
        if not found and line:
            self.out.outside.append((name, line))

    def _class(self, c: ast.ClassDef, how: str, *, instantiated: bool) -> None:
        if id(c) in self.done:
            return
        self.done.add(id(c))
        for item in c.body:
            if type(item) in _FUNCS and (item.name in _CLASS_MACHINERY  # type: ignore[attr-defined]
                                         or (instantiated and item.name in _INIT)):  # type: ignore[attr-defined]
                self.reach(item, how)
        for base in c.bases:  # what a subclass's creation runs in its bases
            name = _dotted(base)
            if name is not None:
                for b in self.classes.get(name, ()):
                    for item in b.body:
                        if type(item) in _FUNCS and item.name in _CLASS_MACHINERY:  # type: ignore[attr-defined]
                            self.reach(item, how)
        for kw in c.keywords:
            if kw.arg == "metaclass":
                name = _dotted(kw.value)
                for m in self.classes.get(name or "", ()):
                    for item in m.body:
                        if type(item) in _FUNCS and item.name in _META:  # type: ignore[attr-defined]
                            self.reach(item, how)

    def _calls_param(self, fn: ast.AST) -> bool:
        """Whether a decorator function calls the function it is given, or hands it to a
        call (``atexit.register(f)``, ``REGISTRY.append(f)``): in its own body, not in
        the wrapper it defines (that runs later)."""
        args = fn.args.posonlyargs + fn.args.args  # type: ignore[attr-defined]
        if not args:
            return bool(fn.args.vararg)  # type: ignore[attr-defined]  # (``*a``: not followed)
        param = args[0].arg
        if type(fn) is ast.Lambda:  # ``lambda f: f()``, ``lambda f: run(f)``
            return any(type(n) is ast.Name and n.id == param  # type: ignore[attr-defined]
                       for n in ast.walk(fn.body))  # type: ignore[attr-defined]
        for n in self._walk(fn, into_bodies=False):
            if type(n) is not ast.Call:
                continue
            if type(n.func) is ast.Name and n.func.id == param:  # type: ignore[attr-defined]
                return True
            callee = _dotted(n.func) or ""  # type: ignore[attr-defined]
            if callee.rpartition(".")[2] in _WRAPPERS:
                continue
            if any(type(a) is ast.Name and a.id == param  # type: ignore[attr-defined]
                   for a in (*n.args, *(k.value for k in n.keywords))):  # type: ignore[attr-defined]
                return True
        return False

    def _factory_calls(self, fn: ast.AST) -> bool:
        """Whether what a decorator factory returns calls the function it is given: every
        value it returns must be a function it defines (or a lambda) that does not; any
        other return value is not followed, so it may."""
        if type(fn) is ast.Lambda:
            return True
        inner = {st.name: st for st in fn.body if isinstance(st, _FUNCS)}  # type: ignore[attr-defined]
        returns = [n for n in self._walk(fn, into_bodies=False) if type(n) is ast.Return]
        if not returns:
            return False  # it returns None: ``@f(x)`` is then an error
        for r in returns:
            v = r.value  # type: ignore[attr-defined]
            if type(v) is ast.Name and v.id in inner:  # type: ignore[attr-defined]
                if self._calls_param(inner[v.id]):  # type: ignore[attr-defined]
                    return True
            elif type(v) is ast.Lambda:
                if self._calls_param(v):
                    return True
            else:
                return True
        return False

    def _decorated(self, st: ast.AST, how: str | None) -> None:
        for d in st.decorator_list:  # type: ignore[attr-defined]
            at = how or f"decorator at :{d.lineno}"
            if type(d) is ast.Lambda:
                self.reach(d, at)
                if isinstance(st, _FUNCS):
                    self.reach(st, at)  # (whether the lambda calls it or not)
                continue
            name = _dotted(d.func if type(d) is ast.Call else d)  # type: ignore[attr-defined]
            if name is None:
                continue
            mine = self.defs.get(name, ())
            factory = type(d) is ast.Call
            if type(d) is ast.Name:  # ``@deco``: ``deco(f)`` runs now
                self._name(name, how or f"@{name} at :{d.lineno}", called=True, line=d.lineno)
            elif type(d) is ast.Attribute:
                self.out.outside.append((name, d.lineno))
            runs = name in _RUNNERS or any(
                self._factory_calls(fn) if factory else self._calls_param(fn) for fn in mine)
            if runs and isinstance(st, _FUNCS):
                self.reach(st, how or f"@{name} at :{d.lineno}")

    # ------------------------------------------------------------------ walking reached code
    def _walk(self, root: ast.AST, *, into_bodies: bool) -> Iterator[ast.AST]:
        """The nodes of ``root`` that run when it does: not nested function bodies (their
        decorators, defaults and annotations do run), not ``__main__`` blocks."""
        stack = [root] if not isinstance(root, _FUNCS) else list(root.body)
        if type(root) is ast.Lambda:
            stack = [root.body]  # type: ignore[attr-defined]
        while stack:
            node = stack.pop()
            yield node
            t = type(node)
            if t in _FUNCS:
                stack += node.decorator_list  # type: ignore[attr-defined]
                stack += [d for d in (*node.args.defaults, *node.args.kw_defaults) if d]  # type: ignore[attr-defined]
                if into_bodies:
                    stack += node.body  # type: ignore[attr-defined]
                continue
            if t is ast.Lambda:
                stack += [d for d in (*node.args.defaults, *node.args.kw_defaults) if d]  # type: ignore[attr-defined]
                continue
            if t is ast.If and _is_main(node.test) and not self.main_runs:  # type: ignore[attr-defined]
                stack += node.orelse  # type: ignore[attr-defined]
                continue
            stack.extend(ast.iter_child_nodes(node))

    def scan(self, root: ast.AST, how: str | None) -> None:
        for node in self._walk(root, into_bodies=False):
            t = type(node)
            if t is ast.Call:
                self._call(node, how)  # type: ignore[arg-type]
            elif t in _FUNCS:
                self._decorated(node, how)
            elif t is ast.ClassDef:
                self._decorated(node, how)
                for kw in node.keywords:  # type: ignore[attr-defined]
                    if type(kw.value) is ast.Lambda and kw.arg == "metaclass":
                        self.reach(kw.value, how or f"metaclass at :{kw.value.lineno}")
                for base in node.bases:  # type: ignore[attr-defined]
                    name = _dotted(base)
                    if name is not None:
                        for b in self.classes.get(name, ()):
                            self._class(b, how or f"class {node.name} at :{node.lineno}",  # type: ignore[attr-defined]
                                        instantiated=False)
            elif t is ast.Assign or t is ast.AnnAssign or t is ast.AugAssign:
                targets = node.targets if t is ast.Assign else [node.target]  # type: ignore[attr-defined]
                if node.value is not None and any(  # type: ignore[attr-defined]
                        type(x) is not ast.Name for x in targets):
                    # ``sys.excepthook = f``, ``REGISTRY["x"] = f``: handed to something
                    self._handed(node.value, how, node.lineno)  # type: ignore[attr-defined]
            elif t is ast.Return and node.value is not None:  # type: ignore[attr-defined]
                self._handed(node.value, how, node.lineno)  # type: ignore[attr-defined]
            elif t is ast.Name and type(node.ctx) is ast.Load:  # type: ignore[attr-defined]
                # named as a value: stored, maybe called later (see ``stored``); a class
                # named anywhere runs its class machinery
                self.values.append((node.id, node.lineno, how))  # type: ignore[attr-defined]
                for c in self.classes.get(node.id, ()):  # type: ignore[attr-defined]
                    self._class(c, how or f"{node.id} at :{node.lineno}",  # type: ignore[attr-defined]
                                instantiated=False)
            elif t is ast.Lambda:
                self.lambdas.append((node, how))

    def _handed(self, value: ast.expr, how: str | None, line: int) -> None:
        """Callables in ``value`` given to code that may run them."""
        stack = [value]
        while stack:
            v = stack.pop()
            t = type(v)
            if t is ast.Name:
                self._name(v.id, how or f"{v.id} handed on at :{line}", called=False,  # type: ignore[attr-defined]
                           line=line)
            elif t is ast.Lambda:
                self.reach(v, how or f"lambda handed on at :{line}")
            elif t is ast.Attribute:
                dotted = _dotted(v)  # type: ignore[arg-type]
                if dotted is not None:
                    self.out.outside.append((dotted, line))
                for m in self.methods.get(v.attr, ()):  # ``Thread(target=self.run)``
                    self.reach(m, how or f".{v.attr} handed on at :{line}")  # type: ignore[attr-defined]
            elif t in (ast.Tuple, ast.List, ast.Set):
                stack += v.elts  # type: ignore[attr-defined]
            elif t is ast.Dict:
                stack += [x for x in (*v.keys, *v.values) if x is not None]  # type: ignore[attr-defined]
            elif t is ast.Starred:
                stack.append(v.value)  # type: ignore[attr-defined]
            elif t is ast.Call:  # ``partial(f, x)``, ``wrap(f)``: still f
                stack += v.args  # type: ignore[attr-defined]
                stack += [k.value for k in v.keywords]  # type: ignore[attr-defined]

    def _call(self, call: ast.Call, how: str | None) -> None:
        func = call.func
        t = type(func)
        line = call.lineno
        if t is ast.Name:
            self._name(func.id, how or f"{func.id}() at :{line}", called=True,  # type: ignore[attr-defined]
                       line=line)
        elif t is ast.Lambda:
            self.reach(func, how or f"lambda called at :{line}")
        elif t is ast.Attribute:
            dotted = _dotted(func)
            if dotted is not None:
                self.out.outside.append((dotted, line))
            for m in self.methods.get(func.attr, ()):  # type: ignore[attr-defined]
                self.reach(m, how or f".{func.attr}() at :{line}")  # type: ignore[attr-defined]
            owner = func.value  # type: ignore[attr-defined]
            if type(owner) in (ast.Subscript, ast.Call) or (
                    type(owner) is ast.Name and owner.id in self.classes  # type: ignore[attr-defined]
                    and func.attr not in self.methods):  # type: ignore[attr-defined]
                # ``T["a"].run(x)``, ``C.f(x)`` with ``f = os.system`` in C's body
                shown = _dotted(func)
                self._computed(how or (f"{shown}() at :{line}" if shown
                                       else f"a computed callee at :{line}"))
        else:  # ``T["a"](x)``, ``f()()``: what it calls may be any stored reference
            self._computed(how or f"a computed callee at :{line}")
        if any(type(a) is ast.Starred for a in call.args) or any(
                k.arg is None for k in call.keywords):
            self._computed(how or f"a call with unpacked arguments at :{line}")
        for a in (*call.args, *(k.value for k in call.keywords)):
            self._handed(a, how, line)

    def _computed(self, how: str) -> None:
        if self.out.stored is None:
            self.out.stored = how

    def run(self, tree: ast.Module) -> Reached:
        self.scan(tree, None)
        while True:
            while self.todo:
                node, how = self.todo.pop()
                self.scan(node, how)
            if self.out.stored is None or not (self.values or self.lambdas):
                break
            # something at import calls what it cannot name: any callable the reached
            # code named as a value (``T = {"a": beacon}``) may be it
            values, self.values = self.values, []
            lambdas, self.lambdas = self.lambdas, []
            for name, line, how in values:
                self._name(name, how or self.out.stored, called=True)
            for lam, how in lambdas:
                self.reach(lam, how or self.out.stored)
        return self.out


def reached(tree: ast.Module, *, main_runs: bool = False) -> Reached:
    """What of ``tree`` runs when the module is imported (``main_runs``: its ``__main__``
    block does too, because ``__name__`` may be rebound)."""
    return _Reach(tree, main_runs=main_runs).run(tree)
