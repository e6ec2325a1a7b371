"""Features for story clustering: terms, entity-like features, TF-IDF vectors.

An item becomes one sparse vector (a dict term -> weight, L2-normalised):

* word terms of the title (weighted ``title_weight``) and the first
  ``body_words`` words of the body, lower-cased, stop words dropped, plural
  ``-s`` folded; title word bigrams (``b:``) so that "taper talk" and "talk
  taper" differ from the bag of words;
* entity-like features (``e:``): capitalised phrases ("Charles Plosser"),
  mixed letter/digit names ("GPT-5", "V4", "iPhone"), acronyms ("GM"), and
  numbers with their unit ("8.8 magnitude", "$1.5 billion");
* each weighted by ``1 + log(tf)`` times an IDF whose document frequencies
  are counted incrementally as items arrive (``DocumentFrequencies``).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from itertools import repeat
from operator import mul

from infomachine.models import DocumentCounts
from infomachine.text.stopwords import CLUSTER_STOPWORDS
from infomachine.text.words import FEATURE_TOKEN

Vector = dict[str, float]

_SENTENCE_END = re.compile(r"[.!?:;\"“”]\s*$")
UNITS = frozenset(
    """percent pct % million billion trillion bn mn m k km kilometers kilometres miles mph kph
    magnitude points point degrees dollars euros pounds yen yuan people dead killed injured
    years months weeks days hours minutes seconds gb tb mb gw mw kw b parameters tokens goals
    seats votes shares barrels tons tonnes""".split()
)
# Dates name *when*, not *what*: in a stream where every item is from the same
# days they join unrelated headlines ("Video Games News And Rumors 3/10/14",
# "The Energy Report, March 10, 2014"). Dates are cut from the text before it
# is tokenised (numeric dates, clock times, a month next to a day number), and
# weekday names, unambiguous month names and years are not features. "March"
# and "May" alone are words ("Women's March"), so only dated uses go.
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
          r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_DATE = re.compile(
    r"\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b"  # 3/10, 3/10/14
    r"|\b\d{4}-\d{1,2}-\d{1,2}\b|\b\d{1,2}[.-]\d{1,2}[.-]\d{2,4}\b"  # 2014-03-10, 10.03.2014
    r"|\b\d{1,2}:\d{2}(?::\d{2})?(?:\s?[ap]\.?m\.?)?"  # 2:02 am, 14:30
    rf"|\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\b"  # March 10, Mar. 10th
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?![a-z])",  # 10 March, 10th of March
    re.IGNORECASE,
)
CALENDAR = frozenset(
    """january february april june july august september october november december monday
    tuesday wednesday thursday friday saturday sunday""".split()
)


CONNECTORS = frozenset({"of", "de", "the", "and", "&", "for", "von", "van", "la", "le", "del"})


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def words(text: str) -> list[str]:
    """Word tokens in their original case."""
    return FEATURE_TOKEN.findall(normalise(text))


def stem(word: str) -> str:
    """Lower-case and fold the commonest English inflections (cheap, not Porter)."""
    out = _STEMS.get(word)
    if out is None:
        if len(_STEMS) >= _CACHE_WORDS:
            _STEMS.clear()
        out = _STEMS[word] = _stem(word)
    return out


def _stem(word: str) -> str:
    w = word.lower().strip("'’").replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")) and not w[-2].isdigit():
        return w[:-1]
    return w


def terms(tokens: Iterable[str]) -> list[str]:
    out = []
    for tok in tokens:
        t = _TERMS.get(tok, "")  # "" is never a term: not cached yet
        if t == "":
            if len(_TERMS) >= _CACHE_WORDS:
                _TERMS.clear()
            t = _TERMS[tok] = _term(tok)
        if t is not None:
            out.append(t)
    return out


def _term(tok: str) -> str | None:
    """The term of a token, None when it is no feature (stop word, date, too short)."""
    t = stem(tok[1:] if tok.startswith("$") else tok)
    if len(t) < 2 and not t.isdigit():
        return None
    if t in CLUSTER_STOPWORDS or t in CALENDAR or _is_year(t):
        return None
    return t


# stem and term of each token seen (pure functions of the token), bounded
_CACHE_WORDS = 1 << 18
_STEMS: dict[str, str] = {}
_TERMS: dict[str, str | None] = {}


def _is_year(term: str) -> bool:
    return len(term) == 4 and term.isascii() and term.isdigit() and 1900 <= int(term) <= 2099


def strip_dates(text: str) -> str:
    """``text`` without numeric dates, clock times and day-month dates."""
    return _DATE.sub(" ", text) if any(c.isdigit() for c in text) else text


def _is_title_case(tokens: list[str]) -> bool:
    alpha = [t for t in tokens if t[0].isalpha() and t.lower() not in CLUSTER_STOPWORDS]
    if len(alpha) < 3:
        return False
    caps = sum(1 for t in alpha if t[0].isupper())
    return caps >= 0.75 * len(alpha)


def entities(text: str, *, title: bool = False) -> list[str]:
    """Entity-like features of ``text`` (see the module docstring)."""
    return _entities(words(text), title)


def _entities(toks: list[str], title: bool) -> list[str]:
    """Entity-like features of the word tokens ``toks`` (``words`` of a text)."""
    if not toks:
        return []
    title_case = title and _is_title_case(toks)
    shapes = [_SHAPES.get(t) or _shape(t) for t in toks]
    all_caps = sum(1 for sh in shapes if sh[5]) > 0.6 * len(toks)
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        while run and run[-1].lower() in CONNECTORS:
            run.pop()
        if len(run) >= 2 and not title_case:
            out.append("e:" + " ".join(stem(w) for w in run))
        run.clear()

    for i, tok in enumerate(toks):
        low, mixed, camel, numeric, capital, _ = shapes[i]
        if mixed:
            out.append("e:" + low.rstrip("%"))  # GPT-5, V4, M8.8, 5G
        elif not all_caps and camel:
            out.append("e:" + stem(tok))  # iPhone, OpenAI, DeepSeek, NSA
        if numeric:
            nxt = shapes[i + 1][0] if i + 1 < len(toks) else ""
            num = low.lstrip("$").rstrip("%")
            if tok.startswith("$"):
                out.append("e:$" + num + (" " + nxt if nxt in UNITS else ""))
            elif tok.endswith("%"):
                out.append("e:" + num + "%")
            elif nxt in UNITS:
                out.append("e:" + num + " " + stem(nxt))
        if capital and not all_caps:
            run.append(tok)
        elif run and low in CONNECTORS:
            run.append(tok)
        else:
            flush()
    flush()
    return out


_Shape = tuple[str, bool, bool, bool, bool, bool]
_SHAPES: dict[str, _Shape] = {}


def _shape(tok: str) -> _Shape:
    """What ``_entities`` asks of a token (cached): lower-cased; letters and digits
    ("GPT-5"); a capital after a first letter ("iPhone"); a number, amount or
    share; a capital first letter; all capitals."""
    has_digit = any(c.isdigit() for c in tok)
    has_alpha = any(c.isalpha() for c in tok)
    shape = (tok.lower(), has_digit and has_alpha and len(tok) > 1,
             has_alpha and tok[0].isalpha() and any(c.isupper() for c in tok[1:]),
             has_digit and not has_alpha or tok.startswith("$") or tok.endswith("%"),
             tok[0].isupper() and has_alpha, tok.isupper() and len(tok) > 1)
    if len(_SHAPES) >= _CACHE_WORDS:
        _SHAPES.clear()
    _SHAPES[tok] = shape
    return shape


def title_bigrams(title_terms: list[str]) -> list[str]:
    return ["b:" + a + " " + b for a, b in zip(title_terms, title_terms[1:], strict=False)]


def body_words_count(title: str, text: str, cap: int = 64) -> int:
    """Words of the body beyond the title (up to ``cap``): 0 for headline-only items."""
    body = _strip_title(title, text or "")
    return len(words(body[: cap * 12])[:cap])


def _strip_title(title: str, body: str) -> str:
    if normalise(body).strip().lower().startswith(normalise(title).strip().lower()):
        return body[len(title) :]
    return body


def raw_features(
    title: str,
    text: str,
    *,
    title_weight: float,
    entity_weight: float,
    bigram_weight: float,
    body_words: int,
) -> dict[str, float]:
    """Weighted term frequencies of one item (before IDF)."""
    # Dates are cut from the part that is read, not from the whole text (hot path).
    body = strip_dates(_strip_title(title, text or "")[: body_words * 12])
    title = strip_dates(title)
    title_words = words(title)
    title_terms = terms(title_words)
    body_tokens = words(body)[:body_words]
    counts: Counter[str] = Counter()
    weights: dict[str, float] = {}
    for t in title_terms:
        counts[t] += 1
        weights[t] = max(weights.get(t, 0.0), title_weight)
    for t in terms(body_tokens):
        counts[t] += 1
        weights.setdefault(t, 1.0)
    if bigram_weight > 0:
        for t in title_bigrams(title_terms):
            counts[t] += 1
            weights[t] = bigram_weight * title_weight
    if entity_weight > 0:
        for t in _entities(title_words, True):
            counts[t] += 1
            weights[t] = entity_weight * title_weight
        # (the body's tokens joined by spaces tokenise back to themselves)
        for t in _entities(body_tokens, False):
            counts[t] += 1
            weights.setdefault(t, entity_weight)
    return {t: (1.0 + math.log(c)) * weights[t] for t, c in counts.items()}


class DocumentFrequencies(DocumentCounts):
    """Incremental document frequencies: updated as each item arrives.

    The counts themselves (``df``, ``n_docs``, ``changed``) are the plain
    ``models.DocumentCounts`` the store saves; this adds the IDF on top.
    """

    def __init__(self, df: dict[str, int] | None = None, n_docs: int = 0,
                 prior: Callable[[str], float] | None = None, prior_docs: float = 0.0) -> None:
        super().__init__(df or {}, n_docs)
        self.prior = prior  # term -> background document frequency (share of documents)
        self.prior_docs = prior_docs if prior is not None else 0.0
        self._prior_cache: dict[str, float] = {}

    def add(self, features: Iterable[str]) -> None:
        self.n_docs += 1
        df = self.df
        for t in features:
            df[t] = df.get(t, 0) + 1
            self.changed.add(t)

    def idf(self, term: str) -> float:
        if not self.prior_docs:
            return math.log((self.n_docs + 1) / (self.df.get(term, 0) + 1)) + 1.0
        pdf = self._prior_cache.get(term)
        if pdf is None:
            pdf = self._prior_cache[term] = self.prior_docs * self.prior(term)  # type: ignore[misc]
        return math.log((self.n_docs + self.prior_docs + 1) / (self.df.get(term, 0) + pdf + 1)) + 1.0

    def vector(self, raw: dict[str, float]) -> Vector:
        """TF-IDF weights of ``raw``, L2-normalised."""
        vec = {t: w * self.idf(t) for t, w in raw.items()}
        return normalised(vec)


def l2_norm(vec: Vector) -> float:
    """L2 norm, the squares summed in the vector's order."""
    return math.sqrt(sum(map(mul, vec.values(), vec.values())))


def normalised(vec: Vector) -> Vector:
    norm = l2_norm(vec)
    if norm == 0:
        return {}
    return {t: v / norm for t, v in vec.items()}


def dot(a: Vector, b: Vector) -> float:
    """Sparse dot product, summed in the order of the smaller vector's terms."""
    if len(a) > len(b):
        a, b = b, a
    return sum(map(mul, a.values(), map(b.get, a, repeat(0.0))))
