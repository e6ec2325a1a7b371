"""Quality of the extractive brief on real stories, per section.

Data (never copied into the project): every story label of
``../shared/data/realnews-dev.jsonl`` (items grouped by label, each label
one event of its story) and, with ``--tls``, each
``tls-dev/<topic>/articles.jsonl`` ingested into a fresh store pinned to one
story (as ``ingest --story`` does) and clustered into that story's events
(``cluster_items``).  ``--no-events`` gives the items no event ids: the
brief's date-wise path, as before there were two levels.

Measures (all counted over the briefs printed):

* supported -- cited sentences whose evidence the verifier accepts (must be 100%).
* key-fact recall -- our keyword checks in ``benchmarks/expected_facts.json``.
* repeats -- pairs of prose sentences (What, Why it matters, Narrative,
  Timeline) that state the same fact: equal after folding, one inside the
  other, or sharing >= 60% of the shorter one's content words (>= 3 of them;
  words of 3+ letters or numbers, stop words out).  Reported per section
  pair; "rate" is the share of prose sentences in at least one pair.
* junk -- prose or stance sentences that are not news prose: a scraped
  ``date YYYY-MM-DD`` prefix, a byline ("by X ·"), a photo caption, a
  hashtag or tweet link, a writer's first-person aside ("I was back ...",
  "cut me some slack"), a question used as a statement, a methods note
  ("This text was created ...", "This reporter covered ...").
* context -- sentences that open by pointing back ("That's why ...", "It
  ...", "But ...", "On the other side of it ...") where the reader does not
  have the sentence they point to: anywhere in What, Why, an open question's
  context, a stance or a tension side; in the Narrative unless the sentence
  before it is its predecessor in the same source.
* long -- prose sentences over 45 words.
* actor precision -- Perspectives entries that name a labelled actor (not a
  reporter, outlet or non-actor, and not an actor already listed under an
  alias) over the labelled entries, from ``benchmarks/expected_actors.json``
  (hand labels; unlabelled names are counted apart).  "name-only" counts
  stances that say nothing beyond the actor's name and verb (< 6 other words).
* tension precision -- tensions whose two actors are a labelled opposed pair
  over all tensions; "same side" counts pairs of one labelled side;
  "recall" is labelled pairs found over labelled pairs.
* questions -- open questions printed (their text is listed with ``--show``).

    .venv/bin/python benchmarks/brief_quality.py [--data ../shared/data] [--tls TOPIC ...] [--show]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import combinations
from pathlib import Path

from infomachine.ingest.extract import extract
from infomachine.models import Brief, Item, Story
from infomachine.sources.jsonl import record_from_dict
from infomachine.synth.extractive import synthesize
from infomachine.synth.verify import SourceTexts, check_sentence
from infomachine.text.words import fold

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = Path(os.environ.get("INFOMACHINE_SHARED_DATA", ROOT.parent / "shared" / "data"))
FACTS = Path(__file__).resolve().parent / "expected_facts.json"
ACTORS = Path(__file__).resolve().parent / "expected_actors.json"

_STOP = set(
    "the a an and or but of to in on at for with by from as is are was were be been has have had that this "
    "these those its it their his her they he she we our you your will would can could may might also than "
    "then into over after before about more most not no which who what when where while said says".split()
)
_TOKEN = re.compile(r"[a-z][a-z'-]{2,}|\d+(?:[.,]\d+)*")
JUNK = re.compile(
    r"^\s*date \d{4}-\d\d-\d\d|\bby [A-Z][a-z]+ [A-Z][a-z]+ \u00b7|\(photo by|\bphoto/|#\w|pic\.twitter|"
    r"\bI (?:was|went|think|wrote|want|had|am|'m)\b|cut me some slack|^(?:this|the) (?:text|article) was "
    r"(?:created|written)|^this reporter\b|\?[\"'\u201d\u2019)]*$",
    re.IGNORECASE,
)
BACKREF = re.compile(
    r"^(?:that(?:'s|\u2019s| is| was)?|this is|this was|it|its|it's|it\u2019s|they|their|them|he|she|his|"
    r"her|these|those|such|but|and|so|yet|instead|still|therefore|thus|meanwhile|indeed|also|"
    r"on the other side of it|even so)\b",
    re.IGNORECASE,
)
LONG_WORDS = 45


def content(text: str) -> set[str]:
    return {w for w in _TOKEN.findall(fold(text)) if w not in _STOP}


def same_fact(a: str, b: str) -> bool:
    fa, fb = fold(a).strip(" ."), fold(b).strip(" .")
    if fa == fb or fa in fb or fb in fa:
        return True
    ca, cb = content(a), content(b)
    shared = len(ca & cb)
    return shared >= 3 and shared / max(1, min(len(ca), len(cb))) >= 0.6


def brief_text(brief: Brief) -> str:
    parts = [s.text for s in brief.cited_sentences()] + [q.question for q in brief.open_questions]
    return "\n".join(parts).lower()


def fact_present(checks: list[str], text: str) -> bool:
    return all(any(alt.lower() in text for alt in check.split("|")) for check in checks)


def load_groups(data: Path, events: bool = True) -> dict[str, list[Item]]:
    """Items by realnews label; with ``events`` each label is one event (``event_id``),
    as the product's event level gives them (0.95 B-cubed on this file)."""
    groups: dict[str, list[Item]] = defaultdict(list)
    with (data / "realnews-dev.jsonl").open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                obj = json.loads(line)
                item = extract(record_from_dict(obj, f"dev:{n}", None))
                item.event_id = f"e:{obj['story']}" if events else None
                groups[obj["story"]].append(item)
    return groups


