"""The web UI and JSON API: a Starlette ASGI app over the store and renderers (endpoints in ``web.handlers``).

Pages (HTML) and their JSON twins under ``/api/`` read the same data from
``publish.pages`` and render it with ``publish.html`` / ``publish.atom``.
Each worker thread has its own SQLite connection (WAL lets them read while
the writer runs).  Library errors become HTTP statuses in one handler; every
response carries a strict Content-Security-Policy.  See docs/web.md.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from infomachine.errors import InfomachineError
from infomachine.publish import html
from infomachine.store import DbRef, Store, db_ref, default_db, open_store
from infomachine.web.handlers import (
    URLS,
    PageCache,
    api_diff,
    api_event,
    api_events,
    api_history,
    api_item,
    api_search,
    api_sources,
    api_stories,
    api_story,
    api_version,
    diff_page,
    event_page,
    feed_all,
    history_page,
    index,
    item_page,
    search_page,
    sources_opml,
    sources_page,
    story_feed,
    story_page,
    version_page,
)

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

    def __init__(self, path: DbRef) -> None:
        self.path = path
        self._local = threading.local()
        self._all: list[Store] = []
        self._lock = threading.Lock()

    def get(self) -> Store:
        store = getattr(self._local, "store", None)
        if store is None:
            store = open_store(self.path, migrate=False)
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


def create_app(db_path: str | Path | None = None) -> Starlette:
    """The ASGI app over the database at ``db_path`` (default: ``$INFOMACHINE_DB``)."""
    path = db_ref(db_path) if db_path else default_db()
    open_store(path).close()  # create and migrate once, before any reader
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
        Route("/events/{ref}", page(event_page)),
        Route("/items/{item_id}", page(item_page)),
        Route("/sources", page(sources_page)),
        Route("/sources.opml", page(sources_opml)),
        Route("/search", page(search_page)),
        Route("/api/stories", page(api_stories)),
        Route("/api/stories/{ref}", page(api_story)),
        Route("/api/stories/{ref}/history", page(api_history)),
        Route("/api/stories/{ref}/versions/{n}", page(api_version)),
        Route("/api/stories/{ref}/diff/{a}/{b}", page(api_diff)),
        Route("/api/events", page(api_events)),
        Route("/api/events/{ref}", page(api_event)),
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


# --------------------------------------------------------------------------- pages


# --------------------------------------------------------------------------- JSON API


def serve(db_path: str | Path | None = None, *, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Run the app with uvicorn (blocking)."""
    import uvicorn

    uvicorn.run(create_app(db_path), host=host, port=port, log_level="info", access_log=False)
