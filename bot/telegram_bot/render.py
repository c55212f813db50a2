"""Telegram HTML for answers, passages, brief lists and admin reports, split to fit a message.

Everything that comes from a brief or a user is escaped here: a handler never builds markup.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import MessageLimit

from bot.engine.plain_text import format_date, paragraph_mark, short_title, source_label
from bot.engine.records import Answer, Citation
from bot.telegram_bot.texts import text
from index.indexer import IndexReport, ReindexProgress
from index.knowledge_base import Status
from index.records import BriefRecord, Passage

BRIEFS_PER_PAGE = 10
CITATION_BUTTONS_PER_ROW = 5
# A report lists this many failed files at most, so it always fits one message.
REPORT_MAX_FAILED = 15

PASSAGE_PREFIX = "p:"
BRIEFS_PAGE_PREFIX = "b:"


# -- splitting ---------------------------------------------------------------------------------

# The pieces a message may be cut between: a tag, an entity, or one character.
_ATOM = re.compile(r"<[^>]*>|&#?[A-Za-z0-9]+;|.", re.DOTALL)
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)")


def utf16_len(value: str) -> int:
    """Length as Telegram counts it (UTF-16 code units): an emoji counts twice."""
    return len(value.encode("utf-16-le")) // 2


def split_html(markup: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """Cut Telegram HTML into parts of at most `limit` UTF-16 units, markup included.

    Cuts fall at a paragraph break when one leaves the part at least half full, else at a line
    break, a space, or (for one endless word) between characters; never inside a tag or an
    entity. Tags open at a cut are closed at the end of the part and reopened in the next one,
    so each part is valid HTML on its own.
    """
    atoms = _ATOM.findall(markup)
    parts: list[str] = []
    stack: list[tuple[str, str]] = []  # (name, opening tag) of the tags open where a part starts
    start = 0
    while start < len(atoms):
        cut, stack_at_cut = _next_cut(atoms, start, stack, limit)
        body = "".join(atoms[start:cut]).rstrip()
        closers = "".join(f"</{name}>" for name, _ in reversed(stack_at_cut))
        part = "".join(tag for _, tag in stack) + body + closers
        if re.sub(r"<[^>]*>", "", part).strip():
            parts.append(part)
        stack = stack_at_cut
        start = cut
        while start < len(atoms) and atoms[start].isspace():
            start += 1
    return parts


def _next_cut(
    atoms: list[str], start: int, stack: list[tuple[str, str]], limit: int
) -> tuple[int, list[tuple[str, str]]]:
    """Where the part starting at atoms[start] ends, and the tags open there."""
    size = sum(utf16_len(tag) for _, tag in stack)
    open_tags = list(stack)
    after_first = open_tags
    best: dict[int, tuple[int, int, list[tuple[str, str]]]] = {}  # priority -> (cut, size, tags)
    for index in range(start, len(atoms)):
        atom = atoms[index]
        tag = _TAG.match(atom)
        if tag and tag.group(1):
            open_tags = _close(open_tags, tag.group(2).lower())
        elif tag:
            open_tags = [*open_tags, (tag.group(2).lower(), atom)]
        if index == start:
            after_first = open_tags
        size += utf16_len(atom)
        if size + sum(len(name) + 3 for name, _ in open_tags) > limit:
            break
        if not (tag and not tag.group(1)):  # never end a part right after an opening tag
            best[_cut_priority(atoms, index + 1)] = (index + 1, size, open_tags)
    else:
        return len(atoms), open_tags
    if not best:
        # Not even one piece fits after the reopened tags (an absurdly small limit): take one.
        return start + 1, after_first
    full_enough = [priority for priority, (_, cut_size, _) in best.items() if cut_size >= limit // 2]
    priority = max(full_enough) if full_enough else max(best, key=lambda p: best[p][0])
    cut, _, tags = best[priority]
    return cut, tags


def _close(open_tags: list[tuple[str, str]], name: str) -> list[tuple[str, str]]:
    for position in range(len(open_tags) - 1, -1, -1):
        if open_tags[position][0] == name:
            return open_tags[:position] + open_tags[position + 1 :]
    return open_tags


def _cut_priority(atoms: list[str], cut: int) -> int:
    """How good a place to cut just before atoms[cut] is: paragraph 3, line 2, word 1, else 0."""
    previous = atoms[cut - 1]
    if previous == "\n":
        return 3 if cut >= 2 and atoms[cut - 2] == "\n" else 2
    return 1 if previous.isspace() else 0


# -- answers -----------------------------------------------------------------------------------


def render_answer(
    answer: Answer, *, lead_html: Sequence[str] = (), links: Mapping[str, str] | None = None
) -> list[str]:
    """The answer as message parts: `lead_html` (the bot's own notes, already markup), the
    answer's notes, its text with the [n] markers, then the numbered sources, each followed by
    its brief's link when it has one (`links`, by source: a feed item's, a channel post's)."""
    language = answer.language
    blocks = [*lead_html, *(f"<i>{html.escape(note)}</i>" for note in answer.notes)]
    blocks.append(html.escape(answer.text))
    if answer.abstained:
        if answer.closest:
            lines = [
                f"• <b>{html.escape(short_title(ref.title, ref.source))}</b> — "
                f"{html.escape(format_date(ref.date, language))} — <code>{html.escape(ref.brief_id)}</code>"
                for ref in answer.closest
            ]
            blocks.append("\n".join([html.escape(text(language, "closest")), *lines]))
        blocks.append(text(language, "see_briefs"))
    elif answer.citations:
        links = links or {}
        lines = [html.escape(_with_link(source_label(c, language), links.get(c.source))) for c in answer.citations]
        blocks.append("\n".join([f"<b>{text(language, 'sources')}</b>", *lines]))
    return split_html("\n\n".join(blocks))


def _with_link(label: str, link: str | None) -> str:
    return f"{label} — {link}" if link else label


def citation_keyboard(citations: Sequence[Citation]) -> InlineKeyboardMarkup | None:
    """One "📄 n" button per citation, opening the cited passage."""
    if not citations:
        return None
    buttons = [InlineKeyboardButton(f"📄 {c.n}", callback_data=passage_button_data(c)) for c in citations]
    rows = [buttons[i : i + CITATION_BUTTONS_PER_ROW] for i in range(0, len(buttons), CITATION_BUTTONS_PER_ROW)]
    return InlineKeyboardMarkup(rows)


# -- passages ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PassageRef:
    """What a 📄 button carries: the chunk, where the quote lies in the brief, and its hash."""

    chunk_id: int
    start: int
    end: int
    digest: str


def _quote_digest(quote: str) -> str:
    return hashlib.sha1(quote.encode()).hexdigest()[:8]


def passage_button_data(citation: Citation) -> str:
    # Three integers and 8 hex digits: about 40 bytes, well inside MAX_CALLBACK_DATA (64).
    return f"{PASSAGE_PREFIX}{citation.chunk_id}:{citation.start}:{citation.end}:{_quote_digest(citation.quote)}"


def parse_passage_data(data: str) -> PassageRef | None:
    match = re.fullmatch(rf"{PASSAGE_PREFIX}(\d+):(\d+):(\d+):([0-9a-f]{{8}})", data)
    if match is None:
        return None
    return PassageRef(int(match[1]), int(match[2]), int(match[3]), match[4])


def quoted_span(passage: Passage, ref: PassageRef) -> tuple[int, int] | None:
    """The quote's offsets in the passage text if the passage still holds it unchanged, else None
    (a reindex replaced the chunk, or reused its id for other text)."""
    if ref.chunk_id != passage.chunk_id or not passage.start <= ref.start <= ref.end <= passage.end:
        return None
    begin, end = ref.start - passage.start, ref.end - passage.start
    if _quote_digest(passage.text[begin:end]) != ref.digest:
        return None
    return begin, end


def render_passage(passage: Passage, language: str, span: tuple[int, int]) -> list[str]:
    """Title, date, section and the passage in a blockquote, the quoted words in bold when the
    answer quoted only part of it."""
    location = ", ".join(part for part in (passage.section, paragraph_mark(passage.paragraphs)) if part)
    header = f"<b>{html.escape(passage.title)}</b>\n" + html.escape(
        " — ".join(filter(None, [format_date(passage.date, language), location]))
    )
    begin, end = span
    body = passage.text
    if (begin, end) != (0, len(body)) and body[begin:end].strip():
        quoted = html.escape(body[:begin]) + f"<b>{html.escape(body[begin:end])}</b>" + html.escape(body[end:])
    else:
        quoted = html.escape(body)
    return split_html(f"{header}\n\n<blockquote>{quoted}</blockquote>")


# -- brief list, status, reindex ---------------------------------------------------------------


def briefs_page(records: Sequence[BriefRecord], page: int, language: str) -> tuple[str, InlineKeyboardMarkup | None]:
    """One page of the brief list with ◀ ▶ buttons; `page` is clamped to the pages there are."""
    if not records:
        return text(language, "no_briefs_yet"), None
    pages = (len(records) + BRIEFS_PER_PAGE - 1) // BRIEFS_PER_PAGE
    page = min(max(page, 0), pages - 1)
    first = page * BRIEFS_PER_PAGE
    shown = records[first : first + BRIEFS_PER_PAGE]
    lines = [text(language, "briefs_page", first=first + 1, last=first + len(shown), total=len(records))]
    lines += [
        f"{first + k}. <b>{html.escape(short_title(record.title, record.source))}</b> — "
        f"{html.escape(format_date(record.date, language))}\n<code>{html.escape(record.brief_id)}</code>"
        for k, record in enumerate(shown, start=1)
    ]
    buttons = []
    if page > 0:
        buttons.append(InlineKeyboardButton("◀", callback_data=f"{BRIEFS_PAGE_PREFIX}{page - 1}"))
    if page < pages - 1:
        buttons.append(InlineKeyboardButton("▶", callback_data=f"{BRIEFS_PAGE_PREFIX}{page + 1}"))
    return "\n\n".join(lines), InlineKeyboardMarkup([buttons]) if buttons else None


def format_duration(seconds: float) -> str:
    minutes, _ = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days}d {hours}h {minutes}m"
    return f"{hours}h {minutes}m" if hours else f"{minutes}m"


