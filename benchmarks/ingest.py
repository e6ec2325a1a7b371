"""Ingest throughput: pre-extracted JSONL at 1k, 10k and 100k generated items.

Prints items/s, per-item cost relative to the smallest size, and peak memory
(resident set high-water mark of a fresh child process per size).

    python benchmarks/ingest.py            # 1k, 10k, 100k
    python benchmarks/ingest.py 1000 5000  # other sizes
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

WORDS = (
    "council minister harbour storm budget vote reservoir election court ruling market shares "
    "energy prices grid outage hospital strike teachers union flood rescue rail line bridge "
    "airport runway satellite launch vaccine trial drought wildfire coast guard tariff export "
    "chip factory bank rates inflation housing rent transit fare museum festival stadium final"
).split()


def make_items(n: int, path: Path, seed: int = 1) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            words = [rng.choice(WORDS) for _ in range(rng.randint(120, 260))]
            title = " ".join(rng.choice(WORDS) for _ in range(8)).capitalize()
            fh.write(
                json.dumps(
                    {
                        "id": f"gen-{i}",
                        "url": f"https://news{i % 50}.example/{i}/{rng.randint(0, 10**9)}",
                        "title": title,
                        "text": " ".join(words) + ".",
                        "publisher": f"Publisher {i % 50}",
                        "published": f"2026-0{1 + i % 9}-{1 + i % 28:02d}T{i % 24:02d}:00:00Z",
                    }
                )
                + "\n"
            )


def run_one(n: int) -> dict[str, float]:
    """Run in a child so peak RSS is per size."""
    code = f"""
import json, resource, sys, time
from pathlib import Path
from infomachine.ingest.batch import ingest_records
from infomachine.intake.collect import collect
from infomachine.store import SQLiteStore
data, db = Path(sys.argv[1]), Path(sys.argv[2])
store = SQLiteStore(db)
t = time.perf_counter()
report = ingest_records(store, collect(str(data)))
dt = time.perf_counter() - t
print(json.dumps({{"n": {n}, "seconds": dt, "new": report.new, "near": report.near_duplicate,
  "failed": report.failed, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "items.jsonl"
        make_items(n, data)
        out = subprocess.run(
            [sys.executable, "-c", code, str(data), str(Path(tmp) / "bench.db")],
            check=True, capture_output=True, text=True,
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [1_000, 10_000, 100_000]
    base = None
    print(f"{'items':>8} {'seconds':>8} {'items/s':>9} {'µs/item':>8} {'vs first':>8} {'peak MB':>8}")
    for n in sizes:
        r = run_one(n)
        per = r["seconds"] / n
        base = base or per
        print(
            f"{n:>8} {r['seconds']:>8.2f} {n / r['seconds']:>9.0f} {per * 1e6:>8.0f} "
            f"{per / base:>8.2f} {r['peak_mb']:>8.0f}   (new {r['new']}, near-dup {r['near']}, failed {r['failed']})"
        )


if __name__ == "__main__":
    main()
