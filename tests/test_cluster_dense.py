"""Optional dense embeddings in the cluster stage, with a model2vec model made here.

The model is a tiny static embedding table built by the test (a word-level
tokenizer and hand-placed vectors), saved with model2vec's own
``save_pretrained`` and loaded through ``embedding_model`` like any user's model.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from infomachine.cluster.config import ClusterConfig
from infomachine.cluster.dense import DenseIndex, load_embedder
from infomachine.cluster.stage import cluster_items
from infomachine.errors import ConfigError
from infomachine.ingest.batch import Ingestor
from infomachine.models import Record
from infomachine.store import SQLiteStore

T0 = datetime(2024, 5, 2, 9, tzinfo=UTC)
WEATHER = ["storm", "cyclone", "gale", "floods", "inundates", "swamps", "harbour", "port",
           "quay", "town", "village"]
TECH = ["zentrix", "unveils", "q9", "chip", "processor"]
HEADLINES = [
    ("weather", "Storm floods harbour town"),
    ("weather", "Cyclone inundates port village"),
    ("tech", "Zentrix unveils Q9 chip"),
    ("weather", "Gale swamps quay"),
]


def make_model(folder: Path, dim: int = 16) -> Path:
    """A model2vec model whose weather words share one direction, tech words another."""
    model2vec = pytest.importorskip("model2vec")
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers

    vocab = ["[UNK]", "[PAD]", *WEATHER, *TECH]
    tok = Tokenizer(models.WordLevel({w: i for i, w in enumerate(vocab)}, unk_token="[UNK]"))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    rng = np.random.default_rng(7)
    weather, tech = rng.normal(size=dim), rng.normal(size=dim)
    rows = [np.zeros(dim), np.zeros(dim)]
    rows += [weather + 0.1 * rng.normal(size=dim) for _ in WEATHER]
    rows += [tech + 0.1 * rng.normal(size=dim) for _ in TECH]
    model = model2vec.StaticModel(np.stack(rows).astype(np.float32), tok, normalize=True)
    model.save_pretrained(str(folder))
    return folder


def cluster_headlines(tmp_path: Path, config: ClusterConfig, batches: list[list[int]]) -> SQLiteStore:
    store = SQLiteStore(tmp_path / "dense.db")
    for batch in batches:
        recs = [Record(origin=f"h{i}", id=f"h{i}", title=HEADLINES[i][1], text=HEADLINES[i][1],
                       published=T0 + timedelta(minutes=10 * i)) for i in batch]
        Ingestor(store).ingest(recs)
        cluster_items(store, config)
    return store


def stories_of(store: SQLiteStore) -> dict[str, str]:
    """Headline index ("h0", ...) -> event id (the level the clusterer's state is kept at)."""
    index = {title: f"h{i}" for i, (_, title) in enumerate(HEADLINES)}
    return {index[title]: eid for title, eid in store.execute("SELECT title, event_id FROM items")}


def test_dense_index_finds_nearest_active_story() -> None:
    idx = DenseIndex()
    idx.put("a", [1.0, 0.0], last_ts=100.0)
    idx.put("b", [0.0, 2.0], last_ts=100.0)
    idx.put("old", [0.0, 1.0], last_ts=1.0)
    near = dict(idx.nearest(np.array([0.1, 1.0], dtype=np.float32), k=2, horizon=50.0))
    assert set(near) == {"a", "b"} and near["b"] > near["a"]  # 'old' is past the horizon
    idx.drop("b")
    assert [sid for sid, _ in idx.nearest(np.array([0.0, 1.0], dtype=np.float32), 1, 50.0)] == ["a"]
    idx.put("a", [0.0, 3.0], last_ts=200.0)  # a story's row is updated in place
    assert idx.nearest(np.array([0.0, 1.0], dtype=np.float32), 1, 150.0)[0][1] == pytest.approx(1.0)


def test_embeddings_join_headlines_that_share_no_word(tmp_path: Path) -> None:
    model = make_model(tmp_path / "m2v")
    encode = load_embedder(str(model))
    vecs = encode([h for _, h in HEADLINES])
    assert vecs.shape == (4, 16) and np.allclose(np.linalg.norm(vecs, axis=1), 1.0)

    sparse = cluster_headlines(tmp_path / "a", ClusterConfig(), [[0, 1, 2, 3]])
    assert len(set(stories_of(sparse).values())) == 4  # no shared word: four stories

    dense_cfg = replace(ClusterConfig(), embedding_model=str(model), embedding_weight=0.5,
                        headline_threshold=0.3, headline_merge_threshold=0.3)
    # Two runs: the story's summed vector is persisted and used by the second run.
    store = cluster_headlines(tmp_path / "b", dense_cfg, [[0, 1, 2], [3]])
    got = stories_of(store)
    assert got["h0"] == got["h1"] == got["h3"] != got["h2"]
    (saved,) = store.execute("SELECT dense FROM cluster_stories WHERE story_id = ?", (got["h0"],))
    assert saved[0] is not None


def dense_of(store: SQLiteStore, story_id: str) -> list[float] | None:
    import json

    (row,) = store.execute("SELECT dense FROM cluster_stories WHERE story_id = ?", (story_id,))
    return json.loads(row[0]) if row[0] else None


def add_item(store: SQLiteStore, title: str, hours: float) -> None:
    Ingestor(store).ingest([Record(origin=title, id=title, title=title, text=title,
                                   published=T0 + timedelta(hours=hours))])


def test_vectors_of_another_model_or_of_no_model_are_forgotten(tmp_path: Path) -> None:
    """Stored sums from a model of another dimension, or while no model is set, are
    dropped rather than mixed with new vectors (they would be meaningless)."""
    first = replace(ClusterConfig(), embedding_model=str(make_model(tmp_path / "m16")))
    store = cluster_headlines(tmp_path / "db", first, [[0]])
    sid = stories_of(store)["h0"]
    assert len(dense_of(store, sid) or []) == 16

    other = replace(first, embedding_model=str(make_model(tmp_path / "m8", dim=8)))
    add_item(store, "Storm floods harbour town again", 1)  # joins by its words
    cluster_items(store, other)
    assert {story for (story,) in store.execute("SELECT event_id FROM items")} == {sid}
    assert len(dense_of(store, sid) or []) == 8  # re-accumulated from the new model only

    add_item(store, "Harbour town storm floods recede", 2)
    cluster_items(store, ClusterConfig())  # no model: the stored sum is cleared, not left stale
    assert dense_of(store, sid) is None


def test_text_with_no_known_word_gets_no_dense_penalty(tmp_path: Path) -> None:
    """A model that knows none of the words gives a zero vector: the sparse score decides."""
    model = make_model(tmp_path / "m2v")
    # A strict threshold that the two near-identical headlines clear on their words
    # (cosine ~0.9) but would miss if a zero dense cosine were mixed in (0.6 x 0.9).
    cfg = replace(ClusterConfig(), embedding_model=str(model), headline_threshold=0.7,
                  headline_merge_threshold=0.7)
    store = SQLiteStore(tmp_path / "z.db")
    # No word of these is in the model's vocabulary.
    titles = ["Brightwater Rovers lift the cup", "Rovers lift cup at Brightwater stadium"]
    for i, title in enumerate(titles):
        Ingestor(store).ingest([Record(origin=f"z{i}", id=f"z{i}", title=title, text=title,
                                       published=T0 + timedelta(minutes=i))])
    cluster_items(store, cfg)
    assert len({sid for _, sid in store.execute("SELECT id, story_id FROM items")}) == 1


def test_a_missing_local_folder_is_a_config_error_without_network(tmp_path: Path) -> None:
    pytest.importorskip("model2vec")
    with pytest.raises(ConfigError, match="no such model folder"):
        load_embedder(str(tmp_path / "not-there"))


def test_a_folder_that_is_not_a_model_is_a_config_error(tmp_path: Path) -> None:
    pytest.importorskip("model2vec")
    with pytest.raises(ConfigError, match="cannot load a model2vec model"):
        load_embedder(str(tmp_path))
