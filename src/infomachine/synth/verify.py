"""Verification shared by every synthesizer.

A sentence stays in a brief only when every citation names one of the
brief's numbered sources and every evidence quote is found in the stored
text (or title) of the source it names.  Quotes are matched after folding
case, whitespace, typographic quotes and dashes, so a quote that differs from
the source only in such typography still counts; anything else does not.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from infomachine.models import Brief, Evidence, Sentence, TimelineEvent
from infomachine.text.stopwords import SUPPORT_STOPWORDS
from infomachine.text.words import SUPPORT_WORD, fold

MIN_QUOTE_CHARS = 12


@dataclass
class SectionSupport:
    kept: int = 0
    dropped: int = 0

    @property
    def total(self) -> int:
        return self.kept + self.dropped

    @property
    def ratio(self) -> float:
        return self.kept / self.total if self.total else 1.0


@dataclass
class VerificationReport:
    sections: dict[str, SectionSupport] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def dropped(self) -> int:
        return sum(s.dropped for s in self.sections.values())

    @property
    def kept(self) -> int:
        return sum(s.kept for s in self.sections.values())

    def as_dict(self) -> dict[str, object]:
        return {
            "kept": self.kept,
            "dropped": self.dropped,
            "sections": {
                name: {"kept": s.kept, "dropped": s.dropped, "supported": round(s.ratio, 3)}
                for name, s in self.sections.items()
            },
            "problems": self.problems,
        }


class SourceTexts:
    """The folded text of each numbered source, for quote look-ups."""

    def __init__(self, texts: Mapping[int, str]) -> None:
        self._folded = {n: fold(t) for n, t in texts.items()}

    def __contains__(self, n: object) -> bool:
        return n in self._folded

    def supports(self, n: int, quote: str) -> bool:
        """The quote occurs in source ``n`` (a quote shorter than 12 characters
        only counts when it is the whole source, e.g. a short title)."""
        q = fold(quote)
        source = self._folded.get(n, "")
        return bool(q) and len(q) >= min(MIN_QUOTE_CHARS, len(source)) and q in source


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
MIN_OVERLAP = 0.6
NEGATIONS = frozenset({"not", "no", "never", "none", "nor", "without", "neither", "cannot"})


def _negated(folded: str) -> bool:
    return "n't" in folded or any(w in NEGATIONS for w in SUPPORT_WORD.findall(folded))


def negation(text: str) -> bool:
    """Whether the verifier reads ``text`` as negated (it rejects a sentence
    whose polarity differs from its evidence's)."""
    return _negated(fold(text))


def _content_words(text: str) -> list[str]:
    return [w for w in SUPPORT_WORD.findall(text) if len(w) > 2 and w not in SUPPORT_STOPWORDS]


def overlap_problem(sentence: str, quotes: list[str]) -> str | None:
    """Why the quotes do not carry the sentence, or None.

    Every number in the sentence must appear in a quote, and most of
    its content words must (60%; a shared 5-letter stem counts: "widening" and
    "widened").  A quote that merely occurs in the source is not enough: it
    has to say what the sentence says.
    """
    said = fold(sentence)
    quoted = fold(" ".join(quotes))
    quoted_numbers = set(_NUMBER.findall(quoted))
    for number in _NUMBER.findall(said):
        if number not in quoted_numbers:
            return f"the number {number} is not in the evidence"
    if _negated(said) != _negated(quoted):
        return "the sentence and its evidence differ in negation"
    words = _content_words(said)
    if not words:
        return None
    pool = set(_content_words(quoted))
    stems = {w[:5] for w in pool}
    found = sum(1 for w in words if w in pool or (len(w) >= 5 and w[:5] in stems))
    if found / len(words) < MIN_OVERLAP:
        return f"the evidence carries only {found} of {len(words)} content words"
    return None


def check_sentence(sentence: Sentence, texts: SourceTexts) -> str | None:
    """None when the sentence is supported, else why not."""
    if not sentence.cites:
        return "no citation"
    for n in sentence.cites:
        if n not in texts:
            return f"cites [{n}], which is not a source of this story"
    quoted = {e.n for e in sentence.evidence}
    for n in sentence.cites:
        if n not in quoted:
            return f"no evidence quote for [{n}]"
    for ev in sentence.evidence:
        if ev.n not in sentence.cites:
            return f"evidence from [{ev.n}], which the sentence does not cite"
        if not texts.supports(ev.n, ev.quote):
            return f"quote not found in source [{ev.n}]: {ev.quote[:60]!r}"
    return overlap_problem(sentence.text, [e.quote for e in sentence.evidence])


def verify_brief(brief: Brief, source_texts: Mapping[int, str]) -> VerificationReport:
    """Drop every unsupported sentence from ``brief`` in place; report per section.

    ``source_texts`` maps each source number of the brief to the stored text
    of its item (title and body).  Containers left empty (an open question
    with no supported context, a perspective with no supported stance, a
    tension missing a side) are dropped with their sentences.
    """
    texts = SourceTexts(source_texts)
    report = VerificationReport()

    def keep(section: str, sentence: Sentence) -> bool:
        why = check_sentence(sentence, texts)
        support = report.sections.setdefault(section, SectionSupport())
        if why is None:
            support.kept += 1
            return True
        support.dropped += 1
        report.problems.append(f"{section}: {why} — {sentence.text[:80]!r}")
        return False

    def keep_all(section: str, sentences: list[Sentence]) -> list[Sentence]:
        return [s for s in sentences if keep(section, s)]

    brief.what.summary = keep_all("what", brief.what.summary)
    brief.what.bullets = keep_all("what", brief.what.bullets)
    brief.why_it_matters = keep_all("why_it_matters", brief.why_it_matters)
    questions = []
    for q in brief.open_questions:
        q.context = keep_all("open_questions", q.context)
        if q.context:
            questions.append(q)
    brief.open_questions = questions
    paragraphs = [keep_all("narrative", p) for p in brief.narrative]
    brief.narrative = [p for p in paragraphs if p]
    brief.timeline = [e for e in brief.timeline if keep("timeline", _event_sentence(e))]
    perspectives = []
    for p in brief.perspectives:
        p.stance = keep_all("perspectives", p.stance)
        if p.stance:
            perspectives.append(p)
    brief.perspectives = perspectives
    brief.tensions = [
        t
        for t in brief.tensions
        if all([keep("tensions", t.a.claim), keep("tensions", t.b.claim)])
    ]
    valid = {s.n for s in brief.sources}
    for p in brief.perspectives:
        p.evolution.cites = [n for n in p.evolution.cites if n in valid]
    brief.dropped_sentences += report.dropped
    return report


def _event_sentence(event: TimelineEvent) -> Sentence:
    return Sentence(text=event.text, cites=event.cites, evidence=event.evidence)


def evidence(n: int, quote: str) -> Evidence:
    return Evidence(n=n, quote=quote)
