"""The words an answer wraps around its quotes, in the user's language (plain text, no markup).

Telegram's own interface strings live in `bot/telegram_bot/texts.py`; these belong to the `Answer` itself, so
the terminal, the JSON output and Telegram all say the same.
"""

from __future__ import annotations

from datetime import date

from index.dates import INDONESIAN_MONTHS
from index.text.language import detect_language

INDONESIAN = "id"
ENGLISH = "en"

_REPLIES: dict[str, dict[str, str]] = {
    # A source's label (`plain_text.source_label`).
    "also_in": {"id": "juga di ringkasan {dates}", "en": "also in the briefs of {dates}"},
    "reported_by": {"id": "dilaporkan {sources}", "en": "reported by {sources}"},
    "no_date": {"id": "tanpa tanggal", "en": "no date"},
    "not_covered": {
        "id": "Ringkasan berita tidak membahas ini.",
        "en": "The briefs don't cover this.",
    },
    "unknown_name": {
        "id": "Ringkasan berita tidak menyebut {names}.",
        "en": "The briefs don't mention {names}.",
    },
    "no_briefs": {
        "id": "Belum ada ringkasan berita yang diindeks.",
        "en": "No briefs are indexed yet.",
    },
    "quoted_in": {
        "id": "Dikutip dari ringkasan berbahasa {source_language}.",
        "en": "Quoted from the briefs in {source_language}.",
    },
    "no_brief_on_date": {
        "id": "Tidak ada ringkasan berita untuk {day}.",
        "en": "There is no brief for {day}.",
    },
    "nearest_briefs": {
        "id": "Ringkasan terdekat: {days}.",
        "en": "The nearest briefs are from {days}.",
    },
    "no_brief_relative": {
        "id": "Tidak ada ringkasan untuk {day}: ringkasan terbaru bertanggal {newest}.",
        "en": "There is no brief for {day}: the newest brief is from {newest}.",
    },
    "day_summary": {
        "id": "Ringkasan berita {day}:",
        "en": "The brief of {day}:",
    },
    "topic": {
        "id": "Yang dikatakan ringkasan tentang {topic}, terbaru dulu:",
        "en": "What the briefs say about {topic}, newest first:",
    },
    "topic_latest": {
        "id": "Berita terbaru tentang {topic}:",
        "en": "The latest on {topic}:",
    },
    "topic_on_day": {
        "id": "{topic} dalam ringkasan {day}:",
        "en": "{topic} in the brief of {day}:",
    },
    "topic_not_on_day": {
        "id": "Ringkasan {day} tidak membahas {topic}.",
        "en": "The brief of {day} doesn't mention {topic}.",
    },
    "statement": {
        "id": "Yang dikatakan {who} menurut ringkasan, terbaru dulu:",
        "en": "What {who} said, per the briefs, newest first:",
    },
    "small_talk": {
        "id": "Siap! Tanyakan apa saja tentang ringkasan berita, misalnya «Ringkas berita hari ini» "
        "atau «Apa kabar terbaru tentang {example}?».",
        "en": "Sure! Ask me anything about the briefs, e.g. “Summarize today's brief” "
        "or “What’s the latest on {example}?”.",
    },
    "timeline": {
        "id": "Perkembangan {topic} dalam {count} ringkasan, terlama dulu:",
        "en": "How {topic} developed, in {count} briefs, oldest first:",
    },
    "timeline_empty": {
        "id": "Tidak ada ringkasan yang membahas {topic}.",
        "en": "No brief reports on {topic}.",
    },
    "alert": {
        "id": "🔔 {topics} — ringkasan {day}:",
        "en": "🔔 {topics} — the brief of {day}:",
    },
    "understood_as": {
        "id": "Dipahami sebagai: {question}",
        "en": "Understood as: {question}",
    },
}

_LANGUAGE_NAMES: dict[str, dict[str, str]] = {
    "id": {"id": "Indonesia", "en": "Inggris"},
    "en": {"id": "Indonesian", "en": "English"},
}


_MONTHS = {
    "id": INDONESIAN_MONTHS,
    "en": tuple("January February March April May June July August September October November December".split()),
}
_TODAY_WORDS = {
    "today": {"id": "hari ini", "en": "today"},
    "yesterday": {"id": "kemarin", "en": "yesterday"},
    "last_week": {"id": "minggu lalu", "en": "last week"},
}


def format_day(day: date | None, language: str, *, short: bool = False) -> str:
    """ "13 November 2024" in Indonesian, "November 13, 2024" in English ("13 Nov 2024" short)."""
    if day is None:
        return "?"
    month = _MONTHS.get(language, _MONTHS[ENGLISH])[day.month - 1]
    if short:
        return f"{day.day} {month[:3]} {day.year}"
    if language == INDONESIAN:
        return f"{day.day} {month} {day.year}"
    return f"{month} {day.day}, {day.year}"


def format_month(first: date, language: str, days: tuple[int, int] = (1, 31)) -> str:
    """ "November 2025" (the same words in both languages but for the month's name); a part of
    it (`days`) as "early November 2025" / "awal November 2025"."""
    month = f"{_MONTHS.get(language, _MONTHS[ENGLISH])[first.month - 1]} {first.year}"
    part = _MONTH_PARTS.get(days)
    return f"{part.get(language, part[ENGLISH])} {month}" if part else month


_MONTH_PARTS = {
    (1, 10): {ENGLISH: "early", "id": "awal"},
    (11, 20): {ENGLISH: "mid", "id": "pertengahan"},
    (21, 31): {ENGLISH: "late", "id": "akhir"},
}


def relative_day(kind: str, language: str) -> str:
    """How the reply names "today", "yesterday", "last week" in `language`."""
    names = _TODAY_WORDS.get(kind, {})
    return names.get(language, names.get(ENGLISH, kind))


def reply(language: str, key: str, **values: str) -> str:
    """The `key` sentence in `language` ("id", else English), with `values` filled in."""
    texts = _REPLIES[key]
    return texts.get(language, texts[ENGLISH]).format(**values)


def language_name(language_of_text: str, reply_language: str) -> str:
    """How the reply names a language: "Indonesian" in English, "Indonesia" in Indonesian."""
    names = _LANGUAGE_NAMES.get(reply_language, _LANGUAGE_NAMES[ENGLISH])
    return names.get(language_of_text, language_of_text)


def reply_language(question: str, language_code: str | None, default: str) -> str:
    """Telegram's language_code when given ("id*" -> Indonesian, anything else English), else
    the question's own language, `default` when the question doesn't tell."""
    if language_code:
        return INDONESIAN if language_code.lower().startswith("id") else ENGLISH
    return detect_language(question, default=default)
