"""The run loop: poll -> ingest -> cluster -> reactive feeds -> synthesize -> publish.

``run_cycle`` does one pass; ``run_loop`` repeats it every ``interval``
seconds until asked to stop (SIGINT / SIGTERM set a flag: the current batch
finishes, the loop exits cleanly).  Each cycle logs what changed and calls
``on_event(stage, message)`` so the CLI can show progress.

A stage that fails (an ``InfomachineError`` or a database error) does not
stop the daemon: the error is logged, reported in ``CycleReport.errors`` as
``"<stage>: <message>"`` and the cycle goes on with the next stage; the next
cycle tries again.

Briefs are written by the LLM synthesizer when ``[llm]`` (or
``INFOMACHINE_LLM_*``) names an endpoint and a model, else by the offline
extractive one.  After synthesis every *new* brief version is published: the static site is
re-exported (``[run] site_dir``, default ./site, including Atom feeds: fully on
the run's first export, then only the stories with a new version plus the
index, feeds and sources pages) and, when a webhook URL is set, a JSON summary of each new version is POSTed to
it through ``fetch.Fetcher.post_json`` (same address checks as fetching).
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from infomachine.cluster.reactive import spawn_reactive
from infomachine.config import load_section
from infomachine.errors import InfomachineError
from infomachine.intake.poll import Poller, PollReport, SourceOutcome
from infomachine.models import Brief, Story
from infomachine.provenance import reactive_label
from infomachine.sources.search import QueriesConfig
from infomachine.sources.search import load_config as load_queries_config
from infomachine.store import Store
from infomachine.wording import plural

log = logging.getLogger("infomachine.run.runner")

Event = Callable[[str, str], Any]

# What a stage may raise without stopping the daemon: the library's own errors,
# the database's among them (``StoreError``, e.g. "database is locked" under a
# concurrent writer).
STAGE_ERRORS: tuple[type[Exception], ...] = (InfomachineError,)
PUBLISH_ERRORS: tuple[type[Exception], ...] = (*STAGE_ERRORS, OSError)  # and a full disk


@dataclass
class RunConfig:
    """Run-loop settings: ``[run]`` in infomachine.toml or ``INFOMACHINE_RUN_*``."""

    interval: float = 300.0  # seconds between cycles
    site_dir: str = "site"  # where the static site is exported ("" to skip)
    webhook: str = ""  # URL that receives a JSON POST per new brief version
    cluster: bool = True
    synthesize: bool = True


def load_config(overrides: dict[str, Any] | None = None) -> RunConfig:
    return load_section("run", RunConfig, overrides)


@dataclass
class CycleReport:
    """What one cycle did."""

    poll: PollReport = field(default_factory=PollReport)
    clustered: int = 0
    events_created: int = 0
    stories_created: int = 0
    reactive_sources: list[str] = field(default_factory=list)  # created this cycle
    reactive_adopted: list[str] = field(default_factory=list)  # a user's search, now labelled
    new_versions: list[dict[str, Any]] = field(default_factory=list)
    published: str | None = None
    webhooks_sent: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "poll": self.poll.as_dict(), "clustered": self.clustered,
            "events_created": self.events_created, "stories_created": self.stories_created, "reactive_sources": self.reactive_sources,
            "reactive_adopted": self.reactive_adopted,
            "new_versions": self.new_versions, "published": self.published,
            "webhooks_sent": self.webhooks_sent, "errors": self.errors, "seconds": self.seconds,
        }


def version_summary(story: Story, brief: Brief) -> dict[str, Any]:
    """The JSON a webhook receives for one new brief version.

    ``change_summary`` is the version's change summary word for word (as on the
    history page and in the Atom feeds); ``changes`` its structured form
    (``developments`` with text, cites, section, date; ``counts``), null for
    a first version.
    """
    summary = " ".join(s.text for s in brief.what.summary)
    return {
        "event": "brief.version",
        "story": {"id": story.id, "slug": story.slug, "title": brief.story.title},
        "version": brief.version,
        "generated_at": brief.generated_at.isoformat(),
        "item_count": brief.item_count,
        "summary": summary,
        "change_summary": brief.change_summary,
        "changes": brief.changes.model_dump(mode="json") if brief.changes else None,
        "sources": len(brief.sources),
    }


class StopFlag:
    """Set by SIGINT/SIGTERM; the loop checks it between stages and sleeps on it."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.signal: int | None = None

    def set(self, signum: int | None = None) -> None:
        self.signal = signum
        self.event.set()

    @property
    def stopped(self) -> bool:
        return self.event.is_set()

    def wait(self, seconds: float) -> bool:
        return self.event.wait(max(0.0, seconds))


