"""CLI over the two levels: stories, events, items --event, show STORY|EVENT,
split, merge, follow, unfollow and eval clusters --level (click's CliRunner)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from infomachine.cli import cli
from infomachine.ingest.batch import ingest_records
from infomachine.models import Brief, Event, Record, Story
from infomachine.store import open_store

# (event, day, title, text): two events of the Osk dam story, one of the chip story
ROWS = [
    ("crack", "2026-05-10", "Crack found in Osk dam wall", "Engineers found a crack in the Osk dam wall on May 10."),
    ("crack", "2026-05-11", "Osk dam crack: gates opened", "The water board opened the Osk dam gates after the crack."),
    ("chip", "2026-05-12", "Zentrix unveils Q9 chip", "Zentrix unveiled its Q9 laptop chip."),
    ("chip", "2026-05-13", "Zentrix Q9 chip benchmarks", "The Zentrix Q9 chip was benchmarked."),
    ("review", "2026-05-20", "Independent review of Osk dam ordered", "The minister ordered a review of the Osk dam."),
]
EVENTS = {  # event id -> (slug, title, story id)
    "e-crack": ("osk-dam-crack-found", "Crack found in Osk dam wall", "s-dam"),
    "e-review": ("osk-dam-review-ordered", "Independent review of Osk dam ordered", "s-dam"),
    "e-chip": ("zentrix-q9-chip-unveiled", "Zentrix unveils Q9 chip", "s-chip"),
}


def run(db: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", db, *args])


def as_json(result: Result) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def build(db_url: str) -> dict[str, Any]:
    """Items in two stories and three events, made by hand (not by the clusterer)."""
    store = open_store(db_url)
    try:
        report = ingest_records(store, [
            Record(origin=f"t:{i}", url=f"https://news.example/{i}", title=title, text=text,
                   publisher="Brenn Gazette", published=f"{day}T09:00:00Z")
            for i, (_, day, title, text) in enumerate(ROWS)
        ])
        ids = report.item_ids
        store.create_story(Story(id="s-dam", slug="osk-dam", title="Osk dam"))
        store.create_story(Story(id="s-chip", slug="zentrix-chip", title="Zentrix chip"))
        for event_id, (slug, title, story_id) in EVENTS.items():
            store.create_event(Event(id=event_id, slug=slug, title=title, story_id=story_id))
            members = [ids[i] for i, row in enumerate(ROWS) if f"e-{row[0]}" == event_id]
            store.set_item_event(members, event_id)
            store.link_events([event_id], story_id)
    finally:
        store.close()
    return {"db": db_url, "ids": ids}


@pytest.fixture
def built(db_url: str) -> dict[str, Any]:
    return build(db_url)


def test_stories_show_events_items_and_dates(built: dict[str, Any]) -> None:
    rows = {s["slug"]: s for s in as_json(run(built["db"], "stories", "--format", "json"))}
    dam = rows["osk-dam"]
    assert dam["id"] == "s-dam" and dam["title"] == "Osk dam"
    assert (dam["event_count"], dam["item_count"]) == (2, 3)
    assert dam["first_published"].startswith("2026-05-10") and dam["last_published"].startswith("2026-05-20")
    assert (rows["zentrix-chip"]["event_count"], rows["zentrix-chip"]["item_count"]) == (1, 2)
    table = run(built["db"], "stories")
    assert table.exit_code == 0 and "events" in table.output and "items" in table.output
    header = next(x for x in table.output.splitlines() if "events" in x and "title" in x)
    line = next(x for x in table.output.splitlines() if "osk-dam" in x)
    columns = [c.strip() for c in header.split("┃")]
    cells = dict(zip(columns, (c.strip() for c in line.split("│")), strict=True))
    assert (cells["id"], cells["events"], cells["items"], cells["last"]) == ("s-dam", "2", "3", "2026-05-20")


def test_events_lists_every_event_with_its_story(built: dict[str, Any]) -> None:
    rows = as_json(run(built["db"], "events", "--format", "json"))
    assert {r["id"]: r["story_slug"] for r in rows} == {
        "e-crack": "osk-dam", "e-review": "osk-dam", "e-chip": "zentrix-chip"}
    ordered = as_json(run(built["db"], "events", "--story", "osk", "--format", "json"))  # a slug prefix
    assert ordered == [
        {"id": "e-crack", "slug": "osk-dam-crack-found", "title": "Crack found in Osk dam wall",
         "story_id": "s-dam", "story_slug": "osk-dam", "first_published": "2026-05-10T09:00:00Z",
         "last_published": "2026-05-11T09:00:00Z", "item_count": 2},
        {"id": "e-review", "slug": "osk-dam-review-ordered", "title": "Independent review of Osk dam ordered",
         "story_id": "s-dam", "story_slug": "osk-dam", "first_published": "2026-05-20T09:00:00Z",
         "last_published": "2026-05-20T09:00:00Z", "item_count": 1},
    ]
    table = run(built["db"], "events", "--story", "osk-dam")
    assert table.exit_code == 0 and "2 events of osk-dam" in table.output
    assert table.output.index("e-crack") < table.output.index("e-review")
    missing = run(built["db"], "events", "--story", "osk-dan")
    assert missing.exit_code == 1
    assert missing.output.strip() == "error: no story 'osk-dan' (did you mean: osk-dam?)"


def test_items_carry_event_and_story(built: dict[str, Any]) -> None:
    ids = built["ids"]
    rows = as_json(run(built["db"], "items", "--format", "json"))
    assert [(r["id"], r["event_id"], r["story_id"]) for r in rows] == [
        (ids[0], "e-crack", "s-dam"), (ids[1], "e-crack", "s-dam"), (ids[2], "e-chip", "s-chip"),
        (ids[3], "e-chip", "s-chip"), (ids[4], "e-review", "s-dam")]
    crack = as_json(run(built["db"], "items", "--event", "osk-dam-cr", "--format", "json"))
    assert [r["id"] for r in crack] == ids[:2]
    by_id = as_json(run(built["db"], "items", "--event", "e-review", "--story", "osk-dam", "--format", "json"))
    assert [r["id"] for r in by_id] == [ids[4]]
    none = as_json(run(built["db"], "items", "--event", "e-review", "--story", "zentrix-chip", "--format", "json"))
    assert none == []
    ambiguous = run(built["db"], "items", "--event", "osk-dam")
    assert ambiguous.exit_code == 1 and "'osk-dam' matches 2 events" in ambiguous.output
    assert run(built["db"], "items", "--event", "nope").output.strip() == "error: no event 'nope'"


def test_show_event(built: dict[str, Any]) -> None:
    ids = built["ids"]
    md = run(built["db"], "show", "osk-dam-crack-found")
    assert md.exit_code == 0, md.output
    lines = md.output.splitlines()
    assert lines[0] == "# Crack found in Osk dam wall"
    assert lines[2] == ("Event `osk-dam-crack-found` · Story: Osk dam (`osk-dam`) · "
                        "2026-05-10 – 2026-05-11 · 2 items")
    assert f"- 2026-05-10 · [Crack found in Osk dam wall](https://news.example/0) — Brenn Gazette · `{ids[0]}`" in lines
    assert "Zentrix" not in md.output and "review" not in md.output.lower()
    data = as_json(run(built["db"], "show", "e-review", "--format", "json"))
    assert data["slug"] == "osk-dam-review-ordered"
    assert data["story"] == {"id": "s-dam", "slug": "osk-dam", "title": "Osk dam"}
    assert data["items"] == [{"id": ids[4], "title": "Independent review of Osk dam ordered",
                              "url": "https://news.example/4", "publisher": "Brenn Gazette",
                              "published": "2026-05-20T09:00:00Z", "duplicate_of": None}]
    page = run(built["db"], "show", "e-review", "--format", "html")
    assert page.exit_code == 0 and "<style>" in page.output and 'href="/stories/osk-dam"' in page.output
    versioned = run(built["db"], "show", "e-review", "--version", "1")
    assert versioned.exit_code == 2
    assert "is an event: --version is for a story's brief" in versioned.output


def test_show_story_json_has_its_events(built: dict[str, Any]) -> None:
    ids = built["ids"]
    assert run(built["db"], "synthesize", "osk-dam").exit_code == 0
    data = as_json(run(built["db"], "show", "osk-dam", "--format", "json"))
    assert data["story"]["slug"] == "osk-dam" and data["version"] == 1  # the Brief, as before
    store = open_store(built["db"])
    try:
        assert Brief.model_validate(data) == store.get_brief("s-dam")  # still reads as a Brief
    finally:
        store.close()
    assert [e["id"] for e in data["events"]] == ["e-crack", "e-review"]
    crack = data["events"][0]
    assert crack["title"] == "Crack found in Osk dam wall" and crack["item_count"] == 2
    assert crack["first_published"] == "2026-05-10T09:00:00Z"
    assert [(i["id"], i["url"], i["published"]) for i in crack["items"]] == [
        (ids[0], "https://news.example/0", "2026-05-10T09:00:00Z"),
        (ids[1], "https://news.example/1", "2026-05-11T09:00:00Z")]
    assert run(built["db"], "show", "osk-dam").output.startswith("# ")  # Markdown: the brief, as before


def test_show_unknown_names_both_kinds(built: dict[str, Any]) -> None:
    r = run(built["db"], "show", "nothing-like-it")
    assert r.exit_code == 1 and r.output.strip() == "error: no story or event 'nothing-like-it'"
    r = run(built["db"], "show", "osk-dam-crak-found")
    assert r.exit_code == 1 and "did you mean: osk-dam-crack-found?" in r.output


# --------------------------------------------------------------------------- storylines


def test_split_moves_events_into_a_new_story(built: dict[str, Any]) -> None:
    db = built["db"]
    out = as_json(run(db, "split", "osk-dam", "osk-dam-review", "--title", "Osk dam review", "--format", "json"))
    new = out["story"]
    assert new["title"] == "Osk dam review" and (new["event_count"], new["item_count"]) == (1, 1)
    assert (out["from"]["slug"], out["from"]["event_count"], out["from"]["item_count"]) == ("osk-dam", 1, 2)
    events = as_json(run(db, "events", "--story", new["id"], "--format", "json"))
    assert [e["id"] for e in events] == ["e-review"]
    assert [e["id"] for e in as_json(run(db, "events", "--story", "osk-dam", "--format", "json"))] == ["e-crack"]
    item = as_json(run(db, "items", "--event", "e-review", "--format", "json"))[0]
    assert item["story_id"] == new["id"]


def test_split_refuses_bad_input_in_one_line(built: dict[str, Any]) -> None:
    db = built["db"]
    other = run(db, "split", "osk-dam", "zentrix-q9-chip-unveiled")
    assert other.exit_code == 2
    assert other.output.strip() == "error: not events of story 'osk-dam': zentrix-q9-chip-unveiled"
    missing = run(db, "split", "osk-dam", "no-such-event")
    assert missing.exit_code == 1 and missing.output.strip() == "error: no event 'no-such-event'"
    assert run(db, "split", "osk-dam").exit_code == 2  # EVENT... is required
    last = run(db, "split", "osk-dam", "osk-dam-crack-found", "osk-dam-review-ordered")
    assert last.exit_code == 2 and last.output.strip() == "error: a split must leave at least one event in the story"
    rows = as_json(run(db, "stories", "--format", "json"))
    assert len(rows) == 2  # nothing changed


def test_merge_keeps_the_old_slug_working(built: dict[str, Any]) -> None:
    db = built["db"]
    out = as_json(run(db, "merge", "zentrix-chip", "osk-dam", "--format", "json"))
    assert out["merged"]["slug"] == "zentrix-chip" and out["story"]["id"] == "s-dam"
    assert (out["story"]["event_count"], out["story"]["item_count"]) == (3, 5)
    assert "zentrix-chip" in out["aliases"]
    assert [s["slug"] for s in as_json(run(db, "stories", "--format", "json"))] == ["osk-dam"]
    events = as_json(run(db, "events", "--story", "zentrix-chip", "--format", "json"))  # the alias
    assert [e["id"] for e in events] == ["e-crack", "e-chip", "e-review"]
    same = run(db, "merge", "osk-dam", "zentrix-chip")
    assert same.exit_code == 2 and "are the same story (osk-dam)" in same.output


def test_follow_and_unfollow(db_url: str) -> None:
    out = as_json(run(db_url, "follow", "Osk dam safety", "--terms", "Osk dam", "--entity", "Brenn water board",
                      "--format", "json"))
    story = out["story"]
    assert story["title"] and story["slug"]
    sources = out["sources"]
    assert sources and all(s["kind"] == "query" for s in sources)
    listed = {s["id"] for s in as_json(run(db_url, "sources", "--format", "json"))}
    assert {s["id"] for s in sources} <= listed
    assert story["slug"] in {s["slug"] for s in as_json(run(db_url, "stories", "--format", "json"))}
    text = run(db_url, "follow", "Zentrix laptop chips")
    assert text.exit_code == 0 and text.output.startswith("following ")
    ended = as_json(run(db_url, "unfollow", story["slug"], "--format", "json"))
    assert ended["story"]["id"] == story["id"] and ended["sources_removed"] == len(sources)
    left = {s["id"] for s in as_json(run(db_url, "sources", "--format", "json"))}
    assert not ({s["id"] for s in sources} & left)
    assert story["slug"] in {s["slug"] for s in as_json(run(db_url, "stories", "--format", "json"))}
    empty = run(db_url, "follow", "  ")
    assert empty.exit_code == 2 and empty.output.strip() == "error: describe the topic to follow"


# --------------------------------------------------------------------------- eval


def _labelled(tmp_path: Path) -> Path:
    path = tmp_path / "labelled.jsonl"
    path.write_text("\n".join(
        json.dumps({"id": str(i), "title": title, "text": text, "published": f"{day}T09:00:00Z",
                    "event": event})
        for i, (event, day, title, text) in enumerate(ROWS)
    ))
    return path


def test_eval_clusters_levels(tmp_path: Path) -> None:
    """--level event scores the items' events, --level story their stories: the
    predicted clusters are the events (stories) a database built from the same
    file has."""
    path = _labelled(tmp_path)
    db = str(tmp_path / "same.db")
    assert CliRunner().invoke(cli, ["--db", db, "ingest", str(path)]).exit_code == 0
    assert CliRunner().invoke(cli, ["--db", db, "cluster"]).exit_code == 0
    n_events = len(as_json(run(db, "events", "--format", "json")))
    n_stories = len(as_json(run(db, "stories", "--format", "json")))
    for level, expected in (("event", n_events), ("story", n_stories)):
        r = CliRunner().invoke(cli, ["eval", "clusters", str(path), "--label-field", "event", "--level", level])
        data = as_json(r)
        assert data["level"] == level and data["items"] == len(ROWS)
        assert data["predicted_clusters"] == expected and data["gold_clusters"] == 3
    bad = CliRunner().invoke(cli, ["eval", "clusters", str(path), "--level", "topic"])
    assert bad.exit_code == 2 and "'topic' is not one of 'event', 'story'" in bad.output


def test_help_has_examples() -> None:
    for args in (["events"], ["split"], ["merge"], ["follow"], ["unfollow"], ["show"], ["items"]):
        out = CliRunner().invoke(cli, [*args, "--help"])
        assert out.exit_code == 0 and "Example" in out.output, args
