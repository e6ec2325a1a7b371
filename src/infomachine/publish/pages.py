"""What each page shows, read from the store as plain dicts.

Shared by the web app (``web.py``), the static site (``site.py``) and the JSON
API: the HTML pages and ``/api/`` return the same data.  Nothing here
formats output; nothing in the renderers reads the store.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from infomachine.errors import InputError, NotFoundError
from infomachine.models import Brief, Event, Item, Source, Story
from infomachine.provenance import found_via_text
from infomachine.publish.times import rfc3339
from infomachine.sources.opml import export_opml
from infomachine.store import Store
from infomachine.synth.versions import diff_briefs

MAX_QUERY = 200


def story_ref(story: Story) -> dict[str, Any]:
    return {"id": story.id, "slug": story.slug, "title": story.title}


def event_ref(event: Event) -> dict[str, Any]:
    return {"id": event.id, "slug": event.slug, "title": event.title}


def index_rows(store: Store) -> list[dict[str, Any]]:
    """Stories, most recently changed first (latest brief time, else story update)."""
    latest = store.latest_versions()
    rows = []
    for story in store.list_stories():
        v = latest.get(story.id) or {}
        rows.append(
            {
                **story_ref(story),
                "item_count": story.item_count,
                "event_count": story.event_count,
                "first_published": rfc3339(story.first_published),
                "last_published": rfc3339(story.last_published),
                "version": v.get("version"),
                "generated_at": v.get("generated_at"),
                "change_summary": v.get("change_summary") or "",
                "updated_at": rfc3339(story.updated_at),
            }
        )
    rows.sort(key=lambda r: str(r["generated_at"] or r["updated_at"] or ""), reverse=True)
    return rows


def resolve_story(store: Store, ref: str) -> Story:
    """A story by slug, id or alias (merged stories resolve to the survivor)."""
    return store.get_story(ref)


def version_number(value: str | int) -> int:
    try:
        n = int(value)
    except (TypeError, ValueError) as exc:
        raise InputError(f"not a version number: {value!r}") from exc
    if n < 1:
        raise InputError(f"not a version number: {value!r}")
    return n


def version_row(versions: list[dict[str, Any]], n: int, story: Story) -> dict[str, Any]:
    for v in versions:
        if v["version"] == n:
            return v
    raise NotFoundError(f"story {story.slug!r} has no version {n}")


def diff_data(a: Brief, b: Brief) -> Any:
    """``versions.diff_briefs(a, b)`` as plain data."""
    return to_plain(diff_briefs(a, b))


def to_plain(value: Any) -> Any:
    """Pydantic models, dataclasses and containers as JSON-ready data."""
    import dataclasses

    if hasattr(value, "as_dict"):
        return to_plain(value.as_dict())
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [to_plain(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return rfc3339(value) if isinstance(value, datetime) else str(value)


def item_summary(item: Item) -> dict[str, Any]:
    """One item as listed (CLI ``items``/``search`` JSON): everything but its text."""
    return {
        "id": item.id,
        "title": item.title,
        "url": item.url,
        "canonical_url": item.canonical_url,
        "author": item.author,
        "publisher": item.publisher,
        "published": rfc3339(item.published),
        "ingested_at": rfc3339(item.ingested_at),
        "language": item.language,
        "source": item.source,
        "found_via": found_via_text(item),
        "story_id": item.story_id,
        "event_id": item.event_id,
        "duplicate_of": item.duplicate_of,
        "pinned": item.pinned,
    }


def item_view(store: Store, item: Item) -> dict[str, Any]:
    """One item with its story, its event and its text (item page, ``/api/items/<id>``)."""
    story = None
    if item.story_id:
        try:
            story = story_ref(store.get_story(item.story_id))
        except NotFoundError:
            story = None
    event = None
    if item.event_id:
        try:
            event = event_ref(store.get_event(item.event_id))
        except NotFoundError:
            event = None
    return {**item_summary(item), "story": story, "event": event, "text": item.text}


# --------------------------------------------------------------------------- events


def resolve_event(store: Store, ref: str) -> Event:
    """An event by slug, id or alias (merged events resolve to the survivor)."""
    return store.get_event(ref)


def event_row(event: Event, story: Story | None) -> dict[str, Any]:
    """One event as listed (``infomachine events --format json``, ``/api/events``, story pages)."""
    return {
        "id": event.id,
        "slug": event.slug,
        "title": event.title,
        "story_id": event.story_id,
        "story_slug": story.slug if story else None,
        "first_published": rfc3339(event.first_published),
        "last_published": rfc3339(event.last_published),
        "item_count": event.item_count,
    }


def event_item(item: Item) -> dict[str, Any]:
    """An item as an event lists it."""
    return {
        "id": item.id,
        "title": item.title,
        "url": item.url,
        "publisher": item.publisher,
        "published": rfc3339(item.published),
        "duplicate_of": item.duplicate_of,
    }


def _stories_of(store: Store, story_ids: Iterable[str | None]) -> dict[str, Story | None]:
    found: dict[str, Story | None] = {}
    for sid in story_ids:
        if sid and sid not in found:
            try:
                found[sid] = store.get_story(sid)
            except NotFoundError:
                found[sid] = None
    return found


def event_rows(store: Store, story: Story | None = None) -> list[dict[str, Any]]:
    """Events with their story's slug: one story's in the order they happened, or
    all of them, most recently updated first (``store.list_events``)."""
    if story is not None:
        return [event_row(e, story) for e in store.list_events(story_id=story.id)]
    events = store.list_events()
    stories = _stories_of(store, (e.story_id for e in events))
    return [event_row(e, stories.get(e.story_id or "")) for e in events]


def story_events(store: Store, story: Story, *, with_items: bool = True) -> list[dict[str, Any]]:
    """A story's events in the order they happened, each with its items (oldest
    first) unless ``with_items`` is false: one query for the events, one for the items."""
    rows = event_rows(store, story)
    if not with_items:
        return rows
    by_event: dict[str | None, list[dict[str, Any]]] = {}
    for item in store.list_items(story_id=story.id):
        by_event.setdefault(item.event_id, []).append(event_item(item))
    return [{**row, "items": by_event.get(row["id"], [])} for row in rows]


def story_event_views(store: Store, story: Story) -> list[dict[str, Any]]:
    """``event_view`` of each of a story's events, in order, from two queries
    (the static site writes every event page of a story at once)."""
    ref = story_ref(story)
    return [{**row, "story": ref} for row in story_events(store, story)]


def event_view(store: Store, event: Event) -> dict[str, Any]:
    """One event with its story and its items (event page, ``/api/events/<ref>``, ``show EVENT``)."""
    story = _stories_of(store, [event.story_id]).get(event.story_id or "")
    items = [event_item(i) for i in store.list_items(event_id=event.id)]
    return {
        **event_row(event, story),
        "story": story_ref(story) if story else None,
        "items": items,
    }


def source_view(source: Source) -> dict[str, Any]:
    """The one JSON view of a source: ``/api/sources`` and ``infomachine sources --format json``."""
    return {
        "id": source.id,
        "kind": source.kind,
        "name": source.name,
        "url": source.url,
        "status": source.status,
        "last_fetch": rfc3339(source.last_fetch),
        "last_status": source.last_status,
        "last_error": source.last_error,
        "error_count": source.error_count,
        "next_poll": rfc3339(source.next_poll),
        "item_count": source.item_count,
        "interval": source.interval,
    }


def sources_rows(store: Store) -> list[dict[str, Any]]:
    return [source_view(s) for s in store.list_sources()]


def search_rows(store: Store, query: str, limit: int = 50) -> list[dict[str, Any]]:
    query = (query or "").strip()
    if len(query) > MAX_QUERY:
        raise InputError(f"search query longer than {MAX_QUERY} characters")
    if not query:
        return []
    stories: dict[str, dict[str, Any] | None] = {}
    rows = []
    for item, snippet in store.search(query, limit=limit):
        story = None
        if item.story_id:
            if item.story_id not in stories:
                try:
                    stories[item.story_id] = story_ref(store.get_story(item.story_id))
                except NotFoundError:
                    stories[item.story_id] = None
            story = stories[item.story_id]
        rows.append(
            {
                "id": item.id,
                "title": item.title,
                "publisher": item.publisher,
                "published": rfc3339(item.published),
                "url": item.url,
                "story": story,
                # matched words between « » (as in the CLI's JSON), and as parts for HTML
                "snippet": "".join(f"«{t}»" if hit else t for t, hit in _parts(snippet)),
                "snippet_parts": [[t, hit] for t, hit in _parts(snippet)],
            }
        )
    return rows


def _parts(snippet: str) -> tuple[tuple[str, bool], ...]:
    """A store snippet as (text, matched) parts (a plain string has no matches)."""
    parts: tuple[tuple[str, bool], ...] | None = getattr(snippet, "parts", None)
    return parts if parts is not None else ((str(snippet), False),)


FEED_DIFFS = 20  # feed entries that carry what their version added


def version_diffs(briefs: Mapping[int, Brief], limit: int = FEED_DIFFS) -> dict[int, Any]:
    """What each of the newest ``limit`` versions changed against the one before
    it (``versions.diff_briefs``); a version whose predecessor is not in
    ``briefs`` (the first) has none."""
    newest = sorted(briefs, reverse=True)[:limit]
    return {n: diff_briefs(briefs[n - 1], briefs[n]) for n in newest if n - 1 in briefs}


def load_briefs(store: Store, story_id: str, numbers: Iterable[int]) -> dict[int, Brief]:
    """The stored briefs of versions ``numbers`` (missing ones left out)."""
    out: dict[int, Brief] = {}
    for n in numbers:
        try:
            out[n] = store.get_brief(story_id, n)
        except NotFoundError:
            continue
    return out


def opml_text(store: Store) -> str:
    """The sources as OPML 2.0 (``sources.opml.export_opml``)."""
    return export_opml(store.list_sources())
