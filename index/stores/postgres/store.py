"""`PostgresStore`: the `KnowledgeStore` in PostgreSQL (see the package docstring)."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date

import numpy as np
import psycopg
import psycopg.sql

from index.embeddings import EmbedderInfo
from index.errors import ReindexAlreadyRunningError, StoreUnavailableError
from index.faults import crash_point
from index.records import BriefRecord, Passage
from index.stores.postgres.connection import REINDEX_LOCK_KEY, connect, migrate, redact_url, schema_version
from index.stores.postgres.lexical import removed_postings, write_blocks
from index.stores.postgres.schema import LATEST_VERSION, VECTOR_DIMENSION
from index.stores.postgres.search_view import (
    HNSW_EF_SEARCH,
    PASSAGE_SELECT,
    DatesMemo,
    PostgresSearchView,
    passage_of_row,
)
from index.stores.postgres.sql import (
    check_dimension,
    chunk_indexes_built_after,
    dimension_message,
    has_chunks,
    ivf_probes,
    now_text,
    rebuild_dense_index_if_needed,
    set_manifest,
    tsvector_literal,
)
from index.stores.postgres.whole_lists import WholeLists
from index.stores.protocol import SKIPPED_FILES_KEY, NextGeneration, skipped_json

log = logging.getLogger(__name__)

# A first fill of at least this many chunks (a new database, `briefbot copy --to`) builds the
# HNSW and GIN indexes once over all rows instead of updating them row by row: the HNSW index
# costs about 4 to 7 ms a row that way here, hours at a million chunks (bench_scale.py).
BULK_BUILD_MIN_CHUNKS = 20_000


class PostgresStore:
    """The knowledge store in PostgreSQL; safe to share between threads (a connection each)."""

    kind = "postgres"

    def __init__(self, url: str, *, read_url: str | None = None, auto_migrate: bool = True) -> None:
        self.url = url
        self.read_url = read_url
        self.description = redact_url(url)
        self._local = threading.local()
        self._connections: list[psycopg.Connection] = []
        self._connections_lock = threading.Lock()
        self._dates = DatesMemo()
        self._whole_lists = WholeLists()  # BM25's whole posting lists read, per generation
        self._warmed: set[tuple[str, ...]] = set()  # the generations whose longest lists were read
        self._warm_lock = threading.Lock()
        probe = connect(url, vectors=False)
        try:
            behind = schema_version(probe) < LATEST_VERSION
        finally:
            probe.close()
        if behind:
            if not auto_migrate:
                raise StoreUnavailableError(f"{self.description} has no schema yet: run `briefbot migrate`.")
            migrate(url)

    # -- connections ----------------------------------------------------------------------------

    def _connection(self, role: str) -> psycopg.Connection:
        """This thread's connection to the primary ("write") or to the read replica ("read")."""
        conn: psycopg.Connection | None = getattr(self._local, role, None)
        if conn is None or conn.closed or conn.broken:
            url = self.read_url if role == "read" and self.read_url else self.url
            conn = connect(url)
            setattr(self._local, role, conn)
            with self._connections_lock:
                self._connections.append(conn)
        return conn

    def _primary(self) -> psycopg.Connection:
        return self._connection("write")

    # -- documents ------------------------------------------------------------------------------

    def count_documents(self) -> int:
        # The manifest's count, committed with its generation: no scan, and no wait on a first
        # fill's index build (which locks the chunks table until it commits).
        row = self._primary().execute("SELECT value FROM manifest WHERE key = 'chunk_count'").fetchone()
        return int(row[0]) if row else 0

    def filter_documents(
        self,
        *,
        chunk_ids: Sequence[int] = (),
        dates: Sequence[date] = (),
        brief_ids: Sequence[str] = (),
    ) -> list[Passage]:
        if not self.count_documents():
            return []
        rows = (
            self._primary()
            .execute(
                PASSAGE_SELECT + " WHERE c.chunk_id = ANY(%s) OR c.brief_date = ANY(%s) OR c.brief_id = ANY(%s) "
                "ORDER BY c.brief_date DESC NULLS LAST, c.brief_id, c.start_offset",
                (list(chunk_ids), list(dates), list(brief_ids)),
            )
            .fetchall()
        )
        return [passage_of_row(row) for row in rows]

    def write_documents(self, generation: NextGeneration) -> int:
        check_dimension(generation.embedder)
        conn = connect(self.url)  # a connection of its own: searches on this thread's keep going
        try:
            with conn.transaction():
                number = self._write_generation(conn, generation)
        finally:
            conn.close()
        crash_point("committed")
        return number

    def _write_generation(self, conn: psycopg.Connection, change: NextGeneration) -> int:
        row = conn.execute("SELECT value FROM manifest WHERE key = 'generation' FOR UPDATE").fetchone()
        generation = int(row[0]) if row else 0
        replaced = list(change.replaced_brief_ids)
        if change.rebuild:
            replaced = [r[0] for r in conn.execute("SELECT brief_id FROM briefs").fetchall()]
        expected = sum(len(b.chunks) for b in change.briefs)
        removed = removed_postings(conn, replaced)
        # Only into an empty table: dropping an index locks the table until commit, which readers
        # of an empty knowledge base never notice (a view of generation 0 reads no chunk).
        bulk = expected >= BULK_BUILD_MIN_CHUNKS and not has_chunks(conn)
        with chunk_indexes_built_after(conn, bulk=bulk, total=expected):
            self._write_rows(conn, change, replaced, expected)
        lexical = write_blocks(conn, [b.brief_id for b in change.briefs], removed, rebuild=change.rebuild)
        crash_point("before-vectors-written")
        stats = conn.execute("SELECT count(*), coalesce(sum(term_count), 0) FROM chunks").fetchone()
        if not bulk:
            rebuild_dense_index_if_needed(conn, int(stats[0]) if stats else 0)
        next_generation = generation + 1
        now = now_text()
        crash_point("vectors-written")
        set_manifest(
            conn,
            {
                "generation": str(next_generation),
                "embedder": json.dumps(change.embedder.to_json()),
                "schema_version": str(LATEST_VERSION),
                "lexicon": change.lexicon,
                "parser": change.parser,
                "last_indexed_at": now,
                SKIPPED_FILES_KEY: skipped_json(change.skipped),
                "chunk_count": str(stats[0] if stats else 0),
                "term_total": str(stats[1] if stats else 0),
                **lexical,
            },
        )
        conn.execute(
            "DELETE FROM vector_cache v WHERE NOT EXISTS (SELECT 1 FROM chunks c WHERE c.embed_hash = v.embed_hash)"
        )
        return next_generation

    def _write_rows(self, conn: psycopg.Connection, change: NextGeneration, replaced: list[str], expected: int) -> None:
        # Document frequencies follow the chunks: minus those leaving, plus those coming.
        conn.execute(
            "UPDATE term_stats t SET df = t.df - gone.n FROM (SELECT u.lexeme, count(*) AS n FROM chunks c "
            "CROSS JOIN LATERAL unnest(c.terms) AS u WHERE c.brief_id = ANY(%s) GROUP BY u.lexeme) gone "
            "WHERE t.lexeme = gone.lexeme",
            (replaced,),
        )
        conn.execute("DELETE FROM term_stats WHERE df <= 0")
        conn.execute("DELETE FROM briefs WHERE brief_id = ANY(%s)", (replaced,))  # chunks cascade
        now = now_text()
        with conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO briefs (brief_id, source, title, date, language, url, content_hash, "
                "chunk_count, indexed_at, text) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [
                    (
                        b.brief_id,
                        b.source,
                        b.parsed.title,
                        b.parsed.date,
                        b.parsed.language,
                        b.parsed.url,
                        b.content_hash,
                        len(b.chunks),
                        now,
                        b.parsed.text,
                    )
                    for b in change.briefs
                ],
            )
        # Chunks go through a staging table, then take their vectors from the cache in SQL:
        # nothing travels twice.
        conn.execute(
            "CREATE TEMP TABLE staged_chunks (brief_id text, brief_date date, ordinal integer, "
            "section text, paragraphs integer[], start_offset integer, end_offset integer, text text, "
            "embed_hash text, terms tsvector, term_count integer) ON COMMIT DROP"
        )
        with conn.cursor().copy(
            "COPY staged_chunks (brief_id, brief_date, ordinal, section, paragraphs, start_offset, "
            "end_offset, text, embed_hash, terms, term_count) FROM STDIN"
        ) as copy:
            for brief in change.briefs:
                for written in brief.chunks:
                    chunk = written.chunk
                    copy.write_row(
                        (
                            brief.brief_id,
                            brief.parsed.date,
                            chunk.ordinal,
                            chunk.section,
                            list(chunk.paragraphs),
                            chunk.start,
                            chunk.end,
                            chunk.text,
                            written.embed_hash,
                            tsvector_literal(written.terms),
                            len(written.terms),
                        )
                    )
        inserted = conn.execute(
            "INSERT INTO chunks (brief_id, brief_date, ordinal, section, paragraphs, start_offset, "
            "end_offset, text, embed_hash, embedding, terms, term_count) "
            "SELECT s.brief_id, s.brief_date, s.ordinal, s.section, s.paragraphs, s.start_offset, "
            "s.end_offset, s.text, s.embed_hash, v.embedding::halfvec, s.terms, s.term_count "
            "FROM staged_chunks s JOIN vector_cache v USING (embed_hash) ORDER BY s.brief_id, s.ordinal"
        ).rowcount
        if inserted != expected:
            raise RuntimeError(f"{expected - inserted} chunks have no cached vector; nothing was changed")
        conn.execute(
            "INSERT INTO term_stats (lexeme, df) SELECT u.lexeme, count(*) FROM staged_chunks s "
            "CROSS JOIN LATERAL unnest(s.terms) AS u GROUP BY u.lexeme "
            "ON CONFLICT (lexeme) DO UPDATE SET df = term_stats.df + excluded.df"
        )

    def delete_documents(self, brief_ids: Sequence[str], embedder: EmbedderInfo, lexicon: str) -> int:
        return self.write_documents(NextGeneration(tuple(brief_ids), (), embedder, lexicon))

    def briefs(self) -> list[BriefRecord]:
        rows = (
            self._primary()
            .execute(
                "SELECT brief_id, source, title, date, content_hash, chunk_count, indexed_at, language "
                "FROM briefs ORDER BY date DESC NULLS LAST, indexed_at DESC, brief_id"
            )
            .fetchall()
        )
        return [BriefRecord(*row) for row in rows]  # the columns in the order of its fields

    def brief_text(self, brief_id: str) -> str | None:
        row = self._primary().execute("SELECT text FROM briefs WHERE brief_id = %s", (brief_id,)).fetchone()
        return row[0] if row else None

    # -- manifest and vector cache ----------------------------------------------------------------

    def manifest(self) -> dict[str, str]:
        rows = self._primary().execute("SELECT key, value FROM manifest").fetchall()
        return {key: value for key, value in rows}

    def mark_indexed_now(self, skipped: Sequence[tuple[str, str]] = ()) -> None:
        conn = self._primary()
        with conn.transaction():
            set_manifest(conn, {"last_indexed_at": now_text(), SKIPPED_FILES_KEY: skipped_json(skipped)})

    def repair(self, embedder: EmbedderInfo, *, full: bool) -> list[str]:
        """Nothing to repair: PostgreSQL keeps its own files consistent (no FAISS file beside it)."""
        return []

    def cached_hashes(self, hashes: Iterable[str]) -> set[str]:
        wanted = list(dict.fromkeys(hashes))
        if not wanted:
            return set()
        rows = (
            self._primary()
            .execute("SELECT embed_hash FROM vector_cache WHERE embed_hash = ANY(%s)", (wanted,))
            .fetchall()
        )
        return {row[0] for row in rows}

    def cache_vectors(self, hashes: Sequence[str], vectors: np.ndarray) -> None:
        if len(vectors) and vectors.shape[1] != VECTOR_DIMENSION:
            raise StoreUnavailableError(dimension_message(int(vectors.shape[1])))
        conn = self._primary()
        # Binary COPY into a staging table, then one upsert: a million vectors in minutes, not
        # an INSERT round trip each.
        with conn.transaction(), conn.cursor() as cursor:
            cursor.execute("CREATE TEMP TABLE staged_vectors (embed_hash text, embedding vector) ON COMMIT DROP")
            with cursor.copy("COPY staged_vectors (embed_hash, embedding) FROM STDIN WITH (FORMAT BINARY)") as copy:
                copy.set_types(["text", "vector"])
                for embed_hash, vector in zip(hashes, vectors, strict=True):
                    copy.write_row((embed_hash, np.asarray(vector, dtype=np.float32)))
            cursor.execute(
                "INSERT INTO vector_cache (embed_hash, embedding) "
                "SELECT DISTINCT ON (embed_hash) embed_hash, embedding FROM staged_vectors "
                "ON CONFLICT (embed_hash) DO UPDATE SET embedding = excluded.embedding"
            )

    # -- reading, locking -----------------------------------------------------------------------

    @contextmanager
    def search_view(self) -> Iterator[PostgresSearchView]:
        """One REPEATABLE READ transaction (on the read replica when there is one). The first
        view of a generation starts reading its longest posting lists into memory, in the
        background (`warm`)."""
        with self._view() as view:
            key = view.memory_key
            if key is not None and self._claim_warming(key):
                threading.Thread(target=self._warm_quietly, name="bm25-warm", daemon=True).start()
            yield view

    def warm(self) -> int:
        """Reads the current generation's longest posting lists into memory now, as the first
        view of each generation starts doing in the background: a question's first read of a
        long list from the blocks is most of its search time at a million chunks. The postings
        read (0 when another thread already read them)."""
        with self._view() as view:
            key = view.memory_key
            if key is None:
                return 0
            self._claim_warming(key)
            return view.warm_common_lists()

    def _claim_warming(self, key: tuple[str, ...]) -> bool:
        with self._warm_lock:
            if key in self._warmed:
                return False
            if len(self._warmed) > 16:  # generations long gone
                self._warmed.clear()
            self._warmed.add(key)
            return True

    def _warm_quietly(self) -> None:
        try:
            with self._view() as view:
                view.warm_common_lists()
        except (psycopg.Error, StoreUnavailableError) as error:
            # A store closed meanwhile, a lost server: questions read the lists from the blocks.
            log.debug("reading the longest posting lists ahead failed: %s", error)
        finally:
            conn = getattr(self._local, "read", None)  # this thread's, used once: not kept open
            if conn is not None:
                with self._connections_lock:
                    if conn in self._connections:
                        self._connections.remove(conn)
                conn.close()

    @contextmanager
    def _view(self) -> Iterator[PostgresSearchView]:
        conn = self._connection("read")
        with conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            conn.execute(f"SET LOCAL hnsw.ef_search = {int(HNSW_EF_SEARCH)}")
            manifest: dict[str, str] = dict(
                conn.execute(
                    "SELECT key, value FROM manifest "
                    "WHERE key IN ('generation', 'chunk_count', 'term_total', 'impact_avgdl', 'last_indexed_at')"
                ).fetchall()
            )
            # A generation's dates never change; the key also tells a database refilled from
            # scratch (same generation number, another indexing time) from the one read before.
            dates_key = tuple(manifest.get(k, "") for k in ("generation", "chunk_count", "last_indexed_at"))
            conn.execute(f"SET LOCAL ivfflat.probes = {ivf_probes(int(manifest.get('chunk_count', '0')))}")
            yield PostgresSearchView(
                conn,
                generation=int(manifest.get("generation", "0")),
                chunk_count=int(manifest.get("chunk_count", "0")),
                term_total=int(manifest.get("term_total", "0")),
                impact_avgdl=float(manifest.get("impact_avgdl", "0")),
                dates=(self._dates, dates_key),
                whole_lists=self._whole_lists,
            )

    @contextmanager
    def reindex_lock(self) -> Iterator[None]:
        """A session-level advisory lock on a connection of its own: the server releases it when
        the connection ends, so a reindex killed mid-way never leaves a stale lock."""
        conn = connect(self.url, vectors=False)
        try:
            row = conn.execute("SELECT pg_try_advisory_lock(%s)", (REINDEX_LOCK_KEY,)).fetchone()
            if not row or not row[0]:
                raise ReindexAlreadyRunningError("A reindex is already running; wait for it to finish.")
            yield
        finally:
            conn.close()

    def size_bytes(self) -> int:
        row = self._primary().execute("SELECT pg_database_size(current_database())").fetchone()
        return int(row[0]) if row else 0

    def close(self) -> None:
        with self._connections_lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = threading.local()
