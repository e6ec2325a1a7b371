"""Atom feeds of story updates (RFC 4287).

One entry per brief version, carrying its change summary (the version's new
developments in words, then the counts, as ``synth.versions`` wrote them)
and, when the caller passes the version's diff, the same developments
first, then its other new claims, moved claims, tensions and timeline
events as plain text (``type="text"``: nothing a feed reader would run or
render as markup).  Documents are
built with ElementTree, so every text and attribute is escaped by the
serializer (``<``, ``&``, ``]]>``…); characters XML 1.0 forbids (control
characters, lone surrogates) are removed first, so the output always parses.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from typing import Any

from infomachine.publish.times import rfc3339
from infomachine.wording import SECTION_TITLES

ATOM_NS = "http://www.w3.org/2005/Atom"
EPOCH = "1970-01-01T00:00:00Z"
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(value: object) -> str:
    """Text safe to put in an XML 1.0 document (the serializer escapes the rest)."""
    return _INVALID_XML.sub("", "" if value is None else str(value))


def _updated(value: object) -> str:
    return rfc3339(value) or EPOCH


def _sub(parent: ET.Element, tag: str, text: object = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", {k: xml_text(v) for k, v in attrs.items()})
    if text is not None:
        el.text = xml_text(text)
    return el


def _serialize(root: ET.Element) -> str:
    ET.register_namespace("", ATOM_NS)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n"


def _entry(feed: ET.Element, entry: dict[str, Any]) -> None:
    el = _sub(feed, "entry")
    _sub(el, "id", entry["id"])
    _sub(el, "title", entry["title"], type="text")
    _sub(el, "updated", _updated(entry["updated"]))
    _sub(el, "link", rel="alternate", type="text/html", href=entry["link"])
    summary = entry.get("summary") or "New version."
    _sub(el, "summary", summary, type="text")
    if entry.get("content"):
        _sub(el, "content", entry["content"], type="text")


MAX_LINES = 8  # per kind of change, in one entry


def diff_text(diff: Any) -> str:
    """A version's changes as plain text lines: its developments (the words of
    the change summary), other new claims, moved claims, tensions, dates."""

    def cites(ns: list[int]) -> str:
        return "".join(f"[{n}]" for n in ns)

    developments = getattr(diff, "developments", [])
    lines = [f"New development: {d.words()}" for d in developments]
    named = {d.text for d in developments}
    others = [c for c in diff.claims_added if c.text not in named]
    lines += [f"New: {c.text} {cites(c.cites)}".rstrip() for c in others[:MAX_LINES]]
    if len(others) > MAX_LINES:
        lines.append(f"… and {len(others) - MAX_LINES} more new claims")
    moved = getattr(diff, "claims_moved", [])
    lines += [f"Moved ({SECTION_TITLES.get(m.from_section, m.from_section)} → "
              f"{SECTION_TITLES.get(m.to_section, m.to_section)}): {m.text} {cites(m.cites)}".rstrip()
              for m in moved[:MAX_LINES]]
    if len(moved) > MAX_LINES:
        lines.append(f"… and {len(moved) - MAX_LINES} more moved claims")
    lines += [f"New tension: {t.a_actor}: {t.a_claim} / {t.b_actor}: {t.b_claim}"
              for t in diff.new_tensions[:MAX_LINES]]
    lines += [f"Timeline: {e.date}: {e.text} {cites(e.cites)}".rstrip()
              for e in diff.timeline_added[:MAX_LINES]]
    return "\n".join(lines)


def story_feed(
    story: dict[str, Any],
    versions: list[dict[str, Any]],
    *,
    self_url: str,
    story_url: str,
    version_url: Any,
    base_url: str | None = None,
    diffs: dict[int, Any] | None = None,
) -> str:
    """The Atom feed of one story: one entry per version, newest first.

    ``version_url(n)`` gives the link of version ``n``; links may be relative
    (resolved against ``base_url`` via ``xml:base`` when given, else against
    the feed's own address).
    """
    entries = [
        {
            "id": f"urn:infomachine:story:{story['id']}:v{v['version']}",
            "title": f"{story['title']} — version {v['version']}",
            "updated": v.get("generated_at"),
            "link": version_url(v["version"]),
            "summary": v.get("change_summary"),
            "content": diff_text(diffs[v["version"]]) if diffs and v["version"] in diffs else "",
        }
        for v in sorted(versions, key=lambda v: v["version"], reverse=True)
    ]
    return build_feed(
        feed_id=f"urn:infomachine:story:{story['id']}",
        title=f"{story['title']} — The Information Machine",
        self_url=self_url,
        html_url=story_url,
        entries=entries,
        base_url=base_url,
    )


def all_stories_feed(
    rows: Iterable[dict[str, Any]],
    *,
    self_url: str,
    home_url: str,
    version_url: Any,
    base_url: str | None = None,
    limit: int = 100,
) -> str:
    """One feed for all stories: each story's latest version (``pages.index_rows``)."""
    entries = [
        {
            "id": f"urn:infomachine:story:{r['id']}:v{r['version']}",
            "title": f"{r['title']} — version {r['version']}",
            "updated": r.get("generated_at"),
            "link": version_url(r["slug"], r["version"]),
            "summary": r.get("change_summary"),
        }
        for r in rows
        if r.get("version")
    ][:limit]
    return build_feed(
        feed_id="urn:infomachine:stories",
        title="The Information Machine — story updates",
        self_url=self_url,
        html_url=home_url,
        entries=entries,
        base_url=base_url,
    )


def build_feed(
    *,
    feed_id: str,
    title: str,
    self_url: str,
    html_url: str,
    entries: list[dict[str, Any]],
    base_url: str | None = None,
) -> str:
    root = ET.Element(f"{{{ATOM_NS}}}feed")
    if base_url:
        root.set("{http://www.w3.org/XML/1998/namespace}base", xml_text(base_url))
    _sub(root, "id", feed_id)
    _sub(root, "title", title, type="text")
    newest = max((_updated(e["updated"]) for e in entries), default=EPOCH)
    _sub(root, "updated", newest)
    author = _sub(root, "author")
    _sub(author, "name", "The Information Machine")
    _sub(root, "link", rel="self", type="application/atom+xml", href=self_url)
    _sub(root, "link", rel="alternate", type="text/html", href=html_url)
    _sub(root, "generator", "infomachine")
    for entry in entries:
        _entry(root, entry)
    return _serialize(root)
