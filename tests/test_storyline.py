"""The storyline level (infomachine.cluster.storyline) on small hand-made events."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infomachine.cluster.storyline import (
    EventInput,
    ItemInput,
    LinkerState,
    StorylineConfig,
    StorylineLinker,
)

DAY = 86400.0
T0 = 1_700_000_000.0


def ev(eid: str, day: float, vector: dict[str, float], url: str | None = None, text: str = "") -> EventInput:
    item = ItemInput(id=eid + "-1", ts=T0 + day * DAY, url=url, text=text)
    return EventInput(id=eid, items=[item], vector=vector, n_items=1)


# Subject: a (fictional) mining dispute in Kivara, its company and its minister.
MINE = {"e:kivara": 3.0, "kivara": 2.0, "e:zorvex mining": 2.5, "zorvex": 2.0, "mine": 2.0,
        "copper": 1.5, "strike": 1.0, "e:minister odalys": 1.5, "odalys": 1.0, "royalty": 1.0}
MINE_LATER = {"e:kivara": 3.0, "kivara": 2.0, "e:zorvex mining": 2.0, "zorvex": 1.5, "mine": 2.0,
              "copper": 1.0, "court": 1.5, "royalty": 1.5, "licence": 1.0, "appeal": 1.0}
MINE_REVIVED = {"e:kivara": 3.0, "kivara": 2.0, "e:zorvex mining": 2.0, "zorvex": 1.5, "mine": 1.5,
                "copper": 1.5, "reopen": 1.5, "royalty": 0.5, "export": 1.0}
# Two unrelated happenings that share only a president's name.
PRES_BUDGET = {"e:president marlow": 3.0, "marlow": 2.5, "president": 1.0, "budget": 2.0,
               "deficit": 2.0, "tax": 1.5, "parliament": 1.0, "spending": 1.5}
PRES_STORM = {"e:president marlow": 3.0, "marlow": 2.5, "president": 1.0, "hurricane": 2.5,
              "flood": 2.0, "e:port selva": 2.0, "selva": 1.5, "evacuation": 1.5}
# A storyline that shares no feature with the mine at all.
CHESS = {"e:grandmaster ilvo": 3.0, "ilvo": 2.0, "chess": 2.5, "tournament": 2.0, "opening": 1.0,
         "e:tal memorial": 2.0, "endgame": 1.0}


def linker(**kw: object) -> StorylineLinker:
    return StorylineLinker(StorylineConfig(**kw))  # type: ignore[arg-type]


def test_one_subject_weeks_apart_joins_one_storyline() -> None:
    lk = linker()
    lk.link([ev("a", 0, MINE)])
    res = lk.link([ev("b", 21, MINE_LATER)])
    assert lk.storyline_of("a") == lk.storyline_of("b")
    assert res.joined == 1 and not res.new_storylines


def test_shared_prominent_actor_alone_does_not_join() -> None:
    lk = linker()
    lk.link([ev("budget", 0, PRES_BUDGET), ev("storm", 3, PRES_STORM)])
    assert lk.storyline_of("budget") != lk.storyline_of("storm")


def test_quiet_storyline_revives_after_months() -> None:
    lk = linker()
    lk.link([ev("a", 0, MINE), ev("b", 10, MINE_LATER), ev("chess", 20, CHESS)])
    lk.link([ev("c", 200, MINE_REVIVED)])  # six months of silence
    assert lk.storyline_of("c") == lk.storyline_of("a")
    assert lk.storyline_of("chess") != lk.storyline_of("a")


def test_candidates_come_from_the_index() -> None:
    lk = linker()
    lk.link([ev("chess", 0, CHESS), ev("a", 1, MINE)])
    chess_story = lk.storyline_of("chess")
    lk.link([ev("b", 5, MINE_LATER)])
    assert chess_story not in lk.scored  # shares no feature: never looked at
    assert lk.storyline_of("a") in lk.scored


def test_item_link_places_event_in_linked_storyline() -> None:
    lk = linker()
    lk.link([ev("a", 0, MINE, url="https://news.example/kivara-strike")])
    linked = ev("z", 40, CHESS, text="Background: see https://news.example/kivara-strike/ for the strike.")
    res = lk.link([linked])
    assert lk.storyline_of("z") == lk.storyline_of("a") and res.by_link == 1
    off = linker(link_weight=0.0)
    off.link([ev("a", 0, MINE, url="https://news.example/kivara-strike")])
    off.link([ev("z", 40, CHESS, text="see https://news.example/kivara-strike")])
    assert off.storyline_of("z") != off.storyline_of("a")


def stream() -> list[EventInput]:
    return [ev("a", 0, MINE), ev("budget", 2, PRES_BUDGET), ev("chess", 4, CHESS),
            ev("b", 21, MINE_LATER), ev("storm", 30, PRES_STORM), ev("c", 200, MINE_REVIVED)]


def test_batches_give_the_one_shot_assignment() -> None:
    one = linker()
    one.link(stream())
    batched = linker()
    evs = stream()
    for start in range(0, len(evs), 2):
        batched.link(reversed(evs[start:start + 2]))  # order inside a call does not matter
    ids = [e.id for e in evs]
    assert [one.storyline_of(i) for i in ids] == [batched.storyline_of(i) for i in ids]


def test_deterministic() -> None:
    a, b = linker(), linker()
    a.link(stream())
    b.link(stream())
    assert a.state.to_plain() == b.state.to_plain()


def test_state_round_trips_through_json_and_keeps_linking() -> None:
    evs = stream()
    full = linker()
    full.link(evs)
    first = linker()
    first.link(evs[:4])
    plain = json.loads(json.dumps(first.state.to_plain()))
    resumed = StorylineLinker(StorylineConfig(), LinkerState.from_plain(plain))
    assert resumed.state.to_plain() == first.state.to_plain()
    resumed.link(evs[4:])
    assert [resumed.storyline_of(e.id) for e in evs] == [full.storyline_of(e.id) for e in evs]


def test_grown_event_keeps_its_storyline_and_merged_event_follows() -> None:
    lk = linker()
    lk.link([ev("a", 0, MINE), ev("chess", 1, CHESS)])
    sid = lk.storyline_of("a")
    grown = EventInput(id="a", items=[ItemInput(id="a-2", ts=T0 + 2 * DAY)], vector=MINE_LATER, n_items=2)
    res = lk.link([grown])
    assert res.grown == 1 and lk.storyline_of("a") == sid
    assert lk.state.storylines[sid].n_items == 2
    lk.link([], merged={"a": "a2"})  # the engine folded event a into event a2
    assert lk.storyline_of("a") == lk.storyline_of("a2") == sid


def test_events_without_vector_are_read_from_their_items() -> None:
    lk = linker()
    items = [
        ("x1", 0, "Zorvex Mining halts Kivara copper mine as strike spreads",
         "Workers at the Kivara copper mine run by Zorvex Mining walked out over royalties."),
        ("x2", 30, "Kivara court backs Zorvex Mining royalty appeal at the copper mine",
         "A court in Kivara sided with Zorvex Mining over copper royalties at the mine."),
        ("x3", 31, "Grandmaster Ilvo wins the Tal Memorial chess tournament",
         "Grandmaster Ilvo took the Tal Memorial with a sharp endgame in the last round."),
    ]
    for eid, day, title, text in items:
        lk.link([EventInput(id=eid, items=[ItemInput(id=eid + "-i", title=title, text=text,
                                                      ts=T0 + day * DAY)])])
    assert lk.storyline_of("x1") == lk.storyline_of("x2") != lk.storyline_of("x3")


def test_realnews_dev_has_no_cross_domain_story(shared_data: Path) -> None:
    """Through the product path (ingest, events, storylines) on the shared dev file."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from storyline_quality import load, mixes, run_levels

    out = run_levels(load(shared_data / "realnews-dev.jsonl"), {})
    assert not [m for m in mixes(out["gold"], out["story"]) if m["cross_domain"]]


