"""Story page latency and throughput under 50 concurrent clients on loopback.

Builds a throwaway database with one story (25 items, a 10-source brief in
four versions), serves it with uvicorn on 127.0.0.1 (random free port) in a
subprocess, and hits ``/stories/<slug>`` from N concurrent httpx clients for
a bounded number of requests or seconds.  Prints p50/p95/p99 latency and
requests/s; paste the figures under "## Web" in docs/benchmarks.md.

    .venv/bin/python benchmarks/web_load.py [--clients 50] [--requests 5000] [--seconds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from infomachine.ingest.batch import ingest_records
from infomachine.models import (
    Brief,
    BriefStory,
    Evidence,
    Perspective,
    Record,
    Sentence,
    SourceRef,
    TimelineEvent,
    What,
)
from infomachine.store import SQLiteStore

STORY = "Open Model Wave Benchmark"


def _s(text: str, n: int) -> Sentence:
    return Sentence(text=text, cites=[n], evidence=[Evidence(n=n, quote=text[:80])])


def build_db(path: Path) -> str:
    store = SQLiteStore(path)
    records = [
        Record(origin=f"bench:{i}", url=f"https://example.org/bench/{i}", title=f"Bench item {i}",
               text=("Open-weight models and the capability gap. " * 40) + str(i),
               publisher="Interconnects", published=f"2026-05-{(i % 28) + 1:02d}T10:00:00Z")
        for i in range(25)
    ]
    report = ingest_records(store, records, story=STORY)
    story = store.get_story(report.item_ids and store.list_items(limit=1)[0].story_id or STORY)
    for v in range(4):
        sents = [_s(f"Sentence {k} of version {v} about the open-closed gap debate.", (k % 10) + 1)
                 for k in range(12)]
        brief = Brief(
            story=BriefStory(id=story.id, slug=story.slug, title=story.title),
            generated_at=datetime(2026, 5, 20, tzinfo=UTC) + timedelta(hours=v),
            item_count=25,
            what=What(summary=sents[:2], bullets=sents[2:5]),
            why_it_matters=sents[5:7],
            narrative=[sents[0:4], sents[4:8], sents[8:12]],
            timeline=[TimelineEvent(date=f"2026-05-{d:02d}", text=f"Event {d}", cites=[d % 10 + 1])
                      for d in range(10, 20)],
            perspectives=[Perspective(actor=f"Actor {a}", stance=sents[a:a + 2]) for a in range(6)],
            sources=[SourceRef(n=n, item_id=report.item_ids[n - 1], title=f"Source {n}",
                               publisher="Interconnects", published="2026-05-16",
                               url=f"https://example.org/bench/{n}") for n in range(1, 11)],
            change_summary=f"Version {v + 1} changes.",
        )
        store.save_brief(story.id, brief)
    slug = story.slug
    store.close()
    return slug


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def load(url: str, clients: int, total: int, seconds: float) -> tuple[list[float], float, int]:
    latencies: list[float] = []
    errors = 0
    sent = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async with httpx.AsyncClient(limits=limits, timeout=30) as client:

        async def worker() -> None:
            nonlocal sent, errors
            while sent < total and time.perf_counter() < deadline:
                sent += 1
                t0 = time.perf_counter()
                r = await client.get(url)
                latencies.append(time.perf_counter() - t0)
                if r.status_code != 200:
                    errors += 1

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - start
    return latencies, elapsed, errors


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--requests", type=int, default=5000)
    ap.add_argument("--seconds", type=float, default=30.0)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        slug = build_db(db)
        port = free_port()
        code = ("import uvicorn, sys; from infomachine.web.app import create_app; "
                f"uvicorn.run(create_app({str(db)!r}), host='127.0.0.1', port={port}, "
                "log_level='warning', access_log=False)")
        proc = subprocess.Popen([sys.executable, "-c", code], env=dict(os.environ))
        try:
            url = f"http://127.0.0.1:{port}/stories/{slug}"
            for _ in range(200):
                try:
                    if httpx.get(url, timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.05)
            else:
                raise SystemExit("server did not start")
            size = len(httpx.get(url).content)
            asyncio.run(load(url, args.clients, 200, 10))  # warm-up
            lat, elapsed, errors = asyncio.run(load(url, args.clients, args.requests, args.seconds))
        finally:
            proc.terminate()
            proc.wait(timeout=10)

    lat_ms = sorted(x * 1000 for x in lat)
    q = statistics.quantiles(lat_ms, n=100)
    print(f"machine: {platform.machine()} {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"uvicorn 1 worker")
    print(f"story page: {size} bytes, {len(lat_ms)} requests, {args.clients} concurrent clients, "
          f"{elapsed:.1f} s, {errors} errors")
    print(f"latency ms: p50 {q[49]:.1f}  p95 {q[94]:.1f}  p99 {q[98]:.1f}  max {lat_ms[-1]:.1f}")
    print(f"throughput: {len(lat_ms) / elapsed:.0f} requests/s")


if __name__ == "__main__":
    main()
