"""Answer latency at the size of the real daily-brief series: prints numbers, judges nothing.

Indexes `../shared/news/briefs` (109 days; incremental, so a second run embeds nothing), then
asks every news question (`questions.jsonl`) and the hand-labelled ones
(`benchmarks/news_own_questions.jsonl`) through the bot's own `Answerer`, each in a chat of its
own, once each after a short warm-up on other questions (a question's vector is cached, so a
repeated question would measure the cache), and prints p50 / p95 per question kind and overall.

    .venv/bin/python benchmarks/bench_answers.py
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.engine.answering import Answerer
from bot.evaluation.news import read_news_questions, read_own_questions
from index.knowledge_base import KnowledgeBase

ROOT = Path(__file__).resolve().parents[1]
WARM_UP = (
    "What happened in Peru?",
    "Berita terbaru tentang Jepang",
    "Siapa presiden Prancis?",
    "News of December 1, 2025",
)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--news-dir", type=Path, default=ROOT.parent / "shared" / "news")
    parser.add_argument("--work-dir", type=Path, default=ROOT / ".cache" / "news-eval")
    args = parser.parse_args()

    kb = KnowledgeBase(args.news_dir / "briefs", args.work_dir / "data")
    report = kb.reindex()
    answerer = Answerer(kb)
    questions = [(q.kind, q.question) for q in read_news_questions(args.news_dir / "questions.jsonl")]
    questions += [
        (f"own:{q.kind}", q.question) for q in read_own_questions(ROOT / "benchmarks" / "news_own_questions.jsonl")
    ]
    for question in WARM_UP:  # the model, SQLite's pages; questions not measured below
        answerer.answer(question)
    latencies: dict[str, list[float]] = defaultdict(list)
    for n, (kind, question) in enumerate(questions):
        started = time.perf_counter()
        answerer.answer(question, chat_key=f"bench-{n}")
        latencies[kind].append((time.perf_counter() - started) * 1000)
    everything = [ms for values in latencies.values() for ms in values]
    result = {
        "briefs": report.briefs_total,
        "chunks": report.chunks_total,
        "questions": len(questions),
        "overall": {
            "p50_ms": round(statistics.median(everything), 1),
            "p95_ms": round(percentile(everything, 0.95), 1),
        },
        "by_kind": {
            kind: {"p50_ms": round(statistics.median(v), 1), "p95_ms": round(percentile(v, 0.95), 1), "n": len(v)}
            for kind, v in sorted(latencies.items())
        },
    }
    print(json.dumps(result, indent=2))
    kb.close()


if __name__ == "__main__":
    main()
