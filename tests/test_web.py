"""Every route of the web app through httpx's ASGITransport, and the static site."""

from __future__ import annotations

import asyncio
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx
import pytest
import webfixtures
from click.testing import CliRunner

from infomachine.cli import cli
from infomachine.models import Brief, BriefStory, Story
from infomachine.publish.site import export_site
from infomachine.store import SQLiteStore, open_store
from infomachine.web.app import CSP, create_app

SLUG = "open-model-wave"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def db(db_url: str) -> dict[str, Any]:
    path = db_url  # a SQLite path or a postgresql:// URL (conftest)
    store = open_store(path)
    data = webfixtures.populate(store)
    data["events"] = webfixtures.add_events(store, data["story"], data["item_ids"])
    # A second story with no brief yet, and a third changed more recently.
    store.create_story(Story(id="s-empty", slug="empty-story", title="Empty story",
                             updated_at=datetime(2020, 1, 1, tzinfo=UTC)))
    store.create_story(Story(id="s-fresh", slug="fresh-story", title="Fresh story"))
    fresh = Brief(story=BriefStory(id="s-fresh", slug="fresh-story", title="Fresh story"),
                  generated_at=datetime(2026, 6, 1, tzinfo=UTC), change_summary="Brand new.")
    store.save_brief("s-fresh", fresh)
    store.close()
    return {"path": path, **data}


@pytest.fixture
def app(db: dict[str, Any]) -> Any:
    return create_app(db["path"])


def get(app: Any, path: str) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return await client.get(path)

    return asyncio.run(go())


HTML_ROUTES = [
    "/",
    f"/stories/{SLUG}",
    f"/stories/{SLUG}/history",
    f"/stories/{SLUG}/versions/1",
    f"/stories/{SLUG}/versions/2",
    f"/stories/{SLUG}/diff/1/2",
    f"/stories/{SLUG}/diff/2/1",
    "/stories/empty-story",
    f"/events/{webfixtures.EVENT_A}",
    f"/events/{webfixtures.EVENT_B}",
    "/sources",
    "/search",
    "/search?q=open",
]
JSON_ROUTES = [
    "/api/stories",
    f"/api/stories/{SLUG}",
    f"/api/stories/{SLUG}/history",
    f"/api/stories/{SLUG}/versions/1",
    f"/api/stories/{SLUG}/diff/1/2",
    "/api/sources",
    "/api/search?q=open",
    "/api/events",
    f"/api/events?story={SLUG}",
    f"/api/events/{webfixtures.EVENT_A}",
]


@pytest.mark.parametrize("path", HTML_ROUTES)
def test_html_routes(app: Any, path: str) -> None:
    r = get(app, path)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["content-security-policy"] == CSP
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert "<script" not in r.text
    assert "style=" not in r.text and "<style" not in r.text
    assert '<a class="skip" href="#main">' in r.text and '<main id="main"' in r.text


@pytest.mark.parametrize("path", JSON_ROUTES)
def test_json_routes(app: Any, path: str) -> None:
    r = get(app, path)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"
    assert r.headers["content-security-policy"] == CSP
    assert isinstance(r.json(), dict)


def test_item_routes(app: Any, db: dict[str, Any]) -> None:
    item_id = db["item_ids"][0]
    page = get(app, f"/items/{item_id}")
    assert page.status_code == 200
    assert "Body text number 0" in page.text
    assert f'href="/stories/{SLUG}"' in page.text
    data = get(app, f"/api/items/{item_id}").json()
    assert data["id"] == item_id
    assert data["story"]["slug"] == SLUG
    assert data["event"] == {"id": "e-release-wave", "slug": webfixtures.EVENT_A,
                             "title": "Open-weight release wave"}
    assert data["event_id"] == "e-release-wave" and data["story_id"] == db["story"].id
    assert data["text"].startswith("Body text number 0")
    assert f'href="/events/{webfixtures.EVENT_A}"' in page.text


