"""Retrieval evaluation on `../shared/eval`-style data, through the same pipeline the bot uses.

The passages of a corpus are written as real multi-section briefs (a dated lead line, section
headings, several passages each), indexed with the normal indexer, and every question is asked
through `KnowledgeBase.search`. A hit is a returned chunk that overlaps the gold passage.

Search shows a paragraph that several briefs repeat once, from the newest brief, and lists the
other copies on the hit (`Hit.copies`). The eval corpora hold such copies too (FacQA: the same
sentence under two ids, differing in a space or a hyphen), so a result counts as the gold passage
when the chunk shown *or one of the copies it stands for* overlaps it. The strict figures, the
shown chunk only, are reported beside them.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from index.dates import INDONESIAN_MONTHS, INDONESIAN_WEEKDAYS
from index.knowledge_base import KnowledgeBase
from index.records import Hit, JsonRecord, Passage, as_json

PASSAGES_PER_BRIEF = 6
PASSAGES_PER_SECTION = 3
FIRST_BRIEF_DATE = date(2023, 1, 2)
PLACEMENT_FILE = "placement.json"


@dataclass(frozen=True, slots=True)
class EvalPassage:
    doc_id: str
    text: str


@dataclass(frozen=True, slots=True)
class EvalQuestion:
    qid: str
    question: str
    answers: tuple[str, ...]
    gold_doc_id: str


@dataclass(frozen=True, slots=True)
class GoldSpan:
    source: str
    start: int
    end: int

    def overlaps(self, passage: Passage) -> bool:
        return passage.source == self.source and passage.start < self.end and self.start < passage.end


def read_corpus(path: Path) -> list[EvalPassage]:
    return [EvalPassage(d["doc_id"], d["text"]) for d in _read_jsonl(path)]


def read_questions(path: Path, limit: int | None = None) -> list[EvalQuestion]:
    questions = [
        EvalQuestion(d["qid"], d["question"], tuple(d.get("answers", ())), d["gold_doc_id"]) for d in _read_jsonl(path)
    ]
    return questions[:limit] if limit else questions


def _read_jsonl(path: Path) -> Iterable[dict[str, Any]]:
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def lead_line(day: date) -> str:
    weekday = INDONESIAN_WEEKDAYS[day.weekday()]
    return f"Ringkasan berita pada hari {weekday}, {day.day} {INDONESIAN_MONTHS[day.month - 1]} {day.year}:"


def write_eval_briefs(passages: Sequence[EvalPassage], briefs_dir: Path) -> dict[str, str]:
    """Write the passages as dated multi-section briefs; returns doc_id -> brief source.

    Passages are single lines (newlines folded) so each stays one paragraph.
    """
    briefs_dir.mkdir(parents=True, exist_ok=True)
    placement: dict[str, str] = {}
    for number, first in enumerate(range(0, len(passages), PASSAGES_PER_BRIEF)):
        group = passages[first : first + PASSAGES_PER_BRIEF]
        day = FIRST_BRIEF_DATE + timedelta(days=number)
        source = f"{day.isoformat()}-ringkasan-{number:05d}.txt"
        lines = [lead_line(day)]
        for offset, passage in enumerate(group):
            if offset % PASSAGES_PER_SECTION == 0:
                lines.append(f"Bagian {offset // PASSAGES_PER_SECTION + 1}")
            lines.append(" ".join(passage.text.split()))
            placement[passage.doc_id] = source
        (briefs_dir / source).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return placement


def prepare_eval_index(
    corpus_path: Path,
    work_dir: Path,
    kb_factory: Callable[[Path, Path], KnowledgeBase],
    *,
    full: bool = False,
) -> tuple[KnowledgeBase, dict[str, GoldSpan]]:
    """Write (once) and index (incrementally: cached across runs) a corpus under `work_dir`.

    `kb_factory(briefs_dir, data_dir)` builds the KnowledgeBase, so callers choose the embedder
    and retrieval settings. `full` re-reads every brief: lexical terms are recomputed (after a
    tokenization change) while vectors come from the cache.
    """
    briefs_dir, data_dir = work_dir / "briefs", work_dir / "data"
    placement_path = work_dir / PLACEMENT_FILE
    passages = read_corpus(corpus_path)
    if placement_path.exists():
        placement = json.loads(placement_path.read_text(encoding="utf-8"))
    else:
        placement = write_eval_briefs(passages, briefs_dir)
        placement_path.write_text(json.dumps(placement), encoding="utf-8")
    kb: KnowledgeBase = kb_factory(briefs_dir, data_dir)
    kb.reindex(full=full)
    return kb, gold_spans(passages, placement, briefs_dir)


def gold_spans(passages: Sequence[EvalPassage], placement: dict[str, str], briefs_dir: Path) -> dict[str, GoldSpan]:
    """Where each passage landed, found by its text in the brief file as written."""
    texts: dict[str, str] = {}
    spans: dict[str, GoldSpan] = {}
    for passage in passages:
        source = placement[passage.doc_id]
        if source not in texts:
            texts[source] = (briefs_dir / source).read_text(encoding="utf-8")
        needle = " ".join(passage.text.split())
        start = texts[source].find(needle)
        if start >= 0:
            spans[passage.doc_id] = GoldSpan(source, start, start + len(needle))
    return spans


@dataclass(frozen=True, slots=True)
class RankMetrics(JsonRecord):
    """MRR@10 and Recall@k from each question's first relevant rank (None: not found)."""

    mrr_at_10: float = field(metadata=as_json(name="mrr@10", digits=4))
    recall_at_1: float = field(metadata=as_json(name="recall@1", digits=4))
    recall_at_5: float = field(metadata=as_json(name="recall@5", digits=4))
    recall_at_10: float = field(metadata=as_json(name="recall@10", digits=4))

    @classmethod
    def of(cls, ranks: Sequence[int | None]) -> RankMetrics:
        n = len(ranks) or 1
        found = [r for r in ranks if r is not None]
        return cls(
            mrr_at_10=sum(1 / r for r in found if r <= 10) / n,
            recall_at_1=sum(1 for r in found if r <= 1) / n,
            recall_at_5=sum(1 for r in found if r <= 5) / n,
            recall_at_10=sum(1 for r in found if r <= 10) / n,
        )


