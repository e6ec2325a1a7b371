"""Sentence selection for the extractive brief: salience, MMR, corroboration,
and the rules that keep a sentence out of a section (saying a fact twice,
needing a sentence the reader does not have, a writer's aside).

Salience is centrality across sources (cosine to the centroid of all
sentences, plus how many other sources say something similar) with a small
lead bonus; MMR removes redundancy.  A large story is read through a
per-item budget of sentences (leads first) so that a 200-item brief stays
well under two seconds.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from infomachine.models import Evidence, Item, Sentence
from infomachine.synth.analyze.dates import WEEKDAYS, find_dates
from infomachine.synth.analyze.sentences import (
    Sent,
    cut_long,
    in_english,
    item_sentences,
    starts_mid_sentence,
)
from infomachine.synth.verify import negation
from infomachine.text.stopwords import CLAIM_STOPWORDS
from infomachine.text.words import fold

CORROBORATE = 0.6
MMR_LAMBDA = 0.7
MAX_SENTS_PER_ITEM = 60
SENTENCE_BUDGET = 2400  # sentences analysed per story; per item at least MIN_PER_ITEM
MIN_PER_ITEM = 8
SAME_FACT_SHARE = 0.6  # share of the shorter sentence's key words found in the other


class Analysis:
    """Sentences of the usable items, their TF-IDF vectors and salience.

    ``all_by_item`` keeps up to ``MAX_SENTS_PER_ITEM`` sentences per item (the
    timeline reads those); ``by_item`` and ``sents`` are the analysed ones.
    """

    def __init__(self, items: list[Item], headline: str = "") -> None:
        self.items = items
        self.all_by_item = [item_sentences(it, i)[:MAX_SENTS_PER_ITEM] for i, it in enumerate(items)]
        per_item = max(MIN_PER_ITEM, SENTENCE_BUDGET // max(1, len(items)))
        self.by_item = [group[:per_item] for group in self.all_by_item]
        self.sents: list[Sent] = [s for group in self.by_item for s in group]
        self.pos = {s: j for j, s in enumerate(self.sents)}
        self.common = ubiquitous_words(self.by_item)  # the story's subject words (see ``same_fact``)
        votes = [v for s in self.sents if (v := in_english(s.text)) is not None]
        self.english = 2 * sum(votes) >= len(votes)  # the story's language: English unless most say otherwise
        n = len(self.sents)
        self.title_sim = np.zeros(n)  # cosine of each sentence with the story's headline
        self.vec: TfidfVectorizer | None = None
        self.matrix: Any = None  # the sentences' TF-IDF rows (sparse), None without a vocabulary
        if n == 0:
            self.sim = np.zeros((0, 0))
            self.salience = np.zeros(0)
            return
        try:
            vec = TfidfVectorizer(stop_words="english", sublinear_tf=True, min_df=1)
            m = vec.fit_transform([s.text for s in self.sents])
            self.vec = vec
            self.matrix = m
            self.sim = (m @ m.T).toarray()
            centroid = np.asarray(m.mean(axis=0)).ravel()
            norm = float(np.linalg.norm(centroid)) or 1.0
            central = (m @ centroid) / norm
            if headline.strip():
                self.title_sim = np.asarray((m @ vec.transform([headline]).T).toarray()).ravel()
        except ValueError:  # empty vocabulary
            self.sim = np.eye(n)
            central = np.zeros(n)
        self.item_of = np.array([s.item for s in self.sents])
        other = self.item_of[None, :] != self.item_of[:, None]
        corroborating = (self.sim >= 0.3) & other
        n_items = max(1, len(set(self.item_of.tolist())) - 1)
        support = np.array([len(set(self.item_of[corroborating[j]].tolist())) / n_items for j in range(n)])
        lead = np.array([1.0 / (1.0 + s.index) for s in self.sents])
        self.salience = np.asarray(central).ravel() + 0.5 * support + 0.15 * lead

    def readable(self, text: str) -> bool:
        """A sentence that can be shown: it starts as a sentence (not mid-word or
        mid-sentence) and is in the story's language."""
        english = in_english(text)
        return not starts_mid_sentence(text) and (english is None or english == self.english)

    def mmr(self, k: int, pool: list[int] | None = None, avoid: set[int] | None = None,
            weight: np.ndarray | None = None, lambda_: float = MMR_LAMBDA,
            ok: object = None) -> list[int]:
        """Up to ``k`` salient, mutually non-redundant sentence indices
        (``ok``: an optional predicate a chosen index must pass)."""
        cand = list(range(len(self.sents))) if pool is None else list(pool)
        avoid = set(avoid or ())
        cand = [j for j in cand if j not in avoid]
        score = self.salience if weight is None else self.salience * weight
        chosen: list[int] = []
        against = list(avoid)
        while cand and len(chosen) < k:
            red = self.sim[np.ix_(cand, against)].max(axis=1) if against else np.zeros(len(cand))
            values = lambda_ * score[cand] - (1 - lambda_) * red
            best_at = int(np.argmax(values))  # ties: the earliest candidate, as before
            best = cand.pop(best_at)
            if red[best_at] > 0.75:
                continue  # near-repeat of something already said
            if callable(ok) and not ok(best):
                continue
            chosen.append(best)
            against.append(best)
        return chosen

    def corroborators(self, j: int, among: set[int] | None = None, limit: int | None = 2) -> list[Sent]:
        """The best matching sentence of each other item that says the same
        (TF-IDF cosine >= ``CORROBORATE``, or the same fact by ``same_fact``
        when ``among`` names the items to look in, e.g. the sentence's event)."""
        row = self.sim[j]
        mine = self.sents[j]
        ok = (row >= CORROBORATE) & (self.item_of != mine.item)
        if among is not None:
            inside = np.isin(self.item_of, sorted(among)) & (self.item_of != mine.item)
            ok &= inside
            for c in np.nonzero(inside & ~ok & (row >= 0.2))[0].tolist():
                ok[c] = same_fact(mine.text, self.sents[c].text)
        best: dict[int, tuple[float, Sent]] = {}
        negated = negation(mine.text)
        for c in np.nonzero(ok)[0].tolist():
            s = self.sents[c]
            if negation(s.text) != negated:  # the verifier reads the quotes together: same polarity only
                continue
            if s.item not in best or row[c] > best[s.item][0]:
                best[s.item] = (float(row[c]), s)
        out = [best[i][1] for i in sorted(best)]
        return out if limit is None else out[:limit]

    def cited(self, j: int, corroborate: bool = True, among: set[int] | None = None) -> Sentence:
        """Sentence ``j`` (cut when too long) citing its item and its corroborators
        (every corroborating item of ``among`` when given, else at most two)."""
        s = self.sents[j]
        text = cut_long(s.text)
        sources = [(s.item, text)]
        if corroborate:
            found = self.corroborators(j, among, None) if among is not None else self.corroborators(j)
            sources += [(c.item, c.text) for c in found]
        return cited_sentence(text, sources)


