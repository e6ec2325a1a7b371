"""The default synthesizer: offline, deterministic, extractive.

Every sentence of the brief is a sentence (or a verbatim span of one) from
a source, cited with that sentence as its evidence quote; a sentence that
other sources corroborate (TF-IDF cosine >= ``CORROBORATE``) also cites
them, each with its own matching sentence as the quote.  Salience is
centrality across sources (cosine to the centroid of all sentences, plus
how many other sources say something similar), with MMR to remove
redundancy.  Sections without support stay empty and say why in
``brief.omitted``.  The brief is verified before it is returned.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from infomachine.models import (
    Brief,
    BriefStory,
    Claim,
    Evidence,
    Item,
    OpenQuestion,
    Perspective,
    Sentence,
    SourceRef,
    Story,
    Tension,
    What,
    utcnow,
)
from infomachine.synth.analyze.actors import (
    Attribution,
    affiliations_in,
    attributions,
    canonical_actors,
)
from infomachine.synth.analyze.claims import (
    contrast_tensions,
    find_tensions,
    significance,
    split_contrast,
    to_question,
    uncertainty,
)
from infomachine.synth.analyze.sentences import Sent, item_sentences
from infomachine.synth.timeline import select_dates
from infomachine.synth.verify import verify_brief

CORROBORATE = 0.6
MMR_LAMBDA = 0.7
BULLET_LAMBDA = 0.6  # What bullets lean further toward covering different sub-topics
SUMMARY_N, BULLETS_N, WHY_N, QUESTIONS_N, NARRATIVE_N = 1, 4, 2, 4, 10
TIMELINE_N, PERSPECTIVES_N, TENSIONS_N = 8, 6, 4
MAX_SENTS_PER_ITEM = 60


class _Analysis:
    """Sentences of the usable items, their TF-IDF vectors and salience."""

    def __init__(self, items: list[Item], headline: str = "") -> None:
        self.items = items
        self.by_item = [item_sentences(it, i)[:MAX_SENTS_PER_ITEM] for i, it in enumerate(items)]
        self.sents: list[Sent] = [s for group in self.by_item for s in group]
        self.pos = {s: j for j, s in enumerate(self.sents)}
        n = len(self.sents)
        self.title_sim = np.zeros(n)  # cosine of each sentence with the story's headline
        if n == 0:
            self.sim = np.zeros((0, 0))
            self.salience = np.zeros(0)
            return
        try:
            vec = TfidfVectorizer(stop_words="english", sublinear_tf=True, min_df=1)
            m = vec.fit_transform([s.text for s in self.sents])
            self.sim = (m @ m.T).toarray()
            centroid = np.asarray(m.mean(axis=0)).ravel()
            norm = float(np.linalg.norm(centroid)) or 1.0
            central = (m @ centroid) / norm
            if headline.strip():
                self.title_sim = np.asarray((m @ vec.transform([headline]).T).toarray()).ravel()
        except ValueError:  # empty vocabulary
            self.sim = np.eye(n)
            central = np.zeros(n)
        item_of = np.array([s.item for s in self.sents])
        other = item_of[None, :] != item_of[:, None]
        corroborating = ((self.sim >= 0.3) & other)
        n_items = max(1, len(set(item_of.tolist())) - 1)
        support = np.array(
            [len(set(item_of[corroborating[j]].tolist())) / n_items for j in range(n)]
        )
        lead = np.array([1.0 / (1.0 + s.index) for s in self.sents])
        self.salience = np.asarray(central).ravel() + 0.5 * support + 0.15 * lead

    def mmr(self, k: int, pool: list[int] | None = None, avoid: set[int] | None = None,
            weight: np.ndarray | None = None, lambda_: float = MMR_LAMBDA) -> list[int]:
        """Up to ``k`` salient, mutually non-redundant sentence indices."""
        cand = list(range(len(self.sents))) if pool is None else list(pool)
        avoid = set(avoid or ())
        cand = [j for j in cand if j not in avoid]
        score = self.salience if weight is None else self.salience * weight
        chosen: list[int] = []
        against = list(avoid)
        while cand and len(chosen) < k:
            def value(j: int) -> tuple[float, int]:
                red = max((self.sim[j, c] for c in against), default=0.0)
                return (lambda_ * float(score[j]) - (1 - lambda_) * float(red), -j)

            best = max(cand, key=value)
            cand.remove(best)
            if max((self.sim[best, c] for c in against), default=0.0) > 0.75:
                continue  # near-repeat of something already said
            chosen.append(best)
            against.append(best)
        return chosen

    def corroborators(self, j: int) -> list[Sent]:
        """The best matching sentence of each other item that says the same."""
        best: dict[int, tuple[float, Sent]] = {}
        for c, s in enumerate(self.sents):
            if s.item == self.sents[j].item or self.sim[j, c] < CORROBORATE:
                continue
            if s.item not in best or self.sim[j, c] > best[s.item][0]:
                best[s.item] = (float(self.sim[j, c]), s)
        return [best[i][1] for i in sorted(best)][:2]


def _sentence(text: str, sources: list[tuple[int, str]]) -> Sentence:
    """A brief sentence citing item indices (remapped to source numbers later)."""
    cites = list(dict.fromkeys(i for i, _ in sources))
    return Sentence(text=text, cites=cites, evidence=[Evidence(n=i, quote=q) for i, q in sources])


def _cited(a: _Analysis, j: int, corroborate: bool = True) -> Sentence:
    s = a.sents[j]
    sources = [(s.item, s.text)]
    if corroborate:
        sources += [(c.item, c.text) for c in a.corroborators(j)]
    return _sentence(s.text, sources)


def _chronological(a: _Analysis, idx: list[int]) -> list[int]:
    def key(j: int) -> tuple[datetime, int, int]:
        s = a.sents[j]
        return (a.items[s.item].when, s.item, s.index)

    return sorted(idx, key=key)


def _narrative(a: _Analysis, idx: list[int]) -> list[list[Sentence]]:
    paragraphs: list[list[Sentence]] = []
    last_day: date | None = None
    for j in _chronological(a, idx):
        day = a.items[a.sents[j].item].when.date()
        if not paragraphs or len(paragraphs[-1]) >= 4 or (last_day and (day - last_day).days > 2):
            paragraphs.append([])
        paragraphs[-1].append(_cited(a, j))
        last_day = day
    return paragraphs


def _what(a: _Analysis, actor_of: dict[int, str]) -> list[int]:
    """Summary, then bullets: the most salient sentence that another source
    corroborates (else the most salient), then MMR-diverse bullets on other
    sub-topics, at most one per attributed actor."""
    lead = [float(a.salience[j]) + TITLE_WEIGHT * float(a.title_sim[j]) - _unfit_lead(a.sents[j].text)
            for j in range(len(a.sents))]
    ranked = sorted(range(len(a.sents)), key=lambda j: (-lead[j], j))
    corroborated = [j for j in ranked[:30] if a.corroborators(j)]
    summary = (corroborated or ranked)[:SUMMARY_N]
    bullets: list[int] = []
    actors = {actor_of[j] for j in summary if j in actor_of}
    for j in a.mmr(BULLETS_N * 4, avoid=set(summary), lambda_=BULLET_LAMBDA):
        if j in actor_of and actor_of[j] in actors:
            continue
        bullets.append(j)
        actors |= {actor_of[j]} if j in actor_of else set()
        if len(bullets) == BULLETS_N:
            break
    return summary + bullets


# The summary should state the story's news: close to its headline, and able to
# stand first on its own (no "That's why ...", no first person, no question).
TITLE_WEIGHT = 0.6
_LEAD_PENALTIES = (
    (re.compile(r"^(?:that|this|these|those|it|its|they|their|he|she|his|her|such|so|but|and)\b",
                re.IGNORECASE), 0.3),  # leans on a sentence before it
    (re.compile(r"\b(?:I|I'm|I've|I'd|me|my|we|we're|we've|our|us)\b"), 0.3),  # a writer's aside
    (re.compile(r"\?[\"'\u201d\u2019]?$"), 0.3),  # a question
    (re.compile(r"^(?:some |many |most )?(?:economists|analysts|experts|observers|critics|"
                r"commentators|traders)\b", re.IGNORECASE), 0.15),  # reaction, not the event
)


def _unfit_lead(text: str) -> float:
    """How badly ``text`` would open a brief (0: fine)."""
    penalty = sum(w for pattern, w in _LEAD_PENALTIES if pattern.search(text))
    return penalty + (0.2 if len(text.split()) < 8 else 0.0)


def _own_half(text: str, actor: str) -> str:
    """The half of "A says X, while B says Y" that holds ``actor``'s claim."""
    halves = split_contrast(text)
    if not halves:
        return text
    key = actor.split()[-1]
    has = [key in h for h in halves]
    if has[0] == has[1]:
        return text
    return halves[0] if has[0] else halves[1]


