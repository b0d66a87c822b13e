"""The parsed-requirements cache (``gate.resolve.parsed``): a warm run takes pip's parse of
the same lock from a record instead of importing pip's reader, and only when every input of
that parse is as it was: each file read (included ``-r``/``-c`` files too), each environment
variable looked up, each path whose existence decided something, pip's own reader, permpip's
code. A record that is not well-formed is ignored and written again.

In-process, with pip's real requirements-file reader (no resolver runs here).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from gate.cli.options import parse_options
from gate.resolve import parsed, reqfile
from gate.resolve.parsed import ParsedCache
from gate.resolve.reqfile import Inputs, read_files, read_settings

DEVNULL = {"PIP_CONFIG_FILE": os.devnull}
A = "a" * 64
B = "b" * 64


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A lock that includes a file (``${LIBVER}`` expanded there) and a constraints file."""
    root = tmp_path / "project"
    (root / "reqs").mkdir(parents=True)
    (root / "requirements.txt").write_text(
        "-c reqs/constraints.txt\n"
        f"alpha==1.0 --hash=sha256:{A}\n"
        "-r reqs/more.txt\n")
    (root / "reqs" / "more.txt").write_text(f"beta==${{LIBVER}} --hash=sha256:{B}\n")
    (root / "reqs" / "constraints.txt").write_text("gamma<3\n")
    return root


class Counted:
    """Counts the parses pip's reader made (``reqfile._read_files``)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        real = reqfile._read_files

        def counting(*args: object, **kwargs: object) -> object:
            self.calls += 1
            return real(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(reqfile, "_read_files", counting)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Counted:
    return Counted(monkeypatch)


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def _read(cwd: Path, cache: Path, env: dict[str, str], *argv: str) -> Inputs:
    options = parse_options(["--isolated", "-r", "requirements.txt", *argv])
    full = {**DEVNULL, **env}
    settings = read_settings(options, target_python=sys.executable, cwd=cwd, env=full)
    return read_files(settings, cwd=cwd, env=full, target_python_version="3.11.0",
                      memo=ParsedCache(cache, code="test-code"))


def _specs(inputs: Inputs) -> list[tuple[str, tuple[str, ...], bool]]:
    return [(r.spec, r.hashes, r.constraint) for r in (*inputs.requirements,
                                                       *inputs.constraints)]


def _records(cache: Path) -> list[Path]:
    return sorted((cache / "reqfiles").glob("*.json"))


def test_a_warm_read_takes_the_record_and_gives_the_same_inputs(
        project: Path, cache: Path, counted: Counted) -> None:
    first = _read(project, cache, {"LIBVER": "2.0"})
    assert _specs(first) == [("alpha==1.0", (f"sha256:{A}",), False),
                             ("beta==2.0", (f"sha256:{B}",), False),
                             ("gamma<3", (), True)]
    assert counted.calls == 1
    [record] = _records(cache)
    data = json.loads(record.read_text())
    assert [Path(f).name for f, _sha in data["files"]] == [
        "requirements.txt", "constraints.txt", "more.txt"]
    assert data["env"] == {"LIBVER": "2.0"}
    again = _read(project, cache, {"LIBVER": "2.0"})
    assert counted.calls == 1  # from the record
    assert again == first
    assert [r.where for r in again.requirements] == ["requirements.txt:2", "reqs/more.txt:1"]


def test_a_changed_included_file_misses(project: Path, cache: Path, counted: Counted) -> None:
    _read(project, cache, {"LIBVER": "2.0"})
    (project / "reqs" / "more.txt").write_text(f"beta==2.1 --hash=sha256:{B}\n")
    changed = _read(project, cache, {"LIBVER": "2.0"})
    assert counted.calls == 2
    assert ("beta==2.1", (f"sha256:{B}",), False) in _specs(changed)
    (project / "reqs" / "constraints.txt").write_text("gamma<2\n")
    assert ("gamma<2", (), True) in _specs(_read(project, cache, {"LIBVER": "2.0"}))
    assert counted.calls == 3


def test_a_changed_or_removed_variable_misses(project: Path, cache: Path,
                                              counted: Counted) -> None:
    _read(project, cache, {"LIBVER": "2.0"})
    assert ("beta==3.0", (f"sha256:{B}",), False) in _specs(
        _read(project, cache, {"LIBVER": "3.0"}))
    assert counted.calls == 2
    # unset: pip leaves ${LIBVER} as written
    assert ("beta==${LIBVER}", (f"sha256:{B}",), False) in _specs(_read(project, cache, {}))
    assert counted.calls == 3
    _read(project, cache, {"LIBVER": "2.0"})
    assert counted.calls == 4  # one key: the record holds the last parse (LIBVER unset)


def test_a_variable_the_read_did_not_look_up_does_not_matter(
        project: Path, cache: Path, counted: Counted) -> None:
    _read(project, cache, {"LIBVER": "2.0", "OTHER": "x"})
    _read(project, cache, {"LIBVER": "2.0", "OTHER": "y"})
    assert counted.calls == 1


def test_another_pip_misses(project: Path, cache: Path, counted: Counted,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    _read(project, cache, {"LIBVER": "2.0"})
    assert parsed.pip_identity() == parsed.pip_identity()  # stable for the same pip
    monkeypatch.setattr(parsed, "pip_identity", lambda: "another pip")
    _read(project, cache, {"LIBVER": "2.0"})
    assert counted.calls == 2
    assert len(_records(cache)) == 2


def test_pip_identity_holds_pips_version(tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The identity hashes pip's ``__init__.py`` (its ``__version__``): a copy of pip whose
    version line differs has another identity."""
    import pip

    source = Path(pip.__file__).parent
    fake = tmp_path / "site" / "pip"
    for rel in parsed._PIP_FILES:
        (fake / rel).parent.mkdir(parents=True, exist_ok=True)
        (fake / rel).write_bytes((source / rel).read_bytes())
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    for name in [m for m in sys.modules if m == "pip" or m.startswith("pip.")]:
        monkeypatch.delitem(sys.modules, name)
    same = parsed.pip_identity()
    init = fake / "__init__.py"
    init.write_text(init.read_text().replace(f'"{pip.__version__}"', '"99.0"'))
    assert '"99.0"' in init.read_text()
    assert parsed.pip_identity() != same


