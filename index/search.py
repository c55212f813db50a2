"""Hybrid search over the current generation: dense (FAISS or pgvector) plus lexical (BM25 over
the terms of `index.text.terms`: SQLite FTS5, or a tsvector in PostgreSQL). Both stores answer the
same questions (`index.stores.protocol.SearchView`); the steps below are the same for both.

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

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np

from index.embeddings import BriefEmbeddings
from index.query_dates import LEAD_CHARS, DateIntent, lead_mentions_day, read_date_intent, resolve_dates
from index.records import Hit, Passage
from index.stores.protocol import KnowledgeStore, SearchView, check_embedder
from index.stores.sqlite.search_view import fts_match_expression
from index.text.matching import text_key
from index.text.terms import lexical_terms

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

    def __init__(self, store: KnowledgeStore, embedder: BriefEmbeddings, config: RetrievalConfig | None = None) -> None:
        check_embedder(store, embedder.info)
        self.store = store
        self.embedder = embedder
        self.config = config or RetrievalConfig()

    def run(
        self,
        query: str,
        k: int = 5,
        *,
        dates: Sequence[date] | None = None,
        recent: bool | None = None,
        also_words: Sequence[str] = (),
    ) -> list[Hit]:
        """The `k` best passages for `query`.

        By default the question's own time words choose its day and whether newer briefs are
        preferred (see `index/query_dates.py`). A caller that has already read the question
        passes `dates` (only briefs of those days; none found: no hits) and `recent`.
        `also_words` join the lexical side only: the question's words as the briefs' other
        language says them (the dense side reads meaning across languages already).
        """
        intent = read_date_intent(query) if dates is None or recent is None else DateIntent()
        latest = intent.latest if recent is None else recent
        query_vector = self.embedder.encode_query(query)
        terms = list(dict.fromkeys([*lexical_terms(query), *(t for w in also_words for t in lexical_terms(w))]))
        with self.store.search_view() as view:
            brief_dates = view.brief_dates() if intent.scoped or latest else []
            if dates is not None:
                scope: list[int] | None = view.filter_chunk_ids(dates=dates)
                if not scope:
                    return []
            else:
                scope = self._scope(query, intent, brief_dates, view)
            found = self._candidates(view, query_vector, terms, scope)
            if not len(found.ids):
                return []
            return self._rank(found, latest, brief_dates, k, view)

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
        with self.store.search_view() as view:
            matched = view.chunks_holding(terms, phrase=phrase)
            if not matched:
                return []
            rows = view.chunk_rows(matched)
            newest = sorted(rows.values(), key=lambda row: (row.date or date.min, -row.start), reverse=True)
            kept: dict[str, list[Passage]] = {}
            for row in newest:
                kept.setdefault(text_key(row.text), []).append(row)
                if len(kept) >= limit:
                    break
            vectors = view.vectors([group[0].chunk_id for group in kept.values()])
        cosines = vectors @ self.embedder.encode_query(query).astype(np.float32)
        return [
            Hit.of(group[0], rank=rank, score=float(cosine), scores={"dense": float(cosine)}, copies=tuple(group[1:]))
            for rank, (group, cosine) in enumerate(zip(kept.values(), cosines, strict=True), start=1)
        ]

    # -- steps ----------------------------------------------------------------------------------

    def _scope(self, query: str, intent: DateIntent, brief_dates: list[date], view: SearchView) -> list[int] | None:
        """The chunk ids a dated question is limited to; None for no limit."""
        if intent.day_number is not None:
            leads = view.briefs_whose_lead_has(str(intent.day_number), LEAD_CHARS)
            brief_ids = [b for b, lead in leads if lead_mentions_day(lead, intent.day_number)]
            if brief_ids:
                return view.filter_chunk_ids(brief_ids=brief_ids) or None
        if intent.scoped:
            dates = resolve_dates(query, intent, brief_dates)
            if dates:
                return view.filter_chunk_ids(dates=dates) or None
        return None

    def _candidates(
        self,
        view: SearchView,
        query_vector: np.ndarray,
        terms: list[str],
        scope: list[int] | None,
    ) -> Candidates:
        mode, n = self.config.mode, self.config.candidates
        # The lexical top-N without scoring every chunk that holds a question word (a million
        # chunks: over 100,000 hold one); then the BM25 of the chunks only the dense side found.
        bm25 = view.lexical_top(terms, n, scope) if terms and mode != "dense" else {}
        lexical = list(bm25)
        dense = view.dense_search(query_vector, n, scope) if mode != "lexical" else []
        ids = np.array(list(dict.fromkeys([c for c, _ in dense] + lexical)), dtype=np.int64)
        if not len(ids):
            return _no_candidates(self.embedder.info.dimension)
        if terms:
            bm25.update(view.lexical_scores_of(terms, [int(c) for c in ids if int(c) not in bm25]))
        vectors = view.vectors(ids.tolist())  # the cosine of lexical-only candidates too
        n_docs, doc_counts = view.term_document_counts(terms)
        return Candidates(
            ids=ids,
            vectors=vectors,
            dense=vectors @ query_vector.astype(np.float32),
            lexical=np.array([bm25.get(int(chunk_id), 0.0) for chunk_id in ids]),
            query_idf=sum(bm25_idf(n_docs, doc_counts.get(term, 0)) for term in terms),
        )

    def _rank(self, found: Candidates, latest: bool, brief_dates: list[date], k: int, view: SearchView) -> list[Hit]:
        all_valid = np.ones(len(found.ids), dtype=bool)
        scores = fuse(found.dense, found.lexical, all_valid, np.asarray(found.query_idf, dtype=np.float64), self.config)
        rows: dict[int, Passage] = {}
        if latest and brief_dates:
            rows = view.chunk_rows(found.ids.tolist())
            dates = [rows[int(chunk_id)].date for chunk_id in found.ids]
            scores = scores + recency_bonus(scores, dates, brief_dates[0], self.config)
        order = np.argsort(-scores, kind="stable")
        groups: list[CopyGroup] = []
        for window in self._windows(len(order), k):
            missing = [int(found.ids[i]) for i in order[:window] if int(found.ids[i]) not in rows]
            rows.update(view.chunk_rows(missing))
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

    def _collapse(self, found: Candidates, order: np.ndarray, rows: dict[int, Passage]) -> list[CopyGroup]:
        """Candidate indices per group of copies, best group first."""
        chosen = [rows[int(found.ids[i])] for i in order]
        groups = collapse_duplicates(
            found.vectors[order],
            [text_key(row.text) for row in chosen],
            [row.date for row in chosen],
            self.config.duplicate_cosine,
        )
        return [
            CopyGroup(int(order[g.kept]), int(order[g.best]), tuple(int(order[m]) for m in g.members)) for g in groups
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


def _no_candidates(dimension: int) -> Candidates:
    empty = np.empty(0)
    return Candidates(np.empty(0, np.int64), np.empty((0, dimension), np.float32), empty, empty, 0.0)


__all__ = [
    "Candidates",
    "CopyGroup",
    "RetrievalConfig",
    "Retriever",
    "bm25_idf",
    "fts_match_expression",
    "fuse",
]
