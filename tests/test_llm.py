"""Protocol tests of the LLM synthesizer against a scripted server on 127.0.0.1."""

from __future__ import annotations

import copy
import json
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from llm_server import Reply, ScriptedLLM, make_items, make_story, sent, valid_answer

from infomachine.errors import ConfigError, LLMError
from infomachine.models import Brief
from infomachine.synth.llm.synthesizer import LLMConfig, LLMSynthesizer, make_synthesizer
from infomachine.synth.verify import SourceTexts, check_sentence

NOW = datetime(2024, 4, 1, tzinfo=UTC)


def cfg(base_url: str, **kw: Any) -> LLMConfig:
    base = {
        "base_url": base_url,
        "model": "test-model",
        "timeout": 5.0,
        "max_retries": 2,
        "backoff": 0.01,
        "token_budget": 0,
    }
    base.update(kw)
    return LLMConfig(**base)


def synth(llm: ScriptedLLM, store: Any = None, **kw: Any) -> LLMSynthesizer:
    s = make_synthesizer(config=cfg(llm.base_url, **kw), store=store)
    assert s is not None
    return s


def ok(answer: dict[str, Any] | str) -> Reply:
    return Reply(content=answer if isinstance(answer, str) else json.dumps(answer))




def assert_verified(brief: Brief, items: list[Any]) -> None:
    by_id = {i.id: i for i in items}
    texts = SourceTexts(
        {s.n: by_id[s.item_id].title + "\n" + by_id[s.item_id].text for s in brief.sources}
    )
    for s in brief.cited_sentences():
        assert check_sentence(s, texts) is None, s
    assert [s.n for s in brief.sources] == list(range(1, len(brief.sources) + 1))


