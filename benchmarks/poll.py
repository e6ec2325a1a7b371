"""Polling throughput: sources per minute against a local server hosting 1,000 feeds.

    .venv/bin/python benchmarks/poll.py [--feeds 1000] [--items 10] [--workers 16] [--per-host 16]

Everything is on 127.0.0.1 (the poller runs with allow_private).  Three
passes over the same sources: "cold" (every feed new: fetch, parse, ingest
``items`` entries each), "changed" (every feed has one new entry), and
"unchanged" (conditional GET, every answer a 304).  All feeds share one host,
so ``--per-host`` is the concurrency actually used.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from infomachine.intake.poll import PollConfig, Poller
from infomachine.sources.feeds import feed_source
from infomachine.store import SQLiteStore

WORDS = ("harbor council budget bridge vote storm energy grid market court ruling school data "
         "model chip export tariff rail strike summit treaty drought flood vaccine trial").split()


def feed_xml(n: int, items: int, generation: int) -> bytes:
    parts = []
    for k in range(items + generation):
        w = [WORDS[(n * 7 + k * 3 + j) % len(WORDS)] for j in range(6)]
        parts.append(
            f"<item><guid>f{n}-{k}</guid><link>https://site{n}.example/{k}</link>"
            f"<title>Feed {n} item {k}: {' '.join(w[:3])}</title>"
            f"<description>Entry {k} of feed {n} on {' '.join(w)} and {n * 1000 + k}.</description>"
            f"<pubDate>Mon, 03 Mar 2025 {k % 24:02d}:00:00 GMT</pubDate></item>"
        )
    return (f"<?xml version='1.0'?><rss version='2.0'><channel><title>Feed {n}</title>"
            + "".join(parts) + "</channel></rss>").encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    items = 10
    generation = 0

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        n = int(self.path.rsplit("/", 1)[-1].split(".")[0])
        etag = f'"{n}-{Handler.generation}"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = feed_xml(n, Handler.items, Handler.generation)
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--feeds", type=int, default=1000)
    ap.add_argument("--items", type=int, default=10)
    ap.add_argument("--workers", type=int, default=16)
    ap.add_argument("--per-host", type=int, default=16)
    args = ap.parse_args()
    Handler.items = args.items
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    cfg = PollConfig(allow_private=True, workers=args.workers, per_host=args.per_host,
                     interval=60, min_interval=60, jitter=0.0)
    with tempfile.TemporaryDirectory() as tmp, SQLiteStore(Path(tmp) / "bench.db") as store:
        for n in range(args.feeds):
            store.upsert_source(feed_source(f"http://127.0.0.1:{port}/feed/{n}.xml"))
        now = datetime.now(UTC)
        print(f"{args.feeds} feeds x {args.items} items, workers={args.workers}, per_host={args.per_host}")
        with Poller(cfg) as poller:
            for label, generation in (("cold", 0), ("changed", 1), ("unchanged", 1)):
                Handler.generation = generation
                now += timedelta(hours=1)
                t = time.perf_counter()
                report = poller.poll(store, now=now)
                secs = time.perf_counter() - t
                print(f"{label:>9}: {report.due} sources in {secs:.2f} s = {report.due / secs * 60:,.0f} sources/min "
                      f"(fetched {report.fetched}, 304 {report.not_modified}, failed {report.failed}, "
                      f"new items {report.new_items})")
    server.shutdown()


if __name__ == "__main__":
    main()
