"""A local Telegram Bot API server for end-to-end tests.

The bot under test talks real HTTP to this server exactly as it would to
api.telegram.org or a self-hosted telegram-bot-api server:

    ApplicationBuilder().token(TOKEN)
        .base_url(server.base_url).base_file_url(server.base_file_url)

Methods arrive at ``{url}/bot<token>/<method>`` and file downloads at
``{url}/file/bot<token>/<file_path>``. The server listens on 127.0.0.1 only, on a
port the OS picks, and never opens a connection anywhere but 127.0.0.1 (it does not
fetch files given by URL; webhooks are delivered only to the local endpoints a test
names with :meth:`deliver_webhooks_to`, in turn, as a load balancer in front of
several bot replicas behind the one webhook URL would).

It runs in a background thread with its own event loop, so the bot under test can
use the test's event loop freely; every public method is thread-safe.

Requests are validated the way Telegram validates them (HTML parse mode, message
length in UTF-16 code units, inline keyboards, callback query answers, ...), so
that the bot's formatting bugs fail the tests instead of production. Deliberate
differences from Telegram:

* a ``&`` that starts no HTML entity is rejected (Telegram keeps it literally,
  but its documentation requires escaping it, and an unescaped ``&lt`` in
  source text would silently turn into ``<``);
* MarkdownV2/Markdown text is accepted as-is, without parsing;
* only the methods the bot needs exist; any other answers 404 and is recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import logging
import mimetypes
import re
import socket
import threading
import time
import traceback
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, TypeVar
from urllib.parse import urlsplit

import tornado.httpserver
import tornado.httputil
import tornado.netutil
import tornado.web

_LOGGER = logging.getLogger(__name__)

T = TypeVar("T")
JsonDict = dict[str, Any]

# --------------------------------------------------------------------------------------
# Public value types
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class User:
    """A Telegram user taking part in a test conversation."""

    id: int
    first_name: str
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False
    last_name: str | None = None

    def to_api(self) -> JsonDict:
        """The Bot API ``User`` object."""
        user: JsonDict = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key) is not None:
                user[key] = getattr(self, key)
        return user


@dataclass(frozen=True)
class Chat:
    """A chat the test talks in. By convention a private chat's id is the user's id."""

    id: int
    type: str = "private"
    title: str | None = None
    username: str | None = None
    is_forum: bool = False  # a supergroup with topics

    @classmethod
    def private(cls, user: User) -> Chat:
        """The private chat between ``user`` and the bot."""
        return cls(id=user.id, type="private", username=user.username)


@dataclass(frozen=True)
class UploadedFile:
    """One file part of a multipart request."""

    filename: str
    content_type: str
    body: bytes


@dataclass(frozen=True)
class Call:
    """One HTTP request the bot made, as the server understood and answered it.

    ``params`` are decoded: numbers and booleans sent as form strings are converted,
    and JSON-encoded fields (``reply_markup``, ``entities``, ...) are parsed.
    File downloads are recorded with ``method == "file"`` and the ``file_path``
    as their only parameter.
    """

    method: str
    params: JsonDict
    files: dict[str, UploadedFile]
    status: int
    response: JsonDict
    http_method: str
    injected_failure: bool = False
    client_disconnected: bool = False

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def result(self) -> Any:
        return self.response.get("result")

    @property
    def description(self) -> str | None:
        return self.response.get("description")


# --------------------------------------------------------------------------------------
# Errors as the Bot API reports them
# --------------------------------------------------------------------------------------


class _ApiError(Exception):
    """An error answer: ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(self, error_code: int, description: str, parameters: JsonDict | None = None):
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def body(self) -> JsonDict:
        body: JsonDict = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad_request(reason: str) -> _ApiError:
    return _ApiError(400, f"Bad Request: {reason}")


def _not_found() -> _ApiError:
    return _ApiError(404, "Not Found")


_DEFAULT_FAILURE_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict",
    500: "Internal Server Error",
    502: "Bad Gateway",
}

# --------------------------------------------------------------------------------------
# Text: UTF-16 lengths, Telegram's HTML parse mode, trimming, entity detection
# --------------------------------------------------------------------------------------

MAX_MESSAGE_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
_TRIMMED_WHITESPACE = " \t\n\r"


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _utf16_offsets(text: str) -> list[int]:
    """UTF-16 offset of every str index of ``text``, plus one for its end."""
    units = (2 if ord(char) > 0xFFFF else 1 for char in text)
    return list(itertools.accumulate(units, initial=0))


class _HtmlError(Exception):
    """Why Telegram would refuse an HTML text; the part after "can't parse entities: "."""


_HTML_SPACES = " \t\n\r\f\v"
_HTML_TAGS = frozenset(
    {"a", "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler"}
    | {"tg-emoji", "code", "pre", "blockquote"}
)
_ENTITY_TYPE_OF_TAG = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "code": "code",
}
_NAMED_HTML_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def _decode_html_entity(source: str, pos: int) -> tuple[str, int] | None:
    """Decode the HTML entity at ``source[pos] == "&"``: (character, end) or None.

    Follows TDLib: numeric and the four named entities; the ``;`` is optional.
    """
    end = pos + 1
    if source.startswith("#", end):
        end += 1
        hexadecimal = source.startswith("x", end)
        end += hexadecimal
        digits = "0123456789abcdefABCDEF" if hexadecimal else "0123456789"
        start = end
        while end < len(source) and source[end] in digits:
            end += 1
        if end == start:
            return None
        code = int(source[start:end], 16 if hexadecimal else 10)
        if code == 0 or code >= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return None
        char = chr(code)
    else:
        while end < len(source) and source[end].isascii() and source[end].isalpha():
            end += 1
        named = _NAMED_HTML_ENTITIES.get(source[pos + 1 : end])
        if named is None:
            return None
        char = named
    if source.startswith(";", end):
        end += 1
    return char, end


def _normalized_link(url: str) -> str | None:
    """The URL Telegram stores for ``<a href>``, or None when it drops the link."""
    url = url.strip()
    if not url or any(char.isspace() for char in url):
        return None
    if url.startswith(("tg:", "ton:")):
        return url
    parts = urlsplit(url if "://" in url else f"http://{url}")
    host = parts.hostname or ""
    if parts.scheme.lower() not in ("http", "https") or "." not in host:
        return None
    return parts._replace(path=parts.path or "/").geturl()


@dataclass
class _OpenTag:
    name: str
    argument: str
    byte_offset: int
    utf16_offset: int
    output_index: int
    language: str = ""


