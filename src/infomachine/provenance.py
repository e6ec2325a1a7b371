"""Where an item came from: the one owner of the ``found_via`` metadata.

``metadata["found_via"]`` is the list of labels (source ids, ``reactive:<slug>``
for a reactive search feed) through which an item was found, first one first.
Writers add labels with ``found_via_update``; readers use ``found_via_labels``
(every label, the item's own source last if it is not listed),
``found_via_label`` (the one to show beside a citation) and ``found_via_text``.
"""

from __future__ import annotations

from typing import Any

from infomachine.models import Item, Source

KEY = "found_via"
REACTIVE_PREFIX = "reactive:"


def reactive_label(slug: str) -> str:
    """The label of what a story's reactive search feeds find."""
    return REACTIVE_PREFIX + slug


def source_reactive_label(source: Source) -> str | None:
    """The label of what ``source`` finds when it is a story's reactive search feed."""
    slug = source.metadata.get("reactive")
    return reactive_label(str(slug)) if slug else None


def found_via_update(*labels: str | None) -> dict[str, Any]:
    """The metadata to merge (``merge_item_metadata`` appends list values) for new labels."""
    clean = [label for label in labels if label]
    return {KEY: clean} if clean else {}


def found_via_labels(item: Item) -> list[str]:
    """Every label that found ``item``, in order, its own source included."""
    raw = (item.metadata or {}).get(KEY)
    values = raw if isinstance(raw, list) else [raw] if raw else []
    labels = list(dict.fromkeys(str(v) for v in values if v))
    if item.source and item.source not in labels:
        labels.append(item.source)
    return labels


def found_via_label(item: Item) -> str | None:
    """The feed that found an item, preferring a ``reactive:<slug>`` search feed."""
    labels = found_via_labels(item)
    for label in labels:
        if label.startswith(REACTIVE_PREFIX):
            return label
    return labels[0] if labels else None


def found_via_text(item: Item) -> str | None:
    """All labels as one line (``items`` JSON and pages)."""
    raw = (item.metadata or {}).get(KEY)
    if isinstance(raw, list):
        return ", ".join(str(v) for v in raw) or None
    return str(raw) if raw else item.source
