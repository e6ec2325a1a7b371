"""poll.py against real HTTP servers on 127.0.0.1 (never the internet)."""

from __future__ import annotations

import gzip
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

import pytest
from httpserver import LocalServer, server_fixture

from infomachine.intake.politeness import cache_max_age, feed_refresh_hint
from infomachine.intake.poll import PollConfig, Poller
from infomachine.models import Source
from infomachine.sources.feeds import feed_source
from infomachine.store import SQLiteStore, open_store

local_server = server_fixture()
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def rss(items: list[tuple[str | None, str, str]], extra: str = "") -> bytes:
    """An RSS 2.0 document; items are (guid, link, title)."""
    parts = []
    for guid, link, title in items:
        g = f"<guid isPermaLink='false'>{guid}</guid>" if guid else ""
        parts.append(
            f"<item>{g}<link>{link}</link><title>{title}</title>"
            f"<description>{title} — body text about {title}.</description>"
            "<pubDate>Sat, 01 Mar 2025 10:00:00 GMT</pubDate></item>"
        )
    return (
        "<?xml version='1.0'?><rss version='2.0' xmlns:sy='http://purl.org/rss/1.0/modules/syndication/'>"
        f"<channel><title>Test feed</title><link>http://example.org/</link>{extra}"
        + "".join(parts) + "</channel></rss>"
    ).encode()


RSS = {"Content-Type": "application/rss+xml"}


def cfg(**kw: object) -> PollConfig:
    base: dict[str, object] = dict(allow_private=True, min_interval=60, max_interval=86400,
                                   interval=600, jitter=0.0, workers=4, timeout=3.0,
                                   total_timeout=3.0)
    base.update(kw)
    return PollConfig(**base)  # type: ignore[arg-type]


def add(store: SQLiteStore, url: str, kind: str = "feed") -> Source:
    src = feed_source(url)
    src.kind = kind
    return store.upsert_source(src)


def test_conditional_get_304_saves_validators(store: SQLiteStore, local_server: LocalServer) -> None:
    body = rss([("g1", "http://example.org/a", "Alpha launches rocket")])

    def handler(req: BaseHTTPRequestHandler) -> None:
        if req.headers.get("If-None-Match") == '"v1"':
            req.send_response(304)
            req.send_header("Content-Length", "0")
            req.end_headers()
            return
        req.send_response(200)
        for k, v in {**RSS, "ETag": '"v1"', "Last-Modified": "Sat, 01 Mar 2025 10:00:00 GMT",
                     "Content-Length": str(len(body))}.items():
            req.send_header(k, v)
        req.end_headers()
        req.wfile.write(body)

    local_server.route("/feed", handler=handler)
    src = add(store, local_server.url("/feed"))
    with Poller(cfg()) as poller:
        first = poller.poll(store, now=T0)
        assert first.fetched == 1 and first.new_items == 1
        saved = store.get_source(src.id)
        assert saved.etag == '"v1"' and saved.last_modified == "Sat, 01 Mar 2025 10:00:00 GMT"
        assert saved.next_poll == T0 + timedelta(seconds=600)
        assert poller.poll(store, now=T0 + timedelta(seconds=599)).due == 0  # not due yet
        second = poller.poll(store, now=T0 + timedelta(seconds=601))
    assert second.not_modified == 1 and second.new_items == 0
    assert local_server.requests[-1][2]["If-None-Match"] == '"v1"'
    assert local_server.requests[-1][2]["If-Modified-Since"] == "Sat, 01 Mar 2025 10:00:00 GMT"
    assert store.get_source(src.id).last_status == 304
    items = store.list_items()
    assert len(items) == 1 and items[0].source == src.id


def test_feed_that_changes_between_polls(store: SQLiteStore, local_server: LocalServer) -> None:
    local_server.route("/f", body=rss([("a", "http://example.org/1", "Bridge opens in Oslo")]), headers=RSS)
    add(store, local_server.url("/f"))
    with Poller(cfg()) as poller:
        assert poller.poll(store, now=T0).new_items == 1
        local_server.route("/f", body=rss([("a", "http://example.org/1", "Bridge opens in Oslo"),
                                           ("b", "http://example.org/2", "Tunnel closes in Bergen")]),
                           headers=RSS)
        again = poller.poll(store, now=T0 + timedelta(hours=1))
    assert again.new_items == 1 and again.duplicates == 1
    assert sorted(i.title for i in store.list_items()) == ["Bridge opens in Oslo", "Tunnel closes in Bergen"]


