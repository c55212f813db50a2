"""The default store, one data folder: a SQLite catalog (briefs, chunks, FTS5, vector cache,
manifest) and FAISS files.

Layout of `data_dir`:

    catalog.sqlite3          briefs, chunks, the FTS5 table, cached vectors and the manifest
    vectors/gen-<N>.faiss    the FAISS index of generation N, keyed by chunk id
    reindex.lock             held by the one reindex allowed at a time

Why generations: a reindex writes the next FAISS file beside the current one and then, in one
SQLite transaction, swaps the catalog rows and the manifest's generation number. Readers see
either the old generation or the new one, never a mix, and a reindex killed at any instant
leaves the previous generation untouched (an orphan file from a killed run is removed later).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import faiss
import numpy as np

from index.embeddings import EmbedderInfo
from index.faults import crash_point
from index.models import BriefRecord, Passage
from index.stores.errors import (
    EmbedderMismatchError,
    IndexDamagedError,
    ReindexAlreadyRunningError,
    embedder_mismatch_message,
)
from index.stores.faiss_vectors import build_faiss, read_faiss, suits_size, write_faiss_atomically
from index.stores.faiss_vectors import search as search_vectors
from index.stores.protocol import SKIPPED_FILES_KEY, BriefToWrite, NextGeneration, skipped_json

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1
CATALOG_FILE = "catalog.sqlite3"
VECTORS_DIR = "vectors"
LOCK_FILE = "reindex.lock"
# Readers wait this long for a writer's lock instead of failing at once.
BUSY_TIMEOUT_S = 30.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS briefs (
    brief_id     TEXT PRIMARY KEY,
    source       TEXT NOT NULL UNIQUE,
    title        TEXT NOT NULL,
    date         TEXT,
    language     TEXT,
    url          TEXT,
    content_hash TEXT NOT NULL,
    chunk_count  INTEGER NOT NULL,
    indexed_at   TEXT NOT NULL,
    text         TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id   INTEGER PRIMARY KEY AUTOINCREMENT,
    brief_id   TEXT NOT NULL REFERENCES briefs(brief_id) ON DELETE CASCADE,
    ordinal    INTEGER NOT NULL,
    section    TEXT,
    paragraphs TEXT NOT NULL,
    start      INTEGER NOT NULL,
    "end"      INTEGER NOT NULL,
    text       TEXT NOT NULL,
    embed_hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_by_brief ON chunks(brief_id);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(terms, tokenize = 'unicode61');
-- A read-only view of chunks_fts's term statistics (no storage of its own), for BM25's IDF.
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_vocab USING fts5vocab(chunks_fts, 'row');
CREATE TABLE IF NOT EXISTS vector_cache (embed_hash TEXT PRIMARY KEY, vector BLOB NOT NULL);
"""


# SQLite's names for "this is not (or no longer) a database file": the catalog must be rebuilt.
_DAMAGED_SQLITE_ERRORS = frozenset({"SQLITE_CORRUPT", "SQLITE_NOTADB"})


def is_damage(error: sqlite3.Error) -> bool:
    """Whether `error` says the catalog file is damaged (not merely busy or misused)."""
    name = getattr(error, "sqlite_errorname", "")
    return name.startswith(tuple(_DAMAGED_SQLITE_ERRORS)) or type(error) is sqlite3.DatabaseError


@contextmanager
def damage_reported(what: str) -> Iterator[None]:
    """Turns SQLite's corruption errors inside the block into one IndexDamagedError."""
    try:
        yield
    except sqlite3.DatabaseError as error:
        if is_damage(error):
            raise IndexDamagedError(f"{what}: {error}") from None
        raise


def connect(path: Path) -> sqlite3.Connection:
    """A connection in WAL mode: readers never block the writer, nor the writer the readers."""
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, check_same_thread=False)
    try:
        conn.execute("PRAGMA journal_mode=WAL")  # the first read of the file: fails on garbage
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
    except sqlite3.Error:
        conn.close()
        raise
    conn.row_factory = sqlite3.Row
    conn.isolation_level = None  # transactions are explicit: BEGIN ... COMMIT
    return conn


def vector_file(data_dir: Path, generation: int) -> Path:
    return data_dir / VECTORS_DIR / f"gen-{generation:06d}.faiss"


