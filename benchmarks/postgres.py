"""PostgreSQL vs SQLite in one run: ingest + cluster, full-text search latency,
and synthesis with 1, 2 and 4 workers against a scripted LLM taking 1 s a call.

* ingest + cluster: the stream of ``benchmarks/cluster.py`` (../shared/data,
  copies shifted in time), ``--items`` of it (default 10,000), into a fresh
  SQLite file and a fresh PostgreSQL database; wall time of each stage.
* search: ``--queries`` (default 300) one- and two-word queries drawn from
  the items' titles, run against both; p50 and p95 latency.
* workers: 1, 2 and 4 ``infomachine worker`` processes are started and left
  idle, then ``--stories`` (default 16) new stories of one item each arrive;
  wall time until every story has its brief, synthesized through an
  OpenAI-compatible server on 127.0.0.1 that answers every call after 1 s.

PostgreSQL is a throwaway local server (``tests/pgserver.py``: initdb into a
temporary folder, fsync off) unless ``--pg-url`` names one whose user may
create databases.  Timings are for this machine; compare within one run.

    .venv/bin/python benchmarks/postgres.py
    .venv/bin/python benchmarks/postgres.py --items 2000 --workers 1,2
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # pgserver.py
sys.path.insert(0, str(ROOT / "benchmarks"))  # cluster.py's stream


def records(n: int) -> list[Any]:
    from cluster import stream  # type: ignore[import-not-found]

    from infomachine.models import Record

    return [Record(origin=f"bench:{r['id']}", url=str(r["url"]), title=str(r["title"]),
                   text=str(r["text"]), published=str(r["published"])) for r in stream(n)]


def ingest_and_cluster(ref: str, recs: list[Any]) -> dict[str, float]:
    from infomachine.cluster.stage import cluster_items
    from infomachine.ingest.batch import ingest_records
    from infomachine.store import open_store

    store = open_store(ref)
    try:
        t0 = time.perf_counter()
        ingest_records(store, recs)
        t1 = time.perf_counter()
        res = cluster_items(store)
        t2 = time.perf_counter()
        return {"ingest_s": round(t1 - t0, 2), "cluster_s": round(t2 - t1, 2),
                "items": store.count_items(), "stories": res.new_stories}
    finally:
        store.close()


def database_size(ref: str) -> dict[str, Any]:
    """On disk: PostgreSQL's ``pg_total_relation_size`` (table + indexes + TOAST)
    per table, summed; SQLite's file (and WAL)."""
    from infomachine.store import open_store

    if not ref.startswith("postgresql://"):
        return {"total_mb": round(sum(p.stat().st_size for p in Path(ref).parent.glob(Path(ref).name + "*")) / 2**20, 1)}
    with open_store(ref) as store:
        conn: Any = store.conn  # type: ignore[attr-defined]
        conn.execute("VACUUM ANALYZE")
        rows = conn.execute(
            "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r' "
            "ORDER BY 2 DESC").fetchall()
    return {"total_mb": round(sum(r[1] for r in rows) / 2**20, 1),
            "tables_mb": {r[0]: round(r[1] / 2**20, 1) for r in rows[:6]}}


def ingest_both(server: Any, n: int, n_queries: int) -> dict[str, Any]:
    recs = records(n)
    rng = random.Random(3)
    words = [w for r in recs for w in str(r.title).split() if w.isalpha() and len(w) > 3]
    queries = [" ".join(rng.sample(words, rng.choice((1, 2)))) for _ in range(n_queries)]
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        refs = {"sqlite": str(Path(tmp) / "bench.db"), "postgres": server.new_database()}
        for name, ref in refs.items():
            out[name] = ingest_and_cluster(ref, recs)
            out[name]["search"] = search_latency(ref, queries)
            out[name]["disk"] = database_size(ref)
            print(n, name, json.dumps(out[name]), file=sys.stderr)
        server.drop_database(refs["postgres"])
    out["ratio_pg_over_sqlite"] = {
        k: round(out["postgres"][k] / out["sqlite"][k], 2) for k in ("ingest_s", "cluster_s") if out["sqlite"][k]}
    return out


