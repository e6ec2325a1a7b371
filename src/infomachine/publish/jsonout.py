"""JSON output of briefs and diffs, and Markdown of a diff.

The brief's JSON is the ``Brief`` model itself (its schema is the contract);
a diff is ``BriefDiff.as_dict()``.  Renderers only render.
"""

from __future__ import annotations

import json

from infomachine.models import Brief
from infomachine.publish.markdown import cites, escape, source_line
from infomachine.synth.diffs import BriefDiff, ClaimChange
from infomachine.wording import SECTION_TITLES


def brief_json(brief: Brief, *, indent: int | None = 2) -> str:
    """The Brief model as JSON."""
    return brief.model_dump_json(indent=indent)


def diff_json(diff: BriefDiff, *, indent: int | None = 2) -> str:
    return json.dumps(diff.as_dict(), ensure_ascii=False, indent=indent, default=str)


def _claim(c: ClaimChange) -> str:
    return f"{escape(c.text)} {cites(c.cites)}".rstrip()


def diff_markdown(diff: BriefDiff) -> str:
    """A readable semantic diff: what a reader who saw version A needs to know."""
    lines = [
        f"# {escape(diff.story_title)}: version {diff.from_version} → {diff.to_version}",
        "",
        f"_{escape(diff.summary())}_",
        "",
    ]
    if diff.is_empty:
        return "\n".join(lines)
    if diff.new_sources:
        lines += ["## New sources", ""]
        lines += [f"- {source_line(s)}" for s in diff.new_sources]
        lines.append("")
    if diff.removed_sources:
        lines += ["## Sources no longer cited", ""]
        lines += [f"- {source_line(s)}" for s in diff.removed_sources]
        lines.append("")
    for added, heading in ((True, "Claims added"), (False, "Claims removed")):
        by_section = diff.claims_by_section(added)
        if not by_section:
            continue
        lines += [f"## {heading}", ""]
        for section, claims in by_section.items():
            lines += [f"### {SECTION_TITLES.get(section, section)}", ""]
            lines += [f"- {'+' if added else '−'} {_claim(c)}" for c in claims]
            lines.append("")
    if diff.claims_moved:
        lines += ["## Moved", ""]
        lines += [
            f"- {SECTION_TITLES.get(c.from_section, c.from_section)} → "
            f"{SECTION_TITLES.get(c.to_section, c.to_section)}: {escape(c.text)} {cites(c.cites)}".rstrip()
            for c in diff.claims_moved
        ]
        lines.append("")
    if diff.new_perspectives or diff.changed_perspectives or diff.removed_perspectives:
        lines += ["## Perspectives", ""]
        for p in diff.new_perspectives:
            stance = " ".join(_claim(c) for c in p.stance_added)
            lines.append(f"- **{escape(p.actor)}** (new): {stance}".rstrip())
        for p in diff.changed_perspectives:
            lines.append(f"- **{escape(p.actor)}** (changed)")
            lines += [f"  - + {_claim(c)}" for c in p.stance_added]
            lines += [f"  - − {_claim(c)}" for c in p.stance_removed]
        for actor in diff.removed_perspectives:
            lines.append(f"- **{escape(actor)}** (no longer shown)")
        lines.append("")
    if diff.new_tensions:
        lines += ["## New tensions", ""]
        for t in diff.new_tensions:
            lines.append(
                f"- **{escape(t.a_actor)}**: {escape(t.a_claim)} ↔ **{escape(t.b_actor)}**: "
                f"{escape(t.b_claim)} {cites(t.cites)}".rstrip()
            )
        lines.append("")
    if diff.timeline_added:
        lines += ["## Timeline events added", ""]
        lines += [f"- {escape(e.date)}: {escape(e.text)} {cites(e.cites)}".rstrip() for e in diff.timeline_added]
        lines.append("")
    return "\n".join(lines)
