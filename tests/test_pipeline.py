"""The brief pipeline: versions written only when material, never edited in place."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from infomachine.errors import NotFoundError, SynthesisError
from infomachine.ingest.batch import ingest_records
from infomachine.models import (
    Brief,
    BriefStory,
    Evidence,
    Item,
    Perspective,
    Record,
    Sentence,
    SourceRef,
    Story,
    What,
)
from infomachine.provenance import found_via_label
from infomachine.synth.stage import synthesize_all, synthesize_story


def record(n: int, text: str, source: str | None = None, day: int = 1) -> Record:
    return Record(
        origin=f"test:{n}",
        url=f"https://news.example/{n}",
        title=f"Report {n}",
        text=text,
        publisher="Valley News",
        published=f"2026-03-{day:02d}T10:00:00Z",
        source=source,
    )


PREVIOUS_SEEN: list[int | None] = []


def fake_synth(
    story: Story, items: list[Item], *, found_via: Any = None, now: Any = None, previous: Brief | None = None
) -> Brief:
    """One bullet and one stance sentence per item: deterministic and verifiable."""
    PREVIOUS_SEEN.append(previous.version if previous else None)
    sources = [SourceRef(n=i + 1, item_id=it.id, title=it.title) for i, it in enumerate(items)]
    bullets = [
        Sentence(text=it.text, cites=[i + 1], evidence=[Evidence(n=i + 1, quote=it.text)])
        for i, it in enumerate(items)
    ]
    return Brief(
        story=BriefStory(id=story.id, slug=story.slug, title=story.title),
        generated_at=now or datetime(2026, 3, 9, tzinfo=UTC),
        item_count=len(items),
        what=What(bullets=bullets),
        perspectives=[Perspective(actor="Mayor Ines Ruiz", stance=bullets[:1])],
        sources=sources,
    )


def test_versions_written_only_when_material(store) -> None:  # type: ignore[no-untyped-def]
    ingest_records(store, [record(1, "The dam gates opened on Monday.")], story="Valley dam")
    brief, written = synthesize_story(store, "valley-dam", synthesizer=fake_synth)
    assert written and brief.version == 1
    assert brief.change_summary == "first version"
    assert brief.perspectives[0].evolution.status == "new"

    again, written = synthesize_story(store, "valley-dam", synthesizer=fake_synth)
    assert not written and again.version == 1
    assert len(store.list_versions(store.get_story("valley-dam").id)) == 1

    forced, written = synthesize_story(store, "valley-dam", synthesizer=fake_synth, force=True)
    assert written and forced.version == 2

    ingest_records(store, [record(2, "Farmers downstream reported flooding.", day=2)], story="valley-dam")
    third, written = synthesize_story(store, "valley-dam", synthesizer=fake_synth)
    assert written and third.version == 3
    # the new development in words, cited with the brief's number, then the counts
    assert third.change_summary == "Farmers downstream reported flooding. [2] (+1 source, +1 claim)"
    assert third.changes is not None and third.changes.counts == "+1 source, +1 claim"
    assert [(d.text, d.cites) for d in third.changes.developments] == [
        ("Farmers downstream reported flooding.", [2])
    ]
    assert store.get_brief(store.get_story("valley-dam").id).changes == third.changes
    assert third.perspectives[0].evolution.status == "consistent"


def test_versions_are_never_edited_in_place(store) -> None:  # type: ignore[no-untyped-def]
    ingest_records(store, [record(1, "The dam gates opened on Monday.")], story="Valley dam")
    synthesize_story(store, "valley-dam", synthesizer=fake_synth)
    story_id = store.get_story("valley-dam").id
    first_json = store.get_brief(story_id, 1).model_dump_json()
    ingest_records(store, [record(2, "Farmers downstream reported flooding.", day=2)], story="valley-dam")
    synthesize_story(store, "valley-dam", synthesizer=fake_synth)
    ingest_records(store, [record(3, "The river fell by a metre overnight.", day=3)], story="valley-dam")
    synthesize_story(store, "valley-dam", synthesizer=fake_synth)
    assert store.get_brief(story_id, 1).model_dump_json() == first_json
    history = store.list_versions(story_id)
    assert [v["version"] for v in history] == [1, 2, 3]
    assert [v["item_count"] for v in history] == [1, 2, 3]
    assert store.get_brief(story_id).version == 3


def test_found_via_prefers_reactive_feed(store) -> None:  # type: ignore[no-untyped-def]
    ingest_records(
        store,
        [record(1, "The dam gates opened on Monday.", source="feed:valley-news")],
        story="Valley dam",
    )
    # the same article found again through the story's reactive search feed
    ingest_records(
        store,
        [record(1, "The dam gates opened on Monday.", source="reactive:valley-dam")],
        story="valley-dam",
    )
    item = store.list_items()[0]
    assert found_via_label(item) == "reactive:valley-dam"
    brief, _ = synthesize_story(store, "valley-dam", synthesizer=fake_synth)
    assert brief.sources[0].found_via == "reactive:valley-dam"


def test_synthesize_all_and_errors(store) -> None:  # type: ignore[no-untyped-def]
    ingest_records(store, [record(1, "The dam gates opened on Monday.")], story="Valley dam")
    ingest_records(store, [record(2, "The council approved a new budget.")], story="Town budget")
    results = synthesize_all(store, synthesizer=fake_synth)
    assert sorted(story.slug for story, _, written in results if written) == ["town-budget", "valley-dam"]
    assert all(not w for _, _, w in synthesize_all(store, synthesizer=fake_synth))
    with pytest.raises(NotFoundError):
        synthesize_story(store, "no-such-story", synthesizer=fake_synth)
    store.create_story(Story(id="s-empty", slug="empty", title="Empty"))
    with pytest.raises(SynthesisError):
        synthesize_story(store, "empty", synthesizer=fake_synth)


def test_default_extractive_synthesizer_end_to_end(store) -> None:  # type: ignore[no-untyped-def]
    texts = [
        "The regional water board said on March 1, 2026 that the dam gates would open on Monday.",
        "Mayor Ines Ruiz says that the town is ready for higher water levels.",
        "Farmers argue that the water board gave them too little warning.",
    ]
    ingest_records(store, [record(i + 1, t, day=i + 1) for i, t in enumerate(texts)], story="Valley dam")
    brief, written = synthesize_story(store, "valley-dam")
    assert written and brief.version == 1 and brief.sources
    assert brief.item_count == 3
    _, written = synthesize_story(store, "valley-dam")
    assert not written  # deterministic: the same items give the same brief


def test_synthesize_all_goes_on_after_a_failing_story(store) -> None:  # type: ignore[no-untyped-def]
    ingest_records(store, [record(1, "The dam gates opened on Monday.")], story="Valley dam")
    ingest_records(store, [record(2, "The council approved a new budget.")], story="Town budget")
    ingest_records(store, [record(3, "The bridge reopened after repairs.")], story="Old bridge")

    def picky(
        story: Story, items: list[Item], *, found_via: Any = None, now: Any = None, previous: Any = None
    ) -> Brief:
        if story.slug == "town-budget":
            raise SynthesisError("the model answered nonsense")
        if story.slug == "old-bridge":
            raise ValueError("a bug in a synthesizer")
        return fake_synth(story, items, found_via=found_via, now=now)

    results = synthesize_all(store, synthesizer=picky)
    assert [(story.slug, written) for story, _, written in results] == [("valley-dam", True)]
    assert sorted((e.story.slug, e.message) for e in results.errors) == [
        ("old-bridge", "ValueError: a bug in a synthesizer"),
        ("town-budget", "the model answered nonsense"),
    ]
    assert isinstance(results.errors[0].error, Exception)
    assert store.list_versions(store.get_story("valley-dam").id)


def test_the_synthesizer_gets_the_previous_version(store) -> None:  # type: ignore[no-untyped-def]
    ingest_records(store, [record(1, "The dam gates opened on Monday.")], story="Valley dam")
    PREVIOUS_SEEN.clear()
    synthesize_story(store, "valley-dam", synthesizer=fake_synth)
    ingest_records(store, [record(2, "Farmers downstream reported flooding.", day=2)], story="valley-dam")
    synthesize_story(store, "valley-dam", synthesizer=fake_synth)
    assert PREVIOUS_SEEN == [None, 1]  # incremental synthesizers (the LLM) build on it
