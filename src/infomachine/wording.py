"""Small wording helpers shared by the library, the renderers and the CLI."""

from __future__ import annotations


def plural(n: int, word: str, many: str | None = None) -> str:
    """``plural(1, "item")`` -> "1 item"; ``plural(2, "story", "stories")`` -> "2 stories"."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


# The title of each brief section, as every renderer shows it (Markdown, JSON diff, HTML).
SECTION_TITLES = {
    "what": "What",
    "why_it_matters": "Why it matters",
    "open_questions": "Open questions",
    "narrative": "Narrative",
    "timeline": "Timeline",
    "perspectives": "Perspectives",
    "tensions": "Tensions",
}
SOURCES_TITLE = "Sources"
