"""Sentence splitting and boilerplate filtering.

Every sentence is an exact substring of its item's text (so it can be quoted
as evidence verbatim).  Scraped pages carry junk: menus, other headlines,
bylines, "Subscribe" boxes, lone dates.  ``is_content`` keeps only lines
that read like prose: long enough, not too long, ending like a sentence and
containing a verb.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from infomachine.models import Item

MIN_CHARS = 40
MAX_CHARS = 400
MIN_WORDS = 6

_ABBREV = {
    "mr", "mrs", "ms", "dr", "prof", "sen", "rep", "gov", "gen", "col", "lt", "sgt", "st",
    "jr", "sr", "inc", "corp", "co", "ltd", "vs", "no", "u.s", "u.k", "e.g", "i.e", "jan",
    "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "etc",
    "approx", "fig", "est", "dept", "univ", "mt", "ft", "pres",
}
# A candidate boundary: terminal punctuation, optional closing quote/bracket, whitespace.
_BOUNDARY = re.compile(r"[.!?]+[\"'\u201d\u2019)\]]*(?=\s+[\"'\u201c\u2018(\[]?[A-Z0-9])")
_WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019-]*")
_VERB = re.compile(
    r"\b(is|are|was|were|be|been|being|has|have|had|will|would|can|could|may|might|must|"
    r"should|shall|do|does|did|says?|said|told|made|took|gave|got|went|came|saw|found|won|"
    r"lost|began|became|led|left|held|kept|put|ran|set|hit|met|paid|sold|built|wrote|"
    r"thinks?|knew|\w+ed|\w+es|\w+s)\b",
    re.IGNORECASE,
)
_JUNK = re.compile(
    r"(subscribe|sign up|sign in|log in|(?:our|free|daily|weekly) newsletters?|cookie|advertisement|all rights reserved|"
    r"copyright|click here|read more|share this|follow us|related articles?|"
    r"privacy policy|terms of (use|service)|skip to|download the app|watch live|"
    r"this story has been|photo:|image:|getty images|reuters/|ap photo)",
    re.IGNORECASE,
)
_GLUED_DATE = re.compile(
    r"(?:[A-Z][a-z]{2,8}\.? \d{1,2}, \d{4}|\d{4}-\d\d-\d\d)(?=[A-Z\u201c\"])"
)
_ENDS_LIKE_SENTENCE = re.compile(r"[.!?][\"'\u201d\u2019)\]]*$")


@dataclass(frozen=True)
class Sent:
    """One sentence of one item: ``text`` equals ``item_text[start:end]``."""

    item: int  # index of the item in the list analysed
    index: int  # position of the sentence in its item (0 = lead)
    text: str
    start: int
    end: int


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentence spans of ``text`` (start, end), in order."""
    out: list[tuple[int, int]] = []
    pos = 0
    for line in text.split("\n"):
        offset = pos
        pos += len(line) + 1
        if not line.strip():
            continue
        start = 0
        for m in _BOUNDARY.finditer(line):
            before = line[start : m.start()]
            words = before.split()
            last = words[-1].lower().rstrip(".") if words else ""
            if last in _ABBREV or (len(last) == 1 and last.isalpha()):
                continue
            out.append(_span(line, start, m.end(), offset))
            start = m.end()
        out.append(_span(line, start, len(line), offset))
    return [(s, e) for s, e in out if e > s]


def _span(line: str, s: int, e: int, offset: int) -> tuple[int, int]:
    while s < e and (line[s].isspace() or (line[s] in "-*\u2022\u25cf" and s + 1 < e and line[s + 1] == " ")):
        s += 1
    while e > s and line[e - 1].isspace():
        e -= 1
    return (offset + s, offset + e)


def is_content(sentence: str) -> bool:
    """True for a prose sentence worth quoting; False for junk lines."""
    s = sentence.strip()
    if not MIN_CHARS <= len(s) <= MAX_CHARS:
        return False
    words = _WORD.findall(s)
    if len(words) < MIN_WORDS:
        return False
    if not _ENDS_LIKE_SENTENCE.search(s):
        return False
    if _JUNK.search(s):
        return False
    lower = sum(1 for w in words if w[0].islower())
    if lower < len(words) * 0.3:  # Title Case Headline Or Menu
        return False
    if s.count("|") >= 2 or s.count("\u00b7") >= 2 or s.count(" / ") >= 2:
        return False
    return bool(_VERB.search(s))


def item_sentences(item: Item, item_index: int, *, content_only: bool = True) -> list[Sent]:
    """The sentences of an item's body, junk dropped when ``content_only``."""
    text = item.text or ""
    out: list[Sent] = []
    for s, e in sentence_spans(text):
        glued = _GLUED_DATE.match(text, s, e)
        if glued:  # "December 31, 2025What if ..." (a sidebar date glued to prose)
            s = glued.end()
        chunk = text[s:e]
        if content_only and not is_content(chunk):
            continue
        out.append(Sent(item_index, len(out), chunk, s, e))
    return out


def words(text: str) -> list[str]:
    """Lower-cased word tokens."""
    return [w.lower() for w in _WORD.findall(text)]
