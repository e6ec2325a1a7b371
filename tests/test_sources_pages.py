"""Web pages and local HTML through trafilatura."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from infomachine.ingest.extract import extract
from infomachine.intake.collect import collect
from infomachine.models import IngestProblem, Record
from infomachine.sources.pages import decode_html, parse_page

FILES = Path(__file__).parent / "fixtures" / "files"


def test_article_main_text_and_metadata() -> None:
    [rec] = list(parse_page((FILES / "article.html").read_bytes(), "article.html"))
    assert isinstance(rec, Record)
    assert rec.title == "Tidal energy pilot doubles output"
    assert rec.author == "Priya Raman"
    assert rec.publisher == "Coastal Engineering Review"
    assert rec.language == "en"
    assert rec.url == "https://coastal.example/2025/06/tidal-pilot"  # canonical link
    assert "blade pitch controller" in rec.text
    for boilerplate in ("Subscribe now", "All rights reserved", "do not ingest me", "coastal gardening"):
        assert boilerplate not in rec.text
    item = extract(rec)
    assert item.published == datetime(2025, 6, 12, tzinfo=UTC)


def test_local_html_file_via_collect() -> None:
    [rec] = list(collect(str(FILES / "article.html")))
    assert isinstance(rec, Record)
    assert rec.source == f"file:{(FILES / 'article.html').resolve()}"
    assert rec.title == "Tidal energy pilot doubles output"


def test_tiny_page_falls_back_to_visible_text() -> None:
    [rec] = list(parse_page(b"<html><head><title>Hi</title></head><body><p>Short note.</p></body></html>", "t"))
    assert isinstance(rec, Record)
    assert "Short note." in (rec.text or "")
    assert rec.title


def test_page_without_text_is_a_problem() -> None:
    [problem] = list(parse_page(b"<html><body><script>x()</script></body></html>", "empty.html"))
    assert isinstance(problem, IngestProblem)
    assert "no readable text" in problem.message
    [problem] = list(parse_page(b"   ", "blank.html"))
    assert isinstance(problem, IngestProblem)


def test_decode_html_charsets() -> None:
    assert decode_html("café".encode("cp1252")) == "café"
    assert decode_html("café".encode()) == "café"
    assert decode_html("café".encode("latin-1"), "latin-1") == "café"


def test_publisher_is_the_pages_own_site_name() -> None:
    from infomachine.sources.pages import site_name

    assert site_name('<meta property="og:site_name" content="Lakeside Courier">') == "Lakeside Courier"
    assert site_name('<meta content="X Times" name="og:site_name">') == "X Times"
    ld = '<script type="application/ld+json">{"publisher": {"@type": "Organization", "name": "Green Row Notes"}}</script>'
    assert site_name(ld) == "Green Row Notes"
    assert site_name("<p>no metadata</p>") is None
