"""Clean text at ingest: page furniture never reaches the stored text briefs quote.

Each fixture in ``tests/fixtures/clean/`` (pages, a feed, JSONL, Markdown,
written for these tests) sits beside ``NAME.expected.txt``: the text each of
its records must be stored with (records separated by ``RECORD_BREAK``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from infomachine.ingest.extract import CLEANED, RAW_TEXT, RAW_TEXT_CHARS, clean_stored_text, extract
from infomachine.models import Item, Record
from infomachine.sources.feeds import parse_feed
from infomachine.sources.jsonl import parse_jsonl_file
from infomachine.sources.pages import parse_page
from infomachine.sources.text import parse_markdown
from infomachine.text.furniture import strip_furniture, unescape_markup

FIXTURES = Path(__file__).parent / "fixtures" / "clean"
RECORD_BREAK = "\n----- next record -----\n"
SOURCES = sorted(p for p in FIXTURES.iterdir() if not p.name.endswith(".expected.txt"))


def fixture_items(path: Path) -> list[Item]:
    """The items a fixture file becomes, through its own source parser and ``extract``."""
    if path.suffix == ".html":
        records = list(parse_page(path.read_bytes(), str(path)))
    elif path.suffix == ".xml":
        records = parse_feed(path.read_bytes(), str(path)).records
    elif path.suffix == ".jsonl":
        records = list(parse_jsonl_file(path))
    elif path.suffix == ".md":
        records = list(parse_markdown(path.read_bytes(), str(path)))
    else:
        raise AssertionError(f"no parser for {path}")
    assert all(isinstance(r, Record) for r in records), records
    return [extract(r) for r in records if isinstance(r, Record)]


def expected_texts(path: Path) -> list[str]:
    return path.with_name(path.stem + ".expected.txt").read_text("utf-8").strip().split(RECORD_BREAK.strip("\n"))


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


@pytest.mark.parametrize("path", SOURCES, ids=[p.name for p in SOURCES])
def test_fixture_stored_text_is_the_expected_clean_text(path: Path) -> None:
    items = fixture_items(path)
    expected = expected_texts(path)
    assert len(items) == len(expected)
    for item, want in zip(items, expected, strict=True):
        assert lines(item.text) == lines(want)
        # the original is kept for audit, with the rules that changed it
        assert item.metadata[CLEANED]
        assert lines(want)[0] not in ("",) and item.metadata[RAW_TEXT] != item.text


def junk_figures() -> dict[str, int]:
    """Junk and content lines over the fixture set: input = the text before cleaning."""
    totals = {"junk_in": 0, "junk_left": 0, "content": 0, "content_lost": 0}
    for path in SOURCES:
        for item, want in zip(fixture_items(path), expected_texts(path), strict=True):
            content = set(lines(want))
            raw = lines(item.metadata.get(RAW_TEXT, item.text))
            kept = set(lines(item.text))
            for line in raw:
                if line not in content and not any(line.endswith(c) or c in line for c in content):
                    totals["junk_in"] += 1
                    totals["junk_left"] += line in kept
            totals["content"] += len(content)
            totals["content_lost"] += len(content - kept)
    return totals


def test_junk_removal_precision_over_fixtures() -> None:
    figures = junk_figures()
    assert figures["junk_in"] >= 30, figures  # the fixture set carries real amounts of junk
    assert figures["junk_left"] == 0, figures
    assert figures["content_lost"] == 0, figures


# --- single rules on text as it reaches extraction ---------------------------------------


def strip(text: str, title: str | None = None) -> str:
    return strip_furniture(text, title=title)[0]


def test_comment_lines_go_but_a_sentence_about_comments_stays() -> None:
    text = (
        "The council will comment on the plan next week.\n"
        "Pat Mendel wrote: I have been following your blog for years.\n"
        "March 31, 2011 at 2:31 pm | Reply\n"
        "This comment was removed by the moderators.\n"
        "Readers can share photos of the flood with the newsroom."
    )
    assert lines(strip(text)) == [
        "The council will comment on the plan next week.",
        "Readers can share photos of the flood with the newsroom.",
    ]


def test_a_quote_with_wrote_away_from_comment_metadata_stays() -> None:
    text = "In 1803 Jefferson wrote: the river must stay open to all.\nThe letter is in the state archive."
    assert strip(text) == text


def test_comments_section_after_its_heading_goes() -> None:
    text = (
        "The tomatoes have never looked better.\n"
        "3 Responses to \u201cDrip lines\u201d\n"
        "Gwen Hale says:\n"
        "March 31, 2011 at 2:31 pm\n"
        "Lovely post, thanks for sharing.\n"
        "Tom Ivers says:\n"
        "April 1, 2011 at 6:05 pm\n"
        "Where did you buy the timer?"
    )
    assert lines(strip(text)) == ["The tomatoes have never looked better."]


def test_a_comments_heading_without_comments_only_drops_itself() -> None:
    text = "Sign in to join the discussion.\nThe model arrived on April 7.\nIt was announced quietly."
    assert lines(strip(text)) == ["The model arrived on April 7.", "It was announced quietly."]


@pytest.mark.parametrize(
    "line",
    [
        "By the CNN Wire Staff",
        "By Harshit",
        "By Jane Roe and Sam Ortiz, Harbor Gazette",
        "Posted by Ruth Calder",
        "With reporting from Reuters",
        "(Reporting by Jane Roe; Editing by Sam Ortiz)",
        "Published On 31 May 2025",
        "March 14, 2025 9:30 AM EST",
        "SAN JOSE, DEC. 17 \u2014 12 AM EDT",
        "Updated: 12:05 PM EDT, Fri March 14, 2025",
        "Gwen Hale says: March 31, 2011 at 2:31 pm | Reply I have been following your blog.",
        "Copy the URL and paste into your emails",
        "Share this article",
        "Share on Facebook",
        "Facebook Twitter LinkedIn Email",
        "Subscribe to our newsletter",
        "Follow us on Facebook",
        "Accept all cookies",
        "We use cookies to improve your experience. By continuing to browse, you agree to our use of cookies.",
        "You can generate the full version in this language on demand",
        "This article was machine translated from German.",
        "This text was created (in whole or in part) with the help of AI.",
        "This story has been reported by PakTribune. All rights reserved.",
        "\u00a9 2025 Lakeside Courier",
        "Traffic backs up near the bridge. (Photo by Dana Whitlock / Lakeside Courier)",
        "Fans celebrate in Munich. (AP Photo/Jane Roe)",
        "Advertisement",
        "Read more: Tolls suspended at Northgate tunnel",
        "time: source: example.org",
    ],
)
def test_furniture_line_goes(line: str) -> None:
    text = f"The bridge reopened on Monday after three weeks of repairs.\n{line}\nTraffic was light."
    assert lines(strip(text)) == ["The bridge reopened on Monday after three weeks of repairs.", "Traffic was light."]


@pytest.mark.parametrize(
    "line",
    [
        "By Tuesday, the water had receded from most streets.",
        "By the end of the season the club had won the league.",
        "Shares in Corbel Steel fell 4 percent in early trading.",
        "The minister declined to comment.",
        "Users must accept all cookies to read the site, the regulator said in its ruling.",
        "Subscribers to the newsletter will get the report first, the company said.",
        "Follow the river north for two miles and the road ends.",
        "The photo, taken by a passer-by, shows the girder's crack.",
        "On March 14, 2025, the bridge was closed.",
        "All rights reserved to the union were kept in the new contract, its lawyer said, and the vote is next week.",
        "Reply times from the agency have doubled since January.",
        "Related parties must disclose their holdings.",
        "Mayor Jones said on March 2, 2026 at 3 pm that the bridge would reopen.",
        "Novatech said on March 2, 2026 that it recalls Nova phone batteries.",
        "March 2, 2026 was the wettest day of the year.",
    ],
)
def test_content_line_that_mentions_furniture_words_stays(line: str) -> None:
    text = f"The bridge reopened on Monday.\n{line}\nTraffic was light."
    assert lines(strip(text)) == ["The bridge reopened on Monday.", line, "Traffic was light."]


def test_glued_timestamps_and_bylines_are_cut_off_the_first_words() -> None:
    assert strip("date 2025-09-03 The union agreed.") == "The union agreed."
    assert strip("December 31, 2025What if a model could do more?") == "What if a model could do more?"
    assert strip("by Tobias Mann \u00b7 The RegisterFor many, open models matter.") == "For many, open models matter."


def test_ai_summary_preamble_sentence_goes_the_summary_stays() -> None:
    text = "The provided text is an excerpt from a podcast episode. The hosts discuss the closure."
    assert strip(text) == "The hosts discuss the closure."


def test_related_links_lists_go() -> None:
    text = (
        "The bridge closed on Friday.\n"
        "Related stories\n"
        "- Northgate tunnel tolls to be suspended\n"
        "- City council approves new bus lanes\n"
        "Engineers will report next month."
    )
    assert lines(strip(text)) == ["The bridge closed on Friday.", "Engineers will report next month."]
    pairs = (
        "Ten ways to level up in 2026\nDecember 29, 2025\n"
        "Best plugins of the year\nDecember 31, 2025What if a model could do more?\nIt can."
    )
    assert lines(strip(pairs)) == ["What if a model could do more?", "It can."]


def test_breadcrumbs_repeats_and_teasers_go() -> None:
    text = "- The Report\n- Posts\n- Closing arguments\nClosing arguments\nThe judge spoke first."
    assert lines(strip(text, title="Closing arguments")) == ["Closing arguments", "The judge spoke first."]
    para = "An AI model that its own creator considers too risky to release to the public is now in use."
    teaser = para[:60] + "\u2026"
    assert lines(strip(f"{teaser}\n{para}\nMore follows.")) == [para, "More follows."]
    assert lines(strip("Same headline here\ntime: source: example.org\nSame headline here\nBody.")) == [
        "Same headline here",
        "Body.",
    ]


def test_escaped_markup_becomes_text() -> None:
    text, changed = unescape_markup("One.<\\/p>\\n&lt;p>Two.<\\/p>")
    assert changed and lines(text) == ["One.", "Two."]
    text, changed = unescape_markup("&amp;lt;p&amp;gt;Three.&amp;lt;/p&amp;gt;")
    assert changed and text == "Three."
    assert unescape_markup("Use a < b and S&P 500 rose.") == ("Use a < b and S&P 500 rose.", False)


def test_original_text_is_kept_bounded_and_only_when_cleaning_changed_it() -> None:
    plain = extract(Record(origin="t", title="T", text="Nothing to remove here."))
    assert RAW_TEXT not in plain.metadata and CLEANED not in plain.metadata
    long_body = "By Jane Roe\n" + "A content sentence that goes on. " * 2000
    item = extract(Record(origin="t", title="T", text=long_body))
    assert item.metadata[CLEANED] == {"byline": 1}
    assert item.metadata[RAW_TEXT].startswith("By Jane Roe") and len(item.metadata[RAW_TEXT]) == RAW_TEXT_CHARS
    assert not item.text.startswith("By Jane Roe")


def test_text_that_is_only_furniture_falls_back_to_the_title() -> None:
    item = extract(Record(origin="t", title="Bridge closed", text="Share this article\nBy Jane Roe"))
    assert item.text == "Bridge closed"
    assert clean_stored_text("Plain words.") == ("Plain words.", "Plain words.", {})


def test_mojibake_is_repaired_at_ingest_and_said() -> None:
    from infomachine.ingest.extract import extract
    from infomachine.models import Record

    garbled = "The minister’s plan – a café tax".encode().decode("cp1252")
    assert "â€" in garbled
    item = extract(Record(origin="t", title=garbled, text=garbled + " was announced on Monday."))
    assert item.title == "The minister’s plan – a café tax"
    assert item.text.startswith("The minister’s plan – a café tax")
    assert any("mojibake" in w for w in item.metadata["ingest_warnings"])


def test_mojibake_repair_leaves_correct_and_damaged_text_alone() -> None:
    from infomachine.text.html import fix_mojibake

    assert fix_mojibake("Café au lait, naïve résumé – “quoted”") == ("Café au lait, naïve résumé – “quoted”", False)
    # split by a tokenizer, the bytes no longer decode: a repair would garble it further
    assert fix_mojibake("youâ€ ™ ll") == ("youâ€ ™ ll", False)
    assert fix_mojibake("plain ASCII") == ("plain ASCII", False)
