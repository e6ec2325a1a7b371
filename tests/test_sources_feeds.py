"""Feed parsing: RSS 0.91, RSS 1.0 (RDF), RSS 2.0, Atom, JSON Feed; unsafe XML."""

from __future__ import annotations

import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest

from infomachine.ingest.batch import ingest_records
from infomachine.ingest.extract import extract
from infomachine.models import IngestProblem, Record
from infomachine.sources.feeds import feed_source_id, parse_feed, xml_safety_problem

FEEDS = Path(__file__).parent / "fixtures" / "feeds"


def records(name: str) -> list[Record]:
    parsed = parse_feed((FEEDS / name).read_bytes(), name)
    out = [r for r in parsed.records if isinstance(r, Record)]
    return out


@pytest.mark.parametrize(
    ("name", "version", "publisher", "count"),
    [
        ("rss091.xml", "rss091n", "Harbour Gazette", 2),
        ("rss10.rdf", "rss10", "Materials Lab Notes", 2),
        ("rss20.xml", "rss20", "Riverside Daily", 3),
        ("atom.xml", "atom10", "Orbital Systems Blog", 2),
        ("jsonfeed.json", "json11", "Quiet Garden Journal", 2),
    ],
)
def test_every_feed_format(name: str, version: str, publisher: str, count: int) -> None:
    parsed = parse_feed((FEEDS / name).read_bytes(), name, source="feed-x")
    assert parsed.version == version
    assert parsed.title == publisher
    recs = [r for r in parsed.records if isinstance(r, Record)]
    assert len(recs) == count
    for r in recs:
        assert r.publisher == publisher
        assert r.source == "feed-x"
        assert r.title and r.url and r.url.startswith("https://")
        assert r.text and "<" not in r.text


def test_rss20_fields_and_clean_text() -> None:
    first = records("rss20.xml")[0]
    assert first.guid == "riverside-4711"
    assert first.author == "Maria Lindqvist"
    assert first.title == "Council approves new & wider bridge"
    assert "9 to 4" in first.text  # from content:encoded, not the short description
    assert "alert" not in first.text  # script dropped
    assert first.metadata["tags"] == ["Transport"]
    item = extract(first)
    assert item.published == datetime(2025, 3, 4, 13, 30, tzinfo=UTC)
    assert item.publisher == "Riverside Daily"
    # HTML in an escaped description becomes text as well.
    assert records("rss20.xml")[1].text == "The central library will open on Sundays from April."


def test_rss10_dublin_core() -> None:
    first = records("rss10.rdf")[0]
    assert first.author == "Dr. Imani Okafor"
    assert extract(first).published == datetime(2025, 2, 11, 8, 30, tzinfo=UTC)


def test_atom_html_title_and_dates() -> None:
    first, second = records("atom.xml")
    assert first.title == "Second test flight reaches orbit"
    assert first.author == "Chen Wei"
    assert first.guid == "urn:uuid:6f1c2a6e-0000-4000-8000-000000000002"
    assert "500 km orbit" in first.text and "telemetry" in first.text
    assert extract(first).published == datetime(2025, 4, 1, 18, 45, tzinfo=UTC)
    assert extract(second).published == datetime(2025, 3, 20, 9, 0, tzinfo=UTC)  # updated only
    assert first.language == "en"


def test_json_feed_items_and_bad_item() -> None:
    parsed = parse_feed((FEEDS / "jsonfeed.json").read_bytes(), "jf")
    problems = [p for p in parsed.records if isinstance(p, IngestProblem)]
    assert [p.origin for p in problems] == ["jf#3"]
    first, second = [r for r in parsed.records if isinstance(r, Record)]
    assert first.author == "Rosa Quintero"  # feed-level author
    assert second.author == "Tomas Novak"
    assert first.text == "Let the best plants go to seed and dry the pods indoors."
    assert first.metadata["tags"] == ["seeds", "basics"]
    assert extract(first).published == datetime(2025, 5, 1, 5, 0, tzinfo=UTC)


