"""Clustering quality on the shared dev data: full files, UCI halves, sklearn peer.

UCI stories are split by md5(story id) % 2 into half A (0, used for tuning)
and half B (1, held out); each half is clustered on its own. realnews (35
items) is scored whole and in the same two halves (A, B). Every figure is B-cubed F1 through the
same path as ``infomachine eval clusters`` (ingest into a fresh store,
cluster, score).

    .venv/bin/python benchmarks/cluster_quality.py             # ours + peer
    .venv/bin/python benchmarks/cluster_quality.py --no-peer
    .venv/bin/python benchmarks/cluster_quality.py --set headline_threshold=0.14

The row "uci-same-event" scores the whole UCI file against gold labels in
which Google News stories that report one event, split by crawl time hours
apart, count as one story (``SAME_EVENT``: the weak China export data seen
at 17:21, 19:54 and 22:24 UTC; Mt. Gox's US bankruptcy filing at 17:58 and
01:04). It is an analysis of the dev data, not a tuning target.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
SAME_EVENT = {
    "dchKRTV8vDviyCMH_lfUDTuFThh_M": "dn8H6sYjpAZnsgM2qvfMRDttKqhXM",
    "dJbOm1zHMJJGWuMjXPV4nRnytnmrM": "dn8H6sYjpAZnsgM2qvfMRDttKqhXM",
    "dUtPmDoOKHwco0M4wh2hZy-Sx5CrM": "d85PwV5UxEUaHMM0to00pLgkAXkbM",
}
PEER_THRESHOLDS = (0.80, 0.90, 0.95, 0.98)


def load(name: str) -> list[dict[str, Any]]:
    with (DATA / name).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def half(story: str) -> int:
    return int(hashlib.md5(story.encode()).hexdigest(), 16) % 2


def datasets() -> dict[str, list[dict[str, Any]]]:
    uci = load("uci-news-dev.jsonl")
    real = load("realnews-dev.jsonl")
    return {
        "uci": uci,
        "uci-A": [r for r in uci if half(str(r["story"])) == 0],
        "uci-B": [r for r in uci if half(str(r["story"])) == 1],
        "realnews": real,
        "realnews-A": [r for r in real if half(str(r["story"])) == 0],
        "realnews-B": [r for r in real if half(str(r["story"])) == 1],
        "uci-same-event": [{**r, "story": SAME_EVENT.get(str(r["story"]), r["story"])} for r in uci],
        "uci-B-same-event": [{**r, "story": SAME_EVENT.get(str(r["story"]), r["story"])} for r in uci
                             if half(str(r["story"])) == 1],
    }


def ours(records: list[dict[str, Any]], overrides: dict[str, Any]) -> dict[str, float]:
    from infomachine.cluster.config import load_config
    from infomachine.cluster.evaluate import bcubed, cluster_records

    gold, pred = cluster_records(records, config=load_config(overrides))
    return {k: round(v, 4) for k, v in bcubed(gold, pred).items()}


def peer(records: list[dict[str, Any]], threshold: float) -> float:
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer

    from infomachine.cluster.evaluate import bcubed

    x = TfidfVectorizer(sublinear_tf=True, stop_words="english").fit_transform(
        [f"{r['title']} {r.get('text') or ''}" for r in records]
    )
    pred = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=threshold
    ).fit_predict(x.toarray())
    return round(bcubed([str(r["story"]) for r in records], [int(p) for p in pred])["f1"], 4)


def parse_value(text: str) -> Any:
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(text.lower(), text)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-peer", action="store_true")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="override a [cluster] setting (repeatable)")
    ap.add_argument("--only", default="",
                    help="comma-separated subset: uci,uci-A,uci-B,realnews,realnews-A,realnews-B,uci-same-event,uci-B-same-event")
    args = ap.parse_args(argv)
    overrides = {k: parse_value(v) for k, v in (s.split("=", 1) for s in args.set)}
    sets = datasets()
    names = [n for n in sets if not args.only or n in args.only.split(",")]
    rows = []
    for name in names:
        row: dict[str, Any] = {"data": name, "items": len(sets[name]),
                               "stories": len({r["story"] for r in sets[name]})}
        row.update(ours(sets[name], overrides))
        if not args.no_peer:
            row["peer"] = {f"{t:.2f}": peer(sets[name], t) for t in PEER_THRESHOLDS}
        rows.append(row)
        print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
