"""SQL pieces the writer and the search share: literal tsvectors and tsqueries of the project's own
terms, the manifest, the chunk indexes' one-time bulk build, and small helpers.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime

import psycopg
import psycopg.sql

from index.embeddings import EmbedderInfo
from index.errors import StoreUnavailableError
from index.stores.postgres.schema import CHUNK_EMBEDDING_INDEX, CHUNK_TERMS_INDEX, VECTOR_DIMENSION

MAX_LEXEME_BYTES = 2000  # PostgreSQL refuses longer lexemes (2047)
# Memory for that build: pgvector's HNSW build is fastest when its graph fits (about 2.5 GB per
# million 384-dimension vectors); with less it still completes, more slowly.
BULK_BUILD_MEMORY = "3GB"


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
def chunk_indexes_built_after(conn: psycopg.Connection, *, bulk: bool) -> Iterator[None]:
    """With `bulk`, the chunks' HNSW and GIN indexes are dropped before the rows go in and built
    once after, inside the caller's transaction: a crash leaves the old ones. Only for an empty
    (or truncated) table: the dropped index locks the table until commit."""
    if bulk:
        conn.execute("DROP INDEX chunks_embedding")
        conn.execute("DROP INDEX chunks_terms")
    yield
    if bulk:
        conn.execute(
            psycopg.sql.SQL("SET LOCAL maintenance_work_mem = {}").format(psycopg.sql.Literal(BULK_BUILD_MEMORY))
        )
        conn.execute(CHUNK_TERMS_INDEX)
        conn.execute(CHUNK_EMBEDDING_INDEX)


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
