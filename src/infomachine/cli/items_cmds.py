"""Commands over items: ingest, items, search, errors."""

from __future__ import annotations

from itertools import chain

import click
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

from infomachine.cli.context import Context, pass_existing_db, pass_state
from infomachine.cli.output import (
    FORMAT_OPTION,
    Col,
    console,
    day,
    marked,
    print_json,
    print_line,
    print_table,
)
from infomachine.ingest.batch import ingest_records
from infomachine.intake.collect import collect
from infomachine.models import IngestReport
from infomachine.publish.pages import item_summary
from infomachine.wording import plural


@click.command()
@click.argument("targets", nargs=-1, required=True)
@click.option("--story", default=None, help="Pin everything this call ingests into the named story.")
@click.option("--source", default=None, help="Label the items' source (default: the file or feed).")
@click.option(
    "--allow-private/--no-allow-private",
    default=None,
    help="Let URL fetches reach loopback/private addresses (default: [poll] allow_private).",
)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@pass_state
def ingest(
    state: Context,
    targets: tuple[str, ...],
    story: str | None,
    source: str | None,
    allow_private: bool | None,
    fmt: str,
) -> None:
    """Ingest files, directories, feed URLs or page URLs.

    JSONL/JSON item files, RSS/Atom/JSON feeds, HTML pages, Markdown (with
    front matter), text files and OPML subscription lists are recognised.
    Bad documents are reported and recorded; the rest goes in.

    \b
    Example:
      infomachine ingest items.jsonl notes/ https://example.org/feed.xml
      infomachine ingest --story "Open model debate" article.html
    """
    if allow_private is None:
        from infomachine.intake.poll import load_config

        allow_private = load_config().allow_private
    documents = chain.from_iterable(
        collect(t, source, store=state.store, allow_private=allow_private) for t in targets
    )
    with Progress(
        SpinnerColumn(),
        TextColumn("ingesting"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console(err=True),
        transient=True,
        disable=fmt == "json",
    ) as progress:
        task = progress.add_task("ingest", total=None)
        report = ingest_records(
            state.store, documents, story=story, on_progress=lambda n: progress.advance(task, n)
        )
    _print_report(report, fmt)
    if report.failed and not (report.new or report.duplicate or report.near_duplicate):
        raise SystemExit(1)


def _print_report(report: IngestReport, fmt: str) -> None:
    if fmt == "json":
        print_json(report.as_dict())
        return
    out = console()
    out.print(
        f"new {report.new} · duplicate {report.duplicate} · "
        f"near-duplicate {report.near_duplicate} · failed {report.failed}"
    )
    shown = 20
    for label, notes, more in (("[red]failed[/red]", report.problems, "more (infomachine errors)"),
                               ("[yellow]warning[/yellow]", report.warnings, "more warnings")):
        for note in notes[:shown]:
            out.print(f"  {label} {escape(note.origin)}: {escape(note.message)}",
                      markup=True, soft_wrap=True)
        if len(notes) > shown:
            out.print(f"  … and {len(notes) - shown} {more}", markup=False)


@click.command()
@click.option("--story", default=None, help="Only items of this story (id, slug or slug prefix).")
@click.option("--event", default=None, help="Only items of this event (id, slug or slug prefix).")
@click.option("--limit", type=int, default=None, help="At most this many items.")
@FORMAT_OPTION
@pass_existing_db
def items(state: Context, story: str | None, event: str | None, limit: int | None, fmt: str) -> None:
    """List stored items, oldest first, with their event and story.

    \b
    Example:
      infomachine items --limit 10
      infomachine items --story moonshot-and-minimax --format json
      infomachine items --event gemma-4-released
    """
    story_id = state.story(story).id if story else None
    event_id = state.event(event).id if event else None
    rows = state.store.list_items(story_id=story_id, event_id=event_id, limit=limit)
    if fmt == "json":
        print_json([item_summary(i) for i in rows])
        return
    print_table(
        plural(len(rows), "item"),
        [Col("id"), Col("published"), Col("publisher", wrap=True, optional=True), Col("title", wrap=True),
         Col("event", optional=True), Col("story"), Col("dup of")],
        [(i.id, day(i.published), i.publisher, i.title, i.event_id, i.story_id, i.duplicate_of)
         for i in rows],
    )


def _snippet_parts(snippet: str) -> tuple[tuple[str, bool], ...]:
    """Where a snippet's matches are (``Snippet.parts``); other strings: no matches known."""
    from infomachine.models import Snippet

    return snippet.parts if isinstance(snippet, Snippet) else ((snippet, False),)


@click.command()
@click.argument("query")
@click.option("--limit", type=int, default=20, show_default=True)
@FORMAT_OPTION
@pass_existing_db
def search(state: Context, query: str, limit: int, fmt: str) -> None:
    """Full-text search over item titles and text (FTS5 on SQLite, tsvector on PostgreSQL).

    Matched words are bold in the snippet (between « and » when the output
    has no colour, and in JSON).

    \b
    Example:
      infomachine search "open model gap"
      infomachine search "tsunami warning" --format json
    """
    hits = state.store.search(query, limit=limit)
    if fmt == "json":
        print_json([
            {**item_summary(i), "snippet": marked(_snippet_parts(snip), styled=False).plain}
            for i, snip in hits
        ])
        return
    styled = console().color_system is not None
    print_table(
        f"{plural(len(hits), 'result')} for {query!r}",
        [Col("id"), Col("published"), Col("title", wrap=True), Col("snippet", wrap=True)],
        [(i.id, day(i.published), i.title, marked(_snippet_parts(snip), styled=styled))
         for i, snip in hits],
    )


@click.command()
@click.option("--limit", type=int, default=50, show_default=True)
@FORMAT_OPTION
@pass_existing_db
def errors(state: Context, limit: int, fmt: str) -> None:
    """Documents that failed to ingest, newest first.

    \b
    Example:
      infomachine errors --limit 10
    """
    rows = state.store.list_ingest_errors(limit)
    if fmt == "json":
        print_json(rows)
        return
    if not rows:
        print_line("no ingest errors")
        return
    print_table(
        plural(len(rows), "ingest error"),
        [Col("when"), Col("origin", wrap=True), Col("message", wrap=True)],
        [(r["created_at"], r["origin"], r["message"]) for r in rows],
    )


COMMANDS = [ingest, items, search, errors]
