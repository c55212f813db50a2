"""Cuts a parsed brief into retrieval chunks: one per paragraph, long paragraphs at sentence ends.

A chunk never crosses a section or a paragraph, so every chunk cites exactly one paragraph and its
text is an exact slice of the brief.
"""

from __future__ import annotations

from functools import lru_cache

from langchain_text_splitters import RecursiveCharacterTextSplitter

from index.records import Chunk, Paragraph, ParsedBrief

# Longest chunk, in characters (CHUNK_MAX_CHARS): the one home of this default.
DEFAULT_MAX_CHARS = 1000

# Split points for a paragraph longer than max_chars, best first: the splitter only falls back to
# the next one for a piece that is still too long. Each is the whitespace after a mark; the mark
# stays with the text before it.
_SPLIT_POINTS = (
    # Sentence end: ". ", "?” ", "!) " before anything but a lower-case letter ("e.g. the").
    r"(?<=[.!?…])[\"'”’)\]]*\s+(?![a-z])",
    r"(?<=[;:])\s+",  # clause
    r"(?<=,)\s+",  # phrase
    r"\s+",  # word
    "",  # character: a single "word" longer than max_chars
)


def chunk_brief(
    brief_id: str,
    brief: ParsedBrief,
    *,
    max_chars: int = DEFAULT_MAX_CHARS,
    with_header: bool = True,
) -> list[Chunk]:
    """The brief's chunks, in reading order, each at most `max_chars` characters long.

    With `with_header`, each chunk's embed_text starts with its section heading so the embedder
    knows the slice's topic ("Pertempuran"). The title is left out on purpose: a daily series
    repeats the same lead line ("Ketika perang memasuki hari ke-...") on every brief, which only
    pulls all of a day's chunks towards one another.
    """
    if max_chars <= 0:
        raise ValueError(f"max_chars must be positive, got {max_chars}")
    chunks: list[Chunk] = []
    for paragraph in brief.paragraphs:
        for start, end in _paragraph_slices(brief.text, paragraph, max_chars):
            text = brief.text[start:end]
            chunks.append(
                Chunk(
                    brief_id=brief_id,
                    ordinal=len(chunks),
                    section=paragraph.section,
                    paragraphs=(paragraph.number,),
                    start=start,
                    end=end,
                    text=text,
                    embed_text=_embed_text(paragraph.section, text, with_header),
                )
            )
    return chunks


def _paragraph_slices(text: str, paragraph: Paragraph, max_chars: int) -> list[tuple[int, int]]:
    """(start, end) offsets into `text` of the pieces of one paragraph."""
    body = text[paragraph.start : paragraph.end]
    if len(body) <= max_chars:
        return [(paragraph.start, paragraph.end)]
    slices: list[tuple[int, int]] = []
    cursor = 0
    for piece in _splitter(max_chars).split_text(body):
        # Pieces come back in order, stripped, and with no overlap: each is found after the last.
        offset = body.index(piece, cursor)
        cursor = offset + len(piece)
        slices.append((paragraph.start + offset, paragraph.start + cursor))
    return slices


@lru_cache(maxsize=8)
def _splitter(max_chars: int) -> RecursiveCharacterTextSplitter:
    return RecursiveCharacterTextSplitter(
        separators=list(_SPLIT_POINTS),
        is_separator_regex=True,
        keep_separator="end",
        chunk_size=max_chars,
        chunk_overlap=0,
        strip_whitespace=True,
    )


def _embed_text(section: str | None, text: str, with_header: bool) -> str:
    if not with_header:
        return text
    return f"{section}\n{text}" if section else text
