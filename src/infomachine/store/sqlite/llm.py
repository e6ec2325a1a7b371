"""LLM calls: the cost log and response cache (mixin of ``SQLiteStore``).

Every call to an LLM endpoint is a row of ``llm_calls`` with its token counts;
a request made again (same hash) is answered from the latest row, so
re-running a synthesis costs nothing.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from infomachine.models import utcnow
from infomachine.store.sqlite.core import to_db_time


class LLMCallsMixin:
    conn: sqlite3.Connection

    # Provided by SQLiteStore, which mixes this class in.
    transaction: Callable[[], AbstractContextManager[sqlite3.Connection]]

    def record_llm_call(
        self,
        *,
        request_hash: str,
        model: str,
        prompt_tokens: int,
        completion_tokens: int,
        response: dict[str, Any],
        story_id: str | None = None,
    ) -> None:
        """Log one call (its answer is the cache entry for ``request_hash``)."""
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO llm_calls(request_hash, model, prompt_tokens, completion_tokens, "
                "created_at, response, story_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    request_hash,
                    model,
                    int(prompt_tokens),
                    int(completion_tokens),
                    to_db_time(utcnow()),
                    json.dumps(response, ensure_ascii=False),
                    story_id,
                ),
            )

    def cached_llm_response(self, request_hash: str) -> dict[str, Any] | None:
        """The latest stored answer to a request with this hash, if any."""
        row = self.conn.execute(
            "SELECT response FROM llm_calls WHERE request_hash = ? ORDER BY id DESC LIMIT 1",
            (request_hash,),
        ).fetchone()
        if row is None:
            return None
        try:
            value = json.loads(row[0])
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    def llm_usage(self, story_id: str | None = None) -> dict[str, int]:
        """Calls and tokens logged, for one story or in all."""
        sql = "SELECT COUNT(*), COALESCE(SUM(prompt_tokens), 0), COALESCE(SUM(completion_tokens), 0) FROM llm_calls"
        params: tuple[Any, ...] = ()
        if story_id is not None:
            sql += " WHERE story_id = ?"
            params = (story_id,)
        calls, prompt, completion = self.conn.execute(sql, params).fetchone()
        return {
            "calls": int(calls),
            "prompt_tokens": int(prompt),
            "completion_tokens": int(completion),
        }
