"""Plain data shared by every stage of the pipeline: parsed briefs, chunks and search hits.

All records are frozen: a stage returns new records instead of editing the ones it was given.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Paragraph:
    """One paragraph of a brief, located in the brief's decoded text."""

    number: int  # 1-based position among the brief's paragraphs (the lead line is not counted)
    section: str | None  # the heading above it, None before the first heading
    start: int  # character offsets into ParsedBrief.text: text[start:end] is the paragraph
    end: int


@dataclass(frozen=True, slots=True)
class ParsedBrief:
    """What a loader recovers from one file: its text and structure."""

    text: str  # the brief's decoded text; every offset below points into it
    title: str  # front-matter title, else the lead line, else the file name
    date: date | None
    paragraphs: tuple[Paragraph, ...]
    url: str | None = None
    language: str | None = None  # "id" / "en" when known


@dataclass(frozen=True, slots=True)
class Chunk:
    """A retrieval unit: a slice of one brief that never crosses a section."""

    brief_id: str
    ordinal: int  # position of the chunk in its brief, from 0
    section: str | None
    paragraphs: tuple[int, ...]  # the paragraph numbers the slice touches
    start: int
    end: int
    text: str  # exactly ParsedBrief.text[start:end]
    embed_text: str  # what the embedder sees: a short context header plus the text


@dataclass(frozen=True, slots=True)
class BriefRecord:
    """A brief as the catalog knows it."""

    brief_id: str
    source: str  # path relative to the briefs folder
    title: str
    date: date | None
    content_hash: str
    chunk_count: int
    indexed_at: str  # ISO timestamp (UTC)
    language: str | None = None


class Located(Protocol):
    """Anything that names a stretch of a brief: a stored passage, a citation."""

    chunk_id: int
    brief_id: str
    source: str
    title: str
    date: date | None
    section: str | None
    paragraphs: tuple[int, ...]
    start: int
    end: int


def location_json(place: Located) -> dict[str, object]:
    """The JSON fields saying which brief, where in it, and under which section."""
    return {
        "chunk_id": place.chunk_id,
        "brief_id": place.brief_id,
        "source": place.source,
        "title": place.title,
        "date": place.date.isoformat() if place.date else None,
        "section": place.section,
        "paragraphs": list(place.paragraphs),
        "start": place.start,
        "end": place.end,
    }


@dataclass(frozen=True, slots=True)
class Passage:
    """A chunk as the catalog holds it now, with the brief it belongs to."""

    chunk_id: int
    brief_id: str
    source: str  # path relative to the briefs folder
    title: str
    date: date | None
    section: str | None
    paragraphs: tuple[int, ...]
    start: int
    end: int
    text: str  # exactly the brief's text[start:end]

    def to_json(self) -> dict[str, object]:
        return {**location_json(self), "text": self.text}

    def reference_json(self) -> dict[str, object]:
        """Where the passage is, without its text."""
        return location_json(self)


@dataclass(frozen=True, slots=True)
class Hit(Passage):
    """One search result: a stored chunk with its rank and score."""

    rank: int
    score: float
    scores: dict[str, float] = field(default_factory=dict)  # per-retriever evidence
    # The same paragraph in other (older) briefs, collapsed into this hit, newest first: daily
    # briefs repeat running stories, and a reader may want to know since when.
    copies: tuple[Passage, ...] = ()

    @classmethod
    def of(
        cls,
        passage: Passage,
        *,
        rank: int,
        score: float,
        scores: dict[str, float],
        copies: tuple[Passage, ...] = (),
    ) -> Hit:
        fields_ = {f.name: getattr(passage, f.name) for f in fields(Passage)}
        return cls(**fields_, rank=rank, score=score, scores=dict(scores), copies=copies)

    def to_json(self) -> dict[str, object]:
        return {
            "rank": self.rank,
            "score": round(self.score, 6),
            **Passage.to_json(self),
            "copies": [copy.reference_json() for copy in self.copies],
        }
