"""Collecting documents: local paths and http(s) URLs to records.

``collect`` takes what ``ingest`` is given (a file, a directory, a URL);
URLs are fetched through ``fetch.Fetcher`` (SSRF checks, size and time
caps); a feed URL is recorded as a source and its items carry that
source's id.  ``parse_response`` turns a polled source's fetch into
records.  Bytes become records in ``sources/`` (``files.parse_bytes``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from infomachine import provenance
from infomachine.errors import FetchError, InfomachineError
from infomachine.intake.fetch import FEED_ACCEPT, Fetcher, FetchResult
from infomachine.models import IngestProblem, Record, Source, utcnow
from infomachine.sources.feeds import feed_source, parse_feed
from infomachine.sources.files import decide_kind, iter_files, parse_bytes, parse_file
from infomachine.sources.pages import parse_page
from infomachine.sources.search import PRIVATE, parse_query_response


def collect_url(
    url: str,
    source: str | None = None,
    *,
    store: Any | None = None,
    fetcher: Fetcher | None = None,
    allow_private: bool = False,
) -> Iterator[Record | IngestProblem]:
    """Fetch a URL and parse it as a feed or a page (feeds become sources)."""
    own = fetcher is None
    if fetcher is None:
        fetcher = Fetcher(allow_private=allow_private)
    try:
        result = fetcher.fetch(url, accept=FEED_ACCEPT)
    except FetchError as exc:
        record_source_error(store, url, str(exc))
        yield IngestProblem(url, str(exc))
        return
    finally:
        if own:
            fetcher.close()
    kind = decide_kind(result.content, content_type=result.media_type)
    if kind in ("feed", "json_feed"):
        parsed = parse_feed(result.content, url, source=source, base_url=result.final_url)
        stored_id: str | None = None
        if store is not None and parsed.version:
            stored = store.upsert_source(feed_source(url, parsed.title, html_url=parsed.link))
            stored_id = stored.id
            extra: dict[str, Any] = {}
            if result.private and not stored.metadata.get(PRIVATE):
                extra["metadata"] = {**stored.metadata, PRIVATE: True}
            store.update_source(
                stored.id,
                **extra,
                last_fetch=utcnow(),
                last_status=result.status,
                etag=result.etag,
                last_modified=result.last_modified,
                last_error=parsed.problem,
                error_count=0,
            )
        label = source or stored_id or url
        for record in parsed.records:
            if isinstance(record, Record) and record.source is None:
                record.source = label
            yield record
        return
    yield from parse_bytes(
        result.content, kind, url, source, store=store, url=result.final_url, charset=result.charset
    )


def record_source_error(store: Any | None, url: str, message: str) -> None:
    """A known source that failed to fetch gets its error counted."""
    if store is None:
        return
    try:
        existing = store.get_source(url)
    except InfomachineError:
        return
    store.update_source(
        existing.id,
        last_fetch=utcnow(),
        last_error=message[:500],
        error_count=existing.error_count + 1,
    )


def collect(
    target: str,
    source: str | None = None,
    *,
    store: Any | None = None,
    fetcher: Fetcher | None = None,
    allow_private: bool = False,
) -> Iterator[Record | IngestProblem]:
    """Records from a path (file or directory) or an http(s) URL.

    ``allow_private`` lets URL fetches reach loopback and private networks.
    """
    if target.lower().startswith(("http://", "https://")):
        yield from collect_url(target, source, store=store, fetcher=fetcher, allow_private=allow_private)
        return
    path = Path(target)
    if not path.exists():
        yield IngestProblem(target, "no such file or directory")
        return
    for file in iter_files(path):
        yield from parse_file(file, source, store=store)


def parse_response(source: Source, result: FetchResult) -> list[Record | IngestProblem]:
    """Records from a fetched source, by kind (feed, page, query provider)."""
    origin = source.url
    records: list[Record | IngestProblem]
    if source.kind == "query":
        records = parse_query_response(source, result.content)
    elif source.kind == "page":
        records = list(parse_page(result.content, origin, url=result.final_url, source=source.id,
                                  charset=result.charset))
    elif decide_kind(result.content, content_type=result.media_type) in ("binary", "empty"):
        records = list(parse_bytes(result.content, "binary" if result.content.strip() else "empty",
                                   origin, source.id))
    else:  # a feed source is read as a feed (RSS, Atom, RDF or JSON Feed)
        records = parse_feed(result.content, origin, source=source.id, base_url=result.final_url).records
    label = provenance.source_reactive_label(source)
    for rec in records:
        if isinstance(rec, Record):
            rec.source = source.id
            if label:
                rec.metadata.update(provenance.found_via_update(label, source.id))
    return records
