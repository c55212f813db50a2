"""News questions on real daily briefs (`../shared/news`), scored by the rules of its README.

A citation matches a gold item when the two share at least 60% of the shorter one's words (words
of three letters or more, case-folded). Per kind:

- `topic_latest`: answered; a citation dated `gold_date` matches a gold item, and the first
  citation is no older than `gold_date`;
- `topic_on_day`: answered; every citation dated `gold_date`; one matches a gold item;
- `day_summary`: answered with at least 3 citations, every one dated `gold_date`, matching 3
  different gold items;
- `no_brief_day`: abstained, no citation (the reply says there is no brief for that day);
- `factual` (held-out sets only): answered; a citation, of any day, matches a gold item;
- `not_covered` (held-out sets only): abstained, no citation.

Every question is asked in a chat of its own, so no question is read as a follow-up of another.
"""

from __future__ import annotations

import json
import re
import statistics
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.engine.answering import Answerer
from bot.engine.records import Answer, Citation
from index.knowledge_base import KnowledgeBase

KINDS = ("topic_latest", "topic_on_day", "day_summary", "no_brief_day", "factual", "not_covered")
MATCH_SHARE = 0.6
_WORD = re.compile(r"\w{3,}", re.UNICODE)


@dataclass(frozen=True, slots=True)
class NewsQuestion:
    qid: str
    kind: str
    language: str
    question: str
    gold_date: str
    gold: tuple[str, ...]


def read_news_questions(path: Path) -> list[NewsQuestion]:
    questions = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            questions.append(
                NewsQuestion(
                    item["qid"],
                    item["kind"],
                    item["lang"],
                    item["question"],
                    item["gold_date"] or "",
                    tuple(item["gold"]),
                )
            )
    return questions


def _words(text: str) -> set[str]:
    return {w.casefold() for w in _WORD.findall(text)}


def matches(quote: str, gold: str) -> bool:
    a, b = _words(quote), _words(gold)
    if not a or not b:
        return False
    return len(a & b) >= MATCH_SHARE * min(len(a), len(b))


def _dated(citation: Citation) -> str | None:
    return citation.date.isoformat() if citation.date else None


def is_right(question: NewsQuestion, answer: Answer) -> bool:
    citations = answer.citations
    if question.kind == "no_brief_day":
        return answer.abstained and not citations
    if question.kind == "not_covered":
        return answer.abstained and not citations
    if answer.abstained or not citations:
        return False
    if question.kind == "factual":  # the passage that answers it, whatever its day
        return any(matches(c.quote, g) for c in citations for g in question.gold)
    on_day = [c for c in citations if _dated(c) == question.gold_date]
    matched = [c for c in on_day if any(matches(c.quote, g) for g in question.gold)]
    if question.kind == "topic_latest":
        first = _dated(citations[0]) or ""
        return bool(matched) and first >= question.gold_date
    if question.kind == "topic_on_day":
        return len(on_day) == len(citations) and bool(matched)
    if question.kind == "day_summary":
        gold_hit = {g for c in on_day for g in question.gold if matches(c.quote, g)}
        return len(citations) >= 3 and len(on_day) == len(citations) and len(gold_hit) >= 3
    raise ValueError(f"unknown kind {question.kind!r}")


@dataclass(frozen=True, slots=True)
class NewsResult:
    question: NewsQuestion
    right: bool
    ms: float
    answer: Answer


def _run_id() -> str:
    """A chat of its own per question and per run: on PostgreSQL the chats' memory outlives the
    process, and a question must never be read as the follow-up of one asked in an earlier run."""
    return uuid.uuid4().hex[:12]


def evaluate_news(answerer: Answerer, questions: Iterable[NewsQuestion]) -> list[NewsResult]:
    results = []
    run = _run_id()
    for n, question in enumerate(questions):
        started = time.perf_counter()
        answer = answerer.answer(question.question, chat_key=f"news-eval-{run}-{n}")
        ms = (time.perf_counter() - started) * 1000
        results.append(NewsResult(question, is_right(question, answer), ms, answer))
    return results


def summarize(results: Sequence[NewsResult]) -> dict[str, object]:
    """Share right per kind and language, with counts, and latency over all questions."""
    table: dict[str, dict[str, dict[str, float | int]]] = {}
    for kind in KINDS:
        for language in ("en", "id"):
            chosen = [r for r in results if r.question.kind == kind and r.question.language == language]
            if chosen:
                table.setdefault(kind, {})[language] = {
                    "questions": len(chosen),
                    "right": round(sum(r.right for r in chosen) / len(chosen), 4),
                }
    latencies = sorted(r.ms for r in results)
    p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))] if latencies else 0.0
    return {
        "kinds": table,
        "overall": round(sum(r.right for r in results) / max(1, len(results)), 4),
        "p50_ms": round(statistics.median(latencies), 1) if latencies else 0.0,
        "p95_ms": round(p95, 1),
    }


