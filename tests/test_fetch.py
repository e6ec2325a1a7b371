"""fetch.py against a real HTTP server on 127.0.0.1 (never the internet)."""

from __future__ import annotations

import gzip
import ipaddress
import socket
import threading
import time
import zlib
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler

import pytest
from httpserver import LocalServer, server_fixture

from infomachine import __version__
from infomachine.errors import FetchError, HTTPStatusError, UnsafeURLError
from infomachine.intake.fetch import USER_AGENT, Fetcher, fetch
from infomachine.intake.hosts import HostLimiter, parse_retry_after
from infomachine.intake.safety import SafeNetworkBackend, address_problem, check_url

local_server = server_fixture()


def test_plain_get_returns_result_and_sends_user_agent(local_server: LocalServer) -> None:
    local_server.route(
        "/hello",
        body=b"hello world",
        headers={"Content-Type": "text/plain; charset=utf-8", "ETag": '"v1"',
                 "Last-Modified": "Wed, 01 Jan 2025 00:00:00 GMT"},
    )
    result = fetch(local_server.url("/hello"), allow_private=True)
    assert result.status == 200
    assert result.content == b"hello world"
    assert result.etag == '"v1"'
    assert result.last_modified == "Wed, 01 Jan 2025 00:00:00 GMT"
    assert result.media_type == "text/plain"
    assert result.charset == "utf-8"
    assert not result.not_modified
    assert result.elapsed > 0
    sent = local_server.requests[0][2]
    assert sent["User-Agent"] == USER_AGENT
    assert USER_AGENT.startswith(f"infomachine/{__version__} (+https://")


def test_conditional_get_304(local_server: LocalServer) -> None:
    def handler(req: BaseHTTPRequestHandler) -> None:
        if req.headers.get("If-None-Match") == '"v1"':
            req.send_response(304)
            req.send_header("ETag", '"v1"')
            req.send_header("Content-Length", "0")
            req.end_headers()
            return
        body = b"<rss/>"
        req.send_response(200)
        req.send_header("ETag", '"v1"')
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        req.wfile.write(body)

    local_server.route("/feed", handler=handler)
    first = fetch(local_server.url("/feed"), allow_private=True)
    assert first.status == 200 and first.content == b"<rss/>"
    second = fetch(
        local_server.url("/feed"), allow_private=True, etag=first.etag,
        last_modified="Wed, 01 Jan 2025 00:00:00 GMT",
    )
    assert second.not_modified and second.status == 304
    assert second.content == b""
    assert second.etag == '"v1"'
    assert second.last_modified == "Wed, 01 Jan 2025 00:00:00 GMT"  # carried over
    headers = local_server.requests[1][2]
    assert headers["If-None-Match"] == '"v1"'
    assert headers["If-Modified-Since"] == "Wed, 01 Jan 2025 00:00:00 GMT"


def test_loopback_refused_without_allow_private(local_server: LocalServer) -> None:
    local_server.route("/x", body=b"secret")
    with pytest.raises(UnsafeURLError, match="127.0.0.1"):
        fetch(local_server.url("/x"))
    assert local_server.requests == []


def test_hostname_resolving_to_loopback_refused_at_connect(local_server: LocalServer) -> None:
    local_server.route("/x", body=b"secret")
    with pytest.raises(UnsafeURLError, match="localhost"):
        fetch(f"http://localhost:{local_server.port}/x")
    assert local_server.requests == []


def test_connect_time_check_uses_the_address_it_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    """DNS rebinding: the backend connects to exactly the IP it checked."""
    calls: list[str] = []

    def fake_getaddrinfo(host: str, port: int, *a: object, **k: object) -> list:
        calls.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", port))]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    backend = SafeNetworkBackend(allow_private=False)
    with pytest.raises(UnsafeURLError, match="10.1.2.3"):
        backend.connect_tcp("rebind.example", 80, timeout=1)
    assert calls == ["rebind.example"]


