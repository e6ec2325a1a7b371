"""Shared test fixtures.

Tests that read ``../shared/data`` (the team's labelled dev data) use the
``shared_data`` fixture, which skips with a clear reason on a fresh clone
where that folder does not exist.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from infomachine.store import SQLiteStore

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED_DATA = Path(os.environ.get("INFOMACHINE_SHARED_DATA", ROOT.parent / "shared" / "data"))


@pytest.fixture
def shared_data() -> Path:
    if not (SHARED_DATA / "realnews-dev.jsonl").exists():
        pytest.skip(f"shared dev data not found at {SHARED_DATA} (only present beside a team checkout)")
    return SHARED_DATA


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    s = SQLiteStore(tmp_path / "test.db")
    yield s
    s.close()


@pytest.fixture(autouse=True)
def _no_real_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test ever touches ./infomachine.db."""
    monkeypatch.setenv("INFOMACHINE_DB", str(tmp_path / "default.db"))
