"""What a user gets back for a question, independent of how it is shown (Telegram, terminal, JSON)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


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

    def to_json(self) -> dict[str, object]:
        return {
            "n": self.n,
            "chunk_id": self.chunk_id,
            "brief_id": self.brief_id,
            "source": self.source,
            "title": self.title,
            "date": self.date.isoformat() if self.date else None,
            "section": self.section,
            "paragraphs": list(self.paragraphs),
            "start": self.start,
            "end": self.end,
            "quote": self.quote,
        }


@dataclass(frozen=True, slots=True)
class BriefRef:
    """A brief named in an abstention as the closest the briefs come to the question."""

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

    def to_json(self) -> dict[str, object]:
        return {
            "question": self.question,
            "resolved_question": self.resolved_question,
            "answer": self.text,
            "abstained": self.abstained,
            "language": self.language,
            "citations": [c.to_json() for c in self.citations],
            "closest": [b.to_json() for b in self.closest],
            "notes": list(self.notes),
            "used_llm": self.used_llm,
        }