def search_latency(ref: str, queries: list[str]) -> dict[str, float]:
    from infomachine.store import open_store

    store = open_store(ref)
    try:
        for q in queries[:20]:  # warm the caches
            store.search(q)
        times, hits = [], 0
        for q in queries:
            t0 = time.perf_counter()
            hits += len(store.search(q, limit=20))
            times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        return {"p50_ms": round(statistics.median(times), 2),
                "p95_ms": round(times[int(0.95 * (len(times) - 1))], 2),
                "mean_hits": round(hits / len(queries), 1)}
    finally:
        store.close()


class SlowLLM(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        time.sleep(1.0)
        body = json.dumps({"choices": [{"message": {"content": "{}"}}],
                           "usage": {"prompt_tokens": 100, "completion_tokens": 10}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def synthesis_with_workers(server: Any, n_stories: int, counts: list[int]) -> dict[str, Any]:
    """Steady state: ``workers`` long-running workers, started and idle first (so
    process start-up is not measured), then ``n_stories`` new stories arrive;
    wall time until every one has its brief."""
    import signal

    from infomachine.ingest.batch import ingest_records
    from infomachine.models import Record
    from infomachine.store import open_store

    llm = ThreadingHTTPServer(("127.0.0.1", 0), SlowLLM)
    threading.Thread(target=llm.serve_forever, daemon=True).start()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"),
           "INFOMACHINE_LLM_BASE_URL": f"http://127.0.0.1:{llm.server_address[1]}/v1",
           "INFOMACHINE_LLM_MODEL": "bench", "INFOMACHINE_LLM_MAX_RETRIES": "0",
           "INFOMACHINE_LLM_REPAIR": "false"}
    out: dict[str, Any] = {}
    try:
        for workers in counts:
            url = server.new_database()
            cmd = [sys.executable, "-m", "infomachine", "--db", url, "worker", "-q", "--idle", "0.5",
                   "--site-dir", "", "--format", "json"]
            procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                     for _ in range(workers)]
            with open_store(url) as store:
                conn: Any = store.conn  # type: ignore[attr-defined]
                while conn.execute("SELECT COUNT(*) FROM workers WHERE doing = 'idle'").fetchone()[0] < workers:
                    time.sleep(0.1)
                t0 = time.perf_counter()
                for s in range(n_stories):
                    ingest_records(store, [Record(
                        origin=f"w{s}", url=f"https://w.example/{s}", title=f"Story {s} headline",
                        text=f"Story {s} body text. " * 20, published="2025-03-03T09:00:00Z")],
                        story=f"story-{s}")
                while sum(1 for st in store.list_stories() if store.latest_brief(st.id)) < n_stories:
                    time.sleep(0.05)
                wall = time.perf_counter() - t0
                calls = store.llm_usage()["calls"]
            for p in procs:
                p.send_signal(signal.SIGTERM)
            reports = [json.loads(p.communicate(timeout=120)[0] or "{}") for p in procs]
            out[str(workers)] = {"wall_s": round(wall, 1), "briefs": n_stories, "llm_calls": calls,
                                 "per_worker": [len(r.get("new_versions", [])) for r in reports]}
            print("workers", workers, json.dumps(out[str(workers)]), file=sys.stderr)
    finally:
        llm.shutdown()
        llm.server_close()
    return out


def poll_with_workers(server: Any, n_feeds: int, items: int, latency: float,
                      counts: list[int]) -> dict[str, Any]:
    """Poll throughput: ``n_feeds`` RSS feeds (``items`` entries each) on a local
    server on 127.0.0.1 that answers each request after ``latency`` seconds (as
    a remote site would); 1, then 4 ... long-running workers, started and idle
    first; wall time from adding the sources until every one is polled (every
    item stored).  Clustering and synthesis are off: this is the poll stage."""
    import signal

    from poll import Handler  # type: ignore[import-not-found]

    from infomachine.sources.feeds import feed_source
    from infomachine.store import open_store

    class Slow(Handler):  # type: ignore[misc, valid-type]
        def do_GET(self) -> None:  # noqa: N802
            time.sleep(latency)
            super().do_GET()

    Handler.items = items
    feeds = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    feeds.daemon_threads = True
    threading.Thread(target=feeds.serve_forever, daemon=True).start()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "INFOMACHINE_RUN_CLUSTER": "false",
           "INFOMACHINE_RUN_SYNTHESIZE": "false", "INFOMACHINE_POLL_PER_HOST": "8",
           "INFOMACHINE_POLL_WORKERS": "8"}
    out: dict[str, Any] = {}
    try:
        for workers in counts:
            url = server.new_database()
            cmd = [sys.executable, "-m", "infomachine", "--db", url, "worker", "-q", "--idle", "0.2",
                   "--allow-private", "--site-dir", "", "--format", "json", "--batch", "10"]
            procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                     for _ in range(workers)]
            with open_store(url) as store:
                conn: Any = store.conn  # type: ignore[attr-defined]
                while conn.execute("SELECT COUNT(*) FROM workers WHERE doing = 'idle'").fetchone()[0] < workers:
                    time.sleep(0.1)
                t0 = time.perf_counter()
                with store.transaction():
                    for n in range(n_feeds):
                        store.upsert_source(feed_source(f"http://127.0.0.1:{feeds.server_address[1]}/{n}.xml"))
                deadline = t0 + 600
                while store.count_items() < n_feeds * items and time.perf_counter() < deadline:
                    time.sleep(0.05)
                wall = time.perf_counter() - t0
                stored = store.count_items()
            for p in procs:
                p.send_signal(signal.SIGTERM)
            reports = [json.loads(p.communicate(timeout=120)[0] or "{}") for p in procs]
            out[str(workers)] = {"wall_s": round(wall, 1), "feeds": n_feeds, "items": stored,
                                 "feeds_per_s": round(n_feeds / wall, 1),
                                 "per_worker": [r.get("polled", 0) for r in reports]}
            print("poll workers", workers, json.dumps(out[str(workers)]), file=sys.stderr)
            server.drop_database(url)
    finally:
        feeds.shutdown()
        feeds.server_close()
    first = out[str(counts[0])]["wall_s"] if counts else 0
    for c in counts[1:]:
        out[str(c)]["speedup"] = round(first / out[str(c)]["wall_s"], 2)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--items", default="10000", help="item counts, comma-separated (e.g. 10000,30000)")
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--stories", type=int, default=16)
    ap.add_argument("--workers", default="1,2,4", help="worker counts ('' to skip)")
    ap.add_argument("--poll-workers", default="1,4", help="worker counts for the poll benchmark ('' to skip)")
    ap.add_argument("--feeds", type=int, default=300, help="feeds in the poll benchmark")
    ap.add_argument("--feed-items", type=int, default=10, help="entries per feed")
    ap.add_argument("--feed-latency", type=float, default=0.2, help="seconds the feed server waits per answer")
    ap.add_argument("--skip-ingest", action="store_true", help="only the worker benchmarks")
    ap.add_argument("--pg-url", default=None, help="a PostgreSQL server URL (default: a throwaway one)")
    args = ap.parse_args()
    from pgserver import PgServer

    if args.pg_url:
        os.environ["INFOMACHINE_TEST_PG_URL"] = args.pg_url
    server = PgServer()
    reason = server.unavailable()
    if reason:
        sys.exit(f"PostgreSQL unavailable: {reason}")
    server.start()
    result: dict[str, Any] = {}
    try:
        poll_counts = [int(c) for c in args.poll_workers.split(",") if c]
        if poll_counts:
            result["poll"] = poll_with_workers(server, args.feeds, args.feed_items, args.feed_latency,
                                               poll_counts)
        sizes = [int(n) for n in str(args.items).split(",") if n and int(n)] if not args.skip_ingest else []
        for n in sizes:
            result[str(n)] = ingest_both(server, n, args.queries)
        if len(sizes) > 1:  # per-item cost, does it grow with the database?
            result["per_item_ms"] = {
                str(n): {b: round(1000 * (result[str(n)][b]["ingest_s"] + result[str(n)][b]["cluster_s"])
                                  / result[str(n)][b]["items"], 3) for b in ("sqlite", "postgres")}
                for n in sizes}
        counts = [int(c) for c in args.workers.split(",") if c]
        if counts:
            result["workers"] = synthesis_with_workers(server, args.stories, counts)
    finally:
        server.stop()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
