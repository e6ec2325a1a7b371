"""Command: copy-db (a whole database, SQLite to PostgreSQL and back)."""

from __future__ import annotations

import click

from infomachine.cli.output import print_json, print_line
from infomachine.errors import NotFoundError
from infomachine.store import db_exists, db_ref, display_db, open_store
from infomachine.store.copy import copy_database
from infomachine.wording import plural


@click.command("copy-db")
@click.argument("source_db")
@click.argument("target_db")
@click.option("--force", is_flag=True,
              help="Empty a target that already holds data, then copy (its contents are lost).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def copy_db(source_db: str, target_db: str, force: bool, fmt: str) -> None:
    """Copy a whole database: items, sources, stories, aliases, brief versions,
    clustering state and the LLM call log, then verify every table (row count and
    checksum) in both.

    SOURCE_DB and TARGET_DB are SQLite files or postgresql:// URLs.  The target
    is created and migrated if needed; one that holds any row is refused
    unless --force.

    \b
    Example:
      infomachine copy-db news.db postgresql://im@db.example/news
      infomachine copy-db postgresql://im@db.example/news backup.db --force
    """
    src_ref, dst_ref = db_ref(source_db), db_ref(target_db)
    if not db_exists(src_ref):
        raise NotFoundError(f"no database at {display_db(src_ref)}")
    source = open_store(src_ref)
    try:
        target = open_store(dst_ref)
        try:
            report = copy_database(source, target, force=force)
        finally:
            target.close()
    finally:
        source.close()
    if fmt == "json":
        print_json(report.as_dict())
        return
    for t in report.tables:
        print_line(f"{t.table:<16} {t.rows:>9}  sha256 {t.checksum[:16]}  ok")
    print_line(f"copied {plural(report.rows, 'row')} from {display_db(src_ref)} to "
               f"{display_db(dst_ref)} in {report.seconds:.1f} s; counts and checksums match")


COMMANDS = [copy_db]
