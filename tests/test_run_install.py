"""The install step of ``run_gate`` when pip is interrupted: the error says exactly what
the run changed (the one subprocess seam is patched to interrupt after pip finished)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from gate import _subprocess
from gate.cli.options import parse_options
from gate.errors import Interrupted
from gate.run import run_gate
from tests.builders import build_wheel
from tests.conftest import installed, write_policy
from tests.index import SubIndex


def _interrupt_after_install(real: Callable[..., _subprocess.Completed]) -> Callable[..., Any]:
    def run(argv: Sequence[str], **kw: Any) -> _subprocess.Completed:
        done = real(argv, **kw)
        if "--require-hashes" in argv and "--dry-run" not in argv:
            raise KeyboardInterrupt  # Ctrl-C as pip finished: its work is on disk
        return done
    return run


@pytest.mark.parametrize("backend", ["pip", "uv"])
def test_an_interrupted_install_lists_what_it_installed(
        backend: str, index: SubIndex, tmp_path: Path, make_venv: Callable[..., Path],
        hermetic_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    index.publish(build_wheel(tmp_path / "dist", "aaa", "1.0", {"aaa/__init__.py": ""}))
    project = tmp_path / "project"
    write_policy(project, {})
    py = make_venv()
    monkeypatch.setattr(_subprocess, "run", _interrupt_after_install(_subprocess.run))
    options = parse_options(["--backend", backend, "--python", str(py), "--index-url",
                             index.url, "aaa==1.0", "--no-cache"])
    with pytest.raises(Interrupted) as exc:
        run_gate(options, cwd=project, install=True, env=hermetic_env)
    assert str(exc.value) == "interrupted while installing; this run changed: aaa 1.0 (installed)"
    assert exc.value.exit_code == 130
    assert installed(py) == {"aaa": "1.0"}
