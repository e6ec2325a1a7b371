"""An XSS corpus through every output: HTML pages, Atom feeds, Markdown, static site.

Every payload goes into every field an item, a feed or a model controls
(titles, publishers, sentences, quotes, actors, change summaries, item text,
source names and URLs).  The outputs are then parsed, not grepped: no
``<script>`` element, no ``on*`` attribute, no link or image whose scheme is
not http(s) or a relative path, no ``<img>`` at all; feeds parse as XML and
give the payload back verbatim as text.
"""

from __future__ import annotations

import asyncio
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import pytest
import webfixtures

from infomachine.models import SourceRef
from infomachine.publish import atom, html, markdown, urls
from infomachine.publish.site import export_site
from infomachine.store import SQLiteStore
from infomachine.web.app import create_app

PAYLOADS = [
    "<script>document.title='PWNED'</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    '<img srcset="javascript:alert(1) 1x, x 2x">',
    "</title><script>alert(1)</script>",
    "]]><evil>&amp;<![CDATA[x]]>",
    '"><svg onload=alert(1)>',
    "' onmouseover='alert(1)' x='",
    "{{ 7*7*7*191 }}{% raw %}",
    "<style>body{display:none}</style><iframe src=//evil.example>",
    "[click](javascript:alert(1)) ![img](http://evil.example/x.png)",
    "\x00\x1b\ufffe control chars",
]
BAD_URLS = [
    "javascript:alert(1)",
    " JAVASCRIPT:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.example/x",
]
SAFE_SCHEMES = {"http", "https"}


