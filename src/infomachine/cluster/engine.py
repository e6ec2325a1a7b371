"""The clustering engine: incremental, online assignment of items to stories.

In the spirit of Miranda et al. (EMNLP 2018, "Multilingual Clustering of
Streaming News"): each unclustered item, in publication order, is compared
with the centroids of candidate stories and joins the best one when the
time-decayed similarity clears ``threshold``; otherwise it starts a story.

* Features: sparse TF-IDF over title (weighted up) and body, title bigrams
  and entity-like features, with incrementally counted IDF
  (``cluster_features``).
* Candidates: an inverted index term -> stories over the centroids' terms;
  only stories sharing one of the item's strongest terms are scored, and
  only while they are active (last item within ``max_gap_days``).
* Two regimes: headline-only items (no body) and stories made of them use
  ``headline_threshold`` / ``headline_merge_threshold``, since headline
  cosines run far lower than full-text ones; other items use ``threshold`` /
  ``merge_threshold``.
* Time decay: similarity is multiplied by ``0.5 ** (gap / half_life)`` where
  gap is the time since the story's last item, beyond ``grace_days``.
* Merge step: when an item matches two stories and their centroids have
  converged (cosine >= ``merge_threshold``), the smaller story is folded into
  the larger through ``store.merge_stories`` (its id and slug stay aliases).
* Optional dense embeddings (``embedding_model``, ``cluster_dense``): nearest
  stories in dense space become candidates too, and dense cosines are mixed
  into joins and merges with ``embedding_weight``.
* Near-duplicates (``duplicate_of``) follow their original; pinned items stay
  in their story and pinned stories are never merged away.
* State (document frequencies, story centroids, which items were seen) lives
  in the store, so the next run only looks at new items (``cluster.stage``).
"""

from __future__ import annotations

import heapq
import logging
import math
import re
from collections.abc import Callable

import numpy as np

from infomachine.cluster.config import ClusterConfig, event_id_for
from infomachine.cluster.dense import DenseIndex, cosine, embedding_text, load_embedder
from infomachine.cluster.features import (
    DocumentFrequencies,
    Vector,
    body_words_count,
    dot,
    l2_norm,
    normalised,
    raw_features,
)
from infomachine.models import StoryState

DAY = 86400.0
TITLE_CACHE = 1 << 16  # titles whose features ``headline`` keeps
log = logging.getLogger(__name__)


