"""`Catalog`: every read and write of the SQLite catalog (briefs, chunks, FTS5, the vector cache,
the manifest), and the rows it hands out as `BriefRecord` / `Passage`.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import numpy as np

from index.embeddings import EmbedderInfo
from index.errors import EmbedderMismatchError, embedder_mismatch_message
from index.records import BriefRecord, Passage
from index.stores.protocol import SKIPPED_FILES_KEY
from index.stores.sqlite.schema import CATALOG_FILE, CATALOG_SCHEMA, VECTORS_DIR, connect, damage_reported


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
                conn.executescript(CATALOG_SCHEMA)
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
        rows = (
            (conn or self._conn)
            .execute(
                "SELECT brief_id, source, title, date, content_hash, chunk_count, indexed_at, "
                "language FROM briefs ORDER BY date DESC, indexed_at DESC, brief_id"
            )
            .fetchall()
        )
        return [_brief_record(row) for row in rows]

    def brief_text(self, brief_id: str) -> str | None:
        row = self._conn.execute("SELECT text FROM briefs WHERE brief_id = ?", (brief_id,)).fetchone()
        return row["text"] if row else None

    def chunk_rows(self, chunk_ids: Sequence[int], conn: sqlite3.Connection | None = None) -> dict[int, Passage]:
        if not chunk_ids:
            return {}
        marks = ",".join("?" * len(chunk_ids))
        rows = (
            (conn or self._conn)
            .execute(
                "SELECT c.chunk_id, c.brief_id, b.source, b.title, b.date, c.section, c.paragraphs, "
                f'c.start, c."end", c.text FROM chunks c JOIN briefs b USING (brief_id) '
                f"WHERE c.chunk_id IN ({marks})",
                list(chunk_ids),
            )
            .fetchall()
        )
        return {row["chunk_id"]: _chunk_row(row) for row in rows}

    def chunk_count(self, conn: sqlite3.Connection | None = None) -> int:
        return int((conn or self._conn).execute("SELECT count(*) FROM chunks").fetchone()[0])

    def lexical_scores(self, match_query: str, conn: sqlite3.Connection | None = None) -> dict[int, float]:
        """The BM25 score (higher is better) of every chunk that matches `match_query`.

        One pass gives the hybrid retriever both the lexical top-N and the BM25 of the chunks
        only the dense side found: cheaper than a second query restricted to their rowids,
        which FTS5 answers by scanning the whole match anyway.
        """
        if not match_query:
            return {}
        rows = (
            (conn or self._conn)
            .execute(
                "SELECT rowid, bm25(chunks_fts) FROM chunks_fts WHERE chunks_fts MATCH ?",
                (match_query,),
            )
            .fetchall()
        )
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
        rows = db.execute(f"SELECT term, doc FROM chunks_vocab WHERE term IN ({marks})", list(terms)).fetchall()
        return total, {row[0]: int(row[1]) for row in rows}

    def brief_dates(self, conn: sqlite3.Connection | None = None) -> list[date]:
        """The distinct dates of the indexed briefs, newest first."""
        rows = (
            (conn or self._conn)
            .execute("SELECT DISTINCT date FROM briefs WHERE date IS NOT NULL ORDER BY date DESC")
            .fetchall()
        )
        return [date.fromisoformat(row[0]) for row in rows]

    def briefs_whose_lead_has(
        self, needle: str, lead_chars: int, conn: sqlite3.Connection | None = None
    ) -> list[tuple[str, str]]:
        """(brief id, lead) of the briefs whose first `lead_chars` characters contain `needle`."""
        rows = (
            (conn or self._conn)
            .execute(
                "SELECT brief_id, substr(text, 1, ?) AS lead FROM briefs "
                "WHERE instr(lower(substr(text, 1, ?)), lower(?)) > 0",
                (lead_chars, lead_chars, needle),
            )
            .fetchall()
        )
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
        rows = (
            (conn or self._conn)
            .execute(
                # The briefs first (by date or id), then their chunks by index: a join filtered
                # on an OR scanned every chunk.
                "SELECT chunk_id FROM chunks WHERE brief_id IN (SELECT brief_id FROM briefs "
                f"WHERE date IN ({date_marks}) OR brief_id IN ({id_marks})) ORDER BY brief_id, chunk_id",
                [*keys, *brief_ids],
            )
            .fetchall()
        )
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

    def vectors_of_chunks(
        self, chunk_ids: Sequence[int], conn: sqlite3.Connection | None = None
    ) -> dict[int, np.ndarray]:
        """The cached (exact) vectors of these chunks, by chunk id."""
        found: dict[int, np.ndarray] = {}
        ids = [int(c) for c in chunk_ids]
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            marks = ",".join("?" * len(part))
            rows = (
                (conn or self._conn)
                .execute(
                    f"SELECT c.chunk_id, v.vector FROM chunks c JOIN vector_cache v USING (embed_hash) "
                    f"WHERE c.chunk_id IN ({marks})",
                    part,
                )
                .fetchall()
            )
            found.update((int(row[0]), np.frombuffer(row[1], dtype=np.float32)) for row in rows)
        return found

    def vectors_for_chunks(self, conn: sqlite3.Connection | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Every current chunk's id and cached vector: what a FAISS index is rebuilt from."""
        rows = (
            (conn or self._conn)
            .execute(
                "SELECT c.chunk_id, v.vector FROM chunks c JOIN vector_cache v USING (embed_hash) ORDER BY c.chunk_id"
            )
            .fetchall()
        )
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
                [
                    (h, np.ascontiguousarray(v, dtype=np.float32).tobytes())
                    for h, v in zip(hashes, vectors, strict=True)
                ],
            )

    def vectors_by_hash(self, hashes: Sequence[str], conn: sqlite3.Connection) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(hashes), 500):
            part = list(hashes[start : start + 500])
            marks = ",".join("?" * len(part))
            for row in conn.execute(f"SELECT embed_hash, vector FROM vector_cache WHERE embed_hash IN ({marks})", part):
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