def test_story_page_layout(app: Any) -> None:
    text = get(app, f"/stories/{SLUG}").text
    heads = re.findall(r"<h2 id=\"[a-z]+\">([^<]+)</h2>", text)
    assert heads == ["What", "Why it matters", "Open questions", "Narrative", "Timeline",
                     "Perspectives", "Tensions", "Sources", "Events"]
    assert "Version 2" in text and "2026-05-24 09:30 UTC" in text and "3 items" in text
    assert f'href="/stories/{SLUG}/history"' in text
    assert (f'<link rel="alternate" type="application/atom+xml" title="Open Model Wave — updates" '
            f'href="/stories/{SLUG}/feed.atom">') in text
    assert '<li id="source-1" value="1">' in text
    assert '<a href="#source-1" aria-label="source 1">[1]</a><span class="quote"' in text
    assert 'rel="noopener noreferrer"' in text
    assert "reactive:open-model-capability-gap" in text
    assert "Evolution:" in text


def test_old_version_points_to_latest(app: Any) -> None:
    text = get(app, f"/stories/{SLUG}/versions/1").text
    assert "This is an older version" in text
    assert f'href="/stories/{SLUG}/diff/1/2"' in text


def test_index_most_recent_first(app: Any) -> None:
    text = get(app, "/").text
    order = [m for m in re.findall(r'href="/stories/([a-z-]+)"', text)]
    assert order.index("fresh-story") < order.index(SLUG)
    rows = get(app, "/api/stories").json()["stories"]
    assert [r["slug"] for r in rows][:2] == ["fresh-story", SLUG]
    story = next(r for r in rows if r["slug"] == SLUG)
    assert story["version"] == 2 and story["item_count"] == 3
    assert story["change_summary"] == "Added Epoch AI's reading."


@pytest.mark.parametrize(
    "path,target",
    [
        ("/stories/old-open-model-slug", f"/stories/{SLUG}"),
        ("/stories/old-open-model-slug/history", f"/stories/{SLUG}/history"),
        ("/stories/old-open-model-slug/diff/1/2", f"/stories/{SLUG}/diff/1/2"),
        ("/stories/old-open-model-slug/feed.atom", f"/stories/{SLUG}/feed.atom"),
        ("/api/stories/old-open-model-slug", f"/api/stories/{SLUG}"),
        ("/api/stories/old-open-model-slug/history", f"/api/stories/{SLUG}/history"),
        ("/events/e-release-wave", f"/events/{webfixtures.EVENT_A}"),
        ("/api/events/e-consortium", f"/api/events/{webfixtures.EVENT_B}"),
    ],
)
def test_alias_redirects(app: Any, path: str, target: str) -> None:
    r = get(app, path)
    assert r.status_code == 301
    assert r.headers["location"] == target


def test_id_redirects(app: Any, db: dict[str, Any]) -> None:
    r = get(app, f"/stories/{db['story'].id}")
    assert r.status_code == 301 and r.headers["location"] == f"/stories/{SLUG}"


@pytest.mark.parametrize(
    "path,status",
    [
        ("/stories/no-such-story", 404),
        ("/stories/no-such-story/history", 404),
        (f"/stories/{SLUG}/versions/9", 404),
        (f"/stories/{SLUG}/versions/abc", 400),
        (f"/stories/{SLUG}/versions/0", 400),
        (f"/stories/{SLUG}/diff/1/9", 404),
        ("/items/nope", 404),
        ("/events/no-such-event", 404),
        ("/no/such/page", 404),
        ("/search?q=" + "x" * 300, 400),
    ],
)
def test_html_errors(app: Any, path: str, status: int) -> None:
    r = get(app, path)
    assert r.status_code == status
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["content-security-policy"] == CSP
    assert "<h1>" in r.text


@pytest.mark.parametrize(
    "path,status",
    [
        ("/api/stories/no-such-story", 404),
        (f"/api/stories/{SLUG}/versions/7", 404),
        (f"/api/stories/{SLUG}/diff/x/2", 400),
        ("/api/items/nope", 404),
        ("/api/events/no-such-event", 404),
        ("/api/events?story=no-such-story", 404),
        ("/api/search?q=" + "x" * 300, 400),
    ],
)
def test_api_errors(app: Any, path: str, status: int) -> None:
    r = get(app, path)
    assert r.status_code == status
    body = r.json()
    assert body["status"] == status and body["error"]


