from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from infomachine.errors import MigrationError, NotFoundError, StoreError
from infomachine.models import Brief, BriefStory, Item, Source, Story
from infomachine.store import SQLiteStore
from infomachine.store.base import ROLES
from infomachine.store.sqlite.migrations import MIGRATIONS


def _item(i: int, **kw: object) -> Item:
    base = dict(id=f"i{i}", title=f"Title {i}", text=f"Body text number {i}", content_hash=f"h{i}")
    base.update(kw)
    return Item(**base)  # type: ignore[arg-type]


def test_blank_database_gets_every_migration(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "a.db")
    assert store.applied_migrations() == sorted(name for name, _ in MIGRATIONS)
    assert store.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in store.execute("SELECT name FROM sqlite_master WHERE type IN ('table')")}
    assert {"items", "items_fts", "sources", "stories", "story_aliases", "brief_versions"} <= tables
    # Re-opening applies nothing new.
    store.close()
    again = SQLiteStore(tmp_path / "a.db")
    assert again.migrate() == []


def test_database_from_the_future_is_refused(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "a.db")
    store.execute("INSERT INTO schema_migrations VALUES ('9999_future', 'now')")
    store.close()
    with pytest.raises(MigrationError, match="9999_future"):
        SQLiteStore(tmp_path / "a.db")


def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError, match="not a database"):
        SQLiteStore(bad)


def test_items_roundtrip_and_fts(store: SQLiteStore) -> None:
    store.insert_item(_item(1, title="Volcano erupts near town", text="Lava flows reached the road."))
    store.insert_item(_item(2, title="Council budget", text="The council approved a budget."))
    got = store.get_item("i1")
    assert got.title == "Volcano erupts near town" and got.metadata == {}
    hits = store.search("lava road")
    assert [i.id for i, _ in hits] == ["i1"]
    assert "[Lava]" in hits[0][1]
    assert store.search('"; DROP TABLE items; --') == []
    with pytest.raises(NotFoundError):
        store.get_item("nope")


def test_transaction_rolls_back_on_error(store: SQLiteStore) -> None:
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.insert_item(_item(1))
            raise RuntimeError("boom")
    assert store.count_items() == 0


def test_story_merge_keeps_aliases(store: SQLiteStore) -> None:
    a = store.create_story(Story(id="sa", slug="quake-hits", title="Quake hits"))
    b = store.create_story(Story(id="sb", slug="tsunami-warning", title="Tsunami warning"))
    store.insert_item(_item(1, story_id=a.id))
    store.insert_item(_item(2, story_id=b.id))
    store.merge_stories(b.id, a.id)
    assert store.get_story("tsunami-warning").id == "sa"
    assert store.get_story("sb").id == "sa"
    assert store.get_story("sa").item_count == 2
    assert [s.id for s in store.list_stories()] == ["sa"]
    assert store.unique_slug("Tsunami warning") == "tsunami-warning-2"


def test_story_dates_are_publication_dates_never_ingestion_times(store: SQLiteStore) -> None:
    """A story's first and last published dates come from its items' publication
    dates only: an undated item's ingestion time is never shown as one."""
    from datetime import UTC, datetime

    dated = store.create_story(Story(id="sd", slug="dated", title="Dated"))
    undated = store.create_story(Story(id="su", slug="undated", title="Undated"))
    day = datetime(2025, 7, 30, 12, tzinfo=UTC)
    store.insert_item(_item(1, story_id=dated.id, published=day))
    store.insert_item(_item(2, story_id=dated.id))  # undated, ingested now
    store.insert_item(_item(3, story_id=undated.id))
    got = store.get_story("dated")
    assert got.item_count == 2 and got.first_published == day and got.last_published == day
    got = store.get_story("undated")
    assert got.item_count == 1 and got.first_published is None and got.last_published is None


def test_brief_versions_are_appended(store: SQLiteStore) -> None:
    story = BriefStory(id="sa", slug="s", title="S")
    assert store.save_brief("sa", Brief(story=story, change_summary="first")) == 1
    assert store.save_brief("sa", Brief(story=story, change_summary="second")) == 2
    assert store.get_brief("sa", 1).change_summary == "first"
    assert store.get_brief("sa").version == 2
    assert [v["version"] for v in store.list_versions("sa")] == [1, 2]
    with pytest.raises(NotFoundError):
        store.get_brief("sa", 3)


def test_sources_upsert_by_url(store: SQLiteStore) -> None:
    s = store.upsert_source(Source(id="f1", kind="feed", url="https://example.org/feed"))
    again = store.upsert_source(Source(id="f2", kind="feed", url="https://example.org/feed", name="Ex"))
    assert again.id == s.id == "f1" and again.name == "Ex"
    store.update_source("f1", error_count=3, status="paused")
    assert store.get_source("Ex").status == "paused"
    with pytest.raises(NotFoundError):
        store.update_source("nope", status="active")


def test_wal_reader_sees_committed_rows(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "a.db")
    store.insert_item(_item(1))
    reader = sqlite3.connect(tmp_path / "a.db")
    assert reader.execute("SELECT COUNT(*) FROM items").fetchone()[0] == 1


def test_failed_nested_transaction_undoes_only_its_own_writes(store: SQLiteStore) -> None:
    with store.transaction():
        store.insert_item(_item(1))
        with pytest.raises(RuntimeError):
            with store.transaction():
                store.insert_item(_item(2))
                raise RuntimeError("inner failure")
        store.insert_item(_item(3))
    assert sorted(i.id for i in store.list_items()) == ["i1", "i3"]


def test_pin_item_takes_its_near_duplicates_along(store: SQLiteStore) -> None:
    store.insert_item(_item(1))
    store.insert_item(_item(2, duplicate_of="i1"))
    store.insert_item(_item(3))
    store.pin_item("i1", "s1")
    assert {i.id: (i.story_id, i.pinned) for i in store.list_items()} == {
        "i1": ("s1", True), "i2": ("s1", True), "i3": (None, False)
    }


def test_sqlite_store_implements_the_store_interface(store: SQLiteStore) -> None:
    import inspect

    from infomachine.store import Store

    assert isinstance(store, Store)
    protocol = {n for n in dir(Store) if not n.startswith("_") and callable(getattr(Store, n))}
    public = {n for n, _ in inspect.getmembers(SQLiteStore, inspect.isfunction) if not n.startswith("_")}
    # Everything stages call is in the interface; only raw SQL stays SQLite-only.
    assert public - protocol == {"execute"}
    assert protocol <= public


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.__name__)
def test_sqlite_store_implements_each_role(store: SQLiteStore, role: type) -> None:
    from infomachine.store import Store

    assert isinstance(store, role) and issubclass(Store, role)
    assert role in Store.__mro__


def test_roles_split_the_store_without_overlap() -> None:
    """Every ``Store`` method belongs to exactly one role protocol."""
    from infomachine.store import Store

    def members(proto: type) -> set[str]:
        return {n for n, v in vars(proto).items() if not n.startswith("_") and callable(v)}

    owned = [members(role) for role in ROLES]
    assert set().union(*owned) == {
        n for n in dir(Store) if not n.startswith("_") and callable(getattr(Store, n))
    }
    assert sum(map(len, owned)) == len(set().union(*owned))


def test_store_contract_imports_no_pipeline_stage() -> None:
    import ast

    import infomachine.store.base as base

    tree = ast.parse(Path(base.__file__).read_text())
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    local = {m for m in imported if m.startswith("infomachine")}
    assert local <= {"infomachine.models"}, local
