"""Events: items reporting one happening, each in one story (mixin of ``PostgresStore``).

An item's ``story_id`` is its event's: ``link_events``, ``set_item_event`` and
``merge_events`` move both together.  Event ids, slugs and aliases are their
own namespace (``event_aliases``), so an old event link keeps working after a
merge.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any

import psycopg

from infomachine.errors import NotFoundError
from infomachine.models import Event, utcnow
from infomachine.store.postgres.core import from_pg_time, jsonb, to_pg_time
from infomachine.text.slug import slugify

EVENT_COLUMNS = "id, slug, title, story_id, created_at, updated_at, pinned, merged_into, metadata"
EVENT_FIELDS = {"slug", "title", "updated_at", "pinned", "merged_into", "metadata"}


class EventsMixin:
    if TYPE_CHECKING:

        @property
        def conn(self) -> psycopg.Connection[Any]: ...  # PostgresCore's

    # Provided by PostgresStore, which mixes this class in.
    transaction: Callable[[], AbstractContextManager[psycopg.Connection[Any]]]

    def _row_to_event(self, row: Sequence[Any]) -> Event:
        return Event(
            id=row[0], slug=row[1], title=row[2], story_id=row[3],
            created_at=from_pg_time(row[4]) or utcnow(), updated_at=from_pg_time(row[5]) or utcnow(),
            pinned=bool(row[6]), merged_into=row[7], metadata=dict(row[8] or {}),
        )

    def create_event(self, event: Event) -> Event:
        with self.transaction() as conn:
            conn.execute(
                f"INSERT INTO events ({EVENT_COLUMNS}) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s)",
                (event.id, event.slug, event.title, event.story_id, to_pg_time(event.created_at),
                 to_pg_time(event.updated_at), bool(event.pinned), event.merged_into,
                 jsonb(event.metadata)),
            )
        return event

    def update_event(self, event_id: str, **fields: Any) -> None:
        sets, params = [], []
        for key, value in fields.items():
            if key not in EVENT_FIELDS:
                raise ValueError(f"unknown event field {key!r}")
            if isinstance(value, datetime):
                value = to_pg_time(value)
            elif key == "metadata":
                value = jsonb(value)
            elif key == "pinned":
                value = bool(value)
            sets.append(f"{key} = %s")
            params.append(value)
        with self.transaction() as conn:
            cur = conn.execute(f"UPDATE events SET {', '.join(sets)} WHERE id = %s", (*params, event_id))
            if cur.rowcount == 0:
                raise NotFoundError(f"no event {event_id!r}")

    def _event_row(self, event_id: str) -> Sequence[Any] | None:
        row: Sequence[Any] | None = self.conn.execute(
            f"SELECT {EVENT_COLUMNS} FROM events WHERE id = %s", (event_id,)).fetchone()
        return row

    def get_event(self, ref: str) -> Event:
        """An event by id, slug or alias (merged: its survivor), with counts and dates."""
        row = self.conn.execute(
            f"SELECT {EVENT_COLUMNS} FROM events WHERE id = %s OR slug = %s", (ref, ref)).fetchone()
        if row is None:
            alias = self.conn.execute("SELECT event_id FROM event_aliases WHERE alias = %s", (ref,)).fetchone()
            if alias is not None:
                row = self._event_row(alias[0])
        if row is None:
            raise NotFoundError(f"no event {ref!r}")
        event = self._row_to_event(row)
        seen: set[str] = set()
        while event.merged_into and event.id not in seen:
            seen.add(event.id)
            nxt = self._event_row(event.merged_into)
            if nxt is None:
                break
            event = self._row_to_event(nxt)
        self._fill_event_counts([event])
        return event

    def list_events(self, *, story_id: str | None = None, include_merged: bool = False) -> list[Event]:
        """With ``story_id``: that story's events in the order they happened; else all,
        most recently updated first."""
        where, params = [], []
        if story_id is not None:
            where.append("story_id = %s")
            params.append(story_id)
        if not include_merged:
            where.append("merged_into IS NULL")
        sql = f"SELECT {EVENT_COLUMNS} FROM events" + (" WHERE " + " AND ".join(where) if where else "")
        events = [self._row_to_event(r) for r in self.conn.execute(sql + " ORDER BY updated_at DESC, id", params)]
        self._fill_event_counts(events, story_id=story_id)
        if story_id is not None:
            events.sort(key=lambda e: (e.first_published or e.created_at, e.id))
        return events

    def _fill_event_counts(self, events: list[Event], story_id: str | None = None) -> None:
        if not events:
            return
        by_id = {e.id: e for e in events}
        sql = ("SELECT event_id, COUNT(*), MIN(published), MAX(published) "
               "FROM items WHERE event_id IS NOT NULL ")
        params: tuple[Any, ...] = ()
        if len(events) == 1:
            sql, params = sql + "AND event_id = %s ", (events[0].id,)
        elif story_id is not None:
            sql, params = sql + "AND story_id = %s ", (story_id,)
        for eid, count, first, last in self.conn.execute(sql + "GROUP BY event_id", params):
            ev = by_id.get(eid)
            if ev is not None:
                ev.item_count = int(count)
                ev.first_published = from_pg_time(first)
                ev.last_published = from_pg_time(last)

    def unique_event_slug(self, base: str) -> str:
        slug = slugify(base)
        candidate, n = slug, 1
        while self.conn.execute(
            "SELECT 1 FROM events WHERE slug = %s UNION SELECT 1 FROM event_aliases WHERE alias = %s",
            (candidate, candidate),
        ).fetchone():
            n += 1
            candidate = f"{slug}-{n}"
        return candidate

    def event_exists(self, event_id: str) -> bool:
        return self._event_row(event_id) is not None

    def event_aliases(self, event_id: str) -> list[str]:
        return [r[0] for r in self.conn.execute(
            "SELECT alias FROM event_aliases WHERE event_id = %s ORDER BY alias", (event_id,))]

    def set_item_event(self, item_ids: Iterable[str], event_id: str) -> None:
        ids = list(item_ids)
        if not ids:
            return
        with self.transaction() as conn:
            conn.execute(
                "UPDATE items SET event_id = %s, story_id = COALESCE("
                "(SELECT story_id FROM events WHERE id = %s), story_id) WHERE id = ANY(%s)",
                (event_id, event_id, ids))

    def cluster_event_of(self, item_id: str) -> str | None:
        row = self.conn.execute("SELECT event_id FROM items WHERE id = %s", (item_id,)).fetchone()
        return str(row[0]) if row and row[0] else None

    def link_events(self, event_ids: Iterable[str], story_id: str) -> None:
        ids = list(event_ids)
        if not ids:
            return
        with self.transaction() as conn:
            conn.execute("UPDATE events SET story_id = %s WHERE id = ANY(%s)", (story_id, ids))
            conn.execute("UPDATE items SET story_id = %s WHERE event_id = ANY(%s)", (story_id, ids))

    def merge_events(self, source_id: str, target_id: str) -> None:
        if source_id == target_id:
            return
        with self.transaction() as conn:
            row = conn.execute("SELECT slug FROM events WHERE id = %s", (source_id,)).fetchone()
            if row is None:
                raise NotFoundError(f"no event {source_id!r}")
            story = conn.execute("SELECT story_id FROM events WHERE id = %s", (target_id,)).fetchone()
            conn.execute("UPDATE items SET event_id = %s, story_id = COALESCE(%s, story_id) WHERE event_id = %s",
                         (target_id, story[0] if story else None, source_id))
            conn.execute("UPDATE event_aliases SET event_id = %s WHERE event_id = %s", (target_id, source_id))
            for alias in (source_id, row[0]):
                conn.execute("INSERT INTO event_aliases(alias, event_id) VALUES (%s, %s) "
                         "ON CONFLICT (alias) DO UPDATE SET event_id = excluded.event_id",
                             (alias, target_id))
            conn.execute("UPDATE events SET merged_into = %s WHERE id = %s OR merged_into = %s",
                         (target_id, source_id, source_id))

    def unlinked_events(self) -> list[str]:
        return [r[0] for r in self.conn.execute(
            "SELECT id FROM events WHERE story_id IS NULL AND merged_into IS NULL ORDER BY created_at, id")]

    def storyline_load(self) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT value FROM storyline_state WHERE key = 'linker'").fetchone()
        return json.loads(row[0]) if row else None

    def storyline_save(self, state: dict[str, Any]) -> None:
        with self.transaction() as conn:
            conn.execute("INSERT INTO storyline_state(key, value) VALUES ('linker', %s) "
                         "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                         (json.dumps(state, ensure_ascii=False, separators=(",", ":")),))
