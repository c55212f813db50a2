"""Short follow-ups ("dan Tiongkok?", "what about China?", "dan kemarin?") read in the light of
the last question.

A follow-up names a new subject for the previous question: the rewrite puts it where the previous
question's last name stood ("Siapa yang ditemui Shoigu di Beijing?" + "dan Tiongkok?" ->
"Siapa yang ditemui Shoigu di Tiongkok?"), or adds it when that question named nothing. A new
*day* ("kemarin", "12 November", "hari ke-991", "yesterday") replaces the previous question's
day instead, so a reader can walk back through the daily briefs with the same question.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from bot.engine.understanding import day_spans, read_day
from index.dates import MONTH_NAMES
from index.text.stopwords import NEWS_WORDS, QUESTION_WORDS, SMALL_TALK, is_topic_stop_word

# How long a chat's last question stays the context of a follow-up.
MEMORY_TTL_S = 15 * 60
# More chats than this and the oldest are forgotten, so memory stays bounded in a busy bot.
MEMORY_MAX_CHATS = 10_000
# A follow-up is short: a marker plus a name, or a bare name.
MAX_FOLLOWUP_WORDS = 6
MAX_BARE_FOLLOWUP_WORDS = 4

# Openings that mark a message as continuing the conversation, longest first.
_MARKERS = (
    "bagaimana dengan",
    "gimana dengan",
    "bagaimana kalau",
    "bagaimana soal",
    "kalau soal",
    "what about",
    "how about",
    "and what about",
    "dan bagaimana dengan",
    "dan",
    "lalu",
    "terus",
    "kalau",
    "sedangkan",
    "juga",
    "and",
    "also",
    "then",
)
_MARKER = re.compile(
    r"^\s*(?:" + "|".join(re.escape(m) for m in sorted(_MARKERS, key=len, reverse=True)) + r")\b\s*",
    re.IGNORECASE,
)
_WORD = re.compile(r"[\w'-]+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Turn:
    question: str  # the question as it was understood (after any rewrite)
    language: str
    at: float  # monotonic seconds
    # Whether it was answered: after "the briefs don't cover this", a bare name ("Shoigu?") is
    # a new question, not the same question about Shoigu.
    answered: bool = True


def followup_subject(message: str, *, bare: bool = True) -> str | None:
    """The new subject when `message` is elliptic ("dan Tiongkok?", "what about yesterday?",
    "Shoigu?"), else None: a full question, a request ("Ringkas berita hari ini") or a courtesy
    ("ok", "terima kasih") stands on its own."""
    words = [w.lower() for w in _WORD.findall(message)]
    if not words or len(words) > MAX_FOLLOWUP_WORDS or all(w in SMALL_TALK for w in words):
        return None
    marker = _MARKER.match(message)
    rest = message[marker.end() :] if marker else message
    rest_words = [w.lower() for w in _WORD.findall(rest)]
    if not rest_words or any(word in QUESTION_WORDS for word in rest_words):
        return None
    if marker is None:
        if not bare:
            return None
        # A bare follow-up names a day ("minggu lalu?"), or a name or a number and asks for
        # nothing ("Shoigu?", not "berita terbaru").
        if len(rest_words) > MAX_BARE_FOLLOWUP_WORDS:
            return None
        if read_day(rest) is not None and _only_a_day(rest):
            return rest.strip(" \t\n?!.,;:")
        if any(w in NEWS_WORDS for w in rest_words) or not _names_something(rest):
            return None
    return rest.strip(" \t\n?!.,;:")


# What may stand beside the day in a bare day follow-up ("pada 12 November?", "on the 12th?").
_DAY_PREPOSITIONS = frozenset("on pada tanggal tgl hari the of for untuk di in".split())


def _only_a_day(text: str) -> bool:
    cursor, rest = 0, []
    for start, end in day_spans(text):
        rest.append(text[cursor:start])
        cursor = end
    rest.append(text[cursor:])
    return all(w.lower() in _DAY_PREPOSITIONS for w in _WORD.findall(" ".join(rest)))


def _names_something(text: str) -> bool:
    return any(
        (word[0].isupper() or word[0].isdigit()) and not is_topic_stop_word(word) and word.lower() not in MONTH_NAMES
        for word in _WORD.findall(text)
    )


def rewrite(previous: str, subject: str) -> str:
    """`previous` asked about `subject` instead of its last name (or its day, when `subject` is
    one), or with `subject` added."""
    day = read_day(subject)
    if day is not None:
        return _with_day(previous, subject, relative=day.kind != "date")
    names = _name_spans(previous)
    if names:
        start, end = names[-1]
        return previous[:start] + subject + previous[end:]
    body = previous.rstrip(" ?!.")
    ending = previous[len(body) :]
    return f"{body} ({subject}){ending}"


# Words that introduce a day ("pada 13 November", "on November 13"): dropped before a relative
# day ("pada kemarin", "on yesterday" are not said).
_DAY_PREPOSITION = re.compile(r"(?:\b(?:pada|tanggal|hari|on)\b\s*)+$", re.IGNORECASE)


def _with_day(previous: str, day: str, *, relative: bool) -> str:
    """`previous` asked about `day` instead of its own day, or with `day` added; `relative`:
    `day` is "kemarin", "yesterday" and the like."""
    spans = day_spans(previous)
    if not spans:
        body = previous.rstrip(" ?!.")
        return f"{body} {day}{previous[len(body) :] or '?'}"
    *others, (start, end) = spans
    head, tail = previous[:start].rstrip(), previous[end:]
    if relative:
        head = _DAY_PREPOSITION.sub("", head).rstrip()
    elif head.split() and day.split()[0].lower() == head.split()[-1].lower():
        head = head[: head.lower().rfind(head.split()[-1].lower())].rstrip()  # "pada hari" + "hari ke-991"
    question = f"{head} {day}{tail}"
    for other_start, other_end in reversed(others):  # any earlier day words go
        question = question[:other_start].rstrip() + " " + question[other_end:].lstrip()
    return question


def _name_spans(question: str) -> list[tuple[int, int]]:
    """(start, end) of each run of capitalised words or numbers: the names a question mentions.

    A capitalised function or question word ("Siapa", "What") is sentence case, not a name; a
    date's words are its day.
    """
    spans: list[tuple[int, int]] = []
    days = day_spans(question)
    for position, match in enumerate(_WORD.finditer(question)):
        word = match.group()
        if not (word[0].isupper() or word[0].isdigit()) or is_topic_stop_word(word):
            continue
        if any(start <= match.start() < end for start, end in days):
            continue  # "13 November", "bulan November 2024": a day, not a name
        if position == 0 and word.lower() in NEWS_WORDS:
            continue  # "Ringkas berita ...", "Tell me ...": sentence case
        if spans and not question[spans[-1][1] : match.start()].strip():
            spans[-1] = (spans[-1][0], match.end())  # "Korea Utara", "Wang Yi": one name
        else:
            spans.append((match.start(), match.end()))
    return spans


class RememberedTurn(Protocol):
    # Read-only: the turns are frozen records (`Turn`, `bot.state.postgres.SharedTurn`).
    @property
    def question(self) -> str: ...

    @property
    def language(self) -> str: ...

    @property
    def answered(self) -> bool: ...


class ChatMemory(Protocol):
    """Where the last question of each chat is kept: in this process (`ConversationMemory`), or
    shared by every bot process on one PostgreSQL (`bot.state.shared_conversation_memory`)."""

    def last(self, chat_key: str) -> RememberedTurn | None: ...

    def remember(self, chat_key: str, question: str, language: str, *, answered: bool = True) -> None: ...


class ConversationMemory:
    """The last question of each chat, for a while; safe to share between threads."""

    def __init__(self, ttl_s: float = MEMORY_TTL_S, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl_s = ttl_s
        self._clock = clock
        self._turns: dict[str, Turn] = {}
        self._lock = threading.Lock()

    def last(self, chat_key: str) -> Turn | None:
        with self._lock:
            turn = self._turns.get(chat_key)
            if turn is None or self._clock() - turn.at > self._ttl_s:
                self._turns.pop(chat_key, None)
                return None
            return turn

    def remember(self, chat_key: str, question: str, language: str, *, answered: bool = True) -> None:
        with self._lock:
            self._turns.pop(chat_key, None)  # re-inserted last: the dict stays oldest-first
            self._turns[chat_key] = Turn(question, language, self._clock(), answered)
            while len(self._turns) > MEMORY_MAX_CHATS:
                del self._turns[next(iter(self._turns))]
