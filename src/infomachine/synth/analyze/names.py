"""Who is who among the names a story's sources use.

One entry per actor: a surname, a title, an acronym and its expansion, or a
reordered name resolve to one canonical name (``canonical_actors``);
reporters, outlets and sentence-initial common words are not actors
(``not_actors``); two voices of one side are never a tension (``same_side``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator

from infomachine.synth.analyze.actors import (
    NAME_TOKEN,
    OUTLET_WORDS,
    VERBS,
    Attribution,
    clean_name,
    is_person,
)

_RUN = re.compile(r"[A-Z][\w.'\u2019-]*(?:\s+[A-Z][\w.'\u2019-]*){1,5}")


def full_names(texts: Iterable[str]) -> Counter[str]:
    """Personal names (2-3 capitalised words) written out in ``texts``."""
    seen: Counter[str] = Counter()
    for text in texts:
        for m in _RUN.finditer(text):
            parts = m.group().split()
            for k in (3, 2):
                name = clean_name(" ".join(parts[-k:]))
                if name and is_person(name):
                    seen[name] += 1
                    break
    return seen


_SMALL = {"of", "the", "for", "and", "on", "in", "de", "du", "la"}


def _dominant(cands: set[str], counts: Counter[str]) -> str | None:
    """The one candidate, or the one written at least four times in five ("Michel Temer"
    over "Marcela Temer" and a slogan); None when the surname is shared more evenly."""
    if len(cands) == 1:
        return next(iter(cands))
    if not cands:
        return None
    top = max(sorted(cands), key=lambda c: counts[c])
    return top if counts[top] >= 3 and counts[top] >= 0.8 * sum(counts[c] for c in cands) else None


def _titled(name: str, blob: str) -> bool:
    """The one word is a person's name: the sources (``blob``, their joined text) write
    "Mr Hu", "President Hu"."""
    title = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|President|Premier|Chairman)\.?\s+$")
    return any(title.search(blob[max(0, start - 12) : start]) for start, _ in _occurrences(name, blob))


def _occurrences(name: str, blob: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each whole-word occurrence of ``name`` in ``blob`` (str.find: fast)."""
    k = blob.find(name)
    while k >= 0:
        end = k + len(name)
        if (k == 0 or not blob[k - 1].isalnum()) and (end == len(blob) or not blob[end].isalnum()):
            yield k, end
        k = blob.find(name, end)


def _shortest(names: set[str]) -> set[str]:
    """Names without a title-like word in front of another of them ("Vice-president Michel
    Temer" and "Michel Temer" are one person)."""
    return {n for n in names if not any(o != n and n.endswith(" " + o) for o in names)}


def _initials(name: str, small: bool) -> str:
    parts = [p for p in re.split(r"[\s-]+", name.replace(".", "")) if p]
    return "".join(p[0] for p in parts if small or p.lower() not in _SMALL).upper()


def _word_key(name: str) -> frozenset[str]:
    """ "Justice Department" and "Department of Justice" (and "the U.S. Department of Justice")."""
    words_ = {w.lower() for w in re.findall(r"[\w'\u2019]+", name.replace(".", ""))}
    return frozenset(words_ - _SMALL - {"us", "uk"})


def _expansion(acronym: str, names: Iterable[str]) -> str | None:
    """The one name whose initials spell ``acronym`` ("WHO" -> "World Health Organization",
    "DOJ" -> "Department of Justice")."""
    if not (2 <= len(acronym) <= 6 and acronym.isupper() and acronym.isalpha()):
        return None
    cands = {n for n in names if len(n.split()) >= 2 and acronym in (_initials(n, True), _initials(n, False))}
    return cands.pop() if len(cands) == 1 else None


_ACRONYM_DEF = re.compile(r"(?P<long>[A-Z][\w.'\u2019-]*(?:\s+(?:of|the|for|and|on|[A-Z][\w.'\u2019-]*)){1,6})\s+"
                          r"\((?P<short>[A-Z]{2,6})\)")


