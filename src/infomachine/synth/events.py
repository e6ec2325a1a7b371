"""A story's events, for the brief built from them (issue #13: one brief per story).

An event is the items that report one happening (``Item.event_id``); items
without one are each their own event.  For each event this module finds

* its **date**: the day its sources state most (a day mentioned by more of
  its items wins; an explicit date counts more; a day long before the
  event's first publication, or after its last, is background or a
  schedule and counts less), else its earliest publication day; a day
  named less dates it only when no day named more has a plain line (not an
  aside, nor pronoun-led); an undated item never dates an event by when it
  was ingested;
* its **line**: the event's most central sentence (TF-IDF cosine to the
  centroid of the event's sentences, plus how many of its items say
  something close, plus a small lead bonus) among those that support the
  date (the date is in the sentence, or the sentence is a lead that reports
  its item's own news on its publication day), preferring one that names
  its subject; never one that points back ("But ..."), that ``Analysis.readable``
  refuses, or that stays over ``MAX_WORDS`` words when cut keeping its day; and
* its **support**: every other item of the event whose text states the same
  fact (its best matching sentence, by cosine or ``same_fact``), each cited
  with that sentence as its quote (corroboration).

``story_events`` returns the events in chronological order (None when no
item carries an ``event_id``: the brief then keeps the date-wise timeline);
``timeline_entries`` turns them into ``TimelineEvent``s with 0-based item
indices as cites, which ``synth.extractive`` numbers like every other cite.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from infomachine.models import Evidence, Item, TimelineEvent
from infomachine.synth.analyze.claims import significance, uncertainty
from infomachine.synth.analyze.dates import find_dates
from infomachine.synth.analyze.sentences import MAX_WORDS, Sent
from infomachine.synth.selection import Analysis, points_back, same_fact, writer_aside
from infomachine.synth.timeline import (
    cut_keeping_date,
    may_have_date,
    named_before,
    personal_led,
    pronoun_led,
)
from infomachine.synth.verify import negation
from infomachine.synth.verify_dates import reports_own_news

BACKGROUND_DAYS = 7  # a day this long before the event's first publication is background
BACKGROUND_WEIGHT = 0.3
FUTURE_WEIGHT = 0.2  # a day after the event's last publication: a schedule, not the happening
EXPLICIT_BONUS = 0.3
PUB_WEIGHT = 0.5
PUB_NEXT_DAY_WEIGHT = 0.25
DAY_SLACK = 0.5  # days scoring this share of the best may date the line, when no better day has a plain one
LINE_OPTIONS = 4  # candidate lines kept per event (the next is used when the best repeats a line)
RECALLED_WEIGHT = 1.0  # x other items naming the event's day (as much as a report of it), added to its importance
TIMELINE_EVENTS_N = 30  # a long story lists its 30 most important events
HEADLINE_WEIGHT = 0.5  # closeness to the event's own headlines: the sentence reports the happening


@dataclass
class Line:
    """A candidate timeline line of an event: its day, its sentence (``text``
    is the sentence, cut when long), who a pronoun-led line is about (and the
    sentence naming them), and each other item's sentence stating the same fact."""

    day: date
    sent: Sent
    text: str
    named: tuple[str, Sent] | None
    support: list[Sent]


@dataclass
class StoryEvent:
    """One event of the story, as the brief uses it (item indices into ``Analysis.items``)."""

    key: str
    items: list[int]
    day: date | None = None  # when it happened (stated, else first publication); None: undated
    options: list[Line] = field(default_factory=list)  # its timeline line, best first
    central: dict[int, float] = field(default_factory=dict)  # analysed sentence index -> centrality in the event
    importance: float = 0.0
    order: str = ""  # chronological sort key: its day (else first publication, else ingestion) and key

    def item_set(self) -> set[int]:
        return set(self.items)

    def core_items(self) -> set[int]:
        """The items that state the event's happening (its line's item and support), else all."""
        if not self.options:
            return self.item_set()
        return {self.options[0].sent.item} | {s.item for s in self.options[0].support}

    @property
    def line(self) -> Line | None:
        return self.options[0] if self.options else None


def _pub(item: Item) -> date | None:
    return item.published.date() if item.published else None


def _groups(items: list[Item]) -> dict[str, list[int]] | None:
    if not any(it.event_id for it in items):
        return None
    out: dict[str, list[int]] = defaultdict(list)
    for i, it in enumerate(items):
        out[it.event_id or f"item:{it.id}"].append(i)
    return out


