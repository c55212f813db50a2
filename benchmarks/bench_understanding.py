"""What reading a question costs: `understand()` per question (date reader, topic catalogue,
intent model), p50 / p95 in ms. Prints numbers, judges nothing.

Two figures per run:
- `own`: the reading alone, with the topic's embedding already made. A topic read by meaning
  embeds the topic's words, and retrieval then searches with exactly those words, so that
  embedding is shared with the search that follows, not added by the reading.
- `with_embedding`: the first reading of each question, its topic embedding included.

    python benchmarks/bench_understanding.py                       # ../shared/news, indexed once
    python benchmarks/bench_understanding.py --questions benchmarks/news_heldout/tune.jsonl
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.engine.intent import default_model
from bot.engine.topics import catalogue_for
from bot.engine.understanding import understand
from index.knowledge_base import KnowledgeBase


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--news-dir", type=Path, default=REPO.parent / "shared" / "news")
    parser.add_argument("--work-dir", type=Path, default=REPO / ".cache" / "news-eval")
    parser.add_argument("--questions", type=Path, nargs="*", default=None)
    args = parser.parse_args()
    files = args.questions or [args.news_dir / "questions.jsonl", REPO / "benchmarks" / "news_heldout" / "tune.jsonl"]
    questions = [json.loads(line)["question"] for f in files for line in f.read_text().splitlines() if line.strip()]

    kb = KnowledgeBase(args.news_dir / "briefs", args.work_dir / "data")
    kb.reindex()
    catalogue = catalogue_for(kb)
    catalogue.wait_for_vectors()
    default_model()
    newest = kb.brief_dates()[0]

    first: list[float] = []
    for question in questions:
        started = time.perf_counter()
        understand(question, reference=newest, topics=catalogue)
        first.append((time.perf_counter() - started) * 1000)
    own: list[float] = []
    for question in questions:
        started = time.perf_counter()
        understand(question, reference=newest, topics=catalogue)
        own.append((time.perf_counter() - started) * 1000)
    kb.close()
    print(
        json.dumps(
            {
                "questions": len(questions),
                "labels": len(catalogue.labels),
                "own_p50_ms": round(statistics.median(own), 2),
                "own_p95_ms": round(percentile(own, 0.95), 2),
                "with_embedding_p50_ms": round(statistics.median(first), 2),
                "with_embedding_p95_ms": round(percentile(first, 0.95), 2),
            }
        )
    )


if __name__ == "__main__":
    main()
