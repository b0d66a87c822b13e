"""Calls, for gate.scan.python's scanner: the calls whose arguments decide the
capability (openers and their modes, importers, getattr and its relatives, namespaces)."""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Callable, Sequence

from gate.catalog import canonical
from gate.model import Capability, Phase
from gate.scan import python_annotations, reflect, stdlib_forms
from gate.scan.nodes import statements, walk_parents
from gate.scan.python_refs import (
    _COMPUTED,
    _CONSUMERS,
    _DYNAMIC,
    _FLAG_OPENERS,
    _GETTERS,
    _IMPORTERS,
    _LABELS,
    _MODE_DEFAULTS,
    _MODULE_KEEPERS,
    _NAMESPACES,
    _OPENERS,
    _READ,
    _SAFE_YAML,
    _SELF_MODULE,
    _WRITE,
    _WRITE_FLAGS,
    CLASS_CHECKS,
    LOOKERS,
    _all_args,
    _arg,
    _literal_str,
    _path_changed,
    _Refs,
    _std_package,
    _unknown_args,
)
from gate.scan.reflect import LEADING, SUBCLASSES, namespace_of

# ``d.values()`` of a namespace (``globals()``, ``f.__globals__``, ``os.__dict__``)
_NAMESPACE_LISTS = frozenset({"values", "items", "copy", "setdefault", "pop", "popitem",
                              "__getitem__", "__iter__"})
_EVERY_OBJECT = frozenset({"gc.get_objects", "gc.get_referents", "gc.get_referrers"})
# Library functions known to only store into the namespace they are given (the code that
# every protobuf ``_pb2`` module runs: ``_builder.BuildTopDescriptorsAndMessages(DESCRIPTOR,
# 'pkg.x_pb2', _globals)``); what they do is protobuf's, scanned where protobuf is.
_NAMESPACE_FILLERS = frozenset(
    f"google.protobuf.internal.builder.{f}" for f in (
        "BuildMessageAndEnumDescriptors", "BuildTopDescriptorsAndMessages", "BuildServices"))


_FORMATS = frozenset({"format", "format_map"})
_MEMBERS = frozenset({"inspect.getmembers", "inspect.getmembers_static"})
# called by name, what ``getattr`` calls: ``x.__getattr__(n)`` is ``getattr(x, n)``
_HOOKS = frozenset({"__getattribute__", "__getattr__"})
# names through which a module writes its own namespace as an object
_NAMESPACE_WRITERS = _NAMESPACES | {"setattr", "__builtins__"}
_NAMESPACE_ATTRS = frozenset({"__dict__", "modules", "f_globals", "f_locals"})
_NAMESPACE_READS = frozenset({"get", "keys", "values", "items", "copy", "__getitem__",
                              "__contains__"})