class Audit(HTMLParser):
    """Collects everything in a page that could run code or load from elsewhere."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "iframe", "object", "embed", "img", "svg", "style", "base", "form") and not (
            tag == "form" and dict(attrs).get("role") == "search"
        ):
            self.problems.append(f"<{tag}>")
        if tag == "title":
            self._in_title = True
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{tag}[{name}]")
            if name == "style":
                self.problems.append(f"{tag}[style]")
            if name in ("href", "src", "srcset", "action", "formaction", "xlink:href") and value:
                scheme = urlsplit(value.strip()).scheme.lower()
                if scheme and scheme not in SAFE_SCHEMES:
                    self.problems.append(f"{tag}[{name}]={value!r}")
                if value.strip().startswith("//"):
                    self.problems.append(f"{tag}[{name}] protocol-relative {value!r}")
                if tag == "a" and scheme in SAFE_SCHEMES and dict(attrs).get("rel") != "noopener noreferrer":
                    self.problems.append(f"external link without rel: {value!r}")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def audit(page: str) -> Audit:
    a = Audit()
    a.feed(page)
    a.close()
    assert a.problems == [], a.problems  # a payload that broke out of <title> would show here
    return a


@pytest.fixture(params=range(len(PAYLOADS)), ids=lambda i: f"payload{i}")
def payload(request: pytest.FixtureRequest) -> str:
    return PAYLOADS[request.param]


@pytest.fixture
def evil_db(tmp_path: Path, payload: str) -> dict[str, Any]:
    path = tmp_path / "evil.db"
    store = SQLiteStore(path)
    data = webfixtures.populate(store, marker=payload, texts=[f"<b>plain</b> text {payload}"] * 3)
    data["events"] = webfixtures.add_events(store, data["story"], data["item_ids"], marker=payload)
    story = data["story"]
    store.update_story(story.id, title=story.title + payload)
    brief = webfixtures.make_brief(story, data["item_ids"], marker=payload, change=payload)
    brief.sources = [
        SourceRef(n=i + 1, item_id=iid, title=payload, publisher=payload, url=BAD_URLS[i % len(BAD_URLS)],
                  found_via=payload)
        for i, iid in enumerate(data["item_ids"])
    ]
    brief.notes = [payload]
    brief.omitted = {"why_it_matters": payload}
    store.save_brief(story.id, brief)
    store.close()
    return {"path": path, "payload": payload, **data}


def _get_all(app: Any, paths: list[str]) -> dict[str, httpx.Response]:
    async def go() -> dict[str, httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return {p: await client.get(p) for p in paths}

    return asyncio.run(go())


def test_html_pages_are_inert(evil_db: dict[str, Any]) -> None:
    app = create_app(evil_db["path"])
    slug = evil_db["story"].slug
    item = evil_db["item_ids"][0]
    paths = ["/", f"/stories/{slug}", f"/stories/{slug}/history", f"/stories/{slug}/versions/1",
             f"/stories/{slug}/versions/3", f"/stories/{slug}/diff/1/3", f"/stories/{slug}/diff/2/3",
             f"/items/{item}", "/sources", "/search?q=plain", "/search?q=" + quote(evil_db["payload"][:150]),
             f"/events/{webfixtures.EVENT_A}", f"/events/{webfixtures.EVENT_B}"]
    for path, r in _get_all(app, paths).items():
        assert r.status_code in (200, 400), (path, r.status_code)
        audit(r.text)
        assert "65513" not in r.text  # no template evaluation of {{ 7*7*7*191 }}
    story_page = _get_all(app, [f"/stories/{slug}"])[f"/stories/{slug}"].text
    assert "<script" not in story_page.lower()  # the page has no script at all
    if "<script" in evil_db["payload"].lower():
        assert "&lt;script" in story_page.lower()  # the payload is there, as text
    item_page = _get_all(app, [f"/items/{item}"])[f"/items/{item}"].text
    assert "&lt;b&gt;plain&lt;/b&gt; text" in item_page  # text/plain bodies stay text


def test_json_api_round_trips_payload(evil_db: dict[str, Any]) -> None:
    app = create_app(evil_db["path"])
    slug = evil_db["story"].slug
    r = _get_all(app, [f"/api/stories/{slug}"])[f"/api/stories/{slug}"]
    assert r.headers["content-type"] == "application/json"
    brief = r.json()["brief"]
    assert brief["change_summary"] == evil_db["payload"]
    assert r.json()["events"][0]["title"] == "Open-weight release wave" + evil_db["payload"]
    event = _get_all(app, [f"/api/events/{webfixtures.EVENT_B}"])[f"/api/events/{webfixtures.EVENT_B}"].json()
    assert event["title"] == "Lambert's consortium essay" + evil_db["payload"]
    store = SQLiteStore(evil_db["path"])
    stored = store.get_item(evil_db["item_ids"][2])  # as ingest kept it (control characters repaired)
    store.close()
    assert event["items"][0]["title"] == stored.title and event["items"][0]["publisher"] == stored.publisher


def test_event_pages_show_payloads_as_text(evil_db: dict[str, Any]) -> None:
    """Event and item titles, publishers and the story title on an event page
    are escaped text: the payload is there, inert, in the page and its <title>."""
    from html import unescape

    payload = evil_db["payload"]
    app = create_app(evil_db["path"])
    page = _get_all(app, [f"/events/{webfixtures.EVENT_A}"])[f"/events/{webfixtures.EVENT_A}"]
    assert page.status_code == 200
    title = "Open-weight release wave" + payload
    assert audit(page.text).title == f"{title} · The Information Machine"
    h1 = re.search(r'<h1 id="event-title">(.*?)</h1>', page.text, flags=re.S)
    assert h1 is not None and unescape(h1.group(1)) == title
    store = SQLiteStore(evil_db["path"])
    items = store.get_items(evil_db["item_ids"][:2])  # as ingest kept them (control characters repaired)
    store.close()
    for item in items:
        assert item.title in unescape(page.text) and str(item.publisher) in unescape(page.text)
    if any(c in payload for c in "<>&\"'"):
        assert payload not in page.text  # never raw


def test_event_markdown_is_inert(evil_db: dict[str, Any]) -> None:
    from infomachine.publish import pages

    store = SQLiteStore(evil_db["path"])
    view = pages.event_view(store, store.get_event(webfixtures.EVENT_A))
    store.close()
    view["items"][0]["url"] = BAD_URLS[0]
    text = markdown.render_event_markdown(view)
    lowered = text.lower()
    assert "<script" not in lowered and "<img" not in lowered and "<svg" not in lowered
    assert "<iframe" not in lowered and "<style" not in lowered and "![" not in text
    assert "](javascript:" not in lowered and "](data:" not in lowered
    assert text.startswith("# Open-weight release wave") and text.count("\n# ") == 0
    assert "(https://example.org/a/1)" in text  # a safe item URL is still a link


def test_atom_feeds_are_valid_xml(evil_db: dict[str, Any]) -> None:
    app = create_app(evil_db["path"])
    slug = evil_db["story"].slug
    payload = evil_db["payload"]
    expected = atom.xml_text(payload)
    for path, r in _get_all(app, [f"/stories/{slug}/feed.atom", "/feed.atom"]).items():
        root = ET.fromstring(r.content)  # raises on invalid XML
        ns = "{http://www.w3.org/2005/Atom}"
        summaries = [e.findtext(f"{ns}summary") for e in root.iter(f"{ns}entry")]
        assert expected in summaries, path
        titles = [e.findtext(f"{ns}title") or "" for e in root.iter(f"{ns}entry")]
        assert any(expected in t for t in titles), path
        assert not list(root.iter("script")) and not list(root.iter("evil"))
        for el in root.iter():
            for value in el.attrib.values():
                assert not value.lower().startswith("javascript:")


def test_markdown_is_inert(evil_db: dict[str, Any]) -> None:
    store = SQLiteStore(evil_db["path"])
    brief = store.get_brief(evil_db["story"].id)
    store.close()
    text = markdown.render_markdown(brief)
    lowered = text.lower()
    assert "<script" not in lowered and "<img" not in lowered and "<svg" not in lowered
    assert "<iframe" not in lowered and "<style" not in lowered
    assert "](javascript:" not in lowered and "](data:" not in lowered and "](vbscript:" not in lowered
    assert "![" not in text
    # The Markdown, rendered by a CommonMark-ish renderer, still shows no link to a bad URL.
    for bad in BAD_URLS:
        assert f"]({bad.strip()}" not in text


def test_static_site_is_inert(evil_db: dict[str, Any], tmp_path: Path) -> None:
    store = SQLiteStore(evil_db["path"])
    out = tmp_path / "site"
    export_site(store, out)
    store.close()
    for page in out.rglob("*.html"):
        audit(page.read_text())
    for feed in out.rglob("*.atom"):
        ET.parse(feed)


REFUSED_URLS = BAD_URLS + [
    "https://ok.example/\u200bx y",
    "https://ok.example/a\tb",
    "https://ok.example/a\x00b",
    "https://ok.example/a\x1bb",
    "https://ok.example/a\x85b",
    "http:///nohost",
    "",
]


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_safe_url_refuses(url: str) -> None:
    assert urls.safe_url(url) is None
    assert urls.markdown_url(url) is None


@pytest.mark.parametrize("url", ["https://example.org/a?b=1&c=<2>", "http://example.org"])
def test_safe_url_keeps_http(url: str) -> None:
    assert urls.safe_url(url) == url


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_html_and_markdown_share_one_url_rule(url: str) -> None:
    """A URL HTML will not link is not linked in Markdown either (one rule, one function)."""
    ref = SourceRef(n=1, item_id="i1", title="Title", url=url)
    assert "](" not in markdown.source_line(ref)
    assert "<a " not in html.environment().from_string(
        '{% import "macros.html" as m %}{{ m.ext_link(url, "t") }}'
    ).render(url=url)


def test_markdown_link_destination_is_encoded() -> None:
    ref = SourceRef(n=1, item_id="i1", title="T", url="https://ok.example/a(b)<c>")
    assert markdown.source_line(ref) == "[1] [T](https://ok.example/a%28b%29%3Cc%3E) (undated)"


def test_item_markup_is_text_and_no_html_passthrough() -> None:
    """Item bodies are plain text: markup in them is shown, escaped, never passed through."""
    dirty = ('<p onclick="x()">Hi <a href="javascript:alert(1)">a</a> <a href="https://ok.example">b</a>'
             '<img src=x onerror=alert(1)><script>alert(1)</script></p>')
    page = html.render_item({"id": "i1", "title": "T", "text": dirty})
    audit(page)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'href="https://ok.example"' not in page and "<script" not in page
    # no filter or helper lets outside HTML through, and no dead OPML fallback remains
    assert "sanitize" not in html.environment().filters and not hasattr(html, "sanitize")
    assert not hasattr(atom, "sources_opml")
