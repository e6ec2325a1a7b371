"""The static site export: incremental re-rendering and unchanged files left alone."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import webfixtures
from click.testing import CliRunner

from infomachine.cli import cli
from infomachine.models import Brief, BriefStory, Sentence, Story, What
from infomachine.publish import html, site
from infomachine.publish.site import export_site
from infomachine.store import open_store

SLUG = "open-model-wave"


def _other_brief(version_word: str, when: datetime) -> Brief:
    return Brief(story=BriefStory(id="s-other", slug="other-story", title="Other story"),
                 generated_at=when, what=What(summary=[Sentence(text=f"Other {version_word}.")]))


@pytest.fixture
def store(db_url: str) -> Any:  # on SQLite and PostgreSQL (conftest)
    store = open_store(db_url)
    data = webfixtures.populate(store)
    store.create_story(Story(id="s-other", slug="other-story", title="Other story"))
    store.save_brief("s-other", _other_brief("one", datetime(2026, 5, 25, tzinfo=UTC)))
    yield store, data
    store.close()


def _stamps(out: Path) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}


def test_unchanged_files_are_not_rewritten(store: Any, tmp_path: Path) -> None:
    st, _ = store
    out = tmp_path / "public"
    export_site(st, out)
    before = _stamps(out)
    export_site(st, out)
    assert _stamps(out) == before  # same content: no file touched, not even the index


def test_only_rerenders_the_named_stories(
    store: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    st, data = store
    out = tmp_path / "public"
    export_site(st, out)
    main_files = {p: p.read_text() for p in (out / "stories" / SLUG).rglob("*") if p.is_file()}

    st.save_brief("s-other", _other_brief("two", datetime(2026, 6, 2, tzinfo=UTC)))
    rendered: list[str] = []
    real = html.render_brief
    monkeypatch.setattr(html, "render_brief",
                        lambda brief, **kw: rendered.append(brief.story.slug) or real(brief, **kw))
    export_site(st, out, only={"s-other"})

    assert set(rendered) == {"other-story"}  # the unchanged story was not rendered at all
    assert "Other two." in (out / "stories" / "other-story" / "index.html").read_text()
    assert (out / "stories" / "other-story" / "versions" / "2" / "index.html").is_file()
    assert (out / "stories" / "other-story" / "diff" / "1" / "2" / "index.html").is_file()
    assert {p: p.read_text() for p in (out / "stories" / SLUG).rglob("*") if p.is_file()} == main_files
    # index and feeds always follow the store
    assert "Other story" in (out / "index.html").read_text()
    assert "version 2" in (out / "feed.atom").read_text()

    # nothing named: only index, feeds and sources are considered
    rendered.clear()
    export_site(st, out, only=set())
    assert rendered == []


def test_a_story_without_pages_is_always_written(store: Any, tmp_path: Path) -> None:
    st, _ = store
    out = tmp_path / "public"
    export_site(st, out, only=set())
    assert (out / "stories" / SLUG / "index.html").is_file()
    assert (out / "stories" / "other-story" / "index.html").is_file()


def test_cli_export_is_a_full_export(store: Any, tmp_path: Path) -> None:
    st, _ = store
    out = tmp_path / "public"
    export_site(st, out)
    stale = out / "stories" / SLUG / "diff" / "1" / "2" / "index.html"
    stale.write_text("stale", encoding="utf-8")
    export_site(st, out, only={"s-other"})
    assert stale.read_text() == "stale"  # incremental: an existing diff page is kept
    result = CliRunner().invoke(cli, ["--db", str(st.path), "export", "--site", str(out)])
    assert result.exit_code == 0, result.output
    assert stale.read_text() != "stale"


def test_write_skips_identical_content(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b.html"
    assert site._write(path, "x") is True
    assert site._write(path, "x") is False
    assert site._write(path, "y") is True and path.read_text() == "y"


@pytest.mark.parametrize("target", ["/proc/forbidden", "FILE/site"])
def test_unwritable_folder_is_an_input_error(store: Any, tmp_path: Path, target: str) -> None:
    from infomachine.errors import InputError

    st, _ = store
    (tmp_path / "FILE").write_text("not a folder")
    out = Path(target) if target.startswith("/") else tmp_path / target
    with pytest.raises(InputError, match=str(out)):
        export_site(st, out)
    result = CliRunner().invoke(cli, ["--db", str(st.path), "export", "--site", str(out)])
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output
    assert result.output.count("\n") == 1 and f"cannot write the site to {out}" in result.output


def test_export_writes_the_markdown_pages_too(store: Any, tmp_path: Path) -> None:
    st, _ = store
    out = tmp_path / "public"
    export_site(st, out)
    assert site.markdown_files(out) == [out / "index.md", out / "open-model-wave.history.md",
                                        out / "open-model-wave.md", out / "other-story.history.md",
                                        out / "other-story.md"]
    index = (out / "index.md").read_text(encoding="utf-8")
    assert "[Open Model Wave](open-model-wave.md)" in index
    assert (out / "other-story.md").read_text(encoding="utf-8").startswith("# Other story")


def test_event_pages_follow_their_story(store: Any, tmp_path: Path) -> None:
    """Each event of an exported story has its page, linked from the story page and
    its items' pages; a story re-rendered picks up a changed event, others are left."""
    st, data = store
    events = webfixtures.add_events(st, data["story"], data["item_ids"])
    out = tmp_path / "public"
    export_site(st, out)
    page = out / "events" / webfixtures.EVENT_A / "index.html"
    text = page.read_text()
    assert f'href="../../stories/{SLUG}/index.html"' in text
    assert [f'href="../../items/{i}/index.html"' in text for i in data["item_ids"]] == [True, True, False]
    story_page = (out / "stories" / SLUG / "index.html").read_text()
    assert f'href="../../events/{webfixtures.EVENT_A}/index.html"' in story_page
    item_page = (out / "items" / data["item_ids"][2] / "index.html").read_text()
    assert f'href="../../events/{webfixtures.EVENT_B}/index.html"' in item_page

    st.update_event(events["a"].id, title="Release wave, renamed")
    export_site(st, out, only={"s-other"})  # the event's story is not named: its pages stay
    assert "Release wave, renamed" not in page.read_text()
    export_site(st, out, only={data["story"].id})
    assert "Release wave, renamed" in page.read_text()
    assert "Release wave, renamed" in (out / "stories" / SLUG / "index.html").read_text()
