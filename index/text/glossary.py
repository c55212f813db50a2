"""Indonesian ⇄ English words of the news, for a question asked in the other language than the briefs.

The embedder carries a question's meaning across the two languages, but word-level evidence does
not: "sandera" shares no letter with "hostage", "pilpres kamerun" none with "Cameroonian
presidential election", so the topic's label is not matched by its words and the relevance
decision finds none of the question's words in the passage that answers it. This word list
bridges them: each entry pairs a word or phrase of news Indonesian with its English renderings
(`data/glossary_id_en.tsv`: general news vocabulary, states with their demonyms, places whose
names differ). It is a dictionary, not a translator, and knows nothing of any question list.

Looked up by Sastrawi stem ("penembakan" and "menembak" are "tembak"), phrases first (longest
match), in both directions: an English word finds its Indonesian renderings too, for English
questions on Indonesian briefs. An entry written in capitals that is also a function word ("AS")
matches only a word written so: "as" is an English function word, "AS" the United States.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from index.text.matching import Term, stem
from index.text.stopwords import TOPIC_STOP_WORDS

# The longest phrase in the list, in words ("mahkamah pidana internasional").
_MAX_PHRASE_WORDS = 4
_WORD = re.compile(r"\w+(?:-\w+)*", re.UNICODE)
# The heading of the list's section of states, places and demonyms.
_PLACES_SECTION = "# -- states, places"


@dataclass(frozen=True, slots=True)
class Gloss:
    """Words `start` to `end` (word indexes, end excluded) of a text, and how the other language
    says them: each rendering a phrase, as written and as stems."""

    start: int
    end: int
    renderings: tuple[str, ...]

    @property
    def rendering_stems(self) -> tuple[tuple[str, ...], ...]:
        return tuple(phrase_stems(r) for r in self.renderings)


def phrase_stems(phrase: str) -> tuple[str, ...]:
    return tuple(stem(w.lower()) for w in _WORD.findall(phrase))


@dataclass(frozen=True, slots=True)
class _Entry:
    renderings: tuple[str, ...]
    capitals_only: bool


@lru_cache(maxsize=1)
def _table() -> dict[tuple[str, ...], _Entry]:
    """Phrase stems -> renderings, both directions."""
    table: dict[tuple[str, ...], list[str]] = {}
    capitals: set[tuple[str, ...]] = set()
    text = resources.files("index.text").joinpath("data/glossary_id_en.tsv").read_text(encoding="utf-8")
    in_places = False
    for line in text.splitlines():
        if line.startswith("# --"):
            in_places = line.startswith(_PLACES_SECTION)
        if not line.strip() or line.startswith("#"):
            continue
        indonesian, english = line.split("\t")
        id_phrases = [p.strip() for p in indonesian.split("|") if p.strip()]
        en_phrases = [p.strip() for p in english.split("|") if p.strip()]
        for source, targets in ((id_phrases, en_phrases), (en_phrases, id_phrases)):
            # A state's names and demonyms name the same thing in the same language too: a
            # question on "Madagascar" finds the "Malagasy coup", one on "Honduras" the
            # "Honduran election". Other sections' words stay one-way: "serangan" is "attack"
            # and "strike", but an "attack" is not always a "strike".
            siblings = source if in_places else []
            for phrase in source:
                key = phrase_stems(phrase)
                if not key:
                    continue
                if phrase.isupper() and phrase.lower() in TOPIC_STOP_WORDS:
                    capitals.add(key)
                renderings = table.setdefault(key, [])
                renderings.extend(
                    t for t in [*targets, *siblings] if t.lower() != phrase.lower() and t not in renderings
                )
    return {key: _Entry(tuple(renderings), key in capitals) for key, renderings in table.items() if renderings}


@lru_cache(maxsize=1)
def _sides() -> tuple[frozenset[str], frozenset[str]]:
    """The single words of the list's Indonesian side and of its English side, by stem; a word
    written alike in both ("drone", "malaysia") on neither."""
    indonesian: set[str] = set()
    english: set[str] = set()
    text = resources.files("index.text").joinpath("data/glossary_id_en.tsv").read_text(encoding="utf-8")
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        for side, phrases in zip((indonesian, english), line.split("\t"), strict=True):
            side.update(key[0] for p in phrases.split("|") if len(key := phrase_stems(p.strip())) == 1)
    return frozenset(indonesian - english), frozenset(english - indonesian)


@lru_cache(maxsize=1)
def _places() -> frozenset[str]:
    """The stems of the single words of the list's states, places and demonyms, both sides."""
    places: set[str] = set()
    in_places = False
    text = resources.files("index.text").joinpath("data/glossary_id_en.tsv").read_text(encoding="utf-8")
    for line in text.splitlines():
        if line.startswith("# --"):
            in_places = line.startswith(_PLACES_SECTION)
        elif in_places and line.strip() and not line.startswith("#"):
            for phrases in line.split("\t"):
                places.update(key[0] for p in phrases.split("|") if len(key := phrase_stems(p.strip())) == 1)
    return frozenset(places)


