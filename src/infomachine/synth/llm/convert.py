"""Model answer to ``Brief``: screened sentences, sources numbered by our code, citations remapped.

The numbered source list is always built by our code from the items, never
taken from the model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from pydantic import BaseModel

from infomachine.ingest.dates import inferred_from
from infomachine.models import (
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
)
from infomachine.synth.llm import wire as W
from infomachine.synth.llm.sanitize import clean_output, unsafe_text


def source_refs(
    items: list[Item], numbers: dict[str, int], found_via: Mapping[str, str] | None
) -> list[SourceRef]:
    refs = []
    for item in items:
        via = (found_via or {}).get(item.id) or item.source
        refs.append(
            SourceRef(
                n=numbers[item.id],
                item_id=item.id,
                title=item.title or (item.url or item.id),
                publisher=item.publisher,
                published=item.published.date().isoformat() if item.published else None,
                url=item.url if item.url and item.url.startswith(("http://", "https://")) else None,
                found_via=via,
                published_inferred=inferred_from(item),
            )
        )
    return refs


def remap(node: Any, mapping: Mapping[int, int]) -> None:
    """Renumber every citation under ``node`` in place (unmapped ones are removed)."""
    if isinstance(node, list):
        for value in node:
            remap(value, mapping)
        return
    if not isinstance(node, BaseModel) or isinstance(node, SourceRef):
        return
    if isinstance(node, Evidence):
        node.n = mapping.get(node.n, -1)
        return
    for name in type(node).model_fields:
        value = getattr(node, name)
        if name == "cites" and isinstance(value, list):
            setattr(node, name, [mapping[n] for n in value if n in mapping])
        elif name == "evidence" and isinstance(value, list):
            setattr(node, name, [e for e in value if e.n in mapping])
            for e in getattr(node, name):
                e.n = mapping[e.n]
        elif name != "sources":
            remap(value, mapping)


def cited(node: Any, out: dict[int, None]) -> None:
    if isinstance(node, list):
        for value in node:
            cited(value, out)
    elif isinstance(node, BaseModel) and not isinstance(node, SourceRef):
        for name in type(node).model_fields:
            value = getattr(node, name)
            if name == "cites" and isinstance(value, list):
                out.update(dict.fromkeys(value))
            elif name != "sources":
                cited(value, out)


def compact(
    brief: Brief, items: list[Item], numbers: dict[str, int], found_via: Mapping[str, str] | None
) -> None:
    """Keep only cited sources, numbered in order of first citation."""
    used: dict[int, None] = {}
    cited(brief, used)
    mapping = {old: new for new, old in enumerate(used, 1)}
    refs = {s.n: s for s in source_refs(items, numbers, found_via)}
    remap(brief, mapping)
    brief.sources = []
    for old, new in mapping.items():
        if old in refs:
            brief.sources.append(refs[old].model_copy(update={"n": new}))


_EVOLUTION = {"new", "consistent", "shifted"}


class Screened:
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


def to_sentence(
    s: W.LLMSentence | W.LLMEvent, section: str = "", screened: Screened | None = None
) -> Sentence | None:
    text = clean_output(s.text)
    quotes = [Evidence(n=q.n, quote=clean_output(q.quote, 400)) for q in s.quotes]
    for candidate in [text, *(q.quote for q in quotes)]:
        why = unsafe_text(candidate)
        if why:
            if screened is not None:
                screened.drop(section, why, text)
            return None
    if not text:
        return None
    cites = list(dict.fromkeys(int(n) for n in s.cites))
    return Sentence(text=text, cites=cites, evidence=quotes)


def _sentences(items: Sequence[W.LLMSentence], section: str, screened: Screened) -> list[Sentence]:
    out = []
    for s in items:
        sentence = to_sentence(s, section, screened)
        if sentence is not None:
            out.append(sentence)
    return out


def _label(text: str, section: str, screened: Screened, limit: int = 300) -> str | None:
    """A short model-written label (actor, question) or None when unsafe."""
    clean = clean_output(text, limit)
    why = unsafe_text(clean)
    if why:
        screened.drop(section, why, clean)
        return None
    return clean or None


def to_brief(
    story: Story, parsed: W.LLMBrief, screened: Screened, previous: Brief | None
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
        sentence = to_sentence(e, "timeline", screened)
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
        a = to_sentence(t.a.claim, "tensions", screened)
        b = to_sentence(t.b.claim, "tensions", screened)
        actor_a = _label(t.a.actor, "tensions", screened, 120)
        actor_b = _label(t.b.actor, "tensions", screened, 120)
        if a and b and actor_a and actor_b:
            brief.tensions.append(
                Tension(a=Claim(actor=actor_a, claim=a), b=Claim(actor=actor_b, claim=b))
            )
    return brief


def _evolution(ev: W.LLMEvolution, actor: str, before: set[str], incremental: bool) -> Evolution:
    if not incremental or actor.casefold() not in before:
        return Evolution(status="new", note="")
    status = ev.status.strip().lower()
    note = clean_output(ev.note, 400)
    if unsafe_text(note):
        note = ""
    return Evolution(status=status if status in _EVOLUTION - {"new"} else "consistent", note=note)  # type: ignore[arg-type]


def section_empty(brief: Brief, name: str) -> bool:
    if name == "what":
        return not (brief.what.summary or brief.what.bullets)
    return not getattr(brief, name)
