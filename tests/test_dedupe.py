from __future__ import annotations

from infomachine.dedupe import (
    NearDuplicateIndex,
    band_keys,
    canonical_url,
    content_hash,
    item_id,
    signature,
    signature_bytes,
    signature_from_bytes,
)
from infomachine.models import Item
from infomachine.store import SQLiteStore

STORY = (
    "The regional water authority said on Tuesday that the reservoir had fallen to its lowest "
    "level in forty years, and that hosepipe restrictions would begin next Monday across three "
    "counties. Engineers expect the level to keep dropping until the autumn rains arrive, the "
    "authority added, while farmers warned that irrigation limits could cut this year's harvest."
)


def test_canonical_url_strips_tracking_and_normalises() -> None:
    a = canonical_url("HTTP://WWW.Example.com:80/news/story/?utm_source=x&b=2&a=1&fbclid=zz#top")
    b = canonical_url("https://example.com/news/story?a=1&b=2")
    assert a == b == "https://example.com/news/story?a=1&b=2"
    assert canonical_url("ftp://example.com/x") is None
    assert canonical_url("not a url") is None
    assert canonical_url("https://example.com:8443/x") == "https://example.com:8443/x"


def test_item_id_prefers_url_then_guid_then_hash() -> None:
    h = content_hash("T", "body")
    by_url = item_id("https://example.com/a", "g1", h)
    assert by_url == item_id("https://example.com/a", None, "other")
    assert item_id(None, "g1", h) == item_id(None, "g1", "other")
    assert item_id(None, None, h) != item_id(None, "g1", h)
    assert content_hash("Title", "Some  text.") == content_hash("title", "some text")


def test_near_duplicates_found_through_the_persisted_index(store: SQLiteStore) -> None:
    copy = "Updated: " + STORY + " Reporting by a wire service."
    unrelated = STORY.replace("reservoir", "stadium").split(".")[0] + ". " + " ".join(
        f"word{i}" for i in range(80)
    )
    sig = signature(STORY)
    assert sig is not None
    assert signature_from_bytes(signature_bytes(sig)).jaccard(sig) == 1.0
    store.insert_item(
        Item(id="orig", title="t", text=STORY, content_hash="h"), signature_bytes(sig), band_keys(sig)
    )
    index = NearDuplicateIndex(store)
    assert index.query(signature(copy)) == "orig"  # type: ignore[arg-type]
    assert index.query(signature(unrelated)) is None  # type: ignore[arg-type]
    assert signature("too short to judge") is None


def test_backfill_migration_indexes_older_signatures(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = SQLiteStore(tmp_path / "old.db")
    sig = signature(STORY)
    assert sig is not None
    store.insert_item(Item(id="orig", title="t", text=STORY, content_hash="h"), signature_bytes(sig))
    # As a database written before band keys were stored: no LSH rows yet.
    store.execute("DELETE FROM schema_migrations WHERE name = '0032_item_lsh_backfill'")
    assert store.execute("SELECT COUNT(*) FROM item_lsh").fetchone()[0] == 0
    assert store.migrate() == ["0032_item_lsh_backfill"]
    assert NearDuplicateIndex(store).query(signature("Updated: " + STORY)) == "orig"  # type: ignore[arg-type]
