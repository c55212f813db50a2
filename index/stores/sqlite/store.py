"""`SqliteFaissStore`: the default `KnowledgeStore`, one data folder (see the package docstring)."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import faiss
import numpy as np

from index.embeddings import EmbedderInfo
from index.errors import IndexDamagedError
from index.records import BriefRecord, Passage
from index.stores.faiss_vectors import build_faiss, read_faiss
from index.stores.protocol import SKIPPED_FILES_KEY, NextGeneration, skipped_json
from index.stores.sqlite.catalog import Catalog
from index.stores.sqlite.generations import now_text, set_meta, write_generation
from index.stores.sqlite.lexical import open_lexical
from index.stores.sqlite.lexical_index import LexicalIndex, folder_problem
from index.stores.sqlite.repair import reindex_lock, set_aside_damaged_catalog, vector_file_problem
from index.stores.sqlite.schema import CATALOG_FILE, damage_reported, vector_file
from index.stores.sqlite.search_view import SqliteSearchView, dimension_of, newest_brief_first

logger = logging.getLogger(__name__)


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
        self._lexical: LexicalIndex | None = None
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
                    self._generation, self._index, self._lexical = -1, None, None
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
        return sorted(rows.values(), key=newest_brief_first)

    def write_documents(self, generation: NextGeneration) -> int:
        writer = Catalog(self.data_dir)
        try:
            return write_generation(writer, self.data_dir, generation)
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
                set_meta(conn, "last_indexed_at", now_text())
                set_meta(conn, SKIPPED_FILES_KEY, skipped_json(skipped))
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
        generation's FAISS file is checked (present, readable, one vector a chunk), and its tantivy
        folder (present, stamped with this generation, one document a chunk). Any of these calls
        for a full pass, which rebuilds the FAISS file from the vector cache and the tantivy
        folder from the catalog's terms: nothing is embedded again."""
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
        generation, chunk_count = catalog.generation(), catalog.chunk_count()
        vectors = vector_file_problem(self.data_dir, generation, chunk_count)
        if vectors:
            repairs.append(f"{vectors}: rebuilt from the vector cache")
        lexical = folder_problem(self.data_dir, generation, chunk_count) if generation else None
        if lexical:
            repairs.append(f"{lexical}: rebuilt from the catalog's terms")
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
        """One SQLite read transaction, and the FAISS index and tantivy folder of the generation
        it sees."""
        with damage_reported(f"{CATALOG_FILE} cannot be read"):
            catalog = self.catalog
        with catalog.snapshot() as conn:
            generation = catalog.generation(conn)
            index = self._index_for(catalog, generation, conn)
            yield SqliteSearchView(catalog, conn, index, generation, self._lexical_for(catalog, generation, conn))

    def warm(self) -> int:
        """Loads the current generation's FAISS index and opens its tantivy index (a search view
        does so on first use); the vectors loaded."""
        with self.search_view() as view:
            return view.vectors_loaded

    def _lexical_for(self, catalog: Catalog, generation: int, conn: sqlite3.Connection) -> LexicalIndex:
        """The tantivy index of `generation` (loaded after its FAISS index, under the same lock);
        rebuilt in memory from the catalog when its folder is unsound."""
        with self._load_lock:
            lexical = self._lexical
            if lexical is None or lexical.stamp.generation != generation:
                lexical = open_lexical(self.data_dir, generation, catalog.chunk_count(conn), conn)
                self._lexical = lexical
            return lexical

    def _index_for(self, catalog: Catalog, generation: int, conn: sqlite3.Connection) -> faiss.Index:
        """The FAISS index of `generation`, loaded once per generation.

        A FAISS file that is missing, unreadable or short of vectors (damaged on disk) is
        rebuilt in memory from the catalog's vector cache, so questions keep being answered
        until `briefbot index` repairs the file; IndexDamagedError if the cache can't do it.
        """
        with self._load_lock:
            if generation != self._generation or self._index is None:
                dimension = dimension_of(catalog, conn)
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
