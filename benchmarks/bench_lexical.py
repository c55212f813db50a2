"""Lexical engines side by side at N chunks: prints numbers, judges nothing.

N chunks made of the eval corpora's real paragraphs (copies get one extra word of their own, as in
bench_scale.py), their terms from `lexical_terms`; the eval questions (both sets, valid) asked as
an OR of their terms. For each engine: build seconds, size on disk, top-10 p50 / p95 (ms), and
recall@10 against FTS5's exact BM25 (a hit counts when its exact score reaches the exact 10th's:
copies tie, and which of equals an engine returns is arbitrary).

    python benchmarks/bench_lexical.py --chunks 100000 200000 [--json]

Engines: FTS5 as the store used it (every match's BM25, top 10 picked in Python); FTS5
`ORDER BY bm25 LIMIT 10`; tantivy proposing its top 100, rescored with FTS5's formula
(`index.text.bm25`) from the candidates' stored terms (what the store does now).
"""

from __future__ import annotations

import argparse
import heapq
import json
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from index.evaluation import read_corpus, read_questions
from index.stores.sqlite.lexical_index import LexicalDoc, LexicalIndex, write_generation
from index.text import bm25
from index.text.terms import lexical_terms

EVAL_DIR = REPO.parent / "shared" / "eval"
CHUNKS_PER_BRIEF = 100
PROPOSED = 100  # tantivy's candidates per question, rescored exactly


def corpus_terms(total: int, seed: int = 0) -> list[list[str]]:
    paragraphs = [p.text for name in ("facqa-id", "tydiqa-id") for p in read_corpus(EVAL_DIR / name / "corpus.jsonl")]
    terms = [lexical_terms(text) for text in paragraphs]
    picks = np.random.default_rng(seed).integers(0, len(paragraphs), size=total)
    return [[*terms[int(p)], "salin", str(i)] for i, p in enumerate(picks)]


def questions(limit: int = 100) -> list[list[str]]:
    asked = [
        q.question
        for name in ("facqa-id", "tydiqa-id")
        for q in read_questions(EVAL_DIR / name / "valid.jsonl", limit=limit)
    ]
    return [t for t in (list(dict.fromkeys(lexical_terms(q))) for q in asked) if t]


def expression(terms: list[str]) -> str:
    return " OR ".join(f'"{t}"' for t in terms)


def percentile(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)), 2)


def run(total: int) -> list[dict[str, object]]:
    docs = corpus_terms(total)
    asked = questions()
    folder = Path(tempfile.mkdtemp(prefix="bench-lexical-"))
    rows: list[dict[str, object]] = []
    try:
        started = time.perf_counter()
        conn = sqlite3.connect(folder / "fts.sqlite3")
        conn.execute("CREATE VIRTUAL TABLE f USING fts5(terms, tokenize = 'unicode61')")
        conn.executemany(
            "INSERT INTO f (rowid, terms) VALUES (?, ?)", ((i + 1, " ".join(t)) for i, t in enumerate(docs))
        )
        conn.commit()
        fts_build = time.perf_counter() - started
        fts_size = (folder / "fts.sqlite3").stat().st_size

        started = time.perf_counter()
        stamp = write_generation(
            folder,
            1,
            previous=None,
            added=(
                LexicalDoc(i + 1, 1 + i // CHUNKS_PER_BRIEF, f"b{i // CHUNKS_PER_BRIEF}", t) for i, t in enumerate(docs)
            ),
        )
        tantivy_build = time.perf_counter() - started
        tantivy_size = sum(p.stat().st_size for p in (folder / "lexical").rglob("*") if p.is_file())
        index = LexicalIndex.open(folder, 1)

        exact: list[dict[int, float]] = []
        times: dict[str, list[float]] = {"fts5-all-matches": [], "fts5-order-limit": [], "tantivy+rescore": []}
        found: dict[str, list[list[int]]] = {name: [] for name in times}
        for terms in asked:
            t0 = time.perf_counter()
            every = {
                int(r[0]): -float(r[1])
                for r in conn.execute("SELECT rowid, bm25(f) FROM f WHERE f MATCH ?", (expression(terms),))
            }
            found["fts5-all-matches"].append(heapq.nlargest(10, every, key=every.__getitem__))
            times["fts5-all-matches"].append((time.perf_counter() - t0) * 1000)
            exact.append(every)

            t0 = time.perf_counter()
            found["fts5-order-limit"].append(
                [
                    int(r[0])
                    for r in conn.execute(
                        "SELECT rowid FROM f WHERE f MATCH ? ORDER BY bm25(f) LIMIT 10", (expression(terms),)
                    )
                ]
            )
            times["fts5-order-limit"].append((time.perf_counter() - t0) * 1000)

            t0 = time.perf_counter()
            proposed = index.top(terms, PROPOSED)
            marks = ",".join("?" * len(proposed))
            stored = (
                {
                    int(r[0]): r[1].split()
                    for r in conn.execute(f"SELECT rowid, terms FROM f WHERE rowid IN ({marks})", proposed)
                }
                if proposed
                else {}
            )
            scores = bm25.scores(terms, stored, stamp.docs, index.doc_counts(terms), index.average_length)
            found["tantivy+rescore"].append(heapq.nlargest(10, scores, key=scores.__getitem__))
            times["tantivy+rescore"].append((time.perf_counter() - t0) * 1000)
        conn.close()

        for name, latencies in times.items():
            tantivy = name.startswith("tantivy")
            rows.append(
                {
                    "engine": name,
                    "chunks": total,
                    "build_s": round(tantivy_build if tantivy else fts_build, 1),
                    "disk_mb": round((tantivy_size if tantivy else fts_size) / 1e6, 1),
                    "top10_p50_ms": percentile(latencies, 50),
                    "top10_p95_ms": percentile(latencies, 95),
                    "top10_max_ms": round(max(latencies), 2),
                    "recall_at_10": round(statistics.mean(recall(f, e) for f, e in zip(found[name], exact)), 4),
                }
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return rows


def recall(found: list[int], exact: dict[int, float]) -> float:
    """Share of the exact top 10 that `found` reaches, counting ties with the 10th as equals."""
    best = heapq.nlargest(10, exact.values())
    if not best:
        return 1.0
    floor = best[-1] - 1e-9
    return min(1.0, sum(1 for c in found if exact.get(c, -1.0) >= floor) / len(best))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunks", type=int, nargs="+", default=[100_000, 200_000])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    for total in args.chunks:
        for row in run(total):
            print(json.dumps(row) if args.json else " | ".join(f"{k}={v}" for k, v in row.items()), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
