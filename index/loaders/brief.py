"""What every format shares: the load error, the size limit, decoding any encoding, and the
`ParsedBrief` built from a text's blocks (its paragraphs, section paths and date).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from index.dates import find_date
from index.decoding import NotTextError, decode_text
from index.loaders.layout import TOPIC_SEPARATOR, Block
from index.records import Paragraph, ParsedBrief
from index.text.language import detect_language

# The largest brief file read, and the most text taken from one (a small PDF may inflate to far
# more text than its size): a daily brief is a few kilobytes, and a bigger file would hold the
# reindex for many minutes of embedding. Overridden by the MAX_BRIEF_MB setting.
DEFAULT_MAX_BRIEF_BYTES = 10_000_000


class BriefLoadError(Exception):
    """A brief file that cannot be used; the message names the file and says why."""

    def __init__(self, file_name: str, reason: str) -> None:
        super().__init__(f"{file_name}: {reason}")
        self.file_name = file_name
        self.reason = reason


def check_size(size: int, file_name: str, max_bytes: int) -> None:
    """BriefLoadError for a file larger than `max_bytes`, saying both sizes."""
    if size > max_bytes:
        raise BriefLoadError(file_name, f"too large ({_size_text(size)}; the limit is {_size_text(max_bytes)})")


def _size_text(size: int) -> str:
    if size >= 1_000_000:
        return f"{size / 1e6:.1f}".removesuffix(".0") + " MB"
    return f"{size / 1e3:.0f} kB"


def parsed_brief(
    file_name: str,
    text: str,
    title: str | None,
    blocks: list[Block],
    *,
    today: date | None,
    known_date: date | None = None,
    url: str | None = None,
    language: str | None = None,
) -> ParsedBrief:
    paragraphs = _paragraphs(blocks)
    if not paragraphs:
        raise BriefLoadError(file_name, "no paragraphs found")
    return ParsedBrief(
        text=text,
        title=title or Path(file_name).stem,
        date=known_date or brief_date(text, file_name, today),
        paragraphs=paragraphs,
        url=url,
        language=language or detect_language(text),
    )


def _paragraphs(blocks: list[Block]) -> tuple[Paragraph, ...]:
    paragraphs: list[Paragraph] = []
    section: str | None = None
    for block in blocks:
        if block.heading is not None:
            section = block.heading
        elif not block.label:
            path = TOPIC_SEPARATOR.join(part for part in (section, *block.topics) if part) or None
            paragraphs.append(Paragraph(len(paragraphs) + 1, path, block.start, block.end))
    return tuple(paragraphs)


def brief_date(text: str, file_name: str, today: date | None) -> date | None:
    """The text's date, unless its year was only inferred and the file name has a full date.

    "Rabu, 13 November" fits every year whose 13 November is a Wednesday (2019 and 2024 alike):
    a file name such as "2019-11-13-....txt" settles it.
    """
    in_text = find_date(text, today)
    if in_text and in_text.year_given:
        return in_text.date
    in_name = find_date(Path(file_name).stem, today)
    if in_name and in_name.year_given:
        return in_name.date
    return in_text.date if in_text else None


def decode(data: bytes, file_name: str) -> str:
    """The file's text in whatever encoding it was saved (see index/decoding.py)."""
    try:
        text = decode_text(data)
    except NotTextError as error:
        raise BriefLoadError(file_name, str(error)) from None
    if not text.strip():
        raise BriefLoadError(file_name, "file is empty")
    return text
