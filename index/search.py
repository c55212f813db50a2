"""Hybrid search over the current generation: dense (FAISS) plus lexical (SQLite FTS5 / BM25).

A question goes through four steps:

1. scope: a question that names a day ("13 November", "kemarin", "hari ke-992") is searched only
   in that day's briefs, when the index has any (see `index/query_dates.py`);
2. candidates: the dense top-N and the BM25 top-N, each candidate then scored by *both*
   retrievers (its cosine from its stored vector, its BM25 from the same FTS5 pass), so fusion
   never has to guess a missing score;
3. fusion (`fuse`): a weighted sum of the two scores, the method and weight chosen on the eval
   sets' train questions by `benchmarks/tune_retrieval.py` (see docs/retrieval.md); "the latest"
   in a question adds a bonus for newer briefs;
4. duplicates: a paragraph that daily briefs repeat (near-identical vectors or identical text)
   is shown once, from the newest brief, at the best rank any of its copies reached; the hit
   lists the other copies (`Hit.copies`), so nothing the older briefs said is lost.
"""

from __future__ import annotations

import heapq
import logging
import math
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

import faiss
import numpy as np

from index.embeddings import BriefEmbeddings
from index.models import Hit, Passage
from index.query_dates import LEAD_CHARS, DateIntent, lead_mentions_day, read_date_intent, resolve_dates
from index.store import (
    CATALOG_FILE,
    Catalog,
    IndexDamagedError,
    build_faiss,
    damage_reported,
    read_faiss,
    vector_file,
    vector_file_problem,
)
from index.text.matching import text_key
from index.text.terms import lexical_terms


logger = logging.getLogger(__name__)


class IndexReader:
    """The read side of the data folder, following each reindex as soon as it commits.

    Every search runs inside one SQLite read transaction and checks the manifest's generation
    first: the FAISS index it searches and the chunk rows it reads always belong together.
    """

    def __init__(self, data_dir: Path, embedder: BriefEmbeddings) -> None:
        self.catalog = Catalog(data_dir)
        with damage_reported(f"{CATALOG_FILE} cannot be read"):
            self.catalog.check_embedder(embedder.info)
        self._data_dir = data_dir
        self._dimension = embedder.info.dimension
        self._generation = -1
        self._index: faiss.Index = build_faiss(np.empty(0, np.int64), np.empty((0, 0)), self._dimension)
        self._load_lock = threading.Lock()

    def index_for(self, generation: int, conn: sqlite3.Connection) -> faiss.Index:
        """The FAISS index of `generation`, loaded once per generation.

        A FAISS file that is missing, unreadable or short of vectors (damaged on disk) is
        rebuilt in memory from the catalog's vector cache, so questions keep being answered
        until `briefbot index` repairs the file; IndexDamagedError if the cache can't do it.
        """
        with self._load_lock:
            if generation != self._generation:
                chunk_count = self.catalog.chunk_count(conn)
                problem = vector_file_problem(self._data_dir, generation, chunk_count)
                if generation == 0:
                    index = build_faiss(np.empty(0, np.int64), np.empty((0, 0)), self._dimension)
                elif problem is None:
                    index = read_faiss(vector_file(self._data_dir, generation))
                else:
                    index = self._from_vector_cache(conn, problem, chunk_count)
                self._index, self._generation = index, generation
            return self._index

    def _from_vector_cache(self, conn: sqlite3.Connection, problem: str, chunk_count: int) -> faiss.Index:
        ids, vectors = self.catalog.vectors_for_chunks(conn)
        if len(ids) != chunk_count:
            raise IndexDamagedError(f"{problem}, and the vector cache lacks some of its vectors")
        logger.warning("%s: searching vectors rebuilt from the cache; `briefbot index` repairs it", problem)
        return build_faiss(ids, vectors, self._dimension)

    def close(self) -> None:
        self.catalog.close()


Mode = Literal["hybrid", "dense", "lexical"]
Fusion = Literal["linear", "rrf"]
DenseNorm = Literal["raw", "minmax", "zscore"]
LexicalNorm = Literal["raw", "max", "minmax", "zscore", "idf"]


