"""The source decoded as CPython's import decodes it (gate.scan.lexical.decode_source).

CPython imports a ``.py`` file by ``compile()`` of its bytes: its tokenizer translates
newlines, strips a BOM and reads a PEP 263 cookie on line 1, or on line 2 when line 1 is a
comment or blank, without asking that line 1 be UTF-8 (``tokenize.detect_encoding`` does,
and so refused files CPython reads). The differential test below generates file heads of
every kind and checks, on this interpreter and on each pyenv interpreter present, that the
scanner's reading gives the same tree as ``compile()`` whenever CPython reads the file, or
refuses it (a finding: ``unanalyzed``).
"""

from __future__ import annotations

import json
import random
import subprocess
import sys

import pytest

from gate.scan import lexical
from gate.scan.lexical import decode_source, source_encoding
from gate.scan.python import scan_python
from tests.e2e.pyenv import PYENV

NAMES = ["utf-8", "utf8", "UTF-8", "utf_8", "utf-8-unix", "latin-1", "latin_1", "iso-8859-1",
         "Latin-1-unix", "iso-latin-1", "utf-8-sig", "shift_jis", "cp932", "euc-jp", "utf-7",
         "utf-16", "ascii", "cp1252", "bogus", "hex", "rot13", "koi8-r", "gbk", "big5", "cp037"]
BODIES = ['ñ = "é"\n', "ｏｓ = 1\n", 'x = "\u3042"\n', "# \u3042 comment\n",
          "import os\nos.sep\n", "def f():\n    return 1\n", 's = """a\nb"""\n',
          "x = 1  # é\n", "y = '\\\\'\n", "z = 'ソ'\n"]
CODECS = ["utf-8", "latin-1", "shift_jis", "utf-7", "utf-16", "cp1252", "euc-jp", "koi8-r"]
NEWLINES = [b"\n", b"\r\n", b"\r"]


def _head_line(r: random.Random) -> bytes:
    x = r.choice(NAMES)
    return r.choice([
        b"", b"#", b"#\xff", b"#\xa1", f"# coding: {x}".encode(),
        f"# -*- coding: {x} -*-".encode(), b"#!/usr/bin/env python", b"x = 1", b"   ",
        b"\f# c", b"#" + b"x" * 420 + f" coding: {x}".encode(),
        f"# vim: set fileencoding={x} :".encode(), f"# coding={x}\xff".encode("latin-1"),
        f"  #coding:{x}".encode(), f"x=1 # coding: {x}".encode(), f"#coding: {x}\x00".encode(),
        f"# encoding:\t{x}".encode(), f"#\x81coding: {x}".encode(), f"# coding: {x}\r".encode(),
        f"\r# coding: {x}".encode()])


def generate(seed: int, count: int) -> list[bytes]:
    r = random.Random(seed)
    out = []
    for _ in range(count):
        src = b"\xef\xbb\xbf" if r.random() < 0.15 else b""
        nl = r.choice(NEWLINES)
        src += nl.join(_head_line(r) for _ in range(r.choice([1, 2, 2, 3]))) + nl
        body = "".join(r.choice(BODIES) for _ in range(r.randint(0, 3))).encode(
            r.choice(CODECS), "replace")
        if body and r.random() < 0.2:
            i = r.randrange(len(body))
            body = body[:i] + bytes([r.randrange(256)]) + body[i:]
        src += body.replace(b"\n", r.choice(NEWLINES))
        out.append(src.rstrip(b"\r\n") if r.random() < 0.1 else src)
    return out


# Run by each interpreter on the generated files: "ok" when the scanner's reading is the
# tree CPython compiles or a refusal, else the offending file.
_CHECK = r"""
import ast, importlib.util, json, sys, warnings
warnings.simplefilter("ignore")
spec = importlib.util.spec_from_file_location("lexical", sys.argv[1])
lex = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lex)
bad = []
for src in map(bytes.fromhex, json.load(sys.stdin)):
    try:
        want = ast.dump(compile(src, "f", "exec", ast.PyCF_ONLY_AST))
    except Exception:
        continue  # CPython refuses it: whatever the scanner reads is more, never less
    try:
        text = lex.decode_source(src)
    except SyntaxError:
        continue  # refused by the scanner: an unanalyzed finding
    try:
        got = ast.dump(ast.parse(text))
    except Exception:
        got = None
    if got != want and not (got is None and src.rstrip().endswith(b"\\")):
        bad.append(src.hex())  # (3.11's ast.parse refuses a backslash at the very end)
print(json.dumps(bad))
"""