def test_duplicate_guid_variants(store: SQLiteStore, local_server: LocalServer) -> None:
    local_server.route("/f", headers=RSS, body=rss([
        ("same", "http://example.org/x", "Whale spotted off Cornwall"),
        ("same", "http://example.org/x", "Whale spotted off Cornwall"),  # same GUID twice
        ("reused", "http://example.org/p", "Parliament passes budget"),
        ("reused", "http://example.org/q", "Storm floods valley towns"),  # same GUID, other item
        (None, "http://example.org/n?utm_source=rss&utm_medium=feed", "Comet visible tonight"),
        (None, "http://example.org/n?utm_source=twitter", "Comet visible tonight"),
    ]))
    add(store, local_server.url("/f"))
    with Poller(cfg()) as poller:
        report = poller.poll(store, now=T0)
    titles = sorted(i.title for i in store.list_items())
    assert titles == ["Comet visible tonight", "Parliament passes budget",
                      "Storm floods valley towns", "Whale spotted off Cornwall"]
    assert report.new_items == 4 and report.duplicates == 2
    comet = next(i for i in store.list_items() if i.title.startswith("Comet"))
    assert comet.canonical_url is not None and comet.canonical_url.endswith("example.org/n")
    assert "utm_source=twitter" in str(comet.metadata.get("urls"))  # the duplicate is linked
    storm = next(i for i in store.list_items() if i.title.startswith("Storm"))
    assert storm.metadata["guid_conflict"] == "reused"


def test_retry_after_seconds_on_429(store: SQLiteStore, local_server: LocalServer) -> None:
    local_server.route("/busy", status=429, body=b"slow down", headers={"Retry-After": "120"})
    local_server.route("/other", body=rss([("o", "http://example.org/o", "Other thing")]), headers=RSS)
    busy = add(store, local_server.url("/busy"))
    with Poller(cfg(min_interval=1)) as poller:
        report = poller.poll(store, now=T0)
        saved = store.get_source(busy.id)
        assert report.failed == 1 and saved.last_status == 429
        assert saved.next_poll == T0 + timedelta(seconds=120)
        assert saved.error_count == 0 and saved.status == "active"  # polite wait, not a failure
        # another source on the same host is deferred until the Retry-After time
        other = add(store, local_server.url("/other"))
        later = poller.poll(store, now=T0 + timedelta(seconds=10))
    assert later.deferred == 1 and local_server.hits("/other") == 0
    assert store.get_source(other.id).next_poll == T0 + timedelta(seconds=120)


def test_retry_after_http_date_on_503(store: SQLiteStore, local_server: LocalServer) -> None:
    when = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
    local_server.route("/down", status=503, headers={"Retry-After": format_datetime(when, usegmt=True)})
    src = add(store, local_server.url("/down"))
    with Poller(cfg(min_interval=1)) as poller:
        now = datetime.now(UTC).replace(microsecond=0)
        poller.poll(store, now=now)
    nxt = store.get_source(src.id).next_poll
    assert nxt is not None
    assert abs((nxt - when).total_seconds()) <= 3