@dataclass(frozen=True, slots=True)
class RetrievalConfig:
    """Knobs of the retriever; the defaults are the ones tuned on the eval sets' train questions.

    `mode` "dense" or "lexical" ranks by that retriever alone (the baselines of docs/retrieval.md);
    hits still carry both retrievers' evidence.
    """

    mode: Mode = "hybrid"
    candidates: int = 50  # how many each retriever proposes before fusion
    fusion: Fusion = "linear"
    dense_norm: DenseNorm = "raw"
    # "raw": BM25 as FTS5 computes it, which grows with how much of the question a chunk matches
    # and how rare those words are. Unlike per-question rescaling (max, min-max, z-score), a chunk
    # that shares one stray word with an English question on Indonesian briefs keeps a small
    # score, and can't bury the right paragraph that only the dense side found.
    lexical_norm: LexicalNorm = "raw"
    lexical_weight: float = 0.0025  # linear: weight of the (normalized) lexical score
    rrf_k: float = 60.0  # rrf: the rank offset; lexical_weight then weighs the lexical ranks
    # Copies of one paragraph (daily briefs repeat running stories) are shown once, from the
    # newest brief. Off only to measure what the collapse costs on eval sets whose corpus holds
    # copies of a passage under different ids (see docs/retrieval.md).
    collapse_duplicates: bool = True
    duplicate_cosine: float = 0.97
    duplicate_window: int = 30  # how many of the best candidates are checked for copies
    # "the latest" in a question: a bonus of up to this share of the candidates' score range,
    # halved for every `latest_half_life_days` a brief is older than the newest one.
    latest_boost: float = 0.5
    latest_half_life_days: float = 2.0


@dataclass(frozen=True, slots=True)
class Candidates:
    """The chunks either retriever proposed, each scored by both."""

    ids: np.ndarray  # int64 chunk ids
    vectors: np.ndarray  # their stored (normalized) vectors, one row each
    dense: np.ndarray  # cosine with the question
    lexical: np.ndarray  # BM25, 0 when the chunk has none of the question's terms
    query_idf: float  # summed BM25 IDF of the question's terms


