"""The one stemmer: Sastrawi's Indonesian stemmer, per word, cached, safe across threads.

Sastrawi removes affixes only when what remains is in its dictionary of root words ("menembak",
"ditembak", "penembakan" -> "tembak"); that check is also why it is safe on English words and
names: "Beijing" or "meeting" have no Indonesian root, so they are left as they are. It is pure
Python (about a millisecond a word), hence the cache: a corpus repeats its vocabulary, a question
repeats the corpus's words. Sastrawi's own cached stemmer keeps every word it ever saw; this cache
is bounded.
"""

from __future__ import annotations

import threading
import unicodedata
from functools import lru_cache

from Sastrawi.Dictionary.ArrayDictionary import ArrayDictionary
from Sastrawi.Stemmer.Stemmer import Stemmer
from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

# Comfortably above a corpus's vocabulary (tydiqa-id: ~60k distinct words), so indexing does not
# evict the words questions will use.
STEM_CACHE_SIZE = 200_000

_stemmer = Stemmer(ArrayDictionary(StemmerFactory().get_words()))
# Sastrawi is not documented as thread-safe: calls into it are serialised.
_stemmer_lock = threading.Lock()


@lru_cache(maxsize=STEM_CACHE_SIZE)
def stem(word: str) -> str:
    """The stem of one lower-cased word.

    Sastrawi knows only a-z and digits, and its clean-up drops other characters ("é", "_"): an
    empty or changed result would lose the word, so such words are kept as they are.
    """
    if not word.isascii() or not word.isalnum():
        return word
    with _stemmer_lock:
        return _stemmer.stem(word) or word


def fold_accents(word: str) -> str:
    """ "São" -> "Sao": names are spelled both ways across languages and sources."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", word) if not unicodedata.combining(ch))
