"""Sources CLI and URL ingest, through click's CliRunner and a server on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from httpserver import LocalServer, server_fixture

from infomachine.cli import cli
from infomachine.store import open_store

FIXTURES = Path(__file__).parent / "fixtures"
local_server = server_fixture()


@pytest.fixture
def db(db_url: str) -> str:  # a SQLite path or a postgresql:// URL (conftest)
    return db_url


def run(db: Path, *args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, ["--db", str(db), *args], env=env, catch_exceptions=False)


def sources_json(db: Path) -> list[dict]:
    result = run(db, "sources", "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.mark.parametrize("command", ["add-feed", "import-opml", "export-opml", "sources"])
def test_help_has_example(command: str) -> None:
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output and f"infomachine {command}" in result.output


def test_add_feed_and_list(db: Path) -> None:
    result = run(db, "add-feed", "https://news.example/feed.xml", "--name", "Example News")
    assert result.exit_code == 0 and "added" in result.output
    again = run(db, "add-feed", "https://news.example/feed.xml")
    assert "already subscribed" in again.output
    [source] = sources_json(db)
    assert source["kind"] == "feed" and source["name"] == "Example News"
    assert source["status"] == "active" and source["last_fetch"] is None
    assert source["error_count"] == 0 and source["item_count"] == 0
    table = run(db, "sources", env={"COLUMNS": "200"})
    assert "Example News" in table.output and "never" in table.output


@pytest.mark.parametrize("url", ["ftp://x.example/feed", "not a url", "file:///etc/passwd"])
def test_add_feed_rejects_non_http(db: Path, url: str) -> None:
    result = CliRunner().invoke(cli, ["--db", str(db), "add-feed", url])
    assert result.exit_code != 0
    assert result.output.startswith("error:") and "Traceback" not in result.output


def test_import_and_export_opml(db: Path, tmp_path: Path) -> None:
    result = run(db, "import-opml", str(FIXTURES / "files" / "subscriptions.opml"))
    assert result.exit_code == 0
    assert "imported 3 new feeds, 0 already present" in result.output
    assert len(sources_json(db)) == 3
    out = tmp_path / "out.opml"
    assert run(db, "export-opml", "-o", str(out)).exit_code == 0
    assert out.read_text().count("xmlUrl=") == 3
    stdout = run(db, "export-opml")
    assert "https://orbital.example/atom.xml" in stdout.output
    # Re-import of the export adds nothing.
    assert "imported 0 new feeds, 3 already present" in run(db, "import-opml", str(out)).output


def test_import_opml_errors_are_one_line(db: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(cli, ["--db", str(db), "import-opml", str(tmp_path / "nope.opml")])
    assert missing.exit_code != 0 and "error: cannot read" in missing.output
    bad = runner.invoke(cli, ["--db", str(db), "import-opml", str(FIXTURES / "files" / "garbage.bin")])
    assert bad.exit_code != 0 and "not well-formed OPML" in bad.output
    assert "Traceback" not in bad.output


def test_ingest_opml_file_imports_subscriptions(db: Path) -> None:
    result = run(db, "ingest", "--format", "json", str(FIXTURES / "files" / "subscriptions.opml"))
    report = json.loads(result.output)
    assert report["failed"] == 1  # the ftp:// outline
    assert len(sources_json(db)) == 3


def test_ingest_feed_url_records_source(db: Path, local_server: LocalServer) -> None:
    local_server.route(
        "/feed.xml",
        body=(FIXTURES / "feeds" / "rss20.xml").read_bytes(),
        headers={"Content-Type": "application/rss+xml", "ETag": '"abc"'},
    )
    local_server.route(
        "/article",
        body=(FIXTURES / "files" / "article.html").read_bytes(),
        headers={"Content-Type": "text/html; charset=utf-8"},
    )
    env = {"INFOMACHINE_POLL_ALLOW_PRIVATE": "1"}
    result = run(db, "ingest", "--format", "json", local_server.url("/feed.xml"), local_server.url("/article"), env=env)
    report = json.loads(result.output)
    assert (report["new"], report["failed"]) == (4, 0)
    [source] = sources_json(db)
    assert source["url"] == local_server.url("/feed.xml")
    assert source["name"] == "Riverside Daily"
    assert source["last_status"] == 200 and source["last_fetch"]
    assert source["item_count"] == 3
    with open_store(db) as store:
        stored = store.get_source(source["id"])
        assert stored.etag == '"abc"'
        items = {i.title: i for i in store.list_items()}
    assert items["Marathon route announced"].source == source["id"]
    assert items["Marathon route announced"].publisher == "Riverside Daily"
    assert items["Tidal energy pilot doubles output"].publisher == "Coastal Engineering Review"
    # Same URLs again: nothing new, still one source.
    again = json.loads(run(db, "ingest", "--format", "json", local_server.url("/feed.xml"), env=env).output)
    assert (again["new"], again["duplicate"]) == (0, 3)
    assert len(sources_json(db)) == 1


def test_ingest_url_refuses_loopback_by_default(db: Path, local_server: LocalServer) -> None:
    local_server.route("/feed.xml", body=(FIXTURES / "feeds" / "rss20.xml").read_bytes())
    result = CliRunner().invoke(
        cli, ["--db", str(db), "ingest", "--format", "json", local_server.url("/feed.xml")],
        env={"INFOMACHINE_POLL_ALLOW_PRIVATE": ""},
    )
    report = json.loads(result.output)
    assert report["failed"] == 1 and report["new"] == 0
    assert "refusing to connect" in report["problems"][0]["message"]
    assert local_server.requests == []


def test_ingest_url_http_error_counts_on_known_source(db: Path, local_server: LocalServer) -> None:
    local_server.route("/gone.xml", status=404, body=b"gone")
    url = local_server.url("/gone.xml")
    run(db, "add-feed", url)
    env = {"INFOMACHINE_POLL_ALLOW_PRIVATE": "1"}
    report = json.loads(run(db, "ingest", "--format", "json", url, env=env).output)
    assert report["failed"] == 1 and "HTTP 404" in report["problems"][0]["message"]
    [source] = sources_json(db)
    assert source["error_count"] == 1 and "404" in source["last_error"]


def test_ingest_bomb_feed_url_and_good_file_together(db: Path, local_server: LocalServer) -> None:
    local_server.route(
        "/bomb.xml", body=(FIXTURES / "feeds" / "billion-laughs.xml").read_bytes(),
        headers={"Content-Type": "application/rss+xml"},
    )
    env = {"INFOMACHINE_POLL_ALLOW_PRIVATE": "1"}
    report = json.loads(
        run(db, "ingest", "--format", "json", local_server.url("/bomb.xml"),
            str(FIXTURES / "feeds" / "atom.xml"), env=env).output
    )
    assert report["failed"] == 1 and report["new"] == 2
    assert "entity" in report["problems"][0]["message"]
