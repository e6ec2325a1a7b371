"""Open questions: a sentence that says something is unresolved, turned into a question.

``to_question`` rewrites "It is unclear whether X will Y" as "Will X Y?" (and,
through ``pending``, "The judge is expected to rule on X" as "How will the judge
rule on X?"); a question that does not say what it is about ("How could they
do so?") is refused; ``rhetorical`` refuses questions a writer asks for effect.
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


# "how long the package will be kept" -> "how long will the package be kept": a degree
# word after "how" is part of the wh-phrase and the clause after it is inverted
_DEGREE = {"long", "deep", "far", "soon", "often", "big", "large", "serious", "severe", "quickly",
           "widely", "strong", "hard", "fast", "high", "low", "close"}
# A subject that does not say what the question is about without its sentence.
_BARE_SUBJECTS = {"they", "it", "he", "she", "this", "these", "those", "that", "we", "i", "you", "them",
                  "so", "such"}
_DEMONSTRATIVES = {"this", "these", "those", "that", "such"}
_NO_NOUN = re.compile(r"^(?:[\d.,%-]+|(?:one|two|three|four|five)(?:-(?:thirds?|quarters?|fifths?))?|half|thirds?|"
                      r"quarters?|most|many|some|all|"
                      r"both|either|neither|any|none|few|more|less|[-\u2013])$", re.IGNORECASE)
_RELATIVE = re.compile(r"\s*,\s+(?:who|whose|which)\b[^,]{3,120},\s*")
_TAIL_ADVERB = re.compile(r"\s*,?\s+(?:however|though|too|also|then|still|yet)\s*$", re.IGNORECASE)


def _standalone(body: str) -> bool:
    """The question names what it is about: its subject is not a bare pronoun ("How could
    they do so?", "Were they trapped?") nor a bare quantity ("Do two-thirds approve?")."""
    toks = body.lower().replace("?", "").split()
    k = 1
    while k < len(toks) and (toks[k] in _AUX or toks[k] in _DEGREE or toks[k] in {"do", "does", "did"}):
        k += 1
    if k >= len(toks):
        return False
    if toks[k] in _BARE_SUBJECTS:
        nxt = toks[k + 1] if k + 1 < len(toks) else ""
        # "these subsidies" names its subject; "this be considered", "they do" do not
        if toks[k] not in _DEMONSTRATIVES or not nxt or nxt in _AUX or nxt in {"be", "have", "do"} or nxt.endswith("ed"):
            return False
    subject: list[str] = []
    for tok in toks[k:k + 6]:
        if tok in _AUX or (tok.isalpha() and tok.endswith(("ed", "ing")) and subject):
            break
        subject.append(tok)
    named = [t for t in subject if not _NO_NOUN.match(t)]
    # "Do two-thirds approve?": only the verb is left once the quantity is out
    return not subject or bool(named) and not (named == [toks[-1]] and len(subject) > 1)


# A ruling or decision someone is expected to give, or an appeal that is pending.
_PENDING_RULING = re.compile(
    r"^(?P<subj>(?:[\w'\u2019.-]+\s+){0,4}?[\w'\u2019.-]+)\s+(?:is|are)\s+(?:now\s+|still\s+)?"
    r"(?:expected|due|set|scheduled)\s+to\s+(?P<verb>rule|decide)\b(?P<rest>[^.;]*)",
)
_PENDING_APPEAL = re.compile(
    r"^(?P<subj>(?:the\s+)?(?:[A-Z][\w'\u2019.-]*\s*){1,5}?)\s+(?:has said it will|has said they will|plans to|intends to|"
    r"is expected to|is likely to|has vowed to|vowed to|said it would|says it will)\s+appeal\s+(?P<obj>(?:the|a|its|her|his|this)"
    r"\s+[^,.;]{3,80})"
)


def pending(text: str) -> str | None:
    """A question about what a source says is still to come: "The judge is expected to rule
    on the remedies by August." -> "How will the judge rule on the remedies?"; "Kelvin Port
    plans to appeal the ruling." -> "Will the ruling stand on appeal?"."""
    s = text.strip().strip("\"'\u201c\u201d\u2018\u2019 ")
    m = _PENDING_RULING.match(s)
    if m:
        subj = m["subj"].strip()
        rest = re.split(r"\s+(?:by|before|in|on|within|early|later|next|this|after)\s+(?:the\s+)?(?:end|[A-Z0-9]|week|"
                        r"month|year|spring|summer|autumn|fall|winter)",
                        re.sub(r"\s+(?:today|tomorrow|tonight|soon|shortly)\b", "", m["rest"]))[0].strip(" ,")
        words_ = subj.split()
        if len(words_) > 1 and words_[1][:1].islower():
            subj = subj[:1].lower() + subj[1:]  # "The harbour board", "Delegates meeting in ...": not a name
        whether = re.match(r"whether\s+to\s+(?P<act>.+)$", rest)
        if whether and m["verb"] == "decide":
            body = f"Will {subj} {whether['act']}"  # "decide whether to accept X" -> "Will S accept X?"
        else:
            body = f"{'How' if m['verb'] == 'rule' else 'What'} will {subj} {m['verb']}" + (f" {rest}" if rest else "")
        return body.strip() + "?" if _standalone(body) and len(body.split()) <= 25 else None
    m = _PENDING_APPEAL.match(s)
    if m:
        return f"Will {m['obj'].strip()} stand on appeal?"
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
        return pending(s)
    clause = _RELATIVE.sub(" ", m["q"].strip().rstrip(".;:!"))
    clause = _TAIL_ADVERB.sub("", _TAIL.sub("", clause).strip()).strip()
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
    elif wh == "how" and len(rest) > 2 and rest[0].lower() in _DEGREE:
        inverted = _invert(rest[1:])
        body = f"{wh} {rest[0]} {inverted}" if inverted else f"{wh} {' '.join(rest)}"
    elif rest and (rest[0].lower() in _DET or (wh in _ADVERBIAL_WH and rest[0].lower() in _PRONOUNS)):
        inverted = _invert(rest)
        body = f"{wh} {inverted}" if inverted else f"{wh} {' '.join(rest)}"
    else:
        body = f"{wh} {' '.join(rest)}"
    body = body.strip(" ,")
    if not _standalone(body):
        return None
    return body[:1].upper() + body[1:] + "?"
