"""Name resolution and references of gate.scan.python's scanner (see its docstring and
gate.scan.reflect): what a name, an attribute chain or a subscript stands for, whether a
value may be a module handed on, and what a reference to a catalogued name reports."""

from __future__ import annotations

import ast
import bisect
import builtins
import functools
import importlib
import re
import sys
from collections.abc import Callable, Sequence

from gate.catalog import (
    BUILTIN_NAMES,
    CODE_TRICKS,
    FORMS,
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
from gate.model import Capability, Finding, Label, Phase
from gate.scan import reflect
from gate.scan.exports import Exported
from gate.scan.native import SYMBOLS
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
# what opens an archive -> the name its instance goes by (``tarfile.TarFile()``): the
# catalog's entries under it are the methods that write (``.extract``, ``.add``), whatever
# the mode the archive was opened in (its other methods are the opener's business)
_ARCHIVES = {"zipfile.ZipFile": "zipfile.ZipFile()", "zipfile.PyZipFile": "zipfile.ZipFile()",
             **{f"tarfile.{f}": "tarfile.TarFile()" for f in (
                 "open", "TarFile", "TarFile.open", "TarFile.taropen", "TarFile.gzopen",
                 "TarFile.bz2open", "TarFile.xzopen")}}
_ARCHIVE_INSTANCES = frozenset(_ARCHIVES.values())
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
# what reads a package's ``__path__`` without changing it (``_package_path``)
_PATH_READERS = frozenset({"index", "count", "copy", "__len__", "__iter__", "__contains__",
                           "__getitem__", "__repr__"})
_PATH_CALL_READERS = frozenset({
    "list", "tuple", "set", "frozenset", "sorted", "len", "iter", "enumerate", "str", "repr",
    "print", "any", "all", "reversed", "next", "min", "max", "isinstance", "type", "id",
    "pkgutil.iter_modules", "pkgutil.walk_packages", "os.fspath", "os.path.join",
    "os.path.dirname", "os.path.abspath", "os.path.realpath", "os.path.exists",
    "os.path.isdir", "os.listdir", "os.scandir", "pathlib.Path", "pathlib.PurePath"})
# Builtins that only look at their first argument (or give a string, a number or its
# type) and give no part of it back: handed to one, a value is not looked into. One set
# for every reader (it was two: this one lacked ``issubclass``, ``int`` and ``float``, so a
# closure's cell given to them counted as used; both had ``isinstance``). ``isinstance`` and
# ``issubclass`` look only when their second argument is a plain class (``only_looks``):
# they call its metaclass's ``__instancecheck__``/``__subclasscheck__`` with the first.
LOOKERS = frozenset({"isinstance", "issubclass", "callable", "hasattr", "id", "repr", "str",
                     "len", "bool", "print", "hash", "type", "int", "float"})
CLASS_CHECKS = frozenset({"isinstance", "issubclass"})
# builtin names bound to classes whose metaclass is ``type`` (``isinstance(m, str)`` calls
# nothing of the package's)
_BUILTIN_TYPES = frozenset(n for n, v in vars(builtins).items() if isinstance(v, type))
# ``sys.modules.values()``: every module, by no name
# callables that take any attribute of what they are given, handed on as values
_REFLECTORS = frozenset({"getattr", "vars", "globals", "locals", "__import__",
                         "operator.attrgetter", "operator.methodcaller",
                         "inspect.getattr_static", "importlib.import_module"})
# ``sys.modules.get``/``pop`` (one module by its name, resolved) and what only reads names or
# stores: anything else hands modules out (``values``, ``items``, ``setdefault``, ``copy``)
_MODULE_KEEPERS = frozenset({"get", "pop", "keys", "__contains__", "__len__", "update",
                             "clear", "__setitem__", "__delitem__"})
_NAMESPACES = frozenset({"globals", "locals", "vars"})
# what any way of rebinding a name unseen spells (``surely_builtin``)
_REBINDING_WORDS = ("globals", "vars", "locals", "__dict__", "setattr", "delattr", "builtin",
                    "global")
_REBINDING = re.compile("|".join(_REBINDING_WORDS))
# what only reads a namespace it is called on
_NAMESPACE_METHODS = frozenset({"get", "keys", "values", "items", "copy", "__getitem__",
                                "__contains__"})
_SAFE_YAML = frozenset({"yaml.SafeLoader", "yaml.CSafeLoader", "yaml.BaseLoader",
                        "yaml.CBaseLoader", "yaml.loader.SafeLoader",
                        "yaml.cyaml.CSafeLoader"})
_WRITE_FLAGS = frozenset({"O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_APPEND", "O_EXCL",
                          "O_TMPFILE"})
_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)
_COMPUTED = "<computed>"
# attributes whose store changes how an object is shown, nothing it can do:
# ``setattr(globals()[name], "__module__", "httpx")`` reaches any global, harmlessly
_LABELS = frozenset({"__module__", "__qualname__", "__doc__"})


def _literal_str(node: ast.expr | None) -> str | None:
    """A string the source spells: a constant, ``"sys" + "tem"``, ``f"system"``."""
    t = type(node)
    if t is ast.Constant:
        value = node.value  # type: ignore[union-attr]
        return value if isinstance(value, str) else None
    if t is ast.BinOp and type(node.op) is ast.Add:  # type: ignore[union-attr]
        rights: list[ast.expr] = []  # ``a + b + c`` nests on the left: walked, not recursed
        while type(node) is ast.BinOp and type(node.op) is ast.Add:  # type: ignore[union-attr]
            rights.append(node.right)  # type: ignore[union-attr]
            node = node.left  # type: ignore[union-attr]
        parts = [_literal_str(node)]
        for right in reversed(rights):
            if parts[-1] is None:
                return None
            parts.append(_literal_str(right))
        return None if parts[-1] is None else "".join(parts)  # type: ignore[arg-type]
    if t is ast.JoinedStr:
        parts = [_literal_str(v) for v in node.values]  # type: ignore[union-attr]
        return "".join(parts) if all(p is not None for p in parts) else None  # type: ignore[arg-type]
    if t is ast.FormattedValue and node.conversion in (-1, 115) and (  # type: ignore[union-attr]
            node.format_spec is None):  # type: ignore[union-attr]
        return _literal_str(node.value)  # type: ignore[union-attr]  # ``f"{'sys'}tem"``
    return None


