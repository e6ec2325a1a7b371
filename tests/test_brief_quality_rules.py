"""One test per rule added for brief quality; every sentence here is written for the test."""

from __future__ import annotations

from datetime import UTC, date, datetime

from infomachine.models import Item, Story
from infomachine.synth.analyze.actors import attributions, clean_name
from infomachine.synth.analyze.claims import (
    contrast_tensions,
    significance,
    uncertainty,
)
from infomachine.synth.analyze.names import canonical_actors, not_actors, same_side
from infomachine.synth.analyze.questions import rhetorical
from infomachine.synth.analyze.sentences import (
    Sent,
    cut_long,
    in_english,
    item_sentences,
    starts_mid_sentence,
    too_long,
)
from infomachine.synth.extractive import synthesize
from infomachine.synth.selection import points_back, same_fact, writer_aside
from infomachine.synth.timeline import cut_keeping_date
from infomachine.synth.verify import SourceTexts, check_sentence


def _item(text: str, k: int = 0, day: int = 1) -> Item:
    return Item(id=f"i{k}", title=f"Report {k}", text=text, content_hash=f"h{k}",
                published=datetime(2024, 5, day, tzinfo=UTC))


def _sent(text: str) -> Sent:
    return Sent(0, 0, text, 0, len(text))


# ----------------------------------------------------------------- sentences


def test_scraped_date_field_and_dateline_are_not_part_of_the_sentence() -> None:
    text = "date 2024-05-02 OSLO :The harbour board voted to keep the ferry toll at three crowns on Friday."
    (s,) = item_sentences(_item(text), 0)
    assert s.text.startswith("The harbour board voted")
    assert text[s.start : s.end] == s.text


def test_glued_byline_is_cut_off() -> None:
    text = "by Ada Quill \u00b7 The Harbour GazetteFor many islanders, the ferry is the only way to reach a hospital."
    (s,) = item_sentences(_item(text), 0)
    assert s.text.startswith("For many islanders")


def test_photo_caption_is_not_a_sentence() -> None:
    text = ("The mayor waves to supporters after the vote at the town hall in Nordby on Friday. (Photo by Ada Quill)\n"
            "The council approved the levy on ferry tickets by seven votes to two.")
    assert [s.text[:11] for s in item_sentences(_item(text), 0)] == ["The council"]


def test_long_sentence_is_cut_at_a_clause_boundary_and_stays_verbatim() -> None:
    text = ("The harbour board voted on Friday to keep the ferry toll at three crowns for the whole of the summer "
            "season and to review it again in the autumn, which means that commuters from the outer islands will "
            "keep paying the same fare for at least another six months while the repairs to the north pier go on.")
    cut = cut_long(text)
    assert len(cut.split()) <= 45 and text.startswith(cut) and cut.endswith("autumn")
    assert cut_long("A short sentence stays as it is.") == "A short sentence stays as it is."


_LEADING_CLAUSE = ("Despite weeks of loud protests from commuters, fishermen, ferry crews and the owners of the "
                   "small cafes and shops along the quay in the old town of Nordby, the harbour board voted on Friday to keep the ferry toll at three "
                   "crowns for the whole of the summer season.")


def test_long_sentence_drops_its_leading_clause_and_keeps_the_main_one() -> None:
    assert len(_LEADING_CLAUSE.split()) > 45
    assert not cut_long(_LEADING_CLAUSE).startswith("the harbour board")  # a main clause starts with a capital
    long = _LEADING_CLAUSE.replace("the harbour board", "Harbour Board chair Ada Quill")
    cut = cut_long(long)
    assert long.endswith(cut) and cut.startswith("Harbour Board chair Ada Quill voted on Friday")


def test_a_condition_is_never_dropped_nor_a_negation_nor_a_bracket_left_open() -> None:
    conditional = _LEADING_CLAUSE.replace("Despite", "If there are").replace("the harbour board voted",
                                                                                   "Harbour Board chair Ada Quill will vote")
    assert not cut_long(conditional).startswith("Harbour Board")
    negated = ("The harbour board voted on Friday to keep the ferry toll at three crowns for the whole of the summer "
               "season and to review it in the autumn, which does not mean that commuters from the outer islands "
               "will keep paying the same fare for another six months while the north pier is repaired.")
    assert "not" in cut_long(negated).split() or cut_long(negated) == negated
    bracketed = ("The harbour board voted on Friday to keep the ferry toll at three crowns (a fare that commuters, "
                 "fishermen and shop owners on the quay have called too high for years and which the board set "
                 "in 2019 when the north pier was closed after the storm) for the whole summer season.")
    cut = cut_long(bracketed)
    assert cut.count("(") == cut.count(")")


def test_timeline_cut_keeps_the_day_of_the_line() -> None:
    text = ("Despite weeks of protests from commuters, fishermen and the owners of the small shops along the quay "
            "in the old town on Monday, Harbour Board chair Ada Quill announced on Friday that the ferry toll "
            "would stay at three crowns for the whole of the summer season.")
    friday = cut_keeping_date(text, date(2024, 5, 3), date(2024, 5, 4))
    assert friday.startswith("Harbour Board chair") and len(friday.split()) <= 45
    monday = cut_keeping_date(text, date(2024, 4, 29), date(2024, 5, 4))
    assert "Monday" in monday


