"""Static site export: the web app's pages as files.

``export_site(store, out_dir)`` writes ``index.html``, one folder per story
(``stories/<slug>/index.html``, ``history/``, ``versions/<n>/``,
``diff/<a>/<b>/``, ``feed.atom``), one per event of those stories
(``events/<slug>/index.html``), ``items/<id>/index.html``,
``sources/index.html``, ``sources.opml``, ``feed.atom`` and
``static/style.css``, and the Markdown pages (``<slug>.md``,
``<slug>.history.md``, ``index.md``).  Every link is relative and names ``index.html``
explicitly, so the site works from ``file://`` and from any static server.
Search needs the server and is left out.

Exports are incremental: ``only`` names the stories (by id) whose pages to
re-render; the index, the feeds and the sources pages are always rewritten,
and a story that has no page yet is always written.  With ``only=None``
(``infomachine export --site``) every story is rendered.  A file whose
content did not change is never rewritten, and an existing diff page (two
fixed versions: it cannot change) is only re-rendered in a full export.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from infomachine.errors import InputError
from infomachine.models import Story
from infomachine.publish import atom, html, markdown, pages
from infomachine.store import Store
from infomachine.wording import plural

_SAFE_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")
STATIC = html.Urls(static=True)


def _safe(part: str) -> bool:
    return bool(_SAFE_PART.fullmatch(part)) and ".." not in part


def _write(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` atomically unless it already holds it; True when written."""
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except (OSError, UnicodeDecodeError):
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return True


def export_site(store: Store, out_dir: Path, only: set[str] | None = None) -> Path:
    """Write the site under ``out_dir``; returns the path of ``index.html``.

    ``only``: ids of the stories to re-render (None: all); see the module doc.
    A folder that cannot be written is an ``InputError`` naming it.
    """
    out = Path(out_dir)
    try:
        return _export(store, out, only)
    except OSError as exc:
        raise InputError(f"cannot write the site to {out}: {os_reason(exc)}") from exc


def os_reason(exc: OSError) -> str:
    """``No such file or directory: /proc/x`` — an OSError as one short line."""
    reason = exc.strerror or str(exc)
    return f"{reason}: {exc.filename}" if exc.filename else reason


def _export(store: Store, out: Path, only: set[str] | None) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    _copy_static(out / "static")

    rows = pages.index_rows(store)
    rows = [r for r in rows if _safe(r["slug"])]
    root = STATIC.at_depth(0)
    _write(out / "index.html", html.render_index(rows, urls=root))
    _write(
        out / "feed.atom",
        atom.all_stories_feed(
            rows,
            self_url="feed.atom",
            home_url=root.home(),
            version_url=root.version,
        ),
    )

    item_ids: set[str] = set()
    for row in rows:
        if only is not None and row["id"] not in only and (out / "stories" / row["slug"] / "index.html").is_file():
            continue
        story = store.get_story(row["id"])
        item_ids.update(_export_story(store, out, story, full=only is None))

    items_urls = STATIC.at_depth(2)
    for item in store.get_items(sorted(item_ids)):
        if _safe(item.id):
            view = pages.item_view(store, item)
            if view["event"] is not None and not _safe(view["event"]["slug"]):
                view["event"] = None  # no page of its own in the site: not linked
            _write(out / "items" / item.id / "index.html", html.render_item(view, urls=items_urls))

    _write(out / "sources" / "index.html", html.render_sources(pages.sources_rows(store), urls=STATIC.at_depth(1)))
    _write(out / "sources.opml", pages.opml_text(store))
    _write_markdown(store, out, only)
    return out / "index.html"


def _write_markdown(store: Store, out: Path, only: set[str] | None) -> None:
    """``<slug>.md`` and ``<slug>.history.md`` per story with a brief, and ``index.md``."""
    index = ["# The Information Machine — stories", ""]
    for story in store.list_stories():
        brief = store.latest_brief(story.id)
        if brief is None or not _safe(story.slug):
            continue
        page, hist = out / f"{story.slug}.md", out / f"{story.slug}.history.md"
        if only is None or story.id in only or not page.is_file():
            _write(page, markdown.render_markdown(brief, history_url=hist.name))
            _write(hist, markdown.render_history_markdown(story.title, store.list_versions(story.id)))
        index.append(
            f"- [{markdown.escape(story.title)}]({page.name}) · Version {brief.version} · "
            f"{plural(brief.item_count, 'item')} · "
            f"{markdown.escape(brief.change_summary)}"
        )
    _write(out / "index.md", "\n".join(index) + "\n")


def markdown_files(out: Path) -> list[Path]:
    """The Markdown pages of an exported site, ``index.md`` first."""
    return [out / "index.md", *sorted(p for p in out.glob("*.md") if p.name != "index.md")]


def _export_story(store: Store, out: Path, story: Story, *, full: bool = True) -> set[str]:
    """Write one story's pages; return the ids of the items its pages link to.

    Without ``full``, diff pages already written are kept (they cannot change).
    """
    slug = story.slug
    base = out / "stories" / slug
    ref = pages.story_ref(story)
    versions = store.list_versions(story.id)
    item_ids = {i.id for i in store.list_items(story_id=story.id)}
    latest = versions[-1]["version"] if versions else None

    briefs = pages.load_briefs(store, story.id, [v["version"] for v in versions])
    story_urls = STATIC.at_depth(2)
    events = [e for e in pages.story_event_views(store, story) if _safe(e["slug"])]
    if latest is not None:
        brief = briefs[latest] if latest in briefs else store.get_brief(story.id)
        item_ids.update(s.item_id for s in brief.sources)
        _write(base / "index.html", html.render_brief(brief, versions=versions, urls=story_urls, events=events))
    else:
        _write(base / "index.html", html.render_history(ref, versions, urls=story_urls, events=events))
    for view in events:
        item_ids.update(i["id"] for i in view["items"])
        _write(out / "events" / view["slug"] / "index.html", html.render_event(view, urls=story_urls))
    _write(base / "history" / "index.html", html.render_history(ref, versions, urls=STATIC.at_depth(3)))
    _write(
        base / "feed.atom",
        atom.story_feed(
            ref,
            versions,
            self_url="feed.atom",
            story_url="index.html",
            version_url=lambda n: f"versions/{n}/index.html",
            diffs=pages.version_diffs(briefs),
        ),
    )

    for n in briefs:
        item_ids.update(s.item_id for s in briefs[n].sources)
        _write(
            base / "versions" / str(n) / "index.html",
            html.render_brief(briefs[n], versions=versions, urls=STATIC.at_depth(4), latest_version=latest),
        )
    pairs = {(n - 1, n) for n in briefs if n - 1 in briefs}
    if latest is not None:
        pairs |= {(n, latest) for n in briefs if n < latest}
    diff_urls = STATIC.at_depth(5)
    for a, b in sorted(pairs):
        target = base / "diff" / str(a) / str(b) / "index.html"
        if not full and target.is_file():
            continue
        _write(
            target,
            html.render_diff(
                ref,
                pages.version_row(versions, a, story),
                pages.version_row(versions, b, story),
                pages.diff_data(briefs[a], briefs[b]),
                urls=diff_urls,
            ),
        )
    return item_ids


def _copy_static(dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    folder = resources.files("infomachine.publish").joinpath("static")
    for entry in folder.iterdir():
        if entry.is_file():
            target = dest / entry.name
            data = entry.read_bytes()
            if not target.is_file() or target.read_bytes() != data:
                target.write_bytes(data)
