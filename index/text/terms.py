"""Turns text into the terms the lexical (FTS5 / BM25) index stores and searches.

Briefs and questions come in Indonesian and English, often mixed (names, quotes), and a chunk's
language is not known word by word, so every word goes through the same steps whatever its
language: lower-case, drop function words of either language, then reduce to a stem. The same
function runs at index time and at query time, so both sides always agree on a term.

Stop words come from `index.text.stopwords`, stems from `index.text.stemming` (Sastrawi).

`benchmarks/tune_retrieval.py` builds other analyzers (no stemming, Snowball stemmers, other stop
word lists) to compare them; `lexical_terms` is the one that won there.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from index.text.stemming import stem
from index.text.stopwords import STOP_WORDS

_WORD = re.compile(r"\w+", re.UNICODE)

# Recorded in the catalog with the terms it produced. Change it whenever `lexical_terms` changes
# its output: the next reindex then recomputes every chunk's terms (vectors are reused).
LEXICON_VERSION = "stop+sastrawi-1"


Stemmer = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class LexicalAnalyzer:
    """Text -> terms: lower-cased word tokens, minus stop words, each reduced by `stem`."""

    stop_words: frozenset[str] = frozenset()
    stem: Stemmer | None = None

    def terms(self, text: str) -> list[str]:
        words = (token.lower() for token in _WORD.findall(text))
        kept = [word for word in words if word not in self.stop_words]
        if self.stem is None:
            return kept
        return [self.stem(word) for word in kept]


def sastrawi_stemmer() -> Stemmer:
    """The project's stemmer (`index.text.stemming.stem`), for analyzers built elsewhere."""
    return stem


_DEFAULT = LexicalAnalyzer(stop_words=STOP_WORDS, stem=sastrawi_stemmer())


def lexical_terms(text: str) -> list[str]:
    """The terms the FTS index stores for `text` (and searches for, when `text` is a question)."""
    return _DEFAULT.terms(text)
