"""Per-actor Evolution: how each actor's stance moved across the brief's versions.

A stance reworded above ``CONSISTENT_OVERLAP`` token overlap is "consistent";
one that changed with a shift cue ("now", "no longer", "reversed") or below
that overlap is "shifted", with the earlier stance quoted.
"""

from __future__ import annotations

import re

from infomachine.models import Brief, Evolution, Perspective, Sentence
from infomachine.synth.diffs import cite_marks
from infomachine.synth.versions import actor_key, claim_key, same_actor, stance_keys
from infomachine.text.stopwords import STANCE_STOPWORDS
from infomachine.text.words import STANCE_WORD, fold

# Sections whose sentences count as claims, in display order.

CONSISTENT_OVERLAP = 0.5  # token Jaccard of two stances above which a rewording is "consistent"




_SHIFT_CUES = re.compile(
    r"\b(now|no longer|changed?|reversed?|revised?|instead|retract\w*|walked back|backtrack\w*|"
    r"u-turn|shifted|updated?|newly|abandon\w*|reconsider\w*)\b",
    re.IGNORECASE,
)


def _tokens(sentences: list[Sentence]) -> set[str]:
    words = set()
    for s in sentences:
        words |= {w for w in STANCE_WORD.findall(fold(s.text)) if w not in STANCE_STOPWORDS}
    return words


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 1.0


def _map_cites(cites: list[int], old: Brief, new: Brief) -> list[int]:
    """Old source numbers mapped to the new brief's numbers (by item id)."""
    old_ids = {s.n: s.item_id for s in old.sources}
    new_ns = {s.item_id: s.n for s in new.sources}
    return [new_ns[old_ids[n]] for n in cites if n in old_ids and old_ids[n] in new_ns]


def _quote(sentences: list[Sentence], limit: int = 160) -> str:
    text = " ".join(s.text for s in sentences)
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _shift_cue(sentences: list[Sentence]) -> bool:
    return any(_SHIFT_CUES.search(s.text) for s in sentences)


def _evolve(p: Perspective, new: Brief, history: list[Brief]) -> Evolution:
    key = actor_key(p.actor)
    earlier = [(b, q) for b in history for q in b.perspectives if actor_key(q.actor) == key]
    if not earlier:
        earlier = [
            (b, q) for b in history for q in b.perspectives if same_actor(actor_key(q.actor), key)
        ]
    stance_cites = sorted({n for s in p.stance for n in s.cites})
    if not earlier:
        return Evolution(status="new", note=f"First appears in version {new.version}.", cites=stance_cites)
    first_version = earlier[0][0].version
    prev_brief, prev = earlier[-1]
    prev_keys, now_keys = stance_keys(prev), stance_keys(p)
    added = [s for s in p.stance if claim_key(s.text) not in prev_keys]
    dropped = [s for s in prev.stance if claim_key(s.text) not in now_keys]
    added_cites = [n for s in added for n in s.cites]
    similar = _jaccard(_tokens(prev.stance), _tokens(p.stance)) >= CONSISTENT_OVERLAP
    # A different selection of the actor's statements is not a shift; a shift
    # needs the earlier statements gone, different words and a cue of change.
    if not dropped or similar or not _shift_cue(added):
        note = f"Held since version {first_version}"
        if added:
            note += f"; now also: “{_quote(added)}” {cite_marks(added_cites)}"
        return Evolution(status="consistent", note=note.rstrip() + ".", cites=sorted(set(added_cites)))
    old_cites = _map_cites([n for s in dropped for n in s.cites], prev_brief, new)
    old_ref = cite_marks(old_cites) or f"(version {prev_brief.version})"
    note = f"In version {prev_brief.version}: “{_quote(dropped)}” {old_ref}"
    note += f"; now: “{_quote(added)}” {cite_marks(added_cites)}"
    return Evolution(
        status="shifted", note=note.rstrip() + ".", cites=sorted(set(old_cites) | set(added_cites))
    )


def apply_evolution(new: Brief, history: list[Brief]) -> Brief:
    """Fill each perspective's evolution by comparing with earlier versions.

    ``history`` holds the story's earlier versions (any order; sorted here by
    version).  ``new.version`` should already be the number it will get, so
    notes can name it.  Returns ``new`` (changed in place).
    """
    ordered = sorted((b for b in history if b is not new), key=lambda b: b.version)
    for p in new.perspectives:
        p.evolution = _evolve(p, new, ordered)
    return new
