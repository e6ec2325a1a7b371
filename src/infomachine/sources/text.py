"""Markdown (with optional YAML front matter) and plain-text files.

Markdown: title, date, url, author and publisher come from the front matter
(``title``, ``date``/``published``, ``url``/``link``, ``author``/``authors``,
``publisher``/``site``/``source_name``), else the first heading is the title.
Other front-matter keys are kept as metadata.  Text files: the first
non-empty line is the title.  Files must be UTF-8; anything else is a
problem naming the first bad byte.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import frontmatter
import yaml

from infomachine.models import IngestProblem, Record

_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.+?)\s*#*\s*$")
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")
KNOWN_KEYS = {"title", "date", "published", "url", "link", "author", "authors", "publisher",
              "site", "source_name", "language", "lang", "guid", "id"}


def decode_utf8(data: bytes, origin: str) -> str | IngestProblem:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return IngestProblem(origin, f"invalid UTF-8 at byte {exc.start} (text files must be UTF-8)")


def markdown_to_text(md: str) -> str:
    """Readable text of Markdown: markup characters removed, lines kept."""
    out = []
    for line in md.splitlines():
        heading = _HEADING.match(line)
        if heading:
            line = heading.group(2)
        elif _SETEXT.match(line):
            continue
        line = _IMAGE.sub(r"\1", line)
        line = _LINK.sub(r"\1", line)
        line = _EMPHASIS.sub(r"\2", line)
        line = re.sub(r"^\s{0,3}(>\s?|[-*+]\s+|\d+[.)]\s+)", "", line)
        out.append(line)
    return "\n".join(out).strip()


def _first_heading(md: str) -> tuple[str | None, str]:
    """The first heading and the Markdown without it."""
    lines = md.splitlines()
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        match = _HEADING.match(line)
        if match:
            return match.group(2).strip(), "\n".join(lines[:i] + lines[i + 1 :])
        if i + 1 < len(lines) and _SETEXT.match(lines[i + 1]) and lines[i + 1].strip().startswith("="):
            return line.strip(), "\n".join(lines[:i] + lines[i + 2 :])
        return None, md
    return None, md


def _value(meta: dict[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = meta.get(key)
        if value is None or value == "":
            continue
        if isinstance(value, list):
            names = [str(v.get("name", "")) if isinstance(v, dict) else str(v) for v in value]
            return ", ".join(n for n in names if n) or None
        if isinstance(value, dict):
            return str(value.get("name") or "") or None
        if isinstance(value, datetime | date):
            return value.isoformat()
        return str(value)
    return None


def parse_markdown(
    data: bytes, origin: str, *, source: str | None = None
) -> Iterator[Record | IngestProblem]:
    decoded = decode_utf8(data, origin)
    if isinstance(decoded, IngestProblem):
        yield decoded
        return
    try:
        post = frontmatter.loads(decoded)
        meta: dict[str, Any] = dict(post.metadata)
        body = post.content
    except (yaml.YAMLError, ValueError, TypeError) as exc:
        yield IngestProblem(origin, f"invalid front matter: {str(exc).splitlines()[0]}")
        return
    title = _value(meta, "title")
    if not title:
        title, body = _first_heading(body)
    text = markdown_to_text(body)
    if not text and not title:
        yield IngestProblem(origin, "empty document")
        return
    yield Record(
        origin=origin,
        url=_value(meta, "url", "link"),
        guid=_value(meta, "guid", "id"),
        title=title,
        text=text or None,
        author=_value(meta, "author", "authors"),
        publisher=_value(meta, "publisher", "site", "source_name"),
        published=_value(meta, "date", "published"),
        language=_value(meta, "language", "lang"),
        source=source,
        metadata={k: _jsonable(v) for k, v in meta.items() if k not in KNOWN_KEYS},
    )


def parse_text(data: bytes, origin: str, *, source: str | None = None) -> Iterator[Record | IngestProblem]:
    decoded = decode_utf8(data, origin)
    if isinstance(decoded, IngestProblem):
        yield decoded
        return
    stripped = decoded.strip()
    if not stripped:
        yield IngestProblem(origin, "empty file")
        return
    first, _, rest = stripped.partition("\n")
    yield Record(origin=origin, title=first.strip(), text=rest.strip() or first.strip(), source=source)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value