def test_a_sentence_too_long_to_cut_is_not_brief_prose() -> None:
    uncuttable = ("The harbour board voted on April 26 to keep the ferry toll at three crowns for the whole of the "
                  "summer season in the face of many letters sent by commuters from the outer islands to the mayor "
                  "of the town over the past three months about the fare the board had set in the year the north "
                  "pier was closed by storms.")
    assert too_long(uncuttable)
    other = ("The levy on ferry tickets will fund the north pier repairs, the board said on April 26. "
             "Commuters from the outer islands said the toll was too high for a short crossing.")
    for event_id in (None, "e:toll"):  # the date-wise timeline and the brief built event by event
        items = [_item(f"{uncuttable} {other}", k, day=2 + k) for k in range(3)]
        for it in items:
            it.event_id = event_id
        brief = synthesize(Story(id="s", slug="s", title="Board keeps ferry toll"), items)
        prose = [s.text for s in brief.cited_sentences()] + [e.text for e in brief.timeline]
        assert brief.timeline and all(len(t.split()) <= 45 for t in prose), prose


def test_fragments_and_other_languages_are_told() -> None:
    assert starts_mid_sentence("s harbour board voted to keep the ferry toll at three crowns.")
    assert starts_mid_sentence("\u201c a fare that the board set in the year the pier was closed.")
    assert not starts_mid_sentence("iPhone owners on the islands can now pay the ferry toll by phone.")
    assert not starts_mid_sentence("The harbour board voted to keep the ferry toll.")
    assert in_english("Pedro de la Rosa said the vote on the levy was lost by the council.") is True
    assert in_english("A junta do porto votou para manter a tarifa da balsa por mais um ano.") is False
    assert in_english("Nordby, Bergby, Ostby.") is None


def test_brief_shows_no_fragment_no_other_language_and_no_line_pointing_back() -> None:
    text = ("The harbour board voted on April 26 to keep the ferry toll at three crowns for the summer.\n"
            "s opposition on the council voted on April 26 against the ferry toll at three crowns for the summer.\n"
            "A junta do porto votou no dia 26 de abril para manter a tarifa da balsa em tres coroas para o verao.\n"
            "But sadly the ferry toll on April 29 was more the norm than the exception for the islands.\n"
            "Commuters from the outer islands said the ferry toll was too high for a short crossing.")
    items = [_item(text, k, day=2 + k) for k in range(3)]
    for it in items:
        it.event_id = "e:toll"
    brief = synthesize(Story(id="s", slug="s", title="Board keeps ferry toll"), items)
    shown = [s.text for s in brief.cited_sentences()] + [e.text for e in brief.timeline]
    assert brief.timeline and shown
    assert not [t for t in shown if t.startswith(("s ", "A junta", "But"))], shown


# ----------------------------------------------------------------- selection


def test_same_fact_pairs_and_distinct_facts() -> None:
    assert same_fact("The council approved the ferry levy on Friday.",
                     "On Friday the council approved the ferry levy, officials said.")
    assert not same_fact("The council approved the ferry levy on Friday.",
                         "Operators warned that fares would rise in the winter.")


def test_writer_asides_and_back_references() -> None:
    assert writer_aside("I was back at the harbour today to watch the vote.")
    assert not writer_aside("\u201cI am very worried about the pier,\u201d the mayor said.")
    assert writer_aside("This text was created with the help of AI.")
    assert writer_aside("Will the levy pass?")
    assert writer_aside("Incidentally, the harbour's old crane was sold for scrap the same week.")
    assert writer_aside("By the way, the mayor's dog attended the vote.")
    assert not writer_aside("The wayward ferry incidentally blocked the harbour.")  # only a sentence that opens so
    assert points_back("That's precisely why the levy was proposed.")
    assert not points_back("The levy was proposed in March.")


def test_prose_sections_do_not_repeat_a_fact() -> None:
    base = ("The council approved the ferry levy on May 2, 2024, officials confirmed. "
            "On May 2, 2024, the council approved the ferry levy, the clerk said. "
            "Operators warned that the levy would raise fares for commuters from the outer islands. "
            "The north pier has been closed since the storm in February damaged its pilings.")
    items = [_item(base, k, day=2 + k) for k in range(3)]
    brief = synthesize(Story(id="s", slug="s", title="Council approves ferry levy"), items)
    prose = [s.text for s in (*brief.what.summary, *brief.what.bullets, *brief.why_it_matters)]
    prose += [s.text for p in brief.narrative for s in p]
    later = prose[1:] + [e.text for e in brief.timeline]
    for i, x in enumerate(prose):
        for y in later[i:]:
            if x is not y and x != y:
                assert not same_fact(x, y), (x, y)