def _perspectives(a: _Analysis, atts: list[Attribution], canon: dict[str, str]) -> list[Perspective]:
    affil = affiliations_in(s.text for s in a.sents)
    grouped: dict[str, list[Attribution]] = {}
    for att in atts:
        grouped.setdefault(canon[att.actor], []).append(att)

    def weight(actor: str) -> tuple[float, str]:
        return (-sum(float(a.salience[a.pos[x.sent]]) for x in grouped[actor]), actor)

    out: list[Perspective] = []
    for actor in sorted(grouped, key=weight)[:PERSPECTIVES_N]:
        chosen = sorted(grouped[actor], key=lambda x: (-float(a.salience[a.pos[x.sent]]), a.pos[x.sent]))
        stance: list[Sentence] = []
        seen: set[Sent] = set()
        for att in chosen:
            if att.sent in seen:
                continue
            seen.add(att.sent)
            quote = _own_half(att.sent.text, att.actor)
            stance.append(_sentence(quote, [(att.sent.item, quote)]))
            if len(stance) == 2:
                break
        affiliation = next((x.affiliation for x in chosen if x.affiliation), None) or affil.get(actor)
        out.append(Perspective(actor=actor, affiliation=affiliation, stance=stance))
    return out


def synthesize(
    story: Story,
    items: list[Item],
    *,
    found_via: Mapping[str, str] | None = None,
    now: datetime | None = None,
    previous: Brief | None = None,
) -> Brief:
    """A verified, cited brief of ``story`` from its ``items`` (pure function).

    ``previous`` is accepted for the synthesizer interface and not needed:
    the offline brief is rebuilt from all items, deterministically, and
    evolution is computed afterwards by comparing versions.
    """
    del previous
    usable = sorted((it for it in items if not it.duplicate_of), key=lambda it: (it.when, it.id))
    brief = Brief(
        story=BriefStory(id=story.id, slug=story.slug, title=story.title),
        generated_at=now or utcnow(),
        item_count=len(items),
        synthesizer="extractive",
    )
    a = _Analysis(usable, story.title)
    if not a.sents:
        for section in ("what", "why_it_matters", "open_questions", "narrative", "timeline",
                        "perspectives", "tensions"):
            brief.omitted[section] = "no prose sentences in the story's items"
        return brief

    atts = [att for s in a.sents for att in attributions(s)]
    canon = canonical_actors((att.actor for att in atts), (s.text for s in a.sents))
    top = _what(a, {a.pos[att.sent]: canon[att.actor] for att in reversed(atts)})
    brief.what = What(
        summary=[_cited(a, j) for j in top[:SUMMARY_N]],
        bullets=[_cited(a, j) for j in top[SUMMARY_N:]],
    )
    used = set(top)

    sig = np.array([significance(s.text) for s in a.sents])
    why_pool = [j for j in range(len(a.sents)) if sig[j] >= 2.0]
    why = a.mmr(WHY_N, why_pool, avoid=used, weight=1 + 0.3 * sig)
    brief.why_it_matters = [_cited(a, j) for j in why]
    if not why:
        brief.omitted["why_it_matters"] = "no source states why this matters (no significance cues)"
    used |= set(why)

    unc = np.array([uncertainty(s.text) for s in a.sents])
    q_pool = [j for j in range(len(a.sents)) if unc[j] >= 2.0]
    asked: set[str] = set()
    for j in a.mmr(len(q_pool), q_pool, weight=1 + 0.5 * unc):
        s = a.sents[j]
        question = to_question(s.text)
        context = j
        if question and s.text.rstrip(" \"'\u201d\u2019").endswith("?"):
            # a question asked in the source: its lead-in sentence is the context
            context = a.pos.get(a.by_item[s.item][s.index - 1], -1) if s.index > 0 else -1
        if not question or context < 0 or question.lower() in asked:
            continue
        asked.add(question.lower())
        brief.open_questions.append(
            OpenQuestion(question=question, context=[_cited(a, context, corroborate=False)])
        )
        if len(brief.open_questions) >= QUESTIONS_N:
            break
    if not brief.open_questions:
        brief.omitted["open_questions"] = "no source flags anything as unclear or unresolved"

    # The narrative may retell the summary, but not repeat the What bullets word for word.
    narrative = a.mmr(NARRATIVE_N, avoid=set(top[SUMMARY_N:]))
    brief.narrative = _narrative(a, narrative)

    for event in select_dates(usable, max_dates=TIMELINE_N, sentences=a.by_item):
        # select_dates cites 1-based item positions; keep internal 0-based indices here
        event.cites = [n - 1 for n in event.cites]
        event.evidence = [Evidence(n=e.n - 1, quote=e.quote) for e in event.evidence]
        brief.timeline.append(event)
    if not brief.timeline:
        brief.omitted["timeline"] = "no dated events (no dates in the text and no publication dates)"

    brief.perspectives = _perspectives(a, atts, canon)
    if not brief.perspectives:
        brief.omitted["perspectives"] = "no named actor is quoted or attributed a claim"

    pairs = contrast_tensions(a.sents, canon) + find_tensions(atts, canon)
    seen_pairs: set[frozenset[str]] = set()
    for p in pairs:
        key = frozenset({canon.get(p.a.actor, p.a.actor), canon.get(p.b.actor, p.b.actor)})
        if key in seen_pairs or len(key) < 2:
            continue
        seen_pairs.add(key)
        brief.tensions.append(
            Tension(
                a=Claim(actor=canon.get(p.a.actor, p.a.actor),
                        claim=_sentence(p.a_quote, [(p.a.sent.item, p.a_quote)])),
                b=Claim(actor=canon.get(p.b.actor, p.b.actor),
                        claim=_sentence(p.b_quote, [(p.b.sent.item, p.b_quote)])),
            )
        )
        if len(brief.tensions) >= TENSIONS_N:
            break
    if not brief.tensions:
        brief.omitted["tensions"] = "no conflicting claims between named actors"

    _number_sources(brief, usable, found_via or {})
    texts = {s.n: _source_text(usable[_index(usable, s.item_id)]) for s in brief.sources}
    verify_brief(brief, texts)
    _note_emptied(brief)
    return brief