class _HtmlParser:
    """Telegram's HTML parse mode (a port of TDLib's ``parse_html``).

    Produces the plain text and its entities with offsets in UTF-16 code units;
    error messages quote byte offsets into the UTF-8 source, as Telegram does.
    """

    def __init__(self, source: str):
        self._source = source
        self._byte_offsets = list(itertools.accumulate((len(c.encode()) for c in source), initial=0))
        self._pos = 0
        self._output: list[str] = []
        self._utf16_offset = 0
        self._open_tags: list[_OpenTag] = []
        self._entities: list[JsonDict] = []

    def parse(self) -> tuple[str, list[JsonDict]]:
        source = self._source
        while self._pos < len(source):
            char = source[self._pos]
            if char == "&":
                self._consume_html_entity()
            elif char == "<" and source.startswith("/", self._pos + 1):
                self._consume_end_tag()
            elif char == "<":
                self._consume_start_tag()
            else:
                self._emit(char)
                self._pos += 1
        if self._open_tags:
            name = self._open_tags[-1].name
            raise _HtmlError(f'Can\'t find end tag corresponding to start tag "{name}"')
        return "".join(self._output), sorted(self._entities, key=_entity_order)

    def _byte(self, pos: int) -> int:
        return self._byte_offsets[min(pos, len(self._source))]

    def _emit(self, text: str) -> None:
        self._output.append(text)
        self._utf16_offset += utf16_len(text)

    def _skip_spaces(self, pos: int) -> int:
        while pos < len(self._source) and self._source[pos] in _HTML_SPACES:
            pos += 1
        return pos

    def _scan_name(self, pos: int, stops: str) -> int:
        while pos < len(self._source) and self._source[pos] not in stops:
            pos += 1
        return pos

    def _consume_html_entity(self) -> None:
        decoded = _decode_html_entity(self._source, self._pos)
        if decoded is None:
            # Stricter than Telegram, which keeps a stray "&" literally; see module docstring.
            raise _HtmlError(f'Unescaped "&" at byte offset {self._byte(self._pos)}, use "&amp;"')
        char, self._pos = decoded
        self._emit(char)

    def _consume_start_tag(self) -> None:
        begin = self._pos
        end_of_name = self._scan_name(begin + 1, _HTML_SPACES + ">")
        if end_of_name >= len(self._source):
            raise _HtmlError(f"Unclosed start tag at byte offset {self._byte(begin)}")
        name = self._source[begin + 1 : end_of_name].lower()
        if name not in _HTML_TAGS:
            raise _HtmlError(f'Unsupported start tag "{name}" at byte offset {self._byte(begin)}')
        argument, self._pos = self._consume_attributes(name, begin, end_of_name)
        if name == "span" and argument != "spoiler":
            raise _HtmlError(f'Tag "span" must have class "tg-spoiler" at byte offset {self._byte(begin)}')
        self._open_tags.append(_OpenTag(name, argument, self._byte(begin), self._utf16_offset, len(self._output)))

    def _consume_attributes(self, tag: str, begin: int, pos: int) -> tuple[str, int]:
        """Read the attributes up to ``>``: (the tag's argument, position after ``>``)."""
        source = self._source
        argument = ""
        while True:
            pos = self._skip_spaces(pos)
            if pos >= len(source):
                raise _HtmlError(f"Unclosed start tag at byte offset {self._byte(begin)}")
            if source[pos] == ">":
                return argument, pos + 1
            name_start = pos
            pos = self._scan_name(pos, _HTML_SPACES + "=>")
            attribute = source[name_start:pos].lower()
            if not attribute:
                raise _HtmlError(f'Empty attribute name in the tag "{tag}" at byte offset {self._byte(begin)}')
            pos = self._skip_spaces(pos)
            if not source.startswith("=", pos):
                if tag == "blockquote" and attribute == "expandable":
                    argument = "expandable"
                    continue
                raise _HtmlError(
                    "Expected equal sign in declaration of an attribute of the tag "
                    f'"{tag}" at byte offset {self._byte(begin)}'
                )
            pos = self._skip_spaces(pos + 1)
            if pos >= len(source):
                raise _HtmlError(f"Unclosed start tag at byte offset {self._byte(begin)}")
            value, pos = self._attribute_value(pos)
            argument = _tag_argument(tag, attribute, value, argument)

    def _attribute_value(self, pos: int) -> tuple[str, int]:
        source = self._source
        if source[pos] not in "'\"":
            # An unquoted value is an HTML name token: letters, digits, "." and "-".
            start = pos
            while pos < len(source) and source[pos].isascii() and (source[pos].isalnum() or source[pos] in ".-"):
                pos += 1
            if pos < len(source) and source[pos] not in _HTML_SPACES + ">":
                raise _HtmlError(f"Unexpected end of name token at byte offset {self._byte(pos)}")
            return source[start:pos].lower(), pos
        quote = source[pos]
        pos += 1
        value: list[str] = []
        while pos < len(source) and source[pos] != quote:
            # Inside attribute values a stray "&" stays literal (URLs are full of them).
            decoded = _decode_html_entity(source, pos) if source[pos] == "&" else None
            if decoded is None:
                value.append(source[pos])
                pos += 1
            else:
                value.append(decoded[0])
                pos = decoded[1]
        return "".join(value), pos + 1

    def _consume_end_tag(self) -> None:
        begin = self._pos
        if not self._open_tags:
            raise _HtmlError(f"Unexpected end tag at byte offset {self._byte(begin)}")
        end_of_name = self._scan_name(begin + 2, _HTML_SPACES + ">")
        name = self._source[begin + 2 : end_of_name].lower()
        closing = self._skip_spaces(end_of_name)
        if not self._source.startswith(">", closing):
            raise _HtmlError(f"Unclosed end tag at byte offset {self._byte(begin)}")
        expected = self._open_tags[-1].name
        if name and name != expected:
            raise _HtmlError(
                f'Unmatched end tag at byte offset {self._byte(begin)}, expected "</{expected}>", found "</{name}>"'
            )
        self._pos = closing + 1
        self._close(self._open_tags.pop())

    def _close(self, tag: _OpenTag) -> None:
        if tag.name == "code" and self._open_tags and self._open_tags[-1].name == "pre":
            # <pre><code class="language-x">…</code></pre> is one "pre" entity with a language.
            self._open_tags[-1].language = tag.argument
            return
        length = self._utf16_offset - tag.utf16_offset
        entity = self._entity(tag) if length else None
        if entity is not None:
            self._entities.append({"offset": tag.utf16_offset, "length": length, **entity})

    def _entity(self, tag: _OpenTag) -> JsonDict | None:
        if tag.name in _ENTITY_TYPE_OF_TAG:
            return {"type": _ENTITY_TYPE_OF_TAG[tag.name]}
        if tag.name == "pre":
            return {"type": "pre", "language": tag.language} if tag.language else {"type": "pre"}
        if tag.name == "blockquote":
            return {"type": "expandable_blockquote" if tag.argument else "blockquote"}
        if tag.name == "tg-emoji":
            if not tag.argument.isdigit():
                raise _HtmlError("Invalid custom emoji identifier specified")
            return {"type": "custom_emoji", "custom_emoji_id": tag.argument}
        # <a>: without href the link is the text itself; Telegram drops invalid links silently.
        url = _normalized_link(tag.argument or "".join(self._output[tag.output_index :]))
        return {"type": "text_link", "url": url} if url else None


def _tag_argument(tag: str, attribute: str, value: str, current: str) -> str:
    """The one attribute value each tag cares about; other attributes are ignored."""
    if tag == "a" and attribute == "href":
        return value
    if tag == "code" and attribute == "class" and value.startswith("language-"):
        return value.removeprefix("language-")
    if tag == "span" and attribute == "class" and value.startswith("tg-"):
        return value.removeprefix("tg-")
    if tag == "tg-emoji" and attribute == "emoji-id":
        return value
    return current


def parse_html(source: str) -> tuple[str, list[JsonDict]]:
    """Parse Telegram-HTML into (text, entities); raises ValueError like Telegram would refuse."""
    try:
        return _HtmlParser(source).parse()
    except _HtmlError as error:
        raise ValueError(f"can't parse entities: {error}") from error


def _entity_order(entity: JsonDict) -> tuple[int, int]:
    # Telegram lists entities by offset, an enclosing entity before the ones inside it.
    return entity["offset"], -entity["length"]


def _trimmed(text: str, entities: list[JsonDict]) -> tuple[str, list[JsonDict]]:
    """Strip leading/trailing whitespace as Telegram does, keeping entities aligned."""
    stripped = text.strip(_TRIMMED_WHITESPACE)
    shift = utf16_len(text[: len(text) - len(text.lstrip(_TRIMMED_WHITESPACE))])
    total = utf16_len(stripped)
    kept = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, total)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept


# Entities Telegram finds by itself in any message text, in priority order.
_DETECTED_ENTITY_PATTERNS = (
    ("url", re.compile(r"\bhttps?://[^\s<>\"']*[^\s<>\"'.,;:!?)\]]")),
    ("bot_command", re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/@])")),
    ("mention", re.compile(r"(?<![\w@/])@[A-Za-z0-9_]{3,32}(?![\w@])")),
    ("hashtag", re.compile(r"(?<![\w#/])#\w*[^\W\d]\w*")),
)
# Telegram finds nothing inside code and inside explicit links.
_NO_DETECTION_INSIDE = frozenset({"code", "pre", "text_link", "text_mention", "custom_emoji"})


def _overlaps(a: JsonDict, b: JsonDict) -> bool:
    return bool(a["offset"] < b["offset"] + b["length"] and b["offset"] < a["offset"] + a["length"])


def _with_detected_entities(text: str, entities: list[JsonDict]) -> list[JsonDict]:
    offsets = _utf16_offsets(text)
    # Explicit entities of the detectable kinds are not detected a second time.
    blocking = _NO_DETECTION_INSIDE | {entity_type for entity_type, _ in _DETECTED_ENTITY_PATTERNS}
    taken = [entity for entity in entities if entity["type"] in blocking]
    detected: list[JsonDict] = []
    for entity_type, pattern in _DETECTED_ENTITY_PATTERNS:
        for match in pattern.finditer(text):
            start, end = offsets[match.start()], offsets[match.end()]
            candidate = {"offset": start, "length": end - start, "type": entity_type}
            if not any(_overlaps(candidate, other) for other in taken + detected):
                detected.append(candidate)
    return sorted(entities + detected, key=_entity_order)


def _explicit_entities(value: Any) -> list[JsonDict]:
    if not isinstance(value, list) or not all(
        isinstance(entity, dict)
        and isinstance(entity.get("type"), str)
        and isinstance(entity.get("offset"), int)
        and isinstance(entity.get("length"), int)
        for entity in value
    ):
        raise _bad_request("can't parse entities JSON object")
    return [entity for entity in value if entity["length"] > 0]


def _formatted_text(text: Any, parse_mode: Any, entities: Any) -> tuple[str, list[JsonDict]]:
    """Apply parse_mode (or explicit entities), trim, and add auto-detected entities."""
    plain = "" if text is None else str(text)
    mode = str(parse_mode or "").lower()
    if entities is not None:
        parsed = _explicit_entities(entities)
    elif mode == "html":
        try:
            plain, parsed = parse_html(plain)
        except ValueError as error:
            raise _bad_request(str(error)) from error
    elif mode in ("", "markdown", "markdownv2"):
        parsed = []
    else:
        raise _bad_request("unsupported parse_mode")
    plain, parsed = _trimmed(plain, parsed)
    return plain, _with_detected_entities(plain, parsed)


def _message_text(params: JsonDict) -> tuple[str, list[JsonDict]]:
    text, entities = _formatted_text(params.get("text"), params.get("parse_mode"), params.get("entities"))
    if not text:
        raise _bad_request("message text is empty")
    if utf16_len(text) > MAX_MESSAGE_LENGTH:
        raise _bad_request("message is too long")
    return text, entities


def _caption(params: JsonDict) -> JsonDict:
    """The caption fields of a media message (empty when there is no caption)."""
    caption, entities = _formatted_text(params.get("caption"), params.get("parse_mode"), params.get("caption_entities"))
    if utf16_len(caption) > MAX_CAPTION_LENGTH:
        raise _bad_request("message caption is too long")
    return _without_empty({"caption": caption, "caption_entities": entities})


def _without_empty(fields: JsonDict) -> JsonDict:
    """Drop absent optional fields: the Bot API omits them rather than sending null."""
    return {key: value for key, value in fields.items() if value not in (None, "", [], {})}


