"""The extractive answer: the few sentences of the retrieved passages that answer the question.

Each sentence of the best passages is scored by how close its meaning is to the question (the
embedder's cosine), plus small bonuses for containing the question's topic words, for coming from
the retriever's first or second passage, and for opening its passage. The best sentence leads;
up to two more follow when they score nearly as well. Sentences are quoted exactly, so every
citation is a slice of its brief.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot.engine.records import Citation
from index.embeddings import BriefEmbeddings
from index.records import Hit
from index.text.matching import Term, coverage, stems
from index.text.sentences import Sentence, split_sentences


@dataclass(frozen=True, slots=True)
class ExtractiveConfig:
    """Scores are in units of cosine. The bonuses are a logistic fit of "this sentence contains
    the gold answer" on 400 train questions of each eval set, scaled by the cosine's weight."""

    passages: int = 3  # sentences come from this many of the top passages
    # At most this many sentences are embedded (each costs ~20-60 ms on a small CPU, unless the
    # embedder remembers it from an earlier answer): the shortlist by the bonuses alone lost no
    # answers on train against embedding them all.
    embedded: int = 8
    max_sentences: int = 3
    lexical_bonus: float = 0.035  # times the share of the question's topic words it contains
    rank_bonus: tuple[float, ...] = (0.07, 0.02)  # for the retriever's first, second passage
    lead_bonus: float = 0.035  # a passage's first sentence often says what the rest is about
    # Further sentences are kept when this close to the best: on train, 0.15 keeps 2.8 of 3
    # sentences on average and finds the gold answer in 4 points more answers than 0.1 does.
    keep_within: float = 0.15


@dataclass(frozen=True, slots=True)
class Candidate:
    hit: Hit
    sentence: Sentence  # offsets into hit.text
    position: int  # index of the sentence in its passage
    lexical: float  # share of the question's topic words in the sentence
    score: float = 0.0  # set by `score`

    @property
    def text(self) -> str:
        return self.hit.text[self.sentence.start : self.sentence.end]


def candidates(question_terms: Sequence[Term], hits: Sequence[Hit], config: ExtractiveConfig) -> list[Candidate]:
    """Every sentence of the top passages, with its topic-word coverage."""
    found: list[Candidate] = []
    for hit in hits[: config.passages]:
        for position, sentence in enumerate(split_sentences(hit.text)):
            text = hit.text[sentence.start : sentence.end]
            found.append(Candidate(hit, sentence, position, coverage(question_terms, stems(text))))
    return found


def score(
    question_vector: np.ndarray,
    found: Sequence[Candidate],
    embedder: BriefEmbeddings,
    config: ExtractiveConfig,
) -> list[Candidate]:
    """The candidates worth embedding, scored, best first.

    Only the `embedded` best by their bonuses are embedded, to bound the cost per question.
    """

    def prior(candidate: Candidate) -> float:
        rank = candidate.hit.rank - 1
        return (
            config.lexical_bonus * candidate.lexical
            + (config.rank_bonus[rank] if rank < len(config.rank_bonus) else 0.0)
            + (config.lead_bonus if candidate.position == 0 else 0.0)
        )

    shortlist = sorted(found, key=prior, reverse=True)[: config.embedded]
    if not shortlist:
        return []
    # Each distinct sentence once, and one already embedded for an earlier answer not again.
    vectors = embedder.encode_sentences([c.text for c in shortlist])
    cosines = vectors @ question_vector
    scored = [
        Candidate(c.hit, c.sentence, c.position, c.lexical, prior(c) + float(cos))
        for c, cos in zip(shortlist, cosines, strict=True)
    ]
    return sorted(scored, key=lambda c: c.score, reverse=True)


def choose(scored: Sequence[Candidate], config: ExtractiveConfig) -> list[Candidate]:
    """The best sentence and those scoring within `keep_within` of it, at most `max_sentences`."""
    if not scored:
        return []
    best = scored[0].score
    return [c for c in scored[: config.max_sentences] if c.score >= best - config.keep_within]


def compose(chosen: Sequence[Candidate]) -> tuple[str, tuple[Citation, ...]]:
    """Answer text and citations: sentences grouped by passage (best passage first, reading order
    within it), each followed by its [n]; a passage's citation quotes the stretch of its brief
    from its first chosen sentence to its last."""
    by_passage: dict[int, list[Candidate]] = {}
    for candidate in chosen:
        by_passage.setdefault(candidate.hit.chunk_id, []).append(candidate)
    pieces: list[str] = []
    citations: list[Citation] = []
    for n, group in enumerate(by_passage.values(), start=1):
        group.sort(key=lambda c: c.position)
        pieces.extend(f"{c.text} [{n}]" for c in group)
        hit = group[0].hit
        start, end = group[0].sentence.start, group[-1].sentence.end
        citations.append(Citation.quoting(n, hit, start, end))
    return " ".join(pieces), tuple(citations)
