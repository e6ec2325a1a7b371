"""Search providers and reactive search feeds, against local servers that answer
in each provider's real format (never the internet)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from httpserver import LocalServer, server_fixture

from infomachine.cluster.reactive import key_terms, spawn_reactive
from infomachine.errors import InputError
from infomachine.ingest.batch import ingest_records
from infomachine.intake.poll import PollConfig, Poller
from infomachine.models import Record
from infomachine.provenance import found_via_label
from infomachine.sources.search import QueriesConfig, add_query, query_source
from infomachine.store import SQLiteStore

local_server = server_fixture()
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

HN_ANSWER = {
    "hits": [
        {"created_at": "2025-02-28T17:04:11.000Z", "title": "Open weights model beats GPT-4 on coding benchmark",
         "url": "https://example.com/open-weights", "author": "alice", "points": 412, "story_text": None,
         "comment_text": None, "num_comments": 230, "story_id": None, "story_title": None, "story_url": None,
         "parent_id": None, "created_at_i": 1740762251, "_tags": ["story", "author_alice", "story_43210"],
         "objectID": "43210", "_highlightResult": {"title": {"value": "Open <em>weights</em>", "matchLevel": "full"}}},
        {"created_at": "2025-02-28T15:00:00.000Z", "title": "Ask HN: Are open weights models safe?",
         "url": None, "author": "bob", "points": 40, "story_text": "<p>I wonder whether <i>open</i> weights are safe.</p>",
         "num_comments": 12, "created_at_i": 1740754800, "_tags": ["story", "ask_hn"], "objectID": "43199"},
    ],
    "nbHits": 2, "page": 0, "nbPages": 1, "hitsPerPage": 30, "exhaustiveNbHits": True,
    "query": "open weights", "params": "query=open+weights&tags=story", "processingTimeMS": 3,
}

GNEWS_ANSWER = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><generator>NFE/5.0</generator>
<title>"open weights" - Google News</title><link>https://news.google.com/search?q=open+weights&amp;hl=en-US</link>
<language>en-US</language><webMaster>news-webmaster@google.com</webMaster><copyright>2025 Google LLC</copyright>
<lastBuildDate>Sat, 01 Mar 2025 11:00:00 GMT</lastBuildDate><description>Google News</description>
<item><title>Lab releases open weights model - Reuters</title>
<link>https://news.google.com/rss/articles/CBMiWmh0dHBzOi8vd3d3LnJldXRlcnMuY29tL3RlY2g?oc=5</link>
<guid isPermaLink="false">CBMiWmh0dHBzOi8vd3d3LnJldXRlcnMuY29tL3RlY2g</guid><pubDate>Sat, 01 Mar 2025 09:12:00 GMT</pubDate>
<description>&lt;a href="https://news.google.com/rss/articles/CBMi?oc=5" target="_blank"&gt;Lab releases open weights model&lt;/a&gt;&amp;nbsp;&amp;nbsp;&lt;font color="#6f6f6f"&gt;Reuters&lt;/font&gt;</description>
<source url="https://www.reuters.com">Reuters</source></item>
</channel></rss>"""

ARXIV_ANSWER = b"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom">
  <link href="http://arxiv.org/api/query?search_query%3Dall%3Aopen%26id_list%3D%26start%3D0%26max_results%3D30" rel="self" type="application/atom+xml"/>
  <title type="html">ArXiv Query: search_query=all:open AND all:weights&amp;id_list=&amp;start=0&amp;max_results=30</title>
  <id>http://arxiv.org/api/abc</id><updated>2025-03-01T00:00:00-05:00</updated>
  <opensearch:totalResults>1</opensearch:totalResults><opensearch:startIndex>0</opensearch:startIndex>
  <opensearch:itemsPerPage>30</opensearch:itemsPerPage>
  <entry>
    <id>http://arxiv.org/abs/2502.12345v1</id><updated>2025-02-27T18:00:00Z</updated>
    <published>2025-02-27T18:00:00Z</published>
    <title>Measuring the Capability Gap Between Open and Closed Weights Models</title>
    <summary>  We compare open weights and closed models on twelve benchmarks and find the gap narrowing.
    </summary>
    <author><name>Ada Lovelace</name></author><author><name>Alan Turing</name></author>
    <arxiv:primary_category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>
    <link href="http://arxiv.org/abs/2502.12345v1" rel="alternate" type="text/html"/>
    <link title="pdf" href="http://arxiv.org/pdf/2502.12345v1" rel="related" type="application/pdf"/>
    <category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>
  </entry>
