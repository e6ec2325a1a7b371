"""Brief versions (mixin of ``SQLiteStore``). Versions are rows, never edited."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from infomachine.errors import NotFoundError
from infomachine.models import Brief
from infomachine.store.sqlite.core import to_db_time


class BriefsMixin:
    conn: sqlite3.Connection

    # Provided by SQLiteStore, which mixes this class in.
    transaction: Callable[[], AbstractContextManager[sqlite3.Connection]]

    def save_brief(self, story_id: str, brief: Brief) -> int:
        """Store ``brief`` as the story's next version; returns its number."""
        with self.transaction() as conn:
            row = conn.execute(
                "SELECT COALESCE(MAX(version), 0) FROM brief_versions WHERE story_id = ?", (story_id,)
            ).fetchone()
            version = int(row[0]) + 1
            brief.version = version
            conn.execute(
                "INSERT INTO brief_versions(story_id, version, generated_at, item_count, "
                "change_summary, brief) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    story_id,
                    version,
                    to_db_time(brief.generated_at),
                    brief.item_count,
                    brief.change_summary,
                    brief.model_dump_json(),
                ),
            )
        return version

    def get_brief(self, story_id: str, version: int | None = None) -> Brief:
        """A stored version (the latest when ``version`` is None)."""
        if version is None:
            row = self.conn.execute(
                "SELECT brief FROM brief_versions WHERE story_id = ? ORDER BY version DESC LIMIT 1",
                (story_id,),
            ).fetchone()
        else:
            row = self.conn.execute(
                "SELECT brief FROM brief_versions WHERE story_id = ? AND version = ?",
                (story_id, version),
            ).fetchone()
        if row is None:
            what = f"version {version}" if version is not None else "brief yet"
            raise NotFoundError(f"story {story_id!r} has no {what}")
        return Brief.model_validate_json(row[0])

    def latest_brief(self, story_id: str) -> Brief | None:
        try:
            return self.get_brief(story_id)
        except NotFoundError:
            return None

    def list_versions(self, story_id: str) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT version, generated_at, item_count, change_summary FROM brief_versions "
            "WHERE story_id = ? ORDER BY version",
            (story_id,),
        )
        return [
            {"version": v, "generated_at": g, "item_count": c, "change_summary": s}
            for v, g, c, s in rows
        ]

    def latest_versions(self) -> dict[str, dict[str, Any]]:
        """For every story, its latest version number, time and change summary."""
        rows = self.conn.execute(
            "SELECT b.story_id, b.version, b.generated_at, b.change_summary FROM brief_versions b "
            "JOIN (SELECT story_id, MAX(version) v FROM brief_versions GROUP BY story_id) m "
            "ON m.story_id = b.story_id AND m.v = b.version"
        )
        return {
            sid: {"version": v, "generated_at": g, "change_summary": s} for sid, v, g, s in rows
        }
