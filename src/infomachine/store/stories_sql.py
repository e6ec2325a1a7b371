"""Stories, their aliases and merges (a mixin of both backends).

Written once for SQLite and PostgreSQL through the core's hooks
(``store/sql_hooks.py``).

A merge keeps the old id and slug as aliases of the survivor, so old links
keep working; ``get_story`` follows merges to the survivor.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from infomachine.errors import NotFoundError
from infomachine.models import Story, utcnow
from infomachine.store.sql_hooks import SQLHooks
from infomachine.text.slug import free_slug

STORY_COLUMNS = "id, slug, title, created_at, updated_at, pinned, merged_into, metadata"
STORY_FIELDS = {"slug", "title", "updated_at", "pinned", "merged_into", "metadata"}
_SET_ALIAS = ("INSERT INTO story_aliases(alias, story_id) VALUES (?, ?) "
              "ON CONFLICT (alias) DO UPDATE SET story_id = excluded.story_id")


class StoriesSQL(SQLHooks):
    def _row_to_story(self, row: Sequence[Any]) -> Story:
        return Story(
            id=row[0], slug=row[1], title=row[2],
            created_at=self._time_out(row[3]) or utcnow(), updated_at=self._time_out(row[4]) or utcnow(),
            pinned=bool(row[5]), merged_into=row[6], metadata=self._json_out(row[7]),
        )

    def _story_row(self, where: str, params: Sequence[Any]) -> Any:
        return self._run(f"SELECT {STORY_COLUMNS} FROM stories WHERE {where}", params).fetchone()

    def unique_slug(self, base: str) -> str:
        """``base``, or ``base-2``, ``base-3``… whichever is free (aliases too)."""
        return free_slug(base, lambda c: self._run(
            "SELECT 1 FROM stories WHERE slug = ? UNION SELECT 1 FROM story_aliases WHERE alias = ?",
            (c, c)).fetchone() is not None)

    def create_story(self, story: Story) -> Story:
        with self.transaction():
            self._run(
                f"INSERT INTO stories ({STORY_COLUMNS}) VALUES (?,?,?,?,?,?,?,?)",
                (story.id, story.slug, story.title, self._time_in(story.created_at),
                 self._time_in(story.updated_at), self._flag(story.pinned), story.merged_into,
                 self._json_in(story.metadata)),
            )
        return story

    def update_story(self, story_id: str, **fields: Any) -> None:
        self._update_row("stories", "story", story_id, fields, STORY_FIELDS, times=frozenset({"updated_at"}))

    def get_story(self, ref: str) -> Story:
        """A story by id, slug or alias; a merged story resolves to its survivor."""
        row = self._story_row("id = ? OR slug = ? ORDER BY id = ? DESC LIMIT 1", (ref, ref, ref))
        if row is None:
            alias = self._run("SELECT story_id FROM story_aliases WHERE alias = ?", (ref,)).fetchone()
            if alias is not None:
                row = self._story_row("id = ?", (alias[0],))
        if row is None:
            raise NotFoundError(f"no story {ref!r}")
        story = self._row_to_story(row)
        seen: set[str] = set()
        while story.merged_into and story.id not in seen:
            seen.add(story.id)
            row = self._story_row("id = ?", (story.merged_into,))
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
        stories = [self._row_to_story(r) for r in self._run(sql + " ORDER BY updated_at DESC, id")]
        self._fill_counts(stories)
        return stories

    def iter_story_ids(self) -> Iterator[str]:
        rows = self._run("SELECT id FROM stories WHERE merged_into IS NULL").fetchall()
        yield from (r[0] for r in rows)

    def _fill_counts(self, stories: list[Story]) -> None:
        if not stories:
            return
        by_id = {s.id: s for s in stories}
        one = " AND story_id = ?" if len(stories) == 1 else ""
        params = (stories[0].id,) if one else ()
        for sid, count, first, last in self._run(
            "SELECT story_id, COUNT(*), MIN(published), MAX(published) FROM items "
            f"WHERE story_id IS NOT NULL{one} GROUP BY story_id", params
        ):
            if sid in by_id:
                by_id[sid].item_count = int(count)
                by_id[sid].first_published = self._time_out(first)
                by_id[sid].last_published = self._time_out(last)
        for sid, count in self._run(
            "SELECT story_id, COUNT(*) FROM events WHERE merged_into IS NULL AND story_id IS NOT NULL"
            f"{one} GROUP BY story_id", params
        ):
            if sid in by_id:
                by_id[sid].event_count = int(count)

    def add_story_alias(self, alias: str, story_id: str) -> None:
        with self.transaction():
            self._run(_SET_ALIAS, (alias, story_id))

    def story_aliases(self, story_id: str) -> list[str]:
        return [r[0] for r in self._run(
            "SELECT alias FROM story_aliases WHERE story_id = ? ORDER BY alias", (story_id,))]

    def merge_stories(self, source_id: str, target_id: str) -> None:
        """Fold ``source_id`` into ``target_id``: items and events move, the old id and
        slug stay as aliases."""
        if source_id == target_id:
            return
        with self.transaction():
            row = self._run("SELECT slug FROM stories WHERE id = ?", (source_id,)).fetchone()
            if row is None:
                raise NotFoundError(f"no story {source_id!r}")
            self._run("UPDATE items SET story_id = ? WHERE story_id = ?", (target_id, source_id))
            self._run("UPDATE events SET story_id = ? WHERE story_id = ?", (target_id, source_id))
            self._run("UPDATE story_aliases SET story_id = ? WHERE story_id = ?", (target_id, source_id))
            for alias in (source_id, row[0]):
                self._run(_SET_ALIAS, (alias, target_id))
            self._run("UPDATE stories SET merged_into = ? WHERE id = ?", (target_id, source_id))
            self._run("UPDATE stories SET merged_into = ? WHERE merged_into = ?", (target_id, source_id))
