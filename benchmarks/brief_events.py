"""The brief built from events: speed, one line per event, saying each thing once.

Data (read here, never copied into the project):

* speed -- a 200-item story of 40 events made from one ``tls-dev`` topic (the
  first with >= 200 articles): 200 articles spread evenly over the topic in
  date order, cut into 40 runs of 5 consecutive articles, each run one event
  (``event_id``); synthetic items when the data is missing.  Prints the
  seconds of ``synthesize`` (best of ``--repeat``; target < 2 s).
* real stories -- items of related ``realnews-dev.jsonl`` labels put in one
  story, each label one event: timeline lines per event (must be <= 1),
  cites per timeline line, and repeated-fact pairs across What, Why it
  matters, Narrative and Timeline (by ``selection.same_fact``).  ``--show``
  prints each brief as Markdown, to read beside ``../shared/seed-story-page.txt``.
* same-fact -- over every pair of content sentences of ``realnews-dev.jsonl``
  from different items: pairs the old and the new ``same_fact`` call the same
  fact, within one label (possible repeats) and across labels (false merges:
  sentences of different happenings).

    .venv/bin/python benchmarks/brief_events.py [--data ../shared/data] [--show]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import combinations
from pathlib import Path

from infomachine.ingest.extract import extract
from infomachine.models import Brief, Item, Story
from infomachine.sources.jsonl import record_from_dict
from infomachine.synth.analyze.sentences import item_sentences
from infomachine.synth.extractive import synthesize
from infomachine.synth.selection import same_fact
from infomachine.synth.verify import SourceTexts, check_sentence
from infomachine.text.stopwords import CLAIM_STOPWORDS
from infomachine.text.words import fold

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = Path(os.environ.get("INFOMACHINE_SHARED_DATA", ROOT.parent / "shared" / "data"))
# Related labels of realnews-dev.jsonl: one story each, one event per label.
STORIES = {
    "openai-august-2025": ["openai-gpt-oss-open-weight-release-aug-2025", "single-openai-gpt-5-august-launch-report",
                           "single-openai-gpt-5-launch"],
    "google-adtech-remedies": ["google-adtech-remedies-closing-arguments-nov-2025",
                               "single-google-adtech-remedies-evidence-phase-ends"],
    "anthropic-mythos": ["anthropic-project-glasswing-mythos-preview",
                         "single-anthropic-mythos-staged-release-may-2026"],
    "european-finals-2025": ["ucl-final-2025-psg-beat-inter", "single-uwcl-final-2025-arsenal-beat-barcelona"],
}


def _load(path: Path) -> list[tuple[dict, Item]]:
    out = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                obj = json.loads(line)
                out.append((obj, extract(record_from_dict(obj, f"{path.name}:{n}", None))))
    return out


def story_of_events(data: Path, n_items: int = 200, n_events: int = 40) -> list[Item]:
    """``n_items`` items in ``n_events`` events of consecutive articles (see the module doc)."""
    topics = sorted((data / "tls-dev").glob("*/articles.jsonl")) if (data / "tls-dev").exists() else []
    for path in topics:
        items = sorted((it for _, it in _load(path)), key=lambda it: (it.when, it.id))
        if len(items) >= n_items:
            step = len(items) / n_items
            picked = [items[int(k * step)] for k in range(n_items)]
            per = n_items // n_events
            return [replace(it, event_id=f"e{k // per:02d}") for k, it in enumerate(picked)]
    base = datetime(2025, 1, 1, tzinfo=UTC)  # synthetic: each event a different happening, five reports each
    out = []
    for k in range(n_items):
        e = k * n_events // n_items
        text = (f"Officials in District {e} opened bridge number {e} on January {1 + e % 28}, 2025. "
                f"Report {k} says the bridge carries {100 + e} cars an hour across the river. "
                f"Residents of District {e} said the new crossing would cut their commute by {5 + e} minutes.")
        out.append(Item(id=f"syn-{k}", title=f"Bridge {e} opens", text=text, content_hash=f"syn{k}",
                        published=base + timedelta(days=e, hours=k % 5), event_id=f"e{e:02d}"))
    return out


def prose(brief: Brief) -> list[tuple[str, str]]:
    out = [("what", s.text) for s in (*brief.what.summary, *brief.what.bullets)]
    out += [("why", s.text) for s in brief.why_it_matters]
    out += [("narrative", s.text) for p in brief.narrative for s in p]
    out += [("timeline", e.text) for e in brief.timeline]
    return out


def repeats(brief: Brief, rule: Callable[[str, str], bool] | None = None) -> list[tuple[str, str]]:
    """Pairs of prose sentences that state the same fact by ``rule`` (default: ``same_fact``)."""
    rule = rule or same_fact
    return [(f"[{sa}] {a[:70]}", f"[{sb}] {b[:70]}")
            for (sa, a), (sb, b) in combinations(prose(brief), 2) if rule(a, b)]


_TOKEN = re.compile(r"[a-z][a-z'-]{2,}|\d+(?:[.,]\d+)*")


def old_same_fact(a: str, b: str) -> bool:
    """``same_fact`` before events (6-letter stems, share >= 0.6 of the shorter's key words)."""
    fa, fb = fold(a).strip(" ."), fold(b).strip(" .")
    if fa in fb or fb in fa:
        return True
    ka = {w[:6] for w in _TOKEN.findall(fa) if w not in CLAIM_STOPWORDS}
    kb = {w[:6] for w in _TOKEN.findall(fb) if w not in CLAIM_STOPWORDS}
    shared = len(ka & kb)
    return shared >= 3 and shared / max(1, min(len(ka), len(kb))) >= 0.6


def same_fact_counts(rows: list[tuple[dict, Item]]) -> dict[str, Counter[str]]:
    sents = [(obj["story"], i, s.text) for i, (obj, it) in enumerate(rows) for s in item_sentences(it, i)]
    out: dict[str, Counter[str]] = {"old": Counter(), "new": Counter()}
    for (la, ia, a), (lb, ib, b) in combinations(sents, 2):
        if ia == ib:
            continue
        where = "within label" if la == lb else "across labels"
        out["old"][where] += old_same_fact(a, b)
        out["new"][where] += same_fact(a, b)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--show", action="store_true")
    args = parser.parse_args(argv)

    items = story_of_events(args.data)
    story = Story(id="s-bench", slug="bench", title=items[0].title[:80])
    times, cpu = [], []
    for _ in range(args.repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        brief = synthesize(story, items)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    per_event = Counter(e.event_id for e in brief.timeline)
    print(f"speed: {len(items)} items, {len({it.event_id for it in items})} events: {min(times):.2f}s wall, "
          f"{min(cpu):.2f}s CPU (best of {args.repeat}; target < 2 s); timeline {len(brief.timeline)} lines, "
          f"max lines per event {max(per_event.values(), default=0)}; repeated-fact pairs "
          f"{len(repeats(brief, old_same_fact))} (old rule) / {len(repeats(brief))} (new rule)")
    if args.show:
        for pair in repeats(brief, old_same_fact):
            print("  repeat:", " || ".join(pair))

    path = args.data / "realnews-dev.jsonl"
    if not path.exists():
        print(f"no {path}")
        return 0
    rows = _load(path)
    by_label: dict[str, list[Item]] = defaultdict(list)
    for obj, it in rows:
        by_label[obj["story"]].append(replace(it, event_id="e-" + obj["story"]))
    print(f"\n{'story':<24} {'items':>5} {'events':>6} {'lines':>5} {'max/event':>9} {'cites/line':>10} "
          f"{'repeats old/new':>7} {'seconds':>7}")
    for name, labels in STORIES.items():
        its = [it for label in labels for it in by_label[label]]
        t0 = time.perf_counter()
        b = synthesize(Story(id=f"s-{name}", slug=name, title=name), its)
        sec = time.perf_counter() - t0
        per = Counter(e.event_id for e in b.timeline)
        cites = sum(len(e.cites) for e in b.timeline) / max(1, len(b.timeline))
        reps = repeats(b, old_same_fact) + repeats(b)
        print(f"{name:<24} {len(its):>5} {len(labels):>6} {len(b.timeline):>5} {max(per.values(), default=0):>9} "
              f"{cites:>10.2f} {len(repeats(b, old_same_fact)):>3}/{len(repeats(b)):<3} {sec:>7.2f}")
        if args.show:
            from infomachine.publish.markdown import render_markdown

            print(render_markdown(b))
            for pair in reps:
                print("  repeat:", " || ".join(pair))
    # every label alone, as one story of one event (what the store gives a one-event story)
    tally: Counter[str] = Counter()
    for label, its in sorted(by_label.items()):
        b = synthesize(Story(id=f"s-{label}", slug=label, title=its[0].title), its)
        by_id = {it.id: it for it in its}
        texts = SourceTexts({r.n: by_id[r.item_id].title + "\n" + by_id[r.item_id].text for r in b.sources})
        sents = b.cited_sentences()
        tally["sentences"] += len(sents)
        tally["supported"] += sum(1 for x in sents if check_sentence(x, texts) is None)
        tally["prose"] += len(prose(b))
        tally["old"] += len(repeats(b, old_same_fact))
        tally["new"] += len(repeats(b))
        tally["timeline"] += len(b.timeline)
        tally["no what"] += not b.what.summary
    print(f"\n{len(by_label)} labels, each one story of one event: supported {tally['supported']}/{tally['sentences']}, "
          f"repeated-fact pairs {tally['old']} (old rule) / {tally['new']} (new rule) over {tally['prose']} prose "
          f"sentences, timeline lines {tally['timeline']}, briefs without a What summary {tally['no what']}")
    counts = same_fact_counts(rows)
    print("\nsame-fact pairs of sentences of different items (realnews-dev):")
    for rule in ("old", "new"):
        c = counts[rule]
        print(f"  {rule}: within one label {c['within label']}, across labels (false merges) {c['across labels']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
