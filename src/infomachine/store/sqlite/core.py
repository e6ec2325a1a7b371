"""The SQLite backend's core: the connection, transactions, migrations, and
the error boundary every ``SQLiteStore`` method goes through.

Error boundary: ``guard_public_methods`` (applied to ``SQLiteStore``) wraps
every public method of the class and its mixins, so a ``sqlite3.Error`` (or a
``UnicodeEncodeError`` from binding a string SQLite cannot store, such as a
lone surrogate) leaves the store as ``BackendError``, a ``StoreError`` with
the driver's message and the driver's exception as ``__cause__``.
``transaction()`` is guarded as the generator it is, so a failing
BEGIN/COMMIT/ROLLBACK, or a driver error in the block it wraps, leaves the
same way.  Method bodies and private helpers still see the raw ``sqlite3``
exceptions, so a method can catch one to say something more specific
(``migrate``, ``search``).  Nothing outside ``store/`` needs to know the driver."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from infomachine.errors import BackendError, MigrationError, StoreError
from infomachine.models import utcnow
from infomachine.store.guard import make_guard
from infomachine.store.sqlite.migrations import MIGRATIONS

# What the driver raises: its own errors, and str encoding while binding.
BACKEND_ERRORS: tuple[type[Exception], ...] = (sqlite3.Error, UnicodeEncodeError)

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


# ``guarded(fn)``: a driver error leaves ``fn`` as ``BackendError`` (see ``store/guard.py``);
# ``guard_public_methods``: the same for every public method of a class.
guarded, guard_public_methods = make_guard(BACKEND_ERRORS)


class SQLiteCore:
    """Connection, transactions and migrations (base of ``SQLiteStore``)."""

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

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> SQLiteCore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    @guarded
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction.

        A nested call is a savepoint: if it fails, only its own writes are
        undone, so a caller that catches the error can go on with the outer
        transaction without committing half of the inner one.  A driver error
        raised inside, or by BEGIN/COMMIT/ROLLBACK, leaves as ``BackendError``.
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
        """Raw SQL (SQLite only, not in the ``Store`` contract: tests and benchmarks)."""
        return self.conn.execute(sql, params)

    # The hooks of the SQL both backends share (``store/events_sql.py``).
    def _run(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def _time_in(self, value: datetime | None) -> str | None:
        return to_db_time(value)

    def _time_out(self, value: str | None) -> datetime | None:
        return from_db_time(value)

    def _json_in(self, value: Any) -> str:
        return json.dumps(value, ensure_ascii=False)

    def _json_out(self, value: str | None) -> dict[str, Any]:
        out: dict[str, Any] = json.loads(value or "{}")
        return out

    def _flag(self, value: bool) -> int:
        return int(bool(value))

    def applied_migrations(self) -> list[str]:
        return self._applied_migrations()

    def _applied_migrations(self) -> list[str]:
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        return [r[0] for r in self.conn.execute("SELECT name FROM schema_migrations ORDER BY name")]

    def migrate(self) -> list[str]:
        """Apply every migration not yet recorded; return the names applied."""
        try:
            done = set(self._applied_migrations())
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
            except BackendError as exc:  # the driver's error, translated by transaction()
                raise MigrationError(f"migration {name} failed: {exc}") from exc.__cause__
            applied.append(name)
        return applied


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
