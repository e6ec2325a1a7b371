"""Where the UCI clustering error goes, and what a perfect lexical fix could reach.

Clusters a dev file with the defaults (same path as ``infomachine eval clusters``)
and prints:

* the B-cubed precision loss per predicted cluster and the recall loss per gold
  story (each item's share of the loss, summed; the top rows);
* the items outside their gold story's main predicted cluster, binned by the
  cosine of their TF-IDF vector (final document frequencies) with the centroid
  of that main cluster: below 0.05 they share no meaningful word with it;
* an *oracle*: B-cubed F1 after moving every such item whose cosine is at least
  a cut into the main cluster of its gold story.

    .venv/bin/python benchmarks/cluster_ceiling.py            # UCI, whole file
    .venv/bin/python benchmarks/cluster_ceiling.py --data uci-B
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from collections.abc import Hashable

from cluster_quality import datasets

from infomachine.cluster.config import load_config
from infomachine.cluster.engine import Clusterer
from infomachine.cluster.evaluate import bcubed, cluster_records
from infomachine.cluster.features import Vector, dot, normalised, raw_features

CUTS = (0.0, 0.05, 0.10, 0.15, 0.20)


def losses(gold: list[str], pred: list[str]) -> tuple[Counter[str], Counter[str]]:
    """B-cubed precision loss per predicted cluster, recall loss per gold story."""
    n = len(gold)
    cells = Counter(zip(gold, pred, strict=True))
    g_size, p_size = Counter(gold), Counter(pred)
    p_loss: Counter[str] = Counter()
    r_loss: Counter[str] = Counter()
    for (g, p), c in cells.items():
        p_loss[p] += c * (1 - c / p_size[p]) / n
        r_loss[g] += c * (1 - c / g_size[g]) / n
    return p_loss, r_loss


def f1(gold: list[str], pred: list[Hashable]) -> float:
    return round(bcubed(gold, pred)["f1"], 4)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="uci", help="uci, uci-A, uci-B, realnews")
    ap.add_argument("--top", type=int, default=6)
    args = ap.parse_args(argv)
    records = datasets()[args.data]
    cfg = load_config()
    gold, pred = cluster_records(records, config=cfg)
    print(f"{args.data}: B-cubed {bcubed(gold, pred)}")

    p_loss, r_loss = losses(gold, pred)
    mix = defaultdict(Counter)
    for g, p in zip(gold, pred, strict=True):
        mix[p][g] += 1
    print(f"precision loss {sum(p_loss.values()):.4f}, largest by predicted cluster:")
    for p, loss in p_loss.most_common(args.top):
        print(f"  {loss:.4f}  size {sum(mix[p].values()):>4}  gold stories {sorted(mix[p].values(), reverse=True)}")
    print(f"recall loss {sum(r_loss.values()):.4f}, largest by gold story:")
    for g, loss in r_loss.most_common(args.top):
        print(f"  {loss:.4f}  size {Counter(gold)[g]:>4}  {g}")

    # Item vectors with the final document frequencies, as the clusterer weighs them.
    engine = Clusterer(cfg)
    raws = [raw_features(r["title"], r.get("text") or "", title_weight=cfg.title_weight,
                         entity_weight=cfg.entity_weight, bigram_weight=cfg.bigram_weight,
                         body_words=cfg.body_words) for r in records]
    for raw in raws:
        engine.df.add(raw)
    vecs = [engine.df.vector(raw) for raw in raws]
    main_of = {g: Counter(p for gg, p in zip(gold, pred, strict=True) if gg == g).most_common(1)[0][0]
               for g in set(gold)}
    sums: dict[str, Vector] = defaultdict(dict)
    for vec, p in zip(vecs, pred, strict=True):
        for t, w in vec.items():
            sums[p][t] = sums[p].get(t, 0.0) + w
    centroids = {p: normalised(v) for p, v in sums.items()}
    outside = [(i, dot(vecs[i], centroids[main_of[g]]))
               for i, (g, p) in enumerate(zip(gold, pred, strict=True)) if p != main_of[g]]
    bins = Counter(min(int(cos / 0.05), 6) for _, cos in outside)
    print(f"{len(outside)} items outside their gold story's main cluster, by cosine with it:")
    print("  " + ", ".join(f"[{b * 0.05:.2f},{(b + 1) * 0.05:.2f}): {bins[b]}" for b in sorted(bins)))
    for cut in CUTS:
        moved = list(pred)
        for i, cos in outside:
            if cos >= cut:
                moved[i] = main_of[gold[i]]
        print(f"oracle: every outside item with cosine >= {cut:.2f} placed right -> B-cubed F1 {f1(gold, moved)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
