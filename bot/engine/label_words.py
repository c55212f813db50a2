"""The words of topic labels, and when two words are one: shared by the topic catalogue
(`topics.py`) and whatever matches a reader's words against labels.

A label is one part of a section path ("Armed conflicts and attacks › Russo-Ukrainian war"), a
combined label ("Kyiv strikes, Odesa strikes") one per part. Words match by stem, a short ending
or one typo apart ("sudan"/"sudanese", "ukrane"/"ukraine").
"""

from __future__ import annotations

import re

from index.text.matching import one_edit_apart, stem
from index.text.stopwords import TOPIC_STOP_WORDS

PATH_SEPARATOR = " › "
# "Kyiv strikes, Odesa strikes", "Israel–Hamas war; Gaza": one label per part.
_LABEL_PARTS = re.compile(r"\s*[,;]\s+")
_WORD = re.compile(r"\w+", re.UNICODE)
# The shortest word that may match another by a shared beginning or one typo.
FUZZY_MIN_CHARS = 4


def label_parts(section: str | None) -> list[tuple[str, int]]:
    """The labels of a section path, each part of a combined label on its own, with depths."""
    parts: list[tuple[str, int]] = []
    for depth, part in enumerate((section or "").split(PATH_SEPARATOR)):
        for piece in _LABEL_PARTS.split(part.strip()):
            if piece and any(ch.isalpha() for ch in piece):
                parts.append((piece, depth))
    return parts


def word_stems(text: str) -> list[str]:
    """The content words of `text`, stemmed, in order."""
    return [stem(w) for w in (m.group().lower() for m in _WORD.finditer(text)) if w not in TOPIC_STOP_WORDS]


def same_word(a: str, b: str) -> bool:
    """Two stems that are one word: equal, one the other's beginning ("sudan"/"sudanese",
    "ukrain"/"ukraina"), or one typo apart ("ukrane"/"ukraine")."""
    if a == b:
        return True
    if a.isdigit() or b.isdigit():
        return False  # 2025 is not 2026
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) < FUZZY_MIN_CHARS:
        return False
    if long_.startswith(short) and len(long_) - len(short) <= 4:
        return True
    shared = 0
    for x, y in zip(a, b, strict=False):  # up to the shorter's end
        if x != y:
            break
        shared += 1
    if shared >= 5 and shared >= len(short) - 2 and len(long_) - shared <= 3:
        return True  # "ukraine"/"ukrainian", "israel"/"israeli"
    # A typo seldom hits a word's first letter, while "kong" / "song", "hong" / "tong" are others.
    return len(short) >= FUZZY_MIN_CHARS and a[0] == b[0] and one_edit_apart(a, b)
