"""An answer's sources as plain text ("[1] title — date — section, ¶2"): the terminal prints these
lines as they are, Telegram escapes them into its HTML (`bot/telegram_bot/render.py`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.engine.naming import brief_name
from bot.engine.records import Citation
from bot.engine.replies import reply
from index.text.sentences import split_sources

# How many older briefs repeating a cited paragraph are named in the source list.
ALSO_IN_SHOWN = 3


def format_date(value: date | None, language: str) -> str:
    return value.isoformat() if value else reply(language, "no_date")


def short_title(title: str, source: str = "") -> str:
    """The brief as a citation names it (`bot.engine.naming`): at most 60 characters, cut at a word."""
    return brief_name(title, source)


def source_label(citation: Citation, language: str) -> str:
    """Plain text "[n] title — date — section, ¶p", as the terminal and Telegram show it."""
    location = ", ".join(part for part in (citation.section, paragraph_mark(citation.paragraphs)) if part)
    pieces = [f"[{citation.n}] {short_title(citation.title, citation.source)}", format_date(citation.date, language)]
    label = " — ".join([*pieces, location] if location else pieces)
    _, reported_by = split_sources(citation.quote)
    if reported_by:  # a news item's own source marks: "(Reuters) (AP)"
        label += f" ({reply(language, 'reported_by', sources=', '.join(reported_by))})"
    if citation.also_in:
        label += f" ({reply(language, 'also_in', dates=_also_in_dates(citation, language))})"
    return label


def _also_in_dates(citation: Citation, language: str) -> str:
    """The dates of the older briefs repeating the paragraph, a few named, the rest counted."""
    shown = [format_date(brief.date, language) for brief in citation.also_in[:ALSO_IN_SHOWN]]
    hidden = len(citation.also_in) - len(shown)
    return ", ".join(shown) + (f" +{hidden}" if hidden else "")


def paragraph_mark(paragraphs: Sequence[int]) -> str:
    return "¶" + ",".join(map(str, paragraphs)) if paragraphs else ""
