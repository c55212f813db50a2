"""The structure of a plain text: its lead (title) line, section headings, and paragraphs
rejoined from hard-wrapped lines; the rules that tell them apart, shared by .txt, .md and PDF.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from index.dates import is_date_only

# A section heading in plain text is a short line without sentence punctuation ("Pertempuran").
HEADING_MAX_CHARS = 60
HEADING_MAX_WORDS = 6
_HEADING_FORBIDDEN_ENDINGS = tuple('.!?:;"”…')

# A line ending in one of these (before any closing quote or bracket) ends a sentence, so the next
# line starts a new paragraph instead of continuing a hard-wrapped one.
_SENTENCE_ENDINGS = frozenset(".!?…:;")
_CLOSING_MARKS = "\"'”’»)]"
# Share of the wrapping width (in characters) a wrapped line plus its next word must exceed: less
# than 1 because a PDF's proportional font fits more narrow letters on a line than wide ones.
WRAP_FILL = 0.8
# Nobody hard-wraps wider than this: a longer line is a whole paragraph, even without a full stop.
WRAPPED_LINE_MAX_CHARS = 140
# Footnote marks after a sentence ("... Jakarta Pusat.[1]", "... 1578.[8][10]").
_FOOTNOTE_MARKS = re.compile(r"(?:\[\d{1,3}\])+$")

_MARKDOWN_HEADING = re.compile(r"^(#{1,6})\s+(.+?)(?:\s+#+)?$")
_LIST_ITEM = re.compile(r"^(?:[-*+•–]|\d{1,3}[.)])\s+")
_WRAPPED_HYPHEN = re.compile(r"\w-$")


@dataclass(frozen=True, slots=True)
class Line:
    start: int  # offsets of the stripped line in the text
    end: int
    text: str
    after_blank: bool  # a blank line separates it from the previous non-empty line


@dataclass(slots=True)
class Block:
    """A heading, a topic label, or a paragraph made of one or more (hard-wrapped) lines."""

    lines: list[Line]
    heading: str | None = None  # the section name, for a heading
    label: bool = False  # a topic label of a list ("Gaza war"): shown, but not a paragraph
    topics: tuple[str, ...] = ()  # a list item's path of topic labels, outermost first

    @property
    def start(self) -> int:
        return self.lines[0].start

    @property
    def end(self) -> int:
        return self.lines[-1].end


@dataclass(frozen=True, slots=True)
class Piece:
    """A line of a rebuilt text (HTML, PDF): a heading, a topic label or a paragraph."""

    text: str
    kind: str  # "heading" | "label" | "paragraph"
    topics: tuple[str, ...] = ()


# Between the levels of a paragraph's section path: "Armed conflicts and attacks › Gaza war".
TOPIC_SEPARATOR = " › "


@dataclass(frozen=True, slots=True)
class Layout:
    lead: list[Line] = field(default_factory=list)  # the title line(s); empty when there is none
    blocks: list[Block] = field(default_factory=list)


def text_lines(text: str) -> list[Line]:
    """The non-empty lines of `text`, stripped, with their offsets."""
    lines: list[Line] = []
    offset = 0
    after_blank = False
    for raw in text.split("\n"):
        stripped = raw.strip()
        if stripped:
            start = offset + len(raw) - len(raw.lstrip())
            lines.append(Line(start, start + len(stripped), stripped, after_blank))
            after_blank = False
        elif lines:
            after_blank = True
        offset += len(raw) + 1
    return lines


def layout_of(lines: list[Line], *, has_lead: bool, short_line_headings: bool) -> Layout:
    """Splits lines into the lead (title), headings and paragraphs."""
    wrap_widths = _wrap_widths(lines)
    lead_length = _lead_length(lines, wrap_widths) if has_lead else 0
    body = [line for line in lines[lead_length:] if _has_letters(line.text)]
    if body and is_date_only(body[0].text):
        body = body[1:]  # a dateline under the title ("Rabu, 13 November 2024") is no paragraph
    blocks: list[Block] = []
    for index, line in enumerate(body):
        previous = blocks[-1] if blocks else None
        if previous and previous.heading is None and _continues(previous.lines[-1], line, wrap_widths):
            previous.lines.append(line)
            continue
        following = body[index + 1] if index + 1 < len(body) else None
        blocks.append(Block([line], _heading_name(line, following, short_line_headings)))
    return Layout(lines[:lead_length], blocks)


def _wrap_widths(lines: list[Line]) -> dict[Line, int]:
    """For each line, the width its run of lines (up to a blank line) would have been wrapped to.

    That is the run's longest line that could be a wrapped one: a run, not the whole file, as one
    file may mix hard-wrapped paragraphs with paragraphs on a single line.
    """
    runs: list[list[Line]] = []
    for line in lines:
        if line.after_blank or not runs:
            runs.append([])
        runs[-1].append(line)
    widths: dict[Line, int] = {}
    for run in runs:
        candidates = [len(line.text) for line in run if len(line.text) <= WRAPPED_LINE_MAX_CHARS]
        widths.update(dict.fromkeys(run, max(candidates, default=0)))
    return widths


def _lead_length(lines: list[Line], wrap_widths: dict[Line, int]) -> int:
    """How many lines the lead takes: its first line, plus any lines it visibly wraps onto."""
    if not lines:
        return 0
    if heading_level(lines[0].text) is not None:
        return 1  # a "# Title" line does not wrap
    length = 1
    # A wrapped lead (PDFs) goes on mid-sentence in lower case; a title followed by the first
    # paragraph does not, even when the title has no final full stop.
    while (
        length < len(lines)
        and _continues(lines[length - 1], lines[length], wrap_widths)
        and lines[length].text[0].islower()
    ):
        length += 1
    return length


def _continues(previous: Line, line: Line, wrap_widths: dict[Line, int]) -> bool:
    """Whether `line` carries on the paragraph that `previous` belongs to (hard wrapping).

    A line was wrapped when it stops mid-sentence and the next word would not have fitted on it;
    a line with room left and no full stop (a heading, a sloppy paragraph) ends where it ends.
    """
    next_word = line.text.split(maxsplit=1)[0]
    return (
        not line.after_blank
        and not ends_sentence(previous.text)
        # Both lines of a wrapped pair fit the wrapping width; a longer line is a whole paragraph.
        and len(previous.text) <= WRAPPED_LINE_MAX_CHARS
        and len(line.text) <= WRAPPED_LINE_MAX_CHARS
        and len(previous.text) + len(" ") + len(next_word) > WRAP_FILL * wrap_widths[previous]
        and heading_level(line.text) is None
        and not _LIST_ITEM.match(line.text)
    )


def _heading_name(line: Line, following: Line | None, short_line_headings: bool) -> str | None:
    """The section name if `line` is a heading, else None."""
    level = heading_level(line.text)
    if level is not None:
        return _strip_heading_marks(line.text)
    if not short_line_headings or following is None:
        return None
    # A short line is a heading only when a paragraph follows it; two short lines in a row are
    # more likely short paragraphs (or a list) than an empty section.
    is_heading = _heading_shaped(line.text) and not (
        _heading_shaped(following.text) or heading_level(following.text) is not None
    )
    return line.text if is_heading else None


def _heading_shaped(text: str) -> bool:
    return (
        len(text) <= HEADING_MAX_CHARS
        and len(text.split()) <= HEADING_MAX_WORDS
        and not text.endswith(_HEADING_FORBIDDEN_ENDINGS)
        and not _LIST_ITEM.match(text)
    )


def heading_level(text: str) -> int | None:
    match = _MARKDOWN_HEADING.match(text)
    return len(match.group(1)) if match else None


def _strip_heading_marks(text: str) -> str:
    match = _MARKDOWN_HEADING.match(text)
    return match.group(2) if match else text


def ends_sentence(text: str) -> bool:
    return _FOOTNOTE_MARKS.sub("", text).rstrip(_CLOSING_MARKS)[-1:] in _SENTENCE_ENDINGS


def _has_letters(text: str) -> bool:
    # Lines without a letter are rules ("---", "* * *") or PDF page numbers, not content.
    return any(character.isalpha() for character in text)


def lead_title(lead: list[Line]) -> str | None:
    if not lead:
        return None
    return " ".join(_strip_heading_marks(unwrap(lead)).split())


def unwrap(lines: list[Line]) -> str:
    """Rejoins hard-wrapped lines; a word broken at a hyphen keeps the hyphen ("rekan-rekan")."""
    # Parts joined once at the end, and only the previous line tested for a hyphen: linear in
    # the lines' length however many there are (a long run of them made this quadratic).
    parts = [lines[0].text]
    for previous, line in itertools.pairwise(lines):
        parts.append(line.text if _WRAPPED_HYPHEN.search(previous.text) else " " + line.text)
    return " ".join("".join(parts).split())


def assemble(lead: str | None, pieces: list[Piece]) -> tuple[str, list[Block]]:
    """The text of the lead and the pieces, one per line, and their blocks."""
    parts = [lead] if lead else []
    offset = len(lead) + 1 if lead else 0
    blocks: list[Block] = []
    for piece in pieces:
        line = Line(offset, offset + len(piece.text), piece.text, after_blank=False)
        heading = piece.text if piece.kind == "heading" else None
        blocks.append(Block([line], heading, label=piece.kind == "label", topics=piece.topics))
        parts.append(piece.text)
        offset += len(piece.text) + 1
    return "\n".join(parts), blocks
