"""gate.policy: finding, reading, validating (exact messages and lines) and editing."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest
import tomlkit
from hypothesis import given, settings
from hypothesis import strategies as st

from gate.errors import PolicyError, UsageError
from gate.model import Capability, NormalizedName, normalize
from gate.policy import (
    Grant,
    GrantForm,
    Policy,
    WriteMode,
    allow,
    find_policy_file,
    load_policy,
    revoke,
    toml_line,
    write_grants,
)

NET, ENV, FSR, FSW = Capability.NETWORK, Capability.ENV, Capability.FS_READ, Capability.FS_WRITE
HOOKS = Capability.INSTALL_HOOKS


def write(tmp_path: Path, text: str, name: str = "pyproject.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def problems(tmp_path: Path, text: str) -> list[str]:
    write(tmp_path, text)
    with pytest.raises(PolicyError) as exc:
        load_policy(cwd=tmp_path)
    assert exc.value.exit_code == 2
    return exc.value.problems


# -- finding ------------------------------------------------------------------------------


def test_find_policy_file_walks_up_to_the_nearest(tmp_path: Path) -> None:
    write(tmp_path, "")
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert find_policy_file(deep) == tmp_path / "pyproject.toml"
    write(tmp_path / "a", "")
    assert find_policy_file(deep) == tmp_path / "a" / "pyproject.toml"


def test_no_pyproject_anywhere_is_an_error_with_the_init_hint(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as exc:
        load_policy(cwd=tmp_path)
    # tmp_path's parents hold no pyproject.toml on any sane machine
    assert str(exc.value) == (
        f"no pyproject.toml with a [tool.permissions] policy in {tmp_path} or its parents")
    assert exc.value.hint == (
        "run `permpip policy init` to write one from what your dependencies use today")
    assert exc.value.exit_code == 2


def test_pyproject_without_table_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, '[project]\nname = "x"\n')
    with pytest.raises(PolicyError, match=r"^no \[tool.permissions\] table in pyproject.toml$"):
        load_policy(cwd=tmp_path)


def test_empty_file_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "\n  \n")
    with pytest.raises(PolicyError) as exc:
        load_policy(cwd=tmp_path)
    assert str(exc.value) == "pyproject.toml is empty: no [tool.permissions] policy"


def test_malformed_toml_names_its_line(tmp_path: Path) -> None:
    text = '[tool.permissions]\ndefault = ["fs-read",\n  ,]\n'
    assert problems(tmp_path, text) == ["pyproject.toml:3: invalid TOML: Invalid value"]
    with pytest.raises(PolicyError, match="^pyproject.toml is not valid TOML$"):
        load_policy(cwd=tmp_path)


def test_policy_option_relative_to_cwd_and_missing_file(tmp_path: Path) -> None:
    write(tmp_path, "[tool.permissions]\ndefault = ['env']\n", name="perm.toml")
    assert load_policy(Path("perm.toml"), cwd=tmp_path).default == {ENV}
    with pytest.raises(PolicyError, match="^policy file nope.toml does not exist$"):
        load_policy(Path("nope.toml"), cwd=tmp_path)


def test_non_utf8_file(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_bytes(b"[tool.permissions]\n# \xff\n")
    with pytest.raises(PolicyError, match="^pyproject.toml is not UTF-8 text$"):
        load_policy(cwd=tmp_path)


def test_display_path_outside_cwd_is_absolute(tmp_path: Path) -> None:
    path = write(tmp_path, "[tool.permissions]\ndefault = ['envv']\n")
    sub = tmp_path / "sub"
    sub.mkdir()
    with pytest.raises(PolicyError) as exc:
        load_policy(path, cwd=sub)
    assert exc.value.problems == [
        f"{path}:2: tool.permissions.default[0]: unknown capability 'envv' "
        "(did you mean 'env'?)"]


# -- validating ----------------------------------------------------------------------------

EVERY_PROBLEM = """\
[project]
name = "x"

[tool.permissions]
default = ["fs-read", "netwrk"]
defaults = 1

[tool.permissions.packages]
requests = [
    "network",
    "envv",  # a comment with a ] and a "quote
    3,
]
setuptools = { allow = ["install-hooks", "fs-wirte"], versions = ">=70,<<81", extra = 1 }
PyYAML = ["native"]
pyyaml = ["native"]
"zope.interface" = "x"
"foo bar" = []
other = ["zzz"]

