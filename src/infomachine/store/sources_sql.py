"""Sources: feeds, pages, search queries and files the engine watches (a mixin of
both backends, written once through the core's dialect hooks like
``store/sql_hooks.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from infomachine.errors import NotFoundError, StoreError
from infomachine.models import Source, utcnow
from infomachine.store.sql_hooks import SQLHooks

SOURCE_COLUMNS = (
    "id, kind, url, name, status, created_at, etag, last_modified, last_fetch, last_status, "
    "last_error, error_count, next_poll, interval, metadata"
)
SOURCE_FIELDS = {c.strip() for c in SOURCE_COLUMNS.split(",")} - {"id"}
TIME_FIELDS = frozenset({"created_at", "last_fetch", "next_poll"})


class SourcesSQL(SQLHooks):
    def _row_to_source(self, row: Sequence[Any]) -> Source:
        """A ``SOURCE_COLUMNS`` row as a ``Source``."""
        return Source(
            id=row[0], kind=row[1], url=row[2], name=row[3], status=row[4],
            created_at=self._time_out(row[5]) or utcnow(), etag=row[6], last_modified=row[7],
            last_fetch=self._time_out(row[8]), last_status=row[9], last_error=row[10],
            error_count=row[11], next_poll=self._time_out(row[12]), interval=row[13],
            metadata=self._json_out(row[14]),
        )

    def upsert_source(self, source: Source) -> Source:
        """Insert a source, or return the existing one with the same URL."""
        with self.transaction():
            row = self._run(f"SELECT {SOURCE_COLUMNS} FROM sources WHERE url = ?", (source.url,)).fetchone()
            if row is not None:
                existing = self._row_to_source(row)
                if source.name and not existing.name:
                    self._run("UPDATE sources SET name = ? WHERE id = ?", (source.name, existing.id))
                    existing.name = source.name
                return existing
            self._run(
                f"INSERT INTO sources ({SOURCE_COLUMNS}) VALUES ({','.join('?' * 15)})",
                (source.id, source.kind, source.url, source.name, source.status,
                 self._time_in(source.created_at), source.etag, source.last_modified,
                 self._time_in(source.last_fetch), source.last_status, source.last_error,
                 source.error_count, self._time_in(source.next_poll), source.interval,
                 self._json_in(source.metadata)),
            )
        return source

    def update_source(self, source_id: str, **fields: Any) -> None:
        """Set columns of a source (times, also as ISO text, and metadata are converted)."""
        self._update_row("sources", "source", source_id, fields, SOURCE_FIELDS, times=TIME_FIELDS,
                         unknown=StoreError)

    def get_source(self, ref: str) -> Source:
        """A source by id, URL or name (the oldest, if a name is shared)."""
        row = self._run(
            f"SELECT {SOURCE_COLUMNS} FROM sources WHERE id = ? OR url = ? OR name = ? "
            "ORDER BY created_at, id LIMIT 1",
            (ref, ref, ref),
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no source {ref!r}")
        return self._row_to_source(row)

    def list_sources(self, kind: str | None = None) -> list[Source]:
        sql = f"SELECT {SOURCE_COLUMNS} FROM sources"
        params: tuple[Any, ...] = ()
        if kind:
            sql += " WHERE kind = ?"
            params = (kind,)
        sources = [self._row_to_source(r) for r in self._run(sql + " ORDER BY created_at, id", params)]
        counts = dict(self._run("SELECT source, COUNT(*) FROM items GROUP BY source").fetchall())
        for s in sources:
            s.item_count = int(counts.get(s.id, 0))
        return sources

    def delete_source(self, source_id: str) -> None:
        with self.transaction():
            cur = self._run("DELETE FROM sources WHERE id = ?", (source_id,))
            if cur.rowcount == 0:
                raise NotFoundError(f"no source {source_id!r}")
