from infomachine.analyze.actors import affiliations_in, attributions, canonical_actors, clean_name
from infomachine.analyze.claims import contrast_tensions, find_tensions, question_span, uncertainty
from infomachine.analyze.sentences import Sent


def sent(text: str, item: int = 0, index: int = 0) -> Sent:
    return Sent(item, index, text, 0, len(text))


def first(text: str) -> tuple[str, str, str]:
    a = attributions(sent(text))[0]
    return a.actor, a.verb, a.claim


def test_subject_verb_that() -> None:
    actor, verb, claim = first("Marta Okonkwo argues that the levy will raise rents in the old town.")
    assert (actor, verb) == ("Marta Okonkwo", "argues")
    assert claim == "the levy will raise rents in the old town."


def test_appositive_gives_affiliation() -> None:
    a = attributions(sent("Tomas Reyes, chief economist at Harbor Bank, warned that exports would slow sharply."))[0]
    assert a.actor == "Tomas Reyes"
    assert a.affiliation == "Harbor Bank"


def test_quote_then_speaker() -> None:
    assert first("\u201cWe will not sign this deal,\u201d said Lena Fischer on Tuesday.")[:2] == ("Lena Fischer", "said")
    assert first('"The numbers do not add up," the Port Authority said.')[0] == "Port Authority"


def test_according_to() -> None:
    assert first("According to the Tidewater Institute, water levels rose by a metre.")[0] == "Tidewater Institute"


def test_pronouns_and_generic_subjects_are_not_actors() -> None:
    assert attributions(sent("He said that the plan was sound and would pass.")) == []
    assert attributions(sent("Officials said the bridge would reopen within a fortnight.")) == []
    assert clean_name("CEO Dana Whitfield") == "Dana Whitfield"


def test_affiliations_and_canonical_names() -> None:
    assert affiliations_in(["Kestrel Labs CEO Dana Whitfield spoke first."]) == {"Dana Whitfield": "Kestrel Labs"}
    assert canonical_actors(["Okonkwo", "Marta Okonkwo"])["Okonkwo"] == "Marta Okonkwo"


def test_tension_from_disagreement_verbs() -> None:
    a = attributions(sent("Marta Okonkwo argues that the rent levy will push tenants out of the old town.", 0))
    b = attributions(sent("Pieter Vos rejects the claim that the rent levy will push tenants out.", 1))
    pairs = find_tensions(a + b, {})
    assert pairs and {pairs[0].a.actor, pairs[0].b.actor} == {"Marta Okonkwo", "Pieter Vos"}


def test_tension_within_one_sentence() -> None:
    s = sent("Marta Okonkwo said the levy is fair, but Pieter Vos argued that it punishes small landlords.")
    pairs = contrast_tensions([s])
    assert len(pairs) == 1
    assert pairs[0].a_quote == "Marta Okonkwo said the levy is fair"
    assert pairs[0].b_quote == "Pieter Vos argued that it punishes small landlords."


def test_uncertainty_cues_and_question_span() -> None:
    assert uncertainty("It remains unclear whether the council will appeal.") >= 2
    assert uncertainty("Will the council appeal?") >= 2
    assert uncertainty("The council approved the plan.") == 0
    text = "The plan passed; whether the courts will allow it remains to be seen."
    assert question_span(text) == "whether the courts will allow it remains to be seen."
