"""A scripted OpenAI-compatible chat server on 127.0.0.1 for LLM tests.

Each POST to ``/v1/chat/completions`` takes the next scripted ``Reply`` (or,
when the script is empty, asks ``responder`` for one) and records the request
body and headers, so tests can check both sides of the protocol.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    content: str | None = None  # the assistant message text
    status: int = 200
    body: str | None = None  # a raw body instead of a chat completion
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    prompt_tokens: int = 100
    completion_tokens: int = 50


def chat_body(content: str, prompt_tokens: int = 100, completion_tokens: int = 50) -> str:
    return json.dumps(
        {
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": "test-model",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }
    )


class ScriptedLLM:
    """Start with ``with ScriptedLLM([...]) as llm:``; ``llm.base_url`` is its root."""

    def __init__(
        self,
        script: list[Reply] | None = None,
        responder: Callable[[dict[str, Any]], Reply] | None = None,
    ) -> None:
        self.script = list(script or [])
        self.responder = responder
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = {"_raw": raw.decode("utf-8", "replace")}
                reply = owner._next(body, dict(self.headers))
                if self.path.rstrip("/") != "/v1/chat/completions":
                    reply = Reply(status=404, body='{"error": "not found"}')
                if reply.delay:
                    time.sleep(reply.delay)
                text = reply.body
                if text is None:
                    text = chat_body(
                        reply.content or "", reply.prompt_tokens, reply.completion_tokens
                    )
                data = text.encode("utf-8")
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _next(self, body: dict[str, Any], headers: dict[str, str]) -> Reply:
        with self._lock:
            self.requests.append(body)
            self.headers.append(headers)
            if self.script:
                return self.script.pop(0)
        if self.responder is not None:
            return self.responder(body)
        return Reply(status=500, body='{"error": "script exhausted"}')

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> ScriptedLLM:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def prompt(self, index: int = -1) -> str:
        """All message text of one recorded request."""
        return "\n".join(m["content"] for m in self.requests[index]["messages"])


# --------------------------------------------------------------------------- a small story

TEXTS = {
    "a1": (
        "Harbor council votes to expand ferry service",
        "Harbor Daily",
        "The Harbor Council voted on 4 March 2024 to add two new ferry routes across the bay. "
        "Mayor Ilse Brandt said the expansion will cut commute times by a third. "
        "The routes are due to open in June.",
    ),
    "a2": (
        "Ferry operators warn of crew shortage",
        "Bay Courier",
        "Jonas Keel of the Ferry Operators Guild warned on 5 March 2024 that operators lack the "
        "crews to run the new routes. He argued the council should fund crew training first.",
    ),
    "a3": (
        "Budget hearing set for April",
        "Harbor Daily",
        "A budget hearing on the ferry expansion is scheduled for 2 April 2024. Council members "
        "disagree on whether the routes can be paid for without raising fares.",
    ),
}


def make_story() -> Any:
    from infomachine.models import Story

    return Story(id="s-ferry", slug="harbor-ferry-expansion", title="Harbor ferry expansion")


def make_items(extra: dict[str, tuple[str, str, str]] | None = None) -> list[Any]:
    from datetime import UTC, datetime

    from infomachine.models import Item

    items = []
    for day, (item_id, (title, publisher, text)) in enumerate(
        {**TEXTS, **(extra or {})}.items(), 4
    ):
        items.append(
            Item(
                id=item_id,
                title=title,
                text=text,
                content_hash=f"h-{item_id}",
                url=f"https://news.example/{item_id}",
                publisher=publisher,
                published=datetime(2024, 3, day, 9, tzinfo=UTC),
                story_id="s-ferry",
            )
        )
    return items


def sent(text: str, n: int, quote: str) -> dict[str, Any]:
    return {"text": text, "cites": [n], "quotes": [{"n": n, "quote": quote}]}


def valid_answer() -> dict[str, Any]:
    """A brief every sentence of which is supported (sources as numbered oldest first)."""
    return {
        "summary": [
            sent(
                "The Harbor Council approved two new ferry routes across the bay.",
                1,
                "voted on 4 March 2024 to add two new ferry routes across the bay",
            ),
        ],
        "bullets": [
            sent(
                "Operators say they lack crews for the new routes.",
                2,
                "operators lack the crews to run the new routes",
            ),
            sent(
                "A budget hearing is set for 2 April 2024.",
                3,
                "A budget hearing on the ferry expansion is scheduled for 2 April 2024",
            ),
        ],
        "why_it_matters": [
            sent(
                "Mayor Ilse Brandt said the expansion will cut commute times by a third.",
                1,
                "Mayor Ilse Brandt said the expansion will cut commute times by a third",
            ),
        ],
        "open_questions": [
            {
                "question": "Can the routes be funded without higher fares?",
                "context": [
                    sent(
                        "Council members disagree on funding.",
                        3,
                        "Council members disagree on whether the routes can be paid for",
                    ),
                ],
            }
        ],
        "narrative": [
            [
                sent(
                    "The council voted on 4 March 2024 to expand service.",
                    1,
                    "The Harbor Council voted on 4 March 2024",
                ),
                sent(
                    "The Ferry Operators Guild warned that operators lack the crews to run the new routes.",
                    2,
                    "Ferry Operators Guild warned on 5 March 2024 that operators lack the crews to run the new routes",
                ),
            ]
        ],
        "timeline": [
            {
                "date": "2024-03-04",
                "text": "Council votes to add two ferry routes.",
                "cites": [1],
                "quotes": [{"n": 1, "quote": "voted on 4 March 2024 to add two new ferry routes"}],
            },
            {
                "date": "2024-03-05",
                "text": "Ferry Operators Guild warned operators lack crews.",
                "cites": [2],
                "quotes": [
                    {
                        "n": 2,
                        "quote": "Ferry Operators Guild warned on 5 March 2024 that operators lack the crews",
                    }
                ],
            },
        ],
        "perspectives": [
            {
                "actor": "Ilse Brandt",
                "affiliation": "Mayor",
                "stance": [
                    sent(
                        "The expansion will shorten commutes.",
                        1,
                        "the expansion will cut commute times by a third",
                    )
                ],
                "evolution": {"status": "new", "note": ""},
            },
            {
                "actor": "Jonas Keel",
                "affiliation": "Ferry Operators Guild",
                "stance": [
                    sent(
                        "Crew training should be funded first.",
                        2,
                        "the council should fund crew training first",
                    )
                ],
                "evolution": {"status": "new", "note": ""},
            },
        ],
        "tensions": [
            {
                "a": {
                    "actor": "Ilse Brandt",
                    "claim": sent(
                        "The routes will cut commutes.", 1, "will cut commute times by a third"
                    ),
                },
                "b": {
                    "actor": "Jonas Keel",
                    "claim": sent(
                        "Operators lack the crews to run the new routes.",
                        2,
                        "lack the crews to run the new routes",
                    ),
                },
            },
        ],
    }
