"""The LLM synthesizer: any OpenAI-compatible endpoint, verified, with fallback.

``make_synthesizer(base_url, model, store=...)`` returns a callable with the
offline synthesizer's signature (plus ``previous=`` for incremental updates),
or None when no endpoint is configured (flags, else ``[llm]`` / ``INFOMACHINE_LLM_*``).

One brief is made like this:

1. Items are numbered (oldest first) and sent, sanitised, in tagged data
   blocks (``llm_prompt``); a story too long for ``context_tokens`` is first
   mapped chunk by chunk to verified facts, then reduced to one brief.
2. The answer is parsed against ``LLMBrief`` and converted into ``Brief`` by
   our code (sources come from the items, never from the model); sentences
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

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

import httpx
from pydantic import BaseModel, ValidationError

from infomachine.config import load_section
from infomachine.errors import ConfigError, LLMError
from infomachine.models import (
    SECTIONS,
    Brief,
    BriefStory,
    Claim,
    Evidence,
    Evolution,
    Item,
    OpenQuestion,
    Perspective,
    Sentence,
    SourceRef,
    Story,
    Tension,
    TimelineEvent,
    utcnow,
)
from infomachine.store import Store
from infomachine.synth.llm import prompt as P
from infomachine.synth.llm.client import Budget, ChatClient, LLMConfig, estimate_tokens
from infomachine.synth.verify import SourceTexts, check_sentence, verify_brief

__all__ = ["LLMConfig", "LLMSynthesizer", "make_synthesizer"]

MIN_SUPPORTED = 0.5
_EVOLUTION = {"new", "consistent", "shifted"}


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


class _Screened:
    """Model sentences dropped before verification, per section."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.problems: list[str] = []

    def drop(self, section: str, why: str, text: str) -> None:
        self.counts[section] = self.counts.get(section, 0) + 1
        self.problems.append(f"{section}: {why} — {text[:80]!r}")

    @property
    def total(self) -> int:
        return sum(self.counts.values())


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
            if brief is None:
                raise
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
        schema = P.json_schema(P.LLMBrief)

        blocks = self._fit(story, blocks, texts, tag, prev_text, schema)
        messages = P.brief_messages(story.title, blocks, tag, previous=prev_text)
        answer, parsed, repaired = self._ask(messages, P.LLMBrief, story.id, tag, schema)
        assert isinstance(parsed, P.LLMBrief)
        sources = P.source_refs(items, numbers, found_via)
        brief, screened, report = self._check(story, parsed, sources, texts, previous)
        if (report.dropped or screened.total) and self.config.repair and not repaired:
            retry = P.repair_messages(messages, answer, screened.problems + report.problems)
            try:
                _, parsed2, _ = self._ask(retry, P.LLMBrief, story.id, tag, schema, repair=False)
            except LLMError:
                parsed2 = None
            if isinstance(parsed2, P.LLMBrief):
                second = self._check(story, parsed2, sources, texts, previous)
                if second[2].kept >= report.kept:
                    brief, screened, report = second
                    brief.notes.append("One repair round was needed to support every sentence.")
        self._fallback(brief, story, items, numbers, found_via, now, report, screened)
        P.compact(brief, items, numbers, found_via)
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
            return result.content, _parse(model, result.content), False
        except (ValidationError, ValueError) as exc:
            error = _short_error(exc)
        if not (repair and self.config.repair):
            raise LLMError(f"the LLM answered with unusable JSON: {error}")
        retry = P.repair_messages(
            messages, result.content, [f"not valid JSON for the schema: {error}"]
        )
        second = self.client.complete(
            retry, schema=schema, name=model.__name__.lower(), story_id=story_id, redact=tag
        )
        try:
            return second.content, _parse(model, second.content), True
        except (ValidationError, ValueError) as exc:
            raise LLMError(
                f"the LLM answered with unusable JSON twice: {_short_error(exc)}"
            ) from None

    def _check(
        self,
        story: Story,
        parsed: P.LLMBrief,
        sources: list[SourceRef],
        texts: dict[int, str],
        previous: Brief | None,
    ) -> tuple[Brief, _Screened, Any]:
        screened = _Screened()
        brief = _convert(story, parsed, screened, previous)
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
        notes_schema = P.json_schema(P.LLMNotes)
        for chunk in _chunks(blocks, room, tag):
            messages = P.notes_messages(story.title, chunk, tag)
            _, parsed, _ = self._ask(messages, P.LLMNotes, story.id, tag, notes_schema)
            assert isinstance(parsed, P.LLMNotes)
            for fact in parsed.facts:
                sentence = _sentence(fact)
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
        screened: _Screened,
    ) -> None:
        offline: Brief | None = None
        used = False
        for name in SECTIONS:
            support = report.sections.get(name)
            kept = support.kept if support else 0
            # Screened sentences (links, markup, injected instructions) are refused
            # content, not unsupported claims: they do not count against a section.
            total = kept + (support.dropped if support else 0)
            empty = _empty(brief, name)
            if not empty and (total == 0 or kept / total >= MIN_SUPPORTED):
                continue
            if offline is None:
                offline = _offline(story, items, found_via, now) or Brief(
                    story=BriefStory(id=story.id, slug=story.slug, title=story.title)
                )
                mapping = {s.n: numbers[s.item_id] for s in offline.sources if s.item_id in numbers}
                P.remap(offline, mapping)
            if _empty(offline, name):
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
) -> Brief | None:
    try:
        from infomachine.synth import extractive
    except ImportError:
        return None
    brief: Brief = extractive.synthesize(story, items, found_via=found_via, now=now)
    return brief


