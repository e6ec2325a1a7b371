"""Feeds: RSS 0.9x / 1.0 (RDF) / 2.0 and Atom through feedparser, JSON Feed
(1.0 / 1.1) parsed here.

Before feedparser sees a byte, the document is checked for XML entity
declarations and external entities (defusedxml plus a plain scan): a
billion-laughs feed is refused at once, in bounded memory.  Entry HTML
becomes clean text; the feed's title is each item's publisher.  A feed
feedparser had trouble with (``bozo``) still gives what it could read, and
the problem is kept in each record's metadata and in ``ParsedFeed.problem``.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any
from xml.sax import SAXException

import defusedxml.ElementTree as DET
import feedparser
from defusedxml import DefusedXmlException

from infomachine.models import IngestProblem, Record, Source
from infomachine.text.furniture import LITERAL_TAG
from infomachine.text.html import clean_text, html_to_text

# Record metadata key: later dates of an entry (updated, created), tried in
# order when ``published`` is unreadable; extract removes it.
FALLBACK_DATES = "fallback_dates"

_MEDIA_TEXT = re.compile(r"""(?:alt|src|href)\s*=\s*["']([^"'>]+)""", re.I)
_NOT_VALUES = {"type", "base", "rel", "scheme"}
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.IGNORECASE)
_XML_PROBE = 200_000  # bytes of a document scanned by the cheap pre-check


@dataclass
class ParsedFeed:
    """A feed document: its own metadata, its entries as records, any problem."""

    title: str | None = None
    link: str | None = None
    language: str | None = None
    version: str | None = None
    records: list[Record | IngestProblem] = field(default_factory=list)
    problem: str | None = None  # bozo message, kept even when entries were read


def feed_source_id(url: str) -> str:
    """Stable id of a feed source from its exact URL."""
    return "feed-" + hashlib.sha256(url.strip().encode("utf-8")).hexdigest()[:12]


def feed_source(url: str, name: str | None = None, **metadata: Any) -> Source:
    """A new ``Source`` of kind ``feed`` (store it with ``store.upsert_source``)."""
    return Source(
        id=feed_source_id(url),
        kind="feed",
        url=url.strip(),
        name=name,
        metadata={k: v for k, v in metadata.items() if v},
    )


def xml_safety_problem(data: bytes) -> str | None:
    """Why an XML document must not be parsed (entity tricks), or None.

    A cheap scan refuses any ``<!ENTITY`` declaration (feeds never need one);
    defusedxml then catches the same in other encodings (UTF-16) and external
    references.  Malformed XML is *not* a problem here: feedparser reads what
    it can of it.
    """
    head = data[:_XML_PROBE]
    if _ENTITY_DECL.search(head) or _ENTITY_DECL.search(data):
        return "XML entity declarations are refused (entity expansion / external entities)"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            if _ENTITY_DECL.search(data.decode("utf-16").encode("utf-8")):
                return "XML entity declarations are refused (entity expansion / external entities)"
        except UnicodeDecodeError:
            pass
    try:
        DET.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        return f"unsafe XML refused: {type(exc).__name__}"
    except (DET.ParseError, SyntaxError, ValueError, LookupError):
        pass
    return None


def is_json_feed(obj: Any) -> bool:
    return isinstance(obj, dict) and "jsonfeed.org" in str(obj.get("version", ""))


def parse_feed(
    data: bytes,
    origin: str,
    *,
    source: str | None = None,
    base_url: str | None = None,
    first: int = 0,
) -> ParsedFeed:
    """Parse any supported feed document (XML or JSON Feed); never raises.

    ``first`` is the number of entries before this document (records of a
    large feed read in pieces keep their place: ``origin#<n>``)."""
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"{"):
        return _parse_json_feed(stripped, origin, source)
    problem = xml_safety_problem(data)
    if problem:
        return ParsedFeed(records=[IngestProblem(origin, problem)], problem=problem)
    try:
        parsed = feedparser.parse(
            data, response_headers={"content-location": base_url} if base_url else None
        )
    except (SAXException, ValueError, TypeError, LookupError) as exc:  # feedparser bug guard
        msg = f"feed could not be parsed: {type(exc).__name__}: {exc}"
        return ParsedFeed(records=[IngestProblem(origin, msg)], problem=msg)
    feed = parsed.get("feed", {})
    bozo = parsed.get("bozo_exception") if parsed.get("bozo") else None
    out = ParsedFeed(
        title=_text_construct(feed, "title"),
        link=feed.get("link"),
        language=feed.get("language"),
        version=parsed.get("version") or None,
        problem=f"{type(bozo).__name__}: {bozo}" if bozo else None,
    )
    entries = parsed.get("entries", [])
    if not entries:
        if bozo or not out.version:
            reason = f" ({out.problem})" if out.problem else ""
            out.records.append(IngestProblem(origin, f"not a readable feed{reason}"))
        return out
    for n, entry in enumerate(entries):
        out.records.append(_entry_record(entry, first + n, origin, out, source))
    guard_guids(out.records)
    return out


