r"""Markdown rendering of a Brief, laid out like the seed story page.

Renders only: every word comes from the Brief.  Text that came from items is
escaped so it cannot inject links, images or raw HTML, and nothing more, so it
reads cleanly in a terminal:

* brackets, ``\``, emphasis (``*``, ``_``, ``~``) and code markers are
  backslash-escaped; ``![`` and ``](`` are broken with an entity;
* ``<`` becomes ``&lt;`` only where it could open a tag, comment or autolink
  (before a letter, ``/``, ``!`` or ``?``): ``a < b`` and ``->`` stay as they are;
* ``&`` is backslash-escaped only where it would start an entity reference
  (a title saying ``&amp;`` shows ``&amp;``); a plain ``&`` stays ``&``;
* bare URLs are not autolinked by GFM renderers: the ``:`` of ``https://``
  and the ``.`` of ``www.`` are backslash-escaped, which CommonMark renders
  invisibly;
* newlines are folded, and a leading block marker is escaped only when it
  would open a block (``# ``, ``- ``, ``+ ``, ``1. ``, ``>``, ``---``):
  ``+5 sources`` stays as it is.

So a sentence always stays one inline run of text.  Table cells also escape
``|``.  Citation markers ``[n]`` are added after escaping, so they stay
citations.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from infomachine.models import Brief, Sentence, SourceRef
from infomachine.publish.times import human
from infomachine.publish.urls import markdown_url
from infomachine.wording import SECTION_TITLES, SOURCES_TITLE, plural

DEFAULT_OMITTED = "not enough support in the sources for this section"
_SPECIAL = re.compile(r"([\\`*_~\[\]])")
# GFM autolinks "scheme://" and "www." in plain text; an escaped ":" or "."
# renders the same but is no longer a link.
_BARE_URL = re.compile(r"(https?|ftp)://", re.IGNORECASE)
_BARE_WWW = re.compile(r"(www)\.", re.IGNORECASE)
# "&name;", "&#123;", "&#x1F;" would be decoded as an entity reference.
_ENTITY = re.compile(r"&(?=#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]*;)")
# "<" before a letter, "/", "!" or "?" could open an HTML tag, comment or autolink.
_TAG_OPEN = re.compile(r"<(?=[A-Za-z/!?])")
# Block markers, only where they would open a block: an ATX heading, a bullet,
# a blockquote, a thematic break or an ordered-list number.
_LEADING = re.compile(r"^(?:#{1,6}|[+-])(?=\s|$)|^>|^-(?=[-\s]*$)")
_LEADING_NUMBER = re.compile(r"^(\d{1,9})([.)])(?=\s|$)")
_SPACE = re.compile(r"\s+")
_CITE_ESCAPED = re.compile(r"\\\[(\d+)\\\](?!&#40;)")
_CITE = re.compile(r"\[\d+\]")


def escape(text: str | None) -> str:
    """Item text made inert for Markdown: no links, images, HTML or blocks."""
    if not text:
        return ""
    text = _SPACE.sub(" ", text).strip()
    text = _SPECIAL.sub(r"\\\1", text)
    text = _ENTITY.sub(r"\\&", text)
    text = _TAG_OPEN.sub("&lt;", text)
    # ``![`` and ``](`` never survive, even escaped, so no renderer sees a link.
    text = text.replace("!\\[", "&#33;\\[").replace("\\](", "\\]&#40;")
    text = _BARE_URL.sub(r"\1\\://", text)
    text = _BARE_WWW.sub(r"\1\\.", text)
    text = _LEADING_NUMBER.sub(r"\1\\\2", text)
    return _LEADING.sub(lambda m: "\\" + m.group(0), text)


def table_cell(text: str | None) -> str:
    """``escape`` plus ``|``, which would otherwise end a GFM table cell."""
    return escape(text).replace("|", "\\|")


def cites(numbers: Iterable[int]) -> str:
    return "".join(f"[{n}]" for n in dict.fromkeys(numbers))


def sentence(s: Sentence) -> str:
    marks = cites(s.cites)
    return f"{escape(s.text)} {marks}".rstrip()


def sentences(items: Iterable[Sentence]) -> str:
    return " ".join(sentence(s) for s in items)


def origin(ref: SourceRef) -> str:
    """``publisher via found_via``, the form of the HTML Sources list.

    The same rule as ``templates/story.html`` (which has it inline, not as a
    shared helper): the publisher; then the feed that found the item, after
    "via" when there is a publisher, unless it is the publisher itself.
    """
    publisher = escape(ref.publisher)
    if not ref.found_via or ref.found_via == ref.publisher:
        return publisher
    via = escape(ref.found_via)
    return f"{publisher} via {via}" if publisher else via


def source_line(ref: SourceRef) -> str:
    """``[n] title — publisher via found_via (date)``, as on the HTML page; "(undated)" without a date."""
    url = markdown_url(ref.url)
    title = escape(ref.title) or "(untitled)"
    title = f"[{title}]({url})" if url else title
    origin_text = origin(ref)
    line = f"[{ref.n}] {title}"
    if origin_text:
        line += f" — {origin_text}"
    # an item without a publication date says so (its ingestion time is no publication date)
    line += f" ({escape(ref.published)})" if ref.published else " (undated)"
    if ref.published and ref.published_inferred:
        line += " (date inferred)"  # from the page's HTML, its URL or its text, not a stated date
    return line


_STATUS_PREFIX = re.compile(r"^\s*(?:new|consistent|shifted)\s*(?:[:\u2014\u2013-]\s*|\.\s+|$)", re.IGNORECASE)


def evolution_note(status: str, note: str | None) -> str:
    """The note without a repeat of its status ("Shifted: in version 4, …" -> "In version 4, …")."""
    text = (note or "").strip()
    m = _STATUS_PREFIX.match(text)
    if m and text[: m.end()].strip(" :\u2014\u2013-.").lower() == status.lower():
        text = text[m.end() :].strip()
        text = text[:1].upper() + text[1:]
    return text


def omitted_line(brief: Brief, names: Iterable[str]) -> str:
    """One line for every empty section: ``_Omitted: A, B — reason; C — reason._``

    Sections with the same reason (``brief.omitted``, else a default) share it.
    """
    by_reason: dict[str, list[str]] = {}
    for name in names:
        by_reason.setdefault(brief.omitted.get(name) or DEFAULT_OMITTED, []).append(SECTION_TITLES[name])
    if not by_reason:
        return ""
    parts = [f"{', '.join(titles)} — {escape(reason).rstrip('.')}" for reason, titles in by_reason.items()]
    return f"_Omitted: {'; '.join(parts)}._"


_PLAIN_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def _no_sources(brief: Brief) -> str:
    """What the Sources section says when no sentence cites a source."""
    reason = brief.omitted.get("sources")
    text = "No source is cited" + (f": {escape(reason).rstrip('.')}" if reason else "")
    n = brief.item_count
    if n:
        text += f". The story has {plural(n, 'item')}"
        if _PLAIN_SLUG.match(brief.story.slug):
            text += f"; `infomachine items --story {brief.story.slug}` lists {'it' if n == 1 else 'them'}"
    return f"_{text}._"


def _section(brief: Brief, name: str) -> list[str]:
    """The section's lines, or none when it is empty (see ``omitted_line``)."""
    out = [f"## {SECTION_TITLES[name]}", ""]
    body: list[str] = []
    if name == "what":
        if brief.what.summary:
            body += [sentences(brief.what.summary), ""]
        body += [f"- {sentence(s)}" for s in brief.what.bullets]
        if brief.what.bullets:
            body.append("")
    elif name == "why_it_matters" and brief.why_it_matters:
        body += [sentences(brief.why_it_matters), ""]
    elif name == "open_questions":
        for q in brief.open_questions:
            body += [f"- **{escape(q.question)}** {sentences(q.context)}".rstrip(), ""]
    elif name == "narrative":
        for para in brief.narrative:
            body += [sentences(para), ""]
    elif name == "timeline" and brief.timeline:
        body += [
            f"- {escape(e.date)}: {escape(e.text)} {cites(e.cites)}".rstrip() for e in brief.timeline
        ]
        body.append("")
    elif name == "perspectives":
        for p in brief.perspectives:
            head = escape(p.actor) + (f" ({escape(p.affiliation)})" if p.affiliation else "")
            body += [f"### {head}", "", sentences(p.stance), ""]
            evo = p.evolution
            # citation markers in the note stay markers (digits only: never a link)
            note = _CITE_ESCAPED.sub(r"[\1]", escape(evolution_note(evo.status, evo.note)))
            marks = cites(evo.cites) if evo.cites and not _CITE.search(note) else ""
            line = f"*Evolution:* {evo.status.capitalize()}" + (f" — {note}" if note else "")
            body += [f"{line} {marks}".rstrip(), ""]
    elif name == "tensions":
        for t in brief.tensions:
            body.append(
                f"- **{escape(t.a.actor)}**: {sentence(t.a.claim)} ↔ "
                f"**{escape(t.b.actor)}**: {sentence(t.b.claim)}"
            )
        if brief.tensions:
            body.append("")
    return out + body if body else []