def test_broken_xml_keeps_what_it_can_and_records_bozo() -> None:
    parsed = parse_feed((FEEDS / "broken.xml").read_bytes(), "broken.xml")
    assert parsed.problem and "mismatched tag" in parsed.problem
    recs = [r for r in parsed.records if isinstance(r, Record)]
    assert recs and recs[0].title == "Only item that closes"
    assert recs[0].metadata["feed_problem"] == parsed.problem


@pytest.mark.parametrize("name", ["billion-laughs.xml", "xxe.xml"])
def test_entity_declarations_refused_fast(name: str) -> None:
    data = (FEEDS / name).read_bytes()
    tracemalloc.start()
    start = time.monotonic()
    parsed = parse_feed(data, name)
    elapsed = time.monotonic() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert elapsed < 1.0
    assert peak < 5 * 1024 * 1024
    assert len(parsed.records) == 1
    assert isinstance(parsed.records[0], IngestProblem)
    assert "entity" in parsed.records[0].message.lower()


def test_entity_declaration_in_utf16_refused() -> None:
    data = (FEEDS / "billion-laughs.xml").read_text().replace('<?xml version="1.0"?>', "")
    assert xml_safety_problem(data.encode("utf-16")) is not None


def test_plain_doctype_without_entities_is_fine() -> None:
    assert xml_safety_problem((FEEDS / "rss091.xml").read_bytes()) is None


@pytest.mark.parametrize(
    "data", [b"", b"hello, not a feed", b"<html><body>page</body></html>", b"{\"version\": 1}", b"{broken"]
)
def test_not_a_feed_is_a_problem_not_an_exception(data: bytes) -> None:
    parsed = parse_feed(data, "x")
    assert parsed.records and all(isinstance(r, IngestProblem) for r in parsed.records)


def test_feed_ingest_counts_and_idempotence(store) -> None:  # type: ignore[no-untyped-def]
    def docs() -> list[Record | IngestProblem]:
        out: list[Record | IngestProblem] = []
        for name in ("rss091.xml", "rss10.rdf", "rss20.xml", "atom.xml", "jsonfeed.json"):
            out.extend(parse_feed((FEEDS / name).read_bytes(), name).records)
        return out

    first = ingest_records(store, docs())
    assert (first.new, first.failed) == (11, 1)
    second = ingest_records(store, docs())
    assert (second.new, second.duplicate, second.failed) == (0, 11, 1)
    assert store.count_items() == 11


def test_feed_source_id_is_stable() -> None:
    assert feed_source_id("https://a.example/feed") == feed_source_id(" https://a.example/feed ")
    assert feed_source_id("https://a.example/feed") != feed_source_id("https://b.example/feed")


def test_aggregator_entry_names_the_outlet_and_keeps_the_aggregator_as_via() -> None:
    data = (Path(__file__).parent / "fixtures" / "clean" / "feed-aggregator.xml").read_bytes()
    first, second = parse_feed(data, "gn").records
    # the <source> element names the outlet; the headline loses its " - Outlet" suffix
    assert first.publisher == "Lakeside Courier"
    assert first.title == "Harbor bridge closed after inspectors find cracked girders"
    assert first.metadata["aggregator"] == '"harbor bridge" - Google News'
    # no <source>: an aggregator's link, the outlet from the headline suffix
    assert second.publisher == "Metro Daily Ledger"
    assert second.title == "Tolls suspended at Northgate tunnel during bridge repairs"


def test_a_plain_feed_keeps_its_title_as_publisher_and_its_headlines_whole() -> None:
    data = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Harbor Gazette</title>'
        b"<link>https://gazette.example</link><item><title>Bridge closed - what we know</title>"
        b"<link>https://gazette.example/a</link></item></channel></rss>"
    )
    (record,) = parse_feed(data, "f").records
    assert record.publisher == "Harbor Gazette"
    assert record.title == "Bridge closed - what we know"