def guard_guids(records: list[Record | IngestProblem]) -> None:
    """A GUID reused in one document for a *different* link is not an identity.

    Some feeds give every entry the same GUID (or recycle them); since the
    GUID identifies an entry within its source, such an entry loses the GUID
    (kept as ``metadata["guid_conflict"]``) and is known by its link instead
    of being merged into the first one.
    """
    seen: dict[str, str | None] = {}
    for rec in records:
        if not isinstance(rec, Record) or not rec.guid:
            continue
        link = rec.url.strip() if rec.url else None
        if rec.guid not in seen:
            seen[rec.guid] = link
        elif seen[rec.guid] != link and link:
            rec.metadata["guid_conflict"] = rec.guid
            rec.guid = None


def _line(value: Any) -> str | None:
    """A plain-text value on one line (None when empty); never decoded again."""
    if not value or not isinstance(value, str):
        return None
    return " ".join(value.split()) or None


def _is_html(detail: Any) -> bool:
    kind = str((detail or {}).get("type") or "text/plain").lower()
    return "html" in kind


def _text_construct(obj: Any, key: str) -> str | None:
    """A feedparser text construct as plain text, decoded once by its own type.

    feedparser has already decoded the XML; a ``text/plain`` value is final
    text (``Map<K,V>`` stays), an HTML one goes through ``html_to_text``.
    """
    value = obj.get(key)
    if not value:
        return None
    return _line(html_to_text(value) if _is_html(obj.get(f"{key}_detail")) else value)


def _values(obj: Any, depth: int = 0) -> list[str]:
    """Every text value of a feedparser entry, nested ones included (bounded)."""
    out: list[str] = []
    if depth > 4:
        return out
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, bool | int | float):
        return [str(obj)]
    if isinstance(obj, dict):
        for key, value in obj.items():
            if key in _NOT_VALUES or str(key).endswith(("_parsed", "_detail")):
                continue
            out.extend(_values(value, depth + 1))
    elif isinstance(obj, list | tuple):
        for value in obj[:20]:
            out.extend(_values(value, depth + 1))
    return out


def _entry_record(
    entry: Any, n: int, origin: str, feed: ParsedFeed, source: str | None
) -> Record:
    body, body_is_html = "", False
    for content in entry.get("content") or []:
        value = content.get("value") or ""
        if len(value) > len(body):
            body, body_is_html = value, _is_html(content)
    summary = entry.get("summary") or ""
    if len(summary) > len(body):
        body, body_is_html = summary, _is_html(entry.get("summary_detail"))
    enclosures = [e.get("href") for e in entry.get("enclosures") or [] if e.get("href")]
    link = entry.get("link") or (enclosures[0] if enclosures else None)
    guid = entry.get("id") or entry.get("guid")
    metadata: dict[str, Any] = {"feed_title": feed.title} if feed.title else {}
    tags = [t.get("term") for t in entry.get("tags") or [] if t.get("term")]
    if tags:
        metadata["tags"] = tags
    if enclosures:
        metadata["enclosures"] = enclosures
    if feed.version:
        metadata["feed_format"] = feed.version
    if feed.problem:
        metadata["feed_problem"] = feed.problem
    # dict.get: feedparser's own get() maps a missing "published" to "updated".
    dates = [d for d in (dict.get(entry, k) for k in ("published", "updated", "created")) if d]
    if len(dates) > 1:
        metadata[FALLBACK_DATES] = dates[1:]  # tried by extract when the first is unreadable
    text = (html_to_text(body) if body_is_html else clean_text(body)) if body else None
    if text and body_is_html and LITERAL_TAG.search(text):
        text = html_to_text(text)  # an HTML body escaped twice: its tags came out as text
    title = _text_construct(entry, "title")
    publisher, title = entry_outlet(entry, title, feed, link)
    if publisher != feed.title and feed.title:
        metadata["aggregator"] = feed.title
    if not (title or text or link or guid):
        # Nothing that names the entry: keep what there is (image alt texts and
        # URLs, then every other value feedparser read) rather than lose it.
        parts = [*_MEDIA_TEXT.findall(body)[:5], *_values(entry)]
        text = "; ".join(dict.fromkeys(p.strip() for p in parts if p.strip()))[:2000] or None
    return Record(
        origin=f"{origin}#{n + 1}",
        url=link,
        guid=str(guid) if guid else None,
        title=title,
        text=text,
        author=_line(entry.get("author")),
        publisher=publisher,
        published=dates[0] if dates else None,
        language=entry.get("language") or feed.language,
        source=source,
        metadata=metadata,
    )


