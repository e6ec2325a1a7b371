"""What the CLI prints for people: user data is never rich markup, search
matches stay visible, ids and slugs are never wrapped, counts are singular
when they are one, and unknown stories get suggestions."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from infomachine.cli import cli
from infomachine.cli.output import marked
from infomachine.ingest.batch import ingest_records
from infomachine.models import Record, Snippet
from infomachine.store import SQLiteStore
from infomachine.wording import plural

BRACKETS = "[Update] Novatech fixes [/b] battery bug"
BOLD = "[bold]x[/bold] Novatech battery recall"
HARBOUR = "Harbour flood closes Port Ellis container terminal for a week"


def _add(db: Path, rows: list[tuple[str, str, str]], story: str | None = None) -> None:
    with SQLiteStore(db) as store:
        ingest_records(
            store,
            [
                Record(origin=f"t:{n}", url=f"https://news.example/{n}-{abs(hash(title))}", title=title,
                       text=text, publisher=publisher, published=f"2026-03-0{n + 1}T09:00:00Z")
                for n, (title, text, publisher) in enumerate(rows)
            ],
            story=story,
        )


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "cli.db"
    _add(path, [
        (BRACKETS, "On March 1, 2026 Novatech said firmware 2.1 fixes [1] the [red]battery[/red] "
                   "bug :thumbs_up: in Nova phones.", "[b]Wire[/b]"),
        (BOLD, "Novatech said on March 2, 2026 that it recalls Nova phone batteries [/] today.", "Desk"),
    ], story="novatech [battery]")
    return path


def run(db: Path, *args: str, width: int = 200, **env: str) -> Result:
    result = CliRunner().invoke(cli, ["--db", str(db), *args], env={"COLUMNS": str(width), **env})
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result


def _slug(db: Path) -> str:
    with SQLiteStore(db) as store:
        return store.list_stories()[0].slug


def test_brackets_in_titles_are_printed_as_typed(db: Path) -> None:
    for args in (["items"], ["search", "novatech battery"]):
        out = run(db, *args).output
        assert BRACKETS in out and BOLD in out, args
    out = run(db, "items").output
    assert "[b]Wire[/b]" in out
    assert "novatech [battery]" in run(db, "stories").output


def test_brackets_in_brief_titles_headers_and_footers(db: Path) -> None:
    slug = _slug(db)
    run(db, "synthesize")
    assert "novatech [battery] · 1 version" in run(db, "history", slug).output
    out = run(db, "timeline", slug).output
    assert "novatech [battery] · 2 dates" in out
    assert f"[1] {BRACKETS} — [b]Wire[/b]" in out and f"[2] {BOLD} — Desk" in out
    assert "[red]battery[/red]" in out and ":thumbs_up:" in out
    assert "novatech [battery]" in run(db, "verify", slug).output


def test_narrow_tables_and_records_keep_data_literal(db: Path) -> None:
    for args in (["items"], ["search", "novatech"]):
        out = run(db, *args, width=60).output
        assert "[/b]" in out and "[bold]x[/bold]" in out, args
    assert "novatech [battery]" in run(db, "stories", width=60).output


def test_search_snippet_matches_survive_in_table_and_json(db: Path) -> None:
    data = json.loads(run(db, "search", "battery bug", "--format", "json").output)
    snippets = {d["title"]: d["snippet"] for d in data}
    # the item's own brackets stay, matched words are between « »
    assert "[red]«battery»[/red] «bug»" in snippets[BRACKETS]
    assert "[1]" in snippets[BRACKETS]
    out = run(db, "search", "battery bug").output
    assert "«battery»" in out and "«bug»" in out and "[1]" in out
    coloured = run(db, "search", "battery bug", FORCE_COLOR="1", TERM="xterm").output
    assert re.search(r"\x1b\[1m(\x1b\[[0-9;]*m)*battery", coloured)  # bold, not « »
    assert "«battery»" not in coloured


def test_snippet_parts_are_unambiguous(tmp_path: Path) -> None:
    snippet = Snippet.parse("…the [1] \x02open\x03-weight \x02models\x03 [x]…")
    assert str(snippet) == "…the [1] [open]-weight [models] [x]…"  # the store's str value
    assert snippet.parts == (("…the [1] ", False), ("open", True), ("-weight ", False),
                             ("models", True), (" [x]…", False))
    assert snippet.marked("«", "»") == "…the [1] «open»-weight «models» [x]…"
    assert Snippet.parse("stray \x03 end and \x02 start").parts == (("stray  end and  start", False),)
    text = marked(snippet.parts, styled=True)
    assert text.plain == "…the [1] open-weight models [x]…"
    assert [(text.plain[s.start:s.end], str(s.style)) for s in text.spans] == [
        ("open", "bold"), ("models", "bold")
    ]
    with SQLiteStore(tmp_path / "s.db") as store:
        _add(store.path, [("Open models", "The [open] gap between open-weight models and the rest.", "P")])
        (_, hit), = store.search("open gap")
    assert isinstance(hit, Snippet) and ("open", True) in hit.parts and ("[", False) not in hit.parts


def test_ids_and_slugs_are_never_wrapped_at_80_columns(tmp_path: Path) -> None:
    db = tmp_path / "wide.db"
    long_title = "Moonshot and MiniMax step up as China's new frontier AI labs with open weights"
    _add(db, [(long_title, "Moonshot and MiniMax released open-weight models this week.", "P"),
              (HARBOUR, "A flood closed the container terminal of Port Ellis.", "Q")])
    with SQLiteStore(db) as store:
        ids = [i.id for i in store.list_items()]
    run(db, "cluster")
    with SQLiteStore(db) as store:
        stories = store.list_stories()
    for args in (["stories"], ["items"], ["synthesize"]):
        out = run(db, *args, width=80).output
        lines = out.splitlines()
        assert all(len(line) <= 80 for line in lines), args
        for story in stories:
            assert any(story.slug in line for line in lines) or args == ["items"], (args, story.slug)
            if args != ["synthesize"]:
                assert any(story.id in line for line in lines), (args, story.id)
        if args == ["items"]:
            assert all(any(i in line for line in lines) for i in ids)


def test_wide_terminal_gets_a_table(db: Path) -> None:
    out = run(db, "stories", width=200).output
    assert "┃ id" in out and "┃ slug" in out
    narrow = run(db, "stories", width=60).output
    assert "┃" not in narrow and re.search(r"^slug +\S+$", narrow, re.M)


def test_plurals(db: Path, tmp_path: Path) -> None:
    assert plural(1, "item") == "1 item" and plural(0, "item") == "0 items"
    assert plural(1, "story", "stories") == "1 story" and plural(2, "story", "stories") == "2 stories"
    out = run(db, "items", "--limit", "1").output
    assert "1 item" in out and "1 items" not in out
    out = run(db, "stories").output
    assert "1 story" in out and "1 stories" not in out
    assert "1 result for" in run(db, "search", "recall").output
    out = run(db, "synthesize").output
    assert "1 of 1 brief written" in out
    out = run(db, "history", _slug(db)).output
    assert "1 version" in out and "1 versions" not in out
    opml = tmp_path / "one.opml"
    opml.write_text('<opml version="2.0"><body><outline type="rss" xmlUrl="https://a.example/f.xml"/>'
                    "</body></opml>")
    out = run(db, "import-opml", str(opml)).output
    assert "imported 1 new feed, 0 already present" in out
    out = run(db, "sources").output
    assert "1 source" in out and "1 sources" not in out


def test_unknown_story_suggests_close_matches_and_takes_a_unique_prefix(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    _add(db, [(HARBOUR, "A flood closed the container terminal of Port Ellis.", "Q")],
         story="Harbour flood closes Port Ellis terminal")
    _add(db, [("Harbour master resigns", "The harbour master of Port Ellis resigned.", "Q")],
         story="Harbour master resigns")
    runner = CliRunner()
    slug = "harbour-flood-closes-port-ellis-terminal"

    def fail(*args: str) -> str:
        r = runner.invoke(cli, ["--db", str(db), *args])
        assert r.exit_code == 1 and len(r.output.strip().splitlines()) == 1, r.output
        return r.output.strip()

    assert fail("history", "harbor-flood") == f"error: no story 'harbor-flood' (did you mean: {slug}?)"
    out = fail("show", "harbor")
    assert out.startswith("error: no story 'harbor' (did you mean: ") and slug in out
    assert "harbour-master-resigns" in out
    assert fail("history", "port elis").endswith(f"(did you mean: {slug}?)")  # titles count too
    assert fail("history", "zebra crossing") == "error: no story 'zebra crossing'"
    out = fail("history", "harbour")
    assert out == f"error: 'harbour' matches 2 stories: {slug}, harbour-master-resigns"
    r = runner.invoke(cli, ["--db", str(db), "history", "harbour-fl", "--format", "json"])
    assert r.exit_code == 0 and json.loads(r.output)["story"]["slug"] == slug
    r = runner.invoke(cli, ["--db", str(db), "items", "--story", "harbour-m", "--format", "json"])
    assert [i["title"] for i in json.loads(r.output)] == ["Harbour master resigns"]


def test_cluster_help_explains_the_headline_threshold() -> None:
    for args in (["cluster"], ["eval", "clusters"]):
        out = CliRunner().invoke(cli, [*args, "--help"], env={"COLUMNS": "200"}).output
        flat = " ".join(out.split())
        assert "fewer than headline_words (25) body words" in flat, args
        assert "headline_threshold, not threshold" in flat and "--headline-threshold" in flat, args