class Retriever:
    """Question in, ranked chunks out."""

    def __init__(
        self, reader: IndexReader, embedder: BriefEmbeddings, config: RetrievalConfig | None = None
    ) -> None:
        self.reader = reader
        self.embedder = embedder
        self.config = config or RetrievalConfig()

    def run(
        self, query: str, k: int = 5, *, dates: Sequence[date] | None = None, recent: bool | None = None
    ) -> list[Hit]:
        """The `k` best passages for `query`.

        By default the question's own time words choose its day and whether newer briefs are
        preferred (see `index/query_dates.py`). A caller that has already read the question
        passes `dates` (only briefs of those days; none found: no hits) and `recent`.
        """
        intent = read_date_intent(query) if dates is None or recent is None else DateIntent()
        latest = intent.latest if recent is None else recent
        query_vector = self.embedder.encode_query(query)
        terms = list(dict.fromkeys(lexical_terms(query)))
        catalog = self.reader.catalog
        with catalog.snapshot() as conn:
            index = self.reader.index_for(catalog.generation(conn), conn)
            brief_dates = catalog.brief_dates(conn) if intent.scoped or latest else []
            if dates is not None:
                scope: list[int] | None = catalog.chunk_ids_of(conn, dates=dates)
                if not scope:
                    return []
            else:
                scope = self._scope(query, intent, brief_dates, conn)
            found = self._candidates(index, query_vector, terms, scope, conn)
            if not len(found.ids):
                return []
            return self._rank(found, latest, brief_dates, k, conn)

    def mentions(self, query: str, limit: int = 20, *, phrase: bool = False) -> list[Hit]:
        """The passages holding every topic word of `query` (their section's words count), newest
        first, one per repeated paragraph; each scored by its cosine with `query`. With `phrase`,
        only those holding the words in a row (a story's label: "Russian invasion of Ukraine").

        Ranking by relevance would bury the newest report of a long-running story under older
        ones that say more; this is how "the latest on X" finds it.
        """
        terms = list(dict.fromkeys(lexical_terms(query)))
        if not terms:
            return []
        catalog = self.reader.catalog
        with catalog.snapshot() as conn:
            index = self.reader.index_for(catalog.generation(conn), conn)
            expression = f'"{" ".join(terms)}"' if phrase else " AND ".join(f'"{term}"' for term in terms)
            matched = catalog.lexical_scores(expression, conn)
            if not matched:
                return []
            rows = catalog.chunk_rows(list(matched), conn)
        newest = sorted(rows.values(), key=lambda row: (row.date or date.min, -row.start), reverse=True)
        kept: dict[str, list[Passage]] = {}
        for row in newest:
            kept.setdefault(text_key(row.text), []).append(row)
            if len(kept) >= limit:
                break
        ids = np.array([group[0].chunk_id for group in kept.values()], dtype=np.int64)
        cosines = index.reconstruct_batch(ids) @ self.embedder.encode_query(query).astype(np.float32)
        return [
            Hit.of(group[0], rank=rank, score=float(cosine), scores={"dense": float(cosine)}, copies=tuple(group[1:]))
            for rank, (group, cosine) in enumerate(zip(kept.values(), cosines), start=1)
        ]

    # -- steps ----------------------------------------------------------------------------------

    def _scope(
        self, query: str, intent: DateIntent, brief_dates: list[date], conn: sqlite3.Connection
    ) -> list[int] | None:
        """The chunk ids a dated question is limited to; None for no limit."""
        catalog = self.reader.catalog
        if intent.day_number is not None:
            leads = catalog.briefs_whose_lead_has(str(intent.day_number), LEAD_CHARS, conn)
            brief_ids = [b for b, lead in leads if lead_mentions_day(lead, intent.day_number)]
            if brief_ids:
                return catalog.chunk_ids_of(conn, brief_ids=brief_ids) or None
        if intent.scoped:
            dates = resolve_dates(query, intent, brief_dates)
            if dates:
                return catalog.chunk_ids_of(conn, dates=dates) or None
        return None

    def _candidates(
        self,
        index: faiss.Index,
        query_vector: np.ndarray,
        terms: list[str],
        scope: list[int] | None,
        conn: sqlite3.Connection,
    ) -> Candidates:
        catalog, mode, n = self.reader.catalog, self.config.mode, self.config.candidates
        # Every matching chunk's BM25 in one pass: the lexical top-N, and the BM25 of the chunks
        # only the dense side proposes, come from the same scores.
        bm25 = catalog.lexical_scores(fts_match_expression(terms), conn)
        allowed = set(scope) if scope is not None else None
        pool = bm25 if allowed is None else {c: s for c, s in bm25.items() if c in allowed}
        lexical = heapq.nlargest(n, pool, key=pool.__getitem__) if mode != "dense" else []
        dense = _dense_search(index, query_vector, n, scope) if mode != "lexical" else []
        ids = np.array(list(dict.fromkeys([c for c, _ in dense] + lexical)), dtype=np.int64)
        if not len(ids):
            return _no_candidates(self.embedder.info.dimension)
        vectors = index.reconstruct_batch(ids)  # the cosine of lexical-only candidates too
        n_docs, doc_counts = catalog.term_document_counts(terms, conn)
        return Candidates(
            ids=ids,
            vectors=vectors,
            dense=vectors @ query_vector.astype(np.float32),
            lexical=np.array([bm25.get(int(chunk_id), 0.0) for chunk_id in ids]),
            query_idf=sum(bm25_idf(n_docs, doc_counts.get(term, 0)) for term in terms),
        )

    def _rank(
        self, found: Candidates, latest: bool, brief_dates: list[date], k: int, conn: sqlite3.Connection
    ) -> list[Hit]:
        catalog = self.reader.catalog
        all_valid = np.ones(len(found.ids), dtype=bool)
        scores = fuse(found.dense, found.lexical, all_valid, np.float64(found.query_idf), self.config)
        rows: dict[int, Passage] = {}
        if latest and brief_dates:
            rows = catalog.chunk_rows(found.ids.tolist(), conn)
            dates = [rows[int(chunk_id)].date for chunk_id in found.ids]
            scores = scores + recency_bonus(scores, dates, brief_dates[0], self.config)
        order = np.argsort(-scores, kind="stable")
        groups: list[CopyGroup] = []
        for window in self._windows(len(order), k):
            missing = [int(found.ids[i]) for i in order[:window] if int(found.ids[i]) not in rows]
            rows.update(catalog.chunk_rows(missing, conn))
            groups = (
                self._collapse(found, order[:window], rows)
                if self.config.collapse_duplicates
                else [CopyGroup(int(i), int(i), (int(i),)) for i in order[:window]]
            )
            if len(groups) >= k:
                break
        return self._hits(found, scores, rows, groups[:k])

    def _windows(self, total: int, k: int) -> list[int]:
        """How many of the best candidates to look through for copies of one paragraph: copies
        score alike, so a short window finds them; then the whole list if it left fewer than k."""
        first = min(total, max(self.config.duplicate_window, 2 * k))
        return [first] if first == total else [first, total]

    def _collapse(
        self, found: Candidates, order: np.ndarray, rows: dict[int, Passage]
    ) -> list[CopyGroup]:
        """Candidate indices per group of copies, best group first."""
        chosen = [rows[int(found.ids[i])] for i in order]
        groups = collapse_duplicates(
            found.vectors[order],
            [text_key(row.text) for row in chosen],
            [row.date for row in chosen],
            self.config.duplicate_cosine,
        )
        return [
            CopyGroup(int(order[g.kept]), int(order[g.best]), tuple(int(order[m]) for m in g.members))
            for g in groups
        ]

    def _hits(
        self, found: Candidates, scores: np.ndarray, rows: dict[int, Passage], groups: list[CopyGroup]
    ) -> list[Hit]:
        top_lexical = float(found.lexical.max()) or 1.0
        hits: list[Hit] = []
        for rank, group in enumerate(groups, start=1):
            kept = group.kept
            evidence = {
                "dense": float(found.dense[kept]),
                "lexical": float(found.lexical[kept]) / top_lexical,
                "score": float(scores[group.best]),
            }
            copies = sorted(
                (rows[int(found.ids[m])] for m in group.members if m != kept),
                key=lambda row: row.date or date.min,
                reverse=True,
            )
            row = rows[int(found.ids[kept])]
            hits.append(Hit.of(row, rank=rank, score=evidence["score"], scores=evidence, copies=tuple(copies)))
        return hits