class Catalog:
    """The SQLite side of the data folder; creates it on first use."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.path = data_dir / CATALOG_FILE
        (data_dir / VECTORS_DIR).mkdir(parents=True, exist_ok=True)
        # One connection per thread: WAL lets any number of them read at once, so concurrent
        # searches never queue behind one another (a shared connection allows one call at a time).
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        with damage_reported(f"{CATALOG_FILE} cannot be opened"):
            conn = self._conn
            try:
                conn.executescript(_SCHEMA)
            except BaseException:
                self.close()
                raise
        # The inode opened: a catalog moved aside and rebuilt by a repair is a new file.
        self.inode = self.path.stat().st_ino

    @property
    def _conn(self) -> sqlite3.Connection:
        """This thread's connection, opened on its first use."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self.path)
            self._local.conn = conn
            with self._connections_lock:
                self._connections.append(conn)
        return conn

    def is_current_file(self) -> bool:
        """False once the catalog file was replaced (a repair rebuilt it) or removed."""
        try:
            return self.path.stat().st_ino == self.inode
        except OSError:
            return False

    def check_integrity(self) -> str | None:
        """None when SQLite finds the catalog sound, else what it found wrong."""
        try:
            rows = self._conn.execute("PRAGMA quick_check").fetchall()
            # quick_check reads every page but not a virtual table's own structure.
            self._conn.execute("SELECT count(*) FROM chunks_fts").fetchone()
        except sqlite3.DatabaseError as error:
            return str(error)
        problems = [_one_line(str(row[0])) for row in rows if row[0] != "ok"]
        return "; ".join(problem for problem in problems[:3] if problem) or None

    def close(self) -> None:
        with self._connections_lock:
            connections, self._connections = self._connections, []
        for conn in connections:
            conn.close()

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: every query inside sees one consistent generation."""
        with damage_reported(f"{CATALOG_FILE} cannot be read"):
            self._conn.execute("BEGIN")
            try:
                yield self._conn
            finally:
                self._conn.execute("COMMIT")

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction that either commits whole or leaves nothing behind."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    # -- manifest -------------------------------------------------------------------------------

    def meta(self, conn: sqlite3.Connection | None = None) -> dict[str, str]:
        rows = (conn or self._conn).execute("SELECT key, value FROM meta").fetchall()
        return {row["key"]: row["value"] for row in rows}

    def generation(self, conn: sqlite3.Connection | None = None) -> int:
        return int(self.meta(conn).get("generation", "0"))

    def skipped_files(self) -> list[tuple[str, str]]:
        """(source, why) of each file the last reindex could not use."""
        raw = self.meta().get(SKIPPED_FILES_KEY)
        return [(item["source"], item["reason"]) for item in json.loads(raw)] if raw else []

    def embedder_on_disk(self) -> dict[str, object] | None:
        raw = self.meta().get("embedder")
        return json.loads(raw) if raw else None

    def check_embedder(self, configured: EmbedderInfo) -> None:
        on_disk = self.embedder_on_disk()
        if on_disk is not None and on_disk != configured.to_json():
            raise EmbedderMismatchError(embedder_mismatch_message(on_disk, configured))

    # -- reads ----------------------------------------------------------------------------------

    def briefs(self, conn: sqlite3.Connection | None = None) -> list[BriefRecord]:
        rows = (conn or self._conn).execute(
            "SELECT brief_id, source, title, date, content_hash, chunk_count, indexed_at, "
            "language FROM briefs ORDER BY date DESC, indexed_at DESC, brief_id"
        ).fetchall()
        return [_brief_record(row) for row in rows]

    def brief_text(self, brief_id: str) -> str | None:
        row = self._conn.execute(
            "SELECT text FROM briefs WHERE brief_id = ?", (brief_id,)
        ).fetchone()
        return row["text"] if row else None

    def chunk_rows(self, chunk_ids: Sequence[int], conn: sqlite3.Connection | None = None) -> dict[int, Passage]:
        if not chunk_ids:
            return {}
        marks = ",".join("?" * len(chunk_ids))
        rows = (conn or self._conn).execute(
            "SELECT c.chunk_id, c.brief_id, b.source, b.title, b.date, c.section, c.paragraphs, "
            f'c.start, c."end", c.text FROM chunks c JOIN briefs b USING (brief_id) '
            f"WHERE c.chunk_id IN ({marks})",
            list(chunk_ids),
        ).fetchall()
        return {row["chunk_id"]: _chunk_row(row) for row in rows}

    def chunk_count(self, conn: sqlite3.Connection | None = None) -> int:
        return int((conn or self._conn).execute("SELECT count(*) FROM chunks").fetchone()[0])

    def lexical_scores(
        self, match_query: str, conn: sqlite3.Connection | None = None
    ) -> dict[int, float]:
        """The BM25 score (higher is better) of every chunk that matches `match_query`.

        One pass gives the hybrid retriever both the lexical top-N and the BM25 of the chunks
        only the dense side found: cheaper than a second query restricted to their rowids,
        which FTS5 answers by scanning the whole match anyway.
        """
        if not match_query:
            return {}
        rows = (conn or self._conn).execute(
            "SELECT rowid, bm25(chunks_fts) FROM chunks_fts WHERE chunks_fts MATCH ?",
            (match_query,),
        ).fetchall()
        return {int(row[0]): -float(row[1]) for row in rows}

    def term_document_counts(
        self, terms: Sequence[str], conn: sqlite3.Connection | None = None
    ) -> tuple[int, dict[str, int]]:
        """(chunks in the FTS index, how many of them contain each term): BM25's IDF inputs."""
        if not terms:
            return 0, {}
        marks = ",".join("?" * len(terms))
        db = conn or self._conn
        total = int(db.execute("SELECT count(*) FROM chunks").fetchone()[0])
        rows = db.execute(
            f"SELECT term, doc FROM chunks_vocab WHERE term IN ({marks})", list(terms)
        ).fetchall()
        return total, {row[0]: int(row[1]) for row in rows}

    def brief_dates(self, conn: sqlite3.Connection | None = None) -> list[date]:
        """The distinct dates of the indexed briefs, newest first."""
        rows = (conn or self._conn).execute(
            "SELECT DISTINCT date FROM briefs WHERE date IS NOT NULL ORDER BY date DESC"
        ).fetchall()
        return [date.fromisoformat(row[0]) for row in rows]

    def briefs_whose_lead_has(
        self, needle: str, lead_chars: int, conn: sqlite3.Connection | None = None
    ) -> list[tuple[str, str]]:
        """(brief id, lead) of the briefs whose first `lead_chars` characters contain `needle`."""
        rows = (conn or self._conn).execute(
            "SELECT brief_id, substr(text, 1, ?) AS lead FROM briefs "
            "WHERE instr(lower(substr(text, 1, ?)), lower(?)) > 0",
            (lead_chars, lead_chars, needle),
        ).fetchall()
        return [(row[0], row[1]) for row in rows]

    def chunk_ids_of(
        self,
        conn: sqlite3.Connection | None = None,
        *,
        dates: Sequence[date] = (),
        brief_ids: Sequence[str] = (),
    ) -> list[int]:
        """The chunk ids of the briefs dated `dates` or named in `brief_ids`."""
        keys = [d.isoformat() for d in dates]
        if not keys and not brief_ids:
            return []
        date_marks, id_marks = ",".join("?" * len(keys)), ",".join("?" * len(brief_ids))
        rows = (conn or self._conn).execute(
            "SELECT c.chunk_id FROM chunks c JOIN briefs b USING (brief_id) "
            f"WHERE b.date IN ({date_marks}) OR b.brief_id IN ({id_marks})",
            [*keys, *brief_ids],
        ).fetchall()
        return [int(row[0]) for row in rows]

    def cached_hashes(self, hashes: Iterable[str]) -> set[str]:
        wanted = list(dict.fromkeys(hashes))
        found: set[str] = set()
        for start in range(0, len(wanted), 500):
            part = wanted[start : start + 500]
            marks = ",".join("?" * len(part))
            rows = self._conn.execute(
                f"SELECT embed_hash FROM vector_cache WHERE embed_hash IN ({marks})", part
            ).fetchall()
            found.update(row[0] for row in rows)
        return found

    def vectors_for_chunks(self, conn: sqlite3.Connection | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Every current chunk's id and cached vector: what a FAISS index is rebuilt from."""
        rows = (conn or self._conn).execute(
            "SELECT c.chunk_id, v.vector FROM chunks c JOIN vector_cache v USING (embed_hash) "
            "ORDER BY c.chunk_id"
        ).fetchall()
        ids = np.array([row[0] for row in rows], dtype=np.int64)
        vectors = (
            np.vstack([np.frombuffer(row[1], dtype=np.float32) for row in rows])
            if rows
            else np.empty((0, 0), dtype=np.float32)
        )
        return ids, vectors

    # -- writes ---------------------------------------------------------------------------------

    def cache_raw_vectors(self, rows: Sequence[tuple[str, bytes]]) -> None:
        """Store (embed hash, float32 bytes) rows as they are: vectors saved from a damaged catalog."""
        with self.write() as conn:
            conn.executemany("INSERT OR REPLACE INTO vector_cache (embed_hash, vector) VALUES (?, ?)", rows)

    def cache_vectors(self, hashes: Sequence[str], vectors: np.ndarray) -> None:
        """Store freshly computed vectors at once, in their own transaction.

        They are only a cache until a generation references them, so a reindex killed later
        keeps the work already done and the next run picks up where it stopped.
        """
        with self.write() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO vector_cache (embed_hash, vector) VALUES (?, ?)",
                [(h, np.ascontiguousarray(v, dtype=np.float32).tobytes()) for h, v in zip(hashes, vectors)],
            )

    def vectors_by_hash(self, hashes: Sequence[str], conn: sqlite3.Connection) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(hashes), 500):
            part = list(hashes[start : start + 500])
            marks = ",".join("?" * len(part))
            for row in conn.execute(
                f"SELECT embed_hash, vector FROM vector_cache WHERE embed_hash IN ({marks})", part
            ):
                found[row[0]] = np.frombuffer(row[1], dtype=np.float32)
        return found


