"""Bytes to records for everything ``ingest`` accepts: files and fetched documents.

Each file's parser is chosen by its suffix and, when the suffix says nothing
(or lies), by sniffing its first bytes: feed XML, HTML, JSON Feed, JSON,
OPML, Markdown, text, or binary garbage (a clear problem, never a crash).
Directories are walked recursively.  Fetching URLs is ``intake/collect.py``.
OPML files import subscriptions into the store.

Items from local files are labelled ``file:<name>`` unless a source label
is given.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from infomachine.errors import ParseError
from infomachine.models import IngestProblem, Record
from infomachine.sources.feeds import is_json_feed, parse_feed
from infomachine.sources.jsonl import parse_json_document, parse_jsonl_file
from infomachine.sources.opml import import_opml
from infomachine.sources.pages import parse_page
from infomachine.sources.text import parse_markdown, parse_text

JSONL_SUFFIXES = {".jsonl", ".ndjson"}
FEED_SUFFIXES = {".xml", ".rss", ".atom", ".rdf"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
MARKDOWN_SUFFIXES = {".md", ".markdown", ".mdown"}
TEXT_SUFFIXES = {".txt", ".text"}
SKIP_NAMES = {".git", "__pycache__", ".DS_Store"}
MAX_FILE_BYTES = 200 * 1024 * 1024
SNIFF_BYTES = 8192

Kind = Literal["feed", "json_feed", "json", "opml", "html", "markdown", "text", "binary", "empty"]


def iter_files(path: Path) -> Iterator[Path]:
    """A file, or every file below a directory (sorted, hidden ones skipped)."""
    if path.is_dir():
        for child in sorted(path.rglob("*")):
            if child.is_file() and not any(
                p.startswith(".") or p in SKIP_NAMES for p in child.relative_to(path).parts
            ):
                yield child
    else:
        yield path


def looks_binary(head: bytes) -> bool:
    """True for data that is not text in any encoding we read."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")):
        return False
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return bool(head) and controls / len(head) > 0.1


def sniff(data: bytes) -> Kind:
    """What kind of document these bytes are, from their first few KB."""
    head = data[:SNIFF_BYTES]
    if not head.strip():
        return "empty"
    if looks_binary(head):
        return "binary"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = head.decode("utf-16", errors="ignore").encode("utf-8").lstrip().lower()
        except UnicodeError:
            pass
    if text.startswith((b"{", b"[")):
        if b"jsonfeed.org" in text:
            return "json_feed"
        return "json"
    if text.startswith(b"<"):
        if b"<opml" in text:
            return "opml"
        if any(tag in text for tag in (b"<rss", b"<rdf:rdf", b"<feed", b"<channel")):
            if not any(tag in text for tag in (b"<html", b"<!doctype html")):
                return "feed"
        if any(tag in text for tag in (b"<html", b"<!doctype html", b"<head", b"<body", b"<article", b"<p>")):
            return "html"
        if text.startswith(b"<?xml"):
            return "feed"
        return "html"
    if text.startswith(b"---") or b"\n#" in b"\n" + text:
        return "markdown"
    return "text"


def _kind_for(path: Path, head: bytes) -> Kind:
    suffix = path.suffix.lower()
    sniffed = sniff(head)
    if sniffed in ("binary", "empty"):
        return sniffed
    if suffix == ".opml" or sniffed == "opml":
        return "opml"
    if suffix in FEED_SUFFIXES:
        return "html" if sniffed == "html" and suffix != ".rdf" and b"<?xml" not in head[:100] else "feed"
    if suffix in HTML_SUFFIXES:
        return "feed" if sniffed == "feed" else "html"
    if suffix in MARKDOWN_SUFFIXES:
        return "markdown"
    if suffix in TEXT_SUFFIXES:
        return "text"
    if suffix == ".json":
        return "json_feed" if sniffed == "json_feed" else "json"
    return sniffed


def parse_bytes(
    data: bytes,
    kind: Kind,
    origin: str,
    source: str | None,
    *,
    store: Any | None = None,
    url: str | None = None,
    charset: str | None = None,
) -> Iterator[Record | IngestProblem]:
    """Records from a document whose kind is known."""
    if kind == "empty":
        yield IngestProblem(origin, "empty file")
    elif kind == "binary":
        yield IngestProblem(origin, "binary data, not a document (skipped)")
    elif kind in ("feed", "json_feed"):
        yield from parse_feed(data, origin, source=source, base_url=url).records
    elif kind == "json":
        yield from _json_document(data, origin, source)
    elif kind == "opml":
        yield from _opml(data, origin, store)
    elif kind == "html":
        yield from parse_page(data, origin, url=url, source=source, charset=charset)
    elif kind == "markdown":
        yield from parse_markdown(data, origin, source=source)
    else:
        yield from parse_text(data, origin, source=source)


def _json_document(data: bytes, origin: str, source: str | None) -> Iterator[Record | IngestProblem]:
    try:
        obj = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        obj = None
    if is_json_feed(obj):
        yield from parse_feed(data, origin, source=source).records
    else:
        yield from parse_json_document(data, origin, source)


def _opml(data: bytes, origin: str, store: Any | None) -> Iterator[Record | IngestProblem]:
    if store is None:
        yield IngestProblem(origin, "OPML subscriptions need a store to be imported into")
        return
    try:
        result = import_opml(store, data, origin)
    except ParseError as exc:
        yield IngestProblem(origin, str(exc))
        return
    yield from result.problems


def parse_file(
    path: Path, source: str | None = None, *, store: Any | None = None
) -> Iterator[Record | IngestProblem]:
    """Records from one local file, chosen by suffix and content."""
    label = source or f"file:{path.name}"
    origin = str(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(SNIFF_BYTES)
    except OSError as exc:
        yield IngestProblem(origin, f"cannot read: {exc.strerror or exc}")
        return
    suffix = path.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        if not head.strip():
            yield IngestProblem(origin, "empty file")
        elif looks_binary(head):
            yield IngestProblem(origin, "binary data, not JSONL (skipped)")
        else:
            yield from parse_jsonl_file(path, source)  # JSONL keeps per-record sources
        return
    if size > MAX_FILE_BYTES:
        yield IngestProblem(origin, f"file larger than {MAX_FILE_BYTES // (1024 * 1024)} MB skipped")
        return
    kind = _kind_for(path, head)
    if kind in ("binary", "empty"):
        yield from parse_bytes(head, kind, origin, label)
        return
    try:
        data = path.read_bytes()
    except OSError as exc:
        yield IngestProblem(origin, f"cannot read: {exc.strerror or exc}")
        return
    yield from parse_bytes(data, kind, origin, label if kind != "json" else source, store=store)


def url_kind(content_type: str, data: bytes) -> Kind:
    """The kind of a fetched document, from its Content-Type and first bytes."""
    sniffed = sniff(data)
    if sniffed in ("binary", "empty", "opml"):
        return sniffed
    if any(t in content_type for t in ("rss", "atom", "feed+json", "rdf")):
        return "json_feed" if sniffed == "json_feed" else "feed"
    if sniffed in ("feed", "json_feed", "html"):
        return sniffed
    if content_type in ("text/html", "application/xhtml+xml"):
        return "html"
    if content_type.endswith("json"):
        return "json"
    return sniffed
