"""The LLM synthesizer: any OpenAI-compatible endpoint, verified, with fallback.

``make_synthesizer(base_url, model, store=...)`` returns a callable with the
offline synthesizer's signature (plus ``previous=`` for incremental updates),
or None when no endpoint is configured (flags, else ``[llm]`` / ``INFOMACHINE_LLM_*``).

One brief is made like this:

1. Items are numbered (oldest first) and sent, sanitised, in tagged data
   blocks (``prompt``); a story too long for ``context_tokens`` is first
   mapped chunk by chunk to verified facts, then reduced to one brief.
2. The answer is parsed against ``wire.LLMBrief`` and converted into ``Brief`` by
   our code (``convert``) (sources come from the items, never from the model); sentences
   carrying links, markup, citation markers or instruction-like text are
   dropped.
3. ``synth.verify.verify_brief`` (the offline path's verifier) drops every
   sentence whose citations or quotes do not check out; when anything was
   dropped the problems go back to the model for ONE repair round.
4. A section left mostly unsupported (< 50 % kept) or empty is taken from the
   offline synthesizer, and the brief's notes say so.
5. Any ``LLMError`` (endpoint down, budget exceeded, unusable answer) gives
   the offline brief, with a note.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import httpx
from pydantic import BaseModel, ValidationError

from infomachine.config import load_section
from infomachine.errors import ConfigError, LLMError
from infomachine.models import (
    SECTIONS,
    Brief,
    Item,
    SourceRef,
    Story,
    utcnow,
)
from infomachine.store import Store
from infomachine.synth import extractive
from infomachine.synth.llm import convert as C
from infomachine.synth.llm import prompt as P
from infomachine.synth.llm import wire as W
from infomachine.synth.llm.client import Budget, ChatClient, LLMConfig, estimate_tokens
from infomachine.synth.verify import SourceTexts, check_sentence, verify_brief

__all__ = ["LLMConfig", "LLMSynthesizer", "make_synthesizer"]

MIN_SUPPORTED = 0.5


def make_synthesizer(
    base_url: str | None = None,
    model: str | None = None,
    *,
    store: Store | None = None,
    config: LLMConfig | None = None,
    transport: httpx.BaseTransport | None = None,
) -> LLMSynthesizer | None:
    """The LLM synthesizer, or None when no endpoint and model are configured."""
    cfg = config or load_section("llm", LLMConfig, {"base_url": base_url, "model": model})
    if not cfg.configured:
        if cfg.base_url or cfg.model:
            raise ConfigError("the LLM synthesizer needs both a base URL and a model name")
        return None
    return LLMSynthesizer(cfg, store=store, transport=transport)


class LLMSynthesizer:
    """Callable like ``extractive.synthesize``; one instance per run (one budget)."""

    def __init__(
        self,
        config: LLMConfig,
        *,
        store: Store | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.config = config
        self.budget = Budget(config.token_budget)
        self.client = ChatClient(config, store=store, budget=self.budget, transport=transport)
        self.name = f"llm:{config.model}"

    def close(self) -> None:
        self.client.close()

    def __call__(
        self,
        story: Story,
        items: list[Item],
        *,
        found_via: Mapping[str, str] | None = None,
        now: datetime | None = None,
        previous: Brief | None = None,
    ) -> Brief:
        try:
            return self.synthesize(story, items, found_via=found_via, now=now, previous=previous)
        except LLMError as exc:
            brief = _offline(story, items, found_via, now)
            brief.notes.append(
                f"LLM synthesis failed ({exc}); the offline synthesizer wrote this brief."
            )
            return brief

    # ------------------------------------------------------------------ main path

    def synthesize(
        self,
        story: Story,
        items: list[Item],
        *,
        found_via: Mapping[str, str] | None = None,
        now: datetime | None = None,
        previous: Brief | None = None,
    ) -> Brief:
        """The brief, raising ``LLMError`` instead of falling back wholesale."""
        all_count = len(items)
        items = sorted((i for i in items if not i.duplicate_of), key=lambda i: (i.when, i.id))
        if not items:
            raise LLMError("the story has no items to brief")
        numbers = {item.id: n for n, item in enumerate(items, 1)}
        tag = P.new_tag()
        blocks = P.make_blocks(items, numbers, tag)
        texts = {b.n: f"{b.title}\n{b.text}" for b in blocks}
        prev_text = P.previous_text(previous, numbers) if previous else None
        schema = W.json_schema(W.LLMBrief)

        blocks = self._fit(story, blocks, texts, tag, prev_text, schema)
        messages = P.brief_messages(story.title, blocks, tag, previous=prev_text)
        answer, parsed, repaired = self._ask(messages, W.LLMBrief, story.id, tag, schema)
        assert isinstance(parsed, W.LLMBrief)
        sources = C.source_refs(items, numbers, found_via)
        brief, screened, report = self._check(story, parsed, sources, texts, previous)
        if (report.dropped or screened.total) and self.config.repair and not repaired:
            retry = P.repair_messages(messages, answer, screened.problems + report.problems)
            try:
                _, parsed2, _ = self._ask(retry, W.LLMBrief, story.id, tag, schema, repair=False)
            except LLMError:
                parsed2 = None
            if isinstance(parsed2, W.LLMBrief):
                second = self._check(story, parsed2, sources, texts, previous)
                if second[2].kept >= report.kept:
                    brief, screened, report = second
                    brief.notes.append("One repair round was needed to support every sentence.")
        self._fallback(brief, story, items, numbers, found_via, now, report, screened)
        C.compact(brief, items, numbers, found_via)
        brief.item_count = all_count
        brief.generated_at = now or utcnow()
        brief.dropped_sentences = report.dropped + screened.total
        if brief.dropped_sentences:
            brief.notes.append(
                f"{brief.dropped_sentences} sentence(s) written by the LLM were dropped: "
                "not supported by the sources they cite."
            )
        return brief

    def _schema_in_prompt(self, schema: dict[str, Any]) -> dict[str, Any] | None:
        return schema if self.client.json_mode in ("object", "none") else None

    def _ask(
        self,
        messages: list[dict[str, str]],
        model: type[BaseModel],
        story_id: str,
        tag: str,
        schema: dict[str, Any],
        *,
        repair: bool = True,
    ) -> tuple[str, BaseModel, bool]:
        """The parsed answer; an unparsable one gets one repair round."""
        result = self.client.complete(
            messages, schema=schema, name=model.__name__.lower(), story_id=story_id, redact=tag
        )
        try:
            return result.content, W.parse_answer(model, result.content), False
        except (ValidationError, ValueError) as exc:
            error = W.short_error(exc)
        if not (repair and self.config.repair):
            raise LLMError(f"the LLM answered with unusable JSON: {error}")
        retry = P.repair_messages(
            messages, result.content, [f"not valid JSON for the schema: {error}"]
        )
        second = self.client.complete(
            retry, schema=schema, name=model.__name__.lower(), story_id=story_id, redact=tag
        )
        try:
            return second.content, W.parse_answer(model, second.content), True
        except (ValidationError, ValueError) as exc:
            raise LLMError(
                f"the LLM answered with unusable JSON twice: {W.short_error(exc)}"
            ) from None

    def _check(
        self,
        story: Story,
        parsed: W.LLMBrief,
        sources: list[SourceRef],
        texts: dict[int, str],
        previous: Brief | None,
    ) -> tuple[Brief, C.Screened, Any]:
        screened = C.Screened()
        brief = C.to_brief(story, parsed, screened, previous)
        brief.sources = [s.model_copy() for s in sources]
        report = verify_brief(brief, texts)
        brief.dropped_sentences = 0
        return brief, screened, report

    # ------------------------------------------------------------------ long stories

    def _fit(
        self,
        story: Story,
        blocks: list[P.SourceBlock],
        texts: dict[int, str],
        tag: str,
        prev_text: str | None,
        schema: dict[str, Any],
    ) -> list[P.SourceBlock]:
        """Blocks that fit the context; map long stories to verified facts first."""
        overhead = estimate_tokens(
            "".join(
                m["content"]
                for m in P.brief_messages(
                    story.title, [], tag, previous=prev_text, schema=self._schema_in_prompt(schema)
                )
            )
        )
        room = self.config.context_tokens - self.config.max_output_tokens - overhead - 64
        if room < 128:
            raise LLMError("context_tokens is too small for the prompt and max_output_tokens")
        if estimate_tokens(P.render_blocks(blocks, tag)) <= room:
            return blocks
        source_texts = SourceTexts(texts)
        quotes: dict[int, list[str]] = {b.n: [] for b in blocks}
        notes_schema = W.json_schema(W.LLMNotes)
        for chunk in P.chunks(blocks, room, tag):
            messages = P.notes_messages(story.title, chunk, tag)
            _, parsed, _ = self._ask(messages, W.LLMNotes, story.id, tag, notes_schema)
            assert isinstance(parsed, W.LLMNotes)
            for fact in parsed.facts:
                sentence = C.to_sentence(fact)
                if sentence is None or check_sentence(sentence, source_texts) is not None:
                    continue
                for ev in sentence.evidence:
                    if ev.quote not in quotes[ev.n]:
                        quotes[ev.n].append(ev.quote)
        reduced = [
            P.SourceBlock(b.n, b.title, b.publisher, b.published, " … ".join(quotes[b.n]))
            for b in blocks
        ]
        per_block = max(200, (room * 4) // max(1, len(reduced)) - 200)
        for b in reduced:
            b.text = b.text[:per_block]
        return reduced

    # ------------------------------------------------------------------ fallback

    def _fallback(
        self,
        brief: Brief,
        story: Story,
        items: list[Item],
        numbers: dict[str, int],
        found_via: Mapping[str, str] | None,
        now: datetime | None,
        report: Any,
        screened: C.Screened,
    ) -> None:
        offline: Brief | None = None
        used = False
        for name in SECTIONS:
            support = report.sections.get(name)
            kept = support.kept if support else 0
            # Screened sentences (links, markup, injected instructions) are refused
            # content, not unsupported claims: they do not count against a section.
            total = kept + (support.dropped if support else 0)
            empty = C.section_empty(brief, name)
            if not empty and (total == 0 or kept / total >= MIN_SUPPORTED):
                continue
            if offline is None:
                offline = _offline(story, items, found_via, now)
                mapping = {s.n: numbers[s.item_id] for s in offline.sources if s.item_id in numbers}
                C.remap(offline, mapping)
            if C.section_empty(offline, name):
                if empty and name not in brief.omitted:
                    brief.omitted[name] = offline.omitted.get(
                        name, "nothing supported by the sources"
                    )
                continue
            setattr(brief, name, getattr(offline, name))
            brief.omitted.pop(name, None)
            used = True
            why = "was empty" if total == 0 else f"kept {kept} of {total} sentences"
            brief.notes.append(
                f"Section '{name}': the LLM's version {why} after verification; "
                "the offline synthesizer's section is shown instead."
            )
        brief.synthesizer = self.name + ("+extractive-fallback" if used else "")


# --------------------------------------------------------------------------- helpers


def _offline(
    story: Story, items: list[Item], found_via: Mapping[str, str] | None, now: datetime | None
) -> Brief:
    brief: Brief = extractive.synthesize(story, items, found_via=found_via, now=now)
    return brief


