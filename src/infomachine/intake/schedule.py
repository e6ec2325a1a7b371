"""When a source is polled next: due, interval (with the feed's hints),
jitter and exponential backoff.  Pure rules over ``PollConfig`` values, so
they can be read and tested on their own; Retry-After is in ``hosts.py``.
"""

from __future__ import annotations

import random
from datetime import datetime
from typing import Protocol

from infomachine.intake.politeness import clamp
from infomachine.models import Source

POLLED_KINDS = ("feed", "page", "query")


class ScheduleConfig(Protocol):
    interval: int
    min_interval: int
    max_interval: int
    jitter: float


def is_due(source: Source, now: datetime) -> bool:
    return (
        source.status == "active"
        and source.kind in POLLED_KINDS
        and (source.next_poll is None or source.next_poll <= now)
    )


class Schedule:
    """Interval, jitter and backoff rules of one poller."""

    def __init__(self, config: ScheduleConfig, rng: random.Random | None = None) -> None:
        self.config = config
        self.rng = rng or random.Random()

    def base_interval(self, source: Source, hint: int | None = None) -> float:
        cfg = self.config
        override = source.metadata.get("interval")  # a per-source setting, else the default
        base = float(override) if isinstance(override, int | float) and override > 0 else float(cfg.interval)
        if hint:
            base = max(base, float(hint))
        return clamp(base, cfg.min_interval, cfg.max_interval)

    def jittered(self, seconds: float) -> float:
        j = self.config.jitter
        return seconds * (1.0 + self.rng.uniform(-j, j)) if j > 0 else seconds

    def backoff(self, failures: int) -> float:
        """Exponential: min_interval, 2x, 4x … capped at max_interval."""
        cfg = self.config
        first = max(1.0, float(cfg.min_interval))
        return min(float(cfg.max_interval), first * 2 ** max(0, failures - 1))
