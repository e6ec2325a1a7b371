"""The wire format: the JSON the model is asked for (``LLMBrief``, ``LLMNotes``), its
compact schema, and reading an answer (code fences, JSON salvage, validation).
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="ignore")


class LLMQuote(_Strict):
    n: int
    quote: str = Field(json_schema_extra={"maxLength": 400})


class LLMSentence(_Strict):
    text: str = Field(json_schema_extra={"maxLength": 600})
    cites: list[int] = Field(default_factory=list, json_schema_extra={"minItems": 1, "maxItems": 4})
    quotes: list[LLMQuote] = Field(
        default_factory=list, json_schema_extra={"minItems": 1, "maxItems": 4}
    )


class LLMQuestion(_Strict):
    question: str = Field(json_schema_extra={"maxLength": 300})
    context: list[LLMSentence] = Field(default_factory=list, json_schema_extra={"maxItems": 3})


class LLMEvent(_Strict):
    date: str = Field(json_schema_extra={"pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"})
    text: str = Field(json_schema_extra={"maxLength": 400})
    cites: list[int] = Field(default_factory=list, json_schema_extra={"maxItems": 4})
    quotes: list[LLMQuote] = Field(default_factory=list, json_schema_extra={"maxItems": 4})


class LLMEvolution(_Strict):
    status: str = Field(default="new", json_schema_extra={"enum": ["new", "consistent", "shifted"]})
    note: str = Field(default="", json_schema_extra={"maxLength": 400})


class LLMPerspective(_Strict):
    actor: str = Field(json_schema_extra={"maxLength": 120})
    affiliation: str = Field(default="", json_schema_extra={"maxLength": 120})
    stance: list[LLMSentence] = Field(default_factory=list, json_schema_extra={"maxItems": 3})
    evolution: LLMEvolution = Field(default_factory=LLMEvolution)


class LLMSide(_Strict):
    actor: str = Field(json_schema_extra={"maxLength": 120})
    claim: LLMSentence


class LLMTension(_Strict):
    a: LLMSide
    b: LLMSide


class LLMBrief(_Strict):
    """What the model is asked to return (sources are never part of it)."""

    summary: list[LLMSentence] = Field(
        default_factory=list, json_schema_extra={"minItems": 1, "maxItems": 3}
    )
    bullets: list[LLMSentence] = Field(default_factory=list, json_schema_extra={"maxItems": 6})
    why_it_matters: list[LLMSentence] = Field(
        default_factory=list, json_schema_extra={"maxItems": 3}
    )
    open_questions: list[LLMQuestion] = Field(
        default_factory=list, json_schema_extra={"maxItems": 4}
    )
    narrative: list[list[LLMSentence]] = Field(
        default_factory=list, json_schema_extra={"maxItems": 5}
    )
    timeline: list[LLMEvent] = Field(default_factory=list, json_schema_extra={"maxItems": 10})
    perspectives: list[LLMPerspective] = Field(
        default_factory=list, json_schema_extra={"maxItems": 6}
    )
    tensions: list[LLMTension] = Field(default_factory=list, json_schema_extra={"maxItems": 4})


class LLMNotes(_Strict):
    """The map step's answer for one chunk of items: supported facts."""

    facts: list[LLMSentence] = Field(default_factory=list, json_schema_extra={"maxItems": 20})


def json_schema(model: type[BaseModel]) -> dict[str, Any]:
    """A self-contained JSON schema (refs inlined, every property required,
    no extra properties) usable as ``response_format`` by OpenAI's strict
    mode, llama.cpp's grammar converter, vLLM and Ollama alike."""
    raw = model.model_json_schema()
    defs = raw.pop("$defs", {})

    def walk(node: Any, names: bool = False) -> Any:
        if isinstance(node, dict):
            if names:  # a "properties" mapping: keys are field names
                return {k: walk(v) for k, v in node.items()}
            if "$ref" in node:
                return walk(defs[node["$ref"].rsplit("/", 1)[-1]])
            out = {
                k: walk(v, k == "properties")
                for k, v in node.items()
                if k not in ("title", "default", "description")
            }
            if out.get("type") == "object" and "properties" in out:
                out["required"] = list(out["properties"])
                out["additionalProperties"] = False
            return out
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    schema = walk(raw)
    assert isinstance(schema, dict)
    return schema


def salvage_json(text: str) -> str:
    """A truncated JSON object cut back to its last complete object and closed.

    Models that hit ``max_tokens`` stop mid-value; everything up to the last
    complete ``{...}`` is still usable (and still verified like the rest).
    """
    stack: list[str] = []
    in_str = esc = False
    cut: tuple[int, list[str]] | None = None
    for i, ch in enumerate(text):
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
            continue
        if ch == '"':
            in_str = True
        elif ch in "{[":
            stack.append(ch)
        elif ch in "}]":
            if stack:
                stack.pop()
            if ch == "}" and stack:
                cut = (i + 1, list(stack))
    if not stack or cut is None:
        return text
    end, open_ = cut
    head = text[:end].rstrip().rstrip(",")
    return head + "".join("}" if c == "{" else "]" for c in reversed(open_))


_FENCE = re.compile(r"^\s*```(?:json)?\s*|\s*```\s*$", re.IGNORECASE)


def extract_json(content: str) -> str:
    """The JSON object inside an answer (code fences and chatter around it removed)."""
    text = _FENCE.sub("", content.strip())
    start, end = text.find("{"), text.rfind("}")
    if start == -1 or end < start:
        return text
    return text[start : end + 1]


def parse_answer(model: type[BaseModel], content: str) -> BaseModel:
    """The answer validated against ``model`` (raw newlines in strings tolerated)."""
    text = extract_json(content)
    try:
        data = json.loads(text, strict=False)
    except json.JSONDecodeError as exc:
        salvaged = salvage_json(text)
        if salvaged == text:
            raise
        try:
            data = json.loads(salvaged, strict=False)
        except json.JSONDecodeError:
            raise exc from None
    return model.model_validate(data)


def short_error(exc: ValueError) -> str:
    if not isinstance(exc, ValidationError):
        return str(exc)[:200]
    errors = exc.errors()
    if not errors:
        return str(exc)[:200]
    first = errors[0]
    where = ".".join(str(p) for p in first.get("loc", ()))
    return f"{first.get('msg', 'invalid')}{' at ' + where if where else ''}"[:200]
