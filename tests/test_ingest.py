from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from infomachine.cli import cli
from infomachine.ingest.batch import ingest_records
from infomachine.intake.collect import collect
from infomachine.models import Record
from infomachine.store import SQLiteStore

LONG = (
    "Harbour authorities in the port city closed two container terminals on Friday after a "
    "crane collapsed during a storm, the port operator said. No one was injured, but shipping "
    "lines warned of delays of up to a week while inspectors examine the remaining cranes. "
    "The operator expects one terminal to reopen on Monday and the second later in the month."
)


def _write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def _rows() -> list[dict]:
    return [
        {"id": "a", "url": "https://news.example/port-closure?utm_source=rss", "title": "Port closes terminals",
         "text": LONG, "publisher": "Example News", "published": "2026-03-06T10:00:00Z", "section": "world"},
        {"id": "b", "url": "https://wire.example/port", "title": "Storm shuts port terminals",
         "text": LONG.replace("Friday", "Friday evening") + " Additional reporting by staff.",
         "publisher": "Wire", "published": "2026-03-06T12:00:00+01:00"},
        {"id": "c", "title": "Budget vote delayed", "text": "The city council postponed its budget vote to April.",
         "published": "March 7, 2026"},
    ]


def test_ingest_is_idempotent_and_links_near_duplicates(store: SQLiteStore, tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "items.jsonl", _rows())
    first = ingest_records(store, collect(str(path)))
    assert (first.new, first.near_duplicate, first.duplicate, first.failed) == (2, 1, 0, 0)
    second = ingest_records(store, collect(str(path)))
    assert (second.new, second.near_duplicate, second.duplicate, second.failed) == (0, 0, 3, 0)
    assert store.count_items() == 3
    items = {i.metadata["record_id"]: i for i in store.list_items()}
    assert items["b"].duplicate_of == items["a"].id
    assert items["a"].metadata["section"] == "world"
    assert items["a"].canonical_url == "https://news.example/port-closure"
    assert items["b"].published is not None and items["b"].published.hour == 11  # converted to UTC
    assert items["c"].published is not None and items["c"].published.day == 7


def test_exact_duplicate_from_another_feed_is_merged(store: SQLiteStore) -> None:
    rec = Record(origin="t", url="https://news.example/x", title="X", text="Body of x.", source="feed-a")
    again = Record(origin="t", url="http://www.news.example/x/?utm_medium=email", title="X (updated)",
                   text="Different body.", source="feed-b")
    report = ingest_records(store, [rec, again])
    assert (report.new, report.duplicate) == (1, 1)
    (item,) = store.list_items()
    assert item.metadata["found_via"] == ["feed-a", "feed-b"]


def test_pinned_story_and_near_duplicate_follows_original(store: SQLiteStore, tmp_path: Path) -> None:
    rows = _rows()
    ingest_records(store, collect(str(_write_jsonl(tmp_path / "a.jsonl", rows[:1]))), story="Port storm")
    story = store.get_story("port-storm")
    assert story.pinned and story.title == "Port storm"
    ingest_records(store, collect(str(_write_jsonl(tmp_path / "b.jsonl", rows[1:]))))
    items = {i.metadata["record_id"]: i for i in store.list_items()}
    assert items["a"].story_id == story.id and items["a"].pinned
    assert items["b"].story_id == story.id  # near-duplicate follows its original
    assert items["c"].story_id is None


