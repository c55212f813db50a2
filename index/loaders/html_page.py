"""HTML (.html, .htm): the page's title, date and article blocks, page furniture left out; the text
is rebuilt as the title, the headings and the paragraphs, one per line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from bs4 import BeautifulSoup, Tag

from index.dates import parse_date_value
from index.loaders.brief import decode, parsed_brief
from index.loaders.layout import Piece, assemble, ends_sentence
from index.records import ParsedBrief
from index.text.language import normalize_language_code

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


def parse_html(data: bytes, file_name: str, today: date | None, _max_bytes: int) -> ParsedBrief:
    soup = BeautifulSoup(decode(data, file_name), "html.parser")
    # Read before the page furniture goes: the headline and its <time> often sit in <header>.
    title = _html_title(soup)
    known_date = _html_date(soup, today)
    url = _html_url(soup)
    language = normalize_language_code(soup.html.get("lang")) if soup.html else None
    for tag in soup.find_all(_is_page_chrome):
        tag.decompose()
    text, blocks = assemble(title, list(_html_blocks(soup)))
    return parsed_brief(
        file_name,
        text,
        title,
        blocks,
        today=today,
        known_date=known_date,
        url=url,
        language=language,
    )


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


def _html_blocks(soup: BeautifulSoup) -> Iterator[Piece]:
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
        yield Piece(text, "heading" if is_heading else "paragraph")


def _list_pieces(listing: Tag, topics: tuple[str, ...], depth: int = 0) -> Iterator[Piece]:
    """The items of a <ul>/<ol>, depth first; an item holding a list labels its sub-items.

    Lists nested deeper than MAX_LIST_DEPTH (no brief's are; a hostile page's may be thousands
    deep) are read as one paragraph, so the recursion stays shallow.
    """
    if depth >= MAX_LIST_DEPTH:
        if text := _tag_text(listing):
            yield Piece(text, "paragraph", topics)
        return
    for item in listing.find_all("li", recursive=False):
        sublists = item.find_all(("ul", "ol"), recursive=False)
        own = _own_text(item, sublists)
        if not sublists:
            if own:
                yield Piece(own, "paragraph", topics)
            continue
        label: tuple[str, ...] = ()
        if own:
            # "Gaza war" labels what follows; a whole sentence with sub-points is also news.
            kind = "paragraph" if ends_sentence(_without_sources(own)) else "label"
            yield Piece(own, kind, topics)
            label = (own,) if kind == "label" else ()
        for sublist in sublists:
            yield from _list_pieces(sublist, topics + label, depth + 1)


def _own_text(item: Tag, sublists: list[Tag]) -> str:
    """An item's text without its nested lists."""
    if not sublists:
        return _tag_text(item)
    parts = [
        child.get_text() if isinstance(child, Tag) else str(child) for child in item.children if child not in sublists
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
