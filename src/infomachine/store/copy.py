"""Copy a whole database between backends (SQLite to PostgreSQL and back).

``copy_database(source, target)`` copies every table the engine keeps:
items (in insertion order, so ``list_items`` and ``recent_item_titles`` keep
theirs), their MinHash signatures and LSH band keys, ingest errors, sources,
stories, events, aliases, brief versions, the clustering and storyline state and the LLM call log,
in one transaction of the target.  Then it reads both databases again and
compares, per table, the row count and a checksum of the rows in a canonical
form that does not depend on the backend: times as ISO-8601 UTC text to the
second, JSON as sorted-key JSON, flags as 0/1, bytes as hex, a centroid as
its ``[term, weight]`` pairs in order.  Any difference is a ``StoreError``
(and the copy is already committed: copy into an empty database you can drop).

A target holding any row is refused unless ``force``, which empties it first.
What a worker leases are not copied (they describe running processes).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from infomachine.errors import StoreError
from infomachine.store.base import Store

# (table, columns, order of export); the order makes ids and insertion order survive.
TABLES: list[tuple[str, tuple[str, ...], str]] = [
    ("items", ("id", "url", "canonical_url", "guid", "title", "author", "publisher", "published",
               "ingested_at", "language", "text", "source", "content_hash", "duplicate_of",
               "story_id", "pinned", "metadata", "event_id"), "{order}"),
    ("item_signatures", ("item_id", "minhash"), "item_id"),
    ("item_lsh", ("band_key", "item_id"), "item_id, band_key"),
    ("ingest_errors", ("id", "origin", "message", "source", "created_at"), "id"),
    ("sources", ("id", "kind", "url", "name", "status", "created_at", "etag", "last_modified",
                 "last_fetch", "last_status", "last_error", "error_count", "next_poll", "interval",
                 "metadata"), "id"),
    ("stories", ("id", "slug", "title", "created_at", "updated_at", "pinned", "merged_into",
                 "metadata"), "id"),
    ("story_aliases", ("alias", "story_id"), "alias"),
    ("events", ("id", "slug", "title", "story_id", "created_at", "updated_at", "pinned", "merged_into",
                "metadata"), "id"),
    ("event_aliases", ("alias", "event_id"), "alias"),
    ("storyline_state", ("key", "value"), "key"),
    ("brief_versions", ("story_id", "version", "generated_at", "item_count", "change_summary",
                        "brief"), "story_id, version"),
    ("cluster_df", ("term", "df"), "term"),
    ("cluster_meta", ("key", "value"), "key"),
    ("cluster_stories", ("story_id", "n", "first_ts", "last_ts", "centroid", "titles", "dense"),
     "story_id"),
    ("cluster_seen", ("item_id",), "item_id"),
    ("llm_calls", ("id", "request_hash", "model", "prompt_tokens", "completion_tokens",
                   "created_at", "response", "story_id"), "id"),
]
TIMES = {"published", "ingested_at", "created_at", "last_fetch", "next_poll", "updated_at",
         "generated_at"}
JSON = {"metadata", "brief", "titles", "dense", "response"}
FLAGS = {"pinned"}
SERIALS = {"ingest_errors": "id", "llm_calls": "id"}
BATCH = 2000


@dataclass
class TableCopy:
    table: str
    rows: int
    checksum: str
    verified: bool = False


@dataclass
class CopyReport:
    tables: list[TableCopy] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)

    def as_dict(self) -> dict[str, Any]:
        return {
            "tables": [t.__dict__ for t in self.tables],
            "rows": self.rows,
            "verified": all(t.verified for t in self.tables),
            "seconds": self.seconds,
        }


def _backend(store: Store) -> str:
    return str(getattr(store, "backend", ""))


def _time_text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return str(value.astimezone(UTC).replace(microsecond=0).isoformat(timespec="seconds"))


# ---------------------------------------------------------------------- reading


def export_rows(store: Store, table: str) -> Iterator[dict[str, Any]]:
    """Every row of ``table`` in canonical form (see the module doc)."""
    _, columns, order = next(t for t in TABLES if t[0] == table)
    backend = _backend(store)
    conn: Any = store.conn  # type: ignore[attr-defined]
    if backend == "sqlite":
        order = order.format(order="rowid")
        cols = ", ".join(columns)
    elif backend == "postgres":
        order = order.format(order="seq")
        cols = ", ".join(f"{c}::text" if c == "brief" else c for c in columns)
    else:
        raise StoreError(f"copy-db does not know the {backend or type(store).__name__} backend")
    cur = conn.execute(f"SELECT {cols} FROM {table} ORDER BY {order}")
    while True:
        rows = cur.fetchmany(BATCH)
        if not rows:
            break
        for row in rows:
            yield _canonical(backend, table, dict(zip(columns, row, strict=True)))


def _canonical(backend: str, table: str, row: dict[str, Any]) -> dict[str, Any]:
    for col, value in row.items():
        if col in TIMES:
            row[col] = _time_text(value)
        elif col in FLAGS:
            row[col] = int(bool(value))
        elif col == "minhash":
            row[col] = bytes(value)
        elif col == "centroid":
            if backend == "sqlite":
                row[col] = [list(p) for p in json.loads(value).items()]
            else:
                row[col] = value
        elif col in JSON and value is not None and (backend == "sqlite" or col == "brief"):
            row[col] = json.loads(value)
    return row


def _digest(row: dict[str, Any]) -> bytes:
    text = json.dumps(row, sort_keys=True, ensure_ascii=False, default=_hex)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


def _hex(value: Any) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    raise TypeError(f"cannot checksum {type(value).__name__}")


def table_checksum(store: Store, table: str) -> tuple[int, str]:
    """``(rows, sha256)`` of a table's canonical rows, whatever their order."""
    digests = sorted(_digest(r) for r in export_rows(store, table))
    total = hashlib.sha256()
    for d in digests:
        total.update(d)
    return len(digests), total.hexdigest()


