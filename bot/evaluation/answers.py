"""Answer quality on `../shared/eval`, through the same Answerer the bot uses.

For each dataset: its questions against its own index (answers should contain a gold answer
string, cite the gold passage first, and not abstain) and against the other dataset's index
(where the briefs don't cover them: the answerer should abstain). `calibrate` fits the
relevance decision of `bot/engine/abstention.py` on the same two kinds of questions.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from bot.engine.abstention import FEATURES, assess
from bot.engine.answering import RETRIEVED, Answerer
from bot.engine.records import Answer
from index.evaluation import EvalQuestion, GoldSpan
from index.knowledge_base import KnowledgeBase
from index.records import JsonRecord, as_json
from index.text.matching import content_terms

# The share of each eval set's own train questions the fitted decision must answer: the target
# is 95% on valid, and a little headroom keeps it there on unseen questions.
CALIBRATION_ANSWER_RATE = 0.97


@dataclass(frozen=True, slots=True)
class AnswerMetrics(JsonRecord):
    questions: int
    # Share of questions whose answer text contains a gold answer string.
    gold_in_answer: float = field(metadata=as_json(digits=4))
    # Share whose citation [1] overlaps the gold passage.
    first_citation_on_gold: float = field(metadata=as_json(digits=4))
    # Share of in-corpus questions answered (not abstained).
    answered: float = field(metadata=as_json(digits=4))
    # Mean answer length, to keep "gold in answer" honest.
    mean_answer_chars: float = field(metadata=as_json(digits=1))
    out_of_corpus_questions: int
    # Share of the other dataset's questions answered here.
    out_of_corpus_answered: float = field(metadata=as_json(digits=4))
    p50_ms: float = field(metadata=as_json(digits=1))
    p95_ms: float = field(metadata=as_json(digits=1))


def contains_gold(answer: Answer, gold_answers: Sequence[str]) -> bool:
    """Case-insensitive, with runs of whitespace counted as one space (the eval briefs fold a
    passage's whitespace when they are written)."""
    text = _fold(answer.text)
    return any(_fold(gold) in text for gold in gold_answers if gold.strip())


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def evaluate_answers(
    answerer: Answerer,
    questions: Sequence[EvalQuestion],
    spans: dict[str, GoldSpan],
    out_of_corpus: Answerer,
    foreign_questions: Sequence[EvalQuestion],
) -> AnswerMetrics:
    """`questions` asked of `answerer` (their own corpus), `foreign_questions` of `out_of_corpus`."""
    gold_hits = first_on_gold = answered = 0
    lengths: list[int] = []
    latencies: list[float] = []
    for question in questions:
        started = time.perf_counter()
        answer = answerer.answer(question.question)
        latencies.append((time.perf_counter() - started) * 1000)
        if answer.abstained:
            continue
        answered += 1
        lengths.append(len(answer.text))
        gold_hits += contains_gold(answer, question.answers)
        gold = spans.get(question.gold_doc_id)
        first = answer.citations[0] if answer.citations else None
        first_on_gold += bool(
            gold and first and first.source == gold.source and first.start < gold.end and gold.start < first.end
        )
    foreign_answered = sum(not out_of_corpus.answer(q.question).abstained for q in foreign_questions)
    n = len(questions) or 1
    return AnswerMetrics(
        questions=len(questions),
        gold_in_answer=gold_hits / n,
        first_citation_on_gold=first_on_gold / n,
        answered=answered / n,
        mean_answer_chars=statistics.fmean(lengths) if lengths else 0.0,
        out_of_corpus_questions=len(foreign_questions),
        out_of_corpus_answered=foreign_answered / (len(foreign_questions) or 1),
        p50_ms=_percentile(latencies, 50),
        p95_ms=_percentile(latencies, 95),
    )


def _named_weights(weights: Sequence[float]) -> dict[str, float]:
    return dict(zip(FEATURES, (round(w, 2) for w in weights), strict=True))


@dataclass(frozen=True, slots=True)
class Calibration(JsonRecord):
    # In the order of bot.engine.abstention.FEATURES; written as the constants to paste there.
    weights: tuple[float, ...] = field(metadata=as_json(name="WEIGHTS", write=_named_weights))
    bias: float = field(metadata=as_json(name="BIAS", digits=2))
    in_corpus_answered: float = field(metadata=as_json(digits=4))  # on the questions it was fitted on
    out_of_corpus_answered: float = field(metadata=as_json(digits=4))


def relevance_features(kb: KnowledgeBase, questions: Sequence[EvalQuestion]) -> np.ndarray:
    """`Relevance.features` of each question against `kb`, as `bot.engine.abstention.assess` sees them."""
    rows = [
        assess(q.question, content_terms(q.question), kb.search(q.question, k=RETRIEVED)).features for q in questions
    ]
    return np.asarray(rows, dtype=np.float64).reshape(-1, len(FEATURES))


def calibrate(
    covered_parts: Sequence[np.ndarray],
    not_covered_parts: Sequence[np.ndarray],
    answer_rate: float = CALIBRATION_ANSWER_RATE,
) -> Calibration:
    """Logistic regression of covered (1) vs not covered (0) questions on the relevance
    features, each given as feature rows per dataset; then the bias is moved so that every
    dataset answers at least `answer_rate` of its own questions: missing an answer the briefs
    have costs more than the odd answer from a loosely related passage."""
    covered, not_covered = np.vstack(covered_parts), np.vstack(not_covered_parts)
    x = np.vstack([covered, not_covered])
    y = np.concatenate([np.ones(len(covered)), np.zeros(len(not_covered))])
    weights = _fit_logistic(x, y)
    bias = max(-float(np.quantile(part @ weights[1:], 1.0 - answer_rate)) for part in covered_parts)
    return Calibration(
        weights=tuple(float(w) for w in weights[1:]),
        bias=bias,
        in_corpus_answered=float(np.mean(covered @ weights[1:] + bias >= 0)),
        out_of_corpus_answered=float(np.mean(not_covered @ weights[1:] + bias >= 0)),
    )


def _fit_logistic(x: np.ndarray, y: np.ndarray, iterations: int = 50, ridge: float = 1e-3) -> np.ndarray:
    """[bias, weights...] by Newton's method; the small ridge keeps separable data finite."""
    design = np.hstack([np.ones((len(x), 1)), x])
    beta = np.zeros(design.shape[1])
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(design @ beta)))
        gradient = design.T @ (y - p) - ridge * beta
        hessian = (design * (p * (1 - p))[:, None]).T @ design + ridge * np.eye(len(beta))
        step = np.linalg.solve(hessian, gradient)
        beta += step
        if np.max(np.abs(step)) < 1e-8:
            break
    return beta


def _percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]
