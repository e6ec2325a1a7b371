"""Plain-data parts of the storyline level: settings, input, state, event vectors.

Everything here is dataclasses of dicts and lists, so the store can persist
it (``LinkerState.to_plain`` / ``from_plain``: JSON-safe; the inverted index
and the storyline document frequencies are rebuilt from the profiles).
"""

from __future__ import annotations

import hashlib
import heapq
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from infomachine.cluster.features import (
    DocumentFrequencies,
    Vector,
    body_words_count,
    l2_norm,
    raw_features,
)
from infomachine.config import load_section


@dataclass
class StorylineConfig:
    """Storyline settings: ``[stories]`` in infomachine.toml or ``INFOMACHINE_STORIES_*``
    (defaults tuned on tls-dev Charles_Taylor, Chris_Brown, Dilma_Rousseff; see
    benchmarks/storyline_quality.py)."""

    threshold: float = 0.03  # min decayed score(event, storyline) to join
    merge_threshold: float = 0.2  # two storylines one event joins merge at this profile cosine
    half_life_days: float = 30.0  # the time-dependent part of the score halves every N days ...
    decay_floor: float = 0.5  # ... down to this share: quiet storylines can revive, no hard cut
    entity_boost: float = 2.0  # entity-like features (e:) weigh this much more than words
    event_terms: int = 64  # an event is its N heaviest terms
    profile_terms: int = 300  # a storyline profile is pruned to its N heaviest terms
    query_terms: int = 12  # the event's N heaviest terms look up candidates
    max_candidates: int = 24  # at most N candidate storylines are scored per event
    max_postings: int = 256  # postings kept per term (storylines most recently active)
    sidf_power: float = 1.0  # exponent of the storyline-level IDF factor
    min_terms: int = 3  # a match needs at least N shared terms ...
    max_share: float = 0.9  # ... and no single name carrying more than this share of it
    require_name: bool = True  # ... and at least one shared name (entity)
    specific_terms: int = 1  # ... and, when only one name is shared, N shared uncommon words beside it
    generic_share: float = 0.15  # a word (not of a name) in this share of storylines ...
    generic_min: int = 5  # ... and in at least N of them is generic: no evidence of a subject
    generic_score: bool = True  # generic words are left out of the score too (else only of the guards)
    common_share: float = 0.005  # words in this share of background documents are not names
    anchors: int = 5  # the event must name one of the storyline's N heaviest names (0: off)
    mention_weight: float = 0.3  # an item text naming a storyline's main name: this much evidence (0: off)
    mention_chars: int = 4000  # ... read in the first N characters of each item's title + text
    mention_items: int = 20  # ... of the event's first N items, ...
    mention_share: float = 0.5  # ... and in at least this share of them
    mention_body_words: int = 25  # items with fewer body words are headlines: not read for mentions
    link_weight: float = 1.0  # item->item URL links place an event (0: off)
    # used only when an event comes without a vector (items' texts are read):
    title_weight: float = 2.0
    body_words: int = 120


def load_storyline_config(overrides: dict[str, Any] | None = None) -> StorylineConfig:
    return load_section("stories", StorylineConfig, overrides)


@dataclass
class ItemInput:
    id: str
    title: str = ""
    text: str = ""
    ts: float = 0.0  # publication time (epoch seconds), else ingestion time
    url: str | None = None
    links: list[str] = field(default_factory=list)  # outbound URLs, if known


@dataclass
class EventInput:
    """One event as the cluster engine left it (new, or grown since last time)."""

    id: str
    items: list[ItemInput] = field(default_factory=list)  # new items suffice for a known event
    vector: dict[str, float] | None = None  # e.g. the engine's centroid; None: read the items
    n_items: int = 0  # items in the event now (0: len(items))
    first: float | None = None  # first/last item time if items are not all given
    last: float | None = None
    story: str | None = None  # placed in this storyline whatever the evidence (pinned items)

    def first_ts(self) -> float:
        if self.first is not None:
            return self.first
        return min((it.ts for it in self.items), default=0.0)

    def last_ts(self) -> float:
        if self.last is not None:
            return self.last
        return max((it.ts for it in self.items), default=0.0)


@dataclass
class Storyline:
    id: str
    profile: dict[str, float] = field(default_factory=dict)  # sum of weighted event vectors
    n_events: int = 0
    n_items: int = 0
    first_ts: float = 0.0
    last_ts: float = 0.0
    norm: float = 0.0


