"""Reads brief files (.txt, .md, .html/.htm, .pdf) into a ParsedBrief: text, title, paragraphs.

Plain text and Markdown keep the file's own text, so a citation's offsets point into what the
author wrote. HTML and PDF have no usable plain text of their own: their text is rebuilt as the
title, the headings and the paragraphs, one per line, and the offsets point into that.

One module per format (`text`: .txt and .md, `html_page`, `pdf`), the plain-text layout rules
they share (`layout`), the brief record and its errors (`brief`), and `reading`, which picks the
format by the file's suffix.
"""

from __future__ import annotations

from index.loaders.brief import DEFAULT_MAX_BRIEF_BYTES, BriefLoadError, check_size
from index.loaders.reading import PARSER_VERSION, SUPPORTED_SUFFIXES, load_brief, parse_brief

__all__ = [
    "DEFAULT_MAX_BRIEF_BYTES",
    "PARSER_VERSION",
    "SUPPORTED_SUFFIXES",
    "BriefLoadError",
    "check_size",
    "load_brief",
    "parse_brief",
]
