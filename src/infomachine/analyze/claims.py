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


# --------------------------------------------------------------------------- open questions

_UNSURE = r"(?:unclear|uncertain|unknown|not (?:yet |entirely )?(?:clear|known|decided)|an open question|to be seen)"
_WH = r"(?:whether(?: or not)?|if|how|when|why|what|who|which|where)"
# "it is unclear whether A" / "it remains to be seen how A"
_UNSURE_THEN_WH = re.compile(
    rf"\b(?:is|remains?|was|are)\s+(?:still\s+)?{_UNSURE}\s+(?P<q>{_WH}\b.+)$", re.IGNORECASE
)
# "whether A is uncertain" / "how A remains to be seen"
_WH_THEN_UNSURE = re.compile(
    rf"(?:^|[,;:]\s+|\band\s+)(?P<q>{_WH}\b.+?)\s+(?:is|remains?|are)\s+(?:still\s+)?{_UNSURE}",
    re.IGNORECASE,
)
_AUX = {"will", "would", "can", "could", "should", "may", "might", "must", "is", "are", "was",
        "were", "has", "have", "had"}
_DET = {"the", "a", "an", "its", "this", "these", "those", "their", "his", "her", "either", "any",
        "each", "such", "our", "some"}
_TAIL = re.compile(r",\s+(?:where|which|who|as|after|because|since|although|though|but|and no|with)\b.*$")
_RHETORICAL = re.compile(r"^(?:so\b|what if\b|and\b|but\b)|\byou\b|\bwe\b", re.IGNORECASE)


def _invert(words_: list[str]) -> str | None:
    """ "the court will rule" -> "will the court rule" (aux moved before the subject)."""
    for k, w in enumerate(words_[:8]):
        if "," in w:
            break
        if w.lower() in _AUX and k >= 1:
            return " ".join([w.lower(), *words_[:k], *words_[k + 1 :]])
    # do-support for a plural subject and a bare verb: "these gains help" -> "do these gains help"
    for k, w in enumerate(words_[1:6], start=1):
        prev = words_[k - 1]
        if prev.lower().endswith("s") and w.isalpha() and w.islower() and not w.endswith(("s", "ed", "ing", "ly")):
            return " ".join(["do", *words_])
        if "," in w or w.lower() in _AUX:
            break
    return None


def to_question(text: str) -> str | None:
    """A short question made from the uncertain clause of ``text``, or None.

    "It is unclear whether the date will be delayed." -> "Will the date be
    delayed?"; "Whether either firm can keep up is uncertain." -> "Can either
    firm keep up?"; "It remains unclear which method is better." -> "Which
    method is better?".  Only words of the clause are used (no claim is added);
    when no clean question can be formed the answer is None.
    """
    s = text.strip().strip("\"'\u201c\u201d\u2018\u2019 ")
    if s.endswith("?"):
        return None if _RHETORICAL.search(s) or len(s.split()) > 25 else s
    m = _UNSURE_THEN_WH.search(s) or _WH_THEN_UNSURE.search(s)
    if not m:
        return None
    clause = _TAIL.sub("", m["q"].strip().rstrip(".;:!")).strip()
    clause = re.split(r";\s+|\s+[\u2014\u2013]\s+", clause)[0]
    parts = clause.split()
    if len(parts) < 3 or len(parts) > 25:
        return None
    wh = parts[0].lower()
    rest = parts[2:] if parts[:2] and " ".join(parts[:2]).lower() == "whether or" else parts[1:]
    if rest and rest[0].lower() == "not" and wh == "whether":
        rest = rest[1:]
    if wh in ("whether", "if"):
        inverted = _invert(rest)
        body = inverted if inverted else "whether " + " ".join(rest)
    elif rest and rest[0].lower() in _DET:
        inverted = _invert(rest)
        body = f"{wh} {inverted}" if inverted else f"{wh} {' '.join(rest)}"
    else:
        body = f"{wh} {' '.join(rest)}"
    body = body.strip(" ,")
    return body[:1].upper() + body[1:] + "?"
