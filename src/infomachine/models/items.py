"""Records, items, sources, stories and ingest reports.

Dataclasses, not pydantic models: they are created by the thousand on the
hot path.  ``utcnow`` is the one clock every stage and backend stamps with.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal


def utcnow() -> datetime:
    """The current time, timezone-aware UTC, to the second."""
    return datetime.now(UTC).replace(microsecond=0)


def derived_story_id(namespace: str, key: str) -> str:
    """A story id derived from what started it (stable across runs and machines):
    ``("story", first item id)`` for a clustered story, ``("pinned", slug)`` for a pinned one."""
    return "s-" + hashlib.sha256(f"{namespace}:{key}".encode()).hexdigest()[:12]


# --------------------------------------------------------------------------- ingest


@dataclass
class Record:
    """One raw document as a source parser saw it, before extraction.

    ``origin`` says where it came from for error messages (``file.jsonl:12``,
    a feed URL).  Either ``text`` or ``html`` carries the body.
    """

    origin: str
    url: str | None = None
    guid: str | None = None
    title: str | None = None
    text: str | None = None
    html: str | None = None
    author: str | None = None
    publisher: str | None = None
    published: str | datetime | None = None
    language: str | None = None
    source: str | None = None
    id: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class Item:
    """One stored item (article, post, paper, file)."""

    id: str
    title: str
    text: str
    content_hash: str
    url: str | None = None
    canonical_url: str | None = None
    guid: str | None = None
    author: str | None = None
    publisher: str | None = None
    published: datetime | None = None
    ingested_at: datetime = field(default_factory=utcnow)
    language: str | None = None
    source: str | None = None
    duplicate_of: str | None = None
    story_id: str | None = None
    pinned: bool = False
    metadata: dict[str, Any] = field(default_factory=dict)
    event_id: str | None = None  # the event (one happening) the clusterer put it in

    @property
    def when(self) -> datetime:
        """Publication time, else ingestion time (for ordering)."""
        return self.published or self.ingested_at


@dataclass
class IngestProblem:
    """A document that could not be ingested, and why."""

    origin: str
    message: str


@dataclass
class IngestReport:
    """What one ingest call did."""

    new: int = 0
    duplicate: int = 0
    near_duplicate: int = 0
    failed: int = 0
    item_ids: list[str] = field(default_factory=list)
    problems: list[IngestProblem] = field(default_factory=list)
    warnings: list[IngestProblem] = field(default_factory=list)  # kept, with a caveat

    def add(self, other: IngestReport) -> None:
        self.new += other.new
        self.duplicate += other.duplicate
        self.near_duplicate += other.near_duplicate
        self.failed += other.failed
        self.item_ids.extend(other.item_ids)
        self.problems.extend(other.problems)
        self.warnings.extend(other.warnings)

    def as_dict(self) -> dict[str, Any]:
        return {
            "new": self.new,
            "duplicate": self.duplicate,
            "near_duplicate": self.near_duplicate,
            "failed": self.failed,
            "problems": [{"origin": p.origin, "message": p.message} for p in self.problems],
            "warnings": [{"origin": p.origin, "message": p.message} for p in self.warnings],
        }


SourceKind = Literal["feed", "page", "query", "file"]
SourceStatus = Literal["active", "paused"]


@dataclass
class Source:
    """Something the engine watches: a feed, a page, a search query, a file."""

    id: str
    kind: str
    url: str
    name: str | None = None
    status: str = "active"
    created_at: datetime = field(default_factory=utcnow)
    etag: str | None = None
    last_modified: str | None = None
    last_fetch: datetime | None = None
    last_status: int | None = None
    last_error: str | None = None
    error_count: int = 0
    next_poll: datetime | None = None
    interval: int = 3600
    item_count: int = 0
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class Story:
    """A storyline: events that belong together over weeks or months (the unit a
    user follows and a brief is written for).  ``item_count`` and ``event_count``
    and the dates are filled in by the store."""

    id: str
    slug: str
    title: str
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)
    item_count: int = 0
    first_published: datetime | None = None
    last_published: datetime | None = None
    pinned: bool = False
    merged_into: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    event_count: int = 0


@dataclass
class Event:
    """Items reporting the same happening; every event belongs to one story
    (``story_id``, None only until the storyline level has placed it)."""

    id: str
    slug: str
    title: str
    story_id: str | None = None
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)
    item_count: int = 0
    first_published: datetime | None = None
    last_published: datetime | None = None
    pinned: bool = False  # holds items pinned to its story (``ingest --story``)
    merged_into: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
