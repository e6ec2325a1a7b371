"""Open questions: a sentence that says something is unresolved, turned into a question.

``to_question`` rewrites "It is unclear whether X will Y" as "Will X Y?";
``rhetorical`` refuses questions a writer asks for effect.
"""

from __future__ import annotations

import re

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


# "how they could do so" -> "how could they do so": an adverbial wh-word before a pronoun
# subject asks about the clause ("how many farmers" is a subject phrase and stays as it is).
_ADVERBIAL_WH = {"how", "when", "why", "where"}
_PRONOUNS = {"they", "he", "she", "it", "we", "i"}


_DET = {"the", "a", "an", "its", "this", "these", "those", "their", "his", "her", "either", "any",
        "each", "such", "our", "some"}


_TAIL = re.compile(r",\s+(?:where|which|who|as|after|because|since|although|though|but|and no|with)\b.*$")


_RHETORICAL = re.compile(
    r"^(?:so\b|what if\b|and\b|but\b|who(?:'d| would) have thought\b|isn't it\b|wouldn't it\b)|\byou\b|\bwe\b|"
    r",\s*(?:is|are|was|were|do|does|did|can|could|would|will|has|have)\s*(?:n't|n\u2019t| not)\s+\w+\s*\?|"
    r",\s*(?:isn't|aren't|wasn't|doesn't|didn't|can't|couldn't|wouldn't|won't|hasn't|haven't)\s+\w+\s*\?",
    re.IGNORECASE,
)


def rhetorical(text: str) -> bool:
    """A question that is not asked to be answered: "What if ...?", a tag
    question ("..., couldn't he?"), "Who'd have thought ...?", or one put to the reader."""
    return bool(_RHETORICAL.search(text.strip().strip("\"'\u201c\u201d\u2018\u2019 ")))


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
        if not inverted:
            return None  # no verb to ask about: "Whether the vote on the floor?" is no question
        body = inverted
    elif rest and (rest[0].lower() in _DET or (wh in _ADVERBIAL_WH and rest[0].lower() in _PRONOUNS)):
        inverted = _invert(rest)
        body = f"{wh} {inverted}" if inverted else f"{wh} {' '.join(rest)}"
    else:
        body = f"{wh} {' '.join(rest)}"
    body = body.strip(" ,")
    return body[:1].upper() + body[1:] + "?"
