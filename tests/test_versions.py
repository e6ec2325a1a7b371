"""Materiality, semantic diffs and per-actor evolution."""

from __future__ import annotations

from datetime import UTC, datetime

from infomachine.models import (
    Brief,
    BriefStory,
    Claim,
    Evidence,
    Perspective,
    Sentence,
    SourceRef,
    Tension,
    TimelineEvent,
    What,
)
from infomachine.synth.diffs import change_summary, version_changes
from infomachine.synth.evolution import apply_evolution
from infomachine.synth.versions import actor_key, diff_briefs, is_material_change


def s(text: str, *cites: int) -> Sentence:
    return Sentence(text=text, cites=list(cites), evidence=[Evidence(n=n, quote=text) for n in cites])


def brief(
    version: int = 1,
    *,
    bullets: list[Sentence] | None = None,
    sources: list[str] | None = None,
    stances: dict[str, list[Sentence]] | None = None,
    timeline: list[TimelineEvent] | None = None,
    tensions: list[Tension] | None = None,
) -> Brief:
    ids = sources or ["item-a", "item-b"]
    return Brief(
        story=BriefStory(id="s-1", slug="harbour-dredging", title="Harbour dredging dispute"),
        version=version,
        generated_at=datetime(2026, 5, 1, 12, tzinfo=UTC),
        item_count=len(ids),
        what=What(
            summary=[s("The port authority approved dredging of the north harbour.", 1)],
            bullets=bullets if bullets is not None else [s("Work starts in June.", 1), s("Fishers object.", 2)],
        ),
        perspectives=[
            Perspective(actor=actor, stance=stance) for actor, stance in (stances or {}).items()
        ],
        timeline=timeline or [],
        tensions=tensions or [],
        sources=[SourceRef(n=i + 1, item_id=item, title=f"Report {i + 1}") for i, item in enumerate(ids)],
    )


# --------------------------------------------------------------------------- materiality


def test_first_version_is_material() -> None:
    assert is_material_change(None, brief())


def test_reorder_and_timestamp_are_not_material() -> None:
    old = brief()
    new = brief(version=2, bullets=[s("Fishers object.", 2), s("Work starts in June.", 1)])
    new.generated_at = datetime(2026, 6, 1, tzinfo=UTC)
    new.item_count = 9
    new.change_summary = "whatever"
    assert not is_material_change(old, new)


def test_same_claim_renumbered_or_retyped_is_not_material() -> None:
    old = brief()
    new = brief(bullets=[s("work starts in  June", 2), s("Fishers object.", 1)])
    assert not is_material_change(old, new)


def test_new_source_claim_timeline_perspective_tension_are_material() -> None:
    old = brief()
    assert is_material_change(old, brief(sources=["item-a", "item-b", "item-c"]))
    assert is_material_change(old, brief(bullets=[s("Work starts in June.", 1)]))
    assert is_material_change(
        old, brief(timeline=[TimelineEvent(date="2026-06-01", text="Dredging begins.", cites=[1])])
    )
    assert is_material_change(old, brief(stances={"Port authority": [s("Dredging is safe.", 1)]}))
    tension = Tension(
        a=Claim(actor="Port authority", claim=s("Dredging is safe.", 1)),
        b=Claim(actor="Fishers' union", claim=s("Dredging will ruin the catch.", 2)),
    )
    assert is_material_change(old, brief(tensions=[tension]))


# --------------------------------------------------------------------------- diff


def test_diff_reports_claims_sources_perspectives_tensions_timeline() -> None:
    old = brief(stances={"Port authority": [s("Dredging is safe.", 1)]})
    tension = Tension(
        a=Claim(actor="Port authority", claim=s("Dredging is safe.", 1)),
        b=Claim(actor="Fishers' union", claim=s("Dredging will ruin the catch.", 3)),
    )
    new = brief(
        version=2,
        sources=["item-a", "item-b", "item-c"],
        bullets=[s("Work starts in June.", 1), s("A court hearing is set for 12 June.", 3)],
        stances={
            "Port Authority": [s("Dredging is safe.", 1), s("Silt will be monitored weekly.", 3)],
            "Fishers' union": [s("Dredging will ruin the catch.", 3)],
        },
        timeline=[TimelineEvent(date="2026-06-12", text="Court hearing.", cites=[3])],
        tensions=[tension],
    )
    d = diff_briefs(old, new)
    assert (d.from_version, d.to_version) == (1, 2)
    assert [c.text for c in d.claims_added if c.section == "what"] == ["A court hearing is set for 12 June."]
    assert [c.text for c in d.claims_removed] == ["Fishers object."]
    assert [src.item_id for src in d.new_sources] == ["item-c"]
    assert [p.actor for p in d.new_perspectives] == ["Fishers' union"]
    assert [p.actor for p in d.changed_perspectives] == ["Port Authority"]
    assert [c.text for c in d.changed_perspectives[0].stance_added] == ["Silt will be monitored weekly."]
    assert len(d.new_tensions) == 1 and d.new_tensions[0].cites == [1, 3]
    assert [e.date for e in d.timeline_added] == ["2026-06-12"]
    summary = change_summary(d)
    assert "+1 source" in summary and "new perspective: Fishers' union" in summary
    assert "+1 tension" in summary
    assert d.as_dict()["summary"] == summary


