"""The work queue workers share (``infomachine worker``), on PostgreSQL.

Not part of the ``Store`` contract: only PostgreSQL lets processes on many
machines take work from one database.  Everything here is rows and locks:

* ``work_leases(kind, key, worker, deadline)``: a source being polled
  (``source``), a story being synthesized (``story``), an outbox row being
  published (``outbox``).  Due sources are claimed with ``SELECT ... FOR
  UPDATE SKIP LOCKED``; a lease is valid until its deadline, after which any
  worker may take it over (the one that held it was killed, or is too slow).
  A worker's result is kept only if it still holds its lease when it writes
  (``holds``, checked in the same transaction as the write).
* Session advisory locks: one worker at a time clusters (``CLUSTER_LOCK``)
  and one exports the site (``SITE_LOCK``).  PostgreSQL drops them with the
  connection, so a worker killed with ``kill -9`` holds nothing.
* ``publish_outbox``: each brief version a worker writes, in the same
  transaction as the version; webhooks and the site are published from it,
  so none is lost when a worker dies between writing and publishing.
* ``story_synced``: the set of items (a fingerprint) each story was last
  synthesized from, so only stories whose items changed are synthesized.
* ``workers``: who is alive (a heartbeat) and what each is doing.

While a worker lives, a keeper thread (its own connection) pushes the
deadlines of all its leases forward every third of ``lease_seconds``, so a
long task (a slow feed, a synthesis of many LLM calls) keeps its lease; a
killed worker's keeper dies with it and its leases run out.
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
from datetime import datetime, timedelta
from typing import Any

from infomachine.models import Source, Story, utcnow
from infomachine.store.postgres.core import (
    WRITE_LOCK,
    guard_public_methods,
    guarded,
    iso,
    to_pg_time,
)
from infomachine.store.postgres.store import PostgresStore
from infomachine.store.sources_sql import SOURCE_COLUMNS

CLUSTER_LOCK = WRITE_LOCK + 1
SITE_LOCK = WRITE_LOCK + 2
LOCK_NAMES = {CLUSTER_LOCK: "clustering", SITE_LOCK: "site export", WRITE_LOCK: "writing"}
POLLED_KINDS = ["feed", "page", "query"]

# The items of every story, as one fingerprint per story.
FINGERPRINTS = (
    "SELECT i.story_id, md5(string_agg(i.id, ',' ORDER BY i.id)) FROM items i "
    "JOIN stories s ON s.id = i.story_id AND s.merged_into IS NULL GROUP BY i.story_id"
)


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(2)}"


@guard_public_methods
class WorkQueue:
    """One worker's view of the shared work (its own connection: ``store``).

    Every public method leaves a driver error as ``BackendError``, as the store's do."""

    def __init__(self, store: PostgresStore, worker_id: str | None = None, *,
                 lease_seconds: float = 300.0) -> None:
        self.store = store
        self.id = worker_id or new_worker_id()
        self.lease = timedelta(seconds=lease_seconds)
        self._keeper: threading.Thread | None = None
        self._stop_keeper = threading.Event()
        store.set_session("application_name", f"infomachine worker {self.id}"[:63])

    @property
    def conn(self) -> Any:
        return self.store.conn

    # ------------------------------------------------------------------ workers

    def start_keeper(self) -> None:
        """Renew this worker's leases (and heartbeat) in the background."""
        self._stop_keeper = threading.Event()
        self._keeper = threading.Thread(target=self._keep, name="lease-keeper", daemon=True)
        self._keeper.start()

    def stop_keeper(self) -> None:
        if self._keeper is not None:
            self._stop_keeper.set()
            self._keeper.join(timeout=10)
            self._keeper = None

    def _keep(self) -> None:
        import psycopg

        every = max(0.2, self.lease.total_seconds() / 3)
        conn: psycopg.Connection[Any] | None = None
        try:
            while not self._stop_keeper.wait(every):
                now = utcnow()
                try:
                    if conn is None or conn.closed:  # first round, or the server restarted
                        conn = psycopg.connect(self.store.url, autocommit=True, connect_timeout=5)
                    conn.execute("UPDATE work_leases SET deadline = %s WHERE worker = %s AND deadline > %s",
                                 (self._deadline(now), self.id, to_pg_time(now)))
                    conn.execute("UPDATE workers SET heartbeat = %s WHERE id = %s",
                                 (to_pg_time(now), self.id))
                except psycopg.Error:
                    continue  # the next round tries again; leases run out if it keeps failing
        finally:
            if conn is not None:
                conn.close()

    def register(self) -> None:
        now = to_pg_time(utcnow())
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT INTO workers(id, host, pid, started_at, heartbeat, doing) "
                "VALUES (%s, %s, %s, %s, %s, 'starting') ON CONFLICT (id) DO UPDATE SET heartbeat = excluded.heartbeat",
                (self.id, socket.gethostname(), os.getpid(), now, now),
            )

    def release_all(self) -> None:
        """Let go of every lease this worker holds (after a lost connection: it
        holds no task any more, and need not wait for its own leases to run out)."""
        with self.store.transaction() as conn:
            conn.execute("DELETE FROM work_leases WHERE worker = %s", (self.id,))

    def heartbeat(self, doing: str) -> None:
        with self.store.transaction() as conn:
            conn.execute("UPDATE workers SET heartbeat = %s, doing = %s WHERE id = %s",
                         (to_pg_time(utcnow()), doing[:200], self.id))

    def unregister(self) -> None:
        with self.store.transaction() as conn:
            conn.execute("DELETE FROM work_leases WHERE worker = %s", (self.id,))
            conn.execute("DELETE FROM workers WHERE id = %s", (self.id,))

    # ------------------------------------------------------------------ leases

    def _deadline(self, now: datetime | None = None) -> datetime:
        return to_pg_time((now or utcnow()) + self.lease)  # type: ignore[return-value]

    def claim_sources(self, now: datetime, limit: int) -> list[Source]:
        """Lease up to ``limit`` due sources no live lease holds (oldest due first)."""
        with self.store.transaction() as conn:
            keys = [r[0] for r in conn.execute(
                "WITH due AS (SELECT s.id FROM sources s WHERE s.status = 'active' "
                "AND s.kind = ANY(%(kinds)s) AND (s.next_poll IS NULL OR s.next_poll <= %(now)s) "
                "AND NOT EXISTS (SELECT 1 FROM work_leases l WHERE l.kind = 'source' "
                "AND l.key = s.id AND l.deadline > %(now)s) "
                "ORDER BY s.next_poll NULLS FIRST, s.id LIMIT %(limit)s FOR UPDATE OF s SKIP LOCKED) "
                "INSERT INTO work_leases(kind, key, worker, deadline) "
                "SELECT 'source', id, %(me)s, %(deadline)s FROM due "
                "ON CONFLICT (kind, key) DO UPDATE SET worker = excluded.worker, deadline = excluded.deadline "
                "RETURNING key",
                {"kinds": POLLED_KINDS, "now": to_pg_time(now), "limit": limit, "me": self.id,
                 "deadline": self._deadline(now)},
            )]
            if not keys:
                return []
            rows = conn.execute(
                f"SELECT {SOURCE_COLUMNS} FROM sources WHERE id = ANY(%s) ORDER BY next_poll NULLS FIRST, id",
                (keys,),
            ).fetchall()
        return [self.store._row_to_source(r) for r in rows]

    def claim(self, kind: str, key: str) -> bool:
        """Lease ``kind``/``key`` unless another worker's lease is still valid."""
        now = to_pg_time(utcnow())
        with self.store.transaction() as conn:
            row = conn.execute(
                "INSERT INTO work_leases(kind, key, worker, deadline) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (kind, key) DO UPDATE SET worker = excluded.worker, deadline = excluded.deadline "
                "WHERE work_leases.deadline <= %s OR work_leases.worker = excluded.worker RETURNING key",
                (kind, key, self.id, self._deadline(), now),
            ).fetchone()
        return row is not None

    def holds(self, kind: str, key: str) -> bool:
        """Whether this worker's lease is still valid (call inside the write's transaction)."""
        return self.conn.execute(
            "SELECT 1 FROM work_leases WHERE kind = %s AND key = %s AND worker = %s AND deadline > %s",
            (kind, key, self.id, to_pg_time(utcnow())),
        ).fetchone() is not None

    def release(self, kind: str, keys: list[str]) -> None:
        if not keys:
            return
        with self.store.transaction() as conn:
            conn.execute("DELETE FROM work_leases WHERE kind = %s AND key = ANY(%s) AND worker = %s",
                         (kind, keys, self.id))

    def expire(self) -> int:
        """Forget leases past their deadline (their holder died or gave up)."""
        with self.store.transaction() as conn:
            cur = conn.execute("DELETE FROM work_leases WHERE deadline <= %s", (to_pg_time(utcnow()),))
            conn.execute("DELETE FROM workers WHERE heartbeat < %s", (to_pg_time(utcnow() - 3 * self.lease),))
        return cur.rowcount

    # ------------------------------------------------------------------ advisory locks

    def try_lock(self, key: int) -> bool:
        row = self.conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()
        return bool(row and row[0])

    def unlock(self, key: int) -> None:
        self.conn.execute("SELECT pg_advisory_unlock(%s)", (key,))

    # ------------------------------------------------------------------ synthesis

    def stories_to_synthesize(self) -> list[tuple[Story, str]]:
        """Stories (not merged, with items) whose items changed since they were
        last synthesized, with their fingerprint; leased ones are left out."""
        now = to_pg_time(utcnow())
        synced: dict[str, str] = dict(self.conn.execute("SELECT story_id, fingerprint FROM story_synced").fetchall())
        leased = {r[0] for r in self.conn.execute(
            "SELECT key FROM work_leases WHERE kind = 'story' AND deadline > %s AND worker != %s",
            (now, self.id))}
        todo = [(sid, fp) for sid, fp in self.conn.execute(FINGERPRINTS).fetchall()
                if synced.get(sid) != fp and sid not in leased]
        out = []
        for sid, fp in sorted(todo):
            try:
                out.append((self.store.get_story(sid), fp))
            except Exception:  # noqa: BLE001 - merged or removed meanwhile
                continue
        return out

    def fingerprint(self, story_id: str) -> str | None:
        row = self.conn.execute(
            "SELECT md5(string_agg(id, ',' ORDER BY id)) FROM items WHERE story_id = %s", (story_id,)
        ).fetchone()
        return row[0] if row else None

    def synced_fingerprint(self, story_id: str) -> str | None:
        row = self.conn.execute("SELECT fingerprint FROM story_synced WHERE story_id = %s", (story_id,)).fetchone()
        return str(row[0]) if row else None

    def mark_synced(self, story_id: str, fingerprint: str) -> None:
        self.conn.execute(
            "INSERT INTO story_synced(story_id, fingerprint, synced_at) VALUES (%s, %s, %s) "
            "ON CONFLICT (story_id) DO UPDATE SET fingerprint = excluded.fingerprint, synced_at = excluded.synced_at",
            (story_id, fingerprint, to_pg_time(utcnow())),
        )

    def add_to_outbox(self, story_id: str, version: int, *, webhook: bool) -> None:
        now = to_pg_time(utcnow())
        self.conn.execute(
            "INSERT INTO publish_outbox(story_id, version, created_at, webhook_sent_at) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT (story_id, version) DO NOTHING",
            (story_id, version, now, None if webhook else now),
        )

    # ------------------------------------------------------------------ publishing

    def webhooks_due(self, limit: int = 50) -> list[tuple[int, str, int]]:
        """Outbox rows whose webhook is unsent and unleased: ``(id, story_id, version)``."""
        now = to_pg_time(utcnow())
        return [(int(r[0]), str(r[1]), int(r[2])) for r in self.conn.execute(
            "SELECT o.id, o.story_id, o.version FROM publish_outbox o WHERE o.webhook_sent_at IS NULL "
            "AND NOT EXISTS (SELECT 1 FROM work_leases l WHERE l.kind = 'outbox' "
            "AND l.key = o.id::text AND l.deadline > %s) ORDER BY o.id LIMIT %s", (now, limit))]

    def claim_webhook(self, outbox_id: int) -> bool:
        """Lease an outbox row's webhook if it is still unsent.  Without the check, a
        worker that listed the row as due just before another sent it and dropped its
        lease would claim it again and send it twice; the row lock orders the check
        after the other worker's commit."""
        with self.store.transaction() as conn:
            unsent = conn.execute(
                "SELECT 1 FROM publish_outbox WHERE id = %s AND webhook_sent_at IS NULL FOR UPDATE",
                (outbox_id,)).fetchone()
            return unsent is not None and self.claim("outbox", str(outbox_id))

    def mark_webhook_sent(self, outbox_id: int) -> bool:
        """Record the webhook as sent (if this worker still holds the row's lease)."""
        with self.store.transaction() as conn:
            if not self.holds("outbox", str(outbox_id)):
                return False
            conn.execute("UPDATE publish_outbox SET webhook_sent_at = %s WHERE id = %s",
                         (to_pg_time(utcnow()), outbox_id))
            conn.execute("DELETE FROM work_leases WHERE kind = 'outbox' AND key = %s", (str(outbox_id),))
        return True

    def site_due(self) -> list[tuple[int, str]]:
        return [(r[0], r[1]) for r in self.conn.execute(
            "SELECT id, story_id FROM publish_outbox WHERE site_done_at IS NULL ORDER BY id")]

    def mark_site_done(self, ids: list[int]) -> None:
        with self.store.transaction() as conn:
            conn.execute("UPDATE publish_outbox SET site_done_at = %s WHERE id = ANY(%s)",
                         (to_pg_time(utcnow()), ids))

    # ------------------------------------------------------------------ status

    def status(self) -> dict[str, Any]:
        return work_status(self.store)


