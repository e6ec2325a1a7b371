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
from infomachine.synth.verify import negation
from infomachine.text.stopwords import ENGLISH_MARKERS, OTHER_LANGUAGE_MARKERS
from infomachine.text.words import LETTER_WORD, SENTENCE_WORD

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
_VERB_WORDS = frozenset(
    "is are was were be been being has have had will would can could may might must should shall do does "
    "did say says said told made took gave got went came saw found won lost began became led left held kept "
    "put ran set hit met paid sold built wrote think thinks knew struck fell rose spoke broke drew grew beat "
    "shot sent fought".split()
)


def _has_verb(words_: list[str]) -> bool:
    """A finite-looking verb among the words (a listed verb, or an -ed/-s form)."""
    for w in words_:
        w = w.lower()
        if w in _VERB_WORDS:
            return True
        if w.endswith(("'s", "\u2019s")):
            continue
        if (len(w) > 2 and w.endswith("ed")) or (len(w) >= 2 and w.endswith("s")):
            return True
    return False


_JUNK = re.compile(
    r"(subscribe|sign up|sign in|log in|(?:our|free|daily|weekly) newsletters?|cookie|advertisement|all rights reserved|"
    r"copyright|click here|read more|share this|follow us|related articles?|"
    r"privacy policy|terms of (use|service)|skip to|download the app|watch live|"
    r"this story has been|photo:|image:|getty images|reuters/|ap photo)",
    re.IGNORECASE,
)
# Literal pieces of ``_JUNK``: the regex only runs when one occurs (speed).
_JUNK_KEYS = ("subscribe", "sign up", "sign in", "log in", "newsletter", "cookie", "advertisement",
              "all rights reserved", "copyright", "click here", "read more", "share this", "follow us",
              "related article", "privacy policy", "terms of", "skip to", "download the app", "watch live",
              "this story has been", "photo:", "image:", "getty images", "reuters/", "ap photo")
_GLUED_DATE = re.compile(
    r"(?:[A-Z][a-z]{2,8}\.? \d{1,2}, \d{4}|\d{4}-\d\d-\d\d)(?=[A-Z\u201c\"])"
)
_ENDS_LIKE_SENTENCE = re.compile(r"[.!?][\"'\u201d\u2019)\]]*$")
# Scraped prefixes that are not the sentence: a "date 2025-05-25" field, a dateline
# ("LISBON :", "PETROPAVLOVSK REGION, RUSSIA –"), a byline glued to the first
# sentence ("by Tobias Mann · The RegisterFor many, ...").
_DATE_FIELD = re.compile(r"date \d{4}-\d\d-\d\d\s+")
_DATELINE = re.compile(r"[A-Z][A-Z\u2011.'-]+(?:[ ,]+[A-Z][A-Z\u2011.'-]+){0,4}\s?(?::|\s[\u2013\u2014-])\s?(?=[A-Z])")
_BYLINE = re.compile(r"by [A-Z][\w'.-]+(?: [A-Z][\w'.-]+){0,3} \u00b7 [^.]*?[a-z](?=[A-Z][a-z])")
_BYLINE_ONLY = re.compile(r"^by [A-Z][\w'.-]+(?: [A-Z][\w'.-]+){0,3} \u00b7")
# A photo caption: the sentence is followed on its line by a credit.
_PHOTO_CREDIT = re.compile(r"\s*\((?:[A-Z]+ )?(?:photo|image|picture)s?\b[^)]*\)", re.IGNORECASE)
MAX_WORDS = 45
MIN_CUT_WORDS = 10  # a cut keeps at least this many words (and a verb)
# Clause boundaries a long sentence may be cut at, best first; the cut keeps the left part.
_CLAUSE_CUTS = (
    re.compile(r";\s"),
    re.compile(r"\s[\u2014\u2013]\s|\s--\s"),
    re.compile(r",\s(?=(?:while|whereas|but|which|who|where|although|though|as|after|before|because|since|"
               r"with|including|and|or|according|despite|in spite of|amid|ahead of|due to)\b"
               r"|(?!(?:some|no|any|every)thing\b)[a-z]{3,}ing\b)"),  # ", raising ...": a participle's adjunct
    re.compile(r"\s(?=(?:and|when|while|after|before|as|which|because of|despite|in spite of|amid)\s)"
               r"|(?<!\bis)(?<!\bwas)(?<!\bare)(?<!\bwere)(?<!\bbe)\s(?=due to\s)"),  # not "is due to expire"
)
# A leading adverbial ("Despite ...,", "Like ...,", "In his first address ...,", "Giving evidence ...,"),
# which a long sentence may drop: its main clause starts after a comma with a capital.  Never a condition
# ("If ...", "Unless ...", "Without ..."): the main clause alone would state what may not be.
_LEADING = re.compile(r"(?i:after|although|amid|as|because|before|despite|during|following|in|like|on|since|"
                      r"though|unlike|when|whereas|while|with)\b|[A-Z][a-z]+ing\b")
_MAIN_CLAUSE = re.compile(r",\s+(?=[A-Z])")
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
    words = SENTENCE_WORD.findall(s)
    if len(words) < MIN_WORDS:
        return False
    if not _ENDS_LIKE_SENTENCE.search(s):
        return False
    lowered = s.lower()
    if any(k in lowered for k in _JUNK_KEYS) and _JUNK.search(s):
        return False
    lower = sum(1 for w in words if w[0].islower())
    if lower < len(words) * 0.3:  # Title Case Headline Or Menu
        return False
    if s.count("|") >= 2 or s.count("\u00b7") >= 2 or s.count(" / ") >= 2:
        return False
    return _has_verb(words)


