"""Reactive search feeds: when a story reaches ``reactive_size`` items,
``spawn_reactive`` derives a query from its key terms (capitalised phrases
and the top TF-IDF words of its items' titles) and creates one query source
per provider in ``reactive_providers`` with ``metadata["reactive"] = <slug>``;
the poller labels what they find ``reactive:<slug>``.  When a user already
follows that exact search (same provider URL), no source is created: the
user's source is *adopted* -- it gets ``metadata["reactive"]`` so what it
finds is labelled too -- and keeps its name and status.

What leaves the machine: a derived query (a few words of the story's item
titles) is sent to each provider.  Titles of items from a *private* source
(``metadata["private"]``: fetched from a non-public address, an intranet
allowed with ``allow_private``) are never used, unless the user shares them
with ``metadata["share_search_terms"] = true`` on that source or on the
story; a story whose items all come from private sources spawns nothing.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from infomachine.models import Source, Story
from infomachine.sources.search import (
    PRIVATE,
    SHARE_TERMS,
    QueriesConfig,
    load_config,
    query_source,
)
from infomachine.store import Store
from infomachine.text.stopwords import QUERY_STOPWORDS
from infomachine.text.words import QUERY_WORD

_CAP_PHRASE = re.compile(r"\b([A-Z][A-Za-z0-9&.-]+(?:\s+[A-Z][A-Za-z0-9&.-]+)*)")
def _words(text: str) -> list[str]:
    return [w.lower().strip("'’-") for w in QUERY_WORD.findall(text)]


def key_terms(titles: list[str], corpus_titles: list[str], n: int = 4) -> list[str]:
    """A story's key terms: its most frequent capitalised phrase, then top TF-IDF words."""
    docs = max(1, len(corpus_titles))
    df: Counter[str] = Counter()
    for title in corpus_titles:
        df.update(set(_words(title)))
    tf: Counter[str] = Counter()
    for title in titles:
        tf.update(w for w in set(_words(title)) if w not in QUERY_STOPWORDS and len(w) > 2)
    phrases: Counter[str] = Counter()
    for title in titles:
        seen = set()
        for match in _CAP_PHRASE.finditer(title):
            phrase = match.group(1)
            words = phrase.split()
            if match.start() == 0 and len(words) == 1:
                continue  # a capitalised first word is just the sentence start
            if phrase.lower() in QUERY_STOPWORDS or phrase in seen:
                continue
            seen.add(phrase)
            phrases[phrase] += 1
    terms: list[str] = []
    used: set[str] = set()
    top = [(p, c) for p, c in phrases.most_common() if c >= 2]
    if top:
        best = max(top, key=lambda pc: (pc[1], len(pc[0].split()), pc[0]))[0]
        terms.extend(best.split()[:3])
        used.update(w.lower() for w in best.split())

    def tfidf(word: str) -> float:
        return tf[word] * math.log((1 + docs) / (1 + df[word]))

    for word in sorted(tf, key=lambda w: (-tfidf(w), w)):
        if len(terms) >= n:
            break
        if word in used or tf[word] < 2:
            continue
        terms.append(word)
        used.add(word)
    return terms[:n]


def private_sources(store: Store) -> set[str]:
    """Ids of private sources whose terms the user did not share."""
    return {s.id for s in store.list_sources()
            if s.metadata.get(PRIVATE) and not s.metadata.get(SHARE_TERMS)}


def derive_query(
    store: Store, story: Story, n: int = 4, corpus_limit: int = 5000,
    private: set[str] | None = None,
) -> str:
    """A query from the story's shareable titles ("" when there are none)."""
    hidden = set() if story.metadata.get(SHARE_TERMS) else (
        private if private is not None else private_sources(store))
    titles = [i.title for i in store.list_items(story_id=story.id)
              if i.title and i.source not in hidden]
    if not titles:
        return ""
    corpus = store.recent_item_titles(corpus_limit)
    return " ".join(key_terms(titles, corpus, n))


def reactive_sources(store: Store) -> list[Source]:
    return [s for s in store.list_sources(kind="query") if s.metadata.get("reactive")]


class ReactiveSources(list[Source]):
    """The reactive sources ``spawn_reactive`` created, plus ``adopted``: existing
    sources (a user's search for the same URL) that were labelled reactive instead."""

    def __init__(self) -> None:
        super().__init__()
        self.adopted: list[Source] = []


def spawn_reactive(store: Store, config: QueriesConfig | None = None) -> ReactiveSources:
    """Create reactive search sources for stories that reached the configured size.

    A story gets them once: the derived query is kept in the story's metadata
    (``reactive_query``), so sources a user removed do not come back.  A
    search the user already has (same URL) is not created again but labelled
    ``reactive`` for the story (``result.adopted``); one already reactive for
    another story is left as it is.
    """
    cfg = config or load_config()
    created = ReactiveSources()
    if not cfg.reactive:
        return created
    existing = reactive_sources(store)
    done = {str(s.metadata["reactive"]) for s in existing}
    budget = cfg.max_reactive - len(existing)
    providers = [p.strip() for p in cfg.reactive_providers.split(",") if p.strip()]
    private = private_sources(store)
    for story in store.list_stories():
        if budget <= 0:
            break
        if story.item_count < cfg.reactive_size or story.slug in done:
            continue
        if story.metadata.get("reactive_query"):
            continue
        query = derive_query(store, story, cfg.reactive_terms, private=private)
        if not query:
            continue
        for provider in providers:
            if budget <= 0:
                break
            src = query_source(query, provider, config=cfg, reactive=story.slug)
            stored = store.upsert_source(src)
            if stored.id == src.id and stored.metadata.get("reactive") == story.slug:
                created.append(stored)
            elif not stored.metadata.get("reactive"):  # the user's own search: label it
                stored.metadata = {**stored.metadata, "reactive": story.slug}
                store.update_source(stored.id, metadata=stored.metadata)
                created.adopted.append(stored)
            else:
                continue  # already reactive for another story: not counted again
            budget -= 1
        store.update_story(story.id, metadata={**story.metadata, "reactive_query": query})
    return created