def _built(node: ast.expr | None) -> bool:
    """A string made of pieces (``"_be" + "acon"``, ``f"{'run'}"``): ``_literal_str`` reads
    it whole, the rule for code reached by name (gate.scan.reach) only its pieces' words;
    so a lookup of it in a namespace that may be this module's counts as computed."""
    return type(node) is ast.BinOp or (type(node) is ast.JoinedStr and any(
        type(v) is ast.FormattedValue for v in node.values))  # type: ignore[union-attr]


def _std_package(qual: str) -> bool:
    """Whether ``qual`` is a standard-library package (not a value the scanner cannot name,
    ``<module>``): its ``__path__`` changed is ``dynamic-code`` (``_package_path``)."""
    return reflect.is_package(qual) and not qual.startswith("<")


def _path_changed(package: str) -> str:
    """The evidence of ``package``'s ``__path__`` changed."""
    return f"{package}.__path__ changed (its modules may then be imported from any directory)"


def _is_main(test: ast.expr) -> bool:
    """``__name__ == "__main__"`` (either way round): the one reader of that test, for the
    walker (gate.scan.python) and for what runs at import (gate.scan.reach)."""
    if type(test) is not ast.Compare or len(test.ops) != 1 or type(test.ops[0]) is not ast.Eq:
        return False
    sides = [test.left, *test.comparators]
    return any(type(x) is ast.Name and x.id == "__name__" for x in sides) and any(
        _literal_str(x) == "__main__" for x in sides)


@functools.lru_cache(maxsize=256)
def _star_names(module: str) -> frozenset[str] | None:
    """What ``from module import *`` binds, for a module built into the interpreter
    (``errno``, ``posix``: C code, loading it runs nothing else); None (anything) otherwise,
    so the answer never depends on what this process has loaded."""
    if module not in sys.builtin_module_names:
        return None
    mod = importlib.import_module(module)
    names = getattr(mod, "__all__", None)
    if names is None:
        return frozenset(n for n in vars(mod) if not n.startswith("_"))
    return frozenset(names)


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


def _held_sys(qual: str) -> str:
    """``shutil.sys.modules`` -> ``sys.modules`` (``sys`` held by a standard module)."""
    real = canonical(qual)
    return real if real.startswith("sys.modules") else qual


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
    if qual.startswith("<") or namespace_of(qual) is not None or qual in _IMPORTER_MODULES \
            or qual in _ARCHIVE_INSTANCES:
        return True  # a module, namespace or library only reflection names; an importer
    qual = canonical(qual)
    return (match(qual) is not None or under_wildcard(qual) or qual in PATH_CLASSES
            or qual in _PATH_MODULES or qual in _SPECIAL_CALLS or qual in FORMS
            or qual == "builtins")


# ``import pathlib``: ``p = pathlib.Path(x)`` binds a path whose uses (``p.exists()``) spell
# neither ``pathlib`` nor ``Path``, so the lines naming the module are walked for the binding.
_PATH_MODULES = frozenset(c.rpartition(".")[0] for c in PATH_CLASSES)
# Not catalogued, but their calls are inspected (``_special``, ``_applied_getter``): a name
# bound to one (``g = getattr``, ``ag = operator.attrgetter``) is followed to its calls.
_SPECIAL_CALLS = frozenset({"getattr", "inspect.getattr_static", "globals", "locals", "vars",
                            "inspect.getmembers", "operator.attrgetter", "operator.methodcaller",
                            "sys.modules"})  # (subscripted, not called: ``mods['os']``)


# what reads $SSLKEYLOGFILE as the user set it (``_keylog_from_env``)
_KEYLOG_READERS = frozenset({"os.environ.get", "os.getenv", "os.path.expandvars",
                             "os.path.expanduser", "os.fsdecode", "str"})
_CLASS_REACH_WORDS = frozenset({"__base__", "__bases__", "__mro__", "__class__", "type"})
# what returns a module's spec, whose ``.loader`` is that module's loader
_SPEC_FINDERS = frozenset({"importlib.util.find_spec", "importlib.machinery.PathFinder.find_spec",
                           "importlib.machinery.FileFinder.find_spec",
                           "importlib._bootstrap._find_spec"})


def _changer(qual: str, name: str) -> str | None:
    """The method of the list ``name`` that ``qual`` names, when it may change the list
    (anything but a read: ``count``, ``index``, ``copy``, ``__len__``...)."""
    if not qual.startswith(name + "."):
        return None
    method = qual[len(name) + 1:].split(".", 1)[0]
    return None if method in _PATH_READERS or method in _HOOK_READERS else method


# what only reads a hook (a dict's lookups: ``sys.path_importer_cache.get(p)``; how a hook
# function is shown) or takes from it (a finder or suffix removed adds no code)
_HOOK_READERS = frozenset({"get", "keys", "values", "items", "__name__", "__qualname__",
                           "__module__", "__doc__", "remove", "pop", "clear", "__delitem__"})


def _namespace_like(node: ast.expr) -> bool:
    """``globals()``, ``vars()``, ``x.__dict__``, ``f.__globals__``, a frame's globals."""
    t = type(node)
    if t is ast.Call:
        f = node.func  # type: ignore[attr-defined]
        return type(f) is ast.Name and f.id in _NAMESPACES
    return t is ast.Attribute and node.attr in (  # type: ignore[attr-defined]
        "__dict__", "f_globals", "f_locals", "__globals__")


def _literal_keys(call: ast.Call) -> list[str] | None:
    """The keys ``d.update(...)``/``d.setdefault(...)`` writes when all are literal
    (``update(k=v)``, ``update({"k": v})``, ``setdefault("k", v)``), else None."""
    func = call.func
    assert isinstance(func, ast.Attribute)
    if func.attr == "setdefault":
        key = call.args[0] if call.args else None
        return [key.value] if type(key) is ast.Constant and isinstance(key.value, str) else None
    out = [k.arg for k in call.keywords if k.arg is not None]
    if any(k.arg is None for k in call.keywords) or len(call.args) > 1:
        return None
    for arg in call.args:
        if type(arg) is not ast.Dict or not all(
                type(k) is ast.Constant and isinstance(k.value, str) for k in arg.keys):
            return None
        out += [k.value for k in arg.keys]  # type: ignore[union-attr]
    return out


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


