"""The default store: one SQLite file in WAL mode.

Core connection handling, migrations, items, sources and ingest errors live
here; stories and brief versions are in ``sqlite_stories`` and
``sqlite_briefs`` (mixins of the same class) to keep each file readable.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from infomachine.errors import MigrationError, NotFoundError, StoreError
from infomachine.models import Item, Source, utcnow
from infomachine.store.sqlite.briefs import BriefsMixin
from infomachine.store.sqlite.cluster import ClusterMixin
from infomachine.store.sqlite.llm import LLMCallsMixin
from infomachine.store.sqlite.migrations import MIGRATIONS
from infomachine.store.sqlite.stories import StoriesMixin

ITEM_COLUMNS = (
    "id, url, canonical_url, guid, title, author, publisher, published, ingested_at, "
    "language, text, source, content_hash, duplicate_of, story_id, pinned, metadata"
)
SOURCE_COLUMNS = (
    "id, kind, url, name, status, created_at, etag, last_modified, last_fetch, last_status, "
    "last_error, error_count, next_poll, interval, metadata"
)


def to_db_time(value: datetime | None) -> str | None:
    """Store times as sortable ISO-8601 UTC text."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="seconds")


def from_db_time(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value)


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
    )


def row_to_source(row: Sequence[Any]) -> Source:
    return Source(
        id=row[0],
        kind=row[1],
        url=row[2],
        name=row[3],
        status=row[4],
        created_at=from_db_time(row[5]) or utcnow(),
        etag=row[6],
        last_modified=row[7],
        last_fetch=from_db_time(row[8]),
        last_status=row[9],
        last_error=row[10],
        error_count=row[11],
        next_poll=from_db_time(row[12]),
        interval=row[13],
        metadata=json.loads(row[14] or "{}"),
    )


