"""PostgreSQL's BM25 top k from posting blocks (`index.stores.postgres.lexical`): the same chunks
and scores as FTS5's formula over every chunk, through generations that add and remove briefs,
scoped to a day, with tiny blocks so the threshold algorithm must read deeper to prove its answer.
A real PostgreSQL (tests/conftest.py)."""

from __future__ import annotations

import random
from datetime import date

import numpy as np
import pytest

from index.embeddings import EmbedderInfo
from index.records import Chunk, Paragraph, ParsedBrief
from index.stores.postgres import PostgresStore, lexical
from index.stores.protocol import BriefToWrite, ChunkToWrite, NextGeneration
from index.text import bm25

EMBEDDER = EmbedderInfo("test-random", 384)
# Zipf-like: a few words in most chunks (long posting lists), many rare ones.
VOCABULARY = [f"w{i}" for i in range(300)]
WEIGHTS = [1 / (i + 1) for i in range(300)]


def brief(name: str, day: date, rng: random.Random) -> tuple[BriefToWrite, dict[str, list[str]]]:
    chunks, terms_of = [], {}
    for n in range(40):
        terms = rng.choices(VOCABULARY, WEIGHTS, k=rng.randint(3, 30))
        text = " ".join(terms)
        key = f"{name}-{n}"
        chunks.append(ChunkToWrite(Chunk(name, n, None, (n + 1,), 0, len(text), text, text), key, tuple(terms)))
        terms_of[key] = terms
    parsed = ParsedBrief(
        " ".join(c.chunk.text for c in chunks), name, day, tuple(Paragraph(n + 1, None, 0, 1) for n in range(40))
    )
    return BriefToWrite(name, f"{name}.txt", f"hash-{name}", parsed, tuple(chunks)), terms_of


def write_briefs(store: PostgresStore, rng: random.Random, days: range) -> tuple[dict[str, list[str]], np.ndarray]:
    """One generation of random briefs, one a day of January 2024: each chunk's terms, the vectors."""
    terms_of: dict[str, list[str]] = {}
    written = []
    for day in days:
        made, terms = brief(f"b{day}", date(2024, 1, day), rng)
        written.append(made)
        terms_of.update(terms)
    keys = list(terms_of)
    vectors = np.random.default_rng(0).normal(size=(len(keys), 384)).astype(np.float32)
    store.cache_vectors(keys, vectors / np.linalg.norm(vectors, axis=1, keepdims=True))
    store.write_documents(NextGeneration((), tuple(written), EMBEDDER, "test"))
    return terms_of, vectors


def exact_top(question: list[str], docs: dict[int, list[str]], k: int) -> dict[int, float]:
    counts = {t: sum(t in terms for terms in docs.values()) for t in question}
    average = sum(len(t) for t in docs.values()) / len(docs)
    scores = bm25.scores(question, docs, len(docs), counts, average)
    return dict(sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:k])


def chunk_terms(
    store: PostgresStore, terms_of: dict[str, list[str]], days: list[date] | None = None
) -> dict[int, list[str]]:
    rows = (
        store._primary()
        .execute(
            "SELECT chunk_id, embed_hash FROM chunks WHERE %s::date[] IS NULL OR brief_date = ANY(%s::date[])",
            (days, days),
        )
        .fetchall()
    )
    return {int(chunk_id): terms_of[key] for chunk_id, key in rows}


def assert_same_top(found: dict[int, float], exact: dict[int, float]) -> None:
    """Same scores in the same order; which of equal scores is returned may differ."""
    assert [round(s, 9) for s in found.values()] == pytest.approx([round(s, 9) for s in exact.values()], rel=1e-6)
    for chunk_id, score in found.items():
        assert score >= min(exact.values()) - 1e-9
        assert chunk_id in exact or score == pytest.approx(min(exact.values()))


# Every list read whole (what a question of up to EXHAUSTIVE_POSTINGS postings gets), or the
# threshold algorithm's rounds (longer ones).
WHOLE_OR_ROUNDS = pytest.mark.parametrize("exhaustive", [lexical.EXHAUSTIVE_POSTINGS, 0], ids=["whole", "rounds"])


