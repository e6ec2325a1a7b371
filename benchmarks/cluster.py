"""Clustering benchmark: ingest + cluster throughput, per-item cost, peak memory,
and the scikit-learn peer (TF-IDF + agglomerative clustering) on the same data.

The synthetic stream is built from ../shared/data (uci-news-dev + realnews-dev):
copy r of every record is shifted by r*40 days (so copies are new events),
gets a fresh URL and id, and its text is varied (10% of words dropped, a
random tag word added). Gold label = (original story, copy): an event of
the stream, so ``bcubed_f1`` scores items' events; ``story_level_f1`` scores
their storylines against the same labels (the linker may rightly join copies
40 days apart, which share their actors and subject, so it is lower).

    .venv/bin/python benchmarks/cluster.py                 # 2k, 10k, 100k + peer
    .venv/bin/python benchmarks/cluster.py --sizes 2000    # one size
    .venv/bin/python benchmarks/cluster.py --peer-sizes "" --set embedding_model=DIR ...
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
TAGS = ["update", "report", "analysis", "latest", "live", "explainer", "breaking", "opinion"]


def stream(n: int, seed: int = 7) -> list[dict[str, object]]:
    base: list[dict[str, object]] = []
    for name in ("uci-news-dev.jsonl", "realnews-dev.jsonl"):
        with (DATA / name).open(encoding="utf-8") as fh:
            base.extend(json.loads(line) for line in fh if line.strip())
    base.sort(key=lambda r: str(r.get("published") or "2014-03-10T12:00:00Z"))
    rng = random.Random(seed)
    out: list[dict[str, object]] = []
    copy = 0
    while len(out) < n:
        shift = timedelta(days=40 * copy)
        for i, rec in enumerate(base):
            if len(out) >= n:
                break
            pub = datetime.fromisoformat(str(rec.get("published") or "2014-03-10T12:00:00+00:00").replace("Z", "+00:00"))
            words = str(rec["title"]).split()
            kept = [w for w in words if rng.random() > 0.1] or words
            title = " ".join(kept) + " " + rng.choice(TAGS)
            text = title if rec["text"] == rec["title"] else str(rec["text"])[:1500] + " " + title
            out.append({
                "id": f"c{copy}-{i}",
                "url": f"https://bench.example/{copy}/{i}",
                "title": title,
                "text": text,
                "published": (pub.astimezone(UTC) + shift).isoformat(),
                "story": f"{rec['story']}#{copy}",
            })
        copy += 1
    return out


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_ours(n: int, overrides: dict[str, object] | None = None) -> dict[str, object]:
    from infomachine.cluster.config import load_config
    from infomachine.cluster.evaluate import bcubed
    from infomachine.cluster.stage import cluster_items
    from infomachine.ingest.batch import Ingestor
    from infomachine.sources.jsonl import record_from_dict
    from infomachine.store import SQLiteStore

    recs = stream(n)
    with tempfile.TemporaryDirectory() as tmp:
        store = SQLiteStore(Path(tmp) / "bench.db")
        docs = [record_from_dict({k: v for k, v in r.items() if k != "story"}, f"r{i}", "bench") for i, r in enumerate(recs)]
        t0 = time.perf_counter()
        report = Ingestor(store).ingest(docs)
        t1 = time.perf_counter()
        cluster_items(store, load_config(overrides))
        t2 = time.perf_counter()
        rows = {r[0]: (r[1], r[2]) for r in store.execute("SELECT id, event_id, story_id FROM items")}
        events = [rows[i][0] for i in report.item_ids]  # the level this stream's labels are
        stories = [rows[i][1] for i in report.item_ids]
        store.close()
    total = t2 - t0
    gold = [str(r["story"]) for r in recs]
    return {
        "system": "infomachine", "items": n,
        "ingest_s": round(t1 - t0, 2), "cluster_s": round(t2 - t1, 2),
        "items_per_s": round(n / total), "us_per_item": round(total / n * 1e6),
        "cluster_items_per_s": round(n / (t2 - t1)),
        "bcubed_f1": round(bcubed(gold, events)["f1"], 4),
        "story_level_f1": round(bcubed(gold, stories)["f1"], 4),
        "peak_mb": round(peak_mb()),
    }


def run_peer(n: int, threshold: float = 0.95) -> dict[str, object]:
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer

    from infomachine.cluster.evaluate import bcubed

    recs = stream(n)
    t0 = time.perf_counter()
    x = TfidfVectorizer(sublinear_tf=True, stop_words="english").fit_transform(
        [f"{r['title']} {r['text']}" for r in recs]
    )
    pred = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=threshold
    ).fit_predict(x.toarray())
    total = time.perf_counter() - t0
    return {
        "system": "sklearn-agglomerative", "items": n, "items_per_s": round(n / total),
        "us_per_item": round(total / n * 1e6),
        "bcubed_f1": round(bcubed([str(r["story"]) for r in recs], list(pred))["f1"], 4),
        "peak_mb": round(peak_mb()),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="2000,10000,100000")
    ap.add_argument("--peer-sizes", default="2000,10000")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="override a [cluster] setting for ours (repeatable)")
    ap.add_argument("--one", choices=["ours", "peer"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:  # child process: one measurement, clean peak memory
        from cluster_quality import parse_value

        overrides = {k: parse_value(v) for k, v in (s.split("=", 1) for s in args.set)}
        row = run_ours(int(args.sizes), overrides) if args.one == "ours" else run_peer(int(args.sizes))
        print(json.dumps(row))
        return
    rows = []
    jobs = [("ours", int(s)) for s in args.sizes.split(",") if s]
    jobs += [("peer", int(s)) for s in args.peer_sizes.split(",") if s]
    for kind, n in jobs:
        out = subprocess.run(
            [sys.executable, __file__, "--one", kind, "--sizes", str(n),
             *(f"--set={s}" for s in args.set)],
            capture_output=True, text=True, check=True,
        ).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))
        print(json.dumps(rows[-1]), flush=True)
    ours = {r["items"]: r for r in rows if r["system"] == "infomachine"}
    if 2000 in ours and 100000 in ours:
        print(f"per-item cost 100k / 2k: {ours[100000]['us_per_item'] / ours[2000]['us_per_item']:.2f}x")
    for r in rows:
        if r["system"] != "infomachine" and r["items"] in ours:
            print(f"speed ratio at {r['items']}: ours/peer = {ours[r['items']]['items_per_s'] / r['items_per_s']:.1f}x")


if __name__ == "__main__":
    main()
