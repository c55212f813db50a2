"""The extractive answer's sentence vectors: each distinct sentence embedded once, remembered
across answers, and exactly the vector `encode_passages` gives it alone."""

from __future__ import annotations

import numpy as np
import pytest

from index import embeddings
from index.embeddings import BriefEmbeddings

SENTENCES = [
    "Presiden meresmikan jembatan baru di Surabaya pada hari Senin.",
    "Harga beras naik.",
    "The minister said the talks would resume next week in Geneva.",
]


def test_sentences_are_embedded_once_and_remembered_with_their_own_vectors(
    embedder: BriefEmbeddings, monkeypatch: pytest.MonkeyPatch
) -> None:
    embedder.__dict__.pop("_sentence_cache", None)
    alone = np.vstack([embedder.encode_passages([s]) for s in SENTENCES])
    embedded: list[str] = []
    encode = embedder._encode_passage_batch

    def counting(texts: list[str]) -> np.ndarray:
        embedded.extend(texts)
        return encode(texts)

    monkeypatch.setattr(embedder, "_encode_passage_batch", counting)
    asked = [SENTENCES[1], SENTENCES[0], SENTENCES[1]]
    first = embedder.encode_sentences(asked)
    assert embedded == [SENTENCES[1], SENTENCES[0]]  # a repeated sentence once
    assert np.array_equal(first, alone[[1, 0, 1]])  # bit for bit: its batch changes nothing
    again = embedder.encode_sentences(SENTENCES)
    assert embedded == [SENTENCES[1], SENTENCES[0], SENTENCES[2]]  # only the new one
    assert np.array_equal(again, alone)


def test_the_sentence_memory_is_bounded(embedder: BriefEmbeddings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embeddings, "SENTENCE_CACHE_SIZE", 2)
    embedder.__dict__.pop("_sentence_cache", None)
    embedder.encode_sentences(SENTENCES)
    assert list(embedder.__dict__["_sentence_cache"]) == SENTENCES[1:]
    embedder.__dict__.pop("_sentence_cache", None)
