"""Ordered, named, append-only schema migrations for the SQLite store.

A shipped migration is never edited: add a new one at the end. Each is run
in its own transaction and recorded in ``schema_migrations``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable


def backfill_item_lsh(conn: sqlite3.Connection) -> None:
    """Band keys for signatures stored before the LSH index was persisted."""
    import numpy as np

    from infomachine.text.minhash import band_keys

    rows = conn.execute(
        "SELECT item_id, minhash FROM item_signatures "
        "WHERE item_id NOT IN (SELECT item_id FROM item_lsh)"
    ).fetchall()
    for item_id, raw in rows:
        conn.executemany(
            "INSERT INTO item_lsh(band_key, item_id) VALUES (?, ?)",
            [(key, item_id) for key in band_keys(np.frombuffer(raw, dtype=np.uint64))],
        )


def storyline_rows(conn: sqlite3.Connection) -> None:
    """The linker's item and URL maps move out of its JSON into the first row of their
    log (``store.events_sql``), so a save writes only what they gained."""
    from infomachine.store.events_sql import LINKER_KEY, linker_rows, log_key

    row = conn.execute("SELECT value FROM storyline_state WHERE key = ?", (LINKER_KEY,)).fetchone()
    if row is None:
        return
    value, log = linker_rows(row[0])
    conn.execute("UPDATE storyline_state SET value = ? WHERE key = ?", (value, LINKER_KEY))
    conn.execute("INSERT INTO storyline_state(key, value) VALUES (?, ?)", (log_key(1), log))


# Each migration is SQL, or a Python function run inside the migration's transaction.
MIGRATIONS: list[tuple[str, str | Callable[[sqlite3.Connection], None]]] = [
    (
        "0001_items",
        """
        CREATE TABLE items (
            id TEXT PRIMARY KEY,
            url TEXT,
            canonical_url TEXT,
            guid TEXT,
            title TEXT NOT NULL DEFAULT '',
            author TEXT,
            publisher TEXT,
            published TEXT,
            ingested_at TEXT NOT NULL,
            language TEXT,
            text TEXT NOT NULL DEFAULT '',
            source TEXT,
            content_hash TEXT NOT NULL,
            duplicate_of TEXT,
            story_id TEXT,
            pinned INTEGER NOT NULL DEFAULT 0,
            metadata TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX items_canonical_url ON items(canonical_url);
        CREATE INDEX items_guid ON items(guid);
        CREATE INDEX items_content_hash ON items(content_hash);
        CREATE INDEX items_story ON items(story_id);
        CREATE INDEX items_published ON items(published);
        CREATE INDEX items_duplicate_of ON items(duplicate_of);

        CREATE TABLE item_signatures (
            item_id TEXT PRIMARY KEY REFERENCES items(id),
            minhash BLOB NOT NULL
        );

        CREATE TABLE ingest_errors (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            origin TEXT NOT NULL,
            message TEXT NOT NULL,
            source TEXT,
            created_at TEXT NOT NULL
        );
        """,
    ),
    (
        "0002_items_fts",
        """
        CREATE VIRTUAL TABLE items_fts USING fts5(
            title, text, content='items', content_rowid='rowid',
            tokenize='unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER items_fts_ai AFTER INSERT ON items BEGIN
            INSERT INTO items_fts(rowid, title, text) VALUES (new.rowid, new.title, new.text);
        END;
        CREATE TRIGGER items_fts_ad AFTER DELETE ON items BEGIN
            INSERT INTO items_fts(items_fts, rowid, title, text)
                VALUES ('delete', old.rowid, old.title, old.text);
        END;
        CREATE TRIGGER items_fts_au AFTER UPDATE OF title, text ON items BEGIN
            INSERT INTO items_fts(items_fts, rowid, title, text)
                VALUES ('delete', old.rowid, old.title, old.text);
            INSERT INTO items_fts(rowid, title, text) VALUES (new.rowid, new.title, new.text);
        END;
        """,
    ),
    (
        "0003_sources",
        """
        CREATE TABLE sources (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            url TEXT NOT NULL UNIQUE,
            name TEXT,
            status TEXT NOT NULL DEFAULT 'active',
            created_at TEXT NOT NULL,
            etag TEXT,
            last_modified TEXT,
            last_fetch TEXT,
            last_status INTEGER,
            last_error TEXT,
            error_count INTEGER NOT NULL DEFAULT 0,
            next_poll TEXT,
            interval INTEGER NOT NULL DEFAULT 3600,
            metadata TEXT NOT NULL DEFAULT '{}'
        );
        """,
    ),
    (
        "0004_stories",
        """
        CREATE TABLE stories (
            id TEXT PRIMARY KEY,
            slug TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            pinned INTEGER NOT NULL DEFAULT 0,
            merged_into TEXT,
            metadata TEXT NOT NULL DEFAULT '{}'
        );
        CREATE TABLE story_aliases (
            alias TEXT PRIMARY KEY,
            story_id TEXT NOT NULL
        );
        """,
    ),
    (
        "0005_brief_versions",
        """
        CREATE TABLE brief_versions (
            story_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            generated_at TEXT NOT NULL,
            item_count INTEGER NOT NULL,
            change_summary TEXT NOT NULL DEFAULT '',
            brief TEXT NOT NULL,
            PRIMARY KEY (story_id, version)
        );
        """,
    ),
    (
        "0010_cluster_state",
        """
        CREATE TABLE cluster_df (
            term TEXT PRIMARY KEY,
            df INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE cluster_meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        CREATE TABLE cluster_stories (
            story_id TEXT PRIMARY KEY,
            n INTEGER NOT NULL,
            first_ts REAL NOT NULL,
            last_ts REAL NOT NULL,
            centroid TEXT NOT NULL,
            titles TEXT NOT NULL DEFAULT '[]',
            dense TEXT
        );
        CREATE INDEX cluster_stories_last ON cluster_stories(last_ts);
        CREATE TABLE cluster_seen (
            item_id TEXT PRIMARY KEY
        ) WITHOUT ROWID;
        """,
    ),
    (
        "0030_llm_calls",
        """
        CREATE TABLE llm_calls (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            request_hash TEXT NOT NULL,
            model TEXT NOT NULL,
            prompt_tokens INTEGER NOT NULL DEFAULT 0,
            completion_tokens INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            response TEXT NOT NULL,
            story_id TEXT
        );
        CREATE INDEX llm_calls_hash ON llm_calls(request_hash);
        CREATE INDEX llm_calls_story ON llm_calls(story_id);
        """,
    ),
    (
        "0031_item_lsh",
        """
        CREATE TABLE item_lsh (
            band_key INTEGER NOT NULL,
            item_id TEXT NOT NULL
        );
        CREATE INDEX item_lsh_key ON item_lsh(band_key);
        """,
    ),
    ("0032_item_lsh_backfill", backfill_item_lsh),
    (
        # Workers (``infomachine worker``, PostgreSQL only) keep their leases and
        # outbox here; the same tables exist in SQLite so both schemas match.
        "0040_workers",
        """
        CREATE TABLE work_leases (
            kind TEXT NOT NULL,
            key TEXT NOT NULL,
            worker TEXT NOT NULL,
            deadline TEXT NOT NULL,
            PRIMARY KEY (kind, key)
        );
        CREATE TABLE workers (
            id TEXT PRIMARY KEY,
            host TEXT NOT NULL,
            pid INTEGER NOT NULL,
            started_at TEXT NOT NULL,
            heartbeat TEXT NOT NULL,
            doing TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE publish_outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            story_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            webhook_sent_at TEXT,
            site_done_at TEXT,
            UNIQUE (story_id, version)
        );
        CREATE TABLE story_synced (
            story_id TEXT PRIMARY KEY,
            fingerprint TEXT NOT NULL,
            synced_at TEXT NOT NULL
        );
        """,
    ),
    (
        # Two levels: what the clusterer makes are events; stories are storylines of
        # events.  A story of an older database was one event: it becomes an event
        # (same id, slug and aliases) of its own story.
        "0060_events",
        """
        CREATE TABLE events (
            id TEXT PRIMARY KEY,
            slug TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL,
            story_id TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            pinned INTEGER NOT NULL DEFAULT 0,
            merged_into TEXT,
            metadata TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX events_story ON events(story_id);
        CREATE TABLE event_aliases (
            alias TEXT PRIMARY KEY,
            event_id TEXT NOT NULL
        );
        CREATE TABLE storyline_state (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        ALTER TABLE items ADD COLUMN event_id TEXT;
        CREATE INDEX items_event ON items(event_id);
        INSERT INTO events (id, slug, title, story_id, created_at, updated_at, pinned, merged_into, metadata)
            SELECT id, slug, title, id, created_at, updated_at, pinned, NULL, '{}'
            FROM stories WHERE merged_into IS NULL
            AND id IN (SELECT story_id FROM cluster_stories);
        INSERT INTO event_aliases (alias, event_id)
            SELECT a.alias, a.story_id FROM story_aliases a JOIN events e ON e.id = a.story_id;
        UPDATE items SET event_id = story_id
            WHERE story_id IN (SELECT id FROM events) AND id IN (SELECT item_id FROM cluster_seen);
        """,
    ),
    ("0070_storyline_rows", storyline_rows),
]
