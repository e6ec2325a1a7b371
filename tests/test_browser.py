"""A real browser: headless Chromium loads the story page served by uvicorn.

It takes a screenshot (kept in ``$INFOMACHINE_SCREENSHOT_DIR`` when set) and
checks that no script from item content runs: the items carry payloads that
would set ``document.title`` and request marker URLs on the same local
server, and the test asserts no marker was ever requested and the DOM shows
no sign of execution.  A control page without escaping or CSP proves the
detection works.  Skips when Chromium is not installed.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import webfixtures

from infomachine.models import SourceRef
from infomachine.store import SQLiteStore
from infomachine.web.app import create_app

CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="Chromium not installed (apt-get install -y chromium); CI's .ci/run installs it",
    ),
]
EXECUTED = "PWN" + "ED-EXECUTED"  # the string only exists if a payload's script ran


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _payloads(base: str) -> list[str]:
    js = f"document.title='PWN'+'ED-EXECUTED';fetch('{base}/marker-fetch')"
    return [
        f"<script>{js}</script>",
        f'<img src="{base}/marker-img" onerror="{js}">',
        f'<img srcset="{base}/marker-srcset 1x">',
        f'<a href="javascript:{js}" id="jslink">x</a>',
        f'</title><script>{js}</script><iframe src="{base}/marker-iframe"></iframe>',
        f'<link rel="stylesheet" href="{base}/marker-css"><svg onload="{js}"></svg>',
    ]


class Recorder:
    """Wraps the app: records every path asked for, serves a control page."""

    def __init__(self, app: Any, control_js: str) -> None:
        self.app = app
        self.paths: list[str] = []
        self.control_js = control_js

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.paths.append(scope["path"])
            if scope["path"] == "/control":
                body = f"<html><head><title>control</title></head><body><script>{self.control_js}</script></body></html>"
                await send({"type": "http.response.start", "status": 200,
                            "headers": [(b"content-type", b"text/html")]})
                await send({"type": "http.response.body", "body": body.encode()})
                return
        await self.app(scope, receive, send)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[dict[str, Any]]:
    import uvicorn

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    payloads = _payloads(base)
    store = SQLiteStore(tmp_path / "browser.db")
    data = webfixtures.populate(store, texts=[" ".join(payloads)] * 3)
    story = data["story"]
    webfixtures.add_events(store, story, data["item_ids"], marker=payloads[0])
    brief = webfixtures.make_brief(story, data["item_ids"], marker=payloads[0],
                                   change="Added " + payloads[1])
    brief.sources = [
        SourceRef(n=i + 1, item_id=iid, title=f"Source {i + 1} {payloads[i % len(payloads)]}",
                  publisher="Interconnects", published="2026-05-16",
                  url=f"javascript:fetch('{base}/marker-href')" if i == 2 else f"https://example.org/{i}",
                  found_via="reactive:open-model-capability-gap" if i else None)
        for i, iid in enumerate(data["item_ids"])
    ]
    store.save_brief(story.id, brief)
    store.close()
    control_js = f"document.title='PWN'+'ED-EXECUTED';fetch('{base}/marker-control')"
    app = Recorder(create_app(tmp_path / "browser.db"), control_js)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "uvicorn did not start"
    try:
        yield {"base": base, "app": app, "slug": story.slug, "item": data["item_ids"][0]}
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


def _chromium(tmp_path: Path, *args: str) -> str:
    profile = tmp_path / f"profile-{time.monotonic_ns()}"
    cmd = [
        str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-background-networking", "--disable-component-update", "--no-first-run",
        "--disable-sync", "--disable-dev-shm-usage", f"--user-data-dir={profile}",
        "--virtual-time-budget=3000", *args,
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_detection_works_on_control_page(server: dict[str, Any], tmp_path: Path) -> None:
    dom = _chromium(tmp_path, "--dump-dom", server["base"] + "/control")
    assert EXECUTED in dom
    assert "/marker-control" in server["app"].paths


def test_story_page_runs_no_item_script(server: dict[str, Any], tmp_path: Path) -> None:
    base, slug = server["base"], server["slug"]
    for path in (f"/stories/{slug}", f"/items/{server['item']}", f"/stories/{slug}/history", "/",
                 f"/events/{webfixtures.EVENT_A}"):
        dom = _chromium(tmp_path, "--dump-dom", base + path)
        assert EXECUTED not in dom, path
        assert "&lt;script&gt;" in dom or path in ("/", f"/stories/{slug}/history"), path
    dom = _chromium(tmp_path, "--dump-dom", base + f"/stories/{slug}")
    assert '<h2 id="sources">Sources</h2>' in dom and 'id="source-1"' in dom
    assert f'href="/events/{webfixtures.EVENT_A}"' in dom and '<h2 id="events">Events</h2>' in dom
    assert "/static/style.css" in server["app"].paths
    markers = [p for p in server["app"].paths if p.startswith("/marker")]
    assert markers == [], markers


def test_story_page_screenshot(server: dict[str, Any], tmp_path: Path) -> None:
    shot = tmp_path / "story.png"
    _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,2200", "--hide-scrollbars",
              server["base"] + f"/stories/{server['slug']}")
    assert shot.is_file() and shot.stat().st_size > 20_000
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    event = tmp_path / "event.png"
    _chromium(tmp_path, f"--screenshot={event}", "--window-size=1280,1200", "--hide-scrollbars",
              server["base"] + f"/events/{webfixtures.EVENT_A}")
    assert event.is_file() and event.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    mobile = tmp_path / "story-mobile.png"
    _chromium(tmp_path, f"--screenshot={mobile}", "--window-size=390,1600", "--hide-scrollbars",
              server["base"] + f"/stories/{server['slug']}")
    assert mobile.is_file()
    keep = os.environ.get("INFOMACHINE_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / "story.png")
        shutil.copy(mobile, Path(keep) / "story-mobile.png")
        shutil.copy(event, Path(keep) / "event.png")
    assert not [p for p in server["app"].paths if p.startswith("/marker")]
