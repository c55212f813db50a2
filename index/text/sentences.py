"""Cuts a passage into sentences, as offsets into the passage, so a quote stays an exact slice."""

from __future__ import annotations

import re
from dataclasses import dataclass

# A sentence ends at . ! ? or … , optionally followed by closing quotes or brackets and by
# Wikipedia-style reference marks ("...dipakai.[3][4] Berikutnya"), then whitespace, and the next
# sentence does not start with a lower-case letter ("dll. dan" goes on).
_END = re.compile(r"[.!?…]+(?:\[\d+\])*[\"'”’»)\]]*(?:\[\d+\])*(?=\s+[^\sa-z])")

# Words whose trailing dot is not a sentence end, in both languages of the briefs: titles and
# ranks before a name ("Dr. Sutomo", "Jend. Sudirman"), and address or list abbreviations.
_ABBREVIATIONS = frozenset(
    """
    dr drs dra prof ir h hj st sh se mm mt mr mrs ms mt jl jln no nr tn ny nn sdr sdri bpk kol
    let jend mayjen brigjen letjen kapt komjen irjen kombes ajun kh pt tbk cv vs etc inc ltd co
    corp jr sr st mt ft gen gov sen rep dkk hlm tel
    """.split()
)
_LAST_WORD = re.compile(r"(\w+)\.*$")


@dataclass(frozen=True, slots=True)
class Sentence:
    start: int  # offsets into the text that was split: text[start:end] is the sentence
    end: int


def split_sentences(text: str) -> list[Sentence]:
    """The sentences of `text` in order, each stripped of surrounding whitespace. A news item's
    trailing source marks ("... border. (Reuters) (AP)") stay with the sentence before them."""
    sentences: list[Sentence] = []
    start = _skip_space(text, 0)
    for match in _END.finditer(text):
        end = match.end()
        if end <= start or _is_abbreviation(text[start : match.start() + 1]):
            continue
        _append(sentences, text, Sentence(start, end))
        start = _skip_space(text, end)
    end = len(text.rstrip())
    if start < end:
        _append(sentences, text, Sentence(start, end))
    return sentences


# Source attributions after an item: "(Reuters)", "(AP) (Global Nation)".
_SOURCES = re.compile(r"(?:\s*\([^()]{1,60}\))+\s*$")
_SOURCE_NAME = re.compile(r"\(([^()]{1,60})\)")


def _append(sentences: list[Sentence], text: str, sentence: Sentence) -> None:
    if sentences and _SOURCES.fullmatch(text[sentence.start : sentence.end]):
        sentences[-1] = Sentence(sentences[-1].start, sentence.end)
    else:
        sentences.append(sentence)


def split_sources(text: str) -> tuple[str, tuple[str, ...]]:
    """A news item's text without its trailing source marks, and the sources they name:
    "Talks resume. (Reuters) (AP)" -> ("Talks resume.", ("Reuters", "AP"))."""
    match = _SOURCES.search(text)
    if match is None or match.start() == 0:
        return text, ()
    return text[: match.start()].rstrip(), tuple(_SOURCE_NAME.findall(match.group()))


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position].isspace():
        position += 1
    return position


def _is_abbreviation(sentence_so_far: str) -> bool:
    """True when the dot ends an abbreviation or an initial ("Susilo B. Yudhoyono")."""
    match = _LAST_WORD.search(sentence_so_far)
    if match is None:
        return False
    word = match.group(1)
    return word.lower() in _ABBREVIATIONS or (len(word) == 1 and word.isupper())
