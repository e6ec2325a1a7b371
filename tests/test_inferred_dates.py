"""Inferred publication dates: an undated item dated from its HTML, URL or text, and marked so."""

from __future__ import annotations

from datetime import UTC, datetime

from infomachine.ingest.dates import infer_date, inferred_from, text_date, url_date
from infomachine.ingest.extract import extract
from infomachine.models import Brief, BriefStory, Item, Record, SourceRef, Story
from infomachine.publish import html, markdown
from infomachine.sources.pages import parse_page
from infomachine.synth.extractive import synthesize

NOW = datetime(2025, 8, 10, 12, 0, tzinfo=UTC)
BODY = "The harbour authority reopened the northern quay after repairs to the sea wall."
PAGE = """<!doctype html><html lang="en"><head><title>Quay reopens</title>
<meta property="article:published_time" content="2025-07-29T08:15:00+00:00">
</head><body><article><h1>Quay reopens</h1><p>{body}</p><p>{body}</p></article></body></html>"""


def rec(**kw: object) -> Record:
    return Record(origin="t", **{"title": "Quay reopens", "text": BODY, **kw})  # type: ignore[arg-type]


def test_a_page_meta_tag_dates_the_item_marked_html() -> None:
    item = extract(rec(text=None, html=PAGE.format(body=BODY)), now=NOW)
    assert item.published == datetime(2025, 7, 29, tzinfo=UTC)
    assert item.metadata["published_inferred"] == "html"


def test_a_pages_own_published_date_is_stated_not_inferred() -> None:
    """A page's markup (article:published_time, JSON-LD) states its publication date."""
    [record] = list(parse_page(PAGE.format(body=BODY * 3), "quay.html", url="https://port.example/quay"))
    assert isinstance(record, Record)
    item = extract(record, now=NOW)
    assert item.published is not None and item.published.date().isoformat() == "2025-07-29"
    assert "published_inferred" not in item.metadata


def test_a_url_with_a_date_dates_the_item_marked_url() -> None:
    for url in ("https://port.example/2025/07/30/quay", "https://port.example/news/2025-07-30-quay",
                "https://port.example/20250730/quay"):
        item = extract(rec(url=url), now=NOW)
        assert item.published == datetime(2025, 7, 30, tzinfo=UTC), url
        assert item.metadata["published_inferred"] == "url"


def test_impossible_or_partial_url_dates_are_refused() -> None:
    assert url_date("https://port.example/2025/13/40/quay", NOW) is None
    assert url_date("https://port.example/2025/07/quay", NOW) is None  # a month is not a date
    assert url_date("https://port.example/?p=20250730", NOW) is None  # a query, not the path
    assert url_date("https://2025-07-30.example/quay", NOW) is None  # the host, not the path


def test_a_dateline_dates_the_item_marked_text() -> None:
    for line in ("July 30, 2025 — ", "PORT TOWN, 30 July 2025: ", "Posted 2025-07-30. ", "Wednesday, 30th July 2025 "):
        item = extract(rec(text=line + BODY), now=NOW)
        assert item.published == datetime(2025, 7, 30, tzinfo=UTC), line
        assert item.metadata["published_inferred"] == "text"


def test_a_year_alone_or_a_month_day_stays_undated() -> None:
    for text in ("In 2025 the harbour authority reopened the quay.", "On July 30 the quay reopened.",
                 "By July 2025 the quay had reopened.", "Dredging began in the summer. " * 20 + "July 30, 2025"):
        item = extract(rec(text=text), now=NOW)
        assert item.published is None, text
        assert "published_inferred" not in item.metadata


def test_a_date_later_than_the_ingestion_time_is_refused() -> None:
    item = extract(rec(url="https://port.example/2025/09/01/quay", text="September 1, 2025 — " + BODY), now=NOW)
    assert item.published is None and "published_inferred" not in item.metadata
    future_meta = PAGE.replace("2025-07-29", "2026-01-01").format(body=BODY)
    assert infer_date(now=NOW, html=future_meta) is None
    assert text_date("August 11, 2025: quay", NOW) is None and text_date("August 10, 2025: quay", NOW) is not None


def test_an_item_with_a_real_date_is_untouched() -> None:
    item = extract(rec(url="https://port.example/2025/07/30/quay", text="July 30, 2025 — " + BODY,
                       published="2025-08-01T09:00:00Z"), now=NOW)
    assert item.published == datetime(2025, 8, 1, 9, tzinfo=UTC)
    assert "published_inferred" not in item.metadata


def test_an_unreadable_date_is_kept_and_a_date_inferred() -> None:
    item = extract(rec(url="https://port.example/2025/07/30/quay", published="sometime soon"), now=NOW)
    assert item.metadata["unparsed_published"] == "sometime soon"
    assert item.metadata["published_inferred"] == "url"


def test_html_that_looks_like_a_url_is_never_fetched() -> None:
    assert infer_date(now=NOW, html="https://port.example/2025/07/30/quay") is None


def _ref(**kw: object) -> SourceRef:
    return SourceRef(n=1, item_id="a", title="Quay reopens", publisher="Port News", published="2025-07-30", **kw)  # type: ignore[arg-type]


def test_the_sources_line_marks_an_inferred_date() -> None:
    assert markdown.source_line(_ref(published_inferred="url")) == "[1] Quay reopens — Port News (2025-07-30) (date inferred)"
    assert markdown.source_line(_ref()) == "[1] Quay reopens — Port News (2025-07-30)"
    brief = Brief(story=BriefStory(id="s", slug="s", title="S"), sources=[_ref(published_inferred="text")])
    page = html.render_brief(brief)
    assert "(2025-07-30)" in page and "(date inferred)" in page
    assert "(date inferred)" not in html.render_brief(brief.model_copy(update={"sources": [_ref()]}))


def test_source_refs_carry_the_inferred_flag() -> None:
    from infomachine.synth.llm.convert import source_refs

    dated = Item(id="a", title="A", text=BODY, content_hash="h1", published=NOW, metadata={"published_inferred": "text"})
    own = Item(id="b", title="B", text=BODY, content_hash="h2", published=NOW)
    refs = source_refs([dated, own], {"a": 1, "b": 2}, None)
    assert [r.published_inferred for r in refs] == ["text", None]
    assert inferred_from(Item(id="c", title="C", text=BODY, content_hash="h3",
                              metadata={"published_inferred": "url"})) is None  # no date, no flag


def test_the_extractive_brief_marks_an_inferred_source_date() -> None:
    texts = ["The harbour authority reopened the northern quay on Tuesday after repairs to the sea wall.",
             "The harbour authority said the northern quay reopened after repairs costing 2 million euros."]
    items = [Item(id=f"i{i}", title=f"Quay reopens {i}", text=t, content_hash=f"h{i}", publisher=f"P{i}",
                  published=NOW, metadata={"published_inferred": "text"} if i == 0 else {})
             for i, t in enumerate(texts)]
    brief = synthesize(Story(id="s", slug="quay", title="Quay reopens"), items, now=NOW)
    flags = {s.item_id: s.published_inferred for s in brief.sources}
    assert flags.get("i0") == "text" and flags.get("i1") is None
    assert "(date inferred)" in markdown.render_markdown(brief)
