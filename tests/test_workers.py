"""Workers sharing a PostgreSQL database: ``worker --once`` drains what is due
like ``run --once``; several share the work; a worker killed with ``kill -9``
mid-poll or mid-synthesis (10 times each) loses nothing and duplicates
nothing; a worker rides out a restart of the database server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from httpserver import LocalServer, server_fixture

from infomachine.cli import cli
from infomachine.sources.feeds import feed_source
from infomachine.store import open_store
from infomachine.store.postgres.work import FINGERPRINTS, work_status

local_server = server_fixture()
ROOT = Path(__file__).resolve().parent.parent
LEASE = 2.0  # seconds: how long a killed worker's task stays leased

TOPICS = {
    "bridge": ("Northport bridge expansion", "The Harbor Authority approved the Northport bridge "
               "expansion. Mayor Ellen Price said the bridge expansion would cut traffic."),
    "ferry": ("Bay ferry routes", "The council added two ferry routes across the bay. Operators "
              "say they lack crews for the new ferry routes."),
    "volcano": ("Mount Ardent eruption", "Mount Ardent erupted overnight. Lava flows reached the "
                "valley road and the villages below the volcano were evacuated."),
    "strike": ("Dockworkers strike", "Dockworkers at the port walked out over pay. The port "
               "authority said the dockworkers strike halted container traffic."),
}


def feed(topic: str, n: int = 3) -> bytes:
    title, text = TOPICS[topic]
    body = "".join(
        f"<item><guid>{topic}-{i}</guid><link>http://example.org/{topic}/{i}</link>"
        f"<title>{title}: update {i}</title><description>{text} Update {i}.</description>"
        f"<pubDate>Mon, 0{i + 3} Mar 2025 09:00:00 GMT</pubDate></item>"
        for i in range(n)
    )
    return f"<?xml version='1.0'?><rss version='2.0'><channel><title>{topic}</title>{body}</channel></rss>".encode()


RSS = {"Content-Type": "application/rss+xml"}


class _Hook(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_POST(self) -> None:  # noqa: N802
        self.received.append(json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0")))))
        self.send_response(204)
        self.end_headers()


class _SlowLLM(BaseHTTPRequestHandler):
    """An OpenAI-compatible endpoint taking 1 s per call (its answer is unusable:
    the brief falls back to extractive, so it is still written)."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        time.sleep(1.0)
        body = json.dumps({"choices": [{"message": {"content": "{}"}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []
    for server in _serve(type("Hook", (_Hook,), {"received": received})):
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", received


@pytest.fixture
def slow_llm() -> Iterator[str]:
    for server in _serve(_SlowLLM):
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"


def _add_feeds(url: str, server: LocalServer, topics: list[str], slow: float = 0.0) -> None:
    def slow_handler(topic: str) -> Any:
        def handle(req: BaseHTTPRequestHandler) -> None:
            time.sleep(slow)
            body = feed(topic)
            req.send_response(200)
            req.send_header("Content-Type", "application/rss+xml")
            req.send_header("Content-Length", str(len(body)))
            req.end_headers()
            req.wfile.write(body)
        return handle

    with open_store(url) as store:
        for topic in topics:
            if slow:
                server.route(f"/{topic}.xml", handler=slow_handler(topic))
            else:
                server.route(f"/{topic}.xml", body=feed(topic), headers=RSS)
            store.upsert_source(feed_source(server.url(f"/{topic}.xml")))


def _worker_cmd(url: str, hook: str, site: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "infomachine", "--db", url, "worker", "--allow-private",
            "--lease", str(LEASE), "--idle", "0.2", "--webhook", hook, "--site-dir", str(site),
            "-q", *extra]


def _env(llm: str | None = None) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    if llm:
        env.update({"INFOMACHINE_LLM_BASE_URL": llm, "INFOMACHINE_LLM_MODEL": "test-model",
                    "INFOMACHINE_LLM_MAX_RETRIES": "0", "INFOMACHINE_LLM_REPAIR": "false"})
    return env


def _assert_consistent(url: str, received: list[dict[str, Any]], n_items: int) -> None:
    """Every item once, every story with items has a brief, versions 1..n, one webhook
    per version (none lost, none twice), no lease or lock left held."""
    with open_store(url) as store:
        rows = store.execute("SELECT COUNT(*), COUNT(DISTINCT canonical_url) FROM items").fetchone()  # type: ignore[attr-defined]
        assert tuple(rows) == (n_items, n_items)
        # two levels: every item in an event, every event in a live story, the item's story its event's
        orphans = store.execute(  # type: ignore[attr-defined]
            "SELECT i.id, i.event_id, i.story_id, e.story_id, s.merged_into FROM items i "
            "LEFT JOIN events e ON e.id = i.event_id LEFT JOIN stories s ON s.id = i.story_id "
            "WHERE e.id IS NULL OR s.id IS NULL OR s.merged_into IS NOT NULL "
            "OR e.story_id IS DISTINCT FROM i.story_id").fetchall()
        assert orphans == []
        versions = set()
        for story in store.list_stories():
            if not story.item_count:
                continue
            numbers = [v["version"] for v in store.list_versions(story.id)]
            assert numbers and numbers == list(range(1, len(numbers) + 1)), (story.slug, numbers)
            versions |= {(story.id, n) for n in numbers}
        sent = [(p["story"]["id"], p["version"]) for p in received]  # type: ignore[index]
        assert len(sent) == len(set(sent)) and set(sent) == versions
        assert not store.cluster_pending()
        status = work_status(store)  # type: ignore[arg-type]
        assert [lease for lease in status["leases"] if not lease["expired"]] == []
        assert status["locks"] == [] and status["outbox"] == {"webhooks_pending": 0, "site_pending": 0}


pytestmark = pytest.mark.postgres


def test_worker_once_drains_what_is_due(
    pg_url: str, local_server: LocalServer, webhook: tuple[str, list[dict[str, Any]]], tmp_path: Path
) -> None:
    hook, received = webhook
    _add_feeds(pg_url, local_server, ["bridge", "ferry"])
    args = ["--db", pg_url, "worker", "--once", "--allow-private", "--webhook", hook,
            "--site-dir", str(tmp_path / "site"), "--format", "json", "-q"]
    out = CliRunner().invoke(cli, args)
    assert out.exit_code == 0, out.output
    report = json.loads(out.output)
    assert report["new_items"] == 6 and report["clustered"] == 6 and report["errors"] == []
    assert report["webhooks_sent"] == len(report["new_versions"]) >= 2
    assert (tmp_path / "site" / "index.html").exists()
    _assert_consistent(pg_url, received, 6)
    again = json.loads(CliRunner().invoke(cli, args).output)  # nothing due: nothing done
    assert again["polled"] == again["synthesized"] == again["webhooks_sent"] == 0
    status = CliRunner().invoke(cli, ["--db", pg_url, "workers"])
    assert status.exit_code == 0 and status.output.startswith("0 workers")


def test_worker_needs_postgresql(tmp_path: Path) -> None:
    out = CliRunner().invoke(cli, ["--db", str(tmp_path / "x.db"), "worker", "--once"])
    assert out.exit_code == 1 and "workers share a PostgreSQL database" in out.output


def test_workers_share_the_work(
    pg_url: str, local_server: LocalServer, webhook: tuple[str, list[dict[str, Any]]], tmp_path: Path
) -> None:
    hook, received = webhook
    _add_feeds(pg_url, local_server, list(TOPICS), slow=0.3)
    procs = [subprocess.Popen(_worker_cmd(pg_url, hook, tmp_path / "site", "--once", "--batch", "1"),
                              env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(3)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    _assert_consistent(pg_url, received, 3 * len(TOPICS))


def _wait_for(url: str, kind: str, timeout: float = 60.0) -> None:
    with open_store(url) as store:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(lease["kind"] == kind for lease in work_status(store)["leases"]):  # type: ignore[arg-type]
                return
            time.sleep(0.05)
    raise AssertionError(f"no {kind} lease within {timeout} s")


def _kill_then_recover(url: str, hook: str, site: Path, kind: str, delay: float,
                       llm: str | None = None) -> None:
    victim = subprocess.Popen(_worker_cmd(url, hook, site), env=_env(llm),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(url, kind)
        time.sleep(delay)
    finally:
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=30)
    rescue = subprocess.run(_worker_cmd(url, hook, site, "--once"), env=_env(llm),
                            capture_output=True, text=True, timeout=180)
    assert rescue.returncode == 0, rescue.stdout + rescue.stderr


# How many times each kill test runs (the issue asks for 10); INFOMACHINE_TEST_KILLS
# lowers it for a quick local run.  The kills are spread evenly over the task.
KILLS = max(1, int(os.environ.get("INFOMACHINE_TEST_KILLS", "10")))


def _spread(first: float, last: float, n: int = KILLS) -> list[float]:
    return [round(first + (last - first) * i / max(1, n - 1), 2) for i in range(n)]


@pytest.mark.slow
@pytest.mark.parametrize("delay", _spread(0.0, 1.4))  # the fetch takes 1.5 s
def test_a_worker_killed_mid_poll_loses_nothing(
    pg_url: str, local_server: LocalServer, webhook: tuple[str, list[dict[str, Any]]],
    tmp_path: Path, delay: float
) -> None:
    hook, received = webhook
    _add_feeds(pg_url, local_server, list(TOPICS), slow=1.5)  # killed while fetching
    _kill_then_recover(pg_url, hook, tmp_path / "site", "source", delay)
    _assert_consistent(pg_url, received, 3 * len(TOPICS))


@pytest.mark.slow
@pytest.mark.parametrize("delay", _spread(0.05, 2.0))  # one LLM call takes 1 s
def test_a_worker_killed_mid_synthesis_loses_nothing(
    pg_url: str, local_server: LocalServer, webhook: tuple[str, list[dict[str, Any]]],
    tmp_path: Path, slow_llm: str, delay: float
) -> None:
    hook, received = webhook
    _add_feeds(pg_url, local_server, list(TOPICS))
    _kill_then_recover(pg_url, hook, tmp_path / "site", "story", delay, llm=slow_llm)
    _assert_consistent(pg_url, received, 3 * len(TOPICS))


def test_a_webhook_another_worker_just_sent_is_not_claimed_again(pg_url: str) -> None:
    """Worker B lists an outbox row as due; worker A claims it, sends it, records it and
    drops its lease; B's claim then fails (it would have sent the webhook twice)."""
    from infomachine.store.postgres.work import WorkQueue

    with open_store(pg_url) as a_store, open_store(pg_url) as b_store:
        a = WorkQueue(a_store, "host-a:1:beef", lease_seconds=60)  # type: ignore[arg-type]
        b = WorkQueue(b_store, "host-b:2:cafe", lease_seconds=60)  # type: ignore[arg-type]
        with a_store.transaction():
            a.add_to_outbox("s-x", 1, webhook=True)
        (row,) = b.webhooks_due()
        (mine,) = a.webhooks_due()
        assert a.claim_webhook(mine[0]) and a.mark_webhook_sent(mine[0])
        assert not b.claim_webhook(row[0])
        assert b.webhooks_due() == []


def test_workers_shows_who_holds_what(pg_url: str) -> None:
    from infomachine.store.postgres.work import CLUSTER_LOCK, WorkQueue

    store = open_store(pg_url)
    queue = WorkQueue(store, "host-a:1:beef", lease_seconds=60)  # type: ignore[arg-type]
    try:
        queue.register()
        assert queue.try_lock(CLUSTER_LOCK) and queue.claim("story", "s1")
        with open_store(pg_url) as other:  # another worker cannot take either
            rival = WorkQueue(other, "host-b:2:cafe")  # type: ignore[arg-type]
            assert not rival.try_lock(CLUSTER_LOCK) and not rival.claim("story", "s1")
        out = CliRunner().invoke(cli, ["--db", pg_url, "workers", "--format", "json"])
        assert out.exit_code == 0, out.output
        status = json.loads(out.output)
        assert [w["id"] for w in status["workers"]] == ["host-a:1:beef"]
        assert status["locks"] == [{"lock": "clustering", "holder": "host-a:1:beef", "pid": status["locks"][0]["pid"]}]
        assert [(lease["kind"], lease["key"], lease["worker"]) for lease in status["leases"]] == [
            ("story", "s1", "host-a:1:beef")]
        text = CliRunner().invoke(cli, ["--db", pg_url, "workers"]).output
        assert "clustering: held by host-a:1:beef" in text and "story s1  host-a:1:beef" in text
    finally:
        queue.unregister()
        store.close()  # the lock goes with the connection
    with open_store(pg_url) as s:
        assert work_status(s) == {"workers": [], "leases": [], "locks": [],  # type: ignore[arg-type]
                                  "outbox": {"webhooks_pending": 0, "site_pending": 0}}


def _work_state(url: str, n_items: int) -> tuple[Any, ...] | None:
    """What the work looks like now, read in one snapshot; None while it is not done
    (items missing or unclustered, a story with items but no brief or a brief older than
    its items, an unsent webhook)."""
    with open_store(url) as store:
        with store.transaction():  # one snapshot: the worker's commits land between reads otherwise
            stories = [s for s in store.list_stories() if s.item_count]
            briefs = [store.latest_brief(s.id) for s in stories]
            stale = store.execute(  # type: ignore[attr-defined]
                f"SELECT COUNT(*) FROM ({FINGERPRINTS}) f(story_id, fp) LEFT JOIN story_synced s "
                "ON s.story_id = f.story_id WHERE s.fingerprint IS DISTINCT FROM f.fp").fetchone()[0]
            done = (store.count_items() == n_items and not store.cluster_pending() and stories
                    and all(briefs) and not stale  # each story briefed for the items it has now
                    and work_status(store)["outbox"] == {"webhooks_pending": 0, "site_pending": 0})  # type: ignore[arg-type]
            if not done:
                return None
            return tuple(sorted((s.id, s.item_count, b.version) for s, b in zip(stories, briefs, strict=True) if b))


def _wait_until_done(url: str, n_items: int, timeout: float = 120.0, settle: float = 2.0) -> None:
    """Until every item is in, clustered, every story has its brief and the outbox is
    empty, and that state has held unchanged for ``settle`` seconds (the worker polls
    every 0.2 s, so a state it is about to change does not pass for done)."""
    deadline = time.monotonic() + timeout
    seen: tuple[Any, ...] | None = None
    since = 0.0
    while time.monotonic() < deadline:
        try:
            state = _work_state(url, n_items)
        except Exception:  # noqa: BLE001 - the server may still be coming back
            state = None
        if state is None or state != seen:
            seen, since = state, time.monotonic()
        elif time.monotonic() - since >= settle:
            return
        time.sleep(0.2)
    raise AssertionError(f"work not done within {timeout} s")


def test_a_worker_rides_out_a_database_restart(
    pg_server: Any, pg_url: str, local_server: LocalServer, webhook: tuple[str, list[dict[str, Any]]],
    tmp_path: Path
) -> None:
    """The server stops (every session terminated) while a worker is mid-poll, stays
    down for 3 s and comes back: the worker says so in one line per attempt, no
    traceback, reconnects and finishes the work, losing and duplicating nothing."""
    if not pg_server.restartable:
        pytest.skip("INFOMACHINE_TEST_PG_URL's server is not ours to restart")
    hook, received = webhook
    _add_feeds(pg_url, local_server, list(TOPICS), slow=1.0)
    proc = subprocess.Popen(_worker_cmd(pg_url, hook, tmp_path / "site", "--batch", "2"), env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(pg_url, "source")
        pg_server.stop_server()
        time.sleep(3.0)
        pg_server.start_server()
        _wait_until_done(pg_url, 3 * len(TOPICS))
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, out + err
    assert "Traceback" not in err, err
    lines = err.splitlines()
    assert any(line.startswith("worker: database unavailable (") and line.endswith("; retrying in 1 s")
               for line in lines), err
    assert "worker: database back; carrying on" in lines, err
    assert all(line.startswith("worker: database ") for line in lines), err  # nothing else on stderr
    _assert_consistent(pg_url, received, 3 * len(TOPICS))
