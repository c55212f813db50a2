"""Reads brief files (.txt, .md, .html/.htm, .pdf) into a ParsedBrief: text, title, paragraphs.

Plain text and Markdown keep the file's own text, so a citation's offsets point into what the
author wrote. HTML and PDF have no usable plain text of their own: their text is rebuilt as the
title, the headings and the paragraphs, one per line, and the offsets point into that.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import frontmatter
import yaml
from bs4 import BeautifulSoup, Tag
from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError

from index.dates import find_date, is_date_only, parse_date_value
from index.decoding import NotTextError, decode_text
from index.text.language import detect_language, normalize_language_code
from index.models import Paragraph, ParsedBrief

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf")
# Recorded in the catalog. Change it whenever a loader reads files differently (sections, topic
# paths, what is left out): the next reindex then re-reads every brief, reusing cached vectors
# for every chunk whose text did not change.
PARSER_VERSION = "3-any-encoding"

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

# The largest brief file read, and the most text taken from one (a small PDF may inflate to far
# more text than its size): a daily brief is a few kilobytes, and a bigger file would hold the
# reindex for many minutes of embedding. Overridden by the MAX_BRIEF_MB setting.
DEFAULT_MAX_BRIEF_BYTES = 10_000_000

_HTML_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_HTML_BLOCKS = (*_HTML_HEADINGS, "p", "li", "ul", "ol", "blockquote", "div")
_HTML_LISTS = ("li", "ul", "ol")
# Deeper lists than this are read as one paragraph (see _list_pieces).
MAX_LIST_DEPTH = 32
# Page furniture, not the brief's content.
_HTML_DROPPED = ("script", "style", "nav", "header", "footer", "noscript", "template")
# Classes of page furniture (MediaWiki's edit links and navigation bars, print-hidden parts).
_HTML_CHROME_CLASSES = frozenset(
    "navbar noprint editlink mw-editsection current-events-navbar current-events-nav navbox "
    "reference mw-jump-link".split()
)
_HTML_DATE_META = (  # (attribute, value) of the <meta> tags giving the publication date
    ("property", "article:published_time"),
    ("name", "date"),
    ("itemprop", "datePublished"),
    ("name", "dc.date"),
)


class BriefLoadError(Exception):
    """A brief file that cannot be used; the message names the file and says why."""

    def __init__(self, file_name: str, reason: str) -> None:
        super().__init__(f"{file_name}: {reason}")
        self.file_name = file_name
        self.reason = reason


@dataclass(frozen=True, slots=True)
class _Line:
    start: int  # offsets of the stripped line in the text
    end: int
    text: str
    after_blank: bool  # a blank line separates it from the previous non-empty line


@dataclass(slots=True)
class _Block:
    """A heading, a topic label, or a paragraph made of one or more (hard-wrapped) lines."""

    lines: list[_Line]
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
class _Piece:
    """A line of a rebuilt text (HTML, PDF): a heading, a topic label or a paragraph."""

    text: str
    kind: str  # "heading" | "label" | "paragraph"
    topics: tuple[str, ...] = ()


# Between the levels of a paragraph's section path: "Armed conflicts and attacks › Gaza war".
TOPIC_SEPARATOR = " › "


@dataclass(frozen=True, slots=True)
class _Layout:
    lead: list[_Line] = field(default_factory=list)  # the title line(s); empty when there is none
    blocks: list[_Block] = field(default_factory=list)


def load_brief(
    path: Path, today: date | None = None, *, max_bytes: int = DEFAULT_MAX_BRIEF_BYTES
) -> ParsedBrief:
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


def check_size(size: int, file_name: str, max_bytes: int) -> None:
    """BriefLoadError for a file larger than `max_bytes`, saying both sizes."""
    if size > max_bytes:
        raise BriefLoadError(
            file_name, f"too large ({_size_text(size)}; the limit is {_size_text(max_bytes)})"
        )


def _size_text(size: int) -> str:
    if size >= 1_000_000:
        return f"{size / 1e6:.1f}".removesuffix(".0") + " MB"
    return f"{size / 1e3:.0f} kB"


# --- formats -----------------------------------------------------------------------------------


def _parse_txt(data: bytes, file_name: str, today: date | None, _max_bytes: int) -> ParsedBrief:
    text = _decode(data, file_name)
    layout = _layout(_lines(text), has_lead=True, short_line_headings=True)
    return _brief(file_name, text, _title(layout.lead), layout.blocks, today=today)


def _parse_md(data: bytes, file_name: str, today: date | None, _max_bytes: int) -> ParsedBrief:
    metadata, body = _front_matter(_decode(data, file_name), file_name)
    lines = _lines(body)
    title = _metadata_text(metadata.get("title"))
    # A leading "# Title" is the title; so is a plain first line when the front matter has none.
    has_lead = bool(lines) and (
        _heading_level(lines[0].text) == 1
        or (title is None and _heading_level(lines[0].text) is None)
    )
    layout = _layout(lines, has_lead=has_lead, short_line_headings=False)
    return _brief(
        file_name,
        body,
        title or _title(layout.lead),
        layout.blocks,
        today=today,
        known_date=parse_date_value(metadata.get("date"), today),
        url=_metadata_text(metadata.get("url") or metadata.get("link")),
        language=normalize_language_code(metadata.get("language") or metadata.get("lang")),
    )


def _parse_html(data: bytes, file_name: str, today: date | None, _max_bytes: int) -> ParsedBrief:
    soup = BeautifulSoup(_decode(data, file_name), "html.parser")
    # Read before the page furniture goes: the headline and its <time> often sit in <header>.
    title = _html_title(soup)
    known_date = _html_date(soup, today)
    url = _html_url(soup)
    language = normalize_language_code(soup.html.get("lang")) if soup.html else None
    for tag in soup.find_all(_is_page_chrome):
        tag.decompose()
    text, blocks = _assemble(title, list(_html_blocks(soup)))
    return _brief(
        file_name,
        text,
        title,
        blocks,
        today=today,
        known_date=known_date,
        url=url,
        language=language,
    )


def _parse_pdf(data: bytes, file_name: str, today: date | None, max_bytes: int) -> ParsedBrief:
    # A compressed PDF may hold far more text than its size: the text is bounded too.
    extracted = _pdf_text(data, file_name, max_chars=max_bytes)
    layout = _layout(_lines(extracted), has_lead=True, short_line_headings=True)
    title = _title(layout.lead)
    # PDF text is hard-wrapped at the page width: each paragraph is rejoined onto one line.
    pieces = [
        _Piece(block.heading, "heading") if block.heading is not None else _Piece(_unwrap(block.lines), "paragraph")
        for block in layout.blocks
    ]
    text, blocks = _assemble(title, pieces)
    # Dated from the extracted text: the rebuilt one has lost the dateline, if there was one.
    known_date = _brief_date(extracted, file_name, today)
    return _brief(file_name, text, title, blocks, today=today, known_date=known_date)


_PARSERS: dict[str, Callable[[bytes, str, date | None, int], ParsedBrief]] = {
    ".txt": _parse_txt,
    ".md": _parse_md,
    ".html": _parse_html,
    ".htm": _parse_html,
    ".pdf": _parse_pdf,
}


# --- the brief record ----------------------------------------------------------------------------


def _brief(
    file_name: str,
    text: str,
    title: str | None,
    blocks: list[_Block],
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
        date=known_date or _brief_date(text, file_name, today),
        paragraphs=paragraphs,
        url=url,
        language=language or detect_language(text),
    )


def _paragraphs(blocks: list[_Block]) -> tuple[Paragraph, ...]:
    paragraphs: list[Paragraph] = []
    section: str | None = None
    for block in blocks:
        if block.heading is not None:
            section = block.heading
        elif not block.label:
            path = TOPIC_SEPARATOR.join(part for part in (section, *block.topics) if part) or None
            paragraphs.append(Paragraph(len(paragraphs) + 1, path, block.start, block.end))
    return tuple(paragraphs)


def _brief_date(text: str, file_name: str, today: date | None) -> date | None:
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


# --- plain-text structure ------------------------------------------------------------------------


def _lines(text: str) -> list[_Line]:
    """The non-empty lines of `text`, stripped, with their offsets."""
    lines: list[_Line] = []
    offset = 0
    after_blank = False
    for raw in text.split("\n"):
        stripped = raw.strip()
        if stripped:
            start = offset + len(raw) - len(raw.lstrip())
            lines.append(_Line(start, start + len(stripped), stripped, after_blank))
            after_blank = False
        elif lines:
            after_blank = True
        offset += len(raw) + 1
    return lines


def _layout(lines: list[_Line], *, has_lead: bool, short_line_headings: bool) -> _Layout:
    """Splits lines into the lead (title), headings and paragraphs."""
    wrap_widths = _wrap_widths(lines)
    lead_length = _lead_length(lines, wrap_widths) if has_lead else 0
    body = [line for line in lines[lead_length:] if _has_letters(line.text)]
    if body and is_date_only(body[0].text):
        body = body[1:]  # a dateline under the title ("Rabu, 13 November 2024") is no paragraph
    blocks: list[_Block] = []
    for index, line in enumerate(body):
        previous = blocks[-1] if blocks else None
        if (
            previous
            and previous.heading is None
            and _continues(previous.lines[-1], line, wrap_widths)
        ):
            previous.lines.append(line)
            continue
        following = body[index + 1] if index + 1 < len(body) else None
        blocks.append(_Block([line], _heading_name(line, following, short_line_headings)))
    return _Layout(lines[:lead_length], blocks)


def _wrap_widths(lines: list[_Line]) -> dict[_Line, int]:
    """For each line, the width its run of lines (up to a blank line) would have been wrapped to.

    That is the run's longest line that could be a wrapped one: a run, not the whole file, as one
    file may mix hard-wrapped paragraphs with paragraphs on a single line.
    """
    runs: list[list[_Line]] = []
    for line in lines:
        if line.after_blank or not runs:
            runs.append([])
        runs[-1].append(line)
    widths: dict[_Line, int] = {}
    for run in runs:
        candidates = [len(line.text) for line in run if len(line.text) <= WRAPPED_LINE_MAX_CHARS]
        widths.update(dict.fromkeys(run, max(candidates, default=0)))
    return widths


def _lead_length(lines: list[_Line], wrap_widths: dict[_Line, int]) -> int:
    """How many lines the lead takes: its first line, plus any lines it visibly wraps onto."""
    if not lines:
        return 0
    if _heading_level(lines[0].text) is not None:
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


def _continues(previous: _Line, line: _Line, wrap_widths: dict[_Line, int]) -> bool:
    """Whether `line` carries on the paragraph that `previous` belongs to (hard wrapping).

    A line was wrapped when it stops mid-sentence and the next word would not have fitted on it;
    a line with room left and no full stop (a heading, a sloppy paragraph) ends where it ends.
    """
    next_word = line.text.split(maxsplit=1)[0]
    return (
        not line.after_blank
        and not _ends_sentence(previous.text)
        # Both lines of a wrapped pair fit the wrapping width; a longer line is a whole paragraph.
        and len(previous.text) <= WRAPPED_LINE_MAX_CHARS
        and len(line.text) <= WRAPPED_LINE_MAX_CHARS
        and len(previous.text) + len(" ") + len(next_word) > WRAP_FILL * wrap_widths[previous]
        and _heading_level(line.text) is None
        and not _LIST_ITEM.match(line.text)
    )


def _heading_name(line: _Line, following: _Line | None, short_line_headings: bool) -> str | None:
    """The section name if `line` is a heading, else None."""
    level = _heading_level(line.text)
    if level is not None:
        return _strip_heading_marks(line.text)
    if not short_line_headings or following is None:
        return None
    # A short line is a heading only when a paragraph follows it; two short lines in a row are
    # more likely short paragraphs (or a list) than an empty section.
    is_heading = _heading_shaped(line.text) and not (
        _heading_shaped(following.text) or _heading_level(following.text) is not None
    )
    return line.text if is_heading else None


def _heading_shaped(text: str) -> bool:
    return (
        len(text) <= HEADING_MAX_CHARS
        and len(text.split()) <= HEADING_MAX_WORDS
        and not text.endswith(_HEADING_FORBIDDEN_ENDINGS)
        and not _LIST_ITEM.match(text)
    )


def _heading_level(text: str) -> int | None:
    match = _MARKDOWN_HEADING.match(text)
    return len(match.group(1)) if match else None


def _strip_heading_marks(text: str) -> str:
    match = _MARKDOWN_HEADING.match(text)
    return match.group(2) if match else text


def _ends_sentence(text: str) -> bool:
    return _FOOTNOTE_MARKS.sub("", text).rstrip(_CLOSING_MARKS)[-1:] in _SENTENCE_ENDINGS


def _has_letters(text: str) -> bool:
    # Lines without a letter are rules ("---", "* * *") or PDF page numbers, not content.
    return any(character.isalpha() for character in text)


def _title(lead: list[_Line]) -> str | None:
    if not lead:
        return None
    return " ".join(_strip_heading_marks(_unwrap(lead)).split())


def _unwrap(lines: list[_Line]) -> str:
    """Rejoins hard-wrapped lines; a word broken at a hyphen keeps the hyphen ("rekan-rekan")."""
    # Parts joined once at the end, and only the previous line tested for a hyphen: linear in
    # the lines' length however many there are (a long run of them made this quadratic).
    parts = [lines[0].text]
    for previous, line in zip(lines, lines[1:]):
        parts.append(line.text if _WRAPPED_HYPHEN.search(previous.text) else " " + line.text)
    return " ".join("".join(parts).split())


def _assemble(lead: str | None, pieces: list[_Piece]) -> tuple[str, list[_Block]]:
    """The text of the lead and the pieces, one per line, and their blocks."""
    parts = [lead] if lead else []
    offset = len(lead) + 1 if lead else 0
    blocks: list[_Block] = []
    for piece in pieces:
        line = _Line(offset, offset + len(piece.text), piece.text, after_blank=False)
        heading = piece.text if piece.kind == "heading" else None
        blocks.append(_Block([line], heading, label=piece.kind == "label", topics=piece.topics))
        parts.append(piece.text)
        offset += len(piece.text) + 1
    return "\n".join(parts), blocks


# --- decoding ------------------------------------------------------------------------------------


def _decode(data: bytes, file_name: str) -> str:
    """The file's text in whatever encoding it was saved (see index/decoding.py)."""
    try:
        text = decode_text(data)
    except NotTextError as error:
        raise BriefLoadError(file_name, str(error)) from None
    if not text.strip():
        raise BriefLoadError(file_name, "file is empty")
    return text


