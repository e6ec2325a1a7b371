"""Markdown rendering: laid out like the seed page; item text cannot inject markup."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from infomachine.models import (
    Brief,
    BriefStory,
    Claim,
    Evidence,
    Evolution,
    OpenQuestion,
    Perspective,
    Sentence,
    SourceRef,
    Tension,
    TimelineEvent,
    What,
)
from infomachine.publish.jsonout import brief_json, diff_json, diff_markdown
from infomachine.publish.markdown import escape, render_history_markdown, render_markdown
from infomachine.synth.versions import diff_briefs


def s(text: str, *cites: int) -> Sentence:
    return Sentence(text=text, cites=list(cites), evidence=[Evidence(n=n, quote=text) for n in cites])


def full_brief() -> Brief:
    return Brief(
        story=BriefStory(id="s-1", slug="ferry-strike", title="Island Ferry Strike"),
        version=3,
        generated_at=datetime(2026, 5, 23, 4, 11, 30, tzinfo=UTC),
        item_count=12,
        what=What(
            summary=[s("Ferry crews began a strike on 2 May.", 1)],
            bullets=[s("Services to three islands stopped.", 1, 2)],
        ),
        why_it_matters=[s("Islanders rely on the ferry for supplies.", 2)],
        open_questions=[OpenQuestion(question="Will talks resume?", context=[s("No date is set.", 2)])],
        narrative=[[s("Crews walked out on 2 May.", 1)], [s("The operator cancelled sailings.", 2)]],
        timeline=[
            TimelineEvent(date="2026-05-02", text="Strike begins.", cites=[1]),
            TimelineEvent(date="2026-05-04", text="Sailings cancelled.", cites=[2]),
        ],
        perspectives=[
            Perspective(
                actor="Seafarers' union",
                affiliation="SU",
                stance=[s("The union says pay has fallen behind inflation.", 1)],
                evolution=Evolution(status="consistent", note="Held since version 1.", cites=[]),
            )
        ],
        tensions=[
            Tension(
                a=Claim(actor="Seafarers' union", claim=s("Pay has fallen behind.", 1)),
                b=Claim(actor="Operator", claim=s("Pay rose 4% last year.", 2)),
            )
        ],
        sources=[
            SourceRef(n=1, item_id="i1", title="Ferry crews strike", publisher="Island Post",
                      published="2026-05-02", url="https://islandpost.example/strike"),
            SourceRef(n=2, item_id="i2", title="Sailings cancelled", publisher="Coast Radio",
                      published="2026-05-04", url="https://coast.example/a",
                      found_via="reactive:ferry-strike"),
        ],
        change_summary="+1 source, +2 claims",
    )


def test_layout_follows_the_seed_page() -> None:
    md = render_markdown(full_brief(), history_url="ferry-strike.history.md")
    lines = md.splitlines()
    assert lines[0] == "# Island Ferry Strike"
    assert lines[2] == (
        "[history](ferry-strike.history.md) · **Version 3** · 2026-05-23 04:11 UTC · 12 items"
        " · synthesized by extractive"
    )
    headings = [line for line in lines if line.startswith("## ")]
    assert headings == [
        "## What", "## Why it matters", "## Open questions", "## Narrative", "## Timeline",
        "## Perspectives", "## Tensions", "## Sources",
    ]
    assert "Ferry crews began a strike on 2 May. [1]" in md
    assert "- Services to three islands stopped. [1][2]" in md
    assert "- **Will talks resume?** No date is set. [2]" in md
    assert "- 2026-05-02: Strike begins. [1]" in md
    assert md.index("2026-05-02") < md.index("2026-05-04")
    assert "### Seafarers' union (SU)" in md
    assert "*Evolution:* Consistent — Held since version 1." in md
    assert "- **Seafarers' union**: Pay has fallen behind. [1] ↔ **Operator**: Pay rose 4% last year. [2]" in md
    assert "- [1] [Ferry crews strike](https://islandpost.example/strike) — Island Post (2026-05-02)" in md
    # a source found by a reactive feed names the publisher and the feed, like the HTML page
    assert ("- [2] [Sailings cancelled](https://coast.example/a) — Coast Radio via reactive:ferry-strike"
            " (2026-05-04)") in md


def test_empty_sections_say_why_in_one_line_at_the_end() -> None:
    brief = Brief(story=BriefStory(id="s", slug="x", title="X"), omitted={"tensions": "no opposing claims"})
    md = render_markdown(brief)
    assert [line for line in md.splitlines() if line.startswith("## ")] == ["## Sources"]
    assert md.endswith(
        "\n_Omitted: What, Why it matters, Open questions, Narrative, Timeline, Perspectives — "
        "not enough support in the sources for this section; Tensions — no opposing claims._\n"
    )
    assert "Section omitted" not in md


def test_omitted_sections_keep_their_reasons_and_sources_stay_listed() -> None:
    """The reviewed case: most sections omitted, yet the one cited item is listed."""
    brief = full_brief()
    brief.why_it_matters, brief.timeline, brief.tensions = [], [], []
    brief.omitted = {"why_it_matters": "no source states why this matters (no significance cues)",
                     "tensions": "no conflicting claims between named actors."}
    brief.sources = brief.sources[:1]
    md = render_markdown(brief)
    headings = [line for line in md.splitlines() if line.startswith("## ")]
    assert headings == ["## What", "## Open questions", "## Narrative", "## Perspectives", "## Sources"]
    assert "- [1] [Ferry crews strike](https://islandpost.example/strike) — Island Post (2026-05-02)" in md
    assert md.endswith(
        "_Omitted: Why it matters — no source states why this matters (no significance cues); "
        "Timeline — not enough support in the sources for this section; "
        "Tensions — no conflicting claims between named actors._\n"
    )
    assert md.count("_Omitted:") == 1 and md.index("## Sources") < md.index("_Omitted:")


def test_no_cited_source_points_to_the_story_items() -> None:
    brief = Brief(story=BriefStory(id="s", slug="one-item", title="X"), item_count=1,
                  omitted=dict.fromkeys(("what", "why_it_matters", "open_questions", "narrative", "timeline",
                                         "perspectives", "tensions"), "no prose sentences in the story's items"))
    md = render_markdown(brief)
    assert " · 1 item · " in md
    assert ("## Sources\n\n_No source is cited. The story has 1 item; "
            "`infomachine items --story one-item` lists it._") in md
    assert md.endswith("_Omitted: What, Why it matters, Open questions, Narrative, Timeline, Perspectives, "
                       "Tensions — no prose sentences in the story's items._\n")
    brief.story.slug = "odd`slug"
    brief.item_count = 2
    brief.omitted["sources"] = "nothing verified"
    md = render_markdown(brief)
    assert "_No source is cited: nothing verified. The story has 2 items._" in md


def test_item_text_cannot_inject_links_images_or_html() -> None:
    brief = full_brief()
    evil = 'Look ![x](https://evil.example/p.png) [click](javascript:alert(1)) <img src=x onerror=alert(1)> <script>bad()</script>'
    brief.what.bullets = [s(evil, 1)]
    brief.perspectives[0].actor = "[Mallory](https://evil.example)"
    brief.perspectives[0].evolution.note = "Was ![y](https://evil.example/y.png) [2]"
    brief.sources[0].title = "Title](https://evil.example) ![z](https://evil.example/z.png)"
    brief.sources[1].url = "javascript:alert(1)"
    md = render_markdown(brief)
    assert "![" not in md
    assert "](https://evil" not in md and "](javascript" not in md
    assert "<img" not in md and "<script" not in md
    assert "&lt;script>bad()&lt;/script>" in md
    assert "(javascript:alert(1))" not in md
    # a non-http URL is not linked at all
    assert "[2] Sailings cancelled — Coast Radio via reactive:ferry-strike" in md
    # real citation markers in an evolution note stay markers
    evolution = next(line for line in md.splitlines() if line.startswith("*Evolution:*"))
    assert evolution.endswith("https\\://evil.example/y.png) [2]")
    assert "\\]&#40;https\\://evil.example/y.png" in evolution


def test_escape_folds_newlines_and_block_markers() -> None:
    assert escape("# Heading\n\n- item") == "\\# Heading - item"
    assert escape("1. first") == "1\\. first"
    assert escape(None) == ""


def test_history_and_json_outputs() -> None:
    hist = render_history_markdown(
        "Island Ferry Strike",
        [{"version": 1, "generated_at": "2026-05-02T10:00:00+00:00", "item_count": 3,
          "change_summary": "first version"}],
    )
    assert "| 1 | 2026-05-02 10:00 UTC | 3 | first version |" in hist
    brief = full_brief()
    assert Brief.model_validate_json(brief_json(brief)) == brief
    newer = full_brief()
    newer.version = 4
    newer.what.bullets.append(s("Talks resumed on 9 May.", 2))
    d = diff_briefs(brief, newer)
    assert '"claims_added"' in diff_json(d)
    md = diff_markdown(d)
    assert md.startswith("# Island Ferry Strike: version 3 → 4")
    assert "- + Talks resumed on 9 May. [2]" in md


def test_evolution_note_does_not_repeat_status_and_keeps_citations() -> None:
    from infomachine.models import Evolution

    brief = full_brief()
    brief.perspectives[0].evolution = Evolution(
        status="shifted", note="Shifted: in version 4, “it was fine” [2]; now: “it is not” [1].", cites=[1, 2]
    )
    md = render_markdown(brief)
    line = next(x for x in md.splitlines() if x.startswith("*Evolution:*"))
    assert line.startswith("*Evolution:* Shifted — In version 4,")
    assert "Shifted — Shifted" not in md
    assert "[2]" in line and "\\[2\\]" not in line


def _render_commonmark(text: str) -> str:
    markdown_it = pytest.importorskip("markdown_it")
    return str(markdown_it.MarkdownIt("commonmark").enable("table").render(text))


def test_escape_covers_underscore_tilde_and_bare_urls() -> None:
    assert escape("snake_case and _em_ and ~~gone~~") == "snake\\_case and \\_em\\_ and \\~\\~gone\\~\\~"
    # a bare URL is not autolinked by GFM renderers, yet reads the same once rendered
    text = "See https://evil.example/x, HTTP://a.example and www.evil.example"
    escaped = escape(text)
    assert "https://" not in escaped.lower() and "http://" not in escaped.lower()
    assert "www." not in escaped.lower()
    assert "https\\://evil.example/x" in escaped and "www\\.evil.example" in escaped
    assert _render_commonmark(escaped) == f"<p>{text}</p>\n"
    assert _render_commonmark(escape("a _b_ c")) == "<p>a _b_ c</p>\n"


def test_citation_markers_stay_citations_next_to_escaped_text() -> None:
    brief = full_brief()
    brief.what.bullets = [s("Read https://x.example/a_b now", 1, 2)]
    md = render_markdown(brief)
    assert "- Read https\\://x.example/a\\_b now [1][2]" in md


def test_history_table_escapes_pipes() -> None:
    hist = render_history_markdown(
        "A | B",
        [{"version": 1, "generated_at": "2026-05-02T10:00:00+00:00", "item_count": 3,
          "change_summary": "+1 source | -2 claims"}],
    )
    assert "+1 source \\| -2 claims" in hist
    rendered = _render_commonmark(hist)
    row = rendered.split("<tbody>")[1]
    assert row.count("<td") == 4
    assert "+1 source | -2 claims" in row


def test_escape_leaves_plain_punctuation_alone() -> None:
    """Only what Markdown needs is escaped: no HTML entities, no backslash before "+5"."""
    assert escape("GLM-5.1 & others") == "GLM-5.1 & others"
    assert escape("the congestion charge & its timing") == "the congestion charge & its timing"
    assert escape("+5 sources, -3 sources") == "+5 sources, -3 sources"
    assert escape("a < b -> c > d") == "a < b -> c > d"
    brief = full_brief()
    brief.change_summary = "+5 sources, -3 sources"
    brief.sources[0].title = "GLM-5.1 & others"
    md = render_markdown(brief)
    assert "_Changed: +5 sources, -3 sources_" in md
    assert "[GLM-5.1 & others](" in md
    assert "&amp;" not in md and "\\+" not in md


ESCAPE_CASES = [
    "GLM-5.1 & others", "AT&T said &amp; &#60;b&#62; &copy;", "a < b -> c", "<script>x</script>",
    "<!-- c --> <?php ?> <http://x.example> </p>", "# heading", "## heading", "#hashtag", "- item",
    "+ item", "+5 sources", "-3 sources", "> quote", "---", "-- -", "1. first", "2026) x", "2026.",
    "snake_case *em* `code` ~~del~~ \\ [x](y) ![i](j)", "back\\slash & entity",
]


@pytest.mark.parametrize("text", ESCAPE_CASES)
def test_escaped_text_renders_as_exactly_itself(text: str) -> None:
    """A CommonMark renderer shows the escaped text as one paragraph of the original text."""
    shown = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    assert _render_commonmark(escape(text)) == f"<p>{shown}</p>\n"
    # and the same after a list marker, where a line's block markers matter too
    assert _render_commonmark("- " + escape(text)) == f"<ul>\n<li>{shown}</li>\n</ul>\n"


def test_notes_and_synthesizer_are_shown_near_the_top() -> None:
    brief = full_brief()
    brief.notes = [
        "LLM synthesis failed (the LLM endpoint answered HTTP 500: <html>oops</html>); "
        "the offline synthesizer wrote this brief.",
        "One repair round was needed to support every sentence.",
    ]
    md = render_markdown(brief)
    lines = md.splitlines()
    assert lines[2].endswith("12 items · synthesized by extractive")
    first = lines.index(
        "**Note:** LLM synthesis failed (the LLM endpoint answered HTTP 500: &lt;html>oops&lt;/html>); "
        "the offline synthesizer wrote this brief."
    )
    assert lines[first + 2] == "**Note:** One repair round was needed to support every sentence."
    assert lines.index("_Changed: +1 source, +2 claims_") < first < lines.index("## What")
    brief.synthesizer = "llm:qwen3+extractive-fallback"
    brief.notes = []
    md = render_markdown(brief)
    assert "· synthesized by llm:qwen3+extractive-fallback\n" in md and "**Note:**" not in md


def test_sources_are_numbered_once() -> None:
    """Each source carries its citation number and nothing else numbers it."""
    md = render_markdown(full_brief())
    block = md.split("## Sources\n\n", 1)[1].strip().splitlines()
    assert [line[:6] for line in block] == ["- [1] ", "- [2] "]
    html = _render_commonmark(md).split("<h2>Sources</h2>", 1)[1]
    assert "<ol" not in html and html.count("<li>") == 2
    assert "<li>[1] <a href=\"https://islandpost.example/strike\">Ferry crews strike</a>" in html


@pytest.mark.parametrize(
    ("publisher", "found_via", "expected"),
    [
        ("The Gradient Brief", "reactive:open-model-capability-gap",
         "The Gradient Brief via reactive:open-model-capability-gap"),
        ("Compute Ledger", "feed:compute-ledger", "Compute Ledger via feed:compute-ledger"),
        ("Compute Ledger", "Compute Ledger", "Compute Ledger"),
        ("Compute Ledger", None, "Compute Ledger"),
        (None, "reactive:x", "reactive:x"),
        (None, None, ""),
    ],
)
def test_source_origin_matches_the_html_page(publisher: str | None, found_via: str | None, expected: str) -> None:
    """Markdown shows "publisher via found_via" exactly where the HTML story page does."""
    from infomachine.publish import html

    ref = SourceRef(n=1, item_id="i1", title="T", publisher=publisher, found_via=found_via,
                    published="2026-05-16")
    md = render_markdown(Brief(story=BriefStory(id="s", slug="x", title="X"), sources=[ref]))
    line = next(x for x in md.splitlines() if x.startswith("- [1] "))
    assert line == "- [1] T" + (f" — {expected}" if expected else "") + " (2026-05-16)"
    page = html.render_brief(Brief(story=BriefStory(id="s", slug="x", title="X"), sources=[ref]))
    by = page.split('<span class="by">', 1)[1].split("</span>\n", 1)[0]
    shown = " ".join(by.replace('<span class="via">', "").replace("</span>", "").split())
    assert shown == "—" + (f" {expected}" if expected else "") + " (2026-05-16)"
