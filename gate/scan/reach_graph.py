"""The package's own module graph, for gate.scan.reach_modules: what each module defines and
binds, and what a qualified name spelled in another module stands for.

``summarize`` reads one module's tree once: its top-level functions and classes with the
line ranges a use runs (``entries``; a class's whole body under its name: a class used
runs every method, gate.scan.reach; each method as ``Class.method``), what its import
statements bind (``from ._x import f as g``, also
``m = importlib.import_module("._x", __name__)``), its ``import *`` sources, its
module-level instances (``client = Client()``), the bases of its classes, the names it
binds, whether it has a module ``__getattr__``, the names its top-level ``from`` imports
look up, and the directories it adds to ``sys.path`` or ``__path__`` by a literal.

``Graph.canon`` follows a qualified name (``pkg.f``, ``pkg._y.g``, ``pkg._x.client.fetch``)
through re-exports, star imports, instances and inherited methods to the definition it
names (``pkg._x.f``, ``pkg._x.Client.fetch``), or to ``mod.__getattr__`` when the name is
missing from a module that has one. Names only: a computed lookup is the walker's
(``dynamic-code``), not resolved here.
"""

from __future__ import annotations

import ast
import dataclasses
import posixpath
from collections.abc import Callable, Iterator

from gate.scan.lexical import absolute
from gate.scan.python_refs import _FUNCS, _blocks
from gate.scan.reach_refs import dotted, module_expr

_PATH_CALLS = frozenset({"insert", "append", "extend"})
_MODULE_HOOKS = frozenset({"__getattr__", "__dir__"})  # (PEP 562: what a module is asked)


