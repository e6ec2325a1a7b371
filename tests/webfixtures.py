"""Hand-made stores for the web, XSS and browser tests.

``populate`` ingests a few items into a pinned story and saves two brief
versions; ``populate_evil`` does the same with an XSS corpus in every field a
person or a feed controls.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from infomachine.ingest.batch import ingest_records
from infomachine.models import (
    Brief,
    BriefStory,
    Claim,
    Event,
    Evidence,
    Evolution,
    OpenQuestion,
    Perspective,
    Record,
    Sentence,
    SourceRef,
    Tension,
    TimelineEvent,
    What,
)
from infomachine.models import Source as SourceModel
from infomachine.store import SQLiteStore, Store

STORY = "Open Model Wave"


def _s(text: str, *cites: int, quote: str = "") -> Sentence:
    return Sentence(
        text=text,
        cites=list(cites),
        evidence=[Evidence(n=n, quote=quote or f"quote for {n}: {text[:40]}") for n in cites],
    )


def make_brief(
    story: Any, item_ids: list[str], *, version_text: str = "", marker: str = "", change: str = ""
) -> Brief:
    refs = [
        SourceRef(
            n=i + 1,
            item_id=iid,
            title=f"Source title {i + 1}{marker}",
            publisher="Interconnects" if i % 2 == 0 else None,
            published="2026-05-1" + str(i),
            url=f"https://example.org/a/{i}",
            found_via=None if i % 2 == 0 else "reactive:open-model-capability-gap",
        )
        for i, iid in enumerate(item_ids)
    ]
    return Brief(
        story=BriefStory(id=story.id, slug=story.slug, title=story.title + marker),
        generated_at=datetime(2026, 5, 23, 4, 11, tzinfo=UTC),
        item_count=len(item_ids),
        what=What(
            summary=[_s(f"A mid-May open-weight release wave sharpened a debate{version_text}{marker}.", 1)],
            bullets=[_s(f"Epoch AI puts the lag at three months{marker}.", 2), _s("CAISI sees a widening gap.", 1, 3)],
        ),
        why_it_matters=[_s(f"Whether the gap is real matters for access{marker}.", 2)],
        open_questions=[
            OpenQuestion(question=f"Can the methodology be corrected{marker}?", context=[_s("No revised benchmark yet.", 1)])
        ],
        narrative=[[_s(f"In mid-May a cluster of releases landed{marker}.", 1), _s("Epoch offered another reading.", 2)]],
        timeline=[
            TimelineEvent(date="2026-04-11", text=f"Lambert publishes an essay{marker}", cites=[3],
                          evidence=[Evidence(n=3, quote=f"essay quote{marker}")]),
            TimelineEvent(date="2026-05-16", text="Brand covers the wave", cites=[1]),
        ],
        perspectives=[
            Perspective(actor=f"Florian Brand{marker}", affiliation="Interconnects",
                        stance=[_s("The methodology overstates the gap.", 1)],
                        evolution=Evolution(status="consistent", note=f"Unchanged{marker}")),
            Perspective(actor="Epoch AI", stance=[_s("The lag is about three months.", 2)]),
        ],
        tensions=[
            Tension(a=Claim(actor="CAISI", claim=_s("The gap is widening.", 1)),
                    b=Claim(actor=f"Brand{marker}", claim=_s("The gap is overstated.", 1))),
        ],
        sources=refs,
        change_summary=change,
    )


def populate(store: SQLiteStore, *, marker: str = "", texts: list[str] | None = None) -> dict[str, Any]:
    """A story with three items and two brief versions; ``marker`` is appended to every text field."""
    texts = texts or [f"Body text number {i} about open models{marker}." for i in range(3)]
    records = [
        Record(
            origin=f"test:{i}",
            url=f"https://example.org/a/{i}",
            title=f"Item {i} open models{marker}",
            text=texts[i],
            publisher=f"Publisher {i}{marker}",
            published=f"2026-05-1{i}T10:00:00Z",
            source="src-test",
        )
        for i in range(3)
    ]
    report = ingest_records(store, records, story=STORY)
    story = store.get_story(STORY.lower().replace(" ", "-"))
    v1 = make_brief(story, report.item_ids, marker=marker, change=f"First version{marker}.")
    store.save_brief(story.id, v1)
    v2 = make_brief(story, report.item_ids, version_text=" in 2026", marker=marker,
                    change=f"Added Epoch AI's reading{marker}.")
    v2.generated_at = datetime(2026, 5, 24, 9, 30, tzinfo=UTC)
    store.save_brief(story.id, v2)
    store.add_story_alias("old-open-model-slug", story.id)
    store.upsert_source(
        SourceModel(id="src-test", kind="feed", url="https://example.org/feed.xml",
                    name=f"Example feed{marker}", last_status=200, error_count=0,
                    last_fetch=datetime(2026, 5, 24, 9, 0, tzinfo=UTC))
    )
    store.upsert_source(
        SourceModel(id="src-bad", kind="feed", url="javascript:alert(1)", name=f"Broken feed{marker}",
                    last_status=503, error_count=4, last_error=f"HTTP 503{marker}")
    )
    return {"story": story, "item_ids": report.item_ids}


EVENT_A = "open-weight-release-wave"
EVENT_B = "lambert-consortium-essay"


def add_events(store: Store, story: Any, item_ids: list[str], *, marker: str = "") -> dict[str, Event]:
    """Two events in ``story``: the first two items (one happening), then the third."""
    a = store.create_event(Event(id="e-release-wave", slug=EVENT_A, title=f"Open-weight release wave{marker}",
                                 story_id=story.id))
    b = store.create_event(Event(id="e-consortium", slug=EVENT_B, title=f"Lambert's consortium essay{marker}",
                                 story_id=story.id))
    store.set_item_event(item_ids[:2], a.id)
    store.set_item_event(item_ids[2:], b.id)
    store.link_events([a.id, b.id], story.id)
    return {"a": store.get_event(a.id), "b": store.get_event(b.id)}
