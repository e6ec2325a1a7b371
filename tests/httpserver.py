"""A real HTTP server on 127.0.0.1 for tests (never the internet).

Usage::

    with LocalServer() as server:
        server.route("/feed.xml", body=b"<rss>...", headers={"Content-Type": "application/rss+xml"})
        server.route("/slow", handler=my_handler)   # handler(request_handler) writes the reply
        fetch(server.url("/feed.xml"), allow_private=True)
        server.requests  # [(method, path, headers), ...]

Test modules import it as ``from httpserver import LocalServer, server_fixture``
(pytest puts ``tests/`` on ``sys.path``) and declare the fixture with
``local_server = server_fixture()``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

Handler = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    handler: Handler | None = None


class _RequestHandler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - silence
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        path = self.path.split("?", 1)[0]
        with self.server.lock:
            self.server.requests.append(("GET", self.path, dict(self.headers.items())))
        route = self.server.routes.get(path) or self.server.routes.get(self.path)
        if route is None:
            self._reply(404, b"not found", {"Content-Type": "text/plain"})
            return
        if route.handler is not None:
            route.handler(self)
            return
        self._reply(route.status, route.body, route.headers)

    def _reply(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        if not any(k.lower() == "content-length" for k in headers):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _RequestHandler)
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.lock = threading.Lock()


class LocalServer:
    """A threaded HTTP server bound to an ephemeral port on 127.0.0.1."""

    def __init__(self) -> None:
        self._server = _Server()
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def requests(self) -> list[tuple[str, str, dict[str, str]]]:
        return self._server.requests

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def route(
        self,
        path: str,
        *,
        body: bytes | str = b"",
        status: int = 200,
        headers: dict[str, str] | None = None,
        handler: Handler | None = None,
    ) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self._server.routes[path] = Route(status, data, dict(headers or {}), handler)

    def serve_file(self, path: str, file: Path, content_type: str) -> None:
        self.route(path, body=file.read_bytes(), headers={"Content-Type": content_type})

    def hits(self, path: str) -> int:
        return sum(1 for _, p, _ in self.requests if p.split("?", 1)[0] == path)

    def start(self) -> LocalServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def server_fixture() -> Callable[[], Iterator[LocalServer]]:
    """A pytest fixture giving a fresh ``LocalServer`` per test.

    In a test module: ``local_server = server_fixture()``.
    """

    @pytest.fixture
    def _local_server() -> Iterator[LocalServer]:
        with LocalServer() as server:
            yield server

    return _local_server
