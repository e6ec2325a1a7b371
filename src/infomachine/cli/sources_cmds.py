"""Commands over sources: add-feed, import-opml, export-opml, sources."""

from __future__ import annotations

from pathlib import Path

import click

from infomachine.cli.context import Context, pass_existing_db, pass_state
from infomachine.cli.output import (
    FORMAT_OPTION,
    Col,
    iso,
    print_json,
    print_line,
    print_table,
)
from infomachine.errors import InputError
from infomachine.intake.safety import check_url
from infomachine.publish.pages import source_view
from infomachine.sources.feeds import feed_source
from infomachine.sources.opml import export_opml as render_opml
from infomachine.sources.opml import import_opml as load_opml
from infomachine.sources.search import SHARE_TERMS
from infomachine.wording import plural


@click.command("add-feed")
@click.argument("url")
@click.option("--name", default=None, help="A name for the feed (default: its URL until polled).")
@click.option("--share-search-terms", is_flag=True, default=False,
              help="Let words of this feed's items go into reactive search queries even when "
                   "it is private (on a non-public network).")
@pass_state
def add_feed(state: Context, url: str, name: str | None, share_search_terms: bool) -> None:
    """Subscribe to a feed (RSS, Atom or JSON Feed); it is polled later.

    \b
    Example:
      infomachine add-feed https://example.org/feed.xml --name "Example News"
    """
    url = url.strip()
    if not url.lower().startswith(("http://", "https://")):
        raise InputError(f"not an http(s) URL: {url}")
    check_url(url, allow_private=True)  # scheme and syntax; addresses are checked when fetched
    existing = {s.url for s in state.store.list_sources()}
    stored = state.store.upsert_source(feed_source(url, name))
    if share_search_terms and not stored.metadata.get(SHARE_TERMS):
        state.store.update_source(stored.id, metadata={**stored.metadata, SHARE_TERMS: True})
    verb = "already subscribed" if url in existing else "added"
    click.echo(f"{verb}: {stored.id} {stored.name or ''} {stored.url}".replace("  ", " "))


@click.command("import-opml")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_state
def import_opml(state: Context, file: Path) -> None:
    """Import feed subscriptions from an OPML file (stored before any polling).

    \b
    Example:
      infomachine import-opml subscriptions.opml
    """
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {file}: {exc.strerror or exc}") from exc
    result = load_opml(state.store, data, str(file))
    click.echo(
        f"imported {plural(len(result.added), 'new feed')}, {len(result.existing)} already present"
    )
    for problem in result.problems:
        click.echo(f"  skipped {problem.origin}: {problem.message}", err=True)


@click.command("export-opml")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="Write to this file (default: standard output).",
)
@pass_existing_db
def export_opml(state: Context, output: Path | None) -> None:
    """Export feed subscriptions as OPML 2.0.

    \b
    Example:
      infomachine export-opml -o subscriptions.opml
    """
    xml = render_opml(state.store.list_sources(kind="feed"))
    if output is None:
        click.echo(xml, nl=False)
        return
    try:
        output.write_text(xml, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write {output}: {exc.strerror or exc}") from exc
    click.echo(f"wrote {output}", err=True)


@click.command("sources")
@click.option("--kind", default=None, help="Only sources of this kind (feed, page, query, file).")
@FORMAT_OPTION
@pass_existing_db
def sources(state: Context, kind: str | None, fmt: str) -> None:
    """List sources and their health: status, last fetch, errors, items.

    \b
    Example:
      infomachine sources --format json
    """
    rows = state.store.list_sources(kind=kind)
    if fmt == "json":
        print_json([source_view(s) for s in rows])
        return
    if not rows:
        print_line("no sources yet (add one with: infomachine add-feed URL)")
        return
    print_table(
        plural(len(rows), "source"),
        [Col("kind"), Col("name", wrap=True), Col("url", wrap=True), Col("status"),
         Col("last fetch"), Col("last status"), Col("errors", justify="right"),
         Col("items", justify="right")],
        [
            (
                s.kind,
                s.name,
                s.url,
                s.status,
                iso(s.last_fetch) or "never",
                s.last_status,
                s.error_count,
                s.item_count,
            )
            for s in rows
        ],
    )


COMMANDS: list[click.Command] = [add_feed, import_opml, export_opml, sources]