def canonical_actors(names: Iterable[str], texts: Iterable[str] = ()) -> dict[str, str]:
    """Map each name to one form per actor.

    A one-word name resolves to the full name ending with it (or, for a name
    the sources title "Mr Hu", starting with it) among the attributed names,
    else among personal names written out in ``texts``, when that name is the
    only one or written four times in five (when two people share the surname
    more evenly it stays as it is); an
    acronym and its expansion ("WHO", "World Health Organization (WHO)"), and
    the same words in another order ("Justice Department", "Department of
    Justice"), are one actor, named by its most frequent form (the longer on a tie).
    """
    counts = Counter(names)
    texts = list(texts)
    blob = "\n".join(texts)
    written = full_names(texts)
    defined: dict[str, str] = {}  # acronym -> expansion, from "World Health Organization (WHO)"
    for text in texts:
        for m in _ACRONYM_DEF.finditer(text):
            long = clean_name(m["long"])
            if long and m["short"] in (_initials(long, True), _initials(long, False)):
                defined.setdefault(m["short"], long)
    spelled: dict[str, str] = {}  # "US Geological Survey" and "U.S. Geological Survey"
    for name in sorted(counts, key=lambda n: (-counts[n], n)):
        spelled.setdefault(name.replace(".", "").lower(), name)
    out: dict[str, str] = {}
    for name in counts:
        out[name] = spelled[name.replace(".", "").lower()]
        if len(name.split()) != 1:
            continue
        for pool in (counts, written):
            cands = _shortest({c for c in pool if c != name and c.split()[-1] == name and len(c.split()) <= 3})
            if pool is written and _titled(name, blob):
                # family name first ("Mr Hu" of "Hu Jintao")
                cands |= {c for c in pool if len(c.split()) == 2 and c.split()[0] == name}
            full = _dominant(cands, pool)
            if full:
                out[name] = full
                break
            if len(cands) > 1:
                break
    # one actor, several spellings: acronym <-> expansion, reordered words
    group: dict[str, str] = {}
    for name in sorted(set(out.values()), key=lambda n: (-len(n.split()), n)):
        long = defined.get(name) or _expansion(name, set(out.values()))
        key = _word_key(long) if long else _word_key(name)
        group[name] = next((g for g in group.values() if _word_key(g) == key), long or name)
    members: dict[str, list[str]] = {}
    for name, head in group.items():
        members.setdefault(head, []).append(name)
    freq = Counter(out[n] for n in names_list(counts))
    best = {head: max(ms, key=lambda m: (freq[m], len(m), m)) for head, ms in members.items()}
    return {name: best[group[form]] for name, form in out.items()}


def names_list(counts: Counter[str]) -> list[str]:
    return list(counts.elements())


_BYLINE_NAME = re.compile(r"(?:^|\n)\s*[Bb]y\s+(?P<name>[A-Z][\w'.-]+(?:\s+[A-Z][\w'.-]+){0,3})")


_TOLD = re.compile(rf"\b(?:told|tells|said to|speaking to|in an interview with|according to|reported by|"
                   rf"wrote in|writing in)\s+(?:the\s+)?(?P<name>{NAME_TOKEN}(?:\s+{NAME_TOKEN}){{0,3}})")


_SAID_AFTER = re.compile(rf"(?:\s*,[^,]{{3,80}},)?\s+(?:{VERBS})\b")


def _quoted_elsewhere(writers: set[str], texts: list[str], publishers: list[str],
                      authors: list[str]) -> set[str]:
    """Writers whom another outlet's item reports as saying something ("Lambert argues
    ..." in someone else's article), and publishers without an outlet word that speak
    as an organisation ("Epoch AI estimates ..."): their claims are the news, so they
    are actors of the story, not only its reporters."""
    out: set[str] = set()
    for name in writers:
        if any(p in OUTLET_WORDS for p in name.split()) or len(name) < 3:
            continue
        keys = {name, name.split()[-1]} if is_person(name) else {name}
        for k, text in enumerate(texts):
            # a person's own byline aside; an organisation may speak in its own pages
            own = {(authors[k] if k < len(authors) else "") or ""} if is_person(name) else set()
            if name not in own and any(_SAID_AFTER.match(text, end) for key in keys
                                       for _, end in _occurrences(key, text)):
                out.add(name)
                break
    return out


# What the sources write before an outlet's name: "gossip website TMZ", "told TMZ", "an
# interview with TMZ" ("according to X" and "X reports" are said of companies too).
_MEDIUM_BEFORE = re.compile(
    r"\b(?:(?:web)?site|newspaper|paper|tabloid|magazine|broadcaster|channel|network|outlet|blog|"
    r"news agency|daily|weekly)\s+(?:the\s+)?$"
)
_TOLD_BEFORE = re.compile(r"\b(?:told|interview with|statement to|speaking to|reported by|wrote in)\s+(?:the\s+)?$")
_SAYS_AFTER = re.compile(rf"\s+(?:{VERBS})\b")


def _reports_only(name: str, blob: str) -> bool:
    """A name the sources present as a medium ("celebrity website TMZ", "told TMZ") twice,
    and three times as often as the subject of a view of its own: an outlet."""
    if len(name) < 2 or name not in blob:
        return False
    person = is_person(name)  # "told Jon Berg" is said of people too: only "website Jon Berg" counts
    n_medium = n_says = 0
    for start, end in _occurrences(name, blob):
        before = blob[max(0, start - 24) : start]
        if _MEDIUM_BEFORE.search(before) or not person and _TOLD_BEFORE.search(before):
            n_medium += 1
        elif _SAYS_AFTER.match(blob, end):
            n_says += 1
    return n_medium >= 2 and n_medium >= 3 * n_says