class _Calls(_Refs):
    # ------------------------------------------------------------------ calls
    def _call(self, call: ast.Call, phase: Phase) -> str | None:
        """Report what the call uses; return what it evaluates to when that is known."""
        if self.code_tricks and _builds_code(call):
            self._add(_DYNAMIC, call.lineno, phase, "code object built or swapped")
        if python_annotations.ANNOTATIONS in self.words or (
                type(call.func) is ast.Name and call.func.id == "setattr"):
            # (``setattr(f, "__annot" + "ations__", d)`` never spells the word)
            why = python_annotations.called(call, self._typed)  # type: ignore[attr-defined]
            if why is not None:
                self._annotations_found(call, why, phase)  # type: ignore[attr-defined]
        if type(call.func) is ast.Attribute and call.func.attr == reflect.DESCRIPTOR_GET:
            why = self._descriptor_used(call)
            if why is not None:
                self._add(_DYNAMIC, call.lineno, phase,
                          f"{ast.unparse(call.func)[:30]}(...), {why} (a descriptor bound by "
                          "hand: a class namespace's hands out __globals__)")
        if self.class_reach_words:
            why = self._class_reached(call)
            if why is not None:
                self._add(_DYNAMIC, call.lineno, phase, f"{why} called (a class that acts "
                          "when made: not followed)")
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
            if type(call.func) is ast.Name and root.id in _CONSUMERS and self._builtin(
                    root.id):
                if self.only_looks(call) if root.id in CLASS_CHECKS else self.surely_builtin(
                        root.id):
                    for a in call.args[:1]:  # ``isinstance(m, str)``, ``hasattr(m, 'x')``
                        self.safe.add(id(a))
                if root.id == "setattr" and len(call.args) >= 2:
                    self._setattr(call, phase)
                if root.id in CLASS_CHECKS:
                    for a in call.args[1:2]:  # a class named is not called
                        self._annotation(a, phase)
                    self._expr(call.args[0], phase) if call.args else None
                    return None
            if type(call.func) is ast.Name and root.id == "help" and self._builtin("help"):
                # ``help("x")`` imports what it names (pydoc.locate): the builtin ``help``
                # is site's ``_Helper`` instance, not ``pydoc.help``
                for cap, detail in stdlib_forms.findings("help", call, _shape):
                    self._add(cap, call.lineno, phase, detail)
        if func is not None:
            func = canonical(func)
            if func == "importlib.reload":  # its value is the module (``_call_value``)
                for a in call.args[:1]:
                    self.safe.add(id(a))
            if func in _NAMESPACE_FILLERS:  # protobuf's generated ``_pb2`` modules
                for a in call.args:
                    self.safe.add(id(a))
            special = self._special(func, call, phase)
        elif type(call.func) is ast.Call:
            self._applied_getter(call, phase)
        elif type(call.func) is ast.Attribute and call.args and call.func.attr == "get":
            self._entry(call.func.value, call, call.args[0], phase)  # ``x.__dict__.get(n)``
        elif (type(call.func) is ast.Attribute and call.args
              and call.func.attr in _HOOKS):  # ``object.__getattribute__(m, n)``
            self._getattribute(f"?.{call.func.attr}", call, phase)
        if type(call.func) is ast.Attribute and call.func.attr == "__get__" and call.args:
            attr = self._descriptor_of(call.func.value)
            if attr is not None:  # ``type(print).__self__.__get__(print)``
                self._add(_DYNAMIC, call.lineno, phase, f"the {attr} descriptor bound by "
                          "__get__ (an object's module, namespace or builtins)")
        if (type(call.func) is ast.Attribute and call.func.attr == "get_field" and call.args
                and "Formatter" in self.words):
            field = _literal_str(call.args[0])  # ``Formatter().get_field(path, args, kw)``
            if field is None or "__" in field:
                self._add(_DYNAMIC, call.lineno, phase,
                          "Formatter.get_field (an attribute path, computed or reflective)")
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
        if type(call.func) is ast.Attribute and call.func.attr in _FORMATS and type(
                call.func.value) is ast.Constant and isinstance(call.func.value.value, str):
            # ``"({a})?".format(**globals())``: a format reads what its fields name (a
            # reflective path in it is a finding of its own) and calls nothing
            for a in (*call.args, *(kw.value for kw in call.keywords)):
                self.safe.add(id(a))
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
            path = _arg(call, 0, "file") if opener in _ENV_FILE_OPENERS else None
            if path is not None and _may_be_environ_file(path):
                self._add(Capability.ENV, line, phase, f"{opener}(/proc/*/environ) reads the "
                          "environment")
            if path is not None and _may_be_proc_file(path, "mem"):
                self._add(Capability.NATIVE, line, phase, f"{opener}(/proc/*/mem): the "
                          "interpreter's own memory as a file")
            if opener == "shelve.open":  # (in any mode: reading a shelf unpickles)
                self._add(_DYNAMIC, line, phase, "shelve.open (a shelf unpickles what is read "
                          "from it)")
            return True
        if func in _PROC_LISTERS and call.args and _lists_a_process(call.args[0]):
            # ``glob.glob("/proc/self/task/*/en*")``: the paths it gives include environ
            self._add(Capability.ENV, line, phase, f"{func}(/proc/<process>/...): a "
                      "process's environ among what it lists")
        if func == "os.open":
            self._os_open(call, phase)
            if call.args and _may_be_proc_file(call.args[0], "mem"):
                self._add(Capability.NATIVE, line, phase, "os.open(/proc/*/mem): the "
                          "interpreter's own memory as a file")
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
        if func.endswith((".get", ".pop")) and type(call.func) is ast.Attribute and call.args:
            owner = self._resolve(call.func.value)
            if owner == "sys.modules" and func.endswith(".pop") and type(
                    self._uses().parents.get(id(call))) is ast.Expr:
                return False  # ``sys.modules.pop(name, None)``: dropped, nothing handed out
            if owner is not None and (owner == "sys.modules" or (
                    namespace_of(owner) and func.endswith(".get"))):
                self._lookup(owner, _literal_str(call.args[0]), call.args[0], line, phase)
                self.safe.add(id(call.func.value))
                self.lookups.add(id(call.func.value))
                return False
        if func.startswith("sys.modules.") and func.split(".")[2] not in _MODULE_KEEPERS:
            self._add(_DYNAMIC, line, phase, f"{func}() (hands out modules)")
            return False
        if type(call.func) is ast.Attribute and func.rpartition(".")[2] in _NAMESPACE_LISTS:
            owner = self._resolve(call.func.value)
            if owner is not None and namespace_of(owner) is not None:
                shown = "globals()" if owner.startswith("<this") else canonical(owner)
                self._add(_DYNAMIC, line, phase, f"{shown}.{func.rpartition('.')[2]}() "
                          "(hands out what the module holds)")
                self.safe.add(id(call.func.value))
                return False
        if func in _EVERY_OBJECT:  # every object there is, modules among them
            self._add(_DYNAMIC, line, phase, f"{func}() (reaches every module)")
            return False
        if func.rpartition(".")[2] in _HOOKS and call.args:
            self._getattribute(func, call, phase)
            return True
        if func in ("yaml.load", "yaml.load_all"):
            loader = _arg(call, 1, "Loader")
            resolved = self._resolve(loader) if loader is not None else None
            if resolved not in _SAFE_YAML:
                self._add(_DYNAMIC, line, phase, func)
            return True
        for cap, detail in stdlib_forms.findings(func, call, _shape):
            self._add(cap, line, phase, detail)
        if stdlib_forms.patcher(func):
            return True  # ``mock.patch(target)``: its target decides
        if func in _MEMBERS and call.args:
            self._members(func, call.args[0], line, phase)
            return False
        return False

    def _call_value(self, call: ast.Call) -> str | None:
        """gate.scan.python_refs, and ``type(p)`` of a path (``type(pathlib.Path())`` is
        the concrete path class: called, it makes a path)."""
        func = call.func
        if type(func) is ast.Name and func.id == "type" and len(call.args) == 1 \
                and type(call.args[0]) is ast.Call and self._builtin("type") \
                and super()._call_value(call.args[0]) == "pathlib.Path":  # type: ignore[arg-type]
            return "pathlib.Path"
        if type(func) is ast.Call and type(func.func) is ast.Name and func.func.id == "type" \
                and self._call_value(func) == "pathlib.Path":  # ``type(Path())(p)``
            return "pathlib.Path"
        return super()._call_value(call)

    def _own_class(self, root: ast.expr, attrs: list[str]) -> bool:
        """``A.__subclasses__()`` of a class the file defines (gate.scan.python_refs), and
        whose name nothing rebinds unseen: not a class statement with a decorator or a
        metaclass (it binds what they return: ``@lambda c: object``), not a name a match
        pattern captures (``case A:``), not in a module that writes its namespace as an
        object (``globals()[...] =``, ``globals().update``, ``setattr`` on the module)."""
        if not super()._own_class(root, attrs):
            return False
        plain: set[str] | None = self.__dict__.get("_plain_classes")
        if plain is None:
            tree = ast.Module(body=list(self.module), type_ignores=[])
            nodes = list(ast.walk(tree))
            captured = {n.name for n in nodes if type(n) in (ast.MatchAs, ast.MatchStar)
                        and n.name} | {n.rest for n in nodes  # type: ignore[attr-defined]
                                       if type(n) is ast.MatchMapping and n.rest}
            written = any((type(n) is ast.Name and n.id in _NAMESPACE_WRITERS)
                          or (type(n) is ast.Attribute and n.attr in _NAMESPACE_ATTRS)
                          for n in nodes)
            plain = self.__dict__["_plain_classes"] = set() if written else {
                n.name for n in nodes if type(n) is ast.ClassDef and not n.decorator_list
                and not any(k.arg == "metaclass" for k in n.keywords)} - captured
        return root.id in plain  # type: ignore[attr-defined]

    def _rebinds(self, body: Sequence[ast.stmt], name: str) -> bool:
        """Whether ``body`` binds ``name`` (nested scopes included: an assignment, a
        ``global``/``nonlocal``, a def, class, ``except ... as``, ``case ... as``, an
        import) or may rebind it without assigning it: a call, when some function of the
        module declares it ``global`` (which one is called is not resolved), or a write to
        the module's namespace as an object: stored into (``globals()[k] = v``), changed by
        a method (``globals().update(n=...)``), ``setattr``
        (``setattr(sys.modules[__name__], "n", v)``), or the namespace handed on
        (``f(globals())``). Reading it (``globals()[n]``, ``.get``) rebinds nothing."""
        declared: set[str] | None = self.__dict__.get("_declared_global")
        if declared is None:
            declared = self.__dict__["_declared_global"] = {
                n for st in self.module for node in ast.walk(st) if type(node) is ast.Global
                for n in node.names}  # type: ignore[attr-defined]
        calls_rebind = name in declared
        read: set[int] = set()  # namespaces only read where they stand
        spaces: list[ast.expr] = []
        for st in body:
            for n in ast.walk(st):
                t = type(n)
                if t is ast.Name and type(n.ctx) is not ast.Load and n.id == name:  # type: ignore[attr-defined]
                    return True
                if t in (ast.Global, ast.Nonlocal) and name in n.names:  # type: ignore[attr-defined]
                    return True
                if getattr(n, "name", None) == name or getattr(n, "rest", None) == name:
                    return True  # a def, class, ``except ... as``, ``case ... as``
                if t in (ast.Import, ast.ImportFrom) and any(
                        (a.asname or a.name.split(".")[0]) == name for a in n.names):  # type: ignore[attr-defined]
                    return True
                if t is ast.Call:
                    f = n.func  # type: ignore[attr-defined]
                    if calls_rebind or (type(f) is ast.Name and f.id == "setattr"
                                        and n.args and self._may_be_this_module(
                                            n.args[0])):  # type: ignore[attr-defined]
                        return True
                    if type(f) is ast.Name and f.id in _NAMESPACES:
                        spaces.append(n)  # type: ignore[arg-type]
                    if type(f) is ast.Attribute and f.attr in _NAMESPACE_READS:
                        read.add(id(f.value))
                elif t is ast.Attribute and n.attr in _NAMESPACE_ATTRS:  # type: ignore[attr-defined]
                    spaces.append(n)  # type: ignore[arg-type]
                elif t is ast.Subscript and type(n.ctx) is ast.Load:  # type: ignore[attr-defined]
                    read.add(id(n.value))  # type: ignore[attr-defined]
                elif t is ast.Name and n.id == "__builtins__":  # type: ignore[attr-defined]
                    return True
        return any(id(n) not in read for n in spaces)

    def _may_be_this_module(self, node: ast.expr) -> bool:
        """Whether ``setattr(node, ...)`` may write this module's namespace: a lookup
        (``sys.modules[__name__]``), a call's value, or a name bound to it; not another
        module or class the source names (``setattr(sys, n, v)``), nor ``self``."""
        if type(node) in (ast.Subscript, ast.Call):
            return True
        return self._resolve(node, import_calls=False) == _SELF_MODULE

    def _descriptor_of(self, node: ast.expr) -> str | None:
        """The reflective attribute (``__self__``, ``__globals__``, ``f_globals``, ...)
        whose descriptor ``node`` may be: read on a type (``type(print).__self__``), from a
        class's namespace (``T.__dict__["__self__"]``) or statically
        (``inspect.getattr_static(print, "__self__")``); its ``__get__(obj)`` is what the
        attribute of ``obj`` is. None when ``node`` names none of them."""
        if type(node) is ast.Attribute:
            attr: str | None = node.attr  # type: ignore[attr-defined]
        elif type(node) is ast.Subscript:
            attr = _literal_str(node.slice)  # type: ignore[attr-defined]
        elif type(node) is ast.Call and len(node.args) >= 2 and self._resolve(
                node.func, import_calls=False) in _GETTERS:  # type: ignore[attr-defined]
            attr = _literal_str(node.args[1])  # type: ignore[attr-defined]
        else:
            return None
        return attr if attr in reflect.REFLECTIVE or attr in LEADING else None

    def _members(self, func: str, arg: ast.expr, line: int, phase: Phase) -> None:
        """``inspect.getmembers(x)``: every attribute of ``x``: of a module, what it
        holds; of a builtin function, its ``__self__`` (the builtins module); of a function
        or class of the standard library, ``__globals__`` (its module's namespace)."""
        target = self._resolve(arg)
        if target is not None and (self.reaches(target) or self._module_value(target)):
            # (a module, this one too: ``getmembers(sys.modules[__name__])``, as ``vars``)
            self._add(_DYNAMIC, line, phase, f"{func}({canonical(target)})")
        elif (target is None and type(arg) is ast.Name and reflect.builtin_function(arg.id)
              and self._builtin(arg.id)) or (
                target is not None and reflect.module_of(target) is not None):
            shown = ast.unparse(arg)[:30]
            self._add(_DYNAMIC, line, phase,
                      f"{func}({shown}) (hands out its __self__ or __globals__)")

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

    def _setattr(self, call: ast.Call, phase: Phase) -> None:
        """``setattr(sys, 'meta_path', [f])``, ``setattr(os, 'system', f)``: a store."""
        self.safe.add(id(call.args[0]))
        attr = _literal_str(call.args[1])
        owner = self._resolve(call.args[0], import_calls=False)
        if owner is not None:  # ``setattr(builtins, "hasattr", h)``, ``setattr(pkg, ...)``
            self._namespace_store(owner, attr, call.lineno, phase)  # type: ignore[attr-defined]
        if attr in _LABELS and type(call.args[0]) is ast.Subscript:
            self.labelled.add(id(call.args[0]))  # ``setattr(globals()[n], "__module__", m)``
        if attr is None:  # ``setattr(sys, name, v)``: any attribute of the module replaced
            target = self._resolve(call.args[0])
            if target is not None and (self.reaches(canonical(target))
                                       or _std_package(target)):
                self._add(_DYNAMIC, call.lineno, phase,  # (a package's: its ``__path__``)
                          f"setattr({canonical(target)}, {_COMPUTED})")
            return
        if attr == reflect.PATH:  # ``setattr(encodings, "__path__", [d])``
            target = self._resolve(call.args[0])
            if target is not None and _std_package(target):
                self._add(_DYNAMIC, call.lineno, phase, _path_changed(canonical(target)))
        qual = self._attribute_of(call.args[0], attr)
        entry = self.match(qual) if qual is not None else None
        if entry is not None:
            self._add_entry(entry, call.lineno, phase, f"{entry.name} replaced")

    def _getattr(self, call: ast.Call, phase: Phase) -> None:
        if len(call.args) < 2:
            return
        self.safe.add(id(call.args[0]))
        keys = self._keys(call.args[1])
        for attr in keys or ():  # ``getattr(os, 'system')``, ``getattr(print, '__self__')``
            qual = self._attribute_of(call.args[0], attr)
            if qual == reflect.SELF_OF:  # ``getattr(p, "__self__")``: maybe the builtins
                self._unknown(call.args[0], call, f"getattr({{}}, {attr!r})", phase, None)
            elif qual is not None:
                if not self._report(qual, call.lineno, phase, None):
                    self._escapes(call, qual, phase)
            if attr == SUBCLASSES:
                self._add(_DYNAMIC, call.lineno, phase, "*.__subclasses__() (reaches every class)")
        if keys is not None:
            return
        self._computed(call.args[0], call, f"getattr({{}}, {_COMPUTED})", phase, call.args[1])

    def _computed(self, target_node: ast.expr, call: ast.Call, shown: str, phase: Phase,
                  name: ast.expr | None = None) -> None:
        """A computed attribute of ``target_node`` (``name``: the computed name, when one
        is given): ``dynamic-code`` when the object may be a module (every module holds
        ``__builtins__``) or a builtin function (``__self__``) or a function (``__globals__``);
        of any other object, when the name may lead on and what it gives is looked into
        further (``_unknown``)."""
        target = self._resolve(target_node)
        if target is None:
            if type(target_node) is ast.Name and (
                    (reflect.builtin_function(target_node.id) and self._builtin(target_node.id))
                    or target_node.id in self._functions()):
                # a builtin's ``__self__``; a function's ``__globals__``, ``__builtins__``
                self._add(_DYNAMIC, call.lineno, phase, shown.format(target_node.id))
                return
            self._unknown(target_node, call, shown, phase, name)
            return
        parent, _, leaf = canonical(target).rpartition(".")
        if parent and leaf[:1].isupper() and reflect.is_module(parent):
            # a class (``ssl.TLSVersion``) or constant: like ``getattr(self, n)``, unless
            # it holds a module (``pathlib.Path.parser``, 3.13)
            if reflect.holds_modules(target):
                self._add(_DYNAMIC, call.lineno, phase, shown.format(canonical(target))
                          + " (a class holding a module)")
                return
            self._unknown(target_node, call, shown, phase, name)
            return
        if parent and reflect.is_module(parent):
            # a function of the standard library: ``__globals__``
            self._add(_DYNAMIC, call.lineno, phase, shown.format(canonical(target)))
            return
        target = canonical(target)
        if self.reaches(target) or self._module_value(target) or target.startswith("<") or (
                "." not in target and reflect.builtin_function(target)):
            shown_target = "sys.modules[__name__]" if target == _SELF_MODULE else target
            self._add(_DYNAMIC, call.lineno, phase, shown.format(shown_target))
            return
        self._unknown(target_node, call, shown, phase, name)

    def _unknown(self, target_node: ast.expr, lookup: ast.expr, shown: str, phase: Phase,
                 name: ast.expr | None) -> None:
        """A computed attribute (or namespace entry) of an object the scanner cannot type:
        any function, method, class or frame leads to a namespace and so to ``exec``, but
        only through an attribute that leads on (a dunder, ``f_globals``, ...: the name must
        be able to spell one) and a further step on what it gives (``[k]``, ``.x``, handed
        on: ``_Uses``). ``dynamic-code`` when both may be."""
        if name is not None and not _may_lead_on(name):
            return
        why = self._uses().further(lookup)
        if why is None:
            return
        text = ast.unparse(target_node)
        text = text if len(text) <= 30 else text[:27] + "..."
        self._add(_DYNAMIC, lookup.lineno, phase, f"{shown.format(text)}, {why}")

    def _entry(self, ns: ast.expr, lookup: ast.expr, key: ast.expr, phase: Phase) -> None:
        """``vars(x)[n]``, ``x.__dict__[n]``, ``x.__dict__.get(n)`` of an object the scanner
        cannot type: a class's namespace holds the descriptors of what leads on
        (``type(f).__dict__["__globals__"].__get__(f)`` is ``f.__globals__``). A module's
        namespace is resolved elsewhere (``_lookup``)."""
        obj = _namespace_object(ns)
        if obj is None:
            return
        resolved = self._resolve(ns)
        if resolved is not None and namespace_of(resolved) is not None:
            return
        keys = self._keys(key)
        if keys is not None and not any(_leads_on(k) for k in keys):
            return
        self._unknown(obj, lookup, f"{{}}.__dict__[{_COMPUTED}]", phase,
                      None if keys is not None else key)

    def _descriptor_used(self, call: ast.Call) -> str | None:
        """``d.__get__(obj)``: what it gives (``type(f).__dict__["__globals__"]`` bound
        to ``f`` is ``f.__globals__``) looked into further (``_Uses``), or any attribute read
        from it; None when it is only called, compared, returned or stored."""
        parent = self._uses().parents.get(id(call))
        if type(parent) is ast.Attribute and type(parent.ctx) is ast.Load:
            grand = self._uses().parents.get(id(parent))
            if (type(grand) is ast.Call and grand.func is parent and parent.attr == "__call__"
                    ) or parent.attr in _SHOWN:
                return None  # called; or how it is shown (``.__doc__``, ``.__name__``)
            return f".{parent.attr} read from it"
        return self._uses().further(call)

    def _class_reached(self, call: ast.Call) -> str | None:
        """What ``call`` calls, when that is a class reached from an object: by a class's
        bases (``X.__base__(...)``, ``X.__mro__[1](...)``, ``X.__bases__[0](...)``), or as
        the class of an object of the standard library's (``sys.stdout.buffer.raw.__class__
        (p, "w")``, ``type(open(f).buffer.raw)(p, "w")``: a FileIO) the scanner does not
        type; not ``type(self)(...)``, ``self.__class__(...)``, ``type(x)(...)`` of a value
        the scanner knows nothing of."""
        func = call.func
        if type(func) is ast.Subscript:
            func = func.value  # type: ignore[attr-defined]
            if type(func) is ast.Attribute and func.attr in ("__mro__", "__bases__"):  # type: ignore[attr-defined]
                return f"*.{func.attr}[...]"  # type: ignore[attr-defined]
            return None
        if type(func) is ast.Attribute and func.attr == "__base__":  # type: ignore[attr-defined]
            return "*.__base__"
        if type(func) is ast.Attribute and func.attr == "__class__" and self._standard_object(
                func.value):  # type: ignore[attr-defined]
            return f"{ast.unparse(func)[:40]}"
        if type(func) is ast.Call and type(func.func) is ast.Name and (  # type: ignore[attr-defined]
                func.func.id == "type" and len(func.args) == 1 and not func.keywords  # type: ignore[attr-defined]
                and self._standard_object(func.args[0])):  # type: ignore[attr-defined]
            return f"{ast.unparse(func)[:40]}"
        return None

    def _standard_object(self, node: ast.expr) -> bool:
        """Whether ``node`` is an object reached from a name the scanner resolves (a
        module's attribute, what a known function returns, a name bound to one): its
        class may be any of the standard library's."""
        while type(node) in (ast.Attribute, ast.Subscript, ast.Call):
            node = node.func if type(node) is ast.Call else node.value  # type: ignore[attr-defined]
        if type(node) is not ast.Name or node.id in ("self", "cls"):  # type: ignore[attr-defined]
            return False
        if self._resolve(node, import_calls=False) is not None:  # type: ignore[attr-defined]
            return True
        targets = self._call_bound.get(node.id)  # type: ignore[attr-defined]
        if not targets:
            return False
        scope = self._scope_of(node)
        return any(self._scope_of(t) == scope for t in targets)

    def _scope_of(self, node: ast.AST) -> int:
        """The id of the function (or the module) ``node`` stands in."""
        parents = self._uses().parents
        cur = parents.get(id(node))
        while cur is not None and type(cur) not in (ast.FunctionDef, ast.AsyncFunctionDef,
                                                     ast.Lambda):
            cur = parents.get(id(cur))
        return id(cur) if cur is not None else 0

    @functools.cached_property
    def _call_bound(self) -> dict[str, list[ast.Name]]:
        """Names (with where each is bound: its function is ``_scope_of`` it) that an
        assignment (or ``with ... as``) binds to what a standard function returns (``f =
        open(p)``, ``t = threading.current_thread()``; not a builtin but ``open``:
        ``getattr(e, n)``)."""
        out: dict[str, list[ast.Name]] = {}
        for node in ast.walk(self.tree):  # type: ignore[attr-defined]
            if type(node) is ast.Assign:
                pairs = [(t, node.value) for t in node.targets]
            elif type(node) is ast.withitem:
                pairs = [(node.optional_vars, node.context_expr)]
            else:
                continue
            for target, value in pairs:
                if type(target) is not ast.Name or type(value) is not ast.Call:
                    continue
                func = self._resolve(value.func, import_calls=False)  # type: ignore[attr-defined]
                if func is not None and (func == "open" or "." in func and reflect.is_module(
                        canonical(func).partition(".")[0])):
                    out.setdefault(target.id, []).append(target)
        return out

    def _uses(self) -> _Uses:
        """Where values go in this module (built once, when first needed)."""
        uses: _Uses | None = self.__dict__.get("_uses_of")
        if uses is None:
            uses = self.__dict__["_uses_of"] = _Uses(self.tree, self.only_looks)
        return uses

    def _getattribute(self, func: str, call: ast.Call, phase: Phase, *,
                      receiver: ast.expr | None = None, hook: str | None = None) -> None:
        """``os.__getattribute__('system')``, ``object.__getattribute__(os, name)``;
        ``receiver``/``hook``: the object and hook a ``getattr(o, "__getattribute__")``
        called gives (``call.func``)."""
        if receiver is None:
            receiver = call.func.value  # type: ignore[attr-defined]
        target = receiver if len(call.args) == 1 else call.args[0]
        attr = _literal_str(call.args[-1])
        if len(call.args) > 1:
            self.safe.add(id(call.args[0]))
        self.safe.add(id(receiver))
        if attr is not None:  # as ``getattr(target, attr)``
            qual = self._attribute_of(target, attr)
            if qual == reflect.SELF_OF:  # ``p.__getattribute__("__self__")``
                self._unknown(target, call, f"{{}}.__getattribute__({attr!r})", phase, None)
            elif qual is not None and not self._report(qual, call.lineno, phase, None) \
                    and attr in reflect.REFLECTIVE and self._module_value(qual):
                # ``print.__getattribute__("__self__")``: what it gives is not followed
                self._add(_DYNAMIC, call.lineno, phase,
                          f"{ast.unparse(target)[:30]}.__getattribute__({attr!r}) (the "
                          f"{canonical(qual)} module, not followed)")
            return
        hook = hook or call.func.attr  # type: ignore[attr-defined]
        self._computed(target, call, f"{{}}.{hook}({_COMPUTED})", phase, call.args[-1])

    def _hook_getter(self, inner: ast.Call) -> str | None:
        """The lookup hook (``__getattribute__``, ``__getattr__``) that ``inner``, a call of
        the builtin ``getattr`` with that literal name, gives; None otherwise."""
        if type(inner.func) is not ast.Name or inner.func.id != "getattr" or len(
                inner.args) < 2 or not self._builtin("getattr"):
            return None
        literal = _literal_str(inner.args[1])  # (pieces folded: ``"__getattri" + "bute__"``)
        # (a name computed otherwise is a computed lookup of its own: what the call of its
        # value gives is followed, ``_unknown``)
        return literal if literal in _HOOKS else None

    def _applied_getter(self, call: ast.Call, phase: Phase) -> None:
        """``operator.attrgetter('system')(os)``, ``methodcaller('system', c)(os)``, or
        with a computed name: an attribute of a module, named or computed."""
        inner = call.func
        assert isinstance(inner, ast.Call)
        hook = self._hook_getter(inner)
        if hook is not None and call.args:
            # ``getattr(o, "__getattribute__")(n)`` is ``o.__getattribute__(n)``
            self._getattribute(f"?.{hook}", call, phase, receiver=inner.args[0], hook=hook)
            return
        getter = self._resolve(inner.func, import_calls=False)
        getter = canonical(getter) if getter is not None else None  # (``_operator.``)
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


