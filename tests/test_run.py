"""The run loop and the sources CLI, against real HTTP servers on 127.0.0.1."""

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

import pytest
from click.testing import CliRunner
from httpserver import LocalServer, server_fixture

from infomachine.cli import cli
from infomachine.sources.feeds import feed_source
from infomachine.store import SQLiteStore, open_store

local_server = server_fixture()
ROOT = Path(__file__).resolve().parent.parent

TOPIC = [
    ("Harbor Authority approves Northport bridge expansion",
     "The Harbor Authority approved the Northport bridge expansion on Monday. Mayor Ellen Price said "
     "the Northport bridge expansion would cut traffic. Critics argue the bridge budget is too high."),
    ("Northport bridge expansion budget questioned by council",
     "City council members questioned the Northport bridge expansion budget. Council member Raj Patel "
     "argues that the bridge expansion costs were underestimated by the Harbor Authority."),
    ("Construction of Northport bridge expansion to start in May",
     "Construction of the Northport bridge expansion will start in May, the Harbor Authority said. "
     "Mayor Ellen Price said the bridge expansion is on schedule."),
]


def feed(items: list[tuple[str, str]]) -> bytes:
    body = "".join(
        f"<item><guid>n{n}</guid><link>http://example.org/news/{n}</link><title>{t}</title>"
        f"<description>{d}</description><pubDate>Mon, 0{n + 3} Mar 2025 09:00:00 GMT</pubDate></item>"
        for n, (t, d) in enumerate(items)
    )
    return (f"<?xml version='1.0'?><rss version='2.0'><channel><title>Northport News</title>"
            f"{body}</channel></rss>").encode()


