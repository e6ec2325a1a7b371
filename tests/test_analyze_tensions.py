"""Tensions are two named actors opposed on one question; actors are names, not descriptions.

Every sentence here is written for these tests.
"""

from __future__ import annotations

from infomachine.synth.analyze.actors import attributions, clean_name
from infomachine.synth.analyze.claims import find_tensions
from infomachine.synth.analyze.names import canonical_actors, not_actors
from infomachine.synth.analyze.sentences import Sent


def sent(text: str, item: int = 0, index: int = 0) -> Sent:
    return Sent(item, index, text, 0, len(text))


def pairs_of(*sents: Sent) -> set[frozenset[str]]:
    atts = [a for s in sents for a in attributions(s)]
    canon = canonical_actors([a.actor for a in atts])
    return {frozenset({canon[p.a.actor], canon[p.b.actor]}) for p in find_tensions(atts, canon)}


# ----------------------------------------------------------------- same question


def test_a_denial_about_another_matter_is_not_a_tension() -> None:
    """A disagreement verb is not enough: the denial must be about what the other said."""
    assert pairs_of(
        sent("Rolf Anker said that the new dam would flood two villages in the valley.", 0),
        sent("Vera Lusk denied reports that she had resigned from the planning board.", 1),
    ) == set()


def test_a_dare_is_not_a_criticism_of_a_claim() -> None:
    assert pairs_of(
        sent("Mayor Tove Rind challenged Per Holm to prove his figures on the harbour budget at the meeting.", 0),
        sent("Per Holm said that the harbour budget would be balanced by the end of the year.", 1),
    ) == set()


def test_criticism_of_a_claim_by_name_is_a_tension_without_shared_words() -> None:
    pairs = pairs_of(
        sent("The Fjord Council concludes that ferry crossings will double within a decade.", 0),
        sent("Ida Sorn argues that the Fjord Council's forecast is misleading because it counts tourists twice.", 1),
    )
    assert pairs == {frozenset({"Fjord Council", "Ida Sorn"})}


def test_the_same_standing_word_about_different_things_is_not_opposed() -> None:
    """'ahead of' one plan and 'behind' another are not two positions on one question."""
    assert pairs_of(
        sent("Kari Vold said that the bridge repairs were two months ahead of schedule this spring.", 0),
        sent("Odd Brekke said that the school works were far behind schedule this spring.", 1),
    ) == set()


def test_a_disagreement_answering_the_sentence_before_is_a_tension() -> None:
    pairs = pairs_of(
        sent("Lene Haug believes that small ferries are nearly as safe as large ones in winter storms.", 0, 3),
        sent("Nils Aas disagrees: he accepts the safety data but holds that large ferries are far safer.", 0, 4),
    )
    assert pairs == {frozenset({"Lene Haug", "Nils Aas"})}


def test_a_word_common_to_the_whole_story_does_not_make_one_question() -> None:
    """On a long story 'tunnel' recurs in many different claims; sharing it is not enough."""
    fillers = [sent(f"Official {name} said the tunnel project had a new {thing} this week.", 5 + k)
               for k, (name, thing) in enumerate([("Aune", "manager"), ("Berg", "website"), ("Dahl", "logo"),
                                                   ("Eide", "office"), ("Foss", "budget"), ("Gran", "sponsor"),
                                                   ("Hovd", "schedule"), ("Isak", "contractor"), ("Juel", "permit"),
                                                   ("Krog", "survey"), ("Lie", "tender"), ("Moen", "report"),
                                                   ("Nes", "engineer"), ("Ore", "architect"), ("Pihl", "auditor"),
                                                   ("Rud", "lawyer"), ("Sand", "adviser"), ("Tofte", "banker"),
                                                   ("Ulv", "inspector"), ("Vik", "planner")])]
    pairs = pairs_of(
        sent("Tor Lie said the tunnel tolls are fair to commuters from the islands.", 0),
        sent("Siv Moe rejected the tunnel plan as a waste of the county's money.", 1),
        *fillers,
    )
    assert frozenset({"Tor Lie", "Siv Moe"}) not in pairs


# ----------------------------------------------------------------- names


def test_two_names_joined_by_and_are_not_one_actor() -> None:
    assert clean_name("Holm and Rind") is None
    assert clean_name("Ministry of Trade and Industry") == "Ministry of Trade and Industry"
    assert attributions(sent("Though Holm and Rind said they had agreed, the talks stalled for weeks.")) == []


def test_a_descriptor_is_the_person_the_sentence_names_before_it() -> None:
    (att,) = attributions(sent("After Holm's defeat in the vote, the Nordland Liberal said he would stand again next year."))
    assert att.actor == "Holm"
    # a group ("Liberals") is not one person, and no name before it means no actor
    assert attributions(sent("Nordland Liberals said the vote had been unfair to the islands.")) == []
    assert clean_name("Nordland Liberal") is None


