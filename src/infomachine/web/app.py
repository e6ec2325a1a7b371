"""The web UI and JSON API: a Starlette ASGI app over the store and renderers.

Pages (HTML) and their JSON twins under ``/api/`` read the same data from
``publish.pages`` and render it with ``publish.html`` / ``publish.atom``.
Each worker thread has its own SQLite connection (WAL lets them read while
the writer runs).  Library errors become HTTP statuses in one handler; every
response carries a strict Content-Security-Policy.  See docs/web.md.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from infomachine.errors import InfomachineError
from infomachine.models import Story
from infomachine.publish import atom, html, pages
from infomachine.store import SQLiteStore, Store, default_db_path

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
ATOM_TYPE = "application/atom+xml; charset=utf-8"
URLS = html.WEB_URLS


class SecurityHeaders:
    """Pure ASGI middleware adding the security headers to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                headers = list(message.get("headers", []))
                headers.extend((k, v) for k, v in SECURITY_HEADERS if k not in names)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, wrapped)


class StorePool:
    """One read connection per worker thread, all closed at shutdown."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._all: list[Store] = []
        self._lock = threading.Lock()

    def get(self) -> Store:
        store = getattr(self._local, "store", None)
        if store is None:
            store = SQLiteStore(self.path, migrate=False)
            self._local.store = store
            with self._lock:
                self._all.append(store)
        return store

    def close(self) -> None:
        with self._lock:
            for store in self._all:
                try:
                    store.close()
                except Exception:  # noqa: BLE001 - closing from another thread is best effort
                    pass
            self._all.clear()


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error(request: Request, status: int, message: str) -> Response:
    if _is_api(request):
        return JSONResponse({"error": message, "status": status}, status_code=status)
    return HTMLResponse(html.render_error(status, message, urls=URLS), status_code=status)


async def _library_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, InfomachineError)
    status = exc.http_status
    message = str(exc) if status < 500 else "internal error"
    return _error(request, status, message)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return _error(request, exc.status_code, exc.detail or "error")


async def _server_error(request: Request, exc: Exception) -> Response:
    return _error(request, 500, "internal error")


PageKey = tuple[str, int, str]


class PageCache:
    """Rendered story pages of one app, keyed by (story id, latest version, its time).

    Versions are append-only rows, so a page rendered for the latest version
    stays correct until a new version appears (which changes the key).  The
    cache belongs to the app (``create_app``), and the key carries the
    version's ``generated_at``, so a database rebuilt at the same path can
    never be served another database's page.
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


def create_app(db_path: str | Path | None = None) -> Starlette:
    """The ASGI app over the database at ``db_path`` (default: ``$INFOMACHINE_DB``)."""
    path = Path(db_path or default_db_path())
    SQLiteStore(path).close()  # create and migrate once, before any reader
    pool = StorePool(path)

    def page(fn: Callable[..., Response]) -> Callable[[Request], Response]:
        def endpoint(request: Request) -> Response:
            return fn(request, pool.get())

        return endpoint

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        pool.close()

    static_dir = resources.files("infomachine.publish").joinpath("static")
    routes = [
        Route("/", page(index)),
        Route("/feed.atom", page(feed_all)),
        Route("/stories/{ref}", page(story_page)),
        Route("/stories/{ref}/history", page(history_page)),
        Route("/stories/{ref}/versions/{n}", page(version_page)),
        Route("/stories/{ref}/diff/{a}/{b}", page(diff_page)),
        Route("/stories/{ref}/feed.atom", page(story_feed)),
        Route("/items/{item_id}", page(item_page)),
        Route("/sources", page(sources_page)),
        Route("/sources.opml", page(sources_opml)),
        Route("/search", page(search_page)),
        Route("/api/stories", page(api_stories)),
        Route("/api/stories/{ref}", page(api_story)),
        Route("/api/stories/{ref}/history", page(api_history)),
        Route("/api/stories/{ref}/versions/{n}", page(api_version)),
        Route("/api/stories/{ref}/diff/{a}/{b}", page(api_diff)),
        Route("/api/items/{item_id}", page(api_item)),
        Route("/api/sources", page(api_sources)),
        Route("/api/search", page(api_search)),
        Mount("/static", app=StaticFiles(directory=str(static_dir)), name="static"),
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={
            InfomachineError: _library_error,
            HTTPException: _http_error,
            Exception: _server_error,
        },
    )
    app.add_middleware(SecurityHeaders)
    app.state.pool = pool
    app.state.story_pages = PageCache()
    return app


# --------------------------------------------------------------------------- helpers


def _story(request: Request, store: Store) -> Story | RedirectResponse:
    """The story named in the path, or a redirect when it was named by id or alias."""
    ref = request.path_params["ref"]
    story = pages.resolve_story(store, ref)
    if ref != story.slug:
        path = request.url.path
        prefix = "/api/stories/" if path.startswith("/api/") else "/stories/"
        rest = path[len(prefix) :].split("/", 1)
        target = prefix + quote(story.slug, safe="") + ("/" + rest[1] if len(rest) > 1 else "")
        if request.url.query:
            target += "?" + request.url.query
        return RedirectResponse(target, status_code=301)
    return story


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


# --------------------------------------------------------------------------- pages


def index(request: Request, store: Store) -> Response:
    return _html(html.render_index(pages.index_rows(store), urls=URLS))


@with_story
def story_page(request: Request, store: Store, story: Story) -> Response:
    versions = store.list_versions(story.id)
    if not versions:
        return _html(html.render_history(pages.story_ref(story), versions, urls=URLS))
    latest = versions[-1]
    key = (story.id, int(latest["version"]), str(latest.get("generated_at")))
    cache: PageCache = request.app.state.story_pages
    return _html(
        cache.get(key, lambda: html.render_brief(store.get_brief(story.id), versions=versions, urls=URLS))
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


# --------------------------------------------------------------------------- JSON API


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


def api_item(request: Request, store: Store) -> Response:
    item = store.get_item(request.path_params["item_id"])
    return _json(pages.item_view(store, item))


def api_sources(request: Request, store: Store) -> Response:
    return _json({"sources": pages.sources_rows(store)})


def api_search(request: Request, store: Store) -> Response:
    query = request.query_params.get("q", "")
    return _json({"query": query, "results": pages.search_rows(store, query)})


def serve(db_path: str | Path | None = None, *, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Run the app with uvicorn (blocking)."""
    import uvicorn

    uvicorn.run(create_app(db_path), host=host, port=port, log_level="info", access_log=False)
