"""Word-level evidence: which of a question's content words a passage or sentence contains.

Both the sentence picker and the relevance decision use it. Words are compared by their
Indonesian stem (Sastrawi: "diluncurkan" and "meluncurkan" are both "luncur"), and two stems also
match when they differ only in a short ending ("drone"/"drones", "Ukraina"/"Ukraine"), which
catches plurals and the spelling of names across the two languages.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from Sastrawi.Dictionary.ArrayDictionary import ArrayDictionary
from Sastrawi.Stemmer.Stemmer import Stemmer
from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

_WORD = re.compile(r"\w+", re.UNICODE)

# Words that carry no topic: function words, question words and the fillers of questions
# ("Apa nama ...", "What is meant by ..."). Compared lower-cased, before stemming.
_STOPWORDS = frozenset(
    """
    yang dan di ke ini itu dengan untuk dari adalah pada akan tidak juga sudah telah oleh atau
    tentang saja ada karena tetapi tapi dalam sebagai dia ia mereka kami kita saya aku bahwa bisa
    sebuah seorang para lebih antara setelah belum masih harus hanya jika kalau agar serta namun
    apa apakah siapa siapakah berapa berapakah kapan kapankah mengapa kenapa bagaimana
    bagaimanakah gimana mana manakah dimana dimanakah kemana darimana yg dgn utk gak nggak tdk
    nama disebut dimaksud maksud arti merupakan menjadi dapat kah pun lah sang si tersebut
    bilakah saat ketika hal secara terhadap lalu terus bagaimanapun sekarang
    the a an and of is are was were be been being to in on for with about from by that this these
    those it its at as has have had will would can could there their they he she his her not or
    but than also into after over did does do what who whom whose how when why which where
    many much called name named mean meant say said tell me briefs brief explain describe list
    sebutkan jelaskan ceritakan tolong
    """.split()
)
# A number or a capitalised word inside the question is usually the name the question is about.
NAME_WEIGHT = 2.0
# The shortest stem that may match another by a shared beginning, and the most that may differ.
_FUZZY_MIN_CHARS = 5
_FUZZY_MAX_TAIL = 2

# Sastrawi's own cached stemmer keeps every word it ever saw; `stem` below caches in bounded
# space instead. The stemmer is not documented as thread-safe, so calls to it are serialised.
_stemmer = Stemmer(ArrayDictionary(StemmerFactory().get_words()))
_stemmer_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class Term:
    stem: str
    weight: float


_ASCII_WORD = re.compile(r"[a-z0-9]+")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The Sastrawi stem of one lower-case word, accents dropped first ("São" and "Sao" match).

    Sastrawi knows only a-z: a word in another script is kept as it is, not cut apart.
    """
    folded = "".join(ch for ch in unicodedata.normalize("NFKD", word) if not unicodedata.combining(ch))
    if not _ASCII_WORD.fullmatch(folded):
        return folded
    with _stemmer_lock:
        return _stemmer.stem(folded) or folded


def is_stopword(word: str) -> bool:
    return word.lower() in _STOPWORDS


def content_terms(question: str) -> tuple[Term, ...]:
    """The question's topic words, once each, names and numbers weighted up."""
    terms: dict[str, float] = {}
    for index, match in enumerate(_WORD.finditer(question)):
        surface = match.group()
        lowered = surface.lower()
        if lowered in _STOPWORDS or (len(lowered) < 2 and not lowered.isdigit()):
            continue
        is_name = any(ch.isdigit() for ch in surface) or (index > 0 and surface[0].isupper())
        weight = NAME_WEIGHT if is_name else 1.0
        key = stem(lowered)
        terms[key] = max(weight, terms.get(key, 0.0))
    return tuple(Term(key, weight) for key, weight in terms.items())


def stems(text: str) -> frozenset[str]:
    """Every word of `text`, stemmed."""
    return frozenset(stem(word.lower()) for word in _WORD.findall(text))


def coverage(terms: Iterable[Term], text_stems: frozenset[str]) -> float:
    """The weighted share of `terms` found in a text (0..1); 0 for a question without terms."""
    total = found = 0.0
    for term in terms:
        total += term.weight
        if _contains(text_stems, term.stem):
            found += term.weight
    return found / total if total else 0.0


def _contains(text_stems: frozenset[str], term: str) -> bool:
    if term in text_stems:
        return True
    if len(term) < _FUZZY_MIN_CHARS:
        return False
    return any(_same_word(term, other) for other in text_stems)


def _same_word(a: str, b: str) -> bool:
    """Two stems that share all but a short ending ("ukraina"/"ukraine", "drone"/"drones")."""
    if len(b) < _FUZZY_MIN_CHARS or abs(len(a) - len(b)) > _FUZZY_MAX_TAIL:
        return False
    shared = 0
    for x, y in zip(a, b):
        if x != y:
            break
        shared += 1
    return shared >= _FUZZY_MIN_CHARS and shared >= min(len(a), len(b)) - _FUZZY_MAX_TAIL