def _day_scores(a: Analysis, idx: list[int], mentions: dict[Sent, set[date]],
                story_days: dict[date, set[int]] | None = None) -> dict[date, float]:
    pubs = [d for i in idx if (d := _pub(a.items[i])) is not None]
    lo, hi = (min(pubs), max(pubs)) if pubs else (None, None)
    by_day: dict[date, set[int]] = defaultdict(set)
    explicit: set[date] = set()
    for i in idx:
        pub = _pub(a.items[i])
        for s in a.all_by_item[i]:
            if not may_have_date(s.text):
                continue
            found = find_dates(s.text, pub)
            for m in found:
                mentions.setdefault(s, set()).add(m.date)
            if pub is None and lo is not None:  # an undated item's "November 21": the event's year
                found += [m for m in find_dates(s.text, lo) if m.kind == "partial"]
            for m in found:
                by_day[m.date].add(i)
                if story_days is not None:
                    story_days[m.date].add(i)
                if m.kind == "explicit":
                    explicit.add(m.date)
    scores: dict[date, float] = defaultdict(float)
    for d, its in by_day.items():
        w = len(its) + (EXPLICIT_BONUS if d in explicit else 0.0)
        if lo is not None and d < lo - timedelta(days=BACKGROUND_DAYS):
            w *= BACKGROUND_WEIGHT
        elif hi is not None and d > hi:
            w *= FUTURE_WEIGHT
        scores[d] += w
    for d in pubs:
        scores[d] += PUB_WEIGHT
        if d - timedelta(days=1) in scores:
            scores[d - timedelta(days=1)] += PUB_NEXT_DAY_WEIGHT
    return scores


_CONDITIONAL = re.compile(r"^(?:if|unless|should|whether)\b", re.IGNORECASE)


def not_a_happening(text: str) -> bool:
    """A conditional, an open question or a statement of stakes: it does not report what happened."""
    return bool(_CONDITIONAL.match(text)) or uncertainty(text) >= 2.0 or significance(text) >= 2.0


def _pool(a: Analysis, idx: list[int], day: date, mentions: dict[Sent, set[date]]) -> list[Sent]:
    """The event's sentences that can carry ``day``: they state it, or report their item's own news that day."""
    out = [s for i in idx for s in a.all_by_item[i] if day in mentions.get(s, ())]
    for i in idx:
        if _pub(a.items[i]) == day:
            out += [s for s in a.all_by_item[i][:3] if reports_own_news(s.text, day) and s not in out]
    return out


def _centrality(a: Analysis, idx: list[int]) -> tuple[list[int], np.ndarray]:
    """The event's analysed sentences (indices into ``a.sents``) and their centrality in the event."""
    js = [a.pos[s] for i in idx for s in a.by_item[i]]
    if not js or a.matrix is None:
        return js, np.zeros(len(js))
    m = a.matrix[js]
    centroid = np.asarray(m.mean(axis=0)).ravel()
    norm = float(np.linalg.norm(centroid)) or 1.0
    central = np.asarray(m @ centroid).ravel() / norm
    sim = a.sim[np.ix_(js, js)]
    item_of = a.item_of[js]
    n_others = max(1, len(idx) - 1)
    close = (sim >= 0.3) & (item_of[None, :] != item_of[:, None])
    support = np.array([len(set(item_of[close[k]].tolist())) / n_others for k in range(len(js))])
    lead = np.array([1.0 / (1.0 + a.sents[j].index) for j in js])
    titles = a.vec.transform([a.items[i].title for i in idx]) if a.vec is not None else None
    headline = np.zeros(len(js))
    if titles is not None:
        tc = np.asarray(titles.mean(axis=0)).ravel()
        headline = np.asarray(m @ tc).ravel() / (float(np.linalg.norm(tc)) or 1.0)
    return js, central + 0.3 * support + 0.1 * lead + HEADLINE_WEIGHT * headline


def _choose_line(a: Analysis, ev: StoryEvent, scores: dict[date, float],
                 mentions: dict[Sent, set[date]]) -> None:
    js, cent = _centrality(a, ev.items)
    ev.central = {j: float(cent[k]) for k, j in enumerate(js)}
    value_of = {a.sents[j]: float(cent[k]) for k, j in enumerate(js)}
    pubs = [d for i in ev.items if (d := _pub(a.items[i])) is not None]
    ev.day = min(pubs) if pubs else None
    if not scores:
        return
    best_score = max(scores.values())
    days = sorted((d for d in scores if scores[d] >= DAY_SLACK * best_score), key=lambda d: (-scores[d], d))
    options: list[tuple[tuple[bool, bool, float, float, int, int], date, Sent, str]] = []
    for d in days:
        for s in _pool(a, ev.items, d, mentions):
            if s not in value_of or points_back(s.text) or not a.readable(s.text):  # "But sadly ...", "s rightwing"
                continue
            bad = bool(writer_aside(s.text) or not_a_happening(s.text))
            text = cut_keeping_date(s.text, d, _pub(a.items[s.item]))
            if len(text.split()) > MAX_WORDS:  # too long to read, and no cut keeps the day
                continue
            key = (bad, pronoun_led(s.text), -round(scores[d], 9), -round(value_of[s], 9), s.item, s.index)
            options.append((key, d, s, text))
    for _, d, s, text in sorted(options, key=lambda o: o[0]):
        named = None
        if pronoun_led(s.text):
            named = named_before(s, a.all_by_item) if personal_led(s.text) else None
            if named is None:
                continue
        ev.options.append(Line(d, s, text, named, _support(a, ev, a.pos[s])))
        if len(ev.options) == LINE_OPTIONS:
            break
    if ev.options:
        ev.day = ev.options[0].day