[tool.permissions.packages.bar]
versions = 3
"""


def test_every_problem_at_once_each_with_key_and_line(tmp_path: Path) -> None:
    assert problems(tmp_path, EVERY_PROBLEM) == [
        "pyproject.toml:5: tool.permissions.default[1]: unknown capability 'netwrk' "
        "(did you mean 'network'?)",
        "pyproject.toml:6: tool.permissions.defaults: unknown key 'defaults' "
        "(did you mean 'default'?)",
        "pyproject.toml:11: tool.permissions.packages.requests[1]: unknown capability 'envv' "
        "(did you mean 'env'?)",
        "pyproject.toml:12: tool.permissions.packages.requests[2]: "
        "expected a capability string, got integer",
        "pyproject.toml:14: tool.permissions.packages.setuptools.extra: unknown key 'extra' "
        "(expected 'allow', 'at-import', 'versions' or 'hosts')",
        "pyproject.toml:14: tool.permissions.packages.setuptools.allow[1]: "
        "unknown capability 'fs-wirte' (did you mean 'fs-write'?)",
        "pyproject.toml:14: tool.permissions.packages.setuptools.versions: "
        "invalid version specifier '>=70,<<81'",
        "pyproject.toml:16: tool.permissions.packages.pyyaml: duplicate package: 'pyyaml' and "
        "'PyYAML' (line 15) are both 'pyyaml'",
        "pyproject.toml:17: tool.permissions.packages.\"zope.interface\": expected an array of "
        "capabilities or a table with 'allow', got string",
        "pyproject.toml:18: tool.permissions.packages.\"foo bar\": invalid package name 'foo bar'",
        "pyproject.toml:19: tool.permissions.packages.other[0]: unknown capability 'zzz' "
        "(one of: network, fs-read, fs-write, subprocess, threads, env, native, dynamic-code, "
        "introspection, install-hooks, startup-hooks, unanalyzed)",
        "pyproject.toml:21: tool.permissions.packages.bar: missing key 'allow'",
        "pyproject.toml:22: tool.permissions.packages.bar.versions: "
        "expected a version specifier string, got integer",
    ]
    with pytest.raises(PolicyError, match=r"^invalid policy in pyproject.toml \(13 problems\)$"):
        load_policy(cwd=tmp_path)


def test_the_issue_example_message(tmp_path: Path) -> None:
    text = "\n" * 12 + '[tool.permissions.packages]\nrequests = ["env", "netwrk"]\n'
    assert problems(tmp_path, text) == [
        "pyproject.toml:14: tool.permissions.packages.requests[1]: unknown capability "
        "'netwrk' (did you mean 'network'?)"]


@pytest.mark.parametrize(("text", "expected"), [
    ("[tool]\npermissions = 3\n",
     "pyproject.toml:2: tool.permissions: expected a table, got integer"),
    ("[tool.permissions]\ndefault = 'env'\n",
     "pyproject.toml:2: tool.permissions.default: expected an array of capabilities, "
     "got string"),
    ("[tool.permissions]\npackages = []\n",
     "pyproject.toml:2: tool.permissions.packages: expected a table of package grants, "
     "got array"),
    ("[tool.permissions]\nzzz = true\n",
     "pyproject.toml:2: tool.permissions.zzz: unknown key 'zzz' "
     "(expected 'default' or 'packages')"),
    ("[tool.permissions.packages]\na = {allow = 'env'}\n",
     "pyproject.toml:2: tool.permissions.packages.a.allow: expected an array of "
     "capabilities, got string"),
    ("[tool.permissions.packages]\na = {alow = ['env']}\n",
     "pyproject.toml:2: tool.permissions.packages.a.alow: unknown key 'alow' "
     "(did you mean 'allow'?)"),
    ("[tool.permissions.packages]\na = 1979-05-27\n",
     "pyproject.toml:2: tool.permissions.packages.a: expected an array of capabilities or a "
     "table with 'allow', got datetime"),
    ("[tool.permissions.packages]\na = [1.5, true]\n",
     "pyproject.toml:2: tool.permissions.packages.a[0]: expected a capability string, "
     "got float"),
])
def test_type_and_key_messages(tmp_path: Path, text: str, expected: str) -> None:
    assert problems(tmp_path, text)[0] == expected


def test_lines_in_dotted_keys_inline_tables_and_out_of_order_tables(tmp_path: Path) -> None:
    text = """\
[tool.permissions]
default = []
packages.a = ["env"]
packages."b.c" = [
  # a comment line
  'fs-read',

  '''netwrk''',
]

[project]
name = "x"
description = \"\"\"
[tool.permissions.packages]
d = ["zzz"]
\"\"\"

[tool.permissions.packages.e]
allow = [ "env", { x = 1 },
  "envv" ]
