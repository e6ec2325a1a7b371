"""The linker's state in the store: its JSON, and a log of its item and URL entries
that a save only adds to (``LinkerState.to_saved``, ``store.storyline_save``)."""

from __future__ import annotations

import json
from typing import Any

from infomachine.cluster.storyline_state import LinkerState, Storyline
from infomachine.store import SQLiteStore, Store
from infomachine.store.events_sql import LINKER_KEY, LOG_ROWS


def _state() -> LinkerState:
    st = LinkerState(storylines={"l-1": Storyline(id="l-1", profile={"dam": 1.0}, n_events=1, n_items=2)},
                     event_story={"e-1": "l-1"}, event_items={"e-1": 2})
    st.item_event.update({"i-1": "e-1", "i-2": "e-1"})
    st.url_event.update({"a.example/1": "e-1", "a.example/2": "e-1"})
    return st


def _rows(store: Store) -> int:
    return int(store.execute("SELECT COUNT(*) FROM storyline_state").fetchone()[0])  # type: ignore[attr-defined]


def test_a_save_adds_only_the_new_item_and_url_entries(store: Store) -> None:
    st = _state()
    plain, items, urls = st.to_saved()
    assert "item_event" not in plain and len(items) == 2 and len(urls) == 2
    store.storyline_save(plain, items, urls)
    assert _rows(store) == 2  # the state, one row of log
    loaded = store.storyline_load()
    assert loaded is not None
    assert LinkerState.from_plain(loaded).to_plain() == LinkerState.from_plain(st.to_plain()).to_plain()

    resumed = LinkerState.from_plain(loaded)
    assert resumed.to_saved()[1:] == ({}, {})  # all saved
    for n in range(3, 3 + LOG_ROWS):
        resumed.item_event[f"i-{n}"] = "e-1"
        resumed.url_event[f"a.example/{n}"] = "e-1"
        plain, items, urls = resumed.to_saved()
        assert items == {f"i-{n}": "e-1"} and urls == {f"a.example/{n}": "e-1"}
        store.storyline_save(plain, items, urls)
        log_rows = n - 1 if n - 2 < LOG_ROWS else 1  # compacted when LOG_ROWS rows were there
        assert _rows(store) == 1 + log_rows
    store.storyline_save(*resumed.to_saved())  # nothing new: no row
    assert _rows(store) == 2
    again = store.storyline_load()
    assert again is not None and again["item_event"] == resumed.item_event
    assert again["url_event"] == resumed.url_event


def test_a_state_saved_whole_before_0070_is_split(store: Store) -> None:
    from infomachine.store.postgres import migrations as pg
    from infomachine.store.sqlite import migrations as lite

    old: dict[str, Any] = _state().to_plain()
    store.execute("INSERT INTO storyline_state(key, value) VALUES (?, ?)",  # type: ignore[attr-defined]
                  (LINKER_KEY, json.dumps(old)))
    with store.transaction() as conn:
        (lite if isinstance(store, SQLiteStore) else pg).storyline_rows(conn)
    assert _rows(store) == 2
    blob = store.execute("SELECT value FROM storyline_state WHERE key = ?",  # type: ignore[attr-defined]
                         (LINKER_KEY,)).fetchone()[0]
    assert "item_event" not in json.loads(blob)
    assert store.storyline_load() == old
