"""Writing the next generation: its FAISS file and tantivy folder beside the current ones, then
one SQLite transaction that swaps the catalog rows and the manifest's generation number.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import faiss
import numpy as np

from index.faults import crash_point
from index.stores.faiss_vectors import build_faiss, read_faiss, suits_size, write_faiss_atomically
from index.stores.protocol import SKIPPED_FILES_KEY, BriefToWrite, NextGeneration, skipped_json
from index.stores.sqlite.catalog import Catalog
from index.stores.sqlite.lexical import removed_size, write_lexical
from index.stores.sqlite.lexical_index import remove_stale
from index.stores.sqlite.repair import remove_stale_vector_files
from index.stores.sqlite.schema import SCHEMA_VERSION, vector_file


def write_generation(catalog: Catalog, data_dir: Path, change: NextGeneration) -> int:
    """Swap catalog rows and the FAISS generation in one transaction."""
    with catalog.write() as conn:
        generation = catalog.generation(conn)
        replaced = list(change.replaced_brief_ids)
        if change.rebuild:
            # A full rebuild keeps nothing of the old generation: a brief that failed to load
            # this time would otherwise keep vectors from a previous embedder.
            replaced = [row[0] for row in conn.execute("SELECT brief_id FROM briefs")]
        old_chunk_ids = _chunk_ids_of(conn, replaced)
        old_count = catalog.chunk_count(conn)
        removed = removed_size(conn, old_chunk_ids)  # BM25's statistics, before the rows go
        conn.executemany("DELETE FROM chunks_fts WHERE rowid = ?", [(cid,) for cid in old_chunk_ids])
        conn.executemany("DELETE FROM briefs WHERE brief_id = ?", [(b,) for b in replaced])
        new_ids, new_hashes = _insert_briefs(conn, change.briefs)

        if change.rebuild or generation == 0:
            ids, vectors = catalog.vectors_for_chunks(conn)
            index = build_faiss(ids, vectors, change.embedder.dimension)
        else:
            index = _current_index(catalog, conn, data_dir, generation, change.embedder.dimension)
            if suits_size(index, index.ntotal - len(old_chunk_ids) + len(new_ids)):
                if old_chunk_ids:
                    index.remove_ids(np.array(old_chunk_ids, dtype=np.int64))
                if new_ids:
                    by_hash = catalog.vectors_by_hash(new_hashes, conn)
                    vectors = np.vstack([by_hash[h] for h in new_hashes])
                    index.add_with_ids(vectors, np.array(new_ids, dtype=np.int64))
            else:
                # Crossed the exact/ANN threshold, or outgrew the lists it was trained with.
                ids, vectors = catalog.vectors_for_chunks(conn)
                index = build_faiss(ids, vectors, change.embedder.dimension)
        next_generation = generation + 1
        crash_point("before-vectors-written")
        write_faiss_atomically(index, vector_file(data_dir, next_generation))
        crash_point("vectors-written")
        write_lexical(
            conn,
            data_dir,
            current=generation,
            current_count=old_count,
            next_generation=next_generation,
            replaced=replaced,
            removed=removed,
            added_brief_ids=[b.brief_id for b in change.briefs],
            rebuild=change.rebuild,
        )
        crash_point("lexical-written")
        set_meta(conn, "generation", str(next_generation))
        set_meta(conn, "embedder", json.dumps(change.embedder.to_json()))
        set_meta(conn, "schema_version", str(SCHEMA_VERSION))
        set_meta(conn, "lexicon", change.lexicon)
        set_meta(conn, "parser", change.parser)
        set_meta(conn, "last_indexed_at", now_text())
        set_meta(conn, SKIPPED_FILES_KEY, skipped_json(change.skipped))
        conn.execute("DELETE FROM vector_cache WHERE embed_hash NOT IN (SELECT embed_hash FROM chunks)")
    crash_point("committed")
    remove_stale_vector_files(data_dir, next_generation)
    remove_stale(data_dir, next_generation)
    return next_generation


def _current_index(
    catalog: Catalog, conn: sqlite3.Connection, data_dir: Path, generation: int, dimension: int
) -> faiss.Index:
    path = vector_file(data_dir, generation)
    if path.exists():
        return read_faiss(path)
    # The file of the current generation is gone (deleted by hand): rebuild it from the
    # cached vectors of the chunks as they stood before this transaction's changes.
    ids, vectors = catalog.vectors_for_chunks(conn)
    return build_faiss(ids, vectors, dimension)


def _insert_briefs(conn: sqlite3.Connection, briefs: Sequence[BriefToWrite]) -> tuple[list[int], list[str]]:
    now = now_text()
    new_ids: list[int] = []
    new_hashes: list[str] = []
    for brief in briefs:
        parsed = brief.parsed
        conn.execute(
            "INSERT INTO briefs (brief_id, source, title, date, language, url, content_hash, "
            "chunk_count, indexed_at, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                brief.brief_id,
                brief.source,
                parsed.title,
                parsed.date.isoformat() if parsed.date else None,
                parsed.language,
                parsed.url,
                brief.content_hash,
                len(brief.chunks),
                now,
                parsed.text,
            ),
        )
        for written in brief.chunks:
            chunk = written.chunk
            cursor = conn.execute(
                'INSERT INTO chunks (brief_id, ordinal, section, paragraphs, start, "end", text, '
                "embed_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    brief.brief_id,
                    chunk.ordinal,
                    chunk.section,
                    json.dumps(list(chunk.paragraphs)),
                    chunk.start,
                    chunk.end,
                    chunk.text,
                    written.embed_hash,
                ),
            )
            chunk_id = int(cursor.lastrowid or 0)
            conn.execute("INSERT INTO chunks_fts (rowid, terms) VALUES (?, ?)", (chunk_id, " ".join(written.terms)))
            new_ids.append(chunk_id)
            new_hashes.append(written.embed_hash)
    return new_ids, new_hashes


def _chunk_ids_of(conn: sqlite3.Connection, brief_ids: list[str]) -> list[int]:
    ids: list[int] = []
    for brief_id in brief_ids:
        ids.extend(int(row[0]) for row in conn.execute("SELECT chunk_id FROM chunks WHERE brief_id = ?", (brief_id,)))
    return ids


def set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