class _Hook(BaseHTTPRequestHandler):
    received: list[dict[str, object]] = []

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_POST(self) -> None:  # noqa: N802
        size = int(self.headers.get("Content-Length", "0"))
        self.received.append(json.loads(self.rfile.read(size)))
        self.send_response(204)
        self.end_headers()


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict[str, object]]]]:
    received: list[dict[str, object]] = []
    handler = type("Hook", (_Hook,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    server.shutdown()
    server.server_close()


def test_run_once_polls_clusters_synthesizes_publishes_and_posts(
    tmp_path: Path, local_server: LocalServer, webhook: tuple[str, list[dict[str, object]]],
    db_url: str,
) -> None:
    hook_url, received = webhook
    local_server.route("/news.xml", body=feed(TOPIC), headers={"Content-Type": "application/rss+xml"})
    db = db_url
    with open_store(db) as store:
        src = store.upsert_source(feed_source(local_server.url("/news.xml")))
    site = tmp_path / "site"
    result = CliRunner().invoke(cli, ["--db", str(db), "run", "--once", "--allow-private",
                                      "--webhook", hook_url, "--site-dir", str(site)])
    assert result.exit_code == 0, result.output
    assert "3 new items" in result.output
    with open_store(db) as store:
        items = store.list_items()
        assert len(items) == 3 and {i.source for i in items} == {src.id}
        assert all(i.story_id for i in items)
        stories = [s for s in store.list_stories() if s.item_count]
        versions = sum(len(store.list_versions(s.id)) for s in stories)
    assert (site / "index.html").exists() and (site / "feed.atom").exists()
    assert versions >= 1 and len(received) == versions
    phrase = f"{versions} new brief version{'' if versions == 1 else 's'}"  # 1 version, 2 versions
    assert f"{phrase}\n" in result.output or f"{phrase}," in result.output
    payload = received[0]
    assert payload["event"] == "brief.version" and payload["version"] == 1
    assert payload["item_count"] and isinstance(payload["story"], dict)

    # a second cycle: nothing due, nothing new, no webhook
    again = CliRunner().invoke(cli, ["--db", str(db), "run", "--once", "--allow-private",
                                     "--webhook", hook_url, "--site-dir", str(site)])
    assert again.exit_code == 0 and "0 new items" in again.output
    assert len(received) == versions


def test_webhook_to_private_address_refused_without_allow_private(
    tmp_path: Path, webhook: tuple[str, list[dict[str, object]]]
) -> None:
    from infomachine.errors import UnsafeURLError
    from infomachine.intake.fetch import Fetcher

    hook_url, received = webhook
    with Fetcher() as fetcher, pytest.raises(UnsafeURLError):
        fetcher.post_json(hook_url, {"x": 1})
    with Fetcher(allow_private=True) as fetcher:
        assert fetcher.post_json(hook_url, {"x": 1}) == 204
    assert received == [{"x": 1}]


def test_sources_commands_pause_resume_remove_add_query(tmp_path: Path, db_url: str) -> None:
    db = db_url
    runner = CliRunner()
    out = runner.invoke(cli, ["--db", db, "add-query", "open weights", "--provider", "arxiv"])
    assert out.exit_code == 0, out.output
    qid = out.output.split()[0]
    assert qid.startswith("query-") and "search_query=all:open+AND+all:weights" in out.output
    with open_store(db) as store:
        store.update_source(qid, error_count=4, last_error="boom", status="paused",
                            metadata={**store.get_source(qid).metadata, "paused_reason": "x"})
    assert runner.invoke(cli, ["--db", db, "resume", qid]).exit_code == 0
    with open_store(db) as store:
        s = store.get_source(qid)
        assert (s.status, s.error_count, s.last_error, s.next_poll) == ("active", 0, None, None)
        assert "paused_reason" not in s.metadata
    assert runner.invoke(cli, ["--db", db, "pause", qid]).exit_code == 0
    with open_store(db) as store:
        assert store.get_source(qid).status == "paused"
    assert runner.invoke(cli, ["--db", db, "remove", qid]).exit_code == 0
    gone = runner.invoke(cli, ["--db", db, "remove", qid])
    assert gone.exit_code != 0 and "no source" in gone.output
    bad = runner.invoke(cli, ["--db", db, "add-query", "x", "--provider", "template", "--template", "ftp://x/{query}"])
    assert bad.exit_code != 0


def test_sigterm_stops_the_loop_cleanly(tmp_path: Path, local_server: LocalServer, db_url: str) -> None:
    local_server.route("/news.xml", body=feed(TOPIC[:1]), headers={"Content-Type": "application/rss+xml"})
    db = db_url
    with open_store(db) as store:
        store.upsert_source(feed_source(local_server.url("/news.xml")))
    env = {**os.environ, "INFOMACHINE_DB": str(db), "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "infomachine", "run", "--interval", "30", "--allow-private",
         "--site-dir", str(tmp_path / "site")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=tmp_path, text=True,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 20
    lines = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        lines.append(line)
        if line.startswith("cycle") or not line:
            break
    assert any(line.startswith("cycle") for line in lines), lines
    proc.send_signal(signal.SIGTERM)
    rest, _ = proc.communicate(timeout=10)
    assert proc.returncode == 0, rest
    assert "stopped" in rest
    with open_store(db) as store:
        assert store.count_items() == 1
        if isinstance(store, SQLiteStore):
            assert store.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_source_removed_while_run_polls_keeps_the_loop_and_the_items(
    tmp_path: Path, local_server: LocalServer, db_url: str
) -> None:
    from http.server import BaseHTTPRequestHandler as Req

    from infomachine.intake.poll import PollConfig, Poller
    from infomachine.run.runner import RunConfig, Runner, run_loop

    store = open_store(db_url)
    other = open_store(db_url)  # `infomachine remove` in another process
    body = feed(TOPIC[:1])
    gone: dict[str, str] = {}

    def removed_while_fetched(req: Req) -> None:
        other.delete_source(gone["id"])
        req.send_response(200)
        req.send_header("Content-Type", "application/rss+xml")
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        req.wfile.write(body)

    local_server.route("/news.xml", handler=removed_while_fetched)
    gone["id"] = store.upsert_source(feed_source(local_server.url("/news.xml"))).id
    try:
        with Poller(PollConfig(allow_private=True, robots=False)) as poller:
            runner = Runner(store, poller, RunConfig(site_dir="", synthesize=False, cluster=False))
            reports = run_loop(runner, once=True)
        assert reports[0].errors == [] and reports[0].poll.new_items == 1
        assert store.count_items() == 1 and store.list_sources() == []
    finally:
        other.close()
        store.close()


def test_a_failing_stage_is_reported_and_the_loop_keeps_running(tmp_path: Path) -> None:
    from infomachine.errors import StoreError
    from infomachine.intake.poll import PollConfig, Poller, PollReport
    from infomachine.run.runner import CycleReport, RunConfig, Runner, run_loop

    class Flaky(Poller):
        calls = 0

        def poll(self, *args: object, **kwargs: object) -> PollReport:  # type: ignore[override]
            Flaky.calls += 1
            if Flaky.calls == 1:
                raise StoreError("database is locked")
            return super().poll(*args, **kwargs)  # type: ignore[arg-type]

    seen: list[CycleReport] = []

    def on_cycle(report: CycleReport) -> None:
        seen.append(report)
        if len(seen) == 2:
            runner.stop.set()

    with SQLiteStore(tmp_path / "flaky.db") as store, Flaky(PollConfig(allow_private=True)) as poller:
        runner = Runner(store, poller, RunConfig(site_dir="", synthesize=False, cluster=False))
        reports = run_loop(runner, interval=0, on_cycle=on_cycle)
    assert len(reports) == 2
    assert reports[0].errors == ["poll: database is locked"]
    assert reports[1].errors == []


def test_a_failing_story_is_reported_and_the_others_get_versions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str
) -> None:
    from infomachine.errors import SynthesisError
    from infomachine.ingest.batch import ingest_records
    from infomachine.intake.poll import PollConfig, Poller
    from infomachine.models import Record
    from infomachine.run.runner import RunConfig, Runner
    from infomachine.synth import stage as pipeline

    real = pipeline.default_synthesizer()

    def picky(story, items, *, found_via=None, now=None, previous=None):  # type: ignore[no-untyped-def]
        if story.slug == "broken":
            raise SynthesisError("cannot write this one")
        return real(story, items, found_via=found_via, now=now)

    monkeypatch.setattr(pipeline, "default_synthesizer", lambda: picky)
    with open_store(db_url) as store, Poller(PollConfig(allow_private=True)) as poller:
        for n, (slug, (title, text)) in enumerate([("broken", TOPIC[0]), ("fine", TOPIC[1])]):
            ingest_records(store, [Record(origin=f"t{n}", url=f"https://example.org/{n}", title=title,
                                          text=text, published="2025-03-03T09:00:00Z")], story=slug)
        runner = Runner(store, poller, RunConfig(site_dir="", cluster=False))
        report = runner.cycle()
    assert report.errors == ["synthesize broken: cannot write this one"]
    assert [v["story"]["slug"] for v in report.new_versions] == ["fine"]


class _FakeLLM(BaseHTTPRequestHandler):
    """An OpenAI-compatible endpoint that answers nothing usable (the brief falls back)."""

    paths: list[str] = []

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.paths.append(self.path)
        body = json.dumps({"choices": [{"message": {"content": "{}"}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _one_story(store: SQLiteStore) -> None:
    from infomachine.ingest.batch import ingest_records
    from infomachine.models import Record

    title, text = TOPIC[0]
    ingest_records(store, [Record(origin="t0", url="https://example.org/0", title=title, text=text,
                                  published="2025-03-03T09:00:00Z")], story="northport")


def test_run_uses_the_configured_llm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from infomachine.intake.poll import PollConfig, Poller
    from infomachine.run.runner import RunConfig, Runner

    paths: list[str] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("LLM", (_FakeLLM,), {"paths": paths}))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("INFOMACHINE_LLM_BASE_URL", f"http://127.0.0.1:{server.server_address[1]}/v1")
    monkeypatch.setenv("INFOMACHINE_LLM_MODEL", "test-model")
    monkeypatch.setenv("INFOMACHINE_LLM_MAX_RETRIES", "0")
    monkeypatch.setenv("INFOMACHINE_LLM_REPAIR", "false")
    try:
        with SQLiteStore(tmp_path / "llm.db") as store, Poller(PollConfig(allow_private=True)) as poller:
            _one_story(store)
            report = Runner(store, poller, RunConfig(site_dir="", cluster=False)).cycle()
    finally:
        server.shutdown()
        server.server_close()
    assert paths and all(p.endswith("/chat/completions") for p in paths)  # the LLM was asked
    assert not any(e.startswith("synthesize: ") for e in report.errors)


def test_run_reports_a_half_configured_llm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from infomachine.intake.poll import PollConfig, Poller
    from infomachine.run.runner import RunConfig, Runner

    monkeypatch.setenv("INFOMACHINE_LLM_MODEL", "test-model")  # no base URL
    with SQLiteStore(tmp_path / "half.db") as store, Poller(PollConfig(allow_private=True)) as poller:
        _one_story(store)
        report = Runner(store, poller, RunConfig(site_dir="", cluster=False)).cycle()
    assert len(report.errors) == 1 and report.errors[0].startswith("synthesize: ")
    assert "base URL" in report.errors[0] and report.new_versions == []


def test_publish_re_renders_only_stories_with_new_versions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str
) -> None:
    from infomachine.ingest.batch import ingest_records
    from infomachine.intake.poll import PollConfig, Poller
    from infomachine.models import Record
    from infomachine.publish import site
    from infomachine.run.runner import RunConfig, Runner

    calls: list[set[str] | None] = []
    real = site.export_site

    def spy(store: SQLiteStore, out_dir: Path, only: set[str] | None = None) -> Path:
        calls.append(None if only is None else set(only))
        return real(store, out_dir, only=only)

    monkeypatch.setattr(site, "export_site", spy)

    def add(store: SQLiteStore, n: int, slug: str) -> None:
        title, text = TOPIC[n]
        ingest_records(store, [Record(origin=f"t{n}", url=f"https://example.org/{n}", title=title,
                                      text=text, published=f"2025-03-0{n + 3}T09:00:00Z")], story=slug)

    with open_store(db_url) as store, Poller(PollConfig(allow_private=True)) as poller:
        add(store, 0, "bridge")
        add(store, 1, "budget")
        runner = Runner(store, poller, RunConfig(site_dir=str(tmp_path / "site"), cluster=False))
        first = runner.cycle()
        assert len(first.new_versions) == 2
        add(store, 2, "bridge")
        second = runner.cycle()
        bridge = store.get_story("bridge").id
    assert [v["story"]["id"] for v in second.new_versions] == [bridge]
    assert calls == [None, {bridge}]  # the first cycle exports everything, then only what changed
    assert (tmp_path / "site" / "stories" / "budget" / "index.html").is_file()


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_run_once_exits_1_when_a_stage_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, db_url: str
) -> None:
    import infomachine.cluster.stage
    from infomachine.errors import StoreError

    def broken(*args: object, **kwargs: object) -> None:
        raise StoreError("database is locked")

    monkeypatch.chdir(tmp_path)
    db = db_url
    args = ["--db", db, "run", "--once", "--format", fmt, "--site-dir", str(tmp_path / "site")]
    ok = CliRunner().invoke(cli, args)
    assert ok.exit_code == 0, ok.output
    monkeypatch.setattr(infomachine.cluster.stage, "cluster_items", broken)
    failed = CliRunner().invoke(cli, args)
    assert failed.exit_code == 1, failed.output
    assert "Traceback" not in failed.output
    if fmt == "text":
        assert "cluster failed: database is locked" in failed.output
        assert "1 error\n" in failed.output  # not "1 errors"
    else:
        assert '"cluster: database is locked"' in failed.output