def test_redirect_to_private_address_refused(store: SQLiteStore, local_server: LocalServer) -> None:
    local_server.route("/r", status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
    local_server.route("/r2", status=302, headers={"Location": "http://10.0.0.7/feed"})
    a, b = add(store, local_server.url("/r")), add(store, local_server.url("/r2"))
    # 127.0.0.1 is allowed explicitly (the test server); everything else private stays refused
    with Poller(cfg(allow_private=False, allow_networks="127.0.0.1/32")) as poller:
        report = poller.poll(store, now=T0)
    assert report.failed == 2
    for src, addr in ((a, "169.254.169.254"), (b, "10.0.0.7")):
        saved = store.get_source(src.id)
        assert saved.last_error and "refusing" in saved.last_error and addr in saved.last_error
        assert saved.error_count == 1


def test_loopback_refused_without_allow_private(store: SQLiteStore, local_server: LocalServer) -> None:
    local_server.route("/f", body=rss([("a", "http://example.org/a", "A")]), headers=RSS)
    src = add(store, local_server.url("/f"))
    with Poller(cfg(allow_private=False)) as poller:
        poller.poll(store, now=T0)
    assert local_server.hits("/f") == 0
    assert "refusing" in (store.get_source(src.id).last_error or "")


def test_failing_source_pauses_while_other_hosts_keep_polling(
    store: SQLiteStore, local_server: LocalServer
) -> None:
    local_server.route("/broken", status=500, body=b"oops")
    n = {"v": 0}

    def changing(req: BaseHTTPRequestHandler) -> None:
        n["v"] += 1
        body = rss([(f"g{n['v']}", f"http://example.org/{n['v']}", f"Story number {n['v']} unfolds")])
        req.send_response(200)
        req.send_header("Content-Type", "application/rss+xml")
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        req.wfile.write(body)

    local_server.route("/good", handler=changing)
    broken = add(store, local_server.url("/broken"))
    good = add(store, f"http://localhost:{local_server.port}/good")  # another host name
    now = T0
    with Poller(cfg(max_failures=3, min_interval=60)) as poller:
        expected_backoff = [60, 120]
        for attempt in range(3):
            poller.poll(store, now=now)
            saved = store.get_source(broken.id)
            assert saved.error_count == attempt + 1
            if attempt < 2:
                assert saved.status == "active"
                assert saved.next_poll == now + timedelta(seconds=expected_backoff[attempt])
            now += timedelta(hours=2)
        saved = store.get_source(broken.id)
        assert saved.status == "paused" and "3 consecutive failures" in saved.metadata["paused_reason"]
        report = poller.poll(store, now=now + timedelta(days=3))
    assert local_server.hits("/broken") == 3  # paused: not polled again
    assert report.fetched == 1 and local_server.hits("/good") == 4
    assert store.get_source(good.id).error_count == 0
    assert store.count_items() == 4


def test_gzip_bomb_through_poll(store: SQLiteStore, local_server: LocalServer) -> None:
    bomb = gzip.compress(b"<rss>" + b" " * (40 * 1024 * 1024), compresslevel=9)
    assert len(bomb) < 100_000
    local_server.route("/bomb", body=bomb, headers={**RSS, "Content-Encoding": "gzip"})
    src = add(store, local_server.url("/bomb"))
    started = time.monotonic()
    with Poller(cfg(max_bytes=1024 * 1024)) as poller:
        report = poller.poll(store, now=T0)
    assert report.failed == 1 and time.monotonic() - started < 3
    assert "cap" in (store.get_source(src.id).last_error or "")


def test_slow_drip_through_poll(store: SQLiteStore, local_server: LocalServer) -> None:
    def drip(req: BaseHTTPRequestHandler) -> None:
        req.send_response(200)
        req.send_header("Content-Type", "application/rss+xml")
        req.send_header("Content-Length", "100000")
        req.end_headers()
        try:
            for _ in range(40):
                req.wfile.write(b" ")
                req.wfile.flush()
                time.sleep(0.1)
        except OSError:
            pass

    local_server.route("/drip", handler=drip)
    src = add(store, local_server.url("/drip"))
    started = time.monotonic()
    with Poller(cfg(timeout=2.0, total_timeout=0.8)) as poller:
        poller.poll(store, now=T0)
    assert time.monotonic() - started < 2.5
    err = store.get_source(src.id).last_error or ""
    assert "time cap" in err or "timed out" in err


def test_billion_laughs_through_poll(store: SQLiteStore, local_server: LocalServer) -> None:
    lol = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(
            f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'.encode()
            for i in range(1, 10)
        )
        + b']><rss version="2.0"><channel><title>&lol9;</title><item><title>x</title></item></channel></rss>'
    )
    local_server.route("/lol", body=lol, headers=RSS)
    src = add(store, local_server.url("/lol"))
    started = time.monotonic()
    with Poller(cfg()) as poller:
        report = poller.poll(store, now=T0)
    assert report.failed == 1 and time.monotonic() - started < 2
    assert "entity" in (store.get_source(src.id).last_error or "").lower()
    assert store.count_items() == 0


def test_ttl_syndication_and_max_age_within_bounds(store: SQLiteStore, local_server: LocalServer) -> None:
    item = [("a", "http://example.org/a", "Anything")]
    local_server.route("/ttl", body=rss(item, "<ttl>1440</ttl>"), headers=RSS)  # a day, in minutes
    local_server.route("/sy", headers=RSS, body=rss(
        [("b", "http://example.org/b", "Bee")],
        "<sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>2</sy:updateFrequency>"))
    local_server.route("/cc", body=rss([("c", "http://example.org/c", "Sea")]),
                       headers={**RSS, "Cache-Control": "public, max-age=5000"})
    local_server.route("/short", body=rss([("d", "http://example.org/d", "Dee")], "<ttl>1</ttl>"), headers=RSS)
    ids = {p: add(store, local_server.url(p)).id for p in ("/ttl", "/sy", "/cc", "/short")}
    with Poller(cfg(interval=600, min_interval=120, max_interval=7200)) as poller:
        poller.poll(store, now=T0)
    wait = {p: (store.get_source(i).next_poll - T0).total_seconds() for p, i in ids.items()}  # type: ignore[operator]
    assert wait == {"/ttl": 7200, "/sy": 1800, "/cc": 5000, "/short": 600}