def test_valid_answer_becomes_a_verified_brief(store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INFOMACHINE_LLM_API_KEY", "sk-test-123")
    items = make_items()
    with ScriptedLLM([ok(valid_answer())]) as llm:
        brief = synth(llm, store)(make_story(), items, now=NOW)
    assert brief.synthesizer == "llm:test-model"
    assert brief.dropped_sentences == 0
    assert brief.what.summary[0].text.startswith("The Harbor Council approved")
    assert len(brief.timeline) == 2 and brief.timeline[0].date == "2024-03-04"
    assert {p.actor for p in brief.perspectives} == {"Ilse Brandt", "Jonas Keel"}
    assert all(p.evolution.status == "new" for p in brief.perspectives)
    assert brief.item_count == 3 and brief.generated_at == NOW
    # sources come from our items, not from the model
    assert {s.item_id for s in brief.sources} == {"a1", "a2", "a3"}
    assert brief.sources[0].url == "https://news.example/a1"
    assert_verified(brief, items)
    # the request: one call, structured output, key from the environment, tagged data blocks
    (body,) = llm.requests
    assert body["model"] == "test-model" and body["temperature"] == 0
    assert body["response_format"]["type"] == "json_schema"
    schema = body["response_format"]["json_schema"]["schema"]
    assert "sources" not in schema["properties"]
    assert llm.headers[0]["Authorization"] == "Bearer sk-test-123"
    assert "tools" not in body
    assert "Harbor ferry expansion" in llm.prompt()
    system = body["messages"][0]["content"]
    tag = system.split("<data-")[1].split(">")[0]
    assert len(tag) == 16 and int(tag, 16) >= 0
    assert body["messages"][1]["content"].count(f"</data-{tag}>") == 3
    assert store.llm_usage("s-ferry") == {"calls": 1, "prompt_tokens": 100, "completion_tokens": 50}


def test_tags_differ_per_request_but_cache_key_does_not(store: Any) -> None:
    items = make_items()
    with ScriptedLLM([ok(valid_answer()), ok(valid_answer())]) as llm:
        first = synth(llm)(make_story(), items, now=NOW)
        second = synth(llm)(make_story(), items, now=NOW)  # no store: no cache across instances
    t1 = llm.requests[0]["messages"][0]["content"].split("<data-")[1][:16]
    t2 = llm.requests[1]["messages"][0]["content"].split("<data-")[1][:16]
    assert t1 != t2
    assert first.model_dump() == second.model_dump()


def test_cache_hit_makes_no_request(store: Any) -> None:
    items = make_items()
    with ScriptedLLM([ok(valid_answer())]) as llm:
        first = synth(llm, store)(make_story(), items, now=NOW)
        again = synth(llm, store)  # a new run, same database
        second = again(make_story(), items, now=NOW)
        assert len(llm.requests) == 1
    assert again.client.usage.cache_hits == 1 and again.client.usage.requests == 0
    assert second.model_dump() == first.model_dump()
    assert store.llm_usage()["calls"] == 1


def test_malformed_json_gets_one_repair_round() -> None:
    items = make_items()
    with ScriptedLLM([ok('{"summary": [ {"text": "unterminated'), ok(valid_answer())]) as llm:
        brief = synth(llm)(make_story(), items, now=NOW)
    assert len(llm.requests) == 2
    assert "not valid JSON" in llm.requests[1]["messages"][-1]["content"]
    assert llm.requests[1]["messages"][-2]["role"] == "assistant"
    assert brief.synthesizer == "llm:test-model"


def test_malformed_twice_falls_back_to_offline() -> None:
    items = make_items()
    with ScriptedLLM([ok("no json here"), ok("still not json")]) as llm:
        brief = synth(llm)(make_story(), items, now=NOW)
    assert len(llm.requests) == 2
    assert brief.synthesizer == "extractive"
    assert any("unusable JSON" in n for n in brief.notes)


def test_answer_in_code_fence_is_accepted() -> None:
    with ScriptedLLM([ok("```json\n" + json.dumps(valid_answer()) + "\n```")]) as llm:
        brief = synth(llm)(make_story(), make_items(), now=NOW)
    assert brief.synthesizer == "llm:test-model" and len(llm.requests) == 1


def test_unsupported_claim_triggers_repair_then_is_dropped() -> None:
    items = make_items()
    bad = valid_answer()
    bad["bullets"].append(
        sent(
            "The routes will be free for all residents.", 1, "free rides for every resident forever"
        )
    )
    with ScriptedLLM([ok(bad), ok(bad)]) as llm:
        brief = synth(llm)(make_story(), items, now=NOW)
    assert len(llm.requests) == 2  # exactly one repair round
    assert "quote not found in source [1]" in llm.requests[1]["messages"][-1]["content"]
    assert brief.dropped_sentences == 1
    assert all("free" not in s.text for s in brief.cited_sentences())
    assert brief.synthesizer == "llm:test-model"  # 2 of 3 bullets kept: no fallback
    assert_verified(brief, items)


def test_repair_round_fixes_the_answer() -> None:
    bad = valid_answer()
    bad["bullets"][0]["quotes"][0]["quote"] = "operators have plenty of crews"
    with ScriptedLLM([ok(bad), ok(valid_answer())]) as llm:
        brief = synth(llm)(make_story(), make_items(), now=NOW)
    assert len(llm.requests) == 2
    assert brief.dropped_sentences == 0 and len(brief.what.bullets) == 2
    assert any("repair round" in n for n in brief.notes)


def test_wrong_citations_are_dropped() -> None:
    items = make_items()
    bad = valid_answer()
    bad["bullets"].append(sent("A ninth source says so.", 9, "operators lack the crews"))
    bad["bullets"].append(
        {
            "text": "Quote from another source.",
            "cites": [1],
            "quotes": [{"n": 2, "quote": "operators lack the crews"}],
        }
    )
    with ScriptedLLM([ok(bad)], responder=lambda body: ok(bad)) as llm:
        brief = synth(llm)(make_story(), items, now=NOW)
    assert brief.dropped_sentences == 2
    assert max(n for s in brief.cited_sentences() for n in s.cites) <= len(brief.sources) == 3
    assert "not a source of this story" in llm.requests[1]["messages"][-1]["content"]
    assert_verified(brief, items)


def test_mostly_unsupported_section_falls_back_to_offline() -> None:
    items = make_items()
    bad = valid_answer()
    bad["narrative"] = [
        [
            sent("Invented.", 1, "nothing like this in the text at all"),
            sent("Also invented.", 2, "nor this one either, really"),
        ]
    ]
    bad["timeline"] = []
    with ScriptedLLM([ok(bad), ok(bad)]) as llm:
        brief = synth(llm)(make_story(), items, now=NOW)
    assert brief.synthesizer == "llm:test-model+extractive-fallback"
    assert brief.timeline  # the offline synthesizer's section
    assert any("'timeline'" in n and "offline" in n for n in brief.notes)
    # The invented narrative is gone; the offline Narrative would only repeat what
    # What and Timeline already say, so the section is omitted with its reason.
    assert not brief.narrative and brief.omitted.get("narrative")
    assert all("invented" not in s.text.lower() for s in brief.cited_sentences())
    assert brief.what.summary[0].text.startswith("The Harbor Council approved")
    assert_verified(brief, items)


def test_429_then_ok_honours_retry_after() -> None:
    script = [
        Reply(status=429, body='{"error": "slow down"}', headers={"Retry-After": "0.3"}),
        ok(valid_answer()),
    ]
    with ScriptedLLM(script) as llm:
        s = synth(llm)
        start = time.monotonic()
        brief = s(make_story(), make_items(), now=NOW)
        elapsed = time.monotonic() - start
    assert brief.synthesizer == "llm:test-model"
    assert len(llm.requests) == 2 and s.client.usage.retries == 1
    assert elapsed >= 0.3


def test_5xx_exhausting_retries_falls_back() -> None:
    with ScriptedLLM(responder=lambda body: Reply(status=503, body="{}")) as llm:
        brief = synth(llm, max_retries=2)(make_story(), make_items(), now=NOW)
    assert len(llm.requests) == 3
    assert brief.synthesizer == "extractive"
    assert any("HTTP 503" in n for n in brief.notes)


def test_timeout_falls_back_with_a_note() -> None:
    with ScriptedLLM(responder=lambda body: Reply(content="{}", delay=1.0)) as llm:
        start = time.monotonic()
        brief = synth(llm, timeout=0.2, max_retries=1)(make_story(), make_items(), now=NOW)
        assert time.monotonic() - start < 3
    assert len(llm.requests) == 2
    assert brief.synthesizer == "extractive"
    assert any("timed out" in n for n in brief.notes)


def test_budget_exceeded_raises_and_falls_back() -> None:
    with ScriptedLLM([ok(valid_answer())]) as llm:
        s = synth(llm, token_budget=50)
        with pytest.raises(LLMError, match="budget"):
            s.synthesize(make_story(), make_items(), now=NOW)
        brief = s(make_story(), make_items(), now=NOW)
        assert llm.requests == []
    assert brief.synthesizer == "extractive"
    assert any("budget" in n for n in brief.notes)


def test_budget_is_per_run_across_stories() -> None:
    with ScriptedLLM(
        responder=lambda body: Reply(content=json.dumps(valid_answer()), prompt_tokens=1500)
    ) as llm:
        s = synth(llm, token_budget=2000)
        first = s(make_story(), make_items(), now=NOW)
        second = s(replace(make_story(), id="s2"), make_items()[:2], now=NOW)
    assert first.synthesizer == "llm:test-model"
    assert second.synthesizer == "extractive" and len(llm.requests) == 1


def test_schema_refused_steps_down_to_json_object() -> None:
    refused = '{"error": "response_format json_schema unsupported"}'
    script = [
        Reply(status=400, body=refused),
        # llama-cpp-python answers a request it cannot validate with HTTP 500
        Reply(status=500, body='{"error": {"message": "Input should be ... response_format"}}'),
        ok(valid_answer()),
    ]
    with ScriptedLLM(script) as llm:
        s = synth(llm)
        brief = s(make_story(), make_items(), now=NOW)
    formats = [r["response_format"] for r in llm.requests]
    assert formats[0]["type"] == "json_schema"
    assert formats[1]["type"] == "json_object" and formats[1]["schema"]["type"] == "object"
    assert formats[2] == {"type": "json_object"}
    assert "JSON schema of the answer" not in llm.prompt(0)
    assert "JSON schema of the answer" not in llm.prompt(1)
    assert "JSON schema of the answer" in llm.prompt(2)
    assert brief.synthesizer == "llm:test-model"
    assert s.client.json_mode == "object"  # remembered for the rest of the run


def test_incremental_update_sends_previous_and_keeps_evolution() -> None:
    items = make_items()
    with ScriptedLLM([ok(valid_answer())]) as llm:
        previous = synth(llm)(make_story(), items[:2], now=NOW)
    update = valid_answer()
    update["perspectives"][1]["evolution"] = {
        "status": "shifted",
        "note": "Now asks for training money first.",
    }
    update["perspectives"].append(
        {
            "actor": "Council members",
            "affiliation": "",
            "stance": [
                sent(
                    "Council members disagree on paying for the routes.",
                    3,
                    "Council members disagree on whether the routes can be paid for",
                )
            ],
            "evolution": {"status": "consistent", "note": "Claimed consistent."},
        }
    )
    with ScriptedLLM([ok(update)]) as llm:
        brief = synth(llm)(make_story(), items, now=NOW, previous=previous)
        prompt = llm.prompt()
    assert "Previous version" in prompt and "The Harbor Council approved" in prompt
    assert "evolution.status" in prompt
    evo = {p.actor: p.evolution for p in brief.perspectives}
    assert evo["Jonas Keel"].status == "shifted" and "training" in evo["Jonas Keel"].note
    # the model said "new" for an actor of the previous version: that is corrected
    assert evo["Ilse Brandt"].status == "consistent"
    assert (
        evo["Council members"].status == "new"
    )  # not in the previous version, whatever the model says


def test_long_story_is_mapped_then_reduced() -> None:
    filler = " ".join(f"Routine sentence number {i} about harbor matters." for i in range(200))
    extra = {
        f"x{i}": (
            f"Long report {i}",
            "Harbor Daily",
            filler + " The Harbor Council voted on 4 March 2024.",
        )
        for i in range(3)
    }
    items = make_items(extra)
    facts = {"facts": [sent("The council voted.", 1, "The Harbor Council voted on 4 March 2024")]}

    def respond(body: dict[str, Any]) -> Reply:
        schema = body["response_format"]["json_schema"]
        return ok(facts) if schema["name"] == "llmnotes" else ok(valid_answer())

    with ScriptedLLM(responder=respond) as llm:
        brief = synth(llm, context_tokens=3000, max_output_tokens=512)(make_story(), items, now=NOW)
    names = [r["response_format"]["json_schema"]["name"] for r in llm.requests]
    assert names.count("llmnotes") >= 2 and names[-1] == "llmbrief"
    reduce_prompt = llm.prompt(-1)
    assert len(reduce_prompt) < 3000 * 4
    assert "Routine sentence number 150" not in reduce_prompt
    assert brief.what.summary and brief.synthesizer.startswith("llm:test-model")
    assert_verified(brief, items)


def test_make_synthesizer_configuration(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in ("INFOMACHINE_LLM_BASE_URL", "INFOMACHINE_LLM_MODEL"):
        monkeypatch.delenv(var, raising=False)
    empty = tmp_path / "empty.toml"
    empty.write_text("")
    monkeypatch.setenv("INFOMACHINE_CONFIG", str(empty))  # no settings from any local file
    assert make_synthesizer(None, None) is None
    with pytest.raises(ConfigError):
        make_synthesizer("http://127.0.0.1:1/v1", None)
    monkeypatch.setenv("INFOMACHINE_LLM_BASE_URL", "http://127.0.0.1:1")
    monkeypatch.setenv("INFOMACHINE_LLM_MODEL", "m")
    monkeypatch.setenv("INFOMACHINE_LLM_TOKEN_BUDGET", "123")
    s = make_synthesizer(None, None)
    assert s is not None and s.config.token_budget == 123 and s.name == "llm:m"
    assert s.client.url == "http://127.0.0.1:1/v1/chat/completions"
    flagged = make_synthesizer("http://127.0.0.1:2/v1", "flag-model")
    assert flagged is not None and flagged.name == "llm:flag-model"
    with pytest.raises(ConfigError):
        LLMConfig(base_url="x", model="y", json_mode="xml")


@pytest.mark.sqlite_only
def test_llm_calls_migration(store: Any) -> None:
    assert "0030_llm_calls" in store.applied_migrations()
    cols = {r[1] for r in store.execute("PRAGMA table_info(llm_calls)")}
    assert {
        "request_hash",
        "model",
        "prompt_tokens",
        "completion_tokens",
        "created_at",
        "response",
        "story_id",
    } <= cols
    store.record_llm_call(
        request_hash="h",
        model="m",
        prompt_tokens=3,
        completion_tokens=4,
        response={"content": "x"},
        story_id="s",
    )
    assert store.cached_llm_response("h") == {"content": "x"}
    assert store.cached_llm_response("other") is None
    assert store.llm_usage("s") == {"calls": 1, "prompt_tokens": 3, "completion_tokens": 4}


def test_previous_answer_is_not_mutated() -> None:
    answer = valid_answer()
    snapshot = copy.deepcopy(answer)
    with ScriptedLLM([ok(answer)]) as llm:
        synth(llm)(make_story(), make_items(), now=NOW)
    assert answer == snapshot


def test_truncated_answer_keeps_its_complete_part() -> None:
    items = make_items()
    full = json.dumps(valid_answer())
    cut = full[: full.index('"narrative"') + 40]  # stops mid-narrative, as at max_tokens
    with ScriptedLLM([ok(cut)]) as llm:
        brief = synth(llm)(make_story(), items, now=NOW)
    assert len(llm.requests) == 1  # parsed without a repair round
    assert brief.what.summary[0].text.startswith("The Harbor Council approved")
    assert len(brief.what.bullets) == 2 and brief.open_questions
    assert brief.synthesizer == "llm:test-model+extractive-fallback"  # later sections offline
    assert_verified(brief, items)
