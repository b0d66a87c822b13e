"""Standard-library calls whose arguments decide what they do (gate/scan/stdlib_forms.py),
given their arguments unpacked: a ``**kw`` may carry any keyword and a ``*a`` any
positional, so each is an unknown value for every parameter the form reads.

Every expected finding is exact: capability, line, phase, detail.
"""

from __future__ import annotations

import pytest

from tests.scan.test_soundness import findings, shown

DYN = "dynamic-code"
TESTS = "unittest.main(module=...) imports the module or tests it names and runs them"
PARSER = "xml.sax.make_parser(<modules>) imports each module it names and calls its create_parser()"


def found(src: str) -> set[tuple[str, int, str, str]]:
    return {(c, line, ph, d) for _, c, line, ph, d in shown(findings(src, "pkg/__init__.py"))}


@pytest.mark.parametrize(("code", "want"), [
    # unittest.main(module=..., defaultTest=...) imports what it names and runs its tests
    ('kw = {"module": "antigrav" + "ity"}\nunittest.main(**kw)', (DYN, TESTS)),
    ("kw = dict(module=M)\nunittest.main(**kw)", (DYN, TESTS)),
    ("unittest.main(*sys.argv[1:2])", (DYN, TESTS)),
    ("unittest.main(None, *a)", (DYN, TESTS)),  # (a *a may carry defaultTest)
    ('unittest.main(**{"module": m})', (DYN, TESTS)),
    # xml.sax.make_parser(parser_list) imports each module and calls create_parser()
    ('kw = {"parser_list": [n]}\nxml.sax.make_parser(**kw)', (DYN, PARSER)),
    ("xml.sax.make_parser(*a)", (DYN, PARSER)),
    # mock.patch(target) imports the target's module
    ('kw = {"target": "o" + "s.x"}\nmock.patch(**kw)',
     (DYN, "unittest.mock.patch(<unpacked>) may import its target")),
    ("mock.patch(*t)", (DYN, "unittest.mock.patch(<unpacked>) may import its target")),
    ("mock.patch.dict(**kw)",
     (DYN, "unittest.mock.patch.dict(<unpacked>) may import its target")),
    ('mock.patch.dict(**{"in_dict": "o" + "s.environ", "values": {}})',
     (DYN, "unittest.mock.patch.dict(<computed>) imports its target")),
    # typing.ForwardRef(arg) is evaluated later
    ("typing.ForwardRef(**kw)", (DYN, "typing.ForwardRef(<code>) is evaluated as an annotation")),
    ('typing.ForwardRef(**{"arg": "__import__(\'os\')"})',
     (DYN, "typing.ForwardRef(<code>) is evaluated as an annotation")),
    # importlib.util.find_spec("a.b") imports the parent package a
    ("importlib.util.find_spec(**kw)",
     (DYN, "importlib.util.find_spec(<unpacked>) may import the parent package it names")),
    # fileinput.input(files, inplace=True) rewrites the files
    ("fileinput.input(**kw)", ("fs-write", "fileinput.input(inplace=...) rewrites the files")),
    ("fileinput.input(['f'], *a)",
     ("fs-write", "fileinput.input(inplace=...) rewrites the files")),
])
def test_unpacked_arguments_may_carry_what_the_form_reads(code: str,
                                                          want: tuple[str, str]) -> None:
    head = ("import sys, typing, unittest, xml.sax, fileinput, importlib.util\n"
            "from unittest import mock\n")
    line = head.count("\n") + code.count("\n") + 1
    got = {f for f in found(head + code + "\n") if f[0] == want[0] and f[3] == want[1]}
    assert {(c, ln) for c, ln, _, _ in got} == {(want[0], line)}, found(head + code + "\n")


@pytest.mark.parametrize("code", [
    'unittest.main(**{"exit": False, "verbosity": 2})',  # literal keys, none the form reads
    'unittest.main(argv=["x"], **{"exit": False})',
    "xml.sax.make_parser(**{})",
    'mock.patch("pkg.x", **kw)',  # the target is spelled; kw holds the rest
    'typing.ForwardRef("int", **kw)',
    "fileinput.input(['f'], False, **kw)",  # (inplace is given: kw cannot carry it again)
])
def test_unpacked_arguments_the_form_does_not_read_stay_quiet(code: str) -> None:
    head = ("import typing, unittest, xml.sax, fileinput\nfrom unittest import mock\n")
    got = {f for f in found(head + code + "\n") if f[0] in (DYN, "fs-write")}
    assert got == set()