# ---------------------------------------------------------------- computed attributes
_PERCENT = re.compile(r"%%|%(?:\([^)]*\))?[#0 +\-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[a-zA-Z]")
_FIELD = re.compile(r"\{\{|\}\}|\{[^{}]*\}")


def _split(text: str, pattern: re.Pattern[str]) -> list[str | None]:
    """A format's literal pieces (``"%%"``, ``"{{"`` are literal) and None per field."""
    out: list[str | None] = []
    at = 0
    for m in pattern.finditer(text):
        out.append(text[at:m.start()])
        field = m.group()
        out.append(field[0] if field in ("%%", "{{", "}}") else None)
        at = m.end()
    out.append(text[at:])
    return out


def _shape(node: ast.expr) -> list[str | None]:
    """The pieces of a string expression: literal text, None for what is computed
    (``"visit_" + kind`` -> ``["visit_", None]``; ``f"_{a}_{b}"``, ``"%s_x" % a``,
    ``"x_{}".format(a)``, ``"_".join(["x", a])``)."""
    t = type(node)
    if t is ast.Constant:
        value = node.value  # type: ignore[attr-defined]
        return [value] if isinstance(value, str) else [None]
    if t is ast.BinOp:
        assert isinstance(node, ast.BinOp)
        if type(node.op) is ast.Add:
            return _shape(node.left) + _shape(node.right)
        if type(node.op) is ast.Mod and type(node.left) is ast.Constant and isinstance(
                node.left.value, str):  # type: ignore[attr-defined]
            return _split(node.left.value, _PERCENT)  # type: ignore[attr-defined]
        return [None]
    if t is ast.JoinedStr:
        out: list[str | None] = []
        for v in node.values:  # type: ignore[attr-defined]
            out += _shape(v) if type(v) is ast.Constant else [None]
        return out
    if t is ast.Call:
        assert isinstance(node, ast.Call)
        func = node.func
        if type(func) is ast.Attribute and type(func.value) is ast.Constant and isinstance(
                func.value.value, str):  # type: ignore[attr-defined]
            text: str = func.value.value  # type: ignore[attr-defined]
            if func.attr == "format":
                return _split(text, _FIELD)
            if func.attr == "join" and len(node.args) == 1 and not node.keywords and type(
                    node.args[0]) in (ast.List, ast.Tuple):
                joined: list[str | None] = []
                for i, e in enumerate(node.args[0].elts):  # type: ignore[attr-defined]
                    joined += ([text] if i else []) + (
                        _shape(e) if type(e) is not ast.Starred else [None])
                return joined
    return [None]


