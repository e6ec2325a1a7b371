"""Commands over stories and events: cluster, stories, events, eval clusters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from infomachine.cli.context import Context, pass_existing_db, pass_state
from infomachine.cli.output import FORMAT_OPTION, Col, day, print_json, print_table
from infomachine.models import Story
from infomachine.publish.times import rfc3339
from infomachine.wording import plural

THRESHOLD_HELP = (
    "Override [cluster] threshold, for items with a body of at least [cluster] "
    "headline_words (25) words."
)
HEADLINE_THRESHOLD_HELP = (
    "Override [cluster] headline_threshold (0.13), used instead of --threshold for "
    "headline-only items (fewer than headline_words body words)."
)


@click.command()
@click.option("--threshold", type=float, default=None, help=THRESHOLD_HELP)
@click.option("--headline-threshold", type=float, default=None, help=HEADLINE_THRESHOLD_HELP)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@pass_state
def cluster(
    state: Context, threshold: float | None, headline_threshold: float | None, fmt: str
) -> None:
    """Cluster every item not clustered yet into events, and events into stories.

    Items are taken in publication order; each joins the best matching event
    (items reporting one happening) or starts a new one, and each new event
    joins the story (storyline) it belongs to or starts one. Settings come
    from [cluster] in infomachine.toml or INFOMACHINE_CLUSTER_* (see
    docs/clustering.md).

    Two thresholds: an item with fewer than headline_words (25) body words
    (a headline, or a headline and a line) is matched with headline_threshold,
    not threshold, so on headline-only data --threshold changes nothing: use
    --headline-threshold.

    \b
    Example:
      infomachine ingest news.jsonl
      infomachine cluster
      infomachine cluster --threshold 0.25 --headline-threshold 0.1 --format json
    """
    from infomachine.cluster.config import load_config
    from infomachine.cluster.stage import cluster_items

    config = load_config({"threshold": threshold, "headline_threshold": headline_threshold})
    report = cluster_items(state.store, config)
    if fmt == "json":
        print_json(report.as_dict())
        return
    click.echo(
        f"items {report.items} · events: {report.new_events} new, {report.joined} items joined, "
        f"{report.merged} merged · stories: {report.new_stories} new, {report.events_joined} "
        f"events joined, {report.stories_merged} merged · followed {report.followed} · {report.seconds}s"
    )


def story_row(s: Story) -> dict[str, Any]:
    """One story as ``stories --format json`` lists it (and split, merge, follow print it)."""
    return {
        "id": s.id,
        "slug": s.slug,
        "title": s.title,
        "event_count": s.event_count,
        "item_count": s.item_count,
        # RFC 3339 UTC, as items, events and the JSON API give times
        "first_published": rfc3339(s.first_published),
        "last_published": rfc3339(s.last_published),
        "updated_at": rfc3339(s.updated_at),
        "pinned": s.pinned,
        "followed": bool(s.metadata.get("followed")),
    }


@click.command()
@click.option("--limit", type=int, default=None, help="At most this many stories.")
@FORMAT_OPTION
@pass_existing_db
def stories(state: Context, limit: int | None, fmt: str) -> None:
    """List stories, most recently updated first: events, items, first and last dates.

    \b
    Example:
      infomachine stories
      infomachine stories --format json --limit 20
    """
    rows = state.store.list_stories()
    if limit is not None:
        rows = rows[:limit]
    if fmt == "json":
        print_json([story_row(s) for s in rows])
        return
    print_table(
        plural(len(rows), "story", "stories"),
        [Col("id"), Col("slug"), Col("title", wrap=True), Col("events", justify="right"),
         Col("items", justify="right"), Col("first", optional=True), Col("last"),
         Col("updated", optional=True)],
        [
            (s.id, s.slug, s.title, s.event_count, s.item_count, day(s.first_published),
             day(s.last_published), s.updated_at.strftime("%Y-%m-%d %H:%M"))
            for s in rows
        ],
    )


@click.command()
@click.option("--story", default=None, help="Only this story's events, in the order they happened.")
@click.option("--limit", type=int, default=None, help="At most this many events.")
@FORMAT_OPTION
@pass_existing_db
def events(state: Context, story: str | None, limit: int | None, fmt: str) -> None:
    """List events (items reporting one happening) with their story.

    Without --story: every event, most recently updated first; with --story
    (id, slug, alias or slug prefix): that story's events, oldest first.

    \b
    Example:
      infomachine events
      infomachine events --story moonshot-and-minimax --format json
    """
    from infomachine.publish.pages import event_rows

    found = state.story(story) if story else None
    rows = event_rows(state.store, found)
    if limit is not None:
        rows = rows[:limit]
    if fmt == "json":
        print_json(rows)
        return
    title = plural(len(rows), "event") + (f" of {found.slug}" if found else "")
    # with --story every row has the same story: the title names it
    story_col = [] if found else [Col("story")]
    print_table(
        title,
        [Col("id"), Col("slug", optional=True), Col("title", wrap=True), *story_col,
         Col("items", justify="right"), Col("first"), Col("last", optional=True)],
        [
            (r["id"], r["slug"], r["title"],
             *([] if found else [r["story_slug"] or r["story_id"] or ""]),
             r["item_count"], day(r["first_published"]), day(r["last_published"]))
            for r in rows
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
@click.option("--label-field", default="story", show_default=True, help="The gold cluster label.")
@click.option(
    "--level", type=click.Choice(["event", "story"]), default="event", show_default=True,
    help="Score the items' events (happenings) or their stories (storylines of events).",
)
@click.option("--threshold", type=float, default=None, help=THRESHOLD_HELP)
@click.option("--headline-threshold", type=float, default=None, help=HEADLINE_THRESHOLD_HELP)
def eval_clusters_cmd(
    file: Path, label_field: str, level: str, threshold: float | None, headline_threshold: float | None
) -> None:
    """Cluster a labelled JSONL file in a temporary database and print scores.

    Prints JSON: B-cubed and pairwise precision/recall/F1, gold and predicted
    cluster counts and seconds taken. Your database is not touched.
    --level event (the default) scores each item's event, --level story its
    story, against the gold label of --label-field.

    Two thresholds: an item with fewer than headline_words (25) body words
    (a headline, or a headline and a line) is matched with headline_threshold,
    not threshold, so on headline-only data --threshold changes nothing: use
    --headline-threshold.

    \b
    Example:
      infomachine eval clusters ../shared/data/uci-news-dev.jsonl
      infomachine eval clusters labelled.jsonl --label-field storyline --level story
      infomachine eval clusters labelled.jsonl --headline-threshold 0.15
    """
    from infomachine.cluster.config import load_config
    from infomachine.cluster.evaluate import eval_clusters

    config = load_config({"threshold": threshold, "headline_threshold": headline_threshold})
    print_json(eval_clusters(file, label_field, config, level=level))


COMMANDS: list[click.Command] = [cluster, stories, events, eval_group]
