"""Version stage: materiality, semantic diffs and per-actor evolution.

A story gets a new brief version only when the brief changed *materially*:
a new cited source, a claim added or removed, a new timeline event,
perspective or tension.  Re-ordering, a new ``generated_at`` or a different
item count alone are not material.  Claims are compared by their folded text
(case, whitespace and typography folded), so the same sentence cited under a
different source number is the same claim.

The diff matches sentences across sections: a sentence that left What and
now stands in the Narrative (or the Timeline, or a stance) is a *move*, not
a removal and an addition.  ``change_summary`` names a version's new
developments in words before the counts: at most ``MAX_DEVELOPMENTS``
sentences of the new brief that cite a newly added source and said nothing
the old brief said, most important first (the What summary, then What
bullets, then new timeline events, newest first, then the other sections),
each with the new brief's own source numbers:
"Schools close on Monday. [4] (+1 source, +3 claims)".

``apply_evolution`` compares each actor's stance with the versions before it
and fills ``Perspective.evolution``: ``new`` (first appearance), ``consistent``
(earlier stance still held) or ``shifted`` (earlier stance sentences gone,
different ones now).  The note only quotes stance text of the versions and
carries their citations, mapped to the new brief's source numbers.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Any

from infomachine.models import Brief, Evolution, Perspective, Sentence, SourceRef
from infomachine.models.brief import Development, VersionChanges
from infomachine.text.stopwords import STANCE_STOPWORDS
from infomachine.text.words import fold
from infomachine.wording import plural

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
CONSISTENT_OVERLAP = 0.5  # token Jaccard of two stances above which a rewording is "consistent"
_WORD = re.compile(r"[a-z0-9]+(?:[.'-][a-z0-9]+)*")
_SHIFT_CUES = re.compile(
    r"\b(now|no longer|changed?|reversed?|revised?|instead|retract\w*|walked back|backtrack\w*|"
    r"u-turn|shifted|updated?|newly|abandon\w*|reconsider\w*)\b",
    re.IGNORECASE,
)
# --------------------------------------------------------------------------- keys


def claim_key(text: str) -> str:
    """The folded text of a claim, trailing punctuation dropped."""
    return fold(text).rstrip(" .;:!")


def actor_key(name: str) -> str:
    """A normalised actor name: 'Nathan Lambert (Ai2)' and 'nathan  lambert' match."""
    name = re.sub(r"\([^)]*\)", " ", name)
    norm = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    norm = re.sub(r"^the\s+", "", norm.strip())
    return " ".join(re.findall(r"[a-z0-9]+", norm))


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


def _stance_keys(p: Perspective) -> set[str]:
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
    old_p = {actor_key(p.actor): _stance_keys(p) for p in old.perspectives}
    new_p = {actor_key(p.actor): _stance_keys(p) for p in new.perspectives}
    if old_p != new_p:
        return True
    return {_tension_key(t) for t in old.tensions} != {_tension_key(t) for t in new.tensions}


# --------------------------------------------------------------------------- diff


@dataclass
class ClaimChange:
    section: str
    text: str
    cites: list[int] = field(default_factory=list)


@dataclass
class ClaimMove:
    """A sentence both versions show, in a different section (cites in the newer numbering)."""

    text: str
    from_section: str
    to_section: str
    cites: list[int] = field(default_factory=list)


@dataclass
class NewDevelopment:
    """A sentence of the newer brief named in the change summary (its cites)."""

    section: str
    text: str
    cites: list[int] = field(default_factory=list)
    date: str | None = None

    def words(self) -> str:
        text = f"{self.date}: {self.text.strip()}" if self.date else self.text.strip()
        return f"{text} {_cite_marks(self.cites)}".rstrip()


@dataclass
class PerspectiveChange:
    actor: str
    stance_added: list[ClaimChange] = field(default_factory=list)
    stance_removed: list[ClaimChange] = field(default_factory=list)


@dataclass
class TensionRef:
    a_actor: str
    a_claim: str
    b_actor: str
    b_claim: str
    cites: list[int] = field(default_factory=list)


@dataclass
class TimelineRef:
    date: str
    text: str
    cites: list[int] = field(default_factory=list)


@dataclass
class BriefDiff:
    """What changed between version ``a`` and version ``b`` of a story's brief.

    Cites of added things use ``b``'s source numbers, of removed things ``a``'s.
    """

    story_slug: str
    story_title: str
    from_version: int
    to_version: int
    claims_added: list[ClaimChange] = field(default_factory=list)
    claims_removed: list[ClaimChange] = field(default_factory=list)
    new_sources: list[SourceRef] = field(default_factory=list)
    removed_sources: list[SourceRef] = field(default_factory=list)
    new_perspectives: list[PerspectiveChange] = field(default_factory=list)
    changed_perspectives: list[PerspectiveChange] = field(default_factory=list)
    removed_perspectives: list[str] = field(default_factory=list)
    new_tensions: list[TensionRef] = field(default_factory=list)
    removed_tensions: list[TensionRef] = field(default_factory=list)
    timeline_added: list[TimelineRef] = field(default_factory=list)
    timeline_removed: list[TimelineRef] = field(default_factory=list)
    claims_moved: list[ClaimMove] = field(default_factory=list)
    # What the change summary names, most important first (see ``change_summary``).
    developments: list[NewDevelopment] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not any(
            (
                self.claims_added, self.claims_removed, self.claims_moved,
                self.new_sources, self.removed_sources,
                self.new_perspectives, self.changed_perspectives, self.removed_perspectives,
                self.new_tensions, self.removed_tensions, self.timeline_added, self.timeline_removed,
            )
        )

    def claims_by_section(self, added: bool = True) -> dict[str, list[ClaimChange]]:
        out: dict[str, list[ClaimChange]] = {}
        for c in self.claims_added if added else self.claims_removed:
            out.setdefault(c.section, []).append(c)
        return out

    def summary(self) -> str:
        return change_summary(self)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["new_sources"] = [s.model_dump() for s in self.new_sources]
        data["removed_sources"] = [s.model_dump() for s in self.removed_sources]
        data["summary"] = self.summary()
        return data


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
        added = _sentence_changes("perspectives", p.stance, _stance_keys(old))
        removed = _sentence_changes("perspectives", old.stance, _stance_keys(p))
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


def change_summary(diff: BriefDiff | None) -> str:
    """The new developments in words, then the counts.

    'Schools close on Monday. [4] (+1 source, +3 claims, -1 claim)'; only
    counts when no sentence reports something new from a new source ('+2
    claims, 1 claim moved'), 'first version' without an older version.
    """
    if diff is None:
        return "first version"
    counts = change_counts(diff)
    words = " ".join(d.words() for d in diff.developments)
    return f"{words} ({counts})" if words else counts


def version_changes(diff: BriefDiff | None) -> VersionChanges | None:
    """``Brief.changes``: the developments and counts of ``change_summary``."""
    if diff is None:
        return None
    return VersionChanges(
        from_version=diff.from_version,
        developments=[
            Development(text=d.text, cites=list(d.cites), section=d.section, date=d.date)
            for d in diff.developments
        ],
        counts=change_counts(diff),
    )


def change_counts(diff: BriefDiff) -> str:
    """One line: '+2 sources, +5 claims, -1 claim, new perspective: Epoch AI, …'."""
    parts = []
    if diff.new_sources:
        parts.append(f"+{plural(len(diff.new_sources), 'source')}")
    if diff.removed_sources:
        parts.append(f"-{plural(len(diff.removed_sources), 'source')}")
    if diff.claims_added:
        parts.append(f"+{plural(len(diff.claims_added), 'claim')}")
    if diff.claims_removed:
        parts.append(f"-{plural(len(diff.claims_removed), 'claim')}")
    if diff.claims_moved:
        parts.append(f"{plural(len(diff.claims_moved), 'claim')} moved")
    if diff.timeline_added:
        parts.append(f"+{plural(len(diff.timeline_added), 'timeline event')}")
    if diff.timeline_removed:
        parts.append(f"-{plural(len(diff.timeline_removed), 'timeline event')}")
    if diff.new_perspectives:
        names = ", ".join(p.actor for p in diff.new_perspectives[:3])
        more = f" +{len(diff.new_perspectives) - 3}" if len(diff.new_perspectives) > 3 else ""
        parts.append(f"new perspective{'s' if len(diff.new_perspectives) > 1 else ''}: {names}{more}")
    if diff.changed_perspectives:
        parts.append(f"{plural(len(diff.changed_perspectives), 'stance')} updated")
    if diff.new_tensions:
        parts.append(f"+{plural(len(diff.new_tensions), 'tension')}")
    return ", ".join(parts) if parts else "no material change"


# --------------------------------------------------------------------------- evolution


def _tokens(sentences: list[Sentence]) -> set[str]:
    words = set()
    for s in sentences:
        words |= {w for w in _WORD.findall(fold(s.text)) if w not in STANCE_STOPWORDS}
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


def _cite_marks(cites: list[int]) -> str:
    return "".join(f"[{n}]" for n in dict.fromkeys(cites))


def same_actor(a: str, b: str) -> bool:
    """Normalised names equal, or one extends the other ('nathan lambert' / '… of ai2')."""
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    return len(short.split()) >= 2 and long.startswith(short + " ")


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
    prev_keys, now_keys = _stance_keys(prev), _stance_keys(p)
    added = [s for s in p.stance if claim_key(s.text) not in prev_keys]
    dropped = [s for s in prev.stance if claim_key(s.text) not in now_keys]
    added_cites = [n for s in added for n in s.cites]
    similar = _jaccard(_tokens(prev.stance), _tokens(p.stance)) >= CONSISTENT_OVERLAP
    # A different selection of the actor's statements is not a shift; a shift
    # needs the earlier statements gone, different words and a cue of change.
    if not dropped or similar or not _shift_cue(added):
        note = f"Held since version {first_version}"
        if added:
            note += f"; now also: “{_quote(added)}” {_cite_marks(added_cites)}"
        return Evolution(status="consistent", note=note.rstrip() + ".", cites=sorted(set(added_cites)))
    old_cites = _map_cites([n for s in dropped for n in s.cites], prev_brief, new)
    old_ref = _cite_marks(old_cites) or f"(version {prev_brief.version})"
    note = f"In version {prev_brief.version}: “{_quote(dropped)}” {old_ref}"
    note += f"; now: “{_quote(added)}” {_cite_marks(added_cites)}"
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