def test_diff_of_identical_briefs_is_empty() -> None:
    d = diff_briefs(brief(), brief(version=2))
    assert d.is_empty
    assert change_summary(d) == "no material change"
    assert change_summary(None) == "first version"


# --------------------------------------------------------------------------- evolution


def test_actor_names_match_after_normalising() -> None:
    assert actor_key("Nathan Lambert (Ai2)") == actor_key("nathan  lambert")
    assert actor_key("The Port Authority") == actor_key("port authority")


def test_evolution_new_consistent_shifted() -> None:
    v1 = brief(
        version=1,
        stances={
            "Port authority": [s("Dredging is safe for the harbour ecology.", 1)],
            "Fishers' union": [s("The union will negotiate compensation.", 2)],
        },
    )
    apply_evolution(v1, [])
    assert [p.evolution.status for p in v1.perspectives] == ["new", "new"]
    assert v1.perspectives[0].evolution.note == "First appears in version 1."
    assert v1.perspectives[0].evolution.cites == [1]

    v2 = brief(
        version=2,
        sources=["item-b", "item-a", "item-c"],  # renumbered: item-a is now [2]
        stances={
            "port authority": [
                s("Dredging is safe for the harbour ecology.", 2),
                s("Silt will be monitored weekly.", 3),
            ],
            "Fishers' Union": [s("The union now calls for a court injunction to halt all work.", 3)],
            "City council": [s("The council wants a public hearing.", 3)],
        },
    )
    apply_evolution(v2, [v1])
    port, union, council = v2.perspectives
    assert port.evolution.status == "consistent"
    assert port.evolution.note.startswith("Held since version 1; now also:")
    assert "Silt will be monitored weekly." in port.evolution.note
    assert port.evolution.cites == [3]
    assert union.evolution.status == "shifted"
    # the note restates both stances and cites them in v2's numbering (item-b is [1])
    assert union.evolution.note.startswith("In version 1: “The union will negotiate compensation.” [1]")
    assert "court injunction" in union.evolution.note
    assert union.evolution.cites == [1, 3]
    assert council.evolution.status == "new"


def test_evolution_uses_latest_earlier_stance_and_first_appearance() -> None:
    v1 = brief(version=1, stances={"Mayor": [s("The mayor backs the plan.", 1)]})
    v2 = brief(version=2, stances={"Mayor": [s("The mayor backs the plan.", 1)]})
    v3 = brief(version=3, stances={"Mayor": [s("The mayor backs the plan.", 1)]})
    apply_evolution(v3, [v2, v1])
    assert v3.perspectives[0].evolution.status == "consistent"
    assert v3.perspectives[0].evolution.note == "Held since version 1."


def test_a_different_selection_without_a_change_cue_is_consistent() -> None:
    v1 = brief(version=1, stances={"Mayor": [s("The mayor backs the dredging plan.", 1)]})
    v2 = brief(version=2, stances={"Mayor": [s("The mayor expects tourism revenue to grow.", 2)]})
    apply_evolution(v2, [v1])
    evo = v2.perspectives[0].evolution
    assert evo.status == "consistent"
    assert evo.note == "Held since version 1; now also: “The mayor expects tourism revenue to grow.” [2]."
    assert evo.cites == [2]


def test_actor_with_affiliation_suffix_is_the_same_actor() -> None:
    v1 = brief(version=1, stances={"Nathan Lambert": [s("Lambert backs a consortium.", 1)]})
    v2 = brief(version=2, stances={"Nathan Lambert of Ai2": [s("Lambert backs a consortium.", 1)]})
    apply_evolution(v2, [v1])
    assert v2.perspectives[0].evolution.status == "consistent"
    d = diff_briefs(v1, v2)
    assert not d.new_perspectives and not d.removed_perspectives