def load_topic(topic_dir: Path, workdir: Path, events: bool = True) -> list[Item]:
    """The topic's articles ingested into a fresh store pinned to one story (and, with
    ``events``, clustered into that story's events, as ``cluster_items`` does)."""
    from infomachine.cluster.stage import cluster_items
    from infomachine.ingest.batch import Ingestor, pin_story
    from infomachine.sources.jsonl import parse_jsonl_file
    from infomachine.store import SQLiteStore

    store = SQLiteStore(workdir / f"{topic_dir.name}.db")
    try:
        story = pin_story(store, topic_dir.name)
        Ingestor(store, story=story).ingest(parse_jsonl_file(topic_dir / "articles.jsonl"))
        if events:
            cluster_items(store)
        return store.list_items(story_id=story.id)
    finally:
        store.close()


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


class Labels:
    """One story's hand labels: canonical actor of a name, or its kind."""

    def __init__(self, entry: dict | None) -> None:
        entry = entry or {}
        self.kind: dict[str, str] = {}
        self.canon: dict[str, str] = {}
        for actor, aliases in entry.get("actors", {}).items():
            for name in (actor, *aliases):
                self.kind[self.key(name)] = "actor"
                self.canon[self.key(name)] = actor
        for name in entry.get("outlets", []):
            self.kind[self.key(name)] = "outlet"
        for name in entry.get("non_actors", []):
            self.kind[self.key(name)] = "non-actor"
        self.sides = [{self.canon.get(self.key(n), n) for n in side} for side in entry.get("sides", [])]
        self.tensions = {frozenset(self.canon.get(self.key(n), n) for n in pair) for pair in entry.get("tensions", [])}

    @staticmethod
    def key(name: str) -> str:
        return re.sub(r"^the\s+", "", name.replace(".", "").replace("\u2019", "'").strip().lower())

    def of(self, name: str) -> tuple[str, str | None]:
        k = self.key(name)
        return self.kind.get(k, "unlabelled"), self.canon.get(k)


class Tally:
    def __init__(self) -> None:
        self.c: Counter[str] = Counter()
        self.pairs: Counter[str] = Counter()
        self.examples: dict[str, list[str]] = defaultdict(list)

    def note(self, what: str, example: str, n: int = 1) -> None:
        self.c[what] += n
        if len(self.examples[what]) < 40:
            self.examples[what].append(example)


def prose(brief: Brief) -> list[tuple[str, str, tuple[str, int] | None]]:
    """(section, text, (item_id, position-in-source) or None) of the prose sections in reading order."""
    out = [("what", s.text) for s in (*brief.what.summary, *brief.what.bullets)]
    out += [("why", s.text) for s in brief.why_it_matters]
    out += [("narrative", s.text) for p in brief.narrative for s in p]
    out += [("timeline", e.text) for e in brief.timeline]
    return [(sec, text, None) for sec, text in out]


