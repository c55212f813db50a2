"""`SqliteSearchView`: one generation of the data folder, as a search reads it (one SQLite
snapshot and the generation's FAISS index).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import date

import faiss
import numpy as np

from index.records import Passage
from index.stores.faiss_vectors import is_inverted_file
from index.stores.faiss_vectors import search as search_vectors
from index.stores.sqlite.catalog import Catalog
from index.stores.sqlite.lexical import SqliteLexical
from index.stores.sqlite.lexical_index import LexicalIndex


class SqliteSearchView:
    """One generation of the data folder: a SQLite read transaction, its FAISS index and its
    tantivy index."""

    def __init__(
        self, catalog: Catalog, conn: sqlite3.Connection, index: faiss.Index, generation: int, lexical: LexicalIndex
    ) -> None:
        self._catalog = catalog
        self._conn = conn
        self._index = index
        self._lexical = SqliteLexical(lexical, conn)
        self.generation = generation

    @property
    def vectors_loaded(self) -> int:
        """The vectors of this generation's FAISS index, in memory."""
        return int(self._index.ntotal)

    def brief_dates(self) -> list[date]:
        return self._catalog.brief_dates(self._conn)

    def briefs_whose_lead_has(self, needle: str, lead_chars: int) -> list[tuple[str, str]]:
        return self._catalog.briefs_whose_lead_has(needle, lead_chars, self._conn)

    def filter_chunk_ids(self, *, dates: Sequence[date] = (), brief_ids: Sequence[str] = ()) -> list[int]:
        return self._catalog.chunk_ids_of(self._conn, dates=dates, brief_ids=brief_ids)

    def lexical_scores(self, terms: Sequence[str]) -> dict[int, float]:
        """Every match's BM25 (FTS5 scores them all): for the tuning script, not for questions."""
        return self._catalog.lexical_scores(fts_match_expression(terms), self._conn)

    def lexical_top(self, terms: Sequence[str], n: int, scope: Sequence[int] | None) -> dict[int, float]:
        return self._lexical.top(terms, n, scope)

    def lexical_scores_of(self, terms: Sequence[str], chunk_ids: Sequence[int]) -> dict[int, float]:
        return self._lexical.scores_of(terms, chunk_ids)

    def term_document_counts(self, terms: Sequence[str]) -> tuple[int, dict[str, int]]:
        return self._lexical.document_counts(terms)

    def chunks_holding(self, terms: Sequence[str], *, phrase: bool = False) -> list[int]:
        if not terms:
            return []
        expression = f'"{" ".join(terms)}"' if phrase else " AND ".join(f'"{term}"' for term in terms)
        return list(self._catalog.lexical_scores(expression, self._conn))

    def dense_search(self, query_vector: np.ndarray, n: int, scope: Sequence[int] | None) -> list[tuple[int, float]]:
        return search_vectors(self._index, query_vector, n, scope, self.vectors)

    def vectors(self, chunk_ids: Sequence[int]) -> np.ndarray:
        if not is_inverted_file(self._index):
            return self._index.reconstruct_batch(np.asarray(chunk_ids, dtype=np.int64))
        # The inverted file holds 8-bit vectors: the candidates' exact ones come from the vector
        # cache (a few dozen rows), so cosines and copies are judged as on an exact index.
        exact = self._catalog.vectors_of_chunks(chunk_ids, self._conn)
        if not len(chunk_ids):
            return np.empty((0, self._index.d), np.float32)
        return np.vstack([exact[int(c)] for c in chunk_ids])

    def chunk_rows(self, chunk_ids: Sequence[int]) -> dict[int, Passage]:
        return self._catalog.chunk_rows(chunk_ids, self._conn)


def fts_match_expression(terms: Sequence[str]) -> str:
    """An FTS5 MATCH expression that ORs `terms`, each quoted to be taken literally."""
    return " OR ".join(f'"{term}"' for term in dict.fromkeys(terms))


def newest_brief_first(passage: Passage) -> tuple[int, str, int]:
    return (-(passage.date.toordinal() if passage.date else 0), passage.brief_id, passage.start)


def dimension_of(catalog: Catalog, conn: sqlite3.Connection | None = None) -> int:
    raw = catalog.meta(conn).get("embedder")
    on_disk = json.loads(raw) if raw else {}
    return int(on_disk.get("dimension", 0))
