"""The target probe cache (issue #15, gate/probe_cache.py): a probe of ``--python``
is kept by the interpreter's path and used again while every file it depends on is
unchanged; a fresh venv of the same interpreter elsewhere takes it with its own directory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from gate import _subprocess
from gate.resolve.target import probe_target
from tests.conftest import create_venv
from tests.e2e import pyenv


@pytest.fixture
def venv(tmp_path: Path) -> Path:
    return create_venv(tmp_path / "venv")


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = _subprocess.run

    def run(*args: Any, **kwargs: Any) -> _subprocess.Completed:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(_subprocess, "run", run)
    return calls


def test_a_probe_is_used_again_while_its_files_are_unchanged(
        venv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _counting(monkeypatch)
    cache = tmp_path / "targets"
    first = probe_target(str(venv), cache_dir=cache)
    again = probe_target(str(venv), cache_dir=cache)
    assert len(calls) == 1
    assert again == first
    assert first.prefix == str(venv.parent.parent)


def test_a_changed_pyvenv_cfg_probes_again(
        venv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _counting(monkeypatch)
    cache = tmp_path / "targets"
    probe_target(str(venv), cache_dir=cache)
    cfg = venv.parent.parent / "pyvenv.cfg"
    st = cfg.stat()
    cfg.write_text(cfg.read_text().replace("include-system-site-packages = false",
                                           "include-system-site-packages = true"))
    os.utime(cfg, ns=(st.st_atime_ns, st.st_mtime_ns))  # even with the old mtime
    changed = probe_target(str(venv), cache_dir=cache)
    assert len(calls) == 2
    assert len(changed.site_dirs) > 1  # the system's site-packages too


def test_another_interpreter_at_the_same_path_probes_again(
        venv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = pyenv.interpreter("3.12")
    calls = _counting(monkeypatch)
    cache = tmp_path / "targets"
    probe_target(str(venv), cache_dir=cache)
    venv.unlink()
    venv.symlink_to(other)
    again = probe_target(str(venv), cache_dir=cache)
    assert len(calls) == 2
    assert again.environment["python_version"] == "3.12"


def test_a_fresh_venv_elsewhere_takes_the_probe_with_its_own_paths(
        venv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "targets"
    first = probe_target(str(venv), cache_dir=cache)
    root = tmp_path / "elsewhere" / "v2"
    create_venv(root)
    calls = _counting(monkeypatch)
    moved = probe_target(str(root / "bin" / "python"), cache_dir=cache)
    assert calls == []
    real = probe_target(str(root / "bin" / "python"))
    assert len(calls) == 1
    assert moved == real
    assert moved.prefix == str(root) and moved.tags == first.tags
    assert moved.paths["purelib"].startswith(str(root) + os.sep)


def test_a_pth_file_in_a_fresh_venv_probes_again(
        venv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "targets"
    probe_target(str(venv), cache_dir=cache)
    root = tmp_path / "v3"
    create_venv(root)
    site = next(root.glob("lib/python*/site-packages"))
    more = tmp_path / "more" / "site-packages"
    more.mkdir(parents=True)  # (site.py adds only a directory that exists)
    (site / "extra.pth").write_text(str(more) + "\n")
    calls = _counting(monkeypatch)
    probed = probe_target(str(root / "bin" / "python"), cache_dir=cache)
    assert len(calls) == 1
    assert str(more) in probed.site_dirs


def test_without_a_cache_every_run_probes(
        venv: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _counting(monkeypatch)
    probe_target(str(venv))
    probe_target(str(venv))
    assert len(calls) == 2


def test_a_cold_probe_reads_the_venv_once_and_keeps_it_by_its_state_before(
        venv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A miss works out the venv key (every file at the top of site-packages, hashed) once:
    ``put`` keys the answer by what ``get`` read, and a fresh venv elsewhere takes it."""
    from gate import probe_cache

    keys: list[str | None] = []
    real = probe_cache._venv_key

    def counted(*args: Any) -> str | None:
        keys.append(real(*args))
        return keys[-1]

    monkeypatch.setattr(probe_cache, "_venv_key", counted)
    cache = tmp_path / "targets"
    probe_target(str(venv), cache_dir=cache)
    assert len(keys) == 1 and keys[0] is not None
    assert (cache / f"venv-{keys[0]}.json").is_file()
    root = tmp_path / "elsewhere"
    create_venv(root)
    calls = _counting(monkeypatch)
    probe_target(str(root / "bin" / "python"), cache_dir=cache)
    assert calls == []  # the kept answer