def cited_sentence(text: str, sources: list[tuple[int, str]]) -> Sentence:
    """A brief sentence citing item indices (remapped to source numbers later)."""
    cites = list(dict.fromkeys(i for i, _ in sources))
    return Sentence(text=text, cites=cites, evidence=[Evidence(n=i, quote=q) for i, q in sources])


# --------------------------------------------------------------------------- saying each thing once

_KEY = re.compile(r"[a-z][a-z'-]{2,}|\d+(?:[.,:]\d+)*")
_NUMBER_WORDS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
                 "eight": "8", "nine": "9", "ten": "10", "twelve": "12", "twenty": "20", "hundred": "100"}
# Words news uses for one happening: paraphrases count as the same key word.
_SYNONYMS = {
    "announ": "releas", "unveil": "releas", "launch": "releas", "introd": "releas", "debut": "releas",
    "publis": "releas", "rolled": "releas", "beat": "defeat", "beats": "defeat", "thrash": "defeat",
    "victor": "defeat", "won": "defeat", "wins": "defeat", "struck": "hit", "strike": "hit", "hits": "hit",
    "jan": "januar", "feb": "februa", "mar": "march", "apr": "april", "jun": "june", "jul": "july",
    "aug": "august", "sep": "septem", "sept": "septem", "oct": "octobe", "nov": "novemb", "dec": "decemb",
    "percen": "%", "pct": "%",
}
_NAME = re.compile(r"(?<=[\w,;:)] )[A-Z][\w'-]*[A-Za-z0-9]|\b[A-Z]{2,}[\w-]*")
PARAPHRASE_SHARE = 0.5  # with equal numbers and two shared names (or 5 shared words), half the key words suffice
PARAPHRASE_WORDS = 5