@dataclass
class LinkerState:
    storylines: dict[str, Storyline] = field(default_factory=dict)
    event_story: dict[str, str] = field(default_factory=dict)  # event id -> storyline id
    event_items: dict[str, int] = field(default_factory=dict)  # items of the event absorbed
    event_alias: dict[str, str] = field(default_factory=dict)  # merged-away event -> event
    merged_into: dict[str, str] = field(default_factory=dict)  # merged-away storyline -> storyline
    item_event: dict[str, str] = field(default_factory=dict)  # items seen -> event
    url_event: dict[str, str] = field(default_factory=dict)  # item URL -> event
    pending_links: dict[str, list[str]] = field(default_factory=dict)  # URL not seen yet -> events
    n_docs: int = 0  # item document frequencies (only for events without a vector)
    df: dict[str, int] = field(default_factory=dict)
    fixed: dict[str, str] = field(default_factory=dict)  # storyline -> "pinned" | "closed"
    apart: list[list[str]] = field(default_factory=list)  # storyline pairs a user split: never merged
    headline: dict[str, list[Any]] = field(default_factory=dict)  # storyline -> [headline event, score]
    # derived (rebuilt by from_plain, not persisted):
    postings: dict[str, list[str]] = field(default_factory=dict)
    sdf: dict[str, int] = field(default_factory=dict)
    saved: tuple[int, int] = (0, 0)  # entries of item_event, url_event the store has (``to_saved``)

    def to_plain(self) -> dict[str, Any]:
        return {
            "storylines": {k: {"id": s.id, "profile": s.profile, "n_events": s.n_events,
                               "n_items": s.n_items, "first_ts": s.first_ts, "last_ts": s.last_ts}
                           for k, s in self.storylines.items()},
            "event_story": self.event_story, "event_items": self.event_items,
            "event_alias": self.event_alias, "merged_into": self.merged_into,
            "item_event": self.item_event,
            "url_event": self.url_event, "pending_links": self.pending_links,
            "n_docs": self.n_docs, "df": self.df, "fixed": self.fixed, "apart": self.apart,
            "headline": self.headline,
        }

    def to_saved(self) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
        """What ``store.storyline_save`` writes: the plain state but its item and URL
        maps, and the entries those maps gained since the last save, which the store
        appends (they grow with every item, and only grow: an item or URL is
        entered once and never changed or removed, so the new entries are the
        last ones in insertion order). Counts them as saved."""
        plain = self.to_plain()
        del plain["item_event"], plain["url_event"]
        items = dict(islice(self.item_event.items(), self.saved[0], None))
        urls = dict(islice(self.url_event.items(), self.saved[1], None))
        self.saved = (len(self.item_event), len(self.url_event))
        return plain, items, urls

    @classmethod
    def from_plain(cls, data: dict[str, Any]) -> LinkerState:
        """The state ``to_plain`` (or ``store.storyline_load``) gave, all of it counted as saved."""
        st = cls(
            storylines={}, event_story=dict(data["event_story"]),
            event_items={k: int(v) for k, v in data["event_items"].items()},
            event_alias=dict(data["event_alias"]), merged_into=dict(data["merged_into"]),
            item_event=dict(data["item_event"]),
            url_event=dict(data["url_event"]),
            pending_links={k: list(v) for k, v in data["pending_links"].items()},
            n_docs=int(data["n_docs"]), df=dict(data["df"]),
            fixed=dict(data.get("fixed", {})), apart=[list(p) for p in data.get("apart", [])],
            headline={k: list(v) for k, v in data.get("headline", {}).items()},
        )
        st.saved = (len(st.item_event), len(st.url_event))
        # storylines in order of last activity, so postings come out as ``link`` builds them
        for s in sorted(data["storylines"].values(), key=lambda s: (s["last_ts"], s["id"])):
            story = Storyline(id=s["id"], profile={t: float(w) for t, w in s["profile"].items()},
                              n_events=s["n_events"], n_items=s["n_items"],
                              first_ts=s["first_ts"], last_ts=s["last_ts"])
            story.norm = l2_norm(story.profile)
            st.storylines[story.id] = story
            for t in story.profile:
                st.sdf[t] = st.sdf.get(t, 0) + 1
                st.postings.setdefault(t, []).append(story.id)
        return st


def event_vector(ev: EventInput, cfg: StorylineConfig, state: LinkerState) -> Vector:
    """The event's unit vector (entities boosted), cut to ``cfg.event_terms`` terms."""
    if ev.vector is not None:
        raw = ev.vector
    else:
        raw = _items_vector(ev, cfg, state)
    boost = cfg.entity_boost
    vec: dict[str, float] = {}
    for t, w in raw.items():
        if w <= 0 or t.startswith("#") or t in _MOJIBAKE_TERMS or "â tm" in t:
            continue
        if t.endswith(("â", "ã")):  # "Brazilâ€™s", "Jã©r" (UTF-8 read as cp1252): cut
            t = t[:-1]
        w = w * boost if t.startswith("e:") else w
        vec[t] = vec.get(t, 0.0) + w
    if len(vec) > cfg.event_terms:
        vec = dict(sorted(vec.items(), key=lambda kv: (-kv[1], kv[0]))[: cfg.event_terms])
    norm = math.sqrt(sum(w * w for w in vec.values()))
    return {t: w / norm for t, w in vec.items()} if norm else {}


