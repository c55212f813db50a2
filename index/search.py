"""Hybrid search over the current generation: dense (FAISS) plus lexical (SQLite FTS5 / BM25)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from index.embeddings import BriefEmbeddings
from index.models import Hit
from index.store import Catalog, ChunkRow, build_faiss, read_faiss, vector_file
from index.textnorm import lexical_terms


class IndexReader:
    """The read side of the data folder, following each reindex as soon as it commits.

    Every search runs inside one SQLite read transaction and checks the manifest's generation
    first: the FAISS index it searches and the chunk rows it reads always belong together.
    """

    def __init__(self, data_dir: Path, embedder: BriefEmbeddings) -> None:
        self.catalog = Catalog(data_dir)
        self.catalog.check_embedder(embedder.info)
        self._data_dir = data_dir
        self._dimension = embedder.info.dimension
        self._generation = -1
        self._index: faiss.Index = build_faiss(np.empty(0, np.int64), np.empty((0, 0)), self._dimension)
        self._load_lock = threading.Lock()

    def index_for(self, generation: int) -> faiss.Index:
        """The FAISS index of `generation`, loaded once per generation."""
        with self._load_lock:
            if generation != self._generation:
                path = vector_file(self._data_dir, generation)
                if generation == 0:
                    index = build_faiss(np.empty(0, np.int64), np.empty((0, 0)), self._dimension)
                elif path.exists():
                    index = read_faiss(path)
                else:
                    raise FileNotFoundError(
                        f"{path} is missing: run `briefbot index --full` to rebuild the vectors"
                    )
                self._index, self._generation = index, generation
            return self._index

    def close(self) -> None:
        self.catalog.close()


@dataclass(frozen=True, slots=True)
class RetrievalConfig:
    """Knobs of the hybrid retriever (tuned on the eval sets' train questions)."""

    candidates: int = 50  # how many each retriever proposes before fusion
    lexical_weight: float = 0.3  # weight of the max-normalized BM25 score next to the cosine


class Retriever:
    """Question in, ranked chunks out."""

    def __init__(
        self, reader: IndexReader, embedder: BriefEmbeddings, config: RetrievalConfig | None = None
    ) -> None:
        self.reader = reader
        self.embedder = embedder
        self.config = config or RetrievalConfig()

    def run(self, query: str, k: int = 5) -> list[Hit]:
        query_vector = self.embedder.encode_query(query).reshape(1, -1)
        match = fts_match_query(query)
        catalog = self.reader.catalog
        n = self.config.candidates
        with catalog.snapshot() as conn:
            index = self.reader.index_for(catalog.generation(conn))
            dense = _dense_search(index, query_vector, n)
            lexical = catalog.lexical_search(match, n, conn)
            scores = self._fuse(dense, lexical)
            ranked = sorted(scores.items(), key=lambda item: item[1]["score"], reverse=True)[:k]
            rows = catalog.chunk_rows([chunk_id for chunk_id, _ in ranked], conn)
        return [
            _hit(rank, rows[chunk_id], evidence)
            for rank, (chunk_id, evidence) in enumerate(
                ((cid, ev) for cid, ev in ranked if cid in rows), start=1
            )
        ]

    def _fuse(
        self, dense: list[tuple[int, float]], lexical: list[tuple[int, float]]
    ) -> dict[int, dict[str, float]]:
        evidence: dict[int, dict[str, float]] = {}
        for chunk_id, cosine in dense:
            evidence.setdefault(chunk_id, {})["dense"] = cosine
        top_bm25 = max((score for _, score in lexical), default=0.0) or 1.0
        for chunk_id, bm25 in lexical:
            evidence.setdefault(chunk_id, {})["lexical"] = bm25 / top_bm25
        weight = self.config.lexical_weight
        for scores in evidence.values():
            scores["score"] = scores.get("dense", 0.0) + weight * scores.get("lexical", 0.0)
        return evidence


def fts_match_query(text: str) -> str:
    """An FTS5 MATCH expression that ORs the question's terms, each quoted to be taken literally."""
    terms = dict.fromkeys(lexical_terms(text))
    return " OR ".join(f'"{term}"' for term in terms)


def _dense_search(index: faiss.Index, query_vector: np.ndarray, n: int) -> list[tuple[int, float]]:
    if index.ntotal == 0:
        return []
    scores, ids = index.search(np.ascontiguousarray(query_vector, dtype=np.float32), min(n, index.ntotal))
    return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]


def _hit(rank: int, row: ChunkRow, evidence: dict[str, float]) -> Hit:
    return Hit(
        rank=rank,
        score=evidence["score"],
        chunk_id=row.chunk_id,
        brief_id=row.brief_id,
        source=row.source,
        title=row.title,
        date=row.date,
        section=row.section,
        paragraphs=row.paragraphs,
        start=row.start,
        end=row.end,
        text=row.text,
        scores=dict(evidence),
    )


__all__ = ["IndexReader", "RetrievalConfig", "Retriever", "fts_match_query"]
