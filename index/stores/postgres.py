"""The knowledge base in PostgreSQL with pgvector: several bot processes on several machines share it.

Tables (see `postgres_schema.py`): briefs; chunks with their date, section, offsets, a vector(384)
under an HNSW cosine index and a tsvector of the project's own terms (stop words, Sastrawi stems)
under a GIN index; the vector cache; the manifest.

Generations the Postgres way: a reindex deletes the replaced briefs, inserts the new ones and
bumps the manifest's generation in ONE transaction. Every search runs in one REPEATABLE READ
transaction, so it sees the old generation or the new one, never a mix; a writer killed at any
point has its transaction rolled back by the server and the previous generation keeps answering.
One reindex at a time across every replica: `pg_try_advisory_lock`, held by a session the server
releases when its holder dies.

The lexical side computes FTS5's BM25 (k1 1.2, b 0.75, the same IDF floor) from the tsvector's
term positions, so fusion weights tuned on the SQLite store hold here too.

Searches go to DATABASE_READ_URL when one is given (a streaming replica), everything else to
the primary.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import psycopg
import psycopg.sql
from pgvector.psycopg import register_vector

from index.embeddings import EmbedderInfo
from index.faults import crash_point
from index.models import BriefRecord, Passage
from index.stores.errors import ReindexAlreadyRunningError, StoreUnavailableError
from index.stores.postgres_schema import (
    CHUNK_EMBEDDING_INDEX,
    CHUNK_TERMS_INDEX,
    LATEST_VERSION,
    MIGRATIONS,
    VECTOR_DIMENSION,
)
from index.stores.protocol import SKIPPED_FILES_KEY, NextGeneration, skipped_json

# Advisory lock keys (any bigint; scoped to the database).
REINDEX_LOCK_KEY = 0x62726965_66000001
MIGRATION_LOCK_KEY = 0x62726965_66000002
# HNSW candidate list per search. At a million chunks (m 16, ef_construction 64) the top 10 of
# eval questions against the exact search: 200 → recall 0.90, 400 → 0.93, 800 → 0.99 at 11 ms
# a search (the index in shared_buffers); smaller collections cost less.
HNSW_EF_SEARCH = 800
# FTS5's bm25() constants.
BM25_K1 = 1.2
BM25_B = 0.75
MAX_LEXEME_BYTES = 2000  # PostgreSQL refuses longer lexemes (2047)
CONNECT_TIMEOUT_S = 10
# A first fill of at least this many chunks (a new database, `briefbot copy --to`) builds the
# HNSW and GIN indexes once over all rows instead of updating them row by row: the HNSW index
# costs about 4 to 7 ms a row that way here, hours at a million chunks (bench_scale.py).
BULK_BUILD_MIN_CHUNKS = 20_000
# Memory for that build: pgvector's HNSW build is fastest when its graph fits (about 2.5 GB per
# million 384-dimension vectors); with less it still completes, more slowly.
BULK_BUILD_MEMORY = "3GB"
# BM25 candidates: the chunks holding the question's rarest terms, up to this many postings (see
# PostgresSearchView.lexical_scores). Scoring a candidate unnests its terms, so this bounds a
# question's lexical cost; 20,000 keeps every eval question's full candidate set.
LEXICAL_CANDIDATE_POSTINGS = 20_000


def redact_url(url: str) -> str:
    """The URL with its password replaced by ***: what may appear in a log or a message."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}{port}"))


def connect(url: str, *, vectors: bool = True) -> psycopg.Connection:
    """An autocommit connection (transactions are explicit) with the vector type registered."""
    try:
        conn = psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S)
    except psycopg.OperationalError as error:
        raise StoreUnavailableError(
            f"Cannot connect to PostgreSQL at {redact_url(url)}: {_first_line(error)}"
        ) from None
    if vectors:
        try:
            register_vector(conn)
        except psycopg.ProgrammingError:
            conn.close()
            raise StoreUnavailableError(
                f"The pgvector extension is not installed in {redact_url(url)}: run `briefbot migrate`."
            ) from None
    return conn


