"""Turns text into the terms the lexical (FTS5 / BM25) index stores and searches.

Briefs and questions come in Indonesian and English, often mixed (names, quotes), and a chunk's
language is not known word by word, so every word goes through the same steps whatever its
language: lower-case, drop function words of either language, then reduce to a stem. The same
function runs at index time and at query time, so both sides always agree on a term.

Indonesian stems come from Sastrawi, which removes affixes only when what remains is in its
dictionary of root words ("menembak", "ditembak", "penembakan" -> "tembak"). That dictionary
check is also why it is safe on English words and names: "Beijing" or "meeting" have no
Indonesian root, so they are left as they are. It is pure Python (about a millisecond a word),
hence the per-word cache: a corpus repeats its vocabulary, a question repeats the corpus's words.

`benchmarks/tune_retrieval.py` builds other analyzers (no stemming, Snowball stemmers, other stop
word lists) to compare them; `lexical_terms` is the one that won there.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

_WORD = re.compile(r"\w+", re.UNICODE)

# Recorded in the catalog with the terms it produced. Change it whenever `lexical_terms` changes
# its output: the next reindex then recomputes every chunk's terms (vectors are reused).
LEXICON_VERSION = "stop+sastrawi-1"

# Words that say nothing about which paragraph answers a question: question words, pronouns,
# prepositions, conjunctions, auxiliaries. Kept short on purpose: numbers ("dua", "lima"), time
# words ("tahun", "bulan") and verbs that can carry meaning stay searchable (Sastrawi's own list of
# 800 words drops those too; the tuning script measures it as a variant).
INDONESIAN_STOP_WORDS = frozenset(
    """
    ada adalah agar akan akankah aku antara apa apakah apabila atas atau ataukah bagaimana
    bagaimanakah bagi bahwa bahwasanya beberapa begitu belum berapa berapakah bisa dalam dan
    dapat dari daripada demikian dengan di dia diantara dimana dimanakah engkau hanya hingga ia
    ialah ini itu jika juga kah kalau kami kamu kapan kapankah karena ke kenapa kepada ketika kita
    lah maka manakah masih mengapa mereka meski namun nya oleh pada para saat sang saya se sebagai
    sebuah secara sedang sejak seorang serta siapa siapakah si sudah supaya tak telah tentang
    tersebut tetapi tidak untuk walaupun yaitu yakni yang
    """.split()
)
ENGLISH_STOP_WORDS = frozenset(
    """
    a about an and are as at be been being but by can could did do does for from had has have he
    her his how i if in into is it its me my of on or our she so than that the their them then
    there these they this those to us was we were what when where which while who whom whose why
    will with would you your
    """.split()
)
STOP_WORDS = INDONESIAN_STOP_WORDS | ENGLISH_STOP_WORDS

# Comfortably above a corpus's vocabulary (tydiqa-id: ~60k distinct words), so indexing does not
# evict the words questions will use.
STEM_CACHE_SIZE = 200_000

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
    """Sastrawi's Indonesian stemmer on one lower-cased word, cached per word."""
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    stemmer = StemmerFactory().create_stemmer()

    @lru_cache(maxsize=STEM_CACHE_SIZE)
    def stem(word: str) -> str:
        # Sastrawi's own clean-up drops characters outside [a-z0-9] ("é", "_"): an empty or
        # changed result would lose the word, so such words are kept as they are.
        if not word.isascii() or not word.isalnum():
            return word
        return stemmer.stem(word) or word

    return stem


_DEFAULT = LexicalAnalyzer(stop_words=STOP_WORDS, stem=sastrawi_stemmer())


def lexical_terms(text: str) -> list[str]:
    """The terms the FTS index stores for `text` (and searches for, when `text` is a question)."""
    return _DEFAULT.terms(text)
