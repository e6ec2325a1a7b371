"""Commands that shape storylines: split, merge, follow, unfollow.

Thin: each resolves its references (ids, slugs, aliases or unique slug
prefixes, with "did you mean" on a miss) and calls ``cluster.storylines``,
whose errors (``InfomachineError``) the CLI group prints as one line.
"""

from __future__ import annotations

import click

from infomachine.cli.context import Context, pass_existing_db, pass_state
from infomachine.cli.output import FORMAT_OPTION, Col, print_json, print_line, print_table
from infomachine.cli.story_cmds import story_row
from infomachine.errors import InputError
from infomachine.publish.pages import source_view
from infomachine.wording import plural


def _counts(story_id: str, state: Context) -> str:
    story = state.store.get_story(story_id)
    return f"{plural(story.event_count, 'event')}, {plural(story.item_count, 'item')}"


@click.command()
@click.argument("story")
@click.argument("events", nargs=-1, required=True)
@click.option("--title", default=None, help="Title of the new story (default: from its events).")
@FORMAT_OPTION
@pass_existing_db
def split(state: Context, story: str, events: tuple[str, ...], title: str | None, fmt: str) -> None:
    """Move EVENTS out of STORY into a new story of their own.

    For a story that wrongly joined two storylines.  The split is remembered:
    the clusterer never puts those events back together.  EVENT is an event
    id, slug or slug prefix (see 'infomachine events --story STORY').

    \b
    Example:
      infomachine split open-model-wave deepseek-v3-evaluation --title "DeepSeek V3 evaluation"
      infomachine split s-3f2a9c01d4e5 e-1a2b3c4d5e6f e-6f5e4d3c2b1a --format json
    """
    from infomachine.cluster.storylines import split_story

    found = state.story(story)
    event_ids = [state.event(ref).id for ref in events]  # prefixes and "did you mean" here
    new = split_story(state.store, found.id, list(dict.fromkeys(event_ids)), title=title)
    old, new = state.store.get_story(found.id), state.store.get_story(new.id)
    if fmt == "json":
        print_json({"from": story_row(old), "story": story_row(new)})
        return
    print_line(f"split {plural(len(set(event_ids)), 'event')} of {old.slug} into new story {new.slug} ({new.id})")
    print_line(f"  {new.slug}: {_counts(new.id, state)}")
    print_line(f"  {old.slug}: {_counts(old.id, state)}")


@click.command()
@click.argument("source")
@click.argument("target")
@FORMAT_OPTION
@pass_existing_db
def merge(state: Context, source: str, target: str, fmt: str) -> None:
    """Fold story SOURCE into story TARGET.

    SOURCE's events and items move to TARGET; SOURCE's id and slug stay as
    aliases of TARGET, so old links and commands keep working.

    \b
    Example:
      infomachine merge gemma-4-relicensed open-model-wave
    """
    from infomachine.cluster.storylines import merge_story

    src, dst = state.story(source), state.story(target)
    if src.id == dst.id:
        raise InputError(f"{source!r} and {target!r} are the same story ({src.slug})")
    survivor = merge_story(state.store, src.id, dst.id)
    survivor = state.store.get_story(survivor.id)
    if fmt == "json":
        print_json({"merged": {"id": src.id, "slug": src.slug, "title": src.title},
                    "story": story_row(survivor),
                    "aliases": state.store.story_aliases(survivor.id)})
        return
    print_line(f"merged {src.slug} into {survivor.slug}: {_counts(survivor.id, state)}")
    print_line(f"  {src.slug} and {src.id} now lead to {survivor.slug}")


@click.command()
@click.argument("description")
@click.option("--terms", "terms", multiple=True,
              help="A search term for the story's reactive feeds (repeatable).")
@click.option("--entity", "entities", multiple=True,
              help="A person, organisation or thing the story is about (repeatable).")
@FORMAT_OPTION
@pass_state
def follow(
    state: Context, description: str, terms: tuple[str, ...], entities: tuple[str, ...], fmt: str
) -> None:
    """Follow a topic: a story made from your DESCRIPTION, fed by reactive searches.

    Creates the story and its reactive search sources ('reactive:<slug>',
    polled by 'infomachine run'); events that match it join it as they
    arrive.  'infomachine unfollow STORY' ends it.

    \b
    Example:
      infomachine follow "Open-weight model releases and the capability gap" \\
        --terms "open-weight model" --entity "Epoch AI" --entity CAISI
    """
    from infomachine.cluster.storylines import follow_topic

    story, sources = follow_topic(state.store, description, terms=terms, entities=entities)
    if fmt == "json":
        print_json({"story": story_row(state.store.get_story(story.id)),
                    "sources": [source_view(s) for s in sources]})
        return
    print_line(f"following {story.slug} ({story.id}) with "
               f"{plural(len(sources), 'reactive search source')}")
    if sources:
        print_table(None, [Col("id"), Col("kind"), Col("name", wrap=True), Col("url", wrap=True)],
                    [(s.id, s.kind, s.name, s.url) for s in sources])


@click.command()
@click.argument("story")
@FORMAT_OPTION
@pass_existing_db
def unfollow(state: Context, story: str, fmt: str) -> None:
    """Stop following STORY: its reactive search sources are removed.

    The story, its events and items stay.

    \b
    Example:
      infomachine unfollow open-weight-model-releases
    """
    from infomachine.cluster.storylines import unfollow as end_follow

    found = state.story(story)
    ended, removed = end_follow(state.store, found.id)
    if fmt == "json":
        print_json({"story": story_row(state.store.get_story(ended.id)), "sources_removed": removed})
        return
    print_line(f"stopped following {ended.slug}: {plural(removed, 'reactive search source')} removed")


COMMANDS: list[click.Command] = [split, merge, follow, unfollow]
