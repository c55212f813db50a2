"""Reading one brief file: the suffix picks the format's parser; the size limit is checked before
anything is read.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from index.loaders.brief import DEFAULT_MAX_BRIEF_BYTES, BriefLoadError, check_size
from index.loaders.html_page import parse_html
from index.loaders.pdf import parse_pdf
from index.loaders.text import parse_md, parse_txt
from index.records import ParsedBrief

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf")
# Recorded in the catalog. Change it whenever a loader reads files differently (sections, topic
# paths, what is left out): the next reindex then re-reads every brief, reusing cached vectors
# for every chunk whose text did not change.
PARSER_VERSION = "3-any-encoding"


def load_brief(path: Path, today: date | None = None, *, max_bytes: int = DEFAULT_MAX_BRIEF_BYTES) -> ParsedBrief:
    """Reads and parses one brief file; BriefLoadError says why it cannot be used."""
    try:
        size = path.stat().st_size
        check_size(size, path.name, max_bytes)  # before reading: a huge file is never loaded
        data = path.read_bytes()
    except OSError as error:
        reason = f"cannot read the file ({error.strerror or error})"
        raise BriefLoadError(path.name, reason) from error
    return parse_brief(data, path.name, today, max_bytes=max_bytes)


def parse_brief(
    data: bytes,
    file_name: str,
    today: date | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BRIEF_BYTES,
) -> ParsedBrief:
    """Parses a brief's bytes; the suffix of `file_name` chooses the format.

    `today` anchors dates written without a year (default: the real today). A file over
    `max_bytes`, or a PDF whose text would exceed it, is refused whole: never half-indexed.
    """
    parser = _PARSERS.get(Path(file_name).suffix.lower())
    if parser is None:
        supported = ", ".join(SUPPORTED_SUFFIXES)
        raise BriefLoadError(file_name, f"unsupported file type (supported: {supported})")
    check_size(len(data), file_name, max_bytes)
    if not data.strip():
        raise BriefLoadError(file_name, "file is empty")
    return parser(data, file_name, today, max_bytes)


_PARSERS: dict[str, Callable[[bytes, str, date | None, int], ParsedBrief]] = {
    ".txt": parse_txt,
    ".md": parse_md,
    ".html": parse_html,
    ".htm": parse_html,
    ".pdf": parse_pdf,
}
