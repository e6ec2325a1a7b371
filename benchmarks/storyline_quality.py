"""Storyline quality and speed: events and stories as the product makes them.

Every set is ingested into a fresh temporary SQLite store as the product
does (``Ingestor``) and run through ``cluster_items``, which makes events
(the cluster engine) and links the events it touched into stories
(``cluster.link``: ``StorylineLinker`` with ``--set`` overrides); labels are
read back from the store (``item_events``, ``item_stories``). Scores are
story-level B-cubed over every ingested record.

Tuning topics (chosen up front, alphabetical first three of tls-dev):
Charles_Taylor, Chris_Brown, Dilma_Rousseff. Held out: Dmitry_Medvedev,
Hu_Jintao, John_Boehner. Each set is ingested together (one topic = one story).

Rows:
* ``tls-all`` (six topics together), ``tls-tune``, ``tls-held``, ``realnews``
  (with every predicted story that mixes gold stories, and whether the mix
  crosses domains: ``DOMAINS`` below is a hand grouping of the 12 labels);
* ``events`` the event level alone on the same set (for reference);
* ``peer``: TF-IDF + average-link agglomerative (scikit-learn) over the
  items, every threshold of ``PEER_THRESHOLDS`` and the best one on that file;
* ``batched``: tls-all ingested and linked in 3 chronological batches vs all
  at once (B-cubed F1 between the two assignments, and each against gold);
* ``speed``: items/s of ingest + events and of ingest + events + storylines
  (the storyline step of ``cluster_items``, with the linker state saved) on the synthetic stream of
  benchmarks/cluster.py (``--sizes``), in runs of ``--batch`` items, with
  peak memory and story-level B-cubed against the (story, copy) labels and
  against the original stories (copies are the same subject 40 days on:
  joining them is revival, not mixing), and the largest storyline.

    .venv/bin/python benchmarks/storyline_quality.py
    .venv/bin/python benchmarks/storyline_quality.py --only tls-tune --set threshold=0.15
    .venv/bin/python benchmarks/storyline_quality.py --only none --no-peer --sizes 2000,10000,100000
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
TLS = ["Charles_Taylor", "Chris_Brown", "Dilma_Rousseff", "Dmitry_Medvedev", "Hu_Jintao", "John_Boehner"]
TUNE, HELD = TLS[:3], TLS[3:]
PEER_THRESHOLDS = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.98)
DOMAINS = {  # realnews gold story -> domain (hand grouping, for the "unrelated mix" check)
    "nvidia-nemotron-3-release-dec-2025": "ai-models",
    "anthropic-project-glasswing-mythos-preview": "ai-models",
    "single-anthropic-mythos-staged-release-may-2026": "ai-models",
    "openai-gpt-oss-open-weight-release-aug-2025": "ai-models",
    "single-openai-gpt-5-launch": "ai-models",
    "single-openai-gpt-5-august-launch-report": "ai-models",
    "google-adtech-remedies-closing-arguments-nov-2025": "antitrust",
    "single-google-adtech-remedies-evidence-phase-ends": "antitrust",
    "kamchatka-earthquake-m8-8-july-2025": "earthquake",
    "single-hurricane-melissa-jamaica-landfall": "hurricane",
    "ucl-final-2025-psg-beat-inter": "football",
    "single-uwcl-final-2025-arsenal-beat-barcelona": "football",
}


def load(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def tls(topics: list[str]) -> list[dict[str, Any]]:
    return [r for t in topics for r in load(DATA / "tls-dev" / t / "articles.jsonl")]


def parse_value(text: str) -> Any:
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(text.lower(), text)


# ---------------------------------------------------------------- ours


def run_levels(records: list[dict[str, Any]], overrides: dict[str, Any], batches: int = 1,
               label: str = "story") -> dict[str, Any]:
    """Ingest ``records`` (in ``batches`` chronological slices) and run the cluster stage
    (events, then storylines) after each, as ``infomachine run`` does; return gold, event
    and story labels per ingested record as the store holds them, and timings."""
    from infomachine.cluster.config import load_config
    from infomachine.cluster.stage import cluster_items
    from infomachine.cluster.storyline import StorylineConfig
    from infomachine.ingest.batch import Ingestor
    from infomachine.sources.jsonl import record_from_dict
    from infomachine.store import SQLiteStore

    order = sorted(range(len(records)), key=lambda i: (str(records[i].get("published") or ""), i))
    slices = [order[k * len(order) // batches:(k + 1) * len(order) // batches] for k in range(batches)]
    story_cfg = StorylineConfig(**overrides)
    t_ingest = t_cluster = t_link = 0.0
    kept: list[tuple[int, str]] = []  # (record index, item id)
    with tempfile.TemporaryDirectory(prefix="infomachine-storyline-") as tmp:
        store = SQLiteStore(Path(tmp) / "bench.db")
        try:
            for sl in slices:
                docs = [record_from_dict({k: v for k, v in records[i].items() if k != label},
                                         f"record:{i}", "bench") for i in sl]
                t0 = time.perf_counter()
                report = Ingestor(store).ingest(docs)
                t1 = time.perf_counter()
                rep = cluster_items(store, load_config(), storyline=story_cfg)
                t2 = time.perf_counter()
                failed = {p.origin for p in report.problems}
                kept.extend(zip([i for i in sl if f"record:{i}" not in failed], report.item_ids,
                                strict=True))
                t_ingest += t1 - t0
                t_cluster += t2 - t1 - rep.storyline_seconds
                t_link += rep.storyline_seconds
            event_of = store.item_events()
            story_of = store.item_stories()
            state = store.storyline_load() or {}
            state_bytes = len(json.dumps(state))
            # what a save rewrites (the item and URL maps are a log a save only appends to)
            rewritten_bytes = len(json.dumps({k: v for k, v in state.items()
                                              if k not in ("item_event", "url_event")}))
        finally:
            store.close()
    gold = [str(records[i][label]) for i, _ in kept]
    ev = [str(event_of.get(item) or item) for _, item in kept]
    story = [str(story_of.get(item) or item) for _, item in kept]
    return {"gold": gold, "event": ev, "story": story, "ingest_s": t_ingest, "cluster_s": t_cluster,
            "link_s": t_link, "state_bytes": state_bytes, "rewritten_bytes": rewritten_bytes}


def bc(gold: list[str], pred: list[str]) -> dict[str, float]:
    from infomachine.cluster.evaluate import bcubed

    return {k: round(v, 4) for k, v in bcubed(gold, pred).items()}


def mixes(gold: list[str], pred: list[str]) -> list[dict[str, Any]]:
    members: dict[str, Counter[str]] = defaultdict(Counter)
    for g, p in zip(gold, pred, strict=True):
        members[p][g] += 1
    out = []
    for counts in members.values():
        if len(counts) > 1:
            domains = {DOMAINS.get(g, g) for g in counts}
            out.append({"gold": dict(sorted(counts.items())), "cross_domain": len(domains) > 1})
    return out


# ---------------------------------------------------------------- peer


def peer(records: list[dict[str, Any]]) -> dict[str, Any]:
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer

    x = TfidfVectorizer(sublinear_tf=True, stop_words="english").fit_transform(
        [f"{r['title']} {r.get('text') or ''}" for r in records]
    )
    dist = 1.0 - (x @ x.T).toarray()
    dist[dist < 0] = 0.0
    gold = [str(r["story"]) for r in records]
    by_t = {}
    for t in PEER_THRESHOLDS:
        pred = AgglomerativeClustering(n_clusters=None, metric="precomputed", linkage="average",
                                       distance_threshold=t).fit_predict(dist)
        by_t[f"{t:.2f}"] = bc(gold, [str(p) for p in pred])["f1"]
    best = max(by_t.items(), key=lambda kv: kv[1])
    return {"by_threshold": by_t, "best_threshold": best[0], "best_f1": best[1]}


# ---------------------------------------------------------------- speed


def speed(n: int, overrides: dict[str, Any], batch: int) -> dict[str, Any]:
    """One size of the synthetic stream, ingested in chronological batches of ``batch``
    items (each: ingest, events, read-back of the events it touched, storylines)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from cluster import stream  # the synthetic stream of benchmarks/cluster.py

    recs = stream(n)
    out = run_levels(recs, overrides, batches=max(1, -(-n // batch)))
    ev_s = out["ingest_s"] + out["cluster_s"]
    story_s = out["link_s"]
    total = ev_s + story_s
    base = [g.split("#")[0] for g in out["gold"]]  # the original story, whatever the copy
    sizes = Counter(out["story"])
    big, big_n = sizes.most_common(1)[0]
    return {"items": n, "batch": batch,
            "events_items_per_s": round(n / ev_s), "both_items_per_s": round(n / total),
            "us_per_item_events": round(ev_s / n * 1e6), "us_per_item_both": round(total / n * 1e6),
            "storyline_us_per_item": round(story_s / n * 1e6),
            "link_s": round(out["link_s"], 2), "linker_state_mb": round(out["state_bytes"] / 1e6, 1),
            "linker_state_rewritten_mb": round(out["rewritten_bytes"] / 1e6, 1),
            "events": len(set(out["event"])), "storylines": len(sizes),
            "event_bcubed_vs_copies": bc(out["gold"], out["event"]),
            "story_bcubed_vs_copies": bc(out["gold"], out["story"]),
            "story_bcubed_vs_base": bc(base, out["story"]),
            "largest_storyline": {"items": big_n,
                                  "base_stories": len({b for b, p in zip(base, out["story"], strict=True)
                                                       if p == big})},
            "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="override a StorylineConfig setting (repeatable)")
    ap.add_argument("--only", default="", help="subset: tls-all,tls-tune,tls-held,realnews,batched")
    ap.add_argument("--no-peer", action="store_true")
    ap.add_argument("--sizes", default="2000,10000", help="speed sizes ('' for none)")
    ap.add_argument("--batch", type=int, default=2000, help="speed: items per ingest+cluster+link run")
    ap.add_argument("--one-speed", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    overrides = {k: parse_value(v) for k, v in (s.split("=", 1) for s in args.set)}
    if args.one_speed:  # child process: clean peak memory
        print(json.dumps(speed(args.one_speed, overrides, args.batch)))
        return 0
    sets = {"tls-all": lambda: tls(TLS), "tls-tune": lambda: tls(TUNE), "tls-held": lambda: tls(HELD),
            "realnews": lambda: load(DATA / "realnews-dev.jsonl")}
    wanted = args.only.split(",") if args.only else [*sets, "batched"]
    for name, get in sets.items():
        if name not in wanted:
            continue
        recs = get()
        out = run_levels(recs, overrides)
        row: dict[str, Any] = {"data": name, "items": len(out["gold"]),
                               "gold_stories": len(set(out["gold"])),
                               "events": len(set(out["event"])), "storylines": len(set(out["story"])),
                               "story_bcubed": bc(out["gold"], out["story"]),
                               "event_level_bcubed": bc(out["gold"], out["event"])}
        if name == "realnews":
            m = mixes(out["gold"], out["story"])
            row["mixed_stories"] = m
            row["cross_domain_mixes"] = sum(x["cross_domain"] for x in m)
        if not args.no_peer:
            row["peer"] = peer(recs)
        print(json.dumps(row), flush=True)
    if "batched" in wanted:
        recs = tls(TLS)
        one = run_levels(recs, overrides, batches=1)
        three = run_levels(recs, overrides, batches=3)
        same = [g for g in one["gold"]] == three["gold"]
        print(json.dumps({"data": "batched tls-all 3 chronological batches vs 1",
                          "aligned": same,
                          "story_agreement_bcubed": bc(one["story"], three["story"]),
                          "event_agreement_bcubed": bc(one["event"], three["event"]),
                          "story_bcubed_1": bc(one["gold"], one["story"]),
                          "story_bcubed_3": bc(three["gold"], three["story"])}), flush=True)
    speeds: list[dict[str, Any]] = []
    for s in [s for s in args.sizes.split(",") if s]:
        res = subprocess.run([sys.executable, __file__, "--one-speed", s, f"--batch={args.batch}",
                              *(f"--set={x}" for x in args.set)],
                             capture_output=True, text=True, check=True).stdout
        row = json.loads(res.strip().splitlines()[-1])
        speeds.append(row)
        print(json.dumps({"data": "speed", **row}), flush=True)
    if len(speeds) > 1:
        first, last = speeds[0], speeds[-1]
        print(json.dumps({"data": "per-item cost ratio", "sizes": [first["items"], last["items"]],
                          "events": round(last["us_per_item_events"] / first["us_per_item_events"], 2),
                          "both": round(last["us_per_item_both"] / first["us_per_item_both"], 2)}),
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
