"""The PostgreSQL backend's core: the connection, transactions, migrations and
the error boundary (the same ``guard_public_methods`` as SQLite's, over
``psycopg.Error``).

Semantics kept from SQLite, so stages cannot tell the backends apart:

* ``transaction()`` is one write transaction; a nested call is a savepoint.
  The outer one takes a transaction-scoped advisory lock (``WRITE_LOCK``)
  first, so, as with SQLite's ``BEGIN IMMEDIATE``, there is one writer at a
  time across every process sharing the database, and a read-then-write
  (``find_existing`` then ``insert_item``, ``MAX(version) + 1``) cannot race.
  Readers never wait for it.  A connection that dies (a worker killed with
  ``kill -9``) loses its transaction and the lock with it.
* Outside ``transaction()`` the connection is in autocommit: every read sees
  what is committed now, and no session sits "idle in transaction".
* Times are ``timestamptz`` (session time zone UTC), stored to the second.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from infomachine.errors import BackendError, MigrationError, StoreError
from infomachine.models import utcnow
from infomachine.store.guard import make_guard

# What the driver raises: its own errors, and str encoding while binding.
BACKEND_ERRORS: tuple[type[Exception], ...] = (psycopg.Error, UnicodeEncodeError)

# pg_advisory_xact_lock key of the one-writer-at-a-time lock ("infomach" in ASCII).
WRITE_LOCK = 0x696E666F6D616368

guarded, guard_public_methods = make_guard(BACKEND_ERRORS)


def redact(url: str) -> str:
    """``url`` without its password (for messages)."""
    info = psycopg.conninfo.conninfo_to_dict(url)
    info.pop("password", None)
    host = info.get("host", "")
    port = f":{info['port']}" if info.get("port") else ""
    user = f"{info['user']}@" if info.get("user") else ""
    return f"postgresql://{user}{host}{port}/{info.get('dbname', '')}"


def to_pg_time(value: datetime | None) -> datetime | None:
    """A timezone-aware UTC time to the second (naive times are taken as UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).replace(microsecond=0)


def from_pg_time(value: datetime | None) -> datetime | None:
    return value.astimezone(UTC) if value is not None else None


def iso(value: datetime | None) -> str | None:
    """As SQLite returns times in dicts: ISO-8601 UTC text to the second."""
    return to_pg_time(value).isoformat(timespec="seconds") if value is not None else None  # type: ignore[union-attr]


def jsonb(value: Any) -> Jsonb:
    return Jsonb(value)


