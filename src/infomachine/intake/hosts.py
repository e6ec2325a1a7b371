"""Per-host politeness gates shared by fetching and polling.

* ``HostLimiter``: at most ``per_host`` concurrent requests to one host;
* ``parse_retry_after``: the one reader of a ``Retry-After`` header
  (delta-seconds or an HTTP date), and ``retry_until`` (when, capped);
* ``HostBlocks``: hosts that asked us to wait (429/503 + Retry-After), so
  no request is sent to them before that time.
"""

from __future__ import annotations

import email.utils
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

RETRY_AFTER_CAP = 7 * 86400  # never wait longer than a week for a Retry-After


_DECIMAL = re.compile(r"\d+\.\d+")


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date).

    The one Retry-After reader (polling and the LLM client).  Delta-seconds
    may carry a fraction ("0.5"), which some API servers send."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(int(value))
    if _DECIMAL.fullmatch(value):
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    delta = (when - (now or datetime.now(UTC))).total_seconds()
    return max(0.0, delta)


class HostLimiter:
    """At most ``per_host`` concurrent requests to one host (thread-safe)."""

    def __init__(self, per_host: int = 2) -> None:
        self.per_host = per_host
        self._lock = threading.Lock()
        self._sems: dict[str, threading.BoundedSemaphore] = {}

    @contextmanager
    def slot(self, host: str) -> Iterator[None]:
        with self._lock:
            sem = self._sems.setdefault(host.lower(), threading.BoundedSemaphore(self.per_host))
        with sem:
            yield


def retry_until(now: datetime, retry_after: float) -> datetime:
    """The time a Retry-After of ``retry_after`` seconds points to (1 s .. a week)."""
    return now + timedelta(seconds=max(1.0, min(float(RETRY_AFTER_CAP), retry_after)))


class HostBlocks:
    """Hosts under Retry-After: no request to them before their time (thread-safe)."""

    def __init__(self) -> None:
        self.until: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def block(self, host: str, until: datetime) -> None:
        """No request to ``host`` before ``until`` (the later block wins)."""
        host = host.lower()
        with self._lock:
            current = self.until.get(host)
            if current is None or until > current:
                self.until[host] = until

    def blocked_until(self, host: str, now: datetime) -> datetime | None:
        with self._lock:
            block = self.until.get(host.lower())
        return block if block is not None and block > now else None


class HostBlocked(Exception):  # noqa: N818 - a signal: the request was not sent
    """A request to a host under Retry-After; the source is deferred, not failed.

    Not a ``FetchError``: robots.txt loading must not read it as "unreachable".
    """

    def __init__(self, host: str, until: datetime) -> None:
        super().__init__(f"{host} asked to wait until {until.isoformat()}")
        self.until = until


class GatedLimiter(HostLimiter):
    """``HostLimiter`` that, once it holds a host slot, asks ``check(host)``
    (which raises ``HostBlocked`` for a host under Retry-After): a worker
    queued for the slot while a 429 arrived does not slip through."""

    def __init__(self, per_host: int, check: Callable[[str], None]) -> None:
        super().__init__(per_host)
        self.check = check

    @contextmanager
    def slot(self, host: str) -> Iterator[None]:
        with super().slot(host):
            self.check(host)
            yield