def test_hint_parsers() -> None:
    assert feed_refresh_hint(b"<rss><ttl> 30 </ttl></rss>") == 1800
    assert feed_refresh_hint(b"<sy:updatePeriod>daily</sy:updatePeriod>") == 86400
    assert feed_refresh_hint(b"<rss/>") is None
    assert cache_max_age({"cache-control": "max-age=60, must-revalidate"}) == 60
    assert cache_max_age({"cache-control": "no-store, max-age=60"}) is None


def test_jitter_spreads_next_poll(store: SQLiteStore, local_server: LocalServer) -> None:
    for n in range(8):
        local_server.route(f"/j{n}", body=rss([(f"j{n}", f"http://example.org/j{n}", f"Item {n}")]), headers=RSS)
        add(store, local_server.url(f"/j{n}"))
    with Poller(cfg(interval=1000, jitter=0.2)) as poller:
        poller.poll(store, now=T0)
    waits = [(s.next_poll - T0).total_seconds() for s in store.list_sources()]  # type: ignore[operator]
    assert all(800 <= w <= 1200 for w in waits)
    assert len(set(waits)) > 1


def test_robots_txt_for_pages_cached_per_host(store: SQLiteStore, local_server: LocalServer) -> None:
    local_server.route("/robots.txt", body=b"User-agent: *\nDisallow: /private/\n", headers={"Content-Type": "text/plain"})
    page = b"<html><head><title>Open page</title></head><body><p>" + b"Readable words here. " * 20 + b"</p></body></html>"
    for path in ("/public/a", "/public/b", "/private/c"):
        local_server.route(path, body=page.replace(b"Open page", path.encode()), headers={"Content-Type": "text/html"})
    ids = {p: add(store, local_server.url(p), kind="page").id for p in ("/public/a", "/public/b", "/private/c")}
    with Poller(cfg()) as poller:
        report = poller.poll(store, now=T0)
    assert report.fetched == 2 and report.failed == 1
    assert "robots.txt" in (store.get_source(ids["/private/c"]).last_error or "")
    assert local_server.hits("/private/c") == 0 and local_server.hits("/robots.txt") == 1


def test_per_host_concurrency_limit(store: SQLiteStore, local_server: LocalServer) -> None:
    lock, state = threading.Lock(), {"now": 0, "max": 0}

    def slow(req: BaseHTTPRequestHandler) -> None:
        with lock:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
        time.sleep(0.15)
        body = rss([(req.path, "http://example.org" + req.path, "Slow " + req.path)])
        with lock:
            state["now"] -= 1
        req.send_response(200)
        req.send_header("Content-Type", "application/rss+xml")
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        req.wfile.write(body)

    for n in range(6):
        local_server.route(f"/s{n}", handler=slow)
        add(store, local_server.url(f"/s{n}"))
    with Poller(cfg(per_host=2, workers=6)) as poller:
        report = poller.poll(store, now=T0)
    assert report.fetched == 6
    assert state["max"] == 2


@pytest.mark.parametrize("errors,expected", [(1, 60), (2, 120), (3, 240), (10, 3600)])
def test_exponential_backoff(errors: int, expected: int) -> None:
    with Poller(cfg(min_interval=60, max_interval=3600)) as poller:
        assert poller.schedule.backoff(errors) == expected


def _serve(req: BaseHTTPRequestHandler, body: bytes) -> None:
    req.send_response(200)
    req.send_header("Content-Type", "application/rss+xml")
    req.send_header("Content-Length", str(len(body)))
    req.end_headers()
    req.wfile.write(body)


def test_source_removed_mid_poll_keeps_its_items_and_the_others(
    store: SQLiteStore, local_server: LocalServer
) -> None:
    """A user removes a source while it is being fetched: nothing fetched is lost."""
    other = open_store(store.path)  # the user's `infomachine remove`, another connection
    gone: dict[str, str] = {}

    def removed_while_fetched(req: BaseHTTPRequestHandler) -> None:
        other.delete_source(gone["id"])
        _serve(req, rss([("r1", "http://example.org/r1", "Removed source item")]))

    def slow(req: BaseHTTPRequestHandler) -> None:
        time.sleep(0.3)  # applied after the removed one
        _serve(req, rss([("k1", "http://example.org/k1", "Kept source item")]))

    local_server.route("/removed", handler=removed_while_fetched)
    local_server.route("/kept", handler=slow)
    gone["id"] = add(store, local_server.url("/removed")).id
    kept = add(store, local_server.url("/kept"))
    try:
        with Poller(cfg()) as poller:
            report = poller.poll(store, now=T0)
    finally:
        other.close()
    assert report.fetched == 2 and report.new_items == 2 and report.failed == 0
    assert {i.title for i in store.list_items()} == {"Removed source item", "Kept source item"}
    outcome = next(o for o in report.outcomes if o.source_id == gone["id"])
    assert outcome.removed and outcome.new == 1
    assert [s.id for s in store.list_sources()] == [kept.id]  # not re-created
    assert store.get_source(kept.id).last_status == 200


