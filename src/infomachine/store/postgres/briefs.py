"""Brief versions (mixin of ``PostgresStore``). Versions are rows, never edited;
the brief itself is ``jsonb``."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

import psycopg

from infomachine.errors import NotFoundError
from infomachine.models import Brief
from infomachine.store.postgres.core import iso, to_pg_time


class BriefsMixin:
    if TYPE_CHECKING:

        @property
        def conn(self) -> psycopg.Connection[Any]: ...  # PostgresCore's

    # Provided by PostgresStore, which mixes this class in.
    transaction: Callable[[], AbstractContextManager[psycopg.Connection[Any]]]

    def save_brief(self, story_id: str, brief: Brief) -> int:
        """Store ``brief`` as the story's next version (under the writer lock, so
        two processes never compute the same number); returns its number."""
        with self.transaction() as conn:
            row = conn.execute(
                "SELECT COALESCE(MAX(version), 0) FROM brief_versions WHERE story_id = %s",
                (story_id,),
            ).fetchone()
            version = int(row[0] if row else 0) + 1
            brief.version = version
            conn.execute(
                "INSERT INTO brief_versions(story_id, version, generated_at, item_count, "
                "change_summary, brief) VALUES (%s, %s, %s, %s, %s, %s::jsonb)",
                (
                    story_id,
                    version,
                    to_pg_time(brief.generated_at),
                    brief.item_count,
                    brief.change_summary,
                    brief.model_dump_json(),
                ),
            )
        return version

    def get_brief(self, story_id: str, version: int | None = None) -> Brief:
        if version is None:
            row = self.conn.execute(
                "SELECT brief::text FROM brief_versions WHERE story_id = %s "
                "ORDER BY version DESC LIMIT 1",
                (story_id,),
            ).fetchone()
        else:
            row = self.conn.execute(
                "SELECT brief::text FROM brief_versions WHERE story_id = %s AND version = %s",
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
            "WHERE story_id = %s ORDER BY version",
            (story_id,),
        )
        return [
            {"version": v, "generated_at": iso(g), "item_count": c, "change_summary": s}
            for v, g, c, s in rows
        ]

    def latest_versions(self) -> dict[str, dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT DISTINCT ON (story_id) story_id, version, generated_at, change_summary "
            "FROM brief_versions ORDER BY story_id, version DESC"
        )
        return {
            sid: {"version": v, "generated_at": iso(g), "change_summary": s} for sid, v, g, s in rows
        }