@dataclasses.dataclass(slots=True)
class Summary:
    # top-level name -> the line ranges a call of it runs (a class: its constructors);
    # ``Class.method`` -> that method's range
    entries: dict[str, list[tuple[int, int]]]
    binds: dict[str, str]  # local name -> absolute qualified name (imports, import_module)
    stars: tuple[str, ...] = ()  # modules ``from X import *`` reads
    instances: dict[str, str] = dataclasses.field(default_factory=dict)  # x -> ``K`` of x = K()
    classes: dict[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)  # -> bases
    defined: frozenset[str] = frozenset()  # every name the module binds at top level
    hook: bool = False  # a module-level ``__getattr__``
    lookups: tuple[tuple[str, str, int], ...] = ()  # top-level ``from base import name``
    # directories put on ``sys.path`` (False) or ``__path__`` (True), relative to the file
    path_dirs: tuple[tuple[bool, str], ...] = ()
    # a function -> the classes whose instance it returns (``return K()``), as spelled
    returns: dict[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    # ``Class.attr`` -> what a class attribute stores (``class L: run = base.run``)
    class_refs: dict[str, str] = dataclasses.field(default_factory=dict)
    # the names of a literal ``__all__`` bound once (None: none, or not a literal)
    all_names: frozenset[str] | None = None


def summarize(name: str, package: bool, tree: ast.Module, text: str) -> Summary:
    """What ``tree`` (module ``name``; ``text``: its source) defines and binds."""
    entries: dict[str, list[tuple[int, int]]] = {}
    aliases: list[tuple[str, str]] = []
    classes: dict[str, tuple[str, ...]] = {}
    instances: dict[str, str] = {}
    defined: set[str] = set()
    stars: list[str] = []
    lookups: list[tuple[str, str, int]] = []
    hook = False
    lambdas: list[str] = []
    dynamic: dict[str, str] = {}
    refs: list[tuple[str, str]] = []  # ``run_hook = lang_base.basic_run_hook``
    class_refs: list[tuple[str, str]] = []
    returns: dict[str, tuple[str, ...]] = {}
    top = _top(tree.body)
    importers = {a.asname or a.name: a.name for st in top
                 if type(st) is ast.ImportFrom and st.module in ("importlib", "builtins")
                 for a in st.names if a.name in ("import_module", "__import__")}
    for st in top:
        t = type(st)
        if t is ast.Assign or t is ast.AnnAssign:
            value = st.value  # type: ignore[attr-defined]
            targets = st.targets if t is ast.Assign else [st.target]  # type: ignore[attr-defined]
            names = [x.id for x in targets if type(x) is ast.Name]
            if value is None:
                continue
            for n in names:  # ``__getattr__ = os.getenv``: the machinery calls what it holds
                if n in _MODULE_HOOKS and type(value) is not ast.Lambda:
                    entries.setdefault(n, []).append((value.lineno, value.end_lineno or st.lineno))
            if type(value) is ast.Lambda or type(value) is ast.GeneratorExp:
                # ``f = lambda: ...``; ``G = (f() for x in xs)``: run when read
                if type(value) is ast.Lambda:
                    lambdas += names
                for n in names:
                    entries.setdefault(n, []).append((value.lineno, value.end_lineno or st.lineno))
            elif type(value) is ast.Name:  # ``f = _impl``
                aliases += [(n, value.id) for n in names]
                refs += [(n, value.id) for n in names]
            elif type(value) is ast.Attribute and (spelled := dotted(value)) is not None:
                refs += [(n, spelled) for n in names]
            elif type(value) is ast.Call or type(value) is ast.Subscript:
                mod = module_expr(value, name, package, importers)
                made = dotted(value.func) if type(value) is ast.Call else None  # type: ignore[attr-defined]
                for n in names:
                    if mod is not None:  # ``m = importlib.import_module("._x", __name__)``
                        dynamic[n] = mod
                    elif made is not None:  # ``client = Client()``
                        instances.setdefault(n, made)
        elif t in _FUNCS:
            entries.setdefault(st.name, []).append((st.lineno, st.end_lineno or st.lineno))  # type: ignore[attr-defined]
            made = _returned(st)
            if made:
                returns[st.name] = made  # type: ignore[attr-defined]
        elif t is ast.ClassDef:
            assert isinstance(st, ast.ClassDef)
            bases = [dotted(b) for b in st.bases]
            classes[st.name] = tuple(d for d in bases if d is not None)
            if None in bases or st.keywords:
                classes[st.name] += ("?",)  # (a base or metaclass not named: not own)
            # a class used: every method it defines may run (rapid type analysis), and its
            # nested classes' (``O.I()``): its whole range
            entries.setdefault(st.name, []).append((st.lineno, st.end_lineno or st.lineno))
            for item in st.body:
                if isinstance(item, _FUNCS):
                    span = (item.lineno, item.end_lineno or item.lineno)
                    entries.setdefault(f"{st.name}.{item.name}", []).append(span)
                elif type(item) is ast.Assign and type(item.value) in (
                        ast.Name, ast.Attribute) and (spelled := dotted(item.value)) is not None:
                    class_refs += [(f"{st.name}.{x.id}", spelled) for x in item.targets
                                   if type(x) is ast.Name]
        elif t is ast.ImportFrom:
            base = absolute(name, package, "." * st.level + (st.module or ""))  # type: ignore[attr-defined]
            if base is not None:
                for a in st.names:  # type: ignore[attr-defined]
                    if a.name == "*":
                        stars.append(base)
                    else:
                        lookups.append((base, a.name, st.lineno))
        defined.update(_bound(st))
        # a module ``__getattr__`` bound by any form: a ``def``, an import (``from ._x import
        # lazy as __getattr__``), an assignment (``__getattr__ = _x.f``), a loop or ``with``
        # target (not an annotation alone, which binds nothing)
        hook = hook or ("__getattr__" in _bound(st) and not (
            t is ast.AnnAssign and st.value is None))  # type: ignore[attr-defined]
    hook = hook or ("__getattr__" in text and "__getattr__" in _walrus_bound(tree))
    if hook:  # pickle looks a lambda up on its module by ``<lambda>``: the hook answers
        for n in lambdas:
            entries[n] += [r for r in entries.get("__getattr__", ()) if r not in entries[n]]
    for alias, target in aliases:
        entries.setdefault(alias, []).extend(entries.get(target, ()))
    binds = _bindings(name, package, tree)
    binds.update(dynamic)
    for n, spelled in refs:  # (a stored reference names what it holds: read, maybe called)
        if n not in binds and (q := _qualify(name, binds, entries, classes, spelled)):
            binds[n] = q
    stored = {k: q for k, spelled in class_refs
              if (q := _qualify(name, binds, entries, classes, spelled)) is not None}
    binds.update(stored)  # (``L.run`` names what it stores: a re-export under that name)
    return Summary(entries=entries, binds=binds, stars=tuple(stars), instances=instances,
                   classes=classes, defined=frozenset(defined), hook=hook,
                   lookups=tuple(lookups), path_dirs=tuple(_path_dirs(tree)) if (
                       "__file__" in text or "__path__" in text) else (), returns=returns,
                   class_refs=stored, all_names=_all_names(top, text))


def _all_names(top: list[ast.stmt], text: str) -> frozenset[str] | None:
    """The names of ``__all__ = [...]`` when it is a literal of strings bound once and
    spelled nowhere else (``__all__ += ...``, ``__all__.append``: not known)."""
    if text.count("__all__") != 1:
        return None
    for st in top:
        if type(st) is ast.Assign and [getattr(x, "id", None) for x in st.targets] == [  # type: ignore[attr-defined]
                "__all__"] and type(st.value) in (ast.List, ast.Tuple):  # type: ignore[attr-defined]
            names = [e.value if type(e) is ast.Constant else None for e in st.value.elts]  # type: ignore[attr-defined]
            if all(type(n) is str for n in names):
                return frozenset(names)  # type: ignore[arg-type]
    return None


def _qualify(name: str, binds: dict[str, str], entries: dict[str, list[tuple[int, int]]],
             classes: dict[str, tuple[str, ...]], spelled: str) -> str | None:
    """The absolute name ``spelled`` stands for in module ``name`` (an import, or the
    module's own function or class), or None."""
    head, _, rest = spelled.partition(".")
    if head in binds:
        return f"{binds[head]}.{rest}" if rest else binds[head]
    if head in entries or head in classes:
        return f"{name}.{spelled}"
    return None


def _returned(fn: ast.AST) -> tuple[str, ...]:
    """The classes whose instances a function returns, as spelled (``return K(...)``),
    not looking into the functions it defines."""
    out: list[str] = []
    stack: list[ast.AST] = list(fn.body)  # type: ignore[attr-defined]
    while stack:
        node = stack.pop()
        if isinstance(node, (*_FUNCS, ast.ClassDef, ast.Lambda)):
            continue
        if type(node) is ast.Return and type(node.value) is ast.Call and (  # type: ignore[attr-defined]
                spelled := dotted(node.value.func)) is not None and spelled not in out:  # type: ignore[attr-defined]
            out.append(spelled)
        stack.extend(ast.iter_child_nodes(node))
    return tuple(out)


def _bound(st: ast.stmt) -> Iterator[str]:
    t = type(st)
    if t in _FUNCS or t is ast.ClassDef:
        yield st.name  # type: ignore[attr-defined]
    elif t is ast.Import or t is ast.ImportFrom:
        for a in st.names:  # type: ignore[attr-defined]
            yield a.asname or a.name.partition(".")[0]
    elif t in (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor, ast.With,
               ast.AsyncWith):
        targets = (st.targets if t is ast.Assign else [st.target] if t in (  # type: ignore[attr-defined]
            ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor) else [
            i.optional_vars for i in st.items if i.optional_vars is not None])  # type: ignore[attr-defined]
        for target in targets:
            for n in ast.walk(target):
                if type(n) is ast.Name:
                    yield n.id  # type: ignore[attr-defined]
    elif t is ast.Global:
        yield from st.names  # type: ignore[attr-defined]


def _walrus_bound(tree: ast.Module) -> set[str]:
    """The names ``:=`` binds in the module's scope (outside its functions and classes)."""
    out: set[str] = set()
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (*_FUNCS, ast.ClassDef, ast.Lambda)):
            continue
        if type(node) is ast.NamedExpr and type(node.target) is ast.Name:  # type: ignore[attr-defined]
            out.add(node.target.id)  # type: ignore[attr-defined]
        stack.extend(ast.iter_child_nodes(node))
    return out