# ---------------------------------------------------------------- command lines
@pytest.mark.parametrize("code", [
    "import json.tool\njson.tool.main()",
    "from json import tool as t\nt.main()",
    "import json.tool as t\nt.main()",
    "from json.tool import main\nmain()",
    "from json.tool import main as m\nm()",
    "import json.tool\nt = json.tool\nt.main()",
])
def test_a_command_line_is_read_through_any_import(code: str) -> None:
    """``json.tool.main`` is catalogued (it writes the file its arguments name) but makes
    no parent of ``json`` (gate.catalog.STDLIB_CLI): every spelling still reaches it."""
    line = code.count("\n") + 1
    got = {(c, ln) for c, ln, _, d in found(code + "\n") if "json.tool.main" in d}
    assert ("fs-write", line) in got or ("fs-write", 1) in got, found(code + "\n")



# ---------------------------------------------------------------- wave 6's mechanisms
@pytest.mark.parametrize(("code", "want"), [
    # ``f.__call__(a)`` is ``f(a)``
    ('getattr.__call__(print, "__s" + "elf__").exec(c)', (DYN, "exec")),
    ('globals.__call__()["__builtins__"]', (DYN, "globals()['__builtins__']")),
    ('sys.modules.get.__call__("o" + "s").system("x")', ("subprocess", "os.system")),
    ('sys.modules.get.__call__.__call__(n)', (DYN, "sys.modules[<computed>]")),
    # ``getattr(o, "__getattribute__")(n)`` is ``o.__getattribute__(n)``
    ('def f(o, n):\n    return getattr(o, "__getattribute__")(n)["k"]',
     (DYN, "o.__getattribute__(<computed>), subscripted")),
    # ``sys.modules.pop(name)`` hands out the module it removes
    ("m = sys.modules.pop(n)", (DYN, "sys.modules[<computed>]")),
    ('sys.modules.pop("os").system("x")', ("subprocess", "os.system")),
    # the import system's suffix lists however reached, and any change of them
    ("s = importlib.machinery.BYTECODE_SUFFIXES\ns += ['.dat']",
     (DYN, "importlib.machinery.BYTECODE_SUFFIXES += ...")),
    ("importlib.machinery.SOURCE_SUFFIXES.__iadd__(['.txt'])",
     (DYN, "importlib.machinery.SOURCE_SUFFIXES.__iadd__")),
    ("importlib.machinery.SOURCE_SUFFIXES.__setitem__(0, '.txt')",
     (DYN, "importlib.machinery.SOURCE_SUFFIXES.__setitem__")),
    ("importlib._bootstrap_external.SOURCE_SUFFIXES.append('.txt')",
     (DYN, "importlib.machinery.SOURCE_SUFFIXES.append")),
    ("importlib._bootstrap_external._get_supported_file_loaders()",
     (DYN, "importlib._bootstrap_external._get_supported_file_loaders")),
    # standard helpers that import the package they are given
    ('help("antigrav" + "ity")', ("subprocess", "help('antigravity') imports antigravity")),
    ("help(n + 'x')", (DYN, "help(<computed>) imports the package it names")),
    ('importlib.resources.files("x" + n)',
     (DYN, "importlib.resources.files(<computed>) imports the package it names")),
    ("pkgutil.get_data(n + 'x', 'r')",
     (DYN, "pkgutil.get_data(<computed>) imports the package it names")),
    ("warnings._processoptions(opts)", (DYN, "warnings._processoptions")),
    # read-mode shelves unpickle; archives opened for reading write with extractall
    ("shelve.open(p, 'r')", (DYN, "shelve.open (a shelf unpickles what is read from it)")),
    ("zipfile.ZipFile(p).extractall(d)", ("fs-write", "zipfile.ZipFile().extractall")),
    ("a.extractall(d)", ("fs-write", "*.extractall")),
    ("t = tarfile.open(p, 'r')\nt.extract('x', d)", ("fs-write", "tarfile.TarFile().extract")),
    ("with zipfile.ZipFile(p) as z:\n    z.extract('x')",
     ("fs-write", "zipfile.ZipFile().extract")),
    # environment readers
    ("wsgiref.handlers.read_environ()", ("env", "wsgiref.handlers.read_environ")),
    ("wsgiref.handlers.CGIHandler().os_environ", ("env", "*.os_environ")),
    ("locale.getdefaultlocale(('X',))",
     ("env", "locale.getdefaultlocale(envvars=...) reads the variables it is given")),
    ("breakpoint(x)", (DYN, "breakpoint")),
    # ``setattr`` of annotations by a name in pieces (the word is never spelled)
    ('def g(): pass\nsetattr(g, f"__annot{\'ations\'}__", {"x": s})',
     (DYN, "setattr(g, f\"__annot{'ations'}__\", {'...: annotations stored, 's' may be a "
           "string (evaluated as code by typing.get_type_hints; keys compiled by "
           "dataclasses)")),
    # an annotations dict filled through another name
    ("def g(f):\n    a = getattr(f, '__annotations__')\n    a['x'] = s",
     (DYN, "a: annotations stored, filled through another name (evaluated as code by "
           "typing.get_type_hints; keys compiled by dataclasses)")),
    ('open("/proc/self/" + "environ", "rb")',
     ("env", "open(/proc/*/environ) reads the environment")),
    ('open(f"/proc/{pid}/environ")', ("env", "open(/proc/*/environ) reads the environment")),
])
def test_wave6_mechanisms(code: str, want: tuple[str, str]) -> None:
    head = ("import sys, importlib.machinery, importlib._bootstrap_external, pkgutil, shelve, "
            "zipfile, tarfile, warnings, wsgiref.handlers, locale, importlib.resources\n")
    line = head.count("\n") + code.count("\n") + 1
    if code.startswith("def ") and "setattr" not in code:
        line = head.count("\n") + 2
    got = {(c, ln) for c, ln, _, d in found(head + code + "\n") if (c, d) == want}
    assert got == {(want[0], line)}, found(head + code + "\n")


