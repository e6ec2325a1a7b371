"""The store contract: what every storage backend implements.

Stages never write SQL; they call these methods.  ``SQLiteStore``
(``store/sqlite/``) is the default backend; a PostgreSQL one implements the
same protocols.  ``tests/test_store.py`` checks that ``SQLiteStore``
satisfies ``Store`` and each role, so contract and backend cannot drift.

The contract is split by role; ``Store`` is their union, and what stages
type against:

* ``StoreCore``: transactions, migrations, close;
* ``ItemStore``: items, near-duplicate lookup, full-text search, ingest errors;
* ``SourceStore``: feeds, pages, queries and files being watched;
* ``StoryStore``: stories (storylines), their aliases and merges;
* ``EventStore``: events (items reporting one happening), their story, aliases, merges;
* ``BriefStore``: brief versions (append-only);
* ``ClusterStateStore``: what the clusterer remembers between runs;
* ``LLMCallLog``: the LLM cost log and response cache.

Rules every backend keeps:

* It passes only plain data from ``infomachine.models`` (``Item``, ``Source``,
  ``Story``, ``Brief``, and ``StoryState``, ``PendingItem``, ``DocumentCounts``,
  ``Snippet`` from ``models.store``), dicts and builtins.  This module imports
  nothing from the pipeline stages.
* Its driver's exceptions never leave it: a failure of the database itself
  (locked, read-only, corrupt, disk full) is ``errors.BackendError``, a
  ``StoreError`` whose message is the driver's; an unknown id, slug or
  version is ``NotFoundError``; a schema problem ``MigrationError``.
* ``transaction()`` is one write transaction; a nested call is a savepoint
  (a failing inner block undoes only its own writes).  Methods that write
  open their own transaction, so they join the caller's when there is one.
  One writer at a time; readers may run concurrently.
* Times are timezone-aware UTC, to the second.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol, runtime_checkable

from infomachine.models import (
    Brief,
    DocumentCounts,
    Event,
    Item,
    PendingItem,
    Snippet,
    Source,
    Story,
    StoryState,
)


@runtime_checkable
class StoreCore(Protocol):
    """Transactions, schema migrations, closing."""

    def transaction(self) -> AbstractContextManager[object]:
        """One write transaction (nested: a savepoint); what it yields is the backend's."""
        ...

    def migrate(self) -> list[str]:
        """Apply every migration not yet recorded; return the names applied."""
        ...

    def applied_migrations(self) -> list[str]:
        """Names of the migrations recorded, sorted."""
        ...

    def close(self) -> None:
        ...


@runtime_checkable
class ItemStore(Protocol):
    """Items, their near-duplicate signatures, full-text search and ingest errors."""

    def insert_item(
        self, item: Item, signature: bytes | None = None, bands: Sequence[int] = ()
    ) -> None:
        """Store a new item, with its MinHash signature and LSH band keys if any."""
        ...

    def find_existing(
        self,
        item: Item,
        *,
        use_hash: bool = True,
    ) -> str | None:
        """The id of a stored exact duplicate of ``item``, if any."""
        ...

    def lsh_candidates(self, keys: list[int]) -> list[tuple[str, bytes]]:
        """Items sharing at least one LSH band key, with their signatures."""
        ...

    def get_item(self, item_id: str) -> Item:
        """The item with this id (``NotFoundError`` if none)."""
        ...

    def get_items(self, ids: Iterable[str]) -> list[Item]:
        """Items by id, in the order asked, skipping unknown ids."""
        ...

    def list_items(
        self,
        *,
        story_id: str | None = None,
        event_id: str | None = None,
        unclustered: bool = False,
        limit: int | None = None,
        offset: int = 0,
        order: str = "published",
    ) -> list[Item]:
        """Items, oldest first by publication (ingestion time when unknown)."""
        ...

    def count_items(self, story_id: str | None = None) -> int:
        ...

    def item_events(self) -> dict[str, str | None]:
        """Every item id with the event it belongs to (None when not yet clustered)."""
        ...

    def item_stories(self) -> dict[str, str | None]:
        """Every item id with the story it belongs to (None when unclustered)."""
        ...

    def recent_item_titles(self, limit: int) -> list[str]:
        """Titles of the ``limit`` most recently stored items, newest first (none empty)."""
        ...

    def set_item_story(self, item_ids: Iterable[str], story_id: str | None) -> None:
        ...

    def pin_item(self, item_id: str, story_id: str) -> None:
        """Pin an item, and the near-duplicates that follow it, into a story."""
        ...

    def merge_item_metadata(self, item_id: str, extra: dict[str, Any]) -> None:
        """Add keys to an item's metadata (e.g. another feed that found it)."""
        ...

    def search(self, query: str, *, limit: int = 20) -> list[tuple[Item, Snippet]]:
        """Full-text search, best first: items with a ``Snippet`` of the match."""
        ...

    def record_ingest_error(self, origin: str, message: str, source: str | None = None) -> None:
        """Remember a document that could not be ingested (message cut to 2,000 characters)."""
        ...

    def list_ingest_errors(self, limit: int = 100) -> list[dict[str, Any]]:
        """Newest first: dicts of ``origin``, ``message``, ``source``, ``created_at``."""
        ...