def test_every_cut_sentence_passes_verification() -> None:
    long = ("The harbour board voted on Friday to keep the ferry toll at three crowns for the whole of the summer "
            "season and to review it again in the autumn, which means that commuters from the outer islands will "
            "keep paying the same fare for at least another six months while the repairs to the north pier go on.")
    items = [_item(long + " The levy on ferry tickets will fund the north pier repairs, the board said.", k, day=2 + k)
             for k in range(2)]
    brief = synthesize(Story(id="s", slug="s", title="Board keeps ferry toll"), items)
    texts = SourceTexts({s.n: items[0].title + "\n" + items[0].text for s in brief.sources})
    timeline = {e.text for e in brief.timeline}  # timeline lines are synth/timeline.py's
    for s in brief.cited_sentences():
        assert check_sentence(s, texts) is None
        if s.text not in timeline:
            assert len(s.text.split()) <= 45


# ----------------------------------------------------------------- actors


def test_title_before_a_name_is_dropped() -> None:
    assert clean_name("U.S. District Judge Ilse Brandt") == "Ilse Brandt"
    assert clean_name("Liberian President Jonas Keel") == "Jonas Keel"
    assert clean_name("Justice Department") == "Justice Department"


def test_opener_words_and_things_are_not_names() -> None:
    assert clean_name("Although NATO") == "NATO"
    assert clean_name("API") is None
    assert clean_name("Your") is None


def test_acronym_and_reordered_words_are_one_actor() -> None:
    texts = ["The Harbour Safety Board (HSB) said the pier was unsafe."]
    canon = canonical_actors(["HSB", "Harbour Safety Board", "Harbour Safety Board"], texts)
    assert canon["HSB"] == canon["Harbour Safety Board"] == "Harbour Safety Board"
    canon = canonical_actors(["Justice Department", "Department of Justice", "DOJ"], [])
    assert len(set(canon.values())) == 1


def test_surname_after_a_title_resolves_to_the_full_name() -> None:
    canon = canonical_actors(["Ilse Brandt", "Brandt"], ["Judge Brandt said the pier must close."])
    assert canon["Brandt"] == "Ilse Brandt"


def test_reporters_outlets_and_sentence_openers_are_not_actors() -> None:
    texts = ["By Ada Quill\nThe evidence was thin. Evidence shows the pier is unsafe, Keel told Harbour Radio.",
             "The Nordby Gazette reported that the vote was close."]
    out = not_actors({"Ada Quill", "Harbour Radio", "Evidence", "Nordby Gazette", "Jonas Keel"}, texts,
                     publishers=["nordby.example"], authors=[])
    assert out == {"Ada Quill", "Harbour Radio", "Evidence", "Nordby Gazette"}


def test_a_stance_says_more_than_the_name() -> None:
    text = ("Jonas Keel, director of the Ferry Operators Guild, said the levy will raise fares for every commuter. "
            "Jonas Keel said so.")
    items = [_item(text, k, day=2 + k) for k in range(2)]
    brief = synthesize(Story(id="s", slug="s", title="Ferry levy"), items)
    keel = next(p for p in brief.perspectives if p.actor == "Jonas Keel")
    assert all(len(s.text.split()) > 6 for s in keel.stance)


# ----------------------------------------------------------------- tensions


def test_third_party_stated_disagreement_is_a_tension() -> None:
    text = ("Ilse Brandt believes the open ferries are closer to the private lines than ever; "
            "Jonas Keel thinks the private lines are ahead by more than a year.")
    (pair,) = contrast_tensions([_sent(text)])
    assert {pair.a.actor, pair.b.actor} == {"Ilse Brandt", "Jonas Keel"}
    assert pair.a_quote != pair.b_quote


def test_two_voices_of_one_side_are_not_a_tension() -> None:
    text = "Matthew Oake, leading the Harbour Board's case, argued that the levy is unfair to commuters."
    atts = attributions(_sent(text))
    assert atts and atts[0].affiliation == "Harbour Board"
    pairs = {frozenset({"Matthew Oake", "Harbour Board"})}
    assert same_side(pairs, atts, {}, [text]) == pairs


# ----------------------------------------------------------------- open questions and why


def test_rhetorical_and_tag_questions() -> None:
    assert rhetorical("A man with friends like that could fool the board, couldn't he?")
    assert rhetorical("Who'd have thought the pier would close?")
    assert not rhetorical("Will the board reopen the north pier before winter?")


def test_awaited_and_disputed_count_as_open() -> None:
    assert uncertainty("The ruling on the levy is still awaited.") >= 2
    assert uncertainty("The board has yet to set a date for the vote.") >= 2


def test_heading_question_answered_by_the_next_line_is_not_open() -> None:
    text = ("What happens to the ferry toll?\nThe board kept the toll at three crowns on Friday.\n"
            "Will the pier reopen before winter? Nobody knows, and the date remains unclear.")
    items = [_item(text, k, day=2 + k) for k in range(2)]
    brief = synthesize(Story(id="s", slug="s", title="Ferry toll"), items)
    asked = [q.question for q in brief.open_questions]
    assert "What happens to the ferry toll?" not in asked


def test_why_needs_a_consequence_not_an_adjective() -> None:
    assert significance("The ferry is described as a significant step forward for the island.") < 2
    assert significance("The closure threatens the only hospital link for the outer islands.") >= 2
