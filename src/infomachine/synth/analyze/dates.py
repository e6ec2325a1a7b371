"""Explicit and relative date mentions, resolved to calendar days.

Only day-level expressions are resolved ("15 December 2025", "Dec. 15",
"2025-12-15", "on Monday", "yesterday", "three days ago"); vaguer ones
("last month", "this year") are ignored because a timeline needs a day.
Relative expressions are resolved against the publication date of the
item they appear in, with the usual newsroom conventions: a bare weekday
("on Monday") means the most recent such day up to the publication day,
unless the verb is future-tense ("will … on Monday"), then the next one; a
month-day without a year takes the year that puts it closest to the
publication date.

Plain rules instead of ``dateparser`` keep this fast (thousands of
sentences per second) and deterministic; ``dateparser`` is only used as a
fallback by :func:`parse_loose` for odd standalone strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11,
    "nov": 11, "december": 12, "dec": 12,
}
WEEKDAYS = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4,
    "saturday": 5, "sunday": 6,
}
NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "a": 1, "an": 1,
}

_MON = r"(?P<mon>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
# "December 15, 2025", "Dec. 15 2025", "Dec 15" (tokenised text may have "Dec . 15 , 2025")
MONTH_DAY = re.compile(
    rf"\b{_MON}\s?\.?\s+{_DAY}\b(?!\s*(?:,\s*)?(?:[:%]|\d\d\d(?!\d)))(?:\s*,?\s*{_YEAR}\b)?"
)
# "15 December 2025", "15 Dec"
DAY_MONTH = re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MON}\b\.?(?:\s*,?\s*{_YEAR}\b)?")
ISO = re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<mon>[01]\d)-(?P<day>[0-3]\d)\b")
WEEKDAY = re.compile(
    r"\b(?P<prep>on|last|this|next|since|until|by|from|early|late)?\s*"
    r"(?P<wd>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b"
    r"(?:\s+(?P<part>morning|afternoon|evening|night))?"
)
RELATIVE = re.compile(
    r"\b(?P<word>yesterday|today|tonight|tomorrow|the day before|the previous day|the next day)\b",
    re.IGNORECASE,
)
AGO = re.compile(
    r"\b(?P<n>\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|a|an)\s+"
    r"(?P<unit>days?|weeks?)\s+(?P<dir>ago|earlier|later)\b",
    re.IGNORECASE,
)
FUTURE = re.compile(r"\b(will|would|is due|are due|scheduled|plans? to|expected to|set to|next)\b", re.I)


@dataclass(frozen=True)
class DateMention:
    """A day referred to in a text, with the span that says so."""

    date: date
    start: int
    end: int
    text: str
    kind: str  # "explicit" (has a year), "partial" (month-day), "relative", "weekday"


def _valid(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _closest_year(m: int, d: int, ref: date) -> date | None:
    best: date | None = None
    for y in (ref.year - 1, ref.year, ref.year + 1):
        cand = _valid(y, m, d)
        if cand and (best is None or _dist(cand, ref) < _dist(best, ref)):
            best = cand
    return best


def _dist(d: date, ref: date) -> float:
    """Distance in days, future dates counted 1.5x (news mostly looks back)."""
    delta = (d - ref).days
    return delta * 1.5 if delta > 0 else -delta


def _future_context(text: str, start: int) -> bool:
    window = text[max(0, start - 80) : start]
    return bool(FUTURE.search(window))


def find_dates(text: str, ref: date | None) -> list[DateMention]:
    """Every day-level date mention in ``text``; relative ones need ``ref``."""
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []

    def add(d: date | None, m: re.Match[str], kind: str) -> None:
        if d is None:
            return
        s, e = m.span()
        if any(s < te and ts < e for ts, te in taken):
            return
        taken.append((s, e))
        found.append(DateMention(d, s, e, m.group(0).strip(), kind))

    for m in ISO.finditer(text):
        add(_valid(int(m["year"]), int(m["mon"]), int(m["day"])), m, "explicit")
    for rx in (MONTH_DAY, DAY_MONTH):
        for m in rx.finditer(text):
            mon = MONTHS.get(m["mon"].lower().rstrip("."))
            if mon is None:
                continue
            day = int(m["day"])
            if not 1 <= day <= 31:
                continue
            if m["year"]:
                add(_valid(int(m["year"]), mon, day), m, "explicit")
            elif ref is not None:
                add(_closest_year(mon, day, ref), m, "partial")
    if ref is None:
        return sorted(found, key=lambda x: x.start)
    for m in WEEKDAY.finditer(text):
        wd = WEEKDAYS[m["wd"].lower()]
        prep = (m["prep"] or "").lower()
        back = (ref.weekday() - wd) % 7
        if prep == "next" or (prep in {"on", "", "by", "until"} and _future_context(text, m.start())):
            fwd = (wd - ref.weekday()) % 7 or 7
            add(ref + timedelta(days=fwd), m, "weekday")
        elif prep == "last" and back == 0:
            add(ref - timedelta(days=7), m, "weekday")
        else:
            add(ref - timedelta(days=back), m, "weekday")
    for m in RELATIVE.finditer(text):
        word = m["word"].lower()
        if word in {"today", "tonight"}:
            add(ref, m, "relative")
        elif word == "yesterday":
            add(ref - timedelta(days=1), m, "relative")
        elif word == "tomorrow":
            add(ref + timedelta(days=1), m, "relative")
    for m in AGO.finditer(text):
        n_raw = m["n"].lower()
        n = int(n_raw) if n_raw.isdigit() else NUMBERS[n_raw]
        days = n * (7 if m["unit"].lower().startswith("week") else 1)
        if m["dir"].lower() == "ago":
            add(ref - timedelta(days=days), m, "relative")
    return sorted(found, key=lambda x: x.start)


def parse_loose(value: str, ref: date | None = None) -> date | None:
    """One standalone date string ("next Friday", "3 March") to a day, or None."""
    hits = find_dates(value, ref)
    if hits:
        return hits[0].date
    from datetime import datetime, time

    import dateparser  # slow to import: only for what the rules above did not read

    settings: dict[str, object] = {"PREFER_DATES_FROM": "past", "STRICT_PARSING": False}
    if ref is not None:
        settings["RELATIVE_BASE"] = datetime.combine(ref, time(12))
    parsed = dateparser.parse(value, languages=["en"], settings=settings)
    return parsed.date() if parsed else None
