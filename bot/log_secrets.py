"""Keeps secrets out of logs: the bot token, the webhook secret, LLM_API_KEY, and the password of
any URL (DATABASE_URL, LLM_BASE_URL) are replaced before a handler writes a record.

Kept free of Telegram imports, so that every command (ask, chat, run) can use it.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import quote, urlsplit

from pydantic import SecretStr
from pydantic_settings import BaseSettings

REDACTED = "[redacted]"
# user:password@ in any URL a message quotes, whatever setting it came from.
_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^\s/@:]*:)[^\s/@]+@", re.IGNORECASE)


def secrets_of(settings: BaseSettings) -> list[str]:
    """Every secret a settings object holds: SecretStr values, and passwords inside URLs."""
    found: list[str] = []
    for name in type(settings).model_fields:
        value = getattr(settings, name, None)
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
            found.append(value)
        if isinstance(value, str) and "://" in value:
            password = urlsplit(value).password
            if password:
                found.append(password)
    return [secret for secret in found if secret]


class SecretRedactingFilter(logging.Filter):
    """Replaces secrets in a record's message, traceback and stack before a handler writes it.

    PTB logs its API URLs, token included, and httpx errors quote the URL they failed on.
    """

    def __init__(self) -> None:
        super().__init__()
        self._secrets: set[str] = set()

    def add(self, secret: str) -> None:
        if secret:
            self._secrets |= {secret, quote(secret, safe="")}

    def redact(self, value: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            value = value.replace(secret, REDACTED)
        return _URL_PASSWORD.sub(rf"\g<head>{REDACTED}@", value)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed record: the handler reports it itself
            return True
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


_REDACTOR = SecretRedactingFilter()


def protect_secrets_in_logs(*secrets_to_hide: str) -> None:
    """Keep these secrets out of every log line: quiet httpx (it logs each request URL) and
    put the redacting filter on every root handler (and on logging's last-resort handler)."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    for secret in secrets_to_hide:
        _REDACTOR.add(secret)
    for handler in [*logging.getLogger().handlers, logging.lastResort]:
        if handler is not None and _REDACTOR not in handler.filters:
            handler.addFilter(_REDACTOR)


def redact_secrets(value: str) -> str:
    """`value` with every secret given to `protect_secrets_in_logs` replaced."""
    return _REDACTOR.redact(value)
