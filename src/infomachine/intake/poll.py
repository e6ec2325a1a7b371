"""Polling: fetch the sources that are due, politely, and ingest what they give.

Each due source (status ``active``, ``next_poll`` unset or past) is fetched in
a small thread pool through ``fetch.Fetcher`` (SSRF checks, size and time
caps) with a per-host concurrency limit (``hosts.HostLimiter``); the
schedule rules are in ``schedule.py``:

* conditional GET with the stored ETag / Last-Modified (a 304 costs nothing);
* page sources obey robots.txt (``urllib.robotparser`` fed by fetch.py,
  cached per host);
* the next poll is ``interval`` (``metadata["interval"]`` of the source, else
  the configured default; raised to the feed's ``<ttl>`` /
  ``sy:updatePeriod`` or the response's ``Cache-Control: max-age``, kept in
  ``[min_interval, max_interval]``) plus or minus ``jitter``;
* ``Retry-After`` on 429/503 (seconds or an HTTP date) is honoured, for the
  source and for every other source on that host, in this poll and later
  ones: the host is blocked the moment the answer's headers arrive (an httpx
  response hook, while the request still holds its per-host slot), and every
  request to a blocked host -- checked before a worker starts a source and
  again after it acquires the host slot, so a worker that was queued for the
  slot does not slip through -- is not sent; that source is ``deferred`` to
  the Retry-After time (rescheduled, not a failure).  Only requests already
  on the wire when the 429 arrived (at most ``per_host - 1``) still complete;
* other errors back off exponentially and count towards ``max_failures``
  consecutive failures, after which the source is paused until a user
  resumes it.

One source never stops the others: an error while storing what a source
gave is recorded on that source (like a fetch error) and the poll goes on.
A source removed while it is being fetched (``infomachine remove`` from
another process) still has its fetched items ingested -- nothing accepted
is lost -- only its schedule row, which no longer exists, is not written
(``SourceOutcome.removed``).

Workers only fetch and parse; every database write happens on the calling
thread (one writer).  Items carry ``source=<source id>``; items of a reactive
search source also carry ``found_via: ["reactive:<story-slug>"]``.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx

from infomachine import provenance
from infomachine.config import load_section
from infomachine.errors import FetchError, HTTPStatusError, InfomachineError, NotFoundError
from infomachine.ingest.batch import Ingestor
from infomachine.intake.collect import parse_response
from infomachine.intake.fetch import (
    DEFAULT_MAX_BYTES,
    FEED_ACCEPT,
    USER_AGENT,
    Fetcher,
    FetchResult,
)
from infomachine.intake.hosts import (
    GatedLimiter,
    HostBlocked,
    HostBlocks,
    HostLimiter,
    parse_retry_after,
    retry_until,
)
from infomachine.intake.outcome import PollReport, SourceOutcome
from infomachine.intake.politeness import RobotsCache, cache_max_age, feed_refresh_hint
from infomachine.intake.schedule import Schedule, is_due
from infomachine.models import IngestProblem, Record, Source, utcnow
from infomachine.provenance import found_via_update
from infomachine.sources.search import PRIVATE
from infomachine.store import Store


@dataclass
class PollConfig:
    """Polling settings: ``[poll]`` in infomachine.toml or ``INFOMACHINE_POLL_*``."""

    allow_private: bool = False  # allow loopback/private/link-local addresses (tests, intranets)
    allow_networks: str = ""  # comma-separated non-public networks to allow, e.g. "10.1.0.0/16"
    interval: int = 3600  # default seconds between polls of a source
    min_interval: int = 300  # no source is polled more often than this
    max_interval: int = 86400  # ... nor less often than this (unless Retry-After says so)
    jitter: float = 0.1  # +/- this fraction of the interval, spreads load
    max_failures: int = 5  # consecutive failures before a source is paused
    per_host: int = 2  # concurrent requests to one host
    workers: int = 8  # fetch threads
    timeout: float = 10.0  # connect/read timeout, seconds
    total_timeout: float = 30.0  # whole-request time cap, seconds (slow drip)
    max_bytes: int = DEFAULT_MAX_BYTES  # body cap after decompression
    robots: bool = True  # obey robots.txt for page sources
    user_agent: str = USER_AGENT


def load_config(overrides: dict[str, Any] | None = None) -> PollConfig:
    return load_section("poll", PollConfig, overrides)


@dataclass
class _Fetched:
    """A worker's result: the response (or error) and parsed records."""

    source: Source
    result: FetchResult | None = None
    records: list[Record | IngestProblem] = field(default_factory=list)
    error: Exception | None = None
    hint: int | None = None  # refresh hint in seconds (ttl, max-age)
    deferred_until: datetime | None = None  # not requested: its host asked to wait (Retry-After)


# --------------------------------------------------------------------------- poller


