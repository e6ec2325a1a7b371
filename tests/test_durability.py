"""Durability: a (forked) child process ingesting a large JSONL is killed with SIGKILL at
random moments, 20 times; the database stays intact, every item the child
reported committed is there, and a final re-run completes without duplicates."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import time
from pathlib import Path

N_ITEMS = 1000
KILLS = 20


def child(db: Path, data: Path, fd: int) -> None:
    """Runs in the forked child: ingest in batches of 100, report each commit."""
    from infomachine.ingest.batch import Ingestor
    from infomachine.sources.jsonl import parse_jsonl_file
    from infomachine.store import SQLiteStore

    def say(line: str) -> None:
        buf = (line + "\n").encode()
        while buf:
            buf = buf[os.write(fd, buf):]

    store = SQLiteStore(db)
    ingestor = Ingestor(store)
    say("READY")
    batch: list[object] = []
    for record in parse_jsonl_file(data):
        batch.append(record)
        if len(batch) == 100:
            report = ingestor.ingest(batch)  # type: ignore[arg-type]  # one transaction
            say("C " + " ".join(report.item_ids))  # only after COMMIT returned
            batch.clear()
    if batch:
        report = ingestor.ingest(batch)  # type: ignore[arg-type]
        say("C " + " ".join(report.item_ids))
    store.close()
    say("DONE")


def make_jsonl(path: Path) -> None:
    rng = random.Random(7)
    vocab = [f"{a}{b}" for a in ("ka", "lo", "mi", "nu", "pe", "ro", "si", "tu", "va", "ze")
             for b in ("ber", "cant", "dol", "fim", "gor", "hask", "jul", "mun", "pix", "quor")]
    with path.open("w", encoding="utf-8") as fh:
        for n in range(N_ITEMS):
            words = " ".join(rng.choice(vocab) for _ in range(60))
            fh.write(json.dumps({
                "url": f"https://news.example/{n}?utm_source=test",
                "title": f"Item {n} {rng.choice(vocab)} {rng.choice(vocab)}",
                "text": f"Item number {n}. {words}.",
                "published": f"2025-01-{1 + n % 28:02d}T10:00:00Z",
            }) + "\n")


class Child:
    """A forked child process (the modules are imported once, in the parent)."""

    def __init__(self, db: Path, data: Path) -> None:
        read, write = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # pragma: no cover - the child
            os.close(read)
            code = 0
            try:
                child(db, data, write)
            except BaseException:  # noqa: BLE001
                code = 1
            os._exit(code)
        os.close(write)
        self.out = os.fdopen(read, "r", encoding="utf-8")

    def readline(self) -> str:
        return self.out.readline()

    def kill(self) -> str:
        os.kill(self.pid, signal.SIGKILL)
        return self.finish()

    def finish(self) -> str:
        rest = self.out.read()
        os.waitpid(self.pid, 0)
        self.out.close()
        return rest


def committed_ids(output: str) -> set[str]:
    ids: set[str] = set()
    for line in output.splitlines(keepends=True):
        if line.startswith("C ") and line.endswith("\n"):  # a complete report line only
            ids.update(line.split()[1:])
    return ids


def check(db: Path, expected: set[str]) -> int:
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        present = {r[0] for r in conn.execute("SELECT id FROM items")}
        missing = expected - present
        assert not missing, f"{len(missing)} committed items lost"
        return len(present)
    finally:
        conn.close()


def test_sigkill_at_random_moments_loses_nothing(tmp_path: Path) -> None:
    data = tmp_path / "big.jsonl"
    make_jsonl(data)
    db = tmp_path / "durable.db"
    rng = random.Random(2025)
    reported: set[str] = set()
    killed_mid_run = 0
    deadline = time.monotonic() + 45
    for _ in range(KILLS):
        assert time.monotonic() < deadline, "durability test took too long"
        proc = Child(db, data)
        assert proc.readline().strip() == "READY"
        time.sleep(rng.uniform(0.0, 0.2))
        out = proc.kill()
        killed_mid_run += "DONE" not in out
        reported |= committed_ids(out)
        check(db, reported)
    assert killed_mid_run >= KILLS // 2  # the kills really landed mid-ingest
    assert reported  # and some batches had committed before them

    out = Child(db, data).finish()
    assert out.rstrip().endswith("DONE")
    assert check(db, reported | committed_ids(out)) == N_ITEMS
    conn = sqlite3.connect(db)
    try:
        dupes = conn.execute(
            "SELECT canonical_url, COUNT(*) FROM items GROUP BY canonical_url HAVING COUNT(*) > 1"
        ).fetchall()
        assert dupes == []
        assert conn.execute("SELECT COUNT(DISTINCT canonical_url) FROM items").fetchone()[0] == N_ITEMS
    finally:
        conn.close()
