"""Events: items reporting one happening, each in one story (a mixin of both backends).

Written once for SQLite and PostgreSQL through the core's hooks
(``store/sql_hooks.py``).

An item's ``story_id`` is its event's: ``link_events``, ``set_item_event``
and ``merge_events`` move both together.  Event ids, slugs and aliases are
their own namespace (``event_aliases``), so an old event link keeps working
after a merge.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from infomachine.errors import NotFoundError
from infomachine.models import Event, utcnow
from infomachine.store.sql_hooks import SQLHooks
from infomachine.text.slug import free_slug

EVENT_COLUMNS = "id, slug, title, story_id, created_at, updated_at, pinned, merged_into, metadata"
EVENT_FIELDS = {"slug", "title", "updated_at", "pinned", "merged_into", "metadata"}
CHUNK = 500  # ids per IN (...) list
# storyline_state rows: "linker", the linker's state as JSON but for its item -> event
# and URL -> event maps, which grow with every item and only grow: their entries are
# in a log, "linker-log:<seq>" rows of what each save added (compacted past LOG_ROWS)
LINKER_KEY, LOG_KEY = "linker", "linker-log:"
LOG_ROWS = 32


def _chunks(ids: Sequence[str]) -> Iterator[tuple[str, Sequence[str]]]:
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        yield ",".join("?" * len(part)), part


class EventsSQL(SQLHooks):
    def _row_to_event(self, row: Sequence[Any]) -> Event:
        return Event(
            id=row[0], slug=row[1], title=row[2], story_id=row[3],
            created_at=self._time_out(row[4]) or utcnow(), updated_at=self._time_out(row[5]) or utcnow(),
            pinned=bool(row[6]), merged_into=row[7], metadata=self._json_out(row[8]),
        )

    def create_event(self, event: Event) -> Event:
        with self.transaction():
            self._run(
                f"INSERT INTO events ({EVENT_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?)",
                (event.id, event.slug, event.title, event.story_id, self._time_in(event.created_at),
                 self._time_in(event.updated_at), self._flag(event.pinned), event.merged_into,
                 self._json_in(event.metadata)),
            )
        return event

    def update_event(self, event_id: str, **fields: Any) -> None:
        self._update_row("events", "event", event_id, fields, EVENT_FIELDS, times=frozenset({"updated_at"}))

    def _event_row(self, event_id: str) -> Sequence[Any] | None:
        row: Sequence[Any] | None = self._run(
            f"SELECT {EVENT_COLUMNS} FROM events WHERE id = ?", (event_id,)).fetchone()
        return row

    def get_event(self, ref: str) -> Event:
        """An event by id, slug or alias (merged: its survivor), with counts and dates."""
        row = self._run(f"SELECT {EVENT_COLUMNS} FROM events WHERE id = ? OR slug = ?", (ref, ref)).fetchone()
        if row is None:
            alias = self._run("SELECT event_id FROM event_aliases WHERE alias = ?", (ref,)).fetchone()
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
            where.append("story_id = ?")
            params.append(story_id)
        if not include_merged:
            where.append("merged_into IS NULL")
        sql = f"SELECT {EVENT_COLUMNS} FROM events" + (" WHERE " + " AND ".join(where) if where else "")
        events = [self._row_to_event(r) for r in self._run(sql + " ORDER BY updated_at DESC, id", params)]
        self._fill_event_counts(events, story_id=story_id)
        if story_id is not None:
            events.sort(key=lambda e: (e.first_published or e.created_at, e.id))
        return events

    def _fill_event_counts(self, events: list[Event], story_id: str | None = None) -> None:
        if not events:
            return
        by_id = {e.id: e for e in events}
        sql = "SELECT event_id, COUNT(*), MIN(published), MAX(published) FROM items WHERE event_id IS NOT NULL "
        params: tuple[Any, ...] = ()
        if len(events) == 1:
            sql, params = sql + "AND event_id = ? ", (events[0].id,)
        elif story_id is not None:
            sql, params = sql + "AND story_id = ? ", (story_id,)
        for eid, count, first, last in self._run(sql + "GROUP BY event_id", params):
            ev = by_id.get(eid)
            if ev is not None:
                ev.item_count = int(count)
                ev.first_published = self._time_out(first)
                ev.last_published = self._time_out(last)

    def unique_event_slug(self, base: str) -> str:
        return free_slug(base, lambda c: self._run(
            "SELECT 1 FROM events WHERE slug = ? UNION SELECT 1 FROM event_aliases WHERE alias = ?",
            (c, c)).fetchone() is not None)

    def event_exists(self, event_id: str) -> bool:
        return self._event_row(event_id) is not None

    def event_aliases(self, event_id: str) -> list[str]:
        return [r[0] for r in self._run(
            "SELECT alias FROM event_aliases WHERE event_id = ? ORDER BY alias", (event_id,))]

    def set_item_event(self, item_ids: Iterable[str], event_id: str) -> None:
        with self.transaction():
            row = self._run("SELECT story_id FROM events WHERE id = ?", (event_id,)).fetchone()
            story = row[0] if row else None
            for marks, part in _chunks(list(item_ids)):
                self._run(f"UPDATE items SET event_id = ?, story_id = COALESCE(?, story_id) "
                          f"WHERE id IN ({marks})", (event_id, story, *part))

    def cluster_event_of(self, item_id: str) -> str | None:
        row = self._run("SELECT event_id FROM items WHERE id = ?", (item_id,)).fetchone()
        return str(row[0]) if row and row[0] else None

    def link_events(self, event_ids: Iterable[str], story_id: str) -> None:
        with self.transaction():
            for marks, part in _chunks(list(event_ids)):
                self._run(f"UPDATE events SET story_id = ? WHERE id IN ({marks})", (story_id, *part))
                self._run(f"UPDATE items SET story_id = ? WHERE event_id IN ({marks})", (story_id, *part))

    def merge_events(self, source_id: str, target_id: str) -> None:
        if source_id == target_id:
            return
        with self.transaction():
            row = self._run("SELECT slug FROM events WHERE id = ?", (source_id,)).fetchone()
            if row is None:
                raise NotFoundError(f"no event {source_id!r}")
            story = self._run("SELECT story_id FROM events WHERE id = ?", (target_id,)).fetchone()
            self._run("UPDATE items SET event_id = ?, story_id = COALESCE(?, story_id) WHERE event_id = ?",
                      (target_id, story[0] if story else None, source_id))
            self._run("UPDATE event_aliases SET event_id = ? WHERE event_id = ?", (target_id, source_id))
            for alias in (source_id, row[0]):
                self._run("INSERT INTO event_aliases(alias, event_id) VALUES (?, ?) "
                          "ON CONFLICT (alias) DO UPDATE SET event_id = excluded.event_id", (alias, target_id))
            self._run("UPDATE events SET merged_into = ? WHERE id = ? OR merged_into = ?",
                      (target_id, source_id, source_id))

    def unlinked_events(self) -> list[str]:
        return [r[0] for r in self._run(
            "SELECT id FROM events WHERE story_id IS NULL AND merged_into IS NULL ORDER BY created_at, id")]

    def storyline_load(self) -> dict[str, Any] | None:
        """The linker's state (``LinkerState.to_plain``): its JSON and its log of item and URL entries."""
        row = self._run("SELECT value FROM storyline_state WHERE key = ?", (LINKER_KEY,)).fetchone()
        if row is None:
            return None
        state: dict[str, Any] = json.loads(row[0])
        state["item_event"], state["url_event"] = self._linker_log()
        return state

    def storyline_save(self, state: dict[str, Any], items: dict[str, str], urls: dict[str, str]) -> None:
        """``state`` (``LinkerState.to_saved``: all but the item and URL maps) replaces the
        saved one; ``items`` and ``urls``, the entries those maps gained, are one more row
        of their log (past ``LOG_ROWS`` rows, the log is compacted into one)."""
        with self.transaction():
            self._run("INSERT INTO storyline_state(key, value) VALUES (?, ?) "
                      "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (LINKER_KEY, _json(state)))
            if not items and not urls:
                return
            keys = [r[0] for r in self._run(f"SELECT key FROM storyline_state WHERE key LIKE '{LOG_KEY}%'")]
            seq = max((int(k[len(LOG_KEY):]) for k in keys), default=0) + 1
            if len(keys) >= LOG_ROWS:
                items_all, urls_all = self._linker_log()
                items, urls = {**items_all, **items}, {**urls_all, **urls}
                self._run(f"DELETE FROM storyline_state WHERE key LIKE '{LOG_KEY}%'")
            self._run("INSERT INTO storyline_state(key, value) VALUES (?, ?)",
                      (log_key(seq), _json({"item_event": items, "url_event": urls})))

    def _linker_log(self) -> tuple[dict[str, str], dict[str, str]]:
        """The item and URL entries of the log."""
        items: dict[str, str] = {}
        urls: dict[str, str] = {}
        for (value,) in self._run(f"SELECT value FROM storyline_state WHERE key LIKE '{LOG_KEY}%'"):
            part = json.loads(value)
            items.update(part["item_event"])
            urls.update(part["url_event"])
        return items, urls


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def log_key(seq: int) -> str:
    return f"{LOG_KEY}{seq:012d}"


def linker_rows(value: str) -> tuple[str, str]:
    """A linker state saved whole (before migration 0070): its JSON without the item and
    URL maps, and the first row of their log."""
    state = json.loads(value)
    log = {"item_event": state.pop("item_event", {}), "url_event": state.pop("url_event", {})}
    return _json(state), _json(log)
