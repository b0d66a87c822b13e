"""The scan cache's key (``scanner_version``) follows every file that can change a scan."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import gate
from gate.run import scanner_version


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "gate"
    shutil.copytree(Path(gate.__file__).parent, root,
                    ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(gate, "__file__", str(root / "__init__.py"))
    return root


@pytest.mark.parametrize("rel", ["model.py", "build.py", "scan/python.py", "data/catalog.txt",
                                 "errors.py", "_tomlpos.py"])
def test_a_change_to_code_the_scan_depends_on_changes_the_key(tree: Path, rel: str) -> None:
    before = scanner_version()
    with (tree / rel).open("a") as f:
        f.write("\n# changed\n")
    assert scanner_version() != before


def test_bytecode_and_moves_between_files(tree: Path) -> None:
    before = scanner_version()
    (tree / "__pycache__").mkdir()
    (tree / "__pycache__" / "model.cpython-311.pyc").write_bytes(b"x")
    assert scanner_version() == before  # bytecode is derived from the sources
    # the next file's name and bytes moved to the end of one file, the next file gone:
    # the same stream of names and bytes, told apart only by the lengths that frame each
    a, b = tree / "errors.py", tree / "evaluate.py"
    a.write_bytes(a.read_bytes() + b"evaluate.py" + b.read_bytes())
    b.unlink()
    assert scanner_version() != before
