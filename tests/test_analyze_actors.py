from infomachine.synth.analyze.actors import affiliations_in, attributions, clean_name
from infomachine.synth.analyze.claims import (
    contrast_tensions,
    find_tensions,
    uncertainty,
)
from infomachine.synth.analyze.names import canonical_actors
from infomachine.synth.analyze.sentences import Sent


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


def test_uncertainty_cues() -> None:
    assert uncertainty("It remains unclear whether the council will appeal.") >= 2
    assert uncertainty("Will the council appeal?") >= 2
    assert uncertainty("The council approved the plan.") == 0


def test_x_of_y_is_person_with_affiliation() -> None:
    a = attributions(sent("Mira Castell of Northwind Labs argues that rent caps will cut new building."))[0]
    assert (a.actor, a.affiliation) == ("Mira Castell", "Northwind Labs")
    b = attributions(sent("The Bank of Ostria says that it will keep rates on hold for longer."))[0]
    assert (b.actor, b.affiliation) == ("Bank of Ostria", None)
    c = attributions(sent("Mira Castell (Northwind Labs) says the cap is too blunt to help tenants."))[0]
    assert (c.actor, c.affiliation) == ("Mira Castell", "Northwind Labs")


def test_surname_resolves_to_full_name_seen_in_story() -> None:
    texts = ["U.S. District Judge Orla Penhallow heard final arguments on Friday."]
    canon = canonical_actors(["Penhallow", "Dario Venn"], texts)
    assert canon["Penhallow"] == "Orla Penhallow"
    # two people share the surname: leave it alone rather than guess
    canon = canonical_actors(["Venn", "Dario Venn", "Alma Venn"])
    assert canon["Venn"] == "Venn"


def test_acts_and_generic_subjects_are_not_actors() -> None:
    assert attributions(sent("Ostria has declared a state of emergency, with troops on standby.")) == []
    assert attributions(sent("The claim supports Mira Castell's argument that caps change supply.")) == []
    # "declared that" is still a claim
    assert attributions(sent("Ostria declared that the port would stay closed until Monday."))[0].actor == "Ostria"


def test_partial_disagreement_is_attributed() -> None:
    a = attributions(sent("Dario Venn disagrees in part: he accepts the data but holds that the lead is real."))[0]
    assert a.actor == "Dario Venn" and a.disagrees


def test_place_after_preposition_and_demonym_prefix() -> None:
    assert attributions(sent("Local authorities in Ostria reported damage to the harbour and roads.")) == []
    assert clean_name("Kestreler Dana Whitfield") == "Dana Whitfield"
    canon = canonical_actors(["U.S. Weather Service", "US Weather Service", "U.S. Weather Service"])
    assert canon["US Weather Service"] == "U.S. Weather Service"


def test_one_person_never_in_tension_with_itself() -> None:
    a = attributions(sent("Dario Venn of Ai7 argues that the rent levy will not push tenants out.", 0))
    b = attributions(sent("Venn says that the rent levy will push tenants out of the old town.", 1))
    atts = a + b
    canon = canonical_actors([x.actor for x in atts])
    assert find_tensions(atts, canon) == []


def test_advocacy_verbs_and_participle_claims() -> None:
    actor, verb, claim = first("Senator Ada Lind called for a ban on night flights over the bay.")
    assert (actor, verb, claim) == ("Ada Lind", "called for", "a ban on night flights over the bay.")
    assert attributions(sent("Senator Ada Lind called for a ban on night flights."))[0].advocates
    assert first("The Harbour Authority has pushed hard for divestitures of the ferry arm.")[:2] == (
        "Harbour Authority", "pushed hard for")
    actor, verb, claim = first("Kelvin Port, meanwhile, countered with fare caps, arguing that a sale would harm services.")
    assert (actor, verb, claim) == ("Kelvin Port", "countered", "a sale would harm services.")
    assert first("The Justice Department and several states urged a sale of the exchange.")[0] == "Justice Department"
    assert not attributions(sent("The mayor called the decision a disgrace."))
