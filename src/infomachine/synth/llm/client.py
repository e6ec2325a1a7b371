"""A small client for OpenAI-compatible ``/v1/chat/completions`` endpoints.

Works with hosted APIs, Ollama, vLLM and llama.cpp's server: one POST per
call, JSON output requested through ``response_format`` (``json_schema``
where supported, falling back to ``json_object`` and then to none when the
server refuses it).  Every call is

* cached by a hash of the request (model, messages, output format, sampling)
  in the store's ``llm_calls`` table, so re-running costs nothing;
* counted against a per-run token budget (``LLMError`` when exceeded);
* retried with exponential backoff on 429 and 5xx, honouring ``Retry-After``;
* bounded by a timeout.

The API key comes from ``INFOMACHINE_LLM_API_KEY`` or ``OPENAI_API_KEY`` only,
never from the config file.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from infomachine.errors import ConfigError, LLMError
from infomachine.intake.hosts import parse_retry_after
from infomachine.store import Store

JSON_MODES = ("schema", "object", "none")
# What the client tries, in order, from the configured mode down:
# OpenAI-style json_schema; json_object carrying the schema (llama-cpp-python
# turns it into a grammar); plain json_object; no response_format.
_LADDER = ("schema", "object+schema", "object", "none")
API_KEY_VARS = ("INFOMACHINE_LLM_API_KEY", "OPENAI_API_KEY")
CHARS_PER_TOKEN = 4


@dataclass
class LLMConfig:
    """Settings of the ``[llm]`` section (``INFOMACHINE_LLM_*``).

    ``base_url`` is the endpoint root, with or without ``/v1``
    (``http://127.0.0.1:11434/v1`` for Ollama, ``https://api.openai.com/v1``).
    ``context_tokens`` is the model's context size: stories whose items do not
    fit are summarised chunk by chunk first (map), then briefed (reduce).
    ``token_budget`` caps prompt + completion tokens per run (0 = no cap).
    ``json_mode``: ``schema`` (structured output), ``object`` (JSON mode) or
    ``none`` (prompt only); the client steps down when a server refuses one.
    """

    base_url: str = ""
    model: str = ""
    timeout: float = 120.0
    max_retries: int = 3
    context_tokens: int = 8192
    max_output_tokens: int = 2048
    token_budget: int = 200_000
    temperature: float = 0.0
    json_mode: str = "schema"
    backoff: float = 1.0
    max_backoff: float = 30.0
    repair: bool = True

    def __post_init__(self) -> None:
        if self.json_mode not in JSON_MODES:
            raise ConfigError(f"[llm] json_mode must be one of {', '.join(JSON_MODES)}")
        if self.context_tokens < 512:
            raise ConfigError("[llm] context_tokens must be at least 512")

    @property
    def configured(self) -> bool:
        return bool(self.base_url and self.model)


def api_key() -> str | None:
    """The API key from the environment (never from the config file)."""
    for name in API_KEY_VARS:
        value = os.environ.get(name)
        if value:
            return value
    return None


def estimate_tokens(text: str) -> int:
    """A rough token count (about 4 characters a token)."""
    return len(text) // CHARS_PER_TOKEN + 1


def chat_url(base_url: str) -> str:
    base = base_url.rstrip("/")
    if base.endswith("/chat/completions"):
        return base
    if not base.endswith("/v1"):
        base += "/v1"
    return base + "/chat/completions"


@dataclass
class Budget:
    """Tokens spent in one run, against a cap (0 = none)."""

    limit: int = 0
    used: int = 0

    def check(self, estimate: int) -> None:
        if self.limit and self.used + estimate > self.limit:
            raise LLMError(
                f"LLM token budget exceeded: {self.used} used, about {estimate} more needed, "
                f"budget {self.limit}"
            )

    def spend(self, tokens: int) -> None:
        self.used += tokens


@dataclass
class ChatResult:
    content: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached: bool = False
    request_hash: str = ""


@dataclass
class Usage:
    """What this client did in a run (for notes, logs and tests)."""

    requests: int = 0
    cache_hits: int = 0
    retries: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    json_modes: list[str] = field(default_factory=list)


def request_hash(payload: dict[str, Any], redact: str | None = None) -> str:
    """A stable hash of a request; ``redact`` (the per-request tag) is masked."""
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    if redact:
        text = text.replace(redact, "<TAG>")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ChatClient:
    """One endpoint and model; thread-unsafe, one per run."""

    def __init__(
        self,
        config: LLMConfig,
        *,
        store: Store | None = None,
        budget: Budget | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not config.configured:
            raise ConfigError("the LLM synthesizer needs a base URL and a model name")
        self.config = config
        self.store = store
        self.budget = budget or Budget(config.token_budget)
        self.usage = Usage()
        self.json_mode = config.json_mode
        self._memory: dict[str, dict[str, Any]] = {}
        self._sleep = sleep
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        key = api_key()
        if key:
            headers["Authorization"] = f"Bearer {key}"
        self._http = httpx.Client(
            headers=headers,
            timeout=httpx.Timeout(config.timeout),
            transport=transport,
            follow_redirects=False,
        )
        self.url = chat_url(config.base_url)

    def close(self) -> None:
        self._http.close()

    # ------------------------------------------------------------------ payload

    def _payload(
        self, messages: list[dict[str, str]], schema: dict[str, Any] | None, name: str, mode: str
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "model": self.config.model,
            "messages": messages,
            "temperature": self.config.temperature,
            "max_tokens": self.config.max_output_tokens,
            "stream": False,
        }
        if mode == "schema" and schema is not None:
            payload["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": name, "schema": schema, "strict": True},
            }
        elif mode == "object+schema" and schema is not None:
            payload["response_format"] = {"type": "json_object", "schema": schema}
        elif mode in ("schema", "object+schema", "object"):
            payload["response_format"] = {"type": "json_object"}
        return payload

    # ------------------------------------------------------------------ call

    def complete(
        self,
        messages: list[dict[str, str]],
        *,
        schema: dict[str, Any] | None = None,
        name: str = "brief",
        story_id: str | None = None,
        redact: str | None = None,
    ) -> ChatResult:
        """The assistant's answer text for ``messages`` (cached, budgeted, retried)."""
        while True:
            mode = self.json_mode
            sent = messages
            if (
                mode in ("object", "none") and schema is not None
            ):  # no structured output: say it in words
                sent = _with_schema(messages, schema)
            payload = self._payload(sent, schema, name, mode)
            key = request_hash(payload, redact)
            cached = self._lookup(key)
            if cached is not None:
                self.usage.cache_hits += 1
                return ChatResult(
                    content=str(cached.get("content", "")),
                    prompt_tokens=int(cached.get("prompt_tokens", 0)),
                    completion_tokens=int(cached.get("completion_tokens", 0)),
                    cached=True,
                    request_hash=key,
                )
            prompt_text = "".join(m["content"] for m in sent)
            self.budget.check(estimate_tokens(prompt_text))
            try:
                data = self._post(payload)
            except _FormatRefused:
                if mode == "none":
                    raise LLMError("the LLM endpoint refused the request (HTTP 400)") from None
                self.json_mode = _LADDER[_LADDER.index(mode) + 1]
                continue
            result = self._parse(data, key, prompt_text)
            self.usage.json_modes.append(mode)
            self._remember(key, result, story_id, data)
            return result

    def _lookup(self, key: str) -> dict[str, Any] | None:
        if key in self._memory:
            return self._memory[key]
        if self.store is not None:
            return self.store.cached_llm_response(key)
        return None

    def _remember(
        self, key: str, result: ChatResult, story_id: str | None, raw: dict[str, Any]
    ) -> None:
        record = {
            "content": result.content,
            "prompt_tokens": result.prompt_tokens,
            "completion_tokens": result.completion_tokens,
            "id": raw.get("id"),
            "finish_reason": _finish_reason(raw),
        }
        self._memory[key] = record
        if self.store is not None:
            self.store.record_llm_call(
                request_hash=key,
                model=self.config.model,
                prompt_tokens=result.prompt_tokens,
                completion_tokens=result.completion_tokens,
                response=record,
                story_id=story_id,
            )

    def _parse(self, data: dict[str, Any], key: str, prompt_text: str) -> ChatResult:
        try:
            content = data["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError) as exc:
            raise LLMError("the LLM endpoint answered without a message") from exc
        if not isinstance(content, str):
            raise LLMError("the LLM endpoint answered without text content")
        usage = data.get("usage") or {}
        prompt_tokens = int(usage.get("prompt_tokens") or estimate_tokens(prompt_text))
        completion_tokens = int(usage.get("completion_tokens") or estimate_tokens(content))
        self.budget.spend(prompt_tokens + completion_tokens)
        self.usage.requests += 1
        self.usage.prompt_tokens += prompt_tokens
        self.usage.completion_tokens += completion_tokens
        return ChatResult(content, prompt_tokens, completion_tokens, False, key)

    def _post(self, payload: dict[str, Any]) -> dict[str, Any]:
        attempts = max(0, self.config.max_retries) + 1
        last = "no attempt"
        for attempt in range(attempts):
            wait: float | None = None
            try:
                response = self._http.post(self.url, json=payload)
            except httpx.TimeoutException:
                last = f"timed out after {self.config.timeout:g}s"
            except httpx.HTTPError as exc:
                last = f"{type(exc).__name__}: {exc}"
            else:
                status = response.status_code
                if status == 200:
                    try:
                        data = response.json()
                    except ValueError as exc:
                        raise LLMError("the LLM endpoint answered with invalid JSON") from exc
                    if not isinstance(data, dict):
                        raise LLMError("the LLM endpoint answered with a non-object")
                    return data
                if "response_format" in payload and (
                    status in (400, 422) or (status >= 500 and "response_format" in response.text)
                ):  # llama-cpp-python answers a refused response_format with 500
                    raise _FormatRefused()
                if status != 429 and status < 500:
                    raise LLMError(f"the LLM endpoint answered HTTP {status}: {_snippet(response)}")
                last = f"HTTP {status}"
                wait = parse_retry_after(response.headers.get("retry-after"))
            if attempt + 1 >= attempts:
                break
            delay = self.config.backoff * (2**attempt)
            if wait is not None:
                delay = max(delay, wait)
            self.usage.retries += 1
            self._sleep(min(delay, self.config.max_backoff))
        raise LLMError(f"the LLM endpoint failed after {attempts} attempt(s): {last}")


def _with_schema(messages: list[dict[str, str]], schema: dict[str, Any]) -> list[dict[str, str]]:
    """The messages with the JSON schema appended to the last user message."""
    out = [dict(m) for m in messages]
    for m in reversed(out):
        if m["role"] == "user":
            m["content"] += "\n\nJSON schema of the answer: " + json.dumps(
                schema, separators=(",", ":")
            )
            break
    return out


class _FormatRefused(Exception):
    """The server does not accept this ``response_format``."""


def _finish_reason(data: dict[str, Any]) -> str | None:
    try:
        return str(data["choices"][0].get("finish_reason"))
    except (KeyError, IndexError, TypeError, AttributeError):
        return None


def _snippet(response: httpx.Response) -> str:
    text = response.text.strip().replace("\n", " ")
    return text[:200]