# --- Markdown ------------------------------------------------------------------------------------


def _front_matter(text: str, file_name: str) -> tuple[dict[str, object], str]:
    try:
        metadata, body = frontmatter.parse(text)
    except (yaml.YAMLError, ValueError) as error:
        raise BriefLoadError(file_name, "front matter is not valid YAML") from error
    return metadata, body


def _metadata_text(value: object) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


# --- HTML ----------------------------------------------------------------------------------------


def _is_page_chrome(tag: Tag) -> bool:
    """Navigation, edit links, styles, hidden text: what a reader of the page does not read."""
    if tag.name in _HTML_DROPPED or tag.get("role") == "navigation" or tag.get("aria-hidden") == "true":
        return True
    classes = tag.get("class") or ()
    if any(name in _HTML_CHROME_CLASSES for name in classes):
        return True
    style = str(tag.get("style") or "").replace(" ", "").lower()
    return "display:none" in style


def _html_title(soup: BeautifulSoup) -> str | None:
    for tag in (soup.title, soup.find("h1")):
        if isinstance(tag, Tag) and (text := _tag_text(tag)):
            return text
    return None


def _html_date(soup: BeautifulSoup, today: date | None) -> date | None:
    # The publication metadata is the page's own claim about its date; a <time> may also mark
    # an event mentioned in the text, so it comes second.
    candidates = [
        meta.get("content")
        for attribute, value in _HTML_DATE_META
        for meta in soup.find_all("meta", attrs={attribute: value})
    ]
    candidates += [time.get("datetime") for time in soup.find_all("time")]
    for candidate in candidates:
        found = parse_date_value(candidate, today)
        if found:
            return found
    return None


