"""Web pages and local HTML files: main text and metadata with trafilatura.

Boilerplate (navigation, footers, comments) is dropped; title, author,
date, site name and language come from the page's metadata (the date from
its markup only -- meta tags, JSON-LD, ``<time>`` --, the page's own stated
publication date; a date merely found in its text is inferred at extraction
and marked so) (the publisher
is the page's own outlet: trafilatura's site name, else ``og:site_name`` or
JSON-LD ``publisher.name``).  Furniture trafilatura keeps (bylines, share
and cookie lines, leaked comments) is removed at extraction, for every
source kind alike (``text/furniture.py``).  When
trafilatura finds no main text (a very short page), the page's whole
visible text is used instead, so nothing readable is lost.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import trafilatura

from infomachine.models import IngestProblem, Record
from infomachine.text.html import html_to_text

_LANG = re.compile(rb"<html[^>]*\slang\s*=\s*[\"']?([A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})?)", re.I)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)
_OG_SITE = re.compile(
    r"<meta\s[^>]*(?:property|name)\s*=\s*[\"']og:site_name[\"'][^>]*?content\s*=\s*[\"']([^\"']{1,120})"
    r"|<meta\s[^>]*content\s*=\s*[\"']([^\"']{1,120})[\"'][^>]*(?:property|name)\s*=\s*[\"']og:site_name",
    re.I,
)
_LD_PUBLISHER = re.compile(r"\"publisher\"\s*:\s*\{[^{}]*?\"name\"\s*:\s*\"([^\"]{1,120})\"", re.S)
MAX_PAGE_BYTES = 20 * 1024 * 1024


def decode_html(data: bytes, charset: str | None = None) -> str:
    """Bytes of an HTML page as text (declared charset, else UTF-8, else cp1252)."""
    for encoding in (charset, "utf-8", "cp1252"):
        if not encoding:
            continue
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("utf-8", errors="replace")


def _date_params() -> dict[str, Any]:
    """htmldate through trafilatura: the page's markup only (a date in its text is found at extraction)."""
    return {
        "original_date": True,
        "extensive_search": False,
        "max_date": datetime.now(UTC).strftime("%Y-%m-%d"),
    }


def site_name(html: str) -> str | None:
    """The page's own outlet name: ``og:site_name``, else JSON-LD ``publisher.name``."""
    head = html[:200_000]
    match = _OG_SITE.search(head)
    if match:
        return html_to_text(match.group(1) or match.group(2)) or None
    match = _LD_PUBLISHER.search(head)
    return html_to_text(match.group(1)) or None if match else None


def parse_page(
    data: bytes | str,
    origin: str,
    *,
    url: str | None = None,
    source: str | None = None,
    charset: str | None = None,
) -> Iterator[Record | IngestProblem]:
    """One record for an HTML page (or a problem when it has no readable text)."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > MAX_PAGE_BYTES:
        yield IngestProblem(origin, f"page larger than {MAX_PAGE_BYTES // (1024 * 1024)} MB skipped")
        return
    html = data if isinstance(data, str) else decode_html(data, charset)
    if not html.strip():
        yield IngestProblem(origin, "empty page")
        return
    doc: Any = None
    problem: str | None = None
    try:
        doc = trafilatura.bare_extraction(
            html,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            date_extraction_params=_date_params(),
        )
    except Exception as exc:  # trafilatura must never lose the batch
        doc = None
        problem = f"{type(exc).__name__}: {exc}"
    text = (getattr(doc, "text", None) or "").strip() if doc is not None else ""
    if not text:
        text = html_to_text(html)
    if not text:
        yield IngestProblem(origin, f"no readable text in page{f' ({problem})' if problem else ''}")
        return
    title = getattr(doc, "title", None) if doc is not None else None
    if not title:
        match = _TITLE.search(html)
        title = html_to_text(match.group(1)) if match else None
    lang_match = _LANG.search(raw[:20_000])
    language = (getattr(doc, "language", None) if doc is not None else None) or (
        lang_match.group(1).decode("ascii").lower() if lang_match else None
    )
    metadata: dict[str, Any] = {"extractor": "trafilatura" if doc is not None else "html"}
    for key in ("description", "categories", "tags", "image"):
        value = getattr(doc, key, None) if doc is not None else None
        if value:
            metadata[key] = value
    published = getattr(doc, "date", None) if doc is not None else None
    page_url = url or (getattr(doc, "url", None) if doc is not None else None)
    yield Record(
        origin=origin,
        url=page_url if page_url and page_url.startswith(("http://", "https://")) else url,
        title=title,
        text=text,
        author=getattr(doc, "author", None) if doc is not None else None,
        publisher=(getattr(doc, "sitename", None) if doc is not None else None) or site_name(html),
        published=published,
        language=language,
        source=source,
        metadata=metadata,
    )
