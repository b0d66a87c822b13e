"""The target probe cache (issue #15): a probe of ``--python`` is kept by the interpreter's
path and used again while every file it depends on is unchanged (device, inode, size,
mtime, ctime of the path, the real interpreter, sysconfig, site, pyvenv.cfg)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gate.resolve import target as target_mod
from gate.resolve.target import probe_target


@pytest.fixture
def venv(tmp_path: Path) -> Path:
    root = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    return root / "bin" / "python"


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = target_mod._subprocess.run

    def run(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(target_mod._subprocess, "run", run)
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
    cfg.write_text(cfg.read_text())  # same bytes, a new write
    os.utime(cfg, ns=(st.st_atime_ns, st.st_mtime_ns))  # even with the old mtime: ctime
    probe_target(str(venv), cache_dir=cache)
    assert len(calls) == 2


def test_another_interpreter_at_the_same_path_probes_again(
        venv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _counting(monkeypatch)
    cache = tmp_path / "targets"
    probe_target(str(venv), cache_dir=cache)
    venv.unlink()
    venv.symlink_to(os.path.realpath(sys.executable))  # the link itself is new
    probe_target(str(venv), cache_dir=cache)
    assert len(calls) == 2


def test_without_a_cache_every_run_probes(
        venv: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _counting(monkeypatch)
    probe_target(str(venv))
    probe_target(str(venv))
    assert len(calls) == 2
