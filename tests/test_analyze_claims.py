"""Cues in claims: open questions made from uncertain clauses, and tensions."""

from __future__ import annotations

import pytest

from infomachine.analyze.actors import attributions, canonical_actors
from infomachine.analyze.claims import find_tensions, to_question
from infomachine.analyze.sentences import Sent


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
    ],
)
def test_no_clean_question_means_none(text: str) -> None:
    assert to_question(text) is None
