"""Storage behind one contract (``Store``, in ``store/base.py``, split into role
protocols); SQLite (``store/sqlite/``) is the default backend, PostgreSQL
(``store/postgres/``, needs the ``postgres`` extra) the one many processes share.

``open_store(ref)`` is the one way to open a store: a ``postgresql://`` (or
``postgres://``) URL opens PostgreSQL, anything else is a SQLite file path.
"""

from __future__ import annotations

import os
from pathlib import Path

from infomachine.store.base import (
    BriefStore,
    ClusterStateStore,
    ItemStore,
    LLMCallLog,
    SourceStore,
    Store,
    StoreCore,
    StoryStore,
)
from infomachine.store.sqlite.store import SQLiteStore

DEFAULT_DB = "infomachine.db"


DbRef = str | Path  # a SQLite file path or a postgresql:// URL


def default_db_path() -> Path:
    return Path(os.environ.get("INFOMACHINE_DB") or DEFAULT_DB)


def default_db() -> DbRef:
    """``$INFOMACHINE_DB`` (a path or a URL), else ./infomachine.db."""
    return db_ref(os.environ.get("INFOMACHINE_DB") or DEFAULT_DB)


def is_postgres(ref: DbRef | None) -> bool:
    return isinstance(ref, str) and ref.startswith(("postgresql://", "postgres://"))


def db_ref(value: str | Path) -> DbRef:
    """A ``--db`` value as a reference: a URL stays text, anything else is a path.

    (``Path("postgresql://h/db")`` would collapse the ``//``.)"""
    text = str(value)
    return text if is_postgres(text) else Path(value)


def db_exists(ref: DbRef) -> bool:
    """Whether there is a database there already (a PostgreSQL server is asked)."""
    if is_postgres(ref):
        return True  # a URL names a database that exists or fails to open with a clear error
    return Path(ref).exists()


def display_db(ref: DbRef) -> str:
    """``ref`` as messages show it (a URL without its password)."""
    if is_postgres(ref):
        from infomachine.store.postgres.core import redact

        return redact(str(ref))
    return str(ref)


def open_store(ref: DbRef | None = None, *, migrate: bool = True) -> Store:
    """Open (and migrate) the store at ``ref``: a ``postgresql://`` URL, a SQLite
    file path, else ``$INFOMACHINE_DB`` or ./infomachine.db."""
    ref = db_ref(ref) if ref is not None else default_db()
    if is_postgres(ref):
        try:
            from infomachine.store.postgres.store import PostgresStore
        except ImportError as exc:  # psycopg not installed
            from infomachine.errors import StoreError

            raise StoreError(
                "a postgresql:// database needs psycopg: pip install 'infomachine[postgres]'"
            ) from exc
        return PostgresStore(str(ref), migrate=migrate)
    return SQLiteStore(ref, migrate=migrate)


__all__ = [
    "BriefStore",
    "ClusterStateStore",
    "ItemStore",
    "LLMCallLog",
    "SQLiteStore",
    "SourceStore",
    "Store",
    "StoreCore",
    "StoryStore",
    "DbRef",
    "db_exists",
    "display_db",
    "db_ref",
    "default_db",
    "default_db_path",
    "is_postgres",
    "open_store",
]
