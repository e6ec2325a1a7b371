"""``infomachine copy-db``: a whole database, SQLite to PostgreSQL and back,
verified by counts and checksums; a non-empty target refused without --force."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import webfixtures
from click.testing import CliRunner

from infomachine.cli import cli
from infomachine.cluster.stage import cluster_items
from infomachine.store import Store, open_store
from infomachine.store.copy import TABLES, row_counts, table_checksum


def _fill(store: Store) -> dict[str, Any]:
    data = webfixtures.populate(store)
    cluster_items(store)  # clustering state: df, centroids, seen
    store.record_llm_call(request_hash="h1", model="m", prompt_tokens=10, completion_tokens=5,
                          response={"answer": "é", "n": [1, 2.5]}, story_id=data["story"].id)
    store.record_ingest_error("bad.jsonl:3", "not JSON", source="src-test")
    return data


def _snapshot(store: Store) -> dict[str, Any]:
    sid = store.list_stories()[0].id
    return {
        "items": [i.model_dump() if hasattr(i, "model_dump") else i.__dict__ for i in store.list_items()],
        "stories": [(s.id, s.slug, s.item_count, s.updated_at) for s in store.list_stories()],
        "aliases": store.story_aliases(sid),
        "versions": store.list_versions(sid),
        "brief": store.get_brief(sid).model_dump(),
        "search": [(i.id, str(s)[:0]) for i, s in store.search("open models")],
        "sources": [(s.id, s.item_count, s.last_fetch) for s in store.list_sources()],
        "usage": store.llm_usage(),
        "cache": store.cached_llm_response("h1"),
        "errors": store.list_ingest_errors(),
        "df": store.cluster_load_df(),
        "states": [(s.id, s.n, list(s.centroid.items()), s.titles) for s in store.cluster_load_states(0)],
        "pending": store.cluster_pending(),
        "recent": store.recent_item_titles(10),
    }


def test_copy_to_either_backend_and_back_keeps_everything(tmp_path: Path, db_url: str) -> None:
    src = tmp_path / "source.db"
    with open_store(src) as s:
        _fill(s)
        before = _snapshot(s)
        sums = {t: table_checksum(s, t) for t, _, _ in TABLES}
    out = CliRunner().invoke(cli, ["copy-db", str(src), db_url, "--format", "json"])
    assert out.exit_code == 0, out.output
    report = json.loads(out.output)
    assert report["verified"] and {t["table"]: t["rows"] for t in report["tables"]}["items"] == 3
    with open_store(db_url) as copy:
        assert _snapshot(copy) == before
        assert {t: table_checksum(copy, t) for t, _, _ in TABLES} == sums
        # ids keep counting after the copied ones
        copy.record_llm_call(request_hash="h2", model="m", prompt_tokens=1, completion_tokens=1, response={})
        assert copy.cached_llm_response("h2") == {}
    back = tmp_path / "back.db"
    out = CliRunner().invoke(cli, ["copy-db", db_url, str(back)])
    assert out.exit_code == 0, out.output
    assert "counts and checksums match" in out.output
    with open_store(back) as b:
        assert b.llm_usage()["calls"] == 2
        assert row_counts(b)["items"] == 3 and b.search("open models")


def test_a_non_empty_target_is_refused_unless_forced(tmp_path: Path, db_url: str) -> None:
    src = tmp_path / "source.db"
    with open_store(src) as s:
        _fill(s)
    with open_store(db_url) as t:
        webfixtures.populate(t, marker=" (target)")
    refused = CliRunner().invoke(cli, ["copy-db", str(src), db_url])
    assert refused.exit_code == 1
    assert refused.output.startswith("error: the target database is not empty: items (3)")
    with open_store(db_url) as t:
        assert all("(target)" in i.title for i in t.list_items())  # untouched
    forced = CliRunner().invoke(cli, ["copy-db", str(src), db_url, "--force"])
    assert forced.exit_code == 0, forced.output
    with open_store(db_url) as t, open_store(src) as s:
        assert [i.id for i in t.list_items()] == [i.id for i in s.list_items()]
        assert not any("(target)" in i.title for i in t.list_items())


def test_a_missing_source_is_an_error_and_creates_nothing(tmp_path: Path) -> None:
    out = CliRunner().invoke(cli, ["copy-db", str(tmp_path / "none.db"), str(tmp_path / "t.db")])
    assert out.exit_code == 1 and out.output.startswith("error: no database at")
    assert not (tmp_path / "none.db").exists() and not (tmp_path / "t.db").exists()


@pytest.mark.parametrize("command", ["copy-db"])
def test_help_has_example(command: str) -> None:
    out = CliRunner().invoke(cli, [command, "--help"])
    assert out.exit_code == 0 and "Example:" in out.output