def measure(name: str, brief: Brief, items: list[Item], labels: Labels, t: Tally, show: bool) -> None:
    by_id = {it.id: it for it in items}
    texts = SourceTexts({s.n: by_id[s.item_id].title + "\n" + by_id[s.item_id].text for s in brief.sources})
    sents = brief.cited_sentences()
    t.c["sentences"] += len(sents)
    t.c["supported"] += sum(1 for s in sents if check_sentence(s, texts) is None)
    p = prose(brief)
    t.c["prose"] += len(p)
    involved: set[int] = set()
    for (i, (sa, xa, _)), (j, (sb, xb, _)) in combinations(enumerate(p), 2):
        if same_fact(xa, xb):
            involved |= {i, j}
            key = "-".join(sorted((sa, sb)))
            t.pairs[key] += 1
            t.note("repeat pairs", f"{name}: [{sa}] {xa[:90]} || [{sb}] {xb[:90]}")
    t.c["in a repeat"] += len(involved)
    src_text = {s.n: by_id[s.item_id].text for s in brief.sources}
    stances = [s.text for pp in brief.perspectives for s in pp.stance]
    sides = [c.claim.text for x in brief.tensions for c in (x.a, x.b)]
    contexts = [s.text for q in brief.open_questions for s in q.context]
    for sec, text, _ in p + [("stance", s, None) for s in stances]:
        if JUNK.search(text.strip()):
            t.note("junk", f"{name}: [{sec}] {text[:110]}")
        if len(text.split()) > LONG_WORDS:
            t.note("long", f"{name}: [{sec}] {len(text.split())} words: {text[:80]}")
    standalone = [("what", s.text) for s in (*brief.what.summary, *brief.what.bullets)]
    standalone += [("why", s.text) for s in brief.why_it_matters] + [("question", s) for s in contexts]
    standalone += [("stance", s) for s in stances] + [("tension", s) for s in sides]
    for sec, text in standalone:
        t.c["standalone"] += 1
        if BACKREF.match(text.strip(" \"'\u201c\u2018")):
            t.note("context", f"{name}: [{sec}] {text[:110]}")
    for para in brief.narrative:
        prev = None
        for s in para:
            if BACKREF.match(s.text.strip(" \"'\u201c\u2018")):
                src = src_text.get(s.cites[0], "") if s.cites else ""
                k = src.find(s.text)
                follows = prev is not None and k >= 0 and prev in src[max(0, k - len(prev) - 3) : k]
                if not follows:
                    t.note("context", f"{name}: [narrative] {s.text[:110]}")
            prev = s.text
    # actors
    seen: set[str] = set()
    for pp in brief.perspectives:
        kind, canon = labels.of(pp.actor)
        t.c["actors"] += 1
        if kind == "actor" and canon in seen:
            kind = "duplicate"
        if kind == "actor":
            seen.add(canon or pp.actor)
            t.c["actor ok"] += 1
        elif kind == "unlabelled":
            t.note("actor unlabelled", f"{name}: {pp.actor}")
        else:
            t.note(f"actor {kind}", f"{name}: {pp.actor}")
        for s in pp.stance:
            rest = [w for w in re.findall(r"[\w'-]+", s.text) if w.lower() not in {x.lower() for x in pp.actor.split()}]
            if len(rest) < 7:
                t.note("name-only stance", f"{name}: {pp.actor}: {s.text[:90]}")
    for x in brief.tensions:
        pair = frozenset(labels.of(n)[1] or n for n in (x.a.actor, x.b.actor))
        t.c["tensions"] += 1
        if pair in labels.tensions:
            t.c["tension ok"] += 1
        elif any(pair <= side for side in labels.sides):
            t.note("tension same side", f"{name}: {x.a.actor} / {x.b.actor}")
        else:
            t.note("tension wrong", f"{name}: {x.a.actor} / {x.b.actor}: {x.a.claim.text[:60]} || {x.b.claim.text[:60]}")
    found = {frozenset(labels.of(n)[1] or n for n in (x.a.actor, x.b.actor)) for x in brief.tensions}
    t.c["labelled tensions"] += len(labels.tensions)
    t.c["labelled tensions found"] += len(labels.tensions & found)
    for q in brief.open_questions:
        t.note("questions", f"{name}: {q.question} || {q.context[0].text[:90] if q.context else ''}")
    if show:
        print(f"  [{name}] actors: {', '.join(pp.actor for pp in brief.perspectives) or '-'}")