def _html_url(soup: BeautifulSoup) -> str | None:
    canonical = soup.find("link", rel="canonical")
    if isinstance(canonical, Tag) and canonical.get("href"):
        return str(canonical["href"])
    og_url = soup.find("meta", attrs={"property": "og:url"})
    if isinstance(og_url, Tag) and og_url.get("content"):
        return str(og_url["content"])
    return None


def _html_blocks(soup: BeautifulSoup) -> Iterator[_Piece]:
    """The headings, topic labels and paragraphs of a page, in document order.

    A heading is an <h1>-<h6>, an element marked role="heading", or a paragraph that is only bold
    text ("<p><b>Armed conflicts and attacks</b></p>"). Nested lists are read as a reader reads
    them: an item that holds a list of its own labels a topic ("Russo-Ukrainian war"), and the
    items under it carry the path of labels above them.
    """
    seen_paragraph = False
    # One walk finds, for every block, whether a list holds it and whether a block is inside
    # it: asking each tag (find_parent, find) made deeply nested pages quadratic.
    for tag, in_list, holds_block in _blocks_in_order(soup):
        if tag.name == "li" or in_list:
            continue  # read with its list
        if tag.name in ("ul", "ol"):
            seen_paragraph = True
            yield from _list_pieces(tag, ())
            continue
        if holds_block:
            continue  # the innermost block holds the text
        text = _tag_text(tag)
        if not text:
            continue
        is_heading = tag.name in _HTML_HEADINGS or tag.get("role") == "heading" or _only_bold(tag)
        if is_heading and not seen_paragraph and (tag.name == "h1" or tag.get("role") == "heading"):
            continue  # the headline, already the title: not a section
        seen_paragraph = seen_paragraph or not is_heading
        yield _Piece(text, "heading" if is_heading else "paragraph")


