"""How strongly an event belongs to a storyline: the evidence rules of the linker.

A mixin of ``StorylineLinker``: shared terms weighted by storyline-level IDF,
time decay with a floor, names that must be shared (the storyline's anchors,
or mentions of them in the event's text), generic words that are no evidence.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from infomachine.cluster.features import CONNECTORS, Vector
from infomachine.cluster.storyline_state import (
    LinkerState,
    Storyline,
    StorylineConfig,
    anchor_names,
    event_names,
    name_groups,
)

DAY = 86400.0


class StorylineEvidence:
    """Scoring and evidence checks; needs the linker's ``cfg``, ``state`` and caches."""

    cfg: StorylineConfig
    state: LinkerState
    _background: Callable[[str], float] | None
    _common_cache: dict[str, bool]
    _anchors: dict[str, list[list[str]]]
    _anchor_words_cache: dict[str, set[str]]
    _text: list[str]
    _text_all: str
    _mention_cache: dict[str, bool]
    _names: list[str] | None
    _factors: dict[str, float]

    def _mentioned(self, story: Storyline) -> list[str]:
        """The storyline's main names whose words (all of them) the event's text has."""
        texts, seen = self._text, self._mention_cache
        out = []
        for name in self._anchor_list(story):
            ent = name[0]
            hit = seen.get(ent)
            if hit is None:
                words = [w for w in ent[2:].split(" ") if len(w) > 2 and w not in CONNECTORS]
                hit = bool(words) and all(" " + w in self._text_all for w in words)
                if hit and len(texts) > 1:
                    need = max(1, math.ceil(self.cfg.mention_share * len(texts)))
                    hit = sum(all(" " + w in text for w in words) for text in texts) >= need
                seen[ent] = hit
            if hit:
                out.append(ent)
        return out

    def _names_anchor(self, story: Storyline, vec: Vector) -> bool | None:
        """Does the event name one of the storyline's main names? (None: it has none)"""
        anchors = self._anchor_list(story)
        if not anchors:
            return None
        return any(t in vec for name in anchors for t in name)

    def _anchor_words(self, story: Storyline) -> set[str]:
        words = self._anchor_words_cache.get(story.id)
        if words is None:
            words = self._anchor_words_cache[story.id] = {
                w for name in self._anchor_list(story) for w in name[0][2:].split(" ") if len(w) > 2}
        return words

    def _anchor_list(self, story: Storyline) -> list[list[str]]:
        anchors = self._anchors.get(story.id)
        if anchors is None:
            anchors = self._anchors[story.id] = anchor_names(story.profile, self.cfg.anchors, self._common)
        return anchors

    def _common(self, word: str) -> bool:
        """Is ``word`` common in general text (wordfreq), so not a name?"""
        hit = self._common_cache.get(word)
        if hit is None:
            if self._background is None:
                from infomachine.cluster.prior import background_df

                self._background = background_df(100.0)
            hit = self._common_cache[word] = self._background(word) >= self.cfg.common_share
        return hit

    def _specific(self, term: str) -> bool:
        """Has ``term`` a word that is not common in general text ("tsunami", "gpt-5")?"""
        return any(len(w) > 2 and not self._common(w) for w in term.removeprefix("e:").split(" "))

    def _sfactor(self, term: str) -> float:
        """Storyline-level IDF factor in (0, 1]: 1 for a term in one storyline."""
        n = len(self.state.storylines)
        sdf = self.state.sdf.get(term, 0)
        if n <= 1 or sdf <= 1:
            return 1.0
        return ((1.0 + math.log((n + 1) / (sdf + 1))) / (1.0 + math.log((n + 1) / 2))) ** self.cfg.sidf_power

    def _generic(self, term: str) -> bool:
        """A word in many storylines (``generic_share`` of them, at least ``generic_min``)."""
        sdf = self.state.sdf.get(term, 0)
        return sdf >= self.cfg.generic_min and sdf >= self.cfg.generic_share * len(self.state.storylines)

    def _score(self, story: Storyline, vec: Vector, ts: float) -> float:
        cfg = self.cfg
        prof = story.profile
        if not story.norm:
            return 0.0
        parts: dict[str, float] = {}
        total = 0.0
        factors = self._factors
        for t, w in vec.items():
            pw = prof.get(t)
            if pw is not None:
                c = w * pw * factors[t]
                parts[t] = c
                total += c
        mentioned = self._mentioned(story) if self._text else []
        for ent in mentioned:
            # the event's text names one of the storyline's main names, even if its
            # vector (the heaviest terms of its first words) does not
            if ent not in parts:
                c = cfg.mention_weight * prof[ent] * self._sfactor(ent)
                parts[ent] = c
                total += c
        if total <= 0 or len(parts) < cfg.min_terms:
            return 0.0
        # a name is an entity with its words ("e:barack obama", "barack", "obama")
        if self._names is None:
            self._names = event_names(vec, self._common)
        groups = name_groups(vec, parts, self._common, self._names)
        for ent in mentioned:
            groups.setdefault(ent, ent)
        generic = [t for t in parts if t not in groups and self._generic(t)]
        if generic and cfg.anchors:
            own = self._anchor_words(story)  # "brown" of the storyline's "e:chris brown"
            generic = [t for t in generic if t not in own]
        if generic:
            # words spread over many unrelated storylines ("latest", "analysis",
            # "breaking") say nothing about the subject: they neither count as
            # shared terms nor dilute the share of a single name
            for t in generic:
                total -= parts.pop(t)
            if len(parts) < cfg.min_terms or total <= 0:
                return 0.0
            if not cfg.generic_score:
                total += sum(w * prof[t] * factors[t] for t in generic for w in (vec[t],))
        by_group: dict[str, float] = {}
        for t, c in parts.items():
            g = groups.get(t, t)
            by_group[g] = by_group.get(g, 0.0) + c
        anchored = (True if mentioned else self._names_anchor(story, vec)) if cfg.anchors else None
        if anchored is False:
            return 0.0  # the storyline's main actors are not in the event
        if cfg.require_name and not groups:
            return 0.0  # subject words alone ("model", "release") do not make a storyline
        if max(by_group.values()) > cfg.max_share * total:
            return 0.0  # one name alone does not either
        if cfg.specific_terms and len(set(groups.values())) < 2 and sum(
                1 for t in parts if t not in groups and self._specific(t)) < cfg.specific_terms:
            return 0.0  # one shared name plus common words ("model", "release"): a passing mention
        sim = total / story.norm
        gap = max(0.0, (ts - story.last_ts) / DAY)
        fl = cfg.decay_floor
        return sim * (fl + (1.0 - fl) * 0.5 ** (gap / cfg.half_life_days))
