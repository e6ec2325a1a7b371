"""JSONL and JSON-array item files.

Fields: id?, url?, title?, text or html, publisher?, author?, published?,
source?, guid?, language?; every other field is kept as metadata.  A line
that is not valid JSON (or not UTF-8, or not an object) becomes an
``IngestProblem`` naming its line number; the other lines go in.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from infomachine.models import IngestProblem, Record

KNOWN = {"id", "url", "link", "title", "text", "html", "content", "publisher", "author",
         "published", "date", "source", "guid", "language"}
MAX_LINE_BYTES = 20 * 1024 * 1024


def record_from_dict(obj: dict[str, Any], origin: str, default_source: str | None) -> Record:
    def s(key: str) -> str | None:
        value = obj.get(key)
        if value is None:
            return None
        return value if isinstance(value, str) else str(value)

    return Record(
        origin=origin,
        id=s("id"),
        url=s("url") or s("link"),
        guid=s("guid"),
        title=s("title"),
        text=s("text"),
        html=s("html") or s("content"),
        author=s("author"),
        publisher=s("publisher"),
        published=s("published") or s("date"),
        language=s("language"),
        source=s("source") or default_source,
        metadata={k: v for k, v in obj.items() if k not in KNOWN},
    )


def _check(obj: Any, origin: str, source: str | None) -> Record | IngestProblem:
    if not isinstance(obj, dict):
        return IngestProblem(origin, f"expected a JSON object, got {type(obj).__name__}")
    return record_from_dict(obj, origin, source)


def parse_jsonl_stream(
    stream: IO[bytes], name: str, source: str | None = None
) -> Iterator[Record | IngestProblem]:
    """Records from a JSONL byte stream, one problem per bad line."""
    lineno = 0
    while True:
        raw = stream.readline(MAX_LINE_BYTES + 1)
        if not raw:
            break
        lineno += 1
        origin = f"{name}:{lineno}"
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            # Skip the rest of an oversized line without holding it in memory.
            while raw and not raw.endswith(b"\n"):
                raw = stream.readline(MAX_LINE_BYTES)
            yield IngestProblem(origin, f"line longer than {MAX_LINE_BYTES // (1024 * 1024)} MB skipped")
            continue
        if not raw.strip():
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield IngestProblem(origin, f"invalid UTF-8 at byte {exc.start}")
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            yield IngestProblem(origin, f"invalid JSON: {exc.msg} (column {exc.colno})")
            continue
        yield _check(obj, origin, source)


def parse_json_document(data: bytes, name: str, source: str | None = None) -> Iterator[Record | IngestProblem]:
    """Records from a JSON array of objects (or an object with an ``items`` list)."""
    try:
        obj = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        yield IngestProblem(name, f"invalid UTF-8 at byte {exc.start}")
        return
    except json.JSONDecodeError as exc:
        yield IngestProblem(name, f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})")
        return
    if isinstance(obj, dict) and isinstance(obj.get("items"), list):
        obj = obj["items"]
    if isinstance(obj, dict):
        obj = [obj]
    if not isinstance(obj, list):
        yield IngestProblem(name, "expected a JSON array of objects")
        return
    for i, entry in enumerate(obj):
        yield _check(entry, f"{name}[{i}]", source)


def parse_jsonl_file(path: Path, source: str | None = None) -> Iterator[Record | IngestProblem]:
    with path.open("rb") as fh:
        yield from parse_jsonl_stream(fh, str(path), source)