def render_status(status: Status, language: str, uptime_s: float) -> str:
    embedder = status.embedder + (f" ({status.dimension} dims)" if status.dimension else "")
    lines = [
        text(
            language,
            "status",
            briefs=status.briefs,
            chunks=status.chunks,
            embedder=embedder,
            last_indexed=status.last_indexed_at or text(language, "never"),
            latest=format_date(status.latest_brief_date, language),
            size=f"{status.size_bytes / 1e6:.1f} MB",
            uptime=format_duration(uptime_s),
        )
    ]
    if status.skipped:
        lines.append(text(language, "status_skipped_header"))
        lines += [text(language, "reindex_failed", reason=reason) for _, reason in status.skipped[:REPORT_MAX_FAILED]]
        if len(status.skipped) > REPORT_MAX_FAILED:
            lines.append(text(language, "reindex_more", count=len(status.skipped) - REPORT_MAX_FAILED))
    return split_html("\n".join(lines))[0]


def render_progress(event: ReindexProgress, language: str) -> str:
    return text(
        language,
        "reindex_progress",
        stage=text(language, f"stage_{event.stage}"),
        done=event.done,
        total=event.total,
    )


def render_report(report: IndexReport, language: str) -> str:
    lines = [
        text(
            language,
            "reindex_done",
            seconds=f"{report.seconds:.1f}",
            added=len(report.added),
            updated=len(report.updated),
            removed=len(report.removed),
            unchanged=report.unchanged,
            embedded=report.chunks_embedded,
            briefs=report.briefs_total,
            chunks=report.chunks_total,
        )
    ]
    lines += [text(language, "reindex_repaired", repair=repair) for repair in report.repairs]
    lines += [
        text(language, "reindex_duplicate", source=source, owner=owner)
        for source, owner in report.duplicates[:REPORT_MAX_FAILED]
    ]
    if report.failed:
        lines.append(text(language, "reindex_failed_header"))
        lines += [text(language, "reindex_failed", reason=reason) for _, reason in report.failed[:REPORT_MAX_FAILED]]
        if len(report.failed) > REPORT_MAX_FAILED:
            lines.append(text(language, "reindex_more", count=len(report.failed) - REPORT_MAX_FAILED))
    # Failure reasons can be long; the first part always carries the counts.
    return split_html("\n".join(lines))[0]