# --------------------------------------------------------------------------- moves and words


def test_a_sentence_moved_between_sections_is_a_move() -> None:
    old = brief()
    new = brief(version=2, bullets=[s("Work starts in June.", 1)])
    new.narrative = [[s("Fishers object.", 2)]]  # left What, now in the Narrative
    d = diff_briefs(old, new)
    assert not d.claims_added and not d.claims_removed
    assert [(m.text, m.from_section, m.to_section) for m in d.claims_moved] == [
        ("Fishers object.", "what", "narrative")
    ]
    assert not d.developments
    assert change_summary(d) == "1 claim moved"


def test_a_sentence_moved_into_the_timeline_is_not_a_new_event() -> None:
    old = brief()
    old.narrative = [[s("Dredging began on 2 June.", 1)]]
    new = brief(version=2, timeline=[TimelineEvent(date="2026-06-02", text="Dredging began on 2 June.", cites=[1])])
    d = diff_briefs(old, new)
    assert not d.timeline_added and not d.claims_removed
    assert [(m.from_section, m.to_section) for m in d.claims_moved] == [("narrative", "timeline")]
    # a re-dated event (same sentence, other date) is still a timeline change
    redated = brief(version=3, timeline=[TimelineEvent(date="2026-06-03", text="Dredging began on 2 June.", cites=[1])])
    d2 = diff_briefs(new, redated)
    assert [e.date for e in d2.timeline_added] == ["2026-06-03"]
    assert [e.date for e in d2.timeline_removed] == ["2026-06-02"]


def test_summary_names_new_developments_from_new_sources_first_in_words() -> None:
    old = brief()
    new = brief(
        version=2,
        sources=["item-c", "item-a", "item-b", "item-d"],  # item-c [1] and item-d [4] are new
        bullets=[
            s("Work starts in June.", 2),
            s("Fishers object.", 3),
            s("Dredgers re-read an old survey.", 2),  # new claim, but from an old source
            s("The court froze the permit.", 1, 2),
        ],
        timeline=[
            TimelineEvent(date="2026-06-03", text="Divers found a wreck.", cites=[4]),
            TimelineEvent(date="2026-06-09", text="The minister visited the site.", cites=[4]),
        ],
    )
    new.what.summary = [s("A court froze the dredging permit on Monday.", 1)]
    d = diff_briefs(old, new)
    # What summary, then What bullets, then timeline events newest first; at most three
    assert [dev.words() for dev in d.developments] == [
        "A court froze the dredging permit on Monday. [1]",
        "The court froze the permit. [1][2]",
        "2026-06-09: The minister visited the site. [4]",
    ]
    summary = change_summary(d)
    assert summary.startswith("A court froze the dredging permit on Monday. [1] The court froze")
    assert summary.endswith("(+2 sources, +3 claims, -1 claim, +2 timeline events)")
    assert "old survey" not in summary  # cites no new source: counted, not named
    changes = version_changes(d)
    assert changes is not None and changes.counts == "+2 sources, +3 claims, -1 claim, +2 timeline events"
    assert [(x.section, x.date) for x in changes.developments] == [
        ("what", None), ("what", None), ("timeline", "2026-06-09")
    ]
    assert version_changes(None) is None


def test_a_sentence_the_old_brief_showed_is_no_new_development() -> None:
    old = brief()
    old.narrative = [[s("The court froze the permit.", 2)]]
    new = brief(version=2, sources=["item-a", "item-b", "item-c"])
    new.what.bullets.append(s("The court froze the permit.", 2, 3))  # now also cites new [3]
    d = diff_briefs(old, new)
    assert not d.developments
    assert change_summary(d) == "+1 source, 1 claim moved"


def test_developments_stay_short() -> None:
    long = "The harbour board published a long statement " + "about silt and tides " * 12 + "today."
    new = brief(version=2, sources=["item-a", "item-b", "item-c"])
    new.what.bullets = [s(long, 3), s(long.replace("today", "tonight"), 3), s("A hearing is set.", 3)]
    d = diff_briefs(brief(), new)
    assert len(d.developments) == 1  # the second long sentence would pass DEVELOPMENT_CHARS


def test_a_stored_brief_without_changes_still_loads() -> None:
    data = brief().model_dump(mode="json")
    data.pop("changes")
    loaded = Brief.model_validate(data)
    assert loaded.changes is None and loaded.change_summary == ""
