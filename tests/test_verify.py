from __future__ import annotations

from infomachine.models import (
    Brief,
    BriefStory,
    Evidence,
    OpenQuestion,
    Perspective,
    Sentence,
    SourceRef,
    What,
)
from infomachine.synth.verify import SourceTexts, check_sentence, verify_brief

SOURCE = (
    "The port authority said on Friday that both container terminals would stay closed until "
    "Monday. Inspectors found cracks in two of the eleven cranes."
)
TEXTS = SourceTexts({1: SOURCE, 2: "Short"})


def s(text: str, quote: str, n: int = 1) -> Sentence:
    return Sentence(text=text, cites=[n], evidence=[Evidence(n=n, quote=quote)])


def test_a_sentence_backed_by_its_quote_passes() -> None:
    quote = "Inspectors found cracks in two of the eleven cranes."
    assert check_sentence(s(quote, quote), TEXTS) is None
    # Typography and case are folded.
    assert check_sentence(s("Inspectors found cracks in two cranes.", "INSPECTORS found cracks in two"), TEXTS) is None
    # A quote shorter than 12 characters counts only when it is the whole source.
    assert check_sentence(s("Short.", "Short", 2), TEXTS) is None


def test_unsupported_sentences_are_refused() -> None:
    assert "no citation" in (check_sentence(Sentence(text="Anything."), TEXTS) or "")
    assert "not a source" in (check_sentence(s("Cranes cracked.", "found cracks in two", 9), TEXTS) or "")
    assert "not found" in (check_sentence(s("Cranes cracked.", "cracks in all eleven cranes"), TEXTS) or "")
    # An empty quote never supports anything, even against an empty source.
    assert check_sentence(s("Aliens landed in Paris.", ""), SourceTexts({1: ""})) is not None
    # A real quote that does not say what the sentence says.
    unrelated = s("The minister admitted the whole plan has collapsed.", "The port authority said on Friday")
    assert "content words" in (check_sentence(unrelated, TEXTS) or "")
    # A number the evidence does not contain.
    wrong_number = s("Inspectors found cracks in nine of the eleven cranes, 9 in all.",
                     "Inspectors found cracks in two of the eleven cranes.")
    assert "number 9" in (check_sentence(wrong_number, TEXTS) or "")
    # A negation the evidence does not carry (or drops one it does).
    flipped = s("The terminals would not stay closed until Monday.", "both container terminals would stay closed until Monday")
    assert "negation" in (check_sentence(flipped, TEXTS) or "")


def test_verify_brief_drops_unsupported_and_empty_containers() -> None:
    good = s("Both terminals stay closed until Monday.", "both container terminals would stay closed until Monday")
    bad = s("The port will be privatised.", "The port authority said")
    brief = Brief(
        story=BriefStory(id="s", slug="s", title="Port"),
        what=What(summary=[good], bullets=[bad]),
        open_questions=[OpenQuestion(question="Will it be sold?", context=[bad])],
        perspectives=[Perspective(actor="Port authority", stance=[bad])],
        sources=[SourceRef(n=1, item_id="i1", title="Port")],
    )
    report = verify_brief(brief, {1: SOURCE})
    assert [x.text for x in brief.what.summary] == [good.text]
    assert brief.what.bullets == [] and brief.open_questions == [] and brief.perspectives == []
    assert report.dropped == 3 and report.kept == 1 and brief.dropped_sentences == 3
