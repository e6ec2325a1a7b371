"""The PostgreSQL store: many processes, one database.

``PostgresStore`` is assembled like ``SQLiteStore``, one mixin per role of
the ``Store`` contract (``store/base.py``) on top of ``PostgresCore``:

* ``core.py``: connection, transactions (one writer at a time, by advisory
  lock), migrations, and the error boundary;
* ``items.py``: items, signatures, full-text search (tsvector + GIN), ingest errors;
* ``cluster.py``; sources, stories, events, brief versions and the LLM call log are
  ``store/sources_sql.py``, ``store/stories_sql.py``, ``store/events_sql.py``,
  ``store/briefs_sql.py`` and ``store/llm_sql.py``, shared with SQLite.

``guard_public_methods`` wraps every public method, so a PostgreSQL failure
leaves the store as ``BackendError`` (a ``StoreError``), never ``psycopg.Error``.
"""

from __future__ import annotations

from infomachine.store.briefs_sql import BriefsSQL
from infomachine.store.events_sql import EventsSQL
from infomachine.store.llm_sql import LLMCallsSQL
from infomachine.store.postgres.cluster import ClusterMixin
from infomachine.store.postgres.core import PostgresCore, guard_public_methods
from infomachine.store.postgres.items import ItemsMixin
from infomachine.store.sources_sql import SourcesSQL
from infomachine.store.stories_sql import StoriesSQL


@guard_public_methods
class PostgresStore(
    PostgresCore, ItemsMixin, SourcesSQL, StoriesSQL, EventsSQL, BriefsSQL, LLMCallsSQL,
    ClusterMixin,
):
    """All persistent state in one PostgreSQL database (``postgresql://`` URL)."""

    def __enter__(self) -> PostgresStore:
        return self


__all__ = ["PostgresStore"]
