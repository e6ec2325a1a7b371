"""What a user does to stories: split one, merge two, follow a topic, unfollow it.

Each operation changes the store and the storyline linker's saved state
together (one transaction), so the next clustering run keeps to it:

* ``split_story``: the events named move to a new story; the two stories are
  remembered as *apart* (the linker never merges them again) and both
  profiles are rebuilt from their events, so new events go where they fit;
* ``merge_story``: one story folds into another; its id and slug stay
  aliases (old links work);
* ``follow_topic``: a story made from a description (and terms, entities):
  its profile is the description's features, so events that match it join
  it; search feeds for it are created (``reactive:<slug>``) like those a
  growing story spawns; the story is never merged away;
* ``unfollow``: the story stops taking new events and its search feeds are
  removed; what it holds stays.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from infomachine.cluster.config import load_config as load_cluster_config
from infomachine.cluster.features import raw_features
from infomachine.cluster.link import load_linker
from infomachine.cluster.reactive import reactive_sources
from infomachine.cluster.storyline import StorylineLinker
from infomachine.cluster.storyline_state import EventInput, LinkerState, Storyline, event_vector
from infomachine.errors import InputError
from infomachine.models import Source, Story, derived_story_id, utcnow
from infomachine.sources.search import load_config as load_queries_config
from infomachine.sources.search import query_source
from infomachine.store import Store


def _rebuild(store: Store, linker: StorylineLinker, story_id: str, event_ids: Sequence[str]) -> None:
    """Recompute a storyline's profile from its events' stored centroids."""
    st = linker.state
    story = Storyline(id=story_id)
    st.headline.pop(story_id, None)
    best = ("", 0)  # the largest event heads the story until the next run scores them
    for eid in event_ids:
        state = store.cluster_load_state(eid)
        if state is None:
            continue
        ev = EventInput(id=eid, vector=dict(state.centroid), n_items=state.n,
                        first=state.first_ts, last=state.last_ts)
        w = 1.0 + math.log(max(state.n, 1))
        for t, v in event_vector(ev, linker.cfg, st).items():
            story.profile[t] = story.profile.get(t, 0.0) + v * w
        story.n_items += state.n
        story.n_events += 1
        story.first_ts = min(story.first_ts or state.first_ts, state.first_ts)
        story.last_ts = max(story.last_ts, state.last_ts)
        st.event_story[eid] = story_id
        st.event_items[eid] = state.n
        if state.n > best[1]:
            best = (eid, state.n)
    if len(story.profile) > linker.cfg.profile_terms:
        keep = sorted(story.profile.items(), key=lambda kv: (-kv[1], kv[0]))[: linker.cfg.profile_terms]
        story.profile = dict(keep)
    st.storylines[story_id] = story
    if best[0]:
        st.headline[story_id] = [best[0], 0.0]


def _save(store: Store, linker: StorylineLinker) -> None:
    # a round trip through plain data rebuilds the derived index (postings, storyline df)
    store.storyline_save(*linker.state.to_saved())
    linker.state = LinkerState.from_plain(linker.state.to_plain())


def split_story(store: Store, story_ref: str, event_refs: Sequence[str], *,
                title: str | None = None) -> Story:
    """Move the events named out of a story into a new one; returns the new story."""
    story = store.get_story(story_ref)
    events = [store.get_event(ref) for ref in event_refs]
    if not events:
        raise InputError("name at least one event to split off")
    stray = [e.slug for e in events if e.story_id != story.id]
    if stray:
        raise InputError(f"not events of story {story.slug!r}: {', '.join(stray)}")
    moving = sorted({e.id for e in events})
    staying = [e.id for e in store.list_events(story_id=story.id) if e.id not in moving]
    if not staying:
        raise InputError("a split must leave at least one event in the story")
    biggest = max(events, key=lambda e: (e.item_count, e.id))
    name = (title or biggest.title).strip() or biggest.title
    now = utcnow()
    new = Story(id=derived_story_id("split", story.id + ":" + ",".join(moving)),
                slug=store.unique_slug(name), title=name, created_at=now, updated_at=now,
                metadata={"split_from": story.id})
    with store.transaction():
        linker = load_linker(store)
        store.create_story(new)
        store.link_events(moving, new.id)
        store.update_story(story.id, updated_at=now)
        _rebuild(store, linker, story.id, staying)
        _rebuild(store, linker, new.id, moving)
        linker.state.apart.append([story.id, new.id])
        _save(store, linker)
    return store.get_story(new.id)


def merge_story(store: Store, source_ref: str, target_ref: str) -> Story:
    """Fold one story into another; returns the survivor."""
    src, dst = store.get_story(source_ref), store.get_story(target_ref)
    if src.id == dst.id:
        raise InputError(f"{source_ref!r} and {target_ref!r} are the same story")
    with store.transaction():
        linker = load_linker(store)
        st = linker.state
        st.apart = [p for p in st.apart if {linker.resolve(p[0]), linker.resolve(p[1])} != {src.id, dst.id}]
        events = [e.id for e in store.list_events(story_id=dst.id)] + \
                 [e.id for e in store.list_events(story_id=src.id)]
        store.merge_stories(src.id, dst.id)
        st.storylines.pop(src.id, None)
        st.merged_into[src.id] = dst.id
        st.fixed.pop(src.id, None)
        _rebuild(store, linker, dst.id, events)
        store.update_story(dst.id, updated_at=utcnow())
        _save(store, linker)
    return store.get_story(dst.id)


def follow_topic(store: Store, description: str, *, terms: Sequence[str] = (),
                 entities: Sequence[str] = ()) -> tuple[Story, list[Source]]:
    """A story from a user's description; events that match it join it."""
    description = " ".join(description.split())
    if not description:
        raise InputError("describe the topic to follow")
    terms = [t.strip() for t in terms if t.strip()]
    entities = [e.strip() for e in entities if e.strip()]
    cfg = load_cluster_config()
    raw = raw_features(" ".join([description, *entities]), " ".join([description, *terms, *entities]),
                       title_weight=cfg.title_weight, entity_weight=cfg.entity_weight,
                       bigram_weight=cfg.bigram_weight, body_words=cfg.body_words)
    for e in entities:
        raw["e:" + " ".join(e.lower().split())] = raw.get("e:" + " ".join(e.lower().split()), 0.0) + 1.0
    if not raw:
        raise InputError("the description has no words to match events by")
    slug = store.unique_slug(description)
    now = utcnow()
    story = Story(id=derived_story_id("follow", slug), slug=slug, title=description, created_at=now,
                  updated_at=now, metadata={"followed": True, "follow": {
                      "description": description, "terms": terms, "entities": entities}})
    qcfg = load_queries_config()
    query = " ".join([*entities, *terms]) or description
    providers = [p.strip() for p in qcfg.reactive_providers.split(",") if p.strip()]
    created: list[Source] = []
    with store.transaction():
        linker = load_linker(store)
        store.create_story(story)
        seed = EventInput(id="follow:" + story.id, vector=raw, n_items=1, first=now.timestamp(),
                          last=now.timestamp(), story=story.id)
        linker.link([seed])
        linker.state.fixed[story.id] = "followed"
        _save(store, linker)
        if qcfg.reactive:
            for provider in providers:
                src = store.upsert_source(query_source(query, provider, config=qcfg, reactive=story.slug))
                if src.metadata.get("reactive") == story.slug:
                    created.append(src)
        store.update_story(story.id, metadata={**story.metadata, "reactive_query": query})
    return store.get_story(story.id), created


def unfollow(store: Store, story_ref: str) -> tuple[Story, int]:
    """End a follow: no new events join the story; its search feeds are removed."""
    story = store.get_story(story_ref)
    if not story.metadata.get("followed"):
        raise InputError(f"story {story.slug!r} is not followed")
    with store.transaction():
        linker = load_linker(store)
        linker.state.fixed[story.id] = "closed"
        _save(store, linker)
        removed = 0
        for src in reactive_sources(store):
            if src.metadata.get("reactive") == story.slug:
                store.delete_source(src.id)
                removed += 1
        store.update_story(story.id, metadata={**story.metadata, "followed": False,
                                               "unfollowed_at": utcnow().isoformat()})
    return store.get_story(story.id), removed
