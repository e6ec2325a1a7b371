"""Workers: any number of processes, on one or many machines, sharing one
PostgreSQL database (``infomachine worker``).

Each ``Worker.step()`` takes whatever work is there, through the database
(``store.postgres.work.WorkQueue``), and reuses the stages of the one-process
run loop (``run/runner.py``):

1. poll: lease a batch of due sources (``FOR UPDATE SKIP LOCKED``, with a
   deadline) and run ``Poller.poll`` on them, which stores a source's items
   and its new schedule in one transaction;
2. cluster: if no other worker holds the clustering lock, cluster every
   pending item in publication order (``cluster_items``, exactly as the run
   loop does), then spawn reactive feeds; otherwise go on with other work;
3. synthesize: lease each story whose items changed since it was last
   synthesized and build its brief (``synthesize_story``); a new version, the
   record that the story is in sync, and the version's outbox row are
   written in one transaction, and only while the lease is still held;
4. publish: POST the webhook of every outbox row not yet sent (leased, so one
   worker sends it), and, under the site lock, re-export the site for the
   stories with new versions.

A worker killed at any point loses nothing: what it had not committed is
redone by another once its leases expire (``lease_seconds`` after its last
renewal: a live worker's keeper thread renews them), and what it had
committed is never done twice.  The one exception is a webhook whose
POST succeeded just before the kill, before the commit that records it: it
is sent again (at least once; the payload's story id and version identify it).

When the database goes away (a restart, a failover, the network), the step
under way stops at its first failing statement (nothing half-written: every
write is a transaction), the worker says so in one line (``on_warning``:
"database unavailable (...); retrying in 2 s"), waits 1, 2, 4 ... up to 30 s
between attempts to reconnect, and carries on where it was when the server
answers again.  It lets go of its leases first, since the task it held is
redone from the start; the session locks (clustering, site) went with the
old connection.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from infomachine.errors import BackendError, InfomachineError, StoreError
from infomachine.intake.poll import Poller
from infomachine.models import Brief, Story, utcnow
from infomachine.run.runner import (
    PUBLISH_ERRORS,
    STAGE_ERRORS,
    Event,
    RunConfig,
    StopFlag,
    stop_on_signals,
    version_summary,
)
from infomachine.store import Store
from infomachine.store.postgres.store import PostgresStore
from infomachine.store.postgres.work import CLUSTER_LOCK, SITE_LOCK, WorkQueue

log = logging.getLogger("infomachine.run.worker")


@dataclass
class StepReport:
    polled: int = 0
    new_items: int = 0
    clustered: int = 0
    synthesized: int = 0
    new_versions: list[dict[str, Any]] = field(default_factory=list)
    webhooks_sent: int = 0
    published: str | None = None
    errors: list[str] = field(default_factory=list)
    unavailable: str | None = None  # the database went away during this step (why)

    @property
    def busy(self) -> bool:
        return bool(self.polled or self.clustered or self.synthesized or self.webhooks_sent
                    or self.published)

    def add(self, other: StepReport) -> None:
        self.polled += other.polled
        self.new_items += other.new_items
        self.clustered += other.clustered
        self.synthesized += other.synthesized
        self.new_versions += other.new_versions
        self.webhooks_sent += other.webhooks_sent
        self.published = other.published or self.published
        self.errors += other.errors

    def as_dict(self) -> dict[str, Any]:
        return {"polled": self.polled, "new_items": self.new_items, "clustered": self.clustered,
                "synthesized": self.synthesized, "new_versions": self.new_versions,
                "webhooks_sent": self.webhooks_sent, "published": self.published,
                "errors": self.errors}


def _load_stages() -> None:
    """Import every stage up front (seconds of imports), so a worker's first task
    is as fast as its later ones."""
    import infomachine.cluster.reactive
    import infomachine.cluster.stage
    import infomachine.publish.site
    import infomachine.synth.llm.synthesizer
    import infomachine.synth.stage  # noqa: F401


class LeaseLost(InfomachineError):
    """The lease expired before the result could be written: another worker redoes it."""


class _LeasedStore:
    """The store, but ``save_brief`` writes only while the story's lease holds,
    and writes the version's outbox row and sync record with it."""

    def __init__(self, store: PostgresStore, queue: WorkQueue, fingerprint: str, webhook: bool) -> None:
        self._store, self._queue, self._fp, self._webhook = store, queue, fingerprint, webhook

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def save_brief(self, story_id: str, brief: Brief) -> int:
        with self._store.transaction():
            if not self._queue.holds("story", story_id):
                raise LeaseLost(f"lease on story {story_id} expired; another worker redoes it")
            version = self._store.save_brief(story_id, brief)
            self._queue.add_to_outbox(story_id, version, webhook=self._webhook)
            self._queue.mark_synced(story_id, self._fp)
        return version


