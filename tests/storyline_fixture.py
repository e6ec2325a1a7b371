"""Two storylines of three events each, written here for the two-level tests.

Each event is reported by two or three outlets in their own words; the
events of one storyline share its actors and subject, weeks apart.  Nothing
here is copied from a real page.
"""

from __future__ import annotations

from typing import Any

DAM = [
    ("2026-03-02", "dam-approve", [
        ("Riverton council approves Kessel Gorge dam",
         "The Riverton city council voted 7-2 on Monday to approve the Kessel Gorge dam, a 240 million "
         "dollar hydroelectric project on the Alder River. Mayor Ada Kovac said the dam would supply "
         "power to 90,000 homes and end the city's reliance on coal. Construction by Norvik Engineering "
         "is due to begin in May. Opponents on the council warned about flooding of farmland upstream."),
        ("Kessel Gorge dam wins Riverton council vote",
         "After a long night of debate, Riverton's council backed the Kessel Gorge hydroelectric dam on "
         "the Alder River by seven votes to two. Mayor Ada Kovac called the vote a turning point for clean "
         "power in the region. Norvik Engineering won the construction contract, worth 240 million dollars, "
         "and plans to break ground in May."),
    ]),
    ("2026-03-20", "dam-lawsuit", [
        ("Blue Valley Trust sues to stop Kessel Gorge dam",
         "The conservation group Blue Valley Trust filed a lawsuit on Thursday asking a federal court to "
         "block the Kessel Gorge dam on the Alder River. The trust says Riverton approved the project "
         "without a proper environmental review and that the reservoir would drown the spawning grounds "
         "of the river's salmon. Mayor Ada Kovac said the city would defend the approval in court."),
        ("Conservationists take Riverton to court over Alder River dam",
         "Blue Valley Trust has gone to court against the city of Riverton over the Kessel Gorge dam. Its "
         "lawyers argue the environmental review was rushed and ignored salmon on the Alder River. Riverton "
         "mayor Ada Kovac said the review met every legal requirement and that work by Norvik Engineering "
         "would go ahead."),
    ]),
    ("2026-04-28", "dam-halt", [
        ("Judge halts work on Kessel Gorge dam",
         "A federal judge on Tuesday ordered a halt to construction of the Kessel Gorge dam while the "
         "lawsuit brought by Blue Valley Trust is heard. Judge Marta Ilves wrote that the trust was likely "
         "to show the environmental review of the Alder River project was incomplete. Riverton mayor Ada "
         "Kovac said the city would appeal. Norvik Engineering stopped site clearing the same day."),
        ("Court stops Riverton dam construction pending trial",
         "Construction of Riverton's Kessel Gorge dam must stop, Judge Marta Ilves ruled, granting an "
         "injunction sought by Blue Valley Trust. The judge found the review of harm to Alder River salmon "
         "likely incomplete. Mayor Ada Kovac announced an appeal, and Norvik Engineering halted work."),
        ("Kessel Gorge dam injunction: what happens next",
         "The injunction against the Kessel Gorge dam leaves Norvik Engineering's crews idle on the Alder "
         "River. Judge Marta Ilves's order stands until the Blue Valley Trust lawsuit is decided, unless "
         "Riverton wins its appeal. Mayor Ada Kovac says each month of delay costs the city two million "
         "dollars."),
    ]),
]

CHIP = [
    ("2026-03-05", "chip-launch", [
        ("Zentara unveils Z9 processor for laptops",
         "Chipmaker Zentara on Thursday unveiled the Z9, a laptop processor built on a 2 nanometre process "
         "that it says doubles battery life. Chief executive Priya Raman told an event in Osaka that the "
         "first Z9 laptops from Halden Computers would ship in June. Zentara shares rose 6 percent on the "
         "Tokyo exchange after the announcement."),
        ("Zentara's Z9 chip promises double the battery life",
         "Zentara introduced its Z9 processor at an event in Osaka, claiming twice the battery life of its "
         "previous chip. Priya Raman, Zentara's chief executive, said Halden Computers would sell the first "
         "Z9 machines in June. Investors cheered, sending Zentara stock up 6 percent."),
    ]),
    ("2026-04-02", "chip-bench", [
        ("Independent tests: Zentara Z9 falls short of battery claims",
         "Independent tests by the lab Voltmark found that laptops with Zentara's Z9 processor last 40 "
         "percent longer on battery, not twice as long as Zentara claimed. Voltmark ran Halden Computers "
         "prototypes through a standard video playback test. Zentara said its figures used a different "
         "workload and stood by them; Priya Raman did not comment."),
        ("Voltmark benchmarks cast doubt on Zentara Z9 battery figures",
         "Zentara's claim that the Z9 doubles battery life did not hold up in Voltmark's tests, which "
         "measured a 40 percent gain on Halden Computers prototypes. A Zentara spokesperson said the lab "
         "used an unrepresentative workload and that the company stands by its numbers."),
    ]),
    ("2026-05-11", "chip-probe", [
        ("Regulator opens probe into Zentara Z9 advertising",
         "Japan's Consumer Affairs Agency said on Monday it had opened an investigation into whether "
         "Zentara misled buyers about the battery life of its Z9 processor. The agency cited the Voltmark "
         "tests, which found a 40 percent gain rather than the doubling Zentara advertised. Zentara chief "
         "executive Priya Raman said the company would cooperate fully."),
        ("Zentara faces consumer agency investigation over Z9 claims",
         "The Consumer Affairs Agency is investigating Zentara's advertising for the Z9 chip after "
         "Voltmark's benchmarks contradicted its battery claims. Priya Raman, Zentara's chief executive, "
         "said the company would cooperate and that Halden Computers' June launch was on schedule."),
    ]),
]

STORYLINES = {"dam": DAM, "chip": CHIP}


def records(with_labels: bool = False, skip_dates: set[str] | None = None) -> list[dict[str, Any]]:
    """Every item as a JSONL-style record (``story``/``event`` labels when asked),
    in no particular order; ``skip_dates``: event labels whose items carry no date."""
    out: list[dict[str, Any]] = []
    for story, events in STORYLINES.items():
        for day, event, items in events:
            for k, (title, text) in enumerate(items):
                rec: dict[str, Any] = {
                    "id": f"{event}-{k}", "url": f"https://news{k}.example.org/{event}",
                    "title": title, "text": text,
                }
                if not (skip_dates and event in skip_dates):
                    rec["published"] = f"{day}T{9 + k:02d}:00:00Z"
                if with_labels:
                    rec["story_label"], rec["event_label"] = story, event
                out.append(rec)
    return out
