from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

from briefs_fixture import STORY, make_items

from infomachine.models import SECTIONS, Brief, Item, Sentence
from infomachine.synth.extractive import synthesize
from infomachine.synth.verify import SourceTexts, check_sentence

NOW = datetime(2024, 4, 1, tzinfo=UTC)




def source_texts(brief: Brief, items: list[Item]) -> SourceTexts:
    by_id = {it.id: it for it in items}
    return SourceTexts({s.n: by_id[s.item_id].title + "\n" + by_id[s.item_id].text for s in brief.sources})


def test_every_section_present_when_supported() -> None:
    items = make_items()
    brief = synthesize(STORY, items, now=NOW)
    assert brief.what.summary and brief.what.bullets
    assert brief.why_it_matters
    assert brief.open_questions
    assert brief.narrative
    assert brief.timeline
    assert brief.perspectives
    assert brief.tensions
    assert brief.omitted == {}
    assert brief.item_count == 3
    actors = {p.actor for p in brief.perspectives}
    assert {"Ilse Brandt", "Jonas Keel"} <= actors
    keel = next(p for p in brief.perspectives if p.actor == "Jonas Keel")
    assert keel.affiliation == "Ferry Operators Guild"
    pair = {brief.tensions[0].a.actor, brief.tensions[0].b.actor}
    assert pair == {"Ilse Brandt", "Jonas Keel"}


def test_timeline_resolves_dates_oldest_first() -> None:
    brief = synthesize(STORY, make_items(), now=NOW)
    dates = [e.date for e in brief.timeline]
    assert dates == sorted(dates)
    assert "2024-03-04" in dates  # "on Monday", published Monday 4 March
    assert "2024-03-05" in dates  # explicit
    assert "2024-04-02" in dates  # explicit, upcoming hearing


def test_every_sentence_passes_verification() -> None:
    items = make_items()
    brief = synthesize(STORY, items, now=NOW)
    texts = source_texts(brief, items)
    sentences = brief.cited_sentences()
    assert len(sentences) >= 10
    for s in sentences:
        assert check_sentence(s, texts) is None, s.text
    assert brief.dropped_sentences == 0


def test_sources_numbered_from_one_with_metadata() -> None:
    brief = synthesize(STORY, make_items(), found_via={"i1": "reactive:ferry-levy"}, now=NOW)
    assert [s.n for s in brief.sources] == list(range(1, len(brief.sources) + 1))
    cited = {n for s in brief.cited_sentences() for n in s.cites}
    assert cited == {s.n for s in brief.sources}
    by_id = {s.item_id: s for s in brief.sources}
    assert by_id["i1"].found_via == "reactive:ferry-levy"
    assert by_id["i0"].found_via == "feed:example"
    assert by_id["i0"].published == "2024-03-04"
    assert by_id["i0"].publisher == "Harbour Gazette"


def test_deterministic() -> None:
    a = synthesize(STORY, make_items(), now=NOW).model_dump(mode="json")
    b = synthesize(STORY, list(reversed(make_items())), now=NOW).model_dump(mode="json")
    c = synthesize(STORY, make_items()).model_dump(mode="json")
    c["generated_at"] = a["generated_at"]
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True) == json.dumps(c, sort_keys=True)


def test_no_support_means_omitted_with_reason() -> None:
    item = Item(
        id="only",
        title="Tide tables",
        text="The tide tables for the harbour were printed in the spring edition of the almanac.",
        content_hash="x",
    )
    brief = synthesize(STORY, [item], now=NOW)
    assert brief.what.summary
    for section in ("why_it_matters", "open_questions", "timeline", "perspectives", "tensions"):
        assert section in brief.omitted and brief.omitted[section]
    empty = synthesize(STORY, [], now=NOW)
    assert set(empty.omitted) == set(SECTIONS)
    assert empty.sources == []


def test_duplicates_count_but_are_not_cited() -> None:
    items = make_items()
    dup = replace(items[0], id="dup", duplicate_of="i0", title="Copy")
    brief = synthesize(STORY, [*items, dup], now=NOW)
    assert brief.item_count == 4
    assert "dup" not in {s.item_id for s in brief.sources}