def item_sentences(item: Item, item_index: int, *, content_only: bool = True) -> list[Sent]:
    """The sentences of an item's body, junk dropped when ``content_only``."""
    text = item.text or ""
    out: list[Sent] = []
    for s, e in sentence_spans(text):
        s = _skip_prefixes(text, s, e)
        chunk = text[s:e]
        line_end = text.find("\n", e)
        after = text[e : line_end if line_end >= 0 else len(text)]
        if content_only and (not is_content(chunk) or _PHOTO_CREDIT.match(after) or _BYLINE_ONLY.match(chunk)):
            continue
        out.append(Sent(item_index, len(out), chunk, s, e))
    return out


def _skip_prefixes(text: str, s: int, e: int) -> int:
    """Start of the sentence proper, past scraped prefixes (see ``_DATE_FIELD``)."""
    for rx in (_GLUED_DATE, _DATE_FIELD, _BYLINE, _DATELINE):
        m = rx.match(text, s, e)
        # "December 31, 2025What if ..." (a sidebar date glued to prose), "date 2025-05-25 ..."
        if m and e - m.end() >= MIN_CHARS:
            s = m.end()
            while s < e and text[s].isspace():
                s += 1
    return s


def _open(part: str) -> tuple[int, int, int]:
    """Brackets and quotation marks ``part`` leaves open (or closes unopened)."""
    return (part.count("(") - part.count(")"), part.count('"') % 2,
            part.count("\u201c") - part.count("\u201d"))


def _fits(part: str, max_words: int, whole: str) -> bool:
    """A cut of ``whole`` that reads as a clause: long enough, short enough, with a
    verb, and no bracket or quotation left open that ``whole`` closes ("... (Hard
    power meets soft power")."""
    return (MIN_CUT_WORDS <= len(part.split()) <= max_words and _open(part) == _open(whole)
            and _has_verb(SENTENCE_WORD.findall(part)))


def _prefix_cuts(text: str, max_words: int) -> list[str]:
    """Per boundary kind (``_CLAUSE_CUTS``, best first), the longest left part that fits."""
    out = []
    for rx in _CLAUSE_CUTS:
        best = None
        for m in rx.finditer(text):
            left = text[: m.start()].rstrip(" ,;:")
            if _fits(left, max_words, text):
                best = left
        if best:
            out.append(best)
    return out


def _main_clause(text: str) -> str | None:
    """``text`` without its leading adverbial (``_LEADING``): what follows its last
    comma before a capital that leaves a clause (>= ``MIN_CUT_WORDS`` words, a verb)."""
    if not _LEADING.match(text):
        return None
    rest = None
    for m in _MAIN_CLAUSE.finditer(text):
        part = text[m.end() :]
        if _fits(part, len(part.split()), text):
            rest = part
    return rest


def clause_cuts(text: str, max_words: int = MAX_WORDS) -> list[str]:
    """The ways to shorten a sentence over ``max_words`` words, best first (none
    for a shorter one): its main clause without a leading adverbial (itself cut
    when still long), then its left part up to a clause boundary (``_CLAUSE_CUTS``).
    Each keeps at least ``MIN_CUT_WORDS`` words and a verb, is a verbatim span of
    ``text`` and keeps its polarity (the verifier rejects a cut that drops the
    "not" of its quote)."""
    if len(text.split()) <= max_words:
        return []
    cuts = []
    main = _main_clause(text)
    if main is not None:
        cuts += [main] if len(main.split()) <= max_words else _prefix_cuts(main, max_words)
    cuts += _prefix_cuts(text, max_words)
    polarity = negation(text)
    return [c for c in dict.fromkeys(cuts) if negation(c) == polarity]


def cut_long(text: str, max_words: int = MAX_WORDS) -> str:
    """A sentence over ``max_words`` words cut by its best ``clause_cuts``; shorter
    sentences, and long ones that cannot be cut, are returned unchanged."""
    return next(iter(clause_cuts(text, max_words)), text)


def too_long(text: str) -> bool:
    """Over ``MAX_WORDS`` words even when cut: too long to read in a brief."""
    return len(cut_long(text).split()) > MAX_WORDS


def starts_mid_sentence(text: str) -> bool:
    """Opens with a lower-case word ("s rightwing opposition ...", "yes, the names
    were ..."): a fragment of a sentence cut elsewhere, not one that starts
    ("iPhone sales ..." starts: a capital inside the word)."""
    first = text.lstrip(" \"'\u201c\u2018([").split(" ", 1)[0]
    return first[:1].islower() and first == first.lower()


MIN_LANGUAGE_MARKERS = 2


def in_english(text: str) -> bool | None:
    """True when ``text`` has more English function words than function words of
    another language (``ENGLISH_MARKERS``, ``OTHER_LANGUAGE_MARKERS``), False when
    it has more of the other (at least ``MIN_LANGUAGE_MARKERS``), else None."""
    english = other = 0
    for w in LETTER_WORD.findall(text.lower()):
        english += w in ENGLISH_MARKERS
        other += w in OTHER_LANGUAGE_MARKERS
    if other > english and other >= MIN_LANGUAGE_MARKERS:
        return False
    return True if english > other else None


def words(text: str) -> list[str]:
    """Lower-cased word tokens."""
    return [w.lower() for w in SENTENCE_WORD.findall(text)]