def _one_line(message: str) -> str:
    # quick_check's first line names the database ("*** in database main ***"): noise here.
    return " ".join(message.replace("*** in database main ***", "").split())


def _parse_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _brief_record(row: sqlite3.Row) -> BriefRecord:
    return BriefRecord(
        brief_id=row["brief_id"],
        source=row["source"],
        title=row["title"],
        date=_parse_date(row["date"]),
        content_hash=row["content_hash"],
        chunk_count=row["chunk_count"],
        indexed_at=row["indexed_at"],
        language=row["language"],
    )


def _chunk_row(row: sqlite3.Row) -> Passage:
    return Passage(
        chunk_id=row["chunk_id"],
        brief_id=row["brief_id"],
        source=row["source"],
        title=row["title"],
        date=_parse_date(row["date"]),
        section=row["section"],
        paragraphs=tuple(json.loads(row["paragraphs"])),
        start=row["start"],
        end=row["end"],
        text=row["text"],
    )


# -- FAISS ------------------------------------------------------------------------------------------


def vector_file_problem(data_dir: Path, generation: int, chunk_count: int) -> str | None:
    """What is wrong with a generation's FAISS file (missing, unreadable, or not holding one
    vector per chunk of the catalog), or None when it is sound."""
    if generation == 0:
        return None
    path = vector_file(data_dir, generation)
    name = path.relative_to(data_dir).as_posix()
    if not path.exists():
        return f"{name} is missing"
    try:
        index = read_faiss(path)
    except RuntimeError:  # FAISS's one exception type for a truncated or garbled file
        return f"{name} cannot be read"
    if index.ntotal != chunk_count:
        return f"{name} holds {index.ntotal} vectors for {chunk_count} chunks"
    return None