class Clusterer:
    """The online clustering state for one run (also usable without a store)."""

    def __init__(self, config: ClusterConfig, df: DocumentFrequencies | None = None) -> None:
        self.cfg = config
        self.df = df or DocumentFrequencies()
        if config.idf_prior_docs:
            from infomachine.cluster.prior import background_df

            self.df.prior = background_df(config.idf_prior_words)
            self.df.prior_docs = config.idf_prior_docs
        self.stories: dict[str, StoryState] = {}
        self.postings: dict[str, list[str]] = {}
        self.merged_into: dict[str, str] = {}
        self.touched: set[str] = set()
        self.item_story: dict[str, str] = {}  # this run's placements (for near-duplicates)
        self.embedder = load_embedder(config.embedding_model) if config.embedding_model else None
        self.dense_dim = self.embedder(["dimension probe"]).shape[1] if self.embedder else 0
        self.dense_index = DenseIndex()
        self.dense_cache: dict[str, np.ndarray | None] = {}  # item id -> vector, filled per chunk
        self._title_features: dict[str, dict[str, float]] = {}  # title -> its features (headlines)
        if self.embedder is not None and _default_thresholds(config):
            log.warning("embedding_model is set but the thresholds are the sparse defaults: "
                        "set them for the model (docs/clustering.md, 'Dense embeddings')")

    # ------------------------------------------------------------ state

    def add_story(self, st: StoryState) -> None:
        self.stories[st.id] = st
        st.norm = l2_norm(st.centroid)
        for t in st.centroid:
            self.postings.setdefault(t, []).append(st.id)
        if st.dense is not None and len(st.dense) != self.dense_dim:
            st.dense = None  # embedded by a model no longer configured: forgotten, re-accumulated
        if st.dense is not None:
            self.dense_index.put(st.id, st.dense, st.last_ts)

    def resolve(self, story_id: str) -> str:
        while story_id in self.merged_into:
            story_id = self.merged_into[story_id]
        return story_id

    def vectorise(self, title: str, text: str) -> Vector:
        cfg = self.cfg
        raw = raw_features(
            title,
            text,
            title_weight=cfg.title_weight,
            entity_weight=cfg.entity_weight,
            bigram_weight=cfg.bigram_weight,
            body_words=cfg.body_words,
        )
        self.df.add(raw)
        return self.df.vector(raw)

    # ------------------------------------------------------------ scoring

    def decay(self, st: StoryState, ts: float | None) -> float:
        if ts is None:
            return 1.0  # undated item: its ingestion time says nothing about the event
        gap = max(0.0, (ts - st.last_ts) / DAY - self.cfg.grace_days)
        return 0.5 ** (gap / self.cfg.half_life_days) if gap > 0 else 1.0

    def candidates(self, vec: Vector, ts: float | None,
                   dense: np.ndarray | None = None) -> list[StoryState]:
        cfg = self.cfg
        horizon = ts - cfg.max_gap_days * DAY if ts is not None else -math.inf
        strongest = heapq.nsmallest(cfg.query_terms, vec.items(), key=lambda kv: (-kv[1], kv[0]))
        hits: dict[str, float] = {}
        get, postings, stories = hits.get, self.postings, self.stories
        stale: set[str] = set()  # idle past the horizon, or merged away: never candidates
        for term, weight in strongest:
            for sid in postings.get(term, ()):
                if sid in stale:
                    continue
                st = stories.get(sid)
                if st is None or st.last_ts < horizon:
                    stale.add(sid)
                    continue
                hits[sid] = get(sid, 0.0) + weight
        ranked = heapq.nsmallest(cfg.max_candidates, hits.items(), key=lambda kv: (-kv[1], kv[0]))
        out = [stories[sid] for sid, _ in ranked]
        if dense is not None and cfg.dense_candidates:
            seen = {st.id for st in out}
            for sid, _ in self.dense_index.nearest(dense, cfg.dense_candidates, horizon):
                if sid not in seen and sid in self.stories:
                    out.append(self.stories[sid])
        return out

    def score(self, st: StoryState, vec: Vector, ts: float | None, dense: np.ndarray | None) -> float:
        cos = dot(vec, st.centroid) / st.norm if st.norm else 0.0  # ``st.cosine(vec)``, faster
        if self.embedder is not None:
            cos = self.mix(cos, dense, st.dense)
        return cos * self.decay(st, ts)

    def story_similarity(self, a: StoryState, b: StoryState) -> float:
        """Similarity of two stories' centroids (sparse, mixed with dense when embedded)."""
        sparse = dot(a.centroid, b.centroid) / (a.norm * b.norm) if a.norm and b.norm else 0.0
        return self.mix(sparse, a.dense, b.dense)

    def mix(self, sparse: float, a: np.ndarray | None, b: np.ndarray | None) -> float:
        """The sparse cosine, or with a model its weighted mean with the dense cosine."""
        if a is None or b is None or self.embedder is None:
            return sparse  # (vectors persisted under a model no longer configured are ignored)
        w = self.cfg.embedding_weight
        return (1 - w) * sparse + w * cosine(a, b)

    # ------------------------------------------------------------ updates

    def absorb(self, st: StoryState, item_id: str, title: str, vec: Vector, ts: float,
               sim: float, dense: np.ndarray | None = None, long: bool = True) -> None:
        """Add an item's vector to a story's centroid and index its new terms."""
        cent = st.centroid
        for t, w in vec.items():
            if t not in cent:
                self._post(t, st.id, ts)
                cent[t] = w
            else:
                cent[t] += w
        if len(cent) > 2 * self.cfg.centroid_terms:
            keep = sorted(cent.items(), key=lambda kv: (-kv[1], kv[0]))[: self.cfg.centroid_terms]
            st.centroid = cent = dict(keep)
        st.norm = l2_norm(cent)
        st.n += 1
        st.n_long += long

        st.first_ts = min(st.first_ts, ts) if st.n > 1 else ts
        st.last_ts = max(st.last_ts, ts)
        if self.embedder is None:
            st.dense = None
        elif dense is not None:
            st.dense = dense.astype(np.float64) if st.dense is None else st.dense + dense
            self.dense_index.put(st.id, st.dense, st.last_ts)
        if title:
            st.titles.append([item_id, title, round(sim, 6)])
            st.titles.sort(key=lambda r: (-r[2], r[0]))
            del st.titles[self.cfg.title_candidates :]
        self.touched.add(st.id)

    def _post(self, term: str, sid: str, ts: float) -> None:
        plist = self.postings.setdefault(term, [])
        plist.append(sid)
        if len(plist) > self.cfg.max_postings:
            horizon = ts - self.cfg.max_gap_days * DAY
            live = [s for s in plist if s in self.stories and self.stories[s].last_ts >= horizon]
            self.postings[term] = live[-self.cfg.max_postings :]

    def merge(self, src: StoryState, dst: StoryState) -> None:
        """Fold ``src`` into ``dst`` in memory."""
        for t, w in src.centroid.items():
            if t not in dst.centroid:
                self._post(t, dst.id, dst.last_ts)
            dst.centroid[t] = dst.centroid.get(t, 0.0) + w
        if len(dst.centroid) > 2 * self.cfg.centroid_terms:
            keep = sorted(dst.centroid.items(), key=lambda kv: (-kv[1], kv[0]))
            dst.centroid = dict(keep[: self.cfg.centroid_terms])
        dst.norm = l2_norm(dst.centroid)
        if src.dense is not None:
            dst.dense = src.dense.copy() if dst.dense is None else dst.dense + src.dense
        dst.n += src.n
        dst.n_long += src.n_long

        dst.first_ts = min(dst.first_ts, src.first_ts)
        dst.last_ts = max(dst.last_ts, src.last_ts)
        if dst.dense is not None:
            self.dense_index.put(dst.id, dst.dense, dst.last_ts)
        self.dense_index.drop(src.id)
        dst.titles = sorted(dst.titles + src.titles, key=lambda r: (-r[2], r[0]))[
            : self.cfg.title_candidates
        ]
        del self.stories[src.id]
        self.merged_into[src.id] = dst.id
        self.touched.add(dst.id)
        self.touched.discard(src.id)

    def assign(self, item_id: str, title: str, text: str, ts: float, dated: bool = True,
               allow: Callable[[str], bool] | None = None) -> tuple[str, bool, str | None]:
        """Place one item; returns (event id, is new event, id of an event merged away).
        ``allow``: only events it accepts are candidates (an item pinned to a story
        joins only that story's events)."""
        vec = self.vectorise(title, text)
        dense = self._embed(item_id, title, text)
        when = ts if dated else None
        long = self.is_long(title, text)
        threshold = self.cfg.threshold if long else self.cfg.headline_threshold
        scored = sorted(
            ((self.score(st, vec, when, dense), st.id) for st in self.candidates(vec, when, dense)
             if allow is None or allow(st.id)),
            key=lambda r: (-r[0], r[1]),
        )
        while scored and scored[0][0] >= threshold and self.generic(vec, self.stories[scored[0][1]].centroid):
            scored.pop(0)  # the match rests on one common word: not evidence of one event
        if not scored or scored[0][0] < threshold:
            st = StoryState(id=self._new_id(item_id), first_ts=ts, last_ts=ts)
            self.stories[st.id] = st
            self.absorb(st, item_id, title, vec, ts, 1.0, dense, long)
            return st.id, True, None
        best = self.stories[scored[0][1]]
        self.absorb(best, item_id, title, vec, ts, scored[0][0], dense, long)
        merged = None
        if len(scored) > 1 and scored[1][0] >= threshold:
            other = self.stories[scored[1][1]]
            if best.norm and other.norm:
                sim = self.story_similarity(best, other)
                if sim >= self.merge_threshold(best, other):
                    pair = self._merge_order(best, other)
                    if pair is not None:
                        self.merge(*pair)
                        merged = pair[0].id
        return self.resolve(best.id), False, merged

    def consolidate(self, story_ids: list[str]) -> list[str]:
        """Merge step over ``story_ids``: fold converged stories; return the ids merged away."""
        merged: list[str] = []
        order = sorted(story_ids, key=lambda s: (self.stories[s].n if s in self.stories else 0, s))
        for sid in order:
            st = self.stories.get(sid)
            if st is None or not st.norm:
                continue
            best, best_sim = None, 0.0
            for other in self.candidates(normalised(st.centroid), st.last_ts, st.dense):
                if other.id == sid or not other.norm:
                    continue
                sim = self.story_similarity(st, other) * self.gap_decay(st, other)
                if sim >= self.merge_threshold(st, other) and sim >= best_sim:
                    best, best_sim = other, sim
            if best is not None:
                pair = self._merge_order(st, best)
                if pair is not None:
                    self.merge(*pair)
                    merged.append(pair[0].id)
        return merged

    def gap_decay(self, a: StoryState, b: StoryState) -> float:
        """Time decay between two events, whichever came first (1 when they overlap):
        two events weeks apart are two happenings, however alike their words."""
        if b.last_ts < a.first_ts:
            return self.decay(b, a.first_ts)
        if a.last_ts < b.first_ts:
            return self.decay(a, b.first_ts)
        return 1.0

    def is_long(self, title: str, text: str) -> bool:
        """Does the item have a body (else it is headline-only)?"""
        return body_words_count(title, text, self.cfg.headline_words) >= self.cfg.headline_words

    def merge_threshold(self, a: StoryState, b: StoryState) -> float:
        """Two headline stories merge at ``headline_merge_threshold``, others at ``merge_threshold``."""
        if a.headline and b.headline:
            return self.cfg.headline_merge_threshold
        return self.cfg.merge_threshold

    def follow(self, story_id: str, item_id: str, title: str, text: str, ts: float) -> None:
        """An item whose story is already decided (pinned, near-duplicate)."""
        vec = self.vectorise(title, text)
        st = self.stories.get(story_id)
        if st is None:
            st = StoryState(id=story_id, first_ts=ts, last_ts=ts)
            self.stories[story_id] = st
        self.absorb(st, item_id, title, vec, ts, st.cosine(vec) if st.norm else 1.0,
                    self._embed(item_id, title, text), self.is_long(title, text))

    def conflict(self, a: StoryState, b: StoryState) -> bool:
        """Each story's heaviest term (its anchor) is missing from the other one."""
        m = self.cfg.conflict_min_n
        if not m or a.n < m or b.n < m:
            return False

        def missing(x: StoryState, y: StoryState) -> bool:
            top_t, top_w = max(x.centroid.items(), key=lambda kv: (kv[1], kv[0]))
            return y.centroid.get(top_t, 0.0) / y.norm < self.cfg.conflict_share * top_w / x.norm

        return missing(a, b) and missing(b, a)

    def generic(self, a: Vector, b: Vector) -> bool:
        """Is the overlap of ``a`` and ``b`` carried by one common word?"""
        share, prior = self.cfg.generic_share, self.df.prior
        if share >= 1.0 or prior is None:
            return False
        if len(a) > len(b):
            a, b = b, a
        parts = [(v * b[t], t) for t, v in a.items() if t in b]
        total = sum(p for p, _ in parts)
        if total <= 0:
            return False
        top, term = max(parts)
        return top >= share * total and prior(term) >= self.cfg.generic_df

    def _merge_order(self, a: StoryState, b: StoryState) -> tuple[StoryState, StoryState] | None:
        """(source, target): pinned stories survive; else the larger, then the older."""
        if a.pinned and b.pinned or self.conflict(a, b) or self.generic(a.centroid, b.centroid):
            return None
        if a.pinned or b.pinned:
            return (b, a) if a.pinned else (a, b)
        if (a.n, -a.first_ts, b.id) > (b.n, -b.first_ts, a.id):
            return b, a
        return a, b

    def _new_id(self, item_id: str) -> str:
        sid = event_id_for(item_id)
        while sid in self.stories or sid in self.merged_into:
            sid = event_id_for(sid)
        return sid

    def embed_batch(self, rows: list[tuple[str, str, str]]) -> None:
        """Encode (item id, title, text) rows in one batch before they are placed."""
        if self.embedder is None or not rows:
            return
        vecs = self.embedder([embedding_text(title, text) for _, title, text in rows])
        for (item_id, _, _), vec in zip(rows, vecs, strict=True):
            self.dense_cache[item_id] = vec if vec.any() else None

    def _embed(self, item_id: str, title: str, text: str) -> np.ndarray | None:
        if self.embedder is None:
            return None
        if item_id in self.dense_cache:
            return self.dense_cache.pop(item_id)
        vec = self.embedder([embedding_text(title, text)])[0]
        return vec if vec.any() else None  # no known word: no dense evidence

    def headline(self, st: StoryState) -> str:
        """The most central remembered title, preferring headline-like lengths and
        statements over questions, media labels ("... (Video)", "Watch: ...") and
        page titles ("Topic | Site")."""
        best, best_score = "", -1.0
        for _item_id, title, _sim in st.titles:
            raw = self._title_features.get(title)
            if raw is None:
                if len(self._title_features) >= TITLE_CACHE:
                    self._title_features.clear()
                raw = self._title_features[title] = raw_features(
                    title, "", title_weight=1.0, entity_weight=1.0, bigram_weight=0.0, body_words=0)
            vec = normalised({t: w * self.df.idf(t) for t, w in raw.items()})
            n_words = len(title.split())
            shape = 1.0 if 4 <= n_words <= 16 else 0.8
            if title.rstrip().endswith("?"):
                shape *= 0.85
            if _MEDIA_LABEL.search(title):
                shape *= 0.85
            if " | " in title:
                shape *= 0.8  # a page title ("Topic | Site"), not a headline
            score = st.cosine(vec) * shape
            if score > best_score + 1e-12:
                best, best_score = title, score
        return best


_MEDIA_LABEL = re.compile(
    r"[(\[](?:video|videos|photos?|pictures|pics|gallery|watch|live|audio|podcast)[)\]]"
    r"|^\s*(?:video|watch|photos?|gallery|live)\s*[:|\-\u2013]",
    re.IGNORECASE,
)


def _default_thresholds(cfg: ClusterConfig) -> bool:
    base = ClusterConfig()
    return all(getattr(cfg, k) == getattr(base, k) for k in
               ("threshold", "merge_threshold", "headline_threshold", "headline_merge_threshold"))