def with_database(url: str, database: str) -> str:
    """The same server and credentials, another database."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


def ensure_database(url: str, database: str) -> str:
    """The URL of `database` on the server of `url`, created when missing (needs CREATEDB)."""
    conn = connect(url, vectors=False)
    try:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
        if not exists:
            conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(database)))
    finally:
        conn.close()
    return with_database(url, database)


def schema_version(conn: psycopg.Connection) -> int:
    exists = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()
    if not exists or not exists[0]:
        return 0
    row = conn.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
    return int(row[0]) if row else 0


def migrate(url: str) -> list[int]:
    """Apply the migrations not applied yet, each in its own transaction; returns their versions."""
    conn = connect(url, vectors=False)
    applied: list[int] = []
    try:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK_KEY,))
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, "
                "name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
            )
        for migration in MIGRATIONS:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK_KEY,))
                if schema_version(conn) >= migration.version:
                    continue
                conn.execute(migration.sql)
                conn.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                    (migration.version, migration.name),
                )
                applied.append(migration.version)
    finally:
        conn.close()
    return applied


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
        rows = self._primary().execute(
            _PASSAGE_SELECT + " WHERE c.chunk_id = ANY(%s) OR c.brief_date = ANY(%s) OR c.brief_id = ANY(%s) "
            "ORDER BY c.brief_date DESC NULLS LAST, c.brief_id, c.start_offset",
            (list(chunk_ids), list(dates), list(brief_ids)),
        ).fetchall()
        return [_passage(row) for row in rows]

    def write_documents(self, generation: NextGeneration) -> int:
        _check_dimension(generation.embedder)
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
        # Only into an empty table: dropping an index locks the table until commit, which readers
        # of an empty knowledge base never notice (a view of generation 0 reads no chunk).
        with chunk_indexes_built_after(conn, bulk=expected >= BULK_BUILD_MIN_CHUNKS and not _has_chunks(conn)):
            self._write_rows(conn, change, replaced, expected)
        crash_point("before-vectors-written")
        stats = conn.execute("SELECT count(*), coalesce(sum(term_count), 0) FROM chunks").fetchone()
        next_generation = generation + 1
        now = _now()
        crash_point("vectors-written")
        _set_manifest(conn, {
            "generation": str(next_generation),
            "embedder": json.dumps(change.embedder.to_json()),
            "schema_version": str(LATEST_VERSION),
            "lexicon": change.lexicon,
            "parser": change.parser,
            "last_indexed_at": now,
            SKIPPED_FILES_KEY: skipped_json(change.skipped),
            "chunk_count": str(stats[0] if stats else 0),
            "term_total": str(stats[1] if stats else 0),
        })
        conn.execute(
            "DELETE FROM vector_cache v WHERE NOT EXISTS "
            "(SELECT 1 FROM chunks c WHERE c.embed_hash = v.embed_hash)"
        )
        return next_generation

    def _write_rows(
        self, conn: psycopg.Connection, change: NextGeneration, replaced: list[str], expected: int
    ) -> None:
        # Document frequencies follow the chunks: minus those leaving, plus those coming.
        conn.execute(
            "UPDATE term_stats t SET df = t.df - gone.n FROM (SELECT u.lexeme, count(*) AS n FROM chunks c "
            "CROSS JOIN LATERAL unnest(c.terms) AS u WHERE c.brief_id = ANY(%s) GROUP BY u.lexeme) gone "
            "WHERE t.lexeme = gone.lexeme",
            (replaced,),
        )
        conn.execute("DELETE FROM term_stats WHERE df <= 0")
        conn.execute("DELETE FROM briefs WHERE brief_id = ANY(%s)", (replaced,))  # chunks cascade
        now = _now()
        with conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO briefs (brief_id, source, title, date, language, url, content_hash, "
                "chunk_count, indexed_at, text) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [
                    (
                        b.brief_id, b.source, b.parsed.title, b.parsed.date, b.parsed.language,
                        b.parsed.url, b.content_hash, len(b.chunks), now, b.parsed.text,
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
                    copy.write_row((
                        brief.brief_id, brief.parsed.date, chunk.ordinal, chunk.section,
                        list(chunk.paragraphs), chunk.start, chunk.end, chunk.text, written.embed_hash,
                        tsvector_literal(written.terms), len(written.terms),
                    ))
        inserted = conn.execute(
            "INSERT INTO chunks (brief_id, brief_date, ordinal, section, paragraphs, start_offset, "
            "end_offset, text, embed_hash, embedding, terms, term_count) "
            "SELECT s.brief_id, s.brief_date, s.ordinal, s.section, s.paragraphs, s.start_offset, "
            "s.end_offset, s.text, s.embed_hash, v.embedding, s.terms, s.term_count "
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
        rows = self._primary().execute(
            "SELECT brief_id, source, title, date, content_hash, chunk_count, indexed_at, language "
            "FROM briefs ORDER BY date DESC NULLS LAST, indexed_at DESC, brief_id"
        ).fetchall()
        return [BriefRecord(*row[:7], language=row[7]) for row in rows]

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
            _set_manifest(conn, {"last_indexed_at": _now(), SKIPPED_FILES_KEY: skipped_json(skipped)})

    def repair(self, embedder: EmbedderInfo, *, full: bool) -> list[str]:
        """Nothing to repair: PostgreSQL keeps its own files consistent (no FAISS file beside it)."""
        return []

    def cached_hashes(self, hashes: Iterable[str]) -> set[str]:
        wanted = list(dict.fromkeys(hashes))
        if not wanted:
            return set()
        rows = self._primary().execute(
            "SELECT embed_hash FROM vector_cache WHERE embed_hash = ANY(%s)", (wanted,)
        ).fetchall()
        return {row[0] for row in rows}

    def cache_vectors(self, hashes: Sequence[str], vectors: np.ndarray) -> None:
        if len(vectors) and vectors.shape[1] != VECTOR_DIMENSION:
            raise StoreUnavailableError(_dimension_message(int(vectors.shape[1])))
        conn = self._primary()
        # Binary COPY into a staging table, then one upsert: a million vectors in minutes, not
        # an INSERT round trip each.
        with conn.transaction(), conn.cursor() as cursor:
            cursor.execute(
                "CREATE TEMP TABLE staged_vectors (embed_hash text, embedding vector) ON COMMIT DROP"
            )
            with cursor.copy("COPY staged_vectors (embed_hash, embedding) FROM STDIN WITH (FORMAT BINARY)") as copy:
                copy.set_types(["text", "vector"])
                for embed_hash, vector in zip(hashes, vectors):
                    copy.write_row((embed_hash, np.asarray(vector, dtype=np.float32)))
            cursor.execute(
                "INSERT INTO vector_cache (embed_hash, embedding) "
                "SELECT DISTINCT ON (embed_hash) embed_hash, embedding FROM staged_vectors "
                "ON CONFLICT (embed_hash) DO UPDATE SET embedding = excluded.embedding"
            )

    # -- reading, locking -----------------------------------------------------------------------

    @contextmanager
    def search_view(self) -> Iterator[PostgresSearchView]:
        """One REPEATABLE READ transaction (on the read replica when there is one)."""
        conn = self._connection("read")
        with conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            conn.execute(f"SET LOCAL hnsw.ef_search = {int(HNSW_EF_SEARCH)}")
            manifest = dict(
                conn.execute(
                    "SELECT key, value FROM manifest WHERE key IN ('generation', 'chunk_count', 'term_total')"
                ).fetchall()
            )
            yield PostgresSearchView(
                conn,
                generation=int(manifest.get("generation", "0")),
                chunk_count=int(manifest.get("chunk_count", "0")),
                term_total=int(manifest.get("term_total", "0")),
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


class PostgresSearchView:
    """One generation as one REPEATABLE READ transaction sees it. A view of an empty generation
    reads no chunk: a first fill holding the chunks table locked never keeps it waiting."""

    def __init__(self, conn: psycopg.Connection, *, generation: int, chunk_count: int, term_total: int) -> None:
        self._conn = conn
        self.generation = generation
        self._chunk_count = chunk_count
        self._avg_terms = term_total / chunk_count if chunk_count else 1.0
        self._document_counts: dict[str, int] = {}

    def brief_dates(self) -> list[date]:
        rows = self._conn.execute(
            "SELECT DISTINCT date FROM briefs WHERE date IS NOT NULL ORDER BY date DESC"
        ).fetchall()
        return [row[0] for row in rows]

    def briefs_whose_lead_has(self, needle: str, lead_chars: int) -> list[tuple[str, str]]:
        rows = self._conn.execute(
            "SELECT brief_id, substr(text, 1, %s) FROM briefs "
            "WHERE strpos(lower(substr(text, 1, %s)), lower(%s)) > 0",
            (lead_chars, lead_chars, needle),
        ).fetchall()
        return [(row[0], row[1]) for row in rows]

    def filter_chunk_ids(self, *, dates: Sequence[date] = (), brief_ids: Sequence[str] = ()) -> list[int]:
        if (not dates and not brief_ids) or not self._chunk_count:
            return []
        rows = self._conn.execute(
            "SELECT chunk_id FROM chunks WHERE brief_date = ANY(%s) OR brief_id = ANY(%s) ORDER BY chunk_id",
            (list(dates), list(brief_ids)),
        ).fetchall()
        return [int(row[0]) for row in rows]

    def lexical_scores(self, terms: Sequence[str]) -> dict[int, float]:
        """FTS5's BM25 of the chunks holding the question's terms.

        Document frequencies come from `term_stats` (kept with each generation). The candidates
        are the chunks holding the rarest terms, up to LEXICAL_CANDIDATE_POSTINGS postings in all:
        every chunk holding any term while the terms are that rare (always at eval sizes), and
        at a million chunks the chunks holding the terms that carry BM25's weight, not every
        chunk that says "government". Each candidate is scored with every term."""
        wanted = [t for t in dict.fromkeys(terms) if len(t.encode()) <= MAX_LEXEME_BYTES]
        if not wanted or not self._chunk_count:
            return {}
        counts = self._term_counts(wanted)
        present = sorted((t for t in wanted if counts[t]), key=lambda t: (counts[t], t))
        selective: list[str] = []
        postings = 0
        for term in present:
            if selective and postings + counts[term] > LEXICAL_CANDIDATE_POSTINGS:
                break
            selective.append(term)
            postings += counts[term]
        if not selective:
            return {}
        rows = self._conn.execute(
            """
            WITH candidates AS MATERIALIZED (
                SELECT chunk_id, term_count, terms FROM chunks WHERE terms @@ %(query)s::tsquery
            ), df AS (
                -- at most N: a count can't exceed the chunks, and ln() must stay defined
                SELECT lexeme, least(n, %(n_docs)s) AS n FROM unnest(%(terms)s::text[], %(dfs)s::float8[]) AS d (lexeme, n)
            )
            SELECT c.chunk_id, sum(
                greatest(ln((%(n_docs)s - df.n + 0.5) / (df.n + 0.5)), 1e-6)
                * cardinality(u.positions) * (%(k1)s + 1)
                / (cardinality(u.positions) + %(k1)s * (1 - %(b)s + %(b)s * c.term_count / %(avgdl)s))
            )
            FROM candidates c CROSS JOIN LATERAL unnest(c.terms) AS u JOIN df USING (lexeme)
            GROUP BY c.chunk_id
            """,
            {
                "query": tsquery_literal(selective),
                "terms": present,
                "dfs": [float(counts[t]) for t in present],
                "n_docs": float(self._chunk_count),
                "k1": BM25_K1,
                "b": BM25_B,
                "avgdl": float(self._avg_terms),
            },
        ).fetchall()
        return dict(sorted((int(chunk_id), float(score)) for chunk_id, score in rows))

    def _term_counts(self, terms: Sequence[str]) -> dict[str, int]:
        missing = [t for t in terms if t not in self._document_counts]
        if missing:
            rows = self._conn.execute(
                "SELECT lexeme, df FROM term_stats WHERE lexeme = ANY(%s)", (missing,)
            ).fetchall()
            found = {lexeme: int(df) for lexeme, df in rows}
            for term in missing:
                self._document_counts[term] = found.get(term, 0)
        return {t: self._document_counts[t] for t in terms}

    def term_document_counts(self, terms: Sequence[str]) -> tuple[int, dict[str, int]]:
        if not terms:
            return 0, {}
        wanted = [t for t in terms if len(t.encode()) <= MAX_LEXEME_BYTES]
        counts = self._term_counts(wanted) if self._chunk_count else {}
        return self._chunk_count, {t: counts.get(t, 0) for t in terms}

    def chunks_holding(self, terms: Sequence[str], *, phrase: bool = False) -> list[int]:
        """`'a' & 'b'`, or `'a' <-> 'b'` for a phrase: positions are term positions, so adjacent
        terms are adjacent as in FTS5's phrase query over the same terms."""
        wanted = [t for t in terms if len(t.encode()) <= MAX_LEXEME_BYTES]
        if not wanted or not self._chunk_count:
            return []
        query = (" <-> " if phrase else " & ").join(_quote_lexeme(t) for t in wanted)
        rows = self._conn.execute(
            "SELECT chunk_id FROM chunks WHERE terms @@ %s::tsquery ORDER BY chunk_id", (query,)
        ).fetchall()
        return [int(row[0]) for row in rows]

    def dense_search(
        self, query_vector: np.ndarray, n: int, scope: Sequence[int] | None
    ) -> list[tuple[int, float]]:
        vector = np.asarray(query_vector, dtype=np.float32).reshape(-1)
        if not self._chunk_count:
            return []
        if scope is None:
            # The HNSW index: approximate, HNSW_EF_SEARCH candidates deep.
            rows = self._conn.execute(
                "SELECT chunk_id, 1 - (embedding <=> %s) FROM chunks ORDER BY embedding <=> %s LIMIT %s",
                (vector, vector, n),
            ).fetchall()
        elif not scope:
            return []
        else:
            # A day's chunks: exact, over just those (OFFSET 0 keeps the planner off the HNSW
            # index, which would filter after an approximate search and could miss the day's best).
            rows = self._conn.execute(
                "SELECT chunk_id, 1 - distance FROM (SELECT chunk_id, embedding <=> %s AS distance "
                "FROM chunks WHERE chunk_id = ANY(%s) OFFSET 0) scoped ORDER BY distance LIMIT %s",
                (vector, list(scope), n),
            ).fetchall()
        return [(int(chunk_id), float(score)) for chunk_id, score in rows]

    def vectors(self, chunk_ids: Sequence[int]) -> np.ndarray:
        ids = [int(c) for c in chunk_ids]
        rows = self._conn.execute(
            "SELECT chunk_id, embedding FROM chunks WHERE chunk_id = ANY(%s)", (ids,)
        ).fetchall()
        by_id = {int(chunk_id): _as_array(vector) for chunk_id, vector in rows}
        if not ids:
            return np.empty((0, VECTOR_DIMENSION), dtype=np.float32)
        return np.vstack([by_id[c] for c in ids])

    def chunk_rows(self, chunk_ids: Sequence[int]) -> dict[int, Passage]:
        if not len(chunk_ids) or not self._chunk_count:
            return {}
        rows = self._conn.execute(
            _PASSAGE_SELECT + " WHERE c.chunk_id = ANY(%s)", ([int(c) for c in chunk_ids],)
        ).fetchall()
        return {int(row[0]): _passage(row) for row in rows}


