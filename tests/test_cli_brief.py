"""Brief commands through click's CliRunner: synthesize, show, history, diff, verify, timeline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from infomachine.cli import cli
from infomachine.ingest.batch import ingest_records
from infomachine.models import Record
from infomachine.store import open_store

TEXTS = [
    ("2026-03-02", "The regional water board said on March 2, 2026 that the Osk dam gates would open."),
    ("2026-03-03", "Mayor Ines Ruiz says that the town of Brenn is ready for higher water levels."),
    ("2026-03-04", "Farmers argue that the water board gave them too little warning before the release."),
    ("2026-03-06", "The water board says the gates will close again on March 9, 2026 if rain stops."),
]


def add(db: Path | str, texts: list[tuple[str, str]], start: int = 1) -> None:
    store = open_store(db)
    try:
        ingest_records(
            store,
            [
                Record(origin=f"t:{i}", url=f"https://brenn.example/{i}", title=f"Osk dam report {i}",
                       text=t, publisher="Brenn Gazette", published=f"{d}T09:00:00Z")
                for i, (d, t) in enumerate(texts, start)
            ],
            story="osk-dam",
        )
    finally:
        store.close()


@pytest.fixture
def db(db_url: str) -> str:  # a SQLite path or a postgresql:// URL (conftest)
    add(db_url, TEXTS[:2])
    return db_url


def run(db: Path, *args: str) -> object:
    return CliRunner().invoke(cli, ["--db", str(db), *args])


def test_synthesize_history_show_diff(db: Path) -> None:
    r = run(db, "synthesize", "--format", "json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output) == [
        {"story": "osk-dam", "version": 1, "written": True, "items": 2, "change": "first version"}
    ]
    r = run(db, "synthesize", "osk-dam")
    assert r.exit_code == 0 and "0 of 1 brief written" in r.output
    add(db, TEXTS[2:], start=3)
    r = run(db, "synthesize")
    assert r.exit_code == 0 and "1 of 1 brief written" in r.output

    r = run(db, "history", "osk-dam", "--format", "json")
    versions = json.loads(r.output)["versions"]
    assert [v["version"] for v in versions] == [1, 2]
    assert [v["item_count"] for v in versions] == [2, 4]
    assert versions[0]["change_summary"] == "first version"
    assert "source" in versions[1]["change_summary"]
    r = run(db, "history", "osk-dam")
    assert r.exit_code == 0 and "2 versions" in r.output

    r = run(db, "show", "osk-dam")
    assert r.exit_code == 0
    assert r.output.startswith("# ") and "**Version 2**" in r.output and "## Sources" in r.output
    r = run(db, "show", "osk-dam", "--version", "1", "--format", "json")
    assert json.loads(r.output)["version"] == 1
    r = run(db, "show", "osk-dam", "--format", "html")
    assert r.exit_code == 0 and "<html" in r.output.lower()
    # A standalone file: the stylesheet is embedded, not linked to a server path.
    assert "<style>" in r.output and 'rel="stylesheet"' not in r.output

    r = run(db, "diff", "osk-dam", "1", "2")
    assert r.exit_code == 0 and "version 1 → 2" in r.output and "## New sources" in r.output
    r = run(db, "diff", "osk-dam", "1", "2", "--format", "json")
    data = json.loads(r.output)
    assert (data["from_version"], data["to_version"]) == (1, 2) and data["new_sources"]


def test_verify_reports_support_and_fails_on_unsupported(db: Path) -> None:
    assert run(db, "synthesize").exit_code == 0
    r = run(db, "verify", "osk-dam", "--format", "json")
    assert r.exit_code == 0, r.output
    report = json.loads(r.output)
    assert report["dropped"] == 0 and report["kept"] > 0 and report["sections"]
    r = run(db, "verify", "osk-dam")
    assert r.exit_code == 0 and "unsupported" in r.output
    # tamper with the stored item text: the stored brief no longer verifies
    store = open_store(db)
    store.execute("UPDATE items SET text = 'nothing here', title = 'x'")
    store.close()
    r = run(db, "verify", "osk-dam", "--format", "json")
    assert r.exit_code == 1
    assert json.loads(r.output)["dropped"] > 0


def test_timeline(db: Path) -> None:
    add(db, TEXTS[2:], start=3)
    r = run(db, "timeline", "osk-dam", "--max-dates", "2", "--format", "json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert 1 <= len(data["events"]) <= 2
    dates = [e["date"] for e in data["events"]]
    assert dates == sorted(dates)
    assert {s["n"] for s in data["sources"]} == {n for e in data["events"] for n in e["cites"]}
    r = run(db, "timeline", "osk-dam", "--since", "2026-03-05", "--format", "json")
    assert all(e["date"] >= "2026-03-05" for e in json.loads(r.output)["events"])
    r = run(db, "timeline", "osk-dam", "--since", "yesterday")
    assert r.exit_code == 2 and "--since must be a date" in r.output


@pytest.mark.parametrize(
    "args",
    [
        ["show", "nope"],
        ["history", "nope"],
        ["diff", "nope", "1", "2"],
        ["verify", "nope"],
        ["timeline", "nope"],
        ["synthesize", "nope"],
    ],
)
def test_unknown_story_is_a_one_line_error(db: Path, args: list[str]) -> None:
    r = run(db, *args)
    assert r.exit_code != 0
    # show takes a story or an event (REF is looked up as both)
    kind = "story or event" if args[0] == "show" else "story"
    assert r.output.strip() == f"error: no {kind} 'nope'"


def test_missing_version_and_no_brief_errors(db: Path) -> None:
    r = run(db, "show", "osk-dam")
    assert r.exit_code == 1
    assert r.output.strip() == "error: story 'osk-dam' has no brief yet (run: infomachine synthesize osk-dam)"
    assert run(db, "synthesize").exit_code == 0
    r = run(db, "show", "osk-dam", "--version", "7")
    assert r.exit_code == 1 and r.output.strip() == "error: story 'osk-dam' has no version 7"
    r = run(db, "diff", "osk-dam", "1", "9")
    assert r.exit_code == 1 and "version 9" in r.output


def test_llm_options_need_both_values(db: Path) -> None:
    r = run(db, "synthesize", "--llm-model", "some-model")
    assert r.exit_code == 2 and r.output.startswith("error:")


def test_llm_settings_are_read_from_the_environment(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Without flags, [llm] config / INFOMACHINE_LLM_* decide (so `run` and
    # `synthesize` behave alike): half a configuration is refused.
    monkeypatch.setenv("INFOMACHINE_LLM_MODEL", "some-model")
    r = run(db, "synthesize")
    assert r.exit_code == 2 and "base URL" in r.output
    monkeypatch.delenv("INFOMACHINE_LLM_MODEL")
    assert run(db, "synthesize").exit_code == 0


def test_every_command_has_help_with_an_example() -> None:
    for name in ("synthesize", "show", "history", "diff", "verify", "timeline", "demo"):
        r = CliRunner().invoke(cli, [name, "--help"])
        assert r.exit_code == 0 and "Example:" in r.output and f"infomachine {name}" in r.output