def render_markdown(brief: Brief, *, history_url: str | None = None) -> str:
    """The brief as a Markdown page like the seed story page."""
    history = f"[history]({history_url})" if history_url else "history"
    by = f" · synthesized by {escape(brief.synthesizer)}" if brief.synthesizer else ""
    lines = [
        f"# {escape(brief.story.title)}",
        "",
        f"{history} · **Version {brief.version}** · {human(brief.generated_at)} · "
        f"{plural(brief.item_count, 'item')}{by}",
        "",
    ]
    if brief.change_summary:
        lines += [f"_Changed: {escape(brief.change_summary)}_", ""]
    # Notes on how the brief was made (an LLM failure, a fallback section) come
    # before the content they qualify, as in the JSON.
    for note in brief.notes:
        lines += [f"**Note:** {escape(note)}", ""]
    empty = []
    for name in SECTION_TITLES:
        section = _section(brief, name)
        lines += section
        if not section:
            empty.append(name)
    lines += [f"## {SOURCES_TITLE}", ""]
    if brief.sources:
        # a bullet list: the citation number is the only numbering
        lines += [f"- {source_line(ref)}" for ref in brief.sources]
    else:
        lines.append(_no_sources(brief))
    lines.append("")
    omitted = omitted_line(brief, empty)
    if omitted:
        lines += [omitted, ""]
    return "\n".join(lines)