def format_table(summary: dict[str, object]) -> str:
    lines = ["| kind | en | id |", "|---|---|---|"]
    kinds = summary["kinds"]
    assert isinstance(kinds, dict)
    for kind, by_language in kinds.items():
        cells = [
            f"{by_language[lang]['right']:.2f} ({by_language[lang]['questions']})" if lang in by_language else "–"
            for lang in ("en", "id")
        ]
        lines.append(f"| {kind} | {cells[0]} | {cells[1]} |")
    lines.append(f"\noverall {summary['overall']:.3f}; latency p50 {summary['p50_ms']} ms, p95 {summary['p95_ms']} ms")
    return "\n".join(lines)


# -- questions of our own ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OwnQuestion:
    """A question labelled by hand: answered with a citation holding `cite` (or dated `date`),
    or abstained (with `reason`, when given)."""

    qid: str
    kind: str
    language: str
    question: str
    expect: str  # "answer" | "abstain"
    cite: str | None = None
    date: str | None = None
    reason: str | None = None


def read_own_questions(path: Path) -> list[OwnQuestion]:
    return [
        OwnQuestion(
            item["qid"],
            item["kind"],
            item["lang"],
            item["question"],
            item["expect"],
            item.get("cite"),
            item.get("date"),
            item.get("reason"),
        )
        for item in map(json.loads, filter(str.strip, path.read_text(encoding="utf-8").splitlines()))
    ]


def own_is_right(question: OwnQuestion, answer: Answer) -> bool:
    if question.expect == "abstain":
        return answer.abstained and not answer.citations and (question.reason in (None, answer.reason))
    if answer.abstained or not answer.citations:
        return False
    if question.date is not None:
        return all(_dated(c) == question.date for c in answer.citations)
    return any(question.cite.casefold() in c.quote.casefold() for c in answer.citations) if question.cite else True


def evaluate_own(answerer: Answerer, questions: Iterable[OwnQuestion]) -> dict[str, object]:
    """Right answers among the answerable questions, right abstentions among the others."""
    answerable = right_answers = unanswerable = right_abstentions = 0
    wrong: list[str] = []
    run = _run_id()
    for n, question in enumerate(questions):
        answer = answerer.answer(question.question, chat_key=f"own-eval-{run}-{n}")
        right = own_is_right(question, answer)
        if question.expect == "answer":
            answerable += 1
            right_answers += right
        else:
            unanswerable += 1
            right_abstentions += right
        if not right:
            wrong.append(f"{question.qid} {question.question!r} -> {answer.kind}, abstained={answer.abstained}")
    return {
        "answerable": answerable,
        "answered_right": round(right_answers / max(1, answerable), 4),
        "unanswerable": unanswerable,
        "abstained_right": round(right_abstentions / max(1, unanswerable), 4),
        "wrong": wrong,
    }


# -- timelines ---------------------------------------------------------------------------------


def evaluate_timelines(kb: KnowledgeBase, gold: dict[str, dict[str, list[str]]]) -> dict[str, object]:
    """/timeline of each gold topic, scored by `../shared/news/README`'s rule: an entry is right
    when its quote matches a gold item of its own day; precision = right entries / entries; days
    covered = days with a right entry / gold days. Each topic is asked as its label, then in
    lower case (as people type it)."""
    from bot.engine.timeline import build_timeline

    per_topic: dict[str, dict[str, float]] = {}
    totals = {"entries": 0, "right": 0, "days": 0, "covered": 0}
    for topic, days in gold.items():
        for asked in (topic, topic.lower()):
            timeline = build_timeline(kb, asked)
            right = [
                e for e in timeline.entries if any(matches(e.citation.quote, g) for g in days.get(str(e.date), []))
            ]
            covered = {str(e.date) for e in right}
            totals["entries"] += len(timeline.entries)
            totals["right"] += len(right)
            totals["days"] += len(days)
            totals["covered"] += len(covered)
            per_topic[asked] = {
                "entries": len(timeline.entries),
                "precision": round(len(right) / max(1, len(timeline.entries)), 3),
                "days_covered": round(len(covered) / max(1, len(days)), 3),
            }
    return {
        "topics": len(gold),
        "precision": round(totals["right"] / max(1, totals["entries"]), 4),
        "days_covered": round(totals["covered"] / max(1, totals["days"]), 4),
        "per_topic": per_topic,
    }
