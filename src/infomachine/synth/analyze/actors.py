"""Actors and attributions: who says what.

Patterns (over one sentence at a time):

* ``NAME [, appositive,] VERB [that] CLAIM``   "Florian Brand argues that …"
* ``"QUOTE," VERB NAME`` / ``"QUOTE," NAME VERB``  "“…,” said Jensen Huang."
* ``CLAIM, NAME VERB.``                          "…, the judge said."  (named only)
* ``According to NAME, CLAIM``
* ``NAME VERB … , arguing that CLAIM``            "Google countered …, arguing that …"

Advocacy verbs ("urged", "pushed for", "sought", "proposed") take a position
as their claim ("the DOJ urged the sale of AdX"); the tension finder reads
them as support for that measure.

A NAME is a run of capitalised words (people, organisations); pronouns,
sentence openers and generic nouns are refused.  Affiliations come from
appositives ("X, chief executive of Y,"), possessives ("Y's X", "Y CEO X")
and brackets ("X (Y)").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from infomachine.synth.analyze.sentences import Sent

# Advocacy first: "called for" must win over "called" in the alternation.
ADVOCACY = (
    r"call(?:s|ed)\s+for|push(?:es|ed)(?:\s+(?:\w+ly|hard|again))?\s+for|"
    r"press(?:es|ed)(?:\s+(?:\w+ly|hard|again))?\s+for|"
    r"ask(?:s|ed)\s+for|urg(?:es|ed)|sought|seeks|demand(?:s|ed)|propos(?:es|ed)|want(?:s|ed)"
)
_ADVOCACY = re.compile(rf"^(?:{ADVOCACY})$", re.IGNORECASE)
VERBS = (
    ADVOCACY + "|says|said|argues|argued|concludes|concluded|warns|warned|claims|claimed|contends|contended|"
    "believes|believed|notes|noted|told|tells|adds|added|states|stated|insists|insisted|"
    "maintains|maintained|disputes|disputed|rejects|rejected|denies|denied|acknowledges|"
    "acknowledged|announced|announces|writes|wrote|suggests|suggested|predicts|predicted|"
    "counters|countered|criticized|criticised|criticizes|criticises|estimates|estimated|"
    "reports|reported|explains|explained|declared|declares|cautioned|cautions|testified|"
    "asserts|asserted|admits|admitted|stressed|stresses|emphasized|emphasised|thinks|"
    "agreed|agrees|objected|objects|questioned|questions|challenged|challenges|replied|"
    "responded|described|describes|called|calls|recalled|confirmed|confirms|"
    "disagrees|disagreed|accepts|accepted|holds that|held that"
)
DISAGREE_VERBS = {
    "disputes", "disputed", "rejects", "rejected", "denies", "denied", "counters",
    "countered", "criticized", "criticised", "criticizes", "criticises", "objected",
    "objects", "questioned", "questions", "challenged", "challenges",
    "disagrees", "disagreed",
}
# Verbs that also name an act ("declared a state of emergency", "announced the
# deployment"): an attribution only with "that" or a quote, not with an object.
_ACT_VERBS = {
    "declared", "declares", "announced", "announces", "called", "calls", "described",
    "describes", "confirmed", "confirms", "reported", "reports", "questioned", "questions",
    "challenged", "challenges", "accepts", "accepted",
}
_TRAILING_TAIL = re.compile(r"^(?!\s+that\b)(?:\s+[^\s.]+){0,5}\s*[.!?][\"\u201d]?$")
_CLAUSE_START = re.compile(r"^(?:may|might|could|would|will|can|is|are|was|were|has|have|had)\b")
_SUBORDINATORS = {"while", "although", "though", "if", "because", "as", "when", "whereas", "since", "after",
                  "before", "unless"}
_PREPOSITIONS = {"in", "on", "at", "from", "of", "for", "with", "by", "to", "into", "across", "near",
                 "that", "which"}
_OBJECT_START = re.compile(r"^(?:a|an|the|its|his|her|their|our|this|these|that|those)\s", re.IGNORECASE)
# Words that make a capitalised run an organisation (or place), not a person.
ORG_WORDS = {
    "AI", "Inc", "Inc.", "Corp", "Corp.", "Ltd", "LLC", "Labs", "Lab", "Association", "Ministry",
    "Bank", "Council", "Agency", "University", "Institute", "Center", "Centre", "Department",
    "Court", "Service", "Office", "Group", "Fund", "Survey", "Commission", "Committee",
    "Authority", "Union", "Party", "Company", "Foundation", "Together", "Times", "News", "Post",
    "Journal", "Review", "Network", "Systems", "Technologies", "Capital", "Partners", "Board",
    "Government", "Administration", "Parliament", "Congress", "Senate", "House", "Police",
    "Army", "Navy", "Trust", "Society", "College", "School", "Hospital", "Club", "League",
    "Federation", "Organization", "Organisation", "Alliance", "Coalition", "Project", "Team",
    "Research", "Media", "Press", "Wire", "Index", "Guild", "Exchange", "Reserve", "Treasury",
}
_STOP_FIRST = {
    "The", "This", "That", "These", "Those", "It", "He", "She", "They", "We", "I", "You",
    "His", "Her", "Their", "Its", "Our", "But", "And", "Or", "However", "While", "When",
    "If", "As", "In", "On", "At", "For", "With", "After", "Before", "Also", "A", "An",
    "Some", "Many", "Most", "Others", "Critics", "Officials", "Experts", "Analysts",
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
    "According", "There", "Here", "What", "Who", "Why", "How", "Then", "Now", "Still",
    "Yet", "So", "Meanwhile", "One", "Another", "Both", "Each", "Every", "No", "Not",
    "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December", "Today", "Yesterday", "Mr", "Mrs", "Ms",
    "Authorities", "Police", "Researchers", "Scientists", "Residents", "Users",
    "Although", "Though", "Because", "Since", "Unlike", "Despite", "Under", "Like", "Until", "Even",
    "Your", "My", "Whether", "Where", "Once", "Whereas", "Amid", "Following", "Instead",
    # sentence adverbs and determiners glued to a name ("Afterwards Obama", "Neither Rihanna")
    "Afterwards", "Afterward", "Later", "Earlier", "Separately", "Neither", "Nor", "Either", "Other",
    "Asked", "Speaking", "Last", "Next", "Few", "Several", "Such", "Among", "Besides", "Otherwise",
}
# Capitalised words that are things, not actors (a sentence-initial common word is
# caught by ``not_actors`` from the story's own text).
_THINGS = {
    "API", "APIs", "AI", "GPU", "GPUs", "CPU", "LLM", "LLMs", "SDK", "URL", "App", "Evidence", "Data",
    "Sources", "Reports", "Documents", "Figures", "Polls", "Studies", "Research", "Analysis",
}
# A name holding one of these is a news outlet, not an actor ("The Verge", "RMC Sport").
OUTLET_WORDS = {
    "Times", "News", "Post", "Journal", "Press", "Wire", "Media", "Tribune", "Herald", "Guardian",
    "Telegraph", "Register", "Verge", "Reuters", "AFP", "AP", "Bloomberg", "BBC", "CNN", "Sport",
    "Sports", "Radio", "TV", "Magazine", "Gazette", "Chronicle", "Observer", "Independent", "Report",
    "Newsletter", "Blog", "Insider", "Plus", "Fortune", "Axios", "Politico", "Golazo", "Daily",
}
_TITLES = {
    "CEO", "CTO", "CFO", "Judge", "Professor", "Prof.", "President", "Senator", "Sen.", "Rep.",
    "Dr.", "Mr.", "Mrs.", "Ms.", "Chief", "Minister", "Secretary", "Governor", "Gov.", "Justice",
    "Founder", "Chairman", "Director", "Coach", "Manager", "Spokesperson", "Spokesman", "Mayor",
    "Premier", "Chancellor", "Commissioner", "Ambassador", "General", "Captain", "Sir", "Dame",
    "Attorney", "Lawyer", "Speaker", "Leader", "Spokeswoman", "Congressman", "Congresswoman",
    "Former", "Vice", "Vice-president", "Vice-President", "Deputy", "Acting", "Interim",
}
# A descriptor stands for a person the sentence (or the story) names: "the Ohio Republican
# said", "the Labour leader said".  A place or party word may precede the head.
DESCRIPTOR_HEADS = {
    "Republican", "Democrat", "Conservative", "Liberal", "Socialist", "Tory", "Centrist",
    "Republicans", "Democrats", "Conservatives", "Liberals", "Socialists", "Tories",
    "Speaker", "Senator", "Congressman", "Congresswoman", "Lawmaker", "Leader", "Chairman",
    "Chairwoman", "President", "Minister", "Premier", "Spokesman", "Spokeswoman", "Spokesperson",
    "Veteran", "Incumbent", "Challenger", "Nominee", "Candidate", "Frontrunner", "Legislator",
}
_NOT_A_CLAIM = re.compile(
    r"^(?:with|during|as|in|on|at|by|for|to|from|after|before|about|of|how|himself|herself|"
    r"itself|themselves)\b",
    re.IGNORECASE,
)
_GENERIC_LAST = {
    "Says", "Said", "Report", "Reports", "Statement", "Today", "Claim", "Claims", "Study",
    "Result", "Results", "Data", "Analysis", "Paper", "Evaluation", "Assessment", "Benchmark",
    "Benchmarks", "Reporting", "Article", "Figures", "Numbers", "Estimate",
}
NAME_TOKEN = r"[A-Z][\w'\u2019&.-]*"
NAME = rf"(?:{NAME_TOKEN}(?:\s+(?:of|de|van|von|al|bin|for|and|the)\s+{NAME_TOKEN}|\s+{NAME_TOKEN}){{0,4}})"
_APPOS = r"(?:\s*,\s*(?P<appos>[^,\"\u201c\u201d]{3,90}?)\s*,)?"
_BRACKET = r"(?:\s*\((?P<bracket>[^()]{2,60})\))?"
# "The DOJ and several states urged ...": the named actor speaks for the group
_AND_OTHERS = r"(?:\s+and\s+(?:several|other|some|many|two|three|four|five|\d+)(?:\s+[a-z]+){1,2})?"
# "Google countered with X, arguing that CLAIM": the claim is the participle's
_PARTICIPLE = re.compile(
    r",\s+(?:arguing|saying|insisting|contending|warning|claiming|noting)\s+(?:that\s+)?(?P<claim>.{15,})$"
)

SUBJECT_VERB = re.compile(
    rf"(?:^|[\s(\"\u201c])(?:the\s+)?(?P<name>{NAME}){_BRACKET}{_APPOS}{_AND_OTHERS}\s+"
    rf"(?:also\s+|has\s+|have\s+|had\s+|further\s+|previously\s+|now\s+|still\s+)?(?P<verb>{VERBS})\b"
    rf"(?:\s+(?:in part|partly|strongly))?(?:\s+that)?[\s,:]+(?P<claim>.+)$"
)
QUOTE_VERB = re.compile(
    rf"^(?P<claim>[\"\u201c].+?[,.!?]?[\"\u201d]),?\s+(?:(?P<verb1>{VERBS})\s+(?:the\s+)?(?P<name1>{NAME})"
    rf"|(?:the\s+)?(?P<name2>{NAME})\s+(?P<verb2>{VERBS}))\b"
)
TRAILING = re.compile(
    rf"^(?P<claim>.{{20,}}?),\s+(?:(?P<verb1>{VERBS})\s+(?:the\s+)?(?P<name1>{NAME})"
    rf"|(?:the\s+)?(?P<name2>{NAME})\s+(?P<verb2>{VERBS}))\b[^.]*[.!?][\"\u201d]?$"
)
ACCORDING = re.compile(rf"\bAccording to (?:the\s+)?(?P<name>{NAME}){_APPOS}\s*,?\s+(?P<claim>.+)$")
_AFFIL = re.compile(
    r"(?:(?:chief|head|director|president|founder|co-founder|ceo|cto|professor|researcher|"
    r"spokesperson|spokesman|spokeswoman|analyst|minister|secretary|chair(?:man|woman)?|"
    r"lawyer|attorney|editor|author|economist|scientist|engineer|executive|partner|fellow|"
    r"member|leader|official|judge)[^,]*?\s+(?:of|at|for)\s+(?:the\s+)?)(?P<org>[A-Z][\w&.'\u2019-]*"
    r"(?:\s+[A-Z][\w&.'\u2019-]*){0,4})",
    re.IGNORECASE,
)
_POSSESSIVE = re.compile(
    rf"(?P<org>{NAME_TOKEN}(?:\s+{NAME_TOKEN}){{0,3}})(?:'s|\u2019s)\s+(?:[a-z][\w-]*\s+){{0,3}}(?P<name>{NAME})"
)
_TITLE_BEFORE = re.compile(
    rf"(?P<org>{NAME_TOKEN}(?:\s+{NAME_TOKEN}){{0,2}})\s+(?:CEO|CTO|chief executive|founder|spokesperson|"
    rf"spokesman|spokeswoman|president|chairman|researcher|analyst)\s+(?P<name>{NAME})"
)


@dataclass(frozen=True)
class Attribution:
    """``actor`` says ``claim`` (a verbatim span of ``sent.text``)."""

    actor: str
    sent: Sent
    verb: str
    claim: str
    affiliation: str | None = None

    @property
    def disagrees(self) -> bool:
        return self.verb.lower() in DISAGREE_VERBS

    @property
    def advocates(self) -> bool:
        """The claim is a measure the actor wants ("urged an order forcing the sale")."""
        return bool(_ADVOCACY.match(self.verb))


def _strip_title(parts: list[str]) -> list[str]:
    """ "U.S. District Judge Amit Mehta" -> "Amit Mehta", "Liberian President Charles Taylor"
    -> "Charles Taylor": a personal name after a title word loses everything up to the title."""
    if parts and parts[-1] in ORG_WORDS:
        return parts  # "Justice Department", "General Motors Group": part of the name
    at = max((k for k, p in enumerate(parts[:-1]) if p in _TITLES), default=-1)
    rest = parts[at + 1 :]
    if at >= 0 and rest and (is_person(" ".join(rest)) or len(rest) == 1):
        return rest
    return parts


def is_descriptor(name: str) -> bool:
    """ "Ohio Republican", "Democrats", "Labour Leader": a description of a person or a
    group (a party's members), not a name."""
    parts = name.split()
    return bool(parts) and len(parts) <= 3 and parts[-1] in DESCRIPTOR_HEADS


def joint_name(name: str) -> bool:
    """ "Cameron and Medvedev", "US and Russia": two actors speaking together, not one name
    ("Bank of Trade and Industry" keeps its organisation word)."""
    parts = name.split()
    if "and" not in parts or parts[-1] in ORG_WORDS:
        return False
    k = parts.index("and")
    if any(p.islower() for p in parts[:k]):
        return False  # "Ministry of Trade and Industry"
    return 1 <= k <= 3 and 1 <= len(parts) - k - 1 <= 3


def clean_name(name: str) -> str | None:
    """A plausible actor name, or None (pronouns, openers, generic words, two names joined
    by "and", a descriptor such as "Ohio Republican")."""
    name = name.strip(" ,.;:'\"\u2019\u201c\u201d").rstrip("\u00e2\u20ac\u2122\u0080\u0099")  # mojibake tail
    name = re.sub(r"(?:'s|\u2019s)$", "", name)
    name = re.split(r"(?:'s|\u2019s)\s+", name)[-1]
    if joint_name(name):
        return None
    parts = name.split()
    while parts and (parts[0] in _STOP_FIRST or parts[0] in _TITLES or parts[0].endswith("ly")):
        if parts[0] in _TITLES and len(parts) > 1 and parts[-1] in ORG_WORDS:
            break  # "Justice Department", "General Motors Group": part of the name
        parts = parts[1:]
    parts = _strip_title(parts)
    if not parts or parts[-1] in _GENERIC_LAST or parts[-1].lower() in {"of", "and", "the", "for"}:
        return None
    if len(parts) == 1 and parts[0] in _THINGS:
        return None
    if len(parts) >= 3 and parts[0].endswith("er") and is_person(" ".join(parts[1:])):
        parts = parts[1:]  # "Googler Tim Craycroft"
    name = " ".join(parts)
    if len(name) < 2 or not name[0].isupper() or name.isupper() and len(name) > 12 or is_descriptor(name):
        return None
    return name


def _affiliation(appos: str | None, bracket: str | None) -> str | None:
    for text in (appos, bracket):
        if not text:
            continue
        m = _AFFIL.search(text)
        if m:
            return m["org"].strip()
        m = re.search(r"\b(?:the\s+)?(?P<org>[A-Z][\w&.-]*(?:\s+[A-Z][\w&.-]*){0,3})(?:'s|\u2019s)\s", text)
        if m and text is appos:
            return m["org"].strip()
        if text is bracket and text[:1].isupper() and len(text.split()) <= 4:
            return text.strip()
    return None


def is_person(name: str) -> bool:
    """Looks like a personal name: 2-4 capitalised words, no organisation word."""
    parts = name.split()
    if not 2 <= len(parts) <= 4 or any(p in ORG_WORDS for p in parts):
        return False
    return all(re.fullmatch(r"(?:Mc|Mac|De|Di|Le|La|O'|O\u2019)?[A-Z][a-z\u00e0-\u00ff'\u2019-]+\.?|[A-Z]\.", p) for p in parts)


def split_affiliation(name: str) -> tuple[str, str | None]:
    """ "Nathan Lambert of Ai2" -> ("Nathan Lambert", "Ai2"); "Bank of Norland" unchanged."""
    m = re.match(r"^(?P<person>.+?)\s+(?:of|at|from|for)\s+(?:the\s+)?(?P<org>[A-Z].*)$", name)
    if m and is_person(m["person"]):
        return m["person"], m["org"]
    return name, None


_COORDINATED = re.compile(r"\b[A-Z][\w'\u2019.-]*,?\s+and\s+(?:the\s+)?(?:[A-Za-z.-]+\s+){0,4}$")
_NAMED = re.compile(rf"(?<![\w'\u2019])(?P<name>{NAME_TOKEN}(?:\s+{NAME_TOKEN}){{0,3}})(?P<poss>\s?(?:'s|\u2019s)(?!\w))?")


def _descriptor_referent(raw: str, text: str) -> str | None:
    """The one person a descriptor subject stands for ("After Boehner's resignation, the
    Ohio Republican said ..." -> "Boehner"): a possessive name in the sentence first, then a
    personal name, then any other single name; None when there is no single candidate."""
    tiers: list[set[str]] = [set(), set(), set()]
    if raw.split()[-1].endswith("s"):
        return None  # "Republicans said": a group, not one person
    at = text.find(raw)
    for m in _NAMED.finditer(text):
        if raw in m["name"] or m.start() > at >= 0:
            continue  # the person named before the descriptor
        possessive = bool(m["poss"] or re.search(r"(?:'s|\u2019s)$", m["name"]))
        name = clean_name(m["name"])
        if not name or any(p in ORG_WORDS or p in OUTLET_WORDS for p in name.split()) or name in _THINGS:
            continue
        tiers[0 if possessive else 1 if is_person(name) else 2].add(name)
    for tier in tiers:
        if tier:
            return tier.pop() if len(tier) == 1 else None
    return None


def _name_of(raw: str, text: str) -> str | None:
    """``raw``'s actor name; a descriptor ("the Ohio Republican") resolves to the person
    the sentence names, if it names just one."""
    name = clean_name(raw)
    if name:
        return name
    bare = " ".join(p for p in raw.strip(" ,.;:").split() if p not in _STOP_FIRST)
    return _descriptor_referent(raw, text) if is_descriptor(bare) else None


def _make(name: str | None, sent: Sent, verb: str, claim: str, aff: str | None) -> Attribution | None:
    if not name:
        return None
    person, org = split_affiliation(name)
    return Attribution(person, sent, verb, claim, aff or org)


def _is_act(verb: str, claim: str, text: str) -> bool:
    """ "Hawaii declared a state of emergency": an act, not a claim."""
    if verb.lower() not in _ACT_VERBS:
        return False
    return bool(_OBJECT_START.match(claim)) and not re.search(rf"\b{verb}\s+that\b", text)


def attributions(sent: Sent) -> list[Attribution]:
    """Who the sentence attributes a claim to (usually zero or one)."""
    text = sent.text
    found: list[Attribution] = []
    m = QUOTE_VERB.match(text) or TRAILING.match(text)
    if m and m.re is TRAILING and not _TRAILING_TAIL.match(text[m.end("verb1") if m["verb1"] else m.end("verb2"):]):
        m = None  # "In its earlier analysis, Epoch AI estimated that ...": the claim follows
    if m:
        verb = m["verb1"] or m["verb2"] or ""
        att = _make(_name_of(m["name1"] or m["name2"] or "", text), sent, verb, m["claim"].strip(), None)
        if att:
            found.append(att)
    m2 = ACCORDING.search(text)
    if m2:
        att = _make(clean_name(m2["name"]), sent, "according to", m2["claim"].strip(),
                    _affiliation(m2["appos"], None))
        if att:
            found.append(att)
    if not found:
        m3 = SUBJECT_VERB.search(text)
        if m3:
            name = _name_of(m3["name"], text)
            appos_name = clean_name(m3["appos"] or "")
            if appos_name and is_person(appos_name) and appos_name == (m3["appos"] or "").strip():
                name = appos_name  # "The speaker of the House, John Boehner, has warned ...": the person
            claim = m3["claim"].strip()
            before = text[: m3.start("name")].split()
            # "in Kamchatka reported", "the gap that CAISI reports may ...": not the subject
            governed = bool(before) and before[-1].lower() in _PREPOSITIONS or bool(_CLAUSE_START.match(claim))
            # "both A and Senate leader B have rejected ...": a joint subject, not B's own claim
            governed = governed or bool(_COORDINATED.search(text[: m3.start("name")]))
            if before and before[-1].lower() in _SUBORDINATORS:
                claim = re.split(r"\s?,\s", claim, maxsplit=1)[0]  # "while X denies A, B ...": A only
            participle = _PARTICIPLE.search(claim) if _NOT_A_CLAIM.match(claim) else None
            if participle:
                claim = participle["claim"].strip()
            if (name and len(claim) >= 15 and not _NOT_A_CLAIM.match(claim) and not governed
                    and not _is_act(m3["verb"], claim, text)):
                att = _make(name, sent, m3["verb"], claim, _affiliation(m3["appos"], m3["bracket"]))
                if att:
                    found.append(att)
    return found


def affiliations_in(texts: Iterable[str]) -> dict[str, str]:
    """Name -> organisation from possessives and titles ("Nvidia CEO Jensen Huang")."""
    out: dict[str, str] = {}
    for text in texts:
        for rx in (_TITLE_BEFORE, _POSSESSIVE):
            for m in rx.finditer(text):
                name = clean_name(m["name"])
                org = clean_name(m["org"])
                if org and re.fullmatch(r"[A-Z][a-z]+(?:ian|ese|ish|ean|ican)", org):
                    continue  # "Brazilian President X": a nationality, not an organisation
                if name and org and org != name and len(name.split()) >= 2:
                    out.setdefault(name, org)
    return out