def _top(body: list[ast.stmt]) -> list[ast.stmt]:
    """Module-level statements, looking into ``if``/``try``/``with`` blocks."""
    out: list[ast.stmt] = []
    for st in body:
        out.append(st)
        if not isinstance(st, (*_FUNCS, ast.ClassDef)):
            for block in _blocks(st):
                out += _top(block)
    return out


def _bindings(name: str, package: bool, tree: ast.Module) -> dict[str, str]:
    """Local name -> absolute qualified name, from module ``name``'s import statements (a
    function's own imports too, where the module's do not bind the name)."""
    out: dict[str, str] = {}
    local: dict[str, str] = {}
    stack: list[tuple[list[ast.stmt], bool]] = [(tree.body, False)]
    while stack:
        body, inner = stack.pop()
        for st in body:
            if isinstance(st, (*_FUNCS, ast.ClassDef)):
                stack.append((st.body, True))
            else:
                stack += [(b, inner) for b in _blocks(st)]
        (local if inner else out).update(_bound_by_import(name, package, body))
    for k, v in local.items():
        out.setdefault(k, v)
    return out


def _bound_by_import(name: str, package: bool, body: list[ast.stmt]) -> dict[str, str]:
    out: dict[str, str] = {}
    for st in body:
        if isinstance(st, ast.Import):
            for a in st.names:
                if package and a.name.startswith(f"{name}."):  # (as ``from .tools import``)
                    sub = a.name[len(name) + 1:].partition(".")[0]
                    out[sub] = f"{name}.{sub}"
                if a.asname:
                    out[a.asname] = a.name
                else:
                    head = a.name.split(".", 1)[0]
                    out[head] = head
        elif isinstance(st, ast.ImportFrom):
            base = absolute(name, package, "." * st.level + (st.module or ""))
            if base is None:
                continue
            if package and base.startswith(f"{name}."):
                # ``from .tools import X``: loading ``pkg.tools`` sets the package's
                # attribute, its global ``tools``, to the submodule (``_find_and_load``),
                # before the statement binds its names (``from .tools import tools``)
                sub = base[len(name) + 1:].partition(".")[0]
                out[sub] = f"{name}.{sub}"
            for a in st.names:
                if a.name == "*":
                    continue
                if package and base == name and a.name in out:
                    # ``from . import x`` in a package whose ``x`` a statement above bound:
                    # CPython's ``_handle_fromlist`` gives the attribute, loading nothing
                    out[a.asname or a.name] = out[a.name]
                    continue
                out[a.asname or a.name] = f"{base}.{a.name}" if base else a.name
    return out


