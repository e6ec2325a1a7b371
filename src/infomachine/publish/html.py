"""HTML pages for people: the story brief and the pages around it.

Renderers only render.  Every function here takes plain data (a ``Brief``,
dicts from ``publish.pages``) and returns a complete HTML document; nothing
here reads the store or computes content.  Safety is by construction:

* Jinja autoescaping is on for every template, so item-derived text can
  never become markup;
* item bodies are stored as plain text and shown as escaped paragraphs: no
  HTML from outside is ever passed through;
* links from items pass ``urls.safe_url`` (http and https only, else no link) and
  always carry ``rel="noopener noreferrer"``;
* no inline scripts or styles, no remote images: one same-origin CSS file,
  so the strict Content-Security-Policy of ``web.py`` holds.

Links between pages come from a ``Urls`` object, so the same templates serve
the web app (absolute paths) and the static site (relative ``index.html``
paths that work from ``file://``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from infomachine.models import Brief, Evidence, Sentence
from infomachine.publish.times import human, rfc3339
from infomachine.publish.urls import safe_url
from infomachine.wording import SECTION_TITLES, SOURCES_TITLE

# --------------------------------------------------------------------------- links


@dataclass(frozen=True)
class Urls:
    """Where every page lives.

    ``root`` is the prefix to the site root: ``/`` for the web app, or a
    relative ``../../`` for a static page that many levels deep.  With
    ``static`` set, directory pages end in ``index.html`` so the site works
    from ``file://`` as well as from a static server.
    """

    root: str = "/"
    static: bool = False

    def at_depth(self, depth: int) -> Urls:
        """The same scheme as seen from a static page ``depth`` folders deep."""
        return replace(self, root="../" * depth if depth else "./")

    def _page(self, *parts: str) -> str:
        path = "/".join(quote(str(p), safe="") for p in parts)
        if self.static:
            return f"{self.root}{path}/index.html" if path else f"{self.root}index.html"
        return f"{self.root}{path}"

    def _file(self, *parts: str) -> str:
        return self.root + "/".join(quote(str(p), safe="") for p in parts)

    def home(self) -> str:
        return self._page()

    def story(self, slug: str) -> str:
        return self._page("stories", slug)

    def history(self, slug: str) -> str:
        return self._page("stories", slug, "history")

    def version(self, slug: str, n: int) -> str:
        return self._page("stories", slug, "versions", str(n))

    def diff(self, slug: str, a: int, b: int) -> str:
        return self._page("stories", slug, "diff", str(a), str(b))

    def story_feed(self, slug: str) -> str:
        return self._file("stories", slug, "feed.atom")

    def feed(self) -> str:
        return self._file("feed.atom")

    def item(self, item_id: str) -> str:
        return self._page("items", item_id)

    def event(self, slug: str) -> str:
        return self._page("events", slug)

    def sources(self) -> str:
        return self._page("sources")

    def opml(self) -> str:
        return self._file("sources.opml")

    def search(self) -> str | None:
        return None if self.static else self._page("search")

    def css(self) -> str:
        return self._file("static", "style.css")


WEB_URLS = Urls()


# --------------------------------------------------------------------------- filters


def paragraphs(text: str | None) -> list[str]:
    """Plain text split into paragraphs at blank lines (or single newlines)."""
    if not text:
        return []
    blocks = re.split(r"\n\s*\n", text.strip())
    if len(blocks) == 1:
        blocks = text.strip().split("\n")
    return [b.strip() for b in blocks if b.strip()]


def citations(sentence: Sentence | Any) -> list[dict[str, Any]]:
    """The cites of a sentence with the evidence quote for each (formatting only)."""
    cites: Iterable[int] = getattr(sentence, "cites", []) or []
    evidence: Iterable[Evidence] = getattr(sentence, "evidence", []) or []
    quotes: dict[int, str] = {}
    for ev in evidence:
        quotes.setdefault(ev.n, ev.quote)
    return [{"n": n, "quote": quotes.get(n, "")} for n in cites]


# --------------------------------------------------------------------------- environment


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("infomachine.publish", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["safe_url"] = safe_url
    env.filters["human_time"] = human
    env.filters["rfc3339"] = rfc3339
    env.filters["paragraphs"] = paragraphs
    env.globals["citations"] = citations
    env.globals["titles"] = SECTION_TITLES
    env.globals["sources_title"] = SOURCES_TITLE
    return env


def _render(template: str, urls: Urls, **context: Any) -> str:
    return environment().get_template(template).render(urls=urls, **context)


# --------------------------------------------------------------------------- pages


def render_brief(
    brief: Brief,
    *,
    versions: list[dict[str, Any]] | None = None,
    urls: Urls = WEB_URLS,
    latest_version: int | None = None,
    standalone: bool = False,
    events: list[dict[str, Any]] | None = None,
) -> str:
    """The full HTML page of a story brief, laid out like the seed page.

    ``versions`` (``store.list_versions``) adds the change summary and the
    version count to the header; ``latest_version`` marks an older version.
    ``standalone`` embeds the stylesheet so the page reads well as a lone file.
    ``events`` (``pages.event_rows``) lists the story's events after its sources.
    """
    versions = versions or []
    latest = latest_version or (versions[-1]["version"] if versions else brief.version)
    current = next((v for v in versions if v.get("version") == brief.version), None)
    return _render(
        "story.html",
        urls,
        brief=brief,
        story=brief.story,
        versions=versions,
        current=current,
        latest_version=latest,
        is_old=bool(latest and brief.version and brief.version < latest),
        feed_url=urls.story_feed(brief.story.slug),
        inline_css=_stylesheet() if standalone else None,
        events=events,
    )


@lru_cache(maxsize=1)
def _stylesheet() -> Markup:
    """Our own CSS file, trusted, for standalone pages."""
    css = resources.files("infomachine.publish").joinpath("static/style.css").read_text("utf-8")
    return Markup(css.replace("</", "<\\/"))


def render_index(stories: list[dict[str, Any]], *, urls: Urls = WEB_URLS) -> str:
    """Story index: rows of ``{slug, title, item_count, version, generated_at, change_summary}``."""
    return _render("index.html", urls, stories=stories, feed_url=urls.feed())


def render_history(
    story: dict[str, Any],
    versions: list[dict[str, Any]],
    *,
    urls: Urls = WEB_URLS,
    events: list[dict[str, Any]] | None = None,
) -> str:
    """Every version of a story, newest first, with what changed (and, when
    given, its events: the page of a story without a brief yet)."""
    return _render(
        "history.html",
        urls,
        story=story,
        versions=list(reversed(versions)),
        feed_url=urls.story_feed(story["slug"]),
        events=events,
    )


def render_diff(
    story: dict[str, Any],
    a: dict[str, Any],
    b: dict[str, Any],
    diff: Any = None,
    *,
    urls: Urls = WEB_URLS,
) -> str:
    """Two versions compared: their change summaries and, when given, the diff data."""
    return _render("diff.html", urls, story=story, a=a, b=b, diff=diff)


def render_event(event: dict[str, Any], *, urls: Urls = WEB_URLS, standalone: bool = False) -> str:
    """One event (``pages.event_view``): its story, dates and items, oldest first."""
    story = event.get("story")
    return _render(
        "event.html",
        urls,
        event=event,
        story=story,
        feed_url=urls.story_feed(story["slug"]) if story else None,
        inline_css=_stylesheet() if standalone else None,
    )


def render_item(item: dict[str, Any], *, urls: Urls = WEB_URLS) -> str:
    """One stored item: metadata, story, and its text (escaped)."""
    return _render("item.html", urls, item=item)


def render_sources(sources: list[dict[str, Any]], *, urls: Urls = WEB_URLS) -> str:
    """Every source with its health (last fetch, status, errors, next poll)."""
    return _render("sources.html", urls, sources=sources)


def render_search(query: str, results: list[dict[str, Any]], *, urls: Urls = WEB_URLS) -> str:
    """Full-text search form and results."""
    return _render("search.html", urls, query=query, results=results)


def render_error(status: int, message: str, *, urls: Urls = WEB_URLS) -> str:
    return _render("error.html", urls, status=status, message=message)
