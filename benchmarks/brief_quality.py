"""Quality of the extractive brief on the shared realnews dev stories.

For every story label of ``../shared/data/realnews-dev.jsonl`` (items grouped
by label, no clustering): build the brief, re-check every cited sentence
against the cited sources' text (support must be 100%), measure recall of
our own expected key facts (``benchmarks/expected_facts.json``), and time a
brief for a 100-item story built by replicating the dev items with varied
ids, dates and sentence order.

    .venv/bin/python benchmarks/brief_quality.py [--data ../shared/data] [--leads]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from infomachine.ingest.extract import extract
from infomachine.models import Brief, Item, Story
from infomachine.sources.jsonl import record_from_dict
from infomachine.synth.extractive import synthesize
from infomachine.synth.verify import SourceTexts, check_sentence

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = Path(os.environ.get("INFOMACHINE_SHARED_DATA", ROOT.parent / "shared" / "data"))
FACTS = Path(__file__).resolve().parent / "expected_facts.json"




def brief_text(brief: Brief) -> str:
    parts = [s.text for s in brief.cited_sentences()] + [q.question for q in brief.open_questions]
    return "\n".join(parts).lower()


def fact_present(checks: list[str], text: str) -> bool:
    return all(any(alt.lower() in text for alt in check.split("|")) for check in checks)


def load_groups(data: Path) -> dict[str, list[Item]]:
    groups: dict[str, list[Item]] = defaultdict(list)
    with (data / "realnews-dev.jsonl").open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                obj = json.loads(line)
                groups[obj["story"]].append(extract(record_from_dict(obj, f"dev:{n}", None)))
    return groups


def hundred_items(pool: list[Item]) -> list[Item]:
    """100 varied items: dev items with new ids, dates and rotated sentence order."""
    base = datetime(2025, 1, 1, tzinfo=UTC)
    out = []
    for k in range(100):
        src = pool[k % len(pool)]
        lines = src.text.split("\n")
        shift = k // len(pool)
        text = "\n".join(lines[shift % max(1, len(lines)) :] + lines[: shift % max(1, len(lines))])
        out.append(
            replace(src, id=f"bench-{k}", text=text, content_hash=f"b{k}", published=base + timedelta(hours=7 * k))
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--leads", action="store_true", help="also print each brief's summary sentence")
    args = parser.parse_args(argv)
    if not (args.data / "realnews-dev.jsonl").exists():
        print(f"no dev data at {args.data}", file=sys.stderr)
        return 2
    facts = {k: v for k, v in json.loads(FACTS.read_text()).items() if not k.startswith("_")}
    groups = load_groups(args.data)
    total_sent = total_ok = total_facts = total_found = 0
    print(f"{'story':<52} {'items':>5} {'sents':>5} {'supported':>9} {'facts':>7} {'omitted'}")
    for slug in sorted(groups):
        items = groups[slug]
        # The story's title as the clusterer would give it: a member's headline.
        brief = synthesize(Story(id=slug, slug=slug, title=items[0].title), items)
        by_id = {it.id: it for it in items}
        texts = SourceTexts({s.n: by_id[s.item_id].title + "\n" + by_id[s.item_id].text for s in brief.sources})
        sents = brief.cited_sentences()
        ok = sum(1 for s in sents if check_sentence(s, texts) is None)
        expected = facts.get(slug, {})
        text = brief_text(brief)
        found = sum(1 for checks in expected.values() if fact_present(checks, text))
        total_sent += len(sents)
        total_ok += ok
        total_facts += len(expected)
        total_found += found
        print(
            f"{slug[:52]:<52} {len(items):>5} {len(sents):>5} {ok / max(1, len(sents)):>9.1%} "
            f"{found:>3}/{len(expected):<3} {','.join(sorted(brief.omitted))}"
        )
        if args.leads and brief.what.summary:
            print(f"    lead: {brief.what.summary[0].text[:110]}")
    print(f"supported: {total_ok}/{total_sent} = {total_ok / max(1, total_sent):.1%}")
    print(f"key-fact recall: {total_found}/{total_facts} = {total_found / max(1, total_facts):.1%}")
    pool = [it for items in groups.values() for it in items]
    big = hundred_items(pool)
    story = Story(id="bench", slug="bench", title="100-item benchmark story")
    synthesize(story, big)  # warm-up (imports, vectorizer)
    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        synthesize(story, big)
        runs.append(time.perf_counter() - t0)
    print(f"100-item brief: median {sorted(runs)[1]:.3f} s over 3 runs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
