"""Standard-library calls whose arguments decide what they do, beyond the catalog's entry:

* ``unittest.mock.patch(target)`` (and ``patch.dict``/``patch.multiple`` given a string)
  imports the module its target names (``pkgutil.resolve_name``) and ``_patch.getter()``
  hands it out: a target whose module part is computed (``"o" + "s.x"``) is an import by a
  computed name, ``dynamic-code``. A literal target, one under this module
  (``f"{__name__}.x"``) or one whose first literal part already holds a dot
  (``"pkg.mod." + name``: a name in a module the source spells) is not;
* ``fileinput.input(files, inplace=True)`` (``FileInput``) renames each file and writes
  it anew: ``fs-write`` unless ``inplace`` is absent or a literal false;
* ``importlib.util.find_spec("a.b")`` (``pkgutil.get_loader``, ``pkgutil.find_loader``,
  ``importlib.find_loader``) imports the parent package ``a``, as ``import a`` does: what
  importing it does (``antigravity`` opens a browser); a name made here whose parent is
  computed is an import by a computed name, ``dynamic-code`` (a name with no dot imports
  nothing; a name handed in by a variable, ``find_spec(import_name)``, is not read).

* ``importlib.resources.files(anchor)`` (``read_text``, ``open_binary``, ...,
  ``pkgutil.get_data(package, resource)`` and the builtin ``help(request)``) imports the
  package it is given, as ``import a.b`` does: what importing it does; a name made here is
  an import by a computed name;

* ``xml.sax.make_parser(names)`` imports each module ``names`` holds and calls its
  ``create_parser()`` (a driver of the package's own, ``["pkg._p"]``, runs):
  ``dynamic-code`` unless the list is absent or an empty display;

* ``unittest.main(module=__name__)`` (``TestProgram``) imports the module it names (or the
  dotted ``defaultTest``) and runs every test, ``setUpModule`` and ``load_tests`` found
  there: ``dynamic-code`` unless both are absent, ``None`` or ``"__main__"``;

* ``argparse.ArgumentParser(fromfile_prefix_chars="@")``: its ``parse_args`` reads each
  ``@file`` argument (``fs-read`` at the construction; without it, harmless);

* ``locale.getdefaultlocale(envvars)`` reads the environment variables it is given
  (``env``; with none, a fixed few: harmless by hand);

* ``typing.ForwardRef(s)`` is evaluated later (``get_type_hints``, ``_evaluate``): an
  ``s`` made here from pieces, or a literal holding code (a call, a lambda, ...), is
  ``dynamic-code``; a literal type (``"Node"``, ``"list[int] | None"``) or a string handed
  in by a variable (``ForwardRef(annotation)``: read where it is written) is not.

An unpacked argument (``unittest.main(**kw)``, ``make_parser(*a)``) may carry any value
to every parameter a form reads: it counts as one made here (``ANY``), so the form's
finding stands; a ``**{"module": m}`` display of literal keys is read as keywords.

Public API: findings(func, call, shape) -> list of (capability, detail); patcher(func):
whether ``func`` is ``mock.patch`` or one of its forms, ``unittest.main`` or
``typing.ForwardRef`` (a special form: its catalog entry is what a bare reference counts
as); annotation(text, line): a
string evaluated as an annotation, parsed, and whether it holds code.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from gate.catalog import FORMS, match
from gate.model import Capability
from gate.scan.python_refs import _CODE_NODES

_PATCHERS = frozenset({"unittest.mock.patch", "mock.patch"})
_PATCHER_PARTS = frozenset({"dict", "multiple"})  # ``patch.dict("os.environ", ...)``
_INPLACE = frozenset({"fileinput.input", "fileinput.FileInput"})
_PARENT_IMPORTERS = frozenset({"importlib.util.find_spec", "pkgutil.get_loader",
                               "pkgutil.find_loader", "importlib.find_loader"})
# read the ``@file`` arguments their parse_args is given (``fromfile_prefix_chars``)
_FROMFILE = {"argparse.ArgumentParser": 7}
# import the package they are given (its resources are read next to it)
_ANCHOR_IMPORTERS = FORMS - _PARENT_IMPORTERS - {"typing.ForwardRef",
                                                  "locale.getdefaultlocale",
                                                  "dataclasses.fields",
                                                  *_FROMFILE} | {"help"}
# imports each module a list names and calls its ``create_parser()``
_PARSER_LISTS = frozenset({"xml.sax.make_parser"})
# load tests from the module (``module``: a name is imported) and the dotted test names
# (``defaultTest``) they are given, and run them
_TEST_PROGRAMS = frozenset({"unittest.main", "unittest.TestProgram", "unittest.main.main",
                            "unittest.main.TestProgram"})
_FORWARD = "typing.ForwardRef"
# read the environment variables they are given (by default a fixed few: harmless by hand)
_ENV_NAMED = {"locale.getdefaultlocale": (0, "envvars")}
_PATCHER_HEADS = (*_PATCHERS, _FORWARD)
_HEADS = (*_PATCHER_HEADS, "fileinput.", *_PARENT_IMPORTERS, *_ANCHOR_IMPORTERS,
          *_PARSER_LISTS, "unittest.", *_ENV_NAMED, *_FROMFILE)


def patcher(func: str) -> bool:
    """``unittest.mock.patch``, ``patch.object``, ``patch.dict``, ``mock.patch`` ...,
    ``typing.ForwardRef``: their arguments decide (``findings``)."""
    return func in _TEST_PROGRAMS or (func.startswith(_PATCHER_HEADS) and (
        func in _PATCHERS or func.rpartition(".")[0] in _PATCHERS or func == _FORWARD))


def annotation(text: str, line: int | None = None) -> tuple[ast.expr | None, bool]:
    """``text`` parsed as an evaluated annotation (None: it does not parse) and whether it
    holds code when evaluated (a call, a lambda, ...: a type is names, subscripts, ``|``);
    ``line``: set as every node's line (a string's nodes are where the string is)."""
    try:
        inner = ast.parse(text, mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None, False
    code = False
    for sub in ast.walk(inner):
        if line is not None and hasattr(sub, "lineno"):
            sub.lineno = sub.end_lineno = line  # type: ignore[attr-defined]
        code = code or type(sub) in _CODE_NODES
    return inner, code


_HANDED_IN = (ast.Name, ast.Attribute, ast.Subscript)


def _annotation_code(node: ast.expr | None) -> bool:
    """Whether ``node`` (a ForwardRef's argument) may be code when evaluated: a literal
    holding code, or a string made here from pieces; a string handed in by name
    (``ForwardRef(annotation)``: an annotation written elsewhere, read there) is not."""
    if node is ANY:
        return True
    if node is None or isinstance(node, _HANDED_IN):
        return False
    if type(node) is not ast.Constant or not isinstance(node.value, str):
        return True
    tree, code = annotation(node.value)
    return tree is None or code


def _fixed_module(node: ast.expr, shape: Callable[[ast.expr], list[str | None]]) -> bool:
    """Whether the target string ``node`` names a module the source spells."""
    if type(node) is ast.JoinedStr and node.values and type(node.values[0]) is (
            ast.FormattedValue) and type(node.values[0].value) is ast.Name and (
            node.values[0].value.id == "__name__"):
        return True  # ``f"{__name__}.x"``: this module
    if type(node) is ast.BinOp and type(node.left) is ast.Name and node.left.id == "__name__":
        return True
    parts = shape(node)
    if not parts:  # ``f""``: names nothing to import
        return True
    return isinstance(parts[0], str) and (len(parts) == 1 or "." in parts[0])


# What a ``*a`` or ``**kw`` argument may carry to the parameter a form reads: any value.
ANY: ast.expr = ast.Name(id="<unpacked>", ctx=ast.Load())


def _given(call: ast.Call, index: int, *keywords: str) -> ast.expr | None:
    """Argument ``index`` of ``call`` as written, else the first of its keywords named one
    of ``keywords``; None when neither is given. ``ANY`` when an unpacked argument may be
    it: a ``*a`` at or before ``index`` (or after the last positional, which it extends),
    a ``**kw`` that is not a dict display of literal keys (one is read as keywords)."""
    for i, arg in enumerate(call.args):
        if type(arg) is ast.Starred:
            return ANY
        if i == index:
            return arg
    named = next((k.value for k in call.keywords if k.arg is not None and k.arg in keywords),
                 None)
    if named is not None:
        return named
    for k in call.keywords:
        if k.arg is not None:
            continue
        d = k.value
        if type(d) is not ast.Dict or not all(
                type(key) is ast.Constant and isinstance(key.value, str) for key in d.keys):
            return ANY  # (``{**a}`` has a None key: not a literal one)
        for key, value in zip(d.keys, d.values, strict=True):
            if key is not None and key.value in keywords:  # type: ignore[attr-defined]
                return value
    return None


def findings(func: str, call: ast.Call, shape: Callable[[ast.expr], list[str | None]]
             ) -> list[tuple[Capability, str]]:
    """What ``call`` of the standard-library ``func`` does that its entry does not say."""
    if not func.startswith(_HEADS):
        return []
    head, _, tail = func.rpartition(".")
    if func in _PATCHERS or (head in _PATCHERS and tail in _PATCHER_PARTS):
        target = _given(call, 0, "target", "in_dict")
        if target is ANY:
            return [(Capability.DYNAMIC_CODE, f"{func}(<unpacked>) may import its target")]
        if target is None or (func.endswith(".dict") and type(target) not in (
                ast.Constant, ast.BinOp, ast.JoinedStr)):
            return []  # ``patch.dict(os.environ, ...)``: a mapping, nothing imported
        if not _fixed_module(target, shape):
            return [(Capability.DYNAMIC_CODE, f"{func}(<computed>) imports its target")]
        return []
    if func == _FORWARD:
        arg = _given(call, 0, "arg")
        return [(Capability.DYNAMIC_CODE, f"{func}(<code>) is evaluated as an annotation")
                ] if _annotation_code(arg) else []
    if func in _PARENT_IMPORTERS or func in _ANCHOR_IMPORTERS:
        whole = func in _ANCHOR_IMPORTERS
        what = "the package" if whole else "the parent package"
        name = _given(call, 0, "name", "module_or_name", "fullname", "anchor", "package",
                      "request")
        if name is ANY:
            return [(Capability.DYNAMIC_CODE, f"{func}(<unpacked>) may import {what} it names")]
        parts = shape(name) if name is not None else []
        if not parts or isinstance(name, _HANDED_IN) or (
                type(name) is ast.Constant and not isinstance(name.value, str)):
            return []  # (a module object: ``get_loader(m)``; a name handed in by name)
        literal = "".join(p for p in parts if p is not None) if None not in parts else None
        if literal is None:  # the parent is spelled only when a literal part holds the dot
            if isinstance(parts[0], str) and "." in parts[0]:
                literal = parts[0].rpartition(".")[0] + ".x"
                whole = False
            else:
                return [(Capability.DYNAMIC_CODE, f"{func}(<computed>) imports {what} it names")]
        out: list[tuple[Capability, str]] = []
        parent = literal if whole else literal.rpartition(".")[0]
        while parent:
            entry = match(parent)
            if entry is not None and entry.name == parent:
                out += [(cap, f"{func}({literal!r}) imports {parent}")
                        for cap in entry.capabilities]
            parent = parent.rpartition(".")[0]
        return out
    if func in _PARSER_LISTS:
        names = _given(call, 0, "parser_list")
        if names is not None and not (type(names) in (ast.List, ast.Tuple) and not (
                names.elts)):  # type: ignore[attr-defined]
            return [(Capability.DYNAMIC_CODE, f"{func}(<modules>) imports each module "
                     "it names and calls its create_parser()")]
        return []
    if func in _TEST_PROGRAMS:
        module, tests = _given(call, 0, "module"), _given(call, 1, "defaultTest")
        named = [n for n in (module, tests) if n is not None and not (
            type(n) is ast.Constant and n.value in (None, "__main__"))]
        # (a module object handed on, ``module=sys.modules[__name__]``, is a finding of its
        # own; ``module=__name__`` a name: this module, imported again by it)
        return [(Capability.DYNAMIC_CODE, f"{func}(module=...) imports the module or tests "
                 "it names and runs them")] if named else []
    if func in _ENV_NAMED:
        index, keyword = _ENV_NAMED[func]
        names = _given(call, index, keyword)
        if names is not None and not (type(names) is ast.Constant and names.value is None):
            return [(Capability.ENV, f"{func}({keyword}=...) reads the variables it is given")]
        return []
    if func in _FROMFILE:
        chars = _given(call, _FROMFILE[func], "fromfile_prefix_chars")
        if chars is not None and not (type(chars) is ast.Constant and not chars.value):
            return [(Capability.FS_READ, f"{func}(fromfile_prefix_chars=...) reads the files "
                     "its arguments name")]
        return []
    if func in _INPLACE:
        flag = _given(call, 1, "inplace")
        if flag is not None and not (type(flag) is ast.Constant and not flag.value):
            return [(Capability.FS_WRITE, f"{func}(inplace=...) rewrites the files")]
    return []