def test_a_coordinated_subject_is_not_the_last_name_alone() -> None:
    text = "But both mayor Tove Rind and council leader Per Holm have rejected such proposals, citing costs."
    assert attributions(sent(text)) == []


def test_sentence_adverbs_are_not_part_of_a_name() -> None:
    assert clean_name("Afterwards Holm") == "Holm"
    assert clean_name("Neither Rind") == "Rind"


def test_a_writer_reported_by_another_outlet_is_an_actor() -> None:
    names = {"Ada Lindqvist", "Harbour Weekly"}
    texts = ["Ada Lindqvist argues that the ferry subsidy should end.",
             "In her column, Lindqvist argues that the subsidy rewards the largest operator."]
    out = not_actors(names, texts, ["Harbour Weekly", "Coast Daily"], ["Ada Lindqvist", "Bo Ek"])
    assert "Ada Lindqvist" not in out
    assert "Harbour Weekly" in out
    # her own column alone does not make her an actor
    out = not_actors(names, texts[:1], ["Harbour Weekly"], ["Ada Lindqvist"])
    assert "Ada Lindqvist" in out


# ----------------------------------------------------------------- one side


def test_a_seat_of_government_and_its_head_are_one_side() -> None:
    from infomachine.synth.analyze.names import same_side

    texts = ["President Mira Falk met the union leaders on Monday.",
             "The White House said the talks would resume on Friday."]
    pair = frozenset({"White House", "Mira Falk"})
    assert same_side({pair}, [], {}, texts) == {pair}
    other = frozenset({"White House", "Jon Ruud"})
    assert same_side({other}, [], {}, texts + ["Jon Ruud said the talks had failed."]) == set()


def test_a_country_and_its_own_official_are_one_side() -> None:
    from infomachine.synth.analyze.names import same_side

    pair = frozenset({"Norland", "Eva Brun"})
    assert same_side({pair}, [], {}, ["Norlandic foreign minister Eva Brun said the border would stay open."]) == {pair}
    assert same_side({pair}, [], {}, ["Eva Brun, Norland's trade envoy, spoke first."]) == {pair}
    assert same_side({pair}, [], {}, ["Eva Brun criticised Norland over the border closure."]) == set()


def test_criticism_of_the_other_by_name_pairs_with_their_reply_in_the_same_report() -> None:
    criticism = "The Green Union criticised Mr Sand for failing to win a guarantee on the river quotas."
    reply = "Mr Sand replied that talks on the river quotas would resume in spring."
    assert pairs_of(sent(criticism, 0, 1), sent(reply, 0, 2)) == {frozenset({"Green Union", "Sand"})}
    # the same criticism does not pair with what he said in another report about something else
    assert pairs_of(sent(criticism, 0, 1), sent("Mr Sand said that the new ferry would be built in Oslo.", 1)) == set()
    # a dare is not a criticism
    dare = "The Green Union challenged Mr Sand to publish the river quotas before the vote."
    assert pairs_of(sent(dare, 0, 1), sent(reply, 0, 2)) == set()


def test_a_medium_is_an_outlet_but_a_company_cited_for_figures_is_not() -> None:
    texts = ["The gossip website Harbour Buzz said the singer had left the island.",
             "The tour was over, the celebrity site Harbour Buzz reported. A friend told Fjordly the same.",
             "The singer gave an interview with Fjordly on Monday.",
             "According to Kelvin Port, fares rose 4%. Kelvin Port reports that traffic fell."]
    out = not_actors({"Harbour Buzz", "Fjordly", "Kelvin Port"}, texts)
    assert out == {"Harbour Buzz", "Fjordly"}
    # being told something is not enough for a person's name
    assert not_actors({"Jon Berg"}, ["She told Jon Berg the plan.", "He told Jon Berg again."]) == set()


def test_a_name_in_apposition_is_the_speaker() -> None:
    (att,) = attributions(sent("The chair of the Harbour Board, Vera Lusk, has warned that the levy will fail."))
    assert att.actor == "Vera Lusk"


def test_a_claim_that_the_other_is_lying_pairs_with_their_testimony_in_the_same_report() -> None:
    testimony = "Vera Lusk has testified that she saw the mayor take the envelope at the pier."
    attack = "The mayor's lawyer Jon Ruud claims that Lusk is lying to settle an old feud."
    assert pairs_of(sent(testimony, 0, 1), sent(attack, 0, 2)) == {frozenset({"Vera Lusk", "Jon Ruud"})}
    assert pairs_of(sent(testimony, 0, 1), sent(attack, 1, 2)) == set()


def test_a_critical_clause_after_an_appositive_still_takes_on_the_other() -> None:
    criticism = "Ola Dahl said Eva Brun, the trade minister, was sending the wrong message by cutting the port fund."
    reply = "Eva Brun has said she would look for other ways to finance the port fund."
    assert pairs_of(sent(criticism, 0, 1), sent(reply, 0, 2)) == {frozenset({"Ola Dahl", "Eva Brun"})}
