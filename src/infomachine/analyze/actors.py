"""Actors and attributions: who says what.

Patterns (over one sentence at a time):

* ``NAME [, appositive,] VERB [that] CLAIM``   "Florian Brand argues that …"
* ``"QUOTE," VERB NAME`` / ``"QUOTE," NAME VERB``  "“…,” said Jensen Huang."
* ``CLAIM, NAME VERB.``                          "…, the judge said."  (named only)
* ``According to NAME, CLAIM``

A NAME is a run of capitalised words (people, organisations); pronouns,
sentence openers and generic nouns are refused.  Affiliations come from
appositives ("X, chief executive of Y,"), possessives ("Y's X", "Y CEO X")
and brackets ("X (Y)").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from infomachine.analyze.sentences import Sent

VERBS = (
    "says|said|argues|argued|concludes|concluded|warns|warned|claims|claimed|contends|contended|"
    "believes|believed|notes|noted|told|tells|adds|added|states|stated|insists|insisted|"
    "maintains|maintained|disputes|disputed|rejects|rejected|denies|denied|acknowledges|"
    "acknowledged|announced|announces|writes|wrote|suggests|suggested|predicts|predicted|"
    "counters|countered|criticized|criticised|criticizes|criticises|estimates|estimated|"
    "reports|reported|explains|explained|declared|declares|cautioned|cautions|testified|"
    "asserts|asserted|admits|admitted|stressed|stresses|emphasized|emphasised|thinks|"
    "agreed|agrees|objected|objects|questioned|questions|challenged|challenges|replied|"
    "responded|described|describes|called|calls|urged|urges|recalled|confirmed|confirms"
)
DISAGREE_VERBS = {
    "disputes", "disputed", "rejects", "rejected", "denies", "denied", "counters",
    "countered", "criticized", "criticised", "criticizes", "criticises", "objected",
    "objects", "questioned", "questions", "challenged", "challenges", "insists", "insisted",
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
}
_TITLES = {
    "CEO", "CTO", "CFO", "Judge", "Professor", "Prof.", "President", "Senator", "Sen.", "Rep.",
    "Dr.", "Mr.", "Mrs.", "Ms.", "Chief", "Minister", "Secretary", "Governor", "Gov.", "Justice",
    "Founder", "Chairman", "Director", "Coach", "Manager", "Spokesperson", "Spokesman", "Mayor",
    "Premier", "Chancellor", "Commissioner", "Ambassador", "General", "Captain", "Sir", "Dame",
}
_NOT_A_CLAIM = re.compile(
    r"^(?:with|during|as|in|on|at|by|for|to|from|after|before|about|of|himself|herself|"
    r"itself|themselves)\b",
    re.IGNORECASE,
)
_GENERIC_LAST = {"Says", "Said", "Report", "Reports", "Statement", "Today"}
_TOK = r"[A-Z][\w'\u2019&.-]*"
NAME = rf"(?:{_TOK}(?:\s+(?:of|de|van|von|al|bin|for|and|the)\s+{_TOK}|\s+{_TOK}){{0,4}})"
_APPOS = r"(?:\s*,\s*(?P<appos>[^,\"\u201c\u201d]{3,90}?)\s*,)?"
_BRACKET = r"(?:\s*\((?P<bracket>[^()]{2,60})\))?"

SUBJECT_VERB = re.compile(
    rf"(?:^|[\s(\"\u201c])(?:the\s+)?(?P<name>{NAME}){_BRACKET}{_APPOS}\s+"
    rf"(?:also\s+|has\s+|have\s+|had\s+|further\s+|previously\s+)?(?P<verb>{VERBS})\b"
    rf"(?:\s+that)?[\s,:]+(?P<claim>.+)$"
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
    rf"(?P<org>{_TOK}(?:\s+{_TOK}){{0,3}})(?:'s|\u2019s)\s+(?:[a-z][\w-]*\s+){{0,3}}(?P<name>{NAME})"
)
_TITLE_BEFORE = re.compile(
    rf"(?P<org>{_TOK}(?:\s+{_TOK}){{0,2}})\s+(?:CEO|CTO|chief executive|founder|spokesperson|"
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


def clean_name(name: str) -> str | None:
    """A plausible actor name, or None (pronouns, openers, generic words)."""
    name = name.strip(" ,.;:'\"\u2019\u201c\u201d")
    name = re.sub(r"(?:'s|\u2019s)$", "", name)
    name = re.split(r"(?:'s|\u2019s)\s+", name)[-1]
    parts = name.split()
    while parts and (parts[0] in _STOP_FIRST or parts[0] in _TITLES or parts[0].endswith("ly")):
        parts = parts[1:]
    if not parts or parts[-1] in _GENERIC_LAST or parts[-1].lower() in {"of", "and", "the", "for"}:
        return None
    name = " ".join(parts)
    if len(name) < 2 or not name[0].isupper() or name.isupper() and len(name) > 12:
        return None
    return name


def _affiliation(appos: str | None, bracket: str | None) -> str | None:
    for text in (appos, bracket):
        if not text:
            continue
        m = _AFFIL.search(text)
        if m:
            return m["org"].strip()
        if text is bracket and text[:1].isupper() and len(text.split()) <= 4:
            return text.strip()
    return None


def attributions(sent: Sent) -> list[Attribution]:
    """Who the sentence attributes a claim to (usually zero or one)."""
    text = sent.text
    found: list[Attribution] = []
    m = QUOTE_VERB.match(text) or TRAILING.match(text)
    if m:
        name = clean_name(m["name1"] or m["name2"] or "")
        verb = m["verb1"] or m["verb2"] or ""
        if name:
            found.append(Attribution(name, sent, verb, m["claim"].strip()))
    m2 = ACCORDING.search(text)
    if m2:
        name = clean_name(m2["name"])
        if name:
            found.append(Attribution(name, sent, "according to", m2["claim"].strip(), _affiliation(m2["appos"], None)))
    if not found:
        m3 = SUBJECT_VERB.search(text)
        if m3:
            name = clean_name(m3["name"])
            claim = m3["claim"].strip()
            if name and len(claim) >= 15 and not _NOT_A_CLAIM.match(claim):
                aff = _affiliation(m3["appos"], m3["bracket"])
                found.append(Attribution(name, sent, m3["verb"], claim, aff))
    return found


def affiliations_in(texts: Iterable[str]) -> dict[str, str]:
    """Name -> organisation from possessives and titles ("Nvidia CEO Jensen Huang")."""
    out: dict[str, str] = {}
    for text in texts:
        for rx in (_TITLE_BEFORE, _POSSESSIVE):
            for m in rx.finditer(text):
                name = clean_name(m["name"])
                org = clean_name(m["org"])
                if name and org and org != name and len(name.split()) >= 2:
                    out.setdefault(name, org)
    return out


def canonical_actors(names: Iterable[str]) -> dict[str, str]:
    """Map each name to its fullest form ("Lambert" -> "Nathan Lambert")."""
    counts = Counter(names)
    full = sorted(counts, key=lambda n: (-len(n.split()), -counts[n], n))
    out: dict[str, str] = {}
    for name in counts:
        out[name] = name
        if len(name.split()) == 1:
            for cand in full:
                if cand != name and cand.split()[-1] == name and len(cand.split()) <= 3:
                    out[name] = cand
                    break
    return out
