"""Version stage: materiality and semantic diffs (``diffs`` holds the diff types and its words,
``evolution`` the per-actor Evolution).

A story gets a new brief version only when the brief changed *materially*:
a new cited source, a claim added or removed, a new timeline event,
perspective or tension.  Re-ordering, a new ``generated_at`` or a different
item count alone are not material.  Claims are compared by their folded text
(case, whitespace and typography folded), so the same sentence cited under a
different source number is the same claim.

The diff matches sentences across sections: a sentence that left What and
now stands in the Narrative (or the Timeline, or a stance) is a *move*, not
a removal and an addition.  ``diffs.change_summary`` names a version's new
developments in words before the counts: at most ``MAX_DEVELOPMENTS``
sentences of the new brief that cite a newly added source and said nothing
the old brief said, most important first (the What summary, then What
bullets, then new timeline events, newest first, then the other sections),
each with the new brief's own source numbers:
"Schools close on Monday. [4] (+1 source, +3 claims)".

``evolution.apply_evolution`` compares each actor's stance with the versions before it
and fills ``Perspective.evolution``: ``new`` (first appearance), ``consistent``
(earlier stance still held) or ``shifted`` (earlier stance sentences gone,
different ones now).  The note only quotes stance text of the versions and
carries their citations, mapped to the new brief's source numbers.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from infomachine.models import Brief, Perspective, Sentence
from infomachine.synth.diffs import (
    BriefDiff,
    ClaimChange,
    ClaimMove,
    NewDevelopment,
    PerspectiveChange,
    TensionRef,
    TimelineRef,
)
from infomachine.text.words import PLAIN_WORD, fold

# Sections whose sentences count as claims, in display order.
CLAIM_SECTIONS = ("what", "why_it_matters", "open_questions", "narrative", "perspectives", "tensions")
# Sections a sentence can move between (a timeline event's text is a sentence too).
MOVE_SECTIONS = (*CLAIM_SECTIONS, "timeline")
MAX_DEVELOPMENTS = 3  # sentences named in a change summary
DEVELOPMENT_CHARS = 420  # after the first, a sentence is named only while the words stay this short
# Importance of a new development by where the new brief shows it (lower first).
_DEVELOPMENT_RANK = {
    "summary": 0, "what": 1, "timeline": 2, "why_it_matters": 3, "narrative": 4,
    "tensions": 5, "perspectives": 6, "open_questions": 7,
}
# --------------------------------------------------------------------------- keys


def claim_key(text: str) -> str:
    """The folded text of a claim, trailing punctuation dropped."""
    return fold(text).rstrip(" .;:!")


def actor_key(name: str) -> str:
    """A normalised actor name: 'Nathan Lambert (Ai2)' and 'nathan  lambert' match."""
    name = re.sub(r"\([^)]*\)", " ", name)
    norm = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    norm = re.sub(r"^the\s+", "", norm.strip())
    return " ".join(PLAIN_WORD.findall(norm))


def _claims(brief: Brief) -> dict[str, list[Sentence]]:
    """Every claim sentence of a brief, by section."""
    out: dict[str, list[Sentence]] = {
        "what": [*brief.what.summary, *brief.what.bullets],
        "why_it_matters": list(brief.why_it_matters),
        "open_questions": [],
        "narrative": [s for para in brief.narrative for s in para],
        "perspectives": [s for p in brief.perspectives for s in p.stance],
        "tensions": [s for t in brief.tensions for s in (t.a.claim, t.b.claim)],
    }
    for q in brief.open_questions:
        out["open_questions"].append(Sentence(text=q.question))
        out["open_questions"].extend(q.context)
    return out


def _placed(brief: Brief) -> dict[str, dict[str, Sentence]]:
    """Every sentence by section and folded key (timeline texts included), first one kept."""
    out: dict[str, dict[str, Sentence]] = {}
    claims = _claims(brief)
    claims["timeline"] = [Sentence(text=e.text, cites=list(e.cites)) for e in brief.timeline]
    for section in MOVE_SECTIONS:
        keyed: dict[str, Sentence] = {}
        for sent in claims[section]:
            keyed.setdefault(claim_key(sent.text), sent)
        out[section] = keyed
    return out


def _claim_keys(brief: Brief) -> dict[str, set[str]]:
    return {sec: {claim_key(s.text) for s in sents} for sec, sents in _claims(brief).items()}


def _source_ids(brief: Brief) -> set[str]:
    return {s.item_id for s in brief.sources}


def _timeline_keys(brief: Brief) -> set[tuple[str, str]]:
    return {(e.date, claim_key(e.text)) for e in brief.timeline}


def _tension_key(t: Any) -> tuple[str, str]:
    sides = sorted(
        [f"{actor_key(t.a.actor)}: {claim_key(t.a.claim.text)}", f"{actor_key(t.b.actor)}: {claim_key(t.b.claim.text)}"]
    )
    return sides[0], sides[1]


def stance_keys(p: Perspective) -> set[str]:
    return {claim_key(s.text) for s in p.stance}


# --------------------------------------------------------------------------- materiality


def is_material_change(old: Brief | None, new: Brief) -> bool:
    """True when ``new`` says something ``old`` did not (or stops saying something).

    Material: a cited source added or removed, a claim added or removed in any
    section, a timeline event, perspective or tension added or removed, a
    stance changed.  Not material: ordering, ``generated_at``, item count,
    version number, change summary, evolution notes.
    """
    if old is None:
        return True
    if _source_ids(old) != _source_ids(new):
        return True
    if _claim_keys(old) != _claim_keys(new):
        return True
    if _timeline_keys(old) != _timeline_keys(new):
        return True
    old_p = {actor_key(p.actor): stance_keys(p) for p in old.perspectives}
    new_p = {actor_key(p.actor): stance_keys(p) for p in new.perspectives}
    if old_p != new_p:
        return True
    return {_tension_key(t) for t in old.tensions} != {_tension_key(t) for t in new.tensions}


# --------------------------------------------------------------------------- diff


def _sentence_changes(
    section: str, mine: list[Sentence], other_keys: set[str]
) -> list[ClaimChange]:
    seen: set[str] = set()
    out = []
    for s in mine:
        key = claim_key(s.text)
        if key in other_keys or key in seen:
            continue
        seen.add(key)
        out.append(ClaimChange(section, s.text, list(s.cites)))
    return out


def _tension_ref(t: Any) -> TensionRef:
    return TensionRef(
        t.a.actor, t.a.claim.text, t.b.actor, t.b.claim.text,
        sorted(set(t.a.claim.cites) | set(t.b.claim.cites)),
    )


def _moves(placed_a: dict[str, dict[str, Sentence]], placed_b: dict[str, dict[str, Sentence]]) -> list[ClaimMove]:
    """Sentences both briefs show whose sections differ, in the newer brief's order."""
    where_a: dict[str, list[str]] = {}
    for section in MOVE_SECTIONS:
        for key in placed_a[section]:
            where_a.setdefault(key, []).append(section)
    moves: list[ClaimMove] = []
    done: set[str] = set()
    for section_b in MOVE_SECTIONS:
        for key in placed_b[section_b]:
            if key not in where_a or key in done:
                continue
            done.add(key)
            now = [sec for sec in MOVE_SECTIONS if key in placed_b[sec]]
            outs = [sec for sec in where_a[key] if sec not in now]
            ins = [sec for sec in now if sec not in where_a[key]]
            sent = next(placed_b[sec][key] for sec in now)
            pairs = list(zip(outs, ins, strict=False))
            pairs += [(out, now[0]) for out in outs[len(pairs):]]
            pairs += [(where_a[key][0], to) for to in ins[len(pairs):]]
            moves += [ClaimMove(sent.text, out, to, list(sent.cites)) for out, to in pairs]
    return moves


