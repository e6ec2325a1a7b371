"""LLM calls: the cost log and response cache (mixin of ``PostgresStore``);
each answer is ``jsonb``."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

import psycopg

from infomachine.models import utcnow
from infomachine.store.postgres.core import jsonb, to_pg_time


class LLMCallsMixin:
    if TYPE_CHECKING:

        @property
        def conn(self) -> psycopg.Connection[Any]: ...  # PostgresCore's

    # Provided by PostgresStore, which mixes this class in.
    transaction: Callable[[], AbstractContextManager[psycopg.Connection[Any]]]

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
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO llm_calls(request_hash, model, prompt_tokens, completion_tokens, "
                "created_at, response, story_id) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                (
                    request_hash,
                    model,
                    int(prompt_tokens),
                    int(completion_tokens),
                    to_pg_time(utcnow()),
                    jsonb(response),
                    story_id,
                ),
            )

    def cached_llm_response(self, request_hash: str) -> dict[str, Any] | None:
        row = self.conn.execute(
            "SELECT response FROM llm_calls WHERE request_hash = %s ORDER BY id DESC LIMIT 1",
            (request_hash,),
        ).fetchone()
        if row is None:
            return None
        return row[0] if isinstance(row[0], dict) else None

    def llm_usage(self, story_id: str | None = None) -> dict[str, int]:
        sql = (
            "SELECT COUNT(*), COALESCE(SUM(prompt_tokens), 0), COALESCE(SUM(completion_tokens), 0) "
            "FROM llm_calls"
        )
        params: tuple[Any, ...] | None = None
        if story_id is not None:
            sql += " WHERE story_id = %s"
            params = (story_id,)
        row = self.conn.execute(sql, params).fetchone()
        calls, prompt, completion = row if row else (0, 0, 0)
        return {"calls": int(calls), "prompt_tokens": int(prompt), "completion_tokens": int(completion)}
