"""Read what a database file holds without opening it as a store.

``SQLiteStore`` migrates the file it opens; a caller that must decide whether a
file is safe to replace (``infomachine demo``) needs to look first, read-only.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Contents:
    """What a database file holds, read without migrating or writing it."""

    empty: bool  # no tables at all
    items: frozenset[tuple[str | None, str | None]]  # (url, metadata.record_id) of every item
    sources: int


def peek_contents(path: Path) -> Contents | None:
    """``Contents`` of the SQLite file at ``path``; None when it is not an
    infomachine database (or not SQLite at all).  Nothing is created or changed."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            if not conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0]:
                return Contents(empty=True, items=frozenset(), sources=0)
            items = frozenset(conn.execute(
                "SELECT url, json_extract(metadata, '$.record_id') FROM items").fetchall())
            (sources,) = conn.execute("SELECT COUNT(*) FROM sources").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    return Contents(empty=False, items=items, sources=int(sources))
