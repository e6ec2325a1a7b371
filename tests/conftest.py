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


# Variables that change behaviour and are kept for the test run (where the shared data is).
KEEP_ENV = {"INFOMACHINE_SHARED_DATA"}


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A user's own settings never change a test: every ``INFOMACHINE_*`` variable and
    ``OPENAI_API_KEY`` are cleared, the config points at an empty file, and no test
    ever touches ./infomachine.db."""
    for name in list(os.environ):
        if (name.startswith("INFOMACHINE_") and name not in KEEP_ENV) or name == "OPENAI_API_KEY":
            monkeypatch.delenv(name, raising=False)
    empty = tmp_path / "isolated-infomachine.toml"
    empty.write_text("", encoding="utf-8")
    monkeypatch.setenv("INFOMACHINE_CONFIG", str(empty))
    monkeypatch.setenv("INFOMACHINE_DB", str(tmp_path / "default.db"))
