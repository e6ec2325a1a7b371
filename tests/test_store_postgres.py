"""What is particular to the PostgreSQL backend (the shared behaviour is every
test using the ``store`` or ``db_url`` fixture, run on both backends)."""

from __future__ import annotations

import shutil
import subprocess
import threading
from typing import Any

import pytest

from infomachine.errors import BackendError, MigrationError, StoreError
from infomachine.models import Brief, BriefStory, Event, Item, StoryState
from infomachine.store import open_store
from infomachine.store.base import ROLES, Store
from infomachine.store.postgres.migrations import MIGRATIONS as PG_MIGRATIONS
from infomachine.store.postgres.store import PostgresStore
from infomachine.store.sqlite.migrations import MIGRATIONS as SQLITE_MIGRATIONS

pytestmark = pytest.mark.postgres


def _item(i: int, **kw: object) -> Item:
    base = dict(id=f"i{i}", title=f"Title {i}", text=f"Body text number {i}", content_hash=f"h{i}")
    base.update(kw)
    return Item(**base)  # type: ignore[arg-type]


@pytest.fixture
def pg(pg_url: str) -> Any:
    s = open_store(pg_url)
    assert isinstance(s, PostgresStore)
    yield s
    s.close()


def test_same_named_migrations_as_sqlite_recorded_in_the_database(pg: PostgresStore) -> None:
    assert [n for n, _ in PG_MIGRATIONS] == [n for n, _ in SQLITE_MIGRATIONS]
    assert pg.applied_migrations() == sorted(n for n, _ in SQLITE_MIGRATIONS)
    assert pg.migrate() == []
    types = dict(pg.execute(
        "SELECT table_name || '.' || column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'public'").fetchall())
    assert types["items.published"] == "timestamp with time zone"
    assert types["items.metadata"] == types["brief_versions.brief"] == "jsonb"
    assert types["llm_calls.response"] == types["cluster_stories.centroid"] == "jsonb"
    assert types["items.fts"] == "tsvector" and types["item_signatures.minhash"] == "bytea"
    indexes = {r[0]: r[1] for r in pg.execute("SELECT indexname, indexdef FROM pg_indexes")}
    assert "USING gin (fts)" in indexes["items_fts"]
    tables = {r[0] for r in pg.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert {"items", "item_signatures", "item_lsh", "ingest_errors", "sources", "stories",
            "story_aliases", "brief_versions", "cluster_df", "cluster_meta", "cluster_stories",
            "cluster_seen", "llm_calls", "schema_migrations"} <= tables


def test_database_from_the_future_is_refused(pg_url: str) -> None:
    s = open_store(pg_url)
    s.execute("INSERT INTO schema_migrations VALUES ('9999_future', now())")  # type: ignore[attr-defined]
    s.close()
    with pytest.raises(MigrationError, match="9999_future"):
        open_store(pg_url)


def test_a_blank_database_is_migrated_on_open(pg_server: Any) -> None:
    url = pg_server.new_database(migrated=False)
    s = open_store(url)
    assert s.applied_migrations() == sorted(n for n, _ in SQLITE_MIGRATIONS)
    s.close()


def test_unreachable_server_is_a_store_error_without_the_password() -> None:
    with pytest.raises(StoreError, match="cannot open database postgresql://u@127.0.0.1:1/x") as caught:
        open_store("postgresql://u:secret@127.0.0.1:1/x")
    assert "secret" not in str(caught.value)


def test_implements_the_store_and_every_role(pg: PostgresStore) -> None:
    import inspect

    assert isinstance(pg, Store) and all(isinstance(pg, role) for role in ROLES)
    protocol = {n for n in dir(Store) if not n.startswith("_") and callable(getattr(Store, n))}
    public = {n: f for n, f in inspect.getmembers(PostgresStore, inspect.isfunction) if not n.startswith("_")}
    # beyond the contract: raw SQL (tests), and what workers and read-only commands need
    extra = {"execute", "reconnect", "set_session", "has_schema", "pending_migrations"}
    assert set(public) - protocol == extra and protocol <= set(public)
    assert all(getattr(f, "__store_guarded__", False) for f in public.values())


def test_read_only_transaction_is_a_store_error(pg: PostgresStore) -> None:
    pg.insert_item(_item(1))
    pg.execute("SET default_transaction_read_only = on")
    with pytest.raises(BackendError, match="read-only transaction") as caught:
        pg.insert_item(_item(2))
    assert isinstance(caught.value.__cause__, Exception) and "psycopg" in type(caught.value.__cause__).__module__
    with pytest.raises(BackendError, match="read-only transaction"):
        with pg.transaction():
            pg.record_ingest_error("x.jsonl:1", "bad")
    pg.execute("SET default_transaction_read_only = off")
    assert [i.id for i in pg.list_items()] == ["i1"]


def test_a_dropped_connection_is_a_store_error(pg: PostgresStore, pg_url: str) -> None:
    other = open_store(pg_url)
    pid = pg.execute("SELECT pg_backend_pid()").fetchone()[0]
    other.execute("SELECT pg_terminate_backend(%s)", (pid,))  # type: ignore[attr-defined]
    other.close()
    with pytest.raises(BackendError):
        pg.count_items()


def test_unstorable_text_is_a_store_error(pg: PostgresStore) -> None:
    with pytest.raises(BackendError, match="surrogates"):
        pg.insert_item(_item(1, title="lone \ud800 surrogate"))
    assert pg.count_items() == 0


def test_one_writer_at_a_time_across_connections(pg_url: str) -> None:
    """Two processes' stores saving versions of one story at once: consecutive
    numbers, none lost (the writer lock makes MAX(version) + 1 safe)."""
    story = BriefStory(id="s", slug="s", title="S")
    errors: list[Exception] = []

    def writer() -> None:
        s = open_store(pg_url)
        try:
            for _ in range(15):
                s.save_brief("s", Brief(story=story))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            s.close()

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with open_store(pg_url) as s:
        assert [v["version"] for v in s.list_versions("s")] == list(range(1, 61))


def test_readers_do_not_wait_for_a_writer(pg: PostgresStore, pg_url: str) -> None:
    pg.insert_item(_item(1))
    reader = open_store(pg_url)
    with pg.transaction():
        pg.insert_item(_item(2))
        assert reader.count_items() == 1  # the uncommitted row is not seen, and no wait
    assert reader.count_items() == 2
    reader.close()


def test_search_folds_accents_marks_matches_and_cuts_with_ellipses(pg: PostgresStore) -> None:
    long = " ".join(["filler"] * 40)
    pg.insert_item(_item(1, title="Café reopens", text=f"{long} the café on the square reopened today {long}"))
    pg.insert_item(_item(2, title="Other", text="cafeteria menus change"))
    pg.insert_item(_item(3, title="Unrelated", text="nothing to see"))
    hits = pg.search("cafe")
    assert [i.id for i, _ in hits] == ["i1", "i2"]  # the title match ranks first; prefix matches
    snippet = hits[0][1]
    assert "[café]" in snippet and snippet.startswith("…") and snippet.endswith("…")
    assert ("café", True) in snippet.parts
    assert pg.search("café square")[0][0].id == "i1"
    assert pg.search("'); DROP TABLE items; --") == [] and pg.count_items() == 3


def test_centroid_terms_keep_their_order(pg: PostgresStore) -> None:
    pg.create_event(Event(id="s1", slug="s1", title="S"))
    centroid = {"zeta": 0.5, "alpha": 0.25, "mid": 2e-06}
    pg.cluster_save_state(StoryState(id="s1", centroid=centroid, n=3, n_long=2, titles=[["i1", "T", 0.5]]))
    st = pg.cluster_load_state("s1")
    assert st is not None and list(st.centroid.items()) == list(centroid.items()) and st.n_long == 2


@pytest.mark.skipif(shutil.which("psql") is None, reason="psql is not installed")
def test_psql_reads_what_the_engine_wrote(pg: PostgresStore, pg_url: str) -> None:
    """A real client: psql sees the items, the brief as jsonb, and finds by full text."""
    pg.insert_item(_item(1, title="Volcano erupts", text="Lava reached the road.", metadata={"feed": "x"}))
    pg.save_brief("s1", Brief(story=BriefStory(id="s1", slug="s1", title="Volcano"), change_summary="first"))

    def psql(sql: str) -> str:
        out = subprocess.run(["psql", pg_url, "-At", "-c", sql], capture_output=True, text=True, timeout=30)
        assert out.returncode == 0, out.stderr
        return out.stdout.strip()

    assert psql("SELECT title, metadata->>'feed' FROM items") == "Volcano erupts|x"
    assert psql("SELECT id FROM items WHERE fts @@ to_tsquery('infomachine', 'lava:*')") == "i1"
    assert psql("SELECT brief->>'change_summary', version FROM brief_versions") == "first|1"
    assert psql("SELECT count(*) FROM schema_migrations") == str(len(SQLITE_MIGRATIONS))


def _partition(store: Any) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for item_id, story_id in store.item_stories().items():
        groups.setdefault(story_id or f"none:{item_id}", set()).add(item_id)
    return {frozenset(g) for g in groups.values()}


@pytest.mark.slow
def test_clustering_is_the_same_on_both_backends(pg_url: str, tmp_path: Any, shared_data: Any) -> None:
    """The same stream, clustered in two runs (so the second reloads every state
    from the database), gives the same stories on SQLite and PostgreSQL."""
    import json

    from infomachine.cluster.stage import cluster_items
    from infomachine.ingest.batch import ingest_records
    from infomachine.models import Record

    rows = [json.loads(line) for line in (shared_data / "uci-news-dev.jsonl").open(encoding="utf-8")][:1500]
    rows.sort(key=lambda r: str(r.get("published") or ""))
    recs = [Record(origin=f"r{i}", url=r.get("url") or f"https://x.example/{i}", title=r["title"],
                   text=r["text"], published=r.get("published")) for i, r in enumerate(rows)]
    parts = []
    for ref in (str(tmp_path / "same.db"), pg_url):
        with open_store(ref) as s:
            for half in (recs[: len(recs) // 2], recs[len(recs) // 2 :]):
                ingest_records(s, half)
                cluster_items(s)
            parts.append(_partition(s))
            assert not s.cluster_pending()
    assert parts[0] == parts[1] and len(parts[0]) > 10


READ_ONLY = [["stories"], ["show", "x"], ["items"], ["search", "x"], ["history", "x"], ["timeline", "x"],
             ["verify", "x"], ["serve", "--port", "0"], ["export", "--site", "SITE"], ["sources"],
             ["errors"], ["export-opml"]]


@pytest.mark.parametrize("args", READ_ONLY, ids=lambda a: a[0])
def test_read_only_commands_refuse_an_empty_database(
    pg_server: Any, args: list[str], tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As a missing SQLite file is refused, not created: a PostgreSQL database with no
    infomachine schema is refused, not migrated, and is left empty."""
    import psycopg
    from click.testing import CliRunner

    import infomachine.web.app
    from infomachine.cli import cli
    from infomachine.store.postgres.core import redact

    def serve(*args: object, **kwargs: object) -> None:
        raise AssertionError("served an empty database")

    monkeypatch.setattr(infomachine.web.app, "serve", serve)
    url = pg_server.new_database(migrated=False)
    try:
        args = [str(tmp_path / "site") if a == "SITE" else a for a in args]
        r = CliRunner().invoke(cli, ["--db", url, *args])
        assert r.exit_code == 1, r.output
        assert r.output == (f"error: no database at {redact(url)} "
                            "(run 'infomachine demo' or 'infomachine ingest' first)\n")
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'").fetchone() == (0,)
        assert not (tmp_path / "site").exists()
    finally:
        pg_server.drop_database(url)


def test_read_only_commands_read_a_migrated_database_and_writers_still_migrate(pg_server: Any) -> None:
    from click.testing import CliRunner

    from infomachine.cli import cli

    url = pg_server.new_database(migrated=False)
    try:
        runner = CliRunner()
        assert runner.invoke(cli, ["--db", url, "add-feed", "https://example.org/feed.xml"]).exit_code == 0
        r = runner.invoke(cli, ["--db", url, "sources"])
        assert r.exit_code == 0 and "example.org" in r.output, r.output
        assert runner.invoke(cli, ["--db", url, "stories"]).exit_code == 0
    finally:
        pg_server.drop_database(url)
