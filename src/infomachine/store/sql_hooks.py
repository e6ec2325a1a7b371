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


class SQLHooks:
    """Declares the core's hooks for the type checker; adds nothing at run time."""

    if TYPE_CHECKING:
        transaction: Callable[[], AbstractContextManager[Any]]

        def _run(self, sql: str, params: Sequence[Any] = ()) -> Any: ...
        def _time_in(self, value: datetime | None) -> Any: ...
        def _time_out(self, value: Any) -> datetime | None: ...
        def _json_in(self, value: Any) -> Any: ...
        def _json_out(self, value: Any) -> dict[str, Any]: ...
        def _flag(self, value: bool) -> Any: ...