def test_bad_lines_are_recorded_and_the_rest_goes_in(store: SQLiteStore, tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(
        b'{"title": "Good one", "text": "fine"}\n{broken json\n[1, 2]\n\xff\xfe\n{"title": "Good two", "text": "ok"}\n'
    )
    report = ingest_records(store, collect(str(path)))
    assert report.new == 2 and report.failed == 3
    assert [p.origin.rsplit(":", 1)[1] for p in report.problems] == ["2", "3", "4"]
    assert len(store.list_ingest_errors()) == 3


def test_cli_ingest_items_search(tmp_path: Path, db_url: str) -> None:
    db = db_url
    path = _write_jsonl(tmp_path / "items.jsonl", _rows())
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", str(db), "ingest", str(path)])
    assert result.exit_code == 0, result.output
    assert "new 2 · duplicate 0 · near-duplicate 1 · failed 0" in result.output
    result = runner.invoke(cli, ["--db", str(db), "items", "--format", "json"])
    data = json.loads(result.output)
    assert len(data) == 3
    assert {"id", "url", "title", "publisher", "published", "story_id", "duplicate_of"} <= set(data[0])
    result = runner.invoke(cli, ["--db", str(db), "search", "budget", "--format", "json"])
    assert [d["title"] for d in json.loads(result.output)] == ["Budget vote delayed"]


def test_cli_errors_are_one_line(tmp_path: Path) -> None:
    runner = CliRunner()
    SQLiteStore(tmp_path / "x.db").close()  # an existing, empty database
    result = runner.invoke(cli, ["--db", str(tmp_path / "x.db"), "items", "--story", "missing"])
    assert result.exit_code == 1
    assert result.output.strip() == "error: no story 'missing'"
    result = runner.invoke(cli, ["--db", str(tmp_path / "none.db"), "items"])
    assert result.exit_code == 1 and result.output.startswith("error: no database at")
    result = runner.invoke(cli, ["--db", str(tmp_path / "x.db"), "ingest", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 1
    assert "no such file or directory" in result.output
    assert "Traceback" not in result.output


def test_db_from_environment(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "env.db"
    monkeypatch.setenv("INFOMACHINE_DB", str(db))
    path = _write_jsonl(tmp_path / "items.jsonl", _rows()[2:])
    assert CliRunner().invoke(cli, ["ingest", str(path)]).exit_code == 0
    assert SQLiteStore(db).count_items() == 1


def test_pinning_twice_by_name_reuses_the_story(store: SQLiteStore) -> None:
    ingest_records(store, [Record(origin="t", title="One", text="First item.")], story="Valley dam")
    ingest_records(store, [Record(origin="t", title="Two", text="Second item.")], story="Valley dam")
    assert [s.slug for s in store.list_stories()] == ["valley-dam"]
    assert store.get_story("valley-dam").item_count == 2


def test_record_titles_are_plain_text_never_decoded_again(store: SQLiteStore) -> None:
    # Each source parser decodes by its format's rules; a record's title is final text.
    ingest_records(store, [Record(origin="t", title="Map<K,V> & the &amp; entity", text="Body.")])
    assert store.list_items()[0].title == "Map<K,V> & the &amp; entity"


def test_same_guid_in_two_feeds_is_two_items(store: SQLiteStore) -> None:
    a = Record(origin="a", guid="1", title="Dam inspection", text="Engineers inspected the dam.", source="feed-a")
    b = Record(origin="b", guid="1", title="Rail strike", text="Drivers walked out at dawn.", source="feed-b")
    again = Record(origin="a2", guid="1", title="Dam inspection (updated)", text="Engineers inspected the dam again.",
                   source="feed-a")
    report = ingest_records(store, [a, b, again])
    assert (report.new, report.duplicate) == (2, 1)
    assert sorted(i.title for i in store.list_items()) == ["Dam inspection", "Rail strike"]


def test_url_only_and_title_only_items_are_not_merged_by_hash(store: SQLiteStore) -> None:
    records = [
        Record(origin="1", url="https://a.example/1"),
        Record(origin="2", url="https://a.example/2"),
        Record(origin="3", url="https://b.example/x", title="Fed holds rates"),
        Record(origin="4", url="https://c.example/y", title="Fed holds rates"),
    ]
    report = ingest_records(store, records)
    assert (report.new, report.duplicate) == (4, 0)
    # Substantive identical text under two URLs is still one item.
    body = "The central bank kept its main rate unchanged on Wednesday, citing steady inflation. " * 2
    report = ingest_records(store, [
        Record(origin="5", url="https://d.example/a", title="Rates", text=body),
        Record(origin="6", url="https://e.example/b", title="Rates", text=body),
    ])
    assert (report.new, report.duplicate) == (1, 1)


def test_filesystem_and_database_errors_are_one_line(tmp_path: Path) -> None:
    runner = CliRunner()
    bad_db = tmp_path / "not-a-dir" / "x.db"
    bad_db.parent.write_text("a file where a folder should be")
    result = runner.invoke(cli, ["--db", str(bad_db), "items"])
    assert result.exit_code != 0 and result.output.startswith("error:")
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_unreadable_date_is_kept_with_a_warning(tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "items.jsonl", [
        {"id": "d", "title": "Ferry strike ends", "text": "The ferry strike ended after two days.",
         "published": "yesterday-ish"}])
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", str(tmp_path / "w.db"), "ingest", str(path)])
    assert result.exit_code == 0
    assert "new 1" in result.output
    assert "warning" in result.output and "unreadable date 'yesterday-ish'" in result.output
    as_json = runner.invoke(cli, ["--db", str(tmp_path / "w2.db"), "ingest", str(path), "--format", "json"])
    warnings = json.loads(as_json.output)["warnings"]
    assert [w["message"].split(":")[0] for w in warnings] == ["unreadable date 'yesterday-ish'"]