def _path_dirs(tree: ast.Module) -> list[tuple[bool, str]]:
    """Directories put on ``sys.path`` (False) or ``__path__`` (True) relative to the
    file's own: ``sys.path.insert(0, os.path.join(os.path.dirname(__file__), "vendor"))``,
    ``sys.path.append(os.path.dirname(__file__) + "/vendor")``, ``Path(__file__).parent /
    "lib"``, ``site.addsitedir(...)``, ``sys.path += [...]``, ``sys.path[0:0] = [...]``.
    A value that spells ``__file__`` (or ``__path__``) but is not worked out gives ``*``:
    any directory of the package may be meant."""
    added: list[tuple[bool, ast.expr]] = []
    for node in ast.walk(tree):
        t = type(node)
        if t is ast.Call:
            func = node.func  # type: ignore[attr-defined]
            if type(func) is not ast.Attribute:
                continue
            if func.attr in _PATH_CALLS:  # type: ignore[attr-defined]
                holder = dotted(func.value)  # type: ignore[attr-defined]
                if holder not in ("sys.path", "path", "__path__"):
                    continue
                for arg in node.args[-1:] if func.attr == "insert" else node.args:  # type: ignore[attr-defined]
                    added += [(holder == "__path__", e) for e in _elements(
                        arg, func.attr == "extend")]  # type: ignore[attr-defined]
            elif func.attr == "addsitedir" and node.args:  # type: ignore[attr-defined]
                added.append((False, node.args[0]))  # type: ignore[attr-defined]
        elif t is ast.AugAssign or t is ast.Assign:
            targets = [node.target] if t is ast.AugAssign else node.targets  # type: ignore[attr-defined]
            for target in targets:
                if type(target) is ast.Subscript:
                    target = target.value  # type: ignore[attr-defined]
                holder = dotted(target)
                if holder in ("sys.path", "__path__"):
                    added += [(holder == "__path__", e) for e in _elements(node.value, True)]  # type: ignore[attr-defined]
    out: list[tuple[bool, str]] = []
    for in_package, arg in added:
        if not any(type(n) is ast.Name and n.id in ("__file__", "__path__")  # type: ignore[attr-defined]
                   for n in ast.walk(arg)):
            continue
        got = _path_value(arg)
        rel = posixpath.normpath(got[1]) if got is not None and got[0] == "dir" else "*"
        if not rel.startswith("/"):
            out.append((in_package, rel))
    return out


