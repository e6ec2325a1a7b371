"""Cues in claims: uncertainty (open questions), significance (why it
matters), contrast and disagreement (tensions).

Everything here looks at wording only; the synthesizer combines these cues
with salience.  A tension is two attributed claims by different named
actors that either (a) share one sentence split by a contrast marker, or
(b) are about the same thing (a shared key term, or one names the other)
and oppose each other (see ``find_tensions``).  An open question is a short
question rebuilt from the uncertain clause (``questions.to_question``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from infomachine.synth.analyze.actors import Attribution, attributions, is_person
from infomachine.synth.analyze.sentences import Sent, words
from infomachine.text.stopwords import CLAIM_STOPWORDS

STRONG_UNCERTAINTY = re.compile(
    r"\b(unclear|uncertain|unknown|remains? to be seen|not yet (?:known|clear|decided|"
    r"confirmed|been)|has not been (?:independently )?(?:verified|confirmed|reproduced|announced)|"
    r"unverified|open question|it is not clear|it's not clear|yet to (?:be )?\w+|"
    r"whether or not|no (?:timeline|decision|date) (?:has|have) been|undecided|questions? remains?|"
    r"(?:is|are|was|were) (?:still )?(?:awaited|pending|disputed|contested)|awaiting|has yet to|have yet to|"
    r"(?:is|are) (?:now |still )?(?:expected|due|set|scheduled) to (?:rule|decide)|"
    r"(?:has said it will|has said they will|plans to|intends to|is expected to|is likely to|has vowed to|vowed to|"
    r"said it would|says it will) appeal)\b",
    re.IGNORECASE,
)
WEAK_UNCERTAINTY = re.compile(r"\b(could|might|may|whether|possibly|potentially|if)\b")
# Statements of consequence or stakes ("has direct consequences for", "raises
# the stakes", "matters because", "means that") count fully; superlatives and
# hedges ("could", "first", "major") only add up.
SIGNIFICANCE = re.compile(
    r"\b(consequences?|implications?|stakes|at stake|matters? (?:because|for|to)|why it matters|"
    r"means that|would mean|raises? (?:the )?(?:stakes|questions?|concerns?|pressure)|"
    r"could (?:reshape|change|transform|upend|determine|decide)|sets? a precedent|turning point|"
    r"(?:could|would|will|may) (?:cost|force|lead to|delay|hurt|push|mean|leave|decide|determine)|"
    r"threatens?|at risk|puts? .{0,30} at risk|depends? on|leav(?:e|es|ing) .{0,40} in limbo|"
    r"would remain|inflection point|precedent|paves? the way|opens? the door|a blow to|"
    r"(?:roadblock|obstacle|barrier) to)\b",
    re.IGNORECASE,
)
WEAK_SIGNIFICANCE = re.compile(
    r"\b(could|would|may|might|first|largest|biggest|strongest|major|key|signals?|marks?|because|"
    r"record|boldest|impact|important|if|historic|landmark|pivotal|crucial|critical|significant(?:ly)?|"
    r"unprecedented|influence|affects?|shapes?|risks?|threat)\b",
    re.IGNORECASE,
)
_SPLIT_CONTRAST = re.compile(
    r"(?:,|;|\s\u2014|\s-)\s+(?=(?:but|while|whereas|although|though|however)\b)", re.IGNORECASE
)
_SEMICOLON = re.compile(r";\s+")
def content_words(text: str) -> set[str]:
    return {w for w in words(text) if w not in CLAIM_STOPWORDS and len(w) > 2}


def uncertainty(text: str) -> float:
    """0 (none) .. ~3: how strongly the sentence flags something unknown."""
    score = 2.0 * len(STRONG_UNCERTAINTY.findall(text))
    if text.rstrip(" \"'\u201d\u2019").endswith("?"):
        score += 2.0
    score += 0.5 * min(2, len(WEAK_UNCERTAINTY.findall(text)))
    return score


def significance(text: str) -> float:
    """0 .. 3: how plainly the sentence states a consequence or what is at stake.

    2 per strong cue, 0.5 per weak one; the Why section needs >= 2 (one
    strong cue, or four weak ones).
    """
    score = 2.0 * len(SIGNIFICANCE.findall(text)) + 0.5 * len(WEAK_SIGNIFICANCE.findall(text))
    return float(min(3.0, score))


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


# Opposing poles: a claim holding one pole (and not the other) opposes a claim
# holding the other.  Wording only; the pair must also share its topic.
AXES: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = tuple(
    (re.compile(rf"\b(?:{up})\b", re.IGNORECASE), re.compile(rf"\b(?:{down})\b", re.IGNORECASE))
    for up, down in (
        # trend of a gap, a figure, a risk
        (r"widen\w*|grow\w*|larger|bigger|increas\w*|ris(?:e|es|ing)|worsen\w*|more than|accelerat\w*",
         r"stable|steady|narrow\w*|shrink\w*|smaller|shorter|decreas\w*|fall(?:s|ing)?|clos(?:er|ing)|"
         r"less than|slow\w*|flat"),
        # standing: behind vs level
        (r"lag\w*|trail\w*|behind|inferior|weaker|worse",
         r"competitive|rival\w*|on par|match(?:es|ing)?|closer|catch\w* up|ahead|superior|better|outperform\w*"),
        # validity of a method, figure or claim
        (r"flawed|wrong|misleading|overstat\w*|understat\w*|exaggerat\w*|inaccurate|unreliable|biased|"
         r"artifact|false|mismeasur\w*",
         r"sound|accurate|reliable|valid|correct|robust|real|fair"),
        # support vs opposition to a measure
        (r"support\w*|favou?r\w*|back(?:s|ed|ing)?|welcom\w*|benefit\w*|necessary|justified",
         r"oppos\w*|against|harm\w*|punish\w*|unfair|unnecessary|unjustified|illegal|block\w*|"
         r"risky|unworkable|infeasible|impractical|counterproductive|damag\w*"),
    )
)
CRITICAL = re.compile(
    r"\b(?:flawed|wrong|misleading|overstat\w*|understat\w*|exaggerat\w*|inaccurate|unreliable|"
    r"biased|false|mistaken|disput\w*|reject\w*|den(?:y|ies|ied)|counter\w*|disagree\w*|"
    r"challeng\w*|criticis\w*|criticiz\w*|smear\w*|lying|lied|fabricat\w*)\b",
    re.IGNORECASE,
)


SUPPORT_AXIS = 3  # the index in AXES of support vs opposition


@lru_cache(maxsize=4096)
def _text_poles(text: str) -> tuple[tuple[bool, bool], ...]:
    return tuple((bool(up.search(text)), bool(down.search(text))) for up, down in AXES)


def _poles(text: str, advocates: bool = False) -> list[tuple[bool, bool]]:
    """(up, down) per axis; an advocated measure ("urged a breakup") is support for it."""
    poles = list(_text_poles(text))
    if advocates:
        poles[SUPPORT_AXIS] = (True, False)
    return poles


AXIS_WEIGHTS = (1.5, 0.75, 1.0, 1.0)  # a trend reversal is the most specific opposition


def opposition(a_text: str, b_text: str, a_advocates: bool = False, b_advocates: bool = False,
               skip: frozenset[int] = frozenset()) -> float:
    """Weight of the strongest axis on which the two texts take opposite poles (0: none).
    A claim that is an advocated measure holds the support pole (see ``_poles``); axis
    ``skip`` is not considered."""
    best = 0.0
    pairs = zip(_poles(a_text, a_advocates), _poles(b_text, b_advocates), AXIS_WEIGHTS, strict=True)
    for axis, ((au, ad), (bu, bd), w) in enumerate(pairs):
        if axis in skip:
            continue
        if (au and not ad and bd and not bu) or (ad and not au and bu and not bd):
            best = max(best, w)
    return best


_LINKING = {"is", "are", "was", "were", "be", "been", "being", "has", "have", "had", "remains",
            "remain", "remained", "stays", "stay", "stayed", "seems", "looks", "getting", "gets",
            "got", "become", "becomes", "became", "keeps", "kept", "still", "now", "not",
            # prepositions after a predicate ("stable since 2019", "widening across regions")
            "since", "until", "through", "across", "within", "against", "around", "below",
            "above", "between", "during", "among", "despite", "toward", "towards", "again"}


@lru_cache(maxsize=8192)
def _trend_subjects(text: str, axis: int = 0) -> frozenset[str]:
    """What each trend word is about: the noun it modifies ("a widening gap", "a stable
    path") or, used as a predicate, the noun before it ("the gap is widening").  A standing
    word (axis 1) is about the noun before it, what lags or leads ("open models lag closed
    ones", "the works are far behind schedule")."""
    up, down = AXES[axis]
    toks = re.findall(r"[\w'\u2019-]+", text.lower())
    out: set[str] = set()
    for i, tok in enumerate(toks):
        if not (up.fullmatch(tok) or down.fullmatch(tok)):
            continue
        nxt = toks[i + 1] if i + 1 < len(toks) else ""
        if axis == 0 and nxt.isalpha() and nxt not in CLAIM_STOPWORDS and nxt not in _LINKING and not nxt.endswith("ly"):
            out.add(nxt.rstrip("s"))
            continue
        for prev in reversed(toks[max(0, i - 6) : i]):
            if prev in CLAIM_STOPWORDS or prev in _LINKING or prev.endswith("ly"):
                continue
            out.add(prev.rstrip("s"))
            break
    return frozenset(out)


def trend_on_shared_subject(a_text: str, b_text: str, axis: int = 0) -> bool:
    """A trend reversal counts only when both trends are about the same thing: "the wage
    gap is stable" vs "the wage gap is widening", not "the only stable path for open
    models" vs "the gap is widening"."""
    return bool(_trend_subjects(a_text, axis) & _trend_subjects(b_text, axis))


def opposing(a_text: str, b_text: str) -> bool:
    """True when the two texts take opposite poles on some axis."""
    return opposition(a_text, b_text) > 0


def _names(actor: str) -> set[str]:
    """The actor's name and, for a person, the surname ("Moonshot AI" is not "AI")."""
    parts = actor.split()
    return {actor, parts[-1]} if is_person(actor) else {actor}


def _stem(word: str) -> str:
    """A crude stem, so that "forcing" and "forced", "cuts" and "cut" match."""
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


MAX_TENSION_ATTS = 150  # attributions compared pairwise (the most salient first)
# What one actor says about another's claim or work ("Kolm Bureau's method is misleading").
_CLAIM_NOUNS = (r"method\w*|methodolog\w*|claims?|estimates?|figures?|numbers?|data|analys[ie]s|"
                r"assessments?|arguments?|accounts?|views?|position|conclusions?|reports?|study|studies|"
                r"findings?|proposals?|plans?|theory|version|case|evidence|testimony|statements?|"
                r"allegations?|accusations?|charges?|forecasts?|projections?")
MIN_SHARED = 2  # key words two claims share to be about the same question
MIN_OVERLAP = 0.25  # ... as a share of the shorter claim's key words
DISPUTE_SHARED, DISPUTE_OVERLAP = 3, 0.4  # a bare disagreement verb needs more of the other's words
# Words too general to make two claims about one question.
_GENERIC = frozenset(
    """against year years time times week weeks month months day days people last first next made make
    makes take takes took told tell well like back even still just way ways going want wants thing things
    part many much could would should every since while because people's""".split()
)


def _targets(claim: str, names: set[str]) -> bool:
    """The claim takes on the other actor's claim or work: "B's method", "the claim by B",
    "B's figures overstate"."""
    for n in names:
        e = re.escape(n)
        if re.search(rf"\b{e}(?:'s|\u2019s| \u2019s| 's)\s+(?:[a-z-]+\s+){{0,2}}(?:{_CLAIM_NOUNS})\b", claim):
            return True
        if re.search(rf"\b(?:{_CLAIM_NOUNS})\s+(?:by|from|of)\s+(?:the\s+)?{e}\b", claim):
            return True
    return False


def _object_is(claim: str, names: set[str], disagrees: bool) -> bool:
    """The claim takes on the other actor: it opens with them after a disagreement verb
    ("(criticised) Mr Lien for failing to ...") or in a critical first clause ("Lusk is
    smearing ..."), or says they are wrong or lying; not a dare ("challenged B to prove ...")."""
    if _DARE.match(claim):
        return False
    # the claim's first clause, before a dash, semicolon or comma ("... a bribe - a claim
    # that B denies": the denial is B's, not a criticism of B)
    bare = re.sub(r"^([^,]{2,40}?)\s?,\s[^,]{3,60}?\s?,\s", r"\1 ", claim)  # "B, the minister, was ..."
    first = re.split(r"\s[\u2013\u2014-]\s|;|,\s|\s\u00e2\u20ac", bare)[0]
    for n in names:
        opens = re.match(rf"(?:the\s+|Mr\.?\s+|Mrs\.?\s+|Ms\.?\s+)?{re.escape(n)}\b(?!\s+to\s)", claim)
        if opens and (disagrees or CRITICAL.search(first)):
            return True  # "(criticised) Mr Lien for ...", "(claims that) Lusk is smearing ..."
        if re.search(rf"\b{re.escape(n)}\s+(?:is|was|are|were|has been)\s+(?:\w+\s+)?(?:wrong|mistaken|misleading|"
                     rf"lying)\b", first):
            return True
    return False


# "X challenged Y to prove ...", "X urged Y to ...": a dare or a request, not a position on a question
_DARE = re.compile(r"^(?:[A-Z][\w'\u2019.-]*\s+){1,4}to\s+[a-z]+\b")


def _common_df(n: int) -> float:
    """Claims a key word may appear in before it is a story-wide word: 40% of a short
    story's claims, down to 8% (at least 8) of a long story's, where the story's
    subject ("shutdown", "treaty") recurs across many different questions."""
    return 0.4 * n if n < 20 else max(8.0, 0.08 * n)


def find_tensions(atts: list[Attribution], canon: dict[str, str]) -> list[TensionPair]:
    """Conflicting claims between two different named actors, best first.

    A pair is a tension only when both claims are about the same question and
    oppose each other.  The same question: the two claims share at least two key
    words (story-wide words such as "open" or "models", and the actors' own
    names, do not count) making a quarter of the shorter claim's key words; or
    one claim takes on the other actor's claim by name ("B's method is flawed").  Opposed: opposite poles on an axis
    (widening vs stable, lag vs competitive, flawed vs sound, support vs oppose),
    or a disagreement verb over the other's words ("disputes that ..."), or
    answering the sentence before ("A believes X. B disagrees: ...").  A
    name mentioned in passing, or a dare ("X challenged Y to prove ..."), is
    not a position.  Precision over recall: no tension is better than a wrong one.
    """
    atts = atts[:MAX_TENSION_ATTS]
    names = {n: _names(n) for n in {canon.get(x.actor, x.actor) for x in atts}}
    for x in atts:  # and the forms the sources use ("Mr Lien" of "Lien Chan")
        names[canon.get(x.actor, x.actor)].add(x.actor)
    name_words = {_stem(w) for ns in names.values() for n in ns for w in content_words(n)}
    claim_words = [{_stem(w) for w in content_words(x.claim) - _GENERIC} - name_words for x in atts]
    critical = [bool(CRITICAL.search(x.claim)) and not _DARE.match(x.claim) for x in atts]
    target_cache: dict[tuple[int, str], bool] = {}

    def targets(i: int, actor: str) -> bool:
        if not (atts[i].disagrees or critical[i]):
            return False
        if (i, actor) not in target_cache:
            target_cache[(i, actor)] = _targets(atts[i].claim, names[actor])
        return target_cache[(i, actor)]

    df: dict[str, int] = {}
    for ws in claim_words:
        for w in ws:
            df[w] = df.get(w, 0) + 1
    common = {w for w, n in df.items() if len(atts) >= 6 and n > _common_df(len(atts))}
    pairs: list[TensionPair] = []
    for i, a in enumerate(atts):
        for j in range(i + 1, len(atts)):
            b = atts[j]
            actor_a, actor_b = canon.get(a.actor, a.actor), canon.get(b.actor, b.actor)
            if actor_a == actor_b or names[actor_a] & names[actor_b]:
                continue
            if a.sent == b.sent:
                halves = split_contrast(a.sent.text)
                if halves and opposing(*halves) and content_words(halves[0]) & content_words(halves[1]):
                    pairs.append(TensionPair(a, b, halves[0], halves[1], 3.0))
                continue
            shared = (claim_words[i] & claim_words[j]) - common
            overlap = len(shared) / max(1, min(len(claim_words[i]), len(claim_words[j])))
            same_question = len(shared) >= MIN_SHARED and overlap >= MIN_OVERLAP
            # "B's method is flawed": a criticism of the other's claim by name, paired with the
            # other's claims (the one sharing most words first)
            critic = targets(i, actor_b) or targets(j, actor_a)
            # "A criticised B for ...", "A claims that B is lying": the other as the object of a
            # disagreement verb or the subject of a critical claim, paired
            # only with what B says in the same report (B's reply)
            if not critic and a.sent.item == b.sent.item:
                critic = (_object_is(a.claim, names[actor_b], a.disagrees)
                          or _object_is(b.claim, names[actor_a], b.disagrees))
            # "X disputes that <what Y says>": a disagreement verb over the same words
            disputes = (a.disagrees or b.disagrees) and len(shared) >= DISPUTE_SHARED and overlap >= DISPUTE_OVERLAP
            poles = opposition(a.claim, b.claim, a.advocates, b.advocates) if same_question else 0.0
            if poles and a.advocates and b.advocates:
                poles = 0.0  # two actors each wanting something is not yet a conflict
            # opposite trends (or standings), but of different things ("ahead of schedule" on
            # one goal, "behind schedule" on another): only the other axes count
            unrelated = frozenset(k for k in (0, 1) if poles and not trend_on_shared_subject(a.claim, b.claim, k))
            if unrelated:
                poles = opposition(a.claim, b.claim, a.advocates, b.advocates, skip=unrelated)
            # "A believes X. B disagrees: ...": a disagreement verb answering the sentence before
            first, later = (a, b) if (a.sent.item, a.sent.index) < (b.sent.item, b.sent.index) else (b, a)
            reply = (first.sent.item == later.sent.item and later.sent.index == first.sent.index + 1
                     and later.disagrees and bool(claim_words[i] & claim_words[j]))
            disputes = disputes or reply
            if not (critic or disputes or poles):
                continue
            score = len(shared) / 4 + 1.5 * critic + max(poles, 1.0 * disputes)
            if a.sent.item == b.sent.item:
                score += 0.5  # one report setting out both sides
            pairs.append(TensionPair(a, b, a.sent.text, b.sent.text, score))
    pairs.sort(key=lambda p: (-p.score, p.a.sent.item, p.a.sent.index, p.b.sent.item, p.b.sent.index))
    return pairs


def _semicolon_halves(text: str) -> tuple[str, str] | None:
    parts = _SEMICOLON.split(text, maxsplit=1)
    if len(parts) != 2 or min(len(p.split()) for p in parts) < 4:
        return None
    return parts[0].strip(), parts[1].strip()


def contrast_tensions(sents: list[Sent], canon: dict[str, str] | None = None) -> list[TensionPair]:
    """One sentence, two actors: "X says A, but Y disputes B" split in two; or a
    disagreement stated by a third party, "X believes A; Y thinks B", when both
    halves are about the same thing (a shared key word)."""
    out: list[TensionPair] = []
    for sent in sents:
        halves = split_contrast(sent.text)
        if not halves:
            halves = _semicolon_halves(sent.text)
            if not halves or not (content_words(halves[0]) & content_words(halves[1])):
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


