"""The FAISS side of the embedded store: which index a generation gets, and how it is searched.

Below `ANN_MIN_CHUNKS` vectors the index is exact (`IndexFlatIP` keyed by chunk id): a question
costs a scan of every vector, under 20 ms at that size. Above it the scan grows linearly (257 ms
at 1,000,000 vectors on two shared cores, `benchmarks/bench_ann.py`), so the index becomes an
inverted file (`IndexIVFScalarQuantizer`, inner product, 4·√N lists) that scans only the `NPROBE` lists
nearest the question: 1 to 4 ms, at a recall@10 against the exact search of 0.97 to 0.99 for the
eval questions from 100k to 1M vectors (`bench_ann.py`, `bench_scale.py`). Its vectors are held
in 8 bits a dimension (`reconstruct` returns them approximately; the exact ones are in the
catalog's vector cache), and ids can be removed and added between generations.

Searches scoped to some chunks (a day, a brief) never go through the inverted lists, which
could miss a scoped chunk whose list was not probed: up to `EXACT_SCOPE_MAX` chunks they are
scored exactly from their stored vectors; a wider scope probes proportionally more lists.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import faiss
import numpy as np

# Below this many vectors the exact scan is cheap enough, and an inverted file would have too
# few training vectors per list to be worth it (see the module docstring for the measurement).
ANN_MIN_CHUNKS = 100_000
# Lists probed per question: recall@10 of eval questions against the exact scan 0.969 at 100k
# vectors, 0.977 at 500k (32 lists: 0.947 and 0.969), at 1 to 3 ms (bench_ann.py).
NPROBE = 64
# A scoped search over at most this many chunks is exact: its vectors are looked up by id (about
# 7,000 in 15 ms) and scored. A day's scope is a few hundred.
EXACT_SCOPE_MAX = 50_000
# k-means is trained on at most this many vectors per list: enough for stable centroids, and
# training stays around a minute at a million vectors.
TRAINING_PER_LIST = 40
# An inverted file is rebuilt (retrained) when the collection has grown or shrunk this much
# since its lists were chosen, so lists stay about √N·4 without retraining on every reindex.
RETRAIN_FACTOR = 4


def list_count(total: int) -> int:
    return max(1, int(4 * math.sqrt(total)))


def build_faiss(ids: np.ndarray, vectors: np.ndarray, dimension: int) -> faiss.Index:
    """The index for these vectors (normalized: inner product = cosine), keyed by chunk id:
    exact below ANN_MIN_CHUNKS, an inverted file above."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    ids = np.asarray(ids, dtype=np.int64)
    if len(ids) < ANN_MIN_CHUNKS:
        index: faiss.Index = faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
    else:
        index = _trained_inverted_file(vectors, dimension)
    if len(ids):
        index.add_with_ids(vectors, ids)
    return index


def _trained_inverted_file(vectors: np.ndarray, dimension: int) -> faiss.IndexIVF:
    lists = list_count(len(vectors))
    quantizer = faiss.IndexFlatIP(dimension)
    # One byte a dimension (8-bit scalar quantizer on the residuals): a million vectors take
    # 384 MB instead of 1.5 GB, and the ranking barely moves (dense recall@10 against the exact
    # search stays above 0.95, bench_scale.py). The exact vectors stay in the catalog's vector
    # cache, where the candidates' cosines are read from (SqliteSearchView.vectors).
    index = faiss.IndexIVFScalarQuantizer(
        quantizer, dimension, lists, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
    )
    # A fixed seed: the same vectors give the same lists, so rebuilds are reproducible.
    sample_size = min(len(vectors), lists * TRAINING_PER_LIST)
    sample = vectors[np.random.default_rng(0).choice(len(vectors), sample_size, replace=False)]
    index.train(np.ascontiguousarray(sample))
    # A hash table from chunk id to list position: `reconstruct` and `remove_ids` by chunk id.
    index.set_direct_map_type(faiss.DirectMap.Hashtable)
    return index


def is_inverted_file(index: faiss.Index) -> bool:
    return isinstance(index, faiss.IndexIVF)


def suits_size(index: faiss.Index, total: int) -> bool:
    """Whether `index`, updated in place to hold `total` vectors, is still the right kind: exact
    below ANN_MIN_CHUNKS, an inverted file (with lists for about this size) above."""
    if not is_inverted_file(index):
        return total < ANN_MIN_CHUNKS
    if total < ANN_MIN_CHUNKS // 2:  # hysteresis: no flip-flopping around the threshold
        return False
    wanted = list_count(total)
    return wanted / RETRAIN_FACTOR <= index.nlist <= wanted * RETRAIN_FACTOR


ExactVectors = Callable[[Sequence[int]], np.ndarray]


def search(
    index: faiss.Index,
    query_vector: np.ndarray,
    n: int,
    scope: Sequence[int] | None,
    exact: ExactVectors | None = None,
) -> list[tuple[int, float]]:
    """The `n` nearest chunk ids to the query (scores are cosines), among `scope` when given.
    `exact` gives the stored vectors of chunk ids: a scope over an inverted file is scored with
    them (its own are 8-bit), else with the index's."""
    size = index.ntotal if scope is None else len(scope)
    if index.ntotal == 0 or size == 0:
        return []
    query = np.ascontiguousarray(query_vector.reshape(1, -1), dtype=np.float32)
    k = min(n, size)
    if scope is not None and is_inverted_file(index) and len(scope) <= EXACT_SCOPE_MAX:
        return _exact_over(index, query[0], scope, k, exact)
    # The selector is kept in a local: the parameters hold only a pointer to it.
    selector = None if scope is None else faiss.IDSelectorBatch(np.asarray(scope, dtype=np.int64))
    params: faiss.SearchParameters | None
    if is_inverted_file(index):
        # Parameters per call (never `index.nprobe = ...`): searches on other threads are
        # unaffected. A wide scope probes proportionally more lists to find its n best.
        probes = NPROBE if scope is None else min(index.nlist, math.ceil(NPROBE * index.ntotal / len(scope)))
        params = (
            faiss.SearchParametersIVF(sel=selector, nprobe=probes)
            if selector
            else faiss.SearchParametersIVF(nprobe=probes)
        )
    else:
        # The flat index filters while it scans: a day's best chunk is found even when other
        # days' chunks fill the unscoped top-N.
        params = faiss.SearchParameters(sel=selector) if selector else None
    scores, ids = index.search(query, k, params=params)
    return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]


def _exact_over(
    index: faiss.Index, query: np.ndarray, scope: Sequence[int], k: int, exact: ExactVectors | None
) -> list[tuple[int, float]]:
    ids = np.asarray(scope, dtype=np.int64)
    stored = exact(ids.tolist()) if exact is not None else index.reconstruct_batch(ids)
    scores = stored @ query
    best = np.argsort(-scores, kind="stable")[:k]
    return [(int(ids[i]), float(scores[i])) for i in best]


def write_faiss_atomically(index: faiss.Index, path: Path) -> None:
    """Write to a temporary name, flush to disk, then rename: the file is whole or absent."""
    tmp = path.with_suffix(".tmp")
    faiss.write_index(index, str(tmp))
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def read_faiss(path: Path) -> faiss.Index:
    return faiss.read_index(str(path))
