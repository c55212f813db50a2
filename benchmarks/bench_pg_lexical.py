"""BM25 top 10 inside PostgreSQL, impact-ordered postings + threshold algorithm
(`index.stores.postgres.lexical`), against the exact BM25 of every match: prints numbers.

The chunks and questions of bench_lexical.py, in a bare chunks table (terms tsvector + length)
of a PostgreSQL started here (scripts/local_postgres.py) or DATABASE_URL's.

    python benchmarks/bench_pg_lexical.py --chunks 100000 [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psycopg

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.bench_lexical import corpus_terms, questions, recall
from index.stores.postgres.lexical import (
    BLOCKS_BY_IMPACT,
    BLOCKS_TABLE,
    Collection,
    fill_blocks_sql,
    fill_parameters,
    idf,
    top_k,
)
from index.stores.postgres.search_view import tsquery_literal
from index.stores.postgres.sql import tsvector_literal


def build(conn: psycopg.Connection, docs: list[list[str]]) -> tuple[float, float]:
    started = time.perf_counter()
    conn.execute("DROP TABLE IF EXISTS lexical_postings, lexical_blocks, term_stats, chunks CASCADE")
    conn.execute(
        "CREATE TABLE chunks (chunk_id bigint PRIMARY KEY, terms tsvector NOT NULL, term_count integer NOT NULL)"
    )
    with conn.cursor().copy("COPY chunks (chunk_id, terms, term_count) FROM STDIN") as copy:
        for i, terms in enumerate(docs, start=1):
            copy.write_row((i, tsvector_literal(terms), len(terms)))
    conn.execute(BLOCKS_TABLE)
    avgdl = sum(len(t) for t in docs) / len(docs)
    conn.execute("SET work_mem = '512MB'")
    conn.execute(fill_blocks_sql("true"), fill_parameters(avgdl))
    conn.execute(BLOCKS_BY_IMPACT)
    conn.execute(
        "CREATE TABLE term_stats AS SELECT u.lexeme, count(*)::int AS df FROM chunks c "
        "CROSS JOIN LATERAL unnest(c.terms) AS u GROUP BY u.lexeme"
    )
    conn.execute("ALTER TABLE term_stats ADD PRIMARY KEY (lexeme)")
    conn.execute("VACUUM ANALYZE lexical_blocks")
    return time.perf_counter() - started, avgdl


def exact_all(
    conn: psycopg.Connection, terms: list[str], counts: dict[str, int], n_docs: int, avgdl: float
) -> dict[int, float]:
    weights = {t: idf(n_docs, counts.get(t, 0)) for t in terms}
    rows = conn.execute(
        "SELECT c.chunk_id, u.lexeme, cardinality(u.positions), c.term_count FROM chunks c "
        "CROSS JOIN LATERAL unnest(c.terms) AS u WHERE c.terms @@ %s::tsquery AND u.lexeme = ANY(%s)",
        (tsquery_literal(terms), terms),
    ).fetchall()
    scores: dict[int, float] = {}
    for chunk_id, lexeme, tf, length in rows:
        scores[chunk_id] = scores.get(chunk_id, 0.0) + weights[lexeme] * tf * 2.2 / (
            tf + 1.2 * (0.25 + 0.75 * length / avgdl)
        )
    return scores


def run(url: str, total: int) -> dict[str, object]:
    docs = corpus_terms(total)
    asked = questions()
    with psycopg.connect(url, autocommit=True) as conn:
        build_s, avgdl = build(conn, docs)
        conn.execute("CREATE INDEX chunks_terms ON chunks USING gin (terms)")
        size = conn.execute("SELECT pg_total_relation_size('lexical_blocks')").fetchone()[0]
        stats = Collection(total, avgdl, avgdl)
        times, recalls, depths, proven = [], [], [], 0
        for terms in asked:
            t0 = time.perf_counter()
            counts = dict(conn.execute("SELECT lexeme, df FROM term_stats WHERE lexeme = ANY(%s)", (terms,)).fetchall())
            found = top_k(conn, terms, 10, counts, stats)
            times.append((time.perf_counter() - t0) * 1000)
            exact = exact_all(conn, terms, counts, total, avgdl)
            recalls.append(recall(list(found.scores), exact))
            depths.append(found.depth)
            proven += found.proven
    return {
        "engine": "postgres-impact-postings",
        "chunks": total,
        "build_s": round(build_s, 1),
        "blocks_mb": round(size / 1e6, 1),
        "top10_p50_ms": round(float(np.percentile(times, 50)), 2),
        "top10_p95_ms": round(float(np.percentile(times, 95)), 2),
        "top10_max_ms": round(max(times), 2),
        "recall_at_10": round(statistics.mean(recalls), 4),
        "proven": f"{proven}/{len(asked)}",
        "depth_p95": int(np.percentile(depths, 95)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunks", type=int, nargs="+", default=[100_000])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    server = None
    url = os.environ.get("DATABASE_URL")
    if not url:
        from scripts.local_postgres import LocalPostgres

        server = LocalPostgres(Path(tempfile.mkdtemp(prefix="bench-pg-lexical-")), fast=True, shared_buffers="1GB")
        url = server.start()
    try:
        for total in args.chunks:
            row = run(url, total)
            print(json.dumps(row) if args.json else " | ".join(f"{k}={v}" for k, v in row.items()), flush=True)
    finally:
        if server is not None:
            server.stop()
            shutil.rmtree(server.root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
