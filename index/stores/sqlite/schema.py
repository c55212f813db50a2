"""The data folder's layout and its SQLite catalog's schema; opening a connection, and telling
a damaged catalog file from a busy one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from index.errors import IndexDamagedError

SCHEMA_VERSION = 1
CATALOG_FILE = "catalog.sqlite3"
VECTORS_DIR = "vectors"
LOCK_FILE = "reindex.lock"
# Readers wait this long for a writer's lock instead of failing at once.
BUSY_TIMEOUT_S = 30.0

CATALOG_SCHEMA = """
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
-- The dates (every answer reads them) and a day's chunks without scanning every brief: at 10,000
-- briefs, 35 ms and 480 ms without it (bench_scale.py, a million chunks). Made on first open of
-- an older catalog.
CREATE INDEX IF NOT EXISTS briefs_by_date ON briefs(date);
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
