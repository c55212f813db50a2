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

_ROOT_WORDS = frozenset(StemmerFactory().get_words())
_stemmer = Stemmer(ArrayDictionary(list(_ROOT_WORDS)))
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


# A word this long, one letter off a root word, is taken for that word misspelt or said the
# colloquial way ("dapet" for "dapat", "bagaiaman" for "bagaimana").
_NEAR_ROOT_MIN_CHARS = 5


def is_indonesian_word(word: str, *, typos: bool = True) -> bool:
    """Whether a lower-case word is Indonesian as Sastrawi's dictionary knows it: a root word, a
    root with affixes ("dievakuasi"), from five letters a root one letter off, or any of these
    written the way chat Indonesian writes it ("naikin", "nyalon", "antikorupsi"). Names
    ("lewotobi") and English words ("investigation") are not; nor are abbreviations ("pilkada"),
    which the glossary and the stop words carry. Without `typos`, as written only (chat forms
    included)."""
    return any(_in_dictionary(form, typos) for form in (word, *_colloquial_forms(word)))


def _in_dictionary(word: str, typos: bool) -> bool:
    if word in _ROOT_WORDS or stem(word) in _ROOT_WORDS:
        return True
    if not typos or len(word) < _NEAR_ROOT_MIN_CHARS:
        return False
    near = _near_roots()
    if word in near or any(d in near for d in _deletions(word)):
        return True
    # A typo in an affixed word ("dievakusi"): a long root one letter off once the affixes are
    # off; short roots have too many neighbours ("pertamina" is no "per-" + "stamina").
    long_near = _near_roots(_AFFIXED_TYPO_ROOT_CHARS)
    return any(
        base in long_near or any(d in long_near for d in _deletions(base))
        for base in _without_affixes(word) - {word}
        if len(base) >= _AFFIXED_TYPO_ROOT_CHARS - 1
    )


_AFFIXED_TYPO_ROOT_CHARS = 8


_PREFIXES = (
    "di",
    "ke",
    "se",
    "ter",
    "ber",
    "be",
    "me",
    "mem",
    "men",
    "meng",
    "meny",
    "pe",
    "pem",
    "pen",
    "peng",
    "per",
)
_SUFFIXES = ("kan", "an", "i", "nya", "lah", "kah")


def _without_affixes(word: str) -> set[str]:
    """`word`, and it with one prefix, one suffix or both taken off (no dictionary check)."""
    heads = {word} | {word[len(p) :] for p in _PREFIXES if word.startswith(p)}
    return heads | {h[: -len(s)] for h in heads for s in _SUFFIXES if h.endswith(s)}


# Bound prefixes written onto a word: "antikorupsi", "pascabanjir", "nonaktif".
_BOUND_PREFIXES = ("anti", "pasca", "pra", "non", "antar", "multi", "eks")
_VOWELS = frozenset("aeiou")


def _colloquial_forms(word: str) -> list[str]:
    """What a word of chat Indonesian may be in the dictionary's: "-in" for "-kan" ("naikin":
    "naik"), "ny-" for "c-" / "s-" ("nyalon": "calon"), "ng-" for a vowel or "k-" ("ngambil":
    "ambil"), "nge-" before a consonant ("ngebom": "bom"), a bound prefix ("antikorupsi":
    "korupsi")."""
    forms: list[str] = []
    bases = [word]
    if word.startswith("di") and word.endswith("in") and len(word) > 6:
        bases.append(word[2:-2])  # "dibeliin"
    if word.endswith("in") and len(word) > 4:
        bases += [word[:-2], word[:-2] + "kan"]
    for base in bases:
        forms.append(base)
        if base.startswith("nge") and len(base) > 5 and base[3] not in _VOWELS:
            forms.append(base[3:])
        elif base.startswith("ny") and len(base) > 4 and base[2] in _VOWELS:
            forms += ["c" + base[2:], "s" + base[2:]]
        elif base.startswith("ng") and len(base) > 4 and base[2] in _VOWELS:
            forms += [base[2:], "k" + base[2:]]
        forms += [base[len(p) :] for p in _BOUND_PREFIXES if base.startswith(p) and len(base) - len(p) >= 4]
    return [f for f in dict.fromkeys(forms) if f != word]


def _deletions(word: str) -> list[str]:
    return [word[:i] + word[i + 1 :] for i in range(len(word))]


@lru_cache(maxsize=2)
def _near_roots(min_chars: int = _NEAR_ROOT_MIN_CHARS - 1) -> frozenset[str]:
    """Every root word of `min_chars` or more, and each with one letter dropped: a word one letter
    off a root shares one of these with it (SymSpell's trick, no scan of the dictionary)."""
    roots = [r for r in _ROOT_WORDS if len(r) >= min_chars]
    return frozenset([*roots, *(d for r in roots for d in _deletions(r))])