def _elements(node: ast.expr, many: bool) -> list[ast.expr]:
    """The paths ``node`` adds: itself, or (``many``) the items of a list, tuple or sum."""
    if not many:
        return [node]
    t = type(node)
    if t in (ast.List, ast.Tuple, ast.Set):
        return [x for e in node.elts for x in _elements(e, False)]  # type: ignore[attr-defined]
    if t is ast.BinOp and type(node.op) is ast.Add:  # type: ignore[attr-defined]
        return _elements(node.left, True) + _elements(node.right, True)  # type: ignore[attr-defined]
    return [node]


_PASS = frozenset({"abspath", "realpath", "normpath", "str", "fspath", "Path", "PurePath",
                   "resolve", "absolute", "expanduser", "PosixPath"})


def _path_value(node: ast.expr) -> tuple[str, str] | None:
    """A path relative to the module's directory: ("dir", "vendor"); ("file", "") for
    ``__file__``; ("str", text) for a literal; None when not worked out."""
    t = type(node)
    if t is ast.Name:
        return ("file", "") if node.id == "__file__" else None  # type: ignore[attr-defined]
    if t is ast.Constant:
        return ("str", node.value) if isinstance(node.value, str) else None  # type: ignore[attr-defined]
    if t is ast.Subscript and dotted(node.value) == "__path__":  # type: ignore[attr-defined]
        return ("dir", ".")
    if t is ast.Attribute and node.attr == "parent":  # type: ignore[attr-defined]
        return _up(_path_value(node.value))  # type: ignore[attr-defined]
    if t is ast.JoinedStr:
        return _concat([v.value if type(v) is ast.FormattedValue else v  # type: ignore[attr-defined]
                        for v in node.values])  # type: ignore[attr-defined]
    if t is ast.BinOp and type(node.op) is ast.Add:  # type: ignore[attr-defined]
        return _concat([node.left, node.right])  # type: ignore[attr-defined]
    if t is ast.BinOp and type(node.op) is ast.Div:  # ``Path(__file__).parent / "lib"``
        return _join([node.left, node.right])  # type: ignore[attr-defined]
    if t is not ast.Call:
        return None
    func = node.func  # type: ignore[attr-defined]
    leaf = func.id if type(func) is ast.Name else func.attr if type(func) is ast.Attribute else None
    args = node.args  # type: ignore[attr-defined]
    if leaf in _PASS:
        if args:
            return _path_value(args[0]) if len(args) == 1 else None
        return _path_value(func.value) if type(func) is ast.Attribute else None
    if leaf == "dirname" and len(args) == 1:
        return _up(_path_value(args[0]))
    if leaf in ("join", "joinpath"):
        head = [func.value] if leaf == "joinpath" and type(func) is ast.Attribute else []
        return _join([*head, *args])
    return None


def _up(v: tuple[str, str] | None) -> tuple[str, str] | None:
    if v is None or v[0] == "str":
        return None
    return ("dir", ".") if v[0] == "file" else ("dir", v[1] + "/..")


