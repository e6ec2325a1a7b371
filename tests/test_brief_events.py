"""The brief of a story built from its events (issue #13 deliverable 4; #14 "say each thing once").

The story is invented for these tests: a water authority's fishing ban on a
lake, in four events (the ban, a court challenge, an undated commentary, the
ban lifted), each reported by one to four outlets.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from itertools import combinations

from infomachine.models import Brief, Item, Story, TimelineEvent
from infomachine.synth.analyze.sentences import Sent
from infomachine.synth.events import Line, StoryEvent, story_events, timeline_entries
from infomachine.synth.extractive import synthesize
from infomachine.synth.selection import Analysis, Said, same_fact
from infomachine.synth.timeline import select_dates
from infomachine.synth.verify import SourceTexts, check_sentence
from infomachine.synth.verify_dates import published_days, verify_dates

STORY = Story(id="s-orrin", slug="lake-orrin-ban", title="Lake Orrin fishing ban")

_EVENTS = {
    "e-ban": [
        ("Authority bans fishing on Lake Orrin", 3,
         "The Orrin Water Authority banned all fishing on Lake Orrin on March 2, 2026 after tests found algae toxins. "
         "Director Mara Quell said that the ban would stay until toxin levels fall below the safe limit. "
         "Anglers' groups said that the ban would cost local bait shops most of their spring trade."),
        ("Fishing banned at Lake Orrin over algae", 3,
         "Fishing on Lake Orrin was banned by the Orrin Water Authority on March 2, 2026 because algae toxins were found. "
         "Tests at six sampling points showed toxin levels four times the safe limit. "
         "The authority will test the water every week until the bloom clears."),
        ("Lake Orrin closed to anglers", 4,
         "The Orrin Water Authority banned all fishing on Lake Orrin on March 2, 2026 after tests found algae toxins. "
         "Boat hire firms on the north shore have cancelled their bookings for March."),
        ("Algae bloom shuts Lake Orrin fishery", 4,
         "An algae bloom has closed the Lake Orrin fishery, the Orrin Water Authority confirmed. "
         "Holiday parks near the lake reported a wave of cancellations from visiting anglers."),
    ],
    "e-court": [
        ("Anglers challenge Lake Orrin ban in court", 11,
         "The Orrin Anglers Federation filed a legal challenge against the fishing ban on March 10, 2026. "
         "Federation chair Tobin Reyes argues that the sampling points were chosen badly and overstate the risk."),
        ("Court to weigh Lake Orrin fishing ban", 12,
         "The Orrin Anglers Federation filed a legal challenge against the fishing ban on March 10, 2026 in the county court. "
         "A hearing has been set for the first week of April."),
    ],
    "e-comment": [
        ("What the Lake Orrin bloom tells us", None,
         "Warm winters and farm run-off are making algae blooms on inland lakes far more common than a decade ago. "
         "Researchers at the regional university expect blooms on Lake Orrin to return in most summers."),
    ],
    "e-lifted": [
        ("Lake Orrin reopens to fishing", 20,
         "The Orrin Water Authority lifted the fishing ban on Lake Orrin on March 19, 2026 after three clean weekly tests. "
         "Director Mara Quell said that testing would continue through the summer."),
        ("Fishing ban on Lake Orrin lifted", 20,
         "The fishing ban on Lake Orrin was lifted by the Orrin Water Authority on March 19, 2026 after three clean tests. "
         "The Orrin Anglers Federation said that it would withdraw its legal challenge."),
        ("Bait shops count the cost at Lake Orrin", 21,
         "Bait shops around Lake Orrin said that their spring sales were the worst in twenty years. "
         "Several owners asked the county for help with their rent."),
    ],
}


def make_items(with_events: bool = True) -> list[Item]:
    items = []
    for event, reports in _EVENTS.items():
        for k, (title, day, text) in enumerate(reports):
            n = len(items)
            items.append(Item(
                id=f"o{n}", title=title, text=text, content_hash=f"ho{n}", publisher=f"Outlet {k}",
                url=f"https://example.org/orrin/{n}", event_id=event if with_events else None,
                published=datetime(2026, 3, day, 8, tzinfo=UTC) if day else None,
                ingested_at=datetime(2026, 4, 1, 12, tzinfo=UTC),
            ))
    return items


def _brief(items: list[Item] | None = None) -> tuple[Brief, list[Item]]:
    items = make_items() if items is None else items
    return synthesize(STORY, items, now=datetime(2026, 4, 1, tzinfo=UTC)), items


def _event_of(brief: Brief, items: list[Item], n: int) -> str | None:
    ref = next(s for s in brief.sources if s.n == n)
    return next(it.event_id for it in items if it.id == ref.item_id)


def test_timeline_one_line_per_event_chronological_dated_by_what_happened() -> None:
    brief, items = _brief()
    ids = [e.event_id for e in brief.timeline]
    assert ids == ["e-ban", "e-court", "e-lifted"]  # the undated commentary states no day: no line
    assert [e.date for e in brief.timeline] == ["2026-03-02", "2026-03-10", "2026-03-19"]
    for e in brief.timeline:  # every cited item belongs to the line's event
        assert {_event_of(brief, items, n) for n in e.cites} == {e.event_id}


def test_timeline_line_cites_every_item_that_states_it() -> None:
    brief, items = _brief()
    ban = brief.timeline[0]
    by_n = {s.n: s.item_id for s in brief.sources}
    cited = {by_n[n] for n in ban.cites}
    # three reports state the ban in near-identical words, the fourth in other words (corroboration)
    assert cited == {"o0", "o1", "o2", "o3"}
    quote = next(e.quote for e in ban.evidence if by_n[e.n] == "o3")
    assert quote.startswith("An algae bloom has closed the Lake Orrin fishery")
    court, lifted = brief.timeline[1], brief.timeline[2]
    assert {by_n[n] for n in court.cites} == {"o4", "o5"}
    # the bait shops' report belongs to the event but does not state the lifting
    assert {by_n[n] for n in lifted.cites} == {"o7", "o8"}


def test_timeline_dates_pass_the_date_verifier_and_quotes_the_verifier() -> None:
    brief, items = _brief()
    before = len(brief.timeline)
    report = verify_dates(brief, published_days(brief, items))
    assert report.dropped == 0 and len(brief.timeline) == before
    by_id = {it.id: it for it in items}
    texts = SourceTexts({s.n: by_id[s.item_id].title + "\n" + by_id[s.item_id].text for s in brief.sources})
    for s in brief.cited_sentences():
        assert check_sentence(s, texts) is None, s.text


def test_undated_event_is_never_dated_by_ingestion_time() -> None:
    brief, _ = _brief()
    assert all(e.date != "2026-04-01" for e in brief.timeline)
    only = [it for it in make_items() if it.event_id == "e-comment"]
    alone, _ = _brief(only)
    assert alone.timeline == []


def test_no_two_prose_sentences_state_the_same_fact() -> None:
    brief, _ = _brief()
    prose = [s.text for s in (*brief.what.summary, *brief.what.bullets, *brief.why_it_matters)]
    prose += [s.text for p in brief.narrative for s in p] + [e.text for e in brief.timeline]
    assert len(prose) >= 6
    for a, b in combinations(prose, 2):
        assert not same_fact(a, b), (a, b)


def test_what_opens_with_the_latest_event_and_bullets_come_from_different_events() -> None:
    brief, items = _brief()
    (summary,) = brief.what.summary
    assert _event_of(brief, items, summary.cites[0]) == "e-lifted"
    events = [_event_of(brief, items, s.cites[0]) for s in brief.what.bullets]
    # one bullet per other event first (most important first), a second only while bullets are missing
    assert events[:3] == ["e-ban", "e-court", "e-comment"]
    assert all(events.count(e) <= 2 for e in events)


def test_narrative_goes_event_by_event_in_order_and_says_a_fact_once_with_all_cites() -> None:
    brief, items = _brief()
    order = {"e-ban": 0, "e-court": 1, "e-lifted": 3, "e-comment": 4}  # undated last
    seen = [order[_event_of(brief, items, s.cites[0]) or ""] for p in brief.narrative for s in p]
    assert seen and seen == sorted(seen)
    for p in brief.narrative:
        for s in p:  # a sentence's cites stay inside its event
            assert len({_event_of(brief, items, n) for n in s.cites}) == 1


def test_items_without_event_ids_keep_the_datewise_timeline() -> None:
    items = make_items(with_events=False)
    brief, _ = _brief(items)
    usable = sorted(items, key=lambda it: (it.when, it.id))
    expected = select_dates(usable, max_dates=8)
    assert [e.date for e in brief.timeline] == [e.date for e in expected]
    assert all(e.event_id is None for e in brief.timeline)


def test_mixed_items_without_event_id_are_their_own_events() -> None:
    items = make_items()
    items[-1] = replace(items[-1], event_id=None)
    brief, _ = _brief(items)
    keys = [e.event_id for e in brief.timeline]
    assert len(keys) == len(set(keys)) and "e-ban" in keys


def test_long_line_is_cut_at_a_clause_the_verifier_accepts() -> None:
    long_text = ("The Orrin Water Authority banned all fishing on Lake Orrin on March 2, 2026 after tests found "
                 "algae toxins at six sampling points, while anglers' groups, boat hire firms and holiday parks "
                 "around the lake warned that a long closure would cost the local economy a large share of its "
                 "spring trade and that many small firms could close before the summer season began.")
    items = [replace(it, text=long_text) if it.id == "o0" else it for it in make_items()]
    brief, _ = _brief(items)
    by_id = {it.id: it for it in items}
    texts = SourceTexts({s.n: by_id[s.item_id].title + "\n" + by_id[s.item_id].text for s in brief.sources})
    for s in brief.cited_sentences():
        assert len(s.text.split()) <= 45 or ";" not in s.text
        assert check_sentence(s, texts) is None


def test_deterministic() -> None:
    a, _ = _brief()
    b, _ = _brief(list(reversed(make_items())))
    assert a.model_dump_json() == b.model_dump_json()


def test_old_stored_timeline_events_still_load() -> None:
    old = {"date": "2026-03-02", "text": "A line.", "cites": [1], "evidence": [{"n": 1, "quote": "A line."}],
           "importance": 1.0}
    event = TimelineEvent.model_validate(old)
    assert event.event_id is None


def test_same_fact_paraphrases_numbers_and_dates() -> None:
    assert same_fact("Portvale council approved a two-euro ferry levy on Monday.",
                     "The two-euro ferry levy was approved by Portvale council.")
    # paraphrase: same numbers, two shared names, half the key words
    assert same_fact("Harbin Rovers beat Dalby Town 3-1 in the cup final at Kesta Park.",
                     "Harbin Rovers thrashed Dalby Town 3-1 to win the cup at Kesta Park on Saturday.")
    # different numbers are different facts
    assert not same_fact("Open models lag the frontier by three months on average.",
                         "Open models lag the frontier by four months on average.")
    # a shared date is not a shared fact
    assert not same_fact("The council approved the levy on 4 March 2024.",
                         "Repair crews closed the north pier on 4 March 2024.")


def test_story_wide_names_do_not_make_a_paraphrase() -> None:
    a = "President Ansel Varga ordered an inquiry into the dam contracts today."
    b = "President Ansel Varga said today that the port tariffs would be cut."
    common = frozenset({"presid", "ansel", "varga"})
    assert not same_fact(a, b, common)
    said = Said(common)
    said.add(a)
    assert not said.repeats(b) and said.repeats(a)


def test_day_before_publication_beats_a_background_date() -> None:
    items = make_items()
    items[0] = replace(items[0], text=items[0].text + " The lake was last closed on June 4, 2019 after a smaller bloom.")
    brief, _ = _brief(items)
    assert brief.timeline[0].date == "2026-03-02"
    assert date.fromisoformat(brief.timeline[0].date) <= date(2026, 3, 3)


def test_what_states_the_latest_news_and_the_timeline_another_fact_of_that_event() -> None:
    toll = [
        ("Harbour Board holds ferry toll", "The Harbour Board held the ferry toll at 3.25 crowns on March 2, 2026, "
         "the fourth meeting in a row without a change. Board chair Ada Lind said on March 2, 2026 that a cut in "
         "June was possible if fuel prices keep falling."),
        ("Ferry toll unchanged at 3.25 crowns", "The Harbour Board held the ferry toll at 3.25 crowns on March 2, "
         "2026. Ferry operators on the east quay welcomed the decision."),
    ]
    items = [Item(id=f"h{k}", title=title, text=text, content_hash=f"hh{k}", event_id="e-toll",
                  published=datetime(2026, 3, 3, 9, tzinfo=UTC)) for k, (title, text) in enumerate(toll)]
    brief = synthesize(replace(STORY, title="Harbour Board holds ferry toll"), items)
    (summary,) = brief.what.summary
    assert summary.text.startswith("The Harbour Board held the ferry toll")
    (line,) = brief.timeline
    assert line.date == "2026-03-02" and line.text.startswith("Board chair Ada Lind said on March 2, 2026")
    assert not same_fact(summary.text, line.text)
    assert verify_dates(brief, published_days(brief, items)).dropped == 0


def test_a_columnists_own_voice_does_not_open_the_brief() -> None:
    from infomachine.synth.sections import _unfit_lead

    assert _unfit_lead("Maybe you will be invited to play cards with some of the boys tonight.") >= 0.5
    assert _unfit_lead("After all, I feel his pain after losing a race that was closely watched.") >= 0.5
    assert _unfit_lead('"We will appeal the ruling," the mayor of Riverton said on Monday.') == 0.0
    assert _unfit_lead("The US and its allies agreed on new sanctions against the regime.") == 0.0


def _event(key: str, day: date, text: str, item: int, importance: float = 1.0) -> StoryEvent:
    sent = Sent(item=item, index=0, text=text, start=0, end=len(text))
    return StoryEvent(key=key, items=[item], day=day, options=[Line(day, sent, text, None, [])],
                      importance=importance, order=f"{day.isoformat()} {key}")


def test_lines_months_apart_sharing_only_the_storys_names_are_two_happenings() -> None:
    charged = ("The pop singer Ray Dunmore was charged with two felonies after a violent argument "
               "with his girlfriend Lina Vey on Sunday.")
    deal = ("Lawyers for the pop singer Ray Dunmore announced a plea deal on Monday, "
            "sparing his former girlfriend Lina Vey from testifying at the trial.")
    common = frozenset({"ray", "dunmor", "lina", "vey"})
    assert same_fact(charged, deal, common)  # within days of each other: a paraphrase of one happening
    assert not same_fact(charged, deal, common, apart=True)
    # most of the key words shared is one fact however far apart (a reader sees the line twice)
    assert same_fact(charged, charged.replace("Sunday", "Friday"), common, apart=True)
    events = [_event("e-charged", date(2009, 3, 5), charged, 0), _event("e-deal", date(2009, 6, 22), deal, 1)]
    assert [e.event_id for e in timeline_entries(events, common=common)] == ["e-charged", "e-deal"]
    events = [_event("e-charged", date(2009, 3, 5), charged, 0), _event("e-deal", date(2009, 3, 6), deal, 1)]
    assert [e.event_id for e in timeline_entries(events, common=common)] == ["e-charged"]
    # a line no rule calls a repeat goes first, even months apart
    other = "A judge in Los Angeles accepted the plea deal and set sentencing for August."
    events = [_event("e-charged", date(2009, 3, 5), charged, 0), _event("e-deal", date(2009, 6, 22), deal, 1)]
    events[1].options.append(Line(date(2009, 6, 22), Sent(item=2, index=0, text=other, start=0, end=len(other)),
                                  other, None, []))
    assert [e.text for e in timeline_entries(events, common=common)] == [charged, other]


def test_a_day_later_reports_name_counts_each_of_them_like_a_report_of_the_event() -> None:
    def item(n: int, event: str, day: int, text: str) -> Item:
        return Item(id=f"q{n}", title=text[:40], text=text, content_hash=f"hq{n}", publisher=f"Outlet {n}",
                    url=f"https://example.org/quarry/{n}", event_id=event,
                    published=datetime(2026, 4, day, 8, tzinfo=UTC), ingested_at=datetime(2026, 5, 1, tzinfo=UTC))
    items = [item(n, "e-pit", 2, f"Brenmoor Quarry opened a new pit on April 2, 2026, report {n} says.") for n in range(3)]
    items.append(item(3, "e-vote", 9, "Kessel council voted to close the Brenmoor quarry road on April 9, 2026."))
    items += [item(n, "e-after", 21, f"Lorries queued at the gate after the April 9 vote, hauliers told outlet {n}.")
              for n in range(4, 7)]
    events = {e.key: e for e in story_events(Analysis(items, "Brenmoor quarry")) or []}
    assert events["e-vote"].importance > events["e-pit"].importance  # 1 report + 3 naming its day > 3 reports


def test_an_event_is_dated_by_the_day_most_of_its_reports_name_not_by_its_most_central_sentence() -> None:
    def item(n: int, text: str) -> Item:
        return Item(id=f"h{n}", title="Varn harbour levy", text=text, content_hash=f"hh{n}", publisher=f"Outlet {n}",
                    url=f"https://example.org/varn/{n}", event_id="e-levy",
                    published=datetime(2026, 3, 7, 8, tzinfo=UTC), ingested_at=datetime(2026, 4, 1, tzinfo=UTC))
    items = [
        item(0, "Councillors met on March 5, 2026. The Varn harbour levy of two euros per berth was approved by the "
                "council on March 6, 2026 after a long debate about the harbour levy."),
        item(1, "A vote was held on March 5, 2026 in Varn. Harbour traders said the harbour levy would hurt them."),
        item(2, "Varn voted on March 5, 2026, officials said. The harbour levy will pay for a new harbour wall."),
    ]
    event = (story_events(Analysis(items, "Varn harbour levy")) or [])[0]
    assert event.day == date(2026, 3, 5) and event.line is not None and "March 5" in event.line.text