class PostgresCore:
    """Connection, transactions and migrations (base of ``PostgresStore``)."""

    backend = "postgres"

    # A connection found closed (the server restarted, the network dropped) is
    # replaced on next use, outside a transaction.  A worker turns this off: it
    # holds session advisory locks, which die with the connection, so it
    # reconnects itself (``reconnect``) once it has let go of its task.
    reconnect_on_use = True

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        self.url = url
        self.path = url  # what messages and the CLI show for "where the database is"
        self._lock = threading.RLock()
        self._depth = 0
        self._closed = False
        self._session: dict[str, str] = {}  # settings every new connection gets (set_session)
        try:
            self._conn = self._connect()
        except psycopg.Error as exc:
            raise StoreError(f"cannot open database {redact(url)}: {exc}".strip()) from exc
        if migrate:
            self.migrate()

    def _connect(self) -> psycopg.Connection[Any]:
        conn = psycopg.connect(self.url, autocommit=True, connect_timeout=10)
        try:
            conn.execute("SET TIME ZONE 'UTC'")
            for name, value in self._session.items():
                conn.execute("SELECT set_config(%s, %s, false)", (name, value))
        except BaseException:
            conn.close()
            raise
        return conn

    @property
    def conn(self) -> psycopg.Connection[Any]:
        """The connection (a new one if the last was lost, outside a transaction
        and unless ``reconnect_on_use`` is off)."""
        if self._conn.closed and self._depth == 0 and self.reconnect_on_use and not self._closed:
            with self._lock:
                if self._conn.closed and self._depth == 0:
                    self._conn = self._connect()
        return self._conn

    @property
    def connection_lost(self) -> bool:
        """Whether the connection is gone (the server restarted or is unreachable)."""
        return bool(self._conn.closed) and not self._closed

    def reconnect(self) -> None:
        """Replace the connection with a new one (``BackendError`` while the
        server is still unreachable).  Session state (advisory locks) is gone."""
        with self._lock:
            if self._depth:
                raise StoreError("cannot reconnect inside a transaction")
            old, self._conn = self._conn, self._connect()
            try:
                old.close()
            except psycopg.Error:
                pass

    def set_session(self, name: str, value: str) -> None:
        """A session setting (``application_name``) for this and every later connection."""
        self._session[name] = value
        self.conn.execute("SELECT set_config(%s, %s, false)", (name, value))

    def has_schema(self) -> bool:
        """Whether this database holds an infomachine schema (at least one migration
        recorded): read-only commands refuse an empty database instead of migrating it."""
        row = self.conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()
        if not row or not row[0]:
            return False
        return self.conn.execute("SELECT EXISTS (SELECT 1 FROM schema_migrations)").fetchone()[0]  # type: ignore[index]

    def pending_migrations(self) -> list[str]:
        """Migrations not yet applied, read without writing (a read replica can answer)."""
        from infomachine.store.postgres.migrations import MIGRATIONS

        if not self.has_schema():
            return [name for name, _ in MIGRATIONS]
        done = {r[0] for r in self.conn.execute("SELECT name FROM schema_migrations")}
        return [name for name, _ in MIGRATIONS if name not in done]

    def close(self) -> None:
        self._closed = True
        self._conn.close()

    def __enter__(self) -> PostgresCore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    @guarded
    def transaction(self) -> Iterator[psycopg.Connection[Any]]:
        """One write transaction (the writer lock taken first); nested: a savepoint.

        A failing inner block undoes only its own writes; a driver error inside,
        or from BEGIN/COMMIT/ROLLBACK, leaves as ``BackendError``.
        """
        with self._lock:
            if self._depth == 0:
                self.conn  # noqa: B018 - replaces a lost connection before BEGIN
            self._depth += 1
            name = f"sp{self._depth}"
            outer = self._depth == 1
            try:
                if outer:
                    self.conn.execute("BEGIN")
                    try:
                        self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
                    except BaseException:
                        self._rollback_quietly()
                        raise
                else:
                    self.conn.execute(f"SAVEPOINT {name}")
            except BaseException:
                self._depth -= 1
                raise
            try:
                yield self.conn
            except BaseException:
                self._depth -= 1
                if outer:
                    self._rollback_quietly()
                else:
                    self.conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
                    self.conn.execute(f"RELEASE SAVEPOINT {name}")
                raise
            self._depth -= 1
            if outer:
                try:
                    self.conn.execute("COMMIT")
                except BaseException:
                    self._rollback_quietly()
                    raise
            else:
                self.conn.execute(f"RELEASE SAVEPOINT {name}")

    def _rollback_quietly(self) -> None:
        try:
            self.conn.execute("ROLLBACK")
        except psycopg.Error:  # the connection is gone: so is the transaction
            pass

    def execute(self, sql: str, params: Sequence[Any] = ()) -> psycopg.Cursor[Any]:
        """Raw SQL (not in the ``Store`` contract: tests and benchmarks).

        ``?`` placeholders are accepted as SQLite writes them (``%s`` too)."""
        if "?" in sql and "%s" not in sql:
            sql = sql.replace("%", "%%").replace("?", "%s")
        return self.conn.execute(sql, tuple(params) if params else None)

    # The hooks of the SQL both backends share (``store/events_sql.py``): ``?`` placeholders.
    def _run(self, sql: str, params: Sequence[Any] = ()) -> psycopg.Cursor[Any]:
        return self.conn.execute(sql.replace("%", "%%").replace("?", "%s"), tuple(params) if params else None)

    def _time_in(self, value: datetime | None) -> datetime | None:
        return to_pg_time(value)

    def _time_out(self, value: datetime | None) -> datetime | None:
        return from_pg_time(value)

    def _json_in(self, value: Any) -> Jsonb:
        return jsonb(value)

    def _json_out(self, value: Any) -> dict[str, Any]:
        return dict(value or {})

    def _flag(self, value: bool) -> bool:
        return bool(value)

    def applied_migrations(self) -> list[str]:
        return self._applied_migrations()

    def _applied_migrations(self) -> list[str]:
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)"
        )
        return [r[0] for r in self.conn.execute("SELECT name FROM schema_migrations ORDER BY name")]

    def migrate(self) -> list[str]:
        """Apply every migration not yet recorded; return the names applied.

        Two processes migrating at once: the writer lock makes the second wait,
        and it then finds the migration recorded and skips it."""
        from infomachine.store.postgres.migrations import MIGRATIONS

        try:
            done = set(self._applied_migrations())
        except psycopg.Error as exc:
            raise MigrationError(f"{redact(self.url)} is not usable as an infomachine database: {exc}") from exc
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
                    if conn.execute("SELECT 1 FROM schema_migrations WHERE name = %s", (name,)).fetchone():
                        continue  # another process applied it while we waited for the lock
                    if callable(sql):
                        sql(conn)
                    else:
                        conn.execute(sql)
                    conn.execute(
                        "INSERT INTO schema_migrations(name, applied_at) VALUES (%s, %s)",
                        (name, to_pg_time(utcnow())),
                    )
            except BackendError as exc:
                raise MigrationError(f"migration {name} failed: {exc}") from exc.__cause__
            applied.append(name)
        return applied