def test_api_shapes(app: Any) -> None:
    story = get(app, f"/api/stories/{SLUG}").json()
    assert story["story"]["slug"] == SLUG and story["version"] == 2
    assert story["brief"]["what"]["summary"][0]["cites"] == [1]
    assert [v["version"] for v in story["versions"]] == [1, 2]
    history = get(app, f"/api/stories/{SLUG}/history").json()
    assert set(history["versions"][0]) >= {"version", "generated_at", "item_count", "change_summary"}
    diff = get(app, f"/api/stories/{SLUG}/diff/1/2").json()
    assert diff["a"]["version"] == 1 and diff["b"]["version"] == 2
    assert diff["diff"] is not None and diff["diff"]["claims_added"]
    sources = get(app, "/api/sources").json()["sources"]
    bad = next(s for s in sources if s["id"] == "src-bad")
    assert bad["error_count"] == 4 and bad["last_status"] == 503
    results = get(app, "/api/search?q=body").json()
    assert results["query"] == "body" and len(results["results"]) == 3
    assert "«body»" in results["results"][0]["snippet"].lower()  # matches marked, not [ ]
    page = get(app, "/search?q=body").text
    assert "<mark>body</mark>" in page.lower() and "[body]" not in page.lower()
    assert results["results"][0]["story"]["slug"] == SLUG
    assert get(app, "/api/search?q=").json()["results"] == []


def test_feeds(app: Any) -> None:
    r = get(app, f"/stories/{SLUG}/feed.atom")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(r.content)
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == [
        "Open Model Wave — version 2", "Open Model Wave — version 1"]
    assert entries[0].findtext(f"{ATOM}summary") == "Added Epoch AI's reading."
    assert entries[0].find(f"{ATOM}link").get("href") == f"/stories/{SLUG}/versions/2"
    # what version 2 added, as plain text; version 1 has nothing to compare with
    content = entries[0].find(f"{ATOM}content")
    assert content is not None and content.get("type") == "text"
    assert content.text and content.text.startswith("New: ")
    assert entries[1].find(f"{ATOM}content") is None
    everything = ET.fromstring(get(app, "/feed.atom").content)
    titles = [e.findtext(f"{ATOM}title") for e in everything.findall(f"{ATOM}entry")]
    assert titles == ["Fresh story — version 1", "Open Model Wave — version 2"]


def test_sources_page_and_opml(app: Any) -> None:
    text = get(app, "/sources").text
    assert "HTTP 503" in text and "Example feed" in text
    assert 'href="javascript:' not in text
    r = get(app, "/sources.opml")
    assert r.status_code == 200
    root = ET.fromstring(r.content)
    assert root.tag == "opml"
    assert any(o.get("xmlUrl") == "https://example.org/feed.xml" for o in root.iter("outline"))


def test_static_css(app: Any) -> None:
    r = get(app, "/static/style.css")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/css")


def _links(html_text: str) -> list[str]:
    return re.findall(r'(?:href|src)="([^"]+)"', html_text)