"""
    assert problems(tmp_path, text) == [
        "pyproject.toml:8: tool.permissions.packages.\"b.c\"[1]: unknown capability 'netwrk' "
        "(did you mean 'network'?)",
        "pyproject.toml:19: tool.permissions.packages.e.allow[1]: "
        "expected a capability string, got table",
        "pyproject.toml:20: tool.permissions.packages.e.allow[2]: unknown capability 'envv' "
        "(did you mean 'env'?)",
    ]


def test_lines_when_the_whole_policy_is_one_inline_table(tmp_path: Path) -> None:
    text = '[tool]\nx = 1\npermissions = { packages = { "a" = ["env"], b = ["nope"] } }\n'
    assert problems(tmp_path, text) == [
        "pyproject.toml:3: tool.permissions.packages.b[0]: unknown capability 'nope' "
        "(one of: network, fs-read, fs-write, subprocess, threads, env, native, dynamic-code, "
        "introspection, install-hooks, startup-hooks, unanalyzed)"]


def test_positions_crlf_line_endings(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_bytes(
        b'[tool.permissions]\r\n\r\ndefault = [\r\n "env",\r\n "x"]\r\n')
    with pytest.raises(PolicyError) as exc:
        load_policy(cwd=tmp_path)
    assert exc.value.problems == [
        "pyproject.toml:5: tool.permissions.default[1]: unknown capability 'x' (one of: "
        "network, fs-read, fs-write, subprocess, threads, env, native, dynamic-code, "
        "introspection, install-hooks, startup-hooks, unanalyzed)"]


# -- the policy value ----------------------------------------------------------------------


def test_loaded_policy_and_allowed_for(tmp_path: Path) -> None:
    write(tmp_path, """\
[tool.permissions]
default = ["fs-read"]

[tool.permissions.packages]
Requests = ["network", "env", "network"]
setuptools = { allow = ["install-hooks", "fs-write"], versions = ">=70,<81" }

[tool.permissions.packages.foo]
allow = ["threads"]
""")
    policy = load_policy(cwd=tmp_path)
    assert policy.path == tmp_path / "pyproject.toml"
    assert policy.display == "pyproject.toml"
    assert policy.default == {FSR}
    assert policy.packages[normalize("requests")] == Grant(
        name=normalize("requests"), key="Requests", allow=(NET, ENV), line=5)
    assert policy.packages[normalize("setuptools")] == Grant(
        name=normalize("setuptools"), key="setuptools", allow=(HOOKS, FSW),
        versions=">=70,<81", line=6, form=GrantForm.INLINE_TABLE)
    assert policy.packages[normalize("foo")].form is GrantForm.TABLE
    assert policy.packages[normalize("foo")].line == 8
    st_ = normalize("setuptools")
    assert policy.allowed_for(st_, "80.9.0") == {FSR, HOOKS, FSW}
    assert policy.allowed_for(st_, "81.0.0") == {FSR}
    assert policy.allowed_for(st_, "75.0rc1") == {FSR, HOOKS, FSW}  # pre-releases in range
    assert policy.allowed_for(st_, "not a version") == {FSR}  # fail closed
    assert policy.allowed_for(normalize("other"), "1") == {FSR}


def test_empty_table_denies_everything(tmp_path: Path) -> None:
    write(tmp_path, "[tool.permissions]\n")
    policy = load_policy(cwd=tmp_path)
    assert policy.default == frozenset()
    assert dict(policy.packages) == {}


# -- editing -------------------------------------------------------------------------------

PYPROJECT = """\
# Project file: comments everywhere.
[build-system]
requires = ['setuptools>=70']  # literal quotes
build-backend = "setuptools.build_meta"

[project]
name    =   "demo"   # odd spacing
dependencies = [
    "requests",  # http


    "pyyaml",
]

[tool.ruff]
line-length = 100

[tool.permissions]
# reviewed 2024-01-01
default = [ 'fs-read' ]  # everyone reads

[tool.permissions.packages]
requests = [
    "network",  # sockets
]
setuptools = { allow = ["install-hooks"], versions = ">=70,<81" }  # build backend

[tool.permissions.packages.old]
allow = ["env"]