AGGREGATOR_HOSTS = ("news.google.com", "news.yahoo.com", "bing.com", "msn.com", "flipboard.com", "newsnow.co.uk")
_OUTLET_SUFFIX = re.compile(r"^(?P<headline>.{12,}?)\s+[-–—|]\s+(?P<outlet>[^-–—|]{2,60})$")


def _host(url: str | None) -> str:
    if not url or "//" not in url:
        return ""
    return url.split("//", 1)[1].split("/", 1)[0].split(":")[0].lower()


def is_aggregator(url: str | None) -> bool:
    """A news aggregator's address (Google News and the like): its entries name another outlet."""
    host = _host(url)
    return any(host == h or host.endswith("." + h) for h in AGGREGATOR_HOSTS)


def entry_outlet(
    entry: Any, title: str | None, feed: ParsedFeed, link: str | None
) -> tuple[str | None, str | None]:
    """The outlet that published an entry, and its headline without the outlet's name.

    The entry's ``<source>`` element names it (Google News, aggregators,
    republished items); an aggregator's entry without one names it in a
    "Headline - Outlet" suffix.  Otherwise the feed's own title is the
    publisher and the title is left alone.
    """
    source = entry.get("source") or {}
    outlet = _line(source.get("title")) if isinstance(source, dict) else None
    match = _OUTLET_SUFFIX.match(title) if title else None
    if outlet:
        if match and match.group("outlet").strip().lower() == outlet.lower():
            title = match.group("headline").strip()
        return outlet, title
    if match and (is_aggregator(link) or is_aggregator(feed.link)):
        candidate = match.group("outlet").strip()
        if len(candidate.split()) <= 6:
            return candidate, match.group("headline").strip()
    return feed.title, title


def _parse_json_feed(data: bytes, origin: str, source: str | None) -> ParsedFeed:
    try:
        obj = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        msg = f"invalid UTF-8 at byte {exc.start}"
        return ParsedFeed(records=[IngestProblem(origin, msg)], problem=msg)
    except json.JSONDecodeError as exc:
        msg = f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        return ParsedFeed(records=[IngestProblem(origin, msg)], problem=msg)
    if not is_json_feed(obj):
        msg = "not a JSON Feed (no jsonfeed.org version)"
        return ParsedFeed(records=[IngestProblem(origin, msg)], problem=msg)
    version = str(obj.get("version"))
    feed = ParsedFeed(
        title=_line(obj.get("title")),
        link=obj.get("home_page_url") if isinstance(obj.get("home_page_url"), str) else None,
        language=obj.get("language") if isinstance(obj.get("language"), str) else None,
        version="json" + version.rstrip("/").rsplit("/", 1)[-1].replace("version", "").replace(".", ""),
    )
    items = obj.get("items")
    if not isinstance(items, list):
        feed.problem = "JSON Feed has no items list"
        feed.records.append(IngestProblem(origin, feed.problem))
        return feed
    feed_authors = _json_authors(obj)
    for n, item in enumerate(items):
        where = f"{origin}#{n + 1}"
        if not isinstance(item, dict):
            feed.records.append(IngestProblem(where, "JSON Feed item is not an object"))
            continue
        html = item.get("content_html")
        text = item.get("content_text")
        body = html_to_text(html) if isinstance(html, str) and html else None
        if not body and isinstance(text, str):
            body = text
        if not body and isinstance(item.get("summary"), str):
            body = item["summary"]
        metadata: dict[str, Any] = {"feed_format": feed.version}
        if feed.title:
            metadata["feed_title"] = feed.title
        if isinstance(item.get("tags"), list):
            metadata["tags"] = [str(t) for t in item["tags"]]
        dates = [d for d in (_str(item.get(k)) for k in ("date_published", "date_modified")) if d]
        if len(dates) > 1:
            metadata[FALLBACK_DATES] = dates[1:]
        feed.records.append(
            Record(
                origin=where,
                url=_str(item.get("url")) or _str(item.get("external_url")),
                guid=_str(item.get("id")),
                title=_line(item.get("title")),
                text=body,
                author=_json_authors(item) or feed_authors,
                publisher=feed.title,
                published=dates[0] if dates else None,
                language=_str(item.get("language")) or feed.language,
                source=source,
                metadata=metadata,
            )
        )
    guard_guids(feed.records)
    return feed


def _str(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    return str(value) or None


def _json_authors(obj: dict[str, Any]) -> str | None:
    authors = obj.get("authors")
    if not isinstance(authors, list):
        single = obj.get("author")
        authors = [single] if isinstance(single, dict) else []
    names = [str(a["name"]) for a in authors if isinstance(a, dict) and a.get("name")]
    return ", ".join(names) or None