def set_aside_damaged_catalog(data_dir: Path) -> tuple[Path, list[tuple[str, bytes]]]:
    """Move a damaged catalog (and its WAL files) to catalog.broken-<time>.sqlite3, kept for a
    person to look at; returns its new path and whatever cached vectors could still be read
    from it, so that a rebuild re-embeds only what was lost."""
    path = data_dir / CATALOG_FILE
    salvaged = _readable_vector_cache(path)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    aside = data_dir / f"catalog.broken-{stamp}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        part = Path(f"{path}{suffix}")
        if part.exists():
            os.replace(part, Path(f"{aside}{suffix}"))
    return aside, salvaged


def _readable_vector_cache(path: Path) -> list[tuple[str, bytes]]:
    if not path.exists():
        return []
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return []
    try:
        rows = conn.execute("SELECT embed_hash, vector FROM vector_cache").fetchall()
        return [(str(h), bytes(v)) for h, v in rows]
    except sqlite3.Error:  # the damage reached the cache too: nothing of it can be trusted
        return []
    finally:
        conn.close()


def remove_stale_vector_files(data_dir: Path, current_generation: int) -> None:
    """Delete FAISS files older than the previous generation, and orphans of killed runs.

    The previous generation's file stays: a reader whose snapshot began just before the swap
    may still be about to load it. Readers hold a loaded generation in memory, so deleting a
    file never breaks a reader that already has it.
    """
    keep = {vector_file(data_dir, g).name for g in (current_generation, current_generation - 1)}
    for path in (data_dir / VECTORS_DIR).glob("gen-*"):
        if path.name not in keep:
            path.unlink(missing_ok=True)


