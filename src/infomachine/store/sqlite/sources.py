"""Sources: feeds, pages, search queries and files the engine watches
(mixin of ``SQLiteStore``)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from infomachine.errors import NotFoundError, StoreError
from infomachine.models import Source, utcnow
from infomachine.store.sqlite.core import from_db_time, to_db_time

SOURCE_COLUMNS = (
    "id, kind, url, name, status, created_at, etag, last_modified, last_fetch, last_status, "
    "last_error, error_count, next_poll, interval, metadata"
)



def row_to_source(row: Sequence[Any]) -> Source:
    return Source(
        id=row[0],
        kind=row[1],
        url=row[2],
        name=row[3],
        status=row[4],
        created_at=from_db_time(row[5]) or utcnow(),
        etag=row[6],
        last_modified=row[7],
        last_fetch=from_db_time(row[8]),
        last_status=row[9],
        last_error=row[10],
        error_count=row[11],
        next_poll=from_db_time(row[12]),
        interval=row[13],
        metadata=json.loads(row[14] or "{}"),
    )


class SourcesMixin:
    conn: sqlite3.Connection

    # Provided by SQLiteStore, which mixes this class in.
    transaction: Callable[[], AbstractContextManager[sqlite3.Connection]]

    def upsert_source(self, source: Source) -> Source:
        """Insert a source, or return the existing one with the same URL."""
        with self.transaction() as conn:
            row = conn.execute(
                f"SELECT {SOURCE_COLUMNS} FROM sources WHERE url = ?", (source.url,)
            ).fetchone()
            if row is not None:
                existing = row_to_source(row)
                if source.name and not existing.name:
                    conn.execute("UPDATE sources SET name = ? WHERE id = ?", (source.name, existing.id))
                    existing.name = source.name
                return existing
            conn.execute(
                f"INSERT INTO sources ({SOURCE_COLUMNS}) VALUES ({','.join('?' * 15)})",
                (
                    source.id,
                    source.kind,
                    source.url,
                    source.name,
                    source.status,
                    to_db_time(source.created_at),
                    source.etag,
                    source.last_modified,
                    to_db_time(source.last_fetch),
                    source.last_status,
                    source.last_error,
                    source.error_count,
                    to_db_time(source.next_poll),
                    source.interval,
                    json.dumps(source.metadata, ensure_ascii=False),
                ),
            )
        return source

    def update_source(self, source_id: str, **fields: Any) -> None:
        """Set columns of a source (times and metadata are converted)."""
        allowed = {c.strip() for c in SOURCE_COLUMNS.split(",")} - {"id"}
        sets, params = [], []
        for key, value in fields.items():
            if key not in allowed:
                raise StoreError(f"unknown source field {key!r}")
            if isinstance(value, datetime):
                value = to_db_time(value)
            elif key == "metadata":
                value = json.dumps(value, ensure_ascii=False)
            sets.append(f"{key} = ?")
            params.append(value)
        if not sets:
            return
        with self.transaction() as conn:
            cur = conn.execute(f"UPDATE sources SET {', '.join(sets)} WHERE id = ?", (*params, source_id))
            if cur.rowcount == 0:
                raise NotFoundError(f"no source {source_id!r}")

    def get_source(self, ref: str) -> Source:
        """A source by id, URL or name."""
        row = self.conn.execute(
            f"SELECT {SOURCE_COLUMNS} FROM sources WHERE id = ? OR url = ? OR name = ? LIMIT 1",
            (ref, ref, ref),
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no source {ref!r}")
        return row_to_source(row)

    def list_sources(self, kind: str | None = None) -> list[Source]:
        sql = f"SELECT {SOURCE_COLUMNS} FROM sources"
        params: tuple[Any, ...] = ()
        if kind:
            sql += " WHERE kind = ?"
            params = (kind,)
        sources = [row_to_source(r) for r in self.conn.execute(sql + " ORDER BY created_at, id", params)]
        counts = dict(
            self.conn.execute("SELECT source, COUNT(*) FROM items GROUP BY source").fetchall()
        )
        for s in sources:
            s.item_count = int(counts.get(s.id, 0))
        return sources

    def delete_source(self, source_id: str) -> None:
        with self.transaction() as conn:
            cur = conn.execute("DELETE FROM sources WHERE id = ?", (source_id,))
            if cur.rowcount == 0:
                raise NotFoundError(f"no source {source_id!r}")
