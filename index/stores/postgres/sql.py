"""SQL pieces the writer and the search share: literal tsvectors and tsqueries of the project's own
terms, the manifest, the chunk indexes' one-time bulk build, and small helpers.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime

import psycopg
import psycopg.sql

from index.embeddings import EmbedderInfo
from index.errors import StoreUnavailableError
from index.stores.postgres.schema import (
    CHUNK_EMBEDDING_INDEX,
    CHUNK_EMBEDDING_IVF_INDEX,
    CHUNK_TERMS_INDEX,
    VECTOR_DIMENSION,
)

MAX_LEXEME_BYTES = 2000  # PostgreSQL refuses longer lexemes (2047)
# Memory for that build: pgvector's HNSW build is fastest when its graph fits (about 2.5 GB per
# million 384-dimension vectors); with less it still completes, more slowly.
BULK_BUILD_MEMORY = "3GB"
# The dense index by collection size. HNSW (m 16, ef_construction 64) loses whole clusters of
# near-copies at a million chunks: bench_scale.py's 1,200 paragraphs in ~830 noisy copies each,
# recall@10 0.92 at ef_search 800 and 1000 alike, the missed questions' true top 10 all copies of
# a paragraph the graph never reached. pgvector's inverted file (ivfflat, 2·√N lists, `ivf_probes`
# probed) keeps copies in the same lists: recall@10 0.998 at 20 probes, 8 / 12.5 ms p50 / p95,
# built in 2 minutes (2,000 lists, one million chunks, 2026-12-04). Like FAISS's
# (`index/stores/faiss_vectors.py`): HNSW below IVF_MIN_CHUNKS, an inverted file above, kept
# until the collection shrinks to half that or its lists are RETRAIN_FACTOR off the size's.
IVF_MIN_CHUNKS = 100_000
RETRAIN_FACTOR = 4
# Lists probed: as many as hold about IVF_SCAN_VECTORS vectors (a search's cost), at least
# IVF_MIN_PROBES. bench_scale.py: at a million chunks (2,000 lists) 8 or 12 probes keep recall@10
# at 0.998 where 20 did, in half the time (4-6 ms p50); at 200,000 (894 lists) 12 probes fell
# to 0.972 where 20 kept 0.994: the same number of vectors scanned, not of lists, holds recall.
IVF_SCAN_VECTORS = 5_000
IVF_MIN_PROBES = 8


def ivf_lists(total: int) -> int:
    return max(1, int(2 * math.sqrt(total)))


def ivf_probes(total: int) -> int:
    """Lists an inverted-file search of a `total`-chunk collection probes."""
    lists = ivf_lists(total)
    return min(lists, max(IVF_MIN_PROBES, math.ceil(IVF_SCAN_VECTORS * lists / max(1, total))))


def dense_index_sql(total: int) -> str:
    """The `chunks_embedding` index for a collection of `total` chunks."""
    if total >= IVF_MIN_CHUNKS:
        return CHUNK_EMBEDDING_IVF_INDEX.format(lists=ivf_lists(total))
    return CHUNK_EMBEDDING_INDEX


def dense_index_suits(method: str, lists: int, total: int) -> bool:
    """Whether the index (access method `method`, with `lists` lists if an inverted file) is still
    the right one for `total` chunks."""
    if method != "ivfflat":
        return total < IVF_MIN_CHUNKS
    if total < IVF_MIN_CHUNKS // 2:  # hysteresis: no flip-flopping around the threshold
        return False
    wanted = ivf_lists(total)
    return wanted / RETRAIN_FACTOR <= lists <= wanted * RETRAIN_FACTOR


def dense_index(conn: psycopg.Connection) -> tuple[str, int]:
    """(access method, lists) of `chunks_embedding`; lists 0 for HNSW, ("", 0) when missing."""
    row = conn.execute(
        "SELECT am.amname, coalesce(array_to_string(c.reloptions, ','), '') FROM pg_class c "
        "JOIN pg_am am ON am.oid = c.relam WHERE c.oid = to_regclass('chunks_embedding')"
    ).fetchone()
    if not row:
        return "", 0
    options = dict(option.split("=", 1) for option in str(row[1]).split(",") if "=" in option)
    return str(row[0]), int(options.get("lists", 0))


def rebuild_dense_index_if_needed(conn: psycopg.Connection, total: int) -> bool:
    """Inside the writer's transaction, once its rows are in: replaces `chunks_embedding` when the
    collection has crossed to another kind of index (or outgrown its lists). Rare (at 100,000
    chunks, then at each fourfold growth); searches wait for it, as for a first fill."""
    method, lists = dense_index(conn)
    if method and dense_index_suits(method, lists, total):
        return False
    conn.execute("DROP INDEX IF EXISTS chunks_embedding")
    conn.execute(psycopg.sql.SQL("SET LOCAL maintenance_work_mem = {}").format(psycopg.sql.Literal(BULK_BUILD_MEMORY)))
    conn.execute(dense_index_sql(total))
    return True


def quote_lexeme(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_literal(terms: Sequence[str]) -> str:
    """A tsvector of exactly `terms` with their positions (no parser, no dictionary in between):
    `'drone':3,9 'rusia':4`."""
    positions: dict[str, list[int]] = {}
    for position, term in enumerate(terms, start=1):
        if len(term.encode()) <= MAX_LEXEME_BYTES:
            positions.setdefault(term, []).append(min(position, 16383))
    return " ".join(f"{quote_lexeme(t)}:{','.join(map(str, p[:256]))}" for t, p in positions.items())


@contextmanager
def chunk_indexes_built_after(conn: psycopg.Connection, *, bulk: bool, total: int = 0) -> Iterator[None]:
    """With `bulk`, the chunks' dense and GIN indexes are dropped before the rows go in and built
    once after (the dense one for `total` chunks), inside the caller's transaction: a crash leaves
    the old ones. Only for an empty (or truncated) table: the dropped index locks the table until
    commit."""
    if bulk:
        conn.execute("DROP INDEX chunks_embedding")
        conn.execute("DROP INDEX chunks_terms")
    yield
    if bulk:
        conn.execute(
            psycopg.sql.SQL("SET LOCAL maintenance_work_mem = {}").format(psycopg.sql.Literal(BULK_BUILD_MEMORY))
        )
        conn.execute(CHUNK_TERMS_INDEX)
        conn.execute(dense_index_sql(total))


def has_chunks(conn: psycopg.Connection) -> bool:
    row = conn.execute("SELECT EXISTS (SELECT 1 FROM chunks)").fetchone()
    return bool(row and row[0])


def set_manifest(conn: psycopg.Connection, values: dict[str, str]) -> None:
    with conn.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO manifest (key, value) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            list(values.items()),
        )


def check_dimension(embedder: EmbedderInfo) -> None:
    if embedder.dimension != VECTOR_DIMENSION:
        raise StoreUnavailableError(dimension_message(embedder.dimension))


def dimension_message(dimension: int) -> str:
    return (
        f"The PostgreSQL store holds {VECTOR_DIMENSION}-dimension vectors; this embedder gives "
        f"{dimension}. Use a {VECTOR_DIMENSION}-dimension embedder, or the SQLite store."
    )


def now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
