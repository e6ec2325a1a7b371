"""UTC times as every output shows them: one helper per format.

* ``human``: ``2026-05-23 04:11 UTC`` (or ``2026-05-23``), as on the seed
  page — Markdown, HTML text;
* ``rfc3339``: ``2026-05-23T04:11:30Z`` — Atom ``<updated>``, HTML
  ``<time datetime>``, the JSON API.

Both take a datetime (naive means UTC) or ISO 8601 text.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utc(value: object) -> datetime | None:
    """``value`` as an aware UTC datetime, or None when missing or not a time."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        when = value
    else:
        try:
            when = datetime.fromisoformat(str(value).strip())
        except ValueError:
            return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def human(value: object, with_time: bool = True) -> str:
    """``2026-05-23 04:11 UTC`` (``2026-05-23`` without time); '' when missing, text as is."""
    when = utc(value)
    if when is None:
        return "" if value is None else str(value)
    return when.strftime("%Y-%m-%d %H:%M UTC") if with_time else when.strftime("%Y-%m-%d")


def rfc3339(value: object) -> str | None:
    """``2026-05-23T04:11:30Z``, or None when missing or not a time."""
    when = utc(value)
    return None if when is None else when.isoformat(timespec="seconds").replace("+00:00", "Z")
