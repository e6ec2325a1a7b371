"""Runs the brief stages for a story: load -> synthesize -> evolve -> version.

Thin on purpose: each stage lives in its own module (``synth.*`` builds and
verifies the brief, ``verify_dates`` checks every timeline date against the
text it cites, ``versions`` decides materiality and evolution, the store
keeps the versions).  A new version is written only when the brief changed
materially (or ``force``); stored versions are never edited.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from infomachine.errors import InfomachineError, SynthesisError
from infomachine.models import Brief, Item, Story
from infomachine.provenance import found_via_label
from infomachine.store import Store
from infomachine.synth.diffs import change_summary, version_changes
from infomachine.synth.evolution import apply_evolution
from infomachine.synth.verify_dates import published_days, verify_dates
from infomachine.synth.versions import diff_briefs, is_material_change

HISTORY_DEPTH = 20  # earlier versions consulted for evolution


class Synthesizer(Protocol):
    """What every synthesizer is: story and items (and the previous version,
    for incremental updates) in, a verified ``Brief`` out."""

    def __call__(
        self,
        story: Story,
        items: list[Item],
        *,
        found_via: dict[str, str] | None = None,
        now: datetime | None = None,
        previous: Brief | None = None,
    ) -> Brief: ...


def default_synthesizer() -> Synthesizer:
    """The offline extractive synthesizer."""
    from infomachine.synth.extractive import synthesize

    return synthesize


def found_via_map(items: list[Item]) -> dict[str, str]:
    out = {}
    for item in items:
        label = found_via_label(item)
        if label:
            out[item.id] = label
    return out


def story_history(store: Store, story_id: str, depth: int = HISTORY_DEPTH) -> list[Brief]:
    """The story's stored versions, oldest first (at most the last ``depth``)."""
    numbers = [v["version"] for v in store.list_versions(story_id)][-depth:]
    return [store.get_brief(story_id, n) for n in numbers]


def synthesize_story(
    store: Store,
    story_ref: str | Story,
    *,
    synthesizer: Synthesizer | None = None,
    force: bool = False,
    now: datetime | None = None,
) -> tuple[Brief, bool]:
    """Build the story's brief; store it as a new version when material.

    Returns ``(brief, written)``: the new version when written, else the
    latest stored version unchanged.
    """
    story = story_ref if isinstance(story_ref, Story) else store.get_story(story_ref)
    all_items = store.list_items(story_id=story.id)
    if not all_items:
        raise SynthesisError(f"story {story.slug!r} has no items")
    items = [i for i in all_items if not i.duplicate_of]
    via = found_via_map(all_items)
    history = story_history(store, story.id)
    latest = history[-1] if history else None
    synth = synthesizer or default_synthesizer()
    brief = synth(story, items, found_via=via, now=now, previous=latest)
    for ref in brief.sources:  # plumb the feed label even if the synthesizer ignored it
        if ref.found_via is None and ref.item_id in via:
            ref.found_via = via[ref.item_id]
    brief.item_count = len(all_items)
    # every synthesizer's timeline: each date stated or implied by the text it cites
    verify_dates(brief, published_days(brief, items))

    if latest is not None and not force and not is_material_change(latest, brief):
        return latest, False
    brief.version = (latest.version if latest else 0) + 1
    apply_evolution(brief, history)
    diff = diff_briefs(latest, brief) if latest else None
    brief.change_summary = change_summary(diff)
    brief.changes = version_changes(diff)
    store.save_brief(story.id, brief)
    return brief, True


@dataclass
class StoryFailure:
    """A story whose brief could not be built in ``synthesize_all``."""

    story: Story
    error: Exception

    @property
    def message(self) -> str:
        text = str(self.error) or type(self.error).__name__
        return text if isinstance(self.error, InfomachineError) else f"{type(self.error).__name__}: {text}"


class SynthesisResults(list[tuple[Story, Brief, bool]]):
    """``(story, brief, written)`` per story that was synthesized, plus ``errors``."""

    def __init__(self) -> None:
        super().__init__()
        self.errors: list[StoryFailure] = []


def synthesize_all(
    store: Store,
    *,
    synthesizer: Synthesizer | None = None,
    force: bool = False,
    now: datetime | None = None,
    on_story: Callable[[Story, Brief, bool], Any] | None = None,
    on_error: Callable[[StoryFailure], Any] | None = None,
) -> SynthesisResults:
    """``synthesize_story`` for every story that has items.

    One story failing (a ``SynthesisError`` from the synthesizer, a story left
    without items, a bug in a synthesizer) does not stop the others: it is
    recorded in ``results.errors`` (and passed to ``on_error``), its stored
    versions stay as they were, and the next story is synthesized.
    """
    results = SynthesisResults()
    synth = synthesizer or default_synthesizer()
    for story in store.list_stories():
        if not story.item_count:
            continue
        try:
            brief, written = synthesize_story(store, story, synthesizer=synth, force=force, now=now)
        except Exception as exc:  # noqa: BLE001 - one story never stops the others
            failure = StoryFailure(story, exc)
            results.errors.append(failure)
            if on_error:
                on_error(failure)
            continue
        results.append((story, brief, written))
        if on_story:
            on_story(story, brief, written)
    return results
