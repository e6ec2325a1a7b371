"""The cluster stage on small hand-made fixtures (no shared data needed)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from infomachine.cluster.config import ClusterConfig
from infomachine.cluster.engine import Clusterer
from infomachine.cluster.evaluate import bcubed
from infomachine.cluster.stage import cluster_items
from infomachine.ingest.batch import Ingestor, ingest_records
from infomachine.models import Record
from infomachine.store import SQLiteStore

T0 = datetime(2024, 3, 1, 8, tzinfo=UTC)

# Three made-up events, four reports each, plus one unrelated item.
STORIES = {
    "quake": [
        "Magnitude 7.4 earthquake strikes off Norvania coast",
        "Norvania earthquake: tsunami warning after 7.4 magnitude quake",
        "Tsunami warning lifted after strong Norvania earthquake",
        "Rescuers search rubble after Norvania quake kills dozens",
    ],
    "chip": [
        "Zentrix unveils Q9 processor for thin laptops",
        "Zentrix Q9 chip promises double battery life in laptops",
        "Hands on with the Zentrix Q9 laptop processor",
        "Zentrix Q9 processor benchmarks leak ahead of launch",
    ],
    "final": [
        "Brightwater Rovers win cup final against Eastport United",
        "Eastport United beaten as Brightwater Rovers lift the cup",
        "Brightwater Rovers cup final win sparks celebrations",
        "Cup final: Brightwater Rovers 3-1 Eastport United",
    ],
}
LONER = "Local bakery celebrates fifty years of sourdough"


def records() -> list[tuple[str, Record]]:
    out: list[tuple[str, Record]] = []
    minute = 0
    for i in range(4):
        for label, titles in STORIES.items():
            minute += 7
            t = titles[i]
            out.append((label, Record(origin=f"t{minute}", id=f"{label}-{i}", title=t, text=t,
                                      published=T0 + timedelta(minutes=minute))))
    out.append(("loner", Record(origin="loner", id="loner", title=LONER, text=LONER,
                                published=T0 + timedelta(hours=3))))
    return out


def ingest(store: SQLiteStore, recs: list[tuple[str, Record]]) -> list[str]:
    return Ingestor(store).ingest([r for _, r in recs]).item_ids


def partition(store: SQLiteStore) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for item_id, story_id in store.execute("SELECT id, story_id FROM items"):
        groups.setdefault(story_id, set()).add(item_id)
    return {frozenset(g) for g in groups.values()}


def test_clusters_toy_events(store: SQLiteStore) -> None:
    recs = records()
    ids = ingest(store, recs)
    report = cluster_items(store, ClusterConfig())
    assert report.items == len(recs)
    story_of = dict(store.execute("SELECT id, story_id FROM items").fetchall())
    m = bcubed([lbl for lbl, _ in recs], [story_of[i] for i in ids])
    assert m["f1"] == 1.0
    stories = store.list_stories()
    assert len(stories) == 4
    for s in stories:
        assert s.title and len(s.title.split()) >= 4  # a headline, not a bag of words
        assert s.slug and s.item_count >= 1


def test_deterministic(tmp_path) -> None:  # type: ignore[no-untyped-def]
    results = []
    for n in range(2):
        with SQLiteStore(tmp_path / f"d{n}.db") as s:
            ingest(s, records())
            cluster_items(s, ClusterConfig())
            results.append(sorted((st.id, st.slug, st.title, st.item_count) for st in s.list_stories()))
    assert results[0] == results[1]


def test_shuffled_arrival_order_keeps_the_partition(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Documented effect: clustering follows *publication* order, so the order in
    which items arrive (are ingested) does not change the stories when items are
    clustered in one run. Story ids may differ only if a different item starts a
    story, which cannot happen here because publication order is fixed."""
    parts = []
    for seed in (1, 2):
        recs = records()
        random.Random(seed).shuffle(recs)
        with SQLiteStore(tmp_path / f"s{seed}.db") as s:
            ingest(s, recs)
            cluster_items(s, ClusterConfig())
            parts.append((partition(s), sorted(st.id for st in s.list_stories())))
    assert parts[0] == parts[1]


def test_unclustered_items_picked_up_next_run(store: SQLiteStore) -> None:
    recs = records()
    ingest(store, recs[:6])
    first = cluster_items(store, ClusterConfig())
    assert first.items == 6
    before = {s.id for s in store.list_stories()}
    ingest(store, recs[6:])
    second = cluster_items(store, ClusterConfig())
    assert second.items == len(recs) - 6  # only the new items
    assert cluster_items(store, ClusterConfig()).items == 0
    after = {s.id for s in store.list_stories()}
    assert before <= after  # earlier stories keep their ids
    assert len(after) == 4