@runtime_checkable
class SourceStore(Protocol):
    """Feeds, pages, search queries and files the engine watches."""

    def upsert_source(self, source: Source) -> Source:
        """Insert a source, or return the existing one with the same URL."""
        ...

    def update_source(self, source_id: str, **fields: Any) -> None:
        """Set columns of a source (times and metadata are converted)."""
        ...

    def get_source(self, ref: str) -> Source:
        """A source by id, URL or name."""
        ...

    def list_sources(self, kind: str | None = None) -> list[Source]:
        """Sources, oldest first, each with its ``item_count``."""
        ...

    def delete_source(self, source_id: str) -> None:
        ...


@runtime_checkable
class StoryStore(Protocol):
    """Stories, their aliases (old ids and slugs) and merges."""

    def create_story(self, story: Story) -> Story:
        ...

    def update_story(self, story_id: str, **fields: Any) -> None:
        ...

    def get_story(self, ref: str) -> Story:
        """A story by id, slug or alias; a merged story resolves to its survivor."""
        ...

    def find_story_by_slug(self, slug: str) -> Story | None:
        ...

    def list_stories(self, *, include_merged: bool = False) -> list[Story]:
        """Stories, most recently updated first, with item counts and dates."""
        ...

    def iter_story_ids(self) -> Iterator[str]:
        """Ids of the stories not merged into another."""
        ...

    def unique_slug(self, base: str) -> str:
        """``base``, or ``base-2``, ``base-3``… whichever is free (aliases too)."""
        ...

    def add_story_alias(self, alias: str, story_id: str) -> None:
        ...

    def story_aliases(self, story_id: str) -> list[str]:
        ...

    def merge_stories(self, source_id: str, target_id: str) -> None:
        """Fold ``source_id`` into ``target_id``: events and items move, old id and slug stay
        as aliases."""
        ...


@runtime_checkable
class EventStore(Protocol):
    """Events: items reporting one happening, each event in one story.

    Event ids, slugs and aliases are a namespace of their own (``get_event``);
    an item's ``story_id`` is always its event's ``story_id`` (``link_events``
    and ``merge_events`` keep them in step), except for an item pinned to a
    story and not yet clustered."""

    def create_event(self, event: Event) -> Event:
        ...

    def update_event(self, event_id: str, **fields: Any) -> None:
        """Set ``slug``, ``title``, ``updated_at``, ``pinned``, ``merged_into``, ``metadata``."""
        ...

    def get_event(self, ref: str) -> Event:
        """An event by id, slug or alias (merged: its survivor), with counts and dates."""
        ...

    def list_events(self, *, story_id: str | None = None, include_merged: bool = False) -> list[Event]:
        """With ``story_id``: that story's events in the order they happened (first
        publication, then id); else all events, most recently updated first."""
        ...

    def unique_event_slug(self, base: str) -> str:
        ...

    def event_exists(self, event_id: str) -> bool:
        ...

    def event_aliases(self, event_id: str) -> list[str]:
        ...

    def set_item_event(self, item_ids: Iterable[str], event_id: str) -> None:
        """Put items in an event (and in the event's story, when it has one)."""
        ...

    def cluster_event_of(self, item_id: str) -> str | None:
        ...

    def link_events(self, event_ids: Iterable[str], story_id: str) -> None:
        """Put events, and all their items, in a story."""
        ...

    def merge_events(self, source_id: str, target_id: str) -> None:
        """Fold ``source_id`` into ``target_id``: items move (to its story too), old id and
        slug stay as aliases."""
        ...

    def unlinked_events(self) -> list[str]:
        """Events not merged away and not yet in a story, oldest first."""
        ...


