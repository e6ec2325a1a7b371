"""Stories, their aliases and merges (mixin of ``PostgresStore``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any

import psycopg

from infomachine.errors import NotFoundError
from infomachine.models import Story, utcnow
from infomachine.store.postgres.core import from_pg_time, jsonb, to_pg_time
from infomachine.text.slug import free_slug

STORY_COLUMNS = "id, slug, title, created_at, updated_at, pinned, merged_into, metadata"


class StoriesMixin:
    if TYPE_CHECKING:

        @property
        def conn(self) -> psycopg.Connection[Any]: ...  # PostgresCore's

    # Provided by PostgresStore, which mixes this class in.
    transaction: Callable[[], AbstractContextManager[psycopg.Connection[Any]]]

    def _row_to_story(self, row: Sequence[Any]) -> Story:
        return Story(
            id=row[0],
            slug=row[1],
            title=row[2],
            created_at=from_pg_time(row[3]) or utcnow(),
            updated_at=from_pg_time(row[4]) or utcnow(),
            pinned=bool(row[5]),
            merged_into=row[6],
            metadata=row[7] or {},
        )

    def unique_slug(self, base: str) -> str:
        """``base``, or ``base-2``, ``base-3``… whichever is free (aliases too)."""
        return free_slug(base, lambda c: self.conn.execute(
            "SELECT 1 FROM stories WHERE slug = %s UNION SELECT 1 FROM story_aliases WHERE alias = %s",
            (c, c)).fetchone() is not None)

    def create_story(self, story: Story) -> Story:
        with self.transaction() as conn:
            conn.execute(
                f"INSERT INTO stories ({STORY_COLUMNS}) VALUES (%s,%s,%s,%s,%s,%s,%s,%s)",
                (
                    story.id,
                    story.slug,
                    story.title,
                    to_pg_time(story.created_at),
                    to_pg_time(story.updated_at),
                    bool(story.pinned),
                    story.merged_into,
                    jsonb(story.metadata),
                ),
            )
        return story

    def update_story(self, story_id: str, **fields: Any) -> None:
        sets, params = [], []
        for key, value in fields.items():
            if key not in {"slug", "title", "updated_at", "pinned", "merged_into", "metadata"}:
                raise ValueError(f"unknown story field {key!r}")
            if isinstance(value, datetime):
                value = to_pg_time(value)
            elif key == "updated_at" and isinstance(value, str):
                value = to_pg_time(datetime.fromisoformat(value))
            elif key == "metadata":
                value = jsonb(value)
            elif key == "pinned":
                value = bool(value)
            sets.append(f"{key} = %s")
            params.append(value)
        with self.transaction() as conn:
            cur = conn.execute(
                f"UPDATE stories SET {', '.join(sets)} WHERE id = %s", (*params, story_id)
            )
            if cur.rowcount == 0:
                raise NotFoundError(f"no story {story_id!r}")

    def _story_row(self, sql: str, params: tuple[Any, ...]) -> Any:
        return self.conn.execute(f"SELECT {STORY_COLUMNS} FROM stories WHERE {sql}", params).fetchone()

    def get_story(self, ref: str) -> Story:
        seen: set[str] = set()
        row = self._story_row("id = %s OR slug = %s ORDER BY id = %s DESC LIMIT 1", (ref, ref, ref))
        if row is None:
            alias = self.conn.execute(
                "SELECT story_id FROM story_aliases WHERE alias = %s", (ref,)
            ).fetchone()
            if alias is not None:
                row = self._story_row("id = %s", (alias[0],))
        if row is None:
            raise NotFoundError(f"no story {ref!r}")
        story = self._row_to_story(row)
        while story.merged_into and story.id not in seen:
            seen.add(story.id)
            row = self._story_row("id = %s", (story.merged_into,))
            if row is None:
                break
            story = self._row_to_story(row)
        self._fill_counts([story])
        return story

    def find_story_by_slug(self, slug: str) -> Story | None:
        try:
            return self.get_story(slug)
        except NotFoundError:
            return None

    def list_stories(self, *, include_merged: bool = False) -> list[Story]:
        sql = f"SELECT {STORY_COLUMNS} FROM stories"
        if not include_merged:
            sql += " WHERE merged_into IS NULL"
        stories = [self._row_to_story(r) for r in self.conn.execute(sql + " ORDER BY updated_at DESC, id")]
        self._fill_counts(stories)
        return stories

    def iter_story_ids(self) -> Iterator[str]:
        rows = self.conn.execute("SELECT id FROM stories WHERE merged_into IS NULL").fetchall()
        yield from (r[0] for r in rows)

    def _fill_counts(self, stories: list[Story]) -> None:
        if not stories:
            return
        by_id = {s.id: s for s in stories}
        one = len(stories) == 1
        rows = self.conn.execute(
            "SELECT story_id, COUNT(*), MIN(published), "
            "MAX(published) FROM items WHERE story_id IS NOT NULL "
            + ("AND story_id = %s " if one else "")
            + "GROUP BY story_id",
            (stories[0].id,) if one else None,
        )
        for sid, count, first, last in rows:
            if sid in by_id:
                by_id[sid].item_count = int(count)
                by_id[sid].first_published = from_pg_time(first)
                by_id[sid].last_published = from_pg_time(last)
        rows = self.conn.execute(
            "SELECT story_id, COUNT(*) FROM events WHERE merged_into IS NULL AND story_id IS NOT NULL "
            + ("AND story_id = %s " if one else "")
            + "GROUP BY story_id",
            (stories[0].id,) if one else None,
        )
        for sid, count in rows:
            if sid in by_id:
                by_id[sid].event_count = int(count)

    def add_story_alias(self, alias: str, story_id: str) -> None:
        with self.transaction() as conn:
            _set_alias(conn, alias, story_id)

    def story_aliases(self, story_id: str) -> list[str]:
        return [
            r[0]
            for r in self.conn.execute(
                "SELECT alias FROM story_aliases WHERE story_id = %s ORDER BY alias", (story_id,)
            )
        ]

    def merge_stories(self, source_id: str, target_id: str) -> None:
        if source_id == target_id:
            return
        with self.transaction() as conn:
            row = conn.execute("SELECT slug FROM stories WHERE id = %s", (source_id,)).fetchone()
            if row is None:
                raise NotFoundError(f"no story {source_id!r}")
            conn.execute("UPDATE items SET story_id = %s WHERE story_id = %s", (target_id, source_id))
            conn.execute("UPDATE events SET story_id = %s WHERE story_id = %s", (target_id, source_id))
            conn.execute(
                "UPDATE story_aliases SET story_id = %s WHERE story_id = %s", (target_id, source_id)
            )
            for alias in (source_id, row[0]):
                _set_alias(conn, alias, target_id)
            conn.execute("UPDATE stories SET merged_into = %s WHERE id = %s", (target_id, source_id))
            conn.execute(
                "UPDATE stories SET merged_into = %s WHERE merged_into = %s", (target_id, source_id)
            )


def _set_alias(conn: psycopg.Connection[Any], alias: str, story_id: str) -> None:
    conn.execute(
        "INSERT INTO story_aliases(alias, story_id) VALUES (%s, %s) "
        "ON CONFLICT (alias) DO UPDATE SET story_id = excluded.story_id",
        (alias, story_id),
    )
