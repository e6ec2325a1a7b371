"""The ``infomachine`` command: one click group, thin commands.

Library errors (``InfomachineError``) become one-line messages on stderr and a
non-zero exit status; users never see a traceback.  Commands that only read
(``pass_existing_db``) refuse a database file that does not exist instead of
creating an empty one.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from infomachine import __version__
from infomachine.cli.context import Context
from infomachine.errors import BackendError, InfomachineError
from infomachine.store import db_ref, default_db


class Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BackendError as exc:  # the database itself, e.g. "database is locked" after the busy timeout
            click.echo(f"error: database: {exc}", err=True)
            sys.exit(exc.exit_code)
        except InfomachineError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except OSError as exc:
            where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
            click.echo(f"error:{where}: {exc.strerror or exc}", err=True)
            sys.exit(1)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    type=str,
    envvar="INFOMACHINE_DB",
    default=None,
    help="SQLite database file, or a postgresql:// URL "
    "(default ./infomachine.db, or $INFOMACHINE_DB).",
)
@click.version_option(__version__, prog_name="infomachine")
@click.pass_context
def cli(ctx: click.Context, db: str | None) -> None:
    """The Information Machine: watch sources, cluster items into stories and
    keep a living, versioned, cited brief for each.

    \b
    Example:
      infomachine ingest news.jsonl feeds.opml https://example.org/feed.xml
      infomachine items --format json
    """
    state = Context(db_ref(db) if db else default_db())
    ctx.obj = state
    ctx.call_on_close(state.close)


def main() -> None:
    try:
        cli(prog_name="infomachine")
    except BrokenPipeError:  # e.g. `infomachine stories | head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)


def _register() -> None:
    from infomachine.cli import (
        brief_cmds,
        copy_cmds,
        demo_cmds,
        items_cmds,
        run_cmds,
        sources_cmds,
        story_cmds,
        storyline_cmds,
        web_cmds,
        worker_cmds,
    )

    for module in (
        items_cmds, sources_cmds, story_cmds, storyline_cmds, brief_cmds, demo_cmds, web_cmds, run_cmds, copy_cmds,
        worker_cmds,
    ):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()
