"""Bytes to records for everything ``ingest`` accepts: files and fetched documents.

Each file's parser is chosen by its suffix and, when the suffix says nothing
(or lies), by sniffing its first bytes: feed XML, HTML, JSON Feed, JSON,
OPML, Markdown, text, or binary garbage (a clear problem, never a crash).
Directories are walked recursively.  Fetching URLs is ``intake/collect.py``.
OPML files import subscriptions into the store.

Items from local files are labelled ``file:<full path>`` unless a source
label is given.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from infomachine.errors import ParseError
from infomachine.models import IngestProblem, Record
from infomachine.sources.feeds import is_json_feed, parse_feed
from infomachine.sources.jsonl import parse_json_document, parse_jsonl_file
from infomachine.sources.opml import import_opml
from infomachine.sources.pages import parse_page
from infomachine.sources.stream import STREAM_BYTES, stream_feed
from infomachine.sources.text import parse_markdown, parse_text

JSONL_SUFFIXES = {".jsonl", ".ndjson"}
FEED_SUFFIXES = {".xml", ".rss", ".atom", ".rdf"}
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


_BOMS = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
)
# XML without a byte-order mark: the first character is "<" in a wide encoding.
_WIDE_STARTS = (
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<", "utf-16-be"),
    (b"<\x00", "utf-16-le"),
)
_PROLOG = re.compile(r"\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>)", re.S | re.I)
_ROOT = re.compile(r"\s*<([A-Za-z_][\w.:-]*)")
FEED_ROOTS = {"rss", "rdf", "feed", "entry", "channel"}
HTML_ROOTS = {"html", "head", "body", "article", "p", "div", "section", "main", "title", "meta"}


def text_encoding(head: bytes) -> str | None:
    """The encoding a byte-order mark or a wide ``<`` announces (None: a byte encoding)."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    for start, name in _WIDE_STARTS:
        if head.startswith(start):
            return name
    return None


def _head_text(head: bytes) -> str:
    encoding = text_encoding(head)
    if encoding is None:
        return head.decode("utf-8", errors="ignore")
    for bom, name in _BOMS:
        if name == encoding and head.startswith(bom):
            head = head[len(bom):]
            break
    return head.decode(encoding, errors="ignore")


def looks_binary(head: bytes) -> bool:
    """True for data that is not text in any encoding we read."""
    if text_encoding(head):
        return False
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return bool(head) and controls / len(head) > 0.1


def root_element(text: str) -> str | None:
    """The local name of a markup document's first element, lower case
    (``<r:rss>`` is ``rss``), after the XML declaration, comments and DOCTYPE."""
    pos = 0
    while True:
        m = _PROLOG.match(text, pos)
        if not m or m.end() == pos:
            break
        pos = m.end()
    m = _ROOT.match(text, pos)
    return m.group(1).rsplit(":", 1)[-1].lower() if m else None


def sniff(data: bytes) -> Kind:
    """What kind of document these bytes are, from their first few KB.

    Markup is judged by its root element (namespace prefix ignored), so an
    RSS feed that uses an ``opml2:`` element is a feed, ``<r:rss>`` and a
    bare Atom ``<entry>`` are feeds, and UTF-16/32 documents are read.
    """
    head = data[:SNIFF_BYTES]
    if not head.strip():
        return "empty"
    if looks_binary(head):
        return "binary"
    text = _head_text(head).lstrip("\ufeff \t\r\n")
    if not text:
        return "empty"
    lower = text.lower()
    if lower.startswith(("{", "[")):
        return "json_feed" if "jsonfeed.org" in lower else "json"
    if lower.startswith("<"):
        root = root_element(text)
        if root in FEED_ROOTS:
            return "feed"
        if root == "opml":
            return "opml"
        if root in HTML_ROOTS or "<!doctype html" in lower[:200]:
            return "html"
        return "feed" if lower.startswith("<?xml") else "html"
    if lower.startswith("---") or "\n#" in "\n" + lower:
        return "markdown"
    return "text"


def decide_kind(data: bytes, *, suffix: str = "", content_type: str = "") -> Kind:
    """The one decision of which parser reads a document, for ``ingest FILE``
    (``suffix``), ``ingest URL`` (``content_type``) and polled sources.

    The content decides when it is clear (a feed, OPML, JSON Feed, binary or
    empty); the file suffix or the Content-Type only break ties between the
    text-like kinds.
    """
    sniffed = sniff(data)
    suffix = suffix.lower()
    if sniffed in ("binary", "empty", "opml", "feed", "json_feed"):
        return sniffed
    if suffix == ".opml":
        return "opml"
    if suffix in MARKDOWN_SUFFIXES:
        return "markdown"
    if suffix in TEXT_SUFFIXES:
        return "text"
    if sniffed == "html":
        if suffix in FEED_SUFFIXES and _is_xml(data):
            return "feed"  # an XML document with an unknown root, named like a feed
        if any(t in content_type for t in ("rss", "atom", "rdf")) and _is_xml(data):
            return "feed"
        return "html"
    if content_type in ("text/html", "application/xhtml+xml"):
        return "html"
    if sniffed == "json" or content_type.endswith("json"):
        return "json"
    return sniffed


def _is_xml(data: bytes) -> bool:
    return _head_text(data[:400]).lstrip("\ufeff \t\r\n").startswith("<?xml")


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


def file_source_label(path: Path) -> str:
    """A local file's source: its full path (``site-a/feed.xml`` and
    ``site-b/feed.xml`` are two sources, whose GUIDs never meet)."""
    return f"file:{path.resolve()}"


def parse_file(
    path: Path, source: str | None = None, *, store: Any | None = None
) -> Iterator[Record | IngestProblem]:
    """Records from one local file, chosen by suffix and content."""
    label = source or file_source_label(path)
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
    kind = decide_kind(head, suffix=path.suffix)
    if kind in ("binary", "empty"):
        yield from parse_bytes(head, kind, origin, label)
        return
    if kind == "feed" and size > STREAM_BYTES:
        yield from stream_feed(path, origin, label)  # bounded memory, same entry parser
        return
    try:
        data = path.read_bytes()
    except OSError as exc:
        yield IngestProblem(origin, f"cannot read: {exc.strerror or exc}")
        return
    yield from parse_bytes(data, kind, origin, label if kind != "json" else source, store=store)