def is_place(word: str) -> bool:
    """Whether the list has `word` (lower case) as a state, a place or a demonym: a name, however
    it is typed ("kroasia", "kalimantan")."""
    return stem(word) in _places()


def language_of_word(word: str) -> str | None:
    """ "id" or "en" when the list has `word` (lower case) on one side only, else None."""
    indonesian, english = _sides()
    key = stem(word)
    return "id" if key in indonesian else "en" if key in english else None


def glosses(words: Sequence[str]) -> list[Gloss]:
    """The words of `words` (as written) that the list renders in the other language, phrases
    before the words inside them, left to right, not overlapping."""
    table = _table()
    stems = [stem(w.lower()) for w in words]
    found: list[Gloss] = []
    i = 0
    while i < len(words):
        for length in range(min(_MAX_PHRASE_WORDS, len(words) - i), 0, -1):
            entry = table.get(tuple(stems[i : i + length]))
            if entry is not None and (not entry.capitals_only or all(w.isupper() for w in words[i : i + length])):
                found.append(Gloss(i, i + length, entry.renderings))
                i += length
                break
        else:
            i += 1
    return found


def renderings_of(text: str) -> tuple[str, ...]:
    """How the other language says the words of `text` that the list knows, each phrase once:
    "sandera gaza" -> ("hostage", "hostages")."""
    return tuple(dict.fromkeys(r for gloss in glosses(words_of(text)) for r in gloss.renderings))


def other_language_stems(text: str) -> dict[str, frozenset[str]]:
    """For each word of `text` (by its stem) that the list renders, the stems of its renderings:
    a word of a phrase gets the phrase's ("senjata" of "gencatan senjata": "ceasefire")."""
    words = words_of(text)
    out: dict[str, set[str]] = {}
    for gloss in glosses(words):
        rendered = {s for phrase in gloss.rendering_stems for s in phrase}
        for word in words[gloss.start : gloss.end]:
            out.setdefault(stem(word.lower()), set()).update(rendered)
    return {key: frozenset(value) for key, value in out.items()}


def glossed(terms: Sequence[Term], text: str) -> tuple[Term, ...]:
    """`terms` (of `text`) with their renderings in the other language, for matching passages
    written in it; new terms, the given ones untouched."""
    renderings = other_language_stems(text)
    return tuple(Term(t.stem, t.weight, t.also | renderings[t.stem]) if t.stem in renderings else t for t in terms)


def words_of(text: str) -> list[str]:
    """The words of `text` as the glossary counts them: a hyphenated word is one when the list
    has it ("undang-undang"), else its parts are ("Rusia-Ukraina": "Rusia", "Ukraina")."""
    words: list[str] = []
    for word in _WORD.findall(text):
        if "-" in word and phrase_stems(word) not in _table():
            words += word.split("-")
        else:
            words.append(word)
    return [w for w in words if w]
