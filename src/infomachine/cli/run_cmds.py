"""Commands: run (the watch loop), add-query, pause, resume, remove."""

from __future__ import annotations

import logging

import click
from rich.text import Text

from infomachine.cli.context import Context, pass_state
from infomachine.cli.output import console, print_json
from infomachine.intake.poll import Poller
from infomachine.intake.poll import load_config as load_poll_config
from infomachine.models import Source
from infomachine.run.runner import CycleReport, Runner, StopFlag, run_loop
from infomachine.run.runner import load_config as load_run_config
from infomachine.sources.search import PROVIDERS, add_query
from infomachine.sources.search import load_config as load_queries_config
from infomachine.wording import plural


@click.command()
@click.option("--once", is_flag=True, help="Run one cycle and exit.")
@click.option("--interval", type=float, default=None, help="Seconds between cycles (default [run] interval, 300).")
@click.option("--allow-private", is_flag=True, default=None,
              help="Allow fetching private/loopback addresses (intranets, tests).")
@click.option("--webhook", default=None, help="POST a JSON summary of each new brief version here.")
@click.option("--site-dir", default=None, help="Where to export the static site (default ./site).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              help="text: progress for people; json: one report per cycle.")
@click.option("-q", "--quiet", is_flag=True, help="Only the per-cycle summary.")
@pass_state
def run(state: Context, once: bool, interval: float | None, allow_private: bool | None,
        webhook: str | None, site_dir: str | None, fmt: str, quiet: bool) -> None:
    """Watch sources: poll what is due, ingest, cluster, synthesize, publish.

    Repeats every INTERVAL seconds until Ctrl-C or SIGTERM (the current batch
    finishes first, then it exits cleanly).  A stage that fails is reported
    and the loop goes on; with --once the exit status is then 1.

    \b
    Example:
      infomachine run --once
      infomachine run --interval 600 --webhook https://hooks.example.org/briefs
    """
    poll_cfg = load_poll_config({"allow_private": allow_private or None})
    run_cfg = load_run_config({"webhook": webhook, "site_dir": site_dir, "interval": interval})
    out = console(err=fmt == "json")
    logging.getLogger("infomachine.run.runner").setLevel(logging.INFO)

    def on_event(stage: str, message: str) -> None:
        if not quiet:  # messages carry titles, URLs and errors: never markup
            out.print(Text.assemble((f"{stage:>10}", "dim"), " ", message), soft_wrap=True)

    def on_cycle(report: CycleReport) -> None:
        if fmt == "json":
            print_json(report.as_dict())
            return
        p = report.poll
        out.print(Text.assemble(
            ("cycle", "bold"),
            f" {report.seconds:.1f}s: {p.fetched} fetched, {plural(p.new_items, 'new item')}, "
            f"{report.clustered} clustered, {plural(len(report.new_versions), 'new brief version')}"
            + (f", {plural(len(report.errors), 'error')}" if report.errors else ""),
        ), soft_wrap=True)

    stop = StopFlag()
    with Poller(poll_cfg) as poller:
        runner = Runner(state.store, poller, run_cfg, queries=load_queries_config(),
                        on_event=on_event, stop=stop)
        reports = run_loop(runner, once=once, interval=interval, on_cycle=on_cycle)
    if stop.stopped and fmt == "text":
        out.print("stopped")
    if once and reports and reports[-1].errors:
        raise SystemExit(1)


@click.command("add-query")
@click.argument("text")
@click.option("--provider", "-p", default="hn", show_default=True,
              type=click.Choice(sorted(PROVIDERS)), help="Search provider.")
@click.option("--template", default=None, help="URL with {query}, for --provider template.")
@pass_state
def add_query_cmd(state: Context, text: str, provider: str, template: str | None) -> None:
    """Add a search feed: TEXT run against a search provider, polled like a feed.

    \b
    Example:
      infomachine add-query "open weights model" --provider hn
      infomachine add-query "lithium" --provider template --template "https://example.org/search.rss?q={query}"
    """
    src = add_query(state.store, text, provider, template=template)
    click.echo(f"{src.id}\t{src.url}")


def _set_status(state: Context, ref: str, status: str) -> Source:
    src = state.store.get_source(ref)
    fields: dict[str, object] = {"status": status}
    if status == "active":
        meta = {k: v for k, v in src.metadata.items() if k != "paused_reason"}
        fields.update(error_count=0, last_error=None, next_poll=None, metadata=meta)
    state.store.update_source(src.id, **fields)
    return src


@click.command()
@click.argument("source")
@pass_state
def pause(state: Context, source: str) -> None:
    """Stop polling SOURCE (id, URL or name) until it is resumed.

    \b
    Example:
      infomachine pause feed-1a2b3c4d5e6f
    """
    src = _set_status(state, source, "paused")
    click.echo(f"paused {src.id}")


@click.command()
@click.argument("source")
@pass_state
def resume(state: Context, source: str) -> None:
    """Poll SOURCE again (now), resetting its error count.

    \b
    Example:
      infomachine resume https://example.org/feed.xml
    """
    src = _set_status(state, source, "active")
    click.echo(f"resumed {src.id}")


@click.command()
@click.argument("source")
@pass_state
def remove(state: Context, source: str) -> None:
    """Remove SOURCE (its items stay).

    \b
    Example:
      infomachine remove query-0123456789ab
    """
    src = state.store.get_source(source)
    state.store.delete_source(src.id)
    click.echo(f"removed {src.id}")


COMMANDS: list[click.Command] = [run, add_query_cmd, pause, resume, remove]
