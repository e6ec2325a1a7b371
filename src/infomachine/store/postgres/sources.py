"""Sources: feeds, pages, search queries and files the engine watches
(mixin of ``PostgresStore``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any

import psycopg

from infomachine.errors import NotFoundError, StoreError
from infomachine.models import Source, utcnow
from infomachine.store.postgres.core import from_pg_time, jsonb, to_pg_time

SOURCE_COLUMNS = (
    "id, kind, url, name, status, created_at, etag, last_modified, last_fetch, last_status, "
    "last_error, error_count, next_poll, interval, metadata"
)
TIME_FIELDS = {"created_at", "last_fetch", "next_poll"}


def row_to_source(row: Sequence[Any]) -> Source:
    return Source(
        id=row[0],
        kind=row[1],
        url=row[2],
        name=row[3],
        status=row[4],
        created_at=from_pg_time(row[5]) or utcnow(),
        etag=row[6],
        last_modified=row[7],
        last_fetch=from_pg_time(row[8]),
        last_status=row[9],
        last_error=row[10],
        error_count=row[11],
        next_poll=from_pg_time(row[12]),
        interval=row[13],
        metadata=row[14] or {},
    )


class SourcesMixin:
    if TYPE_CHECKING:

        @property
        def conn(self) -> psycopg.Connection[Any]: ...  # PostgresCore's

    # Provided by PostgresStore, which mixes this class in.
    transaction: Callable[[], AbstractContextManager[psycopg.Connection[Any]]]

    def upsert_source(self, source: Source) -> Source:
        with self.transaction() as conn:
            row = conn.execute(
                f"SELECT {SOURCE_COLUMNS} FROM sources WHERE url = %s", (source.url,)
            ).fetchone()
            if row is not None:
                existing = row_to_source(row)
                if source.name and not existing.name:
                    conn.execute("UPDATE sources SET name = %s WHERE id = %s", (source.name, existing.id))
                    existing.name = source.name
                return existing
            conn.execute(
                f"INSERT INTO sources ({SOURCE_COLUMNS}) VALUES ({','.join(['%s'] * 15)})",
                (
                    source.id,
                    source.kind,
                    source.url,
                    source.name,
                    source.status,
                    to_pg_time(source.created_at),
                    source.etag,
                    source.last_modified,
                    to_pg_time(source.last_fetch),
                    source.last_status,
                    source.last_error,
                    source.error_count,
                    to_pg_time(source.next_poll),
                    source.interval,
                    jsonb(source.metadata),
                ),
            )
        return source

    def update_source(self, source_id: str, **fields: Any) -> None:
        allowed = {c.strip() for c in SOURCE_COLUMNS.split(",")} - {"id"}
        sets, params = [], []
        for key, value in fields.items():
            if key not in allowed:
                raise StoreError(f"unknown source field {key!r}")
            if isinstance(value, datetime):
                value = to_pg_time(value)
            elif key == "metadata":
                value = jsonb(value)
            elif key in TIME_FIELDS and isinstance(value, str):
                value = to_pg_time(datetime.fromisoformat(value)) if value else None
            sets.append(f"{key} = %s")
            params.append(value)
        if not sets:
            return
        with self.transaction() as conn:
            cur = conn.execute(
                f"UPDATE sources SET {', '.join(sets)} WHERE id = %s", (*params, source_id)
            )
            if cur.rowcount == 0:
                raise NotFoundError(f"no source {source_id!r}")

    def get_source(self, ref: str) -> Source:
        row = self.conn.execute(
            f"SELECT {SOURCE_COLUMNS} FROM sources WHERE id = %s OR url = %s OR name = %s "
            "ORDER BY created_at, id LIMIT 1",
            (ref, ref, ref),
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no source {ref!r}")
        return row_to_source(row)

    def list_sources(self, kind: str | None = None) -> list[Source]:
        sql = f"SELECT {SOURCE_COLUMNS} FROM sources"
        params: tuple[Any, ...] = ()
        if kind:
            sql += " WHERE kind = %s"
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
            cur = conn.execute("DELETE FROM sources WHERE id = %s", (source_id,))
            if cur.rowcount == 0:
                raise NotFoundError(f"no source {source_id!r}")
