"""The Brief: a story's cited, versioned summary (pydantic models).

It is the one contract shared by every synthesizer, the verifier, the
version history and every renderer, and its JSON schema is what an LLM
synthesizer is asked to produce.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from infomachine.models.items import utcnow


class Evidence(BaseModel):
    """The quote in source ``n`` that supports a sentence."""

    n: int
    quote: str


class Sentence(BaseModel):
    """One sentence of a brief with its citations and evidence."""

    text: str
    cites: list[int] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)


class What(BaseModel):
    summary: list[Sentence] = Field(default_factory=list)
    bullets: list[Sentence] = Field(default_factory=list)


class OpenQuestion(BaseModel):
    question: str
    context: list[Sentence] = Field(default_factory=list)


class TimelineEvent(BaseModel):
    date: str  # YYYY-MM-DD
    text: str
    cites: list[int] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)
    importance: float = 0.0
    # the event (one happening) this line reports; None for date-wise lines and older briefs
    event_id: str | None = None


class Evolution(BaseModel):
    status: Literal["new", "consistent", "shifted"] = "new"
    note: str = ""
    cites: list[int] = Field(default_factory=list)


class Perspective(BaseModel):
    actor: str
    affiliation: str | None = None
    stance: list[Sentence] = Field(default_factory=list)
    evolution: Evolution = Field(default_factory=Evolution)


class Claim(BaseModel):
    actor: str
    claim: Sentence


class Tension(BaseModel):
    a: Claim
    b: Claim


class SourceRef(BaseModel):
    n: int
    item_id: str
    title: str
    publisher: str | None = None
    published: str | None = None  # YYYY-MM-DD
    url: str | None = None
    found_via: str | None = None
    # where an inferred date came from ("html" | "url" | "text"); None: the item's own date
    published_inferred: str | None = None


class Development(BaseModel):
    """One new development of a version: a sentence of the brief, with its cites.

    ``text`` and ``cites`` are copied from the brief (its source numbers);
    ``section`` says where the brief shows it, ``date`` is the timeline date
    of a timeline event.
    """

    text: str
    cites: list[int] = Field(default_factory=list)
    section: str = ""
    date: str | None = None


class VersionChanges(BaseModel):
    """What a version changed against the version before it, as words and counts.

    Computed by ``synth.versions`` when the version is written; renderers show
    it as it is.  ``counts`` is the count line ("+2 sources, +5 claims").
    """

    from_version: int | None = None
    developments: list[Development] = Field(default_factory=list)
    counts: str = ""


class BriefStory(BaseModel):
    id: str
    slug: str
    title: str


SECTIONS = (
    "what",
    "why_it_matters",
    "open_questions",
    "narrative",
    "timeline",
    "perspectives",
    "tensions",
)


class Brief(BaseModel):
    """A story's brief: every section of the seed page, every sentence cited."""

    story: BriefStory
    version: int = 0
    generated_at: datetime = Field(default_factory=utcnow)
    item_count: int = 0
    what: What = Field(default_factory=What)
    why_it_matters: list[Sentence] = Field(default_factory=list)
    open_questions: list[OpenQuestion] = Field(default_factory=list)
    narrative: list[list[Sentence]] = Field(default_factory=list)
    timeline: list[TimelineEvent] = Field(default_factory=list)
    perspectives: list[Perspective] = Field(default_factory=list)
    tensions: list[Tension] = Field(default_factory=list)
    sources: list[SourceRef] = Field(default_factory=list)
    # Why a section is empty, keyed by section name ("no attributed claims").
    omitted: dict[str, str] = Field(default_factory=dict)
    synthesizer: str = "extractive"
    dropped_sentences: int = 0
    notes: list[str] = Field(default_factory=list)
    change_summary: str = ""
    # The structured form of ``change_summary`` (None for a first version and
    # for versions stored before it existed).
    changes: VersionChanges | None = None

    def cited_sentences(self) -> list[Sentence]:
        """Every sentence that carries citations, timeline events included."""
        out = [*self.what.summary, *self.what.bullets, *self.why_it_matters]
        out += [s for q in self.open_questions for s in q.context]
        out += [s for paragraph in self.narrative for s in paragraph]
        out += [s for p in self.perspectives for s in p.stance]
        out += [c for t in self.tensions for c in (t.a.claim, t.b.claim)]
        out += [Sentence(text=e.text, cites=e.cites, evidence=e.evidence) for e in self.timeline]
        return out
