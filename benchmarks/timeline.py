"""Date F1 of timeline date selection on the shared TLS dev topics.

For each topic in ``../shared/data/tls-dev/<topic>/``: ingest the articles
into a fresh SQLite store pinned to a story named after the topic, select
K dates (K = number of gold dates) within the gold range (first..last gold
date) and score the selected set against the gold set (date F1).  Prints
per-topic and mean F1 for ``select_dates`` and the publication-date
frequency baseline; and, as a user sees it, the date F1 of the brief's own
Timeline (the pinned items clustered into events, ``cluster_items``, and the
story synthesized: one line per event, dated by what its sources state), its
dates within the gold range against the gold set, with its number of lines
and whether any two lines share an event.

    .venv/bin/python benchmarks/timeline.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from infomachine.cluster.stage import cluster_items
from infomachine.ingest.batch import Ingestor, pin_story
from infomachine.sources.jsonl import parse_jsonl_file
from infomachine.store import SQLiteStore
from infomachine.synth.stage import synthesize_story
from infomachine.synth.timeline import pub_date_baseline, select_dates

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = Path(os.environ.get("INFOMACHINE_SHARED_DATA", ROOT.parent / "shared" / "data"))


def f1(predicted: set[date], gold: set[date]) -> float:
    hit = len(predicted & gold)
    if not hit:
        return 0.0
    p, r = hit / len(predicted), hit / len(gold)
    return 2 * p * r / (p + r)


def evaluate_topic(topic_dir: Path, workdir: Path) -> dict[str, object]:
    gold = sorted(date.fromisoformat(d) for d in json.loads((topic_dir / "timeline.json").read_text())["dates"])
    store = SQLiteStore(workdir / f"{topic_dir.name}.db")
    try:
        story = pin_story(store, topic_dir.name)
        Ingestor(store, story=story).ingest(parse_jsonl_file(topic_dir / "articles.jsonl"))
        items = store.list_items(story_id=story.id)
        cluster_items(store)
        brief, _ = synthesize_story(store, story.id)
    finally:
        store.close()
    k, since, until = len(gold), gold[0], gold[-1]
    t0 = time.perf_counter()
    events = select_dates(items, max_dates=k, since=since, until=until)
    seconds = time.perf_counter() - t0
    ours = {date.fromisoformat(e.date) for e in events}
    base = set(pub_date_baseline(items, max_dates=k, since=since, until=until))
    lines = [date.fromisoformat(e.date) for e in brief.timeline if e.date]
    in_range = {d for d in lines if since <= d <= until}
    per_event = [e.event_id for e in brief.timeline if e.event_id]
    return {
        "brief_f1": f1(in_range, set(gold)),
        "brief_lines": len(brief.timeline),
        "events_repeated": len(per_event) - len(set(per_event)),
        "topic": topic_dir.name,
        "items": len(items),
        "k": k,
        "f1": f1(ours, set(gold)),
        "baseline_f1": f1(base, set(gold)),
        "seconds": seconds,
    }


def run(data: Path) -> list[dict[str, object]]:
    topics = sorted(p for p in (data / "tls-dev").iterdir() if (p / "timeline.json").exists())
    with tempfile.TemporaryDirectory() as tmp:
        return [evaluate_topic(t, Path(tmp)) for t in topics]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args(argv)
    if not (args.data / "tls-dev").exists():
        print(f"no TLS dev data at {args.data / 'tls-dev'}", file=sys.stderr)
        return 2
    rows = run(args.data)
    print(f"{'topic':<18} {'items':>5} {'K':>3} {'date F1':>8} {'pub-freq F1':>12} {'seconds':>8} "
          f"{'brief F1':>9} {'lines':>6} {'same-event':>11}")
    for r in rows:
        print(
            f"{r['topic']:<18} {r['items']:>5} {r['k']:>3} {r['f1']:>8.3f} "
            f"{r['baseline_f1']:>12.3f} {r['seconds']:>8.2f} {r['brief_f1']:>9.3f} {r['brief_lines']:>6} "
            f"{r['events_repeated']:>11}"
        )
    mean = sum(float(r["f1"]) for r in rows) / len(rows)  # type: ignore[arg-type]
    base = sum(float(r["baseline_f1"]) for r in rows) / len(rows)  # type: ignore[arg-type]
    brief = sum(float(r["brief_f1"]) for r in rows) / len(rows)  # type: ignore[arg-type]
    print(f"{'mean':<18} {'':>5} {'':>3} {mean:>8.3f} {base:>12.3f} {'':>8} {brief:>9.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
