"""Fixtures shared by the end-to-end tests (the index, venvs and permpip runner are in
tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The user's project directory (where pyproject.toml with the policy goes)."""
    return tmp_path / "project"


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    """Where a test sdist's build backend writes when it runs: it must not, unless granted."""
    return tmp_path / "MARKER"
