"""What reflection can reach: the facts gate.scan.python needs to stay sound.

A capability is reached without naming it in three ways, and the scanner closes each:

* a module (or the builtins module) **flows as a value** into code the scanner does not
  follow (``pick(os, n)``, ``[os]``, ``def f(m=os)``, ``return os``): there a computed
  ``getattr(m, n)`` on a plain parameter reaches anything. Every module has
  ``__builtins__`` among its globals, so any module counts, not only catalogued ones
  (``is_module``); the place where it escapes is the finding (``dynamic-code``), so
  ``getattr(self, name)`` stays quiet where no module can flow in;
* an object leads to a module or its namespace: ``f.__self__`` of a builtin function is
  the builtins module (of ``posix.system``, the posix module), ``f.__globals__``,
  ``frame.f_globals``/``f_locals`` are some module's namespace, ``f_builtins`` and
  ``m.__builtins__`` the builtins one (``fold``); what is then named on it is matched by
  its last component against the catalog (``leaf_entries``), what is computed on it is
  ``dynamic-code``;
* every class is reached from any object (``().__class__.__base__.__subclasses__()``,
  ``SUBCLASSES``): ``dynamic-code`` unless asked of a class the file defines.

Public API: ANY_MODULE, NAMESPACE, REFLECTIVE, SUBCLASSES, LEADING, CLOSURE_VARS,
fold(prefix, attr), is_module(qualname), module_of(qualname), held_as(attr),
holds_modules(qualname),
closure_field(attr), builtin_function(name), leaf_entries(attr), namespace_of(qualname).
"""

from __future__ import annotations

import builtins
import functools
import os
import sys
import sysconfig
import types

from gate.catalog import MODULE_ATTRIBUTES, STORE_ONLY, canonical, catalog, reaches
from gate.model import Capability

# The value of an expression that is some module the scanner cannot name.
ANY_MODULE = "<module>"
# What ``inspect.getclosurevars(f)`` gives: its ``globals``/``nonlocals`` are a namespace.
CLOSURE_VARS = "<closurevars>"
# The ``__self__`` of an object the scanner cannot name: a builtin's module, or anything.
SELF_OF = "<__self__>"
# Module globals that are never modules (strings and the like).
PLAIN_GLOBALS = frozenset({"__name__", "__file__", "__doc__", "__package__", "__qualname__",
                           "__module__", "__version__", "__all__", "__path__", "__cached__",
                           "__annotations__"})
# Suffix of a qualified name that stands for a module's namespace dict (``os.__dict__``).
NAMESPACE = "__dict__"
# Attributes that lead from an object to a module (``__self__``) or a namespace.
_TO_MODULE = frozenset({"__self__"})
_TO_NAMESPACE = frozenset({"__globals__", "f_globals", "f_locals"})
_TO_BUILTINS = frozenset({"f_builtins", "__builtins__"})
REFLECTIVE = _TO_MODULE | _TO_NAMESPACE | _TO_BUILTINS
SUBCLASSES = "__subclasses__"
# Attributes that lead on from an object which is not a module, besides every dunder
# (``__globals__``, ``__self__``, ``__dict__``, ``__class__``, ``__closure__``, ...): those of
# frames, generators, coroutines, tracebacks and cells. A computed attribute name that can
# spell none of them (``"visit_" + kind``) reaches no namespace, whatever the object.
LEADING = frozenset({"f_back", "f_builtins", "f_globals", "f_locals", "f_generator",
                     "gi_frame", "gi_yieldfrom", "cr_frame", "cr_await", "ag_frame",
                     "ag_await", "tb_frame", "tb_next", "cell_contents"})
# What a closure captured (``f.__closure__[0].cell_contents``): any value, a module too.
CELL = "cell_contents"
# A descriptor bound by hand (``type(f).__dict__["__globals__"].__get__(f)``).
DESCRIPTOR_GET = "__get__"
# A package's search path: a standard-library package's changed is ``dynamic-code``
# (gate.scan.python_refs: ``encodings.__path__.append(d)``).
PATH = "__path__"
# The words a file must spell to use one of them (the pre-filter's tricks).
WORDS = REFLECTIVE | {SUBCLASSES, PATH, "getmodule", "Formatter", "attrgetter", "methodcaller",
                      "__getattribute__", "getattr_static",
                      # annotations stored as data (gate.scan.python_annotations)
                      "__annotations__", CELL, DESCRIPTOR_GET}


def module_of(qualname: str) -> str | None:
    """The standard-library module a name of it lies in (``tempfile.TemporaryDirectory
    .cleanup``: ``tempfile``; ``shutil.copy``: ``shutil``), or None."""
    name = canonical(qualname)
    if name.startswith("<"):
        return None
    while "." in name:
        name = name.rpartition(".")[0]
        if name in _stdlib_modules():
            return name
    return None


def closure_field(attr: str) -> str | None:
    """``inspect.getclosurevars(f).<attr>``: the builtins module, some module's
    namespace (the globals and nonlocals it names: modules among them), or None."""
    if attr == "builtins":
        return "builtins"
    return f"{ANY_MODULE}.{NAMESPACE}" if attr in ("globals", "nonlocals") else None


@functools.cache
def _held_as() -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for alias, real in MODULE_ATTRIBUTES.items():
        out.setdefault(alias.rpartition(".")[2], set()).add(real)
    return {k: frozenset(v) for k, v in out.items()}


