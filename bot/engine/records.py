"""What a user gets back for a question, independent of how it is shown (Telegram, terminal, JSON)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from index.records import Hit, Passage, location_json


@dataclass(frozen=True, slots=True)
class BriefRef:
    """A brief named without a passage: the closest briefs of an abstention, or the older briefs
    that repeat a cited paragraph."""

    brief_id: str
    title: str
    date: date | None

    def to_json(self) -> dict[str, object]:
        return {
            "brief_id": self.brief_id,
            "title": self.title,
            "date": self.date.isoformat() if self.date else None,
        }


@dataclass(frozen=True, slots=True)
class Citation:
    """A numbered source: `quote` is exact text of the brief, `start`/`end` locate it."""

    n: int
    chunk_id: int
    brief_id: str
    source: str
    title: str
    date: date | None
    section: str | None
    paragraphs: tuple[int, ...]
    start: int
    end: int
    quote: str
    # Older briefs that carry the same paragraph (a running story), newest first.
    also_in: tuple[BriefRef, ...] = ()

    @classmethod
    def quoting(cls, n: int, hit: Passage, start: int = 0, end: int | None = None) -> Citation:
        """Citation [n] of `hit.text[start:end]` (the whole passage by default); a search hit
        also names the older briefs that repeat the paragraph."""
        copies = hit.copies if isinstance(hit, Hit) else ()
        end = len(hit.text) if end is None else end
        return cls(
            n=n,
            chunk_id=hit.chunk_id,
            brief_id=hit.brief_id,
            source=hit.source,
            title=hit.title,
            date=hit.date,
            section=hit.section,
            paragraphs=hit.paragraphs,
            start=hit.start + start,
            end=hit.start + end,
            quote=hit.text[start:end],
            also_in=tuple(dict.fromkeys(BriefRef(c.brief_id, c.title, c.date) for c in copies)),
        )

    def to_json(self) -> dict[str, object]:
        return {
            "n": self.n,
            **location_json(self),
            "quote": self.quote,
            "also_in": [brief.to_json() for brief in self.also_in],
        }


@dataclass(frozen=True, slots=True)
class Answer:
    question: str  # as asked
    text: str  # the answer, plain text with [n] markers; no markup
    citations: tuple[Citation, ...]
    abstained: bool
    language: str  # "id" | "en": the language of the reply's scaffolding
    resolved_question: str | None = None  # a follow-up rewritten with the previous question
    closest: tuple[BriefRef, ...] = ()  # when abstaining: the briefs that came closest
    notes: tuple[str, ...] = field(default_factory=tuple)  # e.g. "question shortened"
    used_llm: bool = False
    kind: str = "fact"  # what was asked: see bot/engine/understanding.py
    # Why it abstained: "not_covered", "no_brief_on_date", "no_briefs"; None when it answered.
    reason: str | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "question": self.question,
            "resolved_question": self.resolved_question,
            "answer": self.text,
            "abstained": self.abstained,
            "reason": self.reason,
            "kind": self.kind,
            "language": self.language,
            "citations": [c.to_json() for c in self.citations],
            "closest": [b.to_json() for b in self.closest],
            "notes": list(self.notes),
            "used_llm": self.used_llm,
        }