def _support(a: Analysis, ev: StoryEvent, j: int) -> list[Sent]:
    """Each other item of the event: its best sentence stating sentence ``j``'s fact."""
    return a.corroborators(j, among=ev.item_set(), limit=None)


def story_events(a: Analysis) -> list[StoryEvent] | None:
    """The story's events, oldest first (None when no item carries an ``event_id``)."""
    groups = _groups(a.items)
    if groups is None:
        return None
    sal: dict[int, float] = defaultdict(float)
    for j, s in enumerate(a.sents):
        sal[s.item] = max(sal[s.item], float(a.salience[j]))
    events: list[StoryEvent] = []
    story_days: dict[date, set[int]] = defaultdict(set)  # day -> items of the story that name it
    for key, idx in groups.items():
        ev = StoryEvent(key=key, items=idx)
        mentions: dict[Sent, set[date]] = {}
        _choose_line(a, ev, _day_scores(a, idx, mentions, story_days), mentions)
        publishers = {a.items[i].publisher or a.items[i].id for i in idx}
        ev.importance = len(publishers) + 0.5 * max((sal[i] for i in idx), default=0.0)
        pubs = [d for i in idx if (d := _pub(a.items[i])) is not None]
        first = ev.day or (min(pubs) if pubs else min(a.items[i].when for i in idx).date())
        ev.order = f"{first.isoformat()} {key}"
        events.append(ev)
    for ev in events:  # other reports that name the event's day: it mattered (Ghalandari & Ifrim)
        if ev.day is not None:
            ev.importance += RECALLED_WEIGHT * len(story_days.get(ev.day, set()) - set(ev.items))
    events.sort(key=lambda e: e.order)
    return events


def timeline_entries(events: list[StoryEvent], max_n: int = TIMELINE_EVENTS_N,
                     common: frozenset[str] = frozenset(), avoid: list[str] | None = None) -> list[TimelineEvent]:
    """One line per dated event (the ``max_n`` most important, the latest always kept), oldest first.

    An event whose best line repeats an earlier line (``same_fact`` without
    the story's ``common`` words) or a sentence of ``avoid`` (What's summary,
    plain ``same_fact``) gets its next candidate line; with none left, a
    line that only paraphrases lines over ``BACKGROUND_DAYS`` apart by the
    story's own names (``same_fact`` ``apart``: two happenings of a story
    both name its actors) is listed; otherwise a line that repeats one of
    the same day corroborates it, and else the event has no line."""
    avoid = avoid or []
    dated = [e for e in events if e.day is not None and e.line is not None]
    keep = sorted(dated, key=lambda e: (-e.importance, e.key))[:max_n]
    if dated and dated[-1] not in keep:
        keep[-1] = dated[-1]
    out: list[TimelineEvent] = []
    for ev in sorted(keep, key=lambda e: (e.day or date.min, e.order)):
        entries = [_entry(ev, line) for line in ev.options]
        allowed = [t for t in entries if not any(same_fact(t.text, x) for x in avoid)]
        fresh = next((t for t in allowed if not any(same_fact(o.text, t.text, common) for o in out)), None) \
            or next((t for t in allowed if not any(_repeats(o, t, common) for o in out)), None)
        if fresh is not None:
            out.append(fresh)
            continue
        first = entries[0]  # every line repeats one already listed: corroborate it when on its day
        same = next((o for o in out if o.date == first.date and same_fact(o.text, first.text, common)), None)
        if same is not None:
            known = {(e.n, e.quote) for e in same.evidence}
            same.evidence += [e for e in first.evidence if (e.n, e.quote) not in known
                              and negation(e.quote) == negation(same.text)]
            same.cites = list(dict.fromkeys(e.n for e in same.evidence))
    out.sort(key=lambda t: t.date)
    return out


def _repeats(listed: TimelineEvent, line: TimelineEvent, common: frozenset[str]) -> bool:
    """``line`` states the fact of a line already ``listed`` (see ``timeline_entries``)."""
    apart = abs((date.fromisoformat(listed.date) - date.fromisoformat(line.date)).days) > BACKGROUND_DAYS
    return same_fact(listed.text, line.text, common, apart=apart)


def _entry(ev: StoryEvent, line: Line) -> TimelineEvent:
    text = line.text
    evidence = [Evidence(n=line.sent.item, quote=line.sent.text)]
    if line.named:
        text = f"{line.named[0]}: {text}"
        evidence.append(Evidence(n=line.sent.item, quote=line.named[1].text))
    evidence += [Evidence(n=s.item, quote=s.text) for s in line.support]
    return TimelineEvent(date=line.day.isoformat(), text=text, cites=list(dict.fromkeys(e.n for e in evidence)),
                         evidence=evidence, importance=round(ev.importance, 3), event_id=ev.key)
