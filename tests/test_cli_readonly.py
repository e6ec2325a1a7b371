"""Commands that only read refuse a missing database instead of creating an empty one."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from infomachine.cli import cli

READ_ONLY = [
    ["stories"],
    ["events"],
    ["items", "--event", "x"],
    ["show", "x"],
    ["items"],
    ["search", "x"],
    ["history", "x"],
    ["diff", "x", "1", "2"],
    ["timeline", "x"],
    ["verify", "x"],
    ["serve", "--port", "0"],
    ["export", "--site", "SITE"],
    ["sources"],
    ["errors"],
    ["export-opml"],
    # these change stories, which must already be there
    ["split", "x", "y"],
    ["merge", "x", "y"],
    ["unfollow", "x"],
]


@pytest.mark.parametrize("args", READ_ONLY, ids=lambda a: "-".join(a[:2]))
def test_read_only_commands_refuse_a_missing_database(
    tmp_path: Path, args: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import infomachine.web.app

    def serve(*args: object, **kwargs: object) -> None:
        raise AssertionError("served a database that does not exist")

    monkeypatch.setattr(infomachine.web.app, "serve", serve)  # never blocks, even if reached
    db = tmp_path / "nowhere" / "x.db"
    args = [str(tmp_path / "site") if a == "SITE" else a for a in args]
    r = CliRunner().invoke(cli, ["--db", str(db), *args])
    assert r.exit_code == 1, r.output
    assert r.output == (
        f"error: no database at {db} (run 'infomachine demo' or 'infomachine ingest' first)\n"
    )
    assert not db.parent.exists() and not (tmp_path / "site").exists()


def test_missing_database_from_the_environment(tmp_path: Path) -> None:
    db = tmp_path / "env.db"
    r = CliRunner().invoke(cli, ["stories"], env={"INFOMACHINE_DB": str(db)})
    assert r.exit_code == 1 and f"no database at {db} " in r.output and not db.exists()


def test_help_needs_no_database(tmp_path: Path) -> None:
    r = CliRunner().invoke(cli, ["--db", str(tmp_path / "x.db"), "stories", "--help"])
    assert r.exit_code == 0 and "Example" in r.output and not (tmp_path / "x.db").exists()


def test_writing_commands_still_create_the_database(tmp_path: Path) -> None:
    runner = CliRunner()
    db = tmp_path / "new" / "x.db"
    r = runner.invoke(cli, ["--db", str(db), "add-feed", "https://example.org/feed.xml"])
    assert r.exit_code == 0, r.output
    assert db.exists()
    db2 = tmp_path / "c.db"
    assert runner.invoke(cli, ["--db", str(db2), "cluster"]).exit_code == 0 and db2.exists()
    r = runner.invoke(cli, ["--db", str(db2), "stories"])
    assert r.exit_code == 0 and "0 stories" in r.output
