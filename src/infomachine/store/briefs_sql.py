"""Brief versions (a mixin of both backends). Versions are rows, never edited.

Written once for SQLite and PostgreSQL through the core's hooks
(``store/sql_hooks.py``); the brief is stored as JSON (``jsonb`` in
PostgreSQL, text in SQLite) and ``generated_at`` is returned in dicts as
ISO-8601 UTC text to the second by both.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from infomachine.errors import NotFoundError
from infomachine.models import Brief
from infomachine.store.sql_hooks import SQLHooks


class BriefsSQL(SQLHooks):
    def _iso(self, value: Any) -> str | None:
        when = self._time_out(value)
        return when.astimezone(UTC).isoformat(timespec="seconds") if when is not None else None

    def save_brief(self, story_id: str, brief: Brief) -> int:
        """Store ``brief`` as the story's next version (in a write transaction, under
        PostgreSQL's writer lock, so two processes never compute the same number);
        returns its number."""
        with self.transaction():
            row = self._run(
                "SELECT COALESCE(MAX(version), 0) FROM brief_versions WHERE story_id = ?", (story_id,)
            ).fetchone()
            version = int(row[0] if row else 0) + 1
            brief.version = version
            self._run(
                "INSERT INTO brief_versions(story_id, version, generated_at, item_count, "
                "change_summary, brief) VALUES (?, ?, ?, ?, ?, ?)",
                (story_id, version, self._time_in(brief.generated_at), brief.item_count,
                 brief.change_summary, self._json_in(brief.model_dump(mode="json"))),
            )
        return version

    def get_brief(self, story_id: str, version: int | None = None) -> Brief:
        """A stored version (the latest when ``version`` is None)."""
        if version is None:
            row = self._run(
                "SELECT brief FROM brief_versions WHERE story_id = ? ORDER BY version DESC LIMIT 1",
                (story_id,),
            ).fetchone()
        else:
            row = self._run(
                "SELECT brief FROM brief_versions WHERE story_id = ? AND version = ?", (story_id, version)
            ).fetchone()
        if row is None:
            what = f"version {version}" if version is not None else "brief yet"
            raise NotFoundError(f"story {story_id!r} has no {what}")
        return Brief.model_validate(self._json_out(row[0]))

    def latest_brief(self, story_id: str) -> Brief | None:
        try:
            return self.get_brief(story_id)
        except NotFoundError:
            return None

    def list_versions(self, story_id: str) -> list[dict[str, Any]]:
        rows = self._run(
            "SELECT version, generated_at, item_count, change_summary FROM brief_versions "
            "WHERE story_id = ? ORDER BY version",
            (story_id,),
        )
        return [{"version": v, "generated_at": self._iso(g), "item_count": c, "change_summary": s}
                for v, g, c, s in rows]

    def latest_versions(self) -> dict[str, dict[str, Any]]:
        """For every story, its latest version number, time and change summary."""
        rows = self._run(
            "SELECT b.story_id, b.version, b.generated_at, b.change_summary FROM brief_versions b "
            "JOIN (SELECT story_id, MAX(version) v FROM brief_versions GROUP BY story_id) m "
            "ON m.story_id = b.story_id AND m.v = b.version"
        )
        return {sid: {"version": v, "generated_at": self._iso(g), "change_summary": s}
                for sid, v, g, s in rows}
