"""`briefbot copy --to postgresql://...`: an existing data folder (SQLite + FAISS) into PostgreSQL,
without embedding anything again.

Briefs, chunks (with their ids, so passage buttons already sent keep opening), the lexical terms,
the vectors and the manifest are copied in one transaction: the target shows its previous content
or the whole copy, never part of it.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index.errors import StoreUnavailableError
from index.faults import crash_point
from index.records import JsonRecord, as_json
from index.stores.postgres.connection import connect, migrate, redact_url
from index.stores.postgres.lexical import write_blocks
from index.stores.postgres.schema import TERM_STATS_FROM_ALL_CHUNKS, VECTOR_DIMENSION
from index.stores.postgres.sql import chunk_indexes_built_after, tsvector_literal
from index.stores.postgres.store import BULK_BUILD_MIN_CHUNKS
from index.stores.sqlite import CATALOG_FILE, Catalog


@dataclass(frozen=True, slots=True)
class CopyReport(JsonRecord):
    briefs: int
    chunks: int
    vectors: int
    seconds: float = field(metadata=as_json(digits=3))
    target: str  # the target URL, password redacted


def copy_to_postgres(data_dir: Path, target_url: str) -> CopyReport:
    """Replace what the target database holds with the data folder's index."""
    started = time.perf_counter()
    if not (data_dir / CATALOG_FILE).exists():
        raise StoreUnavailableError(f"{data_dir} holds no index: run `briefbot index` first.")
    catalog = Catalog(data_dir)
    try:
        with catalog.snapshot() as source:
            meta = catalog.meta(source)
            embedder = json.loads(meta.get("embedder", "{}"))
            if embedder and int(embedder.get("dimension", VECTOR_DIMENSION)) != VECTOR_DIMENSION:
                raise StoreUnavailableError(
                    f"The index holds {embedder.get('dimension')}-dimension vectors; the PostgreSQL "
                    f"store holds {VECTOR_DIMENSION}."
                )
            briefs = source.execute(
                "SELECT brief_id, source, title, date, language, url, content_hash, chunk_count, "
                "indexed_at, text FROM briefs"
            ).fetchall()
            chunks = source.execute(
                'SELECT c.chunk_id, c.brief_id, b.date, c.ordinal, c.section, c.paragraphs, c.start, c."end", '
                "c.text, c.embed_hash, f.terms FROM chunks c JOIN briefs b USING (brief_id) "
                "LEFT JOIN chunks_fts f ON f.rowid = c.chunk_id ORDER BY c.chunk_id"
            ).fetchall()
            vectors = source.execute(
                "SELECT embed_hash, vector FROM vector_cache WHERE embed_hash IN (SELECT embed_hash FROM chunks)"
            ).fetchall()
    finally:
        catalog.close()

    migrate(target_url)
    conn = connect(target_url)
    try:
        # A big copy builds the HNSW and GIN indexes once, after the rows (not row by row).
        bulk = len(chunks) >= BULK_BUILD_MIN_CHUNKS
        with conn.transaction(), chunk_indexes_built_after(conn, bulk=bulk):
            conn.execute("TRUNCATE briefs, chunks, vector_cache, term_stats")
            with conn.cursor().copy("COPY vector_cache (embed_hash, embedding) FROM STDIN") as copy:
                for embed_hash, blob in vectors:
                    copy.write_row((embed_hash, _vector_text(np.frombuffer(blob, dtype=np.float32))))
            with conn.cursor().copy(
                "COPY briefs (brief_id, source, title, date, language, url, content_hash, chunk_count, "
                "indexed_at, text) FROM STDIN"
            ) as copy:
                for row in briefs:
                    copy.write_row(tuple(row))
            term_total = 0
            with conn.cursor().copy(
                "COPY chunks (chunk_id, brief_id, brief_date, ordinal, section, paragraphs, start_offset, "
                "end_offset, text, embed_hash, embedding, terms, term_count) FROM STDIN"
            ) as copy:
                by_hash = {h: blob for h, blob in vectors}
                for row in chunks:
                    terms = (row["terms"] or "").split()
                    term_total += len(terms)
                    copy.write_row(
                        (
                            row["chunk_id"],
                            row["brief_id"],
                            row["date"],
                            row["ordinal"],
                            row["section"],
                            json.loads(row["paragraphs"]),
                            row["start"],
                            row["end"],
                            row["text"],
                            row["embed_hash"],
                            _vector_text(np.frombuffer(by_hash[row["embed_hash"]], dtype=np.float32)),
                            tsvector_literal(terms),
                            len(terms),
                        )
                    )
            conn.execute(TERM_STATS_FROM_ALL_CHUNKS)
            lexical = write_blocks(conn, [], 0, rebuild=True)  # BM25's posting blocks, all anew
            conn.execute(
                "SELECT setval(pg_get_serial_sequence('chunks', 'chunk_id'), "
                "greatest((SELECT max(chunk_id) FROM chunks), 1))"
            )
            crash_point("copy-written")
            current = conn.execute("SELECT value FROM manifest WHERE key = 'generation' FOR UPDATE").fetchone()
            manifest = {
                **{k: v for k, v in meta.items() if k not in ("generation", "schema_version")},
                "generation": str(int(current[0] if current else 0) + 1),
                "chunk_count": str(len(chunks)),
                "term_total": str(term_total),
                **lexical,
            }
            with conn.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO manifest (key, value) VALUES (%s, %s) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    list(manifest.items()),
                )
    finally:
        conn.close()
    return CopyReport(len(briefs), len(chunks), len(vectors), time.perf_counter() - started, redact_url(target_url))


def _vector_text(vector: np.ndarray) -> str:
    """pgvector's text form, exact for float32 (repr round-trips)."""
    return "[" + ",".join(repr(float(x)) for x in vector) + "]"
