"""What changed between two versions, as data (``BriefDiff``) and in words.

``versions.diff_briefs`` computes a ``BriefDiff``; ``change_summary`` says it:
the version's new developments as cited sentences, then the counts.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from infomachine.models import SourceRef
from infomachine.models.brief import Development, VersionChanges
from infomachine.wording import plural

# Sections whose sentences count as claims, in display order.

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
        return f"{text} {cite_marks(self.cites)}".rstrip()


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


def cite_marks(cites: list[int]) -> str:
    return "".join(f"[{n}]" for n in dict.fromkeys(cites))