</feed>"""

TEMPLATE_ANSWER = json.dumps({
    "version": "https://jsonfeed.org/version/1.1", "title": "My search",
    "items": [{"id": "t1", "url": "https://blog.example/open-weights", "title": "Why open weights matter",
               "content_text": "Open weights let anyone inspect a model.", "date_published": "2025-02-26T08:00:00Z"}],
}).encode()


def qcfg(server: LocalServer, **kw: object) -> QueriesConfig:
    base: dict[str, object] = dict(hn_url=server.url("/api/v1"), gnews_url=server.url(""),
                                   arxiv_url=server.url("/api"), interval=600)
    base.update(kw)
    return QueriesConfig(**base)  # type: ignore[arg-type]


def poller() -> Poller:
    return Poller(PollConfig(allow_private=True, jitter=0.0, min_interval=60))


def _query(server: LocalServer, path: str) -> dict[str, list[str]]:
    target = next(p for _, p, _ in server.requests if p.startswith(path))
    return parse_qs(urlsplit(target).query)


def test_hacker_news_algolia(store: SQLiteStore, local_server: LocalServer) -> None:
    local_server.route("/api/v1/search_by_date", body=json.dumps(HN_ANSWER), headers={"Content-Type": "application/json"})
    src = store.upsert_source(query_source("open weights", "hn", config=qcfg(local_server)))
    with poller() as p:
        report = p.poll(store, now=T0)
    assert report.new_items == 2
    assert _query(local_server, "/api/v1/search_by_date")["query"] == ["open weights"]
    items = {i.guid: i for i in store.list_items()}
    top = items["hn:43210"]
    assert top.url == "https://example.com/open-weights" and top.author == "alice"
    assert top.source == src.id and top.publisher == "Hacker News"
    assert top.metadata["discussion"] == "https://news.ycombinator.com/item?id=43210"
    assert top.published == datetime(2025, 2, 28, 17, 4, 11, tzinfo=UTC)
    ask = items["hn:43199"]
    assert ask.url == "https://news.ycombinator.com/item?id=43199" and "open weights are safe" in ask.text


def test_google_news_rss(store: SQLiteStore, local_server: LocalServer) -> None:
    local_server.route("/rss/search", body=GNEWS_ANSWER, headers={"Content-Type": "application/xml"})
    store.upsert_source(query_source("open weights", "gnews", config=qcfg(local_server)))
    with poller() as p:
        assert p.poll(store, now=T0).new_items == 1
    q = _query(local_server, "/rss/search")
    assert q["q"] == ["open weights"] and q["hl"] == ["en-US"] and q["ceid"] == ["US:en"]
    (item,) = store.list_items()
    assert item.title.startswith("Lab releases open weights model")
    assert item.url and item.url.startswith("https://news.google.com/rss/articles/")


def test_arxiv_atom(store: SQLiteStore, local_server: LocalServer) -> None:
    local_server.route("/api/query", body=ARXIV_ANSWER, headers={"Content-Type": "application/atom+xml"})
    store.upsert_source(query_source("open weights", "arxiv", config=qcfg(local_server)))
    with poller() as p:
        assert p.poll(store, now=T0).new_items == 1
    q = _query(local_server, "/api/query")
    assert q["search_query"] == ["all:open AND all:weights"] and q["sortBy"] == ["submittedDate"]
    (item,) = store.list_items()
    assert item.title == "Measuring the Capability Gap Between Open and Closed Weights Models"
    assert item.url == "http://arxiv.org/abs/2502.12345v1" and "gap narrowing" in item.text
    assert "Ada Lovelace" in (item.author or "")


def test_url_template_read_as_feed(store: SQLiteStore, local_server: LocalServer) -> None:
    local_server.route("/find", body=TEMPLATE_ANSWER, headers={"Content-Type": "application/feed+json"})
    src = add_query(store, "open weights", "template", template=local_server.url("/find?q={query}&fmt=json"),
                    config=qcfg(local_server))
    assert src.url.endswith("/find?q=open+weights&fmt=json")
    with poller() as p:
        assert p.poll(store, now=T0).new_items == 1
    assert store.list_items()[0].title == "Why open weights matter"
    with pytest.raises(InputError):
        query_source("x", "template", template="https://example.org/no-placeholder")
    with pytest.raises(InputError):
        query_source("x", "nope")


def test_key_terms_prefer_entities_then_tfidf() -> None:
    titles = ["Northport Bridge budget doubles", "Council questions Northport Bridge budget",
              "Northport Bridge opening delayed as budget grows", "Mayor defends budget for bridge"]
    corpus = titles + ["Weather: rain tomorrow", "Council meets on schools", "Budget talks in capital"] * 5
    terms = key_terms(titles, corpus, 4)
    assert terms[:2] == ["Northport", "Bridge"]
    assert "budget" in terms and len(terms) <= 4


def _grow_story(store: SQLiteStore, n: int) -> str:
    records = [
        Record(origin=f"t{k}", url=f"https://example.org/lithium/{k}",
               title=f"Atacama Lithium mine expansion {word} in Chile",
               text=f"The Atacama Lithium mine expansion {word}. Officials in Chile commented on day {k}.")
        for k, word in enumerate(["approved", "protested", "delayed", "funded", "reviewed", "debated",
                                  "halted", "resumed", "audited", "praised"][:n])
    ]
    ingest_records(store, records, story="atacama-lithium")
    story = store.find_story_by_slug("atacama-lithium")
    assert story is not None
    return story.slug


def test_reactive_feeds_spawned_labelled_and_not_respawned(store: SQLiteStore, local_server: LocalServer) -> None:
    slug = _grow_story(store, 7)
    cfg = qcfg(local_server, reactive_size=8, reactive_providers="hn,arxiv")
    assert spawn_reactive(store, cfg) == []  # 7 items: too small
    _grow_story(store, 8)
    created = spawn_reactive(store, cfg)
    assert {s.metadata["provider"] for s in created} == {"hn", "arxiv"}
    assert [(s.metadata["reactive"], s.kind) for s in created] == [(slug, "query")] * 2
    query = created[0].metadata["query"]
    assert "Atacama" in query and "Lithium" in query
    assert spawn_reactive(store, cfg) == []  # once per story

    hn = next(s for s in created if s.metadata["provider"] == "hn")
    store.update_source(next(s.id for s in created if s.metadata["provider"] == "arxiv"), status="paused")
    local_server.route("/api/v1/search_by_date", body=json.dumps(HN_ANSWER), headers={"Content-Type": "application/json"})
    with poller() as p:
        report = p.poll(store, now=T0)
    assert report.new_items == 2 and local_server.hits("/api/query") == 0  # paused one not polled
    found = [i for i in store.list_items() if i.source == hn.id]
    assert len(found) == 2
    assert all(found_via_label(i) == f"reactive:{slug}" for i in found)

    for s in created:
        store.delete_source(s.id)
    assert spawn_reactive(store, cfg) == []  # removed by the user: not brought back


def test_reactive_query_that_a_user_already_follows_is_labelled_not_created(
    store: SQLiteStore, local_server: LocalServer
) -> None:
    from infomachine.cluster.reactive import derive_query

    slug = _grow_story(store, 8)
    cfg = qcfg(local_server, reactive_size=8, reactive_providers="hn,arxiv")
    story = store.find_story_by_slug(slug)
    assert story is not None
    mine = add_query(store, derive_query(store, story, cfg.reactive_terms), "hn", config=cfg)
    assert "reactive" not in mine.metadata

    spawned = spawn_reactive(store, cfg)
    assert [s.metadata["provider"] for s in spawned] == ["arxiv"]  # only the new one is created
    assert [s.id for s in spawned.adopted] == [mine.id]
    saved = store.get_source(mine.id)
    assert saved.metadata["reactive"] == slug and saved.name == mine.name  # the user's name stays
    assert spawn_reactive(store, cfg) == [] and spawn_reactive(store, cfg).adopted == []

    local_server.route("/api/v1/search_by_date", body=json.dumps(HN_ANSWER),
                       headers={"Content-Type": "application/json"})
    store.update_source(spawned[0].id, status="paused")
    with poller() as p:
        assert p.poll(store, now=T0).new_items == 2
    found = [i for i in store.list_items() if i.source == mine.id]
    assert len(found) == 2 and all(found_via_label(i) == f"reactive:{slug}" for i in found)


def test_derive_query_uses_store_methods_not_raw_sql(
    store: SQLiteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from infomachine.cluster.reactive import derive_query

    slug = _grow_story(store, 8)
    ingest_records(store, [Record(origin="x", url="https://example.org/other", title="Unrelated harbour news",
                                  text="Nothing about mines.")])
    assert store.recent_item_titles(2) == ["Unrelated harbour news", "Atacama Lithium mine expansion resumed in Chile"]

    def no_raw_sql(*args: object, **kwargs: object) -> None:
        raise AssertionError("raw SQL through store.execute")

    monkeypatch.setattr(store, "execute", no_raw_sql)
    story = store.find_story_by_slug(slug)
    assert story is not None
    assert derive_query(store, story).startswith("Atacama Lithium")


def _intranet_feed(n: int) -> bytes:
    words = ["approved", "protested", "delayed", "funded", "reviewed", "debated", "halted", "resumed",
             "audited", "praised"][:n]
    items = "".join(f"<item><guid>m{k}</guid><link>http://intranet.local/m/{k}</link>"
                    f"<title>Project Nightjar merger {w} in Oslo</title>"
                    f"<description>The Project Nightjar merger {w}; day {k}.</description></item>"
                    for k, w in enumerate(words))
    return f'<rss version="2.0"><channel><title>Intranet</title>{items}</channel></rss>'.encode()


def test_private_sources_never_feed_reactive_queries_unless_shared(
    store: SQLiteStore, local_server: LocalServer
) -> None:
    from infomachine.models import Story
    from infomachine.sources.feeds import feed_source

    local_server.route("/intranet.xml", body=_intranet_feed(10), headers={"Content-Type": "application/rss+xml"})
    src = store.upsert_source(feed_source(local_server.url("/intranet.xml")))
    with poller() as p:
        p.poll(store, now=T0)
    src = store.get_source(src.id)
    assert src.metadata["private"] is True  # fetched from 127.0.0.1, allowed by allow_private
    story = store.create_story(Story(id="s-nightjar", slug="nightjar", title="Nightjar", pinned=True))
    for item in store.list_items():
        store.pin_item(item.id, story.id)
    cfg = qcfg(local_server, reactive_size=8, reactive_providers="hn,arxiv")
    before = len(local_server.requests)
    assert spawn_reactive(store, cfg) == [] and store.list_sources(kind="query") == []
    assert len(local_server.requests) == before  # nothing was asked of any search provider
    store.update_story(story.id, metadata={"share_search_terms": True})  # the user shares this story
    created = spawn_reactive(store, cfg)
    assert len(created) == 2 and "Nightjar" in created[0].metadata["query"]


def test_add_feed_can_share_a_private_feeds_terms(tmp_path: object) -> None:
    from pathlib import Path

    from click.testing import CliRunner

    from infomachine.cli import cli

    db = Path(str(tmp_path)) / "t.db"
    result = CliRunner().invoke(cli, ["--db", str(db), "add-feed", "http://10.0.0.5/feed.xml",
                                      "--share-search-terms"], catch_exceptions=False)
    assert result.exit_code == 0
    with SQLiteStore(db) as s:
        [src] = s.list_sources()
        assert src.metadata["share_search_terms"] is True
