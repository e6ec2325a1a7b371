"""Items, their near-duplicate signatures, full-text search and ingest errors
(mixin of ``PostgresStore``).

Search is PostgreSQL's own: the generated ``items.fts`` tsvector (title
weight A, text weight D) behind a GIN index, queried with each word of the
user's text as a prefix term (``word:*``), all required, as the FTS5 query
SQLite builds.  Ranking is ``ts_rank`` with the title weighted 5 to 1 over
the text (FTS5 ranks by ``bm25`` with the same weights, so the order of
close hits may differ).  Snippets are ``ts_headline`` of the text, about 12
words, with matches between ``models.MATCH_START``/``MATCH_END`` and ``…``
where text was cut, which ``Snippet.parse`` reads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

import psycopg

from infomachine.errors import NotFoundError, StoreError
from infomachine.models import MATCH_END, MATCH_START, Item, Snippet, utcnow
from infomachine.store.postgres.core import from_pg_time, iso, jsonb, to_pg_time

ITEM_COLUMNS = (
    "id, url, canonical_url, guid, title, author, publisher, published, ingested_at, "
    "language, text, source, content_hash, duplicate_of, story_id, pinned, metadata, event_id"
)
_ITEM_COLUMNS_I = ", ".join("i." + c.strip() for c in ITEM_COLUMNS.split(","))

# ts_rank weights {D, C, B, A}: the title (A) counts five times the text (D).
RANK_WEIGHTS = "{0.2, 0.2, 0.2, 1.0}"
HEADLINE_OPTIONS = (
    f'StartSel="{MATCH_START}", StopSel="{MATCH_END}", MaxWords=12, MinWords=6, '
    "ShortWord=0, MaxFragments=1"
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
        published=from_pg_time(row[7]),
        ingested_at=from_pg_time(row[8]) or utcnow(),
        language=row[9],
        text=row[10],
        source=row[11],
        content_hash=row[12],
        duplicate_of=row[13],
        story_id=row[14],
        pinned=bool(row[15]),
        metadata=row[16] or {},
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
        to_pg_time(item.published),
        to_pg_time(item.ingested_at),
        item.language,
        item.text,
        item.source,
        item.content_hash,
        item.duplicate_of,
        item.story_id,
        bool(item.pinned),
        jsonb(_plain(item.metadata)),
        item.event_id,
    )


def _plain(value: Any) -> Any:
    """What ``json.dumps(..., default=str)`` would store (SQLite's metadata column)."""
    import json

    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


class ItemsMixin:
    if TYPE_CHECKING:

        @property
        def conn(self) -> psycopg.Connection[Any]: ...  # PostgresCore's

    # Provided by PostgresStore, which mixes this class in.
    transaction: Callable[[], AbstractContextManager[psycopg.Connection[Any]]]

    def find_existing(self, item: Item, *, use_hash: bool = True) -> str | None:
        """The id of a stored exact duplicate of ``item``, if any (see SQLite's): same id,
        same GUID from the same source, same canonical URL, or the same content hash --
        except that an item of the same source with another GUID is a distinct entry."""
        distinct = (
            " AND NOT (%(guid)s::text IS NOT NULL AND guid IS NOT NULL AND guid <> %(guid)s::text"
            " AND source IS NOT DISTINCT FROM %(source)s::text)"
        )
        row = self.conn.execute(
            "SELECT id, 0 FROM items WHERE id = %(id)s "
            "UNION ALL SELECT id, 1 FROM items WHERE guid = %(guid)s::text "
            "AND source IS NOT DISTINCT FROM %(source)s::text "
            "UNION ALL SELECT id, 2 FROM items WHERE canonical_url = %(cu)s::text" + distinct
            + " UNION ALL SELECT id, 3 FROM items WHERE %(use_hash)s AND content_hash = %(hash)s"
            + distinct + " ORDER BY 2 LIMIT 1",
            {
                "id": item.id, "cu": item.canonical_url, "guid": item.guid,
                "source": item.source, "use_hash": bool(use_hash), "hash": item.content_hash,
            },
        ).fetchone()
        return str(row[0]) if row else None

    def insert_item(
        self, item: Item, signature: bytes | None = None, bands: Sequence[int] = ()
    ) -> None:
        with self.transaction() as conn:
            conn.execute(
                f"INSERT INTO items ({ITEM_COLUMNS}) VALUES ({','.join(['%s'] * 18)})",
                item_to_row(item),
            )
            if signature is not None:
                conn.execute(
                    "INSERT INTO item_signatures(item_id, minhash) VALUES (%s, %s) "
                    "ON CONFLICT (item_id) DO UPDATE SET minhash = excluded.minhash",
                    (item.id, signature),
                )
                if bands:
                    conn.execute(
                        "INSERT INTO item_lsh(band_key, item_id) SELECT k, %s FROM unnest(%s::bigint[]) k",
                        (item.id, list(bands)),
                    )

    def get_item(self, item_id: str) -> Item:
        row = self.conn.execute(f"SELECT {ITEM_COLUMNS} FROM items WHERE id = %s", (item_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no item {item_id!r}")
        return row_to_item(row)

    def get_items(self, ids: Iterable[str]) -> list[Item]:
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return []
        found = {
            row[0]: row_to_item(row)
            for row in self.conn.execute(
                f"SELECT {ITEM_COLUMNS} FROM items WHERE id = ANY(%s)", (wanted,)
            )
        }
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
        where: list[str] = []
        params: list[Any] = []
        if story_id is not None:
            where.append("story_id = %s")
            params.append(story_id)
        if event_id is not None:
            where.append("event_id = %s")
            params.append(event_id)
        if unclustered:
            where.append("story_id IS NULL")
        sql = f"SELECT {ITEM_COLUMNS} FROM items"
        if where:
            sql += " WHERE " + " AND ".join(where)
        if order == "published":
            sql += " ORDER BY COALESCE(published, ingested_at), seq"
        else:
            sql += " ORDER BY seq"
        if limit is not None:
            sql += " LIMIT %s OFFSET %s"
            params.extend([limit, offset])
        return [row_to_item(r) for r in self.conn.execute(sql, params)]

    def count_items(self, story_id: str | None = None) -> int:
        if story_id is None:
            row = self.conn.execute("SELECT COUNT(*) FROM items").fetchone()
        else:
            row = self.conn.execute("SELECT COUNT(*) FROM items WHERE story_id = %s", (story_id,)).fetchone()
        return int(row[0]) if row else 0

    def item_stories(self) -> dict[str, str | None]:
        return dict(self.conn.execute("SELECT id, story_id FROM items").fetchall())

    def item_events(self) -> dict[str, str | None]:
        return dict(self.conn.execute("SELECT id, event_id FROM items").fetchall())

    def pin_item(self, item_id: str, story_id: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE items SET story_id = %s, pinned = TRUE WHERE id = %s OR duplicate_of = %s",
                (story_id, item_id, item_id),
            )

    def set_item_story(self, item_ids: Iterable[str], story_id: str | None) -> None:
        ids = list(item_ids)
        if not ids:
            return
        with self.transaction() as conn:
            conn.execute(
                "UPDATE items SET story_id = %s::text WHERE id = ANY(%s)", (story_id, ids)
            )

    def merge_item_metadata(self, item_id: str, extra: dict[str, Any]) -> None:
        with self.transaction() as conn:
            row = conn.execute("SELECT metadata FROM items WHERE id = %s", (item_id,)).fetchone()
            if row is None:
                raise NotFoundError(f"no item {item_id!r}")
            meta = dict(row[0] or {})
            for key, value in _plain(extra).items():
                if isinstance(value, list):
                    merged = list(meta.get(key) or [])
                    merged.extend(v for v in value if v not in merged)
                    meta[key] = merged
                else:
                    meta.setdefault(key, value)
            conn.execute("UPDATE items SET metadata = %s WHERE id = %s", (jsonb(meta), item_id))

    def lsh_candidates(self, keys: list[int]) -> list[tuple[str, bytes]]:
        if not keys:
            return []
        rows = self.conn.execute(
            "SELECT s.item_id, s.minhash FROM item_signatures s WHERE s.item_id IN "
            "(SELECT item_id FROM item_lsh WHERE band_key = ANY(%s::bigint[]))",
            (list(keys),),
        ).fetchall()
        return [(r[0], bytes(r[1])) for r in rows]

    def search(self, query: str, *, limit: int = 20) -> list[tuple[Item, Snippet]]:
        """Full-text search, best first; each hit with a ``Snippet`` of its text."""
        tsq = _ts_query(query)
        if not tsq:
            return []
        try:
            rows = self.conn.execute(
                f"SELECT {_ITEM_COLUMNS_I}, "
                "ts_headline('infomachine'::regconfig, i.text, q, %(opts)s) "
                "FROM items i, to_tsquery('infomachine'::regconfig, %(q)s) q "
                "WHERE i.fts @@ q "
                "ORDER BY ts_rank(%(weights)s::float4[], i.fts, q) DESC, i.seq LIMIT %(limit)s",
                {"q": tsq, "opts": HEADLINE_OPTIONS, "weights": RANK_WEIGHTS, "limit": limit},
            ).fetchall()
        except psycopg.errors.SyntaxError as exc:
            raise StoreError(f"search failed: {exc}") from exc
        return [(row_to_item(r[:18]), Snippet.parse(_ellipsis(r[10], r[18] or ""))) for r in rows]

    def recent_item_titles(self, limit: int) -> list[str]:
        rows = self.conn.execute(
            "SELECT title FROM items WHERE title IS NOT NULL AND title != '' "
            "ORDER BY seq DESC LIMIT %s",
            (limit,),
        )
        return [r[0] for r in rows]

    # ------------------------------------------------------------------ ingest errors

    def record_ingest_error(self, origin: str, message: str, source: str | None = None) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO ingest_errors(origin, message, source, created_at) VALUES (%s, %s, %s, %s)",
                (origin, message[:2000], source, to_pg_time(utcnow())),
            )

    def list_ingest_errors(self, limit: int = 100) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT origin, message, source, created_at FROM ingest_errors ORDER BY id DESC LIMIT %s",
            (limit,),
        )
        return [
            {"origin": o, "message": m, "source": s, "created_at": iso(c)} for o, m, s, c in rows
        ]


def _ts_query(query: str) -> str:
    """User text as a safe tsquery: every word a required prefix term (``'w':* & ...``)."""
    words = [w for w in "".join(c if c.isalnum() else " " for c in query).split() if w]
    return " & ".join(f"'{w}':*" for w in words)


def _ellipsis(text: str, headline: str) -> str:
    """``…`` where the headline cut the text, as FTS5's ``snippet()`` marks it."""
    plain = headline.replace(MATCH_START, "").replace(MATCH_END, "")
    if not plain or plain == text:
        return headline
    at = text.find(plain)
    start = "" if at == 0 else "…"
    end = "" if at >= 0 and at + len(plain) == len(text) else "…"
    return f"{start}{headline}{end}"