# The synthetic stream of benchmarks/cluster.py: headline-only events whose
# vectors are a few subject words, generic tag words every headline carries
# ("latest", "analysis", ...) and, for many of them, one prominent name.
TAGS = ["latest", "analysis", "breaking", "opinion", "explainer", "update"]
SUBJECTS = [["sbarro", "pizza", "bankruptcy"], ["titanfall", "xbox", "patch"], ["gox", "bitcoin", "vault"],
            ["taper", "plosser", "weather"], ["lohan", "sober", "rehab"], ["carplay", "dashboard", "ford"],
            ["cosmos", "tyson", "episode"], ["ethanol", "petrol", "lundberg"], ["copper", "cathode", "shfe"],
            ["delta", "winter", "profit"], ["snowden", "sxsw", "encryption"], ["ebay", "icahn", "paypal"],
            ["malaysia", "jetliner", "radar"], ["gm", "ignition", "recall"], ["crimea", "referendum", "troop"],
            ["nasa", "comet", "probe"], ["ukraine", "gas", "pipeline"], ["fcc", "broadband", "auction"],
            ["nintendo", "handheld", "console"], ["ipo", "king", "candy"], ["tesla", "dealer", "jersey"],
            ["sochi", "paralympic", "medal"], ["yen", "export", "deficit"], ["flu", "vaccine", "strain"]]