[[tool.uv.index]]
name = "internal"   # trailing
url = "https://example.invalid/simple"
"""


def test_round_trip_keeps_every_untouched_byte(tmp_path: Path) -> None:
    path = write(tmp_path, PYPROJECT)
    allow(path, "requests", [ENV], cwd=tmp_path)
    allow(path, "setuptools", [FSW, HOOKS], cwd=tmp_path)
    allow(path, "PyYAML", [Capability.NATIVE], cwd=tmp_path)
    allow(path, "old", [NET], cwd=tmp_path)
    revoke(path, "old", [ENV], cwd=tmp_path)
    text = path.read_text()
    assert text == PYPROJECT.replace(
        '    "network",  # sockets\n', '    "network",  # sockets\n    "env",\n'
    ).replace(
        '{ allow = ["install-hooks"], versions',
        '{ allow = ["install-hooks", "fs-write"], versions',
    ).replace(
        '  # build backend\n', '  # build backend\npyyaml = ["native"]\n'
    ).replace('allow = ["env"]\n', 'allow = ["network"]\n')
    revoke(path, "pyyaml", [], cwd=tmp_path)
    revoke(path, "requests", [ENV], cwd=tmp_path)
    revoke(path, "setuptools", [FSW], cwd=tmp_path)
    revoke(path, "old", [NET], cwd=tmp_path)
    allow(path, "old", [ENV], cwd=tmp_path)
    assert path.read_text() == PYPROJECT


def test_allow_returns_the_grant_and_keeps_file_mode(tmp_path: Path) -> None:
    path = write(tmp_path, PYPROJECT)
    os.chmod(path, 0o640)
    grant = allow(path, "requests", [ENV, NET], cwd=tmp_path)
    assert grant.allow == (NET, ENV)
    assert grant.line == 23
    assert (path.stat().st_mode & 0o777) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["pyproject.toml"]


def test_allow_with_versions_turns_an_array_into_an_inline_table(tmp_path: Path) -> None:
    path = write(tmp_path, "[tool.permissions.packages]\nrequests = ['network']\n")
    grant = allow(path, "requests", [ENV], versions=">=2,<3", cwd=tmp_path)
    assert path.read_text() == (
        "[tool.permissions.packages]\n"
        'requests = {allow = ["network", "env"], versions = ">=2,<3"}\n')
    assert grant.versions == ">=2,<3"
    allow(path, "requests", [], versions="==2.32.3", cwd=tmp_path)
    assert load_policy(path, cwd=tmp_path).packages[normalize("requests")].versions == (
        "==2.32.3")


def test_allow_creates_the_table_in_a_file_without_one(tmp_path: Path) -> None:
    path = write(tmp_path, '[project]\nname = "x"\n')
    allow(path, "zope.interface", [Capability.NATIVE], cwd=tmp_path)
    assert path.read_text() == (
        '[project]\nname = "x"\n\n[tool.permissions]\ndefault = []\n\n'
        '[tool.permissions.packages]\nzope-interface = ["native"]\n')


def test_allow_and_revoke_errors(tmp_path: Path) -> None:
    path = write(tmp_path, "[tool.permissions]\ndefault = ['env']\n"
                           "[tool.permissions.packages]\nrequests = ['network']\n")
    with pytest.raises(UsageError, match="^invalid package name 'a b'$"):
        allow(path, "a b", [NET], cwd=tmp_path)
    with pytest.raises(UsageError, match="^invalid version specifier '>>1'$"):
        allow(path, "a", [NET], versions=">>1", cwd=tmp_path)
    with pytest.raises(UsageError) as exc:
        revoke(path, "reqests", [], cwd=tmp_path)
    assert str(exc.value) == "reqests has no grant in pyproject.toml"
    assert exc.value.hint == "did you mean 'requests'?"
    with pytest.raises(UsageError, match=r"^requests is not granted 'fs-read' in "
                                         r"pyproject.toml$"):
        revoke(path, "requests", [FSR], cwd=tmp_path)
    with pytest.raises(UsageError) as exc:
        revoke(path, "requests", [ENV], cwd=tmp_path)
    assert str(exc.value) == ("requests is not granted 'env' in pyproject.toml (every package "
                              "gets it from tool.permissions.default)")
    with pytest.raises(PolicyError, match="^policy file missing.toml does not exist$"):
        allow(tmp_path / "missing.toml", "a", [NET], cwd=tmp_path)


def test_edit_refuses_to_write_an_invalid_policy(tmp_path: Path) -> None:
    text = "[tool.permissions]\ndefault = ['envv']\n"
    path = write(tmp_path, text)
    with pytest.raises(PolicyError) as exc:
        allow(path, "a", [NET], cwd=tmp_path)
    assert exc.value.problems == [
        "pyproject.toml:2: tool.permissions.default[0]: unknown capability 'envv' "
        "(did you mean 'env'?)"]
    assert path.read_text() == text


def test_revoke_last_capability_leaves_an_empty_grant(tmp_path: Path) -> None:
    path = write(tmp_path, "[tool.permissions.packages]\na = [\n  'env',\n]\n")
    assert revoke(path, "a", [ENV], cwd=tmp_path) == Grant(name=normalize("a"), key="a",
                                                         allow=(), line=2)
    assert path.read_text() == "[tool.permissions.packages]\na = [\n]\n"


def grants_of(path: Path) -> dict[str, tuple[str, ...]]:
    data = tomllib.loads(path.read_text())
    return {k: tuple(v) for k, v in data["tool"]["permissions"]["packages"].items()}


def test_write_grants_creates_a_new_file_sorted_with_a_header(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    n = write_grants(path, {normalize("b"): {ENV, NET}, normalize("a"): {FSW},
                            normalize("c"): set()},
                     WriteMode.CREATE, header=["made by a test"])
    assert n == 2
    assert path.read_text() == (
        "[tool.permissions]\n# made by a test\ndefault = []\n\n"
        '[tool.permissions.packages]\na = ["fs-write"]\nb = ["network", "env"]\n')


def test_write_grants_refuses_an_existing_policy_then_merges_and_forces(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, PYPROJECT)
    with pytest.raises(UsageError) as exc:
        write_grants(path, {normalize("a"): {ENV}}, WriteMode.CREATE, cwd=tmp_path)
    assert str(exc.value) == "pyproject.toml already has a [tool.permissions] policy"
    assert exc.value.hint == "pass --merge to add what is missing, or --force to replace it"
    assert path.read_text() == PYPROJECT

    changed = write_grants(path, {normalize("requests"): {NET, FSR, ENV},
                                  normalize("old"): {Capability.ENV},
                                  normalize("new"): {FSR},
                                  normalize("zz"): {Capability.THREADS}}, WriteMode.MERGE)
    assert changed == 2  # requests gains env; zz is new; fs-read is the default
    assert grants_of(path)["requests"] == ("network", "env")
    assert grants_of(path)["zz"] == ("threads",)
    assert "new" not in grants_of(path)

    write_grants(path, {normalize("x"): {NET}}, WriteMode.FORCE, header=["forced"])
    assert path.read_text() == (
        PYPROJECT[:PYPROJECT.index("[tool.permissions]")]
        + '[tool.permissions]\n# forced\ndefault = []\n\n'
        + '[tool.permissions.packages]\nx = ["network"]\n\n'
        + PYPROJECT[PYPROJECT.index("[[tool.uv.index]]"):])


def test_force_replaces_a_policy_split_around_other_tables(tmp_path: Path) -> None:
    path = write(tmp_path, '[tool.permissions]\ndefault = ["env"]\n\n[project]\nname = "x"\n\n'
                           '[tool.permissions.packages]\na = ["env"]\n\n[tool.ruff]\nx = 1\n')
    write_grants(path, {normalize("b"): {NET}}, WriteMode.FORCE, header=["h"], cwd=tmp_path)
    assert path.read_text() == (
        '[project]\nname = "x"\n\n[tool.ruff]\nx = 1\n\n[tool.permissions]\n# h\n'
        'default = []\n\n[tool.permissions.packages]\nb = ["network"]\n')


def test_toml_line_for_each_grant_form(tmp_path: Path) -> None:
    write(tmp_path, PYPROJECT)
    policy = load_policy(cwd=tmp_path)
    assert toml_line(policy, normalize("requests"), [ENV]) == (
        'requests = ["network", "env"]')
    assert toml_line(policy, normalize("setuptools"), [FSW]) == (
        'setuptools = {allow = ["install-hooks", "fs-write"], versions = ">=70,<81"}')
    assert toml_line(policy, normalize("old"), [NET]) == (
        'allow = ["env", "network"]  # in [tool.permissions.packages.old]')
    assert toml_line(policy, normalize("old"), [NET], versions="==2") == (
        'allow = ["env", "network"]  # and versions = "==2", in '
        "[tool.permissions.packages.old]")
    assert toml_line(policy, normalize("zope-interface"), [NET]) == (
        'zope-interface = ["network"]')
    assert toml_line(policy, normalize("new"), [NET], versions="==1.0") == (
        'new = {allow = ["network"], versions = "==1.0"}')


# -- property: random valid policies survive write -> read ------------------------------------

names = st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9._-]{0,8}[A-Za-z0-9])?", fullmatch=True)
caps = st.sets(st.sampled_from(list(Capability)))


@settings(max_examples=60, deadline=None)
@given(grants=st.dictionaries(names, caps, max_size=6), merge=st.booleans())
def test_written_grants_read_back_unchanged(
    tmp_path_factory: pytest.TempPathFactory,
    grants: dict[str, set[Capability]],
    merge: bool,
) -> None:
    tmp = tmp_path_factory.mktemp("prop")
    by_name: dict[NormalizedName, set[Capability]] = {}
    for name, cs in grants.items():
        by_name.setdefault(normalize(name), set()).update(cs)
    path = write(tmp, "# keep me\n[project]\nname = 'x'\n")
    write_grants(path, by_name, WriteMode.MERGE if merge else WriteMode.CREATE)
    policy = load_policy(cwd=tmp)
    assert policy.default == frozenset()
    assert {n: set(g.allow) for n, g in policy.packages.items()} == {
        n: cs for n, cs in by_name.items() if cs}
    assert path.read_text().startswith("# keep me\n[project]\nname = 'x'\n")


@settings(max_examples=60, deadline=None)
@given(edits=st.lists(st.tuples(names, st.lists(st.sampled_from(list(Capability)),
                                                min_size=1, max_size=3),
                                st.sampled_from([None, ">=1", "<2,>=1.0"])),
                      max_size=5))
def test_allow_edits_read_back_as_made(
    tmp_path_factory: pytest.TempPathFactory,
    edits: list[tuple[str, list[Capability], str | None]],
) -> None:
    tmp = tmp_path_factory.mktemp("prop")
    path = write(tmp, PYPROJECT)
    expected = {n: (set(g.allow), g.versions)
                for n, g in load_policy(cwd=tmp).packages.items()}
    for name, cs, versions in edits:
        allow(path, name, cs, versions=versions, cwd=tmp)
        old_caps, old_versions = expected.get(normalize(name), (set(), None))
        expected[normalize(name)] = (old_caps | set(cs), versions or old_versions)
    policy: Policy = load_policy(cwd=tmp)
    assert {n: (set(g.allow), g.versions) for n, g in policy.packages.items()} == expected
    text = path.read_text()
    lines = text.splitlines()
    for g in policy.packages.values():  # every grant's line is where its key is written
        assert lines[g.line - 1].startswith(
            f"[tool.permissions.packages.{g.key}]" if g.form is GrantForm.TABLE
            else f"{tomlkit.key(g.key).as_string()} = ")
    assert text[:text.index("[tool.permissions]")] == (
        PYPROJECT[:PYPROJECT.index("[tool.permissions]")])
    assert text.endswith(PYPROJECT[PYPROJECT.index("[[tool.uv.index]]"):])


def test_an_edit_tomlkit_cannot_make_is_a_clear_error(tmp_path: Path) -> None:
    text = "tool = { ruff = { x = 1 } }\n"
    path = write(tmp_path, text)
    with pytest.raises(PolicyError) as exc:
        allow(path, "a", [ENV], cwd=tmp_path)
    assert str(exc.value) == (
        "cannot edit pyproject.toml automatically: Inline tables cannot contain a table")
    assert exc.value.hint == "edit [tool.permissions] by hand"
    assert path.read_text() == text


@pytest.mark.parametrize(("before", "after"), [
    ("[tool.permissions]\n",
     '[tool.permissions]\n\n[tool.permissions.packages]\na = ["env"]\n'),
    ('[project]\nname = "x"\n\n[tool.permissions]  # ours\n',
     '[project]\nname = "x"\n\n[tool.permissions]  # ours\n\n'
     '[tool.permissions.packages]\na = ["env"]\n'),
    ("[tool.permissions]\n\n[tool.ruff]\nx = 1\n",
     '[tool.permissions]\n\n[tool.permissions.packages]\na = ["env"]\n\n[tool.ruff]\nx = 1\n'),
    ("[tool.permissions]\n# reviewed\n\n\n[tool.ruff]\n",
     '[tool.permissions]\n# reviewed\n\n[tool.permissions.packages]\na = ["env"]\n\n\n'
     "[tool.ruff]\n"),
    ("[tool.permissions]\ndefault = []\n[tool.ruff]\n",
     '[tool.permissions]\ndefault = []\n\n[tool.permissions.packages]\na = ["env"]\n'
     "[tool.ruff]\n"),
])
def test_allow_adds_the_packages_table_after_a_blank_line(
    tmp_path: Path, before: str, after: str,
) -> None:
    path = write(tmp_path, before)
    assert allow(path, "a", [ENV], cwd=tmp_path).line == after.splitlines().index('a = ["env"]') + 1
    assert path.read_bytes() == after.encode()


def test_merge_into_a_bare_table_keeps_the_blank_line_before_the_next_table(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, "[tool.permissions]\n\n[tool.ruff]\n")
    write_grants(path, {normalize("b"): {NET}, normalize("a"): {ENV}}, WriteMode.MERGE)
    assert path.read_bytes() == (
        b'[tool.permissions]\n\n[tool.permissions.packages]\na = ["env"]\nb = ["network"]\n\n'
        b"[tool.ruff]\n")


@pytest.mark.parametrize(("before", "name", "after"), [
    ('[tool.permissions]\npackages = { requests = ["network"] }\n', "requests",
     "[tool.permissions]\npackages = {}\n"),
    ('[tool.permissions]\npackages = {requests = ["network"]}  # c\n[x]\n', "requests",
     "[tool.permissions]\npackages = {}  # c\n[x]\n"),
    ('[tool.permissions]\npackages = { a = ["env"], requests = ["network"] }\n', "requests",
     '[tool.permissions]\npackages = { a = ["env"] }\n'),
    ('[tool.permissions]\npackages = {requests = ["network"], a = ["env"]}\n', "requests",
     '[tool.permissions]\npackages = {a = ["env"]}\n'),
    ('tool = { permissions = { packages = { requests = ["network"] } } }\n', "requests",
     "tool = { permissions = { packages = {} } }\n"),
    ('[tool.permissions]\npackages = { requests = ["network"] }', "requests",
     "[tool.permissions]\npackages = {}"),  # no final newline before: none after
])
def test_revoke_from_an_inline_packages_table(
    tmp_path: Path, before: str, name: str, after: str,
) -> None:
    path = write(tmp_path, before)
    assert revoke(path, name, [], cwd=tmp_path) is None
    assert path.read_bytes() == after.encode()


@pytest.mark.parametrize(("before", "after"), [
    ('[tool.permissions]\npackages = { r = ["network"] }\n',
     '[tool.permissions]\npackages = { r = ["network"], a = ["env"] }\n'),
    ('[tool.permissions]\npackages = {r = ["network"]}\n',
     '[tool.permissions]\npackages = {r = ["network"], a = ["env"]}\n'),
    ('[tool.permissions]\npackages = {}\n',
     '[tool.permissions]\npackages = {a = ["env"]}\n'),
    ('[tool.permissions]\npackages = { a = [], r = [] }\n',
     '[tool.permissions]\npackages = { a = { allow = ["env"], versions = "<2" }, r = [] }\n'),
    ('[tool.permissions.packages]\na = { allow = [] }  # x\n',
     '[tool.permissions.packages]\na = { allow = ["env"], versions = "<2" }  # x\n'),
])
def test_allow_into_inline_tables_keeps_their_spacing(
    tmp_path: Path, before: str, after: str,
) -> None:
    path = write(tmp_path, before)
    versions = "<2" if "versions" in after else None
    allow(path, "a", [ENV], versions=versions, cwd=tmp_path)
    assert path.read_bytes() == after.encode()


def test_edits_to_a_crlf_file_end_their_lines_with_crlf(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_bytes(b'[project]\r\nname = "x"\r\n')
    allow(path, "a", [ENV], cwd=tmp_path)
    allow(path, "b", [NET], cwd=tmp_path)
    assert path.read_bytes() == (
        b'[project]\r\nname = "x"\r\n\r\n[tool.permissions]\r\ndefault = []\r\n\r\n'
        b'[tool.permissions.packages]\r\na = ["env"]\r\nb = ["network"]\r\n')
    revoke(path, "a", [], cwd=tmp_path)
    assert path.read_bytes().endswith(b'[tool.permissions.packages]\r\nb = ["network"]\r\n')


# -- import-time grants (issue #13) ------------------------------------------------------


def test_at_import_is_read_with_its_own_checks(tmp_path: Path) -> None:
    write(tmp_path, '[tool.permissions]\n'
                    'default = { allow = ["fs-read", "env"], at-import = ["fs-read"] }\n'
                    '[tool.permissions.packages]\n'
                    'httpkit = { allow = ["network", "env"], at-import = ["env"] }\n'
                    'requests = ["network"]\n')
    policy = load_policy(cwd=tmp_path)
    httpkit, requests = normalize("httpkit"), normalize("requests")
    assert policy.default == {FSR, ENV} and policy.default_at_import == {FSR}
    assert policy.grant(httpkit) == Grant(name=httpkit, key="httpkit", allow=(NET, ENV),
                                          at_import=(ENV,), line=4,
                                          form=GrantForm.INLINE_TABLE)
    assert policy.allowed_for(httpkit, "2.0.1") == {NET, ENV, FSR}
    assert policy.allowed_at_import(httpkit, "2.0.1") == {ENV, FSR}
    assert policy.allowed_at_import(requests, "1") == {FSR}
    assert problems(tmp_path, '[tool.permissions.packages]\n'
                              'a = { allow = ["env"], at-import = ["network", "env", "netwrk"] }\n'
                              'b = { allow = ["install-hooks"], at-import = ["install-hooks"] }\n'
                              'c = { at-import = "env" }\n') == [
        "pyproject.toml:2: tool.permissions.packages.a.at-import[2]: unknown capability "
        "'netwrk' (did you mean 'network'?)",
        "pyproject.toml:2: tool.permissions.packages.a.at-import[0]: 'network' is granted at "
        "import but not in 'allow' (use at import is use: add it to 'allow' too)",
        "pyproject.toml:3: tool.permissions.packages.b.at-import[0]: 'install-hooks' is the "
        "capability of a phase of its own; it is never granted at import",
        "pyproject.toml:4: tool.permissions.packages.c: missing key 'allow'",
        "pyproject.toml:4: tool.permissions.packages.c.at-import: expected an array of "
        "capabilities, got string",
    ]


def test_allow_at_import_keeps_the_layout_and_toml_line_shows_it(tmp_path: Path) -> None:
    path = write(tmp_path, '[tool.permissions.packages]\n'
                           'httpkit = ["network", "env"]  # reviewed\n'
                           'pinned = { allow = ["env"], versions = "<2" }\n')
    grant = allow(path, "httpkit", [ENV], at_import=True, cwd=tmp_path)
    assert (grant.allow, grant.at_import) == ((NET, ENV), (ENV,))
    allow(path, "pinned", [NET], at_import=True, cwd=tmp_path)
    allow(path, "fresh", [NET, ENV], at_import=True, cwd=tmp_path)
    assert path.read_text() == (
        '[tool.permissions.packages]\n'
        'httpkit = {allow = ["network", "env"], at-import = ["env"]}  # reviewed\n'
        'pinned = { allow = ["env", "network"], versions = "<2", at-import = ["network"] }\n'
        'fresh = {allow = ["network", "env"], at-import = ["network", "env"]}\n')
    policy = load_policy(cwd=tmp_path)
    assert toml_line(policy, normalize("httpkit"), [], at_import=[NET]) == (
        'httpkit = {allow = ["network", "env"], at-import = ["env", "network"]}')
    with pytest.raises(UsageError) as exc:
        revoke(path, "pinned", [ENV], at_import=True, cwd=tmp_path)
    assert str(exc.value) == "pinned is not granted 'env' at import in pyproject.toml"
    revoke(path, "pinned", [], at_import=True, cwd=tmp_path)
    assert load_policy(cwd=tmp_path).grant(normalize("pinned")).at_import == ()


def test_write_grants_with_at_import(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    write_grants(path, {normalize("a"): {NET, ENV}, normalize("b"): {FSR}}, WriteMode.CREATE,
                 at_import={normalize("a"): {ENV}}, cwd=tmp_path)
    assert path.read_text() == (
        '[tool.permissions]\ndefault = []\n\n[tool.permissions.packages]\n'
        'a = {allow = ["network", "env"], at-import = ["env"]}\nb = ["fs-read"]\n')


# -- the policy beside each pin of a requirements file (gate.policy_reqfile) --------------


REQS = (
    "# pins\r\n"
    "--index-url https://example.invalid/simple  # permissions: network\r\n"
    "httpkit==2.0.0 \\\r\n"
    "    --hash=sha256:aa  # permissions: network, env; at-import: env  # reviewed\r\n"
    "mlkit==3.1.0  # pinned for CUDA 12\r\n"
    "zope.interface @ https://example.invalid/z.whl#sha256=bb  # permissions: native\r\n"
)


def test_requirements_comments_are_read_with_pips_rules(tmp_path: Path) -> None:
    from gate.policy_reqfile import load

    path = write(tmp_path, REQS.replace("--index-url https://example.invalid/simple  "
                                        "# permissions: network\r\n", ""),
                 name="requirements.txt")
    policy = load(path, display="requirements.txt")
    assert policy.requirements and policy.default == frozenset()
    httpkit = normalize("httpkit")
    assert policy.grant(httpkit) == Grant(name=httpkit, key=httpkit, allow=(NET, ENV),
                                          at_import=(ENV,), line=2)
    # mlkit's own comment is not a grant
    assert policy.grant(normalize("mlkit")) is None
    assert policy.grant(normalize("zope.interface")).allow == (Capability.NATIVE,)
    assert load_policy(cwd=tmp_path, inputs=[Path("requirements.txt")]).packages.keys() == {
        httpkit, normalize("zope.interface")}
    write(tmp_path, '[tool.permissions.packages]\na = ["env"]\n')  # pyproject wins
    assert list(load_policy(cwd=tmp_path, inputs=[path]).packages) == ["a"]


def test_requirements_comment_problems_name_their_lines(tmp_path: Path) -> None:
    from gate.policy_reqfile import load

    path = write(tmp_path, REQS + "  # permissions: threads\n"  # beside no requirement
                 "a==1 # permissions: netwrk; at-import: env\n"
                 "b==1 # permissions: env \\\n    --hash=sha256:cc\n"
                 "a==2  # permissions: env\n", name="requirements.txt")
    with pytest.raises(PolicyError) as exc:
        load(path, display="requirements.txt")
    assert exc.value.problems == [
        "requirements.txt:2: a permissions comment must follow a requirement that names its "
        "package (NAME==VERSION or NAME @ URL)",
        "requirements.txt:7: a permissions comment must follow a requirement that names its "
        "package (NAME==VERSION or NAME @ URL)",
        "requirements.txt:8: a: unknown capability 'netwrk' (did you mean 'network'?)",
        "requirements.txt:8: a: 'env' is granted at import but not in the permissions "
        "(use at import is use: list it before ';' too)",
        "requirements.txt:9: the comment swallows the continuation lines after it (pip reads "
        "them as part of the comment): put it on the last line",
        "requirements.txt:11: a: duplicate grant (line 8)",
    ]


def test_requirements_comment_edits_keep_every_other_byte(tmp_path: Path) -> None:
    from gate.policy_reqfile import edit
    from gate.policy_reqfile import write_grants as write_beside

    text = REQS.replace("--index-url https://example.invalid/simple  # permissions: network",
                        "--index-url https://example.invalid/simple")
    path = write(tmp_path, "", name="requirements.txt")
    path.write_bytes(text.encode())
    grant = edit(path, "MLKit", add=[Capability.THREADS], add_at_import=[NET],
                 display="requirements.txt")
    assert grant is not None and (grant.allow, grant.at_import) == (  # catalog order
        (NET, Capability.THREADS), (NET,))
    expected = text.replace("mlkit==3.1.0  # pinned for CUDA 12",
                            "mlkit==3.1.0  # permissions: network, threads; at-import: network"
                            "  # pinned for CUDA 12")
    assert path.read_bytes().decode() == expected
    edit(path, "mlkit", drop=True, display="requirements.txt")
    assert path.read_bytes().decode() == text
    edit(path, "httpkit", remove=[ENV], display="requirements.txt")
    assert "--hash=sha256:aa  # permissions: network  # reviewed\r\n" in (
        path.read_bytes().decode())
    with pytest.raises(UsageError) as exc:
        edit(path, "ghost", add=[ENV], display="requirements.txt")
    assert str(exc.value) == (
        "ghost is not pinned in requirements.txt: its grant goes beside its pin")
    changed, unpinned = write_beside(
        path, {normalize("mlkit"): {ENV}, normalize("ghost"): {NET}},
        {normalize("mlkit"): {ENV}}, WriteMode.MERGE, display="requirements.txt")
    assert (changed, unpinned) == (1, ["ghost"])
    assert "mlkit==3.1.0  # permissions: env; at-import: env  # pinned" in path.read_text()