def _list_pieces(listing: Tag, topics: tuple[str, ...], depth: int = 0) -> Iterator[_Piece]:
    """The items of a <ul>/<ol>, depth first; an item holding a list labels its sub-items.

    Lists nested deeper than MAX_LIST_DEPTH (no brief's are; a hostile page's may be thousands
    deep) are read as one paragraph, so the recursion stays shallow.
    """
    if depth >= MAX_LIST_DEPTH:
        if text := _tag_text(listing):
            yield _Piece(text, "paragraph", topics)
        return
    for item in listing.find_all("li", recursive=False):
        sublists = item.find_all(("ul", "ol"), recursive=False)
        own = _own_text(item, sublists)
        if not sublists:
            if own:
                yield _Piece(own, "paragraph", topics)
            continue
        label: tuple[str, ...] = ()
        if own:
            # "Gaza war" labels what follows; a whole sentence with sub-points is also news.
            kind = "paragraph" if _ends_sentence(_without_sources(own)) else "label"
            yield _Piece(own, kind, topics)
            label = (own,) if kind == "label" else ()
        for sublist in sublists:
            yield from _list_pieces(sublist, topics + label, depth + 1)


def _own_text(item: Tag, sublists: list[Tag]) -> str:
    """An item's text without its nested lists."""
    if not sublists:
        return _tag_text(item)
    parts = [
        child.get_text() if isinstance(child, Tag) else str(child)
        for child in item.children
        if child not in sublists
    ]
    return _PUNCTUATION_AFTER_SPACE.sub(r"\1", " ".join(" ".join(parts).split()))