@contextmanager
def reindex_lock(data_dir: Path) -> Iterator[None]:
    """One reindex at a time, across processes (the bot and the CLI) and within one.

    flock is released by the kernel when the holder dies, so a killed reindex never leaves a
    stale lock behind.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    handle = open(data_dir / LOCK_FILE, "a+")
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ReindexAlreadyRunningError(
                "A reindex is already running; wait for it to finish."
            ) from None
        yield
    finally:
        handle.close()


# -- the store ------------------------------------------------------------------------------------


class SqliteFaissStore:
    """The knowledge store of one data folder (see the module docstring); safe to share between
    threads. Reads go through the catalog (one SQLite connection per thread); each write opens
    its own, so searches keep running (SQLite WAL) while a reindex writes.

    The catalog is opened on first use, and opened again once a repair replaced its file: a
    store made over a damaged catalog still reaches `repair` (and says what is damaged)."""

    kind = "sqlite-faiss"

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._catalog: Catalog | None = None
        self._catalog_lock = threading.Lock()
        self._generation = -1
        self._index: faiss.Index | None = None
        self._load_lock = threading.Lock()

    @property
    def catalog(self) -> Catalog:
        """The catalog of the data folder; IndexDamagedError when SQLite can't open it."""
        with self._catalog_lock:
            catalog = self._catalog
            if catalog is None or not catalog.is_current_file():
                # First use, or a repair replaced the catalog file: read the new one. The old
                # connections are left to close when dropped (a search may still be on one).
                catalog = Catalog(self.data_dir)
                self._catalog = catalog
                with self._load_lock:
                    self._generation, self._index = -1, None
            return catalog

    # -- documents ------------------------------------------------------------------------------

    def count_documents(self) -> int:
        with damage_reported(f"{CATALOG_FILE} cannot be read"):
            return self.catalog.chunk_count()

    def filter_documents(
        self,
        *,
        chunk_ids: Sequence[int] = (),
        dates: Sequence[date] = (),
        brief_ids: Sequence[str] = (),
    ) -> list[Passage]:
        with damage_reported(f"{CATALOG_FILE} cannot be read"):
            catalog = self.catalog
            wanted = list(chunk_ids)
            if dates or brief_ids:
                wanted += catalog.chunk_ids_of(dates=dates, brief_ids=brief_ids)
            rows = catalog.chunk_rows(list(dict.fromkeys(wanted)))
        return sorted(rows.values(), key=_newest_brief_first)

    def write_documents(self, generation: NextGeneration) -> int:
        writer = Catalog(self.data_dir)
        try:
            return _write_generation(writer, self.data_dir, generation)
        finally:
            writer.close()

    def delete_documents(self, brief_ids: Sequence[str], embedder: EmbedderInfo, lexicon: str) -> int:
        return self.write_documents(NextGeneration(tuple(brief_ids), (), embedder, lexicon))

    def briefs(self) -> list[BriefRecord]:
        with damage_reported(f"{CATALOG_FILE} cannot be read"):
            return self.catalog.briefs()

    def brief_text(self, brief_id: str) -> str | None:
        with damage_reported(f"{CATALOG_FILE} cannot be read"):
            return self.catalog.brief_text(brief_id)

    # -- manifest and vector cache ----------------------------------------------------------------

    def manifest(self) -> dict[str, str]:
        with damage_reported(f"{CATALOG_FILE} cannot be read"):
            return self.catalog.meta()

    def mark_indexed_now(self, skipped: Sequence[tuple[str, str]] = ()) -> None:
        writer = Catalog(self.data_dir)
        try:
            with writer.write() as conn:
                _set_meta(conn, "last_indexed_at", _now())
                _set_meta(conn, SKIPPED_FILES_KEY, skipped_json(skipped))
        finally:
            writer.close()

    def cached_hashes(self, hashes: Iterable[str]) -> set[str]:
        return self.catalog.cached_hashes(hashes)

    def cache_vectors(self, hashes: Sequence[str], vectors: np.ndarray) -> None:
        writer = Catalog(self.data_dir)
        try:
            writer.cache_vectors(hashes, vectors)
        finally:
            writer.close()

    # -- repair ---------------------------------------------------------------------------------

    def repair(self, embedder: EmbedderInfo, *, full: bool) -> list[str]:
        """A catalog SQLite can't open or finds damaged is moved aside (kept for a look) and a new
        one started, with whatever cached vectors could still be read from it; then the current
        generation's FAISS file is checked (present, readable, one vector a chunk). Either calls
        for a full pass, which rebuilds the FAISS file from the vector cache."""
        repairs: list[str] = []
        problem = self._catalog_problem()
        if problem is not None:
            with self._catalog_lock:
                if self._catalog is not None:
                    self._catalog.close()
                    self._catalog = None
            aside, salvaged = set_aside_damaged_catalog(self.data_dir)
            if salvaged:
                self.catalog.cache_raw_vectors(salvaged)
            repairs.append(
                f"{CATALOG_FILE} was damaged ({problem}): moved aside as {aside.name} and rebuilt "
                f"from the briefs folder ({len(salvaged)} cached vectors saved from it)"
            )
            return repairs
        catalog = self.catalog
        if full or catalog.embedder_on_disk() != embedder.to_json():
            return repairs  # rebuilt anyway, or refused later for another embedder
        vectors = vector_file_problem(self.data_dir, catalog.generation(), catalog.chunk_count())
        if vectors:
            repairs.append(f"{vectors}: rebuilt from the vector cache")
        return repairs

    def _catalog_problem(self) -> str | None:
        try:
            catalog = Catalog(self.data_dir)  # opened afresh: the very file on disk now
        except IndexDamagedError as error:
            return error.what
        try:
            return catalog.check_integrity()
        finally:
            catalog.close()

    # -- reading, locking -----------------------------------------------------------------------

    @contextmanager
    def search_view(self) -> Iterator[SqliteSearchView]:
        """One SQLite read transaction, and the FAISS index of the generation it sees."""
        with damage_reported(f"{CATALOG_FILE} cannot be read"):
            catalog = self.catalog
        with catalog.snapshot() as conn:
            generation = catalog.generation(conn)
            yield SqliteSearchView(catalog, conn, self._index_for(catalog, generation, conn), generation)

    def _index_for(self, catalog: Catalog, generation: int, conn: sqlite3.Connection) -> faiss.Index:
        """The FAISS index of `generation`, loaded once per generation.

        A FAISS file that is missing, unreadable or short of vectors (damaged on disk) is
        rebuilt in memory from the catalog's vector cache, so questions keep being answered
        until `briefbot index` repairs the file; IndexDamagedError if the cache can't do it.
        """
        with self._load_lock:
            if generation != self._generation or self._index is None:
                dimension = _dimension_of(catalog, conn)
                if generation == 0:
                    index = build_faiss(np.empty(0, np.int64), np.empty((0, 0)), dimension)
                else:
                    chunk_count = catalog.chunk_count(conn)
                    problem = vector_file_problem(self.data_dir, generation, chunk_count)
                    if problem is None:
                        index = read_faiss(vector_file(self.data_dir, generation))
                    else:
                        index = _from_vector_cache(catalog, conn, problem, chunk_count, dimension)
                self._index, self._generation = index, generation
            return self._index

    def reindex_lock(self) -> contextlib.AbstractContextManager[None]:
        return reindex_lock(self.data_dir)

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.data_dir.rglob("*") if p.is_file())

    def close(self) -> None:
        with self._catalog_lock:
            if self._catalog is not None:
                self._catalog.close()
                self._catalog = None