class Worker:
    def __init__(
        self,
        store: Store,
        poller: Poller,
        config: RunConfig,
        *,
        lease_seconds: float = 300.0,
        batch: int = 10,
        on_event: Event | None = None,
        stop: StopFlag | None = None,
        worker_id: str | None = None,
        on_warning: Event | None = None,
        max_backoff: float = 30.0,
    ) -> None:
        if not isinstance(store, PostgresStore):
            raise InfomachineError(
                "workers share a PostgreSQL database: use --db postgresql://... "
                "(with SQLite, run one process: infomachine run)")
        self.store = store
        store.reconnect_on_use = False  # session locks die with a connection: reconnect in run()
        self.poller = poller
        self.config = config
        self.batch = batch
        self.queue = WorkQueue(store, worker_id, lease_seconds=lease_seconds)
        self.on_event = on_event
        self.on_warning = on_warning
        self.max_backoff = max_backoff
        self.stop = stop or StopFlag()
        self._site_exported = False
        self._expired_at = 0.0

    @property
    def id(self) -> str:
        return self.queue.id

    def emit(self, stage: str, message: str) -> None:
        log.info("%s %s: %s", self.id, stage, message)
        if self.on_event:
            self.on_event(stage, message)

    def _failed(self, report: StepReport, stage: str, exc: Exception | str) -> None:
        report.errors.append(f"{stage}: {exc}")
        self.emit(stage, f"failed: {exc}")

    # ------------------------------------------------------------------ one step

    def step(self) -> StepReport:
        """One pass over the stages.  If the database goes away meanwhile, the step
        ends there with ``unavailable`` set; what failed because of it is not an
        error of the task (it is redone), so it is not in ``errors``."""
        report = StepReport()
        try:
            if time.monotonic() - self._expired_at > min(5.0, self.queue.lease.total_seconds() / 3):
                self.queue.expire()
                self._expired_at = time.monotonic()
        except BackendError as exc:
            if not self.store.connection_lost:
                raise
            report.unavailable = str(exc)
            return report
        for stage in (self._poll, self._cluster, self._synthesize, self._publish):
            if self.stop.stopped:
                break
            errors = len(report.errors)
            cause: Exception | None = None
            try:
                stage(report)
            except STAGE_ERRORS as exc:
                cause = exc
                if not self.store.connection_lost:
                    self._failed(report, stage.__name__.strip("_"), exc)
            if self.store.connection_lost:
                del report.errors[errors:]
                report.unavailable = str(cause) if cause else "the connection was lost"
                break
        return report

    def _warn(self, message: str) -> None:
        log.info("%s: %s", self.id, message)  # info: the CLI prints on_warning itself
        if self.on_warning:
            self.on_warning("database", message)

    def wait_for_database(self, why: str) -> bool:
        """Reconnect, waiting 1, 2, 4 ... ``max_backoff`` seconds between attempts,
        one line each; False if stopped first."""
        delay = 1.0
        while not self.stop.stopped:
            self._warn(f"database unavailable ({_one_line(why)}); retrying in {delay:g} s")
            if self.stop.wait(delay):
                return False
            try:
                self.store.reconnect()
                self.queue.release_all()
                self.queue.register()
            except StoreError as exc:
                why = str(exc)
                delay = min(delay * 2, self.max_backoff)
                continue
            self._expired_at = 0.0
            self._warn("database back; carrying on")
            return True
        return False

    def _poll(self, report: StepReport) -> None:
        now = utcnow()
        sources = self.queue.claim_sources(now, self.batch)
        if not sources:
            return
        self.queue.heartbeat(f"polling {len(sources)} sources")
        try:
            polled = self.poller.poll(self.store, now=now, sources=sources)
        finally:
            self.queue.release("source", [s.id for s in sources])
        report.polled += polled.fetched + polled.not_modified + polled.failed + polled.deferred
        report.new_items += polled.new_items
        self.emit("poll", f"{len(sources)} sources, {polled.new_items} new items")

    def _cluster(self, report: StepReport) -> None:
        if not self.config.cluster or not self.store.cluster_pending(max_text=1):
            return
        if not self.queue.try_lock(CLUSTER_LOCK):
            return  # another worker clusters; this one does other work meanwhile
        try:
            from infomachine.cluster.reactive import spawn_reactive
            from infomachine.cluster.stage import cluster_items
            from infomachine.sources.search import load_config as load_queries_config

            self.queue.heartbeat("clustering")
            res = cluster_items(self.store)
            report.clustered += res.items
            if res.items:
                self.emit("cluster", f"{res.items} items clustered, {res.new_events} new events, {res.new_stories} new stories")
            spawn_reactive(self.store, load_queries_config())
        finally:
            self.queue.unlock(CLUSTER_LOCK)

    def _synthesize(self, report: StepReport) -> None:
        if not self.config.synthesize:
            return
        todo = self.queue.stories_to_synthesize()
        if not todo:
            return
        from infomachine.synth.llm.synthesizer import make_synthesizer
        from infomachine.synth.stage import synthesize_story

        llm = make_synthesizer(None, None, store=self.store)
        try:
            for story, fingerprint in todo:
                if self.stop.stopped:
                    break
                if not self.queue.claim("story", story.id):
                    continue
                try:
                    self._synthesize_one(story, fingerprint, llm, synthesize_story, report)
                finally:
                    self.queue.release("story", [story.id])
        finally:
            if llm is not None:
                llm.close()

    def _synthesize_one(self, story: Story, fingerprint: str, llm: Any, synthesize_story: Any,
                        report: StepReport) -> None:
        if self.queue.fingerprint(story.id) != fingerprint:
            return  # its items changed again since the list was made: the next step takes it
        if self.queue.synced_fingerprint(story.id) == fingerprint:
            return  # another worker synthesized it since the list was made
        self.queue.heartbeat(f"synthesizing {story.slug}")
        leased = cast(Store, _LeasedStore(self.store, self.queue, fingerprint, bool(self.config.webhook)))
        try:
            brief, written = synthesize_story(leased, story, synthesizer=llm)
        except LeaseLost as exc:
            self._failed(report, f"synthesize {story.slug}", exc)
            return
        except Exception as exc:  # noqa: BLE001 - one story never stops the others
            self._failed(report, f"synthesize {story.slug}", exc)
            return
        report.synthesized += 1
        if not written:
            with self.store.transaction():
                if self.queue.holds("story", story.id):
                    self.queue.mark_synced(story.id, fingerprint)
            return
        report.new_versions.append(version_summary(story, brief))
        self.emit("synthesize", f"{story.slug}: version {brief.version}")

    def _publish(self, report: StepReport) -> None:
        if self.config.webhook:
            for outbox_id, story_id, version in self.queue.webhooks_due():
                if not self.queue.claim_webhook(outbox_id):
                    continue  # another worker holds it, or has just sent it
                try:
                    story = self.store.get_story(story_id)
                    brief = self.store.get_brief(story_id, version)
                    self.poller.fetcher.post_json(self.config.webhook, version_summary(story, brief))
                except InfomachineError as exc:
                    self.queue.release("outbox", [str(outbox_id)])
                    self._failed(report, "webhook", exc)
                    continue
                if self.queue.mark_webhook_sent(outbox_id):
                    report.webhooks_sent += 1
        if not self.config.site_dir:
            return
        pending = self.queue.site_due()
        if not pending or not self.queue.try_lock(SITE_LOCK):
            return
        try:
            from infomachine.publish.site import export_site

            pending = self.queue.site_due()  # what is left now that this worker holds the lock
            if not pending:
                return
            only = {sid for _, sid in pending} if self._site_exported else None
            try:
                index = export_site(self.store, Path(self.config.site_dir), only=only)
            except PUBLISH_ERRORS as exc:
                self._failed(report, "publish", exc)
                return
            self._site_exported = True
            self.queue.mark_site_done([i for i, _ in pending])
            report.published = str(index)
            self.emit("publish", f"site written to {index.parent}")
        finally:
            self.queue.unlock(SITE_LOCK)

    # ------------------------------------------------------------------ the loop

    def run(self, *, once: bool = False, idle: float = 5.0, max_steps: int | None = None) -> StepReport:
        """Steps until stopped; with ``once``, until a step finds nothing to do."""
        total = StepReport()
        _load_stages()
        self.queue.register()
        self.queue.start_keeper()
        steps = 0
        try:
            with stop_on_signals(self.stop):
                while not self.stop.stopped:
                    step = self.step()
                    total.add(step)
                    steps += 1
                    done = False
                    try:
                        if step.unavailable is None:
                            self.queue.heartbeat("idle")
                            done = max_steps is not None and steps >= max_steps
                            if not done and not step.busy and once:
                                if self._others_busy():
                                    time.sleep(0.2)  # e.g. another worker still clustering what is due
                                    continue
                                done = True
                    except BackendError as exc:
                        if not self.store.connection_lost:
                            raise
                        step.unavailable = str(exc)
                    if step.unavailable is not None:
                        if not self.wait_for_database(step.unavailable):
                            break
                        continue
                    if done:
                        break
                    if step.busy:
                        continue
                    self.stop.wait(idle)
        finally:
            self.queue.stop_keeper()
            try:
                self.queue.unregister()
            except Exception:  # noqa: BLE001 - the database may be what failed
                pass
        return total

    def _others_busy(self) -> bool:
        """Work due now that another live worker holds (``--once`` waits for it)."""
        status = self.queue.status()
        live_leases = [lease for lease in status["leases"] if not lease["expired"]]
        return bool(status["locks"] or live_leases)


def _one_line(message: str, most: int = 160) -> str:
    """The first line of a driver's message, cut to ``most`` characters."""
    line = next((part.strip() for part in message.splitlines() if part.strip()), "no answer")
    if line == "the connection is closed":  # psycopg, on a connection the server dropped
        line = "connection lost"
    return line if len(line) <= most else line[: most - 1] + "…"
