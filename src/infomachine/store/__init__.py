"""Storage behind one contract (``Store``, in ``store/base.py``, split into role
protocols); SQLite (``store/sqlite/``) is the default backend."""

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


def default_db_path() -> Path:
    return Path(os.environ.get("INFOMACHINE_DB") or DEFAULT_DB)


def open_store(path: str | Path | None = None) -> Store:
    """Open (and migrate) the store at ``path``, ``$INFOMACHINE_DB`` or ./infomachine.db."""
    return SQLiteStore(path or default_db_path())


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
    "default_db_path",
    "open_store",
]
