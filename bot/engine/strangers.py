"""The words of a question the briefs never use, told apart: a name they lack (a stranger: the
bot says "The briefs don't mention Fuji." instead of quoting the nearest volcano), or a word of how
people ask with a typo in it ("recpa", "happend"). `understanding` reads the rest of a question.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

from bot.engine.intent import frame_words
from index.text.glossary import glosses, is_place, language_of_word, words_of
from index.text.matching import one_edit_apart
from index.text.stemming import is_indonesian_word

_MIN_ACRONYM = 4
# The shortest word read as a word of how people ask with a typo in it.
_FRAME_TYPO_MIN_CHARS = 5
# Shorter words the briefs don't use are mostly chat shorthand ("yg", "gmn", "bgt").
_MIN_UNKNOWN_WORD = 4


def names_they_lack(
    unknown: Sequence[tuple[int, int, str]],
    text: str,
    language: str,
    *,
    same_language: bool,
    spelt_otherwise: Callable[[str], bool] | None = None,
) -> tuple[str, ...]:
    """Of the words the briefs never use (`unknown`: start, end, word in `text`), those that are
    names (see `looks_like_a_name`): not a word of a phrase the glossary renders ("nugini" of
    "Papua Nugini"), unless a place, and not one the briefs spell the other language's way
    (`spelt_otherwise`: "pasifik" of "Pacific")."""
    tokens = words_of(text)
    rendered = {t.lower() for gloss in glosses(tokens) for t in tokens[gloss.start : gloss.end]}
    return tuple(
        word
        for start, _end, word in unknown
        if (word.lower() not in rendered or is_place(word.lower()))
        and looks_like_a_name(word, start, text, language, same_language)
        and not (spelt_otherwise is not None and spelt_otherwise(word.lower()))
    )


@lru_cache(maxsize=4096)
def frame_typo(word: str) -> str | None:
    """The word of the intent examples `word` is a typo of ("recpa": "recap"), if any: never a
    word Indonesian or the glossary knows."""
    if len(word) < _FRAME_TYPO_MIN_CHARS or is_indonesian_word(word, typos=False) or language_of_word(word):
        return None  # a word of its own ("utara" is not "utama")
    return next((f for f in sorted(frame_words()) if len(f) >= _FRAME_TYPO_MIN_CHARS and one_edit_apart(word, f)), None)


def looks_like_a_name(word: str, start: int, text: str, language: str, same_language: bool) -> bool:
    """A word the briefs never use, written as names are: "iPhone", "BLACKPINK", "IKN" in any
    language; capitalised inside an English sentence ("Mount Fuji"). Indonesian capitalises its
    own words for places ("Tepi Barat", "Jerman") that the English briefs write otherwise, so
    there only the first; but an Indonesian question to English briefs, whose words the relevance
    decision can only partly check, names what they lack with a word that is no Indonesian word,
    nor in the glossary, however it is typed ("erupsi gunung lewotobi", "kasus ijazah jokowi"):
    the briefs already failed to know it as written, one letter off, or spelt the other
    language's way ("pasifik" of "Pacific"). Within one language the relevance decision reads
    the question's words themselves, names spelt otherwise included ("Robert Bellarmine")."""
    if word[:1].isdigit():
        return False  # "232SM", "2025": a number, whatever follows it
    if word.isupper() and len(word) < _MIN_ACRONYM:
        return False  # "PNG", "AS", "DOT": briefs write them out in full
    if word.isupper() or any(ch.isupper() for ch in word[1:]):
        return True  # "BLACKPINK", "iPhone"
    if language == "id" and not same_language:
        lowered = word.lower()
        if is_place(lowered):
            return True  # "kalimantan": a place the briefs name in neither language
        return (
            lowered.isalpha()
            and len(lowered) >= _MIN_UNKNOWN_WORD
            and any(ch in "aeiou" for ch in lowered)  # "kmrn", "tgl", "skrg": chat shorthand
            and not is_indonesian_word(lowered)
            and language_of_word(lowered) is None
        )
    sentence_start = start == 0 or text[:start].rstrip()[-1:] in ("", ".", "?", "!", ":")
    return same_language and language == "en" and word[0].isupper() and not sentence_start
