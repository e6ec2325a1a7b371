"""The cluster stage: run the engine over every item it has not seen, against the store.

Loads the document frequencies and the active stories' state, clusters the
pending items in publication order in chunks of ``commit_every`` (one
transaction each), then writes new stories (titled by their headline),
assignments, merges (aliases kept by ``store.merge_stories``) and the
updated state.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from infomachine.cluster.config import ClusterConfig, ClusterReport, load_config
from infomachine.cluster.engine import DAY, Clusterer
from infomachine.cluster.features import DocumentFrequencies
from infomachine.models import Story, StoryState, utcnow
from infomachine.store import Store


def cluster_items(
    store: Store,
    config: ClusterConfig | None = None,
    *,
    on_progress: Callable[[int], None] | None = None,
) -> ClusterReport:
    """Cluster every item the clusterer has not seen yet; commit in batches."""
    cfg = config or load_config()
    started = time.perf_counter()
    report = ClusterReport()
    pending = store.cluster_pending()
    if not pending:
        return report
    n_docs, df = store.cluster_load_df()
    engine = Clusterer(cfg, DocumentFrequencies(df, n_docs))
    since = min(r.ts for r in pending) - cfg.max_gap_days * DAY
    for st in store.cluster_load_states(since=since):
        engine.add_story(st)
    for start in range(0, len(pending), cfg.commit_every):
        chunk = pending[start : start + cfg.commit_every]
        with store.transaction():
            _run_chunk(store, engine, chunk, report)
        if on_progress:
            on_progress(len(chunk))
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _run_chunk(store: Store, engine: Clusterer, chunk: list[Any], report: ClusterReport) -> None:
    """Cluster one chunk in memory, then write stories, assignments and merges."""
    assignments: list[tuple[str, str]] = []
    created: dict[str, str] = {}  # story id -> title of the item that started it
    merges: list[str] = []  # stories merged away, in order
    engine.touched = set()
    if engine.embedder is not None:
        engine.dense_index.compact(min(row.ts for row in chunk) - engine.cfg.max_gap_days * DAY)
        engine.embed_batch([(row.id, row.title, row.text) for row in chunk])
    for row in chunk:
        report.items += 1
        target = row.story_id
        if target is None and row.duplicate_of:
            target = engine.item_story.get(row.duplicate_of) or store.cluster_story_of(row.duplicate_of)
        if target is not None:
            target = engine.resolve(target)
            if target not in engine.stories:
                state = store.cluster_load_state(target)
                if state is not None:
                    engine.add_story(state)
                else:
                    engine.stories[target] = StoryState(id=target, pinned=store.story_is_pinned(target))
            engine.follow(target, row.id, row.title, row.text, row.ts)
            report.followed += 1
            if row.story_id != target:
                assignments.append((target, row.id))
            engine.item_story[row.id] = target
            continue
        sid, is_new, merged = engine.assign(row.id, row.title, row.text, row.ts, row.dated)
        engine.item_story[row.id] = sid
        assignments.append((sid, row.id))
        if is_new:
            report.new_stories += 1
            created[sid] = row.title
        else:
            report.joined += 1
        if merged is not None:
            merges.append(merged)
    merges.extend(engine.consolidate(sorted(engine.touched)))
    report.merged += len(merges)
    now = utcnow()
    for sid, first_title in created.items():
        if sid not in engine.stories:
            continue  # merged away before it was ever written
        title = engine.headline(engine.stories[sid]) or first_title or sid
        store.create_story(Story(id=sid, slug=store.unique_slug(title), title=title,
                                 created_at=now, updated_at=now))
    by_story: dict[str, list[str]] = {}
    for sid, item_id in assignments:
        by_story.setdefault(engine.resolve(sid), []).append(item_id)
    for sid, ids in by_story.items():
        store.set_item_story(ids, sid)
    for src in merges:
        if src not in created:
            store.merge_stories(src, engine.resolve(src))
            store.cluster_delete_state(src)
    for sid in sorted(engine.touched):
        st = engine.stories.get(sid)
        if st is None:
            continue
        if sid not in created and store.story_exists(sid):
            fields: dict[str, Any] = {"updated_at": now}
            title = engine.headline(st)
            if title:
                fields["title"] = title
            store.update_story(sid, **fields)
        store.cluster_save_state(st)
    report.stories_touched += len(engine.touched)
    store.cluster_save_df(engine.df)
    store.cluster_mark_seen([row.id for row in chunk])