def _join(parts: list[ast.expr]) -> tuple[str, str] | None:
    values = [_path_value(p) for p in parts]
    if not values or values[0] is None or values[0][0] != "dir" or any(
            v is None or v[0] != "str" for v in values[1:]):
        return None
    path = values[0][1]
    for v in values[1:]:
        path = v[1] if v[1].startswith("/") else f"{path}/{v[1]}"  # type: ignore[index]
    return ("dir", path)


def _concat(parts: list[ast.expr]) -> tuple[str, str] | None:
    values = [_path_value(p) for p in parts]
    if any(v is None or v[0] == "file" for v in values):
        return None
    text = "".join(v[1] for v in values)  # type: ignore[index]
    return ("dir", text) if values and values[0][0] == "dir" else ("str", text)  # type: ignore[index]


class Graph:
    """Own modules by import name (and by the names ``sys.path``/``__path__`` additions
    give them), each with a lazily read ``Summary``."""

    def __init__(self, modules: dict[str, object],
                 summary: Callable[[object], Summary | None]) -> None:
        self.modules = modules
        self.summary = summary

    def module_of(self, qual: str) -> tuple[object, str, list[str]] | None:
        """The longest own-module prefix of ``qual``: (module, its name, the rest)."""
        parts = qual.split(".")
        for i in range(len(parts), 0, -1):
            mod = self.modules.get(".".join(parts[:i]))
            if mod is not None:
                return mod, mod.name, parts[i:]  # type: ignore[attr-defined]
        return None

    def local(self, mod: object, spelled: str) -> str | None:
        """What ``spelled`` (``K``, ``base.K``) names in ``mod``'s namespace."""
        s = self.summary(mod)
        if s is None:
            return None
        head, _, rest = spelled.partition(".")
        name = mod.name  # type: ignore[attr-defined]
        if head in s.classes or head in s.entries:
            return f"{name}.{spelled}"
        bound = s.binds.get(head)
        if bound is None:
            return None
        return f"{bound}.{rest}" if rest else bound

    def canon(self, qual: str, depth: int = 0) -> str:
        """The definition ``qual`` names (see the module docstring)."""
        found = self.module_of(qual)
        if found is None:
            return qual
        mod, name, rest = found
        s = self.summary(mod) if rest else None
        if s is None or depth > 12:
            return ".".join([name, *rest])
        head = rest[0]
        if len(rest) >= 2 and (stored := s.class_refs.get(f"{head}.{rest[1]}")) is not None:
            return self.canon(".".join([stored, *rest[2:]]), depth + 1)  # ``L.run = base.run``
        if head in s.classes:
            if len(rest) >= 2 and f"{head}.{rest[1]}" not in s.entries:  # inherited
                for base in s.classes[head]:
                    where = self.local(mod, base)
                    if where is not None:
                        got = self.canon(f"{where}.{rest[1]}", depth + 1)
                        if got != f"{where}.{rest[1]}" or self._defines(got):
                            return got
            return ".".join([name, *rest])
        if head in s.entries:
            for spelled in s.returns.get(head, ()) if len(rest) >= 2 else ():  # ``make().go``
                where = self.local(mod, spelled)
                if where is not None:
                    got = self.canon(".".join([where, *rest[1:]]), depth + 1)
                    if self._defines(got):
                        return got
            return ".".join([name, *rest])
        made = s.instances.get(head)
        if made is not None and len(rest) >= 2:
            where = self.local(mod, made)
            if where is not None:
                return self.canon(".".join([where, *rest[1:]]), depth + 1)
        bound = s.binds.get(head)
        if bound is not None:
            return self.canon(".".join([bound, *rest[1:]]), depth + 1)
        if head not in s.defined:
            for star in s.stars:
                got = self.canon(".".join([star, *rest]), depth + 1)
                if self._defines(got):
                    return got
            if s.hook:  # (what the hook names, where an import or assignment binds it)
                return self.canon(f"{name}.__getattr__", depth + 1)
        return ".".join([name, *rest])

    def _defines(self, qual: str) -> bool:
        found = self.module_of(qual)
        if found is None or not found[2]:
            return False
        s = self.summary(found[0])
        return s is not None and (found[2][0] in s.defined or ".".join(found[2]) in s.entries)
