"""A SQLite failure leaves the store as ``StoreError`` (``BackendError``), never
as ``sqlite3.Error``, and the CLI shows it as one ``error:`` line."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from infomachine.cli import cli
from infomachine.errors import BackendError, StoreError
from infomachine.models import Item
from infomachine.run.runner import STAGE_ERRORS
from infomachine.store import SQLiteStore


def _item(i: int, **kw: object) -> Item:
    base = dict(id=f"i{i}", title=f"Title {i}", text=f"word{i} " * 300, content_hash=f"h{i}")
    base.update(kw)
    return Item(**base)  # type: ignore[arg-type]


def _corrupted(path: Path) -> Path:
    """A database whose schema is intact but whose item pages are garbage."""
    store = SQLiteStore(path)
    for i in range(200):
        store.insert_item(_item(i))
    store.close()  # the last connection checkpoints the WAL into the file
    size = path.stat().st_size
    with path.open("r+b") as f:
        f.seek(size // 2)
        f.write(b"\xff" * (size - size // 2))
    return path


def test_locked_database_is_a_store_error(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "a.db")
    store.conn.execute("PRAGMA busy_timeout=0")  # fail now, not after 30 s
    other = sqlite3.connect(tmp_path / "a.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    try:
        with pytest.raises(BackendError, match="database is locked") as caught:
            store.insert_item(_item(1))
        assert isinstance(caught.value, StoreError)
        assert isinstance(caught.value.__cause__, sqlite3.OperationalError)
    finally:
        other.execute("ROLLBACK")
        other.close()
    store.insert_item(_item(1))  # the failed BEGIN left no transaction behind
    assert store.count_items() == 1
    store.close()


@pytest.mark.sqlite_only
def test_read_only_database_is_a_store_error(store: SQLiteStore) -> None:
    store.insert_item(_item(1))
    store.conn.execute("PRAGMA query_only=ON")  # as a read-only file would (tests may run as root)
    with pytest.raises(StoreError, match="readonly database"):
        store.insert_item(_item(2))
    with pytest.raises(StoreError, match="readonly database"):
        with store.transaction():  # the failure inside a caller's transaction, too
            store.record_ingest_error("x.jsonl:1", "bad")
    assert [i.id for i in store.list_items()] == ["i1"]


def test_corrupted_database_is_a_store_error(tmp_path: Path) -> None:
    store = SQLiteStore(_corrupted(tmp_path / "c.db"))
    with pytest.raises(BackendError, match="malformed"):
        store.list_items()
    store.close()


def test_unstorable_text_is_a_store_error(store: SQLiteStore) -> None:
    with pytest.raises(BackendError, match="surrogates"):
        store.insert_item(_item(1, title="lone \ud800 surrogate"))
    assert store.count_items() == 0


def test_generators_and_closed_store_raise_store_errors(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "a.db")
    store.close()
    with pytest.raises(BackendError, match="closed database"):
        list(store.iter_story_ids())
    with pytest.raises(BackendError, match="closed database"):
        store.get_item("i1")


def test_every_public_method_is_guarded() -> None:
    import inspect

    public = [
        (name, fn)
        for name, fn in inspect.getmembers(SQLiteStore, inspect.isfunction)
        if not name.startswith("_")
    ]
    assert public and all(getattr(fn, "__store_guarded__", False) for _, fn in public), [
        name for name, fn in public if not getattr(fn, "__store_guarded__", False)
    ]


def test_the_daemon_survives_store_errors() -> None:
    assert issubclass(BackendError, STAGE_ERRORS)


def test_cli_shows_a_database_failure_as_one_line(tmp_path: Path) -> None:
    db = _corrupted(tmp_path / "c.db")
    result = CliRunner().invoke(cli, ["--db", str(db), "items"])
    assert result.exit_code == 1
    assert result.output.strip() == "error: database: database disk image is malformed"
    assert isinstance(result.exception, SystemExit)  # a clean exit, not a traceback