_PUNCTUATION_AFTER_SPACE = re.compile(r"\s+([,.;:!?])")


def _only_bold(tag: Tag) -> bool:
    """A paragraph whose whole text is bold (or strong): a heading in all but name."""
    if tag.name != "p":
        return False
    bold = " ".join(" ".join(b.get_text() for b in tag.find_all(("b", "strong"))).split())
    return bool(bold) and bold == _tag_text(tag)


_SOURCES = re.compile(r"(?:\s*\([^()]{1,60}\))+\s*$")


def _without_sources(text: str) -> str:
    return _SOURCES.sub("", text)


def _blocks_in_order(soup: BeautifulSoup) -> list[tuple[Tag, bool, bool]]:
    """Every block tag in document order, with whether a list (li, ul, ol) encloses it and
    whether another block lies inside it.

    One walk over the tree with an explicit stack: no recursion for deeply nested pages, and no
    search of each block's ancestors or subtree, which made nested blocks quadratic.
    """
    blocks: list[Tag] = []
    in_list: set[int] = set()  # ids of blocks a list encloses
    holds_block: set[int] = set()  # ids of blocks with a block inside
    # (node, the nearest block above it, whether a list encloses it)
    stack: list[tuple[Tag, Tag | None, bool]] = [(soup, None, False)]
    while stack:
        node, enclosing, listed = stack.pop()
        if node.name in _HTML_BLOCKS:
            if enclosing is not None:
                holds_block.add(id(enclosing))
            if listed:
                in_list.add(id(node))
            blocks.append(node)
            enclosing = node
        listed = listed or node.name in _HTML_LISTS
        children = [child for child in node.contents if isinstance(child, Tag)]
        stack.extend((child, enclosing, listed) for child in reversed(children))
    return [(tag, id(tag) in in_list, id(tag) in holds_block) for tag in blocks]


