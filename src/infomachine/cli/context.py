"""What every command gets (``Context``), how commands receive it, and story and event lookup.

Commands that only read (``pass_existing_db``) refuse a database file that
does not exist instead of creating an empty one, and a PostgreSQL database
without an infomachine schema instead of migrating it.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

import click

from infomachine.errors import NotFoundError
from infomachine.models import Event, Story
from infomachine.store import DbRef, Store, db_exists, display_db, is_postgres, open_store
from infomachine.text.words import PLAIN_WORD

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T", Story, Event)


class Context:
    """What every command gets: where the database is, opened on first use."""

    def __init__(self, db: DbRef) -> None:
        self.db = db
        self._store: Store | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = open_store(self.db)
        return self._store

    def require_db(self) -> None:
        """For commands that only read: the database must already exist (for
        PostgreSQL: hold an infomachine schema; an empty database is refused, not
        migrated, as a missing SQLite file is refused, not created)."""
        if self._store is not None:
            return
        missing = not db_exists(self.db)
        if not missing and is_postgres(self.db):
            store = open_store(self.db, migrate=False)
            try:
                missing = not store.has_schema()  # type: ignore[attr-defined]
                if not missing and store.pending_migrations():  # type: ignore[attr-defined]
                    store.migrate()  # an older schema is brought up to date, as on SQLite
                # (and an up-to-date one is only read: a read replica serves the web app)
            except BaseException:
                store.close()
                raise
            if missing:
                store.close()
            else:
                self._store = store
        if missing:
            raise NotFoundError(
                f"no database at {display_db(self.db)} (run 'infomachine demo' or 'infomachine ingest' first)"
            )

    def story(self, ref: str) -> Story:
        """``find_story`` in this database."""
        return find_story(self.store, ref)

    def event(self, ref: str) -> Event:
        """``find_event`` in this database."""
        return find_event(self.store, ref)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


def _find(ref: str, get: Callable[[str], T], every: Callable[[], list[T]], noun: str, nouns: str) -> T:
    """``get(ref)``, else the one of ``every()`` whose slug ``ref`` begins; else
    ``NotFoundError`` naming close matches, or what an ambiguous prefix matches."""
    try:
        return get(ref)
    except NotFoundError:
        rows = every()
        prefixed = [r for r in rows if ref and r.slug.startswith(ref.lower())]
        if len(prefixed) == 1:
            return prefixed[0]
        if prefixed:
            slugs = sorted(r.slug for r in prefixed)
            raise NotFoundError(f"{ref!r} matches {len(prefixed)} {nouns}: {_names(slugs)}") from None
        close = _close_stories(ref, rows)
        hint = f" (did you mean: {_names(close)}?)" if close else ""
        raise NotFoundError(f"no {noun} {ref!r}{hint}") from None


def find_story(store: Store, ref: str) -> Story:
    """A story by id, slug, alias or unique slug prefix.

    Otherwise ``NotFoundError`` naming close matches (by slug or title), or the
    stories an ambiguous prefix matches.
    """
    return _find(ref, store.get_story, store.list_stories, "story", "stories")


def find_event(store: Store, ref: str) -> Event:
    """An event by id, slug, alias or unique slug prefix; else ``NotFoundError``
    naming close matches, or the events an ambiguous prefix matches."""
    return _find(ref, store.get_event, store.list_events, "event", "events")


def find_story_or_event(store: Store, ref: str) -> Story | Event:
    """A story (``find_story``), else an event (``find_event``); when neither is
    found, one error naming both (with the close matches of each)."""
    try:
        return find_story(store, ref)
    except NotFoundError as story_error:
        try:
            return find_event(store, ref)
        except NotFoundError as event_error:
            raise NotFoundError(_either(ref, str(story_error), str(event_error))) from None


def _either(ref: str, story_error: str, event_error: str) -> str:
    """``no story or event 'x' (did you mean: a, b?)``, or the more telling of the two messages."""
    plain_story, plain_event = f"no story {ref!r}", f"no event {ref!r}"
    if story_error == plain_story and event_error == plain_event:
        return f"no story or event {ref!r}"
    if story_error == plain_story:
        return event_error
    if event_error == plain_event:
        return story_error
    return f"{story_error}; {event_error}"


def _names(names: Any, most: int = 3) -> str:
    names = list(names)
    return ", ".join(names[:most]) + (f", … ({len(names) - most} more)" if len(names) > most else "")


def _words(text: str) -> list[str]:
    return PLAIN_WORD.findall(text.lower())


def _close_stories(ref: str, stories: list[Story] | list[Event], cutoff: float = 0.75) -> list[str]:
    """Slugs of stories (or events) whose slug or title, or a run of their words as
    long as ``ref``, is close to ``ref`` (best first)."""
    wanted = " ".join(_words(ref))
    if not wanted:
        return []
    n = len(wanted.split())
    scored = []
    for story in stories:
        candidates = {" ".join(_words(story.slug)), " ".join(_words(story.title))}
        for text in (story.slug, story.title):
            words = _words(text)
            candidates.update(" ".join(words[i : i + n]) for i in range(max(1, len(words) - n + 1)))
        score = max(difflib.SequenceMatcher(None, wanted, c).ratio() for c in candidates)
        if score >= cutoff:
            scored.append((-score, story.slug))
    return [slug for _, slug in sorted(scored)]


pass_state = click.make_pass_decorator(Context)


def pass_existing_db(f: Callable[Concatenate[Context, P], R]) -> Callable[P, R]:
    """``pass_state`` for commands that only read: a missing database file is an
    error (``no database at PATH``), not created empty."""

    @functools.wraps(f)
    def run(state: Context, *args: P.args, **kwargs: P.kwargs) -> R:
        state.require_db()
        return f(state, *args, **kwargs)

    return pass_state(run)