_ENV_FILE_OPENERS = frozenset({"open", "io.open", "io.FileIO", "codecs.open"})
# what lists a directory's entries (paths that no literal spells whole)
_PROC_LISTERS = frozenset({"glob.glob", "glob.iglob", "os.listdir", "os.scandir", "os.walk",
                           "os.fwalk"})


def _lists_a_process(node: ast.expr) -> bool:
    """Whether the literal head of the path ``node`` is a process's directory under /proc
    (``/proc/self``, ``/proc/thread-self``, ``/proc/<pid>``, a pattern or a computed pid)."""
    first = _shape(node)[0]
    if first is None or not first.startswith("/proc/"):
        return False
    comp = first[len("/proc/"):].partition("/")[0]  # ("": ``"/proc/%d" % pid``)
    return comp in ("", "self", "thread-self") or comp.isdigit() or any(
        c in comp for c in "*?[")


def _may_be_proc_file(node: ast.expr, leaf: str, pids: tuple[str, ...] = ("self",)) -> bool:
    """Whether the path ``node`` may be ``/proc/<...>/<leaf>`` (``mem``, ``environ``): its
    literal parts allow it (``"/proc/self/" + leaf``, ``f"/proc/{pid}/{leaf}"``: tried
    with each of ``pids``); a path made of nothing literal is not read. (Any prefix:
    ``/proc/self/root/proc/self/environ`` loops back through the root link.)"""
    parts = _shape(node)
    if all(p is None for p in parts):
        return False
    if None not in parts:
        return re.fullmatch(rf"/proc/.+/{leaf}", "".join(parts)) is not None  # type: ignore[arg-type]
    pattern = "".join(".*" if p is None else re.escape(p) for p in parts)
    return any(re.fullmatch(pattern, f"/proc/{pid}/{leaf}") for pid in pids)


