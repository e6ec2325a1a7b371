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

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from infomachine.models import Evidence, Item, Sentence
from infomachine.synth.analyze.sentences import Sent, cut_long, item_sentences
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
        n = len(self.sents)
        self.title_sim = np.zeros(n)  # cosine of each sentence with the story's headline
        self.vec: TfidfVectorizer | None = None
        if n == 0:
            self.sim = np.zeros((0, 0))
            self.salience = np.zeros(0)
            return
        try:
            vec = TfidfVectorizer(stop_words="english", sublinear_tf=True, min_df=1)
            m = vec.fit_transform([s.text for s in self.sents])
            self.vec = vec
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

    def corroborators(self, j: int) -> list[Sent]:
        """The best matching sentence of each other item that says the same."""
        row = self.sim[j]
        hits = np.nonzero((row >= CORROBORATE) & (self.item_of != self.sents[j].item))[0]
        best: dict[int, tuple[float, Sent]] = {}
        for c in hits.tolist():
            s = self.sents[c]
            if s.item not in best or row[c] > best[s.item][0]:
                best[s.item] = (float(row[c]), s)
        return [best[i][1] for i in sorted(best)][:2]

    def cited(self, j: int, corroborate: bool = True) -> Sentence:
        """Sentence ``j`` (cut when too long) citing its item and its corroborators."""
        s = self.sents[j]
        text = cut_long(s.text)
        sources = [(s.item, text)]
        if corroborate:
            sources += [(c.item, c.text) for c in self.corroborators(j)]
        return cited_sentence(text, sources)


def cited_sentence(text: str, sources: list[tuple[int, str]]) -> Sentence:
    """A brief sentence citing item indices (remapped to source numbers later)."""
    cites = list(dict.fromkeys(i for i, _ in sources))
    return Sentence(text=text, cites=cites, evidence=[Evidence(n=i, quote=q) for i, q in sources])


# --------------------------------------------------------------------------- saying each thing once

_KEY = re.compile(r"[a-z][a-z'-]{2,}|\d+(?:[.,]\d+)*")


def key_words(text: str) -> set[str]:
    """Content words and numbers of ``text`` (folded; stop words out, 5-letter stems)."""
    return {w[:6] for w in _KEY.findall(fold(text)) if w not in CLAIM_STOPWORDS}


def same_fact(a: str, b: str) -> bool:
    """Two sentences state the same fact: one holds the other, or most of the
    shorter one's key words (>= 3 of them) are in the other."""
    fa, fb = fold(a).strip(" ."), fold(b).strip(" .")
    if fa in fb or fb in fa:
        return True
    ka, kb = key_words(a), key_words(b)
    shared = len(ka & kb)
    return shared >= 3 and shared / max(1, min(len(ka), len(kb))) >= SAME_FACT_SHARE


class Said:
    """What the brief has said so far (texts), to say each fact once."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def add(self, text: str) -> None:
        self.texts.append(text)

    def repeats(self, text: str) -> bool:
        return any(same_fact(text, t) for t in self.texts)


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


def writer_aside(text: str) -> bool:
    """First person outside quotes, a methods note, or a question: not brief prose."""
    bare = _QUOTED.sub("", text)
    return bool(_FIRST_PERSON.search(bare) or _METHODS.search(text)
                or text.rstrip(" \"'\u201d\u2019)").endswith("?"))


def points_back(text: str) -> bool:
    return bool(BACKREF.match(text.strip()))