@guarded
def work_status(store: PostgresStore) -> dict[str, Any]:
    """Workers, the leases they hold and the advisory locks (who clusters)."""
    conn = store.conn
    now = to_pg_time(utcnow())
    workers = [
        {"id": w, "host": h, "pid": p, "started_at": iso(s), "heartbeat": iso(b), "doing": d}
        for w, h, p, s, b, d in conn.execute(
            "SELECT id, host, pid, started_at, heartbeat, doing FROM workers ORDER BY started_at, id")
    ]
    leases = [
        {"kind": k, "key": key, "worker": w, "deadline": iso(d), "expired": d <= now}
        for k, key, w, d in conn.execute(
            "SELECT kind, key, worker, deadline FROM work_leases ORDER BY kind, key")
    ]
    locks = [
        {"lock": LOCK_NAMES.get(int(key), str(key)), "holder": app.removeprefix("infomachine worker "),
         "pid": pid}
        for key, app, pid in conn.execute(
            "SELECT (l.classid::bigint << 32) | l.objid::bigint, a.application_name, a.pid "
            "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND ((l.classid::bigint << 32) | l.objid::bigint) = ANY(%s)",
            ([CLUSTER_LOCK, SITE_LOCK],))
    ]
    outbox = conn.execute(
        "SELECT COUNT(*) FILTER (WHERE webhook_sent_at IS NULL), COUNT(*) FILTER (WHERE site_done_at IS NULL) "
        "FROM publish_outbox").fetchone() or (0, 0)
    return {"workers": workers, "leases": leases, "locks": locks,
            "outbox": {"webhooks_pending": int(outbox[0]), "site_pending": int(outbox[1])}}
