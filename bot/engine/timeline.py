"""How a story developed: one line per brief that reports on it, oldest to newest.

Each line is one sentence of a passage that the briefs' relevance decision (`news.is_about`, the
one answers and alerts use) finds to be about the topic, with its citation. A paragraph that
daily briefs repeat is dated by its first appearance and shown once; a brief whose only reports
on the topic repeat earlier lines has no line of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from bot.engine.news_points import filed_under, is_about, topic_sentence, topic_terms
from bot.engine.records import Citation
from bot.engine.replies import format_day
from bot.engine.topic_matches import chosen_labels, filed_chunk_ids
from bot.engine.topics import catalogue_for
from bot.engine.understanding import read_day
from index.knowledge_base import KnowledgeBase
from index.records import Hit, JsonRecord, Passage, as_json
from index.text.matching import Term, coverage, stems, text_key
from index.text.sentences import split_sources

# Passages naming the topic that a timeline reads: enough for a story told in every brief.
TIMELINE_MENTIONS = 5000
# And the best matches by meaning, for a topic written in the other language than the briefs.
TIMELINE_SEARCHED = 20


@dataclass(frozen=True, slots=True)
class TimelineEntry(JsonRecord):
    """One brief's line: `citation.quote` is the sentence, `citation.date` the brief's day."""

    citation: Citation = field(metadata=as_json(flatten=True))  # written as the citation itself

    @property
    def date(self) -> date | None:
        return self.citation.date

    def line(self, language: str, n: int | None = None) -> str:
        """ "13 Nov 2024 — sentence [n]" (numbered `n`, else the citation's own number); the
        item's source marks ("(Reuters)") are named in the source list, as for answers."""
        day = format_day(self.citation.date, language, short=True)
        sentence, _sources = split_sources(self.citation.quote)
        return f"{day} — {sentence} [{n if n is not None else self.citation.n}]"


@dataclass(frozen=True, slots=True)
class Timeline(JsonRecord):
    topic: str
    entries: tuple[TimelineEntry, ...]  # oldest first, numbered [1]..[n] in that order


def build_timeline(kb: KnowledgeBase, topic: str, *, since: date | None = None) -> Timeline:
    """The timeline of `topic` over every indexed brief (from `since` on, when given): the items
    the briefs file under it when it is one of their topics (at any depth of an item's path,
    each part of a combined label counting), else the passages whose words are about it."""
    topic = " ".join(topic.split())
    terms = topic_terms(topic)
    if not terms:
        return Timeline(topic, ())
    labels = chosen_labels(catalogue_for(kb).resolve(topic))
    if labels:
        ids = filed_chunk_ids(labels)
        hits = [Hit.of(p, rank=0, score=1.0, scores={"filed": 1.0}) for p in kb.store.filter_documents(chunk_ids=ids)]
        return Timeline(labels[0].name, timeline_entries(topic, terms, hits, since=since, filed=frozenset(ids)))
    hits = [*kb.mentions(topic, limit=TIMELINE_MENTIONS), *kb.search(topic, k=TIMELINE_SEARCHED, recent=False)]
    return Timeline(topic, timeline_entries(topic, terms, hits, since=since))


def timeline_entries(
    topic: str,
    terms: Sequence[Term],
    hits: Sequence[Hit],
    *,
    since: date | None = None,
    filed: frozenset[int] = frozenset(),
) -> tuple[TimelineEntry, ...]:
    """One entry per dated brief among `hits` that reports on the topic (filed under it, or
    about it by its words), oldest first."""
    by_brief: dict[str, list[Passage]] = {}
    seen_chunks: set[int] = set()
    for hit in hits:
        if hit.chunk_id not in filed and not is_about(terms, hit, hit.scores.get("dense")):
            continue
        # A repeated paragraph belongs to the brief that reported it first.
        first = hit.copies[-1] if hit.copies else hit
        if first.date is None or (since is not None and first.date < since) or first.chunk_id in seen_chunks:
            continue
        seen_chunks.add(first.chunk_id)
        by_brief.setdefault(first.brief_id, []).append(first)
    ordered = sorted(by_brief.values(), key=lambda passages: (passages[0].date or date.min, passages[0].brief_id))
    entries: list[TimelineEntry] = []
    seen_quotes: set[str] = set()
    for passages in ordered:
        for passage in sorted(passages, key=lambda p: _preference(topic, terms, p)):
            point = topic_sentence(passage, terms)
            quote = passage.text[point.start : point.end]
            key = text_key(quote)
            if key in seen_quotes:
                continue  # the same sentence in another paragraph: said before
            seen_quotes.add(key)
            entries.append(TimelineEntry(Citation.quoting(len(entries) + 1, passage, point.start, point.end)))
            break
    return tuple(entries)


def _preference(topic: str, terms: Sequence[Term], passage: Passage) -> tuple[bool, float, int]:
    """A brief's line comes from an item filed under the topic's very name, else the passage
    naming most of the topic's words in its own text, else the first in the brief."""
    return (not filed_under(topic, passage), -coverage(terms, stems(passage.text)), passage.start)


def parse_since(text: str, brief_dates: Sequence[date]) -> date | None:
    """A --since day: ISO ("2025-11-02") or as questions write days ("2 November"), a date
    without a year read against the newest brief."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        pass
    day = read_day(text, brief_dates[0] if brief_dates else None)
    return day.day if day is not None and day.kind == "date" else None
