"""Turns text into the terms the lexical (FTS5 / BM25) index stores and searches."""

from __future__ import annotations

import re

_WORD = re.compile(r"\w+", re.UNICODE)


def lexical_terms(text: str) -> list[str]:
    """Lower-cased word tokens."""
    return [token.lower() for token in _WORD.findall(text)]
