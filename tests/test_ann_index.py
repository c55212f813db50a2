"""The embedded store's switch from an exact FAISS index to an inverted file (ANN) above
`ANN_MIN_CHUNKS`: the same passages come back, day-scoped searches stay exact, and briefs added
or removed later are found or gone. The threshold is lowered here so a small corpus crosses it;
`benchmarks/bench_ann.py` measures the real sizes."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from index.embeddings import BriefEmbeddings
from index.knowledge_base import KnowledgeBase
from index.stores import faiss_vectors
from index.stores.faiss_vectors import build_faiss, is_inverted_file, read_faiss, search, write_faiss_atomically
from index.stores.sqlite import vector_file

NEWS = Path(__file__).resolve().parent / "data" / "news"
QUESTIONS = (
    "Cyclone Senyar death toll",
    "What happened in Sudan?",
    "Berita tentang Ukraina",
    "election results",
    "earthquake",
)


def clustered_vectors(count: int, seed: int = 0) -> np.ndarray:
    """Normalized vectors around 200 centres: shaped like embeddings of related news items."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(200, 64)).astype(np.float32)
    vectors = centres[rng.integers(0, 200, count)] + rng.normal(0, 0.35, (count, 64)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def exact_top(vectors: np.ndarray, ids: np.ndarray, query: np.ndarray, k: int) -> list[int]:
    return [int(ids[i]) for i in np.argsort(-(vectors @ query), kind="stable")[:k]]


def test_an_inverted_file_finds_what_the_exact_search_finds(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(faiss_vectors, "ANN_MIN_CHUNKS", 5_000)
    vectors = clustered_vectors(20_000)
    ids = np.arange(1_000, 21_000, dtype=np.int64)
    index = build_faiss(ids, vectors, 64)
    assert is_inverted_file(index) and index.nlist == faiss_vectors.list_count(20_000)
    queries = clustered_vectors(50, seed=1)
    found = sum(len({i for i, _ in search(index, q, 10, None)} & set(exact_top(vectors, ids, q, 10))) for q in queries)
    assert found / 500 >= 0.95

    # A day's chunks (a scope) are scored exactly, from the stored vectors the store passes (the
    # index's own are 8-bit): their best, even if its list is never probed.
    scope = [int(i) for i in ids[::997]]
    members = np.isin(ids, scope)

    def stored(chunk_ids: list[int]) -> np.ndarray:
        return vectors[np.asarray(chunk_ids) - 1_000]

    for query in queries[:10]:
        found = [i for i, _ in search(index, query, 5, scope, stored)]
        assert found == exact_top(vectors[members], ids[members], query, 5)

    # Written, read back, changed in place by chunk id.
    path = tmp_path / "gen-000001.faiss"
    write_faiss_atomically(index, path)
    again = read_faiss(path)
    assert np.allclose(again.reconstruct_batch(ids[:3]), vectors[:3], atol=0.02)  # 8 bits a dimension
    again.remove_ids(ids[:1])
    assert search(again, vectors[0], 1, None)[0][0] != ids[0]
    assert search(again, vectors[1], 1, None)[0][0] == ids[1]


def test_sizes_choose_the_kind_of_index(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(faiss_vectors, "ANN_MIN_CHUNKS", 1_000)
    small = build_faiss(np.arange(900), clustered_vectors(900), 64)
    large = build_faiss(np.arange(4_000), clustered_vectors(4_000), 64)
    assert not is_inverted_file(small) and is_inverted_file(large)
    assert faiss_vectors.suits_size(small, 999) and not faiss_vectors.suits_size(small, 1_000)
    assert faiss_vectors.suits_size(large, 4_000) and faiss_vectors.suits_size(large, 600)
    assert not faiss_vectors.suits_size(large, 400)  # shrunk well below the threshold: exact again
    assert not faiss_vectors.suits_size(large, 4_000 * 20)  # outgrew its lists: retrained


def _kb(briefs: Path, data: Path, embedder: BriefEmbeddings) -> KnowledgeBase:
    kb = KnowledgeBase(briefs, data, embedder=embedder)
    kb.reindex()
    return kb


def _current_index(kb: KnowledgeBase):  # type: ignore[no-untyped-def]
    return read_faiss(vector_file(kb.data_dir, kb.status().generation))


def test_a_knowledge_base_past_the_threshold_answers_as_the_exact_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, embedder: BriefEmbeddings
) -> None:
    exact = _kb(NEWS, tmp_path / "exact", embedder)
    chunk_count = exact.status().chunks
    assert not is_inverted_file(_current_index(exact))

    # Two days stay under the threshold; the third day's reindex crosses it.
    monkeypatch.setattr(faiss_vectors, "ANN_MIN_CHUNKS", chunk_count)
    briefs = tmp_path / "briefs"
    briefs.mkdir()
    for name in ("2025-12-05.html", "2025-12-06.html"):
        shutil.copy2(NEWS / name, briefs / name)
    ann = _kb(briefs, tmp_path / "ann", embedder)
    assert not is_inverted_file(_current_index(ann))
    shutil.copy2(NEWS / "2025-12-07.html", briefs / "2025-12-07.html")
    ann.reindex()
    assert is_inverted_file(_current_index(ann))
    assert _current_index(ann).ntotal == chunk_count

    for question in QUESTIONS:
        assert [h.text for h in ann.search(question, 5)] == [h.text for h in exact.search(question, 5)]
        day = [date(2025, 12, 6)]
        scoped = ann.search(question, 5, dates=day)
        assert scoped and {h.date for h in scoped} == set(day)
        assert [h.text for h in scoped] == [h.text for h in exact.search(question, 5, dates=day)]

    # Removing a brief updates the inverted file in place: its passages are gone.
    removed = next(b for b in ann.briefs() if b.date == date(2025, 12, 5))
    ann.remove_brief(removed.brief_id)
    assert is_inverted_file(_current_index(ann))
    assert all(h.date != date(2025, 12, 5) for q in QUESTIONS for h in ann.search(q, 10))
    exact.close()
    ann.close()
