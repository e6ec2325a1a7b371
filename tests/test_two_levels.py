"""Events and stories: two levels, built online, on both backends.

The corpus (``storyline_fixture``) is two storylines of three events each,
weeks apart, written here.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from storyline_fixture import STORYLINES, records

from infomachine.cluster.evaluate import bcubed
from infomachine.cluster.stage import cluster_items
from infomachine.cluster.storylines import follow_topic, merge_story, split_story, unfollow
from infomachine.errors import InputError
from infomachine.ingest.batch import Ingestor, ingest_records
from infomachine.sources.jsonl import record_from_dict
from infomachine.store import Store, open_store
from infomachine.synth.stage import synthesize_story


def ingest(store: Store, recs: list[dict[str, Any]], story: str | None = None) -> None:
    docs = [record_from_dict({k: v for k, v in r.items() if not k.endswith("_label")}, r["id"], "t")
            for r in recs]
    if story:
        ingest_records(store, docs, story=story)
    else:
        Ingestor(store).ingest(docs)


def _rid(store: Store) -> dict[str, str]:
    """Item id -> the fixture record id (its URL's last part, with the outlet number)."""
    out = {}
    for it in store.list_items():
        host, _, path = (it.url or "").removeprefix("https://news").partition(".example.org/")
        out[it.id] = f"{path}-{host}"
    return out


def item_events(store: Store) -> dict[str, str | None]:
    rid = _rid(store)
    return {rid[i]: e for i, e in store.item_events().items()}


def item_stories(store: Store) -> dict[str, str | None]:
    rid = _rid(store)
    return {rid[i]: s for i, s in store.item_stories().items()}


def labels(store: Store) -> tuple[dict[str, str | None], dict[str, str | None]]:
    return item_events(store), item_stories(store)


def test_items_become_events_and_events_become_stories(store: Store) -> None:
    ingest(store, records())
    report = cluster_items(store)
    assert report.new_events == 6 and report.new_stories == 2
    stories = store.list_stories()
    assert sorted((s.event_count, s.item_count) for s in stories) == [(3, 6), (3, 7)]
    events, story_of = labels(store)
    for name, evs in STORYLINES.items():
        ids = [f"{label}-{k}" for _, label, items in evs for k in range(len(items))]
        assert len({story_of[i] for i in ids}) == 1, name  # one story per storyline
        for _, label, items in evs:  # one event per happening
            assert len({events[f"{label}-{k}"] for k in range(len(items))}) == 1
    dam = store.get_story(story_of["dam-approve-0"] or "")
    timeline = store.list_events(story_id=dam.id)
    assert [e.first_published.date().isoformat() for e in timeline if e.first_published] == [
        "2026-03-02", "2026-03-20", "2026-04-28"]  # in the order they happened
    assert all(e.story_id == dam.id for e in timeline)
    ev = store.get_event(timeline[0].slug)
    assert ev.id == timeline[0].id and ev.item_count == 2
    rid = _rid(store)
    assert {rid[it.id] for it in store.list_items(event_id=ev.id)} == {"dam-approve-0", "dam-approve-1"}
    assert all(it.event_id == ev.id and it.story_id == dam.id for it in store.list_items(event_id=ev.id))


def test_both_levels_are_deterministic_and_shuffled_arrival_gives_the_same_grouping(tmp_path) -> None:  # type: ignore[no-untyped-def]
    runs = []
    for seed in (None, 1, 2):
        recs = records()
        if seed is not None:
            random.Random(seed).shuffle(recs)  # ingest order; the clusterer reads publication order
        s = open_store(tmp_path / f"run{seed}.db")
        ingest(s, recs)
        cluster_items(s)
        events, stories = labels(s)
        runs.append(({i: events[i] for i in sorted(events)}, {i: stories[i] for i in sorted(stories)}))
        s.close()
    assert runs[0] == runs[1] == runs[2]  # same ids, not only the same grouping


def test_arrival_in_batches_gives_the_stories_of_arrival_at_once(tmp_path) -> None:  # type: ignore[no-untyped-def]
    recs = sorted(records(), key=lambda r: r["published"])
    once = open_store(tmp_path / "once.db")
    ingest(once, recs)
    cluster_items(once)
    batched = open_store(tmp_path / "batched.db")
    versions: list[int] = []
    for part in (recs[:4], recs[4:9], recs[9:]):
        ingest(batched, part)
        cluster_items(batched)
        for sid in batched.iter_story_ids():
            synthesize_story(batched, sid)
        versions.append(max(v["version"] for sid in batched.iter_story_ids()
                            for v in batched.list_versions(sid)))
    a, b = item_stories(once), item_stories(batched)
    ids = sorted(a)
    assert bcubed([str(a[i]) for i in ids], [str(b[i]) for i in ids])["f1"] == 1.0
    ea, eb = item_events(once), item_events(batched)
    assert bcubed([str(ea[i]) for i in ids], [str(eb[i]) for i in ids])["f1"] == 1.0
    assert versions[-1] >= 2  # a story that received new events got a new brief version
    once.close()
    batched.close()


def test_an_undated_item_joins_the_older_story_it_belongs_to(store: Store) -> None:
    recs = records(skip_dates={"dam-halt"})  # the court ruling's items come without a date
    dated = [r for r in recs if "published" in r]
    ingest(store, dated)
    cluster_items(store)
    ingest(store, [r for r in recs if "published" not in r])
    cluster_items(store)
    stories = item_stories(store)
    assert stories["dam-halt-0"] == stories["dam-approve-0"]
    assert store.get_event(item_events(store)["dam-halt-0"] or "").story_id == stories["dam-approve-0"]


def test_split_keeps_aliases_and_is_remembered(store: Store) -> None:
    ingest(store, [r for r in records() if not r["id"].startswith("dam-halt")])
    cluster_items(store)
    events = item_events(store)
    dam = store.get_story(item_stories(store)["dam-approve-0"] or "")
    lawsuit = store.get_event(events["dam-lawsuit-0"] or "")
    new = split_story(store, dam.slug, [lawsuit.slug], title="Blue Valley Trust lawsuit")
    assert new.title == "Blue Valley Trust lawsuit" and new.event_count == 1 and new.item_count == 2
    assert store.get_story(dam.id).event_count == 1
    assert {it.story_id for it in store.list_items(event_id=lawsuit.id)} == {new.id}
    # the court ruling arrives later, naming both the lawsuit and the dam: the two stories
    # stay apart (the split is remembered), and it joins one of them
    ingest(store, [r for r in records() if r["id"].startswith("dam-halt")])
    cluster_items(store)
    halt = item_stories(store)["dam-halt-0"]
    assert halt in {dam.id, new.id}
    assert store.get_story(dam.id).id == dam.id and store.get_story(new.id).id == new.id
    with pytest.raises(InputError):
        split_story(store, new.slug, [lawsuit.slug, *[e.slug for e in store.list_events(story_id=dam.id)]])
    # merging back keeps the old id and slug as aliases
    survivor = merge_story(store, new.slug, dam.slug)
    assert survivor.id == dam.id
    assert store.get_story(new.slug).id == dam.id and store.get_story(new.id).id == dam.id
    assert new.slug in store.story_aliases(dam.id)
    assert store.get_story(dam.id).event_count == 3


def test_a_followed_topic_gets_matching_events_and_search_feeds(store: Store) -> None:
    story, feeds = follow_topic(store, "Zentara Z9 processor battery claims",
                                terms=["battery life"], entities=["Zentara", "Priya Raman"])
    assert story.metadata["followed"] and feeds and all(f.metadata["reactive"] == story.slug for f in feeds)
    ingest(store, [r for r in records() if r["id"].startswith(("chip-launch", "dam-approve"))])
    cluster_items(store)
    stories = item_stories(store)
    assert stories["chip-launch-0"] == stories["chip-launch-1"] == story.id
    assert stories["dam-approve-0"] != story.id  # unrelated events do not join it
    assert store.get_story(story.id).title == "Zentara Z9 processor battery claims"  # kept
    ended, removed = unfollow(store, story.slug)
    assert removed == len(feeds) and not ended.metadata["followed"]
    assert not [s for s in store.list_sources(kind="query") if s.metadata.get("reactive") == story.slug]
    ingest(store, [r for r in records() if r["id"].startswith("chip-bench")])
    cluster_items(store)
    assert item_stories(store)["chip-bench-0"] != story.id  # an unfollowed story takes no new events
    assert store.get_story(story.id).item_count == 2  # what it held stays
    with pytest.raises(InputError):
        unfollow(store, story.slug)


def test_pinned_items_stay_in_their_story_as_events(store: Store) -> None:
    chip = [r for r in records() if r["id"].startswith("chip")]
    ingest(store, chip, story="Zentara watch")
    ingest(store, [r for r in records() if r["id"].startswith("dam")])
    cluster_items(store)
    pinned = store.get_story("zentara-watch")
    assert pinned.pinned and pinned.item_count == 6 and pinned.event_count == 3
    assert pinned.title == "Zentara watch"
    assert {item_stories(store)[r["id"]] for r in chip} == {pinned.id}


def test_a_chunk_s_items_are_never_seen_clustered_without_a_story(store: Store, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Events and their stories commit in one transaction per chunk: when linking fails
    half-way, every item no longer pending has its story (a reader, or a worker deciding
    that all work is done, never sees the gap between the two levels), and the next run
    finishes the job."""
    from infomachine.cluster.config import ClusterConfig
    from infomachine.cluster.link import StorylineStep

    ingest(store, records())
    real_run, calls = StorylineStep.run, []

    def failing(self, report):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("linking failed")
        return real_run(self, report)

    monkeypatch.setattr(StorylineStep, "run", failing)
    with pytest.raises(RuntimeError):
        cluster_items(store, ClusterConfig(commit_every=4))
    pending = {p.id for p in store.cluster_pending()}
    done = {i: s for i, s in store.item_stories().items() if i not in pending}
    assert pending and done and all(done.values())  # clustered means in a story
    monkeypatch.setattr(StorylineStep, "run", real_run)
    cluster_items(store, ClusterConfig(commit_every=4))
    assert not store.cluster_pending() and all(store.item_stories().values())
    assert store.unlinked_events() == []


def test_a_database_from_before_two_levels_keeps_its_stories_and_they_grow(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A database as it was before migration 0060 (a story was one cluster of the
    clusterer): after the upgrade each old story is an event of its own story, with the
    same id, slug and aliases, and a later item about it joins that story."""
    from infomachine.store import SQLiteStore

    db = tmp_path / "old.db"
    old = SQLiteStore(db)
    ingest(old, [r for r in records() if r["id"].startswith("dam-approve")])
    ids = [it.id for it in old.list_items()]
    with old.transaction() as conn:  # back to the schema before 0060, with what the old clusterer wrote
        for sql in ("DROP TABLE events", "DROP TABLE event_aliases", "DROP TABLE storyline_state",
                    "DROP INDEX items_event", "ALTER TABLE items DROP COLUMN event_id",
                    "DELETE FROM schema_migrations WHERE name = '0060_events'"):
            conn.execute(sql)
        conn.execute("INSERT INTO stories (id, slug, title, created_at, updated_at) VALUES "
                     "('s-old', 'riverton-dam', 'Riverton dam', '2026-03-02T10:00:00Z', '2026-03-02T10:00:00Z')")
        conn.execute("INSERT INTO story_aliases (alias, story_id) VALUES ('dam-vote', 's-old')")
        conn.executemany("UPDATE items SET story_id = 's-old' WHERE id = ?", [(i,) for i in ids])
        conn.executemany("INSERT INTO cluster_seen (item_id) VALUES (?)", [(i,) for i in ids])
        conn.execute("INSERT INTO cluster_stories (story_id, n, first_ts, last_ts, centroid, titles) "
                     "VALUES ('s-old', 2, 1772445600, 1772449200, ?, '[]')",
                     ('{"kessel": 1.0, "gorge": 1.0, "dam": 1.0, "e:ada kovac": 1.0, "riverton": 1.0, '
                      '"e:kessel gorge": 1.0, "alder": 1.0, "e:blue valley trust": 0.5}',))
    old.close()
    new = SQLiteStore(db)  # applies 0060
    try:
        assert "0060_events" in new.applied_migrations()
        event = new.get_event("riverton-dam")
        assert event.id == "s-old" and event.story_id == "s-old" and event.item_count == 2
        assert new.get_event("dam-vote").id == "s-old"  # old aliases work for the event too
        assert new.get_story("riverton-dam").event_count == 1
        ingest(new, [r for r in records() if r["id"].startswith("dam-lawsuit")])
        cluster_items(new)
        stories = item_stories(new)
        assert stories["dam-lawsuit-0"] == stories["dam-lawsuit-1"] == "s-old"
        assert new.get_story("s-old").event_count == 2
    finally:
        new.close()
