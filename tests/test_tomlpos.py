"""gate._tomlpos: the line of every key, table header and array item."""

from __future__ import annotations

import tomllib

import tomlkit
from hypothesis import given, settings
from hypothesis import strategies as st

from gate._tomlpos import Positions


def test_strings_escapes_and_arrays_of_tables() -> None:
    text = """\
a = "x]\\"#"  # ]
[[tool.uv.index]]
url = "u"
[[tool.uv.index]]
url = '''
v'''
"k\\u0065y" = [[1, 2], [3]]
[tool.permissions.packages]
b = ["env"]
"""
    pos = Positions(text)
    assert pos.lines[("tool", "uv", "index", 0, "url")] == 3
    assert pos.lines[("tool", "uv", "index", 1, "url")] == 5
    assert pos.lines[("tool", "uv", "index", 1, "key", 1, 0)] == 7
    assert pos.lines[("tool", "permissions", "packages", "b", 0)] == 9
    assert pos.line_of(("tool", "permissions", "packages", "zz")) == 8
    assert pos.line_of(("nothing",)) == 1


def test_array_items_each_on_their_own_line_with_comments_between() -> None:
    text = 'x = [\n  # first\n  "a",  # a\n\n  """b""",\n  \'c\' ]\n'
    pos = Positions(text)
    assert [pos.lines[("x", i)] for i in range(3)] == [3, 5, 6]
    assert pos.line_of(("x", 3)) == 1  # no such item: the array's own line


def test_dotted_keys_and_headers_record_every_prefix() -> None:
    pos = Positions('[tool.permissions]\npackages."zope.interface" = []\n')
    assert pos.lines[("tool",)] == 1
    assert pos.lines[("tool", "permissions")] == 1
    assert pos.lines[("tool", "permissions", "packages")] == 2
    assert pos.lines[("tool", "permissions", "packages", "zope.interface")] == 2


def test_inline_tables_are_marked_and_their_keys_located() -> None:
    text = '[p]\na = { allow = [\n  "env",\n], versions = "<2" }\nb = ["x"]\n'
    pos = Positions(text)
    assert pos.inline == {("p", "a")}
    assert pos.lines[("p", "a", "allow", 0)] == 3
    assert pos.lines[("p", "a", "versions")] == 4
    assert pos.lines[("p", "b", 0)] == 5


def test_multiline_strings_hide_headers_and_may_end_in_quotes() -> None:
    text = 'd = """\n[fake]\nk = 1\n"""""\ne = \'\'\'\n[x]\'\'\'\'\'\nf = 2\n'
    assert tomllib.loads(text)["d"].endswith('""')
    pos = Positions(text)
    assert ("fake",) not in pos.lines and ("x",) not in pos.lines
    assert pos.lines[("f",)] == 7


def test_crlf_line_endings() -> None:
    pos = Positions('[t]\r\n\r\na = [\r\n 1,\r\n 2]\r\n')
    assert [pos.lines[("t", "a", i)] for i in range(2)] == [4, 5]


def test_text_it_does_not_understand_keeps_what_it_found() -> None:
    pos = Positions("a = 1\nb = \n[c]\nd = 2\n")  # not TOML: never raises
    assert pos.lines == {("a",): 1, ("b",): 2}
    assert pos.line_of(("c", "d")) == 1


KEYS = st.from_regex(r"[a-z][a-z0-9_-]{0,6}", fullmatch=True) | st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=6)
SCALARS = st.integers() | st.booleans() | st.text(max_size=8) | st.floats(allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(KEYS, st.lists(SCALARS, max_size=3) | SCALARS, min_size=1,
                       max_size=6))
def test_every_key_and_item_of_a_generated_document(data: dict[str, object]) -> None:
    lines = ["[t]"]
    expected: dict[tuple[str | int, ...], int] = {}
    for key, value in data.items():
        if isinstance(value, list):
            lines.append(f"{tomlkit.key(key).as_string()} = [")
            expected[("t", key)] = len(lines)
            for i, v in enumerate(value):
                lines.append(f"  {tomlkit.item(v).as_string()},  # ]")
                expected[("t", key, i)] = len(lines)
            lines.append("]")
        else:
            rendered = tomlkit.item(value).as_string()
            lines.append(f"{tomlkit.key(key).as_string()} = {rendered}  # [x]")
            expected[("t", key)] = len(lines)
    text = "\n".join(lines) + "\n"
    assert tomllib.loads(text)["t"].keys() == data.keys()
    pos = Positions(text)
    assert {p: pos.lines[p] for p in expected} == expected
