"""The web app's endpoints: one function per page and per ``/api/`` twin.

Each takes the request and a store (from the app's per-thread pool) and
returns a response; content comes from ``publish.pages`` and is rendered by
``publish.html`` / ``publish.atom``.  Story and event pages resolve a ref (id,
slug or alias; an old slug redirects to the current one).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from infomachine.models import Event, Story
from infomachine.publish import atom, html, pages
from infomachine.store import Store

ATOM_TYPE = "application/atom+xml; charset=utf-8"


URLS = html.WEB_URLS


PageKey = tuple[str, int, str, str]


class PageCache:
    """Rendered story pages of one app, keyed by (story id, latest version, its
    time, a digest of the story's event list).

    Versions are append-only rows, so a page rendered for the latest version
    stays correct until a new version appears or the story's events change
    (new events, more items, new titles or dates: the digest changes), either
    of which changes the key.  The cache belongs to the app (``create_app``),
    and the key carries the version's ``generated_at``, so a database rebuilt
    at the same path can never be served another database's page.
    """

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._pages: OrderedDict[PageKey, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: PageKey, make: Callable[[], str]) -> str:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
                return page
        page = make()
        with self._lock:
            self._pages[key] = page
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)
        return page


def _story(request: Request, store: Store) -> Story | RedirectResponse:
    """The story named in the path, or a redirect when it was named by id or alias."""
    ref = request.path_params["ref"]
    story = pages.resolve_story(store, ref)
    if ref != story.slug:
        return _redirect_to_slug(request, "stories", story.slug)
    return story


def _redirect_to_slug(request: Request, kind: str, slug: str) -> RedirectResponse:
    """The same path with ``/<kind>/<ref>`` (or ``/api/<kind>/<ref>``) naming ``slug``."""
    path = request.url.path
    prefix = f"/api/{kind}/" if path.startswith("/api/") else f"/{kind}/"
    rest = path[len(prefix) :].split("/", 1)
    target = prefix + quote(slug, safe="") + ("/" + rest[1] if len(rest) > 1 else "")
    if request.url.query:
        target += "?" + request.url.query
    return RedirectResponse(target, status_code=301)


def _event(request: Request, store: Store) -> Event | RedirectResponse:
    """The event named in the path, or a redirect when it was named by id or alias."""
    ref = request.path_params["ref"]
    event = pages.resolve_event(store, ref)
    if ref != event.slug:
        return _redirect_to_slug(request, "events", event.slug)
    return event


def with_event(
    fn: Callable[[Request, Store, Event], Response],
) -> Callable[[Request, Store], Response]:
    """An event route: ``fn`` gets the event named in the path (ids and aliases redirect)."""

    def endpoint(request: Request, store: Store) -> Response:
        event = _event(request, store)
        if isinstance(event, Response):
            return event
        return fn(request, store, event)

    endpoint.__name__ = fn.__name__
    return endpoint


def with_story(
    fn: Callable[[Request, Store, Story], Response],
) -> Callable[[Request, Store], Response]:
    """A story route: ``fn`` gets the story named in the path (ids and aliases redirect)."""

    def endpoint(request: Request, store: Store) -> Response:
        story = _story(request, store)
        if isinstance(story, Response):
            return story
        return fn(request, store, story)

    endpoint.__name__ = fn.__name__
    return endpoint


def _html(text: str) -> HTMLResponse:
    return HTMLResponse(text, headers={"cache-control": "no-cache"})


def _json(data: Any) -> JSONResponse:
    return JSONResponse(data, headers={"cache-control": "no-cache"})


def _versions_pair(
    request: Request, store: Store, story: Story
) -> tuple[dict[str, Any], dict[str, Any], Any]:
    a = pages.version_number(request.path_params["a"])
    b = pages.version_number(request.path_params["b"])
    versions = store.list_versions(story.id)
    row_a = pages.version_row(versions, a, story)
    row_b = pages.version_row(versions, b, story)
    diff = pages.diff_data(store.get_brief(story.id, a), store.get_brief(story.id, b))
    return row_a, row_b, diff


def index(request: Request, store: Store) -> Response:
    return _html(html.render_index(pages.index_rows(store), urls=URLS))


def _digest(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]


@with_story
def story_page(request: Request, store: Store, story: Story) -> Response:
    versions = store.list_versions(story.id)
    events = pages.event_rows(store, story)
    if not versions:
        return _html(html.render_history(pages.story_ref(story), versions, urls=URLS, events=events))
    latest = versions[-1]
    key = (story.id, int(latest["version"]), str(latest.get("generated_at")), _digest(events))
    cache: PageCache = request.app.state.story_pages
    return _html(
        cache.get(key, lambda: html.render_brief(
            store.get_brief(story.id), versions=versions, urls=URLS, events=events))
    )


@with_story
def history_page(request: Request, store: Store, story: Story) -> Response:
    versions = store.list_versions(story.id)
    return _html(html.render_history(pages.story_ref(story), versions, urls=URLS))


@with_story
def version_page(request: Request, store: Store, story: Story) -> Response:
    n = pages.version_number(request.path_params["n"])
    versions = store.list_versions(story.id)
    brief = store.get_brief(story.id, n)
    latest = versions[-1]["version"] if versions else n
    return _html(html.render_brief(brief, versions=versions, urls=URLS, latest_version=latest))


@with_story
def diff_page(request: Request, store: Store, story: Story) -> Response:
    row_a, row_b, diff = _versions_pair(request, store, story)
    return _html(html.render_diff(pages.story_ref(story), row_a, row_b, diff, urls=URLS))


@with_story
def story_feed(request: Request, store: Store, story: Story) -> Response:
    slug = story.slug
    versions = store.list_versions(story.id)
    body = atom.story_feed(
        pages.story_ref(story),
        versions,
        self_url=str(request.url.replace(query="")),
        story_url=URLS.story(slug),
        version_url=lambda n: URLS.version(slug, n),
        base_url=str(request.base_url),
        diffs=pages.version_diffs(pages.load_briefs(
            store, story.id, [v["version"] for v in versions][-(pages.FEED_DIFFS + 1):])),
    )
    return Response(body, media_type=ATOM_TYPE)


def feed_all(request: Request, store: Store) -> Response:
    body = atom.all_stories_feed(
        pages.index_rows(store),
        self_url=str(request.url.replace(query="")),
        home_url=URLS.home(),
        version_url=URLS.version,
        base_url=str(request.base_url),
    )
    return Response(body, media_type=ATOM_TYPE)


@with_event
def event_page(request: Request, store: Store, event: Event) -> Response:
    return _html(html.render_event(pages.event_view(store, event), urls=URLS))


def item_page(request: Request, store: Store) -> Response:
    item = store.get_item(request.path_params["item_id"])
    return _html(html.render_item(pages.item_view(store, item), urls=URLS))


def sources_page(request: Request, store: Store) -> Response:
    return _html(html.render_sources(pages.sources_rows(store), urls=URLS))


def sources_opml(request: Request, store: Store) -> Response:
    return Response(pages.opml_text(store), media_type="text/x-opml; charset=utf-8")


def search_page(request: Request, store: Store) -> Response:
    query = request.query_params.get("q", "")
    return _html(html.render_search(query, pages.search_rows(store, query), urls=URLS))


def api_stories(request: Request, store: Store) -> Response:
    return _json({"stories": pages.index_rows(store)})


@with_story
def api_story(request: Request, store: Store, story: Story) -> Response:
    versions = store.list_versions(story.id)
    brief = store.latest_brief(story.id)
    return _json(
        {
            "story": pages.story_ref(story),
            "item_count": story.item_count,
            "event_count": story.event_count,
            "events": pages.story_events(store, story),
            "version": brief.version if brief else None,
            "brief": brief.model_dump(mode="json") if brief else None,
            "versions": versions,
        }
    )


@with_story
def api_history(request: Request, store: Store, story: Story) -> Response:
    return _json({"story": pages.story_ref(story), "versions": store.list_versions(story.id)})


@with_story
def api_version(request: Request, store: Store, story: Story) -> Response:
    n = pages.version_number(request.path_params["n"])
    brief = store.get_brief(story.id, n)
    return _json({"story": pages.story_ref(story), "version": n, "brief": brief.model_dump(mode="json")})


@with_story
def api_diff(request: Request, store: Store, story: Story) -> Response:
    row_a, row_b, diff = _versions_pair(request, store, story)
    return _json({"story": pages.story_ref(story), "a": row_a, "b": row_b, "diff": diff})


def api_events(request: Request, store: Store) -> Response:
    """Every event, most recently updated first; ``?story=REF``: that story's, in order."""
    ref = request.query_params.get("story")
    story = pages.resolve_story(store, ref) if ref else None
    return _json({"story": pages.story_ref(story) if story else None,
                  "events": pages.event_rows(store, story)})


@with_event
def api_event(request: Request, store: Store, event: Event) -> Response:
    return _json(pages.event_view(store, event))


def api_item(request: Request, store: Store) -> Response:
    item = store.get_item(request.path_params["item_id"])
    return _json(pages.item_view(store, item))


def api_sources(request: Request, store: Store) -> Response:
    return _json({"sources": pages.sources_rows(store)})


def api_search(request: Request, store: Store) -> Response:
    query = request.query_params.get("q", "")
    return _json({"query": query, "results": pages.search_rows(store, query)})