def _may_be_environ_file(node: ast.expr) -> bool:
    """Whether the path ``node`` may be ``/proc/<pid>/environ`` (a process's environment
    read as a file)."""
    return _may_be_proc_file(node, "environ", ("self", "1"))


def _may_lead_on(node: ast.expr) -> bool:
    """Whether the computed name ``node`` may spell an attribute that leads on (a dunder or
    one of ``LEADING``); ``"visit_" + kind``, ``f"get_{x}"``, ``"_%s_cache" % n`` cannot."""
    parts = _shape(node)
    prefix = suffix = ""
    for p in parts:
        if p is None:
            break
        prefix += p
    for p in reversed(parts):
        if p is None:
            break
        suffix = p + suffix
    if None not in parts:  # all literal (a loop key, a string the scanner did not fold)
        return _leads_on(prefix)
    dunder = (prefix.startswith("__") or "__".startswith(prefix)) and (
        suffix.endswith("__") or "__".endswith(suffix))
    return dunder or any(n.startswith(prefix) and n.endswith(suffix)
                         and len(prefix) + len(suffix) <= len(n) for n in LEADING)


def _namespace_object(node: ast.expr) -> ast.expr | None:
    """``x`` of ``vars(x)``, ``x.__dict__``, ``getattr(x, "__dict__")``; else None."""
    if type(node) is ast.Attribute:
        return node.value if node.attr == "__dict__" else None  # type: ignore[attr-defined]
    if type(node) is ast.Call and type(node.func) is ast.Name and len(node.args) >= 1 and (  # type: ignore[attr-defined]
            not node.keywords):  # type: ignore[attr-defined]
        args = node.args  # type: ignore[attr-defined]
        if node.func.id == "vars" and len(args) == 1:  # type: ignore[attr-defined]
            return args[0]
        if node.func.id == "getattr" and len(args) == 2 and _literal_str(args[1]) == "__dict__":  # type: ignore[attr-defined]
            return args[0]
    return None


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.Module)
# what looks into a namespace, a module or a class for what it holds
_LOOKUPS = frozenset({"get", "values", "items", "pop", "setdefault", "popitem", "copy",
                      "__getitem__", "__getattribute__", "__getattr__", "getitem",
                      "getattr_static", "getmembers", "reduce"})
