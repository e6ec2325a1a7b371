"""What a mixin written once for both backends may call on its core.

The ``*_sql.py`` mixins (sources, stories, events, brief versions, LLM calls)
speak the SQL both SQLite and PostgreSQL understand: ``?`` placeholders (the
PostgreSQL core's ``_run`` turns them into ``%s``), ``INSERT … ON CONFLICT …
DO UPDATE``, ``IN`` lists in chunks.  What differs between the two lives in
each core behind these hooks: ``_run`` (execute), ``_time_in``/``_time_out``
(ISO text in SQLite, ``timestamptz`` in PostgreSQL), ``_json_in``/``_json_out``
(text or ``jsonb``) and ``_flag`` (0/1 or boolean).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from infomachine.errors import NotFoundError


class SQLHooks:
    """Declares the core's hooks for the type checker, and what the mixins share."""

    if TYPE_CHECKING:
        transaction: Callable[[], AbstractContextManager[Any]]

        def _run(self, sql: str, params: Sequence[Any] = ()) -> Any: ...
        def _time_in(self, value: datetime | None) -> Any: ...
        def _time_out(self, value: Any) -> datetime | None: ...
        def _json_in(self, value: Any) -> Any: ...
        def _json_out(self, value: Any) -> dict[str, Any]: ...
        def _flag(self, value: bool) -> Any: ...

    def _update_row(self, table: str, noun: str, row_id: str, fields: dict[str, Any], allowed: set[str],
                    *, times: frozenset[str] = frozenset(), unknown: type[Exception] = ValueError) -> None:
        """``UPDATE table SET ...`` the ``allowed`` columns of one row from ``fields``
        (times, also as ISO text when named in ``times``, metadata and flags converted);
        ``NotFoundError`` when there is no such row."""
        sets, params = [], []
        for key, value in fields.items():
            if key not in allowed:
                raise unknown(f"unknown {noun} field {key!r}")
            if key in times and isinstance(value, str):
                value = datetime.fromisoformat(value) if value else None
            if isinstance(value, datetime):
                value = self._time_in(value)
            elif key == "metadata":
                value = self._json_in(value)
            elif key == "pinned":
                value = self._flag(value)
            sets.append(f"{key} = ?")
            params.append(value)
        if not sets:
            return
        with self.transaction():
            cur = self._run(f"UPDATE {table} SET {', '.join(sets)} WHERE id = ?", (*params, row_id))
            if cur.rowcount == 0:
                raise NotFoundError(f"no {noun} {row_id!r}")
