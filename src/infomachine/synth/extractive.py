"""The default synthesizer: offline, deterministic, extractive.

Every sentence of the brief is a sentence (or a verbatim span of one) from
a source, cited with that sentence as its evidence quote; a sentence that
other sources corroborate (TF-IDF cosine >= ``CORROBORATE``) also cites
them, each with its own matching sentence as the quote.  Selection (salience,
MMR, saying each fact once) is in ``synth/selection.py``; the section
builders are in ``synth/sections.py``.  Sections without support stay empty
and say why in ``brief.omitted``.  The brief is verified before it is returned.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from infomachine.ingest.dates import inferred_from
from infomachine.models import (
    Brief,
    BriefStory,
    Evidence,
    Item,
    Sentence,
    SourceRef,
    Story,
    What,
    utcnow,
)
from infomachine.synth import sections
from infomachine.synth.analyze.actors import attributions
from infomachine.synth.analyze.claims import contrast_tensions, find_tensions
from infomachine.synth.analyze.names import canonical_actors, not_actors, same_side
from infomachine.synth.analyze.sentences import cut_long
from infomachine.synth.events import story_events, timeline_entries
from infomachine.synth.selection import CORROBORATE, Analysis, Said
from infomachine.synth.timeline import select_dates
from infomachine.synth.verify import verify_brief

__all__ = ["CORROBORATE", "synthesize"]
TIMELINE_N = 8


def synthesize(
    story: Story,
    items: list[Item],
    *,
    found_via: Mapping[str, str] | None = None,
    now: datetime | None = None,
    previous: Brief | None = None,
) -> Brief:
    """A verified, cited brief of ``story`` from its ``items`` (pure function).

    ``previous`` is accepted for the synthesizer interface and not needed:
    the offline brief is rebuilt from all items, deterministically, and
    evolution is computed afterwards by comparing versions.
    """
    del previous
    usable = sorted((it for it in items if not it.duplicate_of), key=lambda it: (it.when, it.id))
    brief = Brief(
        story=BriefStory(id=story.id, slug=story.slug, title=story.title),
        generated_at=now or utcnow(),
        item_count=len(items),
        synthesizer="extractive",
    )
    a = Analysis(usable, story.title)
    if not a.sents:
        for section in ("what", "why_it_matters", "open_questions", "narrative", "timeline",
                        "perspectives", "tensions"):
            brief.omitted[section] = "no prose sentences in the story's items"
        return brief

    # Events (items carrying ``event_id``): one timeline line per event, What and the
    # Narrative built event by event.  Without them, the date-wise timeline.
    events = story_events(a)
    said = Said()  # any two sentences sharing most key words count, the story's own names included
    summary: list[int] = []
    summary_event = None
    if events is not None:
        # What opens with the latest event's news; the timeline then states another dated fact of
        # that event, or, when it has none, keeps the event's line and What opens with its next fact
        summary, summary_event = sections.event_summary(a, events, said)
        brief.timeline = timeline_entries(events, common=a.common)
        listed = {e.event_id for e in brief.timeline}
        shown = [cut_long(a.sents[j].text) for j in summary]
        other = timeline_entries(events, common=a.common, avoid=shown)
        if summary_event is None or summary_event.key not in listed or summary_event.key in {
                e.event_id for e in other}:
            brief.timeline = other
        else:
            for event in brief.timeline:
                said.add(event.text)
            summary, summary_event = sections.event_summary(a, events, said)
        for j in summary:
            said.add(a.sents[j].text)
        for event in brief.timeline:
            said.add(event.text)
    else:
        for event in select_dates(usable, max_dates=TIMELINE_N, sentences=a.all_by_item):
            # select_dates cites 1-based item positions; keep internal 0-based indices here
            event.cites = [n - 1 for n in event.cites]
            event.evidence = [Evidence(n=e.n - 1, quote=e.quote) for e in event.evidence]
            brief.timeline.append(event)
    if not brief.timeline:
        brief.omitted["timeline"] = "no dated events (no dates in the text and no publication dates)"

    texts = [s.text for s in a.sents]
    atts = [att for s in a.sents for att in attributions(s)]
    atts.sort(key=lambda x: (-float(a.salience[a.pos[x.sent]]), a.pos[x.sent]))
    canon = canonical_actors((att.actor for att in atts), texts)
    outsiders = not_actors(set(canon.values()), [it.title + "\n" + it.text for it in usable],
                           [it.publisher or "" for it in usable], [it.author or "" for it in usable])

    actor_of = {a.pos[att.sent]: canon[att.actor] for att in reversed(atts)}
    if events is not None:
        bullets = sections.event_bullets(a, events, summary, summary_event, actor_of, said)
    else:  # the summary may be a timeline line (the brief opens with the news); nothing after it repeats one
        summary, bullets = sections.what(a, actor_of, said, [e.text for e in brief.timeline])
    brief.what = What(summary=[a.cited(j) for j in summary], bullets=[a.cited(j) for j in bullets])
    used = set(summary) | set(bullets)

    why = sections.why(a, used, said)
    brief.why_it_matters = [a.cited(j) for j in why]
    if not why:
        brief.omitted["why_it_matters"] = "no source states why this matters (no consequence or stakes)"
    used |= set(why)

    brief.open_questions = sections.questions(a)
    if not brief.open_questions:
        brief.omitted["open_questions"] = "no source says anything is unresolved, disputed or awaited"

    if events is not None and len(events) > 1:
        brief.narrative = sections.event_narrative(a, events, used, said)
    else:
        brief.narrative = sections.narrative(a, used, said)

    brief.perspectives = sections.perspectives(a, atts, canon, outsiders)
    if not brief.perspectives:
        brief.omitted["perspectives"] = "no named actor is quoted or attributed a claim"

    pairs = contrast_tensions(a.sents, canon) + find_tensions(atts, canon)
    keys = {frozenset({canon.get(p.a.actor, p.a.actor), canon.get(p.b.actor, p.b.actor)}) for p in pairs}
    brief.tensions = sections.tensions(pairs, canon, outsiders, same_side(keys, atts, canon, texts))
    if not brief.tensions:
        brief.omitted["tensions"] = "no two named actors take opposite positions on the same question"

    _number_sources(brief, usable, found_via or {})
    source_texts = {s.n: _source_text(usable[_index(usable, s.item_id)]) for s in brief.sources}
    verify_brief(brief, source_texts)
    _note_emptied(brief)
    return brief


def _source_text(item: Item) -> str:
    return f"{item.title}\n{item.text}"


def _index(items: list[Item], item_id: str) -> int:
    return next(i for i, it in enumerate(items) if it.id == item_id)


def _all_sentences(brief: Brief) -> list[Sentence]:
    out = [*brief.what.summary, *brief.what.bullets, *brief.why_it_matters]
    out += [s for q in brief.open_questions for s in q.context]
    out += [s for p in brief.narrative for s in p]
    out += [s for p in brief.perspectives for s in p.stance]
    out += [c for t in brief.tensions for c in (t.a.claim, t.b.claim)]
    return out


def _number_sources(brief: Brief, items: list[Item], found_via: Mapping[str, str]) -> None:
    """Turn internal item indices into source numbers 1..n, by first citation."""
    order: dict[int, int] = {}
    holders: list[tuple[list[int], list[Evidence]]] = [(s.cites, s.evidence) for s in _all_sentences(brief)]
    holders += [(e.cites, e.evidence) for e in brief.timeline]
    for cites, _ in holders:
        for i in cites:
            order.setdefault(i, len(order) + 1)
    for cites, evidence in holders:
        cites[:] = [order[i] for i in cites]
        for ev in evidence:
            ev.n = order[ev.n]
    for i, n in sorted(order.items(), key=lambda kv: kv[1]):
        it = items[i]
        brief.sources.append(
            SourceRef(
                n=n,
                item_id=it.id,
                title=it.title,
                publisher=it.publisher,
                published=it.published.date().isoformat() if it.published else None,
                url=it.url,
                found_via=found_via.get(it.id) or it.source,
                published_inferred=inferred_from(it),
            )
        )


def _note_emptied(brief: Brief) -> None:
    """Sections verification emptied must also say why."""
    checks = {
        "what": not (brief.what.summary or brief.what.bullets),
        "why_it_matters": not brief.why_it_matters,
        "open_questions": not brief.open_questions,
        "narrative": not brief.narrative,
        "timeline": not brief.timeline,
        "perspectives": not brief.perspectives,
        "tensions": not brief.tensions,
    }
    for section, empty in checks.items():
        if empty:
            brief.omitted.setdefault(section, "no supported sentences")
        else:
            brief.omitted.pop(section, None)