def report(title: str, t: Tally, show: bool) -> None:
    c = t.c
    print(f"\n== {title}")
    print(f"supported: {c['supported']}/{c['sentences']} = {c['supported'] / max(1, c['sentences']):.1%}")
    print(f"repeats: {sum(t.pairs.values())} pairs; {c['in a repeat']}/{c['prose']} prose sentences in one "
          f"({c['in a repeat'] / max(1, c['prose']):.1%}); by section: "
          + (", ".join(f"{k} {v}" for k, v in sorted(t.pairs.items())) or "-"))
    print(f"junk: {c['junk']}/{c['prose']}   long (> {LONG_WORDS} words): {c['long']}/{c['prose']}   "
          f"needs missing context: {c['context']} (of {c['standalone']} stand-alone + narrative)")
    labelled = c["actors"] - c["actor unlabelled"]
    print(f"actor precision: {c['actor ok']}/{labelled} = {c['actor ok'] / max(1, labelled):.1%} "
          f"(non-actor {c['actor non-actor']}, outlet {c['actor outlet']}, duplicate {c['actor duplicate']}, "
          f"unlabelled {c['actor unlabelled']}); name-only stances: {c['name-only stance']}")
    print(f"tension precision: {c['tension ok']}/{c['tensions']} = {c['tension ok'] / max(1, c['tensions']):.1%} "
          f"(same side {c['tension same side']}); recall of labelled pairs: "
          f"{c['labelled tensions found']}/{c['labelled tensions']}")
    print(f"open questions: {c['questions']}")
    if show:
        for what in ("repeat pairs", "junk", "context", "long", "actor non-actor", "actor outlet",
                     "actor duplicate", "actor unlabelled", "name-only stance", "tension same side",
                     "tension wrong", "questions"):
            for ex in t.examples.get(what, []):
                print(f"  {what}: {ex}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--leads", action="store_true", help="also print each brief's summary sentence")
    parser.add_argument("--show", action="store_true", help="print every counted case")
    parser.add_argument("--tls", nargs="*", default=[], metavar="TOPIC", help="tls-dev topics to add ('all': every one)")
    parser.add_argument("--no-dev", action="store_true", help="skip the realnews dev stories")
    parser.add_argument("--no-events", action="store_true",
                        help="items without event ids (the brief's date-wise path, as before two levels)")
    args = parser.parse_args(argv)
    if not (args.data / "realnews-dev.jsonl").exists():
        print(f"no dev data at {args.data}", file=sys.stderr)
        return 2
    facts = {k: v for k, v in json.loads(FACTS.read_text()).items() if not k.startswith("_")}
    labels = {k: v for k, v in json.loads(ACTORS.read_text()).items() if not k.startswith("_")}
    groups = load_groups(args.data, events=not args.no_events)
    if not args.no_dev:
        t = Tally()
        total_facts = total_found = 0
        print(f"{'story':<52} {'items':>5} {'sents':>5} {'facts':>7} {'omitted'}")
        for slug in sorted(groups):
            items = groups[slug]
            # The story's title as the clusterer would give it: a member's headline.
            brief = synthesize(Story(id=slug, slug=slug, title=items[0].title), items)
            measure(slug, brief, items, Labels(labels.get(slug)), t, args.show)
            expected = facts.get(slug, {})
            text = brief_text(brief)
            found = sum(1 for checks in expected.values() if fact_present(checks, text))
            total_facts += len(expected)
            total_found += found
            print(f"{slug[:52]:<52} {len(items):>5} {len(brief.cited_sentences()):>5} "
                  f"{found:>3}/{len(expected):<3} {','.join(sorted(brief.omitted))}")
            if args.leads and brief.what.summary:
                print(f"    lead: {brief.what.summary[0].text[:110]}")
        print(f"key-fact recall: {total_found}/{total_facts} = {total_found / max(1, total_facts):.1%}")
        report("realnews-dev (12 stories)", t, args.show)
    topics = args.tls
    if topics == ["all"]:
        topics = sorted(p.name for p in (args.data / "tls-dev").iterdir() if p.is_dir())
    with tempfile.TemporaryDirectory() as tmp:
        for topic in topics:
            items = load_topic(args.data / "tls-dev" / topic, Path(tmp), events=not args.no_events)
            story = Story(id=topic, slug=topic.lower(), title=topic.replace("_", " "))
            synthesize(story, items)  # warm-up
            t0 = time.perf_counter()
            brief = synthesize(story, items)
            secs = time.perf_counter() - t0
            tt = Tally()
            measure(topic, brief, items, Labels(labels.get(f"tls:{topic}")), tt, args.show)
            report(f"tls-dev {topic} ({len(items)} items, brief in {secs:.2f} s)", tt, args.show)
    pool = [it for items in groups.values() for it in items]
    big = hundred_items(pool)
    story = Story(id="bench", slug="bench", title="100-item benchmark story")
    synthesize(story, big)  # warm-up (imports, vectorizer)
    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        synthesize(story, big)
        runs.append(time.perf_counter() - t0)
    print(f"\n100-item brief: median {sorted(runs)[1]:.3f} s over 3 runs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