def test_near_duplicates_follow_original(store: SQLiteStore) -> None:
    body = " ".join(f"word{i}" for i in range(60))
    a = Record(origin="a", id="a", url="https://a.example/1", title="Original report on Harlow dam", text=body, published=T0)
    b = Record(origin="b", id="b", url="https://b.example/2", title="Syndicated: totally different headline", text=body + " extra", published=T0 + timedelta(hours=1))
    ingest_records(store, [a])
    cluster_items(store, ClusterConfig())
    ingest_records(store, [b])
    cluster_items(store, ClusterConfig())
    rows = dict(store.execute("SELECT url, story_id FROM items").fetchall())
    dup = store.execute("SELECT duplicate_of FROM items WHERE url = ?", ("https://b.example/2",)).fetchone()[0]
    assert dup is not None
    assert rows["https://a.example/1"] == rows["https://b.example/2"]


def test_pinned_story_respected(store: SQLiteStore) -> None:
    recs = records()
    quake = [r for lbl, r in recs if lbl == "quake"]
    ingest_records(store, quake[:1], story="My quake watch")
    ingest(store, [(lbl, r) for lbl, r in recs if r not in quake[:1]])
    cluster_items(store, ClusterConfig())
    pinned = store.get_story("my-quake-watch")
    assert pinned.pinned
    # the later quake reports join the pinned story; the pinned item never moves
    assert pinned.item_count == 4
    pinned_item = store.execute("SELECT story_id FROM items WHERE pinned").fetchone()
    assert pinned_item[0] == pinned.id


def test_merge_keeps_aliases(store: SQLiteStore) -> None:
    cfg = replace(ClusterConfig(), threshold=0.99, headline_threshold=0.99, merge_threshold=0.0,
                  headline_merge_threshold=0.0)
    recs = records()
    ingest(store, recs[:3])
    cluster_items(store, replace(cfg, merge_threshold=1.1, headline_merge_threshold=1.1))  # three stories
    old = {s.id: s.slug for s in store.list_stories()}
    assert len(old) == 3
    ingest(store, recs[3:4])
    report = cluster_items(store, cfg)  # every converging pair merges now
    assert report.merged >= 1
    for sid, slug in old.items():
        survivor = store.get_story(sid)  # old ids and slugs still resolve
        assert store.get_story(slug).id == survivor.id
        if survivor.id != sid:
            assert sid in store.story_aliases(survivor.id)


def test_idf_prior_makes_common_words_cheaper_than_names() -> None:
    """Early in a stream the background prior already knows 'files' is common."""
    from infomachine.cluster.features import DocumentFrequencies
    from infomachine.cluster.prior import background_df

    df = DocumentFrequencies(prior=background_df(100.0), prior_docs=10000.0)
    df.add(["bankruptcy", "sbarro", "file"])
    assert df.idf("sbarro") > df.idf("bankruptcy") > df.idf("file")
    assert df.idf("e:sbarro") > df.idf("file")


def test_anchor_conflict_blocks_merge_of_two_established_stories() -> None:
    """Two stories of >= conflict_min_n items whose heaviest terms are each
    missing from the other stay apart even when their centroids are close."""
    from infomachine.models import StoryState

    eng = Clusterer(ClusterConfig())
    shared = {"file": 2.0, "bankruptcy": 2.0}

    def story(sid: str, anchor: str, n: int) -> StoryState:
        st = StoryState(id=sid, centroid={anchor: 3.0, **shared}, n=n)
        eng.add_story(st)
        return st

    a, b = story("a", "sbarro", 6), story("b", "gox", 9)
    assert eng.conflict(a, b) and eng._merge_order(a, b) is None
    small = story("c", "sbarro", 2)  # too small to have an established anchor
    assert not eng.conflict(small, b)
    same = story("d", "gox", 5)  # the other's anchor is present: no conflict
    same.centroid["sbarro"] = 1.0
    assert not eng.conflict(a, same)


def test_match_on_one_common_word_does_not_count() -> None:
    """'gas' alone links 'Ohio gas prices' to a Ukraine gas-supply story: not one event."""
    eng = Clusterer(ClusterConfig())
    ukraine = {"ukraine": 0.8, "gas": 0.5, "russia": 0.3}
    assert eng.generic({"gas": 0.6, "ohio": 0.8}, ukraine)  # 'gas' is common English
    assert not eng.generic({"sbarro": 0.7, "ohio": 0.7}, {"sbarro": 0.9, "mall": 0.4})  # a name
    assert not eng.generic({"gas": 0.5, "ukraine": 0.8}, ukraine)  # more than one word shared