@contextmanager
def stop_on_signals(flag: StopFlag) -> Iterator[StopFlag]:
    """Install SIGINT/SIGTERM handlers that set ``flag`` (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        log.info("signal %s: finishing the current batch, then stopping", signum)
        flag.set(signum)

    old = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield flag
    finally:
        for sig, h in old.items():
            signal.signal(sig, h)


class Runner:
    """One store, one poller; ``cycle()`` runs every stage once."""

    def __init__(
        self,
        store: Store,
        poller: Poller,
        config: RunConfig | None = None,
        *,
        queries: QueriesConfig | None = None,
        on_event: Event | None = None,
        stop: StopFlag | None = None,
    ) -> None:
        self.store = store
        self.poller = poller
        self.config = config or load_config()
        self.queries = queries or load_queries_config()
        self.on_event = on_event
        self.stop = stop or StopFlag()
        self._site_exported = False  # the first export of a run is full, later ones incremental

    def emit(self, stage: str, message: str) -> None:
        log.info("%s: %s", stage, message)
        if self.on_event:
            self.on_event(stage, message)

    def cycle(self) -> CycleReport:
        started = time.perf_counter()
        report = CycleReport()
        self.emit("poll", "polling due sources")
        try:
            report.poll = self.poller.poll(self.store, on_source=self._on_source)
        except STAGE_ERRORS as exc:
            self._failed(report, "poll", exc)
        else:
            p = report.poll
            self.emit("poll", f"{p.due} due, {p.fetched} fetched, {p.not_modified} unchanged, "
                              f"{p.failed} failed, {plural(p.new_items, 'new item')}")
        if self.config.cluster and not self.stop.stopped:
            self._cluster(report)
        if not self.stop.stopped:
            self._reactive(report)
        written: list[tuple[Story, Brief]] = []
        if self.config.synthesize and not self.stop.stopped:
            written = self._synthesize(report)
        if written or (report.poll.new_items and self.config.site_dir):
            self._publish(report, written)
        report.seconds = round(time.perf_counter() - started, 3)
        return report

    def _failed(self, report: CycleReport, stage: str, exc: Exception | str) -> None:
        """Record a stage's failure; the cycle goes on."""
        report.errors.append(f"{stage}: {exc}")
        log.warning("%s failed: %s", stage, exc)
        if self.on_event:
            self.on_event(stage, f"failed: {exc}")

    def _on_source(self, outcome: SourceOutcome) -> None:
        if outcome.status == "fetched" and outcome.new:
            self.emit("poll", f"{outcome.url}: {outcome.new} new")
        elif outcome.status in ("error", "paused"):
            self.emit("poll", f"{outcome.url}: {outcome.status}: {outcome.error}")
        if outcome.removed:
            self.emit("poll", f"{outcome.url}: removed while polled ({plural(outcome.new, 'new item')} kept)")

    def _cluster(self, report: CycleReport) -> None:
        from infomachine.cluster.stage import cluster_items

        try:
            res = cluster_items(self.store)
        except STAGE_ERRORS as exc:
            self._failed(report, "cluster", exc)
            return
        report.clustered = res.items
        report.events_created = res.new_events
        report.stories_created = res.new_stories
        if report.clustered:
            self.emit("cluster", f"{plural(report.clustered, 'item')} clustered, "
                      f"{plural(report.events_created, 'new event')}, "
                      f"{plural(report.stories_created, 'new story', 'new stories')}")

    def _reactive(self, report: CycleReport) -> None:
        try:
            created = spawn_reactive(self.store, self.queries)
        except STAGE_ERRORS as exc:
            self._failed(report, "reactive", exc)
            return
        for src in created:
            report.reactive_sources.append(src.id)
            self.emit("reactive", f"new search feed {src.name} ({src.metadata.get('query')})")
        for src in created.adopted:
            report.reactive_adopted.append(src.id)
            label = reactive_label(str(src.metadata.get("reactive")))
            self.emit("reactive", f"your search feed {src.name} now also finds for {label}")

    def _synthesize(self, report: CycleReport) -> list[tuple[Story, Brief]]:
        from infomachine.synth.llm.synthesizer import make_synthesizer
        from infomachine.synth.stage import synthesize_all

        written: list[tuple[Story, Brief]] = []
        try:
            # [llm] / INFOMACHINE_LLM_*: an LLM synthesizer (one per cycle, so its token
            # budget is per cycle), else None and synthesize_all uses the extractive default.
            llm = make_synthesizer(None, None, store=self.store)
        except STAGE_ERRORS as exc:  # e.g. a base URL without a model
            self._failed(report, "synthesize", exc)
            return written
        try:
            results = synthesize_all(self.store, synthesizer=llm)
        except STAGE_ERRORS as exc:
            self._failed(report, "synthesize", exc)
            return written
        finally:
            if llm is not None:
                llm.close()
        for failure in results.errors:  # one story failing does not stop the others
            self._failed(report, f"synthesize {failure.story.slug}", failure.message)
        for story, brief, was_written in results:
            if was_written:
                written.append((story, brief))
                report.new_versions.append(version_summary(story, brief))
                self.emit("synthesize", f"{story.slug}: version {brief.version}"
                                        + (f" ({brief.change_summary})" if brief.change_summary else ""))
        return written

    def _publish(self, report: CycleReport, written: list[tuple[Story, Brief]]) -> None:
        if self.config.site_dir:
            from infomachine.publish.site import export_site

            try:
                # A full export first (the site may predate this run), then only the stories
                # with a new version (index, feeds and sources pages are always rewritten).
                only = {story.id for story, _ in written} if self._site_exported else None
                index = export_site(self.store, Path(self.config.site_dir), only=only)
                self._site_exported = True
                report.published = str(index)
                self.emit("publish", f"site written to {index.parent}")
            except PUBLISH_ERRORS as exc:
                self._failed(report, "publish", exc)
        if self.config.webhook:
            for story, brief in written:
                try:
                    self.poller.fetcher.post_json(self.config.webhook, version_summary(story, brief))
                    report.webhooks_sent += 1
                except InfomachineError as exc:
                    self._failed(report, "webhook", exc)
            if written:
                self.emit("webhook", f"{report.webhooks_sent} of {len(written)} sent")


def run_loop(
    runner: Runner, *, once: bool = False, interval: float | None = None,
    on_cycle: Callable[[CycleReport], Any] | None = None,
) -> list[CycleReport]:
    """Run cycles until stopped (or one, with ``once``); returns their reports."""
    wait = runner.config.interval if interval is None else interval
    reports: list[CycleReport] = []
    with stop_on_signals(runner.stop):
        while True:
            report = runner.cycle()
            reports.append(report)
            if on_cycle:
                on_cycle(report)
            if once or runner.stop.stopped:
                break
            if runner.stop.wait(wait):
                break
    return reports
