"""OPML subscription lists: import feeds as sources, export stored feeds.

Import parses with defusedxml (no entity expansion, no external entities);
every ``<outline>`` with an ``xmlUrl`` becomes a ``feed`` source, stored at
once (before it is ever polled).  Nested outlines give a category.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC
from email.utils import format_datetime
from typing import Any
from xml.etree.ElementTree import Element, SubElement, indent, tostring

import defusedxml.ElementTree as DET
from defusedxml import DefusedXmlException

from infomachine.errors import ParseError
from infomachine.models import IngestProblem, Source
from infomachine.sources.feeds import feed_source

MAX_OPML_BYTES = 10 * 1024 * 1024


@dataclass
class OPMLImport:
    """What importing one OPML document did."""

    added: list[Source] = field(default_factory=list)
    existing: list[Source] = field(default_factory=list)
    problems: list[IngestProblem] = field(default_factory=list)


def parse_opml(data: bytes, origin: str = "opml") -> tuple[list[Source], list[IngestProblem]]:
    """Feed sources listed in an OPML document; raises ``ParseError`` if unreadable."""
    if not data.strip():
        raise ParseError(f"{origin}: empty OPML file")
    if len(data) > MAX_OPML_BYTES:
        raise ParseError(f"{origin}: OPML larger than {MAX_OPML_BYTES // (1024 * 1024)} MB")
    try:
        root = DET.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ParseError(f"{origin}: unsafe XML refused ({type(exc).__name__})") from exc
    except (DET.ParseError, SyntaxError, ValueError) as exc:
        raise ParseError(f"{origin}: not well-formed OPML: {exc}") from exc
    if _local(root.tag) != "opml":
        raise ParseError(f"{origin}: not an OPML document (root element <{_local(root.tag)}>)")
    body = next((c for c in root if _local(c.tag) == "body"), None)
    if body is None:
        raise ParseError(f"{origin}: OPML has no <body>")
    sources: list[Source] = []
    problems: list[IngestProblem] = []
    seen: set[str] = set()

    def walk(node: Any, path: list[str]) -> None:
        for n, outline in enumerate(c for c in node if _local(c.tag) == "outline"):
            attrs = {k.lower(): v for k, v in outline.attrib.items()}
            label = attrs.get("title") or attrs.get("text")
            url = (attrs.get("xmlurl") or "").strip()
            if url:
                if not url.lower().startswith(("http://", "https://")):
                    problems.append(
                        IngestProblem(f"{origin}: outline {label or n}", f"not an http(s) feed URL: {url[:200]}")
                    )
                elif url not in seen:
                    seen.add(url)
                    sources.append(
                        feed_source(
                            url,
                            label,
                            html_url=attrs.get("htmlurl"),
                            category="/".join(path) or None,
                            opml_type=attrs.get("type"),
                        )
                    )
            walk(outline, [*path, label] if label and not url else path)

    walk(body, [])
    return sources, problems


def import_opml(store: Any, data: bytes, origin: str = "opml") -> OPMLImport:
    """Store every feed of an OPML document as a source (existing ones kept)."""
    sources, problems = parse_opml(data, origin)
    result = OPMLImport(problems=problems)
    known = {s.url for s in store.list_sources()}
    for source in sources:
        stored = store.upsert_source(source)
        (result.existing if source.url in known else result.added).append(stored)
    return result


def export_opml(sources: Iterable[Source], title: str = "infomachine subscriptions") -> str:
    """An OPML 2.0 document listing the feed sources."""
    sources = list(sources)
    root = Element("opml", version="2.0")
    head = SubElement(root, "head")
    SubElement(head, "title").text = title
    # When the list last changed (its newest subscription), not when it was written:
    # the same subscriptions give the same document, so exports are not rewritten.
    added = [s.created_at for s in sources if s.kind == "feed"]
    if added:
        newest = max(added).astimezone(UTC)
        SubElement(head, "dateModified").text = format_datetime(newest, usegmt=True)
    body = SubElement(root, "body")
    groups: dict[str, Element] = {}
    for source in sources:
        if source.kind != "feed":
            continue
        parent = body
        category = source.metadata.get("category")
        if category:
            if category not in groups:
                groups[category] = SubElement(body, "outline", text=category, title=category)
            parent = groups[category]
        attrs = {"type": "rss", "text": source.name or source.url, "title": source.name or source.url,
                 "xmlUrl": source.url}
        if source.metadata.get("html_url"):
            attrs["htmlUrl"] = str(source.metadata["html_url"])
        SubElement(parent, "outline", attrs)
    indent(root)
    xml = tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + xml + "\n"


def _local(tag: Any) -> str:
    return str(tag).rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""