def event_text(ev: EventInput, cfg: StorylineConfig) -> list[str]:
    """The titles + texts of the event's first ``mention_items`` items (first
    ``mention_chars`` characters each) that have a body (``mention_body_words``
    words beyond the title), lower-cased, each word after a space."""
    out = []
    for it in ev.items[: cfg.mention_items]:
        if body_words_count(it.title, it.text or "", cfg.mention_body_words) < cfg.mention_body_words:
            continue  # a headline: its words are all in the event's vector already
        text = (it.title + " " + (it.text or ""))[: cfg.mention_chars]
        out.append(" " + _NON_WORD.sub(" ", text.lower()))
    return out


_NON_WORD = re.compile(r"[^\w]+")


def _items_vector(ev: EventInput, cfg: StorylineConfig, state: LinkerState) -> Vector:
    """Sum of the items' TF-IDF vectors (document frequencies kept in ``state``)."""
    df = DocumentFrequencies(state.df, state.n_docs)
    out: dict[str, float] = {}
    for it in ev.items:
        if it.id in state.item_event:
            continue
        raw = raw_features(it.title, it.text, title_weight=cfg.title_weight, entity_weight=1.0,
                           bigram_weight=0.0, body_words=cfg.body_words)
        df.add(raw)
        for t, w in df.vector(raw).items():
            out[t] = out.get(t, 0.0) + w
    state.df, state.n_docs = df.df, df.n_docs
    return out


def is_name(term: str, common: Callable[[str], bool] | None = None) -> bool:
    """An entity-like feature that can name an actor: not a two-letter acronym
    ("US", "U.S.", "UN", "AI", "EU" are in every other story), nor a bare
    number, nor (given ``common``) one common word set in capitals ("UPDATE",
    "CEO", "LIVE" open headlines of every subject)."""
    if not term.startswith("e:"):
        return False
    body = term[2:].replace(".", "")
    if len(body) <= 2 or body.isdigit():
        return False
    return common is None or " " in body or not common(body)


def event_names(vec: Vector, common: Callable[[str], bool]) -> list[str]:
    """The names of an event vector, heaviest first (see ``is_name``)."""
    return [t for t in sorted(vec, key=lambda t: (-vec[t], t)) if is_name(t, common)]


def name_groups(vec: Vector, shared: Vector, common: Callable[[str], bool],
                names: list[str] | None = None) -> dict[str, str]:
    """Shared term -> the name it belongs to. A name is an entity of the event
    (``vec``) with its uncommon words: "e:president dilma rousseff", "rousseff",
    "dilma" are one name; a shared word of it ("rousseff") is evidence of that
    name even when the other side spells the entity differently ("e:ms rousseff")."""
    groups: dict[str, str] = {}
    for t in event_names(vec, common) if names is None else names:
        if t in shared:
            groups.setdefault(t, t)
        for word in t[2:].split(" "):
            if len(word) > 2 and word in shared and not common(word):
                groups.setdefault(word, t)
    return groups


def anchor_names(profile: Vector, n: int, common: Callable[[str], bool]) -> list[list[str]]:
    """The ``n`` heaviest names of a profile, each as [entity, its uncommon words...]."""
    names = heapq.nlargest(n, ((w, t) for t, w in profile.items() if is_name(t, common)))
    return [[t] + [w for w in t[2:].split(" ") if len(w) > 2 and not common(w) and w != t[2:]]
            for _, t in names]


# "’" stored as UTF-8 and read as cp1252 is "â€™"; NFKC makes "™" "TM": a term in
# every mis-decoded page, whatever its subject (text hygiene, not a topic feature).
_MOJIBAKE_TERMS = frozenset({"tm", "e:tm", "e:â", "â"})

_URL = re.compile(r"https?://[^\s<>\"'()\[\]]+", re.IGNORECASE)


def links_in(text: str) -> list[str]:
    """URLs written in ``text`` (cheap when there are none)."""
    if not text or "://" not in text:
        return []
    return [u.rstrip(".,;:!?") for u in _URL.findall(text)]


def normalise_url(url: str) -> str:
    """Scheme, ``www.``, fragment and trailing slash do not matter."""
    u = url.strip().lower().split("#", 1)[0]
    u = re.sub(r"^https?://(www\.)?", "", u)
    return u.rstrip("/")


def storyline_id_for(event_id: str) -> str:
    """A storyline's id derives from the event that started it."""
    return "l-" + hashlib.sha256(("storyline:" + event_id).encode()).hexdigest()[:12]