def _from_vector_cache(
    catalog: Catalog, conn: sqlite3.Connection, problem: str, chunk_count: int, dimension: int
) -> faiss.Index:
    ids, vectors = catalog.vectors_for_chunks(conn)
    if len(ids) != chunk_count:
        raise IndexDamagedError(f"{problem}, and the vector cache lacks some of its vectors")
    logger.warning("%s: searching vectors rebuilt from the cache; `briefbot index` repairs it", problem)
    return build_faiss(ids, vectors, dimension)


class SqliteSearchView:
    """One generation of the data folder: a SQLite read transaction and its FAISS index."""

    def __init__(self, catalog: Catalog, conn: sqlite3.Connection, index: faiss.Index, generation: int) -> None:
        self._catalog = catalog
        self._conn = conn
        self._index = index
        self.generation = generation

    def brief_dates(self) -> list[date]:
        return self._catalog.brief_dates(self._conn)

    def briefs_whose_lead_has(self, needle: str, lead_chars: int) -> list[tuple[str, str]]:
        return self._catalog.briefs_whose_lead_has(needle, lead_chars, self._conn)

    def filter_chunk_ids(self, *, dates: Sequence[date] = (), brief_ids: Sequence[str] = ()) -> list[int]:
        return self._catalog.chunk_ids_of(self._conn, dates=dates, brief_ids=brief_ids)

    def lexical_scores(self, terms: Sequence[str]) -> dict[int, float]:
        return self._catalog.lexical_scores(fts_match_expression(terms), self._conn)

    def term_document_counts(self, terms: Sequence[str]) -> tuple[int, dict[str, int]]:
        return self._catalog.term_document_counts(terms, self._conn)

    def chunks_holding(self, terms: Sequence[str], *, phrase: bool = False) -> list[int]:
        if not terms:
            return []
        expression = f'"{" ".join(terms)}"' if phrase else " AND ".join(f'"{term}"' for term in terms)
        return list(self._catalog.lexical_scores(expression, self._conn))

    def dense_search(
        self, query_vector: np.ndarray, n: int, scope: Sequence[int] | None
    ) -> list[tuple[int, float]]:
        return search_vectors(self._index, query_vector, n, scope)

    def vectors(self, chunk_ids: Sequence[int]) -> np.ndarray:
        return self._index.reconstruct_batch(np.asarray(chunk_ids, dtype=np.int64))

    def chunk_rows(self, chunk_ids: Sequence[int]) -> dict[int, Passage]:
        return self._catalog.chunk_rows(chunk_ids, self._conn)


