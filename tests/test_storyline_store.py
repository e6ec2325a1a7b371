"""The linker's state in the store: its JSON, and its item and URL maps as rows that
a save only adds to (``LinkerState.to_saved``, ``store.storyline_save``)."""

from __future__ import annotations

import json
from typing import Any

from infomachine.cluster.storyline_state import LinkerState, Storyline
from infomachine.store import SQLiteStore, Store
from infomachine.store.events_sql import LINKER_KEY


def _state() -> LinkerState:
    st = LinkerState(storylines={"l-1": Storyline(id="l-1", profile={"dam": 1.0}, n_events=1, n_items=2)},
                     event_story={"e-1": "l-1"}, event_items={"e-1": 2})
    st.item_event.update({"i-1": "e-1", "i-2": "e-1"})
    st.url_event.update({"a.example/1": "e-1", "a.example/" + "x" * 5000: "e-1"})  # a URL no index takes
    return st


def _rows(store: Store) -> int:
    return int(store.execute("SELECT COUNT(*) FROM storyline_state").fetchone()[0])  # type: ignore[attr-defined]


def test_a_save_adds_only_the_new_item_and_url_entries(store: Store) -> None:
    st = _state()
    plain, items, urls = st.to_saved()
    assert "item_event" not in plain and len(items) == 2 and len(urls) == 2
    store.storyline_save(plain, items, urls)
    assert _rows(store) == 5
    loaded = store.storyline_load()
    assert loaded is not None
    assert LinkerState.from_plain(loaded).to_plain() == LinkerState.from_plain(st.to_plain()).to_plain()

    resumed = LinkerState.from_plain(loaded)
    resumed.item_event["i-3"] = "e-1"
    resumed.url_event["a.example/3"] = "e-1"
    plain, items, urls = resumed.to_saved()
    assert items == {"i-3": "e-1"} and urls == {"a.example/3": "e-1"}
    store.storyline_save(plain, items, urls)
    assert resumed.to_saved()[1:] == ({}, {})  # all saved now
    assert _rows(store) == 7
    again = store.storyline_load()
    assert again is not None and again["item_event"] == resumed.item_event
    assert again["url_event"] == resumed.url_event


def test_a_state_saved_whole_before_0070_is_split_into_rows(store: Store) -> None:
    from infomachine.store.postgres import migrations as pg
    from infomachine.store.sqlite import migrations as lite

    old: dict[str, Any] = _state().to_plain()
    store.execute("INSERT INTO storyline_state(key, value) VALUES (?, ?)",  # type: ignore[attr-defined]
                  (LINKER_KEY, json.dumps(old)))
    with store.transaction() as conn:
        (lite if isinstance(store, SQLiteStore) else pg).storyline_rows(conn)
    assert _rows(store) == 5
    blob = store.execute("SELECT value FROM storyline_state WHERE key = ?",  # type: ignore[attr-defined]
                         (LINKER_KEY,)).fetchone()[0]
    assert "item_event" not in json.loads(blob)
    assert store.storyline_load() == old
