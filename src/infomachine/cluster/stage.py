"""The cluster stage: items into events, events into stories, against the store.

Loads the document frequencies and the active events' state, clusters the
pending items in publication order in chunks of ``commit_every``, one
transaction each: new events titled by their headline, assignments, event
merges with aliases kept by ``store.merge_events``, updated state, and then
the events the chunk started or grew linked into stories (``cluster.link``)
with the linker's state, so a reader never sees a chunk's items clustered
but not yet in a story.

An item pinned to a story (``ingest --story``) joins only events of that
story, and the event it is in then belongs to that story; a near-duplicate
follows its original's event.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from infomachine.cluster.config import ClusterConfig, ClusterReport, load_config
from infomachine.cluster.engine import DAY, Clusterer
from infomachine.cluster.features import DocumentFrequencies
from infomachine.cluster.link import StorylineStep
from infomachine.cluster.storyline_state import ItemInput, StorylineConfig
from infomachine.models import Event, PendingItem, StoryState, utcnow
from infomachine.store import Store


def cluster_items(
    store: Store,
    config: ClusterConfig | None = None,
    *,
    on_progress: Callable[[int], None] | None = None,
    storyline: StorylineConfig | None = None,
) -> ClusterReport:
    """Cluster every item the clusterer has not seen yet; commit in batches; link storylines."""
    cfg = config or load_config()
    started = time.perf_counter()
    report = ClusterReport()
    pending = store.cluster_pending()
    step = StorylineStep(store, storyline)
    if pending:
        n_docs, df = store.cluster_load_df()
        engine = Clusterer(cfg, DocumentFrequencies(df, n_docs))
        since = min(r.ts for r in pending) - cfg.max_gap_days * DAY
        for st in store.cluster_load_states(since=since):
            engine.add_story(st)
        step.engine = engine
        for start in range(0, len(pending), cfg.commit_every):
            chunk = pending[start : start + cfg.commit_every]
            with store.transaction():  # a chunk's events and their stories commit together
                _run_chunk(store, engine, step, chunk, report)
                _link(step, report)
            if on_progress:
                on_progress(len(chunk))
    else:
        with store.transaction():
            _link(step, report)  # events a run that died left without a story
    report.storyline_seconds = round(report.storyline_seconds, 3)
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _link(step: StorylineStep, report: ClusterReport) -> None:
    started = time.perf_counter()
    step.run(report)
    report.storyline_seconds += time.perf_counter() - started


def _run_chunk(store: Store, engine: Clusterer, step: StorylineStep, chunk: list[PendingItem],
               report: ClusterReport) -> None:
    """Cluster one chunk in memory, then write events, assignments and merges."""
    assignments: list[tuple[str, str]] = []
    created: dict[str, str] = {}  # event id -> title of the item that started it
    merges: list[str] = []  # events merged away, in order
    engine.touched = set()
    if engine.embedder is not None:
        engine.dense_index.compact(min(row.ts for row in chunk) - engine.cfg.max_gap_days * DAY)
        engine.embed_batch([(row.id, row.title, row.text) for row in chunk])
    for row in chunk:
        report.items += 1
        target = None
        if row.duplicate_of:
            target = engine.item_story.get(row.duplicate_of) or store.cluster_event_of(row.duplicate_of)
        if target is not None:
            target = engine.resolve(target)
            if target not in engine.stories:
                state = store.cluster_load_state(target)
                engine.add_story(state if state is not None else StoryState(id=target))
            engine.follow(target, row.id, row.title, row.text, row.ts)
            report.followed += 1
        else:
            pinned = row.story_id  # set before clustering only by pinning
            allow = (lambda eid, s=pinned: step.story_of(engine.resolve(eid)) == s) if pinned else None
            target, is_new, merged = engine.assign(row.id, row.title, row.text, row.ts, row.dated, allow)
            if is_new:
                report.new_events += 1
                created[target] = row.title
            else:
                report.joined += 1
            if merged is not None:
                merges.append(merged)
                step.merged_event(merged, engine.resolve(merged))
            if pinned:
                engine.stories[target].pinned = True
                step.pin(target, pinned)
        engine.item_story[row.id] = target
        assignments.append((target, row.id))
        step.grew(target, ItemInput(id=row.id, title=row.title, text=row.text, ts=row.ts, url=row.url))
    for src in engine.consolidate(sorted(engine.touched)):
        merges.append(src)
        step.merged_event(src, engine.resolve(src))
    report.merged += len(merges)
    now = utcnow()
    for eid, first_title in created.items():
        if eid not in engine.stories:
            continue  # merged away before it was ever written
        title = engine.headline(engine.stories[eid]) or first_title or eid
        store.create_event(Event(id=eid, slug=store.unique_event_slug(title), title=title,
                                 created_at=now, updated_at=now, pinned=engine.stories[eid].pinned))
    by_event: dict[str, list[str]] = {}
    for eid, item_id in assignments:
        by_event.setdefault(engine.resolve(eid), []).append(item_id)
    for eid, ids in by_event.items():
        store.set_item_event(ids, eid)
    for src in merges:
        if src not in created:
            store.merge_events(src, engine.resolve(src))
            store.cluster_delete_state(src)
    for eid in sorted(engine.touched):
        st = engine.stories.get(eid)
        if st is None:
            continue
        if eid not in created and store.event_exists(eid):
            fields: dict[str, Any] = {"updated_at": now, "pinned": st.pinned}
            title = engine.headline(st)
            if title:
                fields["title"] = title
            store.update_event(eid, **fields)
        store.cluster_save_state(st)
    report.events_touched += len(engine.touched)
    store.cluster_save_df(engine.df)
    store.cluster_mark_seen([row.id for row in chunk])
