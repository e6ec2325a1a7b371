"""Cluster settings and the run report (used by ``infomachine.cluster.engine``).

Per-story state (``StoryState``) is plain data the store passes, so it lives in
``infomachine.models.store``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from infomachine.config import load_section
from infomachine.errors import ConfigError
from infomachine.models import derived_story_id


@dataclass
class ClusterConfig:
    """Cluster settings: ``[cluster]`` in infomachine.toml or ``INFOMACHINE_CLUSTER_*``.

    Defaults were tuned on half of the UCI dev stories and checked on the
    other half and on the realnews dev set (see docs/clustering.md).
    """

    threshold: float = 0.30  # min decayed cosine(item, story centroid) to join a story
    merge_threshold: float = 0.50  # min cosine(centroid, centroid) to merge two stories
    headline_threshold: float = 0.13  # ``threshold`` for headline-only items
    headline_merge_threshold: float = 0.18  # ``merge_threshold`` between headline stories
    headline_words: int = 25  # items with fewer body words than this are headline-only
    title_weight: float = 1.0  # title terms count this much more than body terms
    entity_weight: float = 0.5  # entity-like features, relative to a word in the same field
    bigram_weight: float = 0.0  # title bigrams, relative to a title word
    body_words: int = 400  # only the first N body words are read
    half_life_days: float = 3.0  # similarity halves for every N days of gap ...
    grace_days: float = 1.0  # ... beyond this gap since the story's last item
    max_gap_days: float = 30.0  # stories idle longer than this are no longer candidates
    centroid_terms: int = 300  # centroid pruned to its N heaviest terms
    query_terms: int = 16  # the item's N heaviest features look up candidates
    max_candidates: int = 40  # at most N candidate stories are scored per item
    max_postings: int = 64  # postings kept per term (most recent active stories)
    title_candidates: int = 8  # items remembered per story to pick its headline
    commit_every: int = 2000  # items per transaction
    embedding_model: str = ""  # optional model2vec / sentence-transformers model name
    embedding_weight: float = 0.4  # share of the dense cosine in the score when a model is set
    dense_candidates: int = 8  # with a model: the N stories nearest in dense space are candidates too
    idf_prior_docs: float = 10000.0  # background documents behind the IDF prior (0: none)
    idf_prior_words: float = 100.0  # words per background document
    conflict_min_n: int = 5  # two stories this big whose anchors conflict never merge (0: off)
    generic_share: float = 0.85  # a match carried this much by one common word does not count
    generic_df: float = 0.005  # "common": in at least this share of background documents
    conflict_share: float = 0.05  # an anchor is "present" above this share of its top weight


    def __post_init__(self) -> None:
        # Thresholds may exceed 1 (that switches joining or merging off); shares may not.
        for name in ("embedding_weight", "generic_share", "generic_df", "conflict_share"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ConfigError(f"cluster setting {name} must be between 0 and 1, got {value}")


def load_config(overrides: dict[str, Any] | None = None) -> ClusterConfig:
    return load_section("cluster", ClusterConfig, overrides)


@dataclass
class ClusterReport:
    """What one ``cluster_items`` run did, at both levels."""

    items: int = 0
    joined: int = 0  # items that joined an existing event
    new_events: int = 0
    merged: int = 0  # events merged into another
    followed: int = 0  # near-duplicates placed without scoring
    events_touched: int = 0
    new_stories: int = 0  # storylines started
    events_joined: int = 0  # new events that joined an existing story
    stories_merged: int = 0
    stories_touched: int = 0
    seconds: float = 0.0
    storyline_seconds: float = 0.0  # of ``seconds``: linking events into stories

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def event_id_for(item_id: str) -> str:
    """An event's id derives from the item that started it (stable across runs)."""
    return "e-" + derived_story_id("event", item_id)[2:]
