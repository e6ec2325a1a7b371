"""Malformed input: each bad document is a clear error, the rest of the batch goes in."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

from infomachine.ingest.batch import ingest_records
from infomachine.intake.collect import collect
from infomachine.models import IngestProblem, Record
from infomachine.sources.files import sniff
from infomachine.sources.jsonl import MAX_LINE_BYTES

FIXTURES = Path(__file__).parent / "fixtures"


def docs(*targets: str, store=None) -> Iterator[Record | IngestProblem]:  # type: ignore[no-untyped-def]
    for t in targets:
        yield from collect(t, store=store)



def test_each_malformed_file_reported_and_nothing_else_lost(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    batch = tmp_path / "batch"
    shutil.copytree(FIXTURES / "files", batch)
    for name in ("rss20.xml", "broken.xml", "billion-laughs.xml"):
        shutil.copy(FIXTURES / "feeds" / name, batch / name)
    report = ingest_records(store, docs(str(batch), store=store))
    by_file = {Path(p.origin.split("#")[0]).name.split(":")[0]: p.message for p in report.problems}
    assert by_file["billion-laughs.xml"].startswith("XML entity declarations are refused")
    assert by_file["garbage.bin"] == "binary data, not a document (skipped)"
    assert by_file["empty.txt"] == "empty file"
    assert by_file["invalid-utf8.txt"].startswith("invalid UTF-8 at byte 74")
    assert by_file["truncated.jsonl"].startswith("invalid JSON")
    assert by_file["subscriptions.opml"].startswith("not an http(s) feed URL")
    assert report.failed == 6
    # Good documents: article.html, notes.md, heading-only.md, memo.txt,
    # 2 JSONL lines, 3 RSS 2.0 items, 1 item recovered from broken.xml.
    assert report.new == 10
    assert store.count_items() == 10
    titles = {i.title for i in store.list_items()}
    assert {"First good line", "Second good line", "Only item that closes", "Quarterly maintenance memo"} <= titles
    assert len(store.list_ingest_errors()) == 6
    assert len(store.list_sources()) == 3  # the OPML file imported its feeds


def test_same_files_twice_gives_same_counts(store) -> None:  # type: ignore[no-untyped-def]
    targets = [str(FIXTURES / "files"), str(FIXTURES / "feeds")]
    first = ingest_records(store, docs(*targets, store=store))
    count = store.count_items()
    second = ingest_records(store, docs(*targets, store=store))
    assert first.new == count > 0
    assert second.new == 0 and second.near_duplicate == 0
    assert second.duplicate == first.new + first.near_duplicate
    assert second.failed == first.failed
    assert store.count_items() == count


def test_fifty_megabyte_line_skipped_others_kept(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "huge.jsonl"
    with path.open("wb") as fh:
        fh.write(json.dumps({"title": "Before the giant", "text": "A normal first line.", "url": "https://h.example/1"}).encode() + b"\n")
        fh.write(b'{"title": "giant", "text": "')
        chunk = b"x" * (1024 * 1024)
        for _ in range(50):
            fh.write(chunk)
        fh.write(b'"}\n')
        fh.write(json.dumps({"title": "After the giant", "text": "A normal last line.", "url": "https://h.example/3"}).encode() + b"\n")
    assert path.stat().st_size > 50 * 1024 * 1024 > MAX_LINE_BYTES
    report = ingest_records(store, collect(str(path)))
    assert report.new == 2 and report.failed == 1
    assert report.problems[0].origin.endswith("huge.jsonl:2")
    assert "longer than" in report.problems[0].message
    assert {i.title for i in store.list_items()} == {"Before the giant", "After the giant"}


def test_missing_path_and_binary_jsonl(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    garbage = tmp_path / "garbage.jsonl"
    garbage.write_bytes((FIXTURES / "files" / "garbage.bin").read_bytes())
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps({"title": "Fine", "text": "A fine record."}) + "\n")
    report = ingest_records(
        store, docs(str(tmp_path / "nope.txt"), str(garbage), str(good))
    )
    assert report.new == 1 and report.failed == 2
    assert [p.message for p in report.problems] == [
        "no such file or directory",
        "binary data, not JSONL (skipped)",
    ]


def test_sniffing_files_without_suffix(tmp_path: Path) -> None:
    cases = {
        "feed": (FIXTURES / "feeds" / "atom.xml").read_bytes(),
        "rdf": (FIXTURES / "feeds" / "rss10.rdf").read_bytes(),
        "page": (FIXTURES / "files" / "article.html").read_bytes(),
        "jf": (FIXTURES / "feeds" / "jsonfeed.json").read_bytes(),
        "subs": (FIXTURES / "files" / "subscriptions.opml").read_bytes(),
        "bin": (FIXTURES / "files" / "garbage.bin").read_bytes(),
        "md": (FIXTURES / "files" / "notes.md").read_bytes(),
    }
    kinds = {name: sniff(data) for name, data in cases.items()}
    assert kinds == {
        "feed": "feed", "rdf": "feed", "page": "html", "jf": "json_feed", "subs": "opml",
        "bin": "binary", "md": "markdown",
    }
    (tmp_path / "feed").write_bytes(cases["feed"])
    (tmp_path / "page").write_bytes(cases["page"])
    recs = [r for r in collect(str(tmp_path)) if isinstance(r, Record)]
    assert {r.source for r in recs} == {f"file:{tmp_path.resolve() / 'feed'}",
                                        f"file:{tmp_path.resolve() / 'page'}"}
    assert len(recs) == 3
