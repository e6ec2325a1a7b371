"""Shared test fixtures.

Tests that read ``../shared/data`` (the team's labelled dev data) use the
``shared_data`` fixture, which skips with a clear reason on a fresh clone
where that folder does not exist.

Both backends: the ``store`` fixture, and ``db_url`` (what a test passes as
``--db``), are parametrized over ``sqlite`` and ``postgres``, so every test
using them runs twice (ids ``[sqlite]`` / ``[postgres]``).  The PostgreSQL
side is a throwaway server the session starts itself (``tests/pgserver.py``),
one fresh database per test; where PostgreSQL cannot run, those tests skip
with one reason.  ``-m "not postgres"`` runs SQLite only.  A test that is
about SQLite itself marks itself ``@pytest.mark.sqlite_only``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from infomachine.store import Store, open_store

if TYPE_CHECKING:
    from pgserver import PgServer

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


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgres: runs against the throwaway PostgreSQL server")
    config.addinivalue_line("markers", "sqlite_only: about SQLite itself; not run on PostgreSQL")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """The session's PostgreSQL server (skips, with one reason, where there is none)."""
    from pgserver import PgServer  # here: a copy of this file elsewhere needs no pgserver.py

    server = PgServer()
    reason = server.unavailable()
    if reason is None:
        try:
            server.start()
        except Exception as exc:  # noqa: BLE001 - reported as the skip reason
            reason = f"could not start PostgreSQL: {exc}"
            server.stop()
    if reason is not None:
        pytest.skip(f"PostgreSQL tests skipped: {reason}")
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server: PgServer) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test (dropped afterwards)."""
    url = pg_server.new_database()
    yield url
    pg_server.drop_database(url)


def _backend(request: pytest.FixtureRequest) -> str:
    backend = str(request.param)
    if backend == "postgres" and request.node.get_closest_marker("sqlite_only"):
        pytest.skip("about SQLite itself")
    return backend


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a test's database is, as ``--db`` takes it: a SQLite file path, or a
    ``postgresql://`` URL of a fresh database."""
    if _backend(request) == "postgres":
        return str(request.getfixturevalue("pg_url"))
    return str(tmp_path / "test.db")


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = open_store(db_url)
    yield s
    s.close()


# Variables that change behaviour and are kept for the test run (where the shared data is).
KEEP_ENV = {"INFOMACHINE_SHARED_DATA", "INFOMACHINE_TEST_PG_BIN", "INFOMACHINE_TEST_PG_URL"}


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
