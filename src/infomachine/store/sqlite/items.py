"""Items, their near-duplicate signatures, full-text search and ingest errors
(mixin of ``SQLiteStore``).

Search is FTS5 over title and text (``items_fts``, kept in step by triggers);
its snippets mark matches with ``models.MATCH_START``/``MATCH_END``, which
``Snippet.parse`` reads.  Ingest errors are the documents that did not become
items, with why.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Any

from infomachine.errors import NotFoundError, StoreError
from infomachine.models import MATCH_END, MATCH_START, Item, Snippet, utcnow
from infomachine.store.sqlite.core import from_db_time, to_db_time

ITEM_COLUMNS = (
    "id, url, canonical_url, guid, title, author, publisher, published, ingested_at, "
    "language, text, source, content_hash, duplicate_of, story_id, pinned, metadata, event_id"
)


def row_to_item(row: Sequence[Any]) -> Item:
    return Item(
        id=row[0],
        url=row[1],
        canonical_url=row[2],
        guid=row[3],
        title=row[4],
        author=row[5],
        publisher=row[6],
        published=from_db_time(row[7]),
        ingested_at=from_db_time(row[8]) or utcnow(),
        language=row[9],
        text=row[10],
        source=row[11],
        content_hash=row[12],
        duplicate_of=row[13],
        story_id=row[14],
        pinned=bool(row[15]),
        metadata=json.loads(row[16] or "{}"),
        event_id=row[17],
    )


def item_to_row(item: Item) -> tuple[Any, ...]:
    return (
        item.id,
        item.url,
        item.canonical_url,
        item.guid,
        item.title,
        item.author,
        item.publisher,
        to_db_time(item.published),
        to_db_time(item.ingested_at),
        item.language,
        item.text,
        item.source,
        item.content_hash,
        item.duplicate_of,
        item.story_id,
        int(item.pinned),
        json.dumps(item.metadata, ensure_ascii=False, default=str),
        item.event_id,
    )


class ItemsMixin:
    conn: sqlite3.Connection

    # Provided by SQLiteStore, which mixes this class in.
    transaction: Callable[[], AbstractContextManager[sqlite3.Connection]]

    def find_existing(
        self,
        item: Item,
        *,
        use_hash: bool = True,
    ) -> str | None:
        """The id of a stored exact duplicate of ``item``, if any.

        Same id, same GUID from the same source (GUIDs are only unique
        within a feed), same canonical URL, or, when ``use_hash``, the same
        content hash -- except that an item of the same source with a
        different GUID is a distinct entry, whatever its URL or text.
        """
        distinct = " AND NOT (?3 IS NOT NULL AND guid IS NOT NULL AND guid != ?3 AND source IS ?4)"
        row = self.conn.execute(
            "SELECT id, 0 FROM items WHERE id = ?1 "
            "UNION ALL SELECT id, 1 FROM items WHERE guid = ?3 AND ?3 IS NOT NULL AND source IS ?4 "
            "UNION ALL SELECT id, 2 FROM items WHERE canonical_url = ?2 AND ?2 IS NOT NULL" + distinct
            + " UNION ALL SELECT id, 3 FROM items WHERE content_hash = ?5 AND ?6" + distinct
            + " ORDER BY 2 LIMIT 1",
            (item.id, item.canonical_url, item.guid, item.source, item.content_hash, int(use_hash)),
        ).fetchone()
        return str(row[0]) if row else None

    def insert_item(
        self, item: Item, signature: bytes | None = None, bands: Sequence[int] = ()
    ) -> None:
        """Store a new item, with its MinHash signature and LSH band keys if any."""
        with self.transaction() as conn:
            conn.execute(
                f"INSERT INTO items ({ITEM_COLUMNS}) VALUES ({','.join('?' * 18)})",
                item_to_row(item),
            )
            if signature is not None:
                conn.execute(
                    "INSERT OR REPLACE INTO item_signatures(item_id, minhash) VALUES (?, ?)",
                    (item.id, signature),
                )
                conn.executemany(
                    "INSERT INTO item_lsh(band_key, item_id) VALUES (?, ?)",
                    [(key, item.id) for key in bands],
                )

    def get_item(self, item_id: str) -> Item:
        row = self.conn.execute(f"SELECT {ITEM_COLUMNS} FROM items WHERE id = ?", (item_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no item {item_id!r}")
        return row_to_item(row)

    def get_items(self, ids: Iterable[str]) -> list[Item]:
        """Items by id, in the order asked, skipping unknown ids."""
        wanted = list(dict.fromkeys(ids))
        found: dict[str, Item] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self.conn.execute(
                f"SELECT {ITEM_COLUMNS} FROM items WHERE id IN ({marks})", chunk
            ):
                found[row[0]] = row_to_item(row)
        return [found[i] for i in wanted if i in found]

    def list_items(
        self,
        *,
        story_id: str | None = None,
        event_id: str | None = None,
        unclustered: bool = False,
        limit: int | None = None,
        offset: int = 0,
        order: str = "published",
    ) -> list[Item]:
        """Items, oldest first by publication (ingestion time when unknown)."""
        where: list[str] = []
        params: list[Any] = []
        if story_id is not None:
            where.append("story_id = ?")
            params.append(story_id)
        if event_id is not None:
            where.append("event_id = ?")
            params.append(event_id)
        if unclustered:
            where.append("story_id IS NULL")
        sql = f"SELECT {ITEM_COLUMNS} FROM items"
        if where:
            sql += " WHERE " + " AND ".join(where)
        if order == "published":
            sql += " ORDER BY COALESCE(published, ingested_at), rowid"
        else:
            sql += " ORDER BY rowid"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params.extend([limit, offset])
        return [row_to_item(r) for r in self.conn.execute(sql, params)]

    def count_items(self, story_id: str | None = None) -> int:
        if story_id is None:
            return int(self.conn.execute("SELECT COUNT(*) FROM items").fetchone()[0])
        return int(
            self.conn.execute("SELECT COUNT(*) FROM items WHERE story_id = ?", (story_id,)).fetchone()[0]
        )

    def item_stories(self) -> dict[str, str | None]:
        """Every item id with the story it belongs to (None when unclustered)."""
        return dict(self.conn.execute("SELECT id, story_id FROM items").fetchall())

    def item_events(self) -> dict[str, str | None]:
        """Every item id with the event it belongs to (None when not yet clustered)."""
        return dict(self.conn.execute("SELECT id, event_id FROM items").fetchall())

    def pin_item(self, item_id: str, story_id: str) -> None:
        """Pin an item, and the near-duplicates that follow it, into a story."""
        with self.transaction() as conn:
            conn.execute(
                "UPDATE items SET story_id = ?1, pinned = 1 WHERE id = ?2 OR duplicate_of = ?2",
                (story_id, item_id),
            )

    def set_item_story(self, item_ids: Iterable[str], story_id: str | None) -> None:
        with self.transaction() as conn:
            conn.executemany(
                "UPDATE items SET story_id = ? WHERE id = ?", [(story_id, i) for i in item_ids]
            )

    def merge_item_metadata(self, item_id: str, extra: dict[str, Any]) -> None:
        """Add keys to an item's metadata (e.g. another feed that found it)."""
        with self.transaction() as conn:
            row = conn.execute("SELECT metadata FROM items WHERE id = ?", (item_id,)).fetchone()
            if row is None:
                raise NotFoundError(f"no item {item_id!r}")
            meta = json.loads(row[0] or "{}")
            for key, value in extra.items():
                if isinstance(value, list):
                    merged = list(meta.get(key) or [])
                    merged.extend(v for v in value if v not in merged)
                    meta[key] = merged
                else:
                    meta.setdefault(key, value)
            conn.execute(
                "UPDATE items SET metadata = ? WHERE id = ?",
                (json.dumps(meta, ensure_ascii=False, default=str), item_id),
            )

    def lsh_candidates(self, keys: list[int]) -> list[tuple[str, bytes]]:
        """Items sharing at least one LSH band key, with their signatures."""
        if not keys:
            return []
        marks = ",".join("?" * len(keys))
        return self.conn.execute(
            "SELECT s.item_id, s.minhash FROM item_signatures s WHERE s.item_id IN "
            f"(SELECT item_id FROM item_lsh WHERE band_key IN ({marks}))",
            keys,
        ).fetchall()

    def search(self, query: str, *, limit: int = 20) -> list[tuple[Item, Snippet]]:
        """Full-text search; returns items with a highlighted snippet (a ``Snippet``:
        matched words in ``[ ]``, and in ``parts`` without ambiguity)."""
        fts = _fts_query(query)
        if not fts:
            return []
        try:
            rows = self.conn.execute(
                f"SELECT {', '.join('i.' + c.strip() for c in ITEM_COLUMNS.split(','))}, "
                "snippet(items_fts, 1, ?, ?, '…', 12) "
                "FROM items_fts JOIN items i ON i.rowid = items_fts.rowid "
                "WHERE items_fts MATCH ? ORDER BY bm25(items_fts, 5.0, 1.0) LIMIT ?",
                (MATCH_START, MATCH_END, fts, limit),
            ).fetchall()
        except sqlite3.OperationalError as exc:
            raise StoreError(f"search failed: {exc}") from exc
        return [(row_to_item(r[:18]), Snippet.parse(r[18] or "")) for r in rows]

    def recent_item_titles(self, limit: int) -> list[str]:
        """Titles of the ``limit`` most recently stored items, newest first (none empty).

        The background corpus of reactive-query key terms (``cluster.reactive``).
        """
        rows = self.conn.execute(
            "SELECT title FROM items WHERE title IS NOT NULL AND title != '' "
            "ORDER BY rowid DESC LIMIT ?",
            (limit,),
        )
        return [r[0] for r in rows]

    # ------------------------------------------------------------------ ingest errors

    def record_ingest_error(self, origin: str, message: str, source: str | None = None) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO ingest_errors(origin, message, source, created_at) VALUES (?, ?, ?, ?)",
                (origin, message[:2000], source, to_db_time(utcnow())),
            )

    def list_ingest_errors(self, limit: int = 100) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT origin, message, source, created_at FROM ingest_errors ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [dict(zip(("origin", "message", "source", "created_at"), r, strict=True)) for r in rows]


def _fts_query(query: str) -> str:
    """Turn user text into a safe FTS5 query: each word a quoted prefix term."""
    words = [w for w in "".join(c if c.isalnum() else " " for c in query).split() if w]
    return " ".join(f'"{w}"*' for w in words)
