"""Publication dates: any common form to an aware UTC datetime, or None.

Never completed from the clock: a date is a year, a month and a day.  "2003"
or "07-01T10:00" is not a date (dateparser would fill in today's month and
day or this year); an invalid month ("2003-13-01") is not swapped with the
day; relative words ("yesterday") are not dates of a document.

Bounded per entry: the fast parsers (ISO 8601, RFC 822) first; dateparser,
the general and slow one (~17 ms a call when it must guess a language), only
for short strings that carry a four-digit year, with the languages fixed
(the item's language -- a feed's ``<language>`` -- and English, ~1-15 ms)
and its answers cached; a form it failed on three times and never read,
digits aside, is not tried again, so a feed of 2,000 such dates pays for
three failures, not 2,000.
dateparser's search of every language (seconds to load, ~17 ms a call) is
never used: a French date in a feed that does not say it is French is kept
undated, with the text in ``metadata.unparsed_published``.
"""

from __future__ import annotations

import email.utils
import re
from datetime import UTC, datetime
from functools import lru_cache

MAX_DATE_CHARS = 64  # longer strings are not dates (and would cost dateparser most)
_ISO_START = re.compile(r"^\d{4}-\d{1,2}(?:-\d{1,2})?(?:$|[T\s])")
_ISO_SPACE_OFFSET = re.compile(r"\s+(?=[+-]\d{2}:?\d{2}$)")
_LONG_FRACTION = re.compile(r"(\.\d{6})\d+")
_YEAR = re.compile(r"(?<!\d)(?:1[89]|2[01])\d{2}(?!\d)")
_DIGITS = re.compile(r"\d")
# (digit-blind form, languages) -> dateparser's failures on it (negative: it read one)
_SHAPE_FAILURES: dict[tuple[str, tuple[str, ...]], int] = {}
_GIVE_UP = 3
_DATEPARSER_SETTINGS = {
    "TIMEZONE": "UTC",
    "RETURN_AS_TIMEZONE_AWARE": True,
    "REQUIRE_PARTS": ["day", "month", "year"],  # never complete a date from today
    "RELATIVE_BASE": datetime(1900, 1, 1),  # and never anchor one on the clock
    "PREFER_DATES_FROM": "past",
}


def parse_date(value: str | datetime | None, language: str | None = None) -> datetime | None:
    """``value`` as an aware UTC datetime; None when it is not a full, valid date."""
    if value is None:
        return None
    dt = value if isinstance(value, datetime) else _parse(str(value).strip(), language)
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def _parse(raw: str, language: str | None) -> datetime | None:
    if not raw or len(raw) > MAX_DATE_CHARS:
        return None
    if _ISO_START.match(raw):
        return _iso(raw)  # ISO-shaped: valid ISO or nothing (no field swapping)
    try:
        return email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        pass
    if not _YEAR.search(raw):
        return None  # no year: "07-01", "yesterday", "Monday" are not dates
    lang = (language or "").split("-", 1)[0].lower()
    langs = ("en",) if not (lang.isalpha() and len(lang) == 2) or lang == "en" else (lang, "en")
    # A feed repeats its date format: a digit-blind form ("0 janvier 0000")
    # that dateparser failed on three times, and never read, is not tried again.
    shape = (_DIGITS.sub("0", raw), langs)
    if _SHAPE_FAILURES.get(shape, 0) >= _GIVE_UP:
        return None
    dt = _dateparser(raw, langs)
    if len(_SHAPE_FAILURES) > 4096:
        _SHAPE_FAILURES.clear()
    _SHAPE_FAILURES[shape] = _SHAPE_FAILURES.get(shape, 0) + 1 if dt is None else -(1 << 30)
    return dt


def _iso(raw: str) -> datetime | None:
    text = _ISO_SPACE_OFFSET.sub("", raw.replace("Z", "+00:00").replace("z", "+00:00"))
    text = _LONG_FRACTION.sub(r"\1", text)  # nanoseconds: fromisoformat reads six digits
    if len(text) < 10 or not text[8:10].isdigit():
        return None  # "2003-12": a month is not a date
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


@lru_cache(maxsize=4096)
def _dateparser(raw: str, languages: tuple[str, ...]) -> datetime | None:
    import dateparser  # slow to import; only for the odd formats

    try:
        return dateparser.parse(raw, languages=list(languages), settings=_DATEPARSER_SETTINGS)
    except (ValueError, LookupError, OverflowError, TypeError):
        return None