# -- fusion (shared with benchmarks/tune_retrieval.py, which runs it on whole batches) ---------


def fuse(
    dense: np.ndarray,
    lexical: np.ndarray,
    valid: np.ndarray,
    query_idf: np.ndarray,
    config: RetrievalConfig,
) -> np.ndarray:
    """Fused scores, higher is better, -inf where not `valid`.

    Arrays are (..., candidates): one question, or a batch of them padded to one width with
    `valid` marking real candidates; `query_idf` has the leading shape.
    """
    if config.mode == "dense":
        fused = dense
    elif config.mode == "lexical":
        fused = lexical
    elif config.fusion == "rrf":
        matched = lexical > 0
        fused = 1 / (config.rrf_k + _ranks(dense, valid)) + config.lexical_weight * np.where(
            matched, 1 / (config.rrf_k + _ranks(lexical, valid & matched)), 0.0
        )
    else:
        fused = _normalize(dense, valid, config.dense_norm, query_idf) + config.lexical_weight * _normalize(
            lexical, valid, config.lexical_norm, query_idf
        )
    return np.where(valid, fused, -np.inf)


def bm25_idf(n_docs: int, doc_count: int) -> float:
    """FTS5's BM25 IDF of a term found in `doc_count` of `n_docs` rows (same floor as FTS5)."""
    if n_docs == 0:
        return 0.0
    return max(math.log((n_docs - doc_count + 0.5) / (doc_count + 0.5)), 1e-6)