def render_history_markdown(title: str, versions: list[dict[str, Any]]) -> str:
    """A story's version list (from ``store.list_versions``) as a Markdown table."""
    lines = [f"# {escape(title)} · history", "", "| version | generated | items | what changed |",
             "|---:|---|---:|---|"]
    for v in versions:
        lines.append(
            f"| {v['version']} | {table_cell(human(v['generated_at']))} | {v['item_count']} | "
            f"{table_cell(v.get('change_summary') or '')} |"
        )
    lines.append("")
    return "\n".join(lines)


def _code(value: str | None) -> str:
    """An id or slug as inline code, when it is a plain one (else escaped text)."""
    if not value:
        return ""
    return f"`{value}`" if _PLAIN_SLUG.match(value) else escape(value)


def date_span(first: object, last: object) -> str:
    """``2026-05-16 – 2026-05-19``, one date when both are the same day, "undated" without dates."""
    a, b = human(first, with_time=False), human(last, with_time=False)
    if not a and not b:
        return "undated"
    if not a or not b or a == b:
        return a or b
    return f"{a} – {b}"


def event_item_line(item: dict[str, Any]) -> str:
    """``2026-05-16 · [Title](url) — Publisher · `id` ``: one item of an event."""
    url = markdown_url(item.get("url"))
    title = escape(item.get("title")) or "(untitled)"
    line = f"[{title}]({url})" if url else title
    if item.get("publisher"):
        line += f" — {escape(item['publisher'])}"
    when = human(item.get("published"), with_time=False) or "undated"
    line = f"{when} · {line} · {_code(item.get('id'))}"
    if item.get("duplicate_of"):
        line += f" (near-duplicate of {_code(item['duplicate_of'])})"
    return line


def render_event_markdown(event: dict[str, Any]) -> str:
    """An event (``pages.event_view``) as Markdown: title, story, dates, items."""
    story = event.get("story")
    where = (f"Story: {escape(story['title'])} ({_code(story['slug'])})" if story
             else "Not in a story yet")
    items = event.get("items") or []
    lines = [
        f"# {escape(event['title'])}",
        "",
        f"Event {_code(event.get('slug'))} · {where} · "
        f"{date_span(event.get('first_published'), event.get('last_published'))} · "
        f"{plural(event.get('item_count', len(items)), 'item')}",
        "",
        "## Items",
        "",
    ]
    lines += [f"- {event_item_line(i)}" for i in items] or ["_No items._"]
    lines.append("")
    return "\n".join(lines)
