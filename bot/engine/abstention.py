"""Whether the retrieved passages are about the question at all, or the briefs don't cover it.

Three signals that do not depend on how the retriever fuses its scores: the embedder's cosine
between the question and the closest passage, the weighted share of the question's topic words
(names and numbers count double) found in the passage that has most of them, and the same share
within a single sentence. A question from outside the briefs may land on a passage about a
related topic (a high-ish cosine), even one that mentions its words here and there, but rarely on
a sentence that says what it asks about.

The decision is a logistic model over the three, fitted with `briefbot answer-eval --calibrate`
on the train questions of `../shared/eval`: each corpus's own questions must be answered,
questions of the other corpus, asked against this one, must not. (Also tried, on the same
questions: coverage of the question's names and numbers alone, and the gap between the best
cosine and the other top passages'. Neither lowered the out-of-corpus answers on train by more
than a point at the same answer rate, so the model keeps to three.)

A question in another language than the briefs ("How many drones...?" against Indonesian briefs)
shares few words with them, and the embedder's cosine across languages runs lower, so the fitted
model would turn it away. It is answered when its cosine alone is high enough: a threshold set
by hand between English questions the sample brief answers (cosine 0.81-0.89) and ones it does
not (0.72-0.77); the eval sets have no English questions to fit it on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from index.records import Hit
from index.text.glossary import glossed
from index.text.language import detect_language
from index.text.matching import Term, coverage, stems
from index.text.sentences import split_sentences

# How many of the top passages are looked at.
PASSAGES_CONSIDERED = 5

# The signals, in the order of `Relevance.features` and of WEIGHTS.
FEATURES = ("dense", "coverage", "sentence_coverage")

# `briefbot answer-eval --split train --calibrate --limit 1500` (1,500 train questions of each
# eval set, asked of both indexes). The bias answers at least 97% of each set's own questions;
# 21% of the out-of-corpus ones still get through, mostly FacQA news questions on topics the
# TyDi QA Wikipedia passages also cover (a city, an airport, an office holder).
WEIGHTS = (69.23, 1.09, 5.05)
BIAS = -61.57
# The cosine that answers a question asked in another language than the briefs (see above).
CROSS_LINGUAL_MIN_DENSE = 0.79
# ... and one passage must hold all its names and numbers and most of the words that can be
# looked for across the languages (`_readable_share`, through the glossary: "pilpres kamerun"
# is "presidential election", "Cameroon"). A question whose names are not there ("Piala Dunia
# 2022" of briefs on the 2025 final), or whose rendered words are mostly missing ("hasil pemilu
# Jerman" of a passage naming Germany), is about something else.
CROSS_LINGUAL_MIN_COVERAGE = 0.5


@dataclass(frozen=True, slots=True)
class Relevance:
    dense: float  # best cosine between the question and a top passage
    coverage: float  # best weighted share of the question's topic words in one top passage
    sentence_coverage: float  # the same within one sentence of a top passage
    cross_lingual: bool  # the question is not in the language of the closest passage
    # asked in the other language: the best `_readable_share` of the question's words in one top
    # passage that holds every name and number of the question (with the glossary's
    # renderings); 0 when none does, or when the question is in the passages' language
    named_coverage: float = 0.0

    @property
    def features(self) -> tuple[float, ...]:
        return tuple(float(getattr(self, name)) for name in FEATURES)

    @property
    def logit(self) -> float:
        return BIAS + sum(w * x for w, x in zip(WEIGHTS, self.features, strict=True))

    @property
    def answerable(self) -> bool:
        if self.logit >= 0.0:
            return True
        return (
            self.cross_lingual
            and self.dense >= CROSS_LINGUAL_MIN_DENSE
            and self.named_coverage >= CROSS_LINGUAL_MIN_COVERAGE
        )


def assess(
    question: str, question_terms: Sequence[Term], hits: Sequence[Hit], *, names: frozenset[str] = frozenset()
) -> Relevance:
    """How relevant `hits` are to the question. `names`: stems of its words that are names though
    not written as names ("indonesia" typed in lower case); asked in the other language, a
    passage must hold them as it must hold the capitalised ones."""
    top = hits[:PASSAGES_CONSIDERED]
    if not top:
        return Relevance(dense=0.0, coverage=0.0, sentence_coverage=0.0, cross_lingual=False)
    sentences = [hit.text[s.start : s.end] for hit in top for s in split_sentences(hit.text)]
    cross_lingual = detect_language(question) != detect_language(top[0].text)
    # A passage's brief is dated: "Piala Dunia U-20 2025" of a 2025 brief that says "U-20 World
    # Cup" names its year without writing it.
    passage_stems = [stems(hit.text) | ({str(hit.date.year)} if hit.date else set()) for hit in top]
    named_coverage = 0.0
    if cross_lingual:
        # Its words as the passages' language says them ("pilpres kamerun": "presidential
        # election", "Cameroon"), so that the coverage below means what it means within one.
        question_terms = glossed(question_terms, question)
        # Names, and numbers too: they are written alike in both languages ("Piala Dunia 2022"
        # is not the 2025 final).
        required = [t for t in question_terms if t.weight > 1 or t.stem in names]
        named_coverage = max(
            (
                _readable_share(question_terms, found)
                for found in passage_stems
                if coverage(required, found) == 1.0 or not required
            ),
            default=0.0,
        )
    return Relevance(
        dense=max(hit.scores.get("dense", 0.0) for hit in top),
        coverage=max(coverage(question_terms, found) for found in passage_stems),
        sentence_coverage=max((coverage(question_terms, stems(text)) for text in sentences), default=0.0),
        cross_lingual=cross_lingual,
        named_coverage=named_coverage,
    )


def _readable_share(terms: Sequence[Term], text_stems: frozenset[str]) -> float:
    """The share of the words a reader of both languages could look for that the text holds,
    each word once: a word counts when the text has it, or when the glossary renders it (then
    its absence is telling); a word neither found nor rendered ("pendaki", "longsoran" outside
    the glossary) may be there in other words, and is not counted either way."""
    held = [coverage([term], text_stems) == 1.0 for term in terms]
    found = sum(held)
    missed = sum(not has and bool(term.also) for has, term in zip(held, terms, strict=True))
    return found / (found + missed) if found + missed else 0.0
