"""Clustering metrics on hand-checked toy examples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infomachine.cluster.evaluate import bcubed, eval_clusters, pairwise, score


def test_perfect_clustering_scores_one() -> None:
    gold = ["a", "a", "b"]
    pred = [1, 1, 2]
    assert bcubed(gold, pred)["f1"] == pytest.approx(1.0)
    assert pairwise(gold, pred)["f1"] == pytest.approx(1.0)


def test_bcubed_hand_checked() -> None:
    # gold {1,2,3} {4,5}; predicted {1,2} {3,4,5}
    gold = ["x", "x", "x", "y", "y"]
    pred = ["p", "p", "q", "q", "q"]
    m = bcubed(gold, pred)
    # precision per item: 1,1,1/3,2/3,2/3 -> 11/15 ; recall: 2/3,2/3,1/3,1,1 -> 11/15
    assert m["precision"] == pytest.approx(11 / 15)
    assert m["recall"] == pytest.approx(11 / 15)


def test_pairwise_hand_checked() -> None:
    gold = ["x", "x", "x", "y", "y"]
    pred = ["p", "p", "q", "q", "q"]
    m = pairwise(gold, pred)
    # predicted pairs: (1,2) (3,4) (3,5) (4,5); correct: (1,2) (4,5); gold pairs: 3 + 1
    assert m["precision"] == pytest.approx(2 / 4)
    assert m["recall"] == pytest.approx(2 / 4)


def test_all_singletons_and_one_blob() -> None:
    gold = ["a", "a", "b", "b"]
    singles = bcubed(gold, [1, 2, 3, 4])
    assert singles["precision"] == 1.0 and singles["recall"] == pytest.approx(0.5)
    blob = bcubed(gold, [0, 0, 0, 0])
    assert blob["recall"] == 1.0 and blob["precision"] == pytest.approx(0.5)
    assert pairwise(gold, [1, 2, 3, 4])["precision"] == 1.0  # no predicted pairs


def test_score_counts() -> None:
    out = score(["a", "a", "b"], [1, 2, 2])
    assert out["gold_clusters"] == 2 and out["predicted_clusters"] == 2 and out["items"] == 3


def test_eval_clusters_scores_every_record(tmp_path: Path) -> None:
    rows = [
        {"id": "1", "title": "Volcano erupts on Mount Karvel, villages evacuated", "text": "Mount Karvel volcano erupts.", "published": "2024-01-02T10:00:00Z", "story": "v"},
        {"id": "2", "title": "Mount Karvel volcano eruption forces evacuation", "text": "Karvel eruption evacuation.", "published": "2024-01-02T11:00:00Z", "story": "v"},
        # an exact duplicate record: merged on ingest, still scored
        {"id": "2b", "title": "Mount Karvel volcano eruption forces evacuation", "text": "Karvel eruption evacuation.", "published": "2024-01-02T11:00:00Z", "story": "v"},
        {"id": "3", "title": "Zentrix unveils Q9 chip for laptops", "text": "Zentrix Q9 chip laptops.", "published": "2024-01-02T12:00:00Z", "story": "c"},
    ]
    path = tmp_path / "toy.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows))
    out = eval_clusters(path)
    assert out["items"] == 4
    assert out["gold_clusters"] == 2
    assert out["bcubed"]["f1"] == pytest.approx(1.0)
    assert set(out) >= {"bcubed", "pairwise", "seconds", "predicted_clusters"}
