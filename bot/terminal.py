"""The terminal chat: the bot's engine without Telegram, for trying it out before there is a token.

Questions are read line by line and answered with numbered sources and their quotes;
/briefs, /status, /help and /quit do what they say; end of input (Ctrl-D) ends the chat.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable
from typing import TextIO

from bot.engine.answering import MAX_QUESTION_CHARS, Answerer
from bot.engine.digest import day_digest
from bot.engine.plain_text import format_date, short_title, source_label
from bot.engine.records import Answer
from bot.engine.replies import reply
from bot.engine.timeline import Timeline, build_timeline
from index.errors import BriefbotError
from index.knowledge_base import KnowledgeBase
from index.text.language import ENGLISH, detect_language
from index.text.sentences import split_sources

PROMPT = "? "
BRIEFS_SHOWN = 10
QUOTE_SHOWN_CHARS = 300
CHAT_KEY = "terminal"

HELP = """\
Type a question about the briefs (Indonesian or English) and press Enter.
  /today [DAY]      the newest brief (or DAY's, e.g. /today 12 November) as a cited summary
  /timeline TOPIC   how a story developed: one cited line per brief, oldest first
  /briefs  the latest briefs
  /status  what the index holds
  /help    this help
  /quit    leave (Ctrl-D works too)"""


def run_terminal_chat(
    kb: KnowledgeBase,
    *,
    answerer: Answerer | None = None,
    read_line: Callable[[str], str] = input,
    out: TextIO | None = None,
) -> int:
    """Chat until /quit or end of input; returns the exit status (0)."""
    stream = out or sys.stdout

    def say(line: str = "") -> None:
        print(line, file=stream, flush=True)

    answerer = answerer or Answerer(kb)
    # The commands answer in the conversation's language: the last answer's, else the words given.
    language = ENGLISH
    say("briefbot terminal chat — same answers as the Telegram bot.")
    say(HELP)
    say(_reindex_summary(kb))
    while True:
        try:
            line = read_line(PROMPT).strip()
        except (EOFError, KeyboardInterrupt):
            say()
            return 0
        if not line:
            continue
        command = line.split()[0].lower()
        if command in ("/quit", "/exit", "/q"):
            return 0
        if command == "/help":
            say(HELP)
        elif command in ("/today", "/latest"):
            day_text = line.partition(" ")[2]
            say(_today(kb, day_text, detect_language(day_text, default=language)))
        elif command == "/timeline":
            topic = line.partition(" ")[2].strip()
            timeline_language = detect_language(topic, default=language)
            say(format_timeline(build_timeline(kb, topic), timeline_language) if topic else "Usage: /timeline TOPIC")
        elif command == "/briefs":
            say(_briefs(kb))
        elif command == "/status":
            say(_status(kb))
        elif command.startswith("/"):
            say(f"Unknown command {command}. /help lists the commands.")
        else:
            if len(line) > MAX_QUESTION_CHARS:
                say(f"(only the first {MAX_QUESTION_CHARS} characters of the question are used)")
            answer = answerer.answer(line[:MAX_QUESTION_CHARS], chat_key=CHAT_KEY)
            language = answer.language
            say(format_answer(answer))


def format_answer(answer: Answer) -> str:
    """Plain text: the answer with its [n] markers, then each source with its quote."""
    lines = [*(f"({note})" for note in answer.notes), answer.text]
    if answer.abstained and answer.closest:
        lines.append("")
        lines.append("Closest briefs:" if answer.language == "en" else "Ringkasan terdekat:")
        lines += [
            f"  • {short_title(ref.title, ref.source)} — {format_date(ref.date, answer.language)} — {ref.brief_id}"
            for ref in answer.closest
        ]
    if answer.citations:
        lines.append("")
        for citation in answer.citations:
            lines.append(source_label(citation, answer.language))
            if split_sources(citation.quote)[0] in answer.text:
                continue  # a summary's or a topic's point already quotes it in full
            quote = textwrap.shorten(citation.quote, QUOTE_SHOWN_CHARS, placeholder=" …")
            lines += textwrap.wrap(f"“{quote}”", width=100, initial_indent="    ", subsequent_indent="    ")
    return "\n".join(lines) + "\n"


def format_timeline(timeline: Timeline, language: str) -> str:
    """Plain text: one "date — sentence [n]" line per brief, oldest first, then the sources."""
    if not timeline.entries:
        return reply(language, "timeline_empty", topic=timeline.topic) + "\n"
    lines = [reply(language, "timeline", topic=timeline.topic, count=str(len(timeline.entries))), ""]
    lines += [entry.line(language) for entry in timeline.entries]
    lines.append("")
    lines += [source_label(entry.citation, language) for entry in timeline.entries]
    return "\n".join(lines) + "\n"


def _today(kb: KnowledgeBase, day_text: str, language: str) -> str:
    digest = day_digest(kb, language, day_text)
    if digest is None:
        return f"{day_text.strip()!r} is not a day I can read; try /today 12 November."
    around = [
        f"{label}: /today {day.isoformat()}"
        for label, day in (("previous", digest.previous), ("next", digest.next))
        if day is not None
    ]
    return format_answer(digest.answer) + ("  ".join(around) + "\n" if around else "")


def _reindex_summary(kb: KnowledgeBase) -> str:
    """Index what changed first, as the bot does at start, so new briefs are there at once."""
    try:
        report = kb.reindex()
    except BriefbotError as error:
        return f"(index not updated: {error})"
    if not report.briefs_total:
        return "No briefs are indexed yet: put .txt, .md, .html or .pdf files in the briefs folder."
    changed = len(report.added) + len(report.updated) + len(report.removed)
    return f"{report.briefs_total} briefs, {report.chunks_total} chunks ({changed} changed since last time)."


def _briefs(kb: KnowledgeBase) -> str:
    briefs = kb.briefs()
    if not briefs:
        return "No briefs are indexed yet."
    lines = [
        f"{format_date(b.date, 'en')}  {b.brief_id}  {short_title(b.title, b.source)}" for b in briefs[:BRIEFS_SHOWN]
    ]
    if len(briefs) > BRIEFS_SHOWN:
        lines.append(f"… and {len(briefs) - BRIEFS_SHOWN} older")
    return "\n".join(lines)


def _status(kb: KnowledgeBase) -> str:
    status = kb.status()
    return "\n".join(
        [
            f"briefs:       {status.briefs}",
            f"chunks:       {status.chunks}",
            f"embedder:     {status.embedder}",
            f"last indexed: {status.last_indexed_at or 'never'}",
            f"latest brief: {format_date(status.latest_brief_date, 'en')}",
            f"size on disk: {status.size_bytes / 1e6:.1f} MB",
        ]
    )