def test_another_permpip_or_cwd_misses(project: Path, cache: Path, counted: Counted) -> None:
    _read(project, cache, {"LIBVER": "2.0"})
    options = parse_options(["--isolated", "-r", "requirements.txt"])
    env = {**DEVNULL, "LIBVER": "2.0"}
    settings = read_settings(options, target_python=sys.executable, cwd=project, env=env)
    read_files(settings, cwd=project, env=env, target_python_version="3.11.0",
               memo=ParsedCache(cache, code="other-code"))
    assert counted.calls == 2
    _read(project, cache, {"LIBVER": "2.0"}, "--index-url", "http://example.invalid/simple")
    assert counted.calls == 3  # the options the read starts from are in the key


def test_a_find_links_line_that_comes_to_exist_misses(tmp_path: Path, cache: Path,
                                                      counted: Counted) -> None:
    root = tmp_path / "project"
    root.mkdir()
    (root / "requirements.txt").write_text(f"-f wheels\nalpha==1.0 --hash=sha256:{A}\n")
    first = _read(root, cache, {})
    assert first.options.values("--find-links") == ["wheels"]
    (root / "wheels").mkdir()
    second = _read(root, cache, {})
    assert counted.calls == 2
    assert second.options.values("--find-links") == [str(root / "wheels")]


@pytest.mark.parametrize("damage", [
    b"",  # empty
    b"{not json",  # torn
    b"[]",  # not an object
    b'{"format": "reqfiles-1"}',  # no fields
])
def test_a_damaged_record_is_ignored_and_written_again(
        project: Path, cache: Path, counted: Counted, damage: bytes) -> None:
    first = _read(project, cache, {"LIBVER": "2.0"})
    [record] = _records(cache)
    record.write_bytes(damage)
    assert _read(project, cache, {"LIBVER": "2.0"}) == first
    assert counted.calls == 2
    assert json.loads(record.read_text())["format"] == "reqfiles-1"  # written again
    assert _read(project, cache, {"LIBVER": "2.0"}) == first
    assert counted.calls == 2


@pytest.mark.parametrize("field,value", [
    ("requirements", [["alpha==1.0", "x", "", False, False, [7], ""]]),  # a hash not a string
    ("options", [["--index-url", "u", "no-such-step", None]]),
    ("format_control", {"no_binary": "flask", "only_binary": []}),
    ("files", [["/nonexistent/requirements.txt", "0" * 64]]),
    ("env", {"LIBVER": 2}),
    ("exists", [["/x", "yes"]]),
])
def test_a_record_of_the_wrong_shape_is_not_trusted(
        project: Path, cache: Path, counted: Counted, field: str, value: object) -> None:
    first = _read(project, cache, {"LIBVER": "2.0"})
    [record] = _records(cache)
    data = json.loads(record.read_text())
    data[field] = value
    record.write_text(json.dumps(data))
    assert _read(project, cache, {"LIBVER": "2.0"}) == first
    assert counted.calls == 2


@pytest.mark.parametrize("head", [
    b"# caf\xe9\n",  # pip falls back to the locale's encoding (and warns)
    b"# -*- coding: latin-1 -*-\n# caf\xe9\n",  # a coding line: not UTF-8 either
])
def test_a_file_that_is_not_utf8_is_not_recorded(
        tmp_path: Path, cache: Path, counted: Counted, monkeypatch: pytest.MonkeyPatch,
        head: bytes) -> None:
    from pip._internal.req import req_file

    monkeypatch.setattr(req_file, "get_locale_encoding", lambda: "latin-1")
    root = tmp_path / "project"
    root.mkdir()
    (root / "requirements.txt").write_bytes(head + f"alpha==1.0 --hash=sha256:{A}\n".encode())
    assert _specs(_read(root, cache, {})) == [("alpha==1.0", (f"sha256:{A}",), False)]
    _read(root, cache, {})
    assert counted.calls == 2
    assert _records(cache) == []


def test_a_group_is_read_by_pip_every_time(tmp_path: Path, cache: Path,
                                           counted: Counted) -> None:
    root = tmp_path / "project"
    root.mkdir()
    (root / "requirements.txt").write_text(f"alpha==1.0 --hash=sha256:{A}\n")
    (root / "pyproject.toml").write_text('[dependency-groups]\ndev = ["beta"]\n')
    _read(root, cache, {}, "--group", "dev")
    _read(root, cache, {}, "--group", "dev")
    assert counted.calls == 2
    assert _records(cache) == []