# --------------------------------------------------------------------------------------
# Request parameters
# --------------------------------------------------------------------------------------

_INT_PARAMS = frozenset(
    {"message_id", "offset", "limit", "timeout", "reply_to_message_id", "message_thread_id"}
    | {"cache_time", "max_connections", "user_id", "from_chat_id"}
)
_BOOL_PARAMS = frozenset(
    {"disable_notification", "protect_content", "show_alert", "drop_pending_updates", "is_personal"}
    | {"allow_sending_without_reply", "disable_web_page_preview", "disable_content_type_detection"}
)
_JSON_PARAMS = frozenset(
    {"reply_markup", "reply_parameters", "link_preview_options", "entities", "caption_entities"}
    | {"allowed_updates", "commands", "scope", "results", "button"}
)
_JSON_PARSE_ERRORS = {"reply_markup": "can't parse reply keyboard markup JSON object"}


def _coerced_params(raw: JsonDict) -> JsonDict:
    """Give every parameter its type: form fields arrive as strings, JSON bodies typed."""
    return {name: _coerced(name, value) for name, value in raw.items()}


def _coerced(name: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if name == "chat_id":
        return int(value) if re.fullmatch(r"-?\d+", value.strip()) else value.strip()
    if name in _INT_PARAMS:
        try:
            return int(value)
        except ValueError:
            raise _bad_request(f'parameter "{name}" must be an Integer') from None
    if name in _BOOL_PARAMS:
        return value.strip().lower() in ("true", "1")
    if name in _JSON_PARAMS:
        try:
            return json.loads(value)
        except ValueError:
            raise _bad_request(_JSON_PARSE_ERRORS.get(name, f"can't parse {name} JSON object")) from None
    return value


def _decode_form_value(value: bytes) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        raise _bad_request("strings must be encoded in UTF-8") from None


def _request_params(request: tornado.httputil.HTTPServerRequest) -> tuple[JsonDict, dict[str, UploadedFile]]:
    """Parameters from the query string plus a JSON, urlencoded or multipart body."""
    params: JsonDict = {name: _decode_form_value(values[-1]) for name, values in request.query_arguments.items()}
    content_type = request.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type == "application/json" and request.body:
        try:
            body = json.loads(request.body)
        except ValueError:
            raise _bad_request("can't parse JSON encoded request") from None
        if not isinstance(body, dict):
            raise _bad_request("JSON request body must be an Object")
        params.update(body)
    else:
        params.update({name: _decode_form_value(values[-1]) for name, values in request.body_arguments.items()})
    files = {
        name: UploadedFile(parts[-1].filename, parts[-1].content_type, parts[-1].body)
        for name, parts in request.files.items()
    }
    return params, files


# --------------------------------------------------------------------------------------
# Reply markup
# --------------------------------------------------------------------------------------

_BUTTON_ACTION_TYPES: dict[str, type] = {
    "url": str,
    "callback_data": str,
    "web_app": dict,
    "login_url": dict,
    "switch_inline_query": str,
    "switch_inline_query_current_chat": str,
    "switch_inline_query_chosen_chat": dict,
    "copy_text": dict,
    "callback_game": dict,
    "pay": bool,
}
# These may be empty strings; for the other string fields Telegram treats "" as absent.
_MAY_BE_EMPTY = frozenset({"switch_inline_query", "switch_inline_query_current_chat"})
_TYPE_NAMES = {str: "String", dict: "Object", bool: "Boolean"}
MAX_CALLBACK_DATA_BYTES = 64


MAX_INLINE_RESULTS = 50
MAX_INLINE_OFFSET_BYTES = 64
MAX_INLINE_RESULT_ID_BYTES = 64
_ADMIN_RIGHTS = {
    "can_be_edited": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
}


def _inline_result(result: Any) -> JsonDict:
    """One InlineQueryResult, checked; articles in full (the kind a text bot sends)."""
    if not isinstance(result, dict) or not isinstance(result.get("type"), str):
        raise _bad_request("can't parse inline query result")
    result_id = result.get("id")
    if not isinstance(result_id, str) or not 1 <= len(result_id.encode()) <= MAX_INLINE_RESULT_ID_BYTES:
        raise _bad_request("RESULT_ID_INVALID")
    if result["type"] != "article":
        raise _bad_request(f"inline query result type {result['type']!r} is not supported by the test server")
    title = result.get("title")
    if not isinstance(title, str) or not title.strip():
        raise _bad_request("RESULT_TITLE_EMPTY")
    content = result.get("input_message_content")
    if not isinstance(content, dict) or "message_text" not in content:
        raise _bad_request("can't parse input message content")
    text, entities = _message_text(
        {"text": content["message_text"], "parse_mode": content.get("parse_mode"), "entities": content.get("entities")}
    )
    markup = _reply_markup({"reply_markup": result["reply_markup"]}) if "reply_markup" in result else None
    return _without_empty(
        {
            "id": result_id,
            "type": "article",
            "title": title,
            "description": result.get("description"),
            "message": {"text": text, "entities": entities},
            "reply_markup": markup,
        }
    )


def _button_error(reason: str) -> _ApiError:
    return _bad_request(f"can't parse inline keyboard button: {reason}")


def _button_actions(button: JsonDict) -> list[str]:
    actions = []
    for key, expected in _BUTTON_ACTION_TYPES.items():
        value = button.get(key)
        if value is None:
            continue
        if not isinstance(value, expected):
            raise _button_error(f'Field "{key}" must be of type {_TYPE_NAMES[expected]}')
        if value or key in _MAY_BE_EMPTY or expected is dict:
            actions.append(key)
    return actions


def _inline_button(button: Any) -> JsonDict:
    if not isinstance(button, dict):
        raise _button_error("InlineKeyboardButton must be an Object")
    text = button.get("text")
    if not isinstance(text, str):
        raise _button_error('Field "text" must be of type String')
    if not text.strip():
        raise _bad_request("BUTTON_TEXT_INVALID")
    actions = _button_actions(button)
    if not actions:
        raise _button_error("Text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        raise _button_error(f"exactly one of the optional fields must be used, got {', '.join(actions)}")
    action = actions[0]
    value = button[action]
    if action == "callback_data" and len(value.encode("utf-8")) > MAX_CALLBACK_DATA_BYTES:
        raise _bad_request("BUTTON_DATA_INVALID")
    if action == "url" and not _is_button_url(value):
        raise _bad_request("BUTTON_URL_INVALID")
    return {"text": text, action: value}


def _is_button_url(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("http", "https"):
        return "." in (parts.hostname or "")
    return parts.scheme == "tg" and bool(parts.netloc or parts.path)


def _inline_keyboard(rows: Any) -> JsonDict | None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _bad_request('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays')
    keyboard = [[_inline_button(button) for button in row] for row in rows if row]
    # An empty inline keyboard means "no keyboard".
    return {"inline_keyboard": keyboard} if keyboard else None


def _check_reply_keyboard(rows: Any) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _bad_request('field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays')
    for button in itertools.chain.from_iterable(rows):
        text = button.get("text") if isinstance(button, dict) else button
        if not isinstance(text, str) or not text:
            raise _bad_request('can\'t parse keyboard button: Field "text" must be of type String')


def _reply_markup(params: JsonDict) -> JsonDict | None:
    """Validate ``reply_markup``; returns what a Message carries (only inline keyboards)."""
    markup = params.get("reply_markup")
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise _bad_request(_JSON_PARSE_ERRORS["reply_markup"])
    if "inline_keyboard" in markup:
        return _inline_keyboard(markup["inline_keyboard"])
    if "keyboard" in markup:
        _check_reply_keyboard(markup["keyboard"])
        return None
    if markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
        return None
    raise _bad_request(_JSON_PARSE_ERRORS["reply_markup"])


def _callback_data_of(message: JsonDict) -> set[str]:
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return {button["callback_data"] for button in itertools.chain.from_iterable(rows) if "callback_data" in button}


# --------------------------------------------------------------------------------------
# Cross-thread change notification
# --------------------------------------------------------------------------------------


class _ChangeFeed:
    """Wakes whoever waits for the server state to change, in any thread or event loop.

    It never calls back into the server while holding its own lock, so it cannot
    deadlock with the server's state lock.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._condition = threading.Condition(self._lock)
        self._version = 0
        self._async_waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    def notify(self) -> None:
        with self._lock:
            self._version += 1
            self._condition.notify_all()
            waiters = list(self._async_waiters)
        for loop, event in waiters:
            with contextlib.suppress(RuntimeError):  # that waiter's loop is already closed
                loop.call_soon_threadsafe(event.set)

    @contextlib.contextmanager
    def _subscription(self) -> Iterator[asyncio.Event]:
        waiter = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            self._async_waiters.add(waiter)
        try:
            yield waiter[1]
        finally:
            with self._lock:
                self._async_waiters.discard(waiter)

    async def wait_until(self, condition: Callable[[], T], timeout: float) -> T:
        """Re-evaluate ``condition`` on every change; its first truthy value, or its last."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            # Subscribe before evaluating so that a change in between is not missed.
            with self._subscription() as changed:
                result = condition()
                remaining = deadline - loop.time()
                if result or remaining <= 0:
                    return result
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(changed.wait(), remaining)

    def wait_until_sync(self, condition: Callable[[], T], timeout: float) -> T:
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                seen = self._version
            result = condition()
            remaining = deadline - time.monotonic()
            if result or remaining <= 0:
                return result
            with self._condition:
                if self._version == seen:
                    self._condition.wait(remaining)


# --------------------------------------------------------------------------------------
# Server state records
# --------------------------------------------------------------------------------------


@dataclass
class _StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes
    file_name: str | None = None
    mime_type: str | None = None

    def ids(self) -> JsonDict:
        """The fields every Bot API file object starts with."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.content),
        }

    def to_api(self) -> JsonDict:
        """The Bot API ``File`` object."""
        return {**self.ids(), "file_path": self.file_path}

    def document(self) -> JsonDict:
        """The Bot API ``Document`` object."""
        return _without_empty({"file_name": self.file_name, "mime_type": self.mime_type, **self.ids()})


@dataclass
class _Failure:
    error: _ApiError
    times: int
    chat_id: int | None = None  # only calls for this chat fail


@dataclass
class _MethodRequest:
    params: JsonDict
    files: dict[str, UploadedFile]
    client_gone: Callable[[], bool]


_MethodHandler = Callable[[_MethodRequest], Awaitable[Any]]

ALL_UPDATE_TYPES = frozenset(
    {"message", "edited_message", "channel_post", "edited_channel_post", "business_connection"}
    | {"business_message", "edited_business_message", "deleted_business_messages"}
    | {"message_reaction", "message_reaction_count", "inline_query", "chosen_inline_result"}
    | {"callback_query", "shipping_query", "pre_checkout_query", "purchased_paid_media", "poll"}
    | {"poll_answer", "my_chat_member", "chat_member", "chat_join_request", "chat_boost"}
    | {"removed_chat_boost"}
)
# What a bot receives unless it asks otherwise (documented under getUpdates).
DEFAULT_UPDATE_TYPES = ALL_UPDATE_TYPES - {"chat_member", "message_reaction", "message_reaction_count"}
_CHAT_ACTIONS = frozenset(
    {"typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice"}
    | {"upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note"}
)
_MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024
_BOT_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
_PLACEHOLDER_CONTENT = {
    "photo": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00placeholder-photo\xff\xd9",
    "sticker": b"RIFF\x1c\x00\x00\x00WEBPVP8 placeholder-sticker",
    "voice": b"OggS\x00\x02placeholder-voice",
}


def _without_nested_reply(message: JsonDict) -> JsonDict:
    # "The Message object in this field will not contain further reply_to_message fields."
    return {key: value for key, value in message.items() if key != "reply_to_message"}


# --------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------


class BotApiServer:
    """A fake Telegram Bot API server on 127.0.0.1, for one test.

    Use it as a context manager (or call :meth:`start` / :meth:`stop`), point the
    bot at :attr:`base_url` / :attr:`base_file_url`, inject user activity with
    ``send_*`` / :meth:`press_button`, and observe the bot with :meth:`calls`,
    :meth:`bot_messages` and the ``wait_for*`` methods.

    With ``privacy_mode`` (Telegram's default) the bot only receives group messages
    that start with a command for it, mention it, or reply to it.
    """

    def __init__(
        self,
        token: str,
        bot_username: str = "briefbot_test_bot",
        bot_id: int | None = None,
        bot_first_name: str = "Briefbot Test",
        privacy_mode: bool = True,
    ):
        self.token = token
        self.bot_username = bot_username
        self.bot_id = bot_id if bot_id is not None else _bot_id_from_token(token)
        self.bot_first_name = bot_first_name
        self.privacy_mode = privacy_mode

        self._lock = threading.RLock()
        self._changes = _ChangeFeed()
        self._methods: dict[str, tuple[str, _MethodHandler]] = {
            name.lower(): (name, handler) for name, handler in self._method_table().items()
        }

        self._calls: list[Call] = []
        self._server_errors: list[str] = []
        self._failures: dict[str, deque[_Failure]] = {}
        self._chats: dict[int, JsonDict] = {}
        self._unknown_chat_ids: list[int] = []
        self._messages: dict[tuple[int, int], JsonDict] = {}
        self._topics: set[tuple[int, int]] = set()  # (chat id, message_thread_id)
        self._last_message_id: dict[int, int] = {}
        self._updates: list[JsonDict] = []
        self._undelivered: list[tuple[JsonDict, str]] = []
        self._update_ids = itertools.count(1000)
        self._allowed_updates = DEFAULT_UPDATE_TYPES
        self._poll_generation = 0
        self._waiting_polls = 0
        self._callback_query_ids = itertools.count(4_200_000_000_000_000_001)
        self._callback_answers: dict[str, JsonDict | None] = {}
        self._inline_query_ids = itertools.count(5_100_000_000_000_000_001)
        self._inline_answers: dict[str, JsonDict | None] = {}
        self._chat_admins: dict[int, set[int]] = {}
        self._blocked_chats: set[int] = set()
        self._files: dict[str, _StoredFile] = {}
        self._file_numbers = itertools.count(1)
        self._webhook_url = ""
        self._webhook_secret_token: str | None = None
        self._webhook_endpoints: list[str] = []
        self._next_endpoint = itertools.count()
        self._deliveries: list[tuple[int, str, int]] = []  # (update id, endpoint, HTTP status)
        self._delivery_lock: asyncio.Lock | None = None
        self._commands: dict[tuple[str, str], list[JsonDict]] = {}
        self._descriptions: dict[tuple[str, str], str] = {}

        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._http_server: tornado.httpserver.HTTPServer | None = None
        self._port = 0
        self._closing = False

    # ----------------------------------------------------------------- lifecycle

    def start(self) -> None:
        """Start listening on a free port of 127.0.0.1 (returns once it accepts requests)."""
        if self._thread is not None:
            raise RuntimeError("BotApiServer already started")
        ready = threading.Event()
        startup_errors: list[BaseException] = []
        self._thread = threading.Thread(
            target=self._run_loop, args=(ready, startup_errors), name="botapi-server", daemon=True
        )
        self._thread.start()
        ready.wait()
        if startup_errors:
            self._thread = None
            raise RuntimeError("BotApiServer failed to start") from startup_errors[0]

    def stop(self) -> None:
        """Answer pending long polls, close all connections and stop the server thread."""
        if self._thread is None or self._loop is None:
            return
        self._closing = True
        self._changes.notify()
        asyncio.run_coroutine_threadsafe(self._close_connections(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._thread = None

    def __enter__(self) -> BotApiServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        if not self._port:
            raise RuntimeError("BotApiServer not started")
        return f"http://127.0.0.1:{self._port}"

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)`` / ``Bot(base_url=...)``."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``ApplicationBuilder().base_file_url(...)`` / ``Bot(base_file_url=...)``."""
        return f"{self.url}/file/bot"

    def _run_loop(self, ready: threading.Event, startup_errors: list[BaseException]) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)  # this thread's loop, also for the final task cleanup
        self._loop = loop
        try:
            loop.run_until_complete(self._listen())
        except BaseException as error:  # reported to start()'s caller
            startup_errors.append(error)
            ready.set()
            loop.close()
            return
        ready.set()
        try:
            loop.run_forever()
        finally:
            tasks = asyncio.all_tasks(loop)
            for task in tasks:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            loop.close()

    async def _listen(self) -> None:
        # Created inside the running loop so that Tornado binds to it.
        application = tornado.web.Application(
            [
                (r"/bot([^/]*)/([^/]*)", _ApiHandler, {"server": self}),
                (r"/file/bot([^/]*)/(.+)", _FileHandler, {"server": self}),
            ],
            default_handler_class=_NotFoundHandler,
            log_function=lambda handler: None,  # every request is recorded as a Call instead
        )
        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1", family=socket.AF_INET)
        self._http_server = tornado.httpserver.HTTPServer(application)
        self._http_server.add_sockets(sockets)
        self._port = sockets[0].getsockname()[1]

    async def _close_connections(self) -> None:
        assert self._http_server is not None
        self._http_server.stop()
        await asyncio.wait_for(self._http_server.close_all_connections(), timeout=5)

    # ----------------------------------------------------------------- injecting user activity
    # Each returns the Update it created, also when privacy mode or allowed_updates keep it from
    # the bot (as Telegram would); wait_for's timeout report lists such undelivered updates.

    def send_text(
        self,
        user: User,
        chat: Chat,
        text: str,
        reply_to_message_id: int | None = None,
        message_thread_id: int | None = None,
    ) -> JsonDict:
        """``user`` writes ``text`` in ``chat`` (in topic ``message_thread_id`` of a forum);
        returns the Update (entities detected as Telegram does)."""
        content = _without_empty({"text": text, "entities": _with_detected_entities(text, [])})
        return self._inject_message(user, chat, content, reply_to_message_id, message_thread_id)

    def create_topic(self, user: User, chat: Chat, name: str) -> int:
        """``user`` opens a topic in forum ``chat``; returns its message_thread_id, which is the
        id of the service message that created it (not delivered to the bot)."""
        if not chat.is_forum:
            raise ValueError(f"chat {chat.id} is not a forum")
        with self._lock:
            chat_object = self._register_chat(chat, user)
            created = {"forum_topic_created": {"name": name, "icon_color": 7322096}}
            message = self._new_message(chat_object, user.to_api(), created)
            thread = int(message["message_id"])
            message.update(message_thread_id=thread, is_topic_message=True)
            self._topics.add((chat.id, thread))
            return thread

    def send_document(
        self,
        user: User,
        chat: Chat,
        file_name: str,
        content: bytes,
        mime_type: str | None = None,
        caption: str | None = None,
    ) -> JsonDict:
        """``user`` sends a file; getFile and the download URL then serve ``content``."""
        document = self._store_document(file_name, content, mime_type).document()
        return self._inject_message(user, chat, {"document": document, **self._user_caption(caption)})

    def send_photo(
        self,
        user: User,
        chat: Chat,
        content: bytes = _PLACEHOLDER_CONTENT["photo"],
        caption: str | None = None,
    ) -> JsonDict:
        """``user`` sends a photo (one size, 90x90)."""
        size = {**self._store_file("photos", ".jpg", content).ids(), "width": 90, "height": 90}
        return self._inject_message(user, chat, {"photo": [size], **self._user_caption(caption)})

    def send_sticker(self, user: User, chat: Chat, emoji: str = "\N{THUMBS UP SIGN}") -> JsonDict:
        """``user`` sends a static sticker."""
        sticker = {
            **self._store_file("stickers", ".webp", _PLACEHOLDER_CONTENT["sticker"]).ids(),
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return self._inject_message(user, chat, {"sticker": sticker})

    def send_voice(
        self, user: User, chat: Chat, duration: int = 1, content: bytes = _PLACEHOLDER_CONTENT["voice"]
    ) -> JsonDict:
        """``user`` sends a voice note."""
        voice = {
            **self._store_file("voice", ".oga", content).ids(),
            "duration": duration,
            "mime_type": "audio/ogg",
        }
        return self._inject_message(user, chat, {"voice": voice})

    def press_button(self, user: User, chat: Chat, message_id: int, callback_data: str) -> JsonDict:
        """``user`` presses the inline button carrying ``callback_data`` on a bot message.

        Raises AssertionError when that message has no such button, since a real user
        could not press it either. Returns the ``callback_query`` Update.
        """
        with self._lock:
            self._register_chat(chat, user)
            message = self._messages.get((chat.id, message_id))
            if message is None or message["from"]["id"] != self.bot_id:
                raise AssertionError(f"no bot message {message_id} in chat {chat.id} to press a button on")
            if callback_data not in _callback_data_of(message):
                raise AssertionError(
                    f"message {message_id} has no button with callback_data {callback_data!r}; "
                    f"its reply_markup is {message.get('reply_markup')}"
                )
            query_id = str(next(self._callback_query_ids))
            self._callback_answers[query_id] = None
            query = {
                "id": query_id,
                "from": user.to_api(),
                "message": copy.deepcopy(message),
                "chat_instance": str(7_000_000_000_000_000_000 + chat.id),  # opaque, stable per chat
                "data": callback_data,
            }
            return self._enqueue("callback_query", query, None)

    def send_inline_query(self, user: User, query: str, offset: str = "") -> JsonDict:
        """``user`` types ``@bot query`` in some chat; returns the ``inline_query`` Update."""
        with self._lock:
            query_id = str(next(self._inline_query_ids))
            self._inline_answers[query_id] = None
            inline_query = {
                "id": query_id,
                "from": user.to_api(),
                "query": query,
                "offset": offset,
                "chat_type": "sender",
            }
            return self._enqueue("inline_query", inline_query, None)

    def inline_answer(self, inline_query_id: str) -> JsonDict | None:
        """What the bot answered to an inline query (its validated results), None before."""
        with self._lock:
            return copy.deepcopy(self._inline_answers.get(inline_query_id))

    def set_admins(self, chat: Chat, *users: User) -> None:
        """These users are the admins of the group ``chat`` (getChatMember says so)."""
        with self._lock:
            self._chat_admins[chat.id] = {user.id for user in users}

    def block_bot(self, chat: Chat) -> None:
        """The user of the private chat ``chat`` blocks the bot: sending there answers 403."""
        with self._lock:
            self._blocked_chats.add(chat.id)

    def _user_caption(self, caption: str | None) -> JsonDict:
        if caption is None:
            return {}
        return _without_empty({"caption": caption, "caption_entities": _with_detected_entities(caption, [])})

    def _inject_message(
        self,
        user: User,
        chat: Chat,
        content: JsonDict,
        reply_to_message_id: int | None = None,
        message_thread_id: int | None = None,
    ) -> JsonDict:
        with self._lock:
            chat_object = self._register_chat(chat, user)
            if message_thread_id is not None and (chat.id, message_thread_id) not in self._topics:
                raise AssertionError(f"no topic {message_thread_id} in chat {chat.id}")
            reply_to = None
            if reply_to_message_id is not None:
                reply_to = self._messages.get((chat.id, reply_to_message_id))
                if reply_to is None:
                    raise AssertionError(f"no message {reply_to_message_id} in chat {chat.id} to reply to")
            elif message_thread_id is not None:
                # As Telegram does: a topic message that replies to nothing else replies to the
                # service message that opened the topic.
                reply_to = self._messages[(chat.id, message_thread_id)]
            if message_thread_id is not None:
                content = {**content, "message_thread_id": message_thread_id, "is_topic_message": True}
            message = self._new_message(chat_object, user.to_api(), content, reply_to=reply_to)
            undelivered_reason = None if self._reaches_bot(message) else "privacy mode"
            return self._enqueue("message", message, undelivered_reason)

    def _register_chat(self, chat: Chat, user: User) -> JsonDict:
        if chat.type == "private" and chat.id != user.id:
            raise ValueError(f"a private chat's id is its user's id: chat {chat.id}, user {user.id}")
        if chat.type not in ("private", "group", "supergroup"):
            raise ValueError(f"unknown chat type {chat.type!r}")
        if chat.type != "private" and chat.id >= 0:
            raise ValueError(f"{chat.type} ids are negative, got {chat.id}")
        if chat.type == "private":
            names = {"first_name": user.first_name, "last_name": user.last_name, "username": user.username}
        else:
            names = {"title": chat.title or f"Test {chat.type} {-chat.id}", "username": chat.username}
        if chat.is_forum and chat.type != "supergroup":
            raise ValueError("only a supergroup can be a forum")
        chat_object = {"id": chat.id, **_without_empty(names), "type": chat.type, "is_forum": chat.is_forum or None}
        chat_object = _without_empty(chat_object)
        self._chats[chat.id] = chat_object
        return chat_object

    def _reaches_bot(self, message: JsonDict) -> bool:
        """Whether Telegram would deliver this message to the bot (privacy mode)."""
        if message["chat"]["type"] == "private" or not self.privacy_mode:
            return True
        reply_to = message.get("reply_to_message")
        if reply_to is not None and reply_to["from"]["id"] == self.bot_id:
            return True
        text = message.get("text") or message.get("caption") or ""
        command = re.match(r"/[A-Za-z0-9_]+(?:@(\w+))?", text)
        if command and (command.group(1) is None or command.group(1).lower() == self.bot_username.lower()):
            return True
        return re.search(rf"(?<!\w)@{re.escape(self.bot_username)}(?!\w)", text, re.IGNORECASE) is not None

    def deliver_webhooks_to(self, endpoints: list[str]) -> None:
        """While a webhook is set, POST each new update to the next of these local endpoints
        (``http://127.0.0.1:PORT/path``), in turn, with the webhook's secret token."""
        if any(urlsplit(e).hostname != "127.0.0.1" for e in endpoints):
            raise ValueError("webhooks are delivered to 127.0.0.1 only")
        with self._lock:
            self._webhook_endpoints = list(endpoints)

    def deliveries(self) -> list[tuple[int, str, int]]:
        """(update id, endpoint, HTTP status) of every webhook delivery so far."""
        with self._lock:
            return list(self._deliveries)

    async def _deliver(self, update: JsonDict, endpoint: str, secret: str | None) -> None:
        import tornado.httpclient

        if self._delivery_lock is None:
            self._delivery_lock = asyncio.Lock()
        async with self._delivery_lock:  # in order, one at a time, as Telegram does per bot
            headers = {"Content-Type": "application/json"}
            if secret:
                headers["X-Telegram-Bot-Api-Secret-Token"] = secret
            response = await tornado.httpclient.AsyncHTTPClient().fetch(
                endpoint, method="POST", body=json.dumps(update), headers=headers, raise_error=False
            )
            with self._lock:
                self._deliveries.append((int(update["update_id"]), endpoint, response.code))
                if response.code == 200:
                    self._updates = [u for u in self._updates if u["update_id"] != update["update_id"]]
        self._changes.notify()

    def _enqueue(self, update_type: str, payload: JsonDict, undelivered_reason: str | None) -> JsonDict:
        with self._lock:
            update = {"update_id": next(self._update_ids), update_type: copy.deepcopy(payload)}
            if undelivered_reason is None and update_type not in self._allowed_updates:
                undelivered_reason = "not in allowed_updates"
            if undelivered_reason is None:
                self._updates.append(update)
                if self._webhook_url and self._webhook_endpoints and self._loop is not None:
                    endpoint = self._webhook_endpoints[next(self._next_endpoint) % len(self._webhook_endpoints)]
                    asyncio.run_coroutine_threadsafe(
                        self._deliver(copy.deepcopy(update), endpoint, self._webhook_secret_token), self._loop
                    )
            else:
                _LOGGER.info("update %s not delivered to the bot: %s", update["update_id"], undelivered_reason)
                self._undelivered.append((update, undelivered_reason))
        self._changes.notify()
        return copy.deepcopy(update)

    # ----------------------------------------------------------------- observing the bot

    def calls(self, method: str | None = None) -> list[Call]:
        """Every request so far, oldest first; only those of ``method`` if given."""
        with self._lock:
            if method is None:
                return list(self._calls)
            return [call for call in self._calls if call.method.lower() == method.lower()]

    def bot_messages(self, chat_id: int) -> list[JsonDict]:
        """The bot's messages in ``chat_id`` as they are now (after edits, without deleted ones)."""
        with self._lock:
            return [
                copy.deepcopy(message)
                for (message_chat_id, _), message in self._messages.items()
                if message_chat_id == chat_id and message["from"]["id"] == self.bot_id
            ]

    def message(self, chat_id: int, message_id: int) -> JsonDict | None:
        """Any message (the user's or the bot's) as it is now, or None if absent or deleted."""
        with self._lock:
            return copy.deepcopy(self._messages.get((chat_id, message_id)))

    def callback_answer(self, callback_query_id: str) -> JsonDict | None:
        """The bot's answerCallbackQuery parameters for that query, or None if not answered yet."""
        with self._lock:
            return copy.deepcopy(self._callback_answers[callback_query_id])

    def file_content(self, file_id: str) -> bytes:
        """The content of an uploaded or injected file."""
        with self._lock:
            return self._files[file_id].content

    def my_commands(self, scope: JsonDict | None = None, language_code: str = "") -> list[JsonDict]:
        """The commands the bot set for that scope and language."""
        with self._lock:
            return copy.deepcopy(self._commands.get(_commands_key(scope, language_code), []))

    @property
    def webhook_url(self) -> str:
        with self._lock:
            return self._webhook_url

    @property
    def webhook_secret_token(self) -> str | None:
        with self._lock:
            return self._webhook_secret_token

    @property
    def unknown_chat_ids(self) -> list[int]:
        """Chats the bot addressed that no injected message ever came from."""
        with self._lock:
            return list(self._unknown_chat_ids)

    @property
    def pending_update_count(self) -> int:
        """Updates not yet confirmed by the bot (via a getUpdates offset)."""
        with self._lock:
            return len(self._updates)

    @property
    def waiting_long_polls(self) -> int:
        """getUpdates requests currently waiting for updates: > 0 once the bot is polling."""
        with self._lock:
            return self._waiting_polls

    @property
    def server_errors(self) -> list[str]:
        """Tracebacks of bugs in this server itself (answered with HTTP 500)."""
        with self._lock:
            return list(self._server_errors)

    # ----------------------------------------------------------------- waiting

    async def wait_for(
        self, condition: Callable[[], T | None], timeout: float = 10.0, description: str | None = None
    ) -> T:
        """Wait until ``condition()`` is truthy (re-checked on every server change); return it.

        Raises AssertionError listing the recorded calls on timeout.
        """
        result = await self._changes.wait_until(condition, timeout)
        if not result:
            raise AssertionError(self._timeout_report(condition, timeout, description))
        return result

    def wait_for_sync(
        self, condition: Callable[[], T | None], timeout: float = 10.0, description: str | None = None
    ) -> T:
        """Blocking variant of :meth:`wait_for`, for code outside an event loop."""
        result = self._changes.wait_until_sync(condition, timeout)
        if not result:
            raise AssertionError(self._timeout_report(condition, timeout, description))
        return result

    async def wait_for_call(
        self, method: str, where: Callable[[Call], bool] | None = None, timeout: float = 10.0, after: int = 0
    ) -> Call:
        """The first call of ``method`` matching ``where``, skipping the first ``after`` calls of it."""

        def find() -> Call | None:
            return next((call for call in self.calls(method)[after:] if where is None or where(call)), None)

        return await self.wait_for(find, timeout, f"a {method} call" + (" matching the predicate" if where else ""))

    async def wait_for_bot_message(
        self,
        chat_id: int,
        where: Callable[[JsonDict], bool] | None = None,
        timeout: float = 10.0,
        after: int = 0,
    ) -> JsonDict:
        """The first bot message in ``chat_id`` matching ``where``, skipping the first ``after``."""

        def find() -> JsonDict | None:
            messages = self.bot_messages(chat_id)[after:]
            return next((message for message in messages if where is None or where(message)), None)

        return await self.wait_for(find, timeout, f"a bot message in chat {chat_id}")

    def _timeout_report(self, condition: Callable[[], object], timeout: float, description: str | None) -> str:
        what = description or getattr(condition, "__qualname__", repr(condition))
        calls = self.calls()
        polls = sum(call.method == "getUpdates" for call in calls)
        lines = [
            f"timed out after {timeout} s waiting for {what}.",
            f"Bot API calls ({polls} getUpdates omitted):",
        ]
        shown = [f"  {_describe_call(call)}" for call in calls if call.method != "getUpdates"]
        lines += shown or ["  (none)"]
        with self._lock:
            undelivered = list(self._undelivered)
            pending = len(self._updates)
        lines.append(f"Updates not yet confirmed by the bot: {pending}")
        lines += [f"Update {update['update_id']} was not delivered: {reason}" for update, reason in undelivered]
        return "\n".join(lines)

    # ----------------------------------------------------------------- failure injection

    def fail_next(
        self,
        method: str,
        error_code: int = 429,
        retry_after: int = 1,
        times: int = 1,
        description: str | None = None,
        chat_id: int | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with an error, without performing them
        (with ``chat_id``: only its calls for that chat).

        429 answers carry ``parameters.retry_after`` like Telegram's flood control.
        """
        if error_code == 429:
            error = _ApiError(
                429,
                description or f"Too Many Requests: retry after {retry_after}",
                {"retry_after": retry_after},
            )
        else:
            error = _ApiError(error_code, description or _DEFAULT_FAILURE_DESCRIPTIONS.get(error_code, "Error"))
        with self._lock:
            self._failures.setdefault(method.lower(), deque()).append(_Failure(error, times, chat_id))

    def _take_failure(self, method: str, params: JsonDict) -> _ApiError | None:
        with self._lock:
            queue = self._failures.get(method.lower())
            if not queue:
                return None
            failure = next(
                (f for f in queue if f.chat_id is None or str(f.chat_id) == str(params.get("chat_id"))), None
            )
            if failure is None:
                return None
            failure.times -= 1
            if failure.times <= 0:
                queue.remove(failure)
            return failure.error

    # ----------------------------------------------------------------- HTTP entry points

    async def _serve_method(
        self,
        request: tornado.httputil.HTTPServerRequest,
        token: str,
        name: str,
        client_gone: Callable[[], bool],
    ) -> tuple[int, JsonDict]:
        """Answer one Bot API request and record it as a Call."""
        method, handler = self._methods.get(name.lower(), (name, None))
        params: JsonDict = {}
        files: dict[str, UploadedFile] = {}
        injected = False
        try:
            params, files = _request_params(request)
            if token != self.token:
                raise _ApiError(401, "Unauthorized")
            if handler is None:
                raise _not_found()
            failure = self._take_failure(method, params)
            if failure is not None:
                injected = True
                raise failure
            params = _coerced_params(params)
            body: JsonDict = {"ok": True, "result": await handler(_MethodRequest(params, files, client_gone))}
        except _ApiError as error:
            body = error.body()
        except Exception:
            body = self._internal_error()
        status = 200 if body["ok"] else body["error_code"]
        call = Call(method, params, files, status, body, request.method or "GET", injected, client_gone())
        self._record(call)
        return status, body

    def _serve_file(self, token: str, file_path: str) -> tuple[int, bytes | JsonDict]:
        """Answer one file download and record it as a Call of method "file"."""
        with self._lock:
            stored = next((f for f in self._files.values() if f.file_path == file_path), None)
        params = {"file_path": file_path}
        if token == self.token and stored is not None:
            self._record(Call("file", params, {}, 200, {"ok": True, "result": stored.to_api()}, "GET"))
            return 200, stored.content
        error = _ApiError(401, "Unauthorized") if token != self.token else _not_found()
        self._record(Call("file", params, {}, error.error_code, error.body(), "GET"))
        return error.error_code, error.body()

    def _internal_error(self) -> JsonDict:
        trace = traceback.format_exc()
        _LOGGER.error("BotApiServer bug:\n%s", trace)
        with self._lock:
            self._server_errors.append(trace)
        return {"ok": False, "error_code": 500, "description": "Internal Server Error: see server_errors"}

    def _record(self, call: Call) -> None:
        with self._lock:
            self._calls.append(call)
        self._changes.notify()

    # ----------------------------------------------------------------- Bot API methods

    def _method_table(self) -> dict[str, _MethodHandler]:
        return {
            "getMe": self._get_me,
            "logOut": self._ok,
            "close": self._ok,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setMyDescription": self._set_my_description,
            "getMyDescription": self._get_my_description,
            "setMyShortDescription": self._set_my_short_description,
            "getMyShortDescription": self._get_my_short_description,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "sendChatAction": self._send_chat_action,
            "answerCallbackQuery": self._answer_callback_query,
            "answerInlineQuery": self._answer_inline_query,
            "getChatMember": self._get_chat_member,
            "sendDocument": self._send_document,
            "getFile": self._get_file,
        }

    def _bot_user(self) -> JsonDict:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    async def _ok(self, request: _MethodRequest) -> bool:
        return True

    async def _get_me(self, request: _MethodRequest) -> JsonDict:
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": not self.privacy_mode,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    # getUpdates / webhooks

    async def _get_updates(self, request: _MethodRequest) -> list[JsonDict]:
        params = request.params
        limit = min(max(params.get("limit") or 100, 1), 100)
        timeout = max(params.get("timeout") or 0, 0)
        with self._lock:
            if self._webhook_url:
                raise _ApiError(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; "
                    "use deleteWebhook to delete the webhook first",
                )
            self._confirm_updates(params.get("offset") or 0)
            if "allowed_updates" in params:
                self._allowed_updates = _allowed_update_types(params["allowed_updates"])
            # A newer getUpdates terminates an older one still waiting, as on Telegram.
            self._poll_generation += 1
            generation = self._poll_generation
            self._waiting_polls += 1
        self._changes.notify()
        try:
            await self._changes.wait_until(
                lambda: (
                    self._closing or request.client_gone() or self._poll_generation != generation or bool(self._updates)
                ),
                timeout,
            )
        finally:
            with self._lock:
                self._waiting_polls -= 1
            self._changes.notify()
        # A poll the bot already abandoned (PTB cancels its long poll when stopping) is no conflict.
        if self._poll_generation != generation and not request.client_gone():
            raise _ApiError(
                409,
                "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
            )
        with self._lock:
            return copy.deepcopy(self._updates[:limit])

    def _confirm_updates(self, offset: int) -> None:
        # "An update is considered confirmed as soon as getUpdates is called with an offset
        # higher than its update_id"; a negative offset keeps only the last -offset updates.
        if offset > 0:
            self._updates = [update for update in self._updates if update["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]

    async def _set_webhook(self, request: _MethodRequest) -> bool:
        params = request.params
        url = str(params.get("url") or "")
        if url and urlsplit(url).scheme != "https":
            raise _bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_TOKEN.fullmatch(str(secret)):
            raise _bad_request("secret token contains unallowed characters")
        with self._lock:
            if params.get("drop_pending_updates"):
                self._updates.clear()
            if "allowed_updates" in params:
                self._allowed_updates = _allowed_update_types(params["allowed_updates"])
            self._webhook_url = url
            self._webhook_secret_token = str(secret) if url and secret is not None else None
        return True

    async def _delete_webhook(self, request: _MethodRequest) -> bool:
        with self._lock:
            if request.params.get("drop_pending_updates"):
                self._updates.clear()
            self._webhook_url, self._webhook_secret_token = "", None
        return True

    async def _get_webhook_info(self, request: _MethodRequest) -> JsonDict:
        with self._lock:
            return {
                "url": self._webhook_url,
                "has_custom_certificate": False,
                "pending_update_count": len(self._updates),
            }

    # commands and descriptions

    async def _set_my_commands(self, request: _MethodRequest) -> bool:
        params = request.params
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise _bad_request("can't parse commands JSON object")
        checked = [_bot_command(command) for command in commands]
        with self._lock:
            self._commands[_commands_key(params.get("scope"), params.get("language_code"))] = checked
        return True

    async def _get_my_commands(self, request: _MethodRequest) -> list[JsonDict]:
        return self.my_commands(request.params.get("scope"), request.params.get("language_code") or "")

    async def _delete_my_commands(self, request: _MethodRequest) -> bool:
        with self._lock:
            self._commands.pop(_commands_key(request.params.get("scope"), request.params.get("language_code")), None)
        return True

    async def _set_my_description(self, request: _MethodRequest) -> bool:
        return self._set_description("description", request.params, 512)

    async def _set_my_short_description(self, request: _MethodRequest) -> bool:
        return self._set_description("short_description", request.params, 120)

    async def _get_my_description(self, request: _MethodRequest) -> JsonDict:
        return self._get_description("description", request.params)

    async def _get_my_short_description(self, request: _MethodRequest) -> JsonDict:
        return self._get_description("short_description", request.params)

    def _set_description(self, kind: str, params: JsonDict, max_length: int) -> bool:
        text = str(params.get(kind) or "")
        if len(text) > max_length:
            raise _bad_request(f"{kind.replace('_', ' ')} is too long")
        with self._lock:
            self._descriptions[(kind, str(params.get("language_code") or ""))] = text
        return True

    def _get_description(self, kind: str, params: JsonDict) -> JsonDict:
        with self._lock:
            return {kind: self._descriptions.get((kind, str(params.get("language_code") or "")), "")}

    # messages

    async def _send_message(self, request: _MethodRequest) -> JsonDict:
        params = request.params
        with self._lock:
            chat = self._target_chat(params)
            text, entities = _message_text(params)
            content = {
                "text": text,
                "entities": entities,
                "link_preview_options": _link_preview_options(params),
                "reply_markup": _reply_markup(params),
            }
            return self._send(chat, params, content)

    async def _send_document(self, request: _MethodRequest) -> JsonDict:
        params = request.params
        with self._lock:
            chat = self._target_chat(params)
            caption, markup = _caption(params), _reply_markup(params)
            content = {"document": self._document(params, request.files), **caption, "reply_markup": markup}
            return self._send(chat, params, content)

    def _send(self, chat: JsonDict, params: JsonDict, content: JsonDict) -> JsonDict:
        """Store a message from the bot; returns the Message object for the answer."""
        reply_to = self._reply_target(chat["id"], params)
        thread = params.get("message_thread_id")
        if thread is not None and (chat["id"], thread) not in self._topics:
            raise _bad_request("message thread not found")
        if thread is None and reply_to is not None and reply_to.get("is_topic_message"):
            thread = reply_to["message_thread_id"]  # a reply stays in its message's topic
        options = {
            "message_thread_id": thread,
            "is_topic_message": True if thread is not None else None,
            "has_protected_content": params.get("protect_content") or None,
        }
        message = self._new_message(chat, self._bot_user(), {**content, **options}, reply_to=reply_to)
        return copy.deepcopy(message)

    def _new_message(
        self, chat: JsonDict, sender: JsonDict, content: JsonDict, reply_to: JsonDict | None = None
    ) -> JsonDict:
        # Message ids are per chat and shared by the users and the bot, as in a real chat.
        message_id = self._last_message_id.get(chat["id"], 0) + 1
        self._last_message_id[chat["id"]] = message_id
        message = {
            "message_id": message_id,
            "from": sender,
            "chat": chat,
            "date": int(time.time()),
            "reply_to_message": _without_nested_reply(reply_to) if reply_to else None,
            **content,
        }
        message = copy.deepcopy(_without_empty(message))
        self._messages[(chat["id"], message_id)] = message
        self._changes.notify()
        return message

    def _target_chat(self, params: JsonDict) -> JsonDict:
        chat_id = self._chat_id(params)
        if chat_id in self._blocked_chats:
            raise _ApiError(403, "Forbidden: bot was blocked by the user")
        known = self._chats.get(chat_id)
        if known is not None:
            return known
        # Telegram would say "chat not found" unless the chat exists; tests may skip creating it.
        self._unknown_chat_ids.append(chat_id)
        chat = {"id": chat_id, "type": "private" if chat_id > 0 else "group"}
        self._chats[chat_id] = chat
        return chat

    def _chat_id(self, params: JsonDict) -> int:
        chat_id = params.get("chat_id")
        if chat_id in (None, ""):
            raise _bad_request("chat_id is empty")
        if isinstance(chat_id, int):
            return chat_id
        if str(chat_id).startswith("@"):
            username = str(chat_id)[1:].lower()
            for chat in self._chats.values():
                if chat.get("username", "").lower() == username:
                    return int(chat["id"])
        raise _bad_request("chat not found")

    def _reply_target(self, chat_id: int, params: JsonDict) -> JsonDict | None:
        reply = params.get("reply_parameters")
        if reply is None and params.get("reply_to_message_id"):
            reply = {
                "message_id": params["reply_to_message_id"],
                "allow_sending_without_reply": params.get("allow_sending_without_reply"),
            }
        if reply is None:
            return None
        if not isinstance(reply, dict) or not isinstance(reply.get("message_id"), int):
            raise _bad_request("can't parse reply parameters JSON object")
        target_chat_id = reply.get("chat_id", chat_id)
        target = self._messages.get((target_chat_id, reply["message_id"]))
        if target is None and not reply.get("allow_sending_without_reply"):
            raise _bad_request("message to be replied not found")
        return target

    def _document(self, params: JsonDict, files: dict[str, UploadedFile]) -> JsonDict:
        value = params.get("document")
        attached = str(value).removeprefix("attach://") if str(value).startswith("attach://") else None
        upload = files.get(attached or "document")
        if upload is not None:
            if not upload.body:
                raise _bad_request("file must be non-empty")
            # A generic content type says nothing; Telegram then goes by the file name.
            mime_type = None if upload.content_type in ("", "application/octet-stream") else upload.content_type
            return self._store_document(upload.filename, upload.body, mime_type).document()
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            # This server never connects anywhere, so it cannot fetch the file.
            raise _bad_request("failed to get HTTP URL content")
        if isinstance(value, str) and value in self._files:
            return self._files[value].document()
        if value:
            raise _bad_request("wrong file identifier/HTTP URL specified")
        raise _bad_request("there is no document in the request")

    async def _edit_message_text(self, request: _MethodRequest) -> JsonDict:
        params = request.params
        with self._lock:
            message = self._bot_message_to_edit(params)
            if "text" not in message:
                raise _bad_request("there is no text in the message to edit")
            text, entities = _message_text(params)
            markup = _reply_markup(params)
            if (text, entities, markup) == (
                message["text"],
                message.get("entities", []),
                message.get("reply_markup"),
            ):
                raise _not_modified()
            # Like Telegram, an edit without reply_markup removes the inline keyboard.
            changes = {
                "text": text,
                "entities": entities,
                "reply_markup": markup,
                "link_preview_options": _link_preview_options(params),
            }
            return self._apply_edit(message, changes)

    async def _edit_message_reply_markup(self, request: _MethodRequest) -> JsonDict:
        with self._lock:
            message = self._bot_message_to_edit(request.params)
            markup = _reply_markup(request.params)
            if markup == message.get("reply_markup"):
                raise _not_modified()
            return self._apply_edit(message, {"reply_markup": markup})

    def _apply_edit(self, message: JsonDict, changes: JsonDict) -> JsonDict:
        for key, value in {**changes, "edit_date": int(time.time())}.items():
            if value in (None, [], {}):
                message.pop(key, None)
            else:
                message[key] = copy.deepcopy(value)
        self._changes.notify()
        return copy.deepcopy(message)

    def _bot_message_to_edit(self, params: JsonDict) -> JsonDict:
        if params.get("inline_message_id"):
            raise _bad_request("MESSAGE_ID_INVALID")  # no inline messages exist on this server
        message = self._messages.get(self._message_key(params), None)
        if message is None:
            raise _bad_request("message to edit not found")
        if message["from"]["id"] != self.bot_id:
            raise _bad_request("message can't be edited")
        return message

    def _message_key(self, params: JsonDict) -> tuple[int, int]:
        chat_id = self._chat_id(params)
        message_id = params.get("message_id")
        if not message_id:
            raise _bad_request("message identifier is not specified")
        return chat_id, message_id

    async def _delete_message(self, request: _MethodRequest) -> bool:
        with self._lock:
            if self._messages.pop(self._message_key(request.params), None) is None:
                raise _bad_request("message to delete not found")
        self._changes.notify()
        return True

    async def _send_chat_action(self, request: _MethodRequest) -> bool:
        with self._lock:
            self._target_chat(request.params)
        if request.params.get("action") not in _CHAT_ACTIONS:
            raise _bad_request("wrong parameter action in request")
        return True

    async def _answer_callback_query(self, request: _MethodRequest) -> bool:
        params = request.params
        query_id = str(params.get("callback_query_id") or "")
        with self._lock:
            if query_id not in self._callback_answers or self._callback_answers[query_id] is not None:
                raise _bad_request("query is too old and response timeout expired or query ID is invalid")
            if len(str(params.get("text") or "")) > 200:
                raise _bad_request("MESSAGE_TOO_LONG")
            answer: JsonDict = {
                key: params[key] for key in ("text", "show_alert", "url", "cache_time") if key in params
            }
            self._callback_answers[query_id] = answer
        return True

    async def _answer_inline_query(self, request: _MethodRequest) -> bool:
        """Validated as Telegram does: a live query, at most 50 results with unique ids of 1-64
        bytes, and each article's title and message (parse mode, 1-4096 characters, buttons)."""
        params = request.params
        query_id = str(params.get("inline_query_id") or "")
        with self._lock:
            if query_id not in self._inline_answers or self._inline_answers[query_id] is not None:
                raise _bad_request("query is too old and response timeout expired or query ID is invalid")
        results = params.get("results")
        if not isinstance(results, list):
            raise _bad_request("can't parse inline query results JSON object")
        if len(results) > MAX_INLINE_RESULTS:
            raise _bad_request("RESULTS_TOO_MUCH")
        cache_time = params.get("cache_time", 300)
        if not isinstance(cache_time, int) or cache_time < 0:
            raise _bad_request('parameter "cache_time" must be a non-negative Integer')
        if len(str(params.get("next_offset") or "").encode()) > MAX_INLINE_OFFSET_BYTES:
            raise _bad_request("NEXT_OFFSET_INVALID")
        shown = [_inline_result(result) for result in results]
        ids = [result["id"] for result in shown]
        if len(set(ids)) != len(ids):
            raise _bad_request("RESULT_ID_DUPLICATE")
        with self._lock:
            self._inline_answers[query_id] = {
                "results": shown,
                "cache_time": cache_time,
                "is_personal": bool(params.get("is_personal")),
                "next_offset": str(params.get("next_offset") or ""),
            }
        return True

    async def _get_chat_member(self, request: _MethodRequest) -> JsonDict:
        params = request.params
        with self._lock:
            chat = self._chats.get(self._chat_id(params))
            user_id = params.get("user_id")
            if chat is None:
                raise _bad_request("chat not found")
            if not isinstance(user_id, int):
                raise _bad_request("user not found")
            user = {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}
            if chat["type"] == "private" or user_id in self._chat_admins.get(chat["id"], set()):
                status = "creator" if chat["type"] == "private" else "administrator"
                return {
                    "status": status,
                    "user": user,
                    "is_anonymous": False,
                    **(_ADMIN_RIGHTS if status == "administrator" else {}),
                }
            return {"status": "member", "user": user}

    # files

    async def _get_file(self, request: _MethodRequest) -> JsonDict:
        with self._lock:
            stored = self._files.get(str(request.params.get("file_id") or ""))
        if stored is None:
            raise _bad_request("invalid file_id")
        if len(stored.content) > _MAX_DOWNLOAD_SIZE:
            raise _bad_request("file is too big")
        return stored.to_api()

    def _store_document(self, file_name: str, content: bytes, mime_type: str | None) -> _StoredFile:
        stored = self._store_file("documents", PurePosixPath(file_name).suffix, content)
        stored.file_name = file_name
        stored.mime_type = mime_type or mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        return stored

    def _store_file(self, folder: str, suffix: str, content: bytes) -> _StoredFile:
        with self._lock:
            number = next(self._file_numbers)
            stored = _StoredFile(
                file_id=f"test-{folder}-{number}-AgACAgIAAxkBAAI",
                file_unique_id=f"AgAD{number:05d}",
                file_path=f"{folder}/file_{number}{suffix.lower()}",
                content=content,
            )
            self._files[stored.file_id] = stored
            return stored


def _not_modified() -> _ApiError:
    return _bad_request(
        "message is not modified: specified new message content and reply markup are exactly the same "
        "as a current content and reply markup of the message"
    )


def _link_preview_options(params: JsonDict) -> JsonDict | None:
    options = params.get("link_preview_options")
    if options is None and params.get("disable_web_page_preview"):
        return {"is_disabled": True}
    if options is not None and not isinstance(options, dict):
        raise _bad_request("can't parse link preview options JSON object")
    return options


def _allowed_update_types(value: Any) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _bad_request("can't parse allowed updates JSON object")
    # "Specify an empty list to receive all update types except chat_member, ..." (the default)
    return frozenset(value) & ALL_UPDATE_TYPES if value else DEFAULT_UPDATE_TYPES


def _commands_key(scope: Any, language_code: Any) -> tuple[str, str]:
    return json.dumps(scope or {"type": "default"}, sort_keys=True), str(language_code or "")


def _bot_command(command: Any) -> JsonDict:
    if not isinstance(command, dict):
        raise _bad_request("can't parse BotCommand")
    name, description = command.get("command"), command.get("description")
    if not isinstance(name, str) or not _BOT_COMMAND.fullmatch(name):
        raise _bad_request("BOT_COMMAND_INVALID")
    if not isinstance(description, str) or not 1 <= len(description) <= 256:
        raise _bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    return {"command": name, "description": description}


def _bot_id_from_token(token: str) -> int:
    # Telegram bot tokens are "<bot id>:<secret>".
    prefix = token.split(":", 1)[0]
    return int(prefix) if prefix.isdigit() else 1_000_001


def _describe_call(call: Call) -> str:
    params = json.dumps(call.params, ensure_ascii=False, default=str)
    if len(params) > 300:
        params = params[:300] + "…"
    outcome = "ok" if call.ok else f"{call.status} {call.description}"
    return f"{call.method} {params} -> {outcome}"


# --------------------------------------------------------------------------------------
# Tornado handlers
# --------------------------------------------------------------------------------------


class _ApiHandler(tornado.web.RequestHandler):
    """``/bot<token>/<method>``: GET or POST, any of the Bot API's parameter encodings."""

    def initialize(self, server: BotApiServer) -> None:
        self._botapi = server
        self._client_gone = False

    async def get(self, token: str, method: str) -> None:
        status, body = await self._botapi._serve_method(self.request, token, method, self._client_disconnected)
        if not self._client_disconnected():
            self.set_status(status)
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps(body, ensure_ascii=False))

    async def post(self, token: str, method: str) -> None:
        await self.get(token, method)

    def on_connection_close(self) -> None:
        # Lets a waiting long poll end as soon as the bot gives up on it.
        self._client_gone = True
        self._botapi._changes.notify()

    def _client_disconnected(self) -> bool:
        """Whether the client closed the connection, even if Tornado has not noticed yet.

        When PTB abandons a long poll and immediately sends the next getUpdates, the
        new request can be handled before Tornado processes the old socket's close;
        peeking at the socket tells the abandoned poll apart from a real conflict.
        """
        if self._client_gone:
            return True
        stream = getattr(self.request.connection, "stream", None)  # Tornado's HTTP1Connection has one
        sock = stream.socket if stream is not None else None
        if sock is None:
            return True
        try:
            return bool(sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b"")
        except BlockingIOError:
            return False
        except OSError:
            return True


class _FileHandler(tornado.web.RequestHandler):
    """``/file/bot<token>/<file_path>``: downloads of files getFile described."""

    def initialize(self, server: BotApiServer) -> None:
        self._botapi = server

    def get(self, token: str, file_path: str) -> None:
        status, body = self._botapi._serve_file(token, file_path)
        self.set_status(status)
        if isinstance(body, bytes):
            self.set_header("Content-Type", "application/octet-stream")
            self.finish(body)
        else:
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps(body))


class _NotFoundHandler(tornado.web.RequestHandler):
    def prepare(self) -> None:
        self.set_status(404)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(_not_found().body()))
