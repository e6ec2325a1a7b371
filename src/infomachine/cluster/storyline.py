"""The storyline level: online linking of events into stories.

The cluster engine groups items into *events* (one happening). This module
links events, in publication order, into *storylines*: events that belong
together over weeks or months because they involve the same actors,
entities and subject, or because an item of one links to an item of another.

* Input: one ``EventInput`` per new or grown event, as plain data: its id,
  its items (id, title, text, time, url, outbound links) and optionally its
  feature vector (the engine's event centroid, which costs nothing to reuse;
  without it the vector is computed from the items' titles and texts).
* Event vector: the centroid, entity-like features (``e:``) weighted up by
  ``entity_boost``, L2-normalised, cut to its ``event_terms`` heaviest terms.
* Storyline profile: the sum of its events' unit vectors (each weighted by
  ``1 + log(items)``), pruned to its ``profile_terms`` heaviest terms.
* Candidates: an inverted index term -> storylines over the profiles; only
  storylines sharing one of the event's ``query_terms`` strongest terms are
  looked at, at most ``max_candidates`` of them are scored exactly.
* Score: sum over shared terms of event weight x profile weight x a
  storyline-level IDF factor (a term present in many storylines, such as a
  president's name, is weak evidence), divided by the profile norm, times a
  time decay with a floor: ``floor + (1 - floor) * 0.5 ** (gap / half_life)``,
  so a quiet storyline fades but can revive months later on strong evidence.
* Guard against mega-stories: a match carried by one name (an entity and
  its words, "e:barack obama" + "barack" + "obama") for more than
  ``max_share`` of the score, or by fewer than ``min_terms`` terms, does not
  count; the subject must overlap beyond one shared prominent name.
  A name is an entity of more than two letters ("U.S." and "UN" are not),
  and not one common word set in capitals ("UPDATE", "CEO").
* Generic words: a word outside any name that is in ``generic_share`` of
  all storylines (and at least ``generic_min`` of them), such as the tag
  words headlines carry ("latest", "analysis", "breaking"), is no evidence:
  it is left out of the score, of ``min_terms`` and of the name share. Not
  so the words of the storyline's main names ("brown" of "e:chris brown").
* Mentions: an event's vector is the heaviest terms of its items' first
  words; an article that names the storyline's main actor further down
  says more. When half of the event's first ``mention_items`` items name
  one of a storyline's main names (all its words, in the first
  ``mention_chars`` characters of title + text), that name counts as shared
  (event-side weight ``mention_weight``) and anchors the event; the other
  guards still apply, so naming a president is not enough by itself.
* Links: an item whose text or links contain the URL of an item already
  placed puts its event in that item's storyline (unless ``link_weight`` 0).
* Deterministic: events are placed in order of their first item's time
  (then id); ties are broken by storyline id. State is plain data
  (``LinkerState``); updating it costs O(features of the event).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from infomachine.cluster.features import Vector, l2_norm
from infomachine.cluster.storyline_score import StorylineEvidence
from infomachine.cluster.storyline_state import (
    EventInput,
    ItemInput,
    LinkerState,
    Storyline,
    StorylineConfig,
    event_text,
    event_vector,
    links_in,
    normalise_url,
    storyline_id_for,
)

__all__ = ["EventInput", "ItemInput", "LinkResult", "LinkerState", "Storyline", "StorylineConfig",
           "StorylineLinker", "storyline_id_for"]


@dataclass
class LinkResult:
    """What one ``link`` call did (event id -> storyline id for every event given)."""

    assigned: dict[str, str] = field(default_factory=dict)
    new_storylines: list[str] = field(default_factory=list)
    joined: int = 0
    grown: int = 0  # already-linked events that gained items
    by_link: int = 0  # events placed by an item->item link
    touched: list[str] = field(default_factory=list)  # storylines whose state changed (to save)
    merged: list[tuple[str, str]] = field(default_factory=list)  # (storyline merged away, into)


class StorylineLinker(StorylineEvidence):
    """Online storyline linking over a ``LinkerState`` (see module docstring)."""

    def __init__(self, config: StorylineConfig | None = None, state: LinkerState | None = None) -> None:
        self.cfg = config or StorylineConfig()
        self.state = state or LinkerState()
        self.scored: set[str] = set()  # storylines scored exactly during the last call (for tests)
        self.merges: list[tuple[str, str]] = []  # (merged away, into) during the last call
        self._background: Callable[[str], float] | None = None
        self._common_cache: dict[str, bool] = {}
        self._anchors: dict[str, list[list[str]]] = {}  # storyline -> its main names (cache)
        self._anchor_words_cache: dict[str, set[str]] = {}  # storyline -> words of those names
        self._text: list[str] = []  # the event being placed: its items' texts, lower-cased (mentions)
        self._text_all = ""
        self._mention_cache: dict[str, bool] = {}  # name -> does the event's text name it
        self._names: list[str] | None = None  # the event's names (computed on first use)
        self._factors: dict[str, float] = {}  # the event's terms -> ``_sfactor`` (while it is placed)

    # ------------------------------------------------------------ public

    def link(self, events: Iterable[EventInput], merged: dict[str, str] | None = None) -> LinkResult:
        """Place new events and grow known ones; ``merged`` maps events the engine
        folded away to the event that absorbed them."""
        st = self.state
        res = LinkResult()
        touched: set[str] = set()
        for src, dst in sorted((merged or {}).items()):
            self.forget_event(src, dst)
        evs = sorted(events, key=lambda e: (e.first_ts(), e.id))
        self.scored = set()
        self.merges = []
        for ev in evs:
            new_items = [it for it in ev.items if it.id not in st.item_event] if ev.items else []
            n_total = max(ev.n_items, len(ev.items))
            known = st.event_story.get(ev.id)
            if ev.story is not None and (known is None or self.resolve(known) != self.resolve(ev.story)):
                placed = self._place_fixed(ev, known, n_total, res)
                self._index_items(ev.id, new_items)
                touched.add(placed)
                continue
            if known is not None:
                known = self.resolve(known)
                seen = st.event_items.get(ev.id, 0)
                if n_total > seen:
                    vec = event_vector(ev, self.cfg, st)
                    self._absorb(st.storylines[known], ev, vec, seen, n_total)
                    touched.add(known)
                    res.grown += 1
                self._index_items(ev.id, new_items)
                res.assigned[ev.id] = known
                continue
            vec = event_vector(ev, self.cfg, st)
            ts = ev.first_ts()
            self._text = event_text(ev, self.cfg) if self.cfg.mention_weight > 0 else []
            self._text_all = "".join(self._text)
            self._mention_cache = {}
            self._names = None
            self._factors = {t: self._sfactor(t) for t in vec}
            sid, how = self._choose(ev, vec, ts)
            self._text = []
            if sid is None:
                sid = self._new_id(ev.id)
                st.storylines[sid] = Storyline(id=sid, first_ts=ts, last_ts=ts)
                res.new_storylines.append(sid)
            else:
                res.joined += 1
                res.by_link += how == "link"
            st.event_story[ev.id] = sid
            self._absorb(st.storylines[sid], ev, vec, 0, n_total)
            self._index_items(ev.id, new_items)
            touched.add(sid)
            res.assigned[ev.id] = sid
        res.assigned = {e: self.resolve(s) for e, s in res.assigned.items()}
        res.merged = list(self.merges)
        res.touched = sorted({self.resolve(s) for s in touched} | {d for _, d in self.merges})
        return res

    def _place_fixed(self, ev: EventInput, known: str | None, n_total: int, res: LinkResult) -> str:
        """An event whose storyline is decided (it holds items pinned to a story)."""
        st = self.state
        sid = self.resolve(str(ev.story))
        if sid not in st.storylines:
            st.storylines[sid] = Storyline(id=sid, first_ts=ev.first_ts(), last_ts=ev.last_ts())
        st.event_story[ev.id] = sid
        self._absorb(st.storylines[sid], ev, event_vector(ev, self.cfg, st), 0 if known is None else
                     st.event_items.get(ev.id, 0), n_total)
        res.assigned[ev.id] = sid
        return sid

    def storyline_of(self, event_id: str) -> str | None:
        st = self.state
        while event_id in st.event_alias:
            event_id = st.event_alias[event_id]
        sid = st.event_story.get(event_id)
        return self.resolve(sid) if sid is not None else None

    def forget_event(self, src: str, dst: str) -> None:
        """The engine merged event ``src`` into ``dst``: ``src`` now resolves to ``dst``."""
        st = self.state
        if src == dst:
            return
        st.event_alias[src] = dst
        sid = st.event_story.pop(src, None)
        n = st.event_items.pop(src, 0)
        if dst not in st.event_story and sid is not None:
            st.event_story[dst] = sid
            st.event_items[dst] = n

    # ------------------------------------------------------------ choosing

    def _choose(self, ev: EventInput, vec: Vector, ts: float) -> tuple[str | None, str]:
        cfg, st = self.cfg, self.state
        if cfg.link_weight > 0:
            linked = self._linked_storyline(ev)
            if linked is not None:
                return linked, "link"
        if not vec:
            return None, ""
        passed: list[tuple[float, str]] = []
        for sid in self._candidates(vec):
            if st.fixed.get(sid) == "closed":
                continue  # unfollowed: keeps its events, takes no new ones
            self.scored.add(sid)
            score = self._score(st.storylines[sid], vec, ts)
            if score >= cfg.threshold:
                passed.append((score, sid))
        if not passed:
            return None, ""
        passed.sort(key=lambda r: (-r[0], r[1]))
        best = passed[0][1]
        for _, other in passed[1:]:
            best = self._maybe_merge(best, other)
        return best, "score"

    def _maybe_merge(self, a: str, b: str) -> str:
        """Two storylines the same event matches fold together when their profiles
        have converged (cosine >= ``merge_threshold``); returns the survivor."""
        st = self.state
        sa, sb = st.storylines[a], st.storylines[b]
        if not sa.norm or not sb.norm or self.cfg.merge_threshold > 1.0 or self._kept_apart(a, b):
            return a
        small, big = (sa, sb) if len(sa.profile) < len(sb.profile) else (sb, sa)
        get = big.profile.get
        cos = sum(w * get(t, 0.0) for t, w in small.profile.items()) / (sa.norm * sb.norm)
        if cos < self.cfg.merge_threshold:
            return a
        src, dst = (sb, sa) if (sa.n_items, -sa.first_ts, sb.id) > (sb.n_items, -sb.first_ts, sa.id) else (sa, sb)
        if src.id in st.fixed:  # a pinned or unfollowed storyline is never merged away
            if dst.id in st.fixed:
                return a
            src, dst = dst, src
        self._merge(src, dst)
        return dst.id

    def _kept_apart(self, a: str, b: str) -> bool:
        """Did a user split these two storylines (``infomachine split``)?"""
        pair = {self.resolve(a), self.resolve(b)}
        return any({self.resolve(x), self.resolve(y)} == pair for x, y in self.state.apart)

    def _linked_storyline(self, ev: EventInput) -> str | None:
        st = self.state
        votes: dict[str, int] = {}
        for it in ev.items:
            for url in list(it.links) + links_in(it.text):
                target = st.url_event.get(normalise_url(url))
                if target is None or target == ev.id:
                    continue
                sid = self.storyline_of(target)
                if sid is not None:
                    votes[sid] = votes.get(sid, 0) + 1
            # an earlier item that links to this one
            if it.url:
                for src_event in st.pending_links.get(normalise_url(it.url), ()):
                    sid = self.storyline_of(src_event)
                    if sid is not None:
                        votes[sid] = votes.get(sid, 0) + 1
        if not votes:
            return None
        return max(votes.items(), key=lambda kv: (kv[1], kv[0]))[0]

    def _candidates(self, vec: Vector) -> list[str]:
        cfg, st = self.cfg, self.state
        strongest = heapq.nsmallest(cfg.query_terms, vec.items(), key=lambda kv: (-kv[1], kv[0]))
        hits: dict[str, float] = {}
        for term, w in strongest:
            plist = st.postings.get(term)
            if not plist:
                continue
            wf = w * self._factors[term]
            for sid in plist:
                hits[sid] = hits.get(sid, 0.0) + wf
        ranked = heapq.nsmallest(cfg.max_candidates, hits.items(), key=lambda kv: (-kv[1], kv[0]))
        return [sid for sid, _ in ranked if sid in st.storylines]









    # ------------------------------------------------------------ updates

    def _absorb(self, story: Storyline, ev: EventInput, vec: Vector, seen: int, n_total: int) -> None:
        cfg, st = self.cfg, self.state
        w = (1.0 + math.log(max(n_total, 1))) - ((1.0 + math.log(seen)) if seen else 0.0)
        prof = story.profile
        for t, v in vec.items():
            if t not in prof:
                prof[t] = v * w
                st.sdf[t] = st.sdf.get(t, 0) + 1
                self._post(t, story.id)
            else:
                prof[t] += v * w
        if len(prof) > 2 * cfg.profile_terms:
            self._prune(story)
        story.norm = l2_norm(story.profile)
        self._anchors.pop(story.id, None)
        self._anchor_words_cache.pop(story.id, None)
        story.n_items += n_total - seen
        story.n_events += 0 if seen else 1
        story.first_ts = min(story.first_ts, ev.first_ts())
        story.last_ts = max(story.last_ts, ev.last_ts())
        st.event_items[ev.id] = n_total

    def _merge(self, src: Storyline, dst: Storyline) -> None:
        """Fold storyline ``src`` into ``dst`` (``src`` stays an alias of ``dst``)."""
        st = self.state
        prof = dst.profile
        for t, w in src.profile.items():
            st.sdf[t] -= 1
            if t in prof:
                prof[t] += w
            else:
                prof[t] = w
                st.sdf[t] += 1
                self._post(t, dst.id)
            if not st.sdf[t]:
                del st.sdf[t]
        if len(prof) > 2 * self.cfg.profile_terms:
            self._prune(dst)
        dst.norm = l2_norm(dst.profile)
        for sid in (dst.id, src.id):
            self._anchors.pop(sid, None)
            self._anchor_words_cache.pop(sid, None)
        dst.n_items += src.n_items
        dst.n_events += src.n_events
        dst.first_ts = min(dst.first_ts, src.first_ts)
        dst.last_ts = max(dst.last_ts, src.last_ts)
        del st.storylines[src.id]
        st.merged_into[src.id] = dst.id
        self.merges.append((src.id, dst.id))

    def _prune(self, story: Storyline) -> None:
        st = self.state
        keep = heapq.nsmallest(self.cfg.profile_terms, story.profile.items(), key=lambda kv: (-kv[1], kv[0]))
        kept = dict(keep)
        for t in story.profile:
            if t not in kept:
                st.sdf[t] -= 1
                if not st.sdf[t]:
                    del st.sdf[t]
        story.profile = kept

    def resolve(self, sid: str) -> str:
        merged = self.state.merged_into
        while sid in merged:
            sid = merged[sid]
        return sid

    def _post(self, term: str, sid: str) -> None:
        plist = self.state.postings.setdefault(term, [])
        plist.append(sid)
        if len(plist) > 2 * self.cfg.max_postings:
            # keep the storylines most recently active (ties: newest posting)
            stories = self.state.storylines
            live = [s for s in dict.fromkeys(reversed(plist)) if s in stories
                    and term in stories[s].profile]
            live.sort(key=lambda s: -stories[s].last_ts)
            self.state.postings[term] = list(reversed(live[: self.cfg.max_postings]))

    def _index_items(self, event_id: str, items: Iterable[ItemInput]) -> None:
        st = self.state
        for it in items:
            st.item_event[it.id] = event_id
            url = it.url
            if url and self.cfg.link_weight > 0:
                st.url_event.setdefault(normalise_url(url), event_id)
            if self.cfg.link_weight > 0:
                for link in list(it.links) + links_in(it.text):
                    key = normalise_url(link)
                    if key not in st.url_event:
                        plist = st.pending_links.setdefault(key, [])
                        if event_id not in plist:
                            plist.append(event_id)

    def _new_id(self, event_id: str) -> str:
        sid = storyline_id_for(event_id)
        while sid in self.state.storylines or sid in self.state.merged_into:
            sid = storyline_id_for(sid)
        return sid
