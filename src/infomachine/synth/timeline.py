"""Timeline date selection in the spirit of Ghalandari & Ifrim (ACL 2020).

Their "datewise" approach first ranks dates, then writes one summary per
selected date.  Without training data we use their strongest unsupervised
date-ranking signal, mention counts, combined with publication counts:

* every content sentence that mentions a day (explicit "12 March 2014",
  partial "March 12", relative "yesterday"/"on Monday" resolved against the
  article's publication date) votes for that day; a vote from an article
  published *after* the day ("looking back") counts more, as do explicit
  dates, and each article votes at most ``PER_ARTICLE_CAP`` times per day;
* each article published on a day (or the day after: news runs a day late)
  adds a smaller vote, so heavily covered days rise;
* selected dates are spread out: a date adjacent to an already chosen one
  (within ``SPREAD_DAYS``) is penalised (redundancy removal over time).

Each selected date gets the candidate sentence most central to that date's
candidates (TF-IDF centroid), with its citation.  A day chosen for its
publications alone is described only by a lead sentence that reports the
item's own news (``verify_dates.reports_own_news``: no other day, year or
vaguer past named), so every date is stated or implied by the text it cites;
an undated item (no ``published``) never dates a line by when it was ingested.  Cites are 1-based
positions in the ``items`` list given.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from infomachine.models import Evidence, Item, TimelineEvent
from infomachine.synth.analyze.actors import attributions, is_person
from infomachine.synth.analyze.dates import DateMention, find_dates
from infomachine.synth.analyze.names import canonical_actors, full_names
from infomachine.synth.analyze.sentences import MAX_WORDS, Sent, clause_cuts, item_sentences
from infomachine.synth.verify_dates import reports_own_news

LOOKBACK_WEIGHT = 1.0
SAME_DAY_WEIGHT = 0.6
FUTURE_WEIGHT = 0.3
EXPLICIT_BONUS = 0.3
PUB_WEIGHT = 0.5
PUB_NEXT_DAY_WEIGHT = 0.25
PER_ARTICLE_CAP = 2
SPREAD_DAYS = 1
SPREAD_PENALTY = 0.5


@dataclass
class DateCandidate:
    day: date
    score: float = 0.0
    mentions: list[tuple[Sent, DateMention]] = field(default_factory=list)
    published: list[int] = field(default_factory=list)  # item indices published that day


# Every day-level expression ``find_dates`` reads has a digit, or a word with
# "day" (Monday, yesterday, the next day), "tonight", "tomorrow" or "week" in it.
_MAYBE_DATE = re.compile(r"\d|day|tonight|tomorrow|week", re.IGNORECASE)


def may_have_date(text: str) -> bool:
    """False when ``text`` cannot hold a date ``find_dates`` reads (a fast pre-check)."""
    return bool(_MAYBE_DATE.search(text))


def _pub_day(item: Item) -> date | None:
    return item.published.date() if item.published else None


def collect_candidates(
    items: list[Item], sentences: list[list[Sent]] | None = None
) -> dict[date, DateCandidate]:
    """Every day mentioned or published on, with its raw score and evidence."""
    if sentences is None:
        sentences = [item_sentences(it, i) for i, it in enumerate(items)]
    cands: dict[date, DateCandidate] = {}

    def cand(d: date) -> DateCandidate:
        if d not in cands:
            cands[d] = DateCandidate(d)
        return cands[d]

    for i, it in enumerate(items):
        pub = _pub_day(it)
        per_day: dict[date, int] = defaultdict(int)
        for sent in sentences[i]:
            seen: set[date] = set()
            if not may_have_date(sent.text):
                continue
            for mention in find_dates(sent.text, pub):
                d = mention.date
                if d in seen:
                    continue
                seen.add(d)
                c = cand(d)
                c.mentions.append((sent, mention))
                if per_day[d] >= PER_ARTICLE_CAP:
                    continue
                per_day[d] += 1
                if pub is None or d < pub:
                    w = LOOKBACK_WEIGHT
                elif d == pub:
                    w = SAME_DAY_WEIGHT
                else:
                    w = FUTURE_WEIGHT
                if mention.kind == "explicit":
                    w += EXPLICIT_BONUS
                c.score += w
        if pub is not None:
            c = cand(pub)
            c.published.append(i)
            c.score += PUB_WEIGHT
            cand(pub - timedelta(days=1)).score += PUB_NEXT_DAY_WEIGHT
    return cands


def rank_dates(
    cands: dict[date, DateCandidate],
    k: int,
    since: date | None = None,
    until: date | None = None,
) -> list[DateCandidate]:
    """The ``k`` best days in range, spread out, oldest first."""
    pool = [
        c
        for c in cands.values()
        if (since is None or c.day >= since)
        and (until is None or c.day <= until)
        and (c.mentions or c.published)
    ]
    pool.sort(key=lambda c: (-c.score, c.day))
    chosen: list[DateCandidate] = []
    scores = {c.day: c.score for c in pool}
    while pool and len(chosen) < k:
        best = max(pool, key=lambda c: (scores[c.day], -c.day.toordinal()))
        chosen.append(best)
        pool.remove(best)
        for c in pool:
            if abs((c.day - best.day).days) <= SPREAD_DAYS:
                scores[c.day] *= SPREAD_PENALTY
    return sorted(chosen, key=lambda c: c.day)


# A sentence whose subject is a bare pronoun ("In an essay published on April
# 11, he writes ...") does not say who acted; prefer one that names them.
_PRONOUN_LED = re.compile(
    r"^(?:[^,]{0,90},\s+){0,2}(?:he|she|they|it|his|her|their|its|this|these)\b", re.IGNORECASE
)
_PERSONAL = re.compile(r"^(?:[^,]{0,90},\s+){0,2}(?:he|she|his|her)\b", re.IGNORECASE)


def pronoun_led(text: str) -> bool:
    return bool(_PRONOUN_LED.match(text))


def personal_led(text: str) -> bool:
    """Opens (after up to two leading clauses) with "he", "she", "his" or "her"."""
    return bool(_PERSONAL.match(text))


def named_before(sent: Sent, sentences: list[list[Sent]]) -> tuple[str, Sent] | None:
    """The one person the item names before ``sent`` (with the sentence naming them), if unambiguous."""
    earlier = [x for x in sentences[sent.item] if x.index < sent.index]
    people: dict[str, Sent] = {}
    for x in earlier:
        for att in attributions(x):
            people.setdefault(att.actor, x)
        for name in full_names([x.text]):
            people.setdefault(name, x)
    canon = canonical_actors(list(people))
    named = {canon[n] for n in people if is_person(canon[n])}
    if len(named) != 1:
        return None
    person = named.pop()
    return person, people.get(person) or next(people[n] for n in people if canon[n] == person)


def _describe(
    cand: DateCandidate, items: list[Item], sentences: list[list[Sent]]
) -> tuple[Sent, float, tuple[str, Sent] | None] | None:
    """The date's most central sentence, preferring one that names its actor.

    When every candidate opens with a pronoun, the event is kept only if the
    item names exactly one person before it (then returned as the actor,
    with the sentence that names them); otherwise the date has no event.
    """
    pool = [s for s, _ in cand.mentions]
    if not pool:  # dated by publication: only a lead that reports the item's own news
        pool = [s for i in cand.published for s in sentences[i][:3] if reports_own_news(s.text, cand.day)]
    if not pool:
        return None
    uniq = list(dict.fromkeys(pool))
    sims = [1.0] * len(uniq)
    if len(uniq) > 1:
        vec = TfidfVectorizer(stop_words="english", sublinear_tf=True)
        try:
            m = vec.fit_transform([s.text for s in uniq])
            centroid = np.asarray(m.mean(axis=0)).ravel()
            sims = [float(x) for x in np.asarray(m @ centroid).ravel()]
        except ValueError:
            sims = [0.0] * len(uniq)
    # prefer sentences naming their subject, then readable ones (no longer than ``MAX_WORDS`` once cut),
    # then central ones, then earlier ones (determinism)
    pub = [_pub_day(items[s.item]) for s in uniq]
    long = [len(cut_keeping_date(s.text, cand.day, pub[j]).split()) > MAX_WORDS for j, s in enumerate(uniq)]
    order = sorted(
        range(len(uniq)),
        key=lambda j: (pronoun_led(uniq[j].text), long[j], -round(sims[j], 9), uniq[j].item, uniq[j].index),
    )
    best = uniq[order[0]]
    if not pronoun_led(best.text):
        return best, sims[order[0]], None
    for j in order:
        if _PERSONAL.match(uniq[j].text):
            named = named_before(uniq[j], sentences)
            if named:
                return uniq[j], sims[j], named
    return None


def select_dates(
    items: list[Item],
    *,
    max_dates: int = 10,
    since: date | None = None,
    until: date | None = None,
    sentences: list[list[Sent]] | None = None,
) -> list[TimelineEvent]:
    """The ``max_dates`` most important dated events, oldest first.

    Each event's text is one verbatim sentence from a source; ``cites`` and
    ``evidence`` use 1-based positions in ``items``.  ``importance`` is the
    date's score.  Items marked as near-duplicates still count as coverage.
    """
    if max_dates <= 0 or not items:
        return []
    if sentences is None:
        sentences = [item_sentences(it, i) for i, it in enumerate(items)]
    cands = collect_candidates(items, sentences)
    events: list[TimelineEvent] = []
    for cand in rank_dates(cands, max_dates, since, until):
        described = _describe(cand, items, sentences)
        if described is None:
            continue
        sent, _, named = described
        n = sent.item + 1
        evidence = [Evidence(n=n, quote=sent.text)]
        text = cut_keeping_date(sent.text, cand.day, _pub_day(items[sent.item]))
        if named:  # "Nathan Lambert: In an essay ..., he writes ..." (the naming sentence is evidence too)
            text = f"{named[0]}: {sent.text}"
            evidence.append(Evidence(n=n, quote=named[1].text))
        events.append(
            TimelineEvent(
                date=cand.day.isoformat(),
                text=text,
                cites=[n],
                evidence=evidence,
                importance=round(cand.score, 3),
            )
        )
    return events


def cut_keeping_date(text: str, day: date, pub: date | None) -> str:
    """``text`` shortened when over ~45 words by its best ``clause_cuts`` that still
    states ``day`` (or still reports its item's own news that day); else unchanged."""
    for cut in clause_cuts(text):
        if day in {m.date for m in find_dates(cut, pub)} or (pub == day and reports_own_news(cut, day)):
            return cut
    return text


def pub_date_baseline(
    items: list[Item], *, max_dates: int, since: date | None = None, until: date | None = None
) -> list[date]:
    """Days with the most published items (the usual baseline)."""
    counts: dict[date, int] = defaultdict(int)
    for it in items:
        d = _pub_day(it)
        if d and (since is None or d >= since) and (until is None or d <= until):
            counts[d] += 1
    ranked = sorted(counts, key=lambda d: (-counts[d], d))
    return sorted(ranked[:max_dates])