@pytest.mark.parametrize("target", ["127.0.0.2", "169.254.169.254", "[::ffff:127.0.0.1]"])
def test_redirect_to_private_address_refused(local_server: LocalServer, target: str) -> None:
    """Only 127.0.0.1 is allowed (the test server); every hop is checked again."""
    local_server.route(
        "/go", status=302, headers={"Location": f"http://{target}:{local_server.port}/secret"}
    )
    local_server.route("/secret", body=b"metadata")
    with pytest.raises(UnsafeURLError, match="refusing"):
        fetch(local_server.url("/go"), allow_networks=["127.0.0.1/32"])
    assert local_server.hits("/go") == 1
    assert local_server.hits("/secret") == 0


def test_redirect_to_name_resolving_private_refused_at_connect(
    local_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hop to a *name* is checked when connecting: internal.test -> 127.0.0.2."""
    real = socket.getaddrinfo

    def fake(host: str, port: int, *a: object, **k: object) -> list:
        if host == "internal.test":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.2", port))]
        return real(host, port, *a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    local_server.route(
        "/go", status=301, headers={"Location": f"http://internal.test:{local_server.port}/s"}
    )
    local_server.route("/s", body=b"secret")
    with pytest.raises(UnsafeURLError, match="internal.test"):
        fetch(local_server.url("/go"), allow_networks=["127.0.0.1"])
    assert local_server.hits("/go") == 1
    assert local_server.hits("/s") == 0


def test_redirects_followed_and_capped(local_server: LocalServer) -> None:
    local_server.route("/a", status=301, headers={"Location": "/b"})
    local_server.route("/b", status=307, headers={"Location": local_server.url("/c")})
    local_server.route("/c", body=b"done")
    result = fetch(local_server.url("/a"), allow_private=True)
    assert result.content == b"done"
    assert result.final_url == local_server.url("/c")
    assert result.url == local_server.url("/a")
    assert len(result.redirects) == 2

    local_server.route("/loop", status=302, headers={"Location": "/loop"})
    with pytest.raises(FetchError, match="redirects"):
        fetch(local_server.url("/loop"), allow_private=True, max_redirects=3)
    assert local_server.hits("/loop") == 4


def test_gzip_bomb_capped(local_server: LocalServer) -> None:
    bomb = gzip.compress(b"\0" * (50 * 1024 * 1024), compresslevel=9)
    assert len(bomb) < 100_000
    local_server.route("/bomb", body=bomb, headers={"Content-Encoding": "gzip"})
    with pytest.raises(FetchError, match="cap"):
        fetch(local_server.url("/bomb"), allow_private=True, max_bytes=1024 * 1024)


def test_gzip_and_deflate_decoded(local_server: LocalServer) -> None:
    text = b"decoded body " * 100
    local_server.route("/gz", body=gzip.compress(text), headers={"Content-Encoding": "gzip"})
    local_server.route("/df", body=zlib.compress(text), headers={"Content-Encoding": "deflate"})
    raw = zlib.compressobj(wbits=-15)
    raw_body = raw.compress(text) + raw.flush()
    local_server.route("/rawdf", body=raw_body, headers={"Content-Encoding": "deflate"})
    for path in ("/gz", "/df", "/rawdf"):
        assert fetch(local_server.url(path), allow_private=True).content == text


def test_declared_length_over_cap_refused_before_reading(local_server: LocalServer) -> None:
    local_server.route("/big", body=b"x" * 5000)
    with pytest.raises(FetchError, match="cap"):
        fetch(local_server.url("/big"), allow_private=True, max_bytes=1000)


def test_slow_drip_capped_by_total_time(local_server: LocalServer) -> None:
    stop = threading.Event()

    def drip(req: BaseHTTPRequestHandler) -> None:
        req.send_response(200)
        req.send_header("Content-Length", "1000")
        req.end_headers()
        for _ in range(1000):
            if stop.is_set():
                return
            try:
                req.wfile.write(b"x")
                req.wfile.flush()
            except OSError:
                return
            time.sleep(0.05)

    local_server.route("/drip", handler=drip)
    start = time.monotonic()
    with pytest.raises(FetchError, match="time cap"):
        fetch(local_server.url("/drip"), allow_private=True, timeout=2, total_timeout=0.6)
    stop.set()
    assert time.monotonic() - start < 2.0


def test_read_timeout(local_server: LocalServer) -> None:
    def stall(req: BaseHTTPRequestHandler) -> None:
        time.sleep(1.0)

    local_server.route("/stall", handler=stall)
    with pytest.raises(FetchError, match="timed out"):
        fetch(local_server.url("/stall"), allow_private=True, timeout=0.3)


def test_http_error_status_and_retry_after(local_server: LocalServer) -> None:
    local_server.route("/busy", status=429, body=b"slow down", headers={"Retry-After": "120"})
    with pytest.raises(HTTPStatusError) as info:
        fetch(local_server.url("/busy"), allow_private=True)
    assert info.value.status == 429
    assert info.value.retry_after == 120.0
    result = fetch(local_server.url("/busy"), allow_private=True, raise_for_status=False)
    assert result.status == 429 and result.retry_after == 120.0


def test_connection_refused_is_fetch_error() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    with pytest.raises(FetchError):
        fetch(f"http://127.0.0.1:{port}/", allow_private=True, timeout=1)


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.org/x", "gopher://x", "javascript:alert(1)", "http://"]
)
def test_non_http_urls_refused(url: str) -> None:
    with pytest.raises(UnsafeURLError):
        check_url(url)


@pytest.mark.parametrize(
    "ip",
    [
        "127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "100.64.0.1",
        "100.127.255.254", "0.0.0.0", "224.0.0.1", "255.255.255.255", "240.0.0.1", "::1", "::",
        "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1", "64:ff9b::a9fe:a9fe", "::ffff:127.0.0.1",
        "::ffff:8.8.8.8", "2002:7f00:1::1",
    ],
)
def test_non_public_addresses_refused(ip: str) -> None:
    assert address_problem(ipaddress.ip_address(ip)) is not None
    host = f"[{ip}]" if ":" in ip else ip
    with pytest.raises(UnsafeURLError):
        check_url(f"http://{host}/")


@pytest.mark.parametrize("ip", ["8.8.8.8", "1.1.1.1", "93.184.216.34", "2606:4700:4700::1111"])
def test_public_addresses_allowed(ip: str) -> None:
    assert address_problem(ipaddress.ip_address(ip)) is None


def test_allow_private_permits_everything() -> None:
    check_url("http://127.0.0.1/", allow_private=True)
    check_url("http://[::1]/", allow_private=True)


def test_parse_retry_after() -> None:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    assert parse_retry_after("30") == 30.0
    later = format_datetime(now + timedelta(seconds=90), usegmt=True)
    assert parse_retry_after(later, now=now) == pytest.approx(90.0)
    past = format_datetime(now - timedelta(seconds=90), usegmt=True)
    assert parse_retry_after(past, now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_host_limiter_bounds_concurrency() -> None:
    limiter = HostLimiter(per_host=2)
    active = 0
    peak = 0
    lock = threading.Lock()

    def work() -> None:
        nonlocal active, peak
        with limiter.slot("Example.org"):
            with lock:
                active += 1
                peak = max(peak, active)
            time.sleep(0.05)
            with lock:
                active -= 1

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak == 2


def test_fetcher_with_limiter_reuses_client(local_server: LocalServer) -> None:
    local_server.route("/x", body=b"ok")
    with Fetcher(allow_private=True, limiter=HostLimiter(1)) as fetcher:
        assert fetcher.fetch(local_server.url("/x")).content == b"ok"
        assert fetcher.fetch(local_server.url("/x")).content == b"ok"
    assert local_server.hits("/x") == 2
