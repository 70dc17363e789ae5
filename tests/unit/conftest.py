"""Fixtures of the unit tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest


@pytest.fixture
def tool_bin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty bin folder that is both 'beside sys.executable' and the whole PATH."""
    folder = tmp_path / "bin"
    folder.mkdir()
    monkeypatch.setattr(sys, "executable", str(folder / "python"))
    monkeypatch.setenv("PATH", str(folder))
    return folder
