"""Clustering evaluation: B-cubed and pairwise precision, recall and F1.

``eval_clusters`` ingests a labelled JSONL file into a temporary database,
runs the cluster stage and scores every input record at one level: its
``event`` (the default: items reporting one happening) or its ``story``
(storyline of events).  An exact duplicate record that ingest merged into an
earlier item is scored with the event or story of the item it became.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections import Counter
from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Any

from infomachine.errors import InputError

LEVELS = ("event", "story")


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def _check(gold: Sequence[Hashable], pred: Sequence[Hashable]) -> None:
    if len(gold) != len(pred):
        raise InputError(f"{len(gold)} gold labels but {len(pred)} predictions")


def bcubed(gold: Sequence[Hashable], pred: Sequence[Hashable]) -> dict[str, float]:
    """B-cubed precision/recall/F1 (Bagga & Baldwin 1998), averaged over items."""
    _check(gold, pred)
    n = len(gold)
    if n == 0:
        return {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    cells = Counter(zip(gold, pred, strict=True))
    g_size = Counter(gold)
    p_size = Counter(pred)
    precision = sum(c * c / p_size[p] for (_, p), c in cells.items()) / n
    recall = sum(c * c / g_size[g] for (g, _), c in cells.items()) / n
    return {"precision": precision, "recall": recall, "f1": _f1(precision, recall)}


def pairwise(gold: Sequence[Hashable], pred: Sequence[Hashable]) -> dict[str, float]:
    """Precision/recall/F1 over all pairs of items put together."""
    _check(gold, pred)

    def pairs(counts: Counter[Any]) -> int:
        return sum(c * (c - 1) // 2 for c in counts.values())

    tp = pairs(Counter(zip(gold, pred, strict=True)))
    pred_pairs = pairs(Counter(pred))
    gold_pairs = pairs(Counter(gold))
    precision = tp / pred_pairs if pred_pairs else 1.0
    recall = tp / gold_pairs if gold_pairs else 1.0
    return {"precision": precision, "recall": recall, "f1": _f1(precision, recall)}


def score(gold: Sequence[Hashable], pred: Sequence[Hashable]) -> dict[str, Any]:
    """Both metric families plus cluster counts, rounded for printing."""

    def rounded(d: dict[str, float]) -> dict[str, float]:
        return {k: round(v, 4) for k, v in d.items()}

    return {
        "items": len(gold),
        "bcubed": rounded(bcubed(gold, pred)),
        "pairwise": rounded(pairwise(gold, pred)),
        "gold_clusters": len(set(gold)),
        "predicted_clusters": len(set(pred)),
    }


def read_labelled(path: Path, label_field: str = "story") -> list[dict[str, Any]]:
    """The records of a JSONL file that carry ``label_field``."""
    if not path.exists():
        raise InputError(f"no such file: {path}")
    records = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{lineno}: invalid JSON: {exc.msg}") from exc
            if isinstance(obj, dict) and obj.get(label_field) is not None:
                records.append(obj)
    if not records:
        raise InputError(f"{path}: no records with a {label_field!r} field")
    return records


def cluster_records(
    records: list[dict[str, Any]],
    label_field: str = "story",
    config: Any = None,
    db_path: Path | None = None,
    level: str = "event",
) -> tuple[list[str], list[str]]:
    """Ingest ``records`` into a fresh store, cluster, and return (gold, predicted)
    labels at ``level`` (``event`` or ``story``) for every record that could be ingested."""
    if level not in LEVELS:
        raise InputError(f"unknown level {level!r}: use one of {', '.join(LEVELS)}")
    from infomachine.cluster.stage import cluster_items
    from infomachine.ingest.batch import Ingestor
    from infomachine.models import IngestProblem, Record
    from infomachine.sources.jsonl import record_from_dict
    from infomachine.store import open_store

    with tempfile.TemporaryDirectory(prefix="infomachine-eval-") as tmp:
        store = open_store(db_path or Path(tmp) / "eval.db")
        try:
            docs: list[Record | IngestProblem] = []
            for i, obj in enumerate(records):
                clean = {k: v for k, v in obj.items() if k != label_field}
                docs.append(record_from_dict(clean, f"record:{i}", "eval"))
            report = Ingestor(store).ingest(docs)
            failed = {p.origin for p in report.problems}
            kept = [i for i in range(len(records)) if f"record:{i}" not in failed]
            if len(kept) != len(report.item_ids):
                raise InputError("ingest report does not line up with the input records")
            cluster_items(store, config)
            story_of = store.item_events() if level == "event" else store.item_stories()
            gold = [str(records[i][label_field]) for i in kept]
            pred = [str(story_of.get(item_id) or item_id) for item_id in report.item_ids]
        finally:
            store.close()
    return gold, pred


def eval_clusters(path: Path, label_field: str = "story", config: Any = None,
                  level: str = "event") -> dict[str, Any]:
    """Score the cluster stage on a labelled JSONL file (see module docstring)."""
    started = time.perf_counter()
    records = read_labelled(path, label_field)
    gold, pred = cluster_records(records, label_field, config, level=level)
    result = {"file": str(path), "level": level, **score(gold, pred)}
    result["skipped"] = len(records) - len(gold)
    result["seconds"] = round(time.perf_counter() - started, 3)
    return result