def row_counts(store: Store) -> dict[str, int]:
    conn: Any = store.conn  # type: ignore[attr-defined]
    return {t: int(conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]) for t, _, _ in TABLES}


# ---------------------------------------------------------------------- writing


def _sqlite_value(col: str, value: Any) -> Any:
    if col == "centroid":
        return json.dumps(dict(value), ensure_ascii=False)
    if col in JSON and value is not None:
        return json.dumps(value, ensure_ascii=False)
    return value


def _postgres_value(col: str, value: Any) -> Any:
    from infomachine.store.postgres.core import jsonb

    if col in TIMES:
        return datetime.fromisoformat(value) if value else None
    if col in FLAGS:
        return bool(value)
    if col == "centroid" or (col in JSON and value is not None):
        return jsonb(value)
    return value


def _insert(store: Store, conn: Any, table: str, rows: Iterator[dict[str, Any]]) -> None:
    _, columns, _ = next(t for t in TABLES if t[0] == table)
    if _backend(store) == "sqlite":
        convert: Callable[[str, Any], Any] = _sqlite_value
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        run = conn.executemany
    else:
        convert = _postgres_value
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
        run = conn.cursor().executemany
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(tuple(convert(c, row[c]) for c in columns))
        if len(batch) >= BATCH:
            run(sql, batch)
            batch = []
    if batch:
        run(sql, batch)
    if _backend(store) == "postgres" and table in SERIALS:
        col = SERIALS[table]
        conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', '{col}'), "
            f"COALESCE((SELECT MAX({col}) FROM {table}), 0) + 1, false)"
        )


def copy_database(
    source: Store, target: Store, *, force: bool = False,
    on_table: Callable[[str, int], Any] | None = None,
) -> CopyReport:
    """Copy every table of ``source`` into ``target`` and verify (module doc)."""
    import time

    started = time.perf_counter()
    counts = row_counts(target)
    if any(counts.values()) and not force:
        held = ", ".join(f"{t} ({n})" for t, n in counts.items() if n)
        raise StoreError(f"the target database is not empty: {held}; use --force to replace its contents")
    report = CopyReport()
    with target.transaction() as tx:
        conn: Any = tx
        for table, _, _ in reversed(TABLES):
            if counts[table]:
                conn.execute(f"DELETE FROM {table}")
        if _backend(target) == "sqlite":
            conn.execute("DELETE FROM sqlite_sequence WHERE name IN ('ingest_errors', 'llm_calls')")
        for table, _, _ in TABLES:
            _insert(target, conn, table, export_rows(source, table))
    for table, _, _ in TABLES:
        n_src, sum_src = table_checksum(source, table)
        n_dst, sum_dst = table_checksum(target, table)
        if (n_src, sum_src) != (n_dst, sum_dst):
            raise StoreError(
                f"copy of {table} differs: {n_src} rows (sha256 {sum_src[:12]}) in the source, "
                f"{n_dst} rows (sha256 {sum_dst[:12]}) in the target"
            )
        report.tables.append(TableCopy(table, n_src, sum_src, verified=True))
        if on_table:
            on_table(table, n_src)
    report.seconds = round(time.perf_counter() - started, 3)
    return report
