"""Whether the retrieved passages are about the question at all, or the briefs don't cover it.

Two signals that do not depend on how the retriever fuses its scores: the embedder's cosine
between the question and the closest passage, and the weighted share of the question's topic
words (names and numbers count double) found in the passage that has most of them. A question
from outside the briefs may land on a passage about a related topic (a high-ish cosine) but
rarely on one that also names what it asks about.

The decision is a logistic model over the two, fitted with `briefbot answer-eval --calibrate`
on the train questions of `../shared/eval`: each corpus's own questions must be answered,
questions of the other corpus, asked against this one, must not.

A question in another language than the briefs ("How many drones...?" against Indonesian briefs)
shares few words with them, and the embedder's cosine across languages runs lower, so the fitted
model would turn it away. It is answered when its cosine alone is high enough: a threshold set
by hand between English questions the sample brief answers (cosine 0.81-0.89) and ones it does
not (0.72-0.77); the eval sets have no English questions to fit it on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.lexical import Term, coverage, stems
from bot.sentences import split_sentences
from index.language import detect_language
from index.models import Hit

# How many of the top passages are looked at.
PASSAGES_CONSIDERED = 5

# The signals, in the order of `Relevance.features` and of WEIGHTS.
FEATURES = ("dense", "coverage", "name_coverage", "sentence_coverage", "dense_gap")

# `briefbot answer-eval --split train --calibrate --limit 1500` (1,500 train questions of each
# eval set, asked of both indexes). The bias answers at least 97% of each set's own questions;
# about a fifth of the out-of-corpus ones still get through, mostly FacQA news questions on
# topics the TyDi QA Wikipedia passages also cover (a city, an airport, an office holder).
WEIGHTS = (66.5, 5.93, 0.0, 0.0, 0.0)
BIAS = -59.2
# The cosine that answers a question asked in another language than the briefs (see above).
CROSS_LINGUAL_MIN_DENSE = 0.79


@dataclass(frozen=True, slots=True)
class Relevance:
    dense: float  # best cosine between the question and a top passage
    coverage: float  # best weighted share of the question's topic words in one top passage
    name_coverage: float  # the same for its names and numbers alone (1 when it has none)
    sentence_coverage: float  # the same within one sentence of a top passage
    dense_gap: float  # how far the best cosine stands above the other top passages' mean
    cross_lingual: bool  # the question is not in the language of the closest passage

    @property
    def features(self) -> tuple[float, ...]:
        return tuple(float(getattr(self, name)) for name in FEATURES)

    @property
    def logit(self) -> float:
        return BIAS + sum(w * x for w, x in zip(WEIGHTS, self.features))

    @property
    def answerable(self) -> bool:
        if self.logit >= 0.0:
            return True
        return self.cross_lingual and self.dense >= CROSS_LINGUAL_MIN_DENSE


def assess(question: str, question_terms: Sequence[Term], hits: Sequence[Hit]) -> Relevance:
    top = hits[:PASSAGES_CONSIDERED]
    if not top:
        return Relevance(0.0, 0.0, 0.0, 0.0, 0.0, cross_lingual=False)
    cosines = sorted((hit.scores.get("dense", 0.0) for hit in top), reverse=True)
    names = [term for term in question_terms if term.weight > 1.0]
    sentences = [hit.text[s.start : s.end] for hit in top for s in split_sentences(hit.text)]
    return Relevance(
        dense=cosines[0],
        coverage=max(coverage(question_terms, stems(hit.text)) for hit in top),
        name_coverage=max(coverage(names, stems(hit.text)) for hit in top) if names else 1.0,
        sentence_coverage=max((coverage(question_terms, stems(text)) for text in sentences), default=0.0),
        dense_gap=cosines[0] - sum(cosines[1:]) / len(cosines[1:]) if len(cosines) > 1 else 0.0,
        cross_lingual=detect_language(question) != detect_language(top[0].text),
    )