def not_actors(names: Iterable[str], texts: Iterable[str], publishers: Iterable[str] = (),
               authors: Iterable[str] = ()) -> set[str]:
    """The names among ``names`` that are not actors of the story: reporters
    (bylines, item authors, unless another outlet reports them as saying
    something), outlets (publishers, names with an outlet word,
    the one told or cited: "told Canal Plus", "reported by The Verge"), and
    common words capitalised only because they open a sentence ("Evidence
    shows ..." when "evidence" is written in lower case elsewhere)."""
    texts, publishers, authors = list(texts), list(publishers), list(authors)
    lower: set[str] = set()
    for text in texts:
        lower |= set(re.findall(r"\b[a-z][a-z'-]+\b", text))
    outside = {a.strip() for a in authors if a} | {p.strip() for p in publishers if p}
    outside -= _quoted_elsewhere(outside, texts, publishers, authors)
    blob = "\n".join(texts)
    for text in texts:
        outside |= {m["name"] for m in _BYLINE_NAME.finditer(text)}
        for m in _TOLD.finditer(text):
            name = clean_name(m["name"])  # "told Canal Plus": an outlet only with an outlet word
            if name and any(p in OUTLET_WORDS for p in name.split()):
                outside.add(name)
    out: set[str] = set()
    for name in set(names):
        parts = name.split()
        if (name in outside or _reports_only(name, blob) or any(p in OUTLET_WORDS for p in parts)
                or any(name in o or o in name for o in outside if len(o) > 3)
                or len(parts) == 1 and name.lower() in lower and not name.isupper()):
            out.add(name)
    return out


def same_side(pairs: Iterable[frozenset[str]], atts: Iterable[Attribution], canon: dict[str, str],
              texts: Iterable[str]) -> set[frozenset[str]]:
    """Those of ``pairs`` (of canonical actors) who speak for one side: one is
    the other's affiliation ("Matthew Huppert, leading the Justice
    Department's closing argument"), they act together ("The DOJ and
    several states urged ...", "A and B said", "A's B"), or one speaks for
    the other (a seat of government and its head, a country and its official:
    ``_speaks_for``)."""
    pairs = {p for p in pairs if len(p) == 2}
    affiliated = {frozenset({canon.get(x.actor, x.actor), canon.get(x.affiliation, x.affiliation)})
                  for x in atts if x.affiliation}
    out = pairs & affiliated
    texts = list(texts)
    for pair in pairs - out:
        a_, b_ = sorted(pair)
        ea, eb = re.escape(a_), re.escape(b_)
        together = re.compile(
            rf"\b(?:{ea}(?:'s|\u2019s) (?:[a-z]+ ){{0,2}}{eb}|{eb}(?:'s|\u2019s) (?:[a-z]+ ){{0,2}}{ea})\b"
        )
        if any(a_ in t and b_ in t and together.search(t) for t in texts) or _speaks_for(a_, b_, texts):
            out.add(pair)
    return out


# Seats of government: the voice of the head of state or government ("the White House said").
SEATS = {"White House", "Kremlin", "Downing Street", "Number 10", "No 10", "Elysee", "\u00c9lys\u00e9e",
         "Blue House", "Zhongnanhai", "Planalto", "Quirinale", "Chancellery"}
_HEAD = r"(?:President|Prime Minister|Premier|Chancellor|president|prime minister|premier|chancellor)"


def _speaks_for(a: str, b: str, texts: list[str]) -> bool:
    """One of a person and a body speaks for the other: a seat of government and the
    person the sources title its head ("President X"), or a country and its own official
    ("Norland's foreign minister X", "Norlandic President X", "X, Norland's minister")."""
    for person, body in ((a, b), (b, a)):
        if not is_person(person) and len(person.split()) != 1:
            continue
        names_ = "|".join(re.escape(n) for n in {person, person.split()[-1]})
        if body in SEATS:
            head = re.compile(rf"\b{_HEAD}\s+(?:{NAME_TOKEN}\s+)?(?:{names_})\b")
            if any(head.search(t) for t in texts):
                return True
            continue
        if len(body.split()) != 1 or len(body) < 4 or is_person(body):
            continue
        stem = re.escape(body[:4])
        own = re.compile(rf"\b{stem}\w*(?:'s|\u2019s| 's)?\s+(?:(?:[a-z-]+|{_HEAD})\s+){{1,3}}(?:{NAME_TOKEN}\s+)?"
                         rf"(?:{names_})\b|\b(?:{names_}),\s+(?:the\s+)?{stem}\w*(?:'s|\u2019s| 's)?\s+[a-z]")
        if any(own.search(t) for t in texts):
            return True
    return False
