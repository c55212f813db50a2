"""How a citation names its brief: short enough to read many of in a row.

At most `NAME_MAX_CHARS`, cut at a word: the brief's own title when it has one; when the "title"
is really its lead sentence ("Ketika perang memasuki hari ke-992, ini adalah perkembangan
utamanya. Inilah situasinya pada ..."), its file name made readable ("Ukraine daily 13 Nov"), if
the file name is made of words; else the first words of that lead sentence.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

NAME_MAX_CHARS = 60
_SEPARATORS = re.compile(r"[_\-.+\s]+")
_WORDY = re.compile(r"^[^\W\d_]{3,}$", re.UNICODE)
# "a01a9e62a87513c9", "3f2c…": an id, not a word.
_HEXISH = re.compile(r"^(?=.*\d)[0-9a-f]{6,}$", re.IGNORECASE)
_LEADING_DATE = re.compile(r"^\d{4}[-_.]?\d{2}[-_.]?\d{2}(?=[-_. ]+[^\W\d_])")
_SENTENCE_END = re.compile(r"[.!?…](?:\s|$)")


def brief_name(title: str, source: str = "", max_chars: int = NAME_MAX_CHARS) -> str:
    title = " ".join(title.split())
    if title and len(title) <= max_chars and not _is_a_sentence(title):
        return title
    readable = readable_file_name(source)
    if readable:
        return cut_at_word(readable, max_chars)
    return cut_at_word(title or source, max_chars)


def readable_file_name(source: str) -> str | None:
    """The file name without folder, extension and separators, when it is made of words
    ("2025-11-13_ukraine-daily.txt" -> "ukraine daily": its date is shown beside it); None for an id or a hash."""
    stem = _LEADING_DATE.sub("", PurePosixPath(source).stem)  # the citation shows the date anyway
    parts = [p for p in _SEPARATORS.split(stem) if p]
    if not parts or any(_HEXISH.match(p) for p in parts):
        return None
    if sum(1 for p in parts if _WORDY.match(p)) < 1:
        return None
    return " ".join(parts)


def cut_at_word(text: str, max_chars: int = NAME_MAX_CHARS) -> str:
    """`text` whole when it fits, else its first words and "…", at most `max_chars` in all."""
    text = " ".join(text.split())
    if len(text) <= max_chars:
        return text
    cut = text[: max_chars - 1]
    space = cut.rfind(" ")
    if space >= max_chars // 3:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–—") + "…"


def _is_a_sentence(title: str) -> bool:
    return bool(_SENTENCE_END.search(title.rstrip()[:-1])) or title.rstrip().endswith(".")
