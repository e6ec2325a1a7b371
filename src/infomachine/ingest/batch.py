"""The one code path through which every document enters the store.

``ingest_records`` takes raw records from any source parser, extracts,
de-duplicates and stores them in batches (one transaction per batch).  A bad
record never stops a batch: its problem is recorded in ``ingest_errors`` and
reported, and the rest goes in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from infomachine import provenance
from infomachine.errors import InfomachineError
from infomachine.ingest.dedupe import (
    NearDuplicateIndex,
    band_keys,
    hash_identifies,
    minhash_values,
    near_dup_hashes,
    signature_bytes,
)
from infomachine.ingest.extract import WARNINGS, extract
from infomachine.models import (
    IngestProblem,
    IngestReport,
    Item,
    Record,
    Story,
    derived_story_id,
    utcnow,
)
from infomachine.store import Store
from infomachine.text.html import repair_text
from infomachine.text.slug import slugify

BATCH_SIZE = 2000


def pin_story(store: Store, name: str) -> Story:
    """The story named ``name`` (id, slug or alias), created and pinned if new."""
    existing = store.find_story_by_slug(name) or store.find_story_by_slug(slugify(name))
    if existing is not None:
        if not existing.pinned:
            store.update_story(existing.id, pinned=True)
            existing.pinned = True
        return existing
    slug = store.unique_slug(name)
    return store.create_story(
        Story(id=derived_story_id("pinned", slug), slug=slug, title=name, pinned=True)
    )


class Ingestor:
    """One ingest run: extraction, duplicate checks and storage, batch by batch."""

    def __init__(
        self,
        store: Store,
        *,
        story: Story | None = None,
        near_duplicates: bool = True,
    ) -> None:
        self.store = store
        self.story = story
        self.near = NearDuplicateIndex(store) if near_duplicates else None

    def ingest(
        self,
        documents: Iterable[Record | IngestProblem],
        *,
        on_progress: Callable[[int], None] | None = None,
    ) -> IngestReport:
        report = IngestReport()
        batch: list[Record | IngestProblem] = []
        for doc in documents:
            batch.append(doc)
            if len(batch) >= BATCH_SIZE:
                self._batch(batch, report)
                if on_progress:
                    on_progress(len(batch))
                batch = []
        if batch:
            self._batch(batch, report)
            if on_progress:
                on_progress(len(batch))
        return report

    def _batch(self, batch: list[Record | IngestProblem], report: IngestReport) -> None:
        now = utcnow()
        with self.store.transaction():
            # Extract the whole batch first, then compute every near-duplicate
            # signature in one numpy pass (see dedupe.minhash_values); storing
            # stays item by item, in input order.
            extracted: list[Item] = []
            origins: list[str] = []
            hash_sets: list[np.ndarray] = []
            wants_sig: list[int] = []
            for doc in batch:
                if isinstance(doc, IngestProblem):
                    self._fail(report, doc.origin, doc.message, None)
                    continue
                try:
                    item = extract(doc, now=now)
                except InfomachineError as exc:
                    self._fail(report, doc.origin, str(exc), doc.source)
                    continue
                except Exception as exc:  # a parser bug must not lose the batch
                    self._fail(report, doc.origin, f"{type(exc).__name__}: {exc}", doc.source)
                    continue
                for warning in item.metadata.get(WARNINGS, []):
                    report.warnings.append(IngestProblem(doc.origin, warning))
                if "unparsed_published" in item.metadata:
                    report.warnings.append(IngestProblem(
                        doc.origin, f"unreadable date {item.metadata['unparsed_published']!r}: "
                        "kept undated (the text is in metadata.unparsed_published)"))
                if self.near is not None:
                    # Right after extract, while the normalised text is cached.
                    hashes = near_dup_hashes(item.text)
                    if hashes is not None:
                        wants_sig.append(len(extracted))
                        hash_sets.append(hashes)
                extracted.append(item)
                origins.append(doc.origin)
            sigs: list[np.ndarray | None] = [None] * len(extracted)
            for i, values in zip(wants_sig, minhash_values(hash_sets), strict=True):
                sigs[i] = values
            for item, sig, origin in zip(extracted, sigs, origins, strict=True):
                # Each write of _store is atomic on its own (insert_item is a
                # savepoint), so a failed item leaves nothing and the batch goes
                # on; an extra savepoint per item would cost a third of ingest.
                try:
                    self._store(item, sig, report)
                except Exception as exc:  # noqa: BLE001 - one item never loses the batch
                    self._fail(report, origin, f"not stored: {type(exc).__name__}: {exc}", item.source)

    def _fail(self, report: IngestReport, origin: str, message: str, source: str | None) -> None:
        origin, message = repair_text(origin)[0], repair_text(message)[0]
        source = repair_text(source)[0] if source else None
        report.failed += 1
        report.problems.append(IngestProblem(origin, message))
        self.store.record_ingest_error(origin, message, source)

    def _store(self, item: Item, sig: np.ndarray | None, report: IngestReport) -> None:
        existing = self.store.find_existing(
            item, use_hash=hash_identifies(item.title, item.text)
        )
        if existing is not None:
            report.duplicate += 1
            report.item_ids.append(existing)
            extra: dict[str, object] = {**provenance.found_via_update(item.source)}
            if item.url:
                extra["urls"] = [item.url]
            if extra:
                self.store.merge_item_metadata(existing, extra)
            if self.story is not None:
                self.store.pin_item(existing, self.story.id)
            return
        bands = band_keys(sig) if sig is not None else []
        if sig is not None and self.near is not None:
            item.duplicate_of = self.near.query(sig, bands)
        if item.source:
            item.metadata.setdefault(provenance.KEY, [item.source])
        if self.story is not None:
            item.story_id = self.story.id
            item.pinned = True
        elif item.duplicate_of:
            original_story = self.store.get_item(item.duplicate_of).story_id
            item.story_id = original_story
        if sig is not None:
            self.store.insert_item(item, signature_bytes(sig), bands)
        else:
            self.store.insert_item(item)
        if item.duplicate_of:
            report.near_duplicate += 1
        else:
            report.new += 1
        report.item_ids.append(item.id)

def ingest_records(
    store: Store,
    documents: Iterable[Record | IngestProblem],
    *,
    story: str | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> IngestReport:
    """Ingest parsed documents; ``story`` pins them all into that named story."""
    pinned = pin_story(store, story) if story else None
    return Ingestor(store, story=pinned).ingest(documents, on_progress=on_progress)
