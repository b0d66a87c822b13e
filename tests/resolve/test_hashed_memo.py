"""A hashed lockfile whose files are cached needs no index request (the choice is memoised).

In-process against the local index (no pip, no subprocess): fast.
"""

from __future__ import annotations

import json
from pathlib import Path

from gate.cache import Cache
from gate.cli.options import parse_options
from gate.fetch import HttpSettings, fetch_all
from gate.model import Pin
from gate.resolve.lockfile import pins_from_hashed, read_hashed_requirements
from gate.resolve.target import current_target
from tests.builders import build_wheel, sha256_file
from tests.index import SubIndex


def _setup(index: SubIndex, tmp_path: Path) -> tuple[Path, str]:
    """Two files of one version (any + a tag this interpreter lacks) and one other project."""
    dist = tmp_path / "dist"
    a = build_wheel(dist, "alpha", "1.0", {"alpha/__init__.py": "A = 1\n"})
    odd = build_wheel(dist, "alpha", "1.0", {"alpha/__init__.py": "A = 2\n"},
                      tag="py3-none-win_arm64")
    b = build_wheel(dist, "beta", "2.0", {"beta/__init__.py": "B = 1\n"})
    for path in (a, odd, b):
        index.publish(path)
    req = tmp_path / "requirements.txt"
    req.write_text(f"alpha==1.0 --hash=sha256:{sha256_file(odd)} "
                   f"--hash=sha256:{sha256_file(a)}\n"
                   f"beta==2.0 --hash=sha256:{sha256_file(b)}\n")
    return req, sha256_file(a)


def _pins(req: Path, tmp_path: Path, url: str, *extra: str) -> list[Pin]:
    options = parse_options(["--isolated", "--index-url", url,
                             "--cache-dir", str(tmp_path / "cache"), *extra])
    target = current_target()
    hashed = read_hashed_requirements(req, cwd=tmp_path, target=target)
    return pins_from_hashed(hashed, options=options, target=target)


def _fetch(pins: list[Pin], tmp_path: Path) -> None:
    fetch_all(pins, cache=Cache(tmp_path / "cache" / "permpip"), settings=HttpSettings())


def _pages(index: SubIndex) -> list[str]:
    return [p for p in index.requests_seen() if "/simple/" in p]


def test_cached_lockfile_asks_the_index_nothing(index: SubIndex, tmp_path: Path) -> None:
    req, sha_a = _setup(index, tmp_path)
    first = _pins(req, tmp_path, index.url)
    assert [(p.name, p.filename, p.sha256) for p in first] == [
        ("alpha", "alpha-1.0-py3-none-any.whl", sha_a),
        ("beta", "beta-2.0-py3-none-any.whl", first[1].sha256)]
    pages = _pages(index)
    assert sorted(pages) == [f"/{index.prefix}/simple/alpha/", f"/{index.prefix}/simple/beta/"]
    # files not cached yet: the remembered choice alone is not used
    assert _pins(req, tmp_path, index.url) == first
    assert len(_pages(index)) == 4
    _fetch(first, tmp_path)
    assert _pins(req, tmp_path, index.url) == first
    assert len(_pages(index)) == 4  # nothing asked
    # --no-cache: asks again
    assert _pins(req, tmp_path, index.url, "--no-cache") == first
    assert len(_pages(index)) == 6


def test_a_choice_is_not_trusted_beyond_the_pinned_hashes(index: SubIndex,
                                                          tmp_path: Path) -> None:
    req, _sha_a = _setup(index, tmp_path)
    first = _pins(req, tmp_path, index.url)
    _fetch(first, tmp_path)
    choices = sorted((tmp_path / "cache" / "permpip" / "choices").glob("*.json"))
    assert len(choices) == 2
    for path in choices:  # point every remembered choice at a file no hash pins
        data = json.loads(path.read_text())
        path.write_text(json.dumps({**data, "sha256": "0" * 64}))
    assert _pins(req, tmp_path, index.url) == first
    assert len(_pages(index)) == 4  # both asked again
    # a cached file that went missing: asked again too
    (tmp_path / "cache" / "permpip" / "files" / first[1].sha256[:2] / first[1].sha256
     / first[1].filename).unlink()
    assert _pins(req, tmp_path, index.url) == first
    assert sorted(_pages(index)[4:]) == [f"/{index.prefix}/simple/beta/"]
