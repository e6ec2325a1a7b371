"""The demo: a bundled corpus replayed in publication order, offline.

``run_demo(dir)`` creates ``dir/infomachine.db`` afresh, replays
``data/demo/items.jsonl`` in batches (ingest -> cluster -> synthesize after
each), so the main story's brief reaches several versions with Evolution,
and writes the site: Markdown (``dir/site/<slug>.md`` and
``<slug>.history.md``) and HTML (``publish.site``).
The corpus was written for this project: it paraphrases public reporting on
the spring 2026 open-model release wave, plus three fictional stories.

A database the demo did not build is never replaced without ``force``: the
demo writes a marker file (``dir/.infomachine-demo``) beside its database,
and a database counts as the demo's only while it holds nothing but bundled
corpus items and no sources, and that marker is there (``is_demo_database``).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from infomachine.cluster.config import ClusterConfig
from infomachine.cluster.stage import cluster_items
from infomachine.cluster.storyline_state import StorylineConfig
from infomachine.errors import InfomachineError, InputError
from infomachine.ingest.batch import ingest_records
from infomachine.models import Record
from infomachine.publish.pages import index_rows
from infomachine.publish.site import export_site, markdown_files, os_reason
from infomachine.sources.jsonl import record_from_dict
from infomachine.store import Store, open_store
from infomachine.store.sqlite.peek import peek_contents
from infomachine.synth.stage import synthesize_all

# Inclusive last publication day of each replay batch.
BATCH_ENDS = ("2026-04-20", "2026-05-12", "2026-05-16", "2026-05-19", "2026-05-23")
CORPUS = ("data", "demo", "items.jsonl")
DB_NAME = "infomachine.db"
MARKER = ".infomachine-demo"
MARKER_TEXT = (
    "This folder was built by `infomachine demo`; running the demo again replaces its\n"
    f"{DB_NAME} and site/. Delete this file to keep the database from being replaced.\n"
)


class ExistingDatabaseError(InfomachineError):
    """The demo folder holds a database the demo did not build (not replaced without force)."""


@dataclass
class DemoResult:
    directory: Path
    db: Path
    site: Path
    html_index: Path | None
    markdown_files: list[Path]
    stories: list[dict[str, Any]]
    batches: int
    seconds: float
    versions_written: int = 0
    notes: list[str] = field(default_factory=list)


def load_corpus() -> list[dict[str, Any]]:
    """The bundled demo items, oldest first."""
    path = resources.files("infomachine").joinpath(*CORPUS)
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return sorted(rows, key=lambda r: r["published"])


def batches(rows: list[dict[str, Any]], ends: tuple[str, ...] = BATCH_ENDS) -> list[list[dict[str, Any]]]:
    """Split rows (oldest first) at the given inclusive end days; the rest go last."""
    out: list[list[dict[str, Any]]] = [[] for _ in ends]
    for row in rows:
        day = row["published"][:10]
        index = next((i for i, end in enumerate(ends) if day <= end), len(ends) - 1)
        out[index].append(row)
    return [b for b in out if b]


def _record(row: dict[str, Any], n: int) -> Record:
    data = {k: v for k, v in row.items() if k != "story"}
    return record_from_dict(data, f"demo/items.jsonl:{n}", None)


# The corpus replays seven weeks of a slow-moving debate, so similarity decays
# over a month rather than days (the news-tuned default is 3 days).
DEMO_CLUSTER: dict[str, Any] = {}  # events: the defaults
# Stories: the bundled corpus is 37 short items written with few names each; the
# guards against mega-stories (a shared name, anchored in the story's main names,
# and three shared terms), built for streams of thousands of real articles, would
# keep its essays and release notes apart, so the demo relaxes them.
DEMO_STORYLINE: dict[str, Any] = {"anchors": 0, "require_name": False, "min_terms": 2}


def _cluster(store: Store) -> None:
    """``cluster_items`` with the demo's settings."""
    cluster_items(store, ClusterConfig(**DEMO_CLUSTER), storyline=StorylineConfig(**DEMO_STORYLINE))


def _ingest_batch(store: Store, rows: list[dict[str, Any]], start: int) -> None:
    ingest_records(store, (_record(r, start + i) for i, r in enumerate(rows)))
    _cluster(store)


def _batch_time(rows: list[dict[str, Any]]) -> datetime:
    last = max(datetime.fromisoformat(r["published"].replace("Z", "+00:00")) for r in rows)
    return last + timedelta(hours=2)


def is_demo_database(db: Path) -> bool:
    """Whether replacing ``db`` loses nothing the demo cannot rebuild.

    True when it has no sources and holds only bundled corpus items, and either
    the demo's marker file is beside it, or it holds the whole corpus (a demo
    built before the marker existed), or no items at all (an empty file
    counts).  Anything else, including a file that is not an infomachine
    database, is False.
    """
    contents = peek_contents(db)
    if contents is None:
        return False
    if contents.empty:
        return True  # an empty database: nothing to lose
    items, sources = contents.items, contents.sources
    corpus = {(r["url"], r.get("id")) for r in load_corpus()}
    if sources or not items <= corpus:
        return False
    return not items or items == corpus or (db.parent / MARKER).is_file()


def _remove_previous(directory: Path, force: bool) -> None:
    db = directory / DB_NAME
    if db.exists() and not force and not is_demo_database(db):
        raise ExistingDatabaseError(
            f"{db} exists and is not a demo database; use another --dir, or --force to replace it"
        )
    for path in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        path.unlink(missing_ok=True)


def run_demo(directory: Path | str = "demo", *, force: bool = False) -> DemoResult:
    """Build the demo database and site under ``directory``; see the module doc.

    A database there that the demo did not build is an ``ExistingDatabaseError``
    unless ``force``; a folder that cannot be written is an ``InputError`` naming it.
    """
    directory = Path(directory)
    try:
        return _run_demo(directory, force)
    except OSError as exc:
        raise InputError(f"cannot build the demo in {directory}: {os_reason(exc)}") from exc


def _run_demo(directory: Path, force: bool) -> DemoResult:
    started = time.perf_counter()
    if directory.exists() and not directory.is_dir():
        raise InputError(f"{directory} exists and is not a directory")
    directory.mkdir(parents=True, exist_ok=True)
    _remove_previous(directory, force)
    (directory / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
    db, site = directory / DB_NAME, directory / "site"
    rows = load_corpus()
    written = 0
    store = open_store(db)
    try:
        start = 1
        groups = batches(rows)
        for group in groups:
            _ingest_batch(store, group, start)
            start += len(group)
            results = synthesize_all(store, now=_batch_time(group))
            written += sum(1 for _, _, w in results if w)
        html_index = export_site(store, site)
        md_files = markdown_files(site)
        stories = story_rows(store)
    finally:
        store.close()
    return DemoResult(
        directory=directory,
        db=db,
        site=site,
        html_index=html_index,
        markdown_files=md_files,
        stories=stories,
        batches=len(groups),
        seconds=round(time.perf_counter() - started, 2),
        versions_written=written,
    )


def story_rows(store: Store) -> list[dict[str, Any]]:
    """One row per story (from ``pages.index_rows``): slug, title, events, items, latest
    version, what changed."""
    rows: list[dict[str, Any]] = [
        {
            "slug": r["slug"],
            "title": r["title"],
            "events": r["event_count"],
            "items": r["item_count"],
            "version": r["version"],
            "changed": r["change_summary"],
        }
        for r in index_rows(store)
    ]
    rows.sort(key=lambda r: (-int(r["items"] or 0), str(r["slug"])))
    return rows
