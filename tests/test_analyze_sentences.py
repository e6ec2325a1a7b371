from infomachine.models import Item
from infomachine.synth.analyze.sentences import is_content, item_sentences, sentence_spans

PAGE = """Home | World | Sport | Subscribe
Other Headline About Something Else Entirely
March 3, 2024
Subscribe to our newsletter for the latest updates and more stories.
March 3, 2024The harbour authority said Dr. Ines Varga approved the new ferry timetable on Monday.
The change adds four evening crossings to the island. Residents welcomed it.
Photo: a ferry at dawn (Getty Images)."""


def test_spans_are_exact_substrings() -> None:
    spans = sentence_spans(PAGE)
    assert len(spans) >= 5
    for s, e in spans:
        assert PAGE[s:e].strip() == PAGE[s:e]
        assert PAGE[s:e]


def test_abbreviations_do_not_split() -> None:
    texts = [PAGE[s:e] for s, e in sentence_spans(PAGE)]
    assert any("The harbour authority said Dr. Ines Varga approved" in t for t in texts)


def test_boilerplate_is_filtered_and_glued_dates_stripped() -> None:
    item = Item(id="x", title="t", text=PAGE, content_hash="h")
    kept = [s.text for s in item_sentences(item, 0)]
    assert kept == [
        "The harbour authority said Dr. Ines Varga approved the new ferry timetable on Monday.",
        "The change adds four evening crossings to the island.",
    ]
    for s in item_sentences(item, 0):
        assert PAGE[s.start : s.end] == s.text


def test_is_content_rejects_headlines_menus_and_dates() -> None:
    assert not is_content("Breaking News: Ferry Timetable Changes Announced For Island Routes")
    assert not is_content("March 3, 2024")
    assert not is_content("Click here to read more about this and other stories today.")
    assert is_content("The ferry operator said the new timetable starts in April.")
