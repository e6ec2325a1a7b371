"""The demo builds a database and a site from the bundled corpus, offline."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from infomachine.cli import cli
from infomachine.demo import batches, load_corpus, run_demo
from infomachine.store import SQLiteStore

MAIN = "Open Model Wave and Open-vs-Closed Capability Gap Debate"


def test_corpus_is_well_formed() -> None:
    rows = load_corpus()
    assert 35 <= len(rows) <= 60
    stories = {r["story"] for r in rows}
    assert MAIN in stories and len(stories) >= 4
    assert sum(r["story"] == MAIN for r in rows) >= 25
    for r in rows:
        assert r["url"].startswith("https://") and r["title"] and r["text"] and r["publisher"]
        assert r["published"][:4] == "2026"
    assert any(r["source"] == "reactive:open-model-capability-gap" for r in rows)
    groups = batches(rows)
    assert len(groups) >= 4 and all(any(r["story"] == MAIN for r in g) for g in groups)


def test_demo_builds_versions_evolution_and_site(tmp_path: Path) -> None:
    started = time.perf_counter()
    result = run_demo(tmp_path / "demo")
    assert time.perf_counter() - started < 60
    assert result.db.exists()
    main = result.stories[0]
    assert main["items"] >= 25 and main["version"] >= 3
    assert main["events"] >= 10  # one story of many events, not one event
    assert len(result.stories) == 4  # the corpus's four storylines, none split

    store = SQLiteStore(result.db)
    try:
        story = store.get_story(main["slug"])
        versions = store.list_versions(story.id)
        assert len(versions) >= 3
        assert [v["version"] for v in versions] == list(range(1, len(versions) + 1))
        counts = [v["item_count"] for v in versions]
        assert counts == sorted(counts)
        latest = store.get_brief(story.id)
        statuses = {p.evolution.status for p in latest.perspectives}
        assert statuses & {"consistent", "shifted"}
        assert any(s.found_via == "reactive:open-model-capability-gap" for s in latest.sources)
    finally:
        store.close()

    page = (result.site / f"{main['slug']}.md").read_text()
    assert "*Evolution:*" in page and f"**Version {main['version']}**" in page
    assert (result.site / f"{main['slug']}.history.md").exists()
    assert (result.site / "index.md").exists()
    if result.html_index is not None:
        assert result.html_index.exists()


def test_demo_command_reruns_fresh(tmp_path: Path) -> None:
    target = tmp_path / "d"
    for _ in range(2):  # a second run starts from a fresh database
        r = CliRunner().invoke(cli, ["demo", "--dir", str(target)])
        assert r.exit_code == 0, r.output
        assert "Demo built" in r.output and "stories" in r.output
    r = CliRunner().invoke(
        cli, ["--db", str(target / "infomachine.db"), "history", "--format", "json",
              _main_slug(target)]
    )
    versions = json.loads(r.output)["versions"]
    assert versions[0]["change_summary"] == "first version" and len(versions) >= 3


def _main_slug(target: Path) -> str:
    store = SQLiteStore(target / "infomachine.db")
    try:
        return max(store.list_stories(), key=lambda s: s.item_count).slug
    finally:
        store.close()


@pytest.mark.parametrize("target", ["/proc/x", "FILE/demo"])
def test_demo_in_an_unwritable_folder_is_an_input_error(tmp_path: Path, target: str) -> None:
    from infomachine.errors import InputError

    (tmp_path / "FILE").write_text("not a folder")
    out = Path(target) if target.startswith("/") else tmp_path / target
    with pytest.raises(InputError, match=f"cannot build the demo in {out}"):
        run_demo(out)
    r = CliRunner().invoke(cli, ["demo", "--dir", str(out)])
    assert r.exit_code == 2 and isinstance(r.exception, SystemExit)
    assert r.output.count("\n") == 1 and str(out) in r.output


def test_demo_refuses_to_replace_a_database_it_did_not_build(tmp_path: Path) -> None:
    from infomachine.demo import MARKER, ExistingDatabaseError, is_demo_database
    from infomachine.ingest.batch import ingest_records
    from infomachine.models import Record

    target = tmp_path / "mine"
    db = target / "infomachine.db"
    with SQLiteStore(db) as store:
        ingest_records(store, [Record(origin="x", url="https://mine.example/1", title="My own notes",
                                      text="Something only I have.")])
    before = db.read_bytes()
    r = CliRunner().invoke(cli, ["demo", "--dir", str(target)])
    assert r.exit_code == 1
    assert r.output == (
        f"error: {db} exists and is not a demo database; use another --dir, or --force to replace it\n"
    )
    assert db.read_bytes() == before and not (target / MARKER).exists() and not (target / "site").exists()
    with pytest.raises(ExistingDatabaseError):
        run_demo(target)

    # --force replaces it; the result is a demo database, rebuilt without --force
    r = CliRunner().invoke(cli, ["demo", "--dir", str(target), "--force"])
    assert r.exit_code == 0, r.output
    assert (target / MARKER).exists() and is_demo_database(db)
    r = CliRunner().invoke(cli, ["demo", "--dir", str(target)])
    assert r.exit_code == 0, r.output

    # a demo database someone ingested their own item into is theirs now
    with SQLiteStore(db) as store:
        ingest_records(store, [Record(origin="x", url="https://mine.example/2", title="Mine",
                                      text="Added to the demo database by hand.")])
    assert not is_demo_database(db)
    assert CliRunner().invoke(cli, ["demo", "--dir", str(target)]).exit_code == 1
    # ... and so is one with a subscription
    run_demo(target, force=True)
    assert CliRunner().invoke(cli, ["--db", str(db), "add-feed", "https://a.example/f.xml"]).exit_code == 0
    assert CliRunner().invoke(cli, ["demo", "--dir", str(target)]).exit_code == 1


@pytest.mark.parametrize("content", ["garbage", "empty file", "empty database"])
def test_demo_refuses_other_files_and_takes_an_empty_database(tmp_path: Path, content: str) -> None:
    target = tmp_path / "d"
    target.mkdir()
    db = target / "infomachine.db"
    if content == "empty database":  # e.g. made by an older version's read-only command
        SQLiteStore(db).close()
    else:
        db.write_text("not a database at all" if content == "garbage" else "")
    r = CliRunner().invoke(cli, ["demo", "--dir", str(target)])
    if content == "garbage":
        assert r.exit_code == 1 and "is not a demo database" in r.output
        assert db.read_text() == "not a database at all"
    else:  # nothing to lose: no items, no sources
        assert r.exit_code == 0, r.output


def test_demo_next_hint_is_one_unwrapped_line(tmp_path: Path) -> None:
    target = tmp_path / "a-rather-long-folder-name-for-the-demo-database"
    r = CliRunner().invoke(cli, ["demo", "--dir", str(target)], env={"COLUMNS": "80"})
    assert r.exit_code == 0, r.output
    slug = _main_slug(target)
    db = target / "infomachine.db"
    assert f"Next: infomachine --db {db} history {slug}  ·  infomachine --db {db} diff {slug} 1 2\n" in r.output
    assert "5 batches replayed" in r.output and "brief versions written" in r.output


def test_a_demo_built_before_the_marker_is_still_rebuilt(tmp_path: Path) -> None:
    from infomachine.demo import MARKER

    target = tmp_path / "old"
    run_demo(target)
    (target / MARKER).unlink()  # as an older version left it
    r = CliRunner().invoke(cli, ["demo", "--dir", str(target)])
    assert r.exit_code == 0, r.output
    assert (target / MARKER).exists()
