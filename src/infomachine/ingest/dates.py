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
from typing import Any

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



# -- Inferred dates -------------------------------------------------------------
#
# An item without a readable published date gets one inferred, in this order:
# the page's own HTML metadata (htmldate, markup only), a full date in the URL
# path, a full date stated near the start of the text.  Each answer is a full
# date (year, month, day) no later than the ingestion time; a year alone, a
# month and a year or a month and a day is no date.  The item says where the
# date came from (``metadata["published_inferred"]``).

INFERRED = "published_inferred"  # item metadata: "html" | "url" | "text"
InferredFrom = str  # "html" | "url" | "text"
MAX_HTML_CHARS = 1_000_000  # htmldate reads at most this much of a page (bounds its time)
TEXT_DATE_CHARS = 300  # a dateline is stated near the start
MIN_YEAR = 1990
_URL_DATES = (
    re.compile(r"/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})(?=/|$|[?#.\-_])"),  # /2025/07/30/
    re.compile(r"(?<![\d])((?:19|20)\d{2})-(\d{2})-(\d{2})(?![\d])"),  # /2025-07-30-
    re.compile(r"(?<=[/\-_])((?:19|20)\d{2})(\d{2})(\d{2})(?=/|$|[?#.\-_])"),  # /20250730/
)
_MONTH_WORD = r"[^\W\d_]{3,10}\.?"
_TEXT_DATES = re.compile(
    r"(?<![\w\-])(?:"
    r"\d{4}-\d{2}-\d{2}(?![\w\-])"  # 2025-07-30
    rf"|{_MONTH_WORD}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}(?!\d)"  # July 30, 2025
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\.?\s+(?:of\s+)?{_MONTH_WORD},?\s+\d{{4}}(?!\d)"  # 30 July 2025
    r")"
)
_ORDINAL = re.compile(r"(?<=\d)(?:st|nd|rd|th)\b|\bof\s+")


def _plausible(dt: datetime | None, now: datetime) -> datetime | None:
    if dt is None:
        return None
    dt = dt if dt.tzinfo else dt.replace(tzinfo=UTC)
    if dt.year < MIN_YEAR or dt > now:
        return None  # a date after the ingestion time is not the document's
    return dt.astimezone(UTC)


def url_date(url: str | None, now: datetime) -> datetime | None:
    """A full date in ``url``'s path (``/2025/07/30/``, ``/2025-07-30-``, ``/20250730/``), else None."""
    if not url:
        return None
    path = url.split("://", 1)[-1]
    path = path[path.find("/") :] if "/" in path else ""
    path = path.split("#", 1)[0]
    for pattern in _URL_DATES:
        for match in pattern.finditer(path):
            year, month, day = (int(g) for g in match.groups())
            try:
                dt = datetime(year, month, day, tzinfo=UTC)
            except ValueError:
                continue  # 2025/13/40: impossible, not swapped
            found = _plausible(dt, now)
            if found is not None:
                return found
    return None


def text_date(text: str | None, now: datetime, language: str | None = None) -> datetime | None:
    """A full date stated in the first ~300 characters of ``text``, else None.

    Read by ``parse_date``'s rules (day, month and year all stated; never
    completed from the clock): "July 30, 2025", "30 July 2025", "2025-07-30".
    """
    if not text:
        return None
    for match in _TEXT_DATES.finditer(text[:TEXT_DATE_CHARS]):
        found = _plausible(parse_date(_ORDINAL.sub("", match.group(0)), language), now)
        if found is not None:
            return found
    return None


def html_date(html: str | None, now: datetime) -> datetime | None:
    """The page's own publication date from its markup (htmldate, no text search), else None."""
    if not html or "<" not in html:
        return None
    import htmldate  # through trafilatura; only when a record carries HTML

    try:
        # a leading space: htmldate downloads a string that looks like a URL, never here
        found = htmldate.find_date(
            " " + html[:MAX_HTML_CHARS],
            original_date=True,
            extensive_search=False,
            outputformat="%Y-%m-%d",
            max_date=now.astimezone(UTC).strftime("%Y-%m-%d"),
        )
    except Exception:  # htmldate must never lose the item
        return None
    return _plausible(_iso(found), now) if found else None


def infer_date(
    *,
    now: datetime,
    url: str | None = None,
    text: str | None = None,
    html: str | None = None,
    language: str | None = None,
) -> tuple[datetime, InferredFrom] | None:
    """An undated item's date and where it came from: its HTML, its URL, its text; or None."""
    now = now if now.tzinfo else now.replace(tzinfo=UTC)
    for source, find in (
        ("html", lambda: html_date(html, now)),
        ("url", lambda: url_date(url, now)),
        ("text", lambda: text_date(text, now, language)),
    ):
        found = find()
        if found is not None:
            return found, source
    return None


def inferred_from(item: Any) -> str | None:
    """Where a stored item's date was inferred from ("html" | "url" | "text"); None for its own date."""
    value = (getattr(item, "metadata", None) or {}).get(INFERRED)
    return str(value) if value and getattr(item, "published", None) is not None else None