def _tag_text(tag: Tag) -> str:
    for line_break in tag.find_all("br"):
        line_break.replace_with("\n")
    return " ".join(tag.get_text().split())


# --- PDF -----------------------------------------------------------------------------------------


def _pdf_text(data: bytes, file_name: str, *, max_chars: int) -> str:
    pages: list[str] = []
    length = 0
    try:
        reader = PdfReader(io.BytesIO(data))
        unlocked = not reader.is_encrypted or _unlock(reader)
        for page in reader.pages if unlocked else []:
            pages.append(page.extract_text() or "")
            length += len(pages[-1])
            if length > max_chars:  # stop reading: the brief is refused whatever follows
                break
    except Exception as error:  # pypdf signals a damaged file with many exception types
        reason = "not a readable PDF (file is damaged or encrypted)"
        raise BriefLoadError(file_name, reason) from error
    if not unlocked:
        raise BriefLoadError(file_name, "not a readable PDF (file is encrypted)")
    if length > max_chars:
        raise BriefLoadError(
            file_name, f"too much text (over {max_chars:,} characters)"
        )
    text = "\n".join(pages).replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise BriefLoadError(file_name, "no text in the PDF (a scan without a text layer?)")
    return text


def _unlock(reader: PdfReader) -> bool:
    # Many PDFs are encrypted only to restrict printing or copying, with an empty user password.
    try:
        return reader.decrypt("") != PasswordType.NOT_DECRYPTED
    except DependencyError:  # AES needs the optional "cryptography" package
        return False
