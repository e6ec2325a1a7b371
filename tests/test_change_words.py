"""A version's change summary in words: the same words on the history page, in the Atom feeds and webhooks."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any

from infomachine.ingest.batch import ingest_records
from infomachine.models import (
    Brief,
    BriefStory,
    Evidence,
    Item,
    Record,
    Sentence,
    SourceRef,
    Story,
    What,
)
from infomachine.publish import atom, html, pages
from infomachine.run.runner import version_summary
from infomachine.synth.stage import synthesize_story

ATOM = "{http://www.w3.org/2005/Atom}"


def record(n: int, text: str, day: int) -> Record:
    return Record(origin=f"t:{n}", url=f"https://lake.example/{n}", title=f"Lake report {n}", text=text,
                  publisher="Lake Post", published=f"2026-04-{day:02d}T09:00:00Z")


def synth(story: Story, items: list[Item], **_: Any) -> Brief:
    """The newest item's sentence leads the What; the older ones go to the Narrative."""
    ordered = sorted(items, key=lambda i: i.when)
    refs = [SourceRef(n=i + 1, item_id=it.id, title=it.title) for i, it in enumerate(ordered)]

    def sent(i: int) -> Sentence:
        return Sentence(text=ordered[i].text, cites=[i + 1], evidence=[Evidence(n=i + 1, quote=ordered[i].text)])

    return Brief(
        story=BriefStory(id=story.id, slug=story.slug, title=story.title),
        generated_at=datetime(2026, 4, 9, tzinfo=UTC),
        what=What(summary=[sent(len(ordered) - 1)]),
        narrative=[[sent(i) for i in range(len(ordered) - 1)]] if len(ordered) > 1 else [],
        sources=refs,
    )


def test_history_feeds_and_webhook_show_the_same_words(store) -> None:  # type: ignore[no-untyped-def]
    ingest_records(store, [record(1, "The lake level fell below the intake pipe.", 1)], story="Lake level")
    synthesize_story(store, "lake-level", synthesizer=synth)
    ingest_records(store, [record(2, "The town banned garden watering from Monday.", 3)], story="lake-level")
    brief, written = synthesize_story(store, "lake-level", synthesizer=synth)
    assert written and brief.version == 2
    words = "The town banned garden watering from Monday. [2] (+1 source, +1 claim, 1 claim moved)"
    assert brief.change_summary == words

    story = store.get_story("lake-level")
    versions = store.list_versions(story.id)
    assert words in html.render_history(pages.story_ref(story), versions)

    payload = version_summary(story, brief)
    assert payload["change_summary"] == words
    assert payload["changes"]["counts"] == "+1 source, +1 claim, 1 claim moved"
    assert payload["changes"]["developments"] == [
        {"text": "The town banned garden watering from Monday.", "cites": [2], "section": "what", "date": None}
    ]
    first = store.get_brief(story.id, 1)
    assert version_summary(story, first)["changes"] is None

    briefs = pages.load_briefs(store, story.id, [1, 2])
    feed = atom.story_feed(pages.story_ref(story), versions, self_url="f", story_url="s",
                           version_url=str, diffs=pages.version_diffs(briefs))
    entry = ET.fromstring(feed).find(f"{ATOM}entry")
    assert entry is not None
    assert entry.findtext(f"{ATOM}summary") == words
    content = entry.findtext(f"{ATOM}content") or ""
    assert content.splitlines()[0] == "New development: The town banned garden watering from Monday. [2]"
    # the old lead moved to the Narrative: a move, not a new claim
    assert "Moved (What → Narrative): The lake level fell below the intake pipe. [1]" in content
    assert "New: The lake level" not in content

    all_feed = atom.all_stories_feed(pages.index_rows(store), self_url="f", home_url="h",
                                     version_url=lambda slug, n: f"{slug}/{n}")
    assert ET.fromstring(all_feed).find(f"{ATOM}entry/{ATOM}summary").text == words  # type: ignore[union-attr]


def test_diff_pages_list_moved_claims() -> None:
    from infomachine.publish.jsonout import diff_markdown
    from infomachine.synth.versions import diff_briefs

    def brief(version: int, where: str) -> Brief:
        sent = Sentence(text="The intake pipe is dry.", cites=[1], evidence=[Evidence(n=1, quote="The intake pipe is dry.")])
        b = Brief(story=BriefStory(id="s", slug="s", title="Lake"), version=version,
                  sources=[SourceRef(n=1, item_id="a", title="A")])
        if where == "what":
            b.what.bullets = [sent]
        else:
            b.narrative = [[sent]]
        return b

    diff = diff_briefs(brief(1, "what"), brief(2, "narrative"))
    md = diff_markdown(diff)
    assert "## Moved" in md and "- What → Narrative: The intake pipe is dry. [1]" in md
    assert "Claims added" not in md and "Claims removed" not in md
    page = html.render_diff({"slug": "s", "title": "Lake"}, {"version": 1}, {"version": 2}, pages.to_plain(diff))
    assert "what → narrative" in page and "No material change" not in page