# the builtins a builtin function's ``__self__`` (the builtins module) hands out that reach
# code or other modules
_BUILTIN_REACH = frozenset({"exec", "eval", "compile", "__import__", "open", "getattr",
                            "vars", "globals", "locals", "breakpoint", "__loader__"})
_REFLECTING = frozenset({"getattr", "vars", "attrgetter", "methodcaller"})


def _leads_on(attr: str) -> bool:
    return attr in LEADING or (attr.startswith("__") and attr.endswith("__"))


# attributes that say how an object is shown, nothing it can reach
_SHOWN = frozenset({"__doc__", "__name__", "__qualname__", "__module__"})


class _Uses:
    """Where the value of one expression goes in its module: whether something looks into
    it for what it holds, as a namespace, a module or a class is looked into on the way to
    ``exec``. Followed (the value, or what it gives): a call of it, a plain attribute of it
    (``.append``), a name bound to it (each read of that name: in the outermost function,
    or the module for a global), a loop over it, ``a or b``, ``await``, an attribute stored
    (each read of that attribute name in the module), a return or yield (each call, in the
    module, of a function by that name), an argument of one of the module's own functions
    (that parameter's reads). A further step: subscripted, an attribute that leads on
    (``.__globals__``, ``.f_back``), a namespace's lookups (``.get``, ``.values``), a
    builtin that reaches code (``.exec``), handed to what reflects (``getattr(v, n)``,
    ``vars(v)``, ``operator.getitem(v, k)``). Not followed: other calls it is handed to, a
    container it is put in (docs/scanner.md, known limits)."""

    def __init__(self, tree: ast.AST, looker: Callable[[ast.Call], bool]) -> None:
        self.tree = tree
        every, self.parents = walk_parents(tree)
        self.looker = looker  # whether a call only looks at its first argument (LOOKERS)
        # the module's defs, reads of names and of attributes, calls, by name
        self.defs: dict[str, list[ast.AST]] = {}
        self.names: dict[str, list[ast.AST]] = {}
        self.attrs: dict[str, list[ast.AST]] = {}
        self.calls: dict[str, list[ast.AST]] = {}
        self.declared: dict[int, frozenset[str]] = {}  # ``global`` names, by scope
        for n in every:
            t = type(n)
            if t is ast.Name and type(n.ctx) is ast.Load:  # type: ignore[attr-defined]
                self.names.setdefault(n.id, []).append(n)  # type: ignore[attr-defined]
            elif t is ast.Attribute and type(n.ctx) is ast.Load:  # type: ignore[attr-defined]
                self.attrs.setdefault(n.attr, []).append(n)  # type: ignore[attr-defined]
            elif t is ast.FunctionDef or t is ast.AsyncFunctionDef:
                self.defs.setdefault(n.name, []).append(n)  # type: ignore[attr-defined]
            elif t is ast.Call:
                func = n.func  # type: ignore[attr-defined]
                if type(func) is ast.Name:
                    self.calls.setdefault(func.id, []).append(n)
                elif type(func) is ast.Attribute:
                    self.calls.setdefault(func.attr, []).append(n)

    def further(self, node: ast.AST) -> str | None:
        return self._use(node, set())

    def _within(self, node: ast.AST, unit: ast.AST) -> bool:
        while node is not None and node is not unit:
            node = self.parents.get(id(node))  # type: ignore[assignment]
        return node is unit

    def _first(self, nodes: list[ast.AST], seen: set[int]) -> str | None:
        for n in nodes:
            why = self._use(n, seen)
            if why is not None:
                return why
        return None

    def _use(self, node: ast.AST, seen: set[int]) -> str | None:
        if id(node) in seen:
            return None
        seen.add(id(node))
        p = self.parents.get(id(node))
        t = type(p)
        if p is None or t is ast.Expr or t is ast.Compare or t is ast.UnaryOp or (
                t is ast.FormattedValue):
            return None
        if t is ast.Call:
            assert isinstance(p, ast.Call)
            if p.func is node:
                return self._use(p, seen)
            return self._argument(p, node, seen)
        if t is ast.keyword:
            call = self.parents.get(id(p))
            return self._argument(call, p, seen) if isinstance(call, ast.Call) else None
        if t in (ast.If, ast.While, ast.Assert, ast.IfExp):
            if node is p.test or node is getattr(p, "msg", None):  # type: ignore[attr-defined]
                return None
            return self._use(p, seen)
        if t is ast.BoolOp or t is ast.Await or t is ast.BinOp:
            return self._use(p, seen)
        if t is ast.Subscript:
            assert isinstance(p, ast.Subscript)
            return None if node is p.slice or type(p.ctx) is not ast.Load else "subscripted"
        if t is ast.Attribute:
            assert isinstance(p, ast.Attribute)
            if _leads_on(p.attr) or p.attr in _LOOKUPS or p.attr in _BUILTIN_REACH:
                return f".{p.attr} read from it"
            return None if type(p.ctx) is not ast.Load else self._use(p, seen)
        if t is ast.Assign or t is ast.AnnAssign or t is ast.NamedExpr:
            targets = p.targets if t is ast.Assign else [p.target]  # type: ignore[attr-defined]
            for target in targets:
                why = self._bound(target, p, seen)
                if why is not None:
                    return why
            return self._use(p, seen) if t is ast.NamedExpr else None
        if t in (ast.For, ast.AsyncFor, ast.comprehension) and node is p.iter:  # type: ignore[attr-defined]
            return self._bound(p.target, p, seen)  # type: ignore[attr-defined]
        if t is ast.withitem:
            assert isinstance(p, ast.withitem)
            return None if p.optional_vars is None else self._bound(p.optional_vars, p, seen)
        if t in (ast.Return, ast.Lambda, ast.Yield, ast.YieldFrom):
            return self._returned(p, seen)
        return None

    def _scope(self, node: ast.AST) -> ast.AST | None:
        scope = self.parents.get(id(node))
        while scope is not None and not isinstance(scope, _SCOPES):
            scope = self.parents.get(id(scope))
        return scope

    def _returned(self, at: ast.AST, seen: set[int]) -> str | None:
        """Returned (or yielded): each call in the module of a function by that name."""
        fn = at if type(at) is ast.Lambda else self._scope(at)
        if type(fn) is ast.Lambda:
            holder = self.parents.get(id(fn))
            if type(holder) is ast.Assign and len(holder.targets) == 1 and type(  # type: ignore[attr-defined]
                    holder.targets[0]) is ast.Name:  # type: ignore[attr-defined]
                name = holder.targets[0].id  # type: ignore[attr-defined]
            else:
                return self._use(fn, seen)  # ``(lambda o, n: getattr(o, n))(f, k)``
        elif type(fn) in (ast.FunctionDef, ast.AsyncFunctionDef):
            name = fn.name  # type: ignore[union-attr]
        else:
            return "returned"
        why = self._first(self.calls.get(name, []), seen)
        if why is None or why.startswith("returned"):
            return why
        return f"returned, then {why}"

    def _argument(self, call: ast.AST | None, arg: ast.AST, seen: set[int]) -> str | None:
        if not isinstance(call, ast.Call):
            return None
        func = call.func
        if type(func) is ast.Name:
            if func.id in LOOKERS and self.looker(call):
                return None
            if func.id in _REFLECTING:
                return f"handed to {func.id}()"
        if type(func) is ast.Attribute and (func.attr in _LOOKUPS or func.attr in _REFLECTING):
            return f"handed to .{func.attr}()"
        if type(func) is ast.Call and type(func.func) in (ast.Name, ast.Attribute):
            inner = func.func
            if (inner.id if type(inner) is ast.Name else inner.attr) in _REFLECTING:  # type: ignore[union-attr]
                return "handed to an attribute getter"
        # one of the module's own functions: that parameter's reads
        name = func.id if type(func) is ast.Name else (  # type: ignore[union-attr]
            func.attr if type(func) is ast.Attribute else None)  # type: ignore[union-attr]
        for fn in self.defs.get(name, []) if name else ():
            params = _all_args(fn.args)  # type: ignore[attr-defined]
            if type(arg) is ast.keyword:
                chosen = [a for a in params if a.arg == arg.arg]  # type: ignore[attr-defined]
            else:
                i = call.args.index(arg) if arg in call.args else -1  # type: ignore[operator]
                if i < 0 or any(type(a) is ast.Starred for a in call.args[:i + 1]):
                    chosen = params
                else:  # (a method: ``self`` may be the first, or not)
                    chosen = params[i:i + 2]
            for a in chosen:
                why = self._first([n for n in self.names.get(a.arg, [])
                                   if self._within(n, fn)], seen)
                if why is not None:
                    return why
        return None

    def _globals(self, scope: ast.AST) -> frozenset[str]:
        """The names a ``global`` statement within ``scope`` declares (read once a scope)."""
        out = self.declared.get(id(scope))
        if out is None:
            body = getattr(scope, "body", None)  # (a lambda's is an expression: none)
            out = self.declared[id(scope)] = frozenset(
                g for n in statements(body if isinstance(body, list) else ())
                if type(n) is ast.Global for g in n.names)  # type: ignore[attr-defined]
        return out

    def _bound(self, target: ast.expr, at: ast.AST, seen: set[int]) -> str | None:
        """A value bound to ``target``: a name is followed to its reads, an attribute to
        every read of that attribute name in the module."""
        if type(target) in (ast.Tuple, ast.List):
            for e in target.elts:  # type: ignore[attr-defined]
                why = self._bound(e, at, seen)
                if why is not None:
                    return why
            return None
        if type(target) is ast.Starred:
            return self._bound(target.value, at, seen)  # type: ignore[attr-defined]
        if type(target) is ast.Attribute:
            return self._first(self.attrs.get(target.attr, []), seen)  # type: ignore[attr-defined]
        if type(target) is not ast.Name:
            return None
        name = target.id  # type: ignore[attr-defined]
        scope = self._scope(at)
        unit: ast.AST = self.tree
        if scope is not None and type(scope) not in (ast.Module, ast.ClassDef) and (
                name not in self._globals(scope)):
            while True:  # the outermost function (closures, ``nonlocal``)
                outer = self._scope(scope)
                if outer is None or type(outer) in (ast.Module, ast.ClassDef):
                    break
                scope = outer
            unit = scope
        reads = self.names.get(name, [])
        return self._first(reads if unit is self.tree else
                           [n for n in reads if self._within(n, unit)], seen)


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
