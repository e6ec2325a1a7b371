"""OPML import (sources stored before polling) and export (round trip)."""

from __future__ import annotations

from pathlib import Path

import pytest

from infomachine.errors import ParseError
from infomachine.sources.opml import export_opml, import_opml, parse_opml

FILES = Path(__file__).parent / "fixtures" / "files"
FEEDS = Path(__file__).parent / "fixtures" / "feeds"


def test_parse_opml_nested_categories_and_bad_urls() -> None:
    sources, problems = parse_opml((FILES / "subscriptions.opml").read_bytes(), "subs")
    assert [s.url for s in sources] == [
        "https://riverside.example/rss.xml",
        "https://harbour.example/feed",
        "https://orbital.example/atom.xml",
    ]
    assert sources[0].name == "Riverside Daily"
    assert sources[0].kind == "feed"
    assert sources[0].metadata["category"] == "Local news"
    assert sources[0].metadata["html_url"] == "https://riverside.example/"
    assert "category" not in sources[2].metadata
    assert len(problems) == 1 and "ftp://old.example/feed" in problems[0].message


def test_import_stores_sources_and_is_idempotent(store) -> None:  # type: ignore[no-untyped-def]
    data = (FILES / "subscriptions.opml").read_bytes()
    first = import_opml(store, data, "subs")
    assert len(first.added) == 3 and not first.existing
    stored = store.list_sources()
    assert len(stored) == 3
    assert all(s.status == "active" and s.last_fetch is None for s in stored)
    second = import_opml(store, data, "subs")
    assert not second.added and len(second.existing) == 3
    assert len(store.list_sources()) == 3


def test_export_round_trip(store) -> None:  # type: ignore[no-untyped-def]
    import_opml(store, (FILES / "subscriptions.opml").read_bytes(), "subs")
    xml = export_opml(store.list_sources())
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    sources, problems = parse_opml(xml.encode(), "exported")
    assert not problems
    assert {s.url for s in sources} == {s.url for s in store.list_sources()}
    by_url = {s.url: s for s in sources}
    assert by_url["https://riverside.example/rss.xml"].metadata["category"] == "Local news"
    assert by_url["https://riverside.example/rss.xml"].name == "Riverside Daily"


def test_export_escapes_names(store) -> None:  # type: ignore[no-untyped-def]
    from infomachine.sources.feeds import feed_source

    store.upsert_source(feed_source("https://a.example/feed?x=1&y=2", 'Tom & "Jerry" <news>'))
    xml = export_opml(store.list_sources())
    [source], _ = parse_opml(xml.encode())
    assert source.url == "https://a.example/feed?x=1&y=2"
    assert source.name == 'Tom & "Jerry" <news>'


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"<opml><body><outline", "not well-formed"),
        (b"<rss version='2.0'></rss>", "not an OPML"),
        (b"<opml version='2.0'><head/></opml>", "no <body>"),
    ],
)
def test_bad_opml_raises_parse_error(data: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_opml(data, "bad")


def test_opml_entity_bomb_refused() -> None:
    bomb = (FEEDS / "billion-laughs.xml").read_bytes().replace(b"<rss", b"<opml").replace(b"</rss>", b"</opml>")
    with pytest.raises(ParseError, match="unsafe XML"):
        parse_opml(bomb, "bomb")


def test_export_is_the_same_document_for_the_same_subscriptions(store) -> None:  # type: ignore[no-untyped-def]
    """No export-time clock in the document: re-exporting leaves a site's file unchanged."""
    import time

    import_opml(store, (FILES / "subscriptions.opml").read_bytes(), "subs")
    first = export_opml(store.list_sources())
    time.sleep(1.1)  # a clock in the document would now differ by a second
    assert export_opml(store.list_sources()) == first
    assert "<dateModified>" in first