def _key(word: str) -> str:
    word = _NUMBER_WORDS.get(word, word)
    return _SYNONYMS.get(word[:6], _SYNONYMS.get(word, word[:6]))


def key_words(text: str) -> set[str]:
    """Content words and numbers of ``text`` (folded; stop words out, 6-letter
    stems, number words as digits, a score "5-0" one number, common
    paraphrases of one happening merged)."""
    folded = _SCORE.sub(r"\1:\2", fold(text).replace("%", " percent"))
    return {_key(w) for w in _KEY.findall(folded) if w not in CLAIM_STOPWORDS}


_SCORE = re.compile(r"\b(\d{1,3})\s?[-\u2013]\s?(\d{1,3})\b(?![-\u2013]?[a-z])")


def _undated(text: str) -> str:
    """``text`` without its dates ("on 5 August 2025" is when, not what)."""
    for m in reversed(find_dates(text, None)):
        text = text[: m.start] + " " + text[m.end :]
    return _YEAR_OR_DAY.sub(" ", text)


_YEAR_OR_DAY = re.compile(r"\b(?:in|since|of|from|until|by|on)\s+(?:(?:19|20)\d\d|[0-3]?\d(?:st|nd|rd|th))\b",
                          re.IGNORECASE)


def _numbers(keys: set[str]) -> set[str]:
    return {k for k in keys if k[0].isdigit()}


def _names(text: str) -> set[str]:
    return {_key(w) for m in _NAME.findall(text) for w in _KEY.findall(fold(m))}


def same_fact(a: str, b: str, common: frozenset[str] = frozenset(), *, apart: bool = False) -> bool:
    """Two sentences state the same fact: one holds the other; or most of the
    shorter one's key words (>= 3, ``SAME_FACT_SHARE``) are in the other; or, a
    paraphrase, half of them are while they share five words besides numbers,
    or state the same numbers and share two names and one other word, the story's ``common`` words (its main actors,
    which every fact of it names) left out.  Dates do not count (they say
    when, not what).  Never the same fact (unless one holds the other):
    sentences whose numbers differ and have none in common ("three months"
    and "four months", a 5-0 and a 4-0 win), sentences sharing fewer than two words
    besides numbers, and a sentence that reverses or negates what the other
    states ("lifted the ban" and "banned").  ``apart``: the sentences report
    days far apart (two timeline lines), so a paraphrase needs its five shared
    words besides the story's ``common`` words (every happening of a story
    names its main actors) and the words of a day ("Thursday", "today")."""
    fa, ka, na, ma, ra = _facts(a)
    fb, kb, nb, mb, rb = _facts(b)
    if fa in fb or fb in fa:
        return True
    if (na - nb and nb - na and not na & nb) or ra != rb:
        return False
    common_words = ka & kb
    shared = len(common_words)
    if shared < 3 or len(common_words - na) < 2:
        return False
    share = shared / max(1, min(len(ka), len(kb)))
    paraphrase_words = common_words - na - (common | _DAY_WORDS if apart else frozenset())
    if share >= SAME_FACT_SHARE or (share >= PARAPHRASE_SHARE and len(paraphrase_words) >= PARAPHRASE_WORDS):
        return True
    if na != nb:
        return False
    ka, kb, names = ka - common, kb - common, (ma & mb) - common
    shared_rest = ka & kb
    return (len(shared_rest) >= 3 and len(shared_rest) / max(1, min(len(ka), len(kb))) >= PARAPHRASE_SHARE
            and len(names) >= 2 and bool(shared_rest - names - na))


_DAY_WORDS = frozenset(key_words(" ".join([*WEEKDAYS, "today", "tonight", "yesterday", "tomorrow"])))


@lru_cache(maxsize=65536)
def _facts(text: str) -> tuple[str, frozenset[str], frozenset[str], frozenset[str], frozenset[str]]:
    """What ``same_fact`` compares of ``text``: folded text, key words, numbers,
    names (dates out) and the words that reverse or negate a statement."""
    undated = _undated(text)
    keys = frozenset(key_words(undated))
    folded = fold(text).strip(" .")
    reversal = frozenset(_REVERSAL.get(w, "not") for w in _REVERSING.findall(folded))
    return folded, keys, frozenset(_numbers(set(keys))), frozenset(_names(undated)), reversal


