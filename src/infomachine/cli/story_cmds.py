"""Commands over stories: cluster, stories, eval clusters."""

from __future__ import annotations

from pathlib import Path

import click

from infomachine.cli import Context, pass_state
from infomachine.cli.output import FORMAT_OPTION, iso, print_json, print_table


@click.command()
@click.option("--threshold", type=float, default=None, help="Override [cluster] threshold.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@pass_state
def cluster(state: Context, threshold: float | None, fmt: str) -> None:
    """Cluster every item not clustered yet into stories.

    Items are taken in publication order; each joins the best matching story
    or starts a new one. Settings come from [cluster] in infomachine.toml or
    INFOMACHINE_CLUSTER_* (see docs/clustering.md).

    \b
    Example:
      infomachine ingest news.jsonl
      infomachine cluster
      INFOMACHINE_CLUSTER_THRESHOLD=0.2 infomachine cluster --format json
    """
    from infomachine.cluster import cluster_items, load_config

    report = cluster_items(state.store, load_config({"threshold": threshold}))
    if fmt == "json":
        print_json(report.as_dict())
        return
    click.echo(
        f"items {report.items} · joined {report.joined} · new stories {report.new_stories} · "
        f"merged {report.merged} · followed {report.followed} · {report.seconds}s"
    )


@click.command()
@click.option("--limit", type=int, default=None, help="At most this many stories.")
@FORMAT_OPTION
@pass_state
def stories(state: Context, limit: int | None, fmt: str) -> None:
    """List stories, most recently updated first.

    \b
    Example:
      infomachine stories
      infomachine stories --format json --limit 20
    """
    rows = state.store.list_stories()
    if limit is not None:
        rows = rows[:limit]
    data = [
        {
            "id": s.id,
            "slug": s.slug,
            "title": s.title,
            "item_count": s.item_count,
            "first_published": iso(s.first_published),
            "last_published": iso(s.last_published),
            "updated_at": iso(s.updated_at),
            "pinned": s.pinned,
        }
        for s in rows
    ]
    if fmt == "json":
        print_json(data)
        return
    print_table(
        f"{len(data)} stories",
        ["id", "slug", "title", "items", "first", "last", "updated"],
        [
            (d["id"], d["slug"], str(d["title"])[:70], d["item_count"], d["first_published"],
             d["last_published"], d["updated_at"])
            for d in data
        ],
    )


@click.group(name="eval")
def eval_group() -> None:
    """Measure pipeline stages against labelled data.

    \b
    Example:
      infomachine eval clusters labelled.jsonl --label-field story
    """


@eval_group.command(name="clusters")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--label-field", default="story", show_default=True, help="The gold story label.")
@click.option("--threshold", type=float, default=None, help="Override [cluster] threshold.")
def eval_clusters_cmd(file: Path, label_field: str, threshold: float | None) -> None:
    """Cluster a labelled JSONL file in a temporary database and print scores.

    Prints JSON: B-cubed and pairwise precision/recall/F1, gold and predicted
    cluster counts and seconds taken. Your database is not touched.

    \b
    Example:
      infomachine eval clusters ../shared/data/uci-news-dev.jsonl
    """
    from infomachine.cluster import load_config
    from infomachine.evaluate import eval_clusters

    print_json(eval_clusters(file, label_field, load_config({"threshold": threshold})))


COMMANDS: list[click.Command] = [cluster, stories, eval_group]
