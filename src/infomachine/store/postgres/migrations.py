"""Ordered, named, append-only schema migrations for the PostgreSQL store.

The names are SQLite's (``store/sqlite/migrations.py``), one for one, so both
backends record the same ``schema_migrations``; the SQL is PostgreSQL's own:
``timestamptz`` times, ``jsonb`` JSON, ``bytea`` signatures, ``boolean``
flags, and full-text search as a generated ``tsvector`` column with a GIN
index in place of the FTS5 table.  A shipped migration is never edited: add
a new one at the end (here and in SQLite's list, same name).  Each runs in
its own transaction and is recorded in ``schema_migrations``.

Full-text search uses the text search configuration ``infomachine``: the
``simple`` parser and dictionary (lower-cased words, no stemming, no stop
words, as FTS5's ``unicode61``) behind ``unaccent`` (as ``remove_diacritics``).
``unaccent`` is a trusted extension, so the database owner can create it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg


def backfill_item_lsh(conn: psycopg.Connection[Any]) -> None:
    """Nothing to do: SQLite's 0032 fills ``item_lsh`` for signatures stored before
    0031; a PostgreSQL database had ``item_lsh`` from its first item (and
    ``copy-db`` copies a SQLite database migrated, band keys included).  Recorded
    under the same name so both backends list the same migrations."""


def storyline_rows(conn: psycopg.Connection[Any]) -> None:
    """The linker's item and URL maps move out of its JSON into the first row of their
    log (``store.events_sql``), so a save writes only what they gained."""
    from infomachine.store.events_sql import LINKER_KEY, linker_rows, log_key

    row = conn.execute("SELECT value FROM storyline_state WHERE key = %s", (LINKER_KEY,)).fetchone()
    if row is None:
        return
    value, log = linker_rows(row[0])
    conn.execute("UPDATE storyline_state SET value = %s WHERE key = %s", (value, LINKER_KEY))
    conn.execute("INSERT INTO storyline_state(key, value) VALUES (%s, %s)", (log_key(1), log))


MIGRATIONS: list[tuple[str, str | Callable[[psycopg.Connection[Any]], None]]] = [
    (
        "0001_items",
        """
        CREATE TABLE items (
            seq BIGSERIAL NOT NULL UNIQUE,  -- insertion order (SQLite's rowid)
            id TEXT PRIMARY KEY,
            url TEXT,
            canonical_url TEXT,
            guid TEXT,
            title TEXT NOT NULL DEFAULT '',
            author TEXT,
            publisher TEXT,
            published TIMESTAMPTZ,
            ingested_at TIMESTAMPTZ NOT NULL,
            language TEXT,
            text TEXT NOT NULL DEFAULT '',
            source TEXT,
            content_hash TEXT NOT NULL,
            duplicate_of TEXT,
            story_id TEXT,
            pinned BOOLEAN NOT NULL DEFAULT FALSE,
            metadata JSONB NOT NULL DEFAULT '{}'
        );
        CREATE INDEX items_canonical_url ON items(canonical_url);
        CREATE INDEX items_guid ON items(guid);
        CREATE INDEX items_content_hash ON items(content_hash);
        CREATE INDEX items_story ON items(story_id);
        CREATE INDEX items_published ON items((COALESCE(published, ingested_at)), seq);
        CREATE INDEX items_duplicate_of ON items(duplicate_of);
        CREATE INDEX items_source ON items(source);

        CREATE TABLE item_signatures (
            item_id TEXT PRIMARY KEY REFERENCES items(id),
            minhash BYTEA NOT NULL
        );

        CREATE TABLE ingest_errors (
            id BIGSERIAL PRIMARY KEY,
            origin TEXT NOT NULL,
            message TEXT NOT NULL,
            source TEXT,
            created_at TIMESTAMPTZ NOT NULL
        );
        """,
    ),
    (
        "0002_items_fts",
        """
        CREATE EXTENSION IF NOT EXISTS unaccent;
        CREATE TEXT SEARCH CONFIGURATION infomachine (COPY = simple);
        ALTER TEXT SEARCH CONFIGURATION infomachine
            ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple;
        ALTER TABLE items ADD COLUMN fts tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector('infomachine'::regconfig, title), 'A')
            || setweight(to_tsvector('infomachine'::regconfig, left(text, 400000)), 'D')
        ) STORED;
        CREATE INDEX items_fts ON items USING GIN (fts);
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
            created_at TIMESTAMPTZ NOT NULL,
            etag TEXT,
            last_modified TEXT,
            last_fetch TIMESTAMPTZ,
            last_status INTEGER,
            last_error TEXT,
            error_count INTEGER NOT NULL DEFAULT 0,
            next_poll TIMESTAMPTZ,
            interval INTEGER NOT NULL DEFAULT 3600,
            metadata JSONB NOT NULL DEFAULT '{}'
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
            created_at TIMESTAMPTZ NOT NULL,
            updated_at TIMESTAMPTZ NOT NULL,
            pinned BOOLEAN NOT NULL DEFAULT FALSE,
            merged_into TEXT,
            metadata JSONB NOT NULL DEFAULT '{}'
        );
        CREATE TABLE story_aliases (
            alias TEXT PRIMARY KEY,
            story_id TEXT NOT NULL
        );
        CREATE INDEX story_aliases_story ON story_aliases(story_id);
        """,
    ),
    (
        "0005_brief_versions",
        """
        CREATE TABLE brief_versions (
            story_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            generated_at TIMESTAMPTZ NOT NULL,
            item_count INTEGER NOT NULL,
            change_summary TEXT NOT NULL DEFAULT '',
            brief JSONB NOT NULL,
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
        );
        CREATE TABLE cluster_meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        -- centroid: a jsonb array of [term, weight] pairs, so the term order (and
        -- with it every floating-point sum over it) is SQLite's, bit for bit.
        CREATE TABLE cluster_stories (
            story_id TEXT PRIMARY KEY,
            n INTEGER NOT NULL,
            first_ts DOUBLE PRECISION NOT NULL,
            last_ts DOUBLE PRECISION NOT NULL,
            centroid JSONB NOT NULL,
            titles JSONB NOT NULL DEFAULT '[]',
            dense JSONB
        );
        CREATE INDEX cluster_stories_last ON cluster_stories(last_ts);
        CREATE TABLE cluster_seen (
            item_id TEXT PRIMARY KEY
        );
        """,
    ),
    (
        "0030_llm_calls",
        """
        CREATE TABLE llm_calls (
            id BIGSERIAL PRIMARY KEY,
            request_hash TEXT NOT NULL,
            model TEXT NOT NULL,
            prompt_tokens INTEGER NOT NULL DEFAULT 0,
            completion_tokens INTEGER NOT NULL DEFAULT 0,
            created_at TIMESTAMPTZ NOT NULL,
            response JSONB NOT NULL,
            story_id TEXT
        );
        CREATE INDEX llm_calls_hash ON llm_calls(request_hash, id);
        CREATE INDEX llm_calls_story ON llm_calls(story_id);
        """,
    ),
    (
        "0031_item_lsh",
        """
        CREATE TABLE item_lsh (
            band_key BIGINT NOT NULL,
            item_id TEXT NOT NULL
        );
        CREATE INDEX item_lsh_key ON item_lsh(band_key);
        """,
    ),
    ("0032_item_lsh_backfill", backfill_item_lsh),
    (
        # Workers (``infomachine worker``): leases with deadlines (a source polled,
        # a story synthesized, an outbox row published), who is alive, and the
        # outbox of brief versions to publish, written with the version itself.
        "0040_workers",
        """
        CREATE TABLE work_leases (
            kind TEXT NOT NULL,
            key TEXT NOT NULL,
            worker TEXT NOT NULL,
            deadline TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (kind, key)
        );
        CREATE TABLE workers (
            id TEXT PRIMARY KEY,
            host TEXT NOT NULL,
            pid INTEGER NOT NULL,
            started_at TIMESTAMPTZ NOT NULL,
            heartbeat TIMESTAMPTZ NOT NULL,
            doing TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE publish_outbox (
            id BIGSERIAL PRIMARY KEY,
            story_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            created_at TIMESTAMPTZ NOT NULL,
            webhook_sent_at TIMESTAMPTZ,
            site_done_at TIMESTAMPTZ,
            UNIQUE (story_id, version)
        );
        CREATE TABLE story_synced (
            story_id TEXT PRIMARY KEY,
            fingerprint TEXT NOT NULL,
            synced_at TIMESTAMPTZ NOT NULL
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
            created_at TIMESTAMPTZ NOT NULL,
            updated_at TIMESTAMPTZ NOT NULL,
            pinned BOOLEAN NOT NULL DEFAULT FALSE,
            merged_into TEXT,
            metadata JSONB NOT NULL DEFAULT '{}'
        );
        CREATE INDEX events_story ON events(story_id);
        CREATE TABLE event_aliases (
            alias TEXT PRIMARY KEY,
            event_id TEXT NOT NULL
        );
        CREATE INDEX event_aliases_event ON event_aliases(event_id);
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
