"""Calls, for gate.scan.python's scanner: the calls whose arguments decide the
capability (openers and their modes, importers, getattr and its relatives, namespaces)."""

from __future__ import annotations

import ast

from gate.catalog import canonical
from gate.model import Phase
from gate.scan import reflect
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
    _arg,
    _literal_str,
    _Refs,
    _unknown_args,
)
from gate.scan.reflect import SUBCLASSES, namespace_of

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


class _Calls(_Refs):
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
                if root.id == "setattr" and len(call.args) >= 2:
                    self._setattr(call, phase)
                if root.id in ("isinstance", "issubclass"):
                    for a in call.args[1:2]:  # a class named is not called
                        self._annotation(a, phase)
                    self._expr(call.args[0], phase) if call.args else None
                    return None
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
        elif (type(call.func) is ast.Attribute and call.args
              and call.func.attr == "__getattribute__"):  # ``object.__getattribute__(m, n)``
            self._getattribute("?.__getattribute__", call, phase)
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
        if attr in _LABELS and type(call.args[0]) is ast.Subscript:
            self.labelled.add(id(call.args[0]))  # ``setattr(globals()[n], "__module__", m)``
        if attr is None:  # ``setattr(sys, name, v)``: any attribute of the module replaced
            target = self._resolve(call.args[0])
            if target is not None and self.reaches(canonical(target)):
                self._add(_DYNAMIC, call.lineno, phase,
                          f"setattr({canonical(target)}, {_COMPUTED})")
            return
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
            if qual is not None:
                if not self._report(qual, call.lineno, phase, None):
                    self._escapes(call, qual, phase)
            if attr == SUBCLASSES:
                self._add(_DYNAMIC, call.lineno, phase, "*.__subclasses__() (reaches every class)")
        if keys is not None:
            return
        self._computed(call.args[0], call, f"getattr({{}}, {_COMPUTED})", phase)

    def _computed(self, target_node: ast.expr, call: ast.Call, shown: str, phase: Phase) -> None:
        """A computed attribute of ``target_node``: ``dynamic-code`` when it may be a module
        (every module holds ``__builtins__``) or a builtin function (``__self__``)."""
        target = self._resolve(target_node)
        if target is None:
            if type(target_node) is ast.Name and (
                    (reflect.builtin_function(target_node.id) and self._builtin(target_node.id))
                    or target_node.id in self._functions()):
                # a builtin's ``__self__``; a function's ``__globals__``, ``__builtins__``
                self._add(_DYNAMIC, call.lineno, phase, shown.format(target_node.id))
            return
        parent, _, leaf = canonical(target).rpartition(".")
        if parent and leaf[:1].isupper() and reflect.is_module(parent):
            return  # a class (``ssl.TLSVersion``) or constant: like ``getattr(self, n)``
        if parent and reflect.is_module(parent):
            # a function of the standard library: ``__globals__``
            self._add(_DYNAMIC, call.lineno, phase, shown.format(canonical(target)))
            return
        target = canonical(target)
        if self.reaches(target) or self._module_value(target) or target.startswith("<") or (
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