def test_calendar_words_are_not_features() -> None:
    """Dates name when, not what: two roundups dated the same day share no feature."""
    from infomachine.cluster.features import raw_features

    def feats(title: str) -> set[str]:
        return set(raw_features(title, "", title_weight=1.0, entity_weight=0.5,
                                bigram_weight=0.0, body_words=0))

    games = feats("Video Games News And Rumors 3/10/14")
    energy = feats("The Energy Report, Monday March 10, 2014")
    assert not games & energy
    assert {"game", "rumor"} <= games and "energy" in energy
    assert "14000" in feats("American dropped 14000 flights")  # not a date: kept
    assert {"11", "50"} <= feats("Apollo 11: 50 years on")  # numbers that are not dates stay
    assert "march" in feats("Women's March on Washington")  # a month name used as a word
    assert feats("Fed meets on 2014-03-18 at 2:30 pm") == {"fed", "meet"}
    assert "2.5%" in feats("Costs rose 2.5% to $1.5 billion")
    assert feats("\u1369 \u1230\u120b\u121d")  # non-ASCII digits are not parsed as years


def test_idle_events_never_crowd_a_live_one_out_of_the_candidates() -> None:
    """Events idle past ``max_gap_days`` are no candidates; in one long run they stay in
    the index, and ranked first by shared terms they used to fill every candidate slot,
    so an item missed the live event it belongs to (and results hung on how the stream
    was cut into runs, since a new run loads only recent events)."""
    from infomachine.models import StoryState

    eng = Clusterer(ClusterConfig(max_candidates=1))
    now = T0.timestamp()
    for i in range(6):  # a yearly summit, each year's event long idle, sharing every word
        eng.add_story(StoryState(id=f"old{i}", centroid={"summit": 1.0, "harbourtown": 1.0, "leaders": 1.0},
                                 n=3, first_ts=now - (400 + i) * 86400, last_ts=now - (400 + i) * 86400))
    eng.add_story(StoryState(id="live", centroid={"summit": 1.0, "harbourtown": 0.2}, n=2,
                             first_ts=now - 3600, last_ts=now - 3600))
    found = eng.candidates({"summit": 0.6, "harbourtown": 0.6, "leaders": 0.5}, now)
    assert [st.id for st in found] == ["live"]


def test_time_decay_splits_distant_events() -> None:
    eng = Clusterer(ClusterConfig())
    t = T0.timestamp()
    a, _, _ = eng.assign("1", "Storm Kelda floods Harbourtown", "", t)
    b, _, _ = eng.assign("2", "Storm Kelda floods Harbourtown again", "", t + 3600)
    c, new, _ = eng.assign("3", "Storm Kelda floods Harbourtown", "", t + 90 * 86400)
    assert a == b and new and c != a


# ---------------------------------------------------------------- shared dev data


def test_quality_floor_on_shared_dev_data(shared_data) -> None:  # type: ignore[no-untyped-def]
    """Regression floor at the measured figures (see docs/benchmarks.md)."""
    from infomachine.cluster.evaluate import eval_clusters

    real = eval_clusters(shared_data / "realnews-dev.jsonl")
    uci = eval_clusters(shared_data / "uci-news-dev.jsonl")
    assert real["bcubed"]["f1"] >= 0.94
    assert uci["bcubed"]["f1"] >= 0.87


def test_realnews_target(shared_data) -> None:  # type: ignore[no-untyped-def]
    from infomachine.cluster.evaluate import eval_clusters

    assert eval_clusters(shared_data / "realnews-dev.jsonl")["bcubed"]["f1"] >= 0.95


@pytest.mark.xfail(reason="issue 3 UCI target not reached (0.877 < 0.90; docs/clustering.md, Known gaps)", strict=True)
def test_uci_target(shared_data) -> None:  # type: ignore[no-untyped-def]
    from infomachine.cluster.evaluate import eval_clusters

    assert eval_clusters(shared_data / "uci-news-dev.jsonl")["bcubed"]["f1"] >= 0.90


def test_headline_prefers_statements_over_questions_media_labels_and_page_titles() -> None:
    from infomachine.models import StoryState

    eng = Clusterer(ClusterConfig())
    titles = ["Will the storm flood Harbourtown harbour again?",
              "Storm floods Harbourtown harbour (Video)",
              "Storm floods Harbourtown harbour | Coast News",
              "Storm floods Harbourtown harbour overnight"]
    vecs = [eng.vectorise(t, "") for t in titles]
    centroid: dict[str, float] = {}
    for v in vecs:
        for t, w in v.items():
            centroid[t] = centroid.get(t, 0.0) + w
    st = StoryState(id="s", centroid=centroid, n=4, titles=[[str(i), t, 0.5] for i, t in enumerate(titles)])
    eng.add_story(st)
    assert eng.headline(st) == "Storm floods Harbourtown harbour overnight"
