"""CLI: cluster, stories, eval clusters (through click's CliRunner)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from infomachine.cli import cli

ROWS = [
    {"id": "1", "title": "Volcano erupts on Mount Karvel, villages evacuated", "text": "Mount Karvel volcano erupts.", "published": "2024-01-02T10:00:00Z", "story": "v"},
    {"id": "2", "title": "Mount Karvel volcano eruption forces evacuation", "text": "Karvel eruption evacuation.", "published": "2024-01-02T11:00:00Z", "story": "v"},
    {"id": "3", "title": "Zentrix unveils Q9 chip for laptops", "text": "Zentrix Q9 chip laptops.", "published": "2024-01-02T12:00:00Z", "story": "c"},
]


def write(tmp_path: Path) -> Path:
    path = tmp_path / "items.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in ROWS))
    return path


def test_cluster_then_stories_json(tmp_path: Path, db_url: str) -> None:
    runner = CliRunner()
    db = db_url
    assert runner.invoke(cli, ["--db", db, "ingest", str(write(tmp_path))]).exit_code == 0
    out = runner.invoke(cli, ["--db", db, "cluster", "--format", "json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["items"] == 3
    out = runner.invoke(cli, ["--db", db, "stories", "--format", "json"])
    stories = json.loads(out.output)
    assert len(stories) == 2
    assert set(stories[0]) >= {"id", "slug", "title", "item_count", "first_published", "last_published", "updated_at"}
    assert sorted(s["item_count"] for s in stories) == [1, 2]
    table = runner.invoke(cli, ["--db", db, "stories"])
    assert table.exit_code == 0 and "stories" in table.output
    again = runner.invoke(cli, ["--db", db, "cluster"])  # nothing new: both levels say so
    assert again.output.startswith("items 0 · events: 0 new, 0 items joined, 0 merged · "
                                   "stories: 0 new, 0 events joined, 0 merged · followed 0 · ")


def test_eval_clusters_prints_json(tmp_path: Path) -> None:
    out = CliRunner().invoke(cli, ["eval", "clusters", str(write(tmp_path)), "--label-field", "story"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["gold_clusters"] == 2 and data["bcubed"]["f1"] == 1.0
    assert {"precision", "recall", "f1"} <= set(data["pairwise"])


def test_help_has_examples() -> None:
    for args in (["cluster"], ["stories"], ["eval", "clusters"]):
        out = CliRunner().invoke(cli, [*args, "--help"])
        assert out.exit_code == 0 and "Example" in out.output
