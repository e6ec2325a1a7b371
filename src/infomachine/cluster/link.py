"""The storyline step of the cluster stage: link the events a run touched into stories.

``cluster.stage`` tells a ``StorylineStep`` which events grew (with their new
items), which events the engine merged, and which events hold items pinned to
a story; ``run`` (at the end of each chunk, in its transaction) then reads
each touched event's state, links the events
(``StorylineLinker``) and writes the result: new stories titled by their
largest event, events and their items put in their story, storyline merges
through ``store.merge_stories`` (old ids and slugs stay aliases), and the
linker's state.

Events no storyline holds yet (say, from a database copied mid-run) are
picked up from the store on the next run.  A database made
before there were two levels has one event per story: on the first run its
events are given to the linker as they are (each in its story), so new events
can join them.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from infomachine.cluster.config import ClusterReport
from infomachine.cluster.storyline import LinkResult, StorylineLinker
from infomachine.cluster.storyline_state import (
    EventInput,
    ItemInput,
    LinkerState,
    StorylineConfig,
    event_vector,
    load_storyline_config,
)
from infomachine.errors import NotFoundError
from infomachine.models import Story, StoryState, utcnow
from infomachine.store import Store

if TYPE_CHECKING:
    from infomachine.cluster.engine import Clusterer

READ_ITEMS = 20  # items read back from the store for an event the run did not see grow
READ_CHARS = 4000


def load_linker(store: Store, config: StorylineConfig | None = None) -> StorylineLinker:
    plain = store.storyline_load()
    return StorylineLinker(config or load_storyline_config(), LinkerState.from_plain(plain) if plain else None)


class StorylineStep:
    """Collects what a clustering run did to events; links them into stories at the end."""

    def __init__(self, store: Store, config: StorylineConfig | None = None) -> None:
        self.store = store
        self.linker = load_linker(store, config)
        self.fresh = not self.linker.state.storylines and not self.linker.state.event_story
        self.engine: Clusterer | None = None
        self.grown: dict[str, list[ItemInput]] = {}
        self.merged: dict[str, str] = {}
        self.pinned: dict[str, str] = {}  # event -> the story its pinned items belong to

    # ------------------------------------------------------------ during the run

    def story_of(self, event_id: str) -> str | None:
        return self.pinned.get(event_id) or self.linker.storyline_of(event_id)

    def grew(self, event_id: str, item: ItemInput) -> None:
        self.grown.setdefault(event_id, []).append(item)

    def merged_event(self, src: str, dst: str) -> None:
        self.merged[src] = dst

    def pin(self, event_id: str, story_id: str) -> None:
        self.pinned.setdefault(event_id, story_id)

    # ------------------------------------------------------------ at the end

    def _resolve(self, event_id: str) -> str:
        return self.engine.resolve(event_id) if self.engine is not None else event_id

    def _state(self, event_id: str) -> StoryState | None:
        if self.engine is not None and event_id in self.engine.stories:
            return self.engine.stories[event_id]
        return self.store.cluster_load_state(event_id)

    def _read_items(self, event_id: str) -> list[ItemInput]:
        items = self.store.list_items(event_id=event_id, limit=READ_ITEMS)
        return [ItemInput(id=it.id, title=it.title, text=it.text[:READ_CHARS], ts=it.when.timestamp(),
                          url=it.canonical_url or it.url) for it in items]

    def _inputs(self) -> list[EventInput]:
        items: dict[str, list[ItemInput]] = {}
        for eid, new in self.grown.items():
            items.setdefault(self._resolve(eid), []).extend(new)
        pinned = {self._resolve(e): s for e, s in self.pinned.items()}
        placed: dict[str, str] = dict(pinned)  # event -> the story it goes to whatever the evidence
        for eid in self.store.unlinked_events():
            if eid not in items:
                items[eid] = self._read_items(eid)
        if self.fresh:  # a database from before two levels: its events, each in its own story
            for ev in self.store.list_events():
                if ev.story_id and ev.id not in items:
                    items[ev.id] = self._read_items(ev.id)
                    placed[ev.id] = ev.story_id
        out: list[EventInput] = []
        for eid in sorted(items):
            st = self._state(eid)
            if st is None or not self.store.event_exists(eid):
                continue  # merged away
            rows = sorted(items[eid], key=lambda it: (it.ts, it.id))
            out.append(EventInput(id=eid, items=rows, vector=dict(st.centroid), n_items=max(st.n, len(rows)),
                                  first=st.first_ts, last=st.last_ts, story=placed.get(eid)))
        for story in set(pinned.values()):
            self.linker.state.fixed.setdefault(story, "pinned")
        return out

    def run(self, report: ClusterReport) -> LinkResult:
        events = self._inputs()
        before = {ev.id: self.linker.storyline_of(ev.id) for ev in events}
        merged = {src: self._resolve(dst) for src, dst in sorted(self.merged.items())}
        res = self.linker.link(events, merged)
        self._write(res, {ev.id: ev for ev in events}, before)
        report.new_stories += sum(1 for s in res.new_storylines if self.linker.resolve(s) == s)
        report.events_joined += res.joined
        report.stories_merged += len(res.merged)
        report.stories_touched += len(res.touched)
        self.store.storyline_save(*self.linker.state.to_saved())
        self.grown, self.merged, self.pinned, self.fresh = {}, {}, {}, False  # the next chunk starts afresh
        return res

    def _write(self, res: LinkResult, events: dict[str, EventInput], before: dict[str, str | None]) -> None:
        store, now, st = self.store, utcnow(), self.linker.state
        moved: dict[str, list[str]] = {}  # story -> events new to it (their items follow)
        for eid, sid in sorted(res.assigned.items()):
            if before.get(eid) != sid:
                moved.setdefault(sid, []).append(eid)
        retitled = self._headlines(res, events)
        for sid in res.new_storylines:
            if self.linker.resolve(sid) != sid or store.story_exists(sid):
                continue
            title = self._event_title(st.headline.get(sid, [""])[0])
            store.create_story(Story(id=sid, slug=store.unique_slug(title), title=title,
                                     created_at=now, updated_at=now))
            retitled.discard(sid)
        for src, dst in res.merged:
            dst_r = self.linker.resolve(dst)
            if store.story_exists(src) and store.story_exists(dst_r):
                store.merge_stories(src, dst_r)
        for sid, eids in sorted(moved.items()):
            store.link_events(eids, sid)
        for sid in res.touched:
            if not store.story_exists(sid):
                continue
            fields: dict[str, object] = {"updated_at": now}
            if sid in retitled and st.fixed.get(sid) is None:  # pinned, followed: the user's title
                title = self._event_title(st.headline[sid][0])
                if title:
                    fields["title"] = title
            store.update_story(sid, **fields)

    def _headlines(self, res: LinkResult, events: dict[str, EventInput]) -> set[str]:
        """Keep each story's headline event: the one with the highest ``(1 + log items) x
        cosine with the story's profile`` (large and central to what the story is about,
        not a side event), scored when the event is placed or grows; return the stories
        whose headline event changed."""
        st = self.linker.state
        for src, dst in res.merged:
            old = st.headline.pop(src, None)
            if old is not None and old[1] > st.headline.get(self.linker.resolve(dst), ["", 0.0])[1]:
                st.headline[self.linker.resolve(dst)] = old
        changed: set[str] = set()
        for eid, sid in sorted(res.assigned.items()):
            ev = events.get(eid)
            story = st.storylines.get(sid)
            if ev is None or story is None or not story.norm:
                continue
            vec = event_vector(ev, self.linker.cfg, st)
            prof = story.profile
            cos = sum(w * prof.get(t, 0.0) for t, w in vec.items()) / story.norm
            score = round((1.0 + math.log(max(ev.n_items, 1))) * cos, 9)
            cur = st.headline.get(sid)
            if cur is None or score > cur[1] or cur[0] == eid:
                if cur is None or cur[0] != eid:
                    changed.add(sid)
                st.headline[sid] = [eid, score]
        return changed

    def _event_title(self, event_id: str) -> str:
        try:
            return self.store.get_event(event_id).title if event_id else ""
        except NotFoundError:  # merged away meanwhile: its survivor's title
            return ""
