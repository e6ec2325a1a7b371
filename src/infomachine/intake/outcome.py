"""What a poll did: per source (``SourceOutcome``) and in all (``PollReport``).

Plain records, shared by the poller and the run loop (``from
infomachine.intake.poll import PollReport, SourceOutcome`` still works).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class SourceOutcome:
    """What polling one source did."""

    source_id: str
    url: str
    status: str  # "fetched", "not_modified", "error", "deferred", "paused"
    http_status: int | None = None
    new: int = 0
    duplicate: int = 0
    error: str | None = None
    next_poll: datetime | None = None
    item_ids: list[str] = field(default_factory=list)
    removed: bool = False  # the source was deleted while it was polled (its items were kept)


@dataclass
class PollReport:
    """What one ``poll`` call did."""

    due: int = 0
    fetched: int = 0
    not_modified: int = 0
    failed: int = 0
    deferred: int = 0
    paused: list[str] = field(default_factory=list)
    new_items: int = 0
    duplicates: int = 0
    seconds: float = 0.0
    outcomes: list[SourceOutcome] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "due": self.due, "fetched": self.fetched, "not_modified": self.not_modified,
            "failed": self.failed, "deferred": self.deferred, "paused": self.paused,
            "new_items": self.new_items, "duplicates": self.duplicates, "seconds": self.seconds,
        }