@WHOLE_OR_ROUNDS
def test_block_top_k_equals_bm25_over_every_chunk(
    new_database, monkeypatch: pytest.MonkeyPatch, exhaustive: int
) -> None:
    monkeypatch.setattr(lexical, "EXHAUSTIVE_POSTINGS", exhaustive)
    monkeypatch.setattr(lexical, "BLOCK", 4)  # many blocks a term: rounds must go deeper
    monkeypatch.setattr(lexical, "FIRST_DEPTH", 1)
    store = PostgresStore(new_database())
    rng = random.Random(7)
    terms_of, vectors = write_briefs(store, rng, range(1, 7))
    questions = [rng.sample(VOCABULARY[:60], rng.randint(1, 8)) for _ in range(30)]

    def check(days: list[date] | None = None) -> None:
        docs = chunk_terms(store, terms_of, days)
        with store.search_view() as view:
            scope = view.filter_chunk_ids(dates=days) if days else None
            for question in questions:
                exact = (
                    exact_top(question, docs, 10)
                    if not days
                    else _scoped_exact(question, chunk_terms(store, terms_of), docs)
                )
                found = view.lexical_top(question, 10, scope)
                if exact:
                    assert_same_top(found, exact)
                else:
                    assert found == {}
                some = list(docs)[:15]
                every = exact_top(question, chunk_terms(store, terms_of), 10_000)
                assert view.lexical_scores_of(question, some) == pytest.approx(
                    {c: every[c] for c in some if c in every}
                )

    check()
    check([date(2024, 1, 2)])
    if exhaustive:  # whole lists were read, and remembered for the next questions of this generation
        assert store._whole_lists._bytes > 0
        check()  # ... which answer from memory the same
    # A generation that replaces a brief: its old postings become garbage in
    # the blocks, which must never be returned nor break the proof.
    again, terms = brief("b2", date(2024, 1, 2), random.Random(99))
    terms_of.update({f"{k}-again": v for k, v in terms.items()})
    again = BriefToWrite(
        again.brief_id,
        again.source,
        "hash-again",
        again.parsed,
        tuple(ChunkToWrite(c.chunk, f"{c.embed_hash}-again", c.terms) for c in again.chunks),
    )
    store.cache_vectors([c.embed_hash for c in again.chunks], vectors[: len(again.chunks)])
    store.write_documents(NextGeneration(("b2",), (again,), EMBEDDER, "test"))
    assert store.manifest()["lexical_garbage"] != "0"
    check()
    # Half the briefs removed: garbage past GARBAGE_SHARE, every block rebuilt.
    store.delete_documents(["b1", "b4", "b5"], EMBEDDER, "test")
    assert store.manifest()["lexical_garbage"] == "0"
    check()
    store.close()


def _scoped_exact(
    question: list[str], everything: dict[int, list[str]], scoped: dict[int, list[str]]
) -> dict[int, float]:
    """The day's best, scored with the whole collection's statistics (as the store does)."""
    counts = {t: sum(t in terms for terms in everything.values()) for t in question}
    average = sum(len(t) for t in everything.values()) / len(everything)
    scores = bm25.scores(question, scoped, len(everything), counts, average)
    return dict(sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:10])


def test_the_best_first_candidates_are_a_full_stable_sorts_first_m() -> None:
    rng = np.random.default_rng(1)
    for size in (0, 1, 5, 100, 5000):
        for m in (1, 3, 116):
            values = rng.integers(0, 20, size=size).astype(np.float64)  # many ties
            expected = np.argsort(-values, kind="stable")[:m]
            assert lexical._best_first(values, m).tolist() == expected.tolist()


