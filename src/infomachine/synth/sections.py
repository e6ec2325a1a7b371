"""Section builders of the extractive brief (What, Why it matters, Open
questions, Narrative, Perspectives, Tensions) over an ``Analysis``.

Each prose section takes only sentences that stand on their own (no
"That's why ...", no writer's aside, no question) and that do not state a
fact the brief has already said (``Said``: the timeline's lines first, then
What, Why it matters and the Narrative in that order).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime

import numpy as np

from infomachine.models import Claim, OpenQuestion, Perspective, Sentence, Tension
from infomachine.synth.analyze.actors import Attribution, affiliations_in
from infomachine.synth.analyze.claims import (
    STRONG_UNCERTAINTY,
    TensionPair,
    significance,
    split_contrast,
    uncertainty,
)
from infomachine.synth.analyze.questions import rhetorical, to_question
from infomachine.synth.analyze.sentences import cut_long, too_long
from infomachine.synth.events import StoryEvent
from infomachine.synth.selection import (
    Analysis,
    Said,
    cited_sentence,
    points_back,
    same_fact,
    writer_aside,
)
from infomachine.synth.timeline import pronoun_led

BULLET_LAMBDA = 0.6  # What bullets lean further toward covering different sub-topics
SUMMARY_N, BULLETS_N, WHY_N, QUESTIONS_N, NARRATIVE_N = 1, 4, 2, 4, 10
PERSPECTIVES_N, TENSIONS_N = 6, 4
TITLE_WEIGHT = 0.6
RECENCY_WEIGHT = 0.25  # the summary states the story's current state: later items weigh more
WHY_SIGNIFICANCE = 2.0  # Why it matters takes statements of consequence scoring this much
MIN_STANCE_WORDS = 6  # a stance says something beyond the actor's name and verb


def stands_alone(a: Analysis, j: int, said: Said) -> bool:
    """Readable on its own (``Analysis.readable``, not an aside, no pointing back,
    not too long even when cut) and new to the brief."""
    text = a.sents[j].text
    return a.readable(text) and not (writer_aside(text) or points_back(text) or too_long(text)
                                     or said.repeats(text))


def _stakes(a: Analysis, j: int) -> bool:
    """A statement of consequence or stakes (kept for Why it matters), or of
    something unresolved (for Open questions): not a What bullet."""
    text = a.sents[j].text
    return significance(text) >= WHY_SIGNIFICANCE or uncertainty(text) >= 2.0


# The summary should state the story's news: close to its headline, and able to
# stand first on its own.
_LEAD_PENALTIES = (
    (re.compile(r"^(?:some |many |most )?(?:economists|analysts|experts|observers|critics|"
                r"commentators|traders)\b", re.IGNORECASE), 0.15),  # reaction, not the event
)


# A writer speaking to the reader or of themself ("Maybe you'll be invited ...",
# "I feel his pain"), outside quotation marks: a column's voice, not the news.
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”")
_OWN_VOICE = re.compile(r"\bI\b|\bus\b|\b(?i:we|you|my|our|your)\b")  # "us", not "US"


def _unfit_lead(text: str) -> float:
    """How badly ``text`` would open a brief (0: fine)."""
    penalty = sum(w for pattern, w in _LEAD_PENALTIES if pattern.search(text))
    if _OWN_VOICE.search(_QUOTED.sub(" ", text)):
        penalty += 0.5
    return penalty + (0.2 if len(text.split()) < 8 else 0.0)


def _recency(a: Analysis) -> np.ndarray:
    when = [a.items[s.item].when.timestamp() for s in a.sents]
    lo, hi = min(when), max(when)
    return np.array([(w - lo) / (hi - lo) if hi > lo else 0.0 for w in when])


def what(a: Analysis, actor_of: dict[int, str], said: Said,
         timeline: list[str]) -> tuple[list[int], list[int]]:
    """Summary, then bullets: the most salient, recent sentence that another
    source corroborates (else the most salient), then MMR-diverse bullets on
    other sub-topics, at most one per attributed actor.  The summary may be a
    timeline line (the brief opens with the news); nothing after it repeats one."""
    recent = _recency(a)
    lead = [float(a.salience[j]) + TITLE_WEIGHT * float(a.title_sim[j]) + RECENCY_WEIGHT * float(recent[j])
            - _unfit_lead(a.sents[j].text) for j in range(len(a.sents))]
    ranked = [j for j in sorted(range(len(a.sents)), key=lambda j: (-lead[j], j)) if stands_alone(a, j, said)]
    corroborated = [j for j in ranked[:30] if a.corroborators(j)]
    summary = (corroborated or ranked)[:SUMMARY_N]
    for j in summary:
        said.add(a.sents[j].text)
    for text in timeline:
        said.add(text)
    actors = {actor_of[j] for j in summary if j in actor_of}

    def fresh_actor(j: int) -> bool:
        if j in actor_of and actor_of[j] in actors:
            return False
        actors.update({actor_of[j]} if j in actor_of else set())
        return True

    bullets = a.mmr(BULLETS_N, avoid=set(summary), lambda_=BULLET_LAMBDA,
                    ok=accept(a, said, lambda j: not _stakes(a, j) and fresh_actor(j)))
    return summary, bullets


def accept(a: Analysis, said: Said, also: Callable[[int], bool] | None = None) -> Callable[[int], bool]:
    """An MMR ``ok`` predicate: the sentence stands alone, says something new and
    passes ``also``; an accepted sentence is said at once, so the next pick of
    the same MMR run cannot repeat it."""
    def ok(j: int) -> bool:
        if not stands_alone(a, j, said) or (also is not None and not also(j)):
            return False
        said.add(a.sents[j].text)
        return True
    return ok


def why(a: Analysis, used: set[int], said: Said) -> list[int]:
    """Statements of consequence or stakes (``significance`` >= 2)."""
    sig = np.array([significance(s.text) for s in a.sents])
    pool = [j for j in range(len(a.sents)) if sig[j] >= WHY_SIGNIFICANCE]
    return a.mmr(WHY_N, pool, avoid=used, weight=1 + 0.3 * sig, ok=accept(a, said))


def narrative(a: Analysis, avoid: set[int], said: Said) -> list[list[Sentence]]:
    idx = a.mmr(NARRATIVE_N, avoid=avoid, ok=accept(a, said))

    def key(j: int) -> tuple[datetime, int, int]:
        s = a.sents[j]
        return (a.items[s.item].when, s.item, s.index)

    paragraphs: list[list[Sentence]] = []
    last_day: date | None = None
    for j in sorted(idx, key=key):
        day = a.items[a.sents[j].item].when.date()
        if not paragraphs or len(paragraphs[-1]) >= 4 or (last_day and (day - last_day).days > 2):
            paragraphs.append([])
        paragraphs[-1].append(a.cited(j))
        last_day = day
    return paragraphs


def _heading(a: Analysis, j: int) -> bool:
    """The sentence is a whole line of its item (a heading or a lone line)."""
    s = a.sents[j]
    text = a.items[s.item].text
    before = text[: s.start].rsplit("\n", 1)[-1]
    after = text[s.end :].split("\n", 1)[0]
    return not before.strip() and not after.strip()


def _answered_later(a: Analysis, j: int) -> bool:
    """A later item says something close to the uncertain sentence without doubt."""
    when = a.items[a.sents[j].item].when
    for c in np.nonzero(a.sim[j] >= 0.5)[0].tolist():
        s = a.sents[c]
        if a.items[s.item].when > when and not uncertainty(s.text) and not STRONG_UNCERTAINTY.search(s.text):
            return True
    return False


def questions(a: Analysis) -> list[OpenQuestion]:
    """Open questions only where a source says something is unresolved: a
    question asked in a source whose neighbouring sentence says it is open
    (the neighbour is the context), or an uncertain statement ("it is unclear
    whether ...") rebuilt as a question; never a heading, a rhetorical
    question, or something a later source answers."""
    unc = np.array([uncertainty(s.text) for s in a.sents])
    pool = [j for j in range(len(a.sents)) if unc[j] >= 2.0]
    asked: set[str] = set()
    out: list[OpenQuestion] = []
    for j in a.mmr(len(pool), pool, weight=1 + 0.5 * unc):
        s = a.sents[j]
        question = to_question(s.text)
        context = j
        if question and s.text.rstrip(" \"'\u201d\u2019").endswith("?"):
            if _heading(a, j) or rhetorical(s.text):
                continue
            group = a.by_item[s.item]
            near = [group[k] for k in (s.index - 1, s.index + 1) if 0 <= k < len(group)]
            said_open = [x for x in near if STRONG_UNCERTAINTY.search(x.text)]
            context = a.pos.get(said_open[0], -1) if said_open else -1
        if not question or context < 0 or question.lower() in asked or _answered_later(a, context):
            continue
        asked.add(question.lower())
        out.append(OpenQuestion(question=question, context=[a.cited(context, corroborate=False)]))
        if len(out) >= QUESTIONS_N:
            break
    return out


def _own_half(text: str, actor: str) -> str:
    """The half of "A says X, while B says Y" (or "A thinks X; B thinks Y") that holds ``actor``'s claim."""
    halves = split_contrast(text)
    if not halves:
        return text
    key = actor.split()[-1]
    has = [key in h for h in halves]
    if has[0] == has[1]:
        return text
    return halves[0] if has[0] else halves[1]


def _says_something(quote: str, actor: str) -> bool:
    names = {w.lower() for w in actor.split()}
    rest = [w for w in re.findall(r"[\w'\u2019-]+", quote) if w.lower() not in names]
    return len(rest) >= MIN_STANCE_WORDS + 1  # the verb is one of them


def perspectives(a: Analysis, atts: list[Attribution], canon: dict[str, str],
                 outsiders: set[str]) -> list[Perspective]:
    """One entry per actor (aliases resolved by ``canon``), reporters, outlets
    and non-actors (``outsiders``) left out; a stance is the actor's claim."""
    affil = affiliations_in(s.text for s in a.sents)
    grouped: dict[str, list[Attribution]] = {}
    for att in atts:
        actor = canon[att.actor]
        if actor in outsiders:
            continue
        grouped.setdefault(actor, []).append(att)

    def weight(actor: str) -> tuple[float, str]:
        return (-sum(float(a.salience[a.pos[x.sent]]) for x in grouped[actor]), actor)

    out: list[Perspective] = []
    for actor in sorted(grouped, key=weight):
        chosen = sorted(grouped[actor], key=lambda x: (-float(a.salience[a.pos[x.sent]]), a.pos[x.sent]))
        stance: list[Sentence] = []
        seen: set[str] = set()
        for att in chosen:
            quote = cut_long(_own_half(att.sent.text, att.actor))
            if (quote in seen or not _says_something(quote, actor) or writer_aside(quote) or too_long(quote)
                    or not a.readable(att.sent.text)):
                continue
            if any(same_fact(quote, s.text) for s in stance):
                continue  # the same claim again, in other words: one is enough
            seen.add(quote)
            stance.append(cited_sentence(quote, [(att.sent.item, quote)]))
            if len(stance) == 2:
                break
        if not stance:
            continue
        affiliation = next((x.affiliation for x in chosen if x.affiliation), None) or affil.get(actor)
        if affiliation and canon.get(affiliation, affiliation) == actor:
            affiliation = None
        out.append(Perspective(actor=actor, affiliation=affiliation, stance=stance))
        if len(out) == PERSPECTIVES_N:
            break
    return out


def tensions(pairs: list[TensionPair], canon: dict[str, str], outsiders: set[str],
             same_side: set[frozenset[str]]) -> list[Tension]:
    """Two named actors on opposite sides, each cited with its own quote."""
    out: list[Tension] = []
    seen_pairs: set[frozenset[str]] = set()
    for p in pairs:
        a, b = canon.get(p.a.actor, p.a.actor), canon.get(p.b.actor, p.b.actor)
        key = frozenset({a, b})
        if key in seen_pairs or len(key) < 2 or key & outsiders or key in same_side:
            continue
        seen_pairs.add(key)
        qa, qb = cut_long(p.a_quote), cut_long(p.b_quote)
        out.append(Tension(
            a=Claim(actor=a, claim=cited_sentence(qa, [(p.a.sent.item, qa)])),
            b=Claim(actor=b, claim=cited_sentence(qb, [(p.b.sent.item, qb)])),
        ))
        if len(out) >= TENSIONS_N:
            break
    return out



# --------------------------------------------------------------------------- by event (issue #13)

EVENT_NARRATIVE_N = 12  # sentences across the story's events
EVENT_SENTS_N = 3  # at most this many sentences from one event


def _event_sents(a: Analysis, ev: StoryEvent) -> list[int]:
    """The event's analysed sentences, without those led by a pronoun ("In an
    essay ..., he writes"): out of their source, they do not say who acted."""
    return [a.pos[s] for i in ev.items for s in a.by_item[i] if not pronoun_led(s.text)]


def event_summary(a: Analysis, events: list[StoryEvent], said: Said) -> tuple[list[int], StoryEvent | None]:
    """The story's current state: the most central, headline-like sentence of
    its latest dated event (an undated event is not known to be the latest)
    that says something new, from the reports that state its happening."""
    lead = [float(a.salience[j]) + TITLE_WEIGHT * float(a.title_sim[j]) - _unfit_lead(a.sents[j].text)
            for j in range(len(a.sents))]
    latest_first = [e for e in reversed(events) if e.day is not None] + [e for e in reversed(events) if e.day is None]
    fallback: tuple[list[int], StoryEvent | None] = ([], None)
    for ev in latest_first:
        pool = [j for j in _event_sents(a, ev) if stands_alone(a, j, said)]
        core = ev.core_items()
        pool = [j for j in pool if a.sents[j].item in core] or pool
        if pool:
            best = min(pool, key=lambda j: (-lead[j] - ev.central.get(j, 0.0), j))
            if not _OWN_VOICE.search(_QUOTED.sub(" ", a.sents[best].text)):
                return [best], ev
            fallback = fallback if fallback[1] else ([best], ev)  # a column's voice: try the event before
    return fallback


def event_bullets(a: Analysis, events: list[StoryEvent], summary: list[int], summary_event: StoryEvent | None,
                  actor_of: dict[int, str], said: Said) -> list[int]:
    """The most important distinct developments: one sentence from each other
    event, most important first, at most one per attributed actor; then, while
    bullets are missing, a second one from an event several items report (a
    story of one event fills them from it)."""
    actors = {actor_of[j] for j in summary if j in actor_of}
    per_event = {ev.key: 0 for ev in events}
    if summary_event is not None:
        per_event[summary_event.key] = 1
    bullets: list[int] = []
    ranked = sorted(events, key=lambda e: (-e.importance, e.order))
    cap = BULLETS_N if len(events) == 1 else 2
    for limit in range(1, cap + 1):
        for ev in ranked:
            if len(bullets) == BULLETS_N:
                return bullets
            if per_event[ev.key] >= limit or (limit > 1 and len(events) > 1 and len(ev.items) < 2):
                continue  # a second bullet only from an event several items report
            for j in a.mmr(1, _event_sents(a, ev), avoid=set(summary) | set(bullets), lambda_=BULLET_LAMBDA,
                           ok=lambda j, seen=frozenset(actors): stands_alone(a, j, said) and not _stakes(a, j)
                           and actor_of.get(j, "") not in seen):
                bullets.append(j)
                per_event[ev.key] += 1
                said.add(a.sents[j].text)
                actors |= {actor_of[j]} if j in actor_of else set()
    return bullets


def event_narrative(a: Analysis, events: list[StoryEvent], avoid: set[int], said: Said) -> list[list[Sentence]]:
    """Event by event, oldest first (the latest state last): each event's most
    salient sentences that say something new, the most important events
    first served; each sentence cites every item of its event stating it."""
    chosen: dict[str, list[int]] = {ev.key: [] for ev in events}
    used = set(avoid)
    ranked = sorted(events, key=lambda e: (-e.importance, e.order))
    total = 0
    for round_ in range(EVENT_SENTS_N):
        for ev in ranked:
            if total >= EVENT_NARRATIVE_N or (round_ and len(ev.items) <= round_):
                continue
            for j in a.mmr(1, _event_sents(a, ev), avoid=used, ok=lambda j: stands_alone(a, j, said)):
                chosen[ev.key].append(j)
                used.add(j)
                said.add(a.sents[j].text)
                total += 1
    paragraphs: list[list[Sentence]] = []
    for ev in events:
        idx = sorted(chosen[ev.key], key=lambda j: (a.items[a.sents[j].item].when, a.sents[j].item, a.sents[j].index))
        if not idx:
            continue
        if not paragraphs or len(paragraphs[-1]) + len(idx) > 4 or len(idx) > 1:
            paragraphs.append([])
        paragraphs[-1].extend(a.cited(j, among=ev.item_set()) for j in idx)
    return paragraphs
