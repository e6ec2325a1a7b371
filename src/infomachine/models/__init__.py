"""Plain data passed between pipeline stages and to and from the store.

* ``models.items``: records, items, sources, stories, ingest reports
  (dataclasses: the hot path makes them by the thousand);
* ``models.brief``: the Brief and its parts (pydantic: one JSON schema shared
  by synthesizers, the verifier, the version history and the renderers);
* ``models.store``: the other types the store contract passes (clustering
  state, document counts, search snippets).

Everything is re-exported here: ``from infomachine.models import Item``.
"""

from __future__ import annotations

from infomachine.models.brief import (
    SECTIONS,
    Brief,
    BriefStory,
    Claim,
    Evidence,
    Evolution,
    OpenQuestion,
    Perspective,
    Sentence,
    SourceRef,
    Tension,
    TimelineEvent,
    What,
)
from infomachine.models.items import (
    Event,
    IngestProblem,
    IngestReport,
    Item,
    Record,
    Source,
    SourceKind,
    SourceStatus,
    Story,
    derived_story_id,
    utcnow,
)
from infomachine.models.store import (
    MATCH_END,
    MATCH_START,
    DocumentCounts,
    PendingItem,
    Snippet,
    StoryState,
    Vector,
)

__all__ = [
    "MATCH_END",
    "MATCH_START",
    "SECTIONS",
    "Brief",
    "BriefStory",
    "Claim",
    "DocumentCounts",
    "Evidence",
    "Evolution",
    "IngestProblem",
    "IngestReport",
    "Item",
    "OpenQuestion",
    "PendingItem",
    "Perspective",
    "Record",
    "Sentence",
    "Snippet",
    "Source",
    "SourceKind",
    "SourceRef",
    "SourceStatus",
    "Event",
    "Story",
    "StoryState",
    "Tension",
    "TimelineEvent",
    "Vector",
    "derived_story_id",
    "What",
    "utcnow",
]
