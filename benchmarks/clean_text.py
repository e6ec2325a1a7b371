"""Clean text at ingest: how much page furniture the rules remove, and what content they lose.

Two sets:

* **fixtures** -- ``tests/fixtures/clean/`` (pages, a feed, JSONL, Markdown
  written for the tests), each beside the clean text it must become.  A line
  of the text before cleaning that is not a line of the expected text is
  junk; every expected line is content.
* **realnews-dev** -- ``../shared/data/realnews-dev.jsonl`` (real excerpts,
  read only).  ``benchmarks/clean_text_labels.json`` labels, by line number
  only, the lines that are furniture (``junk``: the whole line) and the
  lines that start with furniture glued to content (``prefix``: a stamp or
  byline before the first words).  Every other non-blank line is content.

Figures: junk lines removed / junk lines in the input (a ``prefix`` line
counts as removed when its furniture was cut and the rest kept); content
lines lost / content lines; lines removed that were not labelled junk.

    PYTHONPATH=src python benchmarks/clean_text.py [--data ../shared/data] [--show]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path

from infomachine.ingest.extract import RAW_TEXT, clean_stored_text

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = Path(os.environ.get("INFOMACHINE_SHARED_DATA", ROOT.parent / "shared" / "data"))
LABELS = Path(__file__).with_name("clean_text_labels.json")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def fixture_figures() -> dict[str, int]:
    sys.path.insert(0, str(ROOT / "tests"))
    from test_clean_text import SOURCES, expected_texts, fixture_items

    out = {"junk": 0, "junk_removed": 0, "content": 0, "content_lost": 0}
    for path in SOURCES:
        for item, want in zip(fixture_items(path), expected_texts(path), strict=True):
            content = set(_lines(want))
            kept = set(_lines(item.text))
            for line in _lines(item.metadata.get(RAW_TEXT, item.text)):
                if line in content or any(c in line for c in content):
                    continue  # content, or content with furniture glued on / escaped
                out["junk"] += 1
                out["junk_removed"] += line not in kept
            out["content"] += len(content)
            out["content_lost"] += len(content - kept)
    return out


def realnews_figures(data: Path, show: bool) -> dict[str, int]:
    labels = json.loads(LABELS.read_text("utf-8"))
    out = {"items": 0, "junk": 0, "junk_removed": 0, "content": 0, "content_lost": 0, "unlabelled_removed": 0}
    with (data / "realnews-dev.jsonl").open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    for row in rows:
        out["items"] += 1
        raw = row.get("text") or ""
        label = labels.get(row["id"], {"junk": [], "prefix": []})
        text, _, fired = clean_stored_text(raw, row.get("title"))
        kept = _lines(text)
        kept_set = set(kept)
        left = Counter(kept)  # a repeated line: one copy stays, the repeat must go
        for i, line in enumerate(raw.split("\n")):
            s = line.strip()
            if not s:
                continue
            if i in label["junk"]:
                out["junk"] += 1
                gone = left[s] == 0
                left[s] -= 1
                out["junk_removed"] += gone
                if show and not gone:
                    print(f"  junk left   {row['id']} line {i}")
            elif i in label["prefix"]:
                out["junk"] += 1
                fixed = any(k != s and s.endswith(k) and len(k) > len(s) // 2 for k in kept)
                out["junk_removed"] += fixed
                out["content"] += 1
                out["content_lost"] += not fixed and s not in kept_set
                if show and not fixed:
                    print(f"  prefix left {row['id']} line {i}")
            else:
                out["content"] += 1
                lost = left[s] <= 0
                left[s] -= 1
                out["content_lost"] += lost
                if show and lost:
                    print(f"  content lost {row['id']} line {i} (rules: {sorted(fired)})")
    return out


def _ratio(a: int, b: int) -> str:
    return f"{a}/{b} ({100 * a / b:.1f}%)" if b else "0/0"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--show", action="store_true", help="name each line left or lost")
    args = parser.parse_args(argv)
    fx = fixture_figures()
    print("fixtures (tests/fixtures/clean):")
    print(f"  junk lines removed   {_ratio(fx['junk_removed'], fx['junk'])}")
    print(f"  content lines lost   {_ratio(fx['content_lost'], fx['content'])}")
    if (args.data / "realnews-dev.jsonl").exists():
        rn = realnews_figures(args.data, args.show)
        print(f"realnews-dev ({rn['items']} items):")
        print(f"  junk lines removed   {_ratio(rn['junk_removed'], rn['junk'])}")
        print(f"  content lines lost   {_ratio(rn['content_lost'], rn['content'])}")
    else:
        print(f"realnews-dev: {args.data / 'realnews-dev.jsonl'} not found, skipped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
