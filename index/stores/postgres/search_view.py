"""`PostgresSearchView`: one generation as one REPEATABLE READ transaction sees it: dense search
(HNSW), FTS5-compatible BM25 over the stored terms, filters and rows.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import numpy as np
import psycopg
import psycopg.sql

from index.records import Passage
from index.stores.postgres.lexical import Collection, exact_scores, idf, top_k
from index.stores.postgres.schema import VECTOR_DIMENSION
from index.stores.postgres.sql import MAX_LEXEME_BYTES, quote_lexeme
from index.stores.postgres.whole_lists import WholeLists, warm_common_lists

# HNSW candidate list per search (the dense index below `sql.IVF_MIN_CHUNKS` chunks; above, an
# inverted file probed `sql.ivf_probes` lists deep). At 100,000 and 200,000 chunks recall@10
# 0.998 / 0.996 (bench_scale.py); at a million, where the store no longer uses HNSW, 0.86-0.99
# depending on how many near-copies the collection holds (see sql.py).
HNSW_EF_SEARCH = 800
# FTS5's bm25() constants.
BM25_K1 = 1.2
BM25_B = 0.75
# BM25 candidates: the chunks holding the question's rarest terms, up to this many postings (see
# PostgresSearchView.lexical_scores). Scoring a candidate unnests its terms, so this bounds a
# question's lexical cost; 20,000 keeps every eval question's full candidate set.
LEXICAL_CANDIDATE_POSTINGS = 20_000


class DatesMemo:
    """The brief dates of the generation read last, shared by a store's views: only a reindex
    changes them, and every answer asks for them (10,000 dates take ~15 ms to read and convert,
    bench_scale.py at a million chunks)."""

    def __init__(self) -> None:
        self._key: tuple[str, ...] | None = None
        self._dates: list[date] = []
        self._lock = threading.Lock()

    def get(self, key: tuple[str, ...], read: Callable[[], list[date]]) -> list[date]:
        with self._lock:
            if key == self._key:
                return list(self._dates)
        dates = read()
        with self._lock:
            self._key, self._dates = key, list(dates)
        return dates


class PostgresSearchView:
    """One generation as one REPEATABLE READ transaction sees it. A view of an empty generation
    reads no chunk: a first fill holding the chunks table locked never keeps it waiting."""

    def __init__(
        self,
        conn: psycopg.Connection,
        *,
        generation: int,
        chunk_count: int,
        term_total: int,
        impact_avgdl: float = 0.0,
        dates: tuple[DatesMemo, tuple[str, ...]] | None = None,
        whole_lists: WholeLists | None = None,
    ) -> None:
        self._conn = conn
        self._dates = dates  # the store's memo, and this generation's key in it
        self.generation = generation
        self._chunk_count = chunk_count
        self._avg_terms = term_total / chunk_count if chunk_count else 1.0
        # Whole lists are remembered only under a key that tells this generation from others.
        memory, key = (whole_lists, (*dates[1], repr(impact_avgdl))) if dates is not None else (None, ())
        self._collection = Collection(chunk_count, self._avg_terms, impact_avgdl or self._avg_terms, memory, key)
        self._document_counts: dict[str, int] = {}

    def lexical_top(self, terms: Sequence[str], n: int, scope: Sequence[int] | None) -> dict[int, float]:
        """Unscoped: the posting blocks' threshold algorithm (`lexical.top_k`). Scoped to some
        chunks (a day, a brief: hundreds), each of them scored: fewer than any posting list."""
        wanted = [t for t in dict.fromkeys(terms) if len(t.encode()) <= MAX_LEXEME_BYTES]
        if not wanted or not self._chunk_count or n <= 0:
            return {}
        counts = self._term_counts(wanted)
        if scope is None:
            return top_k(self._conn, wanted, n, counts, self._collection).scores
        scores = {c: s for c, s in self.lexical_scores_of(wanted, scope).items() if s > 0}
        return dict(sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:n])

    @property
    def memory_key(self) -> tuple[str, ...] | None:
        """What tells this generation's remembered lists from any other's; None: none kept."""
        return self._collection.key if self._collection.memory is not None else None

    def warm_common_lists(self) -> int:
        """The generation's longest posting lists read into the store's memory now (see
        `whole_lists.warm_common_lists`); the postings read."""
        return warm_common_lists(self._conn, self._collection) if self._chunk_count else 0

    def lexical_scores_of(self, terms: Sequence[str], chunk_ids: Sequence[int]) -> dict[int, float]:
        wanted = [t for t in dict.fromkeys(terms) if len(t.encode()) <= MAX_LEXEME_BYTES]
        if not wanted or not chunk_ids or not self._chunk_count:
            return {}
        counts = self._term_counts(wanted)
        weights = {t: idf(self._chunk_count, counts[t]) for t in wanted if counts[t]}
        if not weights:
            return {}
        scores = exact_scores(self._conn, list(chunk_ids), weights, self._avg_terms)
        return {c: s for c, s in scores.items() if s > 0}

    def brief_dates(self) -> list[date]:
        if self._dates is not None:
            memo, key = self._dates
            return memo.get(key, self._read_brief_dates)
        return self._read_brief_dates()

    def _read_brief_dates(self) -> list[date]:
        rows = self._conn.execute(
            "SELECT DISTINCT date FROM briefs WHERE date IS NOT NULL ORDER BY date DESC"
        ).fetchall()
        return [row[0] for row in rows]

    def briefs_whose_lead_has(self, needle: str, lead_chars: int) -> list[tuple[str, str]]:
        rows = self._conn.execute(
            "SELECT brief_id, substr(text, 1, %s) FROM briefs WHERE strpos(lower(substr(text, 1, %s)), lower(%s)) > 0",
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
        """FTS5's BM25 of the chunks holding the question's terms (the tuning script's; questions
        go through `lexical_top`, which does not grow with the matches).

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
                SELECT lexeme, least(n, %(n_docs)s) AS n
                FROM unnest(%(terms)s::text[], %(dfs)s::float8[]) AS d (lexeme, n)
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
            rows = self._conn.execute("SELECT lexeme, df FROM term_stats WHERE lexeme = ANY(%s)", (missing,)).fetchall()
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
        query = (" <-> " if phrase else " & ").join(quote_lexeme(t) for t in wanted)
        rows = self._conn.execute(
            "SELECT chunk_id FROM chunks WHERE terms @@ %s::tsquery ORDER BY chunk_id", (query,)
        ).fetchall()
        return [int(row[0]) for row in rows]

    def dense_search(self, query_vector: np.ndarray, n: int, scope: Sequence[int] | None) -> list[tuple[int, float]]:
        vector = np.asarray(query_vector, dtype=np.float32).reshape(-1)
        if not self._chunk_count:
            return []
        if scope is None:
            # The dense index: approximate (HNSW, HNSW_EF_SEARCH candidates deep, or the inverted
            # file, `sql.ivf_probes` lists).
            rows = self._conn.execute(
                "SELECT chunk_id, 1 - (embedding <=> %s::halfvec) FROM chunks "
                "ORDER BY embedding <=> %s::halfvec LIMIT %s",
                (vector, vector, n),
            ).fetchall()
        elif not scope:
            return []
        else:
            # A day's chunks: exact, over just those, with their float32 vectors from the cache
            # (OFFSET 0 keeps the planner off the HNSW index, which would filter after an
            # approximate search and could miss the day's best).
            rows = self._conn.execute(
                "SELECT chunk_id, 1 - distance FROM (SELECT c.chunk_id, v.embedding <=> %s AS distance "
                "FROM chunks c JOIN vector_cache v USING (embed_hash) WHERE c.chunk_id = ANY(%s) OFFSET 0) scoped "
                "ORDER BY distance LIMIT %s",
                (vector, list(scope), n),
            ).fetchall()
        return [(int(chunk_id), float(score)) for chunk_id, score in rows]

    def vectors(self, chunk_ids: Sequence[int]) -> np.ndarray:
        ids = [int(c) for c in chunk_ids]
        rows = self._conn.execute(
            # float32, from the cache: the chunks' own are halfvec (migration 7)
            "SELECT c.chunk_id, v.embedding FROM chunks c JOIN vector_cache v USING (embed_hash) "
            "WHERE c.chunk_id = ANY(%s)",
            (ids,),
            binary=True,  # pgvector's binary form: parsing 100 vectors from text took ~10 ms
        ).fetchall()
        by_id = {int(chunk_id): as_array(vector) for chunk_id, vector in rows}
        if not ids:
            return np.empty((0, VECTOR_DIMENSION), dtype=np.float32)
        return np.vstack([by_id[c] for c in ids])

    def chunk_rows(self, chunk_ids: Sequence[int]) -> dict[int, Passage]:
        if not len(chunk_ids) or not self._chunk_count:
            return {}
        rows = self._conn.execute(
            PASSAGE_SELECT + " WHERE c.chunk_id = ANY(%s)", ([int(c) for c in chunk_ids],)
        ).fetchall()
        return {int(row[0]): passage_of_row(row) for row in rows}


PASSAGE_SELECT = (
    "SELECT c.chunk_id, c.brief_id, b.source, b.title, b.date, c.section, c.paragraphs, "
    "c.start_offset, c.end_offset, c.text FROM chunks c JOIN briefs b USING (brief_id)"
)


def passage_of_row(row: tuple[Any, ...]) -> Passage:
    chunk_id, brief_id, source, title, brief_date, section, paragraphs, start, end, text = row
    return Passage(
        chunk_id=int(chunk_id),
        brief_id=brief_id,
        source=source,
        title=title,
        date=brief_date,
        section=section,
        paragraphs=tuple(paragraphs),
        start=start,
        end=end,
        text=text,
    )


def as_array(vector: object) -> np.ndarray:
    """pgvector's Vector (or a sequence) as a float32 array."""
    to_numpy = getattr(vector, "to_numpy", None)
    return np.asarray(to_numpy() if to_numpy else vector, dtype=np.float32)


def tsquery_literal(terms: Sequence[str]) -> str:
    """`'a' | 'b'`: any of `terms`, each taken literally."""
    return " | ".join(quote_lexeme(term) for term in dict.fromkeys(terms))
