"""Politeness rules for polling: how often a feed asks to be polled
(``<ttl>``, ``sy:updatePeriod``, ``Cache-Control: max-age``) and whether
robots.txt lets us fetch a page.  Used by ``poll``; pure and small so the
schedule rules can be read and tested on their own.
"""

from __future__ import annotations

import re
import threading
import time
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

from infomachine.errors import FetchError
from infomachine.intake.fetch import Fetcher

ROBOTS_TTL = 86400.0

_TTL = re.compile(rb"<ttl>\s*(\d{1,7})\s*</ttl>", re.I)
_SY_PERIOD = re.compile(rb"<sy:updatePeriod>\s*(\w+)\s*</sy:updatePeriod>", re.I)
_SY_FREQ = re.compile(rb"<sy:updateFrequency>\s*(\d{1,6})\s*</sy:updateFrequency>", re.I)
_MAX_AGE = re.compile(r"(?:^|[,\s])(?:s-)?max-age\s*=\s*\"?(\d+)", re.I)
PERIODS = {"hourly": 3600, "daily": 86400, "weekly": 7 * 86400, "monthly": 30 * 86400,
           "yearly": 365 * 86400}


def feed_refresh_hint(data: bytes) -> int | None:
    """Seconds a feed asks to wait between polls (``<ttl>`` minutes, ``sy:updatePeriod``)."""
    head = data[:65536]
    hints: list[int] = []
    m = _TTL.search(head)
    if m:
        hints.append(int(m.group(1)) * 60)
    p = _SY_PERIOD.search(head)
    if p:
        period = PERIODS.get(p.group(1).decode("ascii", "replace").lower())
        if period:
            f = _SY_FREQ.search(head)
            freq = max(1, int(f.group(1))) if f else 1
            hints.append(period // freq)
    return max(hints) if hints else None


def cache_max_age(headers: dict[str, str]) -> int | None:
    """``Cache-Control: max-age`` in seconds (None when absent or no-store/no-cache)."""
    value = headers.get("cache-control", "")
    if not value or "no-store" in value.lower():
        return None
    m = _MAX_AGE.search(value)
    return int(m.group(1)) if m else None


def clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


# --------------------------------------------------------------------------- robots


class RobotsCache:
    """robots.txt per scheme+host, fetched through fetch.py, kept ``ttl`` seconds."""

    def __init__(self, fetcher: Fetcher, user_agent: str, ttl: float = ROBOTS_TTL) -> None:
        self.fetcher = fetcher
        self.agent = user_agent.split("/", 1)[0]
        self.ttl = ttl
        self._lock = threading.Lock()
        self._host_locks: dict[str, threading.Lock] = {}
        self._cache: dict[str, tuple[float, RobotFileParser]] = {}

    def allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}".lower()
        with self._lock:
            host_lock = self._host_locks.setdefault(key, threading.Lock())
        with host_lock:  # one robots.txt fetch per host, however many pages
            cached = self._cache.get(key)
            if cached is None or time.monotonic() - cached[0] > self.ttl:
                cached = (time.monotonic(), self._load(key))
                self._cache[key] = cached
        return cached[1].can_fetch(self.agent, url)

    def _load(self, base: str) -> RobotFileParser:
        parser = RobotFileParser(base + "/robots.txt")
        try:
            result = self.fetcher.fetch(base + "/robots.txt", raise_for_status=False)
        except FetchError:
            parser.disallow_all = True  # type: ignore[attr-defined]  # unreachable: assume disallowed (RFC 9309 §2.3.1.4)
            return parser
        if result.status >= 500:
            parser.disallow_all = True  # type: ignore[attr-defined]
        elif result.status >= 400:
            parser.allow_all = True  # type: ignore[attr-defined]
        else:
            parser.parse(result.content.decode("utf-8", "replace").splitlines())
        return parser
