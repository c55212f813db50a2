"""The words an answer wraps around its quotes, in the user's language (plain text, no markup).

Telegram's own interface strings live in `bot/telegram_bot/texts.py`; these belong to the `Answer` itself, so
the terminal, the JSON output and Telegram all say the same.
"""

from __future__ import annotations

from index.text.language import detect_language

INDONESIAN = "id"
ENGLISH = "en"

_REPLIES: dict[str, dict[str, str]] = {
    "not_covered": {
        "id": "Ringkasan berita tidak membahas ini.",
        "en": "The briefs don't cover this.",
    },
    "no_briefs": {
        "id": "Belum ada ringkasan berita yang diindeks.",
        "en": "No briefs are indexed yet.",
    },
    "quoted_in": {
        "id": "Dikutip dari ringkasan berbahasa {source_language}.",
        "en": "Quoted from the briefs in {source_language}.",
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
