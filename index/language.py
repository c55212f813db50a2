"""Tells Indonesian from English by counting each language's function words.

Function words ("yang", "di", "the", "of"...) are frequent, short and almost disjoint between the
two languages, so a handful of them decides even a short question; names and numbers count for
neither. Nor do capitalised words inside a sentence: there they belong to a name or a title
("Siapakah pemeran utama The Longest Ride?" is Indonesian).
"""

from __future__ import annotations

import re

INDONESIAN = "id"
ENGLISH = "en"

# Indonesian by default: the briefs and most of their readers are Indonesian. A caller that knows
# better (the language of the user's previous question, say) passes its own default, so that a bare
# follow-up like "Shoigu?" keeps the conversation's language.
DEFAULT_LANGUAGE = INDONESIAN

_INDONESIAN_WORDS = frozenset(
    """
    yang dan di ke ini itu dengan untuk dari adalah pada akan tidak juga sudah telah oleh atau
    tentang saja ada karena tetapi tapi dalam sebagai dia ia mereka kami kita saya aku bahwa bisa
    sebuah seorang para lebih antara setelah belum masih harus hanya jika kalau agar serta namun
    apa apakah siapa berapa kapan mengapa kenapa bagaimana gimana mana yg dgn utk gak nggak tdk
    siapakah berapakah kapankah mengapakah bagaimanakah manakah dimana dimanakah
    """.split()
)
_ENGLISH_WORDS = frozenset(
    """
    the a an and of is are was were be been being to in on for with about from by that this these
    those it its at as has have had will would can could there their they he she his her not or
    but than also into after over did does do what who whom whose how when why which where
    """.split()
)

# A question word opening a sentence says more than a function word inside it, which may belong
# to a title the question quotes ("Kapan Fly to the Sky mulai debut?").
_QUESTION_WORDS = frozenset(
    """
    apa apakah siapa siapakah berapa berapakah kapan kapankah mengapa kenapa bagaimana
    bagaimanakah dimana dimanakah manakah what who whom whose how when why which where
    """.split()
)
_OPENING_QUESTION_WEIGHT = 2

# ASCII letters only: every function word above is ASCII, and this keeps the scan cheap.
_WORD = re.compile(r"[A-Za-z]+")
# Where a sentence starts: its first word is capitalised whatever it is.
_SENTENCE_END = re.compile(r"[.!?:;\n]\s*$")

_LANGUAGE_CODES: dict[str, str] = {
    "id": INDONESIAN,
    "in": INDONESIAN,  # the code Indonesian had before 1989, still produced by some tools
    "ind": INDONESIAN,
    "indonesian": INDONESIAN,
    "indonesia": INDONESIAN,
    "bahasa": INDONESIAN,
    "en": ENGLISH,
    "eng": ENGLISH,
    "english": ENGLISH,
}


def detect_language(text: str, default: str = DEFAULT_LANGUAGE) -> str:
    """Whichever of "id" and "en" has more function words in `text`; `default` on a tie."""
    indonesian = english = 0
    for match in _WORD.finditer(text):
        word = match.group()
        opening = _starts_sentence(text, match.start())
        if word[0].isupper() and not opening:
            continue  # part of a name or title
        word = word.lower()
        weight = _OPENING_QUESTION_WEIGHT if opening and word in _QUESTION_WORDS else 1
        if word in _INDONESIAN_WORDS:
            indonesian += weight
        elif word in _ENGLISH_WORDS:
            english += weight
    if indonesian == english:
        return default
    return INDONESIAN if indonesian > english else ENGLISH


def _starts_sentence(text: str, position: int) -> bool:
    before = text[max(0, position - 3) : position]
    return not text[:position].strip() or bool(_SENTENCE_END.search(before)) or before.endswith(('"', "'", "("))


def normalize_language_code(value: object) -> str | None:
    """The "id" / "en" a metadata value such as "en-US", "id_ID" or "Indonesian" means, or None."""
    if not isinstance(value, str):
        return None
    primary = re.split(r"[-_]", value.strip().lower(), maxsplit=1)[0]
    return _LANGUAGE_CODES.get(primary)
