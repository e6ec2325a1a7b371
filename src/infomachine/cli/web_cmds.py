"""CLI commands (see cli/__init__.py): ``serve`` and ``export``."""

from __future__ import annotations

from pathlib import Path

import click

from infomachine.cli.context import Context, pass_existing_db
from infomachine.store import display_db


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="TCP port.")
@pass_existing_db
def serve_cmd(state: Context, host: str, port: int) -> None:
    """Serve the web UI, Atom feeds and JSON API over the database.

    \b
    Pages: /  /stories/<slug>  /stories/<slug>/history  /items/<id>
           /sources  /search?q=  /feed.atom   JSON under /api/
    \b
    Example:
      infomachine serve
      infomachine --db news.db serve --host 0.0.0.0 --port 8080
    """
    from infomachine.web.app import serve

    click.echo(f"serving {display_db(state.db)} on http://{host}:{port}/ (Ctrl-C to stop)", err=True)
    serve(state.db, host=host, port=port)


@click.command("export")
@click.option(
    "--site",
    "site_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the static site into (created if missing).",
)
@pass_existing_db
def export_cmd(state: Context, site_dir: Path) -> None:
    """Export every story, its history, items, sources and feeds as a static site.

    Links are relative, so the site opens from file:// or any static server.

    \b
    Example:
      infomachine export --site public/
      python -m http.server -d public 8000
    """
    from infomachine.publish.site import export_site

    index = export_site(state.store, site_dir)
    click.echo(str(index))


COMMANDS: list[click.Command] = [serve_cmd, export_cmd]