def diff_briefs(a: Brief, b: Brief) -> BriefDiff:
    """The semantic difference from brief ``a`` (older) to brief ``b`` (newer).

    A sentence ``a`` shows in one section and ``b`` in another is reported in
    ``claims_moved``, never as removed and added.
    """
    diff = BriefDiff(b.story.slug, b.story.title, a.version, b.version)
    claims_a, claims_b = _claims(a), _claims(b)
    placed_a, placed_b = _placed(a), _placed(b)
    anywhere_a = {k for sec in placed_a.values() for k in sec}
    anywhere_b = {k for sec in placed_b.values() for k in sec}
    for section in CLAIM_SECTIONS:
        if section == "perspectives":
            continue  # reported per actor below
        keys_a = {claim_key(s.text) for s in claims_a[section]}
        keys_b = {claim_key(s.text) for s in claims_b[section]}
        diff.claims_added += _sentence_changes(section, claims_b[section], keys_a | anywhere_a)
        diff.claims_removed += _sentence_changes(section, claims_a[section], keys_b | anywhere_b)
    diff.claims_moved = _moves(placed_a, placed_b)

    ids_a, ids_b = _source_ids(a), _source_ids(b)
    diff.new_sources = [s for s in b.sources if s.item_id not in ids_a]
    diff.removed_sources = [s for s in a.sources if s.item_id not in ids_b]

    persp_a = {actor_key(p.actor): p for p in a.perspectives}
    persp_b = {actor_key(p.actor): p for p in b.perspectives}
    matched: set[str] = set()
    for key, p in persp_b.items():
        old_key = next((k for k in persp_a if same_actor(k, key)), None)
        if old_key is None:
            diff.new_perspectives.append(
                PerspectiveChange(p.actor, _sentence_changes("perspectives", p.stance, set()))
            )
            continue
        matched.add(old_key)
        old = persp_a[old_key]
        added = _sentence_changes("perspectives", p.stance, stance_keys(old))
        removed = _sentence_changes("perspectives", old.stance, stance_keys(p))
        if added or removed:
            diff.changed_perspectives.append(PerspectiveChange(p.actor, added, removed))
    diff.removed_perspectives = [p.actor for k, p in persp_a.items() if k not in matched]

    tens_a = {_tension_key(t) for t in a.tensions}
    tens_b = {_tension_key(t) for t in b.tensions}
    diff.new_tensions = [_tension_ref(t) for t in b.tensions if _tension_key(t) not in tens_a]
    diff.removed_tensions = [_tension_ref(t) for t in a.tensions if _tension_key(t) not in tens_b]

    # A timeline event whose sentence came from (or went to) another section is a move;
    # one re-dated (same sentence, other date) is still an event added and one removed.
    tl_a, tl_b = _timeline_keys(a), _timeline_keys(b)
    moved_in = {claim_key(m.text) for m in diff.claims_moved if m.to_section == "timeline"}
    moved_out = {claim_key(m.text) for m in diff.claims_moved if m.from_section == "timeline"}
    diff.timeline_added = [
        TimelineRef(e.date, e.text, list(e.cites))
        for e in b.timeline
        if (e.date, claim_key(e.text)) not in tl_a and claim_key(e.text) not in moved_in
    ]
    diff.timeline_removed = [
        TimelineRef(e.date, e.text, list(e.cites))
        for e in a.timeline
        if (e.date, claim_key(e.text)) not in tl_b and claim_key(e.text) not in moved_out
    ]
    diff.developments = _developments(b, diff, anywhere_a)
    return diff


