"""Commands: worker (one of many processes sharing a PostgreSQL database) and
workers (who is alive, what each holds)."""

from __future__ import annotations

import logging

import click
from rich.text import Text

from infomachine.cli.context import Context, pass_state
from infomachine.cli.output import console, print_json, print_line
from infomachine.errors import InfomachineError
from infomachine.intake.poll import Poller
from infomachine.intake.poll import load_config as load_poll_config
from infomachine.run.runner import StopFlag
from infomachine.run.runner import load_config as load_run_config
from infomachine.wording import plural


@click.command()
@click.option("--once", is_flag=True, help="Drain what is due now, then exit.")
@click.option("--idle", type=float, default=5.0, show_default=True,
              help="Seconds to wait when there is nothing to do.")
@click.option("--lease", "lease_seconds", type=float, default=300.0, show_default=True,
              help="Seconds a task stays leased; a task a dead worker held is redone after this.")
@click.option("--batch", type=int, default=10, show_default=True, help="Sources leased at a time.")
@click.option("--allow-private", is_flag=True, default=None,
              help="Allow fetching private/loopback addresses (intranets, tests).")
@click.option("--webhook", default=None, help="POST a JSON summary of each new brief version here.")
@click.option("--site-dir", default=None, help="Where to export the static site (default ./site).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("-q", "--quiet", is_flag=True, help="Only the final summary.")
@pass_state
def worker(state: Context, once: bool, idle: float, lease_seconds: float, batch: int,
           allow_private: bool | None, webhook: str | None, site_dir: str | None,
           fmt: str, quiet: bool) -> None:
    """Take work from a shared PostgreSQL database: poll due sources, cluster
    (one worker at a time), synthesize stories whose items changed, publish.

    Start any number, on one machine or many, against the same --db.  A
    worker killed mid-task loses nothing: another redoes the task once its
    lease (--lease seconds) runs out.  If the database goes away (a
    restart), the worker says so in one line on stderr, retries with backoff
    (1, 2, 4 ... 30 s) and carries on when it is back.  With SQLite, run one process instead
    (infomachine run).

    \b
    Example:
      infomachine --db postgresql://im@db.example/news worker
      infomachine --db postgresql://im@db.example/news worker --once
    """
    from infomachine.run.worker import Worker

    poll_cfg = load_poll_config({"allow_private": allow_private or None})
    run_cfg = load_run_config({"webhook": webhook, "site_dir": site_dir})
    out = console(err=fmt == "json")
    logging.getLogger("infomachine.run.worker").setLevel(logging.INFO)

    def on_event(stage: str, message: str) -> None:
        if not quiet:
            out.print(Text.assemble((f"{stage:>10}", "dim"), " ", message), soft_wrap=True)

    def on_warning(stage: str, message: str) -> None:  # even with -q: the worker is waiting
        click.echo(f"worker: {message}", err=True)

    stop = StopFlag()
    with Poller(poll_cfg) as poller:
        w = Worker(state.store, poller, run_cfg, lease_seconds=lease_seconds, batch=batch,
                   on_event=on_event, stop=stop, on_warning=on_warning)
        total = w.run(once=once, idle=idle)
    if fmt == "json":
        print_json({"worker": w.id, **total.as_dict()})
    else:
        out.print(Text(
            f"worker {w.id}: {total.polled} polled, {plural(total.new_items, 'new item')}, "
            f"{total.clustered} clustered, {plural(len(total.new_versions), 'new brief version')}, "
            f"{plural(total.webhooks_sent, 'webhook')} sent"
            + (f", {plural(len(total.errors), 'error')}" if total.errors else "")), soft_wrap=True)
    if once and total.errors:
        raise SystemExit(1)


@click.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@pass_state
def workers(state: Context, fmt: str) -> None:
    """Show the workers sharing this database, the leases they hold, who
    clusters and exports the site, and what is waiting to be published.

    \b
    Example:
      infomachine --db postgresql://im@db.example/news workers
    """
    from infomachine.store.postgres.store import PostgresStore
    from infomachine.store.postgres.work import work_status

    store = state.store
    if not isinstance(store, PostgresStore):
        raise InfomachineError("workers share a PostgreSQL database: use --db postgresql://...")
    status = work_status(store)
    if fmt == "json":
        print_json(status)
        return
    print_line(f"{plural(len(status['workers']), 'worker')}")
    for w in status["workers"]:
        print_line(f"  {w['id']}  heartbeat {w['heartbeat']}  {w['doing']}")
    for lock in status["locks"]:
        print_line(f"  {lock['lock']}: held by {lock['holder']}")
    print_line(f"{plural(len(status['leases']), 'lease')}")
    for lease in status["leases"]:
        print_line(f"  {lease['kind']} {lease['key']}  {lease['worker']}  until {lease['deadline']}"
                   + ("  (expired)" if lease["expired"] else ""))
    o = status["outbox"]
    print_line(f"outbox: {o['webhooks_pending']} webhooks, {o['site_pending']} site updates pending")


COMMANDS = [worker, workers]
