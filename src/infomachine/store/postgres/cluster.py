"""Clustering state (mixin of ``PostgresStore``): document frequencies, story
centroids and the items the clusterer has absorbed.

A centroid is stored as a ``jsonb`` array of ``[term, weight]`` pairs (a
``jsonb`` object would reorder its keys), so a state loads with its terms in
the order SQLite keeps, and every sum over them is the same to the bit."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

import numpy as np
import psycopg

from infomachine.models import DocumentCounts, PendingItem, StoryState
from infomachine.store.postgres.core import jsonb

LONG_KEY = "#long"  # the first pair of a centroid: members with a body


def centroid_pairs(n_long: int, centroid: dict[str, float]) -> list[list[Any]]:
    return [[LONG_KEY, n_long], *([t, round(w, 6)] for t, w in centroid.items())]


class ClusterMixin:
    if TYPE_CHECKING:

        @property
        def conn(self) -> psycopg.Connection[Any]: ...  # PostgresCore's

    # Provided by PostgresStore, which mixes this class in.
    transaction: Callable[[], AbstractContextManager[psycopg.Connection[Any]]]

    def cluster_pending(self, max_text: int = 4000) -> list[PendingItem]:
        rows = self.conn.execute(
            "SELECT i.id, i.title, substr(i.text, 1, %s), COALESCE(i.published, i.ingested_at), "
            "i.duplicate_of, i.story_id, i.pinned, i.published IS NOT NULL, "
            "COALESCE(i.canonical_url, i.url) FROM items i "
            "WHERE NOT EXISTS (SELECT 1 FROM cluster_seen s WHERE s.item_id = i.id) "
            "ORDER BY COALESCE(i.published, i.ingested_at), i.seq",
            (max_text,),
        ).fetchall()
        return [
            PendingItem(
                r[0], r[1] or "", r[2] or "", r[3].timestamp() if r[3] else 0.0,
                r[4], r[5], bool(r[6]), bool(r[7]), r[8],
            )
            for r in rows
        ]

    def cluster_mark_seen(self, item_ids: Iterable[str]) -> None:
        ids = list(item_ids)
        if not ids:
            return
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO cluster_seen(item_id) SELECT unnest(%s::text[]) ON CONFLICT DO NOTHING",
                (ids,),
            )

    def cluster_reset(self) -> None:
        with self.transaction() as conn:
            for table in ("cluster_df", "cluster_meta", "cluster_stories", "cluster_seen"):
                conn.execute(f"DELETE FROM {table}")

    def cluster_load_df(self) -> tuple[int, dict[str, int]]:
        row = self.conn.execute("SELECT value FROM cluster_meta WHERE key = 'n_docs'").fetchone()
        df = dict(self.conn.execute("SELECT term, df FROM cluster_df").fetchall())
        return (int(row[0]) if row else 0), df

    def cluster_save_df(self, df: DocumentCounts) -> None:
        terms = sorted(df.changed)
        with self.transaction() as conn:
            if terms:
                conn.execute(
                    "INSERT INTO cluster_df(term, df) SELECT * FROM unnest(%s::text[], %s::int[]) "
                    "ON CONFLICT (term) DO UPDATE SET df = excluded.df",
                    (terms, [df.df[t] for t in terms]),
                )
            conn.execute(
                "INSERT INTO cluster_meta(key, value) VALUES ('n_docs', %s) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (str(df.n_docs),),
            )
        df.changed.clear()

    def _state(self, row: tuple[Any, ...]) -> StoryState:
        pairs = row[4] or []
        n_long = 0
        centroid: dict[str, float] = {}
        for term, weight in pairs:
            if term == LONG_KEY:
                n_long = int(weight)
            else:
                centroid[term] = weight
        return StoryState(
            id=row[0],
            n=int(row[1]),
            n_long=n_long,
            first_ts=float(row[2]),
            last_ts=float(row[3]),
            centroid=centroid,
            titles=row[5] or [],
            dense=np.asarray(row[6], dtype=np.float64) if row[6] else None,
            pinned=bool(row[7]),
        )

    _STATE_SQL = (
        "SELECT c.story_id, c.n, c.first_ts, c.last_ts, c.centroid, c.titles, c.dense, s.pinned "
        "FROM cluster_stories c JOIN events s ON s.id = c.story_id WHERE s.merged_into IS NULL "
    )

    def cluster_load_states(self, since: float) -> list[StoryState]:
        rows = self.conn.execute(
            self._STATE_SQL + "AND c.last_ts >= %s ORDER BY c.first_ts, c.story_id", (since,)
        ).fetchall()
        return [self._state(r) for r in rows]

    def cluster_load_state(self, story_id: str) -> StoryState | None:
        row = self.conn.execute(self._STATE_SQL + "AND c.story_id = %s", (story_id,)).fetchone()
        return self._state(row) if row else None

    def cluster_save_state(self, st: StoryState) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO cluster_stories"
                "(story_id, n, first_ts, last_ts, centroid, titles, dense) "
                "VALUES (%s,%s,%s,%s,%s,%s,%s) ON CONFLICT (story_id) DO UPDATE SET "
                "n = excluded.n, first_ts = excluded.first_ts, last_ts = excluded.last_ts, "
                "centroid = excluded.centroid, titles = excluded.titles, dense = excluded.dense",
                (
                    st.id,
                    st.n,
                    st.first_ts,
                    st.last_ts,
                    jsonb(centroid_pairs(st.n_long, st.centroid)),
                    jsonb(st.titles),
                    jsonb([round(x, 6) for x in st.dense.tolist()]) if st.dense is not None else None,
                ),
            )

    def cluster_delete_state(self, story_id: str) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM cluster_stories WHERE story_id = %s", (story_id,))

    def cluster_story_of(self, item_id: str) -> str | None:
        row = self.conn.execute("SELECT story_id FROM items WHERE id = %s", (item_id,)).fetchone()
        return str(row[0]) if row and row[0] else None

    def story_exists(self, story_id: str) -> bool:
        return self.conn.execute("SELECT 1 FROM stories WHERE id = %s", (story_id,)).fetchone() is not None

    def story_is_pinned(self, story_id: str) -> bool:
        row = self.conn.execute("SELECT pinned FROM stories WHERE id = %s", (story_id,)).fetchone()
        return bool(row and row[0])
