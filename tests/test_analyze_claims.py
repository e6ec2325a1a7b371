"""Cues in claims: open questions made from uncertain clauses, and tensions."""

from __future__ import annotations

import pytest

from infomachine.synth.analyze.actors import attributions
from infomachine.synth.analyze.claims import find_tensions
from infomachine.synth.analyze.names import canonical_actors
from infomachine.synth.analyze.questions import to_question
from infomachine.synth.analyze.sentences import Sent


def sent(text: str, item: int = 0, index: int = 0) -> Sent:
    return Sent(item, index, text, 0, len(text))


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("It is not clear whether the harbour toll will be delayed.", "Will the harbour toll be delayed?"),
        ("Whether either ferry line can keep its routes is uncertain.", "Can either ferry line keep its routes?"),
        ("It remains unclear which gauge better reflects river levels.", "Which gauge better reflects river levels?"),
        ("Whether a merger will happen remains an open question.", "Will a merger happen?"),
        ("It is unclear how many farmers will claim the grant, where fields are flooded.",
         "How many farmers will claim the grant?"),
        ("It is not yet clear how the new ferries compare with the old fleet on fuel use.",
         "How do the new ferries compare with the old fleet on fuel use?"),
        ("It is unclear whether these subsidies help small ports or mainly large ones.",
         "Do these subsidies help small ports or mainly large ones?"),
        ("The vote passed; whether the courts will allow it remains to be seen.", "Will the courts allow it?"),
        ("It is unclear who would fund such a body, and no group has offered.", "Who would fund such a body?"),
        ("It is unclear how long the new pier, which the council approved in May, will stay closed.",
         "How long will the new pier stay closed?"),
        ("Officials said it was unclear how deep the cuts to the ferry timetable were.",
         "How deep were the cuts to the ferry timetable?"),
    ],
)
def test_question_from_uncertain_clause(text: str, question: str) -> None:
    assert to_question(text) == question
    assert to_question(text) != text


@pytest.mark.parametrize(
    "text",
    [
        "The scope is unclear and the result is unverified, the report says.",
        "Forecasts about prices five years from now remain uncertain, she noted.",
        "So what exactly is the new model, and should you be worried?",
        "What if a small model could match the largest ones?",
        # the clause cut at ", which" has no verb left to ask about
        "It is still unclear whether the vote on the ferry board, which had been set for May, goes ahead.",
        # a question that does not say what it is about without its sentence
        "Councillors said they would block the toll, but it was unclear how they could do so.",
        "Crew members stayed on board, although it was unclear if they were trapped.",
        "Whether this will be considered an adequate response, however, remains to be seen.",
        "If two-thirds approve, which is uncertain, the levy will pass.",
    ],
)
def test_no_clean_question_means_none(text: str) -> None:
    assert to_question(text) is None


def _pairs(*texts: str) -> set[frozenset[str]]:
    atts = [a for k, t in enumerate(texts) for a in attributions(sent(t, k))]
    canon = canonical_actors([a.actor for a in atts])
    return {frozenset({canon[p.a.actor], canon[p.b.actor]}) for p in find_tensions(atts, canon)}


def test_unrelated_claims_are_not_a_tension() -> None:
    assert _pairs(
        "Harlow Motors says its new trucks are competitive with rival models on hill climbs.",
        "Petra Lind argues that the agency's test method is flawed because it skips wet roads.",
    ) == set()
    assert _pairs(
        "Harlow Motors says that it will not open a plant in the north this year.",
        "Petra Lind says that the ferry timetable will change in the spring.",
    ) == set()


def test_opposite_trends_on_the_same_gap_are_a_tension() -> None:
    pairs = _pairs(
        "The Ridge Institute says that the wage gap has been relatively stable since 2019.",
        "Kolm Bureau concludes that the wage gap is widening.",
    )
    assert pairs == {frozenset({"Ridge Institute", "Kolm Bureau"})}


def test_criticism_by_name_is_a_tension() -> None:
    pairs = _pairs(
        "Kolm Bureau concludes that regional incomes are falling behind the capital.",
        "Petra Lind argues that Kolm Bureau's method is misleading because it ignores rents.",
    )
    assert pairs == {frozenset({"Kolm Bureau", "Petra Lind"})}


def test_dispute_verb_over_the_same_words_is_a_tension() -> None:
    pairs = _pairs(
        "Mayor Ilka Berg said that the toll is the only way to keep the bridge open.",
        "Jon Sand disputes that the toll will keep the bridge open.",
    )
    assert pairs == {frozenset({"Ilka Berg", "Jon Sand"})}


def test_significance_needs_a_statement_of_consequence() -> None:
    from infomachine.synth.analyze.claims import significance

    assert significance("Whether the toll stays has direct consequences for island families.") >= 2
    assert significance("The ruling raises the stakes for every port on the coast.") >= 2
    assert significance("The levy matters because it funds the only freight pier.") >= 2
    assert significance("The rule could cost members up to 8% of orders.") >= 2
    assert significance("Fans gathered at the historic landmark to celebrate.") < 2
    assert significance("The council voted because the pier was closed.") < 2


def test_a_measure_urged_by_one_side_and_called_harmful_by_the_other_is_a_tension() -> None:
    pairs = _pairs(
        "The Harbour Authority and several councils urged an order forcing the sale of Kelvin Port's ferry arm.",
        "Kelvin Port, meanwhile, countered with fare caps, arguing that a forced sale would harm services.",
    )
    assert pairs == {frozenset({"Harbour Authority", "Kelvin Port"})}
    # Two sides each wanting something is not yet a conflict.
    assert _pairs(
        "The Harbour Authority urged a review of Kelvin Port's ferry fares.",
        "Kelvin Port proposed a new timetable for the ferry routes.",
    ) == set()


def test_opposite_trends_of_different_things_are_not_a_tension() -> None:
    """'stable' describes a funding path, 'widening' a gap: no shared subject."""
    assert _pairs(
        "Ilka Berg said that a pooled harbour fund is the only financially stable path for small ferry lines.",
        "The Ridge Institute concludes that small ferry lines lag rivals and that the fare gap is widening.",
    ) == set()


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("Judge Ilse Varga is expected to rule on the ferry remedies by the end of August.",
         "How will Judge Ilse Varga rule on the ferry remedies?"),
        ("The harbour board is expected to decide on the new levy next month.",
         "What will the harbour board decide on the new levy?"),
        ("Kelvin Port has said it will appeal the ruling on fares.", "Will the ruling on fares stand on appeal?"),
    ],
)
def test_a_pending_ruling_or_appeal_is_an_open_question(text: str, question: str) -> None:
    from infomachine.synth.analyze.claims import uncertainty

    assert uncertainty(text) >= 2  # so that the brief considers it
    assert to_question(text) == question


def test_a_decision_whether_to_act_becomes_a_yes_no_question() -> None:
    text = "Delegates meeting in Bergen are expected to decide today whether to accept the new quota plan."
    assert to_question(text) == "Will delegates meeting in Bergen accept the new quota plan?"