def _developments(b: Brief, diff: BriefDiff, known: set[str]) -> list[NewDevelopment]:
    """The new brief's sentences that report something new, most important first.

    A development cites a newly added source and is not a sentence the old
    brief showed anywhere (``known``: its folded sentences).  Ranked by where
    ``b`` shows it (What summary, What bullets, new timeline events newest
    first, Why it matters, Narrative, Tensions, Perspectives, Open
    questions), then by ``b``'s own order; a sentence shown twice counts once.
    """
    new_ns = {s.n for s in diff.new_sources}
    summary_keys = {claim_key(s.text) for s in b.what.summary}
    ranked: list[tuple[tuple[int, int], NewDevelopment]] = []

    def offer(dev: NewDevelopment, order: int) -> None:
        if not dev.cites or not new_ns & set(dev.cites) or claim_key(dev.text) in known:
            return
        section = "summary" if dev.section == "what" and claim_key(dev.text) in summary_keys else dev.section
        ranked.append(((_DEVELOPMENT_RANK.get(section, 9), order), dev))

    for i, c in enumerate(diff.claims_added):
        offer(NewDevelopment(c.section, c.text, list(c.cites)), i)
    newest_first = sorted(diff.timeline_added, key=lambda e: e.date, reverse=True)
    for i, e in enumerate(newest_first):
        offer(NewDevelopment("timeline", e.text, list(e.cites), e.date), i)
    stances = [c for p in (*diff.new_perspectives, *diff.changed_perspectives) for c in p.stance_added]
    for i, c in enumerate(stances):
        offer(NewDevelopment("perspectives", c.text, list(c.cites)), i)

    out: list[NewDevelopment] = []
    seen: set[str] = set()
    chars = 0
    for _, dev in sorted(ranked, key=lambda r: r[0]):
        key = claim_key(dev.text)
        if key in seen:
            continue
        words = len(dev.words())
        if out and (len(out) >= MAX_DEVELOPMENTS or chars + words > DEVELOPMENT_CHARS):
            break
        seen.add(key)
        out.append(dev)
        chars += words + 1
    return out




def same_actor(a: str, b: str) -> bool:
    """Normalised names equal, or one extends the other ('nathan lambert' / '… of ai2')."""
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    return len(short.split()) >= 2 and long.startswith(short + " ")