class SQLiteStore(StoriesMixin, BriefsMixin, LLMCallsMixin, ClusterMixin):
    """All persistent state in one SQLite file (WAL, one writer)."""

    backend = "sqlite"

    def __init__(self, path: str | Path, *, migrate: bool = True) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        self._depth = 0
        try:
            if self.path.parent and not self.path.parent.exists():
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(
                str(self.path), isolation_level=None, check_same_thread=False, timeout=30
            )
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute("PRAGMA foreign_keys=OFF")
            self.conn.execute("PRAGMA busy_timeout=30000")
            self.conn.execute("PRAGMA cache_size=-65536")  # 64 MiB page cache
            self.conn.execute("PRAGMA temp_store=MEMORY")
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot open database {self.path}: {exc}") from exc
        if migrate:
            self.migrate()

    # ------------------------------------------------------------------ core

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction.

        A nested call is a savepoint: if it fails, only its own writes are
        undone, so a caller that catches the error can go on with the outer
        transaction without committing half of the inner one.
        """
        with self._lock:
            self._depth += 1
            name = f"sp{self._depth}"
            outer = self._depth == 1
            try:
                self.conn.execute("BEGIN IMMEDIATE" if outer else f"SAVEPOINT {name}")
            except BaseException:
                self._depth -= 1
                raise
            try:
                yield self.conn
            except BaseException:
                self._depth -= 1
                if outer:
                    self.conn.execute("ROLLBACK")
                else:
                    self.conn.execute(f"ROLLBACK TO {name}")
                    self.conn.execute(f"RELEASE {name}")
                raise
            self._depth -= 1
            self.conn.execute("COMMIT" if outer else f"RELEASE {name}")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def applied_migrations(self) -> list[str]:
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        return [r[0] for r in self.conn.execute("SELECT name FROM schema_migrations ORDER BY name")]

    def migrate(self) -> list[str]:
        """Apply every migration not yet recorded; return the names applied."""
        try:
            done = set(self.applied_migrations())
        except sqlite3.DatabaseError as exc:
            raise MigrationError(f"{self.path} is not an infomachine database: {exc}") from exc
        known = {name for name, _ in MIGRATIONS}
        unknown = done - known
        if unknown:
            raise MigrationError(
                f"database has migrations this version does not know: {', '.join(sorted(unknown))}"
            )
        applied = []
        for name, sql in MIGRATIONS:
            if name in done:
                continue
            try:
                with self.transaction() as conn:
                    if callable(sql):
                        sql(conn)
                    else:
                        for statement in _split_sql(sql):
                            conn.execute(statement)
                    conn.execute(
                        "INSERT INTO schema_migrations(name, applied_at) VALUES (?, ?)",
                        (name, to_db_time(utcnow())),
                    )
            except sqlite3.Error as exc:
                raise MigrationError(f"migration {name} failed: {exc}") from exc
            applied.append(name)
        return applied

    # ------------------------------------------------------------------ items

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
                f"INSERT INTO items ({ITEM_COLUMNS}) VALUES ({','.join('?' * 17)})",
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

    def search(self, query: str, *, limit: int = 20) -> list[tuple[Item, str]]:
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
                (_MATCH_START, _MATCH_END, fts, limit),
            ).fetchall()
        except sqlite3.OperationalError as exc:
            raise StoreError(f"search failed: {exc}") from exc
        return [(row_to_item(r[:17]), Snippet.parse(r[17] or "")) for r in rows]

    # ------------------------------------------------------------------ errors

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

    # ------------------------------------------------------------------ sources

    def upsert_source(self, source: Source) -> Source:
        """Insert a source, or return the existing one with the same URL."""
        with self.transaction() as conn:
            row = conn.execute(
                f"SELECT {SOURCE_COLUMNS} FROM sources WHERE url = ?", (source.url,)
            ).fetchone()
            if row is not None:
                existing = row_to_source(row)
                if source.name and not existing.name:
                    conn.execute("UPDATE sources SET name = ? WHERE id = ?", (source.name, existing.id))
                    existing.name = source.name
                return existing
            conn.execute(
                f"INSERT INTO sources ({SOURCE_COLUMNS}) VALUES ({','.join('?' * 15)})",
                (
                    source.id,
                    source.kind,
                    source.url,
                    source.name,
                    source.status,
                    to_db_time(source.created_at),
                    source.etag,
                    source.last_modified,
                    to_db_time(source.last_fetch),
                    source.last_status,
                    source.last_error,
                    source.error_count,
                    to_db_time(source.next_poll),
                    source.interval,
                    json.dumps(source.metadata, ensure_ascii=False),
                ),
            )
        return source

    def update_source(self, source_id: str, **fields: Any) -> None:
        """Set columns of a source (times and metadata are converted)."""
        allowed = {c.strip() for c in SOURCE_COLUMNS.split(",")} - {"id"}
        sets, params = [], []
        for key, value in fields.items():
            if key not in allowed:
                raise StoreError(f"unknown source field {key!r}")
            if isinstance(value, datetime):
                value = to_db_time(value)
            elif key == "metadata":
                value = json.dumps(value, ensure_ascii=False)
            sets.append(f"{key} = ?")
            params.append(value)
        if not sets:
            return
        with self.transaction() as conn:
            cur = conn.execute(f"UPDATE sources SET {', '.join(sets)} WHERE id = ?", (*params, source_id))
            if cur.rowcount == 0:
                raise NotFoundError(f"no source {source_id!r}")

    def get_source(self, ref: str) -> Source:
        """A source by id, URL or name."""
        row = self.conn.execute(
            f"SELECT {SOURCE_COLUMNS} FROM sources WHERE id = ? OR url = ? OR name = ? LIMIT 1",
            (ref, ref, ref),
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no source {ref!r}")
        return row_to_source(row)

    def list_sources(self, kind: str | None = None) -> list[Source]:
        sql = f"SELECT {SOURCE_COLUMNS} FROM sources"
        params: tuple[Any, ...] = ()
        if kind:
            sql += " WHERE kind = ?"
            params = (kind,)
        sources = [row_to_source(r) for r in self.conn.execute(sql + " ORDER BY created_at, id", params)]
        counts = dict(
            self.conn.execute("SELECT source, COUNT(*) FROM items GROUP BY source").fetchall()
        )
        for s in sources:
            s.item_count = int(counts.get(s.id, 0))
        return sources

    def delete_source(self, source_id: str) -> None:
        with self.transaction() as conn:
            cur = conn.execute("DELETE FROM sources WHERE id = ?", (source_id,))
            if cur.rowcount == 0:
                raise NotFoundError(f"no source {source_id!r}")


def _split_sql(sql: str) -> list[str]:
    """Split a migration into statements, keeping trigger bodies whole."""
    statements, buf = [], []
    for line in sql.strip().splitlines():
        buf.append(line)
        joined = "\n".join(buf).strip()
        if joined.endswith(";") and sqlite3.complete_statement(joined):
            statements.append(joined)
            buf = []
    if "\n".join(buf).strip():
        statements.append("\n".join(buf).strip())
    return statements


# FTS5 marks the matched words of a snippet with these (STX/ETX); ``Snippet``
# turns them into [ ] and keeps where the matches are.
_MATCH_START, _MATCH_END = "\x02", "\x03"


class Snippet(str):
    """A search snippet: the text with matched words in ``[ ]`` (its value).

    ``parts`` is the same text as ``(text, matched)`` pairs, so a caller can mark
    the matches its own way, unambiguously even when the text has brackets of
    its own (``[1]``, ``[Update]``).
    """

    parts: tuple[tuple[str, bool], ...]

    def __new__(cls, parts: Iterable[tuple[str, bool]] = ()) -> Snippet:
        kept = tuple((text, matched) for text, matched in parts if text)
        self = super().__new__(cls, "".join(f"[{t}]" if m else t for t, m in kept))
        self.parts = kept
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (Snippet, (self.parts,))

    @classmethod
    def parse(cls, raw: str) -> Snippet:
        """From FTS5 output marked with ``_MATCH_START``/``_MATCH_END``; stray
        markers (control characters the item text itself contained) are dropped."""

        def clean(part: str) -> str:
            return part.replace(_MATCH_START, "").replace(_MATCH_END, "")

        parts: list[tuple[str, bool]] = []
        pos = 0
        while (start := raw.find(_MATCH_START, pos)) >= 0 and (end := raw.find(_MATCH_END, start)) >= 0:
            parts += [(clean(raw[pos:start]), False), (clean(raw[start + 1 : end]), True)]
            pos = end + 1
        parts.append((clean(raw[pos:]), False))
        return cls(parts)

    def marked(self, start: str, end: str) -> str:
        """The text with each match between ``start`` and ``end``."""
        return "".join(f"{start}{t}{end}" if m else t for t, m in self.parts)


def _fts_query(query: str) -> str:
    """Turn user text into a safe FTS5 query: each word a quoted prefix term."""
    words = [w for w in "".join(c if c.isalnum() else " " for c in query).split() if w]
    return " ".join(f'"{w}"*' for w in words)