def _normalize(values: np.ndarray, valid: np.ndarray, how: str, query_idf: np.ndarray) -> np.ndarray:
    """Per-question normalization over the valid candidates."""
    eps = 1e-9
    if how == "raw":
        return values
    if how == "idf":
        return values / np.maximum(np.asarray(query_idf)[..., None], eps)
    high = np.where(valid, values, -np.inf).max(axis=-1, keepdims=True)
    if how == "max":
        return values / np.maximum(high, eps)
    if how == "minmax":
        low = np.where(valid, values, np.inf).min(axis=-1, keepdims=True)
        return (values - low) / np.maximum(high - low, eps)
    if how == "zscore":
        count = np.maximum(valid.sum(axis=-1, keepdims=True), 1)
        mean = np.where(valid, values, 0.0).sum(axis=-1, keepdims=True) / count
        spread = np.sqrt(np.where(valid, (values - mean) ** 2, 0.0).sum(axis=-1, keepdims=True) / count)
        return (values - mean) / np.maximum(spread, eps)
    raise ValueError(f"unknown normalization {how!r}")


def _ranks(values: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """1-based rank of each value among the valid ones, highest first (invalid ones last)."""
    order = np.argsort(np.where(valid, -values, np.inf), axis=-1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(1, order.shape[-1] + 1), axis=-1)
    return ranks


def recency_bonus(
    scores: np.ndarray, chunk_dates: Sequence[date | None], newest: date, config: RetrievalConfig
) -> np.ndarray:
    """A bonus for "the latest": a share of the score range, halving per half-life of age."""
    spread = float(scores.max() - scores.min()) or 1.0
    ages = np.array([(newest - d).days if d else math.inf for d in chunk_dates], dtype=np.float64)
    return config.latest_boost * spread * np.exp2(-ages / config.latest_half_life_days)


# -- duplicates -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CopyGroup:
    """Copies of one paragraph among the candidates, as positions."""

    kept: int  # the copy shown: from the newest brief (the best-ranked among equally new ones)
    best: int  # the best-ranked copy, whose score the group takes
    members: tuple[int, ...]  # every copy, best-ranked first


def collapse_duplicates(
    vectors: np.ndarray, text_keys: Sequence[str], dates: Sequence[date | None], threshold: float
) -> list[CopyGroup]:
    """Group candidates (given best first) that are copies of one paragraph: cosine of at least
    `threshold` with the group's best copy, or the same text. One group per paragraph, in rank
    order."""
    similar = vectors @ vectors.T
    heads: list[int] = []
    members: dict[int, list[int]] = {}
    for position in range(len(text_keys)):
        head = next(
            (h for h in heads if similar[position, h] >= threshold or text_keys[position] == text_keys[h]),
            None,
        )
        if head is None:
            heads.append(position)
            members[position] = [position]
        else:
            members[head].append(position)
    # max() keeps the first of equals, and members are best-ranked first.
    return [
        CopyGroup(kept=max(members[h], key=lambda p: dates[p] or date.min), best=h, members=tuple(members[h]))
        for h in heads
    ]


# -- helpers ----------------------------------------------------------------------------------


def fts_match_expression(terms: Sequence[str]) -> str:
    """An FTS5 MATCH expression that ORs `terms`, each quoted to be taken literally."""
    return " OR ".join(f'"{term}"' for term in dict.fromkeys(terms))


def _dense_search(
    index: faiss.Index, query_vector: np.ndarray, n: int, scope: list[int] | None
) -> list[tuple[int, float]]:
    size = index.ntotal if scope is None else len(scope)
    if index.ntotal == 0 or size == 0:
        return []
    # A scoped search runs FAISS over just those ids, so a day's best chunk is found even when
    # other days' chunks fill the unscoped top-N.
    params = (
        faiss.SearchParameters(sel=faiss.IDSelectorBatch(np.array(scope, dtype=np.int64)))
        if scope is not None
        else None
    )
    scores, ids = index.search(
        np.ascontiguousarray(query_vector.reshape(1, -1), dtype=np.float32), min(n, size), params=params
    )
    return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]


def _no_candidates(dimension: int) -> Candidates:
    empty = np.empty(0)
    return Candidates(np.empty(0, np.int64), np.empty((0, dimension), np.float32), empty, empty, 0.0)


__all__ = [
    "Candidates",
    "CopyGroup",
    "IndexReader",
    "RetrievalConfig",
    "Retriever",
    "bm25_idf",
    "fts_match_expression",
    "fuse",
]
