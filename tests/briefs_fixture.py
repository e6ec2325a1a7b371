"""A small invented story (a city's ferry levy), written for these tests."""

from __future__ import annotations

from datetime import UTC, datetime

from infomachine.models import Item, Story

STORY = Story(id="s-ferry", slug="ferry-levy", title="Portvale ferry levy")

_TEXTS = [
    (
        "Portvale council approves ferry levy",
        "Harbour Gazette",
        datetime(2024, 3, 4, 9, tzinfo=UTC),
        "Home | News | Subscribe\n"
        "Portvale council approved a two-euro levy on ferry tickets on Monday after a long debate.\n"
        "The levy will fund repairs to the crumbling north pier, which closed in January.\n"
        "Mayor Ilse Brandt said that the levy is the only way to keep the island connected.\n"
        "It remains unclear whether the regional court will allow the levy to stand.\n"
        "The north pier closure is significant because it cut the island's only freight route.",
    ),
    (
        "Ferry operators push back on Portvale levy",
        "Coastline Daily",
        datetime(2024, 3, 6, 14, tzinfo=UTC),
        "Ferry operators criticised the two-euro levy on ferry tickets approved by Portvale council.\n"
        "Jonas Keel, director of the Ferry Operators Guild, disputes that the levy will keep the island connected.\n"
        "Keel argues that higher fares will push passengers onto private boats.\n"
        "The guild filed a complaint with the regional court on 5 March 2024.\n"
        "The council approved the levy on ferry tickets to fund the north pier repairs, officials confirmed.",
    ),
    (
        "Court to hear ferry levy complaint",
        "Island Courier",
        datetime(2024, 3, 20, 8, tzinfo=UTC),
        "The regional court will hear the guild's complaint against the ferry levy on 2 April 2024.\n"
        "Mayor Ilse Brandt said the council would respect whatever the court decides.\n"
        "Whether the north pier can reopen before summer has not yet been decided.\n"
        "Repair crews began work on the north pier yesterday, according to the harbour office.",
    ),
]


def make_items() -> list[Item]:
    items = []
    for i, (title, publisher, published, text) in enumerate(_TEXTS):
        items.append(
            Item(
                id=f"i{i}",
                title=title,
                text=text,
                content_hash=f"h{i}",
                url=f"https://example.org/ferry/{i}",
                publisher=publisher,
                published=published,
                source="feed:example",
            )
        )
    return items
