"""Word-level evidence: which of a question's content words a passage or sentence contains.

Both the sentence picker and the relevance decision use it. Words are compared by their
Indonesian stem (Sastrawi: "diluncurkan" and "meluncurkan" are both "luncur"), and two stems also
match when they differ only in a short ending ("drone"/"drones", "Ukraina"/"Ukraine"), which
catches plurals and the spelling of names across the two languages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from index.text.stemming import fold_accents
from index.text.stemming import stem as stem_word
from index.text.stopwords import TOPIC_STOP_WORDS

_WORD = re.compile(r"\w+", re.UNICODE)
# A thousands separator: "4,000" (English) and "4.000" (Indonesian) are the "4000" a reader types.
_THOUSANDS = re.compile(r"(?<=\d)[,.](?=\d{3}(?!\d))")

# Chat Indonesian writes a doubled word with a 2: "tiba2" for "tiba-tiba", "orang2" for "orang-orang".
_REDUPLICATED = re.compile(r"[a-z]{3,}2")
# A number or a capitalised word inside the question is usually the name the question is about.
NAME_WEIGHT = 2.0
# The shortest stem that may match another by a shared beginning, and the most that may differ.
_FUZZY_MIN_CHARS = 5
_FUZZY_MAX_TAIL = 2


@dataclass(frozen=True, slots=True)
class Term:
    stem: str
    weight: float
    # The word in the other language of the briefs (`index.text.glossary.glossed`): found when
    # the text holds any of these instead.
    also: frozenset[str] = frozenset()


def stem(word: str) -> str:
    """The stem of one lower-case word, accents dropped first ("São" and "Sao" match)."""
    return stem_word(fold_accents(word))


def content_terms(question: str) -> tuple[Term, ...]:
    """The question's topic words, once each, names and numbers weighted up."""
    terms: dict[str, float] = {}
    for index, match in enumerate(_WORD.finditer(_THOUSANDS.sub("", question))):
        surface = match.group()
        lowered = surface.lower()
        if _REDUPLICATED.fullmatch(lowered):
            surface, lowered = surface[:-1], lowered[:-1]  # "tiba2" is "tiba-tiba", not a number
        if lowered in TOPIC_STOP_WORDS or (len(lowered) < 2 and not lowered.isdigit()):
            continue
        is_name = any(ch.isdigit() for ch in surface) or (index > 0 and surface[0].isupper())
        weight = NAME_WEIGHT if is_name else 1.0
        key = stem(lowered)
        terms[key] = max(weight, terms.get(key, 0.0))
    return tuple(Term(key, weight) for key, weight in terms.items())


# How the two languages spell the same foreign name differently ("Pasifik" / "Pacific",
# "Kolombia" / "Colombia", "Filipina" / "Philippines" is beyond it): each pair is mapped to one
# spelling, in order.
_SPELLINGS = (
    (re.compile(r"ph"), "f"),
    (re.compile(r"th"), "t"),
    (re.compile(r"ck"), "k"),
    (re.compile(r"c(?=[eiy])"), "s"),
    (re.compile(r"[cq]"), "k"),
    (re.compile(r"x"), "ks"),
    (re.compile(r"z"), "s"),
    (re.compile(r"v"), "f"),
    (re.compile(r"y"), "i"),
    (re.compile(r"(.)\1"), r"\1"),
    (re.compile(r"(?<=.{4})[aeh]$"), ""),
)


def spelling_key(word: str) -> str:
    """`word` (lower case) with the spellings that differ between Indonesian and English made one:
    "pasifik" and "pacific" are both "pasifik", "ukraina" and "ukraine" both "ukrain"."""
    key = fold_accents(word)
    for pattern, replacement in _SPELLINGS:
        key = pattern.sub(replacement, key)
    return key


def stems(text: str) -> frozenset[str]:
    """Every word of `text`, stemmed; a number written out counts as its digits too ("a
    seven-story building" holds the "7" of "gedung 7 lantai")."""
    found = {stem(word.lower()) for word in _WORD.findall(_THOUSANDS.sub("", text))}
    return frozenset(found | {_NUMBER_WORDS[w] for w in found if w in _NUMBER_WORDS})


# Numbers written out, both languages, as the stemmer leaves them.
_NUMBER_WORDS = {
    word: str(n)
    for n, words in enumerate(
        (
            "",
            "one satu",
            "two dua",
            "three tiga",
            "four empat",
            "five lima",
            "six enam",
            "seven tujuh",
            "eight delapan",
            "nine sembilan",
            "ten sepuluh",
            "eleven sebelas",
            "twelve",
        )
    )
    for word in words.split()
}


def coverage(terms: Iterable[Term], text_stems: frozenset[str]) -> float:
    """The weighted share of `terms` found in a text (0..1); 0 for a question without terms."""
    total = found = 0.0
    for term in terms:
        total += term.weight
        if _contains(text_stems, term.stem) or any(_contains(text_stems, other) for other in term.also):
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
    for x, y in zip(a, b, strict=False):  # `b` may be a few characters longer
        if x != y:
            break
        shared += 1
    return shared >= _FUZZY_MIN_CHARS and shared >= min(len(a), len(b)) - _FUZZY_MAX_TAIL


def text_key(text: str) -> str:
    """Text compared for identity: case, punctuation and spacing don't make two paragraphs differ."""
    return " ".join(_WORD.findall(text.lower()))


def one_edit_apart(a: str, b: str) -> bool:
    """One letter changed, dropped or added, or two neighbours swapped ("gaaz" / "gaza")."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diffs) == 1:
            return True
        # two neighbours swapped: "gaaz" / "gaza"
        return (
            len(diffs) == 2 and diffs[1] == diffs[0] + 1 and a[diffs[0]] == b[diffs[1]] and a[diffs[1]] == b[diffs[0]]
        )
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))
