"""Plain data the store contract passes that is not an item, source, story or brief.

These are what ``infomachine.store.base`` methods take and return, so any
backend can build them without importing a pipeline stage:

* ``StoryState`` and ``PendingItem``: the clusterer's memory of a story and
  the columns it reads of an item it has not seen (``cluster_*`` methods);
* ``DocumentCounts``: the document frequencies the clusterer keeps; the IDF
  logic on top of them is ``cluster.features.DocumentFrequencies``, a
  subclass, so the engine hands its own object to ``cluster_save_df``;
* ``Snippet``: a full-text search hit's snippet with its matched words.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

Vector = dict[str, float]  # sparse term -> weight (``cluster.features.Vector``)


@dataclass
class StoryState:
    """What the clusterer remembers about a story between items and runs."""

    id: str
    centroid: Vector = field(default_factory=dict)  # sum of member vectors, pruned
    n: int = 0
    first_ts: float = 0.0
    last_ts: float = 0.0
    titles: list[list[Any]] = field(default_factory=list)  # [item_id, title, score]
    pinned: bool = False
    n_long: int = 0  # members with a body (not headline-only)
    norm: float = 0.0  # not stored: the clusterer recomputes it from ``centroid``
    dense: np.ndarray | None = None  # sum of member vectors (only with an embedding model)

    def cosine(self, vec: Vector) -> float:
        """Cosine of an L2-normalised ``vec`` with the centroid (0 while ``norm`` is unset).

        The sparse dot product is ``cluster.features.dot``'s, term for term
        (iterate the smaller vector), so scores are bit-for-bit the same.
        """
        if not self.norm:
            return 0.0
        a, b = vec, self.centroid
        if len(a) > len(b):
            a, b = b, a
        get = b.get
        return sum(v * get(t, 0.0) for t, v in a.items()) / self.norm

    @property
    def headline(self) -> bool:
        """Mostly headline-only members: similarities run lower than for full texts."""
        return 2 * self.n_long < self.n


@dataclass
class PendingItem:
    """The columns the clusterer reads of an item it has not seen."""

    id: str
    title: str
    text: str
    ts: float  # publication time, else ingestion time (epoch seconds)
    duplicate_of: str | None
    story_id: str | None
    pinned: bool
    dated: bool = True  # False: ts is only the ingestion time, so no time decay
    url: str | None = None  # canonical URL, else URL (item-to-item links between stories)


@dataclass(eq=False)
class DocumentCounts:
    """Document frequencies as stored: ``df[term]`` documents of ``n_docs`` had ``term``.

    ``changed`` are the terms counted since the last save; ``cluster_save_df``
    writes those (and ``n_docs``) and then empties it.
    """

    df: dict[str, int] = field(default_factory=dict)
    n_docs: int = 0
    changed: set[str] = field(default_factory=set)


# A backend marks the matched words of a snippet with these (STX/ETX);
# ``Snippet.parse`` turns them into [ ] and keeps where the matches are.
MATCH_START, MATCH_END = "\x02", "\x03"


class Snippet(str):
    """A search snippet: the text with matched words in ``[ ]`` (its value).

    ``parts`` is the same text as ``(text, matched)`` pairs, so a caller can mark
    the matches its own way, unambiguously even when the text has brackets of
    its own (``[1]``, ``[Update]``).
    """

    parts: tuple[tuple[str, bool], ...]

    def __new__(cls, parts: Iterable[tuple[str, bool]] = ()) -> Snippet:
        kept = tuple((text, matched) for text, matched in parts if text)
        self = super().__new__(cls, "".join(f"[{t}]" if m else t for t, m in kept))
        self.parts = kept
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (Snippet, (self.parts,))

    @classmethod
    def parse(cls, raw: str) -> Snippet:
        """From backend output marked with ``MATCH_START``/``MATCH_END``; stray
        markers (control characters the item text itself contained) are dropped."""

        def clean(part: str) -> str:
            return part.replace(MATCH_START, "").replace(MATCH_END, "")

        parts: list[tuple[str, bool]] = []
        pos = 0
        while (start := raw.find(MATCH_START, pos)) >= 0 and (end := raw.find(MATCH_END, start)) >= 0:
            parts += [(clean(raw[pos:start]), False), (clean(raw[start + 1 : end]), True)]
            pos = end + 1
        parts.append((clean(raw[pos:]), False))
        return cls(parts)

    def marked(self, start: str, end: str) -> str:
        """The text with each match between ``start`` and ``end``."""
        return "".join(f"{start}{t}{end}" if m else t for t, m in self.parts)
