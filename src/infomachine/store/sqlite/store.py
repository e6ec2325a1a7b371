"""The default store: one SQLite file in WAL mode, one writer.

``SQLiteStore`` is assembled from one mixin per role of the ``Store``
contract (``store/base.py``) on top of ``SQLiteCore``:

* ``core.py``: connection, transactions, migrations, and the error boundary;
* ``items.py``: items, signatures, full-text search, ingest errors;
* ``store/sources_sql.py`` (shared with PostgreSQL): sources;
* ``store/stories_sql.py`` (shared with PostgreSQL): stories, aliases and merges;
* ``store/briefs_sql.py`` (shared with PostgreSQL): brief versions;
* ``store/events_sql.py`` (shared with PostgreSQL): events, their story, aliases, merges;
  the storyline linker's state;
* ``cluster.py``: clustering state;
* ``store/llm_sql.py`` (shared with PostgreSQL): the LLM call log and cache.

``guard_public_methods`` wraps every public method, so a SQLite failure
leaves the store as ``BackendError`` (a ``StoreError``), never ``sqlite3.Error``.
"""

from __future__ import annotations

from infomachine.store.briefs_sql import BriefsSQL
from infomachine.store.events_sql import EventsSQL
from infomachine.store.llm_sql import LLMCallsSQL
from infomachine.store.sources_sql import SourcesSQL
from infomachine.store.sqlite.cluster import ClusterMixin
from infomachine.store.sqlite.core import SQLiteCore, guard_public_methods
from infomachine.store.sqlite.items import ItemsMixin
from infomachine.store.stories_sql import StoriesSQL


@guard_public_methods
class SQLiteStore(
    SQLiteCore, ItemsMixin, SourcesSQL, StoriesSQL, EventsSQL, BriefsSQL, LLMCallsSQL,
    ClusterMixin,
):
    """All persistent state in one SQLite file (WAL, one writer)."""

    def __enter__(self) -> SQLiteStore:
        return self


__all__ = ["SQLiteStore"]
