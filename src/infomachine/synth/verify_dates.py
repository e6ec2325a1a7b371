"""Timeline dates a reader can trust.

``synth.verify`` checks that a timeline line quotes its sources; this module
checks its *date*.  A timeline event stays only when, for one of the sources
it cites, the date is

* stated in the quoted text ("on 12 March 2026", "March 12"), or implied by
  it: a relative date ("on Tuesday", "yesterday", "three days ago") resolved
  against that source's own publication date (``synth.analyze.dates``); or
* the source's own publication date, for a line that reports the source's
  own news: its quote names no other day, no other year and no vaguer past
  ("last week", "earlier this month", "in January" of another month).

Publication dates are the items' ``published`` dates only.  An item without
one (ingest keeps an unreadable date in ``metadata.unparsed_published`` and
leaves ``published`` empty) is undated: its ingestion time never stands in
for a publication date, so it dates a line only by a date its text states.

``verify_dates`` drops unsupported events in place and reports them as the
``timeline_dates`` section of a ``VerificationReport`` (``infomachine
verify`` shows it); ``synth.stage`` runs it on every brief a synthesizer
returns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from infomachine.models import Brief, Item, TimelineEvent
from infomachine.synth.analyze.dates import MONTHS, find_dates
from infomachine.synth.verify import SectionSupport, VerificationReport

SECTION = "timeline_dates"
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_VAGUE_PAST = re.compile(
    r"\b(?:last|past|previous|earlier this|earlier that|late last|early last)\s+"
    r"(?:week|weekend|month|year|summer|winter|spring|autumn|fall|decade|season)\b"
    r"|\b(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|several|few)\s+"
    r"(?:weeks?|months?|years?|decades?)\s+(?:ago|earlier)\b",
    re.IGNORECASE,
)
_IN_MONTH = re.compile(
    r"\b(?i:in|since|during|until|by|from|early|late|mid-?)\s+(?P<mon>January|February|March|April|May|June|"
    r"July|August|September|October|November|December)\b"
)


@dataclass
class DateReport:
    kept: int = 0
    dropped: int = 0
    problems: list[str] = field(default_factory=list)


def published_days(brief: Brief, items: Iterable[Item] | None = None) -> dict[int, date | None]:
    """Each source number's publication day: the item's ``published`` date when
    ``items`` are given, else the brief's ``SourceRef.published``; None when undated."""
    by_id = {it.id: it for it in items} if items is not None else None
    out: dict[int, date | None] = {}
    for ref in brief.sources:
        day: date | None = None
        if by_id is not None and ref.item_id in by_id:
            item = by_id[ref.item_id]
            day = item.published.date() if item.published else None
        elif ref.published:
            try:
                day = date.fromisoformat(ref.published[:10])
            except ValueError:
                day = None
        out[ref.n] = day
    return out


def reports_own_news(quote: str, pub: date) -> bool:
    """Whether ``quote`` can be dated by its item's publication day ``pub``.

    It can when it names no day but ``pub`` (explicit or relative), no year
    but ``pub``'s, no month but ``pub``'s ("in January") and no vaguer past
    ("last week", "two months ago").
    """
    if any(m.date != pub for m in find_dates(quote, pub)):
        return False
    if any(int(y) != pub.year for y in _YEAR.findall(quote)):
        return False
    if any(MONTHS[m["mon"].lower()] != pub.month for m in _IN_MONTH.finditer(quote)):
        return False
    return not _VAGUE_PAST.search(quote)


def date_problem(event: TimelineEvent, published: Mapping[int, date | None]) -> str | None:
    """None when a cited source states, implies or (own news) is published on the event's date, else why not."""
    try:
        day = date.fromisoformat(event.date)
    except ValueError:
        return f"{event.date!r} is not a date"
    quotes: dict[int, list[str]] = {}
    for ev in event.evidence:
        quotes.setdefault(ev.n, []).append(ev.quote)
    others: set[date] = set()
    for n in event.cites:
        pub = published.get(n)
        texts = quotes.get(n) or [event.text]
        mentioned = {m.date for q in texts for m in find_dates(q, pub)}
        if day in mentioned:
            return None
        if pub == day and all(reports_own_news(q, pub) for q in texts):
            return None
        others |= mentioned
    if others:
        named = ", ".join(d.isoformat() for d in sorted(others))
        return f"the cited text dates it {named}, not {event.date}"
    pubs = {published.get(n) for n in event.cites}
    if pubs == {None}:
        return f"no date in the cited text and the source is undated, not {event.date}"
    if day in pubs:
        return f"dated by publication ({event.date}) but the cited text reports an earlier or other time"
    return f"{event.date} is neither in the cited text nor the publication date of a cited source"


def verify_dates(
    brief: Brief,
    published: Mapping[int, date | None] | None = None,
    *,
    report: VerificationReport | None = None,
) -> DateReport:
    """Drop every timeline event whose date its cited text does not support (in place).

    ``published`` maps source numbers to publication days (default:
    ``published_days(brief)``).  When ``report`` is given, the result is
    added to it as the ``timeline_dates`` section, with its problems.
    """
    days = published_days(brief) if published is None else published
    out = DateReport()
    kept = []
    for event in brief.timeline:
        why = date_problem(event, days)
        if why is None:
            out.kept += 1
            kept.append(event)
        else:
            out.dropped += 1
            out.problems.append(f"{SECTION}: {why} — {event.text[:80]!r}")
    emptied = bool(brief.timeline) and not kept
    brief.timeline = kept
    brief.dropped_sentences += out.dropped
    if emptied:
        brief.omitted["timeline"] = "no timeline date is stated or implied by the text it cites"
    if report is not None:
        report.sections[SECTION] = SectionSupport(kept=out.kept, dropped=out.dropped)
        report.problems.extend(out.problems)
    return out