def test_adversarial_sentence_never_appears() -> None:
    # Boilerplate and junk of one item are not in the brief; nor is any text not in a source.
    items = make_items()
    brief = synthesize(STORY, items, now=NOW)
    corpus = " ".join(it.title + "\n" + it.text for it in items)
    for s in brief.cited_sentences():
        assert s.text in corpus
    injected = "Portvale council secretly sold the north pier to a casino developer."
    text = json.dumps(brief.model_dump(mode="json"))
    assert "secretly sold" not in text and "Subscribe" not in text
    # A forged sentence inserted into a brief is removed by the shared verifier.
    from infomachine.synth.verify import verify_brief

    brief.what.bullets.append(
        Sentence(text=injected, cites=[1], evidence=[{"n": 1, "quote": injected}])  # type: ignore[list-item]
    )
    by_id = {it.id: it for it in items}
    verify_brief(brief, {s.n: by_id[s.item_id].title + "\n" + by_id[s.item_id].text for s in brief.sources})
    assert injected not in [s.text for s in brief.what.bullets]


def test_open_questions_are_short_questions_not_their_context() -> None:
    brief = synthesize(STORY, make_items(), now=NOW)
    assert brief.open_questions
    for q in brief.open_questions:
        assert q.question.endswith("?")
        assert all(q.question != s.text for s in q.context)
        assert len(q.question) < max(len(s.text) for s in q.context)


def test_what_bullets_cover_different_actors_and_summary_is_corroborated() -> None:
    from infomachine.synth.analyze.actors import attributions
    from infomachine.synth.analyze.names import canonical_actors
    from infomachine.synth.analyze.sentences import Sent

    brief = synthesize(STORY, make_items(), now=NOW)
    texts = [s.text for s in brief.what.bullets]
    atts = [a for t in texts for a in attributions(Sent(0, 0, t, 0, len(t)))]
    canon = canonical_actors([a.actor for a in atts])
    actors = [canon[a.actor] for a in atts]
    assert len(actors) == len(set(actors))
    assert len(brief.what.summary[0].cites) >= 2  # said by more than one source


def test_narrative_does_not_repeat_the_what_bullets() -> None:
    brief = synthesize(STORY, make_items(), now=NOW)
    bullets = {s.text for s in brief.what.bullets}
    told = {s.text for p in brief.narrative for s in p}
    assert bullets and told and not bullets & told


def test_summary_states_the_news_of_the_headline() -> None:
    """A writer's aside or a reaction ranks below the sentence that reports the event."""
    text = ("I was back at the harbour today to watch the vote. "
            "Economists say the split vote makes a toll cut in June more likely. "
            "The Harbour Board held the ferry toll at 3.25 crowns on April 22, the fourth meeting without a change. "
            "That is why the board keeps the toll under review.")
    items = [Item(id=f"i{k}", title=f"Report {k}", text=text, content_hash=f"h{k}",
                  published=datetime(2024, 4, 22 + k, tzinfo=UTC)) for k in range(2)]
    story = replace(STORY, title="Harbour Board holds ferry toll at 3.25 crowns")
    brief = synthesize(story, items, now=NOW)
    assert brief.what.summary[0].text.startswith("The Harbour Board held the ferry toll")


def test_a_perspective_states_one_claim_once_not_again_in_other_words() -> None:
    items = make_items()
    items.append(Item(
        id="i9", title="Levy row continues", content_hash="h9", url="https://example.org/ferry/9",
        publisher="Bay Herald", published=datetime(2024, 3, 21, 9, tzinfo=UTC), source="feed:example",
        text="Jonas Keel argues that higher ferry fares will push the passengers onto private boats.\n"
             "The guild says it will wait for the court hearing in April before saying more."))
    brief = synthesize(STORY, items)
    keel = next(p for p in brief.perspectives if "Keel" in p.actor)
    texts = [s.text for s in keel.stance]
    assert sum("private boats" in t for t in texts) == 1, texts
