"""Feed reliability: does every entry feedparser reads get stored?

For each file below a folder you point it at (recursively), the benchmark
compares what feedparser itself reads with what ``infomachine ingest`` keeps:

* **entries feedparser reads** -- *distinct* entries of ``feedparser.parse``
  on the file's bytes.  Two entries are the same when they have the same
  ``id`` (feedparser's GUID / Atom id); entries without an id are the same
  when their ``(link, title, content or summary)`` are all equal.  A file
  that feedparser gives zero entries (not a feed, or nothing it can read)
  counts 0 and so cannot count against us;
* **entries stored** -- distinct items the file's ingest ended in (new items
  plus the stored items its entries were merged into), capped per file at
  the feedparser figure, so a file where we keep more does not hide a loss
  elsewhere;
* **errors** -- problems recorded (``ingest_errors``) and tracebacks (an
  exception out of the ingest call: the target is zero);
* time and peak memory (the process's resident-set high-water mark; with
  ``--large N``, a child process ingests a generated feed of N entries and
  its own peak is reported with the file size).

One store per run (a temporary SQLite file); files are ingested one at a
time through the same path as ``infomachine ingest FILE``.

    python benchmarks/feed_reliability.py FOLDER [FOLDER ...] [--json] [--worst 10]
    python benchmarks/feed_reliability.py --large 38500
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from pathlib import Path
from typing import Any

SKIP_SUFFIXES = {".py", ".pyc", ".js", ".ts", ".go", ".rb", ".md", ".txt", ".cfg", ".toml", ".in",
                 ".gz", ".zip", ".png", ".jpg", ".gif", ".ico"}


def feedparser_distinct(data: bytes) -> int:
    """Distinct entries feedparser reads (see the module docstring)."""
    import feedparser

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = feedparser.parse(data)
        keys: set[Any] = set()
        for e in parsed.entries:
            if e.get("id"):
                keys.add(("id", e.get("id")))
            else:
                content = (e.get("content") or [{}])[0].get("value") or e.get("summary")
                keys.add(("x", e.get("link"), e.get("title"), content))
    return len(keys)


def run_folder(folder: Path, worst: int) -> dict[str, Any]:
    from infomachine.ingest.batch import ingest_records
    from infomachine.intake.collect import collect
    from infomachine.sources.files import iter_files
    from infomachine.store import SQLiteStore

    files = [f for f in iter_files(folder) if f.suffix.lower() not in SKIP_SUFFIXES]
    totals = {"folder": str(folder), "files": 0, "feed_files": 0, "feedparser": 0, "stored": 0,
              "errors": 0, "tracebacks": 0, "seconds": 0.0}
    losses: list[tuple[int, str, int, int]] = []
    with tempfile.TemporaryDirectory() as tmp:
        store = SQLiteStore(Path(tmp) / "bench.db")
        for path in files:
            data = path.read_bytes()
            expected = feedparser_distinct(data)
            totals["files"] += 1
            totals["feed_files"] += bool(expected)
            start = time.perf_counter()
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    report = ingest_records(store, collect(str(path), store=store))
                stored = len(set(report.item_ids))
                totals["errors"] += report.failed
            except Exception:  # noqa: BLE001 - counted: the target is none
                totals["tracebacks"] += 1
                traceback.print_exc(limit=3, file=sys.stderr)
                stored = 0
            totals["seconds"] += time.perf_counter() - start
            totals["feedparser"] += expected
            totals["stored"] += min(stored, expected)
            if stored < expected:
                losses.append((expected - stored, str(path.relative_to(folder)), expected, stored))
        store.close()
    totals["percent"] = round(100.0 * totals["stored"] / totals["feedparser"], 2) if totals["feedparser"] else 100.0
    totals["seconds"] = round(totals["seconds"], 2)
    totals["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    totals["worst"] = [{"file": f, "feedparser": e, "stored": s} for _, f, e, s in sorted(losses, reverse=True)[:worst]]
    return totals


# --------------------------------------------------------------------------- large feed


def make_large_feed(path: Path, n: int, seed: int = 1) -> None:
    """An RSS 2.0 file of ``n`` distinct entries (~2.9 KB each: 38,500 is ~106 MB)."""
    import random

    rng = random.Random(seed)
    vocab = ("council harbour storm budget vote reservoir election court ruling market energy grid "
             "hospital strike teachers flood rescue rail bridge airport satellite vaccine drought "
             "minister tariff export chip factory bank rates inflation housing rent transit fare "
             "museum festival stadium final coast guard wildfire launch trial union outage").split()
    with path.open("w", encoding="utf-8") as fh:
        fh.write('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
                 "<title>Large</title><link>https://large.example/</link>\n")
        for i in range(n):
            body = " ".join(rng.choice(vocab) for _ in range(400))
            fh.write(f"<item><title>Entry {i} {rng.choice(vocab)}</title>"
                     f"<link>https://large.example/{i}</link><guid>e{i}</guid>"
                     f"<pubDate>Mon, 0{1 + i % 9} Jun 2026 10:00:00 GMT</pubDate>"
                     f"<description>&lt;p&gt;{body} {i}&lt;/p&gt;</description></item>\n")
        fh.write("</channel></rss>\n")


LARGE_CHILD = """
import json, resource, sys, time, warnings
warnings.simplefilter("ignore")
from pathlib import Path
from infomachine.ingest.batch import ingest_records
from infomachine.intake.collect import collect
from infomachine.store import SQLiteStore
store = SQLiteStore(Path(sys.argv[2]))
t = time.perf_counter()
report = ingest_records(store, collect(sys.argv[1], store=store))
print(json.dumps({"stored": len(set(report.item_ids)), "errors": report.failed,
                  "seconds": round(time.perf_counter() - t, 1),
                  "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))
"""


def run_large(n: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        feed = Path(tmp) / "large.xml"
        make_large_feed(feed, n)
        out = subprocess.run([sys.executable, "-c", LARGE_CHILD, str(feed), str(Path(tmp) / "l.db")],
                             capture_output=True, text=True, check=True)
        result = json.loads(out.stdout)
        result["entries"] = n
        result["file_mb"] = round(feed.stat().st_size / 1024 / 1024, 1)
        result["peak_over_file"] = round(result["peak_rss_mb"] / result["file_mb"], 1)
        return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("folders", nargs="*", type=Path)
    ap.add_argument("--large", type=int, default=0, help="also ingest a generated feed of N entries")
    ap.add_argument("--worst", type=int, default=5, help="files with the largest losses to list")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    results: list[dict[str, Any]] = [run_folder(f, args.worst) for f in args.folders]
    large = run_large(args.large) if args.large else None
    if args.json:
        print(json.dumps({"corpora": results, "large": large}, indent=2))
        return
    print(f"{'corpus':<40} {'files':>6} {'feeds':>6} {'feedparser':>10} {'stored':>7} {'%':>7} "
          f"{'errors':>6} {'tb':>3} {'s':>7} {'RSS MB':>7}")
    for r in results:
        print(f"{r['folder'][-40:]:<40} {r['files']:>6} {r['feed_files']:>6} {r['feedparser']:>10} "
              f"{r['stored']:>7} {r['percent']:>7} {r['errors']:>6} {r['tracebacks']:>3} "
              f"{r['seconds']:>7} {r['peak_rss_mb']:>7}")
        for w in r["worst"]:
            print(f"    lost {w['feedparser'] - w['stored']:>4}: {w['file']} ({w['stored']}/{w['feedparser']})")
    if large:
        print(f"large feed: {large['entries']} entries, {large['file_mb']} MB: stored {large['stored']}, "
              f"errors {large['errors']}, {large['seconds']} s, peak RSS {large['peak_rss_mb']} MB "
              f"({large['peak_over_file']}x the file)")


if __name__ == "__main__":
    main()
