"""Commands over briefs: synthesize, show, history, diff, verify, timeline."""

from __future__ import annotations

from datetime import date
from typing import Any

import click
from rich.text import Text

from infomachine.cli.context import Context, find_story_or_event, pass_existing_db, pass_state
from infomachine.cli.output import Col, print_json, print_line, print_table
from infomachine.errors import InputError, NotFoundError
from infomachine.models import Brief, Event
from infomachine.wording import plural

STORIES = click.argument("stories", nargs=-1)


def _synthesizer(state: Context, base_url: str | None, model: str | None) -> Any:
    """The LLM synthesizer when flags or [llm] config name one, else None (offline)."""
    from infomachine.synth.llm.synthesizer import make_synthesizer

    return make_synthesizer(base_url, model, store=state.store)


@click.command()
@STORIES
@click.option("--force", is_flag=True, help="Write a new version even when nothing changed materially.")
@click.option("--llm-base-url", default=None, help="OpenAI-compatible endpoint for LLM synthesis.")
@click.option("--llm-model", default=None, help="Model name for LLM synthesis.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@pass_state
def synthesize(
    state: Context,
    stories: tuple[str, ...],
    force: bool,
    llm_base_url: str | None,
    llm_model: str | None,
    fmt: str,
) -> None:
    """Build briefs; store a new version only when a story changed materially.

    With no STORY, every story with items is synthesized.

    \b
    Example:
      infomachine synthesize
      infomachine synthesize moonshot-and-minimax --force
      infomachine synthesize --llm-base-url http://127.0.0.1:11434/v1 --llm-model qwen3
    """
    from infomachine.synth.stage import synthesize_all, synthesize_story

    synth = _synthesizer(state, llm_base_url, llm_model)
    store = state.store
    if stories:
        results = []
        for ref in stories:
            story = state.story(ref)
            brief, written = synthesize_story(store, story, synthesizer=synth, force=force)
            results.append((story, brief, written))
    else:
        results = synthesize_all(store, synthesizer=synth, force=force)
    rows: list[dict[str, Any]] = [
        {
            "story": story.slug,
            "version": brief.version,
            "written": written,
            "items": brief.item_count,
            "change": brief.change_summary if written else "unchanged",
        }
        for story, brief, written in results
    ]
    if fmt == "json":
        print_json(rows)
        return
    print_table(
        f"{sum(r['written'] for r in rows)} of {plural(len(rows), 'brief')} written",
        [Col("story"), Col("version", justify="right"), Col("written"),
         Col("items", justify="right"), Col("what changed", wrap=True)],
        [(r["story"], r["version"], "yes" if r["written"] else "no", r["items"], r["change"]) for r in rows],
    )


def _brief(state: Context, ref: str, version: int | None) -> tuple[str, Brief]:
    story = state.story(ref)
    return story.id, _version(state, story.id, story.slug, version)


def _version(state: Context, story_id: str, slug: str, version: int | None) -> Brief:
    try:
        return state.store.get_brief(story_id, version)
    except NotFoundError:
        if version is None:
            raise NotFoundError(
                f"story {slug!r} has no brief yet (run: infomachine synthesize {slug})"
            ) from None
        raise NotFoundError(f"story {slug!r} has no version {version}") from None


def render_html(brief: Brief, versions: list[dict[str, Any]] | None = None) -> str:
    from infomachine.publish import html

    return html.render_brief(brief, versions=versions, standalone=True)


@click.command()
@click.argument("ref", metavar="STORY|EVENT")
@click.option("--version", "version", type=int, default=None, help="Version number (default: latest).")
@click.option("--format", "fmt", type=click.Choice(["md", "html", "json"]), default="md", show_default=True)
@pass_existing_db
def show(state: Context, ref: str, version: int | None, fmt: str) -> None:
    """Print a story's brief (latest version unless --version), or an event.

    REF is looked up as a story first, then as an event.  A story's JSON is
    its brief with an "events" section: the story's events now, in the order
    they happened, each with its items.  An event prints its title, its
    story, its dates and its items.

    \b
    Example:
      infomachine show moonshot-and-minimax-step-up-as-china-s-new-frontier-ai-labs
      infomachine show moonshot-and-minimax --version 2 --format json
      infomachine show gemma-4-released --format json
    """
    from infomachine.publish.pages import event_view, story_events

    found = find_story_or_event(state.store, ref)
    if isinstance(found, Event):
        if version is not None:
            raise InputError(f"{found.slug!r} is an event: --version is for a story's brief")
        _show_event(event_view(state.store, found), fmt)
        return
    brief = _version(state, found.id, found.slug, version)
    if fmt == "json":
        print_json({**brief.model_dump(mode="json"), "events": story_events(state.store, found)})
    elif fmt == "html":
        click.echo(render_html(brief, state.store.list_versions(found.id)))
    else:
        from infomachine.publish.markdown import render_markdown

        click.echo(render_markdown(brief))


def _show_event(view: dict[str, Any], fmt: str) -> None:
    if fmt == "json":
        print_json(view)
    elif fmt == "html":
        from infomachine.publish import html

        click.echo(html.render_event(view, standalone=True))
    else:
        from infomachine.publish.markdown import render_event_markdown

        click.echo(render_event_markdown(view))


@click.command()
@click.argument("story")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@pass_existing_db
def history(state: Context, story: str, fmt: str) -> None:
    """List a story's brief versions: number, time, item count, what changed.

    \b
    Example:
      infomachine history moonshot-and-minimax-step-up-as-china-s-new-frontier-ai-labs
      infomachine history moonshot-and-minimax --format json
    """
    found = state.story(story)
    versions = state.store.list_versions(found.id)
    if fmt == "json":
        print_json({"story": {"id": found.id, "slug": found.slug, "title": found.title}, "versions": versions})
        return
    print_table(
        f"{found.title} · {plural(len(versions), 'version')}",
        [Col("version", justify="right"), Col("generated"), Col("items", justify="right"),
         Col("what changed", wrap=True)],
        [(v["version"], v["generated_at"], v["item_count"], v["change_summary"]) for v in versions],
    )


@click.command()
@click.argument("story")
@click.argument("a", type=int)
@click.argument("b", type=int)
@click.option("--format", "fmt", type=click.Choice(["md", "json"]), default="md", show_default=True)
@pass_existing_db
def diff(state: Context, story: str, a: int, b: int, fmt: str) -> None:
    """What changed between versions A and B of a story's brief.

    Claims added or removed per section, new sources, new or changed
    perspectives, new tensions and timeline events.

    \b
    Example:
      infomachine diff moonshot-and-minimax-step-up-as-china-s-new-frontier-ai-labs 1 5
      infomachine diff moonshot-and-minimax 2 3 --format json
    """
    from infomachine.publish.jsonout import diff_json, diff_markdown
    from infomachine.synth.versions import diff_briefs

    found = state.story(story)
    old = _version(state, found.id, found.slug, a)
    new = _version(state, found.id, found.slug, b)
    result = diff_briefs(old, new)
    click.echo(diff_json(result) if fmt == "json" else diff_markdown(result))


@click.command()
@click.argument("story")
@click.option("--version", "version", type=int, default=None, help="Version number (default: latest).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@pass_existing_db
def verify(state: Context, story: str, version: int | None, fmt: str) -> None:
    """Re-check a stored brief's citations against the stored item texts.

    Every sentence must cite sources of the brief and quote their text, and
    every Timeline date must be stated or implied by the text it cites (row
    ``timeline_dates``).  Exits with status 1 when anything is unsupported.

    \b
    Example:
      infomachine verify moonshot-and-minimax-step-up-as-china-s-new-frontier-ai-labs
      infomachine verify moonshot-and-minimax --format json
    """
    from infomachine.synth.verify import verify_brief
    from infomachine.synth.verify_dates import published_days, verify_dates

    _, brief = _brief(state, story, version)
    items = {i.id: i for i in state.store.get_items(s.item_id for s in brief.sources)}
    texts = {
        s.n: f"{items[s.item_id].title}\n{items[s.item_id].text}" if s.item_id in items else ""
        for s in brief.sources
    }
    checked = brief.model_copy(deep=True)
    report = verify_brief(checked, texts)
    verify_dates(checked, published_days(checked, items.values()), report=report)
    if fmt == "json":
        print_json({"story": brief.story.slug, "version": brief.version, **report.as_dict()})
    else:
        print_table(
            f"{brief.story.title} · version {brief.version} · {report.kept} supported, "
            f"{report.dropped} unsupported",
            [Col("section"), Col("supported", justify="right"), Col("unsupported", justify="right"),
             Col("ratio", justify="right")],
            [(name, s.kept, s.dropped, f"{s.ratio:.0%}") for name, s in report.sections.items()],
        )
        for problem in report.problems[:20]:
            print_line("  ", Text("unsupported", style="red"), " ", problem)
    if report.dropped:
        raise SystemExit(1)


def _date(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise InputError(f"{name} must be a date like 2026-05-01, not {value!r}") from exc


@click.command()
@click.argument("story")
@click.option("--max-dates", type=int, default=10, show_default=True, help="At most K dated events.")
@click.option("--since", default=None, help="Only events on or after this date (YYYY-MM-DD).")
@click.option("--until", default=None, help="Only events on or before this date (YYYY-MM-DD).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@pass_existing_db
def timeline(
    state: Context, story: str, max_dates: int, since: str | None, until: str | None, fmt: str
) -> None:
    """The K most important dated events of a story, oldest first.

    \b
    Example:
      infomachine timeline moonshot-and-minimax-step-up-as-china-s-new-frontier-ai-labs
      infomachine timeline moonshot-and-minimax --max-dates 5 --since 2026-05-01 --format json
    """
    if max_dates < 1:
        raise InputError("--max-dates must be at least 1")
    from infomachine.synth.timeline import select_dates

    found = state.story(story)
    items = state.store.list_items(story_id=found.id)
    events = select_dates(
        items, max_dates=max_dates, since=_date(since, "--since"), until=_date(until, "--until")
    )
    # cites are 1-based positions in ``items``; list the cited ones
    cited = sorted({n for e in events for n in e.cites if 0 < n <= len(items)})
    sources = [
        {"n": n, "item_id": items[n - 1].id, "title": items[n - 1].title, "url": items[n - 1].url,
         "publisher": items[n - 1].publisher}
        for n in cited
    ]
    if fmt == "json":
        print_json(
            {"story": found.slug, "events": [e.model_dump(mode="json") for e in events], "sources": sources}
        )
        return
    print_table(
        f"{found.title} · {plural(len(events), 'date')}",
        [Col("date"), Col("event", wrap=True), Col("cites", wrap=True)],
        [(e.date, e.text, "".join(f"[{n}]" for n in e.cites)) for e in events],
    )
    for src in sources:
        where = src["publisher"] or src["url"]
        print_line(f"  [{src['n']}] {src['title']}" + (f" — {where}" if where else ""))


COMMANDS: list[click.Command] = [synthesize, show, history, diff, verify, timeline]
