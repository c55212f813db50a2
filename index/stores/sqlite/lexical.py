"""The embedded store's lexical side: the catalog's terms (FTS5 table `chunks_fts`, the record
every generation's tantivy folder is built from) and the tantivy folder that ranks them.

tantivy proposes; FTS5's formula scores (`index.text.bm25`), from the proposed chunks' stored
terms: a question costs tantivy's top k plus a few hundred rowid lookups, however many chunks
hold its words.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path

from index.stores.sqlite.lexical_index import (
    LexicalDoc,
    LexicalIndex,
    Stamp,
    folder_problem,
    write_generation,
)
from index.text import bm25

logger = logging.getLogger(__name__)

# tantivy's candidates per chunk wanted: its BM25 (Lucene's IDF, one-byte lengths) orders
# a little differently from FTS5's, so it proposes more than are kept; at 4× every exact top 10
# of the eval questions was among them at 100,000 and 200,000 chunks (bench_lexical.py).
PROPOSED_PER_WANTED = 4
PROPOSED_MIN = 100

_DOCS_SELECT = (
    "SELECT c.chunk_id, c.brief_id, b.date, f.terms FROM chunks c JOIN briefs b USING (brief_id) "
    "JOIN chunks_fts f ON f.rowid = c.chunk_id"
)


def day_ordinal(iso_date: str | None) -> int:
    return date.fromisoformat(iso_date).toordinal() if iso_date else 0


def lexical_docs(conn: sqlite3.Connection, brief_ids: Sequence[str] | None = None) -> Iterator[LexicalDoc]:
    """The tantivy documents of the catalog's chunks (of `brief_ids` only, when given)."""
    if brief_ids is None:
        rows = conn.execute(_DOCS_SELECT + " ORDER BY c.chunk_id")
    else:
        if not brief_ids:
            return
        marks = ",".join("?" * len(brief_ids))
        rows = conn.execute(_DOCS_SELECT + f" WHERE c.brief_id IN ({marks}) ORDER BY c.chunk_id", list(brief_ids))
    for chunk_id, brief_id, day, terms in rows:
        yield LexicalDoc(int(chunk_id), day_ordinal(day), brief_id, bm25.split_terms(terms))


def removed_size(conn: sqlite3.Connection, chunk_ids: Sequence[int]) -> tuple[int, int]:
    """(chunks, terms) leaving the index: read before their FTS rows are deleted."""
    docs = tokens = 0
    for start in range(0, len(chunk_ids), 500):
        part = list(chunk_ids[start : start + 500])
        marks = ",".join("?" * len(part))
        for (terms,) in conn.execute(f"SELECT terms FROM chunks_fts WHERE rowid IN ({marks})", part):
            docs += 1
            tokens += len(bm25.split_terms(terms))
    return docs, tokens


def write_lexical(
    conn: sqlite3.Connection,
    data_dir: Path,
    *,
    current: int,
    current_count: int,
    next_generation: int,
    replaced: Sequence[str],
    removed: tuple[int, int],
    added_brief_ids: Sequence[str],
    rebuild: bool,
) -> Stamp:
    """Generation `next_generation`'s tantivy folder, from `current`'s (which held
    `current_count` chunks) when that one is sound, else from every chunk of the catalog; called
    inside the catalog's write transaction, after its rows changed."""
    if not rebuild and current > 0 and folder_problem(data_dir, current, current_count) is None:
        return write_generation(
            data_dir,
            next_generation,
            previous=current,
            removed_brief_ids=replaced,
            removed_docs=removed[0],
            removed_tokens=removed[1],
            added=lexical_docs(conn, added_brief_ids),
        )
    return write_generation(data_dir, next_generation, previous=None, added=lexical_docs(conn))


def open_lexical(data_dir: Path, generation: int, chunk_count: int, conn: sqlite3.Connection) -> LexicalIndex:
    """Generation `generation`'s lexical index; rebuilt in memory from the catalog's terms when
    its folder is missing, damaged or not that generation's (`briefbot index` rebuilds it)."""
    problem = folder_problem(data_dir, generation, chunk_count) if generation else "no generation yet"
    if problem is None:
        try:
            return LexicalIndex.open(data_dir, generation)
        except (OSError, ValueError) as error:
            problem = str(error)
    if generation:
        logger.warning("%s: searching terms indexed from the catalog; `briefbot index` repairs it", problem)
    return LexicalIndex.in_memory(lexical_docs(conn), generation)


def repair_lexical(data_dir: Path, generation: int, chunk_count: int, conn: sqlite3.Connection) -> str | None:
    """Rebuilds the current generation's tantivy folder from the catalog when it is unsound;
    what was wrong, or None."""
    problem = folder_problem(data_dir, generation, chunk_count)
    if problem is None or generation == 0:
        return None
    write_generation(data_dir, generation, previous=None, added=lexical_docs(conn))
    return f"{problem}: rebuilt from the catalog's terms"


class SqliteLexical:
    """One generation's lexical search: tantivy proposes, FTS5's BM25 scores."""

    def __init__(self, index: LexicalIndex, conn: sqlite3.Connection) -> None:
        self._index = index
        self._conn = conn

    def top(self, terms: Sequence[str], n: int, scope: Sequence[int] | None) -> dict[int, float]:
        """The `n` chunks of best BM25 (FTS5's) for any of `terms`, among `scope` when given."""
        wanted = max(PROPOSED_MIN, PROPOSED_PER_WANTED * n)
        proposed = self._index.top(terms, wanted, chunk_ids=None if scope is None else list(scope))
        scores = self.scores_of(terms, proposed)
        return dict(sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:n])

    def scores_of(self, terms: Sequence[str], chunk_ids: Sequence[int]) -> dict[int, float]:
        """FTS5's BM25 of `chunk_ids` (those holding none of `terms` left out)."""
        ids = [int(c) for c in chunk_ids]
        if not ids or not terms:
            return {}
        stored: dict[int, list[str]] = {}
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            marks = ",".join("?" * len(part))
            # FTS5's own content table (a rowid table): looked up by key, where the virtual
            # table answers `rowid IN (...)` more slowly.
            for rowid, text in self._conn.execute(f"SELECT id, c0 FROM chunks_fts_content WHERE id IN ({marks})", part):
                stored[int(rowid)] = bm25.split_terms(text)
        index = self._index
        return bm25.scores(terms, stored, index.stamp.docs, index.doc_counts(terms), index.average_length)

    def document_counts(self, terms: Sequence[str]) -> tuple[int, dict[str, int]]:
        counts = self._index.doc_counts(terms)
        return self._index.stamp.docs, {t: counts.get(t, 0) for t in terms}
