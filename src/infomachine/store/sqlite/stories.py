"""Stories, their aliases and merges (mixin of ``SQLiteStore``)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from infomachine.errors import NotFoundError
from infomachine.models import Story, utcnow
from infomachine.store.sqlite.core import from_db_time, to_db_time
from infomachine.text.slug import free_slug

STORY_COLUMNS = "id, slug, title, created_at, updated_at, pinned, merged_into, metadata"


class StoriesMixin:
    conn: sqlite3.Connection

    # Provided by SQLiteStore, which mixes this class in.
    transaction: Callable[[], AbstractContextManager[sqlite3.Connection]]

    def _row_to_story(self, row: Sequence[Any]) -> Story:
        return Story(
            id=row[0],
            slug=row[1],
            title=row[2],
            created_at=from_db_time(row[3]) or utcnow(),
            updated_at=from_db_time(row[4]) or utcnow(),
            pinned=bool(row[5]),
            merged_into=row[6],
            metadata=json.loads(row[7] or "{}"),
        )

    def unique_slug(self, base: str) -> str:
        """``base``, or ``base-2``, ``base-3``… whichever is free (aliases too)."""
        return free_slug(base, lambda c: self.conn.execute(
            "SELECT 1 FROM stories WHERE slug = ? UNION SELECT 1 FROM story_aliases WHERE alias = ?",
            (c, c)).fetchone() is not None)

    def create_story(self, story: Story) -> Story:
        with self.transaction() as conn:
            conn.execute(
                f"INSERT INTO stories ({STORY_COLUMNS}) VALUES (?,?,?,?,?,?,?,?)",
                (
                    story.id,
                    story.slug,
                    story.title,
                    to_db_time(story.created_at),
                    to_db_time(story.updated_at),
                    int(story.pinned),
                    story.merged_into,
                    json.dumps(story.metadata, ensure_ascii=False),
                ),
            )
        return story

    def update_story(self, story_id: str, **fields: Any) -> None:
        sets, params = [], []
        for key, value in fields.items():
            if key not in {"slug", "title", "updated_at", "pinned", "merged_into", "metadata"}:
                raise ValueError(f"unknown story field {key!r}")
            if isinstance(value, datetime):
                value = to_db_time(value)
            elif key == "metadata":
                value = json.dumps(value, ensure_ascii=False)
            elif key == "pinned":
                value = int(value)
            sets.append(f"{key} = ?")
            params.append(value)
        with self.transaction() as conn:
            cur = conn.execute(f"UPDATE stories SET {', '.join(sets)} WHERE id = ?", (*params, story_id))
            if cur.rowcount == 0:
                raise NotFoundError(f"no story {story_id!r}")

    def get_story(self, ref: str) -> Story:
        """A story by id, slug or alias; a merged story resolves to its survivor."""
        seen: set[str] = set()
        row = self.conn.execute(
            f"SELECT {STORY_COLUMNS} FROM stories WHERE id = ? OR slug = ?", (ref, ref)
        ).fetchone()
        if row is None:
            alias = self.conn.execute(
                "SELECT story_id FROM story_aliases WHERE alias = ?", (ref,)
            ).fetchone()
            if alias is not None:
                row = self.conn.execute(
                    f"SELECT {STORY_COLUMNS} FROM stories WHERE id = ?", (alias[0],)
                ).fetchone()
        if row is None:
            raise NotFoundError(f"no story {ref!r}")
        story = self._row_to_story(row)
        while story.merged_into and story.id not in seen:
            seen.add(story.id)
            row = self.conn.execute(
                f"SELECT {STORY_COLUMNS} FROM stories WHERE id = ?", (story.merged_into,)
            ).fetchone()
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
        """Stories, most recently updated first, with item counts and dates."""
        sql = f"SELECT {STORY_COLUMNS} FROM stories"
        if not include_merged:
            sql += " WHERE merged_into IS NULL"
        stories = [self._row_to_story(r) for r in self.conn.execute(sql + " ORDER BY updated_at DESC, id")]
        self._fill_counts(stories)
        return stories

    def iter_story_ids(self) -> Iterator[str]:
        yield from (r[0] for r in self.conn.execute("SELECT id FROM stories WHERE merged_into IS NULL"))

    def _fill_counts(self, stories: list[Story]) -> None:
        if not stories:
            return
        by_id = {s.id: s for s in stories}
        rows = self.conn.execute(
            "SELECT story_id, COUNT(*), MIN(published), "
            "MAX(published) FROM items WHERE story_id IS NOT NULL "
            + ("AND story_id = ? " if len(stories) == 1 else "")
            + "GROUP BY story_id",
            (stories[0].id,) if len(stories) == 1 else (),
        )
        for sid, count, first, last in rows:
            if sid in by_id:
                by_id[sid].item_count = int(count)
                by_id[sid].first_published = from_db_time(first)
                by_id[sid].last_published = from_db_time(last)
        rows = self.conn.execute(
            "SELECT story_id, COUNT(*) FROM events WHERE merged_into IS NULL AND story_id IS NOT NULL "
            + ("AND story_id = ? " if len(stories) == 1 else "")
            + "GROUP BY story_id",
            (stories[0].id,) if len(stories) == 1 else (),
        )
        for sid, count in rows:
            if sid in by_id:
                by_id[sid].event_count = int(count)

    def add_story_alias(self, alias: str, story_id: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO story_aliases(alias, story_id) VALUES (?, ?)", (alias, story_id)
            )

    def story_aliases(self, story_id: str) -> list[str]:
        return [
            r[0]
            for r in self.conn.execute(
                "SELECT alias FROM story_aliases WHERE story_id = ? ORDER BY alias", (story_id,)
            )
        ]

    def merge_stories(self, source_id: str, target_id: str) -> None:
        """Fold ``source_id`` into ``target_id``: items move, old id and slug stay as aliases."""
        if source_id == target_id:
            return
        with self.transaction() as conn:
            row = conn.execute("SELECT slug FROM stories WHERE id = ?", (source_id,)).fetchone()
            if row is None:
                raise NotFoundError(f"no story {source_id!r}")
            conn.execute("UPDATE items SET story_id = ? WHERE story_id = ?", (target_id, source_id))
            conn.execute("UPDATE events SET story_id = ? WHERE story_id = ?", (target_id, source_id))
            conn.execute(
                "UPDATE story_aliases SET story_id = ? WHERE story_id = ?", (target_id, source_id)
            )
            for alias in (source_id, row[0]):
                conn.execute(
                    "INSERT OR REPLACE INTO story_aliases(alias, story_id) VALUES (?, ?)",
                    (alias, target_id),
                )
            conn.execute("UPDATE stories SET merged_into = ? WHERE id = ?", (target_id, source_id))
            conn.execute(
                "UPDATE stories SET merged_into = ? WHERE merged_into = ?", (target_id, source_id)
            )
