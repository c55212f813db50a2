"""BM25 exactly as SQLite FTS5's `bm25()` computes it, for a handful of chunks.

The fusion weight of `index.search.RetrievalConfig` was tuned on FTS5's raw BM25, so whichever
engine proposes the lexical candidates (tantivy, PostgreSQL), their scores are recomputed here
with FTS5's formula: the answers do not change with the engine. Only the candidates' terms are
read (a few dozen chunks), so the cost does not grow with the collection.

FTS5: score = Σ_q IDF(q) · f(q,D)·(k1+1) / (f(q,D) + k1·(1 − b + b·|D|/avgdl)), k1 = 1.2,
b = 0.75, IDF(q) = ln((N − n(q) + 0.5) / (n(q) + 0.5)), floored at 1e-6 (FTS5's floor).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

K1 = 1.2
B = 0.75
IDF_FLOOR = 1e-6


def idf(n_docs: int, doc_count: int) -> float:
    """FTS5's IDF of a term held by `doc_count` of `n_docs` chunks."""
    if n_docs <= 0:
        return 0.0
    return max(math.log((n_docs - doc_count + 0.5) / (doc_count + 0.5)), IDF_FLOOR)


def scores(
    query_terms: Sequence[str],
    chunk_terms: Mapping[int, Sequence[str]],
    n_docs: int,
    doc_counts: Mapping[str, int],
    average_length: float,
) -> dict[int, float]:
    """BM25 (higher is better) of each chunk of `chunk_terms` that holds any query term."""
    unique = list(dict.fromkeys(query_terms))
    weights = {term: idf(n_docs, doc_counts.get(term, 0)) for term in unique}
    average = average_length if average_length > 0 else 1.0
    result: dict[int, float] = {}
    for chunk_id, terms in chunk_terms.items():
        norm = K1 * (1 - B + B * len(terms) / average)
        score = 0.0
        for term in unique:
            tf = terms.count(term)  # a question has a few terms: cheaper than counting them all
            if tf:
                score += weights[term] * tf * (K1 + 1) / (tf + norm)
        if score > 0:
            result[chunk_id] = score
    return result


def split_terms(stored: str) -> list[str]:
    """A chunk's terms as stored (joined by spaces, the way FTS5 and tantivy index them)."""
    return stored.split()