@dataclass(frozen=True, slots=True)
class RetrievalMetrics(JsonRecord):
    questions: int
    # A hit is the gold passage shown or one of its copies (its figures at the top level).
    ranking: RankMetrics = field(metadata=as_json(flatten=True))
    strict: RankMetrics  # a hit is the gold passage shown
    mean_chunk_chars: float = field(metadata=as_json(digits=1))
    p50_ms: float = field(metadata=as_json(digits=1))
    p95_ms: float = field(metadata=as_json(digits=1))


def first_relevant_rank(hits: Sequence[Hit], gold: GoldSpan | None, *, strict: bool = False) -> int | None:
    """Rank of the first hit that is the gold passage: the chunk shown, or (unless `strict`) one
    of the copies of it that the hit stands for."""
    if gold is None:
        return None
    return next(
        (
            hit.rank
            for hit in hits
            if gold.overlaps(hit) or (not strict and any(gold.overlaps(copy) for copy in hit.copies))
        ),
        None,
    )


def evaluate_retrieval(
    kb: KnowledgeBase, questions: Sequence[EvalQuestion], spans: dict[str, GoldSpan], k: int = 10
) -> RetrievalMetrics:
    ranks: list[int | None] = []
    strict_ranks: list[int | None] = []
    latencies: list[float] = []
    chunk_chars: list[int] = []
    for question in questions:
        started = time.perf_counter()
        hits = kb.search(question.question, k=k)
        latencies.append((time.perf_counter() - started) * 1000)
        gold = spans.get(question.gold_doc_id)
        ranks.append(first_relevant_rank(hits, gold))
        strict_ranks.append(first_relevant_rank(hits, gold, strict=True))
        chunk_chars.extend(len(hit.text) for hit in hits)
    return RetrievalMetrics(
        questions=len(questions),
        ranking=RankMetrics.of(ranks),
        strict=RankMetrics.of(strict_ranks),
        mean_chunk_chars=statistics.fmean(chunk_chars) if chunk_chars else 0.0,
        p50_ms=_percentile(latencies, 50),
        p95_ms=_percentile(latencies, 95),
    )


def _percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]