def test_export_site_links_resolve(db: dict[str, Any], tmp_path: Path) -> None:
    store = open_store(db["path"])
    out = tmp_path / "site"
    index = export_site(store, out)
    store.close()
    assert index == out / "index.html"
    for rel in ["index.html", f"stories/{SLUG}/index.html", f"stories/{SLUG}/history/index.html",
                f"events/{webfixtures.EVENT_A}/index.html", f"events/{webfixtures.EVENT_B}/index.html",
                f"stories/{SLUG}/versions/1/index.html", f"stories/{SLUG}/diff/1/2/index.html",
                f"stories/{SLUG}/feed.atom", "feed.atom", "sources/index.html", "sources.opml",
                "static/style.css", f"items/{db['item_ids'][0]}/index.html"]:
        assert (out / rel).is_file(), rel
    pages = list(out.rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        text = page.read_text()
        for link in _links(text):
            parts = urlsplit(link)
            if parts.scheme in ("http", "https"):
                continue
            assert not link.startswith("/"), f"absolute link {link} in {page}"
            if not parts.path:
                continue  # #fragment
            target = (page.parent / unquote(parts.path)).resolve()
            assert target.is_file(), f"{page.relative_to(out)} links to missing {link}"
    # Feed links resolve relative to the feed.
    feed = ET.parse(out / "stories" / SLUG / "feed.atom").getroot()
    for link in feed.iter(f"{ATOM}link"):
        assert (out / "stories" / SLUG / link.get("href")).is_file()


def test_cli_export_and_help(db: dict[str, Any], tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "public"
    result = runner.invoke(cli, ["--db", str(db["path"]), "export", "--site", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "index.html").is_file()
    for command in ("serve", "export"):
        help_text = runner.invoke(cli, [command, "--help"]).output
        assert "Example:" in help_text


def test_one_time_format_per_kind_across_outputs(app: Any) -> None:
    """Human and machine times come from publish/times.py, in UTC, the same in every output."""
    from datetime import timedelta, timezone

    from infomachine.models import Source
    from infomachine.publish import atom, html, markdown, pages, times

    plus2 = timezone(timedelta(hours=2))
    when = datetime(2026, 5, 24, 11, 0, 30, tzinfo=plus2)
    view = pages.source_view(Source(id="x", kind="feed", url="https://a.example/f", last_fetch=when))
    assert view["last_fetch"] == "2026-05-24T09:00:30Z"
    assert times.human(when) == "2026-05-24 09:00 UTC"
    assert times.human("2026-05-24T11:00:30+02:00", with_time=False) == "2026-05-24"
    assert times.rfc3339(datetime(2026, 5, 24, 9, 0, 30)) == "2026-05-24T09:00:30Z"
    assert times.rfc3339("not a time") is None and times.human(None) == ""
    brief = Brief(story=BriefStory(id="s", slug="s", title="S"), generated_at=when)
    assert "· 2026-05-24 09:00 UTC ·" in markdown.render_markdown(brief)
    page = html.render_brief(brief)
    assert '<time datetime="2026-05-24T09:00:30Z">2026-05-24 09:00 UTC</time>' in page
    feed = atom.story_feed({"id": "s", "title": "S"}, [{"version": 1, "generated_at": when}],
                           self_url="f", story_url="s", version_url=str)
    assert "<updated>2026-05-24T09:00:30Z</updated>" in feed
    # the JSON API shows the same machine format
    sources = get(app, "/api/sources").json()["sources"]
    assert all(s["last_fetch"] is None or s["last_fetch"].endswith("Z") for s in sources)
    # and no other module under publish/ (or web.py) formats times itself
    src = Path(html.__file__).parent
    for path in [*src.glob("*.py"), *(src.parent / "web").glob("*.py")]:
        if path.name != "times.py":
            text = path.read_text()
            assert "strftime" not in text and "isoformat(" not in text, path


def _rebuild_db(path: Path, word: str) -> None:
    """A fresh database at ``path``: one story, one version, the same ids every time."""
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        p.unlink(missing_ok=True)
    from infomachine.models import Sentence, What

    store = SQLiteStore(path)
    store.create_story(Story(id="s-re", slug="rebuilt", title="Rebuilt"))
    brief = Brief(story=BriefStory(id="s-re", slug="rebuilt", title="Rebuilt"),
                  generated_at=datetime(2026, 6, 1, tzinfo=UTC),
                  what=What(summary=[Sentence(text=f"Summary word {word}.")]))
    store.save_brief("s-re", brief)
    store.close()


def test_story_page_cache_belongs_to_the_app(tmp_path: Path) -> None:
    """A database rebuilt at the same path (demo --serve, tests) never gets another's pages."""
    path = tmp_path / "re.db"
    _rebuild_db(path, "Alpha")
    first = create_app(path)
    assert "Summary word Alpha." in get(first, "/stories/rebuilt").text
    first.state.pool.close()
    _rebuild_db(path, "Beta")
    second = create_app(path)
    page = get(second, "/stories/rebuilt").text
    assert "Summary word Beta." in page and "Alpha" not in page
    assert first.state.story_pages is not second.state.story_pages
    # the key names the version's time as well as story and version number
    (key,) = list(second.state.story_pages._pages)
    assert key[:2] == ("s-re", 1) and key[2].startswith("2026-06-01")


def test_cli_and_api_share_one_source_view(app: Any, db: dict[str, Any]) -> None:
    """``infomachine sources --format json`` and ``/api/sources`` are the same JSON."""
    import json

    result = CliRunner().invoke(cli, ["--db", str(db["path"]), "sources", "--format", "json"])
    assert result.exit_code == 0, result.output
    cli_rows = json.loads(result.output)
    api_rows = get(app, "/api/sources").json()["sources"]
    assert cli_rows and sorted(cli_rows, key=lambda r: r["id"]) == sorted(api_rows, key=lambda r: r["id"])
    documented = {"id", "kind", "name", "url", "status", "last_fetch", "last_status", "last_error",
                  "error_count", "next_poll", "item_count"}
    assert documented <= set(cli_rows[0])
    assert any(r["last_fetch"] for r in cli_rows)


# --------------------------------------------------------------------------- events


def _event_entries(page: str) -> list[tuple[str, int]]:
    """(event slug, item count) of each entry of a page's Events section."""
    section = page[page.index('<h2 id="events">'):]
    found = re.findall(r'<a href="/events/([a-z-]+)">.*?</a>\s*<span class="meta">.*?(\d+) items?</span>',
                       section, flags=re.S)
    return [(slug, int(n)) for slug, n in found]


def test_story_page_lists_its_events_in_order(app: Any) -> None:
    text = get(app, f"/stories/{SLUG}").text
    section = text[text.index('<h2 id="events">'):]
    links = re.findall(r'<a href="/events/([a-z-]+)">([^<]+)</a>', section)
    # the release wave (items of 10 and 11 May) happened before the essay (12 May)
    assert links == [(webfixtures.EVENT_A, "Open-weight release wave"),
                     (webfixtures.EVENT_B, "Lambert&#39;s consortium essay")]
    assert _event_entries(text) == [(webfixtures.EVENT_A, 2), (webfixtures.EVENT_B, 1)]
    assert '<time datetime="2026-05-10T10:00:00Z">2026-05-10</time> – ' in section
    index = get(app, "/").text
    entry = index[index.index(f'href="/stories/{SLUG}"'):]
    assert re.match(r'[^<]*</a></h2>\s*<p class="meta">2 events <span aria-hidden="true">·</span> 3 items',
                    entry[entry.index(">") + 1:]), entry[:300]
    assert "Empty story" in index and "0 events" not in index  # a story without events says nothing of them


def test_event_page_lists_items_and_links_back(app: Any, db: dict[str, Any]) -> None:
    text = get(app, f"/events/{webfixtures.EVENT_A}").text
    assert "<h1 id=\"event-title\">Open-weight release wave</h1>" in text
    assert f'<a class="story-link" href="/stories/{SLUG}">Open Model Wave</a>' in text
    item_links = re.findall(r'<a href="/items/([0-9a-f]+)">', text)
    assert item_links == db["item_ids"][:2]  # its own items, oldest first, not the third
    assert "2 items" in text and "Item 0 open models" in text and "Item 2 open models" not in text
    assert 'href="https://example.org/a/0" rel="noopener noreferrer"' in text
    # the page advertises the story's feed: feeds stay per story
    assert f'href="/stories/{SLUG}/feed.atom"' in text


def test_events_api(app: Any, db: dict[str, Any]) -> None:
    story_id = db["story"].id
    rows = get(app, "/api/events").json()["events"]
    assert {r["slug"] for r in rows} == {webfixtures.EVENT_A, webfixtures.EVENT_B}
    ordered = get(app, f"/api/events?story={SLUG}").json()
    assert ordered["story"]["slug"] == SLUG
    first = ordered["events"][0]
    assert [e["slug"] for e in ordered["events"]] == [webfixtures.EVENT_A, webfixtures.EVENT_B]
    assert first == {"id": "e-release-wave", "slug": webfixtures.EVENT_A, "title": "Open-weight release wave",
                     "story_id": story_id, "story_slug": SLUG, "first_published": "2026-05-10T10:00:00Z",
                     "last_published": "2026-05-11T10:00:00Z", "item_count": 2}
    one = get(app, f"/api/events/{webfixtures.EVENT_B}").json()
    assert one["story"] == {"id": story_id, "slug": SLUG, "title": "Open Model Wave"}
    assert [i["id"] for i in one["items"]] == db["item_ids"][2:]
    assert one["items"][0]["url"] == "https://example.org/a/2"
    assert one["items"][0]["published"] == "2026-05-12T10:00:00Z"
    story = get(app, f"/api/stories/{SLUG}").json()
    assert story["event_count"] == 2
    assert [e["slug"] for e in story["events"]] == [webfixtures.EVENT_A, webfixtures.EVENT_B]
    assert [[i["id"] for i in e["items"]] for e in story["events"]] == [db["item_ids"][:2], db["item_ids"][2:]]
    index = next(r for r in get(app, "/api/stories").json()["stories"] if r["slug"] == SLUG)
    assert index["event_count"] == 2 and index["first_published"] == "2026-05-10T10:00:00Z"


def test_story_page_follows_its_events_between_versions(app: Any, db: dict[str, Any]) -> None:
    """The rendered page is cached per brief version, but a change to the story's
    events (an item moving to another event) shows without a new version."""
    assert _event_entries(get(app, f"/stories/{SLUG}").text) == [
        (webfixtures.EVENT_A, 2), (webfixtures.EVENT_B, 1)]
    store = open_store(db["path"])
    store.set_item_event([db["item_ids"][1]], "e-consortium")
    store.close()
    assert _event_entries(get(app, f"/stories/{SLUG}").text) == [
        (webfixtures.EVENT_A, 1), (webfixtures.EVENT_B, 2)]
    assert len(app.state.story_pages._pages) == 2  # same version, another key


def test_story_without_brief_lists_its_events(app: Any, db: dict[str, Any]) -> None:
    from infomachine.models import Event

    store = open_store(db["path"])
    store.create_event(Event(id="e-empty", slug="quiet-event", title="A quiet event", story_id="s-empty"))
    store.link_events(["e-empty"], "s-empty")
    store.close()
    text = get(app, "/stories/empty-story").text
    assert "No versions yet." in text and 'href="/events/quiet-event"' in text


def test_event_pages_over_real_http(db: dict[str, Any]) -> None:
    """The same routes through uvicorn on 127.0.0.1, as a browser reaches them."""
    import socket
    import threading
    import time

    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(create_app(db["path"]), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    try:
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, follow_redirects=False, timeout=10) as client:
            page = client.get(f"/events/{webfixtures.EVENT_A}")
            assert page.status_code == 200 and page.headers["content-security-policy"] == CSP
            assert f'href="/stories/{SLUG}"' in page.text
            moved = client.get("/events/e-release-wave")
            assert moved.status_code == 301 and moved.headers["location"] == f"/events/{webfixtures.EVENT_A}"
            api = client.get("/api/events", params={"story": SLUG})
            assert [e["item_count"] for e in api.json()["events"]] == [2, 1]
            missing = client.get("/api/events/nope")
            assert missing.status_code == 404 and missing.json()["status"] == 404
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_site_and_api_share_one_event_view(app: Any, db: dict[str, Any]) -> None:
    """The static site builds a story's event pages from two queries; they hold
    exactly what ``/api/events/<slug>`` (one event at a time) gives."""
    from infomachine.publish import pages

    store = open_store(db["path"])
    try:
        views = pages.story_event_views(store, store.get_story(SLUG))
    finally:
        store.close()
    assert [v["slug"] for v in views] == [webfixtures.EVENT_A, webfixtures.EVENT_B]
    assert views == [get(app, f"/api/events/{v['slug']}").json() for v in views]