_PASSAGE_SELECT = (
    "SELECT c.chunk_id, c.brief_id, b.source, b.title, b.date, c.section, c.paragraphs, "
    "c.start_offset, c.end_offset, c.text FROM chunks c JOIN briefs b USING (brief_id)"
)


def _passage(row: tuple) -> Passage:  # type: ignore[type-arg]
    chunk_id, brief_id, source, title, brief_date, section, paragraphs, start, end, text = row
    return Passage(
        chunk_id=int(chunk_id), brief_id=brief_id, source=source, title=title, date=brief_date,
        section=section, paragraphs=tuple(paragraphs), start=start, end=end, text=text,
    )


def _as_array(vector: object) -> np.ndarray:
    """pgvector's Vector (or a sequence) as a float32 array."""
    to_numpy = getattr(vector, "to_numpy", None)
    return np.asarray(to_numpy() if to_numpy else vector, dtype=np.float32)


def _quote_lexeme(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_literal(terms: Sequence[str]) -> str:
    """A tsvector of exactly `terms` with their positions (no parser, no dictionary in between):
    `'drone':3,9 'rusia':4`."""
    positions: dict[str, list[int]] = {}
    for position, term in enumerate(terms, start=1):
        if len(term.encode()) <= MAX_LEXEME_BYTES:
            positions.setdefault(term, []).append(min(position, 16383))
    return " ".join(f"{_quote_lexeme(t)}:{','.join(map(str, p[:256]))}" for t, p in positions.items())


def tsquery_literal(terms: Sequence[str]) -> str:
    """`'a' | 'b'`: any of `terms`, each taken literally."""
    return " | ".join(_quote_lexeme(term) for term in dict.fromkeys(terms))


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


def _has_chunks(conn: psycopg.Connection) -> bool:
    row = conn.execute("SELECT EXISTS (SELECT 1 FROM chunks)").fetchone()
    return bool(row and row[0])


def _set_manifest(conn: psycopg.Connection, values: dict[str, str]) -> None:
    with conn.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO manifest (key, value) VALUES (%s, %s) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            list(values.items()),
        )


def _check_dimension(embedder: EmbedderInfo) -> None:
    if embedder.dimension != VECTOR_DIMENSION:
        raise StoreUnavailableError(_dimension_message(embedder.dimension))


def _dimension_message(dimension: int) -> str:
    return (
        f"The PostgreSQL store holds {VECTOR_DIMENSION}-dimension vectors; this embedder gives "
        f"{dimension}. Use a {VECTOR_DIMENSION}-dimension embedder, or the SQLite store."
    )


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