@pytest.mark.parametrize("code", [
    "x = importlib.machinery.SOURCE_SUFFIXES[0]",
    "n = importlib.machinery.SOURCE_SUFFIXES.index('.py')",
    "sys.meta_path.remove(finder)",  # (a finder taken out adds no code)
    "f = sys.path_importer_cache.get(p)",
    "sys.modules.pop(name, None)",  # (dropped: nothing handed out)
    "help(f)",  # (an object handed in: a name, as find_spec's, is not read)
    'help("os")',
    "importlib.resources.files(__package__)",
    "pkgutil.get_data(__name__, 'data.bin')",
    "locale.getdefaultlocale()",
    'open(f"/proc/{pid}/status")',
    "open(path)",
    "setattr(self, '_' + name, v)",
    "setattr(f, '__annotations__', {'x': int})",
    "def g(f):\n    a = f.__annotations__\n    return {k: v for k, v in a.items()}",
    # (another function's ``a`` is another variable: typing_extensions' ``annotations``)
    "def g(f):\n    a = getattr(f, '__annotations__', {})\n    return list(a)\n"
    "def h(x):\n    a = {}\n    a.update(x)",
    "import tarfile\nt = tarfile.open(p)\nt.getnames()\nt.extractfile('x').read()",
    "import zipfile\nwith zipfile.ZipFile(p) as z:\n    z.read('x')\n    f(z)",
    "def f(o, n):\n    return getattr(o, n)(1)",  # (a name computed: ``_unknown``'s)
])
def test_wave6_mechanisms_neighbours_stay_quiet(code: str) -> None:
    head = "import sys, importlib.machinery, importlib.resources, pkgutil, locale\n"
    assert {f for f in found(head + code + "\n") if f[0] in (DYN, "env", "fs-write")} == set()


FIELD = ("a dataclass field renamed or replaced: its name is pasted into the source a "
         "subclass's @dataclass exec()s")


@pytest.mark.parametrize("code", [
    "import dataclasses\ndataclasses.fields(B)[0].name = s",
    "from dataclasses import fields as fs\nfs(B)[0].name = s",
    "import dataclasses\nB.__dataclass_fields__['a'].name = s",
    "import dataclasses\nB.__dataclass_fields__['a'] = f",
])
def test_a_dataclass_field_renamed_is_dynamic_code(code: str) -> None:
    # (wave 7: a subclass's @dataclass pastes an inherited field's name, unchecked, into
    # the __eq__ source it exec()s)
    assert found(code) == {(DYN, 2, "import", FIELD)}


@pytest.mark.parametrize("code", [
    "import dataclasses\nn = dataclasses.fields(B)[0].name",
    "import dataclasses\nx.name = s\nobj.fields = dataclasses.fields(B)",
    "import dataclasses\nself.name = dataclasses.fields(B)[0].name",
])
def test_a_dataclass_field_read_stays_quiet(code: str) -> None:
    assert found(code) == set()


FROMFILE = "argparse.ArgumentParser(fromfile_prefix_chars=...) reads the files its arguments name"


@pytest.mark.parametrize(("code", "want"), [
    ("import argparse\np = argparse.ArgumentParser(fromfile_prefix_chars='@')", {FROMFILE}),
    ("from argparse import ArgumentParser as P\np = P(fromfile_prefix_chars=c)", {FROMFILE}),
    ("import argparse\np = argparse.ArgumentParser('p', None, None, None, [], F, '-', '@')",
     {FROMFILE}),
    ("import argparse\np = argparse.ArgumentParser(**kw)", {FROMFILE}),
    ("import argparse\np = argparse.ArgumentParser(description='d')", set()),
    ("import argparse\np = argparse.ArgumentParser(fromfile_prefix_chars=None)", set()),
])
def test_argparse_fromfile_prefix_reads_files(code: str, want: set[str]) -> None:
    # (wave 7: parse_args reads each '@file' argument of such a parser)
    assert {d for c, _, _, d in found(code)} == want
    assert all(c == "fs-read" and line == 2 for c, line, _, _ in found(code))