# Words that undo or deny a happening: "lifted the ban" is not "banned", "did not approve" is not "approved".
_REVERSAL = {w: w[:5] for w in (
    "lift", "lifted", "lifts", "lifting", "reopen", "reopened", "reopens", "overturn", "overturned",
    "reverse", "reversed", "scrap", "scrapped", "withdraw", "withdrew", "withdrawn", "cancel", "cancelled",
    "canceled", "rescind", "rescinded", "revoke", "revoked", "suspend", "suspended", "resume", "resumed",
    "denied", "denies", "deny", "reject", "rejected", "rejects")}
_REVERSING = re.compile(r"\b(?:" + "|".join(sorted(_REVERSAL, key=len, reverse=True)) + r"|not|no|never)\b"
                        r"|n't\b")


UBIQUITOUS_SHARE = 0.4  # a key word in this share of a story's items (of 8 or more) is its subject
UBIQUITOUS_MIN_ITEMS = 8


def ubiquitous_words(groups: list[list[Sent]]) -> frozenset[str]:
    """Key words in the leads (first five sentences) of at least ``UBIQUITOUS_SHARE``
    of the items: the story's own subject ("Medvedev", "Russia"), shared by all its facts."""
    if len(groups) < UBIQUITOUS_MIN_ITEMS:
        return frozenset()
    df: Counter[str] = Counter()
    for group in groups:
        df.update(set().union(*(_facts(s.text)[1] for s in group[:5])))
    return frozenset(k for k, n in df.items() if n >= UBIQUITOUS_SHARE * len(groups))


class Said:
    """What the brief has said so far (texts), to say each fact once
    (``common``: the story's ubiquitous words, see ``ubiquitous_words``)."""

    def __init__(self, common: frozenset[str] = frozenset()) -> None:
        self.texts: list[str] = []
        self.common = common

    def add(self, text: str) -> None:
        self.texts.append(cut_long(text))  # what the reader sees

    def repeats(self, text: str) -> bool:
        shown = cut_long(text)
        return any(same_fact(shown, t, self.common) for t in self.texts)


# --------------------------------------------------------------------------- stand-alone prose

# Opens by pointing back at a sentence the reader may not have.
BACKREF = re.compile(
    r"^[\"'\u201c\u2018]?(?:that(?:'s|\u2019s| is| was)?|this is|this was|it|it's|it\u2019s|its|they|their|"
    r"them|he|she|his|her|these|those|such|but|and|so|yet|instead|still|therefore|thus|meanwhile|"
    r"indeed|also|even so|on the other (?:side|hand)|for (?:his|her|its|their) part)\b",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"[\"\u201c][^\"\u201d]*[\"\u201d]")
# A writer's own voice outside quotation marks: "I was back in ...", "cut me some slack".
_FIRST_PERSON = re.compile(r"\b(?:I|I'm|I\u2019m|I've|I\u2019ve|I'd|me|my|myself)\b")
# A note on how the page was made, not news.
_METHODS = re.compile(
    r"^(?:this|the) (?:text|article|post|story|piece|newsletter) (?:was|is|has been) (?:created|written|"
    r"generated|updated|produced|being written)|^this reporter\b|\bwith the help of AI\b|"
    r"\b(?:our|this) (?:methodology|analysis uses|sample)\b",
    re.IGNORECASE,
)


# A digression the writer flags as one ("Incidentally, ...", "By the way, ..."): not the story.
_DIGRESSION = re.compile(
    r"^[\"'\u201c\u2018]?(?:incidentally|by the way|as an aside|as a side note|on a lighter note|"
    r"fun fact|in other news)\b",
    re.IGNORECASE,
)


def writer_aside(text: str) -> bool:
    """First person outside quotes, a methods note, a digression flagged as one, or a
    question: not brief prose."""
    bare = _QUOTED.sub("", text)
    return bool(_FIRST_PERSON.search(bare) or _METHODS.search(text) or _DIGRESSION.match(text.strip())
                or text.rstrip(" \"'\u201d\u2019)").endswith("?"))


def points_back(text: str) -> bool:
    return bool(BACKREF.match(text.strip()))
