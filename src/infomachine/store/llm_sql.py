"""LLM calls: the cost log and response cache (a mixin of both backends).

Every call to an LLM endpoint is a row of ``llm_calls`` with its token counts;
a request made again (same hash) is answered from the latest row, so
re-running a synthesis costs nothing.  Written once in the SQL both backends
speak, through the core's hooks (see ``store/sql_hooks.py``); the answer is
JSON text in SQLite and ``jsonb`` in PostgreSQL.
"""

from __future__ import annotations

import json
from typing import Any

from infomachine.models import utcnow
from infomachine.store.sql_hooks import SQLHooks


class LLMCallsSQL(SQLHooks):
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
        with self.transaction():
            self._run(
                "INSERT INTO llm_calls(request_hash, model, prompt_tokens, completion_tokens, "
                "created_at, response, story_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (request_hash, model, int(prompt_tokens), int(completion_tokens),
                 self._time_in(utcnow()), self._json_in(response), story_id),
            )

    def cached_llm_response(self, request_hash: str) -> dict[str, Any] | None:
        """The latest stored answer to a request with this hash, if any."""
        row = self._run("SELECT response FROM llm_calls WHERE request_hash = ? ORDER BY id DESC LIMIT 1",
                        (request_hash,)).fetchone()
        if row is None:
            return None
        value = row[0]
        if isinstance(value, str):  # SQLite's JSON text
            try:
                value = json.loads(value)
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
        row = self._run(sql, params).fetchone()
        calls, prompt, completion = row if row else (0, 0, 0)
        return {"calls": int(calls), "prompt_tokens": int(prompt), "completion_tokens": int(completion)}