def _interpreters() -> list[str]:
    found = [sys.executable]
    for version in sorted(PYENV.glob("3.1[1-9]*")):
        exe = version / "bin" / "python"
        if exe.exists():
            found.append(str(exe))
    return found


@pytest.mark.parametrize("python", _interpreters())
def test_reading_is_cpythons(python: str) -> None:
    sources = generate(11, 3000)
    run = subprocess.run([python, "-c", _CHECK, lexical.__file__], capture_output=True,
                         text=True, input=json.dumps([s.hex() for s in sources]), check=True)
    assert [bytes.fromhex(b) for b in json.loads(run.stdout)][:5] == []


def test_cookie_on_line_two_after_a_line_that_is_not_utf8() -> None:
    data = b"#\xa1\n# coding: shift_jis\n" + "x = '\uff4f'\n".encode("shift_jis")
    assert source_encoding(data)[0] == "shift_jis"
    assert decode_source(data) == "#\uff61\n# coding: shift_jis\nx = '\uff4f'\n"


@pytest.mark.parametrize(("data", "cookie"), [
    (b"x = 1\n# coding: latin-1\n", None),  # line 1 is code: line 2 is not read
    (b"\n\n# coding: latin-1\n", None),  # line 3 never
    (b"# a\r# coding: latin-1\rx = 1\r", "iso-8859-1"),  # CR ends a line before the search
    (b"# a\rx = 1\r# coding: latin-1\r", None),  # (tokenize read the whole file as line 1)
    (b"   \n# vim: set fileencoding=utf_8 :\n", "utf-8"),
    (b"# coding: Latin_1-unix\n", "iso-8859-1"),
    (b"# coding: utf8\n", "utf8"),  # not normalised: decoded by the codec, as CPython does
])
def test_where_the_cookie_is_read(data: bytes, cookie: str | None) -> None:
    assert source_encoding(data)[0] == cookie


def test_bom_and_another_cookie_is_refused() -> None:
    with pytest.raises(SyntaxError, match="latin-1|iso-8859-1"):
        decode_source(b"\xef\xbb\xbf# coding: latin-1\nx = 1\n")
    assert decode_source(b"\xef\xbb\xbf# coding: utf-8\nx = 1\n") == "# coding: utf-8\nx = 1\n"


@pytest.mark.parametrize("data", [
    b"# coding: utf-7\nx = 'a+AA0-b'\n",  # CPython keeps the \r in the string
    b"# coding: utf-7\n# x +AA0-import os\n",  # 3.11: a comment to the end of the line
    b"# coding: utf-7\nx = 1+AAA-import os\n",  # CPython stops at the NUL
])
def test_a_codec_that_yields_line_ends_or_nul_is_refused(data: bytes) -> None:
    with pytest.raises(SyntaxError, match="read differently"):
        decode_source(data)


def test_refused_files_are_unanalyzed_whatever_they_spell() -> None:
    # CPython imports this (it skips the byte in a comment); the scanner refuses to guess
    data = b"# \xff\nimport \xef\xbd\x8f\xef\xbd\x93\n"  # fullwidth "os": no plain word
    found = scan_python(data, "pkg/m.py")
    assert [(str(f.capability), f.line) for f in found] == [("unanalyzed", 1)]
    assert "utf-8" in found[0].detail
    # CPython refuses a NUL byte before decoding anything: no finding for a file that
    # cannot act
    assert scan_python(b"x = 1\x00\n", "pkg/m.py") == []


def test_unparseable_file_reads_its_own_aliases() -> None:
    src = b"import subprocess as sp\ntype A = int\nsp.run(['x'])\n"
    got = {(str(f.capability), f.line, f.detail) for f in scan_python(src, "pkg/m.py")}
    assert ("subprocess", 3, "subprocess.run") in got
    assert ("unanalyzed", 2, "SyntaxError: invalid syntax (line 2)") in got