@runtime_checkable
class BriefStore(Protocol):
    """Brief versions: appended, never edited."""

    def save_brief(self, story_id: str, brief: Brief) -> int:
        """Store ``brief`` as the story's next version; returns its number."""
        ...

    def get_brief(self, story_id: str, version: int | None = None) -> Brief:
        """A stored version (the latest when ``version`` is None)."""
        ...

    def latest_brief(self, story_id: str) -> Brief | None:
        ...

    def list_versions(self, story_id: str) -> list[dict[str, Any]]:
        """Oldest first: dicts of ``version``, ``generated_at``, ``item_count``, ``change_summary``."""
        ...

    def latest_versions(self) -> dict[str, dict[str, Any]]:
        """For every story, its latest version number, time and change summary."""
        ...


@runtime_checkable
class ClusterStateStore(Protocol):
    """What the clusterer remembers between runs (``models.store`` types)."""

    def cluster_pending(self, max_text: int = 4000) -> list[PendingItem]:
        """Items not yet absorbed by the clusterer, in publication order."""
        ...

    def cluster_mark_seen(self, item_ids: Iterable[str]) -> None:
        ...

    def cluster_reset(self) -> None:
        """Forget all clustering state (items keep their stories)."""
        ...

    def cluster_load_df(self) -> tuple[int, dict[str, int]]:
        """``(n_docs, {term: document frequency})``."""
        ...

    def cluster_save_df(self, df: DocumentCounts) -> None:
        """Save ``n_docs`` and the counts of ``df.changed`` terms, then empty ``df.changed``."""
        ...

    def cluster_load_state(self, story_id: str) -> StoryState | None:
        ...

    def cluster_load_states(self, since: float) -> list[StoryState]:
        """States of stories active since ``since`` (epoch seconds), oldest first."""
        ...

    def cluster_save_state(self, st: StoryState) -> None:
        """Save a story's state (all but ``norm``, which the clusterer recomputes)."""
        ...

    def cluster_delete_state(self, story_id: str) -> None:
        ...

    def cluster_story_of(self, item_id: str) -> str | None:
        ...

    def story_exists(self, story_id: str) -> bool:
        ...

    def story_is_pinned(self, story_id: str) -> bool:
        ...

    def storyline_load(self) -> dict[str, Any] | None:
        """The storyline linker's state as saved (``LinkerState.to_plain``), if any."""
        ...

    def storyline_save(self, state: dict[str, Any], items: dict[str, str], urls: dict[str, str]) -> None:
        """Save ``LinkerState.to_saved``: the state but its item and URL maps, which only
        grow, and the entries they gained since the last save."""
        ...


@runtime_checkable
class LLMCallLog(Protocol):
    """Every LLM call with its token counts; the latest answer per request is the cache."""

    def record_llm_call(
        self,
        *,
        request_hash: str,
        model: str,
        prompt_tokens: int,
        completion_tokens: int,
        response: dict[str, Any],
        story_id: str | None = None,
    ) -> None:
        """Log one call (its answer is the cache entry for ``request_hash``)."""
        ...

    def cached_llm_response(self, request_hash: str) -> dict[str, Any] | None:
        """The latest stored answer to a request with this hash, if any."""
        ...

    def llm_usage(self, story_id: str | None = None) -> dict[str, int]:
        """Calls and tokens logged, for one story or in all: ``calls``, ``prompt_tokens``,
        ``completion_tokens``."""
        ...


@runtime_checkable
class Store(
    StoreCore,
    ItemStore,
    SourceStore,
    StoryStore,
    EventStore,
    BriefStore,
    ClusterStateStore,
    LLMCallLog,
    Protocol,
):
    """All persistent state: every role above, in one backend."""


ROLES: tuple[type, ...] = (
    StoreCore,
    ItemStore,
    SourceStore,
    StoryStore,
    EventStore,
    BriefStore,
    ClusterStateStore,
    LLMCallLog,
)

__all__ = [
    "ROLES",
    "BriefStore",
    "ClusterStateStore",
    "EventStore",
    "ItemStore",
    "LLMCallLog",
    "SourceStore",
    "Store",
    "StoreCore",
    "StoryStore",
]