class _Bound:
    """The names a comprehension binds (its targets), as a scope."""

    __slots__ = ("_names",)

    def __init__(self, names: set[str]) -> None:
        self._names = names

    def params(self) -> set[str]:
        return self._names

    def names(self) -> set[str]:
        return self._names


class _LazyLocals:
    """The names a function or lambda binds, computed on first need (most never need it)."""

    __slots__ = ("fn", "_names", "_params")

    def __init__(self, fn: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        self.fn = fn
        self._names: set[str] | None = None
        self._params: set[str] | None = None

    def params(self) -> set[str]:
        if self._params is None:
            self._params = {a.arg for a in _all_args(self.fn.args)}
        return self._params

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


class _State:
    """What the scanner knows of one file; the passes are its subclasses' methods."""

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
        self.scopes: list[_LazyLocals | _Bound] = []  # enclosing function scopes
        self.from_imports: dict[str, tuple[int, Phase, str]] = {}
        self.used: set[str] = set()
        self.found: set[Finding] = set()
        self.lines: list[int] = []
        self.everything = False
        self.module_name: str | None = None  # dotted name of this file, for relative imports
        # a module of its distribution may write ``typing.TYPE_CHECKING``
        # (gate.scan.type_checking.may_write); ``guards``: the ids of the tests that are
        # typing's ``TYPE_CHECKING`` (gate.scan.type_checking.guards): their bodies never run
        self.typing_patched = False
        self.guards: frozenset[int] = frozenset()
        self.package = False  # an ``__init__.py``
        self.exports: Exported | None = None
        self.code_tricks = not words.isdisjoint(CODE_TRICKS)
        # (a class reached from an object and called: gate.scan.python_calls)
        self.class_reach_words = not words.isdisjoint(_CLASS_REACH_WORDS)
        # soundness (gate.scan.reflect): nodes whose value cannot escape where they stand
        # (a call's callee, a comparison, a plain alias), quals bound by ``import``, the
        # nesting that makes an assignment a class attribute, names ``from __future__``
        self.safe: set[int] = set()
        self.lookups: set[int] = set()  # namespaces subscripted where they stand
        self.arguments: set[int] = set()  # arguments of calls
        self.imported: set[str] = set()
        self.class_body = False
        self.nonlocals: dict[int, frozenset[str]] = {}  # function -> its ``nonlocal`` names
        self.future_annotations = False
        self.classes: set[str] | None = None
        self.platform: str | None = None  # ``if sys.platform == ...`` around what is walked
        self.label: Label | None = None  # what is walked runs only on Windows, as a script
        self.star_imported = False  # any ``from m import *`` (it may bind any name)
        self.star_modules: list[str | None] = []  # each one's module (None: unresolved)
        self.import_names: set[str] = set()  # names an import statement binds
        self.defs: set[str] | None = None  # names bound by ``def``, when needed
        self.functions: dict[int, _LazyLocals] = {}  # id(def) -> its scope, both passes
        self.labelled: set[int] = set()  # lookups whose result only gets a label stored
        # ``for n in ("path", "sep"):``: a name bound to each of literal strings in turn,
        # with the depth of scopes where it holds (a nested def or lambda may shadow it)
        self.loop_keys: dict[str, tuple[tuple[str, ...], int]] = {}

    def _keys(self, node: ast.expr | None) -> tuple[str, ...] | None:
        """The strings ``node`` may hold: one it spells, or each of a literal loop's."""
        literal = _literal_str(node)
        if literal is not None:
            return (literal,)
        if type(node) is ast.Name:
            held = self.loop_keys.get(node.id)  # type: ignore[union-attr]
            if held is not None and held[1] == len(self.scopes):
                return held[0]
        return None

    def _keys_only(self, node: ast.expr) -> None:
        """An iterated namespace (``for n in globals()``, ``locals().keys()``) yields the
        names it holds, never what they are bound to: nothing escapes."""
        if type(node) is ast.Call and not node.args and type(node.func) is ast.Attribute and (
                node.func.attr == "keys"):  # type: ignore[union-attr]
            node = node.func.value  # type: ignore[union-attr]
        if type(node) not in (ast.Call, ast.Attribute, ast.Name):
            return
        qual = self._resolve(node, import_calls=True)  # type: ignore[attr-defined]
        if qual is not None and namespace_of(qual) is not None:
            self.safe.add(id(node))

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

    def _add(self, cap: Capability, line: int, phase: Phase, detail: str) -> None:
        if self.platform is not None:
            detail = f"{detail} ({self.platform})"
        self.found.add(Finding(path=self.path, line=line, capability=cap,
                               phase=self.forced or phase, detail=detail,
                               label=self.label if self.forced is None else None))

    def _add_entry(self, entry: Entry, line: int, phase: Phase, detail: str) -> None:
        """Every capability of a catalogued name (the generated table gives some several:
        ``urllib.request.urlretrieve`` is network and fs-write)."""
        for cap in entry.capabilities:
            self._add(cap, line, phase, detail)

    # implemented by the scanner (gate.scan.python): the walk and the bindings
    def _module_bound(self) -> set[str]:
        raise NotImplementedError

    def _expr(self, node: ast.expr, phase: Phase) -> None:
        raise NotImplementedError

    def _annotation(self, node: ast.expr | None, phase: Phase) -> None:
        raise NotImplementedError

    def _call(self, call: ast.Call, phase: Phase) -> str | None:
        raise NotImplementedError

    def _entry(self, ns: ast.expr, lookup: ast.expr, key: ast.expr, phase: Phase) -> None:
        raise NotImplementedError


class _Refs(_State):
    # ------------------------------------------------------------------ name resolution
    def _base(self, name: str, *, mark: bool = True) -> str | None:
        """The qualified name a bare identifier stands for, or None."""
        if name in self.aliases:
            if self.scopes:  # ``def f(json): json.x``: the argument (or local), not the module
                imported = name in self.import_names
                for scope in self.scopes:
                    if name in scope.params() or (imported and name in scope.names()):
                        return None
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
        if name in self.aliases:
            return False
        if self.star_imported and not all(
                m is not None and (names := _star_names(m)) is not None and name not in names
                for m in self.star_modules):
            return False  # (an own module's ``*`` may bind it; ``from errno import *`` not)
        if any(name in scope.names() for scope in self.scopes):
            return False
        return name not in self._module_bound()

    def surely_builtin(self, name: str) -> bool:
        """Whether the bare ``name`` is the builtin of that name here, with nothing able to
        rebind it unseen (``_builtin`` says whether it may be): no function declares it
        ``global``, the module's namespace is not written as an object (``globals()[k] =
        v``, ``setattr(sys.modules[__name__], ...)``), nor the builtins module's
        (``builtins.int = v``, ``setattr(builtins, ...)``)."""
        if not self._builtin(name):
            return False
        names, any_name = self._unseen_rebinding
        return not (any_name or name in names)

    @functools.cached_property
    def _unseen_rebinding(self) -> tuple[frozenset[str], bool]:
        """The names something may rebind without binding them where the scanner looks
        (declared ``global``, stored by a literal key: ``globals()["n"] = v``,
        ``builtins.n = v``, ``setattr(builtins, "n", v)``), and whether any name may be:
        a namespace that may be this module's or the builtins module's written as an
        object (``globals()``, ``vars()`` and ``locals()`` at module level, a ``__dict__``
        of what may be this module, a frame's or a function's globals) other than read
        where it stands (``[k]``, ``.get``, ``.items``, ``**globals()``...),
        ``setattr``/``delattr`` by a computed name, ``__builtins__``."""
        holders = {n for n, q in self.aliases.items() if canonical(q) == "builtins"}
        spaces_held = {n for n, q in self.aliases.items() if namespace_of(q) is not None
                       or q == _SELF_MODULE}  # (``from builtins import __dict__ as d``)
        holders |= spaces_held
        if not any(w in self.text for w in (*_REBINDING_WORDS, *holders)):
            return frozenset(), False  # (none of them spelled: the common case)
        names: set[str] = set()
        written = False
        read: set[int] = set()  # namespaces only read (or written by a literal key) there
        spaces: list[ast.AST] = []
        may_be_here = self._may_be_this_module  # type: ignore[attr-defined]

        def builtins_module(node: ast.expr) -> bool:
            if type(node) is ast.Name:
                return node.id in holders
            return type(node) is not ast.Constant and self._resolve(
                node, import_calls=False) == "builtins"

        # only the nodes spanning a line that spells one of the words are looked at (and
        # ``locals()``/``vars()`` are this module's namespace at module level only)
        text = self.text
        spelled = _REBINDING if not holders else re.compile("|".join(
            (*_REBINDING_WORDS, *(rf"(?<!\w){re.escape(h)}(?!\w)" for h in holders))))
        lines = sorted({text.count("\n", 0, m.start()) + 1 for m in spelled.finditer(text)})
        bisect_left = bisect.bisect_left
        stack: list[tuple[ast.AST, bool]] = [(self.tree, True)]  # type: ignore[attr-defined]
        while stack and not written:
            node, top = stack.pop()
            t = type(node)
            inner = top and t not in (*_FUNCS, ast.Lambda, ast.ClassDef)
            for child in ast.iter_child_nodes(node):
                first = getattr(child, "lineno", None)
                if first is not None:
                    i = bisect_left(lines, first)
                    if i == len(lines) or lines[i] > (child.end_lineno or first):  # type: ignore[attr-defined]
                        continue
                stack.append((child, inner))
            if t is ast.Global:
                names.update(node.names)  # type: ignore[attr-defined]
            elif t is ast.Name:
                written = node.id == "__builtins__"  # type: ignore[attr-defined]
            elif t is ast.keyword or t is ast.Starred:
                read.add(id(node.value))  # type: ignore[attr-defined]  # ``**globals()``
            elif t is ast.Call:
                f, args = node.func, node.args  # type: ignore[attr-defined]
                if type(f) is ast.Name and f.id in _NAMESPACES:
                    if (not args and (top or f.id == "globals")) or (
                            args and (may_be_here(args[0]) or builtins_module(args[0]))):
                        spaces.append(node)
                elif type(f) is ast.Name and f.id in ("setattr", "delattr") and args and (
                        may_be_here(args[0]) or builtins_module(args[0])):
                    key = args[1] if len(args) > 1 else None
                    if type(key) is ast.Constant and isinstance(key.value, str):
                        names.add(key.value)
                    else:
                        written = True
                elif type(f) is ast.Attribute and f.attr in _NAMESPACE_METHODS:
                    read.add(id(f.value))
                elif type(f) is ast.Attribute and f.attr in ("setdefault", "update"):
                    keys = _literal_keys(node)  # type: ignore[arg-type]
                    if keys is not None:
                        names.update(keys)
                        read.add(id(f.value))
                if any(_namespace_like(a) for a in args) and type(f) in (
                        ast.Name, ast.Attribute) and (
                        callee := self._resolve(f, import_calls=False)) is not None and (
                        entry := self.match(callee)) is not None and (
                        Capability.DYNAMIC_CODE in entry.capabilities):
                    # ``exec(s, globals())``, ``typing._eval_type(t, globals(), l)``: what
                    # it may write is that call's (a finding of its own)
                    read.update(id(a) for a in args)
            elif t is ast.Attribute:
                attr, value = node.attr, node.value  # type: ignore[attr-defined]
                if attr in ("f_globals", "f_locals", "__globals__") or (
                        attr == "__dict__" and (may_be_here(value) or builtins_module(value))):
                    spaces.append(node)
                elif type(node.ctx) is not ast.Load and builtins_module(value):  # type: ignore[attr-defined]
                    names.add(attr)
            elif t is ast.Subscript:
                key, value = node.slice, node.value  # type: ignore[attr-defined]
                if type(node.ctx) is ast.Load:  # type: ignore[attr-defined]
                    read.add(id(value))
                elif not ((_namespace_like(value) and (
                        type(value) is not ast.Attribute or value.attr != "__dict__"
                        or may_be_here(value.value) or builtins_module(value.value)))
                        or (type(value) is ast.Name and value.id in spaces_held)):
                    pass  # (an item of a dict, of an object's ``__dict__``)
                elif type(key) is ast.Constant and isinstance(key.value, str):
                    names.add(key.value)  # ``globals()["n"] = v``: that name
                    read.add(id(value))
                else:
                    written = True
        written = written or any(id(n) not in read for n in spaces)
        return frozenset(names), written

    def only_looks(self, call: ast.Call) -> bool:
        """Whether ``call`` is of a builtin of LOOKERS (surely that builtin) that only looks
        at its first argument: ``isinstance``/``issubclass`` hand it to the metaclass of
        their second unless that is a plain class (``_plain_classinfo``)."""
        func = call.func
        if type(func) is not ast.Name or func.id not in LOOKERS or not self.surely_builtin(
                func.id):
            return False
        if func.id in CLASS_CHECKS:
            return len(call.args) == 2 and not call.keywords and self._plain_classinfo(
                call.args[1], func.id == "issubclass")
        return True

    def _plain_classinfo(self, node: ast.expr, subclass: bool, depth: int = 0) -> bool:
        """Whether ``node`` (the second argument of ``isinstance``/``issubclass``) is a
        class, or a tuple of them, whose checks call nothing of the package's: a builtin
        type; a class of the standard library; a class the module defines once, with no
        decorator or metaclass, whose bases are plain (for ``issubclass``, no
        ``__subclasshook__``: an ABC base hands it the first argument)."""
        if depth > 8:
            return False
        if type(node) is ast.Tuple:
            return all(self._plain_classinfo(e, subclass, depth + 1)
                       for e in node.elts)  # type: ignore[attr-defined]
        if type(node) is ast.Name and node.id in _BUILTIN_TYPES and self.surely_builtin(
                node.id):
            return True
        if type(node) is ast.Name:
            own = self._own_class_def(node.id)
            if own is not None:
                return not own.decorator_list and not own.keywords and not (
                    subclass and any(getattr(st, "name", None) == "__subclasshook__"
                                     for st in own.body)) and all(
                    self._plain_classinfo(b, subclass, depth + 1) for b in own.bases)
        qual = self._resolve(node, import_calls=False) if type(node) in (
            ast.Name, ast.Attribute) else None
        if qual is None or qual.startswith("<"):
            return False
        parent = canonical(qual).rpartition(".")[0]
        return bool(parent) and reflect.is_module(parent) and not reflect.is_module(qual)

    def _own_class_def(self, name: str) -> ast.ClassDef | None:
        """The module-level class statement binding ``name``, when it is the only binding
        of it in the module and no function shadows it here."""
        if any(name in scope.names() for scope in self.scopes):
            return None
        return self._class_defs.get(name)

    @functools.cached_property
    def _class_defs(self) -> dict[str, ast.ClassDef]:
        """The module-level classes bound once in the module, and not as an alias."""
        counts: dict[str, int] = {}
        found: dict[str, ast.ClassDef] = {}
        for st in self.module:  # type: ignore[attr-defined]
            for bound in _bound_names(st):
                counts[bound] = counts.get(bound, 0) + 1
            if type(st) is ast.ClassDef:
                found[st.name] = st
        return {n: c for n, c in found.items() if counts.get(n) == 1 and n not in self.aliases}

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
            first = attrs.pop(0)  # (``sys.modules[__name__].__dict__``: as ``globals()``)
            base = (f"{_SELF_MODULE}.{reflect.NAMESPACE}" if first == reflect.NAMESPACE
                    else self._base(first, mark=False))
        elif base == reflect.CLOSURE_VARS and attrs:  # ``getclosurevars(f).globals``
            base = reflect.closure_field(attrs.pop(0))
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
        if ".sys.modules" in qual:  # ``importlib.sys.modules``: sys's special forms apply
            qual = _held_sys(qual)
        return qual if self.exports is None else self.exports.resolve(qual)

    def _call_value(self, call: ast.Call) -> str | None:
        """What a call returns, when that is a module, a namespace, a path or a library:
        ``__import__('os')``, ``getattr(print, '__self__')``, ``ctypes.CDLL(None)``."""
        func = self._resolve(call.func, import_calls=True)  # (``globals().get``)
        if func is None and type(call.func) is ast.Attribute and len(call.args) == 2 and (
                call.func.attr == "__getattribute__"):  # ``object.__getattribute__(f, n)``
            name = _literal_str(call.args[1])
            return self._attribute_of(call.args[0], name) if name else None
        if type(call.func) is ast.Call:  # ``attrgetter('__builtins__')(f)``
            getter = self._resolve(call.func.func, import_calls=False)
            getter = canonical(getter) if getter is not None else None  # (``_operator.``)
            name = _literal_str(call.func.args[0]) if call.func.args else None
            if getter in ("operator.attrgetter", "operator.methodcaller") and name and (
                    call.args and "." not in name):
                return self._attribute_of(call.args[0], name)
            return None
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
        if func == "importlib.reload" and len(call.args) == 1 and not call.keywords:
            return self._resolve(call.args[0])  # the same module, run again
        if func in _GETTERS and len(call.args) >= 2:
            attr = _literal_str(call.args[1])
            if attr is not None:
                return self._attribute_of(call.args[0], attr)
            return None
        if func in _NAMESPACES and not call.args:  # ``globals()``: this module's namespace
            if func != "globals" and any(isinstance(s, _LazyLocals) for s in self.scopes):
                return None  # ``locals()`` in a function: its own names
            return f"{_SELF_MODULE}.{reflect.NAMESPACE}"
        if func == "inspect.getmodule" and call.args:  # of a stdlib name: its module
            target = self._resolve(call.args[0])
            return (target and reflect.module_of(target)) or ANY_MODULE
        if func == "inspect.getclosurevars":
            return reflect.CLOSURE_VARS
        if func == "vars" and call.args:  # ``vars(os)``; ``vars(obj)`` is an instance's
            target = self._resolve(call.args[0])
            if target is not None and self._module_value(target):
                return f"{target}.{reflect.NAMESPACE}"
            return None
        if func == "sys.modules.pop" and call.args:  # (``.pop`` hands out what it removes)
            return _literal_str(call.args[0])
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
        if func in _ARCHIVES:  # an archive, whatever its mode: ``.extract`` writes
            return _ARCHIVES[func]
        if reflect.holds_modules(func) and not reflect.is_module(func):
            # an instance of a standard class that holds a module (an attribute of the
            # class, or one its methods store: ``warnings.catch_warnings()._module``)
            return func
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
            if type(node.slice) is ast.Attribute and node.slice.attr == "__module__":
                home = self._resolve(node.slice)  # ``X.__module__`` of a stdlib name
                return (home and reflect.module_of(home)) or ANY_MODULE
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
        if qual.startswith(_LIBRARY):
            return False  # a ctypes library handed on: ``native`` already (docs/scanner.md)
        if qual.startswith(reflect.SELF_OF) or qual.rpartition(".")[2] in reflect.PLAIN_GLOBALS:
            return False
        ns = namespace_of(qual)
        if ns is not None:  # a module's namespace; a class's ``__dict__`` is not one
            return ns == "builtins" or self._module_value(ns)
        if qual.startswith(("<", "sys.modules")):
            return True  # (``<module>.x`` may be a module in turn)
        if qual in _REFLECTORS:  # ``partial(getattr, f)``, ``map(getattr, fs, names)``
            return True
        if qual in self.imported or reflect.is_module(qual) or (
                self.exports is not None and qual in self.exports.own_modules):
            return not reflect.inert(qual)
        return False

    def _escapes(self, node: ast.expr, qual: str, phase: Phase) -> None:
        """``qual`` (a module, namespace, ...) used as a value where it is not followed."""
        if id(node) in self.safe or not self._module_value(qual):
            return
        shown = "sys.modules[__name__]" if qual == _SELF_MODULE else canonical(qual)
        self._add(_DYNAMIC, node.lineno, phase,
                  f"{shown} passed on as a value (what is used on it is not followed)")

    def _report(self, qual: str, line: int, phase: Phase, node: ast.expr | None) -> bool:
        """Report what ``qual`` (a resolved reference) uses; True if it was catalogued."""
        if qual.startswith(_SELF_MODULE + "."):  # ``globals()['x']``: what ``x`` is here
            name, _, rest = qual[len(_SELF_MODULE) + 1:].partition(".")
            if name == reflect.NAMESPACE:
                return False
            base = self._base(name, mark=False)
            return base is not None and self._report(
                f"{base}.{rest}" if rest else base, line, phase, node)
        if qual.startswith((ANY_MODULE + ".", reflect.SELF_OF + ".")):
            # an attribute of a module not named here: matched by its name against every
            # catalogued name (``<module>.system``); one of a module it holds, by the name
            # of that module (``f.__globals__['os'].system`` is ``os.system``)
            parts = qual.split(".")[1:]
            if reflect.NAMESPACE in parts:
                return False  # a namespace's own methods (``f_globals.get``): dict methods
            if len(parts) > 1:
                if reflect.is_module(parts[0]):
                    return self._report(".".join(parts), line, phase, node)
                rest = ".".join(parts[1:])  # ``<module>._os.system``: a module held as _os
                return any([self._report(f"{m}.{rest}", line, phase, node)
                            for m in reflect.held_as(parts[0])])
            leaf = parts[0]
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
            self._add_entry(entry, line, phase, f"{entry.name} handed on")
            return True
        if entry is not None and entry.name in STORE_ONLY and (
                method := _changer(canonical(qual), entry.name)) is not None:
            # ``importlib.machinery.SOURCE_SUFFIXES.__iadd__([...])``, ``.remove``: any
            # method of a hook list but a read changes it
            self._add_entry(entry, line, phase, f"{entry.name}.{method}")
            return True
        if entry is None or entry.name in STORE_ONLY:
            return False
        if entry.name in _OPENERS:
            self._open_caps(line, phase, entry.name, _COMPUTED)
        else:
            self._add_entry(entry, line, phase, entry.name)
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
        if reflect.CELL in attrs and type(node.ctx) is ast.Load and self._cell_used(node, attrs):
            self._add(_DYNAMIC, line, phase,
                      "*.cell_contents (what a closure captured, a module too: not followed)")
        if type(cur) is ast.Name:
            assert isinstance(cur, ast.Name)
            base = self._base(cur.id)
            if cur.id == "__builtins__":
                self._add(_DYNAMIC, cur.lineno, phase, "__builtins__")
            elif attrs[0] == "obj" and cur.id in self._caught_names:
                # ``except AttributeError as e: e.obj``: the object whose attribute was
                # missing (``os.nope`` raises it with the module): a module handed out
                self._add(_DYNAMIC, line, phase, f"{cur.id}.obj (an AttributeError's object, "
                          "a module too: not followed)")
        elif type(cur) is ast.Call:
            assert isinstance(cur, ast.Call)
            self.safe.add(id(cur))  # its value is the chain's root, not handed on
            base = self._call(cur, phase)
            if base is None and attrs[0] == "loader" and len(attrs) > 1 and canonical(
                    self._resolve(cur.func, import_calls=False) or "") in _SPEC_FINDERS:
                base = "__spec__"  # ``find_spec("json").loader.get_data``: a loader's entry
        else:
            self.safe.add(id(cur))
            if type(cur) is ast.Subscript:
                assert isinstance(cur, ast.Subscript)
                base = self._subscript_value(cur)
            self._expr(cur, phase)
        if written[-1] in ("__class__", "__base__") and self.class_reach_words and type(
                node.ctx) is ast.Load and (written[-1] == "__base__" or self._standard_object(  # type: ignore[attr-defined]
                node.value)) and type(self._uses().parents.get(  # type: ignore[attr-defined]
                id(node))) in (ast.Assign, ast.NamedExpr):
            # ``c = loop._ssock.__class__``, then ``c(...)``: a class of the standard
            # library's, unnamed (its calls are not followed)
            self._add(_DYNAMIC, line, phase, f"{ast.unparse(node)[:40]} bound (a class that "
                      "acts when made: not followed)")
        if base is not None and (reflect.PATH in written or base.endswith(".__path__")):
            self._package_path(node, base, written, phase)
        base = self._fold(cur, base, attrs)
        if type(node.ctx) is not ast.Load:
            # ``socket.socket = Evil``, ``sys.excepthook = f``: replacing a capability (or
            # installing a hook) for every user of it; ``f.__code__ = c``: code not compiled
            if attrs and attrs[-1] == "__code__":
                self._add(_DYNAMIC, line, phase, "*.__code__ assigned")
            if base is not None and len(attrs) == 1:
                self._namespace_store(base, attrs[0], line, phase)
            if base is not None and attrs:
                qual = ".".join([base, *attrs])
                entry = self.match(qual if self.exports is None else self.exports.resolve(qual))
                if entry is not None:
                    self._add_entry(entry, line, phase, entry.name)
            base = None
        if attrs[-1:] == ["__class__"] and self.code_tricks and attrs[-2:-1] == ["__code__"]:
            self._add(_DYNAMIC, line, phase, "*.__code__.__class__")
        if base is not None:
            qual = ".".join([base, *attrs])
            if self.exports is not None:
                qual = self.exports.resolve(qual)
            for i, attr in enumerate(attrs[:-1]):
                if attr in ("__loader__", "__spec__") and self._module_value(
                        ".".join([base, *attrs[:i]])):
                    # ``json.__loader__.get_data``, ``json.__spec__.loader``: any module's
                    # loader is the loader's entry (a SourceFileLoader reads any path)
                    qual = ".".join(attrs[i:])
                    break
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
            if cap is not None and not (attr == "keylog_filename" and self._keylog_from_env(
                    node)):
                self._add(cap, line, phase, f"*.{attr}")

    def _keylog_from_env(self, node: ast.Attribute) -> bool:
        """``ctx.keylog_filename = v`` where ``v`` (or every value a name ``v`` is given in
        this file) is ``None`` or ``$SSLKEYLOGFILE`` as the user set it (``os.environ.get(
        "SSLKEYLOGFILE")``, through ``os.path.expandvars``): what ``ssl.create_default_context``
        does itself (urllib3), the user's choice of file, not the package's."""
        parent = self._uses().parents.get(id(node))  # type: ignore[attr-defined]
        if type(parent) is not ast.Assign or node.ctx.__class__ is ast.Load:
            return False
        value = parent.value  # type: ignore[union-attr]
        values = [value]
        if type(value) is ast.Name:
            values = [a.value for a in ast.walk(self.tree)  # type: ignore[attr-defined]
                      if type(a) is ast.Assign and any(
                          type(t) is ast.Name and t.id == value.id for t in a.targets)]
        return bool(values) and all(self._user_keylog(v) for v in values)

    def _user_keylog(self, value: ast.expr) -> bool:
        if type(value) is ast.Constant and value.value is None:
            return True
        named = False
        funcs = {id(f) for c in ast.walk(value) if type(c) is ast.Call
                 for f in ast.walk(c.func)}  # (``os.environ.get``: the reader's own names)
        for n in ast.walk(value):
            if type(n) is ast.Call:
                func = self._resolve(n.func, import_calls=False)
                if func is None or canonical(func) not in _KEYLOG_READERS:
                    return False
            elif type(n) is ast.Constant:
                named = named or n.value == "SSLKEYLOGFILE"
            elif type(n) is ast.Name and id(n) not in funcs:
                return False  # (a default the package chose: ``get("SSLKEYLOGFILE", p)``)
        return named

    @functools.cached_property
    def _caught_names(self) -> frozenset[str]:
        """The names an ``except ... as e`` binds in this file."""
        if " as " not in self.text:
            return frozenset()
        return frozenset(h.name for h in ast.walk(self.tree)  # type: ignore[attr-defined]
                         if type(h) is ast.ExceptHandler and h.name)

    def _namespace_store(self, base: str, attr: str | None, line: int, phase: Phase) -> None:
        """``builtins.hasattr = h`` (the builtins module however reached:
        ``import_module("builtins")``, ``__import__("builtins")``, ``sys.modules[...]``), or
        ``pkg.hasattr = h`` on one of the distribution's own modules (from itself, a
        submodule, ``sys.modules["pkg"]``): a builtin's name rebound where every module (or
        that module's bare names) will find it, a rebinding the modules that trust their
        bare ``hasattr``/``isinstance`` do not see. The write is the finding."""
        module = canonical(base)
        own = module == _SELF_MODULE or module in self._own_modules()  # type: ignore[attr-defined]
        if attr is None:  # ``setattr(builtins, name, h)``: any name
            if module == "builtins" or own:
                self._add(_DYNAMIC, line, phase, f"setattr({module}, {_COMPUTED}) (any "
                          "builtin's name rebound)")
            return
        if attr == "__class__" and self._module_value(base):
            # ``os.__class__ = M``: every later ``os.x`` (the standard library's too) runs
            # M's hooks with the module as ``self``
            self._add(_DYNAMIC, line, phase, f"{module}.__class__ assigned (the module "
                      "handed to a class's methods)")
        elif module == "builtins" and hasattr(builtins, attr):
            # (a new name, ``builtins._ = v``, is no builtin the scanner trusts: a bare use
            # of it is an unknown name, followed as one)
            self._add(_DYNAMIC, line, phase,
                      f"builtins.{attr} assigned (a builtin replaced for every module)")
        elif own and hasattr(builtins, attr) and not attr.startswith("__"):
            self._add(_DYNAMIC, line, phase,
                      f"{module}.{attr} assigned (a builtin's name bound on a module of the "
                      "package: its bare uses there are not the builtin)")

    def _package_path(self, node: ast.Attribute, base: str, written: tuple[str, ...],
                      phase: Phase) -> None:
        """``encodings.__path__.append(d)``: a standard-library package's search path
        changed (appended to, stored, deleted, or handed on where it may be) makes a file
        of any directory one of its modules, which the standard library imports by
        convention (a codec lookup imports ``encodings.<name>`` and calls its
        ``getregentry()``): ``dynamic-code``. Read (``[0]``, a loop, ``in``, ``list(...)``,
        ``.index``) it is not."""
        parts = [*base.split("."), *written]  # (``getattr(encodings, "__path__").append``)
        i = parts.index(reflect.PATH)
        if any(a in REFLECTIVE for a in parts[:i]):
            return
        package = canonical(".".join(parts[:i]))
        if not _std_package(package):
            return
        if i + 1 < len(parts):  # ``.append(d)``, ``.insert(0, d)``, ``._path``
            changed = parts[i + 1] not in _PATH_READERS
        else:
            changed = type(node.ctx) is not ast.Load or self._path_handed_on(node)
        if changed:
            self._add(_DYNAMIC, node.lineno, phase, _path_changed(package))

    def _path_handed_on(self, node: ast.Attribute) -> bool:
        """Whether the value of ``<package>.__path__`` goes where it may be changed: bound
        to a name, stored, handed to a call that is not a known reader, returned."""
        parent = self._uses().parents.get(id(node))  # type: ignore[attr-defined]
        t = type(parent)
        if t is ast.Subscript:
            return type(parent.ctx) is not ast.Load  # type: ignore[union-attr]
        if t in (ast.Compare, ast.Starred, ast.comprehension, ast.For, ast.AsyncFor,
                 ast.FormattedValue, ast.JoinedStr, ast.BoolOp, ast.UnaryOp, ast.Expr):
            return False
        if t is ast.Call:
            callee = parent.func  # type: ignore[union-attr]
            if type(callee) is ast.Name and callee.id in _PATH_CALL_READERS:
                return not self.surely_builtin(callee.id)
            func = self._resolve(callee, import_calls=False)
            return callee is node or func is None or canonical(func) not in _PATH_CALL_READERS
        return True

    def _cell_used(self, node: ast.Attribute, attrs: list[str]) -> bool:
        """Whether the value of ``....cell_contents`` (``node`` ends the chain ``attrs``)
        is used for more than a look: anything read from it, or it handed on, stored,
        called; not compared (``c.cell_contents is x``) nor only looked at
        (``isinstance(c.cell_contents, str)``, ``callable(...)``)."""
        if attrs[-1] != reflect.CELL:
            return True  # ``.cell_contents.system``
        parent = self._uses().parents.get(id(node))  # type: ignore[attr-defined]
        if type(parent) is ast.Compare:
            return False
        if type(parent) is ast.Call and parent.args and parent.args[0] is node and (
                self.only_looks(parent)):
            return False
        return True

    def _functions(self) -> set[str]:
        """Names the module binds with ``def`` (and nothing else)."""
        if self.defs is None:  # statements only, at module level (blocks, not bodies)
            defined: set[str] = set()
            stack = [self.module]
            while stack:
                for st in stack.pop():
                    if type(st) in _FUNCS:
                        defined.add(st.name)  # type: ignore[attr-defined]
                    elif type(st) is not ast.ClassDef:
                        stack += _blocks(st)
            self.defs = defined - set(self.aliases)
        return self.defs

    def _own_class(self, root: ast.expr, attrs: list[str]) -> bool:
        """``Base.__subclasses__()`` of a class defined in this file."""
        if type(root) is not ast.Name or attrs.index(SUBCLASSES) != 0:
            return False
        if self.classes is None:  # defined once, never rebound
            tree = ast.Module(body=list(self.module), type_ignores=[])
            defined = [n.name for n in ast.walk(tree) if type(n) is ast.ClassDef]
            rebound = {n.id for n in ast.walk(tree)
                       if type(n) is ast.Name and type(n.ctx) is not ast.Load}
            self.classes = {c for c in defined if defined.count(c) == 1 and c not in rebound}
        return root.id in self.classes and root.id not in self.aliases

    def _subscript(self, node: ast.Subscript, phase: Phase) -> None:
        value, key = node.value, node.slice
        loading = type(node.ctx) is ast.Load
        self.safe.add(id(value))  # read from (or stored into) where it stands
        if not loading and type(value) is ast.Attribute:
            stored = self._resolve(value, import_calls=False)
            entry = self.match(stored) if stored is not None else None
            if entry is not None and entry.name in STORE_ONLY:  # ``sys.meta_path[:] = ...``
                self._add_entry(entry, node.lineno, phase, entry.name)
        keys = self._keys(key)
        labelled = id(node) in self.labelled  # ``globals()[n].__module__ = m``
        own_namespace = False
        if loading and type(value) is ast.Call:
            assert isinstance(value, ast.Call)
            func = self._resolve(value.func, import_calls=False)
            if func in _NAMESPACES and not value.args:
                own_namespace = True  # (a name: ``_name`` reports it handed on)
                if keys is None or _built(key):
                    if not labelled:
                        self._add(_DYNAMIC, node.lineno, phase, f"{func}()[{_COMPUTED}]")
                for k in keys or ():
                    if k == "__builtins__":
                        self._add(_DYNAMIC, node.lineno, phase, f"{func}()['__builtins__']")
                    else:
                        self._name(ast.Name(id=k, ctx=ast.Load(), lineno=node.lineno,
                                            col_offset=node.col_offset), phase)
                self.safe.add(id(value))
                self.lookups.add(id(value))
        if loading and id(value) not in self.lookups:
            owner = self._resolve(value, import_calls=True)
            if owner is not None and owner not in _NAMESPACES:
                for k in keys or (None,):
                    self._lookup(owner, k, key, node.lineno, phase, labelled=labelled)
                self.safe.add(id(value))
                self.lookups.add(id(value))
        if loading:  # ``type(f).__dict__[n]``: an entry of an object's namespace
            self._entry(value, node, key, phase)
        if loading and not own_namespace:
            # ``f(sys.modules["os"])``, ``f(sys.modules[__name__])``: handed on as
            # ``m = sys.modules["os"]; f(m)`` is
            got = self._subscript_value(node)  # (a module or this one: not ``<module>.x``,
            # any global of a namespace the scanner cannot name, read as ``f.__globals__`` is)
            if got is not None and (got == _SELF_MODULE or (
                    not got.startswith("<") and reflect.is_module(got))):
                self._escapes(node, got, phase)
        self._expr(value, phase)
        self._expr(key, phase)

    def _lookup(self, owner: str, key: str | None, node: ast.expr, line: int,
                phase: Phase, *, labelled: bool = False) -> None:
        """``owner[key]`` / ``owner.get(key)`` where ``owner`` is ``sys.modules``, a
        namespace (``os.__dict__``, ``f.__globals__``) or a ctypes library."""
        if owner == "sys.modules":
            if key is not None:
                self._report(key, line, phase, None)
            elif not labelled and not (type(node) is ast.Name and node.id == "__name__") and not (
                    type(node) is ast.Attribute and node.attr == "__module__"):
                self._add(_DYNAMIC, line, phase, f"sys.modules[{_COMPUTED}]")
            return
        ns = namespace_of(owner)
        if _library_symbol(owner + ".x").startswith(_LIBRARY):
            owner, ns = _LIBRARY, None
        elif ns is None:
            return
        if key is None or (_built(node) and ns is not None and ns.startswith("<")):
            # (a name built from pieces in this module's namespace, or one the scanner
            # cannot name: what reaches code by name (gate.scan.reach) reads whole strings)
            if labelled and owner != _LIBRARY:
                return  # whatever global it is, it only gets a label stored
            shown = "ctypes library" if owner == _LIBRARY else canonical(owner)
            self._add(_DYNAMIC, line, phase, f"{shown}[{_COMPUTED}]")
        else:
            self._report(f"{ns or owner}.{key}", line, phase, None)

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
