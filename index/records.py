"""Plain data shared by every stage of the pipeline: parsed briefs, chunks and search hits; and the
one way every record of the project is written as JSON (`JsonRecord`, `as_json`).

All records are frozen: a stage returns new records instead of editing the ones it was given.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any

_JSON = "json"


@dataclass(frozen=True, slots=True)
class _JsonSpec:
    name: str | None = None  # the JSON key, when not the field's name
    digits: int | None = None  # round a float to this many digits
    skip: bool = False  # not written (e.g. per-retriever evidence)
    flatten: bool = False  # a nested record's keys written into this one's
    only: type | None = None  # nested records written with this (base) class's fields only
    write: Callable[[Any], object] | None = None  # a value of a shape of its own


def as_json(
    *,
    name: str | None = None,
    digits: int | None = None,
    skip: bool = False,
    flatten: bool = False,
    only: type | None = None,
    write: Callable[[Any], object] | None = None,
) -> dict[str, _JsonSpec]:
    """A dataclass field's `metadata` saying how `JsonRecord` writes it:
    `score: float = field(metadata=as_json(digits=6))`."""
    return {_JSON: _JsonSpec(name, digits, skip, flatten, only, write)}


class JsonRecord:
    """A dataclass written as JSON one way: its fields in order, dates as ISO strings, tuples as
    lists, nested records as objects; a field's `as_json` metadata renames, rounds, skips or flattens it."""

    __slots__ = ()

    def to_json(self) -> dict[str, Any]:
        return record_json(self)


def record_json(record: object, only: type | None = None) -> dict[str, Any]:
    written: dict[str, Any] = {}
    for item in fields(only or record):  # type: ignore[arg-type]  # a dataclass, or its base class
        spec: _JsonSpec = item.metadata.get(_JSON) or _JsonSpec()
        if spec.skip:
            continue
        value = getattr(record, item.name)
        if spec.write is not None:
            value = spec.write(value)
        elif spec.digits is not None:
            value = round(value, spec.digits)
        value = json_value(value, spec.only)
        if spec.flatten:
            written.update(value)
        else:
            written[spec.name or item.name] = value
    return written


def json_value(value: object, only: type | None = None) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return record_json(value, only)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [json_value(item, only) for item in value]
    if isinstance(value, dict):
        return {key: json_value(item) for key, item in value.items()}
    return value


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


@dataclass(frozen=True, slots=True)
class Location(JsonRecord):
    """Which brief, where in it, and under which section: what a stored passage and a citation
    both name (and what a passage's copies are written as)."""

    chunk_id: int
    brief_id: str
    source: str  # path relative to the briefs folder
    title: str
    date: date | None
    section: str | None
    paragraphs: tuple[int, ...]
    start: int  # character offsets into the brief's text
    end: int


@dataclass(frozen=True, slots=True)
class Passage(Location):
    """A chunk as the catalog holds it now, with the brief it belongs to."""

    text: str  # exactly the brief's text[start:end]


@dataclass(frozen=True, slots=True)
class Hit(Passage):
    """One search result: a stored chunk with its rank and score."""

    rank: int
    score: float = field(metadata=as_json(digits=6))
    # Per-retriever evidence: not written.
    scores: dict[str, float] = field(default_factory=dict, metadata=as_json(skip=True))
    # The same paragraph in other (older) briefs, collapsed into this hit, newest first: daily
    # briefs repeat running stories, and a reader may want to know since when.
    copies: tuple[Passage, ...] = field(default=(), metadata=as_json(only=Location))

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
