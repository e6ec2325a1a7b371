"""Timeline dates a reader can trust: each stated or implied by the text it cites, never the ingestion time."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from infomachine.cli import cli
from infomachine.ingest.batch import ingest_records
from infomachine.models import (
    Brief,
    BriefStory,
    Evidence,
    Item,
    Record,
    SourceRef,
    Story,
    TimelineEvent,
)
from infomachine.publish import html, markdown
from infomachine.store import SQLiteStore
from infomachine.synth.stage import synthesize_story
from infomachine.synth.timeline import select_dates
from infomachine.synth.verify_dates import (
    date_problem,
    published_days,
    reports_own_news,
    verify_dates,
)

PUB = {1: date(2026, 3, 12), 2: None}  # Thursday 12 March 2026; [2] is undated


def event(day: str, quote: str, n: int = 1) -> TimelineEvent:
    return TimelineEvent(date=day, text=quote, cites=[n], evidence=[Evidence(n=n, quote=quote)])


def test_a_date_stated_in_the_cited_text_is_kept() -> None:
    assert date_problem(event("2026-03-02", "The board met on 2 March 2026 to vote."), PUB) is None
    assert date_problem(event("2026-03-02", "The board met on March 2 to vote."), PUB) is None
    assert date_problem(event("2026-03-02", "The board met on 2 March 2026.", n=2), PUB) is None  # undated source


def test_a_relative_date_is_resolved_against_the_items_publication_date() -> None:
    assert date_problem(event("2026-03-10", "The board voted on Tuesday to open the gates."), PUB) is None
    assert date_problem(event("2026-03-11", "The gates were opened yesterday."), PUB) is None
    # the same words do not make the day before publication any other day
    assert date_problem(event("2026-03-09", "The gates were opened yesterday."), PUB) is not None


def test_publication_date_counts_only_for_the_items_own_news() -> None:
    assert date_problem(event("2026-03-12", "The water board opened the dam gates."), PUB) is None
    why = date_problem(event("2026-03-12", "The gates were opened on 2 March."), PUB)
    assert why == "the cited text dates it 2026-03-02, not 2026-03-12"
    for quote in ("The dam was built in 1998.", "The board voted last week to open the gates.",
                  "In January the board approved the plan.", "The board changed course two months ago."):
        assert not reports_own_news(quote, PUB[1]), quote  # type: ignore[arg-type]
        assert date_problem(event("2026-03-12", quote), PUB) is not None, quote
    assert date_problem(event("2026-03-13", "The water board opened the dam gates."), PUB) is not None


def test_an_undated_source_never_dates_a_line_by_ingestion_time() -> None:
    why = date_problem(event("2026-05-01", "The water board opened the dam gates.", n=2), PUB)
    assert why == "no date in the cited text and the source is undated, not 2026-05-01"
    undated = Item(id="u1", title="Gates", text="The gates were opened yesterday. Crowds watched.",
                   content_hash="h", published=None, ingested_at=datetime(2026, 5, 1, 8, tzinfo=UTC))
    assert select_dates([undated]) == []  # neither the ingestion day nor the day before


def test_verify_dates_drops_in_place_and_reports_the_section() -> None:
    from infomachine.synth.verify import VerificationReport

    brief = Brief(
        story=BriefStory(id="s", slug="s", title="S"),
        timeline=[event("2026-03-02", "The board met on 2 March 2026."), event("2026-01-01", "Gates opened.")],
        sources=[SourceRef(n=1, item_id="a", title="A", published="2026-03-12")],
    )
    report = VerificationReport()
    result = verify_dates(brief, report=report)
    assert (result.kept, result.dropped) == (1, 1)
    assert [e.date for e in brief.timeline] == ["2026-03-02"]
    assert brief.dropped_sentences == 1
    assert report.sections["timeline_dates"].dropped == 1
    assert report.problems[0].startswith("timeline_dates: 2026-01-01 is neither")
    assert published_days(brief) == {1: date(2026, 3, 12)}


def test_pub_day_events_prefer_a_lead_that_reports_the_items_own_news() -> None:
    item = Item(id="a", title="Gates", content_hash="h", published=datetime(2026, 3, 12, 9, tzinfo=UTC),
                text="The dam was finished in 1998 after a decade of work by the regional builders. "
                "The water board opened all four gates of the dam to release the spring flood.")
    events = select_dates([item])
    assert [(e.date, e.text) for e in events] == [
        ("2026-03-12", "The water board opened all four gates of the dam to release the spring flood.")
    ]


def test_undated_sources_are_shown_as_undated() -> None:
    brief = Brief(story=BriefStory(id="s", slug="s", title="S"),
                  sources=[SourceRef(n=1, item_id="a", title="Undated report", publisher="Gazette")])
    assert "[1] Undated report — Gazette (undated)" in markdown.render_markdown(brief)
    assert "(undated)" in html.render_brief(brief)


def _synth(story: Story, items: list[Item], **_: Any) -> Brief:
    """A brief with one timeline line per item, dated by its ingestion time when undated (a bad synthesizer)."""
    return Brief(
        story=BriefStory(id=story.id, slug=story.slug, title=story.title),
        timeline=[event((it.published or it.ingested_at).date().isoformat(), it.text, i + 1)
                  for i, it in enumerate(items)],
        sources=[SourceRef(n=i + 1, item_id=it.id, title=it.title) for i, it in enumerate(items)],
    )


def test_the_stage_checks_every_synthesizers_timeline_dates(store) -> None:  # type: ignore[no-untyped-def]
    ingest_records(store, [
        Record(origin="t:1", title="Dated", text="The board opened the gates.", published="2026-03-12T09:00:00Z"),
        Record(origin="t:2", title="Undated", text="Crowds gathered at the dam.", published="sometime soon"),
    ], story="Dam")
    brief, _ = synthesize_story(store, "dam", synthesizer=_synth)
    assert [(e.date, e.text) for e in brief.timeline] == [("2026-03-12", "The board opened the gates.")]


def test_cli_verify_reports_timeline_dates(tmp_path: Path) -> None:
    db = tmp_path / "v.db"
    store = SQLiteStore(db)
    try:
        ingest_records(store, [Record(origin="t:1", url="https://d.example/1", title="Dam report",
                                      text="The water board said on March 2, 2026 that the gates would open.",
                                      published="2026-03-03T09:00:00Z")], story="dam")
        brief, _ = synthesize_story(store, "dam")
        assert brief.timeline and brief.timeline[0].date == "2026-03-02"
        r = CliRunner().invoke(cli, ["--db", str(db), "verify", "dam", "--format", "json"])
        assert r.exit_code == 0, r.output
        assert json.loads(r.output)["sections"]["timeline_dates"] == {"kept": 1, "dropped": 0, "supported": 1.0}
        wrong = brief.model_copy(deep=True)
        wrong.timeline[0].date = "2026-02-20"
        store.save_brief(brief.story.id, wrong)
    finally:
        store.close()
    r = CliRunner().invoke(cli, ["--db", str(db), "verify", "dam", "--format", "json"])
    assert r.exit_code == 1
    report = json.loads(r.output)
    assert report["sections"]["timeline_dates"]["dropped"] == 1
    assert any(p.startswith("timeline_dates: the cited text dates it 2026-03-02") for p in report["problems"])
    r = CliRunner().invoke(cli, ["--db", str(db), "verify", "dam"])
    assert "timeline_dates" in r.output