class Poller:
    """Holds the fetcher, host limiter and robots cache across polls (run loop)."""

    def __init__(
        self,
        config: PollConfig | None = None,
        *,
        fetcher: Fetcher | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config or load_config()
        cfg = self.config
        self.limiter: HostLimiter = GatedLimiter(cfg.per_host, self._check_host)
        networks = [n.strip() for n in cfg.allow_networks.split(",") if n.strip()]
        self.fetcher = fetcher or Fetcher(
            allow_private=cfg.allow_private,
            allow_networks=networks,
            timeout=cfg.timeout,
            total_timeout=cfg.total_timeout,
            max_bytes=cfg.max_bytes,
            user_agent=cfg.user_agent,
            limiter=self.limiter,
        )
        self.robots = RobotsCache(self.fetcher, cfg.user_agent)
        self.schedule = Schedule(cfg, rng)
        self.blocks = HostBlocks()  # host -> no request before (Retry-After)
        self._worker = threading.local()  # .now: the poll time, set while a worker fetches
        client = getattr(self.fetcher, "client", None)
        if isinstance(client, httpx.Client):  # see a 429/503 before the host slot is released
            client.event_hooks["response"] = [*client.event_hooks["response"], self._on_response]

    def close(self) -> None:
        self.fetcher.close()

    def __enter__(self) -> Poller:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------- Retry-After

    def _check_host(self, host: str) -> None:
        now: datetime | None = getattr(self._worker, "now", None)
        if now is None:  # not a poll worker (e.g. a webhook POST): no Retry-After gate
            return
        until = self.blocks.blocked_until(host, now)
        if until is not None:
            raise HostBlocked(host, until)

    def _on_response(self, response: httpx.Response) -> None:
        """httpx response hook: a 429/503 with Retry-After blocks its host at once."""
        now: datetime | None = getattr(self._worker, "now", None)
        if now is None or response.status_code not in (429, 503):
            return
        wait = parse_retry_after(response.headers.get("retry-after"))
        if wait is not None:
            self.blocks.block(response.request.url.host, retry_until(now, wait))

    # ---------------------------------------------------------------- fetching

    def fetch_source(self, source: Source, *, now: datetime | None = None) -> _Fetched:
        """Fetch and parse one source (runs in a worker; no database access).

        A source whose host is under Retry-After (at ``now``, the poll's time)
        is not requested: ``deferred_until`` says until when.
        """
        out = _Fetched(source)
        self._worker.now = now or utcnow()
        try:
            self._check_host(_host(source.url))
            if source.kind == "page" and self.config.robots and not self.robots.allowed(source.url):
                raise FetchError(f"robots.txt disallows {source.url}")
            accept = FEED_ACCEPT if source.kind == "feed" else None
            result = self.fetcher.fetch(
                source.url, etag=source.etag, last_modified=source.last_modified, accept=accept
            )
            out.result = result
            if result.not_modified:
                return out
            hints = [h for h in (cache_max_age(result.headers), _feed_hint(source, result)) if h]
            out.hint = max(hints) if hints else None
            out.records = parse_response(source, result)
        except HostBlocked as blocked:
            out.deferred_until = blocked.until
        except Exception as exc:  # noqa: BLE001 - every failure is recorded on the source
            out.error = exc
        finally:
            self._worker.now = None
        return out

    # ---------------------------------------------------------------- polling

    def poll(
        self,
        store: Store,
        *,
        now: datetime | None = None,
        sources: list[Source] | None = None,
        on_source: Callable[[SourceOutcome], Any] | None = None,
        ingestor: Ingestor | None = None,
    ) -> PollReport:
        """Poll every due source (or ``sources``), ingest, update schedules."""
        started = time.perf_counter()
        now = now or utcnow()
        report = PollReport()
        due = sources if sources is not None else [s for s in store.list_sources() if is_due(s, now)]
        report.due = len(due)
        if not due:
            return report
        todo: list[Source] = []
        for source in due:
            block = self.blocks.blocked_until(_host(source.url), now)
            if block is not None:
                outcome = self._deferred(store, source, block, report)
                report.outcomes.append(outcome)
                if on_source:
                    on_source(outcome)
            else:
                todo.append(source)
        ing = ingestor or Ingestor(store)
        workers = max(1, min(self.config.workers, len(todo) or 1))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="poll") as pool:
            futures = [pool.submit(self.fetch_source, s, now=now) for s in todo]
            for future in as_completed(futures):
                outcome = self._apply_safely(store, ing, future.result(), now, report)
                report.outcomes.append(outcome)
                if on_source:
                    on_source(outcome)
        report.seconds = round(time.perf_counter() - started, 3)
        return report

    def _apply_safely(
        self, store: Store, ing: Ingestor, got: _Fetched, now: datetime, report: PollReport
    ) -> SourceOutcome:
        """``_apply``; an error storing one source's results is recorded on it, not raised."""
        try:
            return self._apply(store, ing, got, now, report)
        except Exception as exc:  # noqa: BLE001 - one source never stops the poll
            source = got.source
            try:
                return self._failed(store, source, exc, now, report)
            except Exception as again:  # noqa: BLE001 - the database itself may be failing
                report.failed += 1
                message = f"{type(exc).__name__}: {exc}; recording it failed: {again}"
                return SourceOutcome(source.id, source.url, "error", error=message[:500])

    def _apply(
        self, store: Store, ing: Ingestor, got: _Fetched, now: datetime, report: PollReport
    ) -> SourceOutcome:
        source = got.source
        result = got.result
        if got.deferred_until is not None:
            return self._deferred(store, source, got.deferred_until, report)
        if got.error is None and result is not None:
            usable = [r for r in got.records if isinstance(r, Record)]
            if not result.not_modified and got.records and not usable:
                first = got.records[0]
                got.error = FetchError(first.message if isinstance(first, IngestProblem) else "no items")
        if got.error is not None:
            return self._failed(store, source, got.error, now, report)
        assert result is not None
        interval = self.schedule.base_interval(source, got.hint)
        next_poll = now + timedelta(seconds=self.schedule.jittered(interval))
        fields: dict[str, Any] = {
            "last_fetch": now, "last_status": result.status, "last_error": None,
            "error_count": 0, "next_poll": next_poll, "interval": int(interval),
            "etag": result.etag, "last_modified": result.last_modified,
        }
        meta = dict(source.metadata)
        if got.hint:
            meta["refresh_hint"] = got.hint
        if result.private:  # reached on a non-public network: its terms stay here
            meta[PRIVATE] = True
        if meta != source.metadata:
            fields["metadata"] = meta
        outcome = SourceOutcome(source.id, source.url, "fetched", http_status=result.status,
                                next_poll=next_poll)
        if result.not_modified:
            outcome.status = "not_modified"
            report.not_modified += 1
            outcome.removed = not _update_source(store, source.id, **fields)
            return outcome
        with store.transaction():  # items and the new validators commit together
            sub = ing.ingest(got.records)
            label = provenance.source_reactive_label(source)
            if label:
                for item_id in dict.fromkeys(sub.item_ids):
                    store.merge_item_metadata(item_id, found_via_update(label))
            # removed by a user meanwhile: keep the items, there is no row to update
            outcome.removed = not _update_source(store, source.id, **fields)
        report.fetched += 1
        outcome.new, outcome.duplicate = sub.new, sub.duplicate
        outcome.item_ids = list(dict.fromkeys(sub.item_ids))
        report.new_items += sub.new
        report.duplicates += sub.duplicate
        return outcome

    def _deferred(
        self, store: Store, source: Source, until: datetime, report: PollReport
    ) -> SourceOutcome:
        """Not requested (its host is under Retry-After): rescheduled, not a failure."""
        outcome = SourceOutcome(source.id, source.url, "deferred", next_poll=until)
        outcome.removed = not _update_source(store, source.id, next_poll=until)
        report.deferred += 1
        return outcome

    def _failed(
        self, store: Store, source: Source, error: Exception, now: datetime, report: PollReport
    ) -> SourceOutcome:
        cfg = self.config
        status = error.status if isinstance(error, HTTPStatusError) else None
        retry_after = error.retry_after if isinstance(error, HTTPStatusError) else None
        message = str(error) or type(error).__name__
        if not isinstance(error, InfomachineError):
            message = f"{type(error).__name__}: {message}"
        fields: dict[str, Any] = {"last_fetch": now, "last_status": status, "last_error": message[:500]}
        outcome = SourceOutcome(source.id, source.url, "error", http_status=status, error=message)
        report.failed += 1
        if status in (429, 503) and retry_after is not None:
            # A polite "come back later", not the source's fault: honour it, don't count it.
            next_poll = retry_until(now, retry_after)
            self.blocks.block(_host(source.url), next_poll)
        else:
            failures = source.error_count + 1
            fields["error_count"] = failures
            next_poll = now + timedelta(seconds=self.schedule.jittered(self.schedule.backoff(failures)))
            if failures >= cfg.max_failures:
                fields["status"] = "paused"
                meta = dict(source.metadata)
                meta["paused_reason"] = f"{failures} consecutive failures; last: {message[:200]}"
                fields["metadata"] = meta
                outcome.status = "paused"
                report.paused.append(source.id)
        fields["next_poll"] = next_poll
        outcome.next_poll = next_poll
        outcome.removed = not _update_source(store, source.id, **fields)
        return outcome


# --------------------------------------------------------------------------- helpers


def _update_source(store: Store, source_id: str, **fields: Any) -> bool:
    """``store.update_source``; False when the source was removed meanwhile.

    Inside an open transaction the failed UPDATE changed nothing, so the
    caller's transaction (the source's items) still commits.
    """
    try:
        store.update_source(source_id, **fields)
    except NotFoundError:
        return False
    return True


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def _feed_hint(source: Source, result: FetchResult) -> int | None:
    if source.kind == "page":
        return None
    return feed_refresh_hint(result.content)


def poll(
    store: Store,
    config: PollConfig | None = None,
    *,
    now: datetime | None = None,
    on_source: Callable[[SourceOutcome], Any] | None = None,
) -> PollReport:
    """Poll every due source once with a throw-away ``Poller``."""
    with Poller(config) as poller:
        return poller.poll(store, now=now, on_source=on_source)
