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
from index.language import detect_language
from index.models import Hit

# How many of the top passages are looked at for the two signals.
PASSAGES_CONSIDERED = 5

# `briefbot answer-eval --split train --calibrate --limit 1500` (1,500 train questions of each
# eval set, asked of both indexes). The bias answers at least 97% of each set's own questions;
# 24% of the out-of-corpus ones still get through, mostly FacQA news questions on topics the
# TyDi QA Wikipedia passages also cover (a currency, a city's population).
DENSE_WEIGHT = 66.5
COVERAGE_WEIGHT = 5.93
BIAS = -59.2
# The cosine that answers a question asked in another language than the briefs (see above).
CROSS_LINGUAL_MIN_DENSE = 0.79


@dataclass(frozen=True, slots=True)
class Relevance:
    dense: float  # best cosine between the question and a top passage
    coverage: float  # best weighted share of the question's topic words in one top passage
    cross_lingual: bool  # the question is not in the language of the closest passage

    @property
    def logit(self) -> float:
        return BIAS + DENSE_WEIGHT * self.dense + COVERAGE_WEIGHT * self.coverage

    @property
    def answerable(self) -> bool:
        if self.logit >= 0.0:
            return True
        return self.cross_lingual and self.dense >= CROSS_LINGUAL_MIN_DENSE


def assess(question: str, question_terms: Sequence[Term], hits: Sequence[Hit]) -> Relevance:
    top = hits[:PASSAGES_CONSIDERED]
    if not top:
        return Relevance(dense=0.0, coverage=0.0, cross_lingual=False)
    dense = max((hit.scores["dense"] for hit in top if "dense" in hit.scores), default=0.0)
    covered = max(coverage(question_terms, stems(hit.text)) for hit in top)
    cross_lingual = detect_language(question) != detect_language(top[0].text)
    return Relevance(dense=dense, coverage=covered, cross_lingual=cross_lingual)
