"""Clustering state (mixin of ``SQLiteStore``): document frequencies, story
centroids and the set of items the clusterer has already absorbed.

It stores and returns the plain types of ``models.store`` (``StoryState``,
``PendingItem``, ``DocumentCounts``); the clustering itself is ``cluster/``."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any

import numpy as np

from infomachine.models import DocumentCounts, PendingItem, StoryState

LONG_KEY = "#long"  # stored inside the centroid JSON: members with a body


def _epoch(value: str | None) -> float:
    if not value:
        return 0.0
    dt = datetime.fromisoformat(value)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


class ClusterMixin:
    conn: sqlite3.Connection

    # Provided by SQLiteStore, which mixes this class in.
    transaction: Callable[[], AbstractContextManager[sqlite3.Connection]]

    def cluster_pending(self, max_text: int = 4000) -> list[PendingItem]:
        """Items not yet absorbed by the clusterer, in publication order."""
        rows = self.conn.execute(
            "SELECT i.id, i.title, substr(i.text, 1, ?), COALESCE(i.published, i.ingested_at), "
            "i.duplicate_of, i.story_id, i.pinned, i.published IS NOT NULL, "
            "COALESCE(i.canonical_url, i.url) FROM items i "
            "LEFT JOIN cluster_seen s ON s.item_id = i.id WHERE s.item_id IS NULL "
            "ORDER BY COALESCE(i.published, i.ingested_at), i.rowid",
            (max_text,),
        ).fetchall()
        return [
            PendingItem(r[0], r[1] or "", r[2] or "", _epoch(r[3]), r[4], r[5], bool(r[6]), bool(r[7]), r[8])
            for r in rows
        ]

    def cluster_mark_seen(self, item_ids: Iterable[str]) -> None:
        with self.transaction() as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO cluster_seen(item_id) VALUES (?)", [(i,) for i in item_ids]
            )

    def cluster_reset(self) -> None:
        """Forget all clustering state (items keep their stories)."""
        with self.transaction() as conn:
            for table in ("cluster_df", "cluster_meta", "cluster_stories", "cluster_seen"):
                conn.execute(f"DELETE FROM {table}")

    def cluster_load_df(self) -> tuple[int, dict[str, int]]:
        row = self.conn.execute("SELECT value FROM cluster_meta WHERE key = 'n_docs'").fetchone()
        df = dict(self.conn.execute("SELECT term, df FROM cluster_df").fetchall())
        return (int(row[0]) if row else 0), df

    def cluster_save_df(self, df: DocumentCounts) -> None:
        with self.transaction() as conn:
            conn.executemany(
                "INSERT INTO cluster_df(term, df) VALUES (?, ?) "
                "ON CONFLICT(term) DO UPDATE SET df = excluded.df",
                [(t, df.df[t]) for t in sorted(df.changed)],
            )
            conn.execute(
                "INSERT OR REPLACE INTO cluster_meta(key, value) VALUES ('n_docs', ?)",
                (str(df.n_docs),),
            )
        df.changed.clear()

    def _state(self, row: tuple[Any, ...]) -> StoryState:
        centroid = json.loads(row[4])
        n_long = int(centroid.pop(LONG_KEY, 0))  # terms never start with "#"
        return StoryState(
            id=row[0],
            n=int(row[1]),
            n_long=n_long,
            first_ts=float(row[2]),
            last_ts=float(row[3]),
            centroid=centroid,
            titles=json.loads(row[5] or "[]"),
            dense=np.asarray(json.loads(row[6]), dtype=np.float64) if row[6] else None,
            pinned=bool(row[7]),
        )

    _STATE_SQL = (
        "SELECT c.story_id, c.n, c.first_ts, c.last_ts, c.centroid, c.titles, c.dense, s.pinned "
        "FROM cluster_stories c JOIN events s ON s.id = c.story_id WHERE s.merged_into IS NULL "
    )

    def cluster_load_states(self, since: float) -> list[StoryState]:
        """States of stories active since ``since`` (epoch seconds), oldest first."""
        rows = self.conn.execute(
            self._STATE_SQL + "AND c.last_ts >= ? ORDER BY c.first_ts, c.story_id", (since,)
        ).fetchall()
        return [self._state(r) for r in rows]

    def cluster_load_state(self, story_id: str) -> StoryState | None:
        row = self.conn.execute(self._STATE_SQL + "AND c.story_id = ?", (story_id,)).fetchone()
        return self._state(row) if row else None

    def cluster_save_state(self, st: StoryState) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO cluster_stories"
                "(story_id, n, first_ts, last_ts, centroid, titles, dense) VALUES (?,?,?,?,?,?,?)",
                (
                    st.id,
                    st.n,
                    st.first_ts,
                    st.last_ts,
                    json.dumps(
                        {LONG_KEY: st.n_long, **{t: round(w, 6) for t, w in st.centroid.items()}},
                        ensure_ascii=False,
                    ),
                    json.dumps(st.titles, ensure_ascii=False),
                    json.dumps([round(x, 6) for x in st.dense.tolist()]) if st.dense is not None else None,
                ),
            )

    def cluster_delete_state(self, story_id: str) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM cluster_stories WHERE story_id = ?", (story_id,))

    def cluster_story_of(self, item_id: str) -> str | None:
        row = self.conn.execute("SELECT story_id FROM items WHERE id = ?", (item_id,)).fetchone()
        return str(row[0]) if row and row[0] else None

    def story_exists(self, story_id: str) -> bool:
        return (
            self.conn.execute("SELECT 1 FROM stories WHERE id = ?", (story_id,)).fetchone()
            is not None
        )

    def story_is_pinned(self, story_id: str) -> bool:
        row = self.conn.execute("SELECT pinned FROM stories WHERE id = ?", (story_id,)).fetchone()
        return bool(row and row[0])
