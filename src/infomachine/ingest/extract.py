"""Extraction: a raw ``Record`` becomes a clean ``Item``.

HTML bodies become clean text (block elements become line breaks, scripts
and styles are dropped); dates are normalised to UTC; identity fields
(canonical URL, content hash, stable id) are computed here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from infomachine.errors import ParseError
from infomachine.ingest.dates import INFERRED, infer_date, parse_date
from infomachine.ingest.dedupe import canonical_url, content_hash, item_id
from infomachine.models import Item, Record, utcnow
from infomachine.sources.feeds import FALLBACK_DATES
from infomachine.text.furniture import strip_furniture, unescape_markup
from infomachine.text.html import clean_text, fix_mojibake, html_to_text, repair_text

WARNINGS = "ingest_warnings"  # item metadata: what was repaired or dropped, and why
RAW_TEXT = "raw_text"  # item metadata: the text before furniture was removed (bounded), for audit
CLEANED = "text_cleaned"  # item metadata: {rule name: lines removed or cut} when cleaning changed the text
RAW_TEXT_CHARS = 20_000
_FIELDS = ("url", "guid", "title", "text", "html", "author", "publisher", "language", "source")

MAX_TEXT_CHARS = 1_000_000
_PROSE = {"title", "text", "html", "author", "publisher"}  # fields mojibake is repaired in


def _first_line_title(text: str) -> str:
    first = text.strip().split("\n", 1)[0].strip()
    return first[:200] + ("…" if len(first) > 200 else "")


def _repair(value: Any, where: str, warnings: list[str]) -> Any:
    """Strings that cannot be stored (lone surrogates) repaired, recursively."""
    if isinstance(value, str):
        fixed, changed = repair_text(value)
        if changed:
            warnings.append(f"{where}: invalid Unicode (lone surrogate) replaced by U+FFFD")
        if where in _PROSE:
            fixed, changed = fix_mojibake(fixed)
            if changed:
                warnings.append(f"{where}: mis-decoded text (mojibake) repaired")
        return fixed
    if isinstance(value, dict):
        return {_repair(str(k), where, warnings): _repair(v, where, warnings) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_repair(v, where, warnings) for v in value]
    return value


def extract(record: Record, *, now: datetime | None = None) -> Item:
    """Turn a record into an item; raises ``ParseError`` when there is nothing to keep.

    Text fields arrive decoded (each source parser decodes by its format's
    own rules): the title is plain text and is not decoded again.  A field
    that cannot be stored is repaired and the item carries a warning
    (``metadata["ingest_warnings"]``).
    """
    warnings: list[str] = []
    fields = {f: _repair(getattr(record, f), f, warnings) for f in _FIELDS}
    text = fields["text"] if fields["text"] is not None else ""
    if not text.strip() and fields["html"]:
        text = html_to_text(fields["html"])
    text = clean_text(text)
    if len(text) > MAX_TEXT_CHARS:
        text = text[:MAX_TEXT_CHARS]
    title = " ".join(clean_text(fields["title"] or "").split())
    text, raw_text, cleaned = clean_stored_text(text, title)
    if not title and text:
        title = _first_line_title(text)
    if not text and title:
        text = title
    url = fields["url"]
    if not text and not url and not (fields["guid"] or "").strip():
        raise ParseError("record has no title, text, url or guid")
    canon = canonical_url(url)
    chash = content_hash(title, text)
    guid = fields["guid"].strip() or None if fields["guid"] else None
    metadata: dict[str, Any] = _repair(dict(record.metadata), "metadata", warnings)
    fallbacks = metadata.pop(FALLBACK_DATES, None) or []
    published = None
    for raw in [record.published, *fallbacks]:
        published = parse_date(raw, fields["language"])
        if published is not None:
            break
    if record.published and published is None:
        metadata["unparsed_published"] = _repair(str(record.published), "published", warnings)
    ingested_at = now or utcnow()
    # the text as it came: a dateline is furniture the clean text no longer has
    published = _infer_published(published, metadata, fields, url, raw_text, ingested_at)
    if cleaned:
        metadata[RAW_TEXT] = raw_text[:RAW_TEXT_CHARS]
        metadata[CLEANED] = cleaned
    if record.id:
        metadata.setdefault("record_id", _repair(record.id, "id", warnings))
    if warnings:
        metadata[WARNINGS] = [*metadata.get(WARNINGS, []), *dict.fromkeys(warnings)]
    return Item(
        id=item_id(canon, guid, chash, fields["source"]),
        url=url,
        canonical_url=canon,
        guid=guid,
        title=title,
        author=fields["author"],
        publisher=fields["publisher"] or _publisher_from_url(canon),
        published=published,
        ingested_at=ingested_at,
        language=fields["language"],
        text=text,
        source=fields["source"],
        content_hash=chash,
        metadata=metadata,
    )


def _infer_published(
    published: datetime | None,
    metadata: dict[str, Any],
    fields: dict[str, Any],
    url: str | None,
    text: str,
    now: datetime,
) -> datetime | None:
    """An undated item's date inferred from its HTML, URL or text, marked ``metadata["published_inferred"]``.

    A real published date is kept as it is.  A date a source parser already
    inferred (a page's date from its markup, marked by ``sources/pages.py``)
    is kept only when it is no later than the ingestion time.
    """
    now = now if now.tzinfo else now.replace(tzinfo=UTC)
    marked = metadata.get(INFERRED)
    if published is not None and marked is None:
        return published  # a real date: never touched
    if published is not None and published <= now:
        return published
    metadata.pop(INFERRED, None)
    found = infer_date(now=now, url=url, text=text, html=fields["html"], language=fields["language"])
    if found is None:
        return None
    metadata[INFERRED] = found[1]
    return found[0]


def clean_stored_text(text: str, title: str | None = None) -> tuple[str, str, dict[str, int]]:
    """The text briefs may quote: escaped markup decoded, page furniture removed.

    Returns the clean text, the text as it came (for ``metadata["raw_text"]``)
    and how many lines each rule removed or cut (empty when nothing changed).
    """
    raw = text
    text, unescaped = unescape_markup(text)
    fired: list[str] = ["escaped-markup"] if unescaped else []
    text, rules = strip_furniture(clean_text(text) if unescaped else text, title=title)
    fired.extend(rules)
    if not fired:
        return raw, raw, {}
    counts: dict[str, int] = {}
    for name in fired:
        counts[name] = counts.get(name, 0) + 1
    return text, raw, counts


def _publisher_from_url(canon: str | None) -> str | None:
    if not canon:
        return None
    host = canon.split("/")[2]
    return host.split(":")[0]