def test_one_source_failing_to_apply_does_not_stop_the_others(
    store: SQLiteStore, local_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from infomachine.errors import StoreError
    from infomachine.ingest.batch import Ingestor

    local_server.route("/a", body=rss([("a", "http://example.org/a", "Alpha item")]), headers=RSS)
    local_server.route("/b", body=rss([("b", "http://example.org/b", "Beta item")]), headers=RSS)
    a, b = add(store, local_server.url("/a")), add(store, local_server.url("/b"))
    real = Ingestor.ingest

    def flaky(self: Ingestor, records: list[object]) -> object:
        if any(getattr(r, "title", None) == "Alpha item" for r in records):
            raise StoreError("disk hiccup")
        return real(self, records)  # type: ignore[arg-type]

    monkeypatch.setattr(Ingestor, "ingest", flaky)
    with Poller(cfg()) as poller:
        report = poller.poll(store, now=T0)
    assert report.fetched == 1 and report.failed == 1 and report.new_items == 1
    assert [i.title for i in store.list_items()] == ["Beta item"]
    failed = store.get_source(a.id)
    assert failed.error_count == 1 and "disk hiccup" in (failed.last_error or "")
    assert store.get_source(b.id).error_count == 0


@pytest.mark.parametrize("workers", [1, 4])
def test_retry_after_defers_the_rest_of_the_host_in_the_same_poll(
    store: SQLiteStore, local_server: LocalServer, workers: int
) -> None:
    local_server.route("/busy", status=429, body=b"slow down", headers={"Retry-After": "120"})
    for path in ("/f0", "/f1", "/f2", "/f3", "/f4", "/elsewhere"):
        local_server.route(path, body=rss([(path, f"http://example.org{path}", f"Feed {path}")]),
                           headers=RSS)
    first = feed_source(local_server.url("/busy"))
    first.created_at = T0 - timedelta(days=1)  # first in line
    busy = store.upsert_source(first)
    others = [add(store, local_server.url(f"/f{n}")) for n in range(5)]
    elsewhere = add(store, f"http://localhost:{local_server.port}/elsewhere")  # another host name
    with Poller(cfg(min_interval=1, per_host=1, workers=workers)) as poller:
        report = poller.poll(store, now=T0)
    paths = [p for _, p, _ in local_server.requests]
    cut = paths.index("/busy")
    requested = set(paths[:cut]) - {"/elsewhere"}  # asked before the 429 came (workers > 1)
    # after the 429 this host is never asked again in the poll; the other host name is
    assert set(paths[cut + 1:]) <= {"/elsewhere"} and paths.count("/elsewhere") == 1
    assert report.failed == 1 and report.deferred == 5 - len(requested)
    assert report.fetched == 1 + len(requested)
    if workers == 1:
        assert paths == ["/busy", "/elsewhere"]
    for src in others:
        saved = store.get_source(src.id)
        assert saved.error_count == 0 and saved.status == "active"  # rescheduled, not failed
        if urlsplit(src.url).path not in requested:
            assert saved.next_poll == T0 + timedelta(seconds=120) and saved.last_error is None
    assert store.get_source(busy.id).next_poll == T0 + timedelta(seconds=120)
    assert store.get_source(elsewhere.id).last_status == 200


def test_feed_accept_header_is_one_constant(store: SQLiteStore, local_server: LocalServer) -> None:
    from infomachine.intake import collect
    from infomachine.intake.fetch import FEED_ACCEPT

    assert collect.FEED_ACCEPT is FEED_ACCEPT  # `ingest URL` and polling ask for feeds alike
    local_server.route("/feed", body=rss([("a", "http://example.org/a", "Alpha")]), headers=RSS)
    add(store, local_server.url("/feed"))
    with Poller(cfg()) as poller:
        poller.poll(store, now=T0)
    assert local_server.requests[0][2]["Accept"] == FEED_ACCEPT
