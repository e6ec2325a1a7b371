"""Local files and directories: pick the parser for each file by its kind."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from infomachine.models import IngestProblem, Record
from infomachine.sources.jsonl import parse_json_document, parse_jsonl_file

JSONL_SUFFIXES = {".jsonl", ".ndjson"}
SKIP_NAMES = {".git", "__pycache__", ".DS_Store"}


def iter_files(path: Path) -> Iterator[Path]:
    """A file, or every file below a directory (sorted, hidden ones skipped)."""
    if path.is_dir():
        for child in sorted(path.rglob("*")):
            if child.is_file() and not any(p.startswith(".") or p in SKIP_NAMES for p in child.relative_to(path).parts):
                yield child
    else:
        yield path


def parse_file(path: Path, source: str | None = None) -> Iterator[Record | IngestProblem]:
    """Records from one local file, chosen by suffix."""
    suffix = path.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        yield from parse_jsonl_file(path, source)
        return
    try:
        data = path.read_bytes()
    except OSError as exc:
        yield IngestProblem(str(path), f"cannot read: {exc.strerror or exc}")
        return
    if not data.strip():
        yield IngestProblem(str(path), "empty file")
        return
    if suffix == ".json":
        yield from parse_json_document(data, str(path), source)
        return
    yield IngestProblem(str(path), f"unsupported file type {suffix or '(none)'}")


def collect(
    target: str, source: str | None = None, *, store: object | None = None
) -> Iterator[Record | IngestProblem]:
    """Records from a path (file or directory) or a URL."""
    path = Path(target)
    if not path.exists():
        yield IngestProblem(target, "no such file or directory")
        return
    for file in iter_files(path):
        yield from parse_file(file, source)