def _parse(model: type[BaseModel], content: str) -> BaseModel:
    """The answer validated against ``model`` (raw newlines in strings tolerated)."""
    text = P.extract_json(content)
    try:
        data = json.loads(text, strict=False)
    except json.JSONDecodeError as exc:
        salvaged = P.salvage_json(text)
        if salvaged == text:
            raise
        try:
            data = json.loads(salvaged, strict=False)
        except json.JSONDecodeError:
            raise exc from None
    return model.model_validate(data)


def _short_error(exc: ValueError) -> str:
    if not isinstance(exc, ValidationError):
        return str(exc)[:200]
    errors = exc.errors()
    if not errors:
        return str(exc)[:200]
    first = errors[0]
    where = ".".join(str(p) for p in first.get("loc", ()))
    return f"{first.get('msg', 'invalid')}{' at ' + where if where else ''}"[:200]


def _chunks(blocks: list[P.SourceBlock], room: int, tag: str) -> list[list[P.SourceBlock]]:
    chunks: list[list[P.SourceBlock]] = [[]]
    size = 0
    for b in blocks:
        cost = estimate_tokens(P.render_blocks([b], tag))
        if cost > room:
            b = P.SourceBlock(b.n, b.title, b.publisher, b.published, b.text[: room * 4 - 400])
            cost = estimate_tokens(P.render_blocks([b], tag))
        if chunks[-1] and size + cost > room:
            chunks.append([])
            size = 0
        chunks[-1].append(b)
        size += cost
    return [c for c in chunks if c]


def _sentence(
    s: P.LLMSentence | P.LLMEvent, section: str = "", screened: _Screened | None = None
) -> Sentence | None:
    text = P.clean_output(s.text)
    quotes = [Evidence(n=q.n, quote=P.clean_output(q.quote, 400)) for q in s.quotes]
    for candidate in [text, *(q.quote for q in quotes)]:
        why = P.unsafe_text(candidate)
        if why:
            if screened is not None:
                screened.drop(section, why, text)
            return None
    if not text:
        return None
    cites = list(dict.fromkeys(int(n) for n in s.cites))
    return Sentence(text=text, cites=cites, evidence=quotes)


def _sentences(items: Sequence[P.LLMSentence], section: str, screened: _Screened) -> list[Sentence]:
    out = []
    for s in items:
        sentence = _sentence(s, section, screened)
        if sentence is not None:
            out.append(sentence)
    return out


def _label(text: str, section: str, screened: _Screened, limit: int = 300) -> str | None:
    """A short model-written label (actor, question) or None when unsafe."""
    clean = P.clean_output(text, limit)
    why = P.unsafe_text(clean)
    if why:
        screened.drop(section, why, clean)
        return None
    return clean or None


def _convert(
    story: Story, parsed: P.LLMBrief, screened: _Screened, previous: Brief | None
) -> Brief:
    brief = Brief(story=BriefStory(id=story.id, slug=story.slug, title=story.title))
    brief.what.summary = _sentences(parsed.summary, "what", screened)
    brief.what.bullets = _sentences(parsed.bullets, "what", screened)
    brief.why_it_matters = _sentences(parsed.why_it_matters, "why_it_matters", screened)
    for q in parsed.open_questions:
        question = _label(q.question, "open_questions", screened)
        if question:
            brief.open_questions.append(
                OpenQuestion(
                    question=question, context=_sentences(q.context, "open_questions", screened)
                )
            )
    brief.narrative = [
        p for p in (_sentences(p, "narrative", screened) for p in parsed.narrative) if p
    ]
    for e in parsed.timeline:
        sentence = _sentence(e, "timeline", screened)
        if sentence is None:
            continue
        try:
            day = date.fromisoformat(e.date.strip()[:10]).isoformat()
        except ValueError:
            screened.drop("timeline", "no valid date", e.text)
            continue
        brief.timeline.append(
            TimelineEvent(
                date=day, text=sentence.text, cites=sentence.cites, evidence=sentence.evidence
            )
        )
    brief.timeline.sort(key=lambda e: e.date)
    before = {p.actor.casefold() for p in previous.perspectives} if previous else set()
    for p in parsed.perspectives:
        actor = _label(p.actor, "perspectives", screened, 120)
        if not actor:
            continue
        affiliation = (
            _label(p.affiliation, "perspectives", screened, 120) if p.affiliation else None
        )
        brief.perspectives.append(
            Perspective(
                actor=actor,
                affiliation=affiliation,
                stance=_sentences(p.stance, "perspectives", screened),
                evolution=_evolution(p.evolution, actor, before, previous is not None),
            )
        )
    for t in parsed.tensions:
        a = _sentence(t.a.claim, "tensions", screened)
        b = _sentence(t.b.claim, "tensions", screened)
        actor_a = _label(t.a.actor, "tensions", screened, 120)
        actor_b = _label(t.b.actor, "tensions", screened, 120)
        if a and b and actor_a and actor_b:
            brief.tensions.append(
                Tension(a=Claim(actor=actor_a, claim=a), b=Claim(actor=actor_b, claim=b))
            )
    return brief


def _evolution(ev: P.LLMEvolution, actor: str, before: set[str], incremental: bool) -> Evolution:
    if not incremental or actor.casefold() not in before:
        return Evolution(status="new", note="")
    status = ev.status.strip().lower()
    note = P.clean_output(ev.note, 400)
    if P.unsafe_text(note):
        note = ""
    return Evolution(status=status if status in _EVOLUTION - {"new"} else "consistent", note=note)  # type: ignore[arg-type]


def _empty(brief: Brief, name: str) -> bool:
    if name == "what":
        return not (brief.what.summary or brief.what.bullets)
    return not getattr(brief, name)