def headline_event(eid: str, day: float, subject: list[str], k: int, name: bool) -> EventInput:
    vec = {w: 2.0 for w in subject}
    for j in range(4):
        vec[TAGS[(k + j) % len(TAGS)]] = 1.5  # a handful of tags per event, as items add theirs
    if name:
        vec.update({"e:president marlow": 2.0, "marlow": 1.5})
    return ev(eid, day, vec)


def test_generic_tags_and_one_prominent_name_do_not_make_a_mega_story() -> None:
    """Unrelated headline events that share only tag words and one prominent
    name stay apart (on the synthetic stream these chained into one storyline
    of 3,040 of 10,000 items); the tag words alone are no evidence either."""
    lk = linker()
    evs = [headline_event(f"h{k}", k * 0.1, subj, k, name=k >= 6) for k, subj in enumerate(SUBJECTS)]
    lk.link(evs)
    stories = {lk.storyline_of(e.id) for e in evs}
    assert len(stories) == len(evs)
    # ... while the same subject, tags and name again a week later does join
    again = headline_event("h-again", 10, SUBJECTS[10], 3, name=True)
    lk.link([again])
    assert lk.storyline_of("h-again") == lk.storyline_of("h10")


def test_text_mention_of_the_main_name_helps_but_does_not_join_alone() -> None:
    """An event whose vector misses the storyline's main name but whose text names
    it joins when the subject overlaps too; naming it is not enough by itself."""
    lk = linker()
    lk.link([ev("a", 0, MINE), ev("b", 10, MINE_LATER)])
    subject = {"kivara": 2.0, "mine": 2.0, "copper": 1.5, "royalty": 1.5, "smelter": 1.0, "tariff": 1.0}
    body = ("The smelter deal follows months of dispute over the export tariff and the royalty "
            "regime, which the government says must change before the next licence round opens, "
            "and which Zorvex Mining has fought in court since the strike began last year.")
    head = linker()
    head.link([ev("a", 0, MINE), ev("b", 10, MINE_LATER)])
    head.link([ev("m", 20, subject, text="Smelter deal ends Zorvex Mining dispute")])  # a headline only
    assert head.storyline_of("m") != head.storyline_of("a")
    lk.link([ev("m", 20, subject, text=body)])
    assert lk.storyline_of("m") == lk.storyline_of("a")
    unrelated = {"festival": 2.0, "jazz": 2.0, "stage": 1.5, "ticket": 1.0, "e:port selva": 2.0}
    lk.link([ev("u", 21, unrelated, text="Zorvex Mining sponsors the Port Selva jazz festival stage. " + body)])
    assert lk.storyline_of("u") != lk.storyline_of("a")


if __name__ == "__main__":
    pytest.main([__file__])