@functools.cache
def _holders() -> frozenset[str]:
    return frozenset(alias.rpartition(".")[0] for alias in MODULE_ATTRIBUTES)


def holds_modules(qualname: str) -> bool:
    """Whether the standard-library module or class ``qualname`` holds a module as an
    attribute (``pathlib.Path``: ``parser`` is ``os.path`` on 3.13)."""
    return canonical(qualname) in _holders()


def held_as(attr: str) -> frozenset[str]:
    """The modules a standard module holds under the global ``attr`` (``_os``: ``os``):
    what ``<some module>._os`` is when that module is a standard one."""
    return _held_as().get(attr, frozenset())


def fold(prefix: str | None, attr: str, *, builtin_root: bool = False) -> str:
    """What ``<prefix>.<attr>`` is when ``attr`` is in REFLECTIVE; ``prefix`` is the
    qualified name of the object (None: unknown), ``builtin_root``: the object is a
    builtin function named bare (``print``)."""
    if attr in _TO_BUILTINS:
        return "builtins"
    if attr in _TO_NAMESPACE:
        # ``tempfile.TemporaryDirectory.cleanup.__globals__``: that module's namespace
        home = module_of(prefix) if attr == "__globals__" and prefix is not None else None
        return f"{home or ANY_MODULE}.{NAMESPACE}"
    # __self__: of a builtin function, its module; of anything else, most often the
    # instance of a bound method: what is named on it is matched, it is not a module
    # handed on (a builtin function handed on is a known limit, docs/scanner.md)
    if builtin_root:
        return "builtins"
    if prefix is not None and "." in prefix and not prefix.startswith("<"):
        owner = canonical(prefix).rpartition(".")[0] or "builtins"
        if is_module(owner):
            return owner
    return SELF_OF


def namespace_of(qualname: str) -> str | None:
    """The module whose namespace ``qualname`` is (``os.__dict__`` -> ``os``; the
    builtins module is its own namespace for lookups), or None."""
    if qualname == "builtins":
        return "builtins"
    if qualname.endswith("." + NAMESPACE):
        return qualname[: -len(NAMESPACE) - 1]
    return None


@functools.cache
def _stdlib_modules() -> frozenset[str]:
    """Module names of the running interpreter's standard library (top level and below)."""
    names = set(sys.stdlib_module_names) | set(sys.builtin_module_names)
    root = sysconfig.get_paths()["stdlib"]
    for top in sys.stdlib_module_names:
        pkg = os.path.join(root, top)
        if not os.path.isdir(pkg):
            continue
        for here, dirs, files in os.walk(pkg):
            dirs[:] = [d for d in dirs if d.isidentifier() and d not in ("test", "tests")]
            rel = os.path.relpath(here, root).replace(os.sep, ".")
            names.add(rel)
            names.update(f"{rel}.{f[:-3]}" for f in files
                         if f.endswith(".py") and f[:-3].isidentifier() and f != "__init__.py")
    return frozenset(names)


# C modules that hold nothing catalogued and no ``__builtins__``: passing one on is harmless.
@functools.cache
def _inert() -> frozenset[str]:
    return frozenset(m for m in sys.builtin_module_names
                     if not reaches(m) and m not in ("builtins", "sys", "_imp", "gc"))


@functools.cache
def _packages() -> frozenset[str]:
    return frozenset(m.rpartition(".")[0] for m in _stdlib_modules() if "." in m)


def is_package(qualname: str) -> bool:
    """Whether ``qualname`` is a standard-library package (it has submodules)."""
    return canonical(qualname) in _packages()


def is_module(qualname: str) -> bool:
    """Whether ``qualname`` names a standard-library module (``os``, ``shutil.os``, the
    builtins module) or a reflective module value."""
    if qualname.startswith(ANY_MODULE) or qualname == "builtins":
        return True
    name = canonical(qualname)
    # (``os.path`` is posixpath, ``sys.modules["os.path"]``: no file of that name)
    return name in _stdlib_modules() or name == "os.path"


def inert(qualname: str) -> bool:
    """A C module with nothing catalogued in it (``math``): passing it on is harmless."""
    return canonical(qualname) in _inert()


@functools.cache
def _builtin_functions() -> frozenset[str]:
    return frozenset(n for n, v in vars(builtins).items()
                     if isinstance(v, types.BuiltinFunctionType))


def builtin_function(name: str) -> bool:
    """Whether ``name`` is a builtin function (its ``__self__`` is the builtins module)."""
    return name in _builtin_functions()


@functools.cache
def _leaves() -> dict[str, tuple[tuple[str, Capability], ...]]:
    out: dict[str, list[tuple[str, Capability]]] = {}
    for name, cap in catalog().exact.items():
        # a method of a catalogued container (``sys.meta_path.append``) is no attribute of a
        # module: ``<module>.append`` cannot be it
        if cap is not None and name.rpartition(".")[0] not in STORE_ONLY:
            out.setdefault(name.rpartition(".")[2], []).append((name, cap))
    return {k: tuple(v) for k, v in out.items()}


def leaf_entries(attr: str) -> tuple[tuple[str, Capability], ...]:
    """Catalogued names whose last component is ``attr`` (``system``: ``os.system``): what
    ``attr`` of a module the scanner cannot name may be."""
    return _leaves().get(attr, ())
