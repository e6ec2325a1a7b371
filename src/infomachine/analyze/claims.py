"""Cues in claims: uncertainty (open questions), significance (why it
matters), contrast and disagreement (tensions).

Everything here looks at wording only; the synthesizer combines these cues
with salience.  A tension is two attributed claims by different named
actors that either (a) share one sentence split by a contrast marker, or
(b) talk about the same thing (shared content words) while one side uses a
disagreement verb, a contrast marker or a negation the other lacks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from infomachine.analyze.actors import Attribution, attributions
from infomachine.analyze.sentences import Sent, words

STRONG_UNCERTAINTY = re.compile(
    r"\b(unclear|uncertain|unknown|remains? to be seen|not yet (?:known|clear|decided|"
    r"confirmed|been)|has not been (?:independently )?(?:verified|confirmed|reproduced|announced)|"
    r"unverified|open question|it is not clear|it's not clear|yet to (?:be )?\w+|"
    r"whether or not|no (?:timeline|decision|date) (?:has|have) been|undecided|questions? remains?)\b",
    re.IGNORECASE,
)
WEAK_UNCERTAINTY = re.compile(r"\b(could|might|may|whether|possibly|potentially|if)\b")
QUESTION_WORD = re.compile(r"\b(whether|how|when|why|what|who|which|if)\b", re.IGNORECASE)
SIGNIFICANCE = re.compile(
    r"\b(significant|important|major|first|largest|biggest|strongest|historic|landmark|"
    r"unprecedented|implications?|consequences?|impact|means|matters?|stakes|threat|risks?|"
    r"could reshape|sets? a precedent|signals?|marks?|turning point|boldest|critical|"
    r"because|key|crucial|pivotal|record)\b",
    re.IGNORECASE,
)
CONTRAST = re.compile(
    r"(?:,|;|\u2014|-)\s*(?:but|while|whereas|although|though|however)\b|\bhowever\b|"
    r"\b(?:in contrast|on the other hand|by contrast|instead)\b",
    re.IGNORECASE,
)
NEGATION = re.compile(
    r"\b(not|no|never|n't|cannot|won't|isn't|aren't|wasn't|doesn't|didn't|denies|denied|"
    r"rejects?|rejected|disputes?|disputed|wrong|flawed|false|misleading|overstates?|"
    r"understates?|skeptic\w*|doubts?)\b",
    re.IGNORECASE,
)
_SPLIT_CONTRAST = re.compile(
    r"(?:,|;|\s\u2014|\s-)\s+(?=(?:but|while|whereas|although|though|however)\b)", re.IGNORECASE
)
STOPWORDS = frozenset(
    """a an the and or but if of to in on at by for with from as is are was were be been being
    it its this that these those he she they them his her their we our you your i me my not no
    has have had do does did will would can could may might must should shall than then so such
    there here what which who whom whose when where why how also just more most much many very
    said says say about into over after before up out new one two all any some other only""".split()
)


def content_words(text: str) -> set[str]:
    return {w for w in words(text) if w not in STOPWORDS and len(w) > 2}


def uncertainty(text: str) -> float:
    """0 (none) .. ~3: how strongly the sentence flags something unknown."""
    score = 2.0 * len(STRONG_UNCERTAINTY.findall(text))
    if text.rstrip(" \"'\u201d\u2019").endswith("?"):
        score += 2.0
    score += 0.5 * min(2, len(WEAK_UNCERTAINTY.findall(text)))
    return score


def significance(text: str) -> float:
    return float(min(3, len(SIGNIFICANCE.findall(text))))


def question_span(text: str) -> str:
    """The verbatim part of ``text`` that carries the open question.

    The clause holding the uncertainty cue (split on ; , and dashes) when it
    is long enough to stand alone, else the whole sentence.
    """
    clauses = [c.strip() for c in re.split(r";|\s[\u2014\u2013]\s|,\s(?=but\b|and\b|while\b)", text)]
    for clause in clauses:
        clause = re.sub(r"^(?:and|but|while)\s+", "", clause)
        if (STRONG_UNCERTAINTY.search(clause) or clause.endswith("?")) and len(clause.split()) >= 5:
            return clause
    return text.strip()


@dataclass(frozen=True)
class TensionPair:
    a: Attribution
    b: Attribution
    a_quote: str  # verbatim span of a.sent.text
    b_quote: str
    score: float


def split_contrast(text: str) -> tuple[str, str] | None:
    """Two verbatim halves of a sentence split at its first contrast marker."""
    m = _SPLIT_CONTRAST.search(text)
    if not m:
        return None
    left, right = text[: m.start()].strip(), text[m.end() :].strip()
    right = re.sub(r"^(?:but|while|whereas|although|though|however)\b[,\s]*", "", right, flags=re.I)
    if len(left.split()) < 4 or len(right.split()) < 4:
        return None
    return left, right


def _polar(att: Attribution) -> bool:
    return att.disagrees or bool(NEGATION.search(att.claim)) or bool(CONTRAST.search(att.sent.text))


def find_tensions(atts: list[Attribution], canon: dict[str, str]) -> list[TensionPair]:
    """Conflicting claims between two different named actors, best first."""
    pairs: list[TensionPair] = []
    for i, a in enumerate(atts):
        for b in atts[i + 1 :]:
            actor_a, actor_b = canon.get(a.actor, a.actor), canon.get(b.actor, b.actor)
            if actor_a == actor_b:
                continue
            if a.sent == b.sent:
                halves = split_contrast(a.sent.text)
                if halves:
                    pairs.append(TensionPair(a, b, halves[0], halves[1], 3.0))
                continue
            shared = content_words(a.claim) & content_words(b.claim)
            if len(shared) < 2:
                continue
            pa, pb = _polar(a), _polar(b)
            mentions = actor_a.split()[-1] in b.sent.text or actor_b.split()[-1] in a.sent.text
            if pa == pb and not (mentions and (a.disagrees or b.disagrees)):
                continue
            score = len(shared) / 4 + (1.5 if mentions else 0) + (1 if a.disagrees or b.disagrees else 0)
            if a.sent.item != b.sent.item:
                score += 0.5
            pairs.append(TensionPair(a, b, a.sent.text, b.sent.text, score))
    pairs.sort(key=lambda p: (-p.score, p.a.sent.item, p.a.sent.index, p.b.sent.item, p.b.sent.index))
    return pairs


def contrast_tensions(sents: list[Sent], canon: dict[str, str] | None = None) -> list[TensionPair]:
    """One sentence, two actors: "X says A, but Y disputes B" split in two."""
    out: list[TensionPair] = []
    for sent in sents:
        halves = split_contrast(sent.text)
        if not halves:
            continue
        left = attributions(replace(sent, text=halves[0]))
        right = attributions(replace(sent, text=halves[1]))
        if not left or not right:
            continue
        a, b = left[0], right[0]
        names = canon or {}
        if names.get(a.actor, a.actor) == names.get(b.actor, b.actor):
            continue
        out.append(TensionPair(replace(a, sent=sent), replace(b, sent=sent), halves[0], halves[1], 3.0))
    return out
