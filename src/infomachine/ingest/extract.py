"""Extraction: a raw ``Record`` becomes a clean ``Item``.

HTML bodies become clean text (block elements become line breaks, scripts
and styles are dropped); dates are normalised to UTC; identity fields
(canonical URL, content hash, stable id) are computed here.
"""

from __future__ import annotations

import email.utils
import html
from datetime import UTC, datetime
from typing import Any

from infomachine.errors import ParseError
from infomachine.ingest.dedupe import canonical_url, content_hash, item_id
from infomachine.models import Item, Record, utcnow
from infomachine.text.html import clean_text, html_to_text

MAX_TEXT_CHARS = 1_000_000


def parse_date(value: str | datetime | None) -> datetime | None:
    """Any common date form to an aware UTC datetime (None when unparseable)."""
    if value is None:
        return None
    dt: datetime | None
    if isinstance(value, datetime):
        dt = value
    else:
        raw = str(value).strip()
        if not raw:
            return None
        dt = None
        try:
            dt = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            try:
                dt = email.utils.parsedate_to_datetime(raw)
            except (TypeError, ValueError, IndexError):
                dt = None
        if dt is None:
            import dateparser  # slow to import; only for the odd formats

            dt = dateparser.parse(
                raw, settings={"TIMEZONE": "UTC", "RETURN_AS_TIMEZONE_AWARE": True}
            )
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def _first_line_title(text: str) -> str:
    first = text.strip().split("\n", 1)[0].strip()
    return first[:200] + ("…" if len(first) > 200 else "")


def extract(record: Record, *, now: datetime | None = None) -> Item:
    """Turn a record into an item; raises ``ParseError`` when there is nothing to keep."""
    text = record.text if record.text is not None else ""
    if not text.strip() and record.html:
        text = html_to_text(record.html)
    text = clean_text(text)
    if len(text) > MAX_TEXT_CHARS:
        text = text[:MAX_TEXT_CHARS]
    raw_title = record.title or ""
    title = html_to_text(raw_title) if "<" in raw_title else html.unescape(raw_title)
    title = " ".join(clean_text(title).split())
    if not title and text:
        title = _first_line_title(text)
    if not text and title:
        text = title
    if not text and not record.url:
        raise ParseError("record has no title, text or url")
    canon = canonical_url(record.url)
    chash = content_hash(title, text)
    guid = record.guid.strip() if record.guid else None
    published = parse_date(record.published)
    metadata: dict[str, Any] = dict(record.metadata)
    if record.published and published is None:
        metadata["unparsed_published"] = str(record.published)
    if record.id:
        metadata.setdefault("record_id", record.id)
    return Item(
        id=item_id(canon, guid, chash, record.source),
        url=record.url,
        canonical_url=canon,
        guid=guid,
        title=title,
        author=record.author,
        publisher=record.publisher or _publisher_from_url(canon),
        published=published,
        ingested_at=now or utcnow(),
        language=record.language,
        text=text,
        source=record.source,
        content_hash=chash,
        metadata=metadata,
    )


def _publisher_from_url(canon: str | None) -> str | None:
    if not canon:
        return None
    host = canon.split("/")[2]
    return host.split(":")[0]
