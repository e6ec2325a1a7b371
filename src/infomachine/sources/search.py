"""Search feeds: a query run against a search provider, polled like a feed.

Providers are registered in ``PROVIDERS`` (``register_provider`` adds one):

* ``hn`` — the Hacker News Algolia search API (JSON, ``search_by_date``);
* ``gnews`` — Google News RSS search;
* ``arxiv`` — the arXiv API (Atom);
* ``template`` — a user-defined URL with a ``{query}`` placeholder whose
  answer is read as a feed (RSS, Atom or JSON Feed).

Base URLs come from ``[queries]`` in the config (so tests point them at
127.0.0.1).  A query source is a ``Source`` of kind ``query`` whose URL is
the provider URL for the query, with ``metadata = {"provider", "query"}``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, quote_plus

from infomachine.config import load_section
from infomachine.errors import InputError
from infomachine.models import IngestProblem, Record, Source
from infomachine.store import Store
from infomachine.text.html import html_to_text

# Source metadata: the source was fetched from a non-public address (an
# intranet reached with allow_private / allow_networks).  Words of its items
# never go into a reactive search query (sent to public search engines)...
PRIVATE = "private"
# ...unless the user shares them: this flag on the source or on the story.
SHARE_TERMS = "share_search_terms"


@dataclass
class QueriesConfig:
    """Search providers and reactive feeds: ``[queries]`` / ``INFOMACHINE_QUERIES_*``."""

    hn_url: str = "https://hn.algolia.com/api/v1"
    gnews_url: str = "https://news.google.com"
    gnews_locale: str = "hl=en-US&gl=US&ceid=US:en"
    arxiv_url: str = "https://export.arxiv.org/api"
    template: str = ""  # default URL template for provider "template", with {query}
    results: int = 30  # results asked of a provider
    interval: int = 3600  # poll interval of a query source, seconds
    reactive: bool = True  # spawn search feeds for growing stories
    reactive_size: int = 8  # story size (items) that spawns reactive feeds
    reactive_providers: str = "hn,gnews"  # comma-separated provider names
    reactive_terms: int = 4  # words in a derived query
    max_reactive: int = 100  # reactive sources in total, at most


def load_config(overrides: dict[str, Any] | None = None) -> QueriesConfig:
    return load_section("queries", QueriesConfig, overrides)


Parser = Callable[[bytes, str, str], list[Record | IngestProblem]]


@dataclass
class Provider:
    """A search provider: how to build its URL and read its answer."""

    name: str
    build_url: Callable[[str, QueriesConfig, str | None], str]
    parse: Parser
    description: str = ""


PROVIDERS: dict[str, Provider] = {}


def register_provider(provider: Provider) -> Provider:
    PROVIDERS[provider.name] = provider
    return provider


def get_provider(name: str) -> Provider:
    try:
        return PROVIDERS[name]
    except KeyError:
        raise InputError(f"unknown search provider {name!r} (known: {', '.join(sorted(PROVIDERS))})") from None


# --------------------------------------------------------------------------- parsers


def parse_feed_answer(data: bytes, origin: str, source: str) -> list[Record | IngestProblem]:
    from infomachine.sources.feeds import parse_feed

    return parse_feed(data, origin, source=source).records


def parse_hn(data: bytes, origin: str, source: str) -> list[Record | IngestProblem]:
    """Hacker News Algolia ``search``/``search_by_date`` JSON: ``{"hits": [...]}``."""
    try:
        obj = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return [IngestProblem(origin, f"not Algolia JSON: {exc}")]
    hits = obj.get("hits") if isinstance(obj, dict) else None
    if not isinstance(hits, list):
        return [IngestProblem(origin, "Algolia answer has no hits list")]
    out: list[Record | IngestProblem] = []
    for n, hit in enumerate(hits):
        where = f"{origin}#{n + 1}"
        if not isinstance(hit, dict) or not hit.get("objectID"):
            out.append(IngestProblem(where, "hit without objectID"))
            continue
        oid = str(hit["objectID"])
        title = hit.get("title") or hit.get("story_title") or ""
        discussion = f"https://news.ycombinator.com/item?id={oid}"
        body = html_to_text(hit["story_text"]) if hit.get("story_text") else ""
        points, comments = hit.get("points"), hit.get("num_comments")
        if not body:
            body = f"{title} ({points or 0} points, {comments or 0} comments on Hacker News)"
        out.append(
            Record(
                origin=where,
                url=hit.get("url") or discussion,
                guid=f"hn:{oid}",
                title=str(title) or None,
                text=body,
                author=hit.get("author"),
                publisher="Hacker News",
                published=hit.get("created_at"),
                source=source,
                metadata={"hn_id": oid, "discussion": discussion, "points": points,
                          "num_comments": comments},
            )
        )
    return out


def parse_arxiv(data: bytes, origin: str, source: str) -> list[Record | IngestProblem]:
    """arXiv API Atom: a feed, with every author of a paper (feedparser keeps one)."""
    records = parse_feed_answer(data, origin, source)
    try:
        import defusedxml.ElementTree as DET

        root = DET.fromstring(data, forbid_dtd=True)
    except Exception:  # noqa: BLE001 - the feed parser already reported what it could
        return records
    ns = {"a": "http://www.w3.org/2005/Atom"}
    authors: dict[str, str] = {}
    for entry in root.findall("a:entry", ns):
        eid = (entry.findtext("a:id", default="", namespaces=ns) or "").strip()
        names = [(n.text or "").strip() for n in entry.findall("a:author/a:name", ns)]
        if eid and names:
            authors[eid] = ", ".join(n for n in names if n)
    for rec in records:
        if isinstance(rec, Record) and rec.guid in authors:
            rec.author = authors[rec.guid]
            rec.publisher = "arXiv"
    return records


# --------------------------------------------------------------------------- URLs


def _hn_url(query: str, cfg: QueriesConfig, template: str | None) -> str:
    return (f"{cfg.hn_url.rstrip('/')}/search_by_date?query={quote_plus(query)}"
            f"&tags=story&hitsPerPage={cfg.results}")


def _gnews_url(query: str, cfg: QueriesConfig, template: str | None) -> str:
    return f"{cfg.gnews_url.rstrip('/')}/rss/search?q={quote_plus(query)}&{cfg.gnews_locale}"


def _arxiv_url(query: str, cfg: QueriesConfig, template: str | None) -> str:
    words = [w for w in re.split(r"\s+", query.strip()) if w]
    search = "+AND+".join(f"all:{quote(w, safe='')}" for w in words) or "all:*"
    return (f"{cfg.arxiv_url.rstrip('/')}/query?search_query={search}"
            f"&sortBy=submittedDate&sortOrder=descending&max_results={cfg.results}")


def _template_url(query: str, cfg: QueriesConfig, template: str | None) -> str:
    tpl = template or cfg.template
    if not tpl or "{query}" not in tpl:
        raise InputError("the template provider needs a URL template containing {query}")
    if not tpl.startswith(("http://", "https://")):
        raise InputError(f"URL template must be http(s): {tpl}")
    return tpl.replace("{query}", quote_plus(query))


register_provider(Provider("hn", _hn_url, parse_hn, "Hacker News (Algolia search API)"))
register_provider(Provider("gnews", _gnews_url, parse_feed_answer, "Google News RSS search"))
register_provider(Provider("arxiv", _arxiv_url, parse_arxiv, "arXiv API (Atom)"))
register_provider(Provider("template", _template_url, parse_feed_answer, "your URL template, read as a feed"))


# --------------------------------------------------------------------------- sources


def query_source_id(provider: str, url: str) -> str:
    return "query-" + hashlib.sha256(f"{provider}\n{url}".encode()).hexdigest()[:12]


def query_source(
    query: str,
    provider: str = "hn",
    *,
    config: QueriesConfig | None = None,
    template: str | None = None,
    reactive: str | None = None,
) -> Source:
    """A new query ``Source`` (store it with ``store.upsert_source``)."""
    cfg = config or load_config()
    query = " ".join(query.split())
    if not query:
        raise InputError("empty query")
    prov = get_provider(provider)
    url = prov.build_url(query, cfg, template)
    meta: dict[str, Any] = {"provider": provider, "query": query, "interval": cfg.interval}
    if template:
        meta["template"] = template
    if reactive:
        meta["reactive"] = reactive
    name = f"reactive:{reactive} {provider}" if reactive else f"{provider}: {query}"
    return Source(id=query_source_id(provider, url), kind="query", url=url, name=name,
                  interval=cfg.interval, metadata=meta)


def add_query(store: Store, query: str, provider: str = "hn", *,
              template: str | None = None, config: QueriesConfig | None = None) -> Source:
    return store.upsert_source(query_source(query, provider, config=config, template=template))


def parse_query_response(source: Source, data: bytes) -> list[Record | IngestProblem]:
    """Records from a provider's answer, the fetched body (called by the poller)."""
    provider = get_provider(str(source.metadata.get("provider") or "template"))
    return provider.parse(data, source.url, source.id)
