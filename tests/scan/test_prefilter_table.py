"""The pre-filter's default table kept in permpip's cache (``CACHE/prefilter/<scanner
version>.json``, ``gate.scan.prefilter.keep_table``): read back it is the table built from
the catalog, entry for entry and in order; the table of a distribution with renamed modules
built on it is the one built without it; a damaged record is ignored, rebuilt and written
again; scans are the same either way."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from gate.run import keep_prefilter_table
from gate.scan import prefilter, scan_artifact
from tests.builders import build_wheel


@pytest.fixture(autouse=True)
def _no_table_after() -> Iterator[None]:
    yield
    prefilter.keep_table(None)  # later tests build their own, as before


def _norm(flt: prefilter._Filter) -> tuple[object, ...]:
    return (flt.words, flt.bare_words,
            [(k, [(r.head, r.target, r.binds, sorted(a), sorted(b)) for r, a, b in v])
             for k, v in flt.by_word.items()])


def _built() -> tuple[object, ...]:
    prefilter.keep_table(None)
    return _norm(prefilter._filter())


def test_the_kept_table_is_the_built_one(tmp_path: Path) -> None:
    path = tmp_path / "prefilter" / "v.json"
    prefilter.keep_table(path)
    first = _norm(prefilter._filter())  # built, written
    assert path.is_file()
    written = path.stat().st_mtime_ns
    prefilter.keep_table(path)
    read = prefilter._filter()
    assert isinstance(next(iter(read.by_word.values()))[0][0], prefilter._Met)  # from disk
    assert _norm(read) == first == _built()
    assert path.stat().st_mtime_ns == written


def _renamed_wheel(tmp_path: Path) -> Path:
    return build_wheel(tmp_path / "dist", "aliaslib", "1.0", {
        "aliaslib/__init__.py": "from . import compat\n",
        "aliaslib/compat.py": "import subprocess as sp\nimport os\n",
        "aliaslib/run.py": "from .compat import sp, os\n\ndef go(c):\n    sp.run(c)\n"
                           "    return os.environ\n",
        "aliaslib/quiet.py": "def f(x):\n    return x.run\n"})


def test_a_renamed_module_table_on_the_kept_one_is_the_built_one(tmp_path: Path) -> None:
    wheel = _renamed_wheel(tmp_path)
    seen: list[tuple[frozenset[str], frozenset[tuple[str, str]], frozenset[tuple[str, str]]]]
    seen = []
    real = prefilter._build_filter

    def spy(own: frozenset[str], renamed: frozenset[tuple[str, str]],
            starred: frozenset[tuple[str, str]]) -> prefilter._Filter:
        seen.append((own, renamed, starred))
        return real(own, renamed, starred)

    prefilter.keep_table(None)
    try:
        prefilter._build_filter = spy  # type: ignore[assignment]
        plain = scan_artifact(wheel)
    finally:
        prefilter._build_filter = real  # type: ignore[assignment]
    keys = {k for k in seen if k[1]}
    assert keys, "the wheel's own modules bind renamed modules"
    without = {k: _norm(real(*k)) for k in keys}
    path = tmp_path / "t.json"
    prefilter.keep_table(path)
    prefilter._filter()  # written
    prefilter.keep_table(path)
    assert {k: _norm(real(*k)) for k in keys} == without
    kept = scan_artifact(wheel)
    assert kept == plain
    assert [(str(f.capability.value), f.path, f.line, f.detail) for f in kept.findings] == [
        ("subprocess", "aliaslib/run.py", 4, "subprocess.run"),
        ("env", "aliaslib/run.py", 5, "os.environ")]


def _damage_body(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-10] ^= 0x01  # one bit of the body: the digest no longer holds
    path.write_bytes(bytes(data))


def _wrong_shape(path: Path) -> None:
    body = json.dumps({"words": ["os"], "sets": [[0], []], "mets": [["", "x", False]],
                       "entries": [0, 0, 0, 9], "shared": {}}).encode()
    head = json.dumps({"format": prefilter._TABLE_FORMAT,
                       "sha256": hashlib.sha256(body).hexdigest()}).encode()
    path.write_bytes(head + b"\n" + body)  # its digest holds; entry 0 names set 9


def _other_format(path: Path) -> None:
    head, _, body = path.read_bytes().partition(b"\n")
    record = json.loads(head)
    record["format"] = "prefilter-0"
    path.write_bytes(json.dumps(record).encode() + b"\n" + body)


@pytest.mark.parametrize("damage", [
    _damage_body,
    lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),  # torn
    lambda p: p.write_bytes(b""),
    lambda p: p.write_bytes(b"not json\n{}"),
    _wrong_shape,
    _other_format,
])
def test_a_damaged_table_is_ignored_rebuilt_and_written_again(tmp_path: Path,
                                                              damage: object) -> None:
    path = tmp_path / "t.json"
    prefilter.keep_table(path)
    expected = _norm(prefilter._filter())
    damage(path)  # type: ignore[operator]
    assert prefilter._read_table(path) is None
    prefilter.keep_table(path)
    rebuilt = prefilter._filter()
    assert not isinstance(next(iter(rebuilt.by_word.values()))[0][0], prefilter._Met)
    assert _norm(rebuilt) == expected
    assert prefilter._read_table(path) is not None  # written again


def test_the_table_is_kept_by_scanner_version_and_not_for_no_cache(tmp_path: Path) -> None:
    keep_prefilter_table(tmp_path, "v1")
    keep_prefilter_table(tmp_path, "v2")
    assert sorted(p.name for p in (tmp_path / "prefilter").iterdir()) == ["v1.json", "v2.json"]
    keep_prefilter_table(None, "v3")  # --no-cache: built, kept nowhere
    assert not (tmp_path / "prefilter" / "v3.json").exists()
    assert prefilter._TABLE_FILE == []


def test_a_catalogued_distribution_files_its_requirements_from_the_kept_rows(
        tmp_path: Path) -> None:
    """``requests`` is in the catalog: its table leaves its own names out, filed from the
    kept rows (the same entries, in the same order) and scanned alike."""
    wheel = build_wheel(tmp_path / "dist", "requests", "9.0", {
        "requests/__init__.py": "from .api import get\n",
        "requests/api.py": "import subprocess\n\ndef get(u):\n    return subprocess.run(u)\n"})
    prefilter.keep_table(None)
    built = dict(prefilter._entries())
    plain = scan_artifact(wheel)
    path = tmp_path / "t.json"
    prefilter.keep_table(path)
    prefilter._filter()  # written
    prefilter.keep_table(path)
    assert prefilter._kept() is not None
    kept = prefilter._entries()
    assert list(kept) == list(built)
    assert {r: (k, sorted(a), sorted(b)) for r, (k, (_r, a, b)) in kept.items()} == {
        r: (k, sorted(a), sorted(b)) for r, (k, (_r, a, b)) in built.items()}
    again = scan_artifact(wheel)
    assert again == plain
    assert [(str(f.capability.value), f.path, f.line) for f in again.findings] == [
        ("subprocess", "requests/api.py", 4)]


def test_rows_that_disagree_with_the_catalog_are_not_used(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    path = tmp_path / "t.json"
    prefilter.keep_table(path)
    prefilter._filter()
    prefilter.keep_table(path)
    rows, shared = prefilter._kept()  # type: ignore[misc]
    key, met, a, b = rows[0]
    rows[0] = (key, prefilter._Met(met.head, met.target + "x", met.binds), a, b)
    entries = prefilter._entries()
    first = next(iter(entries.values()))
    assert first[1][0].target == met.target  # worked out from the catalog instead
