"""What a user gets back for a question, independent of how it is shown (Telegram, terminal, JSON)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from index.records import Hit, JsonRecord, Location, Passage, as_json


@dataclass(frozen=True, slots=True)
class BriefRef(JsonRecord):
    """A brief named without a passage: the closest briefs of an abstention, or the older briefs
    that repeat a cited paragraph."""

    brief_id: str
    title: str
    date: date | None
    source: str = ""  # the brief's file (or link): what names it when its title is a lead sentence


@dataclass(frozen=True, slots=True)
class Citation(Location):
    """A numbered source: `quote` is exact text of the brief, `start`/`end` locate it."""

    n: int
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
            also_in=tuple(dict.fromkeys(BriefRef(c.brief_id, c.title, c.date, c.source) for c in copies)),
        )


@dataclass(frozen=True, slots=True)
class Answer(JsonRecord):
    question: str  # as asked
    # The answer, plain text with [n] markers; no markup.
    text: str = field(metadata=as_json(name="answer"))
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
