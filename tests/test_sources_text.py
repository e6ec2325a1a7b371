"""Markdown with front matter and plain-text files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from infomachine.ingest.extract import extract
from infomachine.models import IngestProblem, Record
from infomachine.sources.text import markdown_to_text, parse_markdown, parse_text

FILES = Path(__file__).parent / "fixtures" / "files"


def test_markdown_front_matter() -> None:
    [rec] = list(parse_markdown((FILES / "notes.md").read_bytes(), "notes.md", source="file:notes.md"))
    assert isinstance(rec, Record)
    assert rec.title == "Field notes from the wetland survey"
    assert rec.author == "Jonas Eriksen"
    assert rec.publisher == "Wetland Watch"
    assert rec.url == "https://wetland.example/notes/july-survey"
    assert rec.metadata["tags"] == ["birds", "water"]
    assert "forty-two" in rec.text and "**" not in rec.text
    assert "thirty centimetres" in rec.text and "](" not in rec.text
    assert "Reed warblers were nesting" in rec.text
    assert extract(rec).published == datetime(2025, 7, 3, tzinfo=UTC)


def test_markdown_first_heading_is_title() -> None:
    [rec] = list(parse_markdown((FILES / "heading-only.md").read_bytes(), "h.md"))
    assert isinstance(rec, Record)
    assert rec.title == "Composting at the allotment"
    assert rec.text.startswith("The new three-bay compost system")


def test_markdown_bad_front_matter_is_a_problem() -> None:
    [problem] = list(parse_markdown(b"---\ntitle: [unclosed\n---\nbody\n", "bad.md"))
    assert isinstance(problem, IngestProblem)
    assert "front matter" in problem.message


def test_markdown_to_text() -> None:
    md = "## Sub *title*\n\n> quoted `code`\n\n1. first\n![alt text](x.png)"
    assert markdown_to_text(md) == "Sub title\n\nquoted code\n\nfirst\nalt text"


def test_text_first_line_is_title() -> None:
    [rec] = list(parse_text((FILES / "memo.txt").read_bytes(), "memo.txt"))
    assert isinstance(rec, Record)
    assert rec.title == "Quarterly maintenance memo"
    assert rec.text.startswith("The pumping station")


def test_invalid_utf8_and_empty_text() -> None:
    [problem] = list(parse_text((FILES / "invalid-utf8.txt").read_bytes(), "bad.txt"))
    assert isinstance(problem, IngestProblem)
    assert "invalid UTF-8 at byte" in problem.message
    [problem] = list(parse_text(b"\n \n", "empty.txt"))
    assert isinstance(problem, IngestProblem) and problem.message == "empty file"
    [problem] = list(parse_markdown(b"\xff\xfe\x00bad", "bad.md"))
    assert isinstance(problem, IngestProblem)