def fts_match_expression(terms: Sequence[str]) -> str:
    """An FTS5 MATCH expression that ORs `terms`, each quoted to be taken literally."""
    return " OR ".join(f'"{term}"' for term in dict.fromkeys(terms))


def _newest_brief_first(passage: Passage) -> tuple[int, str, int]:
    return (-(passage.date.toordinal() if passage.date else 0), passage.brief_id, passage.start)


def _dimension_of(catalog: Catalog, conn: sqlite3.Connection | None = None) -> int:
    raw = catalog.meta(conn).get("embedder")
    on_disk = json.loads(raw) if raw else {}
    return int(on_disk.get("dimension", 0))


# -- writing a generation ---------------------------------------------------------------------


def _write_generation(catalog: Catalog, data_dir: Path, change: NextGeneration) -> int:
    """Swap catalog rows and the FAISS generation in one transaction."""
    with catalog.write() as conn:
        generation = catalog.generation(conn)
        replaced = list(change.replaced_brief_ids)
        if change.rebuild:
            # A full rebuild keeps nothing of the old generation: a brief that failed to load
            # this time would otherwise keep vectors from a previous embedder.
            replaced = [row[0] for row in conn.execute("SELECT brief_id FROM briefs")]
        old_chunk_ids = _chunk_ids_of(conn, replaced)
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
        _set_meta(conn, "generation", str(next_generation))
        _set_meta(conn, "embedder", json.dumps(change.embedder.to_json()))
        _set_meta(conn, "schema_version", str(SCHEMA_VERSION))
        _set_meta(conn, "lexicon", change.lexicon)
        _set_meta(conn, "parser", change.parser)
        _set_meta(conn, "last_indexed_at", _now())
        _set_meta(conn, SKIPPED_FILES_KEY, skipped_json(change.skipped))
        conn.execute("DELETE FROM vector_cache WHERE embed_hash NOT IN (SELECT embed_hash FROM chunks)")
    crash_point("committed")
    remove_stale_vector_files(data_dir, next_generation)
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
    now = _now()
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
            conn.execute(
                "INSERT INTO chunks_fts (rowid, terms) VALUES (?, ?)", (chunk_id, " ".join(written.terms))
            )
            new_ids.append(chunk_id)
            new_hashes.append(written.embed_hash)
    return new_ids, new_hashes


def _chunk_ids_of(conn: sqlite3.Connection, brief_ids: list[str]) -> list[int]:
    ids: list[int] = []
    for brief_id in brief_ids:
        ids.extend(
            int(row[0]) for row in conn.execute("SELECT chunk_id FROM chunks WHERE brief_id = ?", (brief_id,))
        )
    return ids


def _set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
