"""The storage interface every backend implements.

``SQLiteStore`` (``store/sqlite.py`` and its ``sqlite_*`` mixins) is the
default; a PostgreSQL backend implements the same methods.  Nothing outside
``store/`` writes SQL: stages call these methods.  ``tests/test_store.py``
checks that ``SQLiteStore`` satisfies this protocol, so the two cannot drift.

``transaction()`` is one write transaction (nested calls are savepoints);
all writes go through one writer, readers may run concurrently.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from infomachine.models import Brief, Item, Source, Story

if TYPE_CHECKING:
    from infomachine.cluster.engine import StoryState
    from infomachine.cluster.features import DocumentFrequencies
    from infomachine.store.sqlite.cluster import PendingItem


@runtime_checkable
class Store(Protocol):
    """All persistent state: items, sources, stories, brief versions, caches."""

    # --- stories, aliases and merges
    def add_story_alias(self, alias: str, story_id: str) -> None:
        ...

    def create_story(self, story: Story) -> Story:
        ...

    def find_story_by_slug(self, slug: str) -> Story | None:
        ...

    def get_story(self, ref: str) -> Story:
        """A story by id, slug or alias; a merged story resolves to its survivor."""
        ...

    def iter_story_ids(self) -> Iterator[str]:
        ...

    def list_stories(self, *, include_merged: bool = False) -> list[Story]:
        """Stories, most recently updated first, with item counts and dates."""
        ...

    def merge_stories(self, source_id: str, target_id: str) -> None:
        """Fold ``source_id`` into ``target_id``: items move, old id and slug stay as aliases."""
        ...

    def recent_item_titles(self, limit: int) -> list[str]:
        """Titles of the ``limit`` most recently stored items, newest first (none empty)."""
        ...

    def story_aliases(self, story_id: str) -> list[str]:
        ...

    def unique_slug(self, base: str) -> str:
        """``base``, or ``base-2``, ``base-3``… whichever is free (aliases too)."""
        ...

    def update_story(self, story_id: str, **fields: Any) -> None:
        ...

    # --- core, items, sources and ingest errors
    def applied_migrations(self) -> list[str]:
        ...

    def close(self) -> None:
        ...

    def count_items(self, story_id: str | None = None) -> int:
        ...

    def delete_source(self, source_id: str) -> None:
        ...

    def find_existing(
        self,
        item: Item,
        *,
        use_hash: bool = True,
    ) -> str | None:
        """The id of a stored exact duplicate of ``item``, if any."""
        ...

    def get_item(self, item_id: str) -> Item:
        ...

    def get_items(self, ids: Iterable[str]) -> list[Item]:
        """Items by id, in the order asked, skipping unknown ids."""
        ...

    def get_source(self, ref: str) -> Source:
        """A source by id, URL or name."""
        ...

    def insert_item(
        self, item: Item, signature: bytes | None = None, bands: Sequence[int] = ()
    ) -> None:
        """Store a new item, with its MinHash signature and LSH band keys if any."""
        ...

    def item_stories(self) -> dict[str, str | None]:
        """Every item id with the story it belongs to (None when unclustered)."""
        ...

    def list_ingest_errors(self, limit: int = 100) -> list[dict[str, Any]]:
        ...

    def list_items(
        self,
        *,
        story_id: str | None = None,
        unclustered: bool = False,
        limit: int | None = None,
        offset: int = 0,
        order: str = "published",
    ) -> list[Item]:
        """Items, oldest first by publication (ingestion time when unknown)."""
        ...

    def list_sources(self, kind: str | None = None) -> list[Source]:
        ...

    def lsh_candidates(self, keys: list[int]) -> list[tuple[str, bytes]]:
        """Items sharing at least one LSH band key, with their signatures."""
        ...

    def merge_item_metadata(self, item_id: str, extra: dict[str, Any]) -> None:
        """Add keys to an item's metadata (e.g. another feed that found it)."""
        ...

    def migrate(self) -> list[str]:
        """Apply every migration not yet recorded; return the names applied."""
        ...

    def pin_item(self, item_id: str, story_id: str) -> None:
        """Pin an item, and the near-duplicates that follow it, into a story."""
        ...

    def record_ingest_error(self, origin: str, message: str, source: str | None = None) -> None:
        ...

    def search(self, query: str, *, limit: int = 20) -> list[tuple[Item, str]]:
        """Full-text search; returns items with a highlighted snippet."""
        ...

    def set_item_story(self, item_ids: Iterable[str], story_id: str | None) -> None:
        ...

    def transaction(self) -> AbstractContextManager[Any]:
        """One write transaction."""
        ...

    def update_source(self, source_id: str, **fields: Any) -> None:
        """Set columns of a source (times and metadata are converted)."""
        ...

    def upsert_source(self, source: Source) -> Source:
        """Insert a source, or return the existing one with the same URL."""
        ...

    # --- LLM calls (cost and cache)
    def cached_llm_response(self, request_hash: str) -> dict[str, Any] | None:
        """The latest stored answer to a request with this hash, if any."""
        ...

    def llm_usage(self, story_id: str | None = None) -> dict[str, int]:
        """Calls and tokens logged, for one story or in all."""
        ...

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

    # --- clustering state
    def cluster_delete_state(self, story_id: str) -> None:
        ...

    def cluster_load_df(self) -> tuple[int, dict[str, int]]:
        ...

    def cluster_load_state(self, story_id: str) -> StoryState | None:
        ...

    def cluster_load_states(self, since: float) -> list[StoryState]:
        """States of stories active since ``since`` (epoch seconds), oldest first."""
        ...

    def cluster_mark_seen(self, item_ids: Iterable[str]) -> None:
        ...

    def cluster_pending(self, max_text: int = 4000) -> list[PendingItem]:
        """Items not yet absorbed by the clusterer, in publication order."""
        ...

    def cluster_reset(self) -> None:
        """Forget all clustering state (items keep their stories)."""
        ...

    def cluster_save_df(self, df: DocumentFrequencies) -> None:
        ...

    def cluster_save_state(self, st: StoryState) -> None:
        ...

    def cluster_story_of(self, item_id: str) -> str | None:
        ...

    def story_exists(self, story_id: str) -> bool:
        ...

    def story_is_pinned(self, story_id: str) -> bool:
        ...

    # --- brief versions
    def get_brief(self, story_id: str, version: int | None = None) -> Brief:
        """A stored version (the latest when ``version`` is None)."""
        ...

    def latest_brief(self, story_id: str) -> Brief | None:
        ...

    def latest_versions(self) -> dict[str, dict[str, Any]]:
        """For every story, its latest version number, time and change summary."""
        ...

    def list_versions(self, story_id: str) -> list[dict[str, Any]]:
        ...

    def save_brief(self, story_id: str, brief: Brief) -> int:
        """Store ``brief`` as the story's next version; returns its number."""
        ...