def _source_text(item: Item) -> str:
    return f"{item.title}\n{item.text}"


def _index(items: list[Item], item_id: str) -> int:
    return next(i for i, it in enumerate(items) if it.id == item_id)


def _all_sentences(brief: Brief) -> list[Sentence]:
    out = [*brief.what.summary, *brief.what.bullets, *brief.why_it_matters]
    out += [s for q in brief.open_questions for s in q.context]
    out += [s for p in brief.narrative for s in p]
    out += [s for p in brief.perspectives for s in p.stance]
    out += [c for t in brief.tensions for c in (t.a.claim, t.b.claim)]
    return out


def _number_sources(brief: Brief, items: list[Item], found_via: Mapping[str, str]) -> None:
    """Turn internal item indices into source numbers 1..n, by first citation."""
    order: dict[int, int] = {}
    holders: list[tuple[list[int], list[Evidence]]] = [(s.cites, s.evidence) for s in _all_sentences(brief)]
    holders += [(e.cites, e.evidence) for e in brief.timeline]
    for cites, _ in holders:
        for i in cites:
            order.setdefault(i, len(order) + 1)
    for cites, evidence in holders:
        cites[:] = [order[i] for i in cites]
        for ev in evidence:
            ev.n = order[ev.n]
    for i, n in sorted(order.items(), key=lambda kv: kv[1]):
        it = items[i]
        brief.sources.append(
            SourceRef(
                n=n,
                item_id=it.id,
                title=it.title,
                publisher=it.publisher,
                published=it.published.date().isoformat() if it.published else None,
                url=it.url,
                found_via=found_via.get(it.id) or it.source,
            )
        )


def _note_emptied(brief: Brief) -> None:
    """Sections verification emptied must also say why."""
    checks = {
        "what": not (brief.what.summary or brief.what.bullets),
        "why_it_matters": not brief.why_it_matters,
        "open_questions": not brief.open_questions,
        "narrative": not brief.narrative,
        "timeline": not brief.timeline,
        "perspectives": not brief.perspectives,
        "tensions": not brief.tensions,
    }
    for section, empty in checks.items():
        if empty:
            brief.omitted.setdefault(section, "no supported sentences")
        else:
            brief.omitted.pop(section, None)
