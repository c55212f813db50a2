"""Tells Indonesian from English by counting each language's function words.

Function words ("yang", "di", "the", "of"...) are frequent, short and almost disjoint between the
two languages, so a handful of them decides even a short question; names and numbers count for
neither. Nor do capitalised words inside a sentence: there they belong to a name or a title
("Siapakah pemeran utama The Longest Ride?" is Indonesian).
"""

from __future__ import annotations

import re

from index.text.glossary import language_of_word
from index.text.stemming import is_indonesian_word
from index.text.stopwords import ENGLISH_FUNCTION_WORDS, INDONESIAN_FUNCTION_WORDS, QUESTION_WORDS

INDONESIAN = "id"
ENGLISH = "en"

# Indonesian by default: the briefs and most of their readers are Indonesian. A caller that knows
# better (the language of the user's previous question, say) passes its own default, so that a bare
# follow-up like "Shoigu?" keeps the conversation's language.
DEFAULT_LANGUAGE = INDONESIAN


# A question word opening a sentence says more than a function word inside it, which may belong
# to a title the question quotes ("Kapan Fly to the Sky mulai debut?").
_OPENING_QUESTION_WEIGHT = 2

# ASCII letters only: every function word above is ASCII, and this keeps the scan cheap.
_WORD = re.compile(r"[A-Za-z]+")
# Where a sentence starts: its first word is capitalised whatever it is.
_SENTENCE_END = re.compile(r"[.!?:;\n]\s*$")

# When the function words tie (often: none at all, as in "Berita 5 Desember 2025" or "terima
# kasih"), words a briefs reader uses that exist in one language only decide: month names spelt
# differently, the words for news, summary, days, thanks.
_INDONESIAN_CUES = frozenset(
    "januari februari maret mei juni juli agustus oktober desember nopember berita ringkasan "
    "kabar terbaru kemarin minggu senin selasa rabu kamis jumat sabtu perkembangan terima kasih "
    "makasih tolong halo selamat pagi siang sore malam".split()
)
_ENGLISH_CUES = frozenset(
    "january february march may june july august october december news summary summarize "
    "latest yesterday today week monday tuesday wednesday thursday friday saturday sunday "
    "thanks thank please hello hi morning evening update updates".split()
)

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
    indonesian = english = indonesian_cues = english_cues = 0
    first = len(text) - len(text.lstrip())
    for match in _WORD.finditer(text):
        word = match.group()
        opening = match.start() <= first or _follows_sentence_end(text, match.start())
        lowered = word.lower()
        indonesian_cues += lowered in _INDONESIAN_CUES
        english_cues += lowered in _ENGLISH_CUES
        if word[0].isupper() and not opening:
            continue  # part of a name or title
        word = lowered
        weight = _OPENING_QUESTION_WEIGHT if opening and word in QUESTION_WORDS else 1
        if word in INDONESIAN_FUNCTION_WORDS:
            indonesian += weight
        elif word in ENGLISH_FUNCTION_WORDS:
            english += weight
    if indonesian == english:
        indonesian, english = indonesian_cues, english_cues
    if indonesian == english:
        indonesian, english = _dictionary_votes(text)
    if indonesian == english:
        return default
    return INDONESIAN if indonesian > english else ENGLISH


def _dictionary_votes(text: str) -> tuple[int, int]:
    """(Indonesian, other) words of `text` by the glossary's two sides, else Sastrawi's
    dictionary: the last tie-break, for a question of bare content words ("titan submersible
    investigation findings", "erupsi gunung semeru"). A word the dictionary lacks is mostly
    English here; names vote for neither, when capitalised."""
    indonesian = other = 0
    for match in _WORD.finditer(text):
        word = match.group()
        if len(word) < _MIN_VOTING_CHARS or word[0].isupper():
            continue
        lowered = word.lower()
        said_in = language_of_word(lowered)
        if said_in == INDONESIAN:
            indonesian += _GLOSSARY_VOTE
        elif said_in == ENGLISH:
            other += _GLOSSARY_VOTE
        elif is_indonesian_word(lowered):
            indonesian += 1
        else:
            other += 1
    return indonesian, other


_MIN_VOTING_CHARS = 3
# A word of the glossary is a news word of its language; the dictionary also holds names
# ("hamas") and loanwords.
_GLOSSARY_VOTE = 2


def _follows_sentence_end(text: str, position: int) -> bool:
    # Only a few characters are looked at, so detection stays linear in the text's length.
    before = text[max(0, position - 3) : position]
    return bool(_SENTENCE_END.search(before)) or before.endswith(('"', "'", "("))


def normalize_language_code(value: object) -> str | None:
    """The "id" / "en" a metadata value such as "en-US", "id_ID" or "Indonesian" means, or None."""
    if not isinstance(value, str):
        return None
    primary = re.split(r"[-_]", value.strip().lower(), maxsplit=1)[0]
    return _LANGUAGE_CODES.get(primary)
