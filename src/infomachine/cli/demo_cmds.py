"""``infomachine demo``: build the demo from the bundled corpus, print what it made, serve it."""

from __future__ import annotations

from pathlib import Path

import click

from infomachine.cli.output import Col, print_line, print_table
from infomachine.demo import DemoResult
from infomachine.wording import plural


@click.command()
@click.option(
    "--dir", "directory", type=click.Path(file_okay=False, path_type=Path), default=Path("demo"),
    show_default=True,
    help="Where to build the demo database and site (a previous demo there is replaced).",
)
@click.option(
    "--force", is_flag=True,
    help="Replace DIR/infomachine.db even when it is not a demo database.",
)
@click.option("--serve", is_flag=True, help="Serve the site on http://127.0.0.1:8000 afterwards.")
def demo(directory: Path, force: bool, serve: bool) -> None:
    """Build a demo from the bundled corpus: stories, brief versions and a site.

    Replays the bundled items in publication order, in batches, clustering and
    synthesizing after each, so the main story's brief reaches several
    versions with visible Evolution.  No network.

    A previous demo in DIR is replaced; any other database at
    DIR/infomachine.db is left alone (exit 1) unless --force.

    \b
    Example:
      infomachine demo --dir /tmp/infomachine-demo
      infomachine demo --serve
    """
    from infomachine.demo import run_demo

    result = run_demo(directory, force=force)
    print_summary(result)
    if serve:
        serve_site(result)


def print_summary(result: DemoResult) -> None:
    print_line(
        f"Demo built in {result.seconds:.1f}s: {plural(result.batches, 'batch', 'batches')} "
        f"replayed (clustered), {plural(result.versions_written, 'brief version')} written."
    )
    print_line(f"  database  {result.db}")
    print_line(f"  markdown  {result.site / 'index.md'}")
    if result.html_index is not None:
        print_line(f"  html      {result.html_index}")
    print_table(
        "stories",
        [Col("title", wrap=True), Col("events"), Col("items"), Col("version"), Col("what changed", wrap=True)],
        [(r["title"], r["events"], r["items"], r["version"], r["changed"]) for r in result.stories],
    )
    first = result.stories[0]["slug"] if result.stories else "STORY"
    # Plain text, never wrapped: the commands are meant to be copied.
    click.echo(
        f"Next: infomachine --db {result.db} history {first}  ·  "
        f"infomachine --db {result.db} diff {first} 1 2"
    )


def serve_site(result: DemoResult, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the demo database with the web app."""
    import uvicorn

    from infomachine.web.app import create_app

    app = create_app(result.db)
    print_line(f"Serving the web app on http://{host}:{port}/ (Ctrl-C to stop)")
    uvicorn.run(app, host=host, port=port, log_level="warning")


COMMANDS: list[click.Command] = [demo]