@WHOLE_OR_ROUNDS
def test_top_k_among_many_copies_is_proven_and_exact(
    new_database, monkeypatch: pytest.MonkeyPatch, exhaustive: int
) -> None:
    """Paragraphs in many copies (bench_scale.py's collection, small): every impact comes in runs
    of equal ones, which a threshold read to the same depth for every term could not get past.
    The terms read deeper one by one still prove the exact top k."""
    monkeypatch.setattr(lexical, "EXHAUSTIVE_POSTINGS", exhaustive)
    monkeypatch.setattr(lexical, "BLOCK", 4)
    monkeypatch.setattr(lexical, "FIRST_DEPTH", 1)
    store = PostgresStore(new_database())
    rng = random.Random(3)
    originals = [rng.choices(VOCABULARY[:80], WEIGHTS[:80], k=rng.randint(4, 25)) for _ in range(30)]
    terms_of: dict[str, list[str]] = {}
    written = []
    for b in range(8):
        chunks = []
        for n in range(40):
            terms = [*originals[(b * 40 + n) % len(originals)], "salin", f"c{b}-{n}"]
            text = " ".join(terms)
            key = f"copy-{b}-{n}"
            chunks.append(ChunkToWrite(Chunk(f"b{b}", n, None, (n + 1,), 0, len(text), text, text), key, tuple(terms)))
            terms_of[key] = terms
        parsed = ParsedBrief(
            " ".join(c.chunk.text for c in chunks),
            f"b{b}",
            date(2024, 2, b + 1),
            tuple(Paragraph(n + 1, None, 0, 1) for n in range(40)),
        )
        written.append(BriefToWrite(f"b{b}", f"b{b}.txt", f"hash-b{b}", parsed, tuple(chunks)))
    vectors = np.random.default_rng(0).normal(size=(len(terms_of), 384)).astype(np.float32)
    store.cache_vectors(list(terms_of), vectors / np.linalg.norm(vectors, axis=1, keepdims=True))
    store.write_documents(NextGeneration((), tuple(written), EMBEDDER, "test"))
    docs = chunk_terms(store, terms_of)
    counts = {t: sum(t in terms for terms in docs.values()) for t in {t for d in docs.values() for t in d}}
    average = sum(len(t) for t in docs.values()) / len(docs)
    questions = [
        [*rng.sample(VOCABULARY[:40], rng.randint(1, 6)), *rng.sample(["salin", "c3-7", "w79"], 1)] for _ in range(25)
    ]
    with store.search_view() as view:
        for question in questions:
            for k in (1, 10, 50):
                exact = exact_top(question, docs, k)
                found = lexical.top_k(view._conn, question, k, counts, lexical.Collection(len(docs), average, average))
                assert found.proven
                assert_same_top(found.scores, exact)
    store.close()


def test_warming_remembers_the_longest_lists_and_changes_no_answer(
    new_database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`warm` reads every long posting list of the generation (here: held by more than 20 of the
    240 chunks) into memory, once per generation; questions then score exactly as from the
    blocks, and a new generation is read again rather than answered from the old one's lists."""
    monkeypatch.setattr(lexical, "WHOLE_POSTINGS", 20)
    url = new_database()
    store = PostgresStore(url)
    rng = random.Random(11)
    terms_of, _ = write_briefs(store, rng, range(1, 7))
    questions = [rng.sample(VOCABULARY[:60], rng.randint(1, 8)) for _ in range(20)]

    def remembered() -> set[str]:
        with store.search_view() as view:
            key = view.memory_key
        return {t for t in VOCABULARY if store._whole_lists.get((key, t)) is not None}  # type: ignore[arg-type]

    def long_lists(docs: dict[int, list[str]]) -> set[str]:
        return {t for t in VOCABULARY if sum(t in terms for terms in docs.values()) > 20}

    docs = chunk_terms(store, terms_of)
    assert store.warm() > 0
    assert remembered() == long_lists(docs) != set()
    assert store.warm() == 0  # read once a generation
    cold = PostgresStore(url)  # another process: nothing in memory
    with store.search_view() as warm_view, cold.search_view() as cold_view:
        for question in questions:
            assert_same_top(warm_view.lexical_top(question, 10, None), exact_top(question, docs, 10))
            assert warm_view.lexical_top(question, 10, None) == cold_view.lexical_top(question, 10, None)
    # A reindex that replaces a brief: the new generation's lists, not the old ones, answer.
    again, terms = brief("b3", date(2024, 1, 3), random.Random(5))
    terms_of.update(terms)
    store.cache_vectors(list(terms), np.eye(len(terms), 384, dtype=np.float32))
    store.write_documents(NextGeneration(("b3",), (again,), EMBEDDER, "test"))
    docs = chunk_terms(store, terms_of)
    store.warm()
    assert remembered() == long_lists(docs)
    with store.search_view() as view:
        for question in questions:
            assert_same_top(view.lexical_top(question, 10, None), exact_top(question, docs, 10))
    cold.close()
    store.close()
